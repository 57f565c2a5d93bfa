//! `devspm import` (flags → `devspm_engine::import` → the runs as a table or JSON),
//! `devspm import --undo IMPORT_ID` and `devspm import --list`
//! (`devspm_engine::import::withdraw`).

use std::path::Path;

use anyhow::Context;
use devspm_engine::import::{ImportInput, ImportOptions, ImportReport};

use crate::cli::{Format, GlobalArgs, ImportArgs};
use crate::output::{Table, count, emit, emit_json, escape};
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
        Format::Table | Format::Html => emit(&render(&report))?,
    }
    Ok(crate::commands::findings::gate_status(
        global,
        report.gate.as_ref(),
    ))
}

fn render(report: &ImportReport) -> String {
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
    for r in &report.runs {
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
    let mut out = format!(
        "Imported into {}\n\n{}",
        escape(&report.repository),
        t.render("  ")
    );
    let recorded: Vec<&str> = report
        .runs
        .iter()
        .filter(|r| !r.already_imported)
        .map(|r| r.import.as_str())
        .collect();
    if !recorded.is_empty() {
        out.push_str(&format!(
            "\nRecorded as import {} (a mistake? `devspm import --undo ID` withdraws one).\n",
            recorded.join(", ")
        ));
    }
    if let Some(a) = &report.attribution {
        out.push_str(&format!(
            "\nAttribution: {} attributed, {} unattributable ({} files blamed, {} from cache)\n",
            count(a.attributed),
            count(a.unattributable),
            count(a.files_blamed),
            count(a.files_cached)
        ));
        out.push_str("List them with `devspm findings`.\n");
    }
    if report.ignored > 0 {
        out.push_str(&format!(
            "{} open findings ignored (`devspm findings --show-ignored` lists them with the reason).\n",
            count(report.ignored as u64)
        ));
    }
    out
}

/// `devspm import --undo IMPORT_ID`.
fn undo(settings: &Settings, global: &GlobalArgs, id: &str) -> anyhow::Result<i32> {
    let mut store = settings.open_store()?;
    let done = devspm_engine::import::withdraw::withdraw(&mut store, id)?;
    let record = &done.import;
    match global.format {
        Format::Json => emit_json(&done)?,
        _ => emit(&format!(
            "Withdrew import {} ({} results of {} from {}, recorded {}): {} finding(s) withdrawn, {} open again, {} fixed again, {} set back to where an earlier import saw them. Recorded as event {}; the import itself stays on the ledger.\n",
            record.import,
            count(record.results),
            escape(&record.tool),
            escape(&record.source),
            &record.at[..record.at.len().min(10)],
            done.withdrawn,
            done.open_again,
            done.fixed_again,
            done.set_back,
            done.seq
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
    if imports.is_empty() {
        emit(&format!(
            "No imports recorded{}.\n",
            repo.as_ref()
                .map(|r| format!(" for {}", escape(&r.name)))
                .unwrap_or_default()
        ))?;
        return Ok(0);
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
    for r in &imports {
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
    emit(&format!(
        "{}\nWithdraw one recorded by mistake with `devspm import --undo IMPORT_ID`.\n",
        t.render("")
    ))?;
    Ok(0)
}
