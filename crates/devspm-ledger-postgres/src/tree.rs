//! The Merkle tree and the checkpoints on PostgreSQL: the rows the ledger's backend-neutral
//! tree code reads ([`PgRows`]: event hashes and `merkle_nodes`), and [`AuditStore`] (roots,
//! inclusion and consistency proofs, signed checkpoints) over them.

use std::cell::RefCell;

use devspm_ledger::audit::{
    self, AuditStore, ConsistencyProof, InclusionProof, StoredCheckpoint, StoredPage, StoredTree,
    TreeRows,
};
use devspm_ledger::checkpoint::Checkpoint;
use devspm_ledger::merkle::{self, Hash};
use devspm_ledger::{EventLog, LedgerError};
use postgres::GenericClient;

use crate::PgStore;
use crate::error::map;

/// The tree's rows read through one connection or transaction.
pub(crate) struct PgRows<'a, C> {
    client: &'a mut C,
    location: &'a str,
}

impl<'a, C: GenericClient> PgRows<'a, C> {
    pub(crate) fn new(client: &'a mut C, location: &'a str) -> PgRows<'a, C> {
        PgRows { client, location }
    }
}

impl<C: GenericClient> TreeRows for PgRows<'_, C> {
    fn location(&self) -> &str {
        self.location
    }

    fn event_hashes(&mut self, first: u64, last: u64) -> Result<Vec<String>, LedgerError> {
        self.client
            .query(
                "SELECT hash FROM events WHERE seq BETWEEN $1 AND $2 ORDER BY seq",
                &[&(first as i64), &(last as i64)],
            )
            .map(|rows| rows.iter().map(|r| r.get(0)).collect())
            .map_err(|e| map(self.location, e))
    }

    fn stored_node(&mut self, level: u32, idx: u64) -> Result<Option<Vec<u8>>, LedgerError> {
        self.client
            .query_opt(
                "SELECT hash FROM merkle_nodes WHERE level = $1 AND idx = $2",
                &[&(level as i32), &(idx as i64)],
            )
            .map(|row| row.map(|r| r.get(0)))
            .map_err(|e| map(self.location, e))
    }
}

/// The stored nodes as `verify`'s tree check reads them (in pages, level by level), through a
/// transaction that is also reading the events (between two fetches of its portal).
pub(crate) struct PgStoredTree<'a, C>(pub(crate) &'a RefCell<C>);

impl<C: GenericClient> StoredTree for PgStoredTree<'_, C> {
    type Error = postgres::Error;

    fn stored_page(&self, level: u32, from: u64, limit: u64) -> Result<StoredPage, Self::Error> {
        let rows = self.0.borrow_mut().query(
            "SELECT idx, hash FROM merkle_nodes WHERE level = $1 AND idx >= $2 ORDER BY idx LIMIT $3",
            &[&(level as i32), &(from as i64), &(limit as i64)],
        )?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<_, i64>(0) as u64, r.get::<_, Vec<u8>>(1)))
            .collect())
    }

    fn first_stored(&self, level: u32, from: u64) -> Result<Option<u64>, Self::Error> {
        Ok(self
            .0
            .borrow_mut()
            .query_opt(
                "SELECT idx FROM merkle_nodes WHERE level = $1 AND idx >= $2 ORDER BY idx LIMIT 1",
                &[&(level as i32), &(from as i64)],
            )?
            .map(|r| r.get::<_, i64>(0) as u64))
    }
}

impl AuditStore for PgStore {
    fn tree_size(&self) -> Result<u64, LedgerError> {
        Ok(self.head()?.map_or(0, |h| h.seq))
    }

    fn tree_root(&self, size: u64) -> Result<Hash, LedgerError> {
        let current = self.tree_size()?;
        let mut client = self.client.borrow_mut();
        audit::tree_root(PgRows::new(&mut *client, &self.location), current, size)
    }

    fn inclusion_proof(&self, seq: u64, size: u64) -> Result<InclusionProof, LedgerError> {
        let current = self.tree_size()?;
        let mut client = self.client.borrow_mut();
        audit::inclusion(
            PgRows::new(&mut *client, &self.location),
            current,
            seq,
            size,
        )
    }

    fn consistency_proof(&self, old: u64, new: u64) -> Result<ConsistencyProof, LedgerError> {
        let current = self.tree_size()?;
        let mut client = self.client.borrow_mut();
        audit::consistency(PgRows::new(&mut *client, &self.location), current, old, new)
    }

    fn record_checkpoint(
        &mut self,
        checkpoint: &Checkpoint,
        note: &str,
        key_name: &str,
        verifier: &str,
    ) -> Result<u64, LedgerError> {
        let at = devspm_ledger::chain::now();
        self.with(|c| {
            let mut tx = c.transaction()?;
            // Ids are assigned in order, one writer at a time.
            tx.execute("LOCK TABLE checkpoints IN EXCLUSIVE MODE", &[])?;
            let id: i64 = tx
                .query_one("SELECT coalesce(max(id), 0) + 1 FROM checkpoints", &[])?
                .get(0);
            tx.execute(
                "INSERT INTO checkpoints (id, origin, tree_size, root_hash, key_name, verifier, note, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &id,
                    &checkpoint.origin,
                    &(checkpoint.size as i64),
                    &merkle::to_hex(&checkpoint.root),
                    &key_name,
                    &verifier,
                    &note,
                    &at,
                ],
            )?;
            tx.commit()?;
            Ok(id as u64)
        })
    }

    fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, LedgerError> {
        self.with(|c| {
            let rows = c.query(
                "SELECT id, origin, tree_size, root_hash, key_name, verifier, note, created_at
                 FROM checkpoints ORDER BY id",
                &[],
            )?;
            Ok(rows
                .iter()
                .map(|r| StoredCheckpoint {
                    id: r.get::<_, i64>(0) as u64,
                    origin: r.get(1),
                    tree_size: r.get::<_, i64>(2) as u64,
                    root_hash: r.get(3),
                    key_name: r.get(4),
                    verifier: r.get(5),
                    note: r.get(6),
                    created_at: r.get(7),
                })
                .collect())
        })
    }
}
