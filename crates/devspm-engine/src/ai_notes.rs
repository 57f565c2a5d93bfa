//! Line-level AI authorship from git-ai notes (`refs/notes/ai`): `ai_lines` events per commit,
//! file and agent, an `ai_involvement` (exact: the tool wrote the note) for each annotated
//! commit, and orphaned notes — whose commit is not a recorded commit of the repository, lost to
//! a rebase or a squash — kept as evidence. Malformed notes are skipped with a warning naming
//! the commit and the reason, recorded as ingest gaps. The same from Agent Trace records
//! (`.agent-trace/traces.jsonl`). Two repository analyzers ([`crate::analyzer`]):
//! [`GIT_AI_NOTES`] and [`AGENT_TRACES`].

use devspm_ai::gitai::parse_note;
use devspm_core::NewEvent;
use devspm_core::catalogue::Catalogue;
use devspm_core::event::{AiEvidence, AiInvolvement, AiLines, IngestGap};
use devspm_ledger::{EventLog, IngestState};

use crate::repository::files_or_gap;
use crate::{Context, Diagnostics, EngineError};

const NOTES_REF: &str = "refs/notes/ai";

/// An exact `assisted` involvement for a commit a tool's own record (a git-ai note, an Agent
/// Trace record) says it wrote lines of; keyed by commit, agent and `source`.
fn record_involvement(
    repo: &str,
    commit: &str,
    agent: &str,
    source: &str,
    marker: &str,
    matched: String,
) -> NewEvent {
    NewEvent::new(
        format!(
            "ai/{repo}/{commit}/{agent}/{source}/v{}",
            devspm_ai::DETECTOR_VERSION
        ),
        format!("agent:{agent}"),
        format!("commit:{repo}/{commit}"),
        AiInvolvement {
            repo: repo.to_owned(),
            commit: commit.to_owned(),
            agent: agent.to_owned(),
            role: devspm_ai::Role::Assisted.as_str().to_owned(),
            confidence: "exact".into(),
            evidence: vec![AiEvidence {
                marker: marker.to_owned(),
                matched,
            }],
            accountable: None,
            model: None,
            detector: devspm_ai::DETECTOR_VERSION,
        },
    )
}

/// The repository analyzers of git-ai notes ([`read_notes`]) and of Agent Trace records
/// ([`read_agent_traces`]).
pub const GIT_AI_NOTES: &str = "ai-notes";
pub const AGENT_TRACES: &str = "agent-trace";

/// Reads the repository's git-ai notes: their events.
pub fn read_notes(
    ctx: &Context<'_>,
    store: &impl IngestState,
    repo: &devspm_git::Repo,
) -> Result<Vec<NewEvent>, EngineError> {
    let (catalogue, diagnostics) = (ctx.catalogue, ctx.diagnostics);
    // Current notes, then legacy `authorship/0.0.1` records under `refs/ai/authorship/`, each
    // line record kept with its source.
    let mut notes: Vec<(devspm_git::Note, &str, &str)> = devspm_git::notes(repo, NOTES_REF)?
        .into_iter()
        .map(|note| (note, "git-ai", NOTES_REF))
        .collect();
    notes.extend(
        devspm_git::legacy_authorship(repo)?
            .into_iter()
            .map(|note| (note, "git-ai-legacy", "refs/ai/authorship")),
    );
    if notes.is_empty() {
        return Ok(Vec::new());
    }
    let recorded = store.recorded_commits(&repo.id)?;
    let mut events = Vec::new();
    for ((commit, content), source, location) in notes {
        let parsed = content.and_then(|bytes| {
            String::from_utf8(bytes)
                .map_err(|_| "the note is not UTF-8".to_owned())
                .and_then(|text| parse_note(&text))
        });
        let lines = match parsed {
            Ok(lines) => lines,
            Err(reason) => {
                diagnostics.warn(format!(
                    "skipped the git-ai note of commit {commit} in {}: {reason}",
                    repo.name
                ));
                events.push(
                    IngestGap {
                        repo: repo.id.clone(),
                        what: "unreadable_note".into(),
                        object: commit.clone(),
                        detail: reason,
                    }
                    .into_event("devspm:git-ai-notes"),
                );
                continue;
            }
        };
        let orphaned = !recorded.commits.contains_key(&commit) || recorded.lost.contains(&commit);
        let mut agents = std::collections::BTreeSet::new();
        for record in lines {
            // Lines of a session the note does not describe are AI's, by an agent not named.
            let agent = if record.tool == devspm_ai::gitai::UNDESCRIBED_SESSION {
                "unknown".to_owned()
            } else {
                devspm_ai::agent_named(&record.tool, catalogue)
            };
            agents.insert((agent.clone(), record.tool.clone()));
            events.push(
                AiLines {
                    repo: repo.id.clone(),
                    commit: commit.clone(),
                    path: record.path,
                    agent,
                    tool: record.tool,
                    model: record.model,
                    ranges: record.ranges.into_iter().map(|(a, b)| [a, b]).collect(),
                    source: source.into(),
                    orphaned,
                }
                .into_event(),
            );
        }
        if orphaned {
            continue;
        }
        for (agent, tool) in agents {
            let matched = if tool == devspm_ai::gitai::UNDESCRIBED_SESSION {
                format!("{location}: a session the note's metadata does not describe")
            } else {
                format!("{location}: tool {tool}")
            };
            events.push(record_involvement(
                &repo.id,
                &commit,
                &agent,
                "git-ai",
                "git-ai note",
                matched,
            ));
        }
    }
    Ok(events)
}

/// (commit, path, agent) and (tool, model, ranges) of merged Agent Trace records.
type TraceKey = (String, String, String);
type TraceRanges = (String, Option<String>, Vec<[u32; 2]>);

/// Where Agent Trace records live, and how large a traces file is read.
const TRACES_PATH: &str = ".agent-trace/traces.jsonl";
const MAX_TRACES_BYTES: u64 = 64 << 20;

/// Reads Agent Trace records (`.agent-trace/traces.jsonl`) at HEAD and at the other branch
/// heads: their events (an unreadable tree is recorded as a gap at once).
pub fn read_agent_traces(
    ctx: &Context<'_>,
    store: &mut (impl EventLog + IngestState),
    repo: &devspm_git::Repo,
) -> Result<Vec<NewEvent>, EngineError> {
    let (catalogue, diagnostics) = (ctx.catalogue, ctx.diagnostics);
    let Some(head) = devspm_git::head_commit(repo)? else {
        return Ok(Vec::new());
    };
    // HEAD first, then every other branch head whose traces file differs.
    let mut revisions = vec![head.clone()];
    revisions.extend(
        devspm_git::branch_heads(repo)?
            .into_iter()
            .map(|(_, c)| c)
            .filter(|c| *c != head)
            .take(200),
    );
    let mut read_blobs = std::collections::HashSet::new();
    let mut events = Vec::new();
    for revision in revisions {
        let files = files_or_gap(
            store,
            repo,
            &revision,
            &|p| p == TRACES_PATH,
            MAX_TRACES_BYTES,
            diagnostics,
        )?;
        let Some(file) = files.into_iter().next() else {
            continue;
        };
        if read_blobs.insert(file.blob.clone()) {
            read_traces_file(store, repo, catalogue, diagnostics, file, &mut events)?;
        }
    }
    Ok(events)
}

/// Reads one version of the traces file, its events pushed to `events`.
fn read_traces_file(
    store: &impl IngestState,
    repo: &devspm_git::Repo,
    catalogue: &Catalogue,
    diagnostics: &dyn Diagnostics,
    file: devspm_git::RevisionFile,
    events: &mut Vec<NewEvent>,
) -> Result<(), EngineError> {
    let skip = |detail: String, object: String, events: &mut Vec<NewEvent>| {
        diagnostics.warn(format!("skipped {object} in {}: {detail}", repo.name));
        events.push(
            IngestGap {
                repo: repo.id.clone(),
                what: "unreadable_trace".into(),
                object: format!("{object}@{}", file.blob),
                detail,
            }
            .into_event("devspm:agent-trace"),
        );
    };
    let text = match file
        .content
        .map(|b| String::from_utf8_lossy(&b).into_owned())
    {
        Ok(text) => text,
        Err(reason) => {
            skip(reason, TRACES_PATH.to_owned(), events);
            return Ok(());
        }
    };
    let (records, errors) = devspm_ai::agent_trace::parse_traces(&text);
    for (line, reason) in errors {
        skip(reason, format!("{TRACES_PATH}:{line}"), events);
    }
    // Several records can cover one file of one revision: merge their ranges.
    let mut merged: std::collections::BTreeMap<TraceKey, TraceRanges> =
        std::collections::BTreeMap::new();
    for record in records {
        let agent = devspm_ai::agent_named(&record.tool, catalogue);
        let entry = merged
            .entry((record.revision, record.path, agent))
            .or_insert_with(|| (record.tool.clone(), record.model.clone(), Vec::new()));
        entry
            .2
            .extend(record.ranges.into_iter().map(|(a, b)| [a, b]));
    }
    let recorded = store.recorded_commits(&repo.id)?;
    let mut involved = std::collections::BTreeSet::new();
    for ((commit, path, agent), (tool, model, mut ranges)) in merged {
        ranges.sort_unstable();
        ranges.dedup();
        let orphaned = !recorded.commits.contains_key(&commit) || recorded.lost.contains(&commit);
        if !orphaned {
            involved.insert((commit.clone(), agent.clone(), tool.clone()));
        }
        events.push(
            AiLines {
                repo: repo.id.clone(),
                commit: commit.clone(),
                path,
                agent,
                tool,
                model,
                ranges,
                source: "agent-trace".into(),
                orphaned,
            }
            .into_event(),
        );
    }
    for (commit, agent, tool) in involved {
        let matched = format!("{TRACES_PATH}: tool {tool}");
        events.push(record_involvement(
            &repo.id,
            &commit,
            &agent,
            "agent-trace",
            "Agent Trace record",
            matched,
        ));
    }
    Ok(())
}
