//! `devspm identities`: who is who, and why each alias belongs to its identity.

mod common;

use std::io::Read;
use std::process::Stdio;

use common::*;
use serde_json::Value;

fn json(sb: &Sandbox, args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let run = sb.run(&all);
    run.assert_code(0);
    run.json()
}

#[test]
fn identities_list_developers_agents_and_bots() {
    let sb = Sandbox::new();
    let rich = rich_repo(&sb);
    sb.scan(&rich.repo.path);
    let rows = json(&sb, &["identities"]);
    let rows = rows.as_array().unwrap();
    let mut summary: Vec<(String, String, u64, u64)> = rows
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["email"].as_str().unwrap().to_owned(),
                r["aliases"].as_u64().unwrap(),
                r["commits"].as_u64().unwrap(),
            )
        })
        .collect();
    summary.sort();
    let expected: Vec<(String, String, u64, u64)> = [
        ("agent", "noreply@anthropic.com", 1, 0),
        ("bot", DEPENDABOT.1, 1, 1),
        ("developer", "alice@example.com", 1, 5),
        ("developer", "bob@example.com", 2, 3),
        ("developer", "carol@example.com", 1, 4),
        ("developer", "claude@example.org", 1, 1),
    ]
    .into_iter()
    .map(|(k, e, a, c)| (k.to_owned(), e.to_owned(), a, c))
    .collect();
    assert_eq!(summary, expected);
    // Most commits first.
    assert_eq!(rows[0]["email"], "alice@example.com");
    let agent = rows.iter().find(|r| r["kind"] == "agent").unwrap();
    assert_eq!(agent["identity"], "agent:claude-code");
    assert_eq!(agent["slug"], "claude-code");
    assert_eq!(u(agent, "/repositories"), 0, "the agent authored nothing");

    let bots = json(&sb, &["identities", "list", "--kind", "bot"]);
    let bots = bots.as_array().unwrap();
    assert_eq!(bots.len(), 1);
    assert_eq!(bots[0]["identity"], "bot:dependabot");
    let devs = json(&sb, &["identities", "list", "--kind", "developer"]);
    assert_eq!(devs.as_array().unwrap().len(), 4);

    let table = sb.run(&["identities"]);
    table.assert_code(0);
    let lines: Vec<&str> = table.stdout.lines().collect();
    assert_eq!(lines.len(), 7, "a header and six identities: {table:?}");
    assert!(lines[0].starts_with("identity"), "{table:?}");
    assert!(lines[1].contains("Alice Martin"), "{table:?}");
}

#[test]
fn identities_before_any_scan() {
    let sb = Sandbox::new();
    let run = sb.run(&["identities"]);
    run.assert_code(0);
    assert_eq!(
        run.stdout,
        "no identities recorded yet: run `devspm scan` in a repository first\n"
    );
    assert_eq!(json(&sb, &["identities"]), Value::Array(vec![]));
}

#[test]
fn show_explains_a_mailmap_link() {
    let sb = Sandbox::new();
    let rich = rich_repo(&sb);
    let out = sb.scan(&rich.repo.path);
    let repo_name = out["ingest"]["name"].as_str().unwrap();
    let run = sb.run(&["identities", "show", "bob@home.example"]);
    run.assert_code(0);
    assert!(
        run.stdout.contains(&format!(
            ".mailmap of repository {repo_name} maps it to Bob Stone <bob@example.com>"
        )),
        "{run:?}"
    );
    assert!(
        run.stdout.contains("first alias of this developer"),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("  commits    3 authored in 1 repositories"),
        "{run:?}"
    );

    // Both e-mails find the same identity; JSON carries the rule of each alias.
    let by_home = json(&sb, &["identities", "show", "bob@home.example"]);
    let by_work = json(&sb, &["identities", "show", "BOB@example.com"]);
    assert_eq!(by_home, by_work);
    let detail = &by_home[0];
    assert_eq!(by_home.as_array().unwrap().len(), 1);
    let mut rules: Vec<(String, String, u64)> = detail["alias_evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["email"].as_str().unwrap().to_owned(),
                a["rule"].as_str().unwrap().to_owned(),
                a["commits"].as_u64().unwrap(),
            )
        })
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        [
            ("bob@example.com".to_owned(), "first-alias".to_owned(), 2),
            ("bob@home.example".to_owned(), "mailmap".to_owned(), 1),
        ]
    );
    // The identity id works as a query too.
    let id = detail["identity"].as_str().unwrap();
    assert_eq!(json(&sb, &["identities", "show", id]), by_home);
}

#[test]
fn show_explains_a_shared_email() {
    let sb = Sandbox::new();
    let r = sb.repo("same-email");
    r.commit_file(("Ann Lee", "ann@a.example"), "a", "1\n", "one");
    r.commit_file(("ann", "ANN@a.example"), "a", "2\n", "two");
    let out = sb.scan(&r.path);
    assert_eq!(u(summary(&out), "/developers"), 1);
    let run = sb.run(&["identities", "show", "ann@a.example"]);
    run.assert_code(0);
    assert!(run.stdout.contains("same e-mail address as "), "{run:?}");
    assert!(
        run.stdout.contains("first alias of this developer"),
        "{run:?}"
    );
    let detail = json(&sb, &["identities", "show", "Ann Lee"]);
    assert_eq!(detail.as_array().unwrap().len(), 1);
    assert_eq!(u(&detail[0], "/aliases"), 2);
    assert_eq!(u(&detail[0], "/commits"), 2);
}

#[test]
fn show_an_agent_by_catalogue_id() {
    let sb = Sandbox::new();
    let rich = rich_repo(&sb);
    sb.scan(&rich.repo.path);
    let detail = json(&sb, &["identities", "show", "claude-code"]);
    assert_eq!(detail[0]["identity"], "agent:claude-code");
    assert_eq!(detail[0]["alias_evidence"][0]["rule"], "catalogue-email");
    let run = sb.run(&["identities", "show", "agent:claude-code"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .contains("e-mail of catalogue entry `claude-code`"),
        "{run:?}"
    );
}

#[test]
fn show_an_unknown_identity_fails() {
    let sb = Sandbox::new();
    let rich = rich_repo(&sb);
    sb.scan(&rich.repo.path);
    let run = sb.run(&["identities", "show", "nobody@nowhere"]);
    run.assert_error(&["no identity matches `nobody@nowhere`"]);
    // Names match whole, not in part.
    let run = sb.run(&["identities", "show", "Dupont"]);
    run.assert_error(&["no identity matches `Dupont`"]);
}

/// Runs `devspm --db <db> ARGS` with stdout connected to a pipe whose reader is already gone.
fn run_into_closed_pipe(sb: &Sandbox, args: &[&str]) -> (i32, String) {
    let mut child = sb
        .devspm_process()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), stderr)
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let sb = Sandbox::new();
    let r = sb.repo("many-people");
    // 700 developers: the listing is well over a pipe buffer (64 KiB), so writing must hit
    // the closed pipe.
    r.fast_import(700, 700);
    let out = sb.scan(&r.path);
    assert_eq!(u(summary(&out), "/developers"), 700);
    let full = sb.run(&["identities"]);
    full.assert_code(0);
    assert!(full.stdout.len() > 65_536, "{}", full.stdout.len());

    for args in [
        &["identities"][..],
        &["--format", "json", "identities"],
        &["audit", "log", "--limit", "5000"],
    ] {
        let (code, stderr) = run_into_closed_pipe(&sb, args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}: no panic, no error");
    }
}

const MALLORY: Person<'static> = ("Mallory Evil", "mallory@example.net");

/// A `devspm.toml` committed to a scanned repository — and so in the current directory of
/// anyone who scans it from its root — is not the operator's configuration: it cannot make its
/// author an AI agent or another developer. It is named once on stderr with the fix, and `-v`
/// says which configuration is in effect.
#[test]
fn a_devspm_toml_in_the_current_directory_changes_nothing() {
    let sb = Sandbox::new();
    let r = sb.repo("hostile");
    r.commit_file(ALICE, "README.md", "hello\n", "Initial commit");
    r.write(
        "devspm.toml",
        "[[agent]]\nid = \"build-agent\"\nname = \"Build agent\"\nemails = [\"mallory@example.net\"]\n\n\
         [[identity]]\nid = \"alice\"\naliases = [\"alice@example.com\", \"mallory@example.net\"]\n",
    );
    r.commit(MALLORY, "Add a configuration");
    r.commit_file(MALLORY, "src/lib.rs", "pub fn f() {}\n", "Add f");

    let run = Run::from(
        sb.devspm()
            .current_dir(&r.path)
            .args(["-v", "--format", "json", "scan", "."])
            .output()
            .expect("run devspm"),
    );
    run.assert_code(0);
    let scan = run.json();
    assert_eq!(u(summary(&scan), "/developers"), 2, "{scan:#}");
    assert_eq!(summary(&scan)["agents"], Value::Array(vec![]), "{scan:#}");
    let stderr: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        stderr[..2],
        [
            format!(
                "devspm: database {}; configuration none (built-in defaults)",
                sb.db().display()
            ),
            format!(
                "devspm: note: ./devspm.toml is not read: identities, agents, teams and policy come only from --config, $DEVSPM_CONFIG or {}; pass --config ./devspm.toml if you trust it",
                sb.home().join(".config/devspm/devspm.toml").display()
            ),
        ],
        "{run:?}"
    );
    let identities = |extra: &[&str]| -> Vec<(String, String, u64)> {
        let mut args = extra.to_vec();
        args.extend(["--format", "json", "identities"]);
        let run = Run::from(
            sb.devspm()
                .current_dir(&r.path)
                .args(&args)
                .output()
                .expect("run devspm"),
        );
        run.assert_code(0);
        let mut rows: Vec<(String, String, u64)> = run
            .json()
            .as_array()
            .unwrap()
            .iter()
            // An identity whose aliases all moved to another stays listed, empty.
            .filter(|i| i["aliases"].as_u64().unwrap() > 0)
            .map(|i| {
                (
                    i["kind"].as_str().unwrap().to_owned(),
                    i["email"].as_str().unwrap().to_owned(),
                    i["commits"].as_u64().unwrap(),
                )
            })
            .collect();
        rows.sort();
        rows
    };
    let separate = vec![
        ("developer".to_owned(), ALICE.1.to_owned(), 1),
        ("developer".to_owned(), MALLORY.1.to_owned(), 2),
    ];
    assert_eq!(identities(&[]), separate);
    // -q silences the note; nothing else is said.
    let quiet = Run::from(
        sb.devspm()
            .current_dir(&r.path)
            .args(["-q", "identities"])
            .output()
            .expect("run devspm"),
    );
    quiet.assert_code(0);
    assert_eq!(quiet.stderr, "", "{quiet:?}");

    // The operator can still choose the file, by name: then it is the configuration.
    let chosen = Run::from(
        sb.devspm()
            .current_dir(&r.path)
            .args([
                "-v",
                "--config",
                "./devspm.toml",
                "--format",
                "json",
                "scan",
                ".",
            ])
            .output()
            .expect("run devspm"),
    );
    chosen.assert_code(0);
    assert_eq!(
        chosen.stderr.lines().next(),
        Some(
            format!(
                "devspm: database {}; configuration ./devspm.toml (from --config)",
                sb.db().display()
            )
            .as_str()
        ),
        "{chosen:?}"
    );
    assert!(!chosen.stderr.contains("is not read"), "{chosen:?}");
    assert_eq!(
        identities(&["--config", "./devspm.toml"]),
        vec![
            ("agent".to_owned(), MALLORY.1.to_owned(), 2),
            ("developer".to_owned(), ALICE.1.to_owned(), 1),
        ]
    );
}

const DAVE: Person<'static> = ("Dave Kim", "dave@example.com");
const DAVE_OLD: Person<'static> = ("D. Kim", "dkim@old.example");

/// `devspm --format json ARGS`, asserting success, run from the sandbox with `extra` first.
fn json_with(sb: &Sandbox, extra: &[&str], args: &[&str]) -> Value {
    let mut all = extra.to_vec();
    all.extend_from_slice(args);
    json(sb, &all)
}

/// The findings of `devspm findings --developer WHO`, as `(rule, path)`.
fn findings_of(sb: &Sandbox, who: &str) -> Vec<(String, String)> {
    let rows = json(sb, &["findings", "--developer", who]);
    let mut out: Vec<(String, String)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap().to_owned(),
                r["path"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// `(verdict, reason, line, added_in, added_by, added_by_side)` of each judged link shown for
/// an identity.
fn links_shown(detail: &Value) -> Vec<(String, String, u64, String, String, String)> {
    detail[0]["mailmap_links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let s = |k: &str| l[k].as_str().unwrap_or("-").to_owned();
            (
                s("verdict"),
                s("reason"),
                l["line"].as_u64().unwrap(),
                s("added_in"),
                s("added_by"),
                s("added_by_side"),
            )
        })
        .collect()
}

/// A `.mailmap` line is evidence, not authority. Mallory commits a line mapping Alice's
/// address to herself after both authored commits with findings: the link is contested, not
/// applied — Alice keeps her identity and her findings, and `identities show` names the line,
/// Mallory's commit and why. A person mapping their own second address (same name) and a
/// maintainer mapping someone's old address still merge, shown with the same evidence; the
/// operator confirms the contested link with an `[[identity]]`.
#[test]
fn a_mailmap_line_cannot_move_another_developers_history_to_its_author() {
    let sb = Sandbox::new();
    let r = sb.repo("shared");
    r.commit_file(
        ALICE,
        "app.py",
        "import os\n\ndef run(cmd):\n    os.system(cmd)\n",
        "Add the runner",
    );
    r.commit_file(
        MALLORY,
        "tool.py",
        "import pickle\n\ndef load(blob):\n    return pickle.loads(blob)\n",
        "Add the loader",
    );
    r.commit_file(BOB, "work.txt", "1\n", "Work");
    r.commit_file(BOB_HOME, "home.txt", "1\n", "Home");
    r.commit_file(DAVE_OLD, "old.txt", "1\n", "Old address");
    r.commit_file(DAVE, "new.txt", "1\n", "New address");
    sb.scan(&r.path);
    let sarif = serde_json::json!({
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "bandit"}}, "results": [
            {"ruleId": "B605", "level": "error", "message": {"text": "shell"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app.py"},
                 "region": {"startLine": 4}}}]},
            {"ruleId": "B301", "level": "warning", "message": {"text": "pickle"},
             "locations": [{"physicalLocation": {"artifactLocation": {"uri": "tool.py"},
                 "region": {"startLine": 4}}}]}]}]
    });
    let file = sb.path().join("bandit.sarif");
    std::fs::write(&file, sarif.to_string()).unwrap();
    sb.run(&[
        "-q",
        "import",
        "--repo",
        r.path.to_str().unwrap(),
        file.to_str().unwrap(),
    ])
    .assert_code(0);
    let alice_findings = vec![("B605".to_owned(), "app.py".to_owned())];
    let mallory_findings = vec![("B301".to_owned(), "tool.py".to_owned())];
    assert_eq!(findings_of(&sb, ALICE.1), alice_findings);
    // --developer names an alias exactly (case aside), not any text inside one.
    assert_eq!(findings_of(&sb, "ALICE@example.com"), alice_findings);
    assert_eq!(findings_of(&sb, "Alice Martin"), alice_findings);
    assert_eq!(findings_of(&sb, "lice@example.com"), vec![]);

    // Bob maps his home address himself; Carol, keeping the file, maps Dave's old address;
    // Mallory maps Alice's address to herself.
    let mut mailmap = String::from("Bob Stone <bob@example.com> <bob@home.example>\n");
    r.write(".mailmap", &mailmap);
    let bob_line = r.commit(BOB_HOME, "mailmap: my home address");
    mailmap.push_str("Dave Kim <dave@example.com> <dkim@old.example>\n");
    r.write(".mailmap", &mailmap);
    let carol_line = r.commit(CAROL, "mailmap: Dave's old address");
    mailmap.push_str("Mallory Evil <mallory@example.net> <alice@example.com>\n");
    r.write(".mailmap", &mailmap);
    let mallory_line = r.commit(MALLORY, "mailmap: tidy up");
    sb.scan(&r.path);

    // Alice keeps her identity and her findings; Mallory gains nothing.
    assert_eq!(findings_of(&sb, ALICE.1), alice_findings);
    assert_eq!(findings_of(&sb, MALLORY.1), mallory_findings);
    let alice = json(&sb, &["identities", "show", ALICE.1]);
    let mallory = json(&sb, &["identities", "show", MALLORY.1]);
    assert_ne!(alice[0]["identity"], mallory[0]["identity"]);
    assert_eq!(u(&alice[0], "/commits"), 1);
    let contested = (
        "contested".to_owned(),
        "self-asserted".to_owned(),
        3,
        mallory_line.clone(),
        "Mallory Evil <mallory@example.net>".to_owned(),
        "canonical".to_owned(),
    );
    assert_eq!(links_shown(&alice), vec![contested.clone()]);
    assert_eq!(links_shown(&mallory), vec![contested]);
    let link = &alice[0]["mailmap_links"][0];
    assert_eq!(link["alias"], "Alice Martin <alice@example.com>");
    assert_eq!(link["canonical"], "Mallory Evil <mallory@example.net>");
    assert_eq!(link["revision"], r.head().as_str());
    assert_eq!(link["path"], ".mailmap");
    let text = sb.run(&["identities", "show", ALICE.1]);
    text.assert_code(0);
    let lines: Vec<&str> = text.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| *l == "  .mailmap links between separate histories:")
        .unwrap_or_else(|| panic!("{text:?}"));
    assert_eq!(
        lines[at + 1..at + 3],
        [
            "    contested: Alice Martin <alice@example.com> -> Mallory Evil <mallory@example.net>"
                .to_owned(),
            format!(
                "      .mailmap line 3 of repository shared at {}, added in commit {} by Mallory Evil <mallory@example.net> (the side that would gain the alias)",
                &r.head()[..10],
                &mallory_line[..10]
            ),
        ],
        "{text:?}"
    );
    assert!(
        lines[at + 3].starts_with(
            "      not applied: the line's author is one side, and the names both sides committed under differ"
        ),
        "{text:?}"
    );

    // The legitimate mappings merge, shown with the same evidence.
    let bob = json(&sb, &["identities", "show", BOB.1]);
    assert_eq!(
        u(&bob[0], "/commits"),
        3,
        "work, home and the mailmap commit"
    );
    assert_eq!(
        links_shown(&bob),
        vec![(
            "merged".to_owned(),
            "names-agree".to_owned(),
            1,
            bob_line,
            "Bob Stone <bob@home.example>".to_owned(),
            "alias".to_owned(),
        )]
    );
    let dave = json(&sb, &["identities", "show", DAVE_OLD.1]);
    assert_eq!(u(&dave[0], "/aliases"), 2);
    assert_eq!(
        links_shown(&dave),
        vec![(
            "merged".to_owned(),
            "third-party".to_owned(),
            2,
            carol_line,
            "Carol Diaz <carol@example.com>".to_owned(),
            "neither".to_owned(),
        )]
    );

    // Judged once: scanning again records nothing new.
    let again = sb.scan(&r.path);
    assert_eq!(again["identity_events_appended"], 0, "{again:#}");
    assert_eq!(again["ingest"]["events_appended"], 0, "{again:#}");

    // The operator confirms the contested link in the configuration: then it holds.
    let config = sb.path().join("operator.toml");
    std::fs::write(
        &config,
        "[[identity]]\nid = \"alice\"\naliases = [\"alice@example.com\", \"mallory@example.net\"]\n",
    )
    .unwrap();
    let config = ["--config", config.to_str().unwrap()];
    json_with(&sb, &config, &["scan", r.path.to_str().unwrap()]);
    let confirmed = json_with(&sb, &config, &["identities", "show", ALICE.1]);
    assert_eq!(
        confirmed[0]["identity"],
        json_with(&sb, &config, &["identities", "show", MALLORY.1])[0]["identity"]
    );
    assert_eq!(confirmed[0]["mailmap_links"][0]["verdict"], "confirmed");
    assert_eq!(
        confirmed[0]["mailmap_links"][0]["reason"],
        "declared-together"
    );
    // Now one developer: either address names both findings.
    let both = vec![
        ("B301".to_owned(), "tool.py".to_owned()),
        ("B605".to_owned(), "app.py".to_owned()),
    ];
    assert_eq!(findings_of(&sb, ALICE.1), both);
    assert_eq!(findings_of(&sb, MALLORY.1), both);
    sb.assert_verifies();
}

/// Who added a `.mailmap` line survives a maintainer re-sorting the file, and is found for a
/// line planted before the alias it maps ever committed (read by content in the ingest that
/// records the line; blamed when a later ingest meets the new alias).
#[test]
fn who_added_a_mailmap_line_survives_a_resort_and_a_later_alias() {
    const NEWBIE: Person<'static> = ("New Bie", "newbie@example.org");
    let sb = Sandbox::new();
    let r = sb.repo("planted");
    r.commit_file(ALICE, "a.txt", "1\n", "Alice's work");
    r.commit_file(MALLORY, "m.txt", "1\n", "Mallory's work");
    r.write(
        ".mailmap",
        "Mallory Evil <mallory@example.net> <alice@example.com>\n\
         Mallory Evil <mallory@example.net> <newbie@example.org>\n",
    );
    let planted = r.commit(MALLORY, "mailmap");
    r.write(
        ".mailmap",
        "Carol Diaz <carol@example.com> <carol@old.example>\n\
         Mallory Evil <mallory@example.net> <newbie@example.org>\n\
         Mallory Evil  <mallory@example.net>  <alice@example.com>\n",
    );
    r.commit(CAROL, "mailmap: sort, and my old address");
    sb.scan(&r.path);
    let expected = |line: u64| {
        vec![(
            "contested".to_owned(),
            "self-asserted".to_owned(),
            line,
            planted.clone(),
            "Mallory Evil <mallory@example.net>".to_owned(),
            "canonical".to_owned(),
        )]
    };
    assert_eq!(
        links_shown(&json(&sb, &["identities", "show", ALICE.1])),
        expected(3)
    );

    r.commit_file(NEWBIE, "n.txt", "1\n", "First contribution");
    sb.scan(&r.path);
    let newbie = json(&sb, &["identities", "show", NEWBIE.1]);
    assert_eq!(u(&newbie[0], "/commits"), 1, "{newbie:#}");
    assert_eq!(links_shown(&newbie), expected(2));
    sb.assert_verifies();
}
