//! What tool governance and the built-in detectors read from and keep beside the ledger.
//!
//! [`GovernanceStore`] extends [`crate::Store`] with: the tool inventory across repositories
//! and workstations (`devspm tools list`, `devspm policy check`), commit-signing statistics per
//! developer (for `require_signed_commits`), and the advisory data `devspm advisories import` loads
//! (reference data kept beside the chain; the load itself is an `advisories_imported` event).
//! The blobs the secret detector has already read (so a re-scan reads only new ones) are a
//! host's cache, in [`crate::Caches`].

use serde::Serialize;

use crate::LedgerError;

pub use devspm_core::advisory::AdvisorySourceRow;
pub use devspm_core::tools::ToolUseRow;

/// Filters for [`GovernanceStore::tool_uses`]; `None` means any.
#[derive(Clone, Debug, Default)]
pub struct ToolFilter {
    /// Case-insensitive substring of the name.
    pub name: Option<String>,
    pub kind: Option<String>,
    pub repo_id: Option<String>,
    /// Only tools introduced at or after this time (RFC 3339): in a repository, by the author
    /// time of the commit that introduced the line (the recording time only when that commit
    /// is not recorded); on a workstation, when the inventory first saw it.
    pub since: Option<String>,
    /// `repository` or `workstation`.
    pub origin: Option<String>,
}

/// Signed and unsigned commits of one developer in one repository.
#[derive(Clone, Debug, Serialize)]
pub struct SigningRow {
    pub repository: String,
    pub identity: String,
    pub identity_name: Option<String>,
    pub commits: u64,
    pub unsigned: u64,
}

/// One advisory to keep: its id, modification date, JSON body and the packages it names.
pub struct StoredAdvisory {
    pub id: String,
    pub modified: Option<String>,
    pub body: String,
    pub packages: Vec<(String, String)>,
}

/// Governance and detector queries; implemented by every store backend.
pub trait GovernanceStore {
    /// Tools in use, repositories first, then workstations; newest first within each.
    fn tool_uses(&self, filter: &ToolFilter) -> Result<Vec<ToolUseRow>, LedgerError>;

    /// Signed/unsigned commit counts per developer identity (reachable commits only; with
    /// `since`, only commits authored at or after it, in Unix seconds).
    fn signing(
        &self,
        repo_id: Option<&str>,
        since: Option<i64>,
    ) -> Result<Vec<SigningRow>, LedgerError>;

    /// Replaces the advisories of `source` with `advisories`.
    fn replace_advisories(
        &mut self,
        source: &str,
        advisories: Vec<StoredAdvisory>,
    ) -> Result<(), LedgerError>;

    /// The JSON bodies of every stored advisory.
    fn advisory_bodies(&self) -> Result<Vec<String>, LedgerError>;

    /// The advisory sources loaded so far.
    fn advisory_sources(&self) -> Result<Vec<AdvisorySourceRow>, LedgerError>;
}
