//! The embedded SQLite store: one file, WAL mode, its schema brought up to date on open
//! (`schema`). [`SqliteStore`] and how it is opened (for writing, behind the writer lock; read
//! only, also from a read-only medium; in memory); what it does is in the files of its areas
//! (see the crate's documentation).
//!
//! Durability choice: `synchronous = NORMAL` in WAL mode survives a killed process (the case the
//! ledger must handle: `kill -9` mid-ingest loses at most the open batch, never a committed one,
//! and never half a batch); only an OS crash or power loss can drop the last committed batches,
//! which the next ingest records again because appends are idempotent.

use std::path::Path;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::error::map_sql_error;
use crate::SCHEMA_VERSION;
use devspm_ledger::LedgerError;

/// The SQLite implementation of the ledger's traits ([`Store`](devspm_ledger::Store) names
/// them).
pub struct SqliteStore {
    pub(super) conn: Connection,
    pub(super) path: String,
    /// How the file was opened, when not for writing.
    read_only: Option<ReadOnly>,
    /// The ledger's system of record when this file is its local replica (see
    /// `crate::upstream`): appends go there first.
    pub(super) upstream: Option<Box<dyn devspm_ledger::upstream::Upstream>>,
    /// What opening the replica had to do that a person should know.
    pub(super) replica_note: Option<String>,
    /// Held by a store opened for writing, for as long as it lives (declared after the
    /// connection, so the connection closes first).
    _writer: Option<crate::writer_lock::WriterLock>,
}

/// How a read-only store reads its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadOnly {
    /// A read-only connection with SQLite's usual locking: it reads a consistent snapshot
    /// while other processes write.
    Shared,
    /// The file could not be opened even read-only with locking (a read-only folder without
    /// the `-shm` file SQLite needs): opened as immutable, which assumes nobody writes it. A
    /// write-ahead log beside it is not read in this mode.
    Immutable,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` for writing and brings its schema up
    /// to date. Waits, silently, while another process writes to it (see [`Self::open_writer`]).
    pub fn open(path: &Path) -> Result<SqliteStore, LedgerError> {
        Self::open_writer(path, Some(&mut |_| {}))
    }

    /// Opens (creating if needed) the database at `path` for writing: takes its writer lock
    /// first (one writer per database, see `writer_lock`), calling `on_wait` with a
    /// description of the holder when another process has it, then brings the schema up to
    /// date. The lock is held until the store is dropped. Without `on_wait`, another writer
    /// holding the lock is [`LedgerError::Locked`] at once.
    pub fn open_writer(
        path: &Path,
        on_wait: Option<&mut dyn FnMut(&str)>,
    ) -> Result<SqliteStore, LedgerError> {
        let shown = path.display().to_string();
        if path.is_dir() {
            return Err(LedgerError::NotADatabase {
                path: shown,
                reason: "it is a directory".into(),
            });
        }
        let lock = crate::writer_lock::acquire(path, on_wait)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| LedgerError::Open {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let mut store = Self::init(conn, shown)?;
        store._writer = Some(lock);
        Ok(store)
    }

    /// Opens an existing database for reading only: nothing is written to the file (no
    /// migration, no lock file), so a copy an auditor was handed, on a read-only medium or
    /// with read-only permissions, can be read and verified. Refuses a database whose schema
    /// is older than this build's ([`LedgerError::OlderSchema`]: a writing command upgrades
    /// it).
    pub fn open_read_only(path: &Path) -> Result<SqliteStore, LedgerError> {
        let shown = path.display().to_string();
        if path.is_dir() {
            return Err(LedgerError::NotADatabase {
                path: shown,
                reason: "it is a directory".into(),
            });
        }
        if !path.exists() {
            return Err(LedgerError::Open {
                path: shown,
                reason: "no such file (nothing has been recorded in it yet)".into(),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let open_err = |e: rusqlite::Error| LedgerError::Open {
            path: shown.clone(),
            reason: e.to_string(),
        };
        // SQLite needs the `-shm` file of a WAL database even to read it; where it can neither
        // find nor create it (a read-only folder), the file is read as immutable.
        let shared = Connection::open_with_flags(path, flags).and_then(|conn| {
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })?;
            Ok(conn)
        });
        let (conn, mode) = match shared {
            Ok(conn) => (conn, ReadOnly::Shared),
            Err(rusqlite::Error::SqliteFailure(f, _))
                if matches!(
                    f.code,
                    ErrorCode::CannotOpen | ErrorCode::ReadOnly | ErrorCode::PermissionDenied
                ) =>
            {
                let uri = format!("file:{}?immutable=1", uri_path(path));
                (
                    Connection::open_with_flags(uri, flags).map_err(open_err)?,
                    ReadOnly::Immutable,
                )
            }
            Err(e) => return Err(map_sql_error(&shown, e)),
        };
        let store = SqliteStore {
            conn,
            path: shown,
            read_only: Some(mode),
            upstream: None,
            replica_note: None,
            _writer: None,
        };
        store.set_busy_timeout()?;
        store.check_compatible()?;
        let version: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(store.sql_err())?;
        if version < SCHEMA_VERSION {
            return Err(LedgerError::OlderSchema {
                path: store.path.clone(),
                found: version,
                current: SCHEMA_VERSION,
            });
        }
        Ok(store)
    }

    /// How the store reads its file, when it was opened read-only.
    pub fn read_only(&self) -> Option<ReadOnly> {
        self.read_only
    }

    fn set_busy_timeout(&self) -> Result<(), LedgerError> {
        let busy_ms = std::env::var("DEVSPM_BUSY_TIMEOUT_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(5000u64);
        self.conn
            .busy_timeout(std::time::Duration::from_millis(busy_ms))
            .map_err(self.sql_err())
    }

    /// An in-memory store (tests and dry runs).
    pub fn open_in_memory() -> Result<SqliteStore, LedgerError> {
        let conn = Connection::open_in_memory().map_err(|e| LedgerError::Open {
            path: ":memory:".into(),
            reason: e.to_string(),
        })?;
        Self::init(conn, ":memory:".into())
    }

    fn init(conn: Connection, path: String) -> Result<SqliteStore, LedgerError> {
        let mut store = SqliteStore {
            conn,
            path,
            read_only: None,
            upstream: None,
            replica_note: None,
            _writer: None,
        };
        let err = store.sql_err();
        store.set_busy_timeout()?;
        #[cfg(debug_assertions)]
        store.abort_at_commit_for_tests();
        // The first statement that reads the file: a file that is not SQLite fails here, and a
        // database of a newer devspm or another application is refused before anything changes.
        store.check_compatible()?;
        // 16 KiB pages for a new database (ignored once the first table exists): fewer, fuller
        // B-tree pages make bulk ingest cheaper (measured: -12% ingest time on 50,000 commits).
        store
            .conn
            .execute_batch("PRAGMA page_size = 16384")
            .map_err(&err)?;
        store
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .map_err(&err)?;
        store
            .conn
            .execute_batch(
                "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY;
                 PRAGMA cache_size = -32768; PRAGMA wal_autocheckpoint = 4096;",
            )
            .map_err(&err)?;
        store.migrate()?;
        Ok(store)
    }

    /// Fault injection for the crash tests, in debug builds only: with
    /// `DEVSPM_TEST_ABORT_AT_COMMIT=N` the process aborts when its Nth write transaction is
    /// about to commit, leaving the database exactly as a `kill -9` at any moment between
    /// commits N-1 and N would. Running N = 1, 2, … until a run completes covers every state
    /// a crash can leave (tests/crash_safety.rs).
    #[cfg(debug_assertions)]
    fn abort_at_commit_for_tests(&mut self) {
        let Some(at) = std::env::var("DEVSPM_TEST_ABORT_AT_COMMIT")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
        else {
            return;
        };
        let mut commits = 0u64;
        let _ = self.conn.commit_hook(Some(move || {
            commits += 1;
            if commits >= at {
                std::process::abort();
            }
            false
        }));
    }

    /// A mapper from SQLite errors to ledger errors that name this database.
    pub(crate) fn sql_err(&self) -> impl Fn(rusqlite::Error) -> LedgerError + use<> {
        let path = self.path.clone();
        move |e| map_sql_error(&path, e)
    }

    /// Direct access for tests that tamper with the file the way an attacker would.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The connection, for writes to tables beside the chain (never to events or projections).
    pub(crate) fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// A path for an SQLite `file:` URI: characters with a meaning in URIs percent-encoded.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for byte in path.as_os_str().as_encoded_bytes() {
        match byte {
            b'?' | b'#' | b'%' | b'&' | b'=' => out.push_str(&format!("%{byte:02X}")),
            _ if byte.is_ascii_graphic() => out.push(char::from(*byte)),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
