//! Personal data and erasure (docs/privacy.md): names and e-mails are sealed at rest, and
//! `devspm identities forget` crypto-shreds one person's data, redacts the commit messages that
//! name them and scrubs the database file, while the chain, the Merkle tree and checkpoints
//! signed before still verify.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// Alice's other address, joined to her main one by `.mailmap`.
const ALICE_OLD: Person<'static> = ("Alice M.", "alice@old.example");

/// Every name and e-mail Alice used, as the raw-bytes search looks for them.
const ALICE_DATA: [&str; 4] = [ALICE.0, ALICE.1, ALICE_OLD.0, ALICE_OLD.1];

/// A repository where Alice authors commits under two addresses (joined by `.mailmap`), is
/// Bob's co-author, signs off one of his commits, and is thanked by name in Carol's.
fn alice_repo(sb: &Sandbox) -> Repo {
    let r = sb.repo("team");
    r.commit_file(ALICE, "README.md", "hello\n", "Initial commit");
    r.commit_file(ALICE_OLD, "notes.txt", "old\n", "Notes from the old laptop");
    r.write(
        ".mailmap",
        "Alice Martin <alice@example.com> <alice@old.example>\n",
    );
    r.commit(BOB, "Add a mailmap");
    r.commit_file(
        BOB,
        "src/lib.rs",
        "pub fn a() {}\n",
        "Add the parser\n\nCo-authored-by: Alice Martin <alice@example.com>\nSigned-off-by: Bob Stone <bob@example.com>\n",
    );
    r.commit_file(
        BOB,
        "src/two.rs",
        "pub fn b() {}\n",
        "Fix b\n\nSigned-off-by: ALICE MARTIN <Alice@Example.com>\n",
    );
    r.commit_file(CAROL, "docs.md", "docs\n", "Docs, thanks to alice martin");
    r.commit_file(CAROL, "more.md", "more\n", "More docs by Carol");
    r
}

/// The bytes of the database and of its `-wal` and `-shm` files, lower-cased.
fn database_bytes(db: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        if let Ok(bytes) = std::fs::read(&name) {
            out.push((
                Path::new(&name).display().to_string(),
                bytes.to_ascii_lowercase(),
            ));
        }
    }
    assert!(!out.is_empty());
    out
}

/// The names and e-mails of `needles` found in the database files (case-insensitive).
fn found_in_files(db: &Path, needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (file, bytes) in database_bytes(db) {
        for needle in needles {
            let n = needle.to_ascii_lowercase();
            if bytes.windows(n.len()).any(|w| w == n.as_bytes()) {
                found.push(format!("{needle} in {file}"));
            }
        }
    }
    found
}

fn identities(sb: &Sandbox) -> Vec<Value> {
    let run = sb.run(&["--format", "json", "identities"]);
    run.assert_code(0);
    run.json().as_array().unwrap().clone()
}

/// The identity one of whose aliases has this e-mail.
fn by_email<'a>(rows: &'a [Value], email: &str) -> Option<&'a Value> {
    rows.iter().find(|r| {
        r["alias_list"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.as_str().unwrap().ends_with(&format!("<{email}>")))
    })
}

#[test]
fn personal_data_is_encrypted_at_rest() {
    let sb = Sandbox::new();
    let r = alice_repo(&sb);
    sb.scan(&r.path);
    // Names and e-mails only appear in the commit messages that carry them, never in the
    // alias table: Bob's and Carol's addresses are nowhere in the file before and after.
    let conn = sb.conn();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    drop(conn);
    assert_eq!(
        found_in_files(&sb.db(), &["carol@example.com", "Carol Diaz"]),
        Vec::<String>::new()
    );
    let rows = identities(&sb);
    let carol = by_email(&rows, "carol@example.com").unwrap();
    assert_eq!(carol["name"], "Carol Diaz");
    assert_eq!(carol["forgotten"], false);
}

#[test]
fn forget_erases_a_person_and_the_ledger_still_verifies() {
    let sb = Sandbox::new();
    let r = alice_repo(&sb);
    sb.scan(&r.path);
    let before = identities(&sb);
    let alice = by_email(&before, ALICE.1).expect("Alice is an identity");
    let alice_id = alice["identity"].as_str().unwrap().to_owned();
    // Her two addresses (joined by the mailmap) and the upper-case sign-off (same e-mail).
    assert_eq!(alice["aliases"], 3, "{alice:#}");
    assert!(!found_in_files(&sb.db(), &ALICE_DATA).is_empty());

    // (d) A checkpoint signed before the erasure.
    let key = sb.path().join("audit.key");
    sb.run(&[
        "audit",
        "keygen",
        "-o",
        key.to_str().unwrap(),
        "--name",
        "devspm/test",
    ])
    .assert_code(0);
    let checkpoint = sb.path().join("checkpoint.txt");
    sb.run(&[
        "audit",
        "checkpoint",
        "--key",
        key.to_str().unwrap(),
        "-o",
        checkpoint.to_str().unwrap(),
    ])
    .assert_code(0);
    let events_before = sb.event_count();

    let run = sb.run(&["identities", "forget", ALICE.1, "--yes"]);
    run.assert_code(0);
    assert!(
        run.stdout.starts_with(&format!(
            "forgot {alice_id}: erased the encryption keys and personal data of 3 aliases, and redacted 3 stored commit messages"
        )),
        "{run:?}"
    );
    // Nothing of hers is echoed back.
    assert!(!run.stdout.contains("Alice"), "{run:?}");
    assert_eq!(sb.event_count(), events_before + 1);

    // (a) Not a byte of her names or e-mails is left in the database or its side files.
    assert_eq!(found_in_files(&sb.db(), &ALICE_DATA), Vec::<String>::new());

    // The erasure is an event: ids, addresses and counts only.
    let log = sb.run(&["audit", "log", "--kind", "identity_forgotten"]);
    log.assert_code(0);
    let event: Value = serde_json::from_str(log.stdout.trim()).unwrap();
    assert_eq!(event["subject"], alice_id.as_str());
    assert_eq!(event["payload"]["identity"], alice_id.as_str());
    assert_eq!(event["payload"]["aliases"].as_array().unwrap().len(), 3);
    assert_eq!(event["payload"]["contents"].as_array().unwrap().len(), 3);
    assert_eq!(event["payload"]["keys_deleted"], 3);
    assert!(!log.stdout.to_lowercase().contains("alice"), "{log:?}");

    // (b) The ledger verifies, and says how many messages are redacted.
    let verify = sb.run(&["audit", "verify"]);
    verify.assert_code(0);
    assert!(
        verify.stdout.contains(
            "; 4 stored commit messages match their hashes; 3 redacted by a recorded erasure (identity_forgotten)"
        ),
        "{verify:?}"
    );
    let json = sb.run(&["--format", "json", "audit", "verify"]);
    json.assert_code(0);
    let report = json.json();
    assert_eq!(report["ok"], true);
    assert_eq!(report["report"]["contents_redacted"], 3);
    assert_eq!(report["report"]["contents_checked"], 4);

    // (c) She shows as her pseudonym; Bob and Carol are intact.
    let after = identities(&sb);
    let her = after
        .iter()
        .find(|r| r["identity"] == alice_id.as_str())
        .unwrap();
    assert_eq!(her["name"], alice_id.as_str());
    assert_eq!(her["email"], "");
    assert_eq!(her["forgotten"], true);
    assert_eq!(her["commits"], 2, "her commits are still counted: {her:#}");
    for alias in her["alias_list"].as_array().unwrap() {
        assert!(alias.as_str().unwrap().starts_with("a_"), "{her:#}");
    }
    let bob = by_email(&after, BOB.1).unwrap();
    assert_eq!(bob["name"], BOB.0);
    assert_eq!(bob["forgotten"], false);
    let table = sb.run(&["identities"]);
    table.assert_code(0);
    assert!(table.stdout.contains(&alice_id) && !table.stdout.contains("Alice"));
    let show = sb.run(&["--format", "json", "identities", "show", &alice_id]);
    show.assert_code(0);
    let evidence = &show.json()[0]["alias_evidence"];
    for a in evidence.as_array().unwrap() {
        assert_eq!(a["name"], a["alias"], "{evidence:#}");
        assert_eq!(a["email"], "");
    }
    // Her address finds nothing any more.
    sb.run(&["identities", "show", ALICE.1])
        .assert_error(&["no identity matches"]);
    // Bob's commits whose messages named her are still recorded; only the message is gone.
    let summary = sb.scan(&r.path);
    assert_eq!(u(common::summary(&summary), "/commits"), 7);

    // (d) The checkpoint signed before the erasure still verifies against the ledger.
    let ck = sb.run(&[
        "audit",
        "verify",
        "--checkpoint",
        checkpoint.to_str().unwrap(),
        "--public-key",
        &format!("{}.pub", key.display()),
    ]);
    ck.assert_code(0);
    assert!(ck.stdout.contains("checkpoint verified"), "{ck:?}");

    // Forgetting again finds nothing to erase.
    sb.run(&["identities", "forget", &alice_id, "--yes"])
        .assert_error(&["already erased"]);
    // Rebuild replays the erasure event; everything still verifies.
    sb.run(&["rebuild"]).assert_code(0);
    sb.assert_verifies();
}

#[test]
fn rescanning_after_forget_records_only_new_commits() {
    let sb = Sandbox::new();
    let r = alice_repo(&sb);
    sb.scan(&r.path);
    let alice_id = by_email(&identities(&sb), ALICE.1).unwrap()["identity"]
        .as_str()
        .unwrap()
        .to_owned();
    sb.run(&["identities", "forget", "Alice Martin", "--yes"])
        .assert_code(0);

    // (e) Her old commits are already recorded: a re-scan reads nothing new and brings none of
    // her data back, even though the repository still holds it.
    let again = sb.scan(&r.path);
    assert_eq!(u(common::summary(&again), "/commits"), 7);
    let conn = sb.conn();
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    drop(conn);
    assert_eq!(found_in_files(&sb.db(), &ALICE_DATA), Vec::<String>::new());
    sb.assert_verifies();

    // A new commit by her is new data: it gets a new alias and a new identity, unlinked to
    // the forgotten one (whose personal data no longer exists to match it against).
    r.commit_file(ALICE, "new.txt", "new\n", "Back again");
    sb.scan(&r.path);
    let rows = identities(&sb);
    let new = by_email(&rows, ALICE.1).expect("her new commit is recorded");
    assert_ne!(new["identity"], alice_id.as_str());
    assert_eq!(new["commits"], 1);
    let old = rows
        .iter()
        .find(|r| r["identity"] == alice_id.as_str())
        .unwrap();
    assert_eq!(old["forgotten"], true);
    sb.assert_verifies();
}

#[test]
fn forget_refuses_unknown_ambiguous_and_unconfirmed_requests() {
    let sb = Sandbox::new();
    let r = sb.repo("names");
    r.commit_file(("Sam Lee", "sam@a.example"), "a", "1\n", "one");
    r.commit_file(("Sam Lee", "sam@b.example"), "b", "2\n", "two");
    r.commit_file(BOB, "c", "3\n", "three");
    sb.scan(&r.path);
    let events = sb.event_count();

    // (f) Unknown person.
    let run = sb.run(&["identities", "forget", "nobody@example.com", "--yes"]);
    run.assert_error(&[
        "no identity matches `nobody@example.com`",
        "nothing was erased",
    ]);
    // Two people share the name: both are listed, nothing is erased.
    let run = sb.run(&["identities", "forget", "Sam Lee", "--yes"]);
    run.assert_error(&[
        "`Sam Lee` matches 2 identities",
        "sam@a.example",
        "sam@b.example",
        "nothing was erased",
    ]);
    // Not on a terminal and no --yes.
    let run = sb.run(&["identities", "forget", "sam@a.example"]);
    run.assert_error(&["without confirmation", "--yes"]);
    // None of these recorded anything.
    assert_eq!(sb.event_count(), events);

    // By e-mail, one of the two goes; the other stays.
    sb.run(&["identities", "forget", "sam@a.example", "--yes"])
        .assert_code(0);
    let rows = identities(&sb);
    assert!(by_email(&rows, "sam@a.example").is_none());
    assert_eq!(by_email(&rows, "sam@b.example").unwrap()["name"], "Sam Lee");
    sb.assert_verifies();
}

#[test]
fn agents_are_not_forgotten() {
    let sb = Sandbox::new();
    let rich = rich_repo(&sb);
    sb.scan(&rich.repo.path);
    sb.run(&["identities", "forget", "claude-code", "--yes"])
        .assert_error(&["agent:claude-code is an agent, not a person"]);
}
