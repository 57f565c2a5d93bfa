//! Bad input: every failure is one clear `devspm: error:` line and exit status 1 (2 for usage
//! errors), and a ledger that was fine before is still fine (and unchanged) afterwards.
//! Damaged repositories are not failures: what cannot be read is recorded as a gap.

mod common;

use std::path::Path;

use common::*;
use serde_json::json;

/// A sandbox whose ledger already holds one scanned repository; returns its event count.
fn with_ledger() -> (Sandbox, i64) {
    let sb = Sandbox::new();
    let r = sb.repo("good");
    r.commit_file(ALICE, "f", "1\n", "one");
    r.commit_file(BOB, "f", "2\n", "two");
    sb.scan(&r.path);
    let events = sb.event_count();
    (sb, events)
}

/// The ledger still verifies and holds exactly `events` events.
fn assert_unchanged(sb: &Sandbox, events: i64) {
    sb.assert_verifies();
    assert_eq!(sb.event_count(), events);
}

fn scan(sb: &Sandbox, path: &Path) -> Run {
    Run::from(sb.devspm().arg("scan").arg(path).output().unwrap())
}

/// Deterministic bytes that are not an SQLite file.
fn noise(len: usize) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn a_directory_that_is_not_a_repository() {
    let (sb, events) = with_ledger();
    let plain = sb.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    std::fs::write(plain.join("file.txt"), "x").unwrap();
    let run = scan(&sb, &plain);
    run.assert_error(&[&plain.display().to_string(), "is not a git repository"]);
    assert_unchanged(&sb, events);
}

#[test]
fn a_path_that_does_not_exist() {
    let (sb, events) = with_ledger();
    let missing = sb.path().join("no/such/dir");
    let run = scan(&sb, &missing);
    run.assert_error(&[
        &missing.display().to_string(),
        "is not a git repository",
        "No such file or directory",
    ]);
    assert_unchanged(&sb, events);
}

#[test]
fn a_database_of_random_bytes() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.commit_file(ALICE, "f", "1\n", "one");
    let bytes = noise(8192);
    std::fs::write(sb.db(), &bytes).unwrap();
    let run = scan(&sb, &r.path);
    run.assert_error(&[&sb.db().display().to_string(), "is not a devspm database"]);
    assert!(run.stderr.contains("not an SQLite database"), "{run:?}");
    // The file is left exactly as it was.
    assert_eq!(std::fs::read(sb.db()).unwrap(), bytes);
    for cmd in [&["audit", "verify"][..], &["identities"], &["rebuild"]] {
        sb.run(cmd).assert_error(&["is not a devspm database"]);
    }
    assert_eq!(std::fs::read(sb.db()).unwrap(), bytes);
}

#[test]
fn a_database_path_that_is_a_directory() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.commit_file(ALICE, "f", "1\n", "one");
    let dir = sb.path().join("db-dir");
    std::fs::create_dir(&dir).unwrap();
    let run = Run::from(
        sb.devspm_without_db()
            .arg("--db")
            .arg(&dir)
            .arg("scan")
            .arg(&r.path)
            .output()
            .unwrap(),
    );
    run.assert_error(&[&dir.display().to_string(), "it is a directory"]);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

#[test]
fn a_database_in_a_missing_folder() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.commit_file(ALICE, "f", "1\n", "one");
    let db = sb.path().join("nope/x.db");
    let run = Run::from(
        sb.devspm_without_db()
            .arg("--db")
            .arg(&db)
            .arg("scan")
            .arg(&r.path)
            .output()
            .unwrap(),
    );
    run.assert_error(&["folder", "does not exist"]);
    assert!(!db.exists());
}

#[test]
fn the_database_can_be_given_by_environment() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.commit_file(ALICE, "f", "1\n", "one");
    let db = sb.path().join("env.db");
    let run = Run::from(
        sb.devspm_without_db()
            .env("DEVSPM_DB", &db)
            .args(["--format", "json", "scan"])
            .arg(&r.path)
            .output()
            .unwrap(),
    );
    run.assert_code(0);
    assert_eq!(run.json()["database"], db.display().to_string());
    assert!(db.is_file());
    assert!(!sb.db().exists());
}

#[test]
fn a_database_from_a_newer_devspm() {
    let (sb, events) = with_ledger();
    let version = sb.query_i64("PRAGMA user_version");
    sb.conn()
        .execute_batch("PRAGMA user_version = 99;")
        .unwrap();
    let r = sb.path().join("good");
    let run = scan(&sb, &r);
    run.assert_error(&["newer devspm", "schema version 99"]);
    sb.run(&["audit", "verify"]).assert_error(&["newer devspm"]);
    // Nothing was written to it.
    sb.conn()
        .execute_batch(&format!("PRAGMA user_version = {version};"))
        .unwrap();
    assert_unchanged(&sb, events);
}

#[test]
fn an_sqlite_database_of_another_application() {
    let sb = Sandbox::new();
    let r = sb.repo("r");
    r.commit_file(ALICE, "f", "1\n", "one");
    sb.conn()
        .execute_batch("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me');")
        .unwrap();
    let run = scan(&sb, &r.path);
    run.assert_error(&["is not a devspm database", "tables devspm did not create"]);
    assert_eq!(sb.query_i64("SELECT count(*) FROM notes"), 1);
    assert_eq!(
        sb.query_i64("SELECT count(*) FROM sqlite_master WHERE name = 'events'"),
        0
    );
}

#[test]
fn a_locked_database() {
    let (sb, events) = with_ledger();
    let r = sb.existing_repo(&sb.path().join("good"));
    r.commit_file(CAROL, "g", "new\n", "three");
    let holder = sb.conn();
    holder.execute_batch("BEGIN IMMEDIATE;").unwrap();
    let started = std::time::Instant::now();
    let run = Run::from(
        sb.devspm()
            .env("DEVSPM_BUSY_TIMEOUT_MS", "200")
            .arg("scan")
            .arg(&r.path)
            .output()
            .unwrap(),
    );
    run.assert_error(&["is locked by another process", "retry"]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "the busy timeout is honoured"
    );
    holder.execute_batch("ROLLBACK;").unwrap();
    drop(holder);
    assert_unchanged(&sb, events);
    let out = sb.scan(&r.path);
    assert_eq!(u(&out, "/ingest/new_commits"), 1);
    assert_eq!(u(summary(&out), "/commits"), 3);
    sb.assert_verifies();
}

/// The loose object file of `id`.
fn loose_object(repo: &Repo, id: &str) -> std::path::PathBuf {
    let path = repo.path.join(".git/objects").join(&id[..2]).join(&id[2..]);
    assert!(path.is_file(), "{} is not a loose object", path.display());
    path
}

/// Two commits: the first adds `data.txt` ("version one"), the second changes it. Returns the
/// repository and the id of the first version's blob, which HEAD no longer has.
fn repo_with_old_blob(sb: &Sandbox) -> (Repo, String) {
    let r = sb.repo("damaged");
    r.write("keep.txt", "keep\n");
    r.commit_file(ALICE, "data.txt", "version one\n", "first");
    let blob = r.rev_parse("HEAD:data.txt");
    r.commit_file(ALICE, "data.txt", "version two\n", "second");
    (r, blob)
}

#[test]
fn a_corrupt_blob_is_a_gap_not_a_failure() {
    let sb = Sandbox::new();
    let (r, blob) = repo_with_old_blob(&sb);
    overwrite(&loose_object(&r, &blob), &noise(64));
    assert!(unreadable(&r, &blob));

    let out = sb.scan(&r.path);
    let s = summary(&out);
    assert_eq!(u(s, "/commits"), r.rev_list_count());
    assert_eq!(u(s, "/commits"), 2);
    // The blob is read by both commits (added in the first, the old side of the second).
    assert_eq!(
        s["ingest_gaps"],
        json!({ "commits_with_gaps": 2, "unreadable_file_versions": 2 })
    );
    assert_eq!(
        sb.query_i64(
            "SELECT count(*) FROM commit_files WHERE unreadable = 1 AND path = 'data.txt'"
        ),
        2
    );
    assert_eq!(
        sb.query_i64("SELECT count(*) FROM commit_files WHERE path = 'keep.txt' AND unreadable = 0 AND added = 1"),
        1
    );
    sb.assert_verifies();
}

/// Overwrites a few bytes in the middle of the compressed data of `id`'s entry in the
/// repository's only pack (`git gc` first), so that the object no longer inflates.
fn damage_packed_object(r: &Repo, id: &str) {
    let pack_dir = r.path.join(".git/objects/pack");
    let idx = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "idx"))
        .expect("a pack index");
    let out = std::process::Command::new("git")
        .arg("show-index")
        .stdin(std::fs::File::open(&idx).unwrap())
        .output()
        .unwrap();
    let mut offsets: Vec<(u64, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let mut f = l.split_whitespace();
            (
                f.next().unwrap().parse().unwrap(),
                f.next().unwrap().to_owned(),
            )
        })
        .collect();
    offsets.sort();
    let at = offsets.iter().position(|(_, o)| o == id).expect("packed");
    let start = offsets[at].0 as usize;
    let pack = idx.with_extension("pack");
    let mut bytes = std::fs::read(&pack).unwrap();
    let end = offsets
        .get(at + 1)
        .map_or(bytes.len() - 20, |(o, _)| *o as usize);
    // Past the entry header (at most a few bytes) and the zlib header.
    for b in &mut bytes[start + 6..end.min(start + 14)] {
        *b ^= 0x5a;
    }
    overwrite(&pack, &bytes);
}

/// Replaces a (read-only, as git writes them) object file's content.
fn overwrite(path: &std::path::Path, bytes: &[u8]) {
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(path, perms).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Whether git itself fails to read object `id`.
fn unreadable(r: &Repo, id: &str) -> bool {
    !r.git_output(&["cat-file", "-p", id], None, None)
        .status
        .success()
}

#[test]
fn damaged_packed_objects_are_gaps_and_history_below_them_is_still_found() {
    let sb = Sandbox::new();
    let r = sb.repo("packed");
    r.commit_file(ALICE, "data.txt", "one\n", "first");
    let old_blob = r.rev_parse("HEAD:data.txt");
    r.commit_file(ALICE, "data.txt", "one\ntwo\n", "second");
    let damaged = r.rev_parse("HEAD");
    r.commit_file(ALICE, "data.txt", "one\ntwo\nthree\n", "third");
    r.git(&["gc", "-q"]);
    r.git(&["commit-graph", "write", "--reachable"]);
    damage_packed_object(&r, &damaged);
    damage_packed_object(&r, &old_blob);
    assert!(unreadable(&r, &damaged) && unreadable(&r, &old_blob));

    let out = sb.scan(&r.path);
    let s = summary(&out);
    // The damaged commit is a gap; its parent is still found through the commit-graph, as
    // `git rev-list` finds it.
    assert_eq!(u(s, "/commits"), r.rev_list_count() - 1, "{s}");
    assert_eq!(
        sb.query_i64(&format!(
            "SELECT count(*) FROM commits WHERE sha = '{}'",
            r.rev_parse("HEAD~2")
        )),
        1
    );
    assert_eq!(
        sb.query_i64(&format!(
            "SELECT count(*) FROM events WHERE kind = 'ingest_gap' AND payload LIKE '%\"missing_commit\"%{damaged}%'"
        )),
        1
    );
    // The damaged blob: the first commit's file version cannot be read, and nothing fails.
    assert_eq!(
        sb.query_i64("SELECT count(*) FROM commit_files WHERE unreadable = 1"),
        1
    );
    sb.assert_verifies();
}

#[test]
fn a_missing_blob_is_a_gap_not_a_failure() {
    let sb = Sandbox::new();
    let (r, blob) = repo_with_old_blob(&sb);
    std::fs::remove_file(loose_object(&r, &blob)).unwrap();
    let out = sb.scan(&r.path);
    let s = summary(&out);
    assert_eq!(u(s, "/commits"), r.rev_list_count());
    assert_eq!(u(s, "/commits"), 2);
    assert_eq!(
        s["ingest_gaps"],
        json!({ "commits_with_gaps": 2, "unreadable_file_versions": 2 })
    );
    // The commit records why its files are incomplete.
    assert_eq!(
        sb.query_i64("SELECT count(*) FROM commits WHERE gaps > 0"),
        2
    );
    sb.assert_verifies();
}

#[test]
fn a_repository_with_a_submodule() {
    let sb = Sandbox::new();
    let sub = sb.repo("sub");
    sub.commit_file(BOB, "lib.txt", "lib\n", "sub one");
    let r = sb.repo("super");
    r.commit_file(ALICE, "main.txt", "main\n", "super one");
    let out = r.git_output(
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            &sub.path.display().to_string(),
            "vendor/sub",
        ],
        None,
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let with_sub = r.commit(ALICE, "add submodule");
    let out = sb.scan(&r.path);
    let s = summary(&out);
    assert_eq!(u(s, "/commits"), r.rev_list_count());
    assert_eq!(u(s, "/commits"), 2);
    assert_eq!(s["ingest_gaps"], json!({}));
    assert_eq!(
        sb.query_i64(&format!(
            "SELECT count(*) FROM commit_files WHERE sha = '{with_sub}' AND path = 'vendor/sub' AND mode = 'gitlink'"
        )),
        1
    );
    assert_eq!(
        sb.query_i64(&format!(
            "SELECT count(*) FROM commit_files WHERE sha = '{with_sub}' AND path = '.gitmodules'"
        )),
        1
    );
}

#[test]
fn a_bare_repository_and_a_recursive_ingest() {
    let sb = Sandbox::new();
    let src = sb.repo("src");
    for i in 0..3 {
        src.commit_file(ALICE, "f", &format!("{i}\n"), &format!("c{i}"));
    }
    let folder = sb.path().join("many");
    std::fs::create_dir(&folder).unwrap();
    sb.git_in(
        &folder,
        &[
            "clone",
            "-q",
            "--bare",
            &src.path.display().to_string(),
            "bare.git",
        ],
    );
    let work = sb.existing_repo(&folder.join("work"));
    std::fs::create_dir(&work.path).unwrap();
    work.git(&["init", "-q", "-b", "main"]);
    work.commit_file(BOB, "w", "1\n", "w1");
    work.commit_file(BOB, "w", "2\n", "w2");
    // A hidden folder is not searched.
    sb.git_in(&folder, &["init", "-q", ".hidden"]);

    let run = Run::from(
        sb.devspm()
            .args(["--format", "json", "ingest", "git", "--recursive"])
            .arg(&folder)
            .output()
            .unwrap(),
    );
    run.assert_code(0);
    let v = run.json();
    let repos = v["repositories"].as_array().unwrap();
    assert_eq!(repos.len(), 2, "{v:#}");
    assert_eq!(repos[0]["name"], "bare");
    assert_eq!(u(&repos[0], "/new_commits"), 3);
    assert_eq!(repos[1]["name"], "work");
    assert_eq!(u(&repos[1], "/new_commits"), 2);
    assert_ne!(repos[0]["repo"], repos[1]["repo"]);
    assert_eq!(sb.query_i64("SELECT count(*) FROM repositories"), 2);
    assert_eq!(sb.query_i64("SELECT count(*) FROM commits"), 5);
    // Two developers, resolved once for both repositories.
    assert_eq!(u(&v, "/identity_events_appended"), 4);

    // The bare repository scans on its own, with nothing new.
    let out = sb.scan(&folder.join("bare.git"));
    assert_eq!(u(&out, "/ingest/events_appended"), 0);
    assert_eq!(u(summary(&out), "/commits"), 3);
    sb.assert_verifies();
}

#[test]
fn a_recursive_ingest_of_a_folder_without_repositories() {
    let (sb, events) = with_ledger();
    let empty = sb.path().join("nothing-here");
    std::fs::create_dir(&empty).unwrap();
    let run = Run::from(
        sb.devspm()
            .args(["ingest", "git", "--recursive"])
            .arg(&empty)
            .output()
            .unwrap(),
    );
    run.assert_error(&["no git repositories found under"]);
    assert_unchanged(&sb, events);
}

#[test]
fn an_unknown_flag_is_a_usage_error() {
    let sb = Sandbox::new();
    let run = sb.run(&["scan", "--no-such-flag"]);
    run.assert_code(2);
    assert!(
        run.stderr
            .contains("unexpected argument '--no-such-flag' found"),
        "{run:?}"
    );
    assert_eq!(run.stdout, "");
    assert!(!sb.db().exists(), "a usage error touches nothing");
}

#[test]
fn an_invalid_configuration_file() {
    let (sb, events) = with_ledger();
    let config = sb.path().join("bad.toml");
    std::fs::write(&config, "[[identity]]\nid = \"a\"\nteem = \"x\"\n").unwrap();
    let run = Run::from(
        sb.devspm()
            .arg("--config")
            .arg(&config)
            .arg("scan")
            .arg(sb.path().join("good"))
            .output()
            .unwrap(),
    );
    run.assert_error(&[&config.display().to_string(), "line 3", "teem"]);
    assert_unchanged(&sb, events);

    let missing = sb.path().join("missing.toml");
    let run = Run::from(
        sb.devspm()
            .arg("--config")
            .arg(&missing)
            .arg("identities")
            .output()
            .unwrap(),
    );
    run.assert_error(&[&missing.display().to_string(), "does not exist"]);
}
