//! Semgrep JSON (`semgrep scan --json`): `results[]`, each a rule's match in a file, beside
//! `errors`, `paths` and the scanner's `version`.
//!
//! Mapping (code findings, the same as from Semgrep's SARIF): rule = `check_id`; message =
//! `extra.message`; severity = `extra.severity` (`ERROR` → high, `WARNING` → medium, `INFO` →
//! low, as their SARIF levels; the newer `CRITICAL`/`HIGH`/`MEDIUM`/`LOW` as written);
//! identifiers = CWE/CVE/GHSA ids in `check_id` and in the rule's `metadata` (`cwe`, `cve`,
//! `ghsa_id`, a string or a list); location = `path` with `start.line`–`end.line`; snippet =
//! `extra.lines`; fingerprint = `extra.fingerprint` as `matchBasedId/v1:<value>` (the name
//! Semgrep's SARIF gives it). Without a login Semgrep writes `requires login` in place of the
//! lines and the fingerprint: then there is neither. Results ignored in the source
//! (`nosemgrep`, `extra.is_ignored`) are findings the scanner suppressed
//! ([`RawFinding::suppression`]: ignored by the scanner, never gated); tool version from the top-level
//! `version`; the `errors` Semgrep lists are counted in one warning. `metavars` and
//! `dataflow_trace` are never read.

use serde::Deserialize;
use serde::de::Deserializer;
use serde_json::{Map, Value};

use super::common::{self, ids_in_text};
use super::stream::{Abort, Ctx, Each, Obj, Text, stream_array_field};
use crate::{FindingKind, RawFinding, Severity, Suppression};

/// What Semgrep writes in place of data it keeps for logged-in users.
const REQUIRES_LOGIN: &str = "requires login";

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResultIn {
    check_id: Text,
    path: Text,
    start: Obj<PositionIn>,
    end: Obj<PositionIn>,
    extra: Obj<ExtraIn>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PositionIn {
    line: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExtraIn {
    message: Text,
    severity: Text,
    metadata: Obj<Map<String, Value>>,
    lines: Text,
    fingerprint: Text,
    is_ignored: Value,
}

/// Streams the results of a Semgrep JSON report; `version` is the report's top-level one,
/// `errors` how many `errors` it lists.
pub(super) fn stream<'de, D: Deserializer<'de>>(
    d: D,
    ctx: &mut Ctx<'_>,
    version: Option<String>,
    errors: u64,
) -> Result<(), D::Error> {
    if errors > 0 {
        ctx.warn(
            "$.errors".to_string(),
            format!(
                "Semgrep reported {errors} error{} (a file it could not parse, a rule that \
                 failed …): its results may be incomplete",
                if errors == 1 { "" } else { "s" }
            ),
        );
    }
    let version = version.as_deref();
    stream_array_field(d, ctx, "results", || {
        Each::new(move |ctx: &mut Ctx<'_>, r: ResultIn| convert(ctx, version, r))
    })
}

/// A Semgrep severity: its SARIF level's (`ERROR` → high …), or a severity word.
fn severity(word: &str) -> Option<Severity> {
    match word.trim().to_ascii_uppercase().as_str() {
        "ERROR" => Some(Severity::High),
        "WARNING" => Some(Severity::Medium),
        "INFO" => Some(Severity::Low),
        "INVENTORY" | "EXPERIMENT" => Some(Severity::Info),
        _ => common::severity_word(word),
    }
}

/// Semgrep's value of a field it keeps for logged-in users, unless it is the placeholder.
fn unless_login(text: &Text) -> Option<&str> {
    text.get()
        .filter(|t| !t.eq_ignore_ascii_case(REQUIRES_LOGIN))
}

fn convert(ctx: &mut Ctx<'_>, version: Option<&str>, r: ResultIn) -> Result<(), Abort> {
    let extra = r.extra.0.unwrap_or_default();
    // Semgrep sets `is_ignored` on a match a `nosemgrep` comment covers (reported with
    // `--disable-nosem`, or by the app): recorded as ignored by the scanner, never dropped.
    let suppression = (extra.is_ignored.as_bool() == Some(true)).then(|| Suppression {
        kind: "inSource".to_owned(),
        justification: Some("nosemgrep".to_owned()),
    });
    let rule = r.check_id.owned().unwrap_or_else(|| {
        common::unknown_rule(
            ctx,
            ".check_id",
            "the result names no rule; its rule is recorded as `unknown`",
        )
    });
    let mut identifiers = Vec::new();
    ids_in_text(&rule, &mut identifiers);
    if let Some(metadata) = extra.metadata.get() {
        for key in ["cwe", "cve", "ghsa_id"] {
            match metadata.get(key) {
                Some(Value::String(s)) => ids_in_text(s, &mut identifiers),
                Some(Value::Array(list)) => list
                    .iter()
                    .filter_map(Value::as_str)
                    .for_each(|s| ids_in_text(s, &mut identifiers)),
                _ => {}
            }
        }
    }
    let start = r.start.get().map_or(Value::Null, |p| p.line.clone());
    let end = r.end.get().map_or(Value::Null, |p| p.line.clone());
    let location = common::location(
        ctx,
        (r.path.get(), ".path"),
        (&start, "start"),
        (&end, "end"),
        &|field| format!(".{field}.line"),
    );
    let severity = extra
        .severity
        .get()
        .and_then(severity)
        .unwrap_or(Severity::Unknown);
    ctx.emit(RawFinding {
        tool_version: version.map(str::to_string),
        message: extra.message.owned().unwrap_or_default(),
        identifiers,
        location,
        producer_fingerprint: unless_login(&extra.fingerprint)
            .map(|f| format!("matchBasedId/v1:{}", f.trim())),
        origin: ctx.path(),
        snippet: unless_login(&extra.lines).map(str::to_string),
        suppression,
        ..common::finding("semgrep", rule, FindingKind::Code, severity)
    })
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::super::testing::import_str;
    use super::*;

    #[test]
    fn logged_in_results_keep_lines_and_fingerprints() {
        let report = r#"{"version": "1.97.0", "errors": [{"code": 3, "level": "warn",
          "type": ["PartialParsing", []], "message": "Syntax error", "path": "b.py"}], "results": [
          {"check_id": "python.lang.security.audit.dangerous-subprocess-use",
           "path": "app/run.py", "start": {"line": 4, "col": 5}, "end": {"line": 5, "col": 9},
           "extra": {"message": "Detected subprocess function with user input",
                     "severity": "ERROR",
                     "metadata": {"cwe": ["CWE-78: Improper Neutralization"],
                                  "owasp": ["A01:2017 - Injection"]},
                     "lines": "    subprocess.run(cmd,\n        shell=True)",
                     "fingerprint": "0f8c79a6", "is_ignored": false}},
          {"check_id": "x", "path": "b.py", "start": {"line": 1}, "end": {"line": 1},
           "extra": {"message": "m", "severity": "INFO", "is_ignored": true}}],
          "paths": {"scanned": ["app/run.py"]}}"#;
        let (findings, summary) = import_str(report);
        assert_eq!(summary.format, Format::Semgrep);
        assert_eq!(findings.len(), 2);
        assert_eq!(findings[0].suppression, None);
        assert_eq!(
            findings[1].suppression,
            Some(Suppression {
                kind: "inSource".into(),
                justification: Some("nosemgrep".into())
            })
        );
        let f = &findings[0];
        assert_eq!(f.tool_version.as_deref(), Some("1.97.0"));
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.identifiers, ["CWE-78"]);
        assert_eq!(
            f.producer_fingerprint.as_deref(),
            Some("matchBasedId/v1:0f8c79a6")
        );
        let loc = f.location.as_ref().unwrap();
        assert_eq!((loc.start_line, loc.end_line), (Some(4), Some(5)));
        assert!(f.snippet.as_deref().unwrap().contains("shell=True"));
        assert_eq!(summary.warnings.len(), 1, "{:?}", summary.warnings);
        assert!(
            summary.warnings[0]
                .message
                .starts_with("Semgrep reported 1 error ")
        );
    }
}
