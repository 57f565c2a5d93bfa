//! `finding_rate`: severity-weighted findings introduced per 1,000 changed lines.
//!
//! Why: this is where risk enters. Counting findings alone ranks the most productive people
//! worst; per changed line, a developer who writes much and introduces little ranks well. The
//! severity weights (`[posture.severity_weights]`) make one critical finding worth ten low ones.
//!
//! Small samples: a subject with 30 changed lines and one finding would show a rate of 33 per
//! 1,000 lines. The rate is shrunk toward the organisation's with a prior of `prior_lines`
//! changed lines at the organisation's rate (a Bayesian estimate with a Gamma prior):
//! `adjusted = (W + org_rate × k / 1000) / ((L + k) / 1000)`, where W is the weighted
//! findings, L the changed lines (of commits in repositories with scanner results) and k the
//! prior. Normalised: `reference_rate / (reference_rate + adjusted)`.
//!
//! Unknown when none of the subject's repositories has scanner results (nothing was looked
//! for, so finding nothing means nothing) or when it changed no lines in them.

use super::{Evaluation, EvidenceItem, Factor, Inputs, Status, num, saturate};

pub const FACTOR: Factor = Factor {
    id: "finding_rate",
    title: "severity-weighted findings introduced per 1,000 changed lines, shrunk toward the organisation's rate",
    default_weight: 0.35,
    evaluate,
};

fn evaluate(i: &Inputs<'_>) -> Evaluation {
    const UNIT: &str = "changed lines";
    let t = i.subject;
    if !t.findings_covered {
        return Evaluation::unknown(
            "no scanner results are recorded for the repositories it changed: nothing was looked for",
            UNIT,
        );
    }
    if t.covered_lines == 0 {
        return Evaluation::unknown(
            "no changed lines in repositories with scanner results in the window",
            UNIT,
        );
    }
    let org = i.organisation;
    let org_rate = if org.covered_lines > 0 {
        org.weighted_findings / org.covered_lines as f64 * 1000.0
    } else {
        0.0
    };
    let k = i.settings.prior_lines;
    let w = t.weighted_findings;
    let l = t.covered_lines as f64;
    let raw = w / l * 1000.0;
    let adjusted = (w + org_rate * k / 1000.0) / ((l + k) / 1000.0);
    let r = i.settings.reference_rate;
    let normalised = saturate(r, adjusted);
    let mut evidence: Vec<EvidenceItem> = Vec::new();
    if let Some(e) = &t.evidence {
        evidence.extend(e.findings.iter().map(|f| EvidenceItem {
            kind: "finding",
            id: f.finding.clone(),
            repo: Some(f.repo.clone()),
            detail: format!(
                "{}, weight {}{}",
                f.severity,
                num(f.weight),
                if f.ai { ", AI-involved commit" } else { "" }
            ),
            value: Some(f.weight),
        }));
        evidence.extend(
            e.commits
                .iter()
                .filter(|c| c.covered)
                .map(|c| EvidenceItem {
                    kind: "commit",
                    id: c.sha.clone(),
                    repo: Some(c.repo.clone()),
                    detail: format!("{} changed lines", c.lines),
                    value: Some(c.lines as f64),
                }),
        );
    }
    Evaluation {
        status: Status::Known,
        reason: None,
        raw: Some(raw),
        raw_text: format!(
            "{} weighted findings ({} findings) in {} changed lines = {} per 1,000",
            num(w),
            t.findings,
            t.covered_lines,
            num(raw)
        ),
        adjusted: Some(adjusted),
        normalised: Some(normalised),
        sample: t.covered_lines,
        sample_unit: UNIT,
        formula: format!(
            "adjusted = (W + org_rate × k / 1000) / ((L + k) / 1000) = ({} + {} × {} / 1000) / (({} + {}) / 1000) = {}; normalised = R / (R + adjusted) = {} / ({} + {}) = {}",
            num(w),
            num(org_rate),
            num(k),
            t.covered_lines,
            num(k),
            num(adjusted),
            num(r),
            num(r),
            num(adjusted),
            num(normalised)
        ),
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::factors::tests::inputs;
    use crate::metrics::Tally;

    fn covered(lines: u64, weighted: f64) -> Tally {
        Tally {
            findings_covered: true,
            covered_lines: lines,
            weighted_findings: weighted,
            ..Tally::default()
        }
    }

    #[test]
    fn a_small_sample_is_pulled_toward_the_organisation() {
        // Organisation: 10 weighted findings in 20,000 lines = 0.5 per 1,000.
        let org = covered(20_000, 10.0);
        // 100 lines, one high finding (5): 50 per 1,000 raw.
        let small = covered(100, 5.0);
        let e = evaluate(&inputs(&small, &org));
        assert_eq!(e.raw, Some(50.0));
        // (5 + 0.5 × 2) / 2.1 = 2.857…: far below the raw rate, above the organisation's.
        let adjusted = e.adjusted.unwrap();
        assert!((adjusted - 6.0 / 2.1).abs() < 1e-12, "{adjusted}");
        assert_eq!(e.sample, 100);
        // The same rate over 100,000 lines keeps (almost) its own value.
        let large = covered(100_000, 5000.0);
        let e = evaluate(&inputs(&large, &org));
        assert!((e.adjusted.unwrap() - 50.0).abs() < 1.0);
        assert!(e.normalised.unwrap() < 0.02);
    }

    #[test]
    fn no_findings_in_a_scanned_repository_is_good_and_nothing_scanned_is_unknown() {
        let org = covered(20_000, 0.0);
        let clean = covered(5_000, 0.0);
        assert_eq!(evaluate(&inputs(&clean, &org)).normalised, Some(1.0));
        let unscanned = Tally {
            covered_lines: 0,
            lines: 5_000,
            ..Tally::default()
        };
        let e = evaluate(&inputs(&unscanned, &org));
        assert_eq!(e.status, Status::Unknown);
        assert!(e.reason.unwrap().contains("no scanner results"));
    }
}
