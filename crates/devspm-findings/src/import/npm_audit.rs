//! npm audit JSON, report version 2 (`npm audit --json`, npm 7 and later): `vulnerabilities`
//! maps each affected package to its entry; the entry's `via` lists the advisories against
//! the package itself (objects) and the vulnerable packages it depends on (names).
//!
//! Mapping (dependency findings, ecosystem `npm`): one finding per advisory against the
//! package (a `via` object whose `dependency` is the entry's package); rule = the GitHub
//! advisory id at the end of `url` (`GHSA-…`), else `npm-advisory-<source>`; identifiers = it
//! and `cwe`; severity = the advisory's `severity` (`moderate` → medium), else its CVSS score;
//! message = `title`; fixes = the `fixAvailable` version when that names the package itself,
//! else the exclusive upper bounds of the advisory's `range` (`<2.6.9` → `>=2.6.9`).
//! npm audit names neither the installed version nor the lockfile (`nodes` are install paths
//! such as `node_modules/debug`), so the package has no version and no manifest. Entries only
//! affected through a dependency (their `via` holds names only) are not findings: the
//! vulnerable package has its own entry; they are counted in one warning.

use serde::Deserialize;
use serde::de::Deserializer;
use serde_json::Value;

use super::common;
use super::stream::{Abort, Ctx, EachMember, List, Obj, Text, stream_object_field};
use crate::{FindingKind, Package, RawFinding, Severity};

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct EntryIn {
    name: Text,
    via: List<Value>,
    fix_available: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AdvisoryIn {
    source: Text,
    name: Text,
    dependency: Text,
    title: Text,
    url: Text,
    severity: Text,
    cwe: List<Text>,
    cvss: Obj<CvssIn>,
    range: Text,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct CvssIn {
    score: Value,
    vector_string: Text,
}

/// Streams the advisories of an npm audit report.
pub(super) fn stream<'de, D: Deserializer<'de>>(d: D, ctx: &mut Ctx<'_>) -> Result<(), D::Error> {
    stream_object_field(d, ctx, "vulnerabilities", || EachMember::values(convert))
}

fn convert(ctx: &mut Ctx<'_>, key: &str, entry: EntryIn) -> Result<(), Abort> {
    let package = entry.name.owned().unwrap_or_else(|| key.to_string());
    let mut any = false;
    for (i, via) in entry.via.iter().enumerate() {
        let Value::Object(_) = via else { continue };
        let Ok(advisory) = AdvisoryIn::deserialize(via) else {
            continue;
        };
        let target = advisory.dependency.get().or(advisory.name.get());
        if target.is_some_and(|t| t != package) {
            continue;
        }
        any = true;
        emit(ctx, &package, &entry.fix_available, advisory, i)?;
    }
    if !any {
        ctx.skip(
            "npm audit entries affected only through a vulnerable dependency are not findings \
             (that dependency has its own entry)",
            ctx.path_with(".via"),
        );
    }
    Ok(())
}

fn emit(
    ctx: &mut Ctx<'_>,
    package: &str,
    fix_available: &Value,
    advisory: AdvisoryIn,
    index: usize,
) -> Result<(), Abort> {
    let origin = ctx.path_with(&format!(".via[{index}]"));
    let ghsa = advisory
        .url
        .get()
        .and_then(|u| u.trim_end_matches('/').rsplit('/').next())
        .and_then(common::normalize_id);
    let rule = match (&ghsa, advisory.source.get()) {
        (Some(id), _) => id.clone(),
        (None, Some(source)) => format!("npm-advisory-{source}"),
        (None, None) => {
            ctx.warn(
                format!("{origin}.url"),
                "the advisory has no id; its rule is recorded as `unknown`",
            );
            "unknown".to_string()
        }
    };
    let mut identifiers: Vec<String> = ghsa.into_iter().collect();
    identifiers.extend(
        advisory
            .cwe
            .iter()
            .filter_map(|c| c.get().and_then(common::normalize_id)),
    );
    let cvss = advisory.cvss.get();
    let severity = advisory
        .severity
        .get()
        .and_then(common::severity_word)
        .filter(|s| *s != Severity::Unknown)
        .or_else(|| cvss.and_then(|c| common::severity_from_value(&c.score)))
        .or_else(|| cvss.and_then(|c| c.vector_string.get().and_then(common::severity_score)))
        .unwrap_or(Severity::Unknown);
    let fixed = match fix_available {
        Value::Object(fix) if fix.get("name").and_then(Value::as_str) == Some(package) => fix
            .get("version")
            .and_then(Value::as_str)
            .map(|v| vec![v.to_string()])
            .unwrap_or_default(),
        _ => advisory.range.get().map(upper_bounds).unwrap_or_default(),
    };
    ctx.emit(RawFinding {
        message: advisory.title.owned().unwrap_or_default(),
        identifiers,
        package: Some(Package {
            ecosystem: "npm".to_string(),
            name: package.to_string(),
            version: String::new(),
            manifest: None,
            fixed,
        }),
        origin,
        ..common::finding("npm-audit", rule, FindingKind::Dependency, severity)
    })
}

/// The versions that leave a semver range through its exclusive upper bounds: `<2.6.9` →
/// `>=2.6.9`, `>=4.0.0 <4.3.1 || <3.0.2` → `>=4.3.1`, `>=3.0.2`. Bounds that include their
/// version (`<=2.6.8`) give nothing: the next version is not known.
fn upper_bounds(range: &str) -> Vec<String> {
    range
        .split("||")
        .filter_map(|part| {
            part.split_whitespace()
                .find_map(|c| c.strip_prefix('<').filter(|v| !v.starts_with('=')))
                .map(|v| format!(">={}", v.trim()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_give_fixes() {
        assert_eq!(upper_bounds("<2.6.9"), [">=2.6.9"]);
        assert_eq!(
            upper_bounds(">=4.0.0 <4.3.1 || <3.0.2"),
            [">=4.3.1", ">=3.0.2"]
        );
        assert!(upper_bounds("<=2.6.8").is_empty());
        assert!(upper_bounds("*").is_empty());
    }
}
