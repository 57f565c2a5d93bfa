//! Developer security posture: for each developer, team, AI agent and repository, what the
//! record says about where risk enters, who brings it and how fast it leaves — and a score
//! from 0 to 100 that hides nothing.
//!
//! Pure logic: the engine reads the facts through `devspm_ledger::PostureStore` and hands them
//! here as [`Facts`]; nothing here reads a database, a clock or a file, or prints.
//!
//! - [`metrics`]: the facts of a window counted per subject (and for the organisation);
//! - [`factors`]: the factors of the score, one file each (id, description, default weight,
//!   rationale, formula, tests);
//! - [`score`]: the weighted mean of the known factors, unknown ones left out;
//! - [`graph`]: the default branch and what is reachable from it;
//! - [`report`]: what [`assess`] and [`explain`] return.
//!
//! - [`signals`]: the insider-threat signal rules, one file each, over each identity's own
//!   history;
//! - [`codeowners`]: teams from CODEOWNERS (the owner of the paths a developer changes most);
//! - [`fixes`]: the commit that fixed a finding, counted for its author like an introduction.
//!

pub mod codeowners;
mod configure;
pub mod factors;
pub mod fixes;
pub mod graph;
pub mod metrics;
pub mod report;
pub mod score;
pub mod settings;
pub mod signals;
pub mod window;

use std::collections::HashMap;

use devspm_core::posture::{
    CommitFact, FindingFact, HookOverrideFact, IdentityFact, RepositoryFact, ScanCoverage, ToolFact,
};

pub use configure::{EffectiveSetting, effective_settings};
pub use metrics::{SubjectKind, SubjectRef};
pub use report::{Explanation, Metrics, PostureReport, SubjectEvidence, SubjectPosture};
pub use settings::Settings;
pub use window::Window;

use metrics::{Book, Tallies, Tally, TallyRequest};
use report::{Organisation, RepositoryCoverage};

/// Everything posture reads, as the ledger's queries returned it.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Reachable commits of the window, with `on_default_branch` filled in.
    pub commits: Vec<CommitFact>,
    /// Findings introduced or fixed in the window (attributed ones carry their introduction).
    pub findings: Vec<FindingFact>,
    pub identities: Vec<IdentityFact>,
    /// Every hook override on record (also those before the window: they show a hook in use).
    pub hook_overrides: Vec<HookOverrideFact>,
    pub coverage: Vec<ScanCoverage>,
    pub repositories: Vec<RepositoryFact>,
    /// Findings on record with no attribution (counted for nobody).
    pub unattributed_findings: u64,
    /// Producers that look for secrets even where they find none (the built-in detector).
    pub secret_tools: Vec<String>,
    /// Tools in use with the policy's verdict on each (only those a verdict exists for).
    pub tools: Vec<JudgedTool>,
    /// Whether the configuration declares a `[policy]` (repository tools are judged by it).
    pub policy_declared: bool,
}

/// A tool in use and the policy's verdict on it: `approved`, `unapproved` (shadow IT) or
/// `denied`. The engine judges repository tools with the current `[policy]`; a workstation
/// tool carries the verdict its scan recorded.
#[derive(Clone, Debug)]
pub struct JudgedTool {
    pub tool: ToolFact,
    pub verdict: String,
}

/// What to compute posture over.
#[derive(Clone, Debug)]
pub struct Request {
    pub window: Window,
    /// Only this repository's facts count for the subjects (the organisation's priors still
    /// take every repository).
    pub scope: Option<String>,
    /// Today (`YYYY-MM-DD`, UTC): a triage judgement holds through its expiry day.
    pub today: String,
}

/// Which subjects `assess` lists; none set lists them all.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// An identity id, or a developer's e-mail or name (exact, case-insensitive).
    pub developer: Option<String>,
    /// A team: the team and its developers.
    pub team: Option<String>,
    /// An agent id.
    pub agent: Option<String>,
}

impl Selection {
    fn is_empty(&self) -> bool {
        self.developer.is_none() && self.team.is_none() && self.agent.is_none()
    }
}

/// Every subject with facts in the window (as the selection narrows it), scored.
pub fn assess(
    facts: &Facts,
    request: &Request,
    settings: &Settings,
    selection: &Selection,
) -> PostureReport {
    assess_inner(facts, request, settings, selection, false)
}

/// [`assess`], with every subject's evidence kept ([`SubjectPosture::evidence`] and each
/// factor's): the commits, findings, fixes and events behind each number, for a report that
/// links every number to what it counts.
pub fn assess_with_evidence(
    facts: &Facts,
    request: &Request,
    settings: &Settings,
    selection: &Selection,
) -> PostureReport {
    assess_inner(facts, request, settings, selection, true)
}

fn assess_inner(
    facts: &Facts,
    request: &Request,
    settings: &Settings,
    selection: &Selection,
    evidence: bool,
) -> PostureReport {
    let book = Book::new(facts);
    let tallies = tallies(facts, &book, request, settings, None, evidence);
    let names = Names::new(facts);
    let mut subjects: Vec<SubjectPosture> = tallies
        .subjects
        .iter()
        .filter(|(subject, _)| selection.is_empty() || selected(&book, selection, subject))
        .map(|(subject, tally)| {
            posture(
                subject,
                tally,
                &tallies.organisation,
                settings,
                &names,
                &book,
            )
        })
        .collect();
    subjects.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then(match (a.score, b.score) {
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then(b.metrics.commits.cmp(&a.metrics.commits))
            .then(a.id.cmp(&b.id))
    });
    PostureReport {
        window: request.window.clone(),
        scope: scope_of(facts, request),
        settings: settings.clone(),
        organisation: organisation(facts, &book, &tallies.organisation),
        subjects,
        notes: notes(facts, request),
    }
}

/// One subject's posture with the evidence behind every factor.
pub fn explain(
    facts: &Facts,
    request: &Request,
    settings: &Settings,
    subject: &SubjectRef,
) -> Explanation {
    let book = Book::new(facts);
    let tallies = tallies(facts, &book, request, settings, Some(subject), false);
    let names = Names::new(facts);
    let empty;
    let tally = match tallies.subjects.get(subject) {
        Some(t) => t,
        None => {
            empty = Tally::with_months(&request.window.months(), true);
            &empty
        }
    };
    Explanation {
        window: request.window.clone(),
        scope: scope_of(facts, request),
        settings: settings.clone(),
        organisation: organisation(facts, &book, &tallies.organisation),
        subject: SubjectPosture {
            // `explain` shows the evidence per factor; the per-metric lists are the report's.
            evidence: None,
            ..posture(
                subject,
                tally,
                &tallies.organisation,
                settings,
                &names,
                &book,
            )
        },
        recompute: report::RECOMPUTE,
        notes: notes(facts, request),
    }
}

/// The subjects a text names: `kind:value` (`developer:`, `team:`, `agent:`, `repo:`), else an
/// identity id, an agent id, a team, a repository name or id, or a developer's e-mail or
/// name (exact, case-insensitive). Every match is returned; the caller decides what several
/// mean.
pub fn find_subjects(facts: &Facts, query: &str) -> Vec<SubjectRef> {
    let query = query.trim();
    let (only, value) = match query.split_once(':') {
        Some((kind, rest)) if SubjectKind::parse(kind).is_some() && !rest.is_empty() => {
            (SubjectKind::parse(kind), rest)
        }
        _ => (None, query),
    };
    let lower = value.to_lowercase();
    let wanted = |kind: SubjectKind| only.is_none_or(|k| k == kind);
    let mut out = Vec::new();
    let mut push = |kind: SubjectKind, id: &str| {
        let subject = SubjectRef {
            kind,
            id: id.to_owned(),
        };
        if wanted(kind) && !out.contains(&subject) {
            out.push(subject);
        }
    };
    for i in &facts.identities {
        if i.kind == "developer" && developer_matches(i, value, &lower) {
            push(SubjectKind::Developer, &i.identity);
        }
        if i.kind == "agent" && i.slug.as_deref().is_some_and(|s| s == value) {
            push(SubjectKind::Agent, value);
        }
        if i.team.as_deref() == Some(value) {
            push(SubjectKind::Team, value);
        }
    }
    for c in &facts.commits {
        if c.agents.iter().any(|a| a == value) {
            push(SubjectKind::Agent, value);
            break;
        }
    }
    for r in &facts.repositories {
        if r.repo == value || r.name == value || r.name.to_lowercase() == lower {
            push(SubjectKind::Repository, &r.repo);
        }
    }
    out
}

fn developer_matches(i: &IdentityFact, value: &str, lower: &str) -> bool {
    i.identity == value
        || i.known_as.iter().any(|k| k == lower)
        || i.name.as_deref().is_some_and(|n| n.to_lowercase() == lower)
}

/// Whether the selection names a subject.
fn selected(book: &Book<'_>, selection: &Selection, subject: &SubjectRef) -> bool {
    match subject.kind {
        SubjectKind::Developer => {
            selection.developer.as_deref().is_some_and(|q| {
                book.identities
                    .get(subject.id.as_str())
                    .is_some_and(|i| developer_matches(i, q.trim(), &q.trim().to_lowercase()))
            }) || selection
                .team
                .as_deref()
                .is_some_and(|t| book.team(&subject.id) == Some(t))
        }
        SubjectKind::Team => selection.team.as_deref() == Some(subject.id.as_str()),
        SubjectKind::Agent => selection.agent.as_deref() == Some(subject.id.as_str()),
        // A selection of people or agents lists no repository.
        SubjectKind::Repository => false,
    }
}

fn tallies(
    facts: &Facts,
    book: &Book<'_>,
    request: &Request,
    settings: &Settings,
    explain: Option<&SubjectRef>,
    evidence_all: bool,
) -> Tallies {
    metrics::tally(
        facts,
        book,
        &TallyRequest {
            window: &request.window,
            scope: request.scope.as_deref(),
            today: &request.today,
            settings,
            explain,
            evidence_all,
        },
    )
}

/// Display names of repositories.
struct Names<'a> {
    repositories: HashMap<&'a str, &'a str>,
}

impl<'a> Names<'a> {
    fn new(facts: &'a Facts) -> Names<'a> {
        Names {
            repositories: facts
                .repositories
                .iter()
                .map(|r| (r.repo.as_str(), r.name.as_str()))
                .collect(),
        }
    }
}

fn posture(
    subject: &SubjectRef,
    tally: &Tally,
    organisation: &Tally,
    settings: &Settings,
    names: &Names<'_>,
    book: &Book<'_>,
) -> SubjectPosture {
    let s = score::score(&factors::Inputs {
        kind: subject.kind,
        subject: tally,
        organisation,
        settings,
    });
    let (name, team) = match subject.kind {
        SubjectKind::Developer => {
            let identity = book.identities.get(subject.id.as_str());
            (
                identity
                    .and_then(|i| i.name.clone())
                    .unwrap_or_else(|| subject.id.clone()),
                identity.and_then(|i| i.team.clone()),
            )
        }
        SubjectKind::Team => (subject.id.clone(), None),
        // An agent by its catalogue id: the display names its commits carry vary with the
        // model (`Claude Opus 4.7 (1M context)`).
        SubjectKind::Agent => (subject.id.clone(), None),
        SubjectKind::Repository => (
            names
                .repositories
                .get(subject.id.as_str())
                .map_or_else(|| subject.id.clone(), |n| (*n).to_owned()),
            None,
        ),
    };
    SubjectPosture {
        kind: subject.kind,
        id: subject.id.clone(),
        name,
        team,
        score: s.score,
        factors_known: s.known(),
        known_weight: s.known_weight,
        metrics: Metrics::of(tally, Some(subject.kind)),
        factors: s.factors,
        evidence: tally.evidence.as_deref().map(SubjectEvidence::of),
    }
}

fn organisation(facts: &Facts, book: &Book<'_>, t: &Tally) -> Organisation {
    let metrics = Metrics::of(t, None);
    Organisation {
        finding_rate: (t.covered_lines > 0)
            .then(|| t.weighted_findings / t.covered_lines as f64 * 1000.0),
        signed_share: metrics.signed_share,
        self_merged_share: metrics.self_merged_share,
        median_days_to_remediate: t.median_remediation(),
        unattributed_findings: facts.unattributed_findings,
        repositories: facts
            .repositories
            .iter()
            .map(|r| RepositoryCoverage {
                repo: r.repo.clone(),
                name: r.name.clone(),
                default_branch: graph::default_branch(&r.refs).map(|(n, _)| n.to_owned()),
                scanned: book.is_covered(&r.repo),
                secrets_scanned: facts.coverage.iter().any(|c| {
                    c.repo == r.repo
                        && (c.secret_findings > 0 || facts.secret_tools.contains(&c.tool))
                }),
                hook_seen: facts.hook_overrides.iter().any(|h| h.repo == r.repo),
            })
            .collect(),
        metrics,
    }
}

fn scope_of(facts: &Facts, request: &Request) -> Option<(String, String)> {
    request.scope.as_ref().map(|repo| {
        let name = facts
            .repositories
            .iter()
            .find(|r| &r.repo == repo)
            .map_or_else(|| repo.clone(), |r| r.name.clone());
        (repo.clone(), name)
    })
}

fn notes(facts: &Facts, request: &Request) -> Vec<String> {
    let mut out = vec![
        "a fix counts for whoever introduced the finding (time to remediate) and, as a fix made, for the author of the fixing commit: the first change to the finding's file after it was last seen (unknown when none, e.g. the file was deleted)".to_owned(),
        "the default branch is approximated (ingest does not record which branch HEAD names): the first of refs/remotes/origin/HEAD, main, master, trunk, origin/main, origin/master, a detached HEAD".to_owned(),
    ];
    for r in &facts.repositories {
        if request.scope.as_ref().is_none_or(|s| *s == r.repo)
            && graph::default_branch(&r.refs).is_none()
        {
            out.push(format!(
                "repository {}: no default branch found; self-merge counts every reachable commit",
                r.name
            ));
        }
    }
    if facts.unattributed_findings > 0 {
        out.push(format!(
            "{} findings have no attribution (no introducing commit) and count for nobody",
            facts.unattributed_findings
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use devspm_core::posture::{TrailerFact, TriageFact};

    use super::*;

    fn identity(id: &str, kind: &str, team: Option<&str>) -> IdentityFact {
        IdentityFact {
            identity: id.to_owned(),
            kind: kind.to_owned(),
            slug: (kind == "agent").then(|| id.to_owned()),
            team: team.map(str::to_owned),
            name: Some(format!("Name of {id}")),
            email: Some(format!("{id}@example.com")),
            known_as: vec![format!("{id}@example.com")],
        }
    }

    /// A commit by `author` (committed by them too) at `time`, `lines` changed lines.
    fn commit(repo: &str, sha: &str, author: &str, time: i64, lines: u64) -> CommitFact {
        CommitFact {
            repo: repo.to_owned(),
            sha: sha.to_owned(),
            seq: 1,
            author_alias: format!("a-{author}"),
            author_identity: Some(author.to_owned()),
            committer_alias: format!("a-{author}"),
            committer_identity: Some(author.to_owned()),
            author_time: time,
            committer_time: time,
            parent_count: 1,
            lines,
            signature: "none".to_owned(),
            signing_key: None,
            review_trailers: Vec::new(),
            agents: Vec::new(),
            accountable_identity: None,
            ai_recorded_lines: 0,
            on_default_branch: Some(true),
        }
    }

    fn trailer(key: &str, identity: &str) -> TrailerFact {
        TrailerFact {
            key: key.to_owned(),
            value: None,
            alias: Some(format!("a-{identity}")),
            identity: Some(identity.to_owned()),
        }
    }

    fn finding(id: &str, repo: &str, by: &str, at: i64, severity: &str) -> FindingFact {
        FindingFact {
            finding: id.to_owned(),
            repo: repo.to_owned(),
            tool: "lint".to_owned(),
            kind: "code".to_owned(),
            severity: severity.to_owned(),
            status: "open".to_owned(),
            first_seq: 1,
            status_seq: 1,
            introduced_in: Some("c1".to_owned()),
            introduced_alias: Some(format!("a-{by}")),
            introduced_identity: Some(by.to_owned()),
            introduced_at: Some(at),
            introduced_agents: Vec::new(),
            attribution_seq: Some(2),
            fixed_revision: None,
            fixed_at: None,
            fixed_in: None,
            live_at_head: None,
            triage: None,
        }
    }

    fn request(scope: Option<&str>) -> Request {
        Request {
            window: Window::ending("2026-03-31".parse().unwrap(), 90).unwrap(),
            scope: scope.map(str::to_owned),
            today: "2026-04-01".to_owned(),
        }
    }

    const T: i64 = 1_772_000_000; // 2026-02-25

    fn facts() -> Facts {
        let mut reviewed = commit("r1", "c2", "ann", T + 10, 50);
        reviewed.review_trailers.push(trailer("Reviewed-by", "bob"));
        let mut agent_coauthored = commit("r1", "c3", "ann", T + 20, 30);
        agent_coauthored
            .review_trailers
            .push(trailer("Co-authored-by", "claude"));
        agent_coauthored.agents = vec!["claude-code".to_owned()];
        // A git-ai note says 20 of its 30 lines are the agent's.
        agent_coauthored.ai_recorded_lines = 20;
        agent_coauthored.accountable_identity = Some("ann".to_owned());
        let mut web = commit("r2", "c4", "bob", T + 30, 20);
        web.committer_identity = Some("web-flow".to_owned());
        web.committer_alias = "a-web-flow".to_owned();
        let mut merge = commit("r1", "c5", "ann", T + 40, 500);
        merge.parent_count = 2;
        let triaged = |id: &str, severity: &str, state: &str| FindingFact {
            triage: Some(TriageFact {
                state: state.to_owned(),
                expires: None,
                seq: 9,
            }),
            ..finding(id, "r1", "ann", T, severity)
        };
        let false_positive = triaged("f3", "critical", "false-positive");
        let accepted = triaged("f4", "low", "accepted-risk");
        Facts {
            commits: vec![
                commit("r1", "c1", "ann", T, 100),
                reviewed,
                agent_coauthored,
                web,
                merge,
            ],
            findings: vec![
                finding("f1", "r1", "ann", T, "high"),
                finding("f2", "r2", "bob", T, "medium"),
                false_positive,
                accepted,
            ],
            identities: vec![
                identity("ann", "developer", Some("core")),
                identity("bob", "developer", Some("core")),
                identity("claude", "agent", None),
                identity("web-flow", "bot", None),
            ],
            coverage: vec![ScanCoverage {
                repo: "r1".to_owned(),
                tool: "lint".to_owned(),
                imports: 1,
                first_seq: 1,
                last_seq: 1,
                secret_findings: 0,
            }],
            ..Facts::default()
        }
    }

    fn subject<'a>(report: &'a PostureReport, kind: SubjectKind, id: &str) -> &'a SubjectPosture {
        report
            .subjects
            .iter()
            .find(|s| s.kind == kind && s.id == id)
            .unwrap_or_else(|| panic!("no {id}"))
    }

    #[test]
    fn who_each_fact_counts_for() {
        let facts = facts();
        let report = assess(
            &facts,
            &request(None),
            &Settings::default(),
            &Selection::default(),
        );
        let ann = subject(&report, SubjectKind::Developer, "ann");
        // Four commits; the merge adds no lines.
        assert_eq!(ann.metrics.commits, 4);
        assert_eq!(ann.metrics.merges, 1);
        assert_eq!(ann.metrics.changed_lines, 180);
        // The false positive counts for nothing; the accepted risk counts.
        assert_eq!(ann.metrics.findings_introduced, 2);
        assert_eq!(ann.metrics.weighted_findings, 5.0 + 1.0);
        // Self-merged: c1 and c3 (an agent co-author is not a person); c2 was reviewed; the
        // merge is not in the population.
        assert_eq!(ann.metrics.self_merge_commits, 3);
        assert_eq!(ann.metrics.self_merged, 2);
        // Line-level records: 20 of her 180 changed lines.
        assert_eq!(ann.metrics.ai_recorded_lines, 20);
        assert_eq!(ann.metrics.ai_recorded_line_share, Some(20.0 / 180.0));
        assert_eq!(report.organisation.metrics.ai_recorded_lines, 20);
        // Accountable for all four, one AI-involved.
        assert_eq!(ann.metrics.accountable_commits, Some(4));
        assert_eq!(ann.metrics.ai_share, Some(0.25));
        // Bob's commit went through the forge: not self-merged; his repository was never
        // scanned, so his finding rate is unknown although a finding of his is on record.
        let bob = subject(&report, SubjectKind::Developer, "bob");
        assert_eq!(bob.metrics.self_merged, 0);
        let rate = bob.factors.iter().find(|f| f.id == "finding_rate").unwrap();
        assert_eq!(rate.evaluation.status, factors::Status::Unknown);
        // The team sums its developers; the agent has the AI-involved commit.
        let team = subject(&report, SubjectKind::Team, "core");
        assert_eq!(team.metrics.commits, 5);
        let agent = subject(&report, SubjectKind::Agent, "claude-code");
        assert_eq!(agent.metrics.commits, 1);
        assert_eq!(agent.metrics.ai_share, None);
        let hook = agent
            .factors
            .iter()
            .find(|f| f.id == "hook_overrides")
            .unwrap();
        assert_eq!(hook.evaluation.status, factors::Status::NotApplicable);
    }

    #[test]
    fn a_scope_limits_the_subjects_not_the_priors() {
        let facts = facts();
        let report = assess(
            &facts,
            &request(Some("r2")),
            &Settings::default(),
            &Selection::default(),
        );
        assert!(report.subjects.iter().all(|s| s.id != "ann"));
        assert_eq!(report.organisation.metrics.commits, 5);
        let bob = subject(&report, SubjectKind::Developer, "bob");
        assert_eq!(bob.metrics.commits, 1);
    }

    #[test]
    fn explain_keeps_the_evidence_and_finds_subjects_by_name() {
        let facts = facts();
        let found = find_subjects(&facts, "ann@example.com");
        assert_eq!(
            found,
            [SubjectRef {
                kind: SubjectKind::Developer,
                id: "ann".to_owned()
            }]
        );
        assert_eq!(
            find_subjects(&facts, "team:core")[0].kind,
            SubjectKind::Team
        );
        assert!(find_subjects(&facts, "agent:core").is_empty());
        let x = explain(&facts, &request(None), &Settings::default(), &found[0]);
        let factor = |id: &str| x.subject.factors.iter().find(|f| f.id == id).unwrap();
        let rate = factor("finding_rate");
        let findings: Vec<&str> = rate
            .evaluation
            .evidence
            .iter()
            .filter(|e| e.kind == "finding")
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(findings, ["f1", "f4"]);
        let merged = factor("self_merged");
        let shas: Vec<&str> = merged
            .evaluation
            .evidence
            .iter()
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(shas, ["c1", "c3"]);
        // Nobody's evidence is kept in a listing.
        let report = assess(
            &facts,
            &request(None),
            &Settings::default(),
            &Selection::default(),
        );
        assert!(
            report
                .subjects
                .iter()
                .all(|s| s.factors.iter().all(|f| f.evaluation.evidence.is_empty()))
        );
    }

    #[test]
    fn every_number_of_a_report_has_its_evidence() {
        let facts = facts();
        let report = assess_with_evidence(
            &facts,
            &request(None),
            &Settings::default(),
            &Selection::default(),
        );
        for s in &report.subjects {
            let e = s.evidence.as_ref().expect("evidence kept");
            assert_eq!(e.commits.len() as u64, s.metrics.commits, "{}", s.id);
            assert_eq!(
                e.findings.len() as u64,
                s.metrics.findings_introduced,
                "{}",
                s.id
            );
            assert_eq!(e.fixed.len() as u64, s.metrics.findings_fixed);
            assert_eq!(e.open_secrets.len() as u64, s.metrics.secrets_open);
            assert_eq!(e.self_merged.len() as u64, s.metrics.self_merged);
            assert_eq!(e.hook_overrides.len() as u64, s.metrics.hook_overrides);
            assert_eq!(
                e.ai_line_commits.len() as u64,
                s.metrics.ai_recorded_line_commits
            );
            assert_eq!(e.fixes_made.len() as u64, s.metrics.fixes_made);
            assert_eq!(e.live_secrets.len() as u64, s.metrics.secrets_live_at_head);
        }
        let ann = subject(&report, SubjectKind::Developer, "ann");
        let ids: Vec<&str> = ann
            .evidence
            .as_ref()
            .unwrap()
            .self_merged
            .iter()
            .map(|e| e.id.as_str())
            .collect();
        assert_eq!(ids, ["c1", "c3"]);
        // The scores are those of the listing.
        let plain = assess(
            &facts,
            &request(None),
            &Settings::default(),
            &Selection::default(),
        );
        for (a, b) in plain.subjects.iter().zip(&report.subjects) {
            assert_eq!((a.id.as_str(), a.score), (b.id.as_str(), b.score));
        }
    }
}
