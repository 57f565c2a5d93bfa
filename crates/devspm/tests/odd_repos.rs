//! Real-world repository shapes that are legal but unusual: replace refs and grafts, commit
//! objects git itself would not write today, huge and binary files, symlinks and mode changes,
//! renames (also through merges), legacy message encodings, tags of trees, blobs and tags, and
//! ingesting one ref before the rest.
//!
//! Every scan must succeed, record what `git rev-list --all` reaches, and leave a ledger that
//! verifies. Tests that expose a bug are `#[ignore]`d with the bug described.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;
use serde_json::{Value, json};

/// Payloads of every `commit_recorded` event in the ledger `db`, oldest first.
fn recorded_in(sb: &Sandbox, db: &Path) -> Vec<Value> {
    let run = Run::from(
        sb.devspm_without_db()
            .arg("--db")
            .arg(db)
            .args([
                "audit",
                "log",
                "--kind",
                "commit_recorded",
                "--limit",
                "1000",
            ])
            .output()
            .expect("run devspm"),
    );
    run.assert_code(0);
    let payloads: Vec<Value> = run
        .stdout
        .lines()
        .map(|line| {
            let event: Value = serde_json::from_str(line).expect("JSON line");
            event["payload"].clone()
        })
        .collect();
    assert!(payloads.len() < 1000, "raise the --limit");
    payloads
}

/// Payloads of every `commit_recorded` event in the sandbox ledger.
fn recorded(sb: &Sandbox) -> Vec<Value> {
    recorded_in(sb, &sb.db())
}

/// The ids (`payload.id`) of every recorded commit.
fn ids(payloads: &[Value]) -> BTreeSet<String> {
    payloads
        .iter()
        .map(|p| p["id"].as_str().expect("payload.id").to_owned())
        .collect()
}

/// The one recorded payload of commit `id`.
fn commit_payload(payloads: &[Value], id: &str) -> Value {
    let found: Vec<&Value> = payloads.iter().filter(|p| p["id"] == id).collect();
    assert_eq!(found.len(), 1, "commit {id} recorded {} times", found.len());
    found[0].clone()
}

/// `git rev-list ARGS` as a set of ids.
fn rev_list(repo: &Repo, args: &[&str]) -> BTreeSet<String> {
    let mut full = vec!["rev-list"];
    full.extend_from_slice(args);
    repo.git(&full).lines().map(str::to_owned).collect()
}

/// `git --no-replace-objects rev-list --all` as a set of ids.
fn without_replacements(repo: &Repo) -> BTreeSet<String> {
    repo.git(&["--no-replace-objects", "rev-list", "--all"])
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The stored bytes of a recorded commit's message (kept outside the chain by SHA-256).
fn stored_message(db: &Path, payload: &Value) -> Vec<u8> {
    let conn = rusqlite::Connection::open(db).expect("open ledger");
    let sha = payload["message"]["sha256"]
        .as_str()
        .expect("message.sha256");
    conn.query_row(
        "SELECT bytes FROM contents WHERE sha256 = ?1",
        [sha],
        |row| row.get(0),
    )
    .unwrap_or_else(|e| panic!("message {sha}: {e}"))
}

/// Scans `repo` into the sandbox ledger and checks it against git: exit 0, `summary.commits`
/// equal to `git rev-list --all --count`, exactly the commits git lists recorded, and a ledger
/// that verifies. Returns the scan's JSON.
fn scan_like_git(sb: &Sandbox, repo: &Repo) -> Value {
    let out = sb.scan(&repo.path);
    let git = rev_list(repo, &["--all"]);
    assert_eq!(git.len() as u64, repo.rev_list_count());
    assert_eq!(
        u(summary(&out), "/commits"),
        repo.rev_list_count(),
        "summary.commits vs git rev-list --all --count: {out:#}"
    );
    assert_eq!(
        ids(&recorded(sb)),
        git,
        "recorded commits vs git rev-list --all"
    );
    sb.assert_verifies();
    out
}

/// `git commit-tree TREE -p PARENT… -F -` as `who`; returns the new commit id.
fn commit_tree(repo: &Repo, who: Person<'_>, tree: &str, parents: &[&str], msg: &str) -> String {
    let mut args = vec!["commit-tree", tree];
    for parent in parents {
        args.extend(["-p", parent]);
    }
    args.extend(["-F", "-"]);
    let out = repo.git_output(&args, Some(who), Some(msg.as_bytes()));
    assert!(
        out.status.success(),
        "git commit-tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Writes a commit object from raw bytes (`git hash-object -t commit --literally`, which skips
/// git's own checks) and points `refs/heads/<branch>` at it; returns its id.
fn literal_commit(repo: &Repo, branch: &str, raw: &[u8]) -> String {
    let out = repo.git_output(
        &[
            "hash-object",
            "-t",
            "commit",
            "--literally",
            "-w",
            "--stdin",
        ],
        None,
        Some(raw),
    );
    assert!(
        out.status.success(),
        "git hash-object failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    repo.git(&["update-ref", &format!("refs/heads/{branch}"), &id]);
    id
}

/// The file entries of a recorded commit.
fn files(payload: &Value) -> &Vec<Value> {
    payload["files"].as_array().expect("payload.files")
}

// 1. Replace refs -------------------------------------------------------------------------------

/// A-B-C on main, with B replaced (`git replace B B'`) by B': B's tree and parent, another author
/// and message. Git honours replacements by default: `git log` shows B's id with B''s content,
/// and `git rev-list --all` lists A, B, C and B' itself (`refs/replace/<B>` is a ref).
///
/// devspm does the same: B is recorded under its own id with B''s message, author and parents,
/// and B' is recorded too. With `GIT_NO_REPLACE_OBJECTS=1` (honoured like git honours it) B is
/// recorded as it really is.
#[test]
fn a_replaced_commit_is_recorded_as_git_shows_it() {
    let sb = Sandbox::new();
    let r = sb.repo("replace");
    let a = r.commit_file(ALICE, "f", "a\n", "A\n");
    let b = r.commit_file(BOB, "f", "b\n", "B\n");
    let c = r.commit_file(CAROL, "f", "c\n", "C\n");
    let b_tree = r.rev_parse("HEAD~1^{tree}");
    let b2 = commit_tree(&r, ALICE, &b_tree, &[a.as_str()], "B, reworded\n");
    r.git(&["replace", &b, &b2]);
    assert_eq!(r.git(&["log", "--format=%s", "main"]), "C\nB, reworded\nA");

    let out = scan_like_git(&sb, &r);
    assert_eq!(u(summary(&out), "/commits"), 4);
    assert_eq!(
        ids(&recorded(&sb)),
        BTreeSet::from([a.clone(), b.clone(), b2.clone(), c.clone()])
    );
    // refs/heads/main and refs/replace/<B>.
    assert_eq!(u(&out, "/ingest/refs"), 2);
    assert_eq!(out["summary"]["ingest_gaps"], json!({}));

    let payloads = recorded(&sb);
    let rec_b = commit_payload(&payloads, &b);
    let rec_b2 = commit_payload(&payloads, &b2);
    assert_eq!(stored_message(&sb.db(), &rec_b), b"B, reworded\n");
    assert_eq!(rec_b["message"], rec_b2["message"]);
    assert_eq!(rec_b["author"], rec_b2["author"], "B' was written by Alice");
    assert_eq!(rec_b["parents"], json!([a]));
    assert_eq!(rec_b["tree"], b_tree.as_str());
    assert_eq!(commit_payload(&payloads, &c)["parents"], json!([b]));

    // Without replacements (a fresh ledger), B is recorded as it really is.
    let db = sb.path().join("no-replace.db");
    let run = Run::from(
        sb.devspm_without_db()
            .env("GIT_NO_REPLACE_OBJECTS", "1")
            .arg("--db")
            .arg(&db)
            .args(["--format", "json", "scan"])
            .arg(&r.path)
            .output()
            .unwrap(),
    );
    run.assert_code(0);
    let plain = recorded_in(&sb, &db);
    assert_eq!(ids(&plain), without_replacements(&r));
    assert_eq!(ids(&plain).len(), 4);
    let real_b = commit_payload(&plain, &b);
    assert_eq!(stored_message(&db, &real_b), b"B\n");
    assert_eq!(real_b["parents"], json!([a]));
    assert_ne!(real_b["author"], rec_b["author"], "B was written by Bob");
}

/// `git replace --graft B` (the successor of grafts) cuts history below B: git reaches C, B and
/// B's parentless replacement, not A. devspm records exactly those; with
/// `GIT_NO_REPLACE_OBJECTS=1` it records A as well, as git does.
#[test]
fn a_replace_graft_that_cuts_history_is_honoured() {
    let sb = Sandbox::new();
    let r = sb.repo("replace-graft");
    let a = r.commit_file(ALICE, "f", "a\n", "A\n");
    let b = r.commit_file(BOB, "f", "b\n", "B\n");
    let c = r.commit_file(CAROL, "f", "c\n", "C\n");
    r.git(&["replace", "--graft", &b]);
    let b2 = r.rev_parse(&format!("refs/replace/{b}"));
    assert_eq!(
        rev_list(&r, &["--all"]),
        BTreeSet::from([b.clone(), b2.clone(), c.clone()])
    );

    let out = scan_like_git(&sb, &r);
    assert_eq!(u(summary(&out), "/commits"), 3);
    let payloads = recorded(&sb);
    assert_eq!(commit_payload(&payloads, &b)["parents"], json!([]));
    assert_eq!(commit_payload(&payloads, &b)["diff_base"], Value::Null);
    // Listed against the empty tree, as git shows a root commit.
    assert_eq!(
        files(&commit_payload(&payloads, &b)),
        &vec![json!({
            "path": "f", "change": "added", "mode": "file",
            "blob": r.rev_parse(&format!("{b}:f")), "added": 1, "removed": 0,
        })]
    );
    assert!(!ids(&payloads).contains(&a));

    let db = sb.path().join("no-replace.db");
    Run::from(
        sb.devspm_without_db()
            .env("GIT_NO_REPLACE_OBJECTS", "1")
            .arg("--db")
            .arg(&db)
            .arg("scan")
            .arg(&r.path)
            .output()
            .unwrap(),
    )
    .assert_code(0);
    let plain = recorded_in(&sb, &db);
    assert_eq!(ids(&plain), BTreeSet::from([a.clone(), b.clone(), b2, c]));
    assert_eq!(ids(&plain), without_replacements(&r));
    assert_eq!(commit_payload(&plain, &b)["parents"], json!([a]));
}

/// A replacement like the previous test's is deleted after a scan. Git reaches A again (C → B →
/// A), so a scan must record A; B' stays on record, unreachable.
#[test]
fn deleting_a_replace_ref_records_the_history_it_hid() {
    let sb = Sandbox::new();
    let r = sb.repo("replace-deleted");
    let a = r.commit_file(ALICE, "f", "a\n", "A\n");
    let b = r.commit_file(BOB, "f", "b\n", "B\n");
    let c = r.commit_file(CAROL, "f", "c\n", "C\n");
    r.git(&["replace", "--graft", &b]);
    let b2 = r.rev_parse(&format!("refs/replace/{b}"));
    scan_like_git(&sb, &r);

    r.git(&["replace", "-d", &b]);
    assert_eq!(
        rev_list(&r, &["--all"]),
        BTreeSet::from([a.clone(), b.clone(), c.clone()])
    );
    let out = sb.scan(&r.path);
    assert_eq!(u(&out, "/ingest/refs_deleted"), 1);
    let recorded_now = ids(&recorded(&sb));
    assert!(
        recorded_now.contains(&a),
        "A is reachable from main again but was never recorded: {recorded_now:?}"
    );
    assert_eq!(recorded_now, BTreeSet::from([a, b, b2, c]));
    assert_eq!(u(summary(&out), "/commits"), 4);
    assert_eq!(u(summary(&out), "/unreachable_commits"), 1, "B' only");
    sb.assert_verifies();
}

// 2. Grafts -------------------------------------------------------------------------------------

/// A-B-C on main and an older history O1-O2 that no ref names; `.git/info/grafts` gives A the
/// fake parent O2 (the way old projects joined their imported history). The scan succeeds and
/// records main's commits.
#[test]
fn a_grafts_file_does_not_break_the_scan() {
    let sb = Sandbox::new();
    let (r, [a, b, c, _, _]) = grafted_repo(&sb);
    let out = sb.scan(&r.path);
    assert_eq!(out["summary"]["ingest_gaps"], json!({}));
    let recorded_ids = ids(&recorded(&sb));
    for id in [&a, &b, &c] {
        assert!(recorded_ids.contains(id), "{id} not recorded");
    }
    sb.assert_verifies();
    // Scanning again appends nothing.
    assert_eq!(u(&sb.scan(&r.path), "/ingest/events_appended"), 0);
}

/// See [`a_grafts_file_does_not_break_the_scan`]; returns the repository and [A, B, C, O1, O2].
fn grafted_repo(sb: &Sandbox) -> (Repo, [String; 5]) {
    let r = sb.repo("grafts");
    let a = r.commit_file(ALICE, "f", "a\n", "A\n");
    let b = r.commit_file(BOB, "f", "b\n", "B\n");
    let c = r.commit_file(CAROL, "f", "c\n", "C\n");
    let tree = r.rev_parse("HEAD^{tree}");
    let o1 = commit_tree(&r, BOB, &tree, &[], "old one\n");
    let o2 = commit_tree(&r, BOB, &tree, &[o1.as_str()], "old two\n");
    r.write(".git/info/grafts", format!("{a} {o2}\n"));
    r.git(&["config", "advice.graftFileDeprecated", "false"]);
    assert_eq!(
        r.git(&["log", "--format=%s", "main"]),
        "C\nB\nA\nold two\nold one"
    );
    (r, [a, b, c, o1, o2])
}

// 3. Malformed commit objects -------------------------------------------------------------------

/// A repository whose main holds one commit by Alice; returns it, its id and its tree.
fn base_repo(sb: &Sandbox) -> (Repo, String, String) {
    let r = sb.repo("odd");
    let base = r.commit_file(ALICE, "f", "base\n", "base\n");
    let tree = r.rev_parse("HEAD^{tree}");
    (r, base, tree)
}

/// A commit object on top of `parent` with the given author and committer lines (`None`: left
/// out) and message.
fn raw_commit(
    tree: &str,
    parent: &str,
    author: Option<&str>,
    committer: &str,
    msg: &str,
) -> Vec<u8> {
    let mut raw = format!("tree {tree}\nparent {parent}\n");
    if let Some(author) = author {
        raw.push_str(&format!("author {author}\n"));
    }
    raw.push_str(&format!("committer {committer}\n\n{msg}"));
    raw.into_bytes()
}

#[test]
fn a_commit_with_an_empty_name_and_email_is_recorded() {
    let sb = Sandbox::new();
    let (r, base, tree) = base_repo(&sb);
    let odd = literal_commit(
        &r,
        "odd1",
        &raw_commit(
            &tree,
            &base,
            Some(" <> 1700000000 +0000"),
            " <> 1700000000 +0000",
            "empty ident\n",
        ),
    );
    assert_eq!(
        r.git(&["log", "-1", "--format=[%an] [%ae] %at", &odd]),
        "[] [] 1700000000"
    );
    scan_like_git(&sb, &r);
    let p = commit_payload(&recorded(&sb), &odd);
    assert_eq!(p["author"]["time"], 1_700_000_000);
    assert_eq!(p["author"]["offset"], 0);
    assert_eq!(p["author"], p["committer"]);
    assert_eq!(p["gaps"], Value::Null, "nothing unreadable: {p:#}");
    let alias = p["author"]["alias"].as_str().unwrap();
    // Personal data is sealed at rest (docs/privacy.md): read it through the ledger.
    let (name, email) = devspm_ledger_sqlite::SqliteStore::open(&sb.db())
        .unwrap()
        .alias_personal_data(alias)
        .unwrap()
        .unwrap();
    assert_eq!((name, email), (Vec::new(), Vec::new()));
}

/// `+9999` is 99 hours and 99 minutes east for git (`%ad` shifts by 362,340 s); `-0130` is
/// 5,400 s west.
#[test]
fn commits_with_odd_timezones_are_recorded() {
    let sb = Sandbox::new();
    let (r, base, tree) = base_repo(&sb);
    let far = literal_commit(
        &r,
        "odd4",
        &raw_commit(
            &tree,
            &base,
            Some("Name <name@example.com> 1700000000 +9999"),
            "Name <name@example.com> 1700000000 +9999",
            "big tz\n",
        ),
    );
    let west = literal_commit(
        &r,
        "west",
        &raw_commit(
            &tree,
            &base,
            Some("Name <name@example.com> 1700000000 -0130"),
            "Name <name@example.com> 1700000000 -0130",
            "west\n",
        ),
    );
    assert_eq!(
        r.git(&["log", "-1", "--date=iso", "--format=%ad", &far]),
        "2023-11-19 02:52:20 +9999"
    );
    scan_like_git(&sb, &r);
    let payloads = recorded(&sb);
    let p = commit_payload(&payloads, &far);
    assert_eq!(p["author"]["time"], 1_700_000_000);
    assert_eq!(p["author"]["offset"], 99 * 3600 + 99 * 60);
    assert_eq!(p["committer"]["offset"], 362_340);
    assert_eq!(p["gaps"], Value::Null);
    let p = commit_payload(&payloads, &west);
    assert_eq!(p["author"]["offset"], -5400);
    assert_eq!(p["committer"]["offset"], -5400);
}

/// Writes a commit with the given author/committer lines on top of a base commit, scans, and
/// checks it is recorded like git lists it, with `expected_gap` among its payload's gaps.
fn assert_malformed_commit_recorded(
    branch: &str,
    author: Option<&str>,
    committer: &str,
    expected_gap: &str,
) {
    let sb = Sandbox::new();
    let (r, base, tree) = base_repo(&sb);
    let odd = literal_commit(
        &r,
        branch,
        &raw_commit(&tree, &base, author, committer, "odd\n"),
    );
    assert_eq!(r.rev_list_count(), 2);
    scan_like_git(&sb, &r);
    let payloads = recorded(&sb);
    assert!(ids(&payloads).contains(&odd));
    let gaps = commit_payload(&payloads, &odd)["gaps"].to_string();
    assert!(gaps.contains(expected_gap), "{gaps}");
}

#[test]
fn a_commit_with_a_malformed_date_is_recorded() {
    assert_malformed_commit_recorded(
        "odd2",
        Some("Name <name@example.com> notatimestamp"),
        "Name <name@example.com> notatimestamp",
        "time is malformed",
    );
}

#[test]
fn a_commit_without_an_author_line_is_recorded() {
    assert_malformed_commit_recorded(
        "odd3",
        None,
        "Name <name@example.com> 1700000000 +0000",
        "no author line",
    );
}

#[test]
fn an_author_without_angle_brackets_is_recorded() {
    assert_malformed_commit_recorded(
        "odd5",
        Some("Name name@example.com 1700000000 +0000"),
        "Name <name@example.com> 1700000000 +0000",
        "has no <e-mail>",
    );
}

/// A malformed commit inside main's history, with an ordinary commit on top of it.
#[test]
fn a_malformed_commit_in_the_middle_of_history_is_recorded() {
    let sb = Sandbox::new();
    let (r, base, tree) = base_repo(&sb);
    let odd = literal_commit(
        &r,
        "odd",
        &raw_commit(
            &tree,
            &base,
            Some("Name <name@example.com> notatimestamp"),
            "Name <name@example.com> notatimestamp",
            "bad time\n",
        ),
    );
    let top = commit_tree(&r, BOB, &tree, &[odd.as_str()], "on top\n");
    r.git(&["update-ref", "refs/heads/main", &top]);
    r.git(&["update-ref", "-d", "refs/heads/odd"]);
    assert_eq!(r.rev_list_count(), 3);
    scan_like_git(&sb, &r);
    let payloads = recorded(&sb);
    assert_eq!(commit_payload(&payloads, &top)["parents"], json!([odd]));
    assert!(ids(&payloads).contains(&odd));
}

/// The walk error gap of a first scan is keyed `missing_commit/walk-error-1`; a second
/// undecodable commit found by a later scan gets the same key and is taken as already reported.
#[test]
fn a_second_undecodable_commit_is_not_skipped_silently() {
    let sb = Sandbox::new();
    let (r, base, tree) = base_repo(&sb);
    literal_commit(
        &r,
        "odd2",
        &raw_commit(
            &tree,
            &base,
            Some("Name <name@example.com> notatimestamp"),
            "Name <name@example.com> notatimestamp",
            "bad time\n",
        ),
    );
    let first = sb.scan(&r.path);
    let first_said = u(&first, "/ingest/new_commits") + u(&first, "/ingest/new_gaps");
    assert!(first_said >= 2, "base and the odd commit: {first:#}");
    let second_odd = literal_commit(
        &r,
        "odd3",
        &raw_commit(
            &tree,
            &base,
            None,
            "Name <name@example.com> 1700000000 +0000",
            "no author\n",
        ),
    );
    let second = sb.scan(&r.path);
    assert!(
        u(&second, "/ingest/new_commits") + u(&second, "/ingest/new_gaps") >= 1,
        "{second_odd} is neither recorded nor reported as a gap: {second:#}"
    );
}

// 4-7. File shapes ------------------------------------------------------------------------------

/// A 32.5 MB text file of 500,000 lines, then one line in its middle changed.
#[test]
fn a_huge_file_with_one_line_changed() {
    let sb = Sandbox::new();
    let r = sb.repo("huge");
    let mut text = String::with_capacity(33_000_000);
    for i in 0..500_000 {
        text.push_str(&format!(
            "line {i:07} of a big generated text file, padded to sixty bytes\n"
        ));
    }
    assert_eq!(text.len(), 32_500_000);
    let first = r.commit_file(ALICE, "big.txt", &text, "big file\n");
    let text = text.replace("line 0250000 of a big", "LINE 0250000 of a big");
    let second = r.commit_file(BOB, "big.txt", &text, "one line\n");
    assert_eq!(
        r.git(&["diff", "--numstat", &first, &second]),
        "1\t1\tbig.txt"
    );

    scan_like_git(&sb, &r);
    let payloads = recorded(&sb);
    assert_eq!(
        files(&commit_payload(&payloads, &first)),
        &vec![json!({
            "path": "big.txt", "change": "added", "mode": "file",
            "blob": r.rev_parse(&format!("{first}:big.txt")), "added": 500_000, "removed": 0,
        })]
    );
    assert_eq!(
        files(&commit_payload(&payloads, &second)),
        &vec![json!({
            "path": "big.txt", "change": "modified", "mode": "file",
            "blob": r.rev_parse(&format!("{second}:big.txt")), "added": 1, "removed": 1,
        })]
    );
}

/// A NUL in the first bytes makes a file binary for git (`-` in `--numstat`): no line counts.
#[test]
fn a_binary_file_has_no_line_counts() {
    let sb = Sandbox::new();
    let r = sb.repo("binary");
    r.write("image.bin", b"\x89PNG\0\0\0\rIHDR\nline\n");
    let first = r.commit(ALICE, "add binary\n");
    r.write("image.bin", b"\x89PNG\0\0\0\rIHDR\nline two\nthree\n");
    let second = r.commit(ALICE, "change binary\n");
    assert_eq!(
        r.git(&["diff", "--numstat", &first, &second]),
        "-\t-\timage.bin"
    );

    scan_like_git(&sb, &r);
    let payloads = recorded(&sb);
    for (id, change) in [(&first, "added"), (&second, "modified")] {
        let p = commit_payload(&payloads, id);
        assert_eq!(
            files(&p),
            &vec![json!({
                "path": "image.bin", "change": change, "mode": "file",
                "blob": r.rev_parse(&format!("{id}:image.bin")),
                "added": null, "removed": null, "binary": true,
            })]
        );
        assert_eq!(p["gaps"], Value::Null);
    }
}

/// A symlink added, retargeted, then replaced by a regular file (a type change); line counts are
/// those of `git diff --numstat` (a symlink's blob is its target).
#[test]
fn a_symlink_added_retargeted_and_turned_into_a_file() {
    let sb = Sandbox::new();
    let r = sb.repo("symlink");
    let link = r.path.join("link");
    std::os::unix::fs::symlink("target-one", &link).unwrap();
    let added = r.commit(ALICE, "add link\n");
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("target-two", &link).unwrap();
    let retargeted = r.commit(ALICE, "retarget link\n");
    std::fs::remove_file(&link).unwrap();
    r.write("link", "one\ntwo\n");
    let to_file = r.commit(ALICE, "link becomes a file\n");
    assert_eq!(
        r.git(&["diff", "--name-status", &retargeted, &to_file]),
        "T\tlink"
    );

    scan_like_git(&sb, &r);
    let payloads = recorded(&sb);
    let expect = [
        (&added, "added", "symlink", 1, 0),
        (&retargeted, "modified", "symlink", 1, 1),
        (&to_file, "modified", "file", 2, 1),
    ];
    for (id, change, mode, add, del) in expect {
        assert_eq!(
            files(&commit_payload(&payloads, id)),
            &vec![json!({
                "path": "link", "change": change, "mode": mode,
                "blob": r.rev_parse(&format!("{id}:link")), "added": add, "removed": del,
            })],
            "{change} {mode}"
        );
    }
}

/// `chmod +x` with no content change, then `chmod -x`.
#[test]
fn an_executable_bit_change_alone() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new();
    let r = sb.repo("chmod");
    let script = r.path.join("run.sh");
    let added = r.commit_file(ALICE, "run.sh", "#!/bin/sh\necho hi\n", "add script\n");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let exec = r.commit(ALICE, "make it executable\n");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).unwrap();
    let plain = r.commit(ALICE, "not executable any more\n");
    assert_eq!(r.git(&["diff", "--numstat", &added, &exec]), "0\t0\trun.sh");

    scan_like_git(&sb, &r);
    let payloads = recorded(&sb);
    let blob = r.rev_parse(&format!("{added}:run.sh"));
    for (id, mode) in [(&exec, "executable"), (&plain, "file")] {
        assert_eq!(
            files(&commit_payload(&payloads, id)),
            &vec![json!({
                "path": "run.sh", "change": "modified", "mode": mode,
                "blob": blob, "added": 0, "removed": 0,
            })],
            "{mode}"
        );
    }
}

// 8. Renames ------------------------------------------------------------------------------------

/// Twenty lines `<word> 1` … `<word> 20`.
fn twenty_lines(word: &str) -> String {
    (1..=20).map(|i| format!("{word} {i}\n")).collect()
}

#[test]
fn a_rename_with_a_small_edit() {
    let sb = Sandbox::new();
    let r = sb.repo("rename");
    r.commit_file(ALICE, "old.txt", &twenty_lines("line"), "add\n");
    r.git(&["mv", "old.txt", "new.txt"]);
    r.write(
        "new.txt",
        twenty_lines("line").replace("line 10\n", "line ten\n"),
    );
    let renamed = r.commit(ALICE, "rename and edit\n");
    assert_eq!(
        r.git(&["show", "--numstat", "--format=", "-M", &renamed]),
        "1\t1\told.txt => new.txt"
    );

    scan_like_git(&sb, &r);
    assert_eq!(
        files(&commit_payload(&recorded(&sb), &renamed)),
        &vec![json!({
            "path": "new.txt", "old_path": "old.txt", "change": "renamed", "mode": "file",
            "blob": r.rev_parse(&format!("{renamed}:new.txt")), "added": 1, "removed": 1,
        })]
    );
}

/// A branch renames one file as is and another with an edit; main gets a commit of its own and
/// merges the branch. The merge's files are listed against its first parent with exact rename
/// detection only: the identical-content rename is a rename, the edited one is a deletion and an
/// addition with their full line counts (as `git diff --numstat --no-renames` counts them).
#[test]
fn a_merge_bringing_in_renames() {
    let sb = Sandbox::new();
    let r = sb.repo("merge-rename");
    r.write("a.txt", twenty_lines("alpha"));
    r.write("b.txt", twenty_lines("beta"));
    r.commit(ALICE, "base\n");
    r.git(&["checkout", "-q", "-b", "topic"]);
    r.git(&["mv", "a.txt", "exact.txt"]);
    let exact = r.commit(BOB, "rename a\n");
    r.git(&["mv", "b.txt", "similar.txt"]);
    r.write(
        "similar.txt",
        twenty_lines("beta").replace("beta 10\n", "beta ten\n"),
    );
    let similar = r.commit(BOB, "rename b with an edit\n");
    r.git(&["checkout", "-q", "main"]);
    r.commit_file(ALICE, "z.txt", "z\n", "main moves on\n");
    let merge = r.merge(ALICE, &["topic"], "Merge branch 'topic'");
    assert_eq!(
        r.git(&["diff", "--numstat", "-M", &format!("{merge}^1"), &merge]),
        "0\t0\ta.txt => exact.txt\n1\t1\tb.txt => similar.txt"
    );
    assert_eq!(
        r.git(&[
            "diff",
            "--numstat",
            "--no-renames",
            &format!("{merge}^1"),
            &merge
        ]),
        "0\t20\ta.txt\n0\t20\tb.txt\n20\t0\texact.txt\n20\t0\tsimilar.txt"
    );

    scan_like_git(&sb, &r);
    let payloads = recorded(&sb);
    let blob = |id: &str, path: &str| r.rev_parse(&format!("{id}:{path}"));
    // On the branch, each rename is detected where it was made.
    assert_eq!(
        files(&commit_payload(&payloads, &exact)),
        &vec![json!({
            "path": "exact.txt", "old_path": "a.txt", "change": "renamed", "mode": "file",
            "blob": blob(&exact, "exact.txt"), "added": 0, "removed": 0,
        })]
    );
    assert_eq!(
        files(&commit_payload(&payloads, &similar)),
        &vec![json!({
            "path": "similar.txt", "old_path": "b.txt", "change": "renamed", "mode": "file",
            "blob": blob(&similar, "similar.txt"), "added": 1, "removed": 1,
        })]
    );
    let m = commit_payload(&payloads, &merge);
    assert_eq!(m["parents"].as_array().unwrap().len(), 2);
    let mut merged = files(&m).clone();
    merged.sort_by_key(|f| f["path"].as_str().unwrap().to_owned());
    assert_eq!(
        merged,
        vec![
            json!({"path": "b.txt", "change": "deleted", "mode": "file", "added": 0, "removed": 20}),
            json!({
                "path": "exact.txt", "old_path": "a.txt", "change": "renamed", "mode": "file",
                "blob": blob(&merge, "exact.txt"), "added": 0, "removed": 0,
            }),
            json!({
                "path": "similar.txt", "change": "added", "mode": "file",
                "blob": blob(&merge, "similar.txt"), "added": 20, "removed": 0,
            }),
        ]
    );
}

// 9. Message encodings --------------------------------------------------------------------------

/// `git -c i18n.commitEncoding=ISO-8859-1 commit` writes an `encoding` header and keeps the
/// message's Latin-1 bytes as they are.
#[test]
fn a_latin1_message_keeps_its_encoding_and_bytes() {
    let sb = Sandbox::new();
    let r = sb.repo("latin1");
    r.commit_file(ALICE, "f", "1\n", "first\n");
    r.write("f", "2\n");
    r.git(&["add", "-A"]);
    let message: &[u8] = b"Caf\xe9 cr\xe8me\n\nD\xe9j\xe0 vu.\n";
    let out = r.git_output(
        &[
            "-c",
            "i18n.commitEncoding=ISO-8859-1",
            "commit",
            "-q",
            "--cleanup=verbatim",
            "-F",
            "-",
        ],
        Some(BOB),
        Some(message),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = r.head();
    assert!(
        r.git(&["cat-file", "commit", &id])
            .contains("\nencoding ISO-8859-1\n")
    );

    scan_like_git(&sb, &r);
    let payloads = recorded(&sb);
    let p = commit_payload(&payloads, &id);
    assert_eq!(p["encoding"], "ISO-8859-1");
    assert_eq!(p["message"]["len"], message.len());
    assert_eq!(stored_message(&sb.db(), &p), message);
    // The UTF-8 commit before it has no encoding field.
    let first = commit_payload(&payloads, &r.rev_parse("HEAD~1"));
    assert_eq!(first.get("encoding"), None);
}

// 10. Tags of trees, blobs and tags -------------------------------------------------------------

/// Lightweight and annotated tags of a tree and of a blob are not history (and not gaps); a tag
/// of a tag of a tag is peeled to the commit under it, which only these tags keep alive.
#[test]
fn tags_of_trees_blobs_and_tags() {
    let sb = Sandbox::new();
    let r = sb.repo("tags");
    r.commit_file(ALICE, "f", "1\n", "one\n");
    let two = r.commit_file(ALICE, "f", "2\n", "two\n");
    r.git(&["checkout", "-q", "-b", "side", "HEAD~1"]);
    let side = r.commit_file(BOB, "s", "s\n", "side\n");
    r.git(&["checkout", "-q", "main"]);
    r.git(&["config", "advice.nestedTag", "false"]);
    r.git(&["tag", "treetag", "HEAD^{tree}"]);
    r.git(&["tag", "blobtag", "HEAD:f"]);
    r.git(&["tag", "-a", "-m", "a tree", "anntree", "HEAD^{tree}"]);
    r.git(&["tag", "-a", "-m", "a blob", "annblob", "HEAD:f"]);
    r.git(&["tag", "-a", "-m", "inner", "inner", "side"]);
    r.git(&["tag", "-a", "-m", "outer", "outer", "inner"]);
    r.git(&["tag", "-a", "-m", "outermost", "outermost", "outer"]);
    let inner = r.rev_parse("refs/tags/inner");
    let outer = r.rev_parse("refs/tags/outer");
    r.git(&["tag", "-d", "inner"]);
    r.git(&["branch", "-q", "-D", "side"]);
    // outermost → outer → inner → side.
    assert!(
        r.git(&["cat-file", "tag", "outermost"])
            .starts_with(&format!("object {outer}\ntype tag\n"))
    );
    assert!(
        r.git(&["cat-file", "tag", "outer"])
            .starts_with(&format!("object {inner}\ntype tag\n"))
    );
    assert_eq!(r.rev_parse("outermost^{commit}"), side);
    assert_eq!(r.rev_list_count(), 3);

    let out = scan_like_git(&sb, &r);
    assert_eq!(u(summary(&out), "/commits"), 3);
    assert_eq!(out["summary"]["ingest_gaps"], json!({}));
    // refs/heads/main, refs/tags/outer, refs/tags/outermost.
    assert_eq!(u(&out, "/ingest/refs"), 3);
    let run = sb.run(&["audit", "log", "--kind", "ref_updated"]);
    run.assert_code(0);
    let refs: Vec<(String, String)> = run
        .stdout
        .lines()
        .map(|l| {
            let e: Value = serde_json::from_str(l).unwrap();
            let p = &e["payload"];
            (
                p["name"].as_str().unwrap().to_owned(),
                p["target"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        refs,
        vec![
            ("refs/heads/main".to_owned(), two),
            ("refs/tags/outer".to_owned(), side.clone()),
            ("refs/tags/outermost".to_owned(), side),
        ]
    );
    assert_eq!(u(&sb.scan(&r.path), "/ingest/events_appended"), 0);
}

// 11. One ref first, the rest later -------------------------------------------------------------

#[test]
fn ingesting_one_ref_then_everything() {
    let sb = Sandbox::new();
    let r = sb.repo("one-ref");
    r.commit_file(ALICE, "f", "1\n", "one\n");
    r.git(&["checkout", "-q", "-b", "topic"]);
    r.commit_file(BOB, "t", "t\n", "topic\n");
    r.git(&["checkout", "-q", "main"]);
    r.commit_file(ALICE, "f", "2\n", "two\n");
    r.merge(ALICE, &["topic"], "Merge topic");
    r.git(&["checkout", "-q", "-b", "wip"]);
    r.commit_file(CAROL, "w", "w\n", "wip one\n");
    r.commit_file(CAROL, "w", "ww\n", "wip two\n");
    r.git(&["tag", "-a", "-m", "wip tag", "v0", "HEAD"]);
    r.git(&["checkout", "-q", "-b", "release", "main~1"]);
    r.commit_file(BOB, "r", "r\n", "release fix\n");
    r.git(&["checkout", "-q", "main"]);
    let main = rev_list(&r, &["main"]);
    assert_eq!(main.len(), 4);
    assert_eq!(r.rev_list_count(), 7);

    let ingest = |extra: &[&str]| {
        let run = Run::from(
            sb.devspm()
                .args(["--format", "json", "ingest", "git"])
                .args(extra)
                .arg(&r.path)
                .output()
                .unwrap(),
        );
        run.assert_code(0);
        run.json()["repositories"][0].clone()
    };
    let first = ingest(&["--ref", "main"]);
    assert_eq!(u(&first, "/new_commits"), 4);
    assert_eq!(u(&first, "/refs"), 1);
    assert_eq!(u(&first, "/refs_updated"), 1);
    assert_eq!(ids(&recorded(&sb)), main);
    sb.assert_verifies();

    let rest = ingest(&[]);
    assert_eq!(u(&rest, "/new_commits"), 3);
    // HEAD is on main: refs/heads/{main,release,topic,wip} and refs/tags/v0.
    assert_eq!(u(&rest, "/refs"), 5);
    assert_eq!(u(&rest, "/refs_updated"), 4, "main was recorded already");
    assert_eq!(u(&rest, "/refs_deleted"), 0);
    assert_eq!(u(&rest, "/history_rewrites"), 0);
    let out = scan_like_git(&sb, &r);
    assert_eq!(u(&out, "/ingest/events_appended"), 0);
    assert_eq!(u(summary(&out), "/commits"), 7);
}

/// A branch whose tip names a tree that is not in the repository: every scan records what it
/// can, says which commits have gaps, and exits the same way (the first scan used to fail after
/// recording its commits, and the second to pass with "gaps none").
#[test]
fn a_commit_with_a_missing_tree_gives_the_same_answer_on_every_scan() {
    let sb = Sandbox::new();
    let r = sb.repo("damaged");
    let parent = r.commit_file(ALICE, "a.txt", "a\n", "one");
    let object = format!(
        "tree 1111111111111111111111111111111111111111\nparent {parent}\n\
         author Alice Martin <alice@example.com> 1700000000 +0000\n\
         committer Alice Martin <alice@example.com> 1700000000 +0000\n\nbad tree\n"
    );
    let out = r.git_output(
        &[
            "hash-object",
            "-t",
            "commit",
            "-w",
            "--literally",
            "--stdin",
        ],
        None,
        Some(object.as_bytes()),
    );
    assert!(out.status.success());
    let bad = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    r.git(&["update-ref", "refs/heads/main", &bad]);

    for run_number in 1..=2 {
        let run = sb.run(&["scan", r.path.to_str().unwrap()]);
        run.assert_code(0);
        assert!(
            run.stdout.contains(
                "  gaps          commits with gaps 1, unreadable tree 1 (recorded; ingest went on)"
            ),
            "run {run_number}: {run:?}"
        );
        // The warning names the commit once, when the gap is first recorded.
        assert_eq!(
            run.stderr.contains(&format!(
                "the files of commit {bad} in damaged cannot be read"
            )),
            run_number == 1,
            "run {run_number}: {run:?}"
        );
    }
    sb.assert_verifies();
}
