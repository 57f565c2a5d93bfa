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
