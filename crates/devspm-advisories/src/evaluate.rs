//! Whether a package version is affected: OSV range evaluation and RustSec requirements.
//!
//! OSV (schema "Evaluation" section): a version is affected when it is listed in `versions`
//! or lies in one of the `ranges`. A range's events are sorted by version (`introduced: "0"`
//! first; the order they are written in is not trusted: PyPA writes `5.0, 5.0.8, 4.2,
//! 4.2.15`), then walked: at or past an `introduced`, affected; at or past a `fixed`, not
//! (`fixed` is exclusive); past a `last_affected`, not (inclusive). A range with `limit`
//! events applies only below one of them (`"*"`: no bound). `SEMVER` ranges use SemVer
//! precedence; `ECOSYSTEM` ranges the ecosystem's ordering ([`Scheme::for_ecosystem`]);
//! `GIT` ranges need the repository's commit graph and are left to the `versions` list the
//! spec requires beside them.
//!
//! When an event's version does not read under the range's ordering (data errors happen),
//! the whole range is read under the loose ordering instead, so that one odd string neither
//! drops the range nor mixes orderings; a range that does not read even so is dropped and
//! counted ([`Compiled::unreadable_ranges`]). A package version that does not read under a
//! range's ordering is not in that range (it may still be listed in `versions`).
//!
//! RustSec native advisories: affected = satisfies none of `patched` and none of
//! `unaffected` (see [`crate::version::semver::Requirement`]). A requirement that does not
//! read is ignored (the loader has already warned), which errs towards reporting.

use std::cmp::Ordering;
use std::sync::OnceLock;

use crate::model::{Affected, Event, RangeKind};
use crate::version::semver::Requirement;
use crate::version::{self, Scheme, Version};

/// An [`Affected`] prepared for repeated evaluation: versions parsed once.
#[derive(Clone, Debug)]
pub struct Compiled {
    scheme: Scheme,
    ranges: Vec<CompiledRange>,
    /// The `versions` list parsed under the ecosystem's ordering and sorted, on first use
    /// (PyPA lists hundreds per advisory; most are never asked about).
    listed: OnceLock<Vec<Version>>,
    requirements: Option<(Vec<Requirement>, Vec<Requirement>)>,
    /// Ranges dropped because their versions did not read under any ordering.
    pub unreadable_ranges: usize,
}

#[derive(Clone, Debug)]
struct CompiledRange {
    scheme: Scheme,
    /// Sorted; `None` is `introduced: "0"`.
    events: Vec<(Kind, Option<Version>)>,
    /// `None` is `"*"`. Empty: no limit events (an implicit `"*"`).
    limits: Vec<Option<Version>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Introduced,
    Fixed,
    LastAffected,
}

/// A package version parsed lazily under each scheme it is compared in.
pub(crate) struct Candidate<'a> {
    text: &'a str,
    parsed: [Option<Option<Version>>; 4],
}

impl<'a> Candidate<'a> {
    pub(crate) fn new(text: &'a str) -> Candidate<'a> {
        Candidate {
            text,
            parsed: [None, None, None, None],
        }
    }

    fn get(&mut self, scheme: Scheme) -> Option<&Version> {
        let text = self.text;
        self.parsed[scheme.index()]
            .get_or_insert_with(|| scheme.parse(text))
            .as_ref()
    }
}

/// A range's timeline (`None` is `introduced: "0"`) and its limits (`None` is `"*"`).
type Parsed = (Vec<(Kind, Option<Version>)>, Vec<Option<Version>>);

/// The events of a range parsed under `scheme`, or `None` when one does not read.
fn parse_events(scheme: Scheme, events: &[Event]) -> Option<Parsed> {
    let mut timeline = Vec::with_capacity(events.len());
    let mut limits = Vec::new();
    for event in events {
        match event {
            Event::Introduced(v) if v.trim() == "0" => timeline.push((Kind::Introduced, None)),
            Event::Introduced(v) => timeline.push((Kind::Introduced, Some(scheme.parse(v)?))),
            Event::Fixed(v) => timeline.push((Kind::Fixed, Some(scheme.parse(v)?))),
            Event::LastAffected(v) => timeline.push((Kind::LastAffected, Some(scheme.parse(v)?))),
            Event::Limit(v) if v.contains('*') => limits.push(None),
            Event::Limit(v) => limits.push(Some(scheme.parse(v)?)),
        }
    }
    // Stable: events at the same version keep their written order.
    timeline.sort_by(|a, b| match (&a.1, &b.1) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
    });
    Some((timeline, limits))
}

impl Compiled {
    /// Prepares `affected` for evaluation.
    pub fn new(affected: &Affected) -> Compiled {
        let scheme = Scheme::for_ecosystem(&affected.ecosystem);
        let mut ranges = Vec::with_capacity(affected.ranges.len());
        let mut unreadable_ranges = 0;
        for range in &affected.ranges {
            let range_scheme = match range.kind {
                RangeKind::Semver => Scheme::Semver,
                RangeKind::Ecosystem => scheme,
                RangeKind::Git => continue,
            };
            let parsed = parse_events(range_scheme, &range.events)
                .map(|p| (range_scheme, p))
                .or_else(|| parse_events(Scheme::Loose, &range.events).map(|p| (Scheme::Loose, p)));
            match parsed {
                Some((scheme, (events, limits))) => ranges.push(CompiledRange {
                    scheme,
                    events,
                    limits,
                }),
                None => unreadable_ranges += 1,
            }
        }
        let requirements = affected.requirements.as_ref().map(|r| {
            let read = |list: &[String]| -> Vec<Requirement> {
                list.iter().filter_map(|s| Requirement::parse(s)).collect()
            };
            (read(&r.patched), read(&r.unaffected))
        });
        Compiled {
            scheme,
            ranges,
            listed: OnceLock::new(),
            requirements,
            unreadable_ranges,
        }
    }

    /// Whether `version` is affected, given the `affected` this was compiled from.
    pub fn contains(&self, affected: &Affected, version: &str) -> bool {
        self.contains_candidate(affected, &mut Candidate::new(version))
    }

    pub(crate) fn contains_candidate(&self, affected: &Affected, v: &mut Candidate) -> bool {
        if self.in_versions(affected, v) {
            return true;
        }
        if let Some((patched, unaffected)) = &self.requirements
            && let Some(Version::Semver(parsed)) = v.get(Scheme::Semver)
            && !patched.iter().any(|r| r.matches(parsed))
            && !unaffected.iter().any(|r| r.matches(parsed))
        {
            return true;
        }
        self.ranges.iter().any(|range| match v.get(range.scheme) {
            Some(parsed) => range.contains(parsed),
            None => false,
        })
    }

    fn in_versions(&self, affected: &Affected, v: &mut Candidate) -> bool {
        if affected.versions.is_empty() {
            return false;
        }
        let scheme = self.scheme;
        let Some(parsed) = v.get(scheme) else {
            // Not a version of the ordering: only the very same text is listed.
            let text = v.text.trim();
            return affected.versions.iter().any(|listed| listed.trim() == text);
        };
        let listed = self.listed.get_or_init(|| {
            let mut listed: Vec<Version> = affected
                .versions
                .iter()
                .filter_map(|l| scheme.parse(l))
                .collect();
            listed.sort_by(|a, b| a.partial_cmp(b).unwrap_or(Ordering::Equal));
            listed
        });
        listed
            .binary_search_by(|l| l.partial_cmp(parsed).unwrap_or(Ordering::Less))
            .is_ok()
    }
}

impl CompiledRange {
    fn contains(&self, v: &Version) -> bool {
        let before_limits = self.limits.is_empty()
            || self.limits.iter().any(|limit| match limit {
                None => true,
                Some(limit) => v.partial_cmp(limit) == Some(Ordering::Less),
            });
        if !before_limits {
            return false;
        }
        let mut affected = false;
        for (kind, at) in &self.events {
            let ord = match at {
                None => Ordering::Greater,
                Some(at) => match v.partial_cmp(at) {
                    Some(ord) => ord,
                    None => continue,
                },
            };
            match kind {
                Kind::Introduced if ord != Ordering::Less => affected = true,
                Kind::Fixed if ord != Ordering::Less => affected = false,
                Kind::LastAffected if ord == Ordering::Greater => affected = false,
                _ => {}
            }
        }
        affected
    }
}

/// Whether `version` of the package `affected` describes is affected (compiles `affected`
/// each call: use [`Compiled`] or the index to evaluate many versions).
pub fn is_affected(affected: &Affected, version: &str) -> bool {
    Compiled::new(affected).contains(affected, version)
}

/// Whether `a` and `b` are the same version under `ecosystem`'s ordering (`1.0` = `1.0.0` in
/// PyPI, `v1.2.3` = `1.2.3` in Go); versions that do not read compare as trimmed text.
pub fn same_version(ecosystem: &str, a: &str, b: &str) -> bool {
    if a.trim() == b.trim() {
        return true;
    }
    let scheme = Scheme::for_ecosystem(ecosystem);
    match (scheme.parse(a), scheme.parse(b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y) == Some(Ordering::Equal),
        _ => version::strip_decoration(a) == version::strip_decoration(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Range, Requirements};

    fn affected(ecosystem: &str, ranges: Vec<Range>, versions: &[&str]) -> Affected {
        Affected {
            ecosystem: ecosystem.into(),
            name: "pkg".into(),
            ranges,
            versions: versions.iter().map(|s| s.to_string()).collect(),
            requirements: None,
            fixed: Vec::new(),
            functions: Vec::new(),
        }
    }

    fn range(kind: RangeKind, events: &[(&str, &str)]) -> Range {
        Range {
            kind,
            repo: None,
            events: events
                .iter()
                .map(|(k, v)| {
                    let v = v.to_string();
                    match *k {
                        "introduced" => Event::Introduced(v),
                        "fixed" => Event::Fixed(v),
                        "last_affected" => Event::LastAffected(v),
                        "limit" => Event::Limit(v),
                        other => panic!("{other}"),
                    }
                })
                .collect(),
        }
    }

    fn check(a: &Affected, yes: &[&str], no: &[&str]) {
        let compiled = Compiled::new(a);
        for v in yes {
            assert!(compiled.contains(a, v), "{v} should be affected");
        }
        for v in no {
            assert!(!compiled.contains(a, v), "{v} should not be affected");
        }
    }

    #[test]
    fn introduced_zero_and_fixed_exclusive() {
        let a = affected(
            "crates.io",
            vec![range(
                RangeKind::Semver,
                &[("introduced", "0"), ("fixed", "1.0.2")],
            )],
            &[],
        );
        check(
            &a,
            &["0.0.1", "1.0.1", "1.0.2-rc.1", "0.0.0-0"],
            &["1.0.2", "1.0.3", "2.0.0"],
        );
    }

    #[test]
    fn several_intervals_in_any_written_order() {
        // PyPA writes events per branch, not sorted.
        let a = affected(
            "PyPI",
            vec![range(
                RangeKind::Ecosystem,
                &[
                    ("introduced", "5.0"),
                    ("fixed", "5.0.8"),
                    ("introduced", "4.2"),
                    ("fixed", "4.2.15"),
                ],
            )],
            &[],
        );
        check(
            &a,
            &["4.2", "4.2.0", "4.2.14", "5.0", "5.0.7", "5.0.8rc1"],
            &["4.1.9", "4.2.15", "4.2.16", "4.3", "5.0.8", "5.1", "3.2"],
        );
    }

    #[test]
    fn last_affected_is_inclusive() {
        let a = affected(
            "PyPI",
            vec![range(
                RangeKind::Ecosystem,
                &[("introduced", "0"), ("last_affected", "2.1.214")],
            )],
            &[],
        );
        check(
            &a,
            &["2.1.214", "1.0", "2.1.214.dev1"],
            &["2.1.215", "2.1.214.post1"],
        );
    }

    #[test]
    fn limits_bound_the_range() {
        let a = affected(
            "npm",
            vec![range(
                RangeKind::Semver,
                &[("introduced", "1.0.0"), ("limit", "1.5.0")],
            )],
            &[],
        );
        check(&a, &["1.0.0", "1.4.9"], &["1.5.0", "2.0.0", "0.9.0"]);
        let star = affected(
            "npm",
            vec![range(
                RangeKind::Semver,
                &[("introduced", "1.0.0"), ("limit", "*")],
            )],
            &[],
        );
        check(&star, &["1.0.0", "9.0.0"], &["0.9.0"]);
    }

    #[test]
    fn explicit_versions_and_git_ranges() {
        let a = affected(
            "PyPI",
            vec![range(
                RangeKind::Git,
                &[("introduced", "abc123"), ("fixed", "def456")],
            )],
            &["1.0", "1.1"],
        );
        check(&a, &["1.0", "1.0.0", "1.1"], &["1.2", "0.9"]);
    }

    #[test]
    fn go_versions_against_semver_ranges() {
        let a = affected(
            "Go",
            vec![range(
                RangeKind::Semver,
                &[("introduced", "0"), ("fixed", "0.17.0")],
            )],
            &[],
        );
        check(
            &a,
            &[
                "v0.16.0",
                "v0.0.0-20220315160706-3147a52a75dd",
                "v0.17.0-rc.1",
            ],
            &["v0.17.0", "v1.0.0+incompatible"],
        );
    }

    #[test]
    fn rubygems_prereleases() {
        let a = affected(
            "RubyGems",
            vec![range(
                RangeKind::Ecosystem,
                &[("introduced", "0"), ("fixed", "6.1.7.1")],
            )],
            &[],
        );
        check(
            &a,
            &["6.1.7", "6.1.7.1.rc1", "5.2.8.1"],
            &["6.1.7.1", "7.0.0", "6.1.7.2"],
        );
    }

    #[test]
    fn unreadable_events_fall_back_to_the_loose_ordering() {
        let a = affected(
            "PyPI",
            vec![range(
                RangeKind::Ecosystem,
                &[("introduced", "0"), ("fixed", "2.0-final.x1")],
            )],
            &[],
        );
        let compiled = Compiled::new(&a);
        assert_eq!(compiled.unreadable_ranges, 0);
        assert!(compiled.contains(&a, "1.0"));
        assert!(!compiled.contains(&a, "3.0"));
        let bad = affected(
            "PyPI",
            vec![range(RangeKind::Ecosystem, &[("introduced", "???")])],
            &[],
        );
        assert_eq!(Compiled::new(&bad).unreadable_ranges, 1);
    }

    #[test]
    fn rustsec_requirements() {
        let mut a = affected("crates.io", vec![], &[]);
        a.requirements = Some(Requirements {
            patched: vec![">= 0.12.3, < 0.13.0".into(), ">= 0.13.1".into()],
            unaffected: vec!["< 0.12".into()],
        });
        check(
            &a,
            &["0.12.0", "0.12.2", "0.13.0"],
            &["0.11.9", "0.12.3", "0.13.1", "1.0.0", "0.1.0"],
        );
        // No patched version: every version is affected.
        a.requirements = Some(Requirements::default());
        check(&a, &["0.1.0", "99.0.0"], &["not-a-version"]);
    }

    #[test]
    fn same_versions() {
        assert!(same_version("PyPI", "1.0", "1.0.0"));
        assert!(same_version("crates.io", "1.0.0+x", "1.0.0"));
        assert!(same_version("Go", "v1.2.3", "1.2.3"));
        assert!(!same_version("npm", "1.0.0", "1.0.1"));
        assert!(same_version("Packagist", "dev-main", "dev-main"));
    }
}
