//! `Pipfile.lock`: the `default` and `develop` maps, `"name": {"version": "==1.2.3"}`.
//!
//! Parsed as JSON (an invalid file is an error with its line). The `==` (or `===`) is dropped;
//! entries without a version (git, editable or path dependencies) are skipped.

use std::borrow::Cow;

use serde::Deserialize;

use super::npm::MapEntries;
use super::{LockedPackage, LockfileError, LockfileKind};

#[derive(Deserialize)]
struct Lock<'a> {
    #[serde(borrow, default)]
    default: Option<MapEntries<String, Entry<'a>>>,
    #[serde(borrow, default)]
    develop: Option<MapEntries<String, Entry<'a>>>,
}

#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(borrow, default)]
    version: Option<Cow<'a, str>>,
}

pub(super) fn parse(content: &[u8]) -> Result<Vec<LockedPackage>, LockfileError> {
    let lock: Lock = serde_json::from_slice(content)
        .map_err(|e| LockfileError::json(LockfileKind::PipfileLock, &e))?;
    let mut out = Vec::new();
    for (name, entry) in [lock.default, lock.develop]
        .into_iter()
        .flatten()
        .flat_map(|m| m.0)
    {
        let Some(version) = entry.version else {
            continue;
        };
        let version = version.trim();
        let version = version
            .strip_prefix("===")
            .or_else(|| version.strip_prefix("=="))
            .unwrap_or(version)
            .trim();
        if !version.is_empty() && !name.is_empty() && version != "*" {
            out.push(LockedPackage::new(name, version));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_and_develop() {
        let json = r#"{"_meta": {"hash": {"sha256": "x"}},
            "default": {"requests": {"hashes": ["sha256:a"], "version": "==2.31.0"},
                        "gitdep": {"git": "https://x/y.git", "ref": "abc"}},
            "develop": {"iniconfig": {"version": "===2.0.0"}}}"#;
        let mut got = parse(json.as_bytes()).unwrap();
        got.sort();
        assert_eq!(
            got,
            vec![
                LockedPackage::new("iniconfig", "2.0.0"),
                LockedPackage::new("requests", "2.31.0")
            ]
        );
    }
}
