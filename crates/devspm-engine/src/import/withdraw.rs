//! The imports on record, and the withdrawal of one recorded by mistake (a report of another
//! repository, the wrong revision).
//!
//! A withdrawal is an `import_withdrawn` event, never a deletion: the mistaken import stays in
//! the ledger and in every proof, and the event says what it set back. What is set back is
//! decided by `devspm_findings::lifecycle::withdraw` from the producer's earlier imports.

use devspm_core::NewEvent;
use devspm_ledger::{FindingStore, ImportRecord};
use serde::Serialize;

use crate::EngineError;

/// What a withdrawal did.
#[derive(Debug, Serialize)]
pub struct Withdrawal {
    pub import: ImportRecord,
    /// The `import_withdrawn` event.
    pub seq: u64,
    pub withdrawn: usize,
    /// Findings the import had fixed, now open again.
    pub open_again: usize,
    /// Findings the import had reopened, now fixed again.
    pub fixed_again: usize,
    /// Findings it had seen again, now last seen where an earlier import saw them.
    pub set_back: usize,
}

/// The scanner imports on record (of one repository, or of all), oldest first; devspm's own
/// analyzers' runs are not imports and are left out.
pub fn imports(
    store: &impl FindingStore,
    repo_id: Option<&str>,
) -> Result<Vec<ImportRecord>, EngineError> {
    Ok(store
        .imports(repo_id)?
        .into_iter()
        .filter(|r| r.format != "devspm")
        .collect())
}

/// Withdraws import `id`: the latest import of its producer in its repository, not withdrawn
/// yet. Its findings are set back to where the producer's earlier imports left them.
pub fn withdraw(
    store: &mut (impl devspm_ledger::EventLog + FindingStore),
    id: &str,
) -> Result<Withdrawal, EngineError> {
    let id = id.trim();
    let imports = store.imports(None)?;
    let Some(record) = imports.iter().find(|r| r.import == id).cloned() else {
        let near: Vec<&str> = imports
            .iter()
            .filter(|r| r.format != "devspm" && r.import.starts_with(id) && id.len() >= 4)
            .map(|r| r.import.as_str())
            .collect();
        return Err(EngineError::NotFound(format!(
            "no import with id `{id}` is recorded in {}{}; `devspm import --list` shows the imports and their ids",
            store.location(),
            match near.as_slice() {
                [] => String::new(),
                [one] => format!(" (did you mean {one}?)"),
                _ => format!(" ({} ids start with it; give the whole id)", near.len()),
            }
        )));
    };
    if record.format == "devspm" {
        return Err(EngineError::Invalid(format!(
            "{} is a run of devspm's own analyzer `{}`, not an import: its findings follow the repository and are updated by the next `devspm scan`",
            record.import, record.tool
        )));
    }
    if let Some(seq) = record.withdrawn_seq {
        return Err(EngineError::Conflict(format!(
            "import {} was already withdrawn (event {seq}); nothing to do",
            record.import
        )));
    }
    let history = store.import_history(&record.repo, &record.tool)?;
    let later: Vec<&str> = history
        .iter()
        .filter(|(r, _)| r.seq > record.seq && r.withdrawn_seq.is_none())
        .map(|(r, _)| r.import.as_str())
        .collect();
    if !later.is_empty() {
        return Err(EngineError::Conflict(format!(
            "import {} of {} is not the latest of its producer in this repository: {} later import(s) ({}) were decided on what it recorded; withdraw them first (newest first), then this one",
            record.import,
            record.tool,
            later.len(),
            later.join(", ")
        )));
    }
    let target = history
        .iter()
        .find(|(r, _)| r.import == record.import)
        .map(|(_, p)| p.clone())
        .ok_or_else(|| {
            EngineError::NotFound(format!("the event of import {} is missing", record.import))
        })?;
    let earlier: Vec<(u64, &devspm_core::finding::FindingsImported)> = history
        .iter()
        .filter(|(r, _)| r.seq < record.seq && r.withdrawn_seq.is_none())
        .map(|(r, p)| (r.seq, p))
        .collect();
    let touched: Vec<&str> = target
        .seen
        .iter()
        .chain(&target.fixed)
        .chain(&target.reopened)
        .map(String::as_str)
        .collect();
    let snapshots = store.finding_snapshots(&touched)?;
    let payload = devspm_findings::lifecycle::withdraw(&target, &earlier, &snapshots);
    let open_again = payload
        .restored
        .iter()
        .filter(|r| target.fixed.contains(&r.finding))
        .count();
    let fixed_again = payload
        .restored
        .iter()
        .filter(|r| target.reopened.contains(&r.finding))
        .count();
    let withdrawn = payload.withdrawn.len();
    let set_back = payload.restored.len() - open_again - fixed_again;
    store.append(vec![NewEvent::new(
        format!("import-withdrawn/{}", record.import),
        format!("tool:{}", record.tool),
        format!("repo:{}", record.repo),
        payload,
    )])?;
    Ok(Withdrawal {
        seq: store.head()?.map_or(0, |h| h.seq),
        import: record,
        withdrawn,
        open_again,
        fixed_again,
        set_back,
    })
}
