//! The organisation's security report (`devspm report`) as data, and its two renderings: one
//! self-contained HTML file ([`html`]) and a short Markdown summary for a pull-request comment
//! or a CI job summary ([`markdown`]).
//!
//! The engine (`devspm_engine::report`) fills a [`Report`] from the ledger; the renderers only
//! read it. Every number in it can be traced: each subject's counts come with the commits,
//! findings and events they count ([`devspm_posture::SubjectEvidence`]), every commit and
//! finding the report names has a row of its own (an anchor in the HTML), and rows name the
//! ledger events behind them (sequence numbers, `devspm audit log`).
//!
//! Text from outside (names, e-mails, commit and finding messages, paths, tool and team names)
//! is kept as recorded here and escaped by each renderer for its format.

pub mod html;
pub mod markdown;
mod svg;

use devspm_posture::PostureReport;
use serde::Serialize;

/// `devspm report`: everything the HTML report and the Markdown summary show.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// When it was made (RFC 3339, UTC).
    pub generated_at: String,
    pub devspm_version: String,
    /// The sequence number of the newest event: the report describes the ledger up to it.
    pub ledger_head: u64,
    /// Every person's name, e-mail and identity id replaced by a stable keyed pseudonym.
    pub pseudonymized: bool,
    /// Where the teams came from.
    pub teams: Teams,
    /// Metrics, scores and trends per developer, team, agent and repository, each subject with
    /// its evidence.
    pub posture: PostureReport,
    /// The window's commits the evidence names, newest first (at most [`COMMITS_LISTED`]).
    pub commits: Vec<CommitEntry>,
    /// Commits of the window left out of `commits`.
    pub commits_omitted: u64,
    /// Findings introduced or fixed in the window, and every open one, most severe first.
    pub findings: Vec<FindingEntry>,
    /// Findings of the CI audit among them (ids), and the producer id of the CI audit.
    pub ci: CiAudit,
    pub ai: AiUsage,
    pub tools: ToolInventory,
    /// Insider-threat signals in the window. Not computed by this build: the section says so.
    pub signals: Vec<SignalEntry>,
}

/// At most this many commits are listed with a row of their own; the rest are counted.
pub const COMMITS_LISTED: usize = 5_000;

/// Where the teams of the report came from.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Teams {
    /// `config` (`team = …` in `devspm.toml`), `codeowners` (the owner of the paths each
    /// developer changes most), or `none`.
    pub source: String,
    /// The CODEOWNERS files read (when the source is `codeowners`).
    pub files: Vec<CodeownersFile>,
    /// Repositories whose CODEOWNERS could not be read, and why.
    pub unread: Vec<(String, String)>,
    /// Each developer put in a team from CODEOWNERS, with the changes behind the choice.
    pub members: Vec<TeamMember>,
}

/// A CODEOWNERS file that was read.
#[derive(Clone, Debug, Serialize)]
pub struct CodeownersFile {
    pub repo: String,
    pub repository: String,
    /// Its path in the repository (`.github/CODEOWNERS` …).
    pub path: String,
    /// The commit it was read at (HEAD).
    pub revision: String,
    pub rules: usize,
}

/// A developer and the team CODEOWNERS gave them.
#[derive(Clone, Debug, Serialize)]
pub struct TeamMember {
    pub identity: String,
    pub name: String,
    pub team: String,
    /// Their file changes in the window owned by the team, of all their changes in
    /// repositories with a CODEOWNERS file.
    pub owned_changes: u64,
    pub changes: u64,
}

/// A commit of the window.
#[derive(Clone, Debug, Serialize)]
pub struct CommitEntry {
    pub repo: String,
    pub sha: String,
    /// Its `commit_recorded` event.
    pub seq: u64,
    /// Author time, `YYYY-MM-DD HH:MM` UTC.
    pub time: String,
    /// The author's identity id, and the name shown for it.
    pub author: Option<String>,
    pub author_name: String,
    /// Changed lines (0 for a merge: its lines count in the commits it merges).
    pub lines: u64,
    pub merge: bool,
    pub signed: bool,
    pub agents: Vec<String>,
    pub on_default_branch: Option<bool>,
}

/// A finding with who introduced it.
#[derive(Clone, Debug, Serialize)]
pub struct FindingEntry {
    pub id: String,
    pub repo: String,
    pub repository: String,
    pub tool: String,
    pub rule: String,
    /// `code`, `dependency`, `secret` or `config`.
    pub kind: String,
    pub severity: String,
    pub status: String,
    pub message: String,
    /// `path:line` or `package@version`.
    pub location: String,
    /// The primary introducing commit, its day, and who authored it.
    pub introduced_in: Option<String>,
    pub introduced_at: Option<String>,
    pub developer: Option<String>,
    pub developer_name: Option<String>,
    pub agents: Vec<String>,
    /// How it was attributed (`line-blame` …) and how sure.
    pub method: Option<String>,
    pub confidence: Option<String>,
    /// Its `finding_recorded` event and its `attribution` event (when in the window's facts).
    pub recorded_seq: Option<u64>,
    pub attribution_seq: Option<u64>,
    /// The revision at which an import found it fixed, the commit taken to have fixed it
    /// (`devspm_posture::fixes`), and that commit's author (identity id and name).
    pub fixed_revision: Option<String>,
    pub fixed_in: Option<String>,
    pub fixed_by: Option<String>,
    pub fixed_by_name: Option<String>,
    /// A standing triage judgement (`false-positive` …).
    pub triage: Option<String>,
}

/// The CI audit's findings among [`Report::findings`].
#[derive(Clone, Debug, Default, Serialize)]
pub struct CiAudit {
    /// The producer id of devspm's CI audit.
    pub tool: String,
    pub findings: Vec<String>,
}

/// AI involvement in the window (from the posture facts: the same commits, the same window).
#[derive(Clone, Debug, Default, Serialize)]
pub struct AiUsage {
    pub commits: u64,
    pub ai_commits: u64,
    pub changed_lines: u64,
    /// Changed lines of AI-involved commits (every line of the commit counts).
    pub ai_changed_lines: u64,
    /// Lines that line-level records (git-ai notes, Agent Trace) attribute to an agent, and
    /// the commits with such records (each repository's evidence lists them).
    pub recorded_ai_lines: u64,
    pub recorded_ai_line_commits: u64,
}

/// Tools in use and what the policy says of them.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ToolInventory {
    pub tools: Vec<ToolEntry>,
    /// What the policy check (`devspm policy check`) finds: tools it denies or has not
    /// approved (shadow IT), developers' unsigned commits, CI findings over its threshold.
    pub violations: Vec<ToolViolation>,
    /// The violations counted per developer and per repository.
    pub by_subject: Vec<ViolationCount>,
}

/// Shadow tools and policy violations of one developer or repository.
#[derive(Clone, Debug, Serialize)]
pub struct ViolationCount {
    /// `developer` or `repository`.
    pub kind: String,
    /// Identity id or repository name, and the name shown.
    pub id: String,
    pub name: String,
    /// Denied or unapproved tools it introduced (repository) or runs (workstation).
    pub shadow_tools: u64,
    /// Every policy violation, shadow tools included.
    pub violations: u64,
}

/// A recorded use of a tool.
#[derive(Clone, Debug, Serialize)]
pub struct ToolEntry {
    /// `repository` or `workstation`.
    pub origin: String,
    /// Repository name or host name.
    pub place: String,
    pub kind: String,
    pub name: String,
    pub version: Option<String>,
    pub path: String,
    pub pinned: Option<bool>,
    pub risks: Vec<String>,
    pub introduced_in: Option<String>,
    pub who: Option<String>,
    pub first_seen: String,
}

/// A policy violation.
#[derive(Clone, Debug, Serialize)]
pub struct ToolViolation {
    /// `denied` or `unapproved` (shadow IT), `unsigned-commits` or `ci-finding`.
    pub verdict: String,
    /// Whose it is (identity id) and in which repository (name), when known.
    pub identity: Option<String>,
    pub repository: Option<String>,
    pub item: String,
    pub place: String,
    pub who: Option<String>,
    pub reason: String,
}

/// An insider-threat signal (filled by the signal rules; none in this build).
#[derive(Clone, Debug, Serialize)]
pub struct SignalEntry {
    pub rule: String,
    pub severity: String,
    /// The identity it is about, and the name shown for it.
    pub identity: Option<String>,
    pub name: String,
    pub summary: String,
    /// Its `signal` event.
    pub seq: Option<u64>,
    /// Commits (ids) and events (sequence numbers) it rests on.
    pub commits: Vec<String>,
    pub events: Vec<u64>,
}

/// The anchor of a commit in the HTML report.
pub fn commit_anchor(repo: &str, sha: &str) -> String {
    format!("c-{}-{}", safe_id(repo), safe_id(sha))
}

/// The anchor of a finding.
pub fn finding_anchor(id: &str) -> String {
    format!("f-{}", safe_id(id))
}

/// The anchor of a subject's detail.
pub fn subject_anchor(kind: &str, id: &str) -> String {
    format!("s-{kind}-{}", safe_id(id))
}

/// Ids are devspm's own (hex, `dev_…`), but team names and agent ids come from outside: an
/// anchor keeps ASCII letters, digits, `-` and `_`, and writes anything else as `.xx` hex, so
/// it is unique and safe in any attribute.
fn safe_id(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!(".{b:02x}"));
        }
    }
    out
}

/// A figure with `decimals` places, `–` when there is none.
fn opt(x: Option<f64>, decimals: usize) -> String {
    x.map_or_else(|| "–".to_owned(), |x| format!("{x:.decimals$}"))
}

/// A share as a percentage, `–` when there is none.
fn opt_percent(x: Option<f64>) -> String {
    x.map_or_else(|| "–".to_owned(), crate::number::percent)
}
