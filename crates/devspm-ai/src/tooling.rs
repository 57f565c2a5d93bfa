//! AI tooling configured in a repository: instruction files, agent settings and MCP servers,
//! and the risky settings among them.
//!
//! Locations and risky settings are those of `AI-AGENT-MARKERS.md` (researched 2026-11). Every
//! item names the file it came from; secrets are reported by key name only, never by value.

use std::collections::BTreeMap;

/// What a file is, by its path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigFile {
    /// Instructions for an agent (`CLAUDE.md`, `AGENTS.md`, `.cursorrules` …).
    Instructions(&'static str),
    /// MCP servers in `{"mcpServers": …}` JSON (`.mcp.json`, `.cursor/mcp.json`, …).
    McpJson(&'static str),
    /// VS Code's `{"servers": …}` (`.vscode/mcp.json`).
    VsCodeMcp,
    /// Claude Code settings (`.claude/settings.json`, `.claude/settings.local.json`).
    ClaudeSettings,
    /// Gemini CLI settings (may hold `mcpServers`).
    GeminiSettings,
    /// Codex `config.toml` (`approval_policy`, `sandbox_mode`, `[mcp_servers.*]`).
    CodexConfig,
    /// Cursor hooks (`.cursor/hooks.json`).
    CursorHooks,
}

/// Classifies a repository path (forward slashes).
pub fn classify_path(path: &str) -> Option<ConfigFile> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let in_dir = |dir: &str| path.starts_with(dir);
    Some(match path {
        ".mcp.json" => ConfigFile::McpJson("claude-code"),
        ".cursor/mcp.json" => ConfigFile::McpJson("cursor"),
        ".vscode/mcp.json" => ConfigFile::VsCodeMcp,
        ".claude/settings.json" | ".claude/settings.local.json" => ConfigFile::ClaudeSettings,
        ".gemini/settings.json" => ConfigFile::GeminiSettings,
        ".codex/config.toml" => ConfigFile::CodexConfig,
        ".cursor/hooks.json" => ConfigFile::CursorHooks,
        ".github/copilot-instructions.md" => ConfigFile::Instructions("copilot"),
        ".cursorrules" => ConfigFile::Instructions("cursor"),
        ".windsurfrules" => ConfigFile::Instructions("windsurf"),
        ".clinerules" => ConfigFile::Instructions("cline"),
        ".aider.conf.yml" => ConfigFile::Instructions("aider"),
        _ if name == "CLAUDE.md" => ConfigFile::Instructions("claude-code"),
        _ if name == "AGENTS.md" => ConfigFile::Instructions("agents-md"),
        _ if name == "GEMINI.md" => ConfigFile::Instructions("gemini-cli"),
        _ if in_dir(".github/instructions/") => ConfigFile::Instructions("copilot"),
        _ if in_dir(".github/agents/") && name.ends_with(".md") => {
            ConfigFile::Instructions("copilot")
        }
        _ if in_dir(".cursor/rules/") && name.ends_with(".mdc") => {
            ConfigFile::Instructions("cursor")
        }
        _ if in_dir(".continue/") => ConfigFile::Instructions("continue"),
        _ => return None,
    })
}

/// A risky setting found in a configuration file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Risk {
    /// Stable rule id, e.g. `mcp-unpinned-package`.
    pub rule: &'static str,
    /// `high`, `medium` or `low`.
    pub severity: &'static str,
    pub message: String,
    /// Text of the file that holds the setting (a key, a value, a package), to find its line.
    pub anchor: String,
}

/// One item of AI tooling found in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolItem {
    /// `ai_instructions`, `agent_settings` or `mcp_server`.
    pub kind: &'static str,
    /// The agent the file configures, or the MCP server's name.
    pub name: String,
    /// For MCP servers: `transport`, `command`, `package`, `url` where known.
    pub details: BTreeMap<String, String>,
    /// For MCP servers launched from a package: whether the version is pinned.
    pub pinned: Option<bool>,
    /// Names of keys whose values look like inline secrets (values are never kept).
    pub secret_keys: Vec<String>,
    pub risks: Vec<Risk>,
}

/// Inspects one configuration file. `Err` names what is wrong with it (the caller reports it
/// as a gap and goes on).
pub fn inspect(kind: ConfigFile, bytes: &[u8]) -> Result<Vec<ToolItem>, String> {
    match kind {
        ConfigFile::Instructions(agent) => Ok(vec![ToolItem {
            kind: "ai_instructions",
            name: agent.to_owned(),
            details: BTreeMap::new(),
            pinned: None,
            secret_keys: Vec::new(),
            risks: Vec::new(),
        }]),
        ConfigFile::McpJson(_) | ConfigFile::GeminiSettings => {
            let json = parse_json(bytes)?;
            Ok(mcp_servers(json.get("mcpServers")))
        }
        ConfigFile::VsCodeMcp => {
            let json = parse_json(bytes)?;
            Ok(mcp_servers(json.get("servers")))
        }
        ConfigFile::ClaudeSettings => {
            let json = parse_json(bytes)?;
            Ok(vec![claude_settings(&json)])
        }
        ConfigFile::CursorHooks => {
            parse_json(bytes)?;
            Ok(vec![settings_item("cursor", Vec::new())])
        }
        ConfigFile::CodexConfig => {
            let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_owned())?;
            let value: toml::Value =
                toml::from_str(text).map_err(|e| format!("invalid TOML: {}", e.message()))?;
            Ok(codex_config(&value))
        }
    }
}

fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, String> {
    serde_json::from_slice(bytes).map_err(|e| {
        format!(
            "invalid JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        )
    })
}

fn settings_item(agent: &str, risks: Vec<Risk>) -> ToolItem {
    ToolItem {
        kind: "agent_settings",
        name: agent.to_owned(),
        details: BTreeMap::new(),
        pinned: None,
        secret_keys: Vec::new(),
        risks,
    }
}

/// Claude Code settings: bypassed permissions, broad shell allow rules, all project MCP servers.
fn claude_settings(json: &serde_json::Value) -> ToolItem {
    let mut risks = Vec::new();
    let permissions = json.get("permissions");
    if permissions
        .and_then(|p| p.get("defaultMode"))
        .and_then(|m| m.as_str())
        == Some("bypassPermissions")
    {
        risks.push(Risk {
            rule: "agent-bypass-permissions",
            anchor: "bypassPermissions".into(),
            severity: "high",
            message: "permissions.defaultMode is bypassPermissions: the agent acts without asking"
                .into(),
        });
    }
    let allow = permissions
        .and_then(|p| p.get("allow"))
        .and_then(|a| a.as_array());
    for rule in allow.into_iter().flatten().filter_map(|r| r.as_str()) {
        if rule == "Bash" || rule == "Bash(*)" || rule == "Bash(*:*)" {
            risks.push(Risk {
                rule: "agent-broad-shell-allow",
                anchor: rule.to_owned(),
                severity: "high",
                message: format!(
                    "permissions.allow contains `{rule}`: any shell command runs unasked"
                ),
            });
        }
    }
    if json
        .get("enableAllProjectMcpServers")
        .and_then(|v| v.as_bool())
        == Some(true)
    {
        risks.push(Risk {
            rule: "agent-all-project-mcp-servers",
            anchor: "enableAllProjectMcpServers".into(),
            severity: "medium",
            message: "enableAllProjectMcpServers is true: every MCP server a repository declares is started".into(),
        });
    }
    settings_item("claude-code", risks)
}

/// Codex `config.toml`: approval and sandbox policy, and `[mcp_servers.*]`.
fn codex_config(value: &toml::Value) -> Vec<ToolItem> {
    let mut risks = Vec::new();
    if value.get("approval_policy").and_then(|v| v.as_str()) == Some("never") {
        risks.push(Risk {
            rule: "agent-never-asks",
            anchor: "approval_policy".into(),
            severity: "high",
            message: "approval_policy = \"never\": commands run without approval".into(),
        });
    }
    if value.get("sandbox_mode").and_then(|v| v.as_str()) == Some("danger-full-access") {
        risks.push(Risk {
            rule: "agent-sandbox-disabled",
            anchor: "sandbox_mode".into(),
            severity: "high",
            message: "sandbox_mode = \"danger-full-access\": no sandbox".into(),
        });
    }
    let mut items = vec![settings_item("codex", risks)];
    if let Some(servers) = value.get("mcp_servers").and_then(|s| s.as_table()) {
        let json: serde_json::Value = serde_json::to_value(servers).unwrap_or_default();
        items.extend(mcp_servers(Some(&json)));
    }
    items
}

/// Key names that hold credentials.
fn looks_secret(key: &str) -> bool {
    let key = key.to_ascii_uppercase();
    [
        "KEY",
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "AUTH",
        "CREDENTIAL",
        "COOKIE",
    ]
    .iter()
    .any(|w| key.contains(w))
}

/// A value that is a reference (`${VAR}`, `${input:x}`, `$VAR`, empty), not an inline secret.
fn is_reference(value: &str) -> bool {
    let v = value.trim();
    v.is_empty()
        || v.starts_with("${")
        || (v.starts_with('$') && !v.contains(' '))
        || v.starts_with("{env:")
}

/// The MCP servers of a `{name: {command, args, env, url, headers, …}}` map.
fn mcp_servers(servers: Option<&serde_json::Value>) -> Vec<ToolItem> {
    let Some(servers) = servers.and_then(|s| s.as_object()) else {
        return Vec::new();
    };
    let mut items = Vec::new();
    for (name, server) in servers {
        let mut details = BTreeMap::new();
        let mut risks = Vec::new();
        let mut pinned = None;
        let command = server
            .get("command")
            .and_then(|c| c.as_str())
            .unwrap_or_default();
        let args: Vec<&str> = server
            .get("args")
            .and_then(|a| a.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        if let Some(url) = server
            .get("url")
            .or_else(|| server.get("serverUrl"))
            .and_then(|u| u.as_str())
        {
            details.insert("transport".into(), "http".into());
            details.insert("url".into(), url.to_owned());
        } else if !command.is_empty() {
            details.insert("transport".into(), "stdio".into());
            details.insert("command".into(), command.to_owned());
        }
        let launcher = command.rsplit('/').next().unwrap_or(command);
        if matches!(launcher, "npx" | "bunx" | "pnpx" | "uvx" | "pipx")
            && let Some(package) = args.iter().find(|a| !a.starts_with('-'))
        {
            let version_at = if let Some(rest) = package.strip_prefix('@') {
                rest.find('@').map(|i| i + 1)
            } else {
                package.find('@').or_else(|| package.find("=="))
            };
            let is_pinned = version_at.is_some_and(|i| {
                let version = package[i..].trim_start_matches(['@', '=']);
                !version.is_empty() && version != "latest"
            });
            details.insert("package".into(), (*package).to_owned());
            pinned = Some(is_pinned);
            if !is_pinned {
                risks.push(Risk {
                    rule: "mcp-unpinned-package",
                    anchor: (*package).to_owned(),
                    severity: "medium",
                    message: format!(
                        "`{launcher} {package}` runs whatever version the registry serves today"
                    ),
                });
            }
        }
        let mut secret_keys = Vec::new();
        for field in ["env", "headers"] {
            for (key, value) in server
                .get(field)
                .and_then(|e| e.as_object())
                .into_iter()
                .flatten()
            {
                let inline = value.as_str().is_some_and(|v| !is_reference(v));
                if inline
                    && (looks_secret(key)
                        || field == "headers" && key.eq_ignore_ascii_case("authorization"))
                {
                    secret_keys.push(format!("{field}.{key}"));
                }
            }
        }
        if !secret_keys.is_empty() {
            risks.push(Risk {
                rule: "mcp-inline-secret",
                anchor: secret_keys[0]
                    .split_once('.')
                    .map_or(secret_keys[0].clone(), |(_, k)| k.to_owned()),
                severity: "high",
                message: format!(
                    "credentials written into the file: {}",
                    secret_keys.join(", ")
                ),
            });
        }
        let auto_approve = server
            .get("autoApprove")
            .or_else(|| server.get("alwaysAllow"));
        let approves_something = auto_approve
            .and_then(|a| a.as_array())
            .is_some_and(|a| !a.is_empty());
        if approves_something || server.get("trust").and_then(|t| t.as_bool()) == Some(true) {
            risks.push(Risk {
                rule: "mcp-auto-approve",
                anchor: ["autoApprove", "alwaysAllow", "trust"]
                    .into_iter()
                    .find(|k| server.get(*k).is_some())
                    .unwrap_or("autoApprove")
                    .to_owned(),
                severity: "high",
                message:
                    "tool calls are approved without asking (autoApprove / alwaysAllow / trust)"
                        .into(),
            });
        }
        items.push(ToolItem {
            kind: "mcp_server",
            name: name.clone(),
            details,
            pinned,
            secret_keys,
            risks,
        });
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(items: &[ToolItem]) -> Vec<&'static str> {
        items
            .iter()
            .flat_map(|i| i.risks.iter().map(|r| r.rule))
            .collect()
    }

    #[test]
    fn paths() {
        assert_eq!(
            classify_path("CLAUDE.md"),
            Some(ConfigFile::Instructions("claude-code"))
        );
        assert_eq!(
            classify_path("crates/x/CLAUDE.md"),
            Some(ConfigFile::Instructions("claude-code"))
        );
        assert_eq!(
            classify_path(".cursor/rules/style.mdc"),
            Some(ConfigFile::Instructions("cursor"))
        );
        assert_eq!(
            classify_path(".mcp.json"),
            Some(ConfigFile::McpJson("claude-code"))
        );
        assert_eq!(
            classify_path(".vscode/mcp.json"),
            Some(ConfigFile::VsCodeMcp)
        );
        assert_eq!(classify_path("docs/mcp.json"), None);
        assert_eq!(classify_path("README.md"), None);
    }

    #[test]
    fn mcp_servers_and_their_risks() {
        let json = br#"{"mcpServers": {
            "fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]},
            "pinned": {"command": "npx", "args": ["-y", "@scope/server@1.2.3"], "env": {"API_TOKEN": "${TOKEN}"}},
            "gh": {"command": "docker", "args": ["run"], "env": {"GITHUB_TOKEN": "ghp_abc123"}, "autoApprove": ["*"]},
            "remote": {"url": "https://mcp.example.com/sse", "headers": {"Authorization": "Bearer xyz"}}
        }}"#;
        let items = inspect(ConfigFile::McpJson("claude-code"), json).unwrap();
        assert_eq!(items.len(), 4);
        let by_name: BTreeMap<&str, &ToolItem> =
            items.iter().map(|i| (i.name.as_str(), i)).collect();
        assert_eq!(by_name["fs"].pinned, Some(false));
        assert_eq!(
            by_name["fs"].details["package"],
            "@modelcontextprotocol/server-filesystem"
        );
        assert_eq!(
            rules(&[by_name["fs"].clone()]),
            vec!["mcp-unpinned-package"]
        );
        assert_eq!(by_name["pinned"].pinned, Some(true));
        assert!(
            by_name["pinned"].risks.is_empty(),
            "a ${{VAR}} reference is not a secret"
        );
        assert_eq!(by_name["gh"].secret_keys, vec!["env.GITHUB_TOKEN"]);
        assert_eq!(
            rules(&[by_name["gh"].clone()]),
            vec!["mcp-inline-secret", "mcp-auto-approve"]
        );
        assert_eq!(by_name["remote"].details["transport"], "http");
        assert_eq!(by_name["remote"].secret_keys, vec!["headers.Authorization"]);
        // The secret's value is nowhere in the result.
        assert!(!format!("{items:?}").contains("ghp_abc123"));
        assert!(!format!("{items:?}").contains("Bearer xyz"));
    }

    #[test]
    fn agent_settings() {
        let claude = br#"{"permissions": {"defaultMode": "bypassPermissions", "allow": ["Bash(*)", "Read"]}, "enableAllProjectMcpServers": true}"#;
        let items = inspect(ConfigFile::ClaudeSettings, claude).unwrap();
        assert_eq!(
            rules(&items),
            vec![
                "agent-bypass-permissions",
                "agent-broad-shell-allow",
                "agent-all-project-mcp-servers"
            ]
        );
        let safe = br#"{"permissions": {"allow": ["Bash(npm test:*)"]}}"#;
        assert!(rules(&inspect(ConfigFile::ClaudeSettings, safe).unwrap()).is_empty());
        let codex = b"approval_policy = \"never\"\nsandbox_mode = \"danger-full-access\"\n[mcp_servers.docs]\ncommand = \"npx\"\nargs = [\"-y\", \"docs-server@latest\"]\n";
        let items = inspect(ConfigFile::CodexConfig, codex).unwrap();
        assert_eq!(
            rules(&items),
            vec![
                "agent-never-asks",
                "agent-sandbox-disabled",
                "mcp-unpinned-package"
            ]
        );
    }

    #[test]
    fn broken_files_are_errors_that_say_where() {
        let err = inspect(
            ConfigFile::McpJson("cursor"),
            b"{\n  \"mcpServers\": {,}\n}",
        )
        .unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        assert!(inspect(ConfigFile::CodexConfig, b"approval_policy = ").is_err());
        assert!(inspect(ConfigFile::ClaudeSettings, &[0xff, 0xfe]).is_err());
    }
}
