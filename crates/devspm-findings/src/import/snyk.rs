//! Snyk Open Source and Snyk Container JSON (`snyk test --json`, `snyk container test
//! --json`): a project's `vulnerabilities[]`, or (`--all-projects`) an array of projects. Snyk
//! Code writes SARIF (`snyk code test --json`), which the SARIF importer reads.
//!
//! Mapping (dependency findings): rule = `id` (`SNYK-JAVA-…`); identifiers = it and the
//! CVE, CWE and GHSA ids of the `identifiers` lists; severity = `severity` (else the CVSS score);
//! message = `title`; package = `packageName` (else `name`) at `version`, ecosystem from
//! `packageManager` (`maven` → Maven, `pip` → PyPI, `debian:11` → Debian:11 …); fixes =
//! `fixedIn`, else `nearestFixedInVersion`; manifest and location = the project's
//! `displayTargetFile` (else `targetFile`), read in the first pass since Snyk writes it after
//! the vulnerabilities. Snyk lists a vulnerability once per dependency path (`from`): it is
//! imported once per package version, the repeats counted in one warning. Licence issues
//! (`type: license`) are not findings. Snyk Container's `applications` (the application
//! projects found in the image) are read the same way, without a manifest.

use std::collections::HashSet;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::common;
use super::stream::{Abort, Array, Ctx, Fields, List, Obj, Object, ObjectEach, Text, next_each};
use super::uri;
use crate::{FindingKind, Package, RawFinding, Severity};

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct VulnerabilityIn {
    id: Text,
    #[serde(rename = "type")]
    ty: Text,
    title: Text,
    severity: Text,
    cvss_score: Value,
    #[serde(rename = "CVSSv3")]
    cvss_v3: Text,
    identifiers: Obj<std::collections::BTreeMap<String, List<Text>>>,
    package_manager: Text,
    package_name: Text,
    name: Text,
    version: Text,
    fixed_in: List<Text>,
    nearest_fixed_in_version: Text,
}

/// Streams the vulnerabilities of a Snyk report; `targets` are the manifests the first pass
/// found, by project index.
pub(super) fn stream<'de, D: Deserializer<'de>>(
    d: D,
    ctx: &mut Ctx<'_>,
    targets: &[(u64, String)],
) -> Result<(), D::Error> {
    d.deserialize_any(Either { ctx, targets })
}

/// The document as one project or as an array of projects.
struct Either<'c, 's, 't> {
    ctx: &'c mut Ctx<'s>,
    targets: &'t [(u64, String)],
}

impl<'de> Visitor<'de> for Either<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a Snyk report")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let project = Project::new(self.targets, 0);
        Object::strict(self.ctx, project)
            .deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let targets = self.targets;
        let projects = ObjectEach::new(|i: usize| Project::new(targets, i as u64));
        Array::strict(self.ctx, projects)
            .deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        Ok(())
    }
}

/// One project: its manifest, and the vulnerabilities already imported.
struct Project {
    target: Option<String>,
    seen: HashSet<(String, String, String)>,
}

impl Project {
    fn new(targets: &[(u64, String)], index: u64) -> Project {
        Project {
            target: targets
                .iter()
                .find(|(i, _)| *i == index)
                .map(|(_, t)| uri::normalize_path(t)),
            seen: HashSet::new(),
        }
    }
}

impl<'s> Fields<'s> for Project {
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        ctx: &mut Ctx<'s>,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        match key {
            "vulnerabilities" => {
                next_each(map, ctx, |ctx, v: VulnerabilityIn| self.convert(ctx, v))
            }
            // Snyk Container: the applications found in the image, each a project of its own
            // (their manifests are paths inside the image, not in the repository).
            "applications" => {
                let apps = ObjectEach::new(|_| Project::new(&[], 0));
                map.next_value_seed(Array::strict(ctx, apps))?;
                Ok(())
            }
            _ => {
                map.next_value::<serde::de::IgnoredAny>()?;
                Ok(())
            }
        }
    }
}

/// The OSV ecosystem of a Snyk `packageManager`.
fn ecosystem(manager: &str) -> String {
    let (manager, release) = match manager.split_once(':') {
        Some((m, r)) => (m, Some(r)),
        None => (manager, None),
    };
    let name = match manager.trim().to_ascii_lowercase().as_str() {
        "maven" | "gradle" | "sbt" => "Maven",
        "npm" | "yarn" | "pnpm" => "npm",
        "pip" | "pipenv" | "poetry" | "uv" => "PyPI",
        "rubygems" => "RubyGems",
        "gomodules" | "golangdep" | "govendor" => "Go",
        "nuget" | "paket" => "NuGet",
        "composer" => "Packagist",
        "cocoapods" => "CocoaPods",
        "hex" => "Hex",
        "swift" => "SwiftURL",
        "cargo" => "crates.io",
        "pub" => "Pub",
        "sles" => "SUSE",
        "rhel" => "Red Hat",
        other => return common::osv_ecosystem(&with_release(other, release)),
    };
    with_release(name, release)
}

fn with_release(name: &str, release: Option<&str>) -> String {
    match release {
        Some(r) if !r.is_empty() => format!("{}:{r}", common::osv_ecosystem(name)),
        _ => common::osv_ecosystem(name),
    }
}

impl Project {
    fn convert(&mut self, ctx: &mut Ctx<'_>, v: VulnerabilityIn) -> Result<(), Abort> {
        if v.ty.get() == Some("license") {
            ctx.skip(
                "Snyk licence issues are not findings",
                ctx.path_with(".type"),
            );
            return Ok(());
        }
        let id = v.id.owned();
        let name = v
            .package_name
            .owned()
            .or(v.name.owned())
            .unwrap_or_default();
        let version = v.version.owned().unwrap_or_default();
        let key = (
            id.clone().unwrap_or_default(),
            name.clone(),
            version.clone(),
        );
        if !self.seen.insert(key) {
            ctx.skip(
                "Snyk lists a vulnerability once per dependency path (`from`); it is imported \
                 once per package version",
                ctx.path(),
            );
            return Ok(());
        }
        let rule = id.clone().unwrap_or_else(|| {
            common::unknown_rule(
                ctx,
                ".id",
                "the vulnerability has no id; its rule is recorded as `unknown`",
            )
        });
        let mut identifiers = common::advisory_ids([id.as_deref()]);
        if let Some(lists) = v.identifiers.get() {
            // CVE, CWE, GHSA …; not Snyk's bare numbers (`NSP: [1490]`) or vendor notices.
            let known = lists.values().flat_map(List::iter).filter_map(Text::get);
            identifiers.extend(known.filter_map(common::normalize_id));
        }
        let severity = v
            .severity
            .get()
            .and_then(common::severity_word)
            .filter(|s| *s != Severity::Unknown)
            .or_else(|| common::severity_from_value(&v.cvss_score))
            .or_else(|| v.cvss_v3.get().and_then(common::severity_score))
            .unwrap_or(Severity::Unknown);
        let mut fixed: Vec<String> = v.fixed_in.iter().filter_map(Text::owned).collect();
        if fixed.is_empty() {
            fixed.extend(v.nearest_fixed_in_version.owned());
        }
        ctx.emit(RawFinding {
            message: v.title.owned().unwrap_or_default(),
            identifiers,
            location: self.target.clone().map(common::file_location),
            package: Some(Package {
                ecosystem: v.package_manager.get().map(ecosystem).unwrap_or_default(),
                name,
                version,
                manifest: self.target.clone(),
                fixed,
            }),
            origin: ctx.path(),
            ..common::finding("snyk", rule, FindingKind::Dependency, severity)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_managers_are_ecosystems() {
        assert_eq!(ecosystem("maven"), "Maven");
        assert_eq!(ecosystem("pip"), "PyPI");
        assert_eq!(ecosystem("yarn"), "npm");
        assert_eq!(ecosystem("debian:11"), "Debian:11");
        assert_eq!(ecosystem("sles:15.3"), "SUSE:15.3");
        assert_eq!(ecosystem("gomodules"), "Go");
        assert_eq!(ecosystem("linux"), "linux");
    }
}
