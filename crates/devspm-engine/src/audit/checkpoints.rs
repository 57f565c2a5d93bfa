//! Ed25519 keys in signed-note form, C2SP checkpoints of the ledger's Merkle tree and RFC 6962
//! proofs: creating a key, signing and recording the current tree head (never for a ledger
//! that does not verify), checking a checkpoint kept elsewhere against the ledger, and the
//! inclusion and consistency proofs.

use std::io::Write;
use std::path::{Path, PathBuf};

use devspm_ledger::checkpoint::{Checkpoint, NoteSigner, NoteVerifier};
use devspm_ledger::merkle;
use devspm_ledger::{AuditStore, ConsistencyProof, EventLog, InclusionProof, Integrity};
use devspm_report::number::count;
use serde::Serialize;

use crate::EngineError;

/// `devspm/<hostname>`, made a valid key name: the default name of a new key.
pub fn default_key_name() -> String {
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

/// A key written by [`keygen`].
#[derive(Clone, Debug, Serialize)]
pub struct NewKey {
    pub name: String,
    /// The key id (hex).
    pub key_id: String,
    pub private_key_file: PathBuf,
    pub public_key_file: PathBuf,
    /// `<name>+<key id>+<key>`, what a verifier is given.
    pub verifier_key: String,
}

/// PATH.pub beside PATH.
fn pub_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

fn create_new(path: &Path, mode: u32, text: &str) -> Result<(), EngineError> {
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
        .map_err(|e| EngineError::io(format!("cannot create {}", path.display()), e))?;
    file.write_all(text.as_bytes())
        .map_err(|e| EngineError::io(format!("cannot write {}", path.display()), e))
}

fn note_error(error: devspm_ledger::checkpoint::NoteError) -> EngineError {
    EngineError::Invalid(error.to_string())
}

/// Creates an Ed25519 signing key named `name`: the private key at `output` (mode 0600, in a
/// folder created readable by its owner only if missing) and the verifier key at
/// `output.pub`. Refuses to overwrite either file.
pub fn keygen(output: &Path, name: &str) -> Result<NewKey, EngineError> {
    let public = pub_path(output);
    for path in [output, public.as_path()] {
        if path.exists() || path.is_symlink() {
            return Err(EngineError::Conflict(format!(
                "{} already exists; refusing to overwrite a key (choose another path or remove it first)",
                path.display()
            )));
        }
    }
    if let Some(parent) = output.parent()
        && !parent.as_os_str().is_empty()
        && !parent.exists()
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(parent).map_err(|e| {
            EngineError::io(format!("cannot create the folder {}", parent.display()), e)
        })?;
    }
    let signer = NoteSigner::generate(name).map_err(note_error)?;
    let verifier = signer.verifier().to_key_string();
    create_new(output, 0o600, &format!("{}\n", signer.to_private_string()))?;
    create_new(&public, 0o644, &format!("{verifier}\n"))?;
    Ok(NewKey {
        name: name.to_owned(),
        key_id: devspm_core::hex::encode(&signer.id),
        private_key_file: output.to_owned(),
        public_key_file: public,
        verifier_key: verifier,
    })
}

/// A verifier key from a .pub file or the key string itself.
fn read_verifier(key: &str) -> Result<NoteVerifier, EngineError> {
    let path = Path::new(key);
    let (text, source) = if path.is_file() {
        (
            std::fs::read_to_string(path).map_err(|e| {
                EngineError::io(format!("cannot read the public key {}", path.display()), e)
            })?,
            path.display().to_string(),
        )
    } else {
        (key.to_owned(), "--public-key".to_owned())
    };
    NoteVerifier::parse(&text)
        .map_err(|e| EngineError::Invalid(format!("{source} is not a usable verifier key: {e}")))
}

/// Reads a checkpoint file and checks its signature with `key` (a .pub file or the key
/// string). Unreadable inputs are errors; a checkpoint that does not verify is
/// `Ok(Err(problem))`. Needs no database.
pub fn read_signed(file: &Path, key: &str) -> Result<Result<Checkpoint, String>, EngineError> {
    let verifier = read_verifier(key)?;
    let note = std::fs::read_to_string(file).map_err(|e| {
        EngineError::io(format!("cannot read the checkpoint {}", file.display()), e)
    })?;
    Ok(verifier
        .verify_checkpoint(&note)
        .map_err(|e| format!("{}: {e}", file.display())))
}

/// Checks a signed checkpoint against the (verified) ledger: the tree at its size has its
/// root, and the current tree extends it. `Ok(what was verified)` or `Err(the problem)`.
pub fn against_ledger<S: AuditStore>(
    store: &S,
    file: &Path,
    cp: &Checkpoint,
) -> Result<Result<String, String>, EngineError> {
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
    /// Its id among the recorded checkpoints.
    pub id: u64,
    pub origin: String,
    pub size: u64,
    pub root: merkle::Hash,
    /// The signed note.
    pub note: String,
    pub verifier: NoteVerifier,
}

impl SignedHead {
    /// `audit checkpoint --format json`, with the `file` it was written to, if any.
    pub fn json(&self, file: Option<&Path>) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "origin": self.origin,
            "tree_size": self.size,
            "root_hash": merkle::to_hex(&self.root),
            "key": self.verifier.label(),
            "note": self.note,
            "file": file,
        })
    }
}

/// Verifies the ledger, signs its current tree head with the private key at `key` and records
/// the checkpoint (`origin` defaults to the key's name). A ledger that does not verify is
/// [`EngineError::Tampered`]: a signature must never vouch for tampering.
pub fn sign_current<S: EventLog + Integrity + AuditStore>(
    store: &mut S,
    key: &Path,
    origin: Option<String>,
) -> Result<SignedHead, EngineError> {
    let text = std::fs::read_to_string(key).map_err(|e| {
        EngineError::io(format!("cannot read the private key {}", key.display()), e)
    })?;
    let signer = NoteSigner::parse(&text).map_err(|e| {
        EngineError::Invalid(format!(
            "{} is not a usable private key: {e}",
            key.display()
        ))
    })?;
    super::verified(store, "sign a checkpoint")?;
    let size = store.tree_size()?;
    let root = store.tree_root(size)?;
    let origin = origin.unwrap_or_else(|| signer.name.clone());
    let note = signer
        .sign_checkpoint(&origin, size, &root)
        .map_err(note_error)?;
    let verifier = signer.verifier();
    let parsed = verifier.verify_checkpoint(&note).map_err(note_error)?;
    let id = store.record_checkpoint(&parsed, &note, &signer.name, &verifier.to_key_string())?;
    Ok(SignedHead {
        id,
        origin,
        size,
        root,
        note,
        verifier,
    })
}

/// The inclusion proof of an event, and the checkpoint whose tree it is proved against.
#[derive(Clone, Debug, Serialize)]
pub struct Inclusion {
    pub proof: InclusionProof,
    /// The recorded checkpoint of the same tree size, if any.
    pub checkpoint_id: Option<u64>,
}

impl Inclusion {
    /// `audit prove --format json`: the proof, with `checkpoint_id` beside its fields.
    pub fn json(&self) -> Result<serde_json::Value, EngineError> {
        let mut value = serde_json::to_value(&self.proof)
            .map_err(|e| EngineError::Invalid(format!("cannot write the proof as JSON: {e}")))?;
        value["checkpoint_id"] = serde_json::json!(self.checkpoint_id);
        Ok(value)
    }

    /// As `devspm_report::audit::inclusion` words it.
    pub fn shown(&self) -> devspm_report::audit::Inclusion<'_> {
        let p = &self.proof;
        devspm_report::audit::Inclusion {
            seq: p.seq,
            leaf_index: p.leaf_index,
            tree_size: p.tree_size,
            checkpoint: self.checkpoint_id,
            event_hash: &p.event_hash,
            leaf_hash: &p.leaf_hash,
            root_hash: &p.root_hash,
            audit_path: &p.audit_path,
        }
    }
}

/// The inclusion proof of event `seq` in the tree of `size` events; by default the latest
/// checkpoint's tree when it contains the event, else the current tree.
pub fn prove<S: AuditStore>(
    store: &S,
    seq: u64,
    size: Option<u64>,
) -> Result<Inclusion, EngineError> {
    let latest = store.checkpoints()?.pop();
    let (size, checkpoint_id) = match size {
        Some(size) => (size, latest.filter(|c| c.tree_size == size).map(|c| c.id)),
        None => match latest {
            Some(c) if c.tree_size >= seq => (c.tree_size, Some(c.id)),
            _ => (store.tree_size()?, None),
        },
    };
    Ok(Inclusion {
        proof: store.inclusion_proof(seq, size)?,
        checkpoint_id,
    })
}

/// The RFC 6962 consistency proof between the trees of `old` and `new` events.
pub fn consistency<S: AuditStore>(
    store: &S,
    old: u64,
    new: u64,
) -> Result<ConsistencyProof, EngineError> {
    Ok(store.consistency_proof(old, new)?)
}
