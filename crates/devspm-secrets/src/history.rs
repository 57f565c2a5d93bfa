//! Full-history scanning: every unique blob reachable from the refs, scanned once, each finding
//! attributed to the oldest commit that introduced it.
//!
//! # How blobs are found and attributed
//!
//! Commits are put in topological order, oldest first (parents before children; among commits
//! ready at the same time, the older committer time, then the smaller id). Walking their trees
//! in that order while remembering every tree and blob already seen yields each blob exactly
//! once, at the first commit whose tree holds it. That is the same answer as diffing every commit
//! against its first parent (root commits: against the empty tree) and taking the first commit
//! whose diff adds the blob — a blob absent from every earlier commit is absent from the first
//! parent, so it is in that commit's diff — but a subtree already seen is skipped by its id
//! instead of being compared again, so each tree object is read once in the whole scan. Merges
//! are covered: their second-parent side comes earlier in the order, and an evil merge's own
//! blobs are first seen at the merge.
//!
//! # Threads and memory
//!
//! The calling thread walks commits and trees and hands batches of (blob, path, commit) to
//! `threads` workers. Objects are read straight from the pack files through devspm-git's
//! [`PackObjects`]: one least-recently-used cache of decoded objects (delta bases and
//! intermediate versions included) shared by the walk and the workers, inflated with
//! libdeflate, handed out without copies; loose, replaced or damaged objects are read through
//! gitoxide. Workers read, search and drop one blob at a time; only findings (hashed, redacted)
//! and the ids of the blobs scanned are kept. The channel between them is bounded, and the
//! resident pages of the mapped pack files are released every 256 MiB read (on git/git the
//! whole 496 MB pack is touched), so memory does not grow with the repository. A full `scan`
//! of git/git (every ref, 8 GB of blobs through the detector) peaked at 969 MB reading
//! through gitoxide (about 600 MB of it resident pack pages), 434–471 MB now, and the history
//! scan itself takes 20–22 s instead of 25–26 s (`bench/memory.sh git-git`).
//!
//! # Incremental scans and damage
//!
//! Blobs listed in [`HistoryOptions::known_blobs`] are not read again; [`HistoryScan::scanned_blobs`]
//! lists what this run read so the caller can add it to that set. Objects missing from a partial
//! or damaged clone are listed in [`HistoryScan::missing`] and skipped; they are not reported as
//! scanned, so a later run over a complete clone reads them.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use gix::ObjectId;
use gix::bstr::ByteSlice;
use serde::Serialize;

use crate::SecretsError;
use crate::finding::{HashKey, Place, SecretFinding, hash_of};
use crate::scanner::{Scanner, is_binary};
use devspm_git::{Lookup, PackObjects, Scratch, Shared, SharedPackCache};

/// Blobs per unit of work handed to a worker.
const BATCH: usize = 64;

/// Warnings kept in a result; further ones are only counted.
const MAX_WARNINGS: usize = 1000;

/// Blob bytes read between two releases of the resident pages of mapped pack files: reading
/// every blob of git/git touches its whole 496 MB pack, which would otherwise stay resident
/// (see `devspm_git::mapped`).
const RELEASE_EVERY_BYTES: u64 = 256 << 20;

/// Commits walked between two such releases.
const RELEASE_EVERY_COMMITS: usize = 16_384;

/// How to scan a history.
#[derive(Clone, Debug)]
pub struct HistoryOptions {
    /// Revisions to start from (anything `git rev-parse` accepts); empty means every ref and
    /// HEAD, as `git rev-list --all` sees them.
    pub tips: Vec<String>,
    /// The revision `present_at_head` is decided against (default `HEAD`).
    pub head: Option<String>,
    /// Worker threads reading and searching blobs (default: available parallelism).
    pub threads: usize,
    /// Blob ids (hex) scanned by an earlier run: not read again.
    pub known_blobs: HashSet<String>,
    pub hash_key: HashKey,
    /// Cache of decoded objects shared by the walk and the workers, bytes (default 80 MiB,
    /// `DEVSPM_DECODED_CACHE_MB`, as for ingest).
    pub pack_cache_bytes: usize,
}

impl Default for HistoryOptions {
    fn default() -> Self {
        HistoryOptions {
            tips: Vec::new(),
            head: None,
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            known_blobs: HashSet::new(),
            hash_key: HashKey::default(),
            pack_cache_bytes: std::env::var("DEVSPM_DECODED_CACHE_MB")
                .ok()
                .and_then(|mb| mb.parse::<usize>().ok())
                .map_or(80 << 20, |mb| mb << 20),
        }
    }
}

/// Receives progress of a history scan; every method has a silent default.
pub trait HistoryProgress: Sync {
    /// Commits found by the walk.
    fn commits_walked(&self, _commits: u64) {}
    /// Blobs read and searched so far, and their bytes.
    fn blobs_scanned(&self, _blobs: u64, _bytes: u64) {}
}

/// A progress receiver that ignores everything.
pub struct NoProgress;
impl HistoryProgress for NoProgress {}

/// An object the scan needed and could not read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MissingObject {
    /// Hex id.
    pub id: String,
    /// `commit`, `tree` or `blob`.
    pub kind: &'static str,
    /// Where it was needed (a path, a parent link) and the reader's error.
    pub context: String,
}

/// A blob over the scanner's size limit ([`crate::Limits::max_file_bytes`]): not read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OversizedBlob {
    /// Hex id.
    pub id: String,
    /// Where it was first seen.
    pub path: String,
    pub commit: String,
    pub size: u64,
    /// When the blob is within the limit but stored as a delta of a version over it: that
    /// version's size.
    pub base: Option<u64>,
}

/// Counters of a history scan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HistoryStats {
    /// Commits reachable from the tips.
    pub commits: u64,
    /// Distinct file blobs reachable (symlinks and submodules excluded).
    pub unique_blobs: u64,
    /// Blobs skipped because an earlier run scanned them.
    pub known_blobs: u64,
    /// Blobs read and searched as text.
    pub blobs_scanned: u64,
    /// Bytes of those.
    pub bytes_scanned: u64,
    /// Bytes of every blob read, binary ones included.
    pub bytes_read: u64,
    pub binary_blobs: u64,
    /// Blobs over the size limit, not read.
    pub oversized_blobs: u64,
    /// Blobs whose path is allowlisted, not read.
    pub allowed_path_blobs: u64,
    /// Blobs with more matches than the per-file limit.
    pub truncated_blobs: u64,
    /// Lines of the blobs read holding a secret an inline marker (`gitleaks:allow`,
    /// `devspm:allow`) allows.
    pub inline_allowed: u64,
}

/// The result of a history scan.
#[derive(Clone, Debug, Default, Serialize)]
pub struct HistoryScan {
    /// Ordered by introducing commit (oldest first), then path, line and column. Secrets an
    /// inline marker allows are here too, with [`SecretFinding::inline_marker`] set.
    pub findings: Vec<SecretFinding>,
    /// Blobs read by this run (hex, sorted), binary ones included: add them to the next run's
    /// [`HistoryOptions::known_blobs`].
    pub scanned_blobs: Vec<String>,
    pub missing: Vec<MissingObject>,
    /// Blobs not read because they are over the size limit (sorted by id); not in
    /// `scanned_blobs`, so a run with a higher limit reads them.
    pub oversized: Vec<OversizedBlob>,
    /// Oversized blobs, malformed trees and the like, one sentence each.
    pub warnings: Vec<String>,
    pub stats: HistoryStats,
    /// The commit `present_at_head` was decided against, when the head revision resolved.
    pub head: Option<String>,
    pub elapsed_seconds: f64,
}

impl HistoryScan {
    /// The first finding of each secret per rule and path: every version of a file holding the
    /// same secret is a separate blob, hence a separate finding; this keeps the one from the
    /// oldest introducing commit (the order of [`HistoryScan::findings`]).
    pub fn first_occurrences(&self) -> Vec<&SecretFinding> {
        let mut seen: HashSet<(&str, &str, &str)> = HashSet::new();
        self.findings
            .iter()
            .filter(|f| seen.insert((&f.rule_id, &f.path, &f.secret_hash)))
            .collect()
    }
}

/// Scans the history of the repository at `repo` (a work tree, its `.git`, or a bare
/// repository). See the module documentation.
pub fn scan_history(
    repo: &Path,
    scanner: &Scanner,
    options: &HistoryOptions,
) -> Result<HistoryScan, SecretsError> {
    scan_history_with_progress(repo, scanner, options, &NoProgress)
}

/// [`scan_history`], reporting progress to `progress`.
pub fn scan_history_with_progress(
    repo_path: &Path,
    scanner: &Scanner,
    options: &HistoryOptions,
    progress: &dyn HistoryProgress,
) -> Result<HistoryScan, SecretsError> {
    let started = Instant::now();
    let shown = repo_path.display().to_string();
    let shared =
        gix::ThreadSafeRepository::open(repo_path).map_err(|e| SecretsError::NotARepository {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
    // gitoxide's own caches serve only what the pack reader leaves to it.
    let fallback_cache = SharedPackCache::new(8 << 20);
    let repo = fallback_cache.handle(&shared, 1 << 20);
    let packs = PackObjects::open(&repo, options.pack_cache_bytes);
    let mut reader = Reader {
        packs: &packs,
        scratch: Scratch::default(),
        repo: fallback_cache.handle(&shared, 0),
    };
    let mut scan = HistoryScan::default();
    let mut missing = Vec::new();

    let tips = resolve_tips(&repo, &options.tips, &shown)?;
    // An explicit head revision must resolve; the default HEAD may be unborn.
    let head_commit = match options.head.as_deref() {
        Some(spec) => Some(
            resolve_commit(&repo, spec).map_err(|reason| SecretsError::Git {
                path: shown.clone(),
                reason: format!("head revision {spec:?}: {reason}"),
            })?,
        ),
        None => resolve_commit(&repo, "HEAD").ok(),
    };
    let commits = walk_commits(&mut reader, &tips, &mut missing);
    devspm_git::mapped::release();
    scan.stats.commits = commits.len() as u64;
    progress.commits_walked(scan.stats.commits);
    let order = topological_order(&commits);

    let known: HashSet<ObjectId> = options
        .known_blobs
        .iter()
        .filter_map(|hex| ObjectId::from_hex(hex.as_bytes()).ok())
        .collect();
    let threads = options.threads.max(1);
    let counters = Counters::default();
    let mut outputs: Vec<WorkerOutput> = Vec::new();
    let mut enumerated = Enumerated::default();
    std::thread::scope(|scope| -> Result<(), SecretsError> {
        let (work_tx, work_rx) = sync_channel::<Vec<BlobJob>>(threads * 4);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let mut handles = Vec::new();
        for n in 0..threads {
            let work_rx = Arc::clone(&work_rx);
            let worker = Worker {
                reader: Reader {
                    packs: &packs,
                    scratch: Scratch::default(),
                    repo: fallback_cache.handle(&shared, 0),
                },
                scanner,
                key: &options.hash_key,
                commits: &commits,
                counters: &counters,
                progress,
            };
            let handle = std::thread::Builder::new()
                .name(format!("devspm-secrets-{n}"))
                .spawn_scoped(scope, move || worker.run(&work_rx))
                .map_err(|e| SecretsError::Git {
                    path: shown.clone(),
                    reason: format!("cannot start a scanning thread: {e}"),
                })?;
            handles.push(handle);
        }
        enumerated = enumerate_blobs(&mut reader, &commits, &order, &known, |batch| {
            work_tx.send(batch).is_ok()
        });
        drop(work_tx);
        for handle in handles {
            match handle.join() {
                Ok(output) => outputs.push(output),
                Err(_) => scan.warnings.push("a scanning thread panicked".into()),
            }
        }
        Ok(())
    })?;

    scan.stats.unique_blobs = enumerated.unique_blobs;
    scan.stats.known_blobs = enumerated.known_blobs;
    missing.extend(enumerated.missing);
    scan.warnings.extend(enumerated.warnings);
    let mut findings: Vec<(usize, SecretFinding)> = Vec::new();
    let mut hashes: HashMap<ObjectId, HashSet<String>> = HashMap::new();
    let mut scanned: HashSet<ObjectId> = HashSet::new();
    for output in outputs {
        findings.extend(output.findings);
        for (blob, set) in output.hashes {
            hashes.entry(blob).or_default().extend(set);
        }
        scanned.extend(output.scanned);
        missing.extend(output.missing);
        scan.oversized.extend(output.oversized);
        scan.warnings.extend(output.warnings);
        let s = output.stats;
        scan.stats.blobs_scanned += s.blobs_scanned;
        scan.stats.bytes_scanned += s.bytes_scanned;
        scan.stats.bytes_read += s.bytes_read;
        scan.stats.binary_blobs += s.binary_blobs;
        scan.stats.oversized_blobs += s.oversized_blobs;
        scan.stats.allowed_path_blobs += s.allowed_path_blobs;
        scan.stats.truncated_blobs += s.truncated_blobs;
        scan.stats.inline_allowed += s.inline_allowed;
    }

    // Still there at HEAD?
    if let Some(head_commit) = head_commit {
        scan.head = Some(head_commit.to_string());
    }
    if let Some(head_files) = head_commit
        .filter(|_| !findings.is_empty())
        .map(|c| tree_files(&repo, c))
    {
        let head_blobs: HashSet<ObjectId> = head_files.values().copied().collect();
        let mut rescanned: HashMap<ObjectId, HashSet<String>> = HashMap::new();
        for (_, finding) in &mut findings {
            let blob = finding
                .blob
                .as_deref()
                .and_then(|b| ObjectId::from_hex(b.as_bytes()).ok());
            if blob.is_some_and(|b| head_blobs.contains(&b)) {
                finding.present_at_head = true;
                continue;
            }
            let Some(head_blob) = head_files.get(&finding.path).copied() else {
                continue;
            };
            let set = if scanned.contains(&head_blob) {
                hashes.get(&head_blob)
            } else {
                // Scanned by an earlier run (or not at all): search it now.
                let found = rescanned.entry(head_blob).or_insert_with(|| {
                    secret_hashes_of(&repo, scanner, &finding.path, head_blob, &options.hash_key)
                });
                Some(&*found)
            };
            finding.present_at_head = set.is_some_and(|s| s.contains(&finding.secret_hash));
        }
    }

    findings.sort_by(|(ca, a), (cb, b)| {
        (ca, &a.path, a.line, a.column, &a.rule_id)
            .cmp(&(cb, &b.path, b.line, b.column, &b.rule_id))
    });
    scan.findings = findings.into_iter().map(|(_, f)| f).collect();
    let mut scanned: Vec<String> = scanned.iter().map(ToString::to_string).collect();
    scanned.sort_unstable();
    scan.scanned_blobs = scanned;
    scan.oversized.sort_by(|a, b| a.id.cmp(&b.id));
    missing.sort_by(|a, b| (a.kind, &a.id).cmp(&(b.kind, &b.id)));
    missing.dedup_by(|a, b| a.id == b.id && a.kind == b.kind);
    scan.missing = missing;
    if scan.warnings.len() > MAX_WARNINGS {
        let more = scan.warnings.len() - MAX_WARNINGS;
        scan.warnings.truncate(MAX_WARNINGS);
        scan.warnings.push(format!("… and {more} more warnings"));
    }
    scan.elapsed_seconds = started.elapsed().as_secs_f64();
    Ok(scan)
}

/// The commits to start from: the given revisions, or every ref (peeled to a commit) and HEAD.
fn resolve_tips(
    repo: &gix::Repository,
    specs: &[String],
    shown: &str,
) -> Result<Vec<ObjectId>, SecretsError> {
    let mut tips = Vec::new();
    if specs.is_empty() {
        if let Ok(id) = repo.head_id() {
            tips.push(id.detach());
        }
        let platform = repo.references().map_err(|e| SecretsError::Git {
            path: shown.to_owned(),
            reason: format!("cannot list refs: {e}"),
        })?;
        let all = platform.all().map_err(|e| SecretsError::Git {
            path: shown.to_owned(),
            reason: format!("cannot list refs: {e}"),
        })?;
        for reference in all.flatten() {
            let mut reference = reference;
            // Refs to trees or blobs (some tags) are not history; dangling refs are skipped.
            if let Ok(commit) = reference.peel_to_commit() {
                tips.push(commit.id);
            }
        }
    } else {
        for spec in specs {
            let commit = resolve_commit(repo, spec).map_err(|reason| SecretsError::Git {
                path: shown.to_owned(),
                reason: format!("revision {spec:?}: {reason}"),
            })?;
            tips.push(commit);
        }
    }
    tips.sort_unstable();
    tips.dedup();
    Ok(tips)
}

/// A commit as the scan needs it.
pub(crate) struct CommitNode {
    pub id: ObjectId,
    pub tree: ObjectId,
    /// Indexes of the parents present in the walk.
    pub parents: Vec<usize>,
    pub time: i64,
}

/// Every commit reachable from `tips`. Parents of shallow boundaries are not followed; commits
/// that cannot be read are recorded as missing.
fn walk_commits(
    reader: &mut Reader<'_>,
    tips: &[ObjectId],
    missing: &mut Vec<MissingObject>,
) -> Vec<CommitNode> {
    let shallow: HashSet<ObjectId> = devspm_git::shallow_commits(&reader.repo);
    let mut index: HashMap<ObjectId, usize> = HashMap::new();
    let mut raw: Vec<(ObjectId, ObjectId, Vec<ObjectId>, i64)> = Vec::new();
    let mut stack: Vec<ObjectId> = tips.to_vec();
    let mut visited: HashSet<ObjectId> = HashSet::new();
    while let Some(id) = stack.pop() {
        if !visited.insert(id) {
            continue;
        }
        let object = match reader.object(id) {
            Ok((gix::object::Kind::Commit, data)) => data,
            Ok((kind, _)) => {
                missing.push(MissingObject {
                    id: id.to_string(),
                    kind: "commit",
                    context: format!("a parent link points at a {kind}"),
                });
                continue;
            }
            Err(e) => {
                missing.push(MissingObject {
                    id: id.to_string(),
                    kind: "commit",
                    context: e.to_string(),
                });
                continue;
            }
        };
        let Some((tree, parents, time)) = parse_commit(&object) else {
            missing.push(MissingObject {
                id: id.to_string(),
                kind: "commit",
                context: "commit object has no readable tree line".into(),
            });
            continue;
        };
        drop(object);
        if !shallow.contains(&id) {
            stack.extend(parents.iter().rev().copied());
        }
        index.insert(id, raw.len());
        raw.push((id, tree, parents, time));
        // Commits are spread over the pack: its pages would stay resident (see above).
        if raw.len().is_multiple_of(RELEASE_EVERY_COMMITS) {
            devspm_git::mapped::release();
        }
    }
    raw.into_iter()
        .map(|(id, tree, parents, time)| {
            let mut parents: Vec<usize> = parents
                .iter()
                .filter_map(|p| index.get(p).copied())
                .collect();
            parents.dedup();
            CommitNode {
                id,
                tree,
                parents,
                time,
            }
        })
        .collect()
}

/// Tree, parents and committer time from a commit's raw bytes; lenient about everything else
/// (some old tools wrote malformed author lines).
fn parse_commit(data: &[u8]) -> Option<(ObjectId, Vec<ObjectId>, i64)> {
    let mut tree = None;
    let mut parents = Vec::new();
    let mut time = 0i64;
    for line in data.split(|&b| b == b'\n') {
        if line.is_empty() {
            break;
        }
        if let Some(hex) = line.strip_prefix(b"tree ") {
            tree = ObjectId::from_hex(hex.trim()).ok();
        } else if let Some(hex) = line.strip_prefix(b"parent ") {
            if let Ok(id) = ObjectId::from_hex(hex.trim()) {
                parents.push(id);
            }
        } else if let Some(rest) = line.strip_prefix(b"committer ") {
            let after = rest.rfind_byte(b'>').map_or(rest, |i| &rest[i + 1..]);
            time = after
                .split(|b| *b == b' ')
                .find(|w| !w.is_empty())
                .and_then(|w| std::str::from_utf8(w).ok())
                .and_then(|w| w.parse().ok())
                .unwrap_or(0);
        }
    }
    Some((tree?, parents, time))
}

/// Indexes of `commits`, parents before children; ties broken by older committer time, then id.
pub(crate) fn topological_order(commits: &[CommitNode]) -> Vec<usize> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); commits.len()];
    let mut pending: Vec<usize> = vec![0; commits.len()];
    for (i, c) in commits.iter().enumerate() {
        pending[i] = c.parents.len();
        for &p in &c.parents {
            children[p].push(i);
        }
    }
    let mut ready: BinaryHeap<Reverse<(i64, ObjectId, usize)>> = commits
        .iter()
        .enumerate()
        .filter(|(i, _)| pending[*i] == 0)
        .map(|(i, c)| Reverse((c.time, c.id, i)))
        .collect();
    let mut order = Vec::with_capacity(commits.len());
    while let Some(Reverse((_, _, i))) = ready.pop() {
        order.push(i);
        for &child in &children[i] {
            pending[child] -= 1;
            if pending[child] == 0 {
                let c = &commits[child];
                ready.push(Reverse((c.time, c.id, child)));
            }
        }
    }
    order
}

/// A blob to scan, with the place it was first seen.
struct BlobJob {
    blob: ObjectId,
    path: String,
    /// Position of the introducing commit in the topological order.
    order: usize,
    commit: usize,
}

#[derive(Default)]
struct Enumerated {
    unique_blobs: u64,
    known_blobs: u64,
    missing: Vec<MissingObject>,
    warnings: Vec<String>,
}

/// Walks the trees of `commits` in `order`, handing each blob not seen before to `send` in
/// batches. Stops early when `send` returns `false` (the workers are gone).
fn enumerate_blobs(
    reader: &mut Reader<'_>,
    commits: &[CommitNode],
    order: &[usize],
    known: &HashSet<ObjectId>,
    mut send: impl FnMut(Vec<BlobJob>) -> bool,
) -> Enumerated {
    let mut out = Enumerated::default();
    let hash_kind = reader.repo.object_hash();
    let mut seen_trees: HashSet<ObjectId> = HashSet::new();
    let mut seen_blobs: HashSet<ObjectId> = HashSet::new();
    let mut batch = Vec::with_capacity(BATCH);
    let mut stack: Vec<(ObjectId, String)> = Vec::new();
    for (position, &commit) in order.iter().enumerate() {
        stack.push((commits[commit].tree, String::new()));
        while let Some((tree_id, prefix)) = stack.pop() {
            if !seen_trees.insert(tree_id) {
                continue;
            }
            let object = match reader.object(tree_id) {
                Ok((gix::object::Kind::Tree, data)) => data,
                Ok((kind, _)) => {
                    out.warnings.push(format!(
                        "{prefix}/ in commit {} is a {kind}, not a tree",
                        commits[commit].id
                    ));
                    continue;
                }
                Err(e) => {
                    out.missing.push(MissingObject {
                        id: tree_id.to_string(),
                        kind: "tree",
                        context: format!(
                            "directory {:?} of commit {}: {e}",
                            if prefix.is_empty() { "/" } else { &prefix },
                            commits[commit].id
                        ),
                    });
                    continue;
                }
            };
            for entry in gix::objs::TreeRefIter::from_bytes(&object, hash_kind) {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(e) => {
                        out.warnings.push(format!(
                            "tree {tree_id} is malformed ({e}); the rest of it is skipped"
                        ));
                        break;
                    }
                };
                let is_tree = entry.mode.is_tree();
                let is_file = entry.mode.is_blob();
                if !is_tree && !is_file {
                    // Symlinks hold a path, submodules a commit id: nothing to search.
                    continue;
                }
                let id = entry.oid.to_owned();
                if is_tree {
                    if !seen_trees.contains(&id) {
                        stack.push((id, join(&prefix, entry.filename)));
                    }
                    continue;
                }
                if !seen_blobs.insert(id) {
                    continue;
                }
                out.unique_blobs += 1;
                if known.contains(&id) {
                    out.known_blobs += 1;
                    continue;
                }
                batch.push(BlobJob {
                    blob: id,
                    path: join(&prefix, entry.filename),
                    order: position,
                    commit,
                });
                if batch.len() == BATCH
                    && !send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                {
                    return out;
                }
            }
        }
    }
    if !batch.is_empty() {
        send(batch);
    }
    out
}

fn join(prefix: &str, name: &gix::bstr::BStr) -> String {
    let name = name.to_str_lossy();
    if prefix.is_empty() {
        name.into_owned()
    } else {
        format!("{prefix}/{name}")
    }
}

#[derive(Default)]
struct Counters {
    blobs: AtomicU64,
    bytes: AtomicU64,
    /// `bytes` when the mapped pack pages were last released.
    released_at: AtomicU64,
}

impl Counters {
    /// Releases the resident pages of mapped pack files once every [`RELEASE_EVERY_BYTES`]
    /// read (by whichever worker crosses the mark first).
    fn release_pages(&self, total: u64) {
        let last = self.released_at.load(Ordering::Relaxed);
        if total >= last + RELEASE_EVERY_BYTES
            && self
                .released_at
                .compare_exchange(last, total, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            devspm_git::mapped::release();
        }
    }
}

/// Reads objects for the scan: from the packs through the shared cache of decoded objects,
/// anything the pack reader leaves (loose, replaced or damaged objects) through gitoxide,
/// which names what is missing or corrupt.
struct Reader<'a> {
    packs: &'a PackObjects,
    scratch: Scratch,
    repo: gix::Repository,
}

/// An object's bytes: shared with the cache of decoded objects, or read by gitoxide.
enum Bytes {
    Shared(Shared),
    Read(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Shared(data) => data,
            Bytes::Read(data) => data,
        }
    }
}

/// A blob as [`Reader::blob`] found it.
enum BlobRead {
    Data(Bytes),
    /// Over the limit, not read: its size, and that of the version it is a delta of when that
    /// is what is too large.
    TooLarge {
        size: u64,
        base: Option<u64>,
    },
}

impl Reader<'_> {
    /// The kind and bytes of object `id`, or the reader's error.
    fn object(&mut self, id: ObjectId) -> Result<(gix::object::Kind, Bytes), String> {
        if let Some((kind, data)) = self.packs.object(&id, &mut self.scratch) {
            return Ok((kind, Bytes::Shared(data)));
        }
        let mut object = self.repo.find_object(id).map_err(|e| e.to_string())?;
        Ok((object.kind, Bytes::Read(std::mem::take(&mut object.data))))
    }

    /// Blob `id`, unless it (or what it is stored as a delta of) is over `limit` bytes.
    fn blob(&mut self, id: ObjectId, limit: u64) -> Result<BlobRead, String> {
        match self.packs.blob_within(&id, limit, &mut self.scratch) {
            Lookup::Found(data) => return Ok(BlobRead::Data(Bytes::Shared(data))),
            Lookup::TooLarge(t) => {
                return Ok(BlobRead::TooLarge {
                    size: t.size,
                    base: t.base,
                });
            }
            Lookup::Elsewhere => {}
        }
        let size = self.repo.find_header(id).map_err(|e| e.to_string())?.size();
        if size > limit {
            return Ok(BlobRead::TooLarge { size, base: None });
        }
        let mut object = self.repo.find_object(id).map_err(|e| e.to_string())?;
        Ok(BlobRead::Data(Bytes::Read(std::mem::take(
            &mut object.data,
        ))))
    }
}

struct Worker<'a> {
    reader: Reader<'a>,
    scanner: &'a Scanner,
    key: &'a HashKey,
    commits: &'a [CommitNode],
    counters: &'a Counters,
    progress: &'a dyn HistoryProgress,
}

#[derive(Default)]
struct WorkerOutput {
    /// (topological position of the introducing commit, finding)
    findings: Vec<(usize, SecretFinding)>,
    /// Secret hashes found per blob, for deciding `present_at_head`.
    hashes: HashMap<ObjectId, HashSet<String>>,
    scanned: Vec<ObjectId>,
    missing: Vec<MissingObject>,
    oversized: Vec<OversizedBlob>,
    warnings: Vec<String>,
    stats: HistoryStats,
}

impl Worker<'_> {
    fn run(mut self, work: &Mutex<Receiver<Vec<BlobJob>>>) -> WorkerOutput {
        let mut out = WorkerOutput::default();
        loop {
            let batch = {
                let Ok(rx) = work.lock() else { break };
                rx.recv()
            };
            let Ok(jobs) = batch else { break };
            let mut bytes = 0u64;
            let n = jobs.len() as u64;
            for job in jobs {
                bytes += self.scan_blob(job, &mut out);
            }
            let blobs = self.counters.blobs.fetch_add(n, Ordering::Relaxed) + n;
            let total = self.counters.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
            self.progress.blobs_scanned(blobs, total);
            self.counters.release_pages(total);
        }
        out
    }

    /// Reads and searches one blob; returns the bytes read.
    fn scan_blob(&mut self, job: BlobJob, out: &mut WorkerOutput) -> u64 {
        if self.scanner.path_allowed(&job.path) {
            out.stats.allowed_path_blobs += 1;
            return 0;
        }
        let missing = |out: &mut WorkerOutput, e: String| {
            out.missing.push(MissingObject {
                id: job.blob.to_string(),
                kind: "blob",
                context: format!(
                    "{} in commit {}: {e}",
                    job.path, self.commits[job.commit].id
                ),
            });
        };
        let limit = self.scanner.limits().max_file_bytes;
        let object = match self.reader.blob(job.blob, limit) {
            Ok(BlobRead::Data(data)) => data,
            Ok(BlobRead::TooLarge { size, base }) => {
                out.stats.oversized_blobs += 1;
                out.warnings.push(format!(
                    "{} (blob {}) is {size} bytes{}, over the {limit}-byte limit: not scanned",
                    job.path,
                    job.blob,
                    base.map(|b| format!(" stored as a delta of a {b}-byte version"))
                        .unwrap_or_default()
                ));
                out.oversized.push(OversizedBlob {
                    id: job.blob.to_string(),
                    path: job.path,
                    commit: self.commits[job.commit].id.to_string(),
                    size,
                    base,
                });
                return 0;
            }
            Err(e) => {
                missing(out, e);
                return 0;
            }
        };
        let data: &[u8] = &object;
        out.stats.bytes_read += data.len() as u64;
        out.scanned.push(job.blob);
        if is_binary(data) {
            out.stats.binary_blobs += 1;
            return data.len() as u64;
        }
        out.stats.blobs_scanned += 1;
        out.stats.bytes_scanned += data.len() as u64;
        let scan = self.scanner.find_in_text(Some(&job.path), data);
        if scan.truncated {
            out.stats.truncated_blobs += 1;
        }
        out.stats.inline_allowed += scan.inline_allowed as u64;
        if !scan.matches.is_empty() || !scan.allowed.is_empty() {
            let commit = self.commits[job.commit].id.to_string();
            let blob = job.blob.to_string();
            let place = Place {
                path: &job.path,
                commit: Some(&commit),
                blob: Some(&blob),
                line_offset: 0,
            };
            let allowed = self.scanner.allowed_findings(&scan, data, &place, self.key);
            for finding in self
                .scanner
                .findings(&scan, data, &place, self.key)
                .into_iter()
                .chain(allowed)
            {
                out.hashes
                    .entry(job.blob)
                    .or_default()
                    .insert(finding.secret_hash.clone());
                out.findings.push((job.order, finding));
            }
        }
        data.len() as u64
    }
}

/// The commit a revision names.
fn resolve_commit(repo: &gix::Repository, spec: &str) -> Result<ObjectId, String> {
    repo.rev_parse_single(spec)
        .map_err(|e| e.to_string())
        .and_then(|id| id.object().map_err(|e| e.to_string()))
        .and_then(|o| o.peel_to_commit().map_err(|e| e.to_string()))
        .map(|c| c.id)
}

/// The files (path → blob) of `commit`'s tree; unreadable subtrees are left out.
fn tree_files(repo: &gix::Repository, commit: ObjectId) -> HashMap<String, ObjectId> {
    let mut files = HashMap::new();
    let Some(tree) = repo
        .find_commit(commit)
        .ok()
        .and_then(|c| c.tree_id().ok())
        .map(|t| t.detach())
    else {
        return files;
    };
    let hash_kind = repo.object_hash();
    let mut stack = vec![(tree, String::new())];
    while let Some((id, prefix)) = stack.pop() {
        let Ok(object) = repo.find_object(id) else {
            continue;
        };
        for entry in gix::objs::TreeRefIter::from_bytes(&object.data, hash_kind).flatten() {
            let path = join(&prefix, entry.filename);
            if entry.mode.is_tree() {
                stack.push((entry.oid.to_owned(), path));
            } else if entry.mode.is_blob() {
                files.insert(path, entry.oid.to_owned());
            }
        }
    }
    files
}

/// The files of the commit `spec` names, or `None` when it does not resolve (unborn HEAD).
pub(crate) fn head_files(repo: &gix::Repository, spec: &str) -> Option<HashMap<String, ObjectId>> {
    resolve_commit(repo, spec).ok().map(|c| tree_files(repo, c))
}

/// Secret hashes of everything found in one blob.
fn secret_hashes_of(
    repo: &gix::Repository,
    scanner: &Scanner,
    path: &str,
    blob: ObjectId,
    key: &HashKey,
) -> HashSet<String> {
    let Ok(header) = repo.find_header(blob) else {
        return HashSet::new();
    };
    if header.size() > scanner.limits().max_file_bytes {
        return HashSet::new();
    }
    let Ok(object) = repo.find_object(blob) else {
        return HashSet::new();
    };
    let scan = scanner.find(Some(path), &object.data);
    scan.matches
        .iter()
        .chain(scan.allowed.iter().map(|(m, _)| m))
        .map(|m| hash_of(&object.data, m.secret.clone(), key))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ALNUM, GitRepo, pem, random};

    fn options() -> HistoryOptions {
        HistoryOptions {
            threads: 2,
            hash_key: HashKey([9; 32]),
            ..HistoryOptions::default()
        }
    }

    #[test]
    fn history_attributes_secrets_to_their_introducing_commit_and_tracks_head() {
        let repo = GitRepo::new();
        let aws = format!(
            "AKIA{}",
            random(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 500)
        );
        let github = format!("ghp_{}", random(ALNUM, 36, 501));
        let stripe = format!("sk_live_{}", random(ALNUM, 24, 502));
        let slack = format!(
            "xoxb-{}-{}-{}",
            random(b"0123456789", 11, 503),
            random(b"0123456789", 12, 504),
            random(ALNUM, 24, 505)
        );
        let key = pem("RSA", 506);
        let planted = [&aws, &github, &stripe, &slack, &key];

        repo.write("README.md", "# demo\n");
        let root = repo.commit("root");
        repo.write(
            "config/settings.py",
            &format!("DEBUG = True\nAWS_KEY = \"{aws}\"\n"),
        );
        repo.write(".env", &format!("GITHUB_TOKEN={github}\nLOG=debug\n"));
        let introducing = repo.commit("add config");
        // The same blob at a second path is scanned once and keeps its first place.
        repo.write(
            "config/copy.py",
            &format!("DEBUG = True\nAWS_KEY = \"{aws}\"\n"),
        );
        repo.write("keys/deploy.pem", &key);
        let copy = repo.commit("copy config, add key");
        // The GitHub token is deleted; the AWS key moves down a line but stays.
        repo.write(".env", "GITHUB_TOKEN=${GITHUB_TOKEN}\nLOG=debug\n");
        repo.write(
            "config/settings.py",
            &format!("DEBUG = False\nTIMEOUT = 3\nAWS_KEY = \"{aws}\"\n"),
        );
        repo.git(&["rm", "-q", "keys/deploy.pem"]);
        repo.commit("remove token and key");
        // A branch never merged still counts (every ref is walked).
        repo.git(&["checkout", "-q", "-b", "feature"]);
        repo.write("pay.rb", &format!("Stripe.api_key = '{stripe}'\n"));
        let feature = repo.commit("stripe");
        repo.git(&["checkout", "-q", "main"]);
        // A merged branch: the secret comes from the second parent's commit.
        repo.git(&["checkout", "-q", "-b", "topic"]);
        repo.write("notify.sh", &format!("SLACK={slack}\n"));
        let topic = repo.commit("slack");
        repo.git(&["checkout", "-q", "main"]);
        repo.write("docs.md", "docs\n");
        repo.commit("docs");
        repo.git(&["merge", "-q", "--no-ff", "-m", "merge topic", "topic"]);

        let scanner = Scanner::builtin().expect("rules");
        let scan = scan_history(repo.path(), &scanner, &options()).expect("scan");
        let found: Vec<(&str, &str, &str, u32, bool)> = scan
            .findings
            .iter()
            .map(|f| {
                (
                    f.rule_id.as_str(),
                    f.path.as_str(),
                    f.commit.as_deref().unwrap_or(""),
                    f.line,
                    f.present_at_head,
                )
            })
            .collect();
        assert_eq!(
            found,
            vec![
                ("github-pat", ".env", introducing.as_str(), 1, false),
                (
                    "aws-access-key-id",
                    "config/settings.py",
                    introducing.as_str(),
                    2,
                    true
                ),
                ("private-key", "keys/deploy.pem", copy.as_str(), 1, false),
                (
                    "aws-access-key-id",
                    "config/settings.py",
                    found_commit(&scan, 3),
                    3,
                    true
                ),
                ("stripe-api-key", "pay.rb", feature.as_str(), 1, false),
                ("slack-token", "notify.sh", topic.as_str(), 1, true),
            ],
            "{:#?}",
            scan.findings
        );
        assert_ne!(root, introducing);
        assert_eq!(scan.stats.commits, 8);
        assert!(scan.missing.is_empty(), "{:?}", scan.missing);
        assert_eq!(scan.stats.known_blobs, 0);
        assert_eq!(scan.scanned_blobs.len() as u64, scan.stats.unique_blobs);
        // Same secret, same key: same hash.
        assert_eq!(scan.findings[1].secret_hash, scan.findings[3].secret_hash);
        // ... and the second version of settings.py is the same secret in the same file.
        let first: Vec<&str> = scan
            .first_occurrences()
            .iter()
            .map(|f| f.rule_id.as_str())
            .collect();
        assert_eq!(
            first,
            [
                "github-pat",
                "aws-access-key-id",
                "private-key",
                "stripe-api-key",
                "slack-token"
            ]
        );

        // No planted value anywhere in what the scan returns.
        let shown = format!("{scan:?}\n{}", serde_json::to_string(&scan).expect("json"));
        for secret in planted {
            assert!(!shown.contains(secret.as_str()), "leaked {}", &secret[..6]);
            let middle = &secret[secret.len() / 2 - 6..secret.len() / 2 + 6];
            assert!(!shown.contains(middle), "leaked part of {}", &secret[..6]);
        }

        // Incremental: nothing new, nothing read.
        let mut again = options();
        again.known_blobs = scan.scanned_blobs.iter().cloned().collect();
        let second = scan_history(repo.path(), &scanner, &again).expect("rescan");
        assert!(second.findings.is_empty());
        assert!(second.scanned_blobs.is_empty());
        assert_eq!(second.stats.known_blobs, scan.stats.unique_blobs);
        // A new secret in a new commit is the only thing read and found; the AWS key still at
        // HEAD in an already-scanned blob is re-checked for present_at_head.
        let npm = format!("npm_{}", random(ALNUM, 36, 507));
        repo.write(
            "config/settings.py",
            &format!("DEBUG = False\nTIMEOUT = 4\nAWS_KEY = \"{aws}\"\nNPM=\"{npm}\"\n"),
        );
        let last = repo.commit("npm");
        let third = scan_history(repo.path(), &scanner, &again).expect("incremental");
        let found: Vec<(&str, &str, bool)> = third
            .findings
            .iter()
            .map(|f| {
                (
                    f.rule_id.as_str(),
                    f.commit.as_deref().unwrap_or(""),
                    f.present_at_head,
                )
            })
            .collect();
        assert_eq!(
            found,
            vec![
                ("aws-access-key-id", last.as_str(), true),
                ("npm-access-token", last.as_str(), true)
            ]
        );
        assert_eq!(third.scanned_blobs.len(), 1);

        // Decided against another revision: at `copy` the GitHub token and the key were there.
        let mut at_copy = options();
        at_copy.head = Some(copy.clone());
        let then = scan_history(repo.path(), &scanner, &at_copy).expect("scan at copy");
        assert_eq!(then.head.as_deref(), Some(copy.as_str()));
        let present: Vec<(&str, bool)> = then
            .findings
            .iter()
            .map(|f| (f.rule_id.as_str(), f.present_at_head))
            .collect();
        assert_eq!(
            &present[..3],
            &[
                ("github-pat", true),
                ("aws-access-key-id", true),
                ("private-key", true)
            ]
        );

        // Only the given tips.
        let mut only_feature = options();
        only_feature.tips = vec!["feature".into()];
        let scoped = scan_history(repo.path(), &scanner, &only_feature).expect("tips");
        assert!(
            scoped
                .findings
                .iter()
                .all(|f| f.rule_id != "slack-token" && f.rule_id != "npm-access-token")
        );
        assert!(
            scoped
                .findings
                .iter()
                .any(|f| f.rule_id == "stripe-api-key")
        );
    }

    fn found_commit(scan: &HistoryScan, line: u32) -> &str {
        scan.findings
            .iter()
            .find(|f| f.line == line && f.rule_id == "aws-access-key-id")
            .and_then(|f| f.commit.as_deref())
            .unwrap_or("")
    }

    #[test]
    fn missing_blobs_are_recorded_and_skipped() {
        let repo = GitRepo::new();
        let github = format!("ghp_{}", random(ALNUM, 36, 600));
        repo.write("a.txt", &format!("token {github}\n"));
        repo.write("b.txt", "plain\n");
        repo.commit("two files");
        let blob = repo.git(&["rev-parse", "HEAD:a.txt"]);
        let loose = repo
            .path()
            .join(".git/objects")
            .join(&blob[..2])
            .join(&blob[2..]);
        std::fs::remove_file(loose).expect("loose object exists");
        let scanner = Scanner::builtin().expect("rules");
        let scan = scan_history(repo.path(), &scanner, &options()).expect("scan survives");
        assert!(scan.findings.is_empty());
        assert_eq!(scan.missing.len(), 1, "{:?}", scan.missing);
        assert_eq!(scan.missing[0].id, blob);
        assert_eq!(scan.missing[0].kind, "blob");
        assert!(!scan.scanned_blobs.contains(&blob));
        assert_eq!(scan.scanned_blobs.len(), 1);
    }

    #[test]
    fn bad_revisions_and_non_repositories_are_errors() {
        let scanner = Scanner::builtin().expect("rules");
        let empty = tempfile::tempdir().expect("tmp");
        assert!(matches!(
            scan_history(empty.path(), &scanner, &options()),
            Err(SecretsError::NotARepository { .. })
        ));
        let repo = GitRepo::new();
        repo.write("a", "a\n");
        repo.commit("a");
        let mut bad = options();
        bad.tips = vec!["no-such-branch".into()];
        assert!(matches!(
            scan_history(repo.path(), &scanner, &bad),
            Err(SecretsError::Git { .. })
        ));
        let mut bad_head = options();
        bad_head.head = Some("no-such-tag".into());
        assert!(matches!(
            scan_history(repo.path(), &scanner, &bad_head),
            Err(SecretsError::Git { .. })
        ));
    }

    #[test]
    fn topological_order_puts_parents_first_whatever_the_clocks_say() {
        let id = |n: u8| ObjectId::from_bytes_or_panic(&[n; 20]);
        // 0 <- 1 <- 2, and 1 has a clock behind its parent.
        let commits = vec![
            CommitNode {
                id: id(1),
                tree: id(9),
                parents: vec![],
                time: 100,
            },
            CommitNode {
                id: id(2),
                tree: id(9),
                parents: vec![0],
                time: 50,
            },
            CommitNode {
                id: id(3),
                tree: id(9),
                parents: vec![1],
                time: 200,
            },
            CommitNode {
                id: id(4),
                tree: id(9),
                parents: vec![],
                time: 10,
            },
        ];
        assert_eq!(topological_order(&commits), vec![3, 0, 1, 2]);
    }

    /// Packed objects are read by devspm-git's pack reader, loose ones by gitoxide: the same
    /// history gives the same scan either way, size limit included.
    #[test]
    fn a_packed_history_scans_like_a_loose_one() {
        let repo = GitRepo::new();
        let mut text = String::new();
        for n in 0..40 {
            text.push_str(&format!("line {n} of a growing config file\n"));
            if n % 10 == 3 {
                text.push_str(&format!("TOKEN_{n}=ghp_{}\n", random(ALNUM, 36, 700 + n)));
            }
            repo.write("config.env", &text);
            repo.write("notes.txt", &text.repeat(3));
            repo.commit(&format!("version {n}"));
        }
        let limits = crate::Limits {
            max_file_bytes: 4000,
            max_matches_per_file: 10,
        };
        let scanner =
            Scanner::new(&crate::RuleConfig::builtin().expect("rules"), limits).expect("compiles");
        let summary = |scan: &HistoryScan| {
            let found: Vec<(String, String, u32, String)> = scan
                .findings
                .iter()
                .map(|f| {
                    (
                        f.path.clone(),
                        f.commit.clone().unwrap_or_default(),
                        f.line,
                        f.secret_hash.clone(),
                    )
                })
                .collect();
            (
                found,
                scan.scanned_blobs.clone(),
                scan.oversized.clone(),
                scan.stats.clone(),
            )
        };
        let loose = scan_history(repo.path(), &scanner, &options()).expect("loose scan");
        repo.git(&["gc", "-q", "--aggressive"]);
        let packed = scan_history(repo.path(), &scanner, &options()).expect("packed scan");
        assert_eq!(summary(&loose), summary(&packed));
        // Four tokens, each in both files.
        assert_eq!(loose.first_occurrences().len(), 8);
        assert!(!packed.oversized.is_empty());
        assert!(packed.missing.is_empty(), "{:?}", packed.missing);
    }

    #[test]
    fn oversized_and_binary_blobs_are_counted_not_searched() {
        let repo = GitRepo::new();
        let token = format!("ghp_{}", random(ALNUM, 36, 650));
        repo.write("big.txt", &format!("{}\n{token}\n", "x".repeat(4096)));
        repo.write("blob.bin", &format!("\0\0{token}\n"));
        repo.write("small.txt", "hello\n");
        repo.commit("files");
        let limits = crate::Limits {
            max_file_bytes: 1024,
            max_matches_per_file: 10,
        };
        let scanner =
            Scanner::new(&crate::RuleConfig::builtin().expect("rules"), limits).expect("compiles");
        let scan = scan_history(repo.path(), &scanner, &options()).expect("scan");
        assert!(scan.findings.is_empty());
        assert_eq!(
            (scan.stats.oversized_blobs, scan.stats.binary_blobs),
            (1, 1)
        );
        assert_eq!(scan.stats.blobs_scanned, 1);
        // Oversized blobs are not recorded as scanned (a later run with a higher limit reads
        // them); binary ones are.
        assert_eq!(scan.scanned_blobs.len(), 2);
        assert!(
            scan.warnings.iter().any(|w| w.contains("big.txt")),
            "{:?}",
            scan.warnings
        );
        let big = repo.git(&["rev-parse", "HEAD:big.txt"]);
        assert_eq!(
            scan.oversized,
            [OversizedBlob {
                id: big,
                path: "big.txt".into(),
                commit: repo.git(&["rev-parse", "HEAD"]),
                size: 4096 + 1 + 41,
                base: None,
            }]
        );
    }

    #[test]
    fn secrets_allowed_inline_are_findings_that_carry_their_marker() {
        let repo = GitRepo::new();
        let token = format!("ghp_{}", random(ALNUM, 36, 700));
        repo.write(
            "src/client.py",
            &format!("TOKEN = \"{token}\"  # gitleaks:allow\n"),
        );
        let added = repo.commit("add the client");
        let scanner = Scanner::builtin().expect("rules");
        let scan = scan_history(repo.path(), &scanner, &options()).expect("scan");
        assert_eq!(scan.findings.len(), 1, "{:?}", scan.findings);
        let f = &scan.findings[0];
        assert_eq!(f.inline_marker, Some("gitleaks:allow"));
        assert_eq!((f.path.as_str(), f.line), ("src/client.py", 1));
        assert_eq!(f.commit.as_deref(), Some(added.as_str()));
        assert!(f.present_at_head);
        assert_eq!(scan.stats.inline_allowed, 1);
        // Never the value: only its keyed hash and a redacted preview.
        assert!(!f.preview.contains(&token[4..]));
    }
}
