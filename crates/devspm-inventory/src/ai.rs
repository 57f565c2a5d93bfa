//! AI coding tools on the workstation: which are present (config directories, binaries on
//! `PATH`), their agent settings, and the MCP servers their configurations start.
//!
//! File formats and risky settings are those of `AI-AGENT-MARKERS.md`; the parsing of the shared
//! formats (`mcpServers` JSON, Claude Code settings, Codex TOML) is `devspm_ai::tooling`'s, so a
//! repository scan and a workstation scan judge the same file the same way. What only exists in
//! a home directory is read here: `~/.claude.json` (user and per-project MCP servers, and an API
//! key Claude Code may keep there), inline secrets in `~/.claude/settings.json` `env`, and
//! aider's `.aider.conf.yml`. Secrets are reported by key name only.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use devspm_ai::tooling::{self, ConfigFile, ToolItem};
use serde_json::Value;

use crate::credentials::{is_reference, looks_secret_key};
use crate::home::{self, Home};
use crate::report::{
    AgentSettings, AiCli, InventoryItem, ItemDetails, ItemKind, McpServer, Risk, Severity,
};

/// An AI tool and what shows it is installed.
struct Tool {
    id: &'static str,
    name: &'static str,
    /// Home-relative files or directories whose presence is evidence.
    markers: &'static [&'static str],
    /// Executable names looked for on `PATH`.
    binaries: &'static [&'static str],
}

const TOOLS: &[Tool] = &[
    Tool {
        id: "claude-code",
        name: "Claude Code",
        markers: &[".claude", ".claude.json"],
        binaries: &["claude"],
    },
    Tool {
        id: "claude-desktop",
        name: "Claude Desktop",
        markers: &[
            "Library/Application Support/Claude",
            ".config/Claude",
            "AppData/Roaming/Claude",
        ],
        binaries: &[],
    },
    Tool {
        id: "codex",
        name: "OpenAI Codex CLI",
        markers: &[".codex"],
        binaries: &["codex"],
    },
    Tool {
        id: "gemini-cli",
        name: "Gemini CLI",
        markers: &[".gemini"],
        binaries: &["gemini"],
    },
    Tool {
        id: "aider",
        name: "Aider",
        markers: &[".aider.conf.yml", ".aider"],
        binaries: &["aider"],
    },
    Tool {
        id: "cursor",
        name: "Cursor",
        markers: &[".cursor", ".cursor-server"],
        binaries: &["cursor-agent", "cursor"],
    },
    Tool {
        id: "windsurf",
        name: "Windsurf",
        markers: &[".windsurf", ".windsurf-server", ".codeium/windsurf"],
        binaries: &["windsurf"],
    },
    Tool {
        id: "cline",
        name: "Cline",
        markers: &[".cline"],
        binaries: &["cline"],
    },
    Tool {
        id: "copilot-cli",
        name: "GitHub Copilot CLI",
        markers: &[".copilot"],
        binaries: &["copilot"],
    },
    Tool {
        id: "amp",
        name: "Amp",
        markers: &[".config/amp"],
        binaries: &["amp"],
    },
    Tool {
        id: "opencode",
        name: "opencode",
        markers: &[".config/opencode", ".local/share/opencode"],
        binaries: &["opencode"],
    },
    Tool {
        id: "continue",
        name: "Continue",
        markers: &[".continue"],
        binaries: &["cn"],
    },
    Tool {
        id: "goose",
        name: "Goose",
        markers: &[".config/goose"],
        binaries: &["goose"],
    },
    Tool {
        id: "qwen-code",
        name: "Qwen Code",
        markers: &[".qwen"],
        binaries: &["qwen"],
    },
    Tool {
        id: "kiro",
        name: "Kiro",
        markers: &[".kiro"],
        binaries: &["kiro"],
    },
    Tool {
        id: "factory",
        name: "Factory Droid",
        markers: &[".factory"],
        binaries: &["droid"],
    },
    Tool {
        id: "trae",
        name: "Trae",
        markers: &[".trae", ".trae-server"],
        binaries: &["trae"],
    },
];

/// How to read a configuration file.
#[derive(Clone, Copy)]
enum Format {
    /// A format `devspm_ai::tooling` knows.
    Shared(ConfigFile),
    /// `~/.claude.json`: `mcpServers`, `projects.<dir>.mcpServers`, `primaryApiKey`.
    ClaudeState,
    /// `.aider.conf.yml`.
    AiderConf,
}

/// VS Code-family user-data directories (for Cline / Roo Code settings and user `mcp.json`).
const CODE_USER_DIRS: &[&str] = &[
    ".config/Code",
    ".config/Code - Insiders",
    ".config/VSCodium",
    ".config/Cursor",
    ".config/Windsurf",
    "Library/Application Support/Code",
    "Library/Application Support/Code - Insiders",
    "Library/Application Support/VSCodium",
    "Library/Application Support/Cursor",
    "Library/Application Support/Windsurf",
    "AppData/Roaming/Code",
    "AppData/Roaming/Code - Insiders",
    "AppData/Roaming/VSCodium",
    "AppData/Roaming/Cursor",
    "AppData/Roaming/Windsurf",
];

/// Configuration files to inspect: (home-relative path, tool, format).
fn config_files() -> Vec<(PathBuf, &'static str, Format)> {
    let mut files: Vec<(PathBuf, &'static str, Format)> = vec![
        (".claude.json".into(), "claude-code", Format::ClaudeState),
        (
            ".claude/settings.json".into(),
            "claude-code",
            Format::Shared(ConfigFile::ClaudeSettings),
        ),
        (
            ".claude/settings.local.json".into(),
            "claude-code",
            Format::Shared(ConfigFile::ClaudeSettings),
        ),
        (
            ".codex/config.toml".into(),
            "codex",
            Format::Shared(ConfigFile::CodexConfig),
        ),
        (
            ".gemini/settings.json".into(),
            "gemini-cli",
            Format::Shared(ConfigFile::GeminiSettings),
        ),
        (
            ".cursor/mcp.json".into(),
            "cursor",
            Format::Shared(ConfigFile::McpJson("cursor")),
        ),
        (
            ".cursor/hooks.json".into(),
            "cursor",
            Format::Shared(ConfigFile::CursorHooks),
        ),
        (
            ".codeium/windsurf/mcp_config.json".into(),
            "windsurf",
            Format::Shared(ConfigFile::McpJson("windsurf")),
        ),
        (
            ".copilot/mcp-config.json".into(),
            "copilot-cli",
            Format::Shared(ConfigFile::McpJson("copilot-cli")),
        ),
        (".aider.conf.yml".into(), "aider", Format::AiderConf),
    ];
    for base in [
        "Library/Application Support/Claude",
        ".config/Claude",
        "AppData/Roaming/Claude",
    ] {
        files.push((
            Path::new(base).join("claude_desktop_config.json"),
            "claude-desktop",
            Format::Shared(ConfigFile::McpJson("claude-desktop")),
        ));
    }
    for base in CODE_USER_DIRS {
        let user = Path::new(base).join("User");
        files.push((
            user.join("mcp.json"),
            "vscode",
            Format::Shared(ConfigFile::VsCodeMcp),
        ));
        let storage = user.join("globalStorage");
        files.push((
            storage.join("saoudrizwan.claude-dev/settings/cline_mcp_settings.json"),
            "cline",
            Format::Shared(ConfigFile::McpJson("cline")),
        ));
        files.push((
            storage.join("rooveterinaryinc.roo-cline/settings/mcp_settings.json"),
            "roo-code",
            Format::Shared(ConfigFile::McpJson("roo-code")),
        ));
    }
    files
}

pub(crate) fn scan(home: &mut Home, path_dirs: &[PathBuf], items: &mut Vec<InventoryItem>) {
    let mut evidence: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (rel, tool, format) in config_files() {
        let Some(bytes) = home.read(&rel) else {
            continue;
        };
        // Files of editors' globalStorage belong to extensions, not to a tool we list.
        if TOOLS.iter().any(|t| t.id == tool) {
            evidence.entry(tool).or_default().push(home::display(&rel));
        }
        let found = match format {
            Format::Shared(kind) => shared(home, &rel, kind, &bytes),
            Format::ClaudeState => claude_state(home, &rel, &bytes),
            Format::AiderConf => vec![aider_conf(&bytes)],
        };
        let text = String::from_utf8_lossy(&bytes);
        for (found, project) in found {
            items.push(to_item(found, tool, project, &rel, &text));
        }
    }
    let binaries = find_binaries(home, path_dirs);
    for tool in TOOLS {
        let mut config_paths: Vec<String> = tool
            .markers
            .iter()
            .filter(|m| home.exists(Path::new(m)))
            .map(|m| (*m).to_owned())
            .collect();
        for path in evidence.remove(tool.id).unwrap_or_default() {
            let covered = config_paths
                .iter()
                .any(|c| path == *c || path.starts_with(&format!("{c}/")));
            if !covered {
                config_paths.push(path);
            }
        }
        let found: Vec<&(String, &str, Option<String>)> =
            binaries.iter().filter(|(_, t, _)| *t == tool.id).collect();
        if config_paths.is_empty() && found.is_empty() {
            continue;
        }
        let version = found.iter().find_map(|(_, _, v)| v.clone());
        let bins: Vec<String> = found.iter().map(|(p, _, _)| p.clone()).collect();
        let path = config_paths
            .first()
            .or_else(|| bins.first())
            .cloned()
            .unwrap_or_default();
        items.push(InventoryItem {
            kind: ItemKind::AiCli,
            id: tool.id.to_owned(),
            name: tool.name.to_owned(),
            version,
            source: "workstation".into(),
            path,
            details: ItemDetails::AiCli(AiCli {
                config_paths,
                binaries: bins,
            }),
            risks: Vec::new(),
        });
    }
}

/// A file in a format `devspm_ai` parses. JSON is checked here first so that a malformed file
/// is warned about with its line.
fn shared(
    home: &mut Home,
    rel: &Path,
    kind: ConfigFile,
    bytes: &[u8],
) -> Vec<(ToolItem, Option<String>)> {
    let is_json = !matches!(kind, ConfigFile::CodexConfig);
    let json = if is_json {
        match home::parse_json(home, rel, bytes) {
            Some(v) => Some(v),
            None => return Vec::new(),
        }
    } else {
        None
    };
    let mut found = match tooling::inspect(kind, bytes) {
        Ok(items) => items,
        Err(e) => {
            home.warn(rel, None, e);
            return Vec::new();
        }
    };
    if let (ConfigFile::ClaudeSettings, Some(json)) = (kind, &json) {
        for item in found.iter_mut().filter(|i| i.kind == "agent_settings") {
            let keys = inline_secret_keys(json.get("env"), "env");
            add_secret_risk(item, keys);
        }
    }
    found.into_iter().map(|i| (i, None)).collect()
}

/// `~/.claude.json`: user-scope MCP servers, per-project ones, and a stored API key.
fn claude_state(home: &mut Home, rel: &Path, bytes: &[u8]) -> Vec<(ToolItem, Option<String>)> {
    let Some(json) = home::parse_json(home, rel, bytes) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut servers_of = |servers: Option<&Value>, project: Option<String>| {
        let Some(servers) = servers.filter(|s| s.is_object()) else {
            return;
        };
        let wrapped = serde_json::json!({ "mcpServers": servers });
        let Ok(bytes) = serde_json::to_vec(&wrapped) else {
            return;
        };
        if let Ok(items) = tooling::inspect(ConfigFile::McpJson("claude-code"), &bytes) {
            found.extend(items.into_iter().map(|i| (i, project.clone())));
        }
    };
    servers_of(json.get("mcpServers"), None);
    for (dir, project) in json
        .get("projects")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        servers_of(project.get("mcpServers"), Some(dir.clone()));
    }
    let keys: Vec<String> = ["primaryApiKey"]
        .into_iter()
        .filter(|k| {
            json.get(*k)
                .and_then(Value::as_str)
                .is_some_and(|v| !is_reference(v))
        })
        .map(str::to_owned)
        .collect();
    if !keys.is_empty() {
        let mut item = settings_item("claude-code");
        add_secret_risk(&mut item, keys);
        found.push((item, None));
    }
    found
}

/// Aider's YAML config, read line by line (flat `key: value` pairs are all it uses).
fn aider_conf(bytes: &[u8]) -> (ToolItem, Option<String>) {
    let text = String::from_utf8_lossy(bytes);
    let mut item = settings_item("aider");
    for line in text.lines() {
        let line = line.trim();
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim();
        let value = value.trim().trim_matches(['"', '\'']);
        if key.starts_with('#') {
            continue;
        }
        if key == "yes-always" && value.eq_ignore_ascii_case("true") {
            item.risks.push(tooling::Risk {
                rule: "agent-never-asks",
                severity: "high",
                message:
                    "yes-always: true: aider confirms its own actions, shell commands included"
                        .into(),
                anchor: "yes-always".into(),
            });
        }
        let secret_key = key.ends_with("api-key") || key == "api-key" || looks_secret_key(key);
        if secret_key && !value.is_empty() && !is_reference(value) {
            item.secret_keys.push(key.to_owned());
        }
    }
    // The keys themselves are reported as a credential file; listing their names here is enough.
    (item, None)
}

fn settings_item(agent: &str) -> ToolItem {
    ToolItem {
        kind: "agent_settings",
        name: agent.to_owned(),
        details: BTreeMap::new(),
        pinned: None,
        secret_keys: Vec::new(),
        risks: Vec::new(),
    }
}

/// `<prefix>.KEY` names of an object's entries that hold inline secrets.
fn inline_secret_keys(object: Option<&Value>, prefix: &str) -> Vec<String> {
    object
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(k, v)| looks_secret_key(k) && v.as_str().is_some_and(|v| !is_reference(v)))
        .map(|(k, _)| format!("{prefix}.{k}"))
        .collect()
}

fn add_secret_risk(item: &mut ToolItem, keys: Vec<String>) {
    if keys.is_empty() {
        return;
    }
    let anchor = keys[0].rsplit('.').next().unwrap_or(&keys[0]).to_owned();
    item.risks.push(tooling::Risk {
        rule: "agent-inline-secret",
        severity: "high",
        message: format!("credentials written into the file: {}", keys.join(", ")),
        anchor,
    });
    item.secret_keys.extend(keys);
}

fn to_item(
    found: ToolItem,
    tool: &str,
    project: Option<String>,
    rel: &Path,
    text: &str,
) -> InventoryItem {
    let risks = found
        .risks
        .iter()
        .map(|r| Risk {
            rule: r.rule.to_owned(),
            severity: Severity::from_word(r.severity),
            message: r.message.clone(),
            line: line_of(text, &r.anchor),
        })
        .collect();
    let detail = |key: &str| found.details.get(key).cloned();
    let (kind, details, source) = if found.kind == "mcp_server" {
        (
            ItemKind::McpServer,
            ItemDetails::McpServer(McpServer {
                configured_for: tool.to_owned(),
                project,
                transport: detail("transport"),
                command: detail("command"),
                package: detail("package"),
                url: detail("url"),
                pinned: found.pinned,
                secret_keys: found.secret_keys.clone(),
            }),
            tool.to_owned(),
        )
    } else {
        (
            ItemKind::AgentSettings,
            ItemDetails::AgentSettings(AgentSettings {
                agent: found.name.clone(),
                secret_keys: found.secret_keys.clone(),
            }),
            found.name.clone(),
        )
    };
    InventoryItem {
        kind,
        id: found.name.clone(),
        name: found.name,
        version: None,
        source,
        path: home::display(rel),
        details,
        risks,
    }
}

/// The 1-based line of the first occurrence of `anchor`.
fn line_of(text: &str, anchor: &str) -> Option<u32> {
    if anchor.is_empty() {
        return None;
    }
    text.lines()
        .position(|l| l.contains(anchor))
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// AI tool executables on `PATH`: (shown path, tool id, version from a versioned symlink).
fn find_binaries(
    home: &Home,
    path_dirs: &[PathBuf],
) -> Vec<(String, &'static str, Option<String>)> {
    let mut found = Vec::new();
    let mut seen_dirs = Vec::new();
    for dir in path_dirs {
        if seen_dirs.contains(dir) {
            continue;
        }
        seen_dirs.push(dir.clone());
        for tool in TOOLS {
            for bin in tool.binaries {
                for name in candidates(bin) {
                    let path = dir.join(&name);
                    // Only metadata: a binary is evidence, never read.
                    let Ok(link) = fs::symlink_metadata(&path) else {
                        continue;
                    };
                    let Ok(meta) = fs::metadata(&path) else {
                        continue; // dangling
                    };
                    if !meta.is_file() || !is_executable(&meta) {
                        continue;
                    }
                    let version = if link.file_type().is_symlink() {
                        fs::read_link(&path)
                            .ok()
                            .and_then(|t| version_of_target(&t))
                    } else {
                        None
                    };
                    found.push((home.show(&path), tool.id, version));
                }
            }
        }
    }
    found
}

fn candidates(bin: &str) -> Vec<String> {
    if cfg!(windows) {
        vec![
            format!("{bin}.exe"),
            format!("{bin}.cmd"),
            format!("{bin}.ps1"),
        ]
    } else {
        vec![bin.to_owned()]
    }
}

#[cfg(unix)]
fn is_executable(meta: &fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &fs::Metadata) -> bool {
    true
}

/// `…/versions/2.0.14` (Claude Code's native installer) → `2.0.14`.
fn version_of_target(target: &Path) -> Option<String> {
    let name = target.file_name()?.to_str()?;
    let looks_like_version = name.starts_with(|c: char| c.is_ascii_digit())
        && name.contains('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'));
    looks_like_version.then(|| name.to_owned())
}
