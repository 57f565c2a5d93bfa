//! The `ledger_meta` rows that both append paths read and write: the recorded head, the
//! analyzers' cursors and their completion markers. `append` (an append to the file) and
//! `replica` (an append through the upstream, and the catch-up that mirrors the upstream's
//! markers) both use them; they are here so that `replica` needs nothing from `append` or
//! `store`'s other areas: the replica builds on the store, never the other way round.

use rusqlite::{Connection, OptionalExtension, params};

use super::store::SqliteStore;
use devspm_ledger::{CursorMove, Head};

/// The `ledger_meta` names of analyzers' completion markers.
pub(crate) const MARKER_PREFIX: &str = "analyzed:";

impl SqliteStore {
    /// The newest event as recorded beside the chain (`None`: nothing appended yet).
    pub(super) fn read_head(conn: &Connection) -> rusqlite::Result<Option<Head>> {
        let seq: Option<String> = conn
            .query_row(
                "SELECT value FROM ledger_meta WHERE name = 'head_seq'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let hash: Option<String> = conn
            .query_row(
                "SELECT value FROM ledger_meta WHERE name = 'head_hash'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(match (seq.and_then(|s| s.parse().ok()), hash) {
            (Some(seq), Some(hash)) => Some(Head { seq, hash }),
            _ => None,
        })
    }
}

/// The event sequence number `analyzer` has processed up to, as stored (0: nothing yet).
pub(super) fn read_cursor(conn: &Connection, analyzer: &str) -> rusqlite::Result<u64> {
    let value: Option<String> = conn
        .query_row(
            "SELECT value FROM ledger_meta WHERE name = ?1",
            [format!("cursor:{analyzer}")],
            |r| r.get(0),
        )
        .optional()?;
    Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Moves an analyzer's cursor in the transaction of the batch it analysed, as `cursor` says: to
/// the position the analyzer named, or to `head` when `may_take_head` accepts the cursor as it
/// stood (an analyzer that had seen every event before the batch); otherwise it stays.
pub(super) fn advance_cursor(
    conn: &Connection,
    cursor: CursorMove<'_>,
    head: u64,
    may_take_head: impl FnOnce(u64) -> bool,
) -> rusqlite::Result<()> {
    let (analyzer, position) = match cursor {
        CursorMove::None => return Ok(()),
        CursorMove::To { analyzer, seq } => (analyzer, seq),
        CursorMove::ToHead { analyzer } if may_take_head(read_cursor(conn, analyzer)?) => {
            (analyzer, head)
        }
        CursorMove::ToHead { .. } => return Ok(()),
    };
    conn.execute(
        "INSERT INTO ledger_meta (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        params![format!("cursor:{analyzer}"), position.to_string()],
    )?;
    Ok(())
}
