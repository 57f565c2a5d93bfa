//! History that changes under the ledger: force-pushes, deleted branches, deepened clones.
//! Commits that leave the repository stay on record, and the change itself is an event.

mod common;

use common::*;
use serde_json::{Value, json};

/// `devspm audit log --kind KIND` as parsed JSON lines.
fn log(sb: &Sandbox, kind: &str) -> Vec<Value> {
    let run = sb.run(&["audit", "log", "--kind", kind]);
    run.assert_code(0);
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

/// A-B-C on main, scanned; then main reset to A and D committed, scanned again.
struct ForcePush {
    sb: Sandbox,
    repo: Repo,
    a: String,
    b: String,
    c: String,
    d: String,
    second: Value,
}

fn force_push() -> ForcePush {
    let sb = Sandbox::new();
    let repo = sb.repo("fp");
    let a = repo.commit_file(ALICE, "f", "a\n", "A");
    let b = repo.commit_file(ALICE, "f", "b\n", "B");
    let c = repo.commit_file(BOB, "f", "c\n", "C");
    let first = sb.scan(&repo.path);
    assert_eq!(u(summary(&first), "/commits"), 3);
    repo.git(&["reset", "-q", "--hard", &a]);
    let d = repo.commit_file(CAROL, "g", "d\n", "D");
    let second = sb.scan(&repo.path);
    ForcePush {
        sb,
        repo,
        a,
        b,
        c,
        d,
        second,
    }
}

#[test]
fn a_force_push_is_recorded_and_nothing_is_forgotten() {
    let fp = force_push();
    let out = &fp.second;
    assert_eq!(u(out, "/ingest/new_commits"), 1);
    assert_eq!(u(out, "/ingest/history_rewrites"), 1);
    assert_eq!(u(out, "/ingest/refs_updated"), 1);
    let s = summary(out);
    let rewrites = s["history_rewrites"].as_array().unwrap();
    assert_eq!(rewrites.len(), 1, "{s:#}");
    let w = &rewrites[0];
    assert_eq!(w["ref_name"], "refs/heads/main");
    assert_eq!(w["old_tip"], fp.c.as_str());
    assert_eq!(w["new_tip"], fp.d.as_str());
    assert_eq!(u(w, "/unreachable"), 2);
    assert_eq!(u(w, "/lost"), 2);
    // A, B, C and D stay on record; B and C are no longer reachable.
    assert_eq!(u(s, "/commits"), 4);
    assert_eq!(fp.repo.rev_list_count(), 2);
    assert_eq!(u(s, "/unreachable_commits"), 2);
    // Bob's only commit (C) was rewritten away, but he still counts.
    assert_eq!(u(s, "/developers"), 3);

    let events = log(&fp.sb, "history_rewritten");
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e["kind"], "history_rewritten");
    assert_eq!(u(e, "/seq"), u(w, "/event"));
    let mut expected = vec![fp.b.clone(), fp.c.clone()];
    expected.sort();
    assert_eq!(e["payload"]["unreachable"], json!(expected));
    assert_eq!(e["payload"]["lost"], json!(expected));
    assert_eq!(e["payload"]["old_tip"], fp.c.as_str());
    assert_eq!(e["payload"]["new_tip"], fp.d.as_str());
    assert_eq!(e["payload"]["name"], "refs/heads/main");
    assert!(!expected.contains(&fp.a), "A is still reachable");

    // Scanning again changes nothing.
    let events = fp.sb.event_count();
    let third = fp.sb.scan(&fp.repo.path);
    assert_eq!(u(&third, "/ingest/events_appended"), 0);
    assert_eq!(u(&third, "/ingest/history_rewrites"), 0);
    assert_eq!(fp.sb.event_count(), events);
    assert_eq!(summary(&third), summary(&fp.second));
    fp.sb.assert_verifies();
}

#[test]
fn a_rewrite_kept_by_another_branch_is_unreachable_but_not_lost() {
    let sb = Sandbox::new();
    let repo = sb.repo("kept");
    let a = repo.commit_file(ALICE, "f", "a\n", "A");
    repo.commit_file(ALICE, "f", "b\n", "B");
    let c = repo.commit_file(ALICE, "f", "c\n", "C");
    repo.git(&["branch", "backup"]);
    sb.scan(&repo.path);
    repo.git(&["reset", "-q", "--hard", &a]);
    let d = repo.commit_file(ALICE, "g", "d\n", "D");
    let out = sb.scan(&repo.path);
    let s = summary(&out);
    let w = &s["history_rewrites"][0];
    assert_eq!(w["old_tip"], c.as_str());
    assert_eq!(w["new_tip"], d.as_str());
    assert_eq!(u(w, "/unreachable"), 2, "unreachable from main");
    assert_eq!(u(w, "/lost"), 0, "still reachable from backup");
    assert_eq!(u(s, "/unreachable_commits"), 0);
    assert_eq!(u(s, "/commits"), repo.rev_list_count());
}

#[test]
fn a_deleted_branch_is_recorded() {
    let sb = Sandbox::new();
    let repo = sb.repo("del");
    repo.commit_file(ALICE, "f", "a\n", "A");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    let t = repo.commit_file(BOB, "t", "t\n", "T");
    repo.git(&["checkout", "-q", "main"]);
    let first = sb.scan(&repo.path);
    assert_eq!(u(summary(&first), "/commits"), 2);
    repo.git(&["branch", "-q", "-D", "topic"]);
    let out = sb.scan(&repo.path);
    assert_eq!(u(&out, "/ingest/refs_deleted"), 1);
    assert_eq!(u(&out, "/ingest/events_appended"), 1);
    assert_eq!(u(&out, "/ingest/history_rewrites"), 0);
    let s = summary(&out);
    assert_eq!(u(s, "/commits"), 2, "T stays on record");
    assert_eq!(u(s, "/unreachable_commits"), 1);

    let events = log(&sb, "ref_deleted");
    assert_eq!(events.len(), 1);
    let p = &events[0]["payload"];
    assert_eq!(p["name"], "refs/heads/topic");
    assert_eq!(p["previous"], t.as_str());
    assert_eq!(p["lost"], json!([t]));
    assert_eq!(
        sb.query_i64("SELECT count(*) FROM refs WHERE name_text = 'refs/heads/topic'"),
        0
    );
    sb.assert_verifies();
}

/// After a force-push is undone (main reset back to C), B and C are reachable again: only D is
/// unreachable. `unreachable_commits` must describe the repository as it is now.
#[test]
fn undoing_a_force_push_makes_commits_reachable_again() {
    let fp = force_push();
    fp.repo.git(&["reset", "-q", "--hard", &fp.c]);
    let out = fp.sb.scan(&fp.repo.path);
    let s = summary(&out);
    assert_eq!(
        u(&out, "/ingest/history_rewrites"),
        1,
        "D was rewritten away"
    );
    assert_eq!(u(s, "/commits"), 4);
    assert_eq!(fp.repo.rev_list_count(), 3);
    assert_eq!(
        u(s, "/unreachable_commits"),
        1,
        "only D is unreachable now (recorded 4, git reaches 3)"
    );
    assert_eq!(
        fp.sb.query_i64(&format!(
            "SELECT count(*) FROM commits WHERE unreachable_seq IS NOT NULL AND sha IN ('{}', '{}')",
            fp.b, fp.c
        )),
        0
    );
}

#[test]
fn a_shallow_clone_records_its_boundary() {
    let sb = Sandbox::new();
    let src = sb.repo("src");
    for i in 0..5 {
        src.commit_file(ALICE, "f", &format!("{i}\n"), &format!("c{i}"));
    }
    let url = format!("file://{}", src.path.display());
    sb.git_in(sb.path(), &["clone", "-q", "--depth", "2", &url, "shallow"]);
    let clone = sb.existing_repo(&sb.path().join("shallow"));
    assert_eq!(clone.rev_list_count(), 2);
    let out = sb.scan(&clone.path);
    let s = summary(&out);
    assert_eq!(u(s, "/commits"), clone.rev_list_count());
    assert_eq!(s["ingest_gaps"], json!({ "shallow_boundary": 1 }));
    assert_eq!(u(&out, "/ingest/new_gaps"), 1);
    let boundary = clone.rev_parse("HEAD~1");
    assert_eq!(
        sb.query_i64(&format!(
            "SELECT shallow_boundary FROM commits WHERE sha = '{boundary}'"
        )),
        1
    );
    // The boundary commit's parent is missing: its files are listed against the empty tree.
    assert_eq!(
        sb.query_i64(&format!(
            "SELECT count(*) FROM commit_files WHERE sha = '{boundary}' AND change = 'added'"
        )),
        1
    );
    sb.assert_verifies();
}

/// `git fetch --unshallow` brings the older commits in without moving any ref; a new scan must
/// record them ("running it again reads only what is new").
#[test]
fn deepening_a_shallow_clone_records_the_older_commits() {
    let sb = Sandbox::new();
    let src = sb.repo("src");
    for i in 0..5 {
        src.commit_file(ALICE, "f", &format!("{i}\n"), &format!("c{i}"));
    }
    let url = format!("file://{}", src.path.display());
    sb.git_in(sb.path(), &["clone", "-q", "--depth", "2", &url, "shallow"]);
    let clone = sb.existing_repo(&sb.path().join("shallow"));
    assert_eq!(u(summary(&sb.scan(&clone.path)), "/commits"), 2);
    clone.git(&["fetch", "-q", "--unshallow"]);
    assert_eq!(clone.rev_list_count(), 5);
    let out = sb.scan(&clone.path);
    assert_eq!(u(&out, "/ingest/new_commits"), 3);
    assert_eq!(u(summary(&out), "/commits"), 5);
}

#[test]
fn every_kind_of_ref_counts_like_rev_list_all() {
    let sb = Sandbox::new();
    let r = sb.repo("refs");
    r.commit_file(ALICE, "f", "1\n", "one");
    r.commit_file(ALICE, "f", "2\n", "two");
    // An annotated tag is the only ref left to a commit of a deleted branch.
    r.git(&["checkout", "-q", "-b", "tmp"]);
    let tagged = r.commit_file(BOB, "t", "t\n", "tagged");
    r.git(&["tag", "-a", "v1", "-m", "release v1"]);
    r.git(&["checkout", "-q", "main"]);
    r.git(&["branch", "-q", "-D", "tmp"]);
    // A stash (a merge of the work tree and the index), a note, a tag of a tree.
    r.write("f", "3\n");
    r.git(&["stash", "-q"]);
    r.git(&["notes", "add", "-m", "a note", "HEAD"]);
    r.git(&["tag", "treetag", "HEAD^{tree}"]);
    // A detached HEAD with a commit no branch has.
    r.git(&["checkout", "-q", "--detach"]);
    let detached = r.commit_file(CAROL, "d", "d\n", "detached");
    assert_eq!(r.rev_list_count(), 7);

    let out = sb.scan(&r.path);
    let s = summary(&out);
    assert_eq!(u(s, "/commits"), r.rev_list_count());
    assert_eq!(s["ingest_gaps"], json!({}), "a tag of a tree is not a gap");
    // refs/heads/main, refs/notes/commits, refs/stash, refs/tags/v1 and HEAD.
    assert_eq!(u(&out, "/ingest/refs"), 5);
    assert_eq!(u(s, "/merges"), 1, "the stash commit has two parents");
    for id in [&tagged, &detached] {
        assert_eq!(
            sb.query_i64(&format!("SELECT count(*) FROM commits WHERE sha = '{id}'")),
            1
        );
    }
    // Leaving the detached commit behind is recorded like a deleted branch.
    r.git(&["checkout", "-q", "main"]);
    let out = sb.scan(&r.path);
    assert_eq!(u(&out, "/ingest/refs_deleted"), 1);
    assert_eq!(u(summary(&out), "/unreachable_commits"), 1);
    assert_eq!(u(summary(&out), "/commits"), r.rev_list_count() + 1);
}

/// `git rev-list --all` includes the HEAD of every linked worktree.
#[test]
fn a_detached_head_in_a_linked_worktree_is_recorded() {
    let sb = Sandbox::new();
    let r = sb.repo("main-wt");
    r.commit_file(ALICE, "f", "1\n", "one");
    let wt_path = sb.path().join("linked");
    r.git(&[
        "worktree",
        "add",
        "-q",
        "--detach",
        &wt_path.display().to_string(),
    ]);
    let wt = sb.existing_repo(&wt_path);
    let only_there = wt.commit_file(BOB, "w", "w\n", "made in the linked worktree");
    assert_eq!(r.rev_list_count(), 2);
    let out = sb.scan(&r.path);
    assert_eq!(
        sb.query_i64(&format!(
            "SELECT count(*) FROM commits WHERE sha = '{only_there}'"
        )),
        1
    );
    assert_eq!(u(summary(&out), "/commits"), 2);
}

/// A linked worktree shares the object database and refs of its main work tree: it is the same
/// repository (as `scan REPO/.git` is), not a second one with every commit recorded again.
#[test]
fn a_linked_worktree_is_the_same_repository() {
    let sb = Sandbox::new();
    let r = sb.repo("main-wt");
    r.commit_file(ALICE, "f", "1\n", "one");
    r.commit_file(ALICE, "f", "2\n", "two");
    let wt_path = sb.path().join("linked");
    r.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "side",
        &wt_path.display().to_string(),
    ]);
    let first = sb.scan(&r.path);
    let via_git_dir = sb.scan(&r.path.join(".git"));
    assert_eq!(via_git_dir["ingest"]["repo"], first["ingest"]["repo"]);
    let via_worktree = sb.scan(&wt_path);
    assert_eq!(via_worktree["ingest"]["repo"], first["ingest"]["repo"]);
    assert_eq!(u(&via_worktree, "/ingest/new_commits"), 0);
    assert_eq!(sb.query_i64("SELECT count(*) FROM repositories"), 1);
    let ids = sb.run(&["--format", "json", "identities"]);
    ids.assert_code(0);
    assert_eq!(
        u(&ids.json()[0], "/commits"),
        2,
        "Alice authored two commits"
    );
}

/// Ref names are bytes. Two branches whose names are not UTF-8 and differ only in those bytes
/// are two refs: both must be recorded by the first scan, and a second scan appends nothing.
#[test]
fn refs_whose_names_are_not_utf8_are_each_recorded() {
    use std::os::unix::ffi::OsStrExt;
    let sb = Sandbox::new();
    let r = sb.repo("latin1-refs");
    let head = r.commit_file(ALICE, "f", "1\n", "one");
    // Loose ref files named with raw bytes, as `git update-ref` writes them.
    for name in [&b"caf\xe9"[..], b"caf\xe8"] {
        let path = r
            .path
            .join(".git/refs/heads")
            .join(std::ffi::OsStr::from_bytes(name));
        std::fs::write(path, format!("{head}\n")).unwrap();
    }
    assert_eq!(
        r.git(&["for-each-ref", "--format=%(objectname)"])
            .lines()
            .count(),
        3
    );
    let first = sb.scan(&r.path);
    assert_eq!(u(&first, "/ingest/refs"), 3);
    assert_eq!(u(&first, "/ingest/refs_updated"), 3);
    // repository_registered + 1 commit + 3 ref_updated.
    assert_eq!(u(&first, "/ingest/events_appended"), 5);
    assert_eq!(sb.query_i64("SELECT count(*) FROM refs"), 3);
    let second = sb.scan(&r.path);
    assert_eq!(u(&second, "/ingest/events_appended"), 0);
}
