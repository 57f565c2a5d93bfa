//! Evidence packs (`devspm audit evidence`): a folder an auditor takes away and reads — a
//! deterministic sample of a period's changes (SOC 2 CC8.1 style: people, signature, review
//! evidence, AI involvement, findings introduced), how the records support the practices of
//! SSDF or SOC 2, and the signed checkpoint, events and inclusion proofs that make every cited
//! event verifiable with `scripts/verify_checkpoint.py` alone.
//!
//! [`build`] makes the pack as a value ([`EvidencePack`]): it verifies the ledger, draws the
//! sample, signs a checkpoint if asked, and gathers every change's evidence and the
//! statistics. [`write_pack`] builds it and writes the folder.
//!
//! Where things live, and why:
//! - The pack's types are in `devspm_core::evidence`, the vocabulary floor, because both this
//!   crate and `devspm-report` must see them and `devspm-report` stays a low floor (it depends
//!   on nothing of devspm but the vocabulary), so it never depends on the engine. The ledger
//!   answers evidence queries with row types from the same module.
//! - The Markdown is rendered by `devspm_report::evidence`, from the value.
//! - The folder is written here, into the directory the front end chooses, not by the front
//!   end: `events.jsonl` streams every event the checkpoint covers from the ledger (a million
//!   events are not a value), the proofs are computed from the ledger as they are written, and
//!   the layout is a format (VERIFY.md and the standalone verifier read it) that must be the
//!   same whether the CLI or a server's worker writes the pack.

mod change;
mod stats;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use devspm_core::evidence::{ChangeEvidence, PackCheckpoint};
pub use devspm_core::evidence::{EvidencePack, Framework};
use devspm_ledger::evidence::PeriodChange;
use devspm_ledger::findings::{FindingFilter, FindingRow, severity_rank};
use devspm_ledger::{AuditStore, EvidenceStore, FindingStore, merkle};
use devspm_report::number::count;
use sha2::{Digest, Sha256};

use crate::EngineError;
use crate::audit::export::{OutFile, write_file};
use crate::audit::{checkpoints, event_line, parse_date, recorded_repository};

/// Version of the sampling rule, part of the seed (a new rule gives new samples).
const SAMPLING: &str = "devspm-evidence-sample-v1";
const DAY: i64 = 86_400;
/// Default period: this many days before the newest recorded commit.
const DEFAULT_DAYS: i64 = 90;

/// What an evidence pack reads from the ledger (and, with a key, records: its checkpoint).
pub trait PackStore: EvidenceStore + FindingStore + AuditStore + devspm_ledger::Store {}

impl<S: EvidenceStore + FindingStore + AuditStore + devspm_ledger::Store> PackStore for S {}

/// What pack to make.
#[derive(Clone, Debug)]
pub struct PackRequest {
    pub framework: Framework,
    /// First day of the period (`YYYY-MM-DD`, UTC, inclusive). Default: 90 days before the
    /// end.
    pub since: Option<String>,
    /// Last day of the period. Default: the day of the newest recorded commit.
    pub until: Option<String>,
    /// Only this recorded repository (a path to it, its name, locator or id).
    pub repo: Option<String>,
    /// How many changes to sample (changes that introduced open high/critical findings are
    /// always included, even beyond this number).
    pub sample: usize,
    /// Sign a fresh checkpoint for the pack with the private key at this path. Default: the
    /// latest recorded checkpoint.
    pub key: Option<PathBuf>,
}

/// The deterministic rank of a commit in the sample: SHA-256 of the seed and the commit.
fn rank(seed: &str, c: &PeriodChange) -> String {
    let mut h = Sha256::new();
    h.update(seed.as_bytes());
    h.update(c.repo.as_bytes());
    h.update(b"/");
    h.update(c.sha.as_bytes());
    devspm_core::hex::encode(&h.finalize())
}

/// A `YYYY-MM-DD` day → Unix seconds at its start (UTC).
fn parse_day(what: &str, text: &str) -> Result<i64, EngineError> {
    let date = parse_date(what, text)?;
    Ok(jiff::tz::Offset::UTC
        .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .map_err(|e| EngineError::Invalid(format!("{what} {text:?}: {e}")))?
        .as_second())
}

/// Unix seconds → `YYYY-MM-DD` (UTC).
fn day(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| seconds.to_string())
}

/// Builds the pack and writes it into `dir` (created; refused when it exists and is not an
/// empty folder): `index.md`, `practices.md`, `VERIFY.md`, `index.json`, `changes/`,
/// `checkpoint.txt`, `verifier.pub`, `events.jsonl`, `cited-events.jsonl` and `proofs/`.
///
/// Progress: the phases [`crate::phase::CHAIN`] (the ledger verified first) and
/// [`crate::phase::EVIDENCE`] (one step per sampled change gathered).
pub fn write_pack<S: PackStore>(
    store: &mut S,
    request: &PackRequest,
    dir: &Path,
    progress: &dyn crate::Progress,
) -> Result<EvidencePack, EngineError> {
    if dir.exists()
        && (!dir.is_dir()
            || std::fs::read_dir(dir)
                .map_err(|e| EngineError::io(format!("cannot read {}", dir.display()), e))?
                .next()
                .is_some())
    {
        return Err(EngineError::Invalid(format!(
            "{} exists and is not an empty folder; choose a new folder for the evidence pack",
            dir.display()
        )));
    }
    let mut pack = build(store, request, progress)?;
    write_folder(store, &mut pack, dir)?;
    Ok(pack)
}

/// Makes the pack: the period and its changes, a verified ledger (else
/// [`EngineError::Tampered`]), the sample, the checkpoint (signed now with the request's key,
/// or the latest recorded one), each sampled change's evidence and the statistics.
pub fn build<S: PackStore>(
    store: &mut S,
    request: &PackRequest,
    progress: &dyn crate::Progress,
) -> Result<EvidencePack, EngineError> {
    if request.sample == 0 {
        return Err(EngineError::Invalid(
            "--sample must be at least 1".to_owned(),
        ));
    }
    let repo = match request.repo.as_deref() {
        Some(value) => Some(recorded_repository(store, value)?.ok_or_else(|| {
            EngineError::NotFound(format!(
                "no recorded repository matches {value:?} (give its path, its name as `devspm scan` prints it, or its id)"
            ))
        })?),
        None => None,
    };
    let repositories = store.repositories()?;
    let repo_label = |id: &str| {
        repositories
            .iter()
            .find(|r| r.repo == id)
            .map_or_else(|| id.to_owned(), |r| r.name.clone())
    };
    let scope = repo.as_deref().map_or_else(
        || "every recorded repository".to_owned(),
        |id| format!("repository {}", repo_label(id)),
    );

    // The period.
    let since = request
        .since
        .as_deref()
        .map(|s| parse_day("--since", s))
        .transpose()?;
    let until = request
        .until
        .as_deref()
        .map(|s| parse_day("--until", s))
        .transpose()?;
    if let (Some(s), Some(u)) = (since, until)
        && s > u
    {
        return Err(EngineError::Invalid(format!(
            "--since {} is after --until {}; the period would be empty",
            day(s),
            day(u)
        )));
    }
    let Some((first_time, newest_time)) = store.commit_time_range(repo.as_deref())? else {
        return Err(EngineError::NotFound(format!(
            "no commits are recorded for {scope}; run `devspm scan` first"
        )));
    };
    let until_day = until.unwrap_or(newest_time.div_euclid(DAY) * DAY);
    let since_day = since.unwrap_or(until_day - DEFAULT_DAYS * DAY);
    let end = until_day + DAY; // exclusive
    let population = store.changes_between(repo.as_deref(), since_day, end)?;
    if population.is_empty() {
        return Err(EngineError::NotFound(format!(
            "no changes recorded{} with a committer date from {} to {}; recorded commits range from {} to {}",
            repo.as_deref()
                .map(|id| format!(" in repository {}", repo_label(id)))
                .unwrap_or_default(),
            day(since_day),
            day(until_day),
            day(first_time),
            day(newest_time)
        )));
    }

    // The ledger must verify before anything is said about it.
    let report = {
        let phase = crate::Phase::start(progress, crate::phase::CHAIN, "", None);
        crate::audit::verified_with(store, "write an evidence pack", &|n| phase.at(n))?
    };

    // Findings (the existing view), and who introduced the severe open ones.
    let findings = store.findings(&FindingFilter {
        repo: repo.clone(),
        ..FindingFilter::default()
    })?;
    let name_to_id: HashMap<&str, &str> = repositories
        .iter()
        .map(|r| (r.name.as_str(), r.repo.as_str()))
        .collect();
    let finding_repo = |f: &FindingRow| -> String {
        repo.clone().unwrap_or_else(|| {
            name_to_id
                .get(f.repository.as_str())
                .map_or_else(|| f.repository.clone(), |s| (*s).to_owned())
        })
    };
    let in_population: HashSet<(String, String)> = population
        .iter()
        .map(|c| (c.repo.clone(), c.sha.clone()))
        .collect();
    let mut severe: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for f in &findings {
        if f.status == "open"
            && severity_rank(&f.severity) >= severity_rank("high")
            && let Some(sha) = &f.introduced_in
        {
            let key = (finding_repo(f), sha.clone());
            if in_population.contains(&key) {
                severe
                    .entry(key)
                    .or_default()
                    .push(format!("{} {}", f.severity, f.rule));
            }
        }
    }

    // The sample.
    let seed = format!(
        "{SAMPLING}\n{}\n{}\n{}\n",
        day(since_day),
        day(until_day),
        repo.as_deref().unwrap_or("*")
    );
    let mut ranked: Vec<(String, &PeriodChange)> =
        population.iter().map(|c| (rank(&seed, c), c)).collect();
    ranked.sort_by(|a, b| a.0.cmp(&b.0));
    let mut chosen: Vec<(&PeriodChange, String)> = Vec::new();
    for c in &population {
        if let Some(why) = severe.get(&(c.repo.clone(), c.sha.clone())) {
            chosen.push((
                c,
                format!(
                    "always included: introduced open {} finding(s) ({})",
                    why.len(),
                    why.join(", ")
                ),
            ));
        }
    }
    let forced = chosen.len();
    for (r, c) in &ranked {
        if chosen.len() >= request.sample.max(forced) {
            break;
        }
        if !severe.contains_key(&(c.repo.clone(), c.sha.clone())) {
            chosen.push((c, format!("random: rank {}", &r[..16])));
        }
    }
    chosen.sort_by_key(|(c, _)| (c.committer_time, c.seq));

    // The checkpoint the pack proves against.
    let checkpoint = match &request.key {
        Some(key) => {
            let signed = checkpoints::sign_current(store, key, None)?;
            PackCheckpoint {
                id: signed.id,
                size: signed.size,
                root: merkle::to_hex(&signed.root),
                note: signed.note,
                verifier: signed.verifier.to_key_string(),
                signer: signed.verifier.label(),
                fresh: true,
            }
        }
        None => match store.checkpoints()?.pop() {
            Some(cp) => PackCheckpoint {
                signer: devspm_ledger::checkpoint::NoteVerifier::parse(&cp.verifier)
                    .map(|v| v.label())
                    .unwrap_or_else(|_| cp.key_name.clone()),
                id: cp.id,
                size: cp.tree_size,
                root: cp.root_hash,
                note: cp.note,
                verifier: cp.verifier,
                fresh: false,
            },
            None => {
                return Err(EngineError::Invalid(format!(
                    "no checkpoint is recorded in {}, so nothing in the pack could be verified; pass --key KEY (a key from `devspm audit keygen -o KEY`) to sign one for the pack",
                    store.location()
                )));
            }
        },
    };

    // Each sampled change.
    let store = &*store;
    let mut people = change::People::new(store)?;
    let mut graphs: HashMap<String, change::Graph> = HashMap::new();
    let mut changes: Vec<ChangeEvidence> = Vec::new();
    let mut cited: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
    let multi_repo = population
        .iter()
        .map(|c| c.repo.as_str())
        .collect::<HashSet<_>>()
        .len()
        > 1;
    let phase = crate::Phase::start(
        progress,
        crate::phase::EVIDENCE,
        &scope,
        Some(chosen.len() as u64),
    );
    for (done, (c, why)) in chosen.iter().enumerate() {
        phase.at(done as u64);
        let facts = store.change_facts(&c.repo, &c.sha)?.ok_or_else(|| {
            EngineError::NotFound(format!("commit {} vanished from the ledger", c.sha))
        })?;
        if !graphs.contains_key(&c.repo) {
            graphs.insert(c.repo.clone(), change::graph_of(store, &c.repo)?);
        }
        let change = change::change_evidence(
            store,
            &mut people,
            &graphs[&c.repo],
            &facts,
            why,
            multi_repo,
        )?;
        for e in &change.events {
            cited
                .entry(e.seq)
                .or_default()
                .insert(format!("changes/{}.md", change.file));
        }
        changes.push(change);
    }
    drop(phase);
    if let Some((&last, _)) = cited.iter().next_back()
        && last > checkpoint.size
    {
        return Err(EngineError::Invalid(format!(
            "the latest checkpoint (#{}, {} events) was signed before event {last}, which this pack cites; pass --key KEY to sign a fresh checkpoint for the pack",
            checkpoint.id,
            count(checkpoint.size)
        )));
    }

    let stats = stats::population_stats(&mut people, &population)?;
    let finding_stats = stats::finding_stats(store, &findings, &finding_repo, &in_population)?;
    let scanners = store.scanner_runs(repo.as_deref())?;
    let rewrites = store
        .rewrites(repo.as_deref())?
        .into_iter()
        // Recorded since the period began (the event time is when the rewrite was seen).
        .filter(|r| r.at.as_str() >= day(since_day).as_str())
        .collect();
    let repositories = population
        .iter()
        .map(|c| c.repo.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter_map(|id| repositories.iter().find(|r| r.repo == id).cloned())
        .collect();
    Ok(EvidencePack {
        framework: request.framework,
        scope,
        repositories,
        since: day(since_day),
        until: day(until_day),
        since_defaulted: since.is_none(),
        until_defaulted: until.is_none(),
        seed,
        requested: request.sample,
        always_included: forced,
        population: population.len(),
        changes,
        stats,
        findings: finding_stats,
        scanners,
        rewrites,
        events_in_folder: checkpoint.size,
        checkpoint,
        verified_events: report.events,
        verified_tree_nodes: report.tree_nodes_checked,
        cited,
        devspm_version: env!("CARGO_PKG_VERSION").to_owned(),
        written_at: jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
    })
}

/// Writes the pack's folder into `dir`; sets how many events `events.jsonl` holds.
fn write_folder<S: PackStore>(
    store: &S,
    pack: &mut EvidencePack,
    dir: &Path,
) -> Result<(), EngineError> {
    std::fs::create_dir_all(dir.join("changes"))
        .and_then(|()| std::fs::create_dir_all(dir.join("proofs")))
        .map_err(|e| EngineError::io(format!("cannot create {}", dir.display()), e))?;
    let checkpoint = &pack.checkpoint;
    write_file(dir, "checkpoint.txt", &checkpoint.note)?;
    write_file(dir, "verifier.pub", &format!("{}\n", checkpoint.verifier))?;
    pack.events_in_folder = write_events(store, dir, checkpoint.size, &pack.cited)?;
    for (&seq, why) in &pack.cited {
        let proof = store.inclusion_proof(seq, checkpoint.size)?;
        let kind = store
            .events(None, seq - 1, 1)?
            .pop()
            .map(|e| e.kind)
            .unwrap_or_default();
        let mut value = serde_json::to_value(&proof).expect("a proof is JSON");
        value["checkpoint_id"] = serde_json::json!(checkpoint.id);
        value["kind"] = serde_json::json!(kind);
        value["cited_by"] = serde_json::json!(why);
        write_file(dir, &format!("proofs/{seq}.json"), &pretty(&value))?;
    }
    for change in &pack.changes {
        write_file(
            dir,
            &format!("changes/{}.json", change.file),
            &pretty(change),
        )?;
        write_file(
            dir,
            &format!("changes/{}.md", change.file),
            &devspm_report::evidence::change(change, checkpoint),
        )?;
    }
    write_file(
        dir,
        "practices.md",
        &devspm_report::evidence::practices(pack),
    )?;
    write_file(dir, "index.md", &devspm_report::evidence::index(pack))?;
    write_file(dir, "VERIFY.md", &devspm_report::evidence::verify(pack))?;
    write_file(
        dir,
        "index.json",
        &pretty(&devspm_report::evidence::summary(pack, dir)),
    )
}

/// Pretty JSON and a line feed.
fn pretty(value: &impl serde::Serialize) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(value).expect("the pack is JSON")
    )
}

/// `events.jsonl`: every event of the checkpoint's tree (the verifier recomputes the chain and
/// the root from them), in the format of `devspm audit export`, and `cited-events.jsonl`: the
/// cited ones with what cites them. Returns the number of events written.
fn write_events<S: PackStore>(
    store: &S,
    dir: &Path,
    size: u64,
    cited: &BTreeMap<u64, BTreeSet<String>>,
) -> Result<u64, EngineError> {
    let mut all = OutFile::create(dir, "events.jsonl")?;
    let mut some = OutFile::create(dir, "cited-events.jsonl")?;
    let mut after = 0u64;
    let mut written = 0u64;
    while after < size {
        let page = store.events(None, after, 10_000.min((size - after) as usize))?;
        if page.is_empty() {
            break;
        }
        for e in page {
            let mut line = event_line(&e);
            all.json_line(&line)?;
            if let Some(why) = cited.get(&e.seq) {
                line["proof"] = serde_json::json!(format!("proofs/{}.json", e.seq));
                line["cited_by"] = serde_json::json!(why);
                some.json_line(&line)?;
            }
            after = e.seq;
            written += 1;
        }
    }
    all.finish()?;
    some.finish()?;
    Ok(written)
}
