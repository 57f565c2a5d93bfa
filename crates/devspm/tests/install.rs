//! What a user installing devspm meets first: `--version` says what the binary was built from,
//! completion scripts and man pages are generated for every shell and subcommand, and
//! `config show` says where each setting came from. None of them needs a database.

mod common;

use common::*;

#[test]
fn version_names_the_commit_and_the_build_date() {
    let sb = Sandbox::new();
    let run = sb.run(&["--version"]);
    run.assert_code(0);
    let line = run.stdout.trim();
    // devspm 0.1.0 (commit 0123456789ab, 2026-12-07)
    let (name, rest) = line.split_once(' ').unwrap();
    assert_eq!(name, "devspm", "{line}");
    let inner = rest
        .split_once(" (commit ")
        .and_then(|(_, r)| r.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{line}"));
    let (commit, date) = inner.split_once(", ").unwrap();
    assert!(
        commit == "unknown" || commit.chars().all(|c| c.is_ascii_hexdigit()),
        "{line}"
    );
    assert!(
        date == "unknown" || date.parse::<jiff::civil::Date>().is_ok(),
        "{line}"
    );
}

#[test]
fn completions_and_man_pages_need_no_database() {
    let sb = Sandbox::new();
    // A database path that cannot exist: nothing may open it.
    let nowhere = sb.path().join("no/such/dir/x.db");
    for (shell, marker) in [
        ("bash", "complete -F _devspm"),
        ("zsh", "#compdef devspm"),
        ("fish", "complete -c devspm"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let run = sb
            .devspm_without_db()
            .arg("--db")
            .arg(&nowhere)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(run.status.success(), "{shell}");
        let script = String::from_utf8(run.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {script:.200}");
        assert!(script.contains("attribute") && script.contains("--fail-on"));
    }
    sb.run(&["completions", "tcsh"]).assert_code(2);
    let dir = sb.path().join("man");
    let run = sb.run(&["man", "--out", dir.to_str().unwrap()]);
    run.assert_code(0);
    assert!(!nowhere.exists());
    let page = std::fs::read_to_string(dir.join("devspm-audit-verify.1")).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH"),
        "{page:.200}"
    );
    assert!(page.contains("devspm\\-audit\\-verify") && page.contains("quick"));
    for sub in [
        "devspm.1",
        "devspm-scan.1",
        "devspm-import.1",
        "devspm-ci-audit.1",
    ] {
        assert!(dir.join(sub).is_file(), "{sub}");
    }
}

#[test]
fn config_show_says_where_each_setting_came_from() {
    let sb = Sandbox::new();
    let config = sb.path().join("devspm.toml");
    std::fs::write(
        &config,
        "[[identity]]\nid = \"ann\"\nteam = \"core\"\naliases = [\"ann@example.com\"]\n\n[limits]\nmax_blob_bytes = 1000\n",
    )
    .unwrap();
    let run = sb.run(&[
        "--format",
        "json",
        "--config",
        config.to_str().unwrap(),
        "config",
        "show",
    ]);
    run.assert_code(0);
    let rows = run.json();
    let row = |name: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["setting"] == name)
            .unwrap_or_else(|| panic!("{name} in {rows:#}"))
            .clone()
    };
    assert_eq!(row("database")["from"], "--db");
    assert_eq!(row("configuration file")["from"], "--config");
    assert_eq!(
        row("identities ([[identity]])")["value"],
        "1 declared, in 1 team(s)"
    );
    assert_eq!(
        row("identities ([[identity]])")["from"],
        config.to_str().unwrap()
    );
    assert_eq!(row("limits.max_blob_bytes")["value"], "1000");
    assert_eq!(row("resolution.merge_on_full_name")["from"], "default");
    assert_eq!(row("secret-hashing key")["value"], "kept in the database");
}

/// `scripts/release-artefact.sh` packs the binary with its man pages and completions into the
/// tarball the GitHub Action downloads (`devspm-<target>.tar.gz`, `devspm` at its top level),
/// and the same binary gives the same bytes.
#[test]
fn the_release_artefact_holds_the_binary_man_pages_and_completions() {
    let sb = Sandbox::new();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/release-artefact.sh");
    let pack = |out: &str| {
        let mut cmd = std::process::Command::new("bash");
        isolate(&mut cmd, &sb.home());
        let run = cmd
            .arg(&script)
            .current_dir(sb.path())
            .env("DEVSPM", devspm_bin())
            .env("TARGET", "x86_64-unknown-linux-gnu")
            .env("OUT", out)
            .output()
            .expect("bash runs");
        assert!(run.status.success(), "{run:?}");
        let printed = String::from_utf8(run.stdout).unwrap();
        sb.path().join(printed.trim())
    };
    let tarball = pack("dist");
    assert!(
        tarball.ends_with("dist/devspm-x86_64-unknown-linux-gnu.tar.gz"),
        "{tarball:?}"
    );
    // The name action.yml downloads.
    let action = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../action.yml"),
    )
    .unwrap();
    assert!(action.contains("devspm-x86_64-unknown-linux-gnu.tar.gz"));
    let list = std::process::Command::new("tar")
        .arg("-tzf")
        .arg(&tarball)
        .output()
        .unwrap();
    let names = String::from_utf8(list.stdout).unwrap();
    for name in [
        "devspm",
        "man/man1/devspm.1",
        "man/man1/devspm-scan.1",
        "completions/devspm.bash",
        "completions/_devspm",
        "completions/devspm.fish",
        "completions/_devspm.ps1",
    ] {
        assert!(names.lines().any(|l| l == name), "{name} missing: {names}");
    }
    // Unpacked as the action unpacks it, the binary runs.
    let unpacked = sb.path().join("unpacked");
    std::fs::create_dir(&unpacked).unwrap();
    let ok = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&unpacked)
        .status()
        .unwrap();
    assert!(ok.success());
    let version = std::process::Command::new(unpacked.join("devspm"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("devspm "));
    // Reproducible: packing the same binary again gives the same bytes.
    let again = pack("again");
    assert_eq!(
        std::fs::read(&tarball).unwrap(),
        std::fs::read(&again).unwrap()
    );
}
