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

    /// Runs a test of the store's areas on an SQLite replica of a new PostgreSQL ledger: every
    /// append goes to PostgreSQL, the system of record, and comes back into the replica's
    /// projections. The database is dropped with the replica (which owns its upstream).
    fn with_replica(test: impl FnOnce(&mut SqliteStore)) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open_replica(
            &dir.path().join("replica.db"),
            Box::new(super::fresh()),
            None,
        )
        .unwrap();
        test(&mut store);
        drop(store);
    }

    devspm_ledger::store_conformance_tests!(with_replica);

    /// PostgreSQL is the system of record for every host: what one host's replica appends,
    /// another host's replica reads alike, and what one host's `forget` erases is gone from
    /// PostgreSQL, so a replica opened afterwards never sees it. (A test of two replicas: it
    /// has no counterpart on a lone SQLite file.)
    #[test]
    fn another_hosts_replica_reads_the_same_and_nothing_forgotten() {
        use devspm_ledger::{Identities, IngestState, Integrity, Privacy};
        let dir = tempfile::tempdir().unwrap();
        let upstream = super::fresh();
        let url = upstream.scratch_url().unwrap().to_owned();
        let mut first =
            SqliteStore::open_replica(&dir.path().join("first.db"), Box::new(upstream), None)
                .unwrap();
        let second = |name: &str| {
            let upstream = PgStore::open(&url, Open::Existing).unwrap();
            SqliteStore::open_replica(&dir.path().join(name), Box::new(upstream), None).unwrap()
        };
        for batch in [conformance::history(), conformance::resolutions()] {
            first.append(batch).unwrap();
        }
        let identities = |store: &SqliteStore| {
            serde_json::to_value(store.identity_detail("dev_1").unwrap()).unwrap()
        };
        let other = second("second.db");
        assert_eq!(identities(&other), identities(&first));
        assert_eq!(other.alias_book().unwrap().len(), 2);
        drop(other);

        first.forget("dev_1").unwrap();
        let message = devspm_core::ids::content_hash(conformance::C3_MESSAGE);
        // The replica that was open before, caught up on opening, and one opened anew.
        for name in ["second.db", "third.db"] {
            let other = second(name);
            assert_eq!(identities(&other), identities(&first), "{name}");
            assert!(other.alias_book().unwrap().is_empty(), "{name}");
            assert_eq!(other.alias_personal_data("a_1").unwrap(), None, "{name}");
            assert_eq!(other.content(&message).unwrap(), None, "{name}");
            let report = other.verify(&mut |_| {}).unwrap();
            assert!(report.problem.is_none(), "{name}: {report:?}");
            assert_eq!(report.contents_redacted, 1, "{name}");
        }
        let detail = first.identity_detail("dev_1").unwrap().remove(0);
        assert!(detail.row.forgotten);
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
