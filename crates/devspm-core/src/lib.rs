//! devspm's vocabulary: the domain types every other crate speaks.
//!
//! Nothing in this crate performs I/O. Collectors (git ingest, importers) build [`event::NewEvent`]s
//! from these types; the ledger stores them; analyzers and views read them back. Keeping the
//! vocabulary free of storage and git details is what lets the PostgreSQL backend, the server and
//! later analyzers plug in without touching the collectors.

pub mod advisory;
pub mod ai;
pub mod bytes;
pub mod catalogue;
pub mod commit;
pub mod config;
pub mod event;
pub mod evidence;
pub mod finding;
pub mod gating;
pub mod hex;
pub mod identities;
pub mod identity;
pub mod ids;
pub mod posture;
pub mod scan;
pub mod signal;
pub mod suggest;
pub mod text;
pub mod tools;

pub use event::{Attachment, EventKind, NewEvent, Payload, StoredEvent};
