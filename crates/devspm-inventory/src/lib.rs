//! Inventories the developer tools on a workstation: editor and browser extensions, AI CLIs, MCP
//! servers, git hygiene, plaintext credential files.
//!
//! [`scan_home`] visits only the places these tools are known to use (see
//! `GOVERNANCE-FACTS.md` and `AI-AGENT-MARKERS.md`), never walks the home directory, and runs
//! unprivileged and read-only. It never follows a symlink out of the home directory, survives
//! loops, unreadable folders, malformed and oversized files (each becomes a warning naming the
//! file), and never puts a credential's value in its report.
//!
//! ```no_run
//! use devspm_inventory::{ScanOptions, scan_home};
//! let options = ScanOptions::default();
//! let report = scan_home(std::path::Path::new("/home/me"), &options);
//! println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
//! ```

mod ai;
mod browsers;
mod credentials;
mod git;
mod home;
mod ini;
mod jetbrains;
pub mod report;
mod vscode;
mod xml;

use std::path::{Path, PathBuf};

pub use report::{
    AgentSettings, AiCli, BrowserExtension, ConditionalInclude, CredentialFile, GitConfig,
    Identity, InventoryItem, ItemDetails, ItemKind, JetbrainsPlugin, McpServer, Risk, ScanWarning,
    Severity, TokenCount, VscodeExtension, WorkstationReport,
};

/// The shape of [`WorkstationReport`] this crate writes.
pub const SCHEMA_VERSION: u32 = 1;

/// How to scan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScanOptions {
    /// Directories searched for AI tool executables, in `PATH` order (the caller splits `$PATH`
    /// with `std::env::split_paths`). Executables are only looked at (metadata), never run or
    /// read.
    pub path_dirs: Vec<PathBuf>,
    /// Whose workstation this is; overrides git's `user.email`.
    pub identity: Option<String>,
    /// Files bigger than this are skipped with a warning. Default 16 MiB (`~/.claude.json` and
    /// browser `Preferences` of heavy users run to several MiB).
    pub max_file_bytes: u64,
    /// Directory entries looked at per directory. Default 10 000.
    pub max_dir_entries: usize,
}

impl Default for ScanOptions {
    fn default() -> ScanOptions {
        ScanOptions {
            path_dirs: Vec::new(),
            identity: None,
            max_file_bytes: 16 << 20,
            max_dir_entries: 10_000,
        }
    }
}

impl ScanOptions {
    /// Default options with `path_dirs` taken from this process's `PATH`.
    pub fn from_env() -> ScanOptions {
        ScanOptions {
            path_dirs: std::env::var_os("PATH")
                .map(|p| std::env::split_paths(&p).collect())
                .unwrap_or_default(),
            ..ScanOptions::default()
        }
    }
}

/// Inventories the developer tools under `home`.
pub fn scan_home(home_dir: &Path, options: &ScanOptions) -> WorkstationReport {
    let mut home = home::Home::new(home_dir, options.max_file_bytes, options.max_dir_entries);
    let mut items = Vec::new();
    let mut identity = options.identity.as_ref().map(|email| Identity {
        email: email.clone(),
        source: "options".into(),
    });
    if home.canonical().is_some() {
        vscode::scan(&mut home, &mut items);
        jetbrains::scan(&mut home, &mut items);
        browsers::scan(&mut home, &mut items);
        ai::scan(&mut home, &options.path_dirs, &mut items);
        if let Some((item, email_file)) = git::scan(&mut home) {
            if identity.is_none()
                && let ItemDetails::GitConfig(config) = &item.details
                && let Some(email) = &config.user_email
            {
                identity = Some(Identity {
                    email: email.clone(),
                    source: email_file.unwrap_or_default(),
                });
            }
            items.push(item);
        }
        credentials::scan(&mut home, &mut items);
    }
    items.sort_by(|a, b| {
        (a.kind, &a.source, &a.id, &a.path).cmp(&(b.kind, &b.source, &b.id, &b.path))
    });
    WorkstationReport {
        schema_version: SCHEMA_VERSION,
        home: home_dir.to_string_lossy().into_owned(),
        identity,
        items,
        warnings: home.warnings,
    }
}
