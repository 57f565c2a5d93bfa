//! PEP 440 versions (PyPI).
//!
//! Reads the permissive spellings PEP 440 normalises (case, a leading `v`, `-`/`_`/`.`
//! separators, `alpha`/`beta`/`c`/`pre`/`preview` for `a`/`b`/`rc`, `rev`/`r` and the bare
//! `-N` for post-releases, implicit `0` numbers as in `1.0a` or `1.0.post`) and orders
//! versions the way `packaging.version` does:
//! epoch, then the release with trailing zeros ignored (`1.0` = `1.0.0`), then
//! dev-only releases (`1.0.dev1`) before pre-releases (`a` < `b` < `rc`) before the release
//! before post-releases; within each, a dev release before the one it leads to
//! (`1.0a1.dev1` < `1.0a1`, `1.0.post1.dev1` < `1.0.post1`); a local label after the public
//! version (`1.0` < `1.0+abc` < `1.0+5`: in local labels, words sort before numbers).

use std::cmp::Ordering;

/// A PEP 440 version.
#[derive(Clone, Debug)]
pub struct Version {
    epoch: u64,
    release: Vec<u64>,
    pre: Option<(PreLabel, u64)>,
    post: Option<u64>,
    dev: Option<u64>,
    local: Vec<LocalSegment>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum PreLabel {
    Alpha,
    Beta,
    Rc,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum LocalSegment {
    Number(u64),
    Word(String),
}

impl Ord for LocalSegment {
    fn cmp(&self, other: &LocalSegment) -> Ordering {
        match (self, other) {
            (LocalSegment::Number(a), LocalSegment::Number(b)) => a.cmp(b),
            (LocalSegment::Word(a), LocalSegment::Word(b)) => a.cmp(b),
            (LocalSegment::Word(_), LocalSegment::Number(_)) => Ordering::Less,
            (LocalSegment::Number(_), LocalSegment::Word(_)) => Ordering::Greater,
        }
    }
}

impl PartialOrd for LocalSegment {
    fn partial_cmp(&self, other: &LocalSegment) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A byte cursor over the lowercased version text.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat_separator(&mut self) -> bool {
        if matches!(self.peek(), Some(b'-' | b'_' | b'.')) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn eat_number(&mut self) -> Option<u64> {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        if start == self.i {
            return None;
        }
        let digits = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        match digits.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                self.i = start;
                None
            }
        }
    }

    /// The first of `words` the text continues with (list longer words first).
    fn eat_word<'w>(&mut self, words: &[&'w str]) -> Option<&'w str> {
        let rest = &self.s[self.i..];
        let word = words.iter().find(|w| rest.starts_with(w.as_bytes()))?;
        self.i += word.len();
        Some(word)
    }
}

impl Version {
    /// A PEP 440 version, or `None` when `text` is not one.
    pub fn parse(text: &str) -> Option<Version> {
        let lower = text.trim().to_ascii_lowercase();
        let mut c = Cursor {
            s: lower.as_bytes(),
            i: 0,
        };
        if c.peek() == Some(b'v') {
            c.i += 1;
        }
        // Epoch and release.
        let first = c.eat_number()?;
        let (epoch, mut release) = if c.peek() == Some(b'!') {
            c.i += 1;
            (first, vec![c.eat_number()?])
        } else {
            (0, vec![first])
        };
        loop {
            let save = c.i;
            if c.peek() == Some(b'.') {
                c.i += 1;
                if let Some(n) = c.eat_number() {
                    release.push(n);
                    continue;
                }
            }
            c.i = save;
            break;
        }
        // Pre-release.
        let save = c.i;
        c.eat_separator();
        let pre = match c.eat_word(&["alpha", "beta", "preview", "pre", "rc", "a", "b", "c"]) {
            Some(word) => {
                let label = match word {
                    "alpha" | "a" => PreLabel::Alpha,
                    "beta" | "b" => PreLabel::Beta,
                    _ => PreLabel::Rc,
                };
                Some((label, implicit_number(&mut c)))
            }
            None => {
                c.i = save;
                None
            }
        };
        // Post-release: `-N`, or `[sep]post|rev|r[sep][N]`.
        let save = c.i;
        let post = if c.peek() == Some(b'-') && matches!(c.s.get(c.i + 1), Some(b'0'..=b'9')) {
            c.i += 1;
            c.eat_number()
        } else {
            c.eat_separator();
            match c.eat_word(&["post", "rev", "r"]) {
                Some(_) => Some(implicit_number(&mut c)),
                None => {
                    c.i = save;
                    None
                }
            }
        };
        // Dev release.
        let save = c.i;
        c.eat_separator();
        let dev = match c.eat_word(&["dev"]) {
            Some(_) => Some(implicit_number(&mut c)),
            None => {
                c.i = save;
                None
            }
        };
        // Local label.
        let mut local = Vec::new();
        if c.peek() == Some(b'+') {
            let label = std::str::from_utf8(&c.s[c.i + 1..]).ok()?;
            for segment in label.split(['.', '-', '_']) {
                if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_alphanumeric()) {
                    return None;
                }
                local.push(match segment.parse() {
                    Ok(n) if segment.bytes().all(|b| b.is_ascii_digit()) => LocalSegment::Number(n),
                    _ => LocalSegment::Word(segment.to_string()),
                });
            }
            c.i = c.s.len();
        }
        if c.i != c.s.len() {
            return None;
        }
        Some(Version {
            epoch,
            release,
            pre,
            post,
            dev,
            local,
        })
    }

    /// Whether this is a pre-release or a dev release.
    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some() || self.dev.is_some()
    }

    /// The release numbers without trailing zeros.
    fn release_key(&self) -> &[u64] {
        let end = self
            .release
            .iter()
            .rposition(|&n| n != 0)
            .map_or(0, |i| i + 1);
        &self.release[..end]
    }
}

/// An optional separator and number after a label; `0` when absent (`1.0a` = `1.0a0`).
fn implicit_number(c: &mut Cursor) -> u64 {
    let save = c.i;
    c.eat_separator();
    match c.eat_number() {
        Some(n) => n,
        None => {
            c.i = save;
            0
        }
    }
}

/// A slot of the comparison key that may be absent and sort as −∞ or +∞ there.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Slot<T> {
    Below,
    At(T),
    Above,
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        fn pre_slot(v: &Version) -> Slot<(PreLabel, u64)> {
            match (v.pre, v.post, v.dev) {
                // `1.0.dev1` sorts before `1.0a1`.
                (None, None, Some(_)) => Slot::Below,
                (None, _, _) => Slot::Above,
                (Some(pre), _, _) => Slot::At(pre),
            }
        }
        let post = |v: &Version| v.post.map_or(Slot::Below, Slot::At);
        let dev = |v: &Version| v.dev.map_or(Slot::Above, Slot::At);
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| self.release_key().cmp(other.release_key()))
            .then_with(|| pre_slot(self).cmp(&pre_slot(other)))
            .then_with(|| post(self).cmp(&post(other)))
            .then_with(|| dev(self).cmp(&dev(other)))
            .then_with(|| self.local.cmp(&other.local))
    }
}

super::equality_from_ord!(Version);

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| panic!("not PEP 440: {s}"))
    }

    #[test]
    fn the_pep_ordering_example() {
        // PEP 440's "Summary of permitted suffixes and relative ordering", plus local labels.
        let chain = [
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
        ];
        for pair in chain.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn normalisation() {
        let same = [
            ("1.0", "1.0.0"),
            ("1.0", "1"),
            ("1.0", "v1.0"),
            ("1.0", "0!1.0"),
            ("1.0rc1", "1.0-RC1"),
            ("1.0rc1", "1.0.c.1"),
            ("1.0rc1", "1.0pre1"),
            ("1.0rc1", "1.0preview1"),
            ("1.0a1", "1.0-alpha.1"),
            ("1.0a0", "1.0a"),
            ("1.0b2", "1.0_beta_2"),
            ("1.0.post1", "1.0-1"),
            ("1.0.post1", "1.0post1"),
            ("1.0.post1", "1.0-r1"),
            ("1.0.post1", "1.0.rev1"),
            ("1.0.post0", "1.0.post"),
            ("1.0.dev0", "1.0dev"),
            ("1.0+ubuntu-1", "1.0+ubuntu.1"),
            ("1.0+ABC", "1.0+abc"),
            ("  2.0  ", "2.0"),
        ];
        for (a, b) in same {
            assert_eq!(v(a), v(b), "{a} = {b}");
        }
    }

    #[test]
    fn epochs_dominate() {
        assert!(v("1!1.0") > v("2024.1"));
        assert!(v("1!0.1") > v("99.0"));
        assert!(v("2!1.0") > v("1!9.0"));
    }

    #[test]
    fn numbers_not_strings() {
        assert!(v("1.10") > v("1.9"));
        assert!(v("1.0.10") > v("1.0.9.9"));
        assert!(v("2.0rc10") > v("2.0rc9"));
        assert!(v("4.2") < v("4.2.1"));
        assert!(v("3.2.19") < v("3.2.20"));
    }

    #[test]
    fn non_versions_are_rejected() {
        for bad in [
            "", "abc", "1.0+", "1.0+a..b", "1.0 beta", "1.0-", "1.0.x", "1..0", "!1.0", "1.0+ü",
            "latest",
        ] {
            assert!(Version::parse(bad).is_none(), "{bad:?}");
        }
        assert!(v("1.0rc1").is_prerelease());
        assert!(v("1.0.dev1").is_prerelease());
        assert!(!v("1.0.post1").is_prerelease());
    }
}
