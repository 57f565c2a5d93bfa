//! OSV records (JSON or YAML) → [`Advisory`].
//!
//! Reads the fields of OSV schema 1.x that matching and reporting need, ignoring the rest, so
//! that additions within 1.x (new fields, new reference types) are harmless. A record with a
//! `schema_version` of 2 or more is skipped: its ranges might not mean what 1.x says.
//! Severity comes from the first readable CVSS vector (v3 preferred, the version databases
//! and tools still rank by, then v4, then v2) at the record level, else in `affected[].severity`, else in RustSec's
//! `affected[].database_specific.cvss`; else from GHSA's `database_specific.severity` word;
//! else from RustSec's informational kind.

use serde::Deserialize;
use serde_json::Value;

use devspm_findings::lockfile::normalize_name;

use super::{FileOutcome, MAX_REFERENCES, Problem, first_line, one_line};
use crate::model::{
    Advisory, AdvisorySource, Affected, Cvss, Event, Informational, Range, RangeKind, Severity,
    SourceFormat,
};

#[derive(Deserialize)]
struct RawOsv {
    #[serde(default)]
    schema_version: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    modified: Option<String>,
    #[serde(default)]
    published: Option<String>,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    aliases: Option<Vec<String>>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    details: Option<String>,
    #[serde(default)]
    severity: Option<Vec<RawSeverity>>,
    #[serde(default)]
    affected: Option<Vec<RawAffected>>,
    #[serde(default)]
    references: Option<Vec<RawReference>>,
    #[serde(default)]
    database_specific: Option<Value>,
}

#[derive(Deserialize)]
struct RawSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct RawAffected {
    #[serde(default)]
    package: Option<RawPackage>,
    #[serde(default)]
    severity: Option<Vec<RawSeverity>>,
    #[serde(default)]
    ranges: Option<Vec<RawRange>>,
    #[serde(default)]
    versions: Option<Vec<String>>,
    #[serde(default)]
    ecosystem_specific: Option<Value>,
    #[serde(default)]
    database_specific: Option<Value>,
}

#[derive(Deserialize)]
struct RawPackage {
    #[serde(default)]
    ecosystem: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    repo: Option<String>,
    #[serde(default)]
    events: Vec<RawEvent>,
}

#[derive(Deserialize)]
struct RawEvent {
    #[serde(default)]
    introduced: Option<String>,
    #[serde(default)]
    fixed: Option<String>,
    #[serde(default)]
    last_affected: Option<String>,
    #[serde(default)]
    limit: Option<String>,
}

#[derive(Deserialize)]
struct RawReference {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    url: Option<String>,
}

/// Parses one OSV record (`format` is [`SourceFormat::OsvJson`] or
/// [`SourceFormat::OsvYaml`]; `file` names it in the advisory's source).
pub fn parse_osv(file: &str, format: SourceFormat, bytes: &[u8]) -> FileOutcome {
    let raw: RawOsv = match format {
        SourceFormat::OsvYaml => match serde_saphyr::from_slice(bytes) {
            Ok(raw) => raw,
            Err(e) => {
                let line = e.location().map(|l| l.line() as usize).filter(|&l| l > 0);
                return FileOutcome::Skipped(Problem::new(
                    line,
                    format!("invalid YAML: {}", first_line(&e.to_string())),
                ));
            }
        },
        _ => match serde_json::from_slice(bytes) {
            Ok(raw) => raw,
            Err(e) => {
                let line = (e.line() > 0).then_some(e.line());
                return FileOutcome::Skipped(Problem::new(line, format!("invalid JSON: {e}")));
            }
        },
    };
    convert(file, format, raw)
}

fn convert(file: &str, format: SourceFormat, raw: RawOsv) -> FileOutcome {
    let mut problems = Vec::new();
    let Some(id) = raw.id.filter(|id| !id.trim().is_empty()) else {
        return FileOutcome::Skipped(Problem::new(None, "not an OSV advisory: no `id`"));
    };
    if let Some(version) = &raw.schema_version {
        let major = version
            .split('.')
            .next()
            .and_then(|m| m.parse::<u32>().ok());
        match major {
            Some(0 | 1) => {}
            Some(_) => {
                return FileOutcome::Skipped(Problem::new(
                    None,
                    format!(
                        "{id}: OSV schema_version {version} is newer than the 1.x this version reads"
                    ),
                ));
            }
            None => problems.push(Problem::new(
                None,
                format!("{id}: unreadable schema_version {version:?}, read as 1.x"),
            )),
        }
    }

    let mut affected = Vec::new();
    let mut informational = None;
    let mut cvss_found: Option<(Cvss, Severity)> = None;
    let mut try_cvss = |entries: &[RawSeverity], problems: &mut Vec<Problem>| {
        if cvss_found.is_none() {
            cvss_found = pick_cvss(&id, entries, problems);
        }
    };
    try_cvss(raw.severity.as_deref().unwrap_or_default(), &mut problems);
    let mut fallback_cvss = Vec::new();
    for raw_affected in raw.affected.unwrap_or_default() {
        if let Some(entries) = &raw_affected.severity {
            try_cvss(entries, &mut problems);
        }
        let db = raw_affected.database_specific.as_ref();
        if let Some(kind) = db
            .and_then(|d| d.get("informational"))
            .and_then(Value::as_str)
        {
            informational.get_or_insert_with(|| Informational::parse(kind));
        }
        if let Some(vector) = db.and_then(|d| d.get("cvss")).and_then(Value::as_str) {
            fallback_cvss.push(RawSeverity {
                kind: "database_specific".into(),
                score: vector.to_string(),
            });
        }
        if let Some(a) = convert_affected(&id, raw_affected, &mut problems) {
            affected.push(a);
        }
    }
    if cvss_found.is_none() && !fallback_cvss.is_empty() {
        cvss_found = pick_cvss(&id, &fallback_cvss, &mut problems);
    }
    let word_severity = raw
        .database_specific
        .as_ref()
        .and_then(|d| d.get("severity"))
        .and_then(Value::as_str)
        .and_then(severity_from_word);
    let (cvss, severity) = match cvss_found {
        Some((cvss, severity)) => (Some(cvss), severity),
        None => (
            None,
            word_severity.unwrap_or_else(|| informational_severity(informational.as_ref())),
        ),
    };

    let summary = raw
        .summary
        .as_deref()
        .and_then(one_line)
        .or_else(|| raw.details.as_deref().and_then(one_line));
    let references = pick_references(raw.references.unwrap_or_default());
    let aliases = raw
        .aliases
        .unwrap_or_default()
        .into_iter()
        .filter(|a| !a.trim().is_empty() && *a != id)
        .collect();
    let advisory = Advisory {
        id,
        aliases,
        summary,
        severity,
        cvss,
        informational,
        published: raw.published,
        modified: raw.modified,
        withdrawn: raw.withdrawn,
        affected,
        references,
        source: AdvisorySource {
            format,
            file: file.to_string(),
        },
    };
    FileOutcome::Advisory(Box::new(advisory), problems)
}

/// The severity of an advisory with no CVSS or rating: from its informational kind.
pub(crate) fn informational_severity(kind: Option<&Informational>) -> Severity {
    match kind {
        Some(Informational::Unsound) => Severity::Low,
        Some(_) => Severity::Info,
        None => Severity::Unknown,
    }
}

/// The first readable CVSS vector of `entries`, v3 first, then v4, then v2; unreadable CVSS
/// vectors are reported.
fn pick_cvss(
    id: &str,
    entries: &[RawSeverity],
    problems: &mut Vec<Problem>,
) -> Option<(Cvss, Severity)> {
    let rank = |e: &RawSeverity| {
        let score = e.score.trim_start();
        if score.starts_with("CVSS:3") {
            0
        } else if score.starts_with("CVSS:4") {
            1
        } else if e.kind.eq_ignore_ascii_case("CVSS_V2") || score.starts_with("AV:") {
            2
        } else {
            3
        }
    };
    let mut sorted: Vec<&RawSeverity> = entries.iter().filter(|e| rank(e) < 3).collect();
    sorted.sort_by_key(|e| rank(e));
    for entry in sorted {
        match Cvss::assess(&entry.score) {
            Some(found) => return Some(found),
            None => problems.push(Problem::new(
                None,
                format!("{id}: unreadable CVSS vector {:?}", entry.score),
            )),
        }
    }
    None
}

/// The band of a database's own rating word (GHSA's `database_specific.severity`:
/// `CRITICAL`, `HIGH`, `MODERATE`, `LOW`).
fn severity_from_word(word: &str) -> Option<Severity> {
    match word.trim().to_ascii_lowercase().as_str() {
        "critical" => Some(Severity::Critical),
        "high" | "important" => Some(Severity::High),
        "moderate" | "medium" => Some(Severity::Medium),
        "low" | "negligible" => Some(Severity::Low),
        _ => None,
    }
}

fn pick_references(raw: Vec<RawReference>) -> Vec<String> {
    let mut refs: Vec<(bool, String)> = raw
        .into_iter()
        .filter_map(|r| {
            let url = r.url?.trim().to_string();
            let advisory = r
                .kind
                .as_deref()
                .is_some_and(|k| k.eq_ignore_ascii_case("ADVISORY"));
            (!url.is_empty()).then_some((!advisory, url))
        })
        .collect();
    refs.sort_by_key(|(not_advisory, _)| *not_advisory); // stable: advisories first
    let mut out: Vec<String> = Vec::new();
    for (_, url) in refs {
        if !out.contains(&url) {
            out.push(url);
        }
        if out.len() == MAX_REFERENCES {
            break;
        }
    }
    out
}

fn convert_affected(id: &str, raw: RawAffected, problems: &mut Vec<Problem>) -> Option<Affected> {
    let (ecosystem, name) = match raw.package {
        Some(RawPackage {
            ecosystem: Some(ecosystem),
            name: Some(name),
        }) if !ecosystem.trim().is_empty() && !name.trim().is_empty() => (ecosystem, name),
        _ => {
            problems.push(Problem::new(
                None,
                format!("{id}: an `affected` entry without package ecosystem and name, dropped"),
            ));
            return None;
        }
    };
    let ecosystem = ecosystem.trim().to_string();
    let mut ranges = Vec::new();
    let mut fixed = Vec::new();
    for raw_range in raw.ranges.unwrap_or_default() {
        let kind = match raw_range.kind.trim().to_ascii_uppercase().as_str() {
            "SEMVER" => RangeKind::Semver,
            "ECOSYSTEM" => RangeKind::Ecosystem,
            "GIT" => RangeKind::Git,
            other => {
                problems.push(Problem::new(
                    None,
                    format!("{id}: unknown range type {other:?} for {name}, range dropped"),
                ));
                continue;
            }
        };
        let mut events = Vec::with_capacity(raw_range.events.len());
        for e in raw_range.events {
            let mut found = [
                e.introduced.map(Event::Introduced),
                e.fixed.map(Event::Fixed),
                e.last_affected.map(Event::LastAffected),
                e.limit.map(Event::Limit),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>();
            match found.len() {
                1 => events.extend(found.pop()),
                0 => problems.push(Problem::new(
                    None,
                    format!("{id}: a range event of {name} with no known kind, dropped"),
                )),
                _ => {
                    problems.push(Problem::new(
                        None,
                        format!(
                            "{id}: a range event of {name} with several kinds (the schema allows one), all kept"
                        ),
                    ));
                    events.extend(found);
                }
            }
        }
        if kind != RangeKind::Git {
            for event in &events {
                if let Event::Fixed(v) = event
                    && !fixed.contains(v)
                {
                    fixed.push(v.clone());
                }
            }
        }
        if !events.iter().any(|e| matches!(e, Event::Introduced(_))) {
            problems.push(Problem::new(
                None,
                format!("{id}: a range of {name} without an `introduced` event (matches nothing)"),
            ));
        }
        ranges.push(Range {
            kind,
            repo: raw_range.repo,
            events,
        });
    }
    let functions = raw
        .ecosystem_specific
        .as_ref()
        .and_then(|e| e.pointer("/affects/functions"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Some(Affected {
        name: normalize_name(&ecosystem, &name),
        ecosystem,
        ranges,
        versions: raw.versions.unwrap_or_default(),
        requirements: None,
        fixed,
        functions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advisory(outcome: FileOutcome) -> (Advisory, Vec<Problem>) {
        match outcome {
            FileOutcome::Advisory(a, p) => (*a, p),
            FileOutcome::Skipped(p) => panic!("skipped: {p:?}"),
        }
    }

    fn skipped(outcome: FileOutcome) -> Problem {
        match outcome {
            FileOutcome::Skipped(p) => p,
            FileOutcome::Advisory(a, _) => panic!("kept {}", a.id),
        }
    }

    #[test]
    fn yaml_scalars_stay_text() {
        // Unquoted `1.10` must stay "1.10", not become the float 1.1.
        let yaml = b"id: PYSEC-0000-1\nmodified: 2024-08-07T17:22:10.804411Z\naffected:\n- package:\n    ecosystem: PyPI\n    name: Some_Package\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: \"0\"\n    - fixed: 1.10\n  versions:\n  - 1.0\n  - 1.9\n  - 1\n";
        let (a, problems) = advisory(parse_osv("x.yaml", SourceFormat::OsvYaml, yaml));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(a.modified.as_deref(), Some("2024-08-07T17:22:10.804411Z"));
        assert_eq!(a.affected[0].name, "some-package");
        assert_eq!(a.affected[0].fixed, vec!["1.10"]);
        assert_eq!(a.affected[0].versions, vec!["1.0", "1.9", "1"]);
    }

    #[test]
    fn malformed_records_name_their_line() {
        let p = skipped(parse_osv(
            "bad.json",
            SourceFormat::OsvJson,
            b"{\n\"id\": \"X-1\",\n\"affected\": [\n}",
        ));
        assert_eq!(p.line, Some(4));
        assert!(p.message.starts_with("invalid JSON"), "{}", p.message);
        let p = skipped(parse_osv(
            "bad.yaml",
            SourceFormat::OsvYaml,
            b"id: X-1\naffected:\n- package: [\n",
        ));
        assert!(p.line.is_some(), "{p:?}");
        assert!(p.message.starts_with("invalid YAML"), "{}", p.message);
        assert!(!p.message.contains('\n'));
        let p = skipped(parse_osv(
            "wrong.yaml",
            SourceFormat::OsvYaml,
            b"id: X-1\naffected: 5\n",
        ));
        assert_eq!(p.line, Some(2), "{p:?}");
        let p = skipped(parse_osv(
            "noid.json",
            SourceFormat::OsvJson,
            b"{\"name\": \"a package.json\"}",
        ));
        assert!(p.message.contains("no `id`"));
    }

    #[test]
    fn future_schemas_are_skipped_and_unknown_parts_dropped() {
        let p = skipped(parse_osv(
            "f.json",
            SourceFormat::OsvJson,
            br#"{"schema_version": "2.0.0", "id": "X-2", "affected": []}"#,
        ));
        assert!(p.message.contains("schema_version 2.0.0"), "{}", p.message);
        let (a, problems) = advisory(parse_osv(
            "f.json",
            SourceFormat::OsvJson,
            br#"{"schema_version": "1.7.0", "id": "X-3", "new_field": {"x": 1},
                "affected": [{"package": {"ecosystem": "npm", "name": "a"},
                  "ranges": [{"type": "CALVER", "events": [{"introduced": "0"}]},
                             {"type": "SEMVER", "events": [{"introduced": "0"}, {"patched": "1.0.0"}, {"fixed": "2.0.0"}]}]}]}"#,
        ));
        assert_eq!(a.affected[0].ranges.len(), 1);
        assert_eq!(a.affected[0].ranges[0].events.len(), 2);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].message.contains("CALVER"));
    }

    #[test]
    fn severity_sources() {
        let (a, _) = advisory(parse_osv(
            "s.json",
            SourceFormat::OsvJson,
            br#"{"id": "GHSA-x", "database_specific": {"severity": "MODERATE"}, "affected": []}"#,
        ));
        assert_eq!(a.severity, Severity::Medium);
        assert_eq!(a.cvss, None);
        let (a, _) = advisory(parse_osv(
            "s.json",
            SourceFormat::OsvJson,
            br#"{"id": "R-1", "severity": [
                {"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N"},
                {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
              "affected": []}"#,
        ));
        assert_eq!(a.severity, Severity::Critical);
        assert_eq!(a.cvss.and_then(|c| c.score), Some(9.8));
        let (a, _) = advisory(parse_osv(
            "s.json",
            SourceFormat::OsvJson,
            br#"{"id": "R-2", "affected": [{"package": {"ecosystem": "crates.io", "name": "x"},
                "database_specific": {"informational": "unsound", "cvss": null}}]}"#,
        ));
        assert_eq!(a.severity, Severity::Low);
        assert_eq!(a.informational, Some(Informational::Unsound));
    }
}
