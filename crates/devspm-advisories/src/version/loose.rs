//! A forgiving ordering for ecosystems without a dedicated one (Packagist, Maven, NuGet…).
//!
//! A version is split into tokens at `.`, `-`, `_` and wherever digits meet letters
//! (`1.2.3-RC1` → `1 2 3 rc 1`); build metadata after `+` is dropped. Numbers compare by
//! value. Words are ranked the way Composer and Maven rank their qualifiers:
//! `dev` < `alpha`/`a` < `beta`/`b` < `milestone`/`m` < `rc`/`cr`/`pre`/`preview` <
//! `snapshot` < the release (`final`, `ga`, `release`, or nothing) < `sp`/`patch`/`p`/`pl`/
//! `post`, and unknown words after those, alphabetically. A number is after any word, a
//! missing token is `0` against a number and "the release" against a word: so `1.0` =
//! `1.0.0` = `1.0-final`, `1.0-rc1` < `1.0` < `1.0-p1` < `1.0.1`.
//!
//! It is an approximation, not Maven's `ComparableVersion` nor Composer's normaliser in
//! full, and it is only used where nothing better is known. A version must start with a digit
//! (after an optional `v`): a Composer branch such as `dev-main` is not ordered at all and can
//! only match an advisory's explicit `versions` list.

use std::cmp::Ordering;

use super::{cmp_digits, strip_decoration};

/// A version under the loose ordering.
#[derive(Clone, Debug)]
pub struct Version {
    tokens: Vec<Token>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Number(String),
    /// A word and its rank.
    Word(u8, String),
}

/// The rank a missing token takes against a word: the release.
const RELEASE: u8 = 6;

fn rank(word: &str) -> u8 {
    match word {
        "dev" => 0,
        "alpha" | "a" => 1,
        "beta" | "b" => 2,
        "milestone" | "m" => 3,
        "rc" | "cr" | "pre" | "preview" => 4,
        "snapshot" => 5,
        "final" | "ga" | "release" | "stable" => RELEASE,
        "sp" | "patch" | "p" | "pl" | "post" => 7,
        _ => 8,
    }
}

impl Version {
    /// The version's tokens, or `None` when `text` does not start with a digit or has
    /// characters other than ASCII letters, digits and `.-_+~`.
    pub fn parse(text: &str) -> Option<Version> {
        let text = strip_decoration(text);
        let text = text.split_once('+').map_or(text, |(core, _)| core);
        if !text.starts_with(|c: char| c.is_ascii_digit())
            || !text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~'))
        {
            return None;
        }
        let lower = text.to_ascii_lowercase();
        let mut tokens = Vec::new();
        for part in lower.split(['.', '-', '_', '~']).filter(|p| !p.is_empty()) {
            for (digit, run) in super::digit_runs(part) {
                tokens.push(if digit {
                    Token::Number(run.to_string())
                } else {
                    Token::Word(rank(run), run.to_string())
                });
            }
        }
        Some(Version { tokens })
    }
}

fn cmp_token(a: Option<&Token>, b: Option<&Token>) -> Ordering {
    let zero = Token::Number("0".into());
    let release = Token::Word(RELEASE, String::new());
    let (a, b) = match (a, b) {
        (None, None) => return Ordering::Equal,
        (Some(a), None) => (
            a,
            if matches!(a, Token::Number(_)) {
                &zero
            } else {
                &release
            },
        ),
        (None, Some(b)) => (
            if matches!(b, Token::Number(_)) {
                &zero
            } else {
                &release
            },
            b,
        ),
        (Some(a), Some(b)) => (a, b),
    };
    match (a, b) {
        (Token::Number(x), Token::Number(y)) => cmp_digits(x, y),
        (Token::Number(_), Token::Word(..)) => Ordering::Greater,
        (Token::Word(..), Token::Number(_)) => Ordering::Less,
        (Token::Word(rx, x), Token::Word(ry, y)) => {
            // Release synonyms are one value; unknown words order alphabetically.
            rx.cmp(ry).then_with(|| {
                if *rx == RELEASE {
                    Ordering::Equal
                } else {
                    x.cmp(y)
                }
            })
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        let len = self.tokens.len().max(other.tokens.len());
        (0..len)
            .map(|i| cmp_token(self.tokens.get(i), other.tokens.get(i)))
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    }
}

super::equality_from_ord!(Version);

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| panic!("not a loose version: {s}"))
    }

    #[test]
    fn composer_and_maven_orderings() {
        let chain = [
            "1.0-dev",
            "1.0.0-alpha1",
            "1.0.0-alpha2",
            "1.0.0-beta",
            "1.0.0-M1",
            "1.0.0-RC1",
            "1.0.0-RC2",
            "1.0.0-SNAPSHOT",
            "1.0.0",
            "1.0.0-p1",
            "1.0.0-sp2",
            "1.0.0-xyz",
            "1.0.1",
            "1.0.10",
            "v2.0",
        ];
        for pair in chain.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn equal_spellings() {
        assert_eq!(v("1.0"), v("1.0.0"));
        assert_eq!(v("1.0-final"), v("1"));
        assert_eq!(v("1.0.GA"), v("1.0-release"));
        assert_eq!(v("v1.2.3"), v("1.2.3"));
        assert_eq!(v("1.2.3+build"), v("1.2.3"));
        assert_eq!(v("1.0RC1"), v("1.0-rc-1"));
    }

    #[test]
    fn non_versions_are_rejected() {
        for bad in ["dev-main", "", "x1", "1.0 beta", "latest"] {
            assert!(Version::parse(bad).is_none(), "{bad:?}");
        }
    }
}
