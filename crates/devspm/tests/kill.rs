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
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut finished = false;
    loop {
        if child.try_wait().unwrap().is_some() {
            finished = true;
            break;
        }
        if events_so_far(&sb.db()).is_some_and(|n| n > 0) || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
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
