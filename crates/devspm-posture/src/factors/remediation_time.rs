//! `remediation_time`: how long the subject's findings stayed in the code before they were fixed.
//!
//! Why: introducing a finding is half the story; a team that fixes within days carries less
//! risk than one whose findings live for a year. Each finding the subject introduced (at any
//! time) and that an import found fixed within the window counts: its time to remediate is the
//! committer time of the revision at which it was found fixed minus the author time of its
//! introducing commit (never below zero). Who fixed it is not known yet.
//!
//! The median, not the mean (one finding left for years would swamp it), shrunk toward the
//! organisation's median with a prior of `prior_fixes` findings: `adjusted = (n × median + p ×
//! org_median) / (n + p)`. Normalised: `reference_days / (reference_days + adjusted)`.
//!
//! Unknown when none of the subject's findings was fixed in the window: findings still open
//! say nothing about how fast they will be fixed (the finding rate and open secrets count
//! them).

use super::{Evaluation, EvidenceItem, Factor, Inputs, Status, num, saturate};

pub const FACTOR: Factor = Factor {
    id: "remediation_time",
    title: "median days from introduction to fix of its findings fixed in the window, shrunk toward the organisation's median",
    default_weight: 0.15,
    evaluate,
};

fn evaluate(i: &Inputs<'_>) -> Evaluation {
    const UNIT: &str = "fixed findings";
    let t = i.subject;
    let Some(median) = t.median_remediation() else {
        return Evaluation::unknown(
            "none of its findings was found fixed in the window (with a recorded fix revision)",
            UNIT,
        );
    };
    let n = t.remediation_days.len() as f64;
    let p = i.settings.prior_fixes;
    let org_median = i.organisation.median_remediation().unwrap_or(median);
    let adjusted = (n * median + p * org_median) / (n + p);
    let reference = i.settings.reference_days;
    let normalised = saturate(reference, adjusted);
    let evidence = t.evidence.as_ref().map_or_else(Vec::new, |e| {
        e.fixes
            .iter()
            .map(|f| EvidenceItem {
                kind: "finding",
                id: f.finding.clone(),
                repo: Some(f.repo.clone()),
                detail: format!(
                    "fixed at {} after {} days",
                    short(&f.fixed_revision),
                    num(f.days)
                ),
                value: Some(f.days),
            })
            .collect()
    });
    Evaluation {
        status: Status::Known,
        reason: None,
        raw: Some(median),
        raw_text: format!(
            "median {} days over {} fixed findings (mean {})",
            num(median),
            t.remediation_days.len(),
            num(t.mean_remediation().unwrap_or(median))
        ),
        adjusted: Some(adjusted),
        normalised: Some(normalised),
        sample: t.remediation_days.len() as u64,
        sample_unit: UNIT,
        formula: format!(
            "adjusted = (n × median + p × org_median) / (n + p) = ({} × {} + {} × {}) / ({} + {}) = {}; normalised = T / (T + adjusted) = {} / ({} + {}) = {}",
            num(n),
            num(median),
            num(p),
            num(org_median),
            num(n),
            num(p),
            num(adjusted),
            num(reference),
            num(reference),
            num(adjusted),
            num(normalised)
        ),
        evidence,
    }
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::factors::tests::inputs;
    use crate::metrics::Tally;

    #[test]
    fn one_quick_fix_is_shrunk_toward_the_organisation() {
        let org = Tally {
            remediation_days: vec![10.0, 30.0, 50.0],
            ..Tally::default()
        };
        let subject = Tally {
            remediation_days: vec![2.0],
            ..Tally::default()
        };
        let e = evaluate(&inputs(&subject, &org));
        // (1 × 2 + 3 × 30) / 4 = 23.
        assert_eq!(e.raw, Some(2.0));
        assert_eq!(e.adjusted, Some(23.0));
        assert!((e.normalised.unwrap() - 30.0 / 53.0).abs() < 1e-12);
        assert_eq!(e.sample, 1);
    }

    #[test]
    fn nothing_fixed_is_unknown() {
        let e = evaluate(&inputs(&Tally::default(), &Tally::default()));
        assert_eq!(e.status, Status::Unknown);
    }
}
