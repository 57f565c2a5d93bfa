//! The `ledger_meta` names that more than one module uses: analyzers' completion markers, which
//! `store` records and reads and `replica` mirrors from the upstream. It exists so that
//! `store` needs nothing from `replica`: the replica knows the store, not the other way round.

/// The `ledger_meta` names of analyzers' completion markers.
pub(crate) const MARKER_PREFIX: &str = "analyzed:";
