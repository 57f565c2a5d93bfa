//! The advisory model every loader produces and the matcher reads.
//!
//! One shape for OSV records (JSON or YAML, any ecosystem) and RustSec's native advisories, so
//! that storage and matching need not know where an advisory came from. Every type derives
//! serde `Serialize`/`Deserialize`: an [`Advisory`] is stored as one JSON document and read
//! back unchanged. Field names are snake_case and enum values lowercase strings; optional
//! fields are omitted when empty, so older stored documents stay readable when fields are added.

use serde::{Deserialize, Serialize};

pub use devspm_findings::Severity;

/// One advisory: a vulnerability, or an informational notice (unmaintained, unsound…).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// The database's id: `RUSTSEC-2020-0105`, `PYSEC-2024-70`, `GHSA-…`.
    pub id: String,
    /// Other ids of the same vulnerability (`CVE-…`, `GHSA-…`), as the database lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// A one-line summary: OSV `summary`, else the first line of `details`; RustSec's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Our scale, from the CVSS vector when there is one (see [`devspm_findings::cvss`]), else the
    /// database's own rating, else RustSec's informational kind (unsound → low, other
    /// notices → info), else unknown.
    pub severity: Severity,
    /// The CVSS vector the severity came from, when the advisory gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvss: Option<Cvss>,
    /// Set for RustSec informational advisories: not a vulnerability in itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub informational: Option<Informational>,
    /// Timestamps as the source writes them (RFC 3339, or a bare date for RustSec).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// When the advisory was withdrawn; a withdrawn advisory never matches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// The affected packages and their versions.
    pub affected: Vec<Affected>,
    /// A few reference URLs, the advisory's own page first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    /// Where the advisory was read.
    pub source: AdvisorySource,
}

impl Advisory {
    /// Whether the advisory is withdrawn (and so never matches).
    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }
}

/// A CVSS vector and its base score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cvss {
    /// The vector as written: `CVSS:3.1/AV:N/…`, `CVSS:4.0/…`, or a bare CVSS v2 vector.
    pub vector: String,
    /// The base score ([`devspm_findings::cvss`]). `None` only in advisories stored before
    /// CVSS v4 vectors were scored (their band was an estimate then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
}

impl Cvss {
    /// The CVSS of `vector` and the severity band its score gives, or `None` when the vector
    /// cannot be read (unknown version, missing or unknown base metrics).
    pub fn assess(vector: &str) -> Option<(Cvss, Severity)> {
        let vector = vector.trim();
        let (score, severity) = devspm_findings::cvss::assess(vector)?;
        Some((
            Cvss {
                vector: vector.to_string(),
                score: Some(score),
            },
            severity,
        ))
    }
}

/// RustSec's informational advisory kinds (`[advisory] informational = "…"`, or
/// `affected[].database_specific.informational` in RustSec's OSV export).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Informational {
    Unmaintained,
    Unsound,
    Notice,
    /// A kind this version does not know, kept as written.
    #[serde(untagged)]
    Other(String),
}

impl Informational {
    /// The kind named `name` (case-insensitive).
    pub fn parse(name: &str) -> Informational {
        match name.trim().to_ascii_lowercase().as_str() {
            "unmaintained" => Informational::Unmaintained,
            "unsound" => Informational::Unsound,
            "notice" => Informational::Notice,
            other => Informational::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Informational::Unmaintained => "unmaintained",
            Informational::Unsound => "unsound",
            Informational::Notice => "notice",
            Informational::Other(name) => name,
        }
    }
}

/// One affected package of an advisory and the versions of it that are affected.
///
/// A version is affected when it is in [`Affected::versions`], or in one of
/// [`Affected::ranges`], or (RustSec native advisories) when [`Affected::requirements`]
/// says so; see [`crate::evaluate`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Affected {
    /// The OSV ecosystem name as written (`crates.io`, `PyPI`, `npm`, `Go`…).
    pub ecosystem: String,
    /// The package name, normalised for the ecosystem (PEP 503 for PyPI, lowercase for
    /// Packagist; others as written).
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// RustSec's native `[versions]` requirements, when the advisory came in that layout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requirements: Option<Requirements>,
    /// The versions that fix the advisory: `fixed` events, or the lower bounds of RustSec's
    /// `patched` requirements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<String>,
    /// Affected functions or paths (RustSec `[affected] functions`), when given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<String>,
}

/// An OSV range: a timeline of events in one version ordering.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    pub kind: RangeKind,
    /// The repository of a `GIT` range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    pub events: Vec<Event>,
}

/// The ordering an OSV range's versions follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RangeKind {
    /// SemVer 2.0 precedence.
    Semver,
    /// The ecosystem's own ordering (PEP 440 for PyPI, RubyGems for RubyGems…).
    Ecosystem,
    /// Git commits: needs the repository's graph, so never evaluated here (the OSV spec
    /// requires a `versions` list beside such ranges, and that list is evaluated).
    Git,
}

/// One event of an OSV range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Affected from this version on; `"0"` means from the first version.
    Introduced(String),
    /// Not affected from this version on.
    Fixed(String),
    /// Affected up to and including this version.
    LastAffected(String),
    /// The range applies only below this version (`"*"`: no limit).
    Limit(String),
}

impl Event {
    /// The version the event names.
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

/// RustSec's native `[versions]` table: semver requirements, each a comma-separated
/// conjunction (`">= 1.2.3, < 2"`). A version is affected when it satisfies none of
/// `patched` and none of `unaffected`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirements {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub patched: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unaffected: Vec<String>,
}

/// Where an advisory was read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvisorySource {
    pub format: SourceFormat,
    /// The file, relative to the loaded folder (`crates/h2/RUSTSEC-2024-0003.md`), or
    /// `archive.zip:entry.json` inside a zip.
    pub file: String,
}

/// The formats advisories are read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceFormat {
    OsvJson,
    OsvYaml,
    /// RustSec advisory-db's Markdown with TOML front matter.
    Rustsec,
}

impl SourceFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceFormat::OsvJson => "osv_json",
            SourceFormat::OsvYaml => "osv_yaml",
            SourceFormat::Rustsec => "rustsec",
        }
    }
}
