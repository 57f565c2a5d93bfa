//! The sealed personal data in an SQLite ledger: `alias_pii(alias_id, key_id, nonce, sealed)`
//! holds each alias's record sealed by [`devspm_ledger::pii::seal`], `pii_keys(key_id, key)` its
//! key. Readers decrypt every record once per query ([`PiiBook::load`]); an erasure deletes the
//! records, their keys and the contents that named the person ([`erase`]), on a file of its own
//! (`store`) as on a replica applying an erasure recorded upstream (`replica`).

use std::collections::HashMap;

use devspm_ledger::NameEmail;
pub(crate) use devspm_ledger::pii::Needles;
use devspm_ledger::pii::{open, seal};
use rusqlite::{Connection, OptionalExtension, params};

/// Stores the personal data of a new alias, sealed under a key of its own. An alias that already
/// has a record keeps it (appends are idempotent).
pub(crate) fn store(
    conn: &Connection,
    alias: &str,
    name: &[u8],
    email: &[u8],
) -> rusqlite::Result<()> {
    let exists = conn
        .prepare_cached("SELECT 1 FROM alias_pii WHERE alias_id = ?1")?
        .exists([alias])?;
    if exists {
        return Ok(());
    }
    let sealed = seal(alias, name, email);
    conn.prepare_cached(
        "INSERT INTO pii_keys (key_id, key) VALUES (?1, ?2)
         ON CONFLICT (key_id) DO UPDATE SET key = excluded.key",
    )?
    .execute(params![alias, &sealed.key[..]])?;
    conn.prepare_cached(
        "INSERT INTO alias_pii (alias_id, key_id, nonce, sealed) VALUES (?1, ?1, ?2, ?3)",
    )?
    .execute(params![alias, &sealed.nonce[..], sealed.ciphertext])?;
    Ok(())
}

/// Every alias's personal data, decrypted once: `alias id → (name, e-mail)`. Aliases whose key
/// was erased (or whose record does not open) are absent.
#[derive(Default)]
pub(crate) struct PiiBook {
    pub entries: HashMap<String, NameEmail>,
    /// Records that exist but do not open with their key (tampering), for diagnostics.
    pub unreadable: u64,
}

impl PiiBook {
    pub fn load(conn: &Connection) -> rusqlite::Result<PiiBook> {
        let mut book = PiiBook::default();
        let mut stmt = conn.prepare_cached(
            "SELECT p.alias_id, k.key, p.nonce, p.sealed FROM alias_pii p
             JOIN pii_keys k ON k.key_id = p.key_id",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let alias: String = row.get(0)?;
            let key: Vec<u8> = row.get(1)?;
            let nonce: Vec<u8> = row.get(2)?;
            let sealed: Vec<u8> = row.get(3)?;
            match open(&alias, &key, &nonce, &sealed) {
                Some(pair) => {
                    book.entries.insert(alias, pair);
                }
                None => book.unreadable += 1,
            }
        }
        Ok(book)
    }

    /// Personal data of one alias, decrypted on its own (for single look-ups).
    pub fn one(conn: &Connection, alias: &str) -> rusqlite::Result<Option<NameEmail>> {
        let row: Option<(Vec<u8>, Vec<u8>, Vec<u8>)> = conn
            .prepare_cached(
                "SELECT k.key, p.nonce, p.sealed FROM alias_pii p
                 JOIN pii_keys k ON k.key_id = p.key_id WHERE p.alias_id = ?1",
            )?
            .query_row([alias], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        Ok(row.and_then(|(key, nonce, sealed)| open(alias, &key, &nonce, &sealed)))
    }

    pub fn get(&self, alias: &str) -> Option<&NameEmail> {
        self.entries.get(alias)
    }

    /// The order in which an identity's aliases name it, each given with its commit count:
    /// most commits first; on a tie, the name and e-mail (as bytes) that sort first, an erased
    /// alias last, then the alias id. Alias ids are keyed per ledger, so a tie broken by them
    /// alone names one person differently in two ledgers of the same history (SQLite and its
    /// PostgreSQL copy, or two runs): the personal data is the same in both.
    pub fn naming_order(&self, a: (&str, u64), b: (&str, u64)) -> std::cmp::Ordering {
        use std::cmp::Ordering;
        b.1.cmp(&a.1)
            .then_with(|| match (self.get(a.0), self.get(b.0)) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            })
            .then_with(|| a.0.cmp(b.0))
    }

    /// `(name, e-mail)` as text.
    pub fn text(&self, alias: &str) -> Option<(String, String)> {
        self.get(alias).map(|(n, e)| {
            (
                String::from_utf8_lossy(n).into_owned(),
                String::from_utf8_lossy(e).into_owned(),
            )
        })
    }
}

/// Seals every plaintext row of the schema-4 table `alias_pii_v4` into the new tables, then
/// drops it (the migration to schema 5). Returns the rows moved.
pub(crate) fn migrate_plaintext(conn: &Connection) -> rusqlite::Result<u64> {
    let rows: Vec<(String, Vec<u8>, Vec<u8>)> = conn
        .prepare("SELECT alias_id, name, email FROM alias_pii_v4")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (alias, name, email) in &rows {
        store(conn, alias, name, email)?;
    }
    conn.execute_batch("DROP TABLE alias_pii_v4")?;
    Ok(rows.len() as u64)
}

/// Deletes the sealed personal data and keys of `aliases` and the contents at `contents`.
pub(crate) fn erase(
    conn: &Connection,
    aliases: &[String],
    contents: &[String],
) -> rusqlite::Result<()> {
    for alias in aliases {
        conn.prepare_cached(
            "DELETE FROM pii_keys WHERE key_id = ?1
                OR key_id IN (SELECT key_id FROM alias_pii WHERE alias_id = ?1)",
        )?
        .execute([alias])?;
        conn.prepare_cached("DELETE FROM alias_pii WHERE alias_id = ?1")?
            .execute([alias])?;
    }
    for sha256 in contents {
        conn.prepare_cached("DELETE FROM contents WHERE sha256 = ?1")?
            .execute([sha256])?;
    }
    Ok(())
}
