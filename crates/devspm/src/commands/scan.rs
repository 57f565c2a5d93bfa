//! `devspm scan` and `devspm ingest git`: record repositories, resolve identities, summarise.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use devspm_core::identity::{ResolverInput, resolve};
use devspm_git::{IngestOptions, IngestReport, KnownHistory};
use devspm_ledger::{AppendSummary, RepositorySummary, SqliteStore, Store};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::cli::{Format, GlobalArgs, IngestFlags, IngestGitArgs, ScanArgs};
use crate::output::{Table, count, date, emit, emit_json, escape, percent};
use crate::settings::Settings;

/// Progress on standard error, only on a terminal and never with --quiet.
struct IngestProgress {
    bar: Option<ProgressBar>,
}

impl IngestProgress {
    fn new(global: &GlobalArgs, name: &str) -> IngestProgress {
        let show = !global.quiet && std::io::stderr().is_terminal();
        let bar = show.then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} new commits (eta {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_prefix(escape(name).into_owned());
            bar
        });
        IngestProgress { bar }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl devspm_git::Progress for IngestProgress {
    fn walked(&self, new_commits: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(new_commits);
        }
    }

    fn recorded(&self, commits: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(commits);
        }
    }
}

fn options(flags: &IngestFlags, settings: &Settings) -> IngestOptions {
    let mut options = IngestOptions {
        refs: flags.refs.clone(),
        max_blob_bytes: settings.config.limits.max_blob_bytes,
        ..IngestOptions::default()
    };
    if let Some(threads) = flags.threads {
        options.threads = threads.max(1);
    }
    if let Some(batch) = flags.batch_size {
        options.batch_size = batch as usize;
    }
    options
}

/// What one repository's ingest appended.
#[derive(Serialize)]
pub struct RepositoryIngest {
    #[serde(flatten)]
    pub report: IngestReport,
    /// Events recorded from the repository (commits, refs, gaps, links).
    pub events_appended: u64,
    /// `ai_involvement` events the detector appended with them.
    #[serde(skip)]
    pub ai_events_appended: u64,
}

/// Records one repository into the ledger.
fn ingest_one(
    store: &mut SqliteStore,
    repo: &devspm_git::Repo,
    flags: &IngestFlags,
    global: &GlobalArgs,
    settings: &Settings,
) -> anyhow::Result<RepositoryIngest> {
    // The AI detector runs on each batch as it is written; it starts from an up-to-date cursor.
    let mut ai_events = super::ai_detect::catch_up(store, &settings.catalogue)?;
    let mut detector = super::ai_detect::Inline {
        people: super::ai_detect::load_people(store)?,
        catalogue: &settings.catalogue,
        appended: 0,
    };
    let state = store.repository_state(&repo.id)?;
    let known = KnownHistory {
        registered: state.registered,
        refs: state.refs,
        gaps: state.gaps,
        mailmap_links: store.mailmap_links_with_lines(&repo.id)?,
    };
    let mut aliases = store.alias_book()?;
    // Commit messages are stored with their secrets replaced (see `message_secrets`).
    let mut ingest_options = options(flags, settings);
    ingest_options.message_filter = Some(std::sync::Arc::new(super::secrets::Redactor::new(
        settings,
        settings.secret_key(store)?,
    )?));
    let progress = IngestProgress::new(global, &repo.name);
    let mut appended = AppendSummary::default();
    // Both callbacks reach the store: loading recorded commits (only when something changed)
    // and appending batches (on ingest's writer thread).
    let shared = std::sync::Mutex::new(&mut *store);
    let mut load_commits = || {
        let store = shared
            .lock()
            .map_err(|_| "the ledger is unavailable".to_owned())?;
        store
            .recorded_commits(&repo.id)
            .map(|r| devspm_git::RecordedCommits {
                commits: r.commits,
                lost: r.lost,
            })
            .map_err(|e| e.to_string())
    };
    let report = devspm_git::ingest(
        repo,
        known,
        &mut load_commits,
        &mut aliases,
        &ingest_options,
        &progress,
        &mut |events| {
            let mut store = shared
                .lock()
                .map_err(|_| "the ledger is unavailable".to_owned())?;
            appended += detector
                .append(&mut store, events)
                .map_err(|e| e.to_string())?;
            Ok(())
        },
    );
    progress.finish();
    let report = report?;
    ai_events += detector.appended;
    Ok(RepositoryIngest {
        report,
        events_appended: appended.appended - detector.appended,
        ai_events_appended: ai_events,
    })
}

/// What the repository analyzers read, as one digest: the refs the ledger recorded for the
/// repository and the commit HEAD names. An analyzer's completion marker holds the digest it
/// completed over (with anything else its answer depends on, such as the secret rules).
pub fn refs_state(store: &SqliteStore, repo: &devspm_git::Repo) -> anyhow::Result<String> {
    use sha2::{Digest, Sha256};
    let mut refs = store.repository_state(&repo.id)?.refs;
    refs.sort();
    let mut h = Sha256::new();
    for (name, target) in &refs {
        h.update(&name.0);
        h.update(b"\0");
        h.update(target.as_bytes());
        h.update(b"\n");
    }
    h.update(b"HEAD\0");
    h.update(
        devspm_git::head_commit(repo)?
            .unwrap_or_default()
            .as_bytes(),
    );
    Ok(devspm_core::hex::encode(&h.finalize())[..32].to_owned())
}

/// What the repository analyzers did in one run.
#[derive(Default)]
struct AnalyzersRun {
    events: u64,
    /// Whether the CI inventory of HEAD ran (and recorded its audit).
    ci_ran: bool,
}

/// The CI inventory's completion marker.
const CI_INVENTORY: &str = "ci-inventory";

/// The repository-level analyzers — agent-branch evidence, AI tooling at HEAD, git-ai notes,
/// Agent Trace records and the CI inventory — read the repository at its refs. Each runs when
/// the refs (or HEAD) differ from those it last completed over, and marks its completion only
/// after its results are on record: a run killed in between runs it again on the next scan
/// (its appends are idempotent), where inferring "done" from "no ref moved since the last
/// ingest" skipped it for good. A re-scan of an unchanged repository stays a ref listing.
fn repository_analyzers(
    store: &mut SqliteStore,
    repo: &devspm_git::Repo,
    global: &GlobalArgs,
    settings: &Settings,
) -> anyhow::Result<AnalyzersRun> {
    type Analyzer<'a> = &'a dyn Fn(&mut SqliteStore) -> anyhow::Result<u64>;
    let catalogue = &settings.catalogue;
    let quiet = global.quiet;
    let analyzers: [(&str, Analyzer<'_>); 5] = [
        ("ai-branch-evidence", &|store| {
            super::ai_detect::branch_evidence(store, &repo.id, catalogue)
        }),
        ("ai-tooling", &|store| {
            super::ai_tooling::inspect_head(store, repo, quiet)
        }),
        ("ai-notes", &|store| {
            super::ai_notes::read_notes(store, repo, catalogue, quiet)
        }),
        ("agent-trace", &|store| {
            super::ai_notes::read_agent_traces(store, repo, catalogue, quiet)
        }),
        (CI_INVENTORY, &|store| {
            super::ci::inspect_head(store, repo, settings)
        }),
    ];
    let state = refs_state(store, repo)?;
    let mut run = AnalyzersRun::default();
    for (name, analyze) in analyzers {
        if store.analyzed(name, &repo.id)?.as_deref() == Some(state.as_str()) {
            continue;
        }
        run.events += analyze(store)?;
        store.mark_analyzed(name, &repo.id, &state)?;
        run.ci_ran |= name == CI_INVENTORY;
    }
    Ok(run)
}

/// Brings the ledger's record of `repo` up to date (new commits, identities, AI evidence)
/// without printing, so that findings can be attributed to recorded commits. Returns whether
/// the CI inventory of HEAD ran (and so recorded HEAD's CI audit).
pub fn record_quietly(
    store: &mut SqliteStore,
    repo: &devspm_git::Repo,
    global: &GlobalArgs,
    settings: &Settings,
) -> anyhow::Result<bool> {
    let flags = IngestFlags {
        refs: Vec::new(),
        threads: None,
        batch_size: None,
    };
    ingest_one(store, repo, &flags, global, settings)?;
    resolve_identities(store, settings)?;
    super::ai_detect::catch_up(store, &settings.catalogue)?;
    let analyzed = repository_analyzers(store, repo, global, settings)?;
    super::message_secrets::catch_up(store, settings)?;
    Ok(analyzed.ci_ran)
}

/// Resolves every alias against the current evidence and appends what changed.
pub fn resolve_identities(store: &mut SqliteStore, settings: &Settings) -> anyhow::Result<u64> {
    let state = store.resolver_state()?;
    let events = resolve(&ResolverInput {
        aliases: &state.aliases,
        links: &state.links,
        authored: &state.authored,
        judgements: &state.judgements,
        current: &state.current,
        identities: &state.identities,
        catalogue: &settings.catalogue,
        config: &settings.config,
    });
    Ok(store.append(events)?.appended)
}

#[derive(Serialize)]
struct ScanOutput<'a> {
    database: String,
    ingest: &'a RepositoryIngest,
    identity_events_appended: u64,
    ai_events_appended: u64,
    summary: &'a RepositorySummary,
    /// Present when findings were imported for the repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    findings: Option<FindingsSection>,
    /// What the built-in detectors did (absent with --no-detectors).
    #[serde(skip_serializing_if = "Option::is_none")]
    detectors: Option<DetectorsSection>,
}

/// The built-in detectors' part of the scan summary.
#[derive(Serialize)]
struct DetectorsSection {
    secrets: super::secrets::SecretScan,
    dependencies: super::advisories::DependencyScan,
    /// Set when no advisory data is loaded: how to load it.
    #[serde(skip_serializing_if = "Option::is_none")]
    dependencies_hint: Option<&'static str>,
}

/// Runs the built-in detectors on the repository at HEAD and records what they find.
fn run_detectors(
    store: &mut SqliteStore,
    repo: &devspm_git::Repo,
    settings: &Settings,
) -> anyhow::Result<DetectorsSection> {
    let (dependencies, hint) = match super::advisories::load_index(store)? {
        Some(index) => (super::advisories::detect(store, repo, &index)?, None),
        None => (
            super::advisories::DependencyScan::default(),
            Some(super::advisories::NO_DATA_HINT),
        ),
    };
    let secrets = super::secrets::detect(store, repo, settings)?;
    Ok(DetectorsSection {
        secrets,
        dependencies,
        dependencies_hint: hint,
    })
}

fn render_detectors(d: &DetectorsSection) -> String {
    let mut out = String::from("\nDetectors:\n");
    let s = &d.secrets;
    out.push_str(&format!(
        "  secrets       {} new blobs read ({:.1} MB, {:.1} s): {} secrets, {} still at HEAD{}{}\n",
        count(s.blobs_scanned),
        s.megabytes_scanned,
        s.seconds,
        count(s.found as u64),
        count(s.present_at_head as u64),
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

/// The findings part of the scan summary.
#[derive(Serialize)]
struct FindingsSection {
    open: u64,
    fixed: u64,
    /// Open findings per severity, highest first.
    open_by_severity: Vec<(String, u64)>,
    attributed: u64,
    unattributable: u64,
    /// Open findings an AI agent took part in introducing.
    open_with_ai: u64,
    /// Who introduced the open findings: (developer, open findings), most first.
    introduced_by: Vec<(String, u64)>,
}

fn findings_section(store: &SqliteStore, repo: &str) -> anyhow::Result<Option<FindingsSection>> {
    use devspm_ledger::FindingStore;
    let rows = store.findings(&devspm_ledger::FindingFilter {
        repo: Some(repo.to_owned()),
        ..Default::default()
    })?;
    if rows.is_empty() {
        return Ok(None);
    }
    let open: Vec<_> = rows.iter().filter(|r| r.status == "open").collect();
    let mut by_severity: Vec<(String, u64)> = Vec::new();
    for level in ["critical", "high", "medium", "low", "info", "unknown"] {
        let n = open.iter().filter(|r| r.severity == level).count() as u64;
        if n > 0 {
            by_severity.push((level.to_owned(), n));
        }
    }
    // Grouped by resolved identity (one developer with several aliases is one row), shown by
    // the identity's display name: the name and e-mail of its alias with the most commits.
    let mut people: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for r in &open {
        if let Some(who) = r.developer.clone().or_else(|| r.developer_name.clone()) {
            *people.entry(who).or_default() += 1;
        }
    }
    let names: std::collections::HashMap<String, String> = if people.is_empty() {
        Default::default()
    } else {
        store
            .identities()?
            .into_iter()
            .map(|i| {
                let shown = if i.email.is_empty() {
                    i.name
                } else {
                    format!("{} <{}>", i.name, i.email)
                };
                (i.identity, shown)
            })
            .collect()
    };
    let mut introduced_by: Vec<(String, u64)> = people
        .into_iter()
        .map(|(who, n)| (names.get(&who).cloned().unwrap_or(who), n))
        .collect();
    introduced_by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    introduced_by.truncate(5);
    Ok(Some(FindingsSection {
        open: open.len() as u64,
        fixed: rows.iter().filter(|r| r.status == "fixed").count() as u64,
        open_by_severity: by_severity,
        attributed: rows
            .iter()
            .filter(|r| r.attribution.as_deref() == Some("attributed"))
            .count() as u64,
        unattributable: rows
            .iter()
            .filter(|r| r.attribution.as_deref() == Some("unattributable"))
            .count() as u64,
        open_with_ai: open.iter().filter(|r| !r.agents.is_empty()).count() as u64,
        introduced_by,
    }))
}

fn render_findings(f: &FindingsSection, repo_name: &str) -> String {
    let severities: Vec<String> = f
        .open_by_severity
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let mut out = format!(
        "\nFindings: {} open ({}), {} fixed; {} attributed, {} unattributable; {} open with AI involvement\n",
        count(f.open),
        if severities.is_empty() {
            "none".to_owned()
        } else {
            severities.join(", ")
        },
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
    out.push_str(&format!(
        "  (devspm findings --repo {} lists them)\n",
        crate::output::escape(&shell_word(repo_name))
    ));
    out
}

pub fn scan(settings: &Settings, global: &GlobalArgs, args: &ScanArgs) -> anyhow::Result<i32> {
    // The repository is checked before the database is opened (or created).
    let repo = devspm_git::open(&args.path)?;
    let mut store = settings.open_store()?;
    let ingest = ingest_one(&mut store, &repo, &args.ingest, global, settings)?;
    let identity_events = resolve_identities(&mut store, settings)?;
    let ai_events = ingest.ai_events_appended
        + super::ai_detect::catch_up(&mut store, &settings.catalogue)?
        + repository_analyzers(&mut store, &repo, global, settings)?.events;
    super::message_secrets::catch_up(&mut store, settings)?;
    let detectors = if args.no_detectors {
        None
    } else {
        Some(run_detectors(&mut store, &repo, settings)?)
    };
    let summary = store.repository_summary(&ingest.report.repo, args.top)?;
    let findings = findings_section(&store, &ingest.report.repo)?;
    match global.format {
        Format::Json => emit_json(&ScanOutput {
            database: store.location().to_owned(),
            ingest: &ingest,
            identity_events_appended: identity_events,
            ai_events_appended: ai_events,
            summary: &summary,
            findings,
            detectors,
        })?,
        // -q: errors only (the record is made all the same; `--format json` still prints the
        // report a script asked for).
        _ if global.quiet => {}
        // csv and markdown are refused for this command before it runs (main.rs).
        _ => {
            let mut text = render_summary(&summary, &ingest, store.location());
            if let Some(d) = &detectors {
                let at = text.rfind("\nledger: ").unwrap_or(text.len());
                text.insert_str(at, &render_detectors(d));
            }
            if let Some(f) = &findings {
                // Before the closing ledger line.
                let at = text.rfind("\nledger: ").unwrap_or(text.len());
                text.insert_str(at, &render_findings(f, &summary.name));
            }
            emit(&text)?
        }
    }
    Ok(0)
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
    let mut results = Vec::new();
    for repo in &repos {
        let result = ingest_one(&mut store, repo, &args.ingest, global, settings)
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
    let identity_events = resolve_identities(&mut store, settings)?;
    let mut ai_events = results.iter().map(|r| r.ai_events_appended).sum::<u64>()
        + super::ai_detect::catch_up(&mut store, &settings.catalogue)?;
    for repo in &repos {
        ai_events += repository_analyzers(&mut store, repo, global, settings)?.events;
    }
    super::message_secrets::catch_up(&mut store, settings)?;
    match global.format {
        Format::Json => emit_json(&serde_json::json!({
            "database": store.location(),
            "repositories": results,
            "identity_events_appended": identity_events,
            "ai_events_appended": ai_events,
        }))?,
        _ if !global.quiet => emit(&format!(
            "identities: {} resolution events; ledger: {}\n",
            count(identity_events),
            escape(store.location())
        ))?,
        _ => {}
    }
    Ok(0)
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
fn render_summary(s: &RepositorySummary, ingest: &RepositoryIngest, db: &str) -> String {
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
