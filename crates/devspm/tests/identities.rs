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
