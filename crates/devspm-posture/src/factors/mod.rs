//! The factors of the posture score, one per file: each has an id, a one-line description, a
//! default weight, and an evaluation that turns a subject's tally into a value normalised to
//! [0, 1] (1 is the good end) — or says why the value is unknown. Each file's doc comment is
//! the factor's rationale; `docs/posture.md` restates the formulas.
//!
//! An unknown factor is left out of the score and the other weights are renormalised over the
//! known ones: missing data (nothing scanned, nobody signs, no hook in use) is never read as
//! zero risk. A factor that does not apply to a kind of subject (an AI agent runs no
//! pre-commit hook) is left out the same way.

mod finding_rate;
mod hook_overrides;
mod open_secrets;
mod policy_violations;
mod remediation_time;
mod self_merged;
mod shadow_tools;
mod signed_commits;

use serde::Serialize;

use crate::metrics::{SubjectKind, Tally};
use crate::settings::Settings;

/// One factor of the score.
pub struct Factor {
    /// Stable id, the key of `[posture.weights]`.
    pub id: &'static str,
    /// What it measures, in one line.
    pub title: &'static str,
    pub default_weight: f64,
    pub evaluate: fn(&Inputs<'_>) -> Evaluation,
}

/// Every factor, in the order reports list them.
pub const FACTORS: [&Factor; 8] = [
    &finding_rate::FACTOR,
    &remediation_time::FACTOR,
    &open_secrets::FACTOR,
    &signed_commits::FACTOR,
    &self_merged::FACTOR,
    &hook_overrides::FACTOR,
    &shadow_tools::FACTOR,
    &policy_violations::FACTOR,
];

/// What a factor is evaluated on.
pub struct Inputs<'a> {
    pub kind: SubjectKind,
    /// The subject's tally over the window (and the scope).
    pub subject: &'a Tally,
    /// The organisation's tally over the window: every repository, every subject.
    pub organisation: &'a Tally,
    pub settings: &'a Settings,
}

/// Whether a factor has a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Known,
    /// The data it needs is missing: left out of the score.
    Unknown,
    /// It does not apply to this kind of subject: left out of the score.
    NotApplicable,
}

/// A factor's value for one subject, with how it was reached.
#[derive(Clone, Debug, Serialize)]
pub struct Evaluation {
    pub status: Status,
    /// Why it is unknown or does not apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The measured value (a rate, a share, a number of days or of events).
    pub raw: Option<f64>,
    /// The measured value in words, with its parts.
    pub raw_text: String,
    /// The value after shrinking toward the organisation (the raw value where nothing is
    /// shrunk).
    pub adjusted: Option<f64>,
    /// In [0, 1]; 1 is the good end.
    pub normalised: Option<f64>,
    /// How much the value rests on, in `sample_unit`s.
    pub sample: u64,
    pub sample_unit: &'static str,
    /// The computation with the numbers in it.
    pub formula: String,
    /// What the value was computed from.
    pub evidence: Vec<EvidenceItem>,
}

impl Evaluation {
    /// A factor without a value: `reason` says which data is missing.
    pub fn unknown(reason: impl Into<String>, sample_unit: &'static str) -> Evaluation {
        Evaluation {
            status: Status::Unknown,
            reason: Some(reason.into()),
            raw: None,
            raw_text: "unknown".to_owned(),
            adjusted: None,
            normalised: None,
            sample: 0,
            sample_unit,
            formula: String::new(),
            evidence: Vec::new(),
        }
    }

    /// A factor that does not apply to this kind of subject.
    pub fn not_applicable(reason: impl Into<String>, sample_unit: &'static str) -> Evaluation {
        Evaluation {
            status: Status::NotApplicable,
            ..Evaluation::unknown(reason, sample_unit)
        }
    }
}

/// One piece of evidence: a commit, a finding or an event, with what it contributed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvidenceItem {
    /// `commit`, `finding` or `event`.
    pub kind: &'static str,
    /// A commit id, a finding id, or an event sequence number.
    pub id: String,
    /// The repository id (commits and findings).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// What it contributed, in devspm's words (`high, weight 5`, `120 lines`, `12.5 days`).
    pub detail: String,
    /// The number it contributed to the factor's sum, where it contributed one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
}

impl EvidenceItem {
    /// A commit, finding or event that counted once.
    pub(crate) fn one(kind: &'static str, id: &str, repo: &str, detail: &str) -> EvidenceItem {
        EvidenceItem {
            kind,
            id: id.to_owned(),
            repo: Some(repo.to_owned()),
            detail: detail.to_owned(),
            value: Some(1.0),
        }
    }
}

/// A factor that counts events, not a rate: `1 / (1 + n)` — 1 with none, 0.5 with one, a
/// quarter with three. `what` names n in the formula; `sample` is (size, unit).
pub(crate) fn counted(
    n: u64,
    what: &str,
    raw_text: String,
    sample: (u64, &'static str),
    evidence: Vec<EvidenceItem>,
) -> Evaluation {
    let normalised = 1.0 / (1.0 + n as f64);
    Evaluation {
        status: Status::Known,
        reason: None,
        raw: Some(n as f64),
        raw_text,
        adjusted: Some(n as f64),
        normalised: Some(normalised),
        sample: sample.0,
        sample_unit: sample.1,
        formula: format!(
            "normalised = 1 / (1 + {what}) = 1 / (1 + {n}) = {}",
            num(normalised)
        ),
        evidence,
    }
}

/// A tool factor: the distinct tools of the subject with `verdict` (`unapproved`, `denied`)
/// among its judged tool uses, counted ([`counted`]), each use as evidence. Not applicable to
/// agents, unknown without an inventory ([`tool_inventory`]).
pub(crate) fn tools_with_verdict(
    i: &Inputs<'_>,
    tools: &std::collections::BTreeSet<String>,
    verdict: &str,
) -> Evaluation {
    const UNIT: &str = "judged tools";
    if let Some(missing) = tool_inventory(i, UNIT) {
        return missing;
    }
    let n = tools.len() as u64;
    counted(
        n,
        &format!("{verdict} tools"),
        format!(
            "{n} {verdict} of {} judged tool uses: {}",
            i.subject.tools_judged,
            listed(tools)
        ),
        (i.subject.tools_judged, UNIT),
        tool_evidence(i, verdict),
    )
}

/// Why a tool factor has no value (`None` when it has one): agents run no tools of their own,
/// and a subject without a judged tool has no inventory to count — never zero risk.
fn tool_inventory(i: &Inputs<'_>, unit: &'static str) -> Option<Evaluation> {
    if i.kind == SubjectKind::Agent {
        return Some(Evaluation::not_applicable(
            "a tool counts for the person who introduced it or whose workstation runs it",
            unit,
        ));
    }
    if i.organisation.tools_judged == 0 {
        return Some(Evaluation::unknown(
            "no tool in use has a policy verdict: no [policy] in devspm.toml judges the tools recorded in repositories, and no workstation inventory recorded a verdict",
            unit,
        ));
    }
    (i.subject.tools_judged == 0).then(|| {
        Evaluation::unknown(
            "no tool of theirs is in the inventory (none recorded in its repositories' files or introduced by them, no workstation inventory of theirs)",
            unit,
        )
    })
}

/// The uses of tools with `verdict`, as evidence: their `tool_seen` /
/// `workstation_tool_seen` events.
fn tool_evidence(i: &Inputs<'_>, verdict: &str) -> Vec<EvidenceItem> {
    i.subject.evidence.as_ref().map_or_else(Vec::new, |e| {
        e.tools
            .iter()
            .filter(|t| t.verdict == verdict)
            .map(|t| EvidenceItem {
                kind: "event",
                id: t.seq.to_string(),
                repo: t.repo.clone(),
                detail: format!("{verdict} {} at {}", t.item, t.place),
                value: Some(1.0),
            })
            .collect()
    })
}

/// `a, b, c` (or `none`).
fn listed(names: &std::collections::BTreeSet<String>) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.iter().cloned().collect::<Vec<_>>().join(", ")
    }
}

/// `x / (x + y)`-style saturation used by the rate and time factors: `reference /
/// (reference + value)` — 1 at 0, 0.5 at the reference, toward 0 beyond.
pub(crate) fn saturate(reference: f64, value: f64) -> f64 {
    reference / (reference + value.max(0.0))
}

/// A share shrunk toward a prior share: `(part + prior × prior_share) / (whole + prior)`.
pub(crate) fn shrink_share(part: u64, whole: u64, prior: f64, prior_share: f64) -> f64 {
    (part as f64 + prior * prior_share) / (whole as f64 + prior)
}

/// A number for formulas: up to four decimals, trailing zeros cut.
pub(crate) fn num(x: f64) -> String {
    let text = format!("{x:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The inputs of a developer with default settings.
    pub fn inputs<'a>(subject: &'a Tally, organisation: &'a Tally) -> Inputs<'a> {
        let settings: &'static Settings = Box::leak(Box::new(Settings::default()));
        Inputs {
            kind: SubjectKind::Developer,
            subject,
            organisation,
            settings,
        }
    }

    #[test]
    fn ids_are_unique_and_default_weights_sum_to_one() {
        let mut ids: Vec<&str> = FACTORS.iter().map(|f| f.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), FACTORS.len());
        let total: f64 = FACTORS.iter().map(|f| f.default_weight).sum();
        assert!((total - 1.0).abs() < 1e-12);
        assert_eq!(num(0.12345678), "0.1235");
        assert_eq!(num(2.0), "2");
    }
}
