//! Matching package versions against advisories: the index and its queries.
//!
//! [`AdvisoryIndex`] keys every affected package by (ecosystem, normalised name) and holds
//! its ranges pre-parsed ([`Compiled`]), so that matching a lockfile is a hash lookup per
//! package and a few comparisons per candidate advisory. Withdrawn advisories stay in the
//! index (for lookups by id) but are never candidates. When the same id is added twice (the
//! same database loaded in two formats), the first one added wins and the rest are counted.
//!
//! Results are one [`Match`] per (package, version, advisory), sorted by ecosystem, package,
//! version and advisory id, whatever the input order; a package listed twice with the same
//! version is reported once. Aliases are reported, not merged: a PYSEC and a GHSA for the
//! same CVE are two matches, which the caller may group by alias.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use devspm_findings::lockfile::{self, LockfileError, LockfileKind, normalize_name};

use crate::evaluate::{Candidate, Compiled};
use crate::model::{Advisory, Cvss, Informational, Severity};

/// Advisories ready for matching.
#[derive(Debug)]
pub struct AdvisoryIndex {
    advisories: Vec<Advisory>,
    /// Per advisory, per affected entry.
    compiled: Vec<Vec<Compiled>>,
    /// Lowercased ecosystem → normalised name → (advisory, affected entry).
    by_package: HashMap<String, HashMap<String, Vec<(usize, usize)>>>,
    by_id: HashMap<String, usize>,
    stats: IndexStats,
}

/// What went into an index.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexStats {
    /// Advisories held (withdrawn ones included).
    pub advisories: usize,
    /// Withdrawn advisories (never matched).
    pub withdrawn: usize,
    /// Advisories dropped because one with the same id was added before.
    pub duplicates: usize,
    /// Distinct (ecosystem, package) keys.
    pub packages: usize,
    /// Ranges whose versions read under no ordering (they match nothing).
    pub unreadable_ranges: usize,
}

/// One advisory that affects one package version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// The ecosystem as the caller gave it (`crates.io`, `PyPI`…).
    pub ecosystem: String,
    /// The package name as the caller gave it.
    pub package: String,
    pub version: String,
    pub advisory_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss: Option<Cvss>,
    /// Versions that fix the advisory for this package (from every affected entry naming it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<String>,
    /// Set for informational advisories (unmaintained, unsound, notice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub informational: Option<Informational>,
}

/// A lockfile that could not be matched.
#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error("{0}: not a dependency file devspm reads")]
    UnknownLockfile(String),
    #[error("{path}: {source}")]
    Lockfile {
        path: String,
        #[source]
        source: LockfileError,
    },
}

impl AdvisoryIndex {
    /// Indexes `advisories` (see the module docs for duplicates and withdrawn ones).
    pub fn new(advisories: impl IntoIterator<Item = Advisory>) -> AdvisoryIndex {
        let mut index = AdvisoryIndex {
            advisories: Vec::new(),
            compiled: Vec::new(),
            by_package: HashMap::new(),
            by_id: HashMap::new(),
            stats: IndexStats::default(),
        };
        for advisory in advisories {
            index.add(advisory);
        }
        index.stats.advisories = index.advisories.len();
        index.stats.packages = index.by_package.values().map(HashMap::len).sum();
        index
    }

    fn add(&mut self, advisory: Advisory) {
        if self.by_id.contains_key(&advisory.id) {
            self.stats.duplicates += 1;
            return;
        }
        let slot = self.advisories.len();
        self.by_id.insert(advisory.id.clone(), slot);
        let compiled: Vec<Compiled> = advisory.affected.iter().map(Compiled::new).collect();
        self.stats.unreadable_ranges += compiled.iter().map(|c| c.unreadable_ranges).sum::<usize>();
        if advisory.is_withdrawn() {
            self.stats.withdrawn += 1;
        } else {
            for (i, affected) in advisory.affected.iter().enumerate() {
                let entries = self
                    .by_package
                    .entry(affected.ecosystem.to_ascii_lowercase())
                    .or_default()
                    .entry(normalize_name(&affected.ecosystem, &affected.name))
                    .or_default();
                entries.push((slot, i));
            }
        }
        self.compiled.push(compiled);
        self.advisories.push(advisory);
    }

    /// Every advisory held, in the order added (duplicates dropped).
    pub fn advisories(&self) -> &[Advisory] {
        &self.advisories
    }

    /// The advisory with id `id` (exactly as written).
    pub fn get(&self, id: &str) -> Option<&Advisory> {
        self.by_id.get(id).map(|&i| &self.advisories[i])
    }

    pub fn stats(&self) -> &IndexStats {
        &self.stats
    }

    /// The advisories affecting one package version (withdrawn ones never), each once, in
    /// index order.
    pub fn advisories_for(&self, ecosystem: &str, name: &str, version: &str) -> Vec<&Advisory> {
        let mut out = Vec::new();
        self.visit(ecosystem, name, version, |advisory, _| {
            if !out.iter().any(|a: &&Advisory| a.id == advisory.id) {
                out.push(advisory);
            }
        });
        out
    }

    /// Calls `found` for each (advisory, affected entry index) affecting the version.
    fn visit<'s>(
        &'s self,
        ecosystem: &str,
        name: &str,
        version: &str,
        mut found: impl FnMut(&'s Advisory, usize),
    ) {
        let Some(by_name) = self.by_package.get(&ecosystem.trim().to_ascii_lowercase()) else {
            return;
        };
        let Some(entries) = by_name.get(&normalize_name(ecosystem, name)) else {
            return;
        };
        let mut candidate = Candidate::new(version);
        for &(slot, i) in entries {
            let advisory = &self.advisories[slot];
            if self.compiled[slot][i].contains_candidate(&advisory.affected[i], &mut candidate) {
                found(advisory, i);
            }
        }
    }
}

/// The advisories affecting each `(ecosystem, name, version)` of `packages` (see the module
/// docs for order and duplicates).
pub fn match_packages<E, N, V>(index: &AdvisoryIndex, packages: &[(E, N, V)]) -> Vec<Match>
where
    E: AsRef<str>,
    N: AsRef<str>,
    V: AsRef<str>,
{
    let mut matches = Vec::new();
    let mut seen = HashSet::new();
    for (ecosystem, name, version) in packages {
        let (ecosystem, name, version) = (ecosystem.as_ref(), name.as_ref(), version.as_ref());
        let mut found: Vec<(&Advisory, usize)> = Vec::new();
        index.visit(ecosystem, name, version, |advisory, i| {
            found.push((advisory, i));
        });
        for (position, &(advisory, _)) in found.iter().enumerate() {
            if found[..position].iter().any(|(a, _)| a.id == advisory.id)
                || !seen.insert((
                    ecosystem.trim().to_ascii_lowercase(),
                    normalize_name(ecosystem, name),
                    version.trim(),
                    advisory.id.as_str(),
                ))
            {
                continue;
            }
            let mut fixed: Vec<String> = Vec::new();
            for (a, i) in &found {
                if a.id == advisory.id {
                    for f in &a.affected[*i].fixed {
                        if !fixed.contains(f) {
                            fixed.push(f.clone());
                        }
                    }
                }
            }
            matches.push(Match {
                ecosystem: ecosystem.to_string(),
                package: name.to_string(),
                version: version.to_string(),
                advisory_id: advisory.id.clone(),
                aliases: advisory.aliases.clone(),
                summary: advisory.summary.clone(),
                severity: advisory.severity,
                cvss: advisory.cvss.clone(),
                fixed,
                informational: advisory.informational.clone(),
            });
        }
    }
    matches.sort_by(|a, b| {
        (&a.ecosystem, &a.package, &a.version, &a.advisory_id).cmp(&(
            &b.ecosystem,
            &b.package,
            &b.version,
            &b.advisory_id,
        ))
    });
    matches
}

/// The advisories affecting the packages a dependency file pins: `path` (its repository
/// path; the file name decides the format, as [`LockfileKind::of_path`] says) and `content`.
pub fn match_lockfile(
    index: &AdvisoryIndex,
    path: &str,
    content: &[u8],
) -> Result<Vec<Match>, MatchError> {
    let kind =
        LockfileKind::of_path(path).ok_or_else(|| MatchError::UnknownLockfile(path.to_string()))?;
    let packages = lockfile::parse(kind, content).map_err(|source| MatchError::Lockfile {
        path: path.to_string(),
        source,
    })?;
    let ecosystem = kind.ecosystem();
    let triples: Vec<(&str, &str, &str)> = packages
        .iter()
        .map(|p| (ecosystem, p.name.as_str(), p.version.as_str()))
        .collect();
    Ok(match_packages(index, &triples))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AdvisorySource, Affected, Event, Range, RangeKind, SourceFormat};

    fn advisory(id: &str, ecosystem: &str, name: &str, fixed: &str) -> Advisory {
        Advisory {
            id: id.into(),
            aliases: vec![format!("CVE-{id}")],
            summary: Some(format!("{id} summary")),
            severity: Severity::High,
            cvss: None,
            informational: None,
            published: None,
            modified: None,
            withdrawn: None,
            affected: vec![Affected {
                ecosystem: ecosystem.into(),
                name: normalize_name(ecosystem, name),
                ranges: vec![Range {
                    kind: RangeKind::Ecosystem,
                    repo: None,
                    events: vec![Event::Introduced("0".into()), Event::Fixed(fixed.into())],
                }],
                versions: vec![],
                requirements: None,
                fixed: vec![fixed.into()],
                functions: vec![],
            }],
            references: vec![],
            source: AdvisorySource {
                format: SourceFormat::OsvJson,
                file: format!("{id}.json"),
            },
        }
    }

    #[test]
    fn matches_are_keyed_normalised_deduplicated_and_sorted() {
        let mut withdrawn = advisory("W-1", "PyPI", "django", "9.0");
        withdrawn.withdrawn = Some("2024-01-01".into());
        let index = AdvisoryIndex::new([
            advisory("B-2", "PyPI", "Django", "4.2.15"),
            advisory("A-1", "PyPI", "django", "5.0"),
            advisory("A-1", "PyPI", "django", "1.0"), // duplicate id: dropped
            advisory("C-3", "npm", "Django", "1.0.0"),
            withdrawn,
        ]);
        assert_eq!(index.stats().duplicates, 1);
        assert_eq!(index.stats().withdrawn, 1);
        assert_eq!(index.stats().advisories, 4);
        let got = match_packages(
            &index,
            &[
                ("pypi", "DJANGO", "4.2.14"),
                ("PyPI", "requests", "2.0.0"),
                ("PyPI", "DJANGO", "4.2.14"),
                ("npm", "django", "0.1.0"), // npm names are case-sensitive
            ],
        );
        let ids: Vec<(&str, &str)> = got
            .iter()
            .map(|m| (m.package.as_str(), m.advisory_id.as_str()))
            .collect();
        assert_eq!(ids, vec![("DJANGO", "A-1"), ("DJANGO", "B-2")]);
        assert_eq!(got[1].fixed, vec!["4.2.15"]);
        assert_eq!(got[1].aliases, vec!["CVE-B-2"]);
        assert_eq!(index.advisories_for("PyPI", "django", "4.2.15").len(), 1);
        assert_eq!(index.get("W-1").map(|a| a.is_withdrawn()), Some(true));
        let json = serde_json::to_string(&got[0]).unwrap();
        let back: Match = serde_json::from_str(&json).unwrap();
        assert_eq!(back, got[0]);
    }

    #[test]
    fn lockfiles_are_read_by_name() {
        let index = AdvisoryIndex::new([advisory("R-1", "PyPI", "Jinja2", "2.11.3")]);
        let got = match_lockfile(
            &index,
            "app/requirements.txt",
            b"jinja2==2.10\nflask==1.0\n",
        )
        .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].ecosystem, "PyPI");
        assert!(matches!(
            match_lockfile(&index, "notes.txt", b""),
            Err(MatchError::UnknownLockfile(_))
        ));
        assert!(matches!(
            match_lockfile(&index, "composer.lock", b"{"),
            Err(MatchError::Lockfile { .. })
        ));
    }
}
