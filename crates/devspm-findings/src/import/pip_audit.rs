//! pip-audit JSON (`pip-audit -f json`): `dependencies[]`, each a package with the `vulns`
//! found in its version (pip-audit before 2.4 wrote the array alone, without `fixes`).
//!
//! Mapping (dependency findings, ecosystem `PyPI`): one finding per vulnerability; rule = `id`
//! (`PYSEC-…`, `GHSA-…`); identifiers = it and `aliases`; severity `unknown` (pip-audit gives
//! none); message = the first line of `description`, else the id; package = `name` and
//! `version`; fixes = `fix_versions`. pip-audit does not say which requirements file it read,
//! so there is no manifest. Dependencies pip-audit skipped (`skip_reason`: not on PyPI, not
//! pinned …) were not audited; they are counted in one warning.

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer};

use super::common;
use super::stream::{Abort, Array, Ctx, Each, List, Obj, Text, stream_array_field};
use crate::{FindingKind, Package, RawFinding, Severity};

#[derive(Deserialize, Default)]
#[serde(default)]
struct DependencyIn {
    name: Text,
    version: Text,
    vulns: List<Obj<VulnIn>>,
    skip_reason: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct VulnIn {
    id: Text,
    fix_versions: List<Text>,
    aliases: List<Text>,
    description: Text,
}

/// Streams the vulnerabilities of a pip-audit report: an object with `dependencies`, or (before
/// 2.4) the array of dependencies alone.
pub(super) fn stream<'de, D: Deserializer<'de>>(d: D, ctx: &mut Ctx<'_>) -> Result<(), D::Error> {
    d.deserialize_any(Either { ctx })
}

/// The document as an object with `dependencies` or as the bare array.
struct Either<'c, 's> {
    ctx: &'c mut Ctx<'s>,
}

impl<'de> serde::de::Visitor<'de> for Either<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a pip-audit report")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        Array::strict(self.ctx, Each::new(convert))
            .deserialize(serde::de::value::SeqAccessDeserializer::new(seq))?;
        Ok(())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        stream_array_field(
            serde::de::value::MapAccessDeserializer::new(map),
            self.ctx,
            "dependencies",
            || Each::new(convert),
        )
    }
}

fn convert(ctx: &mut Ctx<'_>, dep: DependencyIn) -> Result<(), Abort> {
    if dep.skip_reason.get().is_some() {
        ctx.skip(
            "pip-audit skipped these dependencies (`skip_reason`), so they were not audited",
            ctx.path_with(".skip_reason"),
        );
        return Ok(());
    }
    for (i, vuln) in dep.vulns.iter().enumerate() {
        let Some(vuln) = vuln.get() else { continue };
        let origin = ctx.path_with(&format!(".vulns[{i}]"));
        let id = vuln.id.owned();
        let rule = id.clone().unwrap_or_else(|| {
            ctx.warn(
                format!("{origin}.id"),
                "the vulnerability has no id; its rule is recorded as `unknown`",
            );
            "unknown".to_string()
        });
        let identifiers = common::advisory_ids(
            std::iter::once(id.as_deref()).chain(vuln.aliases.iter().map(Text::get)),
        );
        ctx.emit(RawFinding {
            message: vuln
                .description
                .get()
                .map(|d| common::short(d, 200))
                .unwrap_or_else(|| rule.clone()),
            identifiers,
            package: Some(Package {
                ecosystem: "PyPI".to_string(),
                name: dep.name.owned().unwrap_or_default(),
                version: dep.version.owned().unwrap_or_default(),
                manifest: None,
                fixed: vuln.fix_versions.iter().filter_map(Text::owned).collect(),
            }),
            origin,
            ..common::finding(
                "pip-audit",
                rule,
                FindingKind::Dependency,
                Severity::Unknown,
            )
        })?;
    }
    Ok(())
}
