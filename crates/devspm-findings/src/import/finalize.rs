//! The last checks applied to every finding before it leaves the importer: identifiers sorted
//! and unique, no secret outside `RawFinding::secret`, a message that is never empty.
//!
//! `stream::Ctx::emit` applies them to each finding it hands to the sink, so they sit below
//! both the streaming plumbing and the helpers in `common` (which read through a `Ctx`).

use crate::{FindingKind, RawFinding};

/// What replaces a secret value found in a message.
pub(crate) const REDACTED: &str = "[REDACTED]";

/// Replaces every occurrence of `secret` in `text`.
pub(crate) fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() || !text.contains(secret) {
        text.to_string()
    } else {
        text.replace(secret, REDACTED)
    }
}

/// The checks every finding passes before it is handed to the sink: identifiers sorted and
/// unique; a secret kept only in `secret` (redacted from the message, rule and fingerprint;
/// no snippet for secrets); a message that is never empty.
pub(crate) fn finalize(f: &mut RawFinding) {
    f.identifiers.retain(|id| !id.trim().is_empty());
    f.identifiers.sort();
    f.identifiers.dedup();
    if f.kind == FindingKind::Secret {
        f.snippet = None;
    }
    f.secret = f.secret.take().filter(|s| !s.trim().is_empty());
    if let Some(secret) = f.secret.as_deref() {
        f.message = redact(&f.message, secret);
        f.rule = redact(&f.rule, secret);
        if let Some(fp) = f.producer_fingerprint.as_mut() {
            *fp = redact(fp, secret);
        }
        if f.snippet.as_deref().is_some_and(|s| s.contains(secret)) {
            f.snippet = None;
        }
        if let Some(loc) = f.location.as_mut() {
            loc.path = redact(&loc.path, secret);
        }
    }
    let message = f.message.trim();
    if message.is_empty() {
        f.message = f.rule.clone();
    } else if message.len() != f.message.len() {
        f.message = message.to_string();
    }
    if let Some(s) = f.snippet.as_deref()
        && s.trim().is_empty()
    {
        f.snippet = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Location, Severity};

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(redact("key is s3cr3t!", "s3cr3t"), "key is [REDACTED]!");
        assert_eq!(redact("no secret here", ""), "no secret here");
    }

    #[test]
    fn findings_are_finalized() {
        let mut f = RawFinding {
            tool: "t".to_string(),
            tool_version: None,
            rule: "leak s3cr3t".to_string(),
            kind: FindingKind::Secret,
            severity: Severity::High,
            message: "  ".to_string(),
            identifiers: vec![
                "CWE-2".to_string(),
                " ".to_string(),
                "CWE-1".to_string(),
                "CWE-2".to_string(),
            ],
            location: Some(Location {
                path: "dir/s3cr3t.env".to_string(),
                start_line: None,
                end_line: None,
            }),
            package: None,
            producer_fingerprint: Some("fp:s3cr3t".to_string()),
            revision: None,
            origin: String::new(),
            snippet: Some("key = s3cr3t".to_string()),
            secret: Some("s3cr3t".to_string()),
            suppression: None,
        };
        finalize(&mut f);
        assert_eq!(f.identifiers, ["CWE-1", "CWE-2"]);
        assert_eq!(f.rule, "leak [REDACTED]");
        assert_eq!(f.message, "leak [REDACTED]");
        assert_eq!(f.producer_fingerprint.as_deref(), Some("fp:[REDACTED]"));
        assert_eq!(f.location.unwrap().path, "dir/[REDACTED].env");
        assert_eq!(f.snippet, None);
        assert_eq!(f.secret.as_deref(), Some("s3cr3t"));
    }
}
