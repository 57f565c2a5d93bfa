//! The schema of an SQLite ledger: the migrations that bring a file to this build's version
//! when it is opened for writing, and the check that refuses, without writing, a file this
//! build cannot read (a newer devspm's, another application's, one with tables devspm did not
//! create).

use rusqlite::TransactionBehavior;

use super::store::SqliteStore;
use super::tree::build_tree;
use crate::SCHEMA_VERSION;
use devspm_ledger::LedgerError;

/// Marks a SQLite file as a devspm database (`PRAGMA application_id`): "dspm".
const APPLICATION_ID: i64 = 0x6473_706d;

/// Schema migrations, in order; migration `i` brings the schema to version `i + 1`.
const MIGRATIONS: [&str; 10] = [
    include_str!("../migrations/0001_ledger.sql"),
    include_str!("../migrations/0002_ai.sql"),
    include_str!("../migrations/0003_findings.sql"),
    include_str!("../migrations/0004_merkle.sql"),
    include_str!("../migrations/0005_pii.sql"),
    include_str!("../migrations/0006_governance.sql"),
    include_str!("../migrations/0007_withdrawn_imports.sql"),
    include_str!("../migrations/0008_triage.sql"),
    include_str!("../migrations/0009_inline_marker.sql"),
    include_str!("../migrations/0010_scanner_suppression.sql"),
];

/// For tests that make a database look older: takes out what schema 6 added, so that its
/// migration can run again.
#[cfg(test)]
pub(crate) const UNDO_SCHEMA_6: &str = "DROP INDEX tools_seen_key; DROP INDEX tools_seen_name;
     ALTER TABLE tools_seen DROP COLUMN version; ALTER TABLE tools_seen DROP COLUMN line;
     ALTER TABLE tools_seen DROP COLUMN first_seq;
     CREATE UNIQUE INDEX tools_seen_key ON tools_seen (repo_id, path, name);
     DROP TABLE workstation_tools; DROP TABLE advisory_sources; DROP TABLE advisories;
     DROP TABLE advisory_packages; DROP TABLE secret_scanned_blobs;";

/// The migration that creates the Merkle tree, which is then built over the existing events in
/// the same transaction.
const MERKLE_MIGRATION: i64 = 4;

/// The migration that encrypts personal data at rest: the plaintext rows of schema 4 are sealed
/// in Rust in the migration's transaction, then the file is scrubbed of the plaintext.
const PII_MIGRATION: i64 = 5;

/// The migration that lets imports be withdrawn (`finding_imports.withdrawn_seq`).
const WITHDRAWN_MIGRATION: i64 = 7;

impl SqliteStore {
    /// Refuses files that are not devspm databases this build can read, without writing.
    pub(super) fn check_compatible(&self) -> Result<(), LedgerError> {
        let err = self.sql_err();
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(&err)?;
        let app: i64 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(&err)?;
        if version > SCHEMA_VERSION {
            return Err(LedgerError::NewerSchema {
                path: self.path.clone(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if app != APPLICATION_ID && app != 0 {
            return Err(LedgerError::NotADatabase {
                path: self.path.clone(),
                reason: format!(
                    "an SQLite database of another application (application_id {app:#x})"
                ),
            });
        }
        if version == 0 {
            let tables: i64 = self
                .conn
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
                .map_err(&err)?;
            if tables > 0 {
                return Err(LedgerError::NotADatabase {
                    path: self.path.clone(),
                    reason: "an SQLite database with tables devspm did not create".into(),
                });
            }
        }
        Ok(())
    }

    pub(super) fn migrate(&mut self) -> Result<(), LedgerError> {
        let err = self.sql_err();
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(&err)?;
        let mut sealed = 0;
        for (index, sql) in MIGRATIONS.iter().enumerate() {
            let target = index as i64 + 1;
            if target <= version {
                continue;
            }
            if target == PII_MIGRATION && version > 0 {
                // The dropped plaintext table's pages are zeroed as they are freed.
                self.conn
                    .execute_batch("PRAGMA secure_delete = ON")
                    .map_err(&err)?;
            }
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(&err)?;
            // A file whose personal data is already sealed (its version number set back by
            // hand, as tests of older migrations do) keeps its sealed tables.
            let already_sealed = target == PII_MIGRATION
                && tx
                    .query_row(
                        "SELECT count(*) FROM pragma_table_info('alias_pii') WHERE name = 'sealed'",
                        [],
                        |r| r.get::<_, i64>(0),
                    )
                    .map_err(&err)?
                    > 0;
            // A file whose version number was set back by hand (as tests of older migrations
            // do) may already have the column this migration adds.
            let already_withdrawable = target == WITHDRAWN_MIGRATION
                && tx
                    .query_row(
                        "SELECT count(*) FROM pragma_table_info('finding_imports') WHERE name = 'withdrawn_seq'",
                        [],
                        |r| r.get::<_, i64>(0),
                    )
                    .map_err(&err)?
                    > 0;
            if !already_sealed && !already_withdrawable {
                tx.execute_batch(sql).map_err(|e| {
                    let reason = match &e {
                        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
                        rusqlite::Error::SqliteFailure(f, Some(msg)) => format!("{msg} ({f})"),
                        other => other.to_string(),
                    };
                    LedgerError::Refused {
                        path: self.path.clone(),
                        reason: format!(
                            "cannot bring its schema from version {version} to {target} ({reason}): the file records schema version {version} but already holds tables of a later one, so its version number was changed outside devspm or the file is damaged; restore it from a backup, or set `PRAGMA user_version` back to the version its tables have"
                        ),
                    }
                })?;
            }
            if target == MERKLE_MIGRATION {
                build_tree(&tx, &self.path)?;
            }
            if target == PII_MIGRATION && !already_sealed {
                sealed = crate::pii::migrate_plaintext(&tx).map_err(&err)?;
            }
            tx.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {target};"
            ))
            .map_err(&err)?;
            tx.commit().map_err(&err)?;
        }
        if version > 0 && version < PII_MIGRATION {
            // No copy of the plaintext may survive in free pages or the write-ahead log.
            if sealed > 0 {
                self.scrub()?;
            }
            self.conn
                .execute_batch("PRAGMA secure_delete = OFF")
                .map_err(&err)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;
    use crate::testing::{commit_event, contains, file_bytes, problem, repo_event};
    use devspm_ledger::{EventLog, IngestState};

    #[test]
    fn personal_data_is_sealed_and_a_schema_4_file_is_migrated() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        {
            let mut store = SqliteStore::open(&path).unwrap();
            store
                .append(vec![repo_event(), commit_event("c1", &[])])
                .unwrap();
            let (name, email) = store.alias_personal_data("a_1").unwrap().unwrap();
            assert_eq!(
                (name.as_slice(), email.as_slice()),
                (&b"Ann Lee"[..], &b"ann@example.org"[..])
            );
        }
        assert!(!contains(&file_bytes(&path), "ann@example.org"));
        // Back to schema 4: personal data in plaintext.
        Connection::open(&path)
            .unwrap()
            .execute_batch(UNDO_SCHEMA_6)
            .unwrap();
        Connection::open(&path)
            .unwrap()
            .execute_batch(
                "DROP TABLE alias_pii; DROP TABLE pii_keys;
                 CREATE TABLE alias_pii (alias_id TEXT PRIMARY KEY, name BLOB NOT NULL, email BLOB NOT NULL) WITHOUT ROWID;
                 INSERT INTO alias_pii VALUES ('a_1', CAST('Ann Lee' AS BLOB), CAST('ann@example.org' AS BLOB));
                 PRAGMA user_version = 4;",
            )
            .unwrap();
        assert!(contains(&file_bytes(&path), "ann@example.org"));
        let store = SqliteStore::open(&path).unwrap();
        let book = store.alias_book().unwrap();
        assert_eq!(book.entries().len(), 1);
        assert_eq!(
            store.alias_personal_data("a_1").unwrap().unwrap().1,
            b"ann@example.org"
        );
        assert!(problem(&store).is_none());
        drop(store);
        let bytes = file_bytes(&path);
        assert!(!contains(&bytes, "ann@example.org") && !contains(&bytes, "ann lee"));
    }

    #[test]
    fn schema_versions_and_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        let newer = dir.path().join("newer.db");
        drop(SqliteStore::open(&newer).unwrap());
        Connection::open(&newer)
            .unwrap()
            .execute_batch("PRAGMA user_version = 99")
            .unwrap();
        let err = SqliteStore::open(&newer).err().unwrap();
        assert!(
            matches!(err, LedgerError::NewerSchema { found: 99, .. }),
            "{err}"
        );

        let garbage = dir.path().join("garbage.db");
        std::fs::write(&garbage, vec![0x5a; 8192]).unwrap();
        let err = SqliteStore::open(&garbage).err().unwrap();
        assert!(matches!(err, LedgerError::NotADatabase { .. }), "{err}");

        let other = dir.path().join("other.db");
        Connection::open(&other)
            .unwrap()
            .execute_batch("CREATE TABLE t (x)")
            .unwrap();
        let err = SqliteStore::open(&other).err().unwrap();
        assert!(err.to_string().contains("did not create"), "{err}");

        let err = SqliteStore::open(dir.path()).err().unwrap();
        assert!(err.to_string().contains("directory"), "{err}");

        // A version number set back by hand: one sentence that says so, not the migration's
        // SQL.
        let lowered = dir.path().join("lowered.db");
        drop(SqliteStore::open(&lowered).unwrap());
        Connection::open(&lowered)
            .unwrap()
            .execute_batch("PRAGMA user_version = 3")
            .unwrap();
        let err = SqliteStore::open(&lowered).err().unwrap().to_string();
        assert!(
            err.contains(
                "cannot bring its schema from version 3 to 4 (table merkle_nodes already exists)"
            ) && err.contains("its version number was changed outside devspm"),
            "{err}"
        );
        assert!(!err.contains("CREATE") && !err.contains("--"), "{err}");
        assert!(err.len() < 500, "{err}");
    }
}
