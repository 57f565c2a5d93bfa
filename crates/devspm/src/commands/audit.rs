//! `devspm audit` and `devspm rebuild`: checking and replaying the ledger; keys, checkpoints,
//! proofs and exports live in `audit/checkpoints.rs`, evidence packs in `audit/evidence.rs`.

use std::io::IsTerminal;

use devspm_ledger::Store;

use crate::EXIT_VERIFY_FAILED;
use crate::cli::{AuditCommand, Format, GlobalArgs};
use crate::output::{count, emit, emit_json, escape};
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
    let mut store = if reads_only {
        settings.open_store_read_only()?
    } else {
        settings.open_store()?
    };
    match command {
        AuditCommand::Keygen { .. } => unreachable!("handled above"),
        AuditCommand::Checkpoint {
            key,
            output,
            origin,
        } => checkpoints::checkpoint(&mut store, global, &key, output.as_deref(), origin),
        AuditCommand::Prove { seq, size } => checkpoints::prove(&store, global, seq, size),
        AuditCommand::Consistency { old_size, new_size } => {
            checkpoints::consistency(&store, global, old_size, new_size)
        }
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
            &evidence::Request {
                framework,
                since,
                until,
                repo,
                sample,
                output,
                key,
            },
        ),
        AuditCommand::Verify {
            quick,
            checkpoint,
            public_key,
        } => {
            // A checkpoint kept elsewhere is checked first: its signature needs no database.
            let signed = match (&checkpoint, &public_key) {
                (Some(file), Some(key)) => match checkpoints::read_signed(file, key)? {
                    Ok(cp) => Some((file.clone(), cp)),
                    Err(problem) => {
                        eprintln!(
                            "devspm: CHECKPOINT VERIFICATION FAILED: {}",
                            escape(&problem)
                        );
                        return Ok(EXIT_VERIFY_FAILED);
                    }
                },
                _ => None,
            };
            let show = !global.quiet && std::io::stderr().is_terminal();
            let report = store.verify(&mut |n| {
                if show {
                    eprint!("\rverified {n} events");
                }
            })?;
            if show {
                eprint!("\r");
            }
            // The projections are compared with a replay of the events once the events
            // themselves are known to be intact.
            let projections = if quick || report.problem.is_some() {
                None
            } else {
                let checked = store.check_projections(&mut |n| {
                    if show {
                        eprint!("\rreplayed {n} events");
                    }
                })?;
                if show {
                    eprint!("\r");
                }
                Some(checked)
            };
            let projection_problem = projections.as_ref().and_then(|p| p.problem.as_ref());
            let against = match (&signed, &report.problem) {
                (Some((file, cp)), None) => Some(checkpoints::against_ledger(&store, file, cp)?),
                _ => None,
            };
            if global.format == Format::Json {
                emit_json(&serde_json::json!({
                    "database": store.location(),
                    "ok": report.problem.is_none()
                        && projection_problem.is_none()
                        && against.as_ref().is_none_or(|a| a.is_ok()),
                    "report": report,
                    "projections": projections,
                    "opened": opened_as(&store),
                    "checkpoint": against.as_ref().map(|a| match a {
                        Ok(text) => serde_json::json!({ "ok": true, "detail": text }),
                        Err(problem) => serde_json::json!({ "ok": false, "problem": problem }),
                    }),
                }))?;
            } else if let Some(Err(problem)) = &against {
                eprintln!(
                    "devspm: CHECKPOINT VERIFICATION FAILED: {}",
                    escape(problem)
                );
            } else if let Some(problem) = projection_problem {
                eprintln!(
                    "devspm: LEDGER VERIFICATION FAILED in {}: {}",
                    escape(store.location()),
                    escape(&problem.problem)
                );
                eprintln!(
                    "devspm: the {} events verify, but what views and --fail-on read was changed without them",
                    count(report.events)
                );
            } else {
                match &report.problem {
                    None => emit(&format!(
                        "ledger verified: {} events chain correctly{}; {} Merkle tree nodes match{}; {} stored commit messages match their hashes{}\n{}{}{}",
                        count(report.events),
                        report
                            .head
                            .as_ref()
                            .map(|h| format!(" up to head {} ({})", h.seq, &h.hash[..16]))
                            .unwrap_or_default(),
                        count(report.tree_nodes_checked),
                        report
                            .tree_root
                            .as_ref()
                            .map(|r| format!(" (root {})", &r[..16]))
                            .unwrap_or_default(),
                        count(report.contents_checked),
                        if report.contents_redacted > 0 {
                            format!(
                                "; {} redacted by a recorded erasure (identity_forgotten)",
                                count(report.contents_redacted)
                            )
                        } else {
                            String::new()
                        },
                        match &projections {
                            Some(p) => format!(
                                "projections match the events: {} rows in {} tables, replayed from {} events\n",
                                count(p.rows_checked),
                                p.tables_checked,
                                count(p.events_replayed)
                            ),
                            None => "projections not checked (--quick)\n".to_owned(),
                        },
                        against
                            .as_ref()
                            .and_then(|a| a.as_ref().ok())
                            .map(|text| format!("{}\n", escape(text)))
                            .unwrap_or_default(),
                        match opened_as(&store) {
                            Some(note) if !global.quiet => format!("note: {}\n", escape(&note)),
                            _ => String::new(),
                        }
                    ))?,
                    Some(problem) => {
                        eprintln!(
                            "devspm: LEDGER VERIFICATION FAILED in {}: {}{}",
                            escape(store.location()),
                            escape(&problem.problem),
                            problem
                                .key
                                .as_ref()
                                .map(|k| format!(" [key {}]", escape(k)))
                                .unwrap_or_default()
                        );
                        eprintln!(
                            "devspm: the {} events before it verify; restore the database from a backup or investigate who changed it",
                            count(report.events)
                        );
                    }
                }
            }
            Ok(
                if report.problem.is_some()
                    || projection_problem.is_some()
                    || against.is_some_and(|a| a.is_err())
                {
                    EXIT_VERIFY_FAILED
                } else {
                    0
                },
            )
        }
        AuditCommand::Log { kind, after, limit } => {
            if let Some(kind) = &kind
                && devspm_core::EventKind::parse(kind).is_none()
            {
                let known: Vec<&str> = devspm_core::EventKind::ALL
                    .iter()
                    .map(|k| k.as_str())
                    .collect();
                anyhow::bail!(
                    "unknown event kind `{kind}`; known kinds: {}",
                    known.join(", ")
                );
            }
            let events = store.events(kind.as_deref(), after, limit)?;
            let mut out = String::new();
            for e in events {
                let payload: serde_json::Value = serde_json::from_str(&e.payload)?;
                let line = serde_json::json!({
                    "seq": e.seq, "key": e.key, "kind": e.kind, "at": e.at, "actor": e.actor,
                    "subject": e.subject, "payload": payload, "prev_hash": e.prev_hash, "hash": e.hash,
                });
                out.push_str(&devspm_report::json::to_string(&line)?);
                out.push('\n');
            }
            emit(&out)?;
            Ok(0)
        }
    }
}

/// How a read-only store reads its file, when that is worth saying.
fn opened_as(store: &devspm_ledger::SqliteStore) -> Option<String> {
    match store.read_only() {
        Some(devspm_ledger::ReadOnly::Immutable) => {
            let wal = format!("{}-wal", store.location());
            let pending = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
            Some(format!(
                "the database was read as an immutable file (its folder is read-only){}",
                if pending {
                    format!(
                        "; {wal} was not read: copy the database with its -wal file into a writable folder, or checkpoint it before copying"
                    )
                } else {
                    String::new()
                }
            ))
        }
        _ => None,
    }
}

pub fn rebuild(settings: &Settings, global: &GlobalArgs) -> anyhow::Result<i32> {
    let mut store = settings.open_store()?;
    let replayed = store.rebuild(&mut |_| {})?;
    if global.format == Format::Json {
        emit_json(
            &serde_json::json!({ "database": store.location(), "events_replayed": replayed }),
        )?;
    } else if !global.quiet {
        emit(&format!(
            "projections rebuilt from {} events in {}\n",
            count(replayed),
            escape(store.location())
        ))?;
    }
    Ok(0)
}
