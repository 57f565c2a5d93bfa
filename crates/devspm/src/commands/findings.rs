//! `devspm findings` (findings with who or what introduced them) and `devspm export sarif`
//! (imported SARIF written back with each result's attribution).

use std::path::Path;

use anyhow::Context;
use devspm_ledger::FindingStore;
use devspm_ledger::findings::{FindingFilter, FindingRow, severity_rank};

use crate::cli::{ExportCommand, FindingsArgs, Format, GlobalArgs, StatusArg};
use crate::output::{Table, date, emit, emit_json, escape};
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
        Format::Csv => emit(&csv(&rows)?)?,
        Format::Markdown => emit(&markdown(&rows))?,
        _ => emit(&table(&rows))?,
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

/// The status as shown: `open`, `fixed`, or `open (accepted-risk until 2027-06-30)`.
fn status(r: &FindingRow) -> String {
    match &r.triage {
        Some(t) if t.active => format!(
            "{} ({}{})",
            r.status,
            t.state,
            t.expires
                .as_deref()
                .map(|e| format!(" until {e}"))
                .unwrap_or_default()
        ),
        Some(t) => format!(
            "{} ({} expired {})",
            r.status,
            t.state,
            t.expires.as_deref().unwrap_or("")
        ),
        None => r.status.clone(),
    }
}

fn short(sha: &str) -> String {
    sha.chars().take(10).collect()
}

fn location(r: &FindingRow) -> String {
    // A secret found in a commit message lives in that commit, not in a file.
    if r.method.as_deref() == Some("commit-message") {
        return format!(
            "message of {}",
            short(r.first_revision.as_deref().unwrap_or(""))
        );
    }
    match (&r.package, &r.version, &r.path, r.start_line) {
        (Some(p), Some(v), _, _) => format!("{p} {v}"),
        (_, _, Some(path), Some(line)) => format!("{path}:{line}"),
        (_, _, Some(path), None) => path.clone(),
        _ => "-".to_owned(),
    }
}

fn introduced_by(r: &FindingRow) -> String {
    match r.attribution.as_deref() {
        None => "(not attributed yet)".to_owned(),
        Some("unattributable") => format!(
            "unattributable: {}",
            r.reason.as_deref().unwrap_or("no reason recorded")
        ),
        Some(_) => {
            let who = r
                .developer_name
                .clone()
                .or_else(|| r.developer.clone())
                .unwrap_or_else(|| "unknown author".to_owned());
            let mut text = format!(
                "{} {} {}",
                who,
                short(r.introduced_in.as_deref().unwrap_or("")),
                date(r.introduced_at)
            );
            if !r.other_commits.is_empty() {
                text.push_str(&format!(" (+{} commits)", r.other_commits.len()));
            }
            text
        }
    }
}

fn age_days(r: &FindingRow) -> Option<i64> {
    let at = r.introduced_at?;
    let now = jiff::Timestamp::now().as_second();
    Some(((now - at) / 86_400).max(0))
}

/// Open findings first, most severe first, oldest first.
fn by_urgency(rows: &[FindingRow]) -> Vec<&FindingRow> {
    let mut sorted: Vec<&FindingRow> = rows.iter().collect();
    sorted.sort_by_key(|r| {
        (
            !r.is_actionable(),
            r.status != "open",
            std::cmp::Reverse(severity_rank(&r.severity)),
            std::cmp::Reverse(age_days(r)),
        )
    });
    sorted
}

/// Open findings, attributed findings, and findings with AI involvement.
fn counts(rows: &[FindingRow]) -> (usize, usize, usize) {
    let open = rows.iter().filter(|r| r.status == "open").count();
    let attributed = rows
        .iter()
        .filter(|r| r.attribution.as_deref() == Some("attributed"))
        .count();
    let ai = rows.iter().filter(|r| !r.agents.is_empty()).count();
    (open, attributed, ai)
}

fn table(rows: &[FindingRow]) -> String {
    if rows.is_empty() {
        return "No findings recorded (import scanner results with `devspm import FILE`).\n"
            .to_owned();
    }
    let mut t = Table::new(&[
        ("severity", false),
        ("status", false),
        ("tool", false),
        ("rule", false),
        ("where", false),
        ("introduced by", false),
        ("agents", false),
        ("age", true),
    ]);
    t.paint(0, devspm_report::style::severity)
        .paint(1, devspm_report::style::status)
        .shrink(3)
        .shrink(4)
        .shrink(5);
    for r in by_urgency(rows) {
        t.row(vec![
            r.severity.clone(),
            status(r),
            r.tool.clone(),
            truncate(&r.rule, 40),
            truncate(&location(r), 50),
            introduced_by(r),
            if r.agents.is_empty() {
                "-".to_owned()
            } else {
                r.agents.join(",")
            },
            age_days(r).map_or_else(|| "-".to_owned(), |d| format!("{d}d")),
        ]);
    }
    let (open, attributed, ai) = counts(rows);
    format!(
        "{} findings ({open} open), {attributed} attributed, {ai} with AI involvement\n\n{}",
        rows.len(),
        t.render_fit("", crate::output::terminal_width())
    )
}

/// Rows a Markdown report lists before it counts the rest (a pull-request comment or a job
/// summary must stay readable, and GitHub caps a step summary at 1 MiB).
const MARKDOWN_ROWS: usize = 300;

/// `--format markdown`: for a CI job summary or a pull-request comment. Open findings first,
/// most severe first; every outside value escaped (`devspm_report::markdown`).
fn markdown(rows: &[FindingRow]) -> String {
    use devspm_report::markdown::{code, text};
    let mut out = String::from("## devspm findings\n\n");
    if rows.is_empty() {
        out.push_str("No findings recorded.\n");
        return out;
    }
    let (open, attributed, ai) = counts(rows);
    out.push_str(&format!(
        "**{} findings** ({open} open), {attributed} attributed to the commit that introduced them, {ai} with AI involvement.\n\n",
        rows.len()
    ));
    let mut by_severity: std::collections::BTreeMap<u8, (String, usize, usize)> =
        std::collections::BTreeMap::new();
    for r in rows {
        let e = by_severity
            .entry(severity_rank(&r.severity))
            .or_insert_with(|| (r.severity.clone(), 0, 0));
        if r.status == "open" {
            e.1 += 1;
        } else {
            e.2 += 1;
        }
    }
    out.push_str("| Severity | Open | Fixed |\n|---|---:|---:|\n");
    for (name, open, fixed) in by_severity.values().rev() {
        out.push_str(&format!("| {} | {open} | {fixed} |\n", text(name)));
    }
    let sorted = by_urgency(rows);
    out.push_str(
        "\n| Severity | Status | Tool | Rule | Where | Introduced by | Agents | Age |\n|---|---|---|---|---|---|---|---:|\n",
    );
    for r in sorted.iter().take(MARKDOWN_ROWS) {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            text(&r.severity),
            text(&status(r)),
            text(&r.tool),
            text(&truncate(&r.rule, 60)),
            code(&location(r)),
            text(&introduced_by(r)),
            if r.agents.is_empty() {
                "-".to_owned()
            } else {
                text(&r.agents.join(", "))
            },
            age_days(r).map_or_else(|| "-".to_owned(), |d| format!("{d}d")),
        ));
    }
    if rows.len() > MARKDOWN_ROWS {
        out.push_str(&format!(
            "\n… and {} more (`devspm findings --format json` lists them all).\n",
            rows.len() - MARKDOWN_ROWS
        ));
    }
    out
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

fn csv(rows: &[FindingRow]) -> std::io::Result<String> {
    let mut out = devspm_report::csv::Writer::report(Vec::new());
    out.record(&[
        "finding",
        "repository",
        "tool",
        "rule",
        "kind",
        "severity",
        "status",
        "path",
        "line",
        "package",
        "version",
        "identifiers",
        "attribution",
        "method",
        "confidence",
        "introduced_in",
        "introduced_at",
        "developer",
        "developer_name",
        "team",
        "agents",
        "reason",
        "triage",
        "triage_reason",
        "triage_expires",
        "triage_by",
    ])?;
    for r in rows {
        let cells = [
            r.finding.clone(),
            r.repository.clone(),
            r.tool.clone(),
            r.rule.clone(),
            r.kind.clone(),
            r.severity.clone(),
            r.status.clone(),
            r.path.clone().unwrap_or_default(),
            r.start_line.map(|l| l.to_string()).unwrap_or_default(),
            r.package.clone().unwrap_or_default(),
            r.version.clone().unwrap_or_default(),
            r.identifiers.join(" "),
            r.attribution.clone().unwrap_or_default(),
            r.method.clone().unwrap_or_default(),
            r.confidence.clone().unwrap_or_default(),
            r.introduced_in.clone().unwrap_or_default(),
            r.introduced_at.map(|t| date(Some(t))).unwrap_or_default(),
            r.developer.clone().unwrap_or_default(),
            r.developer_name.clone().unwrap_or_default(),
            r.team.clone().unwrap_or_default(),
            r.agents.join(" "),
            r.reason.clone().unwrap_or_default(),
            r.triage
                .as_ref()
                .map(|t| {
                    if t.active {
                        t.state.clone()
                    } else {
                        format!("{} (expired)", t.state)
                    }
                })
                .unwrap_or_default(),
            r.triage
                .as_ref()
                .map(|t| t.reason.clone())
                .unwrap_or_default(),
            r.triage
                .as_ref()
                .and_then(|t| t.expires.clone())
                .unwrap_or_default(),
            r.triage
                .as_ref()
                .and_then(|t| t.by_name.clone().or_else(|| t.by.clone()))
                .unwrap_or_default(),
        ];
        out.record(&cells)?;
    }
    Ok(out.into_string())
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
