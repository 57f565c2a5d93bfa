//! One module per subcommand family, and what several of them share.

pub mod advisories;
pub mod ai;
pub mod ai_detect;
pub mod ai_notes;
pub mod ai_tooling;
pub mod attribution;
pub mod audit;
pub mod ci;
pub mod findings;
pub mod hook;
pub mod identities;
pub mod import;
pub mod import_undo;
pub mod message_secrets;
pub mod meta;
pub mod policy;
pub mod scan;
pub mod secret_key;
pub mod secrets;
pub mod szz;
pub mod tools;

/// The files of `revision` that `select` accepts, for an analyzer of a revision's
/// configuration. A revision whose tree is missing or corrupt (a damaged repository) gives no
/// files: the analyzer goes on, the gap is recorded (`unreadable_tree`, once per revision) and
/// a warning names it — the same answer on every run, where an error would stop the first
/// scan after its commits were recorded and let the next one pass.
pub fn files_or_gap(
    store: &mut impl devspm_ledger::Store,
    repo: &devspm_git::Repo,
    revision: &str,
    select: &dyn Fn(&str) -> bool,
    max_bytes: u64,
    quiet: bool,
) -> anyhow::Result<Vec<devspm_git::RevisionFile>> {
    match devspm_git::files_at(repo, revision, select, max_bytes) {
        Err(devspm_git::GitError::UnreadableTree { reason, .. }) => {
            record_unreadable_tree(store, repo, revision, &reason, quiet)?;
            Ok(Vec::new())
        }
        other => Ok(other?),
    }
}

/// Records that the tree of `revision` cannot be read (once per revision), warning the first
/// time.
pub fn record_unreadable_tree(
    store: &mut impl devspm_ledger::Store,
    repo: &devspm_git::Repo,
    revision: &str,
    reason: &str,
    quiet: bool,
) -> anyhow::Result<()> {
    let gap = devspm_core::event::IngestGap {
        repo: repo.id.clone(),
        what: "unreadable_tree".into(),
        object: revision.to_owned(),
        detail: reason.to_owned(),
    };
    if store
        .append(vec![gap.into_event("devspm:analyzers")])?
        .appended
        > 0
        && !quiet
    {
        eprintln!(
            "devspm: warning: the files of commit {revision} in {} cannot be read ({}); its configuration was not analysed (recorded as a gap)",
            crate::output::escape(&repo.name),
            crate::output::escape(reason)
        );
    }
    Ok(())
}

/// The repository a command that reads findings or AI involvement is about when none was
/// named: the one the current directory is in (so a gate run inside a repository gates on it,
/// not on every repository in the database), or `None` outside any repository or with
/// `--all-repos`. A note on standard error says which, unless `quiet`.
pub fn default_repository(all_repos: bool, quiet: bool) -> Option<devspm_git::Repo> {
    if all_repos {
        return None;
    }
    let repo = std::env::current_dir()
        .ok()
        .and_then(|dir| devspm_git::discover(&dir))?;
    if !quiet {
        eprintln!(
            "devspm: showing {} (the repository you are in; --all-repos for every repository)",
            crate::output::escape(&repo.name)
        );
    }
    Some(repo)
}
