//! The finding model every importer produces.

use serde::{Deserialize, Serialize};

/// One severity scale for every producer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Unknown,
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 6] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
        Severity::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
            Severity::Unknown => "unknown",
        }
    }

    pub fn parse(name: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(name))
    }

    /// The band of a CVSS base score (CVSS v3/v4 qualitative ratings).
    pub fn from_cvss(score: f64) -> Severity {
        match score {
            s if s >= 9.0 => Severity::Critical,
            s if s >= 7.0 => Severity::High,
            s if s >= 4.0 => Severity::Medium,
            s if s > 0.0 => Severity::Low,
            _ => Severity::Info,
        }
    }
}

/// What a finding is about, which decides how it is attributed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A flaw in source lines (SAST).
    Code,
    /// A vulnerable package version.
    Dependency,
    /// A credential in a file.
    Secret,
    /// A misconfiguration in a configuration file (IaC, CI workflow, Dockerfile).
    Config,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Code => "code",
            FindingKind::Dependency => "dependency",
            FindingKind::Secret => "secret",
            FindingKind::Config => "config",
        }
    }
}

/// Where in a file a finding points. `path` is as the producer wrote it after URI decoding
/// (`file://` and percent-escapes removed, base ids applied); making it relative to the
/// repository is the caller's job.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub path: String,
    /// 1-based, inclusive.
    pub start_line: Option<u32>,
    pub end_line: Option<u32>,
}

/// A package a dependency finding is about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// OSV ecosystem name: `crates.io`, `npm`, `PyPI`, `Go`, `RubyGems`, `Packagist`, `Maven` …
    pub ecosystem: String,
    pub name: String,
    pub version: String,
    /// The manifest or lockfile the producer found it in, if it says.
    pub manifest: Option<String>,
    /// Versions that fix it, if the producer says.
    pub fixed: Vec<String>,
}

/// How a producer set one of its results aside, as it says (SARIF 2.1.0 §3.35).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// `inSource` (a comment in the code: `nosemgrep`, `# nosec`) or `external` (a baseline,
    /// a suppression file, a reviewer's decision).
    pub kind: String,
    /// The producer's justification, if it gives one (or the marker, for semgrep).
    pub justification: Option<String>,
}

/// One result of a scanner, as read from its output.
///
/// `snippet` and `secret` are transient: they exist so the caller can compute a content
/// fingerprint and a keyed hash, and are never serialised — devspm stores neither source code
/// nor secret values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RawFinding {
    /// The producer (`semgrep`, `bandit`, `gitleaks`, `osv-scanner`, `trivy`, `grype` …),
    /// lower-case.
    pub tool: String,
    pub tool_version: Option<String>,
    /// Rule or advisory id as the producer names it.
    pub rule: String,
    pub kind: FindingKind,
    pub severity: Severity,
    /// Short description. Never contains a secret value.
    pub message: String,
    /// CVE, GHSA, CWE (`CWE-79`), RUSTSEC, PYSEC … ids; sorted, without duplicates.
    pub identifiers: Vec<String>,
    pub location: Option<Location>,
    pub package: Option<Package>,
    /// The producer's own stable fingerprint, as `name:value` (e.g.
    /// `primaryLocationLineHash:9c8f…`), if it gives one.
    pub producer_fingerprint: Option<String>,
    /// The commit the result was produced at, if the file says (SARIF
    /// `versionControlProvenance`, a gitleaks/trufflehog commit).
    pub revision: Option<String>,
    /// Where in the input file the result is, as a JSON path (`$.runs[0].results[12]`).
    pub origin: String,
    /// The producer's own suppression of the result (a SARIF `suppressions` entry that stands,
    /// semgrep's `nosemgrep`): the result is recorded as ignored by the scanner — counted,
    /// listed with `--show-ignored`, never gated. `None` for results the producer did not set
    /// aside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    #[serde(skip)]
    pub snippet: Option<String>,
    #[serde(skip)]
    pub secret: Option<String>,
}

impl RawFinding {
    /// Hands every free-text field that may be stored or shown to `f`, which may rewrite it
    /// (the binary replaces the secrets its detector finds there): the tool name and version,
    /// the message, the rule id, the location's path, the package's name, version, manifest and
    /// fixed versions, the producer's fingerprint and the transient snippet. Not handed over:
    /// identifiers (normalised CVE/CWE… ids, nothing else survives normalisation), the revision
    /// (a commit id), the origin (a JSON path devspm wrote) and `secret` itself.
    pub fn for_each_text_mut(&mut self, f: &mut dyn FnMut(&mut String)) {
        f(&mut self.tool);
        f(&mut self.message);
        f(&mut self.rule);
        if let Some(v) = self.tool_version.as_mut() {
            f(v);
        }
        if let Some(location) = self.location.as_mut() {
            f(&mut location.path);
        }
        if let Some(package) = self.package.as_mut() {
            f(&mut package.name);
            f(&mut package.version);
            if let Some(manifest) = package.manifest.as_mut() {
                f(manifest);
            }
            package.fixed.iter_mut().for_each(&mut *f);
        }
        if let Some(fingerprint) = self.producer_fingerprint.as_mut() {
            f(fingerprint);
        }
        if let Some(snippet) = self.snippet.as_mut() {
            f(snippet);
        }
        if let Some(suppression) = self.suppression.as_mut() {
            f(&mut suppression.kind);
            if let Some(justification) = suppression.justification.as_mut() {
                f(justification);
            }
        }
    }
}
