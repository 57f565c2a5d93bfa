//! PEP 440 versions (PyPI), on the `pep440_rs` crate (uv's).
//!
//! The crate reads the permissive spellings PEP 440 normalises (case, surrounding whitespace,
//! a leading `v`, `-`/`_`/`.` separators, `alpha`/`beta`/`c`/`pre`/`preview` for `a`/`b`/`rc`,
//! `rev`/`r` and the bare `-N` for post-releases, implicit `0` numbers as in `1.0a` or
//! `1.0.post`) and orders versions the way `packaging.version` does: epoch, then the release
//! with trailing zeros ignored (`1.0` = `1.0.0`), then dev-only releases (`1.0.dev1`) before
//! pre-releases (`a` < `b` < `rc`) before the release before post-releases; within each, a dev
//! release before the one it leads to (`1.0a1.dev1` < `1.0a1`, `1.0.post1.dev1` <
//! `1.0.post1`); a local label after the public version (`1.0` < `1.0+abc` < `1.0+5`: in
//! local labels, words sort before numbers). The tests below pin the cases we rely on.
//!
//! Its dependency cost is one small crate (`unscanny`); `once_cell`, `serde` and
//! `unicode-width` were already in the tree. `devspm-findings` reads PyPI versions with the same
//! crate (`lockfile::same_version`).

pub use pep440_rs::Version;

/// A PEP 440 version, or `None` when `text` is not one.
pub fn parse(text: &str) -> Option<Version> {
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        parse(s).unwrap_or_else(|| panic!("not PEP 440: {s}"))
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
            assert!(parse(bad).is_none(), "{bad:?}");
        }
        assert!(parse("99999999999999999999").is_none());
        assert!(v("1.0rc1").any_prerelease());
        assert!(v("1.0.dev1").any_prerelease());
        assert!(!v("1.0.post1").any_prerelease());
    }
}
