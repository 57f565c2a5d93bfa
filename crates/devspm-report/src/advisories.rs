//! `devspm advisories import` and `devspm advisories status` as text: what loading each
//! advisory source did, and the sources loaded. The data is the engine's (it loads and
//! records); the shapes live here, with the renderer that shows them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::table::Table;
use crate::terminal::escape;

/// What to say when no advisory data is loaded.
pub const NO_DATA_HINT: &str = "No advisory data loaded: dependency findings need it. Load OSV or RustSec data with `devspm advisories import PATH` (a folder of OSV JSON/YAML, an OSV all.zip, or a RustSec advisory-db checkout).";

/// What loading one advisory source did.
#[derive(Clone, Debug, Serialize)]
pub struct AdvisoriesImport {
    /// The source as loaded (its canonical path).
    pub source: String,
    pub layout: String,
    pub files_read: usize,
    pub advisories: usize,
    pub withdrawn: usize,
    pub skipped: usize,
    pub data_date: Option<String>,
    pub ecosystems: BTreeMap<String, u64>,
    /// `false` when the same data was loaded before (nothing changed).
    pub recorded: bool,
    pub warnings: Vec<String>,
}

/// A loaded advisory source, as `advisories status` shows it: the ledger's row (`devspm-core`).
pub use devspm_core::advisory::AdvisorySourceRow;

/// Warnings shown per source unless every one is asked for (`verbose`).
const WARNINGS_SHOWN: usize = 5;

/// Each source loaded: counts, layout, data date, ecosystems and its first warnings (all of
/// them when `verbose`).
pub fn imports(outputs: &[AdvisoriesImport], verbose: bool) -> String {
    let mut text = String::new();
    for o in outputs {
        text.push_str(&format!(
            "{}: {} advisories ({} withdrawn) from {} files, layout {}, data as of {}; {}\n",
            escape(&o.source),
            o.advisories,
            o.withdrawn,
            o.files_read,
            o.layout,
            escape(o.data_date.as_deref().unwrap_or("unknown")),
            if o.recorded {
                "loaded"
            } else {
                "unchanged since the last import"
            }
        ));
        let ecos: Vec<String> = o
            .ecosystems
            .iter()
            .map(|(e, n)| format!("{} {n}", escape(e)))
            .collect();
        text.push_str(&format!("  ecosystems: {}\n", ecos.join(", ")));
        if o.skipped > 0 || !o.warnings.is_empty() {
            text.push_str(&format!(
                "  {} skipped, {} warnings{}\n",
                o.skipped,
                o.warnings.len(),
                if !verbose && o.warnings.len() > WARNINGS_SHOWN {
                    " (first 5 below; -v for all)"
                } else {
                    ""
                }
            ));
            let shown = if verbose {
                o.warnings.len()
            } else {
                WARNINGS_SHOWN
            };
            for w in o.warnings.iter().take(shown) {
                text.push_str(&format!("  warning: {}\n", escape(w)));
            }
        }
    }
    text
}

/// The sources loaded as a table, or the hint to load some.
pub fn status(sources: &[AdvisorySourceRow]) -> String {
    if sources.is_empty() {
        return format!("{NO_DATA_HINT}\n");
    }
    let mut table = Table::new(&[
        ("source", false),
        ("layout", false),
        ("advisories", true),
        ("data as of", false),
        ("loaded", false),
    ]);
    for s in sources {
        table.row(vec![
            s.source.clone(),
            s.layout.clone(),
            s.advisories.to_string(),
            s.data_date.clone().unwrap_or_else(|| "-".into()),
            s.loaded_at[..s.loaded_at.len().min(19)].to_owned(),
        ]);
    }
    table.render("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_text_is_escaped_and_warnings_are_capped() {
        let import = AdvisoriesImport {
            source: "/data/osv\x1b]0;pwned\x07".into(),
            layout: "osv".into(),
            files_read: 3,
            advisories: 2,
            withdrawn: 1,
            skipped: 1,
            data_date: Some("2026-01-02\r".into()),
            ecosystems: BTreeMap::from([("crates.io\x1b[2J".to_owned(), 2)]),
            recorded: true,
            warnings: (0..7).map(|i| format!("w{i}\u{202e}")).collect(),
        };
        let text = imports(std::slice::from_ref(&import), false);
        assert!(!text.contains('\x1b') && !text.contains('\r') && !text.contains('\u{202e}'));
        assert!(text.contains("1 skipped, 7 warnings (first 5 below; -v for all)"));
        assert_eq!(text.matches("  warning: ").count(), 5);
        let all = imports(&[import], true);
        assert_eq!(all.matches("  warning: ").count(), 7);
        assert!(!all.contains("first 5 below"));
    }

    #[test]
    fn status_is_a_table_or_the_hint() {
        assert_eq!(status(&[]), format!("{NO_DATA_HINT}\n"));
        let text = status(&[AdvisorySourceRow {
            source: "/osv\x1b[31m".into(),
            layout: "osv".into(),
            data_date: None,
            advisories: 12,
            loaded_at: "2026-01-02T03:04:05.678Z".into(),
        }]);
        assert!(!text.contains('\x1b'));
        assert!(text.contains("2026-01-02T03:04:05  ") || text.ends_with("2026-01-02T03:04:05\n"));
        assert_eq!(text.lines().count(), 2);
    }
}
