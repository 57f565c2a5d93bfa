//! The one analyzer runner (`devspm_engine::analyzer::run`) on a real ledger and a real
//! repository: an analyzer killed in the middle of its batches keeps what its finished batches
//! recorded and its cursor past them, the next run goes on from there and records nothing
//! twice, an interrupt stops it before anything is read, and a repository analyzer runs again
//! only when the repository's refs moved.

mod common;

use std::path::Path;

use common::{Env, git};
use devspm_core::NewEvent;
use devspm_core::event::{EventKind, IngestGap};
use devspm_engine::analyzer::{Analyzed, Analyzer, Batch, Input, Ran, run};
use devspm_engine::{Context, EngineError};
use devspm_ledger::{AnalyzerState, EventLog};

fn commit(dir: &Path, i: usize) {
    std::fs::write(dir.join(format!("f{i}.txt")), format!("{i}\n")).unwrap();
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", &format!("change {i}")]);
}

/// An event per commit event it reads (keyed by the commit event's sequence), two commits per
/// batch; it fails on batch `fail_at` (counted from 1) when set.
struct Echo {
    fail_at: Option<usize>,
    batches: usize,
}

fn echo(repo: &str, seq: u64) -> NewEvent {
    IngestGap {
        repo: repo.to_owned(),
        what: "echo".into(),
        object: seq.to_string(),
        detail: "seen".into(),
    }
    .into_event("test:echo")
}

impl<S> Analyzer<S> for Echo {
    fn name(&self) -> &'static str {
        "echo-v1"
    }

    fn input(&self) -> Input<'_> {
        Input::Events {
            kind: EventKind::CommitRecorded,
            batch: 2,
        }
    }

    fn analyze(
        &mut self,
        _: &Context<'_>,
        _: &mut S,
        batch: Batch<'_>,
    ) -> Result<Analyzed, EngineError> {
        self.batches += 1;
        if self.fail_at == Some(self.batches) {
            return Err(EngineError::Invalid("killed".into()));
        }
        let Batch::Events(events) = batch else {
            panic!("an events analyzer is given events");
        };
        Ok(events
            .iter()
            .map(|e| echo("r", e.seq))
            .collect::<Vec<_>>()
            .into())
    }
}

/// Counts its runs over one repository.
struct Refs<'a> {
    repo: &'a devspm_git::Repo,
    runs: usize,
}

impl<S> Analyzer<S> for Refs<'_> {
    fn name(&self) -> &'static str {
        "refs-v1"
    }

    fn input(&self) -> Input<'_> {
        Input::Repository(self.repo)
    }

    fn analyze(
        &mut self,
        _: &Context<'_>,
        _: &mut S,
        batch: Batch<'_>,
    ) -> Result<Analyzed, EngineError> {
        assert!(matches!(batch, Batch::Repository));
        self.runs += 1;
        Ok(vec![echo(&self.repo.id, self.runs as u64)].into())
    }
}

fn echoed(store: &impl EventLog) -> Vec<String> {
    store
        .events(Some(EventKind::IngestGap.as_str()), 0, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|e| e.key)
        .collect()
}

#[test]
fn a_killed_run_keeps_its_finished_batches_and_the_next_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let repo_dir = dir.path().join("app");
    std::fs::create_dir(&repo_dir).unwrap();
    git(&repo_dir, &["init", "-q", "-b", "main"]);
    for i in 0..5 {
        commit(&repo_dir, i);
    }
    let repo = devspm_git::open(&repo_dir).unwrap();
    let mut store = devspm_engine::store::open(&dir.path().join("ledger.db"), None).unwrap();
    let env = Env::default();
    let ctx = env.ctx();
    devspm_engine::scan::ingest(&ctx, &mut store, &repo, &Default::default()).unwrap();
    let commits: Vec<u64> = store
        .events(Some(EventKind::CommitRecorded.as_str()), 0, usize::MAX)
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(commits.len(), 5);

    // Killed in its second batch: the first batch's events are recorded, and the cursor stands
    // on its last commit event.
    let killed = run(
        &ctx,
        &mut store,
        &mut Echo {
            fail_at: Some(2),
            batches: 0,
        },
    );
    assert!(matches!(killed, Err(EngineError::Invalid(_))), "{killed:?}");
    assert_eq!(echoed(&store).len(), 2);
    assert_eq!(store.cursor("echo-v1").unwrap(), commits[1]);

    // The next run reads the three commits left, in two batches, and records each once.
    let head = store.head().unwrap().unwrap().seq;
    let mut again = Echo {
        fail_at: None,
        batches: 0,
    };
    let ran = run(&ctx, &mut store, &mut again).unwrap();
    assert_eq!(
        ran,
        Ran {
            ran: true,
            appended: 3
        }
    );
    assert_eq!(again.batches, 2);
    let mut expected: Vec<String> = commits
        .iter()
        .map(|s| echo("r", *s).key)
        .collect::<Vec<_>>();
    expected.sort();
    let mut got = echoed(&store);
    got.sort();
    assert_eq!(got, expected);
    // The cursor stands at the head the run began from (its own events came after).
    assert_eq!(store.cursor("echo-v1").unwrap(), head);

    // Nothing new to read: no batch, nothing appended, and the cursor reaches the head.
    let mut idle = Echo {
        fail_at: None,
        batches: 0,
    };
    assert_eq!(run(&ctx, &mut store, &mut idle).unwrap().appended, 0);
    assert_eq!(idle.batches, 0);
    let head = store.head().unwrap().unwrap().seq;
    assert_eq!(store.cursor("echo-v1").unwrap(), head);
    assert_eq!(run(&ctx, &mut store, &mut idle).unwrap(), Ran::default());

    // A raised interrupt stops a run before it reads anything.
    commit(&repo_dir, 5);
    let repo = devspm_git::open(&repo_dir).unwrap();
    devspm_engine::scan::ingest(&ctx, &mut store, &repo, &Default::default()).unwrap();
    env.interrupt.raise();
    let stopped = run(&ctx, &mut store, &mut idle);
    assert!(
        matches!(stopped, Err(EngineError::Interrupted)),
        "{stopped:?}"
    );
    assert_eq!(idle.batches, 0);
    assert_eq!(echoed(&store).len(), 5);
}

#[test]
fn a_repository_analyzer_runs_again_only_when_the_refs_moved() {
    let dir = tempfile::tempdir().unwrap();
    let repo_dir = dir.path().join("app");
    std::fs::create_dir(&repo_dir).unwrap();
    git(&repo_dir, &["init", "-q", "-b", "main"]);
    commit(&repo_dir, 0);
    let mut store = devspm_engine::store::open(&dir.path().join("ledger.db"), None).unwrap();
    let env = Env::default();
    let ctx = env.ctx();
    let repo = devspm_git::open(&repo_dir).unwrap();
    devspm_engine::scan::ingest(&ctx, &mut store, &repo, &Default::default()).unwrap();
    let mut refs = Refs {
        repo: &repo,
        runs: 0,
    };
    assert_eq!(run(&ctx, &mut store, &mut refs).unwrap().appended, 1);
    assert_eq!(run(&ctx, &mut store, &mut refs).unwrap(), Ran::default());
    assert_eq!(refs.runs, 1);

    commit(&repo_dir, 1);
    let repo = devspm_git::open(&repo_dir).unwrap();
    devspm_engine::scan::ingest(&ctx, &mut store, &repo, &Default::default()).unwrap();
    let mut refs = Refs {
        repo: &repo,
        runs: 1,
    };
    assert!(run(&ctx, &mut store, &mut refs).unwrap().ran);
    assert_eq!(refs.runs, 2);
    assert_eq!(run(&ctx, &mut store, &mut refs).unwrap(), Ran::default());
    assert_eq!(echoed(&store).len(), 2);
}
