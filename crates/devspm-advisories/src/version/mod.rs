//! Version orderings of the package ecosystems advisories name.
//!
//! An advisory range only means something under its ecosystem's ordering: `1.0.0-rc.1` is
//! before `1.0.0` in SemVer, `1.0.post1` after `1.0` in PEP 440, `1.0.0.pre` before `1.0.0`
//! in RubyGems. One module per ordering decides it, with every edge case tested beside its
//! rule; SemVer and PEP 440 are read and ordered by well-kept crates (`semver`, `pep440_rs`),
//! with only the leniency real data needs added here:
//! - [`semver`][]: SemVer 2.0 (crates.io, npm, Go with its `v` prefix, `+incompatible` and
//!   pseudo-versions, which are pre-releases and sort as such), and Cargo-style requirements
//!   (`>= 1.2.3, < 2`, `^1.2`, `~1.2`, `=1.2.3`) for RustSec's native advisories;
//! - [`pep440`][]: PyPI;
//! - [`rubygems`][]: RubyGems' `Gem::Version`;
//! - [`loose`][]: every other ecosystem (Packagist, Maven, NuGet…): numbers compared as
//!   numbers, well-known qualifiers ranked (`dev` < `alpha` < `beta` < `rc` < release <
//!   `patch`/`sp`), which is how Composer and Maven order the versions they publish.

pub mod loose;
pub mod pep440;
pub mod rubygems;
pub mod semver;

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

/// A version ordering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Semver,
    Pep440,
    RubyGems,
    Loose,
}

impl Scheme {
    /// Every scheme, in declaration order.
    pub const ALL: [Scheme; 4] = [
        Scheme::Semver,
        Scheme::Pep440,
        Scheme::RubyGems,
        Scheme::Loose,
    ];

    /// The ordering of an OSV ecosystem's `ECOSYSTEM` ranges and package versions (the name is
    /// matched case-insensitively, and a `:suffix` such as `Packagist:https://…` is ignored).
    pub fn for_ecosystem(ecosystem: &str) -> Scheme {
        let base = ecosystem.split(':').next().unwrap_or(ecosystem).trim();
        if base.eq_ignore_ascii_case("crates.io")
            || base.eq_ignore_ascii_case("npm")
            || base.eq_ignore_ascii_case("Go")
            || base.eq_ignore_ascii_case("Hex")
            || base.eq_ignore_ascii_case("Pub")
            || base.eq_ignore_ascii_case("SwiftURL")
        {
            Scheme::Semver
        } else if base.eq_ignore_ascii_case("PyPI") {
            Scheme::Pep440
        } else if base.eq_ignore_ascii_case("RubyGems") {
            Scheme::RubyGems
        } else {
            Scheme::Loose
        }
    }

    /// `text` read under this ordering, or `None` when it is not a version of it.
    pub fn parse(self, text: &str) -> Option<Version> {
        match self {
            Scheme::Semver => semver::Version::parse(text).map(Version::Semver),
            Scheme::Pep440 => pep440::parse(text).map(Version::Pep440),
            Scheme::RubyGems => rubygems::Version::parse(text).map(Version::RubyGems),
            Scheme::Loose => loose::Version::parse(text).map(Version::Loose),
        }
    }

    /// The order of two version strings under this ordering, or `None` when either is not a
    /// version of it.
    pub fn compare(self, a: &str, b: &str) -> Option<Ordering> {
        self.parse(a)?.partial_cmp(&self.parse(b)?)
    }

    /// Index of the scheme in [`Scheme::ALL`] (for small per-scheme caches).
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

/// A version parsed under one [`Scheme`]. Versions of different schemes are unordered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Version {
    Semver(semver::Version),
    Pep440(pep440::Version),
    RubyGems(rubygems::Version),
    Loose(loose::Version),
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        match (self, other) {
            (Version::Semver(a), Version::Semver(b)) => Some(a.cmp(b)),
            (Version::Pep440(a), Version::Pep440(b)) => Some(a.cmp(b)),
            (Version::RubyGems(a), Version::RubyGems(b)) => Some(a.cmp(b)),
            (Version::Loose(a), Version::Loose(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// `text` without surrounding whitespace, a leading `=`/`==`, and a leading `v`/`V` before
/// a digit: the decorations lockfiles and tags put around a version.
pub(crate) fn strip_decoration(text: &str) -> &str {
    let text = text.trim().trim_start_matches('=').trim_start();
    match text.strip_prefix(['v', 'V']) {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
        _ => text,
    }
}

/// `PartialOrd`, `PartialEq` and `Eq` from a type's `Ord`, for versions whose equality is
/// their ordering's (`1.0` = `1.0.0`) rather than their fields'.
macro_rules! equality_from_ord {
    ($t:ty) => {
        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &$t) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl PartialEq for $t {
            fn eq(&self, other: &$t) -> bool {
                self.cmp(other) == std::cmp::Ordering::Equal
            }
        }

        impl Eq for $t {}
    };
}
pub(crate) use equality_from_ord;

/// The runs of digits and of non-digits in `part` (`"rc10a"` → `rc`, `10`, `a`), each with
/// whether it is digits; digit runs come without leading zeros (`"007"` → `"7"`, `"0"` stays).
pub(crate) fn digit_runs(part: &str) -> impl Iterator<Item = (bool, &str)> {
    let bytes = part.as_bytes();
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let digit = bytes[start].is_ascii_digit();
        let end = bytes[start..]
            .iter()
            .position(|b| b.is_ascii_digit() != digit)
            .map_or(bytes.len(), |n| start + n);
        let mut run = &part[start..end];
        start = end;
        if digit {
            let trimmed = run.trim_start_matches('0');
            run = if trimmed.is_empty() {
                &run[run.len() - 1..]
            } else {
                trimmed
            };
        }
        Some((digit, run))
    })
}

/// Compares two strings of ASCII digits by numeric value, without overflow.
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_by_ecosystem() {
        assert_eq!(Scheme::for_ecosystem("crates.io"), Scheme::Semver);
        assert_eq!(Scheme::for_ecosystem("Go"), Scheme::Semver);
        assert_eq!(Scheme::for_ecosystem("npm"), Scheme::Semver);
        assert_eq!(Scheme::for_ecosystem("pypi"), Scheme::Pep440);
        assert_eq!(Scheme::for_ecosystem("RubyGems"), Scheme::RubyGems);
        assert_eq!(Scheme::for_ecosystem("Packagist"), Scheme::Loose);
        assert_eq!(
            Scheme::for_ecosystem("Packagist:https://packages.drupal.org/8"),
            Scheme::Loose
        );
        assert_eq!(Scheme::for_ecosystem("Maven"), Scheme::Loose);
        for (i, scheme) in Scheme::ALL.into_iter().enumerate() {
            assert_eq!(scheme.index(), i);
        }
    }

    #[test]
    fn schemes_disagree_where_ecosystems_do() {
        // `1.0.0.pre` is not SemVer but is a RubyGems pre-release.
        assert_eq!(Scheme::Semver.compare("1.0.0.pre", "1.0.0"), None);
        assert_eq!(
            Scheme::RubyGems.compare("1.0.0.pre", "1.0.0"),
            Some(Ordering::Less)
        );
        // `1.0` and `1.0.0` are one version in PEP 440 and RubyGems.
        assert_eq!(
            Scheme::Pep440.compare("1.0", "1.0.0"),
            Some(Ordering::Equal)
        );
        assert_eq!(
            Scheme::RubyGems.compare("1.0", "1.0.0"),
            Some(Ordering::Equal)
        );
        // A post-release is after its release in PEP 440, a pre-release before in SemVer.
        assert_eq!(
            Scheme::Pep440.compare("1.0.post1", "1.0"),
            Some(Ordering::Greater)
        );
        assert_eq!(
            Scheme::Semver.compare("1.0.0-1", "1.0.0"),
            Some(Ordering::Less)
        );
        // Mixed schemes never compare.
        let a = Scheme::Semver.parse("1.0.0").unwrap();
        let b = Scheme::Pep440.parse("1.0.0").unwrap();
        assert_eq!(a.partial_cmp(&b), None);
    }

    #[test]
    fn decorations_strip() {
        assert_eq!(strip_decoration(" v1.2 "), "1.2");
        assert_eq!(strip_decoration("==1.2"), "1.2");
        assert_eq!(strip_decoration("version"), "version");
        assert_eq!(cmp_digits("010", "9"), Ordering::Greater);
        let runs: Vec<(bool, &str)> = digit_runs("rc007a00").collect();
        assert_eq!(
            runs,
            vec![(false, "rc"), (true, "7"), (false, "a"), (true, "0")]
        );
        assert_eq!(cmp_digits("0", "000"), Ordering::Equal);
        assert_eq!(
            cmp_digits("184467440737095516160", "18446744073709551616"),
            Ordering::Greater
        );
    }
}
