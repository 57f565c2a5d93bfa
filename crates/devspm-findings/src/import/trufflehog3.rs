//! trufflehog3 JSON (`trufflehog3 -f JSON`, the Python scanner): a top-level array of
//! findings, each a secret found by a rule in a file, optionally at a commit.
//!
//! Mapping (secret findings): rule = `rule.id`; message = `rule.message` (with the secret
//! redacted should it appear); severity = `rule.severity`; location = `path` and `line`;
//! revision = `commit`; `secret` → `secret`. The `context` lines hold the secret and are never
//! read, nor are the commit's author and message; the finding's `id` is not imported either
//! (it is derived from the secret).

use serde::Deserialize;
use serde::de::Deserializer;
use serde_json::Value;

use super::common;
use super::stream::{Abort, Array, Ctx, Each, Obj, Text};
use crate::{FindingKind, RawFinding, Severity};

#[derive(Deserialize, Default)]
#[serde(default)]
struct FindingIn {
    rule: Obj<RuleIn>,
    path: Text,
    line: Value,
    secret: Text,
    commit: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RuleIn {
    id: Text,
    message: Text,
    severity: Text,
}

/// Streams the findings of a trufflehog3 report.
pub(super) fn stream<'de, D: Deserializer<'de>>(d: D, ctx: &mut Ctx<'_>) -> Result<(), D::Error> {
    serde::de::DeserializeSeed::deserialize(Array::strict(ctx, Each::new(convert)), d)?;
    Ok(())
}

fn convert(ctx: &mut Ctx<'_>, f: FindingIn) -> Result<(), Abort> {
    let rule_in = f.rule.0.unwrap_or_default();
    let rule = rule_in.id.owned().unwrap_or_else(|| "unknown".to_string());
    let location = common::location(
        ctx,
        (f.path.get(), ".path"),
        (&f.line, "line"),
        (&Value::Null, "line"),
        &|field| format!(".{field}"),
    );
    ctx.emit(RawFinding {
        message: rule_in
            .message
            .owned()
            .unwrap_or_else(|| format!("{rule} detected a secret")),
        location,
        revision: f.commit.owned(),
        origin: ctx.path(),
        secret: f.secret.0.filter(|s| !s.is_empty()),
        ..common::finding(
            "trufflehog3",
            rule,
            FindingKind::Secret,
            rule_in
                .severity
                .get()
                .and_then(common::severity_word)
                .unwrap_or(Severity::Unknown),
        )
    })
}
