//! Lockfile and manifest readers: the `(name, version)` pairs a dependency file pins.
//!
//! Dependency attribution ("package P at version V is vulnerable") walks the history of every
//! lockfile and parses each version of it that ever existed, to find the commit that introduced
//! P@V and the commit that first added P; a dependency-advisory detector parses them at HEAD.
//! So the readers are fast (line scanners where the format allows, borrowed minimal serde
//! structs for JSON and TOML) and lenient: an unknown line in a line-based format is skipped,
//! only malformed JSON or TOML is an error, with its line.
//!
//! [`parse`] returns names as the file writes them (after resolving npm aliases to the real
//! package); compare names with [`normalize_name`] and versions with [`same_version`].

mod cargo;
mod composer;
mod gemfile;
mod gomod;
mod gosum;
mod npm;
mod pipfile;
mod pnpm;
mod poetry;
mod requirements;
mod uv;
mod version;
mod yarn;

use std::fmt;

pub use version::same_version;

/// The dependency files this module reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LockfileKind {
    /// `Cargo.lock`, formats v1 to v4.
    CargoLock,
    /// `package-lock.json`, lockfileVersion 1 to 3.
    PackageLock,
    /// `npm-shrinkwrap.json`: the same format as `package-lock.json`.
    NpmShrinkwrap,
    /// `yarn.lock`, classic v1 and berry (v2+).
    YarnLock,
    /// `pnpm-lock.yaml`, lockfileVersion 5.x to 9.x.
    PnpmLock,
    /// `poetry.lock`.
    PoetryLock,
    /// `uv.lock`.
    UvLock,
    /// `Pipfile.lock`.
    PipfileLock,
    /// pip requirements files: only pinned `name==version` lines count.
    Requirements,
    /// `go.mod`: `require` directives, with versioned `replace` directives applied.
    GoMod,
    /// `go.sum`.
    GoSum,
    /// `Gemfile.lock`.
    GemfileLock,
    /// `composer.lock`.
    ComposerLock,
}

impl LockfileKind {
    /// Every kind, in declaration order.
    pub const ALL: [LockfileKind; 13] = [
        LockfileKind::CargoLock,
        LockfileKind::PackageLock,
        LockfileKind::NpmShrinkwrap,
        LockfileKind::YarnLock,
        LockfileKind::PnpmLock,
        LockfileKind::PoetryLock,
        LockfileKind::UvLock,
        LockfileKind::PipfileLock,
        LockfileKind::Requirements,
        LockfileKind::GoMod,
        LockfileKind::GoSum,
        LockfileKind::GemfileLock,
        LockfileKind::ComposerLock,
    ];

    /// The kind of a repository path, by its file name (in any directory; `/` or `\`).
    ///
    /// Fixed names match exactly (`Cargo.lock`, `package-lock.json`, …). Requirements files
    /// match, case-insensitively, any `*.txt` whose file name contains `requirements`
    /// (`requirements.txt`, `requirements-dev.txt`, `dev-requirements.txt`,
    /// `requirements_test.txt`) and any `*.txt` directly inside a directory named
    /// `requirements` (`requirements/base.txt`), the two common layouts. `*.in` files (the
    /// unpinned inputs of pip-compile) are not read.
    pub fn of_path(path: &str) -> Option<LockfileKind> {
        let trimmed = path.trim_end_matches(['/', '\\']);
        let mut parts = trimmed.rsplit(['/', '\\']);
        let file = parts.next()?;
        let kind = match file {
            "Cargo.lock" => LockfileKind::CargoLock,
            "package-lock.json" => LockfileKind::PackageLock,
            "npm-shrinkwrap.json" => LockfileKind::NpmShrinkwrap,
            "yarn.lock" => LockfileKind::YarnLock,
            "pnpm-lock.yaml" => LockfileKind::PnpmLock,
            "poetry.lock" => LockfileKind::PoetryLock,
            "uv.lock" => LockfileKind::UvLock,
            "Pipfile.lock" => LockfileKind::PipfileLock,
            "go.mod" => LockfileKind::GoMod,
            "go.sum" => LockfileKind::GoSum,
            "Gemfile.lock" => LockfileKind::GemfileLock,
            "composer.lock" => LockfileKind::ComposerLock,
            _ => {
                let lower = file.to_ascii_lowercase();
                let stem = lower.strip_suffix(".txt")?;
                let in_requirements_dir = parts
                    .next()
                    .is_some_and(|dir| dir.eq_ignore_ascii_case("requirements"));
                if stem.contains("requirements") || in_requirements_dir {
                    LockfileKind::Requirements
                } else {
                    return None;
                }
            }
        };
        Some(kind)
    }

    /// The OSV ecosystem name of the packages this kind pins.
    pub fn ecosystem(self) -> &'static str {
        match self {
            LockfileKind::CargoLock => "crates.io",
            LockfileKind::PackageLock
            | LockfileKind::NpmShrinkwrap
            | LockfileKind::YarnLock
            | LockfileKind::PnpmLock => "npm",
            LockfileKind::PoetryLock
            | LockfileKind::UvLock
            | LockfileKind::PipfileLock
            | LockfileKind::Requirements => "PyPI",
            LockfileKind::GoMod | LockfileKind::GoSum => "Go",
            LockfileKind::GemfileLock => "RubyGems",
            LockfileKind::ComposerLock => "Packagist",
        }
    }

    /// A stable snake_case name (for storage and messages).
    pub fn as_str(self) -> &'static str {
        match self {
            LockfileKind::CargoLock => "cargo_lock",
            LockfileKind::PackageLock => "package_lock",
            LockfileKind::NpmShrinkwrap => "npm_shrinkwrap",
            LockfileKind::YarnLock => "yarn_lock",
            LockfileKind::PnpmLock => "pnpm_lock",
            LockfileKind::PoetryLock => "poetry_lock",
            LockfileKind::UvLock => "uv_lock",
            LockfileKind::PipfileLock => "pipfile_lock",
            LockfileKind::Requirements => "requirements",
            LockfileKind::GoMod => "go_mod",
            LockfileKind::GoSum => "go_sum",
            LockfileKind::GemfileLock => "gemfile_lock",
            LockfileKind::ComposerLock => "composer_lock",
        }
    }

    /// The kind named by [`LockfileKind::as_str`].
    pub fn parse_name(name: &str) -> Option<LockfileKind> {
        LockfileKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for LockfileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One package a dependency file pins.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LockedPackage {
    pub name: String,
    pub version: String,
}

impl LockedPackage {
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> LockedPackage {
        LockedPackage {
            name: name.into(),
            version: version.into(),
        }
    }
}

/// The `[[package]]` tables of a TOML lockfile (`poetry.lock`, `uv.lock`), each read into `P`.
fn toml_packages<P: serde::de::DeserializeOwned>(
    kind: LockfileKind,
    content: &[u8],
) -> Result<Vec<P>, LockfileError> {
    #[derive(serde::Deserialize)]
    struct Lock<P> {
        #[serde(default = "Vec::new")]
        package: Vec<P>,
    }
    let lock: Lock<P> =
        toml::from_slice(content).map_err(|e| LockfileError::toml(kind, content, &e))?;
    Ok(lock.package)
}

/// A `[[package]]` table's name and version as a [`LockedPackage`], when both are given and
/// not empty.
fn pinned(name: Option<String>, version: Option<String>) -> Option<LockedPackage> {
    match (name, version) {
        (Some(name), Some(version)) if !name.is_empty() && !version.is_empty() => {
            Some(LockedPackage { name, version })
        }
        _ => None,
    }
}

/// A dependency file that could not be read: malformed JSON or TOML, or (for those formats)
/// not UTF-8. Line-based formats skip what they do not understand instead.
#[derive(Debug, thiserror::Error)]
#[error("{}{}: {}", .kind.as_str(), LineSuffix(*.line), .message)]
pub struct LockfileError {
    pub kind: LockfileKind,
    /// 1-based line of the problem, where known.
    pub line: Option<usize>,
    pub message: String,
}

struct LineSuffix(Option<usize>);

impl fmt::Display for LineSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(line) => write!(f, ", line {line}"),
            None => Ok(()),
        }
    }
}

impl LockfileError {
    fn json(kind: LockfileKind, err: &serde_json::Error) -> LockfileError {
        LockfileError {
            kind,
            line: (err.line() > 0).then_some(err.line()),
            message: format!("invalid JSON: {err}"),
        }
    }

    fn toml(kind: LockfileKind, content: &[u8], err: &toml::de::Error) -> LockfileError {
        LockfileError {
            kind,
            line: err.span().map(|span| line_of(content, span.start)),
            message: format!("invalid TOML: {}", err.message()),
        }
    }
}

/// The 1-based line holding byte `offset`.
fn line_of(content: &[u8], offset: usize) -> usize {
    let end = offset.min(content.len());
    content[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The packages `content` (a file of `kind`) pins: sorted, deduplicated.
pub fn parse(kind: LockfileKind, content: &[u8]) -> Result<Vec<LockedPackage>, LockfileError> {
    let mut packages = match kind {
        LockfileKind::CargoLock => cargo::parse(&text(content)),
        LockfileKind::PackageLock | LockfileKind::NpmShrinkwrap => npm::parse(kind, content)?,
        LockfileKind::YarnLock => yarn::parse(&text(content)),
        LockfileKind::PnpmLock => pnpm::parse(&text(content)),
        LockfileKind::PoetryLock => poetry::parse(content)?,
        LockfileKind::UvLock => uv::parse(content)?,
        LockfileKind::PipfileLock => pipfile::parse(content)?,
        LockfileKind::Requirements => requirements::parse(&text(content)),
        LockfileKind::GoMod => gomod::parse(&text(content)),
        LockfileKind::GoSum => gosum::parse(&text(content)),
        LockfileKind::GemfileLock => gemfile::parse(&text(content)),
        LockfileKind::ComposerLock => composer::parse(content)?,
    };
    packages.sort_unstable();
    packages.dedup();
    Ok(packages)
}

/// Text of a line-based file: invalid UTF-8 is replaced, not an error (the bytes that matter,
/// names and versions, are ASCII).
fn text(content: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(content)
}

/// The name under which `ecosystem` compares package names: PyPI per PEP 503 (lowercase, runs
/// of `-`, `_` and `.` become one `-`), Packagist lowercase, others unchanged. The ecosystem
/// name is matched case-insensitively.
pub fn normalize_name(ecosystem: &str, name: &str) -> String {
    let name = name.trim();
    if ecosystem.eq_ignore_ascii_case("PyPI") {
        let mut out = String::with_capacity(name.len());
        let mut in_run = false;
        for c in name.chars() {
            if matches!(c, '-' | '_' | '.') {
                if !in_run {
                    out.push('-');
                }
                in_run = true;
            } else {
                out.extend(c.to_lowercase());
                in_run = false;
            }
        }
        out
    } else if ecosystem.eq_ignore_ascii_case("Packagist") {
        name.to_lowercase()
    } else {
        name.to_string()
    }
}

/// Strips one pair of matching surrounding quotes (`"…"` or `'…'`).
fn unquote(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

/// Splits an npm package spec `name@rest` (the name may be scoped: `@scope/name@rest`).
fn split_npm_spec(spec: &str) -> Option<(&str, &str)> {
    let at = spec.get(1..)?.find('@')? + 1;
    Some((&spec[..at], &spec[at + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_path() {
        let cases = [
            ("Cargo.lock", Some(LockfileKind::CargoLock)),
            ("a/b/Cargo.lock", Some(LockfileKind::CargoLock)),
            ("cargo.lock", None),
            ("web/package-lock.json", Some(LockfileKind::PackageLock)),
            ("npm-shrinkwrap.json", Some(LockfileKind::NpmShrinkwrap)),
            ("yarn.lock", Some(LockfileKind::YarnLock)),
            ("pnpm-lock.yaml", Some(LockfileKind::PnpmLock)),
            ("poetry.lock", Some(LockfileKind::PoetryLock)),
            ("uv.lock", Some(LockfileKind::UvLock)),
            ("Pipfile.lock", Some(LockfileKind::PipfileLock)),
            ("Pipfile", None),
            ("requirements.txt", Some(LockfileKind::Requirements)),
            ("requirements-dev.txt", Some(LockfileKind::Requirements)),
            ("x/dev-requirements.txt", Some(LockfileKind::Requirements)),
            ("Requirements_Test.TXT", Some(LockfileKind::Requirements)),
            ("requirements/base.txt", Some(LockfileKind::Requirements)),
            (
                "a\\requirements\\prod.txt",
                Some(LockfileKind::Requirements),
            ),
            ("requirements.in", None),
            ("notes.txt", None),
            ("docs/requirements/x/notes.txt", None),
            ("go.mod", Some(LockfileKind::GoMod)),
            ("go.sum", Some(LockfileKind::GoSum)),
            ("Gemfile.lock", Some(LockfileKind::GemfileLock)),
            ("composer.lock", Some(LockfileKind::ComposerLock)),
            ("composer.json", None),
            ("", None),
        ];
        for (path, want) in cases {
            assert_eq!(LockfileKind::of_path(path), want, "{path}");
        }
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in LockfileKind::ALL {
            assert_eq!(LockfileKind::parse_name(kind.as_str()), Some(kind));
            assert!(!kind.ecosystem().is_empty());
        }
    }

    #[test]
    fn names_normalise() {
        assert_eq!(
            normalize_name("PyPI", "Django_Rest.-Framework"),
            "django-rest-framework"
        );
        assert_eq!(normalize_name("pypi", "PyYAML"), "pyyaml");
        assert_eq!(
            normalize_name("Packagist", "Symfony/Console"),
            "symfony/console"
        );
        assert_eq!(normalize_name("npm", "@Types/Node"), "@Types/Node");
        assert_eq!(normalize_name("crates.io", "serde_json"), "serde_json");
    }

    #[test]
    fn errors_name_their_line() {
        let err = parse(LockfileKind::ComposerLock, b"{\n\"packages\": [\n}").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(
            err.to_string()
                .starts_with("composer_lock, line 3: invalid JSON"),
            "{err}"
        );
        let err = parse(
            LockfileKind::PoetryLock,
            b"[[package]]\nname = \"a\"\nversion = \n",
        )
        .unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
    }

    #[test]
    fn line_formats_skip_what_they_do_not_understand() {
        let got = parse(
            LockfileKind::Requirements,
            b"b==2\n\xff\xfe==1\n<<<<<<< HEAD\na==1\n",
        )
        .unwrap();
        assert_eq!(
            got,
            vec![LockedPackage::new("a", "1"), LockedPackage::new("b", "2")]
        );
        assert_eq!(parse(LockfileKind::YarnLock, b"").unwrap(), vec![]);
        assert_eq!(
            parse(LockfileKind::PnpmLock, b"not: [yaml").unwrap(),
            vec![]
        );
        assert_eq!(
            parse(LockfileKind::GemfileLock, b"\x00\x01").unwrap(),
            vec![]
        );
    }

    #[test]
    fn npm_specs_split() {
        assert_eq!(split_npm_spec("a@1"), Some(("a", "1")));
        assert_eq!(split_npm_spec("@s/a@npm:b@1"), Some(("@s/a", "npm:b@1")));
        assert_eq!(split_npm_spec("@s/a"), None);
    }
}
