//! `devspm import`: read scanner results into findings on the ledger, follow their lifecycle,
//! and attribute each new finding to who or what introduced it.
//!
//! Every file is read (streaming) before anything is written; all files of one run are then
//! appended in one transaction, so a malformed file leaves the ledger exactly as it was. Paths
//! are placed in the repository at the scanned revision; a path that cannot be placed is kept
//! as a foreign path and the finding is recorded as unattributable, never guessed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;
use devspm_core::NewEvent;
use devspm_core::finding::{FindingRecorded, FindingsImported, PackageRef, SecretRef, finding_id};
use devspm_engine::findings::import_id;
use devspm_findings::RawFinding;
use devspm_findings::fingerprint::{fingerprint, flagged_text, redact, secret_hash};
use devspm_findings::paths::{Placed, place};
use devspm_git::{BlameOptions, Blamer};
use devspm_ledger::{FindingStore, SqliteStore, Store};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::cli::{Format, GlobalArgs, ImportArgs};
use crate::output::{Table, count, emit, emit_json, escape};
use crate::settings::Settings;

/// What one producer's results in one file did.
#[derive(Clone, Debug, Serialize)]
pub struct ImportedRun {
    /// The import's id (`devspm import --undo` takes it).
    pub import: String,
    pub file: String,
    pub format: String,
    pub tool: String,
    pub revision: Option<String>,
    pub results: u64,
    pub new: u64,
    pub seen: u64,
    pub fixed: u64,
    pub reopened: u64,
    pub duplicates: u64,
    pub unplaced: u64,
    /// The same results were imported before: nothing changed.
    pub already_imported: bool,
}

#[derive(Serialize)]
struct ImportOutput {
    database: String,
    repository: String,
    runs: Vec<ImportedRun>,
    warnings: Vec<String>,
    attribution: Option<devspm_engine::attribution::AttributionReport>,
}

/// Results of one producer within one file, being assembled.
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

/// Turns raw results into finding ids the same way every time: placing paths at the scanned
/// revision, fingerprinting, numbering repeated content, hashing secrets.
struct Identifier<'a> {
    repo: &'a devspm_git::Repo,
    blamer: Blamer,
    head: Option<String>,
    cli_revision: Option<String>,
    tool_override: Option<String>,
    key: [u8; 32],
    /// Replaces the secrets in every free-text field before anything is fingerprinted or kept.
    redactor: devspm_engine::secrets::Redactor,
    workdir: Option<PathBuf>,
    tree_cache: HashMap<String, HashSet<String>>,
    /// File contents by (revision, path): results come grouped by file.
    contents: HashMap<(String, String), Option<std::rc::Rc<Vec<u8>>>>,
}

/// One result, identified.
struct Identified {
    id: String,
    fingerprint: String,
    tool: String,
    path: Option<String>,
    foreign: Option<String>,
    unplaced: Option<String>,
    /// The result names a file that the revision's tree does not have (or none of the
    /// repository's): the path as the result gave it.
    missing: Option<String>,
    lines: Option<(u32, u32)>,
    secret_hash: Option<String>,
    revision: Option<String>,
    /// The same result (fingerprint and place) appeared earlier in the file.
    duplicate: bool,
}

/// Where a result points: repository path and first line (`None` for no file).
type Place = Option<(String, Option<u32>)>;

/// Per-file state of identification: the file's revision and the places seen so far.
#[derive(Default)]
struct FileState {
    revision: Option<String>,
    revision_set: bool,
    /// [`id_key`] of (tool, fingerprint) → [`id_key`] of the first place it was seen at: a
    /// million results keep 32 bytes each here, not their strings.
    places: HashMap<u128, u128>,
}

/// A 128-bit key for a string (or a few, joined) kept only to be compared: two different
/// strings share one with probability 2^-128. Sets of keys instead of strings keep an import's
/// memory in proportion to its results small.
fn id_key(parts: &[&str]) -> u128 {
    use std::hash::{Hash, Hasher};
    let half = |seed: u8| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        seed.hash(&mut h);
        parts.hash(&mut h);
        h.finish()
    };
    (u128::from(half(0)) << 64) | u128::from(half(1))
}

/// The warnings of an import: the first [`Warnings::KEPT`] are kept, the rest only counted
/// (an import of a million unplaceable results must not hold a million sentences).
#[derive(Default)]
struct Warnings {
    kept: Vec<String>,
    total: usize,
}

impl Warnings {
    const KEPT: usize = 1000;

    fn push(&mut self, warning: String) {
        self.total += 1;
        if self.kept.len() < Self::KEPT {
            self.kept.push(warning);
        }
    }

    /// The kept warnings, and a last line counting the others.
    fn into_vec(self) -> Vec<String> {
        let mut out = self.kept;
        if self.total > out.len() {
            out.push(format!("… and {} more warnings", self.total - out.len()));
        }
        out
    }
}

impl<'a> Identifier<'a> {
    fn new(
        store: &mut SqliteStore,
        settings: &Settings,
        repo: &'a devspm_git::Repo,
        revision: Option<&str>,
        tool_override: Option<String>,
    ) -> anyhow::Result<Identifier<'a>> {
        let key = settings.secret_key(store)?;
        let blamer = Blamer::new(repo, BlameOptions::default());
        let cli_revision = match revision {
            Some(rev) => Some(blamer.resolve(rev).with_context(|| {
                format!(
                    "--revision {rev} is not a commit of {} (fetch it first)",
                    repo.path.display()
                )
            })?),
            None => None,
        };
        Ok(Identifier {
            head: devspm_git::head_commit(repo)?,
            cli_revision,
            tool_override,
            key,
            redactor: devspm_engine::secrets::Redactor::new(&settings.context(), key)?,
            workdir: workdir_of(&repo.path),
            tree_cache: HashMap::new(),
            contents: HashMap::new(),
            blamer,
            repo,
        })
    }

    /// The content of a file at a revision, cached for the next results on the same file.
    fn content(&mut self, rev: &str, path: &str) -> Option<std::rc::Rc<Vec<u8>>> {
        let key = (rev.to_owned(), path.to_owned());
        if let Some(hit) = self.contents.get(&key) {
            return hit.clone();
        }
        if self.contents.len() >= 64 {
            self.contents.clear();
        }
        let read = self
            .blamer
            .read(rev, path)
            .ok()
            .flatten()
            .map(std::rc::Rc::new);
        self.contents.insert(key, read.clone());
        read
    }

    /// What of a scanner's result may be kept: every free-text field with the secrets the
    /// built-in detector finds replaced by their keyed hash and preview (before anything is
    /// fingerprinted: a plain hash of a text holding a secret would confirm a guess of it), and
    /// the message capped at [`devspm_core::text::MAX_FINDING_MESSAGE_BYTES`].
    fn clean(&self, raw: &mut RawFinding) {
        raw.for_each_text_mut(&mut |text| self.redactor.redact_in_place(text));
        devspm_core::text::cap_text(
            &mut raw.message,
            devspm_core::text::MAX_FINDING_MESSAGE_BYTES,
        );
    }

    fn identify(&mut self, raw: &RawFinding, file: &mut FileState) -> Identified {
        let tool = self
            .tool_override
            .clone()
            .unwrap_or_else(|| raw.tool.clone());
        // The revision this file describes: --revision, else the file's own, else HEAD.
        if !file.revision_set {
            file.revision_set = true;
            file.revision = self
                .cli_revision
                .clone()
                .or_else(|| raw.revision.as_deref().and_then(|r| self.blamer.resolve(r)))
                .or_else(|| self.head.clone());
        }
        let revision = raw
            .revision
            .as_deref()
            .and_then(|r| self.blamer.resolve(r))
            .or_else(|| file.revision.clone());
        let rev = revision.clone().unwrap_or_default();
        let blamer = &self.blamer;
        let files = self
            .tree_cache
            .entry(rev.clone())
            .or_insert_with(|| blamer.tree_paths(&rev).unwrap_or_default());
        let (path, foreign, unplaced, missing) = match raw.location.as_ref().map(|l| &l.path) {
            None => (None, None, None, None),
            Some(p) => match place(p, self.workdir.as_deref(), files) {
                Placed::InRepo { path, exists } => {
                    let missing = (!exists).then(|| path.clone());
                    (Some(path), None, None, missing)
                }
                Placed::Outside { reason } => {
                    (None, Some(p.clone()), Some(reason), Some(p.clone()))
                }
            },
        };
        let lines = raw
            .location
            .as_ref()
            .and_then(|l| l.start_line.map(|s| (s, l.end_line.unwrap_or(s).max(s))));
        let flagged = match (&path, lines) {
            (Some(p), Some((s, e))) if !rev.is_empty() => self
                .content(&rev, p)
                .and_then(|content| flagged_text(&content, s, e)),
            _ => None,
        };
        let secret_hash = raw
            .secret
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| secret_hash(&self.key, s));
        // A secret is identified by its value, not by the producer's fingerprint (gitleaks'
        // includes the line number: the same key one line lower would be a new finding).
        let by_value;
        let identity = if secret_hash.is_some() && raw.producer_fingerprint.is_some() {
            by_value = RawFinding {
                producer_fingerprint: None,
                ..raw.clone()
            };
            &by_value
        } else {
            raw
        };
        let fp = fingerprint(
            identity,
            path.as_deref(),
            flagged.as_deref(),
            secret_hash.as_deref(),
        );
        let place_key: Place = path.clone().map(|p| (p, lines.map(|l| l.0)));
        let place_key = match &place_key {
            None => id_key(&[]),
            Some((p, line)) => id_key(&[p, &line.map(|l| l.to_string()).unwrap_or_default()]),
        };
        let (fp, duplicate) = match file.places.get(&id_key(&[&tool, &fp])) {
            None => (fp, false),
            Some(first) if *first == place_key => (fp, true),
            // The same content flagged at two places: tell the occurrences apart.
            Some(_) => {
                let mut n = 2;
                while file
                    .places
                    .contains_key(&id_key(&[&tool, &format!("{fp}#{n}")]))
                {
                    n += 1;
                }
                (format!("{fp}#{n}"), false)
            }
        };
        if !duplicate {
            file.places.insert(id_key(&[&tool, &fp]), place_key);
        }
        Identified {
            id: finding_id(&self.repo.id, &tool, &fp),
            fingerprint: fp,
            tool,
            path,
            foreign,
            unplaced,
            missing,
            lines,
            secret_hash,
            revision,
            duplicate,
        }
    }
}

/// What `export sarif` needs to know of an input file, read the way import read it.
pub struct ExportIds {
    /// The finding id of each result, by the result's JSON path.
    pub ids: HashMap<String, String>,
    /// The secret values the producer declared (gitleaks' `Secret`, its SARIF snippet …): the
    /// export must not repeat them. Held in memory for the export only.
    pub secrets: HashSet<String>,
    /// The detector that redacted the stored text, to redact the exported text the same way.
    pub redactor: devspm_engine::secrets::Redactor,
}

/// For `export sarif`: the finding id of each result of `file`, and what must not be exported.
pub fn finding_ids_of(
    store: &mut SqliteStore,
    settings: &Settings,
    repo: &devspm_git::Repo,
    file: &Path,
    revision: Option<&str>,
) -> anyhow::Result<ExportIds> {
    let mut identifier = Identifier::new(store, settings, repo, revision, None)?;
    let mut state = FileState::default();
    let mut ids = HashMap::new();
    let mut secrets = HashSet::new();
    devspm_findings::import::import_file(file, &mut |mut raw: RawFinding| {
        identifier.clean(&mut raw);
        let found = identifier.identify(&raw, &mut state);
        ids.insert(raw.origin.clone(), found.id);
        if let Some(secret) = raw.secret.take().filter(|s| s.len() >= 4) {
            secrets.insert(secret);
        }
        Ok(())
    })?;
    Ok(ExportIds {
        ids,
        secrets,
        redactor: identifier.redactor,
    })
}

pub fn run(settings: &Settings, global: &GlobalArgs, args: &ImportArgs) -> anyhow::Result<i32> {
    if let Some(id) = &args.undo {
        return super::import_undo::undo(settings, global, id);
    }
    if args.list {
        return super::import_undo::list(settings, global, args);
    }
    for file in &args.files {
        if !file.is_file() {
            anyhow::bail!("{}: no such file", file.display());
        }
    }
    let repo = devspm_git::open(&args.repo).with_context(|| {
        format!(
            "findings are attributed against a git repository; pass --repo PATH (tried {})",
            args.repo.display()
        )
    })?;
    let mut store = settings.open_store()?;
    // Imports withdrawn by `--undo`: the same file imported again is a new import.
    let withdrawn: HashSet<String> = store
        .imports(Some(&repo.id))?
        .into_iter()
        .filter(|r| r.withdrawn_seq.is_some())
        .map(|r| r.import)
        .collect();
    let mut identifier = Identifier::new(
        &mut store,
        settings,
        &repo,
        args.revision.as_deref(),
        args.tool.clone(),
    )?;
    let mut events: Vec<NewEvent> = Vec::new();
    let mut runs: Vec<ImportedRun> = Vec::new();
    let mut warnings = Warnings::default();
    let mut secrets: HashMap<String, String> = HashMap::new();
    // Findings recorded earlier in this run (a finding in two files is recorded once).
    let mut recorded_now: HashSet<u128> = HashSet::new();
    // New findings' events wait on disk until every file has been read, so that memory does
    // not grow with the size of the input.
    let mut spool = Spool::new()?;

    for file in &args.files {
        let file_name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.display().to_string());
        let source_sha256 = sha256_file(file)?;
        let mut batches: BTreeMap<String, ToolBatch> = BTreeMap::new();
        let mut state = FileState::default();
        // Results naming a file, and those naming one the revision does not have (a few kept
        // as examples): a report of another repository or revision is refused below.
        let mut with_path = 0u64;
        let mut missing: Vec<String> = Vec::new();
        let mut missing_count = 0u64;
        let summary = devspm_findings::import::import_file(file, &mut |mut raw: RawFinding| {
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
                            args.partial,
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
                    "{}: {}: duplicate of an earlier result (same rule, place and content); counted once",
                    file.display(),
                    raw.origin
                ));
                return Ok(());
            }
            if let Some(reason) = &found.unplaced {
                batch.unplaced += 1;
                warnings.push(format!("{}: {}: {reason}", file.display(), raw.origin));
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
                let payload = FindingRecorded {
                    finding: id.clone(),
                    repo: repo.id.clone(),
                    tool: found.tool.clone(),
                    tool_version: raw.tool_version.clone(),
                    rule: raw.rule.clone(),
                    kind: raw.kind.as_str().to_owned(),
                    // A leaked credential without a producer severity (gitleaks has none)
                    // is high: it grants access until rotated.
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
                    fingerprint: found.fingerprint.clone(),
                    revision: found.revision.clone(),
                    import: batch.import_id.clone(),
                };
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
        });
        let summary = summary.map_err(|e| {
            anyhow::anyhow!(e).context("nothing was imported (an import is all or nothing)")
        })?;
        // Most results name files this repository does not have at the revision: the report
        // is of another repository (or revision). Nothing is imported unless --force.
        if !args.force && with_path >= 3 && missing_count * 2 > with_path {
            anyhow::bail!(
                "{}: {missing_count} of the {with_path} results name files that {} does not have at {} (e.g. {}): the report is probably of another repository or another revision — check --repo and --revision, or import it anyway with --force; nothing was imported",
                file.display(),
                repo.name,
                state
                    .revision
                    .as_deref()
                    .map_or("its revision".to_owned(), |r| r[..r.len().min(10)]
                        .to_owned()),
                missing.join(", ")
            );
        }
        for w in &summary.warnings {
            warnings.push(format!("{}: {w}", file.display()));
        }
        // A producer that reported nothing still reported: what it found before is fixed.
        let tools: Vec<String> = match &args.tool {
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
            args.revision
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
                            args.partial,
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
            Some(r) => Some(devspm_git::ancestors(&repo, r)?),
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
                    args.partial,
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
                    "{}: {} of the findings {} reports were recorded at a later revision than {}, or on another branch: this older or unrelated scan leaves them where they stand, and fixes nothing recorded further along",
                    file.display(),
                    behind.len(),
                    batch.tool,
                    state.revision.as_deref().map_or("its revision", |r| &r[..r.len().min(10)])
                ));
            }
            let new = batch.new + revived;
            runs.push(ImportedRun {
                import: batch.import_id.clone(),
                file: file.display().to_string(),
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
                    source: file_name.clone(),
                    source_sha256: source_sha256.clone(),
                    revision: state.revision.clone(),
                    results: batch.results,
                    seen: batch.seen,
                    new,
                    fixed,
                    reopened,
                    duplicates: batch.duplicates,
                    partial: args.partial,
                    behind,
                },
            ));
        }
    }
    drop(identifier);
    // Every file was read: bring the record of the repository up to date (attribution needs
    // its commits), then append the findings in one transaction.
    devspm_engine::scan::bring_up_to_date(&settings.context(), &mut store, &repo)?;
    // New findings from the spool, then the imports that saw them: one transaction.
    let spooled = spool.read_back()?;
    store.append_streamed(spooled.chain(events.into_iter().map(Ok)))?;
    let attribution = if args.no_attribute {
        None
    } else {
        Some(devspm_engine::attribution::attribute_pending(
            &mut store, &repo, &secrets, false,
        )?)
    };
    drop(secrets);
    let (total, held) = (warnings.total, warnings.kept.len());
    let warnings = warnings.into_vec();
    crate::output::warnings(global, &warnings[..held], total);
    match global.format {
        Format::Json => emit_json(&ImportOutput {
            database: store.location().to_owned(),
            repository: repo.name.clone(),
            runs,
            warnings,
            attribution,
        })?,
        _ => emit(&render(&runs, attribution.as_ref(), &repo.name))?,
    }
    Ok(0)
}

/// Events written to a temporary file (JSON lines) and read back in order.
struct Spool {
    writer: std::io::BufWriter<std::fs::File>,
    file: tempfile::NamedTempFile,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct SpooledEvent {
    key: String,
    kind: String,
    actor: String,
    subject: String,
    payload: String,
}

impl Spool {
    fn new() -> anyhow::Result<Spool> {
        let file = tempfile::NamedTempFile::new()
            .context("cannot create a temporary file for the import")?;
        let writer = std::io::BufWriter::new(file.reopen()?);
        Ok(Spool { writer, file })
    }

    fn write(&mut self, event: &NewEvent) -> std::io::Result<()> {
        use std::io::Write;
        let line = serde_json::to_string(&SpooledEvent {
            key: event.key.clone(),
            kind: event.kind.as_str().to_owned(),
            actor: event.actor.clone(),
            subject: event.subject.clone(),
            payload: event.payload_json.clone(),
        })?;
        self.writer.write_all(line.as_bytes())?;
        self.writer.write_all(b"\n")
    }

    /// The spooled events, in the order written.
    fn read_back(
        self,
    ) -> anyhow::Result<impl Iterator<Item = Result<NewEvent, devspm_ledger::LedgerError>>> {
        use std::io::{BufRead, Write};
        let mut writer = self.writer;
        writer.flush()?;
        drop(writer);
        let reader = std::io::BufReader::new(self.file.reopen()?);
        let path = self.file.path().display().to_string();
        // The temporary file is deleted when the iterator (which owns it) is dropped.
        let keep = self.file;
        Ok(reader.lines().map(move |line| {
            let _owner = &keep;
            let bad = |reason: String| devspm_ledger::LedgerError::Open {
                path: path.clone(),
                reason: format!("the import's spool file is unreadable: {reason}"),
            };
            let line = line.map_err(|e| bad(e.to_string()))?;
            let e: SpooledEvent = serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
            let kind = devspm_core::EventKind::parse(&e.kind)
                .ok_or_else(|| bad(format!("unknown kind {}", e.kind)))?;
            let payload = devspm_core::Payload::from_json(kind, &e.payload)
                .map_err(|err| bad(err.to_string()))?;
            Ok(NewEvent {
                key: e.key,
                kind,
                actor: e.actor,
                subject: e.subject,
                payload,
                payload_json: e.payload,
                attachments: Vec::new(),
            })
        }))
    }
}

fn render(
    runs: &[ImportedRun],
    attribution: Option<&devspm_engine::attribution::AttributionReport>,
    repo: &str,
) -> String {
    let mut t = Table::new(&[
        ("file", false),
        ("tool", false),
        ("format", false),
        ("results", true),
        ("new", true),
        ("fixed", true),
        ("reopened", true),
        ("duplicates", true),
    ]);
    for r in runs {
        t.row(vec![
            Path::new(&r.file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            r.tool.clone(),
            r.format.clone(),
            count(r.results),
            if r.already_imported {
                "(already imported)".into()
            } else {
                count(r.new)
            },
            count(r.fixed),
            count(r.reopened),
            count(r.duplicates),
        ]);
    }
    let mut out = format!("Imported into {}\n\n{}", escape(repo), t.render("  "));
    let recorded: Vec<&str> = runs
        .iter()
        .filter(|r| !r.already_imported)
        .map(|r| r.import.as_str())
        .collect();
    if !recorded.is_empty() {
        out.push_str(&format!(
            "\nRecorded as import {} (a mistake? `devspm import --undo ID` withdraws one).\n",
            recorded.join(", ")
        ));
    }
    if let Some(a) = attribution {
        out.push_str(&format!(
            "\nAttribution: {} attributed, {} unattributable ({} files blamed, {} from cache)\n",
            count(a.attributed),
            count(a.unattributable),
            count(a.files_blamed),
            count(a.files_cached)
        ));
        out.push_str("List them with `devspm findings`.\n");
    }
    out
}

/// The work tree of a repository path (the path itself unless it is a bare repository).
fn workdir_of(path: &Path) -> Option<PathBuf> {
    if path.join(".git").exists() {
        Some(path.to_path_buf())
    } else if path.file_name().is_some_and(|n| n == ".git") {
        path.parent().map(Path::to_path_buf)
    } else {
        None
    }
}

fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
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
