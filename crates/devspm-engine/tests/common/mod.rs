//! What the engine's integration tests share: `git` in a test repository with a fixed
//! identity and date, and what a [`Context`] borrows.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use devspm_engine::{Context, DatabaseKey, Interrupt, NoProgress, Progress, Silent};

/// Runs `git ARGS` in `dir` as Alice, on 2026-01-02, without the machine's configuration.
pub fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Alice")
        .env("GIT_AUTHOR_EMAIL", "alice@example.com")
        .env("GIT_COMMITTER_NAME", "Alice")
        .env("GIT_COMMITTER_EMAIL", "alice@example.com")
        .env("GIT_AUTHOR_DATE", "2026-01-02T03:04:05Z")
        .env("GIT_COMMITTER_DATE", "2026-01-02T03:04:05Z")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// What a context borrows: the default configuration and policy, the built-in catalogue, an
/// interrupt flag.
pub struct Env {
    pub config: devspm_core::config::Config,
    pub catalogue: devspm_core::catalogue::Catalogue,
    pub policy: devspm_governance::policy::Policy,
    pub interrupt: Interrupt,
}

impl Default for Env {
    fn default() -> Env {
        Env {
            config: Default::default(),
            catalogue: devspm_core::catalogue::Catalogue::builtin(),
            policy: Default::default(),
            interrupt: Interrupt::new(),
        }
    }
}

impl Env {
    /// A context that reports no progress.
    pub fn ctx(&self) -> Context<'_> {
        self.ctx_with(&NoProgress)
    }

    /// A context that reports progress to `progress`.
    pub fn ctx_with<'a>(&'a self, progress: &'a dyn Progress) -> Context<'a> {
        Context {
            config: &self.config,
            catalogue: &self.catalogue,
            policy: &self.policy,
            secret_rules: None,
            secret_key: &DatabaseKey,
            diagnostics: &Silent,
            progress,
            interrupt: &self.interrupt,
        }
    }
}
