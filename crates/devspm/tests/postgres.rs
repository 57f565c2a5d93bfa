//! The ledger on PostgreSQL end to end, with the real binary and the PostgreSQL server of
//! `$DEVSPM_TEST_POSTGRES_URL` (default: the local one): `devspm migrate` of a scanned
//! repository's ledger (same events, root, proofs and checkpoints as SQLite), a migration
//! stopped midway (not a ledger that verifies) and resumed, a diverged database refused,
//! tampering named, a migrated ledger answering every command as its source did (its personal
//! data copied sealed), and bad locations. Each test works in its own database, dropped afterwards.

mod common;

use common::pg::Database;
use common::{ALICE, BOB, Run, Sandbox, keygen_and_checkpoint, rich_repo};
use serde_json::Value;

/// `devspm --db <url> ARGS`.
fn on(sandbox: &Sandbox, db: &Database, args: &[&str]) -> Run {
    Run::from(
        sandbox
            .devspm_without_db()
            .arg("--db")
            .arg(&db.url)
            .args(args)
            .output()
            .unwrap(),
    )
}

fn migrate(sandbox: &Sandbox, db: &Database, extra: &[&str]) -> Run {
    let db_path = sandbox.db();
    let mut args = vec![
        "--format",
        "json",
        "migrate",
        "--from",
        db_path.to_str().unwrap(),
        "--to",
        &db.url,
    ];
    args.extend_from_slice(extra);
    Run::from(sandbox.devspm_without_db().args(&args).output().unwrap())
}

fn verify_json(run: &Run) -> Value {
    run.assert_code(0);
    let v = run.json();
    assert_eq!(v["ok"], true, "{run:?}");
    v
}

#[test]
fn a_migrated_ledger_has_the_same_events_root_proofs_and_checkpoints() {
    let sandbox = Sandbox::new();
    let rich = rich_repo(&sandbox);
    sandbox.scan(&rich.repo.path);
    let (key, checkpoint) = keygen_and_checkpoint(&sandbox);
    let events = sandbox.event_count() as u64;
    let db = Database::new("cli");

    let run = migrate(&sandbox, &db, &["--batch", "7"]);
    run.assert_code(0);
    let done = run.json();
    assert_eq!(done["copied"], events, "{run:?}");
    assert_eq!(done["already"], 0);
    assert_eq!(done["checkpoints"], 1);
    assert!(done["contents"].as_u64().unwrap() >= 5, "{run:?}");
    let target = done["target"].as_str().unwrap();
    assert!(
        target.starts_with("postgres") && target.ends_with(&db.name),
        "{run:?}"
    );

    let sqlite = verify_json(&sandbox.run(&["--format", "json", "audit", "verify"]));
    let pg = verify_json(&on(&sandbox, &db, &["--format", "json", "audit", "verify"]));
    for field in [
        "events",
        "head",
        "tree_root",
        "tree_nodes_checked",
        "contents_checked",
    ] {
        assert_eq!(sqlite["report"][field], pg["report"][field], "{field}");
    }
    assert_eq!(done["tree_root"], pg["report"]["tree_root"]);
    // Each stored message is copied (and counted) once, however many commits share it.
    assert_eq!(
        done["contents"], sqlite["report"]["contents_checked"],
        "{run:?}"
    );
    assert_eq!(pg["projections"], Value::Null);
    let text = on(&sandbox, &db, &["audit", "verify"]);
    text.assert_code(0);
    assert!(text.stdout.starts_with("ledger verified: "), "{text:?}");
    assert!(
        text.stdout
            .contains("projections not checked: PostgreSQL keeps none"),
        "{text:?}"
    );

    // The checkpoint signed on SQLite verifies against the copy.
    let public = format!("{}.pub", key.display());
    let run = on(
        &sandbox,
        &db,
        &[
            "audit",
            "verify",
            "--checkpoint",
            checkpoint.to_str().unwrap(),
            "--public-key",
            &public,
        ],
    );
    run.assert_code(0);
    assert!(run.stdout.contains("checkpoint verified"), "{run:?}");

    // The same log, proofs and consistency proofs.
    for args in [
        vec!["audit", "log"],
        vec![
            "audit",
            "log",
            "--kind",
            "commit_recorded",
            "--after",
            "3",
            "--limit",
            "4",
        ],
        vec!["--format", "json", "audit", "prove", "3"],
        vec!["--format", "json", "audit", "prove", "5", "--size", "9"],
        vec!["--format", "json", "audit", "consistency", "4", "9"],
    ] {
        let a = sandbox.run(&args);
        let b = on(&sandbox, &db, &args);
        a.assert_code(0);
        b.assert_code(0);
        assert_eq!(a.stdout, b.stdout, "{args:?}");
        assert!(!a.stdout.is_empty());
    }

    // A checkpoint signed on the copy is recorded there and checked by its verify.
    let run = on(
        &sandbox,
        &db,
        &[
            "--format",
            "json",
            "audit",
            "checkpoint",
            "--key",
            key.to_str().unwrap(),
        ],
    );
    run.assert_code(0);
    assert_eq!(run.json()["id"], 2);
    assert_eq!(run.json()["tree_size"], events);
    verify_json(&on(&sandbox, &db, &["--format", "json", "audit", "verify"]));

    // Migrating again copies nothing and still verifies.
    let again = migrate(&sandbox, &db, &[]);
    again.assert_code(0);
    assert_eq!(
        (
            again.json()["copied"].as_u64(),
            again.json()["already"].as_u64()
        ),
        (Some(0), Some(events))
    );
}

#[test]
fn a_stopped_migration_does_not_verify_and_a_rerun_finishes_it() {
    let sandbox = Sandbox::new();
    let rich = rich_repo(&sandbox);
    sandbox.scan(&rich.repo.path);
    let events = sandbox.event_count() as u64;
    assert!(events > 10, "{events}");
    let db = Database::new("cli");
    let db_path = sandbox.db();
    let stopped = sandbox
        .devspm_without_db()
        .env("DEVSPM_TEST_MIGRATE_STOP_AFTER", "2")
        .args([
            "migrate",
            "--batch",
            "4",
            "--from",
            db_path.to_str().unwrap(),
            "--to",
            &db.url,
        ])
        .output()
        .unwrap();
    assert!(!stopped.status.success(), "{stopped:?}");

    let run = on(&sandbox, &db, &["audit", "verify"]);
    run.assert_code(3);
    assert!(run.stderr.contains("unfinished copy: 8 of the"), "{run:?}");
    assert!(run.stderr.contains("run `devspm migrate` again"), "{run:?}");

    let run = migrate(&sandbox, &db, &["--batch", "4"]);
    run.assert_code(0);
    assert_eq!(run.json()["already"], 8);
    assert_eq!(run.json()["copied"], events - 8);
    verify_json(&on(&sandbox, &db, &["--format", "json", "audit", "verify"]));

    // More recorded in the source later: the next migration copies only that.
    rich.repo
        .commit_file(BOB, "later.txt", "later\n", "A later change");
    sandbox.scan(&rich.repo.path);
    let now = sandbox.event_count() as u64;
    assert!(now > events);
    let run = migrate(&sandbox, &db, &[]);
    run.assert_code(0);
    assert_eq!(run.json()["already"], events);
    assert_eq!(run.json()["copied"], now - events);
    let sqlite = verify_json(&sandbox.run(&["--format", "json", "audit", "verify"]));
    let pg = verify_json(&on(&sandbox, &db, &["--format", "json", "audit", "verify"]));
    assert_eq!(sqlite["report"]["tree_root"], pg["report"]["tree_root"]);
}

#[test]
fn a_diverged_copy_is_refused_and_tampering_is_named() {
    let first = Sandbox::new();
    let repo = first.repo("one");
    repo.commit_file(ALICE, "a.txt", "a\n", "First");
    repo.commit_file(BOB, "b.txt", "b\n", "Second");
    first.scan(&repo.path);
    let db = Database::new("cli");
    migrate(&first, &db, &[]).assert_code(0);

    let second = Sandbox::new();
    let other = second.repo("two");
    other.commit_file(BOB, "c.txt", "c\n", "Another history");
    second.scan(&other.path);
    let run = migrate(&second, &db, &[]);
    run.assert_code(1);
    assert!(run.stderr.contains("have diverged"), "{run:?}");

    db.execute("UPDATE events SET payload = replace(payload, 'a.txt', 'z.txt') WHERE seq = 3 AND payload LIKE '%a.txt%'");
    db.execute("UPDATE events SET subject = 'forged' WHERE seq = 4");
    let run = on(&first, &db, &["audit", "verify"]);
    run.assert_code(3);
    assert!(run.stderr.contains("LEDGER VERIFICATION FAILED"), "{run:?}");
    assert!(
        run.stderr.contains("event 3 was altered") || run.stderr.contains("event 4 was altered"),
        "{run:?}"
    );
    // Contents kept outside the chain: an altered commit message, a deleted one.
    for (sql, needle) in [
        (
            "UPDATE contents SET bytes = 'forged'::bytea WHERE sha256 = (SELECT min(sha256) FROM contents)",
            "was altered: its bytes no longer match its SHA-256",
        ),
        (
            "DELETE FROM contents WHERE sha256 = (SELECT min(sha256) FROM contents)",
            "was deleted, and no identity_forgotten event records its erasure",
        ),
    ] {
        let copy = Database::new("cli");
        migrate(&first, &copy, &[]).assert_code(0);
        copy.execute(sql);
        let run = on(&first, &copy, &["audit", "verify"]);
        run.assert_code(3);
        assert!(run.stderr.contains(needle), "{run:?}");
    }

    // Signing a checkpoint over a tampered copy is refused.
    let key = first.path().join("k");
    first
        .run(&["audit", "keygen", "-o", key.to_str().unwrap()])
        .assert_code(0);
    let run = on(
        &first,
        &db,
        &["audit", "checkpoint", "--key", key.to_str().unwrap()],
    );
    run.assert_code(3);
}

#[test]
fn a_migrated_ledger_answers_every_command_like_its_source() {
    let sandbox = Sandbox::new();
    let rich = rich_repo(&sandbox);
    sandbox.scan(&rich.repo.path);
    let db = Database::new("cli");
    migrate(&sandbox, &db, &[]).assert_code(0).json();
    // The personal data went along (sealed, with its keys), so names show on PostgreSQL too;
    // each host reads through a replica of its own.
    let on_postgres = |args: &[&str]| {
        let run = Run::from(
            sandbox
                .devspm_without_db()
                .env("DEVSPM_CACHE_DIR", sandbox.path().join("cache"))
                .arg("--db")
                .arg(&db.url)
                .args(args)
                .output()
                .unwrap(),
        );
        run.assert_code(0);
        run.stdout
    };
    for args in [
        vec!["identities"],
        vec!["ai"],
        vec!["findings"],
        vec!["posture"],
        vec!["signals"],
    ] {
        let sqlite = sandbox.run(&args);
        sqlite.assert_code(0);
        assert_eq!(on_postgres(&args), sqlite.stdout, "{args:?}");
    }
    assert!(on_postgres(&["identities"]).contains("Carol Diaz"));
    // Scanning again on PostgreSQL records nothing new: the copy is the same ledger.
    let events = sandbox.event_count();
    on_postgres(&["scan", rich.repo.path.to_str().unwrap()]);
    let mut client = postgres::Client::connect(&db.url, postgres::NoTls).unwrap();
    let copied: i64 = client
        .query_one("SELECT count(*) FROM events", &[])
        .unwrap()
        .get(0);
    assert_eq!(copied, events);
}

#[test]
fn bad_locations_get_one_clear_error() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("r");
    repo.commit_file(ALICE, "a.txt", "a\n", "First");
    sandbox.scan(&repo.path);
    let db_path = sandbox.db();
    let db_path = db_path.to_str().unwrap();

    // Nothing listens there: the URL without its password.
    let run = Run::from(
        sandbox
            .devspm_without_db()
            .args([
                "--db",
                "postgres://devspm:hunter2@127.0.0.1:1/ledger",
                "audit",
                "verify",
            ])
            .output()
            .unwrap(),
    );
    run.assert_error(&["postgres://devspm@127.0.0.1:1/ledger", "refused"]);
    assert!(!run.stderr.contains("hunter2"));
    let run = Run::from(
        sandbox
            .devspm_without_db()
            .args([
                "migrate",
                "--from",
                db_path,
                "--to",
                "postgresql://devspm:hunter2@127.0.0.1:1/ledger",
            ])
            .output()
            .unwrap(),
    );
    run.assert_error(&["postgresql://devspm@127.0.0.1:1/ledger"]);
    assert!(!run.stderr.contains("hunter2"));

    // Neither -v nor `config show` prints the password.
    for args in [vec!["-vv", "audit", "verify"], vec!["config", "show"]] {
        let run = Run::from(
            sandbox
                .devspm_without_db()
                .args(["--db", "postgres://devspm:hunter2@127.0.0.1:1/ledger"])
                .args(&args)
                .output()
                .unwrap(),
        );
        assert!(
            run.stdout.contains("postgres://devspm@127.0.0.1:1/ledger")
                || run.stderr.contains("postgres://devspm@127.0.0.1:1/ledger"),
            "{run:?}"
        );
        assert!(
            !run.stdout.contains("hunter2") && !run.stderr.contains("hunter2"),
            "{run:?}"
        );
    }

    // A file where a URL is expected, and the reverse.
    let run = Run::from(
        sandbox
            .devspm_without_db()
            .args(["migrate", "--from", db_path, "--to", "copy.db"])
            .output()
            .unwrap(),
    );
    run.assert_error(&["--to copy.db", "postgres://"]);
    let run = Run::from(
        sandbox
            .devspm_without_db()
            .args([
                "migrate",
                "--from",
                "postgres://u:pw@127.0.0.1/x",
                "--to",
                "postgres://u@127.0.0.1/y",
            ])
            .output()
            .unwrap(),
    );
    run.assert_error(&["--from postgres://u@127.0.0.1/x", "SQLite ledger file"]);
    assert!(!run.stderr.contains("pw@"));

    // A database without a ledger, and one written by a newer devspm.
    let db = Database::new("cli");
    let run = on(&sandbox, &db, &["audit", "verify"]);
    run.assert_error(&["no devspm ledger in this database yet", "devspm migrate"]);
    migrate(&sandbox, &db, &[]).assert_code(0);
    db.execute("UPDATE devspm_schema SET version = 99");
    let run = on(&sandbox, &db, &["audit", "verify"]);
    run.assert_error(&["newer devspm", "schema version 99", "supports up to 2"]);
    let run = migrate(&sandbox, &db, &[]);
    run.assert_error(&["schema version 99"]);
}

#[test]
fn the_binary_reaches_postgresql_only_through_the_engine() {
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let dependencies = manifest
        .split("[dependencies]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .expect("a [dependencies] table");
    assert!(dependencies.contains("devspm-engine"), "{dependencies}");
    for backend in ["devspm-ledger-postgres", "postgres", "tokio-postgres"] {
        assert!(
            !dependencies
                .lines()
                .any(|l| l.trim_start().starts_with(backend)),
            "the binary depends on {backend} directly"
        );
    }
}

#[test]
fn a_ledger_with_a_recorded_erasure_verifies_on_postgresql_with_the_messages_redacted() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("r");
    repo.commit_file(ALICE, "a.txt", "a\n", "Alice Martin writes a");
    repo.commit_file(BOB, "b.txt", "b\n", "Bob reviews alice@example.com");
    sandbox.scan(&repo.path);
    sandbox
        .run(&["identities", "forget", ALICE.1, "--yes"])
        .assert_code(0);
    let sqlite = verify_json(&sandbox.run(&["--format", "json", "audit", "verify"]));
    assert!(
        sqlite["report"]["contents_redacted"].as_u64().unwrap() >= 1,
        "{sqlite}"
    );
    let db = Database::new("cli");
    migrate(&sandbox, &db, &[]).assert_code(0);
    let pg = verify_json(&on(&sandbox, &db, &["--format", "json", "audit", "verify"]));
    for field in [
        "events",
        "tree_root",
        "contents_checked",
        "contents_redacted",
    ] {
        assert_eq!(sqlite["report"][field], pg["report"][field], "{field}");
    }
}
