//! Settings from the operator's `[posture]` table of `devspm.toml`: each value given there
//! replaces its default (in `settings.rs`, and beside each factor for its weight) after a
//! check that names the key when the value is wrong. It sits above both the settings and the
//! factors, since the factors read the settings and the weights come from the factors.
//!
//! [`effective_settings`] lists every resolved `[posture]` and `[signals]` value with where it
//! came from (the default, or the line of `devspm.toml` that set it), for `devspm config show`.

use std::collections::{BTreeMap, HashMap};

use devspm_core::config::{PostureConfig, SignalsConfig};
use serde::Serialize;

use crate::factors::FACTORS;
use crate::settings::*;
use crate::signals::Thresholds;

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
            ("shadow_tools", w.shadow_tools),
            ("policy_violations", w.policy_violations),
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

/// One resolved `[posture]` or `[signals]` value and where it came from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EffectiveSetting {
    /// The dotted key, as written in `devspm.toml` (`posture.weights.finding_rate`).
    pub key: &'static str,
    pub value: String,
    /// `default`, or `FILE line N` for the line that set it (`FILE` when the line cannot be
    /// told, as in an inline table).
    pub from: String,
}

type Show<T> = fn(&T) -> String;

/// The `[posture]` keys, with how to show each resolved value.
const POSTURE_KEYS: [(&str, Show<Settings>); 7] = [
    ("posture.window_days", |s| s.window_days.to_string()),
    ("posture.prior_lines", |s| s.prior_lines.to_string()),
    ("posture.prior_commits", |s| s.prior_commits.to_string()),
    ("posture.prior_fixes", |s| s.prior_fixes.to_string()),
    ("posture.reference_rate", |s| s.reference_rate.to_string()),
    ("posture.reference_days", |s| s.reference_days.to_string()),
    ("posture.signing_practice", |s| {
        s.signing_practice.to_string()
    }),
];

/// The key of each factor's weight (one per factor: a test holds them to [`FACTORS`]).
const WEIGHT_KEYS: [(&str, &str); 8] = [
    ("finding_rate", "posture.weights.finding_rate"),
    ("remediation_time", "posture.weights.remediation_time"),
    ("open_secrets", "posture.weights.open_secrets"),
    ("signed_commits", "posture.weights.signed_commits"),
    ("self_merged", "posture.weights.self_merged"),
    ("hook_overrides", "posture.weights.hook_overrides"),
    ("shadow_tools", "posture.weights.shadow_tools"),
    ("policy_violations", "posture.weights.policy_violations"),
];

const SEVERITY_KEYS: [(&str, &str); 6] = [
    ("critical", "posture.severity_weights.critical"),
    ("high", "posture.severity_weights.high"),
    ("medium", "posture.severity_weights.medium"),
    ("low", "posture.severity_weights.low"),
    ("info", "posture.severity_weights.info"),
    ("unknown", "posture.severity_weights.unknown"),
];

/// The `[signals]` keys, with how to show each resolved threshold.
const SIGNAL_KEYS: [(&str, Show<Thresholds>); 16] = [
    ("signals.min_history", |t| t.min_history.to_string()),
    ("signals.signing_share", |t| t.signing_share.to_string()),
    ("signals.self_commit_share", |t| {
        t.self_commit_share.to_string()
    }),
    ("signals.hour_probability", |t| {
        t.hour_probability.to_string()
    }),
    ("signals.smoothing", |t| t.smoothing.to_string()),
    ("signals.timezone_hours", |t| t.timezone_hours.to_string()),
    ("signals.timezone_probability", |t| {
        t.timezone_probability.to_string()
    }),
    ("signals.large_deletion_lines", |t| {
        t.large_deletion_lines.to_string()
    }),
    ("signals.large_deletion_files", |t| {
        t.large_deletion_files.to_string()
    }),
    ("signals.practice_commits", |t| {
        t.practice_commits.to_string()
    }),
    ("signals.new_contributor_days", |t| {
        t.new_contributor_days.to_string()
    }),
    ("signals.contributor_share", |t| {
        t.contributor_share.to_string()
    }),
    ("signals.share_window_days", |t| {
        t.share_window_days.to_string()
    }),
    ("signals.overrides", |t| t.overrides.to_string()),
    ("signals.override_days", |t| t.override_days.to_string()),
    ("signals.protected_refs", |t| t.protected_refs.join(", ")),
];

/// Every resolved `[posture]` weight and setting and every `[signals]` threshold, with where
/// it came from. `file` is the configuration file's name as shown to the user and its text,
/// when one was read; an error is the one `Settings::from_config` or
/// `Thresholds::from_config` gives.
pub fn effective_settings(
    posture: &PostureConfig,
    signals: &SignalsConfig,
    file: Option<(&str, &str)>,
) -> Result<Vec<EffectiveSetting>, String> {
    let settings = Settings::from_config(posture)?;
    let thresholds = Thresholds::from_config(signals)?;
    let (defaults, default_thresholds) = (Settings::default(), Thresholds::default());
    let lines = file.map(|(_, text)| key_lines(text)).unwrap_or_default();
    let from = |key: &str, changed: bool| match (file, lines.get(key)) {
        (Some((name, _)), Some(line)) => format!("{name} line {line}"),
        (Some((name, _)), None) if changed => name.to_owned(),
        _ => "default".to_owned(),
    };
    let mut out = Vec::new();
    let mut push = |key: &'static str, value: String, default: String| {
        out.push(EffectiveSetting {
            key,
            from: from(key, value != default),
            value,
        });
    };
    for (key, show) in POSTURE_KEYS {
        push(key, show(&settings), show(&defaults));
    }
    for (id, key) in WEIGHT_KEYS {
        push(
            key,
            settings.weight(id).to_string(),
            defaults.weight(id).to_string(),
        );
    }
    for (severity, key) in SEVERITY_KEYS {
        push(
            key,
            settings.severity_weight(severity).to_string(),
            defaults.severity_weight(severity).to_string(),
        );
    }
    for (key, show) in SIGNAL_KEYS {
        push(key, show(&thresholds), show(&default_thresholds));
    }
    Ok(out)
}

/// The line (from 1) each dotted key is set on in a TOML text: `[table]` headers, dotted and
/// quoted keys; a multi-line value counts on the line its key is on. Not a TOML parser — the
/// text has been parsed already — only a finder of the lines that set keys.
fn key_lines(text: &str) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    let mut table = String::new();
    let mut depth = 0i32;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if depth > 0 {
            // Inside a multi-line array: only its brackets matter.
            depth += line.matches('[').count() as i32 - line.matches(']').count() as i32;
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if line.starts_with('[') {
            let name = line.trim_start_matches('[');
            let name = name.split(']').next().unwrap_or_default();
            table = dotted(name);
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = dotted(key);
        let full = if table.is_empty() {
            key
        } else {
            format!("{table}.{key}")
        };
        out.entry(full).or_insert(i + 1);
        let value = value.split('#').next().unwrap_or_default();
        depth = value.matches('[').count() as i32 - value.matches(']').count() as i32;
    }
    out
}

/// `a . "b" .c` → `a.b.c`.
fn dotted(key: &str) -> String {
    key.split('.')
        .map(|part| part.trim().trim_matches('"').trim_matches('\''))
        .collect::<Vec<_>>()
        .join(".")
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
            &mut w.shadow_tools,
            &mut w.policy_violations,
        ] {
            *slot = Some(0.0);
        }
        assert!(
            Settings::from_config(&config)
                .unwrap_err()
                .contains("every factor")
        );
    }

    #[test]
    fn every_factor_has_a_weight_key() {
        let mut ids: Vec<&str> = FACTORS.iter().map(|f| f.id).collect();
        let mut keyed: Vec<&str> = WEIGHT_KEYS.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        keyed.sort_unstable();
        assert_eq!(ids, keyed);
        for (id, key) in WEIGHT_KEYS {
            assert_eq!(key, format!("posture.weights.{id}"));
        }
    }

    #[test]
    fn effective_settings_name_their_line() {
        let text = "# devspm\n[posture]\nwindow_days = 30\nweights.self_merged = 0.2\n\n\
                    [posture.severity_weights]\nhigh = 6\n\n[signals]\nprotected_refs = [\n  \"refs/heads/main\",\n]\nmin_history = 5\n";
        let config = devspm_core::config::Config::parse(text, "devspm.toml").unwrap();
        let rows = effective_settings(
            &config.posture,
            &config.signals,
            Some(("devspm.toml", text)),
        )
        .unwrap();
        let row = |key: &str| rows.iter().find(|r| r.key == key).unwrap();
        assert_eq!(row("posture.window_days").value, "30");
        assert_eq!(row("posture.window_days").from, "devspm.toml line 3");
        assert_eq!(
            row("posture.weights.self_merged").from,
            "devspm.toml line 4"
        );
        assert_eq!(row("posture.severity_weights.high").value, "6");
        assert_eq!(
            row("posture.severity_weights.high").from,
            "devspm.toml line 7"
        );
        assert_eq!(row("signals.protected_refs").value, "refs/heads/main");
        assert_eq!(row("signals.protected_refs").from, "devspm.toml line 10");
        assert_eq!(row("signals.min_history").from, "devspm.toml line 13");
        assert_eq!(row("posture.weights.finding_rate").from, "default");
        assert_eq!(row("signals.signing_share").value, "0.9");
        assert_eq!(row("signals.signing_share").from, "default");
        let none = effective_settings(&config.posture, &config.signals, None).unwrap();
        assert!(none.iter().all(|r| r.from == "default"));
    }
}
