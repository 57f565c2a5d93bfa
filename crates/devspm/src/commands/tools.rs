//! `devspm tools scan` and `devspm tools list`: flags → `devspm_engine::tools` (the
//! workstation inventory judged by the policy and recorded; the recorded uses of tools and the
//! tool-spread signal) → a table (`devspm_report::tools`) or JSON; `--submit` sends the scan's
//! JSON to a server.

use crate::cli::{Format, GlobalArgs, ToolsListArgs, ToolsScanArgs};
use crate::output;
use crate::settings::Settings;

pub fn scan(settings: &Settings, global: &GlobalArgs, args: &ToolsScanArgs) -> anyhow::Result<i32> {
    // The home folder is checked before the ledger is opened (or created).
    let target = devspm_engine::tools::WorkstationRequest {
        home: args.home.clone(),
        identity: args.identity.clone(),
        host: args.host.clone(),
        search_path: args.search_path,
    }
    .resolve()?;
    let mut store = if args.no_record {
        None
    } else {
        Some(settings.open_store()?)
    };
    let report = devspm_engine::tools::scan_workstation(
        &settings.context(),
        store.as_mut(),
        &target.home,
        &target.options,
        target.host,
    )?;
    let submitted = match (&args.submit, &args.token) {
        (Some(url), Some(token)) => Some(format!(
            "HTTP {}",
            devspm_engine::submit::post_json(url, token, &serde_json::to_vec(&report)?)?
        )),
        _ => None,
    };
    match global.format {
        Format::Json => output::emit_json(&report)?,
        format @ (Format::Csv | Format::Markdown | Format::Sarif) => output::emit_findings(
            format,
            &format!("devspm tools scan of {}", report.host),
            &devspm_engine::views::workstation(&report),
            0,
            &[],
        )?,
        Format::Table | Format::Html => {
            let mut text = devspm_report::tools::workstation(
                &devspm_engine::views::workstation_view(&report),
                output::terminal_width(),
            );
            if let Some(db) = report.database.as_deref().filter(|_| !global.quiet) {
                text.push_str(&devspm_report::tools::recorded(report.recorded, db));
            }
            if let Some(status) = submitted.as_deref().filter(|_| !global.quiet) {
                let url = devspm_engine::submit::shown(args.submit.as_deref().unwrap_or(""));
                text.push_str(&devspm_report::tools::submitted(&url, status));
            }
            output::emit(&text)?;
        }
    }
    let gate = args
        .fail_on
        .map(|l| devspm_engine::tools::gate(&settings.context(), &report, l.as_str()))
        .transpose()?;
    Ok(crate::commands::findings::gate_status(
        global,
        gate.as_ref(),
    ))
}

pub fn list(settings: &Settings, global: &GlobalArgs, args: &ToolsListArgs) -> anyhow::Result<i32> {
    // An unknown kind is a usage error (exit 2), said before the ledger is opened.
    if let Some(kind) = &args.kind {
        devspm_engine::tools::check_kind(kind).map_err(|e| crate::UsageError(e.to_string()))?;
    }
    let store = settings.open_store_read_only()?;
    let uses = devspm_engine::tools::list(
        &store,
        &devspm_engine::tools::UsesRequest {
            name: args.name.clone(),
            kind: args.kind.clone(),
            repo: args.repo.clone(),
            since: args.since.clone(),
            origin: args.origin.map(|o| o.as_str().to_owned()),
        },
    )?;
    if global.format == Format::Json {
        output::emit_json(&uses.rows)?;
        return Ok(0);
    }
    output::emit(&devspm_report::tools::uses(
        &uses.rows,
        &uses.signals,
        output::terminal_width(),
    ))?;
    Ok(0)
}
