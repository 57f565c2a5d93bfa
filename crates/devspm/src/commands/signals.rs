//! `devspm signals`: the flags, the engine's listing, and its rendering by `devspm-report`.

use devspm_engine::signals::SignalsRequest;

use crate::cli::{Format, GlobalArgs, SignalsArgs};
use crate::output::{emit, emit_json};
use crate::settings::Settings;

pub fn run(settings: &Settings, global: &GlobalArgs, args: &SignalsArgs) -> anyhow::Result<i32> {
    let store = settings.open_store_read_only()?;
    let report = devspm_engine::signals::list(
        &store,
        &SignalsRequest {
            since: args.since.as_deref(),
            severity: args.severity.as_deref(),
            developer: args.developer.as_deref(),
            repo: args.repo.as_deref(),
            all: args.all,
        },
    )?;
    match global.format {
        Format::Json => emit_json(&report)?,
        Format::Csv => emit(&devspm_report::signals::csv(&report))?,
        _ => emit(&devspm_report::signals::text(&report))?,
    }
    Ok(0)
}
