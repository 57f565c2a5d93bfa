//! What `devspm secret-key` says after writing a key file: how to use the key from now on,
//! and to keep a copy where the database is not.

use crate::terminal::escape;

/// After `secret-key new PATH`.
pub fn created(path: &str) -> String {
    format!(
        "wrote a new secret-hashing key to {0}\n\
         Use it from a new database's first run on: --secret-key-file {0} (or \
         DEVSPM_SECRET_KEY_FILE={0}). Keep a copy where the database is not: without \
         the key, its secret hashes can never be matched again.\n",
        escape(path)
    )
}

/// After `secret-key move-out PATH`; `truncated` says whether the key's bytes are gone from
/// the database's write-ahead log too.
pub fn moved_out(db: &str, path: &str, truncated: bool) -> String {
    let mut text = format!(
        "moved the secret-hashing key of {db} to {key}\n\
         The database keeps only a check value. From now on give the key to every \
         command that hashes secrets (scan, ingest, import, hook): --secret-key-file \
         {key} or DEVSPM_SECRET_KEY_FILE={key}. Keep a copy where the database is not.\n",
        db = escape(db),
        key = escape(path)
    );
    if !truncated {
        text.push_str(
            "note: another process holds the database open; the key's bytes leave its \
             write-ahead log when the last process closes it\n",
        );
    }
    text
}

#[cfg(test)]
mod tests {
    #[test]
    fn paths_are_escaped_and_the_wal_note_is_said_when_needed() {
        let text = super::created("k\x1b[2J");
        assert!(!text.contains('\x1b'));
        assert!(text.starts_with("wrote a new secret-hashing key to k\\x1b[2J\n"));
        assert!(!super::moved_out("d.db", "k", true).contains("note:"));
        assert!(super::moved_out("d.db", "k", false).ends_with("closes it\n"));
    }
}
