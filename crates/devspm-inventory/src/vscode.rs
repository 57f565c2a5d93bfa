//! Extensions of the VS Code family (VS Code, Insiders, VSCodium, Cursor, Windsurf, Trae), local
//! and remote-server installs.
//!
//! The editor's own index, `<dir>/extensions/extensions.json`, is the source of truth: it records
//! where an extension came from (`metadata.source`: marketplace `gallery` or a `vsix` file) and
//! when. Extensions it lists that the editor has marked for deletion in `.obsolete` are left out.
//! When the index is missing (older editors) or malformed (warned), the extension folders
//! `<publisher>.<name>-<version>[-<platform>]` and their `package.json` are read instead.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::home::{self, Home};
use crate::report::{
    InventoryItem, ItemDetails, ItemKind, Risk, Severity, VscodeExtension as Details,
};

/// Editor directories under home: (directory, editor, remote server).
pub(crate) const EDITOR_DIRS: &[(&str, &str, bool)] = &[
    (".vscode", "vscode", false),
    (".vscode-server", "vscode", true),
    (".vscode-insiders", "vscode-insiders", false),
    (".vscode-server-insiders", "vscode-insiders", true),
    (".vscode-oss", "vscodium", false),
    (".vscodium-server", "vscodium", true),
    (".cursor", "cursor", false),
    (".cursor-server", "cursor", true),
    (".windsurf", "windsurf", false),
    (".windsurf-server", "windsurf", true),
    (".devin", "windsurf", false),
    (".trae", "trae", false),
    (".trae-server", "trae", true),
];

/// package.json is small; a bigger one is not an extension manifest we need.
const MANIFEST_CAP: u64 = 1 << 20;

pub(crate) fn scan(home: &mut Home, items: &mut Vec<InventoryItem>) {
    for &(dir, editor, remote) in EDITOR_DIRS {
        let ext_dir = PathBuf::from(dir).join("extensions");
        // Listed first: an unreadable folder is warned about once, here, and skipped.
        let Some(entries) = home.list_checked(&ext_dir) else {
            continue;
        };
        let obsolete = obsolete_folders(home, &ext_dir.join(".obsolete"));
        let index = ext_dir.join("extensions.json");
        let from_index = match home.read(&index) {
            Some(bytes) => home::parse_json(home, &index, &bytes).and_then(|json| {
                if json.is_array() {
                    Some(json)
                } else {
                    home.warn(&index, None, "malformed: expected a JSON array");
                    None
                }
            }),
            None => None,
        };
        let found = match from_index {
            Some(json) => from_extensions_json(&json, &ext_dir, &obsolete, editor, remote),
            None => from_folders(home, entries, &obsolete, editor, remote),
        };
        items.extend(found);
    }
}

/// Folder names listed in `.obsolete` (`{"<folder>": true}`): uninstalled, awaiting deletion.
fn obsolete_folders(home: &mut Home, rel: &Path) -> BTreeSet<String> {
    let Some(bytes) = home.read(rel) else {
        return BTreeSet::new();
    };
    match home::parse_json(home, rel, &bytes) {
        Some(Value::Object(map)) => map
            .into_iter()
            .filter(|(_, v)| v.as_bool() == Some(true))
            .map(|(k, _)| k)
            .collect(),
        _ => BTreeSet::new(),
    }
}

fn from_extensions_json(
    json: &Value,
    ext_dir: &Path,
    obsolete: &BTreeSet<String>,
    editor: &str,
    remote: bool,
) -> Vec<InventoryItem> {
    let mut items = Vec::new();
    for entry in json.as_array().into_iter().flatten() {
        let Some(id) = entry
            .pointer("/identifier/id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        let folder = entry
            .get("relativeLocation")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| {
                let loc = entry.get("location")?;
                let path = loc
                    .as_str()
                    .or_else(|| loc.get("path").and_then(Value::as_str))
                    .or_else(|| loc.get("fsPath").and_then(Value::as_str))?;
                path.trim_end_matches('/')
                    .rsplit('/')
                    .next()
                    .map(str::to_owned)
            });
        if folder.as_ref().is_some_and(|f| obsolete.contains(f)) {
            continue;
        }
        let meta = entry.get("metadata");
        let meta_str = |key: &str| {
            meta.and_then(|m| m.get(key))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let prerelease = meta
            .and_then(|m| m.get("isPreReleaseVersion").or_else(|| m.get("preRelease")))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let path = match &folder {
            Some(f) => ext_dir.join(f),
            None => ext_dir.join("extensions.json"),
        };
        items.push(item(
            id,
            None,
            entry.get("version").and_then(Value::as_str),
            &path,
            Details {
                editor: editor.to_owned(),
                remote_server: remote,
                publisher: publisher_of(id),
                publisher_display_name: meta_str("publisherDisplayName"),
                installed_at_ms: meta
                    .and_then(|m| m.get("installedTimestamp"))
                    .and_then(Value::as_i64),
                prerelease,
                install_source: meta_str("source"),
                found_in: "extensions.json".into(),
            },
        ));
    }
    items
}

fn from_folders(
    home: &mut Home,
    entries: Vec<home::DirEntry>,
    obsolete: &BTreeSet<String>,
    editor: &str,
    remote: bool,
) -> Vec<InventoryItem> {
    let mut items = Vec::new();
    for entry in entries {
        if !entry.is_dir || entry.name.starts_with('.') || obsolete.contains(&entry.name) {
            continue;
        }
        let (folder_id, folder_version) = split_folder(&entry.name);
        let manifest_rel = entry.rel.join("package.json");
        let manifest = home
            .read_capped(&manifest_rel, MANIFEST_CAP)
            .and_then(|bytes| home::parse_json(home, &manifest_rel, &bytes));
        let field = |key: &str| {
            manifest
                .as_ref()
                .and_then(|m| m.get(key))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let id = match (field("publisher"), field("name")) {
            (Some(p), Some(n)) => format!("{p}.{n}"),
            _ => folder_id.to_owned(),
        };
        if !id.contains('.') {
            continue; // not an extension folder
        }
        let version = field("version").or_else(|| folder_version.map(str::to_owned));
        // `%displayName%` is a localisation key, not a name.
        let display = field("displayName").filter(|d| !d.starts_with('%'));
        items.push(item(
            &id,
            display.as_deref(),
            version.as_deref(),
            &entry.rel,
            Details {
                editor: editor.to_owned(),
                remote_server: remote,
                publisher: publisher_of(&id),
                publisher_display_name: None,
                installed_at_ms: None,
                prerelease: false,
                install_source: None,
                found_in: "directory".into(),
            },
        ));
    }
    items
}

/// `ms-python.python-2024.1.0-linux-x64` → (`ms-python.python`, `2024.1.0`).
fn split_folder(name: &str) -> (&str, Option<&str>) {
    let Some(dash) = name
        .match_indices('-')
        .map(|(i, _)| i)
        .find(|&i| name[i + 1..].starts_with(|c: char| c.is_ascii_digit()))
    else {
        return (name, None);
    };
    let id = &name[..dash];
    let rest = &name[dash + 1..];
    // The version ends where a platform suffix (`-linux-x64`, `-darwin-arm64`) begins.
    let version = rest
        .match_indices('-')
        .map(|(i, _)| i)
        .find(|&i| {
            let suffix = &rest[i + 1..];
            ["linux-", "darwin-", "win32-", "alpine-", "web", "universal"]
                .iter()
                .any(|p| suffix.starts_with(p))
        })
        .map_or(rest, |i| &rest[..i]);
    (id, Some(version))
}

fn publisher_of(id: &str) -> String {
    id.split_once('.').map_or("", |(p, _)| p).to_owned()
}

fn item(
    id: &str,
    name: Option<&str>,
    version: Option<&str>,
    path: &Path,
    details: Details,
) -> InventoryItem {
    let mut risks = Vec::new();
    if details.install_source.as_deref() == Some("vsix") {
        risks.push(Risk::new(
            "extension-sideloaded",
            Severity::Medium,
            "installed from a VSIX file, not from the marketplace: no marketplace vetting or updates",
        ));
    }
    InventoryItem {
        kind: ItemKind::VscodeExtension,
        id: id.to_owned(),
        name: name.unwrap_or(id).to_owned(),
        version: version.map(str::to_owned),
        source: details.editor.clone(),
        path: home::display(path),
        details: ItemDetails::VscodeExtension(details),
        risks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names() {
        assert_eq!(
            split_folder("ms-python.python-2024.1.0-linux-x64"),
            ("ms-python.python", Some("2024.1.0"))
        );
        assert_eq!(
            split_folder("rust-lang.rust-analyzer-0.3.2-rc.1"),
            ("rust-lang.rust-analyzer", Some("0.3.2-rc.1"))
        );
        assert_eq!(
            split_folder("esbenp.prettier-vscode-10.1.0"),
            ("esbenp.prettier-vscode", Some("10.1.0"))
        );
        assert_eq!(
            split_folder("a.b-1.0.0-rc.1-darwin-arm64"),
            ("a.b", Some("1.0.0-rc.1"))
        );
        assert_eq!(split_folder("noversion"), ("noversion", None));
    }
}
