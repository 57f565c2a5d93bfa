//! The hash chain, the same on every backend: what the next event's sequence number and hash
//! are while a batch is appended (with the Merkle tree's right edge growing beside it), and the
//! re-walk that `verify` makes over the stored events, in sequence order, naming the first event
//! that is missing, altered or out of place, the recorded head that disagrees, and the stored
//! tree node that does not match. A backend reads and writes rows; the hashes, the tree and the
//! sentences a person reads come from here, so identical events give identical hashes, roots
//! and problems on SQLite and PostgreSQL.

use std::collections::HashSet;

use devspm_core::event::{GENESIS_HASH, chain_hash};

use crate::audit::{MIN_STORED_LEVEL, StoredTree, TreeChecker, event_leaf};
use crate::merkle::{Frontier, NewNode, Nodes};
use crate::{ChainProblem, Head, VerifyReport};

/// The current time as the ledger writes it into `events.at`: RFC 3339, UTC, milliseconds.
pub fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// The hashed fields of an event, in the order [`chain_hash`] takes them after `prev_hash` and
/// `seq`: key, kind, at, actor, subject, payload.
pub type EventFields<'a> = [&'a str; 6];

/// The end of the chain while a batch is appended: the head, and the Merkle tree's right edge.
pub struct ChainAppender {
    seq: u64,
    prev: String,
    frontier: Frontier,
    completed: Vec<NewNode>,
}

impl ChainAppender {
    /// Continues the chain after `head` (`None`: an empty ledger), loading the tree's right
    /// edge from the stored nodes (one read per 1-bit of the head's sequence number).
    pub fn after<N: Nodes>(nodes: &mut N, head: Option<Head>) -> Result<ChainAppender, N::Error> {
        let (seq, prev) = match head {
            Some(h) => (h.seq, h.hash),
            None => (0, GENESIS_HASH.to_owned()),
        };
        Ok(ChainAppender {
            seq,
            frontier: Frontier::load(nodes, seq)?,
            prev,
            completed: Vec::new(),
        })
    }

    /// The sequence number of the last accepted event (0: none).
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The hash of the last accepted event (the genesis hash: none).
    pub fn prev_hash(&self) -> &str {
        &self.prev
    }

    /// The sequence number and hash the next event gets if it is accepted.
    pub fn hash_next(&self, fields: EventFields<'_>) -> (u64, String) {
        let next = self.seq + 1;
        (next, chain_hash(&self.prev, next, fields))
    }

    /// Accepts the event just hashed by [`Self::hash_next`]: it becomes the head and a leaf of
    /// the tree. Returns the tree nodes it completes that are stored (level ≥
    /// [`MIN_STORED_LEVEL`]), as `(level, idx, hash)`.
    pub fn accept(&mut self, hash: String) -> impl Iterator<Item = &NewNode> {
        self.completed.clear();
        self.frontier.push(event_leaf(&hash), &mut self.completed);
        self.seq += 1;
        self.prev = hash;
        self.completed.iter().filter(|n| n.0 >= MIN_STORED_LEVEL)
    }

    /// The head after the accepted events.
    pub fn head(&self) -> Option<Head> {
        (self.seq > 0).then(|| Head {
            seq: self.seq,
            hash: self.prev.clone(),
        })
    }

    /// The tree head over the accepted events.
    pub fn root(&self) -> crate::merkle::Hash {
        self.frontier.root()
    }
}

/// One stored event as `verify` reads it.
#[derive(Clone, Copy, Debug)]
pub struct EventRow<'a> {
    pub seq: u64,
    pub key: &'a str,
    pub kind: &'a str,
    pub at: &'a str,
    pub actor: &'a str,
    pub subject: &'a str,
    pub payload: &'a str,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

/// The re-walk of the chain that `verify` makes: feed it every stored event in sequence order
/// ([`Self::push`]) until it says stop, then [`Self::finish`] with the recorded head.
pub struct ChainVerifier {
    expected: u64,
    prev: String,
    last: Option<Head>,
    tree: TreeChecker,
    tree_problem: Option<ChainProblem>,
    problem: Option<ChainProblem>,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        ChainVerifier {
            expected: 1,
            prev: GENESIS_HASH.to_owned(),
            last: None,
            tree: TreeChecker::new(),
            tree_problem: None,
            problem: None,
        }
    }
}

impl ChainVerifier {
    /// Checks the next stored event: its place, its hash, its link, and the tree nodes it
    /// completes. Returns `false` once the chain is broken (read no further).
    pub fn push<S: StoredTree + ?Sized>(
        &mut self,
        stored: &S,
        e: EventRow<'_>,
    ) -> Result<bool, S::Error> {
        let expected = self.expected;
        if e.seq != expected {
            self.problem = Some(ChainProblem {
                seq: expected,
                key: None,
                problem: format!(
                    "event {expected} is missing: the chain jumps from event {} to event {} (events deleted or renumbered)",
                    expected - 1,
                    e.seq
                ),
            });
            return Ok(false);
        }
        let computed = chain_hash(
            e.prev_hash,
            e.seq,
            [e.key, e.kind, e.at, e.actor, e.subject, e.payload],
        );
        if computed != e.hash {
            self.problem = Some(ChainProblem {
                seq: e.seq,
                key: Some(e.key.to_owned()),
                problem: format!(
                    "event {} was altered: its stored hash does not match its content (kind {}, recorded {})",
                    e.seq, e.kind, e.at
                ),
            });
            return Ok(false);
        }
        if e.prev_hash != self.prev {
            self.problem = Some(ChainProblem {
                seq: e.seq,
                key: Some(e.key.to_owned()),
                problem: format!(
                    "event {} does not follow event {}: its prev_hash is not that event's hash (events removed, reordered or re-hashed)",
                    e.seq,
                    e.seq - 1
                ),
            });
            return Ok(false);
        }
        // A chain problem takes precedence (it names the event); the first tree problem is
        // reported when the chain itself verifies.
        if self.tree_problem.is_none() {
            self.tree_problem = self.tree.push(stored, e.hash)?;
        }
        self.prev.clear();
        self.prev.push_str(e.hash);
        self.last = Some(Head {
            seq: e.seq,
            hash: e.hash.to_owned(),
        });
        self.expected += 1;
        Ok(true)
    }

    /// Events verified so far.
    pub fn checked(&self) -> u64 {
        self.expected - 1
    }

    /// After the last event: the head recorded beside the chain must be the last event, and no
    /// stored tree node may lie beyond the events.
    pub fn finish<S: StoredTree + ?Sized>(
        &mut self,
        stored: &S,
        recorded: Option<&Head>,
    ) -> Result<(), S::Error> {
        if self.problem.is_some() {
            return Ok(());
        }
        self.problem = head_problem(recorded, self.last.as_ref());
        if self.problem.is_none() {
            self.problem = match self.tree_problem.take() {
                Some(p) => Some(p),
                None => self.tree.finish(stored)?,
            };
        }
        Ok(())
    }

    /// The first problem found so far.
    pub fn problem(&self) -> Option<&ChainProblem> {
        self.problem.as_ref()
    }

    /// Records a problem found beyond the chain (a checkpoint, a content), unless one is known.
    pub fn found(&mut self, problem: Option<ChainProblem>) {
        if self.problem.is_none() {
            self.problem = problem;
        }
    }

    /// The report, with what the backend checked of the contents kept outside the chain.
    pub fn report(self, contents_checked: u64, contents_redacted: u64) -> VerifyReport {
        VerifyReport {
            events: self.expected - 1,
            head: self.last,
            contents_checked,
            contents_redacted,
            tree_nodes_checked: self.tree.nodes_checked(),
            tree_root: self
                .problem
                .is_none()
                .then(|| crate::merkle::to_hex(&self.tree.root())),
            problem: self.problem,
        }
    }
}

/// The recorded head against the last event that verified.
fn head_problem(recorded: Option<&Head>, last: Option<&Head>) -> Option<ChainProblem> {
    match (recorded, last) {
        (Some(r), Some(l)) if r.seq > l.seq => Some(ChainProblem {
            seq: l.seq + 1,
            key: None,
            problem: format!(
                "events {}..={} are missing: the ledger head records {} events but the chain ends at event {}",
                l.seq + 1,
                r.seq,
                r.seq,
                l.seq
            ),
        }),
        (Some(r), None) => Some(ChainProblem {
            seq: 1,
            key: None,
            problem: format!(
                "every event is missing: the ledger head records {} events but none are stored",
                r.seq
            ),
        }),
        (Some(r), Some(l)) if r.seq == l.seq && r.hash != l.hash => Some(ChainProblem {
            seq: l.seq,
            key: None,
            problem: format!(
                "event {} is not the event the ledger head recorded (its hash differs)",
                l.seq
            ),
        }),
        _ => None,
    }
}

/// A stored content (kept outside the chain) whose bytes no longer match its address.
pub fn content_problem(address: &str, bytes: &[u8]) -> Option<ChainProblem> {
    (devspm_core::ids::content_hash(bytes) != address).then(|| ChainProblem {
        seq: 0,
        key: Some(format!("content/{address}")),
        problem: format!(
            "stored content {address} (a commit message) was altered: its bytes no longer match its SHA-256"
        ),
    })
}

/// Contents the chain refers to that are absent: allowed only where an `identity_forgotten`
/// event records their erasure. Feed it the payloads of `identity_forgotten` events first, then
/// each absent content with the event that refers to it.
#[derive(Default)]
pub struct ErasureCheck {
    erased: HashSet<String>,
    redacted: HashSet<String>,
}

impl ErasureCheck {
    /// The payload of an `identity_forgotten` event (the chain has verified: a payload that
    /// does not parse lists nothing).
    pub fn forgotten(&mut self, payload: &str) {
        if let Ok(p) = serde_json::from_str::<devspm_core::event::IdentityForgotten>(payload) {
            self.erased.extend(p.contents);
        }
    }

    /// A content `sha` referred to by event `seq` (`key`) that is absent: `Some` problem when
    /// no recorded erasure accounts for it.
    pub fn absent(&mut self, seq: u64, key: &str, sha: &str) -> Option<ChainProblem> {
        if self.erased.contains(sha) {
            self.redacted.insert(sha.to_owned());
            return None;
        }
        Some(ChainProblem {
            seq: 0,
            key: Some(format!("content/{sha}")),
            problem: format!(
                "stored content {sha} (the commit message of event {seq}, {key}) was deleted, and no identity_forgotten event records its erasure"
            ),
        })
    }

    /// Contents absent because a recorded erasure removed them.
    pub fn redacted(&self) -> u64 {
        self.redacted.len() as u64
    }
}
