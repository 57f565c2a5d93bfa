//! Imports real scanner output: slices of real files in `tests/fixtures/scanners/` (their
//! origin is in that folder's README), and the whole files of the project's shared data
//! (`$DEVSPM_SHARED_DATA`, default `shared/data` beside the workspace, then
//! `shared/data` beside the checkout), whose tests are skipped, saying so, where that folder is absent.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use devspm_findings::import::{Format, ImportError, ImportSummary, import_file};
use devspm_findings::{FindingKind, RawFinding, Severity};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/scanners")
        .join(name)
}

/// A file of `shared/data/scanner-output/`, or `None` (said) where the folder is absent.
fn shared(name: &str) -> Option<PathBuf> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let roots = [
        std::env::var_os("DEVSPM_SHARED_DATA").map(PathBuf::from),
        Some(workspace.join("../shared/data")),
    ];
    for root in roots.into_iter().flatten() {
        let path = root.join("scanner-output").join(name);
        if path.is_file() {
            return Some(path);
        }
    }
    eprintln!("skipped: shared data file {name} not found (set DEVSPM_SHARED_DATA)");
    None
}

fn import(path: &Path) -> (Vec<RawFinding>, ImportSummary) {
    let mut findings = Vec::new();
    let summary = import_file(path, &mut |f| {
        findings.push(f);
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(summary.results, findings.len() as u64);
    (findings, summary)
}

fn tally<K: Ord>(findings: &[RawFinding], key: impl Fn(&RawFinding) -> K) -> BTreeMap<K, usize> {
    let mut out = BTreeMap::new();
    for f in findings {
        *out.entry(key(f)).or_insert(0) += 1;
    }
    out
}

/// Asserts no secret of `findings` appears in any serialized finding, message or warning.
fn assert_no_secret_leaks(findings: &[RawFinding], summary: &ImportSummary) {
    let serialized: Vec<String> = findings
        .iter()
        .map(|f| serde_json::to_string(f).unwrap())
        .collect();
    for f in findings {
        let Some(secret) = f.secret.as_deref() else {
            continue;
        };
        assert!(f.snippet.is_none(), "{f:?}");
        for s in &serialized {
            assert!(!s.contains(secret), "secret {secret:?} in {s}");
        }
        for w in &summary.warnings {
            assert!(!w.message.contains(secret), "secret {secret:?} in {w}");
        }
    }
}

fn severities(findings: &[RawFinding]) -> BTreeMap<Severity, usize> {
    tally(findings, |f| f.severity)
}

// Whole real files -----------------------------------------------------------------------------

#[test]
fn real_sarif_files_import_every_result() {
    /// File, results, their kind, and their count by severity.
    type Case = (&'static str, u64, FindingKind, &'static [(Severity, usize)]);
    let cases: [Case; 5] = [
        (
            "semgrep-1.185.0-nushell-3e1172d4.sarif",
            123,
            FindingKind::Code,
            &[(Severity::Low, 105), (Severity::Medium, 18)],
        ),
        (
            // Bandit's own totals: 111 LOW, 119 MEDIUM, 1 HIGH.
            "bandit-1.9.4-netbox-43fe81f9.sarif",
            231,
            FindingKind::Code,
            &[
                (Severity::Low, 111),
                (Severity::Medium, 119),
                (Severity::High, 1),
            ],
        ),
        (
            "zizmor-1.32.0-nushell-3e1172d4.sarif",
            30,
            FindingKind::Config,
            &[
                (Severity::Info, 7),
                (Severity::Low, 4),
                (Severity::Medium, 11),
                (Severity::High, 8),
            ],
        ),
        (
            "checkov-3.3.30-nushell-3e1172d4.sarif",
            7,
            FindingKind::Config,
            &[(Severity::High, 7)],
        ),
        (
            "gitleaks-8.28.0-dir-netbox-43fe81f9.sarif",
            6,
            FindingKind::Secret,
            &[(Severity::Medium, 6)],
        ),
    ];
    for (name, count, kind, want) in cases {
        let Some(path) = shared(name) else { continue };
        let (findings, summary) = import(&path);
        assert_eq!(summary.format, Format::Sarif, "{name}");
        assert_eq!(summary.results, count, "{name}");
        assert!(
            summary.warnings.is_empty(),
            "{name}: {:?}",
            summary.warnings
        );
        assert!(findings.iter().all(|f| f.kind == kind), "{name}");
        assert!(findings.iter().all(|f| f.location.is_some()), "{name}");
        assert_eq!(
            severities(&findings),
            want.iter().copied().collect(),
            "{name}"
        );
        assert_no_secret_leaks(&findings, &summary);
    }
}

#[test]
fn real_cargo_audit_reports() {
    for (name, vulnerabilities, informational) in [
        ("cargo-audit-0.22.2-nushell-ad4450f9.json", 23, 34),
        ("cargo-audit-0.22.2-nushell-3e1172d4.json", 1, 11),
    ] {
        let Some(path) = shared(name) else { continue };
        let (findings, summary) = import(&path);
        assert_eq!(summary.format, Format::CargoAudit);
        let info = findings
            .iter()
            .filter(|f| f.severity == Severity::Info)
            .count();
        assert_eq!(findings.len() - info, vulnerabilities, "{name}");
        assert_eq!(info, informational, "{name}");
        assert!(findings.iter().all(|f| f.kind == FindingKind::Dependency));
        assert!(
            summary.warnings[0].message.contains("yanked"),
            "{:?}",
            summary.warnings
        );
    }
}

#[test]
fn real_secret_scanner_json() {
    if let Some(path) = shared("trufflehog3-3.0.10-nushell-last1000.json") {
        let (findings, summary) = import(&path);
        assert_eq!(summary.format, Format::Trufflehog3);
        assert_eq!(findings.len(), 34);
        assert!(findings.iter().all(|f| f.kind == FindingKind::Secret
            && f.severity == Severity::Low
            && f.secret.is_some()));
        // 21 found in history (with their commit), 13 in the working tree.
        let with_commit = findings
            .iter()
            .filter(|f| f.revision.as_ref().is_some_and(|r| r.len() == 40))
            .count();
        assert_eq!(with_commit, 21);
        assert_no_secret_leaks(&findings, &summary);
    }
    if let Some(path) = shared("detect-secrets-1.5.0-netbox-43fe81f9.json") {
        let (findings, summary) = import(&path);
        assert_eq!(summary.format, Format::DetectSecrets);
        assert_eq!(findings.len(), 70);
        let files: std::collections::BTreeSet<&str> = findings
            .iter()
            .map(|f| f.location.as_ref().unwrap().path.as_str())
            .collect();
        assert_eq!(files.len(), 31);
        assert!(findings.iter().all(|f| f.secret.is_none()));
    }
}

#[test]
fn real_cargo_deny_json_lines() {
    let Some(path) = shared("cargo-deny-0.20.2-nushell-0.114.1.jsonl") else {
        return;
    };
    let (findings, summary) = import(&path);
    assert_eq!(summary.format, Format::CargoDeny);
    // 3 vulnerabilities, 3 unmaintained and 2 unsound crates; the 2 yanked ones are counted.
    assert_eq!(findings.len(), 8);
    assert_eq!(
        tally(&findings, |f| f
            .message
            .split(']')
            .next()
            .unwrap()
            .to_string())
        .into_iter()
        .filter(|(k, _)| k.starts_with('['))
        .collect::<Vec<_>>(),
        [
            ("[unmaintained".to_string(), 3),
            ("[unsound".to_string(), 2)
        ]
    );
    assert_eq!(
        severities(&findings),
        [
            (Severity::Unknown, 1),
            (Severity::Info, 5),
            (Severity::High, 2)
        ]
        .into_iter()
        .collect()
    );
    assert!(findings.iter().all(|f| f.kind == FindingKind::Dependency
        && f.location.is_none()
        && f.package.as_ref().unwrap().ecosystem == "crates.io"));
    let messages: Vec<String> = summary.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].starts_with("line 1: $.fields.message: cargo-deny logged an error"),
        "{messages:?}"
    );
    assert!(
        messages[1].starts_with("line 10: $: 2 results not imported"),
        "{messages:?}"
    );
}

// SARIF slices ---------------------------------------------------------------------------------

#[test]
fn semgrep_slice() {
    let (findings, summary) = import(&fixture("semgrep-1.185.0-nushell-3e1172d4.slice.sarif"));
    assert_eq!(summary.results, 5);
    let f = &findings[0];
    assert_eq!(f.tool, "semgrep");
    assert_eq!(f.tool_version.as_deref(), Some("1.185.0"));
    assert_eq!(f.rule, "rules.rust-unsafe-block");
    // No level on the result: the rule's defaultConfiguration.level `note`.
    assert_eq!(f.severity, Severity::Low);
    assert_eq!(f.message, "unsafe block");
    let loc = f.location.as_ref().unwrap();
    assert_eq!(loc.path, "benches/benchmarks.rs");
    assert_eq!((loc.start_line, loc.end_line), (Some(124), Some(124)));
    assert_eq!(
        f.snippet.as_deref(),
        Some("        unsafe { DC_GLOB.set(value) };")
    );
    // `matchBasedId/v1: requires login` is Semgrep's placeholder, not a fingerprint.
    assert_eq!(f.producer_fingerprint, None);
    assert_eq!(findings[3].severity, Severity::Medium);
    assert_eq!(findings[4].origin, "$.runs[0].results[4]");
}

#[test]
fn bandit_slice_identifiers_and_severities() {
    let (findings, _) = import(&fixture("bandit-1.9.4-netbox-43fe81f9.slice.sarif"));
    assert_eq!(findings.len(), 16);
    let by_rule: BTreeMap<&str, &RawFinding> =
        findings.iter().map(|f| (f.rule.as_str(), f)).collect();
    assert_eq!(by_rule["B110"].identifiers, ["CWE-703"]);
    assert_eq!(by_rule["B110"].severity, Severity::Low);
    assert_eq!(by_rule["B608"].identifiers, ["CWE-89"]);
    // No level on the result (SARIF's default, warning) and issue_severity MEDIUM.
    assert_eq!(by_rule["B608"].severity, Severity::Medium);
    assert_eq!(by_rule["B701"].severity, Severity::High);
    assert_eq!(by_rule["B701"].identifiers, ["CWE-94"]);
    assert!(findings.iter().all(|f| f.tool == "bandit"
        && f.tool_version.as_deref() == Some("1.9.4")
        && f.snippet.is_some()));
}

#[test]
fn zizmor_and_checkov_are_configuration_findings() {
    let (findings, _) = import(&fixture("zizmor-1.32.0-nushell-3e1172d4.slice.sarif"));
    assert_eq!(findings.len(), 8);
    assert!(findings.iter().all(|f| f.kind == FindingKind::Config));
    let informational = findings
        .iter()
        .find(|f| f.rule == "zizmor/superfluous-actions")
        .unwrap();
    // zizmor/severity `Informational` rather than the level `note`.
    assert_eq!(informational.severity, Severity::Info);
    let high = findings
        .iter()
        .find(|f| f.rule == "zizmor/dangerous-triggers")
        .unwrap();
    assert_eq!(high.severity, Severity::High);
    assert!(
        high.location
            .as_ref()
            .unwrap()
            .path
            .starts_with(".github/workflows/")
    );

    let (findings, _) = import(&fixture("checkov-3.3.30-nushell-3e1172d4.sarif"));
    assert_eq!(findings.len(), 7);
    assert_eq!(
        tally(&findings, |f| f.rule.clone()).get("CKV_DOCKER_2"),
        Some(&2)
    );
    // Checkov wrote an empty snippet for CKV2_GHA_1.
    let empty = findings.iter().find(|f| f.rule == "CKV2_GHA_1").unwrap();
    assert_eq!(empty.snippet, None);
    assert_eq!(
        empty.location.as_ref().unwrap().path,
        ".github/workflows/labels.yml"
    );
}

#[test]
fn gitleaks_sarif_keeps_secrets_out_of_everything_but_secret() {
    let (findings, summary) = import(&fixture("gitleaks-8.28.0-dir-netbox-43fe81f9.slice.sarif"));
    assert_eq!(findings.len(), 6);
    assert!(findings.iter().all(|f| f.kind == FindingKind::Secret
        && f.snippet.is_none()
        && f.secret.is_some()
        && f.revision.is_none()
        && f.producer_fingerprint.is_none()));
    assert_eq!(
        findings[2].secret.as_deref(),
        Some("nbt_4F9DAouzURLb.zjebxBPzICiPbWz0Wtx0fTL7bCKXKGTYhNzkgC2S")
    );
    assert_eq!(findings[2].rule, "curl-auth-header");
    assert_no_secret_leaks(&findings, &summary);
}

#[test]
fn trivy_sarif_results_are_dependencies() {
    let (findings, _) = import(&fixture("trivy-golden-alpine-310.sarif"));
    assert_eq!(findings.len(), 4);
    assert!(
        findings
            .iter()
            .all(|f| f.kind == FindingKind::Dependency && f.tool == "trivy")
    );
    assert_eq!(findings[0].identifiers, ["CVE-2019-1549"]);
    assert_eq!(findings[0].severity, Severity::Medium);
    assert_eq!(
        findings[0].location.as_ref().unwrap().path,
        "testdata/fixtures/images/alpine-310.tar.gz"
    );
}

// JSON formats ---------------------------------------------------------------------------------

#[test]
fn gitleaks_json_real_run() {
    let (findings, summary) = import(&fixture("gitleaks-8.28.0-dir-fake.json"));
    assert_eq!(summary.format, Format::Gitleaks);
    assert_eq!(
        tally(&findings, |f| f.rule.clone()),
        [
            ("aws-access-token", 1),
            ("generic-api-key", 1),
            ("github-pat", 1)
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    );
    let aws = findings
        .iter()
        .find(|f| f.rule == "aws-access-token")
        .unwrap();
    assert_eq!(aws.secret.as_deref(), Some("AKIAQYLPMN5HFIQR7XYA"));
    assert_eq!(aws.location.as_ref().unwrap().path, "config.env");
    assert_eq!(aws.location.as_ref().unwrap().start_line, Some(2));
    assert_eq!(
        aws.producer_fingerprint.as_deref(),
        Some("Fingerprint:config.env:aws-access-token:2")
    );
    let pat = findings.iter().find(|f| f.rule == "github-pat").unwrap();
    assert_eq!(pat.location.as_ref().unwrap().path, "src dir/app.py");
    assert!(
        findings
            .iter()
            .all(|f| f.severity == Severity::Unknown && f.snippet.is_none())
    );
    assert_no_secret_leaks(&findings, &summary);
}

#[test]
fn trufflehog3_and_detect_secrets_slices() {
    let (findings, summary) = import(&fixture("trufflehog3-3.0.10-nushell-last1000.slice.json"));
    assert_eq!(summary.format, Format::Trufflehog3);
    assert_eq!(findings.len(), 3);
    let f = &findings[0];
    assert_eq!(f.rule, "generic.password-in-url");
    assert_eq!(f.message, "Password in URL");
    assert_eq!(
        f.secret.as_deref(),
        Some("http://usr:pwd@localhost:1234?par_1=aaa&par_2=bbb\"")
    );
    let loc = f.location.as_ref().unwrap();
    assert_eq!(loc.path, "crates/nu-command/tests/commands/url/join.rs");
    assert_eq!((loc.start_line, loc.end_line), (Some(119), Some(119)));
    assert_eq!(
        f.revision.as_deref(),
        Some("559f741b930f6e687ef55752109ca0c85e4f1f5a")
    );
    let json = serde_json::to_string(f).unwrap();
    assert!(
        !json.contains("Piepmatz") && !json.contains("refactor("),
        "{json}"
    );
    assert_no_secret_leaks(&findings, &summary);

    let (findings, summary) = import(&fixture("detect-secrets-1.5.0-netbox-43fe81f9.slice.json"));
    assert_eq!(summary.format, Format::DetectSecrets);
    assert_eq!(findings.len(), 5);
    let f = &findings[0];
    assert_eq!(f.rule, "Secret Keyword");
    assert_eq!(f.kind, FindingKind::Secret);
    assert_eq!(
        f.location.as_ref().unwrap().path,
        ".github/workflows/ci.yml"
    );
    assert_eq!(f.location.as_ref().unwrap().start_line, Some(102));
    assert_eq!(f.origin, "$.results['.github/workflows/ci.yml'][0]");
    for f in &findings {
        let json = serde_json::to_string(f).unwrap();
        assert!(
            !json.contains("b42bf8635b4e7c528339fd4e073ddc9fecf1e5a7"),
            "{json}"
        );
    }
}

#[test]
fn trivy_json_real_run_misconfigurations_and_secrets() {
    let (findings, summary) = import(&fixture("trivy-0.76.0-fs-fake.json"));
    assert_eq!(summary.format, Format::Trivy);
    assert_eq!(
        tally(&findings, |f| f.kind.as_str()),
        [("config", 4), ("secret", 2)].into_iter().collect()
    );
    assert!(
        findings
            .iter()
            .all(|f| f.tool_version.as_deref() == Some("0.76.0"))
    );
    let latest = findings.iter().find(|f| f.rule == "DS-0001").unwrap();
    assert_eq!(latest.severity, Severity::Medium);
    assert_eq!(latest.snippet.as_deref(), Some("FROM alpine:latest"));
    assert_eq!(latest.location.as_ref().unwrap().path, "Dockerfile");
    let root = findings.iter().find(|f| f.rule == "DS-0002").unwrap();
    assert_eq!(root.location.as_ref().unwrap().start_line, None);
    let aws = findings
        .iter()
        .find(|f| f.rule == "aws-access-key-id")
        .unwrap();
    assert_eq!(aws.severity, Severity::Critical);
    assert_eq!(aws.location.as_ref().unwrap().start_line, Some(2));
    assert!(aws.secret.is_none() && aws.snippet.is_none());
    for f in &findings {
        let json = serde_json::to_string(f).unwrap();
        assert!(!json.contains("AKIA") && !json.contains("ghp_"), "{json}");
    }
}

#[test]
fn trivy_json_vulnerabilities() {
    let (findings, _) = import(&fixture("trivy-golden-npm.json"));
    assert_eq!(findings.len(), 1);
    let f = &findings[0];
    assert_eq!(f.kind, FindingKind::Dependency);
    assert_eq!(f.rule, "CVE-2019-11358");
    assert_eq!(f.identifiers, ["CVE-2019-11358", "CWE-79"]);
    assert_eq!(f.severity, Severity::Medium);
    let p = f.package.as_ref().unwrap();
    assert_eq!(
        (p.ecosystem.as_str(), p.name.as_str(), p.version.as_str()),
        ("npm", "jquery", "3.3.9")
    );
    assert_eq!(p.fixed, ["3.4.0"]);
    assert_eq!(p.manifest.as_deref(), Some("package-lock.json"));
    assert!(
        f.producer_fingerprint
            .as_deref()
            .unwrap()
            .starts_with("Fingerprint:sha256:")
    );
    assert_eq!(f.origin, "$.Results[0].Vulnerabilities[0]");

    let (findings, summary) = import(&fixture("trivy-golden-secrets.json"));
    assert!(
        findings
            .iter()
            .all(|f| f.kind == FindingKind::Secret && f.secret.is_none())
    );
    assert!(
        summary
            .warnings
            .iter()
            .any(|w| w.message.contains("masks secret values"))
    );
    for f in &findings {
        let json = serde_json::to_string(f).unwrap();
        assert!(!json.contains("ghp_"), "{json}");
    }
}

#[test]
fn grype_json() {
    let (findings, summary) = import(&fixture("grype-golden-dirs.json"));
    assert_eq!(summary.format, Format::Grype);
    assert_eq!(findings.len(), 2);
    assert_eq!(findings[0].rule, "CVE-1999-0001");
    // Grype's own severity word wins over the CVSS score.
    assert_eq!(findings[0].severity, Severity::Low);
    let p = findings[0].package.as_ref().unwrap();
    assert_eq!(
        (p.ecosystem.as_str(), p.name.as_str(), p.version.as_str()),
        ("rpm", "package-1", "1.1.1")
    );
    assert_eq!(p.fixed, ["1.2.1", "2.1.3", "3.4.0"]);
    // A directory scan: paths are joined to the scanned directory.
    assert_eq!(
        findings[0].location.as_ref().unwrap().path,
        "/some/path/foo/bar/somefile-1.txt"
    );
    assert_eq!(findings[1].severity, Severity::Critical);
    assert_eq!(findings[1].package.as_ref().unwrap().ecosystem, "Debian");

    let (findings, _) = import(&fixture("grype-golden-imgs.json"));
    assert_eq!(findings.len(), 2);
    assert_eq!(
        findings[0].location.as_ref().unwrap().path,
        "/foo/bar/somefile-1.txt"
    );
}

#[test]
fn osv_scanner_json() {
    let (findings, summary) = import(&fixture("osv-scanner-snapshot-grouped.json"));
    assert_eq!(summary.format, Format::OsvScanner);
    assert_eq!(findings.len(), 6);
    let f = &findings[0];
    assert_eq!(f.tool, "osv-scanner");
    assert_eq!(f.rule, "OSV-1");
    assert_eq!(f.message, "Something scary!");
    assert_eq!(f.origin, "$.results[0].packages[0].groups[0]");
    let p = f.package.as_ref().unwrap();
    assert_eq!(
        (p.ecosystem.as_str(), p.name.as_str(), p.version.as_str()),
        ("npm", "mine1", "1.2.3")
    );
    assert_eq!(
        p.manifest.as_deref(),
        Some("<rootdir>/path/to/my/first/lockfile")
    );

    let (findings, _) = import(&fixture("osv-scanner-snapshot-aliases.json"));
    assert_eq!(
        findings.len(),
        1,
        "two aliases of one vulnerability are one finding"
    );
    assert_eq!(findings[0].rule, "OSV-1");
    assert_eq!(findings[0].identifiers, ["GHSA-123", "OSV-1"]);
    assert_eq!(findings[0].severity, Severity::High);
}

#[test]
fn cyclonedx_from_osv_scanner_and_trivy() {
    let (findings, summary) = import(&fixture("osv-scanner-cyclonedx-1.5.json"));
    assert_eq!(summary.format, Format::CycloneDx);
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    assert_eq!(findings.len(), 1);
    let f = &findings[0];
    assert_eq!(f.rule, "GHSA-9f46-5r25-5wfm");
    assert_eq!(f.identifiers, ["CVE-2021-32708", "GHSA-9f46-5r25-5wfm"]);
    // Only a CVSS vector: 9.8.
    assert_eq!(f.severity, Severity::Critical);
    let p = f.package.as_ref().unwrap();
    assert_eq!(
        (p.ecosystem.as_str(), p.name.as_str(), p.version.as_str()),
        ("Packagist", "league/flysystem", "1.0.8")
    );

    let (findings, summary) = import(&fixture("trivy-golden-npm.cdx.json"));
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].tool, "trivy");
    assert_eq!(findings[0].identifiers, ["CVE-2019-11358", "CWE-79"]);
    let p = findings[0].package.as_ref().unwrap();
    assert_eq!((p.name.as_str(), p.version.as_str()), ("jquery", "3.3.9"));
    // Trivy writes CycloneDX 1.7: read the same way, with a warning.
    assert_eq!(summary.warnings.len(), 1);
    assert_eq!(summary.warnings[0].json_path, "$.specVersion");
}

#[test]
fn cargo_audit_slice() {
    let (findings, summary) = import(&fixture("cargo-audit-0.22.2-nushell-ad4450f9.slice.json"));
    let by_rule: BTreeMap<&str, &RawFinding> =
        findings.iter().map(|f| (f.rule.as_str(), f)).collect();
    assert_eq!(findings.len(), 5);
    // CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:L = 8.6
    assert_eq!(by_rule["RUSTSEC-2024-0013"].severity, Severity::High);
    // CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:A/VC:N/VI:N/VA:H/SC:N/SI:N/SA:H = 6.8 (until v4 vectors
    // were scored, unknown).
    assert_eq!(by_rule["RUSTSEC-2026-0009"].severity, Severity::Medium);
    let bytes = by_rule["RUSTSEC-2026-0007"];
    assert_eq!(
        bytes.identifiers,
        ["CVE-2026-25541", "GHSA-434x-w66g-qw3r", "RUSTSEC-2026-0007"]
    );
    let p = bytes.package.as_ref().unwrap();
    assert_eq!(
        (p.ecosystem.as_str(), p.name.as_str(), p.version.as_str()),
        ("crates.io", "bytes", "1.4.0")
    );
    assert_eq!(p.fixed, [">=1.11.1"]);
    let unsound = findings
        .iter()
        .find(|f| f.message.starts_with("[unsound]"))
        .unwrap();
    assert_eq!(unsound.severity, Severity::Info);
    assert_eq!(summary.warnings.len(), 1);
}

// Bad input ------------------------------------------------------------------------------------

fn temp_file(contents: &[u8], name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(contents)
        .unwrap();
    (dir, path)
}

#[test]
fn truncated_file_error_names_file_line_and_json_path() {
    let full = std::fs::read(fixture("bandit-1.9.4-netbox-43fe81f9.slice.sarif")).unwrap();
    let cut = &full[..full.len() * 2 / 3];
    let (_dir, path) = temp_file(cut, "bandit.sarif");
    let mut seen = 0;
    let err = import_file(&path, &mut |_| {
        seen += 1;
        Ok(())
    })
    .unwrap_err();
    assert_eq!(
        seen, 0,
        "a truncated file fails before any finding is emitted"
    );
    let lines = String::from_utf8_lossy(cut).lines().count();
    match &err {
        ImportError::Json {
            file,
            line,
            json_path,
            ..
        } => {
            assert_eq!(file, &path.display().to_string());
            assert_eq!(*line, lines);
            assert!(json_path.starts_with("$.runs[0].results["), "{json_path}");
        }
        other => panic!("{other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains(&format!("{}:{lines}:", path.display())),
        "{text}"
    );
    assert!(text.contains("truncated"), "{text}");
}

#[test]
fn sarif_of_another_version_is_refused() {
    let text = std::fs::read_to_string(fixture("semgrep-1.185.0-nushell-3e1172d4.slice.sarif"))
        .unwrap()
        .replace("\"version\": \"2.1.0\"", "\"version\": \"2.0.0\"");
    let (_dir, path) = temp_file(text.as_bytes(), "old.sarif");
    let err = import_file(&path, &mut |_| Ok(())).unwrap_err();
    assert!(
        matches!(err, ImportError::UnsupportedVersion { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("old.sarif") && message.contains("`2.0.0`") && message.contains("2.1.0"),
        "{message}"
    );
}

// JSON Lines ------------------------------------------------------------------------------------

#[test]
fn cargo_deny_slice() {
    let (findings, summary) = import(&fixture("cargo-deny-0.20.2-nushell-0.114.1.slice.jsonl"));
    assert_eq!(summary.format, Format::CargoDeny);
    assert_eq!(summary.tools, ["cargo-deny"]);
    assert_eq!(findings.len(), 3);
    let by_rule: BTreeMap<&str, &RawFinding> =
        findings.iter().map(|f| (f.rule.as_str(), f)).collect();
    let h2 = by_rule["RUSTSEC-2026-0258"];
    assert_eq!(h2.identifiers, ["GHSA-q83h-524g-xf6h", "RUSTSEC-2026-0258"]);
    // No CVSS vector in the advisory.
    assert_eq!(h2.severity, Severity::Unknown);
    assert_eq!(h2.message, "h2 unbounded empty DATA frames");
    let p = h2.package.as_ref().unwrap();
    assert_eq!(
        (p.name.as_str(), p.version.as_str(), p.manifest.as_deref()),
        ("h2", "0.4.13", None)
    );
    assert_eq!(p.fixed, [">=0.4.16"]);
    assert_eq!(h2.origin, "line 3: $");
    // CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H = 7.5
    assert_eq!(by_rule["RUSTSEC-2026-0194"].severity, Severity::High);
    let bincode = by_rule["RUSTSEC-2025-0141"];
    assert_eq!(bincode.severity, Severity::Info);
    assert_eq!(bincode.message, "[unmaintained] Bincode is unmaintained");
    assert!(bincode.package.as_ref().unwrap().fixed.is_empty());
    assert_eq!(summary.warnings.len(), 2, "{:?}", summary.warnings);
    // cargo-audit and cargo-deny read the same advisories the same way.
    assert!(findings.iter().all(|f| f.tool == "cargo-deny"));
}

#[test]
fn trufflehog_v3_json_lines() {
    let (findings, summary) = import(&fixture("defectdojo-trufflehog-v3_git.jsonl"));
    assert_eq!(summary.format, Format::Trufflehog);
    assert_eq!(
        tally(&findings, |f| f.rule.clone()),
        [("AWS", 1), ("PrivateKey", 1), ("URI", 2)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    );
    let aws = &findings[0];
    assert_eq!(aws.kind, FindingKind::Secret);
    // Verified live by TruffleHog.
    assert_eq!(aws.severity, Severity::Critical);
    assert_eq!(
        aws.message,
        "AWS detected a secret (verified as live by TruffleHog)"
    );
    // TruffleHog 3 before 3.14 wrote `Raw` base64-encoded.
    assert_eq!(aws.secret.as_deref(), Some("AKIAYVP4CIPPERUVIFXG"));
    let loc = aws.location.as_ref().unwrap();
    assert_eq!((loc.path.as_str(), loc.start_line), ("keys", Some(4)));
    assert_eq!(
        aws.revision.as_deref(),
        Some("fbc14303ffbf8fb1c2c1914e8dda7d0121633aca")
    );
    assert_eq!(aws.origin, "line 1: $");
    assert_eq!(findings[3].origin, "line 4: $");
    assert!(
        findings[2]
            .secret
            .as_deref()
            .unwrap()
            .starts_with("-----BEGIN OPENSSH PRIVATE KEY-----")
    );
    assert_eq!(summary.warnings.len(), 1, "{:?}", summary.warnings);
    assert!(summary.warnings[0].message.contains("base64"));
    assert_no_secret_leaks(&findings, &summary);
    for f in &findings {
        let json = serde_json::to_string(f).unwrap();
        // `Raw` as written, `ExtraData` (an account id and ARN) and the author's e-mail.
        for never in [
            "QUtJQVlW",
            "595918472158",
            "counters-MacBook",
            "admin:admin",
        ] {
            assert!(!json.contains(never), "{never} in {json}");
        }
    }
}

// Semgrep, npm audit, pip-audit, Snyk, SonarQube ------------------------------------------------

#[test]
fn semgrep_json_and_sarif_of_one_run_give_the_same_findings() {
    let (json, summary) = import(&fixture("semgrep-1.187.0-nushell-3e1172d4.slice.json"));
    assert_eq!(summary.format, Format::Semgrep);
    assert_eq!(summary.tools, ["semgrep"]);
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    let (sarif, _) = import(&fixture("semgrep-1.187.0-nushell-3e1172d4.slice.sarif"));
    assert_eq!(json.len(), 5);
    let key = |f: &RawFinding| {
        let loc = f.location.clone().unwrap();
        (
            f.tool.clone(),
            f.tool_version.clone(),
            f.rule.clone(),
            f.kind,
            f.severity,
            f.message.clone(),
            f.identifiers.clone(),
            loc,
            f.producer_fingerprint.clone(),
        )
    };
    assert_eq!(
        json.iter().map(key).collect::<Vec<_>>(),
        sarif.iter().map(key).collect::<Vec<_>>()
    );
    assert_eq!(json[0].severity, Severity::Low);
    assert_eq!(json[2].severity, Severity::Medium);
    assert_eq!(json[0].tool_version.as_deref(), Some("1.187.0"));
    // Without a login Semgrep's JSON holds no lines (its SARIF does).
    assert!(json.iter().all(|f| f.snippet.is_none()));
}

#[test]
fn npm_audit_json() {
    let (findings, summary) = import(&fixture("defectdojo-npm-audit-7-one_vuln.json"));
    assert_eq!(summary.format, Format::NpmAudit);
    assert_eq!(findings.len(), 2);
    let f = &findings[0];
    assert_eq!(f.tool, "npm-audit");
    assert_eq!(f.rule, "GHSA-gxpj-cx7g-858c");
    assert_eq!(f.identifiers, ["CWE-400", "GHSA-gxpj-cx7g-858c"]);
    // npm's `moderate`.
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(f.message, "Regular Expression Denial of Service in debug");
    let p = f.package.as_ref().unwrap();
    assert_eq!(
        (p.ecosystem.as_str(), p.name.as_str(), p.version.as_str()),
        ("npm", "debug", "")
    );
    assert_eq!(p.fixed, [">=2.6.9"]);
    assert_eq!(f.origin, "$.vulnerabilities.debug.via[0]");
    assert_eq!(findings[1].severity, Severity::High);
    // `ms`, the third entry of `via`, is a dependency name, not an advisory.
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);

    let (findings, summary) = import(&fixture("defectdojo-npm-audit-7-many_vulns.json"));
    assert_eq!(
        keys(&findings),
        [
            ("GHSA-gxpj-cx7g-858c", "debug"),
            ("GHSA-c2qf-rxjj-qqgw", "semver"),
            ("GHSA-3787-6prv-h9w3", "undici"),
        ]
    );
    // `undici <=5.28.2`: the next version is not known.
    assert!(findings[2].package.as_ref().unwrap().fixed.is_empty());
    assert_eq!(findings[2].severity, Severity::Low);
    assert_eq!(summary.warnings.len(), 1);
    assert!(
        summary.warnings[0]
            .message
            .starts_with("3 results not imported"),
        "{:?}",
        summary.warnings
    );
}

/// (rule, package name) of each finding.
fn keys(findings: &[RawFinding]) -> Vec<(&str, &str)> {
    findings
        .iter()
        .map(|f| (f.rule.as_str(), f.package.as_ref().unwrap().name.as_str()))
        .collect()
}

#[test]
fn pip_audit_json_old_and_new() {
    for name in [
        "defectdojo-pip-audit-many_vulns_new.json",
        "defectdojo-pip-audit-many_vulns.json",
    ] {
        let (findings, summary) = import(&fixture(name));
        assert_eq!(summary.format, Format::PipAudit, "{name}");
        assert_eq!(findings.len(), 7, "{name}");
        let django = findings
            .iter()
            .find(|f| f.rule == "PYSEC-2021-439")
            .unwrap();
        assert_eq!(django.identifiers, ["PYSEC-2021-439"]);
        assert_eq!(django.severity, Severity::Unknown);
        assert!(django.message.starts_with("In Django 2.2 before 2.2.25"));
        let p = django.package.as_ref().unwrap();
        assert_eq!(
            (p.ecosystem.as_str(), p.name.as_str(), p.version.as_str()),
            ("PyPI", "django", "3.2.9")
        );
        assert_eq!(p.fixed, ["2.2.25", "3.1.14", "3.2.10"]);
        // azure-devops is not on PyPI: pip-audit skipped it.
        assert_eq!(summary.warnings.len(), 1, "{name}");
        assert!(summary.warnings[0].message.contains("skip_reason"));
    }
    let (findings, _) = import(&fixture("defectdojo-pip-audit-many_vulns_new.json"));
    assert_eq!(findings[0].origin, "$.dependencies[1].vulns[0]");
}

#[test]
fn snyk_open_source_json() {
    let (findings, summary) = import(&fixture("defectdojo-snyk-single_project_one_vuln.json"));
    assert_eq!(summary.format, Format::Snyk);
    assert_eq!(findings.len(), 1);
    let f = &findings[0];
    assert_eq!(f.tool, "snyk");
    assert_eq!(f.rule, "SNYK-JAVA-ORGAPACHESANTUARIO-460281");
    assert_eq!(
        f.identifiers,
        [
            "CVE-2019-12400",
            "CWE-611",
            "SNYK-JAVA-ORGAPACHESANTUARIO-460281"
        ]
    );
    assert_eq!(f.severity, Severity::Medium);
    let p = f.package.as_ref().unwrap();
    assert_eq!(
        (p.ecosystem.as_str(), p.name.as_str(), p.version.as_str()),
        ("Maven", "org.apache.santuario:xmlsec", "2.1.1")
    );
    assert_eq!(p.fixed, ["2.1.4"]);
    // `displayTargetFile` comes after the vulnerabilities; the first pass read it.
    assert_eq!(p.manifest.as_deref(), Some("pom.xml"));
    assert_eq!(f.location.as_ref().unwrap().path, "pom.xml");

    let (findings, summary) = import(&fixture(
        "defectdojo-snyk-all_projects_issue4277.slice.json",
    ));
    assert_eq!(summary.format, Format::Snyk);
    let got: Vec<(&str, &str, &str, &str)> = findings
        .iter()
        .map(|f| {
            let p = f.package.as_ref().unwrap();
            (
                f.rule.as_str(),
                p.version.as_str(),
                p.ecosystem.as_str(),
                p.manifest.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "SNYK-DOTNET-MICROSOFTASPNETCORESERVERIIS-451561",
                "2.2.0",
                "NuGet",
                "company.Api.project/src/obj/project.assets.json"
            ),
            (
                "SNYK-JS-KINDOF-537849",
                "6.0.2",
                "npm",
                "company.Ux.project/package-lock.json"
            ),
            (
                "SNYK-JS-MINIMIST-559764",
                "1.2.0",
                "npm",
                "company.Ux.project/package-lock.json"
            ),
            (
                "SNYK-JS-MINIMIST-559764",
                "0.0.8",
                "npm",
                "company.Ux.project/package-lock.json"
            ),
        ]
    );
    // Snyk's NSP number is no identifier.
    assert_eq!(
        findings[1].identifiers,
        [
            "CVE-2019-20149",
            "CWE-20",
            "GHSA-6c8f-qphg-qjgp",
            "SNYK-JS-KINDOF-537849"
        ]
    );
    let messages: Vec<&str> = summary
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages[0].starts_with("1 result not imported: Snyk licence"),
        "{messages:?}"
    );
    assert!(
        messages[1].starts_with("3 results not imported: Snyk lists"),
        "{messages:?}"
    );
    assert_eq!(summary.warnings[1].json_path, "$[0].vulnerabilities[1]");
}

#[test]
fn snyk_container_json() {
    let (findings, summary) = import(&fixture(
        "defectdojo-snyk-snykcontainer_issue_epss.slice.json",
    ));
    assert_eq!(summary.format, Format::Snyk);
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    let got: Vec<(&str, &str, &str, &str)> = findings
        .iter()
        .map(|f| {
            let p = f.package.as_ref().unwrap();
            (
                f.rule.as_str(),
                p.ecosystem.as_str(),
                p.name.as_str(),
                p.version.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "SNYK-DEBIAN11-GCC10-5901313",
                "Debian:11",
                "gcc-10",
                "10.2.1-6"
            ),
            ("SNYK-JS-EXPRESSJWT-575022", "npm", "express-jwt", "0.1.3"),
            (
                "SNYK-JS-JSONWEBTOKEN-3180022",
                "npm",
                "jsonwebtoken",
                "0.4.0"
            ),
        ]
    );
    assert_eq!(findings[0].severity, Severity::Low);
    // An image has no manifest in the repository.
    assert!(findings.iter().all(|f| f.location.is_none()));
    assert_eq!(findings[2].origin, "$.applications[0].vulnerabilities[1]");
}

#[test]
fn snyk_code_is_sarif() {
    let (findings, summary) = import(&fixture(
        "defectdojo-snyk-code-snykcode_issue_9270.slice.sarif",
    ));
    assert_eq!(summary.format, Format::Sarif);
    assert_eq!(summary.tools, ["snyk-code"]);
    assert_eq!(findings.len(), 4);
    assert!(findings.iter().all(|f| f.kind == FindingKind::Code));
    let f = findings
        .iter()
        .find(|f| f.rule == "javascript/NoHardcodedPasswords")
        .unwrap();
    assert_eq!(f.identifiers, ["CWE-259", "CWE-798"]);
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(
        f.location.as_ref().unwrap().path,
        "frontend/src/app/oauth/oauth.component.spec.ts"
    );
    // The result's `error` level over its rule's `warning`.
    assert_eq!(findings[0].rule, "javascript/XSS");
    assert_eq!(findings[0].severity, Severity::High);
}

#[test]
fn sonarqube_issues_and_hotspots() {
    let (findings, summary) = import(&fixture("defectdojo-sonarqube-findings_over_api.json"));
    assert_eq!(summary.format, Format::SonarQube);
    assert_eq!(findings.len(), 3);
    let f = &findings[0];
    assert_eq!(f.tool, "sonarqube");
    assert_eq!(f.rule, "OWASP:UsingComponentWithKnownVulnerability");
    assert_eq!(f.identifiers, ["CWE-937"]);
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(
        f.producer_fingerprint.as_deref(),
        Some("key:fjioefjwoefijo")
    );
    // The project itself, not a file.
    assert!(f.location.is_none());
    assert_eq!(findings[2].severity, Severity::High);
    assert_eq!(summary.warnings.len(), 1, "{:?}", summary.warnings);
    assert!(
        summary.warnings[0]
            .message
            .starts_with("2 results not imported: SonarQube bugs and code smells")
    );

    let (findings, summary) = import(&fixture(
        "defectdojo-sonarqube-findings_over_api_hotspots.json",
    ));
    assert_eq!(summary.format, Format::SonarQube);
    assert_eq!(findings.len(), 4);
    let f = &findings[0];
    assert_eq!(f.rule, "typescript:7777");
    assert_eq!(f.severity, Severity::High);
    let loc = f.location.as_ref().unwrap();
    assert_eq!(
        (loc.path.as_str(), loc.start_line, loc.end_line),
        ("src/app/component.asdf", Some(47), Some(47))
    );
    assert_eq!(findings[1].severity, Severity::Low);

    let (findings, summary) = import(&fixture("defectdojo-sonarqube-sonar-single-finding.json"));
    assert_eq!(summary.format, Format::SonarQube);
    assert_eq!(findings.len(), 1);
    let f = &findings[0];
    assert_eq!(f.rule, "python:S4502");
    // sonar-report's CRITICAL is one below BLOCKER.
    assert_eq!(f.severity, Severity::High);
    assert_eq!(
        f.message,
        "Make sure disabling CSRF protection is safe here."
    );
    let loc = f.location.as_ref().unwrap();
    assert_eq!(
        (loc.path.as_str(), loc.start_line),
        ("vulnerable-flask-app.py", Some(8))
    );
}

// Detection -------------------------------------------------------------------------------------

/// Every fixture is recognised from its content alone, whatever its name.
#[test]
fn every_fixture_is_recognised_from_its_content() {
    let expected = |name: &str| -> Format {
        let starts = |p: &str| name.starts_with(p);
        if name.ends_with(".sarif") {
            Format::Sarif
        } else if starts("cargo-audit") {
            Format::CargoAudit
        } else if starts("cargo-deny") {
            Format::CargoDeny
        } else if starts("defectdojo-trufflehog") {
            Format::Trufflehog
        } else if starts("trufflehog3") {
            Format::Trufflehog3
        } else if starts("detect-secrets") {
            Format::DetectSecrets
        } else if starts("gitleaks") {
            Format::Gitleaks
        } else if starts("grype") {
            Format::Grype
        } else if name.ends_with(".cdx.json") || starts("osv-scanner-cyclonedx") {
            Format::CycloneDx
        } else if starts("osv-scanner") {
            Format::OsvScanner
        } else if starts("trivy") {
            Format::Trivy
        } else if starts("semgrep") {
            Format::Semgrep
        } else if starts("defectdojo-npm-audit") {
            Format::NpmAudit
        } else if starts("defectdojo-pip-audit") {
            Format::PipAudit
        } else if starts("defectdojo-snyk") {
            Format::Snyk
        } else if starts("defectdojo-sonarqube") {
            Format::SonarQube
        } else {
            panic!("no expected format for {name}")
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let mut seen = std::collections::HashSet::new();
    for entry in std::fs::read_dir(fixture("")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.ends_with(".md") {
            continue;
        }
        let neutral = dir.path().join("report");
        std::fs::copy(&path, &neutral).unwrap();
        let got = devspm_findings::import::detect_file(&neutral)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got, expected(&name), "{name}");
        seen.insert(got);
    }
    assert_eq!(seen.len(), Format::ALL.len(), "{seen:?}");
}

#[test]
fn near_misses_are_not_taken_for_another_format() {
    for (doc, want) in [
        // Semgrep with no result still has `errors`; OSV-Scanner has neither it nor `paths`.
        (r#"{"results": [], "errors": []}"#, Some(Format::Semgrep)),
        (r#"{"results": []}"#, Some(Format::OsvScanner)),
        // pip-audit with nothing to report, with and without `fixes`.
        (
            r#"{"dependencies": [], "fixes": []}"#,
            Some(Format::PipAudit),
        ),
        (r#"{"dependencies": []}"#, Some(Format::PipAudit)),
        // A CycloneDX SBOM has `dependencies` too.
        (
            r#"{"bomFormat": "CycloneDX", "specVersion": "1.5", "dependencies": []}"#,
            Some(Format::CycloneDx),
        ),
        // cargo-audit's `vulnerabilities` is an object, Snyk's an array beside its project.
        (r#"{"vulnerabilities": [], "ok": true}"#, None),
        (
            r#"{"vulnerabilities": [], "ok": true, "packageManager": "npm"}"#,
            Some(Format::Snyk),
        ),
        (r#"{"issues": []}"#, None),
        (r#"{"issues": [], "paging": {}}"#, Some(Format::SonarQube)),
        (r#"{"hotspots": [], "paging": {}}"#, Some(Format::SonarQube)),
        (r#"{"type": "diagnostic"}"#, None),
        (
            r#"{"type": "summary", "fields": {}}"#,
            Some(Format::CargoDeny),
        ),
        (r#"{"SourceMetadata": {}}"#, None),
        (
            r#"{"SourceMetadata": {}, "DetectorName": "AWS"}"#,
            Some(Format::Trufflehog),
        ),
        (
            r#"{"auditReportVersion": 2, "vulnerabilities": {}}"#,
            Some(Format::NpmAudit),
        ),
    ] {
        let got = devspm_findings::import::detect_reader("t", std::io::Cursor::new(doc));
        match want {
            Some(format) => assert_eq!(got.unwrap(), format, "{doc}"),
            None => assert!(
                matches!(got, Err(ImportError::UnknownFormat { .. })),
                "{doc}: {got:?}"
            ),
        }
    }
    // npm 6 wrote another report.
    let err = devspm_findings::import::detect_reader(
        "t",
        std::io::Cursor::new(r#"{"actions": [], "advisories": {}, "muted": [], "metadata": {}}"#),
    )
    .unwrap_err();
    assert!(
        matches!(err, ImportError::UnsupportedVersion { .. }) && err.to_string().contains("npm 7"),
        "{err}"
    );
}
