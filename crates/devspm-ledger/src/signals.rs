//! What the insider-threat signals read and list: the history of every identity (commits
//! without their files), every alias with its identity and personal data, and the recorded
//! `signal` events.
//!
//! [`SignalStore`] is backend-neutral; `devspm-ledger-sqlite` implements it. Signals have no
//! projection of their own: a listing reads their events, which are few.

use devspm_core::posture::{AliasFact, HistoryCommit};
use devspm_core::signal::Signal;

use crate::LedgerError;

/// The signal queries; implemented by every store backend.
pub trait SignalStore {
    /// Every recorded commit (reachable or not), in no particular order.
    fn signal_history(&self) -> Result<Vec<HistoryCommit>, LedgerError>;

    /// Every alias, with its identity, the identity's kind and the alias's personal data.
    fn signal_aliases(&self) -> Result<Vec<AliasFact>, LedgerError>;

    /// Every recorded `signal` event: (sequence number, signal), oldest first.
    fn recorded_signals(&self) -> Result<Vec<(u64, Signal)>, LedgerError>;
}
