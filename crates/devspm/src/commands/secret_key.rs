//! `devspm secret-key`: the key secrets are hashed with, kept outside the database.
//!
//! `new PATH` writes a fresh random key for a database that is to use an external key from its
//! first run; `move-out PATH` writes a database's own key to PATH and then deletes it from the
//! database (which keeps a check value only). Key files hold 64 hex digits and a newline, and
//! are created readable by their owner only; an existing file is never overwritten.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use devspm_ledger::{FindingStore, Store};

use crate::cli::{GlobalArgs, SecretKeyCommand};
use crate::output::emit;
use crate::settings::Settings;

/// Creates `path` (owner-only, never overwriting) holding `key`, flushed to disk.
fn write_key_file(path: &Path, key: &[u8; 32]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => anyhow::bail!(
            "{} already exists; a key file is never overwritten (choose another path)",
            path.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
    };
    let text = format!("{}\n", devspm_core::hex::encode(key));
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

pub fn run(
    settings: &Settings,
    global: &GlobalArgs,
    command: SecretKeyCommand,
) -> anyhow::Result<i32> {
    match command {
        SecretKeyCommand::New { path } => {
            let mut key = [0u8; 32];
            getrandom::fill(&mut key)
                .map_err(|e| anyhow::anyhow!("the operating system's random source failed: {e}"))?;
            write_key_file(&path, &key)?;
            if !global.quiet {
                emit(&format!(
                    "wrote a new secret-hashing key to {0}\n\
                     Use it from a new database's first run on: --secret-key-file {0} (or \
                     DEVSPM_SECRET_KEY_FILE={0}). Keep a copy where the database is not: without \
                     the key, its secret hashes can never be matched again.\n",
                    path.display()
                ))?;
            }
        }
        SecretKeyCommand::MoveOut { path } => {
            if settings.secret_key_source.is_some() {
                anyhow::bail!(
                    "a key kept outside the database is already given (--secret-key-file, \
                     $DEVSPM_SECRET_KEY_FILE or $DEVSPM_SECRET_KEY); move-out writes the \
                     database's own key, so run it without one"
                );
            }
            let mut store = settings.open_store()?;
            // The file first: the key leaves the database only once it is safely elsewhere.
            let key = match store.secret_key(None) {
                Ok(key) => key,
                Err(devspm_ledger::LedgerError::Refused { path, .. }) => anyhow::bail!(
                    "database {path} holds no secret-hashing key of its own: its hashes are made \
                     with a key kept outside it already, so there is nothing to move"
                ),
                Err(e) => return Err(e.into()),
            };
            write_key_file(&path, &key)?;
            let truncated = store.delete_own_secret_key()?;
            if !global.quiet {
                emit(&format!(
                    "moved the secret-hashing key of {db} to {key}\n\
                     The database keeps only a check value. From now on give the key to every \
                     command that hashes secrets (scan, ingest, import, hook): --secret-key-file \
                     {key} or DEVSPM_SECRET_KEY_FILE={key}. Keep a copy where the database is not.\n",
                    db = store.location(),
                    key = path.display()
                ))?;
                if !truncated {
                    emit(
                        "note: another process holds the database open; the key's bytes leave its \
                         write-ahead log when the last process closes it\n",
                    )?;
                }
            }
        }
    }
    Ok(0)
}
