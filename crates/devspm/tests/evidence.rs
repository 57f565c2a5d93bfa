//! `devspm audit evidence` end to end: a repository with a signed commit, a reviewed commit
//! that introduces a high-severity finding (imported from a small SARIF file), an AI
//! co-authored commit and an unsigned one; packs for SSDF and SOC 2 whose sample, counts and
//! files are checked, and whose every inclusion proof verifies with the independent Python
//! verifier (`scripts/verify_checkpoint.py`); and the bad inputs.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{ALICE, BOB, CAROL, CO_AUTHORED_BY_CLAUDE, Repo, Run, Sandbox};
use serde_json::Value;

/// The repository and what each commit is.
struct Fixture {
    sandbox: Sandbox,
    key: PathBuf,
    /// Alice, signed with an SSH key.
    signed: String,
    /// Bob, `Reviewed-by: Carol`, introduces the high-severity finding.
    reviewed: String,
    /// Bob with Claude Code (co-author trailer).
    ai: String,
    /// Carol, unsigned, introduces a low-severity finding.
    plain: String,
}

const APP_PY: &str =
    "import subprocess\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n";

fn sarif() -> String {
    let result = |rule: &str, level: &str, path: &str, line: u32, hash: &str| {
        serde_json::json!({
            "ruleId": rule,
            "level": level,
            "message": { "text": format!("{rule} flagged this line") },
            "locations": [{ "physicalLocation": {
                "artifactLocation": { "uri": path },
                "region": { "startLine": line, "endLine": line }
            }}],
            "partialFingerprints": { "primaryLocationLineHash": hash }
        })
    };
    serde_json::json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": { "driver": { "name": "Semgrep OSS", "version": "1.185.0", "rules": [
                { "id": "python.shell-true" }, { "id": "docs.todo" }
            ]}},
            "results": [
                result("python.shell-true", "error", "src/app.py", 4, "a1b2c3d4:1"),
                result("docs.todo", "note", "docs/guide.md", 2, "e5f6a7b8:1"),
            ]
        }]
    })
    .to_string()
}

/// `git commit -S` with an SSH signing key, as `who`.
fn commit_signed(repo: &Repo, ssh_key: &Path, who: common::Person<'_>, message: &str) -> String {
    repo.git(&["add", "-A"]);
    let key = format!("user.signingkey={}", ssh_key.display());
    let out = repo.git_output(
        &[
            "-c",
            "gpg.format=ssh",
            "-c",
            &key,
            "commit",
            "-q",
            "-S",
            "--cleanup=verbatim",
            "-F",
            "-",
        ],
        Some(who),
        Some(message.as_bytes()),
    );
    assert!(
        out.status.success(),
        "signed commit failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    repo.head()
}

fn fixture() -> Fixture {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("app");
    let ssh_key = sandbox.path().join("id_signing");
    let status = Command::new("ssh-keygen")
        .args([
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "alice@example.com",
            "-f",
        ])
        .arg(&ssh_key)
        .status()
        .expect("run ssh-keygen");
    assert!(status.success());
    repo.write("README.md", "# app\n");
    let signed = commit_signed(&repo, &ssh_key, ALICE, "Initial commit\n");
    let reviewed = repo.commit_file(
        BOB,
        "src/app.py",
        APP_PY,
        "Run maintenance commands\n\nReviewed-by: Carol Diaz <carol@example.com>\n",
    );
    let ai = repo.commit_file(
        BOB,
        "src/parser.rs",
        "pub fn parse() {}\n",
        CO_AUTHORED_BY_CLAUDE,
    );
    let plain = repo.commit_file(
        CAROL,
        "docs/guide.md",
        "# Guide\nTODO: write it\n",
        "Start the guide",
    );
    sandbox.scan(&repo.path);
    let signature: String = sandbox
        .conn()
        .query_row(
            "SELECT signature FROM commits WHERE sha = ?1",
            [&signed],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(signature, "ssh");
    let report = sandbox.path().join("semgrep.sarif");
    std::fs::write(&report, sarif()).unwrap();
    sandbox
        .run(&[
            "import",
            report.to_str().unwrap(),
            "--repo",
            repo.path.to_str().unwrap(),
        ])
        .assert_code(0);
    let key = sandbox.path().join("audit.key");
    sandbox
        .run(&[
            "audit",
            "keygen",
            "-o",
            key.to_str().unwrap(),
            "--name",
            "devspm/evidence-test",
        ])
        .assert_code(0);
    Fixture {
        sandbox,
        key,
        signed,
        reviewed,
        ai,
        plain,
    }
}

impl Fixture {
    fn evidence(&self, framework: &str, dir: &str, extra: &[&str]) -> (PathBuf, Value) {
        let out = self.sandbox.path().join(dir);
        let mut args = vec![
            "--format",
            "json",
            "audit",
            "evidence",
            "--framework",
            framework,
            "-o",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let run = self.sandbox.run(&args);
        run.assert_code(0);
        let summary = run.json();
        let index: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("index.json")).unwrap())
                .unwrap();
        assert_eq!(summary, index, "stdout and index.json differ");
        (out, index)
    }

    fn key(&self) -> &str {
        self.key.to_str().unwrap()
    }
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

fn json(path: impl AsRef<Path>) -> Value {
    serde_json::from_str(&read(path)).unwrap()
}

fn python_verify(dir: &Path, key: &Path, proof: &Path) -> Run {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/verify_checkpoint.py");
    Run::from(
        Command::new("python3")
            .arg(script)
            .arg(dir)
            .arg("--key")
            .arg(key)
            .arg("--proof")
            .arg(proof)
            .output()
            .expect("run python3"),
    )
}

/// Every proof of the pack verifies with the standalone script, against the checkpoint in the
/// pack, with the verifier key from keygen; and every cited event has one.
fn assert_proofs_verify(dir: &Path, public: &Path) -> usize {
    let mut proofs: Vec<PathBuf> = std::fs::read_dir(dir.join("proofs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    proofs.sort();
    assert!(!proofs.is_empty());
    for proof in &proofs {
        let run = python_verify(dir, public, proof);
        run.assert_code(0);
        assert!(
            run.stdout.contains("the inclusion proof of event"),
            "{run:?}"
        );
    }
    let cited: Vec<u64> = read(dir.join("cited-events.jsonl"))
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(cited.len(), proofs.len());
    for seq in cited {
        assert!(dir.join(format!("proofs/{seq}.json")).is_file(), "{seq}");
    }
    proofs.len()
}

#[test]
fn ssdf_and_soc2_packs_are_complete_sampled_and_verifiable() {
    let f = fixture();
    let public = PathBuf::from(format!("{}.pub", f.key()));

    // A small sample still includes the change that introduced the open high finding.
    let (small, index) = f.evidence("ssdf", "small", &["--key", f.key(), "--sample", "2"]);
    assert_eq!(index["population"], 4, "{index:#}");
    assert_eq!(index["sample"]["size"], 2, "{index:#}");
    assert_eq!(index["sample"]["requested"], 2);
    assert_eq!(index["sample"]["always_included"], 1);
    let sampled: Vec<&str> = index["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["commit"].as_str().unwrap())
        .collect();
    assert!(sampled.contains(&f.reviewed.as_str()), "{index:#}");
    let why = index["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["commit"] == f.reviewed.as_str())
        .unwrap()["sampled_because"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(why.starts_with("always included"), "{why}");
    let index_md = read(small.join("index.md"));
    assert!(index_md.contains("**2 of 4** changes"), "{index_md}");
    // The sample is deterministic.
    let (_, again) = f.evidence("ssdf", "small-again", &["--key", f.key(), "--sample", "2"]);
    assert_eq!(again["changes"], index["changes"]);
    assert_proofs_verify(&small, &public);

    // The whole population.
    let (dir, index) = f.evidence("ssdf", "ssdf", &["--key", f.key()]);
    assert_eq!(index["sample"]["size"], 4);
    assert_eq!(index["framework"], "ssdf");
    for file in [
        "index.md",
        "index.json",
        "practices.md",
        "VERIFY.md",
        "checkpoint.txt",
        "verifier.pub",
        "events.jsonl",
        "cited-events.jsonl",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    assert_eq!(read(dir.join("verifier.pub")), read(&public));
    let events = read(dir.join("events.jsonl")).lines().count() as u64;
    assert_eq!(events, index["checkpoint"]["tree_size"].as_u64().unwrap());
    assert_eq!(events, f.sandbox.event_count() as u64);
    let index_md = read(dir.join("index.md"));
    for sha in [&f.signed, &f.reviewed, &f.ai, &f.plain] {
        let short = &sha[..12];
        assert!(
            index_md.contains(&format!("(changes/{short}.md)")),
            "{short} not linked: {index_md}"
        );
        assert!(dir.join(format!("changes/{short}.md")).is_file());
        assert!(dir.join(format!("changes/{short}.json")).is_file());
    }
    assert!(index_md.contains("**4 of 4** changes"), "{index_md}");

    // The signed change.
    let signed = json(dir.join(format!("changes/{}.json", &f.signed[..12])));
    assert_eq!(signed["signature"]["kind"], "ssh");
    assert_eq!(signed["signature"]["signed"], true);
    assert_eq!(signed["author"]["name"], "Alice Martin");
    assert_eq!(signed["author"]["email"], "alice@example.com");
    assert_eq!(signed["author"]["kind"], "developer");
    assert!(
        signed["review"]["summary"]
            .as_str()
            .unwrap()
            .starts_with("none recorded")
    );
    assert_eq!(signed["review"]["independent"], false);
    // The reviewed change: the trailer names Carol, and the finding it introduced.
    let reviewed = json(dir.join(format!("changes/{}.json", &f.reviewed[..12])));
    assert_eq!(reviewed["signature"]["signed"], false);
    assert_eq!(reviewed["review"]["trailers"][0]["key"], "Reviewed-by");
    assert_eq!(
        reviewed["review"]["trailers"][0]["person"]["name"],
        "Carol Diaz"
    );
    assert_eq!(reviewed["review"]["independent"], true);
    let found = &reviewed["findings_introduced"][0];
    assert_eq!(found["rule"], "python.shell-true");
    assert_eq!(found["severity"], "high");
    assert_eq!(found["tool"], "semgrep");
    assert_eq!(found["status"], "open");
    assert_eq!(found["primary"], true);
    let kinds: Vec<&str> = reviewed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["commit_recorded", "finding_recorded", "attribution"],
        "{reviewed:#}"
    );
    let md = read(dir.join(format!("changes/{}.md", &f.reviewed[..12])));
    assert!(
        md.contains("`Reviewed-by:` Carol Diaz (carol@example.com)"),
        "{md}"
    );
    assert!(
        md.contains("| high | open | semgrep | python.shell-true | src/app.py:4 |"),
        "{md}"
    );
    // The event seq and its proof are those of the commit's commit_recorded event.
    let seq = reviewed["recorded"]["seq"].as_u64().unwrap();
    let recorded: i64 = f
        .sandbox
        .conn()
        .query_row(
            "SELECT seq FROM commits WHERE sha = ?1",
            [&f.reviewed],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(seq, recorded as u64);
    let proof = json(dir.join(format!("proofs/{seq}.json")));
    assert_eq!(proof["leaf_index"], seq - 1);
    assert_eq!(proof["tree_size"], index["checkpoint"]["tree_size"]);
    assert_eq!(proof["kind"], "commit_recorded");
    // The AI co-authored change.
    let ai = json(dir.join(format!("changes/{}.json", &f.ai[..12])));
    assert_eq!(ai["ai"][0]["agent"], "claude-code");
    assert_eq!(ai["ai"][0]["confidence"], "exact");
    assert_eq!(ai["ai"][0]["accountable"]["name"], "Bob Stone");
    assert!(
        ai["ai"][0]["evidence"][0]
            .as_str()
            .unwrap()
            .contains("noreply@anthropic.com"),
        "{ai:#}"
    );
    // The unsigned, unreviewed change.
    let plain = json(dir.join(format!("changes/{}.json", &f.plain[..12])));
    assert_eq!(plain["signature"]["kind"], "none");
    assert_eq!(plain["files"]["changed"], 1);
    assert_eq!(plain["findings_introduced"][0]["severity"], "low");

    // Practices: the numbers of the period.
    let practices = read(dir.join("practices.md"));
    for needle in [
        "## PS.1",
        "## PO.3",
        "## RV.2",
        "## RV.3",
        "Signed changes: 1 of 4 (25.0%)",
        "Author resolved to an identity: 4 of 4 (100.0%)",
        "2 findings on record (2 open, 0 fixed)",
        "Traced to the change that introduced them (blame of the flagged lines, lockfile or secret history): 2 of 2 (100.0%)",
        "**verified**",
    ] {
        assert!(
            practices.contains(needle),
            "{needle:?} not in:\n{practices}"
        );
    }
    let verify = read(dir.join("VERIFY.md"));
    assert!(verify.contains("verify_checkpoint.py . --key KEY --proof proofs/"));
    let proofs = assert_proofs_verify(&dir, &public);
    assert_eq!(proofs as u64, index["cited_events"].as_u64().unwrap());

    // SOC 2, without --key: the latest recorded checkpoint.
    let checkpoints = f.sandbox.query_i64("SELECT count(*) FROM checkpoints");
    let (soc2, index) = f.evidence("soc2", "soc2", &[]);
    assert_eq!(
        f.sandbox.query_i64("SELECT count(*) FROM checkpoints"),
        checkpoints,
        "no checkpoint is signed without --key"
    );
    assert_eq!(index["framework"], "soc2");
    assert_eq!(index["checkpoint"]["signed_for_this_pack"], false);
    assert_eq!(index["sample"]["size"], 4);
    let practices = read(soc2.join("practices.md"));
    for needle in [
        "## CC8.1",
        "## CC7.1",
        "## CC7.2",
        "## CC6.1",
        "Independent review recorded in git (a review trailer naming someone else, or a merge by another person), in the sample: 1 of 4 (25.0%)",
    ] {
        assert!(
            practices.contains(needle),
            "{needle:?} not in:\n{practices}"
        );
    }
    assert_proofs_verify(&soc2, &public);

    // A tampered proof is caught by the script.
    let proof_path = soc2.join(format!("proofs/{seq}.json"));
    let mut proof = json(&proof_path);
    proof["audit_path"][0] = Value::String("00".repeat(32));
    std::fs::write(&proof_path, proof.to_string()).unwrap();
    let run = python_verify(&soc2, &public, &proof_path);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("does not lead to the checkpoint's root"),
        "{run:?}"
    );
}

#[test]
fn bad_input_is_refused_with_clear_messages() {
    let sandbox = Sandbox::new();
    let repo = sandbox.repo("small");
    repo.commit_file(ALICE, "a.txt", "a\n", "First");
    repo.commit_file(BOB, "b.txt", "b\n", "Second");
    sandbox.scan(&repo.path);
    let out = sandbox.path().join("pack");
    let out = out.to_str().unwrap();

    // Unknown framework: a usage error from the parser.
    let run = sandbox.run(&["audit", "evidence", "--framework", "iso27001", "-o", out]);
    run.assert_code(2);
    assert!(run.stderr.contains("iso27001"), "{run:?}");
    assert!(
        run.stderr.contains("ssdf") && run.stderr.contains("soc2"),
        "{run:?}"
    );

    // No checkpoint and no key.
    sandbox
        .run(&["audit", "evidence", "--framework", "ssdf", "-o", out])
        .assert_error(&["no checkpoint is recorded", "--key"]);
    assert!(!Path::new(out).exists(), "nothing written on refusal");

    let key = sandbox.path().join("k");
    sandbox
        .run(&["audit", "keygen", "-o", key.to_str().unwrap()])
        .assert_code(0);
    let key = key.to_str().unwrap();
    let evidence = |extra: &[&str]| {
        let mut args = vec![
            "audit",
            "evidence",
            "--framework",
            "soc2",
            "--key",
            key,
            "-o",
            out,
        ];
        args.extend_from_slice(extra);
        sandbox.run(&args)
    };
    evidence(&["--since", "2024-02-01", "--until", "2024-01-01"])
        .assert_error(&["--since 2024-02-01 is after --until 2024-01-01"]);
    evidence(&["--since", "2020-01-01", "--until", "2020-03-31"]).assert_error(&[
        "no changes recorded",
        "from 2020-01-01 to 2020-03-31",
        "recorded commits range from 2023-11-15 to 2023-11-15",
    ]);
    evidence(&["--since", "2024-13-01"]).assert_error(&["--since", "not a date", "YYYY-MM-DD"]);
    evidence(&["--sample", "0"]).assert_error(&["--sample must be at least 1"]);
    evidence(&["--repo", "nowhere"]).assert_error(&["no recorded repository matches"]);
    std::fs::create_dir_all(Path::new(out)).unwrap();
    std::fs::write(Path::new(out).join("keep.txt"), "x").unwrap();
    evidence(&[]).assert_error(&["is not an empty folder"]);
    std::fs::remove_dir_all(out).unwrap();
    // And with everything right, by repository path.
    evidence(&["--repo", repo.path.to_str().unwrap()]).assert_code(0);
}
