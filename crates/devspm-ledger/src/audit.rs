//! The audit side of the ledger, the same on every backend: the leaf of an event, which levels
//! of the Merkle tree are stored, the check of a stored tree against the events, the check of
//! stored checkpoints, the proof types, and [`AuditStore`], the trait a backend implements to
//! serve the tree and the checkpoints.
//!
//! The tree and the checkpoints are not projections: `rebuild` leaves them alone and
//! `verify` recomputes the tree from the events and compares every stored node. A backend
//! supplies the stored nodes (through [`merkle::Nodes`] for proofs and `StoredTree` for the
//! check); the SQLite ones are in `sqlite/tree.rs` and `sqlite/audit.rs`.

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
pub(crate) const MIN_STORED_LEVEL: u32 = 4;

/// The events (seq, inclusive) a node covers.
pub(crate) fn span(level: u32, idx: u64) -> (u64, u64) {
    ((idx << level) + 1, (idx + 1) << level)
}

/// Stored nodes of one level `(index, hash)`, in index order.
pub(crate) type StoredPage = Vec<(u64, Vec<u8>)>;

/// The stored nodes of the tree, level by level in index order: what [`TreeChecker`] reads from
/// a backend to compare with the tree it recomputes.
pub(crate) trait StoredTree {
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

fn short(hash: &[u8]) -> String {
    let hex = devspm_core::hex::encode(hash);
    hex[..hex.len().min(16)].to_owned()
}

/// Checks the checkpoints stored in the database against the (verified) tree of `size`
/// events: each must be within the ledger, carry the root of the tree at its size, and verify
/// with the key recorded beside it.
pub(crate) fn check_stored_checkpoints<S: AuditStore + ?Sized>(
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
