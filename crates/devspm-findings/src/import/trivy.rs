//! Trivy JSON reports (`trivy fs|repo|image --format json`, `SchemaVersion` 2): `Results[]`,
//! one per scanned target (a lockfile, a Dockerfile, a file holding a secret, an OS), each with
//! `Vulnerabilities[]`, `Misconfigurations[]` and `Secrets[]`.
//!
//! Mapping:
//! - vulnerabilities (dependency): rule = `VulnerabilityID`; identifiers = it, `VendorIDs`,
//!   `CweIDs`; severity = `Severity`, else the highest CVSS score; message = `Title`, else the
//!   first line of `Description`; package = `PkgIdentifier.PURL` (ecosystem and name), else
//!   `PkgName` with the ecosystem of the result's `Type`, `InstalledVersion`, fixes from
//!   `FixedVersion`; location and manifest = `PkgPath`, else `Target` (none for OS packages);
//!   fingerprint = `Fingerprint:<value>` when Trivy writes one. `Status: not_affected` is not a
//!   finding.
//! - misconfigurations (config): rule = `ID`; message = `Message`, else `Title`; lines and
//!   snippet (the cause lines) from `CauseMetadata`. Only `Status: FAIL` is a finding.
//! - secrets (secret): rule = `RuleID`; message = `Title`; lines from `StartLine`/`EndLine`.
//!   Trivy masks the secret (`****`) everywhere in its report, so no secret value is imported.
//!
//! `Target`, `Class` and `Type` may follow the arrays in key order: the first pass reads them.
//! Tool version from `Trivy.Version`, revision from `Metadata.Commit` (repository scans).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess};
use serde_json::Value;

use super::common::{self, advisory_id, ids_in_text};
use super::stream::{
    Abort, Array, Ctx, Fields, List, Obj, ObjectEach, Skip, SkipEach, SurveyEach, Text, next_each,
    stream_array_field,
};
use super::uri;
use crate::{FindingKind, Location, Package, RawFinding, Severity};

/// What the first pass learned: the report's tool version and commit, and each result's
/// target.
#[derive(Debug, Default)]
pub(crate) struct Meta {
    version: Option<String>,
    commit: Option<String>,
    targets: Vec<Target>,
}

#[derive(Debug, Default, Clone)]
struct Target {
    target: Option<String>,
    class: Option<String>,
    ty: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TrivyIn {
    #[serde(rename = "Version")]
    version: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MetadataIn {
    #[serde(rename = "Commit")]
    commit: Text,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct VulnerabilityIn {
    #[serde(rename = "VulnerabilityID")]
    vulnerability_id: Text,
    #[serde(rename = "VendorIDs")]
    vendor_ids: List<Text>,
    pkg_name: Text,
    pkg_path: Text,
    pkg_identifier: Obj<PkgIdentifierIn>,
    installed_version: Text,
    fixed_version: Text,
    status: Text,
    title: Text,
    description: Text,
    severity: Text,
    #[serde(rename = "CweIDs")]
    cwe_ids: List<Text>,
    #[serde(rename = "CVSS")]
    cvss: Obj<BTreeMap<String, Obj<CvssIn>>>,
    fingerprint: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PkgIdentifierIn {
    #[serde(rename = "PURL")]
    purl: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CvssIn {
    #[serde(rename = "V3Score")]
    v3_score: Value,
    #[serde(rename = "V2Score")]
    v2_score: Value,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct SecretIn {
    #[serde(rename = "RuleID")]
    rule_id: Text,
    category: Text,
    severity: Text,
    title: Text,
    start_line: Value,
    end_line: Value,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct MisconfigurationIn {
    #[serde(rename = "ID")]
    id: Text,
    #[serde(rename = "AVDID")]
    avd_id: Text,
    title: Text,
    message: Text,
    severity: Text,
    status: Text,
    cause_metadata: Obj<CauseIn>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct CauseIn {
    start_line: Value,
    end_line: Value,
    code: Obj<CodeIn>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct CodeIn {
    lines: List<Obj<LineIn>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct LineIn {
    content: Text,
    is_cause: Value,
}

// First pass ----------------------------------------------------------------------------------

/// Reads `Results` (targets only), `Trivy` and `Metadata` in the first pass.
pub(super) fn survey_field<'de, A: MapAccess<'de>>(
    meta: &mut Meta,
    ctx: &mut Ctx<'_>,
    key: &str,
    map: &mut A,
) -> Result<bool, A::Error> {
    match key {
        "Results" => {
            let survey = SurveyEach::new(|target: Target| meta.targets.push(target));
            map.next_value_seed(Array::lenient(ctx, survey))?;
        }
        "Trivy" => {
            meta.version = map
                .next_value::<Obj<TrivyIn>>()?
                .0
                .and_then(|t| t.version.owned())
        }
        "Metadata" => {
            meta.commit = map
                .next_value::<Obj<MetadataIn>>()?
                .0
                .and_then(|m| m.commit.owned());
        }
        _ => return Ok(false),
    }
    Ok(true)
}

impl<'s> Fields<'s> for Target {
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        ctx: &mut Ctx<'s>,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        match key {
            "Target" => self.target = map.next_value::<Text>()?.owned(),
            "Class" => self.class = map.next_value::<Text>()?.owned(),
            "Type" => self.ty = map.next_value::<Text>()?.owned(),
            "Vulnerabilities" | "Misconfigurations" | "Secrets" | "Packages" | "Licenses" => {
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

/// Streams the vulnerabilities, misconfigurations and secrets of a Trivy report.
pub(super) fn stream<'de, D: Deserializer<'de>>(
    d: D,
    ctx: &mut Ctx<'_>,
    meta: &Meta,
) -> Result<(), D::Error> {
    static NONE: Target = Target {
        target: None,
        class: None,
        ty: None,
    };
    stream_array_field(d, ctx, "Results", || {
        ObjectEach::new(|i: usize| ResultHandler {
            meta,
            target: meta.targets.get(i).unwrap_or(&NONE),
        })
    })
}

struct ResultHandler<'a> {
    meta: &'a Meta,
    target: &'a Target,
}

impl<'s> Fields<'s> for ResultHandler<'_> {
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        ctx: &mut Ctx<'s>,
        key: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        let (meta, target) = (self.meta, self.target);
        match key {
            "Vulnerabilities" => next_each(map, ctx, |ctx, v: VulnerabilityIn| {
                vulnerability(ctx, meta, target, v)
            })?,
            "Misconfigurations" => next_each(map, ctx, |ctx, m: MisconfigurationIn| {
                misconfiguration(ctx, meta, target, m)
            })?,
            "Secrets" => next_each(map, ctx, |ctx, s: SecretIn| secret(ctx, meta, target, s))?,
            _ => {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

fn finding(meta: &Meta, rule: String, kind: FindingKind, severity: Severity) -> RawFinding {
    RawFinding {
        tool_version: meta.version.clone(),
        revision: meta.commit.clone(),
        ..common::finding("trivy", rule, kind, severity)
    }
}

fn rule_or_unknown(ctx: &mut Ctx<'_>, rule: Option<String>, field: &str) -> String {
    rule.unwrap_or_else(|| {
        common::unknown_rule(
            ctx,
            &format!(".{field}"),
            format!("no {field}; the rule is recorded as `unknown`"),
        )
    })
}

fn vulnerability(
    ctx: &mut Ctx<'_>,
    meta: &Meta,
    target: &Target,
    v: VulnerabilityIn,
) -> Result<(), Abort> {
    if v.status.get() == Some("not_affected") {
        ctx.skip("Trivy says `Status: not_affected`", ctx.path());
        return Ok(());
    }
    let id = v.vulnerability_id.owned();
    let rule = rule_or_unknown(ctx, id.clone(), "VulnerabilityID");
    let scored = v
        .cvss
        .get()
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(|c| {
            let c = c.get()?;
            common::severity_from_value(&c.v3_score)
                .or_else(|| common::severity_from_value(&c.v2_score))
        })
        .max();
    let severity = common::max_severity(v.severity.get().and_then(common::severity_word), scored)
        .unwrap_or(Severity::Unknown);
    let mut f = finding(meta, rule, FindingKind::Dependency, severity);
    f.identifiers.extend(id.as_deref().and_then(advisory_id));
    for id in v
        .vendor_ids
        .iter()
        .chain(v.cwe_ids.iter())
        .filter_map(Text::get)
    {
        ids_in_text(id, &mut f.identifiers);
    }
    f.message = v
        .title
        .owned()
        .or_else(|| v.description.get().map(|d| common::short(d, 200)))
        .unwrap_or_default();

    let purl = v
        .pkg_identifier
        .get()
        .and_then(|p| p.purl.get())
        .and_then(common::parse_purl);
    let ecosystem = common::package_ecosystem(
        purl.as_ref(),
        target.ty.as_deref(),
        common::trivy_type_ecosystem,
    );
    let name = v
        .pkg_name
        .owned()
        .or_else(|| purl.as_ref().map(|p| p.osv_name()))
        .map(|n| match &purl {
            // Trivy's PkgName for Maven is `group:artifact` already; for npm scopes and Go
            // modules the purl's name is the full one.
            Some(p) if p.ty == "npm" || p.ty == "golang" => p.osv_name(),
            _ => n,
        })
        .unwrap_or_default();
    let os_package = target.class.as_deref() == Some("os-pkgs");
    let path = v
        .pkg_path
        .get()
        .or(target.target.as_deref())
        .filter(|_| !os_package)
        .map(uri::normalize_path);
    f.location = path.clone().map(common::file_location);
    f.package = Some(Package {
        ecosystem,
        name,
        version: common::package_version(v.installed_version.owned(), purl.as_ref()),
        manifest: path,
        fixed: v
            .fixed_version
            .get()
            .map(|s| {
                s.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
    });
    f.producer_fingerprint = v.fingerprint.owned().map(|fp| format!("Fingerprint:{fp}"));
    f.origin = ctx.path();
    ctx.emit(f)
}

fn misconfiguration(
    ctx: &mut Ctx<'_>,
    meta: &Meta,
    target: &Target,
    m: MisconfigurationIn,
) -> Result<(), Abort> {
    if m.status
        .get()
        .is_some_and(|s| !s.eq_ignore_ascii_case("FAIL"))
    {
        ctx.skip(
            "Trivy misconfiguration checks whose `Status` is not `FAIL` (passed or excepted)",
            ctx.path(),
        );
        return Ok(());
    }
    let rule = rule_or_unknown(ctx, m.id.owned().or(m.avd_id.owned()), "ID");
    let severity = m
        .severity
        .get()
        .and_then(common::severity_word)
        .unwrap_or(Severity::Unknown);
    let mut f = finding(meta, rule, FindingKind::Config, severity);
    f.message = m.message.owned().or(m.title.owned()).unwrap_or_default();
    let cause = m.cause_metadata.get();
    let (start_line, end_line) = match cause {
        Some(c) => common::line_range(
            ctx,
            (&c.start_line, "StartLine"),
            (&c.end_line, "EndLine"),
            &|field| format!(".CauseMetadata.{field}"),
        ),
        None => (None, None),
    };
    f.location = location(ctx, target, start_line, end_line);
    let lines: Vec<&str> = cause
        .and_then(|c| c.code.get())
        .map(|code| {
            code.lines
                .iter()
                .filter_map(Obj::get)
                .filter(|l| l.is_cause.as_bool() == Some(true))
                .filter_map(|l| l.content.0.as_deref())
                .collect()
        })
        .unwrap_or_default();
    if !lines.is_empty() {
        f.snippet = Some(lines.join("\n"));
    }
    f.origin = ctx.path();
    ctx.emit(f)
}

fn secret(ctx: &mut Ctx<'_>, meta: &Meta, target: &Target, s: SecretIn) -> Result<(), Abort> {
    let rule = rule_or_unknown(ctx, s.rule_id.owned(), "RuleID");
    let severity = s
        .severity
        .get()
        .and_then(common::severity_word)
        .unwrap_or(Severity::Unknown);
    let mut f = finding(meta, rule, FindingKind::Secret, severity);
    f.message = s
        .title
        .owned()
        .or_else(|| s.category.get().map(|c| format!("{c} secret")))
        .unwrap_or_default();
    let (start_line, end_line) = common::line_range(
        ctx,
        (&s.start_line, "StartLine"),
        (&s.end_line, "EndLine"),
        &|field| format!(".{field}"),
    );
    f.location = location(ctx, target, start_line, end_line);
    ctx.tally(
        "Trivy masks secret values in its report, so no secret value is imported",
        ctx.path(),
    );
    f.origin = ctx.path();
    ctx.emit(f)
}

fn location(
    ctx: &mut Ctx<'_>,
    target: &Target,
    start_line: Option<u32>,
    end_line: Option<u32>,
) -> Option<Location> {
    match target.target.as_deref() {
        Some(t) => Some(Location {
            path: uri::normalize_path(t),
            start_line,
            end_line,
        }),
        None => {
            ctx.warn(
                ctx.path(),
                "the result has no `Target` (file); it is imported without a location",
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::import_str;
    use crate::{FindingKind, Severity};

    #[test]
    fn targets_after_arrays_and_all_three_kinds() {
        let report = r#"{"SchemaVersion": 2, "Results": [
          {"Vulnerabilities": [
             {"VulnerabilityID": "CVE-2023-26964", "PkgName": "h2",
              "PkgIdentifier": {"PURL": "pkg:cargo/h2@0.3.16"},
              "InstalledVersion": "0.3.16", "FixedVersion": "0.3.17, 0.4.0",
              "Severity": "UNKNOWN", "CweIDs": ["CWE-770"], "VendorIDs": ["GHSA-f8vr-r385-rh5r"],
              "CVSS": {"ghsa": {"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
                                "V3Score": 7.5}},
              "Title": "Resource exhaustion in h2"}],
           "Target": "Cargo.lock", "Class": "lang-pkgs", "Type": "cargo"},
          {"Target": "Dockerfile", "Class": "config", "Type": "dockerfile",
           "Misconfigurations": [
             {"ID": "DS-0001", "Title": "':latest' tag used", "Message": "Specify a tag",
              "Severity": "MEDIUM", "Status": "FAIL",
              "CauseMetadata": {"StartLine": 1, "EndLine": 1, "Code": {"Lines": [
                 {"Number": 1, "Content": "FROM alpine:latest", "IsCause": true}]}}},
             {"ID": "DS-0002", "Severity": "HIGH", "Status": "PASS"}]},
          {"Target": "config.env", "Class": "secret", "Secrets": [
             {"RuleID": "aws-access-key-id", "Category": "AWS", "Severity": "CRITICAL",
              "Title": "AWS Access Key ID", "StartLine": 2, "EndLine": 2,
              "Match": "AWS_ACCESS_KEY_ID=********************"}]}
        ], "Trivy": {"Version": "0.76.0"}, "Metadata": {"Commit": "abc123"}}"#;
        let (findings, summary) = import_str(report);
        assert_eq!(findings.len(), 3);
        let v = &findings[0];
        assert_eq!(v.kind, FindingKind::Dependency);
        assert_eq!(v.severity, Severity::High);
        assert_eq!(v.tool_version.as_deref(), Some("0.76.0"));
        assert_eq!(v.revision.as_deref(), Some("abc123"));
        assert_eq!(
            v.identifiers,
            ["CVE-2023-26964", "CWE-770", "GHSA-f8vr-r385-rh5r"]
        );
        let p = v.package.as_ref().unwrap();
        assert_eq!((p.ecosystem.as_str(), p.name.as_str()), ("crates.io", "h2"));
        assert_eq!(p.fixed, ["0.3.17", "0.4.0"]);
        assert_eq!(v.location.as_ref().unwrap().path, "Cargo.lock");
        let m = &findings[1];
        assert_eq!(m.kind, FindingKind::Config);
        assert_eq!(m.snippet.as_deref(), Some("FROM alpine:latest"));
        assert_eq!(m.location.as_ref().unwrap().start_line, Some(1));
        assert_eq!(m.origin, "$.Results[1].Misconfigurations[0]");
        let s = &findings[2];
        assert_eq!(s.kind, FindingKind::Secret);
        assert_eq!(s.severity, Severity::Critical);
        assert!(s.secret.is_none() && s.snippet.is_none());
        assert_eq!(summary.warnings.len(), 2, "{:?}", summary.warnings);
    }
}
