//! `verify` on an SQLite ledger: reads the events in one snapshot and checks the hash chain
//! and the recorded head, hands each verified event to the backend-neutral
//! [`TreeChecker`](crate::audit::TreeChecker) (which compares the stored Merkle tree), checks
//! the stored checkpoints, then the contents kept outside the chain and their recorded erasures.

use devspm_core::event::{GENESIS_HASH, chain_hash};

use super::store::SqliteStore;
use crate::audit::{TreeChecker, check_stored_checkpoints};
use crate::{ChainProblem, Head, LedgerError, VerifyReport};

impl SqliteStore {
    /// Re-walks the whole chain (the body of [`Store::verify`]): every event's hash and link,
    /// the head recorded beside the chain, the stored Merkle tree, the stored checkpoints, and
    /// the contents kept outside the chain.
    pub(super) fn verify_ledger(
        &self,
        progress: &mut dyn FnMut(u64),
    ) -> Result<VerifyReport, LedgerError> {
        let err = self.sql_err();
        // One read transaction for the whole check: every statement below reads the same
        // snapshot, so events another process appends meanwhile are neither half-seen nor
        // mistaken for missing ones (the head recorded in `ledger_meta` and the events agree).
        let snapshot = self.conn.unchecked_transaction().map_err(&err)?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, key, kind, at, actor, subject, payload, prev_hash, hash FROM events ORDER BY seq",
            )
            .map_err(&err)?;
        let mut rows = stmt.query([]).map_err(&err)?;
        let mut tree = TreeChecker::new();
        let mut tree_problem = None;
        let mut expected = 1u64;
        let mut prev = GENESIS_HASH.to_owned();
        let mut last: Option<Head> = None;
        let mut problem = None;
        while let Some(row) = rows.next().map_err(&err)? {
            let seq: i64 = row.get(0).map_err(&err)?;
            let key: String = row.get(1).map_err(&err)?;
            let fields: [String; 5] = [
                row.get(2).map_err(&err)?,
                row.get(3).map_err(&err)?,
                row.get(4).map_err(&err)?,
                row.get(5).map_err(&err)?,
                row.get(6).map_err(&err)?,
            ];
            let prev_hash: String = row.get(7).map_err(&err)?;
            let hash: String = row.get(8).map_err(&err)?;
            let seq = seq as u64;
            if seq != expected {
                problem = Some(ChainProblem {
                    seq: expected,
                    key: None,
                    problem: format!(
                        "event {expected} is missing: the chain jumps from event {} to event {seq} (events deleted or renumbered)",
                        expected - 1
                    ),
                });
                break;
            }
            let computed = chain_hash(
                &prev_hash,
                seq,
                [
                    &key, &fields[0], &fields[1], &fields[2], &fields[3], &fields[4],
                ],
            );
            if computed != hash {
                problem = Some(ChainProblem {
                    seq,
                    key: Some(key),
                    problem: format!(
                        "event {seq} was altered: its stored hash does not match its content (kind {}, recorded {})",
                        fields[0], fields[1]
                    ),
                });
                break;
            }
            if prev_hash != prev {
                problem = Some(ChainProblem {
                    seq,
                    key: Some(key),
                    problem: format!(
                        "event {seq} does not follow event {}: its prev_hash is not that event's hash (events removed, reordered or re-hashed)",
                        seq - 1
                    ),
                });
                break;
            }
            // A chain problem takes precedence (it names the event); the first tree problem is
            // reported when the chain itself verifies.
            if tree_problem.is_none() {
                tree_problem = tree.push(&self.conn, &hash).map_err(&err)?;
            }
            prev = hash.clone();
            last = Some(Head { seq, hash });
            expected += 1;
            if seq.is_multiple_of(10_000) {
                progress(seq);
            }
        }
        drop(rows);
        let checked = expected - 1;
        if problem.is_none() {
            let recorded = Self::read_head(&self.conn).map_err(&err)?;
            match (&recorded, &last) {
                (Some(r), Some(l)) if r.seq > l.seq => {
                    problem = Some(ChainProblem {
                        seq: l.seq + 1,
                        key: None,
                        problem: format!(
                            "events {}..={} are missing: the ledger head records {} events but the chain ends at event {}",
                            l.seq + 1,
                            r.seq,
                            r.seq,
                            l.seq
                        ),
                    })
                }
                (Some(r), None) => {
                    problem = Some(ChainProblem {
                        seq: 1,
                        key: None,
                        problem: format!(
                            "every event is missing: the ledger head records {} events but none are stored",
                            r.seq
                        ),
                    })
                }
                (Some(r), Some(l)) if r.seq == l.seq && r.hash != l.hash => {
                    problem = Some(ChainProblem {
                        seq: l.seq,
                        key: None,
                        problem: format!(
                            "event {} is not the event the ledger head recorded (its hash differs)",
                            l.seq
                        ),
                    })
                }
                _ => {}
            }
        }
        if problem.is_none() {
            problem = match tree_problem {
                Some(p) => Some(p),
                None => tree.finish(&self.conn).map_err(&err)?,
            };
        }
        if problem.is_none() {
            problem = check_stored_checkpoints(self, checked)?;
        }
        // Content kept outside the chain must still match the address the chain commits to.
        let mut contents_checked = 0;
        if problem.is_none() {
            let mut stmt = self
                .conn
                .prepare("SELECT sha256, bytes FROM contents WHERE bytes IS NOT NULL")
                .map_err(&err)?;
            let mut rows = stmt.query([]).map_err(&err)?;
            while let Some(row) = rows.next().map_err(&err)? {
                let address: String = row.get(0).map_err(&err)?;
                let bytes: Vec<u8> = row.get(1).map_err(&err)?;
                contents_checked += 1;
                if devspm_core::ids::content_hash(&bytes) != address {
                    problem = Some(ChainProblem {
                        seq: 0,
                        key: Some(format!("content/{address}")),
                        problem: format!(
                            "stored content {address} (a commit message) was altered: its bytes no longer match its SHA-256"
                        ),
                    });
                    break;
                }
            }
        }
        // Content the chain commits to may be absent only where an `identity_forgotten` event
        // records its erasure; anything else missing was deleted behind the ledger's back.
        let mut contents_redacted = 0;
        if problem.is_none() {
            let (redacted, missing) = self.check_erasures().map_err(&err)?;
            contents_redacted = redacted;
            problem = missing;
        }
        drop(snapshot);
        Ok(VerifyReport {
            events: checked,
            head: last,
            contents_checked,
            contents_redacted,
            tree_nodes_checked: tree.nodes_checked(),
            tree_root: (problem.is_none()).then(|| crate::merkle::to_hex(&tree.root())),
            problem,
        })
    }

    /// Counts the contents referred to by `commit_recorded` events that are absent because an
    /// `identity_forgotten` event erased them, and names the first one absent without such a
    /// record.
    fn check_erasures(&self) -> rusqlite::Result<(u64, Option<ChainProblem>)> {
        let mut erased = std::collections::HashSet::new();
        let mut stmt = self
            .conn
            .prepare("SELECT payload FROM events WHERE kind = 'identity_forgotten' ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let payload: String = row.get(0)?;
            // The chain has verified: a payload that does not parse lists nothing.
            if let Ok(p) = serde_json::from_str::<devspm_core::event::IdentityForgotten>(&payload) {
                erased.extend(p.contents);
            }
        }
        drop(rows);
        let mut stmt = self.conn.prepare(
            "SELECT m.seq, m.key, m.sha FROM (
                 SELECT seq, key, json_extract(payload, '$.message.sha256') AS sha
                 FROM events WHERE kind = 'commit_recorded'
             ) m
             WHERE m.sha IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM contents c WHERE c.sha256 = m.sha AND c.bytes IS NOT NULL)
             ORDER BY m.seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut counted = std::collections::HashSet::new();
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            let key: String = row.get(1)?;
            let sha: String = row.get(2)?;
            if erased.contains(&sha) {
                counted.insert(sha);
                continue;
            }
            return Ok((
                counted.len() as u64,
                Some(ChainProblem {
                    seq: 0,
                    key: Some(format!("content/{sha}")),
                    problem: format!(
                        "stored content {sha} (the commit message of event {seq}, {key}) was deleted, and no identity_forgotten event records its erasure"
                    ),
                }),
            ));
        }
        Ok((counted.len() as u64, None))
    }
}
