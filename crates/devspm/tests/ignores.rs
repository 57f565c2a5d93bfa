//! Ignores, path contexts and `--fail-on` on every finding-producing command, on real
//! repositories built here: a `Cargo.lock` with vulnerable crates and the repository's own
//! `.cargo/audit.toml`; committed fake secrets with a `.gitleaksignore`; test and fixture
//! paths; `[[ignore]]`, `[contexts]`, `[fail_on]` and `[triage]` in `devspm.toml`.
//!
//! The secrets are assembled at run time so that this file holds none.

mod common;

use common::*;
use serde_json::Value;

/// Two RustSec advisories in OSV form, each critical, for crates `tinyparse` and `quickxmlish`.
fn load_advisories(sb: &Sandbox) {
    let osv = sb.path().join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    for (id, name) in [
        ("RUSTSEC-2099-0001", "tinyparse"),
        ("RUSTSEC-2099-0002", "quickxmlish"),
    ] {
        std::fs::write(
            osv.join(format!("{id}.json")),
            format!(
                r#"{{"id":"{id}","modified":"2099-01-02T00:00:00Z","published":"2099-01-01T00:00:00Z",
"summary":"Stack overflow in {name}",
"severity":[{{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}],
"affected":[{{"package":{{"ecosystem":"crates.io","name":"{name}"}},
"ranges":[{{"type":"SEMVER","events":[{{"introduced":"0.1.0"}},{{"fixed":"0.9.0"}}]}}]}}]}}"#
            ),
        )
        .unwrap();
    }
    sb.run(&["advisories", "import", osv.to_str().unwrap()])
        .assert_code(0);
}

fn lockfile() -> String {
    let mut text = "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n".to_owned();
    for name in ["tinyparse", "quickxmlish"] {
        text.push_str(&format!(
            "\n[[package]]\nname = \"{name}\"\nversion = \"0.2.1\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
        ));
    }
    text
}

const AUDIT_TOML: &str = "[advisories]\nignore = [\n  # tinyparse is only used by the build script on trusted input\n  \"RUSTSEC-2099-0001\",\n]\n";

fn config(sb: &Sandbox, text: &str) -> String {
    let path = sb.path().join("devspm.toml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

fn rows(run: &Run) -> Vec<Value> {
    run.json().as_array().unwrap().clone()
}

/// `devspm [GLOBAL…] --format json findings --repo REPO --show-ignored`.
fn shown(sb: &Sandbox, global: &[&str], repo: &str) -> Vec<Value> {
    let mut args = global.to_vec();
    args.extend([
        "--format",
        "json",
        "findings",
        "--repo",
        repo,
        "--show-ignored",
    ]);
    rows(&sb.run(&args))
}

fn by_rule<'a>(rows: &'a [Value], rule: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {rows:#?}"))
}

fn vulnerable_repo(sb: &Sandbox) -> Repo {
    load_advisories(sb);
    let r = sb.repo("app");
    r.write("Cargo.lock", lockfile());
    r.write(".cargo/audit.toml", AUDIT_TOML);
    r.commit(ALICE, "Add dependencies");
    r
}

#[test]
fn cargo_audit_toml_ignores_are_honoured_counted_listed_and_can_be_turned_off() {
    let sb = Sandbox::new();
    let r = vulnerable_repo(&sb);
    let repo = r.path.to_str().unwrap();

    // scan: the ignored advisory is counted, not hidden; the gate counts only the other one.
    let scan = sb.run(&["--format", "json", "scan", repo, "--fail-on", "critical"]);
    scan.assert_code(4);
    let report = scan.json();
    assert_eq!(report["findings"]["open"], 1, "{report:#}");
    assert_eq!(report["findings"]["ignored"], 1, "{report:#}");
    assert_eq!(report["gate"]["failing"], 1);
    assert_eq!(report["gate"]["ignored"], 1);
    let text = sb.run(&["scan", repo]);
    text.assert_code(0);
    assert!(text.stdout.contains(", 1 ignored,"), "{text:?}");

    // The default listing hides it; --show-ignored lists it with its file, line and reason.
    let listed = sb.run(&["--format", "json", "findings", "--repo", repo]);
    let listed = rows(&listed);
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert_eq!(listed[0]["rule"], "RUSTSEC-2099-0002");
    assert_eq!(listed[0]["context"], "production");
    assert!(listed[0].get("ignored").is_none());
    let all = shown(&sb, &[], repo);
    assert_eq!(all.len(), 2);
    let ignored = &by_rule(&all, "RUSTSEC-2099-0001")["ignored"];
    assert_eq!(ignored["by"], ".cargo/audit.toml:4");
    assert_eq!(ignored["repository"], true);
    assert_eq!(
        ignored["reason"],
        "tinyparse is only used by the build script on trusted input"
    );
    let table = sb.run(&["findings", "--repo", repo, "--show-ignored"]);
    assert!(
        table
            .stdout
            .contains("open (ignored by .cargo/audit.toml:4)"),
        "{table:?}"
    );
    assert!(
        table
            .stdout
            .contains("ignored by .cargo/audit.toml:4: tinyparse is only used by the build script"),
        "{table:?}"
    );
    let default_table = sb.run(&["findings", "--repo", repo]);
    assert!(
        default_table
            .stdout
            .contains("1 ignored (--show-ignored lists them)"),
        "{default_table:?}"
    );
    let csv = sb.run(&[
        "--format",
        "csv",
        "findings",
        "--repo",
        repo,
        "--show-ignored",
    ]);
    assert!(
        csv.stdout
            .contains("production,true,.cargo/audit.toml:4,tinyparse is only used"),
        "{csv:?}"
    );

    let gate = |extra: &[&str]| {
        let mut args = extra.to_vec();
        args.extend(["findings", "--repo", repo, "--fail-on", "critical"]);
        sb.run(&args)
    };
    let failed = gate(&[]);
    failed.assert_code(4);
    assert!(
        failed.stderr.contains(
            "1 open finding(s) at or above critical (--fail-on); not counted: 1 ignored — failed"
        ),
        "{failed:?}"
    );

    // The operator ignores the other one until a day in the future: the gate passes.
    let cfg = config(
        &sb,
        "[[ignore]]\nadvisory = \"RUSTSEC-2099-0002\"\nreason = \"no fix released; input is trusted\"\nexpires = \"2999-12-31\"\n",
    );
    let passed = gate(&["--config", &cfg]);
    passed.assert_code(0);
    assert!(passed.stderr.contains("2 ignored — passed"), "{passed:?}");
    let all = shown(&sb, &["--config", &cfg], repo);
    let ignored = &by_rule(&all, "RUSTSEC-2099-0002")["ignored"];
    assert!(
        ignored["by"].as_str().unwrap().ends_with("devspm.toml:1"),
        "{ignored}"
    );
    assert_eq!(ignored["repository"], false);
    assert_eq!(ignored["expires"], "2999-12-31");
    sb.run(&["--config", &cfg, "scan", repo, "--fail-on", "critical"])
        .assert_code(0);

    // An expired ignore stops applying and is reported.
    let cfg = config(
        &sb,
        "[[ignore]]\nadvisory = \"RUSTSEC-2099-0002\"\nreason = \"until the release\"\nexpires = \"2001-01-31\"\n",
    );
    let expired = gate(&["--config", &cfg]);
    expired.assert_code(4);
    assert!(
        expired
            .stderr
            .contains("(advisory RUSTSEC-2099-0002) expired on 2001-01-31: it no longer applies"),
        "{expired:?}"
    );
    let scan = sb.run(&["--config", &cfg, "--format", "json", "scan", repo]);
    assert_eq!(
        scan.json()["findings"]["expired_ignores"][0]["expired"],
        "2001-01-31"
    );

    // The operator can refuse the repository's say: then both count.
    let cfg = config(&sb, "[triage]\nhonour_repository_ignores = false\n");
    let refused = gate(&["--config", &cfg]);
    refused.assert_code(4);
    assert!(
        refused
            .stderr
            .contains("2 open finding(s) at or above critical (--fail-on) — failed"),
        "{refused:?}"
    );
    let listed = rows(&sb.run(&[
        "--config", &cfg, "--format", "json", "findings", "--repo", repo,
    ]));
    assert_eq!(listed.len(), 2);
}

#[test]
fn a_malformed_ignore_names_the_file_and_line() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, "a.txt", "a\n", "init");
    for (text, needles) in [
        (
            "[resolution]\nmerge_on_full_name = false\n\n[[ignore]]\nrule = \"x\"\n",
            &["devspm.toml", "line 4", "needs a `reason`"][..],
        ),
        (
            "[[ignore]]\nrule = \"x\"\nreason = \"r\"\nexpires = \"2027-02-30\"\n",
            &["devspm.toml", "line 1", "not a date"][..],
        ),
        (
            "[fail_on]\ncontexts = [\"prod\"]\n",
            &["devspm.toml", "line 2", "prod"][..],
        ),
    ] {
        let cfg = config(&sb, text);
        let run = sb.run(&[
            "--config",
            &cfg,
            "findings",
            "--repo",
            r.path.to_str().unwrap(),
        ]);
        assert_ne!(run.code, 0, "{run:?}");
        run.assert_error(needles);
    }
    // A malformed repository file is evidence, not input: a warning, and the scan goes on.
    r.commit_file(
        ALICE,
        ".cargo/audit.toml",
        "[advisories]\nignore = [\n",
        "broken",
    );
    let run = sb.run(&["scan", r.path.to_str().unwrap()]);
    run.assert_code(0);
    assert!(
        run.stderr.contains(".cargo/audit.toml:2: not read"),
        "{run:?}"
    );
}

/// A repository with fake secrets: one in production code, one in a test fixture, one in a
/// test, and one in production code that the repository's `.gitleaksignore` sets aside.
fn secrets_repo(sb: &Sandbox) -> (Repo, String) {
    let r = sb.repo("svc");
    let key = |tail: &str| format!("AKIA{tail}");
    let pat = format!("ghp_{}", "x7Kq9Lm2Np4Rs6Tv8Wy0Za1Bc3De5Fg7Hj9K");
    r.write(
        "src/config.py",
        format!("AWS_ACCESS_KEY_ID = \"{}\"\n", key("Q3EGRIVPJ5MN7ZXT")),
    );
    r.write(
        "tests/fixtures/keys.env",
        format!("AWS_ACCESS_KEY_ID={}\n", key("R4FHSJWQK6NOZAYU")),
    );
    r.write("tests/test_login.py", format!("TOKEN = \"{pat}\"\n"));
    r.write(
        "src/allowed.py",
        format!("KEY = \"{}\"  # gitleaks:allow\n", key("T6HJULYSM2PQYCZW")),
    );
    r.write(
        "src/legacy.py",
        format!("\n\nKEY = \"{}\"\n", key("S5GITKXRL7OPXBZV")),
    );
    let commit = r.commit(ALICE, "Add the service");
    r.commit_file(
        ALICE,
        ".gitleaksignore",
        &format!(
            "# rotated in 2025, kept for the migration test\n{commit}:src/legacy.py:aws-access-key-id:3\n"
        ),
        "Ignore the rotated key",
    );
    (r, commit)
}

#[test]
fn gitleaksignore_path_contexts_and_a_production_only_gate() {
    let sb = Sandbox::new();
    let (r, _) = secrets_repo(&sb);
    let repo = r.path.to_str().unwrap();
    let scan = sb.run(&["--format", "json", "scan", repo, "--fail-on", "high"]);
    scan.assert_code(4);
    let report = scan.json();
    assert_eq!(report["findings"]["ignored"], 1, "{report:#}");
    // The inline marker is honoured by the detector at scan time, and counted.
    assert_eq!(
        report["detectors"]["secrets"]["inline_allowed"], 1,
        "{report:#}"
    );
    assert_eq!(
        report["findings"]["open_by_context"],
        serde_json::json!([["production", 1], ["test", 1], ["fixture", 1]]),
        "{report:#}"
    );

    let all = shown(&sb, &[], repo);
    let context_of = |path: &str| {
        all.iter()
            .find(|f| f["path"] == path)
            .unwrap_or_else(|| panic!("no finding at {path}: {all:#?}"))
    };
    assert_eq!(context_of("src/config.py")["context"], "production");
    assert_eq!(context_of("tests/fixtures/keys.env")["context"], "fixture");
    assert_eq!(context_of("tests/test_login.py")["context"], "test");
    let legacy = context_of("src/legacy.py");
    assert_eq!(legacy["ignored"]["by"], ".gitleaksignore:2");
    assert_eq!(
        legacy["ignored"]["reason"],
        "rotated in 2025, kept for the migration test"
    );
    assert!(all.iter().all(|f| f["context_counts"] == true));

    // Default policy: every context counts, and the table says which context each is in.
    let table = sb.run(&["findings", "--repo", repo, "--fail-on", "high"]);
    table.assert_code(4);
    assert!(
        table.stderr.contains("3 open finding(s) at or above high"),
        "{table:?}"
    );
    assert!(table.stdout.contains(" fixture "), "{table:?}");

    // Gate on production only: fixtures and tests are shown as not gated, and only the
    // production secret fails the gate — until it is triaged.
    let cfg = config(&sb, "[fail_on]\ncontexts = [\"production\"]\n");
    let gated = sb.run(&[
        "--config",
        &cfg,
        "findings",
        "--repo",
        repo,
        "--fail-on",
        "high",
    ]);
    gated.assert_code(4);
    assert!(
        gated.stderr.contains(
            "1 open finding(s) at or above high (--fail-on); not counted: 1 ignored, 2 in contexts [fail_on] does not count — failed"
        ),
        "{gated:?}"
    );
    assert!(gated.stdout.contains("fixture (not gated)"), "{gated:?}");
    let md = sb.run(&[
        "--config", &cfg, "--format", "markdown", "findings", "--repo", repo,
    ]);
    assert!(md.stdout.contains("| test (not gated) |"), "{md:?}");
    let production = all.iter().find(|f| f["path"] == "src/config.py").unwrap()["finding"]
        .as_str()
        .unwrap()
        .to_owned();
    sb.run(&[
        "findings",
        "triage",
        &production,
        "--state",
        "false-positive",
        "--reason",
        "an example key from the AWS documentation",
        "--by",
        "Sec Lead <lead@example.com>",
    ])
    .assert_code(0);
    let passed = sb.run(&[
        "--config",
        &cfg,
        "findings",
        "--repo",
        repo,
        "--fail-on",
        "high",
    ]);
    passed.assert_code(0);
    assert!(passed.stderr.contains("1 triaged, 1 ignored"), "{passed:?}");
    sb.run(&["--config", &cfg, "scan", repo, "--fail-on", "high"])
        .assert_code(0);

    // Extra globs: the operator calls `src/legacy.py` a fixture; its ignore still stands.
    let cfg = config(&sb, "[contexts]\nfixture = [\"src/legacy.py\"]\n");
    let all = shown(&sb, &["--config", &cfg], repo);
    let legacy = all.iter().find(|f| f["path"] == "src/legacy.py").unwrap();
    assert_eq!(legacy["context"], "fixture");
}

#[test]
fn gitleaksignore_without_commit_and_config_path_globs() {
    let sb = Sandbox::new();
    let (r, _) = secrets_repo(&sb);
    r.commit_file(
        ALICE,
        ".gitleaksignore",
        "tests/test_login.py:github-pat:1\n",
        "Ignore the test token",
    );
    let repo = r.path.to_str().unwrap();
    sb.run(&["scan", repo]).assert_code(0);
    let cfg = config(
        &sb,
        "[[ignore]]\npath = \"tests/fixtures/**\"\nrule = \"aws-access-key-id\"\nreason = \"fake keys for the parser tests\"\n",
    );
    let listed = rows(&sb.run(&[
        "--config", &cfg, "--format", "json", "findings", "--repo", repo,
    ]));
    let paths: Vec<&str> = listed.iter().filter_map(|f| f["path"].as_str()).collect();
    assert_eq!(paths, ["src/config.py", "src/legacy.py"], "{listed:#?}");
    let all = shown(&sb, &["--config", &cfg], repo);
    let of = |path: &str| all.iter().find(|f| f["path"] == path).unwrap()["ignored"].clone();
    assert_eq!(of("tests/test_login.py")["by"], ".gitleaksignore:1");
    assert!(
        of("tests/fixtures/keys.env")["by"]
            .as_str()
            .unwrap()
            .ends_with("devspm.toml:1")
    );
}

const RISKY_WORKFLOW: &str = "\
name: ci
on: pull_request_target
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo \"${{ github.event.pull_request.title }}\"
";

#[test]
fn ci_audit_gate_honours_triage_ignores_and_contexts() {
    let sb = Sandbox::new();
    let r = sb.repo("ci");
    r.commit_file(BOB, ".github/workflows/ci.yml", RISKY_WORKFLOW, "Add CI");
    let repo = r.path.to_str().unwrap();
    let audit = |extra: &[&str]| {
        let mut args = extra.to_vec();
        args.extend(["--format", "json", "ci", "audit", repo, "--fail-on", "high"]);
        sb.run(&args)
    };
    let first = audit(&[]);
    first.assert_code(4);
    let report = first.json();
    let high: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "high" || f["severity"] == "critical")
        .collect();
    assert!(!high.is_empty(), "{report:#}");
    assert!(high.iter().all(|f| f["context"] == "production"));

    // Triage every recorded finding at or above high: the gate honours it.
    let recorded = rows(&sb.run(&[
        "--format",
        "json",
        "findings",
        "--repo",
        repo,
        "--tool",
        "devspm-ci-audit",
        "--severity",
        "high",
    ]));
    assert_eq!(recorded.len(), high.len(), "{recorded:#?}");
    for f in &recorded {
        sb.run(&[
            "findings",
            "triage",
            f["finding"].as_str().unwrap(),
            "--state",
            "accepted-risk",
            "--reason",
            "the workflow only runs on our own forks",
            "--expires",
            "2999-12-31",
            "--by",
            "Sec Lead <lead@example.com>",
        ])
        .assert_code(0);
    }
    let triaged = audit(&[]);
    triaged.assert_code(0);
    assert_eq!(triaged.json()["failed"], false);

    // An ignore by rule sets findings aside in the listing too; --show-ignored brings them back.
    let rule = high[0]["rule_id"].as_str().unwrap().to_owned();
    let cfg = config(
        &sb,
        &format!("[[ignore]]\nrule = \"{rule}\"\nreason = \"reviewed\"\n"),
    );
    let ignored = audit(&["--config", &cfg]);
    let report = ignored.json();
    assert!(report["ignored"].as_u64().unwrap() >= 1, "{report:#}");
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule_id"] != rule.as_str())
    );
    let shown = sb.run(&[
        "--config",
        &cfg,
        "--format",
        "json",
        "ci",
        "audit",
        repo,
        "--show-ignored",
    ]);
    let listed = shown.json();
    let again = listed["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == rule.as_str())
        .unwrap();
    assert!(
        again["ignored"]["by"]
            .as_str()
            .unwrap()
            .ends_with("devspm.toml:1")
    );
}

#[test]
fn fail_on_on_import_tools_scan_and_policy_check() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, "app.py", "a = 1\nb = 2\n", "code");
    let repo = r.path.to_str().unwrap();
    let report = sb.path().join("lint.sarif");
    std::fs::write(&report, line_sarif(&[("R1", "error"), ("R2", "note")])).unwrap();
    let import = |level: &str| {
        sb.run(&[
            "import",
            "--repo",
            repo,
            report.to_str().unwrap(),
            "--fail-on",
            level,
        ])
    };
    let failed = import("high");
    failed.assert_code(4);
    assert!(failed.stderr.contains("(--fail-on)"), "{failed:?}");
    import("critical").assert_code(0);
    let cfg = config(
        &sb,
        "[[ignore]]\nrule = \"R1\"\npath = \"*.py\"\nreason = \"style only\"\n\n[policy]\n",
    );
    let ignored = sb.run(&[
        "--config",
        &cfg,
        "import",
        "--repo",
        repo,
        report.to_str().unwrap(),
        "--fail-on",
        "high",
    ]);
    ignored.assert_code(0);
    assert!(
        ignored.stdout.contains("1 open findings ignored"),
        "{ignored:?}"
    );

    // policy check gates the repository's recorded findings with --fail-on.
    sb.run(&[
        "--config",
        &cfg,
        "policy",
        "check",
        "--repo",
        repo,
        "--fail-on",
        "high",
    ])
    .assert_code(0);
    let cfg = config(&sb, "[policy]\n");
    let policy = sb.run(&[
        "--config",
        &cfg,
        "policy",
        "check",
        "--repo",
        repo,
        "--fail-on",
        "high",
    ]);
    policy.assert_code(4);
    assert!(
        policy.stderr.contains("1 open finding(s) at or above high"),
        "{policy:?}"
    );

    // tools scan: a plaintext credential is a high risk.
    let home = sb.path().join("home-dev");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join(".git-credentials"),
        format!(
            "https://dev:ghp_{}@github.com\n",
            "x7Kq9Lm2Np4Rs6Tv8Wy0Za1Bc3De5Fg7Hj9K"
        ),
    )
    .unwrap();
    let tools = |extra: &[&str]| {
        let mut args = extra.to_vec();
        args.extend([
            "tools",
            "scan",
            "--home",
            home.to_str().unwrap(),
            "--no-record",
            "--fail-on",
            "high",
        ]);
        sb.run(&args)
    };
    tools(&[]).assert_code(4);
    let cfg = config(
        &sb,
        "[[ignore]]\npath = \".git-credentials\"\nreason = \"a throwaway token on a test machine\"\n",
    );
    let passed = tools(&["--config", &cfg]);
    passed.assert_code(0);
    assert!(passed.stderr.contains("2 ignored"), "{passed:?}");
}

/// A repository's ignore file is attacker-controlled text: its reason reaches every output
/// escaped, and JSON keeps it exactly.
#[test]
fn a_hostile_ignore_reason_is_escaped_in_every_format() {
    let sb = Sandbox::new();
    let (r, _) = secrets_repo(&sb);
    let hostile = "rotated \u{1b}]0;pwned\u{7} \u{202e}txt.exe | =cmd() [x](http://e.example)";
    r.commit_file(
        ALICE,
        ".gitleaksignore",
        &format!("# {hostile}\nsrc/config.py:aws-access-key-id:1\n"),
        "Ignore",
    );
    let repo = r.path.to_str().unwrap();
    sb.run(&["scan", repo]).assert_code(0);
    for format in ["table", "markdown", "csv"] {
        let run = sb.run(&[
            "--format",
            format,
            "findings",
            "--repo",
            repo,
            "--show-ignored",
        ]);
        run.assert_code(0);
        assert!(run.stdout.contains("pwned"), "{format}: {run:?}");
        for bad in ['\u{1b}', '\u{7}', '\u{202e}'] {
            assert!(!run.stdout.contains(bad), "{format}: {bad:?} in {run:?}");
        }
    }
    let all = shown(&sb, &[], repo);
    let config = all.iter().find(|f| f["path"] == "src/config.py").unwrap();
    assert_eq!(config["ignored"]["reason"], hostile);
}
