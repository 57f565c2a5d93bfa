//! `devspm ai`: flags → `devspm_engine::ai_report` (AI involvement in recorded commits, by
//! agent, accountable developer, team, repository and month) → `devspm_report::ai` (a table,
//! CSV or Markdown) or JSON.

use devspm_engine::ai_report::Scope;

use crate::cli::{AiArgs, Format, GlobalArgs};
use crate::output::{emit, emit_json};
use crate::settings::Settings;

pub fn run(settings: &Settings, global: &GlobalArgs, args: &AiArgs) -> anyhow::Result<i32> {
    let mut store = settings.open_store()?;
    let here = std::env::current_dir().ok();
    let scope = match &args.path {
        Some(path) => Scope::Path(path),
        None if args.all_repos => Scope::All,
        None => Scope::Around(here.as_deref()),
    };
    let report = devspm_engine::ai_report::report(&settings.context(), &mut store, scope)?;
    match global.format {
        Format::Json => emit_json(&report)?,
        Format::Csv => emit(&devspm_report::ai::csv(&report)?)?,
        Format::Markdown => emit(&devspm_report::ai::markdown(&report))?,
        Format::Table | Format::Sarif | Format::Html => {
            emit(&devspm_report::ai::table(&report, args.top))?
        }
    }
    Ok(0)
}
