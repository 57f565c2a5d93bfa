//! Commands about devspm itself rather than about repositories: shell completions, man pages,
//! and `config show` (the effective configuration and where each value came from).

use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;
use serde::Serialize;

use devspm_core::event::IdentityKind;

use crate::cli::{Cli, Format, GlobalArgs};
use crate::output::{Table, emit, emit_json};
use crate::settings::{SecretKeySource, Settings};

/// `devspm completions SHELL`: the completion script on standard output.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<i32> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "devspm", &mut script);
    let script = String::from_utf8(script).context("the completion script is not UTF-8")?;
    emit(&script)?;
    Ok(0)
}

/// `devspm man --out DIR`: `devspm.1` and a page per subcommand (`devspm-audit-verify.1` …).
pub fn man(out: &Path) -> anyhow::Result<i32> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut written = Vec::new();
    write_pages(&Cli::command(), "devspm", out, &mut written)?;
    emit(&format!(
        "{} man page(s) written to {}; read one with `man -l {}`\n",
        written.len(),
        out.display(),
        out.join("devspm.1").display()
    ))?;
    Ok(0)
}

fn write_pages(
    command: &clap::Command,
    name: &str,
    out: &Path,
    written: &mut Vec<String>,
) -> anyhow::Result<()> {
    // Pages of subcommands are named by their path, as git's are (`devspm-audit-verify`).
    let command = command
        .clone()
        .name(name.to_owned())
        .bin_name(name.replace('-', " "));
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut page)
        .with_context(|| format!("cannot render the man page of {name}"))?;
    let path = out.join(format!("{name}.1"));
    std::fs::write(&path, page).with_context(|| format!("cannot write {}", path.display()))?;
    written.push(name.to_owned());
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        write_pages(sub, &format!("{name}-{}", sub.get_name()), out, written)?;
    }
    Ok(())
}

/// One row of `config show`.
#[derive(Serialize)]
struct Setting {
    setting: &'static str,
    value: String,
    from: String,
}

/// `devspm config show`.
pub fn show(settings: &Settings, global: &GlobalArgs) -> anyhow::Result<i32> {
    let env_is = |var: &str, value: &Path| std::env::var_os(var).is_some_and(|v| v == value);
    let config_from = settings
        .config_path
        .as_ref()
        .map(|p| p.display().to_string());
    let in_file = |present: bool| -> String {
        match (&config_from, present) {
            (Some(path), true) => path.clone(),
            _ => "default".to_owned(),
        }
    };
    let config = &settings.config;
    // Catalogue entries of a kind, with those the configuration adds.
    let catalogued =
        |setting: &'static str, kind: IdentityKind, added: usize, table: &str| Setting {
            setting,
            value: format!(
                "{} catalogued{}",
                settings
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
    let mut rows = vec![
        Setting {
            setting: "database",
            value: devspm_engine::store::shown(&settings.db_path.display().to_string()),
            from: if settings.db_is_default {
                "default (the platform data folder)".to_owned()
            } else if env_is("DEVSPM_DB", &settings.db_path) {
                "$DEVSPM_DB".to_owned()
            } else {
                "--db".to_owned()
            },
        },
        Setting {
            setting: "configuration file",
            value: config_from
                .clone()
                .unwrap_or_else(|| "none (built-in defaults)".to_owned()),
            from: if settings.config_path.is_some() {
                settings.config_source.to_owned()
            } else {
                format!(
                    "nothing at {}",
                    crate::settings::user_config_location().map_or_else(
                        || "the user configuration folder".to_owned(),
                        |p| p.display().to_string()
                    )
                )
            },
        },
        Setting {
            setting: "secret-hashing key",
            value: match &settings.secret_key_source {
                Some(SecretKeySource::File(p)) => format!("the file {}", p.display()),
                Some(SecretKeySource::Environment) => "the key in the environment".to_owned(),
                None => "kept in the database".to_owned(),
            },
            from: match &settings.secret_key_source {
                Some(SecretKeySource::File(p)) if env_is("DEVSPM_SECRET_KEY_FILE", p) => {
                    "$DEVSPM_SECRET_KEY_FILE".to_owned()
                }
                Some(SecretKeySource::File(_)) => "--secret-key-file".to_owned(),
                Some(SecretKeySource::Environment) => {
                    format!("${}", crate::settings::SECRET_KEY_VAR)
                }
                None => "default".to_owned(),
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
            value: if settings.policy.declared {
                format!(
                    "declared; signed commits {}",
                    if settings.policy.require_signed_commits {
                        "required"
                    } else {
                        "not required"
                    }
                )
            } else {
                "none (nothing governed)".to_owned()
            },
            from: in_file(settings.policy.declared),
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
    let text = settings
        .config_path
        .as_ref()
        .and_then(|p| std::fs::read_to_string(p).ok());
    let file = config_from.as_deref().zip(text.as_deref());
    for s in devspm_posture::effective_settings(&config.posture, &config.signals, file)
        .map_err(anyhow::Error::msg)?
    {
        rows.push(Setting {
            setting: s.key,
            value: s.value,
            from: s.from,
        });
    }
    if let Some(local) = &settings.ignored_local_config {
        rows.push(Setting {
            setting: "./devspm.toml",
            value: format!("{} (not read)", local.display()),
            from: "the current folder: repository content is never configuration; pass --config to use it".to_owned(),
        });
    }
    match global.format {
        Format::Json => emit_json(&rows)?,
        _ => {
            let mut t = Table::new(&[("setting", false), ("value", false), ("from", false)]);
            for r in &rows {
                t.row(vec![r.setting.to_owned(), r.value.clone(), r.from.clone()]);
            }
            emit(&format!(
                "{}\nPrecedence: a flag, then its environment variable, then the configuration file, then the default. docs/configuration.md says more.\n",
                t.render("")
            ))?;
        }
    }
    Ok(0)
}
