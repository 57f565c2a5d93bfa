//! What the git hooks do: the pre-commit check for secrets in what is staged, and the record of
//! an override when a developer commits them anyway (who, which secrets by their keyed hash,
//! at which HEAD, and why); and installing the hooks that run them (`install`: a pre-commit and
//! a post-commit hook calling `devspm hook run`, respecting `core.hooksPath` and chaining any
//! hook already there).

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
    /// The staged secrets as the pre-commit hook shows them (`devspm_report::hook::blocked`).
    pub fn shown(&self) -> Vec<devspm_report::hook::Staged<'_>> {
        self.secrets
            .iter()
            .map(|f| devspm_report::hook::Staged {
                path: &f.path,
                line: f.line,
                description: &f.description,
                rule: &f.rule_id,
                preview: &f.preview,
            })
            .collect()
    }

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
    store: Option<&mut (impl devspm_ledger::EventLog + devspm_ledger::IngestState + FindingStore)>,
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
    store: &mut (impl devspm_ledger::EventLog + devspm_ledger::IngestState + FindingStore),
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

/// First line after the shebang of every hook devspm writes: how a later install recognises it.
const MARKER: &str = "# devspm-hook v1";

/// Suffix of a hook that was there before devspm's and is run first.
const CHAINED: &str = ".pre-devspm";

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

/// Writes the pre-commit and post-commit hooks into `repo`'s hooks folder (`core.hooksPath`
/// respected): each runs `devspm` (the binary at `devspm`, or `$DEVSPM_BIN`) with the ledger
/// `db` and the configuration `config`, after any hook that was there before, which is kept
/// beside it as `NAME.pre-devspm`. An earlier devspm hook is replaced.
pub fn install(
    repo: &devspm_git::Repo,
    devspm: &Path,
    db: &Path,
    config: Option<&Path>,
) -> Result<Vec<devspm_report::hook::Installed>, EngineError> {
    let dir = devspm_git::hooks_dir(repo);
    std::fs::create_dir_all(&dir).map_err(|e| {
        EngineError::io(
            format!("cannot create the hooks folder {}", dir.display()),
            e,
        )
    })?;
    let mut installed = Vec::new();
    for name in ["pre-commit", "post-commit"] {
        let path = dir.join(name);
        let mut hook = devspm_report::hook::Installed {
            path: path.display().to_string(),
            updated: false,
            chained_as: None,
        };
        match std::fs::read_to_string(&path).ok() {
            Some(text) if text.contains(MARKER) => hook.updated = true,
            Some(_) => {
                let chained = dir.join(format!("{name}{CHAINED}"));
                if chained.exists() {
                    return Err(EngineError::Conflict(format!(
                        "{} exists and is not devspm's, and {} is taken too: move one of them away and run `devspm hook install` again",
                        path.display(),
                        chained.display()
                    )));
                }
                std::fs::rename(&path, &chained).map_err(|e| {
                    EngineError::io(format!("cannot keep the existing {}", path.display()), e)
                })?;
                hook.chained_as = Some(chained.display().to_string());
            }
            None => {}
        }
        std::fs::write(&path, hook_script(name, devspm, db, config))
            .map_err(|e| EngineError::io(format!("cannot write {}", path.display()), e))?;
        make_executable(&path)?;
        installed.push(hook);
    }
    Ok(installed)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), EngineError> {
    use std::os::unix::fs::PermissionsExt;
    let cannot = |e| EngineError::io(format!("cannot make {} executable", path.display()), e);
    let mut perms = std::fs::metadata(path).map_err(cannot)?.permissions();
    perms.set_mode(0o755);
    std::fs::set_permissions(path, perms).map_err(cannot)
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<(), EngineError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn quoted_paths_cannot_break_out_of_the_script() {
        assert_eq!(super::shell_quote("a'b"), "'a'\\''b'");
        let script = super::hook_script(
            "pre-commit",
            Path::new("/opt/dev spm"),
            Path::new("/x/it's\nrm -rf ~.db"),
            None,
        );
        assert!(script.starts_with("#!/bin/sh\n# devspm-hook v1"));
        // The database path is quoted on the exec line, and its line break does not end the
        // comment line that names it.
        assert!(script.contains("--db '/x/it'\\''s\nrm -rf ~.db' hook run pre-commit"));
        assert!(
            script.contains("# Records into the ledger /x/it's rm -rf ~.db (configuration: none).")
        );
        assert!(script.contains("installed_by='/opt/dev spm'"));
    }
}
