//! `devspm audit evidence`: flags → `devspm_engine::evidence::write_pack` (which writes the
//! folder, its Markdown rendered by `devspm_report::evidence`) → a summary and the exit
//! status.

use std::path::Path;

use devspm_engine::evidence::{PackRequest, PackStore, write_pack};

use crate::cli::{Format, GlobalArgs};
use crate::output::{count, emit, emit_json, escape};

pub fn run(
    store: &mut impl PackStore,
    global: &GlobalArgs,
    request: &PackRequest,
    (dir, progress): (&Path, &dyn devspm_engine::Progress),
) -> anyhow::Result<i32> {
    let pack = match write_pack(store, request, dir, progress) {
        Ok(pack) => pack,
        Err(error) => return super::refused(error),
    };
    if global.format == Format::Json {
        emit_json(&devspm_report::evidence::summary(&pack, dir))?;
    } else if !global.quiet {
        let checkpoint = &pack.checkpoint;
        emit(&format!(
            "evidence pack ({}) written to {}: {} of {} changes sampled ({} always included) from {} to {} in {}; {} cited events with inclusion proofs against checkpoint #{} of {} events{}\nstart with {}/index.md; VERIFY.md says how to check it\n",
            pack.framework.title(),
            escape(&dir.display().to_string()),
            pack.changes.len(),
            count(pack.population as u64),
            pack.always_included,
            pack.since,
            pack.until,
            escape(&pack.scope),
            pack.cited.len(),
            checkpoint.id,
            count(checkpoint.size),
            if checkpoint.fresh {
                " (signed now)"
            } else {
                ""
            },
            escape(&dir.display().to_string())
        ))?;
    }
    Ok(0)
}
