//! `devspm migrate`: copies an SQLite ledger to PostgreSQL — its events in order (as they are:
//! the same sequence numbers, times and hashes), the commit messages they refer to, its
//! signed checkpoints, the aliases' sealed personal data with their keys, the analyzers'
//! completion markers and the secret-hashing key — in batches of one transaction each, then verifies the copy (the whole
//! chain and the Merkle tree) and compares its root with the source's.
//!
//! A copy can stop anywhere (interrupted, the connection lost) and be run again: it goes on
//! after the copy's head when the copy is a prefix of the source (its head is the source's
//! event of that number), and refuses when the two have diverged. Until the copy reaches the
//! head the source had when it started, the copy records that target (`migration_target` in
//! its `ledger_meta`), so `audit verify` of a half-finished copy fails with "an unfinished
//! copy" instead of verifying as a whole ledger.

use std::path::Path;

use devspm_ledger::{AuditStore, EventLog, Head, Integrity, merkle};
use devspm_ledger_postgres::{CopyBatch, MIGRATION_TARGET, PgStore};
use devspm_ledger_sqlite::SqliteStore;
use serde::Serialize;

use crate::store::{Location, location, shown};
use crate::{EngineError, Progress};

/// The `Progress` phase of copying events (steps: events copied).
pub const PHASE_MIGRATE: &str = "migrate";

/// Events per batch (one transaction each) unless the caller chooses.
pub const DEFAULT_BATCH: usize = 10_000;

/// What a migration did.
#[derive(Clone, Debug, Serialize)]
pub struct Migration {
    /// The SQLite ledger copied.
    pub source: String,
    /// The PostgreSQL ledger (its URL without the password).
    pub target: String,
    /// Events the copy already held before this run (a resumed or repeated migration).
    pub already: u64,
    /// Events copied by this run.
    pub copied: u64,
    /// Distinct commit messages copied with them (commits that share a message share one).
    pub contents: u64,
    /// Checkpoints copied by this run.
    pub checkpoints: u64,
    /// Aliases whose sealed personal data (and key) this run copied.
    pub personal_data: u64,
    /// The copy's head after this run: the source's.
    pub head: Option<Head>,
    /// The Merkle tree root of the copy, verified equal to the source's.
    pub tree_root: String,
    /// Merkle tree nodes of the copy checked by its verification.
    pub tree_nodes_checked: u64,
}

/// Copies the SQLite ledger at `from` to the PostgreSQL database at `to` (creating the
/// ledger's schema there if needed), `batch` events per transaction, then verifies the copy.
pub fn migrate(
    from: &Path,
    to: &Path,
    batch: usize,
    progress: &dyn Progress,
) -> Result<Migration, EngineError> {
    let Location::File(from) = location(from) else {
        return Err(EngineError::Invalid(format!(
            "--from {}: give the SQLite ledger file to copy (a PostgreSQL URL goes in --to)",
            shown(&from.display().to_string())
        )));
    };
    let Location::Postgres(url) = location(to) else {
        return Err(EngineError::Invalid(format!(
            "--to {}: give the PostgreSQL database to copy into as a URL, postgres://USER@HOST:PORT/DATABASE (an SQLite file is what --from reads)",
            to.display()
        )));
    };
    let source = crate::store::open_read_only(from, None)?;
    let mut target = crate::store::open_postgres_for_copy(url)?;
    let source_head = EventLog::head(&source)?;
    let target_head = EventLog::head(&target)?;
    let already = target_head.as_ref().map_or(0, |h| h.seq);
    check_prefix(&source, &target, source_head.as_ref(), target_head.as_ref())?;
    let mut report = Migration {
        source: EventLog::location(&source).to_owned(),
        target: EventLog::location(&target).to_owned(),
        already,
        copied: 0,
        contents: 0,
        checkpoints: 0,
        personal_data: 0,
        head: target_head,
        tree_root: String::new(),
        tree_nodes_checked: 0,
    };
    if let Some(head) = &source_head
        && head.seq > already
    {
        target.set_meta(
            MIGRATION_TARGET,
            Some(&format!("{} {} {}", head.seq, head.hash, report.source)),
        )?;
        progress.start(PHASE_MIGRATE, &report.source, Some(head.seq - already));
        let copied = copy_events(&source, &mut target, already, batch.max(1), progress);
        progress.finish();
        let (events, contents) = copied?;
        report.copied = events;
        report.contents = contents;
    }
    for cp in source.checkpoints()? {
        if target.copy_checkpoint(&cp)? {
            report.checkpoints += 1;
        }
    }
    // Beside the chain: the aliases' sealed personal data with their keys (copied sealed), the
    // analyzers' completion markers, and the secret-hashing key with its check value (a value the copy already holds is kept, and
    // must then be the source's).
    report.personal_data = target.copy_personal_data(&source.sealed_personal_data()?)?;
    for (name, state) in source.completion_markers()? {
        devspm_ledger::upstream::Upstream::set_marker(&mut target, &name, &state)?;
    }
    let shared = source.shared_values()?;
    if !shared.is_empty() {
        let pairs: Vec<(&str, &str)> = shared
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let holds = devspm_ledger::upstream::Upstream::share(&mut target, &pairs)?;
        let differs = shared.iter().any(|(name, value)| {
            devspm_ledger::upstream::SHARED
                .iter()
                .zip(&holds)
                .any(|(n, held)| n == name && held.as_deref() != Some(value.as_str()))
        });
        if differs {
            return Err(EngineError::Conflict(format!(
                "{} already holds another secret-hashing key than {}: the two ledgers hash secrets with different keys; copy into an empty database instead",
                report.target, report.source
            )));
        }
    }
    // On arrival: the whole copy verifies (chain, tree, checkpoints, contents), and its root is
    // the source's.
    let verified = Integrity::verify(&target, &mut |_| {})?;
    if let Some(problem) = verified.problem {
        return Err(EngineError::Tampered {
            location: report.target,
            problem: problem.problem,
            refused: "call the copy complete",
        });
    }
    let size = source_head.as_ref().map_or(0, |h| h.seq);
    let source_root = merkle::to_hex(&source.tree_root(size)?);
    let copy_root = verified.tree_root.unwrap_or_default();
    if verified.events != size || copy_root != source_root {
        return Err(EngineError::Conflict(format!(
            "the copy in {} holds {} events with Merkle root {} but {} holds {size} with root {}: the copy is not the source's ledger",
            report.target,
            verified.events,
            short(&copy_root),
            report.source,
            short(&source_root)
        )));
    }
    target.set_meta(MIGRATION_TARGET, None)?;
    report.head = verified.head;
    report.tree_root = copy_root;
    report.tree_nodes_checked = verified.tree_nodes_checked;
    Ok(report)
}

fn short(hex: &str) -> &str {
    &hex[..16.min(hex.len())]
}

/// The copy must be a prefix of the source: its head is the source's event of that number.
fn check_prefix(
    source: &SqliteStore,
    target: &PgStore,
    source_head: Option<&Head>,
    target_head: Option<&Head>,
) -> Result<(), EngineError> {
    let Some(copied) = target_head else {
        return Ok(());
    };
    let diverged = |why: String| {
        EngineError::Conflict(format!(
            "{} and {} have diverged ({why}); copy into an empty database instead",
            EventLog::location(target),
            EventLog::location(source)
        ))
    };
    let held = source_head.map_or(0, |h| h.seq);
    if copied.seq > held {
        return Err(diverged(format!(
            "the PostgreSQL ledger holds {} events, the source only {held}",
            copied.seq
        )));
    }
    let same = EventLog::events(source, None, copied.seq - 1, 1)?
        .first()
        .is_some_and(|e| e.seq == copied.seq && e.hash == copied.hash);
    if !same {
        return Err(diverged(format!(
            "event {} differs between them",
            copied.seq
        )));
    }
    Ok(())
}

/// Fault injection for the tests, in debug builds only: with
/// `DEVSPM_TEST_MIGRATE_STOP_AFTER=N` the process aborts once N batches are committed, as a
/// `kill -9` (or a lost connection) between two batches would leave the copy.
#[cfg(debug_assertions)]
fn stop_for_tests(copied: u64, batch: usize) {
    if let Some(n) = std::env::var("DEVSPM_TEST_MIGRATE_STOP_AFTER")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        && copied >= n * batch as u64
    {
        std::process::abort();
    }
}

/// What a `commit_recorded` payload says of its message (the rest is not needed here).
#[derive(serde::Deserialize)]
struct WithMessage {
    message: Option<MessageRef>,
}

#[derive(serde::Deserialize)]
struct MessageRef {
    sha256: String,
}

/// Copies the events after `after`, with the commit messages they refer to, in batches.
/// Returns the events and contents copied.
fn copy_events(
    source: &SqliteStore,
    target: &mut PgStore,
    mut after: u64,
    batch: usize,
    progress: &dyn Progress,
) -> Result<(u64, u64), EngineError> {
    let start = after;
    let mut contents = 0;
    // Commits that share a message (merges, reverts) share its content: copy and count it once.
    let mut copied = std::collections::HashSet::new();
    loop {
        let events = EventLog::events(source, None, after, batch)?;
        let Some(last) = events.last() else {
            break;
        };
        after = last.seq;
        let mut copy = CopyBatch {
            events,
            contents: Vec::new(),
        };
        for e in &copy.events {
            if e.kind != "commit_recorded" {
                continue;
            }
            // The chain is checked as the batch is written; a payload that does not parse
            // refers to no content.
            let Ok(WithMessage {
                message: Some(MessageRef { sha256: sha }),
            }) = serde_json::from_str(&e.payload)
            else {
                continue;
            };
            // Absent: erased by a recorded `identity_forgotten` (the copy's verify checks it).
            if copied.contains(&sha) {
                continue;
            }
            if let Some(bytes) = source.content(&sha)? {
                copied.insert(sha.clone());
                copy.contents.push((sha, bytes));
            }
        }
        contents += copy.contents.len() as u64;
        target.copy(&copy)?;
        progress.at(after - start);
        #[cfg(debug_assertions)]
        stop_for_tests(after - start, batch);
    }
    Ok((after - start, contents))
}
