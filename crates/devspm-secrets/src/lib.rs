//! Finds secrets in blobs and across a repository's whole history: rules as data, a literal
//! prefilter, keyed hashes instead of values.
//!
//! - [`Scanner`] compiles the rules once (the embedded `rules/secrets.toml`, extended by the
//!   caller's TOML) and searches buffers: [`Scanner::find`] gives byte ranges,
//!   [`Scanner::scan_bytes`] gives [`SecretFinding`]s.
//! - [`scan_history`] scans every unique blob reachable from the refs once, attributing each
//!   finding to the oldest commit that introduced the blob, and says whether the secret is still
//!   at HEAD. It is incremental: blobs scanned by an earlier run are skipped.
//! - [`scan_staged`] scans the lines a commit would add (index against HEAD), for a pre-commit
//!   hook; [`scan_file`] and [`scan_dir`] scan plain files.
//! - [`Scanner::redact`] replaces the secrets in a text that is about to be stored (a commit
//!   message, a scanner's message) by markers carrying their keyed hash and preview.
//!
//! A secret never leaves the call that found it: findings carry an HMAC of the value under the
//! caller's key and a redacted preview (see `devspm_findings::fingerprint`).

mod allow;
mod files;
mod filter;
mod finding;
mod history;
mod redact;
mod rules;
mod scanner;
mod staged;
#[cfg(test)]
mod testutil;

pub use files::{DirOptions, DirScan, scan_dir, scan_file};
pub use filter::{is_placeholder, shannon_entropy};
pub use finding::{FileScan, HashKey, SecretFinding};
pub use history::{
    HistoryOptions, HistoryProgress, HistoryScan, HistoryStats, MissingObject, NoProgress,
    OversizedBlob, scan_history, scan_history_with_progress,
};
pub use redact::{Redacted, marker};
pub use rules::{
    AllowlistSpec, BUILTIN_RULES, Confidence, Rule, RuleAllowlistSpec, RuleConfig, RuleSpec,
    RulesFile,
};
pub use scanner::{BINARY_PROBE_BYTES, ContentScan, Limits, Match, Scanner, Skipped, is_binary};
pub use staged::{StagedScan, scan_staged};

pub use devspm_findings::Severity;

/// Why a scan could not run. Damage inside a repository (a missing blob, an unreadable tree) is
/// not an error: it is recorded in the scan's result and the scan goes on.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("{origin}{}: {reason}", rule.as_ref().map(|r| format!(", rule {r}")).unwrap_or_default())]
    Rules {
        origin: String,
        rule: Option<String>,
        reason: String,
    },
    #[error("{path} is not a git repository: {reason}")]
    NotARepository { path: String, reason: String },
    #[error("cannot read repository {path}: {reason}")]
    Git { path: String, reason: String },
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}
