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

// ---------------------------------------------------------------------------------------------
// Helpers

impl App {
    fn path(&self) -> &str {
        self.repo.path.to_str().unwrap()
    }
}

/// `devspm --format json import --repo REPO ARGS…`, asserting success; the JSON output.
fn import(sb: &Sandbox, repo: &str, args: &[&str]) -> Value {
    let run = import_run(sb, repo, args);
    run.assert_code(0);
    run.json()
}

fn import_run(sb: &Sandbox, repo: &str, args: &[&str]) -> Run {
    let mut all = vec!["--format", "json", "import", "--repo", repo];
    all.extend_from_slice(args);
    sb.run(&all)
}

/// `devspm --format json findings ARGS…`, asserting success: the rows.
fn findings(sb: &Sandbox, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--format", "json", "findings"];
    all.extend_from_slice(args);
    let run = sb.run(&all);
    run.assert_code(0);
    run.json().as_array().expect("an array of findings").clone()
}

/// The one row of `tool`'s `rule`.
fn row<'a>(rows: &'a [Value], tool: &str, rule: &str) -> &'a Value {
    let hits: Vec<&Value> = rows
        .iter()
        .filter(|r| r["tool"] == tool && r["rule"] == rule)
        .collect();
    assert_eq!(hits.len(), 1, "one {tool} {rule} expected in {rows:#?}");
    hits[0]
}

/// `(tool, rule)` of each row, sorted.
fn keys(rows: &[Value]) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = rows
        .iter()
        .map(|r| {
            (
                r["tool"].as_str().unwrap().to_owned(),
                r["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    keys.sort();
    keys
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
    v.sort();
    v
}

fn name(who: Person<'_>) -> String {
    format!("{} <{}>", who.0, who.1)
}

/// The `attribution` events' payloads, by finding id.
fn attribution_events(sb: &Sandbox) -> std::collections::HashMap<String, Value> {
    let run = sb.run(&["audit", "log", "--kind", "attribution", "--limit", "10000"]);
    run.assert_code(0);
    run.stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|e| {
            (
                e["payload"]["finding"].as_str().unwrap().to_owned(),
                e["payload"].clone(),
            )
        })
        .collect()
}

/// The evidence strings of a finding's attribution, joined.
fn evidence(events: &std::collections::HashMap<String, Value>, row: &Value) -> String {
    let e = &events[row["finding"].as_str().unwrap()];
    e["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Asserts `row` is attributed to `commit` by `who`, with exactly `agents`.
fn assert_introduced(app: &App, row: &Value, commit: &str, who: Person<'_>, agents: &[&str]) {
    assert_eq!(row["attribution"], "attributed", "{row:#}");
    assert_eq!(row["introduced_in"], commit, "{row:#}");
    assert_eq!(row["developer_name"], name(who).as_str(), "{row:#}");
    assert_eq!(row["other_commits"], serde_json::json!([]), "{row:#}");
    let author_time: i64 = app
        .repo
        .git(&["log", "-1", "--format=%at", commit])
        .parse()
        .unwrap();
    assert_eq!(row["introduced_at"], author_time, "{row:#}");
    let got: Vec<&str> = row["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(got, agents, "{row:#}");
}

/// A copy of a fixture, changed by `edit`, written to the sandbox as `name`.
fn edited(sb: &Sandbox, fixture_name: &str, name: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(fixture_name)).unwrap()).unwrap();
    edit(&mut doc);
    let path = sb.path().join(name);
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    path.to_str().unwrap().to_owned()
}

fn fx(name: &str) -> String {
    fixture(name).to_str().unwrap().to_owned()
}

/// The bandit result for `rule` in a bandit SARIF document.
fn bandit_result<'a>(doc: &'a mut Value, rule: &str) -> &'a mut Value {
    doc["runs"][0]["results"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["ruleId"] == rule)
        .unwrap_or_else(|| panic!("no {rule} result"))
}

fn set_uri(result: &mut Value, uri: &str) {
    result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = uri.into();
}

const BANDIT_HEAD: &str = "bandit-1.9.4-head.sarif";
const BANDIT_DROPPED: &str = "bandit-1.9.4-dropped.sarif";
const BANDIT_SCRIPTS: &str = "bandit-1.9.4-head-scripts.sarif";
const SEMGREP_HEAD: &str = "semgrep-1.185.0-head.sarif";
const GITLEAKS_EXPORT: &str = "gitleaks-8.28.0-export.json";
const GITLEAKS_HEAD: &str = "gitleaks-8.28.0-head.json";
const GITLEAKS_MOVED: &str = "gitleaks-8.28.0-moved.json";
const OSV_HEAD: &str = "osv-scanner-head.json";
/// Semgrep's JSON output of the same rules on the same tree (Semgrep 1.187.0).
const SEMGREP_JSON_HEAD: &str = "semgrep-1.187.0-head.json";

/// The fixtures' lines match the rebuilt repository: each SARIF result's snippet is the line
/// it points at.
#[test]
fn fixtures_match_the_rebuilt_repository() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    let head = app.repo.head();
    assert_eq!(
        head, "3e695db44bbed28b13b7c81a22ca89d6f9018c9f",
        "the builder changed: regenerate the fixtures (fixtures/findings/README.md)"
    );
    let (dropped, _) = drop_and_restore_cache_loader(&app);
    for (file, rev) in [
        (BANDIT_HEAD, head.as_str()),
        (BANDIT_SCRIPTS, head.as_str()),
        (SEMGREP_HEAD, head.as_str()),
        (BANDIT_DROPPED, dropped.as_str()),
    ] {
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(fixture(file)).unwrap()).unwrap();
        let results = doc["runs"][0]["results"].as_array().unwrap();
        assert!(!results.is_empty(), "{file}");
        for r in results {
            let loc = &r["locations"][0]["physicalLocation"];
            let uri = loc["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .replace("%20", " ");
            let line = loc["region"]["startLine"].as_u64().unwrap() as usize;
            let snippet = loc["region"]["snippet"]["text"].as_str().unwrap();
            let content = app.repo.git(&["show", &format!("{rev}:{uri}")]);
            let at = content.lines().nth(line - 1).unwrap();
            assert_eq!(at.trim(), snippet.trim(), "{file}: {uri}:{line}");
        }
    }
    let leaks: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(GITLEAKS_EXPORT)).unwrap()).unwrap();
    let settings = app
        .repo
        .git(&["show", &format!("{}:deploy/settings.env", app.carol_export)]);
    assert_eq!(leaks[0]["File"], "deploy/settings.env");
    assert!(settings.lines().nth(1).unwrap().contains(FAKE_AWS_KEY));
    assert_eq!(leaks[0]["StartLine"], 2);
    let ignore = app.repo.git(&[
        "show",
        &format!("{}:.git-blame-ignore-revs", app.grace_ignore_revs),
    ]);
    assert!(ignore.contains(&app.grace_reformat), "{ignore}");
}

// ---------------------------------------------------------------------------------------------
// 1. Done when: every finding attributed to the commit, developer and agent that introduced it

#[test]
fn every_finding_is_attributed_to_the_commit_and_developer_that_introduced_it() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    let out = import(
        &sb,
        app.path(),
        &[&fx(BANDIT_HEAD), &fx(SEMGREP_HEAD), &fx(OSV_HEAD)],
    );
    let runs: Vec<(String, String, u64, u64)> = out["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["tool"].as_str().unwrap().to_owned(),
                r["format"].as_str().unwrap().to_owned(),
                u(r, "/results"),
                u(r, "/new"),
            )
        })
        .collect();
    assert_eq!(
        runs,
        vec![
            ("bandit".into(), "sarif".into(), 6, 6),
            ("semgrep".into(), "sarif".into(), 4, 4),
            ("osv-scanner".into(), "osv-scanner".into(), 1, 1),
        ]
    );
    assert_eq!(out["warnings"], serde_json::json!([]), "{out:#}");
    assert_eq!(u(&out, "/attribution/attributed"), 11, "{out:#}");
    assert_eq!(u(&out, "/attribution/unattributable"), 0, "{out:#}");
    // The revision defaults to HEAD.
    assert_eq!(out["runs"][0]["revision"], app.repo.head().as_str());

    // The secret: gitleaks ran on a checkout of "Export deployment settings" (gitleaks `dir`
    // sees only the work tree), so the import names that commit.
    let leak = import(
        &sb,
        app.path(),
        &["--revision", &app.carol_export, &fx(GITLEAKS_EXPORT)],
    );
    assert_eq!(leak["runs"][0]["revision"], app.carol_export.as_str());
    assert_eq!(u(&leak, "/attribution/attributed"), 1, "{leak:#}");

    let rows = findings(&sb, &[]);
    assert_eq!(rows.len(), 12, "{rows:#?}");
    for r in &rows {
        assert_eq!(r["attribution"], "attributed", "{r:#}");
        assert_eq!(r["status"], "open", "{r:#}");
        assert_eq!(r["repository"], "app", "{r:#}");
    }

    // Alice's shell call: Bob re-indented it, Carol renamed the file; both are looked past.
    for (tool, rule) in [("bandit", "B602"), ("semgrep", "subprocess-shell-true")] {
        let r = row(&rows, tool, rule);
        assert_eq!(r["path"], "app/helpers.py");
        assert_eq!(r["start_line"], 9);
        assert_eq!(r["severity"], "high");
        assert_eq!(r["method"], "line-blame");
        assert_introduced(&app, r, &app.alice_runner, ALICE, &[]);
    }
    // Alice's `import subprocess`: only renamed since.
    assert_introduced(
        &app,
        row(&rows, "bandit", "B404"),
        &app.alice_runner,
        ALICE,
        &[],
    );
    // Dave's pickle lines, co-authored by Claude Code.
    for (tool, rule, line) in [
        ("bandit", "B403", 2),
        ("bandit", "B301", 16),
        ("semgrep", "pickle-loads", 16),
    ] {
        let r = row(&rows, tool, rule);
        assert_eq!(r["start_line"], line);
        assert_introduced(&app, r, &app.dave_pickle, DAVE, &["claude-code"]);
    }
    // Carol's `os.system`: Grace's black run (in .git-blame-ignore-revs) only added spaces.
    for (tool, rule) in [("bandit", "B605"), ("semgrep", "os-system")] {
        let r = row(&rows, tool, rule);
        assert_eq!(r["path"], "scripts/clean up.py", "{r:#}");
        assert_eq!(r["start_line"], 6);
        assert_introduced(&app, r, &app.carol_cleanup, CAROL, &[]);
    }
    // The md5 line exists (Alice's, reformatted by Grace): see
    // `ignore_revs_look_past_a_reformat_that_changed_tokens` for who it is attributed to.
    for (tool, rule) in [("bandit", "B324"), ("semgrep", "insecure-hash-md5")] {
        let r = row(&rows, tool, rule);
        assert_eq!(r["path"], "app/hashing.py");
        assert_eq!(r["start_line"], 6);
    }

    // The dependency: the requirements.txt line pinning jinja2 3.1.2 is Frank's bump; Erin
    // added the package.
    let dep = row(&rows, "osv-scanner", "GHSA-h5c8-rqwp-cp95");
    assert_eq!(dep["kind"], "dependency");
    assert_eq!(dep["package"], "jinja2");
    assert_eq!(dep["version"], "3.1.2");
    assert_eq!(dep["severity"], "medium");
    assert_eq!(dep["method"], "lockfile-history");
    assert_eq!(dep["path"], "requirements.txt", "{dep:#}");
    assert!(
        dep["identifiers"]
            .as_array()
            .unwrap()
            .contains(&"CVE-2024-22195".into()),
        "{dep:#}"
    );
    assert_introduced(&app, dep, &app.frank_bump, FRANK, &[]);

    // The secret: Bob committed it; Carol rewrote its line (line blame would name her) and
    // later removed it.
    let secret = row(&rows, "gitleaks", "aws-access-token");
    assert_eq!(secret["kind"], "secret");
    assert_eq!(secret["path"], "deploy/settings.env");
    assert_eq!(secret["start_line"], 2);
    assert_eq!(secret["method"], "secret-history");
    assert_introduced(&app, secret, &app.bob_secret, BOB, &[]);
    let preview = secret["secret_preview"].as_str().unwrap();
    assert!(!preview.is_empty() && preview != FAKE_AWS_KEY, "{secret:#}");

    // The evidence says what was looked past.
    let events = attribution_events(&sb);
    let b602 = evidence(&events, row(&rows, "bandit", "B602"));
    assert!(
        b602.contains(&format!("skipped {} (whitespace)", &app.bob_reindent[..12])),
        "{b602}"
    );
    assert!(b602.contains("rename"), "{b602}");
    assert!(!b602.contains(&app.carol_rename[..12]), "{b602}");
    let b605 = evidence(&events, row(&rows, "bandit", "B605"));
    assert!(
        b605.contains(&format!(
            "skipped {} (ignore-revs)",
            &app.grace_reformat[..12]
        )),
        "{b605}"
    );
    let dep_event = &events[dep["finding"].as_str().unwrap()];
    assert_eq!(
        dep_event["package_added"]["commit"],
        app.erin_requirements.as_str(),
        "{dep_event:#}"
    );
    assert!(
        evidence(&events, dep).contains("requirements.txt line 1 pins jinja2 3.1.2"),
        "{dep_event:#}"
    );
    let secret_event = &events[secret["finding"].as_str().unwrap()];
    assert_eq!(secret_event["present_at_head"], true, "{secret_event:#}");
    let secret_evidence = evidence(&events, secret);
    assert!(
        secret_evidence.contains(&format!("still present at {}", &app.carol_export[..12])),
        "{secret_evidence}"
    );

    // The secret value is nowhere: not in the database file, not in any output.
    let mut outputs = vec![
        serde_json::to_string(&out).unwrap(),
        serde_json::to_string(&leak).unwrap(),
    ];
    for args in [
        vec!["findings"],
        vec!["--format", "json", "findings"],
        vec!["--format", "csv", "findings"],
        vec!["audit", "log", "--limit", "10000"],
        vec!["-v", "findings", "--tool", "gitleaks"],
    ] {
        let run = sb.run(&args);
        run.assert_code(0);
        outputs.push(run.stdout);
        outputs.push(run.stderr);
    }
    let again = import_run(
        &sb,
        app.path(),
        &["--revision", &app.carol_export, &fx(GITLEAKS_EXPORT)],
    );
    again.assert_code(0);
    outputs.push(again.stdout);
    outputs.push(again.stderr);
    for text in &outputs {
        assert!(!text.contains(FAKE_AWS_KEY), "the secret leaked: {text}");
    }
    let mut db_files = 0;
    for entry in std::fs::read_dir(sb.path()).unwrap() {
        let path = entry.unwrap().path();
        let file_name = path.file_name().unwrap().to_string_lossy().into_owned();
        if file_name.starts_with("x.db") {
            db_files += 1;
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes
                    .windows(FAKE_AWS_KEY.len())
                    .any(|w| w == FAKE_AWS_KEY.as_bytes()),
                "the secret is in {}",
                path.display()
            );
        }
    }
    assert!(db_files >= 1);
    sb.assert_verifies();
}

/// A commit in `.git-blame-ignore-revs` is skipped the way `git blame --ignore-revs-file`
/// skips it, even when it changed more than whitespace on the flagged line (black turning
/// `'utf-8'` into `"utf-8"`).
#[test]
fn ignore_revs_look_past_a_reformat_that_changed_tokens() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    // git itself names Alice.
    let git_blame = app.repo.git(&[
        "blame",
        "--porcelain",
        "--ignore-revs-file",
        ".git-blame-ignore-revs",
        "-L6,6",
        "app/hashing.py",
    ]);
    assert!(git_blame.starts_with(&app.alice_hashing), "{git_blame}");
    import(&sb, app.path(), &[&fx(BANDIT_HEAD), &fx(SEMGREP_HEAD)]);
    let rows = findings(&sb, &[]);
    for (tool, rule) in [("bandit", "B324"), ("semgrep", "insecure-hash-md5")] {
        assert_introduced(&app, row(&rows, tool, rule), &app.alice_hashing, ALICE, &[]);
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Lifecycle

#[test]
fn reimport_fix_reopen_and_partial_scans_follow_the_lifecycle() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    let head = app.repo.head();
    let (dropped, restored) = drop_and_restore_cache_loader(&app);

    let first = import(&sb, app.path(), &["--revision", &head, &fx(BANDIT_HEAD)]);
    assert_eq!(u(&first, "/runs/0/new"), 6);
    assert_eq!(first["runs"][0]["already_imported"], false);
    let events = sb.event_count();

    // The same file again: nothing new, not one event.
    let again = import(&sb, app.path(), &["--revision", &head, &fx(BANDIT_HEAD)]);
    assert_eq!(again["runs"][0]["already_imported"], true, "{again:#}");
    assert_eq!(u(&again, "/runs/0/new"), 0);
    assert_eq!(u(&again, "/runs/0/fixed"), 0);
    assert_eq!(sb.event_count(), events);
    let table = sb.run(&[
        "import",
        "--repo",
        app.path(),
        "--revision",
        &head,
        &fx(BANDIT_HEAD),
    ]);
    table.assert_code(0);
    assert!(table.stdout.contains("(already imported)"), "{table:?}");
    assert_eq!(sb.event_count(), events);
    assert_eq!(findings(&sb, &[]).len(), 6);

    // The scan after "Drop the cache loader" no longer reports pickle.loads: fixed there.
    let fix = import(
        &sb,
        app.path(),
        &["--revision", &dropped, &fx(BANDIT_DROPPED)],
    );
    assert_eq!(u(&fix, "/runs/0/new"), 0, "{fix:#}");
    assert_eq!(u(&fix, "/runs/0/fixed"), 1, "{fix:#}");
    assert_eq!(u(&fix, "/runs/0/seen"), 5, "{fix:#}");
    let fixed = findings(&sb, &["--status", "fixed"]);
    assert_eq!(keys(&fixed), pairs(&[("bandit", "B301")]));
    assert_eq!(
        fixed[0]["fixed_revision"],
        dropped.as_str(),
        "{:#}",
        fixed[0]
    );
    assert_eq!(fixed[0]["reopened"], 0);
    // Still attributed to who introduced it.
    assert_eq!(fixed[0]["introduced_in"], app.dave_pickle.as_str());
    let open = findings(&sb, &["--status", "open"]);
    assert_eq!(open.len(), 5);
    for r in &open {
        assert_eq!(r["last_revision"], dropped.as_str(), "{r:#}");
        assert_eq!(r["first_revision"], head.as_str(), "{r:#}");
        assert!(r["fixed_revision"].is_null(), "{r:#}");
    }

    // "Restore the cache loader": the same results as at the fixture head, now at `restored`.
    let back = import(
        &sb,
        app.path(),
        &["--revision", &restored, &fx(BANDIT_HEAD)],
    );
    assert_eq!(back["runs"][0]["already_imported"], false, "{back:#}");
    assert_eq!(u(&back, "/runs/0/reopened"), 1, "{back:#}");
    assert_eq!(u(&back, "/runs/0/new"), 0, "{back:#}");
    assert_eq!(u(&back, "/runs/0/fixed"), 0, "{back:#}");
    let rows = findings(&sb, &[]);
    assert_eq!(rows.len(), 6);
    let b301 = row(&rows, "bandit", "B301");
    assert_eq!(b301["status"], "open", "{b301:#}");
    assert_eq!(b301["reopened"], 1, "{b301:#}");
    assert!(b301["fixed_revision"].is_null(), "{b301:#}");
    assert_eq!(b301["introduced_in"], app.dave_pickle.as_str());
    assert!(findings(&sb, &["--status", "fixed"]).is_empty());

    // A partial scan (bandit on scripts/ only) leaves what it did not look at open.
    let partial = import(
        &sb,
        app.path(),
        &["--revision", &restored, "--partial", &fx(BANDIT_SCRIPTS)],
    );
    assert_eq!(u(&partial, "/runs/0/results"), 1, "{partial:#}");
    assert_eq!(u(&partial, "/runs/0/fixed"), 0, "{partial:#}");
    assert!(findings(&sb, &["--status", "fixed"]).is_empty());
    assert_eq!(findings(&sb, &["--status", "open"]).len(), 6);

    // Without --partial the same scan would have fixed the other five.
    let sb2 = Sandbox::new();
    let app2 = build_app(&sb2);
    import(&sb2, app2.path(), &[&fx(BANDIT_HEAD)]);
    let full = import(&sb2, app2.path(), &[&fx(BANDIT_SCRIPTS)]);
    assert_eq!(u(&full, "/runs/0/fixed"), 5, "{full:#}");
    assert_eq!(
        keys(&findings(&sb2, &["--status", "open"])),
        pairs(&[("bandit", "B605")])
    );
    sb.assert_verifies();
    sb2.assert_verifies();
}

/// The secret is gone at the fixture head: gitleaks' empty report there fixes it.
#[test]
fn an_empty_report_fixes_what_the_tool_reported_before() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    import(
        &sb,
        app.path(),
        &["--revision", &app.carol_export, &fx(GITLEAKS_EXPORT)],
    );
    assert_eq!(findings(&sb, &["--status", "open"]).len(), 1);
    let out = import(&sb, app.path(), &[&fx(GITLEAKS_HEAD)]);
    assert_eq!(out["runs"].as_array().unwrap().len(), 1, "{out:#}");
    assert_eq!(u(&out, "/runs/0/fixed"), 1, "{out:#}");
    let fixed = findings(&sb, &["--status", "fixed"]);
    assert_eq!(keys(&fixed), pairs(&[("gitleaks", "aws-access-token")]));
    assert_eq!(fixed[0]["fixed_revision"], app.carol_remove_secret.as_str());
}

/// The report of "Export deployment settings" imported at the head, where the key is gone:
/// still Bob's, and the evidence says to rotate it.
#[test]
fn a_removed_secret_is_attributed_and_flagged_as_still_in_history() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    let out = import(&sb, app.path(), &[&fx(GITLEAKS_EXPORT)]);
    assert_eq!(out["runs"][0]["revision"], app.carol_remove_secret.as_str());
    let rows = findings(&sb, &[]);
    let secret = row(&rows, "gitleaks", "aws-access-token");
    assert_eq!(secret["method"], "secret-history");
    assert_introduced(&app, secret, &app.bob_secret, BOB, &[]);
    let events = attribution_events(&sb);
    let event = &events[secret["finding"].as_str().unwrap()];
    assert_eq!(event["present_at_head"], false, "{event:#}");
    let text = evidence(&events, secret);
    assert!(text.contains("rotate"), "{text}");
    assert!(text.contains(&app.bob_secret[..12]), "{text}");
    assert!(
        !sb.run(&["audit", "log", "--limit", "10000"])
            .stdout
            .contains(FAKE_AWS_KEY)
    );
}

/// The same secret one line further down (a comment added above it) is the same finding:
/// identity must not depend on the line number.
#[test]
fn a_secret_that_moves_down_a_line_is_the_same_finding() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    let moved = move_secret_down(&app);
    import(
        &sb,
        app.path(),
        &["--revision", &app.carol_export, &fx(GITLEAKS_EXPORT)],
    );
    let out = import(
        &sb,
        app.path(),
        &["--revision", &moved, &fx(GITLEAKS_MOVED)],
    );
    assert_eq!(u(&out, "/runs/0/new"), 0, "{out:#}");
    assert_eq!(u(&out, "/runs/0/fixed"), 0, "{out:#}");
    let rows = findings(&sb, &[]);
    assert_eq!(rows.len(), 1, "{rows:#?}");
    assert_eq!(rows[0]["status"], "open");
    assert_introduced(&app, &rows[0], &app.bob_secret, BOB, &[]);
}

/// `--no-attribute`, then `devspm attribute`: the same answers as attributing on import.
#[test]
fn attribute_later_gives_the_same_answers_for_code_and_dependencies() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    let out = import(
        &sb,
        app.path(),
        &["--no-attribute", &fx(BANDIT_HEAD), &fx(OSV_HEAD)],
    );
    assert!(out["attribution"].is_null(), "{out:#}");
    let pending = findings(&sb, &[]);
    assert_eq!(pending.len(), 7);
    for r in &pending {
        assert!(r["attribution"].is_null(), "{r:#}");
        assert!(r["introduced_in"].is_null(), "{r:#}");
    }
    let run = sb.run(&["--format", "json", "attribute", "--repo", app.path()]);
    run.assert_code(0);
    let report = run.json();
    assert_eq!(u(&report, "/attributed"), 7, "{report:#}");
    assert_eq!(u(&report, "/unattributable"), 0, "{report:#}");
    // Nothing is left to attribute.
    let again = sb.run(&["--format", "json", "attribute", "--repo", app.path()]);
    again.assert_code(0);
    assert_eq!(u(&again.json(), "/attributed"), 0);

    let rows = findings(&sb, &[]);
    assert_introduced(
        &app,
        row(&rows, "bandit", "B602"),
        &app.alice_runner,
        ALICE,
        &[],
    );
    assert_introduced(
        &app,
        row(&rows, "bandit", "B301"),
        &app.dave_pickle,
        DAVE,
        &["claude-code"],
    );
    assert_introduced(
        &app,
        row(&rows, "bandit", "B605"),
        &app.carol_cleanup,
        CAROL,
        &[],
    );
    assert_introduced(
        &app,
        row(&rows, "osv-scanner", "GHSA-h5c8-rqwp-cp95"),
        &app.frank_bump,
        FRANK,
        &[],
    );
    sb.assert_verifies();
}

/// A secret attributed after the import (its value is gone by then) must not be reported as
/// found by secret history, with high confidence, when it was found by line blame — here
/// naming Carol, who only rewrote the line, instead of Bob, who committed the key.
#[test]
fn a_secret_attributed_later_is_not_mislabelled_as_secret_history() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    import(
        &sb,
        app.path(),
        &[
            "--no-attribute",
            "--revision",
            &app.carol_export,
            &fx(GITLEAKS_EXPORT),
        ],
    );
    sb.run(&["-q", "attribute", "--repo", app.path()])
        .assert_code(0);
    let rows = findings(&sb, &[]);
    let secret = row(&rows, "gitleaks", "aws-access-token");
    assert_eq!(secret["attribution"], "attributed", "{secret:#}");
    if secret["introduced_in"] != app.bob_secret.as_str() {
        assert_ne!(secret["method"], "secret-history", "{secret:#}");
        assert_ne!(secret["confidence"], "high", "{secret:#}");
    }
}

/// Semgrep's JSON output is attributed as its SARIF is, and names the same findings: importing
/// the SARIF of the same rules on the same tree afterwards adds nothing.
#[test]
fn semgrep_json_is_attributed_like_its_sarif() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    let out = import(&sb, app.path(), &[&fx(SEMGREP_JSON_HEAD)]);
    assert_eq!(out["runs"][0]["format"], "semgrep", "{out:#}");
    assert_eq!(out["runs"][0]["tool"], "semgrep", "{out:#}");
    assert_eq!(u(&out, "/runs/0/new"), 4, "{out:#}");
    assert_eq!(out["warnings"], serde_json::json!([]), "{out:#}");
    assert_eq!(u(&out, "/attribution/attributed"), 4, "{out:#}");
    let rows = findings(&sb, &[]);
    let shell = row(&rows, "semgrep", "subprocess-shell-true");
    assert_eq!(shell["path"], "app/helpers.py");
    assert_eq!(shell["start_line"], 9);
    assert_eq!(shell["severity"], "high");
    assert_introduced(&app, shell, &app.alice_runner, ALICE, &[]);
    let pickle = row(&rows, "semgrep", "pickle-loads");
    assert_eq!(pickle["identifiers"], serde_json::json!(["CWE-502"]));
    assert_introduced(&app, pickle, &app.dave_pickle, DAVE, &["claude-code"]);
    let cleanup = row(&rows, "semgrep", "os-system");
    assert_eq!(cleanup["path"], "scripts/clean up.py");
    assert_introduced(&app, cleanup, &app.carol_cleanup, CAROL, &[]);

    let sarif = import(&sb, app.path(), &[&fx(SEMGREP_HEAD)]);
    assert_eq!(u(&sarif, "/runs/0/results"), 4, "{sarif:#}");
    assert_eq!(u(&sarif, "/runs/0/new"), 0, "{sarif:#}");
    assert_eq!(findings(&sb, &[]).len(), 4);
}

#[test]
fn tool_names_findings_under_another_producer() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    let out = import(&sb, app.path(), &["--tool", "sast", &fx(BANDIT_HEAD)]);
    assert_eq!(out["runs"][0]["tool"], "sast");
    import(&sb, app.path(), &[&fx(BANDIT_SCRIPTS)]);
    // Bandit's own scan of scripts/ fixes nothing recorded under `sast`.
    assert_eq!(
        findings(&sb, &["--tool", "sast", "--status", "open"]).len(),
        6
    );
    assert_eq!(
        keys(&findings(&sb, &["--tool", "bandit"])),
        pairs(&[("bandit", "B605")])
    );
    // The same scan under `sast` does.
    let fix = import(&sb, app.path(), &["--tool", "sast", &fx(BANDIT_SCRIPTS)]);
    assert_eq!(u(&fix, "/runs/0/fixed"), 5, "{fix:#}");
    assert_eq!(
        keys(&findings(&sb, &["--tool", "sast", "--status", "open"])),
        pairs(&[("sast", "B605")])
    );
}

// ---------------------------------------------------------------------------------------------
// 3. export sarif

#[test]
fn export_sarif_writes_the_attribution_into_each_result() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    import(&sb, app.path(), &[&fx(BANDIT_HEAD)]);
    // A file of another format is refused, naming what it is (it was printed unchanged).
    let other = sb.path().join("audit.json");
    std::fs::write(
        &other,
        r#"{"database": {}, "lockfile": {"dependency-count": 0}, "vulnerabilities": {"found": false, "count": 0, "list": []}}"#,
    )
    .unwrap();
    sb.run(&[
        "export",
        "sarif",
        other.to_str().unwrap(),
        "--repo",
        app.path(),
    ])
    .assert_error(&["audit.json is cargo-audit JSON output, not SARIF"]);
    let out = sb.path().join("attributed.sarif");
    let run = sb.run(&[
        "export",
        "sarif",
        &fx(BANDIT_HEAD),
        "--repo",
        app.path(),
        "-o",
        out.to_str().unwrap(),
    ]);
    run.assert_code(0);
    assert!(run.stderr.contains("6 of 6 results"), "{run:?}");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let original: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(BANDIT_HEAD)).unwrap()).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    let expected = [
        ("B324", None),
        ("B403", Some((&app.dave_pickle, vec!["claude-code"]))),
        ("B404", Some((&app.alice_runner, vec![]))),
        ("B602", Some((&app.alice_runner, vec![]))),
        ("B301", Some((&app.dave_pickle, vec!["claude-code"]))),
        ("B605", Some((&app.carol_cleanup, vec![]))),
    ];
    for (i, (result, (rule, want))) in results.iter().zip(expected).enumerate() {
        assert_eq!(result["ruleId"], rule);
        let devspm = &result["properties"]["devspm"];
        assert_eq!(devspm["attribution"], "attributed", "{result:#}");
        assert_eq!(devspm["status"], "open");
        assert!(
            devspm["finding"].as_str().unwrap().starts_with("f_"),
            "{result:#}"
        );
        let introduced = devspm["introducedIn"].as_str().unwrap();
        assert_eq!(introduced.len(), 40, "{result:#}");
        if let Some((commit, agents)) = want {
            assert_eq!(introduced, commit.as_str(), "{result:#}");
            assert_eq!(devspm["agents"], serde_json::json!(agents), "{result:#}");
        }
        // Bandit's own properties are kept, and nothing else changed.
        let mut stripped = result.clone();
        stripped["properties"]
            .as_object_mut()
            .unwrap()
            .remove("devspm");
        assert_eq!(stripped, original["runs"][0]["results"][i]);
    }
    assert_eq!(doc["runs"][0]["tool"], original["runs"][0]["tool"]);

    // Without -o, the same document on stdout.
    let stdout = sb.run(&["export", "sarif", &fx(BANDIT_HEAD), "--repo", app.path()]);
    stdout.assert_code(0);
    assert_eq!(stdout.json(), doc);
}

// ---------------------------------------------------------------------------------------------
// 4. SZZ

#[test]
fn szz_basic_blames_the_reindent_and_devspm_the_author() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    let fixed_helpers = HELPERS_V3.replace(
        "subprocess.call(cmd, shell=True)",
        "subprocess.call(shlex.split(cmd))",
    );
    let fixed_helpers = fixed_helpers.replace("import pickle\n", "import pickle\nimport shlex\n");
    let fix = app.repo.commit_file(
        ALICE,
        "app/helpers.py",
        &fixed_helpers,
        "Run maintenance commands without a shell\n",
    );
    sb.scan(&app.repo.path);
    let szz = |variant: &str| -> Value {
        let run = sb.run(&[
            "--format",
            "json",
            "attribute",
            "--repo",
            app.path(),
            "--fix",
            &fix,
            "--variant",
            variant,
        ]);
        run.assert_code(0);
        let out = run.json();
        let list = out.as_array().expect("an array of results");
        assert_eq!(list.len(), 1, "{out:#}");
        list[0].clone()
    };
    let inducing = |result: &Value| -> Vec<String> {
        result["inducing"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["commit"].as_str().unwrap().to_owned())
            .collect()
    };
    let basic = szz("basic");
    assert_eq!(basic["fix"], fix.as_str(), "{basic:#}");
    assert_eq!(basic["variant"], "basic");
    assert_eq!(
        inducing(&basic),
        vec![app.bob_reindent.clone()],
        "{basic:#}"
    );
    let devspm = szz("devspm");
    assert_eq!(devspm["variant"], "devspm");
    assert_eq!(
        inducing(&devspm),
        vec![app.alice_runner.clone()],
        "{devspm:#}"
    );
    let alice = &devspm["inducing"][0];
    assert_eq!(alice["lines"], 1, "{devspm:#}");
    assert!(
        alice["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "app/util.py" || f == "app/helpers.py"),
        "{devspm:#}"
    );
    let author_time: i64 = app
        .repo
        .git(&["log", "-1", "--format=%at", &app.alice_runner])
        .parse()
        .unwrap();
    assert_eq!(alice["author_time"], author_time, "{devspm:#}");
    assert!(u(&devspm, "/lines_considered") >= 1, "{devspm:#}");
    assert_eq!(devspm["status"], "attributed");
    // Recorded once: running it again, or with --no-record, appends nothing.
    let events = sb.event_count();
    szz("devspm");
    assert_eq!(sb.event_count(), events);
    sb.run(&[
        "attribute",
        "--repo",
        app.path(),
        "--fix",
        &fix,
        "--no-record",
    ])
    .assert_code(0);
    assert_eq!(sb.event_count(), events);
    sb.assert_verifies();
}

/// `inducing[].primary` marks "the best single answer: the candidate owning the most traced
/// lines"; with one candidate, that one.
#[test]
fn szz_marks_one_primary_candidate() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    let fixed = HELPERS_V3.replace("shell=True", "shell=False");
    let fix = app
        .repo
        .commit_file(BOB, "app/helpers.py", &fixed, "Do not use the shell\n");
    let run = sb.run(&[
        "--format",
        "json",
        "attribute",
        "--repo",
        app.path(),
        "--fix",
        &fix,
        "--no-record",
    ]);
    run.assert_code(0);
    let out = run.json();
    let inducing = out[0]["inducing"].as_array().unwrap();
    assert_eq!(inducing.len(), 1, "{out:#}");
    assert_eq!(inducing[0]["commit"], app.alice_runner.as_str(), "{out:#}");
    assert_eq!(inducing[0]["primary"], true, "{out:#}");
}

/// V-SZZ: a vulnerability fix's lines are followed back through their earlier versions, all
/// lines of a file a version at a time: the copy line Carol and then Bob only modified goes
/// back to Alice, who wrote it, and so does the length line Bob modified; the log call Bob
/// added stays his. The commits that last changed the lines are shown beside.
#[test]
fn szz_follows_a_vulnerability_fix_to_the_earliest_versions() {
    let sb = Sandbox::new();
    let repo = sb.repo("vszz");
    let parse = |copy: &str, length: &str, log: bool| {
        format!(
            "int parse(char *out, const char *buf, int header_length, int body_length) {{\n\
             \x20   int total_length = 0;\n\
             \x20   {copy}\n\
             \x20   {length}\n{}\
             \x20   return total_length;\n\
             }}\n",
            if log {
                "    log_length(\"parse\", total_length);\n"
            } else {
                ""
            }
        )
    };
    let alice = repo.commit_file(
        ALICE,
        "src/parse.c",
        &parse(
            "memcpy(out, buf, header_length + body_length);",
            "total_length = header_length + body_length;",
            false,
        ),
        "Parse messages\n",
    );
    let bob = repo.commit_file(
        BOB,
        "src/parse.c",
        &parse(
            "memcpy(out, buf, header_length + body_length + 1);",
            "total_length = header_length + body_length + 1;",
            true,
        ),
        "Count the terminator\n",
    );
    let carol = repo.commit_file(
        CAROL,
        "src/parse.c",
        &parse(
            "memcpy(out, buf, (size_t)header_length + body_length + 1);",
            "total_length = header_length + body_length + 1;",
            true,
        ),
        "Widen before adding\n",
    );
    let fixed = "int parse(char *out, const char *buf, int header_length, int body_length) {\n\
                 \x20   int total_length = 0;\n\
                 \x20   if (header_length < 0 || body_length < 0) return -1;\n\
                 \x20   return total_length;\n\
                 }\n";
    let fix = repo.commit_file(DAVE, "src/parse.c", fixed, "Check the lengths\n");
    sb.scan(&repo.path);
    let run = sb.run(&[
        "--format",
        "json",
        "attribute",
        "--repo",
        repo.path.to_str().unwrap(),
        "--fix",
        &fix,
        "--advisory",
        "CVE-2024-0001",
        "--no-record",
    ]);
    run.assert_code(0);
    let out = run.json();
    let result = &out[0];
    assert_eq!(result["trace"], "earliest", "{out:#}");
    let lines = |list: &Value| -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["commit"].as_str().unwrap().to_owned(),
                    i["lines"].as_u64().unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let mut earliest = vec![(alice.clone(), 2), (bob.clone(), 1)];
    earliest.sort();
    assert_eq!(lines(&result["inducing"]), earliest, "{out:#}");
    let mut change = vec![(bob, 2), (carol, 1)];
    change.sort();
    assert_eq!(lines(&result["other_trace"]), change, "{out:#}");
    assert_eq!(result["inducing"][0]["commit"], alice.as_str(), "{out:#}");
}

// ---------------------------------------------------------------------------------------------
// 5. Bad input

/// A sandbox whose ledger holds the OSV finding of the fixture repository; the findings and
/// the event count before the bad import.
fn with_findings() -> (Sandbox, App, Vec<Value>, i64) {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    import(&sb, app.path(), &[&fx(OSV_HEAD)]);
    let rows = findings(&sb, &[]);
    assert_eq!(rows.len(), 1);
    let events = sb.event_count();
    (sb, app, rows, events)
}

fn assert_nothing_imported(sb: &Sandbox, before: &[Value], events: i64) {
    assert_eq!(findings(sb, &[]), before);
    assert_eq!(sb.event_count(), events);
    sb.assert_verifies();
}

#[test]
fn a_truncated_report_imports_nothing() {
    let (sb, app, before, events) = with_findings();
    let text = std::fs::read_to_string(fixture(BANDIT_HEAD)).unwrap();
    let cut = sb.path().join("truncated.sarif");
    // Cut inside the third result.
    let at = text.match_indices("\"ruleId\"").nth(2).unwrap().0;
    std::fs::write(&cut, &text[..at]).unwrap();
    let run = import_run(&sb, app.path(), &[cut.to_str().unwrap()]);
    run.assert_error(&[
        cut.to_str().unwrap(),
        "$.runs[0].results[2]",
        "nothing was imported",
    ]);
    let line = text[..at].lines().count();
    assert!(run.stderr.contains(&format!(":{line}:")), "{run:?}");
    assert_nothing_imported(&sb, &before, events);
}

#[test]
fn a_sarif_version_other_than_2_1_0_is_refused() {
    let (sb, app, before, events) = with_findings();
    let old = edited(&sb, BANDIT_HEAD, "old.sarif", |d| {
        d["version"] = "1.0.0".into()
    });
    let run = import_run(&sb, app.path(), &[&old]);
    run.assert_error(&[&old, "1.0.0", "$.version", "2.1.0"]);
    assert_nothing_imported(&sb, &before, events);
}

#[test]
fn a_file_that_is_not_scanner_output_is_refused() {
    let (sb, app, before, events) = with_findings();
    let package = sb.path().join("package.json");
    std::fs::write(
        &package,
        "{\"name\": \"app\", \"version\": \"1.0.0\", \"dependencies\": {\"jinja\": \"^1.0\"}}\n",
    )
    .unwrap();
    let run = import_run(&sb, app.path(), &[package.to_str().unwrap()]);
    run.assert_error(&[
        package.to_str().unwrap(),
        "not the output of a supported scanner",
    ]);
    assert_nothing_imported(&sb, &before, events);
    // Nor is YAML (the Semgrep rules).
    let rules = fx("semgrep-rules.yml");
    let run = import_run(&sb, app.path(), &[&rules]);
    run.assert_code(1);
    assert!(run.stderr.contains(&rules), "{run:?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:?}");
    assert_nothing_imported(&sb, &before, events);
}

#[test]
fn a_broken_second_file_imports_neither() {
    let (sb, app, before, events) = with_findings();
    let broken = sb.path().join("broken.json");
    std::fs::write(&broken, "[{\"RuleID\": \"aws-access-token\", \"File\": ").unwrap();
    let run = import_run(
        &sb,
        app.path(),
        &[&fx(BANDIT_HEAD), broken.to_str().unwrap()],
    );
    run.assert_error(&[broken.to_str().unwrap(), "nothing was imported"]);
    assert_nothing_imported(&sb, &before, events);
    assert!(findings(&sb, &["--tool", "bandit"]).is_empty());
}

#[test]
fn windows_paths_and_file_uris_are_placed_in_the_repository() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    let file = edited(&sb, BANDIT_HEAD, "windows.sarif", |d| {
        set_uri(bandit_result(d, "B602"), "app\\helpers.py");
        set_uri(
            bandit_result(d, "B301"),
            "file:///home/runner/work/x/x/app/helpers.py",
        );
        set_uri(
            bandit_result(d, "B605"),
            "file:///home/runner/work/x/x/scripts/clean%20up.py",
        );
    });
    let out = import(&sb, app.path(), &[&file]);
    assert_eq!(u(&out, "/runs/0/unplaced"), 0, "{out:#}");
    assert_eq!(u(&out, "/attribution/attributed"), 6, "{out:#}");
    assert_eq!(out["warnings"], serde_json::json!([]), "{out:#}");
    let rows = findings(&sb, &[]);
    let b602 = row(&rows, "bandit", "B602");
    assert_eq!(b602["path"], "app/helpers.py");
    assert_introduced(&app, b602, &app.alice_runner, ALICE, &[]);
    let b301 = row(&rows, "bandit", "B301");
    assert_eq!(b301["path"], "app/helpers.py");
    assert_introduced(&app, b301, &app.dave_pickle, DAVE, &["claude-code"]);
    let b605 = row(&rows, "bandit", "B605");
    assert_eq!(b605["path"], "scripts/clean up.py");
    assert_introduced(&app, b605, &app.carol_cleanup, CAROL, &[]);
}

#[test]
fn a_result_past_the_end_of_its_file_is_unattributable() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    let file = edited(&sb, BANDIT_HEAD, "past-end.sarif", |d| {
        let region = &mut bandit_result(d, "B605")["locations"][0]["physicalLocation"]["region"];
        region["startLine"] = 60.into();
        region["endLine"] = 60.into();
    });
    let out = import(&sb, app.path(), &[&file]);
    assert_eq!(u(&out, "/attribution/attributed"), 5, "{out:#}");
    assert_eq!(u(&out, "/attribution/unattributable"), 1, "{out:#}");
    let rows = findings(&sb, &[]);
    let b605 = row(&rows, "bandit", "B605");
    assert_eq!(b605["attribution"], "unattributable", "{b605:#}");
    assert_eq!(b605["start_line"], 60);
    assert!(b605["introduced_in"].is_null(), "{b605:#}");
    assert!(b605["developer"].is_null(), "{b605:#}");
    let reason = b605["reason"].as_str().unwrap();
    assert!(reason.contains("lines"), "{reason}");
    assert!(reason.contains("60"), "{reason}");
    assert!(reason.contains("scripts/clean up.py"), "{reason}");
    sb.assert_verifies();
}

#[test]
fn a_path_outside_the_repository_is_unattributable_with_a_warning() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    let file = edited(&sb, BANDIT_HEAD, "outside.sarif", |d| {
        set_uri(bandit_result(d, "B605"), "../../etc/passwd");
    });
    let run = import_run(&sb, app.path(), &[&file]);
    run.assert_code(0);
    let out = run.json();
    assert_eq!(u(&out, "/runs/0/unplaced"), 1, "{out:#}");
    let warnings = out["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{out:#}");
    let warning = warnings[0].as_str().unwrap();
    assert!(warning.contains(&file), "{warning}");
    assert!(warning.contains("$.runs[0].results[5]"), "{warning}");
    assert!(warning.contains("../../etc/passwd"), "{warning}");
    let stderr: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(stderr.len(), 1, "{run:?}");
    assert!(stderr[0].starts_with("devspm: warning: "), "{run:?}");
    assert!(stderr[0].contains("../../etc/passwd"), "{run:?}");
    let rows = findings(&sb, &[]);
    assert_eq!(rows.len(), 6);
    let b605 = row(&rows, "bandit", "B605");
    assert_eq!(b605["attribution"], "unattributable", "{b605:#}");
    // The path is kept as the scanner wrote it, never guessed into the repository.
    assert_eq!(b605["path"], "../../etc/passwd", "{b605:#}");
    assert!(b605["introduced_in"].is_null(), "{b605:#}");
    assert!(b605["developer"].is_null(), "{b605:#}");
    assert!(
        b605["reason"]
            .as_str()
            .unwrap()
            .contains("../../etc/passwd"),
        "{b605:#}"
    );
    // The other five are attributed as usual.
    let attributed = rows
        .iter()
        .filter(|r| r["attribution"] == "attributed")
        .count();
    assert_eq!(attributed, 5);
    sb.assert_verifies();
}

#[test]
fn duplicate_results_in_one_file_count_once() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    let file = edited(&sb, BANDIT_HEAD, "duplicates.sarif", |d| {
        let results = d["runs"][0]["results"].as_array_mut().unwrap();
        let copy = results[3].clone();
        assert_eq!(copy["ruleId"], "B602");
        results.push(copy);
    });
    let run = import_run(&sb, app.path(), &[&file]);
    run.assert_code(0);
    let out = run.json();
    assert_eq!(u(&out, "/runs/0/results"), 7, "{out:#}");
    assert_eq!(u(&out, "/runs/0/duplicates"), 1, "{out:#}");
    assert_eq!(u(&out, "/runs/0/new"), 6, "{out:#}");
    let warnings = out["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{out:#}");
    let warning = warnings[0].as_str().unwrap();
    assert!(warning.contains("duplicate"), "{warning}");
    assert!(warning.contains("$.runs[0].results[6]"), "{warning}");
    assert!(run.stderr.contains("duplicate"), "{run:?}");
    let rows = findings(&sb, &[]);
    assert_eq!(rows.len(), 6);
    assert_introduced(
        &app,
        row(&rows, "bandit", "B602"),
        &app.alice_runner,
        ALICE,
        &[],
    );
}

#[test]
fn an_unknown_revision_is_a_clear_error() {
    let (sb, app, before, events) = with_findings();
    let run = import_run(
        &sb,
        app.path(),
        &["--revision", "nonexistent", &fx(BANDIT_HEAD)],
    );
    run.assert_error(&["--revision nonexistent", "is not a commit", app.path()]);
    assert_nothing_imported(&sb, &before, events);
}

#[test]
fn a_repo_that_is_not_a_git_repository_is_a_clear_error() {
    let (sb, _app, before, events) = with_findings();
    let plain = sb.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    std::fs::write(plain.join("helpers.py"), "import pickle\n").unwrap();
    let run = import_run(&sb, plain.to_str().unwrap(), &[&fx(BANDIT_HEAD)]);
    run.assert_error(&[plain.to_str().unwrap(), "--repo"]);
    assert_nothing_imported(&sb, &before, events);
}

// ---------------------------------------------------------------------------------------------
// 6. findings: filters, --fail-on, CSV

#[test]
fn findings_filters_fail_on_and_csv() {
    let sb = Sandbox::new();
    let app = build_app(&sb);
    let head = app.repo.head();
    let (dropped, _) = drop_and_restore_cache_loader(&app);
    let config = sb.path().join("teams.toml");
    std::fs::write(
        &config,
        "[[identity]]\nid = \"carol\"\nteam = \"platform\"\naliases = [\"carol@example.com\"]\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    for args in [
        vec![
            "--revision",
            head.as_str(),
            &fx(BANDIT_HEAD),
            &fx(SEMGREP_HEAD),
        ],
        vec!["--revision", head.as_str(), &fx(OSV_HEAD)],
        vec![
            "--revision",
            app.carol_export.as_str(),
            &fx(GITLEAKS_EXPORT),
        ],
        vec!["--revision", dropped.as_str(), &fx(BANDIT_DROPPED)],
    ] {
        let mut all = vec!["--config", config, "-q", "import", "--repo", app.path()];
        all.extend(args.iter().copied());
        sb.run(&all).assert_code(0);
    }
    let all = findings(&sb, &[]);
    assert_eq!(all.len(), 12);

    // --fail-on: an open high finding exits 4; nothing critical exits 0.
    let fail = sb.run(&["findings", "--fail-on", "high"]);
    fail.assert_code(4);
    assert!(fail.stderr.contains("--fail-on"), "{fail:?}");
    assert!(fail.stdout.contains("12 findings"), "{fail:?}");
    sb.run(&["findings", "--fail-on", "critical"])
        .assert_code(0);
    // Only listed findings count: Dave's are medium and low.
    sb.run(&["findings", "--agent", "claude-code", "--fail-on", "high"])
        .assert_code(0);
    sb.run(&["findings", "--agent", "claude-code", "--fail-on", "medium"])
        .assert_code(4);
    // A fixed finding does not fail the build.
    sb.run(&["findings", "--status", "fixed", "--fail-on", "medium"])
        .assert_code(0);

    // CSV: a header row, then one row per finding.
    let csv = sb.run(&["--format", "csv", "findings"]);
    csv.assert_code(0);
    let lines: Vec<&str> = csv.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "finding,repository,tool,rule,kind,severity,status,path,line,package,version,identifiers,attribution,method,confidence,introduced_in,introduced_at,developer,developer_name,team,agents,reason,triage,triage_reason,triage_expires,triage_by,message,context,context_counts,ignored_by,ignored_reason"
    );
    assert_eq!(lines.len(), 13, "{}", csv.stdout);
    assert!(
        lines.iter().any(
            |l| l.contains(",bandit,B605,code,high,open,scripts/clean up.py,6,")
                && l.contains(&app.carol_cleanup)
        ),
        "{}",
        csv.stdout
    );

    // Filters narrow the list.
    assert_eq!(
        keys(&findings(&sb, &["--agent", "claude-code"])),
        pairs(&[
            ("bandit", "B301"),
            ("bandit", "B403"),
            ("semgrep", "pickle-loads")
        ])
    );
    let alice = findings(&sb, &["--developer", "alice@example.com"]);
    for r in &alice {
        assert_eq!(r["developer_name"], name(ALICE).as_str(), "{r:#}");
    }
    let alice_keys = keys(&alice);
    for k in pairs(&[
        ("bandit", "B404"),
        ("bandit", "B602"),
        ("semgrep", "subprocess-shell-true"),
    ]) {
        assert!(alice_keys.contains(&k), "{k:?} not in {alice_keys:?}");
    }
    assert_eq!(
        keys(&findings(&sb, &["--developer", "carol@example.com"])),
        pairs(&[("bandit", "B605"), ("semgrep", "os-system")])
    );
    assert_eq!(
        keys(&findings(&sb, &["--developer", "Frank Moreau"])),
        pairs(&[("osv-scanner", "GHSA-h5c8-rqwp-cp95")])
    );
    let team = findings(&sb, &["--config", config, "--team", "platform"]);
    assert_eq!(
        keys(&team),
        pairs(&[("bandit", "B605"), ("semgrep", "os-system")])
    );
    assert!(team.iter().all(|r| r["team"] == "platform"), "{team:#?}");
    let high = findings(&sb, &["--severity", "high"]);
    assert_eq!(
        keys(&high),
        pairs(&[
            ("bandit", "B324"),
            ("bandit", "B602"),
            ("bandit", "B605"),
            ("gitleaks", "aws-access-token"),
            ("semgrep", "os-system"),
            ("semgrep", "subprocess-shell-true"),
        ])
    );
    // Medium and above: the six high ones (a leaked credential without a producer severity
    // counts as high), the pickle.loads pair (one of them fixed), the md5 line by Semgrep
    // (`warning`) and the jinja2 advisory (CVSS 5.4). Not the two `import` lines (low).
    let medium = findings(&sb, &["--severity", "medium"]);
    assert_eq!(
        keys(&medium),
        pairs(&[
            ("bandit", "B301"),
            ("bandit", "B324"),
            ("bandit", "B602"),
            ("bandit", "B605"),
            ("gitleaks", "aws-access-token"),
            ("osv-scanner", "GHSA-h5c8-rqwp-cp95"),
            ("semgrep", "insecure-hash-md5"),
            ("semgrep", "os-system"),
            ("semgrep", "pickle-loads"),
            ("semgrep", "subprocess-shell-true"),
        ])
    );
    assert_eq!(
        row(&all, "gitleaks", "aws-access-token")["severity"],
        "high"
    );
    assert_eq!(
        keys(&findings(&sb, &["--status", "fixed"])),
        pairs(&[("bandit", "B301")])
    );
    assert_eq!(findings(&sb, &["--status", "open"]).len(), 11);
    assert_eq!(findings(&sb, &["--tool", "semgrep"]).len(), 4);
    assert_eq!(
        keys(&findings(
            &sb,
            &[
                "--tool",
                "bandit",
                "--status",
                "fixed",
                "--agent",
                "claude-code"
            ]
        )),
        pairs(&[("bandit", "B301")])
    );
    assert!(findings(&sb, &["--developer", "nobody@example.com"]).is_empty());
    assert_eq!(findings(&sb, &["--repo", app.path()]).len(), 12);
    assert_eq!(findings(&sb, &["--repo", "app"]).len(), 12);

    // The table says who introduced each finding.
    let table = sb.run(&["findings", "--developer", "carol@example.com"]);
    table.assert_code(0);
    assert!(
        table
            .stdout
            .starts_with("2 findings (2 open), 2 attributed"),
        "{table:?}"
    );
    assert!(
        table.stdout.contains("Carol Diaz <carol@example.com>"),
        "{table:?}"
    );
    assert!(table.stdout.contains(&app.carol_cleanup[..10]), "{table:?}");
}

/// A branch `moved-secret` off "Export deployment settings" where Carol adds a comment line
/// above the settings: the key moves from line 2 to line 3. Returns the commit (its id depends
/// on what was committed before; the gitleaks report of it does not).
fn move_secret_down(app: &App) -> String {
    let r = &app.repo;
    r.git(&["checkout", "-q", "-b", "moved-secret", &app.carol_export]);
    let moved = r.commit_file(
        CAROL,
        "deploy/settings.env",
        &format!(
            "# Deployment settings\nexport REGION=eu-west-1\nexport AWS_ACCESS_KEY_ID=\"{FAKE_AWS_KEY}\"\n"
        ),
        "Describe the deployment settings\n",
    );
    r.git(&["checkout", "-q", "main"]);
    moved
}

/// Not a test: builds the fixture repository (with the lifecycle commits) at
/// `$DEVSPM_FINDINGS_FIXTURE_REPO` and prints its commits, to run the scanners on by hand (see
/// `fixtures/findings/README.md`).
#[test]
#[ignore = "generates the repository the fixtures were produced on"]
fn generate_fixture_repository() {
    let Some(target) = std::env::var_os("DEVSPM_FINDINGS_FIXTURE_REPO").map(PathBuf::from) else {
        eprintln!("set DEVSPM_FINDINGS_FIXTURE_REPO to the folder to create");
        return;
    };
    let sb = Sandbox::new();
    let app = build_app(&sb);
    let head = app.repo.head();
    let (dropped, restored) = drop_and_restore_cache_loader(&app);
    let moved = move_secret_down(&app);
    app.repo.git(&["branch", "fixture-head", &head]);
    println!("fixture head {head}\ndropped {dropped}\nrestored {restored}\nmoved {moved}");
    println!("{}", app.repo.git(&["log", "--format=%H %an %s", "main"]));
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(&app.repo.path)
        .arg(&target)
        .status()
        .unwrap();
    assert!(status.success());
}

/// `export vex`: the dependency findings as a CycloneDX 1.5 VEX document, with the advisory,
/// the component and the introducing commit.
#[test]
fn export_vex_writes_dependency_findings_as_cyclonedx() {
    let (sb, app, rows, _) = with_findings();
    let run = sb.run(&["export", "vex", "--repo", app.path()]);
    run.assert_code(0);
    let doc = run.json();
    assert_eq!(doc["bomFormat"], "CycloneDX", "{doc:#}");
    assert_eq!(doc["specVersion"], "1.5");
    let vulns = doc["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), rows.len(), "{doc:#}");
    assert_eq!(vulns[0]["id"], rows[0]["rule"]);
    let component = doc["components"][0]["bom-ref"].as_str().unwrap();
    assert!(component.starts_with("pkg:"), "{doc:#}");
    assert_eq!(vulns[0]["affects"][0]["ref"], component);
    // To a file, the same document.
    let path = sb.path().join("vex.json");
    sb.run(&[
        "export",
        "vex",
        "--repo",
        app.path(),
        "-o",
        path.to_str().unwrap(),
    ])
    .assert_code(0);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(written["vulnerabilities"], doc["vulnerabilities"]);
}
