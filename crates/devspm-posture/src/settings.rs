//! What a posture run is computed with: the window length, the factor weights, the severity
//! weights, the priors small samples are shrunk with and the reference points of the
//! normalisations. The defaults live here (and beside each factor, for its weight); the
//! operator's `[posture]` table of `devspm.toml` overrides any of them (`configure.rs`, which
//! reads both this and the factors' list).

use std::collections::BTreeMap;

use serde::Serialize;

/// Days in the default window.
pub const DEFAULT_WINDOW_DAYS: u32 = 90;

/// Changed lines of prior at the organisation's finding rate. 2,000 lines is a few weeks of one
/// developer's work: a subject with 200 changed lines and one high finding is pulled most of the
/// way back to the organisation's rate, one with 50,000 lines keeps its own.
pub const DEFAULT_PRIOR_LINES: f64 = 2000.0;

/// Commits of prior at the organisation's share (signing, self-merge): after 20 commits a
/// subject's own share weighs as much as the organisation's.
pub const DEFAULT_PRIOR_COMMITS: f64 = 20.0;

/// Fixed findings of prior at the organisation's median time to remediate.
pub const DEFAULT_PRIOR_FIXES: f64 = 3.0;

/// Severity-weighted findings per 1,000 changed lines at which the finding-rate factor is 0.5.
pub const DEFAULT_REFERENCE_RATE: f64 = 1.0;

/// Days to remediate at which the remediation factor is 0.5.
pub const DEFAULT_REFERENCE_DAYS: f64 = 30.0;

/// Below this share of signed commits in the organisation, signing is not the practice and
/// the signing factor is unknown: where 4 commits in 1,600 are signed (git/git), an unsigned
/// commit says nothing about the person.
pub const DEFAULT_SIGNING_PRACTICE: f64 = 0.05;

/// What a finding of each severity counts for in the finding rate: a critical finding is worth
/// ten low ones; informational findings are not risk.
pub const DEFAULT_SEVERITY_WEIGHTS: [(&str, f64); 6] = [
    ("critical", 10.0),
    ("high", 5.0),
    ("medium", 2.0),
    ("low", 1.0),
    ("info", 0.0),
    ("unknown", 1.0),
];

/// The settings of a run, as used (the report carries them, so a score can be recomputed).
#[derive(Clone, Debug, Serialize)]
pub struct Settings {
    pub window_days: u32,
    pub prior_lines: f64,
    pub prior_commits: f64,
    pub prior_fixes: f64,
    pub reference_rate: f64,
    pub reference_days: f64,
    pub signing_practice: f64,
    /// Factor id → weight.
    pub weights: BTreeMap<&'static str, f64>,
    /// Severity → weight in the finding rate.
    pub severity_weights: BTreeMap<&'static str, f64>,
}

impl Settings {
    /// The weight of a factor (0 for an id that is not a factor).
    pub fn weight(&self, factor: &str) -> f64 {
        self.weights.get(factor).copied().unwrap_or(0.0)
    }

    /// What a finding of `severity` counts for; a severity outside the scale counts as
    /// `unknown`.
    pub fn severity_weight(&self, severity: &str) -> f64 {
        self.severity_weights
            .get(severity)
            .or_else(|| self.severity_weights.get("unknown"))
            .copied()
            .unwrap_or(1.0)
    }
}
