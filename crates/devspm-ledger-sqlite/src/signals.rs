//! [`SignalStore`] on SQLite: the `commits` projection read in table order (one scan, no
//! index: on git/git 85,000 rows take a fraction of a second) and the `signal` events through
//! the events' `(kind, seq)` index.

use std::collections::HashMap;

use devspm_core::posture::{AliasFact, HistoryCommit};
use devspm_core::signal::Signal;
use devspm_ledger::{EventLog, LedgerError, SignalStore};

use crate::SqliteStore;

impl SignalStore for SqliteStore {
    fn signal_history(&self) -> Result<Vec<HistoryCommit>, LedgerError> {
        let err = self.sql_err();
        let mut stmt = self
            .connection()
            .prepare(
                "SELECT repo_id, sha, seq, author_alias, committer_alias, author_time,
                        author_offset, committer_time, committer_offset, parent_count,
                        lines_added, lines_removed, signature,
                        CASE WHEN signature <> 'none' THEN
                            (SELECT json_extract(e.payload, '$.signing_key') FROM events e WHERE e.seq = commits.seq)
                        END
                 FROM commits",
            )
            .map_err(&err)?;
        let mut rows = stmt.query([]).map_err(&err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&err)? {
            let count = |i: usize| -> Result<u64, LedgerError> {
                Ok(r.get::<_, Option<i64>>(i)
                    .map_err(&err)?
                    .unwrap_or(0)
                    .max(0) as u64)
            };
            out.push(HistoryCommit {
                repo: r.get(0).map_err(&err)?,
                sha: r.get(1).map_err(&err)?,
                seq: count(2)?,
                author_alias: r.get(3).map_err(&err)?,
                committer_alias: r.get(4).map_err(&err)?,
                author_time: r.get(5).map_err(&err)?,
                author_offset: r.get(6).map_err(&err)?,
                committer_time: r.get(7).map_err(&err)?,
                committer_offset: r.get(8).map_err(&err)?,
                parent_count: r.get(9).map_err(&err)?,
                lines_added: count(10)?,
                lines_removed: count(11)?,
                signature: r.get(12).map_err(&err)?,
                signing_key: r.get(13).map_err(&err)?,
            });
        }
        Ok(out)
    }

    fn signal_aliases(&self) -> Result<Vec<AliasFact>, LedgerError> {
        let err = self.sql_err();
        let conn = self.connection();
        let book = crate::pii::PiiBook::load(conn).map_err(&err)?;
        let mut kinds: HashMap<String, String> = HashMap::new();
        {
            let mut stmt = conn
                .prepare("SELECT identity_id, kind FROM identities")
                .map_err(&err)?;
            let mut rows = stmt.query([]).map_err(&err)?;
            while let Some(r) = rows.next().map_err(&err)? {
                kinds.insert(r.get(0).map_err(&err)?, r.get(1).map_err(&err)?);
            }
        }
        // Aliases that appear in commits but were never resolved are listed too.
        let mut stmt = conn
            .prepare(
                "SELECT p.alias_id, a.identity_id FROM alias_pii p
                 LEFT JOIN aliases a ON a.alias_id = p.alias_id
                 UNION
                 SELECT a.alias_id, a.identity_id FROM aliases a
                 ORDER BY 1",
            )
            .map_err(&err)?;
        let mut rows = stmt.query([]).map_err(&err)?;
        let mut out: Vec<AliasFact> = Vec::new();
        while let Some(r) = rows.next().map_err(&err)? {
            let alias: String = r.get(0).map_err(&err)?;
            let identity: Option<String> = r.get(1).map_err(&err)?;
            if let Some(last) = out.last_mut()
                && last.alias == alias
            {
                if last.identity.is_none() {
                    last.kind = identity.as_ref().and_then(|i| kinds.get(i).cloned());
                    last.identity = identity;
                }
                continue;
            }
            let (name, email) = book.text(&alias).unzip();
            out.push(AliasFact {
                kind: identity.as_ref().and_then(|i| kinds.get(i).cloned()),
                identity,
                name,
                email,
                alias,
            });
        }
        Ok(out)
    }

    fn recorded_signals(&self) -> Result<Vec<(u64, Signal)>, LedgerError> {
        let err = self.sql_err();
        let mut stmt = self
            .connection()
            .prepare("SELECT seq, payload FROM events WHERE kind = 'signal' ORDER BY seq")
            .map_err(&err)?;
        let mut rows = stmt.query([]).map_err(&err)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(&err)? {
            let seq = r.get::<_, i64>(0).map_err(&err)? as u64;
            let payload: String = r.get(1).map_err(&err)?;
            let signal: Signal =
                serde_json::from_str(&payload).map_err(|e| LedgerError::BadEvent {
                    path: self.location().to_owned(),
                    seq,
                    reason: e.to_string(),
                })?;
            out.push((seq, signal));
        }
        Ok(out)
    }
}
