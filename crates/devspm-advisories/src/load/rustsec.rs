//! RustSec advisory-db's native advisories → [`Advisory`].
//!
//! An advisory is a Markdown file whose first block is a ```` ```toml ```` fence holding
//! `[advisory]` (id, package, date, aliases, cvss, informational, withdrawn, url,
//! references…), `[versions]` (`patched` and `unaffected` requirement lists) and optionally
//! `[affected]` (`functions`, `os`, `arch`); the Markdown after it opens with a `# Title`,
//! which becomes the summary. Affected versions are kept as the requirements themselves
//! ([`crate::model::Requirements`]) and evaluated as RustSec does: affected = not patched
//! and not unaffected.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::osv::informational_severity;
use super::{FileOutcome, MAX_REFERENCES, Problem, line_of, one_line};
use crate::model::{
    Advisory, AdvisorySource, Affected, Cvss, Informational, Requirements, SourceFormat,
};
use crate::version::semver::Requirement;

#[derive(Deserialize)]
struct RawFile {
    advisory: RawAdvisory,
    #[serde(default)]
    versions: Option<RawVersions>,
    #[serde(default)]
    affected: Option<RawAffected>,
}

#[derive(Deserialize)]
struct RawAdvisory {
    id: String,
    package: String,
    #[serde(default)]
    date: Option<toml::Value>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    cvss: Option<String>,
    #[serde(default)]
    informational: Option<String>,
    #[serde(default)]
    withdrawn: Option<toml::Value>,
    #[serde(default)]
    references: Vec<String>,
}

#[derive(Deserialize)]
struct RawVersions {
    #[serde(default)]
    patched: Vec<String>,
    #[serde(default)]
    unaffected: Vec<String>,
}

#[derive(Deserialize)]
struct RawAffected {
    #[serde(default)]
    functions: BTreeMap<String, Vec<String>>,
}

const FENCE_OPEN: &str = "```toml";

/// Whether `bytes` open with the TOML fence of a RustSec advisory.
pub(crate) fn is_rustsec(bytes: &[u8]) -> bool {
    let text = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(text.len());
    text[start..].starts_with(FENCE_OPEN.as_bytes())
}

/// A date-like TOML value as text (a string, or a TOML date literal).
fn date_text(value: Option<toml::Value>) -> Option<String> {
    match value? {
        toml::Value::String(s) => Some(s),
        toml::Value::Datetime(d) => Some(d.to_string()),
        other => Some(other.to_string()),
    }
}

/// Parses one RustSec native advisory (`file` names it in the advisory's source).
pub fn parse_rustsec(file: &str, bytes: &[u8]) -> FileOutcome {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return FileOutcome::Skipped(Problem::new(None, "not UTF-8"));
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(open) = text.find(FENCE_OPEN) else {
        return FileOutcome::Skipped(Problem::new(
            Some(1),
            "not a RustSec advisory: no ```toml front matter",
        ));
    };
    let after_open = &text[open + FENCE_OPEN.len()..];
    let Some(body_start) = after_open.find('\n').map(|i| i + 1) else {
        return FileOutcome::Skipped(Problem::new(
            Some(1),
            "the ```toml front matter is never closed",
        ));
    };
    let front_and_rest = &after_open[body_start..];
    // The closing fence: the first line that is exactly ``` (trailing spaces allowed).
    let mut offset = 0;
    let mut close = None;
    for line in front_and_rest.split_inclusive('\n') {
        if line.trim_end() == "```" {
            close = Some(offset);
            break;
        }
        offset += line.len();
    }
    let Some(close) = close else {
        return FileOutcome::Skipped(Problem::new(
            Some(1),
            "the ```toml front matter is never closed",
        ));
    };
    let front = &front_and_rest[..close];
    let markdown = &front_and_rest[close..];
    let front_offset = text.len() - front_and_rest.len();

    let raw: RawFile = match toml::from_str(front) {
        Ok(raw) => raw,
        Err(e) => {
            let line = e
                .span()
                .map(|span| line_of(text.as_bytes(), front_offset + span.start));
            return FileOutcome::Skipped(Problem::new(
                line,
                format!("invalid TOML front matter: {}", e.message().trim()),
            ));
        }
    };
    convert(file, raw, markdown)
}

fn convert(file: &str, raw: RawFile, markdown: &str) -> FileOutcome {
    let mut problems = Vec::new();
    let a = raw.advisory;
    let id = a.id.trim().to_string();
    if id.is_empty() || a.package.trim().is_empty() {
        return FileOutcome::Skipped(Problem::new(
            None,
            "[advisory] needs a non-empty `id` and `package`",
        ));
    }
    let Some(versions) = raw.versions else {
        return FileOutcome::Skipped(Problem::new(
            None,
            format!("{id}: no [versions] table, so no way to tell affected versions"),
        ));
    };
    let mut fixed = Vec::new();
    for (list, name) in [
        (&versions.patched, "patched"),
        (&versions.unaffected, "unaffected"),
    ] {
        for requirement in list {
            match Requirement::parse(requirement) {
                Some(parsed) => {
                    if name == "patched"
                        && let Some(bound) = parsed.lower_bound()
                        && !fixed.contains(&bound)
                    {
                        fixed.push(bound);
                    }
                }
                None => problems.push(Problem::new(
                    None,
                    format!("{id}: unreadable {name} requirement {requirement:?}, ignored"),
                )),
            }
        }
    }
    let informational = a.informational.as_deref().map(Informational::parse);
    let (cvss, severity) = match a.cvss.as_deref().map(|v| (v, Cvss::assess(v))) {
        Some((_, Some((cvss, severity)))) => (Some(cvss), severity),
        Some((vector, None)) => {
            problems.push(Problem::new(
                None,
                format!("{id}: unreadable CVSS vector {vector:?}"),
            ));
            (None, informational_severity(informational.as_ref()))
        }
        None => (None, informational_severity(informational.as_ref())),
    };
    let summary = markdown
        .lines()
        .find_map(|l| l.trim().strip_prefix("# "))
        .and_then(one_line);
    let mut references = vec![format!("https://rustsec.org/advisories/{id}.html")];
    for url in a.url.into_iter().chain(a.references) {
        let url = url.trim().to_string();
        if !url.is_empty() && !references.contains(&url) && references.len() < MAX_REFERENCES {
            references.push(url);
        }
    }
    let functions = raw
        .affected
        .map(|affected| affected.functions.into_keys().collect())
        .unwrap_or_default();
    let affected = Affected {
        ecosystem: "crates.io".to_string(),
        name: a.package.trim().to_string(),
        ranges: Vec::new(),
        versions: Vec::new(),
        requirements: Some(Requirements {
            patched: versions
                .patched
                .iter()
                .map(|s| s.trim().to_string())
                .collect(),
            unaffected: versions
                .unaffected
                .iter()
                .map(|s| s.trim().to_string())
                .collect(),
        }),
        fixed,
        functions,
    };
    let advisory = Advisory {
        aliases: a
            .aliases
            .into_iter()
            .filter(|alias| !alias.trim().is_empty() && *alias != id)
            .collect(),
        id,
        summary,
        severity,
        cvss,
        informational,
        published: date_text(a.date),
        modified: None,
        withdrawn: date_text(a.withdrawn),
        affected: vec![affected],
        references,
        source: AdvisorySource {
            format: SourceFormat::Rustsec,
            file: file.to_string(),
        },
    };
    FileOutcome::Advisory(Box::new(advisory), problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Severity;

    const TOKIO_RUSTLS: &str = r#"```toml
[advisory]
id = "RUSTSEC-2020-0019"
package = "tokio-rustls"
aliases = ["CVE-2020-35875", "GHSA-2jfv-g3fh-xq3v"]
cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
categories = ["denial-of-service"]
date = "2020-05-19"
keywords = ["tls", "ssl", "DoS"]
url = "https://github.com/tokio-rs/tls/pull/14"

[versions]
patched = [">= 0.12.3, < 0.13.0", ">= 0.13.1"]
unaffected = ["< 0.12"]
```

# tokio-rustls reads may cause excessive memory usage

`tokio-rustls` does not call `process_new_packets` immediately after `read`,
"#;

    fn advisory(outcome: FileOutcome) -> (Advisory, Vec<Problem>) {
        match outcome {
            FileOutcome::Advisory(a, p) => (*a, p),
            FileOutcome::Skipped(p) => panic!("skipped: {p:?}"),
        }
    }

    #[test]
    fn reads_a_real_advisory() {
        // crates/tokio-rustls/RUSTSEC-2020-0019.md of rustsec/advisory-db (CC0-1.0), cut.
        let (a, problems) = advisory(parse_rustsec("t.md", TOKIO_RUSTLS.as_bytes()));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(a.id, "RUSTSEC-2020-0019");
        assert_eq!(a.aliases, vec!["CVE-2020-35875", "GHSA-2jfv-g3fh-xq3v"]);
        assert_eq!(
            a.summary.as_deref(),
            Some("tokio-rustls reads may cause excessive memory usage")
        );
        assert_eq!(a.severity, Severity::High);
        assert_eq!(a.cvss.as_ref().and_then(|c| c.score), Some(7.5));
        assert_eq!(a.published.as_deref(), Some("2020-05-19"));
        assert_eq!(a.affected[0].name, "tokio-rustls");
        assert_eq!(a.affected[0].fixed, vec!["0.12.3", "0.13.1"]);
        assert_eq!(
            a.references,
            vec![
                "https://rustsec.org/advisories/RUSTSEC-2020-0019.html",
                "https://github.com/tokio-rs/tls/pull/14"
            ]
        );
        assert!(is_rustsec(TOKIO_RUSTLS.as_bytes()));
        assert!(!is_rustsec(b"# README\n```toml\n"));
    }

    #[test]
    fn informational_and_withdrawn() {
        let text = "```toml\n[advisory]\nid = \"RUSTSEC-2022-0044\"\npackage = \"markdown\"\ndate = 2022-01-17\nwithdrawn = \"2025-04-28\"\ninformational = \"unmaintained\"\n\n[versions]\npatched = [\">= 1.0.0-alpha.1\"]\n```\n\n# `markdown` is maintained\n";
        let (a, _) = advisory(parse_rustsec("m.md", text.as_bytes()));
        assert_eq!(a.informational, Some(Informational::Unmaintained));
        assert_eq!(a.severity, Severity::Info);
        assert_eq!(a.withdrawn.as_deref(), Some("2025-04-28"));
        assert_eq!(a.published.as_deref(), Some("2022-01-17"));
        assert!(a.is_withdrawn());
    }

    #[test]
    fn errors_name_the_file_line() {
        let text = "```toml\n[advisory]\nid = \"RUSTSEC-1\"\npackage = \"x\"\ndate = \n\n[versions]\npatched = []\n```\n";
        match parse_rustsec("bad.md", text.as_bytes()) {
            FileOutcome::Skipped(p) => {
                assert_eq!(p.line, Some(5), "{p:?}");
                assert!(p.message.starts_with("invalid TOML"), "{}", p.message);
            }
            FileOutcome::Advisory(..) => panic!("kept"),
        }
        let unclosed = "```toml\n[advisory]\nid = \"X\"\n";
        assert!(matches!(
            parse_rustsec("u.md", unclosed.as_bytes()),
            FileOutcome::Skipped(_)
        ));
        let no_versions = "```toml\n[advisory]\nid = \"X\"\npackage = \"x\"\n```\n";
        assert!(matches!(
            parse_rustsec("n.md", no_versions.as_bytes()),
            FileOutcome::Skipped(_)
        ));
        let bad_req = "```toml\n[advisory]\nid = \"X\"\npackage = \"x\"\n[versions]\npatched = [\">= one\"]\n```\n";
        let (_, problems) = advisory(parse_rustsec("r.md", bad_req.as_bytes()));
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0]
                .message
                .contains("unreadable patched requirement")
        );
    }
}
