//! `devspm policy check`: flags → `devspm_engine::policy::check` (the recorded inventory,
//! commits and CI findings against the `[policy]` of the configuration) → the violations as a
//! table or JSON, and an exit status for CI gating.

use serde::Serialize;

use crate::cli::{Format, GlobalArgs, PolicyCheckArgs};
use crate::output::{self, Table, escape};
use crate::settings::Settings;

/// Exit status when the policy is violated (the same as findings at or above --fail-on).
pub const EXIT_VIOLATIONS: i32 = 4;

#[derive(Serialize)]
struct CheckOutput<'a> {
    policy: Option<String>,
    checked: &'a devspm_engine::policy::Checked,
    violations: &'a [devspm_engine::policy::Violation],
    failed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    gate: Option<&'a devspm_engine::gate::GateOutcome>,
}

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
    let gate = match args.fail_on {
        Some(level) => {
            let ctx = settings.context();
            let (repo, at_hand) = devspm_engine::repository::scope(
                &ctx,
                &store,
                args.repo.as_deref(),
                std::env::current_dir().ok().as_deref(),
                false,
            )?;
            let filter = devspm_ledger::findings::FindingFilter {
                repo,
                ..Default::default()
            };
            let (rules, assessment) = devspm_engine::gate::recorded_findings(
                &ctx,
                &store,
                &filter,
                at_hand.as_ref(),
                &[],
            )?;
            Some(assessment.gate(level.as_str(), &rules.fail_on))
        }
        None => None,
    };
    let (checked, violations, failed) = (&report.checked, &report.violations, report.failed);
    match global.format {
        Format::Json => output::emit_json(&CheckOutput {
            policy: Some(config.display().to_string()),
            checked,
            violations,
            failed,
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
        Format::Table | Format::Html => {
            let mut text = format!(
                "Policy {}: checked {} repository tools, {} workstation tools, {} developers' signing, {} open CI findings at or above {}.\n",
                escape(&config.display().to_string()),
                checked.repository_tools,
                checked.workstation_tools,
                checked.developers,
                checked.ci_findings,
                policy.thresholds.ci_severity
            );
            if violations.is_empty() {
                text.push_str("No violations.\n");
            } else {
                for line in &report.signing {
                    text.push_str(&format!("signing: {}\n", escape(line)));
                }
                let mut table = Table::new(&[
                    ("violation", false),
                    ("item", false),
                    ("where", false),
                    ("who", false),
                    ("why", false),
                ]);
                table.shrink(1).shrink(2).shrink(3).shrink_end(4, 24);
                // The ten developers with the most unsigned commits per repository; JSON has
                // every one.
                let mut shown_per_place: std::collections::HashMap<&str, usize> =
                    Default::default();
                let mut hidden = 0usize;
                for v in violations {
                    if v.kind == "unsigned-commits" {
                        let shown = shown_per_place.entry(v.place.as_str()).or_default();
                        if *shown >= 10 {
                            hidden += 1;
                            continue;
                        }
                        *shown += 1;
                    }
                    table.row(vec![
                        if v.fails {
                            v.kind.to_owned()
                        } else {
                            format!("{} (reported)", v.kind)
                        },
                        v.item.clone(),
                        v.place.clone(),
                        v.who.clone().unwrap_or_else(|| "-".into()),
                        v.reason.clone(),
                    ]);
                }
                text.push('\n');
                text.push_str(&table.render_fit("", output::terminal_width()));
                if hidden > 0 {
                    text.push_str(&format!(
                        "… and {hidden} more developers with unsigned commits (--format json lists every one)\n"
                    ));
                }
                let failing = violations.iter().filter(|v| v.fails).count();
                text.push_str(&format!(
                    "\n{} violations, {failing} failing the check{}.\n",
                    violations.len(),
                    if failing == 0 {
                        " (unapproved tools are reported; set thresholds.fail_on_unapproved = true to fail on them)"
                    } else {
                        ""
                    }
                ));
            }
            output::emit(&text)?;
        }
    }
    let gated = crate::commands::findings::gate_status(global, gate.as_ref());
    Ok(if failed { EXIT_VIOLATIONS } else { gated })
}
