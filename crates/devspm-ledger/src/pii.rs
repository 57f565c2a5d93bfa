//! Personal data at rest, and its erasure by crypto-shredding: the sealing every backend stores.
//!
//! The name and e-mail behind each alias id are stored sealed with ChaCha20-Poly1305 (RFC 8439)
//! under a 256-bit key of their own (one key per alias; the key id is the alias id). Each record
//! gets a fresh random 96-bit nonce. The associated data binds the record to its alias id, so a
//! sealed record moved to another alias no longer opens. A backend stores the sealed records and
//! their keys (`devspm-ledger-sqlite`: `alias_pii` and `pii_keys`) and opens them with [`open`];
//! a record whose key is gone is simply absent, and views show the pseudonymous id instead.
//!
//! Erasing a person (`devspm identities forget`) deletes the keys and sealed records of every
//! alias of the identity and the stored commit messages that name them ([`Needles`] finds them),
//! and records the erasure as an `identity_forgotten` event (ids, content addresses and counts
//! only).

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

/// Domain separation for the associated data of a sealed record.
const AAD_TAG: &[u8] = b"devspm-alias-pii-v1\0";

/// Random bytes from the operating system.
fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).expect("the operating system's random number generator failed");
    out
}

fn aad(alias: &str) -> Vec<u8> {
    let mut aad = AAD_TAG.to_vec();
    aad.extend_from_slice(alias.as_bytes());
    aad
}

/// The plaintext of a record: name length (u32 big-endian) ‖ name ‖ e-mail.
fn encode(name: &[u8], email: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + name.len() + email.len());
    out.extend_from_slice(&(name.len() as u32).to_be_bytes());
    out.extend_from_slice(name);
    out.extend_from_slice(email);
    out
}

fn decode(plain: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let len = u32::from_be_bytes(plain.get(..4)?.try_into().ok()?) as usize;
    let rest = plain.get(4..)?;
    (len <= rest.len()).then(|| (rest[..len].to_vec(), rest[len..].to_vec()))
}

/// A sealed record: (key, nonce, ciphertext with its tag).
pub struct Sealed {
    pub key: [u8; 32],
    pub nonce: [u8; 12],
    pub ciphertext: Vec<u8>,
}

/// Seals `name` and `email` of `alias` under a new random key.
pub fn seal(alias: &str, name: &[u8], email: &[u8]) -> Sealed {
    let key: [u8; 32] = random();
    let nonce: [u8; 12] = random();
    let cipher = ChaCha20Poly1305::new(&Key::from(key));
    let aad = aad(alias);
    let ciphertext = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: &encode(name, email),
                aad: &aad,
            },
        )
        .expect("a name and an e-mail are far below ChaCha20-Poly1305's message limit");
    Sealed {
        key,
        nonce,
        ciphertext,
    }
}

/// Opens a sealed record; `None` when the key, nonce or ciphertext is wrong (tampered, or moved
/// from another alias).
pub fn open(
    alias: &str,
    key: &[u8],
    nonce: &[u8],
    ciphertext: &[u8],
) -> Option<(Vec<u8>, Vec<u8>)> {
    let key: [u8; 32] = key.try_into().ok()?;
    let nonce: [u8; 12] = nonce.try_into().ok()?;
    let cipher = ChaCha20Poly1305::new(&Key::from(key));
    let aad = aad(alias);
    let plain = cipher
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: ciphertext,
                aad: &aad,
            },
        )
        .ok()?;
    decode(&plain)
}

/// Lower-cases text for matching: Unicode-aware when the bytes are UTF-8, ASCII otherwise.
fn fold(bytes: &[u8]) -> Vec<u8> {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_lowercase().into_bytes(),
        Err(_) => bytes.to_ascii_lowercase(),
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// What to search stored messages for: a person's names and e-mails, lower-cased. Needles too
/// short to name anyone (under 3 bytes) are left out and returned separately.
pub struct Needles {
    folded: Vec<Vec<u8>>,
}

impl Needles {
    pub fn new(values: impl IntoIterator<Item = Vec<u8>>) -> (Needles, Vec<String>) {
        let mut folded: Vec<Vec<u8>> = Vec::new();
        let mut skipped = Vec::new();
        for value in values {
            let trimmed = value.trim_ascii().to_vec();
            if trimmed.is_empty() {
                continue;
            }
            if trimmed.len() < 3 {
                skipped.push(String::from_utf8_lossy(&trimmed).into_owned());
                continue;
            }
            let f = fold(&trimmed);
            if !folded.contains(&f) {
                folded.push(f);
            }
        }
        (Needles { folded }, skipped)
    }

    pub fn is_empty(&self) -> bool {
        self.folded.is_empty()
    }

    /// Whether `text` names any needle as a whole word (case-insensitive): `Ann` does not match
    /// inside `Announce`, nor `al@x.org` inside `val@x.org`.
    pub fn found_in(&self, text: &[u8]) -> bool {
        let hay = fold(text);
        self.folded.iter().any(|needle| {
            let mut from = 0;
            while let Some(pos) = find(&hay[from..], needle) {
                let start = from + pos;
                let end = start + needle.len();
                let before_ok =
                    start == 0 || !is_word_byte(hay[start - 1]) || !is_word_byte(needle[0]);
                let after_ok = end == hay.len()
                    || !is_word_byte(hay[end])
                    || !is_word_byte(needle[needle.len() - 1]);
                if before_ok && after_ok {
                    return true;
                }
                from = start + 1;
            }
            false
        })
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_records_open_only_for_their_alias() {
        let s = seal("a_1", b"Ann Lee", b"ann@example.org");
        assert!(!s.ciphertext.windows(3).any(|w| w == b"Ann"));
        assert_eq!(
            open("a_1", &s.key, &s.nonce, &s.ciphertext),
            Some((b"Ann Lee".to_vec(), b"ann@example.org".to_vec()))
        );
        assert_eq!(open("a_2", &s.key, &s.nonce, &s.ciphertext), None);
        let other = seal("a_1", b"Ann Lee", b"ann@example.org");
        assert_ne!(other.nonce, s.nonce);
        assert_eq!(open("a_1", &other.key, &s.nonce, &s.ciphertext), None);
    }

    #[test]
    fn needles_match_whole_words_case_insensitively() {
        let (n, skipped) =
            Needles::new([b"Ann Lee".to_vec(), b"ann@x.org".to_vec(), b"A".to_vec()]);
        assert_eq!(skipped, vec!["A".to_owned()]);
        assert!(n.found_in(b"Fix\n\nSigned-off-by: ANN LEE <ann@x.org>\n"));
        assert!(n.found_in(b"thanks ann@X.org."));
        assert!(!n.found_in(b"Announce Leeway"));
        assert!(!n.found_in(b"mail joann@x.org"));
        assert!(!n.found_in(b"nothing"));
        let (n, _) = Needles::new([b"Zo\xc3\xab M\xc3\xbcller".to_vec()]);
        assert!(n.found_in("by ZOË MÜLLER".as_bytes()));
    }
}
