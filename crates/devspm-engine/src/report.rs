//! The organisation's report (`devspm report`): one [`Report`] assembled from the ledger —
//! posture with the evidence behind every number, the window's commits, findings with who
//! introduced them, AI usage, the tool inventory and shadow IT, the CI audit's findings, and a
//! place for insider-threat signals — for `devspm-report` to render as HTML or Markdown.
//! Read-only, but for the secret-hashing key a pseudonymised report derives its pseudonyms
//! from (created on first use, as the secret detector would).
//! Teams come from `devspm.toml`, else from CODEOWNERS (`crate::posture`); the report says
//! which.

use std::collections::HashMap;
use std::path::Path;

use devspm_core::posture::IdentityFact;
use devspm_ledger::{EvidenceStore, FindingFilter, PostureStore, ToolFilter};
use devspm_posture::{Facts, Selection};
use devspm_report::report::{
    COMMITS_LISTED, CiAudit, CommitEntry, FindingEntry, Report, ToolEntry, ToolInventory,
    ToolViolation, ViolationCount,
};

use crate::posture::PostureRequest;
use crate::pseudonym::Pseudonyms;
use crate::{Context, EngineError, Ledger};

/// What a front end asks for.
#[derive(Clone, Debug, Default)]
pub struct ReportRequest<'a> {
    /// The window and the repository, as for posture (`--since`, `--until`, `--repo`).
    pub since: Option<&'a str>,
    pub until: Option<&'a str>,
    pub repo: Option<&'a str>,
    /// Replace every person by a pseudonym (`crate::pseudonym`).
    pub pseudonymize: bool,
    /// The folder the front end runs in: the repository there is read for CODEOWNERS when its
    /// recorded locator is not a path on this machine.
    pub workdir: Option<&'a Path>,
}

/// The report over the request's window.
pub fn report<S: EvidenceStore + Ledger>(
    ctx: &Context<'_>,
    store: &mut S,
    request: &ReportRequest<'_>,
) -> Result<Report, EngineError> {
    let posture_request = PostureRequest {
        since: request.since,
        until: request.until,
        repo: request.repo,
        workdir: request.workdir,
        ..PostureRequest::default()
    };
    let (settings, run, facts, teams) = crate::posture::gather(ctx, store, &posture_request)?;
    ctx.interrupt.check()?;
    let mut posture =
        devspm_posture::assess_with_evidence(&facts, &run, &settings, &Selection::default());
    // The per-metric lists carry the evidence; the factors' own lists would repeat them.
    for s in &mut posture.subjects {
        for f in &mut s.factors {
            f.evaluation.evidence.clear();
        }
    }
    let scope = run.scope.as_deref();
    let (commits, commits_omitted) = commits(&facts, &run.window, scope);
    let findings = findings(store, &facts, scope)?;
    let ci = CiAudit {
        tool: crate::ci::TOOL.to_owned(),
        findings: findings
            .iter()
            .filter(|f| f.tool == crate::ci::TOOL)
            .map(|f| f.id.clone())
            .collect(),
    };
    // AI usage over the same commits as everything else: the scope's repository, or all.
    let ai_metrics = match scope {
        Some(repo) => posture
            .subjects
            .iter()
            .find(|s| s.kind == devspm_posture::SubjectKind::Repository && s.id == repo)
            .map(|s| &s.metrics),
        None => Some(&posture.organisation.metrics),
    };
    let ai = ai_metrics.map_or_else(Default::default, |m| devspm_report::report::AiUsage {
        commits: m.commits,
        ai_commits: m.ai_commits,
        changed_lines: m.changed_lines,
        ai_changed_lines: m.ai_changed_lines,
        recorded_ai_lines: m.ai_recorded_lines,
        recorded_ai_line_commits: m.ai_recorded_line_commits,
    });
    let names: HashMap<&str, &IdentityFact> = facts
        .identities
        .iter()
        .map(|i| (i.identity.as_str(), i))
        .collect();
    let tools = tools(ctx, store, scope, &names)?;
    let mut report = Report {
        generated_at: jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
        devspm_version: env!("CARGO_PKG_VERSION").to_owned(),
        ledger_head: store.head()?.map_or(0, |h| h.seq),
        pseudonymized: false,
        teams,
        posture,
        commits,
        commits_omitted,
        findings,
        ci,
        ai,
        tools,
        signals: signals(store, request)?,
    };
    if request.pseudonymize {
        pseudonyms(ctx, store)?.report(&mut report);
    }
    Ok(report)
}

/// The recorded insider-threat signals an analyst should read (medium severity and above, since
/// `--since` when given, of `--repo` when given), one entry per rule, person and repository
/// with its newest signal's explanation and the commits and events of all of them.
fn signals<S: Ledger>(
    store: &S,
    request: &ReportRequest<'_>,
) -> Result<Vec<devspm_report::report::SignalEntry>, EngineError> {
    /// Evidence listed per entry (the listing `devspm signals --all` has every one).
    const EVIDENCE: usize = 20;
    let listed = crate::signals::list(
        store,
        &crate::signals::SignalsRequest {
            since: request.since,
            repo: request.repo,
            ..Default::default()
        },
    )?;
    Ok(listed
        .groups
        .iter()
        .filter_map(|g| {
            let newest = g.signals.iter().max_by_key(|r| (r.signal.at, r.seq))?;
            let mut commits: Vec<String> = Vec::new();
            for r in &g.signals {
                for c in &r.signal.commits {
                    if commits.len() < EVIDENCE && !commits.contains(c) {
                        commits.push(c.clone());
                    }
                }
            }
            let summary = if g.count > 1 {
                format!(
                    "{} ({} signals in {}, the newest shown)",
                    newest.signal.explanation, g.count, g.repo_name
                )
            } else {
                format!("{} (in {})", newest.signal.explanation, g.repo_name)
            };
            Some(devspm_report::report::SignalEntry {
                rule: g.rule.clone(),
                severity: g.severity.clone(),
                identity: Some(g.subject.clone()),
                name: g
                    .name
                    .clone()
                    .or_else(|| g.email.clone())
                    .unwrap_or_else(|| g.subject.clone()),
                summary,
                seq: Some(newest.seq),
                commits,
                events: g.signals.iter().take(EVIDENCE).map(|r| r.seq).collect(),
            })
        })
        .collect())
}

/// The pseudonyms of this ledger's people (the key is derived from the secret-hashing key,
/// which is made on first use).
pub fn pseudonyms<S: Ledger + PostureStore>(
    ctx: &Context<'_>,
    store: &mut S,
) -> Result<Pseudonyms, EngineError> {
    let key = crate::secrets::secret_key(ctx, store)?;
    Ok(Pseudonyms::new(&key, &store.posture_identities()?))
}

/// The window's commits (in scope), newest first, at most [`COMMITS_LISTED`].
fn commits(
    facts: &Facts,
    window: &devspm_posture::Window,
    scope: Option<&str>,
) -> (Vec<CommitEntry>, u64) {
    let names: HashMap<&str, &IdentityFact> = facts
        .identities
        .iter()
        .map(|i| (i.identity.as_str(), i))
        .collect();
    let mut chosen: Vec<_> = facts
        .commits
        .iter()
        .filter(|c| window.contains(c.author_time) && scope.is_none_or(|s| s == c.repo))
        .collect();
    chosen.sort_by(|a, b| b.author_time.cmp(&a.author_time).then(a.sha.cmp(&b.sha)));
    let omitted = chosen.len().saturating_sub(COMMITS_LISTED) as u64;
    chosen.truncate(COMMITS_LISTED);
    let entries = chosen
        .into_iter()
        .map(|c| {
            let identity = c.author_identity.as_deref().and_then(|i| names.get(i));
            let developer = identity.filter(|i| i.kind == "developer");
            CommitEntry {
                repo: c.repo.clone(),
                sha: c.sha.clone(),
                seq: c.seq,
                time: jiff::Timestamp::from_second(c.author_time)
                    .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default(),
                author: developer.map(|i| i.identity.clone()),
                author_name: identity
                    .and_then(|i| i.name.clone().or_else(|| i.slug.clone()))
                    .or_else(|| c.author_identity.clone())
                    .unwrap_or_else(|| c.author_alias.clone()),
                lines: if c.parent_count > 1 { 0 } else { c.lines },
                merge: c.parent_count > 1,
                signed: c.signature != "none",
                agents: c.agents.clone(),
                on_default_branch: c.on_default_branch,
            }
        })
        .collect();
    (entries, omitted)
}

/// Findings introduced or fixed in the window (those the posture counts) and every open one,
/// most severe first.
fn findings<S: Ledger>(
    store: &S,
    facts: &Facts,
    scope: Option<&str>,
) -> Result<Vec<FindingEntry>, EngineError> {
    let in_window: HashMap<&str, &devspm_core::posture::FindingFact> = facts
        .findings
        .iter()
        .map(|f| (f.finding.as_str(), f))
        .collect();
    let rows = store.findings(&FindingFilter {
        repo: scope.map(str::to_owned),
        ..FindingFilter::default()
    })?;
    let mut out: Vec<FindingEntry> = rows
        .into_iter()
        .filter(|r| r.status == "open" || in_window.contains_key(r.finding.as_str()))
        .map(|r| {
            let fact = in_window.get(r.finding.as_str());
            let location = match (&r.path, r.start_line, &r.package) {
                (Some(path), Some(line), _) => format!("{path}:{line}"),
                (Some(path), None, _) => path.clone(),
                (None, _, Some(package)) => match &r.version {
                    Some(v) => format!("{package}@{v}"),
                    None => package.clone(),
                },
                _ => String::new(),
            };
            FindingEntry {
                repo: fact.map(|f| f.repo.clone()).unwrap_or_default(),
                introduced_at: r.introduced_at.and_then(|t| {
                    jiff::Timestamp::from_second(t)
                        .ok()
                        .map(|t| t.strftime("%Y-%m-%d").to_string())
                }),
                recorded_seq: fact.map(|f| f.first_seq),
                attribution_seq: fact.and_then(|f| f.attribution_seq),
                triage: r.triage.as_ref().map(|t| t.state.clone()),
                id: r.finding,
                repository: r.repository,
                tool: r.tool,
                rule: r.rule,
                kind: r.kind,
                severity: r.severity,
                status: r.status,
                message: r.message,
                location,
                introduced_in: r.introduced_in,
                developer: r.developer,
                developer_name: r.developer_name,
                agents: r.agents,
                method: r.method,
                confidence: r.confidence,
                fixed_revision: r.fixed_revision,
                fixed_in: fact.and_then(|f| f.fixed_in.clone()),
                fixed_by: None,
                fixed_by_name: None,
            }
        })
        .collect();
    // A finding outside the window's facts still needs its repository id for its commit link.
    let ids: HashMap<String, String> = facts
        .repositories
        .iter()
        .map(|r| (r.name.clone(), r.repo.clone()))
        .collect();
    let commits: HashMap<(&str, &str), &devspm_core::posture::CommitFact> = facts
        .commits
        .iter()
        .map(|c| ((c.repo.as_str(), c.sha.as_str()), c))
        .collect();
    let names: HashMap<&str, &IdentityFact> = facts
        .identities
        .iter()
        .map(|i| (i.identity.as_str(), i))
        .collect();
    for f in &mut out {
        if f.repo.is_empty() {
            f.repo = ids.get(&f.repository).cloned().unwrap_or_default();
        }
        let author = f
            .fixed_in
            .as_deref()
            .and_then(|sha| commits.get(&(f.repo.as_str(), sha)))
            .and_then(|c| c.author_identity.clone());
        if let Some(id) = author {
            f.fixed_by_name = names.get(id.as_str()).and_then(|i| i.name.clone());
            f.fixed_by = Some(id);
        }
    }
    out.sort_by(|a, b| {
        crate::ci_audit::severity_rank(&b.severity)
            .cmp(&crate::ci_audit::severity_rank(&a.severity))
            .then(a.status.cmp(&b.status).reverse())
            .then(a.id.cmp(&b.id))
    });
    Ok(out)
}

/// Recorded tool uses, and the tools the policy denies or has not approved.
fn tools<S: Ledger>(
    ctx: &Context<'_>,
    store: &S,
    scope: Option<&str>,
    names: &HashMap<&str, &IdentityFact>,
) -> Result<ToolInventory, EngineError> {
    let rows = store.tool_uses(&ToolFilter {
        repo_id: scope.map(str::to_owned),
        ..ToolFilter::default()
    })?;
    let tools = rows
        .into_iter()
        .map(|t| ToolEntry {
            origin: t.origin.to_owned(),
            place: t
                .repository
                .clone()
                .or_else(|| t.host.clone())
                .unwrap_or_default(),
            kind: t.kind,
            name: t.name,
            version: t.version,
            path: match t.line {
                Some(line) => format!("{}:{line}", t.path),
                None => t.path,
            },
            pinned: t.pinned,
            risks: t.risks,
            introduced_in: t.introduced_in,
            who: t.identity_name.or(t.identity),
            first_seen: t.first_seen,
        })
        .collect();
    let check = crate::policy::check(ctx, store, scope.map(str::to_owned), None)?;
    let violations: Vec<ToolViolation> = check
        .violations
        .into_iter()
        .map(|v| ToolViolation {
            verdict: v.kind.to_owned(),
            identity: v.identity,
            repository: v.repository,
            item: v.item,
            place: v.place,
            who: v.who,
            reason: v.reason,
        })
        .collect();
    let by_subject = violation_counts(&violations, names);
    Ok(ToolInventory {
        tools,
        violations,
        by_subject,
    })
}

/// Violations per developer (by identity) and per repository, most first.
fn violation_counts(
    violations: &[ToolViolation],
    names: &HashMap<&str, &IdentityFact>,
) -> Vec<ViolationCount> {
    let mut counts: std::collections::BTreeMap<(&str, &str), (u64, u64)> = Default::default();
    for v in violations {
        let shadow = u64::from(matches!(v.verdict.as_str(), "denied" | "unapproved"));
        for key in [
            v.identity.as_deref().map(|i| ("developer", i)),
            v.repository.as_deref().map(|r| ("repository", r)),
        ]
        .into_iter()
        .flatten()
        {
            let entry = counts.entry(key).or_default();
            entry.0 += shadow;
            entry.1 += 1;
        }
    }
    let mut out: Vec<ViolationCount> = counts
        .into_iter()
        .map(|((kind, id), (shadow_tools, violations))| ViolationCount {
            kind: kind.to_owned(),
            id: id.to_owned(),
            name: match kind {
                "developer" => names
                    .get(id)
                    .and_then(|i| i.name.clone())
                    .unwrap_or_else(|| id.to_owned()),
                _ => id.to_owned(),
            },
            shadow_tools,
            violations,
        })
        .collect();
    out.sort_by(|a, b| {
        a.kind
            .cmp(&b.kind)
            .then(b.violations.cmp(&a.violations))
            .then(a.id.cmp(&b.id))
    });
    out
}
