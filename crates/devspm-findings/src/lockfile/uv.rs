//! `uv.lock`: the `name` and `version` of every `[[package]]` table, but the project's own.
//!
//! Parsed as TOML (an invalid file is an error with its line). Packages whose `source` is
//! `editable` or `virtual` are the project and its workspace members, not dependencies, and are
//! skipped; so are packages without a version (a dynamic one). Git, path, directory and URL
//! packages are listed like registry ones.

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::{LockedPackage, LockfileError, LockfileKind, pinned, toml_packages};

#[derive(Deserialize)]
struct Package {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    source: Option<Source>,
}

#[derive(Deserialize)]
struct Source {
    #[serde(default)]
    editable: Option<IgnoredAny>,
    #[serde(default, rename = "virtual")]
    virtual_: Option<IgnoredAny>,
}

pub(super) fn parse(content: &[u8]) -> Result<Vec<LockedPackage>, LockfileError> {
    let packages: Vec<Package> = toml_packages(LockfileKind::UvLock, content)?;
    Ok(packages
        .into_iter()
        .filter(|p| {
            p.source
                .as_ref()
                .is_none_or(|s| s.editable.is_none() && s.virtual_.is_none())
        })
        .filter_map(|p| pinned(p.name, p.version))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_and_members_are_skipped() {
        let text = "version = 1\n\n[[package]]\nname = \"a\"\nversion = \"1.0\"\n\
                    source = { registry = \"https://pypi.org/simple\" }\n\n\
                    [[package]]\nname = \"root\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\n\n\
                    [[package]]\nname = \"member\"\nversion = \"0.1.0\"\nsource = { virtual = \"m\" }\n\n\
                    [[package]]\nname = \"dynamic\"\nsource = { directory = \"d\" }\n\n\
                    [[package]]\nname = \"g\"\nversion = \"2.0\"\nsource = { git = \"https://x/g?rev=1#abc\" }\n";
        assert_eq!(
            parse(text.as_bytes()).unwrap(),
            vec![
                LockedPackage::new("a", "1.0"),
                LockedPackage::new("g", "2.0")
            ]
        );
    }
}
