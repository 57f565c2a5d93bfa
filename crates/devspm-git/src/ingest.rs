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
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use devspm_core::bytes::GitBytes;
use devspm_core::commit::{parse_ident, parse_trailers};
use devspm_core::event::{
    AliasLinked, CommitRecorded, ContentRef, EventKind, HistoryRewritten, IngestGap, PersonTime,
    RefDeleted, RefUpdated, RepositoryRegistered, TrailerRecord,
};
use devspm_core::identity::AliasBook;
use devspm_core::{Attachment, NewEvent};
use gix::ObjectId;
use gix::bstr::ByteSlice;

use crate::GitError;
use crate::facts::{CommitFacts, RawPerson, Reader};
use crate::graph::ParentGraph;
use crate::repo::Repo;

/// What the ledger already holds about a repository.
#[derive(Default, Debug)]
pub struct KnownHistory {
    pub registered: bool,
    /// Recorded commits (hex id) and their parents.
    pub commits: HashMap<String, Vec<String>>,
    /// Refs (full name) and targets recorded at the last complete ingest.
    pub refs: Vec<(GitBytes, String)>,
    /// Gaps already recorded, as `what/object`.
    pub gaps: HashSet<String>,
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
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            refs: Vec::new(),
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            batch_size: 2000,
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

enum Msg {
    Facts(Vec<Result<CommitFacts, (ObjectId, String)>>),
    Gap {
        what: &'static str,
        object: String,
        detail: String,
    },
    Walked(u64),
}

/// Ingests `repo`: new commits, ref changes and rewrites, as events handed to `sink` in batches.
pub fn ingest(
    repo: &Repo,
    known: KnownHistory,
    aliases: &mut AliasBook,
    options: &IngestOptions,
    progress: &dyn Progress,
    sink: &mut dyn FnMut(Vec<NewEvent>) -> Result<(), String>,
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
    let mut builder = EventBuilder {
        repo_id: repo.id.clone(),
        aliases,
        pending: Vec::new(),
        known_gaps: known.gaps,
        new_gaps: 0,
    };
    if !known.registered {
        let payload = RepositoryRegistered {
            repo: repo.id.clone(),
            name: repo.name.clone(),
            locator: repo.locator.clone(),
        };
        builder.pending.push(NewEvent::new(
            EventKind::RepositoryRegistered,
            format!("repo/{}", repo.id),
            "devspm:git-ingest",
            format!("repo:{}", repo.id),
            &payload,
        ));
    }

    // Refs now, and what changed since the last complete ingest.
    let current = current_refs(&local, &options.refs, &mut builder);
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
    if changed.is_empty() && deleted.is_empty() {
        let events = std::mem::take(&mut builder.pending);
        if !events.is_empty() {
            sink(events).map_err(|reason| sink_err(repo, reason))?;
        }
        report.new_gaps = builder.new_gaps;
        report.elapsed_seconds = started.elapsed().as_secs_f64();
        return Ok(report);
    }

    let known_ids: HashSet<ObjectId> = known
        .commits
        .keys()
        .filter_map(|hex| ObjectId::from_hex(hex.as_bytes()).ok())
        .collect();
    let mut graph = ParentGraph::new(known.commits);
    let hidden: Vec<ObjectId> = recorded
        .values()
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
    std::thread::scope(|scope| {
        let (work_tx, work_rx) = sync_channel::<Vec<ObjectId>>(threads * 4);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (msg_tx, msg_rx) = sync_channel::<Msg>(threads * 8);
        {
            let msg_tx = msg_tx.clone();
            let known_ids = &known_ids;
            let (tips, hidden) = (tips.clone(), hidden.clone());
            scope.spawn(move || walk(shared, tips, hidden, known_ids, work_tx, msg_tx));
        }
        for _ in 0..threads {
            let msg_tx = msg_tx.clone();
            let work_rx = Arc::clone(&work_rx);
            scope.spawn(move || read_commits(shared, work_rx, msg_tx));
        }
        drop(msg_tx);
        let mut events: Vec<NewEvent> = Vec::new();
        let mut commits_in_batch = 0usize;
        for msg in msg_rx.iter() {
            match msg {
                Msg::Walked(n) => progress.walked(n),
                Msg::Gap {
                    what,
                    object,
                    detail,
                } => builder.gap(what, object, detail),
                Msg::Facts(batch) => {
                    for facts in batch {
                        match facts {
                            Ok(facts) => {
                                graph.insert(
                                    facts.id.to_string(),
                                    facts.parents.iter().map(ToString::to_string).collect(),
                                );
                                builder.commit(facts);
                                report.new_commits += 1;
                                commits_in_batch += 1;
                            }
                            Err((id, e)) => builder.gap(
                                "missing_commit",
                                id.to_string(),
                                format!("commit object cannot be read: {e}"),
                            ),
                        }
                    }
                }
            }
            if commits_in_batch >= batch_size {
                events.append(&mut builder.pending);
                if let Err(e) = sink(std::mem::take(&mut events)) {
                    sink_failure = Some(e);
                    break;
                }
                progress.recorded(report.new_commits);
                commits_in_batch = 0;
            }
        }
        // Dropping the receiver stops the readers and, through them, the walker.
        drop(msg_rx);
    });
    if let Some(reason) = sink_failure {
        return Err(sink_err(repo, reason));
    }

    // Mailmap links for every alias known so far (a .mailmap change can link old aliases too).
    builder.mailmap_links(&local);

    // Refs last: a recorded tip promises that everything below it is recorded.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let all_tips: Vec<String> = current.iter().map(|(_, t)| t.to_string()).collect();
    let mut reachable_from_all: Option<HashSet<&str>> = None;
    let mut ref_events = Vec::new();
    for (name, target) in &changed {
        let target = target.to_string();
        let previous = recorded.get(name).cloned();
        let shown = name.to_lossy();
        if let Some(old) = &previous
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
                EventKind::HistoryRewritten,
                format!("rewrite/{}/{shown}/{old}..{target}/{nanos}", repo.id),
                "devspm:git-ingest",
                format!("ref:{}/{shown}", repo.id),
                &payload,
            ));
            report.history_rewrites += 1;
        }
        let payload = RefUpdated {
            repo: repo.id.clone(),
            name: name.clone(),
            target: target.clone(),
            previous,
        };
        ref_events.push(NewEvent::new(
            EventKind::RefUpdated,
            format!("ref/{}/{shown}@{target}/{nanos}", repo.id),
            "devspm:git-ingest",
            format!("ref:{}/{shown}", repo.id),
            &payload,
        ));
        report.refs_updated += 1;
    }
    for (name, old) in &deleted {
        let shown = name.to_lossy();
        let all = reachable_from_all
            .get_or_insert_with(|| graph.reachable(all_tips.iter().map(String::as_str)));
        let payload = RefDeleted {
            repo: repo.id.clone(),
            name: name.clone(),
            previous: old.clone(),
            lost: graph.unreachable_after(old, all),
        };
        ref_events.push(NewEvent::new(
            EventKind::RefDeleted,
            format!("ref-deleted/{}/{shown}@{old}/{nanos}", repo.id),
            "devspm:git-ingest",
            format!("ref:{}/{shown}", repo.id),
            &payload,
        ));
        report.refs_deleted += 1;
    }
    let mut last = std::mem::take(&mut builder.pending);
    last.extend(ref_events);
    sink(last).map_err(|reason| sink_err(repo, reason))?;
    progress.recorded(report.new_commits);
    report.new_gaps = builder.new_gaps;
    report.elapsed_seconds = started.elapsed().as_secs_f64();
    let _ = read_err;
    Ok(report)
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
    builder: &mut EventBuilder<'_>,
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
    let platform = match repo.references() {
        Ok(p) => p,
        Err(e) => {
            builder.gap("unreadable_ref", "refs".into(), e.to_string());
            return out;
        }
    };
    let iter = match platform.all() {
        Ok(i) => i,
        Err(e) => {
            builder.gap("unreadable_ref", "refs".into(), e.to_string());
            return out;
        }
    };
    for reference in iter {
        let mut reference = match reference {
            Ok(r) => r,
            Err(e) => {
                builder.gap("unreadable_ref", "refs".into(), e.to_string());
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
                    builder.gap("unreadable_ref", name.to_lossy(), e.to_string());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The walker: new commits reachable from `tips` and not from `hidden`, in batches.
fn walk(
    shared: &gix::ThreadSafeRepository,
    tips: Vec<ObjectId>,
    hidden: Vec<ObjectId>,
    known: &HashSet<ObjectId>,
    work: SyncSender<Vec<ObjectId>>,
    msgs: SyncSender<Msg>,
) {
    let mut repo = shared.to_thread_local();
    repo.object_cache_size_if_unset(16 << 20);
    let walk = match repo.rev_walk(tips).with_hidden(hidden).all() {
        Ok(w) => w,
        Err(e) => {
            let _ = msgs.send(Msg::Gap {
                what: "missing_commit",
                object: "walk".into(),
                detail: format!("history walk could not start: {e}"),
            });
            return;
        }
    };
    let mut batch = Vec::with_capacity(256);
    let mut walked = 0u64;
    let mut errors = 0u32;
    for info in walk {
        match info {
            Ok(info) => {
                if known.contains(&info.id) {
                    continue;
                }
                batch.push(info.id);
                walked += 1;
                if batch.len() == 256 {
                    if work
                        .send(std::mem::replace(&mut batch, Vec::with_capacity(256)))
                        .is_err()
                    {
                        return;
                    }
                    let _ = msgs.send(Msg::Walked(walked));
                }
            }
            Err(e) => {
                errors += 1;
                let _ = msgs.send(Msg::Gap {
                    what: "missing_commit",
                    object: format!("walk-error-{errors}"),
                    detail: format!("history walk could not read a commit: {e}"),
                });
                if errors > 1000 {
                    break;
                }
            }
        }
    }
    if !batch.is_empty() {
        let _ = work.send(batch);
    }
    let _ = msgs.send(Msg::Walked(walked));
}

/// A reader thread: decode and diff commits until the walker is done.
fn read_commits(
    shared: &gix::ThreadSafeRepository,
    work: Arc<Mutex<Receiver<Vec<ObjectId>>>>,
    msgs: SyncSender<Msg>,
) {
    let mut repo = shared.to_thread_local();
    repo.object_cache_size_if_unset(48 << 20);
    let mut reader = match Reader::new(repo) {
        Ok(r) => r,
        Err(e) => {
            let _ = msgs.send(Msg::Gap {
                what: "missing_object",
                object: "diff-setup".into(),
                detail: e,
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
        let facts = ids
            .into_iter()
            .map(|id| reader.read(id).map_err(|e| (id, e)))
            .collect();
        if msgs.send(Msg::Facts(facts)).is_err() {
            return;
        }
    }
}

/// Turns facts into events, assigning alias ids.
struct EventBuilder<'a> {
    repo_id: String,
    aliases: &'a mut AliasBook,
    pending: Vec<NewEvent>,
    known_gaps: HashSet<String>,
    new_gaps: u64,
}

impl EventBuilder<'_> {
    fn gap(&mut self, what: &'static str, object: String, detail: String) {
        if !self.known_gaps.insert(format!("{what}/{object}")) {
            return;
        }
        let payload = IngestGap {
            repo: self.repo_id.clone(),
            what: what.to_owned(),
            object: object.clone(),
            detail,
        };
        self.pending.push(NewEvent::new(
            EventKind::IngestGap,
            format!("gap/{}/{what}/{object}", self.repo_id),
            "devspm:git-ingest",
            format!("repo:{}", self.repo_id),
            &payload,
        ));
        self.new_gaps += 1;
    }

    fn alias(&mut self, name: &[u8], email: &[u8], attachments: &mut Vec<Attachment>) -> String {
        let (id, pii) = self.aliases.alias_for(name, email);
        attachments.extend(pii);
        id
    }

    fn person(&mut self, p: &RawPerson, attachments: &mut Vec<Attachment>) -> PersonTime {
        PersonTime {
            alias: self.alias(&p.name, &p.email, attachments),
            time: p.time,
            offset: p.offset,
        }
    }

    fn commit(&mut self, f: CommitFacts) {
        let id = f.id.to_string();
        if f.shallow_boundary {
            self.gap(
                "shallow_boundary",
                id.clone(),
                "the parents of this commit are not in this (shallow) clone; its files are listed against the empty tree".into(),
            );
        }
        let mut attachments = Vec::new();
        let author = self.person(&f.author, &mut attachments);
        let committer = self.person(&f.committer, &mut attachments);
        let trailers = parse_trailers(&f.message)
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
        let sha256 = devspm_core::ids::content_hash(&f.message);
        let message = ContentRef {
            sha256: sha256.clone(),
            len: f.message.len() as u64,
        };
        attachments.push(Attachment::Content {
            sha256,
            bytes: f.message,
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
            diff_base: f.diff_base.map(|b| b.to_string()),
            shallow_boundary: f.shallow_boundary,
            files: f.files,
            gaps: f.gaps,
        };
        let actor = payload.author.alias.clone();
        self.pending.push(
            NewEvent::new(
                EventKind::CommitRecorded,
                format!("commit/{}/{id}", self.repo_id),
                actor,
                format!("commit:{}/{id}", self.repo_id),
                &payload,
            )
            .with_attachments(attachments),
        );
    }

    /// Links every alias that this repository's `.mailmap` maps to another name or e-mail.
    fn mailmap_links(&mut self, repo: &gix::Repository) {
        let mailmap = repo.open_mailmap();
        let mut links = Vec::new();
        for (alias, name, email) in self.aliases.entries() {
            let signature = gix::actor::SignatureRef {
                name: name.as_bstr(),
                email: email.as_bstr(),
                time: "",
            };
            if let Some(canonical) = mailmap.try_resolve(signature)
                && (canonical.name.as_bytes() != name.as_slice()
                    || canonical.email.as_bytes() != email.as_slice())
            {
                links.push((
                    alias.clone(),
                    canonical.name.to_vec(),
                    canonical.email.to_vec(),
                ));
            }
        }
        for (alias, name, email) in links {
            let mut attachments = Vec::new();
            let canonical = self.alias(&name, &email, &mut attachments);
            let payload = AliasLinked {
                alias: alias.clone(),
                canonical: canonical.clone(),
                source: "mailmap".into(),
                repo: self.repo_id.clone(),
            };
            self.pending.push(
                NewEvent::new(
                    EventKind::AliasLinked,
                    format!("link/mailmap/{}/{alias}/{canonical}", self.repo_id),
                    "devspm:git-ingest",
                    alias,
                    &payload,
                )
                .with_attachments(attachments),
            );
        }
    }
}
