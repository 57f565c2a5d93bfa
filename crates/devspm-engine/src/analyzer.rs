//! The analyzers, behind one trait, and the one runner that keeps their positions.
//!
//! An analyzer turns what the ledger holds — or a repository at its refs — into events: the
//! AI detector and the secrets redacted from commit messages read recorded commits, the
//! insider-threat signals and the tool-spread signal read everything recorded since they last
//! ran, and the repository analyzers (agent branches, AI tooling, git-ai notes, Agent Trace,
//! the CI inventory) read a repository at its refs. Each says what it reads ([`Input`]) and
//! analyses one [`Batch`] of it at a time; [`run`] does the rest, the same way for all of
//! them:
//!
//! - it reads the analyzer's position (a cursor in the ledger, or the refs a repository
//!   analyzer last completed over) and does nothing when there is nothing new;
//! - it stops between batches when the context's interrupt flag is raised;
//! - it appends what each batch gave and moves the position past the batch **in the same
//!   transaction** (`EventLog::append_stream` with a [`CursorMove`]), so a run killed at any
//!   moment resumes where it stopped and a re-run appends nothing;
//! - a repository analyzer's completion is marked only after its results are on record: a run
//!   killed in between runs it again, and its appends are idempotent.
//!
//! Adding an analyzer is one type implementing [`Analyzer`] (for a repository analyzer, a
//! function in an [`OfRepository`]) and one line where the scan lists them (`scan::analyze`). Its name is its position's name: a new version of its rules takes a
//! new name and starts over.

use devspm_core::event::EventKind;
use devspm_core::{NewEvent, StoredEvent};
use devspm_ledger::{AnalyzerState, CursorMove, EventLog, IngestState};

use crate::{Context, EngineError};

/// Events of one kind read per transaction by default.
pub const BATCH: usize = 5000;

/// What an analyzer reads, and so how its position is kept.
pub enum Input<'a> {
    /// Recorded events of `kind` after the analyzer's cursor, `batch` at a time, each batch's
    /// results appended with the cursor moved to the batch's last event. When the last batch
    /// is done the cursor moves on to the head as it stood when the run began.
    Events { kind: EventKind, batch: usize },
    /// Everything recorded after the cursor up to the head, in one call: for rules that judge
    /// new events against each other and against the whole history (the analyzer reads what it
    /// needs). Its results are appended with the cursor moved to that head.
    Span,
    /// A repository at its refs: analysed when its refs (or HEAD) differ from those the
    /// analyzer last completed over.
    Repository(&'a devspm_git::Repo),
}

/// One batch of an analyzer's input.
pub enum Batch<'a> {
    /// Recorded events of the analyzer's kind, in sequence order.
    Events(&'a [StoredEvent]),
    /// The events after `after` up to `head` (inclusive).
    Span { after: u64, head: u64 },
    /// The repository of [`Input::Repository`], whose refs moved since the last completion.
    Repository,
}

/// What an analyzer made of one batch.
#[derive(Default)]
pub struct Analyzed {
    /// Events the runner appends with the position moved past the batch, in one transaction.
    pub events: Vec<NewEvent>,
    /// Events the analyzer appended itself on the way: a repository analyzer that records
    /// findings runs their lifecycle and attribution, which read what was just appended. Such
    /// appends are idempotent, so a run killed before its position moved repeats them without
    /// adding anything.
    pub appended: u64,
}

impl Analyzed {
    /// What an analyzer that appended `n` events itself made of its batch.
    pub fn appended(n: u64) -> Analyzed {
        Analyzed {
            events: Vec::new(),
            appended: n,
        }
    }
}

impl From<Vec<NewEvent>> for Analyzed {
    fn from(events: Vec<NewEvent>) -> Analyzed {
        Analyzed {
            events,
            appended: 0,
        }
    }
}

/// An analyzer: a name (its position's), what it reads, and what it makes of one batch.
pub trait Analyzer<S> {
    /// The name its position is kept under (a cursor, or a repository's completion marker).
    fn name(&self) -> &'static str;

    /// What it reads.
    fn input(&self) -> Input<'_>;

    /// Analyses one batch of its input.
    fn analyze(
        &mut self,
        ctx: &Context<'_>,
        store: &mut S,
        batch: Batch<'_>,
    ) -> Result<Analyzed, EngineError>;
}

/// What a repository analyzer does: the function [`OfRepository`] calls.
pub type RepositoryFn<S> =
    fn(&Context<'_>, &mut S, &devspm_git::Repo) -> Result<Analyzed, EngineError>;

/// A repository analyzer made of a name and a function of the repository, which is what each
/// of them is (agent branches, AI tooling, git-ai notes, Agent Trace, the CI inventory).
pub struct OfRepository<'a, S> {
    pub name: &'static str,
    pub repo: &'a devspm_git::Repo,
    pub analyze: RepositoryFn<S>,
}

impl<S> Analyzer<S> for OfRepository<'_, S> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn input(&self) -> Input<'_> {
        Input::Repository(self.repo)
    }

    fn analyze(
        &mut self,
        ctx: &Context<'_>,
        store: &mut S,
        _: Batch<'_>,
    ) -> Result<Analyzed, EngineError> {
        (self.analyze)(ctx, store, self.repo)
    }
}

/// What one run of an analyzer did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ran {
    /// Whether it had anything to read (its position was behind).
    pub ran: bool,
    /// Events it appended (its own and the runner's for it).
    pub appended: u64,
}

/// Runs `analyzer` over what it has not yet read, moving its position with its results.
pub fn run<S: EventLog + AnalyzerState + IngestState>(
    ctx: &Context<'_>,
    store: &mut S,
    analyzer: &mut dyn Analyzer<S>,
) -> Result<Ran, EngineError> {
    let name = analyzer.name();
    match analyzer.input() {
        Input::Events { kind, batch } => run_events(ctx, store, analyzer, name, kind, batch),
        Input::Span => run_span(ctx, store, analyzer, name),
        Input::Repository(repo) => {
            let state = crate::repository::refs_state(store, repo)?;
            let repo = repo.id.clone();
            if store.analyzed(name, &repo)?.as_deref() == Some(state.as_str()) {
                return Ok(Ran::default());
            }
            ctx.interrupt.check()?;
            let analyzed = analyzer.analyze(ctx, store, Batch::Repository)?;
            let appended = analyzed.appended + store.append(analyzed.events)?.appended;
            store.mark_analyzed(name, &repo, &state)?;
            Ok(Ran {
                ran: true,
                appended,
            })
        }
    }
}

fn run_events<S: EventLog + AnalyzerState>(
    ctx: &Context<'_>,
    store: &mut S,
    analyzer: &mut dyn Analyzer<S>,
    name: &str,
    kind: EventKind,
    batch: usize,
) -> Result<Ran, EngineError> {
    let mut cursor = store.cursor(name)?;
    let head = store.head()?.map_or(0, |h| h.seq);
    if cursor >= head {
        return Ok(Ran::default());
    }
    let mut ran = Ran {
        ran: true,
        appended: 0,
    };
    loop {
        ctx.interrupt.check()?;
        let events = store.events(Some(kind.as_str()), cursor, batch.max(1))?;
        let Some(last) = events.last().map(|e| e.seq) else {
            break;
        };
        let analyzed = analyzer.analyze(ctx, store, Batch::Events(&events))?;
        let to = CursorMove::To {
            analyzer: name,
            seq: last,
        };
        ran.appended += analyzed.appended
            + store
                .append_stream(&mut analyzed.events.into_iter().map(Ok), to)?
                .appended;
        cursor = last;
    }
    // Nothing after the last event of its kind needs the analyzer: the cursor can stand at the
    // head it started from (never back: another writer may have recorded more since).
    if cursor < head {
        let to = CursorMove::To {
            analyzer: name,
            seq: head,
        };
        store.append_stream(&mut std::iter::empty(), to)?;
    }
    Ok(ran)
}

fn run_span<S: EventLog + AnalyzerState>(
    ctx: &Context<'_>,
    store: &mut S,
    analyzer: &mut dyn Analyzer<S>,
    name: &str,
) -> Result<Ran, EngineError> {
    let after = store.cursor(name)?;
    let Some(head) = store.head()?.map(|h| h.seq) else {
        return Ok(Ran::default());
    };
    if head <= after {
        return Ok(Ran::default());
    }
    ctx.interrupt.check()?;
    let analyzed = analyzer.analyze(ctx, store, Batch::Span { after, head })?;
    let to = CursorMove::To {
        analyzer: name,
        seq: head,
    };
    let appended = analyzed.appended
        + store
            .append_stream(&mut analyzed.events.into_iter().map(Ok), to)?
            .appended;
    Ok(Ran {
        ran: true,
        appended,
    })
}
