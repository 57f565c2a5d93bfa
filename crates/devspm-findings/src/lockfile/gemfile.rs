//! `Gemfile.lock`: the gems of the `specs:` lists of its `GEM` and `GIT` sections.
//!
//! A spec is a line indented by exactly four spaces, `name (version)`; deeper lines are its
//! dependencies. A platform suffix (`nokogiri (1.15.4-x86_64-linux)`) is dropped: RubyGems
//! writes a version's own `-` as `.pre.`, so the first `-` starts the platform. `PATH` sections
//! (local gems, usually the project itself), `PLATFORMS`, `DEPENDENCIES`, `CHECKSUMS` and the
//! rest are ignored.

use super::LockedPackage;

pub(super) fn parse(text: &str) -> Vec<LockedPackage> {
    let mut out = Vec::new();
    let mut in_source = false;
    let mut in_specs = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            in_source = line == "GEM" || line == "GIT";
            in_specs = false;
            continue;
        }
        if !in_source {
            continue;
        }
        if let Some(field) = line.strip_prefix("  ").filter(|l| !l.starts_with(' ')) {
            in_specs = field == "specs:";
            continue;
        }
        if !in_specs {
            continue;
        }
        let Some(spec) = line.strip_prefix("    ").filter(|l| !l.starts_with(' ')) else {
            continue;
        };
        let Some((name, version)) = spec.split_once(" (") else {
            continue;
        };
        let version = version.strip_suffix(')').unwrap_or(version);
        let version = version.split('-').next().unwrap_or("").trim();
        let name = name.trim();
        if !name.is_empty() && !version.is_empty() {
            out.push(LockedPackage::new(name, version));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gem_and_git_specs() {
        let text = "GIT\n  remote: https://github.com/x/y.git\n  revision: abc\n  specs:\n    \
                    y (0.1.0)\n      rack (>= 2)\n\nPATH\n  remote: .\n  specs:\n    myapp (1.0.0)\n\n\
                    GEM\n  remote: https://rubygems.org/\n  specs:\n    nokogiri (1.15.4-x86_64-linux)\n      \
                    racc (~> 1.4)\n    rack (3.0.8)\n    rails (7.1.0.rc1)\n\nPLATFORMS\n  x86_64-linux\n\n\
                    DEPENDENCIES\n  rails (= 7.1.0.rc1)\n\nCHECKSUMS\n  rack (3.0.8) sha256=abc\n\n\
                    BUNDLED WITH\n   2.5.3\n";
        let mut got = parse(text);
        got.sort();
        assert_eq!(
            got,
            vec![
                LockedPackage::new("nokogiri", "1.15.4"),
                LockedPackage::new("rack", "3.0.8"),
                LockedPackage::new("rails", "7.1.0.rc1"),
                LockedPackage::new("y", "0.1.0"),
            ]
        );
    }
}
