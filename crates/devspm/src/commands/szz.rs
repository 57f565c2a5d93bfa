//! `devspm attribute`: attribute pending findings again, or — with `--fix` / `--fixes-from`
//! — find the commits that introduced the bug a fixing commit fixed (SZZ, in
//! `devspm_engine::szz`); the flags, and the results rendered (`devspm_report::szz`).

use devspm_engine::szz::{AttributeRun, FixRequest};

use crate::cli::{AttributeArgs, Format, GlobalArgs, SzzTrace, SzzVariant};
use crate::output::{emit, emit_json};
use crate::settings::Settings;

pub fn run(settings: &Settings, global: &GlobalArgs, args: &AttributeArgs) -> anyhow::Result<i32> {
    let repo = devspm_git::open(&args.repo)?;
    let mut store = settings.open_store()?;
    let variant = match args.variant {
        SzzVariant::Devspm => devspm_engine::szz::SzzVariant::Devspm,
        SzzVariant::Basic => devspm_engine::szz::SzzVariant::Basic,
    };
    let trace = match (args.earliest, args.trace) {
        (true, _) | (false, SzzTrace::Earliest) => devspm_engine::szz::SzzTrace::Earliest,
        (false, SzzTrace::Change) => devspm_engine::szz::SzzTrace::Change,
        (false, SzzTrace::Auto) => devspm_engine::szz::SzzTrace::Auto,
    };
    let run = devspm_engine::szz::attribute(
        &settings.context(),
        &mut store,
        &repo,
        &FixRequest {
            fix: args.fix.as_deref(),
            advisory: args.advisory.as_deref(),
            disclosed: args.disclosed.as_deref(),
            fixes_from: args.fixes_from.as_deref(),
        },
        args.again,
        (variant, trace),
        args.no_record,
    )?;
    match (run, global.format) {
        (AttributeRun::Pending(report), Format::Json) => emit_json(&report)?,
        (AttributeRun::Pending(report), _) => emit(&devspm_report::attribution::pending(&report))?,
        (AttributeRun::Fixes(results), Format::Json) => emit_json(&results)?,
        (AttributeRun::Fixes(results), _) => emit(&devspm_report::szz::results(&results))?,
    }
    Ok(0)
}
