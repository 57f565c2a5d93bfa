//! Grype JSON output (`grype <source> -o json`): `matches[]`, each a vulnerability
//! (`vulnerability`, plus `relatedVulnerabilities`) found in a package (`artifact`).
//!
//! Mapping (all dependency findings): rule = `vulnerability.id`; identifiers = it and the
//! related ids; severity = `vulnerability.severity` (`Negligible` → info), else the highest
//! CVSS base score; message = the first line of the description (the vulnerability's, else a
//! related one's); package = ecosystem and name from `artifact.purl` (else `artifact.type` and
//! `name`), `artifact.version`, fixes from `vulnerability.fix.versions`; location and manifest
//! = `artifact.locations[0].path`. For a directory scan Grype writes paths from the scanned
//! directory's root (`/Cargo.lock`), so they are joined to `source.target` (`.` →
//! `Cargo.lock`). Tool version from `descriptor.version`. `descriptor` and `source` are read in
//! the first pass, so their position in the document does not matter.

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess};
use serde_json::Value;

use super::common;
use super::stream::{Abort, Ctx, Each, List, Obj, Text, stream_array_field};
use super::uri;
use crate::{FindingKind, Package, RawFinding, Severity};

/// What the first pass learned: the tool version and the scanned directory.
#[derive(Debug, Default)]
pub(crate) struct Meta {
    version: Option<String>,
    directory: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DescriptorIn {
    version: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SourceIn {
    #[serde(rename = "type")]
    ty: Text,
    target: Text,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct MatchIn {
    vulnerability: Obj<VulnerabilityIn>,
    related_vulnerabilities: List<Obj<VulnerabilityIn>>,
    artifact: Obj<ArtifactIn>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct VulnerabilityIn {
    id: Text,
    severity: Text,
    description: Text,
    cvss: List<Obj<CvssIn>>,
    fix: Obj<FixIn>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CvssIn {
    vector: Text,
    metrics: Obj<MetricsIn>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct MetricsIn {
    base_score: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FixIn {
    versions: List<Text>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ArtifactIn {
    name: Text,
    version: Text,
    #[serde(rename = "type")]
    ty: Text,
    purl: Text,
    locations: List<Obj<ArtifactLocationIn>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ArtifactLocationIn {
    path: Text,
}

/// Reads `descriptor` and `source` in the first pass.
pub(super) fn survey_field<'de, A: MapAccess<'de>>(
    meta: &mut Meta,
    _ctx: &mut Ctx<'_>,
    key: &str,
    map: &mut A,
) -> Result<bool, A::Error> {
    match key {
        "descriptor" => {
            meta.version = map
                .next_value::<Obj<DescriptorIn>>()?
                .0
                .and_then(|d| d.version.owned())
                .filter(|v| v != "[not provided]");
        }
        "source" => {
            let source = map.next_value::<Obj<SourceIn>>()?.0.unwrap_or_default();
            if source.ty.get() == Some("directory") {
                meta.directory = source.target.owned();
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Streams the matches of a Grype report.
pub(super) fn stream<'de, D: Deserializer<'de>>(
    d: D,
    ctx: &mut Ctx<'_>,
    meta: &Meta,
) -> Result<(), D::Error> {
    stream_array_field(d, ctx, "matches", || {
        Each::new(|ctx: &mut Ctx<'_>, m: MatchIn| convert(ctx, meta, m))
    })
}

fn cvss_severity(v: &VulnerabilityIn) -> Option<Severity> {
    v.cvss
        .iter()
        .filter_map(|c| {
            let c = c.get()?;
            c.metrics
                .get()
                .and_then(|m| common::severity_from_value(&m.base_score))
                .or_else(|| c.vector.get().and_then(common::severity_score))
        })
        .max()
}

fn convert(ctx: &mut Ctx<'_>, meta: &Meta, m: MatchIn) -> Result<(), Abort> {
    let vulnerability = m.vulnerability.0.unwrap_or_default();
    let related: Vec<&VulnerabilityIn> = m
        .related_vulnerabilities
        .iter()
        .filter_map(Obj::get)
        .collect();
    let id = vulnerability.id.owned();
    let rule = id.clone().unwrap_or_else(|| {
        common::unknown_rule(
            ctx,
            ".vulnerability.id",
            "the match names no vulnerability; its rule is recorded as `unknown`",
        )
    });
    let identifiers = common::advisory_ids(
        std::iter::once(id.as_deref()).chain(related.iter().map(|r| r.id.get())),
    );

    let named = vulnerability
        .severity
        .get()
        .and_then(common::severity_word)
        .filter(|s| *s != Severity::Unknown);
    let severity = named
        .or_else(|| {
            std::iter::once(&vulnerability)
                .chain(related.iter().copied())
                .map(cvss_severity)
                .fold(None, common::max_severity)
        })
        .unwrap_or(Severity::Unknown);
    let message = vulnerability
        .description
        .get()
        .or_else(|| related.iter().find_map(|r| r.description.get()))
        .map(|d| common::short(d, 200))
        .unwrap_or_default();

    let artifact = m.artifact.0.unwrap_or_default();
    let purl = artifact.purl.get().and_then(common::parse_purl);
    let ecosystem = common::package_ecosystem(
        purl.as_ref(),
        artifact.ty.get(),
        common::grype_type_ecosystem,
    );
    let name = purl
        .as_ref()
        .map(|p| p.osv_name())
        .or(artifact.name.owned())
        .unwrap_or_default();
    let path = artifact
        .locations
        .iter()
        .filter_map(Obj::get)
        .find_map(|l| l.path.get())
        .map(|p| match &meta.directory {
            Some(dir) if p.starts_with('/') => {
                uri::normalize_path(&format!("{}/{}", dir.trim_end_matches('/'), &p[1..]))
            }
            _ => uri::normalize_path(p),
        });
    ctx.emit(RawFinding {
        tool_version: meta.version.clone(),
        message,
        identifiers,
        location: path.clone().map(common::file_location),
        package: Some(Package {
            ecosystem,
            name,
            version: common::package_version(artifact.version.owned(), purl.as_ref()),
            manifest: path,
            fixed: vulnerability
                .fix
                .get()
                .map(|f| f.versions.iter().filter_map(Text::owned).collect())
                .unwrap_or_default(),
        }),
        origin: ctx.path(),
        ..common::finding("grype", rule, FindingKind::Dependency, severity)
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::import_str;
    use crate::{FindingKind, Severity};

    #[test]
    fn matches_become_dependency_findings() {
        let report = r#"{"matches": [
          {"vulnerability": {"id": "GHSA-f8vr-r385-rh5r", "severity": "High",
                             "description": "Resource exhaustion vulnerability in h2",
                             "fix": {"versions": ["0.3.17"], "state": "fixed"}},
           "relatedVulnerabilities": [{"id": "CVE-2023-26964", "severity": "High"}],
           "artifact": {"name": "h2", "version": "0.3.16", "type": "rust-crate",
                        "locations": [{"path": "/Cargo.lock"}], "purl": "pkg:cargo/h2@0.3.16"}},
          {"vulnerability": {"id": "CVE-1999-0001", "severity": "Unknown",
                             "cvss": [{"vector": "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:H",
                                       "metrics": {"baseScore": 8.2}}]},
           "artifact": {"name": "libx", "version": "1.0", "type": "python", "locations": []}}
        ], "source": {"type": "directory", "target": "."},
           "descriptor": {"name": "grype", "version": "0.74.0"}}"#;
        let (findings, _) = import_str(report);
        let f = &findings[0];
        assert_eq!(f.kind, FindingKind::Dependency);
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.identifiers, ["CVE-2023-26964", "GHSA-f8vr-r385-rh5r"]);
        assert_eq!(f.tool_version.as_deref(), Some("0.74.0"));
        let p = f.package.as_ref().unwrap();
        assert_eq!(
            (p.ecosystem.as_str(), p.name.as_str(), p.version.as_str()),
            ("crates.io", "h2", "0.3.16")
        );
        assert_eq!(p.fixed, ["0.3.17"]);
        assert_eq!(p.manifest.as_deref(), Some("Cargo.lock"));
        let g = &findings[1];
        assert_eq!(g.severity, Severity::High);
        assert_eq!(g.package.as_ref().unwrap().ecosystem, "PyPI");
        assert!(g.location.is_none());
        assert_eq!(g.origin, "$.matches[1]");
    }
}
