//! Every command that produces findings writes table, JSON, CSV, Markdown and SARIF, run here
//! with each on real findings (a secret in history, an unpinned action, an imported scanner
//! report with hostile text, a denied tool): the SARIF is valid 2.1.0 from the one builder,
//! with attribution, and reads back through devspm's own SARIF importer; any other format is
//! refused with exit status 2 naming the ones the command writes.

mod common;

use common::*;
use serde_json::Value;

/// The CSV header every finding-producing command writes.
const CSV_HEADER: &str = "finding,repository,tool,rule,kind,severity,status,path,line,package,version,identifiers,attribution,method,confidence,introduced_in,introduced_at,developer,developer_name,team,agents,reason,triage,triage_reason,triage_expires,triage_by,message,context,context_counts,ignored_by,ignored_reason";

/// SARIF 2.1.0's required shape (§3.13 sarifLog, §3.14 run, §3.19 tool, §3.27 result, §3.49
/// reportingDescriptor): checks what the schema requires and what code scanning reads.
fn assert_valid_sarif(doc: &Value, context: &str) -> usize {
    assert_eq!(doc["version"], "2.1.0", "{context}");
    assert!(doc["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = doc["runs"].as_array().expect("runs");
    assert!(!runs.is_empty(), "{context}");
    let mut results_seen = 0;
    for run in runs {
        let driver = &run["tool"]["driver"];
        assert!(
            !driver["name"].as_str().unwrap().is_empty(),
            "{context}: {run:#}"
        );
        let rules = driver["rules"].as_array().expect("rules");
        for rule in rules {
            assert!(rule["id"].is_string(), "{context}: {rule:#}");
        }
        for r in run["results"].as_array().expect("results") {
            results_seen += 1;
            let rule_id = r["ruleId"].as_str().expect("ruleId");
            assert!(
                ["none", "note", "warning", "error"].contains(&r["level"].as_str().unwrap()),
                "{context}: {r:#}"
            );
            assert!(
                !r["message"]["text"].as_str().unwrap().is_empty(),
                "{context}: {r:#}"
            );
            let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
            assert_eq!(rules[index]["id"], rule_id, "{context}: {r:#}");
            assert!(r["partialFingerprints"]["devspm/v1"].is_string());
            assert!(r["properties"]["devspm"].is_object(), "{context}: {r:#}");
            for location in r["locations"].as_array().into_iter().flatten() {
                let physical = &location["physicalLocation"];
                if physical.is_null() {
                    assert!(location["logicalLocations"].is_array(), "{context}");
                    continue;
                }
                let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
                assert!(!uri.contains([' ', '\\']), "{context}: {uri}");
                if !physical["region"].is_null() {
                    assert!(physical["region"]["startLine"].as_u64().unwrap() >= 1);
                }
            }
        }
    }
    results_seen
}

fn with_format(sb: &Sandbox, format: &str, args: &[&str]) -> Run {
    let mut all = vec!["--format", format];
    all.extend(args);
    sb.run(&all)
}

/// Runs `args` with every format; asserts each is well-formed; returns the SARIF document.
fn every_format(sb: &Sandbox, args: &[&str], codes: &[i32]) -> Value {
    let mut sarif = Value::Null;
    for format in ["table", "json", "csv", "markdown", "sarif"] {
        let run = with_format(sb, format, args);
        assert!(
            codes.contains(&run.code),
            "{args:?} --format {format}: {run:?}"
        );
        assert!(!run.stdout.is_empty(), "{args:?} --format {format}");
        assert!(!run.stdout.contains('\u{1b}'), "{args:?} {format}: {run:?}");
        match format {
            "json" => {
                run.json();
            }
            "csv" => assert_eq!(run.stdout.lines().next(), Some(CSV_HEADER), "{args:?}"),
            "markdown" => assert!(run.stdout.starts_with("## devspm "), "{run:?}"),
            "sarif" => {
                sarif = run.json();
                assert_valid_sarif(&sarif, &format!("{args:?}"));
            }
            _ => {}
        }
    }
    sarif
}

#[test]
fn every_finding_producing_command_writes_every_format() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, "app.py", "a = 1\nb = 2\nc = 3\n", "Add the app");
    r.commit_file(
        BOB,
        "deploy.env",
        "AWS_ACCESS_KEY_ID=AKIAQ3EGRBMK2NQUXY7P\n",
        "Deployment settings",
    );
    r.commit_file(
        BOB,
        ".github/workflows/ci.yml",
        "on: pull_request_target\npermissions: write-all\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo \"${{ github.event.pull_request.title }}\"\n",
        "CI",
    );
    let repo = r.path.to_str().unwrap().to_owned();

    // scan: the repository's findings after the scan (the secret, the CI findings).
    let sarif = every_format(&sb, &["scan", &repo], &[0]);
    let tools: Vec<&str> = sarif["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["tool"]["driver"]["name"].as_str().unwrap())
        .collect();
    assert!(tools.contains(&"devspm-secrets"), "{tools:?}");
    let secret = sarif["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["tool"]["driver"]["name"] == "devspm-secrets")
        .unwrap()["results"][0]
        .clone();
    assert_eq!(
        secret["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "deploy.env"
    );
    assert_eq!(secret["level"], "error", "{secret:#}");
    // Attribution rides along, as `devspm export sarif` writes it.
    assert_eq!(
        secret["properties"]["devspm"]["developerName"], "Bob Stone <bob@example.com>",
        "{secret:#}"
    );
    assert!(!sarif.to_string().contains("AKIAQ3EGRBMK2NQUXY7P"));

    // import: a report with hostile text; the findings of that producer.
    let hostile = "=HYPERLINK(\"http://evil\")\u{1b}[2J\u{202e}gnp.exe | [x](http://e) <b>";
    let report = sb.path().join("lint.sarif");
    let mut doc: Value =
        serde_json::from_str(&line_sarif(&[("R1", "error"), ("R2", "note")])).unwrap();
    doc["runs"][0]["results"][0]["message"]["text"] = Value::from(hostile);
    std::fs::write(&report, doc.to_string()).unwrap();
    let sarif = every_format(
        &sb,
        &["import", "--repo", &repo, report.to_str().unwrap()],
        &[0],
    );
    assert_eq!(sarif["runs"].as_array().unwrap().len(), 1, "{sarif:#}");
    assert_eq!(sarif["runs"][0]["tool"]["driver"]["name"], "lint");
    let texts: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message"]["text"].as_str().unwrap())
        .collect();
    assert!(texts.contains(&hostile), "exact text in SARIF: {texts:?}");
    let raw = with_format(&sb, "sarif", &["findings", "--all-repos"]).stdout;
    assert!(
        !raw.contains('\u{202e}') && !raw.contains('\u{1b}'),
        "{raw}"
    );
    let csv = with_format(&sb, "csv", &["findings", "--all-repos"]).stdout;
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    assert!(
        !csv.contains('\u{202e}') && !csv.contains('\u{1b}'),
        "{csv}"
    );
    let md = with_format(&sb, "markdown", &["findings", "--all-repos"]).stdout;
    assert!(!md.contains("[x](http") && !md.contains("<b>"), "{md}");

    // findings: everything recorded; the SARIF reads back through devspm's SARIF importer as
    // the same number of results.
    let sarif = every_format(&sb, &["findings", "--all-repos"], &[0]);
    let exported = sb.path().join("findings.sarif");
    std::fs::write(&exported, sarif.to_string()).unwrap();
    let total = assert_valid_sarif(&sarif, "findings");
    let back = Run::from(
        sb.devspm_without_db()
            .arg("--db")
            .arg(sb.path().join("other.db"))
            .args(["--format", "json", "import", "--repo", &repo])
            .arg(&exported)
            .output()
            .unwrap(),
    );
    back.assert_code(0);
    let read: u64 = back.json()["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["results"].as_u64().unwrap())
        .sum();
    assert_eq!(read as usize, total, "{back:?}");

    // ci audit: the CI rules as the catalogue, each result with its rule's help.
    let sarif = every_format(&sb, &["ci", "audit", &repo], &[0, 4]);
    let run = &sarif["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "devspm-ci-audit");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.len() >= 10 && rules[0]["help"]["text"].is_string());
    assert!(!run["results"].as_array().unwrap().is_empty());

    // tools scan: a denied extension on a prepared home.
    let home = sb.path().join("ws");
    let ext = home.join(".vscode/extensions/evil.miner-1.0.0");
    std::fs::create_dir_all(&ext).unwrap();
    std::fs::write(
        ext.join("package.json"),
        r#"{"name":"miner","publisher":"evil","version":"1.0.0"}"#,
    )
    .unwrap();
    let config = sb.path().join("devspm.toml");
    std::fs::write(
        &config,
        "[policy]\n[policy.extensions]\ndeny = [\"evil.*\"]\n",
    )
    .unwrap();
    let cfg = config.to_str().unwrap();
    let sarif = every_format(
        &sb,
        &[
            "--config",
            cfg,
            "tools",
            "scan",
            "--home",
            home.to_str().unwrap(),
            "--identity",
            "ann@example.com",
        ],
        &[0],
    );
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["ruleId"] == "denied-tool"),
        "{sarif:#}"
    );

    // policy check: the denied tool is a failing violation.
    let sarif = every_format(&sb, &["--config", cfg, "policy", "check"], &[4]);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "denied" && r["level"] == "error"),
        "{sarif:#}"
    );
}

#[test]
fn an_unsupported_format_is_a_usage_error_naming_the_supported_ones() {
    let sb = Sandbox::new();
    for (args, supported) in [
        (&["tools", "list"][..], "it writes table, json"),
        (&["identities"][..], "it writes table, json"),
        (&["ai"][..], "it writes table, json, csv, markdown"),
        (&["import", "--list"][..], "it writes table, json"),
    ] {
        let run = with_format(&sb, "sarif", args);
        run.assert_code(2);
        assert!(
            run.stderr.contains("--format sarif is not available"),
            "{run:?}"
        );
        assert!(run.stderr.contains(supported), "{run:?}");
        assert_eq!(run.stdout, "");
    }
}
