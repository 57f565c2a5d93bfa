//! `unauditable-file`: a CI file the audit could not read or parse, so no rule checked it.
//!
//! Why: the platform may run the file all the same. GitHub's and GitLab's YAML parsers accept
//! things ours rejects (and whoever writes the file can aim for that difference); a file over
//! the size limit or in another encoding runs like any other. An audit that reports such a
//! file as a warning and then "0 findings, passed" fails open: it hides exactly the file
//! someone wanted hidden. So a file that could not be audited is a finding, with the reason,
//! and its severity is high so that the default threshold of `devspm ci audit` (and of
//! `[policy.thresholds] ci_severity`) fails on it. It has no parsed file to look at, so it
//! never runs with the other rules: the audit raises it when reading or parsing fails.

use crate::ci::finding::{CiFinding, Confidence, RuleInfo};
use crate::ci::model::{Action, Workflow};
use crate::ci::rules::{Rule, rule};
use crate::ci::{AuditConfig, Ctx};

rule! {
    /// See the module documentation.
    UnauditableFile {
        id: "unauditable-file",
        severity: High,
        platform: All,
        description: "CI file that could not be read or parsed, so no rule checked it",
        help: "Fix what the message names (invalid YAML, not UTF-8, over the size limit, unreadable) so that the file can be audited, or remove it. The platform may still run a file devspm cannot parse; until it is audited, treat it as unreviewed code with access to the pipeline's secrets.",
    }
}

impl Rule for UnauditableFile {
    fn info(&self) -> &'static RuleInfo {
        &Self::INFO
    }

    // Raised by the audit when a file cannot be parsed; nothing to do on a parsed file.
    fn workflow(&self, _workflow: &Workflow<'_>, _cx: &mut Ctx<'_>) {}

    fn action(&self, _action: &Action<'_>, _cx: &mut Ctx<'_>) {}
}

/// The finding for a file that could not be audited, or `None` when the configuration
/// disables the rule (the caller then reports a warning, as before). `what` is a short,
/// stable description of the failure (the finding's evidence, part of its identity); `reason`
/// the full sentence.
pub(crate) fn finding(
    config: &AuditConfig,
    path: &str,
    line: u32,
    what: &str,
    reason: &str,
) -> Option<CiFinding> {
    let info = &UnauditableFile::INFO;
    if config.disable.iter().any(|d| d == info.id) {
        return None;
    }
    let line = line.max(1);
    Some(CiFinding {
        rule_id: info.id.to_owned(),
        severity: info.default_severity,
        confidence: Confidence::High,
        message: format!("not audited: {reason}"),
        path: path.to_owned(),
        line,
        column: 1,
        end_line: line,
        evidence: what.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use crate::ci::{AuditConfig, Limits, audit_bytes};

    fn unauditable(path: &str, bytes: &[u8], config: &AuditConfig) -> Vec<(u32, String)> {
        let report = audit_bytes(path, bytes, config);
        assert_eq!(report.files_audited, 0, "{report:?}");
        report
            .findings
            .iter()
            .filter(|f| f.rule_id == "unauditable-file")
            .map(|f| (f.line, f.evidence.clone()))
            .collect()
    }

    #[test]
    fn files_that_cannot_be_parsed_are_findings() {
        let config = AuditConfig::default();
        let wf = ".github/workflows/x.yml";
        assert_eq!(
            unauditable(wf, b"on: push\njobs: [\n", &config),
            [(2, "invalid YAML".to_owned())]
        );
        assert_eq!(
            unauditable(wf, b"on: push\xff\n", &config),
            [(1, "not UTF-8".to_owned())]
        );
        assert_eq!(
            unauditable(".gitlab-ci.yml", b"a: &a [*a]\n", &config),
            [(1, "recursive YAML alias".to_owned())]
        );
        let small = AuditConfig {
            limits: Limits {
                max_file_bytes: 10,
                ..Limits::default()
            },
            ..AuditConfig::default()
        };
        assert_eq!(
            unauditable(wf, b"on: push\njobs: {}\n", &small),
            [(1, "over the size limit".to_owned())]
        );
    }

    #[test]
    fn findings_are_high_and_name_the_reason() {
        let report = audit_bytes(
            ".github/workflows/x.yml",
            b"on: push\njobs: [\n",
            &AuditConfig::default(),
        );
        let f = &report.findings[0];
        assert_eq!(f.severity.as_str(), "high");
        assert!(
            f.message.starts_with("not audited: invalid YAML at line "),
            "{}",
            f.message
        );
        assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    }

    #[test]
    fn disabled_rule_falls_back_to_a_warning() {
        let config = AuditConfig {
            disable: vec!["unauditable-file".into()],
            ..AuditConfig::default()
        };
        let report = audit_bytes(".github/workflows/x.yml", b"on: [push\n", &config);
        assert!(report.findings.is_empty());
        assert_eq!(report.warnings.len(), 1);
        assert!(report.warnings[0].message.contains("not audited"));
    }

    #[test]
    fn parsed_files_do_not_raise_it() {
        let report = audit_bytes(
            ".github/workflows/x.yml",
            b"on: push\njobs: {}\n",
            &AuditConfig::default(),
        );
        assert!(report.findings.is_empty(), "{:?}", report.findings);
    }
}
