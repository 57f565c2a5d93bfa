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

/// The tests of a store with analyzer cursors, against an SQLite replica of a PostgreSQL
/// ledger (where the cursors live: the replica sends the batch upstream and moves the cursor
/// in its own transaction). The other writer is another host, appending to PostgreSQL.
mod replica {
    use devspm_ledger::{EventLog, conformance};
    use devspm_ledger_postgres::{Open, PgStore};
    use devspm_ledger_sqlite::SqliteStore;

    /// A replica of a new ledger, a second connection to that ledger, the replica's folder.
    fn replica() -> (SqliteStore, PgStore, tempfile::TempDir) {
        let upstream = super::fresh();
        let other = PgStore::open(upstream.scratch_url().unwrap(), Open::Existing).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let store =
            SqliteStore::open_replica(&dir.path().join("replica.db"), Box::new(upstream), None)
                .unwrap();
        (store, other, dir)
    }

    #[test]
    fn conformance_cursors_move_with_their_batch() {
        let (store, mut other, _dir) = replica();
        conformance::cursors_move_with_their_batch(store, &mut |_, events| {
            other.append(events).unwrap();
        });
    }

    #[test]
    fn conformance_a_source_error_rolls_the_batch_back() {
        let (store, _other, _dir) = replica();
        conformance::a_source_error_rolls_the_batch_back(store);
    }
}

/// PostgreSQL keeps no analyzer cursors: an append that would move one is refused, and
/// nothing of it is appended.
#[test]
fn a_cursor_move_is_refused_before_anything_is_appended() {
    use devspm_ledger::{CursorMove, EventLog};
    let mut store = fresh();
    let to = CursorMove::To {
        analyzer: "a",
        seq: 1,
    };
    for cursor in [to, CursorMove::ToHead { analyzer: "a" }] {
        let mut events = [devspm_ledger::conformance::gap(1)].into_iter().map(Ok);
        let error = store.append_stream(&mut events, cursor).unwrap_err();
        assert!(
            error.to_string().contains("keeps no analyzer cursors"),
            "{error}"
        );
        assert_eq!(store.head().unwrap(), None);
    }
}
