//! The scan pipeline: record a repository's history into the ledger (with the AI detector
//! running on each batch as it is written and commit messages stored with their secrets
//! replaced), resolve identities, run the repository analyzers and the analyzers of recorded
//! commits, then — for `scan` — the built-in detectors, and summarise.
//!
//! [`bring_up_to_date`] is the same record without the detectors or a summary: what every
//! command that attributes findings or records a commit runs first.

use std::collections::HashMap;
use std::sync::Mutex;

use devspm_core::identity::{ResolverInput, resolve};
use devspm_git::{IngestOptions, IngestReport, KnownHistory};
use devspm_ledger::{AppendSummary, EventLog, Identities, RepositorySummary};
use serde::Serialize;

use crate::detector::Detector;
use crate::{Context, EngineError, Ledger, Progress};

/// How to read a repository, as the operator asked.
#[derive(Clone, Debug, Default)]
pub struct IngestSettings {
    /// Only these refs (full or short names, or prefixes ending in `*`); empty: every ref.
    pub refs: Vec<String>,
    /// Reader threads (default: one per CPU).
    pub threads: Option<usize>,
    /// Commits per ledger transaction.
    pub batch_size: Option<usize>,
}

impl IngestSettings {
    fn options(&self, ctx: &Context<'_>) -> IngestOptions {
        let mut options = IngestOptions {
            refs: self.refs.clone(),
            max_blob_bytes: ctx.config.limits.max_blob_bytes,
            ..IngestOptions::default()
        };
        if let Some(threads) = self.threads {
            options.threads = threads.max(1);
        }
        if let Some(batch) = self.batch_size {
            options.batch_size = batch;
        }
        options
    }
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

/// Ingest's progress, passed on to the context's [`Progress`] as the phase `ingest`.
struct IngestProgress<'a>(&'a dyn Progress);

impl devspm_git::Progress for IngestProgress<'_> {
    fn walked(&self, new_commits: u64) {
        self.0.total(new_commits);
    }

    fn recorded(&self, commits: u64) {
        self.0.at(commits);
    }
}

/// Records one repository's new history into the ledger. Stops between batches when the
/// interrupt flag is raised: what was appended stays, and the next run goes on from there.
pub fn ingest<S: Ledger + Send>(
    ctx: &Context<'_>,
    store: &mut S,
    repo: &devspm_git::Repo,
    settings: &IngestSettings,
) -> Result<RepositoryIngest, EngineError> {
    // The AI detector runs on each batch as it is written; it starts from an up-to-date cursor.
    let mut ai_events = crate::ai_detect::catch_up(ctx, store)?;
    let mut detector = crate::ai_detect::Inline {
        people: crate::ai_detect::load_people(store)?,
        catalogue: ctx.catalogue,
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
    let mut options = settings.options(ctx);
    let key = crate::secrets::secret_key(ctx, store)?;
    options.message_filter = Some(std::sync::Arc::new(crate::secrets::Redactor::new(
        ctx, key,
    )?));
    let mut appended = AppendSummary::default();
    let interrupt = ctx.interrupt;
    // Both callbacks reach the store: loading recorded commits (only when something changed)
    // and appending batches (on ingest's writer thread).
    let shared = Mutex::new(&mut *store);
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
    ctx.progress.start(crate::phase::INGEST, &repo.name, None);
    let report = devspm_git::ingest(
        repo,
        known,
        &mut load_commits,
        &mut aliases,
        &options,
        &IngestProgress(ctx.progress),
        &mut |events| {
            if interrupt.raised() {
                return Err("interrupted".to_owned());
            }
            let mut store = shared
                .lock()
                .map_err(|_| "the ledger is unavailable".to_owned())?;
            appended += detector
                .append(&mut **store, events)
                .map_err(|e| e.to_string())?;
            Ok(())
        },
    );
    ctx.progress.finish();
    interrupt.check()?;
    let report = report?;
    ai_events += detector.appended;
    Ok(RepositoryIngest {
        report,
        events_appended: appended.appended - detector.appended,
        ai_events_appended: ai_events,
    })
}

/// Resolves every alias against the current evidence and appends what changed.
pub fn resolve_identities(
    ctx: &Context<'_>,
    store: &mut (impl EventLog + Identities),
) -> Result<u64, EngineError> {
    let state = store.resolver_state()?;
    let events = resolve(&ResolverInput {
        aliases: &state.aliases,
        links: &state.links,
        authored: &state.authored,
        judgements: &state.judgements,
        current: &state.current,
        identities: &state.identities,
        catalogue: ctx.catalogue,
        config: ctx.config,
    });
    Ok(store.append(events)?.appended)
}

/// What the analyzers run after an ingest appended.
#[derive(Clone, Copy, Debug, Default)]
pub struct Analysis {
    /// Identity resolution events.
    pub identity_events_appended: u64,
    /// AI involvement and line-level events of the analyzers of recorded commits and of the
    /// repositories (the inline detector's are counted with the ingest).
    pub ai_events_appended: u64,
    /// Whether the CI inventory of HEAD ran (and so recorded HEAD's CI audit).
    pub ci_inventory_ran: bool,
    /// What the insider-threat signals analyzer did.
    pub signals: crate::signals::SignalsRun,
}

/// The repositories `devspm ingest git` is given, each opened before the ledger is (a typo
/// fails before anything is written): each path itself, or with `recursive` every repository
/// found under it, `max_depth` levels deep.
pub fn open_repositories(
    paths: &[std::path::PathBuf],
    recursive: bool,
    max_depth: usize,
) -> Result<Vec<devspm_git::Repo>, EngineError> {
    let mut found = Vec::new();
    for path in paths {
        if !recursive {
            found.push(path.clone());
            continue;
        }
        if !path.is_dir() {
            return Err(EngineError::Invalid(format!(
                "{} is not a folder (--recursive looks for repositories inside a folder)",
                path.display()
            )));
        }
        let inside = devspm_git::discover_repositories(path, max_depth);
        if inside.is_empty() {
            return Err(EngineError::NotFound(format!(
                "no git repositories found under {} (searched {max_depth} levels deep; see --max-depth)",
                path.display()
            )));
        }
        found.extend(inside);
    }
    Ok(found
        .iter()
        .map(|path| devspm_git::open(path))
        .collect::<Result<Vec<_>, _>>()?)
}

/// What `devspm ingest git` did over all its repositories.
#[derive(Serialize)]
pub struct IngestRun {
    pub database: String,
    pub repositories: Vec<RepositoryIngest>,
    pub identity_events_appended: u64,
    /// `ai_involvement` events appended during ingest and after it.
    pub ai_events_appended: u64,
    pub signals: crate::signals::SignalsRun,
}

/// After each repository of `devspm ingest git` was ingested ([`ingest`]): the analyzers over
/// all of them ([`analyze`]), and what the whole run did.
pub fn finish_ingest<S: Ledger>(
    ctx: &Context<'_>,
    store: &mut S,
    repos: &[devspm_git::Repo],
    repositories: Vec<RepositoryIngest>,
) -> Result<IngestRun, EngineError> {
    let analysis = analyze(ctx, store, &repos.iter().collect::<Vec<_>>())?;
    Ok(IngestRun {
        database: store.location().to_owned(),
        ai_events_appended: repositories
            .iter()
            .map(|r| r.ai_events_appended)
            .sum::<u64>()
            + analysis.ai_events_appended,
        repositories,
        identity_events_appended: analysis.identity_events_appended,
        signals: analysis.signals,
    })
}

/// Runs what follows the ingest of `repos`: identity resolution, then the analyzers
/// ([`crate::analyzer`]) in order — the AI detector on commits recorded without it, each
/// repository's analyzers, the findings of secrets redacted from commit messages, the
/// tool-spread signal across repositories, and the insider-threat signals.
pub fn analyze<S: Ledger>(
    ctx: &Context<'_>,
    store: &mut S,
    repos: &[&devspm_git::Repo],
) -> Result<Analysis, EngineError> {
    use crate::analyzer::{Analyzed, Analyzer, run};
    let mut analysis = Analysis {
        identity_events_appended: resolve_identities(ctx, store)?,
        ..Analysis::default()
    };
    let mut commits = crate::ai_detect::CommitDetector::default();
    analysis.ai_events_appended += run(ctx, store, &mut commits)?.appended;
    for repo in repos {
        // Each runs when the refs (or HEAD) differ from those it last completed over; a
        // re-scan of an unchanged repository stays a ref listing.
        use crate::analyzer::OfRepository;
        let of = |name, analyze| OfRepository {
            name,
            repo,
            analyze,
        };
        let analyzers: [OfRepository<'_, S>; 5] = [
            of(crate::ai_detect::AGENT_BRANCHES, |ctx, store, repo| {
                Ok(crate::ai_detect::branch_evidence(ctx, store, repo)?.into())
            }),
            of(crate::ai_tooling::ANALYZER, |ctx, store, repo| {
                Ok(Analyzed::appended(crate::ai_tooling::inspect_head(
                    ctx, store, repo,
                )?))
            }),
            of(crate::ai_notes::GIT_AI_NOTES, |ctx, store, repo| {
                Ok(crate::ai_notes::read_notes(ctx, store, repo)?.into())
            }),
            of(crate::ai_notes::AGENT_TRACES, |ctx, store, repo| {
                Ok(crate::ai_notes::read_agent_traces(ctx, store, repo)?.into())
            }),
            of(crate::ci::INVENTORY, |ctx, store, repo| {
                Ok(Analyzed::appended(crate::ci::inspect_head(
                    ctx, store, repo,
                )?))
            }),
        ];
        for mut analyzer in analyzers {
            let ran = run(ctx, store, &mut analyzer)?;
            analysis.ai_events_appended += ran.appended;
            analysis.ci_inventory_ran |= ran.ran && analyzer.name() == crate::ci::INVENTORY;
        }
    }
    run(
        ctx,
        store,
        &mut crate::message_secrets::MessageSecrets::default(),
    )?;
    let spread = run(ctx, store, &mut crate::signals::ToolSpread)?;
    let mut signals = crate::signals::Signals::new(repos);
    let ran = run(ctx, store, &mut signals)?;
    analysis.signals = crate::signals::SignalsRun {
        signals_appended: spread.appended + ran.appended,
        ..signals.run
    };
    Ok(analysis)
}

/// Brings the ledger's record of `repo` up to date (new commits, identities, AI evidence,
/// the repository analyzers), so that findings can be attributed to recorded commits. Returns
/// whether the CI inventory of HEAD ran (and so recorded HEAD's CI audit).
pub fn bring_up_to_date<S: Ledger + Send>(
    ctx: &Context<'_>,
    store: &mut S,
    repo: &devspm_git::Repo,
) -> Result<bool, EngineError> {
    ingest(ctx, store, repo, &IngestSettings::default())?;
    Ok(analyze(ctx, store, &[repo])?.ci_inventory_ran)
}

/// What `scan` is asked to do besides recording.
#[derive(Clone, Debug, Default)]
pub struct ScanOptions {
    pub ingest: IngestSettings,
    /// Top contributors listed in the summary.
    pub top: usize,
    /// Run the built-in detectors (secrets, vulnerable dependencies).
    pub detectors: bool,
    /// `--fail-on`: gate the repository's findings at this severity word.
    pub fail_on: Option<String>,
}

/// What a scan did and what the ledger now says about the repository.
#[derive(Serialize)]
pub struct ScanReport {
    /// Where the ledger is.
    pub database: String,
    pub ingest: RepositoryIngest,
    pub identity_events_appended: u64,
    pub ai_events_appended: u64,
    /// What the insider-threat signals analyzer did.
    pub signals: crate::signals::SignalsRun,
    pub summary: RepositorySummary,
    /// Present when findings were imported for the repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub findings: Option<FindingsSection>,
    /// What the built-in detectors did (absent when they did not run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detectors: Option<crate::detector::DetectorsSection>,
    /// The `--fail-on` gate over the repository's findings, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<crate::gate::GateOutcome>,
}

/// The built-in detectors, in the order a scan runs them and its summary lists them. Adding
/// one is a module implementing [`Detector`] and one line here.
fn detectors<'a, S: Ledger + 'a>() -> [&'a dyn Detector<S>; 2] {
    [&crate::secrets::Secrets, &crate::advisories::Dependencies]
}

/// The findings part of the scan summary.
#[derive(Serialize)]
pub struct FindingsSection {
    /// Open findings no ignore sets aside.
    pub open: u64,
    /// Open findings an ignore sets aside (`devspm findings --show-ignored` lists them).
    pub ignored: u64,
    /// Open findings (not ignored) per path context, most first.
    pub open_by_context: Vec<(devspm_core::gating::PathContext, u64)>,
    /// Ignores past their last day (no longer applied).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expired_ignores: Vec<crate::gate::ExpiredIgnore>,
    pub fixed: u64,
    /// Open findings per severity, highest first.
    pub open_by_severity: Vec<(String, u64)>,
    pub attributed: u64,
    pub unattributable: u64,
    /// Open findings an AI agent took part in introducing.
    pub open_with_ai: u64,
    /// Who introduced the open findings: (developer, open findings), most first.
    pub introduced_by: Vec<(String, u64)>,
}

/// Records `repo`, runs the analyzers and (unless turned off) the built-in detectors, and
/// summarises the repository as the ledger now holds it.
pub fn scan<S: Ledger + Send>(
    ctx: &Context<'_>,
    store: &mut S,
    repo: &devspm_git::Repo,
    options: &ScanOptions,
) -> Result<ScanReport, EngineError> {
    let ingest = ingest(ctx, store, repo, &options.ingest)?;
    let analysis = analyze(ctx, store, &[repo])?;
    let detectors = if options.detectors {
        ctx.interrupt.check()?;
        Some(crate::detector::run_all(
            ctx,
            store,
            repo,
            &detectors::<S>(),
        )?)
    } else {
        None
    };
    let summary = store.repository_summary(&ingest.report.repo, options.top)?;
    let (rules, assessment) = crate::gate::repository_findings(ctx, store, repo, &[])?;
    let gate = options
        .fail_on
        .as_deref()
        .map(|level| assessment.gate(level, &rules.fail_on));
    let findings = findings_section(store, &assessment)?;
    Ok(ScanReport {
        database: store.location().to_owned(),
        identity_events_appended: analysis.identity_events_appended,
        ai_events_appended: ingest.ai_events_appended + analysis.ai_events_appended,
        signals: analysis.signals,
        ingest,
        summary,
        findings,
        detectors,
        gate,
    })
}

fn findings_section(
    store: &impl Ledger,
    assessment: &crate::gate::Assessment,
) -> Result<Option<FindingsSection>, EngineError> {
    if assessment.findings.is_empty() {
        return Ok(None);
    }
    let rows: Vec<&devspm_ledger::findings::FindingRow> =
        assessment.findings.iter().map(|a| &a.row).collect();
    let open: Vec<_> = assessment
        .findings
        .iter()
        .filter(|a| a.row.status == "open" && a.ignored.is_none())
        .collect();
    let mut open_by_context: Vec<(devspm_core::gating::PathContext, u64)> = Vec::new();
    for a in &open {
        match open_by_context.iter_mut().find(|(c, _)| *c == a.context) {
            Some((_, n)) => *n += 1,
            None => open_by_context.push((a.context, 1)),
        }
    }
    open_by_context.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let open: Vec<_> = open.into_iter().map(|a| &a.row).collect();
    let mut by_severity: Vec<(String, u64)> = Vec::new();
    for level in ["critical", "high", "medium", "low", "info", "unknown"] {
        let n = open.iter().filter(|r| r.severity == level).count() as u64;
        if n > 0 {
            by_severity.push((level.to_owned(), n));
        }
    }
    // Grouped by resolved identity (one developer with several aliases is one row), shown by
    // the identity's display name: the name and e-mail of its alias with the most commits.
    let mut people: HashMap<String, u64> = HashMap::new();
    for r in &open {
        if let Some(who) = r.developer.clone().or_else(|| r.developer_name.clone()) {
            *people.entry(who).or_default() += 1;
        }
    }
    let names: HashMap<String, String> = if people.is_empty() {
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
        ignored: assessment.ignored as u64,
        open_by_context,
        expired_ignores: assessment.expired_ignores.clone(),
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
