//! `devspm import` as text: what each report's producers did (new, fixed, reopened,
//! duplicates), the attribution that followed, the imports on record (`--list`) and a
//! withdrawal (`--undo`). The engine imports; the shapes it returns for display live here.

use std::path::Path;

use serde::Serialize;

use crate::attribution::AttributionReport;
use crate::number::count;
use crate::table::Table;
use crate::terminal::escape;

/// What one producer's results in one report did.
#[derive(Clone, Debug, Serialize)]
pub struct ImportedRun {
    /// The import's id (what the engine's `import::withdraw::withdraw` takes).
    pub import: String,
    pub file: String,
    pub format: String,
    pub tool: String,
    pub revision: Option<String>,
    pub results: u64,
    pub new: u64,
    pub seen: u64,
    pub fixed: u64,
    pub reopened: u64,
    pub duplicates: u64,
    pub unplaced: u64,
    /// The same results were imported before: nothing changed.
    pub already_imported: bool,
}

/// An import on record, as `--list` and `--undo` show it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub import: String,
    pub tool: String,
    /// The input file's name.
    pub source: String,
    pub revision: Option<String>,
    pub results: u64,
    pub new: u64,
    pub fixed: u64,
    /// When it was recorded (RFC 3339).
    pub at: String,
    /// The event that withdrew it.
    pub withdrawn_seq: Option<u64>,
}

/// What a withdrawal set back.
#[derive(Clone, Debug)]
pub struct Withdrawn {
    pub import: Recorded,
    /// The `import_withdrawn` event.
    pub seq: u64,
    pub withdrawn: usize,
    pub open_again: usize,
    pub fixed_again: usize,
    pub set_back: usize,
}

/// The runs of an import into `repository` as a table, then how to undo one, the attribution
/// and the findings ignores set aside.
pub fn imported(
    repository: &str,
    runs: &[ImportedRun],
    attribution: Option<&AttributionReport>,
    ignored: usize,
) -> String {
    let mut t = Table::new(&[
        ("file", false),
        ("tool", false),
        ("format", false),
        ("results", true),
        ("new", true),
        ("fixed", true),
        ("reopened", true),
        ("duplicates", true),
    ]);
    for r in runs {
        t.row(vec![
            Path::new(&r.file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            r.tool.clone(),
            r.format.clone(),
            count(r.results),
            if r.already_imported {
                "(already imported)".into()
            } else {
                count(r.new)
            },
            count(r.fixed),
            count(r.reopened),
            count(r.duplicates),
        ]);
    }
    let mut out = format!("Imported into {}\n\n{}", escape(repository), t.render("  "));
    let recorded: Vec<String> = runs
        .iter()
        .filter(|r| !r.already_imported)
        .map(|r| escape(&r.import).into_owned())
        .collect();
    if !recorded.is_empty() {
        out.push_str(&format!(
            "\nRecorded as import {} (a mistake? `devspm import --undo ID` withdraws one).\n",
            recorded.join(", ")
        ));
    }
    if let Some(a) = attribution {
        out.push_str(&format!(
            "\nAttribution: {} attributed, {} unattributable ({} files blamed, {} from cache)\n",
            count(a.attributed),
            count(a.unattributable),
            count(a.files_blamed),
            count(a.files_cached)
        ));
        out.push_str("List them with `devspm findings`.\n");
    }
    if ignored > 0 {
        out.push_str(&format!(
            "{} open findings ignored (`devspm findings --show-ignored` lists them with the reason).\n",
            count(ignored as u64)
        ));
    }
    out
}

/// `devspm import --undo`: what was withdrawn and set back, and that the import stays on record.
pub fn withdrawn(done: &Withdrawn) -> String {
    let record = &done.import;
    format!(
        "Withdrew import {} ({} results of {} from {}, recorded {}): {} finding(s) withdrawn, {} open again, {} fixed again, {} set back to where an earlier import saw them. Recorded as event {}; the import itself stays on the ledger.\n",
        escape(&record.import),
        count(record.results),
        escape(&record.tool),
        escape(&record.source),
        escape(&record.at[..record.at.len().min(10)]),
        done.withdrawn,
        done.open_again,
        done.fixed_again,
        done.set_back,
        done.seq
    )
}

/// `devspm import --list`: the imports on record as a table (of `repository`, when one was
/// chosen), or that there are none.
pub fn list(imports: &[Recorded], repository: Option<&str>) -> String {
    if imports.is_empty() {
        return format!(
            "No imports recorded{}.\n",
            repository
                .map(|name| format!(" for {}", escape(name)))
                .unwrap_or_default()
        );
    }
    let mut t = Table::new(&[
        ("import", false),
        ("recorded", false),
        ("tool", false),
        ("file", false),
        ("revision", false),
        ("results", true),
        ("new", true),
        ("fixed", true),
        ("status", false),
    ]);
    for r in imports {
        t.row(vec![
            r.import.clone(),
            r.at[..r.at.len().min(10)].to_owned(),
            r.tool.clone(),
            r.source.clone(),
            r.revision
                .as_deref()
                .map_or("-".to_owned(), |v| v[..v.len().min(10)].to_owned()),
            count(r.results),
            count(r.new),
            count(r.fixed),
            match r.withdrawn_seq {
                Some(seq) => format!("withdrawn (event {seq})"),
                None => "recorded".to_owned(),
            },
        ]);
    }
    format!(
        "{}\nWithdraw one recorded by mistake with `devspm import --undo IMPORT_ID`.\n",
        t.render("")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(import: &str) -> Recorded {
        Recorded {
            import: import.into(),
            tool: "semgrep\x1b[2J".into(),
            source: "report\u{202e}.sarif".into(),
            revision: Some("0123456789abcdef".into()),
            results: 1200,
            new: 3,
            fixed: 1,
            at: "2026-01-02T03:04:05Z".into(),
            withdrawn_seq: None,
        }
    }

    #[test]
    fn runs_attribution_and_ignores() {
        let run = ImportedRun {
            import: "imp1".into(),
            file: "/tmp/x/semgrep.sarif".into(),
            format: "sarif".into(),
            tool: "semgrep\x1b]0;t\x07".into(),
            revision: None,
            results: 1500,
            new: 2,
            seen: 0,
            fixed: 0,
            reopened: 0,
            duplicates: 0,
            unplaced: 0,
            already_imported: false,
        };
        let text = imported("repo\r", &[run], Some(&AttributionReport::default()), 2);
        assert!(text.starts_with("Imported into repo\\r\n\n"));
        assert!(text.contains("semgrep.sarif") && text.contains("1,500"));
        assert!(text.contains("Recorded as import imp1 "));
        assert!(text.contains("List them with `devspm findings`.\n"));
        assert!(text.ends_with("2 open findings ignored (`devspm findings --show-ignored` lists them with the reason).\n"));
        assert!(!text.contains(['\x1b', '\x07', '\r']));
    }

    #[test]
    fn list_and_withdrawal_escape_outside_text() {
        assert_eq!(
            list(&[], Some("r\x1b")),
            "No imports recorded for r\\x1b.\n"
        );
        let text = list(&[record("imp1")], None);
        assert_eq!(text.lines().count(), 4);
        assert!(text.contains("0123456789 ") && text.contains("recorded"));
        let done = withdrawn(&Withdrawn {
            import: record("imp1"),
            seq: 9,
            withdrawn: 3,
            open_again: 1,
            fixed_again: 0,
            set_back: 2,
        });
        assert!(
            done.starts_with("Withdrew import imp1 (1,200 results of semgrep\\x1b[2J from report")
        );
        assert!(!done.contains(['\x1b', '\u{202e}']));
    }
}
