//! Merkle checkpoints end to end: keys, signed checkpoints, proofs, exports verified by the
//! independent Python verifier (`scripts/verify_checkpoint.py`), and the attacks each must
//! detect with a precise message and a non-zero exit.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{ALICE, Run, Sandbox, rich_repo};

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
    let key = sandbox.path().join("audit.key");
    sandbox
        .run(&[
            "audit",
            "keygen",
            "-o",
            key.to_str().unwrap(),
            "--name",
            "devspm/test",
        ])
        .assert_code(0);
    let checkpoint = sandbox.path().join("checkpoint.txt");
    sandbox
        .run(&[
            "audit",
            "checkpoint",
            "--key",
            key.to_str().unwrap(),
            "-o",
            checkpoint.to_str().unwrap(),
        ])
        .assert_code(0);
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
    // Schema 3 again: devspm's migration rebuilds the tree over the forged events.
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
