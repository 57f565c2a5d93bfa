//! Git hygiene from the user's global configuration: identity, commit signing, and whether
//! credentials are kept in plaintext (`credential.helper=store`).
//!
//! Files are read in git's order — `$XDG_CONFIG_HOME/git/config` (`.config/git/config`), then
//! `.gitconfig` — so later values win, and `[include] path` files are read in place (only when
//! they lie under home; at most a few levels deep, each file once). `[includeIf]` is
//! conditional on the repository and is not applied: this is the configuration outside any
//! repository.

use std::path::{Path, PathBuf};

use crate::home::{self, Home};
use crate::ini;
use crate::report::{GitConfig, InventoryItem, ItemDetails, ItemKind, Risk, Severity};

const FILES: &[&str] = &[".config/git/config", ".gitconfig"];
const MAX_INCLUDE_DEPTH: usize = 5;

/// An entry and the file it came from.
struct Located {
    entry: ini::Entry,
    file: String,
}

/// The git config item, and the file `user.email` came from.
pub(crate) fn scan(home: &mut Home) -> Option<(InventoryItem, Option<String>)> {
    let mut files = Vec::new();
    let mut entries = Vec::new();
    for file in FILES {
        read(home, Path::new(file), 0, &mut files, &mut entries);
    }
    if files.is_empty() {
        return None;
    }
    let mut config = GitConfig {
        files: files.clone(),
        user_email: None,
        commit_gpgsign: None,
        tag_gpgsign: None,
        gpg_format: None,
        signing_key_present: false,
        credential_helpers: Vec::new(),
    };
    let mut email_file = None;
    let mut store_helper: Option<&Located> = None;
    for located in &entries {
        let e = &located.entry;
        let value = e.value.as_deref();
        match (e.section.as_str(), e.subsection.as_deref(), e.key.as_str()) {
            ("user", None, "email") => {
                config.user_email = value.map(str::to_owned).filter(|v| !v.is_empty());
                email_file = Some(located.file.clone());
            }
            ("user", None, "signingkey") => {
                config.signing_key_present = value.is_some_and(|v| !v.is_empty());
            }
            ("commit", None, "gpgsign") => config.commit_gpgsign = ini::git_bool(value),
            ("tag", None, "gpgsign") => config.tag_gpgsign = ini::git_bool(value),
            ("gpg", None, "format") => config.gpg_format = value.map(str::to_owned),
            ("credential", _, "helper") => match value {
                None | Some("") => {
                    config.credential_helpers.clear();
                    store_helper = None;
                }
                Some(helper) => {
                    config.credential_helpers.push(helper.to_owned());
                    if helper == "store" || helper.starts_with("store ") {
                        store_helper = Some(located);
                    }
                }
            },
            _ => {}
        }
    }
    let path = if files.iter().any(|f| f == ".gitconfig") {
        ".gitconfig".to_owned()
    } else {
        files[0].clone()
    };
    let mut risks = Vec::new();
    if let Some(located) = store_helper {
        let mut risk = Risk::new(
            "git-credential-store",
            Severity::High,
            "credential.helper = store: git keeps passwords and tokens in plaintext in ~/.git-credentials",
        );
        risk.line = (located.file == path).then_some(located.entry.line);
        risks.push(risk);
    }
    if config.commit_gpgsign != Some(true) {
        risks.push(Risk::new(
            "git-commits-unsigned",
            Severity::Low,
            "commit.gpgsign is not true: commits are not signed, so their author cannot be verified",
        ));
    } else if config.gpg_format.as_deref() == Some("ssh") && !config.signing_key_present {
        risks.push(Risk::new(
            "git-signing-key-missing",
            Severity::Medium,
            "commit.gpgsign is true with gpg.format = ssh but no user.signingkey: commits will fail to sign",
        ));
    }
    let item = InventoryItem {
        kind: ItemKind::GitConfig,
        id: "git".into(),
        name: "git".into(),
        version: None,
        source: "git".into(),
        path,
        details: ItemDetails::GitConfig(config),
        risks,
    };
    Some((item, email_file))
}

/// Reads one config file and, in place, the files it includes.
fn read(
    home: &mut Home,
    rel: &Path,
    depth: usize,
    files: &mut Vec<String>,
    entries: &mut Vec<Located>,
) {
    let shown = home::display(rel);
    if files.contains(&shown) {
        return; // included twice, or an include cycle
    }
    let Some(bytes) = home.read(rel) else {
        return;
    };
    files.push(shown.clone());
    let text = String::from_utf8_lossy(&bytes);
    let base: PathBuf = rel.parent().map(Path::to_path_buf).unwrap_or_default();
    for entry in ini::parse_git(&text) {
        let include = entry.section == "include" && entry.key == "path";
        let target = entry.value.clone();
        entries.push(Located {
            entry,
            file: shown.clone(),
        });
        if !include {
            continue;
        }
        let Some(target) = target else { continue };
        if depth >= MAX_INCLUDE_DEPTH {
            home.warn(rel, None, "includes nested too deeply; not followed");
            continue;
        }
        match home.relative_to_home(&target, &base) {
            Some(included) => read(home, &included, depth + 1, files, entries),
            None => home.warn(
                rel,
                None,
                "an [include] path lies outside the home directory; not followed",
            ),
        }
    }
}
