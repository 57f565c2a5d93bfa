//! Commands about devspm itself rather than about repositories: shell completions, man pages,
//! and `config show` (the effective configuration and where each value came from).

use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;

use crate::cli::{Cli, Format, GlobalArgs};
use crate::output::{emit, emit_json};
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

/// `devspm config show`: the rows are the engine's (`devspm_engine::configuration::report`),
/// from where this front end found each source; the table is `devspm_report::config`'s.
pub fn show(settings: &Settings, global: &GlobalArgs) -> anyhow::Result<i32> {
    use devspm_engine::configuration::{DatabaseFrom, KeyFrom, Sources};
    let env_is = |var: &str, value: &Path| std::env::var_os(var).is_some_and(|v| v == value);
    let sources = Sources {
        database: devspm_engine::store::shown(&settings.db_path.display().to_string()),
        database_from: if settings.db_is_default {
            DatabaseFrom::Default
        } else if env_is("DEVSPM_DB", &settings.db_path) {
            DatabaseFrom::Environment
        } else {
            DatabaseFrom::Flag
        },
        config_file: settings
            .config_path
            .as_ref()
            .map(|p| (p.display().to_string(), settings.config_source)),
        looked_at: crate::settings::user_config_location().map(|p| p.display().to_string()),
        key: match &settings.secret_key_source {
            Some(SecretKeySource::File(p)) => KeyFrom::File {
                path: p.display().to_string(),
                environment: env_is("DEVSPM_SECRET_KEY_FILE", p),
            },
            Some(SecretKeySource::Environment) => {
                KeyFrom::Environment(crate::settings::SECRET_KEY_VAR)
            }
            None => KeyFrom::Database,
        },
        ignored_local: settings
            .ignored_local_config
            .as_ref()
            .map(|p| p.display().to_string()),
    };
    let rows = devspm_engine::configuration::report(&settings.configuration, &sources)?;
    match global.format {
        Format::Json => emit_json(&rows)?,
        _ => emit(&devspm_report::config::table(&rows))?,
    }
    Ok(0)
}
