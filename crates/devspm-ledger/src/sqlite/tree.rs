//! The Merkle tree stored in SQLite (`merkle_nodes`, levels from [`MIN_STORED_LEVEL`] up; the
//! levels below recomputed from `events.hash`): perfect subtrees read for proofs and appends
//! ([`SqlNodes`]), the stored nodes read in pages for `verify`'s tree check, and the tree built
//! over the events of a database that predates it.

use rusqlite::{Connection, OptionalExtension, params};

use super::error::map_sql_error;
use crate::LedgerError;
use crate::audit::{MIN_STORED_LEVEL, StoredPage, StoredTree, event_leaf, span};
use crate::merkle::{self, Frontier, Hash, Nodes};

/// Perfect subtrees read from the database: levels below [`MIN_STORED_LEVEL`] recomputed from
/// `events.hash`, the rest from `merkle_nodes`.
pub(crate) struct SqlNodes<'c> {
    conn: &'c Connection,
    path: &'c str,
}

impl<'c> SqlNodes<'c> {
    pub(crate) fn new(conn: &'c Connection, path: &'c str) -> SqlNodes<'c> {
        SqlNodes { conn, path }
    }
}

impl Nodes for SqlNodes<'_> {
    type Error = LedgerError;

    fn node(&mut self, level: u32, idx: u64) -> Result<Hash, LedgerError> {
        let sql_err = |e| map_sql_error(self.path, e);
        if level == 0 {
            let hash: Option<String> = self
                .conn
                .prepare_cached("SELECT hash FROM events WHERE seq = ?1")
                .and_then(|mut s| s.query_row([idx as i64 + 1], |r| r.get(0)).optional())
                .map_err(sql_err)?;
            return hash.map(|h| event_leaf(&h)).ok_or_else(|| LedgerError::Tree {
                path: self.path.into(),
                reason: format!(
                    "event {} is missing, so the Merkle tree cannot be read; run `devspm audit verify`",
                    idx + 1
                ),
            });
        }
        if level < MIN_STORED_LEVEL {
            let left = self.node(level - 1, idx * 2)?;
            let right = self.node(level - 1, idx * 2 + 1)?;
            return Ok(merkle::node_hash(&left, &right));
        }
        let hash: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT hash FROM merkle_nodes WHERE level = ?1 AND idx = ?2")
            .and_then(|mut s| {
                s.query_row(params![level, idx as i64], |r| {
                    Ok(r.get_ref(0)?
                        .as_bytes()
                        .map(<[u8]>::to_vec)
                        .unwrap_or_default())
                })
                .optional()
            })
            .map_err(sql_err)?;
        let (first, last) = span(level, idx);
        hash.and_then(|h| h.try_into().ok())
            .ok_or_else(|| LedgerError::Tree {
                path: self.path.into(),
                reason: format!(
                    "Merkle tree node (level {level}, index {idx}, over events {first}..={last}) is missing or malformed; run `devspm audit verify`"
                ),
            })
    }
}

/// Builds the stored tree over every event (the migration to schema 4), in the caller's
/// transaction.
pub(crate) fn build_tree(conn: &Connection, path: &str) -> Result<(), LedgerError> {
    let err = |e| map_sql_error(path, e);
    let mut frontier = Frontier::default();
    let mut completed = Vec::new();
    let mut insert = conn
        .prepare("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")
        .map_err(err)?;
    let mut stmt = conn
        .prepare("SELECT hash FROM events ORDER BY seq")
        .map_err(err)?;
    let mut rows = stmt.query([]).map_err(err)?;
    while let Some(row) = rows.next().map_err(err)? {
        let hash: String = row.get(0).map_err(err)?;
        completed.clear();
        frontier.push(event_leaf(&hash), &mut completed);
        for (level, idx, node) in completed.iter().filter(|n| n.0 >= MIN_STORED_LEVEL) {
            insert
                .execute(params![level, *idx as i64, &node[..]])
                .map_err(err)?;
        }
    }
    Ok(())
}

impl StoredTree for Connection {
    type Error = rusqlite::Error;

    fn stored_page(&self, level: u32, from: u64, limit: u64) -> rusqlite::Result<StoredPage> {
        let mut page = StoredPage::new();
        let mut stmt = self.prepare_cached(
            "SELECT idx, hash FROM merkle_nodes WHERE level = ?1 AND idx >= ?2 ORDER BY idx LIMIT ?3",
        )?;
        let mut rows = stmt.query(params![level, from as i64, limit as i64])?;
        while let Some(row) = rows.next()? {
            let idx = row.get::<_, i64>(0)? as u64;
            let hash = row
                .get_ref(1)?
                .as_bytes()
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            page.push((idx, hash));
        }
        Ok(page)
    }

    fn first_stored(&self, level: u32, from: u64) -> rusqlite::Result<Option<u64>> {
        self.prepare_cached(
            "SELECT idx FROM merkle_nodes WHERE level = ?1 AND idx >= ?2 ORDER BY idx LIMIT 1",
        )?
        .query_row(params![level, from as i64], |r| r.get::<_, i64>(0))
        .optional()
        .map(|idx| idx.map(|idx| idx as u64))
    }
}
