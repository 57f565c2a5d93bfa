//! Posture (`devspm posture`, `devspm posture explain`): reads the window's facts through
//! [`devspm_ledger::PostureStore`], marks which commits are on each repository's default
//! branch, and hands everything to `devspm-posture`, which computes the metrics and scores.
//! Read-only: nothing is appended to the ledger.

use devspm_ledger::{PostureStore, Store};
use devspm_posture::graph::{DEFAULT_BRANCH_CANDIDATES, default_branch, reachable};
use devspm_posture::{
    Explanation, Facts, PostureReport, Request, Selection, Settings, SubjectKind, SubjectRef,
    Window,
};

use crate::{Context, EngineError};

/// What a front end asks for, as given (days as `YYYY-MM-DD`).
#[derive(Clone, Debug, Default)]
pub struct PostureRequest<'a> {
    /// First day of the window (UTC). Default: `window_days` days up to `until`.
    pub since: Option<&'a str>,
    /// Last day of the window (UTC, inclusive). Default: the day of the newest recorded
    /// commit, so that a ledger not updated for a while still shows its last 90 days.
    pub until: Option<&'a str>,
    /// Only this recorded repository (a path to it, its name, locator or id).
    pub repo: Option<&'a str>,
    /// List only this developer (an identity id, e-mail or name), team or agent.
    pub developer: Option<&'a str>,
    pub team: Option<&'a str>,
    pub agent: Option<&'a str>,
}

/// Every developer, team, agent and repository with activity in the window, scored.
pub fn posture<S: Store + PostureStore>(
    ctx: &Context<'_>,
    store: &S,
    request: &PostureRequest<'_>,
) -> Result<PostureReport, EngineError> {
    let (settings, run, facts) = gather(ctx, store, request)?;
    let selection = Selection {
        developer: request.developer.map(str::to_owned),
        team: request.team.map(str::to_owned),
        agent: request.agent.map(str::to_owned),
    };
    let report = devspm_posture::assess(&facts, &run, &settings, &selection);
    if report.subjects.is_empty() {
        for (kind, value) in [
            ("developer", request.developer),
            ("team", request.team),
            ("agent", request.agent),
        ] {
            if let Some(value) = value
                && devspm_posture::find_subjects(&facts, &format!("{kind}:{value}")).is_empty()
            {
                return Err(EngineError::NotFound(format!(
                    "no {kind} `{value}` is recorded{}",
                    if kind == "agent" {
                        " with commits in the window (`devspm ai` lists the agents)"
                    } else if kind == "team" {
                        " (teams come from `team = …` of [[identity]] in devspm.toml)"
                    } else {
                        " (`devspm identities` lists them)"
                    }
                )));
            }
        }
    }
    Ok(report)
}

/// One subject's posture with the evidence behind each factor. `subject` is `kind:value`
/// (`developer:`, `team:`, `agent:`, `repo:`) or a value alone: an identity id, e-mail or
/// name, an agent id, a team, a repository name or id.
pub fn explain<S: Store + PostureStore>(
    ctx: &Context<'_>,
    store: &S,
    request: &PostureRequest<'_>,
    subject: &str,
) -> Result<Explanation, EngineError> {
    let (settings, run, facts) = gather(ctx, store, request)?;
    let mut found = devspm_posture::find_subjects(&facts, subject);
    // A repository named by a path to it.
    if found.is_empty()
        && let Some(repo) = crate::audit::recorded_repository(store, subject)?
    {
        found.push(SubjectRef {
            kind: SubjectKind::Repository,
            id: repo,
        });
    }
    let subject_ref = match found.as_slice() {
        [] => {
            return Err(EngineError::NotFound(format!(
                "no developer, team, agent or repository is named `{subject}` (`devspm posture` lists them; `devspm identities` lists the developers)"
            )));
        }
        [one] => one.clone(),
        many => {
            return Err(EngineError::Invalid(format!(
                "`{subject}` names {} subjects: {}; say which",
                many.len(),
                many.iter()
                    .map(|s| format!("{}:{}", s.kind.as_str(), s.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    };
    Ok(devspm_posture::explain(
        &facts,
        &run,
        &settings,
        &subject_ref,
    ))
}

/// The settings, the window and the facts of a request.
fn gather<S: Store + PostureStore>(
    ctx: &Context<'_>,
    store: &S,
    request: &PostureRequest<'_>,
) -> Result<(Settings, Request, Facts), EngineError> {
    let settings = Settings::from_config(&ctx.config.posture)
        .map_err(|e| EngineError::Invalid(format!("configuration [posture]: {e}")))?;
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    let until = match request.until {
        Some(text) => crate::audit::parse_date("--until", text)?,
        None => match store.commit_time_span()? {
            Some((_, newest)) => devspm_posture::window::day(newest).ok_or_else(|| {
                EngineError::Invalid(format!("the newest commit's time {newest} is out of range"))
            })?,
            None => crate::audit::parse_date("today", &today)?,
        },
    };
    let window = match request.since {
        Some(text) => Window::new(crate::audit::parse_date("--since", text)?, until),
        None => Window::ending(until, settings.window_days),
    }
    .map_err(EngineError::Invalid)?;
    let scope = match request.repo {
        Some(value) => Some(
            crate::audit::recorded_repository(store, value)?.ok_or_else(|| {
                EngineError::NotFound(format!(
                    "no recorded repository is named `{value}` (a path to it, its name as `devspm scan` prints it, or its id)"
                ))
            })?,
        ),
        None => None,
    };
    ctx.interrupt.check()?;
    let mut facts = Facts {
        commits: store.posture_commits(window.since, window.until)?,
        findings: store.posture_findings(window.since, window.until)?,
        identities: store.posture_identities()?,
        hook_overrides: store.hook_overrides()?,
        coverage: store.scan_coverage()?,
        repositories: store.posture_repositories(&DEFAULT_BRANCH_CANDIDATES)?,
        unattributed_findings: store.unattributed_findings()?,
        secret_tools: vec![crate::secrets::TOOL.to_owned()],
    };
    detectors_ran(store, &mut facts)?;
    mark_default_branch(store, &mut facts)?;
    Ok((
        settings,
        Request {
            window,
            scope,
            today,
        },
        facts,
    ))
}

/// The built-in detectors record an import only when they find something; a completed run is
/// recorded as the analyzer's state. A repository they ran on has been looked at, findings or
/// not: it counts as scanned (and, for the secret detector, as searched for secrets).
fn detectors_ran<S: Store + PostureStore>(store: &S, facts: &mut Facts) -> Result<(), EngineError> {
    for repository in &facts.repositories {
        for tool in [crate::secrets::TOOL, crate::advisories::TOOL] {
            let recorded = facts
                .coverage
                .iter()
                .any(|c| c.repo == repository.repo && c.tool == tool);
            if !recorded && store.analyzed(tool, &repository.repo)?.is_some() {
                facts.coverage.push(devspm_core::posture::ScanCoverage {
                    repo: repository.repo.clone(),
                    tool: tool.to_owned(),
                    imports: 0,
                    first_seq: 0,
                    last_seq: 0,
                    secret_findings: 0,
                });
            }
        }
    }
    Ok(())
}

/// Fills `on_default_branch` of every commit whose repository has a default branch: the
/// commits reachable from its tip, through the whole recorded graph.
fn mark_default_branch<S: Store + PostureStore>(
    store: &S,
    facts: &mut Facts,
) -> Result<(), EngineError> {
    for repository in &facts.repositories {
        let Some((_, tip)) = default_branch(&repository.refs) else {
            continue;
        };
        if !facts.commits.iter().any(|c| c.repo == repository.repo) {
            continue;
        }
        let parents = store.commit_parents(&repository.repo)?;
        let on = reachable(tip, &parents);
        for c in facts
            .commits
            .iter_mut()
            .filter(|c| c.repo == repository.repo)
        {
            c.on_default_branch = Some(on.contains(c.sha.as_str()));
        }
    }
    Ok(())
}
