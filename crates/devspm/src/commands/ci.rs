//! `devspm ci audit`: the engine's reading of the paths given (a file, a repository, its
//! `.github/workflows`, a folder of repositories), audit, attribution and gate of each
//! (`devspm_engine::ci_audit`), and the findings as a table (`devspm_report::ci`), JSON or
//! SARIF with an exit status a CI job can gate on.

use devspm_engine::ci_audit;

use crate::cli::{CiAuditArgs, Format, GlobalArgs};
use crate::output;
use crate::settings::Settings;

pub fn audit(settings: &Settings, global: &GlobalArgs, args: &CiAuditArgs) -> anyhow::Result<i32> {
    // Each PATH becomes what it names: a file, a repository (or any folder with CI files), the
    // `.github/workflows` folder of a repository, or a folder of several repositories. A
    // repository's findings are recorded and attributed (unless --no-record).
    let run = ci_audit::run(
        &settings.context(),
        &ci_audit::AuditRequest {
            paths: args.paths.clone(),
            record: !args.no_record,
            fail_on: args.fail_on.map(|s| s.as_str().to_owned()),
        },
        || settings.open_store(),
    )?;
    let (targets, gate, threshold) = (&run.targets, &run.gate, &run.threshold);
    match global.format {
        // Through a JSON value: its keys in alphabetical order, as every object devspm prints.
        Format::Json => output::emit_json(&serde_json::to_value(ci_audit::listing(
            targets,
            gate,
            threshold,
            args.show_ignored,
        ))?)?,
        format @ (Format::Csv | Format::Markdown | Format::Sarif) => {
            let (findings, rules) = devspm_engine::views::ci_audit(targets);
            output::emit_findings(format, "devspm ci audit", &findings, 0, &rules)?;
        }
        Format::Table | Format::Html => output::emit(&devspm_report::ci::audit(
            &devspm_engine::views::ci_audit_text(targets, gate, threshold, args.show_ignored),
            global.verbose > 0,
            output::terminal_width(),
        ))?,
    }
    if args.fail_on.is_some() && !global.quiet && global.format == Format::Table {
        eprintln!("devspm: {}", gate.outcome.sentence());
    }
    Ok(if gate.failed { crate::EXIT_FINDINGS } else { 0 })
}
