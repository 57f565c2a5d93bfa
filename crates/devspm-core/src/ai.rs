//! The AI report's data (`devspm ai`): AI involvement in recorded commits by agent,
//! accountable developer, team, repository and month, and the AI tooling configured at HEAD.
//! The ledger fills it; `devspm-report` renders it. Plain data.

use serde::Serialize;

/// A tool configured in a repository at its latest inspected revision.
#[derive(Clone, Debug, Serialize)]
pub struct ToolRow {
    /// Repository id.
    pub repo: String,
    pub path: String,
    pub kind: String,
    pub name: String,
    pub pinned: Option<bool>,
    /// Rule ids of its risky settings.
    pub risks: Vec<String>,
    pub introduced_in: Option<String>,
}

/// One row of an AI report breakdown.
#[derive(Clone, Debug, Serialize)]
pub struct AiRow {
    /// Agent id, identity id or month (`2026-11`), depending on the breakdown.
    pub key: String,
    /// Display name (developer name for identities; empty otherwise).
    pub name: String,
    /// Commits in scope (for a developer or team: the commits they are accountable for — an
    /// AI-involved commit's accountable human, else its committer if a developer, else its
    /// author; so `ai_commits / commits` is a share, never above 1).
    pub commits: u64,
    /// Commits with AI involvement.
    pub ai_commits: u64,
    /// Of those, commits resting on heuristic evidence only.
    pub heuristic_only: u64,
    /// Lines added + removed by the AI-involved commits.
    pub ai_lines: u64,
}

impl AiRow {
    /// An empty row for `key`.
    pub fn new(key: String) -> AiRow {
        AiRow {
            key,
            name: String::new(),
            commits: 0,
            ai_commits: 0,
            heuristic_only: 0,
            ai_lines: 0,
        }
    }
}

/// `devspm ai`: AI involvement across recorded commits.
#[derive(Clone, Debug, Serialize)]
pub struct AiReport {
    /// Repository id, or `None` for every repository.
    pub repo: Option<String>,
    pub commits: u64,
    pub ai_commits: u64,
    pub share: f64,
    pub lines: u64,
    pub ai_lines: u64,
    pub heuristic_only: u64,
    pub by_agent: Vec<AiRow>,
    /// By the human accountable for each AI-involved commit.
    pub by_developer: Vec<AiRow>,
    /// By team (from `[[identity]] team` in devspm.toml) of the accountable developer.
    pub by_team: Vec<AiRow>,
    /// By repository (when the report covers more than one).
    pub by_repository: Vec<AiRow>,
    pub by_month: Vec<AiRow>,
    /// AI tooling configured at each repository's latest inspected revision.
    pub tools: Vec<ToolRow>,
}
