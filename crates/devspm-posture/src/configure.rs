//! Settings from the operator's `[posture]` table of `devspm.toml`: each value given there
//! replaces its default (in `settings.rs`, and beside each factor for its weight) after a
//! check that names the key when the value is wrong. It sits above both the settings and the
//! factors, since the factors read the settings and the weights come from the factors.

use std::collections::BTreeMap;

use devspm_core::config::PostureConfig;

use crate::factors::FACTORS;
use crate::settings::*;

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
