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
use crate::output::{count, emit, emit_json, escape};

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
    // A missing folder is created for the key, readable by its owner only.
    if let Some(parent) = output.parent()
        && !parent.as_os_str().is_empty()
        && !parent.exists()
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(parent)
            .map_err(|e| anyhow::anyhow!("cannot create the folder {}: {e}", parent.display()))?;
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
            "private key written to {} (mode 0600; keep it secret)\nverifier key written to {}:\n{}\n",
            escape(&output.display().to_string()),
            escape(&public.display().to_string()),
            verifier
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
            escape(store.location()),
            escape(&problem.problem)
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
                escape(&verifier.label()),
                escape(&path.display().to_string())
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

/// What `audit export` selects. No filter: a full export.
#[derive(Default)]
struct ExportFilter {
    /// UTC days, inclusive, compared with the day of the event's `at`.
    since: Option<String>,
    until: Option<String>,
    /// (as given, repository id).
    repo: Option<(String, String)>,
    /// (identity id, its alias ids).
    identity: Option<(String, Vec<String>)>,
}

impl ExportFilter {
    fn is_partial(&self) -> bool {
        self.since.is_some()
            || self.until.is_some()
            || self.repo.is_some()
            || self.identity.is_some()
    }

    /// Whether the event matches every filter given.
    fn matches(&self, e: &devspm_core::StoredEvent) -> bool {
        if self.since.is_some() || self.until.is_some() {
            let Some(day) = event_day(&e.at) else {
                return false;
            };
            if self.since.as_deref().is_some_and(|s| day.as_str() < s)
                || self.until.as_deref().is_some_and(|u| day.as_str() > u)
            {
                return false;
            }
        }
        if self.repo.is_none() && self.identity.is_none() {
            return true;
        }
        let payload: serde_json::Value =
            serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null);
        if let Some((_, id)) = &self.repo {
            let in_payload = payload.get("repo").and_then(|r| r.as_str()) == Some(id.as_str());
            let in_subject = e.subject == format!("repo:{id}")
                || e.subject.starts_with(&format!("commit:{id}/"))
                || e.subject.starts_with(&format!("ref:{id}/"));
            if !in_payload && !in_subject {
                return false;
            }
        }
        if let Some((identity, aliases)) = &self.identity {
            let is_one = |s: &str| s == identity || aliases.iter().any(|a| a == s);
            if !is_one(&e.actor) && !is_one(&e.subject) && !names_any(&payload, &is_one) {
                return false;
            }
        }
        true
    }

    /// The filters as recorded in `manifest.json`. The identity is recorded by its pseudonymous
    /// id only, never by the e-mail it may have been given as.
    fn manifest(&self) -> serde_json::Value {
        serde_json::json!({
            "since": self.since,
            "until": self.until,
            "repo": self.repo.as_ref().map(|(given, id)| serde_json::json!({"given": given, "id": id})),
            "identity": self.identity.as_ref().map(|(id, aliases)| serde_json::json!({"id": id, "aliases": aliases})),
        })
    }
}

/// Whether any string anywhere in a JSON value (object keys excluded) satisfies `is_one`.
fn names_any(value: &serde_json::Value, is_one: &dyn Fn(&str) -> bool) -> bool {
    match value {
        serde_json::Value::String(s) => is_one(s),
        serde_json::Value::Array(items) => items.iter().any(|v| names_any(v, is_one)),
        serde_json::Value::Object(map) => map.values().any(|v| names_any(v, is_one)),
        _ => false,
    }
}

/// The UTC day (`YYYY-MM-DD`) of an event's `at`.
fn event_day(at: &str) -> Option<String> {
    if at.len() >= 10 && at.ends_with('Z') && at.is_char_boundary(10) {
        return Some(at[..10].to_owned());
    }
    let ts: jiff::Timestamp = at.parse().ok()?;
    Some(jiff::tz::Offset::UTC.to_datetime(ts).date().to_string())
}

/// A `--since`/`--until` day, normalised to `YYYY-MM-DD`.
fn export_day(flag: &str, text: &str) -> anyhow::Result<String> {
    let date: jiff::civil::Date = text.trim().parse().map_err(|_| {
        anyhow::anyhow!("{flag} {text:?} is not a date; expected YYYY-MM-DD (UTC), e.g. 2026-07-01")
    })?;
    Ok(date.to_string())
}

/// The repository id for `--repo`: a path to a repository, or a recorded name, locator or id.
fn export_repo(store: &SqliteStore, value: &str) -> anyhow::Result<String> {
    if let Ok(repo) = devspm_git::open(Path::new(value))
        && store.find_repository(&repo.id)?.is_some()
    {
        return Ok(repo.id);
    }
    store.find_repository(value)?.with_context(|| {
        format!(
            "--repo: no recorded repository matches {value:?} (give its path, its name as `devspm scan` prints it, or its id)"
        )
    })
}

/// The identity id and alias ids for `--identity`.
fn export_identity(store: &SqliteStore, value: &str) -> anyhow::Result<(String, Vec<String>)> {
    let mut found = store.identity_detail(value)?;
    match found.len() {
        0 => anyhow::bail!(
            "--identity: no recorded identity matches {value:?} (give an identity id, an alias id or an e-mail; `devspm identities` lists them)"
        ),
        1 => {
            let detail = found.pop().expect("one");
            let aliases = detail.alias_evidence.into_iter().map(|a| a.alias).collect();
            Ok((detail.row.identity, aliases))
        }
        n => anyhow::bail!(
            "--identity: {value:?} matches {n} identities ({}); give one identity id",
            found
                .iter()
                .map(|d| d.row.identity.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

const CSV_HEADER: &str =
    "seq,leaf_index,leaf_hash,key,kind,at,actor,subject,payload,prev_hash,hash\n";

/// A buffered output file in the export folder.
fn create_in(dir: &Path, name: &str) -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
    let path = dir.join(name);
    let file = std::fs::File::create(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    Ok(std::io::BufWriter::new(file))
}

fn finish(out: std::io::BufWriter<std::fs::File>, dir: &Path, name: &str) -> anyhow::Result<()> {
    out.into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot write {}", dir.join(name).display()))
}

pub fn export(
    store: &SqliteStore,
    global: &GlobalArgs,
    args: &crate::cli::AuditExportArgs,
) -> anyhow::Result<i32> {
    let dir = args.output.as_path();
    // Resolve every filter before touching the folder: a bad filter writes nothing.
    let mut filter = ExportFilter {
        since: args
            .since
            .as_deref()
            .map(|d| export_day("--since", d))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|d| export_day("--until", d))
            .transpose()?,
        ..ExportFilter::default()
    };
    if let (Some(s), Some(u)) = (&filter.since, &filter.until)
        && s > u
    {
        anyhow::bail!("--since {s} is after --until {u}; the export would be empty");
    }
    if let Some(repo) = &args.repo {
        filter.repo = Some((repo.clone(), export_repo(store, repo)?));
    }
    if let Some(identity) = &args.identity {
        filter.identity = Some(export_identity(store, identity)?);
    }
    let partial = filter.is_partial();
    let latest = store.checkpoints()?.pop();
    if partial && latest.is_none() {
        anyhow::bail!(
            "a filtered (partial) export proves each event against a signed checkpoint, and there is none yet: run `devspm audit checkpoint --key KEY` first"
        );
    }
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
    let csv = global.format == Format::Csv;
    let mut out = create_in(dir, "events.jsonl")?;
    let mut csv_out = csv.then(|| create_in(dir, "events.csv")).transpose()?;
    if let Some(c) = &mut csv_out {
        c.write_all(CSV_HEADER.as_bytes())?;
    }
    let mut proofs_out = partial
        .then(|| create_in(dir, "proofs.jsonl"))
        .transpose()?;
    // A partial export holds only events the checkpoint covers (each needs a proof).
    let proof_size = latest.as_ref().filter(|_| partial).map(|c| c.tree_size);
    let ledger_size = store.tree_size()?;
    let mut after = 0u64;
    let mut written = 0u64;
    let mut newer = 0u64;
    let (mut first, mut last) = (None, None);
    loop {
        let page = store.events(None, after, 10_000)?;
        if page.is_empty() {
            break;
        }
        for e in page {
            after = e.seq;
            if !filter.matches(&e) {
                continue;
            }
            if proof_size.is_some_and(|size| e.seq > size) {
                newer += 1;
                continue;
            }
            let leaf_hash = merkle::to_hex(&devspm_ledger::audit::event_leaf(&e.hash));
            let line = serde_json::json!({
                "seq": e.seq,
                "leaf_index": e.seq - 1,
                "leaf_hash": leaf_hash,
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
            if let Some(c) = &mut csv_out {
                let cells = [
                    e.seq.to_string(),
                    (e.seq - 1).to_string(),
                    leaf_hash,
                    e.key.clone(),
                    e.kind.clone(),
                    e.at.clone(),
                    e.actor.clone(),
                    e.subject.clone(),
                    e.payload.clone(),
                    e.prev_hash.clone(),
                    e.hash.clone(),
                ];
                // RFC 4180 quoting only: the cells are the exact hashed text a verifier
                // re-hashes, so nothing is escaped. They are devspm's own keys, ids and JSON,
                // which never start with a formula character.
                let row: Vec<_> = cells.iter().map(|s| devspm_report::csv::quote(s)).collect();
                c.write_all(row.join(",").as_bytes())?;
                c.write_all(b"\n")?;
            }
            if let (Some(p), Some(size), Some(cp)) = (&mut proofs_out, proof_size, &latest) {
                let proof = store.inclusion_proof(e.seq, size)?;
                if proof.root_hash != cp.root_hash {
                    anyhow::bail!(
                        "the ledger's tree of {} events has root {} but checkpoint #{} signed {}: the ledger no longer matches its checkpoint (run `devspm audit verify`)",
                        count(size),
                        &proof.root_hash[..16.min(proof.root_hash.len())],
                        cp.id,
                        &cp.root_hash[..16.min(cp.root_hash.len())]
                    );
                }
                serde_json::to_writer(&mut *p, &proof)?;
                p.write_all(b"\n")?;
            }
            first.get_or_insert(e.seq);
            last = Some(e.seq);
            written += 1;
        }
    }
    finish(out, dir, "events.jsonl")?;
    if let Some(c) = csv_out {
        finish(c, dir, "events.csv")?;
    }
    if let Some(p) = proofs_out {
        finish(p, dir, "proofs.jsonl")?;
    }
    if let Some(cp) = &latest {
        std::fs::write(dir.join("checkpoint.txt"), &cp.note)?;
        std::fs::write(dir.join("verifier.pub"), format!("{}\n", cp.verifier))?;
    }
    let mut files = vec!["events.jsonl"];
    if csv {
        files.push("events.csv");
    }
    if partial {
        files.push("proofs.jsonl");
    }
    if latest.is_some() {
        files.extend(["checkpoint.txt", "verifier.pub"]);
    }
    files.push("manifest.json");
    let checkpoint_json = latest.as_ref().map(|c| {
        serde_json::json!({
            "id": c.id, "origin": c.origin, "tree_size": c.tree_size, "root_hash": c.root_hash,
            "key": c.key_name, "signed_at": c.created_at,
        })
    });
    let manifest = serde_json::json!({
        "format": "devspm-audit-export/1",
        "export": if partial { "partial" } else { "full" },
        "filters": filter.manifest(),
        "events": written,
        "first_seq": first,
        "last_seq": last,
        "proofs": if partial { written } else { 0 },
        "matching_events_newer_than_checkpoint": newer,
        "ledger_size": ledger_size,
        "checkpoint_size": latest.as_ref().map(|c| c.tree_size),
        "checkpoint": checkpoint_json,
        "exported_at": jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "files": files,
    });
    std::fs::write(
        dir.join("manifest.json"),
        format!("{}\n", serde_json::to_string_pretty(&manifest)?),
    )
    .with_context(|| format!("cannot write {}", dir.join("manifest.json").display()))?;
    if global.format == Format::Json {
        emit_json(&serde_json::json!({
            "folder": dir,
            "export": if partial { "partial" } else { "full" },
            "events": written,
            "proofs": if partial { written } else { 0 },
            "matching_events_newer_than_checkpoint": newer,
            "filters": filter.manifest(),
            "files": files,
            "checkpoint": latest.as_ref().map(|c| serde_json::json!({
                "id": c.id, "tree_size": c.tree_size, "root_hash": c.root_hash, "key": c.key_name,
            })),
        }))?;
    } else if !global.quiet {
        let mut text = if partial {
            format!(
                "exported {} matching events to {}/events.jsonl{}, each with its inclusion proof in proofs.jsonl",
                count(written),
                escape(&dir.display().to_string()),
                if csv { " and events.csv" } else { "" },
            )
        } else {
            format!(
                "exported {} events to {}/events.jsonl{}",
                count(written),
                escape(&dir.display().to_string()),
                if csv { " and events.csv" } else { "" },
            )
        };
        text.push_str(&match &latest {
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
