//! SQLite errors as ledger errors: the one place that knows which SQLite failures mean a busy
//! database, a foreign or corrupt file, a full disk, a constraint conflict or a file that cannot
//! be opened, and says so in words a person can act on. Every SQLite-side module maps its errors through it.

use rusqlite::ErrorCode;

use devspm_ledger::LedgerError;

/// Maps an SQLite error to a ledger error a person can act on.
pub(crate) fn map_sql_error(path: &str, e: rusqlite::Error) -> LedgerError {
    if let rusqlite::Error::SqliteFailure(failure, _) = &e {
        match failure.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => {
                return LedgerError::Locked { path: path.into() };
            }
            ErrorCode::NotADatabase => {
                return LedgerError::NotADatabase {
                    path: path.into(),
                    reason: "the file is not an SQLite database, or it is encrypted or corrupt"
                        .into(),
                };
            }
            ErrorCode::DatabaseCorrupt => {
                return LedgerError::NotADatabase {
                    path: path.into(),
                    reason: "the SQLite file is corrupt".into(),
                };
            }
            ErrorCode::DiskFull | ErrorCode::SystemIoFailure => {
                return LedgerError::Refused {
                    path: path.into(),
                    reason: format!(
                        "the file could not be written ({}: the disk is full, the file-size limit of `ulimit -f` was reached, or the disk failed); the transaction in progress was rolled back and everything recorded before it is intact: free space or raise the limit, then run the command again",
                        failure
                            .to_string()
                            .split_once(": ")
                            .map_or_else(|| failure.to_string(), |(_, what)| what.to_owned())
                    ),
                };
            }
            ErrorCode::ConstraintViolation => {
                return LedgerError::Conflict {
                    location: path.into(),
                    source: Box::new(e),
                };
            }
            ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly => {
                return LedgerError::Open {
                    path: path.into(),
                    reason: e.to_string(),
                };
            }
            _ => {}
        }
    }
    // An error in a statement reads "… in <the whole SQL text> at offset N": the statement is
    // ours, not the user's, and a migration's is pages long. The message alone says it.
    if let rusqlite::Error::SqlInputError { msg, .. } = &e {
        return LedgerError::Refused {
            path: path.into(),
            reason: msg.clone(),
        };
    }
    LedgerError::Backend {
        location: path.into(),
        source: Box::new(e),
    }
}
