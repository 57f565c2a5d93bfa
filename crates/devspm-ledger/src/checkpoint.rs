//! Signed tree heads in the C2SP formats: `tlog-checkpoint` bodies signed as `signed-note`s
//! with Ed25519, and the note key strings.
//!
//! A checkpoint is `<origin>\n<tree size>\n<base64 root hash>\n`, a blank line, then one line
//! per signature: `— <key name> <base64(key id ‖ signature)>\n` (U+2014 em dash). The key id of
//! an Ed25519 key is the first 4 bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ public key); the
//! signature covers the body text including its final newline.
//!
//! Key strings (as Go's `golang.org/x/mod/sumdb/note` writes them):
//! - verifier: `<name>+<8 hex digits key id>+<base64(0x01 ‖ 32-byte public key)>`
//! - signer: `PRIVATE+KEY+<name>+<8 hex digits key id>+<base64(0x01 ‖ 32-byte seed)>`
//!
//! Base64 is the `base64` crate's standard engine (RFC 4648 alphabet, padding written), which
//! decodes strictly: padding required and canonical, no stray bits in the last digit, no
//! whitespace or other characters. A signature or key has one spelling, so two checkpoints
//! that differ in their text never verify as the same note.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::merkle::Hash;

/// The algorithm byte of Ed25519 in signed-note keys.
const ALG_ED25519: u8 = 0x01;

/// Why a key or a checkpoint was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("{0}")]
    BadKey(String),
    #[error("not a checkpoint: {0}")]
    Malformed(String),
    #[error(
        "the checkpoint carries no signature by key {expected} (it is signed by: {found}); it was signed by another or unknown key"
    )]
    UnknownKey { expected: String, found: String },
    #[error(
        "the signature by key {key} does not verify: the checkpoint's text (origin, size or root hash) was altered or forged"
    )]
    BadSignature { key: String },
}

/// The key id of an Ed25519 key.
pub fn key_id(name: &str, public: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0a, ALG_ED25519]);
    h.update(public);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// Key names: non-empty, no `+`, no whitespace (signed-note rules).
pub fn check_key_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
        return Err(NoteError::BadKey(format!(
            "key name `{name}` is not allowed: it must be non-empty, without `+` or spaces (e.g. devspm/build-host)"
        )));
    }
    Ok(())
}

/// A signing key with its name.
pub struct NoteSigner {
    pub name: String,
    pub id: [u8; 4],
    key: SigningKey,
}

/// A verifier key with its name.
#[derive(Clone, Debug)]
pub struct NoteVerifier {
    pub name: String,
    pub id: [u8; 4],
    key: VerifyingKey,
}

impl NoteSigner {
    /// A new random key (the seed comes from the operating system).
    pub fn generate(name: &str) -> Result<NoteSigner, NoteError> {
        check_key_name(name)?;
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|e| NoteError::BadKey(format!("no randomness for a key: {e}")))?;
        Ok(Self::from_seed(name, seed))
    }

    fn from_seed(name: &str, seed: [u8; 32]) -> NoteSigner {
        let key = SigningKey::from_bytes(&seed);
        let id = key_id(name, key.verifying_key().as_bytes());
        NoteSigner {
            name: name.to_owned(),
            id,
            key,
        }
    }

    /// Parses `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 ‖ seed)>`.
    pub fn parse(text: &str) -> Result<NoteSigner, NoteError> {
        let bad =
            |why: &str| NoteError::BadKey(format!("not a devspm/signed-note private key: {why}"));
        let rest = text
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| bad("it does not start with PRIVATE+KEY+"))?;
        // Base64 may itself contain `+`: the key is everything after the second separator.
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("expected PRIVATE+KEY+<name>+<key id>+<key>"));
        };
        check_key_name(name)?;
        let raw = BASE64
            .decode(key)
            .map_err(|_| bad("the key is not base64"))?;
        if raw.len() != 33 || raw[0] != ALG_ED25519 {
            return Err(bad("the key is not an Ed25519 key (0x01 and 32 bytes)"));
        }
        let signer = Self::from_seed(name, raw[1..].try_into().expect("32 bytes"));
        if devspm_core::hex::encode(&signer.id) != id {
            return Err(bad("its key id does not match its name and key"));
        }
        Ok(signer)
    }

    /// The private key string.
    pub fn to_private_string(&self) -> String {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{}+{}",
            self.name,
            devspm_core::hex::encode(&self.id),
            BASE64.encode(&raw)
        )
    }

    /// The matching verifier.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            id: self.id,
            key: self.key.verifying_key(),
        }
    }

    /// Signs a checkpoint of `size` leaves with `root` for `origin`; returns the whole note.
    pub fn sign_checkpoint(
        &self,
        origin: &str,
        size: u64,
        root: &Hash,
    ) -> Result<String, NoteError> {
        if origin.is_empty() || origin.contains('\n') {
            return Err(NoteError::Malformed(
                "the origin must be one non-empty line".into(),
            ));
        }
        let body = format!("{origin}\n{size}\n{}\n", BASE64.encode(root));
        let signature = self.key.sign(body.as_bytes());
        let mut blob = self.id.to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        Ok(format!(
            "{body}\n\u{2014} {} {}\n",
            self.name,
            BASE64.encode(&blob)
        ))
    }
}

impl NoteVerifier {
    /// Parses `<name>+<hex id>+<base64(0x01 ‖ public key)>`.
    pub fn parse(text: &str) -> Result<NoteVerifier, NoteError> {
        let bad = |why: &str| {
            NoteError::BadKey(format!(
                "not a signed-note verifier key (<name>+<key id>+<key>): {why}"
            ))
        };
        let text = text.trim();
        let mut parts = text.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("expected three parts separated by `+`"));
        };
        check_key_name(name)?;
        let raw = BASE64
            .decode(key)
            .map_err(|_| bad("the key is not base64"))?;
        if raw.len() != 33 || raw[0] != ALG_ED25519 {
            return Err(bad("the key is not an Ed25519 key (0x01 and 32 bytes)"));
        }
        let public: [u8; 32] = raw[1..].try_into().expect("32 bytes");
        let key = VerifyingKey::from_bytes(&public)
            .map_err(|_| bad("the public key is not a valid Ed25519 point"))?;
        let computed = key_id(name, &public);
        if devspm_core::hex::encode(&computed) != id {
            return Err(bad("its key id does not match its name and key"));
        }
        Ok(NoteVerifier {
            name: name.to_owned(),
            id: computed,
            key,
        })
    }

    /// The verifier key string.
    pub fn to_key_string(&self) -> String {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            devspm_core::hex::encode(&self.id),
            BASE64.encode(&raw)
        )
    }

    /// `<name>+<hex id>`, for messages.
    pub fn label(&self) -> String {
        format!("{}+{}", self.name, devspm_core::hex::encode(&self.id))
    }

    /// Checks that `note` is a well-formed checkpoint signed by this key; returns its content.
    pub fn verify_checkpoint(&self, note: &str) -> Result<Checkpoint, NoteError> {
        let parsed = Checkpoint::parse(note)?;
        let mut found = Vec::new();
        for sig in &parsed.signatures {
            if sig.name == self.name && sig.id == self.id {
                let signature = Signature::from_slice(&sig.signature)
                    .map_err(|_| NoteError::BadSignature { key: self.label() })?;
                self.key
                    .verify_strict(parsed.body.as_bytes(), &signature)
                    .map_err(|_| NoteError::BadSignature { key: self.label() })?;
                return Ok(parsed);
            }
            found.push(format!(
                "{}+{}",
                sig.name,
                devspm_core::hex::encode(&sig.id)
            ));
        }
        Err(NoteError::UnknownKey {
            expected: self.label(),
            found: if found.is_empty() {
                "nobody".into()
            } else {
                found.join(", ")
            },
        })
    }
}

/// One signature line of a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub id: [u8; 4],
    pub signature: Vec<u8>,
}

/// A parsed (not yet verified) checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// The signed text: the body lines, each ending in `\n`.
    pub body: String,
    pub signatures: Vec<NoteSignature>,
}

impl Checkpoint {
    /// Parses a checkpoint note (body, blank line, signature lines).
    pub fn parse(note: &str) -> Result<Checkpoint, NoteError> {
        let bad = |why: String| NoteError::Malformed(why);
        let (body, sigs) = note
            .split_once("\n\n")
            .ok_or_else(|| bad("no blank line between the body and the signatures".into()))?;
        let body = format!("{body}\n");
        let mut lines = body.lines();
        let origin = lines
            .next()
            .filter(|l| !l.is_empty())
            .ok_or_else(|| bad("the first line (origin) is empty".into()))?
            .to_owned();
        let size_line = lines
            .next()
            .ok_or_else(|| bad("no tree size line".into()))?;
        if size_line.is_empty()
            || !size_line.bytes().all(|b| b.is_ascii_digit())
            || (size_line.len() > 1 && size_line.starts_with('0'))
        {
            return Err(bad(format!(
                "tree size `{size_line}` is not a decimal number"
            )));
        }
        let size: u64 = size_line
            .parse()
            .map_err(|_| bad(format!("tree size `{size_line}` is too large")))?;
        let root_line = lines
            .next()
            .ok_or_else(|| bad("no root hash line".into()))?;
        let root: Hash = BASE64
            .decode(root_line)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or_else(|| bad(format!("root hash `{root_line}` is not 32 bytes of base64")))?;
        if !sigs.ends_with('\n') {
            return Err(bad(
                "the last signature line does not end with a newline".into()
            ));
        }
        let mut signatures = Vec::new();
        for line in sigs.lines() {
            let rest = line
                .strip_prefix("\u{2014} ")
                .ok_or_else(|| bad(format!("signature line `{line}` does not start with `— `")))?;
            let (name, blob) = rest
                .split_once(' ')
                .ok_or_else(|| bad(format!("signature line `{line}` has no signature")))?;
            let raw = BASE64
                .decode(blob)
                .ok()
                .filter(|r| r.len() >= 5)
                .ok_or_else(|| bad(format!("signature of `{name}` is not base64")))?;
            signatures.push(NoteSignature {
                name: name.to_owned(),
                id: raw[..4].try_into().expect("4 bytes"),
                signature: raw[4..].to_vec(),
            });
        }
        if signatures.is_empty() {
            return Err(bad("no signature lines".into()));
        }
        Ok(Checkpoint {
            origin,
            size,
            root,
            body,
            signatures,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for (raw, text) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"fooba", "Zm9vYmE="),
            (b"foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(BASE64.encode(raw), text);
            assert_eq!(BASE64.decode(text).unwrap(), raw);
        }
        // Strict: a missing pad, stray bits in the last digit, padding inside, a foreign
        // character, whitespace, padding left out.
        for bad in ["Zm9", "Zh==", "Z=9v", "Zm9v*A==", "Zm9v\n", " Zm9v", "Zg"] {
            assert!(BASE64.decode(bad).is_err(), "{bad:?}");
        }
    }

    /// The example key of golang.org/x/mod/sumdb/note's documentation.
    #[test]
    fn go_note_example_key() {
        let signer = NoteSigner::parse(
            "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        )
        .unwrap();
        assert_eq!(
            signer.verifier().to_key_string(),
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        );
        // The document's example note, signed by that key.
        let note = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
        let verifier = signer.verifier();
        let sig = &note[note.find('\u{2014}').unwrap()..];
        assert!(sig.contains("PeterNeumann"));
        // Not a checkpoint (no size line), but the signature over the body must verify.
        let body = note.split_once("\n\n").unwrap().0.to_owned() + "\n";
        let blob = BASE64
            .decode(sig.trim_end().rsplit_once(' ').unwrap().1)
            .unwrap();
        assert_eq!(&blob[..4], &verifier.id);
        let signature = Signature::from_slice(&blob[4..]).unwrap();
        verifier
            .key
            .verify_strict(body.as_bytes(), &signature)
            .unwrap();
    }

    #[test]
    fn checkpoints_sign_and_verify() {
        let signer = NoteSigner::generate("devspm/test").unwrap();
        let verifier = NoteVerifier::parse(&signer.verifier().to_key_string()).unwrap();
        let root = [7u8; 32];
        let note = signer.sign_checkpoint("devspm/test", 42, &root).unwrap();
        assert!(note.starts_with("devspm/test\n42\nBwcH"), "{note}");
        let cp = verifier.verify_checkpoint(&note).unwrap();
        assert_eq!((cp.size, cp.root), (42, root));
        let again = NoteSigner::parse(&signer.to_private_string()).unwrap();
        assert_eq!(again.id, signer.id);

        let forged = note.replacen("\n42\n", "\n43\n", 1);
        assert!(matches!(
            verifier.verify_checkpoint(&forged),
            Err(NoteError::BadSignature { .. })
        ));
        let other = NoteSigner::generate("devspm/test").unwrap().verifier();
        assert!(matches!(
            other.verify_checkpoint(&note),
            Err(NoteError::UnknownKey { .. })
        ));
        assert!(Checkpoint::parse("devspm/test\n042\nAA==\n\n\u{2014} a AAAAAAA=\n").is_err());
        assert!(NoteSigner::generate("bad name").is_err());
    }
}
