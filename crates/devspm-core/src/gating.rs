//! What counts toward a gate, as the operator declares it in `devspm.toml`: the `[[ignore]]`
//! list (advisory ids, rule ids, path globs, fingerprints — each with a reason and an optional
//! last day), extra path globs per context (`[contexts]`), which contexts count toward
//! `--fail-on` (`[fail_on]`), and whether a scanned repository's own ignore files are honoured
//! (`[triage]`).
//!
//! Everything here is validated when the file is read, so a bad glob, date or context name is
//! an error that names the file and the line, never a wish silently not applied.

use serde::{Deserialize, Serialize};

/// Where a finding's path puts it. Production is what is left when no rule matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PathContext {
    Production,
    Test,
    Fixture,
    Example,
    Docs,
    Vendored,
    Generated,
}

impl PathContext {
    /// Every context, in the order `[contexts]` globs are tried.
    pub const ALL: [PathContext; 7] = [
        PathContext::Vendored,
        PathContext::Generated,
        PathContext::Fixture,
        PathContext::Test,
        PathContext::Example,
        PathContext::Docs,
        PathContext::Production,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PathContext::Production => "production",
            PathContext::Test => "test",
            PathContext::Fixture => "fixture",
            PathContext::Example => "example",
            PathContext::Docs => "docs",
            PathContext::Vendored => "vendored",
            PathContext::Generated => "generated",
        }
    }
}

impl std::fmt::Display for PathContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `[[ignore]]` entry: every selector given must match (at least one is required).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(try_from = "RawIgnore")]
pub struct IgnoreRule {
    /// An advisory id (`RUSTSEC-…`, `GHSA-…`, `CVE-…`): matches the finding's rule or any of
    /// its identifiers.
    pub advisory: Option<String>,
    /// A rule id (`generic-api-key`, `unpinned-uses`, a scanner's rule).
    pub rule: Option<String>,
    /// A glob over the repository-relative path (`tests/**`, `**/*.snap`).
    pub path: Option<String>,
    /// A finding id (`f_…`, as `devspm findings --format json` lists it) or a gitleaks
    /// fingerprint (`[commit:]file:rule:line`).
    pub fingerprint: Option<String>,
    /// Only findings of this tool (`devspm-secrets`, `gitleaks`, …).
    pub tool: Option<String>,
    /// Why: required, shown wherever the finding is.
    pub reason: String,
    /// The last day the ignore holds (YYYY-MM-DD, UTC); after it the finding counts again and
    /// the expired ignore is reported.
    pub expires: Option<String>,
    /// The line of the configuration file the entry starts on (set when the file is read).
    pub line: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIgnore {
    advisory: Option<String>,
    rule: Option<String>,
    path: Option<String>,
    fingerprint: Option<String>,
    tool: Option<String>,
    reason: Option<String>,
    expires: Option<String>,
}

impl TryFrom<RawIgnore> for IgnoreRule {
    type Error = String;

    fn try_from(raw: RawIgnore) -> Result<Self, String> {
        if raw.advisory.is_none()
            && raw.rule.is_none()
            && raw.path.is_none()
            && raw.fingerprint.is_none()
        {
            return Err(
                "an [[ignore]] entry needs at least one of `advisory`, `rule`, `path` or `fingerprint`"
                    .to_owned(),
            );
        }
        let reason = raw.reason.unwrap_or_default().trim().to_owned();
        if reason.is_empty() {
            return Err(
                "an [[ignore]] entry needs a `reason`: whoever reads the findings later must be able to check it"
                    .to_owned(),
            );
        }
        if let Some(glob) = &raw.path {
            globset::Glob::new(glob)
                .map_err(|e| format!("`path = {glob:?}` is not a valid glob: {e}"))?;
        }
        if let Some(date) = &raw.expires
            && !is_date(date)
        {
            return Err(format!(
                "`expires = {date:?}` is not a date (YYYY-MM-DD, the last day the ignore holds)"
            ));
        }
        Ok(IgnoreRule {
            advisory: raw.advisory,
            rule: raw.rule,
            path: raw.path,
            fingerprint: raw.fingerprint,
            tool: raw.tool,
            reason,
            expires: raw.expires,
            line: 0,
        })
    }
}

/// Whether `text` is a calendar date written `YYYY-MM-DD`.
pub fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = &text[r];
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())
            .flatten()
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// `[contexts]`: extra globs per context, tried before the built-in path rules (first match
/// wins, in the order of [`PathContext::ALL`]).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(try_from = "RawContexts")]
pub struct ContextsConfig {
    pub globs: Vec<(PathContext, String)>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawContexts {
    production: Vec<String>,
    test: Vec<String>,
    fixture: Vec<String>,
    example: Vec<String>,
    docs: Vec<String>,
    vendored: Vec<String>,
    generated: Vec<String>,
}

impl TryFrom<RawContexts> for ContextsConfig {
    type Error = String;

    fn try_from(raw: RawContexts) -> Result<Self, String> {
        let mut globs = Vec::new();
        for context in PathContext::ALL {
            let list = match context {
                PathContext::Production => &raw.production,
                PathContext::Test => &raw.test,
                PathContext::Fixture => &raw.fixture,
                PathContext::Example => &raw.example,
                PathContext::Docs => &raw.docs,
                PathContext::Vendored => &raw.vendored,
                PathContext::Generated => &raw.generated,
            };
            for glob in list {
                globset::Glob::new(glob)
                    .map_err(|e| format!("`{context} = [{glob:?}]` is not a valid glob: {e}"))?;
                globs.push((context, glob.clone()));
            }
        }
        Ok(ContextsConfig { globs })
    }
}

/// `[fail_on]`: which path contexts count toward `--fail-on`. Default: every context (a
/// secret in a test fixture is still a secret in the repository), shown as counted.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FailOnConfig {
    /// The contexts whose findings count, e.g. `["production"]`; `None`: all.
    pub contexts: Option<Vec<PathContext>>,
}

impl FailOnConfig {
    /// Whether findings in `context` count toward `--fail-on`.
    pub fn counts(&self, context: PathContext) -> bool {
        self.contexts.as_ref().is_none_or(|c| c.contains(&context))
    }
}

/// `[triage]`: how far a scanned repository's own files may set its findings aside.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TriageConfig {
    /// Honour the repository's own ignore files at HEAD (`.cargo/audit.toml`
    /// `[advisories] ignore`, `.gitleaksignore`). Default `true`, as cargo-audit and gitleaks
    /// do; `false` when the people who write the repository should not be able to hide its
    /// findings from this gate.
    pub honour_repository_ignores: bool,
}

impl Default for TriageConfig {
    fn default() -> Self {
        TriageConfig {
            honour_repository_ignores: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked_by_the_calendar() {
        assert!(is_date("2027-02-28"));
        assert!(is_date("2028-02-29"));
        assert!(!is_date("2027-02-29"));
        assert!(!is_date("2027-13-01"));
        assert!(!is_date("27-01-01"));
        assert!(!is_date("2027-1-01"));
        assert!(!is_date("2027-01-0x"));
    }

    #[test]
    fn fail_on_counts_every_context_by_default() {
        let all = FailOnConfig::default();
        assert!(PathContext::ALL.iter().all(|c| all.counts(*c)));
        let production = FailOnConfig {
            contexts: Some(vec![PathContext::Production]),
        };
        assert!(production.counts(PathContext::Production));
        assert!(!production.counts(PathContext::Fixture));
    }
}
