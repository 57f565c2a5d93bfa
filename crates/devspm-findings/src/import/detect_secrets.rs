//! detect-secrets JSON (`detect-secrets scan`, a baseline file): `results` maps each file to
//! the secrets found in it.
//!
//! Mapping (secret findings): rule = `type` (the plugin's name, `Secret Keyword`, `Hex High
//! Entropy String` …); location = the file and `line_number`; severity `unknown` (detect-secrets
//! has none). detect-secrets writes no secret value, only `hashed_secret`, an unkeyed SHA-1 of
//! it: that hash is not imported, not even as a fingerprint, since a weak secret can be found
//! again from it. Entries audited as false positives (`is_secret: false`) are not findings.

use serde::Deserialize;
use serde::de::Deserializer;
use serde_json::Value;

use super::common;
use super::stream::{Abort, Ctx, EachMember, Text, stream_object_field};
use super::uri;
use crate::{FindingKind, Location, RawFinding, Severity};

#[derive(Deserialize, Default)]
#[serde(default)]
struct SecretIn {
    #[serde(rename = "type")]
    ty: Text,
    filename: Text,
    line_number: Value,
    is_secret: Value,
    is_verified: Value,
}

/// Streams the secrets of a detect-secrets report.
pub(super) fn stream<'de, D: Deserializer<'de>>(d: D, ctx: &mut Ctx<'_>) -> Result<(), D::Error> {
    stream_object_field(d, ctx, "results", || {
        EachMember::elements(|ctx: &mut Ctx<'_>, file: &str, s: SecretIn| convert(ctx, file, s))
    })
}

fn convert(ctx: &mut Ctx<'_>, file: &str, s: SecretIn) -> Result<(), Abort> {
    if s.is_secret.as_bool() == Some(false) {
        ctx.skip(
            "they were audited as not secrets (`is_secret: false`)",
            ctx.path(),
        );
        return Ok(());
    }
    let rule = s.ty.owned().unwrap_or_else(|| "unknown".to_string());
    let (start_line, end_line) = common::line_range(
        ctx,
        (&s.line_number, "line_number"),
        (&Value::Null, "line_number"),
        &|field| format!(".{field}"),
    );
    let path = s.filename.get().unwrap_or(file);
    let verified = if s.is_verified.as_bool() == Some(true) {
        " (verified as live by detect-secrets)"
    } else {
        ""
    };
    ctx.emit(RawFinding {
        message: format!("{rule} detected{verified}"),
        location: Some(Location {
            path: uri::normalize_path(path),
            start_line,
            end_line,
        }),
        origin: ctx.path(),
        ..common::finding(
            "detect-secrets",
            rule,
            FindingKind::Secret,
            Severity::Unknown,
        )
    })
}
