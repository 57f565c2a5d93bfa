//! `devspm audit` and `devspm rebuild`: checking and replaying the ledger.

use std::io::IsTerminal;

use devspm_ledger::Store;

use crate::EXIT_VERIFY_FAILED;
use crate::cli::{AuditCommand, Format, GlobalArgs};
use crate::output::{count, emit, emit_json};
use crate::settings::Settings;

pub fn run(settings: &Settings, global: &GlobalArgs, command: AuditCommand) -> anyhow::Result<i32> {
    let store = settings.open_store()?;
    match command {
        AuditCommand::Verify => {
            let show = !global.quiet && std::io::stderr().is_terminal();
            let report = store.verify(&mut |n| {
                if show {
                    eprint!("\rverified {n} events");
                }
            })?;
            if show {
                eprint!("\r");
            }
            if global.format == Format::Json {
                emit_json(&serde_json::json!({
                    "database": store.location(),
                    "ok": report.problem.is_none(),
                    "report": report,
                }))?;
            } else {
                match &report.problem {
                    None => emit(&format!(
                        "ledger verified: {} events chain correctly{}; {} stored commit messages match their hashes\n",
                        count(report.events),
                        report
                            .head
                            .as_ref()
                            .map(|h| format!(" up to head {} ({})", h.seq, &h.hash[..16]))
                            .unwrap_or_default(),
                        count(report.contents_checked)
                    ))?,
                    Some(problem) => {
                        eprintln!(
                            "devspm: LEDGER VERIFICATION FAILED in {}: {}{}",
                            store.location(),
                            problem.problem,
                            problem
                                .key
                                .as_ref()
                                .map(|k| format!(" [key {k}]"))
                                .unwrap_or_default()
                        );
                        eprintln!(
                            "devspm: the {} events before it verify; restore the database from a backup or investigate who changed it",
                            count(report.events)
                        );
                    }
                }
            }
            Ok(if report.problem.is_some() {
                EXIT_VERIFY_FAILED
            } else {
                0
            })
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
                out.push_str(&line.to_string());
                out.push('\n');
            }
            emit(&out)?;
            Ok(0)
        }
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
            store.location()
        ))?;
    }
    Ok(0)
}
