//! `poetry.lock`: the `name` and `version` of every `[[package]]` table.
//!
//! Parsed as TOML (an invalid file is an error with its line). Poetry lists only dependencies,
//! never the project itself; git, directory and URL packages are listed like registry ones.

use serde::Deserialize;

use super::{LockedPackage, LockfileError, LockfileKind};

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Package>,
}

#[derive(Deserialize)]
struct Package {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
}

pub(super) fn parse(content: &[u8]) -> Result<Vec<LockedPackage>, LockfileError> {
    let lock: Lock = toml::from_slice(content)
        .map_err(|e| LockfileError::toml(LockfileKind::PoetryLock, content, &e))?;
    Ok(lock
        .package
        .into_iter()
        .filter_map(|p| match (p.name, p.version) {
            (Some(name), Some(version)) if !name.is_empty() && !version.is_empty() => {
                Some(LockedPackage { name, version })
            }
            _ => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_with_name_and_version() {
        let text = "[[package]]\nname = \"a\"\nversion = \"1.0\"\n\n[package.source]\ntype = \"git\"\n\n\
                    [[package]]\nname = \"noversion\"\n\n[metadata]\nlock-version = \"2.0\"\n\n\
                    [metadata.files]\na = []\n";
        assert_eq!(
            parse(text.as_bytes()).unwrap(),
            vec![LockedPackage::new("a", "1.0")]
        );
    }
}
