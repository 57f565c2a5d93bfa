//! `devspm audit evidence`: a folder an auditor takes away and reads — a deterministic sample
//! of a period's changes (SOC 2 CC8.1 style: people, signature, review evidence, AI
//! involvement, findings introduced), how the records support the practices of SSDF or SOC 2,
//! and the signed checkpoint, events and inclusion proofs that make every cited event
//! verifiable with `scripts/verify_checkpoint.py` alone.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context;
use devspm_ledger::evidence::{
    AiRecord, ChangeFacts, EvidenceStore, IntroducedFinding, PeriodChange, REVIEW_TRAILERS,
    RepositoryRow,
};
use devspm_ledger::findings::{FindingFilter, FindingRow, severity_rank};
use devspm_ledger::merkle;
use devspm_ledger::{AuditStore, FindingStore, SqliteStore, Store};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::checkpoints;
use crate::EXIT_VERIFY_FAILED;
use crate::cli::{Format, Framework, GlobalArgs};
use crate::output::{count, emit, emit_json, escape, percent};

/// Version of the sampling rule, part of the seed (a new rule gives new samples).
const SAMPLING: &str = "devspm-evidence-sample-v1";
const DAY: i64 = 86_400;
/// Default period: this many days before the newest recorded commit.
const DEFAULT_DAYS: i64 = 90;

/// What was asked on the command line.
pub struct Request {
    pub framework: Framework,
    pub since: Option<String>,
    pub until: Option<String>,
    pub repo: Option<String>,
    pub sample: usize,
    pub output: PathBuf,
    pub key: Option<PathBuf>,
}

impl Framework {
    fn title(self) -> &'static str {
        match self {
            Framework::Ssdf => "NIST SSDF (SP 800-218)",
            Framework::Soc2 => "SOC 2 (Trust Services Criteria)",
        }
    }

    fn id(self) -> &'static str {
        match self {
            Framework::Ssdf => "ssdf",
            Framework::Soc2 => "soc2",
        }
    }
}

/// A person (author, committer, reviewer) as the pack shows them.
#[derive(Clone, Debug, Serialize)]
struct Person {
    /// The alias id in the ledger (what the hashed events name).
    alias: String,
    /// Name and e-mail as written in the commit (`None` when the personal data is not
    /// available, e.g. erased).
    name: Option<String>,
    email: Option<String>,
    identity: Option<String>,
    /// `developer`, `agent` or `bot`.
    kind: Option<String>,
    /// Catalogue id of an agent or bot.
    slug: Option<String>,
    /// The rule that resolved the alias to the identity, as a sentence.
    resolved_by: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
struct Signature {
    /// `none`, `gpg`, `ssh`, `x509` or `unknown`.
    kind: String,
    signed: bool,
}

#[derive(Clone, Debug, Serialize)]
struct ReviewTrailer {
    key: String,
    /// The person named, when the trailer names one.
    person: Option<Person>,
    value: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
struct MergedBy {
    merge_commit: String,
    subject: Option<String>,
    committer: Person,
    committed_at: String,
    /// The merge's committer is a developer other than the change's author.
    different_person: bool,
}

#[derive(Clone, Debug, Serialize)]
struct Review {
    /// `Reviewed-by:`, `Acked-by:`, `Approved-by:`, `Tested-by:`, `Reviewed-on:` trailers.
    trailers: Vec<ReviewTrailer>,
    /// The nearest merge commit that brought the change in through a non-first parent.
    merged_by: Option<MergedBy>,
    /// A pull request number referenced in the subject (or the merge's), e.g. `#123`.
    pull_request: Option<String>,
    /// Committed by GitHub's web interface (web-flow): typically a pull request merged there.
    committed_via_github: bool,
    /// Review by someone else is recorded in git (a trailer naming another identity, or a
    /// merge committed by another identity).
    independent: bool,
    summary: String,
}

#[derive(Clone, Debug, Serialize)]
struct AiPart {
    agent: String,
    role: String,
    confidence: String,
    accountable: Option<Person>,
    evidence: Vec<String>,
    lines: Option<u64>,
    event_seq: u64,
}

#[derive(Clone, Debug, Serialize)]
struct Files {
    changed: u64,
    by_change: BTreeMap<String, u64>,
    binary: u64,
    lines_added: u64,
    lines_removed: u64,
}

/// One event cited by the pack, with its proof.
#[derive(Clone, Debug, Serialize)]
struct Cited {
    seq: u64,
    kind: String,
    leaf_index: u64,
    leaf_hash: String,
    proof: String,
}

/// Everything the pack says about one sampled change (the JSON file; the Markdown renders it).
#[derive(Clone, Debug, Serialize)]
struct ChangeEvidence {
    file: String,
    repository: RepositoryRow,
    commit: String,
    subject: Option<String>,
    merge: bool,
    unreachable: bool,
    sampled_because: String,
    author: Person,
    authored_at: String,
    committer: Person,
    committed_at: String,
    signature: Signature,
    review: Review,
    other_trailers: Vec<ReviewTrailer>,
    ai: Vec<AiPart>,
    files: Files,
    findings_introduced: Vec<IntroducedFinding>,
    /// The `commit_recorded` event and its inclusion proof.
    recorded: Cited,
    /// Every event this file cites (the commit's, AI involvement, findings, attributions).
    events: Vec<Cited>,
}

/// A compact row of the population, for statistics.
struct Stats {
    changes: u64,
    signed: u64,
    signature_kinds: BTreeMap<String, u64>,
    resolved: u64,
    by_kind: BTreeMap<String, u64>,
    committer_differs: u64,
    /// Committed by GitHub's web interface (web-flow).
    web_flow: u64,
    review_trailer: u64,
    ai: u64,
    merges: u64,
    unreachable: u64,
    authors: u64,
}

struct FindingStats {
    total: u64,
    by_severity: BTreeMap<u8, (String, u64, u64)>,
    attributed: u64,
    unattributable: u64,
    pending: u64,
    developers: u64,
    agents: BTreeSet<String>,
    ai_findings: u64,
    fixed: u64,
    fix_days: Vec<f64>,
    reopened: u64,
    in_period: u64,
    in_period_severe_open: u64,
    rules: BTreeMap<String, u64>,
    by_year: BTreeMap<String, u64>,
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

fn parse_day(flag: &str, text: &str) -> anyhow::Result<i64> {
    let date: jiff::civil::Date = text.trim().parse().map_err(|_| {
        anyhow::anyhow!("{flag} {text:?} is not a date; expected YYYY-MM-DD (UTC), e.g. 2026-07-01")
    })?;
    Ok(jiff::tz::Offset::UTC
        .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
        .map_err(|e| anyhow::anyhow!("{flag} {text:?}: {e}"))?
        .as_second())
}

fn day(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y-%m-%d").to_string())
        .unwrap_or_else(|_| seconds.to_string())
}

/// Unix seconds at an offset → `2026-07-01 14:03:07 +02:00`.
fn time_at(seconds: i64, offset: i64) -> String {
    let Ok(ts) = jiff::Timestamp::from_second(seconds) else {
        return seconds.to_string();
    };
    let offset = jiff::tz::Offset::from_seconds(offset as i32).unwrap_or(jiff::tz::Offset::UTC);
    let local = offset.to_datetime(ts);
    let minutes = offset.seconds() / 60;
    format!(
        "{} {}{:02}:{:02}",
        local.strftime("%Y-%m-%d %H:%M:%S"),
        if minutes < 0 { '-' } else { '+' },
        minutes.abs() / 60,
        minutes.abs() % 60
    )
}

/// Outside text for Markdown: one line, controls, bidi and invisible characters shown as
/// visible escapes, markup escaped (`devspm_report::markdown`).
use devspm_report::markdown::text as md;

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// `#123` from a subject like `Fix it (#123)` or `Merge pull request #123 from …`.
fn pull_request(subject: &str) -> Option<String> {
    let bytes = subject.as_bytes();
    let mut found = None;
    for (i, _) in subject.match_indices('#') {
        let digits: String = subject[i + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if digits.is_empty() {
            continue;
        }
        let before = subject[..i].trim_end();
        if (i > 0 && bytes[i - 1] == b'(') || before.ends_with("pull request") {
            found = Some(format!("#{digits}"));
        }
    }
    found
}

/// The repository id for a `--repo` value: a path to a repository, or a recorded name/locator.
fn repo_filter(store: &SqliteStore, value: &str) -> anyhow::Result<String> {
    if let Ok(repo) = devspm_git::open(Path::new(value))
        && store.find_repository(&repo.id)?.is_some()
    {
        return Ok(repo.id);
    }
    store.find_repository(value)?.with_context(|| {
        format!(
            "no recorded repository matches {value:?} (give its path, its name as `devspm scan` prints it, or its id)"
        )
    })
}

/// Resolves aliases to people, caching identities.
struct People<'s> {
    store: &'s SqliteStore,
    book: HashMap<String, (String, String)>,
    cache: HashMap<String, Option<devspm_ledger::evidence::AliasIdentity>>,
}

impl<'s> People<'s> {
    fn new(store: &'s SqliteStore) -> anyhow::Result<People<'s>> {
        let book = store
            .alias_book()?
            .entries()
            .into_iter()
            .map(|(id, name, email)| {
                (
                    id,
                    (
                        String::from_utf8_lossy(&name).into_owned(),
                        String::from_utf8_lossy(&email).into_owned(),
                    ),
                )
            })
            .collect();
        Ok(People {
            store,
            book,
            cache: HashMap::new(),
        })
    }

    fn identity(
        &mut self,
        alias: &str,
    ) -> anyhow::Result<Option<devspm_ledger::evidence::AliasIdentity>> {
        if let Some(hit) = self.cache.get(alias) {
            return Ok(hit.clone());
        }
        let found = self.store.alias_identity(alias)?;
        self.cache.insert(alias.to_owned(), found.clone());
        Ok(found)
    }

    fn person(&mut self, alias: &str) -> anyhow::Result<Person> {
        let id = self.identity(alias)?;
        let pii = self.book.get(alias).cloned();
        let resolved_by = id.as_ref().map(|i| {
            let via = i.via.as_ref().map(|v| match self.book.get(v) {
                Some((n, e)) => format!("{n} ({e})"),
                None => format!("alias {v}"),
            });
            devspm_core::identity::Rule::parse(&i.rule).map_or_else(
                || i.rule.clone(),
                |r| r.explain(via.as_deref(), i.detail.as_deref()),
            )
        });
        Ok(Person {
            alias: alias.to_owned(),
            name: pii.as_ref().map(|p| p.0.clone()),
            email: pii.map(|p| p.1),
            identity: id.as_ref().map(|i| i.identity.clone()),
            kind: id.as_ref().map(|i| i.kind.clone()),
            slug: id.as_ref().and_then(|i| i.slug.clone()),
            resolved_by,
        })
    }
}

/// Child commits of each commit of a repository (with the parent position), and parents.
struct Graph {
    children: HashMap<String, Vec<(String, usize)>>,
    parents: HashMap<String, Vec<String>>,
}

fn graph_of(store: &SqliteStore, repo: &str) -> anyhow::Result<Graph> {
    let parents = store.recorded_commits(repo)?.commits;
    let mut children: HashMap<String, Vec<(String, usize)>> = HashMap::new();
    for (sha, list) in &parents {
        for (i, p) in list.iter().enumerate() {
            children
                .entry(p.clone())
                .or_default()
                .push((sha.clone(), i));
        }
    }
    for list in children.values_mut() {
        list.sort();
    }
    Ok(Graph { children, parents })
}

impl Graph {
    /// Whether `ancestor` is reachable from `from` through parents.
    fn reaches(&self, from: &str, ancestor: &str) -> bool {
        let mut stack = vec![from.to_owned()];
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(at) = stack.pop() {
            if at == ancestor {
                return true;
            }
            if seen.insert(at.clone())
                && let Some(ps) = self.parents.get(&at)
            {
                stack.extend(ps.iter().cloned());
            }
        }
        false
    }

    /// The nearest merge commit that brought `sha` in: a descendant reached through one of its
    /// non-first parents whose first parent does not already contain `sha` (a merge of the
    /// main branch into a topic branch brings nothing in).
    fn merged_by(&self, sha: &str) -> Option<String> {
        let mut queue = VecDeque::from([sha.to_owned()]);
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(at) = queue.pop_front() {
            if seen.len() > 200_000 {
                break;
            }
            for (child, position) in self
                .children
                .get(&at)
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                if *position >= 1 {
                    let first = self.parents.get(child).and_then(|p| p.first());
                    if first.is_some_and(|f| !self.reaches(f, sha)) {
                        return Some(child.clone());
                    }
                    continue;
                }
                if seen.insert(child.clone()) {
                    queue.push_back(child.clone());
                }
            }
        }
        None
    }
}

fn subject_of(store: &SqliteStore, message_sha256: &str) -> anyhow::Result<Option<String>> {
    Ok(store.content(message_sha256)?.map(|bytes| {
        String::from_utf8_lossy(&bytes)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    }))
}

pub fn run(store: &mut SqliteStore, global: &GlobalArgs, req: &Request) -> anyhow::Result<i32> {
    let dir = &req.output;
    if dir.exists()
        && (!dir.is_dir()
            || std::fs::read_dir(dir)
                .with_context(|| format!("cannot read {}", dir.display()))?
                .next()
                .is_some())
    {
        anyhow::bail!(
            "{} exists and is not an empty folder; choose a new folder for the evidence pack",
            dir.display()
        );
    }
    if req.sample == 0 {
        anyhow::bail!("--sample must be at least 1");
    }
    let repo = req
        .repo
        .as_deref()
        .map(|r| repo_filter(store, r))
        .transpose()?;
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
    let since = req
        .since
        .as_deref()
        .map(|s| parse_day("--since", s))
        .transpose()?;
    let until = req
        .until
        .as_deref()
        .map(|s| parse_day("--until", s))
        .transpose()?;
    if let (Some(s), Some(u)) = (since, until)
        && s > u
    {
        anyhow::bail!(
            "--since {} is after --until {}; the period would be empty",
            day(s),
            day(u)
        );
    }
    let Some((first_time, newest_time)) = store.commit_time_range(repo.as_deref())? else {
        anyhow::bail!("no commits are recorded for {scope}; run `devspm scan` first");
    };
    let until_day = until.unwrap_or(newest_time.div_euclid(DAY) * DAY);
    let since_day = since.unwrap_or(until_day - DEFAULT_DAYS * DAY);
    let end = until_day + DAY; // exclusive
    let population = store.changes_between(repo.as_deref(), since_day, end)?;
    if population.is_empty() {
        anyhow::bail!(
            "no changes recorded{} with a committer date from {} to {}; recorded commits range from {} to {}",
            repo.as_deref()
                .map(|id| format!(" in repository {}", repo_label(id)))
                .unwrap_or_default(),
            day(since_day),
            day(until_day),
            day(first_time),
            day(newest_time)
        );
    }

    // The ledger must verify before anything is said about it.
    let report = store.verify(&mut |_| {})?;
    if let Some(problem) = &report.problem {
        eprintln!(
            "devspm: LEDGER VERIFICATION FAILED in {}: {}; refusing to write an evidence pack",
            escape(store.location()),
            escape(&problem.problem)
        );
        return Ok(EXIT_VERIFY_FAILED);
    }

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
        if chosen.len() >= req.sample.max(forced) {
            break;
        }
        if !severe.contains_key(&(c.repo.clone(), c.sha.clone())) {
            chosen.push((c, format!("random: rank {}", &r[..16])));
        }
    }
    chosen.sort_by_key(|(c, _)| (c.committer_time, c.seq));

    // The checkpoint the pack proves against.
    let checkpoint = match &req.key {
        Some(key) => {
            let Some(signed) = checkpoints::sign_current(store, key, None)? else {
                return Ok(EXIT_VERIFY_FAILED);
            };
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
            None => anyhow::bail!(
                "no checkpoint is recorded in {}, so nothing in the pack could be verified; pass --key KEY (a key from `devspm audit keygen -o KEY`) to sign one for the pack",
                store.location()
            ),
        },
    };

    // Each sampled change.
    let mut people = People::new(store)?;
    let mut graphs: HashMap<String, Graph> = HashMap::new();
    let mut changes: Vec<ChangeEvidence> = Vec::new();
    let mut cited: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
    let multi_repo = population
        .iter()
        .map(|c| c.repo.as_str())
        .collect::<HashSet<_>>()
        .len()
        > 1;
    for (c, why) in &chosen {
        let facts = store
            .change_facts(&c.repo, &c.sha)?
            .with_context(|| format!("commit {} vanished from the ledger", c.sha))?;
        if !graphs.contains_key(&c.repo) {
            graphs.insert(c.repo.clone(), graph_of(store, &c.repo)?);
        }
        let change = change_evidence(
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
    if let Some((&last, _)) = cited.iter().next_back()
        && last > checkpoint.size
    {
        anyhow::bail!(
            "the latest checkpoint (#{}, {} events) was signed before event {last}, which this pack cites; pass --key KEY to sign a fresh checkpoint for the pack",
            checkpoint.id,
            count(checkpoint.size)
        );
    }

    let stats = population_stats(&mut people, &population)?;
    let fstats = finding_stats(store, &findings, &finding_repo, &in_population)?;
    let scanners = store.scanner_runs(repo.as_deref())?;
    let rewrites: Vec<_> = store
        .rewrites(repo.as_deref())?
        .into_iter()
        // Recorded since the period began (the event time is when the rewrite was seen).
        .filter(|r| r.at.as_str() >= day(since_day).as_str())
        .collect();

    // Write the folder.
    std::fs::create_dir_all(dir.join("changes"))
        .and_then(|()| std::fs::create_dir_all(dir.join("proofs")))
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let write = |rel: &str, text: &str| -> anyhow::Result<()> {
        let path = dir.join(rel);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
    };
    write("checkpoint.txt", &checkpoint.note)?;
    write("verifier.pub", &format!("{}\n", checkpoint.verifier))?;
    let events_written = write_events(store, dir, checkpoint.size, &cited)?;
    for (&seq, why) in &cited {
        let proof = store.inclusion_proof(seq, checkpoint.size)?;
        let kind = store
            .events(None, seq - 1, 1)?
            .pop()
            .map(|e| e.kind)
            .unwrap_or_default();
        let mut value = serde_json::to_value(&proof)?;
        value["checkpoint_id"] = serde_json::json!(checkpoint.id);
        value["kind"] = serde_json::json!(kind);
        value["cited_by"] = serde_json::json!(why);
        write(
            &format!("proofs/{seq}.json"),
            &format!("{}\n", serde_json::to_string_pretty(&value)?),
        )?;
    }
    for change in &changes {
        write(
            &format!("changes/{}.json", change.file),
            &format!("{}\n", serde_json::to_string_pretty(change)?),
        )?;
        write(
            &format!("changes/{}.md", change.file),
            &change_markdown(change, &checkpoint),
        )?;
    }
    let pack = Pack {
        framework: req.framework,
        scope: &scope,
        repositories: population
            .iter()
            .map(|c| c.repo.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter_map(|id| repositories.iter().find(|r| r.repo == id))
            .collect(),
        since: day(since_day),
        until: day(until_day),
        defaulted: (since.is_none(), until.is_none()),
        seed: &seed,
        requested: req.sample,
        forced,
        population: population.len(),
        changes: &changes,
        stats: &stats,
        fstats: &fstats,
        findings: &findings,
        scanners: &scanners,
        rewrites: &rewrites,
        checkpoint: &checkpoint,
        report: &report,
        cited: cited.len(),
        events_written,
    };
    write("practices.md", &practices_markdown(&pack))?;
    write("index.md", &index_markdown(&pack))?;
    write("VERIFY.md", &verify_markdown(&pack))?;
    let summary = serde_json::json!({
        "folder": dir,
        "framework": req.framework.id(),
        "scope": scope,
        "period": { "since": pack.since, "until": pack.until, "by": "committer date (UTC)" },
        "population": population.len(),
        "sample": {
            "size": changes.len(),
            "requested": req.sample,
            "always_included": forced,
            "seed": seed,
            "method": "changes that introduced open high/critical findings, then the others by ascending SHA-256(seed || repository id || '/' || commit id)",
        },
        "changes": changes.iter().map(|c| serde_json::json!({
            "commit": c.commit, "repository": c.repository.name, "file": format!("changes/{}.md", c.file),
            "sampled_because": c.sampled_because, "event_seq": c.recorded.seq,
        })).collect::<Vec<_>>(),
        "checkpoint": {
            "id": checkpoint.id, "tree_size": checkpoint.size, "root_hash": checkpoint.root,
            "signer": checkpoint.signer, "signed_for_this_pack": checkpoint.fresh,
        },
        "ledger_verified": { "events": report.events, "tree_nodes": report.tree_nodes_checked },
        "cited_events": cited.len(),
        "events_in_events_jsonl": events_written,
    });
    write(
        "index.json",
        &format!("{}\n", serde_json::to_string_pretty(&summary)?),
    )?;
    if global.format == Format::Json {
        emit_json(&summary)?;
    } else if !global.quiet {
        emit(&format!(
            "evidence pack ({}) written to {}: {} of {} changes sampled ({} always included) from {} to {} in {}; {} cited events with inclusion proofs against checkpoint #{} of {} events{}\nstart with {}/index.md; VERIFY.md says how to check it\n",
            req.framework.title(),
            escape(&dir.display().to_string()),
            changes.len(),
            count(population.len() as u64),
            forced,
            pack.since,
            pack.until,
            escape(&scope),
            cited.len(),
            checkpoint.id,
            count(checkpoint.size),
            if checkpoint.fresh {
                " (signed now)"
            } else {
                ""
            },
            escape(&dir.display().to_string())
        ))?;
    }
    Ok(0)
}

struct PackCheckpoint {
    id: u64,
    size: u64,
    root: String,
    note: String,
    verifier: String,
    signer: String,
    fresh: bool,
}

struct Pack<'a> {
    framework: Framework,
    scope: &'a str,
    repositories: Vec<&'a RepositoryRow>,
    since: String,
    until: String,
    defaulted: (bool, bool),
    seed: &'a str,
    requested: usize,
    forced: usize,
    population: usize,
    changes: &'a [ChangeEvidence],
    stats: &'a Stats,
    fstats: &'a FindingStats,
    findings: &'a [FindingRow],
    scanners: &'a [devspm_ledger::evidence::ScannerRun],
    rewrites: &'a [devspm_ledger::evidence::RewriteRecord],
    checkpoint: &'a PackCheckpoint,
    report: &'a devspm_ledger::VerifyReport,
    cited: usize,
    events_written: u64,
}

fn cite(store: &SqliteStore, seq: u64, kind: &str) -> Cited {
    let leaf_hash = store
        .events(None, seq - 1, 1)
        .ok()
        .and_then(|mut e| e.pop())
        .map(|e| merkle::to_hex(&devspm_ledger::audit::event_leaf(&e.hash)))
        .unwrap_or_default();
    Cited {
        seq,
        kind: kind.to_owned(),
        leaf_index: seq - 1,
        leaf_hash,
        proof: format!("proofs/{seq}.json"),
    }
}

fn change_evidence(
    store: &SqliteStore,
    people: &mut People<'_>,
    graph: &Graph,
    facts: &ChangeFacts,
    why: &str,
    multi_repo: bool,
) -> anyhow::Result<ChangeEvidence> {
    let author = people.person(&facts.author_alias)?;
    let committer = people.person(&facts.committer_alias)?;
    let subject = subject_of(store, &facts.message_sha256)?;
    let mut trailers = Vec::new();
    let mut other_trailers = Vec::new();
    for t in &facts.trailers {
        let row = ReviewTrailer {
            key: t.key.clone(),
            person: t.alias.as_deref().map(|a| people.person(a)).transpose()?,
            value: t.value.clone(),
        };
        if REVIEW_TRAILERS.contains(&t.key.to_ascii_lowercase().as_str()) {
            trailers.push(row);
        } else {
            other_trailers.push(row);
        }
    }
    let merged = match graph.merged_by(&facts.sha) {
        Some(m) => match store.change_facts(&facts.repo, &m)? {
            Some(mf) => {
                let merger = people.person(&mf.committer_alias)?;
                Some(MergedBy {
                    subject: subject_of(store, &mf.message_sha256)?,
                    // A person other than the author; a bot (GitHub's web-flow committing a
                    // pull-request merge) is not a reviewer.
                    different_person: merger.kind.as_deref() == Some("developer")
                        && merger.identity != author.identity,
                    committer: merger,
                    committed_at: time_at(mf.committer_time, mf.committer_offset),
                    merge_commit: m,
                })
            }
            None => None,
        },
        None => None,
    };
    let web_flow = committer.slug.as_deref() == Some("github-web-flow")
        || committer.email.as_deref() == Some("noreply@github.com");
    let pr = subject.as_deref().and_then(pull_request).or_else(|| {
        merged
            .as_ref()
            .and_then(|m| m.subject.as_deref())
            .and_then(pull_request)
    });
    let other_reviewer = trailers.iter().any(|t| {
        t.person
            .as_ref()
            .is_some_and(|p| p.identity.is_some() && p.identity != author.identity)
            || (t.person.is_none() && t.key.eq_ignore_ascii_case("reviewed-on"))
    });
    let independent = other_reviewer || merged.as_ref().is_some_and(|m| m.different_person);
    let mut summary = Vec::new();
    if !trailers.is_empty() {
        summary.push(format!(
            "{} review trailer(s): {}",
            trailers.len(),
            trailers
                .iter()
                .map(|t| format!(
                    "{}: {}",
                    t.key,
                    t.person.as_ref().map_or_else(
                        || t.value.clone().unwrap_or_default(),
                        |p| p.name.clone().unwrap_or_else(|| p.alias.clone())
                    )
                ))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if let Some(m) = &merged {
        summary.push(format!(
            "merged by {} in merge commit {}{}",
            m.committer
                .name
                .clone()
                .unwrap_or_else(|| m.committer.alias.clone()),
            short(&m.merge_commit),
            if m.different_person {
                " (another person than the author)"
            } else if m.committer.kind.as_deref() == Some("developer") {
                " (the author's own identity)"
            } else {
                " (a bot, not a reviewer)"
            }
        ));
    }
    if web_flow {
        summary.push("committed through GitHub's web interface (web-flow), as pull-request merges are; the review itself, if any, is recorded on GitHub, not in git".into());
    }
    if let Some(pr) = &pr {
        summary.push(format!(
            "references pull request {pr}: look there for the review"
        ));
    }
    let summary = if summary.is_empty() {
        "none recorded: no review trailer, no merge by another person, no pull-request reference"
            .to_owned()
    } else {
        summary.join("; ")
    };

    let mut events = vec![cite(store, facts.seq, "commit_recorded")];
    let mut ai = Vec::new();
    for AiRecord {
        agent,
        role,
        confidence,
        accountable,
        evidence,
        lines,
        seq,
    } in store.ai_records(&facts.repo, &facts.sha)?
    {
        events.push(cite(store, seq, "ai_involvement"));
        ai.push(AiPart {
            agent,
            role,
            confidence,
            accountable: accountable
                .as_deref()
                .map(|a| people.person(a))
                .transpose()?,
            evidence: evidence
                .into_iter()
                .map(|(marker, matched)| {
                    let shown = if matched.starts_with("a_") {
                        people
                            .book
                            .get(&matched)
                            .map_or(matched.clone(), |(n, e)| format!("{n} ({e})"))
                    } else {
                        matched
                    };
                    format!("{marker}: {shown}")
                })
                .collect(),
            lines,
            event_seq: seq,
        });
    }
    let findings = store.findings_introduced_by(&facts.repo, &facts.sha)?;
    for f in &findings {
        events.push(cite(store, f.finding_seq, "finding_recorded"));
        events.push(cite(store, f.attribution_seq, "attribution"));
    }
    events.sort_by_key(|e| e.seq);
    events.dedup_by_key(|e| e.seq);
    let recorded = events
        .iter()
        .find(|e| e.seq == facts.seq)
        .cloned()
        .expect("the commit's event is cited");
    let file = if multi_repo {
        format!(
            "{}-{}",
            facts
                .repo_name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                })
                .collect::<String>(),
            short(&facts.sha)
        )
    } else {
        short(&facts.sha).to_owned()
    };
    Ok(ChangeEvidence {
        file,
        repository: RepositoryRow {
            repo: facts.repo.clone(),
            name: facts.repo_name.clone(),
            locator: facts.repo_locator.clone(),
        },
        commit: facts.sha.clone(),
        subject,
        merge: facts.parents.len() > 1,
        unreachable: facts.unreachable_seq.is_some(),
        sampled_because: why.to_owned(),
        authored_at: time_at(facts.author_time, facts.author_offset),
        committed_at: time_at(facts.committer_time, facts.committer_offset),
        author,
        committer,
        signature: Signature {
            kind: facts.signature.clone(),
            signed: facts.signature != "none",
        },
        review: Review {
            trailers,
            merged_by: merged,
            pull_request: pr,
            committed_via_github: web_flow,
            independent,
            summary,
        },
        other_trailers,
        ai,
        files: Files {
            changed: facts.files_changed,
            by_change: facts.files_by_change.iter().cloned().collect(),
            binary: facts.binary_files,
            lines_added: facts.lines_added,
            lines_removed: facts.lines_removed,
        },
        findings_introduced: findings,
        recorded,
        events,
    })
}

fn population_stats(people: &mut People<'_>, population: &[PeriodChange]) -> anyhow::Result<Stats> {
    let mut s = Stats {
        changes: population.len() as u64,
        signed: 0,
        signature_kinds: BTreeMap::new(),
        resolved: 0,
        by_kind: BTreeMap::new(),
        committer_differs: 0,
        web_flow: 0,
        review_trailer: 0,
        ai: 0,
        merges: 0,
        unreachable: 0,
        authors: 0,
    };
    let mut authors = HashSet::new();
    for c in population {
        *s.signature_kinds.entry(c.signature.clone()).or_default() += 1;
        if c.signature != "none" {
            s.signed += 1;
        }
        let author = people.identity(&c.author_alias)?;
        let committer = people.identity(&c.committer_alias)?;
        if let Some(a) = &author {
            s.resolved += 1;
            *s.by_kind.entry(a.kind.clone()).or_default() += 1;
            authors.insert(a.identity.clone());
        }
        if author.as_ref().map(|a| &a.identity) != committer.as_ref().map(|a| &a.identity) {
            s.committer_differs += 1;
        }
        if committer
            .as_ref()
            .is_some_and(|c| c.slug.as_deref() == Some("github-web-flow"))
        {
            s.web_flow += 1;
        }
        s.review_trailer += u64::from(c.review_trailer);
        s.ai += u64::from(c.ai);
        s.merges += u64::from(c.parent_count > 1);
        s.unreachable += u64::from(c.unreachable);
    }
    s.authors = authors.len() as u64;
    Ok(s)
}

fn finding_stats(
    store: &SqliteStore,
    findings: &[FindingRow],
    repo_of: &dyn Fn(&FindingRow) -> String,
    in_population: &HashSet<(String, String)>,
) -> anyhow::Result<FindingStats> {
    let mut s = FindingStats {
        total: findings.len() as u64,
        by_severity: BTreeMap::new(),
        attributed: 0,
        unattributable: 0,
        pending: 0,
        developers: 0,
        agents: BTreeSet::new(),
        ai_findings: 0,
        fixed: 0,
        fix_days: Vec::new(),
        reopened: 0,
        in_period: 0,
        in_period_severe_open: 0,
        rules: BTreeMap::new(),
        by_year: BTreeMap::new(),
    };
    let mut developers = HashSet::new();
    for f in findings {
        let entry = s
            .by_severity
            .entry(severity_rank(&f.severity))
            .or_insert_with(|| (f.severity.clone(), 0, 0));
        if f.status == "open" {
            entry.1 += 1;
        } else {
            entry.2 += 1;
            s.fixed += 1;
        }
        match f.attribution.as_deref() {
            Some("attributed") => s.attributed += 1,
            Some(_) => s.unattributable += 1,
            None => s.pending += 1,
        }
        if let Some(d) = &f.developer {
            developers.insert(d.clone());
        }
        if !f.agents.is_empty() {
            s.ai_findings += 1;
            s.agents.extend(f.agents.iter().cloned());
        }
        s.reopened += u64::from(f.reopened > 0);
        *s.rules.entry(format!("{}/{}", f.tool, f.rule)).or_default() += 1;
        if let Some(at) = f.introduced_at {
            *s.by_year.entry(day(at)[..4].to_owned()).or_default() += 1;
        }
        let repo = repo_of(f);
        if let Some(sha) = &f.introduced_in
            && in_population.contains(&(repo.clone(), sha.clone()))
        {
            s.in_period += 1;
            if f.status == "open" && severity_rank(&f.severity) >= severity_rank("high") {
                s.in_period_severe_open += 1;
            }
        }
        if f.status == "fixed"
            && let (Some(introduced), Some(fix)) = (f.introduced_at, &f.fixed_revision)
            && let Some(fixed_at) = store.committer_time(&repo, fix)?
            && fixed_at >= introduced
        {
            s.fix_days.push((fixed_at - introduced) as f64 / DAY as f64);
        }
    }
    s.developers = developers.len() as u64;
    Ok(s)
}

/// events.jsonl: every event of the checkpoint's tree (the verifier recomputes the chain and
/// the root from them), in the format of `devspm audit export`, and cited-events.jsonl: the
/// cited ones with what cites them.
fn write_events(
    store: &SqliteStore,
    dir: &Path,
    size: u64,
    cited: &BTreeMap<u64, BTreeSet<String>>,
) -> anyhow::Result<u64> {
    let open = |name: &str| -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
        let path = dir.join(name);
        Ok(std::io::BufWriter::new(
            std::fs::File::create(&path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        ))
    };
    let mut all = open("events.jsonl")?;
    let mut some = open("cited-events.jsonl")?;
    let mut after = 0u64;
    let mut written = 0u64;
    while after < size {
        let page = store.events(None, after, 10_000.min((size - after) as usize))?;
        if page.is_empty() {
            break;
        }
        for e in page {
            let mut line = serde_json::json!({
                "seq": e.seq,
                "leaf_index": e.seq - 1,
                "leaf_hash": merkle::to_hex(&devspm_ledger::audit::event_leaf(&e.hash)),
                "key": e.key,
                "kind": e.kind,
                "at": e.at,
                "actor": e.actor,
                "subject": e.subject,
                "payload": e.payload,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            });
            serde_json::to_writer(&mut all, &line)?;
            all.write_all(b"\n")?;
            if let Some(why) = cited.get(&e.seq) {
                line["proof"] = serde_json::json!(format!("proofs/{}.json", e.seq));
                line["cited_by"] = serde_json::json!(why);
                serde_json::to_writer(&mut some, &line)?;
                some.write_all(b"\n")?;
            }
            after = e.seq;
            written += 1;
        }
    }
    all.flush()?;
    some.flush()?;
    Ok(written)
}

fn ratio(n: u64, of: u64) -> String {
    if of == 0 {
        "n/a".into()
    } else {
        format!(
            "{} of {} ({})",
            count(n),
            count(of),
            percent(n as f64 / of as f64)
        )
    }
}

fn person_md(p: &Person) -> String {
    let mut s = match (&p.name, &p.email) {
        (Some(n), Some(e)) => format!("{} ({})", md(n), md(e)),
        (Some(n), None) => md(n),
        (None, Some(e)) => md(e),
        (None, None) => format!("personal data not available (alias `{}`)", p.alias),
    };
    match (&p.identity, &p.kind) {
        (Some(id), Some(kind)) => {
            let _ = write!(s, ", {kind} {}", devspm_report::markdown::code(id));
        }
        _ => s.push_str(", no resolved identity"),
    }
    if let Some(r) = &p.resolved_by {
        let _ = write!(s, " (resolved by: {})", md(r));
    }
    s
}

fn change_markdown(c: &ChangeEvidence, cp: &PackCheckpoint) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Change {} — {}\n",
        short(&c.commit),
        md(c.subject.as_deref().unwrap_or("(message not stored)"))
    );
    let _ = writeln!(o, "[Back to the index](../index.md)\n");
    let _ = writeln!(o, "| | |\n|---|---|");
    let _ = writeln!(o, "| Commit | `{}` |", c.commit);
    let _ = writeln!(
        o,
        "| Repository | {} (`{}`, {}) |",
        md(&c.repository.name),
        c.repository.repo,
        md(&c.repository.locator)
    );
    let _ = writeln!(o, "| Why sampled | {} |", md(&c.sampled_because));
    let _ = writeln!(o, "| Author | {} |", person_md(&c.author));
    let _ = writeln!(o, "| Authored | {} |", c.authored_at);
    let _ = writeln!(o, "| Committer | {} |", person_md(&c.committer));
    let _ = writeln!(o, "| Committed | {} |", c.committed_at);
    let _ = writeln!(
        o,
        "| Signature | {} |",
        if c.signature.signed {
            format!(
                "signed ({}); devspm records that a signature is present, it does not check it against a key",
                c.signature.kind
            )
        } else {
            "not signed".into()
        }
    );
    let _ = writeln!(o, "| Reviewer evidence | {} |", md(&c.review.summary));
    let _ = writeln!(
        o,
        "| AI involvement | {} |",
        if c.ai.is_empty() {
            "none recorded".to_owned()
        } else {
            c.ai.iter()
                .map(|a| format!("{} ({}, {} evidence)", md(&a.agent), a.role, a.confidence))
                .collect::<Vec<_>>()
                .join("; ")
        }
    );
    let _ = writeln!(
        o,
        "| Files changed | {}{}; +{} −{} lines{} |",
        c.files.changed,
        if c.files.by_change.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                c.files
                    .by_change
                    .iter()
                    .map(|(k, n)| format!("{n} {k}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
        c.files.lines_added,
        c.files.lines_removed,
        if c.files.binary > 0 {
            format!("; {} binary", c.files.binary)
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        o,
        "| Findings introduced | {} |",
        if c.findings_introduced.is_empty() {
            "none attributed to this change".to_owned()
        } else {
            format!("{} (below)", c.findings_introduced.len())
        }
    );
    if c.merge {
        let _ = writeln!(
            o,
            "| Merge commit | yes: its file counts are against its first parent |"
        );
    }
    if c.unreachable {
        let _ = writeln!(
            o,
            "| Reachable | no: a later history rewrite removed it from every branch; it stays on record |"
        );
    }
    let _ = writeln!(
        o,
        "| Ledger record | event {} (`commit_recorded`), leaf index {}: [proof](../{}) against checkpoint #{} ({} events) |",
        c.recorded.seq,
        c.recorded.leaf_index,
        c.recorded.proof,
        cp.id,
        count(cp.size)
    );

    let _ = writeln!(o, "\n## Reviewer evidence\n");
    if c.review.trailers.is_empty() {
        let _ = writeln!(
            o,
            "- Review trailers (`Reviewed-by:`, `Acked-by:`, `Approved-by:`, `Tested-by:`, `Reviewed-on:`): none recorded."
        );
    } else {
        for t in &c.review.trailers {
            let _ = writeln!(
                o,
                "- `{}:` {}",
                t.key,
                t.person
                    .as_ref()
                    .map_or_else(|| md(t.value.as_deref().unwrap_or("")), person_md)
            );
        }
    }
    match &c.review.merged_by {
        Some(m) => {
            let _ = writeln!(
                o,
                "- Merged in `{}` ({}) by {} at {}{}.",
                short(&m.merge_commit),
                md(m.subject.as_deref().unwrap_or("")),
                person_md(&m.committer),
                m.committed_at,
                if m.different_person {
                    ", another person than the author"
                } else if m.committer.kind.as_deref() == Some("developer") {
                    ", the author's own identity (not an independent review)"
                } else {
                    ", a bot: not an independent review (a merge through GitHub's interface; see the pull request)"
                }
            );
        }
        None => {
            let _ = writeln!(
                o,
                "- Merge commit bringing it in: none recorded (committed directly on its branch, or squash-merged)."
            );
        }
    }
    if c.review.committed_via_github {
        let _ = writeln!(
            o,
            "- Committed by GitHub's web interface (web-flow): this is how pull requests merged on GitHub are committed. git does not record whether anyone approved it."
        );
    }
    if let Some(pr) = &c.review.pull_request {
        let _ = writeln!(
            o,
            "- Pull request {pr} is referenced: its review, if any, is on the forge, outside this record."
        );
    }
    let _ = writeln!(
        o,
        "- Independent review recorded in git: **{}**.",
        if c.review.independent { "yes" } else { "no" }
    );

    if !c.other_trailers.is_empty() {
        let _ = writeln!(o, "\n## Other trailers\n");
        for t in &c.other_trailers {
            let _ = writeln!(
                o,
                "- `{}:` {}",
                t.key,
                t.person
                    .as_ref()
                    .map_or_else(|| md(t.value.as_deref().unwrap_or("")), person_md)
            );
        }
    }

    let _ = writeln!(o, "\n## AI involvement\n");
    if c.ai.is_empty() {
        let _ = writeln!(
            o,
            "None recorded (no agent identity, co-author trailer, message marker or line-level record)."
        );
    } else {
        for a in &c.ai {
            let _ = writeln!(
                o,
                "- **{}** as {}, {} evidence{}{} — event {} ([proof](../proofs/{}.json))",
                md(&a.agent),
                a.role,
                a.confidence,
                a.accountable
                    .as_ref()
                    .map(|p| format!("; accountable human: {}", person_md(p)))
                    .unwrap_or_default(),
                a.lines
                    .map(|n| format!("; {n} lines per line-level records"))
                    .unwrap_or_default(),
                a.event_seq,
                a.event_seq
            );
            for e in &a.evidence {
                let _ = writeln!(o, "  - {}", md(e));
            }
        }
    }

    let _ = writeln!(o, "\n## Findings introduced by this change\n");
    if c.findings_introduced.is_empty() {
        let _ = writeln!(
            o,
            "No recorded finding is attributed to this change (only findings of imported scanner results are known)."
        );
    } else {
        let _ = writeln!(
            o,
            "| Severity | Status | Tool | Rule | Where | Role | Attribution | Events |\n|---|---|---|---|---|---|---|---|"
        );
        for f in &c.findings_introduced {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} ({} confidence){} | [{}](../proofs/{}.json), [{}](../proofs/{}.json) |",
                f.severity,
                if f.status == "fixed" {
                    format!(
                        "fixed{}",
                        f.fixed_revision
                            .as_deref()
                            .map(|r| format!(" at `{}`", short(r)))
                            .unwrap_or_default()
                    )
                } else {
                    f.status.clone()
                },
                md(&f.tool),
                md(&f.rule),
                md(&format!(
                    "{}{}",
                    f.path.as_deref().unwrap_or("-"),
                    f.start_line.map(|l| format!(":{l}")).unwrap_or_default()
                )),
                if f.primary {
                    "introduced"
                } else {
                    "contributed lines"
                },
                f.method,
                f.confidence,
                if f.agents.is_empty() {
                    String::new()
                } else {
                    format!("; agents: {}", md(&f.agents.join(", ")))
                },
                f.finding_seq,
                f.finding_seq,
                f.attribution_seq,
                f.attribution_seq
            );
        }
    }

    let _ = writeln!(o, "\n## Events cited\n");
    let _ = writeln!(
        o,
        "Each is in `events.jsonl` (its payload is the exact hashed text) and has an inclusion proof against `checkpoint.txt`:\n"
    );
    let _ = writeln!(
        o,
        "| Event | Kind | Leaf index | Leaf hash | Proof |\n|---|---|---|---|---|"
    );
    for e in &c.events {
        let _ = writeln!(
            o,
            "| {} | `{}` | {} | `{}` | [{}](../{}) |",
            e.seq,
            e.kind,
            e.leaf_index,
            &e.leaf_hash[..e.leaf_hash.len().min(16)],
            e.proof,
            e.proof
        );
    }
    let _ = writeln!(
        o,
        "\nNames and e-mails are not in the hashed events (those name alias ids such as `{}`); they come from the ledger's alias table, so the proofs cover what was recorded, and the names are the ledger's current mapping of those ids.",
        c.author.alias
    );
    o
}

/// The parts of the findings evidence a practice draws on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Part {
    Records,
    Lifecycle,
    RootCause,
}

fn practices_markdown(p: &Pack<'_>) -> String {
    let s = p.stats;
    let f = p.fstats;
    let sample = p.changes.len() as u64;
    let signed_sample = p.changes.iter().filter(|c| c.signature.signed).count() as u64;
    let independent = p.changes.iter().filter(|c| c.review.independent).count() as u64;
    let any_review = p
        .changes
        .iter()
        .filter(|c| {
            c.review.independent
                || !c.review.trailers.is_empty()
                || c.review.pull_request.is_some()
                || c.review.committed_via_github
        })
        .count() as u64;
    let ai_sample = p.changes.iter().filter(|c| !c.ai.is_empty()).count() as u64;
    let with_findings = p
        .changes
        .iter()
        .filter(|c| !c.findings_introduced.is_empty())
        .count() as u64;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Practices: {} — {} to {}\n",
        p.framework.title(),
        p.since,
        p.until
    );
    let _ = writeln!(
        o,
        "[Back to the index](index.md). Figures for \"the period\" cover all {} changes of {} committed from {} to {}; figures for \"the sample\" cover the {} sampled changes. Findings figures cover every finding on record for the scope as of checkpoint #{}.\n",
        count(p.population as u64),
        md(p.scope),
        p.since,
        p.until,
        sample,
        p.checkpoint.id
    );

    let change_tracking = |o: &mut String, heading: &str, asks: &str| {
        let _ = writeln!(o, "## {heading}\n\n**What it asks.** {asks}\n");
        let _ = writeln!(o, "**Evidence in this pack.**\n");
        let _ = writeln!(
            o,
            "- Every change of the period is recorded with its author, committer and times: {} changes, {} distinct author identities.",
            count(s.changes),
            count(s.authors)
        );
        let _ = writeln!(
            o,
            "- Author resolved to an identity: {} — by kind: {}.",
            ratio(s.resolved, s.changes),
            s.by_kind
                .iter()
                .map(|(k, n)| format!("{k} {}", count(*n)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(
            o,
            "- Signed changes: {} in the period ({}); {} in the sample.",
            ratio(s.signed, s.changes),
            s.signature_kinds
                .iter()
                .map(|(k, n)| format!("{k} {}", count(*n)))
                .collect::<Vec<_>>()
                .join(", "),
            ratio(signed_sample, sample)
        );
        let _ = writeln!(
            o,
            "- Committed by another identity than the author (merged or applied by someone else): {}{}.",
            ratio(s.committer_differs, s.changes),
            if s.web_flow > 0 {
                format!(
                    "; {} were committed by GitHub's web interface (web-flow), i.e. merged through GitHub",
                    count(s.web_flow)
                )
            } else {
                String::new()
            }
        );
        let _ = writeln!(
            o,
            "- AI involvement recorded: {} in the period; {} in the sample (each with its evidence and accountable human in its change file).",
            ratio(s.ai, s.changes),
            ratio(ai_sample, sample)
        );
        let _ = writeln!(o, "\n**Gaps.**\n");
        if s.signed < s.changes {
            let _ = writeln!(
                o,
                "- {} changes of the period are not signed: their author and committer are what the committer's git configuration said, not authenticated.",
                count(s.changes - s.signed)
            );
        }
        let _ = writeln!(
            o,
            "- devspm records that a signature is present and its kind; it does not check signatures against keys or tie keys to people. Signatures added by a forge (GitHub web-flow) vouch for the forge, not the author."
        );
        if s.resolved < s.changes {
            let _ = writeln!(
                o,
                "- {} changes have an author alias that resolves to no identity.",
                count(s.changes - s.resolved)
            );
        }
        let _ = writeln!(
            o,
            "- An identity is resolved from names and e-mails in commits (rules shown per change); it is as good as those, unless declared in `devspm.toml`.\n"
        );
    };
    let audit_trail = |o: &mut String, heading: &str, asks: &str| {
        let _ = writeln!(o, "## {heading}\n\n**What it asks.** {asks}\n");
        let _ = writeln!(o, "**Evidence in this pack.**\n");
        let _ = writeln!(
            o,
            "- The ledger holds {} events in a SHA-256 hash chain and an RFC 6962 Merkle tree; `devspm audit verify` re-checked all of them and {} stored tree nodes when this pack was written: **verified**.",
            count(p.report.events),
            count(p.report.tree_nodes_checked)
        );
        let _ = writeln!(
            o,
            "- Checkpoint #{} signs the tree of its first {} events (root `{}`) with key {}{}; it is `checkpoint.txt`, the key `verifier.pub`.",
            p.checkpoint.id,
            count(p.checkpoint.size),
            &p.checkpoint.root[..16.min(p.checkpoint.root.len())],
            devspm_report::markdown::code(&p.checkpoint.signer),
            if p.checkpoint.fresh {
                ", signed for this pack"
            } else {
                ", the latest recorded"
            }
        );
        let _ = writeln!(
            o,
            "- {} events cited by this pack have an inclusion proof in `proofs/`; `events.jsonl` holds the {} events the checkpoint covers, so the chain, the root and every proof can be checked without devspm (VERIFY.md).",
            count(p.cited as u64),
            count(p.events_written)
        );
        let _ = writeln!(
            o,
            "- History rewrites (force-pushes) recorded since the period began: {}{}.",
            p.rewrites.len(),
            if p.rewrites.is_empty() {
                String::new()
            } else {
                format!(
                    " ({})",
                    p.rewrites
                        .iter()
                        .map(|r| format!(
                            "{} `{}` → `{}`, {} commits no longer reachable",
                            md(&r.ref_name),
                            short(&r.old_tip),
                            short(&r.new_tip),
                            r.unreachable
                        ))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            }
        );
        let _ = writeln!(o, "\n**Gaps.**\n");
        let _ = writeln!(
            o,
            "- The checkpoint proves the ledger was not altered after it was signed. It cannot prove the ledger recorded everything: changes are recorded when `devspm scan` runs, so an auditor should compare the recorded commits with the repository (`git rev-list --count`).\n- Keep a copy of `checkpoint.txt`: a later ledger that is not consistent with it (rolled back or rewritten) is detected by `devspm audit verify --checkpoint`.\n- Trust the verifier key you obtained from the ledger's operator, not only the copy in this folder.\n"
        );
    };
    let findings_block = |o: &mut String, heading: &str, asks: &str, parts: &[Part]| {
        let _ = writeln!(o, "## {heading}\n\n**What it asks.** {asks}\n");
        let _ = writeln!(o, "**Evidence in this pack.**\n");
        if f.total == 0 {
            let _ = writeln!(
                o,
                "- No scanner findings are recorded for {}: import scanner output with `devspm import`.",
                md(p.scope)
            );
        }
        if f.total > 0 && parts.contains(&Part::Records) {
            let _ = writeln!(
                o,
                "- {} findings on record ({} open, {} fixed), from {} scanner import(s) of: {}.",
                count(f.total),
                count(f.total - f.fixed),
                count(f.fixed),
                p.scanners.len(),
                p.scanners
                    .iter()
                    .map(|r| r.tool.as_str())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .map(md)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let _ = writeln!(o, "\n| Severity | Open | Fixed |\n|---|---|---|");
            for (name, open, fixed) in f.by_severity.values().rev() {
                let _ = writeln!(o, "| {name} | {open} | {fixed} |");
            }
            if !p.scanners.is_empty() {
                let _ = writeln!(
                    o,
                    "\n| Scanner import (event, recorded) | Tool | Format | Revision | Results | New | Fixed | Reopened |\n|---|---|---|---|---|---|---|---|"
                );
                for r in p.scanners {
                    let _ = writeln!(
                        o,
                        "| {} ({}){} | {} | {} | `{}` | {} | {} | {} | {} |",
                        r.seq,
                        &r.at[..r.at.len().min(10)],
                        r.withdrawn_seq
                            .map(|w| format!(", withdrawn by event {w}"))
                            .unwrap_or_default(),
                        md(&r.tool),
                        r.format,
                        r.revision.as_deref().map(short).unwrap_or("-"),
                        r.results,
                        r.new,
                        r.fixed,
                        r.reopened
                    );
                }
            }
            let _ = writeln!(o);
        }
        if f.total > 0 && parts.contains(&Part::Lifecycle) {
            let _ = writeln!(
                o,
                "- Lifecycle: a finding a later import of the same scanner no longer reports is marked fixed at that revision, and reopened if it returns. Fixed: {}; reopened at least once: {}.",
                ratio(f.fixed, f.total),
                count(f.reopened)
            );
            if f.fix_days.is_empty() {
                let _ = writeln!(
                    o,
                    "- Time to fix: no fixed finding has both a recorded introducing commit and a recorded fixing revision."
                );
            } else {
                let mut days = f.fix_days.clone();
                days.sort_by(f64::total_cmp);
                let mean = days.iter().sum::<f64>() / days.len() as f64;
                let median = days[days.len() / 2];
                let _ = writeln!(
                    o,
                    "- Time to fix (introducing commit → first revision where the scanner no longer reported it), over {} fixed findings: mean {:.1} days, median {:.1} days.",
                    days.len(),
                    mean,
                    median
                );
            }
            let _ = writeln!(
                o,
                "- Open high or critical findings introduced in the period: {} (every change that introduced one is in the sample).",
                count(f.in_period_severe_open)
            );
        }
        if f.total > 0 && parts.contains(&Part::RootCause) {
            let _ = writeln!(
                o,
                "- Traced to the change that introduced them (blame of the flagged lines, lockfile or secret history): {}; unattributable, with the reason recorded: {}; not attributed yet: {}.",
                ratio(f.attributed, f.total),
                count(f.unattributable),
                count(f.pending)
            );
            let _ = writeln!(
                o,
                "- Who introduced them: {} distinct developers; {} findings with AI involvement in the introducing change ({}).",
                count(f.developers),
                count(f.ai_findings),
                if f.agents.is_empty() {
                    "no agent".to_owned()
                } else {
                    f.agents.iter().cloned().collect::<Vec<_>>().join(", ")
                }
            );
            let _ = writeln!(
                o,
                "- Introduced by a change of the period: {} findings (each listed in its change's file when sampled).",
                count(f.in_period)
            );
            if !f.by_year.is_empty() {
                let _ = writeln!(
                    o,
                    "- Trend, findings by year their introducing change was authored: {}.",
                    f.by_year
                        .iter()
                        .map(|(y, n)| format!("{y}: {n}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let mut rules: Vec<(&String, &u64)> = f.rules.iter().collect();
            rules.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let _ = writeln!(
                o,
                "- Recurring causes, the most frequent rules: {}.",
                rules
                    .iter()
                    .take(5)
                    .map(|(r, n)| format!("{} {n}", devspm_report::markdown::code(r)))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let _ = writeln!(o, "\n**Gaps.**\n");
        let _ = writeln!(
            o,
            "- Only findings of imported scanner output are known; what the scanners do not detect, or were not run on, is not here."
        );
        if parts.contains(&Part::Lifecycle) {
            let _ = writeln!(
                o,
                "- \"Fixed\" means a later scan of the same tool no longer reported it, not that a fix was reviewed."
            );
            if f.fixed == 0 && f.total > 0 {
                let _ = writeln!(
                    o,
                    "- No finding has been fixed on record (a single scan state, or nothing fixed yet): import scanner results regularly (e.g. in CI) to show remediation over time."
                );
            }
        }
        if parts.contains(&Part::RootCause) {
            let _ = writeln!(
                o,
                "- Attribution names the change that last wrote the flagged lines; the confidence of each is recorded (`devspm findings`), and a reformatting commit can hide the original author (see docs/attribution.md)."
            );
        }
        let _ = writeln!(o);
    };

    match p.framework {
        Framework::Ssdf => {
            change_tracking(
                &mut o,
                "PS.1 — Protect all forms of code from unauthorized access and tampering",
                "Store code so that every change is tracked and attributable to an individual, and use commit signing or equivalent to protect its integrity (PS.1.1).",
            );
            audit_trail(
                &mut o,
                "PO.3 — Implement supporting toolchains (audit trail)",
                "Configure tools to generate artifacts of their support of secure development practices, and keep them so they can be shown to be unaltered (PO.3.2, PO.3.3).",
            );
            findings_block(
                &mut o,
                "RV.2 — Assess, prioritize and remediate vulnerabilities",
                "Record each vulnerability with its severity, track its remediation, and show that it was fixed (RV.2.1, RV.2.2).",
                &[Part::Records, Part::Lifecycle],
            );
            findings_block(
                &mut o,
                "RV.3 — Analyze vulnerabilities to identify their root causes",
                "Find the root cause of each vulnerability and analyse them over time for patterns: who or what introduces them, and whether that changes (RV.3.1–RV.3.3).",
                &[Part::RootCause],
            );
        }
        Framework::Soc2 => {
            let _ = writeln!(
                o,
                "## CC8.1 — Change management\n\n**What it asks.** Changes to the system are authorized, designed, developed, tested, approved and implemented in a controlled way; the auditor tests a sample of changes for evidence of each.\n\n**Evidence in this pack.**\n"
            );
            let _ = writeln!(
                o,
                "- A deterministic sample of {} of the period's {} changes (see the index for how it was drawn), one file per change in `changes/`, each with author, committer, times, signature, reviewer evidence, AI involvement, files and findings introduced.",
                sample,
                count(s.changes)
            );
            let _ = writeln!(
                o,
                "- Independent review recorded in git (a review trailer naming someone else, or a merge by another person), in the sample: {}.",
                ratio(independent, sample)
            );
            let _ = writeln!(
                o,
                "- Any reviewer evidence (also counting pull-request references and commits made through GitHub's interface, whose review is on the forge), in the sample: {}.",
                ratio(any_review, sample)
            );
            let _ = writeln!(
                o,
                "- Review trailers in the whole period: {}; merge commits: {}.",
                ratio(s.review_trailer, s.changes),
                count(s.merges)
            );
            let _ = writeln!(
                o,
                "- Signed: {} in the period, {} in the sample. AI involvement in the sample: {}. Sampled changes that introduced findings: {}.",
                ratio(s.signed, s.changes),
                ratio(signed_sample, sample),
                ratio(ai_sample, sample),
                count(with_findings)
            );
            if s.unreachable > 0 {
                let _ = writeln!(
                    o,
                    "- {} changes of the period are no longer reachable from any branch (history rewritten); they stay on record.",
                    count(s.unreachable)
                );
            }
            let _ = writeln!(o, "\n**Gaps.**\n");
            if independent < sample {
                let _ = writeln!(
                    o,
                    "- {} sampled changes have no independent review recorded in git. Where a pull request is referenced, the approval must be taken from the forge (e.g. GitHub's pull-request reviews); devspm does not read it.",
                    sample - independent
                );
            }
            let _ = writeln!(
                o,
                "- Testing and deployment approval are not recorded by devspm; CI results and deployment records must come from those systems.\n- Unsigned changes' authorship is asserted, not authenticated.\n"
            );
            findings_block(
                &mut o,
                "CC7.1 — Detection of vulnerabilities and configuration changes",
                "The entity uses detection and monitoring procedures to identify changes that introduce vulnerabilities, and monitors them.",
                &[Part::Records, Part::RootCause],
            );
            findings_block(
                &mut o,
                "CC7.2 — Monitoring and evaluation of anomalies",
                "The entity monitors system components for anomalies and evaluates them; findings are followed through their lifecycle.",
                &[Part::Lifecycle],
            );
            audit_trail(
                &mut o,
                "Supporting: the record itself (integrity of the audit trail)",
                "That the evidence above was not altered after the fact.",
            );
            let _ = writeln!(
                o,
                "## CC6.1 — Logical access\n\nNot assessed: devspm records who authored and committed changes, not who has access to the repositories or how it is granted. Take access reviews from the forge and the identity provider.\n"
            );
        }
    }
    o
}

fn index_markdown(p: &Pack<'_>) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# Evidence pack: {} — {} to {}\n",
        p.framework.title(),
        p.since,
        p.until
    );
    let _ = writeln!(
        o,
        "Written by devspm {} on {}, covering {}. Start here; [practices.md](practices.md) maps the evidence to the framework, [VERIFY.md](VERIFY.md) says how to check it without devspm.\n",
        env!("CARGO_PKG_VERSION"),
        jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M UTC"),
        md(p.scope)
    );
    let _ = writeln!(o, "## Scope\n");
    let _ = writeln!(
        o,
        "- Period: {} to {} inclusive, by committer date (UTC){}.",
        p.since,
        p.until,
        match p.defaulted {
            (true, true) => " — the default: the 90 days before the newest recorded commit",
            (true, false) => " — the start defaulted to 90 days before the end",
            (false, true) => " — the end defaulted to the day of the newest recorded commit",
            (false, false) => "",
        }
    );
    let _ = writeln!(o, "- Repositories:");
    for r in &p.repositories {
        let _ = writeln!(o, "  - {} (`{}`, {})", md(&r.name), r.repo, md(&r.locator));
    }
    let _ = writeln!(o, "\n## How the sample was drawn\n");
    let _ = writeln!(
        o,
        "- Population: the {} changes (commits, merges included) recorded with a committer date in the period.",
        count(p.population as u64)
    );
    let _ = writeln!(
        o,
        "- Sample: **{} of {}** changes ({} requested with `--sample`). First every change that introduced a finding that is open and of high or critical severity ({} such change{}), then the others in ascending order of SHA-256(seed ‖ repository id ‖ `/` ‖ commit id) until the requested size is reached.",
        p.changes.len(),
        count(p.population as u64),
        p.requested,
        p.forced,
        if p.forced == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        o,
        "- Seed: `{}` (the sampling rule, the period and the repository filter). The same period and scope give the same sample; anyone can recompute the ranks from the commit ids.\n",
        p.seed.trim_end().replace('\n', "\\n")
    );
    let _ = writeln!(o, "## Counts\n");
    let s = p.stats;
    let _ = writeln!(o, "| | Period | Sample |\n|---|---|---|");
    let sample = p.changes.len() as u64;
    let _ = writeln!(o, "| Changes | {} | {} |", count(s.changes), sample);
    let _ = writeln!(
        o,
        "| Signed | {} | {} |",
        count(s.signed),
        p.changes.iter().filter(|c| c.signature.signed).count()
    );
    let _ = writeln!(
        o,
        "| With a review trailer | {} | {} |",
        count(s.review_trailer),
        p.changes
            .iter()
            .filter(|c| !c.review.trailers.is_empty())
            .count()
    );
    let _ = writeln!(
        o,
        "| With AI involvement | {} | {} |",
        count(s.ai),
        p.changes.iter().filter(|c| !c.ai.is_empty()).count()
    );
    let _ = writeln!(
        o,
        "| Merge commits | {} | {} |",
        count(s.merges),
        p.changes.iter().filter(|c| c.merge).count()
    );
    let _ = writeln!(
        o,
        "| Findings introduced | {} | {} |",
        count(p.fstats.in_period),
        p.changes
            .iter()
            .map(|c| c.findings_introduced.iter().filter(|f| f.primary).count())
            .sum::<usize>()
    );
    let _ = writeln!(
        o,
        "\nFindings on record for the scope: {} ({} open).\n",
        count(p.findings.len() as u64),
        count(p.findings.iter().filter(|f| f.status == "open").count() as u64)
    );
    let _ = writeln!(o, "## Sampled changes\n");
    let _ = writeln!(
        o,
        "| Change | Committed | Author | Signed | Reviewer evidence | AI | Findings | Why sampled |\n|---|---|---|---|---|---|---|---|"
    );
    for c in p.changes {
        let _ = writeln!(
            o,
            "| [{}](changes/{}.md) {} | {} | {} | {} | {} | {} | {} | {} |",
            short(&c.commit),
            c.file,
            md(&c
                .subject
                .as_deref()
                .map(|s| if s.chars().count() > 60 {
                    format!("{}…", s.chars().take(59).collect::<String>())
                } else {
                    s.to_owned()
                })
                .unwrap_or_default()),
            &c.committed_at[..10.min(c.committed_at.len())],
            md(c.author.name.as_deref().unwrap_or(&c.author.alias)),
            if c.signature.signed {
                c.signature.kind.as_str()
            } else {
                "no"
            },
            if c.review.independent {
                "independent review"
            } else if !c.review.trailers.is_empty()
                || c.review.pull_request.is_some()
                || c.review.committed_via_github
                || c.review.merged_by.is_some()
            {
                "indirect"
            } else {
                "none recorded"
            },
            if c.ai.is_empty() {
                "-".to_owned()
            } else {
                c.ai.iter()
                    .map(|a| md(&a.agent))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            c.findings_introduced.len(),
            if c.sampled_because.starts_with("always") {
                "introduced open high/critical finding"
            } else {
                "random"
            }
        );
    }
    let _ = writeln!(
        o,
        "\nEach change has a Markdown file and the same data as JSON (`changes/<id>.json`). \"Indirect\" reviewer evidence: a pull-request reference, a commit through GitHub's interface, a merge by the author's own identity or a review trailer naming the author — pointers to look further, not proof of review.\n"
    );
    let _ = writeln!(o, "## Practices\n");
    let headings: &[&str] = match p.framework {
        Framework::Ssdf => &[
            "PS.1 — change tracking with individual accountability and signing",
            "PO.3 — audit trail",
            "RV.2 — vulnerability records and remediation",
            "RV.3 — root causes and trends",
        ],
        Framework::Soc2 => &[
            "CC8.1 — change management (the sample above)",
            "CC7.1 — detection of vulnerabilities",
            "CC7.2 — monitoring findings through their lifecycle",
            "CC6.1 — not assessed (access is not recorded by devspm)",
        ],
    };
    for h in headings {
        let _ = writeln!(o, "- {h}");
    }
    let _ = writeln!(
        o,
        "\nThe numbers, and the gaps, are in [practices.md](practices.md).\n"
    );
    let _ = writeln!(o, "## How to verify\n");
    let _ = writeln!(
        o,
        "`checkpoint.txt` is checkpoint #{} of the ledger: {} events, root `{}`, signed by {}{}. Every event this pack cites ({} events) has an inclusion proof in `proofs/<seq>.json` against it, and `events.jsonl` holds the {} events it covers. With Python 3 and nothing else:\n",
        p.checkpoint.id,
        count(p.checkpoint.size),
        &p.checkpoint.root[..16.min(p.checkpoint.root.len())],
        devspm_report::markdown::code(&p.checkpoint.signer),
        if p.checkpoint.fresh {
            " when this pack was written"
        } else {
            " (the latest recorded checkpoint)"
        },
        count(p.cited as u64),
        count(p.events_written)
    );
    let _ = writeln!(
        o,
        "```\npython3 verify_checkpoint.py . --key <verifier key from the ledger's operator> --proof proofs/{}.json\n```\n\nSee [VERIFY.md](VERIFY.md) for every step and what each check means.",
        p.changes.first().map_or(1, |c| c.recorded.seq)
    );
    o
}

fn verify_markdown(p: &Pack<'_>) -> String {
    let example = p.changes.first().map_or(1, |c| c.recorded.seq);
    format!(
        "# Verifying this pack\n\n\
[Back to the index](index.md)\n\n\
What is signed: `checkpoint.txt` is a [C2SP checkpoint](https://github.com/C2SP/C2SP/blob/main/tlog-checkpoint.md) — \
origin, tree size ({size}) and the RFC 6962 Merkle root of the ledger's first {size} events — signed with Ed25519 \
by {signer} (its verifier key is `verifier.pub`).\n\n\
What is in the folder:\n\n\
| File | What |\n|---|---|\n\
| `checkpoint.txt` | the signed checkpoint (#{id}) |\n\
| `verifier.pub` | the signer's verifier key, `<name>+<key id>+<key>` — a convenience copy: verify with the key you obtained from the ledger's operator |\n\
| `events.jsonl` | the {events} events the checkpoint covers, one JSON object a line (`seq`, `leaf_index`, `leaf_hash`, `payload` as the exact hashed text, `prev_hash`, `hash`), as `devspm audit export` writes them |\n\
| `cited-events.jsonl` | the {cited} events this pack cites, in the same format, each with `cited_by` (the change files) and `proof` |\n\
| `proofs/<seq>.json` | the inclusion proof of event `<seq>` in the checkpoint's tree (`leaf_index`, `tree_size`, `leaf_hash`, `root_hash`, `audit_path`) |\n\
| `changes/*.md`, `changes/*.json` | the sampled changes, each citing its events |\n\n\
## With the standalone verifier\n\n\
`verify_checkpoint.py` is `scripts/verify_checkpoint.py` in devspm's source: about 300 lines of Python 3, standard library only (Ed25519 included), short enough to read before trusting it. \
From this folder:\n\n\
```\n\
python3 verify_checkpoint.py . --key KEY --proof proofs/{example}.json\n\
```\n\n\
`KEY` is the verifier key (a file or the string itself). It checks, and stops at the first failure with a one-line reason and exit status 1:\n\n\
1. every event of `events.jsonl` recomputes to its hash and links to the one before (nothing altered, removed or reordered);\n\
2. each event's leaf index and leaf hash (SHA-256 of 0x00 and the event hash);\n\
3. the checkpoint's signature with KEY;\n\
4. the Merkle root of the first {size} events equals the checkpoint's root;\n\
5. the inclusion proof leads from that event's leaf to the signed root.\n\n\
Every proof of the pack:\n\n\
```\n\
for p in proofs/*.json; do python3 verify_checkpoint.py . --key KEY --proof \"$p\" || echo \"FAILED: $p\"; done\n\
```\n\n\
## What a verified proof means, and what it does not\n\n\
- The cited event — e.g. the `commit_recorded` event of a sampled change, whose `payload` holds the commit id, parents, \
author and committer alias ids and times, signature kind, trailers and files — is in the ledger exactly as it is in \
`events.jsonl`, and was there when the checkpoint was signed.\n\
- Compare a change file with its event: commit id, times (seconds since the epoch and offset), signature kind, \
trailers, files. Names and e-mails are not in the hashed events (alias ids such as `a_…` stand for them); the change \
files take them from the ledger's alias table. This keeps personal data erasable without breaking the proofs.\n\
- The Markdown and JSON renderings themselves are not signed; the events are.\n\
- To check that a later copy of the ledger still contains these events unchanged, keep `checkpoint.txt` and run \
`devspm audit verify --checkpoint checkpoint.txt --public-key KEY` against it.\n\n\
## By hand, in another language\n\n\
The chain hash is SHA-256 over `devspm-event-v1\\0`, the previous hash (32 bytes), the sequence number (8 bytes \
big-endian) and each of key, kind, at, actor, subject, payload as a 4-byte big-endian length and UTF-8 bytes. \
A leaf is SHA-256(0x00 ‖ event hash as 32 bytes); a node SHA-256(0x01 ‖ left ‖ right); the inclusion check is \
RFC 9162 §2.1.3.2. The signature is Ed25519 over the checkpoint's text up to and including the blank line's first \
newline (the three body lines).\n",
        size = count(p.checkpoint.size),
        id = p.checkpoint.id,
        signer = devspm_report::markdown::code(&p.checkpoint.signer),
        events = count(p.events_written),
        cited = count(p.cited as u64),
        example = example,
    )
}
