//! cargo-deny JSON Lines (`cargo deny --format json check`): one record a line, each
//! `{"type": …, "fields": {…}}`: a `diagnostic`, a `log` line or the closing `summary`.
//!
//! Mapping (dependency findings, ecosystem `crates.io`, as for cargo-audit, whose advisory
//! conversion this shares): a diagnostic with an `advisory` is one finding; rule =
//! `advisory.id`; identifiers = it and `advisory.aliases`; severity = the CVSS v3 score of
//! `advisory.cvss` (unknown without one), `info` for informational advisories
//! (`advisory.informational` or the diagnostic `code`: `unmaintained`, `unsound`, `notice`);
//! message = `advisory.title` (prefixed `[unsound]` etc. for informational ones); package =
//! the crate of `graphs[0].Krate` (else `advisory.package`); fixes = the versions of the
//! `Solution: Upgrade to …` note. The diagnostic's `severity` (`error`, `warning`) is the lint
//! level the user configured, not the advisory's, and is not read. Its labels point into a
//! crate list cargo-deny synthesises, not into `Cargo.lock`, so there is no location (the
//! lockfile line is found from the crate's name and version, as for cargo-audit).
//!
//! Diagnostics without an advisory — yanked crates, and the licence, ban and source checks —
//! are not findings and are counted in one warning; `log` records at level `ERROR` or `WARN`
//! (an advisory database that could not be fetched …) become warnings.

use serde::Deserialize;

use super::cargo_audit::{AdvisoryIn, Krate, emit_advisory};
use super::common;
use super::stream::{Abort, Ctx, List, Obj, Text};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RecordIn {
    #[serde(rename = "type")]
    ty: Text,
    fields: Obj<FieldsIn>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FieldsIn {
    code: Text,
    advisory: Obj<AdvisoryIn>,
    graphs: List<Obj<GraphIn>>,
    notes: List<Text>,
    /// Of a `log` record.
    level: Text,
    message: Text,
}

/// One root of the dependency graph of the affected crate (its `parents` are not read).
#[derive(Deserialize, Default)]
#[serde(default)]
struct GraphIn {
    #[serde(rename = "Krate")]
    krate: Obj<KrateIn>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct KrateIn {
    name: Text,
    version: Text,
}

/// Converts one record of a cargo-deny JSON Lines file.
pub(super) fn convert(ctx: &mut Ctx<'_>, record: RecordIn) -> Result<(), Abort> {
    let fields = record.fields.0.unwrap_or_default();
    match record.ty.get() {
        Some("diagnostic") => {}
        Some("log") => {
            let level = fields.level.get().unwrap_or("").to_ascii_uppercase();
            if level == "ERROR" || level.starts_with("WARN") {
                let message = fields.message.get().map(|m| common::short(m, 300));
                ctx.warn(
                    ctx.path_with(".fields.message"),
                    format!(
                        "cargo-deny logged {}: {}; its results may be incomplete",
                        if level == "ERROR" {
                            "an error"
                        } else {
                            "a warning"
                        },
                        message.unwrap_or_default()
                    ),
                );
            }
            return Ok(());
        }
        _ => return Ok(()),
    }
    let Some(advisory) = fields.advisory.0 else {
        ctx.skip(
            "cargo-deny diagnostics without an advisory (yanked crates, licence, ban and source \
             checks) are not findings",
            ctx.path(),
        );
        return Ok(());
    };
    let code = fields.code.owned();
    let informational = advisory
        .informational
        .owned()
        .or(code.filter(|c| c != "vulnerability"));
    let krate = fields
        .graphs
        .iter()
        .filter_map(Obj::get)
        .find_map(|g| g.krate.get())
        .map(|k| (k.name.owned(), k.version.owned()))
        .unwrap_or_default();
    let krate = Krate {
        name: krate.0,
        version: krate.1,
        fixed: fields
            .notes
            .iter()
            .filter_map(Text::get)
            .find_map(patched)
            .unwrap_or_default(),
    };
    emit_advisory(ctx, "cargo-deny", advisory, krate, informational.as_deref())
}

/// The versions of a note `Solution: Upgrade to >=1.2.3 OR >=2.0.1, <2.1 (try `cargo update -p
/// x`)`; `None` for any other note (`Solution: No safe upgrade is available!` gives none).
fn patched(note: &str) -> Option<Vec<String>> {
    let rest = note.trim().strip_prefix("Solution: Upgrade to ")?;
    let rest = rest
        .split_once(" (try ")
        .map_or(rest, |(versions, _)| versions);
    Some(
        rest.split(" OR ")
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::Format;
    use super::super::testing::{import_str, import_str_err};
    use super::*;
    use crate::Severity;

    #[test]
    fn upgrade_notes_give_the_fixes() {
        assert_eq!(
            patched("Solution: Upgrade to >=0.4.16 (try `cargo update -p h2`)"),
            Some(vec![">=0.4.16".to_string()])
        );
        assert_eq!(
            patched("Solution: Upgrade to >=1.2.3 OR >=2.0.1, <2.1"),
            Some(vec![">=1.2.3".to_string(), ">=2.0.1, <2.1".to_string()])
        );
        assert_eq!(patched("Solution: No safe upgrade is available!"), None);
        assert_eq!(patched("ID: RUSTSEC-2026-0190"), None);
    }

    #[test]
    fn records_on_their_lines() {
        let text = concat!(
            r#"{"fields":{"level":"ERROR","message":"failed to fetch crates\n\nCaused by: offline","timestamp":"x"},"type":"log"}"#,
            "\n\n",
            r#"{"fields":{"advisory":{"id":"RUSTSEC-2026-0194","aliases":["GHSA-aaaa-bbbb-cccc"],"cvss":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H","informational":null,"package":"quick-xml","title":"Quadratic run time"},"code":"vulnerability","graphs":[{"Krate":{"name":"quick-xml","version":"0.39.4"},"parents":[{"Krate":{"name":"calamine","version":"0.35.0"}}]}],"labels":[{"line":434,"column":1,"message":"security vulnerability detected","span":"quick-xml 0.39.4 registry+https://github.com/rust-lang/crates.io-index"}],"message":"Quadratic run time","notes":["ID: RUSTSEC-2026-0194","Solution: Upgrade to >=0.41.0 (try `cargo update -p quick-xml`)"],"severity":"error"},"type":"diagnostic"}"#,
            "\n",
            r#"{"fields":{"code":"yanked","graphs":[],"labels":[],"message":"detected yanked crate","severity":"warning"},"type":"diagnostic"}"#,
            "\n",
            r#"{"fields":{"advisories":{"errors":1,"helps":0,"notes":0,"warnings":1}},"type":"summary"}"#,
            "\n"
        );
        let (findings, summary) = import_str(text);
        assert_eq!(summary.format, Format::CargoDeny);
        assert_eq!(summary.tools, ["cargo-deny"]);
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!(f.tool, "cargo-deny");
        assert_eq!(f.rule, "RUSTSEC-2026-0194");
        assert_eq!(f.identifiers, ["GHSA-aaaa-bbbb-cccc", "RUSTSEC-2026-0194"]);
        assert_eq!(f.severity, Severity::High);
        assert_eq!(f.origin, "line 3: $");
        assert!(f.location.is_none());
        let p = f.package.as_ref().unwrap();
        assert_eq!(
            (p.name.as_str(), p.version.as_str()),
            ("quick-xml", "0.39.4")
        );
        assert_eq!(p.fixed, [">=0.41.0"]);
        let warnings: Vec<String> = summary.warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].starts_with(
                "line 1: $.fields.message: cargo-deny logged an error: failed to fetch crates"
            ),
            "{warnings:?}"
        );
        assert!(
            warnings[1].starts_with("line 4: $: 1 result not imported"),
            "{warnings:?}"
        );
    }

    #[test]
    fn a_broken_record_fails_before_any_finding() {
        let text = concat!(
            r#"{"fields":{"advisory":{"id":"RUSTSEC-2026-0001"},"code":"vulnerability"},"type":"diagnostic"}"#,
            "\n",
            r#"{"fields":{"advisory":{"id":"RUSTSEC-2026-0002"},"code":"vulner"#,
        );
        let err = import_str_err(text);
        let message = err.to_string();
        assert!(message.starts_with("test.json:2:"), "{message}");
        assert!(message.contains("truncated"), "{message}");
        assert!(message.contains("line 2: $"), "{message}");
        // Another format's file still holds one document.
        let err = import_str_err("{\"version\": \"2.1.0\", \"runs\": []}\n{\"runs\": []}\n");
        assert!(err.to_string().contains("JSON Lines"), "{err}");
    }
}
