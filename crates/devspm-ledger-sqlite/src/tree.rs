//! The Merkle tree stored in SQLite (`merkle_nodes`, levels from [`MIN_STORED_LEVEL`] up; the
//! levels below recomputed from `events.hash`): the rows read for proofs and appends
//! ([`SqlRows`], through the backend-neutral [`TreeNodes`]), the stored nodes read in pages for `verify`'s tree check, and the tree built
//! over the events of a database that predates it.

use rusqlite::{Connection, OptionalExtension, params};

use super::error::map_sql_error;
use devspm_ledger::LedgerError;
use devspm_ledger::audit::{
    MIN_STORED_LEVEL, StoredPage, StoredTree, TreeNodes, TreeRows, event_leaf,
};
use devspm_ledger::merkle::Frontier;

/// The tree's rows in SQLite: `events.hash` and `merkle_nodes`.
pub(crate) struct SqlRows<'c> {
    conn: &'c Connection,
    path: &'c str,
}

/// Perfect subtrees read from the database (levels below [`MIN_STORED_LEVEL`] recomputed from
/// `events.hash`, the rest from `merkle_nodes`).
pub(crate) fn sql_nodes<'c>(conn: &'c Connection, path: &'c str) -> TreeNodes<SqlRows<'c>> {
    TreeNodes(SqlRows { conn, path })
}

impl TreeRows for SqlRows<'_> {
    fn location(&self) -> &str {
        self.path
    }

    fn event_hashes(&mut self, first: u64, last: u64) -> Result<Vec<String>, LedgerError> {
        self.conn
            .prepare_cached("SELECT hash FROM events WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq")
            .and_then(|mut s| {
                s.query_map([first as i64, last as i64], |r| r.get(0))?
                    .collect()
            })
            .map_err(|e| map_sql_error(self.path, e))
    }

    fn stored_node(&mut self, level: u32, idx: u64) -> Result<Option<Vec<u8>>, LedgerError> {
        self.conn
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
            .map_err(|e| map_sql_error(self.path, e))
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

/// The stored tree nodes of a connection, as the ledger's tree check reads them.
pub(crate) struct StoredNodes<'c>(pub &'c Connection);

impl StoredTree for StoredNodes<'_> {
    type Error = rusqlite::Error;

    fn stored_page(&self, level: u32, from: u64, limit: u64) -> rusqlite::Result<StoredPage> {
        let mut page = StoredPage::new();
        let mut stmt = self.0.prepare_cached(
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
        self.0
            .prepare_cached(
                "SELECT idx FROM merkle_nodes WHERE level = ?1 AND idx >= ?2 ORDER BY idx LIMIT 1",
            )?
            .query_row(params![level, from as i64], |r| r.get::<_, i64>(0))
            .optional()
            .map(|idx| idx.map(|idx| idx as u64))
    }
}
