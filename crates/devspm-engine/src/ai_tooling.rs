//! AI tooling configured in a repository, at the head of every local branch: instruction
//! files, agent settings and MCP servers become `tool_seen` events (with the risky settings
//! they hold, and the first commit that added the file); the risky settings at HEAD become
//! findings attributed to the commit that wrote them; files that cannot be used are skipped
//! with a warning naming the file and the reason, recorded as ingest gaps. A repository
//! analyzer ([`ANALYZER`], see [`crate::analyzer`]).

use devspm_ai::tooling::{classify_path, inspect};
use devspm_core::NewEvent;
use devspm_core::event::{IngestGap, ToolRisk, ToolSeen};
use devspm_ledger::{Caches, FindingStore};

use crate::findings::{InternalFinding, record_internal_findings};
use crate::repository::files_or_gap;
use crate::{Context, Diagnostics, EngineError};

/// Configuration files larger than this are not read.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Branch heads inspected at most (beyond HEAD), so a repository with thousands of branches
/// stays quick to scan.
const MAX_BRANCHES: usize = 200;

/// The repository analyzer of AI tooling ([`inspect_head`]). It appends as it goes: the
/// findings at HEAD are recorded as an import and attributed.
pub const ANALYZER: &str = "ai-tooling";

/// Inspects every local branch head and HEAD; returns the events appended.
pub fn inspect_head(
    ctx: &Context<'_>,
    store: &mut (impl devspm_ledger::EventLog + devspm_ledger::IngestState + FindingStore + Caches),
    repo: &devspm_git::Repo,
) -> Result<u64, EngineError> {
    let diagnostics = ctx.diagnostics;
    let Some(head) = devspm_git::head_commit(repo)? else {
        return Ok(0);
    };
    let mut events = Vec::new();
    let mut risky = Vec::new();
    // Other branches first and HEAD last, so that the inventory's latest sighting of a file
    // is HEAD's version.
    let mut revisions: Vec<String> = devspm_git::branch_heads(repo)?
        .into_iter()
        .map(|(_, commit)| commit)
        .filter(|c| *c != head)
        .collect();
    revisions.sort();
    revisions.dedup();
    revisions.truncate(MAX_BRANCHES);
    for revision in &revisions {
        inspect_revision(store, repo, revision, diagnostics, &mut events, None)?;
    }
    inspect_revision(
        store,
        repo,
        &head,
        diagnostics,
        &mut events,
        Some(&mut risky),
    )?;
    let appended = store.append(events)?.appended;
    // Risky settings at HEAD are findings too, attributed to the commit that wrote them.
    let findings = record_internal_findings(
        store,
        repo,
        "devspm-ai-tooling",
        &head,
        risky,
        Vec::new(),
        false,
    )?;
    Ok(appended + findings)
}

/// The tool inventory of one revision, appended to `events`; its risky settings to `risky`
/// when given.
fn inspect_revision(
    store: &mut (impl devspm_ledger::EventLog + devspm_ledger::IngestState + FindingStore),
    repo: &devspm_git::Repo,
    head: &str,
    diagnostics: &dyn Diagnostics,
    events: &mut Vec<NewEvent>,
    mut risky: Option<&mut Vec<InternalFinding>>,
) -> Result<(), EngineError> {
    let files = files_or_gap(
        store,
        repo,
        head,
        &|path| classify_path(path).is_some(),
        MAX_CONFIG_BYTES,
        diagnostics,
    )?;
    for file in files {
        let Some(kind) = classify_path(&file.path) else {
            continue;
        };
        let content = file.content.clone().unwrap_or_default();
        let items = file.content.and_then(|bytes| inspect(kind, &bytes));
        let items = match items {
            Ok(items) => items,
            Err(reason) => {
                diagnostics.warn(format!("skipped {} in {}: {reason}", file.path, repo.name));
                let object = format!("{}@{}", file.path, file.blob);
                events.push(
                    IngestGap {
                        repo: repo.id.clone(),
                        what: "unreadable_config".into(),
                        object,
                        detail: reason,
                    }
                    .into_event("devspm:ai-tooling"),
                );
                continue;
            }
        };
        let introduced = store.first_commit_adding(&repo.id, &file.path)?;
        for item in items {
            for risk in &item.risks {
                let Some(risky) = risky.as_deref_mut() else {
                    break;
                };
                risky.push(InternalFinding::config(
                    risk.rule.to_owned(),
                    risk.severity.to_owned(),
                    format!("{} ({}): {}", item.name, file.path, risk.message),
                    file.path.clone(),
                    setting_line(&content, &item.name, &risk.anchor),
                    item.name.clone(),
                ));
            }
            let payload = ToolSeen {
                repo: repo.id.clone(),
                revision: head.to_owned(),
                path: file.path.clone(),
                blob: file.blob.clone(),
                kind: item.kind.to_owned(),
                name: item.name.clone(),
                details: item.details,
                pinned: item.pinned,
                secret_keys: item.secret_keys,
                risks: item
                    .risks
                    .into_iter()
                    .map(|r| ToolRisk {
                        rule: r.rule.to_owned(),
                        severity: r.severity.to_owned(),
                        message: r.message,
                    })
                    .collect(),
                introduced_in: introduced.as_ref().map(|(sha, _)| sha.clone()),
                introduced_by: introduced.as_ref().map(|(_, alias)| alias.clone()),
                version: None,
                line: None,
            };
            events.push(NewEvent::new(
                format!("tool/{}/{}/{}/{}", repo.id, file.path, item.name, file.blob),
                payload
                    .introduced_by
                    .clone()
                    .unwrap_or_else(|| "devspm:ai-tooling".to_owned()),
                format!("tool:{}/{}", repo.id, file.path),
                payload,
            ));
        }
    }
    Ok(())
}

/// The line (1-based) of `content` that holds a risky setting: the first line with `anchor`
/// after the line naming the item (an MCP server's name), else the first line with `anchor`.
fn setting_line(content: &[u8], item: &str, anchor: &str) -> Option<u32> {
    let text = String::from_utf8_lossy(content);
    let lines: Vec<&str> = text.lines().collect();
    let find_from = |from: usize, needle: &str| {
        lines
            .iter()
            .enumerate()
            .skip(from)
            .find(|(_, l)| !needle.is_empty() && l.contains(needle))
            .map(|(i, _)| i)
    };
    let start = find_from(0, &format!("\"{item}\""))
        .or_else(|| find_from(0, &format!("mcp_servers.{item}")))
        .unwrap_or(0);
    find_from(start, anchor)
        .or_else(|| find_from(0, anchor))
        .map(|i| i as u32 + 1)
}
