//! Ignores: the operator's `[[ignore]]` list and the ecosystem's own ignore files of a scanned
//! repository, and which of them sets a finding aside.
//!
//! The operator's list is authority. A repository's files are evidence: they are read from
//! the repository at HEAD, honoured as the ecosystem's tools honour them (unless
//! `[triage] honour_repository_ignores = false`), and every finding they set aside is still
//! counted and shown as "ignored by FILE:LINE" with the reason the file gives. Nothing here
//! drops a finding: a view or gate asks [`IgnoreSet::matching`] and decides what to show.
//!
//! Repository files read:
//! - `.cargo/audit.toml` `[advisories] ignore = [...]` (cargo-audit): advisory ids, applied to
//!   Rust dependency findings; the reason is the comment block above the id, if any.
//! - `.gitleaksignore` (gitleaks): fingerprints `commit:file:rule:line` and `file:rule:line`,
//!   applied to secret findings.
//!
//! A malformed repository file is a warning, never an error: the repository is not the
//! operator's, and its files must not be able to stop a scan.

use devspm_core::gating::IgnoreRule;
use serde::Serialize;

/// The repository files with ignores, relative to the repository root.
pub const REPOSITORY_FILES: [&str; 2] = [".cargo/audit.toml", ".gitleaksignore"];

/// What a finding is, for matching ignores.
#[derive(Clone, Debug, Default)]
pub struct Subject<'a> {
    /// The finding's id (`f_…`), when it is recorded.
    pub finding: Option<&'a str>,
    pub tool: &'a str,
    /// `secret`, `dependency`, `code`, `config`.
    pub kind: &'a str,
    pub rule: &'a str,
    pub path: Option<&'a str>,
    pub line: Option<u32>,
    pub identifiers: &'a [String],
    pub ecosystem: Option<&'a str>,
    /// Commits the finding is known at (first seen, introduced in, last seen).
    pub commits: Vec<&'a str>,
}

/// Where an ignore comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IgnoreSource {
    /// The file as shown: the configuration file as given, or the repository-relative path.
    pub file: String,
    pub line: usize,
    /// True for a file of the scanned repository (evidence), false for the operator's
    /// configuration.
    pub repository: bool,
}

impl std::fmt::Display for IgnoreSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

#[derive(Clone, Debug)]
enum Selector {
    Advisory(String),
    Rule(String),
    Path(globset::GlobMatcher),
    /// A finding id, or a gitleaks fingerprint.
    Fingerprint(String),
    Tool(String),
    /// Rust dependency findings only (`.cargo/audit.toml`).
    RustDependency,
    Secret,
}

/// One ignore, compiled.
#[derive(Clone, Debug)]
pub struct Ignore {
    selectors: Vec<Selector>,
    pub reason: String,
    /// The last day it holds (YYYY-MM-DD).
    pub expires: Option<String>,
    pub source: IgnoreSource,
    /// What it selects, in words (for the list of expired ignores).
    pub selects: String,
}

impl Ignore {
    /// Whether the ignore has expired on `today` (YYYY-MM-DD): its last day is before today.
    pub fn expired(&self, today: &str) -> bool {
        self.expires.as_deref().is_some_and(|e| e < today)
    }

    fn matches(&self, s: &Subject<'_>) -> bool {
        self.selectors.iter().all(|sel| match sel {
            Selector::Advisory(id) => {
                s.rule.eq_ignore_ascii_case(id)
                    || s.identifiers.iter().any(|i| i.eq_ignore_ascii_case(id))
            }
            Selector::Rule(rule) => s.rule == rule,
            Selector::Path(glob) => s.path.is_some_and(|p| glob.is_match(p)),
            Selector::Fingerprint(f) => {
                s.finding.is_some_and(|id| id == f) || gitleaks_fingerprint_matches(f, s)
            }
            Selector::Tool(tool) => s.tool.eq_ignore_ascii_case(tool),
            Selector::RustDependency => {
                s.kind == "dependency"
                    && (s
                        .ecosystem
                        .is_some_and(|e| e.eq_ignore_ascii_case("crates.io"))
                        || s.path.is_some_and(|p| p.ends_with("Cargo.lock")))
            }
            Selector::Secret => s.kind == "secret",
        })
    }
}

/// A gitleaks fingerprint (`commit:file:rule:line` or `file:rule:line`) against a finding.
fn gitleaks_fingerprint_matches(fingerprint: &str, s: &Subject<'_>) -> bool {
    let Some((commit, file, rule, line)) = split_gitleaks(fingerprint) else {
        return false;
    };
    s.path == Some(file)
        && s.rule == rule
        && s.line == Some(line)
        && commit.is_none_or(|c| s.commits.iter().any(|k| k.eq_ignore_ascii_case(c)))
}

/// `[commit:]file:rule:line` → parts; a commit is a full 40- or 64-digit hex id.
fn split_gitleaks(text: &str) -> Option<(Option<&str>, &str, &str, u32)> {
    let (rest, line) = text.rsplit_once(':')?;
    let line: u32 = line.trim().parse().ok()?;
    let (rest, rule) = rest.rsplit_once(':')?;
    let (commit, file) = match rest.split_once(':') {
        Some((c, f))
            if (c.len() == 40 || c.len() == 64) && c.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            (Some(c), f)
        }
        _ => (None, rest),
    };
    (!file.is_empty() && !rule.is_empty()).then_some((commit, file, rule, line))
}

/// A problem with a repository's ignore file (reported, never fatal).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IgnoreFileWarning {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Every ignore that applies to one repository.
#[derive(Clone, Debug, Default)]
pub struct IgnoreSet {
    ignores: Vec<Ignore>,
}

impl IgnoreSet {
    /// The operator's `[[ignore]]` entries; `file` names the configuration file.
    pub fn from_config(rules: &[IgnoreRule], file: &str) -> IgnoreSet {
        let mut set = IgnoreSet::default();
        for rule in rules {
            let mut selectors = Vec::new();
            let mut selects = Vec::new();
            if let Some(a) = &rule.advisory {
                selectors.push(Selector::Advisory(a.clone()));
                selects.push(format!("advisory {a}"));
            }
            if let Some(r) = &rule.rule {
                selectors.push(Selector::Rule(r.clone()));
                selects.push(format!("rule {r}"));
            }
            if let Some(p) = &rule.path {
                // Validated when the configuration was read.
                let Ok(glob) = globset::Glob::new(p) else {
                    continue;
                };
                selectors.push(Selector::Path(glob.compile_matcher()));
                selects.push(format!("path {p}"));
            }
            if let Some(f) = &rule.fingerprint {
                selectors.push(Selector::Fingerprint(f.clone()));
                selects.push(format!("fingerprint {f}"));
            }
            if let Some(t) = &rule.tool {
                selectors.push(Selector::Tool(t.clone()));
                selects.push(format!("tool {t}"));
            }
            set.ignores.push(Ignore {
                selectors,
                reason: rule.reason.clone(),
                expires: rule.expires.clone(),
                source: IgnoreSource {
                    file: file.to_owned(),
                    line: rule.line,
                    repository: false,
                },
                selects: selects.join(", "),
            });
        }
        set
    }

    /// Adds the ignores of a repository file (one of [`REPOSITORY_FILES`]) given its text;
    /// returns what could not be read.
    pub fn add_repository_file(&mut self, file: &str, text: &str) -> Vec<IgnoreFileWarning> {
        match file {
            ".cargo/audit.toml" => self.add_cargo_audit(file, text),
            ".gitleaksignore" => {
                self.add_gitleaksignore(file, text);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// `.cargo/audit.toml`'s `[advisories] ignore`.
    fn add_cargo_audit(&mut self, file: &str, text: &str) -> Vec<IgnoreFileWarning> {
        let warn = |line: usize, message: String| IgnoreFileWarning {
            file: file.to_owned(),
            line,
            message,
        };
        let value: toml::Table = match toml::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                let line = e.span().map_or(1, |s| {
                    text[..s.start.min(text.len())].matches('\n').count() + 1
                });
                return vec![warn(line, format!("not read: {}", e.message().trim()))];
            }
        };
        let Some(list) = value
            .get("advisories")
            .and_then(|a| a.as_table())
            .and_then(|a| a.get("ignore"))
        else {
            return Vec::new();
        };
        let Some(list) = list.as_array() else {
            return vec![warn(
                1,
                "[advisories] ignore is not a list: not read".into(),
            )];
        };
        let lines: Vec<&str> = text.lines().collect();
        let mut warnings = Vec::new();
        for item in list {
            let Some(id) = item.as_str() else {
                warnings.push(warn(
                    1,
                    "an [advisories] ignore entry is not a string".into(),
                ));
                continue;
            };
            let quoted = format!("\"{id}\"");
            let at = lines
                .iter()
                .position(|l| l.contains(&quoted) || l.contains(&format!("'{id}'")));
            let line = at.map_or(1, |i| i + 1);
            self.ignores.push(Ignore {
                selectors: vec![Selector::RustDependency, Selector::Advisory(id.to_owned())],
                reason: at
                    .and_then(|i| comment_above(&lines, i))
                    .unwrap_or_else(|| "listed in [advisories] ignore".to_owned()),
                expires: None,
                source: IgnoreSource {
                    file: file.to_owned(),
                    line,
                    repository: true,
                },
                selects: format!("advisory {id}"),
            });
        }
        warnings
    }

    /// `.gitleaksignore`: one fingerprint a line, `#` comments.
    fn add_gitleaksignore(&mut self, file: &str, text: &str) {
        let lines: Vec<&str> = text.lines().collect();
        for (i, raw) in lines.iter().enumerate() {
            let entry = raw.trim();
            if entry.is_empty() || entry.starts_with('#') || split_gitleaks(entry).is_none() {
                continue;
            }
            self.ignores.push(Ignore {
                selectors: vec![Selector::Secret, Selector::Fingerprint(entry.to_owned())],
                reason: comment_above(&lines, i)
                    .unwrap_or_else(|| "listed in .gitleaksignore".to_owned()),
                expires: None,
                source: IgnoreSource {
                    file: file.to_owned(),
                    line: i + 1,
                    repository: true,
                },
                selects: format!("fingerprint {entry}"),
            });
        }
    }

    /// The first ignore in force on `today` (YYYY-MM-DD) that sets `subject` aside: the
    /// operator's before the repository's.
    pub fn matching(&self, subject: &Subject<'_>, today: &str) -> Option<&Ignore> {
        self.ignores
            .iter()
            .find(|i| !i.expired(today) && i.matches(subject))
    }

    /// Ignores past their last day on `today`: they no longer apply and are reported.
    pub fn expired(&self, today: &str) -> impl Iterator<Item = &Ignore> {
        self.ignores.iter().filter(move |i| i.expired(today))
    }

    pub fn len(&self) -> usize {
        self.ignores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ignores.is_empty()
    }
}

/// The `#` comment block directly above line `index` (skipping other entries of the same
/// list), as one sentence: a reason written where the id is listed.
fn comment_above(lines: &[&str], index: usize) -> Option<String> {
    let mut found: Vec<&str> = Vec::new();
    for line in lines[..index].iter().rev() {
        let t = line.trim();
        if let Some(comment) = t.strip_prefix('#') {
            found.push(comment.trim());
        } else if found.is_empty() && !t.is_empty() && !t.contains('=') && !t.starts_with('[') {
            // Another entry of the same list: the comment above it covers this one too.
            continue;
        } else {
            break;
        }
    }
    found.reverse();
    let text = found
        .into_iter()
        .filter(|c| !c.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!text.is_empty()).then(|| text.chars().take(500).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NUSHELL_AUDIT_TOML: &str = "[advisories]\nignore = [\n  # quickxml@0.39 is used by calamine, we need to wait for a patch upstream\n  # untrusted .xlsx files could be get OOM or CPU DoS\n  \"RUSTSEC-2026-0194\",\n  \"RUSTSEC-2026-0195\",\n]\n";

    fn dependency<'a>(rule: &'a str, ids: &'a [String]) -> Subject<'a> {
        Subject {
            tool: "devspm-advisories",
            kind: "dependency",
            rule,
            path: Some("Cargo.lock"),
            identifiers: ids,
            ecosystem: Some("crates.io"),
            ..Default::default()
        }
    }

    #[test]
    fn cargo_audit_ignores_carry_their_line_and_comment() {
        let mut set = IgnoreSet::default();
        assert!(
            set.add_repository_file(".cargo/audit.toml", NUSHELL_AUDIT_TOML)
                .is_empty()
        );
        let ids = vec!["GHSA-xxxx".to_owned()];
        let first = set
            .matching(&dependency("RUSTSEC-2026-0194", &ids), "2026-12-07")
            .unwrap();
        assert_eq!(first.source.to_string(), ".cargo/audit.toml:5");
        assert!(first.source.repository);
        assert!(
            first
                .reason
                .starts_with("quickxml@0.39 is used by calamine")
        );
        assert!(first.reason.ends_with("CPU DoS"), "{}", first.reason);
        let second = set
            .matching(&dependency("RUSTSEC-2026-0195", &ids), "2026-12-07")
            .unwrap();
        assert_eq!(second.source.line, 6);
        assert!(second.reason.starts_with("quickxml"), "{}", second.reason);
        assert!(
            set.matching(&dependency("RUSTSEC-2026-0258", &ids), "2026-12-07")
                .is_none()
        );
        // An id given only as an alias matches too; another ecosystem never does.
        let aliased = vec!["RUSTSEC-2026-0194".to_owned()];
        assert!(
            set.matching(&dependency("GHSA-q", &aliased), "2026-12-07")
                .is_some()
        );
        let npm = Subject {
            ecosystem: Some("npm"),
            path: Some("package-lock.json"),
            ..dependency("RUSTSEC-2026-0194", &ids)
        };
        assert!(set.matching(&npm, "2026-12-07").is_none());
    }

    #[test]
    fn malformed_audit_toml_is_a_warning() {
        let mut set = IgnoreSet::default();
        let w = set.add_repository_file(".cargo/audit.toml", "[advisories]\nignore = [\n");
        assert_eq!(w.len(), 1);
        assert!(w[0].message.starts_with("not read"), "{w:?}");
        assert!(set.is_empty());
    }

    #[test]
    fn gitleaksignore_fingerprints_with_and_without_commit() {
        let commit = "0123456789abcdef0123456789abcdef01234567";
        let text = format!(
            "# test keys\n{commit}:src/config.py:generic-api-key:3\n\ntests/a.env:aws-access-key-id:1\nnot a fingerprint\n"
        );
        let mut set = IgnoreSet::default();
        set.add_repository_file(".gitleaksignore", &text);
        assert_eq!(set.len(), 2);
        let secret = |path, rule, line, commits: Vec<&'static str>| Subject {
            tool: "devspm-secrets",
            kind: "secret",
            rule,
            path: Some(path),
            line: Some(line),
            commits,
            ..Default::default()
        };
        let hit = set
            .matching(
                &secret("src/config.py", "generic-api-key", 3, vec![commit]),
                "2026-12-07",
            )
            .unwrap();
        assert_eq!(hit.source.to_string(), ".gitleaksignore:2");
        assert_eq!(hit.reason, "test keys");
        assert!(
            set.matching(
                &secret("src/config.py", "generic-api-key", 3, vec!["ff"]),
                "2026-12-07"
            )
            .is_none()
        );
        assert!(
            set.matching(
                &secret("src/config.py", "generic-api-key", 4, vec![commit]),
                "2026-12-07"
            )
            .is_none()
        );
        let hit = set
            .matching(
                &secret("tests/a.env", "aws-access-key-id", 1, vec![]),
                "2026-12-07",
            )
            .unwrap();
        assert_eq!(hit.source.line, 4);
        assert_eq!(hit.reason, "listed in .gitleaksignore");
    }

    #[test]
    fn config_ignores_expire_after_their_last_day() {
        let rule = IgnoreRule {
            rule: Some("generic-api-key".into()),
            path: Some("tests/**".into()),
            reason: "fake keys".into(),
            expires: Some("2026-12-31".into()),
            line: 7,
            ..Default::default()
        };
        let set = IgnoreSet::from_config(&[rule], "devspm.toml");
        let s = Subject {
            kind: "secret",
            rule: "generic-api-key",
            path: Some("tests/x.py"),
            ..Default::default()
        };
        let hit = set.matching(&s, "2026-12-31").unwrap();
        assert_eq!(hit.source.to_string(), "devspm.toml:7");
        assert!(!hit.source.repository);
        assert!(set.matching(&s, "2027-01-01").is_none());
        assert_eq!(set.expired("2027-01-01").count(), 1);
        assert_eq!(set.expired("2026-12-31").count(), 0);
        let elsewhere = Subject {
            path: Some("src/x.py"),
            ..s.clone()
        };
        assert!(set.matching(&elsewhere, "2026-12-07").is_none());
    }

    #[test]
    fn fingerprint_matches_a_finding_id() {
        let rule = IgnoreRule {
            fingerprint: Some("f_0123abcd".into()),
            reason: "r".into(),
            ..Default::default()
        };
        let set = IgnoreSet::from_config(&[rule], "devspm.toml");
        let s = Subject {
            finding: Some("f_0123abcd"),
            ..Default::default()
        };
        assert!(set.matching(&s, "2026-12-07").is_some());
    }
}
