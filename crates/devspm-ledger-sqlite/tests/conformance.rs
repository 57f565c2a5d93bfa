//! The ledger's conformance suite against SQLite (in memory).

use devspm_ledger::EventLog;
use devspm_ledger_sqlite::SqliteStore;

fn sql(store: &SqliteStore, statement: &str) {
    store.connection().execute_batch(statement).unwrap();
}

devspm_ledger::conformance_tests!(SqliteStore::open_in_memory().unwrap(), sql);

// Another writer of an SQLite file appends through the same path, moving no cursor.
devspm_ledger::cursor_conformance_tests!(
    SqliteStore::open_in_memory().unwrap(),
    &mut |s, events| {
        s.append(events).unwrap();
    }
);

/// Runs a test of the store's areas on an empty in-memory store.
fn with_store(test: impl FnOnce(&mut SqliteStore)) {
    test(&mut SqliteStore::open_in_memory().unwrap());
}

devspm_ledger::store_conformance_tests!(with_store);
