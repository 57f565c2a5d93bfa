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
fn unsupported_real_outputs_are_refused_with_a_reason() {
    if let Some(path) = shared("cargo-deny-0.20.2-nushell-0.114.1.jsonl") {
        let err = import_file(&path, &mut |_| Ok(())).unwrap_err();
        assert!(matches!(err, ImportError::Json { line: 2, .. }), "{err:?}");
        assert!(err.to_string().contains("JSON Lines"), "{err}");
    }
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
