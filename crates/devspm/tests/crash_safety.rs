//! A crash at any moment of `scan` loses nothing: the next run records what a clean run would
//! have recorded — the same findings, attributions, tools and AI involvement.
//!
//! The crash points are not guessed with sleeps. A debug build of devspm aborts when its Nth
//! write transaction is about to commit (`DEVSPM_TEST_ABORT_AT_COMMIT=N`, see the SQLite
//! store), which leaves the database exactly as a `kill -9` anywhere between commits N-1 and N
//! would. Each test runs N = 1, 2, … until a run completes, so every state a crash can leave
//! is visited once, and after each a plain rerun must reproduce the clean run's projections
//! (every row, sequence numbers aside).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use rusqlite::types::ValueRef;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The projection tables the analyzers and detectors write, compared row by row.
const PROJECTIONS: [&str; 9] = [
    "commits",
    "refs",
    "ingest_gaps",
    "ai_involvements",
    "tools_seen",
    "findings",
    "finding_imports",
    "attributions",
    "ai_line_ranges",
];

/// Alias ids are random (pseudonyms), so two ledgers name the same person differently: each is
/// replaced by a stable label, the first place (commit and role) it appears in.
fn alias_labels(conn: &rusqlite::Connection) -> Vec<(String, String)> {
    let mut places: BTreeMap<String, String> = BTreeMap::new();
    let mut stmt = conn
        .prepare(
            "SELECT author_alias, sha || '/author' FROM commits
             UNION ALL SELECT committer_alias, sha || '/committer' FROM commits
             UNION ALL SELECT alias_id, sha || '/trailer' || idx FROM commit_trailers
                 WHERE alias_id IS NOT NULL",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap();
    for row in rows {
        let (alias, place) = row.unwrap();
        let label = places.entry(alias).or_insert_with(|| place.clone());
        if place < *label {
            *label = place;
        }
    }
    places
        .into_iter()
        .map(|(alias, place)| (alias, format!("<alias of {place}>")))
        .collect()
}

/// Every row of every table of [`PROJECTIONS`], without the columns that only say when a row
/// was written (`seq`, `*_seq`), alias ids replaced by stable labels, sorted.
fn projections(db: &Path) -> BTreeMap<&'static str, Vec<String>> {
    let conn = rusqlite::Connection::open(db).expect("open ledger");
    let labels = alias_labels(&conn);
    let mut out = BTreeMap::new();
    for table in PROJECTIONS {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let columns: Vec<usize> = stmt
            .column_names()
            .enumerate()
            .filter(|(_, name)| *name != "seq" && !name.ends_with("_seq"))
            .map(|(i, _)| i)
            .collect();
        let mut rows: Vec<String> = stmt
            .query_map([], |row| {
                let mut cells = Vec::new();
                for &i in &columns {
                    cells.push(match row.get_ref(i)? {
                        ValueRef::Null => "NULL".to_owned(),
                        ValueRef::Integer(n) => n.to_string(),
                        ValueRef::Real(x) => x.to_string(),
                        ValueRef::Text(t) => format!("{:?}", String::from_utf8_lossy(t)),
                        ValueRef::Blob(b) => format!("x'{}'", hex(b)),
                    });
                }
                let mut row = cells.join(" | ");
                for (alias, label) in &labels {
                    row = row.replace(alias.as_str(), label);
                }
                Ok(row)
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.sort();
        out.insert(table, rows);
    }
    out
}

/// The first difference between two sets of projections, for the failure message.
fn first_difference(
    expected: &BTreeMap<&str, Vec<String>>,
    got: &BTreeMap<&str, Vec<String>>,
) -> String {
    for (table, rows) in expected {
        let other = &got[table];
        if rows != other {
            let missing: Vec<&String> = rows.iter().filter(|r| !other.contains(r)).collect();
            let extra: Vec<&String> = other.iter().filter(|r| !rows.contains(r)).collect();
            return format!(
                "{table}: {} rows expected, {} found\n  missing: {missing:#?}\n  unexpected: {extra:#?}",
                rows.len(),
                other.len()
            );
        }
    }
    "no difference".to_owned()
}

/// Copies a closed database (no write-ahead log left) to the sandbox's ledger path.
fn restore(snapshot: &Path, sb: &Sandbox) {
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", sb.db().display()));
    }
    std::fs::copy(snapshot, sb.db()).expect("copy snapshot");
}

/// `devspm scan PATH`, aborting at write transaction `abort_at` (none: a plain run). Returns
/// whether the run completed.
fn scan(sb: &Sandbox, repo: &Path, abort_at: Option<u64>) -> bool {
    run(sb, &["scan"], repo, abort_at)
}

/// `devspm --quiet ARGS PATH`, aborting at write transaction `abort_at` (none: a plain run).
/// Returns whether the run completed.
fn run(sb: &Sandbox, args: &[&str], repo: &Path, abort_at: Option<u64>) -> bool {
    let mut cmd = sb.devspm_process();
    cmd.arg("--quiet").args(args).arg(repo);
    if let Some(n) = abort_at {
        cmd.env("DEVSPM_TEST_ABORT_AT_COMMIT", n.to_string());
    }
    let out = cmd.output().expect("run devspm");
    // 4: findings at or above the threshold (`ci audit`), a completed run.
    if matches!(out.status.code(), Some(0 | 4)) {
        return true;
    }
    assert!(
        abort_at.is_some() && out.status.code().is_none(),
        "devspm {args:?} failed without being aborted: {:?}",
        Run::from(out)
    );
    false
}

/// Aborts a scan at every write transaction in turn, starting from the database `snapshot`
/// (none: an empty one); after each crash a plain scan must leave the projections `expected`.
/// Returns the number of crash points visited.
fn crash_everywhere(
    sb: &Sandbox,
    repo: &Path,
    snapshot: Option<&Path>,
    expected: &BTreeMap<&str, Vec<String>>,
) -> u64 {
    crash_everywhere_in(sb, &["scan"], repo, snapshot, expected)
}

/// [`crash_everywhere`] for the command `devspm ARGS PATH`.
fn crash_everywhere_in(
    sb: &Sandbox,
    args: &[&str],
    repo: &Path,
    snapshot: Option<&Path>,
    expected: &BTreeMap<&str, Vec<String>>,
) -> u64 {
    for n in 1..500 {
        match snapshot {
            Some(s) => restore(s, sb),
            None => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", sb.db().display()));
                }
            }
        }
        if run(sb, args, repo, Some(n)) {
            return n - 1;
        }
        assert!(
            run(sb, args, repo, None),
            "the rerun after a crash must complete"
        );
        let got = projections(&sb.db());
        assert!(
            &got == expected,
            "after a crash at write transaction {n} and a rerun, the record differs from a clean run's: {}",
            first_difference(expected, &got)
        );
    }
    panic!("the scan never completed");
}

/// Bob's workflow (line 9: a tag-pinned action).
const WORKFLOW: &str = "\
name: ci
on: push
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make test
";

fn lock(version: &str) -> String {
    format!(
        "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"tinyparse\"\nversion = \"{version}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
    )
}

fn mcp(servers: &[&str]) -> String {
    let entries: Vec<String> = servers
        .iter()
        .map(|name| {
            format!("\"{name}\": {{\"command\": \"npx\", \"args\": [\"-y\", \"@acme/{name}\"]}}")
        })
        .collect();
    format!("{{\"mcpServers\": {{{}}}}}\n", entries.join(", "))
}

/// A repository with something for every analyzer and detector, and loaded advisory data.
/// Built at run time so that this source file holds no scannable secret.
fn first_state(sb: &Sandbox) -> Repo {
    let osv = sb.path().join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    std::fs::write(
        osv.join("RUSTSEC-2099-0001.json"),
        r#"{"id":"RUSTSEC-2099-0001","modified":"2099-01-02T00:00:00Z","published":"2099-01-01T00:00:00Z",
"summary":"Stack overflow in parser",
"affected":[{"package":{"ecosystem":"crates.io","name":"tinyparse"},
"ranges":[{"type":"SEMVER","events":[{"introduced":"0.2.0"},{"fixed":"0.9.0"}]}]}]}"#,
    )
    .unwrap();
    sb.run(&["advisories", "import", osv.to_str().unwrap()])
        .assert_code(0);
    let r = sb.repo("app");
    r.commit_file(ALICE, "README.md", "app\n", "Initial commit");
    r.commit_file(BOB, ".github/workflows/ci.yml", WORKFLOW, "Add CI");
    r.commit_file(
        BOB,
        "deploy.sh",
        &format!("TOKEN=ghp_{}\n", "x7Kq9Lm2Np4Rs6Tv8Wy0Za1Bc3De5Fg7Hj9K"),
        "Deploy script",
    );
    r.commit_file(ALICE, "Cargo.lock", &lock("0.2.1"), "Add tinyparse");
    r.commit_file(BOB, ".mcp.json", &mcp(&["files"]), CO_AUTHORED_BY_CLAUDE);
    r.git(&["checkout", "-q", "-b", "copilot/fix-parser"]);
    r.commit_file(CAROL, "src/parser.rs", "fn parse() {}\n", "Fix the parser");
    r.git(&["checkout", "-q", "main"]);
    r
}

/// New work on top of [`first_state`]: a second secret, a riskier workflow, another MCP
/// server, a version bump, a Cursor co-authored commit and a new agent branch.
fn second_state(r: &Repo) {
    r.commit_file(
        CAROL,
        "config/aws.env",
        &format!("AWS_ACCESS_KEY_ID=AKIA{}\n", "Q3EGRIVPJ5MN7ZXT"),
        "Add AWS config",
    );
    r.commit_file(
        ALICE,
        ".github/workflows/ci.yml",
        &format!("{WORKFLOW}      - uses: tj-actions/changed-files@v45\n"),
        "Changed files in CI",
    );
    r.commit_file(
        BOB,
        ".mcp.json",
        &mcp(&["files", "search"]),
        "Add the search server\n\nCo-authored-by: Cursor <cursoragent@cursor.com>\n",
    );
    r.commit_file(ALICE, "Cargo.lock", &lock("0.3.0"), "Bump tinyparse");
    r.git(&["checkout", "-q", "-b", "codex/docs"]);
    r.commit_file(CAROL, "docs/guide.md", "guide\n", "Write the guide");
    r.git(&["checkout", "-q", "main"]);
}

/// Open findings per producer, from the projections.
fn open_findings_by_tool(p: &BTreeMap<&str, Vec<String>>) -> Vec<String> {
    let mut tools: Vec<String> = p["findings"]
        .iter()
        .filter(|row| row.contains("\"open\""))
        .map(|row| row.split(" | ").nth(2).unwrap_or_default().to_owned())
        .collect();
    tools.sort();
    tools
}

#[test]
fn a_scan_killed_at_any_write_leaves_a_record_the_next_scan_completes() {
    let sb = Sandbox::new();
    let r = first_state(&sb);
    // The secret-hashing key is random per ledger (and so are the secret findings' ids): the
    // snapshot every run starts from has its key already.
    sb.conn()
        .execute(
            "INSERT INTO ledger_meta (name, value) VALUES ('secret_hash_key', ?1)",
            [hex(&[7; 32])],
        )
        .unwrap();
    let fresh = sb.path().join("fresh.db");
    std::fs::copy(sb.db(), &fresh).unwrap();

    // The first scan of a repository, crashed at every write.
    assert!(scan(&sb, &r.path, None));
    let first = projections(&sb.db());
    assert_eq!(
        open_findings_by_tool(&first),
        [
            "\"devspm-advisories\"",
            "\"devspm-ai-tooling\"",
            "\"devspm-ci-audit\"",
            "\"devspm-ci-audit\"",
            "\"devspm-secrets\"",
        ],
        "{first:#?}"
    );
    let scanned = sb.path().join("scanned.db");
    std::fs::copy(sb.db(), &scanned).unwrap();
    let points = crash_everywhere(&sb, &r.path, Some(&fresh), &first);
    assert!(points >= 10, "only {points} write transactions in a scan");

    // New commits on a scanned repository: the case where a crash after ingest recorded the
    // moved refs used to leave the detectors and repository analyzers believing nothing moved.
    second_state(&r);
    restore(&scanned, &sb);
    assert!(scan(&sb, &r.path, None));
    let second = projections(&sb.db());
    let points = crash_everywhere(&sb, &r.path, Some(&scanned), &second);
    assert!(points >= 10, "only {points} write transactions in a scan");
    sb.assert_verifies();
}

#[test]
fn a_scan_after_another_command_recorded_the_commits_still_reads_them() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, "README.md", "app\n", "Initial commit");
    sb.scan(&r.path);
    r.commit_file(
        BOB,
        "deploy.sh",
        &format!("TOKEN=ghp_{}\n", "x7Kq9Lm2Np4Rs6Tv8Wy0Za1Bc3De5Fg7Hj9K"),
        "Deploy script",
    );
    r.commit_file(BOB, ".github/workflows/ci.yml", WORKFLOW, "Add CI");
    // `ingest git` records the commits and moves the refs, but runs no detector.
    sb.run(&["ingest", "git", r.path.to_str().unwrap()])
        .assert_code(0);
    let out = sb.scan(&r.path);
    assert_eq!(out["ingest"]["new_commits"], 0, "{out}");
    assert_eq!(out["detectors"]["secrets"]["found"], 1, "{out}");
    let tools = sb.run(&["--format", "json", "tools", "list"]).json();
    let names: Vec<&str> = tools
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert!(names.contains(&"actions/checkout"), "{tools:#}");
    // Nothing moved since: the next scan reads nothing.
    let again = sb.scan(&r.path);
    assert_eq!(again["detectors"]["secrets"]["blobs_scanned"], 0, "{again}");
}

#[test]
fn a_ci_audit_killed_at_any_write_leaves_its_findings_attributed_after_the_rerun() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, "README.md", "app\n", "Initial commit");
    r.commit_file(BOB, ".github/workflows/ci.yml", WORKFLOW, "Add CI");
    r.commit_file(
        CAROL,
        ".github/workflows/ci.yml",
        &format!("{WORKFLOW}      - uses: tj-actions/changed-files@v45\n"),
        "Changed files in CI",
    );
    // `ci audit` records the repository, then its findings, then attributes them.
    sb.run(&["rebuild"]).assert_code(0);
    let fresh = sb.path().join("fresh.db");
    std::fs::copy(sb.db(), &fresh).unwrap();
    let audit = ["ci", "audit"];
    assert!(run(&sb, &audit, &r.path, None));
    let clean = projections(&sb.db());
    assert_eq!(clean["attributions"].len(), 4, "{clean:#?}");
    let points = crash_everywhere_in(&sb, &audit, &r.path, Some(&fresh), &clean);
    assert!(points >= 5, "only {points} write transactions in an audit");
}
