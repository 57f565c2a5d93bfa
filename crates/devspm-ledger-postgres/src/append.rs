//! Writing the chain on PostgreSQL: appends of new events (hashed here by the ledger's
//! [`ChainAppender`]) and verbatim copies of events already chained elsewhere (`devspm
//! migrate`), each in one transaction that first takes the append lock
//! (`pg_advisory_xact_lock`), so that writers in several processes append one after the other
//! and the chain has a single order. Rows go in with `COPY … FROM STDIN BINARY`.

use std::collections::HashSet;

use devspm_core::StoredEvent;
use devspm_core::event::GENESIS_HASH;
use devspm_ledger::audit::{StoredCheckpoint, TreeNodes};
use devspm_ledger::chain::{ChainAppender, now};
use devspm_ledger::merkle::NewNode;
use devspm_ledger::upstream::{Appended, Erasure, OutgoingEvent, Pulled, SealedPii};
use devspm_ledger::{AppendSummary, Head, LedgerError};
use postgres::Transaction;
use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::Type;

use crate::error::map;
use crate::tree::PgRows;
use crate::{PgStore, read_head};

/// The advisory lock key every append takes ("dspm" and 1).
const APPEND_LOCK: i64 = 0x6473_706d_0000_0001;

/// Takes the append lock for the rest of the transaction, as one simple-protocol statement
/// (one round trip: nothing to prepare).
fn lock_append(tx: &mut Transaction<'_>) -> Result<(), postgres::Error> {
    tx.batch_execute(&format!("SELECT pg_advisory_xact_lock({APPEND_LOCK})"))
}

/// Events already chained (by another ledger) to be copied as they are, with the contents
/// their payloads refer to.
#[derive(Clone, Debug, Default)]
pub struct CopyBatch {
    pub events: Vec<StoredEvent>,
    /// `(sha256, bytes)` of stored contents (commit messages).
    pub contents: Vec<(String, Vec<u8>)>,
}

/// Events per chunk written with one COPY while a batch streams into its transaction.
const CHUNK: usize = 10_000;

/// The most events an append hands back to a replica (see [`Appended::stored`]): about what a
/// replica applies per transaction when it catches up, so that a huge streamed import is not
/// held in memory; past it, the replica pulls what was stored.
const KEEP: usize = 20_000;

/// Appends new events: idempotent on their keys, hash-chained after the current head, in one
/// transaction (the first error from the source rolls everything back). The events stream in
/// chunks, so a large import does not have to fit in memory. Contents and sealed personal data
/// are stored with the events that are appended (an event whose key is recorded is skipped
/// with everything attached to it); an erasure deletes what it names. With `keep`, the events
/// stored (up to [`KEEP`]) come back with the contents and personal data stored with them,
/// as the upstream holds them once committed (for the replica: [`Appended`]).
pub(crate) fn append(
    store: &PgStore,
    events: &mut dyn Iterator<Item = Result<OutgoingEvent, LedgerError>>,
    keep: bool,
) -> Result<Appended, LedgerError> {
    let mut summary = AppendSummary::default();
    let mut events = events.peekable();
    if events.peek().is_none() {
        return Ok(Appended::default());
    }
    let location = store.location.clone();
    let err = |e| map(&location, e);
    let mut client = store.client.borrow_mut();
    let last = store.chain.borrow_mut().take();
    let mut tx = client.transaction().map_err(err)?;
    lock_append(&mut tx).map_err(err)?;
    let head = read_head(&mut tx).map_err(err)?;
    let after = head.as_ref().map_or(0, |h| h.seq);
    // Rows stored beside the chain by this append carry its first sequence number.
    let added = after as i64 + 1;
    let mut chain = match last {
        Some(last) if last.head().is_some() && last.head() == head => last,
        _ => ChainAppender::after(&mut TreeNodes(PgRows::new(&mut tx, &location)), head)?,
    };
    let at = now();
    let mut seen: HashSet<String> = HashSet::new();
    // What goes back to the replica, while it stays under `KEEP` events.
    let mut kept = keep.then(Pulled::default);
    loop {
        let mut chunk = Vec::with_capacity(CHUNK.min(1024));
        for event in events.by_ref().take(CHUNK) {
            // An error from the source drops the transaction: nothing is appended.
            chunk.push(event?);
        }
        if chunk.is_empty() {
            break;
        }
        let keys: Vec<&str> = chunk.iter().map(|e| e.key.as_str()).collect();
        let recorded: HashSet<String> = tx
            .query("SELECT key FROM events WHERE key = ANY($1)", &[&keys])
            .map_err(err)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut rows = Vec::new();
        let mut nodes = Vec::new();
        let mut contents = Vec::new();
        let mut pii = Vec::new();
        for event in chunk {
            // An event whose key is recorded (before, or earlier in this batch) is skipped: the
            // chain does not advance, and nothing of it is written.
            if recorded.contains(&event.key) || !seen.insert(event.key.clone()) {
                summary.skipped += 1;
                continue;
            }
            if let Some(erasure) = &event.erasure {
                erase(&mut tx, erasure).map_err(err)?;
                // What earlier events of this chunk brought and is written only with the chunk
                // (below) is not written at all: the erasure must not be undone by its batch.
                contents.retain(|(sha, _)| !erasure.contents.contains(sha));
                pii.retain(|p: &SealedPii| !erasure.aliases.contains(&p.alias));
                // What earlier chunks stored and this erasure deleted is not handed back.
                if let Some(kept) = kept.as_mut() {
                    kept.contents
                        .retain(|(sha, _)| !erasure.contents.contains(sha));
                    kept.pii.retain(|p| !erasure.aliases.contains(&p.alias));
                }
            }
            contents.extend(event.contents);
            pii.extend(event.pii);
            let (seq, hash) = chain.hash_next([
                &event.key,
                &event.kind,
                &at,
                &event.actor,
                &event.subject,
                &event.payload,
            ]);
            let prev_hash = chain.prev_hash().to_owned();
            nodes.extend(chain.accept(hash.clone()).copied());
            rows.push(StoredEvent {
                seq,
                key: event.key,
                kind: event.kind,
                at: at.clone(),
                actor: event.actor,
                subject: event.subject,
                payload: event.payload,
                prev_hash,
                hash,
            });
            summary.appended += 1;
        }
        let stored = write(&mut tx, &rows, &nodes, &contents, added).map_err(err)?;
        let stored_pii = store_pii(&mut tx, &pii, added).map_err(err)?;
        if kept
            .as_ref()
            .is_some_and(|k| k.events.len() + rows.len() > KEEP)
        {
            kept = None;
        }
        if let Some(kept) = kept.as_mut() {
            kept.events.extend(rows);
            // Each content stored by this chunk once (the first of equal ones went in).
            let mut stored = stored;
            kept.contents.extend(
                contents
                    .into_iter()
                    .filter(|(sha, _)| stored.remove(sha.as_str())),
            );
            kept.pii.extend(
                pii.into_iter()
                    .zip(stored_pii)
                    .filter_map(|(p, went_in)| went_in.then_some(p)),
            );
        }
    }
    if let Some(head) = chain.head()
        && summary.appended > 0
    {
        write_head(&mut tx, &head).map_err(err)?;
    }
    tx.commit().map_err(err)?;
    *store.chain.borrow_mut() = Some(chain);
    Ok(Appended {
        summary,
        after: Some(after),
        stored: kept,
    })
}

/// Stores sealed personal data: an alias that has a record keeps it (appends are idempotent),
/// and its key goes in only with a record that went in. Returns, for each record in order,
/// whether it went in (of several for one alias, the first does).
pub(crate) fn store_pii(
    tx: &mut Transaction<'_>,
    pii: &[SealedPii],
    added: i64,
) -> Result<Vec<bool>, postgres::Error> {
    if pii.is_empty() {
        return Ok(Vec::new());
    }
    let mut first = HashSet::new();
    let unique: Vec<&SealedPii> = pii.iter().filter(|p| first.insert(&p.alias)).collect();
    let aliases: Vec<&str> = unique.iter().map(|p| p.alias.as_str()).collect();
    let keys: Vec<&[u8]> = unique.iter().map(|p| p.key.as_slice()).collect();
    let nonces: Vec<&[u8]> = unique.iter().map(|p| p.nonce.as_slice()).collect();
    let sealed: Vec<&[u8]> = unique.iter().map(|p| p.sealed.as_slice()).collect();
    // One statement for the batch: the records that went in, then their keys.
    let rows = tx.query(
        "WITH input AS (
             SELECT * FROM unnest($1::text[], $2::bytea[], $3::bytea[], $4::bytea[])
                 AS u (alias, key, nonce, sealed)),
         stored AS (
             INSERT INTO alias_pii (alias_id, key_id, nonce, sealed, added_seq)
             SELECT alias, alias, nonce, sealed, $5 FROM input
             ON CONFLICT (alias_id) DO NOTHING RETURNING key_id),
         keyed AS (
             INSERT INTO pii_keys (key_id, key)
             SELECT s.key_id, i.key FROM stored s JOIN input i ON i.alias = s.key_id
             ON CONFLICT (key_id) DO UPDATE SET key = excluded.key)
         SELECT key_id FROM stored",
        &[&aliases, &keys, &nonces, &sealed, &added],
    )?;
    let went_in: HashSet<String> = rows.iter().map(|r| r.get(0)).collect();
    let mut first = HashSet::new();
    Ok(pii
        .iter()
        .map(|p| first.insert(&p.alias) && went_in.contains(&p.alias))
        .collect())
}

/// Deletes the sealed personal data and keys of the aliases an erasure names, and its contents.
fn erase(tx: &mut Transaction<'_>, erasure: &Erasure) -> Result<(), postgres::Error> {
    tx.execute(
        "DELETE FROM pii_keys WHERE key_id = ANY($1)
            OR key_id IN (SELECT key_id FROM alias_pii WHERE alias_id = ANY($1))",
        &[&erasure.aliases],
    )?;
    tx.execute(
        "DELETE FROM alias_pii WHERE alias_id = ANY($1)",
        &[&erasure.aliases],
    )?;
    tx.execute(
        "DELETE FROM contents WHERE sha256 = ANY($1)",
        &[&erasure.contents],
    )?;
    Ok(())
}

impl PgStore {
    /// Copies events chained by another ledger, as they are (same sequence numbers, times and
    /// hashes), after this ledger's head, in one transaction. Each event is checked against the
    /// chain before it is written: the first must follow this ledger's head, and every hash must
    /// be what the ledger's own chain computes. Returns the new head.
    pub fn copy(&mut self, batch: &CopyBatch) -> Result<Option<Head>, LedgerError> {
        let location = self.location.clone();
        let err = |e| map(&location, e);
        let refused = |reason: String| LedgerError::Refused {
            path: location.clone(),
            reason,
        };
        let mut client = self.client.borrow_mut();
        self.chain.borrow_mut().take();
        let mut tx = client.transaction().map_err(err)?;
        lock_append(&mut tx).map_err(err)?;
        let head = read_head(&mut tx).map_err(err)?;
        if let Some(first) = batch.events.first() {
            let (seq, hash) = head
                .as_ref()
                .map_or((0, GENESIS_HASH), |h| (h.seq, h.hash.as_str()));
            if first.seq != seq + 1 || first.prev_hash != hash {
                return Err(refused(format!(
                    "event {} cannot follow this ledger's head (event {seq}, hash {}): the two ledgers have diverged",
                    first.seq,
                    &hash[..16.min(hash.len())]
                )));
            }
        }
        let mut chain =
            ChainAppender::after(&mut TreeNodes(PgRows::new(&mut tx, &location)), head)?;
        let mut nodes = Vec::new();
        for e in &batch.events {
            let (seq, hash) =
                chain.hash_next([&e.key, &e.kind, &e.at, &e.actor, &e.subject, &e.payload]);
            if seq != e.seq || hash != e.hash || chain.prev_hash() != e.prev_hash {
                return Err(refused(format!(
                    "event {} of the source does not verify (its hash or its link to event {} is wrong); nothing of this batch was copied: run `devspm audit verify` on the source",
                    e.seq,
                    e.seq.saturating_sub(1)
                )));
            }
            nodes.extend(chain.accept(hash).copied());
        }
        let new_head = chain.head();
        if let Some(head) = &new_head {
            let added = batch.events.first().map_or(head.seq, |e| e.seq) as i64;
            write(&mut tx, &batch.events, &nodes, &batch.contents, added).map_err(err)?;
            write_head(&mut tx, head).map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(new_head)
    }

    /// Records a checkpoint as another ledger recorded it (same id and time); `false` when one
    /// with that id is already recorded.
    pub fn copy_checkpoint(&mut self, cp: &StoredCheckpoint) -> Result<bool, LedgerError> {
        self.with(|c| {
            c.execute(
                "INSERT INTO checkpoints (id, origin, tree_size, root_hash, key_name, verifier, note, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
                &[
                    &(cp.id as i64),
                    &cp.origin,
                    &(cp.tree_size as i64),
                    &cp.root_hash,
                    &cp.key_name,
                    &cp.verifier,
                    &cp.note,
                    &cp.created_at,
                ],
            )
            .map(|n| n == 1)
        })
    }

    /// Sets (or with `None` removes) a value of `ledger_meta`.
    pub fn set_meta(&mut self, name: &str, value: Option<&str>) -> Result<(), LedgerError> {
        self.with(|c| {
            match value {
                Some(v) => c.execute(
                    "INSERT INTO ledger_meta (name, value) VALUES ($1, $2)
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    &[&name, &v],
                )?,
                None => c.execute("DELETE FROM ledger_meta WHERE name = $1", &[&name])?,
            };
            Ok(())
        })
    }
}

/// Writes chained events, the tree nodes they complete and their contents (stored as of
/// sequence number `added`); returns the addresses of the contents that went in (those not
/// stored already).
fn write(
    tx: &mut Transaction<'_>,
    events: &[StoredEvent],
    nodes: &[NewNode],
    contents: &[(String, Vec<u8>)],
    added: i64,
) -> Result<HashSet<String>, postgres::Error> {
    let mut stored = HashSet::new();
    if events.is_empty() {
        return Ok(stored);
    }
    let sink = tx.copy_in(
        "COPY events (seq, key, kind, at, actor, subject, payload, prev_hash, hash) FROM STDIN BINARY",
    )?;
    let mut writer = BinaryCopyInWriter::new(
        sink,
        &[
            Type::INT8,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
        ],
    );
    for e in events {
        writer.write(&[
            &(e.seq as i64),
            &e.key,
            &e.kind,
            &e.at,
            &e.actor,
            &e.subject,
            &e.payload,
            &e.prev_hash,
            &e.hash,
        ])?;
    }
    writer.finish()?;
    if !nodes.is_empty() {
        let sink = tx.copy_in("COPY merkle_nodes (level, idx, hash) FROM STDIN BINARY")?;
        let mut writer = BinaryCopyInWriter::new(sink, &[Type::INT4, Type::INT8, Type::BYTEA]);
        for (level, idx, hash) in nodes {
            writer.write(&[&(*level as i32), &(*idx as i64), &&hash[..]])?;
        }
        writer.finish()?;
    }
    if !contents.is_empty() {
        let (shas, bytes): (Vec<&str>, Vec<&[u8]>) = contents
            .iter()
            .map(|(s, b)| (s.as_str(), b.as_slice()))
            .unzip();
        stored = tx
            .query(
                "INSERT INTO contents (sha256, bytes, added_seq)
                 SELECT s, b, $3 FROM unnest($1::text[], $2::bytea[]) AS u (s, b)
                 ON CONFLICT (sha256) DO NOTHING RETURNING sha256",
                &[&shas, &bytes, &added],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect();
    }
    Ok(stored)
}

/// Records the head beside the chain.
fn write_head(tx: &mut Transaction<'_>, head: &Head) -> Result<(), postgres::Error> {
    tx.execute(
        "INSERT INTO ledger_meta (name, value) VALUES ('head_seq', $1), ('head_hash', $2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        &[&head.seq.to_string(), &head.hash],
    )?;
    Ok(())
}
