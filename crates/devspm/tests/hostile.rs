//! Hostile content end to end: a repository whose authors, e-mails, commit messages and paths
//! carry the shared catalogue of hostile strings (terminal escapes, bidi and zero-width
//! characters, Markdown and CSV injection …), a SARIF file with hostile tool, rule, message and
//! path, a workstation with a hostile VS Code extension and MCP server, a workflow with a
//! hostile action. Every human-readable output — and every error — must reach the terminal
//! without a raw control, bidi or invisible character, while JSON keeps the exact originals.
//! Also: `tools list --name` takes its text literally (no LIKE wildcards), and `ci audit` fails
//! closed on a file it cannot parse.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use common::report_world::catalogue;
use common::*;
use serde_json::Value;

/// Whether `c` may not reach a terminal raw: C0 controls but tab and line feed, DEL, C1
/// controls, bidi controls, zero-width characters.
fn forbidden(c: char) -> bool {
    matches!(
        c,
        '\0'..='\u{8}'
            | '\u{b}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{61c}'
            | '\u{200b}'..='\u{200d}'
            | '\u{2060}'
            | '\u{feff}'
    )
}

/// Asserts that `bytes` (output meant for a terminal) is UTF-8 with no forbidden character.
fn assert_inert(what: &str, bytes: &[u8]) {
    let text =
        std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{what}: output is not UTF-8 ({e})"));
    if let Some((at, c)) = text.char_indices().find(|(_, c)| forbidden(*c)) {
        let from = text[..at]
            .char_indices()
            .rev()
            .nth(40)
            .map_or(0, |(i, _)| i);
        let to = text[at..]
            .char_indices()
            .nth(40)
            .map_or(text.len(), |(i, _)| at + i);
        panic!(
            "{what}: raw {c:?} at byte {at}: …{:?}…\n--- whole output ---\n{}",
            &text[from..to],
            text.escape_debug()
        );
    }
}

/// The raw outcome of a command: exit status, stdout and stderr bytes.
struct Raw {
    code: i32,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

impl Raw {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    fn err(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// Runs devspm with `args`, asserts the exit status and that neither stream carries a raw
/// forbidden character (JSON included: it writes them as `\u` escapes).
fn run(sb: &Sandbox, args: &[&str], code: i32) -> Raw {
    let out = sb.devspm().args(args).output().expect("run devspm");
    let raw = Raw {
        code: out.status.code().unwrap_or(-1),
        stdout: out.stdout,
        stderr: out.stderr,
    };
    let what = format!("devspm {}", args.join(" ").escape_debug());
    assert_eq!(
        raw.code,
        code,
        "{what}: exit status\n--- stdout ---\n{}\n--- stderr ---\n{}",
        raw.text().escape_debug(),
        raw.err().escape_debug()
    );
    assert_inert(&format!("{what} (stdout)"), &raw.stdout);
    assert_inert(&format!("{what} (stderr)"), &raw.stderr);
    raw
}

/// Asserts that JSON kept the names of the hostile authors byte for byte.
fn assert_names_exact(cases: &BTreeMap<String, String>, names: &[&str]) {
    for id in [
        "ansi-osc-title",
        "ansi-clear",
        "bidi-override",
        "emoji-wide",
        "sql-ish",
    ] {
        assert!(
            names.contains(&cases[id].as_str()),
            "{id} not exact in {names:?}"
        );
    }
}

/// A path for git's fast-import: C-quoted, every byte outside printable ASCII as octal.
fn quoted_path(path: &str) -> String {
    let mut out = String::from("\"");
    for &b in path.as_bytes() {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push('"');
    out
}

/// A file name made of a case's text: no `/` or NUL, at most 200 bytes.
fn file_name(id: &str, text: &str) -> String {
    let mut name: String = text
        .chars()
        .map(|c| if c == '/' || c == '\0' { '_' } else { c })
        .collect();
    while name.len() > 200 {
        name.pop();
    }
    if name.trim().is_empty() || name == "." || name == ".." {
        name = id.to_owned();
    }
    format!("files/{name}")
}

/// What an author name may hold in a git commit header.
fn usable_as_name(text: &str) -> bool {
    !text.contains(['<', '>', '\n', '\0']) && !text.trim().is_empty() && text.len() < 300
}

const ACTION: &str = "ev\u{1b}]0;pwned\u{7}il/act\u{202e}ion";
const MCP_SERVER: &str = "mcp\u{1b}[2Jserver\u{202e}";
const EXTENSION: &str = "evil\u{1b}]0;ext\u{7}.theme\u{202e}x";
const BOT: &str = "x\u{1b}[31mbot\u{1b}[0m[bot]";
const WORKFLOW_FILE: &str = ".github/workflows/wf\u{1b}[2J\u{202e}.yml";
const TOOL: &str = "scan\u{1b}]0;tool\u{7}ner\u{202e}";
const RULE: &str = "rule\u{9b}31m\u{200b}-id";

/// Builds the hostile repository with `git fast-import` (which takes author lines and paths
/// byte for byte) and checks it out. Returns (repository, the paths of its hostile files).
fn hostile_repo(sb: &Sandbox, cases: &BTreeMap<String, String>) -> (Repo, Vec<String>) {
    let r = sb.repo("hostile");
    let mut stream = Vec::new();
    let mut paths = Vec::new();
    let mut when = 1_700_000_000i64;
    let mut commit = |stream: &mut Vec<u8>,
                      name: &str,
                      email: &str,
                      message: &str,
                      files: &[(String, String)]| {
        when += 3600;
        write!(
            stream,
            "commit refs/heads/main\nauthor {name} <{email}> {when} +0000\ncommitter {name} <{email}> {when} +0000\ndata {}\n{message}\n",
            message.len()
        )
        .unwrap();
        for (path, content) in files {
            write!(
                stream,
                "M 100644 inline {}\ndata {}\n{content}\n",
                quoted_path(path),
                content.len()
            )
            .unwrap();
        }
    };
    let workflow = format!(
        "name: ci\non: push\npermissions: {{}}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: \"{}@main\"\n",
        ACTION
            .replace('\u{1b}', "\\e")
            .replace('\u{7}', "\\a")
            .replace('\u{202e}', "\\u202e")
    );
    let mcp = serde_json::json!({
        "mcpServers": { MCP_SERVER: { "command": "npx", "args": ["-y", "some-server@latest"] } }
    })
    .to_string();
    commit(
        &mut stream,
        "Alice Martin",
        "alice@example.com",
        "Add CI and tools\n",
        &[
            (".github/workflows/ci.yml".to_owned(), workflow.clone()),
            (WORKFLOW_FILE.to_owned(), workflow),
            (".mcp.json".to_owned(), mcp),
        ],
    );
    for (id, text) in cases {
        let name = if usable_as_name(text) {
            text.clone()
        } else {
            format!("Case {id}")
        };
        let email = match id.as_str() {
            "zero-width" | "homoglyph" => text.clone(),
            _ => format!("{id}@example.com"),
        };
        let path = if id == "path-traversal" || id == "long" {
            format!("files/{id}.txt")
        } else {
            file_name(id, text)
        };
        paths.push(path.clone());
        commit(
            &mut stream,
            &name,
            &email,
            &format!("{text}\n\nCase {id}.\n"),
            &[(path, format!("line of {id}\n"))],
        );
    }
    commit(
        &mut stream,
        BOT,
        &format!("1+{BOT}@users.noreply.github.com"),
        "Bump\n",
        &[],
    );
    let out = r.git_output(&["fast-import", "--quiet"], None, Some(&stream));
    assert!(
        out.status.success(),
        "git fast-import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    r.git(&["checkout", "-q", "-f", "main"]);
    (r, paths)
}

/// A SARIF file with a hostile tool and rule, one result per catalogue case whose message is the
/// case's text, located in the case's file.
fn hostile_sarif(sb: &Sandbox, cases: &BTreeMap<String, String>, paths: &[String]) -> PathBuf {
    let results: Vec<Value> = cases
        .values()
        .zip(paths)
        .map(|(text, path)| {
            serde_json::json!({
                "ruleId": RULE,
                "level": "error",
                "message": { "text": text },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": path },
                    "region": { "startLine": 1 }
                }}]
            })
        })
        .collect();
    let sarif = serde_json::json!({
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": TOOL, "rules": [{ "id": RULE, "shortDescription": { "text": "hostile" } }] } },
            "results": results
        }]
    });
    let file = sb.path().join("hostile.sarif");
    std::fs::write(&file, serde_json::to_string_pretty(&sarif).unwrap()).unwrap();
    file
}

/// A home directory with a hostile VS Code extension and MCP server.
fn hostile_home(sb: &Sandbox) -> PathBuf {
    let home = sb.path().join("mallory-home");
    let ext = home.join(".vscode/extensions");
    std::fs::create_dir_all(&ext).unwrap();
    let extensions = serde_json::json!([{
        "identifier": { "id": EXTENSION },
        "version": "1.0.0\u{1b}[2J",
        "location": { "path": "/x" },
        "metadata": { "source": "vsix" }
    }]);
    std::fs::write(ext.join("extensions.json"), extensions.to_string()).unwrap();
    let claude = serde_json::json!({
        "mcpServers": { MCP_SERVER: { "command": "npx", "args": ["-y", "evil-server"] } }
    });
    std::fs::write(home.join(".claude.json"), claude.to_string()).unwrap();
    home
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn hostile_text_never_reaches_the_terminal_raw_and_json_keeps_it_exact() {
    let sb = Sandbox::new();
    let cases = catalogue();
    let (repo, paths) = hostile_repo(&sb, &cases);
    let repo_path = s(&repo.path);
    let config = sb.path().join("policy.toml");
    std::fs::write(
        &config,
        "[policy]\nrequire_signed_commits = true\n\n[policy.actions]\nallow = [\"actions/*\"]\n\n\
         [policy.mcp_servers]\nallow = [\"github\"]\n\n[policy.extensions]\nallow = [\"ms-python.*\"]\n\n\
         [policy.thresholds]\nfail_on_unapproved = true\n",
    )
    .unwrap();
    let config = s(&config);

    // Ingest and summary.
    let scan = run(&sb, &["scan", repo_path], 0);
    let text = scan.text();
    assert!(text.contains("Top contributors"), "{text}");
    assert!(
        text.contains("mcp\\x1b[2Jserver\\u{202e}"),
        "the risky MCP server is shown escaped: {text}"
    );

    // Identities: the table, one identity in detail, the bot whose id comes from its name.
    let list = run(&sb, &["identities"], 0).text();
    assert!(list.contains("Mallory\\x1b]0;pwned\\x07"), "{list}");
    assert!(list.contains("invoice\\u{202e}gnp.exe"), "{list}");
    assert!(list.contains("ali\\u{200b}ce@corp.example"), "{list}");
    assert!(list.contains("safe\\x08\\x08\\x08\\x08EVIL"), "{list}");
    assert!(list.contains("bot:x\\x1b[31mbot\\x1b[0m"), "{list}");
    let show = run(
        &sb,
        &["identities", "show", "ali\u{200b}ce@corp.example"],
        0,
    )
    .text();
    assert!(show.contains("<ali\\u{200b}ce@corp.example>"), "{show}");
    let shown_bot = run(&sb, &["identities", "show", BOT], 0).text();
    assert!(
        shown_bot.starts_with("bot:x\\x1b[31mbot\\x1b[0m (bot)"),
        "{shown_bot}"
    );
    // JSON keeps the exact names and e-mails.
    let ids = run(&sb, &["--format", "json", "identities"], 0).json();
    let names: Vec<&str> = ids
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_names_exact(&cases, &names);
    let emails: Vec<&str> = ids
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&cases["zero-width"].as_str()), "{emails:?}");
    assert!(emails.contains(&cases["homoglyph"].as_str()), "{emails:?}");

    // Scanner findings: import, the table, CSV with no formula, JSON exact.
    let sarif = hostile_sarif(&sb, &cases, &paths);
    let import = run(&sb, &["import", s(&sarif), "--repo", repo_path], 0).text();
    assert!(
        import.contains("scan\\x1b]0;tool\\x07ner\\u{202e}"),
        "{import}"
    );
    let table = run(&sb, &["findings"], 0).text();
    assert!(table.contains("rule\\u{9b}31m\\u{200b}-id"), "{table}");
    assert!(
        table.contains("Mallory\\x1b]0;pwned\\x07"),
        "introduced by: {table}"
    );
    let findings = run(&sb, &["--format", "json", "findings"], 0).json();
    let rows = findings.as_array().unwrap();
    let scanner_rows: Vec<&Value> = rows.iter().filter(|r| r["tool"] == TOOL).collect();
    assert_eq!(scanner_rows.len(), cases.len());
    assert!(scanner_rows.iter().all(|r| r["rule"] == RULE));
    let csv = run(&sb, &["--format", "csv", "findings"], 0).text();
    assert_eq!(
        csv.lines().count(),
        rows.len() + 1,
        "one line per finding: {csv}"
    );
    for line in csv.lines() {
        assert!(
            !line.contains(",=") && !line.contains(",+") && !line.contains(",@"),
            "{line}"
        );
    }
    // Markdown (a CI job summary): one table row per finding, nothing rendered as markup.
    let md = run(&sb, &["--format", "markdown", "findings"], 0).text();
    assert!(md.contains(r"Mallory\\x1b\]0;pwned\\x07"), "{md}");
    let body_rows = md
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Severity"))
        .count();
    let severities = rows
        .iter()
        .map(|r| r["severity"].as_str().unwrap())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    assert_eq!(body_rows, rows.len() + severities, "{md}");
    // Links and images are escaped in text cells and inert inside code spans.
    assert!(md.contains(r"\!\[x\](https"), "{md}");
    assert!(
        md.lines()
            .flat_map(|l| l.split(" | "))
            .all(|cell| cell.starts_with('`') || !cell.contains("![x](")),
        "{md}"
    );
    let developer_names: Vec<&str> = rows
        .iter()
        .filter_map(|r| r["developer_name"].as_str())
        .collect();
    let exact = format!("{} <ansi-clear@example.com>", cases["ansi-clear"]);
    assert!(
        developer_names.contains(&exact.as_str()),
        "{developer_names:?}"
    );

    // The workstation.
    let home = hostile_home(&sb);
    let tools = run(
        &sb,
        &[
            "--config",
            config,
            "tools",
            "scan",
            "--home",
            s(&home),
            "--identity",
            "mallory@example.com",
            "--host",
            "box\u{1b}[2J",
        ],
        0,
    )
    .text();
    assert!(
        tools.contains("evil\\x1b]0;ext\\x07.theme\\u{202e}x"),
        "{tools}"
    );
    assert!(tools.contains("mcp\\x1b[2Jserver\\u{202e}"), "{tools}");
    let inventory = run(&sb, &["tools", "list"], 0).text();
    assert!(
        inventory.contains("ev\\x1b]0;pwned\\x07il/act\\u{202e}ion"),
        "{inventory}"
    );
    assert!(inventory.contains("wf\\x1b[2J\\u{202e}.yml"), "{inventory}");
    let listed = run(&sb, &["--format", "json", "tools", "list"], 0).json();
    let tool_names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for name in [ACTION, MCP_SERVER, EXTENSION] {
        assert!(
            tool_names.contains(&name),
            "{name:?} not exact in {tool_names:?}"
        );
    }

    // CI audit, AI report, policy, ledger.
    let ci = run(&sb, &["ci", "audit", repo_path], 4).text();
    assert!(
        ci.contains("ev\\x1b]0;pwned\\x07il/act\\u{202e}ion@main"),
        "{ci}"
    );
    run(&sb, &["ci", "audit", "--format", "sarif", repo_path], 4);
    run(&sb, &["-v", "ci", "audit", repo_path], 4);
    run(&sb, &["ai"], 0);
    run(&sb, &["ai", repo_path], 0);
    let markdown = run(&sb, &["--format", "markdown", "ai"], 0).text();
    assert!(
        markdown.contains("mcp\\\\x1b\\[2Jserver\\\\u{202e}"),
        "{markdown}"
    );
    run(&sb, &["--format", "csv", "ai"], 0);
    let policy = run(&sb, &["--config", config, "policy", "check"], 4).text();
    assert!(
        policy.contains("ev\\x1b]0;pwned\\x07il/act\\u{202e}ion"),
        "{policy}"
    );
    assert!(
        policy.contains("evil\\x1b]0;ext\\x07.theme\\u{202e}x"),
        "{policy}"
    );
    run(&sb, &["audit", "verify"], 0);
    run(&sb, &["audit", "log"], 0);
    let key = sb.path().join("key");
    run(&sb, &["audit", "keygen", "-o", s(&key)], 0);
    let pack = sb.path().join("pack");
    run(
        &sb,
        &[
            "audit",
            "evidence",
            "--framework",
            "ssdf",
            "--since",
            "2023-01-01",
            "--until",
            "2024-12-31",
            "--sample",
            "40",
            "--key",
            s(&key),
            "-o",
            s(&pack),
        ],
        0,
    );
    let mut markdown_files = 0;
    for dir in [pack.clone(), pack.join("changes")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") {
                markdown_files += 1;
                assert_inert(&path.display().to_string(), &std::fs::read(&path).unwrap());
            }
        }
    }
    assert!(
        markdown_files > cases.len(),
        "{markdown_files} Markdown files"
    );
    let index = std::fs::read_to_string(pack.join("index.md")).unwrap();
    // Rendered: `Mallory\x1b]0;pwned\x07` and `a | b | c`, each in its own cell.
    assert!(
        index.contains("| Mallory\\\\x1b\\]0;pwned\\\\x07 |"),
        "{index}"
    );
    assert!(
        index.contains(".md) a \\| b \\| c | 2023-11-15 |"),
        "{index}"
    );

    // Errors that echo outside text.
    let missing = format!("{repo_path}/no\u{1b}]0;such\u{7}\u{202e}");
    let err = run(&sb, &["scan", &missing], 1).err();
    assert!(err.contains("no\\x1b]0;such\\x07\\u{202e}"), "{err}");
    run(&sb, &["ci", "audit", &missing], 1);
    run(&sb, &["identities", "show", "nobody\u{1b}[2J\u{202e}"], 1);
    run(&sb, &["findings", "--repo", "x\u{1b}]0;repo\u{7}"], 1);
    run(&sb, &["import", &missing, "--repo", repo_path], 1);
}

#[test]
fn tools_list_name_filter_takes_wildcards_literally() {
    let sb = Sandbox::new();
    let r = sb.repo("wild");
    r.commit_file(
        ALICE,
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - uses: my_org/100%-action@v1\n",
        "CI",
    );
    sb.scan(&r.path);
    let names = |filter: &str| -> Vec<String> {
        let out = sb.run(&["--format", "json", "tools", "list", "--name", filter]);
        out.assert_code(0);
        out.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names("checkout"), ["actions/checkout"]);
    assert_eq!(names("%"), ["my_org/100%-action"]);
    assert_eq!(names("_"), ["my_org/100%-action"]);
    assert_eq!(names("y_o"), ["my_org/100%-action"]);
    assert!(names("a%c").is_empty());
    assert!(names("\\").is_empty());
}

#[test]
fn ci_audit_fails_closed_on_a_file_it_cannot_parse() {
    let sb = Sandbox::new();
    let dir = sb.path().join("checkout");
    std::fs::create_dir_all(dir.join(".github/workflows")).unwrap();
    std::fs::write(dir.join(".github/workflows/bad.yml"), "on: push\njobs: [\n").unwrap();
    let run = sb.run(&["ci", "audit", "--no-record", s(&dir)]);
    run.assert_code(4);
    assert!(!run.stdout.contains("passed"), "{run:?}");
    let name = dir.display().to_string();
    assert_eq!(
        run.stdout,
        format!(
            "{name} — 0 files audited, 1 findings\n  \
             severity  rule              where                          context     evidence      introduced by\n  \
             high      unauditable-file  .github/workflows/bad.yml:2:1  production  invalid YAML  -\n\n\
             1 findings (1 high). Threshold: high — failed: 1 file could not be audited (unauditable-file).\n"
        ),
        "{run:?}"
    );
    // Whatever the threshold: a gate that could not look has not passed.
    let run = sb.run(&[
        "ci",
        "audit",
        "--no-record",
        "--fail-on",
        "critical",
        s(&dir),
    ]);
    run.assert_code(4);
    assert!(
        run.stdout.ends_with(
            "Threshold: critical — failed: 1 file could not be audited (unauditable-file).\n"
        ),
        "{run:?}"
    );
    let out = sb.run(&["--format", "json", "ci", "audit", "--no-record", s(&dir)]);
    out.assert_code(4);
    let json = out.json();
    assert_eq!(json["files_audited"], 0);
    assert_eq!(json["files_not_audited"], 1);
    assert_eq!(json["failed"], true);
    assert_eq!(json["findings"][0]["rule_id"], "unauditable-file");
    assert_eq!(
        json["findings"][0]["message"],
        "not audited: invalid YAML at line 2, column 7: unclosed bracket '['"
    );

    // In a repository the finding is recorded, so `findings --fail-on high` gates on it too.
    let r = sb.repo("broken");
    r.commit_file(
        ALICE,
        ".github/workflows/bad.yml",
        "on: push\njobs: [\n",
        "Broken CI",
    );
    sb.run(&["ci", "audit", s(&r.path)]).assert_code(4);
    let recorded = sb.run(&["--format", "json", "findings", "--fail-on", "high"]);
    recorded.assert_code(4);
    let rows = recorded.json();
    assert_eq!(rows[0]["rule"], "unauditable-file");
    assert_eq!(rows[0]["severity"], "high");
    assert_eq!(
        rows[0]["developer_name"],
        "Alice Martin <alice@example.com>"
    );
}

/// `devspm posture` and `posture explain` over the hostile repository, with a hostile team name
/// from the configuration: every format inert on the terminal (a formula-looking team is
/// defused in CSV, a `|` cannot split a Markdown cell), JSON exact.
#[test]
fn posture_shows_hostile_names_inert_in_every_format() {
    let sb = Sandbox::new();
    let cases = catalogue();
    let (repo, _) = hostile_repo(&sb, &cases);
    let team = "=HYPERLINK(\"http://x\")\u{1b}[31m|team\u{202e}";
    let config = sb.path().join("devspm.toml");
    std::fs::write(
        &config,
        format!(
            "[[identity]]\nid = \"mallory\"\nteam = {}\naliases = [\"ansi-osc-title@example.com\"]\n",
            serde_json::to_string(team).unwrap()
        ),
    )
    .unwrap();
    let config = s(&config);
    run(&sb, &["--config", config, "scan", s(&repo.path)], 0);
    let table = run(&sb, &["--config", config, "posture"], 0).text();
    assert!(table.contains("Mallory\\x1b]0;pwned\\x07"), "{table}");
    assert!(table.contains("\\x1b[31m|team\\u{202e}"), "{table}");
    let csv = run(&sb, &["--config", config, "--format", "csv", "posture"], 0).text();
    for line in csv.lines() {
        for start in [",=", ",+", ",-", ",@"] {
            assert!(!line.contains(start), "formula cell: {line}");
        }
    }
    assert!(csv.contains("'=HYPERLINK"), "{csv}");
    let md = run(
        &sb,
        &["--config", config, "--format", "markdown", "posture"],
        0,
    )
    .text();
    assert!(md.contains("\\|team"), "{md}");
    assert!(md.contains(r"Mallory\\x1b\]0;pwned\\x07"), "{md}");
    let json = run(&sb, &["--config", config, "--format", "json", "posture"], 0).json();
    let names: Vec<&str> = json["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_names_exact(&cases, &names);
    assert!(names.contains(&team), "{names:?}");
    for subject in ["ansi-osc-title@example.com", &format!("team:{team}")] {
        for format in ["table", "csv", "markdown", "json"] {
            run(
                &sb,
                &[
                    "--config", config, "--format", format, "posture", "explain", subject,
                ],
                0,
            );
        }
    }
}
