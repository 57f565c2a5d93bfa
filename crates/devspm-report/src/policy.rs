//! `devspm policy check` as text: what was checked against the configuration's `[policy]`,
//! the violations (at most ten developers with unsigned commits per repository; JSON has every
//! one) and how many fail the check. The engine checks; the shapes of its result live here.

use std::collections::HashMap;

use serde::Serialize;

use crate::table::Table;
use crate::terminal::escape;

/// One way the record breaks the policy.
#[derive(Debug, Serialize)]
pub struct Violation {
    /// `denied`, `unapproved`, `unsigned-commits` or `ci-finding`.
    pub kind: &'static str,
    /// Whether this violation fails the check.
    pub fails: bool,
    pub item: String,
    pub place: String,
    pub who: Option<String>,
    /// The identity id of `who`, and the repository (name) the violation is in, when known:
    /// what the report counts per developer and per repository.
    pub identity: Option<String>,
    pub repository: Option<String>,
    pub reason: String,
    pub rule: Option<String>,
}

/// What was checked.
#[derive(Debug, Serialize, Default)]
pub struct Checked {
    pub repository_tools: usize,
    pub workstation_tools: usize,
    pub developers: usize,
    pub ci_findings: usize,
}

/// The outcome of a policy check.
#[derive(Debug, Serialize)]
pub struct PolicyCheck {
    pub checked: Checked,
    /// Tools first (repositories, then workstations), then each repository's developers with
    /// unsigned commits (most unsigned first), then CI findings.
    pub violations: Vec<Violation>,
    /// One sentence per repository whose share of unsigned commits is over the tolerated one.
    pub signing: Vec<String>,
    /// Whether a violation fails the check.
    pub failed: bool,
}

/// Developers with unsigned commits listed per repository; the rest are counted.
const UNSIGNED_SHOWN: usize = 10;

/// The check against the policy in `config`, with CI findings counted at or above
/// `ci_severity`, fitted to `width`.
pub fn check(
    config: &str,
    report: &PolicyCheck,
    ci_severity: &str,
    width: Option<usize>,
) -> String {
    let (checked, violations) = (&report.checked, &report.violations);
    let mut text = format!(
        "Policy {}: checked {} repository tools, {} workstation tools, {} developers' signing, {} open CI findings at or above {}.\n",
        escape(config),
        checked.repository_tools,
        checked.workstation_tools,
        checked.developers,
        checked.ci_findings,
        escape(ci_severity)
    );
    if violations.is_empty() {
        text.push_str("No violations.\n");
        return text;
    }
    for line in &report.signing {
        text.push_str(&format!("signing: {}\n", escape(line)));
    }
    let mut table = Table::new(&[
        ("violation", false),
        ("item", false),
        ("where", false),
        ("who", false),
        ("why", false),
    ]);
    table.shrink(1).shrink(2).shrink(3).shrink_end(4, 24);
    let mut shown_per_place: HashMap<&str, usize> = HashMap::new();
    let mut hidden = 0usize;
    for v in violations {
        if v.kind == "unsigned-commits" {
            let shown = shown_per_place.entry(v.place.as_str()).or_default();
            if *shown >= UNSIGNED_SHOWN {
                hidden += 1;
                continue;
            }
            *shown += 1;
        }
        table.row(vec![
            if v.fails {
                v.kind.to_owned()
            } else {
                format!("{} (reported)", v.kind)
            },
            v.item.clone(),
            v.place.clone(),
            v.who.clone().unwrap_or_else(|| "-".into()),
            v.reason.clone(),
        ]);
    }
    text.push('\n');
    text.push_str(&table.render_fit("", width));
    if hidden > 0 {
        text.push_str(&format!(
            "… and {hidden} more developers with unsigned commits (--format json lists every one)\n"
        ));
    }
    let failing = violations.iter().filter(|v| v.fails).count();
    text.push_str(&format!(
        "\n{} violations, {failing} failing the check{}.\n",
        violations.len(),
        if failing == 0 {
            " (unapproved tools are reported; set thresholds.fail_on_unapproved = true to fail on them)"
        } else {
            ""
        }
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unsigned(who: &str) -> Violation {
        Violation {
            kind: "unsigned-commits",
            fails: true,
            item: "12 unsigned".into(),
            place: "app".into(),
            who: Some(who.into()),
            identity: None,
            repository: Some("app".into()),
            reason: "signing required\x1b[2J".into(),
            rule: None,
        }
    }

    #[test]
    fn ten_unsigned_developers_per_place_then_a_count() {
        let report = PolicyCheck {
            checked: Checked::default(),
            violations: (0..12).map(|i| unsigned(&format!("dev{i}"))).collect(),
            signing: vec!["app: 40% unsigned\u{202e}".into()],
            failed: true,
        };
        let text = check("/etc/devspm.toml", &report, "high", None);
        assert!(text.contains("… and 2 more developers with unsigned commits"));
        assert!(text.ends_with("\n12 violations, 12 failing the check.\n"));
        assert!(!text.contains(['\x1b', '\u{202e}']), "{text}");
        let none = PolicyCheck {
            checked: Checked::default(),
            violations: Vec::new(),
            signing: Vec::new(),
            failed: false,
        };
        assert!(check("p", &none, "high", None).ends_with("No violations.\n"));
    }
}
