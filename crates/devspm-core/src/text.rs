//! Caps on the free text devspm stores (commit messages, trailer values, scanner messages), so
//! that one hostile input cannot make the record — or the memory of whoever reads it — grow
//! with its size.
//!
//! A capped text keeps its first bytes, cut at a character boundary, followed by a marker that
//! says how long the whole text was and gives its SHA-256:
//!
//! ```text
//! …first 1 MiB of the message…
//! [devspm: cut at 1048576 of 67108878 bytes; SHA-256 of the whole text: 3f2a…]
//! ```
//!
//! The marker makes the cut visible wherever the text is shown, and the hash makes it
//! verifiable: whoever still has the source can hash the whole text and compare. The hash is of
//! the text as devspm received it *after* secrets were replaced (see `devspm-secrets`), never of
//! a text still holding a secret: a plain hash of a known text around one unknown secret would
//! let anyone holding the record confirm a guess of the secret.

use serde::{Deserialize, Serialize};

/// Bytes of a commit message kept in `contents` (1 MiB). git/git's longest message is under
/// 20 KiB; Linux's under 100 KiB.
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// Bytes of a commit trailer's value kept in the `commit_recorded` payload (1 KiB): trailer
/// values are identifiers and URLs, and the whole message keeps the rest.
pub const MAX_TRAILER_VALUE_BYTES: usize = 1 << 10;

/// Bytes of an imported finding's message kept in its `finding_recorded` payload (8 KiB).
pub const MAX_FINDING_MESSAGE_BYTES: usize = 8 << 10;

/// The length and SHA-256 of a whole text of which only the first bytes are stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WholeText {
    /// Bytes of the whole text.
    pub len: u64,
    /// SHA-256 of the whole text, hex.
    pub sha256: String,
}

/// The marker that ends a capped text.
fn marker(kept: usize, whole: &WholeText) -> String {
    format!(
        "\n[devspm: cut at {kept} of {} bytes; SHA-256 of the whole text: {}]",
        whole.len, whole.sha256
    )
}

/// The longest prefix of `bytes` of at most `max` bytes that does not end inside a UTF-8
/// character (bytes that are not UTF-8 at all are cut at `max`).
fn cut_point(bytes: &[u8], max: usize) -> usize {
    if bytes.len() <= max {
        return bytes.len();
    }
    // A UTF-8 character is at most 4 bytes: step back over continuation bytes only.
    let mut cut = max;
    while cut > 0 && max - cut < 4 && (bytes[cut] & 0xC0) == 0x80 {
        cut -= 1;
    }
    if max - cut >= 4 { max } else { cut }
}

/// Caps `bytes` at `max` bytes in place: returns `None` (and leaves them alone) when they fit,
/// else cuts them, appends the marker and returns the whole text's length and hash.
pub fn cap_bytes(bytes: &mut Vec<u8>, max: usize) -> Option<WholeText> {
    if bytes.len() <= max {
        return None;
    }
    let whole = WholeText {
        len: bytes.len() as u64,
        sha256: crate::ids::content_hash(bytes),
    };
    let kept = cut_point(bytes, max);
    bytes.truncate(kept);
    bytes.extend_from_slice(marker(kept, &whole).as_bytes());
    bytes.shrink_to_fit();
    Some(whole)
}

/// [`cap_bytes`] for text.
pub fn cap_text(text: &mut String, max: usize) -> Option<WholeText> {
    if text.len() <= max {
        return None;
    }
    let whole = WholeText {
        len: text.len() as u64,
        sha256: crate::ids::content_hash(text.as_bytes()),
    };
    let kept = cut_point(text.as_bytes(), max);
    text.truncate(kept);
    text.push_str(&marker(kept, &whole));
    text.shrink_to_fit();
    Some(whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_texts_are_left_alone() {
        let mut bytes = b"fix: a bug".to_vec();
        assert_eq!(cap_bytes(&mut bytes, 10), None);
        assert_eq!(bytes, b"fix: a bug");
        let mut text = String::from("x");
        assert_eq!(cap_text(&mut text, 1), None);
        assert_eq!(text, "x");
    }

    #[test]
    fn long_texts_keep_a_prefix_and_say_how_long_the_whole_was() {
        let whole = "abcdefghij".repeat(10);
        let mut text = whole.clone();
        let cut = cap_text(&mut text, 25).expect("capped");
        assert_eq!(cut.len, 100);
        assert_eq!(cut.sha256, crate::ids::content_hash(whole.as_bytes()));
        assert_eq!(
            text,
            format!(
                "abcdefghijabcdefghijabcde\n[devspm: cut at 25 of 100 bytes; SHA-256 of the whole text: {}]",
                cut.sha256
            )
        );
        let mut bytes = whole.clone().into_bytes();
        assert_eq!(cap_bytes(&mut bytes, 25), Some(cut));
        assert_eq!(bytes, text.as_bytes());
    }

    #[test]
    fn cuts_never_split_a_character() {
        // "é" is two bytes, "😀" four: a cut inside either steps back to its first byte.
        for (text, max, kept) in [
            ("aé", 2, "a"),
            ("aé", 3, "aé"),
            ("a😀b", 2, "a"),
            ("a😀b", 4, "a"),
            ("a😀b", 5, "a😀"),
        ] {
            let mut s = text.to_owned();
            let cut = cap_text(&mut s, max);
            if text.len() <= max {
                assert_eq!(cut, None);
                continue;
            }
            assert!(
                s.starts_with(&format!("{kept}\n[devspm: cut at {} of", kept.len())),
                "{s}"
            );
        }
        // Bytes that are not UTF-8 are cut where the cap says.
        let mut bytes = vec![0x80u8; 10];
        cap_bytes(&mut bytes, 5);
        assert_eq!(&bytes[..6], &[0x80, 0x80, 0x80, 0x80, 0x80, b'\n']);
    }
}
