//! What an audit produces: findings, warnings, the report, and rule metadata.

use serde::{Deserialize, Serialize};

/// How bad a finding is if it is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; no direct risk.
    Info,
    /// Hardening; exploitation needs other mistakes.
    Low,
    /// Exploitable under common conditions.
    Medium,
    /// Directly exploitable or a known attack path.
    High,
    /// Known compromise or immediate secret exposure.
    Critical,
}

impl Severity {
    /// The lower-case name (`high`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// How sure the rule is that the finding is real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// A heuristic; expect false positives.
    Low,
    /// Usually right.
    Medium,
    /// Determined from the file alone.
    High,
}

impl Confidence {
    /// The lower-case name (`high`).
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// One finding of one rule at one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiFinding {
    /// The rule id, e.g. `unpinned-uses`.
    pub rule_id: String,
    /// Severity of this finding (rules may lower or raise their default).
    pub severity: Severity,
    /// Confidence of this finding.
    pub confidence: Confidence,
    /// One sentence for a human.
    pub message: String,
    /// Repository-relative path with forward slashes.
    pub path: String,
    /// 1-based line of the reported node.
    pub line: u32,
    /// 1-based column of the reported node.
    pub column: u32,
    /// 1-based last line of the reported node.
    pub end_line: u32,
    /// A short excerpt: the `uses:` value, the expression, the command — never a whole script.
    pub evidence: String,
}

/// A problem with an input file that is not a finding: unreadable, invalid YAML, too large,
/// an unterminated `${{` … The file may have been audited partly or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// Repository-relative path with forward slashes.
    pub path: String,
    /// 1-based line, or 0 when the problem concerns the whole file.
    pub line: u32,
    /// One sentence.
    pub message: String,
}

/// The result of auditing a set of files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    /// Findings sorted by path, line, column, rule id, message.
    pub findings: Vec<CiFinding>,
    /// Warnings sorted by path and line.
    pub warnings: Vec<Warning>,
    /// Number of files that were parsed and audited.
    pub files_audited: usize,
    /// Findings left out because a comment on their lines says `devspm: ignore[rule]` (or
    /// zizmor's `zizmor: ignore[rule]`).
    #[serde(default)]
    pub suppressed: usize,
}

impl AuditReport {
    /// Add another report's findings and warnings, keeping the order deterministic.
    pub fn merge(&mut self, other: AuditReport) {
        self.suppressed += other.suppressed;
        self.findings.extend(other.findings);
        self.warnings.extend(other.warnings);
        self.files_audited += other.files_audited;
        self.sort();
    }

    /// Sort findings and warnings into their canonical order and drop exact duplicates.
    pub fn sort(&mut self) {
        self.findings.sort_by(|a, b| {
            (
                &a.path,
                a.line,
                a.column,
                &a.rule_id,
                &a.message,
                &a.evidence,
            )
                .cmp(&(
                    &b.path,
                    b.line,
                    b.column,
                    &b.rule_id,
                    &b.message,
                    &b.evidence,
                ))
        });
        self.findings.dedup();
        self.warnings
            .sort_by(|a, b| (&a.path, a.line, &a.message).cmp(&(&b.path, b.line, &b.message)));
        self.warnings.dedup();
    }
}

/// Which files a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    /// GitHub Actions workflows and actions.
    GithubActions,
    /// GitLab CI.
    GitlabCi,
    /// Both.
    Both,
    /// Dependabot configuration.
    Dependabot,
    /// Every kind of file, but never a parsed one: raised by the audit itself
    /// (`unauditable-file`).
    All,
}

/// Static description of a rule, for documentation and SARIF `rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// Stable id, e.g. `template-injection`.
    pub id: &'static str,
    /// One line.
    pub description: &'static str,
    /// The severity most findings of this rule get.
    pub default_severity: Severity,
    /// What to do about it: a few sentences.
    pub help: &'static str,
    /// Which files the rule reads.
    pub platform: Platform,
}
