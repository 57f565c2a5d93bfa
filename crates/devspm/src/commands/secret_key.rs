//! `devspm secret-key`: the key secrets are hashed with, kept outside the database
//! (`devspm_engine::secret_key` writes the key files; `devspm_report::secret_key` says what
//! to do next).

use devspm_ledger::EventLog;

use crate::cli::{GlobalArgs, SecretKeyCommand};
use crate::output::emit;
use crate::settings::Settings;

pub fn run(
    settings: &Settings,
    global: &GlobalArgs,
    command: SecretKeyCommand,
) -> anyhow::Result<i32> {
    match command {
        SecretKeyCommand::New { key } => {
            let path = key.path;
            devspm_engine::secret_key::new_key_file(&path)?;
            if !global.quiet {
                emit(&devspm_report::secret_key::created(
                    &path.display().to_string(),
                ))?;
            }
        }
        SecretKeyCommand::MoveOut { key } => {
            let path = key.path;
            if settings.secret_key_source.is_some() {
                anyhow::bail!(
                    "a key kept outside the database is already given (--secret-key-file, \
                     $DEVSPM_SECRET_KEY_FILE or $DEVSPM_SECRET_KEY); move-out writes the \
                     database's own key, so run it without one"
                );
            }
            let mut store = settings.open_store()?;
            let truncated = devspm_engine::secret_key::move_out(&mut store, &path)?;
            if !global.quiet {
                emit(&devspm_report::secret_key::moved_out(
                    store.location(),
                    &path.display().to_string(),
                    truncated,
                ))?;
            }
        }
    }
    Ok(0)
}
