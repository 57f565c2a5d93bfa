//! The evidence pack as data: what `devspm audit evidence` says about a period's changes, and
//! the rows of the ledger it is made of. No behaviour beyond a label or two.
//!
//! These types sit on the vocabulary floor on purpose. The engine (`devspm_engine::evidence`)
//! fills an [`EvidencePack`] from the ledger, the renderers (`devspm_report::evidence`) turn
//! it into Markdown, and a front end may serialise it as it is; the ledger answers its
//! evidence queries with the row types here ([`RepositoryRow`], [`IntroducedFinding`],
//! [`ScannerRun`], [`RewriteRecord`]). `devspm-report` stays a low floor that depends on this
//! crate only — never on the engine or the ledger — so that the engine can use its escaping and
//! formatting, and both see the same types without a copy.
//!
//! The field order of [`ChangeEvidence`] is the order of the keys in the pack's
//! `changes/<id>.json` files.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// Compliance frameworks an evidence pack can be written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Framework {
    /// NIST SP 800-218 Secure Software Development Framework (PS.1, PO.3, RV.2, RV.3).
    Ssdf,
    /// AICPA SOC 2 Trust Services Criteria (CC8.1 change management, CC7.1/CC7.2 monitoring).
    Soc2,
}

impl Framework {
    /// The framework's name as a heading shows it.
    pub fn title(self) -> &'static str {
        match self {
            Framework::Ssdf => "NIST SSDF (SP 800-218)",
            Framework::Soc2 => "SOC 2 (Trust Services Criteria)",
        }
    }

    /// `ssdf` or `soc2`.
    pub fn id(self) -> &'static str {
        match self {
            Framework::Ssdf => "ssdf",
            Framework::Soc2 => "soc2",
        }
    }
}

/// A finding whose attribution names a commit.
#[derive(Clone, Debug, Serialize)]
pub struct IntroducedFinding {
    pub finding: String,
    pub tool: String,
    pub rule: String,
    pub kind: String,
    pub severity: String,
    /// `open` or `fixed`.
    pub status: String,
    pub message: String,
    pub path: Option<String>,
    pub start_line: Option<u32>,
    pub fixed_revision: Option<String>,
    /// The commit is the primary introducing commit (else one of the others).
    pub primary: bool,
    pub method: String,
    pub confidence: String,
    pub agents: Vec<String>,
    /// The `finding_recorded` event.
    pub finding_seq: u64,
    /// The `attribution` event.
    pub attribution_seq: u64,
}

/// One recorded scanner import.
#[derive(Clone, Debug, Serialize)]
pub struct ScannerRun {
    pub repo: String,
    pub tool: String,
    pub format: String,
    pub revision: Option<String>,
    pub results: u64,
    pub new: u64,
    pub fixed: u64,
    pub reopened: u64,
    /// The `findings_imported` event and when it was recorded.
    pub seq: u64,
    pub at: String,
    /// The `import_withdrawn` event that withdrew it, if one did (`devspm import --undo`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn_seq: Option<u64>,
}

/// A recorded history rewrite (force-push).
#[derive(Clone, Debug, Serialize)]
pub struct RewriteRecord {
    pub repo: String,
    pub ref_name: String,
    pub old_tip: String,
    pub new_tip: String,
    pub unreachable: u64,
    pub seq: u64,
    pub at: String,
}

/// A recorded repository.
#[derive(Clone, Debug, Serialize)]
pub struct RepositoryRow {
    pub repo: String,
    pub name: String,
    pub locator: String,
}

/// A person (author, committer, reviewer) as the pack shows them.
#[derive(Clone, Debug, Serialize)]
pub struct Person {
    /// The alias id in the ledger (what the hashed events name).
    pub alias: String,
    /// Name and e-mail as written in the commit (`None` when the personal data is not
    /// available, e.g. erased).
    pub name: Option<String>,
    pub email: Option<String>,
    pub identity: Option<String>,
    /// `developer`, `agent` or `bot`.
    pub kind: Option<String>,
    /// Catalogue id of an agent or bot.
    pub slug: Option<String>,
    /// The rule that resolved the alias to the identity, as a sentence.
    pub resolved_by: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Signature {
    /// `none`, `gpg`, `ssh`, `x509` or `unknown`.
    pub kind: String,
    pub signed: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReviewTrailer {
    pub key: String,
    /// The person named, when the trailer names one.
    pub person: Option<Person>,
    pub value: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MergedBy {
    pub merge_commit: String,
    pub subject: Option<String>,
    pub committer: Person,
    pub committed_at: String,
    /// The merge's committer is a developer other than the change's author.
    pub different_person: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Review {
    /// `Reviewed-by:`, `Acked-by:`, `Approved-by:`, `Tested-by:`, `Reviewed-on:` trailers.
    pub trailers: Vec<ReviewTrailer>,
    /// The nearest merge commit that brought the change in through a non-first parent.
    pub merged_by: Option<MergedBy>,
    /// A pull request number referenced in the subject (or the merge's), e.g. `#123`.
    pub pull_request: Option<String>,
    /// Committed by GitHub's web interface (web-flow): typically a pull request merged there.
    pub committed_via_github: bool,
    /// Review by someone else is recorded in git (a trailer naming another identity, or a
    /// merge committed by another identity).
    pub independent: bool,
    pub summary: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AiPart {
    pub agent: String,
    pub role: String,
    pub confidence: String,
    pub accountable: Option<Person>,
    pub evidence: Vec<String>,
    pub lines: Option<u64>,
    pub event_seq: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Files {
    pub changed: u64,
    pub by_change: BTreeMap<String, u64>,
    pub binary: u64,
    pub lines_added: u64,
    pub lines_removed: u64,
}

/// One event cited by the pack, with its proof.
#[derive(Clone, Debug, Serialize)]
pub struct Cited {
    pub seq: u64,
    pub kind: String,
    pub leaf_index: u64,
    pub leaf_hash: String,
    /// The proof's file in the pack (`proofs/<seq>.json`).
    pub proof: String,
}

/// Everything the pack says about one sampled change (its JSON file; the Markdown renders it).
#[derive(Clone, Debug, Serialize)]
pub struct ChangeEvidence {
    /// The change's file name in `changes/`, without extension.
    pub file: String,
    pub repository: RepositoryRow,
    pub commit: String,
    pub subject: Option<String>,
    pub merge: bool,
    pub unreachable: bool,
    pub sampled_because: String,
    pub author: Person,
    pub authored_at: String,
    pub committer: Person,
    pub committed_at: String,
    pub signature: Signature,
    pub review: Review,
    pub other_trailers: Vec<ReviewTrailer>,
    pub ai: Vec<AiPart>,
    pub files: Files,
    pub findings_introduced: Vec<IntroducedFinding>,
    /// The `commit_recorded` event and its inclusion proof.
    pub recorded: Cited,
    /// Every event this file cites (the commit's, AI involvement, findings, attributions).
    pub events: Vec<Cited>,
}

/// Statistics of the whole population of a period's changes.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PeriodStats {
    pub changes: u64,
    pub signed: u64,
    pub signature_kinds: BTreeMap<String, u64>,
    /// Changes whose author alias resolves to an identity.
    pub resolved: u64,
    /// Resolved authors' changes by identity kind.
    pub by_kind: BTreeMap<String, u64>,
    pub committer_differs: u64,
    /// Committed by GitHub's web interface (web-flow).
    pub web_flow: u64,
    pub review_trailer: u64,
    pub ai: u64,
    pub merges: u64,
    pub unreachable: u64,
    /// Distinct author identities.
    pub authors: u64,
}

/// Statistics of the findings on record for the pack's scope.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FindingStats {
    pub total: u64,
    /// By severity rank: (severity, open, fixed).
    pub by_severity: BTreeMap<u8, (String, u64, u64)>,
    pub attributed: u64,
    pub unattributable: u64,
    /// Not attributed yet.
    pub pending: u64,
    /// Distinct developers who introduced findings.
    pub developers: u64,
    pub agents: BTreeSet<String>,
    /// Findings with AI involvement in the introducing change.
    pub ai_findings: u64,
    /// Findings not open.
    pub fixed: u64,
    /// Days from the introducing commit to the fixing revision, per fixed finding where both
    /// are recorded.
    pub fix_days: Vec<f64>,
    pub reopened: u64,
    /// Introduced by a change of the period.
    pub in_period: u64,
    pub in_period_severe_open: u64,
    /// `tool/rule` → findings.
    pub rules: BTreeMap<String, u64>,
    /// Year the introducing change was authored → findings.
    pub by_year: BTreeMap<String, u64>,
}

/// The signed checkpoint the pack proves its events against.
#[derive(Clone, Debug, Serialize)]
pub struct PackCheckpoint {
    pub id: u64,
    pub size: u64,
    /// The Merkle root (hex).
    pub root: String,
    /// The signed note (`checkpoint.txt`).
    pub note: String,
    /// The signer's verifier key string (`verifier.pub`).
    pub verifier: String,
    /// The signer as `<name>+<key id>`.
    pub signer: String,
    /// Signed for this pack (else the latest recorded checkpoint).
    pub fresh: bool,
}

/// An evidence pack: a deterministic sample of a period's changes with everything recorded
/// about each, statistics of the period and its findings, and the checkpoint that makes every
/// cited event verifiable.
#[derive(Clone, Debug, Serialize)]
pub struct EvidencePack {
    pub framework: Framework,
    /// `every recorded repository` or `repository NAME`.
    pub scope: String,
    /// The repositories the period's changes come from.
    pub repositories: Vec<RepositoryRow>,
    /// The period, `YYYY-MM-DD` inclusive, by committer date (UTC).
    pub since: String,
    pub until: String,
    /// The start or the end was not given and took its default.
    pub since_defaulted: bool,
    pub until_defaulted: bool,
    /// The seed of the sample's ranks (the sampling rule, the period and the scope).
    pub seed: String,
    /// The sample size asked for.
    pub requested: usize,
    /// Changes always included (they introduced an open high or critical finding).
    pub always_included: usize,
    /// The changes of the period.
    pub population: usize,
    /// The sample, by committer time.
    pub changes: Vec<ChangeEvidence>,
    pub stats: PeriodStats,
    pub findings: FindingStats,
    pub scanners: Vec<ScannerRun>,
    /// History rewrites recorded since the period began.
    pub rewrites: Vec<RewriteRecord>,
    pub checkpoint: PackCheckpoint,
    /// Events and tree nodes verified before the pack was made.
    pub verified_events: u64,
    pub verified_tree_nodes: u64,
    /// Every cited event and the change files that cite it.
    pub cited: BTreeMap<u64, BTreeSet<String>>,
    /// Events in the pack's `events.jsonl`: those the checkpoint covers.
    pub events_in_folder: u64,
    pub devspm_version: String,
    /// When the pack was made, `YYYY-MM-DDTHH:MM:SSZ`.
    pub written_at: String,
}
