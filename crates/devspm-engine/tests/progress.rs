//! The progress contract: a pipeline reports each long phase through the context's sink —
//! started, advanced, finished, one at a time — so that any front end can draw it. A real
//! repository (built with git) is scanned and imported into a real ledger with a sink that
//! records every call.

mod common;

use std::process::Command;
use std::sync::Mutex;

use common::{Env, git};
use devspm_engine::{Progress, phase};

/// Every call the sink received, in order.
#[derive(Default)]
struct Recording(Mutex<Vec<Call>>);

#[derive(Clone, Debug, PartialEq)]
enum Call {
    Start(String, String, Option<u64>),
    Total(u64),
    At(u64),
    Finish,
}

impl Progress for Recording {
    fn start(&self, phase: &str, subject: &str, total: Option<u64>) {
        self.push(Call::Start(phase.to_owned(), subject.to_owned(), total));
    }
    fn total(&self, total: u64) {
        self.push(Call::Total(total));
    }
    fn at(&self, done: u64) {
        self.push(Call::At(done));
    }
    fn finish(&self) {
        self.push(Call::Finish);
    }
}

impl Recording {
    fn push(&self, call: Call) {
        self.0.lock().unwrap().push(call);
    }

    fn take(&self) -> Vec<Call> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// The phases in the order they started; asserts that phases never overlap, that every phase
/// that started finished, and that steps are reported only inside a phase.
fn phases(calls: &[Call]) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    let mut open = false;
    for call in calls {
        match call {
            Call::Start(name, _, _) => {
                assert!(!open, "{name} started inside another phase: {calls:?}");
                open = true;
                out.push((name.clone(), 0));
            }
            Call::Total(_) => assert!(open, "a total outside a phase: {calls:?}"),
            Call::At(n) => {
                assert!(open, "a step outside a phase: {calls:?}");
                let last = out.last_mut().unwrap();
                last.1 = last.1.max(*n);
            }
            Call::Finish => {
                assert!(open, "a finish without a start: {calls:?}");
                open = false;
            }
        }
    }
    assert!(!open, "the last phase never finished: {calls:?}");
    out
}

fn assert_names(seen: &[(String, u64)], expected: &[&str]) {
    let names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, expected, "{seen:?}");
}

#[test]
fn a_scan_and_an_import_report_each_phase_from_start_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let repo_dir = dir.path().join("app");
    std::fs::create_dir(&repo_dir).unwrap();
    git(&repo_dir, &["init", "-q", "-b", "main"]);
    for (i, text) in [
        "print('hello')\n",
        "AWS_ACCESS_KEY_ID = \"AKIAQ3EGRBMK2NQUXY7P\"\n",
        "import os\n",
    ]
    .iter()
    .enumerate()
    {
        std::fs::write(repo_dir.join(format!("f{i}.py")), text).unwrap();
        git(&repo_dir, &["add", "."]);
        git(&repo_dir, &["commit", "-q", "-m", &format!("change {i}")]);
    }
    let repo = devspm_git::open(&repo_dir).unwrap();
    let mut store = devspm_engine::store::open(&dir.path().join("ledger.db"), None).unwrap();
    let recording = Recording::default();
    let env = Env::default();
    let ctx = env.ctx_with(&recording);

    let report = devspm_engine::scan::scan(
        &ctx,
        &mut store,
        &repo,
        &devspm_engine::scan::ScanOptions {
            ingest: Default::default(),
            top: 5,
            detectors: true,
            fail_on: None,
        },
    )
    .unwrap();
    let calls = recording.take();
    let seen = phases(&calls);
    assert_names(
        &seen,
        &[
            phase::INGEST,
            phase::SIGNALS,
            phase::SECRETS,
            phase::ADVISORIES,
        ],
    );
    // Ingest counted its three commits, the secret scan its blobs; each phase names the
    // repository.
    assert_eq!(seen[0].1, 3, "{calls:?}");
    let detectors = serde_json::to_value(report.detectors.as_ref().unwrap()).unwrap();
    assert_eq!(seen[2].1, detectors["secrets"]["blobs_scanned"]);
    assert!(seen[2].1 >= 3, "{calls:?}");
    // The signal rules judged the three recorded commits.
    assert_eq!(seen[1].1, 3, "{calls:?}");
    assert!(calls.contains(&Call::Start(
        phase::INGEST.to_owned(),
        repo.name.clone(),
        None
    )));

    // An import reads its results, brings the record up to date (an ingest with nothing new),
    // then attributes the new findings: three phases, in turn.
    let sarif = serde_json::json!({
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "lint", "rules": [] } },
            "results": [
                { "ruleId": "R1", "level": "error", "message": { "text": "one" },
                  "locations": [{ "physicalLocation": {
                      "artifactLocation": { "uri": "f0.py" }, "region": { "startLine": 1 } } }] },
                { "ruleId": "R2", "level": "note", "message": { "text": "two" },
                  "locations": [{ "physicalLocation": {
                      "artifactLocation": { "uri": "f2.py" }, "region": { "startLine": 1 } } }] }
            ]
        }]
    });
    let file = dir.path().join("lint.sarif");
    std::fs::write(&file, sarif.to_string()).unwrap();
    let imported = devspm_engine::import::import(
        &ctx,
        &mut store,
        &repo,
        vec![devspm_engine::import::ImportInput::open(&file).unwrap()],
        &devspm_engine::import::ImportOptions {
            attribute: true,
            ..Default::default()
        },
    )
    .unwrap();
    let calls = recording.take();
    let seen = phases(&calls);
    // Import brings the history up to date first (nothing new: no commit to judge, so the
    // signal rules do not run and draw no phase).
    assert_names(&seen, &[phase::IMPORT, phase::INGEST, phase::ATTRIBUTION]);
    assert_eq!(seen[0].1, 2, "two results read: {calls:?}");
    assert_eq!(
        seen[2].1,
        imported.attribution.as_ref().unwrap().attributed
            + imported.attribution.as_ref().unwrap().unattributable,
        "{calls:?}"
    );
    assert!(calls.contains(&Call::Start(
        phase::ATTRIBUTION.to_owned(),
        repo.name.clone(),
        Some(2)
    )));

    // SZZ over a fixing commit: one phase, one step per fix traced.
    std::fs::write(repo_dir.join("f0.py"), "print('bye')\n").unwrap();
    git(&repo_dir, &["commit", "-q", "-am", "Fix the greeting"]);
    let fix = String::from_utf8(
        Command::new("git")
            .current_dir(&repo_dir)
            .args(["rev-parse", "HEAD"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    devspm_engine::scan::bring_up_to_date(&ctx, &mut store, &repo).unwrap();
    recording.take();
    let fixes = devspm_engine::szz::fix_inputs(&devspm_engine::szz::FixRequest {
        fix: Some(fix.trim()),
        advisory: None,
        disclosed: None,
        fixes_from: None,
    })
    .unwrap();
    let traced = devspm_engine::szz::attribute_fixes(
        &mut store,
        &repo,
        &fixes,
        (
            devspm_engine::szz::SzzVariant::Devspm,
            devspm_engine::szz::SzzTrace::Auto,
        ),
        true,
        &recording,
    )
    .unwrap();
    assert_eq!(traced.len(), 1);
    let calls = recording.take();
    let seen = phases(&calls);
    assert_names(&seen, &[phase::SZZ]);
    assert_eq!(seen[0].1, 1, "{calls:?}");
    assert_eq!(
        calls[0],
        Call::Start(phase::SZZ.to_owned(), repo.name.clone(), Some(1))
    );
}

/// `advisories import` reports the files it reads: one phase per source, its total once the
/// folder is listed, every file counted by the end.
#[test]
fn advisories_import_reports_the_files_it_reads() {
    let dir = tempfile::tempdir().unwrap();
    let osv = dir.path().join("osv");
    std::fs::create_dir(&osv).unwrap();
    for i in 0..130 {
        let id = format!("RUSTSEC-2099-{i:04}");
        std::fs::write(
            osv.join(format!("{id}.json")),
            serde_json::json!({
                "id": id,
                "modified": "2099-01-02T00:00:00Z",
                "published": "2099-01-01T00:00:00Z",
                "summary": format!("Stack overflow in crate{i}"),
                "affected": [{
                    "package": { "ecosystem": "crates.io", "name": format!("crate{i}") },
                    "ranges": [{ "type": "SEMVER",
                                 "events": [{ "introduced": "0.1.0" }, { "fixed": "0.9.0" }] }]
                }]
            })
            .to_string(),
        )
        .unwrap();
    }
    let mut store = devspm_engine::store::open(&dir.path().join("ledger.db"), None).unwrap();
    let recording = Recording::default();
    let env = Env::default();
    let ctx = env.ctx_with(&recording);
    let loaded =
        devspm_engine::advisories::import(&ctx, &mut store, std::slice::from_ref(&osv)).unwrap();
    assert_eq!(loaded[0].advisories, 130);
    let calls = recording.take();
    let seen = phases(&calls);
    assert_names(&seen, &[phase::ADVISORY_DATA]);
    assert_eq!(seen[0].1, 130, "{calls:?}");
    assert!(calls.contains(&Call::Total(130)), "{calls:?}");
    assert_eq!(
        calls[0],
        Call::Start(
            phase::ADVISORY_DATA.to_owned(),
            osv.display().to_string(),
            None
        )
    );
}
