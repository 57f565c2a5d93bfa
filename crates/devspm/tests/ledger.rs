//! The ledger itself: `audit verify` on a clean and on a tampered database, and `rebuild`.

mod common;

use common::*;
use serde_json::{Value, json};

/// A ledger of exactly 7 events: 1 repository_registered, 2-4 commit_recorded (three commits by
/// Alice), 5 ref_updated (refs/heads/main), 6 identity_registered, 7 alias_resolved.
fn small_ledger() -> Sandbox {
    let sb = Sandbox::new();
    let r = sb.repo("small");
    r.commit_file(ALICE, "f", "1\n", "one");
    r.commit_file(ALICE, "f", "2\n", "two");
    r.commit_file(ALICE, "f", "3\n", "three");
    sb.scan(&r.path);
    let kinds: Vec<String> = sb
        .conn()
        .prepare("SELECT kind FROM events ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        kinds,
        [
            "repository_registered",
            "commit_recorded",
            "commit_recorded",
            "commit_recorded",
            "ref_updated",
            "identity_registered",
            "alias_resolved"
        ]
    );
    sb
}

/// Runs `audit verify` in both formats and checks the failure names `seq`; returns the table
/// run's stderr and the JSON problem.
fn verify_fails(sb: &Sandbox, seq: u64) -> (String, Value) {
    let run = sb.run(&["audit", "verify"]);
    run.assert_code(3);
    assert_eq!(run.stdout, "", "{run:?}");
    assert!(
        run.stderr
            .starts_with("devspm: LEDGER VERIFICATION FAILED in "),
        "{run:?}"
    );
    assert!(!run.stderr.contains("panicked"), "{run:?}");

    let json_run = sb.run(&["--format", "json", "audit", "verify"]);
    json_run.assert_code(3);
    let v = json_run.json();
    assert_eq!(v["ok"], json!(false), "{v:#}");
    assert_eq!(u(&v, "/report/problem/seq"), seq, "{v:#}");
    assert_eq!(v["database"], sb.db().display().to_string());
    (run.stderr, v["report"]["problem"].clone())
}

fn payload(sb: &Sandbox, seq: i64) -> String {
    sb.conn()
        .query_row("SELECT payload FROM events WHERE seq = ?1", [seq], |r| {
            r.get(0)
        })
        .unwrap()
}

#[test]
fn a_fresh_ledger_verifies() {
    let sb = small_ledger();
    let run = sb.run(&["audit", "verify"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .starts_with("ledger verified: 7 events chain correctly up to head 7 ("),
        "{run:?}"
    );
    assert!(
        run.stdout
            .contains("; 3 stored commit messages match their hashes"),
        "{run:?}"
    );
    let v = sb.run(&["--format", "json", "audit", "verify"]);
    v.assert_code(0);
    let v = v.json();
    assert_eq!(v["ok"], json!(true));
    assert_eq!(v["report"]["problem"], Value::Null);
    assert_eq!(u(&v, "/report/events"), 7);
    assert_eq!(u(&v, "/report/contents_checked"), 3);
    assert_eq!(u(&v, "/report/head/seq"), 7);
}

#[test]
fn an_empty_ledger_verifies() {
    let sb = Sandbox::new();
    // Verifying a file that does not exist is an error (a typo must not "verify"), and
    // creates nothing.
    sb.run(&["audit", "verify"])
        .assert_error(&["no ledger at", "x.db", "devspm scan"]);
    assert!(!sb.db().exists());
    // A ledger created empty verifies.
    sb.run(&["rebuild"]).assert_code(0);
    let run = sb.run(&["audit", "verify"]);
    run.assert_code(0);
    assert!(
        run.stdout.starts_with("ledger verified: 0 events"),
        "{run:?}"
    );
}

#[test]
fn an_altered_payload_is_detected() {
    let sb = small_ledger();
    let before = payload(&sb, 5);
    assert!(before.contains("refs/heads/main"), "{before}");
    let changed = sb
        .conn()
        .execute(
            "UPDATE events SET payload = replace(payload, 'refs/heads/main', 'refs/heads/evil') WHERE seq = 5",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    assert_ne!(payload(&sb, 5), before);
    let (stderr, problem) = verify_fails(&sb, 5);
    assert!(stderr.contains("event 5 was altered"), "{stderr}");
    assert!(stderr.contains("the 4 events before it verify"), "{stderr}");
    assert!(
        problem["problem"].as_str().unwrap().contains("altered"),
        "{problem}"
    );
    assert!(
        problem["key"].as_str().unwrap().starts_with("ref/"),
        "{problem}"
    );
}

#[test]
fn a_deleted_event_is_detected() {
    let sb = small_ledger();
    assert_eq!(
        sb.conn()
            .execute("DELETE FROM events WHERE seq = 4", [])
            .unwrap(),
        1
    );
    let (stderr, problem) = verify_fails(&sb, 4);
    assert!(stderr.contains("event 4 is missing"), "{stderr}");
    assert!(stderr.contains("jumps from event 3 to event 5"), "{stderr}");
    assert_eq!(problem["key"], Value::Null);
}

#[test]
fn reordered_events_are_detected() {
    let sb = small_ledger();
    let mut conn = sb.conn();
    let tx = conn.transaction().unwrap();
    tx.execute_batch(
        "CREATE TEMP TABLE swap AS SELECT seq, key, payload FROM events WHERE seq IN (3, 4);
         UPDATE events SET key = key || '.moving' WHERE seq IN (3, 4);
         UPDATE events SET key = (SELECT key FROM swap WHERE seq = 4),
                           payload = (SELECT payload FROM swap WHERE seq = 4) WHERE seq = 3;
         UPDATE events SET key = (SELECT key FROM swap WHERE seq = 3),
                           payload = (SELECT payload FROM swap WHERE seq = 3) WHERE seq = 4;",
    )
    .unwrap();
    tx.commit().unwrap();
    drop(conn);
    let (stderr, problem) = verify_fails(&sb, 3);
    assert!(stderr.contains("event 3 was altered"), "{stderr}");
    assert!(problem["key"].as_str().unwrap().starts_with("commit/"));
}

#[test]
fn a_deleted_last_event_is_detected() {
    let sb = small_ledger();
    assert_eq!(
        sb.conn()
            .execute("DELETE FROM events WHERE seq = 7", [])
            .unwrap(),
        1
    );
    let (stderr, problem) = verify_fails(&sb, 7);
    assert!(stderr.contains("missing"), "{stderr}");
    assert!(stderr.contains("events 7..=7 are missing"), "{stderr}");
    assert!(
        problem["problem"]
            .as_str()
            .unwrap()
            .contains("chain ends at event 6")
    );
}

#[test]
fn a_changed_head_record_is_detected() {
    let sb = small_ledger();
    // The head recorded at the last append no longer matches the chain's last event.
    let changed = sb
        .conn()
        .execute(
            "UPDATE ledger_meta SET value = '0000000000000000000000000000000000000000000000000000000000000000' WHERE name = 'head_hash'",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    let (stderr, _) = verify_fails(&sb, 7);
    assert!(
        stderr.contains("event 7 is not the event the ledger head recorded"),
        "{stderr}"
    );
}

#[test]
fn an_altered_commit_message_is_detected() {
    let sb = small_ledger();
    let address: String = sb
        .conn()
        .query_row("SELECT min(sha256) FROM contents", [], |r| r.get(0))
        .unwrap();
    let changed = sb
        .conn()
        .execute(
            "UPDATE contents SET bytes = CAST('nothing to see here' AS BLOB) WHERE sha256 = ?1",
            [&address],
        )
        .unwrap();
    assert_eq!(changed, 1);
    let (stderr, problem) = verify_fails(&sb, 0);
    assert!(
        stderr.contains(&format!(
            "stored content {address} (a commit message) was altered"
        )),
        "{stderr}"
    );
    assert_eq!(problem["key"], format!("content/{address}"));
}

#[test]
fn a_commit_message_erased_without_a_recorded_erasure_is_detected() {
    // Contents live outside the chain so they can be erased, but only by `identities forget`,
    // whose identity_forgotten event lists them (tests/privacy.rs): blanking or deleting one
    // behind the ledger's back is tampering.
    for tamper in [
        "UPDATE contents SET bytes = NULL WHERE sha256 = ?1",
        "DELETE FROM contents WHERE sha256 = ?1",
    ] {
        let sb = small_ledger();
        let address: String = sb
            .conn()
            .query_row("SELECT min(sha256) FROM contents", [], |r| r.get(0))
            .unwrap();
        assert_eq!(sb.conn().execute(tamper, [&address]).unwrap(), 1);
        let (stderr, problem) = verify_fails(&sb, 0);
        assert!(
            stderr.contains(&format!("stored content {address}"))
                && stderr.contains("no identity_forgotten event records its erasure"),
            "{stderr}"
        );
        assert_eq!(problem["key"], format!("content/{address}"));
    }
}

#[test]
fn rebuild_reproduces_the_projections() {
    let sb = Sandbox::new();
    let rich = rich_repo(&sb);
    // Add a force-push so the rewrite projections are exercised too.
    let first = sb.scan(&rich.repo.path);
    let keep = rich.repo.rev_parse("HEAD~2");
    rich.repo.git(&["reset", "-q", "--hard", &keep]);
    rich.repo
        .commit_file(ALICE, "z", "z\n", "after the rewrite");
    rich.repo.git(&["branch", "-q", "-D", "oct1"]);
    let before = sb.scan(&rich.repo.path);
    assert_eq!(u(&before, "/ingest/history_rewrites"), 1);
    assert_eq!(u(&before, "/ingest/refs_deleted"), 1);
    assert_ne!(summary(&first), summary(&before));
    let events = sb.event_count();

    let run = sb.run(&["rebuild"]);
    run.assert_code(0);
    assert!(
        run.stdout
            .starts_with(&format!("projections rebuilt from {events} events in ")),
        "{run:?}"
    );
    let after = sb.scan(&rich.repo.path);
    assert_eq!(u(&after, "/ingest/events_appended"), 0);
    assert_eq!(u(&after, "/identity_events_appended"), 0);
    assert_eq!(summary(&after), summary(&before));
    assert_eq!(sb.event_count(), events);

    // Projections emptied behind devspm's back are restored from the events alone.
    sb.conn()
        .execute_batch(
            "DELETE FROM commits; DELETE FROM commit_files; DELETE FROM aliases; DELETE FROM history_rewrites;",
        )
        .unwrap();
    let json_run = sb.run(&["--format", "json", "rebuild"]);
    json_run.assert_code(0);
    assert_eq!(u(&json_run.json(), "/events_replayed"), events as u64);
    let restored = sb.scan(&rich.repo.path);
    assert_eq!(u(&restored, "/ingest/events_appended"), 0);
    assert_eq!(u(&restored, "/identity_events_appended"), 0);
    assert_eq!(summary(&restored), summary(&before));
    sb.assert_verifies();
}

#[test]
fn rebuild_undoes_edits_to_projections() {
    let sb = small_ledger();
    let r = sb.path().join("small");
    let before = sb.scan(&r);
    sb.conn()
        .execute_batch("UPDATE commits SET lines_added = 1000, parent_count = 5;")
        .unwrap();
    let tampered = sb.scan(&r);
    assert_ne!(summary(&tampered), summary(&before));
    sb.run(&["--quiet", "rebuild"]).assert_code(0);
    let after = sb.scan(&r);
    assert_eq!(summary(&after), summary(&before));
}

#[test]
fn audit_log_filters_and_pages() {
    let sb = small_ledger();
    let run = sb.run(&["audit", "log", "--kind", "commit_recorded"]);
    run.assert_code(0);
    let seqs: Vec<u64> = run
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(seqs, [2, 3, 4]);
    let run = sb.run(&["audit", "log", "--after", "5", "--limit", "1"]);
    run.assert_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1);
    let e: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(u(&e, "/seq"), 6);
    assert_eq!(e["kind"], "identity_registered");
    // Each event's prev_hash is its predecessor's hash.
    let all = sb.run(&["audit", "log"]);
    let events: Vec<Value> = all
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 7);
    for pair in events.windows(2) {
        assert_eq!(pair[1]["prev_hash"], pair[0]["hash"]);
    }
    let bad = sb.run(&["audit", "log", "--kind", "no_such_kind"]);
    bad.assert_error(&["unknown event kind `no_such_kind`", "commit_recorded"]);
}

#[test]
fn every_event_deleted_is_detected() {
    let sb = small_ledger();
    sb.conn().execute_batch("DELETE FROM events;").unwrap();
    let (stderr, _) = verify_fails(&sb, 1);
    assert!(
        stderr.contains("every event is missing: the ledger head records 7 events"),
        "{stderr}"
    );
}

#[test]
fn a_deleted_first_event_is_detected() {
    let sb = small_ledger();
    sb.conn()
        .execute_batch("DELETE FROM events WHERE seq = 1;")
        .unwrap();
    let (stderr, _) = verify_fails(&sb, 1);
    assert!(stderr.contains("event 1 is missing"), "{stderr}");
}

/// A SARIF report of `rules` (id, level) on lines 1.. of `app.py`.
fn sarif(rules: &[(&str, &str)]) -> String {
    line_sarif(rules)
}

/// A repository with three lines of code and three findings on them, imported.
fn ledger_with_findings() -> (Sandbox, Repo) {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, "app.py", "a = 1\nb = 2\nc = 3\n", "code");
    sb.scan(&r.path);
    let report = sb.path().join("lint.sarif");
    std::fs::write(
        &report,
        sarif(&[("R1", "error"), ("R2", "error"), ("R3", "warning")]),
    )
    .unwrap();
    sb.devspm()
        .args(["import", "--repo"])
        .arg(&r.path)
        .arg(&report)
        .assert()
        .code(0);
    (sb, r)
}

#[test]
fn a_projection_edited_behind_the_ledger_fails_verification() {
    let (sb, _r) = ledger_with_findings();
    let gate = |sb: &Sandbox| Some(sb.run(&["findings", "--fail-on", "high"]).code);
    assert_eq!(gate(&sb), Some(4));
    sb.assert_verifies();

    // Whoever holds the file marks every finding fixed and harmless: the gate opens, and the
    // chain still verifies — but the projections no longer match the events.
    sb.conn()
        .execute(
            "UPDATE findings SET status = 'fixed', severity = 'info'",
            [],
        )
        .unwrap();
    assert_eq!(gate(&sb), Some(0));
    let run = sb.run(&["audit", "verify"]);
    run.assert_code(3);
    assert!(
        run.stderr.contains("LEDGER VERIFICATION FAILED")
            && run
                .stderr
                .contains("projection findings does not match the events: row finding_id=")
            && run
                .stderr
                .contains("severity is 'info' in the database but '")
            && run
                .stderr
                .contains("status is 'fixed' in the database but 'open' from the events"),
        "{run:?}"
    );
    let json = sb.run(&["--format", "json", "audit", "verify"]);
    json.assert_code(3);
    assert_eq!(json.json()["projections"]["problem"]["table"], "findings");
    // --quick checks only the chain, which is intact.
    sb.run(&["audit", "verify", "--quick"]).assert_code(0);

    // A row added or deleted behind the ledger's back is named too.
    sb.run(&["rebuild"]).assert_code(0);
    assert_eq!(gate(&sb), Some(4));
    sb.assert_verifies();
    sb.conn()
        .execute(
            "INSERT INTO identities (identity_id, kind, slug, team, revision, seq) VALUES ('dev_forged', 'developer', NULL, NULL, 1, 1)",
            [],
        )
        .unwrap();
    let run = sb.run(&["audit", "verify"]);
    run.assert_code(3);
    assert!(
        run.stderr.contains(
            "projection identities does not match the events: row identity_id='dev_forged' is in the database but no event made it"
        ),
        "{run:?}"
    );
    sb.run(&["rebuild"]).assert_code(0);
    sb.conn().execute("DELETE FROM commit_files", []).unwrap();
    let run = sb.run(&["audit", "verify"]);
    run.assert_code(3);
    assert!(
        run.stderr
            .contains("projection commit_files does not match the events: row repo_id=")
            && run
                .stderr
                .contains("is missing from the database although the events make it"),
        "{run:?}"
    );
    sb.run(&["rebuild"]).assert_code(0);
    sb.assert_verifies();
}

/// Runs `devspm --db DB audit verify` as an unprivileged user when the tests run as root
/// (root ignores file permissions, which would hide a write attempt).
fn verify_as_reader(sb: &Sandbox, db: &std::path::Path) -> Run {
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let mut cmd = sb.devspm_without_db();
    if is_root {
        let mut std = std::process::Command::new("setpriv");
        std.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(devspm_bin())
            .env_remove("DEVSPM_DB")
            .env("HOME", "/nonexistent")
            .current_dir("/");
        cmd = assert_cmd::Command::from_std(std);
    }
    Run::from(
        cmd.arg("--db")
            .arg(db)
            .args(["audit", "verify"])
            .output()
            .unwrap(),
    )
}

#[test]
fn a_read_only_copy_verifies_without_being_written() {
    let (sb, _r) = ledger_with_findings();
    // The auditor's copy: a read-only file in a read-only folder.
    let folder = sb.path().join("copy");
    std::fs::create_dir(&folder).unwrap();
    let copy = folder.join("ledger.db");
    std::fs::copy(sb.db(), &copy).unwrap();
    let bytes = std::fs::read(&copy).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
    std::fs::set_permissions(sb.path(), std::fs::Permissions::from_mode(0o755)).unwrap();

    let run = verify_as_reader(&sb, &copy);
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    run.assert_code(0);
    assert!(
        run.stdout.starts_with("ledger verified: ")
            && run.stdout.contains("projections match the events"),
        "{run:?}"
    );
    // Nothing was written: the same bytes, and no new file beside it.
    assert_eq!(std::fs::read(&copy).unwrap(), bytes);
    let names: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["ledger.db"]);
}

/// Past the file-size limit (`ulimit -f`), a write fails: one sentence saying so (the process
/// is not killed by SIGXFSZ without a word), and everything committed before verifies.
#[test]
fn the_file_size_limit_is_one_clear_error_and_loses_nothing() {
    let sb = Sandbox::new();
    let r = sb.repo("big");
    r.fast_import(400, 30);
    let out = std::process::Command::new("sh")
        .args(["-c", "ulimit -f 100; exec \"$0\" \"$@\""])
        .arg(devspm_bin())
        .arg("--db")
        .arg(sb.db())
        .args(["scan", "--batch-size", "50"])
        .arg(&r.path)
        .env("HOME", sb.home())
        .env_remove("DEVSPM_DB")
        .env_remove("DEVSPM_CONFIG")
        .output()
        .unwrap();
    let run = Run::from(out);
    run.assert_error(&[
        "the file could not be written",
        "file-size limit of `ulimit -f`",
        "everything recorded before it is intact",
    ]);
    sb.assert_verifies();
    // Without the limit the scan completes, each commit once.
    let v = sb.scan(&r.path);
    assert_eq!(u(summary(&v), "/commits"), 400);
    sb.assert_verifies();
}
