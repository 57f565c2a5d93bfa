//! `devspm import` (flags → `devspm_engine::import` → the runs as a table
//! (`devspm_report::import`) or JSON),
//! `devspm import --undo IMPORT_ID` and `devspm import --list`
//! (`devspm_engine::import::withdraw`).

use anyhow::Context;
use devspm_engine::import::{ImportInput, ImportOptions};

use crate::cli::{Format, GlobalArgs, ImportArgs};
use crate::output::{emit, emit_json};
use crate::settings::Settings;

pub fn run(settings: &Settings, global: &GlobalArgs, args: &ImportArgs) -> anyhow::Result<i32> {
    if let Some(id) = &args.undo {
        return undo(settings, global, id);
    }
    if args.list {
        return list(settings, global, args);
    }
    for file in &args.files {
        if !file.is_file() {
            anyhow::bail!("{}: no such file", file.display());
        }
    }
    let repo = devspm_git::open(&args.repo).with_context(|| {
        format!(
            "findings are attributed against a git repository; pass --repo PATH (tried {})",
            args.repo.display()
        )
    })?;
    let mut store = settings.open_store()?;
    let inputs = args
        .files
        .iter()
        .map(|f| ImportInput::open(f))
        .collect::<Result<Vec<_>, _>>()?;
    let report = devspm_engine::import::import(
        &settings.context(),
        &mut store,
        &repo,
        inputs,
        &ImportOptions {
            revision: args.revision.clone(),
            tool: args.tool.clone(),
            partial: args.partial,
            force: args.force,
            attribute: !args.no_attribute,
            fail_on: args.fail_on.map(|l| l.as_str().to_owned()),
        },
    )?;
    let warnings = &report.warnings;
    crate::output::warnings(global, warnings.kept(), warnings.total());
    match global.format {
        Format::Json => emit_json(&report)?,
        // The findings of the imported producers in this repository, attributed.
        format @ (Format::Csv | Format::Markdown | Format::Sarif) => {
            let tools: std::collections::HashSet<String> =
                report.runs.iter().map(|r| r.tool.clone()).collect();
            let (findings, hidden) = devspm_engine::views::recorded_in(
                &settings.context(),
                &store,
                &repo,
                Some(&tools),
                format != Format::Markdown,
            )?;
            crate::output::emit_findings(
                format,
                &format!("devspm import into {}", report.repository),
                &findings,
                hidden,
                &[],
            )?;
        }
        Format::Table | Format::Html => emit(&devspm_report::import::imported(
            &report.repository,
            &report.runs,
            report.attribution.as_ref(),
            report.ignored,
        ))?,
    }
    Ok(crate::commands::findings::gate_status(
        global,
        report.gate.as_ref(),
    ))
}

/// `devspm import --undo IMPORT_ID`.
fn undo(settings: &Settings, global: &GlobalArgs, id: &str) -> anyhow::Result<i32> {
    let mut store = settings.open_store()?;
    let done = devspm_engine::import::withdraw::withdraw(&mut store, id)?;
    match global.format {
        Format::Json => emit_json(&done)?,
        _ => emit(&devspm_report::import::withdrawn(
            &devspm_engine::views::withdrawal(&done),
        ))?,
    }
    Ok(0)
}

/// `devspm import --list`.
fn list(settings: &Settings, global: &GlobalArgs, args: &ImportArgs) -> anyhow::Result<i32> {
    let store = settings.open_store_read_only()?;
    let repo = if args.all_repos {
        None
    } else {
        match devspm_git::open(&args.repo) {
            Ok(repo) => Some(repo),
            Err(_) if args.repo.as_os_str() == "." => None,
            Err(e) => return Err(e).with_context(|| format!("--repo {}", args.repo.display())),
        }
    };
    let imports =
        devspm_engine::import::withdraw::imports(&store, repo.as_ref().map(|r| r.id.as_str()))?;
    if global.format == Format::Json {
        emit_json(&imports)?;
        return Ok(0);
    }
    let shown: Vec<_> = imports
        .iter()
        .map(devspm_engine::views::import_record)
        .collect();
    emit(&devspm_report::import::list(
        &shown,
        repo.as_ref().map(|r| r.name.as_str()),
    ))?;
    Ok(0)
}
