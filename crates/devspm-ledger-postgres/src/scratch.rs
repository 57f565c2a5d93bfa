//! Throwaway ledgers for tests and benchmarks: a new, uniquely named database on a server,
//! with the ledger's schema, dropped (with any connection still open to it) when the store
//! that created it is dropped.

use std::sync::atomic::{AtomicU64, Ordering};

use devspm_ledger::LedgerError;

use crate::{Open, PgStore, error};

/// A database created for one store, dropped after it.
pub(crate) struct Scratch {
    server: String,
    name: String,
    url: String,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Best effort: a server gone by now leaves the database behind, nothing worse.
        if let Ok(mut admin) = postgres::Client::connect(&self.server, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let query = tail.split_once('?').map(|(_, q)| q);
    match query {
        Some(q) => format!("{scheme}://{authority}/{name}?{q}"),
        None => format!("{scheme}://{authority}/{name}"),
    }
}

impl PgStore {
    /// A new ledger in a new database on the server of `server_url` (whose own database is
    /// used to create and later drop it), dropped with the store.
    pub fn scratch(server_url: &str) -> Result<PgStore, LedgerError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "devspm_scratch_{}_{}_{}",
            std::process::id(),
            jiff::Timestamp::now().as_millisecond(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let location = error::redact_url(server_url);
        let mut admin = error::connect(server_url, &location)?;
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .map_err(|e| error::map(&location, e))?;
        let url = with_database(server_url, &name);
        let guard = Scratch {
            server: server_url.to_owned(),
            name,
            url: url.clone(),
        };
        let mut store = PgStore::open(&url, Open::Create)?;
        store.scratch = Some(guard);
        Ok(store)
    }

    /// The URL of a scratch store's database (with its password, if the server URL had one),
    /// for a second connection to it.
    pub fn scratch_url(&self) -> Option<&str> {
        self.scratch.as_ref().map(|s| s.url.as_str())
    }
}
