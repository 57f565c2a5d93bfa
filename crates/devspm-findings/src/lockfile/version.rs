//! Tolerant version equality across lockfiles, scanners and advisories ([`same_version`]).

/// Whether `a` and `b` name the same version of a package of `ecosystem` (an OSV ecosystem
/// name, matched case-insensitively).
///
/// In every ecosystem surrounding whitespace, a leading `==`/`===`/`=` and a leading `v` before
/// a digit are ignored (`v1.2.3` = `1.2.3`, as Go and Packagist tags write them). Then:
/// - PyPI: PEP 440 normalisation — case, release trailing zeros (`1.0` = `1.0.0`), spellings
///   and separators of pre, post and dev releases (`1.0-alpha.1` = `1.0a1`, `1.0-1` =
///   `1.0.post1`), epoch `0!`; a local label (`+cpu`) counts. Unparseable versions compare as
///   lowercase strings.
/// - RubyGems: dot segments, numeric ones by value, trailing zero segments ignored (`1.0` =
///   `1.0.0`, as `Gem::Version` does).
/// - Others (crates.io, npm, Go, Packagist…): build metadata after `+` is ignored
///   (`1.0.0+build` = `1.0.0`, Go's `+incompatible` too), then exact.
pub fn same_version(ecosystem: &str, a: &str, b: &str) -> bool {
    let (a, b) = (strip(a), strip(b));
    if a == b {
        return true;
    }
    if ecosystem.eq_ignore_ascii_case("PyPI") {
        match (Pep440::parse(a), Pep440::parse(b)) {
            (Some(x), Some(y)) => x == y,
            _ => a.eq_ignore_ascii_case(b),
        }
    } else if ecosystem.eq_ignore_ascii_case("RubyGems") {
        gem_segments(a) == gem_segments(b)
    } else {
        without_build(a) == without_build(b)
    }
}

/// `v` without whitespace, a leading `==`, `===` or `=`, and a leading `v` before a digit.
fn strip(v: &str) -> &str {
    let v = v.trim().trim_start_matches('=').trim_start();
    match v.strip_prefix(['v', 'V']) {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
        _ => v,
    }
}

/// `v` without its build metadata (`+…`).
fn without_build(v: &str) -> &str {
    v.split_once('+').map_or(v, |(core, _)| core)
}

#[derive(Debug, PartialEq, Eq)]
enum GemSegment<'a> {
    Number(u64),
    Text(&'a str),
}

fn gem_segments(v: &str) -> Vec<GemSegment<'_>> {
    let mut segments: Vec<GemSegment> = v
        .split(['.', '-'])
        .map(|s| match s.parse() {
            Ok(n) => GemSegment::Number(n),
            Err(_) => GemSegment::Text(s),
        })
        .collect();
    while segments.last() == Some(&GemSegment::Number(0)) {
        segments.pop();
    }
    segments
}

/// A PEP 440 version, normalised for comparison.
#[derive(Debug, PartialEq, Eq)]
struct Pep440 {
    epoch: u64,
    /// Trailing zeros removed.
    release: Vec<u64>,
    /// 0 = a, 1 = b, 2 = rc.
    pre: Option<(u8, u64)>,
    post: Option<u64>,
    dev: Option<u64>,
    /// Lowercase, separators as `.`.
    local: Option<String>,
}

impl Pep440 {
    fn parse(v: &str) -> Option<Pep440> {
        let lower = v.to_ascii_lowercase();
        let (public, local) = match lower.split_once('+') {
            Some((public, local)) => {
                let ok = !local.is_empty()
                    && local
                        .split(['.', '-', '_'])
                        .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()));
                if !ok {
                    return None;
                }
                (public, Some(local.replace(['-', '_'], ".")))
            }
            None => (lower.as_str(), None),
        };
        let mut c = Cursor(public.as_bytes());
        let epoch = match public.find('!') {
            Some(_) => {
                let epoch = c.number()?;
                c.eat("!").then_some(epoch)?
            }
            None => 0,
        };
        let mut release = vec![c.number()?];
        while c.peek() == Some(b'.') && c.0.get(1).is_some_and(u8::is_ascii_digit) {
            c.0 = &c.0[1..];
            release.push(c.number()?);
        }
        while release.len() > 1 && release.last() == Some(&0) {
            release.pop();
        }
        let pre = {
            let save = c.0;
            c.separator();
            let kind = if c.eat("alpha") || c.eat("a") {
                Some(0)
            } else if c.eat("beta") || c.eat("b") {
                Some(1)
            } else if c.eat("preview") || c.eat("pre") || c.eat("rc") || c.eat("c") {
                Some(2)
            } else {
                None
            };
            match kind {
                Some(kind) => Some((kind, c.optional_number()?)),
                None => {
                    c.0 = save;
                    None
                }
            }
        };
        let post = {
            let save = c.0;
            if c.peek() == Some(b'-') && c.0.get(1).is_some_and(u8::is_ascii_digit) {
                c.0 = &c.0[1..];
                Some(c.number()?)
            } else {
                c.separator();
                if c.eat("post") || c.eat("rev") || c.eat("r") {
                    Some(c.optional_number()?)
                } else {
                    c.0 = save;
                    None
                }
            }
        };
        let dev = {
            let save = c.0;
            c.separator();
            if c.eat("dev") {
                Some(c.optional_number()?)
            } else {
                c.0 = save;
                None
            }
        };
        c.0.is_empty().then_some(Pep440 {
            epoch,
            release,
            pre,
            post,
            dev,
            local,
        })
    }
}

struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.0.first().copied()
    }

    fn eat(&mut self, word: &str) -> bool {
        match self.0.strip_prefix(word.as_bytes()) {
            Some(rest) => {
                self.0 = rest;
                true
            }
            None => false,
        }
    }

    fn separator(&mut self) {
        if matches!(self.peek(), Some(b'.' | b'-' | b'_')) {
            self.0 = &self.0[1..];
        }
    }

    fn number(&mut self) -> Option<u64> {
        let len = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 || len > 19 {
            return None;
        }
        let n = std::str::from_utf8(&self.0[..len]).ok()?.parse().ok()?;
        self.0 = &self.0[len..];
        Some(n)
    }

    /// An implicit `0`, or a number after an optional separator.
    fn optional_number(&mut self) -> Option<u64> {
        let save = self.0;
        self.separator();
        if self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.number()
        } else {
            self.0 = save;
            Some(0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pypi() {
        let same = [
            ("1.0", "1.0.0"),
            ("==1.0", "1"),
            ("v1.0", "1.0"),
            ("1.0-alpha.1", "1.0a1"),
            ("1.0.BETA2", "1.0b2"),
            ("1.0c1", "1.0rc1"),
            ("1.0-preview", "1.0rc0"),
            ("1.0-1", "1.0.post1"),
            ("1.0.rev2", "1.0post2"),
            ("1.0.dev", "1.0.dev0"),
            ("0!1.0", "1.0"),
            ("1.0+Ubuntu-1", "1.0+ubuntu.1"),
            ("2026.10.19.post1", "2026.10.19.post1"),
        ];
        for (a, b) in same {
            assert!(same_version("PyPI", a, b), "{a} = {b}");
        }
        let different = [
            ("1.0", "1.0.1"),
            ("1.0a1", "1.0b1"),
            ("1.0", "1.0.post0"),
            ("1.0", "1.0+local"),
            ("1!1.0", "1.0"),
            ("1.0", "10"),
        ];
        for (a, b) in different {
            assert!(!same_version("PyPI", a, b), "{a} != {b}");
        }
        assert!(same_version("pypi", "Weird-Thing", "weird-thing"));
    }

    #[test]
    fn semver_like() {
        assert!(same_version("Go", "v1.2.3", "1.2.3"));
        assert!(same_version("Go", "v2.0.0+incompatible", "2.0.0"));
        assert!(same_version("crates.io", "1.0.0+zstd.1.5", "1.0.0"));
        assert!(same_version("npm", "=1.0.0", "1.0.0"));
        assert!(same_version("Packagist", "v5.4.0", "5.4.0"));
        assert!(!same_version("npm", "1.0.0", "1.0.0-rc.1"));
        assert!(!same_version("crates.io", "1.0", "1.0.0"));
        assert!(!same_version("npm", "version", "ersion"));
    }

    #[test]
    fn rubygems() {
        assert!(same_version("RubyGems", "1.0", "1.0.0"));
        assert!(!same_version("RubyGems", "1.0.1", "1.0"));
        assert!(!same_version("RubyGems", "1.0.0.rc1", "1.0.0"));
    }
}
