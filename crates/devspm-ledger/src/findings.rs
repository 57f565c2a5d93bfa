//! What importers and the attribution engine read from the ledger, and the findings view.
//!
//! [`FindingStore`] holds the queries the findings capability needs (beside the event log):
//! the findings already known for a producer and repository (so an import knows what is new,
//! fixed or reopened), the findings still to attribute, the facts of introducing commits, AI
//! involvement for them, and the listing `devspm findings` prints. The blame cache attribution
//! reuses is a host's, in [`crate::Caches`].

use std::collections::HashMap;

use serde::Serialize;

use crate::LedgerError;

/// A finding already on record for a producer and repository.
#[derive(Clone, Debug)]
pub struct KnownFinding {
    pub finding: String,
    /// `open` or `fixed`.
    pub status: String,
}

/// A finding to attribute.
#[derive(Clone, Debug)]
pub struct PendingFinding {
    pub finding: String,
    pub repo: String,
    pub kind: String,
    pub tool: String,
    pub path: Option<String>,
    pub start_line: Option<u32>,
    pub end_line: Option<u32>,
    pub ecosystem: Option<String>,
    pub package: Option<String>,
    pub version: Option<String>,
    /// The revision the finding was last seen at.
    pub revision: Option<String>,
    /// The stored payload's secret hash, for secret findings.
    pub secret_hash: Option<String>,
    /// The rule that flagged it.
    pub rule: String,
}

/// Where a recorded finding stands, for the lifecycle of an import.
#[derive(Clone, Copy, Debug)]
pub struct FindingState<'a> {
    pub finding: &'a str,
    /// `open` or `fixed`.
    pub status: &'a str,
    /// The revision the finding was last seen at, if known.
    pub last_revision: Option<&'a str>,
    /// The revision at which it was found fixed, if it is.
    pub fixed_revision: Option<&'a str>,
}

/// One recorded import of a producer's results.
#[derive(Clone, Debug, Serialize)]
pub struct ImportRecord {
    pub import: String,
    pub repo: String,
    pub tool: String,
    /// `sarif`, `gitleaks` … or `devspm` for devspm's own analyzers.
    pub format: String,
    /// The input file's name.
    pub source: String,
    pub revision: Option<String>,
    pub results: u64,
    pub new: u64,
    pub fixed: u64,
    pub reopened: u64,
    pub seq: u64,
    /// When the import was recorded (the event's time, RFC 3339).
    pub at: String,
    /// The sequence number of the event that withdrew it (`devspm import --undo`).
    pub withdrawn_seq: Option<u64>,
}

pub use devspm_core::finding::FindingSnapshot;

/// A line-level AI record: the agent and the inclusive line ranges it wrote.
pub type AgentLines = (String, Vec<[u32; 2]>);

/// Author facts of a recorded commit.
#[derive(Clone, Debug)]
pub struct CommitFacts {
    pub author: String,
    pub time: i64,
}

/// Filters for [`FindingStore::findings`]; `None` means any.
#[derive(Clone, Debug, Default)]
pub struct FindingFilter {
    pub repo: Option<String>,
    pub tool: Option<String>,
    pub status: Option<String>,
    /// Minimum severity (`high` includes `critical`).
    pub min_severity: Option<String>,
    pub agent: Option<String>,
    /// An identity id, or the name or e-mail of an alias (exact, case-insensitive): the
    /// findings of that alias's identity, and those introduced under the alias itself whatever
    /// identity it resolved to (a `.mailmap` link must not hide them).
    pub developer: Option<String>,
    pub team: Option<String>,
}

/// One row of `devspm findings`.
#[derive(Clone, Debug, Serialize)]
pub struct FindingRow {
    pub finding: String,
    pub repository: String,
    pub tool: String,
    pub rule: String,
    pub kind: String,
    pub severity: String,
    pub status: String,
    pub message: String,
    pub identifiers: Vec<String>,
    pub path: Option<String>,
    pub start_line: Option<u32>,
    pub end_line: Option<u32>,
    pub package: Option<String>,
    pub version: Option<String>,
    pub secret_preview: Option<String>,
    pub first_revision: Option<String>,
    pub last_revision: Option<String>,
    pub fixed_revision: Option<String>,
    pub reopened: u32,
    /// Attribution: `attributed`, `unattributable`, or `None` when not attributed yet.
    pub attribution: Option<String>,
    pub method: Option<String>,
    pub reason: Option<String>,
    pub confidence: Option<String>,
    pub introduced_in: Option<String>,
    /// Author time of the introducing commit (seconds since the epoch).
    pub introduced_at: Option<i64>,
    pub other_commits: Vec<String>,
    pub developer: Option<String>,
    pub developer_name: Option<String>,
    pub team: Option<String>,
    pub agents: Vec<String>,
    /// The standing triage judgement (`devspm findings triage`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub triage: Option<Triage>,
    /// The package's ecosystem (`crates.io`, `PyPI`, `npm` …) for dependency findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ecosystem: Option<String>,
    /// The repository's id (`r_…`; `repository` is its name).
    #[serde(skip)]
    pub repo_id: String,
    /// The inline marker (`gitleaks:allow`) the detector saw on the finding's line, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inline_marker: Option<String>,
    /// The scanner's own suppression of the result (SARIF `suppressions`, `nosemgrep`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scanner_suppression: Option<devspm_core::finding::ScannerSuppression>,
}

/// A finding's standing triage judgement (defined in `devspm-core`).
pub use devspm_core::finding::Triage;

impl FindingRow {
    /// Open and not set aside by a standing triage judgement: what `--fail-on` gates on.
    pub fn is_actionable(&self) -> bool {
        self.status == "open" && !self.triage.as_ref().is_some_and(|t| t.active)
    }
}

/// The ledger queries of the findings capability.
pub trait FindingStore {
    /// Whether a producer has any finding recorded in a repository.
    fn has_findings(&self, repo: &str, tool: &str) -> Result<bool, LedgerError>;

    /// Whether a finding with this id is recorded.
    fn finding_recorded(&self, finding: &str) -> Result<bool, LedgerError>;

    /// Calls `each` with the id and status (`open`, `fixed`) of every finding of a producer in
    /// a repository, one row at a time (an import of a million results does not hold them).
    fn for_each_finding(
        &self,
        repo: &str,
        tool: &str,
        each: &mut dyn FnMut(&FindingState<'_>),
    ) -> Result<(), LedgerError>;

    /// Findings recorded for a producer in a repository.
    fn known_findings(
        &self,
        repo: &str,
        tool: &str,
    ) -> Result<HashMap<String, KnownFinding>, LedgerError>;

    /// Whether an import with this id is recorded.
    fn import_recorded(&self, import: &str) -> Result<bool, LedgerError>;

    /// The imports of a repository (or all), oldest first; devspm's own analyzers' runs are
    /// included (format `devspm`).
    fn imports(&self, repo: Option<&str>) -> Result<Vec<ImportRecord>, LedgerError>;

    /// The imports of one producer in one repository, oldest first, each with its recorded
    /// payload (the findings it saw, fixed and reopened).
    fn import_history(
        &self,
        repo: &str,
        tool: &str,
    ) -> Result<Vec<(ImportRecord, devspm_core::finding::FindingsImported)>, LedgerError>;

    /// The findings whose id is `id` or starts with it (`f_3a9c…`): id, repository, status.
    fn findings_by_id(&self, id: &str) -> Result<Vec<(String, String, String)>, LedgerError>;

    /// What the ledger holds of these findings (absent ids are left out).
    fn finding_snapshots(
        &self,
        findings: &[&str],
    ) -> Result<HashMap<String, FindingSnapshot>, LedgerError>;

    /// Open findings of a repository (or all) without an attribution by engine `engine` or
    /// newer, as keys for [`FindingStore::pending_findings`], in attribution order (by
    /// repository, file and line, so that a batch of them shares files). Keys, not rows: a
    /// million pending findings cost 8 MB here and are read a batch at a time. (A finding seen
    /// again at a later revision keeps its attribution: its flagged content is unchanged — else
    /// its fingerprint, and so the finding, would differ.)
    fn pending_attribution(&self, repo: Option<&str>, engine: u32)
    -> Result<Vec<i64>, LedgerError>;

    /// The findings with these keys (from [`FindingStore::pending_attribution`]), in order.
    fn pending_findings(&self, keys: &[i64]) -> Result<Vec<PendingFinding>, LedgerError>;

    /// Author and time of recorded commits.
    fn commit_facts(
        &self,
        repo: &str,
        shas: &[String],
    ) -> Result<HashMap<String, CommitFacts>, LedgerError>;

    /// Commit-level AI involvement: sha → (agent, confidence).
    fn commit_agents(
        &self,
        repo: &str,
        shas: &[String],
    ) -> Result<HashMap<String, Vec<(String, String)>>, LedgerError>;

    /// Line-level AI records of a file in a commit: (agent, inclusive line ranges).
    fn ai_lines(&self, repo: &str, sha: &str, path: &str) -> Result<Vec<AgentLines>, LedgerError>;

    /// Recorded commits that changed `path` (to a new blob), oldest first by author time:
    /// (sha, blob).
    fn commits_touching(
        &self,
        repo: &str,
        path: &str,
    ) -> Result<Vec<(String, String)>, LedgerError>;

    /// The key secrets are hashed with (HMAC-SHA-256), after checking that it is the key this
    /// database's hashes were made with: `external` when the caller keeps the key outside the
    /// database (a key file, an environment variable), else the key stored in the database
    /// (created on first use). A key that does not match the database's check value is
    /// refused: hashes made with two keys would never match each other. See `docs/privacy.md`.
    fn secret_key(&mut self, external: Option<&[u8; 32]>) -> Result<[u8; 32], LedgerError>;

    /// Deletes the database's own secret-hashing key, keeping only its check value, so that
    /// from now on the key must be given from outside (the caller has written it to a key file
    /// first: `secret_key(None)` returns it). Its bytes are overwritten, not just unlinked.
    /// Refused when the database holds no key of its own. Returns whether the write-ahead log
    /// could be truncated (another process holding the database open prevents it).
    fn delete_own_secret_key(&mut self) -> Result<bool, LedgerError>;

    /// Findings with their attribution.
    fn findings(&self, filter: &FindingFilter) -> Result<Vec<FindingRow>, LedgerError>;
}

/// Rank of a severity name on the one scale (unknown lowest).
pub fn severity_rank(name: &str) -> u8 {
    match name {
        "critical" => 5,
        "high" => 4,
        "medium" => 3,
        "low" => 2,
        "info" => 1,
        _ => 0,
    }
}
