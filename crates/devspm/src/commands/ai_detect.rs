//! Runs the commit-level AI detector over commits recorded since it last ran.
//!
//! The detector is an analyzer: it reads recorded commits (with the personal data behind their
//! aliases, which the detector needs to match agent identities) and returns `ai_involvement`
//! events. Its position is a cursor in the ledger, moved in the same transaction as the events
//! it appends, so a killed run resumes exactly where it stopped and a re-run adds nothing.

use std::collections::HashMap;

use devspm_ai::{CommitView, PersonView, TrailerView, detect};
use devspm_core::event::{AiEvidence, AiInvolvement, EventKind};
use devspm_core::{NewEvent, Payload};
use devspm_ledger::{SqliteStore, Store};

use crate::settings::Settings;

/// The cursor name; a new detector version starts over on a new cursor.
const ANALYZER: &str = "ai-commit-detector-v1";

/// Commit events read per transaction.
const BATCH: usize = 5000;

/// Detects AI involvement in every commit recorded since the last run; returns events appended.
pub fn detect_new_commits(store: &mut SqliteStore, settings: &Settings) -> anyhow::Result<u64> {
    let mut cursor = store.cursor(ANALYZER)?;
    let head = store.head()?.map_or(0, |h| h.seq);
    if cursor >= head {
        return Ok(0);
    }
    let people: HashMap<String, (String, String)> = store
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
        .collect();
    let unknown = (String::new(), String::new());
    let mut appended = 0;
    loop {
        let batch = store.events(Some(EventKind::CommitRecorded.as_str()), cursor, BATCH)?;
        let Some(last) = batch.last().map(|e| e.seq) else {
            break;
        };
        let mut out = Vec::new();
        for event in &batch {
            let Payload::CommitRecorded(commit) =
                Payload::from_json(EventKind::CommitRecorded, &event.payload)?
            else {
                continue;
            };
            let message = store
                .content(&commit.message.sha256)?
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_default();
            let person = |alias: &str| {
                let (name, email) = people.get(alias).unwrap_or(&unknown);
                (alias.to_owned(), name.clone(), email.clone())
            };
            let author = person(&commit.author.alias);
            let committer = person(&commit.committer.alias);
            let trailer_people: Vec<Option<(String, String, String)>> = commit
                .trailers
                .iter()
                .map(|t| t.alias.as_deref().map(person))
                .collect();
            let view = CommitView {
                author: PersonView {
                    alias: &author.0,
                    name: &author.1,
                    email: &author.2,
                },
                committer: PersonView {
                    alias: &committer.0,
                    name: &committer.1,
                    email: &committer.2,
                },
                trailers: commit
                    .trailers
                    .iter()
                    .zip(&trailer_people)
                    .map(|(t, p)| TrailerView {
                        key: &t.key,
                        value: t.value.as_deref(),
                        person: p.as_ref().map(|(alias, name, email)| PersonView {
                            alias,
                            name,
                            email,
                        }),
                    })
                    .collect(),
                message: &message,
            };
            for found in detect(&view, &settings.catalogue) {
                let payload = AiInvolvement {
                    repo: commit.repo.clone(),
                    commit: commit.id.clone(),
                    agent: found.agent.clone(),
                    role: found.role.as_str().to_owned(),
                    confidence: found.confidence.as_str().to_owned(),
                    evidence: found
                        .evidence
                        .into_iter()
                        .map(|(marker, matched)| AiEvidence { marker, matched })
                        .collect(),
                    accountable: found.accountable,
                    detector: devspm_ai::DETECTOR_VERSION,
                };
                out.push(NewEvent::new(
                    format!(
                        "ai/{}/{}/{}/{}/v{}",
                        commit.repo,
                        commit.id,
                        found.agent,
                        found.role.as_str(),
                        devspm_ai::DETECTOR_VERSION
                    ),
                    format!("agent:{}", found.agent),
                    format!("commit:{}/{}", commit.repo, commit.id),
                    payload,
                ));
            }
        }
        appended += store.append_and_advance(out, ANALYZER, last)?.appended;
        cursor = last;
    }
    Ok(appended)
}
