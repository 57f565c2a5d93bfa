//! `devspm audit` and `devspm rebuild`: flags → `devspm_engine::audit` → output
//! (`devspm_report::audit`) and exit status.
//! Keys, checkpoints, proofs and exports are rendered in `audit/checkpoints.rs`, evidence
//! packs in `audit/evidence.rs`.

use std::path::PathBuf;

use devspm_engine::EngineError;
use devspm_engine::audit as engine;
use devspm_ledger::{AuditStore, EventLog, Integrity};
use devspm_report::audit;

use crate::EXIT_VERIFY_FAILED;
use crate::cli::{AuditCommand, Format, GlobalArgs};
use crate::output::{emit, emit_json};
use crate::settings::Settings;

mod checkpoints;
mod evidence;

pub fn run(settings: &Settings, global: &GlobalArgs, command: AuditCommand) -> anyhow::Result<i32> {
    if let AuditCommand::Keygen { output, name } = &command {
        // Needs no database.
        return checkpoints::keygen(global, output, name.as_deref());
    }
    // Checking, proving, exporting and reading the log write nothing: they open the file
    // read-only (a copy handed to an auditor verifies) and never wait for a writer.
    let reads_only = matches!(
        command,
        AuditCommand::Verify { .. }
            | AuditCommand::Prove { .. }
            | AuditCommand::Consistency { .. }
            | AuditCommand::Export { .. }
            | AuditCommand::Log { .. }
    );
    if matches!(
        command,
        AuditCommand::Verify { .. }
            | AuditCommand::Prove { .. }
            | AuditCommand::Consistency { .. }
            | AuditCommand::Log { .. }
            | AuditCommand::Checkpoint { .. }
    ) {
        // These run on either backend (SQLite or PostgreSQL), through the event log's traits.
        let mut log = settings.open_log(!reads_only)?;
        return match command {
            AuditCommand::Checkpoint {
                key,
                output,
                origin,
            } => checkpoints::checkpoint(&mut log, global, &key, output.as_deref(), origin),
            AuditCommand::Prove { seq, size } => checkpoints::prove(&log, global, seq, size),
            AuditCommand::Consistency { old_size, new_size } => {
                checkpoints::consistency(&log, global, old_size, new_size)
            }
            AuditCommand::Verify {
                quick,
                checkpoint,
                public_key,
            } => verify(
                &log,
                devspm_engine::store::log_opened_note(&log),
                (global, settings.context().progress),
                quick,
                checkpoint.zip(public_key),
            ),
            AuditCommand::Log { kind, after, limit } => {
                let mut out = String::new();
                for line in engine::events(&log, kind.as_deref(), after, limit)? {
                    out.push_str(&devspm_report::json::to_string(&line)?);
                    out.push('\n');
                }
                emit(&out)?;
                Ok(0)
            }
            _ => unreachable!("matched above"),
        };
    }
    let mut store = if reads_only {
        settings.open_store_read_only()?
    } else {
        settings.open_store()?
    };
    match command {
        AuditCommand::Export { output } => checkpoints::export(&store, global, &output),
        AuditCommand::Evidence {
            framework,
            since,
            until,
            repo,
            sample,
            output,
            key,
        } => evidence::run(
            &mut store,
            global,
            &devspm_engine::evidence::PackRequest {
                framework: match framework {
                    crate::cli::Framework::Ssdf => devspm_engine::evidence::Framework::Ssdf,
                    crate::cli::Framework::Soc2 => devspm_engine::evidence::Framework::Soc2,
                },
                since,
                until,
                repo,
                sample,
                key,
            },
            (&output, settings.context().progress),
        ),
        _ => unreachable!("handled above"),
    }
}

/// A ledger that does not verify, reported by the engine: the sentence on standard error and
/// exit status 3. Other errors go up.
fn refused(error: EngineError) -> anyhow::Result<i32> {
    match error {
        EngineError::Tampered {
            location,
            problem,
            refused,
        } => {
            eprint!("{}", audit::tampered(&location, &problem, refused));
            Ok(EXIT_VERIFY_FAILED)
        }
        other => Err(other.into()),
    }
}

/// `audit verify`; `opened` says how a read-only store reads its file, when worth saying.
fn verify(
    store: &(impl EventLog + Integrity + AuditStore),
    opened: Option<String>,
    (global, progress): (&GlobalArgs, &dyn devspm_engine::Progress),
    quick: bool,
    checkpoint: Option<(PathBuf, String)>,
) -> anyhow::Result<i32> {
    // A checkpoint kept elsewhere is checked first: its signature needs no database.
    let signed = match &checkpoint {
        Some((file, key)) => match engine::checkpoints::read_signed(file, key)? {
            Ok(cp) => Some((file.as_path(), cp)),
            Err(problem) => {
                eprint!("{}", audit::checkpoint_failed(&problem));
                return Ok(EXIT_VERIFY_FAILED);
            }
        },
        None => None,
    };
    let verified = engine::verify(
        store,
        quick,
        signed.as_ref().map(|(file, cp)| (*file, cp)),
        progress,
    )?;
    if global.format == Format::Json {
        emit_json(&verified.json(opened.as_deref()))?;
    } else {
        let note = opened.as_deref().filter(|_| !global.quiet);
        match audit::verify(&verified.shown(), quick, note) {
            audit::Verdict::Verified(text) => emit(&text)?,
            audit::Verdict::Failed(text) => eprint!("{text}"),
        }
    }
    Ok(if verified.ok() { 0 } else { EXIT_VERIFY_FAILED })
}

pub fn rebuild(settings: &Settings, global: &GlobalArgs) -> anyhow::Result<i32> {
    let mut store = settings.open_store()?;
    let replayed = engine::rebuild(&mut store, settings.context().progress)?;
    if global.format == Format::Json {
        emit_json(
            &serde_json::json!({ "database": store.location(), "events_replayed": replayed }),
        )?;
    } else if !global.quiet {
        emit(&audit::rebuilt(replayed, store.location()))?;
    }
    Ok(0)
}

/// `devspm migrate`: an SQLite ledger copied to PostgreSQL and verified there.
pub fn migrate(
    settings: &Settings,
    global: &GlobalArgs,
    args: &crate::cli::MigrateArgs,
) -> anyhow::Result<i32> {
    let done =
        devspm_engine::migrate::migrate(&args.from, &args.to, args.batch, &settings.terminal);
    let done = match done {
        Ok(done) => done,
        Err(error) => return refused(error),
    };
    if global.format == Format::Json {
        emit_json(&serde_json::to_value(&done)?)?;
    } else if !global.quiet {
        emit(&audit::migrated(&audit::Migrated {
            source: &done.source,
            target: &done.target,
            copied: done.copied,
            already: done.already,
            contents: done.contents,
            checkpoints: done.checkpoints,
            tree_nodes_checked: done.tree_nodes_checked,
            tree_root: &done.tree_root,
        }))?;
    }
    Ok(0)
}
