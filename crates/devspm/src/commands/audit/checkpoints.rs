//! `devspm audit keygen | checkpoint | prove | consistency | export`: flags →
//! `devspm_engine::audit::{checkpoints, export}` → what is printed (`devspm_report::audit`) or
//! written, and the exit status.

use std::path::Path;

use anyhow::Context;
use devspm_engine::audit::checkpoints as engine;
use devspm_engine::audit::export::{ExportRequest, export as export_folder};
use devspm_ledger::merkle;
use devspm_ledger::{AuditStore, EventLog, Integrity, Store};
use devspm_report::audit;

use crate::cli::{Format, GlobalArgs};
use crate::output::{emit, emit_json};

pub fn keygen(global: &GlobalArgs, output: &Path, name: Option<&str>) -> anyhow::Result<i32> {
    let name = name.map_or_else(engine::default_key_name, str::to_owned);
    let key = engine::keygen(output, &name)?;
    if global.format == Format::Json {
        // Through a JSON value: its keys in alphabetical order, as every object devspm prints.
        emit_json(&serde_json::to_value(&key)?)?;
    } else if global.quiet {
        emit(&format!("{}\n", key.verifier_key))?;
    } else {
        emit(&audit::keygen(
            &key.private_key_file.display().to_string(),
            &key.public_key_file.display().to_string(),
            &key.verifier_key,
        ))?;
    }
    Ok(0)
}

pub fn checkpoint(
    store: &mut (impl EventLog + Integrity + AuditStore),
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
        emit_json(&signed.json(output))?;
    } else if let Some(path) = output {
        if !global.quiet {
            emit(&audit::checkpoint_written(
                signed.id,
                signed.size,
                &root,
                &signed.verifier.label(),
                &path.display().to_string(),
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
    let inclusion = engine::prove(store, seq, size)?;
    if global.format == Format::Json {
        emit_json(&inclusion.json()?)?;
    } else {
        emit(&audit::inclusion(&inclusion.shown()))?;
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
        emit(&audit::consistency(
            (proof.old_size, &proof.old_root),
            (proof.new_size, &proof.new_root),
            &proof.proof,
        ))?;
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
        emit_json(&done.json())?;
    } else if !global.quiet {
        emit(&audit::exported(&audit::Exported {
            folder: &dir.display().to_string(),
            events: done.events,
            partial: done.partial,
            csv,
            checkpoint: done.checkpoint.as_ref().map(|c| (c.id, c.tree_size)),
            newer,
        }))?;
    }
    Ok(0)
}
