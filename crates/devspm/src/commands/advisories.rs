//! Dependency advisories: `devspm advisories import` loads OSV (folder or zip) and RustSec data
//! into the database, recording the load as an `advisories_imported` event; `devspm advisories
//! status` shows what is loaded; and the dependency detector `scan` runs matches every lockfile
//! and manifest at HEAD against it, recording each vulnerable package as a finding attributed
//! by lockfile history to the commit that introduced the vulnerable version.

use std::collections::BTreeMap;
use std::path::Path;

use devspm_advisories::{Advisory, AdvisoryIndex, Match};
use devspm_core::NewEvent;
use devspm_core::event::AdvisoriesImported;
use devspm_core::finding::PackageRef;
use devspm_findings::lockfile::LockfileKind;
use devspm_ledger::governance::StoredAdvisory;
use devspm_ledger::{GovernanceStore, SqliteStore, Store};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::cli::{AdvisoriesImportArgs, Format, GlobalArgs};
use crate::output::{self, Table, escape};
use crate::settings::Settings;

/// The producer name dependency findings are recorded under.
pub const TOOL: &str = "devspm-advisories";

/// Lockfiles larger than this are not read (a 2,000-package package-lock.json is ~2 MB).
const MAX_LOCKFILE_BYTES: u64 = 64 << 20;

#[derive(Serialize)]
struct ImportOutput {
    source: String,
    layout: String,
    files_read: usize,
    advisories: usize,
    withdrawn: usize,
    skipped: usize,
    data_date: Option<String>,
    ecosystems: BTreeMap<String, u64>,
    recorded: bool,
    warnings: Vec<String>,
}

pub fn import(
    settings: &Settings,
    global: &GlobalArgs,
    args: &AdvisoriesImportArgs,
) -> anyhow::Result<i32> {
    let mut outputs = Vec::new();
    let mut store = settings.open_store()?;
    for path in &args.paths {
        let loaded = devspm_advisories::load(path)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        if loaded.advisories.is_empty() {
            // Nothing usable: say why, and record nothing (a typo must not replace real data).
            anyhow::bail!(
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
            );
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
                body: serde_json::to_string(a)?,
                packages,
            });
        }
        let digest = devspm_core::hex::encode(&digest.finalize());
        let layout = serde_json::to_value(loaded.stats.layout)?
            .as_str()
            .unwrap_or("osv")
            .to_owned();
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
        outputs.push(ImportOutput {
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
    match global.format {
        Format::Json => output::emit_json(&outputs)?,
        _ => {
            let mut text = String::new();
            for o in &outputs {
                text.push_str(&format!(
                    "{}: {} advisories ({} withdrawn) from {} files, layout {}, data as of {}; {}\n",
                    escape(&o.source),
                    o.advisories,
                    o.withdrawn,
                    o.files_read,
                    o.layout,
                    escape(o.data_date.as_deref().unwrap_or("unknown")),
                    if o.recorded {
                        "loaded"
                    } else {
                        "unchanged since the last import"
                    }
                ));
                let ecos: Vec<String> = o
                    .ecosystems
                    .iter()
                    .map(|(e, n)| format!("{} {n}", escape(e)))
                    .collect();
                text.push_str(&format!("  ecosystems: {}\n", ecos.join(", ")));
                if o.skipped > 0 || !o.warnings.is_empty() {
                    text.push_str(&format!(
                        "  {} skipped, {} warnings{}\n",
                        o.skipped,
                        o.warnings.len(),
                        if global.verbose == 0 && o.warnings.len() > 5 {
                            " (first 5 below; -v for all)"
                        } else {
                            ""
                        }
                    ));
                    let shown = if global.verbose > 0 {
                        o.warnings.len()
                    } else {
                        5
                    };
                    for w in o.warnings.iter().take(shown) {
                        text.push_str(&format!("  warning: {}\n", escape(w)));
                    }
                }
            }
            output::emit(&text)?;
        }
    }
    Ok(0)
}

pub fn status(settings: &Settings, global: &GlobalArgs) -> anyhow::Result<i32> {
    let store = settings.open_store_read_only()?;
    let sources = store.advisory_sources()?;
    match global.format {
        Format::Json => output::emit_json(&sources)?,
        _ => {
            if sources.is_empty() {
                output::emit(NO_DATA_HINT)?;
                output::emit("\n")?;
                return Ok(0);
            }
            let mut table = Table::new(&[
                ("source", false),
                ("layout", false),
                ("advisories", true),
                ("data as of", false),
                ("loaded", false),
            ]);
            for s in &sources {
                table.row(vec![
                    s.source.clone(),
                    s.layout.clone(),
                    s.advisories.to_string(),
                    s.data_date.clone().unwrap_or_else(|| "-".into()),
                    s.loaded_at[..s.loaded_at.len().min(19)].to_owned(),
                ]);
            }
            output::emit(&table.render(""))?;
        }
    }
    Ok(0)
}

/// What to say when no advisory data is loaded.
pub const NO_DATA_HINT: &str = "No advisory data loaded: dependency findings need it. Load OSV or RustSec data with `devspm advisories import PATH` (a folder of OSV JSON/YAML, an OSV all.zip, or a RustSec advisory-db checkout).";

/// Every stored advisory, indexed for matching (`None` when none is loaded).
pub fn load_index(store: &SqliteStore) -> anyhow::Result<Option<AdvisoryIndex>> {
    let bodies = store.advisory_bodies()?;
    if bodies.is_empty() {
        return Ok(None);
    }
    let mut advisories = Vec::with_capacity(bodies.len());
    for body in bodies {
        let advisory: Advisory = serde_json::from_str(&body).map_err(|e| {
            anyhow::anyhow!(
                "stored advisory data cannot be read ({e}); load it again with `devspm advisories import`"
            )
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
/// are not vulnerabilities and are left out, as cargo-audit does).
pub fn detect(
    store: &mut SqliteStore,
    repo: &devspm_git::Repo,
    index: &AdvisoryIndex,
) -> anyhow::Result<DependencyScan> {
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
    let files = super::files_or_gap(store, repo, &head, &select, MAX_LOCKFILE_BYTES, true)?;
    let mut findings = Vec::new();
    for file in files {
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
    scan.events_appended = super::import::record_internal_findings(
        store,
        repo,
        TOOL,
        &head,
        findings,
        Vec::new(),
        false,
    )?;
    Ok(scan)
}

fn finding_of(path: &str, m: Match) -> super::import::InternalFinding {
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
    super::import::InternalFinding {
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
    }
}

/// `devspm advisories import` needs a path that exists.
pub fn check_paths(paths: &[std::path::PathBuf]) -> anyhow::Result<()> {
    for p in paths {
        if !Path::new(p).exists() {
            anyhow::bail!(
                "{}: no such file or directory (give a folder of OSV JSON/YAML files, an OSV zip, or a RustSec advisory-db checkout)",
                p.display()
            );
        }
    }
    Ok(())
}
