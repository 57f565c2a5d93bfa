//! The VEX document `vex::render` writes reads back through devspm's own CycloneDX importer:
//! the open findings come back with their advisory, identifiers, severity and package, and
//! the ones it marks resolved or false positive do not.

use devspm_core::finding::PackageRef;
use devspm_findings::import::{Format, import_reader};
use devspm_findings::{FindingKind, Severity};
use devspm_report::vex::{Producer, Triage, VexFinding, render};

#[test]
fn a_vex_document_reads_back_as_the_open_findings() {
    let jinja = PackageRef {
        ecosystem: "PyPI".into(),
        name: "jinja2".into(),
        version: "3.1.2".into(),
        manifest: Some("requirements.txt".into()),
        fixed: vec!["3.1.3".into()],
    };
    let babel = PackageRef {
        ecosystem: "npm".into(),
        name: "@babel/traverse".into(),
        version: "7.22.0".into(),
        manifest: None,
        fixed: Vec::new(),
    };
    let jinja_ids = vec!["CVE-2024-22195".to_string(), "CWE-79".into()];
    let babel_ids = vec!["CVE-2023-45133".to_string()];
    let findings = [
        VexFinding {
            finding: "f_1111111111111111",
            tool: "osv-scanner",
            rule: "GHSA-h5c8-rqwp-cp95",
            severity: "medium",
            message: "Jinja vulnerable to HTML attribute injection",
            identifiers: &jinja_ids,
            package: Some(&jinja),
            status: "open",
            triage: None,
            introduced_by: None,
        },
        VexFinding {
            finding: "f_2222222222222222",
            tool: "snyk",
            rule: "GHSA-67hx-6x53-jw92",
            severity: "critical",
            message: "Babel vulnerable to arbitrary code execution",
            identifiers: &babel_ids,
            package: Some(&babel),
            status: "open",
            triage: Some(Triage {
                state: "accepted-risk",
                reason: "build-time only",
                expires: None,
            }),
            introduced_by: None,
        },
        VexFinding {
            finding: "f_3333333333333333",
            tool: "snyk",
            rule: "GHSA-0000-0000-0000",
            severity: "low",
            message: "fixed since",
            identifiers: &[],
            package: Some(&babel),
            status: "fixed",
            triage: None,
            introduced_by: None,
        },
    ];
    let doc = render(
        &findings,
        &Producer {
            version: "0.1.0",
            timestamp: "2026-12-07T00:00:00Z",
        },
    );
    let text = devspm_report::json::to_string_pretty(&doc).unwrap();
    let mut read = Vec::new();
    let summary = import_reader("vex.json", std::io::Cursor::new(text), &mut |f| {
        read.push(f);
        Ok(())
    })
    .unwrap();
    assert_eq!(summary.format, Format::CycloneDx);
    assert_eq!(summary.tools, ["devspm"]);
    assert_eq!(read.len(), 2, "{read:#?}");
    let jinja = &read[0];
    assert_eq!(jinja.kind, FindingKind::Dependency);
    assert_eq!(jinja.rule, "GHSA-h5c8-rqwp-cp95");
    assert_eq!(
        jinja.identifiers,
        ["CVE-2024-22195", "CWE-79", "GHSA-h5c8-rqwp-cp95"]
    );
    assert_eq!(jinja.severity, Severity::Medium);
    let p = jinja.package.as_ref().unwrap();
    assert_eq!(
        (p.ecosystem.as_str(), p.name.as_str(), p.version.as_str()),
        ("PyPI", "jinja2", "3.1.2")
    );
    let babel = &read[1];
    assert_eq!(babel.severity, Severity::Critical);
    let p = babel.package.as_ref().unwrap();
    assert_eq!(
        (p.ecosystem.as_str(), p.name.as_str()),
        ("npm", "@babel/traverse")
    );
}
