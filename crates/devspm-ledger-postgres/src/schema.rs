//! The PostgreSQL schema and its versions. PostgreSQL's own dialect (`bigint`, `bytea`), one
//! migration per version in order, each in one transaction under an advisory lock, so two
//! processes opening a new database at once do not both create it. The version lives in
//! `devspm_schema` (PostgreSQL has no `user_version`); a database whose version is newer than
//! this build's is refused with both numbers, and a database with devspm's table names but no
//! version row is not taken for a ledger.

use devspm_ledger::LedgerError;
use postgres::Client;

use crate::Open;
use crate::error::map;

/// The schema version this build writes and reads (PostgreSQL's own numbering: the SQLite
/// schema's versions also carry projections that this backend does not keep yet).
pub const SCHEMA_VERSION: i64 = 2;

/// Migrations, in order; migration `i` brings the schema to version `i + 1`.
const MIGRATIONS: [&str; 2] = [
    r#"
CREATE TABLE devspm_schema (
    application text    NOT NULL,
    version     integer NOT NULL
);
INSERT INTO devspm_schema (application, version) VALUES ('devspm', 0);

-- The hash chain: the same columns, and the same text, as the SQLite ledger's `events`.
CREATE TABLE events (
    seq       bigint PRIMARY KEY,
    key       text   NOT NULL UNIQUE,
    kind      text   NOT NULL,
    at        text   NOT NULL,
    actor     text   NOT NULL,
    subject   text   NOT NULL,
    payload   text   NOT NULL,
    prev_hash text   NOT NULL,
    hash      text   NOT NULL
);
CREATE INDEX events_kind ON events (kind, seq);

-- The head as of the last append (catches removal of the newest events), and markers such as
-- a migration in progress.
CREATE TABLE ledger_meta (
    name  text PRIMARY KEY,
    value text NOT NULL
);

-- Outside the chain: content addressed by SHA-256 (commit messages). Can be redacted.
CREATE TABLE contents (
    sha256 text PRIMARY KEY,
    bytes  bytea
);

-- The Merkle tree's perfect subtrees of level 4 and up (devspm_ledger::audit).
CREATE TABLE merkle_nodes (
    level integer NOT NULL,
    idx   bigint  NOT NULL,
    hash  bytea   NOT NULL,
    PRIMARY KEY (level, idx)
);

-- Checkpoints signed with `devspm audit checkpoint` (ids kept when a ledger is migrated).
CREATE TABLE checkpoints (
    id         bigint PRIMARY KEY,
    origin     text   NOT NULL,
    tree_size  bigint NOT NULL,
    root_hash  text   NOT NULL,
    key_name   text   NOT NULL,
    verifier   text   NOT NULL,
    note       text   NOT NULL,
    created_at text   NOT NULL
);
"#,
    r#"
-- Version 2: PostgreSQL is the system of record of every host's replica (devspm_ledger::upstream).
-- `added_seq`: the first sequence number of the append that stored the row, so a replica
-- catching up after event N reads the rows stored since.
ALTER TABLE contents ADD COLUMN added_seq bigint NOT NULL DEFAULT 1;
CREATE INDEX contents_added ON contents (added_seq);

-- Personal data behind alias ids, sealed by devspm (ChaCha20-Poly1305) before it arrives, and
-- the per-alias keys kept apart: erasing a key shreds the record (`identities forget`).
CREATE TABLE pii_keys (
    key_id text  PRIMARY KEY,
    key    bytea NOT NULL
);
CREATE TABLE alias_pii (
    alias_id  text   PRIMARY KEY,
    key_id    text   NOT NULL,
    nonce     bytea  NOT NULL,
    sealed    bytea  NOT NULL,
    added_seq bigint NOT NULL DEFAULT 1
);
CREATE INDEX alias_pii_added ON alias_pii (added_seq);

-- The ledger's own random id: names each host's replica file.
INSERT INTO ledger_meta (name, value)
VALUES ('ledger_id', md5(random()::text || clock_timestamp()::text || pg_backend_pid()::text))
ON CONFLICT (name) DO NOTHING;
"#,
];

/// The advisory lock key that serialises migrations ("dspm" and 0).
const MIGRATE_LOCK: i64 = 0x6473_706d_0000_0000;

/// Checks the schema, creating or migrating it when `how` allows.
pub(crate) fn prepare(client: &mut Client, location: &str, how: Open) -> Result<(), LedgerError> {
    let err = |e| map(location, e);
    let mut tx = client.transaction().map_err(err)?;
    if how == Open::Create {
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK])
            .map_err(err)?;
    }
    let has_schema: bool = tx
        .query_one("SELECT to_regclass('devspm_schema') IS NOT NULL", &[])
        .map_err(err)?
        .get(0);
    let version: i64 = if has_schema {
        let row = tx
            .query_opt("SELECT application, version FROM devspm_schema", &[])
            .map_err(err)?;
        match row {
            Some(r) if r.get::<_, String>(0) == "devspm" => i64::from(r.get::<_, i32>(1)),
            _ => {
                return Err(LedgerError::NotADatabase {
                    path: location.into(),
                    reason: "its devspm_schema table does not name a devspm ledger".into(),
                });
            }
        }
    } else {
        let events: bool = tx
            .query_one("SELECT to_regclass('events') IS NOT NULL", &[])
            .map_err(err)?
            .get(0);
        if events {
            return Err(LedgerError::NotADatabase {
                path: location.into(),
                reason: "it has an `events` table that devspm did not create".into(),
            });
        }
        0
    };
    if version > SCHEMA_VERSION {
        return Err(LedgerError::NewerSchema {
            path: location.into(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version == SCHEMA_VERSION {
        return tx.commit().map_err(err);
    }
    if how == Open::Existing {
        return Err(if version == 0 {
            LedgerError::Open {
                path: location.into(),
                reason: "no devspm ledger in this database yet: copy one with `devspm migrate --from LEDGER.db --to URL`".into(),
            }
        } else {
            LedgerError::OlderSchema {
                path: location.into(),
                found: version,
                current: SCHEMA_VERSION,
            }
        });
    }
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let target = index as i64 + 1;
        if target <= version {
            continue;
        }
        tx.batch_execute(sql).map_err(err)?;
        tx.execute("UPDATE devspm_schema SET version = $1", &[&(target as i32)])
            .map_err(err)?;
    }
    tx.commit().map_err(err)
}
