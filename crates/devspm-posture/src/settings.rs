//! What a posture run is computed with: the window length, the factor weights, the severity
//! weights, the priors small samples are shrunk with and the reference points of the
//! normalisations. The defaults live here (and beside each factor, for its weight); the
//! operator's `[posture]` table of `devspm.toml` overrides any of them.

use std::collections::BTreeMap;

use devspm_core::config::PostureConfig;
use serde::Serialize;

use crate::factors::FACTORS;

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

impl Default for Settings {
    fn default() -> Settings {
        Settings::from_config(&PostureConfig::default()).expect("the defaults are valid")
    }
}

impl Settings {
    /// The defaults with the operator's overrides; an error names the key and what is wrong.
    pub fn from_config(config: &PostureConfig) -> Result<Settings, String> {
        let w = &config.weights;
        let given_weights = [
            ("finding_rate", w.finding_rate),
            ("remediation_time", w.remediation_time),
            ("open_secrets", w.open_secrets),
            ("signed_commits", w.signed_commits),
            ("self_merged", w.self_merged),
            ("hook_overrides", w.hook_overrides),
        ];
        let mut weights = BTreeMap::new();
        for factor in FACTORS {
            let given = given_weights
                .iter()
                .find(|(id, _)| *id == factor.id)
                .and_then(|(_, v)| *v);
            let value = given.unwrap_or(factor.default_weight);
            non_negative(&format!("posture.weights.{}", factor.id), value)?;
            weights.insert(factor.id, value);
        }
        if weights.values().all(|w| *w == 0.0) {
            return Err("[posture.weights]: every factor weighs 0, so no score can be made; give at least one factor a positive weight".to_owned());
        }
        let s = &config.severity_weights;
        let given_severities = [
            ("critical", s.critical),
            ("high", s.high),
            ("medium", s.medium),
            ("low", s.low),
            ("info", s.info),
            ("unknown", s.unknown),
        ];
        let mut severity_weights = BTreeMap::new();
        for (severity, default) in DEFAULT_SEVERITY_WEIGHTS {
            let value = given_severities
                .iter()
                .find(|(id, _)| *id == severity)
                .and_then(|(_, v)| *v)
                .unwrap_or(default);
            non_negative(&format!("posture.severity_weights.{severity}"), value)?;
            severity_weights.insert(severity, value);
        }
        let window_days = config.window_days.unwrap_or(DEFAULT_WINDOW_DAYS);
        if window_days == 0 {
            return Err("posture.window_days must be at least 1".to_owned());
        }
        let prior_lines = config.prior_lines.unwrap_or(DEFAULT_PRIOR_LINES);
        let prior_commits = config.prior_commits.unwrap_or(DEFAULT_PRIOR_COMMITS);
        let prior_fixes = config.prior_fixes.unwrap_or(DEFAULT_PRIOR_FIXES);
        non_negative("posture.prior_lines", prior_lines)?;
        non_negative("posture.prior_commits", prior_commits)?;
        non_negative("posture.prior_fixes", prior_fixes)?;
        let reference_rate = config.reference_rate.unwrap_or(DEFAULT_REFERENCE_RATE);
        let reference_days = config.reference_days.unwrap_or(DEFAULT_REFERENCE_DAYS);
        positive("posture.reference_rate", reference_rate)?;
        positive("posture.reference_days", reference_days)?;
        let signing_practice = config.signing_practice.unwrap_or(DEFAULT_SIGNING_PRACTICE);
        if !(0.0..=1.0).contains(&signing_practice) {
            return Err(format!(
                "posture.signing_practice = {signing_practice} must be a share between 0 and 1"
            ));
        }
        Ok(Settings {
            window_days,
            prior_lines,
            prior_commits,
            prior_fixes,
            reference_rate,
            reference_days,
            signing_practice,
            weights,
            severity_weights,
        })
    }

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

fn non_negative(key: &str, value: f64) -> Result<(), String> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(format!("{key} = {value} must be a number of at least 0"))
    }
}

fn positive(key: &str, value: f64) -> Result<(), String> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(format!("{key} = {value} must be a number above 0"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_weigh_one_in_total() {
        let s = Settings::default();
        let total: f64 = s.weights.values().sum();
        assert!((total - 1.0).abs() < 1e-12, "{total}");
        assert_eq!(s.window_days, 90);
        assert_eq!(s.severity_weight("critical"), 10.0);
        assert_eq!(s.severity_weight("weird"), 1.0);
    }

    #[test]
    fn overrides_apply_and_bad_values_are_refused() {
        let mut config = PostureConfig::default();
        config.weights.hook_overrides = Some(0.0);
        config.prior_lines = Some(0.0);
        let s = Settings::from_config(&config).unwrap();
        assert_eq!(s.weight("hook_overrides"), 0.0);
        assert_eq!(s.prior_lines, 0.0);
        config.weights.finding_rate = Some(-1.0);
        let err = Settings::from_config(&config).unwrap_err();
        assert!(err.contains("posture.weights.finding_rate"), "{err}");
        let config = PostureConfig {
            reference_days: Some(0.0),
            ..PostureConfig::default()
        };
        assert!(Settings::from_config(&config).is_err());
        let mut config = PostureConfig::default();
        let w = &mut config.weights;
        for slot in [
            &mut w.finding_rate,
            &mut w.remediation_time,
            &mut w.open_secrets,
            &mut w.signed_commits,
            &mut w.self_merged,
            &mut w.hook_overrides,
        ] {
            *slot = Some(0.0);
        }
        assert!(
            Settings::from_config(&config)
                .unwrap_err()
                .contains("every factor")
        );
    }
}
