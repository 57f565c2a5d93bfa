//! Triage: a judgement of a finding is an event, shown in every view, honoured by `--fail-on`
//! until it expires, attributed to whoever triaged, cleared by `open`, carried into SARIF as a
//! suppression — and its reason never keeps a secret.

mod common;

use common::*;

fn findings_json(sb: &Sandbox) -> Vec<serde_json::Value> {
    sb.run(&["--format", "json", "findings", "--all-repos"])
        .json()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_triaged_finding_is_shown_gated_and_attributed() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, "app.py", "a = 1\nb = 2\n", "code");
    let report = import_line_sarif(&sb, &r, "lint.sarif", &[("R1", "error"), ("R2", "note")]);
    let gate = || {
        sb.run(&["findings", "--all-repos", "--fail-on", "high"])
            .code
    };
    assert_eq!(gate(), 4);
    let rows = findings_json(&sb);
    let r1 = rows.iter().find(|f| f["rule"] == "R1").unwrap();
    let id = r1["finding"].as_str().unwrap().to_owned();
    let prefix = &id[..8];

    // A judgement needs a reason, a known state, a future expiry, and someone to attribute.
    sb.run(&["findings", "triage", prefix, "--state", "accepted-risk"])
        .assert_code(2);
    sb.run(&[
        "findings", "triage", prefix, "--state", "maybe", "--reason", "x",
    ])
    .assert_code(2);
    let bad_date = sb.run(&[
        "findings",
        "triage",
        prefix,
        "--state",
        "accepted-risk",
        "--reason",
        "x",
        "--expires",
        "2001-01-01",
        "--by",
        "Sec Lead <lead@example.com>",
    ]);
    bad_date.assert_code(2);
    assert!(bad_date.stderr.contains("in the past"), "{bad_date:?}");
    let nobody = sb.run(&[
        "findings", "triage", prefix, "--state", "wont-fix", "--reason", "x",
    ]);
    nobody.assert_code(2);
    assert!(
        nobody.stderr.contains("git config user.email"),
        "{nobody:?}"
    );
    sb.run(&[
        "findings",
        "triage",
        "f_00000000",
        "--state",
        "wont-fix",
        "--reason",
        "x",
        "--by",
        "Sec Lead <lead@example.com>",
    ])
    .assert_error(&["no finding with id"]);

    // Accepted, with a token pasted into the reason by mistake.
    let token = "ghp_Tq7dXw2LmR9vK4nB8sZ1yH6cJ3pF5gA0eQ2w";
    let events = sb.event_count();
    let accept = |finding: &str| {
        sb.run(&[
            "--format",
            "json",
            "findings",
            "triage",
            finding,
            "--state",
            "accepted-risk",
            "--reason",
            &format!("internal tool only; see ticket (token {token})"),
            "--expires",
            "2999-12-31",
            "--by",
            "Sec Lead <lead@example.com>",
        ])
    };
    let run = accept(prefix);
    run.assert_code(0);
    assert_eq!(run.json()["recorded"], true);
    assert_eq!(sb.event_count(), events + 1);
    assert_eq!(gate(), 0, "an accepted risk does not fail the gate");
    let rows = findings_json(&sb);
    let r1 = rows.iter().find(|f| f["rule"] == "R1").unwrap();
    let triage = &r1["triage"];
    assert_eq!(triage["state"], "accepted-risk");
    assert_eq!(triage["active"], true);
    assert_eq!(triage["expires"], "2999-12-31");
    assert_eq!(triage["by_name"], "Sec Lead <lead@example.com>");
    let reason = triage["reason"].as_str().unwrap();
    assert!(
        reason.contains("[REDACTED") && !reason.contains(token),
        "{reason}"
    );
    let db = std::fs::read(sb.db()).unwrap();
    let wal = std::fs::read(sb.path().join("x.db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "the token reached the database"
        );
    }
    let table = sb.run(&["findings", "--all-repos"]);
    assert!(
        table
            .stdout
            .contains("open (accepted-risk until 2999-12-31)"),
        "{table:?}"
    );
    let csv = sb.run(&["--format", "csv", "findings", "--all-repos"]);
    assert!(csv.stdout.contains("accepted-risk,"), "{csv:?}");
    // The same judgement again records nothing.
    let again = accept(&id);
    assert_eq!(again.json()["recorded"], false, "{again:?}");
    assert_eq!(sb.event_count(), events + 1);

    // SARIF: a suppression with the reason.
    let exported = sb.run(&[
        "export",
        "sarif",
        report.to_str().unwrap(),
        "--repo",
        r.path.to_str().unwrap(),
    ]);
    exported.assert_code(0);
    let doc = exported.json();
    let result = &doc["runs"][0]["results"][0];
    assert_eq!(result["suppressions"][0]["status"], "accepted", "{doc:#}");
    assert!(
        result["suppressions"][0]["justification"]
            .as_str()
            .unwrap()
            .starts_with("accepted-risk: internal tool only")
    );

    // Open again: the gate counts it.
    sb.run(&[
        "findings",
        "triage",
        &id,
        "--state",
        "open",
        "--by",
        "Sec Lead <lead@example.com>",
    ])
    .assert_code(0);
    assert_eq!(gate(), 4);
    assert!(findings_json(&sb).iter().all(|f| f.get("triage").is_none()));
    sb.assert_verifies();
}
