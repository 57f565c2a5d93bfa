//! SemVer 2.0 versions and Cargo-style version requirements.
//!
//! Precedence follows section 11 of SemVer 2.0: major, minor, patch numerically, then a
//! version with pre-release identifiers before the same version without; identifiers compare
//! numerically when both are digits, ASCII otherwise, digits before letters, and a shorter
//! list first when one is a prefix of the other. Build metadata (`+…`) is ignored, which is
//! also what makes Go's `+incompatible` harmless. Go pseudo-versions
//! (`v0.0.0-20191109021931-daa7c04131f5`, `v1.2.4-0.2019…`) are pre-releases by construction
//! and sort as such.
//!
//! Reading is lenient where real data is: a leading `v` or `=`, missing minor and patch
//! (`1.2` = `1.2.0`, so that OSV's `introduced: "0"` and loose npm data read), leading zeros.
//! Numbers are arbitrary-precision (compared as digit strings), so a 14-digit Go timestamp
//! or a longer one never overflows.
//!
//! [`Requirement`] reads the requirements RustSec writes in `[versions] patched` and
//! `unaffected`: comma-separated comparators, each `>=`, `>`, `<=`, `<`, `=`, `^`, `~`, a
//! wildcard (`1.*`), or a bare version (caret, as in Cargo). A version satisfies a
//! requirement when it satisfies every comparator, under plain precedence. This is how the
//! `rustsec` crate (cargo-audit, cargo-deny) turns requirements into ranges, and we follow it
//! so that our results agree with theirs, rather than Cargo's rule that a pre-release only
//! matches a comparator naming the same release: a partial version is padded with zeros for
//! `=`, `>`, `>=`, `<` and `<=` (`<= 1.2` is `<= 1.2.0`, `< 2` admits `2.0.0-alpha`), while
//! `^` and `~` end just below the first pre-release of their upper bound (`^1.2` is
//! `>= 1.2.0, < 2.0.0-0`).

use std::cmp::Ordering;

use super::{cmp_digits, strip_decoration};

/// A SemVer 2.0 version (build metadata dropped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    major: String,
    minor: String,
    patch: String,
    pre: Vec<Identifier>,
}

/// One pre-release identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Identifier {
    /// Digits only (leading zeros kept as written, compared by value).
    Numeric(String),
    Alphanumeric(String),
}

impl Ord for Identifier {
    fn cmp(&self, other: &Identifier) -> Ordering {
        match (self, other) {
            (Identifier::Numeric(a), Identifier::Numeric(b)) => cmp_digits(a, b),
            (Identifier::Numeric(_), Identifier::Alphanumeric(_)) => Ordering::Less,
            (Identifier::Alphanumeric(_), Identifier::Numeric(_)) => Ordering::Greater,
            (Identifier::Alphanumeric(a), Identifier::Alphanumeric(b)) => a.cmp(b),
        }
    }
}

impl PartialOrd for Identifier {
    fn partial_cmp(&self, other: &Identifier) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        cmp_digits(&self.major, &other.major)
            .then_with(|| cmp_digits(&self.minor, &other.minor))
            .then_with(|| cmp_digits(&self.patch, &other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A version as written in a requirement: the minor and patch may be missing.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Partial {
    major: String,
    minor: Option<String>,
    patch: Option<String>,
    pre: Vec<Identifier>,
}

/// Digits without leading zeros (`"0"` stays), so that equal numbers are equal strings.
fn canonical_digits(s: &str) -> String {
    let trimmed = s.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_string()
    } else {
        trimmed.to_string()
    }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn parse_pre(pre: &str) -> Option<Vec<Identifier>> {
    pre.split('.')
        .map(|id| {
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                None
            } else if is_digits(id) {
                Some(Identifier::Numeric(canonical_digits(id)))
            } else {
                Some(Identifier::Alphanumeric(id.to_string()))
            }
        })
        .collect()
}

impl Partial {
    /// `text` with one to three numeric components, an optional pre-release and build.
    fn parse(text: &str) -> Option<Partial> {
        let text = strip_decoration(text);
        let text = text.split_once('+').map_or(text, |(core, _)| core);
        let (core, pre) = match text.split_once('-') {
            Some((core, pre)) => (core, parse_pre(pre)?),
            None => (text, Vec::new()),
        };
        let mut parts = core.split('.');
        let major = canonical_digits(parts.next().filter(|p| is_digits(p))?);
        let mut next = || -> Option<Option<String>> {
            match parts.next() {
                None => Some(None),
                Some(p) if is_digits(p) => Some(Some(canonical_digits(p))),
                Some(_) => None,
            }
        };
        let minor = next()?;
        let patch = next()?;
        if parts.next().is_some() || (minor.is_none() && patch.is_some()) {
            return None;
        }
        Some(Partial {
            major,
            minor,
            patch,
            pre,
        })
    }

    fn is_full(&self) -> bool {
        self.minor.is_some() && self.patch.is_some()
    }

    /// The version with missing components zero.
    fn floor(&self) -> Version {
        Version {
            major: self.major.clone(),
            minor: self.minor.clone().unwrap_or_else(|| "0".into()),
            patch: self.patch.clone().unwrap_or_else(|| "0".into()),
            pre: self.pre.clone(),
        }
    }
}

/// `digits + 1`, for digit strings of any length.
fn increment(digits: &str) -> String {
    let mut bytes: Vec<u8> = digits.bytes().collect();
    for b in bytes.iter_mut().rev() {
        if *b == b'9' {
            *b = b'0';
        } else {
            *b += 1;
            return String::from_utf8_lossy(&bytes).into_owned();
        }
    }
    let mut out = String::with_capacity(bytes.len() + 1);
    out.push('1');
    out.push_str(&String::from_utf8_lossy(&bytes));
    out
}

/// The lowest version of `major.minor.patch`: its first conceivable pre-release, `-0`.
fn lowest(major: String, minor: String, patch: String) -> Version {
    Version {
        major,
        minor,
        patch,
        pre: vec![Identifier::Numeric("0".into())],
    }
}

impl Version {
    /// A SemVer version; missing minor and patch read as zero. `None` when `text` is not one.
    pub fn parse(text: &str) -> Option<Version> {
        Partial::parse(text).map(|p| p.floor())
    }

    /// Whether the version has pre-release identifiers.
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
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
    /// when a comparator cannot be read.
    pub fn parse(text: &str) -> Option<Requirement> {
        let mut comparators = Vec::new();
        for piece in text.split(',') {
            let piece = piece.trim();
            if piece.is_empty() {
                return None;
            }
            expand(piece, &mut comparators)?;
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

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        for (i, id) in self.pre.iter().enumerate() {
            f.write_str(if i == 0 { "-" } else { "." })?;
            match id {
                Identifier::Numeric(s) | Identifier::Alphanumeric(s) => f.write_str(s)?,
            }
        }
        Ok(())
    }
}

/// Pushes the plain comparators one requirement piece stands for.
fn expand(piece: &str, out: &mut Vec<Comparator>) -> Option<()> {
    let (op, rest) = if let Some(rest) = piece.strip_prefix(">=") {
        (">=", rest)
    } else if let Some(rest) = piece.strip_prefix("<=") {
        ("<=", rest)
    } else if let Some(rest) = piece.strip_prefix('>') {
        (">", rest)
    } else if let Some(rest) = piece.strip_prefix('<') {
        ("<", rest)
    } else if let Some(rest) = piece.strip_prefix('=') {
        ("=", rest)
    } else if let Some(rest) = piece.strip_prefix('^') {
        ("^", rest)
    } else if let Some(rest) = piece.strip_prefix('~') {
        ("~", rest)
    } else {
        ("", piece)
    };
    let rest = rest.trim();
    // Wildcards: `*`, `1.*`, `1.2.*` (also `x`/`X`) mean the partial version they leave.
    let trimmed = rest.trim_end_matches(['*', 'x', 'X']).trim_end_matches('.');
    let is_wildcard = trimmed.len() != rest.len();
    if is_wildcard && trimmed.is_empty() {
        return Some(()); // `*`: any version
    }
    let p = Partial::parse(trimmed)?;
    let mut push = |op: Op, version: Version| out.push(Comparator { op, version });
    let next_major = || lowest(increment(&p.major), "0".into(), "0".into());
    let next_minor = |minor: &str| lowest(p.major.clone(), increment(minor), "0".into());
    let op = if is_wildcard { "=" } else { op };
    match op {
        ">=" => push(Op::Ge, p.floor()),
        ">" => push(Op::Gt, p.floor()),
        "<" => push(Op::Lt, p.floor()),
        "<=" => push(Op::Le, p.floor()),
        "=" if !is_wildcard => push(Op::Eq, p.floor()),
        "=" => {
            if p.is_full() {
                push(Op::Eq, p.floor());
            } else {
                push(Op::Ge, p.floor());
                match &p.minor {
                    Some(minor) => push(Op::Lt, next_minor(minor)),
                    None => push(Op::Lt, next_major()),
                }
            }
        }
        "~" => {
            push(Op::Ge, p.floor());
            match &p.minor {
                Some(minor) => push(Op::Lt, next_minor(minor)),
                None => push(Op::Lt, next_major()),
            }
        }
        _ => {
            // Caret, written or implied: compatible updates, which for 0.x means the first
            // non-zero component may not change.
            push(Op::Ge, p.floor());
            let zero = |s: &str| s.bytes().all(|b| b == b'0');
            let upper = if !zero(&p.major) {
                next_major()
            } else {
                match (&p.minor, &p.patch) {
                    (None, _) => next_major(),
                    (Some(minor), _) if !zero(minor) => next_minor(minor),
                    (Some(minor), None) => next_minor(minor),
                    (Some(minor), Some(patch)) => {
                        lowest(p.major.clone(), minor.clone(), increment(patch))
                    }
                }
            };
            push(Op::Lt, upper);
        }
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
        assert!(v("18446744073709551616.0.0") > v("18446744073709551615.0.0"));
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
        assert_eq!(increment("199"), "200");
        assert_eq!(increment("99"), "100");
    }
}
