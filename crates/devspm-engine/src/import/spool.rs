//! The spool of an import: the events of new findings wait in a temporary file (JSON lines)
//! until every input has been read, so that memory does not grow with the size of the input,
//! and are read back in order into the one transaction that records the import.

use devspm_core::NewEvent;
use devspm_ledger::LedgerError;

use crate::EngineError;

/// Events written to a temporary file (JSON lines) and read back in order.
pub(super) struct Spool {
    writer: std::io::BufWriter<std::fs::File>,
    file: tempfile::NamedTempFile,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct SpooledEvent {
    key: String,
    kind: String,
    actor: String,
    subject: String,
    payload: String,
}

impl Spool {
    pub(super) fn new() -> Result<Spool, EngineError> {
        let cannot = |e| EngineError::io("cannot create a temporary file for the import", e);
        let file = tempfile::NamedTempFile::new().map_err(cannot)?;
        let writer = std::io::BufWriter::new(file.reopen().map_err(cannot)?);
        Ok(Spool { writer, file })
    }

    pub(super) fn write(&mut self, event: &NewEvent) -> std::io::Result<()> {
        use std::io::Write;
        let line = serde_json::to_string(&SpooledEvent {
            key: event.key.clone(),
            kind: event.kind.as_str().to_owned(),
            actor: event.actor.clone(),
            subject: event.subject.clone(),
            payload: event.payload_json.clone(),
        })?;
        self.writer.write_all(line.as_bytes())?;
        self.writer.write_all(b"\n")
    }

    /// The spooled events, in the order written.
    pub(super) fn read_back(
        self,
    ) -> Result<impl Iterator<Item = Result<NewEvent, LedgerError>>, EngineError> {
        use std::io::{BufRead, Write};
        let cannot = |e| EngineError::io("cannot read back the import's spool file", e);
        let mut writer = self.writer;
        writer.flush().map_err(cannot)?;
        drop(writer);
        let reader = std::io::BufReader::new(self.file.reopen().map_err(cannot)?);
        let path = self.file.path().display().to_string();
        // The temporary file is deleted when the iterator (which owns it) is dropped.
        let keep = self.file;
        Ok(reader.lines().map(move |line| {
            let _owner = &keep;
            let bad = |reason: String| LedgerError::Open {
                path: path.clone(),
                reason: format!("the import's spool file is unreadable: {reason}"),
            };
            let line = line.map_err(|e| bad(e.to_string()))?;
            let e: SpooledEvent = serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
            let kind = devspm_core::EventKind::parse(&e.kind)
                .ok_or_else(|| bad(format!("unknown kind {}", e.kind)))?;
            let payload = devspm_core::Payload::from_json(kind, &e.payload)
                .map_err(|err| bad(err.to_string()))?;
            Ok(NewEvent {
                key: e.key,
                kind,
                actor: e.actor,
                subject: e.subject,
                payload,
                payload_json: e.payload,
                attachments: Vec::new(),
            })
        }))
    }
}
