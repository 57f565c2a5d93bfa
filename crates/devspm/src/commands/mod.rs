//! One module per subcommand family, and what several of them share.

pub mod advisories;
pub mod ai;
pub mod audit;
pub mod ci;
pub mod findings;
pub mod hook;
pub mod identities;
pub mod import;
pub mod import_undo;
pub mod meta;
pub mod policy;
pub mod posture;
pub mod scan;
pub mod secret_key;
pub mod szz;
pub mod tools;

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
