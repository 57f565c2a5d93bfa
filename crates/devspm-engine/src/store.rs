//! Opening the ledger: the one module of the engine that names a storage backend. A front end
//! says where the ledger is and gets an [`AnyStore`], which every pipeline uses through the
//! ledger's traits (`Store`, `FindingStore`, `GovernanceStore` …), never by its type.
//!
//! Two backends: the embedded SQLite file, and PostgreSQL (`postgres://…`) for a team. On
//! PostgreSQL, PostgreSQL is the system of record (the events, the Merkle tree, checkpoints,
//! commit messages, sealed personal data and the secret-hashing key) and each host keeps a
//! derived read model: an SQLite replica under the cache folder ([`replica_path`]) that is
//! caught up when opened and that sends every append to PostgreSQL first
//! (`devspm_ledger::upstream`). So every command runs on both backends through the same code
//! and gives the same answers. The audit commands that check the system of record itself
//! (`audit verify`, checkpoints, proofs) open a [`LogStore`] ([`open_log`]), which reads
//! PostgreSQL directly.

use std::path::{Path, PathBuf};

use devspm_core::{NewEvent, StoredEvent};
use devspm_ledger::audit::{AuditStore, ConsistencyProof, InclusionProof, StoredCheckpoint};
use devspm_ledger::checkpoint::Checkpoint;
use devspm_ledger::merkle::Hash;
use devspm_ledger::{
    AppendSummary, CursorMove, EventLog, Head, Integrity, LedgerError, ProjectionReport,
    VerifyReport,
};
use devspm_ledger_postgres::{Open, PgStore};
use devspm_ledger_sqlite::{ReadOnly, SqliteStore};

use crate::EngineError;

/// Where a ledger is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location<'a> {
    /// An SQLite file.
    File(&'a Path),
    /// A PostgreSQL database (`postgres://…` or `postgresql://…`).
    Postgres(&'a str),
}

/// Tells a PostgreSQL URL from a file path.
pub fn location(db: &Path) -> Location<'_> {
    match db.to_str() {
        Some(url) if devspm_ledger_postgres::is_postgres_url(url) => Location::Postgres(url),
        _ => Location::File(db),
    }
}

/// The writer lock of an SQLite ledger file: `<db>.lock` beside it.
pub use devspm_ledger_sqlite::lock_path;

/// A URL as messages show it: without its password.
pub fn shown(url: &str) -> String {
    devspm_ledger_postgres::redact_url(url)
}

/// A ledger opened by a command that runs on either backend: the event log, its integrity, the
/// Merkle tree and checkpoints ([`EventLog`], [`Integrity`], [`AuditStore`]).
pub enum LogStore {
    Sqlite(SqliteStore),
    Postgres(Box<PgStore>),
}

/// Opens the ledger at `db` for a command that runs on either backend: for reading only
/// (`write == false`: an SQLite file as [`open_read_only`]) or to record checkpoints. A
/// PostgreSQL database must already hold a ledger (`devspm migrate` makes one).
pub fn open_log(
    db: &Path,
    write: bool,
    on_wait: Option<&mut dyn FnMut(&str)>,
) -> Result<LogStore, EngineError> {
    Ok(match location(db) {
        Location::Postgres(url) => {
            LogStore::Postgres(Box::new(PgStore::open(url, Open::Existing)?))
        }
        Location::File(_) if write => LogStore::Sqlite(open(db, on_wait)?),
        Location::File(_) => LogStore::Sqlite(open_read_only(db, on_wait)?),
    })
}

/// Opens (creating its schema if needed) the PostgreSQL ledger at `url` for a copy.
pub(crate) fn open_postgres_for_copy(url: &str) -> Result<PgStore, EngineError> {
    Ok(PgStore::open(url, Open::Create)?)
}

/// What `audit verify` says about how a [`LogStore`] was opened (see [`opened_note`]).
pub fn log_opened_note(store: &LogStore) -> Option<String> {
    match store {
        LogStore::Sqlite(s) => opened_note(s),
        LogStore::Postgres(_) => None,
    }
}

/// Calls the same method on whichever backend holds the ledger.
macro_rules! either {
    ($self:expr, $s:ident => $call:expr) => {
        match $self {
            LogStore::Sqlite($s) => $call,
            LogStore::Postgres(boxed) => {
                let $s = &**boxed;
                $call
            }
        }
    };
    (mut $self:expr, $s:ident => $call:expr) => {
        match $self {
            LogStore::Sqlite($s) => $call,
            LogStore::Postgres(boxed) => {
                let $s = &mut **boxed;
                $call
            }
        }
    };
}

impl EventLog for LogStore {
    fn location(&self) -> &str {
        either!(self, s => EventLog::location(s))
    }

    fn append_stream(
        &mut self,
        events: &mut dyn Iterator<Item = Result<NewEvent, LedgerError>>,
        cursor: CursorMove<'_>,
    ) -> Result<AppendSummary, LedgerError> {
        either!(mut self, s => s.append_stream(events, cursor))
    }

    fn head(&self) -> Result<Option<Head>, LedgerError> {
        either!(self, s => EventLog::head(s))
    }

    fn events(
        &self,
        kind: Option<&str>,
        after_seq: u64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, LedgerError> {
        either!(self, s => EventLog::events(s, kind, after_seq, limit))
    }

    fn content(&self, sha256: &str) -> Result<Option<Vec<u8>>, LedgerError> {
        either!(self, s => s.content(sha256))
    }
}

impl Integrity for LogStore {
    fn verify(&self, progress: &mut dyn FnMut(u64)) -> Result<VerifyReport, LedgerError> {
        either!(self, s => s.verify(progress))
    }

    fn check_projections_kept(
        &self,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Option<ProjectionReport>, LedgerError> {
        either!(self, s => s.check_projections_kept(progress))
    }
}

impl AuditStore for LogStore {
    fn tree_size(&self) -> Result<u64, LedgerError> {
        either!(self, s => s.tree_size())
    }

    fn tree_root(&self, size: u64) -> Result<Hash, LedgerError> {
        either!(self, s => s.tree_root(size))
    }

    fn inclusion_proof(&self, seq: u64, size: u64) -> Result<InclusionProof, LedgerError> {
        either!(self, s => s.inclusion_proof(seq, size))
    }

    fn consistency_proof(&self, old: u64, new: u64) -> Result<ConsistencyProof, LedgerError> {
        either!(self, s => s.consistency_proof(old, new))
    }

    fn record_checkpoint(
        &mut self,
        checkpoint: &Checkpoint,
        note: &str,
        key_name: &str,
        verifier: &str,
    ) -> Result<u64, LedgerError> {
        either!(mut self, s => s.record_checkpoint(checkpoint, note, key_name, verifier))
    }

    fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, LedgerError> {
        either!(self, s => s.checkpoints())
    }
}

/// The ledger a front end opened, whichever backend holds it: an SQLite file, or the SQLite
/// replica of a PostgreSQL ledger.
pub type AnyStore = SqliteStore;

/// The environment variable that chooses the folder of PostgreSQL ledgers' local replicas.
pub const CACHE_DIR_ENV: &str = "DEVSPM_CACHE_DIR";

/// The cache folder: `$DEVSPM_CACHE_DIR`, else `$XDG_CACHE_HOME/devspm`, else
/// `~/.cache/devspm`.
fn cache_dir() -> Result<PathBuf, EngineError> {
    let set = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = set(CACHE_DIR_ENV) {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = set("XDG_CACHE_HOME") {
        return Ok(PathBuf::from(dir).join("devspm"));
    }
    if let Some(home) = set("HOME") {
        return Ok(PathBuf::from(home).join(".cache").join("devspm"));
    }
    Err(EngineError::Invalid(format!(
        "no folder for the local replica of a PostgreSQL ledger: set {CACHE_DIR_ENV} (or XDG_CACHE_HOME or HOME)"
    )))
}

/// Where this host keeps its replica of the PostgreSQL ledger with id `ledger_id`
/// (`replicas/<ledger-id>.db` in the cache folder), creating the folder.
pub fn replica_path(ledger_id: &str) -> Result<PathBuf, EngineError> {
    let dir = cache_dir()?.join("replicas");
    std::fs::create_dir_all(&dir).map_err(|e| {
        EngineError::Invalid(format!(
            "cannot create the folder of local replicas {} ({e}): set {CACHE_DIR_ENV} to a writable folder",
            dir.display()
        ))
    })?;
    // The id is PostgreSQL's own (hex); anything else is kept out of the file name.
    let safe: String = ledger_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    Ok(dir.join(format!("{safe}.db")))
}

/// The PostgreSQL ledger at `url` with the path of this host's replica of it.
fn upstream(url: &str, how: Open) -> Result<(PgStore, PathBuf), EngineError> {
    let pg = PgStore::open(url, how)?;
    let path = replica_path(&pg.ledger_id()?)?;
    Ok((pg, path))
}

/// Opens (creating if needed) the ledger at `location` for writing, bringing its schema up to
/// date; on PostgreSQL, this host's replica of it, caught up. While another process writes to
/// it, `on_wait` is told who (and the call waits); without `on_wait` that is
/// [`LedgerError::Locked`] at once.
pub fn open(
    location: &Path,
    on_wait: Option<&mut dyn FnMut(&str)>,
) -> Result<AnyStore, EngineError> {
    Ok(match self::location(location) {
        Location::File(path) => SqliteStore::open_writer(path, on_wait)?,
        Location::Postgres(url) => {
            let (pg, path) = upstream(url, Open::Create)?;
            SqliteStore::open_replica(&path, Box::new(pg), on_wait)?
        }
    })
}

/// Opens the ledger for writing unless another process is writing to it (`Ok(None)`): for git
/// hooks, which must never hold up a commit.
pub fn try_open(location: &Path) -> Result<Option<AnyStore>, EngineError> {
    match open(location, None) {
        Err(EngineError::Ledger(LedgerError::Locked { .. })) => Ok(None),
        other => Ok(Some(other?)),
    }
}

/// Opens the ledger for reading only (nothing is written to it, and no writer is waited for).
/// A ledger of an older schema is upgraded first when it can be written (`on_wait` as for
/// [`open`]); a ledger that does not exist is [`EngineError::NotFound`]. On PostgreSQL: this
/// host's replica, caught up first unless another process on this host is writing to it (then
/// it is read as that process last left it).
pub fn open_read_only(
    location: &Path,
    on_wait: Option<&mut dyn FnMut(&str)>,
) -> Result<AnyStore, EngineError> {
    if let Location::Postgres(url) = self::location(location) {
        let (pg, path) = upstream(url, Open::Existing)?;
        return match SqliteStore::open_replica(&path, Box::new(pg), None) {
            Err(LedgerError::Locked { .. }) => Ok(SqliteStore::open_read_only(&path)?),
            other => Ok(other?),
        };
    }
    match SqliteStore::open_read_only(location) {
        Err(LedgerError::OlderSchema { .. })
            if std::fs::metadata(location).is_ok_and(|m| !m.permissions().readonly()) =>
        {
            drop(open(location, on_wait)?);
            Ok(SqliteStore::open_read_only(location)?)
        }
        Err(LedgerError::Open { reason, .. }) if !location.exists() => {
            Err(EngineError::NotFound(format!(
                "no ledger at {} ({reason}): record something first (`devspm scan`), or point --db at an existing ledger",
                location.display()
            )))
        }
        other => Ok(other?),
    }
}

/// Whether the store was opened for reading only.
pub fn is_read_only(store: &AnyStore) -> bool {
    store.read_only().is_some()
}

/// What opening a PostgreSQL ledger's replica had to do that a person should know (it did
/// not match PostgreSQL and was rebuilt).
pub fn replica_note(store: &AnyStore) -> Option<String> {
    store.replica_note().map(str::to_owned)
}

/// How the store was opened, when that is worth saying: a PostgreSQL ledger's replica that was
/// rebuilt, or an immutable file (its folder is read-only) that does not see a pending `-wal`
/// file.
pub fn opened_note(store: &AnyStore) -> Option<String> {
    if let Some(note) = store.replica_note() {
        return Some(note.to_owned());
    }
    match store.read_only() {
        Some(ReadOnly::Immutable) => {
            let wal = format!("{}-wal", EventLog::location(store));
            let pending = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
            Some(format!(
                "the database was read as an immutable file (its folder is read-only){}",
                if pending {
                    format!(
                        "; {wal} was not read: copy the database with its -wal file into a writable folder, or checkpoint it before copying"
                    )
                } else {
                    String::new()
                }
            ))
        }
        _ => None,
    }
}
