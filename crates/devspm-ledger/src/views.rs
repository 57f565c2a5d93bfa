//! Read models returned by [`crate::Store`] queries: what the `scan` summary and the
//! `identities` commands show. Plain data; rendering is the binary's job.

use serde::Serialize;

pub use devspm_core::ai::{AiReport, AiRow, ToolRow};

/// One identity with its activity, for lists.
#[derive(Clone, Debug, Serialize)]
pub struct IdentityRow {
    pub identity: String,
    /// `developer`, `agent` or `bot`.
    pub kind: String,
    /// Catalogue id for agents and bots.
    pub slug: Option<String>,
    pub team: Option<String>,
    /// The name of the alias with the most commits.
    pub name: String,
    /// The e-mail of that alias.
    pub email: String,
    pub aliases: u64,
    /// Every alias as `Name <email>`, most commits first.
    pub alias_list: Vec<String>,
    /// Commits authored, across every repository.
    pub commits: u64,
    /// Author time (Unix seconds) of the first and last authored commit.
    pub first_seen: Option<i64>,
    pub last_seen: Option<i64>,
    pub repositories: u64,
    /// Its personal data was erased (`devspm identities forget`): `name` is then the identity
    /// id, `email` is empty and `alias_list` holds alias ids.
    pub forgotten: bool,
}

/// One alias of an identity, with the evidence that linked it.
#[derive(Clone, Debug, Serialize)]
pub struct AliasEvidence {
    pub alias: String,
    /// The alias's name, or its id when its personal data was erased.
    pub name: String,
    /// Empty when its personal data was erased.
    pub email: String,
    /// Commits authored under this alias.
    pub commits: u64,
    pub rule: String,
    /// The alias this one was linked through, rendered `Name <email>`.
    pub via: Option<String>,
    pub detail: Option<String>,
    /// The rule as a sentence.
    pub explanation: String,
    /// Sequence number of the `alias_resolved` event that decided it.
    pub decided_by_event: u64,
}

/// An identity with every alias and why it belongs.
#[derive(Clone, Debug, Serialize)]
pub struct IdentityDetail {
    #[serde(flatten)]
    pub row: IdentityRow,
    pub alias_evidence: Vec<AliasEvidence>,
    /// `.mailmap` links to or from one of its aliases that join (or would join) separate
    /// histories: merged, contested, confirmed or overruled.
    pub mailmap_links: Vec<LinkEvidence>,
}

/// A `.mailmap` link between two histories, with the line that declared it and how identity
/// resolution judged it (see `devspm_core::identity`).
#[derive(Clone, Debug, Serialize)]
pub struct LinkEvidence {
    /// `merged`, `contested`, `confirmed` or `overruled`.
    pub verdict: String,
    /// The reason's code (`third-party`, `names-agree`, `self-asserted` …).
    pub reason: String,
    /// The reason as a sentence.
    pub explanation: String,
    /// The alias the line maps, rendered `Name <email>` (its id once erased).
    pub alias: String,
    /// The alias it maps it to.
    pub canonical: String,
    /// The repository whose `.mailmap` declared it.
    pub repository: String,
    pub path: Option<String>,
    /// The commit whose file was read.
    pub revision: Option<String>,
    pub line: Option<u32>,
    /// The commit that added the line.
    pub added_in: Option<String>,
    /// Its author, rendered `Name <email>`.
    pub added_by: Option<String>,
    /// Who that author is: `alias` (the mapped alias, or its side), `canonical` (the side that
    /// gains the alias), `one-side` (one of two sides since joined) or `neither`.
    pub added_by_side: Option<String>,
    /// The `alias_linked` event that recorded the link.
    pub linked_by_event: u64,
    /// The `alias_link_judged` event that judged it.
    pub judged_by_event: u64,
}

/// A contributor line of a repository summary.
#[derive(Clone, Debug, Serialize)]
pub struct Contributor {
    pub identity: String,
    pub kind: String,
    pub name: String,
    pub email: String,
    pub commits: u64,
}

/// A recorded history rewrite.
#[derive(Clone, Debug, Serialize)]
pub struct RewriteRow {
    pub event: u64,
    pub ref_name: String,
    pub old_tip: String,
    pub new_tip: String,
    pub unreachable: u64,
    pub lost: u64,
}

/// Commits one agent took part in.
#[derive(Clone, Debug, Serialize)]
pub struct AgentShare {
    pub agent: String,
    pub commits: u64,
    /// Commits with at least one exact marker (the rest rest on heuristic evidence only).
    pub exact_commits: u64,
}

/// AI involvement in a repository's commits (from `ai_involvement` events).
#[derive(Clone, Debug, Serialize)]
pub struct AiSummary {
    /// Commits with any AI involvement.
    pub commits: u64,
    /// Share of all recorded commits.
    pub share: f64,
    /// Commits whose involvement rests on heuristic evidence only.
    pub heuristic_only_commits: u64,
    pub by_agent: Vec<AgentShare>,
    /// AI tooling configured at the latest inspected revision (from `tool_seen` events).
    pub tools: Vec<ToolRow>,
    /// AI-involved commits that carry line-level records (git-ai notes).
    pub line_level_commits: u64,
    /// Line-level records whose commit is not a recorded commit (lost to a rebase or squash).
    pub orphaned_records: u64,
}

/// What `devspm scan` prints about a repository.
#[derive(Clone, Debug, Serialize)]
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
