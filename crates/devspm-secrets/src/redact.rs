//! Redaction of free text before it is stored: every secret the rules find in a commit message
//! or in a scanner's message is replaced by a marker naming its rule, its redacted preview and
//! its keyed hash — the same three things a finding of this detector keeps — so that the text
//! can be hashed into the record, stored and shown without the value. A value on a line an
//! inline marker (`devspm:allow`, `gitleaks:allow`) allows is replaced as well, and reported
//! with its marker ([`SecretFinding::inline_marker`]): the marker sets the finding aside, it
//! does not make the value safe to store.
//!
//! ```text
//! deploy with ghp_0123…  →  deploy with [REDACTED github-pat ghp_…89 hmac:5d41…]
//! ```
//!
//! Unlike [`Scanner::find`], redaction has no size limit and no binary check: a text that is
//! going to be stored must be searched whole, and a NUL byte does not make a message safe to
//! keep. The markers themselves match no rule, so redacting twice changes nothing.

use crate::finding::{HashKey, Place, SecretFinding};
use crate::scanner::Scanner;

/// A text with its secrets replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redacted {
    /// The text with every secret replaced by its [`marker`].
    pub text: Vec<u8>,
    /// What was replaced, in order of position: rule, line and column in the text as given,
    /// keyed hash and preview. `path` is empty: the caller knows what the text was.
    pub secrets: Vec<SecretFinding>,
}

/// What replaces a secret in stored text: `[REDACTED <rule> <preview> hmac:<keyed hash>]`.
pub fn marker(secret: &SecretFinding) -> String {
    format!(
        "[REDACTED {} {} hmac:{}]",
        secret.rule_id, secret.preview, secret.secret_hash
    )
}

impl Scanner {
    /// Replaces every secret in `text` with its [`marker`], hashing each value under `key`.
    /// `None` when the text holds no secret (the common case costs one keyword search).
    pub fn redact(&self, text: &[u8], key: &HashKey) -> Option<Redacted> {
        let place = Place {
            path: "",
            commit: None,
            blob: None,
            line_offset: 0,
        };
        let mut current: Option<Vec<u8>> = None;
        let mut secrets = Vec::new();
        // A text with more secrets than the per-file match limit is searched again after the
        // first ones are replaced, until none is left.
        loop {
            let content = current.as_deref().unwrap_or(text);
            let scan = self.find_in_text(None, content);
            let before = secrets.len();
            let mut out = Vec::with_capacity(content.len());
            let mut at = 0;
            // A value an inline marker allows is replaced too, carrying its marker: the text
            // is stored, and what is stored never holds a value the rules match (the marker
            // says how the value counts, not that it may be kept).
            let mut all: Vec<(&crate::scanner::Match, Option<&'static str>)> = scan
                .matches
                .iter()
                .map(|m| (m, None))
                .chain(scan.allowed.iter().map(|(m, marker)| (m, Some(*marker))))
                .collect();
            all.sort_by_key(|(m, _)| (m.secret.start, m.secret.end));
            for (m, allowed_by) in all {
                if m.secret.start < at {
                    continue; // overlaps one already replaced
                }
                let Some(mut finding) = self.finding(m, content, &place, key) else {
                    continue;
                };
                finding.inline_marker = allowed_by;
                out.extend_from_slice(&content[at..m.secret.start]);
                out.extend_from_slice(marker(&finding).as_bytes());
                at = m.secret.end;
                secrets.push(finding);
            }
            if secrets.len() == before {
                break;
            }
            out.extend_from_slice(&content[at..]);
            current = Some(out);
            if !scan.truncated {
                break;
            }
        }
        current.map(|text| Redacted { text, secrets })
    }

    /// [`Scanner::redact`] for text that is UTF-8: the redacted text and what was replaced.
    pub fn redact_str(&self, text: &str, key: &HashKey) -> Option<(String, Vec<SecretFinding>)> {
        let redacted = self.redact(text.as_bytes(), key)?;
        let text = match String::from_utf8(redacted.text) {
            Ok(text) => text,
            // A rule matched part of a multi-byte character: keep what is left readable.
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        Some((text, redacted.secrets))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ALNUM, pem, random, samples};

    fn scanner() -> Scanner {
        Scanner::builtin().expect("built-in rules compile")
    }

    #[test]
    fn every_sample_is_replaced_by_its_marker_and_redacting_again_changes_nothing() {
        let scanner = scanner();
        let key = HashKey([5; 32]);
        for (rule, line, secret) in samples() {
            let text = format!("Fix the deploy\n\nit used {line} by mistake\n");
            let redacted = scanner.redact(text.as_bytes(), &key).expect(rule);
            let out = String::from_utf8(redacted.text.clone()).expect("utf-8");
            assert!(!out.contains(&secret), "{rule}: {out}");
            assert_eq!(redacted.secrets.len(), 1, "{rule}");
            let found = &redacted.secrets[0];
            assert_eq!(found.rule_id, rule);
            assert_eq!(found.line, 3);
            assert_eq!(
                found.secret_hash,
                devspm_findings::fingerprint::secret_hash(&key.0, &secret)
            );
            assert_eq!(out, text.replace(&secret, &marker(found)), "{rule}");
            assert_eq!(scanner.redact(out.as_bytes(), &key), None, "{rule}: {out}");
        }
    }

    #[test]
    fn clean_text_costs_nothing_and_is_not_copied() {
        let scanner = scanner();
        let key = HashKey([5; 32]);
        assert_eq!(
            scanner.redact(b"Merge branch 'maint'\n\nSigned-off-by: A <a@b.c>\n", &key),
            None
        );
        assert_eq!(scanner.redact_str("rotate the token weekly", &key), None);
    }

    #[test]
    fn binary_huge_and_crowded_texts_are_searched_whole() {
        let scanner = scanner();
        let key = HashKey([6; 32]);
        let token = format!("ghp_{}", random(ALNUM, 36, 70));
        // A NUL byte before the secret and a text larger than the blob limit.
        let mut text = b"\0binary?\n".to_vec();
        text.resize(scanner.limits().max_file_bytes as usize + 10, b'a');
        text.extend_from_slice(format!("\n{token}\n").as_bytes());
        let redacted = scanner.redact(&text, &key).expect("found");
        assert_eq!(redacted.secrets.len(), 1);
        assert!(
            !redacted
                .text
                .windows(token.len())
                .any(|w| w == token.as_bytes())
        );
        // More secrets than the per-file match limit: all of them go.
        let limit = scanner.limits().max_matches_per_file;
        let tokens: Vec<String> = (0..limit + 20)
            .map(|i| format!("ghp_{}", random(ALNUM, 36, 1000 + i as u64)))
            .collect();
        let text = tokens.join("\n");
        let redacted = scanner.redact(text.as_bytes(), &key).expect("found");
        assert_eq!(redacted.secrets.len(), tokens.len());
        let out = String::from_utf8(redacted.text).expect("utf-8");
        assert!(tokens.iter().all(|t| !out.contains(t.as_str())));
        // A private key keeps its armour's first line as the preview.
        let key_text = pem("RSA", 3);
        let (out, found) = scanner
            .redact_str(&format!("oops:\n{key_text}\n"), &key)
            .expect("found");
        assert_eq!(found[0].preview, "-----BEGIN RSA PRIVATE KEY-----…");
        assert!(
            out.starts_with("oops:\n[REDACTED private-key -----BEGIN RSA PRIVATE KEY-----… hmac:")
        );
    }
}
