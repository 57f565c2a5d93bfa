//! The statistics of an evidence pack: over every change of the period (signatures, identities,
//! committers, review trailers, AI involvement) and over the findings on record for its scope
//! (severity, attribution, lifecycle, time to fix, recurring rules).

use std::collections::HashSet;

use devspm_core::evidence::{FindingStats, PeriodStats};
use devspm_ledger::evidence::PeriodChange;
use devspm_ledger::findings::{FindingRow, severity_rank};

use super::change::People;
use super::{DAY, PackStore, day};
use crate::EngineError;

/// Statistics of the whole population.
pub(super) fn population_stats<S: PackStore>(
    people: &mut People<'_, S>,
    population: &[PeriodChange],
) -> Result<PeriodStats, EngineError> {
    let mut s = PeriodStats {
        changes: population.len() as u64,
        ..PeriodStats::default()
    };
    let mut authors = HashSet::new();
    for c in population {
        *s.signature_kinds.entry(c.signature.clone()).or_default() += 1;
        if c.signature != "none" {
            s.signed += 1;
        }
        let author = people.identity(&c.author_alias)?;
        let committer = people.identity(&c.committer_alias)?;
        if let Some(a) = &author {
            s.resolved += 1;
            *s.by_kind.entry(a.kind.clone()).or_default() += 1;
            authors.insert(a.identity.clone());
        }
        if author.as_ref().map(|a| &a.identity) != committer.as_ref().map(|a| &a.identity) {
            s.committer_differs += 1;
        }
        if committer
            .as_ref()
            .is_some_and(|c| c.slug.as_deref() == Some("github-web-flow"))
        {
            s.web_flow += 1;
        }
        s.review_trailer += u64::from(c.review_trailer);
        s.ai += u64::from(c.ai);
        s.merges += u64::from(c.parent_count > 1);
        s.unreachable += u64::from(c.unreachable);
    }
    s.authors = authors.len() as u64;
    Ok(s)
}

/// Statistics of the findings on record for the scope; `in_population` are the period's
/// changes (repository id, commit id).
pub(super) fn finding_stats<S: PackStore>(
    store: &S,
    findings: &[FindingRow],
    repo_of: &dyn Fn(&FindingRow) -> String,
    in_population: &HashSet<(String, String)>,
) -> Result<FindingStats, EngineError> {
    let mut s = FindingStats {
        total: findings.len() as u64,
        ..FindingStats::default()
    };
    let mut developers = HashSet::new();
    for f in findings {
        let entry = s
            .by_severity
            .entry(severity_rank(&f.severity))
            .or_insert_with(|| (f.severity.clone(), 0, 0));
        if f.status == "open" {
            entry.1 += 1;
        } else {
            entry.2 += 1;
            s.fixed += 1;
        }
        match f.attribution.as_deref() {
            Some("attributed") => s.attributed += 1,
            Some(_) => s.unattributable += 1,
            None => s.pending += 1,
        }
        if let Some(d) = &f.developer {
            developers.insert(d.clone());
        }
        if !f.agents.is_empty() {
            s.ai_findings += 1;
            s.agents.extend(f.agents.iter().cloned());
        }
        s.reopened += u64::from(f.reopened > 0);
        *s.rules.entry(format!("{}/{}", f.tool, f.rule)).or_default() += 1;
        if let Some(at) = f.introduced_at {
            *s.by_year.entry(day(at)[..4].to_owned()).or_default() += 1;
        }
        let repo = repo_of(f);
        if let Some(sha) = &f.introduced_in
            && in_population.contains(&(repo.clone(), sha.clone()))
        {
            s.in_period += 1;
            if f.status == "open" && severity_rank(&f.severity) >= severity_rank("high") {
                s.in_period_severe_open += 1;
            }
        }
        if f.status == "fixed"
            && let (Some(introduced), Some(fix)) = (f.introduced_at, &f.fixed_revision)
            && let Some(fixed_at) = store.committer_time(&repo, fix)?
            && fixed_at >= introduced
        {
            s.fix_days.push((fixed_at - introduced) as f64 / DAY as f64);
        }
    }
    s.developers = developers.len() as u64;
    Ok(s)
}
