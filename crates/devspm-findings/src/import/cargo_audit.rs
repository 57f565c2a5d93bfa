//! cargo-audit JSON reports (`cargo audit --json`): `vulnerabilities.list[]` and the
//! informational `warnings.<kind>[]` (unmaintained, unsound, notice, yanked), each naming a
//! RustSec advisory and the crate it affects.
//!
//! Mapping (dependency findings, ecosystem `crates.io`): rule = `advisory.id`; identifiers =
//! it and `advisory.aliases`; severity = the CVSS v3 score of `advisory.cvss` (unknown when
//! the advisory has none or a CVSS v4 vector), `info` for informational warnings; message =
//! `advisory.title` (prefixed `[unsound]` etc. for warnings); fixes = `versions.patched`
//! (semver requirements such as `>=1.11.1`). cargo-audit does not name the lockfile it read,
//! so there is no location. Yanked crates carry no advisory and are not findings.

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess};

use super::common::{self, advisory_id};
use super::stream::{Abort, Array, Ctx, Each, Fields, List, Obj, Object, Text};
use crate::{FindingKind, Package, RawFinding, Severity};

#[derive(Deserialize, Default)]
#[serde(default)]
struct EntryIn {
    advisory: Obj<AdvisoryIn>,
    versions: Obj<VersionsIn>,
    package: Obj<PackageIn>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AdvisoryIn {
    id: Text,
    title: Text,
    description: Text,
    aliases: List<Text>,
    cvss: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct VersionsIn {
    patched: List<Text>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PackageIn {
    name: Text,
    version: Text,
}

/// Streams the vulnerabilities and warnings of a cargo-audit report.
pub(super) fn stream<'de, D: Deserializer<'de>>(d: D, ctx: &mut Ctx<'_>) -> Result<(), D::Error> {
    serde::de::DeserializeSeed::deserialize(Object::strict(ctx, Top), d)?;
    Ok(())
}

struct Top;

impl<'s> Fields<'s> for Top {
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        ctx: &mut Ctx<'s>,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        match key {
            "vulnerabilities" => {
                map.next_value_seed(Object::strict(ctx, Vulnerabilities))?;
            }
            "warnings" => {
                map.next_value_seed(Object::strict(ctx, Warnings))?;
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct Vulnerabilities;

impl<'s> Fields<'s> for Vulnerabilities {
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        ctx: &mut Ctx<'s>,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        if key == "list" {
            map.next_value_seed(Array::strict(
                ctx,
                Each::new(|ctx: &mut Ctx<'s>, e: EntryIn| convert(ctx, e, None)),
            ))?;
        } else {
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }
}

struct Warnings;

impl<'s> Fields<'s> for Warnings {
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        ctx: &mut Ctx<'s>,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let kind = key.to_string();
        map.next_value_seed(Array::strict(
            ctx,
            Each::new(|ctx: &mut Ctx<'s>, e: EntryIn| convert(ctx, e, Some(&kind))),
        ))?;
        Ok(())
    }
}

fn convert(ctx: &mut Ctx<'_>, entry: EntryIn, warning: Option<&str>) -> Result<(), Abort> {
    let Some(advisory) = entry.advisory.0 else {
        ctx.skip(
            "cargo-audit warnings without an advisory (yanked crates) are not findings",
            ctx.path(),
        );
        return Ok(());
    };
    let id = advisory.id.owned();
    let rule = match id.clone() {
        Some(id) => id,
        None => {
            ctx.warn(
                ctx.path_with(".advisory.id"),
                "the advisory has no id; its rule is recorded as `unknown`",
            );
            "unknown".to_string()
        }
    };
    let mut identifiers: Vec<String> = id.as_deref().and_then(advisory_id).into_iter().collect();
    identifiers.extend(
        advisory
            .aliases
            .iter()
            .filter_map(|a| a.get().and_then(advisory_id)),
    );
    let severity = match warning {
        Some(_) => Severity::Info,
        None => advisory
            .cvss
            .get()
            .and_then(common::severity_score)
            .unwrap_or(Severity::Unknown),
    };
    let title = advisory
        .title
        .owned()
        .or_else(|| advisory.description.get().map(|d| common::short(d, 200)))
        .unwrap_or_default();
    let message = match warning {
        Some(kind) => format!("[{kind}] {title}"),
        None => title,
    };
    let package = entry.package.0.unwrap_or_default();
    ctx.emit(RawFinding {
        tool: "cargo-audit".to_string(),
        tool_version: None,
        rule,
        kind: FindingKind::Dependency,
        severity,
        message,
        identifiers,
        location: None,
        package: Some(Package {
            ecosystem: "crates.io".to_string(),
            name: package.name.owned().unwrap_or_default(),
            version: package.version.owned().unwrap_or_default(),
            manifest: None,
            fixed: entry
                .versions
                .get()
                .map(|v| v.patched.iter().filter_map(Text::owned).collect())
                .unwrap_or_default(),
        }),
        producer_fingerprint: None,
        revision: None,
        origin: ctx.path(),
        snippet: None,
        secret: None,
    })
}
