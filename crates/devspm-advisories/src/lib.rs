//! Dependency advisories: loads vulnerability databases (OSV JSON, YAML and zips, RustSec's
//! advisory-db) and matches package versions against them under each ecosystem's version
//! rules.
//!
//! The pieces, in the order data flows through them:
//! - [`load()`] reads a folder, a zip or a file into [`Advisory`] values, detecting the layout
//!   and reporting what it skipped and why ([`LoadStats`]);
//! - [`AdvisoryIndex`] keys them by (ecosystem, normalised package name) with their version
//!   ranges parsed once;
//! - [`match_packages`] and [`match_lockfile`] return the [`Match`]es for a list of pinned
//!   packages or a dependency file (read with `devspm-findings`' lockfile parsers);
//! - [`version`] and [`evaluate`] hold the orderings (SemVer, PEP 440, RubyGems, a loose one for
//!   the rest) and the OSV/RustSec evaluation rules, usable on their own;
//! - CVSS vectors are scored by `devspm_findings::cvss` ([`Cvss::assess`]), as imports are.
//!
//! Every model type derives serde `Serialize`/`Deserialize`: store an [`Advisory`] as a JSON
//! document and read it back to rebuild an index without the files.

pub mod evaluate;
mod index;
pub mod load;
pub mod model;
pub mod version;

pub use evaluate::{is_affected, same_version};
pub use index::{AdvisoryIndex, IndexStats, Match, MatchError, match_lockfile, match_packages};
pub use load::{
    Layout, LoadError, LoadProgress, LoadStats, LoadWarning, LoadedAdvisories, NoLoadProgress,
    load, load_with_progress,
};
pub use model::{
    Advisory, AdvisorySource, Affected, Cvss, Event, Informational, Range, RangeKind, Requirements,
    Severity, SourceFormat,
};
