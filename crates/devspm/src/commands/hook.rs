//! Git hooks: `devspm hook install` writes a pre-commit hook (blocks commits that add secrets,
//! with an override that is itself recorded) and a post-commit hook (records the new commit, with
//! its AI evidence, into the local ledger at once), respecting `core.hooksPath` and chaining any
//! hook already there; `devspm hook run` is what those hooks call (the check and the override's
//! record are `devspm_engine::hook`'s).

use std::path::{Path, PathBuf};

use crate::cli::{GlobalArgs, HookInstallArgs, HookName, HookRunArgs};
use crate::output;
use crate::settings::Settings;

/// First line after the shebang of every hook devspm writes: how a later install recognises it.
const MARKER: &str = "# devspm-hook v1";

/// Suffix of a hook that was there before devspm's and is run first.
const CHAINED: &str = ".pre-devspm";

/// Exit status of a pre-commit check that blocks the commit.
const EXIT_BLOCKED: i32 = 1;

/// A word for `sh`: single-quoted, with single quotes inside escaped.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// The hook script: runs the hook that was there before, then `devspm hook run NAME` with the
/// binary, database and configuration `devspm hook install` was run with (absolute paths), so
/// the commits go where install said they would.
fn hook_script(name: &str, devspm: &Path, db: &Path, config: Option<&Path>) -> String {
    let mut flags = format!("--db {}", shell_quote(&db.display().to_string()));
    if let Some(config) = config {
        flags.push_str(&format!(
            " --config {}",
            shell_quote(&config.display().to_string())
        ));
    }
    let one_line = |p: &Path| p.display().to_string().replace(['\n', '\r'], " ");
    format!(
        "#!/bin/sh\n{MARKER} — installed by `devspm hook install`; remove this file to uninstall.\n\
         # Records into the ledger {} (configuration: {}).\n\
         # A hook that was here before is kept as {name}{CHAINED} and runs first.\n\
         hook_dir=$(dirname \"$0\")\n\
         if [ -x \"$hook_dir/{name}{CHAINED}\" ]; then\n  \"$hook_dir/{name}{CHAINED}\" \"$@\" || exit $?\nfi\n\
         installed_by={}\n\
         DEVSPM=\"${{DEVSPM_BIN:-$installed_by}}\"\n\
         if ! command -v \"$DEVSPM\" >/dev/null 2>&1 && [ ! -x \"$DEVSPM\" ]; then DEVSPM=devspm; fi\n\
         exec \"$DEVSPM\" {flags} hook run {name}\n",
        one_line(db),
        config.map_or_else(|| "none".to_owned(), one_line),
        shell_quote(&devspm.display().to_string()),
    )
}

pub fn install(
    settings: &Settings,
    global: &GlobalArgs,
    args: &HookInstallArgs,
) -> anyhow::Result<i32> {
    let repo = devspm_git::open(&args.path)?;
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let db = absolute(&settings.db_path);
    let config = settings.config_path.as_deref().map(absolute);
    let dir = devspm_git::hooks_dir(&repo);
    std::fs::create_dir_all(&dir)
        .map_err(|e| anyhow::anyhow!("cannot create the hooks folder {}: {e}", dir.display()))?;
    let devspm = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("devspm"));
    let mut lines = Vec::new();
    for name in ["pre-commit", "post-commit"] {
        let path = dir.join(name);
        let existing = std::fs::read_to_string(&path).ok();
        match existing {
            Some(text) if text.contains(MARKER) => {
                lines.push(format!("{}: updated", path.display()));
            }
            Some(_) => {
                let chained = dir.join(format!("{name}{CHAINED}"));
                if chained.exists() {
                    anyhow::bail!(
                        "{} exists and is not devspm's, and {} is taken too: move one of them away and run `devspm hook install` again",
                        path.display(),
                        chained.display()
                    );
                }
                std::fs::rename(&path, &chained).map_err(|e| {
                    anyhow::anyhow!("cannot keep the existing {}: {e}", path.display())
                })?;
                lines.push(format!(
                    "{}: installed; the hook that was there runs first, as {}",
                    path.display(),
                    chained.display()
                ));
            }
            None => lines.push(format!("{}: installed", path.display())),
        }
        std::fs::write(&path, hook_script(name, &devspm, &db, config.as_deref()))
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        make_executable(&path)?;
    }
    if !global.quiet {
        output::emit(&format!(
            "{}\npre-commit blocks commits that add secrets (override once with DEVSPM_ALLOW=1, recorded on the ledger); post-commit records each commit into {}.\n",
            lines
                .iter()
                .map(|l| output::escape(l))
                .collect::<Vec<_>>()
                .join("\n"),
            output::escape(&db.display().to_string())
        ))?;
    }
    Ok(0)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(path)?.permissions();
    perms.set_mode(0o755);
    std::fs::set_permissions(path, perms)?;
    Ok(())
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> anyhow::Result<()> {
    Ok(())
}

pub fn run(settings: &Settings, global: &GlobalArgs, args: &HookRunArgs) -> anyhow::Result<i32> {
    let repo = devspm_git::open(&args.path)?;
    match args.hook {
        HookName::PreCommit => pre_commit(settings, global, &repo),
        HookName::PostCommit => {
            // A hook never holds up a commit: while another devspm process writes to the
            // ledger, the commit is left for the next scan (ingest is incremental).
            let Some(mut store) = settings.try_open_store()? else {
                if !global.quiet {
                    eprintln!(
                        "devspm: another devspm process is writing to {}; this commit will be recorded by the next `devspm scan`",
                        crate::output::escape(&settings.db_path.display().to_string())
                    );
                }
                return Ok(0);
            };
            devspm_engine::scan::bring_up_to_date(&settings.context(), &mut store, &repo)?;
            Ok(0)
        }
    }
}

fn pre_commit(
    settings: &Settings,
    global: &GlobalArgs,
    repo: &devspm_git::Repo,
) -> anyhow::Result<i32> {
    // The ledger is opened without waiting for another writer (a commit is not held up):
    // read-only then, which is enough for its key; recording an override waits for the
    // writer below.
    let mut store = match settings.try_open_store() {
        Ok(Some(store)) => Some(store),
        _ => settings.open_store_read_only().ok(),
    };
    let work_tree = repo.path.clone();
    let check = devspm_engine::hook::check_staged(&settings.context(), store.as_mut(), &work_tree)?;
    if check.secrets.is_empty() {
        return Ok(0);
    }
    let mut text = format!(
        "devspm: this commit adds {} secret{}:\n",
        check.secrets.len(),
        if check.secrets.len() == 1 { "" } else { "s" }
    );
    for f in &check.secrets {
        text.push_str(&format!(
            "  {}:{}  {} ({})  {}\n",
            output::escape(&f.path),
            f.line,
            output::escape(&f.description),
            output::escape(&f.rule_id),
            output::escape(&f.preview)
        ));
    }
    let allowed = std::env::var("DEVSPM_ALLOW").is_ok_and(|v| v == "1");
    if !allowed {
        text.push_str(
            "Remove the value (use an environment variable or a secret store) and stage again.\n\
             A false positive: add `devspm:allow` on that line. To commit anyway, once:\n\
             DEVSPM_ALLOW=1 DEVSPM_ALLOW_REASON='why' git commit …  (the override is recorded)\n",
        );
        eprint!("{text}");
        return Ok(EXIT_BLOCKED);
    }
    // Overridden: say so, and record who overrode what (waiting for another writer if the
    // ledger was only readable above).
    if store
        .as_ref()
        .is_some_and(devspm_engine::store::is_read_only)
    {
        store = Some(settings.open_store()?);
    }
    let Some(store) = store.as_mut() else {
        anyhow::bail!(
            "DEVSPM_ALLOW=1 needs the ledger to record the override, and {} cannot be opened",
            settings.db_path.display()
        );
    };
    let (name, email) = devspm_engine::hook::git_identity(&work_tree);
    devspm_engine::hook::record_override(
        store,
        repo,
        check,
        (&name, &email),
        std::env::var("DEVSPM_ALLOW_REASON").ok(),
    )?;
    if !global.quiet {
        text.push_str(
            "Committing anyway (DEVSPM_ALLOW=1); the override is recorded on the ledger.\n",
        );
        eprint!("{text}");
    }
    Ok(0)
}
