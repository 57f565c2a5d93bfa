//! SARIF 2.1.0 from findings: the one builder behind `--format sarif` on every command that
//! produces findings (`findings`, `scan`, `import`, `ci audit`, `tools scan`, `policy check`).
//!
//! One run per producer (`tool.driver.name` is the scanner or devspm detector that reported
//! the finding, so code scanning keeps them apart), its rules from the catalogue the caller
//! gives ([`Rule`]) or, for a rule it has none of, the rule's id. Each result carries:
//!
//! - `level` from the severity (`critical`/`high` → `error`, `medium` → `warning`, else
//!   `note`) and `properties.severity` with the severity itself;
//! - a location when the finding has a path (a region when it has a line; SARIF lines and
//!   columns start at 1, so a line 0 is left out), or the package in a logical location;
//! - `partialFingerprints."devspm/v1"`: devspm's stable finding id, which code scanning uses
//!   to follow an alert from run to run;
//! - `properties.devspm`: the attribution — introducing commit and date, developer, team,
//!   AI agents, method, confidence — as `devspm export sarif` writes it, and the triage;
//! - a standing triage judgement as a `suppressions` entry (code scanning shows the alert as
//!   dismissed, with the reason).
//!
//! Strings are the exact outside text: SARIF is JSON, and [`crate::json`] writes the characters
//! a terminal would act on as `\uXXXX` escapes when the document is serialized.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::findings::Finding;

/// The SARIF schema the document names.
pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Who writes the document: devspm and its version.
#[derive(Clone, Copy, Debug)]
pub struct Producer<'a> {
    pub version: &'a str,
    pub information_uri: &'a str,
}

/// A rule of a producer's catalogue (devspm's own detectors know theirs).
#[derive(Clone, Debug)]
pub struct Rule {
    /// The producer whose rule it is (`devspm-ci` …).
    pub tool: String,
    pub id: String,
    pub description: String,
    pub help: Option<String>,
    pub severity: String,
}

/// SARIF's `level` for a severity.
pub fn level(severity: &str) -> &'static str {
    match crate::findings::severity_rank(severity) {
        3.. => "error",
        2 => "warning",
        _ => "note",
    }
}

/// The SARIF document of `findings`: one run per producer, in name order; within a run the
/// results in the order given. `rules` may describe rules of any producer; a rule of a run
/// that it does not describe is listed by its id.
pub fn document(producer: &Producer<'_>, rules: &[Rule], findings: &[Finding]) -> Value {
    let mut by_tool: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_tool.entry(f.tool.as_str()).or_default().push(f);
    }
    // A catalogue's producer appears even when it found nothing (an audit that passed).
    for r in rules {
        by_tool.entry(r.tool.as_str()).or_default();
    }
    let mut runs: Vec<Value> = by_tool
        .into_iter()
        .map(|(tool, findings)| run(producer, tool, rules, &findings))
        .collect();
    // No findings: still one run, so that an upload to code scanning closes what a previous
    // run reported.
    if runs.is_empty() {
        runs.push(run(producer, "devspm", &[], &[]));
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": runs,
    })
}

fn run(producer: &Producer<'_>, tool: &str, catalogue: &[Rule], findings: &[&Finding]) -> Value {
    // The catalogue's rules of this producer first (in its order), then any other rule id
    // the results use (in order of appearance).
    let mut rules: Vec<Value> = Vec::new();
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    for r in catalogue.iter().filter(|r| r.tool == tool) {
        if index.contains_key(r.id.as_str()) {
            continue;
        }
        index.insert(&r.id, rules.len());
        let mut rule = json!({
            "id": r.id,
            "shortDescription": { "text": r.description },
            "defaultConfiguration": { "level": level(&r.severity) },
            "properties": { "severity": r.severity },
        });
        if let Some(help) = &r.help {
            rule["help"] = json!({ "text": help });
        }
        rules.push(rule);
    }
    for f in findings {
        if index.contains_key(f.rule.as_str()) {
            continue;
        }
        index.insert(&f.rule, rules.len());
        rules.push(json!({
            "id": f.rule,
            "shortDescription": { "text": f.rule },
        }));
    }
    let results: Vec<Value> = findings
        .iter()
        .map(|f| result(f, index.get(f.rule.as_str()).copied()))
        .collect();
    json!({
        "tool": { "driver": {
            "name": tool,
            "informationUri": producer.information_uri,
            "rules": rules,
            "properties": { "exportedBy": format!("devspm {}", producer.version) },
        }},
        "results": results,
    })
}

fn result(f: &Finding, rule_index: Option<usize>) -> Value {
    let message = if f.message.is_empty() {
        f.rule.as_str()
    } else {
        f.message.as_str()
    };
    let mut result = json!({
        "ruleId": f.rule,
        "level": level(&f.severity),
        "message": { "text": message },
        "partialFingerprints": { "devspm/v1": f.id },
    });
    if let Some(i) = rule_index {
        result["ruleIndex"] = json!(i);
    }
    if let Some(location) = location(f) {
        result["locations"] = json!([location]);
    }
    let a = &f.attribution;
    let mut properties = serde_json::Map::new();
    properties.insert("severity".into(), json!(f.severity));
    properties.insert("kind".into(), json!(f.kind));
    properties.insert("repository".into(), json!(f.repository));
    if !f.identifiers.is_empty() {
        properties.insert("identifiers".into(), json!(f.identifiers));
    }
    for (k, v) in &f.properties {
        properties.insert(k.clone(), v.clone());
    }
    properties.insert(
        "devspm".into(),
        json!({
            "finding": f.id,
            "status": f.status,
            "attribution": a.state,
            "method": a.method,
            "confidence": a.confidence,
            "reason": a.reason,
            "introducedIn": a.introduced_in,
            "introducedAt": a.introduced_at.map(|t| crate::findings::date(Some(t))),
            "otherCommits": a.other_commits,
            "developer": a.developer,
            "developerName": a.developer_name,
            "team": a.team,
            "agents": a.agents,
            "context": f.context,
            "ignored": f.ignored.as_ref().map(|i| json!({
                "by": i.by,
                "reason": i.reason,
                "expires": i.expires,
            })),
            "triage": f.triage.as_ref().map(|t| json!({
                "state": t.state,
                "reason": t.reason,
                "expires": t.expires,
                "active": t.active,
                "by": t.by,
            })),
        }),
    );
    result["properties"] = Value::Object(properties);
    if let Some(i) = &f.ignored {
        result["suppressions"] = json!([{
            // SARIF's own word for a suppression written in the source itself.
            "kind": if i.inline { "inSource" } else { "external" },
            "status": "accepted",
            "justification": format!("ignored by {}: {}", i.by, i.reason),
            "properties": { "devspm": { "ignoredBy": i.by, "expires": i.expires } }
        }]);
    } else if let Some(t) = f.triage.as_ref().filter(|t| t.active) {
        result["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": format!("{}: {}", t.state, t.reason),
            "properties": { "devspm": { "state": t.state, "expires": t.expires, "by": t.by } }
        }]);
    }
    result
}

/// A physical location for a finding with a path (the region when its line is known), a
/// logical one for a package; none otherwise.
fn location(f: &Finding) -> Option<Value> {
    if let Some(path) = &f.path {
        let mut physical = json!({ "artifactLocation": { "uri": uri(path) } });
        if let Some(line) = f.line.filter(|l| *l > 0) {
            let mut region = json!({ "startLine": line });
            if let Some(column) = f.column.filter(|c| *c > 0) {
                region["startColumn"] = json!(column);
            }
            if let Some(end) = f.end_line.filter(|e| *e >= line) {
                region["endLine"] = json!(end);
            }
            physical["region"] = region;
        }
        return Some(json!({ "physicalLocation": physical }));
    }
    if let Some(package) = &f.package {
        let name = match &f.version {
            Some(v) => format!("{package}@{v}"),
            None => package.clone(),
        };
        return Some(json!({
            "logicalLocations": [{ "name": name, "kind": "package" }]
        }));
    }
    if let Some(commit) = &f.in_message_of {
        return Some(json!({
            "logicalLocations": [{ "name": commit, "kind": "commit-message" }]
        }));
    }
    None
}

/// A repository-relative path as a relative URI reference: `/` separators and the characters
/// a URI cannot hold percent-encoded (a space, `%`, `#`, `?`, controls, non-ASCII), so that a
/// hostile file name stays one path.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'!'
            | b'$'
            | b'&'
            | b'\''
            | b'('
            | b')'
            | b'*'
            | b'+'
            | b','
            | b';'
            | b'='
            | b':'
            | b'@' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Attribution, Triage};

    const PRODUCER: Producer<'static> = Producer {
        version: "0.1.0",
        information_uri: "https://github.com/devspm/devspm",
    };

    fn finding(tool: &str, rule: &str, severity: &str) -> Finding {
        Finding {
            id: format!("{tool}-{rule}"),
            repository: "app".into(),
            tool: tool.into(),
            rule: rule.into(),
            kind: "code".into(),
            severity: severity.into(),
            status: "open".into(),
            message: format!("{rule} found"),
            path: Some("src/a b#1.py".into()),
            line: Some(3),
            end_line: Some(4),
            attribution: Attribution {
                state: Some("attributed".into()),
                introduced_in: Some("abc".into()),
                introduced_at: Some(0),
                agents: vec!["claude-code".into()],
                ..Attribution::default()
            },
            ..Finding::default()
        }
    }

    #[test]
    fn one_run_per_producer_with_rules_locations_and_attribution() {
        let mut triaged = finding("semgrep", "R2", "low");
        triaged.triage = Some(Triage {
            state: "accepted-risk".into(),
            reason: "test code".into(),
            active: true,
            ..Triage::default()
        });
        let mut package = finding("osv-scanner", "GHSA-1", "critical");
        package.path = None;
        package.package = Some("lodash".into());
        package.version = Some("4.17.0".into());
        let doc = document(
            &PRODUCER,
            &[Rule {
                tool: "semgrep".into(),
                id: "R1".into(),
                description: "rule one".into(),
                help: Some("fix it".into()),
                severity: "high".into(),
            }],
            &[finding("semgrep", "R1", "high"), triaged, package],
        );
        assert_eq!(doc["version"], "2.1.0");
        let runs = doc["runs"].as_array().unwrap();
        assert_eq!(runs.len(), 2);
        assert_eq!(runs[0]["tool"]["driver"]["name"], "osv-scanner");
        let semgrep = &runs[1];
        assert_eq!(
            semgrep["tool"]["driver"]["rules"][0]["help"]["text"],
            "fix it"
        );
        assert_eq!(semgrep["tool"]["driver"]["rules"][1]["id"], "R2");
        let r = &semgrep["results"][0];
        assert_eq!(r["level"], "error");
        assert_eq!(r["ruleIndex"], 0);
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "src/a%20b%231.py"
        );
        assert_eq!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            3
        );
        assert_eq!(r["partialFingerprints"]["devspm/v1"], "semgrep-R1");
        assert_eq!(r["properties"]["devspm"]["introducedIn"], "abc");
        assert_eq!(r["properties"]["devspm"]["agents"][0], "claude-code");
        let t = &semgrep["results"][1];
        assert_eq!(t["level"], "note");
        assert_eq!(t["ruleIndex"], 1);
        assert_eq!(
            t["suppressions"][0]["justification"],
            "accepted-risk: test code"
        );
        let p = &runs[0]["results"][0];
        assert_eq!(
            p["locations"][0]["logicalLocations"][0]["name"],
            "lodash@4.17.0"
        );
    }

    #[test]
    fn an_empty_audit_is_a_run_with_its_rules_and_no_results() {
        let doc = document(
            &PRODUCER,
            &[Rule {
                tool: "devspm-ci".into(),
                id: "unpinned-uses".into(),
                description: "d".into(),
                help: None,
                severity: "medium".into(),
            }],
            &[],
        );
        assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 0);
        assert_eq!(
            doc["runs"][0]["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"],
            "warning"
        );
    }
}
