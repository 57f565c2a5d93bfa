//! Prints the CI/CD audit of a directory as JSON: `cargo run --example ci_audit -- PATH`.
//!
//! Used by `bench/ci-compare.sh` until the `devspm ci audit` command exists. The output is
//! `{"findings": [...], "warnings": [...], "files_audited": N}`.

use std::path::PathBuf;
use std::process::ExitCode;

use devspm_governance::ci::{self, AuditConfig};

fn main() -> ExitCode {
    let Some(root) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: ci_audit PATH");
        return ExitCode::from(2);
    };
    let files = ci::discover(&root);
    let report = ci::audit_files(&root, &files, &AuditConfig::default());
    match serde_json::to_string_pretty(&report) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("cannot serialise the report: {err}");
            ExitCode::FAILURE
        }
    }
}
