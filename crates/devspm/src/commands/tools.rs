//! `devspm tools scan` (inventory this workstation: extensions, AI CLIs, MCP servers, git
//! hygiene, plaintext credential files — each item judged by the policy and recorded as a
//! `workstation_tool_seen` event tied to the developer) and `devspm tools list` (who uses which
//! tool, at which ref, since when, in which repositories and on which machines).

use std::path::PathBuf;

use devspm_core::NewEvent;
use devspm_core::event::{ToolRisk, WorkstationToolSeen};
use devspm_governance::policy::{Category, Item, Policy, Status, Verdict};
use devspm_inventory::{InventoryItem, ItemDetails, ItemKind, ScanOptions, WorkstationReport};
use devspm_ledger::{GovernanceStore, Store, ToolFilter};
use serde::Serialize;

use crate::cli::{Format, GlobalArgs, ToolsListArgs, ToolsScanArgs};
use crate::output::{self, Table, escape};
use crate::settings::Settings;

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

fn severity_word(severity: devspm_inventory::Severity) -> String {
    serde_json::to_value(severity)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "info".to_owned())
}

/// This machine's host name.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "unknown-host".to_owned())
}

#[derive(Serialize)]
struct JudgedItem<'a> {
    #[serde(flatten)]
    item: &'a InventoryItem,
    verdict: Option<&'a Verdict>,
}

#[derive(Serialize)]
struct ScanOutput<'a> {
    host: &'a str,
    home: &'a str,
    identity: Option<&'a str>,
    database: Option<String>,
    recorded: u64,
    items: Vec<JudgedItem<'a>>,
    warnings: &'a [devspm_inventory::ScanWarning],
    summary: ScanSummary,
}

#[derive(Serialize, Default)]
struct ScanSummary {
    items: usize,
    approved: usize,
    unapproved: usize,
    denied: usize,
    risks: usize,
}

pub fn scan(settings: &Settings, global: &GlobalArgs, args: &ToolsScanArgs) -> anyhow::Result<i32> {
    let home = match &args.home {
        Some(h) => h.clone(),
        None => std::env::var_os("HOME")
            .map(PathBuf::from)
            .ok_or_else(|| anyhow::anyhow!("HOME is not set; pass --home DIR"))?,
    };
    if !home.is_dir() {
        anyhow::bail!(
            "home directory {} does not exist or is not a directory (pass --home DIR)",
            home.display()
        );
    }
    let mut options = ScanOptions::from_env();
    options.identity = args.identity.clone();
    if args.home.is_some() && !args.search_path {
        // A home directory given explicitly is often someone else's (an image, a fixture): the
        // binaries on this process's PATH say nothing about it.
        options.path_dirs.clear();
    }
    let report: WorkstationReport = devspm_inventory::scan_home(&home, &options);
    let host = args.host.clone().unwrap_or_else(host_name);
    let verdicts: Vec<Option<Verdict>> = report
        .items
        .iter()
        .map(|i| verdict_of(&settings.policy, i))
        .collect();
    let mut summary = ScanSummary {
        items: report.items.len(),
        ..Default::default()
    };
    for (item, verdict) in report.items.iter().zip(&verdicts) {
        summary.risks += item.risks.len();
        match verdict.as_ref().map(|v| v.status) {
            Some(Status::Approved) | None => summary.approved += 1,
            Some(Status::Unapproved) => summary.unapproved += 1,
            Some(Status::Denied) => summary.denied += 1,
        }
    }
    let email = report.identity.as_ref().map(|i| i.email.clone());

    let mut recorded = 0;
    let mut database = None;
    if !args.no_record {
        let mut store = settings.open_store()?;
        database = Some(settings.db_path.display().to_string());
        let mut book = store.alias_book()?;
        let (alias, pii) = match &email {
            Some(e) => {
                let (alias, pii) = book.alias_for(b"", e.as_bytes());
                (Some(alias), pii)
            }
            None => (None, None),
        };
        let mut events = Vec::new();
        let mut pii = pii;
        for (item, verdict) in report.items.iter().zip(&verdicts) {
            let payload = WorkstationToolSeen {
                host: host.clone(),
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
            // Keyed by what was seen: an unchanged machine adds nothing on the next scan; a
            // new version, a new risk or a new verdict is a new sighting.
            let digest = devspm_core::hex::encode(&sha2::Digest::finalize(
                <sha2::Sha256 as sha2::Digest>::new_with_prefix(
                    serde_json::to_string(&payload)?.as_bytes(),
                ),
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
        recorded = store.append(events)?.appended;
    }

    let scan_output = ScanOutput {
        host: &host,
        home: &report.home,
        identity: email.as_deref(),
        database: database.clone(),
        recorded,
        items: report
            .items
            .iter()
            .zip(&verdicts)
            .map(|(item, verdict)| JudgedItem {
                item,
                verdict: verdict.as_ref(),
            })
            .collect(),
        warnings: &report.warnings,
        summary,
    };
    let submitted = match (&args.submit, &args.token) {
        (Some(url), Some(token)) => Some(submit(url, token, &serde_json::to_vec(&scan_output)?)?),
        _ => None,
    };
    let summary = &scan_output.summary;
    match global.format {
        Format::Json => {
            output::emit_json(&scan_output)?;
        }
        _ => {
            let mut text = format!(
                "Workstation {} — home {} — developer {}\n\n",
                escape(&host),
                escape(&report.home),
                email.as_deref().map_or(
                    escape("unknown (no git user.email; pass --identity)"),
                    escape
                )
            );
            let mut table = Table::new(&[
                ("kind", false),
                ("item", false),
                ("version", false),
                ("source", false),
                ("verdict", false),
                ("risks", false),
            ]);
            for (item, verdict) in report.items.iter().zip(&verdicts) {
                table.row(vec![
                    item.kind.as_str().to_owned(),
                    item.id.clone(),
                    item.version.clone().unwrap_or_else(|| "-".into()),
                    item.source.clone(),
                    verdict
                        .as_ref()
                        .map_or("-".to_owned(), |v| v.status.as_str().to_owned()),
                    item.risks
                        .iter()
                        .map(|r| format!("{} ({})", r.rule, severity_word(r.severity)))
                        .collect::<Vec<_>>()
                        .join(", "),
                ]);
            }
            if report.items.is_empty() {
                text.push_str("  No developer tools found in the known locations.\n");
            } else {
                text.push_str(&table.render("  "));
            }
            text.push_str(&format!(
                "\n{} items: {} approved or not governed, {} unapproved (shadow IT), {} denied; {} risks.\n",
                summary.items, summary.approved, summary.unapproved, summary.denied, summary.risks
            ));
            for (item, verdict) in report.items.iter().zip(&verdicts) {
                if let Some(v) = verdict.as_ref().filter(|v| v.status != Status::Approved) {
                    text.push_str(&format!(
                        "  {}: {} — {}\n",
                        v.status.as_str(),
                        escape(&item.id),
                        escape(&v.reason)
                    ));
                }
            }
            for w in &report.warnings {
                match w.line {
                    Some(line) => text.push_str(&format!(
                        "warning: {}:{line}: {}\n",
                        escape(&w.path),
                        escape(&w.message)
                    )),
                    None => text.push_str(&format!(
                        "warning: {}: {}\n",
                        escape(&w.path),
                        escape(&w.message)
                    )),
                }
            }
            if let Some(db) = &database
                && !global.quiet
            {
                text.push_str(&format!(
                    "\nRecorded {recorded} new sightings in {}.\n",
                    escape(db)
                ));
            }
            if let Some(status) = &submitted
                && !global.quiet
            {
                text.push_str(&format!(
                    "Submitted to {}: {}.\n",
                    escape(args.submit.as_deref().unwrap_or("")),
                    escape(status)
                ));
            }
            output::emit(&text)?;
        }
    }
    Ok(0)
}

pub fn list(settings: &Settings, global: &GlobalArgs, args: &ToolsListArgs) -> anyhow::Result<i32> {
    let store = settings.open_store_read_only()?;
    let repo_id = match &args.repo {
        Some(r) => Some(super::findings::repo_filter(&store, r)?),
        None => None,
    };
    if let Some(kind) = &args.kind
        && !TOOL_KINDS.contains(&kind.as_str())
    {
        return Err(crate::UsageError(format!(
            "--kind {}: unknown kind; one of {}",
            crate::output::escape(kind),
            TOOL_KINDS.join(", ")
        ))
        .into());
    }
    let since = args.since.as_deref().map(parse_since).transpose()?;
    let rows = store.tool_uses(&ToolFilter {
        name: args.name.clone(),
        kind: args.kind.clone(),
        repo_id,
        since,
        origin: args.origin.map(|o| o.as_str().to_owned()),
    })?;
    match global.format {
        Format::Json => output::emit_json(&rows)?,
        _ => {
            if rows.is_empty() {
                output::emit(
                    "No tools recorded match. Record some with `devspm scan` (repositories) or `devspm tools scan` (this workstation).\n",
                )?;
                return Ok(0);
            }
            let mut table = Table::new(&[
                ("tool", false),
                ("ref/version", false),
                ("kind", false),
                ("where", false),
                ("who", false),
                ("since", false),
            ]);
            for r in &rows {
                let place = match r.origin {
                    "workstation" => format!("{}:~/{}", r.host.as_deref().unwrap_or("?"), r.path),
                    _ => match r.line {
                        Some(line) => format!(
                            "{}:{}:{line}",
                            r.repository.as_deref().unwrap_or("?"),
                            r.path
                        ),
                        None => format!("{}:{}", r.repository.as_deref().unwrap_or("?"), r.path),
                    },
                };
                let who = r
                    .identity_name
                    .clone()
                    .or_else(|| r.identity.clone())
                    .unwrap_or_else(|| "-".into());
                let who = match (&r.introduced_in, r.origin) {
                    (Some(c), "repository") => format!("{who} in {}", &c[..c.len().min(10)]),
                    _ => who,
                };
                // Since when: the introducing commit's date in a repository, else when the
                // inventory first saw it.
                let since = match r.introduced_at {
                    Some(_) => crate::output::date(r.introduced_at),
                    None => r.first_seen[..r.first_seen.len().min(10)].to_owned(),
                };
                table.row(vec![
                    r.name.clone(),
                    r.version.clone().unwrap_or_else(|| "-".into()),
                    r.kind.clone(),
                    place,
                    who,
                    since,
                ]);
            }
            let repositories: std::collections::BTreeSet<_> = rows
                .iter()
                .filter_map(|r| r.repository.as_deref())
                .collect();
            let hosts: std::collections::BTreeSet<_> =
                rows.iter().filter_map(|r| r.host.as_deref()).collect();
            let mut text = table.render("");
            text.push_str(&format!(
                "\n{} uses in {} repositories and on {} workstations.\n",
                rows.len(),
                repositories.len(),
                hosts.len()
            ));
            for signal in spread_signals(&rows) {
                text.push_str(&format!("signal: {}\n", escape(&signal)));
            }
            output::emit(&text)?;
        }
    }
    Ok(0)
}

/// Every kind of tool `tools list` knows (repository inventory, AI tooling, workstation).
const TOOL_KINDS: [&str; 14] = [
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

/// `--since`: a day (`2026-11-01`, UTC) or a span back from now (`7d`, `36h`), as the RFC 3339
/// prefix event times are compared with.
pub(crate) fn parse_since(text: &str) -> anyhow::Result<String> {
    let text = text.trim();
    if let Ok(day) = text.parse::<jiff::civil::Date>() {
        return Ok(day.to_string());
    }
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let hours = match (number.parse::<i64>(), unit) {
        (Ok(n), "d") if n >= 0 => n * 24,
        (Ok(n), "h") if n >= 0 => n,
        _ => anyhow::bail!(
            "--since {text:?} is neither a day (YYYY-MM-DD) nor a span back from now (7d, 36h)"
        ),
    };
    let then = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(hours))
        .map_err(|_| anyhow::anyhow!("--since {text:?} reaches too far back"))?;
    Ok(then.strftime("%Y-%m-%dT%H:%M:%S").to_string())
}

/// A value for curl's config syntax: quoted, with `\\` and `"` escaped.
fn curl_quote(value: &str) -> anyhow::Result<String> {
    if value.contains(['\n', '\r']) {
        anyhow::bail!("--submit/--token must not contain line breaks");
    }
    Ok(format!(
        "\"{}\"",
        value.replace('\\', "\\\\").replace('"', "\\\"")
    ))
}

/// POSTs `body` (JSON) to `url` with a bearer token, through curl: options, the token included,
/// go to curl on its standard input (`-K -`); the body goes through a private temporary file.
/// Returns the HTTP status line; a non-2xx answer is an error naming the status and the body.
fn submit(url: &str, token: &str, body: &[u8]) -> anyhow::Result<String> {
    use std::io::Write;
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        anyhow::bail!("--submit {url:?} is not an http:// or https:// URL");
    }
    let mut file = tempfile::NamedTempFile::new()?;
    file.write_all(body)?;
    file.flush()?;
    let config = format!(
        "url = {}\nrequest = \"POST\"\nheader = {}\nheader = \"Content-Type: application/json\"\ndata-binary = {}\nsilent\nshow-error\nwrite-out = \"\\n%{{http_code}}\"\nmax-time = 60\n",
        curl_quote(url)?,
        curl_quote(&format!("Authorization: Bearer {token}"))?,
        curl_quote(&format!("@{}", file.path().display()))?,
    );
    let mut child = std::process::Command::new("curl")
        .args(["-K", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| anyhow::anyhow!("--submit needs curl on PATH ({e}); or record locally and send the JSON of `--format json` yourself"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(config.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (answer, code) = stdout.rsplit_once('\n').unwrap_or(("", stdout.as_ref()));
    if !out.status.success() {
        anyhow::bail!(
            "--submit to {url} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let code: u16 = code.trim().parse().unwrap_or(0);
    if !(200..300).contains(&code) {
        let answer: String = answer.chars().take(200).collect();
        anyhow::bail!(
            "--submit to {url} was refused: HTTP {code} {}",
            answer.trim()
        );
    }
    Ok(format!("HTTP {code}"))
}

/// Repositories that must gain the same workflow file within [`SPREAD_WINDOW`] for it to be a
/// signal.
const SPREAD_REPOSITORIES: usize = 3;
const SPREAD_WINDOW: i64 = 24 * 3600;

/// "The same workflow file appeared in many repositories at once" (the Shai-Hulud worm, 2025):
/// a `.github/workflows/` path introduced, by commit time, in at least three repositories within
/// a day. Each sentence names the file, the repositories and the window.
fn spread_signals(rows: &[devspm_ledger::ToolUseRow]) -> Vec<String> {
    use std::collections::BTreeMap;
    // path → repository → earliest introduction of a tool in that file.
    let mut first: BTreeMap<&str, BTreeMap<&str, i64>> = BTreeMap::new();
    for r in rows {
        let (Some(repo), Some(at)) = (r.repository.as_deref(), r.introduced_at) else {
            continue;
        };
        if !r.path.starts_with(".github/workflows/") {
            continue;
        }
        let slot = first.entry(&r.path).or_default().entry(repo).or_insert(at);
        *slot = (*slot).min(at);
    }
    let mut signals = Vec::new();
    for (path, repos) in first {
        let mut times: Vec<(i64, &str)> = repos.iter().map(|(r, t)| (*t, *r)).collect();
        times.sort();
        // The largest group of introductions within one window.
        let mut best = (0, 0);
        let mut start = 0;
        for end in 0..times.len() {
            while times[end].0 - times[start].0 > SPREAD_WINDOW {
                start += 1;
            }
            if end + 1 - start > best.1 - best.0 {
                best = (start, end + 1);
            }
        }
        let group = &times[best.0..best.1];
        if group.len() >= SPREAD_REPOSITORIES {
            let names: Vec<&str> = group.iter().map(|(_, r)| *r).collect();
            signals.push(format!(
                "{path} was introduced in {} repositories within {} h ({}), from {}: a workflow spreading across repositories at once is how the Shai-Hulud worm moved",
                group.len(),
                (group[group.len() - 1].0 - group[0].0) / 3600,
                names.join(", "),
                crate::output::date(Some(group[0].0)),
            ));
        }
    }
    signals
}
