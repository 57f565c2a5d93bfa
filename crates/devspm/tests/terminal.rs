//! Terminal conventions: colour on a terminal only, `--color always|never`, `NO_COLOR` and
//! `CLICOLOR_FORCE` honoured, never in machine formats; and colour never lets outside text
//! through raw.

mod common;

use common::*;

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, "app.py", "a = 1\nb = 2\n", "code");
    import_line_sarif(
        &sb,
        &r,
        "lint.sarif",
        &[("R1", "error"), ("R\u{1b}[2J", "note")],
    );
    let with = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = sb.devspm();
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.args(args).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let sgr = "\u{1b}[31mhigh\u{1b}[0m";
    // A pipe: no colour unless forced.
    assert!(!with(&["findings", "--all-repos"], &[]).contains('\u{1b}'));
    let always = with(&["--color", "always", "findings", "--all-repos"], &[]);
    assert!(always.contains(sgr), "{always}");
    let forced = with(&["findings", "--all-repos"], &[("CLICOLOR_FORCE", "1")]);
    assert!(forced.contains(sgr), "{forced}");
    let off = with(
        &["findings", "--all-repos"],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert!(
        !off.contains('\u{1b}'),
        "NO_COLOR wins over CLICOLOR_FORCE: {off}"
    );
    assert!(
        !with(
            &["--color", "never", "findings", "--all-repos"],
            &[("CLICOLOR_FORCE", "1")]
        )
        .contains('\u{1b}')
    );
    // The hostile rule name stays escaped inside a coloured table: the only ESC bytes are
    // colour sequences.
    assert!(always.contains("R\\x1b[2J"), "{always}");
    let stripped = always
        .replace("\u{1b}[0m", "")
        .replace("\u{1b}[1;31m", "")
        .replace("\u{1b}[31m", "")
        .replace("\u{1b}[2m", "")
        .replace("\u{1b}[36m", "")
        .replace("\u{1b}[1m", "");
    assert!(!stripped.contains('\u{1b}'), "{stripped}");
    // Machine formats are never coloured.
    for format in ["json", "csv", "markdown"] {
        let out = with(
            &[
                "--color",
                "always",
                "--format",
                format,
                "findings",
                "--all-repos",
            ],
            &[],
        );
        assert!(!out.contains("\u{1b}["), "{format}: {out}");
    }
}

/// `devspm ARGS` under a pseudo-terminal (util-linux `script`), as a person runs it: standard
/// output and error both go to the terminal; returns what the terminal received.
fn on_a_terminal(sb: &Sandbox, args: &[&str]) -> String {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut line = vec![
        quote(devspm_bin().to_str().unwrap()),
        "--db".to_owned(),
        quote(sb.db().to_str().unwrap()),
    ];
    line.extend(args.iter().map(|a| quote(a)));
    let mut cmd = std::process::Command::new("script");
    isolate(&mut cmd, &sb.home());
    let out = cmd
        .current_dir(sb.path())
        .env("TERM", "xterm-256color")
        .env("COLUMNS", "120")
        .args(["-qfec", &line.join(" "), "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script (util-linux) runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Progress bars are drawn on a terminal, on standard error, for every long phase; a pipe and
/// `-q` get no progress byte.
#[test]
fn progress_on_a_terminal_only_and_never_with_quiet() {
    let sb = Sandbox::new();
    let r = sb.repo("big");
    r.fast_import(3000, 7);
    let path = r.path.to_str().unwrap().to_owned();

    // Piped: standard error holds no carriage return, no escape, no bar.
    let piped = sb.run(&["scan", &path]);
    piped.assert_code(0);
    assert!(
        !piped.stderr.contains('\r') && !piped.stderr.contains('\u{1b}'),
        "{piped:?}"
    );
    assert!(!piped.stderr.contains("new commits"), "{piped:?}");

    // The same work on a terminal draws the bars (a fresh ledger: ingest runs again).
    std::fs::remove_file(sb.db()).unwrap();
    let drawn = on_a_terminal(&sb, &["scan", &path]);
    assert!(drawn.contains("new commits"), "{drawn}");
    // Once the walk knows how many commits there are, the counter becomes a bar with a total.
    assert!(drawn.contains("/3,000 new commits"), "{drawn}");
    assert!(drawn.contains("blobs searched for secrets"), "{drawn}");

    // Verification and evidence packs report their phases too.
    let verified = on_a_terminal(&sb, &["audit", "verify"]);
    assert!(verified.contains("events verified"), "{verified}");
    assert!(verified.contains("events replayed"), "{verified}");
    let key = sb.path().join("checkpoint.key");
    sb.run(&["audit", "keygen", "-o", key.to_str().unwrap()])
        .assert_code(0);
    let pack = sb.path().join("pack");
    let packed = on_a_terminal(
        &sb,
        &[
            "audit",
            "evidence",
            "--framework",
            "ssdf",
            "--key",
            key.to_str().unwrap(),
            "-o",
            pack.to_str().unwrap(),
        ],
    );
    assert!(packed.contains("changes gathered"), "{packed}");
    assert!(pack.join("index.md").is_file());

    // Loading advisory data counts the files it reads.
    let osv = sb.path().join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    for i in 0..200 {
        let id = format!("RUSTSEC-2099-{i:04}");
        std::fs::write(
            osv.join(format!("{id}.json")),
            format!(
                r#"{{"id":"{id}","modified":"2099-01-02T00:00:00Z","summary":"Overflow in crate{i}",
"affected":[{{"package":{{"ecosystem":"crates.io","name":"crate{i}"}},
"ranges":[{{"type":"SEMVER","events":[{{"introduced":"0.1.0"}},{{"fixed":"0.9.0"}}]}}]}}]}}"#
            ),
        )
        .unwrap();
    }
    let loaded = on_a_terminal(&sb, &["advisories", "import", osv.to_str().unwrap()]);
    assert!(loaded.contains("advisory files read"), "{loaded}");
    assert!(loaded.contains("200 advisories"), "{loaded}");
    let piped = sb.run(&["advisories", "import", osv.to_str().unwrap()]);
    piped.assert_code(0);
    assert!(!piped.stderr.contains("advisory files read"), "{piped:?}");

    // -q on a terminal: nothing but results and errors.
    std::fs::remove_file(sb.db()).unwrap();
    let quiet = on_a_terminal(&sb, &["-q", "scan", &path]);
    assert!(!quiet.contains("new commits"), "{quiet}");
    assert!(!quiet.contains('\r'), "{quiet:?}");
}

/// Without `COLUMNS`, a table fits the width the terminal itself reports.
#[test]
fn tables_fit_the_width_the_terminal_reports() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, "app.py", "a = 1\nb = 2\n", "code");
    import_line_sarif(&sb, &r, "lint.sarif", &[("R1", "error"), ("R2", "note")]);
    let widest = |cols: u32| -> usize {
        let line = format!(
            "stty rows 40 cols {cols}; '{}' --db '{}' --color never findings --all-repos",
            devspm_bin().to_str().unwrap(),
            sb.db().to_str().unwrap()
        );
        let mut cmd = std::process::Command::new("script");
        isolate(&mut cmd, &sb.home());
        let out = cmd
            .current_dir(sb.path())
            .env_remove("COLUMNS")
            .env("TERM", "xterm-256color")
            .args(["-qfec", &line, "/dev/null"])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("script (util-linux) runs");
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
        // The table's rows (the count line above them is a sentence, not a row).
        text.lines()
            .skip_while(|l| !l.starts_with("severity"))
            .take_while(|l| !l.is_empty())
            .map(|l| l.chars().count())
            .max()
            .expect("a table")
    };
    assert!(widest(60) <= 60, "{}", widest(60));
    assert!(widest(200) > 60);
}
