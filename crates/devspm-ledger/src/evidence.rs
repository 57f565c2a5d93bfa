//! What `devspm audit evidence` reads: the changes (commits) of a period, everything recorded
//! about one change (people, signature, trailers, files, AI involvement, the findings it
//! introduced, the events that record each), scanner runs and history rewrites.
//!
//! [`EvidenceStore`] holds these read-only queries over the projections. Personal data (names,
//! e-mails) is not read here: callers resolve alias ids through
//! [`crate::IngestState::alias_book`], so the pack follows wherever the personal data lives.

use serde::Serialize;

use crate::LedgerError;

// The rows of the pack live on the vocabulary floor, where the renderers see them too.
pub use devspm_core::evidence::{IntroducedFinding, RepositoryRow, RewriteRecord, ScannerRun};

/// Trailer keys (lower case) that record a review or an approval by someone else.
pub use devspm_core::commit::REVIEW_TRAILERS;

/// A change of the period, with what population statistics need.
#[derive(Clone, Debug, Serialize)]
pub struct PeriodChange {
    pub repo: String,
    pub sha: String,
    pub committer_time: i64,
    /// Sequence number of its `commit_recorded` event.
    pub seq: u64,
    pub author_alias: String,
    pub committer_alias: String,
    /// `none`, `gpg`, `ssh`, `x509` or `unknown`.
    pub signature: String,
    pub parent_count: u32,
    /// The commit carries a review or approval trailer ([`REVIEW_TRAILERS`]).
    pub review_trailer: bool,
    /// AI involvement is recorded for the commit.
    pub ai: bool,
    /// No longer reachable from any ref (kept as evidence).
    pub unreachable: bool,
}

/// A trailer of a commit; `alias` is set (and `value` empty) when it names a person.
#[derive(Clone, Debug, Serialize)]
pub struct TrailerRow {
    pub key: String,
    pub value: Option<String>,
    pub alias: Option<String>,
}

/// Everything the `commits` projection holds about one commit.
#[derive(Clone, Debug, Serialize)]
pub struct ChangeFacts {
    pub repo: String,
    pub repo_name: String,
    pub repo_locator: String,
    pub sha: String,
    pub parents: Vec<String>,
    pub author_alias: String,
    pub author_time: i64,
    pub author_offset: i64,
    pub committer_alias: String,
    pub committer_time: i64,
    pub committer_offset: i64,
    pub message_sha256: String,
    pub signature: String,
    pub files_changed: u64,
    pub lines_added: u64,
    pub lines_removed: u64,
    /// Files by change kind (`added`, `modified`, `deleted`, `renamed` …).
    pub files_by_change: Vec<(String, u64)>,
    pub binary_files: u64,
    /// Things that could not be read for this commit.
    pub gaps: u64,
    pub shallow_boundary: bool,
    /// The event that marked it unreachable, if it is.
    pub unreachable_seq: Option<u64>,
    /// Its `commit_recorded` event.
    pub seq: u64,
    pub trailers: Vec<TrailerRow>,
}

/// How an alias was resolved to an identity.
#[derive(Clone, Debug, Serialize)]
pub struct AliasIdentity {
    pub identity: String,
    /// `developer`, `agent` or `bot`.
    pub kind: String,
    pub slug: Option<String>,
    pub team: Option<String>,
    pub rule: String,
    pub via: Option<String>,
    pub detail: Option<String>,
    /// The `alias_resolved` event that decided it.
    pub seq: u64,
}

/// One AI involvement in a commit, with its evidence.
#[derive(Clone, Debug, Serialize)]
pub struct AiRecord {
    pub agent: String,
    pub role: String,
    pub confidence: String,
    /// Alias id of the accountable human, if known.
    pub accountable: Option<String>,
    /// (marker, matched) pairs, as recorded (identity evidence names alias ids, never people).
    pub evidence: Vec<(String, String)>,
    /// Lines the agent wrote according to line-level records (git-ai, Agent Trace), if any.
    pub lines: Option<u64>,
    /// The `ai_involvement` event.
    pub seq: u64,
}

/// The read-only queries of evidence packs.
pub trait EvidenceStore {
    /// Recorded repositories, by name.
    fn repositories(&self) -> Result<Vec<RepositoryRow>, LedgerError>;

    /// The earliest and newest committer time of the recorded commits (of one repository).
    fn commit_time_range(&self, repo: Option<&str>) -> Result<Option<(i64, i64)>, LedgerError>;

    /// Commits with `since <= committer time < until`, oldest first.
    fn changes_between(
        &self,
        repo: Option<&str>,
        since: i64,
        until: i64,
    ) -> Result<Vec<PeriodChange>, LedgerError>;

    /// Everything recorded about one commit.
    fn change_facts(&self, repo: &str, sha: &str) -> Result<Option<ChangeFacts>, LedgerError>;

    /// The identity an alias resolves to.
    fn alias_identity(&self, alias: &str) -> Result<Option<AliasIdentity>, LedgerError>;

    /// AI involvement recorded for a commit.
    fn ai_records(&self, repo: &str, sha: &str) -> Result<Vec<AiRecord>, LedgerError>;

    /// Findings attributed to a commit (as primary or other introducing commit).
    fn findings_introduced_by(
        &self,
        repo: &str,
        sha: &str,
    ) -> Result<Vec<IntroducedFinding>, LedgerError>;

    /// Scanner imports recorded for a repository (or all), oldest first.
    fn scanner_runs(&self, repo: Option<&str>) -> Result<Vec<ScannerRun>, LedgerError>;

    /// History rewrites recorded for a repository (or all), oldest first.
    fn rewrites(&self, repo: Option<&str>) -> Result<Vec<RewriteRecord>, LedgerError>;

    /// Committer time of recorded commits (`None` for a commit not recorded).
    fn committer_time(&self, repo: &str, sha: &str) -> Result<Option<i64>, LedgerError>;
}
