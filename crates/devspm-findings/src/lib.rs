//! Findings: what scanners report, read from their output files into one model.
//!
//! [`import`] reads SARIF 2.1.0, OSV-Scanner, gitleaks, Trivy, Grype and CycloneDX JSON into
//! [`RawFinding`]s, streaming, one result at a time; [`lockfile`] reads the packages a
//! manifest or lockfile pins, which dependency attribution looks for along history; [`cvss`]
//! scores CVSS vectors for the importers and for `devspm-advisories`; [`context`] tells a
//! finding's path context (test, fixture, …) and [`ignore`] which ignore sets it aside. Nothing here touches git
//! or a database: the binary wires these to the repository and the ledger.

pub mod attribute;
pub mod context;
pub mod cvss;
pub mod fingerprint;
pub mod ignore;
pub mod import;
pub mod inline;
pub mod lifecycle;
pub mod lockfile;
mod model;
pub mod paths;

pub use model::{FindingKind, Location, Package, RawFinding, Severity, Suppression};
