//! A PostgreSQL database of its own for a test, on the server of `$DEVSPM_TEST_POSTGRES_URL`
//! (default: the local one), created empty and dropped with the value, with a few ways to look
//! inside it.

use std::sync::atomic::{AtomicU64, Ordering};

/// The test server's URL.
pub fn server() -> String {
    std::env::var("DEVSPM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database of its own on the test server, dropped with this value.
pub struct Database {
    pub name: String,
    pub url: String,
}

impl Database {
    /// A new empty database named `devspm_PREFIX_PID_N`.
    pub fn new(prefix: &str) -> Database {
        static N: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "devspm_{prefix}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = postgres::Client::connect(&server(), postgres::NoTls)
            .expect("PostgreSQL is needed for these tests ($DEVSPM_TEST_POSTGRES_URL)");
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let base = server()
            .rsplit_once('/')
            .map(|(b, _)| b.to_owned())
            .unwrap();
        Database {
            url: format!("{base}/{name}"),
            name,
        }
    }

    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).unwrap()
    }

    /// The one number a query returns.
    pub fn count(&self, sql: &str) -> i64 {
        self.client().query_one(sql, &[]).unwrap().get(0)
    }

    pub fn execute(&self, sql: &str) {
        self.client().batch_execute(sql).unwrap();
    }

    /// Events in the ledger, 0 before its schema exists.
    pub fn events(&self) -> i64 {
        let exists: bool = self
            .client()
            .query_one("SELECT to_regclass('events') IS NOT NULL", &[])
            .unwrap()
            .get(0);
        if exists {
            self.count("SELECT count(*) FROM events")
        } else {
            0
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&server(), postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
