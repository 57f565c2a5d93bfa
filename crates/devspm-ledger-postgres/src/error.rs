//! PostgreSQL errors as ledger errors, and the database's URL as messages show it (without its
//! password): connecting (unreachable server, wrong password, missing database) and statements
//! (busy, conflicting, a lost connection), mapped to the backend-neutral variants of
//! [`LedgerError`] as the SQLite backend maps SQLite's.

use std::time::Duration;

use devspm_ledger::LedgerError;
use postgres::{Client, Config, NoTls};

/// `url` with any password removed (in the user-info part and in a `password=` parameter),
/// so that messages, logs and reports never carry it.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split_once(':').map_or(user_info, |(u, _)| u);
            format!("{user}@{host}")
        }
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query
                .split('&')
                .filter(|p| !p.to_ascii_lowercase().starts_with("password="))
                .collect();
            if kept.is_empty() {
                path.to_owned()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// Connects, with a 10-second connect timeout unless the URL sets one.
pub(crate) fn connect(url: &str, location: &str) -> Result<Client, LedgerError> {
    let mut config: Config = url
        .parse()
        .map_err(|e: postgres::Error| LedgerError::Open {
            path: location.into(),
            reason: format!("not a usable PostgreSQL URL ({e})"),
        })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    if config.get_application_name().is_none() {
        config.application_name("devspm");
    }
    config.connect(NoTls).map_err(|e| LedgerError::Open {
        path: location.into(),
        reason: with_fix(&e),
    })
}

/// [`describe`], with what to do when the server named the cause: a database that does not
/// exist, a login refused, a server not listening.
fn with_fix(e: &postgres::Error) -> String {
    use postgres::error::SqlState;
    let text = describe(e);
    let fix = match e.code() {
        Some(c) if *c == SqlState::INVALID_CATALOG_NAME => {
            "; devspm makes its tables but not the database: create it first (`createdb NAME`, or `CREATE DATABASE name` in psql)"
        }
        Some(c)
            if *c == SqlState::INVALID_PASSWORD
                || *c == SqlState::INVALID_AUTHORIZATION_SPECIFICATION =>
        {
            "; check the user and password in the URL"
        }
        None if text.contains("Connection refused") => {
            "; is PostgreSQL running and listening on that host and port?"
        }
        _ => "",
    };
    format!("{text}{fix}")
}

/// One sentence for a PostgreSQL error: the server's message when there is one.
fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => {
            let text = e.to_string();
            match std::error::Error::source(e) {
                Some(cause) if !text.contains(&cause.to_string()) => format!("{text}: {cause}"),
                _ => text,
            }
        }
    }
}

/// A PostgreSQL error as a ledger error naming the database: a lock that could not be had, a
/// deadlock or a serialization failure is [`LedgerError::Locked`] (wait and retry), a violated
/// constraint [`LedgerError::Conflict`], a lost connection [`LedgerError::Open`].
pub(crate) fn map(location: &str, e: postgres::Error) -> LedgerError {
    use postgres::error::SqlState;
    if let Some(code) = e.code() {
        if *code == SqlState::LOCK_NOT_AVAILABLE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::T_R_SERIALIZATION_FAILURE
        {
            return LedgerError::Locked {
                path: location.into(),
            };
        }
        // Class 23: integrity constraint violation (unique, foreign key, check, not null).
        if code.code().starts_with("23") {
            return LedgerError::Conflict {
                location: location.into(),
                source: describe(&e).into(),
            };
        }
    }
    if e.is_closed() {
        return LedgerError::Open {
            path: location.into(),
            reason: format!(
                "the connection was lost ({}); the transaction in progress was rolled back and everything committed before it is intact: run the command again",
                describe(&e)
            ),
        };
    }
    LedgerError::Refused {
        path: location.into(),
        reason: describe(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_reach_a_message() {
        assert_eq!(
            redact_url("postgres://devspm:s3cret@db.example:5432/ledger"),
            "postgres://devspm@db.example:5432/ledger"
        );
        assert_eq!(
            redact_url("postgresql://u:p@h/db?sslmode=disable&password=x"),
            "postgresql://u@h/db?sslmode=disable"
        );
        assert_eq!(redact_url("postgres://h/db?password=x"), "postgres://h/db");
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
        assert_eq!(redact_url("postgres://a:b@c"), "postgres://a@c");
    }
}
