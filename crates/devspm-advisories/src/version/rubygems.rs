//! RubyGems versions, ordered as `Gem::Version#<=>` orders them.
//!
//! A version is dot-separated segments; a `-` reads as `.pre.` (`1.0.0-rc1` =
//! `1.0.0.pre.rc1`), and runs of digits and of letters are separate segments (`1.0.0.rc1` →
//! `1, 0, 0, "rc", 1`). A version with any letter is a pre-release. Comparison drops trailing
//! zeros from the numeric part and from the part after the first word (so `1.0` = `1.0.0`),
//! then compares segment by segment, a missing segment counting as `0`: numbers by value,
//! words as strings, and a word before any number, which is what puts `1.0.0.pre` before
//! `1.0.0` (`"pre"` against the implicit `0`) and `1.0.a` before `1.0.b` before `1.0`.

use std::cmp::Ordering;

/// A RubyGems version.
#[derive(Clone, Debug)]
pub struct Version {
    /// The canonical segments (trailing zeros dropped as `Gem::Version#canonical_segments`
    /// does).
    segments: Vec<Segment>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    /// Digits, leading zeros dropped (compared by length, then text: arbitrary precision).
    Number(String),
    Word(String),
}

impl Segment {
    fn is_zero(&self) -> bool {
        matches!(self, Segment::Number(n) if n == "0")
    }
}

impl Version {
    /// A RubyGems version (`Gem::Version::ANCHORED_VERSION_PATTERN`: digits first, then
    /// alphanumerics, dots and dashes), or `None`.
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim();
        let text = if text.is_empty() { "0" } else { text };
        let first = text.bytes().next()?;
        if !first.is_ascii_digit()
            || !text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            || text.contains("..")
            || text.ends_with(['.', '-'])
        {
            return None;
        }
        let text = text.replace('-', ".pre.");
        let mut raw = Vec::new();
        for part in text.split('.') {
            for (digit, run) in super::digit_runs(part) {
                raw.push(if digit {
                    Segment::Number(run.to_string())
                } else {
                    Segment::Word(run.to_string())
                });
            }
        }
        // canonical_segments: split at the first word, drop trailing zeros of each part.
        let split = raw
            .iter()
            .position(|s| matches!(s, Segment::Word(_)))
            .unwrap_or(raw.len());
        let tail = raw.split_off(split);
        let mut segments = raw;
        while segments.last().is_some_and(Segment::is_zero) {
            segments.pop();
        }
        let mut tail = tail;
        while tail.last().is_some_and(Segment::is_zero) {
            tail.pop();
        }
        segments.extend(tail);
        Some(Version { segments })
    }

    /// Whether the version has a letter (a pre-release in RubyGems' terms).
    pub fn is_prerelease(&self) -> bool {
        self.segments.iter().any(|s| matches!(s, Segment::Word(_)))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        let zero = Segment::Number("0".into());
        let len = self.segments.len().max(other.segments.len());
        for i in 0..len {
            let a = self.segments.get(i).unwrap_or(&zero);
            let b = other.segments.get(i).unwrap_or(&zero);
            let ord = match (a, b) {
                (Segment::Number(x), Segment::Number(y)) => super::cmp_digits(x, y),
                (Segment::Word(x), Segment::Word(y)) => x.cmp(y),
                (Segment::Word(_), Segment::Number(_)) => Ordering::Less,
                (Segment::Number(_), Segment::Word(_)) => Ordering::Greater,
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

super::equality_from_ord!(Version);

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| panic!("not a gem version: {s}"))
    }

    #[test]
    fn ordering() {
        let chain = [
            "0.9",
            "1.0.0.a",
            "1.0.0.a1",
            "1.0.0.b",
            // A missing segment counts as 0, and a number is after a word.
            "1.0.0.pre.rc1",
            "1.0.0.pre",
            "1.0.0.rc1",
            "1.0.0.rc2",
            "1.0.0.rc10",
            "1.0.0",
            "1.0.1",
            "1.1",
            "1.10",
            "2",
        ];
        for pair in chain.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn equal_spellings() {
        assert_eq!(v("1.0"), v("1.0.0"));
        assert_eq!(v("1"), v("1.0.0.0"));
        assert_eq!(v("1.0.0-rc1"), v("1.0.0.pre.rc1"));
        assert_eq!(v("1.0.0.rc1"), v("1.0.0rc1"));
        assert_eq!(v("01.2"), v("1.2"));
        assert_eq!(v(""), v("0"));
        assert!(v("1.0.0.pre").is_prerelease());
        assert!(!v("1.0.0").is_prerelease());
    }

    #[test]
    fn non_versions_are_rejected() {
        for bad in ["a", "1..0", "1.0.", "1 0", "-1", "1.0_1"] {
            assert!(Version::parse(bad).is_none(), "{bad:?}");
        }
    }
}
