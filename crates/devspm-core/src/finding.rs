//! Findings and their attribution, as events: what a scanner reported, each import of a
//! scanner's results, and who or what introduced each finding.
//!
//! A finding is identified by its repository, producer and fingerprint, so importing the same
//! results again adds nothing. Its lifecycle (open, fixed at a revision, reopened) follows from
//! the imports that saw or stopped seeing it, each recorded as one [`FindingsImported`] event
//! that names the findings it saw, fixed and reopened. Secret values and source code never
//! appear: a secret is a keyed hash and a redacted preview.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A keyed hash and a redacted preview of a secret: enough to recognise the same secret again
/// and for a person to know which one it is, never enough to use it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRef {
    /// HMAC-SHA-256 of the value under the database's key, hex.
    pub hash: String,
    /// The first and last characters with the middle masked (`AKIA…MPLE`).
    pub preview: String,
}

/// A package a dependency finding is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageRef {
    pub ecosystem: String,
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<String>,
}

/// How a scanner set one of its own results aside, as its output says (SARIF 2.1.0 §3.35).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannerSuppression {
    /// `inSource` (a comment in the code) or `external` (a baseline, a suppression file).
    pub kind: String,
    /// The scanner's justification (`nosemgrep` for semgrep), if it gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

/// Payload of [`crate::EventKind::FindingRecorded`]: a finding seen for the first time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingRecorded {
    /// `f_` + 16 hex digits of SHA-256 over repository, tool and fingerprint.
    pub finding: String,
    pub repo: String,
    pub tool: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_version: Option<String>,
    pub rule: String,
    /// `code`, `dependency`, `secret` or `config`.
    pub kind: String,
    /// `critical`, `high`, `medium`, `low`, `info` or `unknown`.
    pub severity: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<String>,
    /// Repository-relative path, when the finding points into a file of the repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
    /// The path as the producer wrote it, when it could not be placed in the repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<PackageRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<SecretRef>,
    /// The inline marker (`gitleaks:allow`, `devspm:allow`) a detector saw on the finding's
    /// line where it found it: the finding is recorded, counted and shown as ignored by that
    /// marker, never gated on. Only the marker's text, never the line. Absent from events
    /// recorded before schema 9, which never recorded such findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline_marker: Option<String>,
    /// The scanner's own suppression of the result (a SARIF `suppressions` entry that stands,
    /// semgrep's `nosemgrep`): the finding is recorded, counted and shown as ignored by the
    /// scanner, never gated on. Absent from events recorded before schema 10, which left such
    /// results out of the import.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scanner_suppression: Option<ScannerSuppression>,
    /// `producer:<name>:<value>` or `content:v1:<hex>`.
    pub fingerprint: String,
    /// The revision of the import that first saw it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// The import that first saw it.
    pub import: String,
}

/// The stable id of a finding.
pub fn finding_id(repo: &str, tool: &str, fingerprint: &str) -> String {
    let mut h = Sha256::new();
    for part in [repo, tool, fingerprint] {
        h.update((part.len() as u32).to_be_bytes());
        h.update(part.as_bytes());
    }
    format!("f_{}", &crate::hex::encode(&h.finalize())[..16])
}

/// Payload of [`crate::EventKind::FindingsImported`]: one import of one producer's results for
/// one repository.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingsImported {
    /// `i_` + 16 hex digits of SHA-256 over repository, tool, revision and the file's SHA-256.
    pub import: String,
    pub repo: String,
    pub tool: String,
    /// `sarif`, `gitleaks`, `osv-scanner` …
    pub format: String,
    /// The input file's name (not its directory) and the SHA-256 of its bytes.
    pub source: String,
    pub source_sha256: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Results read (duplicates included).
    pub results: u64,
    /// Findings seen by this import, new ones included.
    pub seen: Vec<String>,
    /// Of those, the ones first seen here.
    pub new: u64,
    /// Open findings of this tool and repository that this import no longer reports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<String>,
    /// Fixed findings that this import reports again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reopened: Vec<String>,
    /// Results with the fingerprint of another result of the same import.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub duplicates: u64,
    /// Whether findings missing from this import were left open (a partial scan).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
    /// Seen findings recorded at a revision this import's revision does not descend from (a
    /// scan of an older or unrelated revision): what the scan saw there, which changes nothing
    /// of where they stand — their last revision is left as it is. A scan is evidence of a fix
    /// only for a later revision on the same line of history, so such a scan also fixes and
    /// reopens nothing that stands further along.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub behind: Vec<String>,
}

/// Payload of [`crate::EventKind::ImportWithdrawn`]: an import recorded by mistake (a report of
/// another repository, the wrong revision) is withdrawn. The event carries every change it makes,
/// so that projections follow from events alone: the findings first recorded by the import and
/// seen by no other import are withdrawn, and every other finding it touched is set back to
/// where it stood before it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportWithdrawn {
    /// The withdrawn import's id.
    pub import: String,
    pub repo: String,
    pub tool: String,
    /// Findings that only this import saw: no longer shown, counted or gated on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withdrawn: Vec<String>,
    /// Findings the import fixed, reopened or saw again, as they stood before it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restored: Vec<RestoredFinding>,
}

/// The triage states a finding can be put in (`devspm findings triage`).
pub const TRIAGE_STATES: [&str; 4] = ["false-positive", "accepted-risk", "wont-fix", "open"];

/// Payload of [`crate::EventKind::FindingTriaged`]: a person's judgement of a finding. The
/// latest one stands; `open` clears the earlier ones. A judgement with an expiry date stops
/// counting after that day (the finding is open again without another event).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingTriaged {
    pub finding: String,
    pub repo: String,
    /// One of [`TRIAGE_STATES`].
    pub state: String,
    /// Why, as given (secrets redacted, capped at 1 KiB).
    pub reason: String,
    /// The last day the judgement holds (YYYY-MM-DD, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Alias id of who triaged (their name and e-mail travel as a sealed attachment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

/// What the ledger holds of a recorded finding that an import touched: with the producer's
/// earlier imports, enough to set it back to where it stood before that import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindingSnapshot {
    /// `open`, `fixed` or `withdrawn`.
    pub status: String,
    /// The revision and sequence number of its `finding_recorded` event.
    pub first_revision: Option<String>,
    pub first_seq: u64,
    pub reopened: u32,
}

/// Where a finding stood before a withdrawn import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoredFinding {
    pub finding: String,
    /// `open` or `fixed`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_revision: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_revision: Option<String>,
    /// The sequence number of the event that last saw it.
    pub last_seq: u64,
    pub reopened: u32,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// One commit that introduced part of a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntroducingCommit {
    pub commit: String,
    /// Author alias id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Author time, seconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<i64>,
    /// Flagged lines this commit introduced (0 for non-line methods).
    pub lines: u32,
    /// Path of the file in that commit, when it differs from the finding's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// An AI agent involved in introducing a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentPart {
    pub agent: String,
    pub commit: String,
    /// `commit` (a commit-level involvement) or `line` (a line-level record covers flagged
    /// lines).
    pub level: String,
    /// `exact` or `heuristic`.
    pub confidence: String,
}

/// Payload of [`crate::EventKind::Attribution`]: who or what introduced a finding (or a
/// fixed bug, for SZZ), how that was found, and how sure it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attribution {
    /// The finding id, or `fix:<sha>` for an SZZ run.
    pub finding: String,
    pub repo: String,
    /// `line-blame`, `lockfile-history`, `secret-history`, `commit-message` or `szz`.
    pub method: String,
    /// `attributed` or `unattributable`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The revision the finding was traced from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// Primary first (the commit that introduced most of the flagged lines), then the others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commits: Vec<IntroducingCommit>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<AgentPart>,
    /// `high`, `medium` or `low`.
    pub confidence: String,
    /// What the method saw, in short sentences free of personal data.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// For dependency findings: the commit that first added the package (any version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_added: Option<IntroducingCommit>,
    /// For secrets: whether the value is still in the file at the import's revision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present_at_head: Option<bool>,
    /// Version of the attribution engine.
    pub engine: u32,
}

impl Attribution {
    /// The event recording this attribution, keyed by finding, revision, engine version and
    /// content: attributing again with the same result adds nothing, a different result (a new
    /// ignore-revs entry, more history fetched) is recorded beside the old one.
    pub fn into_event(self) -> crate::NewEvent {
        let prefix = format!(
            "attribution/{}/{}/{}/v{}",
            self.repo,
            self.finding,
            self.revision.as_deref().unwrap_or("-"),
            self.engine
        );
        let subject = format!("finding:{}", self.finding);
        let mut event = crate::NewEvent::new(prefix, "devspm:attribution", subject, self);
        let digest = Sha256::digest(event.payload_json.as_bytes());
        event.key = format!("{}/{}", event.key, &crate::hex::encode(&digest)[..12]);
        event
    }
}

/// A finding's standing triage judgement, as a row: what the ledger fills from the latest
/// [`FindingTriaged`] (`devspm_ledger::findings::Triage` re-exports it) and `devspm-report`
/// renders in every findings view.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Triage {
    /// `false-positive`, `accepted-risk` or `wont-fix`.
    pub state: String,
    pub reason: String,
    /// The last day it holds (YYYY-MM-DD), if it expires.
    pub expires: Option<String>,
    /// False once the expiry day has passed: the finding counts as open again.
    pub active: bool,
    /// Alias id, and name and e-mail (absent once erased), of who triaged.
    pub by: Option<String>,
    pub by_name: Option<String>,
}
