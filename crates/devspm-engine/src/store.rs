//! Opening the ledger: the one module of the engine that names a storage backend. A front end
//! says where the ledger is and gets an [`AnyStore`], which every pipeline uses through the
//! ledger's traits (`Store`, `FindingStore`, `GovernanceStore` …), never by its type.
//!
//! Today the only backend is the embedded SQLite file; a second one (PostgreSQL) makes
//! [`AnyStore`] an enum over both, chosen here from the location, and nothing above changes.

use std::path::Path;

use devspm_ledger::{LedgerError, ReadOnly, SqliteStore, Store};

use crate::EngineError;

/// The ledger a front end opened, whichever backend holds it.
pub type AnyStore = SqliteStore;

/// Opens (creating if needed) the ledger at `location` for writing, bringing its schema up to
/// date. While another process writes to it, `on_wait` is told who (and the call waits);
/// without `on_wait` that is [`LedgerError::Locked`] at once.
pub fn open(
    location: &Path,
    on_wait: Option<&mut dyn FnMut(&str)>,
) -> Result<AnyStore, EngineError> {
    Ok(SqliteStore::open_writer(location, on_wait)?)
}

/// Opens the ledger for writing unless another process is writing to it (`Ok(None)`): for git
/// hooks, which must never hold up a commit.
pub fn try_open(location: &Path) -> Result<Option<AnyStore>, EngineError> {
    match SqliteStore::open_writer(location, None) {
        Err(LedgerError::Locked { .. }) => Ok(None),
        other => Ok(Some(other?)),
    }
}

/// Opens the ledger for reading only (nothing is written to it, and no writer is waited for).
/// A ledger of an older schema is upgraded first when it can be written (`on_wait` as for
/// [`open`]); a ledger that does not exist is [`EngineError::NotFound`].
pub fn open_read_only(
    location: &Path,
    on_wait: Option<&mut dyn FnMut(&str)>,
) -> Result<AnyStore, EngineError> {
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

/// How a read-only store reads its file, when that is worth saying: an immutable file (its
/// folder is read-only) does not see a pending `-wal` file.
pub fn opened_note(store: &AnyStore) -> Option<String> {
    match store.read_only() {
        Some(ReadOnly::Immutable) => {
            let wal = format!("{}-wal", store.location());
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
