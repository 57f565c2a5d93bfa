//! What `devspm scan` says about a repository, as data: its history, identities, signing,
//! rewrites, gaps, AI involvement and top contributors. The ledger fills it
//! (`devspm_ledger::Views`), `devspm-report` renders it (beside what the run itself did) and
//! the front end writes it as JSON. Plain data.

use serde::Serialize;

/// A contributor line of a repository summary.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Contributor {
    pub identity: String,
    pub kind: String,
    pub name: String,
    pub email: String,
    pub commits: u64,
}

/// A recorded history rewrite.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RewriteRow {
    pub event: u64,
    pub ref_name: String,
    pub old_tip: String,
    pub new_tip: String,
    pub unreachable: u64,
    pub lost: u64,
}

/// Commits one agent took part in.
#[derive(Clone, Debug, Default, Serialize)]
pub struct AgentShare {
    pub agent: String,
    pub commits: u64,
    /// Commits with at least one exact marker (the rest rest on heuristic evidence only).
    pub exact_commits: u64,
}

/// AI involvement in a repository's commits (from `ai_involvement` events).
#[derive(Clone, Debug, Default, Serialize)]
pub struct AiSummary {
    /// Commits with any AI involvement.
    pub commits: u64,
    /// Share of all recorded commits.
    pub share: f64,
    /// Commits whose involvement rests on heuristic evidence only.
    pub heuristic_only_commits: u64,
    pub by_agent: Vec<AgentShare>,
    /// AI tooling configured at the latest inspected revision (from `tool_seen` events).
    pub tools: Vec<crate::ai::ToolRow>,
    /// AI-involved commits that carry line-level records (git-ai notes).
    pub line_level_commits: u64,
    /// Line-level records whose commit is not a recorded commit (lost to a rebase or squash).
    pub orphaned_records: u64,
}

/// What `devspm scan` prints about a repository.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RepositorySummary {
    pub repo: String,
    pub name: String,
    pub locator: String,
    pub commits: u64,
    pub merges: u64,
    /// Recorded commits no longer reachable from any ref (kept as evidence).
    pub unreachable_commits: u64,
    pub developers: u64,
    pub bots: u64,
    /// Agents seen as author, committer or in a person trailer (co-author …), by identity.
    pub agents: Vec<Contributor>,
    pub bot_accounts: Vec<Contributor>,
    /// AI involvement found by the commit-level detector.
    pub ai: AiSummary,
    pub signed_commits: u64,
    pub signed_ratio: f64,
    /// Commits per signature kind (`none`, `gpg`, `ssh`, `x509`, `unknown`).
    pub signatures: std::collections::BTreeMap<String, u64>,
    pub top_contributors: Vec<Contributor>,
    pub history_rewrites: Vec<RewriteRow>,
    /// Things that could not be read (missing objects, shallow boundary), by kind.
    pub ingest_gaps: std::collections::BTreeMap<String, u64>,
    pub first_commit_time: Option<i64>,
    pub last_commit_time: Option<i64>,
    pub lines_added: u64,
    pub lines_removed: u64,
}
