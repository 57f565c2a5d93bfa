//! `verify` on an SQLite ledger ([`Integrity`]): reads the events in one snapshot and hands them
//! to the backend-neutral [`ChainVerifier`](devspm_ledger::chain::ChainVerifier) (the hash
//! chain, the recorded head, the stored Merkle tree), then checks the stored checkpoints, the
//! contents kept outside the chain and their recorded erasures; the projections are checked by
//! `replay_check`.

use super::store::SqliteStore;
use super::tree::StoredNodes;
use devspm_ledger::audit::check_stored_checkpoints;
use devspm_ledger::chain::{ChainVerifier, ErasureCheck, EventRow, content_problem};
use devspm_ledger::{ChainProblem, Integrity, LedgerError, Projections, VerifyReport};

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

impl Integrity for SqliteStore {
    fn verify(&self, progress: &mut dyn FnMut(u64)) -> Result<VerifyReport, LedgerError> {
        self.verify_ledger(progress)
    }

    fn check_projections_kept(
        &self,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Option<devspm_ledger::ProjectionReport>, LedgerError> {
        self.check_projections(progress).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::params;

    use crate::testing::{problem, seeded};
    use devspm_ledger::EventLog;

    #[test]
    fn an_edited_event_is_named() {
        let store = seeded();
        store
            .connection()
            .execute("UPDATE events SET payload = replace(payload, '1700000000', '1700000001') WHERE seq = 3", [])
            .unwrap();
        let p = problem(&store).unwrap();
        assert_eq!(p.seq, 3);
        assert_eq!(p.key.as_deref(), Some("commit/r_1/c2"));
        assert!(p.problem.contains("altered"), "{}", p.problem);
    }

    #[test]
    fn a_rehashed_event_breaks_the_next_link() {
        let store = seeded();
        let e = store.events(None, 1, 1).unwrap().remove(0);
        let payload = e.payload.replace("1700000000", "1600000000");
        let hash = devspm_core::event::chain_hash(
            &e.prev_hash,
            e.seq,
            [&e.key, &e.kind, &e.at, &e.actor, &e.subject, &payload],
        );
        store
            .connection()
            .execute(
                "UPDATE events SET payload = ?1, hash = ?2 WHERE seq = 2",
                params![payload, hash],
            )
            .unwrap();
        let p = problem(&store).unwrap();
        assert_eq!(p.seq, 3);
        assert!(
            p.problem.contains("does not follow event 2"),
            "{}",
            p.problem
        );
    }

    #[test]
    fn deleted_and_reordered_events_are_named() {
        let store = seeded();
        store
            .connection()
            .execute("DELETE FROM events WHERE seq = 2", [])
            .unwrap();
        let p = problem(&store).unwrap();
        assert_eq!(p.seq, 2);
        assert!(p.problem.contains("missing"), "{}", p.problem);

        let store = seeded();
        let c = store.connection();
        c.execute_batch(
            "UPDATE events SET seq = -3 WHERE seq = 3; UPDATE events SET seq = 3 WHERE seq = 4; UPDATE events SET seq = 4 WHERE seq = -3;",
        )
        .unwrap();
        assert_eq!(problem(&store).unwrap().seq, 3);

        let store = seeded();
        store
            .connection()
            .execute("DELETE FROM events WHERE seq = 4", [])
            .unwrap();
        let p = problem(&store).unwrap();
        assert_eq!(p.seq, 4);
        assert!(p.problem.contains("missing"), "{}", p.problem);
    }

    #[test]
    fn altered_content_outside_the_chain_is_detected() {
        let store = seeded();
        store
            .connection()
            .execute("UPDATE contents SET bytes = CAST('forged' AS BLOB) WHERE sha256 = (SELECT min(sha256) FROM contents)", [])
            .unwrap();
        let p = problem(&store).unwrap();
        assert!(p.problem.contains("content"), "{}", p.problem);
    }

    #[test]
    fn a_message_deleted_without_a_recorded_erasure_is_detected() {
        let store = seeded();
        let sha: String = store
            .connection()
            .query_row("SELECT min(sha256) FROM contents", [], |r| r.get(0))
            .unwrap();
        store
            .connection()
            .execute("DELETE FROM contents WHERE sha256 = ?1", [&sha])
            .unwrap();
        let p = problem(&store).unwrap();
        assert_eq!(p.key, Some(format!("content/{sha}")));
        assert!(
            p.problem.contains("no identity_forgotten event"),
            "{}",
            p.problem
        );
    }
}
