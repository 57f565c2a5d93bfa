//! `devspm findings` (findings with who or what introduced them) and `devspm export sarif`
//! (imported SARIF written back with each result's attribution).

use std::path::Path;

use anyhow::Context;
use devspm_engine::gate::Assessed;
use devspm_ledger::findings::{FindingFilter, FindingRow, severity_rank};

use crate::cli::{ExportCommand, FindingsArgs, Format, GlobalArgs, StatusArg};
use crate::output::{Table, date, emit, emit_json, escape};
use crate::settings::Settings;

pub fn run(settings: &Settings, global: &GlobalArgs, args: &FindingsArgs) -> anyhow::Result<i32> {
    if let Some(crate::cli::FindingsCommand::Triage(t)) = &args.command {
        return triage(settings, global, t);
    }
    let store = settings.open_store_read_only()?;
    let ctx = settings.context();
    // --repo, else the repository the current directory is in (a gate run inside a
    // repository gates on it) unless --all-repos.
    let (repo, at_hand) = devspm_engine::repository::scope(
        &ctx,
        &store,
        args.repo.as_deref(),
        std::env::current_dir().ok().as_deref(),
        args.all_repos,
    )?;
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
    let (rules, assessment) =
        devspm_engine::gate::recorded_findings(&ctx, &store, &filter, at_hand.as_ref(), &[])?;
    let rows = assessment.listed(args.show_ignored);
    match global.format {
        Format::Json => emit_json(&rows)?,
        Format::Csv => emit(&csv(&rows)?)?,
        Format::Markdown => emit(&markdown(&rows, assessment.ignored, args.show_ignored))?,
        _ => emit(&table(&rows, assessment.ignored, args.show_ignored))?,
    }
    gate_exit(global, args.fail_on, &assessment, &rules.fail_on)
}

/// The exit status of `--fail-on` over assessed findings (`devspm_engine::gate`), with its
/// sentence on standard error.
pub fn gate_exit(
    global: &GlobalArgs,
    fail_on: Option<crate::cli::SeverityArg>,
    assessment: &devspm_engine::gate::Assessment,
    config: &devspm_core::gating::FailOnConfig,
) -> anyhow::Result<i32> {
    let outcome = fail_on.map(|level| assessment.gate(level.as_str(), config));
    Ok(gate_status(global, outcome.as_ref()))
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
        Some(who) => parse_person(who)
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

/// The status as shown: `open`, `fixed`, `open (accepted-risk until 2027-06-30)`, or
/// `open (ignored by .cargo/audit.toml:5)`.
fn status(a: &Assessed) -> String {
    let r = &a.row;
    if let Some(i) = &a.ignored
        && r.status == "open"
    {
        return format!("{} (ignored by {})", r.status, i.by);
    }
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

/// The path context as shown: `fixture`, or `fixture (not gated)` when `[fail_on] contexts`
/// leaves it out.
fn context(a: &Assessed) -> String {
    if a.context_counts {
        a.context.to_string()
    } else {
        format!("{} (not gated)", a.context)
    }
}

/// Open findings first, most severe first, oldest first.
fn by_urgency<'a>(rows: &[&'a Assessed]) -> Vec<&'a Assessed> {
    let mut sorted: Vec<&Assessed> = rows.to_vec();
    sorted.sort_by_key(|a| {
        let r = &a.row;
        (
            !r.is_actionable() || a.ignored.is_some(),
            r.status != "open",
            std::cmp::Reverse(severity_rank(&r.severity)),
            std::cmp::Reverse(age_days(r)),
        )
    });
    sorted
}

/// Open findings, attributed findings, and findings with AI involvement.
fn counts(rows: &[&Assessed]) -> (usize, usize, usize) {
    let open = rows.iter().filter(|a| a.row.status == "open").count();
    let attributed = rows
        .iter()
        .filter(|a| a.row.attribution.as_deref() == Some("attributed"))
        .count();
    let ai = rows.iter().filter(|a| !a.row.agents.is_empty()).count();
    (open, attributed, ai)
}

/// "; 3 ignored (--show-ignored lists them)", or nothing.
fn ignored_note(ignored: usize, shown: bool) -> String {
    match (ignored, shown) {
        (0, _) => String::new(),
        (n, true) => format!("; {n} ignored (listed)"),
        (n, false) => format!("; {n} ignored (--show-ignored lists them)"),
    }
}

fn table(rows: &[&Assessed], ignored: usize, shown: bool) -> String {
    if rows.is_empty() {
        return format!(
            "No findings recorded (import scanner results with `devspm import FILE`){}.\n",
            ignored_note(ignored, shown)
        );
    }
    let mut t = Table::new(&[
        ("severity", false),
        ("status", false),
        ("tool", false),
        ("rule", false),
        ("where", false),
        ("context", false),
        ("introduced by", false),
        ("agents", false),
        ("age", true),
    ]);
    t.paint(0, devspm_report::style::severity)
        .paint(1, devspm_report::style::status)
        .shrink(3)
        .shrink(4)
        .shrink(6);
    let mut reasons = String::new();
    for a in by_urgency(rows) {
        let r = &a.row;
        if let Some(i) = &a.ignored {
            reasons.push_str(&format!(
                "  {} {}: ignored by {}: {}\n",
                escape(&r.rule),
                escape(&location(r)),
                escape(&i.by),
                escape(&i.reason)
            ));
        }
        t.row(vec![
            r.severity.clone(),
            status(a),
            r.tool.clone(),
            truncate(&r.rule, 40),
            truncate(&location(r), 50),
            context(a),
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
        "{} findings ({open} open), {attributed} attributed, {ai} with AI involvement{}\n\n{}{}",
        rows.len(),
        ignored_note(ignored, shown),
        t.render_fit("", crate::output::terminal_width()),
        if reasons.is_empty() {
            String::new()
        } else {
            format!("\nIgnored:\n{reasons}")
        }
    )
}

/// Rows a Markdown report lists before it counts the rest (a pull-request comment or a job
/// summary must stay readable, and GitHub caps a step summary at 1 MiB).
const MARKDOWN_ROWS: usize = 300;

/// `--format markdown`: for a CI job summary or a pull-request comment. Open findings first,
/// most severe first; every outside value escaped (`devspm_report::markdown`).
fn markdown(rows: &[&Assessed], ignored: usize, shown: bool) -> String {
    use devspm_report::markdown::{code, text};
    let mut out = String::from("## devspm findings\n\n");
    if rows.is_empty() {
        out.push_str(&format!(
            "No findings recorded{}.\n",
            text(&ignored_note(ignored, shown))
        ));
        return out;
    }
    let (open, attributed, ai) = counts(rows);
    out.push_str(&format!(
        "**{} findings** ({open} open), {attributed} attributed to the commit that introduced them, {ai} with AI involvement{}.\n\n",
        rows.len(),
        text(&ignored_note(ignored, shown))
    ));
    let mut by_severity: std::collections::BTreeMap<u8, (String, usize, usize)> =
        std::collections::BTreeMap::new();
    for r in rows.iter().map(|a| &a.row) {
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
        "\n| Severity | Status | Tool | Rule | Where | Context | Introduced by | Agents | Age |\n|---|---|---|---|---|---|---|---|---:|\n",
    );
    for a in sorted.iter().take(MARKDOWN_ROWS) {
        let r = &a.row;
        let mut shown_status = text(&status(a));
        if let Some(i) = &a.ignored {
            shown_status.push_str(&format!(": {}", text(&i.reason)));
        }
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            text(&r.severity),
            shown_status,
            text(&r.tool),
            text(&truncate(&r.rule, 60)),
            code(&location(r)),
            text(&context(a)),
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

fn csv(rows: &[&Assessed]) -> std::io::Result<String> {
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
        "context",
        "context_counts",
        "ignored_by",
        "ignored_reason",
    ])?;
    for a in rows {
        let r = &a.row;
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
            a.context.to_string(),
            a.context_counts.to_string(),
            a.ignored.as_ref().map(|i| i.by.clone()).unwrap_or_default(),
            a.ignored
                .as_ref()
                .map(|i| i.reason.clone())
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
