//! `devspm import --list` and `devspm import --undo IMPORT_ID`: the imports on record, and the
//! withdrawal of one recorded by mistake (a report of another repository, the wrong revision).
//!
//! A withdrawal is an `import_withdrawn` event, never a deletion: the mistaken import stays in
//! the ledger and in every proof, and the event says what it set back. What is set back is
//! decided by `devspm_findings::lifecycle::withdraw` from the producer's earlier imports.

use anyhow::Context;
use devspm_core::NewEvent;
use devspm_ledger::{FindingStore, ImportRecord, Store};
use serde::Serialize;

use crate::cli::{Format, GlobalArgs, ImportArgs};
use crate::output::{Table, count, emit, emit_json, escape};
use crate::settings::Settings;

/// What `--undo` did.
#[derive(Serialize)]
struct UndoOutput {
    import: ImportRecord,
    /// The `import_withdrawn` event.
    seq: u64,
    withdrawn: usize,
    /// Findings the import had fixed, now open again.
    open_again: usize,
    /// Findings the import had reopened, now fixed again.
    fixed_again: usize,
    /// Findings it had seen again, now last seen where an earlier import saw them.
    set_back: usize,
}

/// `devspm import --undo IMPORT_ID`.
pub fn undo(settings: &Settings, global: &GlobalArgs, id: &str) -> anyhow::Result<i32> {
    let mut store = settings.open_store()?;
    let id = id.trim();
    let imports = store.imports(None)?;
    let Some(record) = imports.iter().find(|r| r.import == id).cloned() else {
        let near: Vec<&str> = imports
            .iter()
            .filter(|r| r.format != "devspm" && r.import.starts_with(id) && id.len() >= 4)
            .map(|r| r.import.as_str())
            .collect();
        anyhow::bail!(
            "no import with id `{}` is recorded in {}{}; `devspm import --list` shows the imports and their ids",
            escape(id),
            store.location(),
            match near.as_slice() {
                [] => String::new(),
                [one] => format!(" (did you mean {one}?)"),
                _ => format!(" ({} ids start with it; give the whole id)", near.len()),
            }
        );
    };
    if record.format == "devspm" {
        anyhow::bail!(
            "{} is a run of devspm's own analyzer `{}`, not an import: its findings follow the repository and are updated by the next `devspm scan`",
            record.import,
            escape(&record.tool)
        );
    }
    if let Some(seq) = record.withdrawn_seq {
        anyhow::bail!(
            "import {} was already withdrawn (event {seq}); nothing to do",
            record.import
        );
    }
    let history = store.import_history(&record.repo, &record.tool)?;
    let later: Vec<&str> = history
        .iter()
        .filter(|(r, _)| r.seq > record.seq && r.withdrawn_seq.is_none())
        .map(|(r, _)| r.import.as_str())
        .collect();
    if !later.is_empty() {
        anyhow::bail!(
            "import {} of {} is not the latest of its producer in this repository: {} later import(s) ({}) were decided on what it recorded; withdraw them first (newest first), then this one",
            record.import,
            escape(&record.tool),
            later.len(),
            later.join(", ")
        );
    }
    let target = history
        .iter()
        .find(|(r, _)| r.import == record.import)
        .map(|(_, p)| p.clone())
        .with_context(|| format!("the event of import {} is missing", record.import))?;
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
    let output = UndoOutput {
        withdrawn: payload.withdrawn.len(),
        open_again,
        fixed_again,
        set_back: payload.restored.len() - open_again - fixed_again,
        seq: 0,
        import: record.clone(),
    };
    let actor = format!("tool:{}", record.tool);
    let subject = format!("repo:{}", record.repo);
    store.append(vec![NewEvent::new(
        format!("import-withdrawn/{}", record.import),
        actor,
        subject,
        payload,
    )])?;
    let output = UndoOutput {
        seq: store.head()?.map_or(0, |h| h.seq),
        ..output
    };
    match global.format {
        Format::Json => emit_json(&output)?,
        _ => emit(&format!(
            "Withdrew import {} ({} results of {} from {}, recorded {}): {} finding(s) withdrawn, {} open again, {} fixed again, {} set back to where an earlier import saw them. Recorded as event {}; the import itself stays on the ledger.\n",
            record.import,
            count(record.results),
            escape(&record.tool),
            escape(&record.source),
            &record.at[..record.at.len().min(10)],
            output.withdrawn,
            output.open_again,
            output.fixed_again,
            output.set_back,
            output.seq
        ))?,
    }
    Ok(0)
}

/// `devspm import --list`.
pub fn list(settings: &Settings, global: &GlobalArgs, args: &ImportArgs) -> anyhow::Result<i32> {
    let store = settings.open_store_read_only()?;
    let repo = if args.all_repos {
        None
    } else {
        match devspm_git::open(&args.repo) {
            Ok(repo) => Some(repo),
            Err(_) if args.repo.as_os_str() == "." => None,
            Err(e) => return Err(e).with_context(|| format!("--repo {}", args.repo.display())),
        }
    };
    let imports: Vec<ImportRecord> = store
        .imports(repo.as_ref().map(|r| r.id.as_str()))?
        .into_iter()
        .filter(|r| r.format != "devspm")
        .collect();
    match global.format {
        Format::Json => emit_json(&imports)?,
        _ => {
            if imports.is_empty() {
                emit(&format!(
                    "No imports recorded{}.\n",
                    repo.as_ref()
                        .map(|r| format!(" for {}", escape(&r.name)))
                        .unwrap_or_default()
                ))?;
                return Ok(0);
            }
            let mut t = Table::new(&[
                ("import", false),
                ("recorded", false),
                ("tool", false),
                ("file", false),
                ("revision", false),
                ("results", true),
                ("new", true),
                ("fixed", true),
                ("status", false),
            ]);
            for r in &imports {
                t.row(vec![
                    r.import.clone(),
                    r.at[..r.at.len().min(10)].to_owned(),
                    r.tool.clone(),
                    r.source.clone(),
                    r.revision
                        .as_deref()
                        .map_or("-".to_owned(), |v| v[..v.len().min(10)].to_owned()),
                    count(r.results),
                    count(r.new),
                    count(r.fixed),
                    match r.withdrawn_seq {
                        Some(seq) => format!("withdrawn (event {seq})"),
                        None => "recorded".to_owned(),
                    },
                ]);
            }
            emit(&format!(
                "{}\nWithdraw one recorded by mistake with `devspm import --undo IMPORT_ID`.\n",
                t.render("")
            ))?;
        }
    }
    Ok(0)
}
