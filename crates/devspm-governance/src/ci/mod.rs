//! The CI/CD audit engine: finds GitHub Actions workflows and actions, Dependabot and GitLab CI
//! configuration in a repository, parses them with spans, and runs the rules in [`rules`].
//!
//! # Using it
//!
//! ```no_run
//! use devspm_governance::ci::{self, AuditConfig};
//! let root = std::path::Path::new(".");
//! let files = ci::discover(root);
//! let report = ci::audit_files(root, &files, &AuditConfig::default());
//! for f in &report.findings {
//!     println!("{}:{}:{} {} {}", f.path, f.line, f.column, f.rule_id, f.message);
//! }
//! ```
//!
//! Files read from git rather than a checkout go through [`audit_bytes`] with their
//! repository-relative path; [`gitlab_local_includes`] tells which further files a
//! `.gitlab-ci.yml` pulls in.
//!
//! # Guarantees
//!
//! - No input makes the audit panic.
//! - It never fails open: a file it cannot audit (unreadable, over the size limit, not UTF-8,
//!   invalid YAML, an alias bomb) is an `unauditable-file` finding of severity high naming the
//!   file, the line where known, and the reason — not a warning that leaves "0 findings"
//!   behind. Problems that leave the rest of a file audited (duplicate keys, an unterminated
//!   `${{`, a missing local include) are [`Warning`]s.
//! - Output is deterministic: findings are sorted by path, line, column, rule id.
//! - Paths in findings are repository-relative with forward slashes.

pub mod config;
pub mod data;
pub mod expr;
pub mod finding;
pub mod gitlab;
pub mod model;
pub mod rules;
pub mod shell;
pub mod yaml;

use std::path::{Path, PathBuf};

pub use config::{AuditConfig, Limits, UnpinnedUsesConfig, UsesPolicy};
pub use data::CompromisedAction;
pub use finding::{AuditReport, CiFinding, Confidence, Platform, RuleInfo, Severity, Warning};

use crate::ci::yaml::{Node, Span};

/// The kinds of files the audit understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// `.github/workflows/*.yml|yaml`.
    Workflow,
    /// `action.yml|yaml` anywhere.
    Action,
    /// `.github/dependabot.yml|yaml`.
    Dependabot,
    /// `.gitlab-ci.yml` and files it includes locally.
    GitlabCi,
}

/// The kind of a file from its repository-relative path, or `None` if the audit has no
/// rules for it. GitHub only reads workflows directly inside `.github/workflows/`.
pub fn classify(rel_path: &str) -> Option<FileKind> {
    let path = rel_path.replace('\\', "/");
    let path = path.trim_start_matches("./");
    let name = path.rsplit('/').next().unwrap_or(path);
    let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    if let Some(rest) = path.strip_prefix(".github/workflows/")
        && yaml
        && !rest.contains('/')
    {
        return Some(FileKind::Workflow);
    }
    if name == "action.yml" || name == "action.yaml" {
        return Some(FileKind::Action);
    }
    if path == ".github/dependabot.yml" || path == ".github/dependabot.yaml" {
        return Some(FileKind::Dependabot);
    }
    if path == ".gitlab-ci.yml" || path == ".gitlab-ci.yaml" {
        return Some(FileKind::GitlabCi);
    }
    None
}

/// Directories never descended into during discovery: VCS metadata and dependency or build
/// trees, whose `action.yml` files are other people's code, not this repository's CI.
const SKIPPED_DIRS: &[&str] = &[".git", "node_modules", "target", ".venv", "venv", "vendor"];

/// Every auditable file under `root`, as repository-relative paths sorted by name.
/// Symbolic links are not followed. Local includes of `.gitlab-ci.yml` are added by
/// [`audit_files`], not here.
pub fn discover(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(root, root, 0, &mut |rel| {
        if classify(&to_slash(rel)).is_some() {
            out.push(rel.to_path_buf());
        }
    });
    out.sort();
    out
}

pub(crate) fn walk(root: &Path, dir: &Path, depth: usize, visit: &mut dyn FnMut(&Path)) {
    if depth > 32 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if file_type.is_dir() {
            let name = entry.file_name();
            if SKIPPED_DIRS.iter().any(|s| name == *s) {
                continue;
            }
            walk(root, &path, depth + 1, visit);
        } else if file_type.is_file()
            && let Ok(rel) = path.strip_prefix(root)
        {
            visit(rel);
        }
    }
}

/// A relative path with `/` separators, as CI files name each other.
pub fn to_slash(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// Audit `files` (repository-relative, or absolute under `root`) of the checkout at `root`.
///
/// Files whose kind [`classify`] does not know are skipped. For a `.gitlab-ci.yml`, its
/// `include: local:` files are read from `root` and audited too (once each).
pub fn audit_files(root: &Path, files: &[PathBuf], config: &AuditConfig) -> AuditReport {
    let mut report = AuditReport::default();
    let mut seen: Vec<String> = Vec::new();
    let mut queue: Vec<(String, Option<FileKind>)> = files
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(root).unwrap_or(f);
            (to_slash(rel), None)
        })
        .collect();
    while let Some((rel, kind)) = queue.pop() {
        let rel = rel.trim_start_matches("./").to_owned();
        if seen.contains(&rel) {
            continue;
        }
        seen.push(rel.clone());
        let Some(kind) = kind.or_else(|| classify(&rel)) else {
            continue;
        };
        let full = root.join(&rel);
        let bytes = match read_capped(&full, config.limits.max_file_bytes) {
            Ok(bytes) => bytes,
            Err((what, reason)) => {
                report.not_audited(config, &rel, 0, what, reason);
                continue;
            }
        };
        if kind == FileKind::GitlabCi {
            for include in gitlab_local_includes(&bytes) {
                if include.contains('*') {
                    report.warnings.push(Warning {
                        path: rel.clone(),
                        line: 0,
                        message: format!("local include `{include}` uses a wildcard; not followed"),
                    });
                    continue;
                }
                let inc = include.trim_start_matches('/').to_owned();
                if inc.split('/').any(|seg| seg == "..") {
                    continue;
                }
                if root.join(&inc).is_file() {
                    queue.push((inc, Some(FileKind::GitlabCi)));
                } else {
                    report.warnings.push(Warning {
                        path: rel.clone(),
                        line: 0,
                        message: format!("local include `{include}` not found"),
                    });
                }
            }
        }
        report.merge(audit_bytes_as(&rel, kind, &bytes, config));
    }
    report.sort();
    report
}

/// The file's bytes, or why it cannot be audited: (short, stable description; sentence).
fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, (&'static str, String)> {
    let unreadable = |e: std::io::Error| ("unreadable", format!("cannot read file: {e}"));
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if meta.len() > max {
        return Err((
            TOO_LARGE,
            format!("file is {} bytes, over the {max}-byte limit", meta.len()),
        ));
    }
    std::fs::read(path).map_err(unreadable)
}

/// The evidence of an `unauditable-file` finding for a file over the size limit.
const TOO_LARGE: &str = "over the size limit";

impl AuditReport {
    /// Records that the file at `path` could not be audited: an `unauditable-file` finding
    /// (a warning when the rule is disabled). `what` is a short, stable description of the
    /// failure, `reason` the sentence.
    fn not_audited(
        &mut self,
        config: &AuditConfig,
        path: &str,
        line: u32,
        what: &str,
        reason: String,
    ) {
        match rules::unauditable_file::finding(config, path, line, what, &reason) {
            Some(finding) => self.findings.push(finding),
            None => self.warnings.push(Warning {
                path: path.to_owned(),
                line,
                message: format!("{reason}; not audited"),
            }),
        }
    }
}

/// The report for a CI file whose content could not be read at all (from git: over a size
/// limit, missing from a partial clone, a symbolic link): an `unauditable-file` finding with
/// `reason` (a warning when the rule is disabled).
pub fn unreadable(rel_path: &str, reason: &str, config: &AuditConfig) -> AuditReport {
    let mut report = AuditReport::default();
    report.not_audited(config, rel_path, 0, "unreadable", reason.to_owned());
    report
}

/// Audit one file given as bytes, classified by its repository-relative path. Unknown kinds
/// give an empty report.
pub fn audit_bytes(rel_path: &str, bytes: &[u8], config: &AuditConfig) -> AuditReport {
    match classify(rel_path) {
        Some(kind) => audit_bytes_as(rel_path, kind, bytes, config),
        None => AuditReport::default(),
    }
}

/// Audit one file given as bytes, as the given kind (for GitLab include files, whose names
/// say nothing).
pub fn audit_bytes_as(
    rel_path: &str,
    kind: FileKind,
    bytes: &[u8],
    config: &AuditConfig,
) -> AuditReport {
    let path = rel_path
        .replace('\\', "/")
        .trim_start_matches("./")
        .to_owned();
    let mut report = AuditReport::default();
    if bytes.len() as u64 > config.limits.max_file_bytes {
        let reason = format!(
            "file is {} bytes, over the {}-byte limit",
            bytes.len(),
            config.limits.max_file_bytes
        );
        report.not_audited(config, &path, 0, TOO_LARGE, reason);
        return report;
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let line = line_of(bytes, e.valid_up_to());
            let reason = "file is not valid UTF-8".to_owned();
            report.not_audited(config, &path, line, "not UTF-8", reason);
            return report;
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let parsed = match yaml::parse(text, config.limits.max_yaml_nodes) {
        Ok(parsed) => parsed,
        Err(err) => {
            let what = match err {
                yaml::YamlError::Syntax { .. } => "invalid YAML",
                yaml::YamlError::Budget { .. } => "too many YAML nodes",
                yaml::YamlError::RecursiveAlias { .. } => "recursive YAML alias",
            };
            report.not_audited(config, &path, err.line(), what, err.to_string());
            return report;
        }
    };
    let mut warn = |line: u32, message: String| {
        report.warnings.push(Warning {
            path: path.clone(),
            line,
            message,
        });
    };
    for issue in &parsed.issues {
        warn(issue.line, issue.message.clone());
    }
    let root = match kind {
        // GitLab CI components put a `spec:` header in a first document.
        FileKind::GitlabCi
            if parsed.documents.len() > 1 && parsed.documents[0].get("spec").is_some() =>
        {
            parsed.documents.get(1)
        }
        _ => parsed.documents.first(),
    };
    let Some(root) = root else {
        warn(0, "file is empty".to_owned());
        report.files_audited = 1;
        return report;
    };
    if parsed.documents.len() > 1 && kind != FileKind::GitlabCi {
        warn(
            parsed.documents[1].span.start.line,
            "more than one YAML document; only the first is audited".to_owned(),
        );
    }
    if !root.is_map() {
        warn(
            root.span.start.line,
            format!("expected a mapping at the top level of this {kind:?} file"),
        );
        report.files_audited = 1;
        return report;
    }
    let mut cx = Ctx {
        path: &path,
        text,
        config,
        findings: Vec::new(),
        warnings: Vec::new(),
    };
    rules::run(kind, root, &mut cx);
    let lines: Vec<&str> = text.lines().collect();
    let before = cx.findings.len();
    cx.findings.retain(|f| !suppressed_by_comment(&lines, f));
    report.suppressed = before - cx.findings.len();
    report.findings.extend(cx.findings);
    report.warnings.extend(cx.warnings);
    report.files_audited = 1;
    report.sort();
    report
}

/// The 1-based line of byte `offset` in `bytes`.
fn line_of(bytes: &[u8], offset: usize) -> u32 {
    let newlines = bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count();
    u32::try_from(newlines + 1).unwrap_or(u32::MAX)
}

/// Whether a comment on one of the finding's lines suppresses it: `# devspm: ignore[rule, …]`,
/// or zizmor's `# zizmor: ignore[rule, …]` (same rule ids where the rules overlap), so that a
/// repository's existing reviewed exceptions carry over. Whoever can write the comment can edit
/// the workflow anyway; the count of suppressed findings is reported.
fn suppressed_by_comment(lines: &[&str], f: &CiFinding) -> bool {
    let first = f.line.max(1) as usize;
    let last = (f.end_line.max(f.line) as usize).min(lines.len());
    (first..=last).any(|n| {
        let Some(line) = lines.get(n - 1) else {
            return false;
        };
        ["devspm: ignore[", "devspm:ignore[", "zizmor: ignore["]
            .iter()
            .any(|marker| {
                line.match_indices(marker).any(|(at, _)| {
                    let before = line[..at].trim_end();
                    if !before.ends_with('#') {
                        return false;
                    }
                    let rest = &line[at + marker.len()..];
                    rest.split_once(']')
                        .is_some_and(|(ids, _)| ids.split(',').any(|id| id.trim() == f.rule_id))
                })
            })
    })
}

/// The `include: local:` paths (and bare `/path` string includes) of a `.gitlab-ci.yml`, so
/// a caller reading from git can fetch and audit them with [`audit_bytes_as`].
pub fn gitlab_local_includes(bytes: &[u8]) -> Vec<String> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    let Ok(parsed) = yaml::parse(
        text.strip_prefix('\u{feff}').unwrap_or(text),
        Limits::default().max_yaml_nodes,
    ) else {
        return Vec::new();
    };
    let root = if parsed.documents.len() > 1 && parsed.documents[0].get("spec").is_some() {
        parsed.documents.get(1)
    } else {
        parsed.documents.first()
    };
    root.map(gitlab::local_includes).unwrap_or_default()
}

/// Static information about every rule, in a stable order, for documentation and SARIF.
pub fn rules() -> Vec<RuleInfo> {
    rules::all().iter().map(|r| *r.info()).collect()
}

/// What a rule sees while it runs: the file, the configuration, and where to put findings.
pub struct Ctx<'a> {
    path: &'a str,
    text: &'a str,
    config: &'a AuditConfig,
    findings: Vec<CiFinding>,
    warnings: Vec<Warning>,
}

/// Longest evidence string we keep; evidence names the problem, it does not copy scripts.
const MAX_EVIDENCE: usize = 160;

impl<'a> Ctx<'a> {
    /// The audit configuration.
    pub fn config(&self) -> &'a AuditConfig {
        self.config
    }

    /// Record a finding at `span`.
    pub fn report(
        &mut self,
        rule: &RuleInfo,
        severity: Severity,
        confidence: Confidence,
        span: Span,
        message: impl Into<String>,
        evidence: &str,
    ) {
        let evidence = evidence.trim();
        let evidence = match evidence.lines().next() {
            Some(first) if first.len() < evidence.len() => format!("{first} …"),
            _ => evidence.to_owned(),
        };
        let evidence = if evidence.chars().count() > MAX_EVIDENCE {
            let mut cut: String = evidence.chars().take(MAX_EVIDENCE).collect();
            cut.push('…');
            cut
        } else {
            evidence
        };
        self.findings.push(CiFinding {
            rule_id: rule.id.to_owned(),
            severity,
            confidence,
            message: message.into(),
            path: self.path.to_owned(),
            line: span.start.line,
            column: span.start.column,
            end_line: span.end.line.max(span.start.line),
            evidence,
        });
    }

    /// Record a warning about the current file.
    pub fn warn(&mut self, line: u32, message: impl Into<String>) {
        self.warnings.push(Warning {
            path: self.path.to_owned(),
            line,
            message: message.into(),
        });
    }

    /// The text of a `# comment` on the same line right after `node` (e.g. the version next
    /// to a SHA pin), without the `#`.
    pub fn trailing_comment(&self, node: &Node) -> Option<&'a str> {
        let rest = self.text.get(node.span.end.offset..)?;
        let line = rest.lines().next()?;
        let comment = line.trim_start().strip_prefix('#')?;
        Some(comment.trim())
    }

    /// The span of `needle` inside the scalar `node`, where `value_offset` is its byte offset
    /// in the node's (unescaped) value. Falls back to the node's span when the text cannot be
    /// found verbatim in the source (escapes, folding).
    pub fn span_within(&self, node: &Node, value_offset: usize, needle: &str) -> Span {
        let value = node.as_str().unwrap_or_default();
        let nth = value
            .get(..value_offset)
            .map_or(0, |before| before.matches(needle).count());
        let start = node.span.start.offset;
        let end = node.span.end.offset.min(self.text.len());
        let Some(source) = self.text.get(start..end) else {
            return node.span;
        };
        let Some((rel, _)) = source.match_indices(needle).nth(nth) else {
            return node.span;
        };
        let before = &source[..rel];
        let newlines = before.matches('\n').count();
        let line = node.span.start.line + u32::try_from(newlines).unwrap_or(0);
        let column = match before.rfind('\n') {
            Some(nl) => before[nl + 1..].chars().count() + 1,
            None => node.span.start.column as usize + before.chars().count(),
        };
        let pos = yaml::Pos {
            line,
            column: u32::try_from(column).unwrap_or(u32::MAX),
            offset: start + rel,
        };
        let mut end_pos = pos;
        end_pos.line += u32::try_from(needle.matches('\n').count()).unwrap_or(0);
        Span {
            start: pos,
            end: end_pos,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths() {
        assert_eq!(
            classify(".github/workflows/ci.yml"),
            Some(FileKind::Workflow)
        );
        assert_eq!(classify(".github/workflows/sub/ci.yml"), None);
        assert_eq!(classify(".github/workflows/README.md"), None);
        assert_eq!(classify("action.yml"), Some(FileKind::Action));
        assert_eq!(
            classify("actions/setup/action.yaml"),
            Some(FileKind::Action)
        );
        assert_eq!(
            classify(".github/dependabot.yml"),
            Some(FileKind::Dependabot)
        );
        assert_eq!(classify(".gitlab-ci.yml"), Some(FileKind::GitlabCi));
        assert_eq!(classify("src/main.rs"), None);
    }

    #[test]
    fn hostile_inputs_become_findings_or_warnings() {
        let config = AuditConfig::default();
        let wf = ".github/workflows/x.yml";
        // Files that cannot be parsed: an `unauditable-file` finding each, never "0 findings".
        for bytes in [
            &b"on: [push\n"[..],
            b"\xff\xfe\x00bad",
            b"on: push\njobs:\n\tbuild: {}\n",
            b"a: &a [*a]\n",
        ] {
            let report = audit_bytes(wf, bytes, &config);
            let rules: Vec<&str> = report.findings.iter().map(|f| f.rule_id.as_str()).collect();
            assert_eq!(
                rules,
                ["unauditable-file"],
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
            assert_eq!(report.findings[0].path, wf);
            assert!(report.warnings.is_empty());
            assert_eq!(report.files_audited, 0);
        }
        // Parsed, with nothing a platform would run: a warning.
        for bytes in [&b""[..], b"- just\n- a list\n"] {
            let report = audit_bytes(wf, bytes, &config);
            assert!(report.findings.is_empty());
            assert_eq!(
                report.warnings.len(),
                1,
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
            assert_eq!(report.warnings[0].path, wf);
        }
        let small = AuditConfig {
            limits: Limits {
                max_file_bytes: 10,
                ..Limits::default()
            },
            ..AuditConfig::default()
        };
        let report = audit_bytes(wf, b"on: push\njobs: {}\n", &small);
        assert!(report.findings[0].message.contains("limit"));
    }
}
