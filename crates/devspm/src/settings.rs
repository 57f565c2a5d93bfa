//! What the parsed command line means: the database location, the configuration and the
//! catalogue the program runs with. Parsing (`cli.rs`) and meaning stay apart.
//!
//! The configuration decides who is who (`[[identity]]`), which e-mails are AI agents or bots,
//! teams, policy and secret rules: it belongs to the operator, so it is read only from
//! `--config`, `$DEVSPM_CONFIG` or the user's configuration folder — never from the current
//! directory, which is often a checkout of a repository being scanned, whose authors could
//! otherwise declare themselves an agent or someone else.

use std::path::{Path, PathBuf};

use anyhow::Context;
use devspm_engine::configuration::Configuration;
use devspm_engine::store::AnyStore;

use crate::cli::GlobalArgs;

/// The resolved settings.
pub struct Settings {
    pub db_path: PathBuf,
    /// Whether the database path is the default one (its folder may be created).
    pub db_is_default: bool,
    /// The configuration file loaded and validated (`devspm_engine::configuration`).
    pub configuration: Configuration,
    pub config_path: Option<PathBuf>,
    /// Where `config_path` came from, for `-v`: `--config`, `$DEVSPM_CONFIG` or the user's
    /// configuration folder.
    pub config_source: &'static str,
    /// A `./devspm.toml` that exists but is not read (the front end says so once).
    pub ignored_local_config: Option<PathBuf>,
    /// `-q`: no notices on standard error.
    pub quiet: bool,
    /// Where the secret-hashing key comes from when it is kept outside the database; read when
    /// a command first needs it (see [`Settings::secret_key`]).
    pub secret_key_source: Option<SecretKeySource>,
    /// Where the engine's warnings and progress go.
    pub terminal: crate::channels::Terminal,
    /// Never raised yet: Ctrl-C ends the process, and the ledger is safe against that.
    pub interrupt: devspm_engine::Interrupt,
}

/// A secret-hashing key kept outside the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretKeySource {
    /// A file holding the key as 64 hex digits (`--secret-key-file`, `$DEVSPM_SECRET_KEY_FILE`).
    File(PathBuf),
    /// The key itself, 64 hex digits, in `$DEVSPM_SECRET_KEY` (read again when needed, so that
    /// it is not copied around).
    Environment,
}

/// The variable that carries the key itself.
pub const SECRET_KEY_VAR: &str = "DEVSPM_SECRET_KEY";

impl Settings {
    pub fn resolve(global: &GlobalArgs) -> anyhow::Result<Settings> {
        let (db_path, db_is_default) = match &global.db {
            Some(path) => (path.clone(), false),
            None => (default_db_path()?, true),
        };
        let (config_path, config_source) = match &global.config {
            Some(path) => {
                let source = if std::env::var_os("DEVSPM_CONFIG").is_some_and(|v| v == *path) {
                    "$DEVSPM_CONFIG"
                } else {
                    "--config"
                };
                if !path.is_file() {
                    anyhow::bail!(
                        "configuration file {} does not exist (given with {source})",
                        path.display()
                    );
                }
                (Some(path.clone()), source)
            }
            None => (user_config_path(), "the user configuration folder"),
        };
        let ignored_local_config = ignored_local_config(config_path.as_deref());
        let configuration = Configuration::load(config_path.as_deref())?;
        let secret_key_source = match (&global.secret_key_file, std::env::var_os(SECRET_KEY_VAR)) {
            (Some(_), Some(_)) => anyhow::bail!(
                "both a secret key file (--secret-key-file or $DEVSPM_SECRET_KEY_FILE) and the key \
                 itself ($DEVSPM_SECRET_KEY) are given; give one of them"
            ),
            (Some(path), None) => Some(SecretKeySource::File(path.clone())),
            (None, Some(_)) => Some(SecretKeySource::Environment),
            (None, None) => None,
        };
        Ok(Settings {
            db_path,
            db_is_default,
            configuration,
            config_path,
            config_source,
            ignored_local_config,
            quiet: global.quiet,
            secret_key_source,
            terminal: crate::channels::Terminal::new(global.quiet),
            interrupt: devspm_engine::Interrupt::new(),
        })
    }

    /// The secret-hashing key kept outside the database, if one is configured.
    pub fn external_secret_key(&self) -> anyhow::Result<Option<[u8; 32]>> {
        match &self.secret_key_source {
            None => Ok(None),
            Some(SecretKeySource::File(path)) => {
                let text = match std::fs::read_to_string(path) {
                    Ok(text) => text,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => anyhow::bail!(
                        "secret key file {} does not exist (given with --secret-key-file or \
                         $DEVSPM_SECRET_KEY_FILE); make one with `devspm secret-key new {}`",
                        path.display(),
                        path.display()
                    ),
                    Err(e) => {
                        anyhow::bail!("cannot read secret key file {}: {e}", path.display())
                    }
                };
                let key = devspm_engine::secret_key::parse(&text)
                    .map_err(|why| anyhow::anyhow!("secret key file {}: {why}", path.display()))?;
                Ok(Some(key))
            }
            Some(SecretKeySource::Environment) => {
                let text = std::env::var(SECRET_KEY_VAR).map_err(|_| {
                    anyhow::anyhow!(
                        "${SECRET_KEY_VAR} is not valid text; it must hold 64 hexadecimal digits"
                    )
                })?;
                let key = devspm_engine::secret_key::parse(&text)
                    .map_err(|why| anyhow::anyhow!("${SECRET_KEY_VAR}: {why}"))?;
                Ok(Some(key))
            }
        }
    }

    /// What the engine's pipelines run with.
    pub fn context(&self) -> devspm_engine::Context<'_> {
        devspm_engine::Context {
            config: &self.configuration.config,
            catalogue: &self.configuration.catalogue,
            policy: &self.configuration.policy,
            secret_rules: self.configuration.secret_rules.as_deref(),
            secret_key: self,
            diagnostics: &self.terminal,
            progress: &self.terminal,
            interrupt: &self.interrupt,
        }
    }

    /// Says, unless `-q`, that another process is writing to the ledger and this one waits.
    fn waiting(&self) -> impl FnMut(&str) + '_ {
        move |holder| {
            if !self.quiet {
                eprintln!(
                    "devspm: waiting for {} to finish writing to {} …",
                    crate::output::escape(holder),
                    crate::output::escape(&self.db_path.display().to_string())
                );
            }
        }
    }

    /// Opens the ledger, creating the default data folder when needed.
    pub fn open_store(&self) -> anyhow::Result<AnyStore> {
        self.check_db_folder()?;
        let store = devspm_engine::store::open(&self.db_path, Some(&mut self.waiting()))?;
        self.say_replica_note(&store);
        Ok(store)
    }

    /// Says (as a warning) that a PostgreSQL ledger's local replica had to be rebuilt.
    fn say_replica_note(&self, store: &AnyStore) {
        if let Some(note) = devspm_engine::store::replica_note(store) {
            devspm_engine::Diagnostics::warn(&self.terminal, note);
        }
    }

    /// Opens the ledger (SQLite or PostgreSQL) for a command that runs on either backend: to
    /// read only, or to `write` checkpoints.
    pub fn open_log(&self, write: bool) -> anyhow::Result<devspm_engine::store::LogStore> {
        if write {
            self.check_db_folder()?;
        }
        Ok(devspm_engine::store::open_log(
            &self.db_path,
            write,
            Some(&mut self.waiting()),
        )?)
    }

    /// Creates the default data folder when needed; refuses a database in a missing folder.
    fn check_db_folder(&self) -> anyhow::Result<()> {
        if let devspm_engine::store::Location::Postgres(_) =
            devspm_engine::store::location(&self.db_path)
        {
            return Ok(()); // a database server, not a folder
        }
        if self.db_is_default
            && let Some(parent) = self.db_path.parent()
        {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the data folder {}", parent.display()))?;
        }
        if let Some(parent) = self.db_path.parent()
            && !parent.as_os_str().is_empty()
            && !parent.is_dir()
        {
            anyhow::bail!(
                "cannot create database {}: folder {} does not exist",
                self.db_path.display(),
                parent.display()
            );
        }
        Ok(())
    }

    /// Opens the ledger for writing unless another process is writing to it (`Ok(None)`):
    /// for git hooks, which must never hold up a commit.
    pub fn try_open_store(&self) -> anyhow::Result<Option<AnyStore>> {
        self.check_db_folder()?;
        Ok(devspm_engine::store::try_open(&self.db_path)?)
    }

    /// Opens the ledger for reading only (nothing is written to the file, and no writer is
    /// waited for). A database of an older schema is upgraded first when the file is
    /// writable.
    pub fn open_store_read_only(&self) -> anyhow::Result<AnyStore> {
        let store = devspm_engine::store::open_read_only(&self.db_path, Some(&mut self.waiting()))?;
        self.say_replica_note(&store);
        Ok(store)
    }
}

/// The external key, read when a pipeline first needs it.
impl devspm_engine::SecretKey for Settings {
    fn external(&self) -> Result<Option<[u8; 32]>, devspm_engine::EngineError> {
        self.external_secret_key()
            .map_err(|e| devspm_engine::EngineError::Invalid(format!("{e:#}")))
    }
}

/// `devspm.db` in the platform data directory.
fn default_db_path() -> anyhow::Result<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let base = if cfg!(target_os = "macos") {
        home.map(|h| h.join("Library/Application Support"))
    } else if cfg!(windows) {
        std::env::var_os("APPDATA").map(PathBuf::from)
    } else {
        std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .or_else(|| home.map(|h| h.join(".local/share")))
    };
    let base = base.context(
        "cannot find a data directory for the default database (HOME is not set); pass --db PATH or set DEVSPM_DB",
    )?;
    Ok(base.join("devspm").join("devspm.db"))
}

/// Where the user's configuration file is looked for: `devspm/devspm.toml` in
/// `$XDG_CONFIG_HOME`, else in `~/.config`.
pub fn user_config_location() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("devspm").join("devspm.toml"))
}

/// The user's configuration file, if it exists. Never a file of the current directory: see
/// the module comment.
fn user_config_path() -> Option<PathBuf> {
    user_config_location().filter(|p| p.is_file())
}

/// `./devspm.toml` when it exists and is not the configuration in effect (the same file given
/// with `--config` is not "ignored").
fn ignored_local_config(in_effect: Option<&Path>) -> Option<PathBuf> {
    let local = Path::new("devspm.toml");
    if !local.is_file() {
        return None;
    }
    let same =
        in_effect.is_some_and(
            |p| match (std::fs::canonicalize(p), std::fs::canonicalize(local)) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            },
        );
    (!same).then(|| local.to_path_buf())
}
