//! Git hooks: `devspm hook install` has `devspm_engine::hook::install` write a pre-commit hook
//! (blocks commits that add secrets, with an override that is itself recorded) and a
//! post-commit hook (records the new commit, with its AI evidence, into the local ledger at
//! once); `devspm hook run` is what those hooks call (the check and the override's record are
//! `devspm_engine::hook`'s, the words `devspm_report::hook`'s).

use std::path::{Path, PathBuf};

use crate::cli::{GlobalArgs, HookInstallArgs, HookName, HookRunArgs};
use crate::output;
use crate::settings::Settings;

/// Exit status of a pre-commit check that blocks the commit.
const EXIT_BLOCKED: i32 = 1;

pub fn install(
    settings: &Settings,
    global: &GlobalArgs,
    args: &HookInstallArgs,
) -> anyhow::Result<i32> {
    let repo = devspm_git::open(&args.path)?;
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let db = absolute(&settings.db_path);
    let config = settings.config_path.as_deref().map(absolute);
    let devspm = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("devspm"));
    let hooks = devspm_engine::hook::install(&repo, &devspm, &db, config.as_deref())?;
    if !global.quiet {
        output::emit(&devspm_report::hook::installed(
            &hooks,
            &db.display().to_string(),
        ))?;
    }
    Ok(0)
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
    let allowed = std::env::var("DEVSPM_ALLOW").is_ok_and(|v| v == "1");
    let mut text = devspm_report::hook::blocked(&check.shown(), allowed);
    if !allowed {
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
        text.push_str(devspm_report::hook::OVERRIDDEN);
        eprint!("{text}");
    }
    Ok(0)
}
