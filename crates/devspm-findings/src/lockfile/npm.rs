//! `package-lock.json` and `npm-shrinkwrap.json`, lockfileVersion 1 to 3.
//!
//! v2 and v3 key every installed package by its `node_modules/…` path in `packages`: the name
//! is the part after the last `node_modules/`, or the entry's `name` field where npm writes one
//! (aliases: `"node_modules/my-lodash": {"name": "lodash", …}`). The root `""` entry, workspace
//! folders (keys without `node_modules/`) and `link: true` entries are local, not packages.
//! v1 (and v2 files read by an old npm) nest `dependencies` recursively; an alias's version
//! reads `npm:lodash@4.17.21` and resolves to the real package; `file:` and `link:` versions
//! (local folders) are skipped. Git dependencies keep their version as written.

use std::borrow::Cow;

use serde::Deserialize;

use super::{LockedPackage, LockfileError, LockfileKind, split_npm_spec};

#[derive(Deserialize)]
struct Lock<'a> {
    #[serde(borrow, default)]
    packages: Option<MapEntries<Cow<'a, str>, Entry<'a>>>,
    #[serde(borrow, default)]
    dependencies: Option<MapEntries<Cow<'a, str>, Dependency<'a>>>,
}

/// An entry of v2/v3 `packages`.
#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    version: Option<Cow<'a, str>>,
    #[serde(default)]
    link: Option<bool>,
}

/// An entry of v1 `dependencies`, recursively.
#[derive(Deserialize)]
struct Dependency<'a> {
    #[serde(borrow, default)]
    version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    dependencies: Option<MapEntries<Cow<'a, str>, Dependency<'a>>>,
}

pub(super) fn parse(
    kind: LockfileKind,
    content: &[u8],
) -> Result<Vec<LockedPackage>, LockfileError> {
    let lock: Lock = serde_json::from_slice(content).map_err(|e| LockfileError::json(kind, &e))?;
    let mut out = Vec::new();
    if let Some(packages) = lock.packages {
        for (path, entry) in packages.0 {
            if entry.link == Some(true) {
                continue;
            }
            let Some(at) = path.rfind("node_modules/") else {
                continue;
            };
            let Some(version) = entry.version.filter(|v| !v.is_empty()) else {
                continue;
            };
            let name = match entry.name {
                Some(name) if !name.is_empty() => name.into_owned(),
                _ => path[at + "node_modules/".len()..].to_string(),
            };
            push(&mut out, name, &version);
        }
    } else if let Some(dependencies) = lock.dependencies {
        walk_v1(dependencies.0, &mut out);
    }
    Ok(out)
}

fn walk_v1(dependencies: Vec<(Cow<str>, Dependency)>, out: &mut Vec<LockedPackage>) {
    for (name, dependency) in dependencies {
        if let Some(version) = dependency.version {
            push(out, name.into_owned(), &version);
        }
        if let Some(nested) = dependency.dependencies {
            walk_v1(nested.0, out);
        }
    }
}

/// Adds `name@version`, resolving an `npm:real@version` alias and skipping local folders.
fn push(out: &mut Vec<LockedPackage>, name: String, version: &str) {
    if version.starts_with("file:") || version.starts_with("link:") || name.is_empty() {
        return;
    }
    if let Some((real, real_version)) = version.strip_prefix("npm:").and_then(split_npm_spec) {
        out.push(LockedPackage::new(real, real_version));
    } else {
        out.push(LockedPackage::new(name, version));
    }
}

/// A JSON object read as its entries, in order, without building a map.
pub(super) struct MapEntries<K, V>(pub Vec<(K, V)>);

impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for MapEntries<K, V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<K, V>(std::marker::PhantomData<(K, V)>);
        impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<K, V> {
            type Value = MapEntries<K, V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(MapEntries(entries))
            }
        }
        deserializer.deserialize_map(Visitor(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Vec<LockedPackage> {
        let mut out = parse(LockfileKind::PackageLock, json.as_bytes()).unwrap();
        out.sort();
        out
    }

    #[test]
    fn v3_paths_aliases_links() {
        let json = r#"{"lockfileVersion": 3, "packages": {
            "": {"name": "root", "version": "1.0.0"},
            "packages/ws": {"name": "ws", "version": "0.1.0"},
            "node_modules/ws": {"resolved": "packages/ws", "link": true},
            "node_modules/@types/node": {"version": "20.1.0"},
            "node_modules/a/node_modules/@s/b": {"version": "2.0.0"},
            "node_modules/my-lodash": {"name": "lodash", "version": "4.17.21"},
            "node_modules/noversion": {}
        }}"#;
        assert_eq!(
            read(json),
            vec![
                LockedPackage::new("@s/b", "2.0.0"),
                LockedPackage::new("@types/node", "20.1.0"),
                LockedPackage::new("lodash", "4.17.21"),
            ]
        );
    }

    #[test]
    fn v1_nested_and_aliases() {
        let json = r#"{"lockfileVersion": 1, "dependencies": {
            "a": {"version": "1.0.0", "dependencies": {"b": {"version": "2.0.0",
                "dependencies": {"c": {"version": "3.0.0"}}}}},
            "al": {"version": "npm:@s/real@5.0.0"},
            "local": {"version": "file:../local"}
        }}"#;
        assert_eq!(
            read(json),
            vec![
                LockedPackage::new("@s/real", "5.0.0"),
                LockedPackage::new("a", "1.0.0"),
                LockedPackage::new("b", "2.0.0"),
                LockedPackage::new("c", "3.0.0"),
            ]
        );
    }

    #[test]
    fn packages_win_over_dependencies_in_v2() {
        let json = r#"{"lockfileVersion": 2,
            "packages": {"node_modules/a": {"version": "1.0.0"}},
            "dependencies": {"a": {"version": "1.0.0"}, "stale": {"version": "9.9.9"}}}"#;
        assert_eq!(read(json), vec![LockedPackage::new("a", "1.0.0")]);
    }

    #[test]
    fn bad_json_is_an_error_with_its_line() {
        let err = parse(
            LockfileKind::PackageLock,
            b"{\n  \"packages\": {\n    \"x\": 1\n",
        )
        .unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
    }
}
