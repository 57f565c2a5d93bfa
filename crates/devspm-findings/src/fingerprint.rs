//! Stable finding fingerprints and secret hashing.
//!
//! A finding keeps its identity across imports so that re-importing adds nothing and a
//! disappearing finding can be called fixed. The producer's own fingerprint is used when it
//! gives one; otherwise the fingerprint is built from what survives unrelated edits: the
//! producer, the rule, the file, and the flagged text with whitespace removed — not the line
//! number, which shifts whenever lines are added above.
//!
//! Secrets are never stored. [`secret_hash`] is HMAC-SHA-256 under a per-database key (so the
//! same secret is recognised again, but a stolen database cannot be checked against a list of
//! candidate secrets without the key), and [`redact`] keeps just enough for a person to tell
//! which secret it is.

use sha2::{Digest, Sha256};

use crate::{FindingKind, RawFinding};

fn digest(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part);
    }
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The text of lines `start..=end` (1-based) of `content`, whitespace removed.
pub fn flagged_text(content: &[u8], start: u32, end: u32) -> Option<Vec<u8>> {
    let start = start.max(1) as usize;
    let end = (end.max(start as u32) as usize).min(start + 200);
    let mut out = Vec::new();
    let mut any = false;
    for (i, line) in content.split(|&b| b == b'\n').enumerate() {
        let n = i + 1;
        if n > end {
            break;
        }
        if n >= start {
            any = true;
            out.extend(line.iter().filter(|b| !b.is_ascii_whitespace()));
        }
    }
    any.then_some(out)
}

/// The fingerprint of a finding: the producer's when it has one, else content-based.
///
/// `path` is the repository-relative path; `flagged` the flagged text (see [`flagged_text`]) at
/// the scanned revision when the file could be read; `secret_hash` the keyed hash of a secret.
pub fn fingerprint(
    raw: &RawFinding,
    path: Option<&str>,
    flagged: Option<&[u8]>,
    secret_hash: Option<&str>,
) -> String {
    if let Some(p) = &raw.producer_fingerprint {
        return format!("producer:{p}");
    }
    let tool = raw.tool.as_bytes();
    let rule = raw.rule.as_bytes();
    let value = match (raw.kind, &raw.package, secret_hash) {
        (FindingKind::Dependency, Some(pkg), _) => digest(&[
            tool,
            rule,
            pkg.ecosystem.as_bytes(),
            pkg.name.as_bytes(),
            pkg.version.as_bytes(),
            pkg.manifest.as_deref().unwrap_or("").as_bytes(),
        ]),
        (_, _, Some(secret)) => {
            digest(&[tool, rule, path.unwrap_or("").as_bytes(), secret.as_bytes()])
        }
        _ => {
            let snippet: Option<Vec<u8>> = flagged.map(<[u8]>::to_vec).or_else(|| {
                raw.snippet.as_ref().map(|s| {
                    s.bytes()
                        .filter(|b| !b.is_ascii_whitespace())
                        .collect::<Vec<u8>>()
                })
            });
            match snippet {
                Some(text) => digest(&[tool, rule, path.unwrap_or("").as_bytes(), &text]),
                // Nothing but the message: stable, but two results of one rule in one file
                // with the same message are told apart only by their order.
                None => digest(&[
                    tool,
                    rule,
                    path.unwrap_or("").as_bytes(),
                    raw.message.as_bytes(),
                ]),
            }
        }
    };
    format!("content:v1:{value}")
}

/// HMAC-SHA-256 of a secret under `key`, hex.
pub fn secret_hash(key: &[u8; 32], secret: &str) -> String {
    devspm_core::hex::encode(&devspm_core::ids::hmac_sha256(key, secret.as_bytes()))
}

/// A preview of a secret that identifies it to a person without revealing it: up to four
/// leading and two trailing characters of long values, less of short ones.
pub fn redact(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let n = chars.len();
    let (head, tail) = match n {
        0..=7 => (0, 0),
        8..=15 => (2, 0),
        _ => (4, 2),
    };
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[n - tail..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Location, Severity};

    fn raw() -> RawFinding {
        RawFinding {
            tool: "bandit".into(),
            tool_version: None,
            rule: "B105".into(),
            kind: FindingKind::Code,
            severity: Severity::Low,
            message: "Possible hardcoded password".into(),
            identifiers: vec![],
            location: Some(Location {
                path: "a.py".into(),
                start_line: Some(3),
                end_line: Some(3),
            }),
            package: None,
            producer_fingerprint: None,
            revision: None,
            origin: "$.runs[0].results[0]".into(),
            snippet: None,
            secret: None,
            suppression: None,
        }
    }

    #[test]
    fn content_fingerprints_survive_line_shifts_and_reindentation() {
        let before = b"import os\n\npassword = 'x'\n";
        let after = b"import os\nimport sys\n\n    password  =  'x'\n";
        let a = fingerprint(
            &raw(),
            Some("a.py"),
            flagged_text(before, 3, 3).as_deref(),
            None,
        );
        let b = fingerprint(
            &raw(),
            Some("a.py"),
            flagged_text(after, 4, 4).as_deref(),
            None,
        );
        assert_eq!(a, b);
        let c = fingerprint(
            &raw(),
            Some("a.py"),
            flagged_text(b"password = 'y'\n", 1, 1).as_deref(),
            None,
        );
        assert_ne!(a, c);
        let mut producer = raw();
        producer.producer_fingerprint = Some("matchBasedId/v1:abc".into());
        assert_eq!(
            fingerprint(&producer, Some("a.py"), None, None),
            "producer:matchBasedId/v1:abc"
        );
    }

    #[test]
    fn secrets_are_hashed_with_a_key_and_redacted() {
        let k1 = [1u8; 32];
        let k2 = [2u8; 32];
        let s = "AKIAIOSFODNN7EXAMPLE";
        assert_eq!(secret_hash(&k1, s), secret_hash(&k1, s));
        assert_ne!(secret_hash(&k1, s), secret_hash(&k2, s));
        assert_eq!(secret_hash(&k1, s).len(), 64);
        assert_eq!(redact(s), "AKIA…LE");
        assert_eq!(redact("hunter22"), "hu…");
        assert_eq!(redact("abc"), "…");
        // RFC 4231 test case 2 shape: HMAC-SHA-256 with a short key, checked against a
        // known value computed with Python's hmac module.
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        assert_eq!(
            secret_hash(&key, "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
