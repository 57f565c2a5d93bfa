//! What posture reads: commits, findings, identities, hook overrides and scanner coverage of a
//! window, as the plain fact structs of `devspm_core::posture`.
//!
//! [`PostureStore`] is backend-neutral (no SQL types in it); `devspm-ledger-sqlite` implements
//! it over its projections.

use std::collections::HashMap;

use devspm_core::posture::{
    CommitFact, FindingFact, HookOverrideFact, IdentityFact, PathFact, RepositoryFact,
    ScanCoverage, ToolFact,
};

use crate::LedgerError;

/// The posture queries; implemented by every store backend.
pub trait PostureStore {
    /// The author times (seconds since the epoch) of the oldest and newest reachable commit.
    fn commit_time_span(&self) -> Result<Option<(i64, i64)>, LedgerError>;

    /// Reachable commits authored in `since <= author time < until`, every repository, with
    /// their review and co-author trailers and AI involvement (`on_default_branch` unset).
    fn posture_commits(&self, since: i64, until: i64) -> Result<Vec<CommitFact>, LedgerError>;

    /// Findings (not withdrawn) whose introducing commit was authored in the window, or that
    /// were found fixed at a revision committed in the window.
    fn posture_findings(&self, since: i64, until: i64) -> Result<Vec<FindingFact>, LedgerError>;

    /// Findings (not withdrawn) without an attribution.
    fn unattributed_findings(&self) -> Result<u64, LedgerError>;

    /// Every identity with at least one alias.
    fn posture_identities(&self) -> Result<Vec<IdentityFact>, LedgerError>;

    /// Every recorded hook override, oldest first.
    fn hook_overrides(&self) -> Result<Vec<HookOverrideFact>, LedgerError>;

    /// The imports (not withdrawn) per repository and producer.
    fn scan_coverage(&self) -> Result<Vec<ScanCoverage>, LedgerError>;

    /// Every recorded repository with those of `candidates` (full ref names) it has.
    fn posture_repositories(&self, candidates: &[&str])
    -> Result<Vec<RepositoryFact>, LedgerError>;

    /// Every recorded commit of one repository with its parents (reachable or not), for
    /// walking the graph.
    fn commit_parents(&self, repo: &str) -> Result<HashMap<String, Vec<String>>, LedgerError>;

    /// The files changed by reachable non-merge commits authored in `since <= author time <
    /// until`, every repository.
    fn posture_paths(&self, since: i64, until: i64) -> Result<Vec<PathFact>, LedgerError>;

    /// The paths each of these recorded commits of `repo` changed (through the commit's own
    /// index: read-only, unlike a lookup by path), and its author time.
    fn commit_paths(
        &self,
        repo: &str,
        shas: &[&str],
    ) -> Result<HashMap<String, (i64, Vec<String>)>, LedgerError>;

    /// Every tool in use, in repository files and on workstations, with the identity behind
    /// it and its event.
    fn posture_tools(&self) -> Result<Vec<ToolFact>, LedgerError>;
}
