//! `devspm hook install`: the pre-commit hook blocks a commit that adds a secret (naming the
//! file, line and rule, never the value), a recorded override lets it through, the post-commit
//! hook records each commit at once, `core.hooksPath` is respected and an existing hook is kept.

mod common;

use common::*;

#[test]
fn pre_commit_blocks_secrets_records_overrides_and_post_commit_records_commits() {
    let sb = Sandbox::new();
    let r = sb.repo("hooked");
    r.commit_file(ALICE, "README.md", "hello\n", "Start");
    // Hooks live where core.hooksPath says, and a hook already there is kept.
    r.git(&["config", "core.hooksPath", ".githooks"]);
    r.git(&["config", "user.name", "Alice Martin"]);
    r.git(&["config", "user.email", "alice@example.com"]);
    std::fs::create_dir_all(r.path.join(".githooks")).unwrap();
    std::fs::write(
        r.path.join(".githooks/pre-commit"),
        "#!/bin/sh\necho ran-old-hook > \"$(git rev-parse --show-toplevel)/.old-hook-ran\"\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            r.path.join(".githooks/pre-commit"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    let install = sb.run(&["hook", "install", r.path.to_str().unwrap()]);
    install.assert_code(0);
    assert!(
        install.stdout.contains("pre-commit.pre-devspm"),
        "{install:?}"
    );
    assert!(r.path.join(".githooks/pre-commit.pre-devspm").exists());
    assert!(r.path.join(".githooks/post-commit").exists());
    // Installing again updates in place.
    sb.run(&["hook", "install", r.path.to_str().unwrap()])
        .assert_code(0);

    // A clean commit goes through and is recorded at once by post-commit.
    r.write("src/lib.rs", "pub fn f() {}\n");
    r.git(&["add", "src/lib.rs"]);
    let out = commit_with_hooks(&sb, &r, "Add lib", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        r.path.join(".old-hook-ran").exists(),
        "the existing hook runs first"
    );
    let head = r.head();
    assert_eq!(
        sb.query_i64(&format!(
            "SELECT count(*) FROM commits WHERE sha = '{head}'"
        )),
        1,
        "post-commit recorded the commit"
    );

    // A commit adding a secret is blocked, naming file, line and rule but not the value.
    let token = format!("ghp_{}", "x7Kq9Lm2Np4Rs6Tv8Wy0Za1Bc3De5Fg7Hj9K");
    r.write("deploy.sh", format!("#!/bin/sh\n\nTOKEN={token}\n"));
    r.git(&["add", "deploy.sh"]);
    let out = commit_with_hooks(&sb, &r, "Deploy", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "the commit must be blocked: {stderr}"
    );
    assert!(stderr.contains("deploy.sh:3"), "{stderr}");
    assert!(stderr.contains("github-pat"), "{stderr}");
    assert!(stderr.contains("DEVSPM_ALLOW=1"), "{stderr}");
    assert!(
        !stderr.contains(&token),
        "the value must not be printed: {stderr}"
    );
    assert_eq!(r.head(), head, "nothing was committed");

    // The override lets it through and is recorded, with who and why.
    let out = commit_with_hooks(
        &sb,
        &r,
        "Deploy",
        &[
            ("DEVSPM_ALLOW", "1"),
            ("DEVSPM_ALLOW_REASON", "test token, revoked"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(r.head(), head);
    let log = sb.run(&["audit", "log", "--kind", "hook_override"]);
    log.assert_code(0);
    assert!(log.stdout.contains("test token, revoked"), "{log:?}");
    assert!(log.stdout.contains("github-pat deploy.sh:3"), "{log:?}");
    assert!(!log.stdout.contains(&token));
    sb.assert_verifies();
}

#[test]
fn hook_install_outside_a_repository_is_one_clear_error() {
    let sb = Sandbox::new();
    let dir = sb.path().join("plain");
    std::fs::create_dir_all(&dir).unwrap();
    sb.run(&["hook", "install", dir.to_str().unwrap()])
        .assert_error(&["not a git repository"]);
}

#[test]
fn hooks_record_into_the_database_install_was_given_and_never_hold_up_a_commit() {
    let sb = Sandbox::new();
    let r = sb.repo("hooked");
    r.commit_file(ALICE, "README.md", "hello\n", "Start");
    // A ledger in a folder with a space and a quote in its name, given with --db.
    let folder = sb.path().join("team's ledgers");
    std::fs::create_dir_all(&folder).unwrap();
    let db = folder.join("other.db");
    let install = Run::from(
        sb.devspm_without_db()
            .arg("--db")
            .arg(&db)
            .args(["hook", "install"])
            .arg(&r.path)
            .output()
            .unwrap(),
    );
    install.assert_code(0);
    assert!(
        install.stdout.contains(&db.display().to_string()),
        "{install:?}"
    );
    let script = std::fs::read_to_string(r.path.join(".git/hooks/post-commit")).unwrap();
    assert!(
        script.contains(&format!("# Records into the ledger {}", db.display())),
        "{script}"
    );

    // The commit goes to that ledger, not to the one $DEVSPM_DB names.
    r.write("src/lib.rs", "pub fn f() {}\n");
    r.git(&["add", "src/lib.rs"]);
    let out = commit_with_hooks(&sb, &r, "Add lib", &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let head = r.head();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let recorded: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM commits WHERE sha = '{head}'"),
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(recorded, 1, "post-commit recorded into {}", db.display());
    assert!(!sb.db().exists(), "nothing was written to $DEVSPM_DB");

    // While another process writes to the ledger, the commit is not held up: the hook says
    // the next scan records it.
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(devspm_ledger_sqlite::lock_path(&db))
        .unwrap();
    lock.lock().unwrap();
    r.write("src/lib.rs", "pub fn f() {}\npub fn g() {}\n");
    r.git(&["add", "src/lib.rs"]);
    let started = std::time::Instant::now();
    let out = commit_with_hooks(&sb, &r, "Add g", &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("will be recorded by the next `devspm scan`"),
        "{stderr}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    drop(lock);
    let scan = Run::from(
        sb.devspm_without_db()
            .arg("--db")
            .arg(&db)
            .args(["--format", "json", "scan"])
            .arg(&r.path)
            .output()
            .unwrap(),
    );
    scan.assert_code(0);
    assert_eq!(u(&scan.json(), "/ingest/new_commits"), 1);
}
