//! Helpers shared by the end-to-end tests: a sandbox (temporary directory with its own HOME and
//! ledger file), real git repositories built with the `git` CLI with deterministic authors and
//! dates, and ways to run `devspm` and look inside its SQLite ledger.
//!
//! Every test gets its own sandbox; nothing reads the machine's git configuration or touches the
//! user's devspm data directory.

#![allow(dead_code)]

pub mod pg;
pub mod report_world;

use std::cell::Cell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Output, Stdio};

use serde_json::Value;

/// Seconds since the epoch of the first commit of every repository built here.
const EPOCH: i64 = 1_700_000_000;

/// A person as git writes it: (name, e-mail).
pub type Person<'a> = (&'a str, &'a str);

pub const ALICE: Person<'static> = ("Alice Martin", "alice@example.com");
pub const BOB: Person<'static> = ("Bob Stone", "bob@example.com");
pub const CAROL: Person<'static> = ("Carol Diaz", "carol@example.com");

/// The environment every `git` and `devspm` run gets: the sandbox as HOME and config folders,
/// no system config, and nothing inherited that could point git elsewhere.
pub fn isolate(cmd: &mut StdCommand, home: &Path) {
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_CEILING_DIRECTORIES",
        "GIT_NAMESPACE",
        "GIT_CONFIG",
        "GIT_CONFIG_PARAMETERS",
        "GIT_CONFIG_COUNT",
        "GIT_NO_REPLACE_OBJECTS",
        "GIT_REPLACE_REF_BASE",
        "GIT_GRAFT_FILE",
        "DEVSPM_DB",
        "DEVSPM_CONFIG",
        "DEVSPM_BUSY_TIMEOUT_MS",
        "DEVSPM_TOKEN",
        "DEVSPM_SECRET_KEY",
        "DEVSPM_SECRET_KEY_FILE",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"))
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
        .env("TZ", "UTC");
}

/// A temporary directory holding repositories, the ledger (`x.db`) and a HOME.
pub struct Sandbox {
    dir: tempfile::TempDir,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new()
    }
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("devspm-e2e-")
            .tempdir()
            .expect("create temp dir");
        std::fs::create_dir_all(dir.path().join("home")).unwrap();
        Sandbox { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn home(&self) -> PathBuf {
        self.path().join("home")
    }

    /// The ledger every test uses (passed with `--db`).
    pub fn db(&self) -> PathBuf {
        self.path().join("x.db")
    }

    /// `git init -q -b main <sandbox>/<name>`.
    pub fn repo(&self, name: &str) -> Repo {
        let path = self.path().join(name);
        std::fs::create_dir_all(&path).unwrap();
        let repo = Repo::at(self, &path);
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// A handle on an existing repository (a clone, a bare repository).
    pub fn existing_repo(&self, path: &Path) -> Repo {
        Repo::at(self, path)
    }

    /// A `git` command run in `dir` with the sandbox environment.
    pub fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.git_output(dir, args);
        assert!(
            out.status.success(),
            "git {args:?} in {} failed: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
    }

    pub fn git_output(&self, dir: &Path, args: &[&str]) -> Output {
        let mut cmd = StdCommand::new("git");
        isolate(&mut cmd, &self.home());
        cmd.current_dir(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "Test Runner")
            .env("GIT_AUTHOR_EMAIL", "runner@example.net")
            .env("GIT_COMMITTER_NAME", "Test Runner")
            .env("GIT_COMMITTER_EMAIL", "runner@example.net")
            .env("GIT_AUTHOR_DATE", format!("{EPOCH} +0000"))
            .env("GIT_COMMITTER_DATE", format!("{EPOCH} +0000"))
            .stdin(Stdio::null());
        cmd.output().expect("run git")
    }

    /// `devspm --db <sandbox>/x.db`, run from the sandbox with the sandbox's HOME (so no user
    /// configuration is picked up).
    pub fn devspm(&self) -> assert_cmd::Command {
        let mut cmd = self.devspm_without_db();
        cmd.arg("--db").arg(self.db());
        cmd
    }

    /// A plain `std::process::Command` for `devspm --db <sandbox>/x.db`, with the sandbox
    /// environment, for tests that manage the child process themselves.
    pub fn devspm_process(&self) -> StdCommand {
        let mut cmd = StdCommand::new(devspm_bin());
        isolate(&mut cmd, &self.home());
        cmd.current_dir(self.path()).arg("--db").arg(self.db());
        cmd
    }

    /// `devspm` with the sandbox environment but no `--db`.
    pub fn devspm_without_db(&self) -> assert_cmd::Command {
        let mut std = StdCommand::new(devspm_bin());
        isolate(&mut std, &self.home());
        std.current_dir(self.path());
        let mut cmd = assert_cmd::Command::from_std(std);
        cmd.timeout(std::time::Duration::from_secs(120));
        cmd
    }

    /// Runs `devspm --db <db> ARGS` and returns its status and output.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.devspm().args(args).output().expect("run devspm"))
    }

    /// Runs `devspm --db <db> --format json scan PATH`, asserting success; returns the JSON.
    pub fn scan(&self, repo: &Path) -> Value {
        let run = Run::from(
            self.devspm()
                .args(["--format", "json", "scan"])
                .arg(repo)
                .output()
                .expect("run devspm"),
        );
        run.assert_code(0);
        run.json()
    }

    /// Asserts `devspm audit verify` exits 0 and says "ledger verified".
    pub fn assert_verifies(&self) {
        let run = self.run(&["audit", "verify"]);
        run.assert_code(0);
        assert!(
            run.stdout.starts_with("ledger verified: "),
            "unexpected verify output: {run:?}"
        );
    }

    /// A read-write connection to the ledger file, for inspection and tampering.
    pub fn conn(&self) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open(self.db()).expect("open ledger");
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        conn
    }

    /// One integer from a query on the ledger.
    pub fn query_i64(&self, sql: &str) -> i64 {
        self.conn()
            .query_row(sql, [], |r| r.get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    pub fn event_count(&self) -> i64 {
        self.query_i64("SELECT count(*) FROM events")
    }
}

/// The path of the devspm binary under test.
pub fn devspm_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("devspm")
}

/// The outcome of a command.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn assert_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "unexpected exit status: {self:?}");
        self
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:?}"))
    }

    /// Asserts a failure with exactly one `devspm: error:` line on stderr containing every
    /// needle, no panic, and nothing on stdout.
    pub fn assert_error(&self, needles: &[&str]) {
        self.assert_code(1);
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "expected one error line: {self:?}");
        assert!(
            lines[0].starts_with("devspm: error: "),
            "error line must start with `devspm: error: `: {self:?}"
        );
        for needle in needles {
            assert!(
                lines[0].contains(needle),
                "error should mention {needle:?}: {self:?}"
            );
        }
        assert!(!self.stderr.contains("panicked"), "{self:?}");
        assert_eq!(self.stdout, "", "nothing on stdout expected: {self:?}");
    }
}

/// A git repository inside a sandbox, with a clock that advances one hour per commit.
pub struct Repo {
    pub path: PathBuf,
    home: PathBuf,
    sandbox_path: PathBuf,
    clock: Cell<i64>,
}

impl Repo {
    fn at(sandbox: &Sandbox, path: &Path) -> Repo {
        Repo {
            path: path.to_path_buf(),
            home: sandbox.home(),
            sandbox_path: sandbox.path().to_path_buf(),
            clock: Cell::new(0),
        }
    }

    fn tick(&self) -> String {
        let n = self.clock.get() + 1;
        self.clock.set(n);
        format!("{} +0000", EPOCH + n * 3600)
    }

    /// Runs git in the repository, asserting success; returns stdout without the final newline.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.git_output(args, None, None);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
    }

    /// Runs git as `who` (author and committer) at the next clock tick, with `stdin`.
    pub fn git_output(
        &self,
        args: &[&str],
        who: Option<Person<'_>>,
        stdin: Option<&[u8]>,
    ) -> Output {
        let (name, email) = who.unwrap_or(("Test Runner", "runner@example.net"));
        let date = self.tick();
        let mut cmd = StdCommand::new("git");
        isolate(&mut cmd, &self.home);
        cmd.current_dir(&self.path)
            .args(args)
            .env("GIT_AUTHOR_NAME", name)
            .env("GIT_AUTHOR_EMAIL", email)
            .env("GIT_COMMITTER_NAME", name)
            .env("GIT_COMMITTER_EMAIL", email)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn git");
        if let Some(bytes) = stdin {
            child.stdin.take().unwrap().write_all(bytes).unwrap();
        }
        child.wait_with_output().expect("wait for git")
    }

    /// Writes a file (creating folders) in the work tree.
    pub fn write(&self, rel: impl AsRef<Path>, content: impl AsRef<[u8]>) {
        let path = self.path.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    /// `git add -A && git commit` as `who` with `message` (empty commits allowed); returns the id.
    pub fn commit(&self, who: Person<'_>, message: &str) -> String {
        self.git(&["add", "-A"]);
        let out = self.git_output(
            &[
                "commit",
                "-q",
                "--allow-empty",
                "--cleanup=verbatim",
                "-F",
                "-",
            ],
            Some(who),
            Some(message.as_bytes()),
        );
        assert!(
            out.status.success(),
            "git commit failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.head()
    }

    /// Writes `file` with `content` and commits it.
    pub fn commit_file(&self, who: Person<'_>, file: &str, content: &str, message: &str) -> String {
        self.write(file, content);
        self.commit(who, message)
    }

    /// A merge commit (`--no-ff`) of `branches` into the current branch, as `who`.
    pub fn merge(&self, who: Person<'_>, branches: &[&str], message: &str) -> String {
        let mut args = vec!["merge", "-q", "--no-ff", "--no-edit", "-m", message];
        args.extend_from_slice(branches);
        let out = self.git_output(&args, Some(who), None);
        assert!(
            out.status.success(),
            "git merge failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        self.head()
    }

    pub fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"])
    }

    pub fn rev_parse(&self, rev: &str) -> String {
        self.git(&["rev-parse", rev])
    }

    /// `git rev-list --all --count`.
    pub fn rev_list_count(&self) -> u64 {
        self.git(&["rev-list", "--all", "--count"]).parse().unwrap()
    }

    /// `git shortlog -sne --all` as (commits, name, e-mail), in git's order.
    pub fn shortlog(&self) -> Vec<(u64, String, String)> {
        self.git(&["shortlog", "-sne", "--all"])
            .lines()
            .map(|line| {
                let (count, rest) = line.trim().split_once('\t').expect("shortlog line");
                let (name, email) = rest.rsplit_once(" <").expect("shortlog ident");
                (
                    count.trim().parse().unwrap(),
                    name.to_owned(),
                    email.trim_end_matches('>').to_owned(),
                )
            })
            .collect()
    }

    /// Imports `commits` linear commits on `refs/heads/main` with `git fast-import` (quick even
    /// for thousands): commit `i` is authored by one of `authors` people and rewrites one line
    /// of one of 50 files.
    pub fn fast_import(&self, commits: usize, authors: usize) {
        let mut stream = Vec::new();
        for i in 1..=commits {
            let a = i % authors.max(1);
            let when = EPOCH + i as i64 * 60;
            let message = format!("change {i}\n\nUpdate line {} of file {}.\n", i % 20, i % 50);
            let content: String = (0..20)
                .map(|l| format!("line {l} {}\n", if l == i % 20 { i } else { 0 }))
                .collect();
            write!(
                stream,
                "commit refs/heads/main\nauthor Dev {a:04} <dev{a:04}@example.org> {when} +0000\n\
                 committer Dev {a:04} <dev{a:04}@example.org> {when} +0000\ndata {}\n{message}\
                 M 100644 inline src/f{:02}.txt\ndata {}\n{content}\n",
                message.len(),
                i % 50,
                content.len()
            )
            .unwrap();
        }
        let out = self.git_output(&["fast-import", "--quiet"], None, Some(&stream));
        assert!(
            out.status.success(),
            "git fast-import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The sandbox this repository lives in (for paths next to it).
    pub fn sandbox_path(&self) -> &Path {
        &self.sandbox_path
    }
}

/// `summary` of a scan's JSON output.
pub fn summary(scan: &Value) -> &Value {
    &scan["summary"]
}

/// The `u64` at a JSON pointer, panicking with the document when absent.
pub fn u(value: &Value, pointer: &str) -> u64 {
    value
        .pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("no integer at {pointer} in {value:#}"))
}

/// Identities in `summary.agents` / `summary.bot_accounts` as (identity, commits).
pub fn accounts(list: &Value) -> Vec<(String, u64)> {
    list.as_array()
        .expect("array")
        .iter()
        .map(|a| {
            (
                a["identity"].as_str().unwrap().to_owned(),
                a["commits"].as_u64().unwrap(),
            )
        })
        .collect()
}

pub const BOB_HOME: Person<'static> = ("Bob Stone", "bob@home.example");
pub const DEPENDABOT: Person<'static> = (
    "dependabot[bot]",
    "49699333+dependabot[bot]@users.noreply.github.com",
);
pub const CLAUDE_DUPONT: Person<'static> = ("Claude Dupont", "claude@example.org");

/// A commit message whose trailer block names Claude Code as co-author.
pub const CO_AUTHORED_BY_CLAUDE: &str = "Add the parser\n\nImplements the tokenizer and the parser.\n\nCo-Authored-By: Claude <noreply@anthropic.com>\n";

/// A commit message that only *mentions* the trailer in the middle of its body.
pub const MENTIONS_CLAUDE: &str = "Document trailers\n\nWe now recognise lines like\nCo-Authored-By: Claude <noreply@anthropic.com>\nin the middle of a message, and ignore them.\n\nThanks to everyone who tested it.\n";

/// A repository with most of what a summary reports; every count is known.
pub struct RichRepo {
    pub repo: Repo,
    /// The commit co-authored by Claude Code.
    pub co_authored: String,
    /// The commit that only mentions the trailer.
    pub mentions: String,
    /// The octopus merge (3 parents).
    pub octopus: String,
}

impl RichRepo {
    /// Commits in the repository (`git rev-list --all --count`).
    pub const COMMITS: u64 = 14;
    /// Merge commits (one with 2 parents, one octopus with 3).
    pub const MERGES: u64 = 2;
    /// Refs: main, feature, oct1, oct2.
    pub const REFS: u64 = 4;
    /// Alice, Bob (two e-mails joined by .mailmap), Carol, Claude Dupont.
    pub const DEVELOPERS: u64 = 4;
}

/// Builds [`RichRepo`] in `<sandbox>/rich`. Authors (commits): Alice Martin 5, Carol Diaz 4,
/// Bob Stone 3 (2 at work + 1 from home, linked by `.mailmap`), Claude Dupont 1 (a human),
/// dependabot[bot] 1. One of Bob's commits has a `Co-Authored-By: Claude` trailer; one of
/// Carol's merely mentions it in its body.
pub fn rich_repo(sandbox: &Sandbox) -> RichRepo {
    let r = sandbox.repo("rich");
    r.commit_file(ALICE, "README.md", "hello\n", "Initial commit");
    r.commit_file(BOB, "src/lib.rs", "pub fn a() {}\n", "Add lib");
    r.write(
        ".mailmap",
        "Bob Stone <bob@example.com> <bob@home.example>\n",
    );
    r.commit(ALICE, "Add a mailmap");
    r.commit_file(
        BOB_HOME,
        "src/lib.rs",
        "pub fn a() {}\npub fn b() {}\n",
        "Add b, from home",
    );
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.commit_file(CAROL, "src/feature.rs", "pub fn f() {}\n", "Feature work");
    r.git(&["checkout", "-q", "main"]);
    r.commit_file(ALICE, "README.md", "hello\nworld\n", "Docs");
    r.merge(ALICE, &["feature"], "Merge branch 'feature'");
    r.git(&["checkout", "-q", "-b", "oct1", "main"]);
    r.commit_file(CAROL, "one.txt", "1\n", "One");
    r.git(&["checkout", "-q", "-b", "oct2", "main"]);
    r.commit_file(CAROL, "two.txt", "2\n", "Two");
    r.git(&["checkout", "-q", "main"]);
    let octopus = r.merge(ALICE, &["oct1", "oct2"], "Octopus merge of oct1 and oct2");
    r.commit_file(
        DEPENDABOT,
        "Cargo.lock",
        "serde 1.0.2\n",
        "Bump serde from 1.0.1 to 1.0.2\n\nBumps serde.\n",
    );
    let co_authored = r.commit_file(
        BOB,
        "src/parser.rs",
        "pub fn parse() {}\n",
        CO_AUTHORED_BY_CLAUDE,
    );
    let mentions = r.commit_file(CAROL, "docs/trailers.md", "trailers\n", MENTIONS_CLAUDE);
    r.commit_file(
        CLAUDE_DUPONT,
        "src/lib.rs",
        "pub fn a() {}\npub fn b() {}\npub fn c() {}\n",
        "Add c",
    );
    assert_eq!(r.rev_list_count(), RichRepo::COMMITS);
    RichRepo {
        repo: r,
        co_authored,
        mentions,
        octopus,
    }
}

/// A SARIF report from tool `lint` of `rules` (id, level), one result per line of `app.py`
/// (the first on line 1).
/// Writes `line_sarif(rules)` to `name` in the sandbox and imports it into `repo`; returns the
/// report's path.
pub fn import_line_sarif(sb: &Sandbox, repo: &Repo, name: &str, rules: &[(&str, &str)]) -> PathBuf {
    let report = sb.path().join(name);
    std::fs::write(&report, line_sarif(rules)).unwrap();
    sb.run(&[
        "import",
        "--repo",
        repo.path.to_str().unwrap(),
        report.to_str().unwrap(),
    ])
    .assert_code(0);
    report
}

pub fn line_sarif(rules: &[(&str, &str)]) -> String {
    let at: Vec<(&str, &str, usize)> = rules
        .iter()
        .enumerate()
        .map(|(i, (rule, level))| (*rule, *level, i + 1))
        .collect();
    sarif_at(&at)
}

/// A SARIF report from tool `lint`: one result per (rule, level, line) of `app.py`.
pub fn sarif_at(results: &[(&str, &str, usize)]) -> String {
    let results: Vec<Value> = results
        .iter()
        .map(|(rule, level, line)| {
            serde_json::json!({
                "ruleId": rule,
                "level": level,
                "message": { "text": format!("problem {rule}") },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": "app.py" },
                    "region": { "startLine": line }
                }}]
            })
        })
        .collect();
    serde_json::json!({
        "version": "2.1.0",
        "runs": [{ "tool": { "driver": { "name": "lint" } }, "results": results }]
    })
    .to_string()
}

/// A signing key (`audit.key`) and a checkpoint of the current ledger (`checkpoint.txt`).
pub fn keygen_and_checkpoint(sandbox: &Sandbox) -> (PathBuf, PathBuf) {
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
    (key, checkpoint)
}

/// `git commit` in `repo` with hooks enabled, the sandbox ledger, and `extra` environment.
pub fn commit_with_hooks(
    sb: &Sandbox,
    repo: &Repo,
    message: &str,
    extra: &[(&str, &str)],
) -> Output {
    let mut cmd = StdCommand::new("git");
    cmd.current_dir(&repo.path)
        .env("HOME", sb.home())
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("DEVSPM_DB", sb.db())
        .env("DEVSPM_BIN", devspm_bin())
        .env("GIT_AUTHOR_NAME", "Alice Martin")
        .env("GIT_AUTHOR_EMAIL", "alice@example.com")
        .env("GIT_COMMITTER_NAME", "Alice Martin")
        .env("GIT_COMMITTER_EMAIL", "alice@example.com")
        .args(["commit", "-q", "-m", message]);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    cmd.output().expect("run git commit")
}
