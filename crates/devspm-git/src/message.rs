//! What ingest keeps of a commit message: the message with its secrets replaced (by a filter
//! the caller supplies — this crate has no secret rules), its trailers parsed from that text,
//! and at most [`MAX_MESSAGE_BYTES`] of it stored, with the length and SHA-256 of the whole.
//!
//! The order matters. Secrets are replaced first, so that nothing derived from the message —
//! its stored bytes, the SHA-256 the chain commits to, the trailer values in the payload, the
//! hash of the whole text — ever holds one. Trailers are parsed from the whole redacted message
//! (they sit at its end, past any cut), each value capped at [`MAX_TRAILER_VALUE_BYTES`]: before
//! the cap, a message ending in one huge `Key: value` paragraph was stored three times (in
//! `contents`, in the chained payload and in the `commit_trailers` projection).

use devspm_core::commit::Trailer;
use devspm_core::event::{ContentRef, Redaction};
use devspm_core::text::{MAX_MESSAGE_BYTES, MAX_TRAILER_VALUE_BYTES, cap_bytes, cap_text};

/// Replaces the secrets in a commit message before ingest hashes and stores it. The binary
/// supplies one built on its secret detector and the database's key.
pub trait MessageFilter: Send + Sync + std::fmt::Debug {
    /// The message with every secret replaced, and what was replaced (never the value);
    /// `None` when the message holds no secret.
    fn redact(&self, message: &[u8]) -> Option<(Vec<u8>, Vec<Redaction>)>;
}

/// A commit message as ingest keeps it.
pub(crate) struct KeptMessage {
    /// The bytes to store (redacted, capped).
    pub bytes: Vec<u8>,
    /// What the `commit_recorded` payload says of them.
    pub content: ContentRef,
    /// The trailers of the redacted message, values capped.
    pub trailers: Vec<Trailer>,
}

/// Redacts, parses and caps `message` (see the module documentation).
pub(crate) fn keep(message: Vec<u8>, filter: Option<&dyn MessageFilter>) -> KeptMessage {
    let (mut bytes, redactions) = match filter.and_then(|f| f.redact(&message)) {
        Some((redacted, redactions)) => (redacted, redactions),
        None => (message, Vec::new()),
    };
    let mut trailers = devspm_core::commit::parse_trailers(&bytes);
    for trailer in &mut trailers {
        cap_text(&mut trailer.value, MAX_TRAILER_VALUE_BYTES);
    }
    let whole = cap_bytes(&mut bytes, MAX_MESSAGE_BYTES);
    let content = ContentRef {
        redactions,
        whole,
        ..ContentRef::of(&bytes)
    };
    KeptMessage {
        bytes,
        content,
        trailers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Replaces `SECRET-<digits>` with a marker, as the binary's filter does with real rules.
    #[derive(Debug)]
    struct Fake;

    impl MessageFilter for Fake {
        fn redact(&self, message: &[u8]) -> Option<(Vec<u8>, Vec<Redaction>)> {
            let text = String::from_utf8_lossy(message);
            let at = text.find("SECRET-")?;
            let end = text[at..]
                .find(|c: char| c.is_whitespace())
                .map_or(text.len(), |n| at + n);
            let redaction = Redaction {
                rule: "fake".into(),
                line: 1,
                column: at as u32 + 1,
                hash: "00".repeat(32),
                preview: "SE…".into(),
                inline_marker: None,
            };
            let out = format!("{}[REDACTED]{}", &text[..at], &text[end..]);
            Some((out.into_bytes(), vec![redaction]))
        }
    }

    #[test]
    fn secrets_are_gone_from_the_stored_bytes_the_hash_and_the_trailers() {
        let message = b"Deploy\n\nToken: SECRET-1234 now\nReviewed-on: https://r/1\n".to_vec();
        let kept = keep(message, Some(&Fake));
        let text = String::from_utf8(kept.bytes.clone()).unwrap();
        assert_eq!(
            text,
            "Deploy\n\nToken: [REDACTED] now\nReviewed-on: https://r/1\n"
        );
        assert_eq!(
            kept.content.sha256,
            devspm_core::ids::content_hash(text.as_bytes())
        );
        assert_eq!(kept.content.len, text.len() as u64);
        assert_eq!(kept.content.redactions.len(), 1);
        assert_eq!(kept.content.whole, None);
        assert_eq!(kept.trailers[0].value, "[REDACTED] now");
        // Without a filter, or with nothing to redact, the message is kept as it is.
        let plain = keep(b"Fix\n".to_vec(), Some(&Fake));
        assert_eq!(plain.bytes, b"Fix\n");
        assert_eq!(plain.content, ContentRef::of(b"Fix\n"));
        assert_eq!(keep(b"SECRET-1".to_vec(), None).bytes, b"SECRET-1");
    }

    #[test]
    fn huge_messages_and_trailer_values_are_capped_and_trailers_survive_the_cut() {
        let big_value = "v".repeat(3 * MAX_TRAILER_VALUE_BYTES);
        let body = "b".repeat(2 * MAX_MESSAGE_BYTES);
        let message = format!(
            "Subject\n\n{body}\n\nNote: {big_value}\nCo-authored-by: Claude <noreply@anthropic.com>\n"
        );
        let kept = keep(message.clone().into_bytes(), None);
        let whole = kept.content.whole.clone().expect("cut");
        assert_eq!(whole.len, message.len() as u64);
        assert_eq!(
            whole.sha256,
            devspm_core::ids::content_hash(message.as_bytes())
        );
        assert!(kept.bytes.len() < MAX_MESSAGE_BYTES + 200);
        assert!(kept.bytes.starts_with(b"Subject\n\nbbb"));
        assert_eq!(kept.content, {
            let mut c = ContentRef::of(&kept.bytes);
            c.whole = Some(whole);
            c
        });
        assert_eq!(kept.trailers.len(), 2);
        assert!(kept.trailers[0].value.len() < MAX_TRAILER_VALUE_BYTES + 150);
        assert!(
            kept.trailers[0]
                .value
                .contains(&format!("cut at 1024 of {} bytes", big_value.len()))
        );
        assert_eq!(kept.trailers[1].key, "Co-authored-by");
    }
}
