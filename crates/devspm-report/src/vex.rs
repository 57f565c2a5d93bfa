//! Findings as a CycloneDX 1.5 VEX document (JSON): what DefectDojo's CycloneDX parser and
//! Dependency-Track's VEX upload read.
//!
//! Only dependency findings are written — VEX speaks of vulnerabilities in components. Each
//! affected package is one `components[]` entry (`bom-ref` = its package URL, written once
//! however many findings name it); each finding is one `vulnerabilities[]` entry:
//!
//! - `bom-ref` = the devspm finding id, `id` = the rule (the advisory id: `GHSA-…`,
//!   `RUSTSEC-…`, `CVE-…`), `source.name` = the advisory database its prefix names;
//! - `references` = the finding's other advisory ids; `cwes` = its CWE numbers;
//! - `ratings` = the severity (`method: other`, `source.name` = the tool that reported it);
//! - `description` = the message; `recommendation` = the versions that fix it;
//! - `affects` = the component, with the version `affected`;
//! - `analysis` = where devspm has it: `resolved` once fixed, `false_positive` for a finding
//!   triaged as one, `exploitable` with the response `will_not_fix` for accepted risks and
//!   won't-fix, `in_triage` otherwise; `detail` = the triage reason and its expiry;
//! - `properties` = `devspm:finding`, `devspm:tool`, `devspm:manifest`, `devspm:introduced-by`
//!   (the introducing commit) where known.
//!
//! The document is deterministic: its serial number is derived from its content, and the
//! caller gives the timestamp. Text is carried as it is (JSON escapes it: write it with
//! [`crate::json::to_string_pretty`]).

use std::collections::BTreeMap;

use devspm_core::finding::PackageRef;
use serde_json::{Value, json};

/// One finding to write.
#[derive(Clone, Debug)]
pub struct VexFinding<'a> {
    /// devspm's finding id (`f_…`).
    pub finding: &'a str,
    pub tool: &'a str,
    /// The rule: for dependency findings, the advisory id.
    pub rule: &'a str,
    /// `critical`, `high`, `medium`, `low`, `info` or `unknown`.
    pub severity: &'a str,
    pub message: &'a str,
    /// CVE, GHSA, CWE … ids.
    pub identifiers: &'a [String],
    /// `None` for findings that are not about a package: they are not written.
    pub package: Option<&'a PackageRef>,
    /// `open` or `fixed`.
    pub status: &'a str,
    pub triage: Option<Triage<'a>>,
    /// The commit that introduced it, if attributed.
    pub introduced_by: Option<&'a str>,
}

/// A standing judgement of a finding (`devspm findings triage`).
#[derive(Clone, Debug)]
pub struct Triage<'a> {
    /// `false-positive`, `accepted-risk`, `wont-fix` (or `open`, which is none).
    pub state: &'a str,
    pub reason: &'a str,
    /// The last day it holds (YYYY-MM-DD).
    pub expires: Option<&'a str>,
}

/// Who wrote the document, and when.
#[derive(Clone, Debug)]
pub struct Producer<'a> {
    /// devspm's version.
    pub version: &'a str,
    /// RFC 3339, UTC.
    pub timestamp: &'a str,
}

/// The VEX document of `findings` (see the module documentation); findings without a package
/// are left out.
pub fn render(findings: &[VexFinding<'_>], producer: &Producer<'_>) -> Value {
    let mut components: BTreeMap<String, Value> = BTreeMap::new();
    let mut vulnerabilities = Vec::new();
    for f in findings {
        let Some(package) = f.package else { continue };
        let purl = purl(package);
        components.entry(purl.clone()).or_insert_with(|| {
            let mut c = json!({
                "type": "library",
                "bom-ref": purl,
                "name": package.name,
                "purl": purl,
            });
            if !package.version.is_empty() {
                c["version"] = json!(package.version);
            }
            c
        });
        vulnerabilities.push(vulnerability(f, package, &purl));
    }
    let body = json!({
        "components": components.into_values().collect::<Vec<_>>(),
        "vulnerabilities": vulnerabilities,
    });
    let serial = devspm_core::ids::content_hash(body.to_string().as_bytes());
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "serialNumber": format!(
            "urn:uuid:{}-{}-5{}-a{}-{}",
            &serial[..8],
            &serial[8..12],
            &serial[13..16],
            &serial[17..20],
            &serial[20..32]
        ),
        "version": 1,
        "metadata": {
            "timestamp": producer.timestamp,
            "tools": {"components": [{
                "type": "application",
                "name": "devspm",
                "version": producer.version,
            }]},
        },
        "components": body["components"],
        "vulnerabilities": body["vulnerabilities"],
    })
}

fn vulnerability(f: &VexFinding<'_>, package: &PackageRef, purl: &str) -> Value {
    let mut v = json!({
        "bom-ref": f.finding,
        "id": f.rule,
        "source": {"name": database(f.rule)},
    });
    let references: Vec<Value> = f
        .identifiers
        .iter()
        .filter(|id| *id != f.rule && !id.starts_with("CWE-"))
        .map(|id| json!({"id": id, "source": {"name": database(id)}}))
        .collect();
    if !references.is_empty() {
        v["references"] = json!(references);
    }
    v["ratings"] = json!([{
        "source": {"name": f.tool},
        "severity": match f.severity {
            "critical" | "high" | "medium" | "low" | "info" => f.severity,
            _ => "unknown",
        },
        "method": "other",
    }]);
    let cwes: Vec<u32> = f
        .identifiers
        .iter()
        .filter_map(|id| id.strip_prefix("CWE-")?.parse().ok())
        .collect();
    if !cwes.is_empty() {
        v["cwes"] = json!(cwes);
    }
    if !f.message.is_empty() {
        v["description"] = json!(f.message);
    }
    if !package.fixed.is_empty() {
        v["recommendation"] = json!(format!("Upgrade to {}", package.fixed.join(" or ")));
    }
    let mut affected = json!({"ref": purl});
    if !package.version.is_empty() {
        affected["versions"] = json!([{"version": package.version, "status": "affected"}]);
    }
    v["affects"] = json!([affected]);
    v["analysis"] = analysis(f);
    let mut properties = vec![
        json!({"name": "devspm:finding", "value": f.finding}),
        json!({"name": "devspm:tool", "value": f.tool}),
    ];
    if let Some(manifest) = &package.manifest {
        properties.push(json!({"name": "devspm:manifest", "value": manifest}));
    }
    if let Some(commit) = f.introduced_by {
        properties.push(json!({"name": "devspm:introduced-by", "value": commit}));
    }
    v["properties"] = json!(properties);
    v
}

fn analysis(f: &VexFinding<'_>) -> Value {
    let triage = f.triage.as_ref().filter(|t| t.state != "open");
    let (state, response) = match (f.status, triage.map(|t| t.state)) {
        ("fixed", _) => ("resolved", None),
        (_, Some("false-positive")) => ("false_positive", None),
        (_, Some("accepted-risk" | "wont-fix")) => ("exploitable", Some("will_not_fix")),
        _ => ("in_triage", None),
    };
    let mut a = json!({"state": state});
    if let Some(response) = response {
        a["response"] = json!([response]);
    }
    if let Some(t) = triage {
        let mut detail = format!("{}: {}", t.state, t.reason);
        if let Some(expires) = t.expires {
            detail.push_str(&format!(" (until {expires})"));
        }
        a["detail"] = json!(detail);
    }
    a
}

/// The advisory database an id's prefix names.
fn database(id: &str) -> &str {
    let prefix = id.split('-').next().unwrap_or("");
    match prefix {
        "CVE" => "NVD",
        "GHSA" => "GitHub",
        "RUSTSEC" => "RustSec",
        "PYSEC" => "PyPA",
        "GO" => "Go",
        "OSV" | "MAL" => "OSV",
        "SNYK" => "Snyk",
        _ => "other",
    }
}

/// The package URL of a package (<https://github.com/package-url/purl-spec>): the purl type of
/// its OSV ecosystem (`generic` for one without), its namespace split off the name where the
/// ecosystem writes one (`@scope/name`, `group:artifact`, `vendor/name`, a Go module path),
/// every part percent-encoded.
pub fn purl(package: &PackageRef) -> String {
    let ecosystem = package.ecosystem.as_str();
    let (distro, _release) = ecosystem.split_once(':').unwrap_or((ecosystem, ""));
    let name = package.name.as_str();
    let (ty, namespace, name): (&str, Option<String>, String) = match distro {
        "crates.io" => ("cargo", None, name.to_string()),
        "npm" => match name.strip_prefix('@').and_then(|n| n.split_once('/')) {
            Some((scope, n)) => ("npm", Some(format!("@{scope}")), n.to_string()),
            None => ("npm", None, name.to_string()),
        },
        "PyPI" => ("pypi", None, name.to_ascii_lowercase().replace('_', "-")),
        "Go" => match name.rsplit_once('/') {
            Some((ns, n)) => ("golang", Some(ns.to_string()), n.to_string()),
            None => ("golang", None, name.to_string()),
        },
        "Maven" => match name.split_once(':') {
            Some((group, artifact)) => ("maven", Some(group.to_string()), artifact.to_string()),
            None => ("maven", None, name.to_string()),
        },
        "Packagist" | "GitHub Actions" => {
            let ty = if distro == "Packagist" {
                "composer"
            } else {
                "github"
            };
            match name.split_once('/') {
                Some((ns, n)) => (ty, Some(ns.to_string()), n.to_string()),
                None => (ty, None, name.to_string()),
            }
        }
        "RubyGems" => ("gem", None, name.to_string()),
        "NuGet" => ("nuget", None, name.to_string()),
        "Hex" => ("hex", None, name.to_string()),
        "Pub" => ("pub", None, name.to_string()),
        "CocoaPods" => ("cocoapods", None, name.to_string()),
        "Debian" => ("deb", Some("debian".into()), name.to_string()),
        "Ubuntu" => ("deb", Some("ubuntu".into()), name.to_string()),
        "Alpine" => ("apk", Some("alpine".into()), name.to_string()),
        _ => ("generic", None, name.to_string()),
    };
    let mut out = format!("pkg:{ty}/");
    if let Some(ns) = namespace {
        let parts: Vec<String> = ns.split('/').map(encode).collect();
        out.push_str(&parts.join("/"));
        out.push('/');
    }
    out.push_str(&encode(&name));
    if !package.version.is_empty() {
        out.push('@');
        out.push_str(&encode(&package.version));
    }
    out
}

/// Percent-encodes everything but ASCII letters, digits and `.-_~+` (purl's unreserved set,
/// plus `+`, common in versions).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b'+') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(ecosystem: &str, name: &str, version: &str) -> PackageRef {
        PackageRef {
            ecosystem: ecosystem.into(),
            name: name.into(),
            version: version.into(),
            manifest: None,
            fixed: Vec::new(),
        }
    }

    #[test]
    fn package_urls() {
        let cases = [
            ("crates.io", "h2", "0.4.13", "pkg:cargo/h2@0.4.13"),
            ("npm", "@babel/core", "7.0.0", "pkg:npm/%40babel/core@7.0.0"),
            ("PyPI", "Jinja_2", "3.1.2", "pkg:pypi/jinja-2@3.1.2"),
            (
                "Maven",
                "org.apache.santuario:xmlsec",
                "2.1.1",
                "pkg:maven/org.apache.santuario/xmlsec@2.1.1",
            ),
            (
                "Go",
                "github.com/gin-gonic/gin",
                "v1.6.0",
                "pkg:golang/github.com/gin-gonic/gin@v1.6.0",
            ),
            (
                "Debian:11",
                "gcc-10",
                "10.2.1-6",
                "pkg:deb/debian/gcc-10@10.2.1-6",
            ),
            ("npm", "debug", "", "pkg:npm/debug"),
            ("SUSE", "a b", "1", "pkg:generic/a%20b@1"),
        ];
        for (ecosystem, name, version, want) in cases {
            assert_eq!(purl(&package(ecosystem, name, version)), want);
        }
    }

    #[test]
    fn findings_become_vulnerabilities_with_their_triage() {
        let h2 = PackageRef {
            fixed: vec![">=0.4.16".into()],
            manifest: Some("Cargo.lock".into()),
            ..package("crates.io", "h2", "0.4.13")
        };
        let ids = vec!["CWE-400".to_string(), "GHSA-q83h-524g-xf6h".into()];
        let base = VexFinding {
            finding: "f_0000000000000001",
            tool: "cargo-audit",
            rule: "RUSTSEC-2026-0258",
            severity: "high",
            message: "h2 unbounded empty DATA frames",
            identifiers: &ids,
            package: Some(&h2),
            status: "open",
            triage: None,
            introduced_by: Some("3e1172d43cabb34afb798dfc9d8724839e18fe85"),
        };
        let findings = [
            base.clone(),
            VexFinding {
                finding: "f_0000000000000002",
                rule: "RUSTSEC-2026-0259",
                triage: Some(Triage {
                    state: "accepted-risk",
                    reason: "not reachable: \u{1b}[31m we use HTTP/1 only",
                    expires: Some("2027-01-31"),
                }),
                ..base.clone()
            },
            VexFinding {
                finding: "f_0000000000000003",
                status: "fixed",
                ..base.clone()
            },
            VexFinding {
                finding: "f_0000000000000004",
                triage: Some(Triage {
                    state: "false-positive",
                    reason: "vendored copy, unused",
                    expires: None,
                }),
                ..base.clone()
            },
            VexFinding {
                finding: "f_0000000000000005",
                package: None,
                ..base.clone()
            },
        ];
        let producer = Producer {
            version: "0.1.0",
            timestamp: "2026-12-07T00:00:00Z",
        };
        let doc = render(&findings, &producer);
        assert_eq!(doc["bomFormat"], "CycloneDX");
        assert_eq!(doc["specVersion"], "1.5");
        assert_eq!(render(&findings, &producer), doc, "deterministic");
        let serial = doc["serialNumber"].as_str().unwrap();
        assert!(
            serial.starts_with("urn:uuid:") && serial.len() == 45,
            "{serial}"
        );
        assert_eq!(doc["components"].as_array().unwrap().len(), 1);
        assert_eq!(doc["components"][0]["bom-ref"], "pkg:cargo/h2@0.4.13");
        let vulns = doc["vulnerabilities"].as_array().unwrap();
        assert_eq!(vulns.len(), 4, "the finding without a package is left out");
        let v = &vulns[0];
        assert_eq!(v["id"], "RUSTSEC-2026-0258");
        assert_eq!(v["source"]["name"], "RustSec");
        assert_eq!(v["references"][0]["id"], "GHSA-q83h-524g-xf6h");
        assert_eq!(v["cwes"], json!([400]));
        assert_eq!(v["ratings"][0]["severity"], "high");
        assert_eq!(v["affects"][0]["ref"], "pkg:cargo/h2@0.4.13");
        assert_eq!(v["affects"][0]["versions"][0]["version"], "0.4.13");
        assert_eq!(v["recommendation"], "Upgrade to >=0.4.16");
        assert_eq!(v["analysis"], json!({"state": "in_triage"}));
        let states: Vec<&str> = vulns
            .iter()
            .map(|v| v["analysis"]["state"].as_str().unwrap())
            .collect();
        assert_eq!(
            states,
            ["in_triage", "exploitable", "resolved", "false_positive"]
        );
        assert_eq!(vulns[1]["analysis"]["response"], json!(["will_not_fix"]));
        // The reason is carried as written; JSON escapes the control character.
        assert_eq!(
            vulns[1]["analysis"]["detail"],
            "accepted-risk: not reachable: \u{1b}[31m we use HTTP/1 only (until 2027-01-31)"
        );
        let text = crate::json::to_string_pretty(&doc).unwrap();
        assert!(!text.contains('\u{1b}'), "{text}");
        let props: Vec<(&str, &str)> = v["properties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["name"].as_str().unwrap(), p["value"].as_str().unwrap()))
            .collect();
        assert_eq!(
            props,
            [
                ("devspm:finding", "f_0000000000000001"),
                ("devspm:tool", "cargo-audit"),
                ("devspm:manifest", "Cargo.lock"),
                (
                    "devspm:introduced-by",
                    "3e1172d43cabb34afb798dfc9d8724839e18fe85"
                ),
            ]
        );
    }
}
