//! `devspm audit keygen | checkpoint | prove | consistency | export` and the checkpoint half of
//! `audit verify`: Ed25519 keys in signed-note form, C2SP checkpoints of the ledger's Merkle
//! tree, RFC 6962 proofs, and the folder an auditor verifies without devspm.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use devspm_ledger::checkpoint::{Checkpoint, NoteSigner, NoteVerifier};
use devspm_ledger::merkle;
use devspm_ledger::{AuditStore, SqliteStore, Store};

use crate::EXIT_VERIFY_FAILED;
use crate::cli::{Format, GlobalArgs};
use crate::output::{count, emit, emit_json};

/// `devspm/<hostname>`, made a valid key name.
fn default_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    let host: String = host
        .chars()
        .map(|c| {
            if c == '+' || c.is_whitespace() {
                '-'
            } else {
                c
            }
        })
        .collect();
    format!("devspm/{host}")
}

/// PATH.pub beside PATH.
fn pub_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

fn create_new(path: &Path, mode: u32, text: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

pub fn keygen(global: &GlobalArgs, output: &Path, name: Option<&str>) -> anyhow::Result<i32> {
    let name = name.map_or_else(default_name, str::to_owned);
    let public = pub_path(output);
    for path in [output, public.as_path()] {
        if path.exists() || path.is_symlink() {
            anyhow::bail!(
                "{} already exists; refusing to overwrite a key (choose another path or remove it first)",
                path.display()
            );
        }
    }
    let signer = NoteSigner::generate(&name)?;
    let verifier = signer.verifier().to_key_string();
    create_new(output, 0o600, &format!("{}\n", signer.to_private_string()))?;
    create_new(&public, 0o644, &format!("{verifier}\n"))?;
    if global.format == Format::Json {
        emit_json(&serde_json::json!({
            "name": name,
            "key_id": devspm_core::hex::encode(&signer.id),
            "private_key_file": output,
            "public_key_file": public,
            "verifier_key": verifier,
        }))?;
    } else if global.quiet {
        emit(&format!("{verifier}\n"))?;
    } else {
        emit(&format!(
            "private key written to {} (mode 0600; keep it secret)\nverifier key written to {}:\n{verifier}\n",
            output.display(),
            public.display()
        ))?;
    }
    Ok(0)
}

/// A verifier key from a .pub file or the key string itself.
fn read_verifier(key: &str) -> anyhow::Result<NoteVerifier> {
    let path = Path::new(key);
    let (text, source) = if path.is_file() {
        (
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the public key {}", path.display()))?,
            path.display().to_string(),
        )
    } else {
        (key.to_owned(), "--public-key".to_owned())
    };
    NoteVerifier::parse(&text).with_context(|| format!("{source} is not a usable verifier key"))
}

/// Reads a checkpoint file and checks its signature. Unreadable inputs are errors; a
/// checkpoint that does not verify is `Ok(Err(problem))`.
pub fn read_signed(file: &Path, key: &str) -> anyhow::Result<Result<Checkpoint, String>> {
    let verifier = read_verifier(key)?;
    let note = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the checkpoint {}", file.display()))?;
    Ok(verifier
        .verify_checkpoint(&note)
        .map_err(|e| format!("{}: {e}", file.display())))
}

/// Checks a signed checkpoint against the (verified) ledger: the tree at its size has its
/// root, and the current tree extends it.
pub fn against_ledger(
    store: &SqliteStore,
    file: &Path,
    cp: &Checkpoint,
) -> anyhow::Result<Result<String, String>> {
    let file = file.display();
    let current = store.tree_size()?;
    if cp.size > current {
        return Ok(Err(format!(
            "{file}: ROLLBACK: the checkpoint signs a tree of {} events but this database holds only {}: it is an older copy of the ledger, or its newest events were deleted",
            count(cp.size),
            count(current)
        )));
    }
    let root = store.tree_root(cp.size)?;
    if root != cp.root {
        return Ok(Err(format!(
            "{file}: the ledger's tree of its first {} events has root {} but the checkpoint signed {}: events up to {} were rewritten since it was signed (or this is another ledger)",
            count(cp.size),
            &merkle::to_hex(&root)[..16],
            &merkle::to_hex(&cp.root)[..16],
            cp.size
        )));
    }
    let proof = store.consistency_proof(cp.size, current)?;
    let path: Vec<merkle::Hash> = proof
        .proof
        .iter()
        .filter_map(|h| merkle::from_hex(h))
        .collect();
    let now = store.tree_root(current)?;
    if let Err(e) = merkle::verify_consistency(cp.size, current, &cp.root, &now, &path) {
        return Ok(Err(format!(
            "{file}: the current tree of {} events is not consistent with the checkpoint's tree of {}: {e}",
            count(current),
            count(cp.size)
        )));
    }
    Ok(Ok(format!(
        "checkpoint verified: {file} (origin {}, {} events, signed by {}) matches the ledger, and the current tree of {} events extends it (consistency proof of {} hashes)",
        cp.origin,
        count(cp.size),
        cp.signatures
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        count(current),
        path.len()
    )))
}

/// A checkpoint just signed and recorded.
pub struct SignedHead {
    pub id: u64,
    pub origin: String,
    pub size: u64,
    pub root: merkle::Hash,
    pub note: String,
    pub verifier: NoteVerifier,
}

/// Verifies the ledger, signs its current tree head with the private key at `key` and records
/// the checkpoint. `None` (after printing why) when the ledger does not verify: a signature
/// must never vouch for tampering.
pub fn sign_current(
    store: &mut SqliteStore,
    key: &Path,
    origin: Option<String>,
) -> anyhow::Result<Option<SignedHead>> {
    let text = std::fs::read_to_string(key)
        .with_context(|| format!("cannot read the private key {}", key.display()))?;
    let signer = NoteSigner::parse(&text)
        .with_context(|| format!("{} is not a usable private key", key.display()))?;
    let report = store.verify(&mut |_| {})?;
    if let Some(problem) = &report.problem {
        eprintln!(
            "devspm: LEDGER VERIFICATION FAILED in {}: {}; refusing to sign a checkpoint",
            store.location(),
            problem.problem
        );
        return Ok(None);
    }
    let size = store.tree_size()?;
    let root = store.tree_root(size)?;
    let origin = origin.unwrap_or_else(|| signer.name.clone());
    let note = signer.sign_checkpoint(&origin, size, &root)?;
    let verifier = signer.verifier();
    let parsed = verifier.verify_checkpoint(&note)?;
    let id = store.record_checkpoint(&parsed, &note, &signer.name, &verifier.to_key_string())?;
    Ok(Some(SignedHead {
        id,
        origin,
        size,
        root,
        note,
        verifier,
    }))
}

pub fn checkpoint(
    store: &mut SqliteStore,
    global: &GlobalArgs,
    key: &Path,
    output: Option<&Path>,
    origin: Option<String>,
) -> anyhow::Result<i32> {
    let Some(signed) = sign_current(store, key, origin)? else {
        return Ok(EXIT_VERIFY_FAILED);
    };
    let SignedHead {
        id,
        origin,
        size,
        root,
        note,
        verifier,
    } = signed;
    if let Some(path) = output {
        std::fs::write(path, &note)
            .with_context(|| format!("cannot write the checkpoint to {}", path.display()))?;
    }
    if global.format == Format::Json {
        emit_json(&serde_json::json!({
            "id": id,
            "origin": origin,
            "tree_size": size,
            "root_hash": merkle::to_hex(&root),
            "key": verifier.label(),
            "note": note,
            "file": output,
        }))?;
    } else if let Some(path) = output {
        if !global.quiet {
            emit(&format!(
                "checkpoint #{id} of {} events (root {}) signed by {} and written to {}\n",
                count(size),
                &merkle::to_hex(&root)[..16],
                verifier.label(),
                path.display()
            ))?;
        }
    } else {
        emit(&note)?;
    }
    Ok(0)
}

pub fn prove(
    store: &SqliteStore,
    global: &GlobalArgs,
    seq: u64,
    size: Option<u64>,
) -> anyhow::Result<i32> {
    let latest = store.checkpoints()?.pop();
    let (size, checkpoint) = match size {
        Some(size) => (size, latest.filter(|c| c.tree_size == size).map(|c| c.id)),
        None => match latest {
            Some(c) if c.tree_size >= seq => (c.tree_size, Some(c.id)),
            _ => (store.tree_size()?, None),
        },
    };
    let proof = store.inclusion_proof(seq, size)?;
    if global.format == Format::Json {
        let mut value = serde_json::to_value(&proof)?;
        value["checkpoint_id"] = serde_json::json!(checkpoint);
        emit_json(&value)?;
    } else {
        let mut out = format!(
            "event {} (leaf index {}) in the tree of {} events{}\nevent hash  {}\nleaf hash   {}\nroot hash   {}\naudit path ({} hashes, leaf to root):\n",
            proof.seq,
            proof.leaf_index,
            proof.tree_size,
            checkpoint
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
    store: &SqliteStore,
    global: &GlobalArgs,
    old: u64,
    new: u64,
) -> anyhow::Result<i32> {
    let proof = store.consistency_proof(old, new)?;
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

pub fn export(store: &SqliteStore, global: &GlobalArgs, dir: &Path) -> anyhow::Result<i32> {
    if dir.exists()
        && std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_some()
    {
        anyhow::bail!(
            "{} exists and is not empty; choose a new folder for the export",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let events_path = dir.join("events.jsonl");
    let file = std::fs::File::create(&events_path)
        .with_context(|| format!("cannot create {}", events_path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let mut after = 0u64;
    let mut written = 0u64;
    loop {
        let page = store.events(None, after, 10_000)?;
        if page.is_empty() {
            break;
        }
        for e in page {
            let line = serde_json::json!({
                "seq": e.seq,
                "leaf_index": e.seq - 1,
                "leaf_hash": merkle::to_hex(&devspm_ledger::audit::event_leaf(&e.hash)),
                "key": e.key,
                "kind": e.kind,
                "at": e.at,
                "actor": e.actor,
                "subject": e.subject,
                "payload": e.payload,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            });
            serde_json::to_writer(&mut out, &line)?;
            out.write_all(b"\n")?;
            after = e.seq;
            written += 1;
        }
    }
    out.flush()
        .with_context(|| format!("cannot write {}", events_path.display()))?;
    let latest = store.checkpoints()?.pop();
    if let Some(cp) = &latest {
        std::fs::write(dir.join("checkpoint.txt"), &cp.note)?;
        std::fs::write(dir.join("verifier.pub"), format!("{}\n", cp.verifier))?;
    }
    if global.format == Format::Json {
        emit_json(&serde_json::json!({
            "folder": dir,
            "events": written,
            "checkpoint": latest.as_ref().map(|c| serde_json::json!({
                "id": c.id, "tree_size": c.tree_size, "root_hash": c.root_hash, "key": c.key_name,
            })),
        }))?;
    } else if !global.quiet {
        emit(&format!(
            "exported {} events to {}/events.jsonl{}\n",
            count(written),
            dir.display(),
            match &latest {
                Some(c) => format!(
                    ", checkpoint #{} of {} events to checkpoint.txt and its verifier key to verifier.pub",
                    c.id,
                    count(c.tree_size)
                ),
                None =>
                    "; no checkpoint yet (run `devspm audit checkpoint --key KEY` first)".into(),
            }
        ))?;
    }
    Ok(0)
}
