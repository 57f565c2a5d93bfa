//! `devspm identities` as data: each identity with its activity, its aliases with the rule
//! that linked each, and the `.mailmap` links that join (or would join) separate histories.
//! The ledger fills these rows (`devspm_ledger::Identities`), `devspm-report` renders them as
//! text and the front end writes them as JSON. Plain data.

use serde::Serialize;

/// One identity with its activity, for lists.
#[derive(Clone, Debug, Default, Serialize)]
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
#[derive(Clone, Debug, Default, Serialize)]
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
#[derive(Clone, Debug, Default, Serialize)]
pub struct IdentityDetail {
    #[serde(flatten)]
    pub row: IdentityRow,
    pub alias_evidence: Vec<AliasEvidence>,
    /// `.mailmap` links to or from one of its aliases that join (or would join) separate
    /// histories: merged, contested, confirmed or overruled.
    pub mailmap_links: Vec<LinkEvidence>,
}

/// A `.mailmap` link between two histories, with the line that declared it and how identity
/// resolution judged it (see [`crate::identity`]).
#[derive(Clone, Debug, Default, Serialize)]
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
