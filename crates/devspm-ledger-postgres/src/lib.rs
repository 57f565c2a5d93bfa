//! devspm's ledger on PostgreSQL, for teams (`--db postgres://…`): the event log (the same
//! columns and hashes as the SQLite ledger), the contents kept outside the chain, the Merkle
//! tree's stored nodes and the signed checkpoints, behind the ledger's backend-neutral traits
//! ([`EventLog`], [`Integrity`], [`AuditStore`]). The hash chain, the tree, the proofs and the
//! check of all of them are `devspm-ledger`'s own code (`chain`, `audit`, `merkle`): this crate
//! reads and writes rows, so identical events give identical hashes and roots on both backends.
//!
//! Several processes may write one database: every append runs in one transaction that first
//! takes a transaction-scoped advisory lock (`pg_advisory_xact_lock`), so appends are
//! serialised across processes and the chain has one order; readers never wait (`verify`
//! reads one repeatable-read snapshot). Bulk rows go in with `COPY … FROM STDIN BINARY`.
//!
//! PostgreSQL is the system of record; projections are not kept here. Each host keeps an SQLite
//! replica that derives them ([`devspm_ledger::upstream`]): this store is its [`Upstream`]
//! (`upstream`), which also keeps the sealed personal data of aliases, their keys and the
//! secret-hashing key, so that every host sees them and an erasure reaches every host.
//!
//! Modules: `schema` (migrations, the schema version), `append` (appends and verbatim copies),
//! `upstream` (the replicas' system of record: pulls, shared values),
//! `verify` (the chain, tree, checkpoint and content check), `tree` ([`AuditStore`] and the
//! tree's rows), `error` (PostgreSQL errors as ledger errors, the URL without its password),
//! `scratch` (throwaway ledgers in databases of their own, for tests and benchmarks).

mod append;
mod error;
mod schema;
mod scratch;
mod tree;
mod upstream;
mod verify;

use std::cell::RefCell;

use devspm_core::{NewEvent, StoredEvent};
use devspm_ledger::chain::ChainAppender;
use devspm_ledger::{
    AppendSummary, CursorMove, EventLog, Head, Integrity, LedgerError, ProjectionReport,
    VerifyReport,
};
use postgres::{Client, GenericClient};

pub use append::CopyBatch;
pub use error::redact_url;
pub use schema::SCHEMA_VERSION;
pub use scratch::with_database;
pub use verify::MIGRATION_TARGET;

/// Whether `location` names a PostgreSQL database (`postgres://` or `postgresql://`).
pub fn is_postgres_url(location: &str) -> bool {
    let lower = location.get(..13).unwrap_or(location).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// The PostgreSQL ledger: one connection (statements of one store run one at a time).
pub struct PgStore {
    client: RefCell<Client>,
    /// The URL without its password, for messages.
    location: String,
    /// The end of the chain (head and the tree's right edge) as this store's last append left
    /// it: the next append starts from it when the head it reads under the lock is still that
    /// one (no other writer in between), instead of reading the right edge again.
    chain: RefCell<Option<ChainAppender>>,
    /// A throwaway database this store created, dropped after the connection closes
    /// (declared after the client, so that it drops last).
    scratch: Option<scratch::Scratch>,
}

/// How to open a PostgreSQL ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Open {
    /// Create the schema when the database has none, and bring an older one up to date.
    Create,
    /// Use the ledger as it is: refuse a database without one, or with an older schema
    /// (nothing is written).
    Existing,
}

impl PgStore {
    /// Connects to the database at `url` and checks (or, with [`Open::Create`], creates and
    /// migrates) its schema. A database written by a newer devspm is refused.
    pub fn open(url: &str, how: Open) -> Result<PgStore, LedgerError> {
        let location = redact_url(url);
        let client = error::connect(url, &location)?;
        let store = PgStore {
            client: RefCell::new(client),
            location,
            chain: RefCell::new(None),
            scratch: None,
        };
        schema::prepare(&mut store.client.borrow_mut(), &store.location, how)?;
        Ok(store)
    }

    /// Runs `f` with the connection, mapping its errors to ledger errors naming this database.
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, postgres::Error>,
    ) -> Result<T, LedgerError> {
        f(&mut self.client.borrow_mut()).map_err(|e| error::map(&self.location, e))
    }

    /// Runs SQL of the caller's choosing on this store's connection: for tests that tamper
    /// with the database the way an attacker with database access would.
    pub fn execute_for_tests(&self, sql: &str) -> Result<u64, LedgerError> {
        self.with(|c| c.execute(sql, &[]))
    }
}

/// A value of `ledger_meta`.
pub(crate) fn read_meta(
    c: &mut impl GenericClient,
    name: &str,
) -> Result<Option<String>, postgres::Error> {
    Ok(
        c.query_opt("SELECT value FROM ledger_meta WHERE name = $1", &[&name])?
            .map(|r| r.get(0)),
    )
}

/// The head recorded beside the chain (one statement).
pub(crate) fn read_head(c: &mut impl GenericClient) -> Result<Option<Head>, postgres::Error> {
    let rows = c.query(
        "SELECT name, value FROM ledger_meta WHERE name IN ('head_seq', 'head_hash')",
        &[],
    )?;
    let value = |name: &str| {
        rows.iter()
            .find(|r| r.get::<_, &str>(0) == name)
            .map(|r| r.get::<_, String>(1))
    };
    let seq = value("head_seq").and_then(|s| s.parse().ok());
    Ok(seq
        .zip(value("head_hash"))
        .map(|(seq, hash)| Head { seq, hash }))
}

impl EventLog for PgStore {
    fn location(&self) -> &str {
        &self.location
    }

    /// Analyzer cursors are not kept here (each host's replica keeps its own): a cursor move
    /// is refused before anything is appended.
    fn append_stream(
        &mut self,
        events: &mut dyn Iterator<Item = Result<NewEvent, LedgerError>>,
        cursor: CursorMove<'_>,
    ) -> Result<AppendSummary, LedgerError> {
        if let CursorMove::To { analyzer, .. } | CursorMove::ToHead { analyzer } = cursor {
            return Err(LedgerError::Refused {
                path: self.location.clone(),
                reason: format!(
                    "the cursor of analyzer `{analyzer}` cannot move here: PostgreSQL keeps no analyzer cursors (each host's replica does); nothing was appended"
                ),
            });
        }
        let mut events = events.map(|e| e.map(devspm_ledger::upstream::outgoing));
        append::append(self, &mut events, false).map(|a| a.summary)
    }

    fn head(&self) -> Result<Option<Head>, LedgerError> {
        self.with(read_head)
    }

    fn events(
        &self,
        kind: Option<&str>,
        after_seq: u64,
        limit: usize,
    ) -> Result<Vec<StoredEvent>, LedgerError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with(|c| {
            let rows = c.query(
                "SELECT seq, key, kind, at, actor, subject, payload, prev_hash, hash FROM events
                 WHERE seq > $1 AND ($2::text IS NULL OR kind = $2) ORDER BY seq LIMIT $3",
                &[&(after_seq as i64), &kind, &limit],
            )?;
            Ok(rows
                .iter()
                .map(|r| StoredEvent {
                    seq: r.get::<_, i64>(0) as u64,
                    key: r.get(1),
                    kind: r.get(2),
                    at: r.get(3),
                    actor: r.get(4),
                    subject: r.get(5),
                    payload: r.get(6),
                    prev_hash: r.get(7),
                    hash: r.get(8),
                })
                .collect())
        })
    }

    fn content(&self, sha256: &str) -> Result<Option<Vec<u8>>, LedgerError> {
        self.with(|c| {
            Ok(
                c.query_opt("SELECT bytes FROM contents WHERE sha256 = $1", &[&sha256])?
                    .and_then(|r| r.get::<_, Option<Vec<u8>>>(0)),
            )
        })
    }
}

impl Integrity for PgStore {
    fn verify(&self, progress: &mut dyn FnMut(u64)) -> Result<VerifyReport, LedgerError> {
        verify::verify(self, progress)
    }

    fn check_projections_kept(
        &self,
        _progress: &mut dyn FnMut(u64),
    ) -> Result<Option<ProjectionReport>, LedgerError> {
        // No projections are kept on PostgreSQL yet: nothing to compare.
        Ok(None)
    }
}
