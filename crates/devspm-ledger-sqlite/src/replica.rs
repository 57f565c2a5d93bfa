//! An SQLite file as the local replica of a ledger kept upstream (see [`crate::upstream`]):
//! opening it (checking that it is a prefix of the upstream's chain, else rebuilding it from
//! event 1), catching it up, and the append path that sends new events upstream and then
//! applies what the upstream stored (handed back by the append; another writer's events in
//! between pulled) — verbatim, each hash checked with the shared chain code — with its
//! projections, tree nodes, contents and sealed personal data, in one SQLite transaction.

use std::path::Path;

use devspm_core::NewEvent;
use devspm_core::event::{EventKind, IdentityForgotten};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::error::map_sql_error;
use super::meta::MARKER_PREFIX;
use super::store::SqliteStore;
use super::tree::sql_nodes;
use crate::pii::erase;
use crate::projection;
use devspm_ledger::chain::ChainAppender;
use devspm_ledger::upstream::{Pulled, Upstream};
use devspm_ledger::{AppendSummary, CursorMove, LedgerError};

/// Events applied per SQLite transaction while a replica catches up.
const PAGE: usize = 20_000;

/// The `ledger_meta` rows shared through the upstream (the secret-hashing key and its check
/// value): the replica mirrors the upstream's.
pub(crate) const SHARED_META: [&str; 2] = devspm_ledger::upstream::SHARED;

impl SqliteStore {
    /// Opens (creating if needed) the replica at `path` of the ledger kept by `upstream`, for
    /// writing, and catches it up. A replica that is not a prefix of the upstream's chain (its
    /// head is not the upstream's event of that number: another or a rewritten ledger) is
    /// deleted and rebuilt from the upstream; [`Self::replica_note`] then says so.
    pub fn open_replica(
        path: &Path,
        mut upstream: Box<dyn Upstream>,
        on_wait: Option<&mut dyn FnMut(&str)>,
    ) -> Result<SqliteStore, LedgerError> {
        let waits = on_wait.is_some();
        let mut on_wait = on_wait;
        let mut tell = |holder: &str| {
            if let Some(f) = on_wait.as_mut() {
                f(holder)
            }
        };
        let mut store = Self::open_writer(path, waits.then_some(&mut tell as _))?;
        let mut note = None;
        if let Some(head) = Self::read_head(&store.conn).map_err(store.sql_err())? {
            let theirs = upstream.hash_at(head.seq)?;
            if theirs.as_deref() != Some(head.hash.as_str()) {
                note = Some(format!(
                    "the local replica {} did not match {} (its event {} is {} there), so it was rebuilt from the upstream ledger",
                    path.display(),
                    upstream.location(),
                    head.seq,
                    if theirs.is_some() {
                        "another event"
                    } else {
                        "missing"
                    }
                ));
                drop(store);
                remove_replica(path)?;
                store = Self::open_writer(path, waits.then_some(&mut tell as _))?;
            }
        }
        store.catch_up(upstream.as_mut())?;
        store.mirror_shared(upstream.as_mut())?;
        store.mirror_markers(upstream.as_mut())?;
        store.mirror_checkpoints(upstream.as_mut())?;
        store.upstream = Some(upstream);
        store.replica_note = note;
        Ok(store)
    }

    /// What opening the replica had to do that a person should know (a rebuild).
    pub fn replica_note(&self) -> Option<&str> {
        self.replica_note.as_deref()
    }

    /// Every alias's sealed personal data with its key, as stored (for a copy to another
    /// backend: nothing is decrypted).
    pub fn sealed_personal_data(
        &self,
    ) -> Result<Vec<devspm_ledger::upstream::SealedPii>, LedgerError> {
        self.conn
            .prepare(
                "SELECT p.alias_id, k.key, p.nonce, p.sealed FROM alias_pii p
                 JOIN pii_keys k ON k.key_id = p.key_id ORDER BY p.alias_id",
            )
            .and_then(|mut s| {
                s.query_map([], |r| {
                    Ok(devspm_ledger::upstream::SealedPii {
                        alias: r.get(0)?,
                        key: r.get(1)?,
                        nonce: r.get(2)?,
                        sealed: r.get(3)?,
                    })
                })?
                .collect()
            })
            .map_err(self.sql_err())
    }

    /// The `ledger_meta` rows every replica of a ledger shares (the secret-hashing key and its
    /// check value), as `(name, value)`.
    pub fn shared_values(&self) -> Result<Vec<(String, String)>, LedgerError> {
        let mut out = Vec::new();
        for name in SHARED_META {
            let value: Option<String> = self
                .conn
                .query_row(
                    "SELECT value FROM ledger_meta WHERE name = ?1",
                    [name],
                    |r| r.get(0),
                )
                .optional()
                .map_err(self.sql_err())?;
            out.extend(value.map(|v| (name.to_owned(), v)));
        }
        Ok(out)
    }

    /// The analyzers' completion markers, as `(name, state)` (for a copy to another backend).
    pub fn completion_markers(&self) -> Result<Vec<(String, String)>, LedgerError> {
        self.conn
            .prepare(
                "SELECT name, value FROM ledger_meta WHERE substr(name, 1, ?2) = ?1 ORDER BY name",
            )
            .and_then(|mut s| {
                s.query_map(params![MARKER_PREFIX, MARKER_PREFIX.len() as i64], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
                .collect()
            })
            .map_err(self.sql_err())
    }

    /// Whether this store is the replica of an upstream ledger.
    pub fn has_upstream(&self) -> bool {
        self.upstream.is_some()
    }

    /// Applies every event the upstream holds after this replica's head, a page per
    /// transaction.
    fn catch_up(&mut self, upstream: &mut dyn Upstream) -> Result<(), LedgerError> {
        let err = self.sql_err();
        loop {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(&err)?;
            let after = Self::read_head(&tx).map_err(&err)?.map_or(0, |h| h.seq);
            let pulled = upstream.pull(after, PAGE)?;
            let n = apply_pulled(&tx, &self.path, upstream.location(), &pulled)?;
            tx.commit().map_err(&err)?;
            if n < PAGE as u64 {
                return Ok(());
            }
        }
    }

    /// Copies the upstream's analyzers' completion markers into the replica.
    fn mirror_markers(&mut self, upstream: &mut dyn Upstream) -> Result<(), LedgerError> {
        let err = self.sql_err();
        let markers = upstream.markers(MARKER_PREFIX)?;
        let tx = self.conn.unchecked_transaction().map_err(&err)?;
        for (name, value) in markers {
            tx.execute(
                "INSERT INTO ledger_meta (name, value) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                params![name, value],
            )
            .map_err(&err)?;
        }
        tx.commit().map_err(&err)
    }

    /// Copies the checkpoints recorded upstream that the replica does not hold (same ids).
    fn mirror_checkpoints(&mut self, upstream: &mut dyn Upstream) -> Result<(), LedgerError> {
        let err = self.sql_err();
        let checkpoints = upstream.checkpoints()?;
        let tx = self.conn.unchecked_transaction().map_err(&err)?;
        for c in checkpoints {
            tx.execute(
                "INSERT OR IGNORE INTO checkpoints
                     (id, origin, tree_size, root_hash, key_name, verifier, note, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    c.id as i64,
                    c.origin,
                    c.tree_size as i64,
                    c.root_hash,
                    c.key_name,
                    c.verifier,
                    c.note,
                    c.created_at
                ],
            )
            .map_err(&err)?;
        }
        tx.commit().map_err(&err)
    }

    /// Records a checkpoint upstream, then copies the upstream's checkpoints.
    pub(super) fn record_upstream_checkpoint(
        &mut self,
        checkpoint: &devspm_ledger::checkpoint::Checkpoint,
        note: &str,
        key_name: &str,
        verifier: &str,
    ) -> Result<u64, LedgerError> {
        let Some(mut upstream) = self.upstream.take() else {
            unreachable!("record_upstream_checkpoint is called on a replica");
        };
        let result = upstream
            .record_checkpoint(checkpoint, note, key_name, verifier)
            .and_then(|id| self.mirror_checkpoints(upstream.as_mut()).map(|()| id));
        self.upstream = Some(upstream);
        result
    }

    /// Records an analyzer's completion marker upstream first (nothing without an upstream).
    pub(crate) fn share_marker(&mut self, name: &str, value: &str) -> Result<(), LedgerError> {
        match self.upstream.as_mut() {
            Some(up) => up.set_marker(name, value),
            None => Ok(()),
        }
    }

    /// Makes the replica's shared `ledger_meta` rows the upstream's.
    fn mirror_shared(&mut self, upstream: &mut dyn Upstream) -> Result<(), LedgerError> {
        let values = upstream.shared(&SHARED_META)?;
        self.set_shared(&values)
    }

    /// Writes the shared `ledger_meta` rows (`None`: absent), in [`SHARED_META`] order.
    fn set_shared(&mut self, values: &[Option<String>]) -> Result<(), LedgerError> {
        let err = self.sql_err();
        let tx = self.conn.unchecked_transaction().map_err(&err)?;
        for (name, value) in SHARED_META.iter().zip(values) {
            match value {
                Some(value) => tx.execute(
                    "INSERT INTO ledger_meta (name, value) VALUES (?1, ?2)
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    params![name, value],
                ),
                None => tx.execute("DELETE FROM ledger_meta WHERE name = ?1", [name]),
            }
            .map_err(&err)?;
        }
        tx.commit().map_err(&err)
    }

    /// Sends the replica's shared `ledger_meta` rows upstream, where the values another host
    /// set first hold; returns whether the local rows changed to the upstream's (the caller
    /// then reads them again). Nothing without an upstream.
    pub(crate) fn share_meta(&mut self) -> Result<bool, LedgerError> {
        let local = self.shared_values()?;
        let Some(up) = self.upstream.as_mut() else {
            return Ok(false);
        };
        if local.is_empty() {
            return Ok(false);
        }
        let pairs: Vec<(&str, &str)> = local
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let holds = up.share(&pairs)?;
        let mine: Vec<Option<String>> = SHARED_META
            .iter()
            .map(|name| {
                local
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
            })
            .collect();
        if holds == mine {
            return Ok(false);
        }
        self.set_shared(&holds)?;
        Ok(true)
    }

    /// Deletes a shared `ledger_meta` row upstream (nothing without an upstream).
    pub(crate) fn unshare_meta(&mut self, name: &str) -> Result<(), LedgerError> {
        match self.upstream.as_mut() {
            Some(up) => up.unshare(name),
            None => Ok(()),
        }
    }

    /// The append path of a replica: the events go upstream (one upstream transaction, all or
    /// nothing), which hands back what it stored; anything another writer stored before them
    /// is pulled, and all of it is applied in order, with the analyzer cursor, in one SQLite
    /// transaction. With no other writer that is one round trip to the upstream. The replica is
    /// never ahead of the upstream: if this process stops between the two commits, the next
    /// open catches up.
    pub(super) fn append_via_upstream(
        &mut self,
        events: &mut dyn Iterator<Item = Result<NewEvent, LedgerError>>,
        cursor: CursorMove<'_>,
    ) -> Result<AppendSummary, LedgerError> {
        let err = self.sql_err();
        let Some(mut upstream) = self.upstream.take() else {
            unreachable!("append_via_upstream is called on a replica");
        };
        let result = (|| {
            let mut outgoing = events.map(|e| e.map(devspm_ledger::upstream::outgoing));
            let appended = upstream.append(&mut outgoing)?;
            let summary = appended.summary;
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(&err)?;
            let head_before = Self::read_head(&tx).map_err(&err)?.map_or(0, |h| h.seq);
            let mut pulled = 0u64;
            // Pages of stored events after the replica's head, up to `upto` (`None`: all).
            let mut pull = |upto: Option<u64>| -> Result<(), LedgerError> {
                loop {
                    let after = head_before + pulled;
                    let limit = upto.map_or(PAGE, |u| (u.saturating_sub(after) as usize).min(PAGE));
                    if limit == 0 {
                        return Ok(());
                    }
                    let page = upstream.pull(after, limit)?;
                    let n = apply_pulled(&tx, &self.path, upstream.location(), &page)?;
                    pulled += n;
                    if n < limit as u64 {
                        return Ok(());
                    }
                }
            };
            match (appended.after, &appended.stored) {
                // What the upstream handed back follows its head before the append: what
                // another writer stored between this replica's head and that one is pulled
                // first (exactly those events, with the rows stored with them).
                (Some(after), Some(stored)) if after >= head_before => {
                    pull(Some(after))?;
                    if head_before + pulled != after {
                        return Err(LedgerError::Refused {
                            path: upstream.location().to_owned(),
                            reason: format!(
                                "it returned events up to {} where its head was {after}: nothing of this append was applied here; run `devspm audit verify` on it",
                                head_before + pulled
                            ),
                        });
                    }
                    pulled += apply_pulled(&tx, &self.path, upstream.location(), stored)?;
                }
                _ => pull(None)?,
            }
            let head = head_before + pulled;
            // `ToHead`: the head after this batch, only for an analyzer that had seen every
            // event before it and when no other writer's events came back with this batch
            // (moving the cursor over them would skip them for good).
            let appended = summary.appended;
            super::meta::advance_cursor(&tx, cursor, head, |current| {
                current >= head_before && pulled == appended
            })
            .map_err(&err)?;
            tx.commit().map_err(&err)?;
            Ok(summary)
        })();
        self.upstream = Some(upstream);
        result
    }
}

/// Inserts stored events verbatim after the replica's head, checking each against the chain,
/// projects them, writes the tree nodes they complete, the contents and sealed personal data
/// that came with them, and the new head. Returns the events applied.
fn apply_pulled(
    tx: &Connection,
    path: &str,
    upstream: &str,
    pulled: &Pulled,
) -> Result<u64, LedgerError> {
    let err = |e| map_sql_error(path, e);
    let head = SqliteStore::read_head(tx).map_err(err)?;
    let mut chain = ChainAppender::after(&mut sql_nodes(tx, path), head)?;
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO events (seq, key, kind, at, actor, subject, payload, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .map_err(err)?;
        let mut insert_node = tx
            .prepare_cached("INSERT INTO merkle_nodes (level, idx, hash) VALUES (?1, ?2, ?3)")
            .map_err(err)?;
        for e in &pulled.events {
            let (seq, hash) =
                chain.hash_next([&e.key, &e.kind, &e.at, &e.actor, &e.subject, &e.payload]);
            if seq != e.seq || hash != e.hash || chain.prev_hash() != e.prev_hash {
                return Err(LedgerError::Refused {
                    path: upstream.to_owned(),
                    reason: format!(
                        "its event {} does not follow the chain this replica holds (its hash or its link to event {} is wrong): nothing of it was applied; run `devspm audit verify` on it",
                        e.seq,
                        e.seq.saturating_sub(1)
                    ),
                });
            }
            insert
                .execute(params![
                    e.seq as i64,
                    e.key,
                    e.kind,
                    e.at,
                    e.actor,
                    e.subject,
                    e.payload,
                    e.prev_hash,
                    e.hash
                ])
                .map_err(err)?;
            let bad = |reason: String| LedgerError::BadEvent {
                path: upstream.to_owned(),
                seq: e.seq,
                reason,
            };
            let kind = EventKind::parse(&e.kind)
                .ok_or_else(|| bad(format!("unknown event kind `{}`", e.kind)))?;
            let payload = devspm_core::Payload::from_json(kind, &e.payload)
                .map_err(|x| bad(x.to_string()))?;
            projection::apply(tx, e.seq, &payload).map_err(err)?;
            if kind == EventKind::IdentityForgotten
                && let Ok(f) = serde_json::from_str::<IdentityForgotten>(&e.payload)
            {
                erase(tx, &f.aliases, &f.contents).map_err(err)?;
            }
            for (level, idx, node) in chain.accept(hash) {
                insert_node
                    .execute(params![level, *idx as i64, &node[..]])
                    .map_err(err)?;
            }
        }
    }
    // What the upstream returns is what it holds now (erased data is gone there): written after
    // the events, so an erasure among them does not delete it again.
    for (sha, bytes) in &pulled.contents {
        tx.prepare_cached("INSERT OR IGNORE INTO contents (sha256, bytes) VALUES (?1, ?2)")
            .and_then(|mut s| s.execute(params![sha, bytes]))
            .map_err(err)?;
    }
    for p in &pulled.pii {
        tx.prepare_cached("INSERT OR REPLACE INTO pii_keys (key_id, key) VALUES (?1, ?2)")
            .and_then(|mut s| s.execute(params![p.alias, p.key]))
            .map_err(err)?;
        tx.prepare_cached(
            "INSERT OR REPLACE INTO alias_pii (alias_id, key_id, nonce, sealed) VALUES (?1, ?1, ?2, ?3)",
        )
        .and_then(|mut s| s.execute(params![p.alias, p.nonce, p.sealed]))
        .map_err(err)?;
    }
    if let Some(head) = chain.head()
        && !pulled.events.is_empty()
    {
        tx.execute(
            "INSERT INTO ledger_meta (name, value) VALUES ('head_seq', ?1), ('head_hash', ?2)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            params![head.seq.to_string(), head.hash],
        )
        .map_err(err)?;
    }
    Ok(pulled.events.len() as u64)
}

/// Deletes a replica file with its write-ahead log and shared-memory file.
fn remove_replica(path: &Path) -> Result<(), LedgerError> {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(LedgerError::Open {
                    path: path.display().to_string(),
                    reason: format!(
                        "it does not match its upstream ledger and cannot be deleted to be rebuilt ({e}); delete it by hand"
                    ),
                });
            }
        }
    }
    Ok(())
}
