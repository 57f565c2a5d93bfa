//! What a scan reports: a secret's rule, place and keyed hash — never the secret.
//!
//! The raw value exists only inside the call that found it, as a range of the buffer being
//! scanned; it is hashed with the caller's key and redacted before a [`SecretFinding`] is made.
//! The key itself is wrapped so that it cannot end up in a debug log either.

use serde::Serialize;

use crate::Severity;
use crate::rules::Confidence;
use crate::scanner::{ContentScan, Match, Scanner, Skipped};

/// The 32-byte key secret hashes are computed under (HMAC-SHA-256). Its `Debug` output hides it.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct HashKey(pub [u8; 32]);

impl std::fmt::Debug for HashKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HashKey(…)")
    }
}

/// One secret found in a file, a blob or a staged change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SecretFinding {
    pub rule_id: String,
    pub description: String,
    pub severity: Severity,
    pub confidence: Confidence,
    /// Repository-relative path, `/`-separated (for history: the first path the blob had in the
    /// introducing commit).
    pub path: String,
    /// 1-based line of the secret's first byte.
    pub line: u32,
    /// 1-based byte column of the secret's first byte.
    pub column: u32,
    /// The commit that introduced the blob (history scans only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The blob holding the secret (history and staged scans).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
    /// HMAC-SHA-256 of the secret under the caller's key, hex.
    pub secret_hash: String,
    /// Enough of the secret for a person to tell which one it is (`ghp_…Xy`).
    pub preview: String,
    /// The same secret is still in the file at the HEAD (or given) revision. Always `false`
    /// for staged and plain-file scans, which have no history.
    pub present_at_head: bool,
    /// The inline marker (`gitleaks:allow`, `devspm:allow`) on the secret's line, for a
    /// secret that marker allows (history scans only report those): a finding ignored by the
    /// marker, never one to act on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inline_marker: Option<&'static str>,
}

/// The findings of one file or buffer.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FileScan {
    pub findings: Vec<SecretFinding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<Skipped>,
    /// More matches than the per-file limit: the rest were dropped.
    pub truncated: bool,
    /// Bytes searched.
    pub bytes: u64,
}

/// Where a match was found, for building findings.
pub(crate) struct Place<'a> {
    pub path: &'a str,
    pub commit: Option<&'a str>,
    pub blob: Option<&'a str>,
    /// Added to the match's line (for chunks of a streamed file).
    pub line_offset: u32,
}

impl Scanner {
    /// Searches `content` and returns findings: hashed under `key`, redacted, with the
    /// fingerprint allowlist applied. `path` is repository-relative.
    pub fn scan_bytes(&self, path: &str, content: &[u8], key: &HashKey) -> FileScan {
        let scan = self.find(Some(path), content);
        let place = Place {
            path,
            commit: None,
            blob: None,
            line_offset: 0,
        };
        let findings = self.findings(&scan, content, &place, key);
        FileScan {
            findings,
            skipped: scan.skipped,
            truncated: scan.truncated,
            bytes: if scan.skipped.is_some() {
                0
            } else {
                content.len() as u64
            },
        }
    }

    /// Turns matches in `content` into findings.
    pub(crate) fn findings(
        &self,
        scan: &ContentScan,
        content: &[u8],
        place: &Place<'_>,
        key: &HashKey,
    ) -> Vec<SecretFinding> {
        scan.matches
            .iter()
            .filter_map(|m| self.finding(m, content, place, key))
            .collect()
    }

    /// Turns the matches an inline marker allows in `content` into findings that carry it.
    pub(crate) fn allowed_findings(
        &self,
        scan: &ContentScan,
        content: &[u8],
        place: &Place<'_>,
        key: &HashKey,
    ) -> Vec<SecretFinding> {
        scan.allowed
            .iter()
            .filter_map(|(m, marker)| {
                let mut f = self.finding(m, content, place, key)?;
                f.inline_marker = Some(marker);
                Some(f)
            })
            .collect()
    }

    pub(crate) fn finding(
        &self,
        m: &Match,
        content: &[u8],
        place: &Place<'_>,
        key: &HashKey,
    ) -> Option<SecretFinding> {
        let rule = &self.rules()[m.rule];
        let raw = content.get(m.secret.clone())?;
        let secret = String::from_utf8_lossy(raw);
        let secret_hash = devspm_findings::fingerprint::secret_hash(&key.0, &secret);
        if self.allow.fingerprint_allowed(&rule.id, &secret_hash) {
            return None;
        }
        let preview = preview(&secret);
        Some(SecretFinding {
            rule_id: rule.id.clone(),
            description: rule.description.clone(),
            severity: rule.severity,
            confidence: rule.confidence,
            path: place.path.to_owned(),
            line: m.line.saturating_add(place.line_offset),
            column: m.column,
            commit: place.commit.map(str::to_owned),
            blob: place.blob.map(str::to_owned),
            secret_hash,
            preview,
            present_at_head: false,
            inline_marker: None,
        })
    }
}

/// The redacted preview: armour's header line for private keys (it names the key type and
/// reveals nothing), the standard redaction otherwise.
fn preview(secret: &str) -> String {
    if secret.starts_with("-----BEGIN") {
        let header = secret
            .split(['\n', '\r', '\\'])
            .next()
            .unwrap_or("-----BEGIN");
        return format!("{header}…");
    }
    devspm_findings::fingerprint::redact(secret)
}

/// Hashes a secret the way findings do (for comparing against a fingerprint list).
pub(crate) fn hash_of(content: &[u8], range: std::ops::Range<usize>, key: &HashKey) -> String {
    let raw = content.get(range).unwrap_or_default();
    devspm_findings::fingerprint::secret_hash(&key.0, &String::from_utf8_lossy(raw))
}
