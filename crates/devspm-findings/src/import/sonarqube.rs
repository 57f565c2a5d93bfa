//! SonarQube issues and hotspots as JSON: a page of the Web API's `api/issues/search` or
//! `api/hotspots/search` (what exports and CI scripts save; `paging` beside `issues` or
//! `hotspots`), or a sonar-report export (`sonarComponent` beside `issues`).
//!
//! Mapping (code findings): rule = `rule` (hotspots: `ruleKey`); message = `message` (else
//! `description`); severity = the `SECURITY` entry of `impacts` (SonarQube 10: `BLOCKER` →
//! critical, `HIGH`, `MEDIUM`, `LOW`, `INFO`), else `severity` (`BLOCKER` → critical,
//! `CRITICAL` → high, `MAJOR` → medium, `MINOR` → low, `INFO` → info; words such as `HIGH` as
//! written), else a hotspot's `vulnerabilityProbability`; identifiers = CWE ids in `tags`
//! (`cwe-937`); location = `component` without its `<project>:` prefix (`project`, else the
//! export's `sonarComponent`), lines `textRange.startLine`–`endLine`, else `line`; a component
//! that is the project itself gives no location; fingerprint = the issue `key` (SonarQube keeps
//! it across analyses) as `key:<value>`.
//!
//! Only security issues are findings: `VULNERABILITY` and `SECURITY_HOTSPOT` issues, issues
//! with a `SECURITY` impact, hotspots, and the issues of an export that gives no `type`. Bugs
//! and code smells, and issues SonarQube closed or resolved (`CLOSED`, `RESOLVED`, a hotspot
//! `REVIEWED` as `SAFE` or `FIXED`), are counted in one warning per reason. `author`, `hash`,
//! `flows` and dates are never read.

use serde::Deserialize;
use serde::de::Deserializer;
use serde_json::Value;

use super::common::{self, ids_in_text};
use super::stream::{Abort, ArrayField, Ctx, Each, List, Obj, Object, Text};
use super::uri;
use crate::{FindingKind, Location, RawFinding, Severity};

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct IssueIn {
    key: Text,
    rule: Text,
    rule_key: Text,
    severity: Text,
    vulnerability_probability: Text,
    impacts: List<Obj<ImpactIn>>,
    component: Text,
    project: Text,
    line: Value,
    text_range: Obj<TextRangeIn>,
    status: Text,
    resolution: Text,
    message: Text,
    description: Text,
    tags: List<Text>,
    #[serde(rename = "type")]
    ty: Text,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct ImpactIn {
    software_quality: Text,
    severity: Text,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct TextRangeIn {
    start_line: Value,
    end_line: Value,
}

/// Streams the issues and hotspots of a SonarQube JSON document; `project` is a sonar-report
/// export's `sonarComponent`.
pub(super) fn stream<'de, D: Deserializer<'de>>(
    d: D,
    ctx: &mut Ctx<'_>,
    project: Option<&str>,
) -> Result<(), D::Error> {
    let issues = ArrayField::either(["issues", "hotspots"], || {
        Each::new(|ctx: &mut Ctx<'_>, issue: IssueIn| convert(ctx, project, issue))
    });
    serde::de::DeserializeSeed::deserialize(Object::strict(ctx, issues), d)?;
    Ok(())
}

/// A SonarQube severity: an impact's or an issue's (`CRITICAL` is one below `BLOCKER`).
fn severity(word: &str) -> Option<Severity> {
    match word.trim().to_ascii_uppercase().as_str() {
        "BLOCKER" => Some(Severity::Critical),
        "CRITICAL" => Some(Severity::High),
        "MAJOR" => Some(Severity::Medium),
        "MINOR" => Some(Severity::Low),
        _ => common::severity_word(word),
    }
}

/// Why an issue (or hotspot) is not a finding, if it is not.
fn not_a_finding(issue: &IssueIn) -> Option<&'static str> {
    let status = issue.status.get().unwrap_or("").to_ascii_uppercase();
    let resolution = issue.resolution.get().unwrap_or("").to_ascii_uppercase();
    if status == "CLOSED" || status == "RESOLVED" {
        return Some("SonarQube closed or resolved these issues");
    }
    if status == "REVIEWED" && (resolution == "SAFE" || resolution == "FIXED") {
        return Some("these hotspots were reviewed in SonarQube as safe or fixed");
    }
    let security_impact = issue.impacts.iter().filter_map(Obj::get).any(|i| {
        i.software_quality
            .get()
            .is_some_and(|q| q.eq_ignore_ascii_case("SECURITY"))
    });
    // Hotspots, and the issues of a sonar-report export, have no `type`.
    match issue.ty.get().map(str::to_ascii_uppercase).as_deref() {
        _ if security_impact => None,
        None | Some("VULNERABILITY" | "SECURITY_HOTSPOT") => None,
        Some(_) => Some("SonarQube bugs and code smells are not security findings"),
    }
}

fn convert(ctx: &mut Ctx<'_>, export_project: Option<&str>, issue: IssueIn) -> Result<(), Abort> {
    if let Some(reason) = not_a_finding(&issue) {
        ctx.skip(reason, ctx.path());
        return Ok(());
    }
    let rule = issue
        .rule
        .owned()
        .or_else(|| issue.rule_key.owned())
        .unwrap_or_else(|| {
            common::unknown_rule(
                ctx,
                ".rule",
                "the issue names no rule; its rule is recorded as `unknown`",
            )
        });
    let mut identifiers = Vec::new();
    for tag in issue.tags.iter().filter_map(Text::get) {
        ids_in_text(tag, &mut identifiers);
    }
    let impact = issue
        .impacts
        .iter()
        .filter_map(Obj::get)
        .filter(|i| {
            i.software_quality
                .get()
                .is_some_and(|q| q.eq_ignore_ascii_case("SECURITY"))
        })
        .find_map(|i| i.severity.get().and_then(severity));
    let severity = impact
        .or_else(|| issue.severity.get().and_then(severity))
        .or_else(|| {
            issue
                .vulnerability_probability
                .get()
                .and_then(common::severity_word)
        })
        .unwrap_or(Severity::Unknown);
    let project = issue.project.get().or(export_project);
    let location = issue.component.get().and_then(|component| {
        let path = match project {
            Some(p) if component == p => return None,
            Some(p) => component
                .strip_prefix(p)
                .and_then(|rest| rest.strip_prefix(':'))
                .unwrap_or(component),
            None => component,
        };
        let (start, end) = match issue.text_range.get() {
            Some(range) => (range.start_line.clone(), range.end_line.clone()),
            None => (issue.line.clone(), Value::Null),
        };
        let (start_line, end_line) =
            common::line_range(ctx, (&start, "startLine"), (&end, "endLine"), &|field| {
                format!(".textRange.{field}")
            });
        Some(Location {
            path: uri::normalize_path(path),
            start_line,
            end_line,
        })
    });
    ctx.emit(RawFinding {
        message: issue
            .message
            .owned()
            .or_else(|| issue.description.owned())
            .unwrap_or_default(),
        identifiers,
        location,
        producer_fingerprint: issue.key.owned().map(|k| format!("key:{k}")),
        origin: ctx.path(),
        ..common::finding("sonarqube", rule, FindingKind::Code, severity)
    })
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::super::testing::import_str;
    use super::*;

    /// SonarQube 10's issues carry `impacts`; a code smell with a security impact is a finding.
    #[test]
    fn impacts_and_statuses() {
        let page = r#"{"total": 3, "p": 1, "ps": 100, "paging": {"pageIndex": 1, "pageSize": 100, "total": 3},
          "issues": [
            {"key": "AY1", "rule": "java:S2068", "severity": "BLOCKER", "component": "shop:src/Db.java",
             "project": "shop", "line": 12, "textRange": {"startLine": 12, "endLine": 13},
             "status": "OPEN", "message": "Revoke this password", "tags": ["cwe", "cwe-798"],
             "type": "VULNERABILITY",
             "impacts": [{"softwareQuality": "SECURITY", "severity": "HIGH"}]},
            {"key": "AY2", "rule": "java:S1481", "severity": "MINOR", "component": "shop:src/A.java",
             "project": "shop", "line": 3, "status": "OPEN", "message": "unused", "type": "CODE_SMELL",
             "impacts": [{"softwareQuality": "MAINTAINABILITY", "severity": "LOW"}]},
            {"key": "AY3", "rule": "java:S5332", "severity": "CRITICAL", "component": "shop:src/B.java",
             "project": "shop", "line": 9, "status": "CLOSED", "resolution": "FIXED",
             "message": "http", "type": "VULNERABILITY"}
          ], "components": []}"#;
        let (findings, summary) = import_str(page);
        assert_eq!(summary.format, Format::SonarQube);
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.identifiers, ["CWE-798"]);
        assert_eq!(f.producer_fingerprint.as_deref(), Some("key:AY1"));
        let loc = f.location.as_ref().unwrap();
        assert_eq!(
            (loc.path.as_str(), loc.start_line, loc.end_line),
            ("src/Db.java", Some(12), Some(13))
        );
        assert_eq!(summary.warnings.len(), 2, "{:?}", summary.warnings);
    }
}
