//! Scanner output importers: read a scanner's result file into [`RawFinding`]s, streaming.
//!
//! Formats: SARIF 2.1.0 from any producer (`sarif`), OSV-Scanner JSON (`osv_scanner`),
//! gitleaks JSON (`gitleaks`), Trivy JSON (`trivy`), Grype JSON (`grype`), CycloneDX 1.4–1.6
//! JSON with `vulnerabilities` (`cyclonedx`), cargo-audit JSON (`cargo_audit`),
//! detect-secrets JSON (`detect_secrets`), trufflehog3 JSON (`trufflehog3`), Semgrep JSON
//! (`semgrep`), npm audit JSON (`npm_audit`), pip-audit JSON (`pip_audit`), Snyk Open Source
//! and Container JSON (`snyk`; Snyk Code writes SARIF), SonarQube issues and hotspots JSON
//! (`sonarqube`), and two JSON Lines formats: cargo-deny (`cargo_deny`) and TruffleHog v3
//! (`trufflehog`). Each module's documentation says how its fields map to the finding model.
//!
//! # JSON Lines
//!
//! A JSON Lines file is a sequence of JSON documents, one a line. The first pass recognises
//! the format from the first document; only a record of a JSON Lines format lets it go on to
//! the next document (any other file must hold one document). Each record is read whole (so
//! memory is bounded by the largest record) and its JSON paths start with the line it starts
//! on: `line 3: $.fields.advisory`.
//!
//! # Two passes, bounded memory
//!
//! [`import_reader`] reads its input twice. The first pass ([`detect`]) recognises the format
//! from the top-level members and collects the little the second pass needs first (a SARIF
//! run's tool, rules and base URIs, which may come after its results; CycloneDX components;
//! Trivy targets), skipping everything else with `IgnoredAny`; it also checks the whole file is
//! well-formed JSON, so a truncated or corrupt file fails before any finding reaches the sink.
//! The second pass deserializes the result arrays one element at a time into small structs and
//! hands each converted finding to the sink before reading the next. Memory therefore depends
//! on the largest single result and on the per-run tables (SARIF rules and artifacts, CycloneDX
//! components), not on the size of the file.
//!
//! # Errors and warnings
//!
//! Problems that make the file unusable are [`ImportError`]s naming the file, the line and
//! column, the JSON path being read (`$.runs[0].results[12]`) and what to do. Problems with one
//! result (no location, a line number of 0, an undecodable URI …) are [`ImportWarning`]s: the
//! result is still imported with what could be read.

mod cargo_audit;
mod cargo_deny;
mod common;
mod cyclonedx;
mod detect;
mod detect_secrets;
mod finalize;
mod gitleaks;
mod grype;
mod npm_audit;
mod osv_scanner;
mod pip_audit;
mod sarif;
mod semgrep;
mod snyk;
mod sonarqube;
mod stream;
mod trivy;
mod trufflehog;
mod trufflehog3;
pub mod uri;

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use serde_json::error::Category;

use self::stream::{Ctx, Seg, Skip};
use crate::RawFinding;

/// The input formats devspm imports. More may be added: match with a wildcard arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    Sarif,
    OsvScanner,
    Gitleaks,
    Trivy,
    Grype,
    CycloneDx,
    CargoAudit,
    DetectSecrets,
    Trufflehog3,
    CargoDeny,
    Trufflehog,
    Semgrep,
    NpmAudit,
    PipAudit,
    Snyk,
    SonarQube,
}

/// The formats, in the order error messages list them.
const SUPPORTED: &str = "SARIF 2.1.0 (CodeQL, Semgrep, Bandit, zizmor, Checkov, gitleaks, \
                         Trivy, Grype …), OSV-Scanner JSON, gitleaks JSON, Trivy JSON, Grype \
                         JSON, CycloneDX 1.4–1.6 JSON with vulnerabilities, cargo-audit JSON, \
                         detect-secrets JSON, trufflehog3 JSON, Semgrep JSON, npm audit JSON \
                         (npm 7+), pip-audit JSON, Snyk JSON, SonarQube issues JSON, and the \
                         JSON Lines of cargo-deny and TruffleHog v3";

impl Format {
    pub const ALL: [Format; 16] = [
        Format::Sarif,
        Format::OsvScanner,
        Format::Gitleaks,
        Format::Trivy,
        Format::Grype,
        Format::CycloneDx,
        Format::CargoAudit,
        Format::DetectSecrets,
        Format::Trufflehog3,
        Format::CargoDeny,
        Format::Trufflehog,
        Format::Semgrep,
        Format::NpmAudit,
        Format::PipAudit,
        Format::Snyk,
        Format::SonarQube,
    ];

    /// The format's short name: `sarif`, `osv-scanner`, `gitleaks`, `trivy`, `grype`,
    /// `cyclonedx`, `cargo-audit`, `detect-secrets`, `trufflehog3`, `cargo-deny`, `trufflehog`,
    /// `semgrep`, `npm-audit`, `pip-audit`, `snyk`, `sonarqube`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Sarif => "sarif",
            Format::OsvScanner => "osv-scanner",
            Format::Gitleaks => "gitleaks",
            Format::Trivy => "trivy",
            Format::Grype => "grype",
            Format::CycloneDx => "cyclonedx",
            Format::CargoAudit => "cargo-audit",
            Format::DetectSecrets => "detect-secrets",
            Format::Trufflehog3 => "trufflehog3",
            Format::CargoDeny => "cargo-deny",
            Format::Trufflehog => "trufflehog",
            Format::Semgrep => "semgrep",
            Format::NpmAudit => "npm-audit",
            Format::PipAudit => "pip-audit",
            Format::Snyk => "snyk",
            Format::SonarQube => "sonarqube",
        }
    }

    /// The format named by [`Format::as_str`] (case-insensitive).
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// The format's name in prose.
    pub fn title(self) -> &'static str {
        match self {
            Format::Sarif => "SARIF",
            Format::OsvScanner => "OSV-Scanner JSON",
            Format::Gitleaks => "gitleaks JSON",
            Format::Trivy => "Trivy JSON",
            Format::Grype => "Grype JSON",
            Format::CycloneDx => "CycloneDX JSON",
            Format::CargoAudit => "cargo-audit JSON",
            Format::DetectSecrets => "detect-secrets JSON",
            Format::Trufflehog3 => "trufflehog3 JSON",
            Format::CargoDeny => "cargo-deny JSON Lines",
            Format::Trufflehog => "TruffleHog JSON Lines",
            Format::Semgrep => "Semgrep JSON",
            Format::NpmAudit => "npm audit JSON",
            Format::PipAudit => "pip-audit JSON",
            Format::Snyk => "Snyk JSON",
            Format::SonarQube => "SonarQube issues JSON",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something in one result that could not be read as expected; the result was imported with
/// what could be read (or, for deliberately skipped results, counted here).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportWarning {
    /// Where in the input, as a JSON path (`$.runs[0].results[3].locations`).
    pub json_path: String,
    pub message: String,
}

impl fmt::Display for ImportWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.json_path, self.message)
    }
}

/// What an import did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportSummary {
    pub format: Format,
    /// The producers the file names (a SARIF file's runs; the scanner of other formats), also
    /// when it holds no result — an empty report still says that a tool found nothing.
    pub tools: Vec<String>,
    /// Findings handed to the sink.
    pub results: u64,
    /// At most 1,000, then one saying how many more there were.
    pub warnings: Vec<ImportWarning>,
}

/// Why a file could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be opened or read.
    #[error("cannot read {file}: {source}. Check the path and that the file is readable")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is not well-formed JSON, ends early, or holds a value of the wrong type where
    /// the format needs a particular one.
    #[error("{file}:{line}:{column}: {problem} while reading {json_path}: {detail}. {advice}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        /// The JSON path being read when reading failed (`$.runs[0].results[12]`).
        json_path: String,
        problem: &'static str,
        /// serde_json's description, without its position.
        detail: String,
        advice: &'static str,
    },
    /// The document is well-formed JSON but not the output of a supported scanner.
    #[error(
        "{file}: not the output of a supported scanner: found {found}. devspm imports {SUPPORTED}. \
         Check that the scanner was asked for JSON or SARIF output (not its console report)"
    )]
    UnknownFormat { file: String, found: String },
    /// A supported format, in a version devspm does not read.
    #[error("{file}: {} version `{version}` (at {json_path}) is not supported: devspm reads {expected}. {advice}", .format.title())]
    UnsupportedVersion {
        file: String,
        format: Format,
        version: String,
        json_path: String,
        expected: &'static str,
        advice: &'static str,
    },
    /// The sink refused a finding; the import stopped there.
    #[error(
        "{file}: the import stopped at {json_path} because the finding there could not be \
         stored: {message}; fix the cause and import the file again"
    )]
    Sink {
        file: String,
        json_path: String,
        message: String,
    },
}

/// The sink findings are handed to, one at a time; an `Err` stops the import.
pub type Sink<'a> = dyn FnMut(RawFinding) -> Result<(), String> + 'a;

/// Detects the format of the file at `path` and streams every result to `sink`, one at a time.
/// The file is read twice (see the module documentation), never held in memory whole.
pub fn import_file(path: &Path, sink: &mut Sink<'_>) -> Result<ImportSummary, ImportError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| ImportError::Io {
        file: name.clone(),
        source,
    })?;
    import_reader(&name, file, sink)
}

/// Like [`import_file`], for any seekable input (`name` names it in errors). Reading starts at
/// the reader's current position. Input that cannot seek (a pipe) must be spooled to a
/// temporary file first: the format is recognised in a first pass over the whole input.
pub fn import_reader<R: Read + Seek>(
    name: &str,
    mut reader: R,
    sink: &mut Sink<'_>,
) -> Result<ImportSummary, ImportError> {
    let io = |source| ImportError::Io {
        file: name.to_string(),
        source,
    };
    let start = reader.stream_position().map_err(io)?;
    let mut survey_ctx = Ctx::new(name, None);
    let survey = run_pass(&mut reader, &mut survey_ctx, None, survey_documents)?;
    let format = survey.format(name)?;
    reader.seek(SeekFrom::Start(start)).map_err(io)?;

    let mut ctx = Ctx::new(name, Some(sink));
    run_pass(
        &mut reader,
        &mut ctx,
        Some(format),
        |de, ctx| match format {
            Format::Sarif => sarif::stream(de, ctx, &survey.sarif),
            Format::OsvScanner => osv_scanner::stream(de, ctx, &survey.osv),
            Format::Gitleaks => gitleaks::stream(de, ctx),
            Format::Trivy => trivy::stream(de, ctx, &survey.trivy),
            Format::Grype => grype::stream(de, ctx, &survey.grype),
            Format::CycloneDx => cyclonedx::stream(de, ctx, &survey.cyclonedx),
            Format::CargoAudit => cargo_audit::stream(de, ctx),
            Format::DetectSecrets => detect_secrets::stream(de, ctx),
            Format::Trufflehog3 => trufflehog3::stream(de, ctx),
            Format::Semgrep => semgrep::stream(de, ctx, survey.version.clone(), survey.errors),
            Format::NpmAudit => npm_audit::stream(de, ctx),
            Format::PipAudit => pip_audit::stream(de, ctx),
            Format::Snyk => snyk::stream(de, ctx, &survey.snyk_targets()),
            Format::SonarQube => sonarqube::stream(de, ctx, survey.sonar_component.as_deref()),
            Format::CargoDeny => each_record(de, ctx, cargo_deny::convert),
            Format::Trufflehog => each_record(de, ctx, trufflehog::convert),
        },
    )?;
    let (results, warnings) = ctx.finish();
    let mut tools: Vec<String> = match format {
        Format::Sarif => survey.sarif.iter().map(|r| r.tool.clone()).collect(),
        Format::CycloneDx => vec![
            survey
                .cyclonedx
                .tool
                .clone()
                .unwrap_or_else(|| "cyclonedx".to_owned()),
        ],
        other => vec![other.as_str().to_owned()],
    };
    tools.sort();
    tools.dedup();
    Ok(ImportSummary {
        format,
        tools,
        results,
        warnings,
    })
}

/// Recognises the format of the file at `path` without importing it (one pass, bounded
/// memory).
pub fn detect_file(path: &Path) -> Result<Format, ImportError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| ImportError::Io {
        file: name.clone(),
        source,
    })?;
    detect_reader(&name, file)
}

/// Recognises the format of an input without importing it.
pub fn detect_reader<R: Read>(name: &str, mut reader: R) -> Result<Format, ImportError> {
    let mut ctx = Ctx::new(name, None);
    run_pass(&mut reader, &mut ctx, None, survey_documents)?.format(name)
}

/// The first pass: surveys the first document and, when it is a record of a JSON Lines
/// format, skips every further one (so that a broken record fails the import before any
/// finding is emitted). Another format's file must end after its one document: `run_pass`
/// then refuses what follows.
fn survey_documents<R: Read>(
    de: &mut JsonDeserializer<R>,
    ctx: &mut Ctx<'_>,
) -> Result<detect::Survey, serde_json::Error> {
    let survey = detect::survey(&mut *de, ctx)?;
    if survey.json_lines().is_some() {
        while let Some(line) = next_document(de)? {
            ctx.push(Seg::Line(line));
            serde::de::DeserializeSeed::deserialize(Skip::new(ctx, 2), &mut *de)?;
            ctx.pop();
        }
    }
    Ok(survey)
}

/// Reads every record of a JSON Lines input into a `T` (whole: records are small) and hands it
/// to `convert`, the record's line first in the path.
fn each_record<R: Read, T: serde::de::DeserializeOwned>(
    de: &mut JsonDeserializer<R>,
    ctx: &mut Ctx<'_>,
    convert: fn(&mut Ctx<'_>, T) -> Result<(), stream::Abort>,
) -> Result<(), serde_json::Error> {
    while let Some(line) = next_document(de)? {
        ctx.push(Seg::Line(line));
        let record = T::deserialize(&mut *de)?;
        convert(ctx, record).map_err(stream::abort)?;
        ctx.pop();
    }
    Ok(())
}

/// The line the next document starts on, or `None` at the end of the input (only whitespace
/// left). `end` fails only on input that follows (its error names where) or on I/O.
fn next_document<R: Read>(de: &mut JsonDeserializer<R>) -> Result<Option<u64>, serde_json::Error> {
    match de.end() {
        Ok(()) => Ok(None),
        Err(e) if e.is_io() => Err(e),
        Err(e) => Ok(Some(e.line() as u64)),
    }
}

type JsonDeserializer<R> = serde_json::Deserializer<serde_json::de::IoRead<BufReader<R>>>;

/// One pass over the input: a buffered JSON deserializer (past a UTF-8 byte-order mark), `f`
/// run on it, the end of the document checked, and errors turned into [`ImportError`]s.
fn run_pass<R: Read, T>(
    reader: R,
    ctx: &mut Ctx<'_>,
    format: Option<Format>,
    f: impl FnOnce(&mut JsonDeserializer<R>, &mut Ctx<'_>) -> Result<T, serde_json::Error>,
) -> Result<T, ImportError> {
    let mut buffered = BufReader::with_capacity(1 << 16, reader);
    skip_bom(&mut buffered).map_err(|source| ImportError::Io {
        file: ctx.file.clone(),
        source,
    })?;
    let mut de = serde_json::Deserializer::from_reader(buffered);
    let out = f(&mut de, ctx).and_then(|value| de.end().map(|()| value));
    out.map_err(|e| json_error(ctx, format, e))
}

/// Skips a UTF-8 byte-order mark (PowerShell writes one), which JSON parsers refuse.
fn skip_bom<R: Read>(reader: &mut BufReader<R>) -> std::io::Result<()> {
    let buf = reader.fill_buf()?;
    if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
        reader.consume(3);
    }
    Ok(())
}

fn json_error(ctx: &mut Ctx<'_>, format: Option<Format>, e: serde_json::Error) -> ImportError {
    if let Some((json_path, message)) = ctx.sink_error.take() {
        return ImportError::Sink {
            file: ctx.file.clone(),
            json_path,
            message,
        };
    }
    let (problem, advice) = match e.classify() {
        Category::Io => {
            return ImportError::Io {
                file: ctx.file.clone(),
                source: e.into(),
            };
        }
        Category::Eof => (
            "the file ends early (truncated JSON)",
            "Re-run the scanner, let it finish writing, and import the complete file",
        ),
        Category::Syntax => (
            "invalid JSON",
            "Check that the file is the scanner's JSON or SARIF output (not its console report) \
             and that nothing else was written into it",
        ),
        Category::Data => (
            match format {
                Some(Format::Sarif) => "a value does not fit SARIF 2.1.0",
                Some(Format::OsvScanner) => "a value does not fit OSV-Scanner's JSON output",
                Some(Format::Gitleaks) => "a value does not fit gitleaks' JSON report",
                Some(Format::Trivy) => "a value does not fit Trivy's JSON report",
                Some(Format::Grype) => "a value does not fit Grype's JSON output",
                Some(Format::CycloneDx) => "a value does not fit CycloneDX JSON",
                Some(Format::CargoAudit) => "a value does not fit cargo-audit's JSON report",
                Some(Format::DetectSecrets) => "a value does not fit detect-secrets' JSON report",
                Some(Format::Trufflehog3) => "a value does not fit trufflehog3's JSON report",
                Some(Format::CargoDeny) => "a value does not fit cargo-deny's JSON output",
                Some(Format::Trufflehog) => "a value does not fit TruffleHog's JSON output",
                Some(Format::Semgrep) => "a value does not fit Semgrep's JSON output",
                Some(Format::NpmAudit) => "a value does not fit npm audit's JSON report",
                Some(Format::PipAudit) => "a value does not fit pip-audit's JSON report",
                Some(Format::Snyk) => "a value does not fit Snyk's JSON report",
                Some(Format::SonarQube) => "a value does not fit SonarQube's issues JSON",
                None => "unexpected value",
            },
            "Check the file was written by a supported scanner version, unmodified",
        ),
    };
    let text = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    let detail = text.strip_suffix(&position).unwrap_or(&text).to_string();
    let advice = if detail.starts_with("trailing characters") && ctx.path() == "$" {
        "The file holds more than one JSON document, and the first is not a record of a JSON \
         Lines format devspm reads (cargo-deny's or TruffleHog's): ask the scanner for a single \
         JSON or SARIF document"
    } else {
        advice
    };
    ImportError::Json {
        file: ctx.file.clone(),
        line: e.line(),
        column: e.column(),
        json_path: ctx.path(),
        problem,
        detail,
        advice,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the importers' unit tests.
    use std::io::Cursor;

    use super::{ImportError, ImportSummary, import_reader};
    use crate::RawFinding;

    /// Imports a document held in a string.
    pub(crate) fn import_str(text: &str) -> (Vec<RawFinding>, ImportSummary) {
        let mut findings = Vec::new();
        let summary = import_reader("test.json", Cursor::new(text), &mut |f| {
            findings.push(f);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("import failed: {e}"));
        (findings, summary)
    }

    /// Imports a document that must fail.
    pub(crate) fn import_str_err(text: &str) -> ImportError {
        match import_reader("test.json", Cursor::new(text), &mut |_| Ok(())) {
            Ok(summary) => panic!("import succeeded: {summary:?}"),
            Err(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{import_str, import_str_err};
    use super::*;

    #[test]
    fn formats_have_names() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.as_str()), Some(f));
        }
        assert_eq!(Format::OsvScanner.to_string(), "osv-scanner");
    }

    #[test]
    fn truncated_json_names_file_line_and_path() {
        let mut text = String::from("{\"version\": \"2.1.0\", \"runs\": [{\"results\": [\n");
        for i in 0..20 {
            text.push_str(&format!(
                "{{\"ruleId\": \"r{i}\", \"message\": {{\"text\": \"m\"}}}},\n"
            ));
        }
        text.push_str("{\"ruleId\": \"r20\", \"mess");
        let err = import_str_err(&text);
        let message = err.to_string();
        match &err {
            ImportError::Json {
                line, json_path, ..
            } => {
                assert_eq!(*line, 22);
                assert_eq!(json_path, "$.runs[0].results[20]");
            }
            other => panic!("{other:?}"),
        }
        assert!(message.starts_with("test.json:22:"), "{message}");
        assert!(message.contains("$.runs[0].results[20]"), "{message}");
        assert!(message.contains("truncated"), "{message}");
    }

    #[test]
    fn invalid_json_and_trailing_garbage() {
        let err = import_str_err("{\"runs\": [}");
        assert!(matches!(err, ImportError::Json { .. }), "{err:?}");
        assert!(err.to_string().contains("invalid JSON"), "{err}");
        let err = import_str_err("{\"version\": \"2.1.0\", \"runs\": []} extra");
        assert!(err.to_string().contains("trailing"), "{err}");
    }

    #[test]
    fn unknown_documents_list_the_supported_formats() {
        for doc in ["{\"hello\": 1}", "[1, 2]", "[{\"rule\": {}}]", "42", "{}"] {
            let err = import_str_err(doc);
            assert!(
                matches!(err, ImportError::UnknownFormat { .. }),
                "{doc}: {err:?}"
            );
            let text = err.to_string();
            assert!(
                text.contains("SARIF 2.1.0") && text.contains("OSV-Scanner"),
                "{text}"
            );
        }
        assert!(
            import_str_err("{\"hello\": 1}")
                .to_string()
                .contains("`hello`")
        );
    }

    #[test]
    fn byte_order_mark_and_empty_gitleaks_report() {
        let (findings, summary) = import_str("\u{feff}[]");
        assert!(findings.is_empty());
        assert_eq!(summary.format, Format::Gitleaks);
    }

    #[test]
    fn sink_errors_stop_the_import() {
        let doc = r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
            "results": [{"ruleId": "a"}, {"ruleId": "b"}, {"ruleId": "c"}]}]}"#;
        let mut seen = 0;
        let err = import_reader("x.sarif", std::io::Cursor::new(doc), &mut |_| {
            seen += 1;
            if seen == 2 {
                Err("disk full".to_string())
            } else {
                Ok(())
            }
        })
        .unwrap_err();
        assert_eq!(seen, 2);
        let text = err.to_string();
        assert!(
            text.contains("x.sarif") && text.contains("disk full"),
            "{text}"
        );
        assert!(text.contains("$.runs[0].results[1]"), "{text}");
    }

    #[test]
    fn detection_reads_only_the_first_pass() {
        let doc = r#"{"SchemaVersion": 2, "ArtifactName": ".", "Results": []}"#;
        assert_eq!(
            detect_reader("t", std::io::Cursor::new(doc)).unwrap(),
            Format::Trivy
        );
        let err = import_str_err(r#"{"SchemaVersion": 1, "Results": []}"#);
        assert!(err.to_string().contains("SchemaVersion"), "{err}");
    }
}
