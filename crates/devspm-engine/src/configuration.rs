//! The operator's configuration file as the pipelines run with it, and the effective
//! configuration `config show` prints.
//!
//! [`Configuration::load`] reads one file (or none: the built-in defaults) and validates all of
//! it before anything runs: `[[identity]]` and the rest of [`Config`], `[[agent]]`/`[[bot]]`
//! onto the built-in [`Catalogue`], `[policy]` and the extra rules of `[secrets]`. Which file
//! that is — a flag, an environment variable, the user's configuration folder, never the
//! content of a repository being scanned — is the front end's decision; a server loads the
//! same file the same way. [`report`] turns what was loaded, with a plain description of where
//! the front end found each source ([`Sources`]), into the rows of `config show`
//! (`devspm_report::config` renders them).

use std::path::Path;

use devspm_core::catalogue::Catalogue;
use devspm_core::config::Config;
use devspm_core::event::IdentityKind;
use devspm_governance::policy::Policy;

pub use devspm_report::config::Setting;

use crate::EngineError;

/// A configuration file loaded and validated.
pub struct Configuration {
    pub config: Config,
    /// The built-in catalogue with the file's `[[agent]]` and `[[bot]]`.
    pub catalogue: Catalogue,
    /// `[policy]` (empty: nothing governed).
    pub policy: Policy,
    /// `[secrets]` as TOML text, for the secret detector (its rules already compiled once).
    pub secret_rules: Option<String>,
    /// The file's text (none without a file), for the lines `config show` names.
    text: Option<String>,
}

impl Configuration {
    /// The configuration of the file at `path`, or the built-in defaults without one. A bad
    /// table, identity, policy entry or secret rule is an error naming the file.
    pub fn load(path: Option<&Path>) -> Result<Configuration, EngineError> {
        let Some(path) = path else {
            return Ok(Configuration {
                config: Config::default(),
                catalogue: Catalogue::builtin(),
                policy: Policy::default(),
                secret_rules: None,
                text: None,
            });
        };
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| {
            EngineError::io(format!("cannot read configuration file {origin}"), source)
        })?;
        let config =
            Config::parse(&text, &origin).map_err(|e| EngineError::Invalid(e.to_string()))?;
        let policy = Policy::from_config_text(&text, &origin)
            .map_err(|e| EngineError::Invalid(e.to_string()))?;
        let secret_rules = config.secrets_text().map_err(|e| {
            EngineError::Invalid(format!(
                "cannot read [secrets] of the configuration file: {e}"
            ))
        })?;
        if let Some(rules) = &secret_rules {
            // Validated now: a bad rule is an error before anything runs.
            devspm_secrets::Scanner::with_extensions(&[rules.as_str()])
                .map_err(|e| EngineError::Invalid(format!("[secrets] of {origin}: {e}")))?;
        }
        let mut catalogue = Catalogue::builtin();
        catalogue.extend(config.catalogue_extensions());
        Ok(Configuration {
            config,
            catalogue,
            policy,
            secret_rules,
            text: Some(text),
        })
    }
}

/// Where the database named by `--db` (or its default) came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatabaseFrom {
    /// The platform data folder.
    Default,
    /// `$DEVSPM_DB`.
    Environment,
    /// `--db`.
    Flag,
}

/// Where the secret-hashing key comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyFrom {
    /// Kept in the database (the default).
    Database,
    /// A key file, named by `$DEVSPM_SECRET_KEY_FILE` (`environment`) or `--secret-key-file`.
    File { path: String, environment: bool },
    /// The key itself in the environment variable named.
    Environment(&'static str),
}

/// Where the front end found each source of the configuration: a plain description, so that
/// any front end (a server's "effective configuration" endpoint too) gets the same rows.
#[derive(Clone, Debug)]
pub struct Sources {
    /// The database as shown (a PostgreSQL URL without its password).
    pub database: String,
    pub database_from: DatabaseFrom,
    /// The configuration file and what named it (`--config`, `$DEVSPM_CONFIG`, the user
    /// configuration folder), if one is read.
    pub config_file: Option<(String, &'static str)>,
    /// Where a configuration file was looked for and not found (without one).
    pub looked_at: Option<String>,
    pub key: KeyFrom,
    /// A `./devspm.toml` that exists and is not read.
    pub ignored_local: Option<String>,
}

/// `config show`: every setting, its value and where it came from.
pub fn report(loaded: &Configuration, sources: &Sources) -> Result<Vec<Setting>, EngineError> {
    let config = &loaded.config;
    let config_from = sources.config_file.as_ref().map(|(path, _)| path.clone());
    let in_file = |present: bool| -> String {
        match (&config_from, present) {
            (Some(path), true) => path.clone(),
            _ => "default".to_owned(),
        }
    };
    // Catalogue entries of a kind, with those the configuration adds.
    let catalogued =
        |setting: &'static str, kind: IdentityKind, added: usize, table: &str| Setting {
            setting,
            value: format!(
                "{} catalogued{}",
                loaded
                    .catalogue
                    .accounts
                    .iter()
                    .filter(|a| a.kind == kind)
                    .count(),
                match added {
                    0 => String::new(),
                    n => format!(" ({n} from [[{table}]])"),
                }
            ),
            from: if added == 0 {
                "built-in catalogue".to_owned()
            } else {
                format!("built-in catalogue and {}", in_file(true))
            },
        };
    let policy = &loaded.policy;
    let mut rows = vec![
        Setting {
            setting: "database",
            value: sources.database.clone(),
            from: match sources.database_from {
                DatabaseFrom::Default => "default (the platform data folder)",
                DatabaseFrom::Environment => "$DEVSPM_DB",
                DatabaseFrom::Flag => "--db",
            }
            .to_owned(),
        },
        Setting {
            setting: "configuration file",
            value: config_from
                .clone()
                .unwrap_or_else(|| "none (built-in defaults)".to_owned()),
            from: match &sources.config_file {
                Some((_, source)) => (*source).to_owned(),
                None => format!(
                    "nothing at {}",
                    sources
                        .looked_at
                        .as_deref()
                        .unwrap_or("the user configuration folder")
                ),
            },
        },
        Setting {
            setting: "secret-hashing key",
            value: match &sources.key {
                KeyFrom::File { path, .. } => format!("the file {path}"),
                KeyFrom::Environment(_) => "the key in the environment".to_owned(),
                KeyFrom::Database => "kept in the database".to_owned(),
            },
            from: match &sources.key {
                KeyFrom::File {
                    environment: true, ..
                } => "$DEVSPM_SECRET_KEY_FILE".to_owned(),
                KeyFrom::File { .. } => "--secret-key-file".to_owned(),
                KeyFrom::Environment(var) => format!("${var}"),
                KeyFrom::Database => "default".to_owned(),
            },
        },
        Setting {
            setting: "identities ([[identity]])",
            value: format!(
                "{} declared{}",
                config.identity.len(),
                match config
                    .identity
                    .iter()
                    .filter_map(|i| i.team.as_deref())
                    .collect::<std::collections::BTreeSet<_>>()
                    .len()
                {
                    0 => String::new(),
                    n => format!(", in {n} team(s)"),
                }
            ),
            from: in_file(!config.identity.is_empty()),
        },
        catalogued(
            "AI agents",
            IdentityKind::Agent,
            config.agent.len(),
            "agent",
        ),
        catalogued("bots", IdentityKind::Bot, config.bot.len(), "bot"),
        Setting {
            setting: "resolution.merge_on_full_name",
            value: config.resolution.merge_on_full_name.to_string(),
            from: in_file(config.resolution.merge_on_full_name),
        },
        Setting {
            setting: "policy",
            value: if policy.declared {
                format!(
                    "declared; signed commits {}",
                    if policy.require_signed_commits {
                        "required"
                    } else {
                        "not required"
                    }
                )
            } else {
                "none (nothing governed)".to_owned()
            },
            from: in_file(policy.declared),
        },
        Setting {
            setting: "secrets (extra rules, allowlists)",
            value: if config.secrets.is_some() {
                "[secrets] table".to_owned()
            } else {
                "built-in rules only".to_owned()
            },
            from: in_file(config.secrets.is_some()),
        },
        Setting {
            setting: "limits.max_blob_bytes",
            value: config.limits.max_blob_bytes.to_string(),
            from: in_file(
                config.limits.max_blob_bytes != devspm_core::config::DEFAULT_MAX_BLOB_BYTES,
            ),
        },
    ];
    // Every [posture] weight and [signals] threshold, resolved by the library that uses them.
    let file = config_from.as_deref().zip(loaded.text.as_deref());
    for s in devspm_posture::effective_settings(&config.posture, &config.signals, file)
        .map_err(EngineError::Invalid)?
    {
        rows.push(Setting {
            setting: s.key,
            value: s.value,
            from: s.from,
        });
    }
    if let Some(local) = &sources.ignored_local {
        rows.push(Setting {
            setting: "./devspm.toml",
            value: format!("{local} (not read)"),
            from: "the current folder: repository content is never configuration; pass --config to use it".to_owned(),
        });
    }
    Ok(rows)
}
