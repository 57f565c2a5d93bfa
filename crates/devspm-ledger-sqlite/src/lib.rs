//! The SQLite backend of the ledger: one file, bundled SQLite, no configuration — devspm's
//! default store — and the local replica of a ledger kept upstream (PostgreSQL).
//!
//! One file per area. [`SqliteStore`] (`store`) opens the file, whose schema `schema` checks and
//! migrates, and implements [`Store`](devspm_ledger::Store), one small trait per file: the append
//! path and the reads of the event log with the analyzers' cursors and markers (`append`; the
//! recorded head and the cursors in `ledger_meta` are in `meta`), `verify` (`verify`), the
//! projection tables (`projection`) with their replay check and `rebuild` (`replay_check`), what
//! ingest reads (`ingest_state`), identities (`identities`), the read views (`views`) and the
//! erasure of personal data (`erasure`). Beside them: the stored Merkle tree (`tree`),
//! [`AuditStore`](devspm_ledger::AuditStore) (`audit`), the area traits of `devspm-ledger`
//! (`findings`, `governance`, `evidence`, `posture`, `signals`), the host's caches beside the
//! record (`caches`), the sealed personal data in its tables (`pii`), the writer lock beside the
//! file (`writer_lock`), the mapping of SQLite errors to ledger errors (`error`), and `replica`:
//! the file as the local replica of a ledger kept upstream (`devspm_ledger::upstream`), its
//! catch-up and its append path. `replica` builds on `store`, never the reverse: what the replica
//! shares with the file's own append path (the head, the cursors and the completion markers in
//! `ledger_meta`, the erasure of personal data) is in `meta` and `pii`; the areas whose writes a
//! replica shares call into `replica` (`append`: a replica's appends and markers go through its
//! upstream; `findings`: the secret-hashing key; `audit`: checkpoints). The unit tests share
//! `testing`.
//!
//! The algorithms that must give the same answers on every backend (the hash chain, the Merkle
//! tree and its check, the checkpoints, the sealing of personal data) are `devspm-ledger`'s;
//! this crate stores their results and calls them.

mod append;
mod audit;
mod caches;
mod erasure;
mod error;
mod evidence;
mod findings;
mod governance;
mod identities;
mod ingest_state;
mod meta;
mod pii;
mod posture;
mod projection;
mod replay_check;
mod replica;
mod schema;
mod signals;
mod store;
#[cfg(test)]
mod testing;
mod tree;
mod verify;
mod views;
mod writer_lock;

pub use projection::TABLES as PROJECTION_TABLES;
pub use store::{ReadOnly, SqliteStore};
pub use writer_lock::lock_path;

/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i64 = 10;
