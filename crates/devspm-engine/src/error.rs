//! The engine's errors, typed so that a front end can map each to what it means there: an exit
//! status for the CLI, a status code for an HTTP server.

use devspm_git::GitError;
use devspm_ledger::LedgerError;

/// Why a pipeline stopped.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The ledger refused or failed (busy, newer schema, disk full …).
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// A repository could not be read.
    #[error(transparent)]
    Git(#[from] GitError),
    /// The secret detector could not run (a bad rule of `[secrets]`, an unreadable
    /// repository).
    #[error(transparent)]
    Secrets(#[from] devspm_secrets::SecretsError),
    /// A scanner report cannot be read: unreadable, not well-formed JSON, not the output of a
    /// supported scanner. HTTP 422.
    #[error(transparent)]
    Report(Box<devspm_findings::import::ImportError>),
    /// An import stopped on one of its reports (unreadable, malformed, or a result that could
    /// not be stored); nothing of the run was recorded. HTTP 422.
    #[error("nothing was imported (an import is all or nothing): {0}")]
    NothingImported(#[source] Box<devspm_findings::import::ImportError>),
    /// The request cannot be done as asked (a bad input file, an unknown option value): the
    /// caller can fix it. HTTP 400/422.
    #[error("{0}")]
    Invalid(String),
    /// What the request names does not exist (an import id, a repository). HTTP 404.
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with what is recorded (withdrawing an import that later ones
    /// build on). HTTP 409.
    #[error("{0}")]
    Conflict(String),
    /// The ledger does not verify (an event altered, removed or reordered), so the pipeline
    /// refused to vouch for it (`refused`: "sign a checkpoint", "write an evidence pack"). The
    /// CLI exits 3.
    #[error("LEDGER VERIFICATION FAILED in {location}: {problem}; refusing to {refused}")]
    Tampered {
        location: String,
        problem: String,
        refused: &'static str,
    },
    /// A file could not be read or written.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// The interrupt flag was raised; what was recorded so far is consistent.
    #[error("interrupted; what was recorded so far is kept and the next run goes on from there")]
    Interrupted,
}

impl From<devspm_findings::import::ImportError> for EngineError {
    fn from(e: devspm_findings::import::ImportError) -> EngineError {
        EngineError::Report(Box::new(e))
    }
}

impl EngineError {
    /// An I/O error about `what` (a path, "standard input" …).
    pub fn io(what: impl Into<String>, source: std::io::Error) -> EngineError {
        EngineError::Io {
            what: what.into(),
            source,
        }
    }
}
