//! The inventory report: what a scan of one home directory found, as serde types with stable
//! field names.
//!
//! Every item has the same outer shape (`kind`, `id`, `name`, `version`, `source`, `path`,
//! `details`, `risks`) so that a consumer can store, diff and apply policy to items without
//! knowing every kind; `details` carries what only one kind has. Paths are relative to the home
//! directory, with `/` separators, unless the thing lies outside it (a binary on `PATH`).
//! Credential values never appear in a report — not even hashed.

use std::collections::BTreeMap;

use serde::Serialize;

/// Everything one scan found, and what it could not look at.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkstationReport {
    /// Version of this report's shape; bumped when a field changes meaning or disappears.
    pub schema_version: u32,
    /// The home directory as given to [`crate::scan_home`].
    pub home: String,
    /// Whose workstation this is: [`crate::ScanOptions::identity`], else git's `user.email`.
    pub identity: Option<Identity>,
    /// Items in a stable order: by kind, then source, then id, then path.
    pub items: Vec<InventoryItem>,
    /// Places that could not be read or were deliberately skipped, in the order met.
    pub warnings: Vec<ScanWarning>,
}

/// The person the workstation belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub email: String,
    /// `options` when the caller said so, else the git config file it came from.
    pub source: String,
}

/// What an item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    VscodeExtension,
    JetbrainsPlugin,
    BrowserExtension,
    AiCli,
    AgentSettings,
    McpServer,
    GitConfig,
    CredentialFile,
}

impl ItemKind {
    /// The serialized name (`vscode_extension`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::VscodeExtension => "vscode_extension",
            ItemKind::JetbrainsPlugin => "jetbrains_plugin",
            ItemKind::BrowserExtension => "browser_extension",
            ItemKind::AiCli => "ai_cli",
            ItemKind::AgentSettings => "agent_settings",
            ItemKind::McpServer => "mcp_server",
            ItemKind::GitConfig => "git_config",
            ItemKind::CredentialFile => "credential_file",
        }
    }
}

/// One thing found on the workstation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InventoryItem {
    pub kind: ItemKind,
    /// Stable identifier within its kind and source: extension id, plugin id, MCP server name,
    /// AI tool id (`claude-code`), credential file kind (`npmrc`).
    pub id: String,
    /// Human-readable name (the id when nothing better is known).
    pub name: String,
    pub version: Option<String>,
    /// What holds the item: the editor (`vscode`, `cursor`), IDE (`IntelliJIdea2024.3`), browser
    /// and profile (`chrome/Default`), or AI tool (`claude-code`) whose config declares it.
    pub source: String,
    /// Where it was read from, relative to the home directory.
    pub path: String,
    pub details: ItemDetails,
    pub risks: Vec<Risk>,
}

/// What only one kind of item has. Serialized without a tag: the item's `kind` says which.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ItemDetails {
    VscodeExtension(VscodeExtension),
    JetbrainsPlugin(JetbrainsPlugin),
    BrowserExtension(BrowserExtension),
    AiCli(AiCli),
    AgentSettings(AgentSettings),
    McpServer(McpServer),
    GitConfig(GitConfig),
    CredentialFile(CredentialFile),
}

/// An extension of a VS Code-family editor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VscodeExtension {
    /// `vscode`, `vscode-insiders`, `vscodium`, `cursor`, `windsurf`, `trae`.
    pub editor: String,
    /// Whether it is the remote-server side of the editor (`.vscode-server`, `.cursor-server` …).
    pub remote_server: bool,
    /// The part of the id before the dot.
    pub publisher: String,
    pub publisher_display_name: Option<String>,
    /// `installedTimestamp`, milliseconds since the Unix epoch.
    pub installed_at_ms: Option<i64>,
    pub prerelease: bool,
    /// `metadata.source`: `gallery`, `vsix`, `resource`; `None` when unrecorded.
    pub install_source: Option<String>,
    /// `extensions.json`, or `directory` when read from the extension's folder (fallback).
    pub found_in: String,
}

/// A plugin of a JetBrains IDE.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JetbrainsPlugin {
    /// The IDE configuration directory name, e.g. `IntelliJIdea2024.3`.
    pub product: String,
    pub vendor: Option<String>,
    /// Where `META-INF/plugin.xml` was found: the jar (home-relative) or `directory`.
    pub descriptor: String,
}

/// An extension of a Chromium-family browser or Firefox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BrowserExtension {
    /// `chrome`, `chromium`, `brave`, `edge`, `vivaldi`, `opera`, `arc`, `firefox`, `librewolf`.
    pub browser: String,
    /// Profile directory name (`Default`, `Profile 1`, `abcd.default-release`).
    pub profile: String,
    /// API permissions (`tabs`, `cookies`, `nativeMessaging` …).
    pub permissions: Vec<String>,
    /// Site access (`<all_urls>`, `https://*.example.com/*` …).
    pub host_permissions: Vec<String>,
    /// `store`, `sideloaded`, `unpacked`, `policy`, `component`, `command_line` or `unknown`.
    pub install_source: String,
    /// The browser's own record of the location: Chromium's `location` number, Firefox's
    /// `location` name.
    pub location: Option<String>,
    /// Firefox `signedState` (2 signed, 3 privileged; 0 or less: missing or broken signature).
    pub signed_state: Option<i64>,
    /// Whether the browser has it enabled, when the browser records it.
    pub enabled: Option<bool>,
    pub manifest_version: Option<u64>,
}

/// An AI coding tool present on the workstation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AiCli {
    /// Configuration files and directories that show the tool, home-relative.
    pub config_paths: Vec<String>,
    /// Executables on `PATH` (home-relative when under the home directory, else absolute).
    pub binaries: Vec<String>,
}

/// A settings file of an AI agent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgentSettings {
    /// The agent the file configures (`claude-code`, `codex`, `aider` …).
    pub agent: String,
    /// Names of keys holding inline secrets (never the values).
    pub secret_keys: Vec<String>,
}

/// An MCP server declared in a configuration file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct McpServer {
    /// The tool whose configuration declares it (`claude-code`, `claude-desktop`, `cursor` …).
    pub configured_for: String,
    /// For `~/.claude.json` project entries: the project directory the server belongs to.
    pub project: Option<String>,
    /// `stdio` or `http`, when known.
    pub transport: Option<String>,
    pub command: Option<String>,
    /// Package launched through `npx`/`uvx`/…, as written.
    pub package: Option<String>,
    pub url: Option<String>,
    /// For packages: whether a version is pinned.
    pub pinned: Option<bool>,
    /// `env.X` / `headers.X` keys holding inline secrets (never the values).
    pub secret_keys: Vec<String>,
}

/// The user's effective git configuration, as far as hygiene goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GitConfig {
    /// Files read, in the order git reads them (later ones win), including `[include]`d files.
    pub files: Vec<String>,
    pub user_email: Option<String>,
    pub commit_gpgsign: Option<bool>,
    pub tag_gpgsign: Option<bool>,
    /// `gpg.format`: `openpgp` (git's default when unset), `ssh`, `x509`.
    pub gpg_format: Option<String>,
    pub signing_key_present: bool,
    /// Effective `credential.helper` values (an empty value resets the list, as in git).
    pub credential_helpers: Vec<String>,
    /// Files `[includeIf]` brings in, with their condition: they apply only inside
    /// repositories that match it, so they are not part of the values above.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditional_includes: Vec<ConditionalInclude>,
}

/// A file included by `[includeIf "<condition>"] path = …`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConditionalInclude {
    /// The condition as written: `gitdir:~/src/`, `onbranch:main`, `hasconfig:remote.*.url:…`.
    pub condition: String,
    /// The file, home-relative.
    pub file: String,
}

/// A file that holds (or is meant to hold) credentials in plaintext.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CredentialFile {
    /// Plaintext credentials by kind of token, counted; never the values.
    pub tokens: Vec<TokenCount>,
    /// Entries that reference a secret held elsewhere (`${NPM_TOKEN}`, a credential store).
    pub references: usize,
    /// Hosts, registries, profiles or variable names the credentials are for.
    pub targets: Vec<String>,
    /// Unix permission bits, octal (`0600`); `None` where the platform has none.
    pub mode: Option<String>,
    pub group_readable: bool,
    pub world_readable: bool,
}

/// How many credentials of one kind a file holds.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct TokenCount {
    /// By prefix (`github-pat`, `npm`, `pypi`, `aws-access-key` …) or by place (`password`).
    pub kind: String,
    pub count: usize,
}

/// How much a risk matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
}

impl Severity {
    /// Parses devspm's severity words; anything else is `Info`.
    pub fn from_word(word: &str) -> Severity {
        match word {
            "high" | "critical" => Severity::High,
            "medium" => Severity::Medium,
            "low" => Severity::Low,
            _ => Severity::Info,
        }
    }
}

/// A risky setting or state of an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Risk {
    /// Stable rule id, e.g. `plaintext-credential`, `mcp-unpinned-package`.
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    /// 1-based line in the item's file, when the setting could be placed.
    pub line: Option<u32>,
}

impl Risk {
    pub(crate) fn new(rule: &str, severity: Severity, message: impl Into<String>) -> Risk {
        Risk {
            rule: rule.to_owned(),
            severity,
            message: message.into(),
            line: None,
        }
    }
}

/// Something the scan could not look at, or chose not to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScanWarning {
    /// Home-relative path of the file or directory concerned.
    pub path: String,
    /// 1-based line, when the parser said where.
    pub line: Option<u64>,
    pub message: String,
}

/// Counts of items by kind, for a one-line summary.
pub fn count_by_kind(items: &[InventoryItem]) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for item in items {
        *counts.entry(item.kind.as_str()).or_insert(0) += 1;
    }
    counts
}
