//! The ledger's conformance suite against PostgreSQL: each test in its own database on the
//! server of `$DEVSPM_TEST_POSTGRES_URL` (default: the local server), dropped afterwards.

use devspm_ledger_postgres::PgStore;

fn fresh() -> PgStore {
    let server = std::env::var("DEVSPM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    PgStore::scratch(&server).unwrap_or_else(|e| {
        panic!("PostgreSQL is needed for these tests ($DEVSPM_TEST_POSTGRES_URL): {e}")
    })
}

fn sql(store: &PgStore, statement: &str) {
    store.execute_for_tests(statement).unwrap();
}

devspm_ledger::conformance_tests!(fresh(), sql);
