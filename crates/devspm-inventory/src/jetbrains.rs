//! Plugins of JetBrains IDEs (IntelliJ IDEA, PyCharm, GoLand, …) installed by the user.
//!
//! Since 2020.1 each IDE keeps user plugins in `<base>/<Product><version>/plugins`, where base is
//! `.local/share/JetBrains` (Linux), `Library/Application Support/JetBrains` (macOS) or
//! `AppData/Roaming/JetBrains` (Windows). A plugin is a folder (`<plugin>/lib/*.jar`, or an
//! exploded `<plugin>/META-INF/plugin.xml`) or a single jar; its identity is in
//! `META-INF/plugin.xml`. Jars are zip files: only the central directory and that one entry are
//! read, and the plugin's own jar (named like its folder) is tried first.

use std::io::Read;
use std::path::Path;

use crate::home::{self, Home};
use crate::report::{InventoryItem, ItemDetails, ItemKind, JetbrainsPlugin};
use crate::xml;

const BASES: &[&str] = &[
    ".local/share/JetBrains",
    "Library/Application Support/JetBrains",
    "AppData/Roaming/JetBrains",
];

/// A plugin.xml is a few kilobytes; anything over this is not one.
const DESCRIPTOR_CAP: u64 = 1 << 20;
/// Jars looked into per plugin before giving up.
const MAX_JARS: usize = 64;

pub(crate) fn scan(home: &mut Home, items: &mut Vec<InventoryItem>) {
    for base in BASES {
        for product in home.list(Path::new(base)) {
            if !product.is_dir {
                continue;
            }
            let plugins = product.rel.join("plugins");
            for plugin in home.list(&plugins) {
                if plugin.name.starts_with('.') {
                    continue;
                }
                let warnings_before = home.warnings.len();
                let found = if plugin.is_dir {
                    descriptor_in_dir(home, &plugin.rel, &plugin.name)
                } else if plugin.name.ends_with(".jar") {
                    descriptor_in_jar(home, &plugin.rel)
                        .map(|xml| (xml, home::display(&plugin.rel)))
                } else {
                    continue;
                };
                let (fields, descriptor) = match found {
                    Some((text, descriptor)) => (
                        xml::top_level_text(&text, &["id", "name", "version", "vendor"]),
                        descriptor,
                    ),
                    None => {
                        // An unreadable jar was already warned about.
                        if home.warnings.len() == warnings_before {
                            home.warn(&plugin.rel, None, "no META-INF/plugin.xml found");
                        }
                        (Default::default(), "none".to_owned())
                    }
                };
                let fallback = plugin.name.trim_end_matches(".jar").to_owned();
                let name = fields.get("name").cloned().unwrap_or(fallback);
                let id = fields.get("id").cloned().unwrap_or_else(|| name.clone());
                items.push(InventoryItem {
                    kind: ItemKind::JetbrainsPlugin,
                    id,
                    name,
                    version: fields.get("version").cloned(),
                    source: product.name.clone(),
                    path: home::display(&plugin.rel),
                    details: ItemDetails::JetbrainsPlugin(JetbrainsPlugin {
                        product: product.name.clone(),
                        vendor: fields.get("vendor").cloned().filter(|v| !v.is_empty()),
                        descriptor,
                    }),
                    risks: Vec::new(),
                });
            }
        }
    }
}

/// The descriptor of a plugin folder, and where it was found.
fn descriptor_in_dir(home: &mut Home, dir: &Path, dir_name: &str) -> Option<(String, String)> {
    let exploded = dir.join("META-INF").join("plugin.xml");
    if let Some(bytes) = home.read_capped(&exploded, DESCRIPTOR_CAP) {
        return Some((
            String::from_utf8_lossy(&bytes).into_owned(),
            "directory".into(),
        ));
    }
    let mut jars: Vec<_> = home
        .list(&dir.join("lib"))
        .into_iter()
        .filter(|e| !e.is_dir && e.name.ends_with(".jar"))
        .collect();
    // The plugin's own jar usually carries its folder's name; try it first.
    let own = dir_name.to_ascii_lowercase();
    jars.sort_by_key(|j| !j.name.to_ascii_lowercase().starts_with(&own));
    for jar in jars.iter().take(MAX_JARS) {
        if let Some(text) = descriptor_in_jar(home, &jar.rel) {
            return Some((text, home::display(&jar.rel)));
        }
    }
    None
}

/// `META-INF/plugin.xml` inside a jar, if it has one.
fn descriptor_in_jar(home: &mut Home, jar: &Path) -> Option<String> {
    let file = home.open(jar)?;
    let mut archive = match zip::ZipArchive::new(file) {
        Ok(a) => a,
        Err(e) => {
            home.warn(jar, None, format!("not a readable jar: {e}"));
            return None;
        }
    };
    let mut entry = archive.by_name("META-INF/plugin.xml").ok()?;
    if entry.size() > DESCRIPTOR_CAP {
        home.warn(
            jar,
            None,
            "META-INF/plugin.xml is over the size cap; skipped",
        );
        return None;
    }
    let mut bytes = Vec::new();
    if let Err(e) = (&mut entry).take(DESCRIPTOR_CAP).read_to_end(&mut bytes) {
        home.warn(jar, None, format!("cannot read META-INF/plugin.xml: {e}"));
        return None;
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}
