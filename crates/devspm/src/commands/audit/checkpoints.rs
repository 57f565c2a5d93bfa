//! `devspm audit keygen | checkpoint | prove | consistency | export`: flags →
//! `devspm_engine::audit::{checkpoints, export}` → what is printed or written, and the exit
//! status.

use std::path::Path;

use anyhow::Context;
use devspm_engine::audit::checkpoints as engine;
use devspm_engine::audit::export::{ExportRequest, export as export_folder};
use devspm_ledger::merkle;
use devspm_ledger::{AuditStore, EventLog, Store};

use crate::cli::{Format, GlobalArgs};
use crate::output::{count, emit, emit_json, escape};

pub fn keygen(global: &GlobalArgs, output: &Path, name: Option<&str>) -> anyhow::Result<i32> {
    let name = name.map_or_else(engine::default_key_name, str::to_owned);
    let key = engine::keygen(output, &name)?;
    if global.format == Format::Json {
        // Through a JSON value: its keys in alphabetical order, as every object devspm prints.
        emit_json(&serde_json::to_value(&key)?)?;
    } else if global.quiet {
        emit(&format!("{}\n", key.verifier_key))?;
    } else {
        emit(&format!(
            "private key written to {} (mode 0600; keep it secret)\nverifier key written to {}:\n{}\n",
            escape(&key.private_key_file.display().to_string()),
            escape(&key.public_key_file.display().to_string()),
            key.verifier_key
        ))?;
    }
    Ok(0)
}

pub fn checkpoint(
    store: &mut (impl EventLog + AuditStore),
    global: &GlobalArgs,
    key: &Path,
    output: Option<&Path>,
    origin: Option<String>,
) -> anyhow::Result<i32> {
    let signed = match engine::sign_current(store, key, origin) {
        Ok(signed) => signed,
        Err(error) => return super::refused(error),
    };
    if let Some(path) = output {
        std::fs::write(path, &signed.note)
            .with_context(|| format!("cannot write the checkpoint to {}", path.display()))?;
    }
    let root = merkle::to_hex(&signed.root);
    if global.format == Format::Json {
        emit_json(&serde_json::json!({
            "id": signed.id,
            "origin": signed.origin,
            "tree_size": signed.size,
            "root_hash": root,
            "key": signed.verifier.label(),
            "note": signed.note,
            "file": output,
        }))?;
    } else if let Some(path) = output {
        if !global.quiet {
            emit(&format!(
                "checkpoint #{} of {} events (root {}) signed by {} and written to {}\n",
                signed.id,
                count(signed.size),
                &root[..16],
                escape(&signed.verifier.label()),
                escape(&path.display().to_string())
            ))?;
        }
    } else {
        emit(&signed.note)?;
    }
    Ok(0)
}

pub fn prove(
    store: &impl AuditStore,
    global: &GlobalArgs,
    seq: u64,
    size: Option<u64>,
) -> anyhow::Result<i32> {
    let engine::Inclusion {
        proof,
        checkpoint_id,
    } = engine::prove(store, seq, size)?;
    if global.format == Format::Json {
        let mut value = serde_json::to_value(&proof)?;
        value["checkpoint_id"] = serde_json::json!(checkpoint_id);
        emit_json(&value)?;
    } else {
        let mut out = format!(
            "event {} (leaf index {}) in the tree of {} events{}\nevent hash  {}\nleaf hash   {}\nroot hash   {}\naudit path ({} hashes, leaf to root):\n",
            proof.seq,
            proof.leaf_index,
            proof.tree_size,
            checkpoint_id
                .map(|id| format!(" (checkpoint #{id})"))
                .unwrap_or_default(),
            proof.event_hash,
            proof.leaf_hash,
            proof.root_hash,
            proof.audit_path.len()
        );
        for h in &proof.audit_path {
            out.push_str(&format!("  {h}\n"));
        }
        emit(&out)?;
    }
    Ok(0)
}

pub fn consistency(
    store: &impl AuditStore,
    global: &GlobalArgs,
    old: u64,
    new: u64,
) -> anyhow::Result<i32> {
    let proof = engine::consistency(store, old, new)?;
    if global.format == Format::Json {
        emit_json(&proof)?;
    } else {
        let mut out = format!(
            "tree of {} events (root {})\nextends the tree of {} events (root {})\nconsistency proof ({} hashes):\n",
            proof.new_size,
            proof.new_root,
            proof.old_size,
            proof.old_root,
            proof.proof.len()
        );
        for h in &proof.proof {
            out.push_str(&format!("  {h}\n"));
        }
        emit(&out)?;
    }
    Ok(0)
}

pub fn export(
    store: &(impl Store + AuditStore),
    global: &GlobalArgs,
    args: &crate::cli::AuditExportArgs,
) -> anyhow::Result<i32> {
    let dir = args.output.as_path();
    let csv = global.format == Format::Csv;
    let done = export_folder(
        store,
        &ExportRequest {
            since: args.since.clone(),
            until: args.until.clone(),
            repo: args.repo.clone(),
            identity: args.identity.clone(),
            csv,
        },
        dir,
    )?;
    let newer = done.newer_than_checkpoint;
    if global.format == Format::Json {
        emit_json(&serde_json::json!({
            "folder": dir,
            "export": if done.partial { "partial" } else { "full" },
            "events": done.events,
            "proofs": done.proofs,
            "matching_events_newer_than_checkpoint": newer,
            "filters": done.filters,
            "files": done.files,
            "checkpoint": done.checkpoint.as_ref().map(|c| serde_json::json!({
                "id": c.id, "tree_size": c.tree_size, "root_hash": c.root_hash, "key": c.key_name,
            })),
        }))?;
    } else if !global.quiet {
        let mut text = format!(
            "exported {} {}events to {}/events.jsonl{}{}",
            count(done.events),
            if done.partial { "matching " } else { "" },
            escape(&dir.display().to_string()),
            if csv { " and events.csv" } else { "" },
            if done.partial {
                ", each with its inclusion proof in proofs.jsonl"
            } else {
                ""
            },
        );
        text.push_str(&match &done.checkpoint {
            Some(c) => format!(
                ", checkpoint #{} of {} events to checkpoint.txt and its verifier key to verifier.pub",
                c.id,
                count(c.tree_size)
            ),
            None => "; no checkpoint yet (run `devspm audit checkpoint --key KEY` first)".into(),
        });
        text.push('\n');
        if newer > 0 {
            text.push_str(&format!(
                "{} more matching events are newer than the checkpoint and were left out: sign a new checkpoint (`devspm audit checkpoint --key KEY`) to include them\n",
                count(newer)
            ));
        }
        emit(&text)?;
    }
    Ok(0)
}
