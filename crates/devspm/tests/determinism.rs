//! The same input gives the same record: ingesting one repository with 1, 2 or 8 reader
//! threads, in big or tiny batches, or killed midway and resumed, must leave identical
//! projections. Compared as canonical table contents (every row of every projection, with
//! database-specific ids replaced by what they stand for and sequence numbers left out), not
//! as counts.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;

/// Seconds since the epoch of the first generated commit.
const EPOCH: i64 = 1_700_000_000;

/// The AI markers of the generated history, each exact evidence the detector knows: an
/// agent's e-mail as co-author (several display names: each is an alias of its own), an
/// agent as author, the ` (aider)` committer suffix.
fn marker(i: usize, dev: usize) -> (Option<String>, Option<String>, String) {
    // (author override, committer override, trailer block)
    match i % 7 {
        0 => (
            None,
            None,
            format!("Co-authored-by: Claude {} <noreply@anthropic.com>\n", i % 5),
        ),
        1 => (
            None,
            None,
            format!(
                "Co-authored-by: Cursor Agent {} <cursoragent@cursor.com>\n",
                i % 3
            ),
        ),
        2 => (
            Some(
                "devin-ai-integration[bot] <158243242+devin-ai-integration[bot]@users.noreply.github.com>"
                    .to_owned(),
            ),
            None,
            String::new(),
        ),
        3 => (
            None,
            Some(format!("Dev {dev:04} (aider) <dev{dev:04}@example.org>")),
            String::new(),
        ),
        4 => (
            None,
            None,
            "Co-authored-by: aider <aider@aider.chat>\n".to_owned(),
        ),
        _ => (
            None,
            None,
            format!("Co-authored-by: Copilot {} <copilot@github.com>\n", i % 4),
        ),
    }
}

/// A history of `commits` commits by `devs` developers where every `every`-th commit carries
/// an AI marker; people first appear all over the history, so the readers meet them in any
/// order. Returns the number of commits with a marker.
fn ai_history(repo: &Repo, commits: usize, devs: usize, every: usize) -> u64 {
    let mut stream = Vec::new();
    let mut marked = 0;
    for i in 1..=commits {
        // Developers first appear spread over the history, not in order.
        let dev = (i * 7919) % devs;
        let when = EPOCH + i as i64 * 60;
        let me = format!("Dev {dev:04} <dev{dev:04}@example.org>");
        let (author, committer, trailers) = if i % every == 0 {
            marked += 1;
            marker(i / every, dev)
        } else {
            (None, None, String::new())
        };
        let author = author.unwrap_or_else(|| me.clone());
        let committer = committer.unwrap_or(me);
        let message = if trailers.is_empty() {
            format!("change {i}\n")
        } else {
            format!("change {i}\n\nDetails of change {i}.\n\n{trailers}")
        };
        let content: String = (0..10)
            .map(|l| format!("line {l} {}\n", if l == i % 10 { i } else { 0 }))
            .collect();
        write!(
            stream,
            "commit refs/heads/main\nauthor {author} {when} +0000\ncommitter {committer} {when} +0000\n\
             data {}\n{message}M 100644 inline src/f{:02}.txt\ndata {}\n{content}\n",
            message.len(),
            i % 40,
            content.len()
        )
        .unwrap();
    }
    let out = repo.git_output(&["fast-import", "--quiet"], None, Some(&stream));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    repo.git(&["reset", "-q", "--hard", "main"]);
    marked
}

/// Every projection table, canonical: alias ids become the name and e-mail they stand for,
/// identity ids the sorted aliases resolved to them (or the agent/bot slug), sequence numbers
/// are left out (they depend on the order events were appended, which is not part of the
/// record's meaning). Rows sorted.
fn canonical_projections(db: &Path) -> BTreeMap<String, Vec<String>> {
    let store = devspm_ledger_sqlite::SqliteStore::open(db).expect("open the ledger");
    let conn = store.connection();
    let mut alias_names: BTreeMap<String, String> = BTreeMap::new();
    let mut stmt = conn.prepare("SELECT alias_id FROM alias_pii").unwrap();
    let ids: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for id in ids {
        let (name, email) = store.alias_personal_data(&id).unwrap().unwrap_or_default();
        alias_names.insert(
            id,
            format!(
                "{} <{}>",
                String::from_utf8_lossy(&name),
                String::from_utf8_lossy(&email)
            ),
        );
    }
    let mut identity_names: BTreeMap<String, String> = BTreeMap::new();
    let mut stmt = conn
        .prepare("SELECT identity_id, kind, slug FROM identities")
        .unwrap();
    let rows: Vec<(String, String, Option<String>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (id, kind, slug) in rows {
        let name = match slug {
            Some(slug) => format!("{kind}:{slug}"),
            None => {
                let mut stmt = conn
                    .prepare("SELECT alias_id FROM aliases WHERE identity_id = ?1")
                    .unwrap();
                let mut members: Vec<String> = stmt
                    .query_map([&id], |r| r.get::<_, String>(0))
                    .unwrap()
                    .map(|a| {
                        let a = a.unwrap();
                        alias_names.get(&a).cloned().unwrap_or(a)
                    })
                    .collect();
                members.sort();
                format!("{kind}:[{}]", members.join("|"))
            }
        };
        identity_names.insert(id, name);
    }
    let canonical = |text: String| -> String {
        if let Some(name) = alias_names.get(&text) {
            return format!("alias({name})");
        }
        if let Some(name) = identity_names.get(&text) {
            return format!("identity({name})");
        }
        text
    };
    let mut tables = BTreeMap::new();
    for table in devspm_ledger_sqlite::PROJECTION_TABLES {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let names: Vec<String> = stmt.column_names().map(|c| c.to_string()).collect();
        let mut rows: Vec<String> = stmt
            .query_map([], |row| {
                let mut cells = Vec::new();
                for (i, name) in names.iter().enumerate() {
                    let value: rusqlite::types::Value = row.get(i)?;
                    let is_seq = name == "seq" || name.ends_with("_seq");
                    // Which revision of an identity this is depends on how often resolution
                    // ran, not on what was recorded.
                    if name == "revision" && (table == "identities" || table == "aliases") {
                        continue;
                    }
                    let cell = match value {
                        _ if is_seq => match value {
                            rusqlite::types::Value::Null => format!("{name}=null"),
                            _ => format!("{name}=set"),
                        },
                        rusqlite::types::Value::Text(t) => format!("{name}={}", canonical(t)),
                        other => format!("{name}={other:?}"),
                    };
                    cells.push(cell);
                }
                Ok(cells.join(" "))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.sort();
        tables.insert(table.to_owned(), rows);
    }
    tables
}

/// Asserts two canonical projections are equal, naming the first table and row that differ.
fn assert_same_record(
    what: &str,
    expected: &BTreeMap<String, Vec<String>>,
    got: &BTreeMap<String, Vec<String>>,
) {
    for (table, rows) in expected {
        let other = &got[table];
        if rows != other {
            let missing: Vec<&String> = rows.iter().filter(|r| !other.contains(r)).collect();
            let extra: Vec<&String> = other.iter().filter(|r| !rows.contains(r)).collect();
            panic!(
                "{what}: projection `{table}` differs ({} rows vs {}).\n  missing: {:?}\n  extra: {:?}",
                rows.len(),
                other.len(),
                missing.iter().take(3).collect::<Vec<_>>(),
                extra.iter().take(3).collect::<Vec<_>>()
            );
        }
    }
}

fn ingest(sb: &Sandbox, db: &Path, repo: &Path, extra: &[&str]) {
    let out = sb
        .devspm_without_db()
        .arg("--db")
        .arg(db)
        .args(["--quiet", "scan", "--no-detectors"])
        .args(extra)
        .arg(repo)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "scan {extra:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn thread_count_and_batch_size_do_not_change_the_record() {
    let sb = Sandbox::new();
    let r = sb.repo("ai");
    let marked = ai_history(&r, 3000, 300, 3);

    let runs: [(&str, &[&str]); 4] = [
        ("1 thread", &["--threads", "1"]),
        ("2 threads", &["--threads", "2"]),
        ("8 threads", &["--threads", "8"]),
        (
            "8 threads, batches of 7",
            &["--threads", "8", "--batch-size", "7"],
        ),
    ];
    let mut first: Option<BTreeMap<String, Vec<String>>> = None;
    for (i, (what, flags)) in runs.iter().enumerate() {
        let db = sb.path().join(format!("run{i}.db"));
        ingest(&sb, &db, &r.path, flags);
        let record = canonical_projections(&db);
        // Every marked commit is found, whatever the run.
        let involved: std::collections::BTreeSet<&str> = record["ai_involvements"]
            .iter()
            .map(|row| row.split(' ').nth(1).unwrap())
            .collect();
        assert_eq!(involved.len() as u64, marked, "{what}: AI-involved commits");
        match &first {
            None => first = Some(record),
            Some(expected) => assert_same_record(what, expected, &record),
        }
    }
}

/// Kills an ingest at many points (after the first batch lands, then a little later each
/// time), resumes it, and compares the record with an uninterrupted run's.
#[test]
fn an_ingest_killed_anywhere_and_resumed_gives_the_same_record() {
    let sb = Sandbox::new();
    let r = sb.repo("ai");
    ai_history(&r, 2000, 200, 3);
    // Every run uses the sandbox's ledger, removed after it has been compared.
    let db = sb.db();
    let remove_db = || {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
        }
    };
    ingest(&sb, &db, &r.path, &["--batch-size", "50"]);
    let expected = canonical_projections(&db);
    remove_db();

    let mut killed = 0;
    for attempt in 0..6u64 {
        let mut child = sb
            .devspm_process()
            .args(["--quiet", "scan", "--no-detectors", "--batch-size", "50"])
            .arg(&r.path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Wait until `attempt * 2 + 1` batches are recorded, then kill.
        let target = attempt as i64 * 2 + 1;
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut finished = false;
        loop {
            if child.try_wait().unwrap().is_some() {
                finished = true;
                break;
            }
            let batches = rusqlite::Connection::open_with_flags(
                &db,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .ok()
            .and_then(|c| {
                c.busy_timeout(Duration::from_millis(20)).ok()?;
                c.query_row(
                    "SELECT count(*) FROM events WHERE kind = 'commit_recorded'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .ok()
            })
            .unwrap_or(0)
                / 50;
            if batches >= target || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        if !finished {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        // Resume to completion (twice: the second run must add nothing).
        ingest(&sb, &db, &r.path, &["--batch-size", "50"]);
        ingest(&sb, &db, &r.path, &["--batch-size", "50"]);
        assert_same_record(
            &format!("killed after {target} batches"),
            &expected,
            &canonical_projections(&db),
        );
        remove_db();
    }
    assert!(killed > 0, "no run was killed before it finished");
}

/// Starts `devspm ARGS…` on the sandbox's ledger without waiting for it.
fn spawn(sb: &Sandbox, args: &[&str], path: &Path) -> std::process::Child {
    sb.devspm_process()
        .args(args)
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn finish(child: std::process::Child) -> Run {
    Run::from(child.wait_with_output().unwrap())
}

#[test]
fn two_scans_at_once_record_each_person_and_each_ref_move_once() {
    let sb = Sandbox::new();
    let r = sb.repo("ai");
    ai_history(&r, 3000, 300, 3);
    // The record of one scan alone.
    let alone = sb.path().join("alone.db");
    ingest(&sb, &alone, &r.path, &[]);
    let expected = canonical_projections(&alone);

    let args = ["scan", "--no-detectors"];
    let first = spawn(&sb, &args, &r.path);
    let second = spawn(&sb, &args, &r.path);
    let (first, second) = (finish(first), finish(second));
    first.assert_code(0);
    second.assert_code(0);
    // The second writer waited for the first, and said so.
    let waited = [&first, &second]
        .iter()
        .filter(|run| {
            run.stderr
                .contains("devspm: waiting for another devspm process (process ")
        })
        .count();
    assert_eq!(waited, 1, "{first:?}\n{second:?}");
    assert_same_record(
        "two scans at once",
        &expected,
        &canonical_projections(&sb.db()),
    );
    assert_eq!(
        sb.query_i64("SELECT count(*) FROM events WHERE kind = 'ref_updated'"),
        1
    );
    assert_eq!(
        sb.query_i64(
            "SELECT count(*) FROM (SELECT key FROM events GROUP BY key HAVING count(*) > 1)"
        ),
        0
    );
    sb.assert_verifies();
}

#[test]
fn two_identical_imports_at_once_find_each_finding_new_once() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    let lines: String = (1..=400).map(|i| format!("x{i} = {i}\n")).collect();
    r.commit_file(ALICE, "app.py", &lines, "code");
    sb.scan(&r.path);
    let results: Vec<serde_json::Value> = (1..=400)
        .map(|i| {
            serde_json::json!({
                "ruleId": format!("R{}", i % 7), "level": "warning",
                "message": { "text": format!("problem {i}") },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": "app.py" }, "region": { "startLine": i }
                }}]
            })
        })
        .collect();
    let report = sb.path().join("lint.sarif");
    std::fs::write(
        &report,
        serde_json::json!({
            "version": "2.1.0",
            "runs": [{ "tool": { "driver": { "name": "lint" } }, "results": results }]
        })
        .to_string(),
    )
    .unwrap();
    let repo = r.path.to_string_lossy().into_owned();
    let args = ["--format", "json", "import", "--repo", repo.as_str()];
    let first = spawn(&sb, &args, &report);
    let second = spawn(&sb, &args, &report);
    let (first, second) = (finish(first), finish(second));
    first.assert_code(0);
    second.assert_code(0);
    let new = |run: &Run| u(&run.json(), "/runs/0/new");
    let mut counts = [new(&first), new(&second)];
    counts.sort();
    assert_eq!(counts, [0, 400], "{first:?}\n{second:?}");
    assert_eq!(sb.query_i64("SELECT count(*) FROM findings"), 400);
    assert_eq!(
        sb.query_i64("SELECT count(*) FROM events WHERE kind = 'finding_recorded'"),
        400
    );
    sb.assert_verifies();
}

/// `audit verify` run again and again while other processes append (a scan after every
/// commit, as the post-commit hook does): every run verifies — it reads one snapshot, and an
/// append in progress is not tampering.
#[test]
fn verification_while_another_process_appends_never_reports_tampering() {
    let sb = Sandbox::new();
    let r = sb.repo("busy");
    r.fast_import(200, 5);
    sb.scan(&r.path);
    let done = std::sync::atomic::AtomicBool::new(false);
    let (verified, runs) = std::thread::scope(|scope| {
        let (sb, done) = (&sb, &done);
        let writer = scope.spawn(move || {
            // Set when the writer ends, however it ends: a failed scan must stop the reader's
            // loop so that the failure is reported instead of the test hanging.
            struct Done<'a>(&'a std::sync::atomic::AtomicBool);
            impl Drop for Done<'_> {
                fn drop(&mut self) {
                    self.0.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            }
            let _done = Done(done);
            for i in 0..40 {
                r.commit_file(ALICE, &format!("f{}.txt", i % 7), &format!("{i}\n"), "more");
                sb.run(&[
                    "--quiet",
                    "scan",
                    "--no-detectors",
                    r.path.to_str().unwrap(),
                ])
                .assert_code(0);
            }
        });
        let mut verified = 0;
        let mut runs = 0;
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            // Mostly the chain alone, every other run the projections too.
            let args: &[&str] = if runs % 2 == 1 {
                &["audit", "verify"]
            } else {
                &["audit", "verify", "--quick"]
            };
            let run = sb.run(args);
            runs += 1;
            assert_eq!(
                run.code, 0,
                "verification failed while another process appended: {run:?}"
            );
            verified += 1;
        }
        writer.join().unwrap();
        (verified, runs)
    });
    assert!(verified >= 5 && verified == runs, "{verified} of {runs}");
    sb.assert_verifies();
}

/// An identity known under two aliases with as many commits each is named the same in every
/// ledger of the same history: by the name and e-mail that sort first, never by the alias ids,
/// which are keyed per ledger (so SQLite and its PostgreSQL copy, or two laptops, named one
/// developer or agent differently). Checked in five new ledgers, by the scan summary, the
/// identities list and `identities show`.
#[test]
fn a_tie_between_two_aliases_names_the_identity_the_same_in_every_ledger() {
    let sb = Sandbox::new();
    let repo = sb.repo("app");
    // One e-mail, two display names, one commit each: one identity, two aliases.
    repo.commit_file(("Zed Marsh", "zed@example.com"), "a.txt", "a\n", "one");
    repo.commit_file(("Zed M.", "zed@example.com"), "b.txt", "b\n", "two");
    for i in 0..5 {
        let db = sb.path().join(format!("ledger-{i}.db"));
        let run = |args: &[&str]| -> serde_json::Value {
            let out = sb
                .devspm_without_db()
                .arg("--db")
                .arg(&db)
                .arg("--format")
                .arg("json")
                .args(args)
                .output()
                .unwrap();
            assert!(out.status.success(), "{args:?}: {out:?}");
            serde_json::from_slice(&out.stdout).unwrap()
        };
        let scan = run(&["scan", "--no-detectors", repo.path.to_str().unwrap()]);
        let top = &scan["summary"]["top_contributors"][0];
        assert_eq!(top["commits"], 2, "{scan}");
        // "Zed M." sorts before "Zed Marsh".
        assert_eq!(top["name"], "Zed M.", "ledger {i}: {top}");
        let list = run(&["identities"]);
        let row = list
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["email"] == "zed@example.com")
            .unwrap_or_else(|| panic!("{list}"));
        assert_eq!(row["name"], "Zed M.", "ledger {i}: {row}");
        let show = run(&["identities", "show", "zed@example.com"]);
        let names: Vec<&str> = show[0]["alias_evidence"]
            .as_array()
            .unwrap_or_else(|| panic!("{show}"))
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Zed M.", "Zed Marsh"], "ledger {i}");
    }
}
