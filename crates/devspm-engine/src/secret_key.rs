//! Key files for the key secrets are hashed with, kept outside the database (`devspm
//! secret-key`): a fresh random key for a database that is to use an external key from its
//! first run, or a database's own key moved out to a file (the database then keeps a check
//! value only). Key files hold 64 hex digits and a newline, are created readable by their owner
//! only, and an existing file is never overwritten; [`parse`] reads a key back from such a
//! file (or from the environment) without ever quoting it.

use std::io::Write;
use std::path::Path;

use devspm_ledger::{FindingStore, LedgerError};

use crate::EngineError;

/// Creates `path` (owner-only, never overwriting) holding `key`, flushed to disk.
fn write_key_file(path: &Path, key: &[u8; 32]) -> Result<(), EngineError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(EngineError::Conflict(format!(
                "{} already exists; a key file is never overwritten (choose another path)",
                path.display()
            )));
        }
        Err(e) => {
            return Err(EngineError::io(
                format!("cannot create {}", path.display()),
                e,
            ));
        }
    };
    let text = format!("{}\n", devspm_core::hex::encode(key));
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| EngineError::io(format!("cannot write {}", path.display()), e))
}

/// Writes a fresh random key to `path`.
pub fn new_key_file(path: &Path) -> Result<(), EngineError> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| {
        EngineError::Invalid(format!("the operating system's random source failed: {e}"))
    })?;
    write_key_file(path, &key)
}

/// Writes the database's own key to `path`, then deletes it from the database. Returns whether
/// the key's bytes are gone from the write-ahead log too (`false` while another process holds
/// the database open: they leave it when the last process closes it).
pub fn move_out(store: &mut impl FindingStore, path: &Path) -> Result<bool, EngineError> {
    // The file first: the key leaves the database only once it is safely elsewhere.
    let key = match store.secret_key(None) {
        Ok(key) => key,
        Err(LedgerError::Refused { path, .. }) => {
            return Err(EngineError::Conflict(format!(
                "database {path} holds no secret-hashing key of its own: its hashes are made \
                 with a key kept outside it already, so there is nothing to move"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    write_key_file(path, &key)?;
    Ok(store.delete_own_secret_key()?)
}

/// A key as 64 hex digits (surrounding white space ignored), or why the text is not one. The
/// text is never quoted back: it may be a key.
pub fn parse(text: &str) -> Result<[u8; 32], String> {
    let text = text.trim();
    let bytes = devspm_core::hex::decode(text)
        .filter(|_| text.len() == 64)
        .ok_or_else(|| {
            format!(
                "it must hold a 32-byte key as 64 hexadecimal digits, and holds {} characters{}",
                text.chars().count(),
                if text.chars().all(|c| c.is_ascii_hexdigit()) {
                    ""
                } else {
                    " that are not all hexadecimal digits"
                }
            )
        })?;
    let mut key = [0u8; 32];
    key.copy_from_slice(&bytes);
    Ok(key)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_key_file_is_64_hex_digits_owner_only_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        super::new_key_file(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.len(), 65);
        assert!(text.trim_end().chars().all(|c| c.is_ascii_hexdigit()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let again = super::new_key_file(&path).unwrap_err().to_string();
        assert!(again.contains("already exists; a key file is never overwritten"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    }

    #[test]
    fn keys_are_64_hex_digits_and_bad_ones_are_described_not_quoted() {
        let hex = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
        let key = super::parse(&format!("  {hex}\n")).expect("a key");
        assert_eq!(key[1], 0x11);
        assert_eq!(key[31], 0xff);
        assert_eq!(
            super::parse("abc").unwrap_err(),
            "it must hold a 32-byte key as 64 hexadecimal digits, and holds 3 characters"
        );
        let bad = super::parse(&hex.replace('0', "g")).unwrap_err();
        assert!(bad.ends_with("holds 64 characters that are not all hexadecimal digits"));
        assert!(!bad.contains("gg11"));
    }
}
