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
    // The .gitleaksignore entry and the inline `gitleaks:allow`.
    assert_eq!(report["findings"]["ignored"], 2, "{report:#}");
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
    // The secret allowed inline is a finding too: ignored by its marker at its line, listed
    // with --show-ignored, never gated; only the marker is kept, never the line or the value.
    let allowed = context_of("src/allowed.py");
    assert_eq!(allowed["ignored"]["by"], "src/allowed.py:1", "{allowed:#}");
    assert_eq!(
        allowed["ignored"]["reason"],
        "inline marker `gitleaks:allow` on the secret's line"
    );
    assert_eq!(allowed["ignored"]["inline"], true);
    assert_eq!(allowed["inline_marker"], "gitleaks:allow");
    assert_eq!(allowed["status"], "open");
    assert!(
        !allowed.to_string().contains("T6HJULYSM2PQYCZW"),
        "{allowed:#}"
    );
    let listed = rows(&sb.run(&["--format", "json", "findings", "--repo", repo]));
    assert!(listed.iter().all(|f| f["path"] != "src/allowed.py"));
    // SARIF says the suppression is in the source.
    let sarif = sb.run(&[
        "--format",
        "sarif",
        "findings",
        "--repo",
        repo,
        "--show-ignored",
    ]);
    let doc = sarif.json();
    let result = doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["results"].as_array().unwrap())
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/allowed.py"
        })
        .expect("the allowed secret in SARIF");
    assert_eq!(result["suppressions"][0]["kind"], "inSource", "{result:#}");

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
            "1 open finding(s) at or above high (--fail-on); not counted: 2 ignored, 2 in contexts [fail_on] does not count — failed"
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
    assert!(passed.stderr.contains("1 triaged, 2 ignored"), "{passed:?}");
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

/// A real scanner report of the devspm-findings fixtures (real output of real scanners).
fn scanner_fixture(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../devspm-findings/tests/fixtures/scanners")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

/// A file of `lines` filler lines with the given lines (1-based) replaced.
fn source(lines: usize, set: &[(usize, &str)]) -> String {
    let mut out: Vec<String> = (1..=lines).map(|i| format!("# line {i}")).collect();
    for (n, text) in set {
        out[n - 1] = (*text).to_owned();
    }
    out.join("\n") + "\n"
}

/// The repository semgrep, bandit and checkov ran on, as far as their results point, with
/// inline markers of each scanner (and of the wrong scanner) on those lines.
fn marked_repo(sb: &Sandbox) -> Repo {
    let r = sb.repo("marked");
    // Semgrep (nushell @ 3e1172d4): a marker naming the rule by its last part, a bare one on
    // the line above, bandit's marker (not semgrep's), and a marker for another rule.
    r.write(
        "benches/benchmarks.rs",
        source(
            140,
            &[
                (
                    124,
                    "        unsafe { DC_GLOB.set(value) }; // nosemgrep: rust-unsafe-block",
                ),
                (131, "        // nosemgrep"),
                (132, "        unsafe { DC_GLOB.set(self.previous) };"),
            ],
        ),
    );
    r.write(
        "crates/nu-cli/src/repl.rs",
        source(
            700,
            &[(
                694,
                "        let mut command = std::process::Command::new(cmd); # nosec",
            )],
        ),
    );
    r.write(
        "crates/nu-cmd-lang/build.rs",
        source(
            25,
            &[(
                19,
                "    Command::new(\"git\") // nosemgrep: rust-unsafe-block",
            )],
        ),
    );
    r.write(
        "crates/nu-command/src/debug/info.rs",
        source(180, &[(174, "        unsafe { libc::getpid() };")]),
    );
    // Bandit (netbox @ 43fe81f9): `# nosec B102` for B102, `# nosec` for both results of
    // line 77, another test id, semgrep's marker, and bandit's marker on the line above.
    r.write(
        "netbox/core/management/commands/nbshell.py",
        source(
            150,
            &[(
                146,
                "            exec(options['command'], namespace)  # nosec B102",
            )],
        ),
    );
    r.write(
        "netbox/core/management/commands/upgrade.py",
        source(
            80,
            &[
                (11, "import subprocess"),
                (77, "        subprocess.run(cmd)  # nosec"),
            ],
        ),
    );
    r.write(
        "netbox/core/apps.py",
        source(60, &[(54, "            except Exception:  # nosec B101")]),
    );
    r.write(
        "netbox/core/jobs.py",
        source(
            215,
            &[
                (208, "            # nosec"),
                (209, "            response = requests.get(  # nosemgrep"),
            ],
        ),
    );
    // Checkov (nushell @ 3e1172d4): a skip on the line above its result, one inside the range
    // of another, and the first one's skip does not cover another check.
    r.write(
        "docker/Dockerfile",
        source(
            55,
            &[
                (7, "# checkov:skip=CKV_DOCKER_7: pinned by digest in CI"),
                (8, "FROM alpine"),
            ],
        ),
    );
    r.write(
        "docker/debian.Dockerfile",
        source(
            58,
            &[(40, "# checkov:skip=CKV_DOCKER_9:apt is needed for wget")],
        ),
    );
    // The other files the reports name, without markers.
    for (path, lines) in [
        ("netbox/core/tables/columns.py", 40),
        ("netbox/core/tests/test_data_backends.py", 90),
        ("netbox/core/tests/test_jobs.py", 45),
        ("netbox/core/tests/test_models.py", 45),
        ("netbox/dcim/management/commands/buildschema.py", 50),
        ("netbox/extras/lookups.py", 45),
        ("netbox/ipam/tests/test_api.py", 130),
        ("netbox/ipam/tests/test_fields.py", 20),
        ("netbox/netbox/tests/dummy_plugin/views.py", 40),
        (".github/workflows/winget-submission.yml", 20),
        (".github/workflows/release-msi.yml", 20),
        (".github/workflows/labels.yml", 15),
    ] {
        r.write(path, source(lines, &[]));
    }
    r.commit(ALICE, "Add the sources the scanners read");
    r
}

#[test]
fn inline_markers_of_imported_scanners_are_honoured_for_their_own_scanner_only() {
    let sb = Sandbox::new();
    let r = marked_repo(&sb);
    let repo = r.path.to_str().unwrap();
    for file in [
        "semgrep-1.187.0-nushell-3e1172d4.slice.sarif",
        "bandit-1.9.4-netbox-43fe81f9.slice.sarif",
        "checkov-3.3.30-nushell-3e1172d4.sarif",
    ] {
        sb.run(&["import", "--repo", repo, &scanner_fixture(file)])
            .assert_code(0);
    }
    let all = shown(&sb, &[], repo);
    let ignored_by = |tool: &str, path: &str, line: u64| -> Option<(String, String)> {
        let f = all
            .iter()
            .find(|f| f["tool"] == tool && f["path"] == path && f["start_line"] == line)
            .unwrap_or_else(|| panic!("no {tool} finding at {path}:{line}: {all:#?}"));
        f.get("ignored").map(|i| {
            assert_eq!(i["inline"], true, "{i}");
            assert_eq!(i["repository"], true, "{i}");
            (
                i["by"].as_str().unwrap().to_owned(),
                i["reason"].as_str().unwrap().to_owned(),
            )
        })
    };
    let by = |at: &str, reason: &str| Some((at.to_owned(), reason.to_owned()));
    assert_eq!(
        ignored_by("semgrep", "benches/benchmarks.rs", 124),
        by(
            "benches/benchmarks.rs:124",
            "inline marker `nosemgrep: rust-unsafe-block` (semgrep)"
        )
    );
    assert_eq!(
        ignored_by("semgrep", "benches/benchmarks.rs", 132),
        by(
            "benches/benchmarks.rs:131",
            "inline marker `nosemgrep` (semgrep)"
        )
    );
    // A `# nosec` does not silence semgrep; a nosemgrep for another rule does not either.
    assert_eq!(
        ignored_by("semgrep", "crates/nu-cli/src/repl.rs", 694),
        None
    );
    assert_eq!(
        ignored_by("semgrep", "crates/nu-cmd-lang/build.rs", 19),
        None
    );
    assert_eq!(
        ignored_by("semgrep", "crates/nu-command/src/debug/info.rs", 174),
        None
    );
    assert_eq!(
        ignored_by("bandit", "netbox/core/management/commands/nbshell.py", 146),
        by(
            "netbox/core/management/commands/nbshell.py:146",
            "inline marker `# nosec B102` (bandit)"
        )
    );
    let line_77: Vec<&Value> = all
        .iter()
        .filter(|f| {
            f["path"] == "netbox/core/management/commands/upgrade.py" && f["start_line"] == 77
        })
        .collect();
    assert_eq!(line_77.len(), 2, "B603 and B607: {line_77:#?}");
    assert!(
        line_77
            .iter()
            .all(|f| f["ignored"]["reason"] == "inline marker `# nosec` (bandit)")
    );
    assert_eq!(ignored_by("bandit", "netbox/core/apps.py", 54), None);
    // Semgrep's marker, and bandit's on the line above (bandit reads only the line itself).
    assert_eq!(ignored_by("bandit", "netbox/core/jobs.py", 209), None);
    assert_eq!(
        ignored_by("checkov", "docker/Dockerfile", 8),
        by(
            "docker/Dockerfile:7",
            "inline marker `checkov:skip=CKV_DOCKER_7` (checkov)"
        )
    );
    assert_eq!(
        ignored_by("checkov", "docker/debian.Dockerfile", 30),
        by(
            "docker/debian.Dockerfile:40",
            "inline marker `checkov:skip=CKV_DOCKER_9` (checkov)"
        )
    );
    let docker_2: Vec<&Value> = all.iter().filter(|f| f["rule"] == "CKV_DOCKER_2").collect();
    assert_eq!(docker_2.len(), 2);
    assert!(
        docker_2.iter().all(|f| f.get("ignored").is_none()),
        "{docker_2:#?}"
    );
    let ignored = all.iter().filter(|f| f.get("ignored").is_some()).count();
    assert_eq!(ignored, 7, "{all:#?}");

    // Counted in the summary and by the gate, hidden from the default listing.
    let listed = rows(&sb.run(&["--format", "json", "findings", "--repo", repo]));
    assert_eq!(listed.len(), all.len() - 7);
    let table = sb.run(&["findings", "--repo", repo]);
    assert!(
        table
            .stdout
            .contains("7 ignored (--show-ignored lists them)"),
        "{table:?}"
    );
    let gate = sb.run(&["findings", "--repo", repo, "--fail-on", "info"]);
    assert!(gate.stderr.contains("not counted: 7 ignored"), "{gate:?}");

    // The operator refuses the repository's say: no marker is honoured.
    let cfg = config(&sb, "[triage]\nhonour_repository_ignores = false\n");
    let refused = shown(&sb, &["--config", &cfg], repo);
    assert!(refused.iter().all(|f| f.get("ignored").is_none()));

    // Markers are read at HEAD: once removed, the finding counts again.
    r.write(
        "netbox/core/management/commands/nbshell.py",
        source(
            150,
            &[(146, "            exec(options['command'], namespace)")],
        ),
    );
    r.commit(ALICE, "Drop the nosec");
    let all = shown(&sb, &[], repo);
    assert_eq!(all.iter().filter(|f| f.get("ignored").is_some()).count(), 6);
}

#[test]
fn secrets_allowed_inline_count_when_the_repository_is_not_honoured() {
    let sb = Sandbox::new();
    let (r, _) = secrets_repo(&sb);
    let repo = r.path.to_str().unwrap();
    sb.run(&["scan", repo]).assert_code(0);
    let cfg = config(&sb, "[triage]\nhonour_repository_ignores = false\n");
    let listed = rows(&sb.run(&[
        "--config", &cfg, "--format", "json", "findings", "--repo", repo,
    ]));
    let allowed = listed
        .iter()
        .find(|f| f["path"] == "src/allowed.py")
        .expect("listed when the marker is not honoured");
    assert_eq!(allowed["inline_marker"], "gitleaks:allow");
    assert!(allowed.get("ignored").is_none());
    // Five secrets, none set aside: the gate counts them all.
    let gate = sb.run(&[
        "--config",
        &cfg,
        "findings",
        "--repo",
        repo,
        "--fail-on",
        "high",
    ]);
    gate.assert_code(4);
    assert!(
        gate.stderr
            .contains("5 open finding(s) at or above high (--fail-on) — failed"),
        "{gate:?}"
    );
}

#[test]
fn findings_all_repos_reads_each_repositorys_own_ignores() {
    let sb = Sandbox::new();
    let app = vulnerable_repo(&sb);
    sb.run(&["scan", app.path.to_str().unwrap()]).assert_code(0);
    let (svc, _) = secrets_repo(&sb);
    sb.run(&["scan", svc.path.to_str().unwrap()]).assert_code(0);
    let gone = sb.repo("gone");
    gone.write("Cargo.lock", lockfile());
    gone.write(".cargo/audit.toml", AUDIT_TOML);
    gone.commit(ALICE, "Add dependencies");
    sb.run(&["scan", gone.path.to_str().unwrap()])
        .assert_code(0);
    std::fs::remove_dir_all(&gone.path).unwrap();

    let run = sb.run(&[
        "--format",
        "json",
        "findings",
        "--all-repos",
        "--show-ignored",
    ]);
    run.assert_code(0);
    let all = rows(&run);
    let ignored = |repository: &str| -> Vec<String> {
        all.iter()
            .filter(|f| f["repository"] == repository && f.get("ignored").is_some())
            .map(|f| f["ignored"]["by"].as_str().unwrap().to_owned())
            .collect()
    };
    // Each repository's own files, as when it is at hand.
    assert_eq!(ignored("app"), [".cargo/audit.toml:4"]);
    let mut svc_ignored = ignored("svc");
    svc_ignored.sort();
    assert_eq!(svc_ignored, [".gitleaksignore:2", "src/allowed.py:1"]);
    // The removed repository: its files cannot be read, and one line says so.
    assert!(ignored("gone").is_empty());
    assert_eq!(
        run.stderr
            .matches("could not be read, so only the configuration's [[ignore]] applied")
            .count(),
        1,
        "{run:?}"
    );
    assert!(run.stderr.contains("of 1 repository"), "{run:?}");
    assert!(
        run.stderr.contains("gone (") && run.stderr.contains("is not that repository any more)"),
        "{run:?}"
    );
    // The gate over every repository counts the same.
    let critical = all
        .iter()
        .filter(|f| f.get("ignored").is_some() && f["severity"] == "critical")
        .count();
    assert!(critical >= 1);
    let gate = sb.run(&["findings", "--all-repos", "--fail-on", "critical"]);
    assert!(
        gate.stderr.contains(&format!("{critical} ignored")),
        "{gate:?}"
    );
    // `export csv` writes every finding of every repository, the ignored ones with their
    // ignore, for DefectDojo's generic import.
    let csv = sb.run(&["export", "csv"]);
    csv.assert_code(0);
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert!(
        lines[0].ends_with(",ignored_by,ignored_reason"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len() - 1, all.len(), "{}", csv.stdout);
    assert!(
        lines.iter().any(|l| l.starts_with(&format!(
            "{},app,",
            all.iter()
                .find(|f| f["repository"] == "app" && f["rule"] == "RUSTSEC-2099-0001")
                .unwrap()["finding"]
                .as_str()
                .unwrap()
        )) && l.contains(".cargo/audit.toml:4")),
        "{}",
        csv.stdout
    );
}

/// A file for `findings/` fixtures of `tests/fixtures/findings`.
fn findings_fixture(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/findings")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

/// Parity with the scanner itself: Bandit run with `--ignore-nosec` reports every result;
/// once devspm honours the `# nosec` markers, what stays open is exactly what Bandit reports
/// when it honours them (a `# nosec B602` does not cover B307 on its line).
#[test]
fn bandit_nosec_markers_leave_what_bandit_itself_reports() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.write(
        "run.py",
        "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)  # nosec B602\n    subprocess.call(cmd, shell=True)\n    eval(cmd)  # nosec B602\n    password = \"hunter2\"  # nosec\n    return password\n",
    );
    r.commit(ALICE, "Add the runner");
    let repo = r.path.to_str().unwrap();
    sb.run(&[
        "import",
        "--repo",
        repo,
        &findings_fixture("bandit-1.9.4-nosec-ignore-nosec.sarif"),
    ])
    .assert_code(0);
    let open: Vec<(String, u64)> = rows(&sb.run(&["--format", "json", "findings", "--repo", repo]))
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["start_line"].as_u64().unwrap(),
            )
        })
        .collect();
    let bandit: Value = serde_json::from_str(
        &std::fs::read_to_string(findings_fixture("bandit-1.9.4-nosec-default.sarif")).unwrap(),
    )
    .unwrap();
    let mut expected: Vec<(String, u64)> = bandit["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
            )
        })
        .collect();
    let mut open = open;
    open.sort();
    expected.sort();
    assert_eq!(open, expected);
    assert_eq!(expected.len(), 3);
    let all = shown(&sb, &[], repo);
    let reasons: Vec<&str> = all
        .iter()
        .filter_map(|f| f["ignored"]["reason"].as_str())
        .collect();
    assert_eq!(
        reasons,
        [
            "inline marker `# nosec B602` (bandit)",
            "inline marker `# nosec` (bandit)"
        ]
    );
}

/// `app/run.py` and `app/hashing.py` as `codeql-suppressions.sarif` and
/// `semgrep-1.187.0-nosemgrep.json` point into them.
fn suppressed_repo(sb: &Sandbox) -> Repo {
    let r = sb.repo("suppressed");
    r.write(
        "app/run.py",
        "import logging\nimport subprocess\n\n\ndef run(cmd, password):\n    subprocess.call(cmd, shell=True)  # nosemgrep  # lgtm[py/command-line-injection]\n\n\n    logging.info(password)\n",
    );
    r.write(
        "app/hashing.py",
        "import hashlib\n\n\ndef cache_key(text):\n    data = text.encode()\n    return hashlib.md5(data).hexdigest()\n",
    );
    r.commit(ALICE, "Run and hash");
    r
}

#[test]
fn scanner_suppressions_are_ignored_by_the_scanner() {
    let sb = Sandbox::new();
    let r = suppressed_repo(&sb);
    let repo = r.path.to_str().unwrap();
    let codeql = fixture("codeql-suppressions.sarif");
    let semgrep = fixture("semgrep-1.187.0-nosemgrep.json");

    // The import records all three CodeQL results; its summary counts the two suppressed.
    let imported = sb.run(&["import", "--repo", repo, &codeql]);
    imported.assert_code(0);
    assert!(
        imported.stdout.contains("2 open findings ignored"),
        "{imported:?}"
    );
    assert!(!imported.stderr.contains("not imported"), "{imported:?}");
    let json = sb.run(&["--format", "json", "import", "--repo", repo, &semgrep]);
    json.assert_code(0);
    // Counted among the findings of the tools the import ran (here semgrep's one).
    assert_eq!(json.json()["ignored"], 1, "{json:?}");

    let all = shown(&sb, &[], repo);
    assert_eq!(all.len(), 5, "{all:#?}");
    let ignore = |tool: &str, rule: &str| -> Option<(String, String, bool)> {
        let f = all
            .iter()
            .find(|f| f["tool"] == tool && f["rule"] == rule)
            .unwrap_or_else(|| panic!("no {tool} {rule}: {all:#?}"));
        f.get("ignored").map(|i| {
            (
                i["by"].as_str().unwrap().to_owned(),
                i["reason"].as_str().unwrap().to_owned(),
                i.get("inline") == Some(&Value::Bool(true)),
            )
        })
    };
    let by =
        |by: &str, reason: &str, inline: bool| Some((by.to_owned(), reason.to_owned(), inline));
    assert_eq!(
        ignore("codeql", "py/command-line-injection"),
        by("the scanner (codeql)", "inSource suppression", true)
    );
    assert_eq!(
        ignore("codeql", "py/weak-sensitive-data-hashing"),
        by(
            "the scanner (codeql)",
            "external suppression: cache keys only, never passwords",
            false
        )
    );
    // `underReview` does not suppress (SARIF 2.1.0 §3.35.3).
    assert_eq!(
        ignore("codeql", "py/clear-text-logging-sensitive-data"),
        None
    );
    assert_eq!(
        ignore("semgrep", "subprocess-shell-true"),
        by(
            "the scanner (semgrep)",
            "inSource suppression: nosemgrep",
            true
        )
    );
    assert_eq!(ignore("semgrep", "insecure-hash-md5"), None);

    // Hidden from the default listing, counted in its summary and by the gate.
    let listed = rows(&sb.run(&["--format", "json", "findings", "--repo", repo]));
    assert_eq!(listed.len(), 2, "{listed:#?}");
    let table = sb.run(&["findings", "--repo", repo]);
    assert!(
        table
            .stdout
            .contains("3 ignored (--show-ignored lists them)"),
        "{table:?}"
    );
    let gate = sb.run(&["findings", "--repo", repo, "--fail-on", "high"]);
    gate.assert_code(4);
    assert!(
        gate.stderr.contains("1 open finding(s) at or above high"),
        "{gate:?}"
    );
    assert!(gate.stderr.contains("not counted: 3 ignored"), "{gate:?}");

    // SARIF out says how each was suppressed.
    let doc = sb
        .run(&[
            "--format",
            "sarif",
            "findings",
            "--repo",
            repo,
            "--show-ignored",
        ])
        .json();
    let results: Vec<&Value> = doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["results"].as_array().unwrap())
        .collect();
    let suppression = |rule: &str| {
        results
            .iter()
            .find(|r| r["ruleId"] == rule)
            .unwrap_or_else(|| panic!("no {rule} in {results:#?}"))
            .get("suppressions")
            .cloned()
    };
    let hashing = suppression("py/weak-sensitive-data-hashing").unwrap();
    assert_eq!(hashing[0]["kind"], "external");
    assert_eq!(hashing[0]["status"], "accepted");
    assert_eq!(
        hashing[0]["justification"],
        "ignored by the scanner (codeql): external suppression: cache keys only, never passwords"
    );
    assert_eq!(
        suppression("py/command-line-injection").unwrap()[0]["kind"],
        "inSource"
    );
    assert_eq!(
        suppression("subprocess-shell-true").unwrap()[0]["kind"],
        "inSource"
    );
    assert_eq!(suppression("py/clear-text-logging-sensitive-data"), None);

    // The operator refuses the repository's and scanners' say: nothing is set aside.
    let cfg = config(&sb, "[triage]\nhonour_repository_ignores = false\n");
    let refused = shown(&sb, &["--config", &cfg], repo);
    assert!(refused.iter().all(|f| f.get("ignored").is_none()));
}

fn fixture(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/findings")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}
