//! `devspm policy check`: flags → `devspm_engine::policy::check` (the recorded inventory,
//! commits and CI findings against the `[policy]` of the configuration) → the violations as a
//! table (`devspm_report::policy`) or JSON, and an exit status for CI gating.

use crate::cli::{Format, GlobalArgs, PolicyCheckArgs};
use crate::output;
use crate::settings::Settings;

/// Exit status when the policy is violated (the same as findings at or above --fail-on).
pub const EXIT_VIOLATIONS: i32 = 4;

pub fn check(
    settings: &Settings,
    global: &GlobalArgs,
    args: &PolicyCheckArgs,
) -> anyhow::Result<i32> {
    let policy = &settings.policy;
    let Some(config) = settings.config_path.as_ref().filter(|_| policy.declared) else {
        anyhow::bail!(
            "no [policy] table in {}: nothing to check. Add one to devspm.toml (a complete example is in docs/governance.md) or pass --config FILE",
            settings
                .config_path
                .as_ref()
                .map_or("the configuration (no file given with --config or $DEVSPM_CONFIG, none in the user configuration folder)".to_owned(), |p| p
                    .display()
                    .to_string())
        );
    };
    let store = settings.open_store_read_only()?;
    let repo_id = args
        .repo
        .as_deref()
        .map(|r| devspm_engine::repository::recorded(&store, r))
        .transpose()?;
    let since = match args.since.as_deref() {
        Some(text) => devspm_engine::policy::signing_since(text)?,
        None => None,
    };
    let report = devspm_engine::policy::check(&settings.context(), &store, repo_id, since)?;
    // --fail-on: the recorded findings of the repository checked (--repo, else the one the
    // current directory is in), through the one gate.
    let gate = args
        .fail_on
        .map(|level| {
            devspm_engine::policy::findings_gate(
                &settings.context(),
                &store,
                args.repo.as_deref(),
                std::env::current_dir().ok().as_deref(),
                level.as_str(),
            )
        })
        .transpose()?;
    match global.format {
        Format::Json => output::emit_json(&devspm_engine::policy::Output {
            policy: Some(config.display().to_string()),
            checked: &report.checked,
            violations: &report.violations,
            failed: report.failed,
            gate: gate.as_ref(),
        })?,
        format @ (Format::Csv | Format::Markdown | Format::Sarif) => {
            crate::output::emit_findings(
                format,
                "devspm policy check",
                &devspm_engine::views::policy(&report),
                0,
                &[],
            )?;
        }
        Format::Table | Format::Html => output::emit(&devspm_report::policy::check(
            &config.display().to_string(),
            &report,
            &policy.thresholds.ci_severity,
            output::terminal_width(),
        ))?,
    }
    let gated = crate::commands::findings::gate_status(global, gate.as_ref());
    Ok(if report.failed {
        EXIT_VIOLATIONS
    } else {
        gated
    })
}
