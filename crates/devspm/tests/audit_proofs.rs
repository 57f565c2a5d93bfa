//! Merkle checkpoints end to end: keys, signed checkpoints, proofs, exports verified by the
//! independent Python verifier (`scripts/verify_checkpoint.py`), and the attacks each must
//! detect with a precise message and a non-zero exit.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{ALICE, BOB, CAROL, Run, Sandbox, keygen_and_checkpoint, rich_repo};

/// A sandbox with the rich repository ingested, a key and a checkpoint of the ledger.
struct Signed {
    sandbox: Sandbox,
    key: PathBuf,
    checkpoint: PathBuf,
}

fn signed() -> Signed {
    let sandbox = Sandbox::new();
    let rich = rich_repo(&sandbox);
    sandbox.scan(&rich.repo.path);
    let (key, checkpoint) = keygen_and_checkpoint(&sandbox);
    Signed {
        sandbox,
        key,
        checkpoint,
    }
}

impl Signed {
    fn public(&self) -> String {
        format!("{}.pub", self.key.display())
    }

    fn verify_checkpoint(&self, checkpoint: &Path) -> Run {
        self.sandbox.run(&[
            "audit",
            "verify",
            "--checkpoint",
            checkpoint.to_str().unwrap(),
            "--public-key",
            &self.public(),
        ])
    }

    fn export(&self, name: &str) -> PathBuf {
        let dir = self.sandbox.path().join(name);
        self.sandbox
            .run(&["audit", "export", "-o", dir.to_str().unwrap()])
            .assert_code(0);
        dir
    }
}

fn python_verify(dir: &Path, key: &str, proof: Option<&Path>) -> Run {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/verify_checkpoint.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script).arg(dir).arg("--key").arg(key);
    if let Some(proof) = proof {
        cmd.arg("--proof").arg(proof);
    }
    Run::from(cmd.output().expect("run python3"))
}

fn assert_fails(run: &Run, code: i32, needles: &[&str]) {
    assert_eq!(run.code, code, "unexpected exit status: {run:?}");
    for needle in needles {
        assert!(run.stderr.contains(needle), "expected {needle:?}: {run:?}");
    }
    assert!(!run.stderr.contains("panicked"), "{run:?}");
}

#[test]
fn keys_checkpoints_proofs_and_the_independent_verifier() {
    let s = signed();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&s.key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let private = std::fs::read_to_string(&s.key).unwrap();
    assert!(private.starts_with("PRIVATE+KEY+devspm/test+"), "{private}");
    let public = std::fs::read_to_string(s.public()).unwrap();
    assert!(public.starts_with("devspm/test+"), "{public}");
    // Keygen never overwrites a key.
    let again = s
        .sandbox
        .run(&["audit", "keygen", "-o", s.key.to_str().unwrap()]);
    again.assert_error(&["already exists"]);

    let note = std::fs::read_to_string(&s.checkpoint).unwrap();
    let events = s.sandbox.event_count();
    let mut lines = note.lines();
    assert_eq!(lines.next(), Some("devspm/test"));
    assert_eq!(lines.next(), Some(events.to_string().as_str()));
    assert_eq!(lines.nth(1), Some(""));
    assert!(lines.next().unwrap().starts_with("\u{2014} devspm/test "));

    let ok = s.verify_checkpoint(&s.checkpoint);
    ok.assert_code(0);
    assert!(ok.stdout.contains("checkpoint verified"), "{ok:?}");
    // The verifier string works as well as the .pub file.
    s.sandbox
        .run(&[
            "audit",
            "verify",
            "--checkpoint",
            s.checkpoint.to_str().unwrap(),
            "--public-key",
            public.trim(),
        ])
        .assert_code(0);

    // The ledger grows: the old checkpoint still verifies (the tree extends it).
    let more = s.sandbox.existing_repo(&s.sandbox.path().join("rich"));
    more.commit_file(ALICE, "late.txt", "late\n", "A later commit");
    s.sandbox.scan(&more.path);
    let later = s.verify_checkpoint(&s.checkpoint);
    later.assert_code(0);
    assert!(later.stdout.contains("extends it"), "{later:?}");

    // Proofs: default size is the latest checkpoint's.
    let proof = s.sandbox.run(&["--format", "json", "audit", "prove", "3"]);
    proof.assert_code(0);
    let json = proof.json();
    assert_eq!(json["tree_size"], events);
    assert_eq!(json["leaf_index"], 2);
    let consistency = s.sandbox.run(&[
        "--format",
        "json",
        "audit",
        "consistency",
        "5",
        &events.to_string(),
    ]);
    consistency.assert_code(0);
    assert!(!consistency.json()["proof"].as_array().unwrap().is_empty());
    s.sandbox
        .run(&["audit", "prove", "1", "--size", "100000"])
        .assert_error(&["there is no tree of 100000"]);

    // The export verifies with the Python script, with an inclusion proof.
    let dir = s.export("export");
    let proof_file = s.sandbox.path().join("proof.json");
    std::fs::write(&proof_file, &proof.stdout).unwrap();
    let py = python_verify(&dir, &s.public(), Some(&proof_file));
    assert_eq!(py.code, 0, "{py:?}");
    assert!(
        py.stdout.contains("inclusion proof of event 3 holds"),
        "{py:?}"
    );
    assert!(dir.join("verifier.pub").is_file());
    let exported = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    assert_eq!(exported.lines().count() as i64, s.sandbox.event_count());

    // Plain verify checks the tree too, and rebuild leaves it alone.
    s.sandbox.run(&["rebuild"]).assert_code(0);
    let plain = s.sandbox.run(&["audit", "verify"]);
    plain.assert_code(0);
    assert!(
        plain.stdout.contains("Merkle tree nodes match"),
        "{plain:?}"
    );
}

#[test]
fn tampered_deleted_and_reordered_events_fail_checkpoint_verification() {
    for (attack, sql, needle) in [
        (
            "tampered",
            "UPDATE events SET payload = replace(payload, ':', ': ') WHERE seq = 2",
            "altered",
        ),
        ("deleted", "DELETE FROM events WHERE seq = 4", "missing"),
        (
            "reordered",
            "UPDATE events SET seq = -5 WHERE seq = 5; UPDATE events SET seq = 5 WHERE seq = 6; UPDATE events SET seq = 6 WHERE seq = -5;",
            "event 5",
        ),
    ] {
        let s = signed();
        s.sandbox.conn().execute_batch(sql).unwrap();
        assert_fails(
            &s.sandbox.run(&["audit", "verify"]),
            3,
            &["LEDGER VERIFICATION FAILED", needle],
        );
        let run = s.verify_checkpoint(&s.checkpoint);
        assert_fails(&run, 3, &["LEDGER VERIFICATION FAILED", needle]);
        assert!(
            !run.stdout.contains("checkpoint verified"),
            "{attack}: {run:?}"
        );
    }
}

#[test]
fn events_rewritten_and_rechained_fail_against_the_checkpoint() {
    let s = signed();
    // Rewrite the whole tree consistently (chain, head and tree), as an attacker with write
    // access would: only the signed checkpoint can tell.
    let conn = s.sandbox.conn();
    conn.execute_batch(
        "UPDATE events SET payload = replace(payload, ':', ': ') WHERE seq = 2;
         DELETE FROM merkle_nodes; DELETE FROM checkpoints;",
    )
    .unwrap();
    drop(conn);
    rechain_and_rebuild_tree(&s.sandbox);
    s.sandbox.assert_verifies();
    let run = s.verify_checkpoint(&s.checkpoint);
    assert_fails(
        &run,
        3,
        &[
            "CHECKPOINT VERIFICATION FAILED",
            "were rewritten since it was signed",
        ],
    );
}

/// Recomputes every hash, the head and the Merkle tree from the stored events, as a forger
/// would (through a fresh database built by devspm's own migration).
fn rechain_and_rebuild_tree(sandbox: &Sandbox) {
    let conn = sandbox.conn();
    let rows: Vec<(i64, [String; 6])> = conn
        .prepare("SELECT seq, key, kind, at, actor, subject, payload FROM events ORDER BY seq")
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                [
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ],
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut prev = "0".repeat(64);
    for (seq, f) in &rows {
        let hash = chain_hash(&prev, *seq as u64, f);
        conn.execute(
            "UPDATE events SET prev_hash = ?1, hash = ?2 WHERE seq = ?3",
            rusqlite::params![prev, hash, seq],
        )
        .unwrap();
        prev = hash;
    }
    conn.execute(
        "UPDATE ledger_meta SET value = ?1 WHERE name = 'head_hash'",
        [&prev],
    )
    .unwrap();
    // Schema 3 again: devspm's migrations rebuild the tree over the forged events (what schema 6
    // added is taken out first, so that its migration can run again).
    conn.execute_batch(
        "DROP INDEX tools_seen_key; DROP INDEX tools_seen_name;
         ALTER TABLE tools_seen DROP COLUMN version; ALTER TABLE tools_seen DROP COLUMN line;
         ALTER TABLE tools_seen DROP COLUMN first_seq;
         CREATE UNIQUE INDEX tools_seen_key ON tools_seen (repo_id, path, name);
         DROP TABLE workstation_tools; DROP TABLE advisory_sources; DROP TABLE advisories;
         DROP TABLE advisory_packages; DROP TABLE secret_scanned_blobs;",
    )
    .unwrap();
    conn.execute_batch("DROP TABLE merkle_nodes; DROP TABLE checkpoints; PRAGMA user_version = 3;")
        .unwrap();
}

/// docs/ledger.md's chain hash, restated for the forger.
fn chain_hash(prev: &str, seq: u64, f: &[String; 6]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"devspm-event-v1\0");
    h.update(
        (0..32)
            .map(|i| u8::from_str_radix(&prev[2 * i..2 * i + 2], 16).unwrap())
            .collect::<Vec<u8>>(),
    );
    h.update(seq.to_be_bytes());
    for field in f {
        h.update((field.len() as u32).to_be_bytes());
        h.update(field.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn forged_checkpoints_and_unknown_keys_are_refused() {
    let s = signed();
    let note = std::fs::read_to_string(&s.checkpoint).unwrap();
    let size: u64 = note.lines().nth(1).unwrap().parse().unwrap();

    // A different size with the same signature.
    let forged_size = s.sandbox.path().join("forged-size.txt");
    std::fs::write(
        &forged_size,
        note.replacen(&format!("\n{size}\n"), &format!("\n{}\n", size - 1), 1),
    )
    .unwrap();
    assert_fails(
        &s.verify_checkpoint(&forged_size),
        3,
        &[
            "CHECKPOINT VERIFICATION FAILED",
            "does not verify",
            "altered or forged",
        ],
    );

    // A different root with the same signature.
    let mut lines: Vec<&str> = note.split('\n').collect();
    let root = lines[2].to_owned();
    let other = if root.starts_with('A') { "B" } else { "A" };
    let new_root = format!("{other}{}", &root[1..]);
    lines[2] = &new_root;
    let forged_root = s.sandbox.path().join("forged-root.txt");
    std::fs::write(&forged_root, lines.join("\n")).unwrap();
    assert_fails(&s.verify_checkpoint(&forged_root), 3, &["does not verify"]);

    // Signed by a key the auditor does not trust.
    let stranger = s.sandbox.path().join("stranger.key");
    s.sandbox
        .run(&[
            "audit",
            "keygen",
            "-o",
            stranger.to_str().unwrap(),
            "--name",
            "devspm/test",
        ])
        .assert_code(0);
    let run = s.sandbox.run(&[
        "audit",
        "verify",
        "--checkpoint",
        s.checkpoint.to_str().unwrap(),
        "--public-key",
        &format!("{}.pub", stranger.display()),
    ]);
    assert_fails(
        &run,
        3,
        &["no signature by key devspm/test+", "unknown key"],
    );

    // The Python verifier refuses the same.
    let dir = s.export("export");
    std::fs::copy(&forged_size, dir.join("checkpoint.txt")).unwrap();
    let py = python_verify(&dir, &s.public(), None);
    assert_fails(&py, 1, &["does not verify"]);
    std::fs::copy(&s.checkpoint, dir.join("checkpoint.txt")).unwrap();
    let py = python_verify(&dir, &format!("{}.pub", stranger.display()), None);
    assert_fails(&py, 1, &["is not signed by devspm/test+"]);
    assert_eq!(python_verify(&dir, &s.public(), None).code, 0);
}

#[test]
fn truncated_or_altered_exports_and_proofs_of_another_size_are_refused() {
    let s = signed();
    let dir = s.export("export");
    let events = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    let lines: Vec<&str> = events.lines().collect();

    // The last events cut off.
    std::fs::write(
        dir.join("events.jsonl"),
        lines[..lines.len() - 2].join("\n") + "\n",
    )
    .unwrap();
    assert_fails(
        &python_verify(&dir, &s.public(), None),
        1,
        &["the export is truncated"],
    );
    // Cut in the middle of a line.
    std::fs::write(dir.join("events.jsonl"), &events[..events.len() - 30]).unwrap();
    assert_fails(
        &python_verify(&dir, &s.public(), None),
        1,
        &["not JSON (a truncated export?)"],
    );
    // An event edited in the export.
    let mut second: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    second["payload"] = second["payload"]
        .as_str()
        .unwrap()
        .replace(':', ": ")
        .into();
    let mut edited = lines.clone();
    let second = second.to_string();
    edited[1] = &second;
    std::fs::write(dir.join("events.jsonl"), edited.join("\n") + "\n").unwrap();
    assert_fails(
        &python_verify(&dir, &s.public(), None),
        1,
        &["event 2 was altered"],
    );
    std::fs::write(dir.join("events.jsonl"), &events).unwrap();

    // A proof for a smaller tree than the checkpoint's.
    let size = lines.len() as u64;
    let proof = s.sandbox.run(&[
        "--format",
        "json",
        "audit",
        "prove",
        "2",
        "--size",
        &(size - 3).to_string(),
    ]);
    proof.assert_code(0);
    let file = s.sandbox.path().join("proof.json");
    std::fs::write(&file, &proof.stdout).unwrap();
    assert_fails(
        &python_verify(&dir, &s.public(), Some(&file)),
        1,
        &[&format!(
            "proof is for a tree of {} events but the checkpoint is for {size}",
            size - 3
        )],
    );
    // The same proof relabelled with the checkpoint's size does not reach its root.
    let mut json = proof.json();
    json["tree_size"] = size.into();
    std::fs::write(&file, json.to_string()).unwrap();
    assert_fails(
        &python_verify(&dir, &s.public(), Some(&file)),
        1,
        &["does not lead to the checkpoint's root"],
    );
}

#[test]
fn a_rolled_back_database_is_reported() {
    let s = signed();
    let db = s.sandbox.db();
    let copy = s.sandbox.path().join("old.db");
    std::fs::copy(&db, &copy).unwrap();
    // More history, then a checkpoint the auditor keeps.
    let repo = s.sandbox.existing_repo(&s.sandbox.path().join("rich"));
    repo.commit_file(ALICE, "more.txt", "more\n", "More work");
    s.sandbox.scan(&repo.path);
    let newer = s.sandbox.path().join("newer.txt");
    s.sandbox
        .run(&[
            "audit",
            "checkpoint",
            "--key",
            s.key.to_str().unwrap(),
            "-o",
            newer.to_str().unwrap(),
        ])
        .assert_code(0);
    // The old file comes back.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::copy(&copy, &db).unwrap();
    s.sandbox.assert_verifies();
    let run = s.verify_checkpoint(&newer);
    assert_fails(
        &run,
        3,
        &[
            "CHECKPOINT VERIFICATION FAILED",
            "ROLLBACK",
            "older copy of the ledger",
        ],
    );
    // The older checkpoint still matches the older file.
    s.verify_checkpoint(&s.checkpoint).assert_code(0);
}

/// Two repositories scanned (alpha: Alice and Bob, beta: Carol), a key and a checkpoint.
fn two_repositories() -> (Signed, String, String) {
    let sandbox = Sandbox::new();
    let alpha = sandbox.repo("alpha");
    alpha.commit_file(ALICE, "a.txt", "one\n", "First");
    alpha.commit_file(BOB, "b.txt", "two\n", "Second");
    let beta = sandbox.repo("beta");
    beta.commit_file(CAROL, "c.txt", "three\n", "Third");
    sandbox.scan(&alpha.path);
    sandbox.scan(&beta.path);
    let (key, checkpoint) = keygen_and_checkpoint(&sandbox);
    let id = |name: &str| -> String {
        sandbox
            .conn()
            .query_row(
                "SELECT repo_id FROM repositories WHERE name = ?1",
                [name],
                |r| r.get(0),
            )
            .unwrap()
    };
    let (a, b) = (id("alpha"), id("beta"));
    (
        Signed {
            sandbox,
            key,
            checkpoint,
        },
        a,
        b,
    )
}

fn read_jsonl(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Whether an exported event belongs to repository `id` by the documented rule.
fn of_repo(e: &serde_json::Value, id: &str) -> bool {
    let payload: serde_json::Value = serde_json::from_str(e["payload"].as_str().unwrap()).unwrap();
    let subject = e["subject"].as_str().unwrap();
    payload["repo"] == id
        || subject == format!("repo:{id}")
        || subject.starts_with(&format!("commit:{id}/"))
        || subject.starts_with(&format!("ref:{id}/"))
}

#[test]
fn partial_exports_by_repository_and_date_verify_event_by_event() {
    let (s, alpha, beta) = two_repositories();
    let today = s
        .sandbox
        .conn()
        .query_row(
            "SELECT substr(at, 1, 10) FROM events WHERE seq = 1",
            [],
            |r| r.get::<_, String>(0),
        )
        .unwrap();
    // A commit recorded after the checkpoint: it matches but cannot be proven, so it is left
    // out (and counted).
    let alpha_repo = s.sandbox.existing_repo(&s.sandbox.path().join("alpha"));
    alpha_repo.commit_file(ALICE, "d.txt", "four\n", "Fourth, after the checkpoint");
    s.sandbox.scan(&alpha_repo.path);
    let size =
        s.sandbox
            .query_i64("SELECT tree_size FROM checkpoints ORDER BY id DESC LIMIT 1") as u64;

    let dir = s.sandbox.path().join("alpha-export");
    let alpha_path = s.sandbox.path().join("alpha");
    let run = s.sandbox.run(&[
        "--format",
        "json",
        "audit",
        "export",
        "--repo",
        alpha_path.to_str().unwrap(),
        "--since",
        &today,
        "-o",
        dir.to_str().unwrap(),
    ]);
    run.assert_code(0);
    assert_eq!(run.json()["export"], "partial", "{run:?}");

    let events = read_jsonl(&dir.join("events.jsonl"));
    let proofs = read_jsonl(&dir.join("proofs.jsonl"));
    let expected = s
        .sandbox
        .conn()
        .query_row(
            "SELECT count(*) FROM events WHERE seq <= ?2 AND (json_extract(payload, '$.repo') = ?1
           OR subject = 'repo:' || ?1 OR subject LIKE 'commit:' || ?1 || '/%'
           OR subject LIKE 'ref:' || ?1 || '/%')",
            rusqlite::params![alpha, size as i64],
            |r| r.get::<_, i64>(0),
        )
        .unwrap();
    assert_eq!(events.len() as i64, expected);
    assert!(events.len() >= 4, "{events:?}");
    assert_eq!(proofs.len(), events.len());
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"repository_registered") && kinds.contains(&"commit_recorded"));
    for (e, p) in events.iter().zip(&proofs) {
        assert!(of_repo(e, &alpha), "not alpha's: {e}");
        assert!(!of_repo(e, &beta), "beta's: {e}");
        assert!(e["seq"].as_u64().unwrap() <= size);
        assert!(e["at"].as_str().unwrap().starts_with(&today));
        assert_eq!(p["seq"], e["seq"]);
        assert_eq!(p["tree_size"], size);
        assert_eq!(p["leaf_hash"], e["leaf_hash"]);
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["export"], "partial");
    assert_eq!(manifest["events"], events.len());
    assert_eq!(manifest["checkpoint_size"], size);
    assert_eq!(manifest["filters"]["repo"]["id"], alpha.as_str());
    assert_eq!(manifest["filters"]["since"], today.as_str());
    assert!(
        manifest["matching_events_newer_than_checkpoint"]
            .as_u64()
            .unwrap()
            >= 1
    );
    assert!(dir.join("checkpoint.txt").is_file() && dir.join("verifier.pub").is_file());

    let ok = python_verify(&dir, &s.public(), None);
    ok.assert_code(0);
    assert!(
        ok.stdout
            .contains(&format!("partial export of {} events", events.len())),
        "{ok:?}"
    );

    // A tampered event: its payload changed.
    let text = std::fs::read_to_string(dir.join("events.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let victim = events
        .iter()
        .position(|e| e["kind"] == "commit_recorded")
        .unwrap();
    let seq = events[victim]["seq"].as_u64().unwrap();
    let mut edited = events[victim].clone();
    edited["payload"] = edited["payload"]
        .as_str()
        .unwrap()
        .replace("\"signature\":\"none\"", "\"signature\":\"gpg\"")
        .into();
    assert_ne!(edited["payload"], events[victim]["payload"]);
    let write_with = |line: String| {
        let mut all: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        all[victim] = line;
        std::fs::write(dir.join("events.jsonl"), all.join("\n") + "\n").unwrap();
    };
    write_with(edited.to_string());
    assert_fails(
        &python_verify(&dir, &s.public(), None),
        1,
        &[&format!("event {seq} was altered")],
    );
    // The same edit with the event's hash and leaf hash recomputed: its proof no longer holds.
    let fields: [String; 6] = ["key", "kind", "at", "actor", "subject", "payload"]
        .map(|f| edited[f].as_str().unwrap().to_owned());
    let hash = chain_hash(edited["prev_hash"].as_str().unwrap(), seq, &fields);
    let leaf = {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update([0u8]);
        h.update(
            (0..32)
                .map(|i| u8::from_str_radix(&hash[2 * i..2 * i + 2], 16).unwrap())
                .collect::<Vec<u8>>(),
        );
        h.finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    edited["hash"] = hash.into();
    edited["leaf_hash"] = leaf.into();
    write_with(edited.to_string());
    assert_fails(
        &python_verify(&dir, &s.public(), None),
        1,
        &[&format!("proof's leaf is not event {seq}")],
    );
    std::fs::write(dir.join("events.jsonl"), &text).unwrap();
    python_verify(&dir, &s.public(), None).assert_code(0);

    // A proof for another tree size in proofs.jsonl.
    let proofs_text = std::fs::read_to_string(dir.join("proofs.jsonl")).unwrap();
    let other = s.sandbox.run(&[
        "--format",
        "json",
        "audit",
        "prove",
        &seq.to_string(),
        "--size",
        &(size - 1).to_string(),
    ]);
    other.assert_code(0);
    let mut plines: Vec<String> = proofs_text.lines().map(str::to_owned).collect();
    plines[victim] = other.json().to_string();
    std::fs::write(dir.join("proofs.jsonl"), plines.join("\n") + "\n").unwrap();
    assert_fails(
        &python_verify(&dir, &s.public(), None),
        1,
        &[&format!(
            "proof of event {seq} is for a tree of {} events but the checkpoint is for {size}",
            size - 1
        )],
    );
    // A proof missing, or the export cut short.
    plines.remove(victim);
    std::fs::write(dir.join("proofs.jsonl"), plines.join("\n") + "\n").unwrap();
    assert_fails(
        &python_verify(&dir, &s.public(), None),
        1,
        &[&format!("event {seq} has no inclusion proof")],
    );
    std::fs::write(dir.join("proofs.jsonl"), &proofs_text).unwrap();
    std::fs::write(
        dir.join("events.jsonl"),
        lines[..lines.len() - 1].join("\n") + "\n",
    )
    .unwrap();
    assert_fails(
        &python_verify(&dir, &s.public(), None),
        1,
        &["the export is truncated"],
    );
    std::fs::write(dir.join("events.jsonl"), &text).unwrap();
    python_verify(&dir, &s.public(), None).assert_code(0);

    // A period with no events: an empty partial export that still verifies.
    let empty = s.sandbox.path().join("empty-export");
    s.sandbox
        .run(&[
            "audit",
            "export",
            "--until",
            "2000-01-01",
            "-o",
            empty.to_str().unwrap(),
        ])
        .assert_code(0);
    assert_eq!(
        std::fs::read_to_string(empty.join("events.jsonl")).unwrap(),
        ""
    );
    python_verify(&empty, &s.public(), None).assert_code(0);

    // Without filters the export stays full, and verifies as before.
    let full = s.export("full-export");
    assert!(!full.join("proofs.jsonl").exists());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(full.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["export"], "full");
    assert_eq!(manifest["events"], s.sandbox.event_count());
    let ok = python_verify(&full, &s.public(), None);
    ok.assert_code(0);
    assert!(ok.stdout.contains("events chain correctly"), "{ok:?}");
}

#[test]
fn partial_exports_by_identity_name_only_its_ids_and_csv_quotes_payloads() {
    let (s, _alpha, _beta) = two_repositories();
    let dir = s.sandbox.path().join("alice-export");
    s.sandbox
        .run(&[
            "--format",
            "csv",
            "audit",
            "export",
            "--identity",
            ALICE.1,
            "-o",
            dir.to_str().unwrap(),
        ])
        .assert_code(0);
    let manifest_text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(
        !manifest_text.contains(ALICE.1),
        "e-mail in the manifest: {manifest_text}"
    );
    let manifest: serde_json::Value = serde_json::from_str(&manifest_text).unwrap();
    let mut ids = vec![
        manifest["filters"]["identity"]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
    ];
    ids.extend(
        manifest["filters"]["identity"]["aliases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned()),
    );
    assert!(ids.len() >= 2, "{manifest}");
    let events = read_jsonl(&dir.join("events.jsonl"));
    assert!(!events.is_empty());
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(
        kinds.contains(&"commit_recorded") && kinds.contains(&"alias_resolved"),
        "{kinds:?}"
    );
    for e in &events {
        let quoted: Vec<String> = ids.iter().map(|i| format!("\"{i}\"")).collect();
        assert!(
            ids.iter()
                .any(|i| e["actor"] == i.as_str() || e["subject"] == i.as_str())
                || quoted
                    .iter()
                    .any(|q| e["payload"].as_str().unwrap().contains(q.as_str())),
            "not Alice's: {e}"
        );
    }
    python_verify(&dir, &s.public(), None).assert_code(0);

    // events.csv: a header and one row per event, payloads (commas, quotes) quoted.
    let csv = std::fs::read_to_string(dir.join("events.csv")).unwrap();
    assert!(csv.starts_with(
        "seq,leaf_index,leaf_hash,key,kind,at,actor,subject,payload,prev_hash,hash\n"
    ));
    let payload = events[0]["payload"].as_str().unwrap();
    assert!(payload.contains(',') && payload.contains('"'));
    assert!(
        csv.contains(&format!(",\"{}\",", payload.replace('"', "\"\""))),
        "{csv}"
    );
    // Read back with Python's csv module: the same events, field for field.
    let check = Command::new("python3")
        .arg("-c")
        .arg(
            "import csv, json, sys\n\
             rows = list(csv.DictReader(open(sys.argv[1], newline='')))\n\
             events = [json.loads(l) for l in open(sys.argv[2])]\n\
             assert len(rows) == len(events), (len(rows), len(events))\n\
             for r, e in zip(rows, events):\n\
             \x20   for k in r:\n\
             \x20       assert r[k] == str(e[k]), (k, r[k], e[k])\n\
             print(len(rows))\n",
        )
        .arg(dir.join("events.csv"))
        .arg(dir.join("events.jsonl"))
        .output()
        .unwrap();
    let check = Run::from(check);
    check.assert_code(0);
    assert_eq!(check.stdout.trim(), events.len().to_string());

    // Unknown repository or identity, a bad date: one clear error, exit 1, nothing written.
    for (flag, value, needle) in [
        (
            "--repo",
            "no-such-repo",
            "no recorded repository matches \"no-such-repo\"",
        ),
        (
            "--identity",
            "nobody@example.com",
            "no recorded identity matches \"nobody@example.com\"",
        ),
        (
            "--since",
            "2026-02-30",
            "--since \"2026-02-30\" is not a date",
        ),
    ] {
        let out = s.sandbox.path().join("refused");
        s.sandbox
            .run(&["audit", "export", flag, value, "-o", out.to_str().unwrap()])
            .assert_error(&[needle]);
        assert!(!out.exists());
    }
}

/// `audit keygen -o keys/x` creates the missing folder, readable by its owner only.
#[test]
fn keygen_creates_the_key_folder() {
    let sandbox = Sandbox::new();
    let key = sandbox.path().join("keys/nested/audit.key");
    sandbox
        .run(&["audit", "keygen", "-o", key.to_str().unwrap()])
        .assert_code(0);
    assert!(key.is_file() && sandbox.path().join("keys/nested/audit.key.pub").is_file());
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&sandbox.path().join("keys/nested")), 0o700);
    assert_eq!(mode(&key), 0o600);
}
