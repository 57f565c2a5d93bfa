//! The audit side of the ledger: the stored Merkle tree (reading perfect subtrees from SQLite,
//! building it for databases that predate it, checking it against the events), proofs, and
//! the signed checkpoints recorded in the database.
//!
//! The tree and the checkpoints are not projections: `rebuild` leaves them alone and
//! `verify` recomputes the tree from the events and compares every stored node.

use std::collections::VecDeque;

use rusqlite::{Connection, OptionalExtension, params};

use crate::checkpoint::{Checkpoint, NoteVerifier};
use crate::merkle::{self, Frontier, Hash, NewNode, Nodes};
use crate::{ChainProblem, LedgerError, SqliteStore, Store};

/// The leaf of an event: its chain hash as 32 raw bytes, hashed as an RFC 6962 leaf.
pub fn event_leaf(hash_hex: &str) -> Hash {
    match devspm_core::hex::decode(hash_hex) {
        Some(raw) => merkle::leaf_hash(&raw),
        // A malformed stored hash still hashes deterministically (the chain check names it).
        None => merkle::leaf_hash(hash_hex.as_bytes()),
    }
}

/// The lowest level of the tree that is stored. Levels below it (subtrees of up to 8 events)
/// are recomputed from the events when a proof needs them: storing every node cost one insert
/// per event at ingest (+8% on git/git), storing from level 4 up costs one per 16 events, and a
/// proof reads at most 15 more event hashes.
pub(crate) const MIN_STORED_LEVEL: u32 = 4;

/// Perfect subtrees read from the database: levels below [`MIN_STORED_LEVEL`] recomputed from
/// `events.hash`, the rest from `merkle_nodes`.
pub(crate) struct SqlNodes<'c> {
    conn: &'c Connection,
    path: &'c str,
}

impl<'c> SqlNodes<'c> {
    pub(crate) fn new(conn: &'c Connection, path: &'c str) -> SqlNodes<'c> {
        SqlNodes { conn, path }
    }
}

impl Nodes for SqlNodes<'_> {
    type Error = LedgerError;

    fn node(&mut self, level: u32, idx: u64) -> Result<Hash, LedgerError> {
        let sql_err = |e| crate::sqlite::map_sql_error(self.path, e);
        if level == 0 {
            let hash: Option<String> = self
                .conn
                .prepare_cached("SELECT hash FROM events WHERE seq = ?1")
                .and_then(|mut s| s.query_row([idx as i64 + 1], |r| r.get(0)).optional())
                .map_err(sql_err)?;
            return hash.map(|h| event_leaf(&h)).ok_or_else(|| LedgerError::Tree {
                path: self.path.into(),
                reason: format!(
                    "event {} is missing, so the Merkle tree cannot be read; run `devspm audit verify`",
                    idx + 1
                ),
            });
        }
        if level < MIN_STORED_LEVEL {
            let left = self.node(level - 1, idx * 2)?;
            let right = self.node(level - 1, idx * 2 + 1)?;
            return Ok(merkle::node_hash(&left, &right));
        }
        let hash: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT hash FROM merkle_nodes WHERE level = ?1 AND idx = ?2")
            .and_then(|mut s| {
                s.query_row(params![level, idx as i64], |r| {
                    Ok(r.get_ref(0)?
                        .as_bytes()
                        .map(<[u8]>::to_vec)
                        .unwrap_or_default())
                })
                .optional()
            })
            .map_err(sql_err)?;
        let (first, last) = span(level, idx);
        hash.and_then(|h| h.try_into().ok())
            .ok_or_else(|| LedgerError::Tree {
                path: self.path.into(),
                reason: format!(
                    "Merkle tree node (level {level}, index {idx}, over events {first}..={last}) is missing or malformed; run `devspm audit verify`"
                ),
            })
    }
}

/// The events (seq, inclusive) a node covers.
fn span(level: u32, idx: u64) -> (u64, u64) {
    ((idx << level) + 1, (idx + 1) << level)
}

/// Builds the stored tree over every event (the migration to schema 4), in the caller's
/// transaction.
pub(crate) fn build_tree(conn: &Connection, path: &str) -> Result<(), LedgerError> {
    let err = |e| crate::sqlite::map_sql_error(path, e);
    let mut frontier = Frontier::default();
    let mut completed = Vec::new();
    let mut insert = conn
        .prepare("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")
        .map_err(err)?;
    let mut stmt = conn
        .prepare("SELECT hash FROM events ORDER BY seq")
        .map_err(err)?;
    let mut rows = stmt.query([]).map_err(err)?;
    while let Some(row) = rows.next().map_err(err)? {
        let hash: String = row.get(0).map_err(err)?;
        completed.clear();
        frontier.push(event_leaf(&hash), &mut completed);
        for (level, idx, node) in completed.iter().filter(|n| n.0 >= MIN_STORED_LEVEL) {
            insert
                .execute(params![level, *idx as i64, &node[..]])
                .map_err(err)?;
        }
    }
    Ok(())
}

/// Recomputes the tree while `verify` walks the events, and compares each completed node with
/// the stored one, reading the stored nodes level by level in pages (memory O(log n)).
pub(crate) struct TreeChecker {
    frontier: Frontier,
    completed: Vec<NewNode>,
    /// Per level: stored nodes read ahead, and the next index to read.
    pages: Vec<Page>,
    checked: u64,
}

const PAGE: i64 = 4096;

/// Stored nodes of one level read ahead (index, hash), and the next index to read.
type Page = (VecDeque<(u64, Vec<u8>)>, u64);

impl TreeChecker {
    pub(crate) fn new() -> TreeChecker {
        TreeChecker {
            frontier: Frontier::default(),
            completed: Vec::new(),
            pages: Vec::new(),
            checked: 0,
        }
    }

    pub(crate) fn nodes_checked(&self) -> u64 {
        self.checked
    }

    pub(crate) fn root(&self) -> Hash {
        self.frontier.root()
    }

    /// Adds the next (verified) event; the first stored node that differs is the problem.
    pub(crate) fn push(
        &mut self,
        conn: &Connection,
        hash_hex: &str,
    ) -> rusqlite::Result<Option<ChainProblem>> {
        self.completed.clear();
        self.frontier
            .push(event_leaf(hash_hex), &mut self.completed);
        for i in 0..self.completed.len() {
            let (level, idx, computed) = self.completed[i];
            if level < MIN_STORED_LEVEL {
                continue;
            }
            let stored = self.next_stored(conn, level)?;
            let (first, last) = span(level, idx);
            let node = format!(
                "Merkle tree node (level {level}, index {idx}, over events {first}..={last})"
            );
            let problem = match stored {
                Some((at, _)) if at != idx => Some(format!(
                    "{node} is missing from the stored tree (the tree was altered)"
                )),
                None => Some(format!(
                    "{node} is missing from the stored tree (the tree was altered)"
                )),
                Some((_, hash)) if hash != computed => Some(format!(
                    "{node} does not match the events: stored {}, recomputed {} (the stored tree was altered, or these events were rewritten and re-chained)",
                    short(&hash),
                    &merkle::to_hex(&computed)[..16]
                )),
                Some(_) => None,
            };
            if let Some(problem) = problem {
                return Ok(Some(ChainProblem {
                    seq: last,
                    key: Some(format!("merkle/{level}/{idx}")),
                    problem,
                }));
            }
            self.checked += 1;
        }
        Ok(None)
    }

    /// The next stored node of `level` (consumed).
    fn next_stored(
        &mut self,
        conn: &Connection,
        level: u32,
    ) -> rusqlite::Result<Option<(u64, Vec<u8>)>> {
        let slot = level as usize;
        if self.pages.len() <= slot {
            self.pages.resize_with(slot + 1, Default::default);
        }
        let (buffer, next) = &mut self.pages[slot];
        if buffer.is_empty() {
            let mut stmt = conn.prepare_cached(
                "SELECT idx, hash FROM merkle_nodes WHERE level = ?1 AND idx >= ?2 ORDER BY idx LIMIT ?3",
            )?;
            let mut rows = stmt.query(params![level, *next as i64, PAGE])?;
            while let Some(row) = rows.next()? {
                let idx = row.get::<_, i64>(0)? as u64;
                let hash = row
                    .get_ref(1)?
                    .as_bytes()
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default();
                *next = idx + 1;
                buffer.push_back((idx, hash));
            }
        }
        Ok(buffer.pop_front())
    }

    /// After the last event: stored nodes beyond the events are a problem too.
    pub(crate) fn finish(&mut self, conn: &Connection) -> rusqlite::Result<Option<ChainProblem>> {
        let size = self.frontier.size();
        let mut stmt = conn.prepare_cached(
            "SELECT idx FROM merkle_nodes WHERE level = ?1 AND idx >= ?2 ORDER BY idx LIMIT 1",
        )?;
        for level in MIN_STORED_LEVEL..64u32 {
            let complete = size >> level;
            if let Some(idx) = stmt
                .query_row(params![level, complete as i64], |r| r.get::<_, i64>(0))
                .optional()?
            {
                let idx = idx as u64;
                let (first, last) = span(level, idx);
                return Ok(Some(ChainProblem {
                    seq: first.min(size + 1),
                    key: Some(format!("merkle/{level}/{idx}")),
                    problem: format!(
                        "Merkle tree node (level {level}, index {idx}) covers events {first}..={last} but the ledger holds {size} events (events were deleted, or the tree was altered)"
                    ),
                }));
            }
            if complete == 0 {
                break;
            }
        }
        Ok(None)
    }
}

fn short(hash: &[u8]) -> String {
    let hex = devspm_core::hex::encode(hash);
    hex[..hex.len().min(16)].to_owned()
}

/// Checks the checkpoints stored in the database against the (verified) tree of `size`
/// events: each must be within the ledger, carry the root of the tree at its size, and verify
/// with the key recorded beside it.
pub(crate) fn check_stored_checkpoints(
    store: &SqliteStore,
    size: u64,
) -> Result<Option<ChainProblem>, LedgerError> {
    for cp in store.checkpoints()? {
        let problem = if cp.tree_size > size {
            Some(format!(
                "checkpoint #{} signs a tree of {} events but the ledger holds only {size}: the database was rolled back to an older copy or its newest events were deleted",
                cp.id, cp.tree_size
            ))
        } else if merkle::to_hex(&store.tree_root(cp.tree_size)?) != cp.root_hash {
            Some(format!(
                "checkpoint #{} signs root {} for the first {} events but the ledger's tree of that size has another root: events were rewritten after it was signed",
                cp.id,
                &cp.root_hash[..16.min(cp.root_hash.len())],
                cp.tree_size
            ))
        } else {
            match NoteVerifier::parse(&cp.verifier).and_then(|v| v.verify_checkpoint(&cp.note)) {
                Ok(parsed)
                    if parsed.size == cp.tree_size
                        && merkle::to_hex(&parsed.root) == cp.root_hash =>
                {
                    None
                }
                Ok(_) => Some(format!(
                    "checkpoint #{}: its note does not state the size and root recorded beside it (altered)",
                    cp.id
                )),
                Err(e) => Some(format!("checkpoint #{} does not verify: {e}", cp.id)),
            }
        };
        if let Some(problem) = problem {
            return Ok(Some(ChainProblem {
                seq: cp.tree_size.min(size + 1),
                key: Some(format!("checkpoint/{}", cp.id)),
                problem,
            }));
        }
    }
    Ok(None)
}

/// An inclusion proof of one event.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InclusionProof {
    pub seq: u64,
    pub leaf_index: u64,
    pub tree_size: u64,
    /// The event's chain hash (the leaf data).
    pub event_hash: String,
    /// SHA-256(0x00 ‖ event hash).
    pub leaf_hash: String,
    pub root_hash: String,
    /// Sibling hashes from the leaf up (RFC 6962 `PATH`).
    pub audit_path: Vec<String>,
}

/// A consistency proof between two tree sizes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConsistencyProof {
    pub old_size: u64,
    pub new_size: u64,
    pub old_root: String,
    pub new_root: String,
    /// RFC 6962 `PROOF(old, D[new])`.
    pub proof: Vec<String>,
}

/// A checkpoint signed and recorded by `devspm audit checkpoint`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StoredCheckpoint {
    pub id: u64,
    pub origin: String,
    pub tree_size: u64,
    pub root_hash: String,
    pub key_name: String,
    /// The verifier key string of the signer.
    pub verifier: String,
    /// The whole signed note.
    pub note: String,
    pub created_at: String,
}

/// The Merkle tree and the checkpoints, beside [`Store`].
pub trait AuditStore {
    /// Leaves in the tree: the number of events.
    fn tree_size(&self) -> Result<u64, LedgerError>;

    /// The root of the tree of the first `size` events (from O(log n) stored nodes).
    fn tree_root(&self, size: u64) -> Result<Hash, LedgerError>;

    /// The inclusion proof of event `seq` in the tree of `size` events.
    fn inclusion_proof(&self, seq: u64, size: u64) -> Result<InclusionProof, LedgerError>;

    /// The consistency proof between the trees of `old` and `new` events.
    fn consistency_proof(&self, old: u64, new: u64) -> Result<ConsistencyProof, LedgerError>;

    /// Records a signed checkpoint (already verified by the caller against `verifier`).
    fn record_checkpoint(
        &mut self,
        checkpoint: &Checkpoint,
        note: &str,
        key_name: &str,
        verifier: &str,
    ) -> Result<u64, LedgerError>;

    /// Every recorded checkpoint, oldest first.
    fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, LedgerError>;
}

impl SqliteStore {
    fn tree_error(&self, reason: String) -> LedgerError {
        LedgerError::Tree {
            path: self.location().into(),
            reason,
        }
    }

    fn check_size(&self, size: u64) -> Result<(), LedgerError> {
        let current = self.tree_size()?;
        if size > current {
            return Err(self.tree_error(format!(
                "the ledger holds {current} events; there is no tree of {size}"
            )));
        }
        Ok(())
    }
}

impl AuditStore for SqliteStore {
    fn tree_size(&self) -> Result<u64, LedgerError> {
        Ok(self.head()?.map_or(0, |h| h.seq))
    }

    fn tree_root(&self, size: u64) -> Result<Hash, LedgerError> {
        self.check_size(size)?;
        merkle::root(&mut SqlNodes::new(self.connection(), self.location()), size)
    }

    fn inclusion_proof(&self, seq: u64, size: u64) -> Result<InclusionProof, LedgerError> {
        self.check_size(size)?;
        if seq == 0 || seq > size {
            return Err(self.tree_error(format!(
                "event {seq} is not in the tree of the first {size} events"
            )));
        }
        let mut nodes = SqlNodes::new(self.connection(), self.location());
        let path = merkle::inclusion_proof(&mut nodes, seq - 1, size)?
            .map_err(|e| self.tree_error(e.to_string()))?;
        let root = merkle::root(&mut nodes, size)?;
        let event_hash: String = self
            .connection()
            .query_row(
                "SELECT hash FROM events WHERE seq = ?1",
                [seq as i64],
                |r| r.get(0),
            )
            .map_err(self.sql_err())?;
        Ok(InclusionProof {
            seq,
            leaf_index: seq - 1,
            tree_size: size,
            leaf_hash: merkle::to_hex(&event_leaf(&event_hash)),
            event_hash,
            root_hash: merkle::to_hex(&root),
            audit_path: path.iter().map(merkle::to_hex).collect(),
        })
    }

    fn consistency_proof(&self, old: u64, new: u64) -> Result<ConsistencyProof, LedgerError> {
        self.check_size(new)?;
        let mut nodes = SqlNodes::new(self.connection(), self.location());
        let proof = merkle::consistency_proof(&mut nodes, old, new)?
            .map_err(|e| self.tree_error(e.to_string()))?;
        Ok(ConsistencyProof {
            old_size: old,
            new_size: new,
            old_root: merkle::to_hex(&merkle::root(&mut nodes, old)?),
            new_root: merkle::to_hex(&merkle::root(&mut nodes, new)?),
            proof: proof.iter().map(merkle::to_hex).collect(),
        })
    }

    fn record_checkpoint(
        &mut self,
        checkpoint: &Checkpoint,
        note: &str,
        key_name: &str,
        verifier: &str,
    ) -> Result<u64, LedgerError> {
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

    use super::*;
    use crate::checkpoint::NoteSigner;

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
    fn proofs_from_the_store_verify() {
        let store = store_with(100, 13);
        for size in [1u64, 2, 50, 64, 99, 100] {
            let root = store.tree_root(size).unwrap();
            for seq in 1..=size {
                let p = store.inclusion_proof(seq, size).unwrap();
                let path: Vec<Hash> = p
                    .audit_path
                    .iter()
                    .map(|h| merkle::from_hex(h).unwrap())
                    .collect();
                merkle::verify_inclusion(
                    &merkle::from_hex(&p.leaf_hash).unwrap(),
                    p.leaf_index,
                    size,
                    &path,
                    &root,
                )
                .unwrap();
            }
            for old in 0..=size {
                let c = store.consistency_proof(old, size).unwrap();
                let path: Vec<Hash> = c
                    .proof
                    .iter()
                    .map(|h| merkle::from_hex(h).unwrap())
                    .collect();
                merkle::verify_consistency(
                    old,
                    size,
                    &merkle::from_hex(&c.old_root).unwrap(),
                    &root,
                    &path,
                )
                .unwrap();
            }
        }
        assert!(store.inclusion_proof(101, 100).is_err());
        assert!(store.inclusion_proof(1, 101).is_err());
        assert!(store.consistency_proof(5, 101).is_err());
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
        conn.execute_batch(crate::sqlite::UNDO_SCHEMA_6).unwrap();
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

    #[test]
    fn stored_checkpoints_are_checked_by_verify() {
        let mut store = store_with(9, 9);
        let signer = NoteSigner::generate("devspm/test").unwrap();
        let root = store.tree_root(9).unwrap();
        let note = signer.sign_checkpoint("devspm/test", 9, &root).unwrap();
        let cp = Checkpoint::parse(&note).unwrap();
        let verifier = signer.verifier().to_key_string();
        store
            .record_checkpoint(&cp, &note, "devspm/test", &verifier)
            .unwrap();
        assert!(problem(&store).is_none());
        store
            .connection()
            .execute(
                "UPDATE checkpoints SET root_hash = ?1",
                [merkle::to_hex(&[1; 32])],
            )
            .unwrap();
        assert!(problem(&store).unwrap().problem.contains("another root"));
    }
}
