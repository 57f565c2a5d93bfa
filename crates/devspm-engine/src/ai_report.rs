//! The AI involvement report: recorded commits by agent, accountable developer, team,
//! repository and month, and the AI tooling configured at HEAD — after the commit-level
//! detector has examined every commit recorded before it existed (or by an older version).

use std::path::Path;

use devspm_ledger::{AiReport, AnalyzerState, EventLog, IngestState, Views};

use crate::{Context, EngineError};

/// Which repositories a report covers.
#[derive(Clone, Copy, Debug)]
pub enum Scope<'a> {
    /// The repository at this path, which must be recorded.
    Path(&'a Path),
    /// The repository this folder is in (a front end's working directory), which must be
    /// recorded; every recorded repository outside any.
    Around(Option<&'a Path>),
    /// Every recorded repository.
    All,
}

/// The AI involvement report over `scope`.
pub fn report(
    ctx: &Context<'_>,
    store: &mut (impl EventLog + AnalyzerState + IngestState + Views),
    scope: Scope<'_>,
) -> Result<AiReport, EngineError> {
    // Commits recorded before the detector existed (or by an older one) are examined first.
    crate::ai_detect::catch_up(ctx, store)?;
    let repo = match scope {
        Scope::Path(path) => {
            let opened = devspm_git::open(path)?;
            if store.find_repository(&opened.id)?.is_none() {
                return Err(EngineError::NotFound(format!(
                    "{} is not recorded in {} yet: run `devspm scan {}` first",
                    path.display(),
                    store.location(),
                    path.display()
                )));
            }
            Some(opened.id)
        }
        Scope::Around(dir) => match crate::repository::default_repository(ctx, dir, false) {
            Some(opened) if store.find_repository(&opened.id)?.is_some() => Some(opened.id),
            Some(opened) => {
                return Err(EngineError::NotFound(format!(
                    "the repository you are in ({}) is not recorded in {} yet: run `devspm scan` first, or --all-repos for every recorded repository",
                    opened.path.display(),
                    store.location()
                )));
            }
            None => None,
        },
        Scope::All => None,
    };
    Ok(store.ai_report(repo.as_deref())?)
}
