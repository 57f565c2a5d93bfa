//! `audit export`: the folder an auditor verifies without devspm — `events.jsonl` (each event
//! with its leaf index and leaf hash), `events.csv` if asked, `checkpoint.txt` and
//! `verifier.pub` (the latest checkpoint and its signer's key), `proofs.jsonl` for a filtered
//! (partial) export, and `manifest.json` saying what was exported.
//!
//! The engine writes the folder itself, into the directory the front end chose: the events
//! are streamed from the ledger page by page (a whole ledger does not fit a value), and the
//! layout is a format `scripts/verify_checkpoint.py` reads, the same from every front end.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use devspm_core::StoredEvent;
use devspm_ledger::{AuditStore, Identities, Store, StoredCheckpoint};
use devspm_report::number::count;
use serde::Serialize;

use super::{event_line, leaf_hash, parse_date, recorded_repository};
use crate::EngineError;

/// What to export. No filter: a full export.
#[derive(Clone, Debug, Default)]
pub struct ExportRequest {
    /// Only events appended on or after this day (`YYYY-MM-DD`, UTC, by the event's `at`).
    pub since: Option<String>,
    /// Only events appended on or before this day.
    pub until: Option<String>,
    /// Only events of this recorded repository (a path to it, its name or id).
    pub repo: Option<String>,
    /// Only events of this identity (an identity id, an alias id or an e-mail).
    pub identity: Option<String>,
    /// Also write `events.csv`.
    pub csv: bool,
}

/// What [`export`] wrote.
#[derive(Clone, Debug, Serialize)]
pub struct Export {
    pub folder: PathBuf,
    /// Filtered: only matching events, each with its inclusion proof.
    pub partial: bool,
    /// Events written.
    pub events: u64,
    /// Inclusion proofs written (one per event of a partial export).
    pub proofs: u64,
    /// Matching events newer than the checkpoint, left out of a partial export.
    pub newer_than_checkpoint: u64,
    /// The filters, as recorded in `manifest.json`.
    pub filters: serde_json::Value,
    /// The files of the folder.
    pub files: Vec<&'static str>,
    /// The checkpoint written to `checkpoint.txt` (the latest recorded), if any.
    pub checkpoint: Option<StoredCheckpoint>,
}

impl Export {
    /// `audit export --format json`.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "folder": self.folder,
            "export": if self.partial { "partial" } else { "full" },
            "events": self.events,
            "proofs": self.proofs,
            "matching_events_newer_than_checkpoint": self.newer_than_checkpoint,
            "filters": self.filters,
            "files": self.files,
            "checkpoint": self.checkpoint.as_ref().map(|c| serde_json::json!({
                "id": c.id, "tree_size": c.tree_size, "root_hash": c.root_hash, "key": c.key_name,
            })),
        })
    }
}

/// The resolved filters. No filter: a full export.
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
    fn matches(&self, e: &StoredEvent) -> bool {
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

/// The identity id and alias ids for `--identity`.
fn export_identity<S: Identities>(
    store: &S,
    value: &str,
) -> Result<(String, Vec<String>), EngineError> {
    let mut found = store.identity_detail(value)?;
    match found.len() {
        0 => Err(EngineError::NotFound(format!(
            "--identity: no recorded identity matches {value:?} (give an identity id, an alias id or an e-mail; `devspm identities` lists them)"
        ))),
        1 => {
            let detail = found.pop().expect("one");
            let aliases = detail.alias_evidence.into_iter().map(|a| a.alias).collect();
            Ok((detail.row.identity, aliases))
        }
        n => Err(EngineError::Invalid(format!(
            "--identity: {value:?} matches {n} identities ({}); give one identity id",
            found
                .iter()
                .map(|d| d.row.identity.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

const CSV_HEADER: &str =
    "seq,leaf_index,leaf_hash,key,kind,at,actor,subject,payload,prev_hash,hash\n";

/// A buffered output file of a folder being written; errors name the file.
pub(crate) struct OutFile {
    path: PathBuf,
    out: BufWriter<File>,
}

/// Plain bytes, for writers that take an `io::Write` (the CSV writer).
impl Write for OutFile {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.out.write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

impl OutFile {
    pub(crate) fn create(dir: &Path, name: &str) -> Result<OutFile, EngineError> {
        let path = dir.join(name);
        let file = File::create(&path)
            .map_err(|e| EngineError::io(format!("cannot create {}", path.display()), e))?;
        Ok(OutFile {
            path,
            out: BufWriter::new(file),
        })
    }

    fn failed(&self, e: std::io::Error) -> EngineError {
        EngineError::io(format!("cannot write {}", self.path.display()), e)
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) -> Result<(), EngineError> {
        self.out.write_all(bytes).map_err(|e| self.failed(e))
    }

    /// One JSON value and a line feed.
    pub(crate) fn json_line(&mut self, value: &impl Serialize) -> Result<(), EngineError> {
        serde_json::to_writer(&mut self.out, value)
            .map_err(std::io::Error::from)
            .and_then(|()| self.out.write_all(b"\n"))
            .map_err(|e| self.failed(e))
    }

    /// Flushes and syncs the file.
    pub(crate) fn finish(self) -> Result<(), EngineError> {
        let OutFile { path, out } = self;
        out.into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .map_err(|e| EngineError::io(format!("cannot write {}", path.display()), e))
    }
}

/// Writes a small file of the folder whole.
pub(crate) fn write_file(dir: &Path, name: &str, text: &str) -> Result<(), EngineError> {
    let path = dir.join(name);
    std::fs::write(&path, text)
        .map_err(|e| EngineError::io(format!("cannot write {}", path.display()), e))
}

/// Exports the ledger into `dir` (created; refused when it exists and is not empty). Every
/// filter is resolved before the folder is touched: a bad filter writes nothing.
pub fn export<S: Store + AuditStore>(
    store: &S,
    request: &ExportRequest,
    dir: &Path,
) -> Result<Export, EngineError> {
    let day = |what: &str, text: &Option<String>| {
        text.as_deref()
            .map(|d| parse_date(what, d).map(|d| d.to_string()))
            .transpose()
    };
    let mut filter = ExportFilter {
        since: day("--since", &request.since)?,
        until: day("--until", &request.until)?,
        ..ExportFilter::default()
    };
    if let (Some(s), Some(u)) = (&filter.since, &filter.until)
        && s > u
    {
        return Err(EngineError::Invalid(format!(
            "--since {s} is after --until {u}; the export would be empty"
        )));
    }
    if let Some(repo) = &request.repo {
        let id = recorded_repository(store, repo)?.ok_or_else(|| {
            EngineError::NotFound(format!(
                "--repo: no recorded repository matches {repo:?} (give its path, its name as `devspm scan` prints it, or its id)"
            ))
        })?;
        filter.repo = Some((repo.clone(), id));
    }
    if let Some(identity) = &request.identity {
        filter.identity = Some(export_identity(store, identity)?);
    }
    let partial = filter.is_partial();
    let latest = store.checkpoints()?.pop();
    if partial && latest.is_none() {
        return Err(EngineError::Invalid(
            "a filtered (partial) export proves each event against a signed checkpoint, and there is none yet: run `devspm audit checkpoint --key KEY` first".to_owned(),
        ));
    }
    if dir.exists()
        && std::fs::read_dir(dir)
            .map_err(|e| EngineError::io(format!("cannot read {}", dir.display()), e))?
            .next()
            .is_some()
    {
        return Err(EngineError::Invalid(format!(
            "{} exists and is not empty; choose a new folder for the export",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| EngineError::io(format!("cannot create {}", dir.display()), e))?;
    let mut out = OutFile::create(dir, "events.jsonl")?;
    // RFC 4180 quoting only: the cells are the exact hashed text a verifier re-hashes, so
    // nothing is escaped. They are devspm's own keys, ids and JSON, which never start with a
    // formula character.
    let csv_path = dir.join("events.csv");
    let csv_failed =
        |e: std::io::Error| EngineError::io(format!("cannot write {}", csv_path.display()), e);
    let mut csv_out = if request.csv {
        let mut file = OutFile::create(dir, "events.csv")?;
        file.write(CSV_HEADER.as_bytes())?;
        Some(devspm_report::csv::Writer::exact(file))
    } else {
        None
    };
    let mut proofs_out = partial
        .then(|| OutFile::create(dir, "proofs.jsonl"))
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
            out.json_line(&event_line(&e))?;
            if let Some(c) = &mut csv_out {
                let cells = [
                    e.seq.to_string(),
                    (e.seq - 1).to_string(),
                    leaf_hash(&e.hash),
                    e.key.clone(),
                    e.kind.clone(),
                    e.at.clone(),
                    e.actor.clone(),
                    e.subject.clone(),
                    e.payload.clone(),
                    e.prev_hash.clone(),
                    e.hash.clone(),
                ];
                c.record(&cells).map_err(csv_failed)?;
            }
            if let (Some(p), Some(size), Some(cp)) = (&mut proofs_out, proof_size, &latest) {
                let proof = store.inclusion_proof(e.seq, size)?;
                if proof.root_hash != cp.root_hash {
                    return Err(EngineError::Conflict(format!(
                        "the ledger's tree of {} events has root {} but checkpoint #{} signed {}: the ledger no longer matches its checkpoint (run `devspm audit verify`)",
                        count(size),
                        &proof.root_hash[..16.min(proof.root_hash.len())],
                        cp.id,
                        &cp.root_hash[..16.min(cp.root_hash.len())]
                    )));
                }
                p.json_line(&proof)?;
            }
            first.get_or_insert(e.seq);
            last = Some(e.seq);
            written += 1;
        }
    }
    out.finish()?;
    if let Some(c) = csv_out {
        c.finish().map_err(csv_failed)?.finish()?;
    }
    if let Some(p) = proofs_out {
        p.finish()?;
    }
    if let Some(cp) = &latest {
        write_file(dir, "checkpoint.txt", &cp.note)?;
        write_file(dir, "verifier.pub", &format!("{}\n", cp.verifier))?;
    }
    let mut files = vec!["events.jsonl"];
    if request.csv {
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
    write_file(
        dir,
        "manifest.json",
        &format!(
            "{}\n",
            serde_json::to_string_pretty(&manifest).expect("a manifest is JSON")
        ),
    )?;
    Ok(Export {
        folder: dir.to_owned(),
        partial,
        events: written,
        proofs: if partial { written } else { 0 },
        newer_than_checkpoint: newer,
        filters: filter.manifest(),
        files,
        checkpoint: latest,
    })
}
