//! Insider-threat signals as data: the payload of a `signal` event (what a rule of
//! `devspm-posture::signals` observed, about whom, the evidence and the baseline it deviates
//! from), and the listing `devspm signals` renders.
//!
//! A signal names people by identity and alias ids only, like every hashed payload: the
//! explanation says "their 212 earlier commits", never a name or an e-mail, so that erasing a
//! person (`devspm identities forget`) leaves no personal data in the chain. Paths and commit
//! ids are evidence and are kept.

use serde::{Deserialize, Serialize};

/// Severities of signals, highest first (the order listings sort by).
pub const SIGNAL_SEVERITIES: [&str; 4] = ["high", "medium", "low", "info"];

/// The rank of a severity in [`SIGNAL_SEVERITIES`] (0 = highest); unknown names rank last.
pub fn severity_rank(severity: &str) -> usize {
    SIGNAL_SEVERITIES
        .iter()
        .position(|s| *s == severity)
        .unwrap_or(SIGNAL_SEVERITIES.len())
}

/// Payload of [`crate::EventKind::Signal`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signal {
    /// The rule's id (`identity-drift`) and the version of its logic.
    pub rule: String,
    pub version: u32,
    /// `high`, `medium`, `low` or `info`.
    pub severity: String,
    /// The identity the signal is about (an identity id; an alias id when the alias is not
    /// resolved; `repo:<id>` for a signal about a repository, such as a history rewrite).
    pub subject: String,
    /// The alias the observed activity was made under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    pub repo: String,
    /// When the observed activity happened (seconds since the epoch): the commit's committer
    /// time, the event's time.
    pub at: i64,
    /// Evidence: the commits and the events (sequence numbers) the signal rests on.
    pub commits: Vec<String>,
    pub seqs: Vec<u64>,
    /// Evidence: the paths that made it fire, where paths did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// What is normal for the subject, from its own history (or the organisation's).
    pub baseline: String,
    /// What was observed and why it matters, in one or two sentences.
    pub explanation: String,
    /// For statistical rules: the probability of what was observed under the baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<serde_json::Number>,
}

/// One signal as `devspm signals` lists it: the event, and who the subject is.
#[derive(Clone, Debug, Serialize)]
pub struct SignalRow {
    /// The `signal` event's sequence number.
    pub seq: u64,
    #[serde(flatten)]
    pub signal: Signal,
    /// The subject's display name and e-mail (`None` once erased, or for a repository).
    pub name: Option<String>,
    pub email: Option<String>,
    /// The repository's display name.
    pub repo_name: String,
}

/// Signals of one rule about one subject in one repository, as the default view groups them.
#[derive(Clone, Debug, Serialize)]
pub struct SignalGroup {
    pub rule: String,
    /// The highest severity among the group's signals.
    pub severity: String,
    pub subject: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub repo: String,
    pub repo_name: String,
    /// How many signals, and the first and last time of the activity they observed.
    pub count: u64,
    pub first_at: i64,
    pub last_at: i64,
    /// The signals, highest severity and newest first.
    pub signals: Vec<SignalRow>,
}

/// What `devspm signals` shows.
#[derive(Clone, Debug, Serialize)]
pub struct SignalsReport {
    /// The lowest severity shown.
    pub min_severity: String,
    /// Whether every signal is listed (`--all`) rather than grouped.
    pub all: bool,
    /// Signals on record (whatever the filters) and how many the filters kept.
    pub total: u64,
    pub shown: u64,
    /// Kept signals per severity, highest first.
    pub by_severity: Vec<(String, u64)>,
    /// Grouped by rule, subject and repository; highest severity first.
    pub groups: Vec<SignalGroup>,
}
