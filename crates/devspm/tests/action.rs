//! The GitHub Action's work (`scripts/github-action.sh`, called by `action.yml`) run here as a
//! runner would run it — no runner is available — against a temporary repository, with the
//! environment variables Actions sets: the enriched SARIF for code scanning, the job summary,
//! the outputs, and the `fail-on` verdict; and a shallow checkout refused with the fix.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the action script with Actions' variables; returns (exit status, stderr, outputs,
/// summary).
fn run_action(sb: &Sandbox, repo: &Path, inputs: &[(&str, &str)]) -> (i32, String, String, String) {
    let temp = sb.path().join("runner-temp");
    let _ = std::fs::remove_dir_all(&temp);
    std::fs::create_dir_all(&temp).unwrap();
    let summary = temp.join("summary.md");
    let outputs = temp.join("outputs.txt");
    let mut cmd = Command::new("bash");
    isolate(&mut cmd, &sb.home());
    cmd.arg(root().join("scripts/github-action.sh"))
        .current_dir(repo)
        .env("DEVSPM", devspm_bin())
        .env("GITHUB_WORKSPACE", repo)
        .env("RUNNER_TEMP", &temp)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_ACTIONS", "true");
    for (k, v) in inputs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        std::fs::read_to_string(&outputs).unwrap_or_default(),
        std::fs::read_to_string(&summary).unwrap_or_default(),
    )
}

fn output<'a>(outputs: &'a str, name: &str) -> &'a str {
    outputs
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no output {name} in {outputs}"))
}

#[test]
fn the_action_scans_imports_summarises_and_gates() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, "app.py", "a = 1\nb = 2\n", "code");
    r.commit_file(
        BOB,
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n",
        "ci",
    );
    let sarif = sb.path().join("lint.sarif");
    std::fs::write(&sarif, line_sarif(&[("R1", "error"), ("R2", "warning")])).unwrap();
    let (code, stderr, outputs, summary) = run_action(
        &sb,
        &r.path,
        &[
            ("INPUT_SARIF", sarif.to_str().unwrap()),
            ("INPUT_FAIL_ON", "high"),
        ],
    );
    assert_eq!(code, 0, "the verdict is left to the last step: {stderr}");
    assert_eq!(output(&outputs, "exit-code"), "4", "{outputs}");
    assert!(stderr.contains("::error::devspm: open findings at or above high"));
    // The summary: the findings table, with who introduced each, and the verdict.
    assert!(summary.starts_with("## devspm findings"), "{summary}");
    assert!(
        summary.contains("| R1 |") && summary.contains("Alice"),
        "{summary}"
    );
    assert!(summary.contains("**Failed:**"), "{summary}");
    // The SARIF to upload: the import enriched with the attribution, and the CI audit.
    let dir = PathBuf::from(output(&outputs, "sarif-dir"));
    let enriched = std::fs::read_to_string(dir.join("0-lint.sarif")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&enriched).unwrap();
    let props = &doc["runs"][0]["results"][0]["properties"]["devspm"];
    assert!(props.is_object(), "{doc:#}");
    let ci: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("devspm-ci-audit.sarif")).unwrap())
            .unwrap();
    assert!(
        ci["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["ruleId"] == "unpinned-uses"),
        "{ci:#}"
    );
    assert!(output(&outputs, "findings").parse::<u32>().unwrap() >= 3);

    // Without a gate: exit code 0, and the same ledger is brought up to date, not duplicated.
    let (code, _, outputs, _) = run_action(&sb, &r.path, &[]);
    assert_eq!((code, output(&outputs, "exit-code")), (0, "0"));
}

#[test]
fn the_action_refuses_a_shallow_checkout_and_names_the_fix() {
    let sb = Sandbox::new();
    let r = sb.repo("app");
    r.commit_file(ALICE, "a.txt", "1\n", "one");
    r.commit_file(BOB, "a.txt", "2\n", "two");
    let shallow = sb.path().join("shallow");
    let status = Command::new("git")
        .args(["clone", "-q", "--depth", "1"])
        .arg(format!("file://{}", r.path.display()))
        .arg(&shallow)
        .status()
        .unwrap();
    assert!(status.success());
    let (code, stderr, _, _) = run_action(&sb, &shallow, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("shallow clone") && stderr.contains("fetch-depth: 0"),
        "{stderr}"
    );
}

#[test]
fn action_yml_passes_what_the_script_reads() {
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let script = std::fs::read_to_string(root().join("scripts/github-action.sh")).unwrap();
    assert!(action.contains("using: composite"));
    assert!(action.contains("${{ github.action_path }}/scripts/github-action.sh"));
    for var in [
        "INPUT_PATH",
        "INPUT_SARIF",
        "INPUT_FAIL_ON",
        "INPUT_CI_AUDIT",
    ] {
        assert!(action.contains(&format!("{var}:")), "action.yml sets {var}");
        assert!(script.contains(var), "the script reads {var}");
    }
    for out in ["sarif-dir", "exit-code", "findings"] {
        assert!(script.contains(&format!("output {out} ")), "{out}");
        assert!(
            action.contains(&format!("steps.scan.outputs.{out}")),
            "{out}"
        );
    }
}
