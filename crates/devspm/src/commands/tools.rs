//! `devspm tools scan` and `devspm tools list`: flags → `devspm_engine::tools` (the
//! workstation inventory judged by the policy and recorded; the recorded uses of tools and the
//! tool-spread signal) → a table or JSON; `--submit` sends the scan's JSON to a server.

use std::path::PathBuf;

use devspm_engine::tools::{WorkstationScan, severity_word};
use devspm_governance::policy::Status;
use devspm_inventory::ScanOptions;
use devspm_ledger::ToolFilter;

use crate::cli::{Format, GlobalArgs, ToolsListArgs, ToolsScanArgs};
use crate::output::{self, Table, escape};
use crate::settings::Settings;

pub fn scan(settings: &Settings, global: &GlobalArgs, args: &ToolsScanArgs) -> anyhow::Result<i32> {
    let home = match &args.home {
        Some(h) => h.clone(),
        None => std::env::var_os("HOME")
            .map(PathBuf::from)
            .ok_or_else(|| anyhow::anyhow!("HOME is not set; pass --home DIR"))?,
    };
    if !home.is_dir() {
        anyhow::bail!(
            "home directory {} does not exist or is not a directory (pass --home DIR)",
            home.display()
        );
    }
    let mut options = ScanOptions::from_env();
    options.identity = args.identity.clone();
    if args.home.is_some() && !args.search_path {
        // A home directory given explicitly is often someone else's (an image, a fixture): the
        // binaries on this process's PATH say nothing about it.
        options.path_dirs.clear();
    }
    let host = args
        .host
        .clone()
        .unwrap_or_else(devspm_engine::tools::host_name);
    let mut store = if args.no_record {
        None
    } else {
        Some(settings.open_store()?)
    };
    let report = devspm_engine::tools::scan_workstation(
        &settings.context(),
        store.as_mut(),
        &home,
        &options,
        host,
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
            let mut text = render_scan(&report);
            if let Some(db) = &report.database
                && !global.quiet
            {
                text.push_str(&format!(
                    "\nRecorded {} new sightings in {}.\n",
                    report.recorded,
                    escape(db)
                ));
            }
            if let Some(status) = &submitted
                && !global.quiet
            {
                text.push_str(&format!(
                    "Submitted to {}: {}.\n",
                    escape(&devspm_engine::submit::shown(
                        args.submit.as_deref().unwrap_or("")
                    )),
                    escape(status)
                ));
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

fn render_scan(report: &WorkstationScan) -> String {
    let mut text = format!(
        "Workstation {} — home {} — developer {}\n\n",
        escape(&report.host),
        escape(&report.home),
        report.identity.as_deref().map_or(
            escape("unknown (no git user.email; pass --identity)"),
            escape
        )
    );
    let mut table = Table::new(&[
        ("kind", false),
        ("item", false),
        ("version", false),
        ("source", false),
        ("verdict", false),
        ("risks", false),
    ]);
    table
        .shrink(1)
        .shrink(3)
        .drop_rank(3, 2)
        .shrink_end(5, 20)
        .drop_rank(2, 1);
    for judged in &report.items {
        let item = &judged.item;
        table.row(vec![
            item.kind.as_str().to_owned(),
            item.id.clone(),
            item.version.clone().unwrap_or_else(|| "-".into()),
            item.source.clone(),
            judged
                .verdict
                .as_ref()
                .map_or("-".to_owned(), |v| v.status.as_str().to_owned()),
            item.risks
                .iter()
                .map(|r| format!("{} ({})", r.rule, severity_word(r.severity)))
                .collect::<Vec<_>>()
                .join(", "),
        ]);
    }
    if report.items.is_empty() {
        text.push_str("  No developer tools found in the known locations.\n");
    } else {
        text.push_str(&table.render_fit("  ", output::terminal_width()));
    }
    let summary = &report.summary;
    text.push_str(&format!(
        "\n{} items: {} approved or not governed, {} unapproved (shadow IT), {} denied; {} risks.\n",
        summary.items, summary.approved, summary.unapproved, summary.denied, summary.risks
    ));
    for judged in &report.items {
        if let Some(v) = judged
            .verdict
            .as_ref()
            .filter(|v| v.status != Status::Approved)
        {
            text.push_str(&format!(
                "  {}: {} — {}\n",
                v.status.as_str(),
                escape(&judged.item.id),
                escape(&v.reason)
            ));
        }
    }
    for w in &report.warnings {
        match w.line {
            Some(line) => text.push_str(&format!(
                "warning: {}:{line}: {}\n",
                escape(&w.path),
                escape(&w.message)
            )),
            None => text.push_str(&format!(
                "warning: {}: {}\n",
                escape(&w.path),
                escape(&w.message)
            )),
        }
    }
    text
}

pub fn list(settings: &Settings, global: &GlobalArgs, args: &ToolsListArgs) -> anyhow::Result<i32> {
    let store = settings.open_store_read_only()?;
    let repo_id = match &args.repo {
        Some(r) => Some(devspm_engine::repository::recorded(&store, r)?),
        None => None,
    };
    if let Some(kind) = &args.kind {
        devspm_engine::tools::check_kind(kind).map_err(|e| crate::UsageError(e.to_string()))?;
    }
    let since = args
        .since
        .as_deref()
        .map(devspm_engine::tools::parse_since)
        .transpose()?;
    let uses = devspm_engine::tools::uses(
        &store,
        &ToolFilter {
            name: args.name.clone(),
            kind: args.kind.clone(),
            repo_id,
            since,
            origin: args.origin.map(|o| o.as_str().to_owned()),
        },
    )?;
    let rows = &uses.rows;
    if global.format == Format::Json {
        output::emit_json(rows)?;
        return Ok(0);
    }
    if rows.is_empty() {
        output::emit(
            "No tools recorded match. Record some with `devspm scan` (repositories) or `devspm tools scan` (this workstation).\n",
        )?;
        return Ok(0);
    }
    let mut table = Table::new(&[
        ("tool", false),
        ("ref/version", false),
        ("kind", false),
        ("where", false),
        ("who", false),
        ("since", false),
    ]);
    table
        .shrink(0)
        .shrink(1)
        .shrink(3)
        .shrink(4)
        .drop_rank(2, 1);
    for r in rows {
        let place = match r.origin {
            "workstation" => format!("{}:~/{}", r.host.as_deref().unwrap_or("?"), r.path),
            _ => match r.line {
                Some(line) => format!(
                    "{}:{}:{line}",
                    r.repository.as_deref().unwrap_or("?"),
                    r.path
                ),
                None => format!("{}:{}", r.repository.as_deref().unwrap_or("?"), r.path),
            },
        };
        let who = r
            .identity_name
            .clone()
            .or_else(|| r.identity.clone())
            .unwrap_or_else(|| "-".into());
        let who = match (&r.introduced_in, r.origin) {
            (Some(c), "repository") => format!("{who} in {}", &c[..c.len().min(10)]),
            _ => who,
        };
        // Since when: the introducing commit's date in a repository, else when the inventory
        // first saw it.
        let since = match r.introduced_at {
            Some(_) => crate::output::date(r.introduced_at),
            None => r.first_seen[..r.first_seen.len().min(10)].to_owned(),
        };
        table.row(vec![
            r.name.clone(),
            r.version.clone().unwrap_or_else(|| "-".into()),
            r.kind.clone(),
            place,
            who,
            since,
        ]);
    }
    let repositories: std::collections::BTreeSet<_> = rows
        .iter()
        .filter_map(|r| r.repository.as_deref())
        .collect();
    let hosts: std::collections::BTreeSet<_> =
        rows.iter().filter_map(|r| r.host.as_deref()).collect();
    let mut text = table.render_fit("", output::terminal_width());
    text.push_str(&format!(
        "\n{} uses in {} repositories and on {} workstations.\n",
        rows.len(),
        repositories.len(),
        hosts.len()
    ));
    for signal in &uses.signals {
        text.push_str(&format!("signal: {}\n", escape(signal)));
    }
    output::emit(&text)?;
    Ok(0)
}
