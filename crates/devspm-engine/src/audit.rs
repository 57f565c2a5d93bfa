//! The ledger's own pipelines: verifying it (the hash chain, the Merkle tree, stored contents,
//! the projections, and a signed checkpoint kept elsewhere), rebuilding its projections and
//! reading its events. Keys, checkpoints and proofs are in [`checkpoints`], the folder an
//! auditor verifies without devspm in [`export`], evidence packs in [`crate::evidence`].
//!
//! Everything here reaches storage through the ledger's traits ([`EventLog`], [`Integrity`],
//! [`Projections`], [`AuditStore`]), so it runs the same on any backend (what is said about the
//! file a read-only store reads is [`crate::store::opened_note`]).

pub mod checkpoints;
pub mod export;

use std::path::Path;

use devspm_ledger::checkpoint::Checkpoint;
use devspm_ledger::{
    AuditStore, EventLog, IngestState, Integrity, ProjectionProblem, ProjectionReport, Projections,
    VerifyReport,
};
use serde::Serialize;

use crate::{EngineError, Progress};

/// The `Progress` phase of re-walking the chain (steps: events verified).
pub const PHASE_CHAIN: &str = crate::phase::CHAIN;
/// The `Progress` phase of replaying the events to compare the projections (steps: events
/// replayed).
pub const PHASE_PROJECTIONS: &str = crate::phase::PROJECTIONS;

/// What [`verify`] found.
#[derive(Clone, Debug, Serialize)]
pub struct Verification {
    /// The database's location.
    pub database: String,
    /// The chain, the Merkle tree, recorded checkpoints and stored contents.
    pub report: VerifyReport,
    /// The projections compared with a replay of the events; `None` when not checked (asked
    /// to be quick, the events themselves do not verify, or the backend keeps no projections:
    /// PostgreSQL, so far).
    pub projections: Option<ProjectionReport>,
    /// A signed checkpoint kept elsewhere, checked against the verified ledger: what was
    /// verified, or the problem (see [`checkpoints::against_ledger`]).
    pub checkpoint: Option<Result<String, String>>,
}

impl Verification {
    /// What a replay found wrong in the projections.
    pub fn projection_problem(&self) -> Option<&ProjectionProblem> {
        self.projections.as_ref().and_then(|p| p.problem.as_ref())
    }

    /// What was verified, as `devspm_report::audit::verify` words it.
    pub fn shown(&self) -> devspm_report::audit::Verify<'_> {
        let r = &self.report;
        devspm_report::audit::Verify {
            database: &self.database,
            events: r.events,
            head: r.head.as_ref().map(|h| (h.seq, h.hash.as_str())),
            tree_nodes_checked: r.tree_nodes_checked,
            tree_root: r.tree_root.as_deref(),
            contents_checked: r.contents_checked,
            contents_redacted: r.contents_redacted,
            chain_problem: r
                .problem
                .as_ref()
                .map(|p| (p.problem.as_str(), p.key.as_deref())),
            projections: self
                .projections
                .as_ref()
                .map(|p| (p.rows_checked, p.tables_checked, p.events_replayed)),
            projection_problem: self.projection_problem().map(|p| p.problem.as_str()),
            checkpoint: self
                .checkpoint
                .as_ref()
                .map(|c| c.as_ref().map(String::as_str).map_err(String::as_str)),
        }
    }

    /// `audit verify --format json`; `opened` says how a read-only store read its file, when
    /// worth saying ([`crate::store::log_opened_note`]).
    pub fn json(&self, opened: Option<&str>) -> serde_json::Value {
        serde_json::json!({
            "database": self.database,
            "ok": self.ok(),
            "report": self.report,
            "projections": self.projections,
            "opened": opened,
            "checkpoint": self.checkpoint.as_ref().map(|a| match a {
                Ok(text) => serde_json::json!({ "ok": true, "detail": text }),
                Err(problem) => serde_json::json!({ "ok": false, "problem": problem }),
            }),
        })
    }

    /// Nothing was altered, removed, reordered or rolled back.
    pub fn ok(&self) -> bool {
        self.report.problem.is_none()
            && self.projection_problem().is_none()
            && self.checkpoint.as_ref().is_none_or(|c| c.is_ok())
    }
}

/// Verifies the ledger: the chain and everything [`Integrity::verify`] checks, then — unless
/// `quick`, and only when the events verify — the projections against a replay, then a signed
/// checkpoint kept elsewhere (`file`, already checked with [`checkpoints::read_signed`])
/// against the verified ledger. Reports progress in the phases [`PHASE_CHAIN`] and
/// [`PHASE_PROJECTIONS`].
pub fn verify<S: EventLog + Integrity + AuditStore>(
    store: &S,
    quick: bool,
    signed: Option<(&Path, &Checkpoint)>,
    progress: &dyn Progress,
) -> Result<Verification, EngineError> {
    progress.start(PHASE_CHAIN, "", None);
    let report = store.verify(&mut |n| progress.at(n))?;
    progress.finish();
    // The projections are compared with a replay of the events once the events themselves
    // are known to be intact (on a backend that keeps projections).
    let projections = if quick || report.problem.is_some() {
        None
    } else {
        progress.start(PHASE_PROJECTIONS, "", None);
        let checked = store.check_projections_kept(&mut |n| progress.at(n))?;
        progress.finish();
        checked
    };
    let checkpoint = match (signed, &report.problem) {
        (Some((file, cp)), None) => Some(checkpoints::against_ledger(store, file, cp)?),
        _ => None,
    };
    Ok(Verification {
        database: store.location().to_owned(),
        report,
        projections,
        checkpoint,
    })
}

/// Verifies the ledger before a pipeline vouches for it; a ledger that does not verify is
/// [`EngineError::Tampered`] (`refused`: what the pipeline then refuses to do).
pub(crate) fn verified<S: EventLog + Integrity>(
    store: &S,
    refused: &'static str,
) -> Result<VerifyReport, EngineError> {
    verified_with(store, refused, &|_| {})
}

/// [`verified`], telling `at` the events verified so far.
pub(crate) fn verified_with<S: EventLog + Integrity>(
    store: &S,
    refused: &'static str,
    at: &dyn Fn(u64),
) -> Result<VerifyReport, EngineError> {
    let report = store.verify(&mut |n| at(n))?;
    match report.problem {
        Some(problem) => Err(EngineError::Tampered {
            location: store.location().to_owned(),
            problem: problem.problem,
            refused,
        }),
        None => Ok(report),
    }
}

/// Rebuilds every projection from the events; returns the number of events replayed.
pub fn rebuild<S: Projections>(store: &mut S, progress: &dyn Progress) -> Result<u64, EngineError> {
    progress.start(PHASE_PROJECTIONS, "", None);
    let replayed = store.rebuild(&mut |n| progress.at(n))?;
    progress.finish();
    Ok(replayed)
}

/// Events as JSON objects, oldest first: of one kind (`None`: every kind), after sequence
/// number `after`, at most `limit`. The payload is parsed; the other fields are as hashed.
pub fn events<S: EventLog>(
    store: &S,
    kind: Option<&str>,
    after: u64,
    limit: usize,
) -> Result<Vec<serde_json::Value>, EngineError> {
    if let Some(kind) = kind
        && devspm_core::EventKind::parse(kind).is_none()
    {
        let known: Vec<&str> = devspm_core::EventKind::ALL
            .iter()
            .map(|k| k.as_str())
            .collect();
        return Err(EngineError::Invalid(format!(
            "unknown event kind `{kind}`; known kinds: {}",
            known.join(", ")
        )));
    }
    store
        .events(kind, after, limit)?
        .into_iter()
        .map(|e| {
            let payload: serde_json::Value = serde_json::from_str(&e.payload)
                .map_err(|error| EngineError::Invalid(error.to_string()))?;
            Ok(serde_json::json!({
                "seq": e.seq, "key": e.key, "kind": e.kind, "at": e.at, "actor": e.actor,
                "subject": e.subject, "payload": payload, "prev_hash": e.prev_hash, "hash": e.hash,
            }))
        })
        .collect()
}

/// An event as `events.jsonl` of an export or an evidence pack holds it: every hashed field
/// (the payload as the exact hashed text), its leaf index and leaf hash.
pub(crate) fn event_line(e: &devspm_core::StoredEvent) -> serde_json::Value {
    serde_json::json!({
        "seq": e.seq,
        "leaf_index": e.seq - 1,
        "leaf_hash": leaf_hash(&e.hash),
        "key": e.key,
        "kind": e.kind,
        "at": e.at,
        "actor": e.actor,
        "subject": e.subject,
        "payload": e.payload,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    })
}

/// The Merkle leaf hash (hex) of an event's chain hash.
pub(crate) fn leaf_hash(event_hash: &str) -> String {
    devspm_ledger::merkle::to_hex(&devspm_ledger::audit::event_leaf(event_hash))
}

/// A day given as `YYYY-MM-DD` (UTC); `what` names it in the error (`--since`).
pub(crate) fn parse_date(what: &str, text: &str) -> Result<jiff::civil::Date, EngineError> {
    text.trim().parse().map_err(|_| {
        EngineError::Invalid(format!(
            "{what} {text:?} is not a date; expected YYYY-MM-DD (UTC), e.g. 2026-07-01"
        ))
    })
}

/// The id of a recorded repository named by a path to it, or by its recorded name, locator or
/// id; `None` when nothing recorded matches.
pub(crate) fn recorded_repository<S: IngestState>(
    store: &S,
    value: &str,
) -> Result<Option<String>, EngineError> {
    if let Ok(repo) = devspm_git::open(Path::new(value))
        && store.find_repository(&repo.id)?.is_some()
    {
        return Ok(Some(repo.id));
    }
    Ok(store.find_repository(value)?)
}
