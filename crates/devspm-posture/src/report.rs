//! What a posture run returns: every subject's metrics and score, the organisation's figures
//! (the priors), and, for `explain`, one subject with the evidence behind each factor.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::metrics::{MonthCounts, SubjectKind, Tally};
use crate::score::FactorResult;
use crate::settings::Settings;
use crate::window::Window;

/// The metrics of one subject (or the organisation) over the window.
#[derive(Clone, Debug, Serialize)]
pub struct Metrics {
    /// Commits counted for the subject (authored by a developer, by a team's developers,
    /// with an agent's involvement, in a repository).
    pub commits: u64,
    pub merges: u64,
    /// Lines added plus removed.
    pub changed_lines: u64,
    pub signed_commits: u64,
    pub signed_share: Option<f64>,
    /// Of its commits, those with AI involvement, and their changed lines.
    pub ai_commits: u64,
    pub ai_changed_lines: u64,
    /// Commits a developer or team is accountable for (`docs/ai.md`), and the AI-involved ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accountable_commits: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accountable_ai_commits: Option<u64>,
    /// Lines that line-level records (git-ai notes, Agent Trace) attribute to an AI agent, the
    /// commits with such records, and the share of the changed lines they are (`None` without
    /// any record: no evidence either way).
    pub ai_recorded_lines: u64,
    pub ai_recorded_line_commits: u64,
    pub ai_recorded_line_share: Option<f64>,
    /// Share of AI-involved commits: over accountable commits for developers and teams, over
    /// all commits for repositories and the organisation; none for agents.
    pub ai_share: Option<f64>,
    pub findings_introduced: u64,
    pub weighted_findings: f64,
    pub by_severity: BTreeMap<String, u64>,
    pub by_kind: BTreeMap<String, u64>,
    pub findings_in_human_commits: u64,
    pub findings_in_ai_commits: u64,
    /// Changed lines in repositories with scanner results: the rates' denominator.
    pub scanned_changed_lines: u64,
    /// Findings introduced per 1,000 changed lines (unweighted), all / human-written commits /
    /// AI-involved commits.
    pub findings_per_1000_lines: Option<f64>,
    pub human_findings_per_1000_lines: Option<f64>,
    pub ai_findings_per_1000_lines: Option<f64>,
    /// Findings it introduced (at any time) that an import found fixed in the window.
    pub findings_fixed: u64,
    /// Findings (anyone's) whose fixing commit in the window is the subject's
    /// (`devspm_posture::fixes`: the first change to the finding's file after it was last
    /// seen).
    pub fixes_made: u64,
    pub mean_days_to_remediate: Option<f64>,
    pub median_days_to_remediate: Option<f64>,
    pub secrets_introduced: u64,
    pub secrets_open: u64,
    /// Of the open secrets, those whose value is still in the file at HEAD (the rest were
    /// removed from the tree but stay in history: still to rotate).
    pub secrets_live_at_head: u64,
    /// Non-merge commits on the default branch, those of them self-merged, and the share.
    pub self_merge_commits: u64,
    pub self_merged: u64,
    pub self_merged_share: Option<f64>,
    pub hook_overrides: u64,
    /// Distinct tools in use that the policy has not approved (shadow IT) and that it denies;
    /// `None` without a judged tool (no inventory or no policy: unknown, not zero).
    pub shadow_tools: Option<u64>,
    pub policy_violations: Option<u64>,
    /// Per calendar month: every month of the window for the organisation and an explained
    /// subject; in a listing, the months in which the subject was active.
    pub trend: Vec<MonthCounts>,
}

fn per_1000(part: u64, lines: u64) -> Option<f64> {
    (lines > 0).then(|| part as f64 / lines as f64 * 1000.0)
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl Metrics {
    pub(crate) fn of(t: &Tally, kind: Option<SubjectKind>) -> Metrics {
        let accountable = matches!(kind, Some(SubjectKind::Developer | SubjectKind::Team));
        let human_lines = t.covered_lines - t.covered_ai_lines;
        Metrics {
            commits: t.commits,
            merges: t.merges,
            changed_lines: t.lines,
            signed_commits: t.signed,
            signed_share: share(t.signed, t.commits),
            ai_commits: t.ai_commits,
            ai_changed_lines: t.ai_lines,
            ai_recorded_lines: t.ai_recorded_lines,
            ai_recorded_line_commits: t.ai_recorded_line_commits,
            ai_recorded_line_share: (t.ai_recorded_line_commits > 0)
                .then(|| share(t.ai_recorded_lines, t.lines))
                .flatten(),
            accountable_commits: accountable.then_some(t.accountable_commits),
            accountable_ai_commits: accountable.then_some(t.accountable_ai_commits),
            ai_share: match kind {
                Some(SubjectKind::Agent) => None,
                _ if accountable => share(t.accountable_ai_commits, t.accountable_commits),
                _ => share(t.ai_commits, t.commits),
            },
            findings_introduced: t.findings,
            weighted_findings: t.weighted_findings,
            by_severity: t.by_severity.clone(),
            by_kind: t.by_kind.clone(),
            findings_in_human_commits: t.findings - t.ai_findings,
            findings_in_ai_commits: t.ai_findings,
            scanned_changed_lines: t.covered_lines,
            findings_per_1000_lines: per_1000(t.findings, t.covered_lines),
            human_findings_per_1000_lines: per_1000(t.findings - t.ai_findings, human_lines),
            ai_findings_per_1000_lines: per_1000(t.ai_findings, t.covered_ai_lines),
            findings_fixed: t.remediation_days.len() as u64,
            fixes_made: t.fixes_made,
            mean_days_to_remediate: t.mean_remediation(),
            median_days_to_remediate: t.median_remediation(),
            secrets_introduced: t.secrets_introduced,
            secrets_open: t.secrets_open,
            secrets_live_at_head: t.secrets_live_at_head,
            self_merge_commits: t.self_merge_population,
            self_merged: t.self_merged,
            self_merged_share: share(t.self_merged, t.self_merge_population),
            hook_overrides: t.hook_overrides,
            shadow_tools: (t.tools_judged > 0).then_some(t.shadow_tools.len() as u64),
            policy_violations: (t.tools_judged > 0).then_some(t.denied_tools.len() as u64),
            trend: t.trend.values().cloned().collect(),
        }
    }
}

/// One subject's posture.
#[derive(Clone, Debug, Serialize)]
pub struct SubjectPosture {
    pub kind: SubjectKind,
    /// Identity id, team name, agent id or repository id.
    pub id: String,
    /// Display name (a person's name, a repository's name).
    pub name: String,
    /// A developer's team (from `devspm.toml`, else from CODEOWNERS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// 0–100, higher is better; `None` when no factor is known.
    pub score: Option<f64>,
    pub factors_known: usize,
    /// The sum of the known factors' weights.
    pub known_weight: f64,
    pub metrics: Metrics,
    pub factors: Vec<FactorResult>,
    /// What each number counts (only when asked for: [`crate::assess_with_evidence`],
    /// [`crate::explain`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<SubjectEvidence>,
}

/// A commit or finding behind a number: its repository id and its id (commit id, finding id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evidenced {
    pub repo: String,
    pub id: String,
}

/// The record behind a subject's numbers, one list per metric: `commits` has as many entries
/// as [`Metrics::commits`], `findings` as [`Metrics::findings_introduced`], and so on.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SubjectEvidence {
    /// Its commits in the window (merges included).
    pub commits: Vec<Evidenced>,
    /// Findings it introduced in the window (false positives left out).
    pub findings: Vec<Evidenced>,
    /// Findings it introduced that an import found fixed in the window.
    pub fixed: Vec<Evidenced>,
    /// Secret findings it introduced in the window that are still open.
    pub open_secrets: Vec<Evidenced>,
    /// Its self-merged commits.
    pub self_merged: Vec<Evidenced>,
    /// Sequence numbers of its `hook_override` events.
    pub hook_overrides: Vec<u64>,
    /// Its commits with line-level AI records.
    pub ai_line_commits: Vec<Evidenced>,
    /// Findings its commits fixed.
    pub fixes_made: Vec<Evidenced>,
    /// Its open secrets still in the file at HEAD.
    pub live_secrets: Vec<Evidenced>,
    /// Sequence numbers of the `tool_seen` / `workstation_tool_seen` events of the tools it
    /// uses that the policy has not approved, and of those it denies.
    pub shadow_tools: Vec<u64>,
    pub denied_tools: Vec<u64>,
}

impl SubjectEvidence {
    pub(crate) fn of(e: &crate::metrics::Evidence) -> SubjectEvidence {
        let pair = |(id, repo): &(String, String)| Evidenced {
            repo: repo.clone(),
            id: id.clone(),
        };
        SubjectEvidence {
            commits: e
                .commits
                .iter()
                .map(|c| Evidenced {
                    repo: c.repo.clone(),
                    id: c.sha.clone(),
                })
                .collect(),
            findings: e
                .findings
                .iter()
                .map(|f| Evidenced {
                    repo: f.repo.clone(),
                    id: f.finding.clone(),
                })
                .collect(),
            fixed: e
                .fixes
                .iter()
                .map(|f| Evidenced {
                    repo: f.repo.clone(),
                    id: f.finding.clone(),
                })
                .collect(),
            open_secrets: e.open_secrets.iter().map(pair).collect(),
            self_merged: e.self_merged.iter().map(pair).collect(),
            hook_overrides: e.overrides.iter().map(|(seq, _)| *seq).collect(),
            ai_line_commits: e.ai_line_commits.iter().map(pair).collect(),
            fixes_made: e.fixes_made.iter().map(pair).collect(),
            live_secrets: e.live_secrets.iter().map(pair).collect(),
            shadow_tools: e
                .tools
                .iter()
                .filter(|t| t.verdict == "unapproved")
                .map(|t| t.seq)
                .collect(),
            denied_tools: e
                .tools
                .iter()
                .filter(|t| t.verdict == "denied")
                .map(|t| t.seq)
                .collect(),
        }
    }
}

/// A recorded repository as posture sees it.
#[derive(Clone, Debug, Serialize)]
pub struct RepositoryCoverage {
    pub repo: String,
    pub name: String,
    /// The ref taken as the default branch (`None`: none of the candidates exists).
    pub default_branch: Option<String>,
    /// Scanner results are recorded for it.
    pub scanned: bool,
    /// Something that reports secrets ran on it.
    pub secrets_scanned: bool,
    /// A hook override was recorded in it at some time.
    pub hook_seen: bool,
}

/// The organisation over the window: every repository, every subject. Its rates and shares
/// are the priors small samples are shrunk toward.
#[derive(Clone, Debug, Serialize)]
pub struct Organisation {
    pub metrics: Metrics,
    /// Severity-weighted findings per 1,000 changed lines in scanned repositories.
    pub finding_rate: Option<f64>,
    pub signed_share: Option<f64>,
    pub self_merged_share: Option<f64>,
    pub median_days_to_remediate: Option<f64>,
    /// Findings without an attribution (no introducing commit): they count for nobody.
    pub unattributed_findings: u64,
    pub repositories: Vec<RepositoryCoverage>,
}

/// `devspm posture`.
#[derive(Clone, Debug, Serialize)]
pub struct PostureReport {
    pub window: Window,
    /// The repository the subjects' facts were limited to (`--repo`): id and name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<(String, String)>,
    pub settings: Settings,
    pub organisation: Organisation,
    /// Developers, teams, agents, repositories; lowest score first within each kind.
    pub subjects: Vec<SubjectPosture>,
    /// What the reader should know about how the figures were made.
    pub notes: Vec<String>,
}

/// `devspm posture explain SUBJECT`.
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    pub window: Window,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<(String, String)>,
    pub settings: Settings,
    pub organisation: Organisation,
    /// The subject, with the evidence behind each factor.
    pub subject: SubjectPosture,
    /// How to recompute the score from the factors.
    pub recompute: &'static str,
    pub notes: Vec<String>,
}

/// How a score is recomputed by hand.
pub const RECOMPUTE: &str = "score = Σ contribution over the known factors; contribution = 100 × weight / Σ(weights of the known factors) × normalised; each normalised value follows from its raw value by the formula shown, with the organisation's figures as the prior";
