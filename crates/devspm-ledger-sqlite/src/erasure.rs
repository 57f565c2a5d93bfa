//! Erasure of personal data on an SQLite ledger ([`Privacy`]): `forget` deletes an identity's
//! sealed personal data and every stored message that names it, in the transaction of the
//! `identity_forgotten` event that records it, then scrubs the file so that the erased bytes
//! survive nowhere in it (also after the migration that sealed plaintext personal data).

use devspm_core::{Attachment, NewEvent};

use super::store::SqliteStore;
use crate::pii::{Needles, PiiBook};
use devspm_ledger::{EventLog, ForgetReport, LedgerError, Privacy};

impl SqliteStore {
    /// Rewrites the file so that no deleted bytes survive anywhere in it: VACUUM (every page
    /// rebuilt, free pages dropped), then a checkpoint that truncates the write-ahead log.
    /// Returns whether the log could be truncated (another process reading the database keeps
    /// it from being reset).
    pub(crate) fn scrub(&mut self) -> Result<bool, LedgerError> {
        let err = self.sql_err();
        self.conn.execute_batch("VACUUM").map_err(&err)?;
        let busy: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .map_err(&err)?;
        Ok(busy == 0)
    }
}

impl Privacy for SqliteStore {
    fn forget(&mut self, identity: &str) -> Result<ForgetReport, LedgerError> {
        let err = self.sql_err();
        let aliases: Vec<String> = self
            .conn
            .prepare("SELECT alias_id FROM aliases WHERE identity_id = ?1 ORDER BY alias_id")
            .and_then(|mut s| {
                s.query_map([identity], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()
            })
            .map_err(&err)?;
        if aliases.is_empty() {
            return Err(LedgerError::Refused {
                path: self.path.clone(),
                reason: format!("no aliases are recorded for identity `{identity}`"),
            });
        }
        // What the person is called, for finding the stored messages that name them.
        let book = PiiBook::load(&self.conn).map_err(&err)?;
        let mut values = Vec::new();
        let mut keys = 0u64;
        for alias in &aliases {
            if let Some((name, email)) = book.get(alias) {
                values.push(name.clone());
                values.push(email.clone());
                keys += 1;
            }
        }
        drop(book);
        let (needles, too_short) = Needles::new(values);
        let mut contents = Vec::new();
        if !needles.is_empty() {
            let mut stmt = self
                .conn
                .prepare("SELECT sha256, bytes FROM contents WHERE bytes IS NOT NULL")
                .map_err(&err)?;
            let mut rows = stmt.query([]).map_err(&err)?;
            while let Some(row) = rows.next().map_err(&err)? {
                let bytes: Vec<u8> = row.get(1).map_err(&err)?;
                if needles.found_in(&bytes) {
                    contents.push(row.get::<_, String>(0).map_err(&err)?);
                }
            }
        }
        contents.sort();
        let previous: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM events WHERE kind = 'identity_forgotten' AND subject = ?1",
                [identity],
                |r| r.get(0),
            )
            .map_err(&err)?;
        let payload = devspm_core::event::IdentityForgotten {
            identity: identity.to_owned(),
            aliases: aliases.clone(),
            contents: contents.clone(),
            keys_deleted: keys,
        };
        // The erasure travels with the event that records it: one transaction, all or nothing.
        let event = NewEvent::new(
            format!("forget/{identity}/r{}", previous + 1),
            "devspm:identities-forget",
            identity,
            payload,
        )
        .with_attachments(vec![Attachment::Erasure {
            aliases: aliases.clone(),
            contents: contents.clone(),
        }]);
        // Deleted cells and freed pages are overwritten with zeros, then the file is rebuilt
        // and the write-ahead log truncated, so the erased bytes are nowhere in the files.
        self.conn
            .execute_batch("PRAGMA secure_delete = ON")
            .map_err(&err)?;
        let appended = self.append(vec![event]);
        let scrubbed = appended.as_ref().ok().map(|_| self.scrub());
        self.conn
            .execute_batch("PRAGMA secure_delete = OFF")
            .map_err(&err)?;
        appended?;
        let wal_truncated = scrubbed.transpose()?.unwrap_or(false);
        let event = Self::read_head(&self.conn)
            .map_err(&err)?
            .map_or(0, |h| h.seq);
        Ok(ForgetReport {
            identity: identity.to_owned(),
            event,
            aliases,
            keys_deleted: keys,
            contents_redacted: contents.len() as u64,
            too_short_to_search: too_short.len() as u64,
            scrub_complete: wal_truncated,
        })
    }
}

#[cfg(test)]
mod tests {
    use devspm_core::event::{AliasResolved, IdentityKind};

    use super::*;
    use crate::testing::{commit_event, contains, file_bytes, problem, repo_event};
    use devspm_ledger::{Identities, Integrity, Projections};

    fn resolved(store: &mut SqliteStore, alias: &str, identity: &str) {
        store
            .append(vec![NewEvent::new(
                format!("identity/{identity}/r1"),
                "devspm:test",
                identity,
                devspm_core::event::IdentityRegistered {
                    identity: identity.into(),
                    kind: IdentityKind::Developer,
                    slug: None,
                    team: None,
                },
            )])
            .unwrap();
        store
            .append(vec![NewEvent::new(
                format!("alias/{alias}/r1"),
                "devspm:test",
                identity,
                AliasResolved {
                    alias: alias.into(),
                    identity: identity.into(),
                    rule: "first-alias".into(),
                    via: None,
                    detail: None,
                    resolver: 1,
                },
            )])
            .unwrap();
    }

    #[test]
    fn forget_shreds_keys_redacts_messages_and_still_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        let mut store = SqliteStore::open(&path).unwrap();
        store
            .append(vec![repo_event(), commit_event("c1", &[])])
            .unwrap();
        // A message naming Ann in a trailer, and one that does not.
        let mut named = commit_event("c2", &["c1"]);
        let text = b"Fix\n\nSigned-off-by: ANN LEE <ann@example.org>\n".to_vec();
        let sha = devspm_core::ids::content_hash(&text);
        if let devspm_core::Payload::CommitRecorded(c) = &mut named.payload {
            c.message.sha256 = sha.clone();
            c.message.len = text.len() as u64;
        }
        named.payload_json = named.payload.to_json();
        named.attachments[0] = Attachment::Content {
            sha256: sha.clone(),
            bytes: text,
        };
        store.append(vec![named]).unwrap();
        resolved(&mut store, "a_1", "dev_1");
        let before = store.verify(&mut |_| {}).unwrap();
        assert!(before.problem.is_none(), "{before:?}");

        let report = store.forget("dev_1").unwrap();
        assert_eq!(report.aliases, vec!["a_1".to_owned()]);
        assert_eq!((report.keys_deleted, report.contents_redacted), (1, 1));
        assert!(report.scrub_complete);
        assert!(store.alias_personal_data("a_1").unwrap().is_none());
        assert!(store.content(&sha).unwrap().is_none());
        let after = store.verify(&mut |_| {}).unwrap();
        assert!(after.problem.is_none(), "{after:?}");
        assert_eq!(after.contents_redacted, 1);
        assert_eq!(after.contents_checked, before.contents_checked - 1);
        let rows = store.identities().unwrap();
        assert_eq!(rows[0].name, "dev_1");
        assert!(rows[0].forgotten);
        let bytes = file_bytes(&path);
        assert!(!contains(&bytes, "ann@example.org") && !contains(&bytes, "ann lee"));
        // The event holds ids and addresses only.
        let event = store.events(Some("identity_forgotten"), 0, 10).unwrap();
        assert_eq!(event.len(), 1);
        assert!(
            event[0].payload.contains(&sha) && !event[0].payload.to_lowercase().contains("ann")
        );
        // A rebuild replays the event without complaint.
        store.rebuild(&mut |_| {}).unwrap();
        assert!(problem(&store).is_none());
    }
}
