//! cargo-audit JSON reports (`cargo audit --json`): `vulnerabilities.list[]` and the
//! informational `warnings.<kind>[]` (unmaintained, unsound, notice, yanked), each naming a
//! RustSec advisory and the crate it affects.
//!
//! Mapping (dependency findings, ecosystem `crates.io`): rule = `advisory.id`; identifiers =
//! it and `advisory.aliases`; severity = the CVSS score of `advisory.cvss` (v3 or v4; unknown
//! when the advisory has none), `info` for informational warnings; message =
//! `advisory.title` (prefixed `[unsound]` etc. for warnings); fixes = `versions.patched`
//! (semver requirements such as `>=1.11.1`). cargo-audit does not name the lockfile it read,
//! so there is no location. Yanked crates carry no advisory and are not findings.

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess};

use super::common;
use super::stream::{Abort, ArrayField, Ctx, Each, EachMember, Fields, List, Obj, Object, Text};
use crate::{FindingKind, Package, RawFinding, Severity};

#[derive(Deserialize, Default)]
#[serde(default)]
struct EntryIn {
    advisory: Obj<AdvisoryIn>,
    versions: Obj<VersionsIn>,
    package: Obj<PackageIn>,
}

/// A RustSec advisory as cargo-audit and cargo-deny write it.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AdvisoryIn {
    id: Text,
    title: Text,
    description: Text,
    aliases: List<Text>,
    cvss: Text,
    /// The crate the advisory is about.
    pub(super) package: Text,
    /// `unmaintained`, `unsound`, `notice` for informational advisories.
    pub(super) informational: Text,
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
                let list = ArrayField::new("list", || {
                    Each::new(|ctx: &mut Ctx<'_>, e: EntryIn| convert(ctx, e, None))
                });
                map.next_value_seed(Object::strict(ctx, list))?;
            }
            "warnings" => {
                let kinds = EachMember::elements(|ctx: &mut Ctx<'_>, kind: &str, e: EntryIn| {
                    convert(ctx, e, Some(kind))
                });
                map.next_value_seed(Object::strict(ctx, kinds))?;
            }
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
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
    let package = entry.package.0.unwrap_or_default();
    let fixed = entry
        .versions
        .get()
        .map(|v| v.patched.iter().filter_map(Text::owned).collect())
        .unwrap_or_default();
    let krate = Krate {
        name: package.name.owned(),
        version: package.version.owned(),
        fixed,
    };
    emit_advisory(ctx, "cargo-audit", advisory, krate, warning)
}

/// The crate a RustSec advisory was found in, and the versions that fix it.
pub(super) struct Krate {
    pub(super) name: Option<String>,
    pub(super) version: Option<String>,
    pub(super) fixed: Vec<String>,
}

/// Emits the dependency finding of a RustSec advisory reported by `tool` (cargo-audit,
/// cargo-deny) against a crate; `informational` is the advisory's informational kind
/// (`unsound` …) or the warning it was listed under, `None` for a vulnerability.
pub(super) fn emit_advisory(
    ctx: &mut Ctx<'_>,
    tool: &str,
    advisory: AdvisoryIn,
    krate: Krate,
    informational: Option<&str>,
) -> Result<(), Abort> {
    let id = advisory.id.owned();
    let rule = id.clone().unwrap_or_else(|| {
        common::unknown_rule(
            ctx,
            ".advisory.id",
            "the advisory has no id; its rule is recorded as `unknown`",
        )
    });
    let identifiers = common::advisory_ids(
        std::iter::once(id.as_deref()).chain(advisory.aliases.iter().map(Text::get)),
    );
    let severity = match informational {
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
    let message = match informational {
        Some(kind) => format!("[{kind}] {title}"),
        None => title,
    };
    ctx.emit(RawFinding {
        message,
        identifiers,
        package: Some(Package {
            ecosystem: "crates.io".to_string(),
            name: krate.name.or(advisory.package.owned()).unwrap_or_default(),
            version: krate.version.unwrap_or_default(),
            manifest: None,
            fixed: krate.fixed,
        }),
        origin: ctx.path(),
        ..common::finding(tool, rule, FindingKind::Dependency, severity)
    })
}
