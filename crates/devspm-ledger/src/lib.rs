//! devspm's system of record: an append-only, hash-chained event ledger, seen through traits.
//!
//! Collectors and analyzers hand [`NewEvent`]s to the [`EventLog`]'s one append path
//! ([`EventLog::append_stream`]); the store appends them in one transaction per batch,
//! idempotently on each event's key, chains each event's hash to its predecessor, writes the
//! data kept outside the chain (message bodies, personal data behind alias ids), updates the
//! projections and moves an analyzer's cursor ([`CursorMove`]) — all or nothing. Everything a
//! view shows is read from projections, and projections can always be rebuilt from the events
//! alone.
//!
//! This crate keeps what must be identical on every backend, and no database driver:
//!
//! - the types (events as stored, reports, [`LedgerError`]) and the small traits a backend
//!   implements, one per area, so that a function asks for what it uses: [`EventLog`] and
//!   [`Integrity`] (the event log and its verification, on every backend), [`AuditStore`] (the
//!   Merkle tree, proofs and checkpoints), [`Projections`], [`AnalyzerState`], [`IngestState`],
//!   [`Identities`], [`Views`] and [`Privacy`] ([`Store`] names these eight together), and
//!   beside them [`FindingStore`], [`GovernanceStore`], [`EvidenceStore`], [`PostureStore`],
//!   [`SignalStore`], for a backend that keeps projections, and [`Caches`], a host's caches
//!   beside the record; [`upstream::Upstream`] for a system of record a local replica follows;
//! - the algorithms every backend calls, so identical events give identical hashes, roots and
//!   verdicts: the hash chain and its verification ([`chain`]), the Merkle tree and proofs
//!   ([`merkle`], [`audit`]), signed checkpoints ([`checkpoint`]), and the sealing of personal
//!   data and the search that finds what an erasure must redact ([`pii`]);
//! - [`conformance`] (feature `conformance`): the tests every backend passes.
//!
//! The backends are crates beside this one: `devspm-ledger-sqlite` (one SQLite file, the
//! zero-configuration default, which implements every trait, and the local replica of a ledger
//! kept elsewhere) and `devspm-ledger-postgres` ([`EventLog`], [`Integrity`] and [`AuditStore`]
//! on PostgreSQL, as the system of record a team shares). `devspm-engine` chooses one.

pub mod audit;
pub mod chain;
pub mod checkpoint;
#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
pub mod evidence;
pub mod findings;
pub mod governance;
pub mod merkle;
pub mod pii;
pub mod posture;
pub mod signals;
pub mod upstream;
pub mod views;

use std::collections::HashMap;

use devspm_core::NewEvent;
use devspm_core::bytes::GitBytes;
use devspm_core::identity::{
    AliasBook, AliasLink, AliasRecord, Assignment, IdentityState, Judgement, LinkKey,
};

pub use audit::{AuditStore, ConsistencyProof, InclusionProof, StoredCheckpoint};
pub use evidence::EvidenceStore;
pub use findings::{
    FindingFilter, FindingRow, FindingSnapshot, FindingState, FindingStore, ImportRecord, Triage,
};
pub use governance::{GovernanceStore, ToolFilter, ToolUseRow};
pub use posture::PostureStore;
pub use signals::SignalStore;
pub use views::{AiReport, AiRow, IdentityDetail, IdentityRow, LinkEvidence, RepositorySummary};

/// A name and an e-mail address as git recorded them (bytes, not necessarily UTF-8).
pub type NameEmail = (Vec<u8>, Vec<u8>);

/// The newest event of the ledger.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
}

/// What an append did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct AppendSummary {
    /// Events added to the ledger.
    pub appended: u64,
    /// Events whose key was already recorded (idempotent re-appends).
    pub skipped: u64,
}

impl std::ops::AddAssign for AppendSummary {
    fn add_assign(&mut self, other: AppendSummary) {
        self.appended += other.appended;
        self.skipped += other.skipped;
    }
}

/// The first thing wrong with a chain.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ChainProblem {
    /// Sequence number of the first bad (or first missing) event.
    pub seq: u64,
    /// Its key, when the row exists.
    pub key: Option<String>,
    /// What is wrong, in one sentence.
    pub problem: String,
}

/// The outcome of re-walking the chain.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    /// Events checked.
    pub events: u64,
    /// The last good event.
    pub head: Option<Head>,
    /// Content rows (outside the chain) whose bytes were checked against their address.
    pub contents_checked: u64,
    /// Contents (commit messages) the chain refers to that were erased by a recorded
    /// `identity_forgotten` event: redacted, not tampered with.
    pub contents_redacted: u64,
    /// Stored Merkle nodes recomputed from the events and compared.
    pub tree_nodes_checked: u64,
    /// The Merkle tree head over the verified events (hex), when everything verified.
    pub tree_root: Option<String>,
    /// `None` when everything verified.
    pub problem: Option<ChainProblem>,
}

/// The first projection row that does not match the events.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProjectionProblem {
    /// The projection table.
    pub table: String,
    /// The row, by its key columns (`finding_id=f_…`).
    pub row: String,
    /// What is wrong, in one sentence.
    pub problem: String,
}

/// The outcome of comparing the projections with a replay of the events.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ProjectionReport {
    /// Events replayed.
    pub events_replayed: u64,
    /// Projection tables compared.
    pub tables_checked: u64,
    /// Rows compared (in the ledger's tables).
    pub rows_checked: u64,
    /// `None` when every table matches.
    pub problem: Option<ProjectionProblem>,
}

/// What `forget` erased.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ForgetReport {
    pub identity: String,
    /// Sequence number of the `identity_forgotten` event that records the erasure.
    pub event: u64,
    /// The identity's aliases whose personal data was erased.
    pub aliases: Vec<String>,
    /// Encryption keys deleted (one per alias that still had personal data).
    pub keys_deleted: u64,
    /// Stored contents (commit messages) deleted because they named the person.
    pub contents_redacted: u64,
    /// Names or e-mails too short (under 3 bytes) to search messages for.
    pub too_short_to_search: u64,
    /// Whether every erased byte is physically gone from the storage. False: it may remain
    /// until the backend's next checkpoint or vacuum (on SQLite, when another process had the
    /// database open, the write-ahead log could not be truncated).
    pub scrub_complete: bool,
}

/// What the ledger knows about one repository, for incremental ingest.
#[derive(Clone, Debug, Default)]
pub struct RepositoryState {
    pub registered: bool,
    /// The refs and their targets as of the last complete ingest.
    pub refs: Vec<(GitBytes, String)>,
    /// Ingest gaps already recorded (keyed by `what/object`), so they are not repeated.
    pub gaps: std::collections::HashSet<String>,
}

/// Every recorded commit of a repository with its parents, and those marked unreachable.
#[derive(Clone, Debug, Default)]
pub struct RecordedCommits {
    pub commits: HashMap<String, Vec<String>>,
    pub lost: std::collections::HashSet<String>,
}

/// Everything identity resolution reads.
#[derive(Clone, Debug, Default)]
pub struct ResolverState {
    pub aliases: Vec<AliasRecord>,
    pub links: Vec<AliasLink>,
    /// Aliases that authored at least one recorded commit.
    pub authored: std::collections::HashSet<String>,
    /// The latest judgement of each `.mailmap` link.
    pub judgements: HashMap<LinkKey, Judgement>,
    pub current: HashMap<String, Assignment>,
    pub identities: HashMap<String, IdentityState>,
}

/// Why the ledger could not do what was asked. Messages are written for the person at the
/// terminal: they name the database and, where there is one, the fix. No variant names a
/// backend's types: each backend maps its driver's errors to these (SQLite in
/// `devspm-ledger-sqlite`, PostgreSQL in `devspm-ledger-postgres`).
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// Another writer holds the database: busy or locked (SQLite's busy and locked errors, the
    /// writer lock beside an SQLite file, PostgreSQL's lock timeouts, deadlocks and
    /// serialization failures). Waiting and running the command again is the fix.
    #[error(
        "database {path} is locked by another process (another devspm run?); wait for it to finish and retry"
    )]
    Locked { path: String },
    #[error(
        "database {path} was written by a newer devspm (schema version {found}; this build supports up to {supported}); upgrade devspm to use it"
    )]
    NewerSchema {
        path: String,
        found: i64,
        supported: i64,
    },
    #[error(
        "database {path} has schema version {found} and this build reads version {current}; open it once with a command that writes (e.g. `devspm --db {path} rebuild`) to upgrade it"
    )]
    OlderSchema {
        path: String,
        found: i64,
        current: i64,
    },
    #[error("{path} is not a devspm database ({reason})")]
    NotADatabase { path: String, reason: String },
    #[error("cannot open database {path}: {reason}")]
    Open { path: String, reason: String },
    /// A write the database refused because it conflicts with what it holds (a uniqueness,
    /// foreign-key or check constraint).
    #[error("database {location}: {source}")]
    Conflict {
        location: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Any other failure of the database, as its driver reported it.
    #[error("database {location}: {source}")]
    Backend {
        location: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("database {path}: {reason}")]
    Tree { path: String, reason: String },
    #[error("database {path}: {reason}")]
    Refused { path: String, reason: String },
    #[error("database {path}: stored event {seq} is unreadable: {reason}")]
    BadEvent {
        path: String,
        seq: u64,
        reason: String,
    },
}

/// What an append does with an analyzer's cursor, in the append's transaction (so an analyzer
/// killed midway resumes exactly where its last committed batch ended).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CursorMove<'a> {
    /// No cursor moves.
    None,
    /// `analyzer`'s cursor moves to `seq` (the last event it analysed), also when the batch
    /// appends nothing.
    To { analyzer: &'a str, seq: u64 },
    /// `analyzer`'s cursor moves to the head after the batch (for an analyzer that has seen
    /// every event of the batch), but only if it stood at the head before the batch: events
    /// another writer appended in between were not seen, and the analyzer's next catch-up must
    /// read them (reading this batch again appends nothing twice: keys are idempotent).
    ToHead { analyzer: &'a str },
}

/// The event log: the part of the ledger every backend has (SQLite and PostgreSQL), and with
/// [`Integrity`] and [`AuditStore`] all that `audit verify`, `audit log`, checkpoints, proofs
/// and `migrate` need.
pub trait EventLog {
    /// Where the log lives (a path or a URL without credentials), for messages.
    fn location(&self) -> &str;

    /// The one append path. Appends the events read from `events` in one transaction:
    /// idempotent on each event's key (an event whose key is recorded is skipped), hash-chained,
    /// with their attachments, the Merkle tree and (where kept) the projections, and moves an
    /// analyzer's cursor as `cursor` says in the same transaction. The source is read once, as
    /// the events are written (an import too large for memory streams through); the first
    /// `Err` from it rolls everything back, the cursor move too. A backend that keeps no
    /// analyzer cursors (PostgreSQL: each host's replica keeps them) refuses a cursor move.
    fn append_stream(
        &mut self,
        events: &mut dyn Iterator<Item = Result<NewEvent, LedgerError>>,
        cursor: CursorMove<'_>,
    ) -> Result<AppendSummary, LedgerError>;

    /// [`append_stream`](Self::append_stream) of a batch held in memory, moving no cursor.
    fn append(&mut self, events: Vec<NewEvent>) -> Result<AppendSummary, LedgerError> {
        self.append_stream(&mut events.into_iter().map(Ok), CursorMove::None)
    }

    /// The newest event, if any.
    fn head(&self) -> Result<Option<Head>, LedgerError>;

    /// Stored events in sequence order, optionally of one kind, starting after `after_seq`.
    fn events(
        &self,
        kind: Option<&str>,
        after_seq: u64,
        limit: usize,
    ) -> Result<Vec<devspm_core::StoredEvent>, LedgerError>;

    /// Content kept outside the chain, by SHA-256 (`None` if absent or redacted).
    fn content(&self, sha256: &str) -> Result<Option<Vec<u8>>, LedgerError>;
}

/// Checking the ledger against itself: every backend re-walks its chain; a backend that keeps
/// projections also compares them with a replay of the events.
pub trait Integrity {
    /// Re-walks the whole chain; `progress` receives the number of events checked so far.
    fn verify(&self, progress: &mut dyn FnMut(u64)) -> Result<VerifyReport, LedgerError>;

    /// Compares the projections with a replay of the events (see
    /// [`Projections::check_projections`]); `None` on a backend that keeps no projections
    /// (PostgreSQL: each host derives them in its replica).
    fn check_projections_kept(
        &self,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Option<ProjectionReport>, LedgerError>;
}

/// The projections (the SQL tables every view reads), derived from the events: checked against
/// a replay and rebuilt. Only a backend that keeps them (SQLite) has this.
pub trait Projections {
    /// Replays every event into a scratch copy of the projections and compares it with the
    /// stored projections, row by row, in one read snapshot: names the first row that was
    /// edited, added or deleted behind the ledger's back.
    fn check_projections(
        &self,
        progress: &mut dyn FnMut(u64),
    ) -> Result<ProjectionReport, LedgerError>;

    /// Drops every projection and replays all events into them. Returns the events replayed.
    fn rebuild(&mut self, progress: &mut dyn FnMut(u64)) -> Result<u64, LedgerError>;
}

/// Where each analyzer stands: its cursor over the event log (moved by appends, see
/// [`CursorMove`]) and its completion markers per repository.
pub trait AnalyzerState {
    /// The event sequence number an analyzer has processed up to (0: nothing yet).
    fn cursor(&self, analyzer: &str) -> Result<u64, LedgerError>;

    /// The input state (an opaque digest the analyzer chose, e.g. of the repository's refs)
    /// over which `analyzer` last completed in repository `repo_id`; `None` when it never did.
    fn analyzed(&self, analyzer: &str, repo_id: &str) -> Result<Option<String>, LedgerError>;

    /// Records that `analyzer` completed over `state` in repository `repo_id`. A completion
    /// marker may only claim work whose results are on record: call it after the analyzer's
    /// last append, so that a run killed before it does the work again (appends are
    /// idempotent) instead of skipping it for good.
    fn mark_analyzed(
        &mut self,
        analyzer: &str,
        repo_id: &str,
        state: &str,
    ) -> Result<(), LedgerError>;
}

/// What ingest reads to record only what is new: repositories, their refs and commits, aliases.
pub trait IngestState {
    /// What is recorded about one repository (without its commits).
    fn repository_state(&self, repo_id: &str) -> Result<RepositoryState, LedgerError>;

    /// The commits recorded for one repository.
    fn recorded_commits(&self, repo_id: &str) -> Result<RecordedCommits, LedgerError>;

    /// Every known alias with its personal data, for assigning alias ids during ingest.
    fn alias_book(&self) -> Result<AliasBook, LedgerError>;

    /// The `.mailmap` links of one repository recorded with their line, as `(alias,
    /// canonical)`: ingest does not blame their line again.
    fn mailmap_links_with_lines(
        &self,
        repo_id: &str,
    ) -> Result<std::collections::HashSet<(String, String)>, LedgerError>;

    /// The first recorded commit (by author time) that added `path`, with its author alias.
    fn first_commit_adding(
        &self,
        repo_id: &str,
        path: &str,
    ) -> Result<Option<(String, String)>, LedgerError>;

    /// The id of a repository with this locator or name, if recorded.
    fn find_repository(&self, locator_or_name: &str) -> Result<Option<String>, LedgerError>;
}

/// Identities: what identity resolution reads, and the identities it resolved.
pub trait Identities {
    /// Aliases, links, current resolutions and identities, for identity resolution.
    fn resolver_state(&self) -> Result<ResolverState, LedgerError>;

    /// Every identity with its counts, most active first.
    fn identities(&self) -> Result<Vec<IdentityRow>, LedgerError>;

    /// One identity found by id, alias id, e-mail or name, with the evidence for each alias.
    /// Several matches are all returned.
    fn identity_detail(&self, query: &str) -> Result<Vec<IdentityDetail>, LedgerError>;
}

/// The summary views of `scan` and `ai report`.
pub trait Views {
    /// Summary of one repository (the `scan` view).
    fn repository_summary(
        &self,
        repo_id: &str,
        top: usize,
    ) -> Result<RepositorySummary, LedgerError>;

    /// AI involvement across one repository's commits (or every repository's).
    fn ai_report(&self, repo_id: Option<&str>) -> Result<AiReport, LedgerError>;
}

/// Erasure of personal data.
pub trait Privacy {
    /// Erases one identity's personal data (crypto-shredding, `docs/privacy.md`): deletes the
    /// key and sealed record of each of its aliases and every stored content naming it, records
    /// an `identity_forgotten` event, and scrubs the erased bytes from the storage.
    fn forget(&mut self, identity: &str) -> Result<ForgetReport, LedgerError>;
}

/// Per-host caches: what a command computed once and reuses on later runs on the same host (a
/// blame of a file version, the blobs the secret detector has already read). Not part of the
/// record: nothing in them is an event, verified or replayed; they are never replicated (each
/// host keeps its own, beside its replica); and they may be dropped at any time, the next run
/// computing again what it needs.
pub trait Caches {
    /// A cached blame of a file version (JSON written by the caller).
    fn blame_cached(
        &self,
        repo: &str,
        path: &str,
        blob: &str,
    ) -> Result<Option<String>, LedgerError>;

    /// Stores a blame of a file version.
    fn cache_blame(
        &mut self,
        repo: &str,
        path: &str,
        blob: &str,
        json: &str,
    ) -> Result<(), LedgerError>;

    /// Blobs of a repository already read by the secret detector with rule set `rules`.
    fn scanned_blobs(
        &self,
        repo_id: &str,
        rules: &str,
    ) -> Result<std::collections::HashSet<String>, LedgerError>;

    /// Remembers blobs read by the secret detector.
    fn add_scanned_blobs(
        &mut self,
        repo_id: &str,
        rules: &str,
        blobs: &[String],
    ) -> Result<(), LedgerError>;
}

/// The whole ledger with its projections (SQLite, or an SQLite replica of PostgreSQL): a name
/// for every small trait at once, implemented by every store that implements them all. A
/// function asks for the small traits it uses; `Store` is for those that use most of them.
/// Only the ledger writes; analyzers get data and return events.
pub trait Store:
    EventLog + Integrity + Projections + AnalyzerState + IngestState + Identities + Views + Privacy
{
}

impl<T> Store for T where
    T: EventLog
        + Integrity
        + Projections
        + AnalyzerState
        + IngestState
        + Identities
        + Views
        + Privacy
        + ?Sized
{
}
