//! `devspm findings` (findings with who or what introduced them) and `devspm export sarif`
//! (imported SARIF written back with each result's attribution).

use std::path::Path;

use anyhow::Context;
use devspm_ledger::FindingStore;
use devspm_ledger::findings::{FindingFilter, severity_rank};

use crate::cli::{ExportCommand, FindingsArgs, Format, GlobalArgs, StatusArg};
use crate::output::{emit, emit_json, escape};
use crate::settings::Settings;

pub fn run(settings: &Settings, global: &GlobalArgs, args: &FindingsArgs) -> anyhow::Result<i32> {
    if let Some(crate::cli::FindingsCommand::Triage(t)) = &args.command {
        return triage(settings, global, t);
    }
    let store = settings.open_store_read_only()?;
    let repo = match &args.repo {
        Some(r) => Some(devspm_engine::repository::recorded(&store, r)?),
        // The repository the current directory is in (a gate run inside a repository gates on
        // it), unless --all-repos.
        None => devspm_engine::repository::default_repository(
            &settings.context(),
            std::env::current_dir().ok().as_deref(),
            args.all_repos,
        )
        .map(|r| r.id),
    };
    let filter = FindingFilter {
        repo,
        tool: args.tool.clone(),
        status: args.status.map(|s| match s {
            StatusArg::Open => "open".to_owned(),
            StatusArg::Fixed => "fixed".to_owned(),
            StatusArg::Withdrawn => "withdrawn".to_owned(),
        }),
        min_severity: args.severity.map(|s| s.as_str().to_owned()),
        agent: args.agent.clone(),
        developer: args.developer.clone(),
        team: args.team.clone(),
    };
    let rows = store.findings(&filter)?;
    match global.format {
        Format::Json => emit_json(&rows)?,
        Format::Table if rows.is_empty() => {
            emit("No findings recorded (import scanner results with `devspm import FILE`).\n")?
        }
        format => {
            let views: Vec<_> = rows.iter().map(devspm_engine::views::recorded).collect();
            crate::output::emit_findings(format, "devspm findings", &views, &[])?;
        }
    }
    if let Some(level) = args.fail_on {
        let min = severity_rank(level.as_str());
        let failing = rows
            .iter()
            .filter(|r| r.is_actionable() && severity_rank(&r.severity) >= min)
            .count();
        if failing > 0 {
            if !global.quiet {
                eprintln!(
                    "devspm: {failing} open finding(s) at or above {} (--fail-on)",
                    level.as_str()
                );
            }
            return Ok(crate::EXIT_FINDINGS);
        }
    }
    Ok(0)
}

/// `devspm findings triage`.
fn triage(
    settings: &Settings,
    global: &GlobalArgs,
    args: &crate::cli::TriageArgs,
) -> anyhow::Result<i32> {
    let mut store = settings.open_store()?;
    let (name, email) = match &args.by {
        Some(who) => parse_person(who)
            .with_context(|| format!("--by {}: expected `Name <email>`", escape(who)))?,
        None => devspm_engine::hook::git_identity(Path::new(".")),
    };
    let mut reason = args.reason.clone().unwrap_or_default();
    // A reason is stored text: no secret value in it, as for every message devspm keeps.
    let key = settings.secret_key(&mut store)?;
    devspm_engine::secrets::Redactor::new(&settings.context(), key)?.redact_in_place(&mut reason);
    let outcome = devspm_engine::triage::triage(
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
        _ => emit(&format!(
            "{} {}: {}{}\n",
            outcome.finding,
            if outcome.recorded {
                "triaged"
            } else {
                "already stands as"
            },
            outcome.state,
            outcome
                .expires
                .as_deref()
                .map(|e| format!(" until {e}"))
                .unwrap_or_default()
        ))?,
    }
    Ok(0)
}

/// `Name <email>` → (name, email).
fn parse_person(text: &str) -> Option<(String, String)> {
    let (name, rest) = text.split_once('<')?;
    let email = rest.strip_suffix('>')?.trim();
    (!email.is_empty() && email.contains('@')).then(|| (name.trim().to_owned(), email.to_owned()))
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
            output,
        } => (input, repo, revision, output),
        ExportCommand::Vex { repo, output } => return export_vex(settings, global, repo, output),
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
    match output {
        Some(path) => {
            std::fs::write(&path, out)
                .with_context(|| format!("cannot write {}", path.display()))?;
            if !global.quiet {
                eprintln!(
                    "devspm: wrote {} ({} of {} results carry an attribution)",
                    escape(&path.display().to_string()),
                    enriched.enriched,
                    enriched.results
                );
            }
        }
        None => emit(&out)?,
    }
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
    let repo = match &repo {
        Some(r) => Some(devspm_engine::repository::recorded(&store, r)?),
        None => devspm_engine::repository::default_repository(
            &settings.context(),
            std::env::current_dir().ok().as_deref(),
            false,
        )
        .map(|r| r.id),
    };
    let timestamp = jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let (document, written) =
        devspm_engine::sarif_export::vex(&store, repo, env!("CARGO_PKG_VERSION"), &timestamp)?;
    let mut out = devspm_report::json::to_string_pretty(&document)?;
    out.push('\n');
    match output {
        Some(path) => {
            std::fs::write(&path, out)
                .with_context(|| format!("cannot write {}", path.display()))?;
            if !global.quiet {
                eprintln!(
                    "devspm: wrote {} ({written} dependency finding(s))",
                    escape(&path.display().to_string())
                );
            }
        }
        None => emit(&out)?,
    }
    Ok(0)
}
