//! "No secret is stored", end to end: a token pasted into a scanner's message, into a commit
//! message or into a trailer is replaced by its keyed hash and preview before anything is
//! hashed into the chain, and is then nowhere — not in an event, a projection, an output, an
//! evidence pack, nor anywhere in the bytes of the database files. The key those hashes are
//! made with can be kept outside the database. Stored free text is capped, with the length
//! and SHA-256 of the whole.
//!
//! The tokens below are random strings in the shape of GitHub and AWS credentials; they grant
//! nothing.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

const GH_IN_SARIF: &str = "ghp_xqPjZnibNJJyGh7W1foQLqgTwPkESHYKp8z3";
const GH_IN_GITLEAKS: &str = "ghp_8QOUc9UJyzPZHdly7UJE4jq5wYSuEC9HPqQw";
const GH_IN_TRUFFLEHOG: &str = "ghp_9naHVck6pbd4ZRj2SxphvDTwrzqwo72n3wZu";
const GH_IN_MESSAGE: &str = "ghp_Wl1rnA3VMLm3ZunBN0Tpf7zdZfxZn3h4OhcL";
const AWS_IN_SARIF: &str = "AKIAQE7BIZ7ZLMQJHNDT";
const AWS_IN_TRAILER: &str = "AKIAUUDK2FTQZ6EFPOQK";
const GH_ALLOWED_IN_MESSAGE: &str = "ghp_R4kzT8wLq2NvYc6HmJ1pXe9BsD3fGa7UoK5i";

/// A key given from outside in some tests (64 hex digits).
const OUTSIDE_KEY: &str = "8f1c2d3e4a5b6c7d8e9fa0b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d4e5f";

fn hex_key(text: &str) -> [u8; 32] {
    let bytes: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    bytes.try_into().unwrap()
}

/// The database's own secret-hashing key.
fn db_key(sb: &Sandbox) -> [u8; 32] {
    let hex: String = sb
        .conn()
        .query_row(
            "SELECT value FROM ledger_meta WHERE name = 'secret_hash_key'",
            [],
            |r| r.get(0),
        )
        .expect("the database holds its key");
    hex_key(&hex)
}

fn sha256_hex(bytes: &[u8]) -> String {
    devspm_core::ids::content_hash(bytes)
}

/// What a secret reads as in stored text.
fn marker(rule: &str, secret: &str, key: &[u8; 32]) -> String {
    format!(
        "[REDACTED {rule} {} hmac:{}]",
        devspm_findings::fingerprint::redact(secret),
        devspm_findings::fingerprint::secret_hash(key, secret)
    )
}

/// Every place a value could hide, searched for each needle: event payloads, stored messages,
/// findings' messages, the given command outputs and files, and the raw bytes of the database
/// and its `-wal`, `-shm` and `-journal` files. Returns where each was found.
fn found(
    sb: &Sandbox,
    needles: &[&str],
    outputs: &[(&str, &str)],
    files: &[PathBuf],
) -> Vec<String> {
    let conn = sb.conn();
    let texts = |sql: &str| -> Vec<String> {
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| {
            let bytes: Vec<u8> = r.get(0)?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    let mut places: Vec<(String, String)> = Vec::new();
    for p in texts("SELECT CAST(payload AS BLOB) FROM events") {
        places.push(("an event payload".into(), p));
    }
    for m in texts("SELECT bytes FROM contents WHERE bytes IS NOT NULL") {
        places.push(("a stored commit message".into(), m));
    }
    for m in texts("SELECT CAST(message AS BLOB) FROM findings") {
        places.push(("findings.message".into(), m));
    }
    for v in texts("SELECT CAST(coalesce(value, '') AS BLOB) FROM commit_trailers") {
        places.push(("commit_trailers.value".into(), v));
    }
    drop(conn);
    for (name, text) in outputs {
        places.push(((*name).to_owned(), (*text).to_owned()));
    }
    for file in files {
        let bytes = std::fs::read(file).unwrap();
        places.push((
            file.display().to_string(),
            String::from_utf8_lossy(&bytes).into_owned(),
        ));
    }
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = sb.db().into_os_string();
        name.push(suffix);
        if let Ok(bytes) = std::fs::read(&name) {
            places.push((
                format!("the bytes of {}", Path::new(&name).display()),
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
    }
    let mut hits = Vec::new();
    for needle in needles {
        for (place, text) in &places {
            if text.contains(needle) {
                hits.push(format!("{needle} in {place}"));
            }
        }
    }
    hits
}

/// Every file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn findings_json(sb: &Sandbox) -> (Vec<Value>, String) {
    let run = sb.run(&["--format", "json", "findings"]);
    run.assert_code(0);
    let rows = run.json().as_array().expect("rows").clone();
    (rows, run.stdout)
}

fn app(sb: &Sandbox) -> Repo {
    let repo = sb.repo("app");
    repo.commit_file(
        ALICE,
        "config.py",
        "import os\nTOKEN = os.environ['TOKEN']\nKEY = os.environ['KEY']\n",
        "Read credentials from the environment",
    );
    repo
}

/// [`app`] and a commit by Bob whose message holds a token.
fn leaky_app(sb: &Sandbox) -> Repo {
    let repo = app(sb);
    repo.commit_file(
        BOB,
        "deploy.txt",
        "x\n",
        &format!("Deploy\n\nwith {GH_IN_MESSAGE}\n"),
    );
    repo
}

/// The message of commit `sha` as stored in `contents`.
fn stored_message(sb: &Sandbox, sha: &str) -> Vec<u8> {
    sb.conn()
        .query_row(
            "SELECT c.bytes FROM contents c JOIN commits m ON m.message_sha256 = c.sha256
             WHERE m.sha = ?1",
            [sha],
            |r| r.get(0),
        )
        .unwrap()
}

/// The `commit_recorded` payload of commit `sha`, as hashed.
fn commit_payload(sb: &Sandbox, sha: &str) -> String {
    sb.conn()
        .query_row(
            "SELECT payload FROM events WHERE kind = 'commit_recorded' AND key LIKE '%' || ?1",
            [sha],
            |r| r.get(0),
        )
        .unwrap()
}

/// The keyed hash of every recorded finding's secret, in order.
fn recorded_secret_hashes(sb: &Sandbox) -> Vec<String> {
    let conn = sb.conn();
    let mut stmt = conn
        .prepare(
            "SELECT json_extract(payload, '$.secret.hash') FROM events
             WHERE kind = 'finding_recorded' ORDER BY seq",
        )
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Scanner reports whose free text holds tokens the report does not declare as its secret:
/// gitleaks SARIF with the token at the end of the message and no snippet, another SAST tool's
/// message, rule id and snippet, a redacted gitleaks JSON report whose description holds a
/// token, a trufflehog3 rule message, and a TruffleHog v3 result (JSON Lines) whose `Raw`,
/// `Redacted`, `ExtraData` and description all hold the token.
fn write_reports(sb: &Sandbox) -> Vec<PathBuf> {
    let sarif = format!(
        r#"{{"version": "2.1.0", "runs": [
  {{"tool": {{"driver": {{"name": "gitleaks", "version": "8.28.0", "rules": [{{"id": "generic-api-key"}}]}}}},
   "results": [{{"ruleId": "generic-api-key",
     "message": {{"text": "generic-api-key has detected secret for file config.py: {GH_IN_SARIF}"}},
     "locations": [{{"physicalLocation": {{"artifactLocation": {{"uri": "config.py"}}, "region": {{"startLine": 2}}}}}}]}}]}},
  {{"tool": {{"driver": {{"name": "Acme SAST", "version": "2.0"}}}},
   "results": [{{"ruleId": "hardcoded-credential",
     "message": {{"text": "Hard-coded AWS key {AWS_IN_SARIF} in settings"}},
     "locations": [{{"physicalLocation": {{"artifactLocation": {{"uri": "config.py"}},
       "region": {{"startLine": 3, "snippet": {{"text": "KEY = '{AWS_IN_SARIF}'"}}}}}}}}]}}]}}
]}}"#
    );
    let gitleaks = format!(
        r#"[{{"RuleID": "github-pat", "Description": "token {GH_IN_GITLEAKS} pasted in config",
  "StartLine": 2, "EndLine": 2, "Secret": "REDACTED", "Match": "REDACTED", "File": "config.py",
  "Commit": "", "Fingerprint": "config.py:github-pat:2"}}]"#
    );
    let trufflehog3 = format!(
        r#"[{{"rule": {{"id": "high-entropy", "message": "High entropy string {GH_IN_SARIF}", "severity": "MEDIUM"}},
  "path": "config.py", "line": "2", "secret": "", "context": {{"2": "TOKEN = '{GH_IN_SARIF}'"}}}}]"#
    );
    let trufflehog = format!(
        r#"{{"SourceMetadata":{{"Data":{{"Filesystem":{{"file":"config.py","line":2}}}}}},"SourceID":1,"SourceType":15,"SourceName":"trufflehog - filesystem","DetectorType":8,"DetectorName":"Github","DetectorDescription":"GitHub token {GH_IN_TRUFFLEHOG}","DecoderName":"PLAIN","Verified":false,"Raw":"{GH_IN_TRUFFLEHOG}","RawV2":"","Redacted":"{GH_IN_TRUFFLEHOG}","ExtraData":{{"username":"{GH_IN_TRUFFLEHOG}"}},"StructuredData":null}}
"#
    );
    let mut files = Vec::new();
    for (name, text) in [
        ("report.sarif", sarif),
        ("gitleaks.json", gitleaks),
        ("trufflehog3.json", trufflehog3),
        ("trufflehog.jsonl", trufflehog),
    ] {
        let path = sb.path().join(name);
        std::fs::write(&path, text).unwrap();
        files.push(path);
    }
    files
}

/// The regression of issue 17: a gitleaks-style SARIF message ending with the token was kept
/// in the chained `finding_recorded` payload, in `findings.message`, and printed.
#[test]
fn secrets_in_scanner_free_text_are_stored_nowhere() {
    let sb = Sandbox::new();
    let repo = app(&sb);
    let reports = write_reports(&sb);
    let mut args = vec![
        "--format",
        "json",
        "import",
        "--repo",
        repo.path.to_str().unwrap(),
    ];
    let paths: Vec<&str> = reports.iter().map(|p| p.to_str().unwrap()).collect();
    args.extend(&paths);
    let import = sb.run(&args);
    import.assert_code(0);
    let key = db_key(&sb);

    let (rows, findings_out) = findings_json(&sb);
    let message = |tool: &str, rule: &str| -> String {
        let hits: Vec<&Value> = rows
            .iter()
            .filter(|r| r["tool"] == tool && r["rule"] == rule)
            .collect();
        assert_eq!(hits.len(), 1, "{rows:#?}");
        hits[0]["message"].as_str().unwrap().to_owned()
    };
    assert_eq!(
        message("gitleaks", "generic-api-key"),
        format!(
            "generic-api-key has detected secret for file config.py: {}",
            marker("github-pat", GH_IN_SARIF, &key)
        )
    );
    assert_eq!(
        message("acme-sast", "hardcoded-credential"),
        format!(
            "Hard-coded AWS key {} in settings",
            marker("aws-access-key-id", AWS_IN_SARIF, &key)
        )
    );
    // gitleaks JSON and trufflehog3 findings share the `gitleaks`/`trufflehog3` tools.
    assert!(rows.iter().any(|r| r["message"]
        == format!(
            "token {} pasted in config",
            marker("github-pat", GH_IN_GITLEAKS, &key)
        )));
    assert!(rows.iter().any(|r| r["message"]
        == format!(
            "High entropy string {}",
            marker("github-pat", GH_IN_SARIF, &key)
        )));

    assert!(
        rows.iter()
            .any(|r| r["tool"] == "trufflehog" && r["message"] == "GitHub token [REDACTED]"),
        "{rows:#?}"
    );

    let table = sb.run(&["findings"]);
    table.assert_code(0);
    let export = sb.run(&[
        "export",
        "sarif",
        paths[0],
        "--repo",
        repo.path.to_str().unwrap(),
    ]);
    export.assert_code(0);
    let exported: Value = serde_json::from_str(&export.stdout).expect("SARIF");
    assert_eq!(
        exported["runs"][0]["results"][0]["message"]["text"],
        format!(
            "generic-api-key has detected secret for file config.py: {}",
            marker("github-pat", GH_IN_SARIF, &key)
        )
    );
    let log = sb.run(&["audit", "log", "--limit", "1000"]);
    log.assert_code(0);
    let hits = found(
        &sb,
        &[GH_IN_SARIF, GH_IN_GITLEAKS, GH_IN_TRUFFLEHOG, AWS_IN_SARIF],
        &[
            ("import output", &import.stdout),
            ("import warnings", &import.stderr),
            ("findings --format json", &findings_out),
            ("findings", &table.stdout),
            ("export sarif", &export.stdout),
            ("audit log", &log.stdout),
        ],
        &[],
    );
    assert!(hits.is_empty(), "{hits:#?}");
    sb.assert_verifies();
    // Importing the same reports again adds nothing: the redacted text identifies them alike.
    let before = sb.event_count();
    sb.run(&args).assert_code(0);
    assert_eq!(sb.event_count(), before);
}

/// The regression of issue 17: a secret in a commit message was stored in plain text and
/// printed in evidence packs, with no finding raised.
#[test]
fn a_secret_in_a_commit_message_is_redacted_and_raised_as_a_finding_of_that_commit() {
    let sb = Sandbox::new();
    let repo = app(&sb);
    let message = format!(
        "Push the tag with {GH_IN_MESSAGE}\n\nDeploy-Key: {AWS_IN_TRAILER}\nCo-authored-by: Claude <noreply@anthropic.com>\n"
    );
    let leaky = repo.commit_file(BOB, "release.txt", "1.0\n", &message);
    repo.commit_file(ALICE, "notes.txt", "done\n", "Release notes");
    sb.scan(&repo.path);
    let key = db_key(&sb);

    // The message as stored: both values replaced, everything else as written.
    let stored = stored_message(&sb, &leaky);
    let expected = message
        .replace(GH_IN_MESSAGE, &marker("github-pat", GH_IN_MESSAGE, &key))
        .replace(
            AWS_IN_TRAILER,
            &marker("aws-access-key-id", AWS_IN_TRAILER, &key),
        );
    assert_eq!(String::from_utf8(stored).unwrap(), expected);
    // The chain commits to the redacted message and says what was replaced.
    let payload = commit_payload(&sb, &leaky);
    let commit: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(commit["message"]["sha256"], sha256_hex(expected.as_bytes()));
    let redactions = commit["message"]["redactions"].as_array().unwrap();
    let rules: Vec<(&str, u64, &str)> = redactions
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap(),
                r["line"].as_u64().unwrap(),
                r["hash"].as_str().unwrap(),
            )
        })
        .collect();
    let gh_hash = devspm_findings::fingerprint::secret_hash(&key, GH_IN_MESSAGE);
    let aws_hash = devspm_findings::fingerprint::secret_hash(&key, AWS_IN_TRAILER);
    assert_eq!(
        rules,
        [
            ("github-pat", 1, gh_hash.as_str()),
            ("aws-access-key-id", 3, aws_hash.as_str())
        ]
    );
    assert_eq!(
        commit["trailers"][0],
        serde_json::json!({"key": "Deploy-Key", "value": marker("aws-access-key-id", AWS_IN_TRAILER, &key)})
    );

    // One finding per value, attributed to the commit, its author and the agent in it.
    let (rows, findings_out) = findings_json(&sb);
    let mut secrets: Vec<&Value> = rows
        .iter()
        .filter(|r| r["tool"] == "devspm-secrets")
        .collect();
    secrets.sort_by_key(|r| r["rule"].as_str().unwrap().to_owned());
    assert_eq!(secrets.len(), 2, "{rows:#?}");
    for (row, rule, preview) in [
        (secrets[0], "aws-access-key-id", "AKIA…QK"),
        (secrets[1], "github-pat", "ghp_…cL"),
    ] {
        assert_eq!(row["rule"], rule, "{row:#}");
        assert_eq!(row["kind"], "secret");
        assert_eq!(row["severity"], "critical");
        assert_eq!(row["status"], "open");
        assert_eq!(row["secret_preview"], preview);
        assert_eq!(row["attribution"], "attributed");
        assert_eq!(row["method"], "commit-message");
        assert_eq!(row["introduced_in"], leaky.as_str());
        assert_eq!(row["developer_name"], "Bob Stone <bob@example.com>");
        assert_eq!(row["agents"], serde_json::json!(["claude-code"]));
        assert!(
            row["message"]
                .as_str()
                .unwrap()
                .contains(&format!("in the message of commit {}", &leaky[..12])),
            "{row:#}"
        );
    }

    let table = sb.run(&["findings"]);
    table.assert_code(0);
    let mut lines: Vec<String> = table
        .stdout
        .lines()
        .filter(|l| l.contains("devspm-secrets"))
        .map(|l| l.split_whitespace().take(7).collect::<Vec<_>>().join(" "))
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            format!(
                "critical open devspm-secrets aws-access-key-id message of {}",
                &leaky[..10]
            ),
            format!(
                "critical open devspm-secrets github-pat message of {}",
                &leaky[..10]
            ),
        ]
    );

    // An evidence pack cites the change; it does not repeat the value.
    sb.run(&[
        "audit",
        "keygen",
        "-o",
        sb.path().join("audit.key").to_str().unwrap(),
    ])
    .assert_code(0);
    let pack = sb.path().join("pack");
    sb.run(&[
        "audit",
        "evidence",
        "--framework",
        "ssdf",
        "--since",
        "2023-01-01",
        "--key",
        sb.path().join("audit.key").to_str().unwrap(),
        "-o",
        pack.to_str().unwrap(),
    ])
    .assert_code(0);
    let pack_files = files_under(&pack);
    assert!(
        pack_files
            .iter()
            .any(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains("[REDACTED github-pat"))),
        "the pack shows the redacted message"
    );
    let log = sb.run(&["audit", "log", "--limit", "1000"]);
    let hits = found(
        &sb,
        &[GH_IN_MESSAGE, AWS_IN_TRAILER],
        &[
            ("findings --format json", &findings_out),
            ("audit log", &log.stdout),
        ],
        &pack_files,
    );
    assert!(hits.is_empty(), "{hits:#?}");
    sb.assert_verifies();
    // A re-scan adds nothing.
    let before = sb.event_count();
    sb.scan(&repo.path);
    assert_eq!(sb.event_count(), before);
}

/// The key kept outside the database: the database holds only a check value, refuses to hash
/// without the key or with another one, and the hashes are those of the key given.
#[test]
fn a_secret_key_kept_outside_the_database() {
    let sb = Sandbox::new();
    let repo = leaky_app(&sb);
    let key_file = sb.path().join("secret.key");
    let path = key_file.to_str().unwrap();
    let new = sb.run(&["secret-key", "new", path]);
    new.assert_code(0);
    assert!(
        new.stdout
            .starts_with(&format!("wrote a new secret-hashing key to {path}\n")),
        "{new:?}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let key = hex_key(std::fs::read_to_string(&key_file).unwrap().trim());
    // Never overwritten.
    sb.run(&["secret-key", "new", path])
        .assert_error(&["already exists", "never overwritten"]);

    let scan = |extra: &[&str]| -> Run {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(extra);
        args.extend(["scan", repo.path.to_str().unwrap()]);
        sb.run(&args)
    };
    scan(&["--secret-key-file", path]).assert_code(0);
    let conn = sb.conn();
    let own: i64 = conn
        .query_row(
            "SELECT count(*) FROM ledger_meta WHERE name = 'secret_hash_key'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(own, 0, "the database holds no key of its own");
    drop(conn);
    assert_eq!(
        recorded_secret_hashes(&sb),
        [devspm_findings::fingerprint::secret_hash(
            &key,
            GH_IN_MESSAGE
        )]
    );
    let hex = std::fs::read_to_string(&key_file).unwrap();
    assert!(found(&sb, &[hex.trim()], &[], &[]).is_empty());

    // Without the key, or with another, nothing is hashed.
    repo.commit_file(ALICE, "more.txt", "y\n", "More");
    scan(&[]).assert_error(&[
        "secret hashes were made with a key kept outside it",
        "--secret-key-file",
    ]);
    let other = sb.path().join("other.key");
    sb.run(&["secret-key", "new", other.to_str().unwrap()])
        .assert_code(0);
    scan(&["--secret-key-file", other.to_str().unwrap()])
        .assert_error(&["is not the key this database's secret hashes were made with"]);
    // The key itself in the environment works the same.
    let run = Run::from(
        sb.devspm()
            .env("DEVSPM_SECRET_KEY", hex.trim())
            .args(["--format", "json", "scan", repo.path.to_str().unwrap()])
            .output()
            .unwrap(),
    );
    run.assert_code(0);
    // Unusable keys are named, never quoted.
    std::fs::write(sb.path().join("short.key"), "abc123\n").unwrap();
    scan(&[
        "--secret-key-file",
        sb.path().join("short.key").to_str().unwrap(),
    ])
    .assert_error(&["short.key", "64 hexadecimal digits", "holds 6 characters"]);
    scan(&[
        "--secret-key-file",
        sb.path().join("missing.key").to_str().unwrap(),
    ])
    .assert_error(&["missing.key does not exist", "devspm secret-key new"]);
    let both = Run::from(
        sb.devspm()
            .env("DEVSPM_SECRET_KEY", hex.trim())
            .args(["--secret-key-file", path, "findings"])
            .output()
            .unwrap(),
    );
    both.assert_error(&["give one of them"]);
    let bad_env = Run::from(
        sb.devspm()
            .env("DEVSPM_SECRET_KEY", "not a key")
            .args(["scan", repo.path.to_str().unwrap()])
            .output()
            .unwrap(),
    );
    bad_env.assert_error(&["$DEVSPM_SECRET_KEY", "64 hexadecimal digits"]);
    assert!(!bad_env.stderr.contains("not a key"));
    sb.assert_verifies();
}

/// A database that made its hashes with its own key: another key is refused; `move-out`
/// writes the key to a file and deletes it from the database, after which the file is needed
/// and the hashes stay the same.
#[test]
fn moving_the_database_key_out() {
    let sb = Sandbox::new();
    let repo = leaky_app(&sb);
    sb.scan(&repo.path);
    let own = db_key(&sb);
    let own_hex: String = own.iter().map(|b| format!("{b:02x}")).collect();
    let outside = sb.path().join("outside.key");
    std::fs::write(&outside, format!("{OUTSIDE_KEY}\n")).unwrap();
    sb.run(&[
        "--secret-key-file",
        outside.to_str().unwrap(),
        "scan",
        repo.path.to_str().unwrap(),
    ])
    .assert_error(&[
        "keeps its own secret-hashing key",
        "devspm secret-key move-out",
    ]);

    let moved = sb.path().join("moved.key");
    let run = sb.run(&["secret-key", "move-out", moved.to_str().unwrap()]);
    run.assert_code(0);
    assert_eq!(
        std::fs::read_to_string(&moved).unwrap(),
        format!("{own_hex}\n")
    );
    let hits = found(&sb, &[&own_hex], &[], &[]);
    assert!(hits.is_empty(), "{hits:#?}");
    sb.run(&[
        "secret-key",
        "move-out",
        sb.path().join("again.key").to_str().unwrap(),
    ])
    .assert_error(&["holds no secret-hashing key of its own", "nothing to move"]);

    // The same hashes as before, with the file; nothing without it.
    repo.commit_file(
        ALICE,
        "more.txt",
        "y\n",
        &format!("Again\n\n{GH_IN_MESSAGE}\n"),
    );
    sb.run(&["scan", repo.path.to_str().unwrap()])
        .assert_error(&["made with a key kept outside it"]);
    sb.run(&[
        "-q",
        "--secret-key-file",
        moved.to_str().unwrap(),
        "scan",
        repo.path.to_str().unwrap(),
    ])
    .assert_code(0);
    let expected = devspm_findings::fingerprint::secret_hash(&own, GH_IN_MESSAGE);
    assert_eq!(recorded_secret_hashes(&sb), [expected.clone(), expected]);
    sb.assert_verifies();
}

/// "A 64 MiB message is stored twice": a message ending in one huge `Key: value` paragraph was
/// kept in `contents`, in the chained payload (its trailers) and in `commit_trailers`. Now the
/// message is stored once, cut at 1 MiB with the length and SHA-256 of the whole, and trailer
/// values are cut at 1 KiB; imported messages are cut at 8 KiB the same way.
#[test]
fn huge_free_text_is_stored_once_capped_with_the_hash_of_the_whole() {
    let sb = Sandbox::new();
    let repo = app(&sb);
    let value: String = "0123456789abcdef".repeat(3 << 16); // 3 MiB
    let message = format!("Vendor the data\n\nData: {value}\n");
    let big = repo.commit_file(BOB, "data.txt", "d\n", &message);
    sb.scan(&repo.path);

    let stored = stored_message(&sb, &big);
    let whole = sha256_hex(message.as_bytes());
    let mut expected = message.as_bytes()[..1 << 20].to_vec();
    expected.extend_from_slice(
        format!(
            "\n[devspm: cut at 1048576 of {} bytes; SHA-256 of the whole text: {whole}]",
            message.len()
        )
        .as_bytes(),
    );
    assert_eq!(stored.len(), expected.len());
    assert!(
        stored == expected,
        "stored message ends with {:?}",
        String::from_utf8_lossy(&stored[stored.len() - 200..])
    );
    let payload = commit_payload(&sb, &big);
    let commit: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(
        commit["message"]["whole"],
        serde_json::json!({"len": message.len(), "sha256": whole})
    );
    assert!(payload.len() < 4096, "payload of {} bytes", payload.len());
    let trailer: String = sb
        .conn()
        .query_row(
            "SELECT value FROM commit_trailers WHERE sha = ?1 AND key = 'Data'",
            [&big],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        trailer,
        format!(
            "{}\n[devspm: cut at 1024 of {} bytes; SHA-256 of the whole text: {}]",
            &value[..1024],
            value.len(),
            sha256_hex(value.as_bytes())
        )
    );
    // Stored once: the file is a little over one copy of the kept megabyte, not three copies
    // of three megabytes.
    let size = std::fs::metadata(sb.db()).unwrap().len();
    assert!(size < 3 << 20, "database of {size} bytes");

    // An imported message is cut at 8 KiB.
    let long = "x".repeat(100_000);
    let sarif = format!(
        r#"{{"version": "2.1.0", "runs": [{{"tool": {{"driver": {{"name": "lint"}}}},
        "results": [{{"ruleId": "r", "message": {{"text": "{long}"}},
        "locations": [{{"physicalLocation": {{"artifactLocation": {{"uri": "config.py"}}, "region": {{"startLine": 1}}}}}}]}}]}}]}}"#
    );
    let report = sb.path().join("long.sarif");
    std::fs::write(&report, sarif).unwrap();
    sb.run(&[
        "-q",
        "import",
        "--repo",
        repo.path.to_str().unwrap(),
        report.to_str().unwrap(),
    ])
    .assert_code(0);
    let (rows, _) = findings_json(&sb);
    let lint: Vec<&Value> = rows.iter().filter(|r| r["tool"] == "lint").collect();
    assert_eq!(
        lint[0]["message"],
        format!(
            "{}\n[devspm: cut at 8192 of 100000 bytes; SHA-256 of the whole text: {}]",
            &long[..8192],
            sha256_hex(long.as_bytes())
        )
    );
    sb.assert_verifies();
}

/// `devspm:allow` on a commit message's line: the value is still redacted from the stored
/// message and the chain (the marker says how the finding counts, not that the value may be
/// kept), and the secret is recorded as a finding ignored by that marker — keyed hash and
/// preview only — listed with --show-ignored, counted and never gated.
#[test]
fn a_secret_allowed_in_a_commit_message_is_redacted_and_recorded_as_ignored() {
    let sb = Sandbox::new();
    let repo = app(&sb);
    let message = format!(
        "Document the example token\n\nThe docs show {GH_ALLOWED_IN_MESSAGE} # devspm:allow\n"
    );
    let sha = repo.commit_file(BOB, "docs.txt", "example\n", &message);
    let scanned = sb.scan(&repo.path);
    let key = db_key(&sb);

    let stored = String::from_utf8(stored_message(&sb, &sha)).unwrap();
    assert_eq!(
        stored,
        message.replace(
            GH_ALLOWED_IN_MESSAGE,
            &marker("github-pat", GH_ALLOWED_IN_MESSAGE, &key)
        )
    );
    let commit: Value = serde_json::from_str(&commit_payload(&sb, &sha)).unwrap();
    assert_eq!(
        commit["message"]["redactions"][0]["inline_marker"], "devspm:allow",
        "{commit:#}"
    );

    // Not listed by default, counted as ignored, not gated.
    let (rows, _) = findings_json(&sb);
    assert!(
        rows.iter().all(|r| r["tool"] != "devspm-secrets"),
        "{rows:#?}"
    );
    let listing = sb.run(&["findings", "--repo", repo.path.to_str().unwrap()]);
    assert!(
        listing
            .stdout
            .contains("1 ignored (--show-ignored lists them)"),
        "{listing:?}"
    );
    sb.run(&[
        "findings",
        "--repo",
        repo.path.to_str().unwrap(),
        "--fail-on",
        "info",
    ])
    .assert_code(0);
    let shown = sb.run(&[
        "--format",
        "json",
        "findings",
        "--repo",
        repo.path.to_str().unwrap(),
        "--show-ignored",
    ]);
    let shown = shown.json();
    let allowed = shown
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["tool"] == "devspm-secrets")
        .unwrap_or_else(|| panic!("no message secret in {shown:#}"));
    assert_eq!(allowed["rule"], "github-pat");
    assert_eq!(allowed["inline_marker"], "devspm:allow");
    assert_eq!(
        allowed["ignored"]["by"],
        format!("the message of commit {}", &sha[..12])
    );
    assert_eq!(
        allowed["ignored"]["reason"],
        "inline marker `devspm:allow` on the secret's line"
    );
    assert_eq!(
        recorded_secret_hashes(&sb),
        [devspm_findings::fingerprint::secret_hash(
            &key,
            GH_ALLOWED_IN_MESSAGE
        )]
    );
    // The value is nowhere: not in events, stored messages, findings, outputs or the file.
    let hits = found(
        &sb,
        &[GH_ALLOWED_IN_MESSAGE],
        &[
            ("the scan", &scanned.to_string()),
            ("findings", &shown.to_string()),
        ],
        &[],
    );
    assert!(hits.is_empty(), "{hits:#?}");
}
