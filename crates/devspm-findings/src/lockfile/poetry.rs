//! `poetry.lock`: the `name` and `version` of every `[[package]]` table.
//!
//! Parsed as TOML (an invalid file is an error with its line). Poetry lists only dependencies,
//! never the project itself; git, directory and URL packages are listed like registry ones.

use serde::Deserialize;

use super::{LockedPackage, LockfileError, LockfileKind, pinned, toml_packages};

#[derive(Deserialize)]
struct Package {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
}

pub(super) fn parse(content: &[u8]) -> Result<Vec<LockedPackage>, LockfileError> {
    let packages: Vec<Package> = toml_packages(LockfileKind::PoetryLock, content)?;
    Ok(packages
        .into_iter()
        .filter_map(|p| pinned(p.name, p.version))
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
