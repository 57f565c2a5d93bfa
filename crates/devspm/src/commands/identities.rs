//! `devspm identities`: flags → `devspm_engine::identities` (who is who and why, likely
//! duplicates, erasing a person) → tables and sentences (`devspm_report::identities`) or JSON;
//! `forget` asks for confirmation on a terminal.

use std::io::{BufRead, IsTerminal, Write};

use devspm_engine::views;
use devspm_report::identities as render;

use crate::cli::{Format, GlobalArgs, IdentitiesArgs, IdentitiesCommand, KindFilter};
use crate::output::{emit, emit_json};
use crate::settings::Settings;

pub fn run(settings: &Settings, global: &GlobalArgs, args: IdentitiesArgs) -> anyhow::Result<i32> {
    let mut store = settings.open_store()?;
    let ctx = settings.context();
    let json = global.format == Format::Json;
    match args
        .command
        .unwrap_or(IdentitiesCommand::List { kind: None })
    {
        IdentitiesCommand::Suggest => {
            let found = devspm_engine::identities::suggestions(&ctx, &mut store)?;
            match json {
                true => emit_json(&found.pairs)?,
                false => emit(&render::suggestions(&views::suggestions(&found)))?,
            }
        }
        IdentitiesCommand::List { kind } => {
            let wanted = kind.map(|k| match k {
                KindFilter::Developer => "developer",
                KindFilter::Agent => "agent",
                KindFilter::Bot => "bot",
            });
            let rows = devspm_engine::identities::list(&ctx, &mut store, wanted)?;
            match json {
                true => emit_json(&rows)?,
                false => emit(&render::list(&rows))?,
            }
        }
        IdentitiesCommand::Show { query } => {
            let details = devspm_engine::identities::show(&ctx, &mut store, &query)?;
            match json {
                true => emit_json(&details)?,
                false => emit(&render::show(&details))?,
            }
        }
        IdentitiesCommand::Forget { query, yes } => {
            let row = devspm_engine::identities::forget_target(&ctx, &mut store, &query)?;
            if !yes && !confirmed(&row)? {
                eprintln!("devspm: nothing was erased");
                return Ok(1);
            }
            let report = devspm_engine::identities::forget(&mut store, &row.identity)?;
            match json {
                true => emit_json(&report)?,
                false => emit(&render::forgotten(&views::forgotten(&report)))?,
            }
        }
    }
    Ok(0)
}

/// Asks on the terminal before erasing a person; refuses without one (`--yes` is then needed).
fn confirmed(identity: &devspm_ledger::IdentityRow) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "refusing to erase {} without confirmation: standard input is not a terminal; pass --yes",
            identity.identity
        );
    }
    eprint!("{}", render::forget_question(identity));
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}
