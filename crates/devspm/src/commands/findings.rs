//! `devspm findings` (findings with who or what introduced them) and `devspm export sarif`
//! (imported SARIF written back with each result's attribution).

use std::path::Path;

use anyhow::Context;
use devspm_engine::gate::FindingQuery;

use crate::cli::{ExportCommand, FindingsArgs, Format, GlobalArgs};
use crate::output::{emit, emit_json, escape, write_or_emit};
use crate::settings::Settings;

pub fn run(settings: &Settings, global: &GlobalArgs, args: &FindingsArgs) -> anyhow::Result<i32> {
    if let Some(crate::cli::FindingsCommand::Triage(t)) = &args.command {
        return triage(settings, global, t);
    }
    let store = settings.open_store_read_only()?;
    let list = devspm_engine::views::findings(
        &settings.context(),
        &store,
        &devspm_engine::views::FindingsRequest {
            // --repo, else the repository the current directory is in (a gate run inside a
            // repository gates on it) unless --all-repos.
            query: FindingQuery {
                repo: args.repo.clone(),
                all_repos: args.all_repos,
                cwd: std::env::current_dir().ok(),
                tool: args.tool.clone(),
                status: args.status.map(|s| s.as_str().to_owned()),
                min_severity: args.severity.map(|s| s.as_str().to_owned()),
                agent: args.agent.clone(),
                developer: args.developer.clone(),
                team: args.team.clone(),
            },
            show_ignored: args.show_ignored,
            fail_on: args.fail_on.map(|l| l.as_str().to_owned()),
        },
    )?;
    match global.format {
        Format::Json => emit_json(&list)?,
        Format::Table if list.found == 0 => emit(devspm_report::findings::NONE_RECORDED)?,
        format => {
            crate::output::emit_findings(format, "devspm findings", &list.views, list.hidden, &[])?
        }
    }
    Ok(gate_status(global, list.gate.as_ref()))
}

/// The exit status of a gate the engine ran (0 when none was asked for), with its sentence
/// on standard error.
pub fn gate_status(global: &GlobalArgs, outcome: Option<&devspm_engine::gate::GateOutcome>) -> i32 {
    let Some(outcome) = outcome else { return 0 };
    if !global.quiet {
        eprintln!("devspm: {}", outcome.sentence());
    }
    if outcome.failed {
        crate::EXIT_FINDINGS
    } else {
        0
    }
}

/// `devspm findings triage`.
fn triage(
    settings: &Settings,
    global: &GlobalArgs,
    args: &crate::cli::TriageArgs,
) -> anyhow::Result<i32> {
    let mut store = settings.open_store()?;
    let (name, email) = match &args.by {
        Some(who) => devspm_engine::triage::person(who)
            .with_context(|| format!("--by {}: expected `Name <email>`", escape(who)))?,
        None => devspm_engine::hook::git_identity(Path::new(".")),
    };
    let reason = args.reason.clone().unwrap_or_default();
    let outcome = devspm_engine::triage::triage(
        &settings.context(),
        &mut store,
        &devspm_engine::triage::TriageRequest {
            finding: &args.finding,
            state: args.state.as_str(),
            reason: &reason,
            expires: args.expires.as_deref(),
            by: (&name, &email),
        },
    )
    .map_err(|e| match e {
        devspm_engine::EngineError::Invalid(m) => anyhow::Error::new(crate::UsageError(m)),
        other => anyhow::Error::new(other),
    })?;
    match global.format {
        Format::Json => emit_json(&outcome)?,
        _ => emit(&devspm_report::triage::outcome(&outcome))?,
    }
    Ok(0)
}

/// `devspm export sarif`: the input SARIF with `properties.devspm` on every result that was
/// imported and attributed, and with its secrets redacted as import redacted them
/// (`devspm_engine::sarif_export`).
pub fn export(
    settings: &Settings,
    global: &GlobalArgs,
    command: ExportCommand,
) -> anyhow::Result<i32> {
    let (input, repo, revision, output) = match command {
        ExportCommand::Sarif {
            input,
            repo,
            revision,
            to,
        } => (input, repo, revision, to.output),
        ExportCommand::Vex { repo, to } => return export_vex(settings, global, repo, to.output),
        ExportCommand::Csv { repo, to } => return export_csv(settings, global, repo, to.output),
    };
    // Anything but SARIF is refused before anything is written, naming what the file is.
    let mut report = devspm_engine::import::ImportInput::open(&input)?;
    devspm_engine::sarif_export::require_sarif(&mut report)?;
    let repo = devspm_git::open(&repo)?;
    let mut store = settings.open_store()?;
    let enriched = devspm_engine::sarif_export::enrich(
        &settings.context(),
        &mut store,
        &repo,
        report,
        revision.as_deref(),
    )?;
    let mut out = devspm_report::json::to_string_pretty(&enriched.document)?;
    out.push('\n');
    write_or_emit(output.as_deref(), &out, global, || {
        format!(
            "{} of {} results carry an attribution",
            enriched.enriched, enriched.results
        )
    })?;
    Ok(0)
}

/// `devspm export csv`: every recorded finding (of `repo` when given), ignored ones included,
/// as `findings --format csv` writes them.
fn export_csv(
    settings: &Settings,
    global: &GlobalArgs,
    repo: Option<String>,
    output: Option<std::path::PathBuf>,
) -> anyhow::Result<i32> {
    let store = settings.open_store_read_only()?;
    let views = devspm_engine::views::every_finding(&settings.context(), &store, repo.as_deref())?;
    let out = devspm_report::findings::csv(&views)?;
    write_or_emit(output.as_deref(), &out, global, || {
        format!("{} finding(s)", views.len())
    })?;
    Ok(0)
}

/// `devspm export vex`: the dependency findings as a CycloneDX 1.5 VEX document
/// (`devspm_report::vex`).
fn export_vex(
    settings: &Settings,
    global: &GlobalArgs,
    repo: Option<String>,
    output: Option<std::path::PathBuf>,
) -> anyhow::Result<i32> {
    let store = settings.open_store_read_only()?;
    let (repo, _) = devspm_engine::repository::scope(
        &settings.context(),
        &store,
        repo.as_deref(),
        std::env::current_dir().ok().as_deref(),
        false,
    )?;
    let timestamp = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let (document, written) =
        devspm_engine::sarif_export::vex(&store, repo, env!("CARGO_PKG_VERSION"), &timestamp)?;
    let mut out = devspm_report::json::to_string_pretty(&document)?;
    out.push('\n');
    write_or_emit(output.as_deref(), &out, global, || {
        format!("{written} dependency finding(s)")
    })?;
    Ok(0)
}
