//! The audit side of the ledger, the same on every backend: the leaf of an event, which levels
//! of the Merkle tree are stored, the check of a stored tree against the events, the check of
//! stored checkpoints, the proof types, and [`AuditStore`], the trait a backend implements to
//! serve the tree and the checkpoints.
//!
//! The tree and the checkpoints are not projections: `rebuild` leaves them alone and
//! `verify` recomputes the tree from the events and compares every stored node. A backend
//! supplies the stored nodes (through [`merkle::Nodes`] for proofs and `StoredTree` for the
//! check, [`TreeRows`] for the tree's nodes, roots and proofs); the SQLite ones are in
//! `devspm-ledger-sqlite` (`tree.rs`, `audit.rs`), the PostgreSQL ones in
//! `devspm-ledger-postgres`.

use std::collections::VecDeque;

use crate::checkpoint::{Checkpoint, NoteVerifier};
use crate::merkle::{self, Frontier, Hash, NewNode};
use crate::{ChainProblem, LedgerError};

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
pub const MIN_STORED_LEVEL: u32 = 4;

/// The events (seq, inclusive) a node covers.
pub fn span(level: u32, idx: u64) -> (u64, u64) {
    ((idx << level) + 1, (idx + 1) << level)
}

/// Stored nodes of one level `(index, hash)`, in index order.
pub type StoredPage = Vec<(u64, Vec<u8>)>;

/// The stored nodes of the tree, level by level in index order: what [`TreeChecker`] reads from
/// a backend to compare with the tree it recomputes.
pub trait StoredTree {
    type Error;

    /// Up to `limit` stored nodes `(index, hash)` of `level` whose index is `from` or more, in
    /// index order.
    fn stored_page(&self, level: u32, from: u64, limit: u64) -> Result<StoredPage, Self::Error>;

    /// The lowest index of a stored node of `level` that is `from` or more.
    fn first_stored(&self, level: u32, from: u64) -> Result<Option<u64>, Self::Error>;
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

const PAGE: u64 = 4096;

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
    pub(crate) fn push<S: StoredTree + ?Sized>(
        &mut self,
        stored: &S,
        hash_hex: &str,
    ) -> Result<Option<ChainProblem>, S::Error> {
        self.completed.clear();
        self.frontier
            .push(event_leaf(hash_hex), &mut self.completed);
        for i in 0..self.completed.len() {
            let (level, idx, computed) = self.completed[i];
            if level < MIN_STORED_LEVEL {
                continue;
            }
            let stored = self.next_stored(stored, level)?;
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
    fn next_stored<S: StoredTree + ?Sized>(
        &mut self,
        stored: &S,
        level: u32,
    ) -> Result<Option<(u64, Vec<u8>)>, S::Error> {
        let slot = level as usize;
        if self.pages.len() <= slot {
            self.pages.resize_with(slot + 1, Default::default);
        }
        let (buffer, next) = &mut self.pages[slot];
        if buffer.is_empty() {
            buffer.extend(stored.stored_page(level, *next, PAGE)?);
            if let Some((idx, _)) = buffer.back() {
                *next = idx + 1;
            }
        }
        Ok(buffer.pop_front())
    }

    /// After the last event: stored nodes beyond the events are a problem too.
    pub(crate) fn finish<S: StoredTree + ?Sized>(
        &mut self,
        stored: &S,
    ) -> Result<Option<ChainProblem>, S::Error> {
        let size = self.frontier.size();
        for level in MIN_STORED_LEVEL..64u32 {
            let complete = size >> level;
            if let Some(idx) = stored.first_stored(level, complete)? {
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

/// The rows a backend reads for the tree's nodes: event hashes (the leaves, and the levels
/// below [`MIN_STORED_LEVEL`], recomputed from them) and stored nodes. [`TreeNodes`] turns them
/// into [`merkle::Nodes`], and [`tree_root`], [`inclusion`] and [`consistency`] into what
/// [`AuditStore`] returns, the same on every backend.
pub trait TreeRows {
    /// Where the rows live, for messages.
    fn location(&self) -> &str;

    /// The chain hashes of events `first..=last`, in order (fewer when some are missing).
    fn event_hashes(&mut self, first: u64, last: u64) -> Result<Vec<String>, LedgerError>;

    /// The stored node `(level, idx)` (level ≥ [`MIN_STORED_LEVEL`]), if present.
    fn stored_node(&mut self, level: u32, idx: u64) -> Result<Option<Vec<u8>>, LedgerError>;
}

/// Perfect subtrees from a backend's rows: levels below [`MIN_STORED_LEVEL`] recomputed from
/// the event hashes (one read of up to 8 hashes), the rest read from the stored nodes.
pub struct TreeNodes<R>(pub R);

impl<R: TreeRows> TreeNodes<R> {
    fn tree_error(&self, reason: String) -> LedgerError {
        LedgerError::Tree {
            path: self.0.location().into(),
            reason,
        }
    }
}

impl<R: TreeRows> merkle::Nodes for TreeNodes<R> {
    type Error = LedgerError;

    fn node(&mut self, level: u32, idx: u64) -> Result<Hash, LedgerError> {
        let (first, last) = span(level, idx);
        if level < MIN_STORED_LEVEL {
            let hashes = self.0.event_hashes(first, last)?;
            if hashes.len() as u64 != last - first + 1 {
                return Err(self.tree_error(format!(
                    "event {} is missing, so the Merkle tree cannot be read; run `devspm audit verify`",
                    first + hashes.len() as u64
                )));
            }
            let mut layer: Vec<Hash> = hashes.iter().map(|h| event_leaf(h)).collect();
            while layer.len() > 1 {
                layer = layer
                    .chunks(2)
                    .map(|pair| merkle::node_hash(&pair[0], &pair[1]))
                    .collect();
            }
            return Ok(layer[0]);
        }
        match self.0.stored_node(level, idx)?.map(<[u8; 32]>::try_from) {
            Some(Ok(hash)) => Ok(hash),
            _ => Err(self.tree_error(format!(
                "Merkle tree node (level {level}, index {idx}, over events {first}..={last}) is missing or malformed; run `devspm audit verify`"
            ))),
        }
    }
}

/// Refuses a tree larger than the ledger's `current` size.
fn check_size<R: TreeRows>(
    nodes: &TreeNodes<R>,
    current: u64,
    size: u64,
) -> Result<(), LedgerError> {
    if size > current {
        return Err(nodes.tree_error(format!(
            "the ledger holds {current} events; there is no tree of {size}"
        )));
    }
    Ok(())
}

/// [`AuditStore::tree_root`] over a backend's rows; `current` is the ledger's size.
pub fn tree_root<R: TreeRows>(rows: R, current: u64, size: u64) -> Result<Hash, LedgerError> {
    let mut nodes = TreeNodes(rows);
    check_size(&nodes, current, size)?;
    merkle::root(&mut nodes, size)
}

/// [`AuditStore::inclusion_proof`] over a backend's rows; `current` is the ledger's size.
pub fn inclusion<R: TreeRows>(
    rows: R,
    current: u64,
    seq: u64,
    size: u64,
) -> Result<InclusionProof, LedgerError> {
    let mut nodes = TreeNodes(rows);
    check_size(&nodes, current, size)?;
    if seq == 0 || seq > size {
        return Err(nodes.tree_error(format!(
            "event {seq} is not in the tree of the first {size} events"
        )));
    }
    let path = merkle::inclusion_proof(&mut nodes, seq - 1, size)?
        .map_err(|e| nodes.tree_error(e.to_string()))?;
    let root = merkle::root(&mut nodes, size)?;
    let Some(event_hash) = nodes.0.event_hashes(seq, seq)?.pop() else {
        return Err(nodes.tree_error(format!("event {seq} is missing")));
    };
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

/// [`AuditStore::consistency_proof`] over a backend's rows; `current` is the ledger's size.
pub fn consistency<R: TreeRows>(
    rows: R,
    current: u64,
    old: u64,
    new: u64,
) -> Result<ConsistencyProof, LedgerError> {
    let mut nodes = TreeNodes(rows);
    check_size(&nodes, current, new)?;
    let proof = merkle::consistency_proof(&mut nodes, old, new)?
        .map_err(|e| nodes.tree_error(e.to_string()))?;
    Ok(ConsistencyProof {
        old_size: old,
        new_size: new,
        old_root: merkle::to_hex(&merkle::root(&mut nodes, old)?),
        new_root: merkle::to_hex(&merkle::root(&mut nodes, new)?),
        proof: proof.iter().map(merkle::to_hex).collect(),
    })
}

fn short(hash: &[u8]) -> String {
    let hex = devspm_core::hex::encode(hash);
    hex[..hex.len().min(16)].to_owned()
}

/// Checks the checkpoints stored in the database against the (verified) tree of `size`
/// events: each must be within the ledger, carry the root of the tree at its size, and verify
/// with the key recorded beside it.
pub fn check_stored_checkpoints<S: AuditStore + ?Sized>(
    store: &S,
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

/// The Merkle tree and the checkpoints, beside the [`EventLog`](crate::EventLog).
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
