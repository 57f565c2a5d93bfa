//! Tool governance as data: each recorded use of a tool, in a repository file or on a
//! workstation (`devspm tools list`). The ledger fills these rows
//! (`devspm_ledger::GovernanceStore`), `devspm-report` renders them as text and the front end
//! writes them as JSON. Plain data.

use serde::Serialize;

/// One tool in use: in a repository file or on a workstation.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ToolUseRow {
    /// `repository` or `workstation`.
    pub origin: &'static str,
    /// Repository name (repository origin).
    pub repository: Option<String>,
    /// Repository id (repository origin): what tells two repositories of one name apart.
    #[serde(skip)]
    pub repo_id: Option<String>,
    /// Host name (workstation origin).
    pub host: Option<String>,
    pub kind: String,
    pub name: String,
    /// Ref, tag, digest or version.
    pub version: Option<String>,
    pub path: String,
    pub line: Option<u32>,
    pub pinned: Option<bool>,
    pub risks: Vec<String>,
    /// Policy verdict recorded at scan time (workstations).
    pub verdict: Option<String>,
    /// The commit that introduced the line or file (repository origin).
    pub introduced_in: Option<String>,
    /// That commit's author time (seconds since the epoch), when it is recorded.
    pub introduced_at: Option<i64>,
    /// Identity id of who introduced it (repository) or whose machine it is (workstation).
    pub identity: Option<String>,
    /// The alias id the introducing commit was made under (repository origin).
    #[serde(skip)]
    pub alias: Option<String>,
    /// `Name <e-mail>` of that alias, unless erased.
    pub identity_name: Option<String>,
    /// When it was first and last seen (event times, RFC 3339).
    pub first_seen: String,
    pub last_seen: String,
}
