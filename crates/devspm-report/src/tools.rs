//! `devspm tools scan` and `devspm tools list` as text: a workstation's developer tools with
//! the policy's verdict and their risks, and the recorded uses of tools across repositories
//! and workstations with the tool-spread signals. The engine fills [`Workstation`] from its scan;
//! the uses are `devspm_core::tools`' rows as the ledger returns them.

use std::collections::BTreeSet;

use devspm_core::tools::ToolUseRow;

use crate::findings::date;
use crate::table::Table;
use crate::terminal::escape;

/// A workstation scan as `tools scan` shows it.
#[derive(Clone, Debug, Default)]
pub struct Workstation {
    pub host: String,
    pub home: String,
    /// The developer's e-mail, when known.
    pub identity: Option<String>,
    pub items: Vec<Item>,
    pub warnings: Vec<Warning>,
    pub total: usize,
    /// Approved, or of a kind the policy does not govern.
    pub approved: usize,
    pub unapproved: usize,
    pub denied: usize,
    pub risks: usize,
}

/// One tool found on the workstation.
#[derive(Clone, Debug, Default)]
pub struct Item {
    pub kind: String,
    pub id: String,
    pub version: Option<String>,
    pub source: String,
    /// The policy's verdict (`approved`, `unapproved`, `denied`) and its reason; `None` for
    /// kinds the policy does not govern.
    pub verdict: Option<(String, String)>,
    /// (rule, severity) of each risky setting.
    pub risks: Vec<(String, String)>,
}

/// A file the inventory could not read as expected.
#[derive(Clone, Debug, Default)]
pub struct Warning {
    /// Home-relative path.
    pub path: String,
    pub line: Option<u64>,
    pub message: String,
}

/// The workstation's tools fitted to `width`, the verdict counts, every item not approved with
/// the reason, and the warnings.
pub fn workstation(report: &Workstation, width: Option<usize>) -> String {
    let mut text = format!(
        "Workstation {} — home {} — developer {}\n\n",
        escape(&report.host),
        escape(&report.home),
        report.identity.as_deref().map_or(
            escape("unknown (no git user.email; pass --identity)"),
            escape
        )
    );
    let mut table = Table::new(&[
        ("kind", false),
        ("item", false),
        ("version", false),
        ("source", false),
        ("verdict", false),
        ("risks", false),
    ]);
    table
        .shrink(1)
        .shrink(3)
        .drop_rank(3, 2)
        .shrink_end(5, 20)
        .drop_rank(2, 1);
    for item in &report.items {
        table.row(vec![
            item.kind.clone(),
            item.id.clone(),
            item.version.clone().unwrap_or_else(|| "-".into()),
            item.source.clone(),
            item.verdict
                .as_ref()
                .map_or("-".to_owned(), |(status, _)| status.clone()),
            item.risks
                .iter()
                .map(|(rule, severity)| format!("{rule} ({severity})"))
                .collect::<Vec<_>>()
                .join(", "),
        ]);
    }
    if report.items.is_empty() {
        text.push_str("  No developer tools found in the known locations.\n");
    } else {
        text.push_str(&table.render_fit("  ", width));
    }
    text.push_str(&format!(
        "\n{} items: {} approved or not governed, {} unapproved (shadow IT), {} denied; {} risks.\n",
        report.total, report.approved, report.unapproved, report.denied, report.risks
    ));
    for item in &report.items {
        if let Some((status, reason)) = item.verdict.as_ref().filter(|(s, _)| s != "approved") {
            text.push_str(&format!(
                "  {}: {} — {}\n",
                status,
                escape(&item.id),
                escape(reason)
            ));
        }
    }
    for w in &report.warnings {
        match w.line {
            Some(line) => text.push_str(&format!(
                "warning: {}:{line}: {}\n",
                escape(&w.path),
                escape(&w.message)
            )),
            None => text.push_str(&format!(
                "warning: {}: {}\n",
                escape(&w.path),
                escape(&w.message)
            )),
        }
    }
    text
}

/// After a workstation scan recorded its sightings.
pub fn recorded(sightings: u64, database: &str) -> String {
    format!(
        "\nRecorded {sightings} new sightings in {}.\n",
        escape(database)
    )
}

/// After a workstation scan was sent to a server (`url` without its credentials).
pub fn submitted(url: &str, status: &str) -> String {
    format!("Submitted to {}: {}.\n", escape(url), escape(status))
}

/// What to say when no recorded use matches.
pub const NO_USES: &str = "No tools recorded match. Record some with `devspm scan` (repositories) or `devspm tools scan` (this workstation).\n";

/// The uses of tools fitted to `width`, where and by whom, with the counts and the signals.
pub fn uses(rows: &[ToolUseRow], signals: &[String], width: Option<usize>) -> String {
    if rows.is_empty() {
        return NO_USES.to_owned();
    }
    let mut table = Table::new(&[
        ("tool", false),
        ("ref/version", false),
        ("kind", false),
        ("where", false),
        ("who", false),
        ("since", false),
    ]);
    table
        .shrink(0)
        .shrink(1)
        .shrink(3)
        .shrink(4)
        .drop_rank(2, 1);
    for r in rows {
        let place = match r.origin {
            "workstation" => format!("{}:~/{}", r.host.as_deref().unwrap_or("?"), r.path),
            _ => match r.line {
                Some(line) => format!(
                    "{}:{}:{line}",
                    r.repository.as_deref().unwrap_or("?"),
                    r.path
                ),
                None => format!("{}:{}", r.repository.as_deref().unwrap_or("?"), r.path),
            },
        };
        let who = r
            .identity_name
            .clone()
            .or_else(|| r.identity.clone())
            .unwrap_or_else(|| "-".into());
        let who = match (&r.introduced_in, r.origin) {
            (Some(c), "repository") => format!("{who} in {}", &c[..c.len().min(10)]),
            _ => who,
        };
        // Since when: the introducing commit's date in a repository, else when the inventory
        // first saw it.
        let since = match r.introduced_at {
            Some(_) => date(r.introduced_at),
            None => r.first_seen[..r.first_seen.len().min(10)].to_owned(),
        };
        table.row(vec![
            r.name.clone(),
            r.version.clone().unwrap_or_else(|| "-".into()),
            r.kind.clone(),
            place,
            who,
            since,
        ]);
    }
    let repositories: BTreeSet<_> = rows
        .iter()
        .filter_map(|r| r.repository.as_deref())
        .collect();
    let hosts: BTreeSet<_> = rows.iter().filter_map(|r| r.host.as_deref()).collect();
    let mut text = table.render_fit("", width);
    text.push_str(&format!(
        "\n{} uses in {} repositories and on {} workstations.\n",
        rows.len(),
        repositories.len(),
        hosts.len()
    ));
    for signal in signals {
        text.push_str(&format!("signal: {}\n", escape(signal)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "x\x1b]0;t\x07\u{202e}\r";

    #[test]
    fn workstation_escapes_and_lists_what_is_not_approved() {
        let report = Workstation {
            host: HOSTILE.into(),
            home: "/home/dev".into(),
            items: vec![Item {
                kind: "extension".into(),
                id: HOSTILE.into(),
                source: "vscode".into(),
                verdict: Some(("denied".into(), HOSTILE.into())),
                risks: vec![("wildcard".into(), "high".into())],
                ..Item::default()
            }],
            warnings: vec![Warning {
                path: HOSTILE.into(),
                line: Some(3),
                message: HOSTILE.into(),
            }],
            total: 1,
            denied: 1,
            ..Workstation::default()
        };
        let text = workstation(&report, None);
        assert!(!text.contains(['\x1b', '\x07', '\u{202e}', '\r']), "{text}");
        assert!(text.contains("developer unknown (no git user.email; pass --identity)"));
        assert!(text.contains("  denied: x\\x1b"));
        assert!(text.contains("wildcard (high)"));
        assert!(text.contains(":3: x\\x1b"));
    }

    #[test]
    fn uses_say_where_who_and_since() {
        assert_eq!(uses(&[], &[], None), NO_USES);
        let row = ToolUseRow {
            origin: "repository",
            repository: Some("app".into()),
            kind: "action".into(),
            name: "actions/checkout".into(),
            version: Some("v4".into()),
            path: ".github/workflows/ci.yml".into(),
            line: Some(12),
            introduced_in: Some("0123456789abcdef".into()),
            introduced_at: Some(0),
            identity_name: Some(format!("Eve {HOSTILE}")),
            first_seen: "2026-01-02T00:00:00Z".into(),
            ..ToolUseRow::default()
        };
        let text = uses(&[row], &[HOSTILE.to_owned()], None);
        assert!(text.contains("app:.github/workflows/ci.yml:12"));
        assert!(text.contains(" in 0123456789"));
        assert!(text.contains("1970-01-01"));
        assert!(text.contains("1 uses in 1 repositories and on 0 workstations."));
        assert!(!text.contains(['\x1b', '\x07', '\u{202e}', '\r']), "{text}");
    }
}
