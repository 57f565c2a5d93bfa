//! SemVer 2.0 versions and Cargo-style version requirements, on the `semver` crate.
//!
//! Precedence is the crate's, section 11 of SemVer 2.0: major, minor, patch numerically, then
//! a version with pre-release identifiers before the same version without; identifiers compare
//! numerically when both are digits, ASCII otherwise, digits before letters, and a shorter list
//! first when one is a prefix of the other. Build metadata (`+…`) is dropped when a version is
//! read, which is also what makes Go's `+incompatible` harmless. Go pseudo-versions
//! (`v0.0.0-20191109021931-daa7c04131f5`, `v1.2.4-0.2019…`) are pre-releases by construction
//! and sort as such.
//!
//! What is ours is the leniency real data needs and the crate (strict, as Cargo is) refuses: a
//! leading `v` or `=`, missing minor and patch (`1.2` = `1.2.0`, so that OSV's
//! `introduced: "0"` and loose npm data read), leading zeros (`01.2.3` = `1.2.3`, also in
//! numeric pre-release identifiers). [`Version::parse`] puts the text in canonical form and
//! lets the crate read it. A major, minor or patch number above 2⁶⁴ − 1 does not read as
//! SemVer; a range that names one is read under the loose ordering (see
//! [`crate::evaluate`]), which compares numbers of any length.
//!
//! [`Requirement`] reads the requirements RustSec writes in `[versions] patched` and
//! `unaffected` with the crate's `VersionReq` grammar (the one RustSec reads them with):
//! comma-separated comparators, each `>=`, `>`, `<=`, `<`, `=`, `^`, `~`, a wildcard (`1.*`),
//! or a bare version (caret, as in Cargo). Their meaning is not the crate's
//! `VersionReq::matches`, which lets a pre-release satisfy only a comparator naming the same
//! release (Cargo's rule): a version satisfies a requirement when it satisfies every
//! comparator, under plain precedence. This is how the `rustsec` crate (cargo-audit,
//! cargo-deny) turns requirements into ranges, and we follow it so that our results agree with
//! theirs: a partial version is padded with zeros for `=`, `>`, `>=`, `<` and `<=`
//! (`<= 1.2` is `<= 1.2.0`, `< 2` admits `2.0.0-alpha`), while `^`, `~` and wildcards end just
//! below the first pre-release of their upper bound (`^1.2` is `>= 1.2.0, < 2.0.0-0`).

use std::borrow::Cow;
use std::cmp::Ordering;

use semver::{BuildMetadata, Prerelease};

use super::strip_decoration;

/// A SemVer 2.0 version (build metadata dropped).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(semver::Version);

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Pre-release identifiers with the leading zeros of numeric ones removed (`rc.01` → `rc.1`),
/// which the crate refuses and we compare by value.
fn canonical_pre(pre: &str) -> Cow<'_, str> {
    let zero_led = |id: &str| id.len() > 1 && id.starts_with('0') && is_digits(id);
    if !pre.split('.').any(zero_led) {
        return Cow::Borrowed(pre);
    }
    let ids: Vec<&str> = pre
        .split('.')
        .map(|id| match id.trim_start_matches('0') {
            "" if is_digits(id) => "0",
            trimmed if zero_led(id) => trimmed,
            _ => id,
        })
        .collect();
    Cow::Owned(ids.join("."))
}

impl Version {
    /// A SemVer version; missing minor and patch read as zero. `None` when `text` is not one.
    pub fn parse(text: &str) -> Option<Version> {
        let text = strip_decoration(text);
        let text = text.split_once('+').map_or(text, |(core, _)| core);
        let (core, pre) = match text.split_once('-') {
            // The crate reads an empty pre-release as none; `1.0.0-` is not a version.
            Some((_, "")) => return None,
            Some((core, pre)) => (core, Prerelease::new(&canonical_pre(pre)).ok()?),
            None => (text, Prerelease::EMPTY),
        };
        let mut numbers = [0u64; 3];
        let mut parts = core.split('.');
        for (i, number) in numbers.iter_mut().enumerate() {
            match parts.next() {
                Some(part) if is_digits(part) => *number = part.parse().ok()?,
                None if i > 0 => break,
                _ => return None,
            }
        }
        if parts.next().is_some() {
            return None;
        }
        let [major, minor, patch] = numbers;
        Some(Version(semver::Version {
            major,
            minor,
            patch,
            pre,
            build: BuildMetadata::EMPTY,
        }))
    }

    /// Whether the version has pre-release identifiers.
    pub fn is_prerelease(&self) -> bool {
        !self.0.pre.is_empty()
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A comparison operator of a requirement, after sugar (`^`, `~`, wildcards) is expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Comparator {
    op: Op,
    version: Version,
}

impl Comparator {
    fn matches(&self, v: &Version) -> bool {
        let ord = v.cmp(&self.version);
        match self.op {
            Op::Eq => ord == Ordering::Equal,
            Op::Gt => ord == Ordering::Greater,
            Op::Ge => ord != Ordering::Less,
            Op::Lt => ord == Ordering::Less,
            Op::Le => ord != Ordering::Greater,
        }
    }
}

/// A Cargo-style version requirement: a conjunction of comparators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    comparators: Vec<Comparator>,
}

impl Requirement {
    /// A requirement such as `>= 1.2.3, < 2`, `^0.3`, `~1.2`, `=1.2.3`, `1.*`, `*`. `None`
    /// when it does not read.
    pub fn parse(text: &str) -> Option<Requirement> {
        let requirement = semver::VersionReq::parse(text).ok()?;
        let mut comparators = Vec::new();
        for comparator in &requirement.comparators {
            expand(comparator, &mut comparators)?;
        }
        Some(Requirement { comparators })
    }

    /// Whether `v` satisfies every comparator.
    pub fn matches(&self, v: &Version) -> bool {
        self.comparators.iter().all(|c| c.matches(v))
    }

    /// The inclusive lower bound the requirement sets, if any: the fixed version a
    /// `patched = [">= 1.2.3"]` entry names.
    pub fn lower_bound(&self) -> Option<String> {
        self.comparators
            .iter()
            .find(|c| c.op == Op::Ge || c.op == Op::Eq)
            .map(|c| c.version.to_string())
    }
}

/// The lowest version of `major.minor.patch`: its first conceivable pre-release, `-0`.
fn lowest(major: u64, minor: u64, patch: u64) -> Option<Version> {
    Some(Version(semver::Version {
        major,
        minor,
        patch,
        pre: Prerelease::new("0").ok()?,
        build: BuildMetadata::EMPTY,
    }))
}

/// Pushes the plain comparators one comparator of the crate stands for; `None` when a bound
/// would overflow or the operator is one the crate added after this was written.
fn expand(c: &semver::Comparator, out: &mut Vec<Comparator>) -> Option<()> {
    let floor = Version(semver::Version {
        major: c.major,
        minor: c.minor.unwrap_or(0),
        patch: c.patch.unwrap_or(0),
        pre: c.pre.clone(),
        build: BuildMetadata::EMPTY,
    });
    let next_major = || lowest(c.major.checked_add(1)?, 0, 0);
    let next_minor = |minor: u64| lowest(c.major, minor.checked_add(1)?, 0);
    let mut push = |op: Op, version: Version| out.push(Comparator { op, version });
    match c.op {
        semver::Op::GreaterEq => push(Op::Ge, floor),
        semver::Op::Greater => push(Op::Gt, floor),
        semver::Op::Less => push(Op::Lt, floor),
        semver::Op::LessEq => push(Op::Le, floor),
        semver::Op::Exact => push(Op::Eq, floor),
        // `~1.2.3` and `~1.2` stay below 1.3, `~1` below 2; `1.2.*` and `1.*` the same.
        semver::Op::Tilde | semver::Op::Wildcard => {
            let upper = match c.minor {
                Some(minor) => next_minor(minor)?,
                None => next_major()?,
            };
            push(Op::Ge, floor);
            push(Op::Lt, upper);
        }
        // Caret, written or implied: compatible updates, which for 0.x means the first
        // non-zero component may not change.
        semver::Op::Caret => {
            let upper = match (c.major, c.minor, c.patch) {
                (0, Some(0), Some(patch)) => lowest(0, 0, patch.checked_add(1)?)?,
                (0, Some(minor), _) => next_minor(minor)?,
                _ => next_major()?,
            };
            push(Op::Ge, floor);
            push(Op::Lt, upper);
        }
        _ => return None,
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| panic!("not semver: {s}"))
    }

    #[test]
    fn precedence_follows_the_spec_example() {
        // SemVer 2.0 §11.4's chain.
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
        ];
        for pair in chain.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn numbers_compare_by_value_and_build_is_ignored() {
        assert!(v("1.10.0") > v("1.9.0"));
        assert!(v("0.0.0-0") < v("0.0.0"));
        assert_eq!(v("1.0.0+build.5"), v("1.0.0"));
        assert_eq!(v("0.14.2+1.5.1"), v("0.14.2"));
        assert_eq!(v("1"), v("1.0.0"));
        assert_eq!(v("1.2"), v("1.2.0"));
        assert_eq!(v("01.2.3"), v("1.2.3"));
        assert_eq!(v("1.0.0-rc.01"), v("1.0.0-rc.1"));
        assert!(v("1.0.0-rc.010") > v("1.0.0-rc.9"));
        assert_eq!(v("1.0.0-0"), v("1.0.0-000"));
        assert!(v("18446744073709551615.0.0") > v("18446744073709551614.0.0"));
        // Past u64: not SemVer here (a range naming one is read under the loose ordering).
        assert!(Version::parse("18446744073709551616.0.0").is_none());
    }

    #[test]
    fn go_versions() {
        assert_eq!(v("v1.2.3"), v("1.2.3"));
        assert_eq!(v("v2.0.0+incompatible"), v("2.0.0"));
        // Pseudo-versions are pre-releases of the next patch (or of v0.0.0).
        assert!(v("v0.0.0-20191109021931-daa7c04131f5") < v("v0.0.1"));
        assert!(v("v0.0.0-20191109021931-daa7c04131f5") < v("v0.0.0-20200101000000-000000000000"));
        assert!(v("v1.2.4-0.20191109021931-daa7c04131f5") > v("v1.2.3"));
        assert!(v("v1.2.4-0.20191109021931-daa7c04131f5") < v("v1.2.4"));
        assert!(v("v1.2.4-pre.0.20191109021931-daa7c04131f5") > v("v1.2.4-pre"));
    }

    #[test]
    fn non_versions_are_rejected() {
        for bad in [
            "",
            "a.b.c",
            "1.2.3.4",
            "1.0.0.pre",
            "1.0.0-",
            "1.0.0-a..b",
            "1..2",
            "latest",
            "1.2.x",
            "v",
            "-1",
        ] {
            assert!(Version::parse(bad).is_none(), "{bad:?}");
        }
    }

    fn req(s: &str) -> Requirement {
        Requirement::parse(s).unwrap_or_else(|| panic!("not a requirement: {s}"))
    }

    #[test]
    fn requirements() {
        let cases: &[(&str, &[&str], &[&str])] = &[
            (
                ">= 1.2.3, < 2",
                &["1.2.3", "1.9.9"],
                &["1.2.2", "2.0.0", "1.2.3-rc.1"],
            ),
            (">= 0.12.3, < 0.13.0", &["0.12.3", "0.12.99"], &["0.13.0"]),
            (
                "^1.2",
                &["1.2.0", "1.99.0"],
                &["1.1.9", "2.0.0", "2.0.0-rc.1"],
            ),
            ("^0.3.1", &["0.3.1", "0.3.9"], &["0.4.0", "0.3.0"]),
            ("^0.0.3", &["0.0.3"], &["0.0.4", "0.0.2"]),
            ("^0", &["0.0.0", "0.9.9"], &["1.0.0"]),
            ("^0.0", &["0.0.0", "0.0.9"], &["0.1.0"]),
            ("~1.2", &["1.2.0", "1.2.9"], &["1.3.0", "1.1.0"]),
            ("~1.2.3", &["1.2.3", "1.2.9"], &["1.3.0", "1.2.2"]),
            ("~1", &["1.0.0", "1.9.0"], &["2.0.0"]),
            ("=1.2.3", &["1.2.3", "1.2.3+meta"], &["1.2.4", "1.2.3-rc.1"]),
            ("=1.2", &["1.2.0"], &["1.2.7", "1.3.0"]),
            // `< 2` is `< 2.0.0`, which its pre-releases precede.
            ("< 2", &["1.9.0", "2.0.0-alpha"], &["2.0.0"]),
            ("1.2.3", &["1.2.3", "1.9.0"], &["2.0.0", "1.2.2"]),
            ("< 0.12", &["0.11.9", "0.1.0"], &["0.12.0"]),
            ("<= 1.2", &["1.2.0"], &["1.2.1", "1.3.0"]),
            ("<= 1.2.3", &["1.2.3"], &["1.2.4"]),
            ("> 1.2", &["1.2.1", "1.3.0"], &["1.2.0"]),
            ("> 1.2.3", &["1.2.4"], &["1.2.3"]),
            (">= 1.0.0-alpha.1", &["1.0.0-alpha.1", "1.0.0"], &["0.3.0"]),
            ("1.*", &["1.0.0", "1.5.0"], &["2.0.0"]),
            ("1.2.*", &["1.2.0", "1.2.5"], &["1.3.0"]),
            ("*", &["0.0.1", "9.0.0"], &[]),
        ];
        for (r, yes, no) in cases {
            let r_parsed = req(r);
            for s in *yes {
                assert!(r_parsed.matches(&v(s)), "{s} should satisfy {r}");
            }
            for s in *no {
                assert!(!r_parsed.matches(&v(s)), "{s} should not satisfy {r}");
            }
        }
        assert!(Requirement::parse(">= a").is_none());
        assert!(Requirement::parse(">= 1.0,").is_none());
        assert_eq!(req(">= 1.2.3, < 2").lower_bound().as_deref(), Some("1.2.3"));
        assert_eq!(req("^0.9").lower_bound().as_deref(), Some("0.9.0"));
        assert_eq!(req("< 0.12").lower_bound(), None);
        assert_eq!(req("^0.0").lower_bound().as_deref(), Some("0.0.0"));
        assert!(Requirement::parse("^18446744073709551615").is_none());
    }
}
