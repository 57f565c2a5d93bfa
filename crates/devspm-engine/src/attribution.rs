//! The attribution engine's run: for every open finding of a repository that has no
//! attribution at its latest revision, find the commit(s), developer and agents that
//! introduced it, and append one `attribution` event each.
//!
//! - code and config findings: blame of the flagged lines at the finding's revision (each file
//!   once for all its findings, cached by file version in the database, files blamed on two
//!   threads);
//! - dependency findings: the lockfile line that pins the vulnerable version, blamed the same
//!   way, plus the commit that first added the package;
//! - secrets: the first recorded commit whose version of the file holds the secret (even if it
//!   was removed later) and whether it is still there at the revision — when the value is known
//!   in this run (it never is later: only its keyed hash is stored); else line blame.
//!
//! What cannot be known is recorded as `unattributable` with the reason.

use std::collections::{BTreeMap, HashMap, HashSet};

use devspm_core::finding::{Attribution, IntroducingCommit};
use devspm_findings::attribute::{self, CommitLookup, ENGINE};
use devspm_findings::lockfile::LockfileKind;
use devspm_git::{BlameMiss, BlameOptions, Blamer, FileBlame, LineOrigin, Repo};
use devspm_ledger::findings::PendingFinding;
use devspm_ledger::{Caches, FindingStore};

use crate::EngineError;

/// How many lines of one finding are blamed at most (a finding spanning a whole file names
/// its first lines).
const MAX_LINES_PER_FINDING: u32 = 200;

/// Findings attributed (and their events appended) per batch by default
/// (`DEVSPM_ATTRIBUTION_BATCH` sets another): memory follows the batch, not the number of
/// pending findings (an import of a million results attributes a million).
const BATCH: usize = 10_000;

fn batch_size() -> usize {
    std::env::var("DEVSPM_ATTRIBUTION_BATCH")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(BATCH)
}

pub use devspm_report::attribution::AttributionReport;

/// Commit facts for attribution, looked up in the ledger once per commit.
struct LedgerLookup<'a, S> {
    store: &'a S,
    repo: String,
    authors: std::cell::RefCell<HashMap<String, Option<(String, i64)>>>,
}

impl<S: FindingStore> CommitLookup for LedgerLookup<'_, S> {
    fn author(&self, commit: &str) -> Option<(String, i64)> {
        if let Some(hit) = self.authors.borrow().get(commit) {
            return hit.clone();
        }
        let facts = self
            .store
            .commit_facts(&self.repo, &[commit.to_owned()])
            .ok()
            .and_then(|mut m| m.remove(commit))
            .map(|f| (f.author, f.time));
        self.authors
            .borrow_mut()
            .insert(commit.to_owned(), facts.clone());
        facts
    }

    fn agents(&self, commit: &str) -> Vec<(String, String)> {
        self.store
            .commit_agents(&self.repo, &[commit.to_owned()])
            .ok()
            .and_then(|mut m| m.remove(commit))
            .unwrap_or_default()
    }

    fn ai_lines(&self, commit: &str, path: &str) -> Vec<(String, Vec<[u32; 2]>)> {
        self.store
            .ai_lines(&self.repo, commit, path)
            .unwrap_or_default()
    }
}

/// A file at a revision: (revision, path).
type FileKey = (String, String);

/// The fresh blame of each file version, or why it could not be blamed.
type FileBlames = HashMap<FileKey, Result<FileBlame, String>>;

/// One file version to blame and the lines wanted from it.
struct FileJob {
    revision: String,
    path: String,
    blob: String,
    lines: Vec<u32>,
    cached: HashMap<u32, LineOrigin>,
}

/// A file version's blame as the cache keeps it: line origins found by one attribution engine
/// (a cache entry of another engine, or of the older bare-list form, is a miss).
#[derive(serde::Serialize, serde::Deserialize)]
struct CachedBlame {
    engine: u32,
    lines: Vec<LineOrigin>,
}

/// Rules whose risk is the version a line references (the CI audit's pinning rules): they are
/// attributed to the commit that last changed the reference, not past it.
const REF_RULES: [&str; 3] = [
    "unpinned-uses",
    "unpinned-images",
    "known-compromised-action",
];

/// Attributes the repository's pending findings (with `again`, every open finding). `secrets`
/// maps finding ids to secret values known in this run only. Progress: the phase
/// [`crate::phase::ATTRIBUTION`], one step per finding.
pub fn attribute_pending(
    store: &mut (impl devspm_ledger::EventLog + FindingStore + Caches),
    repo: &Repo,
    secrets: &HashMap<String, String>,
    again: bool,
    progress: &dyn crate::Progress,
) -> Result<AttributionReport, EngineError> {
    // An attribution by an engine newer than this one counts as missing when `again`.
    let engine = if again { u32::MAX } else { ENGINE };
    let pending = store.pending_attribution(Some(&repo.id), engine)?;
    let mut report = AttributionReport::default();
    if pending.is_empty() {
        return Ok(report);
    }
    let phase = crate::Phase::start(
        progress,
        crate::phase::ATTRIBUTION,
        &repo.name,
        Some(pending.len() as u64),
    );
    let mut done = 0u64;
    let head = devspm_git::head_commit(repo)?;
    let blamer = Blamer::new(repo, BlameOptions::default());
    // Each batch is one transaction: a run killed midway leaves whole batches, and the next
    // run attributes the rest.
    for keys in pending.chunks(batch_size()) {
        let findings = store.pending_findings(keys)?;
        let batch = attribute_batch(store, repo, secrets, (&head, &blamer), findings)?;
        report.attributed += batch.attributed;
        report.unattributable += batch.unattributable;
        report.files_blamed += batch.files_blamed;
        report.files_cached += batch.files_cached;
        done += keys.len() as u64;
        phase.at(done);
    }
    Ok(report)
}

/// Attributes one batch of pending findings and appends their events.
fn attribute_batch(
    store: &mut (impl devspm_ledger::EventLog + FindingStore + Caches),
    repo: &Repo,
    secrets: &HashMap<String, String>,
    (head, blamer): (&Option<String>, &Blamer),
    pending: Vec<PendingFinding>,
) -> Result<AttributionReport, EngineError> {
    let mut report = AttributionReport::default();
    let mut events = Vec::new();
    // Line targets: finding → (revision, path, lines); dependency findings become line targets
    // on their lockfile.
    let mut targets: Vec<(PendingFinding, String, String, Vec<u32>, &'static str)> = Vec::new();
    let mut package_added: HashMap<String, Option<IntroducingCommit>> = HashMap::new();
    let lookup = LedgerLookup {
        store,
        repo: repo.id.clone(),
        authors: Default::default(),
    };
    for f in pending {
        let Some(revision) = f.revision.clone().or_else(|| head.clone()) else {
            events.push(attribute::unattributable(
                &f.finding,
                &repo.id,
                method_of(&f),
                None,
                "the repository has no commits",
            ));
            continue;
        };
        let Some(revision) = blamer.resolve(&revision) else {
            events.push(attribute::unattributable(
                &f.finding,
                &repo.id,
                method_of(&f),
                Some(&revision),
                format!("revision {revision} is not in the repository (fetch it, or import with --revision)"),
            ));
            continue;
        };
        if f.kind == "dependency" {
            match locate_dependency(blamer, &f, &revision)? {
                Ok((path, line)) => {
                    let added = first_added(&lookup, blamer, &f, &path, &revision)?;
                    package_added.insert(f.finding.clone(), added);
                    targets.push((f, revision, path, vec![line], "lockfile-history"));
                }
                Err(reason) => events.push(attribute::unattributable(
                    &f.finding,
                    &repo.id,
                    "lockfile-history",
                    Some(&revision),
                    reason,
                )),
            }
            continue;
        }
        if f.kind == "secret"
            && let Some(value) = secrets.get(&f.finding)
            && let Some(path) = &f.path
        {
            events.push(secret_history(&lookup, blamer, &f, path, value, &revision)?);
            continue;
        }
        let Some(path) = f.path.clone() else {
            events.push(attribute::unattributable(
                &f.finding,
                &repo.id,
                method_of(&f),
                Some(&revision),
                "the finding names no file of the repository",
            ));
            continue;
        };
        let Some(start) = f.start_line else {
            events.push(attribute::unattributable(
                &f.finding,
                &repo.id,
                method_of(&f),
                Some(&revision),
                "the finding names a file but no line",
            ));
            continue;
        };
        let end = f
            .end_line
            .unwrap_or(start)
            .max(start)
            .min(start + MAX_LINES_PER_FINDING - 1);
        let lines = (start..=end).collect();
        // A secret whose value is gone (attributed after its import run) can only be blamed
        // where the scanner saw it: say so rather than call it secret history.
        let method = if f.kind == "secret" {
            "line-blame"
        } else {
            method_of(&f)
        };
        targets.push((f, revision, path, lines, method));
    }

    // Group line targets by file version; take what the cache has.
    let mut jobs: BTreeMap<(String, String), FileJob> = BTreeMap::new();
    let mut misses: HashMap<(String, String), BlameMiss> = HashMap::new();
    for (_, revision, path, lines, _) in &targets {
        let key = (revision.clone(), path.clone());
        if misses.contains_key(&key) {
            continue;
        }
        if let Some(job) = jobs.get_mut(&key) {
            job.lines.extend(lines);
            continue;
        }
        match blamer.blob_at(revision, path)? {
            Err(miss) => {
                misses.insert(key, miss);
            }
            Ok(blob) => {
                let cached: HashMap<u32, LineOrigin> = lookup
                    .store
                    .blame_cached(&repo.id, path, &blob)?
                    .and_then(|json| serde_json::from_str::<CachedBlame>(&json).ok())
                    .filter(|c| c.engine == ENGINE)
                    .map(|c| c.lines)
                    .map(|v| v.into_iter().map(|o| (o.line, o)).collect())
                    .unwrap_or_default();
                jobs.insert(
                    key,
                    FileJob {
                        revision: revision.clone(),
                        path: path.clone(),
                        blob,
                        lines: lines.clone(),
                        cached,
                    },
                );
            }
        }
    }
    let blamed = blame_jobs(repo, &mut jobs)?;
    report.files_blamed = blamed.len() as u64;
    report.files_cached = jobs.len() as u64 - report.files_blamed;
    drop(lookup);
    for (key, result) in &blamed {
        let job = &jobs[key];
        if let Ok(fb) = result {
            let mut all: Vec<LineOrigin> = job.cached.values().cloned().collect();
            all.extend(fb.lines.iter().cloned());
            all.sort_by_key(|o| o.line);
            all.dedup_by_key(|o| o.line);
            store.cache_blame(
                &repo.id,
                &job.path,
                &job.blob,
                &serde_json::to_string(&CachedBlame {
                    engine: ENGINE,
                    lines: all,
                })
                .map_err(|e| EngineError::Invalid(format!("cannot encode a blame: {e}")))?,
            )?;
        }
    }
    let lookup = LedgerLookup {
        store,
        repo: repo.id.clone(),
        authors: Default::default(),
    };
    for (f, revision, path, lines, method) in targets {
        let key = (revision.clone(), path.clone());
        if let Some(miss) = misses.get(&key) {
            events.push(attribute::unattributable(
                &f.finding,
                &repo.id,
                method,
                Some(&revision),
                format!("{path}: {miss}"),
            ));
            continue;
        }
        let job = &jobs[&key];
        let fresh = blamed.get(&key);
        if let Some(Err(reason)) = fresh {
            events.push(attribute::unattributable(
                &f.finding,
                &repo.id,
                method,
                Some(&revision),
                reason.clone(),
            ));
            continue;
        }
        let origin_of = |line: u32| -> Option<LineOrigin> {
            job.cached.get(&line).cloned().or_else(|| {
                fresh
                    .and_then(|r| r.as_ref().ok())
                    .and_then(|fb| fb.lines.iter().find(|o| o.line == line).cloned())
            })
        };
        let mut origins: Vec<LineOrigin> = lines.iter().filter_map(|&l| origin_of(l)).collect();
        // Blame follows a line past changes of the version it references (a pin, a bump):
        // right for a risk in the step around it, wrong for a rule about the reference itself,
        // whose risk the latest change of the reference set.
        if REF_RULES.contains(&f.rule.as_str()) {
            for o in &mut origins {
                if let Some(at) = o.skipped.iter().position(|s| s.reason == "ref-change") {
                    o.commit = o.skipped[at].commit.clone();
                    o.skipped.truncate(at);
                }
            }
        }
        if origins.is_empty() {
            events.push(attribute::unattributable(
                &f.finding,
                &repo.id,
                method,
                Some(&revision),
                format!(
                    "{path} has fewer lines at {} than the finding points at (line {})",
                    short(&revision),
                    lines.first().copied().unwrap_or(0)
                ),
            ));
            continue;
        }
        let mut a = attribute::from_lines(
            &f.finding, &repo.id, method, &revision, &path, &origins, &lookup,
        );
        if origins.len() < lines.len() {
            a.evidence.push(format!(
                "{} of the {} flagged lines are past the end of the file",
                lines.len() - origins.len(),
                lines.len()
            ));
        }
        if f.kind == "secret" {
            a.evidence.push(
                "the secret's value is not kept after its import, so its history cannot be searched: \
                 this is the commit that last wrote the line, which may be later than the one that \
                 first exposed the secret"
                    .to_owned(),
            );
            if a.confidence == "high" {
                a.confidence = "medium".to_owned();
            }
        }
        if method == "lockfile-history" {
            a.evidence.insert(
                0,
                format!(
                    "{path} line {} pins {} {}",
                    lines[0],
                    f.package.as_deref().unwrap_or("?"),
                    f.version.as_deref().unwrap_or("?")
                ),
            );
            a.package_added = package_added.remove(&f.finding).flatten();
        }
        events.push(a);
    }
    for a in &events {
        if a.status == "attributed" {
            report.attributed += 1;
        } else {
            report.unattributable += 1;
        }
    }
    store.append(events.into_iter().map(Attribution::into_event).collect())?;
    Ok(report)
}

fn method_of(f: &PendingFinding) -> &'static str {
    match f.kind.as_str() {
        "dependency" => "lockfile-history",
        "secret" => "secret-history",
        _ => "line-blame",
    }
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// Blames every job's uncached lines, on up to two threads (files are independent).
fn blame_jobs(
    repo: &Repo,
    jobs: &mut BTreeMap<(String, String), FileJob>,
) -> Result<FileBlames, EngineError> {
    // (file key, revision, path, lines to blame)
    let work: Vec<(FileKey, String, String, Vec<u32>)> = jobs
        .iter_mut()
        .filter_map(|(key, job)| {
            job.lines.sort_unstable();
            job.lines.dedup();
            let missing: Vec<u32> = job
                .lines
                .iter()
                .copied()
                .filter(|l| !job.cached.contains_key(l))
                .collect();
            (!missing.is_empty())
                .then(|| (key.clone(), job.revision.clone(), job.path.clone(), missing))
        })
        .collect();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 4)
        .min(work.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(HashMap::new());
    // One cache of what the walks learn for all threads: files of one revision share history.
    let cache = devspm_git::BlameCache::new(repo);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut blamer = Blamer::with_cache(repo, BlameOptions::default(), &cache);
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((key, revision, path, lines)) = work.get(i) else {
                        break;
                    };
                    let result = match blamer.blame(revision, path, lines) {
                        Ok(Ok(fb)) => Ok(fb),
                        Ok(Err(miss)) => Err(format!("{path}: {miss}")),
                        Err(e) => Err(format!("{path}: {e}")),
                    };
                    if let Ok(mut r) = results.lock() {
                        r.insert(key.clone(), result);
                    }
                }
            });
        }
    });
    Ok(results.into_inner().unwrap_or_default())
}

/// The lockfile line pinning a dependency finding's package version at `revision`.
fn locate_dependency(
    blamer: &Blamer,
    f: &PendingFinding,
    revision: &str,
) -> Result<Result<(String, u32), String>, EngineError> {
    let (Some(name), Some(version)) = (&f.package, &f.version) else {
        return Ok(Err("the finding names no package and version".to_owned()));
    };
    let ecosystem = f.ecosystem.as_deref().unwrap_or("");
    // The producer's manifest first (when it is a lockfile of the repository), then every
    // lockfile of the revision for the package's ecosystem.
    let mut candidates: Vec<String> = Vec::new();
    if let Some(path) = &f.path {
        candidates.push(path.clone());
    }
    let mut others: Vec<String> = blamer
        .tree_paths(revision)?
        .into_iter()
        .filter(|p| {
            LockfileKind::of_path(p).is_some_and(|k| {
                ecosystem.is_empty() || k.ecosystem().eq_ignore_ascii_case(ecosystem)
            })
        })
        .collect();
    // Lockfiles before manifests (they pin exact versions), shallow paths first.
    others.sort_by_key(|p| (!is_lock_name(p), p.matches('/').count(), p.clone()));
    candidates.extend(others);
    let mut seen = HashSet::new();
    for path in candidates {
        if !seen.insert(path.clone()) {
            continue;
        }
        let Some(content) = blamer.read(revision, &path)? else {
            continue;
        };
        if let Some(line) = attribute::locate_package_line(&content, name, version) {
            return Ok(Ok((path, line)));
        }
    }
    Ok(Err(format!(
        "no lockfile or manifest of the repository at {} pins {name} {version}",
        short(revision)
    )))
}

fn is_lock_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.contains("lock") || name == "go.sum"
}

/// The first recorded commit whose version of the lockfile names the package at all.
fn first_added(
    lookup: &LedgerLookup<'_, impl FindingStore>,
    blamer: &Blamer,
    f: &PendingFinding,
    path: &str,
    revision: &str,
) -> Result<Option<IntroducingCommit>, EngineError> {
    let Some(name) = &f.package else {
        return Ok(None);
    };
    let kind = LockfileKind::of_path(path);
    for (sha, blob) in lookup.store.commits_touching(&lookup.repo, path)? {
        let Some(content) = blamer.read_blob(&blob) else {
            continue;
        };
        let has = match kind.map(|k| devspm_findings::lockfile::parse(k, &content)) {
            Some(Ok(packages)) => {
                let want = devspm_findings::lockfile::normalize_name(
                    f.ecosystem.as_deref().unwrap_or(""),
                    name,
                );
                packages.iter().any(|p| {
                    devspm_findings::lockfile::normalize_name(
                        f.ecosystem.as_deref().unwrap_or(""),
                        &p.name,
                    ) == want
                })
            }
            _ => false,
        };
        if has && blamer.is_ancestor(&sha, revision) {
            let author = lookup.author(&sha);
            return Ok(Some(IntroducingCommit {
                commit: sha,
                author: author.as_ref().map(|a| a.0.clone()),
                time: author.map(|a| a.1),
                lines: 0,
                path: Some(path.to_owned()),
            }));
        }
    }
    Ok(None)
}

/// Secret history: the first recorded version of the file that holds the value.
fn secret_history(
    lookup: &LedgerLookup<'_, impl FindingStore>,
    blamer: &Blamer,
    f: &PendingFinding,
    path: &str,
    value: &str,
    revision: &str,
) -> Result<Attribution, EngineError> {
    let needle = value.as_bytes();
    let contains =
        |data: &[u8]| !needle.is_empty() && data.windows(needle.len()).any(|w| w == needle);
    let present = blamer.read(revision, path)?.map(|data| contains(&data));
    for (sha, blob) in lookup.store.commits_touching(&lookup.repo, path)? {
        let Some(data) = blamer.read_blob(&blob) else {
            continue;
        };
        if !contains(&data) {
            continue;
        }
        let author = lookup.author(&sha);
        let agents = lookup
            .agents(&sha)
            .into_iter()
            .map(|(agent, confidence)| devspm_core::finding::AgentPart {
                agent,
                commit: sha.clone(),
                level: "commit".to_owned(),
                confidence,
            })
            .collect();
        let mut evidence = vec![format!(
            "the value first appears in {path} in commit {} (earliest recorded version of the file holding it)",
            short(&sha)
        )];
        match present {
            Some(true) => evidence.push(format!("still present at {}", short(revision))),
            Some(false) | None => evidence.push(format!(
                "no longer in {path} at {} — but still in history: rotate it",
                short(revision)
            )),
        }
        return Ok(Attribution {
            finding: f.finding.clone(),
            repo: lookup.repo.clone(),
            method: "secret-history".to_owned(),
            status: "attributed".to_owned(),
            reason: None,
            revision: Some(revision.to_owned()),
            commits: vec![IntroducingCommit {
                commit: sha,
                author: author.as_ref().map(|a| a.0.clone()),
                time: author.map(|a| a.1),
                lines: 0,
                path: None,
            }],
            agents,
            confidence: "high".to_owned(),
            evidence,
            package_added: None,
            present_at_head: Some(present == Some(true)),
            engine: ENGINE,
        });
    }
    Ok(attribute::unattributable(
        &f.finding,
        &lookup.repo,
        "secret-history",
        Some(revision),
        format!(
            "no recorded version of {path} holds the value (record the repository's history first)"
        ),
    ))
}
