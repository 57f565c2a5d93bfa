//! Secret rules as data: the built-in `rules/secrets.toml`, the caller's additions and
//! overrides, and their compiled form.
//!
//! Rules are data so that a user can add a rule for an internal token format, or switch off one
//! that is noisy in their code base, without a new devspm release. A caller's rule with the id of
//! a built-in one replaces it; `disabled` removes rules by id. Regexes are compiled once, with
//! the bytes API and Unicode off: blobs are not always UTF-8, and ASCII `\w`/`\b` is what the
//! gitleaks-style patterns assume (and 100× cheaper to compile, see CRATE-NOTES.md).

use serde::{Deserialize, Serialize};

use crate::SecretsError;
use devspm_findings::Severity;

/// The built-in rules, embedded at build time.
pub const BUILTIN_RULES: &str = include_str!("../rules/secrets.toml");

/// How sure a match of a rule is to be a live credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// A rules file: the built-in one, or a caller's extension of it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    /// Rules to add; one with the id of an existing rule replaces it.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
    /// Ids of rules to switch off.
    #[serde(default)]
    pub disabled: Vec<String>,
    /// Allowlist entries, added to those already in force.
    #[serde(default)]
    pub allowlist: AllowlistSpec,
    /// `false` drops the built-in rules (and their allowlist) entirely: only this file's rules
    /// are used. Default `true`.
    #[serde(default)]
    pub builtin: Option<bool>,
}

impl RulesFile {
    /// Parses a rules file; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<RulesFile, SecretsError> {
        toml::from_str(text).map_err(|e| SecretsError::Rules {
            origin: origin.to_owned(),
            rule: None,
            reason: e.to_string(),
        })
    }
}

/// One rule as written in TOML.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub description: String,
    pub regex: String,
    /// Literals (ASCII case-insensitive) of which at least one must occur before the regex runs.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Capture group of the secret (default: first participating group, else whole match).
    #[serde(default)]
    pub secret_group: Option<usize>,
    /// Minimum Shannon entropy, bits per byte, of the secret.
    #[serde(default)]
    pub entropy: Option<f64>,
    pub confidence: Confidence,
    pub severity: Severity,
    /// The regex may span lines.
    #[serde(default)]
    pub multiline: bool,
    /// Regexes that must also match somewhere in the same file.
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub allowlist: RuleAllowlistSpec,
}

/// A rule's own exceptions.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleAllowlistSpec {
    /// Regexes on the secret.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Case-insensitive substrings of the secret.
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Regexes on the whole match (name and value), for names that say the value is not a
    /// secret (`token_id`, `password_length`).
    #[serde(default)]
    pub matches: Vec<String>,
    /// Globs on the repository-relative path.
    #[serde(default)]
    pub paths: Vec<String>,
}

/// Exceptions for every rule.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowlistSpec {
    /// Globs on the repository-relative path (`**/testdata/**`), or regexes prefixed with
    /// `regex:`.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Regexes on the secret.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Keyed secret hashes (as in [`crate::SecretFinding::secret_hash`]), optionally prefixed
    /// with a rule id and a colon to allow the secret for that rule only.
    #[serde(default)]
    pub fingerprints: Vec<String>,
}

impl AllowlistSpec {
    fn extend(&mut self, other: AllowlistSpec) {
        self.paths.extend(other.paths);
        self.secrets.extend(other.secrets);
        self.fingerprints.extend(other.fingerprints);
    }
}

/// What a scanner is built from: the built-in rules plus any number of extensions.
#[derive(Clone, Debug)]
pub struct RuleConfig {
    pub rules: Vec<RuleSpec>,
    pub allowlist: AllowlistSpec,
}

impl RuleConfig {
    /// The built-in rules alone.
    pub fn builtin() -> Result<RuleConfig, SecretsError> {
        let file = RulesFile::parse(BUILTIN_RULES, "built-in rules/secrets.toml")?;
        Ok(RuleConfig {
            rules: file.rules,
            allowlist: file.allowlist,
        })
    }

    /// Applies a caller's rules file: replaces rules with the same id, adds new ones, removes
    /// the disabled ones and extends the allowlist.
    pub fn extend(&mut self, file: RulesFile) -> Result<(), SecretsError> {
        if file.builtin == Some(false) {
            self.rules.clear();
            self.allowlist = AllowlistSpec::default();
        }
        for rule in file.rules {
            match self.rules.iter_mut().find(|r| r.id == rule.id) {
                Some(existing) => *existing = rule,
                None => self.rules.push(rule),
            }
        }
        for id in &file.disabled {
            let before = self.rules.len();
            self.rules.retain(|r| &r.id != id);
            if before == self.rules.len() {
                return Err(SecretsError::Rules {
                    origin: "disabled".into(),
                    rule: Some(id.clone()),
                    reason: "no rule has this id".into(),
                });
            }
        }
        self.allowlist.extend(file.allowlist);
        Ok(())
    }

    /// The built-in rules extended by each of `extra` (TOML texts) in order.
    pub fn with_extensions(extra: &[&str]) -> Result<RuleConfig, SecretsError> {
        let mut config = RuleConfig::builtin()?;
        for (i, text) in extra.iter().enumerate() {
            config.extend(RulesFile::parse(
                text,
                &format!("rules extension #{}", i + 1),
            )?)?;
        }
        Ok(config)
    }
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub description: String,
    pub confidence: Confidence,
    pub severity: Severity,
    pub keywords: Vec<String>,
    pub(crate) regex: regex::bytes::Regex,
    pub(crate) secret_group: Option<usize>,
    pub(crate) entropy: Option<f64>,
    pub(crate) multiline: bool,
    pub(crate) requires: Vec<regex::bytes::Regex>,
    pub(crate) allow_secrets: Vec<regex::bytes::Regex>,
    pub(crate) allow_matches: Vec<regex::bytes::Regex>,
    pub(crate) stopwords: Vec<Vec<u8>>,
    pub(crate) allow_paths: Option<globset::GlobSet>,
}

/// Compiles a regex the way every rule regex is compiled: bytes, Unicode off.
pub(crate) fn compile_regex(
    pattern: &str,
    origin: &str,
    rule: Option<&str>,
) -> Result<regex::bytes::Regex, SecretsError> {
    regex::bytes::RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(32 << 20)
        .dfa_size_limit(16 << 20)
        .build()
        .map_err(|e| SecretsError::Rules {
            origin: origin.to_owned(),
            rule: rule.map(str::to_owned),
            reason: e.to_string(),
        })
}

/// Compiles globs into one set.
pub(crate) fn compile_globs(
    globs: &[String],
    origin: &str,
    rule: Option<&str>,
) -> Result<Option<globset::GlobSet>, SecretsError> {
    if globs.is_empty() {
        return Ok(None);
    }
    let mut builder = globset::GlobSetBuilder::new();
    for glob in globs {
        let compiled = globset::GlobBuilder::new(glob)
            .literal_separator(true)
            .build()
            .map_err(|e| SecretsError::Rules {
                origin: origin.to_owned(),
                rule: rule.map(str::to_owned),
                reason: format!("glob {glob:?}: {e}"),
            })?;
        builder.add(compiled);
    }
    builder.build().map(Some).map_err(|e| SecretsError::Rules {
        origin: origin.to_owned(),
        rule: rule.map(str::to_owned),
        reason: e.to_string(),
    })
}

impl Rule {
    pub(crate) fn compile(spec: &RuleSpec) -> Result<Rule, SecretsError> {
        let origin = "rule";
        let id = Some(spec.id.as_str());
        let bad = |reason: String| SecretsError::Rules {
            origin: origin.to_owned(),
            rule: Some(spec.id.clone()),
            reason,
        };
        if spec.id.trim().is_empty() {
            return Err(bad("the id is empty".into()));
        }
        let regex = compile_regex(&spec.regex, origin, id)?;
        if let Some(group) = spec.secret_group
            && group >= regex.captures_len()
        {
            return Err(bad(format!(
                "secret_group {group} but the regex has {} groups",
                regex.captures_len() - 1
            )));
        }
        if spec.keywords.iter().any(|k| k.is_empty()) {
            return Err(bad("a keyword is empty".into()));
        }
        if !spec.keywords.iter().all(|k| k.is_ascii()) {
            return Err(bad("keywords must be ASCII".into()));
        }
        let requires = spec
            .requires
            .iter()
            .map(|p| compile_regex(p, origin, id))
            .collect::<Result<_, _>>()?;
        let allow_secrets = spec
            .allowlist
            .secrets
            .iter()
            .map(|p| compile_regex(p, origin, id))
            .collect::<Result<_, _>>()?;
        let allow_matches = spec
            .allowlist
            .matches
            .iter()
            .map(|p| compile_regex(p, origin, id))
            .collect::<Result<_, _>>()?;
        Ok(Rule {
            id: spec.id.clone(),
            description: spec.description.clone(),
            confidence: spec.confidence,
            severity: spec.severity,
            keywords: spec
                .keywords
                .iter()
                .map(|k| k.to_ascii_lowercase())
                .collect(),
            regex,
            secret_group: spec.secret_group,
            entropy: spec.entropy,
            multiline: spec.multiline,
            requires,
            allow_secrets,
            allow_matches,
            stopwords: spec
                .allowlist
                .stopwords
                .iter()
                .map(|s| s.to_ascii_lowercase().into_bytes())
                .collect(),
            allow_paths: compile_globs(&spec.allowlist.paths, origin, id)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_parse_and_compile() {
        let config = RuleConfig::builtin().expect("built-in rules parse");
        assert!(config.rules.len() >= 25, "{}", config.rules.len());
        let mut ids = std::collections::HashSet::new();
        for spec in &config.rules {
            assert!(ids.insert(spec.id.clone()), "duplicate id {}", spec.id);
            Rule::compile(spec).unwrap_or_else(|e| panic!("{}: {e}", spec.id));
        }
    }

    #[test]
    fn extensions_replace_add_and_disable() {
        let extra = r#"
            disabled = ["jwt"]
            [[rules]]
            id = "acme-token"
            description = "ACME internal token"
            regex = '''\b(acme_[a-z0-9]{20})\b'''
            keywords = ["acme_"]
            confidence = "high"
            severity = "high"
            [[rules]]
            id = "npm-access-token"
            description = "npm, stricter"
            regex = '''\b(npm_[A-Za-z0-9]{36})\b'''
            keywords = ["npm_"]
            confidence = "medium"
            severity = "low"
            [allowlist]
            paths = ["fixtures/**"]
        "#;
        let config = RuleConfig::with_extensions(&[extra]).expect("extension applies");
        assert!(config.rules.iter().all(|r| r.id != "jwt"));
        assert!(config.rules.iter().any(|r| r.id == "acme-token"));
        let npm: Vec<_> = config
            .rules
            .iter()
            .filter(|r| r.id == "npm-access-token")
            .collect();
        assert_eq!(npm.len(), 1);
        assert_eq!(npm[0].confidence, Confidence::Medium);
        assert!(config.allowlist.paths.iter().any(|p| p == "fixtures/**"));

        let unknown = RuleConfig::with_extensions(&["disabled = [\"no-such-rule\"]"]);
        assert!(matches!(unknown, Err(SecretsError::Rules { .. })));
        let typo = RuleConfig::with_extensions(&["[[rules]]\nid = \"x\"\nregexp = \"a\""]);
        assert!(matches!(typo, Err(SecretsError::Rules { .. })));
    }
}
