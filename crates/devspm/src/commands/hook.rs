//! Git hooks: `devspm hook install` writes a pre-commit hook (blocks commits that add secrets,
//! with an override that is itself recorded) and a post-commit hook (records the new commit, with
//! its AI evidence, into the local ledger at once), respecting `core.hooksPath` and chaining any
//! hook already there; `devspm hook run` is what those hooks call.

use std::path::{Path, PathBuf};

use devspm_core::NewEvent;
use devspm_core::event::HookOverride;
use devspm_ledger::{FindingStore, Store};
use devspm_secrets::HashKey;

use crate::cli::{GlobalArgs, HookInstallArgs, HookName, HookRunArgs};
use crate::output;
use crate::settings::Settings;

/// First line after the shebang of every hook devspm writes: how a later install recognises it.
const MARKER: &str = "# devspm-hook v1";

/// Suffix of a hook that was there before devspm's and is run first.
const CHAINED: &str = ".pre-devspm";

/// Exit status of a pre-commit check that blocks the commit.
const EXIT_BLOCKED: i32 = 1;

fn hook_script(name: &str, devspm: &Path) -> String {
    format!(
        "#!/bin/sh\n{MARKER} — installed by `devspm hook install`; remove this file to uninstall.\n\
         # A hook that was here before is kept as {name}{CHAINED} and runs first.\n\
         hook_dir=$(dirname \"$0\")\n\
         if [ -x \"$hook_dir/{name}{CHAINED}\" ]; then\n  \"$hook_dir/{name}{CHAINED}\" \"$@\" || exit $?\nfi\n\
         DEVSPM=\"${{DEVSPM_BIN:-{}}}\"\n\
         if ! command -v \"$DEVSPM\" >/dev/null 2>&1 && [ ! -x \"$DEVSPM\" ]; then DEVSPM=devspm; fi\n\
         exec \"$DEVSPM\" hook run {name}\n",
        devspm.display()
    )
}

pub fn install(
    settings: &Settings,
    global: &GlobalArgs,
    args: &HookInstallArgs,
) -> anyhow::Result<i32> {
    let _ = settings;
    let repo = devspm_git::open(&args.path)?;
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
        std::fs::write(&path, hook_script(name, &devspm))
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        make_executable(&path)?;
    }
    if !global.quiet {
        output::emit(&format!(
            "{}\npre-commit blocks commits that add secrets (override once with DEVSPM_ALLOW=1, recorded on the ledger); post-commit records each commit into {}.\n",
            lines.join("\n"),
            settings.db_path.display()
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
            let mut store = settings.open_store()?;
            super::scan::record_quietly(&mut store, &repo, global, settings)?;
            Ok(0)
        }
    }
}

fn pre_commit(
    settings: &Settings,
    global: &GlobalArgs,
    repo: &devspm_git::Repo,
) -> anyhow::Result<i32> {
    let scanner = super::secrets::scanner(settings)?;
    // The ledger's key makes the hashes match those of `scan`; without a ledger a throwaway key
    // still lets the message tell secrets apart.
    let mut store = settings.open_store().ok();
    let key = match store.as_mut().map(|s| s.secret_key()) {
        Some(Ok(k)) => k,
        _ => {
            let mut k = [0u8; 32];
            getrandom_fill(&mut k);
            k
        }
    };
    let work_tree = repo.path.clone();
    let scan = devspm_secrets::scan_staged(&work_tree, &scanner, &HashKey(key))?;
    if scan.findings.is_empty() {
        return Ok(0);
    }
    let blocked: Vec<String> = scan
        .findings
        .iter()
        .map(|f| format!("{} {}:{} {}", f.rule_id, f.path, f.line, f.secret_hash))
        .collect();
    let mut text = format!(
        "devspm: this commit adds {} secret{}:\n",
        scan.findings.len(),
        if scan.findings.len() == 1 { "" } else { "s" }
    );
    for f in &scan.findings {
        text.push_str(&format!(
            "  {}:{}  {} ({})  {}\n",
            f.path, f.line, f.description, f.rule_id, f.preview
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
    // Overridden: say so, and record who overrode what.
    let Some(store) = store.as_mut() else {
        anyhow::bail!(
            "DEVSPM_ALLOW=1 needs the ledger to record the override, and {} cannot be opened",
            settings.db_path.display()
        );
    };
    let (name, email) = git_identity(&work_tree);
    let mut book = store.alias_book()?;
    let (alias, pii) = book.alias_for(name.as_bytes(), email.as_bytes());
    let head = devspm_git::head_commit(repo)?;
    let payload = HookOverride {
        repo: repo.id.clone(),
        hook: "pre-commit".into(),
        identity: (!email.is_empty()).then(|| alias.clone()),
        head: head.clone(),
        blocked: blocked.clone(),
        reason: std::env::var("DEVSPM_ALLOW_REASON")
            .ok()
            .filter(|r| !r.trim().is_empty()),
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
    if !global.quiet {
        text.push_str(
            "Committing anyway (DEVSPM_ALLOW=1); the override is recorded on the ledger.\n",
        );
        eprint!("{text}");
    }
    Ok(0)
}

/// `user.name` and `user.email` as git sees them in the repository (empty when unset).
fn git_identity(dir: &Path) -> (String, String) {
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

fn getrandom_fill(buf: &mut [u8]) {
    // A throwaway key for display only; the time is enough when the OS source fails.
    if std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, buf))
        .is_err()
    {
        let t = jiff::Timestamp::now().as_nanosecond().to_le_bytes();
        for (i, b) in buf.iter_mut().enumerate() {
            *b = t[i % t.len()];
        }
    }
}
