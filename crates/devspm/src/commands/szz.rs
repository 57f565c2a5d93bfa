//! `devspm attribute`: attribute pending findings again, or — with `--fix` / `--fixes-from`
//! — find the commits that introduced the bug a fixing commit fixed (SZZ, in
//! `devspm_engine::szz`); the flags, and the results rendered.

use std::collections::HashMap;

use devspm_engine::szz::{FixRequest, SzzResult, trace_note};

use crate::cli::{AttributeArgs, Format, GlobalArgs, SzzTrace, SzzVariant};
use crate::output::{Table, emit, emit_json, escape};
use crate::settings::Settings;

pub fn run(settings: &Settings, global: &GlobalArgs, args: &AttributeArgs) -> anyhow::Result<i32> {
    let repo = devspm_git::open(&args.repo)?;
    let mut store = settings.open_store()?;
    devspm_engine::scan::bring_up_to_date(&settings.context(), &mut store, &repo)?;
    let fixes = devspm_engine::szz::fix_inputs(&FixRequest {
        fix: args.fix.as_deref(),
        advisory: args.advisory.as_deref(),
        disclosed: args.disclosed.as_deref(),
        fixes_from: args.fixes_from.as_deref(),
    })?;
    if fixes.is_empty() {
        // No fixes: attribute whatever findings are pending.
        let report = devspm_engine::attribution::attribute_pending(
            &mut store,
            &repo,
            &HashMap::new(),
            args.again,
            settings.context().progress,
        )?;
        match global.format {
            Format::Json => emit_json(&report)?,
            _ => emit(&format!(
                "{} attributed, {} unattributable ({} files blamed, {} from cache)\n",
                report.attributed, report.unattributable, report.files_blamed, report.files_cached
            ))?,
        }
        return Ok(0);
    }
    let variant = match args.variant {
        SzzVariant::Devspm => devspm_engine::szz::SzzVariant::Devspm,
        SzzVariant::Basic => devspm_engine::szz::SzzVariant::Basic,
    };
    let trace = match (args.earliest, args.trace) {
        (true, _) | (false, SzzTrace::Earliest) => devspm_engine::szz::SzzTrace::Earliest,
        (false, SzzTrace::Change) => devspm_engine::szz::SzzTrace::Change,
        (false, SzzTrace::Auto) => devspm_engine::szz::SzzTrace::Auto,
    };
    let results = devspm_engine::szz::attribute_fixes(
        &mut store,
        &repo,
        &fixes,
        (variant, trace),
        args.no_record,
        settings.context().progress,
    )?;
    match global.format {
        Format::Json => emit_json(&results)?,
        _ => emit(&render(&results))?,
    }
    Ok(0)
}

fn render(results: &[SzzResult]) -> String {
    let mut out = String::new();
    for r in results {
        out.push_str(&format!(
            "fix {} ({} variant){}: {}\n",
            &r.fix[..r.fix.len().min(12)],
            r.variant,
            r.cve
                .as_deref()
                .map(|c| format!(", {}", escape(c)))
                .unwrap_or_default(),
            match &r.reason {
                Some(reason) => format!("no inducing commit found — {}", escape(reason)),
                None => format!(
                    "{} candidate(s) from {} line(s) ({} filtered)",
                    r.inducing.len(),
                    r.lines_considered - r.lines_filtered,
                    r.lines_filtered
                ),
            }
        ));
        if !r.inducing.is_empty() {
            let mut t = Table::new(&[
                ("commit", false),
                ("date", false),
                ("lines", true),
                ("files", false),
            ]);
            for i in &r.inducing {
                t.row(vec![
                    i.commit[..i.commit.len().min(12)].to_owned(),
                    i.date.clone(),
                    i.lines.to_string(),
                    i.files.join(", "),
                ]);
            }
            out.push_str(&t.render("  "));
            out.push_str(&format!("  ({})\n", escape(&trace_note(r))));
        }
    }
    out
}
