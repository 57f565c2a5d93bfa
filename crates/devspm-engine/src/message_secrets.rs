//! Secrets in commit messages, as findings.
//!
//! Ingest never stores a secret found in a commit message: the [`crate::secrets::Redactor`]
//! replaces it before the message is hashed into the chain, and the commit's `commit_recorded`
//! event lists each replacement (`message.redactions`: rule, line, keyed hash, preview). This
//! analyzer turns every such replacement into a secret finding of `devspm-secrets`, attributed
//! to that commit — its author, and the AI agents that took part in it — with method
//! `commit-message`.
//!
//! It is a function of the recorded events only: its position is a cursor in the ledger, moved
//! in the transaction that appends the findings, so a run killed at any point loses nothing and
//! a re-run adds nothing. It runs after the AI detector, whose verdicts the attributions name.

use std::collections::{BTreeMap, HashMap};

use devspm_core::event::{CommitRecorded, EventKind};
use devspm_core::finding::{
    AgentPart, Attribution, FindingRecorded, FindingsImported, IntroducingCommit, SecretRef,
    finding_id,
};
use devspm_core::{NewEvent, hex};
use devspm_findings::attribute::ENGINE;
use devspm_ledger::{EventLog, FindingStore};
use sha2::{Digest, Sha256};

use crate::analyzer::{Analyzed, Analyzer, Batch, Input};
use crate::secrets::TOOL;
use crate::{Context, EngineError};

/// The cursor name; a new version of the analyzer starts over on a new cursor.
pub const ANALYZER: &str = "message-secrets-v1";

/// The attribution method of these findings.
const METHOD: &str = "commit-message";

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(&h.finalize())
}

/// The analyzer ([`crate::analyzer`]): reads recorded commits, returns the findings of the
/// secrets redacted from their messages.
#[derive(Default)]
pub struct MessageSecrets {
    /// What each rule is called and how severe it is (user rules included), loaded with the
    /// first batch.
    rules: Option<Rules>,
}

/// Rule id → (description, severity).
type Rules = HashMap<String, (String, String)>;

impl<S: EventLog + FindingStore> Analyzer<S> for MessageSecrets {
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
        let rules = match &mut self.rules {
            Some(rules) => rules,
            none => none.insert(
                crate::secrets::scanner(ctx)?
                    .rules()
                    .iter()
                    .map(|r| {
                        (
                            r.id.clone(),
                            (r.description.clone(), r.severity.as_str().to_owned()),
                        )
                    })
                    .collect(),
            ),
        };
        // Most commits have nothing redacted: their payloads are not even parsed.
        let mut by_repo: BTreeMap<String, Vec<CommitRecorded>> = BTreeMap::new();
        for event in batch
            .iter()
            .filter(|e| e.payload.contains("\"redactions\":"))
        {
            let commit: CommitRecorded = crate::recorded_payload(store, event)?;
            if !commit.message.redactions.is_empty() {
                by_repo.entry(commit.repo.clone()).or_default().push(commit);
            }
        }
        let mut events = Vec::new();
        for (repo, commits) in &by_repo {
            events.extend(repository_events(store, repo, commits, rules)?);
        }
        Ok(events.into())
    }
}

/// The findings, attributions and the import that saw them, for one repository's commits.
fn repository_events(
    store: &impl FindingStore,
    repo: &str,
    commits: &[CommitRecorded],
    rules: &Rules,
) -> Result<Vec<NewEvent>, EngineError> {
    let shas: Vec<String> = commits.iter().map(|c| c.id.clone()).collect();
    let agents = store.commit_agents(repo, &shas)?;
    let known = store.known_findings(repo, TOOL)?;
    let mut seen = Vec::new();
    let mut findings = Vec::new();
    let mut attributions = Vec::new();
    for commit in commits {
        for r in &commit.message.redactions {
            let fingerprint = format!(
                "content:v1:{}",
                &digest(&[TOOL, &r.rule, "commit-message", &commit.id, &r.hash])[..32]
            );
            let id = finding_id(repo, TOOL, &fingerprint);
            if seen.contains(&id) {
                continue;
            }
            seen.push(id.clone());
            if known.contains_key(&fingerprint) {
                continue;
            }
            let (description, severity) = rules
                .get(r.rule.as_str())
                .map(|(d, s)| (d.as_str(), s.as_str()))
                .unwrap_or(("Secret", "high"));
            findings.push(FindingRecorded {
                finding: id.clone(),
                repo: repo.to_owned(),
                tool: TOOL.to_owned(),
                tool_version: Some(env!("CARGO_PKG_VERSION").to_owned()),
                rule: r.rule.clone(),
                kind: "secret".to_owned(),
                severity: severity.to_owned(),
                message: format!(
                    "{description} in the message of commit {} ({}): devspm stored the \
                         message without it, but it stays in the repository's history: rotate it",
                    short(&commit.id),
                    r.preview
                ),
                identifiers: Vec::new(),
                path: None,
                start_line: None,
                end_line: None,
                foreign_path: None,
                package: None,
                secret: Some(SecretRef {
                    hash: r.hash.clone(),
                    preview: r.preview.clone(),
                }),
                inline_marker: r.inline_marker.clone(),
                scanner_suppression: None,
                fingerprint,
                revision: Some(commit.id.clone()),
                // Set below, once the import's id is known.
                import: String::new(),
            });
            let agents: Vec<AgentPart> = agents
                .get(&commit.id)
                .into_iter()
                .flatten()
                .map(|(agent, confidence)| AgentPart {
                    agent: agent.clone(),
                    commit: commit.id.clone(),
                    level: "commit".to_owned(),
                    confidence: confidence.clone(),
                })
                .collect();
            attributions.push(
                Attribution {
                    finding: id,
                    repo: repo.to_owned(),
                    method: METHOD.to_owned(),
                    status: "attributed".to_owned(),
                    reason: None,
                    revision: Some(commit.id.clone()),
                    commits: vec![IntroducingCommit {
                        commit: commit.id.clone(),
                        author: Some(commit.author.alias.clone()),
                        time: Some(commit.author.time),
                        lines: 0,
                        path: None,
                    }],
                    agents,
                    confidence: "high".to_owned(),
                    evidence: vec![format!(
                        "the value is in the message of commit {}, line {}, written by its author",
                        short(&commit.id),
                        r.line
                    )],
                    package_added: None,
                    present_at_head: None,
                    engine: ENGINE,
                }
                .into_event(),
            );
        }
    }
    if findings.is_empty() {
        return Ok(Vec::new());
    }
    // One partial import per repository and batch names what it saw (a message cannot be
    // fixed, so nothing it does not see is closed).
    let source_sha256 = digest(&seen.iter().map(String::as_str).collect::<Vec<_>>());
    let import = format!(
        "i_{}",
        &digest(&[repo, TOOL, "commit-messages", &source_sha256])[..16]
    );
    let new = findings.len() as u64;
    let mut events: Vec<NewEvent> = findings
        .into_iter()
        .map(|f| {
            NewEvent::new(
                format!("finding/{repo}/{}", f.finding),
                format!("devspm:{TOOL}"),
                format!("repo:{repo}"),
                FindingRecorded {
                    import: import.clone(),
                    ..f
                },
            )
        })
        .collect();
    events.push(NewEvent::new(
        format!("import/{import}"),
        format!("devspm:{TOOL}"),
        format!("repo:{repo}"),
        FindingsImported {
            import,
            repo: repo.to_owned(),
            tool: TOOL.to_owned(),
            format: "devspm".to_owned(),
            source: "commit messages".to_owned(),
            source_sha256,
            revision: None,
            results: seen.len() as u64,
            seen,
            new,
            fixed: Vec::new(),
            reopened: Vec::new(),
            duplicates: 0,
            partial: true,
            behind: Vec::new(),
        },
    ));
    events.extend(attributions);
    Ok(events)
}
