//! `devspm scan` and `devspm ingest git`: flags → the engine's scan pipeline
//! (`devspm_engine::scan`) → the summary on the terminal or as JSON.

use std::path::PathBuf;

use anyhow::Context;
use devspm_engine::scan::{
    DetectorsSection, FindingsSection, IngestSettings, RepositoryIngest, ScanOptions,
};
use devspm_ledger::{RepositorySummary, Store};

use crate::cli::{Format, GlobalArgs, IngestFlags, IngestGitArgs, ScanArgs};
use crate::output::{Table, count, date, emit, emit_json, escape, percent};
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
        _ => {
            let mut text = render_summary(
                &report.summary,
                &report.ingest,
                &report.signals,
                &report.database,
            );
            if let Some(d) = &report.detectors {
                let at = text.rfind("\nledger: ").unwrap_or(text.len());
                text.insert_str(at, &render_detectors(d));
            }
            if let Some(f) = &report.findings {
                // Before the closing ledger line.
                let at = text.rfind("\nledger: ").unwrap_or(text.len());
                text.insert_str(at, &render_findings(f, &report.summary.name));
            }
            emit(&text)?
        }
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
    let mut paths: Vec<PathBuf> = Vec::new();
    for path in &args.paths {
        if args.recursive {
            if !path.is_dir() {
                anyhow::bail!(
                    "{} is not a folder (--recursive looks for repositories inside a folder)",
                    path.display()
                );
            }
            let found = devspm_git::discover_repositories(path, args.max_depth);
            if found.is_empty() {
                anyhow::bail!(
                    "no git repositories found under {} (searched {} levels deep; see --max-depth)",
                    path.display(),
                    args.max_depth
                );
            }
            paths.extend(found);
        } else {
            paths.push(path.clone());
        }
    }
    // Every repository is opened before the database is: a typo fails before anything is written.
    let repos = paths
        .iter()
        .map(|path| devspm_git::open(path))
        .collect::<Result<Vec<_>, _>>()?;
    let mut store = settings.open_store()?;
    let ctx = settings.context();
    let ingest = ingest_settings(&args.ingest);
    let mut results: Vec<RepositoryIngest> = Vec::new();
    for repo in &repos {
        let result = devspm_engine::scan::ingest(&ctx, &mut store, repo, &ingest)
            .with_context(|| format!("ingest of {} failed", repo.path.display()))?;
        if global.format == Format::Table && !global.quiet {
            let r = &result.report;
            emit(&format!(
                "{}  {} new commits, {} refs updated, {} history rewrites, {} gaps, {} events ({:.1} s)\n",
                escape(&r.name),
                count(r.new_commits),
                count(r.refs_updated),
                count(r.history_rewrites),
                count(r.new_gaps),
                count(result.events_appended),
                r.elapsed_seconds
            ))?;
        }
        results.push(result);
    }
    let analysis =
        devspm_engine::scan::analyze(&ctx, &mut store, &repos.iter().collect::<Vec<_>>())?;
    let ai_events =
        results.iter().map(|r| r.ai_events_appended).sum::<u64>() + analysis.ai_events_appended;
    match global.format {
        Format::Json => emit_json(&serde_json::json!({
            "database": store.location(),
            "repositories": results,
            "identity_events_appended": analysis.identity_events_appended,
            "ai_events_appended": ai_events,
            "signals": analysis.signals,
        }))?,
        _ if !global.quiet => emit(&format!(
            "identities: {} resolution events; signals: {} new ({:.1} s); ledger: {}\n",
            count(analysis.identity_events_appended),
            count(analysis.signals.signals_appended),
            analysis.signals.seconds,
            escape(store.location())
        ))?,
        _ => {}
    }
    Ok(0)
}

fn render_detectors(d: &DetectorsSection) -> String {
    let mut out = String::from("\nDetectors:\n");
    let s = &d.secrets;
    out.push_str(&format!(
        "  secrets       {} new blobs read ({:.1} MB, {:.1} s): {} secrets, {} still at HEAD{}{}{}\n",
        count(s.blobs_scanned),
        s.megabytes_scanned,
        s.seconds,
        count(s.found as u64),
        count(s.present_at_head as u64),
        if s.inline_allowed > 0 {
            format!(
                "; {} allowed inline (gitleaks:allow), recorded as ignored",
                count(s.inline_allowed)
            )
        } else {
            String::new()
        },
        if s.missing_objects > 0 {
            format!("; {} objects missing from the clone", s.missing_objects)
        } else {
            String::new()
        },
        if s.oversized_blobs > 0 {
            format!(
                "; {} blobs over the size limit not read (recorded as gaps)",
                s.oversized_blobs
            )
        } else {
            String::new()
        }
    ));
    match d.dependencies_hint {
        Some(hint) => out.push_str(&format!("  dependencies  {hint}\n")),
        None => out.push_str(&format!(
            "  dependencies  {} lockfiles checked, {} vulnerable package versions\n",
            count(d.dependencies.lockfiles as u64),
            count(d.dependencies.vulnerable as u64)
        )),
    }
    for w in &d.dependencies.warnings {
        out.push_str(&format!("  warning: {}\n", escape(w)));
    }
    out
}

fn render_findings(f: &FindingsSection, repo_name: &str) -> String {
    let severities: Vec<String> = f
        .open_by_severity
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let contexts: Vec<String> = f
        .open_by_context
        .iter()
        .map(|(c, n)| format!("{n} {c}"))
        .collect();
    let mut out = format!(
        "\nFindings: {} open ({}; by path context: {}), {} ignored, {} fixed; {} attributed, {} unattributable; {} open with AI involvement\n",
        count(f.open),
        if severities.is_empty() {
            "none".to_owned()
        } else {
            severities.join(", ")
        },
        if contexts.is_empty() {
            "none".to_owned()
        } else {
            contexts.join(", ")
        },
        count(f.ignored),
        count(f.fixed),
        count(f.attributed),
        count(f.unattributable),
        count(f.open_with_ai)
    );
    if !f.introduced_by.is_empty() {
        let mut t = Table::new(&[("open findings", true), ("introduced by", false)]);
        for (who, n) in &f.introduced_by {
            t.row(vec![count(*n), who.clone()]);
        }
        out.push_str(&t.render("  "));
    }
    for e in &f.expired_ignores {
        out.push_str(&format!(
            "  expired ignore at {} ({}) on {}: no longer applied\n",
            escape(&e.source),
            escape(&e.selects),
            e.expired
        ));
    }
    out.push_str(&format!(
        "  (devspm findings --repo {} lists them; --show-ignored the ignored ones)\n",
        crate::output::escape(&shell_word(repo_name))
    ));
    out
}

/// A word a shell reads back as itself: as it is when it is plain, else single-quoted.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@+".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// The human summary of a scan.
fn render_summary(
    s: &RepositorySummary,
    ingest: &RepositoryIngest,
    signals: &devspm_engine::signals::SignalsRun,
    db: &str,
) -> String {
    let r = &ingest.report;
    let mut out = String::new();
    out.push_str(&format!(
        "devspm scan: {} ({})\n",
        escape(&s.name),
        escape(&s.repo)
    ));
    out.push_str(&format!("  location      {}\n", escape(&s.locator)));
    out.push_str(&format!(
        "  this run      {} new commits, {} refs updated, {} events appended in {:.1} s\n",
        count(r.new_commits),
        count(r.refs_updated),
        count(ingest.events_appended),
        r.elapsed_seconds
    ));
    out.push_str(&format!(
        "  signals       {} new from {} commits judged in {:.1} s (`devspm signals`)\n",
        count(signals.signals_appended),
        count(signals.commits_examined),
        signals.seconds
    ));
    out.push_str(&format!(
        "  commits       {} ({} merges) from {} to {}\n",
        count(s.commits),
        count(s.merges),
        date(s.first_commit_time),
        date(s.last_commit_time)
    ));
    out.push_str(&format!(
        "  lines         +{} -{}\n",
        count(s.lines_added),
        count(s.lines_removed)
    ));
    out.push_str(&format!(
        "  identities    {} developers, {} bots, {} AI agents\n",
        count(s.developers),
        count(s.bots),
        count(s.agents.len() as u64)
    ));
    let kinds: Vec<String> = s
        .signatures
        .iter()
        .filter(|(k, _)| *k != "none")
        .map(|(k, v)| format!("{k} {}", count(*v)))
        .collect();
    out.push_str(&format!(
        "  signed        {} of {} commits ({}){}\n",
        count(s.signed_commits),
        count(s.commits),
        percent(s.signed_ratio),
        if kinds.is_empty() {
            String::new()
        } else {
            format!(": {}", kinds.join(", "))
        }
    ));
    if s.history_rewrites.is_empty() {
        out.push_str("  rewrites      none seen\n");
    } else {
        out.push_str(&format!(
            "  rewrites      {} history rewrites; {} recorded commits no longer reachable (kept on record)\n",
            s.history_rewrites.len(),
            count(s.unreachable_commits)
        ));
        for w in &s.history_rewrites {
            out.push_str(&format!(
                "                {} {}..{}: {} commits unreachable (event {})\n",
                escape(&w.ref_name),
                &w.old_tip[..w.old_tip.len().min(10)],
                &w.new_tip[..w.new_tip.len().min(10)],
                count(w.unreachable),
                w.event
            ));
        }
    }
    if s.ingest_gaps.is_empty() {
        out.push_str("  gaps          none\n");
    } else {
        let gaps: Vec<String> = s
            .ingest_gaps
            .iter()
            .map(|(k, v)| format!("{} {}", k.replace('_', " "), count(*v)))
            .collect();
        out.push_str(&format!(
            "  gaps          {} (recorded; ingest went on)\n",
            gaps.join(", ")
        ));
    }
    if !s.ai.by_agent.is_empty() {
        out.push_str(&format!(
            "\nAI involvement: {} of {} commits ({}), {} on heuristic evidence only\n",
            count(s.ai.commits),
            count(s.commits),
            percent(s.ai.share),
            count(s.ai.heuristic_only_commits)
        ));
        let mut t = Table::new(&[("agent", false), ("commits", true), ("exact", true)]);
        for a in &s.ai.by_agent {
            t.row(vec![
                a.agent.clone(),
                count(a.commits),
                count(a.exact_commits),
            ]);
        }
        out.push_str(&t.render("  "));
    }
    if s.ai.line_level_commits + s.ai.orphaned_records > 0 {
        out.push_str(&format!(
            "  line-level records (git-ai notes) for {} of {} AI-involved commits; {} orphaned (commit lost to a rebase or squash)\n",
            count(s.ai.line_level_commits),
            count(s.ai.commits),
            count(s.ai.orphaned_records)
        ));
    }
    if !s.ai.tools.is_empty() {
        let count_kind = |kind: &str| s.ai.tools.iter().filter(|t| t.kind == kind).count() as u64;
        let unpinned =
            s.ai.tools
                .iter()
                .filter(|t| t.kind == "mcp_server" && t.pinned == Some(false))
                .count() as u64;
        out.push_str(&format!(
            "\nAI tooling at HEAD: {} instruction files, {} agent settings files, {} MCP servers ({} unpinned)\n",
            count(count_kind("ai_instructions")),
            count(count_kind("agent_settings")),
            count(count_kind("mcp_server")),
            count(unpinned)
        ));
        let risky: Vec<_> = s.ai.tools.iter().filter(|t| !t.risks.is_empty()).collect();
        if !risky.is_empty() {
            let mut t = Table::new(&[
                ("risky setting", false),
                ("file", false),
                ("item", false),
                ("added in", false),
            ]);
            for tool in risky {
                for rule in &tool.risks {
                    t.row(vec![
                        rule.clone(),
                        tool.path.clone(),
                        tool.name.clone(),
                        tool.introduced_in
                            .as_deref()
                            .map_or("-".to_owned(), |c| c[..c.len().min(10)].to_owned()),
                    ]);
                }
            }
            out.push_str(&t.render("  "));
        }
    }
    if !s.bot_accounts.is_empty() {
        out.push_str("\nBots\n");
        let mut t = Table::new(&[("bot", false), ("commits", true)]);
        for a in &s.bot_accounts {
            t.row(vec![a.identity.clone(), count(a.commits)]);
        }
        out.push_str(&t.render("  "));
    }
    if !s.top_contributors.is_empty() {
        out.push_str("\nTop contributors (commits authored)\n");
        let mut t = Table::new(&[
            ("commits", true),
            ("name", false),
            ("e-mail", false),
            ("identity", false),
        ]);
        for c in &s.top_contributors {
            t.row(vec![
                count(c.commits),
                c.name.clone(),
                c.email.clone(),
                c.identity.clone(),
            ]);
        }
        out.push_str(&t.render("  "));
    }
    out.push_str(&format!(
        "\nledger: {}  (devspm identities · devspm audit verify)\n",
        escape(db)
    ));
    out
}
