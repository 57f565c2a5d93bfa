//! Tolerant version equality across lockfiles, scanners and advisories ([`same_version`]).

/// Whether `a` and `b` name the same version of a package of `ecosystem` (an OSV ecosystem
/// name, matched case-insensitively).
///
/// In every ecosystem surrounding whitespace, a leading `==`/`===`/`=` and a leading `v` before
/// a digit are ignored (`v1.2.3` = `1.2.3`, as Go and Packagist tags write them). Then:
/// - PyPI: PEP 440 equality (the `pep440_rs` crate, as `devspm-advisories` orders PyPI
///   versions) — case, release trailing zeros (`1.0` = `1.0.0`), spellings and separators of
///   pre, post and dev releases (`1.0-alpha.1` = `1.0a1`, `1.0-1` = `1.0.post1`), epoch `0!`;
///   a local label (`+cpu`) counts. Unparseable versions compare as lowercase strings.
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
        match (
            a.parse::<pep440_rs::Version>(),
            b.parse::<pep440_rs::Version>(),
        ) {
            (Ok(x), Ok(y)) => x == y,
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
