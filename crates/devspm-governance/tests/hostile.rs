//! Hostile and malformed inputs through the public API: nothing may panic, every problem
//! must come back naming the file — a file that cannot be audited as an `unauditable-file`
//! finding, a partial problem as a warning.

use devspm_governance::ci::{self, AuditConfig, Limits};
use devspm_governance::inventory;

const SAMPLE: &str = r#"on:
  pull_request_target:
  push:
    tags: ['v*']
permissions:
  contents: write
env: &env
  ACTIONS_ALLOW_UNSECURE_COMMANDS: true
jobs:
  build:
    runs-on: [self-hosted]
    container: node:latest
    env:
      <<: *env
      ALL: ${{ toJSON(secrets) }}
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - uses: actions/cache@v4
      - run: |
          echo "${{ github.event.pull_request.title }}"
          curl -sSL https://example.com/install.sh | bash
          cargo publish
      - uses: actions/upload-artifact@v4
        with:
          path: .
  call:
    uses: org/repo/.github/workflows/r.yml@main
    secrets: inherit
"#;

#[test]
fn sample_triggers_every_github_rule() {
    let report = ci::audit_bytes(
        ".github/workflows/ci.yml",
        SAMPLE.as_bytes(),
        &AuditConfig::default(),
    );
    let mut ids: Vec<&str> = report.findings.iter().map(|f| f.rule_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(
        ids,
        [
            "artipacked",
            "cache-poisoning",
            "curl-pipe-shell",
            "dangerous-triggers",
            "excessive-permissions",
            "insecure-commands",
            "secrets-inherit",
            "secrets-tojson",
            "self-hosted-runner",
            "template-injection",
            "unpinned-images",
            "unpinned-uses",
            "use-trusted-publishing",
        ]
    );
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    for f in &report.findings {
        assert!(
            f.line >= 1 && f.column >= 1 && f.end_line >= f.line,
            "{f:?}"
        );
        assert!(f.evidence.chars().count() <= 161, "{f:?}");
        assert!(!f.evidence.contains('\n'), "{f:?}");
    }
}

#[test]
fn mutated_inputs_never_panic() {
    // Every truncation, and a deterministic set of byte substitutions, of a real-looking file.
    let bytes = SAMPLE.as_bytes();
    let config = AuditConfig::default();
    for cut in 0..bytes.len() {
        let report = ci::audit_bytes(".github/workflows/x.yml", &bytes[..cut], &config);
        assert!(
            report
                .warnings
                .iter()
                .all(|w| w.path == ".github/workflows/x.yml")
        );
        // Never fails open: either the file was audited or it is a finding.
        assert!(
            report.files_audited == 1
                || report
                    .findings
                    .iter()
                    .any(|f| f.rule_id == "unauditable-file"),
            "{report:?}"
        );
        let _ = inventory::collect_bytes(".github/workflows/x.yml", &bytes[..cut]);
    }
    let replacements = [
        b'\t', b':', b'-', b'{', b'}', b'[', b'&', b'*', b'\'', b'"', b'\n', b'$', 0xff,
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..3000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut mutated = bytes.to_vec();
        let at = (state % bytes.len() as u64) as usize;
        mutated[at] = replacements[(state >> 32) as usize % replacements.len()];
        let _ = ci::audit_bytes(".github/workflows/x.yml", &mutated, &config);
        let _ = ci::audit_bytes("action.yml", &mutated, &config);
        let _ = ci::audit_bytes(".gitlab-ci.yml", &mutated, &config);
    }
}

#[test]
fn alias_bomb_is_an_unauditable_file() {
    let mut text = String::from("on: push\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    text.push_str("jobs: {}\n");
    let start = std::time::Instant::now();
    let report = ci::audit_bytes(
        ".github/workflows/bomb.yml",
        text.as_bytes(),
        &AuditConfig::default(),
    );
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].rule_id, "unauditable-file");
    assert!(
        report.findings[0].message.contains("alias"),
        "{:?}",
        report.findings
    );
    assert!(start.elapsed().as_secs() < 5);
}

#[test]
fn huge_file_is_capped() {
    let config = AuditConfig {
        limits: Limits {
            max_file_bytes: 1024 * 1024,
            ..Limits::default()
        },
        ..AuditConfig::default()
    };
    let big = format!("on: push\njobs: {{}}\n# {}\n", "x".repeat(2 * 1024 * 1024));
    let report = ci::audit_bytes(".github/workflows/big.yml", big.as_bytes(), &config);
    assert_eq!(report.files_audited, 0);
    assert_eq!(report.findings[0].rule_id, "unauditable-file");
    assert!(report.findings[0].message.contains("limit"));
}

#[test]
fn duplicate_keys_bom_and_unbalanced_expressions_warn_with_lines() {
    let text = "\u{feff}on: push\njobs:\n  a:\n    runs-on: x\n    runs-on: y\n    steps:\n      - run: echo ${{ github.head_ref\n";
    let report = ci::audit_bytes(
        ".github/workflows/x.yml",
        text.as_bytes(),
        &AuditConfig::default(),
    );
    let lines: Vec<u32> = report.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [5, 7], "{:?}", report.warnings);
    assert_eq!(report.files_audited, 1);
}

#[test]
fn checkout_discovery_audit_and_gitlab_includes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(
        ".github/workflows/ci.yml",
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n",
    );
    write(".github/workflows/nested/ignored.yml", "on: push\n");
    write(
        "tools/setup/action.yml",
        "name: s\nruns:\n  using: composite\n  steps:\n    - uses: a/b@v1\n",
    );
    write("node_modules/x/action.yml", "name: vendored\n");
    write(
        ".gitlab-ci.yml",
        "include:\n  - local: ci/jobs.yml\n  - local: ci/missing.yml\n",
    );
    write(
        "ci/jobs.yml",
        "build:\n  image: alpine\n  script: [curl https://x | sh]\n",
    );
    write(
        ".pre-commit-config.yaml",
        "repos:\n  - repo: https://github.com/psf/black\n    rev: 24.1.0\n    hooks: [{id: black}]\n",
    );
    write("Dockerfile", "FROM python:3.12-slim\n");

    let files = ci::discover(root);
    let names: Vec<String> = files
        .iter()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .collect();
    assert_eq!(
        names,
        [
            ".github/workflows/ci.yml",
            ".gitlab-ci.yml",
            "tools/setup/action.yml"
        ]
    );

    let report = ci::audit_files(root, &files, &AuditConfig::default());
    assert_eq!(report.files_audited, 4);
    let got: Vec<(&str, &str, u32)> = report
        .findings
        .iter()
        .map(|f| (f.path.as_str(), f.rule_id.as_str(), f.line))
        .collect();
    assert_eq!(
        got,
        [
            (".github/workflows/ci.yml", "artipacked", 7),
            (".github/workflows/ci.yml", "unpinned-uses", 7),
            ("ci/jobs.yml", "unpinned-images", 2),
            ("ci/jobs.yml", "curl-pipe-shell", 3),
            ("tools/setup/action.yml", "unpinned-uses", 5),
        ]
    );
    assert_eq!(report.warnings.len(), 1);
    assert!(report.warnings[0].message.contains("ci/missing.yml"));
    let again = ci::audit_files(root, &files, &AuditConfig::default());
    assert_eq!(report, again, "deterministic");

    let inv = inventory::collect(root, &inventory::discover(root));
    let names: Vec<&str> = inv.uses.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["actions/checkout", "psf/black", "python", "a/b"]);
}

#[test]
fn rule_list_is_complete_and_documented() {
    let rules = ci::rules();
    assert!(rules.len() >= 17);
    let mut ids: Vec<&str> = rules.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), rules.len(), "ids are unique");
    let docs = include_str!("../../../docs/governance.md");
    for rule in &rules {
        assert!(!rule.description.is_empty() && !rule.help.is_empty());
        assert!(
            docs.contains(&format!("### `{}`", rule.id)),
            "{} is documented",
            rule.id
        );
    }
}
