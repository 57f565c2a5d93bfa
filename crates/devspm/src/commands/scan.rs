//! `devspm scan` and `devspm ingest git`: flags → the engine's scan pipeline
//! (`devspm_engine::scan`) → the summary (`devspm_report::scan`) on the terminal or as JSON.

use anyhow::Context;
use devspm_engine::scan::{IngestSettings, ScanOptions};

use crate::cli::{Format, GlobalArgs, IngestFlags, IngestGitArgs, ScanArgs};
use crate::output::{emit, emit_json};
use crate::settings::Settings;

fn ingest_settings(flags: &IngestFlags) -> IngestSettings {
    IngestSettings {
        refs: flags.refs.clone(),
        threads: flags.threads,
        batch_size: flags.batch_size.map(|b| b as usize),
    }
}

pub fn scan(settings: &Settings, global: &GlobalArgs, args: &ScanArgs) -> anyhow::Result<i32> {
    // The repository is checked before the database is opened (or created).
    let repo = devspm_git::open(&args.path)?;
    let mut store = settings.open_store()?;
    let report = devspm_engine::scan::scan(
        &settings.context(),
        &mut store,
        &repo,
        &ScanOptions {
            ingest: ingest_settings(&args.ingest),
            top: args.top,
            detectors: !args.no_detectors,
            fail_on: args.fail_on.map(|l| l.as_str().to_owned()),
        },
    )?;
    match global.format {
        Format::Json => emit_json(&report)?,
        // The repository's findings after the scan, for a code-scanning upload, a spreadsheet
        // or a job summary.
        format @ (Format::Csv | Format::Markdown | Format::Sarif) => {
            let (findings, hidden) = devspm_engine::views::recorded_in(
                &settings.context(),
                &store,
                &repo,
                None,
                format != Format::Markdown,
            )?;
            crate::output::emit_findings(
                format,
                &format!("devspm scan of {}", report.summary.name),
                &findings,
                hidden,
                &[],
            )?;
        }
        // -q: errors only (the record is made all the same; `--format json` still prints the
        // report a script asked for).
        _ if global.quiet => {}
        _ => emit(&devspm_report::scan::summary(
            &devspm_engine::views::scan_summary(&report),
        ))?,
    }
    Ok(crate::commands::findings::gate_status(
        global,
        report.gate.as_ref(),
    ))
}

pub fn ingest_git(
    settings: &Settings,
    global: &GlobalArgs,
    args: &IngestGitArgs,
) -> anyhow::Result<i32> {
    // Every repository is opened before the database is: a typo fails before anything is written.
    let repos =
        devspm_engine::scan::open_repositories(&args.paths, args.recursive, args.max_depth)?;
    let mut store = settings.open_store()?;
    let ctx = settings.context();
    let ingest = ingest_settings(&args.ingest);
    let mut results = Vec::new();
    for repo in &repos {
        let result = devspm_engine::scan::ingest(&ctx, &mut store, repo, &ingest)
            .with_context(|| format!("ingest of {} failed", repo.path.display()))?;
        if global.format == Format::Table && !global.quiet {
            emit(&devspm_report::scan::ingest_line(
                &result.report.name,
                &devspm_engine::views::ingest_run(&result),
                result.report.history_rewrites,
                result.report.new_gaps,
            ))?;
        }
        results.push(result);
    }
    let run = devspm_engine::scan::finish_ingest(&ctx, &mut store, &repos, results)?;
    match global.format {
        // Through a JSON value: its keys in alphabetical order, as every object devspm prints.
        Format::Json => emit_json(&serde_json::to_value(&run)?)?,
        _ if !global.quiet => emit(&devspm_report::scan::ingest_end(
            run.identity_events_appended,
            &devspm_engine::views::signals_run(&run.signals),
            &run.database,
        ))?,
        _ => {}
    }
    Ok(0)
}
