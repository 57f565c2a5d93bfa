//! `devspm audit evidence`: flags → `devspm_engine::evidence::write_pack` (which writes the
//! folder, its Markdown rendered by `devspm_report::evidence`) → a summary and the exit
//! status.

use std::path::Path;

use devspm_engine::evidence::{PackRequest, PackStore, write_pack};

use crate::cli::{Format, GlobalArgs};
use crate::output::{emit, emit_json};

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
        emit(&devspm_report::audit::evidence_written(
            &pack,
            &dir.display().to_string(),
        ))?;
    }
    Ok(0)
}
