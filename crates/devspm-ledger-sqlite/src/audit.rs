//! [`AuditStore`] on SQLite: the tree's size and roots, inclusion and consistency proofs read
//! from the stored tree (the backend-neutral algorithms of [`devspm_ledger::audit`] over
//! `tree.rs`'s rows), and the signed checkpoints kept in `checkpoints`.

use rusqlite::params;

use super::store::SqliteStore;
use super::tree::sql_nodes;
use devspm_ledger::audit::{self, AuditStore, ConsistencyProof, InclusionProof, StoredCheckpoint};
use devspm_ledger::checkpoint::Checkpoint;
use devspm_ledger::merkle::{self, Hash};
use devspm_ledger::{EventLog, LedgerError};

impl AuditStore for SqliteStore {
    fn tree_size(&self) -> Result<u64, LedgerError> {
        Ok(self.head()?.map_or(0, |h| h.seq))
    }

    fn tree_root(&self, size: u64) -> Result<Hash, LedgerError> {
        let rows = sql_nodes(self.connection(), self.location()).0;
        audit::tree_root(rows, self.tree_size()?, size)
    }

    fn inclusion_proof(&self, seq: u64, size: u64) -> Result<InclusionProof, LedgerError> {
        let rows = sql_nodes(self.connection(), self.location()).0;
        audit::inclusion(rows, self.tree_size()?, seq, size)
    }

    fn consistency_proof(&self, old: u64, new: u64) -> Result<ConsistencyProof, LedgerError> {
        let rows = sql_nodes(self.connection(), self.location()).0;
        audit::consistency(rows, self.tree_size()?, old, new)
    }

    fn record_checkpoint(
        &mut self,
        checkpoint: &Checkpoint,
        note: &str,
        key_name: &str,
        verifier: &str,
    ) -> Result<u64, LedgerError> {
        // A replica records the checkpoint upstream, then keeps a copy of it.
        if self.has_upstream() {
            return self.record_upstream_checkpoint(checkpoint, note, key_name, verifier);
        }
        let at = jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string();
        self.connection()
            .execute(
                "INSERT INTO checkpoints (origin, tree_size, root_hash, key_name, verifier, note, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    checkpoint.origin,
                    checkpoint.size as i64,
                    merkle::to_hex(&checkpoint.root),
                    key_name,
                    verifier,
                    note,
                    at
                ],
            )
            .map_err(self.sql_err())?;
        Ok(self.connection().last_insert_rowid() as u64)
    }

    fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, LedgerError> {
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT id, origin, tree_size, root_hash, key_name, verifier, note, created_at
                 FROM checkpoints ORDER BY id",
            )
            .map_err(self.sql_err())?;
        stmt.query_map([], |r| {
            Ok(StoredCheckpoint {
                id: r.get::<_, i64>(0)? as u64,
                origin: r.get(1)?,
                tree_size: r.get::<_, i64>(2)? as u64,
                root_hash: r.get(3)?,
                key_name: r.get(4)?,
                verifier: r.get(5)?,
                note: r.get(6)?,
                created_at: r.get(7)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(self.sql_err())
    }
}

#[cfg(test)]
mod tests {
    use devspm_core::NewEvent;
    use devspm_core::event::IngestGap;

    use rusqlite::Connection;

    use super::*;
    use devspm_ledger::audit::event_leaf;
    use devspm_ledger::merkle::Frontier;
    use devspm_ledger::{ChainProblem, Integrity, Projections};

    fn gap(i: u64) -> NewEvent {
        IngestGap {
            repo: "r_1".into(),
            what: "missing_object".into(),
            object: format!("{i:040x}"),
            detail: "test".into(),
        }
        .into_event("devspm:test")
    }

    fn store_with(n: u64, batch: u64) -> SqliteStore {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let mut i = 0;
        while i < n {
            let end = (i + batch).min(n);
            store.append((i..end).map(gap).collect()).unwrap();
            i = end;
        }
        store
    }

    /// The tree rebuilt from scratch over the stored events, as a reference.
    fn reference_root(store: &SqliteStore, size: u64) -> Hash {
        let mut frontier = Frontier::default();
        let mut sink = Vec::new();
        for e in store.events(None, 0, size as usize).unwrap() {
            frontier.push(event_leaf(&e.hash), &mut sink);
        }
        frontier.root()
    }

    fn problem(store: &SqliteStore) -> Option<ChainProblem> {
        store.verify(&mut |_| {}).unwrap().problem
    }

    #[test]
    fn the_tree_grows_with_appends_in_any_batch_sizes() {
        for batch in [1, 3, 7, 100] {
            let store = store_with(37, batch);
            assert_eq!(store.tree_size().unwrap(), 37);
            let nodes: i64 = store
                .connection()
                .query_row("SELECT count(*) FROM merkle_nodes", [], |r| r.get(0))
                .unwrap();
            // One node per completed perfect subtree of level >= 4 (16 events): 2 + 1.
            assert_eq!(nodes, 3);
            for size in 0..=37 {
                assert_eq!(store.tree_root(size).unwrap(), reference_root(&store, size));
            }
            let report = store.verify(&mut |_| {}).unwrap();
            assert!(report.problem.is_none(), "{report:?}");
            assert_eq!(report.tree_nodes_checked, 3);
            assert_eq!(
                report.tree_root.unwrap(),
                merkle::to_hex(&reference_root(&store, 37))
            );
        }
    }

    #[test]
    fn an_existing_schema_3_database_gets_its_tree_on_migration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let expected = {
            let mut store = SqliteStore::open(&path).unwrap();
            store.append((0..21).map(gap).collect()).unwrap();
            reference_root(&store, 21)
        };
        // Make it look like a schema-3 database: no tree, no checkpoints, user_version 3.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(crate::schema::UNDO_SCHEMA_6).unwrap();
        conn.execute_batch(
            "DROP TABLE merkle_nodes; DROP TABLE checkpoints; PRAGMA user_version = 3;",
        )
        .unwrap();
        drop(conn);
        let mut store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.tree_root(21).unwrap(), expected);
        assert!(problem(&store).is_none());
        store.append(vec![gap(100)]).unwrap();
        assert_eq!(store.tree_root(22).unwrap(), reference_root(&store, 22));
        assert!(problem(&store).is_none());
    }

    #[test]
    fn rebuild_keeps_the_tree() {
        let mut store = store_with(10, 4);
        let root = store.tree_root(10).unwrap();
        store.rebuild(&mut |_| {}).unwrap();
        assert_eq!(store.tree_root(10).unwrap(), root);
        assert!(problem(&store).is_none());
    }

    #[test]
    fn a_tampered_tree_is_named() {
        let store = store_with(40, 40);
        store
            .connection()
            .execute(
                "UPDATE merkle_nodes SET hash = zeroblob(32) WHERE level = 4 AND idx = 1",
                [],
            )
            .unwrap();
        let p = problem(&store).unwrap();
        assert_eq!(p.key.as_deref(), Some("merkle/4/1"));
        assert_eq!(p.seq, 32);
        assert!(p.problem.contains("over events 17..=32"), "{}", p.problem);
        assert!(p.problem.contains("does not match"), "{}", p.problem);

        let store = store_with(40, 40);
        store
            .connection()
            .execute("DELETE FROM merkle_nodes WHERE level = 4 AND idx = 0", [])
            .unwrap();
        let p = problem(&store).unwrap();
        assert_eq!(p.key.as_deref(), Some("merkle/4/0"));
        assert!(p.problem.contains("missing"), "{}", p.problem);

        let store = store_with(40, 40);
        store
            .connection()
            .execute(
                "INSERT INTO merkle_nodes (level, idx, hash) VALUES (5, 1, zeroblob(32))",
                [],
            )
            .unwrap();
        let p = problem(&store).unwrap();
        assert!(p.problem.contains("covers events 33..=64"), "{}", p.problem);
    }

    #[test]
    fn events_rewritten_and_rechained_are_caught_by_the_tree() {
        let store = store_with(20, 20);
        // Rewrite event 5 and re-chain everything after it, head included: the chain verifies.
        let events = store.events(None, 0, 100).unwrap();
        let mut prev = events[3].hash.clone();
        for e in &events[4..] {
            let payload = if e.seq == 5 {
                e.payload.replace("test", "forged")
            } else {
                e.payload.clone()
            };
            let hash = devspm_core::event::chain_hash(
                &prev,
                e.seq,
                [&e.key, &e.kind, &e.at, &e.actor, &e.subject, &payload],
            );
            store
                .connection()
                .execute(
                    "UPDATE events SET payload = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4",
                    params![payload, prev, hash, e.seq as i64],
                )
                .unwrap();
            prev = hash;
        }
        store
            .connection()
            .execute(
                "UPDATE ledger_meta SET value = ?1 WHERE name = 'head_hash'",
                [&prev],
            )
            .unwrap();
        let p = problem(&store).unwrap();
        assert_eq!(p.key.as_deref(), Some("merkle/4/0"));
        assert!(p.problem.contains("over events 1..=16"), "{}", p.problem);
    }
}
