//! `devspm posture` and `devspm posture explain SUBJECT`: the flags, the engine's posture
//! report, and its rendering by `devspm_report::posture` (a table, CSV or Markdown) or as JSON.

use devspm_engine::posture::PostureRequest;
use devspm_report::posture;

use crate::cli::{Format, GlobalArgs, PostureArgs, PostureCommand};
use crate::output::{emit, emit_json, terminal_width};
use crate::settings::Settings;

pub fn run(settings: &Settings, global: &GlobalArgs, args: &PostureArgs) -> anyhow::Result<i32> {
    // The pseudonyms' key may have to be made: only then is the ledger opened for writing.
    let mut store = if args.pseudonymize {
        settings.open_store()?
    } else {
        settings.open_store_read_only()?
    };
    let workdir = std::env::current_dir().ok();
    let request = PostureRequest {
        since: args.since.as_deref(),
        until: args.until.as_deref(),
        repo: args.repo.as_deref(),
        developer: args.developer.as_deref(),
        team: args.team.as_deref(),
        agent: args.agent.as_deref(),
        workdir: workdir.as_deref(),
    };
    let ctx = settings.context();
    let pseudonyms = match args.pseudonymize {
        true => Some(devspm_engine::report::pseudonyms(&ctx, &mut store)?),
        false => None,
    };
    match &args.command {
        Some(PostureCommand::Explain { subject }) => {
            let mut explanation = devspm_engine::posture::explain(&ctx, &store, &request, subject)?;
            if let Some(p) = &pseudonyms {
                p.explanation(&mut explanation);
            }
            match global.format {
                Format::Json => emit_json(&explanation)?,
                Format::Csv => emit(&posture::explain_csv(&explanation))?,
                Format::Markdown => emit(&posture::explain_markdown(&explanation))?,
                Format::Table | Format::Sarif | Format::Html => {
                    emit(&posture::explain_table(&explanation))?
                }
            }
        }
        None => {
            let mut report = devspm_engine::posture::posture(&ctx, &store, &request)?;
            if let Some(p) = &pseudonyms {
                p.posture(&mut report);
            }
            match global.format {
                Format::Json => emit_json(&report)?,
                Format::Csv => emit(&posture::csv(&report))?,
                Format::Markdown => emit(&posture::markdown(&report))?,
                Format::Table | Format::Sarif | Format::Html => {
                    emit(&posture::table(&report, terminal_width()))?
                }
            }
        }
    }
    Ok(0)
}
