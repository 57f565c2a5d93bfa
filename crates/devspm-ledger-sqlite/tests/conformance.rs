//! The ledger's conformance suite against SQLite (in memory).

use devspm_ledger_sqlite::SqliteStore;

fn sql(store: &SqliteStore, statement: &str) {
    store.connection().execute_batch(statement).unwrap();
}

devspm_ledger::conformance_tests!(SqliteStore::open_in_memory().unwrap(), sql);
