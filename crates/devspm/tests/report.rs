//! `devspm report` on a real repository built in the test, whose authors, commit messages,
//! paths and scanner findings carry the shared catalogue of hostile strings: the HTML loads
//! nothing from anywhere and every link lands on an anchor of the page; no hostile string
//! reaches it raw; every number of a subject has as many entries of evidence as it counts;
//! teams come from CODEOWNERS; and `--pseudonymize` leaves no real name, e-mail or identity
//! id in any output of `report` or `posture`. The browser test is `chromium.rs`.

mod common;

use std::collections::BTreeMap;

use common::report_world::*;
use common::*;
use serde_json::Value;

/// No character a terminal or a reader could be fooled by is left raw.
fn assert_inert(what: &str, text: &str) {
    for c in text.chars() {
        let bad = matches!(c, '\0'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
            | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'..='\u{200f}' | '\u{feff}');
        assert!(!bad, "{what}: raw {c:?}");
    }
}

#[test]
fn the_html_report_is_self_contained_escaped_and_links_every_number() {
    let (sb, repo) = hostile_world();
    let out = sb.path().join("report.html");
    sb.run(&["report", "-o", out.to_str().unwrap()])
        .assert_code(0);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_self_contained(&html);
    assert_inert("html", &html);
    // Markup from outside is text: the SARIF tool name, Mallory's attribute breakout.
    assert!(
        html.contains("lint\\u{202e}&lt;b&gt;"),
        "tool name not escaped"
    );
    assert!(!html.contains("onmouseover=\"alert"));
    assert!(html.contains("&quot; onmouseover=&quot;alert(1)"));
    for (id, text) in catalogue() {
        if text.contains(['<', '>', '"', '\u{1b}']) {
            assert!(!html.contains(&text), "{id} reached the HTML raw");
        }
    }
    // The sections a reader looks for, the signals placeholder among them.
    for section in [
        "id=\"overview\"",
        "id=\"teams\"",
        "id=\"developers\"",
        "id=\"agents\"",
        "id=\"repositories\"",
        "id=\"findings\"",
        "id=\"ai\"",
        "id=\"tools\"",
        "id=\"ci\"",
        "id=\"signals\"",
        "<svg class=\"chart\"",
    ] {
        assert!(html.contains(section), "no {section}");
    }

    // The same report as JSON: the numbers and their evidence.
    let json = sb.run(&["--format", "json", "report"]).json();
    assert_eq!(json["teams"]["source"], "codeowners");
    let members: BTreeMap<String, String> = json["teams"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_owned(),
                m["team"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(members["Alice Martin"], "@acme/backend");
    assert_eq!(members["Bob Stone"], "@acme/web");
    assert_eq!(members[MALLORY.0], "@acme/backend");
    let subjects = json["posture"]["subjects"].as_array().unwrap();
    let mut checked = 0;
    for s in subjects {
        let m = &s["metrics"];
        let e = &s["evidence"];
        for (metric, list) in [
            ("commits", "commits"),
            ("findings_introduced", "findings"),
            ("findings_fixed", "fixed"),
            ("secrets_open", "open_secrets"),
            ("self_merged", "self_merged"),
            ("hook_overrides", "hook_overrides"),
            ("fixes_made", "fixes_made"),
            ("secrets_live_at_head", "live_secrets"),
            ("ai_recorded_line_commits", "ai_line_commits"),
        ] {
            assert_eq!(
                m[metric].as_u64().unwrap(),
                e[list].as_array().unwrap().len() as u64,
                "{} {metric}",
                s["id"]
            );
        }
        // Every listed commit and finding has a row of its own in the HTML.
        for c in e["commits"].as_array().unwrap() {
            let anchor = format!(
                "id=\"c-{}-{}\"",
                c["repo"].as_str().unwrap(),
                c["id"].as_str().unwrap()
            );
            assert!(html.contains(&anchor), "no row {anchor}");
        }
        checked += 1;
    }
    assert!(checked >= 6, "{subjects:?}");
    // Mallory introduced the findings on line 21 (the others are Alice's): attributed.
    let mallory = subjects
        .iter()
        .find(|s| s["kind"] == "developer" && s["name"] == MALLORY.0)
        .unwrap();
    let introduced = mallory["metrics"]["findings_introduced"].as_u64().unwrap();
    assert_eq!(introduced, 10, "{mallory}");
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), catalogue().len());
    let head = repo.head();
    assert_eq!(
        findings
            .iter()
            .filter(|f| f["introduced_in"] == head.as_str())
            .count(),
        10
    );
    // One entry per group that `devspm signals` shows by default.
    let listed = sb.run(&["--format", "json", "signals"]);
    listed.assert_code(0);
    assert_eq!(
        json["signals"].as_array().map_or(0, Vec::len),
        listed.json()["groups"].as_array().map_or(0, Vec::len)
    );
}

#[test]
fn the_markdown_summary_is_inert() {
    let (sb, _repo) = hostile_world();
    let run = sb.run(&["--format", "markdown", "report"]);
    run.assert_code(0);
    let md = &run.stdout;
    assert_inert("markdown", md);
    assert!(md.starts_with("## devspm: developer security posture"));
    // The signals section lists what `devspm signals` shows by default, or says there is none.
    let html = sb.run(&["report"]).stdout;
    let listed = sb.run(&["--format", "json", "signals"]);
    listed.assert_code(0);
    let groups = listed.json()["groups"].as_array().map_or(0, Vec::len);
    if groups == 0 {
        assert!(
            md.contains("no signals of medium severity or above"),
            "{md}"
        );
        assert!(html.contains("no signals of medium severity or above"));
    } else {
        let section = &html[html.find("id=\"signals\"").unwrap()..];
        assert!(
            section.matches("<tr><td class=\"sev-").count() >= groups,
            "{groups} signal groups"
        );
    }
    assert!(md.contains("| commits | 6 |"), "{md}");
    // No link, image or raw HTML from outside text: outside code spans, every `[`, `]` and
    // `<` is backslash-escaped.
    let text = outside_code(md);
    for (at, c) in text.char_indices() {
        if matches!(c, '[' | ']' | '<') {
            assert_eq!(&text[at - 1..at], "\\", "unescaped {c:?} in {text}");
        }
    }
    // `--format html` is the report's alone.
    let refused = sb.run(&["--format", "html", "posture"]);
    refused.assert_code(2);
    assert!(
        refused
            .stderr
            .contains("--format html is not available for `devspm posture`"),
        "{}",
        refused.stderr
    );
}

#[test]
fn pseudonymized_outputs_name_nobody_and_stay_stable() {
    let (sb, repo) = hostile_world();
    let identities = sb.run(&["--format", "json", "identities"]).json();
    let mut secrets: Vec<String> = vec![
        ALICE.0.into(),
        ALICE.1.into(),
        BOB.0.into(),
        BOB.1.into(),
        MALLORY.1.into(),
    ];
    // Mallory's name as each format would show it (the raw name never reaches an output).
    secrets.push(MALLORY.0.into());
    secrets.push(devspm_report::terminal::escape(MALLORY.0).into_owned());
    secrets.push(devspm_report::html::text(MALLORY.0));
    secrets.push(devspm_report::markdown::text(MALLORY.0));
    secrets.push(
        devspm_report::json::to_string(MALLORY.0)
            .unwrap()
            .trim_matches('"')
            .to_owned(),
    );
    for i in identities.as_array().unwrap_or(&Vec::new()) {
        if let Some(id) = i["identity"].as_str().filter(|id| id.starts_with("dev_")) {
            secrets.push(id.to_owned());
        }
    }
    assert!(
        secrets.iter().any(|s| s.starts_with("dev_")),
        "{identities}"
    );
    let out = sb.path().join("shared.html");
    let mut outputs: Vec<(String, String)> = Vec::new();
    sb.run(&["report", "--pseudonymize", "-o", out.to_str().unwrap()])
        .assert_code(0);
    outputs.push(("html".into(), std::fs::read_to_string(&out).unwrap()));
    for args in [
        vec!["--format", "markdown", "report", "--pseudonymize"],
        vec!["--format", "json", "report", "--pseudonymize"],
        vec!["posture", "--pseudonymize"],
        vec!["--format", "json", "posture", "--pseudonymize"],
        vec!["--format", "csv", "posture", "--pseudonymize"],
        vec!["--format", "markdown", "posture", "--pseudonymize"],
        vec![
            "--format",
            "json",
            "posture",
            "explain",
            ALICE.1,
            "--pseudonymize",
        ],
        vec!["posture", "explain", ALICE.1, "--pseudonymize"],
    ] {
        let run = sb.run(&args);
        run.assert_code(0);
        outputs.push((args.join(" "), run.stdout.clone()));
    }
    for (what, text) in &outputs {
        let lower = text.to_lowercase();
        for secret in &secrets {
            assert!(
                !lower.contains(&secret.to_lowercase()),
                "{what} shows {secret:?}"
            );
        }
        assert!(text.contains("person-"), "{what} shows no pseudonym");
    }
    // The same person, the same pseudonym, in every run and format.
    let pseudonym =
        |json: &Value| -> String { json["subject"]["name"].as_str().unwrap().to_owned() };
    let a = sb
        .run(&[
            "--format",
            "json",
            "posture",
            "explain",
            ALICE.1,
            "--pseudonymize",
        ])
        .json();
    let b = sb
        .run(&[
            "--format",
            "json",
            "posture",
            "explain",
            ALICE.1,
            "--pseudonymize",
        ])
        .json();
    assert_eq!(pseudonym(&a), pseudonym(&b));
    assert!(outputs[0].1.contains(&pseudonym(&a)));
    // Unpseudonymised, the names are there (the check above is not vacuous).
    let plain = sb.run(&["--format", "json", "report"]).stdout;
    assert!(plain.contains(ALICE.0) && plain.contains(BOB.0));
    let _ = repo;
}

#[test]
fn the_ai_line_share_comes_from_line_level_records() {
    let sb = Sandbox::new();
    let r = sb.repo("notes");
    r.commit_file(ALICE, "src/a.rs", "fn a() {}\n", "Human commit\n");
    let assisted = r.commit_file(
        ALICE,
        "src/b.rs",
        "fn b() {}\nfn c() {}\nfn d() {}\n",
        "Assisted\n",
    );
    // git-ai says lines 1–2 of src/b.rs are Claude's; line 3 is the human's.
    let note = "src/b.rs\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-2\n  h_31dce776f88375 3\n---\n{\"schema_version\": \"authorship/3.0.0\", \"sessions\": {\"s_c9883b05a2487d\": {\"agent_id\": {\"tool\": \"claude\", \"model\": \"claude-sonnet-4-5\"}}}, \"humans\": {\"h_31dce776f88375\": {}}}\n";
    r.git(&["notes", "--ref=ai", "add", "-m", note, &assisted]);
    sb.scan(&r.path);
    let posture = sb.run(&["--format", "json", "posture"]).json();
    let org = &posture["organisation"]["metrics"];
    let changed = org["changed_lines"].as_u64().unwrap();
    assert!(changed >= 4, "{org}");
    assert_eq!(org["ai_recorded_lines"], 2);
    assert_eq!(org["ai_recorded_line_commits"], 1);
    assert_eq!(org["ai_recorded_line_share"], 2.0 / changed as f64);
    // The whole assisted commit is AI-involved: its 3 lines by the commit-level measure.
    assert_eq!(org["ai_changed_lines"], 3);
    let report = sb.run(&["--format", "json", "report"]).json();
    assert_eq!(report["ai"]["recorded_ai_lines"], 2);
    let alice = report["posture"]["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "developer")
        .unwrap();
    assert_eq!(
        alice["evidence"]["ai_line_commits"][0]["id"],
        assisted.as_str()
    );
    let html = sb.run(&["report"]).stdout;
    let card = format!(
        "<div class=\"v\">{:.1}%</div><div class=\"k\">of changed lines written by an agent per line-level records (2 lines in 1 commits",
        200.0 / changed as f64
    );
    assert!(html.contains(&card), "{html}");
}

#[test]
fn shadow_tools_and_policy_violations_count_per_developer_and_repository() {
    let sb = Sandbox::new();
    let r = sb.repo("gated");
    r.commit_file(ALICE, "README.md", "hello\n", "Start");
    r.commit_file(
        BOB,
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: tj-actions/changed-files@v45\n      - uses: someone/unknown-action@v1\n",
        "CI",
    );
    sb.scan(&r.path);
    let config = sb.path().join("devspm.toml");
    std::fs::write(
        &config,
        "[policy.actions]\nallow = [\"actions/*\"]\ndeny = [\"tj-actions/*\"]\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let json = sb
        .run(&["--config", config, "--format", "json", "report"])
        .json();
    let tools = &json["tools"];
    let mut verdicts: Vec<(&str, &str)> = tools["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| matches!(v["verdict"].as_str(), Some("denied" | "unapproved")))
        .map(|v| (v["verdict"].as_str().unwrap(), v["item"].as_str().unwrap()))
        .collect();
    verdicts.sort();
    assert_eq!(
        verdicts,
        [
            ("denied", "tj-actions/changed-files@v45"),
            ("unapproved", "someone/unknown-action@v1")
        ]
    );
    let bob = json["posture"]["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == BOB.0)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let by_subject = tools["by_subject"].as_array().unwrap();
    let count = |kind: &str, id: &str| {
        by_subject
            .iter()
            .find(|c| c["kind"] == kind && c["id"] == id)
            .unwrap_or_else(|| panic!("no {kind} {id} in {by_subject:?}"))
            .clone()
    };
    let developer = count("developer", &bob);
    assert_eq!(developer["shadow_tools"], 2);
    let all_violations = tools["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["identity"] == bob.as_str())
        .count() as u64;
    assert_eq!(developer["violations"], all_violations);
    assert_eq!(count("repository", "gated")["shadow_tools"], 2);
    assert!(
        by_subject
            .iter()
            .all(|c| c["kind"] != "developer" || c["id"] == bob.as_str()),
        "{by_subject:?}"
    );
    // In the page, Bob's row links to his detail; pseudonymised, he is not named.
    let html = sb.run(&["--config", config, "report"]).stdout;
    assert!(html.contains(&format!(
        "<td class=\"t\"><a href=\"#s-developer-{bob}\">Bob Stone</a></td><td class=\"n\">2</td>"
    )));
    let shared = sb
        .run(&["--config", config, "report", "--pseudonymize"])
        .stdout;
    assert!(!shared.contains("Bob") && !shared.contains("bob@"));
    assert!(shared.contains("tj-actions/changed-files@v45"));
}

/// Over a long window with many developers the page stays bounded: 300 developers (those with
/// the most commits) have a row and a detail, the rest are counted with the command that lists
/// them, a long evidence list shows 100 entries and how many more there are, and every link
/// still lands on an anchor; the JSON keeps every subject and every entry.
#[test]
fn a_report_over_many_developers_lists_the_most_active_and_says_what_it_left_out() {
    let sb = Sandbox::new();
    let r = sb.repo("crowd");
    // 321 developers: 320 from fast-import (2 or 3 commits each), and Alice with 120.
    r.fast_import(700, 320);
    for i in 0..120 {
        r.commit_file(ALICE, "alice.txt", &format!("{i}\n"), &format!("Alice {i}"));
    }
    sb.scan(&r.path);
    let out = sb.path().join("report.html");
    sb.run(&[
        "report",
        "--since",
        "2000-01-01",
        "-o",
        out.to_str().unwrap(),
    ])
    .assert_code(0);
    let html = std::fs::read_to_string(&out).unwrap();
    assert_self_contained(&html);
    let details = html.matches("<details id=\"s-developer-").count();
    assert_eq!(details, 300);
    let json = sb
        .run(&["--format", "json", "report", "--since", "2000-01-01"])
        .json();
    let developers: Vec<&Value> = json["posture"]["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "developer")
        .collect();
    assert_eq!(developers.len(), 321);
    // Left out: 21 developers with 2 commits each (the 60 with 3 and Alice are listed).
    assert!(
        html.contains("The 300 developers with the most commits in the window are listed; 21 more, with 42 commits between them, are not"),
        "no note on the developers left out"
    );
    assert!(html.contains("--format csv</code> lists every one"));
    // Alice's 120 commits: 100 listed, then how many more and where.
    let alice = developers.iter().find(|s| s["name"] == ALICE.0).unwrap();
    assert_eq!(alice["evidence"]["commits"].as_array().unwrap().len(), 120);
    let id = alice["id"].as_str().unwrap();
    assert!(
        html.contains(&format!(
            "and 20 more: <code>devspm posture explain {id}</code>"
        )),
        "no 'and 20 more' for Alice's commits"
    );
}
