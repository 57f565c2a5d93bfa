//! The facts posture is computed from, as plain data: what the ledger's posture queries return
//! (`devspm_ledger::PostureStore`) and what `devspm-posture` turns into metrics and scores.
//!
//! They sit on the vocabulary floor for the same reason as the evidence pack's rows: the ledger
//! answers with them and the posture crate reads them, and neither may depend on the other.
//! Every fact names the event behind it (a sequence number) or the commit or finding it is
//! about, so that a score can be traced back to the record.

use serde::Serialize;

/// Trailer keys (lower case) that name a co-author: another person on the change (an agent
/// co-author is not a person and reviews nothing).
pub const CO_AUTHOR_TRAILERS: [&str; 1] = ["co-authored-by"];

/// A recorded, reachable commit.
#[derive(Clone, Debug, Serialize)]
pub struct CommitFact {
    pub repo: String,
    pub sha: String,
    /// Sequence number of its `commit_recorded` event.
    pub seq: u64,
    pub author_alias: String,
    /// The identity the author alias resolves to (`None` when not resolved yet).
    pub author_identity: Option<String>,
    pub committer_alias: String,
    pub committer_identity: Option<String>,
    /// Seconds since the Unix epoch.
    pub author_time: i64,
    pub committer_time: i64,
    pub parent_count: u32,
    /// Lines added plus lines removed (against the first parent).
    pub lines: u64,
    /// `none`, `gpg`, `ssh`, `x509` or `unknown`.
    pub signature: String,
    /// The key the signature names (unverified; see `CommitRecorded::signing_key`).
    pub signing_key: Option<String>,
    /// The trailers that can show review by someone else: review and approval
    /// ([`crate::commit::REVIEW_TRAILERS`]) and co-author ([`CO_AUTHOR_TRAILERS`]) keys.
    pub review_trailers: Vec<TrailerFact>,
    /// AI agents with a commit-level involvement (catalogue ids, sorted, distinct).
    pub agents: Vec<String>,
    /// The human the AI detector names accountable for an AI-involved commit, as an identity.
    pub accountable_identity: Option<String>,
    /// Lines line-level records (git-ai notes, Agent Trace) attribute to an AI agent in this
    /// commit: per file the largest of its records, summed (0 without records).
    pub ai_recorded_lines: u64,
    /// Whether the commit is reachable from the repository's default branch; `None` when the
    /// default branch is not known. Filled by the caller from the commit graph, not the query.
    pub on_default_branch: Option<bool>,
}

/// A trailer of a commit; `alias` and `identity` are set when it names a person or an agent.
#[derive(Clone, Debug, Serialize)]
pub struct TrailerFact {
    pub key: String,
    pub value: Option<String>,
    pub alias: Option<String>,
    pub identity: Option<String>,
}

/// A recorded finding (not withdrawn), with its attribution, fix and triage.
#[derive(Clone, Debug, Serialize)]
pub struct FindingFact {
    pub finding: String,
    pub repo: String,
    pub tool: String,
    /// `code`, `dependency`, `secret` or `config`.
    pub kind: String,
    /// `critical`, `high`, `medium`, `low`, `info` or `unknown`.
    pub severity: String,
    /// `open` or `fixed`.
    pub status: String,
    /// Its `finding_recorded` event.
    pub first_seq: u64,
    /// The event that set its status (the import that found it fixed, for a fixed one).
    pub status_seq: u64,
    /// The primary introducing commit of an attributed finding.
    pub introduced_in: Option<String>,
    pub introduced_alias: Option<String>,
    pub introduced_identity: Option<String>,
    /// Author time of the introducing commit (seconds since the epoch).
    pub introduced_at: Option<i64>,
    /// AI agents with a commit-level involvement in the introducing commit.
    pub introduced_agents: Vec<String>,
    /// The `attribution` event.
    pub attribution_seq: Option<u64>,
    /// The revision at which an import found it fixed, and that commit's committer time when
    /// the commit is recorded.
    pub fixed_revision: Option<String>,
    pub fixed_at: Option<i64>,
    /// The commit taken to have fixed it (`devspm_posture::fixes`), filled by the caller from
    /// the commit graph and the commits that changed its file; `None` when unknown.
    pub fixed_in: Option<String>,
    /// For a secret: whether its attribution found the value still in the file at the
    /// revision it was scanned at (HEAD for the built-in detector); `None` when not recorded.
    /// Filled by the caller from the `attribution` event.
    pub live_at_head: Option<bool>,
    /// The standing triage judgement: state, last day it holds (YYYY-MM-DD), its event.
    pub triage: Option<TriageFact>,
}

/// A finding's standing triage judgement.
#[derive(Clone, Debug, Serialize)]
pub struct TriageFact {
    /// `false-positive`, `accepted-risk` or `wont-fix`.
    pub state: String,
    pub expires: Option<String>,
    pub seq: u64,
}

/// A developer, agent or bot identity that has at least one alias.
#[derive(Clone, Debug, Serialize)]
pub struct IdentityFact {
    pub identity: String,
    /// `developer`, `agent` or `bot`.
    pub kind: String,
    /// The catalogue id of an agent or bot.
    pub slug: Option<String>,
    /// The team from the configuration file.
    pub team: Option<String>,
    /// Name and e-mail of the alias with the most authored commits that still has personal
    /// data (`None` once erased).
    pub name: Option<String>,
    pub email: Option<String>,
    /// Every alias's e-mail and name (for finding a developer by either), lower case.
    pub known_as: Vec<String>,
}

/// A `hook_override` event: someone committed past a blocking pre-commit check.
#[derive(Clone, Debug, Serialize)]
pub struct HookOverrideFact {
    pub seq: u64,
    /// When it was recorded (seconds since the epoch).
    pub at: i64,
    pub repo: String,
    pub alias: Option<String>,
    pub identity: Option<String>,
    /// How many secrets the check had blocked.
    pub blocked: u64,
}

/// The (not withdrawn) imports of one producer in one repository: what makes findings known.
#[derive(Clone, Debug, Serialize)]
pub struct ScanCoverage {
    pub repo: String,
    pub tool: String,
    /// Imports recorded; 0 for a built-in detector that completed a run without finding
    /// anything (it records an import only when it finds something).
    pub imports: u64,
    /// The first and latest import events (0 when there is none).
    pub first_seq: u64,
    pub last_seq: u64,
    /// Secret findings this producer has recorded in any repository (a producer that reports
    /// secrets somewhere looks for them everywhere it runs).
    pub secret_findings: u64,
}

/// A tool in use, as the inventory records it now: in a repository file (who introduced the
/// line) or on a developer's workstation (whose machine it is). The policy's verdict is not
/// part of it: the engine judges repository tools with the current `[policy]`; a workstation
/// tool carries the verdict its scan recorded.
#[derive(Clone, Debug, Serialize)]
pub struct ToolFact {
    /// `repository` or `workstation`.
    pub origin: String,
    /// Repository id (repository origin) and host name (workstation origin).
    pub repo: Option<String>,
    pub host: Option<String>,
    /// The identity that introduced it (repository) or whose workstation it is.
    pub identity: Option<String>,
    /// Tool kind (`action`, `mcp_server`, `vscode_extension` …), name and version or ref.
    pub kind: String,
    pub name: String,
    pub version: Option<String>,
    /// Where: the file (repository) or the path under the home folder (workstation).
    pub path: String,
    /// The verdict a workstation scan recorded (`approved`, `unapproved`, `denied`).
    pub recorded_verdict: Option<String>,
    /// The event that last recorded it (`tool_seen`, `workstation_tool_seen`).
    pub seq: u64,
}

/// A recorded repository, with the refs that may be its default branch.
#[derive(Clone, Debug, Serialize)]
pub struct RepositoryFact {
    pub repo: String,
    pub name: String,
    /// (ref name, target commit) of the candidate refs that exist.
    pub refs: Vec<(String, String)>,
}

/// A recorded commit as the insider-threat signals read history (reachable or not: a commit
/// rewritten away was still made by someone). Files are not part of it: the rules judge the
/// files of the commits they examine, and build each identity's baseline from these fields.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryCommit {
    pub repo: String,
    pub sha: String,
    /// Sequence number of its `commit_recorded` event.
    pub seq: u64,
    pub author_alias: String,
    pub committer_alias: String,
    /// Seconds since the Unix epoch, and the time-zone offsets in seconds east of UTC.
    pub author_time: i64,
    pub author_offset: i32,
    pub committer_time: i64,
    pub committer_offset: i32,
    pub parent_count: u32,
    pub lines_added: u64,
    pub lines_removed: u64,
    /// `none`, `gpg`, `ssh`, `x509` or `unknown`.
    pub signature: String,
    /// The key the signature names (unverified; see `CommitRecorded::signing_key`).
    pub signing_key: Option<String>,
}

/// An alias with the identity it resolves to and its personal data (while not erased).
#[derive(Clone, Debug, Serialize)]
pub struct AliasFact {
    pub alias: String,
    pub identity: Option<String>,
    /// The identity's kind: `developer`, `agent` or `bot`.
    pub kind: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// A file changed by a reachable non-merge commit (for teams from CODEOWNERS).
#[derive(Clone, Debug, Serialize)]
pub struct PathFact {
    pub repo: String,
    pub sha: String,
    pub path: String,
    /// Lines added plus removed (0 for a binary file).
    pub lines: u64,
}
