//! `composer.lock`: the `packages` and `packages-dev` arrays, `{"name": …, "version": …}`.
//!
//! Parsed as JSON (an invalid file is an error with its line). A leading `v` before a digit is
//! dropped from versions (`v5.4.0` → `5.4.0`); branch versions (`dev-main`) stay as written.

use std::borrow::Cow;

use serde::Deserialize;

use super::{LockedPackage, LockfileError, LockfileKind};

#[derive(Deserialize)]
struct Lock<'a> {
    #[serde(borrow, default)]
    packages: Option<Vec<Package<'a>>>,
    #[serde(borrow, default, rename = "packages-dev")]
    packages_dev: Option<Vec<Package<'a>>>,
}

#[derive(Deserialize)]
struct Package<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    version: Option<Cow<'a, str>>,
}

pub(super) fn parse(content: &[u8]) -> Result<Vec<LockedPackage>, LockfileError> {
    let lock: Lock = serde_json::from_slice(content)
        .map_err(|e| LockfileError::json(LockfileKind::ComposerLock, &e))?;
    let mut out = Vec::new();
    for package in [lock.packages, lock.packages_dev]
        .into_iter()
        .flatten()
        .flatten()
    {
        let (Some(name), Some(version)) = (package.name, package.version) else {
            continue;
        };
        let version = version.trim();
        let version = match version.strip_prefix(['v', 'V']) {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
            _ => version,
        };
        if !name.trim().is_empty() && !version.is_empty() {
            out.push(LockedPackage::new(name.trim(), version));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_and_dev() {
        let json = r#"{"packages": [{"name": "symfony/console", "version": "v5.4.0"},
                                    {"name": "acme/branch", "version": "dev-main"}],
                       "packages-dev": null}"#;
        let mut got = parse(json.as_bytes()).unwrap();
        got.sort();
        assert_eq!(
            got,
            vec![
                LockedPackage::new("acme/branch", "dev-main"),
                LockedPackage::new("symfony/console", "5.4.0"),
            ]
        );
    }
}
