//! `devspm report`: flags → `devspm_engine::report` → one self-contained HTML file
//! (`devspm_report::report::html`), a Markdown summary or JSON, to standard output or `-o FILE`.

use devspm_engine::report::ReportRequest;

use crate::cli::{Format, GlobalArgs, ReportArgs};
use crate::output::emit_json;
use crate::settings::Settings;

pub fn run(settings: &Settings, global: &GlobalArgs, args: &ReportArgs) -> anyhow::Result<i32> {
    // The pseudonyms' key may have to be made: only then is the ledger opened for writing.
    let mut store = if args.pseudonymize {
        settings.open_store()?
    } else {
        settings.open_store_read_only()?
    };
    let workdir = std::env::current_dir().ok();
    let request = ReportRequest {
        since: args.since.as_deref(),
        until: args.until.as_deref(),
        repo: args.repo.as_deref(),
        pseudonymize: args.pseudonymize,
        workdir: workdir.as_deref(),
    };
    let report = devspm_engine::report::report(&settings.context(), &mut store, &request)?;
    let text = match global.format {
        Format::Json => {
            if args.output.is_none() {
                emit_json(&report)?;
                return Ok(0);
            }
            devspm_report::json::to_string_pretty(&report)?
        }
        Format::Markdown => devspm_report::report::markdown::render(&report),
        _ => devspm_report::report::html::render(&report),
    };
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        // HTML and Markdown escape every outside text for their format, and terminal controls
        // with it: what reaches standard output is inert.
        None => crate::output::emit(&text)?,
    }
    Ok(0)
}
