//! TruffleHog v3 JSON Lines (`trufflehog git|github|filesystem … --json`, the Go scanner): one
//! result a line. Log lines mixed in (`2>&1`: `{"level": …, "logger": "trufflehog", …}`) are
//! counted in one warning.
//!
//! Mapping (secret findings): rule = `DetectorName` (`AWS`, `PrivateKey`, `URI` …); message =
//! `DetectorDescription` (else `<detector> detected a secret`), saying when TruffleHog verified
//! the credential as live; severity = `critical` for a verified credential, else `unknown`
//! (TruffleHog has no severity); location = the `file` and `line` of the one source in
//! `SourceMetadata.Data` (`Git`, `Github`, `Filesystem` …); revision = its `commit`; `Raw` (else
//! `RawV2`) → `secret`. TruffleHog before 3.14 (September 2022) wrote `Raw` base64-encoded;
//! such records have no `DecoderName`, and their `Raw` is decoded.
//!
//! Never read: `Redacted` (it keeps part of the credential: an AWS key id whole),
//! `ExtraData` and `StructuredData` (account ids, ARNs, user names), `SecretParts`, and the
//! source's `email`, `timestamp`, `link` and `repository`.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::Deserialize;
use serde_json::Value;

use super::common;
use super::stream::{Abort, Ctx, Obj, Text};
use crate::{FindingKind, RawFinding, Severity};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RecordIn {
    #[serde(rename = "SourceMetadata")]
    source_metadata: Obj<MetadataIn>,
    #[serde(rename = "DetectorName")]
    detector_name: Text,
    #[serde(rename = "DetectorType")]
    detector_type: Text,
    #[serde(rename = "DetectorDescription")]
    detector_description: Text,
    #[serde(rename = "DecoderName")]
    decoder_name: Option<Value>,
    #[serde(rename = "Verified")]
    verified: Value,
    #[serde(rename = "Raw")]
    raw: Text,
    #[serde(rename = "RawV2")]
    raw_v2: Text,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MetadataIn {
    #[serde(rename = "Data")]
    data: Obj<BTreeMap<String, Obj<SourceIn>>>,
}

/// The fields of a source's metadata that are read; the others (e-mail, timestamp …) are not.
#[derive(Deserialize, Default)]
#[serde(default)]
struct SourceIn {
    file: Text,
    line: Value,
    commit: Text,
}

/// Converts one record of a TruffleHog JSON Lines file.
pub(super) fn convert(ctx: &mut Ctx<'_>, r: RecordIn) -> Result<(), Abort> {
    if r.source_metadata.0.is_none() && r.detector_name.get().is_none() {
        ctx.skip(
            "TruffleHog log lines (its log mixed into the `--json` output) are not findings",
            ctx.path(),
        );
        return Ok(());
    }
    let rule = r
        .detector_name
        .owned()
        .or_else(|| r.detector_type.owned())
        .unwrap_or_else(|| {
            common::unknown_rule(
                ctx,
                ".DetectorName",
                "the result names no detector; its rule is recorded as `unknown`",
            )
        });
    let verified = r.verified.as_bool() == Some(true);
    let mut secret = r.raw.0.filter(|s| !s.is_empty());
    if r.decoder_name.is_none()
        && let Some(decoded) = secret.as_deref().and_then(decode_base64)
    {
        secret = Some(decoded);
        ctx.tally(
            "TruffleHog before 3.14 wrote `Raw` base64-encoded; it was decoded",
            ctx.path_with(".Raw"),
        );
    }
    let secret = secret.or(r.raw_v2.0.filter(|s| !s.is_empty()));
    let source = r
        .source_metadata
        .0
        .and_then(|m| m.data.0)
        .and_then(|data| data.into_values().find_map(|s| s.0));
    let line = source.as_ref().map_or(Value::Null, |s| s.line.clone());
    let location = common::location(
        ctx,
        (
            source.as_ref().and_then(|s| s.file.get()),
            ".SourceMetadata",
        ),
        (&line, "line"),
        (&Value::Null, "line"),
        &|field| format!(".SourceMetadata.Data.{field}"),
    );
    let mut message = r
        .detector_description
        .get()
        .map(|d| common::short(d, 200))
        .unwrap_or_else(|| format!("{rule} detected a secret"));
    if verified {
        message.push_str(" (verified as live by TruffleHog)");
    }
    let severity = if verified {
        Severity::Critical
    } else {
        Severity::Unknown
    };
    ctx.emit(RawFinding {
        message,
        location,
        revision: source.and_then(|s| s.commit.owned()),
        origin: ctx.path(),
        secret,
        ..common::finding("trufflehog", rule, FindingKind::Secret, severity)
    })
}

/// The text a standard base64 string encodes, if it is one (padded, a multiple of four long)
/// and decodes to UTF-8 text.
fn decode_base64(text: &str) -> Option<String> {
    if text.len() < 8 || !text.len().is_multiple_of(4) {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    String::from_utf8(bytes)
        .ok()
        .filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::super::testing::import_str;
    use super::*;

    /// The current output (TruffleHog 3.8x), written from `pkg/output/json.go`: `Raw` as text.
    #[test]
    fn current_records() {
        let text = concat!(
            r#"{"SourceMetadata":{"Data":{"Filesystem":{"file":"deploy/settings.env","line":2}}},"SourceID":1,"SourceType":15,"SourceName":"trufflehog - filesystem","DetectorType":2,"DetectorName":"AWS","DetectorDescription":"AWS (Amazon Web Services) is a comprehensive cloud computing platform.","DecoderName":"PLAIN","Verified":false,"VerificationFromCache":false,"Raw":"AKIAR4QZ7TYNW3VJXK5M","RawV2":"AKIAR4QZ7TYNW3VJXK5Mabc","Redacted":"AKIAR4QZ7TYNW3VJXK5M","ExtraData":{"account":"123456789012","resource_type":"Access key"},"StructuredData":null}"#,
            "\n",
            r#"{"SourceMetadata":{"Data":{"Git":{"commit":"3a0a3696aaaabbbbccccddddeeeeffff00001111","file":"app/x.py","email":"Bob <bob@example.com>","repository":"https://example.com/r.git","timestamp":"2024-01-01 00:00:00 +0000","line":7}}},"SourceID":1,"SourceType":16,"SourceName":"trufflehog - git","DetectorType":17,"DetectorName":"URI","DecoderName":"PLAIN","Verified":true,"Raw":"https://user:hunter2@example.com","RawV2":"","Redacted":"https://user:********@example.com","ExtraData":null,"StructuredData":null}"#,
            "\n"
        );
        let (findings, summary) = import_str(text);
        assert_eq!(summary.format, Format::Trufflehog);
        assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
        let aws = &findings[0];
        assert_eq!(aws.rule, "AWS");
        assert_eq!(aws.kind, FindingKind::Secret);
        assert_eq!(aws.severity, Severity::Unknown);
        assert_eq!(aws.secret.as_deref(), Some("AKIAR4QZ7TYNW3VJXK5M"));
        assert_eq!(
            aws.message,
            "AWS (Amazon Web Services) is a comprehensive cloud computing platform."
        );
        let loc = aws.location.as_ref().unwrap();
        assert_eq!(
            (loc.path.as_str(), loc.start_line),
            ("deploy/settings.env", Some(2))
        );
        assert_eq!(aws.origin, "line 1: $");
        let uri = &findings[1];
        assert_eq!(uri.severity, Severity::Critical);
        assert_eq!(
            uri.message,
            "URI detected a secret (verified as live by TruffleHog)"
        );
        assert_eq!(
            uri.revision.as_deref(),
            Some("3a0a3696aaaabbbbccccddddeeeeffff00001111")
        );
        for f in &findings {
            let json = serde_json::to_string(f).unwrap();
            for never in [
                "AKIA",
                "hunter2",
                "123456789012",
                "bob@example.com",
                "********",
            ] {
                assert!(!json.contains(never), "{never} in {json}");
            }
        }
    }

    /// `trufflehog … --json 2>&1`: the log (zap's JSON) comes first and between results.
    #[test]
    fn log_lines_mixed_in_are_counted() {
        let text = concat!(
            r#"{"level":"info-0","ts":"2026-12-07T07:00:00Z","logger":"trufflehog","msg":"running source","source_manager_worker_id":"x"}"#,
            "\n",
            r#"{"SourceMetadata":{"Data":{"Filesystem":{"file":"a.env","line":1}}},"DetectorName":"URI","DecoderName":"PLAIN","Verified":false,"Raw":"https://u:p@example.com"}"#,
            "\n",
            r#"{"level":"info-0","ts":"2026-12-07T07:00:01Z","logger":"trufflehog","msg":"finished scanning","chunks":2}"#,
            "\n"
        );
        let (findings, summary) = import_str(text);
        assert_eq!(summary.format, Format::Trufflehog);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].origin, "line 2: $");
        assert_eq!(summary.warnings.len(), 1, "{:?}", summary.warnings);
        assert!(
            summary.warnings[0]
                .message
                .starts_with("2 results not imported: TruffleHog log")
        );
    }

    #[test]
    fn base64_is_decoded_only_where_it_can_be() {
        assert_eq!(
            decode_base64("QUtJQVlWUDRDSVBQRVJVVklGWEc=").as_deref(),
            Some("AKIAYVP4CIPPERUVIFXG")
        );
        assert_eq!(decode_base64("AKIAR4QZ7TYNW3VJXK5M"), None);
        assert_eq!(decode_base64("https://user:pw@example.com"), None);
        assert_eq!(decode_base64("/w=="), None);
    }
}
