//! Dependency advisories: loading OSV (folder or zip) and RustSec data into the database,
//! recorded as an `advisories_imported` event, and the dependency detector `scan` runs, which
//! matches every lockfile and manifest at HEAD against that data and records each vulnerable
//! package as a finding attributed by lockfile history to the commit that introduced the
//! vulnerable version.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use devspm_advisories::{Advisory, AdvisoryIndex, Match};
use devspm_core::NewEvent;
use devspm_core::event::AdvisoriesImported;
use devspm_core::finding::PackageRef;
use devspm_findings::lockfile::LockfileKind;
use devspm_ledger::governance::StoredAdvisory;
use devspm_ledger::{Caches, FindingStore, GovernanceStore, Store};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::detector::{Detected, Detector};
use crate::findings::{InternalFinding, record_internal_findings};
use crate::repository::files_or_gap;
use crate::{EngineError, Silent};

/// The dependency detector ([`detect`] against the loaded advisories), as the scan runs it:
/// `dependencies` in its summary, with a hint instead when no advisory data is loaded.
pub struct Dependencies;

impl<S: devspm_ledger::EventLog + FindingStore + GovernanceStore + Caches> Detector<S>
    for Dependencies
{
    fn name(&self) -> &'static str {
        "dependencies"
    }

    fn detect(
        &self,
        ctx: &crate::Context<'_>,
        store: &mut S,
        repo: &devspm_git::Repo,
    ) -> Result<Detected, EngineError> {
        let Some(index) = load_index(store)? else {
            // Nothing to match against: the phase starts and ends at once.
            drop(crate::Phase::start(
                ctx.progress,
                crate::phase::ADVISORIES,
                &repo.name,
                Some(0),
            ));
            return Ok(Detected {
                hint: Some(NO_DATA_HINT),
                ..Detected::new(
                    &DependencyScan::default(),
                    NO_DATA_HINT.to_owned(),
                    Vec::new(),
                )
            });
        };
        let scan = detect(ctx, store, repo, &index)?;
        let line = format!(
            "{} lockfiles checked, {} vulnerable package versions",
            devspm_report::number::count(scan.lockfiles as u64),
            devspm_report::number::count(scan.vulnerable as u64)
        );
        Ok(Detected::new(&scan, line, scan.warnings.clone()))
    }
}

/// The producer name dependency findings are recorded under.
pub const TOOL: &str = "devspm-advisories";

/// Lockfiles larger than this are not read (a 2,000-package package-lock.json is ~2 MB).
const MAX_LOCKFILE_BYTES: u64 = 64 << 20;

pub use devspm_report::advisories::{AdvisoriesImport, AdvisorySourceRow, NO_DATA_HINT};

/// Every path must exist: checked before anything is opened or written.
pub fn check_paths(paths: &[PathBuf]) -> Result<(), EngineError> {
    for p in paths {
        if !Path::new(p).exists() {
            return Err(EngineError::NotFound(format!(
                "{}: no such file or directory (give a folder of OSV JSON/YAML files, an OSV zip, or a RustSec advisory-db checkout)",
                p.display()
            )));
        }
    }
    Ok(())
}

/// A load's progress as the phase's steps: advisory files read.
struct FileProgress<'a, 'p>(&'a crate::Phase<'p>);

impl devspm_advisories::LoadProgress for FileProgress<'_, '_> {
    fn total(&self, files: u64) {
        self.0.total(files);
    }
    fn files_read(&self, done: u64) {
        self.0.at(done);
    }
}

/// Loads each advisory source (a folder of OSV JSON/YAML, an OSV zip, a RustSec advisory-db
/// checkout) into the database, replacing what was loaded from the same source before.
/// Progress: the phase [`crate::phase::ADVISORY_DATA`] for each source, one step per file read.
pub fn import(
    ctx: &crate::Context<'_>,
    store: &mut (impl Store + GovernanceStore),
    paths: &[PathBuf],
) -> Result<Vec<AdvisoriesImport>, EngineError> {
    let mut outputs = Vec::new();
    for path in paths {
        let shown = path.display().to_string();
        let phase = crate::Phase::start(ctx.progress, crate::phase::ADVISORY_DATA, &shown, None);
        let loaded = devspm_advisories::load_with_progress(path, &FileProgress(&phase))
            .map_err(|e| EngineError::Invalid(format!("{}: {e}", path.display())))?;
        ctx.interrupt.check()?;
        if loaded.advisories.is_empty() {
            // Nothing usable: say why, and record nothing (a typo must not replace real data).
            return Err(EngineError::Invalid(format!(
                "{}: no advisory could be loaded ({} files read, {} skipped{})",
                path.display(),
                loaded.stats.files_read,
                loaded.stats.skipped,
                loaded
                    .stats
                    .warnings
                    .first()
                    .map(|w| format!("; first: {w}"))
                    .unwrap_or_default()
            )));
        }
        let source = std::fs::canonicalize(path)
            .unwrap_or_else(|_| path.clone())
            .display()
            .to_string();
        let mut digest = Sha256::new();
        let mut ecosystems: BTreeMap<String, u64> = BTreeMap::new();
        let mut data_date: Option<String> = None;
        let mut stored = Vec::with_capacity(loaded.advisories.len());
        for a in &loaded.advisories {
            digest.update(format!(
                "{}\0{}\0{}\n",
                a.id,
                a.modified.as_deref().unwrap_or(""),
                a.withdrawn.as_deref().unwrap_or("")
            ));
            if let Some(m) = &a.modified
                && data_date.as_deref().is_none_or(|d| d < m.as_str())
            {
                data_date = Some(m.clone());
            }
            let mut packages: Vec<(String, String)> = a
                .affected
                .iter()
                .map(|p| (p.ecosystem.clone(), p.name.clone()))
                .collect();
            packages.sort();
            packages.dedup();
            for eco in packages
                .iter()
                .map(|(e, _)| e.clone())
                .collect::<std::collections::BTreeSet<_>>()
            {
                *ecosystems.entry(eco).or_default() += 1;
            }
            stored.push(StoredAdvisory {
                id: a.id.clone(),
                modified: a.modified.clone(),
                body: serde_json::to_string(a).map_err(|e| {
                    EngineError::Invalid(format!("advisory {} cannot be stored: {e}", a.id))
                })?,
                packages,
            });
        }
        let digest = devspm_core::hex::encode(&digest.finalize());
        let layout = serde_json::to_value(loaded.stats.layout)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| "osv".to_owned());
        store.replace_advisories(&source, stored)?;
        let event = AdvisoriesImported {
            source: source.clone(),
            layout: layout.clone(),
            digest: digest.clone(),
            data_date: data_date.clone(),
            advisories: loaded.advisories.len() as u64,
            withdrawn: loaded.stats.withdrawn as u64,
            skipped: loaded.stats.skipped as u64,
            ecosystems: ecosystems.clone(),
        };
        let appended = store
            .append(vec![NewEvent::new(
                format!("advisories/{source}/{}", &digest[..16]),
                "devspm:advisories",
                format!("advisories:{source}"),
                event,
            )])?
            .appended;
        outputs.push(AdvisoriesImport {
            source,
            layout,
            files_read: loaded.stats.files_read,
            advisories: loaded.advisories.len(),
            withdrawn: loaded.stats.withdrawn,
            skipped: loaded.stats.skipped,
            data_date,
            ecosystems,
            recorded: appended > 0,
            warnings: loaded
                .stats
                .warnings
                .iter()
                .map(ToString::to_string)
                .collect(),
        });
    }
    Ok(outputs)
}

/// The advisory sources loaded, for `devspm advisories status`.
pub fn status(store: &impl GovernanceStore) -> Result<Vec<AdvisorySourceRow>, EngineError> {
    Ok(store.advisory_sources()?)
}

/// Every stored advisory, indexed for matching (`None` when none is loaded).
pub fn load_index(store: &impl GovernanceStore) -> Result<Option<AdvisoryIndex>, EngineError> {
    let bodies = store.advisory_bodies()?;
    if bodies.is_empty() {
        return Ok(None);
    }
    let mut advisories = Vec::with_capacity(bodies.len());
    for body in bodies {
        let advisory: Advisory = serde_json::from_str(&body).map_err(|e| {
            EngineError::Invalid(format!(
                "stored advisory data cannot be read ({e}); load it again with `devspm advisories import`"
            ))
        })?;
        advisories.push(advisory);
    }
    Ok(Some(AdvisoryIndex::new(advisories)))
}

/// What the dependency detector found in one repository.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DependencyScan {
    /// `false` when no advisory data is loaded (nothing was checked).
    pub checked: bool,
    pub lockfiles: usize,
    pub vulnerable: usize,
    pub warnings: Vec<String>,
    pub events_appended: u64,
}

/// Matches every lockfile and manifest at HEAD against the loaded advisories and records the
/// matches as findings of [`TOOL`] (informational advisories — unmaintained, unsound, notices —
/// are not vulnerabilities and are left out, as cargo-audit does). Progress: the phase
/// [`crate::phase::ADVISORIES`], one step per lockfile.
pub fn detect(
    ctx: &crate::Context<'_>,
    store: &mut (impl devspm_ledger::EventLog + FindingStore + Caches),
    repo: &devspm_git::Repo,
    index: &AdvisoryIndex,
) -> Result<DependencyScan, EngineError> {
    let phase = crate::Phase::start(ctx.progress, crate::phase::ADVISORIES, &repo.name, None);
    let mut scan = DependencyScan {
        checked: true,
        ..Default::default()
    };
    let Some(head) = devspm_git::head_commit(repo)? else {
        return Ok(scan);
    };
    let select = |path: &str| {
        LockfileKind::of_path(path).is_some()
            && !path
                .split('/')
                .any(|c| c == "node_modules" || c == "vendor")
    };
    // An unreadable tree was warned about by the analyzers that ran before.
    let files = files_or_gap(store, repo, &head, &select, MAX_LOCKFILE_BYTES, &Silent)?;
    phase.total(files.len() as u64);
    let mut findings = Vec::new();
    for (done, file) in files.into_iter().enumerate() {
        phase.at(done as u64);
        let bytes = match file.content {
            Ok(b) => b,
            Err(reason) => {
                scan.warnings
                    .push(format!("{}: not read: {reason}", file.path));
                continue;
            }
        };
        scan.lockfiles += 1;
        let matches = match devspm_advisories::match_lockfile(index, &file.path, &bytes) {
            Ok(m) => m,
            Err(e) => {
                scan.warnings.push(format!("{}: {e}", file.path));
                continue;
            }
        };
        for m in matches.into_iter().filter(|m| m.informational.is_none()) {
            findings.push(finding_of(&file.path, m));
        }
    }
    scan.vulnerable = findings.len();
    scan.events_appended =
        record_internal_findings(store, repo, TOOL, &head, findings, Vec::new(), false)?;
    Ok(scan)
}

fn finding_of(path: &str, m: Match) -> InternalFinding {
    let mut identifiers = vec![m.advisory_id.clone()];
    identifiers.extend(m.aliases.iter().cloned());
    let fixed = if m.fixed.is_empty() {
        "no fixed version".to_owned()
    } else {
        format!("fixed in {}", m.fixed.join(", "))
    };
    let message = format!(
        "{} {} is vulnerable: {} ({}; {fixed})",
        m.package,
        m.version,
        m.summary.as_deref().unwrap_or("see the advisory"),
        m.advisory_id
    );
    InternalFinding {
        rule: m.advisory_id.clone(),
        severity: m.severity.as_str().to_owned(),
        message,
        path: path.to_owned(),
        line: None,
        subject: format!("{}@{}", m.package, m.version),
        kind: "dependency",
        identifiers,
        package: Some(PackageRef {
            ecosystem: m.ecosystem,
            name: m.package,
            version: m.version,
            manifest: Some(path.to_owned()),
            fixed: m.fixed,
        }),
        secret: None,
        inline_marker: None,
    }
}
