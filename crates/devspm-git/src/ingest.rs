//! Incremental history ingest: walk what is new, read it in parallel, emit events in batches,
//! then reconcile the refs (moves, deletions, rewrites) against what was recorded before.
//!
//! Threads: one walker produces commit ids not yet recorded; `threads` readers decode and diff
//! them (the costly part); the calling thread assigns aliases, builds events and hands batches
//! to the sink, which appends them to the ledger. Each batch is one ledger transaction, so a
//! killed ingest loses at most the batch in flight, and the next run records it again: commits
//! already recorded are skipped by id, and ref tips are only recorded after every commit below
//! them is, so the next walk starts from the last complete state.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use devspm_core::bytes::GitBytes;
use devspm_core::commit::parse_ident;
use devspm_core::event::{
    CommitRecorded, HistoryRewritten, IngestGap, PersonTime, RefDeleted, RefUpdated,
    RepositoryRegistered, TrailerRecord,
};
use devspm_core::identity::AliasBook;
use devspm_core::{Attachment, NewEvent, Payload};
use gix::ObjectId;

use crate::GitError;
use crate::facts::{CommitFacts, LineCounts, RawPerson, Reader};
use crate::graph::ParentGraph;
use crate::repo::Repo;

/// What the ledger already holds about a repository.
#[derive(Default, Debug)]
pub struct KnownHistory {
    pub registered: bool,
    /// Refs (full name) and targets recorded at the last complete ingest.
    pub refs: Vec<(GitBytes, String)>,
    /// Gaps already recorded, as `what/object`.
    pub gaps: HashSet<String>,
    /// `.mailmap` links already recorded with their line, as `(alias, canonical)`: their line
    /// is not blamed again.
    pub mailmap_links: HashSet<(String, String)>,
}

/// The commits already recorded for a repository. Loaded only when something changed, so that
/// re-ingesting an unchanged repository costs a ref listing, not a read of its whole history.
#[derive(Default, Debug)]
pub struct RecordedCommits {
    /// Recorded commits (hex id) and their parents.
    pub commits: HashMap<String, Vec<String>>,
    /// Recorded commits currently marked unreachable from every ref.
    pub lost: HashSet<String>,
}

/// How to ingest.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    /// Only these refs (full names like `refs/heads/main`, short names like `main`, or prefixes
    /// ending in `*`); empty means every ref, as `git rev-list --all` sees them.
    pub refs: Vec<String>,
    /// Reader threads.
    pub threads: usize,
    /// Commits per ledger transaction.
    pub batch_size: usize,
    /// Replaces secrets in commit messages before they are hashed and stored (see
    /// [`crate::MessageFilter`]); `None` keeps messages as they are.
    pub message_filter: Option<Arc<dyn crate::MessageFilter>>,
    /// Blobs larger than this (bytes) are not read: their lines are not counted, and each is
    /// recorded as a `blob_too_large` gap with its size. Keeps memory bounded whatever a
    /// repository holds (one 1.5 GB file used to cost 3 GB).
    pub max_blob_bytes: u64,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            refs: Vec::new(),
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            batch_size: 2000,
            message_filter: None,
            max_blob_bytes: devspm_core::config::DEFAULT_MAX_BLOB_BYTES,
        }
    }
}

/// Receives progress; every method has a silent default.
pub trait Progress: Sync {
    /// Commits found by the walk so far that need reading.
    fn walked(&self, _new_commits: u64) {}
    /// Commits read and handed to the ledger so far.
    fn recorded(&self, _commits: u64) {}
}

/// A progress receiver that ignores everything.
pub struct NoProgress;
impl Progress for NoProgress {}

/// What an ingest did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct IngestReport {
    pub repo: String,
    pub name: String,
    pub path: String,
    /// Commits read and recorded by this run.
    pub new_commits: u64,
    pub refs: u64,
    pub refs_updated: u64,
    pub refs_deleted: u64,
    pub history_rewrites: u64,
    /// Gaps recorded by this run (objects that could not be read, shallow boundaries).
    pub new_gaps: u64,
    pub elapsed_seconds: f64,
}

/// gitoxide's delta-base cache shared by the reader threads (see
/// [`crate::repo::SharedPackCache`]). Small: commits, trees and blobs come from
/// [`crate::packread`]; this serves only objects read through gitoxide (loose ones, and
/// anything the pack reader declined).
const PACK_CACHE_BYTES: usize = 8 << 20;

/// Cache of objects decoded straight from the packs (see [`crate::packread`]); measured on
/// git/git: 64 MB 19.2–20.1 s, 80 MB 18.6–18.8 s, 96 MB 18.1–18.7 s at peak RSS 343, 364–369
/// and 386–392 MB.
const OBJECT_CACHE_BYTES: usize = 80 << 20;

/// Payload bytes after which a batch is handed to the ledger even if it has fewer commits.
const BATCH_BYTES: usize = 4 << 20;

/// Commits read between two releases of the resident pages of mapped pack files (on git/git:
/// every 500 commits, peak RSS 411 MB; every 100, 392 MB for 0.3 s more system time).
const RELEASE_EVERY: usize = 200;

/// Commits per unit of reader work. Small units keep the readers on neighbouring commits,
/// which share delta bases in the shared cache.
const WORK_BATCH: usize = 64;

enum Msg {
    /// Events for a batch of commits, and each commit's id and parents for the graph.
    Built {
        events: Vec<NewEvent>,
        commits: Vec<(String, Vec<String>)>,
    },
    Walked(u64),
}

/// Ingests `repo`: new commits, ref changes and rewrites, as events handed to `sink` in batches.
pub fn ingest(
    repo: &Repo,
    known: KnownHistory,
    load_commits: &mut dyn FnMut() -> Result<RecordedCommits, String>,
    aliases: &mut AliasBook,
    options: &IngestOptions,
    progress: &dyn Progress,
    sink: &mut (dyn FnMut(Vec<NewEvent>) -> Result<(), String> + Send),
) -> Result<IngestReport, GitError> {
    let started = Instant::now();
    let read_err = |reason: String| GitError::Read {
        path: repo.path.display().to_string(),
        reason,
    };
    let mut local = repo.inner.to_thread_local();
    local.object_cache_size_if_unset(16 << 20);
    let mut report = IngestReport {
        repo: repo.id.clone(),
        name: repo.name.clone(),
        path: repo.path.display().to_string(),
        ..IngestReport::default()
    };
    // Aliases whose personal data the ledger already holds (see `PiiPlacement`).
    let mut placement = PiiPlacement {
        handed_over: aliases.entries().into_iter().map(|(id, _, _)| id).collect(),
    };
    let builder = EventBuilder {
        repo_id: repo.id.clone(),
        aliases: Mutex::new(aliases),
        known_gaps: Mutex::new(known.gaps),
        new_gaps: AtomicU64::new(0),
        mailmap_commits: Mutex::new(Vec::new()),
        message_filter: options.message_filter.clone(),
    };
    let mut pending: Vec<NewEvent> = Vec::new();
    if !known.registered {
        let payload = RepositoryRegistered {
            repo: repo.id.clone(),
            name: repo.name.clone(),
            locator: repo.locator.clone(),
        };
        pending.push(NewEvent::new(
            format!("repo/{}", repo.id),
            "devspm:git-ingest",
            format!("repo:{}", repo.id),
            payload,
        ));
    }

    // Refs now, and what changed since the last complete ingest.
    let current = current_refs(&local, &options.refs, &builder, &mut pending);
    report.refs = current.len() as u64;
    let recorded: BTreeMap<GitBytes, String> = known
        .refs
        .into_iter()
        .filter(|(name, _)| ref_selected(name, &options.refs))
        .collect();
    let changed: Vec<(GitBytes, ObjectId)> = current
        .iter()
        .filter(|(name, target)| recorded.get(name) != Some(&target.to_string()))
        .cloned()
        .collect();
    let current_names: HashSet<&GitBytes> = current.iter().map(|(n, _)| n).collect();
    let deleted: Vec<(GitBytes, String)> = recorded
        .iter()
        .filter(|(name, _)| !current_names.contains(name))
        .map(|(n, t)| (n.clone(), t.clone()))
        .collect();
    // A clone deepened since the last ingest (`git fetch --unshallow`) has history below the
    // recorded boundary without any ref moving: walk everything again, skipping what is known.
    let shallow_now: HashSet<String> = local
        .shallow_commits()
        .ok()
        .flatten()
        .map(|c| c.iter().map(ToString::to_string).collect())
        .unwrap_or_default();
    let deepened = builder
        .recorded_boundaries()
        .iter()
        .any(|b| !shallow_now.contains(b));
    // Likewise when a replace ref appears, moves or goes away: what git sees as history changes
    // without any branch moving.
    let replacements_changed = changed
        .iter()
        .map(|(name, _)| name)
        .chain(deleted.iter().map(|(name, _)| name))
        .any(|name| name.0.starts_with(b"refs/replace/"));
    let deepened = deepened || replacements_changed;
    let changed: Vec<(GitBytes, ObjectId)> = if deepened { current.clone() } else { changed };
    if changed.is_empty() && deleted.is_empty() {
        // Links recorded without their line (by an older devspm) get it now.
        let mut links = builder.mailmap_links(repo, &local, &known.mailmap_links, None);
        placement.place(&mut links, &builder);
        pending.extend(links);
        if !pending.is_empty() {
            sink(pending).map_err(|reason| sink_err(repo, reason))?;
        }
        report.new_gaps = builder.new_gaps.load(Ordering::Relaxed);
        report.elapsed_seconds = started.elapsed().as_secs_f64();
        return Ok(report);
    }

    let recorded_commits = load_commits().map_err(|reason| sink_err(repo, reason))?;
    let known_ids: HashSet<ObjectId> = recorded_commits
        .commits
        .keys()
        .filter_map(|hex| ObjectId::from_hex(hex.as_bytes()).ok())
        .collect();
    let mut graph = ParentGraph::new(recorded_commits.commits);
    let hidden: Vec<ObjectId> = recorded
        .values()
        .filter(|_| !deepened)
        .filter_map(|hex| ObjectId::from_hex(hex.as_bytes()).ok())
        .filter(|id| known_ids.contains(id) && local.has_object(id))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let tips: Vec<ObjectId> = changed
        .iter()
        .map(|(_, id)| *id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();

    // Walk and read in parallel; build and sink events here.
    let threads = options.threads.max(1);
    let batch_size = options.batch_size.max(1);
    let shared = &repo.inner;
    let mut sink_failure: Option<String> = None;
    let counts = LineCounts::default();
    let pack_cache = crate::repo::SharedPackCache::new(PACK_CACHE_BYTES);
    let walk_cache = crate::repo::SharedPackCache::new(4 << 20);
    let packs = crate::packread::PackObjects::open(
        &local,
        crate::repo::mb_from_env("DEVSPM_DECODED_CACHE_MB").unwrap_or(OBJECT_CACHE_BYTES),
    );
    std::thread::scope(|scope| -> Result<(), GitError> {
        let (work_tx, work_rx) = sync_channel::<Vec<ObjectId>>(threads * 4);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (msg_tx, msg_rx) = sync_channel::<Msg>(threads * 4);
        {
            let msg_tx = msg_tx.clone();
            let known_ids = &known_ids;
            let plan = WalkPlan {
                tips: tips.clone(),
                hidden: hidden.clone(),
                known: known_ids,
                builder: &builder,
                pack_cache: &walk_cache,
                packs: &packs,
            };
            std::thread::Builder::new()
                .name("devspm-walk".into())
                .spawn_scoped(scope, move || walk(shared, plan, work_tx, msg_tx))
                .map_err(|e| read_err(format!("cannot start the history walker: {e}")))?;
        }
        for n in 0..threads {
            let msg_tx = msg_tx.clone();
            let work_rx = Arc::clone(&work_rx);
            let builder = &builder;
            let counts = &counts;
            let caches = (&pack_cache, &packs);
            let max_blob_bytes = options.max_blob_bytes;
            std::thread::Builder::new()
                .name(format!("devspm-read-{n}"))
                .spawn_scoped(scope, move || {
                    read_commits(
                        shared,
                        work_rx,
                        msg_tx,
                        builder,
                        counts,
                        caches,
                        max_blob_bytes,
                    )
                })
                .map_err(|e| read_err(format!("cannot start a reader thread: {e}")))?;
        }
        drop(msg_tx);
        // The ledger writes on its own thread while the next batch is assembled here, so the
        // readers never wait for a transaction to commit.
        let (batch_tx, batch_rx) = sync_channel::<Vec<NewEvent>>(1);
        let writer_sink = &mut *sink;
        let writer = std::thread::Builder::new()
            .name("devspm-write".into())
            .spawn_scoped(scope, move || -> Result<(), String> {
                for batch in batch_rx {
                    writer_sink(batch)?;
                }
                Ok(())
            })
            .map_err(|e| read_err(format!("cannot start the ledger writer: {e}")))?;
        let mut events: Vec<NewEvent> = std::mem::take(&mut pending);
        let mut commits_in_batch = 0usize;
        let mut bytes_in_batch = 0usize;
        let mut since_release = 0usize;
        for msg in msg_rx.iter() {
            match msg {
                Msg::Walked(n) => progress.walked(n),
                Msg::Built {
                    events: mut built,
                    commits,
                } => {
                    placement.place(&mut built, &builder);
                    bytes_in_batch += built.iter().map(|e| e.payload_json.len()).sum::<usize>();
                    events.extend(built);
                    commits_in_batch += commits.len();
                    since_release += commits.len();
                    report.new_commits += commits.len() as u64;
                    for (id, parents) in commits {
                        graph.insert(id, parents);
                    }
                }
            }
            // Pages of the pack read for these commits are in the OS page cache; the process
            // need not keep them resident (see `mapped`).
            if since_release >= RELEASE_EVERY {
                crate::mapped::release();
                since_release = 0;
            }
            // A batch ends after `batch_size` commits, or earlier when big merges make it
            // heavy: memory stays bounded whatever the history looks like.
            if commits_in_batch >= batch_size || bytes_in_batch >= BATCH_BYTES {
                if batch_tx.send(std::mem::take(&mut events)).is_err() {
                    // The writer stopped on an error; it is reported below.
                    break;
                }
                progress.recorded(report.new_commits);
                commits_in_batch = 0;
                bytes_in_batch = 0;
            }
        }
        drop(batch_tx);
        match writer.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => sink_failure = Some(e),
            Err(_) => sink_failure = Some("the ledger writer thread panicked".into()),
        }
        // Dropping the receiver stops the readers and, through them, the walker.
        drop(msg_rx);
        pending = events;
        Ok(())
    })?;
    if let Some(reason) = sink_failure {
        return Err(sink_err(repo, reason));
    }

    // Mailmap links for every alias known so far (a .mailmap change can link old aliases too).
    let mut links = builder.mailmap_links(repo, &local, &known.mailmap_links, Some(&graph));
    placement.place(&mut links, &builder);
    pending.extend(links);

    // Refs last: a recorded tip promises that everything below it is recorded.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let all_tips: Vec<String> = current.iter().map(|(_, t)| t.to_string()).collect();
    let mut reachable_from_all: Option<HashSet<&str>> = None;
    let mut ref_events = Vec::new();
    let mut lost_now = recorded_commits.lost;
    for (name, target) in &changed {
        let target = target.to_string();
        let previous = recorded.get(name).cloned();
        let shown = key_part(name);
        let restored: Vec<String> = if lost_now.is_empty() {
            Vec::new()
        } else {
            let reach = graph.reachable([target.as_str()]);
            let mut back: Vec<String> = lost_now
                .iter()
                .filter(|id| reach.contains(id.as_str()))
                .cloned()
                .collect();
            back.sort();
            for id in &back {
                lost_now.remove(id);
            }
            back
        };
        if let Some(old) = previous.as_ref().filter(|old| *old != &target)
            && !graph.is_ancestor(old, &target)
        {
            let keep_ref = graph.reachable([target.as_str()]);
            let unreachable = graph.unreachable_after(old, &keep_ref);
            let all = reachable_from_all
                .get_or_insert_with(|| graph.reachable(all_tips.iter().map(String::as_str)));
            let lost = unreachable
                .iter()
                .filter(|id| !all.contains(id.as_str()))
                .cloned()
                .collect();
            let payload = HistoryRewritten {
                repo: repo.id.clone(),
                name: name.clone(),
                old_tip: old.clone(),
                new_tip: target.clone(),
                unreachable,
                lost,
            };
            ref_events.push(NewEvent::new(
                format!("rewrite/{}/{shown}/{old}..{target}/{nanos}", repo.id),
                "devspm:git-ingest",
                format!("ref:{}/{shown}", repo.id),
                payload,
            ));
            report.history_rewrites += 1;
        }
        if previous.as_ref() == Some(&target) && restored.is_empty() {
            // Re-walked only because the clone was deepened: the ref itself did not move.
            continue;
        }
        let payload = RefUpdated {
            repo: repo.id.clone(),
            name: name.clone(),
            target: target.clone(),
            previous,
            restored,
        };
        ref_events.push(NewEvent::new(
            format!("ref/{}/{shown}@{target}/{nanos}", repo.id),
            "devspm:git-ingest",
            format!("ref:{}/{shown}", repo.id),
            payload,
        ));
        report.refs_updated += 1;
    }
    for (name, old) in &deleted {
        let shown = key_part(name);
        let all = reachable_from_all
            .get_or_insert_with(|| graph.reachable(all_tips.iter().map(String::as_str)));
        let payload = RefDeleted {
            repo: repo.id.clone(),
            name: name.clone(),
            previous: old.clone(),
            lost: graph.unreachable_after(old, all),
        };
        ref_events.push(NewEvent::new(
            format!("ref-deleted/{}/{shown}@{old}/{nanos}", repo.id),
            "devspm:git-ingest",
            format!("ref:{}/{shown}", repo.id),
            payload,
        ));
        report.refs_deleted += 1;
    }
    pending.extend(ref_events);
    sink(pending).map_err(|reason| sink_err(repo, reason))?;
    progress.recorded(report.new_commits);
    report.new_gaps = builder.new_gaps.load(Ordering::Relaxed);
    report.elapsed_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// A ref name as it appears in event keys and subjects: the name itself when it is UTF-8,
/// else `hex:` and its bytes, so that two names differing only in invalid bytes stay distinct.
fn key_part(name: &GitBytes) -> String {
    if name.is_utf8() {
        name.to_lossy()
    } else {
        format!("hex:{}", devspm_core::hex::encode(&name.0))
    }
}

fn sink_err(repo: &Repo, reason: String) -> GitError {
    GitError::Sink {
        path: repo.path.display().to_string(),
        reason,
    }
}

/// Whether a ref name is selected by the `--ref` patterns (empty: all).
fn ref_selected(name: &GitBytes, patterns: &[String]) -> bool {
    if patterns.is_empty() {
        return true;
    }
    let name = name.to_lossy();
    patterns.iter().any(|p| {
        if let Some(prefix) = p.strip_suffix('*') {
            name.starts_with(prefix)
                || ["refs/heads/", "refs/tags/", "refs/remotes/"]
                    .iter()
                    .any(|ns| name.starts_with(&format!("{ns}{prefix}")))
        } else {
            name == *p
                || ["refs/heads/", "refs/tags/", "refs/remotes/"]
                    .iter()
                    .any(|ns| name == format!("{ns}{p}"))
        }
    })
}

/// Every ref (and a detached HEAD) peeled to a commit, like `git rev-list --all`.
fn current_refs(
    repo: &gix::Repository,
    patterns: &[String],
    builder: &EventBuilder<'_>,
    pending: &mut Vec<NewEvent>,
) -> Vec<(GitBytes, ObjectId)> {
    let mut out = Vec::new();
    match repo.head() {
        Ok(head) if head.is_detached() => {
            if let Some(id) = head.id() {
                let name = GitBytes::from("HEAD");
                if ref_selected(&name, patterns) {
                    out.push((name, id.detach()));
                }
            }
        }
        _ => {}
    }
    // Detached HEADs of linked worktrees are part of `git rev-list --all` too.
    if let Ok(worktrees) = repo.worktrees() {
        for proxy in worktrees {
            let Ok(id) = proxy.id().map(|id| id.to_string()) else {
                continue;
            };
            let Ok(worktree) = proxy.into_repo_with_possibly_inaccessible_worktree() else {
                continue;
            };
            if let Ok(head) = worktree.head()
                && head.is_detached()
                && let Some(target) = head.id()
            {
                let name = GitBytes(format!("worktrees/{id}/HEAD").into_bytes());
                if ref_selected(&name, patterns) {
                    out.push((name, target.detach()));
                }
            }
        }
    }
    let platform = match repo.references() {
        Ok(p) => p,
        Err(e) => {
            pending.extend(builder.gap("unreadable_ref", "refs".into(), e.to_string()));
            return out;
        }
    };
    let iter = match platform.all() {
        Ok(i) => i,
        Err(e) => {
            pending.extend(builder.gap("unreadable_ref", "refs".into(), e.to_string()));
            return out;
        }
    };
    for reference in iter {
        let mut reference = match reference {
            Ok(r) => r,
            Err(e) => {
                pending.extend(builder.gap("unreadable_ref", "refs".into(), e.to_string()));
                continue;
            }
        };
        let name = GitBytes(reference.name().as_bstr().to_vec());
        if !ref_selected(&name, patterns) {
            continue;
        }
        match reference.peel_to_commit() {
            Ok(commit) => out.push((name, commit.id)),
            Err(e) => {
                // Tags of trees or blobs are not history; a dangling ref is a gap.
                let peeled = reference.peel_to_id();
                let points_elsewhere = peeled
                    .ok()
                    .and_then(|id| id.object().ok())
                    .is_some_and(|o| o.kind != gix::object::Kind::Commit);
                if !points_elsewhere {
                    pending.extend(builder.gap("unreadable_ref", name.to_lossy(), e.to_string()));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// What the walker needs besides the channels.
struct WalkPlan<'a> {
    tips: Vec<ObjectId>,
    hidden: Vec<ObjectId>,
    known: &'a HashSet<ObjectId>,
    builder: &'a EventBuilder<'a>,
    pack_cache: &'a crate::repo::SharedPackCache,
    packs: &'a crate::packread::PackObjects,
}

/// The walker: new commits reachable from `tips` and not from `hidden`, in batches.
///
/// gix's walk is fast but stops at a commit it cannot parse (a malformed author line written
/// by some old tool) without saying which. When that happens, a second, tolerant walk reads
/// parent lines straight from the commit objects, so every reachable commit is still found and
/// anything unreadable is recorded as a gap naming the commit.
fn walk(
    shared: &gix::ThreadSafeRepository,
    plan: WalkPlan<'_>,
    work: SyncSender<Vec<ObjectId>>,
    msgs: SyncSender<Msg>,
) {
    let gap = |object: String, detail: String| {
        let events = plan
            .builder
            .gap("missing_commit", object, detail)
            .into_iter()
            .collect();
        let _ = msgs.send(Msg::Built {
            events,
            commits: Vec::new(),
        });
    };
    let repo = crate::repo::reader_handle(shared, 0, plan.pack_cache);
    let mut batch = Vec::with_capacity(WORK_BATCH);
    let mut sent: HashSet<ObjectId> = HashSet::new();
    let mut walked = 0u64;
    let mut send = |id: ObjectId, batch: &mut Vec<ObjectId>| -> bool {
        if plan.known.contains(&id) || !sent.insert(id) {
            return true;
        }
        batch.push(id);
        walked += 1;
        if batch.len() == WORK_BATCH {
            if work
                .send(std::mem::replace(batch, Vec::with_capacity(WORK_BATCH)))
                .is_err()
            {
                return false;
            }
            let _ = msgs.send(Msg::Walked(walked));
        }
        true
    };
    let shallow = crate::repo::shallow_commits(&repo);
    let mut failed = false;
    // Whether our own walk (below) read every commit it reached; if not, gitoxide's walk runs too.
    let mut complete = false;
    if plan.hidden.is_empty() {
        // A first (or re-deepened) walk covers the whole history: walk it here, reading commits
        // through the readers' cache, so that each commit is inflated once, not once by the
        // walk and again by its reader (8% of a first ingest's CPU on a repository of small
        // commits). Incremental walks, with hidden tips, stay with gitoxide's walk below, and
        // so does a walk that met an unreadable commit: gitoxide reads parents from the
        // commit-graph too, where a damaged commit object's parents may still be listed.
        let mut unreadable = false;
        let mut scratch = crate::packread::Scratch::default();
        let mut read = |id: ObjectId| -> Result<(i64, Vec<ObjectId>), String> {
            let data = match plan.packs.object(&id, &mut scratch) {
                Some((gix::object::Kind::Commit, data)) => data,
                Some((kind, _)) => {
                    return Err(format!("a parent link points at a {kind}, not a commit"));
                }
                None => match repo.find_object(id) {
                    Ok(object) if object.kind == gix::object::Kind::Commit => {
                        std::sync::Arc::new(object.data.clone())
                    }
                    Ok(object) => {
                        return Err(format!(
                            "a parent link points at a {}, not a commit",
                            object.kind
                        ));
                    }
                    Err(e) => return Err(format!("commit object cannot be read: {e}")),
                },
            };
            let parents = if shallow.contains(&id) {
                Vec::new()
            } else {
                crate::facts::raw_parents(&data)
            };
            Ok((crate::facts::raw_commit_time(&data), parents))
        };
        // Newest first by commit time, as `git log` walks (see below); parents are read when
        // first seen, so the queue is ordered by their own time.
        let mut seen: HashSet<ObjectId> = HashSet::new();
        let mut queue = std::collections::BinaryHeap::new();
        for tip in &plan.tips {
            if seen.insert(*tip) {
                match read(*tip) {
                    Ok((time, parents)) => queue.push((time, *tip, parents)),
                    Err(detail) => {
                        unreadable = true;
                        gap(tip.to_string(), detail);
                    }
                }
            }
        }
        while let Some((_, id, parents)) = queue.pop() {
            if !send(id, &mut batch) {
                return;
            }
            for parent in parents {
                if seen.insert(parent) {
                    match read(parent) {
                        Ok((time, grandparents)) => queue.push((time, parent, grandparents)),
                        Err(detail) => {
                            unreadable = true;
                            gap(parent.to_string(), detail);
                        }
                    }
                }
            }
        }
        complete = !unreadable;
    }
    if !complete {
        match repo
            .rev_walk(plan.tips.clone())
            .with_hidden(plan.hidden.clone())
            // Newest first by commit time, as `git log` walks: consecutive commits then touch
            // consecutive versions of the same files, whose delta bases are still in the shared
            // cache (measured on git/git: -40% CPU against gix's default breadth-first order).
            .sorting(gix::revision::walk::Sorting::ByCommitTime(
                Default::default(),
            ))
            .all()
        {
            Ok(commits) => {
                for info in commits {
                    match info {
                        Ok(info) => {
                            if !send(info.id, &mut batch) {
                                return;
                            }
                        }
                        Err(_) => {
                            failed = true;
                            break;
                        }
                    }
                }
            }
            Err(_) => failed = true,
        }
    }
    if failed {
        let stop: HashSet<ObjectId> = plan.hidden.iter().copied().collect();
        let mut visited: HashSet<ObjectId> = HashSet::new();
        let mut stack = plan.tips.clone();
        while let Some(id) = stack.pop() {
            if stop.contains(&id) || !visited.insert(id) {
                continue;
            }
            match repo.find_object(id) {
                Ok(object) if object.kind == gix::object::Kind::Commit => {
                    if !shallow.contains(&id) {
                        stack.extend(crate::facts::raw_parents(&object.data));
                    }
                    if !send(id, &mut batch) {
                        return;
                    }
                }
                Ok(object) => gap(
                    id.to_string(),
                    format!("a parent link points at a {}, not a commit", object.kind),
                ),
                Err(e) => gap(id.to_string(), format!("commit object cannot be read: {e}")),
            }
        }
    }
    if !batch.is_empty() {
        let _ = work.send(batch);
    }
    let _ = msgs.send(Msg::Walked(walked));
}

/// A reader thread: decode and diff commits, and build their events, until the walker is done.
fn read_commits(
    shared: &gix::ThreadSafeRepository,
    work: Arc<Mutex<Receiver<Vec<ObjectId>>>>,
    msgs: SyncSender<Msg>,
    builder: &EventBuilder<'_>,
    counts: &LineCounts,
    (pack_cache, packs): (&crate::repo::SharedPackCache, &crate::packread::PackObjects),
    max_blob_bytes: u64,
) {
    let repo = crate::repo::reader_handle(shared, 0, pack_cache);
    let mut reader = match Reader::new(repo, counts, packs, max_blob_bytes) {
        Ok(r) => r,
        Err(e) => {
            let events = builder
                .gap("missing_object", "diff-setup".into(), e)
                .into_iter()
                .collect();
            let _ = msgs.send(Msg::Built {
                events,
                commits: Vec::new(),
            });
            return;
        }
    };
    loop {
        let batch = {
            let Ok(rx) = work.lock() else { return };
            rx.recv()
        };
        let Ok(ids) = batch else { return };
        let mut events = Vec::with_capacity(ids.len());
        let mut commits = Vec::with_capacity(ids.len());
        for id in ids {
            match reader.read(id) {
                Ok(facts) => {
                    commits.push((
                        facts.id.to_string(),
                        facts.parents.iter().map(ToString::to_string).collect(),
                    ));
                    builder.commit(facts, &mut events);
                }
                Err(e) => events.extend(builder.gap(
                    "missing_commit",
                    id.to_string(),
                    format!("commit object cannot be read: {e}"),
                )),
            }
        }
        if msgs.send(Msg::Built { events, commits }).is_err() {
            return;
        }
    }
}

/// Puts each alias's personal data on the first event, in ledger order, that names the alias.
///
/// Reader threads assign alias ids as they meet people, so the event that carries a new
/// alias's `AliasPii` attachment is whichever a reader built first — not necessarily the one
/// appended first: readers finish their work units in any order. An event appended before
/// the personal data of an alias it names would be analysed (the AI detector matches agent
/// e-mails) without it, and a kill between the two batches would leave the alias without
/// personal data for good. Placing the attachment here, on the calling thread that fixes the
/// ledger order, makes the record the same whatever the thread count, batch size or
/// interruption.
struct PiiPlacement {
    /// Aliases whose personal data is in the ledger or on an event already placed.
    handed_over: HashSet<String>,
}

impl PiiPlacement {
    fn place(&mut self, events: &mut [NewEvent], builder: &EventBuilder<'_>) {
        for event in events {
            // Attachments made by the readers: kept only on the first event that names them.
            event.attachments.retain(|a| match a {
                Attachment::AliasPii { alias, .. } => self.handed_over.insert(alias.clone()),
                _ => true,
            });
            let missing: Vec<String> = referenced_aliases(&event.payload)
                .filter(|alias| !self.handed_over.contains(*alias))
                .map(str::to_owned)
                .collect();
            for alias in missing {
                let pii = match builder.aliases.lock() {
                    Ok(book) => book.personal_data(&alias),
                    Err(poisoned) => poisoned.into_inner().personal_data(&alias),
                };
                if let Some(pii) = pii {
                    event.attachments.push(pii);
                }
                self.handed_over.insert(alias);
            }
        }
    }
}

/// The aliases an ingest event names.
fn referenced_aliases(payload: &Payload) -> Box<dyn Iterator<Item = &str> + '_> {
    match payload {
        Payload::CommitRecorded(c) => Box::new(
            [c.author.alias.as_str(), c.committer.alias.as_str()]
                .into_iter()
                .chain(c.trailers.iter().filter_map(|t| t.alias.as_deref())),
        ),
        Payload::AliasLinked(l) => Box::new([l.alias.as_str(), l.canonical.as_str()].into_iter()),
        _ => Box::new(std::iter::empty()),
    }
}

/// Turns facts into events, assigning alias ids. Shared by the reader threads.
struct EventBuilder<'a> {
    repo_id: String,
    aliases: Mutex<&'a mut AliasBook>,
    known_gaps: Mutex<HashSet<String>>,
    new_gaps: AtomicU64,
    /// Commits read by this ingest whose diff touched `.mailmap` (see [`crate::mailmap`]).
    mailmap_commits: Mutex<Vec<String>>,
    message_filter: Option<Arc<dyn crate::MessageFilter>>,
}

impl EventBuilder<'_> {
    /// Commits recorded as shallow boundaries.
    fn recorded_boundaries(&self) -> Vec<String> {
        self.known_gaps
            .lock()
            .map(|gaps| {
                gaps.iter()
                    .filter_map(|g| g.strip_prefix("shallow_boundary/").map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A gap event, unless this gap is already recorded.
    fn gap(&self, what: &'static str, object: String, detail: String) -> Option<NewEvent> {
        let fresh = self
            .known_gaps
            .lock()
            .map(|mut gaps| gaps.insert(format!("{what}/{object}")))
            .unwrap_or(true);
        if !fresh {
            return None;
        }
        self.new_gaps.fetch_add(1, Ordering::Relaxed);
        let gap = IngestGap {
            repo: self.repo_id.clone(),
            what: what.to_owned(),
            object,
            detail,
        };
        Some(gap.into_event("devspm:git-ingest"))
    }

    fn alias(&self, name: &[u8], email: &[u8], attachments: &mut Vec<Attachment>) -> String {
        let (id, pii) = match self.aliases.lock() {
            Ok(mut book) => book.alias_for(name, email),
            // A reader thread panicked while holding the book; keep going with its state.
            Err(poisoned) => poisoned.into_inner().alias_for(name, email),
        };
        attachments.extend(pii);
        id
    }

    fn person(&self, p: &RawPerson, attachments: &mut Vec<Attachment>) -> PersonTime {
        PersonTime {
            alias: self.alias(&p.name, &p.email, attachments),
            time: p.time,
            offset: p.offset,
        }
    }

    fn commit(&self, f: CommitFacts, out: &mut Vec<NewEvent>) {
        let id = f.id.to_string();
        if f.files.iter().any(crate::mailmap::touches_mailmap)
            && let Ok(mut touched) = self.mailmap_commits.lock()
        {
            touched.push(id.clone());
        }
        for o in &f.oversized {
            out.extend(self.gap(
                "blob_too_large",
                o.blob.to_string(),
                format!(
                    "{} in commit {id} {}, over the size limit ([limits] max_blob_bytes): its lines were not counted",
                    o.path.to_lossy(),
                    o.size_text()
                ),
            ));
        }
        if f.shallow_boundary {
            out.extend(self.gap(
                "shallow_boundary",
                id.clone(),
                "the parents of this commit are not in this (shallow) clone; its files are listed against the empty tree".into(),
            ));
        }
        let mut attachments = Vec::new();
        let author = self.person(&f.author, &mut attachments);
        let committer = self.person(&f.committer, &mut attachments);
        // Secrets out, trailers parsed, size capped: see `message`.
        let kept = crate::message::keep(f.message, self.message_filter.as_deref());
        let trailers = kept
            .trailers
            .into_iter()
            .map(|t| {
                if t.names_someone() {
                    let (name, email) = parse_ident(&t.value).unwrap_or((t.value.as_str(), ""));
                    let alias = self.alias(name.as_bytes(), email.as_bytes(), &mut attachments);
                    TrailerRecord {
                        key: t.key,
                        value: None,
                        alias: Some(alias),
                    }
                } else {
                    TrailerRecord {
                        key: t.key,
                        value: Some(t.value),
                        alias: None,
                    }
                }
            })
            .collect();
        let message = kept.content;
        attachments.push(Attachment::Content {
            sha256: message.sha256.clone(),
            bytes: kept.bytes,
        });
        let payload = CommitRecorded {
            repo: self.repo_id.clone(),
            id: id.clone(),
            tree: f.tree.to_string(),
            parents: f.parents.iter().map(ToString::to_string).collect(),
            author,
            committer,
            message,
            encoding: f.encoding,
            trailers,
            signature: f.signature,
            signing_key: f.signing_key,
            diff_base: f.diff_base.map(|b| b.to_string()),
            shallow_boundary: f.shallow_boundary,
            files: f.files,
            gaps: f.gaps,
        };
        let actor = payload.author.alias.clone();
        out.push(
            NewEvent::new(
                format!("commit/{}/{id}", self.repo_id),
                actor,
                format!("commit:{}/{id}", self.repo_id),
                payload,
            )
            .with_attachments(attachments),
        );
    }

    /// Links every alias that this repository's `.mailmap` maps to another name or e-mail, with
    /// the line that does it and who added that line (see [`crate::mailmap`]).
    fn mailmap_links(
        &self,
        repo: &Repo,
        local: &gix::Repository,
        recorded: &HashSet<(String, String)>,
        graph: Option<&ParentGraph>,
    ) -> Vec<NewEvent> {
        let entries = match self.aliases.lock() {
            Ok(book) => book.entries(),
            Err(poisoned) => poisoned.into_inner().entries(),
        };
        let history = crate::mailmap::History {
            touched: self
                .mailmap_commits
                .lock()
                .map(|t| t.clone())
                .unwrap_or_default(),
            graph,
        };
        crate::mailmap::link_events(
            repo,
            local,
            entries,
            recorded,
            &history,
            &mut |name, email, out| self.alias(name, email, out),
        )
    }
}
