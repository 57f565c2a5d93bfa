//! AI involvement detected during `scan`: every kind of marker counted exactly, traps not at
//! all, and the detector's cursor makes re-scans add nothing.

mod common;

use common::*;

#[test]
fn scan_counts_ai_involvement_exactly_and_ignores_traps() {
    let sb = Sandbox::new();
    let r = sb.repo("ai");
    // Five AI-involved commits.
    r.commit(ALICE, CO_AUTHORED_BY_CLAUDE);
    r.commit(
        ALICE,
        "Refactor\n\nClaude-Session: https://claude.ai/code/session_01ABC\n",
    );
    r.commit(
        BOB,
        "Fix\n\n🤖 Generated with [Claude Code](https://claude.com/claude-code)\n",
    );
    r.commit(
        (
            "copilot-swe-agent[bot]",
            "198982749+Copilot@users.noreply.github.com",
        ),
        "Initial plan\n\nCo-authored-by: Bob Stone <bob@example.com>\n",
    );
    r.commit(
        ALICE,
        "Body with a rule\n\n---\n\nmore\n\nAssisted-by: Claude:claude-opus-4\n",
    );
    // Traps: a human named Claude, a quoted trailer, a mention, a bot, a foreign session URL.
    r.commit(CLAUDE_DUPONT, "Human work\n");
    r.commit(BOB, MENTIONS_CLAUDE);
    r.commit(ALICE, "Compare Copilot and Claude Code output\n");
    r.commit(DEPENDABOT, "Bump serde from 1.0.1 to 1.0.2\n");
    r.commit(
        ALICE,
        "Notes\n\nClaude-Session: https://example.org/not-claude\n",
    );

    let out = sb.scan(&r.path);
    let ai = &summary(&out)["ai"];
    assert_eq!(u(ai, "/commits"), 5, "{ai}");
    assert_eq!(u(ai, "/heuristic_only_commits"), 2, "{ai}");
    let by_agent: Vec<(String, u64, u64)> = ai["by_agent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["agent"].as_str().unwrap().to_owned(),
                u(a, "/commits"),
                u(a, "/exact_commits"),
            )
        })
        .collect();
    assert_eq!(
        by_agent,
        vec![
            ("claude-code".to_owned(), 4, 2),
            ("copilot-agent".to_owned(), 1, 1)
        ]
    );
    // One event per (commit, agent, role): the Copilot commit has an author and a committer.
    assert_eq!(u(&out, "/ai_events_appended"), 6);

    // The Copilot commit names Bob as the accountable human.
    let log = sb.run(&["audit", "log", "--kind", "ai_involvement"]);
    log.assert_code(0);
    let copilot: Vec<serde_json::Value> = log
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|e| e["payload"]["agent"] == "copilot-agent")
        .collect();
    assert_eq!(copilot.len(), 2, "author and committer roles");
    let accountable = copilot[0]["payload"]["accountable"].as_str().unwrap();
    let bob = sb.run(&["identities", "show", "bob@example.com", "--format", "json"]);
    assert!(bob.stdout.contains(accountable), "{}", bob.stdout);

    // `devspm ai` reports the same numbers, with Bob accountable for the Copilot commit.
    let report = sb.run(&["ai", "--format", "json"]);
    report.assert_code(0);
    let report: serde_json::Value = serde_json::from_str(&report.stdout).unwrap();
    assert_eq!(u(&report, "/commits"), 10);
    assert_eq!(u(&report, "/ai_commits"), 5);
    assert_eq!(u(&report, "/heuristic_only"), 2);
    let developers: Vec<(String, u64)> = report["by_developer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["name"].as_str().unwrap().to_owned(), u(d, "/ai_commits")))
        .collect();
    assert_eq!(
        developers,
        vec![("Alice Martin".to_owned(), 3), ("Bob Stone".to_owned(), 2)]
    );
    let table = sb.run(&["ai"]);
    table.assert_code(0);
    assert!(
        table.stdout.contains("5 of 10 commits (50.0%)"),
        "{}",
        table.stdout
    );

    let csv = sb.run(&["--format", "csv", "ai"]);
    csv.assert_code(0);
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "breakdown,key,name,commits,ai_commits,heuristic_only,ai_lines"
    );
    assert!(lines[1].starts_with("total,all,,10,5,2,"), "{}", lines[1]);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("agent,claude-code,,4,4,2,"))
    );
    let markdown = sb.run(&["--format", "markdown", "ai"]);
    markdown.assert_code(0);
    assert!(markdown.stdout.contains("| claude-code |  | 4 | 4 | 2 |"));
    // A format the command does not have is a usage error: exit 2, as clap's own.
    let refused = sb.run(&["--format", "csv", "identities"]);
    refused.assert_code(2);
    assert!(
        refused.stderr.starts_with("devspm: error: ")
            && refused.stderr.contains(
                "--format csv is not available for `devspm identities`; it writes table, json"
            )
            && refused.stdout.is_empty(),
        "{refused:?}"
    );

    // A re-scan detects nothing new; a new AI commit adds exactly its events.
    let again = sb.scan(&r.path);
    assert_eq!(u(&again, "/ai_events_appended"), 0);
    r.commit(
        ("Cursor Agent", "cursoragent@cursor.com"),
        "Cursor change\n",
    );
    let third = sb.scan(&r.path);
    assert_eq!(u(&third, "/ai_events_appended"), 2);
    assert_eq!(u(summary(&third), "/ai/commits"), 6);
    sb.assert_verifies();
}

#[test]
fn ai_report_breaks_down_by_team_and_repository() {
    let sb = Sandbox::new();
    let config = sb.path().join("teams.toml");
    std::fs::write(
        &config,
        "[[identity]]\nid = \"alice\"\nteam = \"platform\"\naliases = [\"alice@example.com\"]\n\n[[identity]]\nid = \"bob\"\nteam = \"web\"\naliases = [\"bob@example.com\"]\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let one = sb.repo("one");
    one.commit(ALICE, CO_AUTHORED_BY_CLAUDE);
    one.commit(ALICE, "Plain\n");
    let two = sb.repo("two");
    two.commit(BOB, CO_AUTHORED_BY_CLAUDE);
    for repo in [&one, &two] {
        sb.run(&[
            "--config",
            config,
            "-q",
            "scan",
            repo.path.to_str().unwrap(),
        ])
        .assert_code(0);
    }
    let report = sb.run(&["--config", config, "--format", "json", "ai"]);
    report.assert_code(0);
    let report: serde_json::Value = serde_json::from_str(&report.stdout).unwrap();
    let rows = |section: &str| -> Vec<(String, u64, u64)> {
        report[section]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let label = if r["name"].as_str().unwrap().is_empty() {
                    r["key"].as_str().unwrap().to_owned()
                } else {
                    r["name"].as_str().unwrap().to_owned()
                };
                (label, u(r, "/commits"), u(r, "/ai_commits"))
            })
            .collect()
    };
    assert_eq!(
        rows("by_team"),
        vec![("platform".to_owned(), 2, 1), ("web".to_owned(), 1, 1)]
    );
    let mut repositories = rows("by_repository");
    repositories.sort();
    assert_eq!(
        repositories,
        vec![("one".to_owned(), 2, 1), ("two".to_owned(), 1, 1)]
    );
}

#[test]
fn commits_only_on_an_agent_branch_are_heuristic_ai() {
    let sb = Sandbox::new();
    let r = sb.repo("branches");
    let base = r.commit(ALICE, "Base\n");
    r.git(&["checkout", "-q", "-b", "work"]);
    let one = r.commit(BOB, "Agent step one\n");
    let two = r.commit(BOB, "Agent step two\n");
    r.git(&["update-ref", "refs/remotes/origin/copilot/fix-tests", &two]);
    r.git(&["checkout", "-q", "main"]);
    r.git(&["branch", "-D", "work"]);
    // A branch merely mentioning copilot is not an agent branch.
    r.git(&[
        "update-ref",
        "refs/remotes/origin/feature/copilot-docs",
        &base,
    ]);
    let out = sb.scan(&r.path);
    assert_eq!(u(&out, "/ai_events_appended"), 2);
    let ai = &summary(&out)["ai"];
    assert_eq!(u(ai, "/commits"), 2);
    assert_eq!(u(ai, "/heuristic_only_commits"), 2);
    let log = sb.run(&["audit", "log", "--kind", "ai_involvement"]);
    let mut commits: Vec<String> = log
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["payload"]["commit"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    commits.sort();
    let mut expected = vec![one, two];
    expected.sort();
    assert_eq!(commits, expected);
    // Once main has merged the work, the commits are no longer only on the agent branch; the
    // evidence already recorded stays (it was true when seen), and nothing new is added.
    r.git(&[
        "merge",
        "-q",
        "--ff-only",
        "refs/remotes/origin/copilot/fix-tests",
    ]);
    let again = sb.scan(&r.path);
    assert_eq!(u(&again, "/ai_events_appended"), 0);
}

#[test]
fn ai_tooling_at_head_is_inventoried_with_its_risks() {
    let sb = Sandbox::new();
    let r = sb.repo("tooling");
    r.write("CLAUDE.md", "# Instructions\n");
    r.write(
        ".mcp.json",
        r#"{"mcpServers": {
            "fs": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem"]},
            "gh": {"command": "docker", "args": ["run"], "env": {"GITHUB_TOKEN": "ghp_supersecretvalue123"}}
        }}"#,
    );
    let added = r.commit(ALICE, "Add agent config\n");
    r.write(
        ".claude/settings.json",
        r#"{"permissions": {"defaultMode": "bypassPermissions"}}"#,
    );
    r.write(".codex/config.toml", "approval_policy = \"never\"\n");
    // Bad input: broken JSON, a symlink named like a config, a huge file named like one.
    r.write(".cursor/mcp.json", "{\n  \"mcpServers\": {,}\n}\n");
    std::os::unix::fs::symlink("../../../etc/passwd", r.path.join(".windsurfrules")).unwrap();
    r.write("AGENTS.md", "x".repeat(2 << 20));
    let settings = r.commit(BOB, "Agent settings\n");

    let run = Run::from(
        sb.devspm()
            .args(["--format", "json", "scan"])
            .arg(&r.path)
            .output()
            .unwrap(),
    );
    run.assert_code(0);
    for needle in [
        ".cursor/mcp.json",
        "line 2",
        ".windsurfrules",
        "symbolic link",
        "AGENTS.md",
        "limit",
    ] {
        assert!(run.stderr.contains(needle), "{needle}: {}", run.stderr);
    }
    let out = run.json();
    let tools: Vec<(String, String, String, Vec<String>, String)> = summary(&out)["ai"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["kind"].as_str().unwrap().to_owned(),
                t["path"].as_str().unwrap().to_owned(),
                t["name"].as_str().unwrap().to_owned(),
                t["risks"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap().to_owned())
                    .collect(),
                t["introduced_in"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let s = |v: &str| v.to_owned();
    assert_eq!(
        tools,
        vec![
            (
                s("agent_settings"),
                s(".claude/settings.json"),
                s("claude-code"),
                vec![s("agent-bypass-permissions")],
                settings.clone()
            ),
            (
                s("agent_settings"),
                s(".codex/config.toml"),
                s("codex"),
                vec![s("agent-never-asks")],
                settings.clone()
            ),
            (
                s("ai_instructions"),
                s("CLAUDE.md"),
                s("claude-code"),
                vec![],
                added.clone()
            ),
            (
                s("mcp_server"),
                s(".mcp.json"),
                s("fs"),
                vec![s("mcp-unpinned-package")],
                added.clone()
            ),
            (
                s("mcp_server"),
                s(".mcp.json"),
                s("gh"),
                vec![s("mcp-inline-secret")],
                added.clone()
            ),
        ]
    );
    assert_eq!(u(summary(&out), "/ingest_gaps/unreadable_config"), 3);
    // `devspm ai` lists the same tooling.
    let report = sb.run(&["ai"]);
    report.assert_code(0);
    for needle in [
        "AI tooling configured at HEAD",
        "mcp-inline-secret",
        "agent-never-asks",
    ] {
        assert!(
            report.stdout.contains(needle),
            "{needle}: {}",
            report.stdout
        );
    }
    let markdown = sb.run(&["--format", "markdown", "ai"]);
    assert!(
        markdown
            .stdout
            .contains("| mcp_server | fs | .mcp.json | no | mcp-unpinned-package |"),
        "{}",
        markdown.stdout
    );
    // The secret's value is stored nowhere: not in events, not in any table.
    let bytes = std::fs::read(sb.db()).unwrap();
    let wal = std::fs::read(sb.db().with_extension("db-wal")).unwrap_or_default();
    for file in [&bytes, &wal] {
        let secret: &[u8] = b"ghp_supersecretvalue123";
        assert!(!file.windows(secret.len()).any(|w| w == secret));
    }
    // A re-scan adds nothing.
    let again = sb.scan(&r.path);
    assert_eq!(u(&again, "/ai_events_appended"), 0);
    sb.assert_verifies();
}

#[test]
fn git_ai_notes_give_line_level_records() {
    let sb = Sandbox::new();
    let r = sb.repo("notes");
    let human = r.commit_file(ALICE, "src/a.rs", "fn a() {}\n", "Human commit\n");
    let assisted = r.commit_file(ALICE, "src/b.rs", "fn b() {}\nfn c() {}\n", "Assisted\n");
    let note = "src/b.rs\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-2\n  h_31dce776f88375 3\n---\n{\"schema_version\": \"authorship/3.0.0\", \"sessions\": {\"s_c9883b05a2487d\": {\"agent_id\": {\"tool\": \"claude\", \"model\": \"claude-sonnet-4-5\"}}}, \"humans\": {\"h_31dce776f88375\": {}}}\n";
    r.git(&["notes", "--ref=ai", "add", "-m", note, &assisted]);
    r.git(&[
        "notes",
        "--ref=ai",
        "add",
        "-m",
        "src/a.rs\n  s_1::t_2 9-1\n---\n{}\n",
        &human,
    ]);
    // A note for a commit no ref reaches (as after a squash): orphaned.
    let tree = r.git(&["rev-parse", "HEAD^{tree}"]);
    let lost = r.git(&["commit-tree", "-m", "lost to a squash", tree.trim()]);
    r.git(&["notes", "--ref=ai", "add", "-m", note, lost.trim()]);

    let run = Run::from(
        sb.devspm()
            .args(["--format", "json", "scan"])
            .arg(&r.path)
            .output()
            .unwrap(),
    );
    run.assert_code(0);
    assert!(
        run.stderr.contains(&human) && run.stderr.contains("bad range"),
        "{}",
        run.stderr
    );
    let out = run.json();
    let ai = &summary(&out)["ai"];
    assert_eq!(u(ai, "/commits"), 1, "{ai}");
    assert_eq!(u(ai, "/line_level_commits"), 1, "{ai}");
    assert_eq!(u(ai, "/orphaned_records"), 1, "{ai}");
    assert_eq!(u(summary(&out), "/ingest_gaps/unreadable_note"), 1);
    let log = sb.run(&["audit", "log", "--kind", "ai_lines"]);
    let records: Vec<serde_json::Value> = log
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["payload"].clone())
        .collect();
    assert_eq!(records.len(), 2);
    let live = records
        .iter()
        .find(|p| p["commit"] == assisted.as_str())
        .unwrap();
    assert_eq!(live["agent"], "claude-code");
    assert_eq!(live["ranges"], serde_json::json!([[1, 2]]));
    let again = sb.scan(&r.path);
    assert_eq!(u(&again, "/ai_events_appended"), 0);
    sb.assert_verifies();
}

/// git-ai configured not to store prompts: the note's attestation names a session its
/// metadata does not describe. The lines are still AI's, recorded under agent `unknown`
/// (exact), and the commit counts in the AI share.
#[test]
fn git_ai_notes_without_prompt_metadata_still_count() {
    let sb = Sandbox::new();
    let r = sb.repo("notes");
    r.commit_file(ALICE, "src/a.rs", "fn a() {}\n", "Human commit\n");
    let assisted = r.commit_file(ALICE, "src/b.rs", "fn b() {}\nfn c() {}\n", "Assisted\n");
    let note = "src/b.rs\n  s_c9883b05a2487d::t_9f8e7d6c5b4a32 1-2\n---\n{\"schema_version\": \"authorship/3.0.0\", \"prompts\": {}, \"sessions\": {}}\n";
    r.git(&["notes", "--ref=ai", "add", "-m", note, &assisted]);
    let out = sb.scan(&r.path);
    let ai = &summary(&out)["ai"];
    assert_eq!(u(ai, "/commits"), 1, "{ai}");
    assert_eq!(u(ai, "/line_level_commits"), 1, "{ai}");
    let log = sb.run(&["audit", "log", "--kind", "ai_lines"]);
    let record: serde_json::Value = serde_json::from_str::<serde_json::Value>(
        log.stdout.lines().next().unwrap(),
    )
    .unwrap()["payload"]
        .clone();
    assert_eq!(record["agent"], "unknown");
    assert_eq!(record["ranges"], serde_json::json!([[1, 2]]));
    let involvement = sb.run(&["audit", "log", "--kind", "ai_involvement"]);
    assert!(
        involvement
            .stdout
            .contains("a session the note's metadata does not describe")
            && involvement.stdout.contains("\"confidence\":\"exact\""),
        "{involvement:?}"
    );
}

#[test]
fn agent_trace_records_give_line_level_records() {
    let sb = Sandbox::new();
    let r = sb.repo("trace");
    let written = r.commit_file(
        ALICE,
        "src/a.rs",
        "fn a() {}\nfn b() {}\n",
        "Agent wrote this\n",
    );
    let record = format!(
        "{{\"version\":\"0.1.0\",\"id\":\"t1\",\"vcs\":{{\"type\":\"git\",\"revision\":\"{written}\"}},\"tool\":{{\"name\":\"cursor\"}},\"files\":[{{\"path\":\"src/a.rs\",\"conversations\":[{{\"contributor\":{{\"type\":\"ai\",\"model_id\":\"sonnet\"}},\"ranges\":[{{\"start_line\":1,\"end_line\":2}}]}}]}}]}}\n{{broken\n"
    );
    r.write(".agent-trace/traces.jsonl", record);
    r.commit(ALICE, "Record the trace\n");
    let run = Run::from(
        sb.devspm()
            .args(["--format", "json", "scan"])
            .arg(&r.path)
            .output()
            .unwrap(),
    );
    run.assert_code(0);
    assert!(
        run.stderr.contains(".agent-trace/traces.jsonl:2"),
        "{}",
        run.stderr
    );
    let out = run.json();
    let ai = &summary(&out)["ai"];
    assert_eq!(u(ai, "/commits"), 1, "{ai}");
    assert_eq!(u(ai, "/line_level_commits"), 1, "{ai}");
    assert_eq!(u(summary(&out), "/ingest_gaps/unreadable_trace"), 1);
    let by_agent = &ai["by_agent"][0];
    assert_eq!(by_agent["agent"], "cursor");
    assert_eq!(u(by_agent, "/exact_commits"), 1);
}

#[test]
fn ingest_git_runs_the_same_ai_analyzers_as_scan() {
    let sb = Sandbox::new();
    let r = sb.repo("ingest");
    r.write(
        ".mcp.json",
        r#"{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "server-fs"]}}}"#,
    );
    r.commit(ALICE, CO_AUTHORED_BY_CLAUDE);
    let out = sb.run(&[
        "--format",
        "json",
        "ingest",
        "git",
        r.path.to_str().unwrap(),
    ]);
    out.assert_code(0);
    // One co-author involvement and one MCP server, whose unpinned package is a finding
    // (recorded, imported, attributed).
    assert_eq!(u(&out.json(), "/ai_events_appended"), 5, "{}", out.stdout);
    let report = sb.run(&["ai"]);
    assert!(
        report.stdout.contains("mcp-unpinned-package"),
        "{}",
        report.stdout
    );
    let again = sb.run(&[
        "--format",
        "json",
        "ingest",
        "git",
        r.path.to_str().unwrap(),
    ]);
    assert_eq!(u(&again.json(), "/ai_events_appended"), 0);
}

/// Risky MCP and agent settings become findings attributed to the commit that wrote the
/// setting; a setting that is fixed later becomes a fixed finding.
#[test]
fn risky_ai_settings_are_findings_attributed_to_who_wrote_them() {
    let sb = Sandbox::new();
    let r = sb.repo("risky");
    r.commit_file(BOB, "README.md", "hello\n", "Init\n");
    let alice = r.commit_file(
        ALICE,
        ".mcp.json",
        "{\n  \"mcpServers\": {\n    \"files\": {\n      \"command\": \"npx\",\n      \"args\": [\"-y\", \"@modelcontextprotocol/server-filesystem\"]\n    }\n  }\n}\n",
        "Add an MCP server\n",
    );
    let bob = r.commit_file(
        BOB,
        ".claude/settings.json",
        "{\n  \"permissions\": {\n    \"defaultMode\": \"bypassPermissions\"\n  }\n}\n",
        "Agent settings\n",
    );
    sb.scan(&r.path);
    let rows = sb.run(&["--format", "json", "findings"]).json();
    let rows = rows.as_array().unwrap();
    let find = |rule: &str| {
        rows.iter()
            .find(|f| f["rule"] == rule)
            .unwrap_or_else(|| panic!("no {rule} in {rows:#?}"))
            .clone()
    };
    let unpinned = find("mcp-unpinned-package");
    assert_eq!(unpinned["tool"], "devspm-ai-tooling");
    assert_eq!(unpinned["path"], ".mcp.json");
    assert_eq!(unpinned["start_line"], 5);
    assert_eq!(unpinned["introduced_in"], alice.as_str());
    assert_eq!(
        unpinned["developer_name"],
        "Alice Martin <alice@example.com>"
    );
    let bypass = find("agent-bypass-permissions");
    assert_eq!(bypass["severity"], "high");
    assert_eq!(bypass["start_line"], 3);
    assert_eq!(bypass["introduced_in"], bob.as_str());

    // Pinning the package fixes that finding; the scan says so and nothing else changes.
    r.commit_file(
        BOB,
        ".mcp.json",
        "{\n  \"mcpServers\": {\n    \"files\": {\n      \"command\": \"npx\",\n      \"args\": [\"-y\", \"@modelcontextprotocol/server-filesystem@1.2.3\"]\n    }\n  }\n}\n",
        "Pin the MCP server\n",
    );
    let out = sb.scan(&r.path);
    assert_eq!(u(&out, "/findings/open"), 1, "{out:#}");
    assert_eq!(u(&out, "/findings/fixed"), 1, "{out:#}");
    let fixed = sb
        .run(&["--format", "json", "findings", "--status", "fixed"])
        .json();
    assert_eq!(fixed[0]["rule"], "mcp-unpinned-package");
    // Scanning again without changes adds nothing.
    let events = sb.event_count();
    sb.scan(&r.path);
    assert_eq!(sb.event_count(), events);
    sb.assert_verifies();
}

/// Legacy git-ai records (`authorship/0.0.1` blobs under `refs/ai/authorship/<commit>`, with
/// bare hex prompt keys) give line-level records too, and an AI-written line carries its agent
/// into the attribution of a finding on it.
#[test]
fn legacy_git_ai_authorship_refs_give_line_level_records() {
    let sb = Sandbox::new();
    let r = sb.repo("legacy");
    r.commit_file(BOB, "README.md", "hello\n", "Init\n");
    let assisted = r.commit_file(
        ALICE,
        "app.py",
        "import os\n\ndef run(cmd):\n    os.system(cmd)\n",
        "Add runner\n",
    );
    let record = "app.py\n  a1b2c3d4e5f60718 3-4\n---\n{\"schema_version\": \"authorship/0.0.1\", \"prompts\": {\"a1b2c3d4e5f60718\": {\"agent_id\": {\"tool\": \"cursor\", \"model\": \"gpt-4o\"}}}}\n";
    r.write("record.txt", record);
    let blob = r.git(&["hash-object", "-w", "record.txt"]);
    std::fs::remove_file(r.path.join("record.txt")).unwrap();
    r.git(&[
        "update-ref",
        &format!("refs/ai/authorship/{assisted}"),
        blob.trim(),
    ]);
    let out = sb.scan(&r.path);
    let ai = &summary(&out)["ai"];
    assert_eq!(u(ai, "/line_level_commits"), 1, "{ai}");
    let log = sb.run(&["audit", "log", "--kind", "ai_lines"]);
    let payload: serde_json::Value = serde_json::from_str::<serde_json::Value>(
        log.stdout.lines().next().unwrap(),
    )
    .unwrap()["payload"]
        .clone();
    assert_eq!(payload["source"], "git-ai-legacy");
    assert_eq!(payload["agent"], "cursor");
    assert_eq!(payload["ranges"], serde_json::json!([[3, 4]]));

    // A scanner finding on line 4 is attributed to Alice's commit with cursor at line level.
    let sarif = serde_json::json!({
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "bandit"}}, "results": [{
            "ruleId": "B605", "level": "error", "message": {"text": "shell"},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": "app.py"},
                "region": {"startLine": 4}}}]}]}]
    });
    let file = sb.path().join("b.sarif");
    std::fs::write(&file, sarif.to_string()).unwrap();
    sb.run(&[
        "import",
        "--repo",
        r.path.to_str().unwrap(),
        file.to_str().unwrap(),
    ])
    .assert_code(0);
    let rows = sb.run(&["--format", "json", "findings"]).json();
    assert_eq!(rows[0]["introduced_in"], assisted.as_str());
    assert_eq!(rows[0]["agents"], serde_json::json!(["cursor"]), "{rows:#}");
    sb.assert_verifies();
}

/// AI tooling is inventoried at the head of every local branch, not only HEAD; findings come
/// from HEAD's configuration only.
#[test]
fn ai_tooling_is_inventoried_on_every_branch_head() {
    let sb = Sandbox::new();
    let r = sb.repo("branches");
    r.commit_file(BOB, "README.md", "hello\n", "Init\n");
    r.git(&["checkout", "-q", "-b", "feature"]);
    let feature = r.commit_file(
        ALICE,
        ".mcp.json",
        r#"{"mcpServers": {"web": {"command": "npx", "args": ["-y", "web-server"]}}}"#,
        "Try an MCP server\n",
    );
    r.git(&["checkout", "-q", "main"]);
    sb.scan(&r.path);
    let log = sb.run(&["audit", "log", "--kind", "tool_seen"]);
    let seen: Vec<serde_json::Value> = log
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["payload"].clone())
        .collect();
    assert_eq!(seen.len(), 1, "{seen:#?}");
    assert_eq!(seen[0]["name"], "web");
    assert_eq!(seen[0]["revision"], feature.as_str());
    // Not on HEAD (main): no finding.
    let rows = sb.run(&["--format", "json", "findings"]).json();
    assert_eq!(rows.as_array().unwrap().len(), 0, "{rows:#}");
}

/// A developer who commits an agent's work is accountable for it; their AI share is the
/// AI-involved commits they are accountable for over all the commits they are accountable for,
/// never above 100% (it was AI commits over commits *authored*: 300% here).
#[test]
fn a_developers_ai_share_is_a_share() {
    let sb = Sandbox::new();
    let r = sb.repo("shares");
    r.commit(BOB, "Own work\n");
    for i in 0..3 {
        let out = r.git_output(
            &[
                "commit",
                "-q",
                "--allow-empty",
                "--author",
                "copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>",
                "-m",
                &format!("Agent change {i}"),
            ],
            Some(BOB),
            None,
        );
        assert!(out.status.success());
    }
    r.commit(ALICE, "Alice's own work\n");
    sb.scan(&r.path);
    let report = sb.run(&["ai", "--format", "json"]);
    report.assert_code(0);
    let report = report.json();
    let rows: Vec<(String, u64, u64)> = report["by_developer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap().to_owned(),
                u(d, "/commits"),
                u(d, "/ai_commits"),
            )
        })
        .collect();
    assert_eq!(rows, vec![("Bob Stone".to_owned(), 4, 3)]);
    for row in report["by_developer"].as_array().unwrap() {
        assert!(u(row, "/ai_commits") <= u(row, "/commits"), "{row}");
    }
}
