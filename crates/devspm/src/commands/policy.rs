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
    let policy = &settings.configuration.policy;
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
    // --fail-on: the recorded findings of the repository checked (--repo, else the one the
    // current directory is in), through the one gate.
    let run = devspm_engine::policy::run(
        &settings.context(),
        &store,
        &devspm_engine::policy::CheckRequest {
            repo: args.repo.clone(),
            since: args.since.clone(),
            fail_on: args.fail_on.map(|l| l.as_str().to_owned()),
            cwd: std::env::current_dir().ok(),
        },
    )?;
    let report = &run.report;
    match global.format {
        Format::Json => output::emit_json(&run.output(Some(config.display().to_string())))?,
        format @ (Format::Csv | Format::Markdown | Format::Sarif) => {
            crate::output::emit_findings(
                format,
                "devspm policy check",
                &devspm_engine::views::policy(report),
                0,
                &[],
            )?;
        }
        Format::Table | Format::Html => output::emit(&devspm_report::policy::check(
            &config.display().to_string(),
            report,
            &policy.thresholds.ci_severity,
            output::terminal_width(),
        ))?,
    }
    let gated = crate::commands::findings::gate_status(global, run.gate.as_ref());
    Ok(if report.failed {
        EXIT_VIOLATIONS
    } else {
        gated
    })
}
