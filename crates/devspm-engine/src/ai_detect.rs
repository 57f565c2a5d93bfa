//! Runs the commit-level AI detector over recorded commits.
//!
//! The detector is an analyzer: it reads recorded commits (with the personal data behind their
//! aliases, which it needs to match agent identities) and returns `ai_involvement` events. Its
//! position is a cursor in the ledger, moved in the same transaction as the events it appends,
//! so a killed run resumes exactly where it stopped and a re-run adds nothing.
//!
//! Two ways in, one detector: [`CommitDetector`], an [`Analyzer`] run by the one runner
//! ([`catch_up`]), reads commits recorded since the cursor from the ledger; [`Inline`] runs
//! inside an ingest's ledger writer on the batches as they are written (typed payloads and
//! message bytes at hand), which costs ingest almost nothing, and moves the cursor with each
//! batch. [`AGENT_BRANCHES`] is the repository analyzer of agent branch names.

use std::collections::HashMap;

use devspm_ai::{CommitView, PersonView, TrailerView, detect};
use devspm_core::catalogue::Catalogue;
use devspm_core::event::{AiEvidence, AiInvolvement, EventKind, TrailerRecord};
use devspm_core::{Attachment, NewEvent, Payload};
use devspm_ledger::{AnalyzerState, AppendSummary, CursorMove, EventLog, IngestState, LedgerError};
use serde::Deserialize;

use crate::analyzer::{Analyzed, Analyzer, Batch, Input};
use crate::{Context, EngineError};

/// The cursor name; a new detector version starts over on a new cursor.
pub const ANALYZER: &str = "ai-commit-detector-v2";

/// Name and e-mail behind each alias id.
pub type People = HashMap<String, (String, String)>;

/// What the detector needs of one commit.
struct CommitInput<'a> {
    repo: &'a str,
    id: &'a str,
    author: &'a str,
    committer: &'a str,
    trailers: &'a [TrailerRecord],
    message: &'a str,
}

/// The `ai_involvement` events for one commit.
fn involvement_events(
    input: &CommitInput<'_>,
    people: &People,
    catalogue: &Catalogue,
) -> Vec<NewEvent> {
    let unknown = (String::new(), String::new());
    let person =
        |alias: &'_ str| -> (String, String) { people.get(alias).unwrap_or(&unknown).clone() };
    let (author_name, author_email) = person(input.author);
    let (committer_name, committer_email) = person(input.committer);
    let trailer_people: Vec<Option<(&str, String, String)>> = input
        .trailers
        .iter()
        .map(|t| {
            t.alias.as_deref().map(|a| {
                let (n, e) = person(a);
                (a, n, e)
            })
        })
        .collect();
    let view = CommitView {
        author: PersonView {
            alias: input.author,
            name: &author_name,
            email: &author_email,
        },
        committer: PersonView {
            alias: input.committer,
            name: &committer_name,
            email: &committer_email,
        },
        trailers: input
            .trailers
            .iter()
            .zip(&trailer_people)
            .map(|(t, p)| TrailerView {
                key: &t.key,
                value: t.value.as_deref(),
                person: p
                    .as_ref()
                    .map(|(alias, name, email)| PersonView { alias, name, email }),
            })
            .collect(),
        message: input.message,
    };
    detect(&view, catalogue)
        .into_iter()
        .map(|found| {
            let key = format!(
                "ai/{}/{}/{}/{}/v{}",
                input.repo,
                input.id,
                found.agent,
                found.role.as_str(),
                devspm_ai::DETECTOR_VERSION
            );
            let payload = AiInvolvement {
                repo: input.repo.to_owned(),
                commit: input.id.to_owned(),
                agent: found.agent.clone(),
                role: found.role.as_str().to_owned(),
                confidence: found.confidence.as_str().to_owned(),
                evidence: found
                    .evidence
                    .into_iter()
                    .map(|(marker, matched)| AiEvidence { marker, matched })
                    .collect(),
                accountable: found.accountable,
                model: found.model,
                detector: devspm_ai::DETECTOR_VERSION,
            };
            NewEvent::new(
                key,
                format!("agent:{}", found.agent),
                format!("commit:{}/{}", input.repo, input.id),
                payload,
            )
        })
        .collect()
}

/// Every alias's name and e-mail, from the ledger.
pub fn load_people(store: &impl IngestState) -> Result<People, LedgerError> {
    Ok(store
        .alias_book()?
        .entries()
        .into_iter()
        .map(|(id, name, email)| {
            (
                id,
                (
                    String::from_utf8_lossy(&name).into_owned(),
                    String::from_utf8_lossy(&email).into_owned(),
                ),
            )
        })
        .collect())
}

/// The parts of a `commit_recorded` payload the detector reads (the file list, the bulk of
/// the payload, is skipped without being built).
#[derive(Deserialize)]
struct CommitHead {
    repo: String,
    id: String,
    author: AliasRef,
    committer: AliasRef,
    message: MessageRef,
    trailers: Vec<TrailerRecord>,
}

#[derive(Deserialize)]
struct AliasRef {
    alias: String,
}

#[derive(Deserialize)]
struct MessageRef {
    sha256: String,
}

/// The detector as an analyzer of recorded commits ([`crate::analyzer`]): what ingest
/// recorded without it (an ingest that stopped early, a ledger recorded by an older version).
#[derive(Default)]
pub struct CommitDetector {
    /// Loaded with the first batch.
    people: Option<People>,
}

impl<S: EventLog + IngestState> Analyzer<S> for CommitDetector {
    fn name(&self) -> &'static str {
        ANALYZER
    }

    fn input(&self) -> Input<'_> {
        Input::Events {
            kind: EventKind::CommitRecorded,
            batch: crate::analyzer::BATCH,
        }
    }

    fn analyze(
        &mut self,
        ctx: &Context<'_>,
        store: &mut S,
        batch: Batch<'_>,
    ) -> Result<Analyzed, EngineError> {
        let Batch::Events(batch) = batch else {
            return Ok(Analyzed::default());
        };
        let people = match &mut self.people {
            Some(people) => people,
            none => none.insert(load_people(store)?),
        };
        let mut out = Vec::new();
        for event in batch {
            let commit: CommitHead = crate::recorded_payload(store, event)?;
            let message = store
                .content(&commit.message.sha256)?
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_default();
            out.extend(involvement_events(
                &CommitInput {
                    repo: &commit.repo,
                    id: &commit.id,
                    author: &commit.author.alias,
                    committer: &commit.committer.alias,
                    trailers: &commit.trailers,
                    message: &message,
                },
                people,
                ctx.catalogue,
            ));
        }
        Ok(out.into())
    }
}

/// Detects AI involvement in every commit recorded since the cursor; returns events appended.
pub fn catch_up(
    ctx: &Context<'_>,
    store: &mut (impl EventLog + AnalyzerState + IngestState),
) -> Result<u64, EngineError> {
    Ok(crate::analyzer::run(ctx, store, &mut CommitDetector::default())?.appended)
}

/// The detector running inside an ingest's writer, on each batch before it is appended.
pub struct Inline<'a> {
    pub people: People,
    pub catalogue: &'a Catalogue,
    pub appended: u64,
}

impl Inline<'_> {
    /// Appends `events` with their AI involvement, moving the cursor to the new head in the same
    /// transaction. The cursor must stand at the head before the first batch (run [`catch_up`]).
    pub fn append(
        &mut self,
        store: &mut impl EventLog,
        mut events: Vec<NewEvent>,
    ) -> Result<AppendSummary, LedgerError> {
        let mut found = Vec::new();
        for event in &events {
            for attachment in &event.attachments {
                if let Attachment::AliasPii { alias, name, email } = attachment {
                    self.people.insert(
                        alias.clone(),
                        (
                            String::from_utf8_lossy(name).into_owned(),
                            String::from_utf8_lossy(email).into_owned(),
                        ),
                    );
                }
            }
            if let Payload::CommitRecorded(commit) = &event.payload {
                let message = event
                    .attachments
                    .iter()
                    .find_map(|a| match a {
                        Attachment::Content { sha256, bytes }
                            if *sha256 == commit.message.sha256 =>
                        {
                            Some(String::from_utf8_lossy(bytes))
                        }
                        _ => None,
                    })
                    .unwrap_or_default();
                found.extend(involvement_events(
                    &CommitInput {
                        repo: &commit.repo,
                        id: &commit.id,
                        author: &commit.author.alias,
                        committer: &commit.committer.alias,
                        trailers: &commit.trailers,
                        message: &message,
                    },
                    &self.people,
                    self.catalogue,
                ));
            }
        }
        let ai = found.len() as u64;
        events.extend(found);
        let to_head = CursorMove::ToHead { analyzer: ANALYZER };
        let summary = store.append_stream(&mut events.into_iter().map(Ok), to_head)?;
        self.appended += ai.min(summary.appended);
        Ok(summary)
    }
}

/// The repository analyzer of agent branch names ([`branch_evidence`]).
pub const AGENT_BRANCHES: &str = "ai-branch-evidence";

/// Heuristic evidence from agent branch names: commits reachable from a `copilot/*`,
/// `codex/*`, `cursor/*` or `claude/*` branch (remote-tracking or local) and from no other ref.
/// Returns `ai_involvement` events (role `assisted`, marker `branch …`), idempotent.
pub fn branch_evidence(
    ctx: &Context<'_>,
    store: &impl IngestState,
    repo: &devspm_git::Repo,
) -> Result<Vec<NewEvent>, EngineError> {
    let (repo_id, catalogue) = (repo.id.as_str(), ctx.catalogue);
    let refs = store.repository_state(repo_id)?.refs;
    let mut agent_refs = Vec::new();
    let mut other_tips = Vec::new();
    for (name, target) in &refs {
        match devspm_ai::branch_agent(&name.to_lossy(), catalogue) {
            Some(agent) => agent_refs.push((name.to_lossy(), agent, target.clone())),
            None => other_tips.push(target.clone()),
        }
    }
    if agent_refs.is_empty() {
        return Ok(Vec::new());
    }
    let recorded = store.recorded_commits(repo_id)?;
    let graph = devspm_git::ParentGraph::new(recorded.commits);
    let elsewhere = graph.reachable(other_tips.iter().map(String::as_str));
    let mut events = Vec::new();
    for (branch, agent, target) in &agent_refs {
        let only_here = graph.unreachable_after(target, &elsewhere);
        for sha in only_here {
            let payload = AiInvolvement {
                repo: repo_id.to_owned(),
                commit: sha.clone(),
                agent: agent.clone(),
                role: devspm_ai::Role::Assisted.as_str().to_owned(),
                confidence: "heuristic".to_owned(),
                evidence: vec![AiEvidence {
                    marker: "only reachable from an agent branch".to_owned(),
                    matched: branch.clone(),
                }],
                accountable: None,
                model: None,
                detector: devspm_ai::DETECTOR_VERSION,
            };
            events.push(NewEvent::new(
                format!(
                    "ai/{repo_id}/{sha}/{agent}/branch/v{}",
                    devspm_ai::DETECTOR_VERSION
                ),
                format!("agent:{agent}"),
                format!("commit:{repo_id}/{sha}"),
                payload,
            ));
        }
    }
    Ok(events)
}
