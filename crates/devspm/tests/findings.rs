//! Findings end to end: real scanner output (Bandit, Semgrep, gitleaks; a crafted OSV-Scanner
//! report) imported against a repository whose history is known line by line, attributed to
//! the commit, developer and agent that introduced each finding, followed through its
//! lifecycle, exported back to SARIF, and SZZ on a fix of it.
//!
//! The scanners are not needed to run these tests: `fixtures/findings/` holds their output on
//! the repository [`build_app`] makes (fixed authors and dates, so every commit id is the same
//! on every machine). `fixtures/findings/README.md` says how each file was produced.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

const DAVE: Person<'static> = ("Dave Kim", "dave@example.com");
const ERIN: Person<'static> = ("Erin Walsh", "erin@example.com");
const FRANK: Person<'static> = ("Frank Moreau", "frank@example.com");
const GRACE: Person<'static> = ("Grace Okafor", "grace@example.com");

/// The fake AWS access key id committed (and later removed) in `deploy/settings.env`. It is
/// random and grants nothing; gitleaks' `aws-access-token` rule detects it.
const FAKE_AWS_KEY: &str = "AKIAR4QZ7TYNW3VJXK5M";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/findings")
        .join(name)
}

/// The repository the fixtures were produced on, and who introduced what.
struct App {
    repo: Repo,
    /// Alice: `app/util.py` with `subprocess.call(cmd, shell=True)`.
    alice_runner: String,
    /// Alice: `app/hashing.py` with `hashlib.md5(...)`.
    alice_hashing: String,
    /// Carol: `scripts/clean up.py` with `os.system(...)`.
    carol_cleanup: String,
    /// Erin: `requirements.txt` with jinja2 2.11.3.
    erin_requirements: String,
    /// Bob: wraps the shell call in `try:` (re-indents it, nothing else on that line).
    bob_reindent: String,
    /// Carol: `git mv app/util.py app/helpers.py`.
    carol_rename: String,
    /// Grace: black reformat, listed in `.git-blame-ignore-revs`: `'utf-8'` → `"utf-8"` on the
    /// md5 line, and spaces around `+` on the `os.system` line (whitespace only).
    grace_reformat: String,
    /// Grace: adds `.git-blame-ignore-revs`.
    grace_ignore_revs: String,
    /// Dave with Claude Code: `import pickle` and `pickle.loads(blob)`.
    dave_pickle: String,
    /// Frank: bumps jinja2 to 3.1.2 (vulnerable).
    frank_bump: String,
    /// Bob: `deploy/settings.env` with the fake AWS key.
    bob_secret: String,
    /// Carol: rewrites the key's line (`export KEY="…"`): line blame would name her.
    carol_export: String,
    /// Carol: removes the key.
    carol_remove_secret: String,
}

const UTIL_V1: &str = "\"\"\"Helpers for running maintenance commands.\"\"\"
import subprocess


def run(cmd):
    \"\"\"Run a maintenance command through the shell.\"\"\"
    return subprocess.call(cmd, shell=True)
";

const UTIL_V2: &str = "\"\"\"Helpers for running maintenance commands.\"\"\"
import subprocess


def run(cmd):
    \"\"\"Run a maintenance command through the shell.\"\"\"
    try:
        return subprocess.call(cmd, shell=True)
    except OSError:
        return 127
";

/// `app/helpers.py` after Dave's commit (and at the head of the fixture repository).
const HELPERS_V3: &str = "\"\"\"Helpers for running maintenance commands.\"\"\"
import pickle
import subprocess


def run(cmd):
    \"\"\"Run a maintenance command through the shell.\"\"\"
    try:
        return subprocess.call(cmd, shell=True)
    except OSError:
        return 127


def load_cache(blob):
    \"\"\"Load a cached result.\"\"\"
    return pickle.loads(blob)
";

const HASHING_V1: &str = "\"\"\"Password fingerprints.\"\"\"
import hashlib


def fingerprint(data):
    return hashlib.md5(data.encode('utf-8')).hexdigest()
";

const HASHING_V2: &str = "\"\"\"Password fingerprints.\"\"\"
import hashlib


def fingerprint(data):
    return hashlib.md5(data.encode(\"utf-8\")).hexdigest()
";

const CLEANUP_V1: &str = "\"\"\"Remove build output.\"\"\"
import os


def clean(path):
    os.system(\"rm -rf \"+path)
";

/// `scripts/clean up.py` after black: the same once whitespace is removed.
const CLEANUP_V2: &str = "\"\"\"Remove build output.\"\"\"
import os


def clean(path):
    os.system(\"rm -rf \" + path)
";

/// Builds the fixture repository in `<sandbox>/app` (13 commits on `main`).
fn build_app(sb: &Sandbox) -> App {
    let r = sb.repo("app");
    r.write("app/__init__.py", "");
    r.write("app/util.py", UTIL_V1);
    let alice_runner = r.commit(ALICE, "Add the command runner\n");
    let alice_hashing = r.commit_file(
        ALICE,
        "app/hashing.py",
        HASHING_V1,
        "Add password fingerprints\n",
    );
    let carol_cleanup = r.commit_file(
        CAROL,
        "scripts/clean up.py",
        CLEANUP_V1,
        "Add the clean-up script\n",
    );
    let erin_requirements = r.commit_file(
        ERIN,
        "requirements.txt",
        "jinja2==2.11.3\nrequests==2.31.0\n",
        "Pin dependencies\n",
    );
    let bob_reindent = r.commit_file(
        BOB,
        "app/util.py",
        UTIL_V2,
        "Handle commands that cannot start\n",
    );
    r.git(&["mv", "app/util.py", "app/helpers.py"]);
    let carol_rename = r.commit(CAROL, "Rename util to helpers\n");
    r.write("app/hashing.py", HASHING_V2);
    r.write("scripts/clean up.py", CLEANUP_V2);
    let grace_reformat = r.commit(GRACE, "Reformat with black\n");
    let grace_ignore_revs = r.commit_file(
        GRACE,
        ".git-blame-ignore-revs",
        &format!("# Reformat with black\n{grace_reformat}\n"),
        "Ignore the black reformat in blame\n",
    );
    let dave_pickle = r.commit_file(
        DAVE,
        "app/helpers.py",
        HELPERS_V3,
        "Add a cache loader\n\nLoads results cached by the worker.\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n",
    );
    let frank_bump = r.commit_file(
        FRANK,
        "requirements.txt",
        "jinja2==3.1.2\nrequests==2.31.0\n",
        "Bump jinja2 to 3.1.2\n",
    );
    let bob_secret = r.commit_file(
        BOB,
        "deploy/settings.env",
        &format!("REGION=eu-west-1\nAWS_ACCESS_KEY_ID={FAKE_AWS_KEY}\n"),
        "Add deployment settings\n",
    );
    let carol_export = r.commit_file(
        CAROL,
        "deploy/settings.env",
        &format!("export REGION=eu-west-1\nexport AWS_ACCESS_KEY_ID=\"{FAKE_AWS_KEY}\"\n"),
        "Export deployment settings\n",
    );
    let carol_remove_secret = r.commit_file(
        CAROL,
        "deploy/settings.env",
        "export REGION=eu-west-1\n",
        "Read the AWS key from the vault\n",
    );
    App {
        repo: r,
        alice_runner,
        alice_hashing,
        carol_cleanup,
        erin_requirements,
        bob_reindent,
        carol_rename,
        grace_reformat,
        grace_ignore_revs,
        dave_pickle,
        frank_bump,
        bob_secret,
        carol_export,
        carol_remove_secret,
    }
}

/// Two more commits on top of [`build_app`], for the lifecycle: Dave drops the cache loader
/// (`pickle.loads` goes away), then restores it. Returns (drop, restore).
fn drop_and_restore_cache_loader(app: &App) -> (String, String) {
    let r = &app.repo;
    let without = HELPERS_V3
        .split("\n\ndef load_cache")
        .next()
        .unwrap()
        .to_owned()
        + "\n";
    let dropped = r.commit_file(DAVE, "app/helpers.py", &without, "Drop the cache loader\n");
    let restored = r.commit_file(
        DAVE,
        "app/helpers.py",
        HELPERS_V3,
        "Restore the cache loader\n",
    );
    (dropped, restored)
}

/// Not a test: builds the fixture repository (with the lifecycle commits) at
/// `$DEVSPM_FINDINGS_FIXTURE_REPO` and prints its commits, to run the scanners on by hand (see
/// `fixtures/findings/README.md`).
#[test]
#[ignore = "generates the repository the fixtures were produced on"]
fn generate_fixture_repository() {
    let target = PathBuf::from(
        std::env::var("DEVSPM_FINDINGS_FIXTURE_REPO").expect("set DEVSPM_FINDINGS_FIXTURE_REPO"),
    );
    let sb = Sandbox::new();
    let app = build_app(&sb);
    let head = app.repo.head();
    let (dropped, restored) = drop_and_restore_cache_loader(&app);
    app.repo.git(&["branch", "fixture-head", &head]);
    println!("fixture head {head}\ndropped {dropped}\nrestored {restored}");
    println!("{}", app.repo.git(&["log", "--format=%H %an %s", "main"]));
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(&app.repo.path)
        .arg(&target)
        .status()
        .unwrap();
    assert!(status.success());
}
