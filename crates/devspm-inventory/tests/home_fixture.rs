//! End-to-end scans of a prepared home directory: the committed fixture under
//! `tests/fixtures/home/`, copied into a temp dir and completed with what cannot be committed
//! (jars built with the zip crate, symlinks, executables, file modes).
//!
//! The main test compares the whole serialized report with `tests/fixtures/home-report.json`;
//! run with `UPDATE_SNAPSHOTS=1` to rewrite it, then review the diff by hand.

#![cfg(unix)]

use std::fs;
use std::io::Write;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};

use devspm_inventory::{ItemDetails, ItemKind, ScanOptions, WorkstationReport, scan_home};

/// Every credential value planted in the fixture. None may appear in a report.
const PLANTED: &[&str] = &[
    "sk-ant-api03-FAKEFAKEFAKEFAKE-settings-0001",
    "sk-ant-oat01-FAKEFAKEFAKEFAKE-access-0002",
    "sk-ant-ort01-FAKEFAKEFAKEFAKE-refresh-0003",
    "sk-ant-api03-FAKEFAKEFAKEFAKE-primary-0004",
    "ghp_FAKEFAKEFAKEFAKEFAKEmcp000000000005",
    "eyJFAKEFAKEFAKEFAKE.idtoken.0006",
    "eyJFAKEFAKEFAKEFAKE.access.0007",
    "rt_FAKEFAKEFAKEFAKE0008",
    "FAKEFAKEFAKEFAKE-windsurf-0009",
    "sk-proj-FAKEFAKEFAKEFAKE-aider-0010",
    "ghp_FAKEFAKEFAKEFAKEFAKEgitcred00000011",
    "glpat-FAKEFAKEFAKEFAKE0012",
    "npm_FAKEFAKEFAKEFAKEFAKE0013",
    "pypi-FAKEFAKEFAKEFAKEFAKE0014",
    "ZmFrZTpGQUtFRkFLRUZBS0UwMDE1",
    "gho_FAKEFAKEFAKEFAKEFAKE0016",
    "AKIAFAKEFAKEFAKE0017",
    "FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEsecret0018",
    "sk-proj-FAKEFAKEFAKEFAKE-dotenv-0019",
];

/// Planted by [`prepare`] outside the home directory, behind symlinks that must not be followed.
const OUTSIDE_SECRET: &str = "outside-FAKEFAKEFAKEFAKE-0020";
const OUTSIDE_NAME: &str = "Outside Extension Must Not Appear";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn write(path: &Path, contents: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

fn jar(path: &Path, entries: &[(&str, &str)]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut zip = zip::ZipWriter::new(fs::File::create(path).unwrap());
    for (name, text) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

fn plugin_xml(id: &str, name: &str, version: &str, vendor: &str) -> String {
    format!(
        "<idea-plugin>\n  <id>{id}</id>\n  <name>{name}</name>\n  <version>{version}</version>\n  <vendor>{vendor}</vendor>\n</idea-plugin>\n"
    )
}

/// A temp dir holding `home/` (the fixture, completed) and `outside/`.
fn prepare() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let outside = tmp.path().join("outside");
    copy_tree(&fixture().join("home"), &home);

    // JetBrains: a plugin folder whose descriptor is in its own jar (tried before the
    // dependency jar), a single-jar plugin, and a jar that is not a zip.
    let plugins = home.join(".local/share/JetBrains/IntelliJIdea2024.3/plugins");
    jar(
        &plugins.join("jar-plugin/lib/aaa-dependency.jar"),
        &[("com/example/Dep.class", "not really a class")],
    );
    jar(
        &plugins.join("jar-plugin/lib/jar-plugin.jar"),
        &[
            ("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n"),
            (
                "META-INF/plugin.xml",
                &plugin_xml("org.example.jarred", "Jarred Plugin", "0.4.2", "Jar Vendor"),
            ),
        ],
    );
    jar(
        &plugins.join("single.jar"),
        &[(
            "META-INF/plugin.xml",
            &plugin_xml("org.example.single", "Single Jar", "1.0", "Solo"),
        )],
    );
    write(&plugins.join("broken.jar"), "this is not a zip file");

    // AI CLIs on PATH: Claude Code's versioned symlink, a plain executable, and a file that is
    // not executable (not reported).
    let bin = home.join(".local/bin");
    let version = home.join(".local/share/claude/versions/2.0.14");
    write(&version, "#!/bin/sh\n");
    chmod(&version, 0o755);
    fs::create_dir_all(&bin).unwrap();
    symlink("../share/claude/versions/2.0.14", bin.join("claude")).unwrap();
    write(&bin.join("codex"), "#!/bin/sh\n");
    chmod(&bin.join("codex"), 0o755);
    write(&bin.join("gemini"), "not executable\n");
    chmod(&bin.join("gemini"), 0o644);

    // Symlinks out of home: a whole browser directory and a credential file.
    let ext = outside.join("chromium/Default/Extensions/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz/1.0_0");
    write(
        &ext.join("manifest.json"),
        &format!(r#"{{"name": "{OUTSIDE_NAME}", "version": "1.0", "manifest_version": 3}}"#),
    );
    symlink(outside.join("chromium"), home.join(".config/chromium")).unwrap();
    write(
        &outside.join("netrc"),
        &format!("machine example.com login me password {OUTSIDE_SECRET}\n"),
    );
    symlink(outside.join("netrc"), home.join(".netrc")).unwrap();

    // A symlink loop where extension folders are listed.
    let oss = home.join(".vscode-oss/extensions");
    fs::create_dir_all(&oss).unwrap();
    symlink("loop-b", oss.join("loop-a")).unwrap();
    symlink("loop-a", oss.join("loop-b")).unwrap();
    // A symlink back up the tree stays inside home and must not make the scan recurse.
    symlink("..", oss.join("up")).unwrap();

    // Modes: one world-readable and one group-readable credential file.
    for (file, mode) in [
        (".git-credentials", 0o644),
        (".npmrc", 0o640),
        (".pypirc", 0o600),
        (".docker/config.json", 0o600),
        (".config/gh/hosts.yml", 0o600),
        (".aws/credentials", 0o600),
        (".env", 0o600),
        (".aider.conf.yml", 0o600),
        (".claude/.credentials.json", 0o600),
        (".codex/auth.json", 0o600),
    ] {
        chmod(&home.join(file), mode);
    }
    (tmp, home)
}

fn scan(home: &Path) -> WorkstationReport {
    let options = ScanOptions {
        path_dirs: vec![home.join(".local/bin"), home.join(".local/bin")],
        ..ScanOptions::default()
    };
    scan_home(home, &options)
}

fn to_json(report: &WorkstationReport, home: &Path) -> String {
    let json = serde_json::to_string_pretty(report).unwrap() + "\n";
    json.replace(&home.to_string_lossy().into_owned(), "<HOME>")
}

#[test]
fn report_matches_the_fixture_exactly() {
    let (_tmp, home) = prepare();
    let actual = to_json(&scan(&home), &home);
    let snapshot = fixture().join("home-report.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        fs::write(&snapshot, &actual).unwrap();
    }
    let expected = fs::read_to_string(&snapshot).unwrap_or_default();
    if actual != expected {
        let got = std::env::temp_dir().join("devspm-inventory-home-report.actual.json");
        fs::write(&got, &actual).unwrap();
        panic!(
            "the report differs from {}; actual written to {} (UPDATE_SNAPSHOTS=1 to accept)",
            snapshot.display(),
            got.display()
        );
    }
}

#[test]
fn no_credential_value_appears_in_the_report() {
    let (_tmp, home) = prepare();
    // The list is honest: every planted value really is in the fixture.
    let mut fixture_text = String::new();
    collect_text(&fixture().join("home"), &mut fixture_text);
    for value in PLANTED {
        assert!(fixture_text.contains(value), "{value} is not planted");
    }
    let report = scan(&home);
    let json = serde_json::to_string(&report).unwrap();
    let debug = format!("{report:?}");
    for value in PLANTED.iter().chain([&OUTSIDE_SECRET]) {
        assert!(!json.contains(value), "{value} leaked into the JSON report");
        assert!(
            !debug.contains(value),
            "{value} leaked into the Debug output"
        );
    }
    // The credentials were found, just not disclosed.
    let credential_files = report
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::CredentialFile)
        .count();
    assert_eq!(credential_files, 10);
}

fn collect_text(dir: &Path, out: &mut String) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_text(&path, out);
        } else {
            out.push_str(&fs::read_to_string(&path).unwrap_or_default());
        }
    }
}

#[test]
fn symlinks_out_of_home_are_not_followed() {
    let (_tmp, home) = prepare();
    let report = scan(&home);
    let warned = |path: &str| {
        report
            .warnings
            .iter()
            .any(|w| w.path == path && w.message.contains("outside the home directory"))
    };
    assert!(warned(".config/chromium"), "{:#?}", report.warnings);
    assert!(warned(".netrc"), "{:#?}", report.warnings);
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains(OUTSIDE_NAME));
    assert!(
        !report
            .items
            .iter()
            .any(|i| i.source.starts_with("chromium/"))
    );
    assert!(!report.items.iter().any(|i| i.id == "netrc"));
}

#[test]
fn symlink_loops_are_survived_and_warned() {
    let (_tmp, home) = prepare();
    let report = scan(&home);
    for path in [
        ".vscode-oss/extensions/loop-a",
        ".vscode-oss/extensions/loop-b",
    ] {
        assert!(
            report
                .warnings
                .iter()
                .any(|w| w.path == path && w.message == "symlink loop; skipped"),
            "{path}: {:#?}",
            report.warnings
        );
    }
}

#[test]
fn malformed_extensions_json_falls_back_to_folders_with_a_warning() {
    let (_tmp, home) = prepare();
    let report = scan(&home);
    let warning = report
        .warnings
        .iter()
        .find(|w| w.path == ".vscode-server/extensions/extensions.json")
        .expect("a warning for the malformed file");
    assert_eq!(warning.line, Some(3));
    assert!(warning.message.starts_with("malformed JSON"));
    let copilot = report
        .items
        .iter()
        .find(|i| i.id == "GitHub.copilot")
        .expect("the extension read from its folder");
    let ItemDetails::VscodeExtension(details) = &copilot.details else {
        panic!("wrong details: {:?}", copilot.details);
    };
    assert_eq!(details.found_in, "directory");
    assert!(details.remote_server);
    assert_eq!(copilot.version.as_deref(), Some("1.250.0"));
}

#[test]
fn unreadable_directories_are_warned_and_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let ext = home.join(".vscode/extensions");
    write(&ext.join("extensions.json"), "[]");
    let plugins = home.join(".local/share/JetBrains/PyCharm2024.1/plugins");
    fs::create_dir_all(plugins.join("some-plugin")).unwrap();
    chmod(&ext, 0o000);
    chmod(&plugins, 0o000);
    let readable_anyway = fs::read_dir(&ext).is_ok(); // root ignores permissions
    let report = scan_home(home, &ScanOptions::default());
    chmod(&ext, 0o755);
    chmod(&plugins, 0o755);
    if readable_anyway {
        eprintln!("running as root: permissions are not enforced, nothing to assert");
        return;
    }
    for path in [
        ".vscode/extensions",
        ".local/share/JetBrains/PyCharm2024.1/plugins",
    ] {
        let warnings: Vec<_> = report.warnings.iter().filter(|w| w.path == path).collect();
        assert_eq!(warnings.len(), 1, "{path}: {:#?}", report.warnings);
        assert_eq!(warnings[0].message, "permission denied; skipped");
    }
    assert!(report.items.is_empty(), "{:#?}", report.items);
}

#[test]
fn identity_comes_from_options_before_git() {
    let (_tmp, home) = prepare();
    let report = scan(&home);
    let identity = report.identity.expect("git's user.email");
    assert_eq!(identity.email, "dev@example.com");
    assert_eq!(identity.source, ".gitconfig");
    let options = ScanOptions {
        identity: Some("lead@example.com".into()),
        ..ScanOptions::default()
    };
    let identity = scan_home(&home, &options).identity.unwrap();
    assert_eq!(
        (identity.email.as_str(), identity.source.as_str()),
        ("lead@example.com", "options")
    );
}

#[test]
fn a_missing_home_is_a_warning_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let report = scan_home(&tmp.path().join("nope"), &ScanOptions::default());
    assert!(report.items.is_empty());
    assert_eq!(report.warnings.len(), 1);
    assert!(
        report.warnings[0]
            .message
            .starts_with("cannot open the home directory")
    );
}

#[test]
fn oversized_files_are_skipped_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    write(&tmp.path().join(".npmrc"), &"x".repeat(2048));
    let options = ScanOptions {
        max_file_bytes: 1024,
        ..ScanOptions::default()
    };
    let report = scan_home(tmp.path(), &options);
    assert!(report.items.is_empty());
    assert_eq!(report.warnings.len(), 1, "{:#?}", report.warnings);
    assert_eq!(report.warnings[0].path, ".npmrc");
    assert!(
        report.warnings[0]
            .message
            .contains("over the 1024-byte cap")
    );
}
