//! devspm's engine: every pipeline a front end runs — the CLI today, a server and its workers
//! next — as library functions that take a [`Context`] and return typed, serialisable reports.
//!
//! The floors (see `docs/architecture.md`): front ends (the `devspm` binary) parse their input,
//! resolve settings, pick the store, call the engine and render what it returns; the engine
//! runs the pipelines over the ledger and the capability crates (git, AI, findings, secrets,
//! advisories, governance); nothing here prints, reads flags or exits. Warnings go to the
//! context's [`Diagnostics`], progress to its [`Progress`], and long runs stop early when its
//! interrupt flag is raised.
//!
//! The modules, each using only those listed before it:
//!
//! - [`repository`]: what analyzers read of a repository (files of a revision, refs digest);
//! - [`analyzer`]: the [`analyzer::Analyzer`] trait and the one runner that keeps every
//!   analyzer's position (a cursor, or the refs a repository analyzer completed over);
//! - [`attribution`]: who introduced each pending finding (blame, lockfile and secret history);
//! - [`findings`]: findings devspm makes itself, recorded as imports and attributed;
//! - [`gate`]: path contexts, ignores (configuration and the repository's own files) and the
//!   one `--fail-on` gate;
//! - analyzers: [`ai_detect`] (commit-level AI detector, agent branches), [`ai_notes`] (git-ai
//!   notes, Agent Trace), [`ai_tooling`] (AI configuration at the branch heads), [`ci`] (CI
//!   inventory and audit at HEAD);
//! - detectors: the [`detector::Detector`] trait, [`secrets`] (and [`message_secrets`], secrets redacted from commit messages),
//!   [`advisories`] (vulnerable dependencies); [`triage`] (judgements, their reasons
//!   redacted by the secret detector's rules);
//! - [`scan`]: ingest, identity resolution, the analyzers and detectors in order;
//! - [`ci_audit`]: `ci audit` of files on disk, attributed through the scan's record;
//! - [`import`]: scanner reports into findings (lifecycle, attribution), withdrawing an import;
//!   [`sarif_export`]: a SARIF report written back with attributions and triage;
//! - [`identities`] (list, show, suggest, forget), [`ai_report`] (AI involvement),
//!   [`tools`] (workstation inventory, tool uses, the tool-spread signal), [`policy`] (the
//!   policy check), [`submit`] (a report POSTed to a server over HTTPS), [`hook`] (the pre-commit check, its recorded override, installing the hooks), [`secret_key`] (key files for the secret-hashing key);
//! - [`views`]: every finding-producing pipeline's findings as the one view the renderers of
//!   `devspm-report` take (table, CSV, Markdown, SARIF);
//! - [`posture`]: metrics and explainable scores per developer, team, agent and repository;
//!   [`pseudonym`]: every person replaced by a stable keyed pseudonym (`--pseudonymize`);
//!   [`report`]: the organisation's report (posture with its evidence, findings, AI usage,
//!   tools, CI audit, teams from CODEOWNERS) that `devspm-report` renders as HTML or Markdown;
//! - [`szz`]: the commits that introduced what a fixing commit fixed (SZZ, V-SZZ).
//!
//! [`configuration`] loads and validates the operator's configuration file (and computes the
//! effective configuration `config show` prints); [`store`] is where a front end opens the
//! ledger: the one module that names a backend; [`migrate`] copies an SQLite ledger to
//! PostgreSQL.

pub mod store;

pub mod audit;
pub mod configuration;
pub mod context;
pub mod error;
pub mod evidence;

pub mod repository;

pub mod analyzer;

pub mod ignores_inline;

pub mod attribution;
pub mod findings;
pub mod gate;

pub mod ai_detect;
pub mod ai_notes;
pub mod ai_tooling;
pub mod ci;

pub mod detector;

pub mod advisories;
pub mod secrets;
pub mod triage;

pub mod message_secrets;
pub mod signals;

pub mod scan;

pub mod ci_audit;

pub mod import;
pub mod sarif_export;

pub mod ai_report;
pub mod hook;
pub mod identities;
pub mod secret_key;
pub mod submit;
pub mod tools;

pub mod policy;

pub mod views;

pub mod posture;
pub mod pseudonym;
pub mod report;

pub mod szz;

pub mod migrate;

pub use context::{
    Context, DatabaseKey, Diagnostics, Interrupt, NoProgress, Phase, Progress, SecretKey, Silent,
    phase,
};
pub use error::EngineError;

/// The ledger as the pipelines use it: events and projections ([`devspm_ledger::Store`], every
/// small trait of the ledger), findings ([`devspm_ledger::FindingStore`]), governance data
/// ([`devspm_ledger::GovernanceStore`]), posture, signals, and the host's caches
/// ([`devspm_ledger::Caches`]). Every store implementing them all is one. A function that needs
/// less asks for less.
pub trait Ledger:
    devspm_ledger::Store
    + devspm_ledger::FindingStore
    + devspm_ledger::GovernanceStore
    + devspm_ledger::PostureStore
    + devspm_ledger::SignalStore
    + devspm_ledger::Caches
{
}

impl<
    T: devspm_ledger::Store
        + devspm_ledger::FindingStore
        + devspm_ledger::GovernanceStore
        + devspm_ledger::PostureStore
        + devspm_ledger::SignalStore
        + devspm_ledger::Caches
        + ?Sized,
> Ledger for T
{
}

/// The payload of a recorded event, read as `T` (only the fields an analyzer needs); a payload
/// that does not read is a damaged event, named by its sequence number.
fn recorded_payload<T: serde::de::DeserializeOwned>(
    store: &impl devspm_ledger::EventLog,
    event: &devspm_core::StoredEvent,
) -> Result<T, devspm_ledger::LedgerError> {
    serde_json::from_str(&event.payload).map_err(|e| devspm_ledger::LedgerError::BadEvent {
        path: store.location().to_owned(),
        seq: event.seq,
        reason: e.to_string(),
    })
}

/// Unix seconds → `2026-11-28` (UTC), as views show days; `-` without a time (or out of
/// range).
fn date(seconds: Option<i64>) -> String {
    devspm_report::findings::date(seconds)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Each module names only modules declared before it in `lib.rs`, so the engine's modules
    /// form no cycle (the binary's `scan` ↔ `import` ↔ `secrets` circle must not come back).
    #[test]
    fn modules_use_only_modules_declared_before_them() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
        let order: Vec<&str> = lib
            .lines()
            .filter_map(|l| l.strip_prefix("pub mod ")?.strip_suffix(';'))
            .collect();
        assert!(order.len() > 10, "{order:?}");
        for (at, module) in order.iter().enumerate() {
            let text = std::fs::read_to_string(src.join(format!("{module}.rs"))).expect(module);
            for later in &order[at + 1..] {
                let named = [format!("crate::{later}::"), format!("crate::{later};")]
                    .iter()
                    .any(|p| text.contains(p.as_str()));
                assert!(
                    !named,
                    "{module} uses {later}, which lib.rs declares after it"
                );
            }
        }
    }
}
