//! CycloneDX 1.4–1.6 JSON BOMs with a `vulnerabilities` section (VDR/VEX, as written by
//! OSV-Scanner, Trivy, Grype, cdxgen/depscan, Dependency-Track …).
//!
//! One finding per vulnerability and affected component: `vulnerabilities[].affects[].ref`
//! points at a `components[].bom-ref` (nested components included, and `metadata.component`),
//! whose `purl` gives the ecosystem, name and version (a ref that is itself a purl is matched
//! on the components' purls, with or without the version). Components are read in the first
//! pass — they may follow the vulnerabilities — and kept (bom-ref, purl, name, version), so
//! memory grows with the number of components, not with the file.
//!
//! Mapping: rule = `id`; identifiers = `id`, `references[].id`, `cwes` (`CWE-n`); severity =
//! the highest of `ratings[]` (`severity`, else `score`, else `vector`); message = the first
//! line of `description`, else of `detail`; location and manifest = the component's
//! `evidence.occurrences[0].location` when given. Vulnerabilities whose `analysis.state` says
//! they do not apply (`not_affected`, `false_positive`, `resolved`) are not findings. Tool from
//! `metadata.tools` (else `cyclonedx`).

use std::collections::HashMap;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess};
use serde_json::Value;

use super::common::{self, Purl};
use super::stream::{Abort, Array, Ctx, Each, List, Obj, Text, stream_array_field};
use super::uri;
use crate::{FindingKind, Location, Package, RawFinding, Severity};

/// What the first pass learned: the tool, the spec version and the components.
#[derive(Debug, Default)]
pub(crate) struct Meta {
    pub(crate) spec_version: Option<String>,
    pub(crate) tool: Option<String>,
    tool_version: Option<String>,
    components: Vec<Component>,
    by_ref: HashMap<String, usize>,
    by_purl: HashMap<String, usize>,
    by_package: HashMap<String, Vec<usize>>,
}

#[derive(Debug)]
struct Component {
    name: String,
    version: Option<String>,
    purl: Option<Purl>,
    location: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ComponentIn {
    #[serde(rename = "bom-ref")]
    bom_ref: Text,
    group: Text,
    name: Text,
    version: Text,
    purl: Text,
    components: List<Obj<ComponentIn>>,
    evidence: Obj<EvidenceIn>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EvidenceIn {
    occurrences: List<Obj<OccurrenceIn>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OccurrenceIn {
    location: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MetadataIn {
    tools: Value,
    component: Obj<ComponentIn>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct VulnerabilityIn {
    id: Text,
    references: List<Obj<ReferenceIn>>,
    ratings: List<Obj<RatingIn>>,
    cwes: List<Value>,
    description: Text,
    detail: Text,
    affects: List<Obj<AffectsIn>>,
    analysis: Obj<AnalysisIn>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReferenceIn {
    id: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RatingIn {
    score: Value,
    severity: Text,
    vector: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AffectsIn {
    #[serde(rename = "ref")]
    reference: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AnalysisIn {
    state: Text,
}

/// A purl without version, qualifiers or subpath: `type/namespace/name`.
fn package_key(p: &Purl) -> String {
    format!(
        "{}/{}/{}",
        p.ty,
        p.namespace.as_deref().unwrap_or(""),
        p.name
    )
}

/// A purl without qualifiers or subpath: `type/namespace/name@version`.
fn purl_key(p: &Purl) -> String {
    format!("{}@{}", package_key(p), p.version.as_deref().unwrap_or(""))
}

impl Meta {
    fn add(&mut self, c: ComponentIn) {
        let purl = c.purl.get().and_then(common::parse_purl);
        let name = match (c.group.get(), c.name.get()) {
            (Some(g), Some(n)) if !n.contains('/') && !n.contains(':') => format!("{g}/{n}"),
            (_, Some(n)) => n.to_string(),
            (Some(g), None) => g.to_string(),
            (None, None) => String::new(),
        };
        let location = c
            .evidence
            .get()
            .and_then(|e| {
                e.occurrences
                    .iter()
                    .filter_map(Obj::get)
                    .find_map(|o| o.location.get())
            })
            .map(uri::normalize_path);
        let index = self.components.len();
        if let Some(r) = c.bom_ref.owned() {
            self.by_ref.entry(r).or_insert(index);
        }
        if let Some(p) = &purl {
            self.by_purl.entry(purl_key(p)).or_insert(index);
            self.by_package
                .entry(package_key(p))
                .or_default()
                .push(index);
        }
        self.components.push(Component {
            name,
            version: c.version.owned(),
            purl,
            location,
        });
        for child in c.components.0 {
            if let Some(child) = child.0 {
                self.add(child);
            }
        }
    }

    /// The component a `ref` points at, or why none.
    fn resolve(&self, reference: &str) -> Result<&Component, &'static str> {
        let by_ref = |r: &str| self.by_ref.get(r).map(|&i| &self.components[i]);
        if let Some(c) = by_ref(reference) {
            return Ok(c);
        }
        if let Some((_, local)) = reference.split_once('#')
            && let Some(c) = by_ref(local)
        {
            return Ok(c);
        }
        let Some(purl) = purl_of(reference) else {
            return Err("no component has this bom-ref");
        };
        if purl.version.is_some()
            && let Some(&i) = self.by_purl.get(&purl_key(&purl))
        {
            return Ok(&self.components[i]);
        }
        match self.by_package.get(&package_key(&purl)).map(Vec::as_slice) {
            Some([i]) => Ok(&self.components[*i]),
            Some([_, _, ..]) => Err("several versions of this package are components"),
            _ => Err("no component has this bom-ref or purl"),
        }
    }
}

/// The purl a reference names: the reference itself, or the fragment of a BOM-Link
/// (`urn:cdx:<serial>/<version>#pkg:rpm/centos/bash@4.2`).
fn purl_of(reference: &str) -> Option<Purl> {
    common::parse_purl(reference).or_else(|| {
        let (_, fragment) = reference.rsplit_once('#')?;
        common::parse_purl(&uri::percent_decode(fragment).unwrap_or_else(|_| fragment.into()))
    })
}

/// The first tool of `metadata.tools`: a list of tools (CycloneDX 1.4) or
/// `{"components": [...]}` (1.5 and later).
fn first_tool(tools: &Value) -> Option<(String, Option<String>)> {
    let first = match tools {
        Value::Array(list) => list.first(),
        Value::Object(o) => o
            .get("components")
            .and_then(Value::as_array)
            .and_then(|l| l.first()),
        _ => None,
    }?;
    let name = first.get("name")?.as_str()?.trim();
    if name.is_empty() {
        return None;
    }
    let version = first
        .get("version")
        .and_then(Value::as_str)
        .map(str::to_string);
    Some((common::tool_name(name), version))
}

/// Reads `components` and `metadata` in the first pass.
pub(super) fn survey_field<'de, A: MapAccess<'de>>(
    meta: &mut Meta,
    ctx: &mut Ctx<'_>,
    key: &str,
    map: &mut A,
) -> Result<bool, A::Error> {
    match key {
        "components" => {
            map.next_value_seed(Array::lenient(
                ctx,
                Each::new(|_: &mut Ctx<'_>, c: Obj<ComponentIn>| {
                    if let Some(c) = c.0 {
                        meta.add(c);
                    }
                    Ok(())
                }),
            ))?;
        }
        "metadata" => {
            let m = map.next_value::<Obj<MetadataIn>>()?.0.unwrap_or_default();
            if let Some((tool, version)) = first_tool(&m.tools) {
                meta.tool = Some(tool);
                meta.tool_version = version;
            }
            if let Some(root) = m.component.0 {
                meta.add(root);
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Streams the vulnerabilities of a CycloneDX BOM.
pub(super) fn stream<'de, D: Deserializer<'de>>(
    d: D,
    ctx: &mut Ctx<'_>,
    meta: &Meta,
) -> Result<(), D::Error> {
    if let Some(v) = meta.spec_version.as_deref()
        && !matches!(v, "1.4" | "1.5" | "1.6")
    {
        ctx.warn(
            "$.specVersion".to_string(),
            format!(
                "CycloneDX {v}: devspm reads the vulnerabilities of CycloneDX 1.4–1.6; this \
                 BOM is read the same way"
            ),
        );
    }
    stream_array_field(d, ctx, "vulnerabilities", || {
        Each::new(|ctx: &mut Ctx<'_>, v: VulnerabilityIn| convert(ctx, meta, v))
    })
}

fn rating_severity(r: &RatingIn) -> Option<Severity> {
    r.severity
        .get()
        .and_then(common::severity_word)
        .filter(|s| *s != Severity::Unknown)
        .or_else(|| common::severity_from_value(&r.score))
        .or_else(|| r.vector.get().and_then(common::severity_score))
}

fn convert(ctx: &mut Ctx<'_>, meta: &Meta, v: VulnerabilityIn) -> Result<(), Abort> {
    if let Some(state) = v.analysis.get().and_then(|a| a.state.get())
        && matches!(
            state,
            "not_affected" | "false_positive" | "resolved" | "resolved_with_pedigree"
        )
    {
        ctx.skip(
            "their `analysis.state` says they do not apply (not_affected, false_positive, \
             resolved)",
            ctx.path(),
        );
        return Ok(());
    }
    let id = v.id.owned();
    let rule = id.clone().unwrap_or_else(|| {
        common::unknown_rule(
            ctx,
            ".id",
            "the vulnerability has no id; its rule is recorded as `unknown`",
        )
    });
    let mut identifiers = common::advisory_ids(
        std::iter::once(id.as_deref()).chain(v.references.iter().map(|r| r.get()?.id.get())),
    );
    identifiers.extend(v.cwes.iter().filter_map(common::cwe_id));
    let severity = v
        .ratings
        .iter()
        .filter_map(|r| r.get().and_then(rating_severity))
        .max()
        .unwrap_or(Severity::Unknown);
    let message = v
        .description
        .get()
        .or(v.detail.get())
        .map(|d| common::short(d, 200))
        .unwrap_or_default();
    let tool = meta.tool.as_deref().unwrap_or("cyclonedx");
    let finding =
        |package: Option<Package>, location: Option<Location>, origin: String| RawFinding {
            tool_version: meta.tool_version.clone(),
            message: message.clone(),
            identifiers: identifiers.clone(),
            location,
            package,
            origin,
            ..common::finding(tool, rule.clone(), FindingKind::Dependency, severity)
        };

    let refs: Vec<(usize, &str)> = v
        .affects
        .iter()
        .enumerate()
        .filter_map(|(j, a)| Some((j, a.get()?.reference.get()?)))
        .collect();
    if refs.is_empty() {
        ctx.warn(
            ctx.path_with(".affects"),
            "the vulnerability names no affected component; it is imported without a package",
        );
        let origin = ctx.path();
        return ctx.emit(finding(None, None, origin));
    }
    for (j, reference) in refs {
        let origin = ctx.path_with(&format!(".affects[{j}]"));
        let package = match meta.resolve(reference) {
            Ok(c) => {
                let (ecosystem, name) = match &c.purl {
                    Some(p) => (p.ecosystem(), p.osv_name()),
                    None => (String::new(), c.name.clone()),
                };
                Some((
                    Package {
                        ecosystem,
                        name,
                        version: common::package_version(c.version.clone(), c.purl.as_ref()),
                        manifest: c.location.clone(),
                        fixed: Vec::new(),
                    },
                    c.location.clone(),
                ))
            }
            Err(why) => {
                ctx.warn(
                    format!("{origin}.ref"),
                    format!(
                        "`{reference}`: {why}; the finding's package is taken from the \
                         reference itself"
                    ),
                );
                purl_of(reference).map(|p| {
                    (
                        Package {
                            ecosystem: p.ecosystem(),
                            name: p.osv_name(),
                            version: p.version.clone().unwrap_or_default(),
                            manifest: None,
                            fixed: Vec::new(),
                        },
                        None,
                    )
                })
            }
        };
        let (package, location) = match package {
            Some((p, loc)) => (Some(p), loc),
            None => (None, None),
        };
        ctx.emit(finding(
            package,
            location.map(common::file_location),
            origin,
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testing::import_str;
    use crate::{FindingKind, Severity};

    #[test]
    fn vulnerabilities_resolve_components_listed_after_them() {
        let bom = r#"{
          "bomFormat": "CycloneDX", "specVersion": "1.5",
          "metadata": {"tools": {"components": [{"type": "application", "name": "Grype",
                                                 "version": "0.74.0"}]}},
          "vulnerabilities": [
            {"id": "CVE-2023-26964", "references": [{"id": "GHSA-f8vr-r385-rh5r"}],
             "ratings": [{"score": 7.5, "severity": "high", "method": "CVSSv31"}],
             "cwes": [770], "description": "Resource exhaustion in h2",
             "affects": [{"ref": "h2-ref"}, {"ref": "pkg:npm/%40babel/core"}]},
            {"id": "GHSA-9f46-5r25-5wfm",
             "ratings": [{"method": "CVSSv3", "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
             "affects": [{"ref": "pkg:composer/league/flysystem"}]},
            {"id": "CVE-2020-0001", "analysis": {"state": "not_affected"},
             "affects": [{"ref": "h2-ref"}]}
          ],
          "components": [
            {"bom-ref": "h2-ref", "type": "library", "name": "h2", "version": "0.3.16",
             "purl": "pkg:cargo/h2@0.3.16",
             "evidence": {"occurrences": [{"location": "./Cargo.lock"}]}},
            {"bom-ref": "outer", "name": "outer", "components": [
              {"bom-ref": "pkg:composer/league/flysystem@1.0.8", "name": "league/flysystem",
               "version": "1.0.8", "purl": "pkg:composer/league/flysystem@1.0.8"}]}
          ]
        }"#;
        let (findings, summary) = import_str(bom);
        assert_eq!(findings.len(), 3);
        let f = &findings[0];
        assert_eq!(f.tool, "grype");
        assert_eq!(f.kind, FindingKind::Dependency);
        assert_eq!(f.severity, Severity::High);
        assert_eq!(
            f.identifiers,
            ["CVE-2023-26964", "CWE-770", "GHSA-f8vr-r385-rh5r"]
        );
        let p = f.package.as_ref().unwrap();
        assert_eq!(
            (p.ecosystem.as_str(), p.name.as_str(), p.version.as_str()),
            ("crates.io", "h2", "0.3.16")
        );
        assert_eq!(f.location.as_ref().unwrap().path, "Cargo.lock");
        assert_eq!(f.origin, "$.vulnerabilities[0].affects[0]");
        let unresolved = &findings[1];
        assert_eq!(unresolved.package.as_ref().unwrap().name, "@babel/core");
        let g = &findings[2];
        assert_eq!(g.severity, Severity::Critical);
        let p = g.package.as_ref().unwrap();
        assert_eq!(
            (p.ecosystem.as_str(), p.name.as_str(), p.version.as_str()),
            ("Packagist", "league/flysystem", "1.0.8")
        );
        assert_eq!(summary.warnings.len(), 2, "{:?}", summary.warnings);
    }
}
