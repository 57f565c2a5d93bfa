//! Posture (`devspm posture`, `devspm posture explain`): reads the window's facts through
//! [`devspm_ledger::PostureStore`], marks which commits are on each repository's default
//! branch, and hands everything to `devspm-posture`, which computes the metrics and scores.
//! Read-only: nothing is appended to the ledger.
//!
//! Teams: from `devspm.toml` when it names any; else from CODEOWNERS at HEAD of every
//! repository on this machine (its recorded path, or the repository the front end runs in):
//! each developer's team is the owner of most of the files they changed in the window
//! (`devspm_posture::codeowners`). A note says which.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use devspm_ledger::{AnalyzerState, EventLog, EvidenceStore, PostureStore};
use devspm_posture::codeowners::{self, Codeowners, PathChange};
use devspm_posture::graph::{DEFAULT_BRANCH_CANDIDATES, default_branch, reachable};
use devspm_posture::{
    Explanation, Facts, PostureReport, Request, Selection, Settings, SubjectKind, SubjectRef,
    Window,
};
use devspm_report::report::{CodeownersFile, TeamMember, Teams};

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
    /// The folder the front end runs in: its repository is read for CODEOWNERS when its
    /// recorded locator is not a path on this machine.
    pub workdir: Option<&'a Path>,
}

/// Every developer, team, agent and repository with activity in the window, scored.
pub fn posture<S: EvidenceStore + crate::Ledger>(
    ctx: &Context<'_>,
    store: &S,
    request: &PostureRequest<'_>,
) -> Result<PostureReport, EngineError> {
    let (settings, run, facts, teams) = gather(ctx, store, request)?;
    let selection = Selection {
        developer: request.developer.map(str::to_owned),
        team: request.team.map(str::to_owned),
        agent: request.agent.map(str::to_owned),
    };
    let mut report = devspm_posture::assess(&facts, &run, &settings, &selection);
    report.notes.insert(0, teams_note(&teams));
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
pub fn explain<S: EvidenceStore + crate::Ledger>(
    ctx: &Context<'_>,
    store: &S,
    request: &PostureRequest<'_>,
    subject: &str,
) -> Result<Explanation, EngineError> {
    let (settings, run, facts, teams) = gather(ctx, store, request)?;
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
    let mut explanation = devspm_posture::explain(&facts, &run, &settings, &subject_ref);
    explanation.notes.insert(0, teams_note(&teams));
    Ok(explanation)
}

/// The settings, the window and the facts of a request.
pub(crate) fn gather<S: EvidenceStore + crate::Ledger>(
    ctx: &Context<'_>,
    store: &S,
    request: &PostureRequest<'_>,
) -> Result<(Settings, Request, Facts, Teams), EngineError> {
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
        tools: judge_tools(ctx, store.posture_tools()?),
        policy_declared: ctx.policy.declared,
    };
    detectors_ran(store, &mut facts)?;
    mark_default_branch(store, &mut facts)?;
    fixing_commits(store, &mut facts)?;
    secrets_at_head(store, &mut facts)?;
    let teams = teams(store, &mut facts, &window, request.workdir)?;
    Ok((
        settings,
        Request {
            window,
            scope,
            today,
        },
        facts,
        teams,
    ))
}

/// The policy's verdict on every tool in use: repository tools judged now with the `[policy]`
/// of the configuration (as `devspm policy check` judges them; none without a policy, or for a
/// kind no policy category covers), workstation tools with the verdict their scan recorded.
fn judge_tools(
    ctx: &Context<'_>,
    tools: Vec<devspm_core::posture::ToolFact>,
) -> Vec<devspm_posture::JudgedTool> {
    use devspm_governance::policy::{Category, Item};
    tools
        .into_iter()
        .filter_map(|tool| {
            let verdict = if tool.origin == "workstation" {
                tool.recorded_verdict.clone()?
            } else {
                if !ctx.policy.declared {
                    return None;
                }
                let category = crate::policy::repository_category(&tool.kind)?;
                let pin = matches!(
                    category,
                    Category::Action
                        | Category::ReusableWorkflow
                        | Category::ContainerImage
                        | Category::PrecommitHook
                )
                .then(|| crate::policy::pin_level(tool.version.as_deref()));
                ctx.policy
                    .verdict(&Item {
                        category,
                        name: &tool.name,
                        version: tool.version.as_deref(),
                        pin,
                    })
                    .status
                    .as_str()
                    .to_owned()
            };
            Some(devspm_posture::JudgedTool { tool, verdict })
        })
        .collect()
}

/// The built-in detectors record an import only when they find something; a completed run is
/// recorded as the analyzer's state. A repository they ran on has been looked at, findings or
/// not: it counts as scanned (and, for the secret detector, as searched for secrets).
fn detectors_ran<S: AnalyzerState + PostureStore + EvidenceStore>(
    store: &S,
    facts: &mut Facts,
) -> Result<(), EngineError> {
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

/// Fills `fixed_in` of every finding found fixed: the first change to its file after it was
/// last seen, on the way to the revision it was found gone at (`devspm_posture::fixes`).
fn fixing_commits<S: PostureStore + crate::Ledger>(
    store: &S,
    facts: &mut Facts,
) -> Result<(), EngineError> {
    let fixed: Vec<usize> = (0..facts.findings.len())
        .filter(|&i| {
            let f = &facts.findings[i];
            f.status == "fixed" && f.fixed_revision.is_some() && f.fixed_at.is_some()
        })
        .collect();
    if fixed.is_empty() {
        return Ok(());
    }
    let repos: HashSet<String> = fixed
        .iter()
        .map(|&i| facts.findings[i].repo.clone())
        .collect();
    for repo in repos {
        // Where each finding was and when it was last seen.
        let rows: HashMap<String, devspm_ledger::FindingRow> = store
            .findings(&devspm_ledger::FindingFilter {
                repo: Some(repo.clone()),
                status: Some("fixed".to_owned()),
                ..Default::default()
            })?
            .into_iter()
            .map(|r| (r.finding.clone(), r))
            .collect();
        let parents = store.commit_parents(&repo)?;
        for &i in &fixed {
            let f = &facts.findings[i];
            if f.repo != repo {
                continue;
            }
            let Some(row) = rows.get(&f.finding) else {
                continue;
            };
            let (Some(path), Some(last_seen), Some(gone)) =
                (&row.path, &row.last_revision, &f.fixed_revision)
            else {
                continue;
            };
            let Some(between) = devspm_posture::fixes::between(&parents, last_seen, gone) else {
                continue;
            };
            let files = store.commit_paths(&repo, &between)?;
            let candidates: Vec<(&str, i64, &[String])> = between
                .iter()
                .filter_map(|c| files.get(*c).map(|(t, ps)| (*c, *t, ps.as_slice())))
                .collect();
            let fix = devspm_posture::fixes::fixing_commit(&candidates, path);
            facts.findings[i].fixed_in = fix.map(|f| f.commit);
        }
    }
    Ok(())
}

/// Fills `live_at_head` of every open secret from its `attribution` event (the secret
/// detector records there whether the value is still in the file at HEAD).
fn secrets_at_head<S: EventLog>(store: &S, facts: &mut Facts) -> Result<(), EngineError> {
    for f in facts
        .findings
        .iter_mut()
        .filter(|f| f.kind == "secret" && f.status == "open")
    {
        let Some(seq) = f.attribution_seq else {
            continue;
        };
        let event = store.events(Some("attribution"), seq.saturating_sub(1), 1)?;
        if let Some(e) = event.first().filter(|e| e.seq == seq) {
            let payload: serde_json::Value = crate::recorded_payload(store, e)?;
            f.live_at_head = payload["present_at_head"].as_bool();
        }
    }
    Ok(())
}

/// Fills `on_default_branch` of every commit whose repository has a default branch: the
/// commits reachable from its tip, through the whole recorded graph.
fn mark_default_branch<S: PostureStore + EvidenceStore>(
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

/// Teams from the configuration, else from CODEOWNERS (filling in `facts`' identities).
pub(crate) fn teams<S: PostureStore + EvidenceStore>(
    store: &S,
    facts: &mut Facts,
    window: &devspm_posture::Window,
    workdir: Option<&Path>,
) -> Result<Teams, EngineError> {
    if facts.identities.iter().any(|i| i.team.is_some()) {
        return Ok(Teams {
            source: "config".to_owned(),
            ..Teams::default()
        });
    }
    let mut out = Teams {
        source: "none".to_owned(),
        ..Teams::default()
    };
    let here = workdir.and_then(devspm_git::discover);
    let mut files: HashMap<String, Codeowners> = HashMap::new();
    for row in store.repositories()? {
        let opened = match row.locator.strip_prefix("file://") {
            Some(path) => devspm_git::open(Path::new(path)).ok(),
            None => None,
        }
        .or_else(|| {
            here.as_ref()
                .filter(|h| h.id == row.repo)
                .and_then(|h| devspm_git::open(&h.path).ok())
        });
        let Some(repo) = opened.filter(|r| r.id == row.repo) else {
            out.unread.push((
                row.name.clone(),
                "not on this machine at its recorded location; run the report inside it".into(),
            ));
            continue;
        };
        let head = match devspm_git::head_commit(&repo) {
            Ok(Some(head)) => head,
            _ => {
                out.unread
                    .push((row.name.clone(), "HEAD does not name a commit".into()));
                continue;
            }
        };
        let wanted: HashSet<&str> = codeowners::LOCATIONS.into_iter().collect();
        let found = match devspm_git::files_at(&repo, &head, &|p| wanted.contains(p), 1 << 20) {
            Ok(found) => found,
            Err(e) => {
                out.unread.push((row.name.clone(), e.to_string()));
                continue;
            }
        };
        // GitHub's order: the first location that holds a readable file.
        let chosen = codeowners::LOCATIONS.iter().find_map(|location| {
            found
                .iter()
                .find(|f| f.path == *location)
                .and_then(|f| f.content.as_ref().ok().map(|c| (f.path.clone(), c)))
        });
        if let Some((path, content)) = chosen {
            let parsed = Codeowners::parse(&String::from_utf8_lossy(content));
            out.files.push(CodeownersFile {
                repo: row.repo.clone(),
                repository: row.name.clone(),
                path,
                revision: head,
                rules: parsed.rules.len(),
            });
            files.insert(row.repo.clone(), parsed);
        }
    }
    if files.is_empty() {
        return Ok(out);
    }
    let authors: HashMap<(&str, &str), &str> = facts
        .commits
        .iter()
        .filter_map(|c| {
            Some((
                (c.repo.as_str(), c.sha.as_str()),
                c.author_identity.as_deref()?,
            ))
        })
        .collect();
    let developers: HashSet<&str> = facts
        .identities
        .iter()
        .filter(|i| i.kind == "developer")
        .map(|i| i.identity.as_str())
        .collect();
    let paths = store.posture_paths(window.since, window.until)?;
    let changes: Vec<PathChange<'_>> = paths
        .iter()
        .filter_map(|p| {
            let developer = *authors.get(&(p.repo.as_str(), p.sha.as_str()))?;
            developers.contains(developer).then_some(PathChange {
                developer,
                repo: &p.repo,
                path: &p.path,
                lines: p.lines,
            })
        })
        .collect();
    let chosen = codeowners::assign(&files, &changes);
    out.source = "codeowners".to_owned();
    for identity in &mut facts.identities {
        if let Some(choice) = chosen.get(&identity.identity) {
            identity.team = Some(choice.team.clone());
            out.members.push(TeamMember {
                identity: identity.identity.clone(),
                name: identity
                    .name
                    .clone()
                    .unwrap_or_else(|| identity.identity.clone()),
                team: choice.team.clone(),
                owned_changes: choice.owned_changes,
                changes: choice.changes,
            });
        }
    }
    out.members
        .sort_by(|a, b| a.team.cmp(&b.team).then(a.name.cmp(&b.name)));
    Ok(out)
}

/// Where the teams came from, in one sentence.
fn teams_note(teams: &Teams) -> String {
    match teams.source.as_str() {
        "config" => "teams come from devspm.toml (team = … of [[identity]])".to_owned(),
        "codeowners" => format!(
            "devspm.toml names no teams: each developer's team is the owner, in CODEOWNERS at HEAD ({}), of most of the files they changed in the window",
            teams
                .files
                .iter()
                .map(|f| format!("{} {}", f.repository, f.path))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        _ => "no teams: devspm.toml names none and no CODEOWNERS file was read".to_owned(),
    }
}
