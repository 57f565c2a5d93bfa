//! What a pipeline runs with: the operator's configuration and catalogue (resolved by the
//! front end from flags, environment and files — or, on a server, from the request), where the
//! secret-hashing key comes from, and the three channels back to the front end: diagnostics,
//! progress and an interrupt flag.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use devspm_core::catalogue::Catalogue;
use devspm_core::config::Config;
use devspm_governance::policy::Policy;

use crate::EngineError;

/// Receives what a pipeline has to say besides its result: warnings (a skipped file, an
/// unreadable note) and notes. A CLI prints them to standard error (escaped, unless `-q`); a
/// server returns them with the response. Text in them comes from outside (paths, names):
/// the receiver escapes it for its medium.
pub trait Diagnostics: Sync {
    /// Something was skipped or is doubtful; the run went on.
    fn warn(&self, message: String);
    /// Information the operator may want (a hint, what was done); silent by default.
    fn note(&self, _message: String) {}
}

/// Diagnostics that are dropped.
pub struct Silent;

impl Diagnostics for Silent {
    fn warn(&self, _message: String) {}
}

/// Receives progress of long phases; every method has a silent default. One phase runs at a
/// time.
pub trait Progress: Sync {
    /// A phase starts: `phase` names it (`"ingest"`), `subject` is what it works on (a
    /// repository's name: outside text), `total` its number of steps when known.
    fn start(&self, _phase: &str, _subject: &str, _total: Option<u64>) {}
    /// The number of steps of the current phase became known (ingest knows it once its walk
    /// is done).
    fn total(&self, _total: u64) {}
    /// `done` steps of the current phase are complete.
    fn at(&self, _done: u64) {}
    /// The current phase ended (also when it failed).
    fn finish(&self) {}
}

/// Progress that is dropped.
pub struct NoProgress;

impl Progress for NoProgress {}

/// The phases pipelines report, by the names [`Progress::start`] receives. A front end shows
/// each as it likes (the CLI: a bar on a terminal); a phase's steps are what its doc says.
pub mod phase {
    /// Commit ingest: new commits recorded (the total once the walk is done).
    pub const INGEST: &str = "ingest";
    /// The secret detector: blobs read and searched (no total: blobs are found as the walk
    /// goes).
    pub const SECRETS: &str = "secrets";
    /// The dependency detector: lockfiles matched against the loaded advisories.
    pub const ADVISORIES: &str = "advisories";
    /// `advisories import`: advisory files read from one source (the total once the folder
    /// or zip is listed).
    pub const ADVISORY_DATA: &str = "advisory-data";
    /// Import of scanner reports: files read.
    pub const IMPORT: &str = "import";
    /// Attribution of pending findings: findings attributed.
    pub const ATTRIBUTION: &str = "attribution";
    /// SZZ: fixing commits traced.
    pub const SZZ: &str = "szz";
    /// An evidence pack: sampled changes gathered.
    pub const EVIDENCE: &str = "evidence";
    /// Verification of the hash chain: events checked.
    pub const CHAIN: &str = "chain";
    /// Verification (or rebuild) of the projections: events replayed.
    pub const PROJECTIONS: &str = "projections";
    /// The insider-threat signal rules: recorded commits judged.
    pub const SIGNALS: &str = "signals";
}

/// A phase in progress: started by [`Phase::start`], finished when dropped, so that a phase
/// that fails (`?`) still ends for the front end.
pub struct Phase<'a>(&'a dyn Progress);

impl<'a> Phase<'a> {
    /// Starts `phase` on `subject` (outside text) with `total` steps when known.
    pub fn start(
        progress: &'a dyn Progress,
        phase: &str,
        subject: &str,
        total: Option<u64>,
    ) -> Phase<'a> {
        progress.start(phase, subject, total);
        Phase(progress)
    }

    /// `done` steps are complete.
    pub fn at(&self, done: u64) {
        self.0.at(done);
    }

    /// The number of steps became known.
    pub fn total(&self, total: u64) {
        self.0.total(total);
    }
}

impl Drop for Phase<'_> {
    fn drop(&mut self) {
        self.0.finish();
    }
}

/// Where the secret-hashing key kept outside the database comes from (a key file, an
/// environment variable, a key service). It is asked for only by the pipelines that hash
/// secrets, so that a missing key file fails those and not, say, a listing of identities.
pub trait SecretKey: Sync {
    /// The key kept outside the database, or `None` when the database keeps its own.
    fn external(&self) -> Result<Option<[u8; 32]>, EngineError>;
}

/// No key outside the database: secrets are hashed with the database's own key.
pub struct DatabaseKey;

impl SecretKey for DatabaseKey {
    fn external(&self) -> Result<Option<[u8; 32]>, EngineError> {
        Ok(None)
    }
}

impl<F> SecretKey for F
where
    F: Fn() -> Result<Option<[u8; 32]>, EngineError> + Sync,
{
    fn external(&self) -> Result<Option<[u8; 32]>, EngineError> {
        self()
    }
}

/// Raised by the front end (Ctrl-C, a cancelled request); long runs check it between steps and
/// stop with [`crate::EngineError::Interrupted`], leaving the ledger consistent.
#[derive(Debug, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    pub fn new() -> Interrupt {
        Interrupt::default()
    }

    /// The flag itself, for whatever raises it from outside the run: a signal handler (which
    /// may only store to an atomic) or a request's cancellation.
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.0)
    }

    /// Asks running pipelines to stop.
    pub fn raise(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn raised(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// `Err(Interrupted)` once raised: `interrupt.check()?` between steps.
    pub fn check(&self) -> Result<(), crate::EngineError> {
        if self.raised() {
            Err(crate::EngineError::Interrupted)
        } else {
            Ok(())
        }
    }
}

/// What every pipeline runs with.
pub struct Context<'a> {
    /// The operator's configuration (`devspm.toml`): identities, agents, teams, limits.
    pub config: &'a Config,
    /// AI agents, bots and tools known to devspm, with the configuration's additions.
    pub catalogue: &'a Catalogue,
    /// `[policy]` of the configuration (empty: nothing governed).
    pub policy: &'a Policy,
    /// `[secrets]` of the configuration as TOML text, for the secret detector.
    pub secret_rules: Option<&'a str>,
    /// The secret-hashing key when it is kept outside the database, read when first needed.
    pub secret_key: &'a dyn SecretKey,
    pub diagnostics: &'a dyn Diagnostics,
    pub progress: &'a dyn Progress,
    pub interrupt: &'a Interrupt,
}
