//! `verify` on a PostgreSQL ledger: one repeatable-read, read-only snapshot; the events read
//! through a portal in batches and handed to the ledger's backend-neutral
//! [`ChainVerifier`] (chain, recorded head, stored Merkle tree, read between two batches), a
//! migration still in progress, the contents kept outside the chain and their recorded
//! erasures; then the stored checkpoints.

use std::cell::RefCell;

use devspm_ledger::audit::check_stored_checkpoints;
use devspm_ledger::chain::{ChainVerifier, ErasureCheck, EventRow, content_problem};
use devspm_ledger::{ChainProblem, LedgerError, VerifyReport};
use postgres::{GenericClient, IsolationLevel};

use crate::error::map;
use crate::tree::PgStoredTree;
use crate::{PgStore, read_head, read_meta};

/// Events fetched per round trip.
const BATCH: i32 = 20_000;

/// The `ledger_meta` entry of a copy in progress (`devspm migrate`): `"<seq> <hash> <source>"`,
/// the source's head the copy must reach. Until it does, `verify` reports the ledger incomplete.
pub const MIGRATION_TARGET: &str = "migration_target";

pub(crate) fn verify(
    store: &PgStore,
    progress: &mut dyn FnMut(u64),
) -> Result<VerifyReport, LedgerError> {
    let err = |e| map(&store.location, e);
    let mut chain = ChainVerifier::default();
    let (contents_checked, contents_redacted) = {
        let mut client = store.client.borrow_mut();
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(err)?;
        let tx = RefCell::new(tx);
        let tree = PgStoredTree(&tx);
        let portal = tx
            .borrow_mut()
            .bind(
                "SELECT seq, key, kind, at, actor, subject, payload, prev_hash, hash FROM events ORDER BY seq",
                &[],
            )
            .map_err(err)?;
        'events: loop {
            let rows = tx.borrow_mut().query_portal(&portal, BATCH).map_err(err)?;
            if rows.is_empty() {
                break;
            }
            for r in &rows {
                let seq = r.get::<_, i64>(0) as u64;
                let event = EventRow {
                    seq,
                    key: r.get(1),
                    kind: r.get(2),
                    at: r.get(3),
                    actor: r.get(4),
                    subject: r.get(5),
                    payload: r.get(6),
                    prev_hash: r.get(7),
                    hash: r.get(8),
                };
                if !chain.push(&tree, event).map_err(err)? {
                    break 'events;
                }
                if seq.is_multiple_of(10_000) {
                    progress(seq);
                }
            }
        }
        let recorded = read_head(&mut *tx.borrow_mut()).map_err(err)?;
        chain.finish(&tree, recorded.as_ref()).map_err(err)?;
        let mut tx = tx.into_inner();
        if chain.problem().is_none() {
            let target = read_meta(&mut tx, MIGRATION_TARGET).map_err(err)?;
            chain.found(incomplete_copy(target.as_deref(), chain.checked()));
        }
        let mut checked = 0;
        if chain.problem().is_none() {
            for row in tx
                .query(
                    "SELECT sha256, bytes FROM contents WHERE bytes IS NOT NULL",
                    &[],
                )
                .map_err(err)?
            {
                checked += 1;
                if let Some(problem) = content_problem(row.get(0), row.get(1)) {
                    chain.found(Some(problem));
                    break;
                }
            }
        }
        let mut redacted = 0;
        if chain.problem().is_none() {
            let (count, problem) = check_erasures(&mut tx).map_err(err)?;
            redacted = count;
            chain.found(problem);
        }
        tx.commit().map_err(err)?;
        (checked, redacted)
    };
    if chain.problem().is_none() {
        chain.found(check_stored_checkpoints(store, chain.checked())?);
    }
    Ok(chain.report(contents_checked, contents_redacted))
}

/// A copy that has not reached the source's head it recorded when it started.
fn incomplete_copy(target: Option<&str>, events: u64) -> Option<ChainProblem> {
    let mut parts = target?.splitn(3, ' ');
    let seq: u64 = parts.next()?.parse().ok()?;
    let source = parts.nth(1).unwrap_or("its source");
    (events < seq).then(|| ChainProblem {
        seq: events + 1,
        key: None,
        problem: format!(
            "this ledger is an unfinished copy: {events} of the {seq} events of {source} were copied; run `devspm migrate` again to finish it"
        ),
    })
}

/// Contents referred to by `commit_recorded` events that are absent: counted when an
/// `identity_forgotten` event erased them, the first other one named.
fn check_erasures(
    tx: &mut impl GenericClient,
) -> Result<(u64, Option<ChainProblem>), postgres::Error> {
    let mut check = ErasureCheck::default();
    for row in tx.query(
        "SELECT payload FROM events WHERE kind = 'identity_forgotten' ORDER BY seq",
        &[],
    )? {
        check.forgotten(row.get(0));
    }
    for row in tx.query(
        "SELECT m.seq, m.key, m.sha FROM (
             SELECT seq, key, payload::jsonb #>> '{message,sha256}' AS sha
             FROM events WHERE kind = 'commit_recorded'
         ) m
         WHERE m.sha IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM contents c WHERE c.sha256 = m.sha AND c.bytes IS NOT NULL)
         ORDER BY m.seq",
        &[],
    )? {
        if let Some(problem) = check.absent(row.get::<_, i64>(0) as u64, row.get(1), row.get(2)) {
            return Ok((check.redacted(), Some(problem)));
        }
    }
    Ok((check.redacted(), None))
}
