//! devspm's engine: every pipeline a front end runs — the CLI today, a server and its workers
//! next — as library functions that take a [`Context`] and return typed, serialisable reports.
//!
//! The floors (see `docs/architecture.md`): front ends (the `devspm` binary) parse their input,
//! resolve settings, pick the store, call the engine and render what it returns; the engine
//! runs the pipelines over the ledger and the capability crates (git, AI, findings, secrets,
//! advisories, governance); nothing here prints, reads flags or exits. Warnings go to the
//! context's [`Diagnostics`], progress to its [`Progress`], and long runs stop early when its
//! interrupt flag is raised.

pub mod audit;
pub mod context;
pub mod error;
pub mod evidence;
pub mod triage;

pub use context::{Context, Diagnostics, Interrupt, NoProgress, Progress, Silent};
pub use error::EngineError;
