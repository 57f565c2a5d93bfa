//! `devspm advisories import` and `devspm advisories status`: load OSV and RustSec data (the
//! engine's `advisories` module does the loading and the dependency detector) and show what is
//! loaded (`devspm_report::advisories`).

use crate::cli::{AdvisoriesImportArgs, Format, GlobalArgs};
use crate::output;
use crate::settings::Settings;

pub fn import(
    settings: &Settings,
    global: &GlobalArgs,
    args: &AdvisoriesImportArgs,
) -> anyhow::Result<i32> {
    devspm_engine::advisories::check_paths(&args.paths)?;
    let mut store = settings.open_store()?;
    let outputs = devspm_engine::advisories::import(&settings.context(), &mut store, &args.paths)?;
    match global.format {
        Format::Json => output::emit_json(&outputs)?,
        _ => output::emit(&devspm_report::advisories::imports(
            &outputs,
            global.verbose > 0,
        ))?,
    }
    Ok(0)
}

pub fn status(settings: &Settings, global: &GlobalArgs) -> anyhow::Result<i32> {
    let store = settings.open_store_read_only()?;
    let sources = devspm_engine::advisories::status(&store)?;
    match global.format {
        Format::Json => output::emit_json(&sources)?,
        _ => output::emit(&devspm_report::advisories::status(&sources))?,
    }
    Ok(0)
}
