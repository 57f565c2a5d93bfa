//! Tools in use: the workstation inventory (editor, JetBrains and browser extensions, AI CLIs,
//! MCP servers, git hygiene, plaintext credential files — each item judged by the policy and
//! recorded as a `workstation_tool_seen` event tied to the developer), the recorded uses of
//! tools across repositories and workstations, and the tool-spread signal over them (the same
//! workflow file appearing in many repositories at once).

use std::path::Path;

use devspm_core::NewEvent;
use devspm_core::event::{ToolRisk, WorkstationToolSeen};
use devspm_governance::policy::{Category, Item, Policy, Status, Verdict};
use devspm_inventory::{
    InventoryItem, ItemDetails, ItemKind, ScanOptions, ScanWarning, WorkstationReport,
};
use devspm_ledger::{EventLog, GovernanceStore, IngestState, ToolFilter, ToolUseRow};
use serde::Serialize;

use crate::{Context, EngineError};

/// The policy category of a workstation item, if the policy governs that kind.
pub fn category_of(kind: ItemKind) -> Option<Category> {
    match kind {
        ItemKind::VscodeExtension | ItemKind::JetbrainsPlugin => Some(Category::Extension),
        ItemKind::BrowserExtension => Some(Category::BrowserExtension),
        ItemKind::AiCli | ItemKind::AgentSettings => Some(Category::AiTool),
        ItemKind::McpServer => Some(Category::McpServer),
        ItemKind::GitConfig | ItemKind::CredentialFile => None,
    }
}

/// The names the policy matches an item by, with their versions: an MCP server by the package
/// it launches (`@scope/pkg@1.2.3` → `@scope/pkg`, `1.2.3`) or its URL, and by its own name;
/// everything else by id.
fn policy_names(item: &InventoryItem) -> Vec<(String, Option<String>)> {
    let mut names = Vec::new();
    if let ItemDetails::McpServer(m) = &item.details {
        if let Some(package) = m.package.as_deref() {
            names.push(split_package(package));
        } else if let Some(url) = m.url.as_deref() {
            names.push((url.to_owned(), None));
        }
    }
    names.push((item.id.clone(), item.version.clone()));
    names
}

/// `@scope/pkg@1.2.3`, `pkg@1.2.3`, `pkg==1.2.3` → (name, version).
fn split_package(package: &str) -> (String, Option<String>) {
    if let Some((name, version)) = package.split_once("==") {
        return (name.to_owned(), Some(version.to_owned()));
    }
    let start = usize::from(package.starts_with('@'));
    match package[start..].rfind('@') {
        Some(at) => (
            package[..start + at].to_owned(),
            Some(package[start + at + 1..].to_owned()),
        ),
        None => (package.to_owned(), None),
    }
}

/// The verdict for one workstation item (`None` for kinds the policy does not govern). An item
/// known by several names (an MCP server and its package) is denied if any name is denied, and
/// approved if any name is on an allow list.
pub fn verdict_of(policy: &Policy, item: &InventoryItem) -> Option<Verdict> {
    let category = category_of(item.kind)?;
    let verdicts: Vec<Verdict> = policy_names(item)
        .iter()
        .map(|(name, version)| {
            policy.verdict(&Item {
                category,
                name,
                version: version.as_deref(),
                pin: None,
            })
        })
        .collect();
    verdicts
        .iter()
        .find(|v| v.status == Status::Denied)
        .or_else(|| {
            verdicts
                .iter()
                .find(|v| v.status == Status::Approved && v.rule.is_some())
        })
        .or_else(|| verdicts.first())
        .cloned()
}

/// A risk's severity as its word in the record (`info` when it has none).
pub fn severity_word(severity: devspm_inventory::Severity) -> String {
    serde_json::to_value(severity)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "info".to_owned())
}

/// The `--fail-on` gate over a workstation scan's risks (`gate.rs`): a risk at or above
/// `threshold` fails it unless an `[[ignore]]` of the configuration sets it aside (by `rule`,
/// `path` relative to the home folder, or `tool = "devspm-inventory"`). Risks are not
/// recorded findings, so no triage applies; their context is production.
pub fn gate(
    ctx: &Context<'_>,
    report: &WorkstationScan,
    threshold: &str,
) -> Result<crate::gate::GateOutcome, EngineError> {
    let rules = crate::gate::rules(ctx, None)?;
    let words: Vec<(String, bool)> = report
        .items
        .iter()
        .flat_map(|j| j.item.risks.iter().map(move |r| (&j.item, r)))
        .map(|(item, risk)| {
            let ignored = rules
                .ignored(&devspm_findings::ignore::Subject {
                    tool: "devspm-inventory",
                    kind: "config",
                    rule: &risk.rule,
                    path: Some(&item.path),
                    line: risk.line,
                    ..Default::default()
                })
                .is_some();
            (severity_word(risk.severity), ignored)
        })
        .collect();
    Ok(crate::gate::gate(
        words
            .iter()
            .map(|(severity, ignored)| crate::gate::GateInput {
                severity,
                open: true,
                triaged: false,
                ignored: *ignored,
                context: devspm_core::gating::PathContext::Production,
            }),
        threshold,
        &rules.fail_on,
    ))
}

/// This machine's host name.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "unknown-host".to_owned())
}

/// One inventory item with the policy's verdict.
#[derive(Debug, Serialize)]
pub struct JudgedItem {
    #[serde(flatten)]
    pub item: InventoryItem,
    /// `None` for kinds the policy does not govern.
    pub verdict: Option<Verdict>,
}

/// What a workstation scan found and recorded.
#[derive(Debug, Serialize)]
pub struct WorkstationScan {
    pub host: String,
    pub home: String,
    /// The developer's e-mail (git's `user.email`, or as given).
    pub identity: Option<String>,
    /// Where the sightings were recorded (`None` when they were not).
    pub database: Option<String>,
    /// New sightings recorded.
    pub recorded: u64,
    pub items: Vec<JudgedItem>,
    pub warnings: Vec<ScanWarning>,
    pub summary: ScanSummary,
}

/// The items by verdict.
#[derive(Debug, Serialize, Default)]
pub struct ScanSummary {
    pub items: usize,
    /// Approved, or of a kind the policy does not govern.
    pub approved: usize,
    pub unapproved: usize,
    pub denied: usize,
    pub risks: usize,
}

/// What `tools scan` asks for: a home folder (default: `$HOME`), the developer's e-mail
/// (default: git's `user.email` there), the machine's name (default: this one's) and, with a
/// home folder given, whether this process's `PATH` still counts.
#[derive(Clone, Debug, Default)]
pub struct WorkstationRequest {
    pub home: Option<std::path::PathBuf>,
    pub identity: Option<String>,
    pub host: Option<String>,
    pub search_path: bool,
}

/// A workstation scan's target, resolved: what [`scan_workstation`] takes.
pub struct Workstation {
    pub home: std::path::PathBuf,
    pub options: ScanOptions,
    pub host: String,
}

impl WorkstationRequest {
    /// The home folder checked, the inventory's options and the host name.
    pub fn resolve(&self) -> Result<Workstation, EngineError> {
        let home = match &self.home {
            Some(h) => h.clone(),
            None => std::env::var_os("HOME")
                .map(std::path::PathBuf::from)
                .ok_or_else(|| {
                    EngineError::Invalid("HOME is not set; pass --home DIR".to_owned())
                })?,
        };
        if !home.is_dir() {
            return Err(EngineError::Invalid(format!(
                "home directory {} does not exist or is not a directory (pass --home DIR)",
                home.display()
            )));
        }
        let mut options = ScanOptions::from_env();
        options.identity = self.identity.clone();
        if self.home.is_some() && !self.search_path {
            // A home directory given explicitly is often someone else's (an image, a
            // fixture): the binaries on this process's PATH say nothing about it.
            options.path_dirs.clear();
        }
        let host = self.host.clone().unwrap_or_else(host_name);
        Ok(Workstation {
            home,
            options,
            host,
        })
    }
}

/// Inventories the home folder `home` of machine `host`, judges each item by the policy and,
/// when `store` is given, records every item as a sighting tied to the developer (an unchanged
/// machine adds nothing on the next scan).
pub fn scan_workstation(
    ctx: &Context<'_>,
    store: Option<&mut (impl EventLog + IngestState)>,
    home: &Path,
    options: &ScanOptions,
    host: String,
) -> Result<WorkstationScan, EngineError> {
    let report: WorkstationReport = devspm_inventory::scan_home(home, options);
    let items: Vec<JudgedItem> = report
        .items
        .into_iter()
        .map(|item| JudgedItem {
            verdict: verdict_of(ctx.policy, &item),
            item,
        })
        .collect();
    let mut summary = ScanSummary {
        items: items.len(),
        ..Default::default()
    };
    for judged in &items {
        summary.risks += judged.item.risks.len();
        match judged.verdict.as_ref().map(|v| v.status) {
            Some(Status::Approved) | None => summary.approved += 1,
            Some(Status::Unapproved) => summary.unapproved += 1,
            Some(Status::Denied) => summary.denied += 1,
        }
    }
    let email = report.identity.as_ref().map(|i| i.email.clone());
    let (recorded, database) = match store {
        Some(store) => (
            record(store, &host, email.as_deref(), &items)?,
            Some(store.location().to_owned()),
        ),
        None => (0, None),
    };
    Ok(WorkstationScan {
        host,
        home: report.home,
        identity: email,
        database,
        recorded,
        items,
        warnings: report.warnings,
        summary,
    })
}

/// Records each item as a `workstation_tool_seen` event; returns the events appended.
fn record(
    store: &mut (impl EventLog + IngestState),
    host: &str,
    email: Option<&str>,
    items: &[JudgedItem],
) -> Result<u64, EngineError> {
    let mut book = store.alias_book()?;
    let (alias, mut pii) = match email {
        Some(e) => {
            let (alias, pii) = book.alias_for(b"", e.as_bytes());
            (Some(alias), pii)
        }
        None => (None, None),
    };
    let mut events = Vec::new();
    for JudgedItem { item, verdict } in items {
        let payload = WorkstationToolSeen {
            host: host.to_owned(),
            identity: alias.clone(),
            kind: item.kind.as_str().to_owned(),
            id: item.id.clone(),
            name: item.name.clone(),
            version: item.version.clone(),
            source: item.source.clone(),
            path: item.path.clone(),
            risks: item
                .risks
                .iter()
                .map(|r| ToolRisk {
                    rule: r.rule.clone(),
                    severity: severity_word(r.severity),
                    message: r.message.clone(),
                })
                .collect(),
            verdict: verdict.as_ref().map(|v| v.status.as_str().to_owned()),
            verdict_reason: verdict.as_ref().map(|v| v.reason.clone()),
        };
        // Keyed by what was seen: an unchanged machine adds nothing on the next scan; a new
        // version, a new risk or a new verdict is a new sighting.
        let json = serde_json::to_string(&payload)
            .map_err(|e| EngineError::Invalid(format!("a sighting cannot be written: {e}")))?;
        let digest = devspm_core::hex::encode(&sha2::Digest::finalize(
            <sha2::Sha256 as sha2::Digest>::new_with_prefix(json.as_bytes()),
        ));
        let mut event = NewEvent::new(
            format!(
                "workstation/{host}/{}/{}/{}",
                alias.as_deref().unwrap_or("-"),
                item.kind.as_str(),
                &digest[..16]
            ),
            alias
                .clone()
                .unwrap_or_else(|| "devspm:tools-scan".to_owned()),
            format!("host:{host}"),
            payload,
        );
        if let Some(p) = pii.take() {
            event.attachments.push(p);
        }
        events.push(event);
    }
    Ok(store.append(events)?.appended)
}

/// The recorded uses of tools that `filter` selects, with the tool-spread signals over them.
#[derive(Debug, Serialize)]
pub struct ToolUses {
    pub rows: Vec<ToolUseRow>,
    /// One sentence per workflow file that spread across repositories at once.
    pub signals: Vec<String>,
}

/// The recorded uses of tools that `filter` selects (an unknown kind is
/// [`EngineError::Invalid`]), and the tool-spread signals over them.
pub fn uses(store: &impl GovernanceStore, filter: &ToolFilter) -> Result<ToolUses, EngineError> {
    if let Some(kind) = &filter.kind {
        check_kind(kind)?;
    }
    let rows = store.tool_uses(filter)?;
    let signals = crate::signals::spread_sentences(&rows);
    Ok(ToolUses { rows, signals })
}

/// What `tools list` asks for: tools whose name contains `name`, of one `kind`, in one
/// recorded repository (a path, name or id), first seen since a day or a span back from now
/// (`7d`), of one origin (`repository` or `workstation`).
#[derive(Clone, Debug, Default)]
pub struct UsesRequest {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub repo: Option<String>,
    pub since: Option<String>,
    pub origin: Option<String>,
}

/// `tools list`: the recorded uses `request` selects, with the tool-spread signals.
pub fn list(
    store: &(impl GovernanceStore + IngestState),
    request: &UsesRequest,
) -> Result<ToolUses, EngineError> {
    let repo_id = request
        .repo
        .as_deref()
        .map(|r| crate::repository::recorded(store, r))
        .transpose()?;
    let since = request.since.as_deref().map(parse_since).transpose()?;
    uses(
        store,
        &ToolFilter {
            name: request.name.clone(),
            kind: request.kind.clone(),
            repo_id,
            since,
            origin: request.origin.clone(),
        },
    )
}

/// Every kind of tool `tools list` knows (repository inventory, AI tooling, workstation).
pub const TOOL_KINDS: [&str; 14] = [
    "action",
    "reusable_workflow",
    "container_image",
    "precommit_hook",
    "ci_include",
    "mcp_server",
    "ai_instructions",
    "agent_settings",
    "vscode_extension",
    "jetbrains_plugin",
    "browser_extension",
    "ai_cli",
    "git_config",
    "credential_file",
];

/// Refuses a kind of tool that is not one of [`TOOL_KINDS`].
pub fn check_kind(kind: &str) -> Result<(), EngineError> {
    if TOOL_KINDS.contains(&kind) {
        return Ok(());
    }
    Err(EngineError::Invalid(format!(
        "--kind {kind}: unknown kind; one of {}",
        TOOL_KINDS.join(", ")
    )))
}

/// `--since`: a day (`2026-11-01`, UTC) or a span back from now (`7d`, `36h`), as the RFC 3339
/// prefix event times are compared with.
pub fn parse_since(text: &str) -> Result<String, EngineError> {
    let text = text.trim();
    if let Ok(day) = text.parse::<jiff::civil::Date>() {
        return Ok(day.to_string());
    }
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let hours = match (number.parse::<i64>(), unit) {
        (Ok(n), "d") if n >= 0 => n * 24,
        (Ok(n), "h") if n >= 0 => n,
        _ => {
            return Err(EngineError::Invalid(format!(
                "--since {text:?} is neither a day (YYYY-MM-DD) nor a span back from now (7d, 36h)"
            )));
        }
    };
    let then = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(hours))
        .map_err(|_| EngineError::Invalid(format!("--since {text:?} reaches too far back")))?;
    Ok(then.strftime("%Y-%m-%dT%H:%M:%S").to_string())
}
