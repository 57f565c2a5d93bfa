//! `devspm ci audit` as text: each path audited with its findings (severity, rule, place, path
//! context, evidence, who introduced the line), the ignores that set findings aside, the
//! warnings, and the verdict against the threshold. The engine audits, attributes and gates;
//! it fills the view ([`Audit`]).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::table::Table;
use crate::terminal::escape;

/// Who introduced a finding's line, from the ledger.
#[derive(Clone, Debug, Serialize)]
pub struct Introduced {
    pub commit: Option<String>,
    pub developer: Option<String>,
    pub agents: Vec<String>,
    pub method: Option<String>,
    pub confidence: Option<String>,
    pub reason: Option<String>,
}

/// A CI audit over every path given.
#[derive(Clone, Debug, Default)]
pub struct Audit {
    pub targets: Vec<Target>,
    /// The severity at which the audit fails.
    pub threshold: String,
    /// Findings an ignore sets aside.
    pub ignored: usize,
    /// Whether the ignored findings are listed.
    pub show_ignored: bool,
    /// Files that could not be audited.
    pub not_audited: usize,
    pub failed: bool,
}

/// The audit of one path.
#[derive(Clone, Debug, Default)]
pub struct Target {
    pub name: String,
    pub files_audited: usize,
    /// Every finding, listed or not.
    pub findings: Vec<Message>,
    pub suppressed: usize,
    /// The findings listed (the ignored ones only with `show_ignored`).
    pub rows: Vec<Row>,
    pub warnings: Vec<Warning>,
}

/// A finding as its one-line message (shown with `-v`).
#[derive(Clone, Debug, Default)]
pub struct Message {
    pub path: String,
    pub line: u32,
    pub rule: String,
    pub message: String,
}

/// A listed finding.
#[derive(Clone, Debug)]
pub struct Row {
    pub severity: String,
    /// The severity's rank (critical 5 … info 1), for the summary's order.
    pub rank: u8,
    pub rule: String,
    pub path: String,
    pub line: u32,
    pub column: u32,
    /// The path context (`production`, `test` …).
    pub context: String,
    pub evidence: String,
    pub introduced: Option<Introduced>,
    /// The file differs from HEAD: nobody is named.
    pub uncommitted: bool,
    /// The ignore that sets it aside: (`FILE:LINE`, reason).
    pub ignored: Option<(String, String)>,
}

/// A file that could not be read as expected (`path` as shown, relative to where it was
/// found).
#[derive(Clone, Debug, Default)]
pub struct Warning {
    pub path: String,
    pub line: u32,
    pub message: String,
}

/// Evidence longer than this many characters is cut.
const EVIDENCE_CHARS: usize = 60;

/// Each target's findings fitted to `width` (their messages too when `verbose`), then the
/// totals by severity and the verdict.
pub fn audit(audit: &Audit, verbose: bool, width: Option<usize>) -> String {
    let mut text = String::new();
    let mut total = 0;
    let mut by_severity: BTreeMap<u8, (String, usize)> = BTreeMap::new();
    for t in &audit.targets {
        let mut table = Table::new(&[
            ("severity", false),
            ("rule", false),
            ("where", false),
            ("context", false),
            ("evidence", false),
            ("introduced by", false),
        ]);
        // On a narrow terminal: paths and names shortened (never the line), then the
        // evidence dropped, then the context.
        table
            .paint(0, crate::style::severity)
            .shrink(1)
            .shrink(2)
            .shrink_end(4, 20)
            .drop_rank(4, 1)
            .drop_rank(3, 2)
            .shrink(5);
        let mut reasons = String::new();
        for f in &t.rows {
            if let Some((by, reason)) = &f.ignored {
                reasons.push_str(&format!(
                    "  {}:{} {}: ignored by {}: {}\n",
                    escape(&f.path),
                    f.line,
                    escape(&f.rule),
                    escape(by),
                    escape(reason)
                ));
            }
            total += 1;
            by_severity
                .entry(f.rank)
                .or_insert_with(|| (f.severity.clone(), 0))
                .1 += 1;
            let mut evidence = f.evidence.clone();
            if evidence.chars().count() > EVIDENCE_CHARS {
                evidence = evidence
                    .chars()
                    .take(EVIDENCE_CHARS - 3)
                    .collect::<String>()
                    + "...";
            }
            table.row(vec![
                f.severity.clone(),
                f.rule.clone(),
                format!("{}:{}:{}", f.path, f.line, f.column),
                f.context.clone(),
                evidence,
                who(f),
            ]);
        }
        text.push_str(&format!(
            "{} — {} files audited, {} findings{}\n",
            escape(&t.name),
            t.files_audited,
            t.findings.len(),
            if t.suppressed > 0 {
                format!(" ({} suppressed by ignore comments)", t.suppressed)
            } else {
                String::new()
            }
        ));
        if !t.findings.is_empty() {
            text.push_str(&table.render_fit("  ", width));
        }
        text.push_str(&reasons);
        if verbose {
            for f in &t.findings {
                text.push_str(&format!(
                    "  {}:{} {}: {}\n",
                    escape(&f.path),
                    f.line,
                    escape(&f.rule),
                    escape(&f.message)
                ));
            }
        }
        for w in &t.warnings {
            text.push_str(&format!(
                "warning: {}:{}: {}\n",
                escape(&w.path),
                w.line,
                escape(&w.message)
            ));
        }
        text.push('\n');
    }
    let summary: Vec<String> = by_severity
        .values()
        .rev()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let not_audited = audit.not_audited;
    text.push_str(&format!(
        "{total} findings{}{}. Threshold: {}{}.\n",
        if summary.is_empty() {
            String::new()
        } else {
            format!(" ({})", summary.join(", "))
        },
        match (audit.ignored, audit.show_ignored) {
            (0, _) => String::new(),
            (n, true) => format!(", {n} ignored (listed)"),
            (n, false) => format!(", {n} ignored (--show-ignored lists them)"),
        },
        escape(&audit.threshold),
        if not_audited > 0 {
            format!(
                " — failed: {not_audited} file{} could not be audited (unauditable-file)",
                if not_audited == 1 { "" } else { "s" }
            )
        } else if audit.failed {
            " — failed".to_owned()
        } else {
            " — passed".to_owned()
        }
    ));
    text
}

/// Who introduced a finding's line: the developer, the commit and the agents; why nobody
/// can be named; or that the line is not committed.
fn who(f: &Row) -> String {
    match (&f.introduced, f.uncommitted) {
        (_, true) => "uncommitted change".to_owned(),
        (Some(i), _) => {
            let mut who = i.developer.clone().unwrap_or_else(|| "?".into());
            if let Some(c) = &i.commit {
                who.push_str(&format!(" in {}", &c[..c.len().min(10)]));
            }
            if !i.agents.is_empty() {
                who.push_str(&format!(" with {}", i.agents.join(", ")));
            }
            if i.commit.is_none()
                && let Some(r) = &i.reason
            {
                who = format!("unattributable: {r}");
            }
            who
        }
        (None, _) => "-".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "x\x1b]0;t\x07\u{202e}\r";

    fn row() -> Row {
        Row {
            severity: "high".into(),
            rank: 4,
            rule: "unpinned-uses".into(),
            path: ".github/workflows/ci.yml".into(),
            line: 7,
            column: 9,
            context: "production".into(),
            evidence: "a".repeat(80),
            introduced: Some(Introduced {
                commit: Some("0123456789abcdef".into()),
                developer: Some(HOSTILE.into()),
                agents: vec!["claude-code".into()],
                method: None,
                confidence: None,
                reason: None,
            }),
            uncommitted: false,
            ignored: Some((HOSTILE.into(), HOSTILE.into())),
        }
    }

    #[test]
    fn findings_who_and_verdict() {
        let audit = Audit {
            targets: vec![Target {
                name: HOSTILE.into(),
                files_audited: 1,
                findings: vec![Message {
                    path: ".github/workflows/ci.yml".into(),
                    line: 7,
                    rule: "unpinned-uses".into(),
                    message: HOSTILE.into(),
                }],
                rows: vec![row()],
                warnings: vec![Warning {
                    path: HOSTILE.into(),
                    line: 1,
                    message: HOSTILE.into(),
                }],
                ..Target::default()
            }],
            threshold: "high".into(),
            ignored: 1,
            show_ignored: true,
            not_audited: 0,
            failed: true,
        };
        let text = super::audit(&audit, true, None);
        assert!(!text.contains(['\x1b', '\x07', '\u{202e}', '\r']), "{text}");
        assert!(text.contains(" in 0123456789 with claude-code"));
        assert!(text.contains(&format!("{}...", "a".repeat(57))));
        assert!(text.contains("ignored by x\\x1b"));
        assert!(
            text.ends_with("1 findings (1 high), 1 ignored (listed). Threshold: high — failed.\n")
        );
    }

    #[test]
    fn uncommitted_and_unattributable_lines_name_nobody() {
        let mut r = row();
        r.uncommitted = true;
        assert_eq!(who(&r), "uncommitted change");
        let mut r = row();
        r.introduced = Some(Introduced {
            commit: None,
            developer: None,
            agents: Vec::new(),
            method: None,
            confidence: None,
            reason: Some("shallow clone".into()),
        });
        assert_eq!(who(&r), "unattributable: shallow clone");
        r.introduced = None;
        assert_eq!(who(&r), "-");
    }
}
