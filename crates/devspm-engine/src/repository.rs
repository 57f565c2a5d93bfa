//! What the repository analyzers read of a repository besides its recorded history: the files
//! of a revision (with the gap recorded when a damaged tree cannot be read) and the digest of
//! the repository's refs that each analyzer's completion marker holds; and which recorded
//! repository a query is about (one named by path, name or id, or the one the caller is in).

use devspm_ledger::{EventLog, IngestState};
use sha2::{Digest, Sha256};

use crate::{Context, Diagnostics, EngineError};

/// The id of the recorded repository `value` names: a path to a repository, or a recorded
/// name, locator or id.
pub fn recorded(store: &impl IngestState, value: &str) -> Result<String, EngineError> {
    if let Ok(repo) = devspm_git::open(std::path::Path::new(value))
        && store.find_repository(&repo.id)?.is_some()
    {
        return Ok(repo.id);
    }
    store.find_repository(value)?.ok_or_else(|| {
        EngineError::NotFound(format!(
            "no recorded repository matches {value:?} (give its path, its name as `devspm scan` prints it, or its id)"
        ))
    })
}

/// The repository a query of findings or AI involvement is about when none was named: the
/// one `dir` is in (so a gate run inside a repository gates on it, not on every repository in
/// the ledger), or `None` outside any repository or when `all` repositories are asked for. A
/// note to the diagnostics says which.
pub fn default_repository(
    ctx: &Context<'_>,
    dir: Option<&std::path::Path>,
    all: bool,
) -> Option<devspm_git::Repo> {
    if all {
        return None;
    }
    let repo = devspm_git::discover(dir?)?;
    ctx.diagnostics.note(format!(
        "showing {} (the repository you are in; --all-repos for every repository)",
        repo.name
    ));
    Some(repo)
}

/// The repository a query or gate of findings is about, as (recorded id, the repository
/// itself when it is at hand): the one `named` (a path, recorded name, locator or id), else
/// the one `dir` is in unless `all` — `(None, None)` for every repository. The repository at
/// hand is what its own ignore files are read from.
pub fn scope(
    ctx: &Context<'_>,
    store: &impl IngestState,
    named: Option<&str>,
    dir: Option<&std::path::Path>,
    all: bool,
) -> Result<(Option<String>, Option<devspm_git::Repo>), EngineError> {
    Ok(match named {
        Some(value) => (
            Some(recorded(store, value)?),
            devspm_git::open(std::path::Path::new(value)).ok(),
        ),
        None => {
            let repo = default_repository(ctx, dir, all);
            (repo.as_ref().map(|r| r.id.clone()), repo)
        }
    })
}

/// What the repository analyzers read, as one digest: the refs the ledger recorded for the
/// repository and the commit HEAD names. An analyzer's completion marker holds the digest it
/// completed over (with anything else its answer depends on, such as the secret rules).
pub fn refs_state(
    store: &impl IngestState,
    repo: &devspm_git::Repo,
) -> Result<String, EngineError> {
    let mut refs = store.repository_state(&repo.id)?.refs;
    refs.sort();
    let mut h = Sha256::new();
    for (name, target) in &refs {
        h.update(&name.0);
        h.update(b"\0");
        h.update(target.as_bytes());
        h.update(b"\n");
    }
    h.update(b"HEAD\0");
    h.update(
        devspm_git::head_commit(repo)?
            .unwrap_or_default()
            .as_bytes(),
    );
    Ok(devspm_core::hex::encode(&h.finalize())[..32].to_owned())
}

/// The files of `revision` that `select` accepts, for an analyzer of a revision's
/// configuration. A revision whose tree is missing or corrupt (a damaged repository) gives no
/// files: the analyzer goes on, the gap is recorded (`unreadable_tree`, once per revision) and
/// a warning names it — the same answer on every run, where an error would stop the first
/// scan after its commits were recorded and let the next one pass.
pub fn files_or_gap(
    store: &mut impl EventLog,
    repo: &devspm_git::Repo,
    revision: &str,
    select: &dyn Fn(&str) -> bool,
    max_bytes: u64,
    diagnostics: &dyn Diagnostics,
) -> Result<Vec<devspm_git::RevisionFile>, EngineError> {
    match devspm_git::files_at(repo, revision, select, max_bytes) {
        Err(devspm_git::GitError::UnreadableTree { reason, .. }) => {
            record_unreadable_tree(store, repo, revision, &reason, diagnostics)?;
            Ok(Vec::new())
        }
        other => Ok(other?),
    }
}

/// Records that the tree of `revision` cannot be read (once per revision), warning the first
/// time.
pub fn record_unreadable_tree(
    store: &mut impl EventLog,
    repo: &devspm_git::Repo,
    revision: &str,
    reason: &str,
    diagnostics: &dyn Diagnostics,
) -> Result<(), EngineError> {
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
    {
        diagnostics.warn(format!(
            "the files of commit {revision} in {} cannot be read ({reason}); its configuration was not analysed (recorded as a gap)",
            repo.name
        ));
    }
    Ok(())
}
