//! What a user installing devspm meets first: `--version` says what the binary was built from,
//! completion scripts and man pages are generated for every shell and subcommand, and
//! `config show` says where each setting came from. None of them needs a database.

mod common;

use common::*;
use devspm_governance::ci::yaml::{Node, parse};

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

/// The `run:` text of the step named `name` among `steps` (a workflow job's or a composite
/// action's), read with devspm's own YAML reader.
fn step_run<'a>(steps: &'a Node, name: &str) -> &'a str {
    steps
        .items()
        .iter()
        .find(|s| s.get("name").and_then(Node::as_str) == Some(name))
        .and_then(|s| s.get("run"))
        .and_then(Node::as_str)
        .unwrap_or_else(|| panic!("no step {name:?} with a run: script"))
}

/// The release workflow publishes what the action downloads: on a `v*` tag it packs the
/// binary with `scripts/release-artefact.sh` and uploads `devspm-<TARGET>.tar.gz` and its
/// `.sha256`; the action's install step, given those two files by `gh release download`,
/// checks the sum, unpacks them and puts a working `devspm` on `GITHUB_PATH`. Both steps' own
/// scripts run here, with a `gh` that serves the files the workflow wrote.
#[test]
fn the_release_workflow_publishes_what_the_action_downloads() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let read = |rel: &str| {
        let text = std::fs::read_to_string(root.join(rel)).unwrap();
        parse(&text, 100_000)
            .unwrap()
            .documents
            .into_iter()
            .next()
            .unwrap()
    };
    let workflow = read(".github/workflows/release.yml");
    let tags: Vec<&str> = workflow
        .get("on")
        .and_then(|on| on.get("push"))
        .and_then(|push| push.get("tags"))
        .map(|t| t.items().iter().filter_map(Node::as_str).collect())
        .unwrap_or_default();
    assert_eq!(tags, ["v*"]);
    let job = workflow.get("jobs").and_then(|j| j.get("release")).unwrap();
    assert_eq!(
        job.get("permissions")
            .and_then(|p| p.get("contents"))
            .and_then(Node::as_str),
        Some("write")
    );
    let target = job
        .get("env")
        .and_then(|e| e.get("TARGET"))
        .and_then(Node::as_str)
        .unwrap();
    assert_eq!(target, "x86_64-unknown-linux-gnu");
    let steps = job.get("steps").unwrap();
    let build = step_run(steps, "Build");
    assert!(
        build.contains("cargo build --locked --profile dist -p devspm --target \"$TARGET\""),
        "{build}"
    );
    let upload = step_run(steps, "Attach to the release");
    assert!(upload.contains("gh release upload \"$TAG\""), "{upload}");
    assert!(
        upload.contains("\"dist/devspm-$TARGET.tar.gz\" \"dist/devspm-$TARGET.tar.gz.sha256\""),
        "{upload}"
    );

    // The Pack step, as the runner runs it after Build, in a copy of the checkout.
    let sb = Sandbox::new();
    let checkout = sb.path().join("checkout");
    let built = checkout.join(format!("target/{target}/dist"));
    std::fs::create_dir_all(&built).unwrap();
    std::fs::copy(devspm_bin(), built.join("devspm")).unwrap();
    std::fs::create_dir_all(checkout.join("scripts")).unwrap();
    std::fs::copy(
        root.join("scripts/release-artefact.sh"),
        checkout.join("scripts/release-artefact.sh"),
    )
    .unwrap();
    let pack = step_run(steps, "Pack");
    let mut cmd = std::process::Command::new("bash");
    isolate(&mut cmd, &sb.home());
    let packed = cmd
        .args(["-e", "-c", pack])
        .current_dir(&checkout)
        .env("TARGET", target)
        .env("OUT", "dist")
        .output()
        .unwrap();
    assert!(packed.status.success(), "{packed:?}");
    let artefact = format!("devspm-{target}.tar.gz");
    let dist = checkout.join("dist");
    let sum = std::fs::read_to_string(dist.join(format!("{artefact}.sha256"))).unwrap();
    assert!(sum.trim_end().ends_with(&format!("  {artefact}")), "{sum}");

    // The action's install step, with a `gh` that hands out what the workflow attached.
    let action = read("action.yml");
    let install = step_run(
        action.get("runs").unwrap().get("steps").unwrap(),
        "Install devspm",
    );
    assert!(
        install.contains(&format!("artefact={artefact}")),
        "{install}"
    );
    let fake = sb.path().join("fake-bin");
    std::fs::create_dir_all(&fake).unwrap();
    let gh = fake.join("gh");
    std::fs::write(
        &gh,
        format!(
            "#!/bin/sh\n# gh release download TAG --repo R --pattern P … --dir D\n[ \"$1 $2\" = 'release download' ] || exit 1\ndir=; pats=\nwhile [ $# -gt 0 ]; do case $1 in --pattern) pats=\"$pats $2\"; shift;; --dir) dir=$2; shift;; esac; shift; done\nfor p in $pats; do cp '{}'/\"$p\" \"$dir\"/ || exit 1; done\n",
            dist.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
    let runner_temp = sb.path().join("runner-temp");
    std::fs::create_dir_all(&runner_temp).unwrap();
    let github_path = sb.path().join("github-path");
    let run_install = || {
        let mut cmd = std::process::Command::new("bash");
        isolate(&mut cmd, &sb.home());
        cmd.args(["-e", "-c", install])
            .env("PATH", format!("{}:/usr/bin:/bin", fake.display()))
            .env("RUNNER_TEMP", &runner_temp)
            .env("GITHUB_PATH", &github_path)
            .env("VERSION", "v0.1.0")
            .env("REPO", "devspm/devspm")
            .output()
            .unwrap()
    };
    let installed = run_install();
    assert!(installed.status.success(), "{installed:?}");
    let bin = std::fs::read_to_string(&github_path).unwrap();
    let version = std::process::Command::new(std::path::Path::new(bin.trim()).join("devspm"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("devspm "));

    // A tarball that does not match its published sum is refused.
    std::fs::remove_dir_all(&runner_temp).unwrap();
    std::fs::create_dir_all(&runner_temp).unwrap();
    let mut bytes = std::fs::read(dist.join(&artefact)).unwrap();
    bytes.push(0);
    std::fs::write(dist.join(&artefact), bytes).unwrap();
    let refused = run_install();
    assert!(!refused.status.success(), "{refused:?}");
    assert!(
        String::from_utf8_lossy(&refused.stdout).contains("FAILED")
            || String::from_utf8_lossy(&refused.stderr).contains("FAILED"),
        "{refused:?}"
    );
}
