//! The SQLite backend of the ledger, one file per area. [`SqliteStore`] (`store`) opens and
//! migrates the file and implements [`Store`](crate::Store); beside it are its `verify`
//! (`verify`), its read views (`views`), the replay that `rebuild` and `check_projections` run
//! (`replay_check`), the stored Merkle tree (`tree`), [`AuditStore`](crate::AuditStore)
//! (`audit`), the mapping of SQLite errors to ledger errors (`error`), and `replica`: the file as
//! the local replica of a ledger kept upstream (PostgreSQL), its catch-up and its append path
//! (`crate::upstream`).
//!
//! The algorithms that must give the same answers on every backend (the hash chain, the Merkle
//! tree and its check, the checkpoints) are below this folder, in the crate's other modules;
//! nothing outside this folder calls into it except through `SqliteStore` and the trait
//! implementations in `evidence`, `findings` and `governance`.

mod audit;
mod error;
mod replay_check;
mod replica;
mod store;
mod tree;
mod verify;
mod views;

pub use store::{ReadOnly, SqliteStore};
