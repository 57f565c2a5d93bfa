//! Advisory data as rows: what the ledger keeps of each advisory source `devspm advisories
//! import` loaded. The ledger fills these rows (`devspm_ledger::GovernanceStore`, which
//! re-exports them at `devspm_ledger::governance`), `devspm-report` renders them as text
//! (`devspm advisories status`) and the front end writes them as JSON. Plain data.

use serde::Serialize;

/// A loaded advisory source: where it was loaded from, its layout, the date of its data, how
/// many advisories it holds and when it was loaded.
#[derive(Clone, Debug, Serialize)]
pub struct AdvisorySourceRow {
    pub source: String,
    pub layout: String,
    pub data_date: Option<String>,
    pub advisories: u64,
    pub loaded_at: String,
}
