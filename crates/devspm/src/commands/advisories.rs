//! `devspm advisories import` and `devspm advisories status`: load OSV and RustSec data (the
//! engine's `advisories` module does the loading and the dependency detector) and show what is
//! loaded.

use devspm_engine::advisories::{AdvisoriesImport, NO_DATA_HINT};
use devspm_ledger::GovernanceStore;

use crate::cli::{AdvisoriesImportArgs, Format, GlobalArgs};
use crate::output::{self, Table, escape};
use crate::settings::Settings;

pub fn import(
    settings: &Settings,
    global: &GlobalArgs,
    args: &AdvisoriesImportArgs,
) -> anyhow::Result<i32> {
    devspm_engine::advisories::check_paths(&args.paths)?;
    let mut store = settings.open_store()?;
    let outputs: Vec<AdvisoriesImport> =
        devspm_engine::advisories::import(&settings.context(), &mut store, &args.paths)?;
    match global.format {
        Format::Json => output::emit_json(&outputs)?,
        _ => {
            let mut text = String::new();
            for o in &outputs {
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
                        if global.verbose == 0 && o.warnings.len() > 5 {
                            " (first 5 below; -v for all)"
                        } else {
                            ""
                        }
                    ));
                    let shown = if global.verbose > 0 {
                        o.warnings.len()
                    } else {
                        5
                    };
                    for w in o.warnings.iter().take(shown) {
                        text.push_str(&format!("  warning: {}\n", escape(w)));
                    }
                }
            }
            output::emit(&text)?;
        }
    }
    Ok(0)
}

pub fn status(settings: &Settings, global: &GlobalArgs) -> anyhow::Result<i32> {
    let store = settings.open_store_read_only()?;
    let sources = store.advisory_sources()?;
    match global.format {
        Format::Json => output::emit_json(&sources)?,
        _ => {
            if sources.is_empty() {
                output::emit(NO_DATA_HINT)?;
                output::emit("\n")?;
                return Ok(0);
            }
            let mut table = Table::new(&[
                ("source", false),
                ("layout", false),
                ("advisories", true),
                ("data as of", false),
                ("loaded", false),
            ]);
            for s in &sources {
                table.row(vec![
                    s.source.clone(),
                    s.layout.clone(),
                    s.advisories.to_string(),
                    s.data_date.clone().unwrap_or_else(|| "-".into()),
                    s.loaded_at[..s.loaded_at.len().min(19)].to_owned(),
                ]);
            }
            output::emit(&table.render(""))?;
        }
    }
    Ok(0)
}
