//! Read models returned by [`crate::Store`] queries: what the `scan` summary, the
//! `identities` commands and `devspm ai` show. Plain data defined in `devspm-core` (the report
//! renders it without depending on the ledger), re-exported here where backends and callers
//! name it.

pub use devspm_core::ai::{AiReport, AiRow, ToolRow};
pub use devspm_core::identities::{AliasEvidence, IdentityDetail, IdentityRow, LinkEvidence};
pub use devspm_core::scan::{AgentShare, AiSummary, Contributor, RepositorySummary, RewriteRow};
