//! "Who introduced it" must be right: per-person tables group by resolved identity, gates are
//! scoped to the repository they run in, and reports name what they report on.

mod common;

use common::*;

/// A SARIF report of `rules` (id, level) on lines 1.. of `app.py`.
fn sarif(rules: &[(&str, &str)]) -> String {
    line_sarif(rules)
}

/// A SARIF report of `tool` with one result per (rule, level, path, line), message
/// `problem RULE`.
fn results_sarif(tool: &str, results: &[(&str, &str, &str, usize)]) -> String {
    let results: Vec<serde_json::Value> = results
        .iter()
        .map(|(rule, level, path, line)| {
            serde_json::json!({
                "ruleId": rule, "level": level, "message": { "text": format!("problem {rule}") },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": path }, "region": { "startLine": line }
                }}]
            })
        })
        .collect();
    serde_json::json!({
        "version": "2.1.0",
        "runs": [{ "tool": { "driver": { "name": tool } }, "results": results }]
    })
    .to_string()
}

fn import(sb: &Sandbox, repo: &Repo, report: &str) {
    let path = sb.path().join(format!(
        "{}.sarif",
        repo.path.file_name().unwrap().to_string_lossy()
    ));
    std::fs::write(&path, report).unwrap();
    sb.devspm()
        .args(["import", "--repo"])
        .arg(&repo.path)
        .arg(&path)
        .assert()
        .code(0);
}

/// One developer writing under two names (same e-mail) is one row of the scan summary's
/// "open findings introduced by", under the identity's display name.
#[test]
fn the_scan_summary_groups_findings_by_identity_not_alias() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, "app.py", "a = 1\nb = 2\n", "code");
    r.commit_file(
        ("Alice M", "alice@example.com"),
        "app.py",
        "a = 1\nb = 2\nc = 3\n",
        "more code",
    );
    r.commit_file(
        ("Alice M", "alice@example.com"),
        "other.py",
        "x = 1\n",
        "other",
    );
    sb.scan(&r.path);
    import(
        &sb,
        &r,
        &sarif(&[("R1", "error"), ("R2", "error"), ("R3", "error")]),
    );
    let out = sb.scan(&r.path);
    assert_eq!(
        out["findings"]["introduced_by"],
        serde_json::json!([["Alice M <alice@example.com>", 3]]),
        "{:#}",
        out["findings"]
    );
}

/// Run inside a repository, `findings` (and its --fail-on gate) and `ai` are about that
/// repository, not every repository in the database; `--all-repos` widens them.
#[test]
fn commands_run_inside_a_repository_are_about_that_repository() {
    let sb = Sandbox::new();
    let bad = sb.repo("bad");
    bad.commit_file(ALICE, "app.py", "a = 1\n", "code");
    let clean = sb.repo("clean");
    clean.commit_file(BOB, "app.py", "b = 1\n", "code");
    clean.commit(
        BOB,
        "AI work\n\nCo-authored-by: Claude <noreply@anthropic.com>\n",
    );
    std::fs::create_dir_all(clean.path.join("src/deep")).unwrap();
    sb.scan(&bad.path);
    sb.scan(&clean.path);
    import(&sb, &bad, &sarif(&[("R1", "error")]));

    let gate = |dir: &std::path::Path, extra: &[&str]| {
        Run::from(
            sb.devspm()
                .current_dir(dir)
                .args(["findings", "--fail-on", "high"])
                .args(extra)
                .output()
                .unwrap(),
        )
    };
    let inside_clean = gate(&clean.path.join("src/deep"), &[]);
    inside_clean.assert_code(0);
    assert!(
        inside_clean.stderr.contains(
            "devspm: showing clean (the repository you are in; --all-repos for every repository)"
        ),
        "{inside_clean:?}"
    );
    gate(&clean.path, &["--all-repos"]).assert_code(4);
    gate(&bad.path, &[]).assert_code(4);
    // Outside any repository: every repository, as before.
    gate(sb.path(), &[]).assert_code(4);

    let ai = |dir: &std::path::Path, extra: &[&str]| {
        let run = Run::from(
            sb.devspm()
                .current_dir(dir)
                .args(["--format", "json", "ai"])
                .args(extra)
                .output()
                .unwrap(),
        );
        run.assert_code(0);
        run.json()
    };
    let inside = ai(&clean.path, &[]);
    assert_eq!(u(&inside, "/commits"), 2, "{inside:#}");
    assert_eq!(u(&inside, "/ai_commits"), 1);
    let everything = ai(&clean.path, &["--all-repos"]);
    assert_eq!(u(&everything, "/commits"), 3);
    // The Markdown report names the repository, and leaves out tables with nothing in them.
    let markdown = Run::from(
        sb.devspm()
            .current_dir(&clean.path)
            .args(["--format", "markdown", "ai"])
            .output()
            .unwrap(),
    );
    markdown.assert_code(0);
    assert!(
        markdown.stdout.starts_with("## AI involvement: clean\n"),
        "{markdown:?}"
    );
    assert!(!markdown.stdout.contains("### By team"), "{markdown:?}");
    assert!(markdown.stdout.contains("### By agent"), "{markdown:?}");
}

/// The scan summary's hints name the repository, and "unpinned" counts MCP servers only (it
/// counted unpinned GitHub actions under MCP servers).
#[test]
fn scan_summary_hints_and_counts_say_what_they_mean() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.write(
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/setup-python@v5\n",
    );
    r.write("CLAUDE.md", "Be careful.\n");
    r.commit_file(ALICE, "app.py", "a = 1\n", "code");
    sb.scan(&r.path);
    import(&sb, &r, &sarif(&[("R1", "error")]));
    let run = sb.run(&["scan", r.path.to_str().unwrap()]);
    run.assert_code(0);
    assert!(
        run.stdout.contains(
            "  (devspm findings --repo app lists them; --show-ignored the ignored ones)\n"
        ),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("AI tooling at HEAD: 1 instruction files, 0 agent settings files, 0 MCP servers (0 unpinned)"),
        "{run:?}"
    );
}

/// `-q` prints errors only: a scan records everything and prints nothing.
#[test]
fn quiet_scan_prints_nothing() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, "app.py", "a = 1\n", "code");
    let run = sb.run(&["-q", "scan", r.path.to_str().unwrap()]);
    run.assert_code(0);
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));
    assert_eq!(sb.query_i64("SELECT count(*) FROM commits"), 1);
}

/// `tools list --since` goes by when the introducing commit was made, not when devspm
/// recorded it; an unknown `--kind` is a usage error.
#[test]
fn tools_list_since_is_commit_time_and_kinds_are_checked() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.write(
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n",
    );
    // Test repositories' commits are dated from November 2023.
    r.commit(ALICE, "CI\n");
    sb.scan(&r.path);
    let list = |args: &[&str]| {
        let mut all = vec!["--format", "json", "tools", "list"];
        all.extend_from_slice(args);
        let run = sb.run(&all);
        run.assert_code(0);
        run.json().as_array().unwrap().len()
    };
    assert_eq!(list(&["--name", "actions/checkout"]), 1);
    assert_eq!(list(&["--name", "actions/checkout", "--since", "7d"]), 0);
    assert_eq!(
        list(&["--name", "actions/checkout", "--since", "2023-01-01"]),
        1
    );
    let table = sb.run(&["tools", "list", "--name", "actions/checkout"]);
    assert!(table.stdout.contains("2023-11-"), "{table:?}");
    let bad = sb.run(&["tools", "list", "--kind", "actions"]);
    bad.assert_code(2);
    assert!(
        bad.stderr
            .contains("--kind actions: unknown kind; one of action, "),
        "{bad:?}"
    );
}

/// `ci audit` takes a repository, its `.github/workflows` folder, or a folder of several
/// repositories, as zizmor does; an explicit PATH with no CI file in it is an error, never
/// "0 files audited … passed".
#[test]
fn ci_audit_reads_workflow_folders_and_folders_of_repositories() {
    let sb = Sandbox::new();
    let workflow = "on: pull_request_target\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n";
    let mut repos = Vec::new();
    for name in ["one", "two"] {
        let r = sb.repo(&format!("org/{name}"));
        r.write(".github/workflows/ci.yml", workflow);
        r.commit(ALICE, "CI\n");
        repos.push(r);
    }
    let audit = |path: &std::path::Path| {
        let run = sb.run(&[
            "--format",
            "json",
            "ci",
            "audit",
            "--no-record",
            path.to_str().unwrap(),
        ]);
        assert!(run.code == 0 || run.code == 4, "{run:?}");
        u(&run.json(), "/files_audited")
    };
    assert_eq!(audit(&repos[0].path), 1);
    assert_eq!(audit(&repos[0].path.join(".github/workflows")), 1);
    assert_eq!(audit(&repos[0].path.join(".github")), 1);
    assert_eq!(audit(&sb.path().join("org")), 2);

    let empty = sb.path().join("nothing-here");
    std::fs::create_dir_all(&empty).unwrap();
    sb.run(&["ci", "audit", "--no-record", empty.to_str().unwrap()])
        .assert_error(&["nothing-here: no CI configuration found"]);
}

/// `policy check` on signing: one row per developer (every alias of a person counted once),
/// the repository's share once, a short "why", and `--since` / a baseline in the policy that
/// leave old history alone.
#[test]
fn policy_check_signing_is_per_identity_with_a_baseline() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    // Alice under two names (same e-mail) and Bob: all unsigned, dated from November 2023.
    r.commit(ALICE, "one\n");
    r.commit(("Alice M", "alice@example.com"), "two\n");
    r.commit(BOB, "three\n");
    sb.scan(&r.path);
    let config = sb.path().join("policy.toml");
    let write_policy = |extra: &str| {
        std::fs::write(
            &config,
            format!("[policy]\nrequire_signed_commits = true\n{extra}"),
        )
        .unwrap()
    };
    let check = |args: &[&str]| {
        let mut all = vec!["--config", config.to_str().unwrap(), "policy", "check"];
        all.extend_from_slice(args);
        sb.run(&all)
    };
    write_policy("");
    let run = check(&[]);
    run.assert_code(4);
    assert!(
        run.stdout
            .contains("signing: app: 3 of 3 commits unsigned (100.0%; tolerated 0.0%)"),
        "{run:?}"
    );
    let rows: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("unsigned-commits"))
        .collect();
    assert_eq!(rows.len(), 2, "one row per developer: {run:?}");
    assert!(
        rows[0].contains("2 of 2 commits unsigned")
            && rows[0].contains("signed commits are required")
    );

    // Only recent history: nothing since a week ago.
    check(&["--since", "7d"]).assert_code(0);
    // A baseline in the policy: the history before it is not a violation, and --since cannot
    // reach behind it.
    write_policy("require_signed_commits_since = \"2025-01-01\"\n");
    check(&[]).assert_code(0);
    check(&["--since", "2020-01-01"]).assert_code(0);
    write_policy("require_signed_commits_since = \"January\"\n");
    let bad = check(&[]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr
            .contains("require_signed_commits_since = \"January\" is not a day"),
        "{bad:?}"
    );
}

/// Release automation is a bot, not a developer, and `identities show` says why.
#[test]
fn release_automation_is_a_bot_with_its_evidence() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit(ALICE, "work\n");
    r.commit(
        ("Acme Release Bot", "noreply@acme.example"),
        "Release 1.0\n",
    );
    r.commit(("release-bot", "release-bot@acme.example"), "Release 1.1\n");
    r.commit(("Abbot Jones", "abbot@example.org"), "human work\n");
    let out = sb.scan(&r.path);
    assert_eq!(u(summary(&out), "/developers"), 2, "{:#}", summary(&out));
    let show = sb.run(&["identities", "show", "release-bot@acme.example"]);
    show.assert_code(0);
    assert!(show.stdout.starts_with("bot:release-bot (bot)"), "{show:?}");
    assert!(
        show.stdout
            .contains("automation account: the address `release-bot@acme.example` is a bot's"),
        "{show:?}"
    );
}

/// `identities suggest` lists likely duplicates with evidence and a ready `[[identity]]`
/// block; adding the block to the configuration joins them on the next `identities`, without
/// a re-scan.
#[test]
fn identities_suggest_and_the_configuration_applies_without_a_rescan() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit(("Alice Martin", "alice@corp.example"), "one\n");
    r.commit(("Alice Martin", "alice.m@home.example"), "two\n");
    r.commit(BOB, "three\n");
    sb.scan(&r.path);
    let run = sb.run(&["--format", "json", "identities", "suggest"]);
    run.assert_code(0);
    let found = run.json();
    assert_eq!(found.as_array().unwrap().len(), 1, "{found:#}");
    assert_eq!(found[0]["evidence"][0], "same full name `alice martin`");
    let block = found[0]["config"].as_str().unwrap().to_owned();
    assert!(
        block.starts_with("[[identity]]\nid = \"alice-martin\"\n"),
        "{block}"
    );
    let table = sb.run(&["identities", "suggest"]);
    assert!(
        table
            .stdout
            .contains("evidence: same full name `alice martin`"),
        "{table:?}"
    );

    let config = sb.path().join("devspm.toml");
    std::fs::write(&config, &block).unwrap();
    let developers = |with_config: bool| {
        let mut args = vec!["--format", "json"];
        if with_config {
            args.extend(["--config", config.to_str().unwrap()]);
        }
        args.extend(["identities", "list", "--kind", "developer"]);
        let run = sb.run(&args);
        run.assert_code(0);
        run.json().as_array().unwrap().len()
    };
    assert_eq!(developers(false), 3);
    // No scan in between: the configuration applies at once.
    assert_eq!(developers(true), 2);
    let after = sb.run(&[
        "--format",
        "json",
        "--config",
        config.to_str().unwrap(),
        "identities",
        "suggest",
    ]);
    assert_eq!(after.json().as_array().unwrap().len(), 0);
}

/// A CI finding is attributed to the commit that introduced the risky construct, followed past
/// a later commit that only pinned the action to a SHA (a security fix); a finding about the
/// reference itself goes to the commit that last changed it.
#[test]
fn ci_findings_are_attributed_past_pins_to_the_risk() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    let workflow = |checkout: &str| {
        format!(
            "on: push\npermissions: {{}}\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: {checkout}\n      - run: make test\n"
        )
    };
    r.write(".github/workflows/ci.yml", workflow("actions/checkout@v4"));
    let alice = r.commit(ALICE, "Add CI\n");
    r.write(
        ".github/workflows/ci.yml",
        workflow("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2"),
    );
    r.commit(BOB, "Pin actions to SHAs\n");
    r.write(".github/workflows/ci.yml", workflow("actions/checkout@v5"));
    let carol = r.commit(CAROL, "Back to a tag, v5\n");
    sb.scan(&r.path);
    let run = sb.run(&["--format", "json", "findings", "--tool", "devspm-ci-audit"]);
    run.assert_code(0);
    let rows = run.json();
    let introduced = |rule: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} in {rows:#}"))["introduced_in"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // The step without `persist-credentials: false` was written by Alice; Bob's pin and
    // Carol's move back to a tag changed only what it references.
    assert_eq!(introduced("artipacked"), alice);
    // The unpinned reference is Carol's.
    assert_eq!(introduced("unpinned-uses"), carol);
}

/// The finding lifecycle follows the commit graph: a scan of an older (or unrelated) revision
/// records what it saw there and changes nothing recorded further along; a later scan on the
/// same line of history fixes what it no longer sees.
#[test]
fn a_scan_of_an_older_revision_fixes_nothing_at_head() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    let old = r.commit_file(ALICE, "app.py", "a = 1\n", "old code");
    r.commit_file(BOB, "app.py", "a = 1\nb = 2\n", "new code");
    sb.scan(&r.path);
    let report = |name: &str, rules: &[(&str, &str)]| {
        let path = sb.path().join(name);
        std::fs::write(&path, sarif(rules)).unwrap();
        path
    };
    let import = |path: &std::path::Path, extra: &[&str]| {
        let mut args = vec!["--format", "json", "import", "--repo"];
        let repo = r.path.to_str().unwrap().to_owned();
        args.push(&repo);
        args.extend_from_slice(extra);
        args.push(path.to_str().unwrap());
        let run = sb.run(&args);
        run.assert_code(0);
        run.json()
    };
    let status = || {
        let run = sb.run(&["--format", "json", "findings", "--all-repos"]);
        let mut rows: Vec<(String, String)> = run
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_owned(),
                    f["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        rows.sort();
        rows
    };
    // HEAD: R1 on line 1, R2 on line 2 (added by the newer commit).
    import(
        &report("head.sarif", &[("R1", "error"), ("R2", "error")]),
        &[],
    );
    // The older revision has no line 2: its scan reports R1 only.
    let older = import(
        &report("old.sarif", &[("R1", "error")]),
        &["--revision", &old],
    );
    assert_eq!(u(&older, "/runs/0/fixed"), 0, "{older:#}");
    assert!(
        older["warnings"][0]
            .as_str()
            .unwrap()
            .contains("this older or unrelated scan leaves them where they stand"),
        "{older:#}"
    );
    assert_eq!(
        status(),
        vec![
            ("R1".to_owned(), "open".to_owned()),
            ("R2".to_owned(), "open".to_owned())
        ]
    );
    // A later commit removes line 2; its scan fixes R2.
    r.commit_file(CAROL, "app.py", "a = 1\n", "remove b");
    let later = import(&report("later.sarif", &[("R1", "error")]), &[]);
    assert_eq!(u(&later, "/runs/0/fixed"), 1, "{later:#}");
    assert_eq!(
        status(),
        vec![
            ("R1".to_owned(), "open".to_owned()),
            ("R2".to_owned(), "fixed".to_owned())
        ]
    );
    sb.assert_verifies();
}

/// A report of another repository is refused, naming files it mentions that this repository
/// does not have; `--force` imports it anyway.
#[test]
fn a_report_of_another_repository_is_refused_unless_forced() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, "app.py", "a = 1\nb = 2\n", "code");
    sb.scan(&r.path);
    let report = sb.path().join("bandit.sarif");
    let results: Vec<(&str, &str, &str, usize)> = [
        "netbox/models.py",
        "netbox/views.py",
        "netbox/api.py",
        "app.py",
    ]
    .iter()
    .map(|path| ("B101", "warning", *path, 1))
    .collect();
    std::fs::write(&report, results_sarif("bandit", &results)).unwrap();
    let repo = r.path.to_str().unwrap();
    let file = report.to_str().unwrap();
    sb.run(&["import", "--repo", repo, file]).assert_error(&[
        "3 of the 4 results name files that app does not have",
        "netbox/models.py, netbox/views.py, netbox/api.py",
        "--force",
        "nothing was imported",
    ]);
    assert_eq!(sb.query_i64("SELECT count(*) FROM findings"), 0);
    sb.run(&["import", "--force", "--repo", repo, file])
        .assert_code(0);
    assert_eq!(sb.query_i64("SELECT count(*) FROM findings"), 4);
}

/// An import recorded by mistake is withdrawn by `import --undo`: recorded as an event, the
/// findings only it saw are withdrawn (hidden, not gated on), the ones it fixed or reopened
/// stand where they stood before it, the ledger and its projections verify, and the same file
/// can be imported again.
#[test]
fn a_mistaken_import_is_withdrawn_by_an_event() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, "app.py", "a = 1\nb = 2\n", "code");
    sb.scan(&r.path);
    let repo = r.path.to_str().unwrap().to_owned();
    let write = |name: &str, text: String| {
        let path = sb.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let import = |file: &str, extra: &[&str]| {
        let mut args = vec!["--format", "json", "import", "--repo", repo.as_str()];
        args.extend_from_slice(extra);
        args.push(file);
        let run = sb.run(&args);
        run.assert_code(0);
        run.json()
    };
    let status = || {
        let mut rows: Vec<(String, String)> = sb
            .run(&["--format", "json", "findings", "--all-repos"])
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_owned(),
                    f["status"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        rows.sort();
        rows
    };
    let rows = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    };
    // R1 and R2; a second scan (another configuration) no longer reports R2: fixed.
    import(
        &write(
            "head.sarif",
            line_sarif(&[("R1", "error"), ("R2", "error")]),
        ),
        &[],
    );
    import(&write("later.sarif", line_sarif(&[("R1", "error")])), &[]);
    assert_eq!(status(), rows(&[("R1", "open"), ("R2", "fixed")]));

    // The mistake: the same producer's report of another repository, forced in. It reports
    // R2 again (reopened), misses R1 (fixed) and brings three findings of files app lacks.
    let mistake = write(
        "other.sarif",
        results_sarif(
            "lint",
            &[
                ("R2", "error", "app.py", 2),
                ("X1", "error", "netbox/a.py", 1),
                ("X2", "error", "netbox/b.py", 2),
                ("X3", "error", "netbox/c.py", 3),
            ],
        ),
    );
    let out = import(&mistake, &["--force"]);
    let id = out["runs"][0]["import"].as_str().unwrap().to_owned();
    assert!(id.starts_with("i_"), "{out:#}");
    assert_eq!(
        status(),
        rows(&[
            ("R1", "fixed"),
            ("R2", "open"),
            ("X1", "open"),
            ("X2", "open"),
            ("X3", "open")
        ])
    );
    let events_before = sb.event_count();

    // Only the latest import of a producer can be withdrawn.
    let listed = sb.run(&["--format", "json", "import", "--list", "--repo", &repo]);
    listed.assert_code(0);
    let ids: Vec<String> = listed
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["import"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3, "{listed:?}");
    assert_eq!(ids[2], id);
    sb.run(&["import", "--undo", &ids[1]]).assert_error(&[
        "not the latest",
        &id,
        "withdraw them first",
    ]);
    sb.run(&["import", "--undo", "i_0000000000000000"])
        .assert_error(&["no import with id", "devspm import --list"]);

    let undo = sb.run(&["--format", "json", "import", "--undo", &id]);
    undo.assert_code(0);
    let undo = undo.json();
    assert_eq!(
        (
            u(&undo, "/withdrawn"),
            u(&undo, "/open_again"),
            u(&undo, "/fixed_again")
        ),
        (3, 1, 1),
        "{undo:#}"
    );
    // One event, nothing deleted; everything as before the mistake.
    assert_eq!(sb.event_count(), events_before + 1);
    assert_eq!(status(), rows(&[("R1", "open"), ("R2", "fixed")]));
    let withdrawn = sb.run(&[
        "--format",
        "json",
        "findings",
        "--all-repos",
        "--status",
        "withdrawn",
    ]);
    assert_eq!(withdrawn.json().as_array().unwrap().len(), 3);
    // The gate ignores them: R1 (error → high) is the only open finding.
    sb.run(&["findings", "--all-repos", "--fail-on", "critical"])
        .assert_code(0);
    sb.run(&["import", "--undo", &id])
        .assert_error(&["already withdrawn"]);
    sb.assert_verifies();
    let rebuilt = sb.run(&["rebuild"]);
    rebuilt.assert_code(0);
    assert_eq!(status(), rows(&[("R1", "open"), ("R2", "fixed")]));

    // The same file imported again is a new import that counts its findings again.
    let again = import(&mistake, &["--force"]);
    assert_ne!(again["runs"][0]["import"].as_str().unwrap(), id);
    assert_eq!(u(&again, "/runs/0/new"), 3, "{again:#}");
    assert_eq!(
        status(),
        rows(&[
            ("R1", "fixed"),
            ("R2", "open"),
            ("X1", "open"),
            ("X2", "open"),
            ("X3", "open")
        ])
    );
    sb.assert_verifies();
}

/// A vulnerability fix (an advisory id given with it, or an imported finding with one that it
/// fixed) is traced to the commit that first wrote the code (V-SZZ), with the commit that last
/// changed it shown beside; any other fix is traced to that last change.
#[test]
fn vulnerability_fixes_are_traced_to_the_earliest_version() {
    let sb = Sandbox::new();
    let r = sb.repo("lib");
    let v1 =
        "int parse(char *dst, char *buf, int len) {\n  memcpy(dst, buf, len);\n  return 0;\n}\n";
    let written = r.commit_file(ALICE, "parse.c", v1, "parser");
    let v2 = v1.replace("memcpy(dst, buf, len);", "memcpy(dst, buf, len + 1);");
    let changed = r.commit_file(BOB, "parse.c", &v2, "copy the terminator");
    // A scanner flags the copy before the fix.
    let report = |name: &str, flagged: bool| {
        let results: &[(&str, &str, &str, usize)] = if flagged {
            &[("CVE-2026-11111", "error", "parse.c", 2)]
        } else {
            &[]
        };
        let path = sb.path().join(name);
        std::fs::write(&path, results_sarif("cscan", results)).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let repo = r.path.to_str().unwrap().to_owned();
    sb.run(&["import", "--repo", &repo, &report("before.sarif", true)])
        .assert_code(0);
    let v3 = v1.replace(
        "memcpy(dst, buf, len);",
        "memcpy(dst, buf, len < 64 ? len : 64);",
    );
    let fix = r.commit_file(CAROL, "parse.c", &v3, "bound the copy");
    let szz = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec![
            "--format",
            "json",
            "attribute",
            "--repo",
            repo.as_str(),
            "--fix",
            fix.as_str(),
            "--no-record",
        ];
        args.extend_from_slice(extra);
        let run = sb.run(&args);
        run.assert_code(0);
        run.json()[0].clone()
    };
    let commits = |list: &serde_json::Value| -> Vec<String> {
        list.as_array()
            .map(|l| {
                l.iter()
                    .map(|c| c["commit"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    // A plain bug fix: the change that broke it.
    let plain = szz(&[]);
    assert_eq!(plain["trace"], "change", "{plain:#}");
    assert_eq!(commits(&plain["inducing"]), vec![changed.clone()]);
    assert!(plain.get("other_trace").is_none(), "{plain:#}");
    // A fix of an advisory: the commit that first wrote the line, and the other answer beside.
    let vuln = szz(&["--advisory", "CVE-2026-22222"]);
    assert_eq!(
        (&vuln["trace"], &vuln["variant"], &vuln["advisory_from"]),
        (
            &serde_json::json!("earliest"),
            &serde_json::json!("devspm+earliest"),
            &serde_json::json!("input")
        ),
        "{vuln:#}"
    );
    assert_eq!(commits(&vuln["inducing"]), vec![written.clone()]);
    assert_eq!(commits(&vuln["other_trace"]), vec![changed.clone()]);
    // --trace change keeps the change trace for a vulnerability too.
    let forced = szz(&["--advisory", "CVE-2026-22222", "--trace", "change"]);
    assert_eq!(commits(&forced["inducing"]), vec![changed.clone()]);
    let text = sb.run(&[
        "attribute",
        "--repo",
        &repo,
        "--fix",
        &fix,
        "--advisory",
        "CVE-2026-22222",
        "--no-record",
    ]);
    text.assert_code(0);
    assert!(
        text.stdout.contains("first wrote it (V-SZZ)") && text.stdout.contains(&changed[..12]),
        "{text:?}"
    );
    // The scanner's next run no longer reports it: the fix fixed a finding with an advisory
    // id, so it is a vulnerability fix without being told.
    sb.run(&["import", "--repo", &repo, &report("after.sarif", false)])
        .assert_code(0);
    let linked = szz(&[]);
    assert_eq!(
        (&linked["trace"], &linked["cve"], &linked["advisory_from"]),
        (
            &serde_json::json!("earliest"),
            &serde_json::json!("CVE-2026-11111"),
            &serde_json::json!("finding")
        ),
        "{linked:#}"
    );
    assert_eq!(commits(&linked["inducing"]), vec![written]);
    sb.run(&[
        "attribute",
        "--repo",
        &repo,
        "--fix",
        &fix,
        "--advisory",
        "CWE-79",
    ])
    .assert_error(&["not an advisory id"]);
}

/// `-q` prints results and errors only; `-v` adds every warning and the time taken; `-vv` the
/// settings in detail.
#[test]
fn verbosity_is_the_same_on_every_command() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, "app.py", "a = 1\n", "code");
    sb.scan(&r.path);
    // The same result 31 times: 30 duplicates, one warning each.
    let report = sb.path().join("r.sarif");
    std::fs::write(
        &report,
        results_sarif("lint", &[("R", "warning", "app.py", 1); 31]),
    )
    .unwrap();
    let repo = r.path.to_str().unwrap();
    let file = report.to_str().unwrap();
    let warnings = |run: &Run| run.stderr.matches("devspm: warning: ").count();
    let quiet = sb.run(&[
        "-q",
        "import",
        "--force",
        "--no-attribute",
        "--repo",
        repo,
        file,
    ]);
    quiet.assert_code(0);
    assert_eq!(quiet.stderr, "", "{quiet:?}");
    let normal = sb.run(&["import", "--no-attribute", "--repo", repo, file]);
    normal.assert_code(0);
    // 20 shown, then one line counting the rest and saying how to see them.
    assert_eq!(warnings(&normal), 21, "{normal:?}");
    assert!(
        normal
            .stderr
            .contains("… and 10 more warning(s) (-v shows them)")
    );
    let verbose = sb.run(&[
        "-v",
        "import",
        "--force",
        "--no-attribute",
        "--repo",
        repo,
        file,
    ]);
    verbose.assert_code(0);
    assert_eq!(warnings(&verbose), 30, "{verbose:?}");
    assert!(verbose.stderr.contains("devspm: database "), "{verbose:?}");
    assert!(
        verbose.stderr.contains("finished with exit status 0 after"),
        "{verbose:?}"
    );
    let vv = sb.run(&["-vv", "findings", "--all-repos"]);
    vv.assert_code(0);
    assert!(
        vv.stderr.contains("writer lock") && vv.stderr.contains("secret-hashing key"),
        "{vv:?}"
    );
    assert!(
        !sb.run(&["-v", "findings", "--all-repos"])
            .stderr
            .contains("writer lock")
    );
    let both = sb.run(&["-q", "-v", "findings"]);
    both.assert_code(2);
}
