//! `kill -9` in the middle of an ingest: the ledger keeps only whole batches, still verifies,
//! and the next run records exactly what is missing, each commit once.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;

/// Events in the ledger, read-only; `None` while the file or its schema does not exist yet.
fn events_so_far(db: &std::path::Path) -> Option<i64> {
    let conn = rusqlite::Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .ok()?;
    conn.busy_timeout(Duration::from_millis(50)).ok()?;
    conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .ok()
}

/// Waits until the child has committed its first batch (or a minute passed); `true` when the
/// child already finished.
fn wait_for_first_batch(child: &mut std::process::Child, db: &std::path::Path) -> bool {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().unwrap().is_some() {
            return true;
        }
        if events_so_far(db).is_some_and(|n| n > 0) || Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn an_ingest_killed_midway_resumes_without_duplicates() {
    const COMMITS: u64 = 5000;
    let sb = Sandbox::new();
    let r = sb.repo("big");
    r.fast_import(COMMITS as usize, 37);
    assert_eq!(r.rev_list_count(), COMMITS);

    let mut child = sb
        .devspm_process()
        .args(["--quiet", "ingest", "git", "--threads", "1"])
        .arg(&r.path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill as soon as the first batch is committed (or after a while, whatever happened).
    let finished = wait_for_first_batch(&mut child, &sb.db());
    if !finished {
        child.kill().unwrap();
    }
    let status = child.wait().unwrap();
    let recorded = sb.query_i64("SELECT count(*) FROM commits") as u64;
    eprintln!(
        "devspm {} with {recorded} of {COMMITS} commits recorded",
        if finished {
            "finished before the kill"
        } else {
            "was killed"
        }
    );
    if !finished {
        assert!(!status.success(), "SIGKILL ends the process: {status:?}");
    }
    // Whatever was committed is whole: a commit's event and its projection row go together,
    // and the chain verifies.
    assert_eq!(
        sb.query_i64("SELECT count(*) FROM events WHERE kind = 'commit_recorded'") as u64,
        recorded
    );
    assert!(recorded <= COMMITS);
    sb.assert_verifies();

    // Run again to completion.
    let run = Run::from(
        sb.devspm()
            .args(["--format", "json", "ingest", "git", "--threads", "1"])
            .arg(&r.path)
            .output()
            .unwrap(),
    );
    run.assert_code(0);
    let v = run.json();
    assert_eq!(u(&v, "/repositories/0/new_commits"), COMMITS - recorded);

    let out = sb.scan(&r.path);
    assert_eq!(u(&out, "/ingest/events_appended"), 0);
    assert_eq!(u(summary(&out), "/commits"), COMMITS);
    assert_eq!(u(summary(&out), "/developers"), 37);
    assert_eq!(sb.query_i64("SELECT count(*) FROM commits") as u64, COMMITS);
    // Each commit recorded exactly once; each key once.
    assert_eq!(
        sb.query_i64("SELECT count(*) FROM events WHERE kind = 'commit_recorded'") as u64,
        COMMITS
    );
    assert_eq!(
        sb.query_i64(
            "SELECT count(*) FROM (SELECT subject FROM events WHERE kind = 'commit_recorded' GROUP BY subject HAVING count(*) > 1)"
        ),
        0
    );
    assert_eq!(
        sb.query_i64(
            "SELECT count(*) FROM (SELECT key FROM events GROUP BY key HAVING count(*) > 1)"
        ),
        0
    );
    assert_eq!(
        sb.query_i64("SELECT count(*) FROM events WHERE kind = 'repository_registered'"),
        1
    );
    assert_eq!(
        sb.query_i64("SELECT count(*) FROM events WHERE kind = 'ref_updated'"),
        1
    );
    assert_eq!(sb.query_i64("SELECT count(*) FROM alias_pii"), 37);
    sb.assert_verifies();
}

/// Ctrl-C (SIGINT) in the middle of a scan: devspm stops at its next batch with exit status 130
/// and says what happened; what it committed verifies, and the next scan records the rest —
/// the same record as a scan that was never interrupted.
#[test]
fn ctrl_c_stops_a_scan_cleanly_and_the_next_run_finishes_it() {
    const COMMITS: u64 = 20_000;
    let sb = Sandbox::new();
    let r = sb.repo("big");
    r.fast_import(COMMITS as usize, 23);

    let mut child = sb
        .devspm_process()
        .args(["--format", "json", "scan"])
        .arg(&r.path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let finished = wait_for_first_batch(&mut child, &sb.db());
    if !finished {
        let kill = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let recorded = sb.query_i64("SELECT count(*) FROM commits") as u64;
    if finished {
        eprintln!("the scan finished before SIGINT could be sent; only the rerun is checked");
    } else {
        assert_eq!(out.status.code(), Some(130), "stderr: {stderr}");
        assert!(
            stderr.contains("interrupted") && stderr.contains("next run goes on"),
            "stderr: {stderr}"
        );
        assert!(out.stdout.is_empty(), "no report for an interrupted run");
        assert!(recorded < COMMITS, "SIGINT came after the last batch");
        eprintln!("interrupted with {recorded} of {COMMITS} commits recorded");
    }
    sb.assert_verifies();

    let resumed = sb.scan(&r.path);
    assert_eq!(u(summary(&resumed), "/commits"), COMMITS);

    // The same record as an uninterrupted scan: compare what the views say, not counts.
    // Identity ids are keyed per ledger, so two ledgers name the same person differently.
    let whole = Sandbox::new();
    let reference = whole.scan(&r.path);
    let contributors = |scan: &serde_json::Value| {
        let mut view = without_identity_ids(summary(scan).clone());
        if let Some(top) = view["top_contributors"].as_array_mut() {
            top.sort_by_key(|row| row["email"].to_string());
        }
        view
    };
    assert_eq!(contributors(&resumed), contributors(&reference));
    // Ties in commit count are ordered by id, so the rows are compared by e-mail.
    let identities = |sb: &Sandbox| {
        let listed = Run::from(
            sb.devspm()
                .args(["--format", "json", "identities"])
                .output()
                .unwrap(),
        )
        .json();
        let mut rows = without_identity_ids(listed)
            .as_array()
            .cloned()
            .unwrap_or_default();
        rows.sort_by_key(|row| row["email"].to_string());
        rows
    };
    assert_eq!(identities(&sb), identities(&whole));
    sb.assert_verifies();
}

/// The value with every `identity` member removed (ids are keyed per ledger).
fn without_identity_ids(mut value: serde_json::Value) -> serde_json::Value {
    match &mut value {
        serde_json::Value::Object(map) => {
            map.remove("identity");
            for member in map.values_mut() {
                *member = without_identity_ids(member.take());
            }
        }
        serde_json::Value::Array(items) => {
            for item in items.iter_mut() {
                *item = without_identity_ids(item.take());
            }
        }
        _ => {}
    }
    value
}
