//! Resource bounds: what a repository holds cannot make devspm read unbounded amounts at once.
//! Files over `[limits] max_blob_bytes` are not read — ingest does not count their lines, the
//! secret detector does not search them — and each is recorded as a gap with its size, so the
//! record says what was not examined. An import keeps a bounded number of warnings and
//! attributes its findings in batches of bounded size, one transaction each. (Peak memory
//! itself is measured by `bench/memory.sh`, not asserted here.)

mod common;

use common::*;
use serde_json::json;

/// `(what, object, detail)` of every recorded gap, sorted.
fn gaps(sb: &Sandbox) -> Vec<(String, String, String)> {
    let conn = sb.conn();
    let mut stmt = conn
        .prepare("SELECT what, object, detail FROM ingest_gaps ORDER BY what, object")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// `devspm --config CONFIG --format json scan REPO`, asserting success.
fn scan_with(sb: &Sandbox, config: &std::path::Path, repo: &std::path::Path) -> serde_json::Value {
    let run = Run::from(
        sb.devspm()
            .arg("--config")
            .arg(config)
            .args(["--format", "json", "scan"])
            .arg(repo)
            .output()
            .unwrap(),
    );
    run.assert_code(0);
    run.json()
}

#[test]
fn blobs_over_the_size_limit_are_not_read_and_are_recorded_as_gaps_with_their_size() {
    let sb = Sandbox::new();
    let r = sb.repo("big");
    // Built at run time so that this source file holds no scannable secret.
    let token = format!("ghp_{}", "x7Kq9Lm2Np4Rs6Tv8Wy0Za1Bc3De5Fg7Hj9K");
    // 100,025 bytes of text with a token at the end, and a small file with the same token.
    let big = format!("{}TOKEN={token}\n", "log line of a dump\n".repeat(5262));
    assert_eq!(big.len(), 100_025);
    r.commit_file(ALICE, "dump.log", &big, "Add a dump");
    r.commit_file(
        BOB,
        "deploy.sh",
        &format!("TOKEN={token}\n"),
        "Deploy script",
    );
    let bigger = format!("{big}{}", "more\n".repeat(1000));
    let grow = r.commit_file(ALICE, "dump.log", &bigger, "Grow the dump");
    let first = r.rev_parse("HEAD~2");
    let (blob1, blob2) = (r.rev_parse("HEAD~2:dump.log"), r.rev_parse("HEAD:dump.log"));

    let config = sb.home().join("limits.toml");
    std::fs::write(&config, "[limits]\nmax_blob_bytes = 65536\n").unwrap();
    let out = scan_with(&sb, &config, &r.path);
    assert_eq!(
        out["summary"]["ingest_gaps"],
        json!({ "blob_too_large": 2, "blob_not_searched": 2, "commits_with_gaps": 2 }),
        "{out:#}"
    );
    let mut expected = vec![
        (
            "blob_not_searched".to_owned(),
            blob1.clone(),
            format!(
                "dump.log in commit {first} is 100025 bytes, over the size limit ([limits] max_blob_bytes): not searched for secrets"
            ),
        ),
        (
            "blob_not_searched".to_owned(),
            blob2.clone(),
            format!(
                "dump.log in commit {grow} is 105025 bytes, over the size limit ([limits] max_blob_bytes): not searched for secrets"
            ),
        ),
        (
            "blob_too_large".to_owned(),
            blob1.clone(),
            format!(
                "dump.log in commit {first} is 100025 bytes, over the size limit ([limits] max_blob_bytes): its lines were not counted"
            ),
        ),
        (
            "blob_too_large".to_owned(),
            blob2.clone(),
            format!(
                "dump.log in commit {grow} is 105025 bytes, over the size limit ([limits] max_blob_bytes): its lines were not counted"
            ),
        ),
    ];
    expected.sort();
    assert_eq!(gaps(&sb), expected);
    // The token in the small file is found; the one in the dump was not read.
    let secrets = &out["detectors"]["secrets"];
    assert_eq!(
        (&secrets["found"], &secrets["oversized_blobs"]),
        (&json!(1), &json!(2)),
        "{secrets}"
    );
    // The dump's commits have no line counts and say why.
    let counted = sb.query_i64(
        "SELECT count(*) FROM commit_files WHERE added IS NOT NULL OR removed IS NOT NULL",
    );
    assert_eq!(counted, 1, "only deploy.sh is counted");
    let said = sb.query_i64(&format!(
        "SELECT count(*) FROM events WHERE kind = 'commit_recorded' AND payload LIKE '%lines of dump.log not counted: blob {blob2} is 105025 bytes, over the 65536-byte limit%'"
    ));
    assert_eq!(said, 1);

    // A rescan of the unchanged repository adds nothing; the default limit (32 MiB) reads it
    // all in a new ledger.
    let again = scan_with(&sb, &config, &r.path);
    assert_eq!(again["ingest"]["events_appended"], 0);
    std::fs::remove_file(sb.db()).unwrap();
    let out = sb.scan(&r.path);
    assert_eq!(out["summary"]["ingest_gaps"], json!({}), "{out:#}");
    assert_eq!(out["detectors"]["secrets"]["found"], 2, "{out:#}");
    sb.assert_verifies();
}

/// A SARIF file with `results` results of rule `R1`, result `i` on line `i + 1` of `path`.
fn sarif(path: &str, results: usize) -> String {
    let results: Vec<String> = (0..results)
        .map(|i| {
            format!(
                r#"{{"ruleId":"R1","level":"warning","message":{{"text":"finding {i}"}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"{path}"}},"region":{{"startLine":{line}}}}}}}]}}"#,
                line = i + 1
            )
        })
        .collect();
    format!(
        r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"bench-scanner","rules":[{{"id":"R1"}}]}}}},"results":[{}]}}]}}"#,
        results.join(",")
    )
}

#[test]
fn an_import_keeps_the_first_thousand_warnings_and_counts_the_rest() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, "README.md", "app\n", "Initial commit");
    // 1,005 results on a file outside the repository: one warning each (imported with
    // --force: a report whose results all name files elsewhere is otherwise refused).
    let file = sb.path().join("elsewhere.sarif");
    std::fs::write(&file, sarif("/elsewhere/gone.c", 1005)).unwrap();
    let run = sb.run(&[
        "--format",
        "json",
        "import",
        "--force",
        file.to_str().unwrap(),
        "--repo",
        r.path.to_str().unwrap(),
    ]);
    run.assert_code(0);
    let out = run.json();
    let warnings = out["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1001, "{:#?}", &warnings[..3]);
    assert_eq!(warnings[1000], "… and 5 more warnings");
    assert_eq!(out["runs"][0]["unplaced"], 1005);
    assert_eq!(sb.query_i64("SELECT count(*) FROM findings"), 1005);
    // On a terminal: twenty, and the count of the rest; with -v the thousand kept.
    let run = sb.run(&[
        "import",
        "--force",
        file.to_str().unwrap(),
        "--repo",
        r.path.to_str().unwrap(),
    ]);
    run.assert_code(0);
    assert_eq!(run.stderr.lines().count(), 21, "{run:?}");
    assert_eq!(
        run.stderr.lines().last(),
        Some("devspm: warning: … and 985 more warning(s) (-v shows them)")
    );
    let run = sb.run(&[
        "-v",
        "import",
        "--force",
        file.to_str().unwrap(),
        "--repo",
        r.path.to_str().unwrap(),
    ]);
    run.assert_code(0);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("devspm: warning: "))
        .collect();
    assert_eq!(warnings.len(), 1001, "{run:?}");
    assert_eq!(
        warnings[1000],
        "devspm: warning: … and 5 more warning(s), not kept"
    );
}

#[test]
fn an_import_is_attributed_in_whole_batches_and_a_crash_keeps_the_batches_done() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    let lines: String = (1..=25).map(|n| format!("line {n}\n")).collect();
    r.commit_file(ALICE, "src/main.c", &lines, "Add main");
    let file = sb.path().join("scan.sarif");
    std::fs::write(&file, sarif("src/main.c", 25)).unwrap();
    let import = |abort_at: Option<u64>| {
        let mut cmd = sb.devspm_process();
        cmd.args(["--quiet", "import"])
            .arg(&file)
            .arg("--repo")
            .arg(&r.path)
            .env("DEVSPM_ATTRIBUTION_BATCH", "10");
        if let Some(n) = abort_at {
            cmd.env("DEVSPM_TEST_ABORT_AT_COMMIT", n.to_string());
        }
        cmd.output().unwrap().status
    };
    // (A crash before the schema exists leaves no table.)
    let attributed = || {
        sb.conn()
            .query_row("SELECT count(*) FROM attributions", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap_or(0)
    };
    // Crash the import at every write in turn: attributions are recorded ten at a time.
    let mut seen = std::collections::BTreeSet::new();
    for n in 1.. {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", sb.db().display()));
        }
        let status = import(Some(n));
        if status.success() {
            break;
        }
        assert_eq!(status.code(), None, "killed, not failed");
        seen.insert(attributed());
        // The rerun finds the import on record and attributes what is left.
        assert!(import(None).success());
        assert_eq!(attributed(), 25);
    }
    assert_eq!(seen, [0, 10, 20].into_iter().collect());
    assert_eq!(attributed(), 25);
    sb.assert_verifies();
}
