//! `verify` on an SQLite ledger: reads the events in one snapshot and hands them to the
//! backend-neutral [`ChainVerifier`](crate::chain::ChainVerifier) (the hash chain, the recorded
//! head, the stored Merkle tree), then checks the stored checkpoints, the contents kept outside
//! the chain and their recorded erasures.

use super::store::SqliteStore;
use super::tree::StoredNodes;
use devspm_ledger::audit::check_stored_checkpoints;
use devspm_ledger::chain::{ChainVerifier, ErasureCheck, EventRow, content_problem};
use devspm_ledger::{ChainProblem, LedgerError, VerifyReport};

impl SqliteStore {
    /// Re-walks the whole chain (the body of [`Integrity::verify`](crate::Integrity::verify)):
    /// every event's hash and link, the head recorded beside the chain, the stored Merkle tree,
    /// the stored checkpoints, and the contents kept outside the chain.
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
        let mut chain = ChainVerifier::default();
        while let Some(row) = rows.next().map_err(&err)? {
            let text = |i| row.get_ref(i).and_then(|v| Ok(v.as_str()?)).map_err(&err);
            let seq = row.get::<_, i64>(0).map_err(&err)? as u64;
            let event = EventRow {
                seq,
                key: text(1)?,
                kind: text(2)?,
                at: text(3)?,
                actor: text(4)?,
                subject: text(5)?,
                payload: text(6)?,
                prev_hash: text(7)?,
                hash: text(8)?,
            };
            if !chain.push(&StoredNodes(&self.conn), event).map_err(&err)? {
                break;
            }
            if seq.is_multiple_of(10_000) {
                progress(seq);
            }
        }
        drop(rows);
        let recorded = Self::read_head(&self.conn).map_err(&err)?;
        chain
            .finish(&StoredNodes(&self.conn), recorded.as_ref())
            .map_err(&err)?;
        if chain.problem().is_none() {
            chain.found(check_stored_checkpoints(self, chain.checked())?);
        }
        // Content kept outside the chain must still match the address the chain commits to.
        let mut contents_checked = 0;
        if chain.problem().is_none() {
            let mut stmt = self
                .conn
                .prepare("SELECT sha256, bytes FROM contents WHERE bytes IS NOT NULL")
                .map_err(&err)?;
            let mut rows = stmt.query([]).map_err(&err)?;
            while let Some(row) = rows.next().map_err(&err)? {
                let address: String = row.get(0).map_err(&err)?;
                let bytes: Vec<u8> = row.get(1).map_err(&err)?;
                contents_checked += 1;
                if let Some(problem) = content_problem(&address, &bytes) {
                    chain.found(Some(problem));
                    break;
                }
            }
        }
        // Content the chain commits to may be absent only where an `identity_forgotten` event
        // records its erasure; anything else missing was deleted behind the ledger's back.
        let mut contents_redacted = 0;
        if chain.problem().is_none() {
            let (redacted, missing) = self.check_erasures().map_err(&err)?;
            contents_redacted = redacted;
            chain.found(missing);
        }
        drop(snapshot);
        Ok(chain.report(contents_checked, contents_redacted))
    }

    /// Counts the contents referred to by `commit_recorded` events that are absent because an
    /// `identity_forgotten` event erased them, and names the first one absent without such a
    /// record.
    fn check_erasures(&self) -> rusqlite::Result<(u64, Option<ChainProblem>)> {
        let mut check = ErasureCheck::default();
        let mut stmt = self
            .conn
            .prepare("SELECT payload FROM events WHERE kind = 'identity_forgotten' ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            check.forgotten(row.get_ref(0)?.as_str()?);
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
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            let key: String = row.get(1)?;
            let sha: String = row.get(2)?;
            if let Some(problem) = check.absent(seq as u64, &key, &sha) {
                return Ok((check.redacted(), Some(problem)));
            }
        }
        Ok((check.redacted(), None))
    }
}
