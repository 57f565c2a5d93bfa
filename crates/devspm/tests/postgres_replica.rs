//! Every command on a PostgreSQL ledger, end to end with the real binary and the PostgreSQL
//! server of `$DEVSPM_TEST_POSTGRES_URL` (default: the local one). PostgreSQL is the system of
//! record and each host keeps an SQLite replica under `$DEVSPM_CACHE_DIR`; a "host" here is a
//! cache folder of its own. The same scan gives the same answers as on SQLite; two hosts
//! scanning at once both finish with one chain; a replica that does not match PostgreSQL, or
//! that was deleted, is rebuilt; findings, personal data and its erasure reach other hosts; a
//! lost or refused connection records nothing half-way. Each test works in its own database,
//! dropped afterwards.

mod common;

use std::path::{Path, PathBuf};

use common::pg::Database;
use common::{ALICE, BOB, CAROL, Repo, Run, Sandbox, line_sarif};
use serde_json::Value;

/// A host: a cache folder of its own for its replicas.
struct Host {
    cache: PathBuf,
}

impl Host {
    fn new(sandbox: &Sandbox, name: &str) -> Host {
        Host {
            cache: sandbox.path().join(name),
        }
    }

    fn command(&self, sandbox: &Sandbox, db: &str, args: &[&str]) -> std::process::Command {
        let mut cmd = sandbox.devspm_process_without_db();
        cmd.env("DEVSPM_CACHE_DIR", &self.cache)
            .arg("--db")
            .arg(db)
            .args(args);
        cmd
    }

    /// `devspm --db <db> ARGS` on this host.
    fn run(&self, sandbox: &Sandbox, db: &str, args: &[&str]) -> Run {
        Run::from(self.command(sandbox, db, args).output().unwrap())
    }

    /// `--format json ARGS`, which must succeed.
    fn json(&self, sandbox: &Sandbox, db: &str, args: &[&str]) -> Value {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let run = self.run(sandbox, db, &all);
        run.assert_code(0);
        run.json()
    }

    /// This host's replicas.
    fn replicas(&self) -> Vec<PathBuf> {
        let Ok(dir) = std::fs::read_dir(self.cache.join("replicas")) else {
            return Vec::new();
        };
        let mut out: Vec<PathBuf> = dir
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "db"))
            .collect();
        out.sort();
        out
    }

    fn replica(&self) -> PathBuf {
        let all = self.replicas();
        assert_eq!(all.len(), 1, "{all:?}");
        all.into_iter().next().unwrap()
    }
}

trait SandboxExt {
    fn devspm_process_without_db(&self) -> std::process::Command;
}

impl SandboxExt for Sandbox {
    fn devspm_process_without_db(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(common::devspm_bin());
        common::isolate(&mut cmd, &self.home());
        cmd.current_dir(self.path());
        cmd
    }
}

/// A repository with several people, a leaked token, a workflow and a mailmap.
fn team_repo(sandbox: &Sandbox) -> Repo {
    let r = sandbox.repo("team");
    r.commit_file(ALICE, "README.md", "hello\n", "Initial commit");
    r.commit_file(BOB, "src/lib.rs", "pub fn a() {}\n", "Add lib");
    r.commit_file(
        CAROL,
        "deploy.env",
        &format!("TOKEN=ghp_{}\n", "x7Kq9Lm2Np4Rs6Tv8Wy0Za1Bc3De5Fg7Hj9K"),
        "Deploy settings",
    );
    r.commit_file(
        ALICE,
        ".github/workflows/ci.yml",
        "on: pull_request_target\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: make\n",
        "Add CI",
    );
    r.commit_file(
        BOB,
        "src/lib.rs",
        "pub fn a() {}\npub fn b() {}\n",
        "Add b\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
    );
    r.commit_file(CAROL, "docs/notes.md", "notes\n", "Notes by Carol Diaz");
    r
}

/// Keys whose values differ between two ledgers by nature (times, durations, where the ledger
/// is; finding ids, which for secrets are keyed with each ledger's own random key), removed
/// before comparing.
fn volatile(key: &str) -> bool {
    matches!(
        key,
        "database"
            | "location"
            | "ledger"
            | "at"
            | "recorded_at"
            | "generated_at"
            | "elapsed"
            | "duration"
            | "seconds"
            | "finding"
    ) || key.ends_with("_ms")
        || key.ends_with("_secs")
        || key.ends_with("_seconds")
        || key.ends_with("_at")
}

/// `value` without volatile keys, with each ledger's random identity and alias ids (`dev_`
/// or `a_` + 20 hex digits) blanked, and arrays sorted (views list identities in the order of their ids).
fn stable(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !volatile(k))
                .map(|(k, v)| (k.clone(), stable(v)))
                .collect(),
        ),
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(stable).collect();
            items.sort_by_key(|v| v.to_string());
            Value::Array(items)
        }
        // A time the ledger recorded (`2026-01-02T03:04:05.678Z`): when it was run.
        Value::String(text)
            if text.len() == 24 && text.as_bytes()[10] == b'T' && text.ends_with('Z') =>
        {
            Value::String("<recorded>".into())
        }
        Value::String(text) => Value::String(blank_ids(text)),
        other => other.clone(),
    }
}

fn blank_ids(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let prefix = ["dev_", "a_"]
            .into_iter()
            .find(|p| starts_word && text[i..].starts_with(p));
        if let Some(prefix) = prefix {
            let hex = bytes[i + prefix.len()..]
                .iter()
                .take_while(|b| b.is_ascii_hexdigit())
                .count();
            if hex == 20 {
                out.push_str(prefix);
                out.push('#');
                i += prefix.len() + 20;
                continue;
            }
        }
        let ch = text[i..].chars().next().unwrap();
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Asserts that two answers are the same once [`stable`], naming the first difference.
fn assert_same(left: &Value, right: &Value, what: &str) {
    let (left, right) = (stable(left), stable(right));
    if left != right {
        panic!(
            "{what} differs: {}",
            first_difference(&left, &right, "").unwrap_or_default()
        );
    }
}

fn first_difference(left: &Value, right: &Value, at: &str) -> Option<String> {
    match (left, right) {
        (Value::Object(l), Value::Object(r)) => l.keys().chain(r.keys()).find_map(|k| {
            first_difference(
                &l.get(k).cloned().unwrap_or(Value::Null),
                &r.get(k).cloned().unwrap_or(Value::Null),
                &format!("{at}/{k}"),
            )
        }),
        (Value::Array(l), Value::Array(r)) if l.len() == r.len() => l
            .iter()
            .zip(r)
            .enumerate()
            .find_map(|(i, (a, b))| first_difference(a, b, &format!("{at}/{i}"))),
        (l, r) if l != r => Some(format!("at {at}: {l} vs {r}")),
        _ => None,
    }
}

/// The views compared between the backends.
const VIEWS: [&[&str]; 6] = [
    &["identities"],
    &["findings"],
    &["ai"],
    &["signals"],
    &["posture"],
    &["tools", "list"],
];

fn sqlite_json(sandbox: &Sandbox, args: &[&str]) -> Value {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let run = sandbox.run(&all);
    run.assert_code(0);
    run.json()
}

#[test]
fn a_scan_on_postgresql_answers_exactly_as_on_sqlite() {
    let sandbox = Sandbox::new();
    let repo = team_repo(&sandbox);
    let path = repo.path.to_str().unwrap();
    let db = Database::new("replica");
    let host = Host::new(&sandbox, "host-a");

    let on_sqlite = sqlite_json(&sandbox, &["scan", path]);
    let on_postgres = host.json(&sandbox, &db.url, &["scan", path]);
    assert_same(&on_sqlite, &on_postgres, "the scan");
    assert!(
        on_postgres.to_string().contains(&db.name),
        "the summary names the PostgreSQL ledger: {on_postgres}"
    );
    for view in VIEWS {
        assert_same(
            &sqlite_json(&sandbox, view),
            &host.json(&sandbox, &db.url, view),
            &format!("{view:?}"),
        );
    }
    // A secret was found, the workflow audited, names are shown: the comparison compared
    // something.
    let findings = host.json(&sandbox, &db.url, &["findings"]).to_string();
    assert!(findings.contains("deploy.env"), "{findings}");
    let identities = host.json(&sandbox, &db.url, &["identities"]).to_string();
    assert!(identities.contains("Carol Diaz"), "{identities}");

    // PostgreSQL holds the events, the messages, the sealed personal data and the key secrets
    // are hashed with; the chain there is the replica's.
    let events = sandbox.event_count();
    assert_eq!(db.count("SELECT count(*) FROM events"), events);
    assert!(db.count("SELECT count(*) FROM contents") >= 6);
    assert!(db.count("SELECT count(*) FROM alias_pii") >= 3);
    assert_eq!(
        db.count("SELECT count(*) FROM pii_keys"),
        db.count("SELECT count(*) FROM alias_pii")
    );
    assert_eq!(
        db.count("SELECT count(*) FROM ledger_meta WHERE name = 'secret_hash_key'"),
        1
    );
    let sealed: Vec<u8> = db
        .client()
        .query_one("SELECT string_agg(sealed, ''::bytea) FROM alias_pii", &[])
        .unwrap()
        .get(0);
    assert!(
        !sealed.windows(5).any(|w| w == b"Carol"),
        "personal data is sealed"
    );
    let verify = host.json(&sandbox, &db.url, &["audit", "verify"]);
    assert_eq!(verify["ok"], true, "{verify}");
    assert_eq!(verify["report"]["events"], events);

    // Scanning again records nothing new, on either.
    let again = host.json(&sandbox, &db.url, &["scan", path]);
    assert_eq!(
        stable(&sqlite_json(&sandbox, &["scan", path])),
        stable(&again)
    );
    assert_eq!(
        db.count("SELECT count(*) FROM events"),
        sandbox.event_count()
    );
}

#[test]
fn two_hosts_scanning_at_once_both_finish_with_one_chain() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("big");
    repo.fast_import(300, 7);
    let path = repo.path.to_str().unwrap();
    let db = Database::new("replica");
    let (a, b) = (Host::new(&sandbox, "host-a"), Host::new(&sandbox, "host-b"));
    let spawn = |host: &Host| {
        host.command(&sandbox, &db.url, &["-q", "scan", path])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (first, second) = (spawn(&a), spawn(&b));
    for child in [first, second] {
        let run = Run::from(child.wait_with_output().unwrap());
        run.assert_code(0);
    }
    let verify = a.json(&sandbox, &db.url, &["audit", "verify"]);
    assert_eq!(verify["ok"], true, "{verify}");
    assert_eq!(
        db.count("SELECT count(*) FROM events WHERE kind = 'commit_recorded'"),
        db.count("SELECT count(DISTINCT subject) FROM events WHERE kind = 'commit_recorded'"),
        "no commit recorded twice"
    );
    assert_eq!(
        db.count("SELECT count(*) FROM events WHERE kind = 'commit_recorded'"),
        i64::try_from(repo.rev_list_count()).unwrap()
    );
    for view in VIEWS {
        assert_eq!(
            stable(&a.json(&sandbox, &db.url, view)),
            stable(&b.json(&sandbox, &db.url, view)),
            "{view:?}"
        );
    }
    // Both replicas are the same chain as PostgreSQL.
    for host in [&a, &b] {
        let conn = rusqlite::Connection::open(host.replica()).unwrap();
        let n: i64 = conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, db.count("SELECT count(*) FROM events"));
    }
}

/// Events in a replica file.
fn replica_events(path: &Path) -> i64 {
    rusqlite::Connection::open(path)
        .unwrap()
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_replica_that_does_not_match_or_was_deleted_is_rebuilt() {
    let sandbox = Sandbox::new();
    let repo = team_repo(&sandbox);
    let path = repo.path.to_str().unwrap();
    let db = Database::new("replica");
    let host = Host::new(&sandbox, "host-a");
    host.run(&sandbox, &db.url, &["scan", path]).assert_code(0);
    let identities = host.json(&sandbox, &db.url, &["identities"]);
    let replica = host.replica();
    let events = replica_events(&replica);

    // The replica's head is not PostgreSQL's event of that number.
    rusqlite::Connection::open(&replica)
        .unwrap()
        .execute_batch(
            "UPDATE ledger_meta SET value = 'ffff' || substr(value, 5) WHERE name = 'head_hash';
             UPDATE events SET hash = 'ffff' || substr(hash, 5) WHERE seq = (SELECT max(seq) FROM events);",
        )
        .unwrap();
    let run = host.run(&sandbox, &db.url, &["--format", "json", "identities"]);
    run.assert_code(0);
    assert!(
        run.stderr.contains("did not match") && run.stderr.contains("rebuilt"),
        "{run:?}"
    );
    assert_eq!(stable(&run.json()), stable(&identities));
    assert_eq!(replica_events(&replica), events);

    // Deleted: rebuilt silently.
    std::fs::remove_file(&replica).unwrap();
    let _ = std::fs::remove_file(replica.with_extension("db-wal"));
    let run = host.run(&sandbox, &db.url, &["--format", "json", "identities"]);
    run.assert_code(0);
    assert_eq!(stable(&run.json()), stable(&identities));
    assert_eq!(replica_events(&replica), events);
    host.json(&sandbox, &db.url, &["audit", "verify"]);
}

#[test]
fn findings_and_checkpoints_recorded_on_one_host_are_seen_by_another() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    let app: String = (1..=5).map(|i| format!("value_{i} = {i}\n")).collect();
    repo.commit_file(ALICE, "app.py", &app, "Add the app");
    let path = repo.path.to_str().unwrap();
    let db = Database::new("replica");
    let (a, b) = (Host::new(&sandbox, "host-a"), Host::new(&sandbox, "host-b"));
    a.run(&sandbox, &db.url, &["scan", path]).assert_code(0);
    let report = sandbox.path().join("lint.sarif");
    std::fs::write(&report, line_sarif(&[("R1", "error"), ("R2", "warning")])).unwrap();
    a.run(
        &sandbox,
        &db.url,
        &["import", "--repo", path, report.to_str().unwrap()],
    )
    .assert_code(0);
    // A checkpoint signed on one host is recorded in PostgreSQL, and every replica gets it.
    let key = sandbox.path().join("audit.key");
    a.run(
        &sandbox,
        &db.url,
        &[
            "audit",
            "keygen",
            "-o",
            key.to_str().unwrap(),
            "--name",
            "devspm/test",
        ],
    )
    .assert_code(0);
    a.run(
        &sandbox,
        &db.url,
        &["audit", "checkpoint", "--key", key.to_str().unwrap()],
    )
    .assert_code(0);
    assert_eq!(db.count("SELECT count(*) FROM checkpoints"), 1);
    let seen = b.json(&sandbox, &db.url, &["findings"]);
    let checkpoints: i64 = rusqlite::Connection::open(b.replica())
        .unwrap()
        .query_row("SELECT count(*) FROM checkpoints", [], |r| r.get(0))
        .unwrap();
    assert_eq!(checkpoints, 1, "the replica holds PostgreSQL's checkpoint");
    let text = seen.to_string();
    assert!(text.contains("R1") && text.contains("R2"), "{seen}");
    assert_eq!(
        stable(&seen),
        stable(&a.json(&sandbox, &db.url, &["findings"]))
    );
}

#[test]
fn forgetting_a_person_erases_them_in_postgresql_and_on_every_host() {
    let sandbox = Sandbox::new();
    let repo = team_repo(&sandbox);
    let path = repo.path.to_str().unwrap();
    let db = Database::new("replica");
    let (a, b) = (Host::new(&sandbox, "host-a"), Host::new(&sandbox, "host-b"));
    a.run(&sandbox, &db.url, &["scan", path]).assert_code(0);
    let before = b.json(&sandbox, &db.url, &["identities"]).to_string();
    assert!(before.contains("Carol Diaz"), "{before}");
    let pii_before = db.count("SELECT count(*) FROM alias_pii");

    a.run(
        &sandbox,
        &db.url,
        &["identities", "forget", CAROL.1, "--yes"],
    )
    .assert_code(0);
    assert!(db.count("SELECT count(*) FROM alias_pii") < pii_before);
    let messages: Vec<Vec<u8>> = db
        .client()
        .query("SELECT bytes FROM contents WHERE bytes IS NOT NULL", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        !messages
            .iter()
            .any(|m| m.windows(10).any(|w| w == b"Carol Diaz")),
        "the message naming Carol is erased in PostgreSQL"
    );
    for host in [&a, &b] {
        let after = host.json(&sandbox, &db.url, &["identities"]).to_string();
        assert!(
            !after.contains("Carol Diaz") && !after.contains(CAROL.1),
            "{after}"
        );
        let bytes = std::fs::read(host.replica()).unwrap();
        assert!(
            !bytes
                .windows(CAROL.1.len())
                .any(|w| w == CAROL.1.as_bytes()),
            "no trace of Carol's e-mail in the replica"
        );
    }
    let verify = b.json(&sandbox, &db.url, &["audit", "verify"]);
    assert_eq!(verify["ok"], true, "{verify}");
    assert!(
        verify["report"]["contents_redacted"].as_u64().unwrap() >= 1,
        "{verify}"
    );
}

#[test]
fn a_refused_or_lost_connection_records_nothing_half_way() {
    let sandbox = Sandbox::new();
    let repo = team_repo(&sandbox);
    let path = repo.path.to_str().unwrap();
    let db = Database::new("replica");
    let host = Host::new(&sandbox, "host-a");

    // A wrong password: one error, without the password, and no replica.
    let (_, rest) = db.url.split_once("://").unwrap();
    let wrong = format!(
        "postgres://devspm_nobody:hunter2@{}",
        rest.split_once('@').map_or(rest, |(_, r)| r)
    );
    let run = host.run(&sandbox, &wrong, &["scan", path]);
    assert_ne!(run.code, 0, "{run:?}");
    run.assert_error(&["devspm_nobody@"]);
    assert!(!run.stderr.contains("hunter2"), "{run:?}");
    assert!(host.replicas().is_empty());

    // The connection is cut while the scan appends: PostgreSQL holds only whole batches and
    // the replica is never ahead of it; the next run completes.
    let repo = sandbox.repo("big");
    repo.fast_import(3000, 9);
    let path = repo.path.to_str().unwrap();
    let child = host
        .command(&sandbox, &db.url, &["-q", "scan", path])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while db.events() == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    db.client()
        .batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()",
            db.name
        ))
        .unwrap();
    let run = Run::from(child.wait_with_output().unwrap());
    // (On a fast machine the scan may finish before the cut.)
    if run.code != 0 {
        run.assert_error(&[&db.name]);
        let replica = host.replica();
        assert!(replica_events(&replica) <= db.count("SELECT count(*) FROM events"));
    }
    host.run(&sandbox, &db.url, &["scan", path]).assert_code(0);
    let verify = host.json(&sandbox, &db.url, &["audit", "verify"]);
    assert_eq!(verify["ok"], true, "{verify}");
    assert_eq!(
        db.count("SELECT count(*) FROM events WHERE kind = 'commit_recorded'"),
        i64::try_from(repo.rev_list_count()).unwrap()
    );
    assert_eq!(
        replica_events(&host.replica()),
        db.count("SELECT count(*) FROM events")
    );
}
