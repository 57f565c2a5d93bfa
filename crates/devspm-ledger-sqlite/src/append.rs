//! Appending to an SQLite ledger: the one append path ([`EventLog`] on SQLite) — the events,
//! their attachments, the Merkle tree, the projections and an analyzer's cursor in one
//! transaction — the reads of the event log, and the analyzers' cursors and completion
//! markers ([`AnalyzerState`]). A replica's appends go through its upstream (`replica`).

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::meta::{advance_cursor, read_cursor};
use super::store::SqliteStore;
use super::tree::sql_nodes;
use crate::projection;
use devspm_core::{Attachment, NewEvent};
use devspm_ledger::chain::{ChainAppender, now};
use devspm_ledger::{AnalyzerState, AppendSummary, CursorMove, EventLog, Head, LedgerError};

impl SqliteStore {
    /// Appends events (and optionally moves an analyzer cursor) in one transaction: the body
    /// of [`EventLog::append_stream`].
    fn append_with(
        &mut self,
        events: impl IntoIterator<Item = Result<NewEvent, LedgerError>>,
        cursor: CursorMove<'_>,
    ) -> Result<AppendSummary, LedgerError> {
        let err = self.sql_err();
        let mut summary = AppendSummary::default();
        let mut events = events.into_iter().peekable();
        if events.peek().is_none() && cursor == CursorMove::None {
            return Ok(summary);
        }
        if self.upstream.is_some() {
            return self.append_via_upstream(&mut events, cursor);
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let head = Self::read_head(&tx).map_err(&err)?;
        let head_before = head.as_ref().map_or(0, |h| h.seq);
        let at = now();
        // The Merkle tree grows in the same transaction: its right edge is loaded once per batch
        // (one read per 1-bit of the size) and each event writes the subtrees it completes.
        let mut chain = ChainAppender::after(&mut sql_nodes(&tx, &self.path), head)?;
        {
            // A key already recorded makes the insert a no-op (idempotent append): the event is
            // skipped and the chain does not advance.
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO events (seq, key, kind, at, actor, subject, payload, prev_hash, hash)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (key) DO NOTHING",
                )
                .map_err(&err)?;
            let mut insert_node = tx
                .prepare_cached("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")
                .map_err(&err)?;
            for event in events {
                // An error from the source drops the transaction: nothing is appended.
                let event = event?;
                write_attachments(&tx, &event.attachments).map_err(&err)?;
                let kind = event.kind.as_str();
                let (next, hash) = chain.hash_next([
                    &event.key,
                    kind,
                    &at,
                    &event.actor,
                    &event.subject,
                    &event.payload_json,
                ]);
                let inserted = insert
                    .execute(params![
                        next as i64,
                        event.key,
                        kind,
                        at,
                        event.actor,
                        event.subject,
                        event.payload_json,
                        chain.prev_hash(),
                        hash
                    ])
                    .map_err(&err)?;
                if inserted == 0 {
                    summary.skipped += 1;
                    continue;
                }
                // An error here drops the transaction: the whole batch rolls back.
                projection::apply(&tx, next, &event.payload).map_err(&err)?;
                for (level, idx, node) in chain.accept(hash) {
                    insert_node
                        .execute(params![level, *idx as i64, &node[..]])
                        .map_err(&err)?;
                }
                summary.appended += 1;
            }
        }
        let (seq, prev) = (chain.seq(), chain.prev_hash().to_owned());
        // `ToHead`: the head after this batch — but only for an analyzer that had seen every
        // event before it. Events another writer appended since the analyzer last ran are not
        // in this batch: moving the cursor over them would skip them for good, so the cursor
        // stays where it was and the next catch-up reads them (and this batch again, which
        // appends nothing twice: keys are idempotent).
        advance_cursor(&tx, cursor, seq, |current| current >= head_before).map_err(&err)?;
        if summary.appended > 0 {
            tx.execute(
                "INSERT INTO ledger_meta (name, value) VALUES ('head_seq', ?1), ('head_hash', ?2)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                params![seq.to_string(), prev],
            )
            .map_err(&err)?;
        }
        tx.commit().map_err(&err)?;
        Ok(summary)
    }
}

fn write_attachments(conn: &Connection, attachments: &[Attachment]) -> rusqlite::Result<()> {
    for attachment in attachments {
        match attachment {
            Attachment::Content { sha256, bytes } => {
                conn.prepare_cached(
                    "INSERT OR IGNORE INTO contents (sha256, bytes) VALUES (?1, ?2)",
                )?
                .execute(params![sha256, bytes])?;
            }
            Attachment::AliasPii { alias, name, email } => {
                crate::pii::store(conn, alias, name, email)?;
            }
            Attachment::Erasure { aliases, contents } => {
                crate::pii::erase(conn, aliases, contents)?;
            }
        }
    }
    Ok(())
}

impl EventLog for SqliteStore {
    /// The file, or for a replica the ledger it replicates (the URL without its password).
    fn location(&self) -> &str {
        match &self.upstream {
            Some(upstream) => upstream.location(),
            None => &self.path,
        }
    }

    fn append_stream(
        &mut self,
        events: &mut dyn Iterator<Item = Result<NewEvent, LedgerError>>,
        cursor: CursorMove<'_>,
    ) -> Result<AppendSummary, LedgerError> {
        self.append_with(events, cursor)
    }

    fn content(&self, sha256: &str) -> Result<Option<Vec<u8>>, LedgerError> {
        self.conn
            .prepare_cached("SELECT bytes FROM contents WHERE sha256 = ?1")
            .and_then(|mut s| {
                s.query_row([sha256], |r| r.get::<_, Option<Vec<u8>>>(0))
                    .optional()
            })
            .map(Option::flatten)
            .map_err(self.sql_err())
    }

    fn head(&self) -> Result<Option<Head>, LedgerError> {
        Self::read_head(&self.conn).map_err(self.sql_err())
    }

    fn events(
        &self,
        kind: Option<&str>,
        after_seq: u64,
        limit: usize,
    ) -> Result<Vec<devspm_core::StoredEvent>, LedgerError> {
        let err = self.sql_err();
        self.conn
            .prepare(
                "SELECT seq, key, kind, at, actor, subject, payload, prev_hash, hash FROM events
                 WHERE seq > ?1 AND (?2 IS NULL OR kind = ?2) ORDER BY seq LIMIT ?3",
            )
            .and_then(|mut s| {
                s.query_map(params![after_seq as i64, kind, limit as i64], |r| {
                    Ok(devspm_core::StoredEvent {
                        seq: r.get::<_, i64>(0)? as u64,
                        key: r.get(1)?,
                        kind: r.get(2)?,
                        at: r.get(3)?,
                        actor: r.get(4)?,
                        subject: r.get(5)?,
                        payload: r.get(6)?,
                        prev_hash: r.get(7)?,
                        hash: r.get(8)?,
                    })
                })?
                .collect()
            })
            .map_err(err)
    }
}

impl AnalyzerState for SqliteStore {
    fn cursor(&self, analyzer: &str) -> Result<u64, LedgerError> {
        read_cursor(&self.conn, analyzer).map_err(self.sql_err())
    }

    fn analyzed(&self, analyzer: &str, repo_id: &str) -> Result<Option<String>, LedgerError> {
        self.conn
            .query_row(
                "SELECT value FROM ledger_meta WHERE name = ?1",
                [format!("analyzed:{analyzer}:{repo_id}")],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sql_err())
    }

    fn mark_analyzed(
        &mut self,
        analyzer: &str,
        repo_id: &str,
        state: &str,
    ) -> Result<(), LedgerError> {
        let name = format!("{}{analyzer}:{repo_id}", super::meta::MARKER_PREFIX);
        // A replica's markers are every host's: recorded upstream first.
        self.share_marker(&name, state)?;
        self.conn
            .execute(
                "INSERT INTO ledger_meta (name, value) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                params![name, state],
            )
            .map(drop)
            .map_err(self.sql_err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{commit_event, problem, seeded};
    use devspm_ledger::{IngestState, Integrity};

    #[test]
    fn appends_are_idempotent_and_chained() {
        let mut store = seeded();
        let head = store.head().unwrap().unwrap();
        assert_eq!(head.seq, 4);
        let again = store
            .append(vec![
                commit_event("c2", &["c1"]),
                commit_event("c4", &["c3"]),
            ])
            .unwrap();
        assert_eq!(
            again,
            AppendSummary {
                appended: 1,
                skipped: 1
            }
        );
        let report = store.verify(&mut |_| {}).unwrap();
        assert_eq!(report.events, 5);
        assert_eq!(report.contents_checked, 4);
        assert!(report.problem.is_none(), "{report:?}");
        let events = store.events(Some("commit_recorded"), 0, 10).unwrap();
        assert_eq!(events.len(), 4);
        assert_eq!(
            events[0].prev_hash,
            store.events(None, 0, 1).unwrap()[0].hash
        );
    }

    #[test]
    fn personal_data_stays_out_of_the_chain() {
        let store = seeded();
        let payloads: Vec<String> = store
            .events(None, 0, 100)
            .unwrap()
            .into_iter()
            .map(|e| format!("{}{}{}{}", e.key, e.actor, e.subject, e.payload))
            .collect();
        for text in payloads {
            assert!(
                !text.contains("ann@example.org") && !text.contains("Ann Lee"),
                "{text}"
            );
        }
    }

    #[test]
    fn a_failed_projection_rolls_the_whole_batch_back() {
        let mut store = seeded();
        // A projection table that cannot take the row makes the second event fail.
        store
            .connection()
            .execute_batch("CREATE TRIGGER no_c9 BEFORE INSERT ON commits WHEN NEW.sha = 'c9' BEGIN SELECT RAISE(ABORT, 'refused'); END;")
            .unwrap();
        let err = store
            .append(vec![
                commit_event("c8", &["c3"]),
                commit_event("c9", &["c8"]),
            ])
            .unwrap_err();
        assert!(err.to_string().contains("refused"), "{err}");
        assert_eq!(store.head().unwrap().unwrap().seq, 4);
        assert!(
            !store
                .recorded_commits("r_1")
                .unwrap()
                .commits
                .contains_key("c8")
        );
        assert!(problem(&store).is_none());
    }
}
