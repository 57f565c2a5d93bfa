//! The CI inventory and audit of a repository at HEAD: every action, reusable workflow,
//! container image and pre-commit hook becomes a `tool_seen` event (with its ref, line and the
//! commit that wrote that line), and the audit's findings (workflows, actions, Dependabot and
//! GitLab CI configuration, `devspm_governance::ci`) become findings of [`TOOL`], attributed.

use std::collections::{BTreeMap, HashMap};

use devspm_core::NewEvent;
use devspm_core::event::ToolSeen;
use devspm_governance::ci::{self, AuditConfig, AuditReport, CiFinding, FileKind, UsesPolicy};
use devspm_governance::inventory::{self, Pin, RepoToolUse};
use devspm_governance::policy::{Category, Policy, RequiredPin};
use devspm_ledger::{Caches, FindingStore};

use crate::findings::{InternalFinding, record_internal_findings};
use crate::repository::record_unreadable_tree;
use crate::{Context, EngineError};

/// The producer name CI audit findings are recorded under.
pub const TOOL: &str = "devspm-ci-audit";

/// CI files larger than this are not read from history (the audit's own limit applies too).
const MAX_CI_BYTES: u64 = 8 << 20;

/// The audit configuration the policy implies: `[policy.actions] pin` entries become the
/// per-owner pinning rules of `unpinned-uses`.
pub fn audit_config(policy: &Policy) -> AuditConfig {
    let mut config = AuditConfig::default();
    for (pattern, required) in policy.pin_entries(Category::Action) {
        let pattern = if pattern.contains('/') || pattern == "*" {
            pattern
        } else {
            format!("{pattern}/*")
        };
        let policy = match required {
            RequiredPin::Sha => UsesPolicy::HashPin,
            RequiredPin::Tag => UsesPolicy::RefPin,
            RequiredPin::Any => UsesPolicy::Any,
        };
        config
            .unpinned_uses
            .policies
            .insert(pattern.to_lowercase(), policy);
    }
    config
}

/// Files the inventory or the audit read: CI configuration, pre-commit config, Dockerfiles.
fn is_ci_file(path: &str) -> bool {
    if ci::classify(path).is_some() {
        return true;
    }
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    path == ".pre-commit-config.yaml"
        || path == ".pre-commit-config.yml"
        || lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
}

fn tool_kind(kind: inventory::ToolKind) -> &'static str {
    match kind {
        inventory::ToolKind::Action => "action",
        inventory::ToolKind::ReusableWorkflow => "reusable_workflow",
        inventory::ToolKind::ContainerImage => "container_image",
        inventory::ToolKind::PrecommitHook => "precommit_hook",
        inventory::ToolKind::CiInclude => "ci_include",
    }
}

fn pin_word(pin: Pin) -> &'static str {
    match pin {
        Pin::Sha => "sha",
        Pin::Digest => "digest",
        Pin::Tag => "tag",
        Pin::Branch => "branch",
        Pin::None => "none",
    }
}

/// What HEAD holds: CI files, their inventory and their audit.
pub struct HeadAudit {
    pub head: String,
    /// path → blob at HEAD.
    pub blobs: HashMap<String, String>,
    pub uses: Vec<RepoToolUse>,
    pub report: AuditReport,
}

/// Reads the CI files at HEAD (with GitLab local includes) and audits them.
pub fn audit_head(
    repo: &devspm_git::Repo,
    config: &AuditConfig,
) -> Result<Option<HeadAudit>, devspm_git::GitError> {
    let Some(head) = devspm_git::head_commit(repo)? else {
        return Ok(None);
    };
    let mut files = devspm_git::files_at(repo, &head, &is_ci_file, MAX_CI_BYTES)?;
    let mut includes: Vec<String> = Vec::new();
    for f in &files {
        if ci::classify(&f.path) == Some(FileKind::GitlabCi)
            && let Ok(bytes) = &f.content
        {
            includes.extend(ci::gitlab_local_includes(bytes));
        }
    }
    let mut included = Vec::new();
    if !includes.is_empty() {
        let wanted: Vec<String> = includes
            .iter()
            .map(|p| p.trim_start_matches('/').to_owned())
            .filter(|p| !files.iter().any(|f| &f.path == p))
            .collect();
        included = devspm_git::files_at(
            repo,
            &head,
            &|p| wanted.iter().any(|w| w == p),
            MAX_CI_BYTES,
        )?;
    }
    let mut audit = HeadAudit {
        head,
        blobs: HashMap::new(),
        uses: Vec::new(),
        report: AuditReport::default(),
    };
    for (file, as_include) in files
        .drain(..)
        .map(|f| (f, false))
        .chain(included.into_iter().map(|f| (f, true)))
    {
        audit.blobs.insert(file.path.clone(), file.blob.clone());
        let bytes = match &file.content {
            Ok(bytes) => bytes,
            // A CI file that cannot be read is not audited: a finding, never silence.
            Err(reason) if as_include || ci::classify(&file.path).is_some() => {
                audit
                    .report
                    .merge(ci::unreadable(&file.path, reason, config));
                continue;
            }
            Err(_) => continue,
        };
        let part = if as_include {
            ci::audit_bytes_as(&file.path, FileKind::GitlabCi, bytes, config)
        } else {
            ci::audit_bytes(&file.path, bytes, config)
        };
        audit.report.merge(part);
        audit
            .uses
            .extend(inventory::collect_bytes(&file.path, bytes).uses);
    }
    audit.report.sort();
    Ok(Some(audit))
}

/// The repository analyzer of the CI inventory ([`inspect_head`]). It appends as it goes:
/// the audit's findings are recorded as an import and attributed.
pub const INVENTORY: &str = "ci-inventory";

/// The inventory and audit of HEAD, recorded: `tool_seen` events for every CI dependency (with
/// the commit that wrote its line), and the audit's findings as findings of [`TOOL`],
/// attributed. Returns the events appended.
pub fn inspect_head(
    ctx: &Context<'_>,
    store: &mut (impl devspm_ledger::EventLog + FindingStore + Caches),
    repo: &devspm_git::Repo,
) -> Result<u64, EngineError> {
    let audit = match audit_head(repo, &audit_config(ctx.policy)) {
        Ok(Some(audit)) => audit,
        Ok(None) => return Ok(0),
        Err(devspm_git::GitError::UnreadableTree { commit, reason, .. }) => {
            record_unreadable_tree(store, repo, &commit, &reason, ctx.diagnostics)?;
            return Ok(0);
        }
        Err(e) => return Err(e.into()),
    };
    // Who wrote each line that names a tool.
    let mut lines: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for u in &audit.uses {
        lines.entry(&u.path).or_default().push(u.line);
    }
    // Who wrote the line as it names the tool now, its version included: a pin or a bump is
    // what put this version there.
    let mut blamer = devspm_git::Blamer::new(
        repo,
        devspm_git::BlameOptions {
            follow_ref_changes: false,
            ..devspm_git::BlameOptions::default()
        },
    );
    let mut origin: HashMap<(String, u32), String> = HashMap::new();
    for (path, wanted) in &lines {
        if let Ok(Ok(blame)) = blamer.blame(&audit.head, path, wanted) {
            for l in blame.lines {
                origin.insert(((*path).to_owned(), l.line), l.commit);
            }
        }
    }
    let commits: Vec<String> = {
        let mut c: Vec<String> = origin.values().cloned().collect();
        c.sort();
        c.dedup();
        c
    };
    let facts = store.commit_facts(&repo.id, &commits)?;
    let mut events = Vec::new();
    for u in &audit.uses {
        let introduced_in = origin.get(&(u.path.clone(), u.line)).cloned();
        let introduced_by = introduced_in
            .as_ref()
            .and_then(|c| facts.get(c))
            .map(|f| f.author.clone());
        let blob = audit.blobs.get(&u.path).cloned().unwrap_or_default();
        let mut details = BTreeMap::new();
        details.insert("pin".to_owned(), pin_word(u.pin).to_owned());
        let payload = ToolSeen {
            repo: repo.id.clone(),
            revision: audit.head.clone(),
            path: u.path.clone(),
            blob: blob.clone(),
            kind: tool_kind(u.kind).to_owned(),
            name: u.name.clone(),
            details,
            pinned: Some(matches!(u.pin, Pin::Sha | Pin::Digest)),
            secret_keys: Vec::new(),
            risks: Vec::new(),
            introduced_in,
            introduced_by: introduced_by.clone(),
            version: (!u.reference.is_empty()).then(|| u.reference.clone()),
            line: Some(u.line),
        };
        events.push(NewEvent::new(
            format!(
                "tool/{}/{}/{}@{}/{}/{}",
                repo.id, u.path, u.name, u.reference, u.line, blob
            ),
            introduced_by.unwrap_or_else(|| "devspm:ci-inventory".to_owned()),
            format!("tool:{}/{}", repo.id, u.path),
            payload,
        ));
    }
    let appended = store.append(events)?.appended;
    let findings = internal_findings(&audit.report.findings);
    let recorded =
        record_internal_findings(store, repo, TOOL, &audit.head, findings, Vec::new(), false)?;
    Ok(appended + recorded)
}

/// CI findings as findings of [`TOOL`]. A finding's identity is its rule, file and evidence
/// (not its line, so that it survives edits above it); the same evidence twice in one file is
/// told apart by its occurrence.
pub(crate) fn internal_findings(findings: &[CiFinding]) -> Vec<InternalFinding> {
    let mut seen: HashMap<(String, String, String), u32> = HashMap::new();
    findings
        .iter()
        .map(|f| {
            let n = seen
                .entry((f.rule_id.clone(), f.path.clone(), f.evidence.clone()))
                .or_default();
            *n += 1;
            InternalFinding::config(
                f.rule_id.clone(),
                f.severity.as_str().to_owned(),
                f.message.clone(),
                f.path.clone(),
                Some(f.line),
                if *n == 1 {
                    f.evidence.clone()
                } else {
                    format!("{}#{n}", f.evidence)
                },
            )
        })
        .collect()
}
