//! CVSS vectors → base score → our severity scale, for every producer that gives a vector:
//! scanner imports (OSV records, cargo-audit, OSV-Scanner's CycloneDX) and the advisory
//! databases `devspm-advisories` loads. One implementation, so that a vector scores the same
//! wherever it is read.
//!
//! Parsing and scoring are RustSec's `cvss` crate: CVSS v2 (a bare `AV:N/AC:L/Au:N/…` vector),
//! v3.0 and v3.1 (each with its own rounding, as their specifications say) and v4.0 (the
//! specification's macro-vector lookup tables: the same score FIRST's calculator gives, and
//! the CVSS-BT/-BE/-BTE score when threat or environmental metrics are present). Before v4.0
//! vectors were scored here, one reader estimated their band from v3.1 counterparts of their
//! metrics and the other reported them as unknown.
//!
//! Around the crate, only the spellings producers write that it does not read: surrounding
//! whitespace, a v2 vector in parentheses (`(AV:N/…)`, as NVD's old feeds write it) or with a
//! `CVSS:2.0/` prefix, and a trailing `/`; and one check the crate leaves out, that a v3
//! vector has all its base metrics. A vector with an unknown version, a missing base metric,
//! an unknown value or a repeated metric gives `None`. The band of a score is
//! [`Severity::from_cvss`] for every version (CVSS v2 has no "critical" of its own; a v2 score
//! of 9.0 or more is critical here as it is in v3).

use std::str::FromStr;

use crate::Severity;

/// The base score (0.0–10.0) of a CVSS vector, or `None` when it cannot be read.
pub fn base_score(vector: &str) -> Option<f64> {
    let vector = vector.trim();
    let vector = vector.strip_suffix('/').unwrap_or(vector);
    let vector = match vector.strip_prefix('(') {
        Some(rest) => rest.strip_suffix(')')?,
        None => vector,
    };
    let vector = vector.strip_prefix("CVSS:2.0/").unwrap_or(vector);
    let parsed = cvss::Cvss::from_str(vector).ok()?;
    if let cvss::Cvss::CvssV30(v3) | cvss::Cvss::CvssV31(v3) = &parsed
        && !has_v3_base_metrics(v3)
    {
        return None;
    }
    let score = parsed.score();
    (score.is_finite() && (0.0..=10.0).contains(&score)).then_some(score)
}

/// Whether a v3 vector has all eight base metrics. The crate requires them of v2 and v4
/// vectors but scores a v3 vector without some (as if they were none), and a truncated vector
/// must not read as a low score.
fn has_v3_base_metrics(v: &cvss::v3::Vector) -> bool {
    v.av.is_some()
        && v.ac.is_some()
        && v.pr.is_some()
        && v.ui.is_some()
        && v.s.is_some()
        && v.c.is_some()
        && v.i.is_some()
        && v.a.is_some()
}

/// The base score of a CVSS vector and the band it falls in, or `None` when it cannot be read.
pub fn assess(vector: &str) -> Option<(f64, Severity)> {
    base_score(vector).map(|score| (score, Severity::from_cvss(score)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_scores_match_the_reference_calculator() {
        // Values from FIRST's CVSS v3.1 calculator.
        let cases = [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4),
            ("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:L", 4.3),
            ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
            ("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L", 5.6),
            ("CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 6.2),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:L", 8.6),
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:H", 8.2),
            ("CVSS:3.1/AV:N/AC:H/PR:L/UI:N/S:C/C:H/I:H/A:H", 8.5),
            // Temporal metrics do not change the base score.
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C",
                9.8,
            ),
        ];
        for (vector, want) in cases {
            assert_eq!(base_score(vector), Some(want), "{vector}");
        }
    }

    #[test]
    fn v4_scores_match_the_reference_calculator() {
        let cases = include_str!("../tests/fixtures/cvss-v4-scores.txt");
        let cases = cases
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with('#'));
        assert_eq!(cases.clone().count(), 12);
        for line in cases {
            let (vector, want) = line.split_once(' ').unwrap();
            assert_eq!(base_score(vector), want.parse().ok(), "{vector}");
        }
    }

    #[test]
    fn v4_bands() {
        // The vectors the v3.1-based estimate used to band, now scored.
        let cases = [
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                Severity::Critical,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N",
                Severity::High,
            ),
            (
                "CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:A/VC:N/VI:N/VA:H/SC:N/SI:N/SA:H",
                Severity::Medium,
            ),
            (
                "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
                Severity::Low,
            ),
        ];
        for (vector, band) in cases {
            assert_eq!(assess(vector).map(|(_, s)| s), Some(band), "{vector}");
        }
    }

    #[test]
    fn v2_scores_and_spellings() {
        assert_eq!(base_score("AV:N/AC:L/Au:N/C:P/I:P/A:P"), Some(7.5));
        assert_eq!(base_score("AV:N/AC:M/Au:N/C:N/I:P/A:N"), Some(4.3));
        assert_eq!(base_score("AV:L/AC:L/Au:N/C:C/I:C/A:C"), Some(7.2));
        assert_eq!(base_score("(AV:N/AC:L/Au:N/C:P/I:P/A:P)"), Some(7.5));
        assert_eq!(base_score("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P"), Some(7.5));
        assert_eq!(base_score("AV:N/AC:L/Au:N/C:C/I:C/A:C"), Some(10.0));
        assert_eq!(
            assess("AV:N/AC:L/Au:N/C:C/I:C/A:C").map(|(_, s)| s),
            Some(Severity::Critical)
        );
        assert_eq!(
            base_score(" CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ "),
            Some(9.8)
        );
    }

    #[test]
    fn unreadable_vectors_are_none() {
        for bad in [
            "CVSS:3.1/AV:X/AC:L",
            "CVSS:5.0/AV:N",
            "high",
            "not a vector",
            "",
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
            "CVSS:3.1/AV:N",
            "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H",
            "AV:N/AC:L/Au:N/C:P/I:P",
            "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H",
            "(AV:N/AC:L/Au:N/C:P/I:P/A:P",
        ] {
            assert_eq!(base_score(bad), None, "{bad:?}");
        }
    }
}
