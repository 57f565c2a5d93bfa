//! Importing scanner results: each report's results become findings on the ledger, their
//! lifecycle follows the commit graph, and each new finding is attributed to who or what
//! introduced it. Withdrawing an import recorded by mistake, and the list of imports, are in
//! [`withdraw`].
//!
//! Every input is read (streaming, from any seekable reader: a file, or an upload spooled with
//! [`ImportInput::spool`]) before anything is written; all inputs of one run are then appended
//! in one transaction, so a malformed report leaves the ledger exactly as it was. Paths are
//! placed in the repository at the scanned revision; a path that cannot be placed is kept as a
//! foreign path and the finding is recorded as unattributable, never guessed. A report most of
//! whose results name files the repository does not have is refused (it is probably of
//! another repository) unless forced.

mod identify;
mod spool;
pub mod withdraw;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use devspm_core::NewEvent;
use devspm_core::finding::{
    FindingRecorded, FindingsImported, PackageRef, ScannerSuppression, SecretRef,
};
use devspm_findings::RawFinding;
use devspm_findings::fingerprint::redact;
use devspm_ledger::{CursorMove, FindingStore};
use serde::Serialize;
use sha2::{Digest, Sha256};

use self::identify::{FileState, Identifier, id_key};
use self::spool::Spool;
use crate::attribution::AttributionReport;
use crate::findings::import_id;
use crate::{Context, EngineError, Ledger};

/// One scanner report to import.
pub struct ImportInput<R> {
    /// How messages name it: a path as the user gave it, an upload's name.
    pub name: String,
    /// The file name recorded with the import (`source` of its event).
    pub file_name: String,
    /// Its bytes, read from the current position three times (digest, format, results).
    pub reader: R,
}

impl ImportInput<std::fs::File> {
    /// The file at `path` (a file that cannot be opened is [`EngineError::Report`]).
    pub fn open(path: &Path) -> Result<ImportInput<std::fs::File>, EngineError> {
        let name = path.display().to_string();
        let reader = std::fs::File::open(path).map_err(|source| {
            devspm_findings::import::ImportError::Io {
                file: name.clone(),
                source,
            }
        })?;
        Ok(ImportInput {
            file_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| name.clone()),
            name,
            reader,
        })
    }

    /// A report that can be read only once (an upload, a pipe), copied to an anonymous
    /// temporary file first: the format is recognised in a pass over the whole input before
    /// its results are read.
    pub fn spool(
        name: String,
        file_name: String,
        mut reader: impl Read,
    ) -> Result<ImportInput<std::fs::File>, EngineError> {
        let cannot = |e| EngineError::io(format!("cannot spool {name}"), e);
        let mut file = tempfile::tempfile().map_err(cannot)?;
        std::io::copy(&mut reader, &mut file).map_err(cannot)?;
        file.seek(SeekFrom::Start(0)).map_err(cannot)?;
        Ok(ImportInput {
            name,
            file_name,
            reader: file,
        })
    }
}

/// How to import, as the front end was asked.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// The revision the reports describe (else each report's own, else HEAD).
    pub revision: Option<String>,
    /// The producer to record instead of the one the reports name.
    pub tool: Option<String>,
    /// The reports cover part of the repository: findings they do not mention stay open.
    pub partial: bool,
    /// Import a report even when most of its results name files the repository does not have.
    pub force: bool,
    /// Attribute the new findings (blame, lockfile and secret history) after recording them.
    pub attribute: bool,
    /// `--fail-on`: gate the open findings of the imported tools in the repository at this
    /// severity word (`gate.rs`).
    pub fail_on: Option<String>,
}

pub use devspm_report::import::ImportedRun;

/// What an import did.
#[derive(Debug, Serialize)]
pub struct ImportReport {
    /// Where the ledger is.
    pub database: String,
    /// The repository's name.
    pub repository: String,
    pub runs: Vec<ImportedRun>,
    pub warnings: Warnings,
    /// `None` when attribution was not asked for.
    pub attribution: Option<AttributionReport>,
    /// Open findings of the imported tools in the repository that an ignore sets aside.
    pub ignored: usize,
    /// The `--fail-on` gate over the imported tools' findings, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<crate::gate::GateOutcome>,
}

/// The warnings of an import: the first [`Warnings::KEPT`] are kept, the rest only counted
/// (an import of a million unplaceable results must not hold a million sentences). Serialised
/// as the kept warnings and a last line counting the others.
#[derive(Debug, Default)]
pub struct Warnings {
    kept: Vec<String>,
    total: usize,
}

impl Warnings {
    pub const KEPT: usize = 1000;

    fn push(&mut self, warning: String) {
        self.total += 1;
        if self.kept.len() < Self::KEPT {
            self.kept.push(warning);
        }
    }

    /// The warnings kept.
    pub fn kept(&self) -> &[String] {
        &self.kept
    }

    /// Every warning, kept or only counted.
    pub fn total(&self) -> usize {
        self.total
    }
}

impl Serialize for Warnings {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let more = self.total.saturating_sub(self.kept.len());
        let mut seq = serializer.serialize_seq(Some(self.kept.len() + usize::from(more > 0)))?;
        for w in &self.kept {
            seq.serialize_element(w)?;
        }
        if more > 0 {
            seq.serialize_element(&format!("… and {more} more warnings"))?;
        }
        seq.end()
    }
}

/// Results of one producer within one report, being assembled.
struct ToolBatch {
    tool: String,
    import_id: String,
    seen: Vec<String>,
    /// [`id_key`]s of `seen`.
    seen_set: HashSet<u128>,
    /// Findings first seen by this batch (their events are in the run's spool).
    new: u64,
    /// Whether the producer has findings on record in the repository (each result is then
    /// looked up by id, instead of holding every known finding in memory).
    has_known: bool,
    results: u64,
    duplicates: u64,
    unplaced: u64,
}

impl ToolBatch {
    fn new(tool: String, import_id: String, has_known: bool) -> ToolBatch {
        ToolBatch {
            tool,
            import_id,
            seen: Vec::new(),
            seen_set: HashSet::new(),
            new: 0,
            has_known,
            results: 0,
            duplicates: 0,
            unplaced: 0,
        }
    }
}

/// Imports `inputs` into the ledger for `repo`: reads every report, brings the record of the
/// repository up to date, appends the new findings and the imports in one transaction, and
/// attributes the new findings (when asked).
pub fn import<S: Ledger + Send, R: Read + Seek>(
    ctx: &Context<'_>,
    store: &mut S,
    repo: &devspm_git::Repo,
    inputs: Vec<ImportInput<R>>,
    options: &ImportOptions,
) -> Result<ImportReport, EngineError> {
    // Imports withdrawn earlier: the same report imported again is a new import.
    let withdrawn: HashSet<String> = store
        .imports(Some(&repo.id))?
        .into_iter()
        .filter(|r| r.withdrawn_seq.is_some())
        .map(|r| r.import)
        .collect();
    let mut identifier = Identifier::new(
        ctx,
        store,
        repo,
        options.revision.as_deref(),
        options.tool.clone(),
    )?;
    let mut events: Vec<NewEvent> = Vec::new();
    let mut runs: Vec<ImportedRun> = Vec::new();
    let mut warnings = Warnings::default();
    let mut secrets: HashMap<String, String> = HashMap::new();
    // Findings recorded earlier in this run (a finding in two reports is recorded once).
    let mut recorded_now: HashSet<u128> = HashSet::new();
    // New findings' events wait on disk until every report has been read, so that memory
    // does not grow with the size of the input.
    let mut spool = Spool::new()?;
    // Progress: results read, over every report.
    let phase = crate::Phase::start(ctx.progress, crate::phase::IMPORT, &repo.name, None);
    let mut results_read = 0u64;

    for mut input in inputs {
        ctx.interrupt.check()?;
        let file = input.name.as_str();
        let source_sha256 = sha256_of(file, &mut input.reader)?;
        let mut batches: BTreeMap<String, ToolBatch> = BTreeMap::new();
        let mut state = FileState::default();
        // Results naming a file, and those naming one the revision does not have (a few kept
        // as examples): a report of another repository or revision is refused below.
        let mut with_path = 0u64;
        let mut missing: Vec<String> = Vec::new();
        let mut missing_count = 0u64;
        let summary =
            devspm_findings::import::import_reader(file, &mut input.reader, &mut |mut raw| {
                results_read += 1;
                phase.at(results_read);
                identifier.clean(&mut raw);
                let found = identifier.identify(&raw, &mut state);
                if raw.location.is_some() {
                    with_path += 1;
                }
                if let Some(path) = &found.missing {
                    missing_count += 1;
                    if missing.len() < 3 && !missing.contains(path) {
                        missing.push(path.clone());
                    }
                }
                let batch = match batches.get_mut(&found.tool) {
                    Some(b) => b,
                    None => {
                        let has_known = store
                            .has_findings(&repo.id, &found.tool)
                            .map_err(|e| e.to_string())?;
                        let import_id = live_import_id(
                            import_id(
                                &repo.id,
                                &found.tool,
                                state.revision.as_deref(),
                                &source_sha256,
                                options.partial,
                            ),
                            &withdrawn,
                        );
                        batches.entry(found.tool.clone()).or_insert(ToolBatch::new(
                            found.tool.clone(),
                            import_id,
                            has_known,
                        ))
                    }
                };
                batch.results += 1;
                if found.duplicate {
                    batch.duplicates += 1;
                    warnings.push(format!(
                        "{file}: {}: duplicate of an earlier result (same rule, place and content); counted once",
                        raw.origin
                    ));
                    return Ok(());
                }
                if let Some(reason) = &found.unplaced {
                    batch.unplaced += 1;
                    warnings.push(format!("{file}: {}: {reason}", raw.origin));
                }
                let id = found.id.clone();
                let secret = raw.secret.as_deref().filter(|s| !s.is_empty());
                if let Some(value) = secret {
                    secrets.insert(id.clone(), value.to_owned());
                }
                let key = id_key(&[&id]);
                if batch.seen_set.insert(key) {
                    batch.seen.push(id.clone());
                }
                let known =
                    batch.has_known && store.finding_recorded(&id).map_err(|e| e.to_string())?;
                if !known && recorded_now.insert(key) {
                    let payload = recorded(repo, &raw, &found, secret, &batch.import_id);
                    batch.new += 1;
                    spool
                        .write(&NewEvent::new(
                            format!("finding/{}/{}", repo.id, id),
                            format!("tool:{}", found.tool),
                            format!("repo:{}", repo.id),
                            payload,
                        ))
                        .map_err(|e| format!("cannot write the import's spool file: {e}"))?;
                }
                Ok(())
            })
            .map_err(|e| EngineError::NothingImported(Box::new(e)))?;
        // Most results name files this repository does not have at the revision: the report
        // is of another repository (or revision). Nothing is imported unless forced.
        if !options.force && with_path >= 3 && missing_count * 2 > with_path {
            return Err(EngineError::Invalid(format!(
                "{file}: {missing_count} of the {with_path} results name files that {} does not have at {} (e.g. {}): the report is probably of another repository or another revision — check --repo and --revision, or import it anyway with --force; nothing was imported",
                repo.name,
                state
                    .revision
                    .as_deref()
                    .map_or("its revision".to_owned(), |r| r[..r.len().min(10)]
                        .to_owned()),
                missing.join(", ")
            )));
        }
        for w in &summary.warnings {
            warnings.push(format!("{file}: {w}"));
        }
        // A producer that reported nothing still reported: what it found before is fixed.
        let tools: Vec<String> = match &options.tool {
            Some(t) => vec![t.clone()],
            // Redacted as the results' tool names were, so that both name the same batch.
            None => summary
                .tools
                .iter()
                .map(|t| {
                    let mut t = t.clone();
                    identifier.redactor.redact_in_place(&mut t);
                    t
                })
                .collect(),
        };
        let file_revision = state.revision.clone().or_else(|| {
            options
                .revision
                .as_deref()
                .and_then(|r| identifier.blamer.resolve(r))
                .or_else(|| identifier.head.clone())
        });
        for tool in tools {
            if batches.contains_key(&tool) {
                continue;
            }
            let has_known = store.has_findings(&repo.id, &tool)?;
            batches.insert(
                tool.clone(),
                ToolBatch::new(
                    tool.clone(),
                    live_import_id(
                        import_id(
                            &repo.id,
                            &tool,
                            file_revision.as_deref(),
                            &source_sha256,
                            options.partial,
                        ),
                        &withdrawn,
                    ),
                    has_known,
                ),
            );
        }
        state.revision = file_revision;
        // The lifecycle follows the commit graph (`devspm_findings::lifecycle`): the scan
        // speaks for its revision's ancestors.
        let line_of_history = match &state.revision {
            Some(r) => Some(devspm_git::ancestors(repo, r)?),
            None => None,
        };
        let on_the_line = |at: Option<&str>| match (&line_of_history, at) {
            (Some(line), Some(at)) => line.contains(at),
            _ => true,
        };
        for (_, batch) in batches {
            let already = store.import_recorded(&batch.import_id)?;
            let mut fixed = Vec::new();
            let mut reopened = Vec::new();
            let mut behind = Vec::new();
            // Withdrawn findings reported again: open again, counted as new.
            let mut revived = 0u64;
            store.for_each_finding(&repo.id, &batch.tool, &mut |f| {
                use devspm_findings::lifecycle::{Change, change};
                let seen = batch.seen_set.contains(&id_key(&[f.finding]));
                if seen && f.status == "withdrawn" {
                    revived += 1;
                }
                let list = match change(
                    f.status,
                    f.last_revision,
                    f.fixed_revision,
                    seen,
                    options.partial,
                    &on_the_line,
                ) {
                    Change::Fixed => &mut fixed,
                    Change::Reopened => &mut reopened,
                    Change::Behind => &mut behind,
                    Change::Unchanged => return,
                };
                list.push(f.finding.to_owned());
            })?;
            fixed.sort();
            reopened.sort();
            behind.sort();
            if !already && !behind.is_empty() {
                warnings.push(format!(
                    "{file}: {} of the findings {} reports were recorded at a later revision than {}, or on another branch: this older or unrelated scan leaves them where they stand, and fixes nothing recorded further along",
                    behind.len(),
                    batch.tool,
                    state.revision.as_deref().map_or("its revision", |r| &r[..r.len().min(10)])
                ));
            }
            let new = batch.new + revived;
            runs.push(ImportedRun {
                import: batch.import_id.clone(),
                file: file.to_owned(),
                format: summary.format.as_str().to_owned(),
                tool: batch.tool.clone(),
                revision: state.revision.clone(),
                results: batch.results,
                new: if already { 0 } else { new },
                seen: batch.seen.len() as u64,
                fixed: if already { 0 } else { fixed.len() as u64 },
                reopened: if already { 0 } else { reopened.len() as u64 },
                duplicates: batch.duplicates,
                unplaced: batch.unplaced,
                already_imported: already,
            });
            if already {
                continue;
            }
            events.push(NewEvent::new(
                format!("import/{}", batch.import_id),
                format!("tool:{}", batch.tool),
                format!("repo:{}", repo.id),
                FindingsImported {
                    import: batch.import_id.clone(),
                    repo: repo.id.clone(),
                    tool: batch.tool.clone(),
                    format: summary.format.as_str().to_owned(),
                    source: input.file_name.clone(),
                    source_sha256: source_sha256.clone(),
                    revision: state.revision.clone(),
                    results: batch.results,
                    seen: batch.seen,
                    new,
                    fixed,
                    reopened,
                    duplicates: batch.duplicates,
                    partial: options.partial,
                    behind,
                },
            ));
        }
    }
    drop(identifier);
    drop(phase);
    // Every report was read: bring the record of the repository up to date (attribution
    // needs its commits), then append the findings in one transaction.
    crate::scan::bring_up_to_date(ctx, store, repo)?;
    // New findings from the spool, then the imports that saw them: one transaction.
    let mut spooled = spool.read_back()?.chain(events.into_iter().map(Ok));
    store.append_stream(&mut spooled, CursorMove::None)?;
    let attribution = if options.attribute {
        Some(crate::attribution::attribute_pending(
            store,
            repo,
            &secrets,
            false,
            ctx.progress,
        )?)
    } else {
        None
    };
    let tools: Vec<String> = runs.iter().map(|r| r.tool.clone()).collect();
    let (rules, assessment) = crate::gate::repository_findings(ctx, store, repo, &tools)?;
    Ok(ImportReport {
        database: store.location().to_owned(),
        repository: repo.name.clone(),
        runs,
        warnings,
        attribution,
        ignored: assessment.ignored,
        gate: options
            .fail_on
            .as_deref()
            .map(|level| assessment.gate(level, &rules.fail_on)),
    })
}

/// The `finding_recorded` payload of a result seen for the first time.
fn recorded(
    repo: &devspm_git::Repo,
    raw: &RawFinding,
    found: &identify::Identified,
    secret: Option<&str>,
    import: &str,
) -> FindingRecorded {
    FindingRecorded {
        finding: found.id.clone(),
        repo: repo.id.clone(),
        tool: found.tool.clone(),
        tool_version: raw.tool_version.clone(),
        rule: raw.rule.clone(),
        kind: raw.kind.as_str().to_owned(),
        // A leaked credential without a producer severity (gitleaks has none) is high: it
        // grants access until rotated.
        severity: if raw.kind == devspm_findings::FindingKind::Secret
            && raw.severity == devspm_findings::Severity::Unknown
        {
            "high".to_owned()
        } else {
            raw.severity.as_str().to_owned()
        },
        message: scrub(&raw.message, secret),
        identifiers: raw.identifiers.clone(),
        path: found.path.clone(),
        start_line: found.lines.map(|l| l.0),
        end_line: found.lines.map(|l| l.1),
        foreign_path: found.foreign.clone(),
        package: raw.package.as_ref().map(|p| PackageRef {
            ecosystem: p.ecosystem.clone(),
            name: p.name.clone(),
            version: p.version.clone(),
            manifest: p.manifest.clone(),
            fixed: p.fixed.clone(),
        }),
        secret: found.secret_hash.clone().map(|hash| SecretRef {
            hash,
            preview: redact(secret.unwrap_or_default()),
        }),
        inline_marker: None,
        scanner_suppression: raw.suppression.as_ref().map(|s| ScannerSuppression {
            kind: s.kind.clone(),
            justification: s.justification.as_deref().map(|j| scrub(j, secret)),
        }),
        fingerprint: found.fingerprint.clone(),
        revision: found.revision.clone(),
        import: import.to_owned(),
    }
}

/// What `export sarif` needs to know of a report, read the way import read it.
pub struct ReportIds {
    /// The finding id of each result, by the result's JSON path.
    pub ids: HashMap<String, String>,
    /// The secret values the producer declared (gitleaks' `Secret`, its SARIF snippet …): the
    /// export must not repeat them. Held in memory for the export only.
    pub secrets: HashSet<String>,
    /// The detector that redacted the stored text, to redact the exported text the same way.
    pub redactor: crate::secrets::Redactor,
}

/// The finding id of each result of a report (read from the reader's current position), and
/// what of it must not be exported.
pub fn finding_ids<R: Read + Seek>(
    ctx: &Context<'_>,
    store: &mut impl FindingStore,
    repo: &devspm_git::Repo,
    input: &mut ImportInput<R>,
    revision: Option<&str>,
) -> Result<ReportIds, EngineError> {
    let mut identifier = Identifier::new(ctx, store, repo, revision, None)?;
    let mut state = FileState::default();
    let mut ids = HashMap::new();
    let mut secrets = HashSet::new();
    devspm_findings::import::import_reader(
        &input.name,
        &mut input.reader,
        &mut |mut raw: RawFinding| {
            identifier.clean(&mut raw);
            let found = identifier.identify(&raw, &mut state);
            ids.insert(raw.origin.clone(), found.id);
            if let Some(secret) = raw.secret.take().filter(|s| s.len() >= 4) {
                secrets.insert(secret);
            }
            Ok(())
        },
    )?;
    Ok(ReportIds {
        ids,
        secrets,
        redactor: identifier.redactor,
    })
}

/// The SHA-256 of what `reader` holds from its current position, which it is moved back to.
fn sha256_of(name: &str, reader: &mut (impl Read + Seek)) -> Result<String, EngineError> {
    let cannot = |e| EngineError::io(format!("cannot read {name}"), e);
    let start = reader.stream_position().map_err(cannot)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf).map_err(cannot)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    reader.seek(SeekFrom::Start(start)).map_err(cannot)?;
    Ok(devspm_core::hex::encode(&hasher.finalize()))
}

/// `base`, or — when an import with that id was withdrawn — the id of importing the same
/// results again (derived from it, so the same input still gives the same id).
fn live_import_id(base: String, withdrawn: &HashSet<String>) -> String {
    let mut id = base;
    while withdrawn.contains(&id) {
        let digest = Sha256::digest(format!("{id}\0imported again after withdrawal").as_bytes());
        id = format!("i_{}", &devspm_core::hex::encode(&digest)[..16]);
    }
    id
}

/// A message with any occurrence of the secret masked (belt and braces: importers already
/// keep secrets out of messages).
fn scrub(message: &str, secret: Option<&str>) -> String {
    match secret {
        Some(s) if s.len() >= 4 && message.contains(s) => message.replace(s, &redact(s)),
        _ => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) {
        let status = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    }

    /// A report that arrives as a stream (an upload) is imported like a file, and importing
    /// the same bytes again records nothing new.
    #[test]
    fn a_streamed_report_is_imported_once() {
        let dir = tempfile::tempdir().expect("temp dir");
        let repo_dir = dir.path();
        git(repo_dir, &["init", "-q", "-b", "main"]);
        std::fs::write(
            repo_dir.join("app.py"),
            "import hashlib\nhashlib.md5(b'x')\n",
        )
        .expect("write");
        git(repo_dir, &["add", "app.py"]);
        git(
            repo_dir,
            &[
                "-c",
                "user.name=Alice",
                "-c",
                "user.email=alice@example.com",
                "commit",
                "-q",
                "-m",
                "add app",
            ],
        );
        let repo = devspm_git::open(repo_dir).expect("repository");
        let sarif = br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Semgrep OSS"}},"results":[{"ruleId":"insecure-hash-md5","message":{"text":"MD5 is not a secure hash"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"app.py"},"region":{"startLine":2}}}]}]}]}"#;
        let (config, catalogue, policy) = (
            devspm_core::config::Config::default(),
            devspm_core::catalogue::Catalogue::builtin(),
            devspm_governance::policy::Policy::default(),
        );
        let interrupt = crate::Interrupt::new();
        let ctx = Context {
            config: &config,
            catalogue: &catalogue,
            policy: &policy,
            secret_rules: None,
            secret_key: &crate::DatabaseKey,
            diagnostics: &crate::Silent,
            progress: &crate::NoProgress,
            interrupt: &interrupt,
        };
        let mut store = crate::store::AnyStore::open_in_memory().expect("store");
        let options = ImportOptions {
            attribute: true,
            ..ImportOptions::default()
        };
        let upload = |bytes: &[u8]| {
            ImportInput::spool("upload #1".into(), "semgrep.sarif".into(), bytes).expect("spooled")
        };
        let first = import(&ctx, &mut store, &repo, vec![upload(sarif)], &options).expect("import");
        assert_eq!(first.runs.len(), 1, "{first:?}");
        let run = &first.runs[0];
        assert_eq!(
            (run.format.as_str(), run.tool.as_str(), run.file.as_str()),
            ("sarif", "semgrep", "upload #1")
        );
        assert_eq!((run.results, run.new, run.already_imported), (1, 1, false));
        assert_eq!(first.attribution.as_ref().map(|a| a.attributed), Some(1));
        let again = import(&ctx, &mut store, &repo, vec![upload(sarif)], &options).expect("again");
        assert!(again.runs[0].already_imported, "{again:?}");
        assert_eq!(again.runs[0].new, 0);
        let imports = withdraw::imports(&store, Some(&repo.id)).expect("imports");
        assert_eq!(imports.len(), 1);
        assert_eq!(imports[0].source, "semgrep.sarif");
    }

    #[test]
    fn warnings_beyond_those_kept_are_counted_in_one_line() {
        let mut warnings = Warnings::default();
        for n in 0..Warnings::KEPT + 2 {
            warnings.push(format!("w{n}"));
        }
        assert_eq!(warnings.kept().len(), Warnings::KEPT);
        assert_eq!(warnings.total(), Warnings::KEPT + 2);
        let json = serde_json::to_value(&warnings).expect("json");
        let lines = json.as_array().expect("a list");
        assert_eq!(lines.len(), Warnings::KEPT + 1);
        assert_eq!(lines[Warnings::KEPT], "… and 2 more warnings");
    }
}
