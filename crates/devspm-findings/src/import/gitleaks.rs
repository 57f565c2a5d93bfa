//! gitleaks JSON reports (`gitleaks git|dir --report-format json`): a top-level array of leaks,
//! each one a secret finding.
//!
//! Mapping: `RuleID` → rule; `Description` → message (with the secret redacted should it
//! appear); `File` + `StartLine`/`EndLine` → location; `Commit` → revision; `Fingerprint`
//! (`commit:file:rule:line`) → `Fingerprint:<value>`; `Secret` → `secret`. gitleaks assigns
//! no severity, so it is `unknown`. `Match` and `Line` hold the secret and are never read, nor
//! are the author's name and e-mail; there is no snippet. A report written with `--redact` has
//! no secret value: the finding then has none, and a warning says so.

use serde::Deserialize;
use serde::de::Deserializer;
use serde_json::Value;

use super::common::{self, ids_in_text};
use super::stream::{Abort, Array, Ctx, Each, List, Text};
use crate::{FindingKind, RawFinding, Severity};

#[derive(Deserialize, Default)]
#[serde(default)]
struct LeakIn {
    #[serde(rename = "RuleID")]
    rule_id: Text,
    #[serde(rename = "Description")]
    description: Text,
    #[serde(rename = "StartLine")]
    start_line: Value,
    #[serde(rename = "EndLine")]
    end_line: Value,
    #[serde(rename = "Secret")]
    secret: Text,
    #[serde(rename = "File")]
    file: Text,
    #[serde(rename = "Commit")]
    commit: Text,
    #[serde(rename = "Fingerprint")]
    fingerprint: Text,
    #[serde(rename = "Tags")]
    tags: List<Text>,
}

/// Streams the leaks of a gitleaks report.
pub(super) fn stream<'de, D: Deserializer<'de>>(d: D, ctx: &mut Ctx<'_>) -> Result<(), D::Error> {
    serde::de::DeserializeSeed::deserialize(Array::strict(ctx, Each::new(convert)), d)?;
    Ok(())
}

/// Whether gitleaks replaced the secret (`--redact` writes `REDACTED`, `--redact=N` keeps a
/// prefix and appends `...`).
fn redacted(secret: &str) -> bool {
    secret == "REDACTED" || secret.ends_with("...")
}

fn convert(ctx: &mut Ctx<'_>, leak: LeakIn) -> Result<(), Abort> {
    let rule = leak.rule_id.owned().unwrap_or_else(|| {
        common::unknown_rule(
            ctx,
            ".RuleID",
            "the leak names no rule; its rule is recorded as `unknown`",
        )
    });
    let mut secret = leak.secret.0.filter(|s| !s.is_empty());
    if secret.as_deref().is_some_and(redacted) {
        secret = None;
        ctx.tally(
            "gitleaks redacted the secret (`--redact`), so no secret value is imported",
            ctx.path_with(".Secret"),
        );
    }
    let location = common::location(
        ctx,
        (leak.file.get(), ".File"),
        (&leak.start_line, "StartLine"),
        (&leak.end_line, "EndLine"),
        &|field| format!(".{field}"),
    );
    let mut identifiers = Vec::new();
    for tag in leak.tags.iter().filter_map(Text::get) {
        ids_in_text(tag, &mut identifiers);
    }
    let message = leak
        .description
        .owned()
        .unwrap_or_else(|| format!("{rule} detected a secret"));
    ctx.emit(RawFinding {
        message,
        identifiers,
        location,
        producer_fingerprint: leak.fingerprint.owned().map(|f| format!("Fingerprint:{f}")),
        revision: leak.commit.owned(),
        origin: ctx.path(),
        secret,
        ..common::finding("gitleaks", rule, FindingKind::Secret, Severity::Unknown)
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::import_str;
    use crate::FindingKind;

    #[test]
    fn leaks_become_secret_findings_without_the_secret_in_text() {
        let report = r#"[
          {"RuleID": "generic-api-key",
           "Description": "Found token ghp_abcdefghijklmnopqrstuvwxyz0123456789 in code",
           "StartLine": 3, "EndLine": 3, "StartColumn": 2, "EndColumn": 60,
           "Match": "TOKEN = \"ghp_abcdefghijklmnopqrstuvwxyz0123456789\"",
           "Secret": "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
           "File": ".\\src\\app.py", "SymlinkFile": "",
           "Commit": "cd5226711335c68be1e720b318b7bc3135a30eb2",
           "Entropy": 5.2, "Author": "A", "Email": "a@example.com", "Date": "", "Message": "",
           "Tags": [], "Fingerprint": "cd5226711335c68be1e720b318b7bc3135a30eb2:src/app.py:generic-api-key:3"},
          {"RuleID": "aws-access-token", "Description": "AWS", "StartLine": 0, "EndLine": 0,
           "Secret": "REDACTED", "File": "x.env", "Fingerprint": "x.env:aws-access-token:0"}
        ]"#;
        let (findings, summary) = import_str(report);
        assert_eq!(findings.len(), 2);
        let f = &findings[0];
        assert_eq!(f.kind, FindingKind::Secret);
        assert_eq!(
            f.secret.as_deref(),
            Some("ghp_abcdefghijklmnopqrstuvwxyz0123456789")
        );
        assert_eq!(f.message, "Found token [REDACTED] in code");
        assert!(f.snippet.is_none());
        let loc = f.location.as_ref().unwrap();
        assert_eq!(loc.path, "src/app.py");
        assert_eq!((loc.start_line, loc.end_line), (Some(3), Some(3)));
        assert_eq!(
            f.revision.as_deref(),
            Some("cd5226711335c68be1e720b318b7bc3135a30eb2")
        );
        assert_eq!(f.origin, "$[0]");
        let json = serde_json::to_string(f).unwrap();
        assert!(!json.contains("ghp_abc"), "{json}");
        assert!(!json.contains("a@example.com"), "{json}");

        let g = &findings[1];
        assert!(g.secret.is_none());
        assert_eq!(g.location.as_ref().unwrap().start_line, None);
        assert_eq!(summary.warnings.len(), 2, "{:?}", summary.warnings);
    }
}
