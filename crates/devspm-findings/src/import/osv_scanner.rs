//! OSV-Scanner JSON output (`osv-scanner --format json`): `results[]` per scanned source
//! (lockfile, SBOM …), `packages[]` per vulnerable package, each with its OSV records in
//! `vulnerabilities[]` and those records grouped by alias in `groups[]`.
//!
//! One finding per group (one vulnerability known under several ids: GHSA, RUSTSEC, CVE …),
//! or per record when the output has no groups (OSV-Scanner before 1.3). Mapping: rule = the
//! group's native id (RUSTSEC/PYSEC/GO/… before GHSA before CVE); identifiers = the group's ids
//! and aliases; severity = `groups[].max_severity` (a CVSS score), else the records' own
//! (`database_specific.severity`, `severity[].score`); message = the record's `summary`;
//! package = `packages[].package` with the fixed versions from the record's `affected` ranges;
//! manifest and location = `source.path` (no lines). `source` is read in the first pass, so
//! its position in the object does not matter.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess};
use serde_json::{Map, Value};

use super::common::{self, advisory_id};
use super::stream::{
    Abort, Array, ArrayField, Ctx, Each, Fields, List, Obj, ObjectEach, Skip, SkipEach, SurveyEach,
    Text, stream_array_field,
};
use super::uri;
use crate::{FindingKind, Package, RawFinding, Severity};

/// The sources of the results, from the first pass.
#[derive(Debug, Default)]
pub(crate) struct Meta {
    /// Whether `results` is an array (detect-secrets, for one, has an object there).
    pub(crate) results_is_array: bool,
    /// The results that name a source, by index in `results` (ascending). Only those are kept:
    /// another format's `results` (Semgrep's) costs nothing here however long it is.
    sources: Vec<(usize, Source)>,
}

#[derive(Debug, Clone)]
struct Source {
    path: String,
    ty: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SourceIn {
    path: Text,
    #[serde(rename = "type")]
    ty: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PackageIn {
    package: Obj<PackageInfoIn>,
    groups: List<Obj<GroupIn>>,
    vulnerabilities: List<Obj<OsvIn>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PackageInfoIn {
    name: Text,
    version: Text,
    ecosystem: Text,
    commit: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GroupIn {
    ids: List<Text>,
    aliases: List<Text>,
    max_severity: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OsvIn {
    id: Text,
    aliases: List<Text>,
    summary: Text,
    details: Text,
    severity: List<Obj<OsvSeverityIn>>,
    affected: List<Obj<AffectedIn>>,
    database_specific: Obj<Map<String, Value>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OsvSeverityIn {
    score: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AffectedIn {
    package: Obj<PackageInfoIn>,
    ranges: List<Obj<RangeIn>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RangeIn {
    events: List<Obj<EventIn>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EventIn {
    fixed: Text,
}

// First pass ----------------------------------------------------------------------------------

/// Reads the top-level `results` member in the first pass (only each result's `source`).
pub(super) fn survey_field<'de, A: MapAccess<'de>>(
    meta: &mut Meta,
    ctx: &mut Ctx<'_>,
    key: &str,
    map: &mut A,
) -> Result<bool, A::Error> {
    if key != "results" {
        return Ok(false);
    }
    let sources = &mut meta.sources;
    let mut index = 0;
    let survey = SurveyEach::new(|s: SourceSurvey| {
        if let Some(source) = s.source {
            sources.push((index, source));
        }
        index += 1;
    });
    let survey = map.next_value_seed(Array::lenient(ctx, survey))?;
    if survey.saw_array() {
        meta.results_is_array = true;
    }
    Ok(true)
}

#[derive(Default)]
struct SourceSurvey {
    source: Option<Source>,
}

impl<'s> Fields<'s> for SourceSurvey {
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        ctx: &mut Ctx<'s>,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        match key {
            "source" => {
                let source = map.next_value::<Obj<SourceIn>>()?;
                self.source = source.get().and_then(|s| {
                    Some(Source {
                        path: uri::normalize_path(s.path.get()?),
                        ty: s.ty.owned(),
                    })
                });
            }
            "packages" => {
                map.next_value_seed(Array::lenient(ctx, SkipEach))?;
            }
            _ => {
                map.next_value_seed(Skip::new(ctx, 2))?;
            }
        }
        Ok(())
    }
}

// Second pass ---------------------------------------------------------------------------------

/// Streams the vulnerable packages of an OSV-Scanner report.
pub(super) fn stream<'de, D: Deserializer<'de>>(
    d: D,
    ctx: &mut Ctx<'_>,
    meta: &Meta,
) -> Result<(), D::Error> {
    stream_array_field(d, ctx, "results", || {
        ObjectEach::new(|i: usize| {
            let source = meta
                .sources
                .binary_search_by_key(&i, |(index, _)| *index)
                .ok()
                .map(|at| &meta.sources[at].1);
            ArrayField::new("packages", move || {
                Each::new(move |ctx: &mut Ctx<'_>, p: PackageIn| convert(ctx, source, p))
            })
        })
    })
}

/// The id a group is best known by: the ecosystem's own database id (RUSTSEC, PYSEC, GO …)
/// before a GHSA before a CVE.
fn primary_id(ids: &[String]) -> Option<&String> {
    let rank = |id: &String| {
        if id.starts_with("CVE-") {
            2
        } else if id.starts_with("GHSA-") {
            1
        } else {
            0
        }
    };
    ids.iter().min_by_key(|id| rank(id))
}

fn text_ids(list: &List<Text>) -> Vec<String> {
    common::advisory_ids(list.iter().map(Text::get))
}

/// The severity an OSV record gives itself: `database_specific.severity` (GHSA's words) or
/// the highest of its `severity[].score` (CVSS vectors or scores).
fn record_severity(v: &OsvIn) -> Option<Severity> {
    let word = v
        .database_specific
        .get()
        .and_then(|d| d.get("severity"))
        .and_then(Value::as_str)
        .and_then(common::severity_word);
    let scored = v
        .severity
        .iter()
        .filter_map(|s| s.get()?.score.get().and_then(common::severity_score))
        .max();
    common::max_severity(word, scored)
}

/// The versions that fix `name` according to a record's `affected[].ranges[].events`.
fn fixed_versions(v: &OsvIn, name: &str, out: &mut Vec<String>) {
    for affected in v.affected.iter().filter_map(Obj::get) {
        let same = affected
            .package
            .get()
            .and_then(|p| p.name.get())
            .is_none_or(|n| n == name);
        if !same {
            continue;
        }
        for range in affected.ranges.iter().filter_map(Obj::get) {
            for event in range.events.iter().filter_map(Obj::get) {
                if let Some(fixed) = event.fixed.owned()
                    && !out.contains(&fixed)
                {
                    out.push(fixed);
                }
            }
        }
    }
}

/// One vulnerability of a package under all its ids: an OSV-Scanner group, or one record.
struct Group {
    ids: Vec<String>,
    aliases: Vec<String>,
    max_severity: Option<String>,
    /// The JSON path of the group or record, after the package's.
    suffix: String,
}

fn convert(ctx: &mut Ctx<'_>, source: Option<&Source>, p: PackageIn) -> Result<(), Abort> {
    let info = p.package.0.unwrap_or_default();
    let name = info.name.owned().unwrap_or_default();
    let version = info
        .version
        .owned()
        .or(info.commit.owned())
        .unwrap_or_default();
    let ecosystem = common::osv_ecosystem(info.ecosystem.get().unwrap_or(""));
    if name.is_empty() {
        ctx.warn(
            ctx.path_with(".package.name"),
            "the package has no name; its vulnerabilities are imported without one",
        );
    }
    let records: Vec<&OsvIn> = p.vulnerabilities.iter().filter_map(Obj::get).collect();

    let mut groups: Vec<Group> = p
        .groups
        .iter()
        .enumerate()
        .filter_map(|(i, g)| {
            let g = g.get()?;
            Some(Group {
                ids: text_ids(&g.ids),
                aliases: text_ids(&g.aliases),
                max_severity: g.max_severity.owned(),
                suffix: format!(".groups[{i}]"),
            })
        })
        .filter(|g| !g.ids.is_empty())
        .collect();
    if groups.is_empty() {
        groups = records
            .iter()
            .enumerate()
            .filter_map(|(k, v)| {
                let id = v.id.get().and_then(advisory_id)?;
                Some(Group {
                    ids: vec![id],
                    aliases: text_ids(&v.aliases),
                    max_severity: None,
                    suffix: format!(".vulnerabilities[{k}]"),
                })
            })
            .collect();
    }

    let (location, manifest) = match source {
        Some(s) if matches!(s.ty.as_deref(), None | Some("lockfile" | "sbom")) => (
            Some(common::file_location(s.path.clone())),
            Some(s.path.clone()),
        ),
        _ => (None, None),
    };

    for Group {
        ids,
        aliases,
        max_severity,
        suffix,
    } in groups
    {
        let members: Vec<&OsvIn> = records
            .iter()
            .copied()
            .filter(|v| {
                v.id.get()
                    .and_then(advisory_id)
                    .is_some_and(|id| ids.contains(&id))
            })
            .collect();
        let rule = primary_id(&ids).cloned().unwrap_or_default();
        let mut identifiers: BTreeSet<String> = ids.iter().cloned().collect();
        identifiers.extend(aliases);
        for v in &members {
            identifiers.extend(text_ids(&v.aliases));
        }
        let severity = max_severity
            .as_deref()
            .and_then(common::severity_score)
            .or_else(|| {
                members
                    .iter()
                    .map(|v| record_severity(v))
                    .fold(None, common::max_severity)
            })
            .unwrap_or(Severity::Unknown);
        let main = members
            .iter()
            .find(|v| v.id.get().and_then(advisory_id).as_ref() == Some(&rule))
            .or(members.first());
        let message = main
            .and_then(|v| {
                v.summary
                    .owned()
                    .or_else(|| v.details.get().map(|d| common::short(d, 200)))
            })
            .or_else(|| members.iter().find_map(|v| v.summary.owned()))
            .unwrap_or_else(|| format!("{rule} in {name} {version}"));
        let mut fixed = Vec::new();
        for v in &members {
            fixed_versions(v, &name, &mut fixed);
        }
        ctx.emit(RawFinding {
            message,
            identifiers: identifiers.into_iter().collect(),
            location: location.clone(),
            package: Some(Package {
                ecosystem: ecosystem.clone(),
                name: name.clone(),
                version: version.clone(),
                manifest: manifest.clone(),
                fixed,
            }),
            origin: ctx.path_with(&suffix),
            ..common::finding("osv-scanner", rule, FindingKind::Dependency, severity)
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::import_str;
    use crate::{FindingKind, Severity};

    #[test]
    fn groups_become_findings_with_package_and_fixes() {
        let report = r#"{
          "results": [{
            "packages": [{
              "package": {"name": "crossbeam-utils", "version": "0.6.6", "ecosystem": "crates.io"},
              "groups": [{"ids": ["GHSA-qc84-gqf4-9926", "RUSTSEC-2022-0041"],
                          "aliases": ["CVE-2022-23639", "GHSA-qc84-gqf4-9926", "RUSTSEC-2022-0041"],
                          "max_severity": "8.1"}],
              "vulnerabilities": [
                {"id": "GHSA-qc84-gqf4-9926", "aliases": ["CVE-2022-23639"],
                 "summary": "Unsoundness of AtomicCell<*64> arithmetics on 32-bit targets",
                 "affected": [{"package": {"ecosystem": "crates.io", "name": "crossbeam-utils"},
                               "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"},
                                                                        {"fixed": "0.8.7"}]}]}]},
                {"id": "RUSTSEC-2022-0041", "aliases": ["CVE-2022-23639", "GHSA-qc84-gqf4-9926"],
                 "summary": "Unsoundness of AtomicCell<{i,u}64> arithmetics on 32-bit targets",
                 "affected": [{"package": {"ecosystem": "crates.io", "name": "crossbeam-utils"},
                               "ranges": [{"type": "SEMVER", "events": [{"introduced": "0.0.0-0"},
                                                                        {"fixed": "0.8.7"}]}]}]}
              ]
            }],
            "source": {"path": "/home/x/repo/Cargo.lock", "type": "lockfile"}
          }]
        }"#;
        let (findings, summary) = import_str(report);
        assert_eq!(summary.results, 1);
        let f = &findings[0];
        assert_eq!(f.rule, "RUSTSEC-2022-0041");
        assert_eq!(f.kind, FindingKind::Dependency);
        assert_eq!(f.severity, Severity::High);
        assert_eq!(
            f.identifiers,
            ["CVE-2022-23639", "GHSA-qc84-gqf4-9926", "RUSTSEC-2022-0041"]
        );
        let p = f.package.as_ref().unwrap();
        assert_eq!(
            (p.ecosystem.as_str(), p.name.as_str(), p.version.as_str()),
            ("crates.io", "crossbeam-utils", "0.6.6")
        );
        assert_eq!(p.fixed, ["0.8.7"]);
        assert_eq!(p.manifest.as_deref(), Some("/home/x/repo/Cargo.lock"));
        assert_eq!(f.location.as_ref().unwrap().path, "/home/x/repo/Cargo.lock");
        assert_eq!(f.origin, "$.results[0].packages[0].groups[0]");
        assert!(f.message.starts_with("Unsoundness of AtomicCell<{i,u}64>"));
    }

    #[test]
    fn records_without_groups_are_findings_each() {
        let report = r#"{"results": [{"source": {"path": "requirements.txt", "type": "lockfile"},
          "packages": [{"package": {"name": "django", "version": "3.2", "ecosystem": "PyPI"},
            "vulnerabilities": [
              {"id": "PYSEC-2021-98", "details": "\nDjango 3.2 before 3.2.4 has a problem.\nMore.",
               "database_specific": {"severity": "MODERATE"}},
              {"id": "GHSA-xxxx-yyyy-zzzz",
               "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}
            ]}]}]}"#;
        let (findings, _) = import_str(report);
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[0].severity, Severity::Medium);
        assert_eq!(
            findings[0].message,
            "Django 3.2 before 3.2.4 has a problem."
        );
        assert_eq!(
            findings[0].origin,
            "$.results[0].packages[0].vulnerabilities[0]"
        );
        assert_eq!(findings[1].severity, Severity::Critical);
        assert_eq!(findings[1].identifiers, ["GHSA-xxxx-yyyy-zzzz"]);
    }
}
