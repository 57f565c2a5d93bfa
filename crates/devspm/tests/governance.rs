//! Tool governance end to end: `ci audit` findings attributed to the commit and developer that
//! wrote the offending line, the CI inventory recorded during `scan` and listed by `tools list`,
//! `tools scan` on a prepared home directory, `policy check` gating CI with exit 4, and the
//! built-in dependency detector matching a lockfile against loaded advisories.

mod common;

use common::*;

const SAFE_WORKFLOW: &str = "\
name: ci
on: push
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@0e58ed8671d6b60d0890c21b07f8835ace038e61
        with:
          persist-credentials: false
      - run: cargo test
";

/// Bob's change: a tag-pinned third-party action and a PR title expanded in a script (lines 13
/// and 14).
fn risky_workflow() -> String {
    format!(
        "{SAFE_WORKFLOW}      - uses: tj-actions/changed-files@v45\n      - run: echo \"${{{{ github.event.pull_request.title }}}}\"\n"
    )
}

fn findings_by_rule(out: &serde_json::Value) -> Vec<(String, u64, String)> {
    let mut v: Vec<(String, u64, String)> = out["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["introduced"]["developer"]
                    .as_str()
                    .unwrap_or("-")
                    .to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn ci_audit_attributes_each_finding_to_the_commit_that_wrote_its_line() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, ".github/workflows/ci.yml", SAFE_WORKFLOW, "Add CI");
    let bobs = r.commit_file(
        BOB,
        ".github/workflows/ci.yml",
        &risky_workflow(),
        "Detect changed files",
    );

    let run = sb.run(&["--format", "json", "ci", "audit", r.path.to_str().unwrap()]);
    // tj-actions/changed-files@v45 is a known-compromised tag: critical, over the threshold.
    run.assert_code(4);
    let out = run.json();
    let found = findings_by_rule(&out);
    let rules: Vec<&str> = found.iter().map(|(r, _, _)| r.as_str()).collect();
    assert!(rules.contains(&"known-compromised-action"), "{found:?}");
    assert!(rules.contains(&"unpinned-uses"), "{found:?}");
    assert!(rules.contains(&"template-injection"), "{found:?}");
    // Every finding sits on a line Bob wrote, in Bob's commit; Alice's lines are clean.
    for f in out["findings"].as_array().unwrap() {
        assert_eq!(
            f["introduced"]["developer"].as_str(),
            Some("Bob Stone <bob@example.com>"),
            "{f}"
        );
        assert_eq!(
            f["introduced"]["commit"].as_str(),
            Some(bobs.as_str()),
            "{f}"
        );
        assert!(f["line"].as_u64().unwrap() >= 13, "{f}");
    }

    // Recorded as findings of devspm-ci-audit, with their attribution.
    let listed = sb.run(&["--format", "json", "findings", "--tool", "devspm-ci-audit"]);
    listed.assert_code(0);
    assert!(listed.stdout.contains("line-blame"), "{}", listed.stdout);

    // SARIF for code-scanning dashboards, with the introducer in properties.devspm.
    let sarif = sb.run(&[
        "--format",
        "sarif",
        "ci",
        "audit",
        "--no-record",
        r.path.to_str().unwrap(),
    ]);
    sarif.assert_code(4);
    let sarif = sarif.json();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(
        sarif["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len()
            >= 15
    );
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());

    // A threshold above the worst finding passes.
    sb.run(&[
        "ci",
        "audit",
        "--no-record",
        "--fail-on",
        "critical",
        &format!("{}/.github/workflows/ci.yml", r.path.display()),
    ])
    .assert_code(4);
    // A workflow named by a path relative to the working directory is audited as a workflow
    // of its repository, with its findings (it once read as no CI file at all).
    let relative = r
        .path
        .strip_prefix(sb.path())
        .unwrap()
        .join(".github/workflows/ci.yml");
    let one = sb.run(&[
        "--format",
        "json",
        "ci",
        "audit",
        "--no-record",
        relative.to_str().unwrap(),
    ]);
    one.assert_code(4);
    let rules: Vec<String> = findings_by_rule(&one.json())
        .into_iter()
        .map(|(rule, _, _)| rule)
        .collect();
    assert!(
        rules.contains(&"known-compromised-action".to_owned()),
        "{rules:?}"
    );
    let clean = sb.repo("clean");
    clean.commit_file(ALICE, ".github/workflows/ci.yml", SAFE_WORKFLOW, "Add CI");
    sb.run(&["ci", "audit", clean.path.to_str().unwrap()])
        .assert_code(0);
    sb.assert_verifies();
}

#[test]
fn ci_audit_reports_bad_yaml_with_file_and_line_and_goes_on() {
    let sb = Sandbox::new();
    let dir = sb.path().join("wf/.github/workflows");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("broken.yml"), "on: push\njobs:\n  a: [unclosed\n").unwrap();
    std::fs::write(
        dir.join("bomb.yml"),
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n",
    )
    .unwrap();
    std::fs::write(dir.join("ok.yml"), risky_workflow()).unwrap();
    let run = sb.run(&["ci", "audit", sb.path().join("wf").to_str().unwrap()]);
    run.assert_code(4);
    assert!(run.stdout.contains("broken.yml:"), "{run:?}");
    assert!(run.stdout.contains("known-compromised-action"), "{run:?}");
    assert!(!run.stderr.contains("panicked"), "{run:?}");
}

#[test]
fn scan_records_the_ci_inventory_and_tools_list_answers_who_uses_what() {
    let sb = Sandbox::new();
    let r = sb.repo("svc");
    r.commit_file(ALICE, ".github/workflows/ci.yml", SAFE_WORKFLOW, "Add CI");
    r.commit_file(
        BOB,
        ".github/workflows/ci.yml",
        &risky_workflow(),
        "More CI",
    );
    r.commit_file(
        CAROL,
        "Dockerfile",
        "FROM rust:1.88 AS build\nFROM debian@sha256:4f3e8c1b2a9d7e6f5c4b3a2918e7d6c5b4a39281f0e1d2c3b4a5968778695a4b\n",
        "Container",
    );
    sb.scan(&r.path);

    let run = sb.run(&[
        "--format",
        "json",
        "tools",
        "list",
        "--name",
        "changed-files",
    ]);
    run.assert_code(0);
    let rows = run.json();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["name"], "tj-actions/changed-files");
    assert_eq!(rows[0]["version"], "v45");
    assert_eq!(rows[0]["kind"], "action");
    assert_eq!(rows[0]["line"], 13);
    assert_eq!(rows[0]["pinned"], false);
    assert_eq!(rows[0]["identity_name"], "Bob Stone <bob@example.com>");

    let images = sb.run(&[
        "--format",
        "json",
        "tools",
        "list",
        "--kind",
        "container_image",
    ]);
    let images = images.json();
    let names: Vec<(&str, &str, &str)> = images
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["name"].as_str().unwrap(),
                i["version"].as_str().unwrap_or("-"),
                i["identity_name"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        names,
        vec![
            (
                "debian",
                "sha256:4f3e8c1b2a9d7e6f5c4b3a2918e7d6c5b4a39281f0e1d2c3b4a5968778695a4b",
                "Carol Diaz <carol@example.com>"
            ),
            ("rust", "1.88", "Carol Diaz <carol@example.com>"),
        ]
    );
    // --since in the future matches nothing; a bad --since is one clear error.
    let none = sb.run(&["--format", "json", "tools", "list", "--since", "2999-01-01"]);
    assert_eq!(none.json().as_array().unwrap().len(), 0);
    sb.run(&["tools", "list", "--since", "last tuesday"])
        .assert_error(&["--since", "7d"]);
}

#[test]
fn policy_check_gates_ci_with_exit_4_and_names_the_entry_that_decided() {
    let sb = Sandbox::new();
    let r = sb.repo("gated");
    r.commit_file(BOB, ".github/workflows/ci.yml", &risky_workflow(), "CI");
    sb.scan(&r.path);

    let config = sb.path().join("devspm.toml");
    // Without a [policy] there is nothing to check: an error that says how to add one.
    std::fs::write(
        &config,
        "[[identity]]\nid = \"bob\"\naliases = [\"bob@example.com\"]\n",
    )
    .unwrap();
    sb.run(&["--config", config.to_str().unwrap(), "policy", "check"])
        .assert_error(&["no [policy]", "docs/governance.md"]);

    std::fs::write(
        &config,
        "[policy.actions]\nallow = [\"actions/*\"]\ndeny = [\"tj-actions/*\"]\n\n[policy.thresholds]\nci_severity = \"critical\"\n",
    )
    .unwrap();
    let run = sb.run(&[
        "--config",
        config.to_str().unwrap(),
        "--format",
        "json",
        "policy",
        "check",
    ]);
    run.assert_code(4);
    let out = run.json();
    let violations = out["violations"].as_array().unwrap();
    let denied: Vec<&serde_json::Value> = violations
        .iter()
        .filter(|v| v["kind"] == "denied")
        .collect();
    assert_eq!(denied.len(), 1, "{violations:?}");
    assert_eq!(denied[0]["item"], "tj-actions/changed-files@v45");
    assert_eq!(denied[0]["rule"], "actions.deny: \"tj-actions/*\"");
    assert!(
        denied[0]["who"]
            .as_str()
            .unwrap()
            .starts_with("Bob Stone <bob@example.com> in "),
        "{denied:?}"
    );
    assert!(violations.iter().any(|v| v["kind"] == "ci-finding"));

    // Allowed and pinned: passes.
    std::fs::write(
        &config,
        "[policy.actions]\nallow = [\"actions/*\", \"tj-actions/*\"]\n\n[policy.thresholds]\nci_severity = \"critical\"\nfail_on_unapproved = true\n",
    )
    .unwrap();
    let clean = sb.repo("pinned");
    clean.commit_file(ALICE, ".github/workflows/ci.yml", SAFE_WORKFLOW, "CI");
    sb.scan(&clean.path);
    sb.run(&[
        "--config",
        config.to_str().unwrap(),
        "policy",
        "check",
        "--repo",
        clean.path.to_str().unwrap(),
    ])
    .assert_code(0);

    // A typo in the policy is an error naming the line.
    std::fs::write(&config, "[policy.actions]\nalow = [\"x\"]\n").unwrap();
    sb.run(&["--config", config.to_str().unwrap(), "policy", "check"])
        .assert_error(&["line 2", "alow"]);
}

/// A prepared home directory: two editors' extensions, an MCP server, git settings and a
/// plaintext credential file.
fn prepared_home(sb: &Sandbox) -> std::path::PathBuf {
    let home = sb.path().join("ann-home");
    let ext = home.join(".vscode/extensions");
    std::fs::create_dir_all(&ext).unwrap();
    std::fs::write(
        ext.join("extensions.json"),
        r#"[
  {"identifier":{"id":"ms-python.python"},"version":"2025.1.0","location":{"path":"/x"},"metadata":{"installedTimestamp":1760000000000,"source":"gallery"}},
  {"identifier":{"id":"evilcorp.malicious-theme"},"version":"1.0.0","location":{"path":"/y"},"metadata":{"source":"vsix"}}
]"#,
    )
    .unwrap();
    std::fs::write(
        home.join(".gitconfig"),
        "[user]\n\tname = Ann\n\temail = ann@example.com\n[credential]\n\thelper = store\n",
    )
    .unwrap();
    std::fs::write(
        home.join(".git-credentials"),
        "https://ann:ghp_FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE1@github.com\n",
    )
    .unwrap();
    std::fs::write(home.join(".mcp.json"), "{\"mcpServers\": {}}").unwrap();
    std::fs::write(
        home.join(".claude.json"),
        r#"{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem"]}}}"#,
    )
    .unwrap();
    home
}

#[test]
fn tools_scan_reports_exactly_what_the_home_holds_and_records_it_under_the_developer() {
    let sb = Sandbox::new();
    let home = prepared_home(&sb);
    let config = sb.path().join("devspm.toml");
    std::fs::write(
        &config,
        "[policy.extensions]\nallow = [\"ms-python.*\"]\ndeny = [\"*.malicious-*\"]\n",
    )
    .unwrap();
    let run = sb.run(&[
        "--config",
        config.to_str().unwrap(),
        "--format",
        "json",
        "tools",
        "scan",
        "--home",
        home.to_str().unwrap(),
        "--host",
        "ann-laptop",
    ]);
    run.assert_code(0);
    let out = run.json();
    assert_eq!(out["identity"], "ann@example.com");
    let mut items: Vec<(String, String, String)> = out["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_owned(),
                i["id"].as_str().unwrap().to_owned(),
                i["verdict"]["status"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect();
    items.sort();
    let kinds: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    assert!(
        kinds.contains(&("vscode_extension", "ms-python.python", "approved")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("vscode_extension", "evilcorp.malicious-theme", "denied")),
        "{kinds:?}"
    );
    assert!(
        kinds.iter().any(|(k, _, _)| *k == "credential_file"),
        "{kinds:?}"
    );
    assert!(
        kinds.iter().any(|(k, _, _)| *k == "git_config"),
        "{kinds:?}"
    );
    assert!(
        kinds
            .iter()
            .any(|(k, id, _)| *k == "mcp_server" && *id == "fs"),
        "{kinds:?}"
    );
    // Never a credential's value.
    assert!(!run.stdout.contains("ghp_FAKE"), "{}", run.stdout);
    let recorded = out["recorded"].as_u64().unwrap();
    assert_eq!(recorded as usize, items.len());

    // Scanning the unchanged machine again adds nothing.
    let again = sb.run(&[
        "--config",
        config.to_str().unwrap(),
        "--format",
        "json",
        "tools",
        "scan",
        "--home",
        home.to_str().unwrap(),
        "--host",
        "ann-laptop",
    ]);
    assert_eq!(again.json()["recorded"], 0);

    // The fleet view names the machine and the developer; the denied extension fails the check.
    let list = sb.run(&[
        "--format",
        "json",
        "tools",
        "list",
        "--origin",
        "workstation",
        "--name",
        "malicious",
    ]);
    let rows = list.json();
    assert_eq!(rows[0]["host"], "ann-laptop");
    assert_eq!(rows[0]["identity_name"], "ann@example.com");
    sb.run(&["--config", config.to_str().unwrap(), "policy", "check"])
        .assert_code(4);
    // The database holds no credential value either.
    let dump = std::fs::read(sb.db()).unwrap();
    assert!(!dump.windows(8).any(|w| w == b"ghp_FAKE"));
    sb.assert_verifies();
}

#[test]
fn scan_matches_lockfiles_against_loaded_advisories_and_attributes_the_version_bump() {
    let sb = Sandbox::new();
    // An OSV advisory for a crate, in a folder as published.
    let osv = sb.path().join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    std::fs::write(
        osv.join("RUSTSEC-2099-0001.json"),
        r#"{"id":"RUSTSEC-2099-0001","modified":"2099-01-02T00:00:00Z","published":"2099-01-01T00:00:00Z",
"aliases":["CVE-2099-0001"],"summary":"Stack overflow in parser",
"affected":[{"package":{"ecosystem":"crates.io","name":"tinyparse"},
"ranges":[{"type":"SEMVER","events":[{"introduced":"0.2.0"},{"fixed":"0.2.5"}]}]}]}"#,
    )
    .unwrap();
    let r = sb.repo("deps");
    let lock = |v: &str| {
        format!(
            "version = 4\n\n[[package]]\nname = \"deps\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"tinyparse\"\nversion = \"{v}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
        )
    };
    r.commit_file(ALICE, "Cargo.lock", &lock("0.1.9"), "Add tinyparse");
    let bump = r.commit_file(BOB, "Cargo.lock", &lock("0.2.3"), "Bump tinyparse");

    // Without advisory data, scan says how to load it.
    let out = sb.scan(&r.path);
    assert!(
        out["detectors"]["dependencies_hint"]
            .as_str()
            .unwrap()
            .contains("devspm advisories import")
    );
    sb.run(&["advisories", "import", osv.to_str().unwrap()])
        .assert_code(0);
    // A second commit so the scan looks again.
    r.commit_file(CAROL, "README.md", "deps\n", "Docs");
    let out = sb.scan(&r.path);
    assert_eq!(out["detectors"]["dependencies"]["vulnerable"], 1, "{out}");
    let findings = sb.run(&[
        "--format",
        "json",
        "findings",
        "--tool",
        "devspm-advisories",
    ]);
    let findings = findings.json();
    let f = &findings[0];
    assert_eq!(f["rule"], "RUSTSEC-2099-0001");
    assert_eq!(f["package"], "tinyparse");
    assert_eq!(f["version"], "0.2.3");
    assert_eq!(f["method"], "lockfile-history");
    assert_eq!(f["introduced_in"], bump.as_str());
    assert!(f["identifiers"].to_string().contains("CVE-2099-0001"));

    // The load is on the record; a missing path is one clear error.
    let status = sb.run(&["--format", "json", "advisories", "status"]);
    assert_eq!(status.json()[0]["advisories"], 1);
    sb.run(&["advisories", "import", "/nonexistent/osv"])
        .assert_error(&["/nonexistent/osv", "no such file"]);
    // A file that holds no advisory is an error, and the loaded data stays.
    let readme = sb.path().join("README.md");
    std::fs::write(&readme, "# not advisories\n").unwrap();
    sb.run(&["advisories", "import", readme.to_str().unwrap()])
        .assert_error(&["no advisory could be loaded"]);
    let status = sb.run(&["--format", "json", "advisories", "status"]);
    assert_eq!(status.json().as_array().unwrap().len(), 1);
    sb.assert_verifies();
}

#[test]
fn scan_finds_secrets_in_history_attributes_them_and_never_stores_the_value() {
    let sb = Sandbox::new();
    let r = sb.repo("leaky");
    // Built at run time so that this source file holds no scannable secret.
    let aws = format!("AKIA{}", "Q3EGRIVPJ5MN7ZXT");
    let github = format!("ghp_{}", "x7Kq9Lm2Np4Rs6Tv8Wy0Za1Bc3De5Fg7Hj9K");
    r.commit_file(
        ALICE,
        "config/aws.env",
        &format!("AWS_ACCESS_KEY_ID={aws}\n"),
        "Add AWS config",
    );
    r.commit_file(BOB, "deploy.sh", &format!("#!/bin/sh\nTOKEN={github}\ncurl -H \"Authorization: token $TOKEN\" https://api.github.com\n"), "Deploy script");
    r.commit_file(
        ALICE,
        "config/aws.env",
        "AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID}\n",
        "Use the environment",
    );

    let out = sb.scan(&r.path);
    let secrets = &out["detectors"]["secrets"];
    assert_eq!(secrets["found"], 2, "{secrets}");
    assert_eq!(secrets["present_at_head"], 1, "{secrets}");
    let listed = sb.run(&["--format", "json", "findings", "--tool", "devspm-secrets"]);
    let listed = listed.json();
    let mut rows: Vec<(String, String, String, String)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
                f["method"].as_str().unwrap().to_owned(),
                f["developer_name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        vec![
            (
                "aws-access-key-id".to_owned(),
                "config/aws.env".to_owned(),
                "secret-history".to_owned(),
                "Alice Martin <alice@example.com>".to_owned()
            ),
            (
                "github-pat".to_owned(),
                "deploy.sh".to_owned(),
                "secret-history".to_owned(),
                "Bob Stone <bob@example.com>".to_owned()
            ),
        ]
    );
    // Removed from HEAD is still exposed: the finding stays open.
    assert!(listed.to_string().contains("rotate it"));

    // A second scan reads no blob again and records nothing new.
    let again = sb.scan(&r.path);
    assert_eq!(again["detectors"]["secrets"]["blobs_scanned"], 0);
    assert_eq!(again["detectors"]["secrets"]["events_appended"], 0);

    // Neither value is anywhere in the database file (WAL checkpointed by the last run).
    let conn = sb.conn();
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
    drop(conn);
    let mut dump = std::fs::read(sb.db()).unwrap();
    if let Ok(wal) = std::fs::read(sb.db().with_extension("db-wal")) {
        dump.extend(wal);
    }
    for value in [&aws, &github] {
        assert!(
            !dump.windows(value.len()).any(|w| w == value.as_bytes()),
            "the database holds a planted secret"
        );
    }
    sb.assert_verifies();
}

#[test]
fn secrets_table_of_the_config_adds_rules_and_bad_rules_are_refused() {
    let sb = Sandbox::new();
    let r = sb.repo("acme");
    let internal = format!("acme_{}", "3f9a1c7e5b2d4a6c8e0f1a3b5c7d9e2f");
    r.commit_file(
        ALICE,
        "settings.py",
        &format!("INTERNAL = \"{internal}\"\n"),
        "Settings",
    );
    let config = sb.path().join("devspm.toml");
    std::fs::write(
        &config,
        "[[secrets.rules]]\nid = \"acme-internal-token\"\ndescription = \"ACME internal API token\"\nregex = 'acme_[0-9a-f]{32}'\nkeywords = [\"acme_\"]\nconfidence = \"high\"\nseverity = \"high\"\n",
    )
    .unwrap();
    let run = sb.run(&[
        "--config",
        config.to_str().unwrap(),
        "--format",
        "json",
        "scan",
        r.path.to_str().unwrap(),
    ]);
    run.assert_code(0);
    assert_eq!(run.json()["detectors"]["secrets"]["found"], 1, "{run:?}");
    let listed = sb.run(&["--format", "json", "findings", "--tool", "devspm-secrets"]);
    assert_eq!(listed.json()[0]["rule"], "acme-internal-token");
    assert!(!listed.stdout.contains(&internal));

    std::fs::write(&config, "[secrets]\ndisabled = [\"no-such-rule\"]\n").unwrap();
    sb.run(&[
        "--config",
        config.to_str().unwrap(),
        "scan",
        r.path.to_str().unwrap(),
    ])
    .assert_error(&["[secrets]", "no-such-rule"]);
}

/// One HTTP request as a server received it.
struct Received {
    method: String,
    path: String,
    /// Header names lower-cased.
    headers: std::collections::HashMap<String, String>,
    body: Vec<u8>,
}

/// A one-request HTTP server on a loopback port (a std `TcpListener` on a thread): reads one
/// request, answers `status` with a small JSON body, and returns what it received.
fn one_shot_server(status: u16) -> (u16, std::thread::JoinHandle<Received>) {
    use std::io::{BufRead, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .unwrap();
        let mut reader = std::io::BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_owned();
        let path = parts.next().unwrap_or_default().to_owned();
        let mut headers = std::collections::HashMap::new();
        loop {
            let mut header = String::new();
            reader.read_line(&mut header).unwrap();
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
            }
        }
        let length: usize = headers
            .get("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; length];
        reader.read_exact(&mut body).unwrap();
        let answer = "{\"ok\": true}";
        let mut stream = stream;
        write!(
            stream,
            "HTTP/1.1 {status} Answer\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
            answer.len()
        )
        .unwrap();
        Received {
            method,
            path,
            headers,
            body,
        }
    });
    (port, server)
}

#[test]
fn tools_scan_submits_the_report_over_http_with_the_token_kept_off_the_command_line() {
    let sb = Sandbox::new();
    let home = prepared_home(&sb);
    // No curl needed: PATH names an empty folder.
    let empty = sb.path().join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let (port, server) = one_shot_server(201);
    let url = format!("http://127.0.0.1:{port}/api/v1/inventory?site=lab");
    let run = Run::from(
        sb.devspm()
            .env("DEVSPM_TOKEN", "t0ken-for-test")
            .env("PATH", &empty)
            .args([
                "tools",
                "scan",
                "--home",
                home.to_str().unwrap(),
                "--submit",
                &url,
            ])
            .output()
            .unwrap(),
    );
    run.assert_code(0);
    assert!(
        run.stdout.contains(&format!(
            "Submitted to http://127.0.0.1:{port}/api/v1/inventory?…: HTTP 201."
        )),
        "{run:?}"
    );
    let got = server.join().unwrap();
    assert_eq!(got.method, "POST");
    assert_eq!(got.path, "/api/v1/inventory?site=lab");
    assert_eq!(got.headers["authorization"], "Bearer t0ken-for-test");
    assert_eq!(got.headers["content-type"], "application/json");
    assert!(
        got.headers["user-agent"].starts_with("devspm/"),
        "{:?}",
        got.headers
    );
    let body: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(body["identity"], "ann@example.com");
    assert!(body["items"].as_array().unwrap().len() >= 5);
    assert!(!body.to_string().contains("ghp_FAKE"));

    // A refusing server is one clear error with the status and what it said.
    let (port, server) = one_shot_server(401);
    let url = format!("http://127.0.0.1:{port}/api/v1/inventory");
    let submit = |token: &str, url: &str| {
        Run::from(
            sb.devspm()
                .env("DEVSPM_TOKEN", token)
                .args(["tools", "scan", "--no-record", "--home"])
                .arg(&home)
                .args(["--submit", url])
                .output()
                .unwrap(),
        )
    };
    let refused = submit("wrong", &url);
    server.join().unwrap();
    refused.assert_error(&[&format!(
        "--submit to http://127.0.0.1:{port}/api/v1/inventory was refused: HTTP 401 {{\"ok\": true}}"
    )]);
    // Nobody listening: the URL without its credentials, and never the token.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://ops:pa55word@127.0.0.1:{closed}/inv");
    let down = submit("t0ken-for-test", &url);
    down.assert_error(&[&format!(
        "--submit to http://…@127.0.0.1:{closed}/inv failed: connection refused"
    )]);
    for secret in ["pa55word", "ops:", "t0ken-for-test"] {
        assert!(!down.stderr.contains(secret), "{down:?}");
    }
    // No token: a usage error from the flag parser.
    sb.run(&[
        "tools",
        "scan",
        "--home",
        home.to_str().unwrap(),
        "--submit",
        &url,
    ])
    .assert_code(2);
}

#[test]
fn tools_list_flags_a_workflow_that_appears_in_many_repositories_at_once() {
    let sb = Sandbox::new();
    let worm = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@0e58ed8671d6b60d0890c21b07f8835ace038e61\n";
    for name in ["one", "two", "three"] {
        let r = sb.repo(name);
        r.commit_file(
            CAROL,
            ".github/workflows/shai-hulud.yml",
            worm,
            "Add workflow",
        );
        sb.scan(&r.path);
    }
    // A fourth repository that has its own, unrelated workflow.
    let other = sb.repo("four");
    other.commit_file(ALICE, ".github/workflows/ci.yml", SAFE_WORKFLOW, "CI");
    sb.scan(&other.path);

    let run = sb.run(&["tools", "list"]);
    run.assert_code(0);
    let signals: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("signal: "))
        .collect();
    assert_eq!(signals.len(), 1, "{}", run.stdout);
    assert!(
        signals[0].contains(".github/workflows/shai-hulud.yml was introduced in 3 repositories within 0 h (one, three, two)"),
        "{}",
        signals[0]
    );
    // JSON rows carry the introducing commit's time for scripts that look for the same.
    let rows = sb.run(&[
        "--format",
        "json",
        "tools",
        "list",
        "--repo",
        other.path.to_str().unwrap(),
    ]);
    assert!(rows.json()[0]["introduced_at"].as_i64().is_some());
}
