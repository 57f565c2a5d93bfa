//! What the git hooks do: the pre-commit check for secrets in what is staged, and the record of
//! an override when a developer commits them anyway (who, which secrets by their keyed hash,
//! at which HEAD, and why). Writing the hook files into a repository is the front end's.

use std::path::Path;

use devspm_core::NewEvent;
use devspm_core::event::HookOverride;
use devspm_ledger::FindingStore;
use devspm_secrets::{HashKey, SecretFinding};

use crate::{Context, EngineError};

/// What the pre-commit check found in the staged changes.
#[derive(Debug)]
pub struct StagedCheck {
    /// Secrets on added lines of staged files.
    pub secrets: Vec<SecretFinding>,
    /// Why the ledger's own key could not be had (the secrets were then hashed with another
    /// key, and an override cannot be recorded).
    key_problem: Option<EngineError>,
}

impl StagedCheck {
    /// The blocked secrets as the override records them: rule, place and keyed hash.
    pub fn blocked(&self) -> Vec<String> {
        self.secrets
            .iter()
            .map(|f| format!("{} {}:{} {}", f.rule_id, f.path, f.line, f.secret_hash))
            .collect()
    }
}

/// Searches what is staged in `work_tree` for secrets. The ledger's key (when a ledger is at
/// hand) makes the hashes match those of a scan; without it a key kept outside the database,
/// or a throwaway key, still lets the message tell secrets apart.
pub fn check_staged(
    ctx: &Context<'_>,
    store: Option<&mut impl FindingStore>,
    work_tree: &Path,
) -> Result<StagedCheck, EngineError> {
    let scanner = crate::secrets::scanner(ctx)?;
    let ledger_key = store.map(|s| crate::secrets::secret_key(ctx, s));
    let (key, key_problem) = match ledger_key {
        Some(Ok(key)) => (key, None),
        other => {
            let key = ctx
                .secret_key
                .external()
                .ok()
                .flatten()
                .unwrap_or_else(throwaway_key);
            (key, other.and_then(Result::err))
        }
    };
    let scan = devspm_secrets::scan_staged(work_tree, &scanner, &HashKey(key))?;
    Ok(StagedCheck {
        secrets: scan.findings,
        key_problem,
    })
}

/// Records that `by` (name and e-mail) committed the secrets of `check` anyway, with their
/// `reason`. The override names each secret by the database's keyed hash: a check made with
/// any other key cannot be recorded.
pub fn record_override(
    store: &mut impl FindingStore,
    repo: &devspm_git::Repo,
    check: StagedCheck,
    by: (&str, &str),
    reason: Option<String>,
) -> Result<(), EngineError> {
    let blocked = check.blocked();
    if let Some(problem) = check.key_problem {
        return Err(EngineError::Invalid(format!(
            "the override cannot be recorded: {problem}"
        )));
    }
    let (name, email) = by;
    let mut book = store.alias_book()?;
    let (alias, pii) = book.alias_for(name.as_bytes(), email.as_bytes());
    let head = devspm_git::head_commit(repo)?;
    let payload = HookOverride {
        repo: repo.id.clone(),
        hook: "pre-commit".into(),
        identity: (!email.is_empty()).then(|| alias.clone()),
        head,
        blocked,
        reason: reason.filter(|r| !r.trim().is_empty()),
    };
    let stamp = jiff::Timestamp::now().to_string();
    let mut event = NewEvent::new(
        format!("hook-override/{}/{}/{stamp}", repo.id, alias),
        alias,
        format!("repo:{}", repo.id),
        payload,
    );
    if let Some(p) = pii {
        event.attachments.push(p);
    }
    store.append(vec![event])?;
    Ok(())
}

/// `user.name` and `user.email` as git sees them in the repository at `dir` (empty when
/// unset): who commits, or who triages.
pub fn git_identity(dir: &Path) -> (String, String) {
    let get = |key: &str| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["config", key])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    (get("user.name"), get("user.email"))
}

/// A key for display only; the time is enough when the OS source fails.
fn throwaway_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut key))
        .is_err()
    {
        let t = jiff::Timestamp::now().as_nanosecond().to_le_bytes();
        for (i, b) in key.iter_mut().enumerate() {
            *b = t[i % t.len()];
        }
    }
    key
}
