//! [`Caches`] on SQLite: the host's caches kept in tables of its file beside the record — the
//! blame of file versions attribution reuses (`blame_cache`) and the blobs the secret detector
//! has read (`secret_scanned_blobs`). Not events and not projections: `verify` and `rebuild`
//! neither check nor rebuild them, a replica sends nothing of them upstream, and deleting their
//! rows only costs the work again.

use std::collections::HashSet;

use devspm_ledger::{Caches, LedgerError};
use rusqlite::{OptionalExtension, params};

use crate::SqliteStore;

impl Caches for SqliteStore {
    fn blame_cached(
        &self,
        repo: &str,
        path: &str,
        blob: &str,
    ) -> Result<Option<String>, LedgerError> {
        let err = self.sql_err();
        self.connection()
            .prepare_cached(
                "SELECT lines FROM blame_cache WHERE repo_id = ?1 AND path = ?2 AND blob = ?3",
            )
            .map_err(&err)?
            .query_row(params![repo, path, blob], |r| r.get(0))
            .optional()
            .map_err(&err)
    }

    fn cache_blame(
        &mut self,
        repo: &str,
        path: &str,
        blob: &str,
        json: &str,
    ) -> Result<(), LedgerError> {
        let err = self.sql_err();
        self.connection()
            .prepare_cached(
                "INSERT OR REPLACE INTO blame_cache (repo_id, path, blob, lines) VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(&err)?
            .execute(params![repo, path, blob, json])
            .map_err(&err)?;
        Ok(())
    }

    fn scanned_blobs(&self, repo_id: &str, rules: &str) -> Result<HashSet<String>, LedgerError> {
        let err = self.sql_err();
        let mut stmt = self
            .connection()
            .prepare("SELECT blob FROM secret_scanned_blobs WHERE repo_id = ?1 AND rules = ?2")
            .map_err(&err)?;
        let rows = stmt
            .query_map(params![repo_id, rules], |r| r.get(0))
            .map_err(&err)?;
        rows.collect::<Result<HashSet<String>, _>>().map_err(&err)
    }

    fn add_scanned_blobs(
        &mut self,
        repo_id: &str,
        rules: &str,
        blobs: &[String],
    ) -> Result<(), LedgerError> {
        let err = self.sql_err();
        let tx = self.connection_mut().transaction().map_err(&err)?;
        {
            let mut insert = tx
                .prepare(
                    "INSERT OR IGNORE INTO secret_scanned_blobs (repo_id, rules, blob) VALUES (?1, ?2, ?3)",
                )
                .map_err(&err)?;
            for blob in blobs {
                insert
                    .execute(params![repo_id, rules, blob])
                    .map_err(&err)?;
            }
        }
        tx.commit().map_err(&err)
    }
}
