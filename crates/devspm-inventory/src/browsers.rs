//! Browser extensions: the Chromium family (Chrome, Chromium, Brave, Edge, Vivaldi, Opera, Arc)
//! and Firefox (and LibreWolf).
//!
//! Chromium keeps each extension at `<profile>/Extensions/<id>/<version>/manifest.json`; how it
//! was installed is in the profile's `Preferences` / `Secure Preferences` under
//! `extensions.settings.<id>` (`location`, `from_webstore`). Extensions loaded unpacked in
//! developer mode live elsewhere and are known only from those preferences, so they are reported
//! from there. Firefox lists every add-on of a profile in `<profile>/extensions.json` with its
//! install location, signature state and whether another program put it there
//! (`foreignInstall`). Mozilla's own built-in and system add-ons are left out.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::home::{self, Home};
use crate::report::{
    BrowserExtension as Details, InventoryItem, ItemDetails, ItemKind, Risk, Severity,
};

/// (browser, user-data directories relative to home: Linux, macOS, Windows, Flatpak/Snap).
const CHROMIUM: &[(&str, &[&str])] = &[
    (
        "chrome",
        &[
            ".config/google-chrome",
            "Library/Application Support/Google/Chrome",
            "AppData/Local/Google/Chrome/User Data",
            ".var/app/com.google.Chrome/config/google-chrome",
        ],
    ),
    (
        "chrome-beta",
        &[
            ".config/google-chrome-beta",
            "Library/Application Support/Google/Chrome Beta",
        ],
    ),
    (
        "chrome-dev",
        &[
            ".config/google-chrome-unstable",
            "Library/Application Support/Google/Chrome Canary",
        ],
    ),
    (
        "chromium",
        &[
            ".config/chromium",
            "Library/Application Support/Chromium",
            "AppData/Local/Chromium/User Data",
            "snap/chromium/common/chromium",
            ".var/app/org.chromium.Chromium/config/chromium",
        ],
    ),
    (
        "brave",
        &[
            ".config/BraveSoftware/Brave-Browser",
            "Library/Application Support/BraveSoftware/Brave-Browser",
            "AppData/Local/BraveSoftware/Brave-Browser/User Data",
            ".var/app/com.brave.Browser/config/BraveSoftware/Brave-Browser",
        ],
    ),
    (
        "edge",
        &[
            ".config/microsoft-edge",
            "Library/Application Support/Microsoft Edge",
            "AppData/Local/Microsoft/Edge/User Data",
        ],
    ),
    (
        "vivaldi",
        &[
            ".config/vivaldi",
            "Library/Application Support/Vivaldi",
            "AppData/Local/Vivaldi/User Data",
        ],
    ),
    (
        "opera",
        &[
            ".config/opera",
            "Library/Application Support/com.operasoftware.Opera",
            "AppData/Roaming/Opera Software/Opera Stable",
        ],
    ),
    ("arc", &["Library/Application Support/Arc/User Data"]),
];

/// (browser, directories holding profile folders).
const FIREFOX: &[(&str, &[&str])] = &[
    (
        "firefox",
        &[
            ".mozilla/firefox",
            "Library/Application Support/Firefox/Profiles",
            "AppData/Roaming/Mozilla/Firefox/Profiles",
            "snap/firefox/common/.mozilla/firefox",
            ".var/app/org.mozilla.firefox/.mozilla/firefox",
        ],
    ),
    (
        "librewolf",
        &[
            ".librewolf",
            ".var/app/io.gitlab.librewolf-community/.librewolf",
        ],
    ),
];

/// Manifests and locale files are small.
const MANIFEST_CAP: u64 = 1 << 20;

pub(crate) fn scan(home: &mut Home, items: &mut Vec<InventoryItem>) {
    for &(browser, dirs) in CHROMIUM {
        for dir in dirs {
            scan_chromium(home, browser, Path::new(dir), items);
        }
    }
    for &(browser, dirs) in FIREFOX {
        for dir in dirs {
            for profile in home.list(Path::new(dir)) {
                if profile.is_dir {
                    scan_firefox_profile(home, browser, &profile.name, &profile.rel, items);
                }
            }
        }
    }
}

fn scan_chromium(home: &mut Home, browser: &str, user_data: &Path, items: &mut Vec<InventoryItem>) {
    let entries = home.list(user_data);
    if entries.is_empty() {
        return;
    }
    // Opera keeps a single profile in the user-data directory itself.
    if entries.iter().any(|e| e.is_dir && e.name == "Extensions") {
        let name = user_data
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        scan_chromium_profile(home, browser, &name, user_data, items);
    }
    for entry in entries {
        let profile = entry.name.as_str();
        if entry.is_dir && (profile == "Default" || profile.starts_with("Profile ")) {
            scan_chromium_profile(home, browser, profile, &entry.rel, items);
        }
    }
}

fn scan_chromium_profile(
    home: &mut Home,
    browser: &str,
    profile: &str,
    dir: &Path,
    items: &mut Vec<InventoryItem>,
) {
    // Secure Preferences wins where both hold an extension (it is the one Chrome verifies).
    let mut settings = Map::new();
    for file in ["Preferences", "Secure Preferences"] {
        let rel = dir.join(file);
        if let Some(Value::Object(found)) =
            home::read_json(home, &rel).and_then(|p| p.pointer("/extensions/settings").cloned())
        {
            settings.extend(found);
        }
    }
    let mut seen = Vec::new();
    for ext in home.list(&dir.join("Extensions")) {
        if !ext.is_dir || ext.name == "Temp" || ext.name.starts_with('.') {
            continue;
        }
        let Some(version_dir) = home
            .list(&ext.rel)
            .into_iter()
            .filter(|v| v.is_dir)
            .max_by(|a, b| compare_versions(&a.name, &b.name))
        else {
            continue;
        };
        let manifest_rel = version_dir.rel.join("manifest.json");
        let Some(manifest) = home
            .read_capped(&manifest_rel, MANIFEST_CAP)
            .and_then(|b| home::parse_json(home, &manifest_rel, &b))
        else {
            continue;
        };
        let name = manifest_name(home, &manifest, &version_dir.rel);
        let setting = settings.get(&ext.name);
        seen.push(ext.name.clone());
        items.push(chromium_item(
            browser,
            profile,
            &ext.name,
            name,
            &manifest,
            setting,
            &version_dir.rel,
        ));
    }
    // Unpacked (developer-mode) extensions: only the preferences know them.
    for (id, setting) in &settings {
        if seen.contains(id) || setting.get("location").and_then(Value::as_i64) != Some(4) {
            continue;
        }
        let manifest = setting.get("manifest").cloned().unwrap_or(Value::Null);
        let name = manifest
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_owned();
        let written = setting.get("path").and_then(Value::as_str).unwrap_or("");
        let path = home
            .relative_to_home(written, dir)
            .map_or_else(|| written.to_owned(), |p| home::display(&p));
        let mut item = chromium_item(
            browser,
            profile,
            id,
            name,
            &manifest,
            Some(setting),
            Path::new(""),
        );
        item.path = path;
        items.push(item);
    }
}

fn chromium_item(
    browser: &str,
    profile: &str,
    id: &str,
    name: String,
    manifest: &Value,
    setting: Option<&Value>,
    path: &Path,
) -> InventoryItem {
    let location = setting
        .and_then(|s| s.get("location"))
        .and_then(Value::as_i64);
    let from_webstore = setting
        .and_then(|s| s.get("from_webstore"))
        .and_then(Value::as_bool);
    // Chromium's ManifestLocation: 1 internal, 2/3/6 external (another program), 4 unpacked,
    // 5/10 component, 7/9 policy, 8 command line.
    let install_source = match (location, from_webstore) {
        (Some(1), Some(true)) => "store",
        (Some(1), Some(false)) => "sideloaded",
        (Some(1), None) => "unknown",
        (Some(2 | 3 | 6), _) => "sideloaded",
        (Some(4), _) => "unpacked",
        (Some(5 | 10), _) => "component",
        (Some(7 | 9), _) => "policy",
        (Some(8), _) => "command_line",
        (_, Some(true)) => "store",
        _ => "unknown",
    };
    let enabled = setting.and_then(|s| {
        // Newer Chromium: `disable_reasons` non-empty; older: `state` 0 disabled / 1 enabled.
        if let Some(reasons) = s.get("disable_reasons") {
            let disabled = match reasons {
                Value::Array(a) => !a.is_empty(),
                Value::Number(n) => n.as_i64() != Some(0),
                _ => false,
            };
            return Some(!disabled);
        }
        s.get("state").and_then(Value::as_i64).map(|st| st == 1)
    });
    let mut permissions = Vec::new();
    let mut hosts = Vec::new();
    for key in ["permissions", "host_permissions"] {
        for p in manifest
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            // Manifest V2 lists hosts among permissions.
            if p == "<all_urls>" || p.contains("://") {
                hosts.push(p.to_owned());
            } else {
                permissions.push(p.to_owned());
            }
        }
    }
    let details = Details {
        browser: browser.to_owned(),
        profile: profile.to_owned(),
        permissions,
        host_permissions: hosts,
        install_source: install_source.to_owned(),
        location: location.map(|l| l.to_string()),
        signed_state: None,
        enabled,
        manifest_version: manifest.get("manifest_version").and_then(Value::as_u64),
    };
    InventoryItem {
        kind: ItemKind::BrowserExtension,
        id: id.to_owned(),
        name,
        version: manifest
            .get("version")
            .and_then(Value::as_str)
            .map(str::to_owned),
        source: format!("{browser}/{profile}"),
        path: home::display(path),
        risks: extension_risks(&details),
        details: ItemDetails::BrowserExtension(details),
    }
}

/// The manifest's name, with a `__MSG_key__` placeholder resolved from the default locale.
fn manifest_name(home: &mut Home, manifest: &Value, dir: &Path) -> String {
    let raw = manifest
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let Some(key) = raw
        .strip_prefix("__MSG_")
        .and_then(|k| k.strip_suffix("__"))
    else {
        return raw;
    };
    let Some(locale) = manifest.get("default_locale").and_then(Value::as_str) else {
        return raw;
    };
    if locale.contains(['/', '\\']) || locale.contains("..") {
        return raw;
    }
    let messages_rel: PathBuf = dir.join("_locales").join(locale).join("messages.json");
    let Some(messages) = home
        .read_capped(&messages_rel, MANIFEST_CAP)
        .and_then(|b| home::parse_json(home, &messages_rel, &b))
    else {
        return raw;
    };
    // Message keys are case-insensitive.
    messages
        .as_object()
        .into_iter()
        .flatten()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.get("message"))
        .and_then(Value::as_str)
        .map_or(raw.clone(), str::to_owned)
}

fn scan_firefox_profile(
    home: &mut Home,
    browser: &str,
    profile: &str,
    dir: &Path,
    items: &mut Vec<InventoryItem>,
) {
    let rel = dir.join("extensions.json");
    let Some(json) = home::read_json(home, &rel) else {
        return;
    };
    for addon in json
        .get("addons")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let text = |key: &str| addon.get(key).and_then(Value::as_str).map(str::to_owned);
        let Some(id) = text("id") else { continue };
        if addon
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("extension")
            != "extension"
        {
            continue;
        }
        let location = text("location").unwrap_or_default();
        if location == "app-builtin"
            || location == "app-system-defaults"
            || location == "app-system-addons"
            || addon.get("isBuiltin").and_then(Value::as_bool) == Some(true)
        {
            continue;
        }
        let foreign = addon.get("foreignInstall").and_then(Value::as_bool) == Some(true);
        let source_uri = text("sourceURI").unwrap_or_default();
        let from_amo = source_uri.starts_with("https://addons.mozilla.org/")
            || source_uri.starts_with("https://addons.cdn.mozilla.net/");
        let install_source = if foreign || (location != "app-profile" && !location.is_empty()) {
            "sideloaded"
        } else if from_amo {
            "store"
        } else if source_uri.starts_with("file:") {
            "sideloaded"
        } else {
            "unknown"
        };
        let strings = |pointer: &str| -> Vec<String> {
            addon
                .pointer(pointer)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        };
        let enabled = addon.get("active").and_then(Value::as_bool).or_else(|| {
            addon
                .get("userDisabled")
                .and_then(Value::as_bool)
                .map(|d| !d)
        });
        let details = Details {
            browser: browser.to_owned(),
            profile: profile.to_owned(),
            permissions: strings("/userPermissions/permissions"),
            host_permissions: strings("/userPermissions/origins"),
            install_source: install_source.to_owned(),
            location: Some(location).filter(|l| !l.is_empty()),
            signed_state: addon.get("signedState").and_then(Value::as_i64),
            enabled,
            manifest_version: addon.get("manifestVersion").and_then(Value::as_u64),
        };
        let name = addon
            .pointer("/defaultLocale/name")
            .and_then(Value::as_str)
            .map_or_else(|| id.clone(), str::to_owned);
        items.push(InventoryItem {
            kind: ItemKind::BrowserExtension,
            id,
            name,
            version: text("version"),
            source: format!("{browser}/{profile}"),
            path: home::display(&rel),
            risks: extension_risks(&details),
            details: ItemDetails::BrowserExtension(details),
        });
    }
}

fn extension_risks(d: &Details) -> Vec<Risk> {
    let mut risks = Vec::new();
    if matches!(
        d.install_source.as_str(),
        "sideloaded" | "unpacked" | "command_line"
    ) {
        risks.push(Risk::new(
            "extension-sideloaded",
            Severity::Medium,
            format!(
                "installed outside the browser's store ({}): no store review or automatic removal",
                d.install_source
            ),
        ));
    }
    if d.signed_state.is_some_and(|s| s <= 0) {
        risks.push(Risk::new(
            "extension-unsigned",
            Severity::High,
            "the add-on has no valid Mozilla signature",
        ));
    }
    let all_sites = d.host_permissions.iter().any(|h| {
        matches!(
            h.as_str(),
            "<all_urls>" | "*://*/*" | "http://*/*" | "https://*/*"
        )
    });
    if all_sites {
        risks.push(Risk::new(
            "extension-all-sites",
            Severity::Low,
            "can read and change data on every website",
        ));
    }
    risks
}

/// Compares Chromium version folders (`1.2.3_0`) numerically, part by part.
fn compare_versions(a: &str, b: &str) -> Ordering {
    let parts = |s: &str| -> Vec<u64> {
        s.split(['.', '_'])
            .map(|p| p.parse().unwrap_or(0))
            .collect()
    };
    parts(a).cmp(&parts(b)).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_folders_compare_numerically() {
        assert_eq!(compare_versions("1.10.0_0", "1.9.0_0"), Ordering::Greater);
        assert_eq!(compare_versions("2.0_1", "2.0_0"), Ordering::Greater);
    }
}
