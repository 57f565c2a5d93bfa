//! The global allowlist: paths (globs or regexes), regexes on the secret, and fingerprints.
//!
//! Fingerprints are keyed secret hashes, the same value a finding carries in `secret_hash`: a
//! team marks one reviewed secret (a revoked key kept in a test fixture) as allowed without
//! writing the secret itself into their configuration. A fingerprint may be limited to one rule
//! with a `rule-id:` prefix. Inline `devspm:allow` markers are handled by the scanner, line by
//! line.

use std::collections::HashSet;

use crate::SecretsError;
use crate::rules::{AllowlistSpec, compile_globs, compile_regex};

/// The compiled global allowlist.
#[derive(Debug, Default)]
pub(crate) struct Allowlist {
    path_globs: Option<globset::GlobSet>,
    path_regexes: Vec<regex::Regex>,
    secrets: Vec<regex::bytes::Regex>,
    fingerprints: HashSet<String>,
    rule_fingerprints: HashSet<(String, String)>,
}

impl Allowlist {
    pub fn compile(spec: &AllowlistSpec) -> Result<Allowlist, SecretsError> {
        let origin = "allowlist";
        let mut globs = Vec::new();
        let mut path_regexes = Vec::new();
        for path in &spec.paths {
            match path.strip_prefix("regex:") {
                Some(pattern) => path_regexes.push(regex::Regex::new(pattern).map_err(|e| {
                    SecretsError::Rules {
                        origin: origin.into(),
                        rule: None,
                        reason: format!("path regex {pattern:?}: {e}"),
                    }
                })?),
                None => globs.push(path.strip_prefix("glob:").unwrap_or(path).to_owned()),
            }
        }
        let mut fingerprints = HashSet::new();
        let mut rule_fingerprints = HashSet::new();
        for fp in &spec.fingerprints {
            let fp = fp.trim();
            match fp.rsplit_once(':') {
                Some((rule, hash)) => {
                    rule_fingerprints.insert((rule.to_owned(), hash.to_ascii_lowercase()));
                }
                None => {
                    fingerprints.insert(fp.to_ascii_lowercase());
                }
            }
        }
        Ok(Allowlist {
            path_globs: compile_globs(&globs, origin, None)?,
            path_regexes,
            secrets: spec
                .secrets
                .iter()
                .map(|p| compile_regex(p, origin, None))
                .collect::<Result<_, _>>()?,
            fingerprints,
            rule_fingerprints,
        })
    }

    pub fn path_allowed(&self, path: &str) -> bool {
        self.path_globs.as_ref().is_some_and(|g| g.is_match(path))
            || self.path_regexes.iter().any(|r| r.is_match(path))
    }

    pub fn secret_allowed(&self, secret: &[u8]) -> bool {
        self.secrets.iter().any(|r| r.is_match(secret))
    }

    pub fn fingerprint_allowed(&self, rule: &str, secret_hash: &str) -> bool {
        if self.fingerprints.is_empty() && self.rule_fingerprints.is_empty() {
            return false;
        }
        self.fingerprints.contains(secret_hash)
            || self
                .rule_fingerprints
                .contains(&(rule.to_owned(), secret_hash.to_owned()))
    }
}
