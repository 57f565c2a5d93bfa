//! `devspm.toml`: the organisation's declarations — who is who, which agents and bots exist
//! beyond the built-in catalogue, and how conservative identity resolution is.
//!
//! Every table rejects unknown keys, so a typo (or a setting for a feature this build does not
//! have) is an error that names the line, not a silently ignored wish.

use std::path::Path;

use serde::Deserialize;

use crate::catalogue::{Account, CatalogueFile};
use crate::gating::{ContextsConfig, FailOnConfig, IgnoreRule, TriageConfig};

/// The parsed configuration file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Declared people: `[[identity]]` tables.
    #[serde(default)]
    pub identity: Vec<IdentityConfig>,
    /// Extra or overriding AI agents: `[[agent]]` tables (same shape as the built-in catalogue).
    #[serde(default)]
    pub agent: Vec<Account>,
    /// Extra or overriding bots: `[[bot]]` tables.
    #[serde(default)]
    pub bot: Vec<Account>,
    #[serde(default)]
    pub resolution: ResolutionConfig,
    /// `[policy]`: approved tools and thresholds. Read and validated by `devspm-governance`
    /// (which owns its shape); kept here only so that the file as a whole is accepted.
    #[serde(default)]
    pub policy: Option<toml::Table>,
    /// `[secrets]`: extra secret rules, disabled rules and allowlists for the built-in detector.
    /// Read and validated by `devspm-secrets` (the same shape as its embedded rules file).
    #[serde(default)]
    pub secrets: Option<toml::Table>,
    /// `[limits]`: resource bounds.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// `[posture]`: the window, the weights of the score's factors and how small samples are
    /// shrunk (`docs/posture.md`). Every key is optional; `devspm-posture` holds the defaults.
    #[serde(default)]
    pub posture: PostureConfig,
    /// `[[ignore]]`: findings set aside by the operator, each with a reason and an optional
    /// last day (`docs/configuration.md`, "Ignores").
    #[serde(default)]
    pub ignore: Vec<toml::Spanned<IgnoreRule>>,
    /// `[contexts]`: extra path globs per context.
    #[serde(default)]
    pub contexts: ContextsConfig,
    /// `[fail_on]`: which contexts count toward `--fail-on`.
    #[serde(default)]
    pub fail_on: FailOnConfig,
    /// `[triage]`: whether a repository's own ignore files are honoured.
    #[serde(default)]
    pub triage: TriageConfig,
    /// The file this configuration was read from, as given (for "ignored by FILE:LINE").
    #[serde(skip)]
    pub origin: Option<String>,
    /// `[signals]`: thresholds of the insider-threat signal rules (`docs/posture.md`,
    /// "Signals"). Every key is optional; `devspm-posture` holds the defaults.
    #[serde(default)]
    pub signals: SignalsConfig,
}

/// `[signals]`: overrides of the signal rules' thresholds. Unset keys keep the defaults that
/// `devspm-posture::signals` documents beside each rule.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignalsConfig {
    /// Earlier commits an identity needs before its own history is a baseline.
    pub min_history: Option<u64>,
    /// Share of a committer's earlier commits that must be signed for an unsigned one to be
    /// a signal.
    pub signing_share: Option<f64>,
    /// Share of a developer's earlier commits committed by themselves for a new committer to
    /// be a signal.
    pub self_commit_share: Option<f64>,
    /// Probability under the developer's own hours of the week below which a commit's hour is
    /// a signal.
    pub hour_probability: Option<f64>,
    /// Pseudo-count added to each hour of the week (and each time-zone offset) before
    /// estimating probabilities.
    pub smoothing: Option<f64>,
    /// Hours between a commit's time-zone offset and every offset the developer usually works
    /// in, and the probability of the offset below which it is a signal.
    pub timezone_hours: Option<f64>,
    pub timezone_probability: Option<f64>,
    /// Lines removed by one commit from which it is a large deletion.
    pub large_deletion_lines: Option<u64>,
    /// Files deleted by one commit from which it is a large deletion.
    pub large_deletion_files: Option<u64>,
    /// Earlier self-committed commits that make a self-merged sensitive change the
    /// developer's practice (reported low rather than medium).
    pub practice_commits: Option<u64>,
    /// Days after a contributor's first commit in a repository during which a fast-growing
    /// share is a signal.
    pub new_contributor_days: Option<u64>,
    /// Share of a repository's commits in the trailing window from which a new contributor's
    /// share is a signal.
    pub contributor_share: Option<f64>,
    /// Days of the trailing window over which shares are counted.
    pub share_window_days: Option<u64>,
    /// Hook overrides by one identity within `override_days` from which they are a signal.
    pub overrides: Option<u64>,
    pub override_days: Option<u64>,
    /// Ref names (full, or prefixes ending in `*`) whose rewrite is a signal.
    pub protected_refs: Option<Vec<String>>,
}

/// `[posture]`: overrides of the posture score's defaults. Unset keys keep the defaults that
/// `devspm-posture` documents beside each factor (and `docs/posture.md` lists).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PostureConfig {
    /// Days in the default window (ending on the day of the newest recorded commit).
    pub window_days: Option<u32>,
    /// Changed lines of prior at the organisation's rate that a subject's finding rate is
    /// shrunk with (a Bayesian prior; `docs/posture.md`).
    pub prior_lines: Option<f64>,
    /// Commits of prior at the organisation's share for the share factors (signing,
    /// self-merge).
    pub prior_commits: Option<f64>,
    /// Fixed findings of prior at the organisation's median time to remediate.
    pub prior_fixes: Option<f64>,
    /// Severity-weighted findings per 1,000 changed lines at which the finding-rate factor is
    /// 0.5.
    pub reference_rate: Option<f64>,
    /// Days to remediate at which the remediation factor is 0.5.
    pub reference_days: Option<f64>,
    /// The share of the organisation's commits that must be signed for signing to count as
    /// the practice (below it the signing factor is unknown).
    pub signing_practice: Option<f64>,
    /// `[posture.weights]`: the weight of each factor.
    pub weights: PostureWeights,
    /// `[posture.severity_weights]`: what a finding of each severity counts for in the finding
    /// rate.
    pub severity_weights: SeverityWeights,
}

/// `[posture.weights]`: one key per factor of the posture score.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PostureWeights {
    pub finding_rate: Option<f64>,
    pub remediation_time: Option<f64>,
    pub open_secrets: Option<f64>,
    pub signed_commits: Option<f64>,
    pub self_merged: Option<f64>,
    pub hook_overrides: Option<f64>,
    pub shadow_tools: Option<f64>,
    pub policy_violations: Option<f64>,
}

/// `[posture.severity_weights]`: one key per severity.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SeverityWeights {
    pub critical: Option<f64>,
    pub high: Option<f64>,
    pub medium: Option<f64>,
    pub low: Option<f64>,
    pub info: Option<f64>,
    pub unknown: Option<f64>,
}

/// The default of [`LimitsConfig::max_blob_bytes`]: 32 MiB, the secret detector's long-standing
/// file limit. Git itself stops diffing at `core.bigFileThreshold` (512 MiB); counting lines of
/// two such files at once on each reader thread would cost gigabytes.
pub const DEFAULT_MAX_BLOB_BYTES: u64 = 32 << 20;

/// `[limits]`: how much of a repository devspm reads at once.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// Files (blobs) larger than this many bytes are not read: ingest does not count their
    /// lines and the secret detector does not search them. Each is recorded as a gap that
    /// names the file and its size, so the record says what was not examined.
    pub max_blob_bytes: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_blob_bytes: DEFAULT_MAX_BLOB_BYTES,
        }
    }
}

/// A person declared in the configuration file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityConfig {
    /// A handle for the person, unique in the file (e.g. `alice`).
    pub id: String,
    /// Display name (optional; otherwise the most used alias name is shown).
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
    /// Aliases that are this person: `email@host`, `Name <email@host>`, or `github:login`.
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// Options of identity resolution. Every option is off by default.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ResolutionConfig {
    /// Link aliases that share an identical full name of two or more words (e.g. a work and a
    /// personal e-mail of "Ann Lee"). Off by default: two people can share a name, and devspm
    /// would rather show one person twice than two people as one.
    pub merge_on_full_name: bool,
}

/// A configuration file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("configuration file {path} is invalid: {message}")]
    Invalid { path: String, message: String },
}

impl Config {
    /// Parses configuration text; `origin` names the file in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: origin.to_owned(),
            message: describe_toml_error(text, &e),
        })?;
        config.origin = Some(origin.to_owned());
        for rule in &mut config.ignore {
            let start = rule.span().start.min(text.len());
            // The span starts at the entry's `[[ignore]]` header.
            let line = text[..start].matches('\n').count() + 1;
            rule.get_mut().line = line;
        }
        let mut seen = std::collections::HashSet::new();
        for identity in &config.identity {
            if !seen.insert(identity.id.as_str()) {
                return Err(ConfigError::Invalid {
                    path: origin.to_owned(),
                    message: format!("identity id `{}` is declared twice", identity.id),
                });
            }
        }
        Ok(config)
    }

    /// Reads and parses a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// `[secrets]` as TOML text, as the secret detector reads its extra rules (none without
    /// the table).
    pub fn secrets_text(&self) -> Result<Option<String>, toml::ser::Error> {
        self.secrets.as_ref().map(toml::to_string).transpose()
    }

    /// The catalogue extensions declared in this file.
    pub fn catalogue_extensions(&self) -> CatalogueFile {
        CatalogueFile {
            agent: self.agent.clone(),
            bot: self.bot.clone(),
        }
    }
}

/// A TOML error as "line L, column C: message".
fn describe_toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim().to_owned();
    match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_identities_and_extensions() {
        let text = r#"
[[identity]]
id = "alice"
team = "platform"
aliases = ["alice@example.com", "Alice L <alice@home.example>", "github:alice"]

[[agent]]
id = "in-house-agent"
name = "Our agent"
emails = ["agent@corp.example"]

[resolution]
merge_on_full_name = true
"#;
        let config = Config::parse(text, "devspm.toml").unwrap();
        assert_eq!(config.identity[0].aliases.len(), 3);
        assert_eq!(config.agent[0].id, "in-house-agent");
        assert!(config.resolution.merge_on_full_name);
    }

    #[test]
    fn unknown_keys_name_the_line() {
        let text = "[[identity]]\nid = \"a\"\nteem = \"x\"\n";
        let err = Config::parse(text, "devspm.toml").unwrap_err().to_string();
        assert!(err.contains("devspm.toml"), "{err}");
        assert!(err.contains("line 3"), "{err}");
        assert!(err.contains("teem"), "{err}");
    }

    #[test]
    fn posture_overrides_parse_and_reject_unknown_factors() {
        let text = "[posture]\nwindow_days = 30\n[posture.weights]\nfinding_rate = 0.5\n";
        let config = Config::parse(text, "devspm.toml").unwrap();
        assert_eq!(config.posture.window_days, Some(30));
        assert_eq!(config.posture.weights.finding_rate, Some(0.5));
        assert_eq!(config.posture.weights.open_secrets, None);
        let err = Config::parse("[posture.weights]\nlines = 1.0\n", "devspm.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("lines") && err.contains("line 2"), "{err}");
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let text = "[[identity]]\nid = \"a\"\n[[identity]]\nid = \"a\"\n";
        let err = Config::parse(text, "x.toml").unwrap_err().to_string();
        assert!(err.contains("declared twice"), "{err}");
    }

    #[test]
    fn ignores_contexts_and_fail_on_parse_with_their_lines() {
        let text = "[triage]\nhonour_repository_ignores = false\n\n[[ignore]]\nadvisory = \"RUSTSEC-2026-0194\"\nreason = \"waiting for calamine\"\nexpires = \"2027-01-31\"\n\n[[ignore]]\npath = \"tests/fixtures/**\"\nrule = \"generic-api-key\"\nreason = \"fake keys\"\n\n[contexts]\nfixture = [\"qa/data/**\"]\n\n[fail_on]\ncontexts = [\"production\"]\n";
        let config = Config::parse(text, "devspm.toml").unwrap();
        assert!(!config.triage.honour_repository_ignores);
        assert_eq!(config.ignore.len(), 2);
        assert_eq!(config.ignore[0].get_ref().line, 4);
        assert_eq!(
            config.ignore[0].get_ref().expires.as_deref(),
            Some("2027-01-31")
        );
        assert_eq!(config.ignore[1].get_ref().line, 9);
        assert_eq!(
            config.contexts.globs,
            vec![(crate::gating::PathContext::Fixture, "qa/data/**".to_owned())]
        );
        assert_eq!(
            config.fail_on.contexts,
            Some(vec![crate::gating::PathContext::Production])
        );
    }

    #[test]
    fn bad_ignores_name_the_file_and_line() {
        for (text, line, what) in [
            ("[[ignore]]\nrule = \"x\"\n", "line 1", "reason"),
            ("\n[[ignore]]\nreason = \"r\"\n", "line 2", "at least one"),
            (
                "[[ignore]]\nrule = \"x\"\nreason = \"r\"\nexpires = \"2027-02-30\"\n",
                "line 1",
                "not a date",
            ),
            (
                "[[ignore]]\npath = \"a/[\"\nreason = \"r\"\n",
                "line 1",
                "not a valid glob",
            ),
            (
                "[[ignore]]\nrule = \"x\"\nreason = \"r\"\nuntil = \"2027-01-01\"\n",
                "line 4",
                "until",
            ),
            ("[fail_on]\ncontexts = [\"prod\"]\n", "line 2", "prod"),
            ("[contexts]\ntest = [\"a/[\"]\n", "line", "not a valid glob"),
        ] {
            let err = Config::parse(text, "conf/devspm.toml")
                .unwrap_err()
                .to_string();
            assert!(err.contains("conf/devspm.toml"), "{err}");
            assert!(err.contains(line), "{text:?}: {err}");
            assert!(err.contains(what), "{text:?}: {err}");
        }
    }
}
