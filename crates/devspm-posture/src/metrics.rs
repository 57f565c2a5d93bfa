//! Metrics: the facts of a window counted per developer, team, AI agent and repository, and for
//! the organisation as a whole.
//!
//! Who a fact counts for:
//!
//! - a **commit** counts for its repository, its author (when a developer) and that developer's
//!   team, and every AI agent with a commit-level involvement in it. Its changed lines are the
//!   denominator of the finding rates; a merge commit adds none (its diff against the first
//!   parent repeats the lines of the commits it merges).
//! - the **AI share** of a developer or team follows `docs/ai.md`: every commit has at most one
//!   accountable developer (for an AI-involved commit the human the detector names; for any
//!   other the committer when a developer, else the author), so a share never exceeds 100%.
//! - a **finding** counts for its repository, the identity that authored its primary
//!   introducing commit (attribution), that developer's team, and every agent involved in that
//!   commit; it counts as AI-involved when an agent was. Findings judged false positives (a
//!   standing triage judgement) count for nothing; accepted risks still count.
//! - a **fix** counts for whoever introduced the finding (time to remediate), and the fixing
//!   commit ([`crate::fixes`]) counts for its author, their team, its agents and its
//!   repository as a fix made (`fixes_made`).
//! - a **hook override** counts for its repository, the developer who overrode and their team.
//!
//! The organisation's tally takes every fact of the window, whatever the scope (`--repo`): it
//! is the prior small samples are shrunk toward.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use devspm_core::commit::REVIEW_TRAILERS;
use devspm_core::posture::{
    CO_AUTHOR_TRAILERS, CommitFact, FindingFact, HookOverrideFact, IdentityFact,
};
use serde::Serialize;

use crate::Facts;
use crate::settings::Settings;
use crate::window::{Window, month};

/// What a posture is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Developer,
    Team,
    Agent,
    Repository,
}

impl SubjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Developer => "developer",
            SubjectKind::Team => "team",
            SubjectKind::Agent => "agent",
            SubjectKind::Repository => "repository",
        }
    }

    /// Parses `developer`, `team`, `agent`, `repository` (or `repo`).
    pub fn parse(text: &str) -> Option<SubjectKind> {
        match text {
            "developer" | "dev" => Some(SubjectKind::Developer),
            "team" => Some(SubjectKind::Team),
            "agent" => Some(SubjectKind::Agent),
            "repository" | "repo" => Some(SubjectKind::Repository),
            _ => None,
        }
    }
}

/// One subject: its kind and id (an identity id, a team name, an agent id, a repository id).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SubjectRef {
    pub kind: SubjectKind,
    pub id: String,
}

/// Commits and findings introduced in one calendar month.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MonthCounts {
    pub month: String,
    pub commits: u64,
    pub ai_commits: u64,
    pub findings_introduced: u64,
}

/// A subject's (or the organisation's) counts over the window.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub commits: u64,
    pub merges: u64,
    pub lines: u64,
    pub signed: u64,
    pub ai_commits: u64,
    pub ai_lines: u64,
    /// Lines line-level records attribute to an agent (capped at each commit's changed
    /// lines), and the commits with such records.
    pub ai_recorded_lines: u64,
    pub ai_recorded_line_commits: u64,
    /// Changed lines in repositories with scanner results (the finding rate's denominator).
    pub covered_lines: u64,
    pub covered_ai_lines: u64,
    pub accountable_commits: u64,
    pub accountable_ai_commits: u64,
    pub findings: u64,
    pub weighted_findings: f64,
    pub by_severity: BTreeMap<String, u64>,
    pub by_kind: BTreeMap<String, u64>,
    pub ai_findings: u64,
    /// Days from introduction to fix of each finding fixed in the window.
    pub remediation_days: Vec<f64>,
    /// Findings (anyone's) whose fixing commit in the window is the subject's.
    pub fixes_made: u64,
    pub secrets_introduced: u64,
    pub secrets_open: u64,
    /// Of those open, the ones whose value is still in the file at HEAD.
    pub secrets_live_at_head: u64,
    /// Non-merge commits on the default branch, and those of them self-merged.
    pub self_merge_population: u64,
    pub self_merged: u64,
    pub hook_overrides: u64,
    /// Tools in use with a policy verdict (the subject's inventory), and of them the distinct
    /// unapproved tools (shadow IT, by name) and denied tools (by name and version).
    pub tools_judged: u64,
    pub shadow_tools: BTreeSet<String>,
    pub denied_tools: BTreeSet<String>,
    /// Repositories the subject's facts come from.
    pub repos: BTreeSet<String>,
    /// Whether any of those repositories has scanner results, looks for secrets, shows a
    /// pre-commit hook in use (an override recorded at any time).
    pub findings_covered: bool,
    pub secrets_covered: bool,
    pub hooks_seen: bool,
    /// Per calendar month: every month of the window for the organisation and an explained
    /// subject, the months with activity for the others (a window of years over thousands of
    /// developers would otherwise hold millions of empty months).
    pub trend: BTreeMap<String, MonthCounts>,
    /// Kept only for the subject being explained.
    pub evidence: Option<Box<Evidence>>,
}

/// The facts behind a tally, for `explain`.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    pub commits: Vec<CommitEvidence>,
    pub findings: Vec<FindingEvidence>,
    pub fixes: Vec<FixEvidence>,
    pub open_secrets: Vec<(String, String)>,
    pub self_merged: Vec<(String, String)>,
    pub overrides: Vec<(u64, String)>,
    /// Unapproved and denied tool uses, in the order recorded.
    pub tools: Vec<ToolEvidence>,
    /// Commits with line-level AI records (commit, repository).
    pub ai_line_commits: Vec<(String, String)>,
    /// Findings it fixed (finding, repository).
    pub fixes_made: Vec<(String, String)>,
    /// Open secrets still in the file at HEAD (finding, repository).
    pub live_secrets: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct CommitEvidence {
    pub sha: String,
    pub repo: String,
    pub lines: u64,
    pub signed: bool,
    /// `none`, `gpg`, `ssh`, … and the key the signature names (unverified), for `explain`.
    pub signature: String,
    pub signing_key: Option<String>,
    /// Its repository has scanner results (its lines count in the finding rate).
    pub covered: bool,
    /// Counted in the self-merge population (a non-merge commit on the default branch).
    pub self_merge_population: bool,
}

/// One use of a tool the policy has not approved or denies.
#[derive(Clone, Debug)]
pub struct ToolEvidence {
    /// The `tool_seen` or `workstation_tool_seen` event.
    pub seq: u64,
    /// `unapproved` or `denied`.
    pub verdict: String,
    /// `name@version` and where: `REPO:path` or `HOST:~/path`.
    pub item: String,
    pub place: String,
    /// The repository id (repository tools).
    pub repo: Option<String>,
}

#[derive(Clone, Debug)]
pub struct FindingEvidence {
    pub finding: String,
    pub repo: String,
    pub severity: String,
    pub weight: f64,
    pub ai: bool,
}

#[derive(Clone, Debug)]
pub struct FixEvidence {
    pub finding: String,
    pub repo: String,
    pub fixed_revision: String,
    pub days: f64,
}

impl Tally {
    /// A tally with every month of the window in its trend (the organisation, an explained
    /// subject); `evidence` keeps the facts behind it.
    pub(crate) fn with_months(months: &[String], evidence: bool) -> Tally {
        Tally {
            trend: months
                .iter()
                .map(|m| {
                    (
                        m.clone(),
                        MonthCounts {
                            month: m.clone(),
                            ..MonthCounts::default()
                        },
                    )
                })
                .collect(),
            evidence: evidence.then(Box::default),
            ..Tally::default()
        }
    }

    /// Median of the remediation times (days).
    pub fn median_remediation(&self) -> Option<f64> {
        median(&self.remediation_days)
    }

    pub fn mean_remediation(&self) -> Option<f64> {
        (!self.remediation_days.is_empty())
            .then(|| self.remediation_days.iter().sum::<f64>() / self.remediation_days.len() as f64)
    }
}

/// The median of some numbers (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    let mid = v.len() / 2;
    Some(if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    })
}

/// What the tallies are computed with.
pub(crate) struct TallyRequest<'a> {
    pub window: &'a Window,
    /// Only facts of this repository count for subjects (the organisation takes every one).
    pub scope: Option<&'a str>,
    /// Today (`YYYY-MM-DD`): a triage judgement holds through its expiry day.
    pub today: &'a str,
    pub settings: &'a Settings,
    /// The subject whose evidence is kept.
    pub explain: Option<&'a SubjectRef>,
    /// Keep every subject's evidence (the HTML report links every number to it).
    pub evidence_all: bool,
}

/// The organisation's tally and one per subject with facts in the window.
pub(crate) struct Tallies {
    pub organisation: Tally,
    pub subjects: HashMap<SubjectRef, Tally>,
}

/// Lookups over the facts.
pub(crate) struct Book<'a> {
    pub identities: HashMap<&'a str, &'a IdentityFact>,
    covered: HashSet<&'a str>,
    secrets_covered: HashSet<&'a str>,
    hooks_seen: HashSet<&'a str>,
}

impl<'a> Book<'a> {
    pub fn new(facts: &'a Facts) -> Book<'a> {
        let covered = facts.coverage.iter().map(|c| c.repo.as_str()).collect();
        let secrets_covered = facts
            .coverage
            .iter()
            .filter(|c| c.secret_findings > 0 || facts.secret_tools.contains(&c.tool))
            .map(|c| c.repo.as_str())
            .collect();
        let hooks_seen = facts
            .hook_overrides
            .iter()
            .map(|h| h.repo.as_str())
            .collect();
        Book {
            identities: facts
                .identities
                .iter()
                .map(|i| (i.identity.as_str(), i))
                .collect(),
            covered,
            secrets_covered,
            hooks_seen,
        }
    }

    fn kind(&self, identity: Option<&str>) -> Option<&'a str> {
        identity
            .and_then(|i| self.identities.get(i))
            .map(|i| i.kind.as_str())
    }

    /// The identity when it is a developer's.
    fn developer<'b>(&self, identity: Option<&'b str>) -> Option<&'b str> {
        identity.filter(|i| self.kind(Some(i)) == Some("developer"))
    }

    pub fn team(&self, identity: &str) -> Option<&'a str> {
        self.identities
            .get(identity)
            .and_then(|i| i.team.as_deref())
    }

    pub fn is_covered(&self, repo: &str) -> bool {
        self.covered.contains(repo)
    }
}

/// The developer accountable for a commit (`docs/ai.md`): for an AI-involved commit the human
/// the detector named; for any other the committer when a developer, else the author.
fn accountable<'c>(book: &Book<'_>, c: &'c CommitFact) -> Option<&'c str> {
    if c.agents.is_empty() {
        book.developer(c.committer_identity.as_deref())
            .or_else(|| book.developer(c.author_identity.as_deref()))
    } else {
        book.developer(c.accountable_identity.as_deref())
    }
}

/// Whether a commit is self-merged: its author committed it, and no trailer shows another
/// person reviewing, approving or co-authoring it.
pub(crate) fn is_self_merged(book: &Book<'_>, c: &CommitFact) -> bool {
    let same = match (&c.author_identity, &c.committer_identity) {
        (Some(a), Some(b)) => a == b,
        _ => c.author_alias == c.committer_alias,
    };
    if !same {
        return false;
    }
    let author = c.author_identity.as_deref();
    let other_person = |t: &devspm_core::posture::TrailerFact| match (&t.identity, &t.alias) {
        (Some(i), _) => Some(i.as_str()) != author && book.kind(Some(i)) == Some("developer"),
        (None, Some(alias)) => *alias != c.author_alias,
        (None, None) => false,
    };
    !c.review_trailers.iter().any(|t| {
        let key = t.key.to_ascii_lowercase();
        if REVIEW_TRAILERS.contains(&key.as_str()) {
            // `Reviewed-on: <url>` names a review, not a person.
            other_person(t) || (key == "reviewed-on" && t.alias.is_none())
        } else if CO_AUTHOR_TRAILERS.contains(&key.as_str()) {
            other_person(t)
        } else {
            false
        }
    })
}

/// Whether a standing triage judgement sets the finding aside as not a finding at all.
fn false_positive(f: &FindingFact, today: &str) -> bool {
    f.triage.as_ref().is_some_and(|t| {
        t.state == "false-positive" && t.expires.as_deref().is_none_or(|e| e >= today)
    })
}

pub(crate) fn tally(facts: &Facts, book: &Book<'_>, request: &TallyRequest<'_>) -> Tallies {
    let months = request.window.months();
    let mut organisation = Tally::with_months(&months, false);
    let mut subjects: HashMap<SubjectRef, Tally> = HashMap::new();
    let in_scope = |repo: &str| request.scope.is_none_or(|s| s == repo);
    let mut add = |subject: SubjectRef, each: &mut dyn FnMut(&mut Tally, bool)| {
        let explained = request.explain == Some(&subject);
        let keep = explained || request.evidence_all;
        let tally = subjects.entry(subject).or_insert_with(|| {
            if explained {
                Tally::with_months(&months, true)
            } else {
                Tally {
                    evidence: keep.then(Box::default),
                    ..Tally::default()
                }
            }
        });
        let explained = keep;
        each(tally, explained);
    };

    for c in &facts.commits {
        if !request.window.contains(c.author_time) {
            continue;
        }
        let covered = book.is_covered(&c.repo);
        let month = month(c.author_time);
        let self_population = c.parent_count <= 1 && c.on_default_branch != Some(false);
        let self_merged = self_population && is_self_merged(book, c);
        let record = |t: &mut Tally, explained: bool| {
            count_commit(t, c, &month, covered, self_population, self_merged);
            if explained && let Some(e) = t.evidence.as_mut() {
                e.commits.push(CommitEvidence {
                    sha: c.sha.clone(),
                    repo: c.repo.clone(),
                    lines: if c.parent_count > 1 { 0 } else { c.lines },
                    signed: c.signature != "none",
                    signature: c.signature.clone(),
                    signing_key: c.signing_key.clone(),
                    covered,
                    self_merge_population: self_population,
                });
                if self_merged {
                    e.self_merged.push((c.sha.clone(), c.repo.clone()));
                }
                if c.ai_recorded_lines > 0 && c.parent_count <= 1 {
                    e.ai_line_commits.push((c.sha.clone(), c.repo.clone()));
                }
            }
        };
        count_commit(
            &mut organisation,
            c,
            &month,
            covered,
            self_population,
            self_merged,
        );
        let accountable = accountable(book, c);
        if accountable.is_some() {
            organisation.accountable_commits += 1;
            organisation.accountable_ai_commits += u64::from(!c.agents.is_empty());
        }
        if !in_scope(&c.repo) {
            continue;
        }
        for subject in commit_subjects(book, c) {
            add(subject, &mut |t, explained| record(t, explained));
        }
        if let Some(dev) = accountable {
            let mut credit = |t: &mut Tally, _: bool| {
                t.accountable_commits += 1;
                t.accountable_ai_commits += u64::from(!c.agents.is_empty());
            };
            add(developer(dev), &mut credit);
            if let Some(team) = book.team(dev) {
                add(team_ref(team), &mut credit);
            }
        }
    }

    let commits: HashMap<(&str, &str), &CommitFact> = facts
        .commits
        .iter()
        .map(|c| ((c.repo.as_str(), c.sha.as_str()), c))
        .collect();
    for f in &facts.findings {
        if false_positive(f, request.today) {
            continue;
        }
        // Who fixed it: the fixing commit's subjects, like an introduction's.
        let fixer = match (f.status.as_str(), f.fixed_at, &f.fixed_in) {
            ("fixed", Some(at), Some(sha)) if request.window.contains(at) => {
                commits.get(&(f.repo.as_str(), sha.as_str()))
            }
            _ => None,
        };
        if let Some(c) = fixer {
            organisation.fixes_made += 1;
            if in_scope(&f.repo) {
                for subject in commit_subjects(book, c) {
                    add(subject, &mut |t, explained| {
                        t.fixes_made += 1;
                        t.repos.insert(f.repo.clone());
                        if explained && let Some(e) = t.evidence.as_mut() {
                            e.fixes_made.push((f.finding.clone(), f.repo.clone()));
                        }
                    });
                }
            }
        }
        let Some(introduced_at) = f.introduced_at else {
            continue;
        };
        let introduced = request.window.contains(introduced_at);
        let fixed_days = match (f.status.as_str(), f.fixed_at) {
            ("fixed", Some(at)) if request.window.contains(at) => {
                Some((at - introduced_at).max(0) as f64 / 86_400.0)
            }
            _ => None,
        };
        if !introduced && fixed_days.is_none() {
            continue;
        }
        let weight = request.settings.severity_weight(&f.severity);
        let introduced_month = month(introduced_at);
        let record = |t: &mut Tally, explained: bool| {
            count_finding(t, f, introduced, fixed_days, weight, &introduced_month);
            if explained && let Some(e) = t.evidence.as_mut() {
                if introduced {
                    e.findings.push(FindingEvidence {
                        finding: f.finding.clone(),
                        repo: f.repo.clone(),
                        severity: f.severity.clone(),
                        weight,
                        ai: !f.introduced_agents.is_empty(),
                    });
                    if f.kind == "secret" && f.status == "open" {
                        e.open_secrets.push((f.finding.clone(), f.repo.clone()));
                        if f.live_at_head == Some(true) {
                            e.live_secrets.push((f.finding.clone(), f.repo.clone()));
                        }
                    }
                }
                if let Some(days) = fixed_days {
                    e.fixes.push(FixEvidence {
                        finding: f.finding.clone(),
                        repo: f.repo.clone(),
                        fixed_revision: f.fixed_revision.clone().unwrap_or_default(),
                        days,
                    });
                }
            }
        };
        count_finding(
            &mut organisation,
            f,
            introduced,
            fixed_days,
            weight,
            &introduced_month,
        );
        if !in_scope(&f.repo) {
            continue;
        }
        for subject in finding_subjects(book, f) {
            add(subject, &mut |t, explained| record(t, explained));
        }
    }

    for h in &facts.hook_overrides {
        if !request.window.contains(h.at) {
            continue;
        }
        organisation.hook_overrides += 1;
        if !in_scope(&h.repo) {
            continue;
        }
        for subject in override_subjects(book, h) {
            add(subject, &mut |t, explained| {
                t.hook_overrides += 1;
                t.repos.insert(h.repo.clone());
                if explained && let Some(e) = t.evidence.as_mut() {
                    e.overrides.push((h.seq, h.repo.clone()));
                }
            });
        }
    }

    // Tools are the inventory as it stands, not an activity of the window: they count for the
    // subjects the window has (a developer with a shadow tool and no commit is not listed for
    // it), and workstation tools (no repository) only when no repository scopes the run.
    for judged in &facts.tools {
        let tool = &judged.tool;
        let shadow = judged.verdict == "unapproved";
        let denied = judged.verdict == "denied";
        let item = match &tool.version {
            Some(v) => format!("{}@{v}", tool.name),
            None => tool.name.clone(),
        };
        let count = |t: &mut Tally| {
            t.tools_judged += 1;
            if shadow {
                t.shadow_tools.insert(tool.name.clone());
            }
            if denied {
                t.denied_tools.insert(item.clone());
            }
        };
        count(&mut organisation);
        match &tool.repo {
            Some(repo) if !in_scope(repo) => continue,
            None if request.scope.is_some() => continue,
            _ => {}
        }
        let mut owners = Vec::new();
        if let Some(repo) = &tool.repo {
            owners.push(repository(repo));
        }
        person_subjects(book, tool.identity.as_deref(), &mut owners);
        for subject in owners {
            let Some(t) = subjects.get_mut(&subject) else {
                continue;
            };
            count(t);
            if (shadow || denied)
                && let Some(e) = t.evidence.as_mut()
            {
                e.tools.push(ToolEvidence {
                    seq: tool.seq,
                    verdict: judged.verdict.clone(),
                    item: item.clone(),
                    place: match (&tool.repo, &tool.host) {
                        (Some(repo), _) => format!("{repo}:{}", tool.path),
                        (None, Some(host)) => format!("{host}:~/{}", tool.path),
                        (None, None) => tool.path.clone(),
                    },
                    repo: tool.repo.clone(),
                });
            }
        }
    }

    let coverage = |t: &mut Tally| {
        t.findings_covered = t.repos.iter().any(|r| book.covered.contains(r.as_str()));
        t.secrets_covered = t
            .repos
            .iter()
            .any(|r| book.secrets_covered.contains(r.as_str()));
        t.hooks_seen = t.repos.iter().any(|r| book.hooks_seen.contains(r.as_str()));
    };
    for t in subjects.values_mut() {
        coverage(t);
    }
    organisation.findings_covered = !book.covered.is_empty();
    organisation.secrets_covered = !book.secrets_covered.is_empty();
    organisation.hooks_seen = !book.hooks_seen.is_empty();
    Tallies {
        organisation,
        subjects,
    }
}

fn count_commit(
    t: &mut Tally,
    c: &CommitFact,
    month: &str,
    covered: bool,
    self_population: bool,
    self_merged: bool,
) {
    let ai = !c.agents.is_empty();
    // A merge's diff against its first parent repeats the lines of the commits it merges,
    // which count on their own: a merge adds no changed lines.
    let lines = if c.parent_count > 1 { 0 } else { c.lines };
    t.commits += 1;
    t.merges += u64::from(c.parent_count > 1);
    t.lines += lines;
    t.signed += u64::from(c.signature != "none");
    if ai {
        t.ai_commits += 1;
        t.ai_lines += lines;
    }
    // A merge has no lines of its own, so no recorded AI lines either.
    if c.ai_recorded_lines > 0 && c.parent_count <= 1 {
        t.ai_recorded_lines += c.ai_recorded_lines.min(lines);
        t.ai_recorded_line_commits += 1;
    }
    if covered {
        t.covered_lines += lines;
        if ai {
            t.covered_ai_lines += lines;
        }
    }
    t.self_merge_population += u64::from(self_population);
    t.self_merged += u64::from(self_merged);
    t.repos.insert(c.repo.clone());
    let m = trend_month(t, month);
    m.commits += 1;
    m.ai_commits += u64::from(ai);
}

/// The trend entry of a month, made on first use.
fn trend_month<'t>(t: &'t mut Tally, month: &str) -> &'t mut MonthCounts {
    if !t.trend.contains_key(month) {
        t.trend.insert(
            month.to_owned(),
            MonthCounts {
                month: month.to_owned(),
                ..MonthCounts::default()
            },
        );
    }
    t.trend.get_mut(month).expect("inserted above")
}

fn count_finding(
    t: &mut Tally,
    f: &FindingFact,
    introduced: bool,
    fixed_days: Option<f64>,
    weight: f64,
    introduced_month: &str,
) {
    t.repos.insert(f.repo.clone());
    if introduced {
        t.findings += 1;
        t.weighted_findings += weight;
        *t.by_severity.entry(f.severity.clone()).or_default() += 1;
        *t.by_kind.entry(f.kind.clone()).or_default() += 1;
        t.ai_findings += u64::from(!f.introduced_agents.is_empty());
        if f.kind == "secret" {
            t.secrets_introduced += 1;
            t.secrets_open += u64::from(f.status == "open");
            t.secrets_live_at_head += u64::from(f.status == "open" && f.live_at_head == Some(true));
        }
        trend_month(t, introduced_month).findings_introduced += 1;
    }
    if let Some(days) = fixed_days {
        t.remediation_days.push(days);
    }
}

fn developer(identity: &str) -> SubjectRef {
    SubjectRef {
        kind: SubjectKind::Developer,
        id: identity.to_owned(),
    }
}

fn team_ref(team: &str) -> SubjectRef {
    SubjectRef {
        kind: SubjectKind::Team,
        id: team.to_owned(),
    }
}

fn repository(repo: &str) -> SubjectRef {
    SubjectRef {
        kind: SubjectKind::Repository,
        id: repo.to_owned(),
    }
}

/// The repository, the author (a developer) and their team, and each involved agent.
fn commit_subjects(book: &Book<'_>, c: &CommitFact) -> Vec<SubjectRef> {
    let mut out = vec![repository(&c.repo)];
    person_subjects(book, c.author_identity.as_deref(), &mut out);
    out.extend(c.agents.iter().map(|a| SubjectRef {
        kind: SubjectKind::Agent,
        id: a.clone(),
    }));
    out
}

fn finding_subjects(book: &Book<'_>, f: &FindingFact) -> Vec<SubjectRef> {
    let mut out = vec![repository(&f.repo)];
    person_subjects(book, f.introduced_identity.as_deref(), &mut out);
    out.extend(f.introduced_agents.iter().map(|a| SubjectRef {
        kind: SubjectKind::Agent,
        id: a.clone(),
    }));
    out
}

fn override_subjects(book: &Book<'_>, h: &HookOverrideFact) -> Vec<SubjectRef> {
    let mut out = vec![repository(&h.repo)];
    person_subjects(book, h.identity.as_deref(), &mut out);
    out
}

/// A developer identity and their team.
fn person_subjects(book: &Book<'_>, identity: Option<&str>, out: &mut Vec<SubjectRef>) {
    if let Some(dev) = book.developer(identity) {
        out.push(developer(dev));
        if let Some(team) = book.team(dev) {
            out.push(team_ref(team));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
    }
}
