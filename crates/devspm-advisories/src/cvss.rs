//! CVSS vectors → base score → our severity scale.
//!
//! Advisories give CVSS as a vector, not a score, so the score is computed here: the CVSS v3.0
//! and v3.1 base formula (v3.1's round-up, which differs from v3.0's only in floating-point
//! edge cases) and the CVSS v2 base formula. CVSS v4 scores come from a lookup table of 270
//! "macro vectors" that we do not embed; a v4 vector's *severity* is estimated instead by
//! reading its base metrics as their v3.1 counterparts (`AT:P` as `AC:H`, `UI:P`/`UI:A` as
//! `UI:R`, vulnerable-system impacts as C/I/A, a high subsequent-system impact as a scope
//! change raising that impact). That keeps the band right for the usual vectors (network,
//! no privileges, high impact → critical/high) and reports no score rather than a wrong one.

use crate::model::{Cvss, Severity};

/// The CVSS of `vector` and the severity band it gives, or `None` when the vector cannot be
/// read (unknown version, missing or unknown base metrics).
pub fn assess(vector: &str) -> Option<(Cvss, Severity)> {
    let vector = vector.trim();
    let (score, severity) = if let Some(rest) = vector
        .strip_prefix("CVSS:3.1/")
        .or_else(|| vector.strip_prefix("CVSS:3.0/"))
    {
        let score = v3_base_score(&Metrics::parse(rest)?)?;
        (Some(score), Severity::from_cvss(score))
    } else if let Some(rest) = vector.strip_prefix("CVSS:4.0/") {
        let estimate = v4_estimate(&Metrics::parse(rest)?)?;
        (None, Severity::from_cvss(estimate))
    } else if vector.starts_with("AV:") || vector.starts_with("(AV:") {
        let rest = vector.trim_start_matches('(').trim_end_matches(')');
        let score = v2_base_score(&Metrics::parse(rest)?)?;
        (Some(score), Severity::from_cvss(score))
    } else {
        return None;
    };
    Some((
        Cvss {
            vector: vector.to_string(),
            score,
        },
        severity,
    ))
}

/// `KEY:VALUE` pairs of a vector, after its version prefix.
struct Metrics<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Metrics<'a> {
    fn parse(rest: &'a str) -> Option<Metrics<'a>> {
        let pairs = rest
            .split('/')
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once(':'))
            .collect::<Option<Vec<_>>>()?;
        Some(Metrics(pairs))
    }

    fn get(&self, key: &str) -> Option<&'a str> {
        self.0.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// CVSS v3.1 "Roundup": the smallest one-decimal number ≥ `x`, computed on integers to avoid
/// floating-point surprises (`4.000000001` → 4.1 but `4.0` → 4.0).
fn round_up(x: f64) -> f64 {
    let int_input = (x * 100_000.0).round() as i64;
    if int_input % 10_000 == 0 {
        int_input as f64 / 100_000.0
    } else {
        ((int_input / 10_000) + 1) as f64 / 10.0
    }
}

/// The v3 base metric values; `None` when one is missing or unknown.
struct V3 {
    av: f64,
    ac: f64,
    pr: f64,
    ui: f64,
    changed: bool,
    c: f64,
    i: f64,
    a: f64,
}

fn v3_impact(value: &str) -> Option<f64> {
    match value {
        "H" => Some(0.56),
        "L" => Some(0.22),
        "N" => Some(0.0),
        _ => None,
    }
}

fn v3_attack_vector(value: &str) -> Option<f64> {
    match value {
        "N" => Some(0.85),
        "A" => Some(0.62),
        "L" => Some(0.55),
        "P" => Some(0.2),
        _ => None,
    }
}

fn v3_privileges(value: &str, changed: bool) -> Option<f64> {
    match (value, changed) {
        ("N", _) => Some(0.85),
        ("L", false) => Some(0.62),
        ("L", true) => Some(0.68),
        ("H", false) => Some(0.27),
        ("H", true) => Some(0.5),
        _ => None,
    }
}

fn v3_base_score(m: &Metrics) -> Option<f64> {
    let changed = match m.get("S")? {
        "U" => false,
        "C" => true,
        _ => return None,
    };
    let v = V3 {
        av: v3_attack_vector(m.get("AV")?)?,
        ac: match m.get("AC")? {
            "L" => 0.77,
            "H" => 0.44,
            _ => return None,
        },
        pr: v3_privileges(m.get("PR")?, changed)?,
        ui: match m.get("UI")? {
            "N" => 0.85,
            "R" => 0.62,
            _ => return None,
        },
        changed,
        c: v3_impact(m.get("C")?)?,
        i: v3_impact(m.get("I")?)?,
        a: v3_impact(m.get("A")?)?,
    };
    Some(v3_score(&v))
}

fn v3_score(v: &V3) -> f64 {
    let iss = 1.0 - (1.0 - v.c) * (1.0 - v.i) * (1.0 - v.a);
    let impact = if v.changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability = 8.22 * v.av * v.ac * v.pr * v.ui;
    if impact <= 0.0 {
        0.0
    } else if v.changed {
        round_up((1.08 * (impact + exploitability)).min(10.0))
    } else {
        round_up((impact + exploitability).min(10.0))
    }
}

/// A v3.1-equivalent score for a CVSS v4 vector (see the module note): an estimate for the
/// severity band only.
fn v4_estimate(m: &Metrics) -> Option<f64> {
    let av = v3_attack_vector(m.get("AV")?)?;
    let ac = match (m.get("AC")?, m.get("AT").unwrap_or("N")) {
        ("L", "N") => 0.77,
        ("L" | "H", "N" | "P") => 0.44,
        _ => return None,
    };
    let ui = match m.get("UI")? {
        "N" => 0.85,
        "P" | "A" => 0.62,
        _ => return None,
    };
    let vulnerable = [m.get("VC")?, m.get("VI")?, m.get("VA")?];
    let subsequent = [
        m.get("SC").unwrap_or("N"),
        m.get("SI").unwrap_or("N"),
        m.get("SA").unwrap_or("N"),
    ];
    let changed = subsequent.contains(&"H");
    let mut impacts = [0.0; 3];
    for (slot, (vuln, sub)) in impacts.iter_mut().zip(vulnerable.iter().zip(subsequent)) {
        let vuln = v3_impact(vuln)?;
        // `S` (safety) is a v4 value of SI/SA only in the supplemental group; read it as high.
        let sub = if sub == "S" { 0.56 } else { v3_impact(sub)? };
        *slot = if changed { vuln.max(sub) } else { vuln };
    }
    let v = V3 {
        av,
        ac,
        pr: v3_privileges(m.get("PR")?, changed)?,
        ui,
        changed,
        c: impacts[0],
        i: impacts[1],
        a: impacts[2],
    };
    Some(v3_score(&v))
}

fn v2_base_score(m: &Metrics) -> Option<f64> {
    let av = match m.get("AV")? {
        "L" => 0.395,
        "A" => 0.646,
        "N" => 1.0,
        _ => return None,
    };
    let ac = match m.get("AC")? {
        "H" => 0.35,
        "M" => 0.61,
        "L" => 0.71,
        _ => return None,
    };
    let au = match m.get("Au")? {
        "M" => 0.45,
        "S" => 0.56,
        "N" => 0.704,
        _ => return None,
    };
    let cia = |key: &str| -> Option<f64> {
        match m.get(key)? {
            "N" => Some(0.0),
            "P" => Some(0.275),
            "C" => Some(0.660),
            _ => None,
        }
    };
    let (c, i, a) = (cia("C")?, cia("I")?, cia("A")?);
    let impact = 10.41 * (1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a));
    let exploitability = 20.0 * av * ac * au;
    let f = if impact == 0.0 { 0.0 } else { 1.176 };
    let score = ((0.6 * impact) + (0.4 * exploitability) - 1.5) * f;
    Some((score * 10.0).round() / 10.0)
}

/// The band of a database's own rating word (GHSA's `database_specific.severity`:
/// `CRITICAL`, `HIGH`, `MODERATE`, `LOW`).
pub fn severity_from_word(word: &str) -> Option<Severity> {
    match word.trim().to_ascii_lowercase().as_str() {
        "critical" => Some(Severity::Critical),
        "high" | "important" => Some(Severity::High),
        "moderate" | "medium" => Some(Severity::Medium),
        "low" | "negligible" => Some(Severity::Low),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(vector: &str) -> Option<f64> {
        assess(vector).and_then(|(c, _)| c.score)
    }

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
        ];
        for (vector, want) in cases {
            assert_eq!(score(vector), Some(want), "{vector}");
        }
    }

    #[test]
    fn v2_scores() {
        assert_eq!(score("AV:N/AC:L/Au:N/C:P/I:P/A:P"), Some(7.5));
        assert_eq!(score("AV:N/AC:M/Au:N/C:N/I:P/A:N"), Some(4.3));
        assert_eq!(score("AV:L/AC:L/Au:N/C:C/I:C/A:C"), Some(7.2));
    }

    #[test]
    fn v4_gives_a_band_without_a_score() {
        let (cvss, severity) =
            assess("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").unwrap();
        assert_eq!(cvss.score, None);
        assert_eq!(severity, Severity::Critical);
        let (_, severity) =
            assess("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N").unwrap();
        assert_eq!(severity, Severity::High);
        let (_, severity) =
            assess("CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N").unwrap();
        assert_eq!(severity, Severity::Low);
    }

    #[test]
    fn unreadable_vectors_are_none() {
        assert!(assess("CVSS:3.1/AV:X/AC:L").is_none());
        assert!(assess("CVSS:5.0/AV:N").is_none());
        assert!(assess("high").is_none());
        assert!(assess("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H").is_none());
    }
}
