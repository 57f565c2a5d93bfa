//! `ci audit`'s pipeline: audit the CI configuration a path holds (a file, a repository or a
//! part of one), and — for a repository — record it and name who introduced each finding's
//! line; then the gate: whether the findings reach the threshold, with triage judgements,
//! ignores and path contexts honoured as by every other `--fail-on` (`gate.rs`).
//!
//! Which paths a command line names (a folder of repositories, a `.github/workflows` folder) is
//! the front end's business; a server audits the repositories it was asked about.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use devspm_governance::ci::{self, AuditConfig, AuditReport, CiFinding, FileKind};
use devspm_ledger::FindingFilter;
use serde::Serialize;

use crate::ci::{TOOL, audit_head, inspect_head};
use crate::{Context, EngineError, Ledger};

/// The rule of a CI file that could not be audited (`devspm_governance::ci`'s
/// `unauditable-file`): it fails the gate whatever the threshold.
pub const UNAUDITABLE: &str = "unauditable-file";

pub use devspm_report::ci::Introduced;

/// The audit of one path.
pub struct AuditTarget {
    /// The folder the findings' paths are relative to.
    pub root: PathBuf,
    /// The path as given, or the repository's name once attributed.
    pub name: String,
    pub report: AuditReport,
    /// Who introduced each open finding: (rule, path, line) → introduction.
    pub introduced: HashMap<(String, String, u32), Introduced>,
    /// Files whose content on disk differs from HEAD.
    pub uncommitted: Vec<String>,
    /// Recorded findings a standing triage judgement sets aside: (rule, path, line).
    pub triaged: HashSet<(String, String, u32)>,
    /// Path context and ignore of each finding, in the order of `report.findings` (filled by
    /// [`gate`]).
    pub assessed: Vec<(
        devspm_core::gating::PathContext,
        Option<crate::gate::Ignored>,
    )>,
}

/// A finding's path context and the ignore that sets it aside, if any.
pub type Assessment = (
    devspm_core::gating::PathContext,
    Option<crate::gate::Ignored>,
);

impl AuditTarget {
    /// The findings a listing shows, with their context and ignore: every finding no ignore
    /// sets aside (with `show_ignored`, every finding). Empty before [`gate`] ran.
    pub fn listed(&self, show_ignored: bool) -> impl Iterator<Item = (&CiFinding, &Assessment)> {
        self.report
            .findings
            .iter()
            .zip(&self.assessed)
            .filter(move |(_, (_, ignored))| show_ignored || ignored.is_none())
    }

    /// Who introduced a finding's line, and whether the file has uncommitted changes (then
    /// nobody is named: the line on disk may not be the committed one).
    pub fn introduced_for(&self, f: &CiFinding) -> (Option<Introduced>, bool) {
        let uncommitted = self.uncommitted.contains(&f.path);
        let introduced = if uncommitted {
            None
        } else {
            self.introduced
                .get(&(f.rule_id.clone(), f.path.clone(), f.line))
                .cloned()
        };
        (introduced, uncommitted)
    }
}

/// What a PATH given to `ci audit` names, as (folder to audit as a repository root, only the
/// files under this prefix): a file as itself; a `.github/workflows` (or `.github`) folder as
/// its repository with only those files, as zizmor reads it; a folder with CI files of its own
/// as itself; otherwise every repository below it (a folder of checkouts). Empty when none of
/// these holds a CI file.
pub fn expand_path(path: &Path) -> Vec<(PathBuf, Option<&'static str>)> {
    if path.is_file() {
        return vec![(path.to_path_buf(), None)];
    }
    let absolute = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let names: Vec<String> = absolute
        .components()
        .rev()
        .take(2)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let (up, only) = match names.as_slice() {
        [last, parent, ..] if last == "workflows" && parent == ".github" => {
            (2, Some(".github/workflows/"))
        }
        [last, ..] if last == ".github" => (1, Some(".github/")),
        _ => (0, None),
    };
    if let Some(prefix) = only {
        let root = absolute
            .ancestors()
            .nth(up)
            .unwrap_or(&absolute)
            .to_path_buf();
        let found = ci::discover(&root)
            .iter()
            .any(|f| ci::to_slash(f).starts_with(prefix));
        return if found {
            vec![(root, only)]
        } else {
            Vec::new()
        };
    }
    if !ci::discover(path).is_empty() && devspm_git::open(path).is_ok() {
        return vec![(path.to_path_buf(), None)];
    }
    let repositories: Vec<(PathBuf, Option<&'static str>)> =
        devspm_git::discover_repositories(path, 4)
            .into_iter()
            .filter(|repo| !ci::discover(repo).is_empty())
            .map(|repo| (repo, None))
            .collect();
    if !repositories.is_empty() {
        return repositories;
    }
    if ci::discover(path).is_empty() {
        Vec::new()
    } else {
        vec![(path.to_path_buf(), None)]
    }
}

/// What the PATHs of a command line name ([`expand_path`]); none given is `.`, which may hold
/// no CI file (an empty audit), where a PATH given that holds none is an error.
pub fn resolve_paths(
    given: &[PathBuf],
) -> Result<Vec<(PathBuf, Option<&'static str>)>, EngineError> {
    let explicit = !given.is_empty();
    let dot = [PathBuf::from(".")];
    let mut paths = Vec::new();
    for path in if explicit { given } else { &dot[..] } {
        if !path.exists() {
            return Err(EngineError::NotFound(format!(
                "{}: no such file or directory",
                path.display()
            )));
        }
        let expanded = expand_path(path);
        if expanded.is_empty() {
            if explicit {
                return Err(EngineError::NotFound(format!(
                    "{}: no CI configuration found (looked for .github/workflows/*.yml, action.yml, .github/dependabot.yml, .gitlab-ci.yml, in it and in the repositories below it)",
                    path.display()
                )));
            }
            paths.push((path.clone(), None));
        } else {
            paths.extend(expanded);
        }
    }
    Ok(paths)
}

/// Audits the CI files of `path` on disk: a file (audited as what its name says, else as a
/// workflow), or every CI file of a folder, only those under `only` when given.
pub fn audit_path(
    path: &Path,
    only: Option<&str>,
    config: &AuditConfig,
) -> Result<AuditTarget, EngineError> {
    let (root, files) = if path.is_file() {
        file_in_its_root(path)
    } else {
        let mut files = ci::discover(path);
        if let Some(prefix) = only {
            files.retain(|f| ci::to_slash(f).starts_with(prefix));
        }
        (path.to_path_buf(), files)
    };
    let mut report = if path.is_file() && ci::classify(&path.to_string_lossy()).is_none() {
        let bytes = std::fs::read(path)
            .map_err(|e| EngineError::io(format!("cannot read {}", path.display()), e))?;
        let name = path.to_string_lossy().into_owned();
        let kind = if name.ends_with(".gitlab-ci.yml") {
            FileKind::GitlabCi
        } else {
            FileKind::Workflow
        };
        ci::audit_bytes_as(&name, kind, &bytes, config)
    } else {
        ci::audit_files(&root, &files, config)
    };
    report.sort();
    Ok(AuditTarget {
        name: path.display().to_string(),
        root,
        report,
        introduced: HashMap::new(),
        uncommitted: Vec::new(),
        triaged: HashSet::new(),
        assessed: Vec::new(),
    })
}

/// A CI file given by itself, as (the folder its kind is told from, its path from there): the
/// nearest ancestor from which the path reads as a CI file (`.github/workflows/x.yml` from the
/// repository, `action.yml` from its own folder), so that a workflow named by its path is
/// audited as a workflow and its local actions are found; else its own folder.
fn file_in_its_root(path: &Path) -> (PathBuf, Vec<PathBuf>) {
    let absolute = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    for root in absolute.ancestors().skip(1) {
        if let Ok(rel) = absolute.strip_prefix(root)
            && ci::classify(&ci::to_slash(rel)).is_some()
        {
            return (root.to_path_buf(), vec![rel.to_path_buf()]);
        }
    }
    let root = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let name = path.file_name().map(PathBuf::from).unwrap_or_default();
    (root, vec![name])
}

/// Records `repo` (the audit of HEAD included) and names, for each finding of `target`, who
/// introduced its line — unless the file on disk differs from HEAD.
pub fn attribute<S: Ledger + Send>(
    ctx: &Context<'_>,
    store: &mut S,
    repo: &devspm_git::Repo,
    config: &AuditConfig,
    target: &mut AuditTarget,
) -> Result<(), EngineError> {
    // Recording audits HEAD when refs moved; otherwise HEAD's audit is recorded here (the
    // first audit of a repository scanned before, or a changed policy).
    if !crate::scan::bring_up_to_date(ctx, store, repo)? {
        inspect_head(ctx, store, repo)?;
    }
    target.name = repo.name.clone();
    if let Some(head) = audit_head(repo, config)? {
        let paths: BTreeSet<String> = target
            .report
            .findings
            .iter()
            .map(|f| f.path.clone())
            .collect();
        for path in paths {
            let on_disk = std::fs::read(target.root.join(&path)).ok();
            let same = on_disk.is_some_and(|bytes| {
                head.blobs.get(&path).is_some_and(|blob| {
                    devspm_git::blob_id(&bytes).as_deref() == Some(blob.as_str())
                })
            });
            if !same {
                target.uncommitted.push(path);
            }
        }
    }
    for row in store.findings(&FindingFilter {
        repo: Some(repo.id.clone()),
        tool: Some(TOOL.to_owned()),
        status: Some("open".into()),
        ..Default::default()
    })? {
        let (Some(path), Some(line)) = (row.path.clone(), row.start_line) else {
            continue;
        };
        if row.triage.as_ref().is_some_and(|t| t.active) {
            target
                .triaged
                .insert((row.rule.clone(), path.clone(), line));
        }
        target.introduced.insert(
            (row.rule.clone(), path, line),
            Introduced {
                commit: row.introduced_in.clone(),
                developer: row.developer_name.clone().or(row.developer.clone()),
                agents: row.agents.clone(),
                method: row.method.clone(),
                confidence: row.confidence.clone(),
                reason: row.reason.clone(),
            },
        );
    }
    Ok(())
}

/// What `ci audit` asks for: the paths (none: `.`), whether the findings of repositories are
/// recorded and attributed, and the threshold (default: the policy's `thresholds.ci_severity`).
#[derive(Clone, Debug, Default)]
pub struct AuditRequest {
    pub paths: Vec<PathBuf>,
    pub record: bool,
    pub fail_on: Option<String>,
}

/// `ci audit`'s result: every target audited (attributed when recorded), the gate, and the
/// threshold it was run at.
pub struct AuditRun {
    pub targets: Vec<AuditTarget>,
    pub gate: Gate,
    pub threshold: String,
}

/// `ci audit`: each path given resolved ([`resolve_paths`]) and audited ([`audit_path`]);
/// a repository's findings, when `request.record`, recorded and attributed ([`attribute`]) in
/// the ledger `open` opens the first time a repository is met (auditing files alone never
/// creates a database); then the [`gate`]. Errors are the caller's `E`, so that the ledger's
/// opener keeps its own.
pub fn run<S: Ledger + Send, E: From<EngineError>>(
    ctx: &Context<'_>,
    request: &AuditRequest,
    mut open: impl FnMut() -> Result<S, E>,
) -> Result<AuditRun, E> {
    let config = crate::ci::audit_config(ctx.policy);
    let mut targets = Vec::new();
    let mut store = None;
    for (path, only) in &resolve_paths(&request.paths)? {
        let mut target = audit_path(path, *only, &config)?;
        if request.record
            && path.is_dir()
            && let Ok(repo) = devspm_git::open(path)
        {
            if store.is_none() {
                store = Some(open()?);
            }
            if let Some(store) = store.as_mut() {
                attribute(ctx, store, &repo, &config, &mut target)?;
            }
        }
        targets.push(target);
    }
    let threshold = request
        .fail_on
        .clone()
        .unwrap_or_else(|| ctx.policy.thresholds.ci_severity.clone());
    let gate = gate(ctx, &mut targets, &threshold)?;
    Ok(AuditRun {
        targets,
        gate,
        threshold,
    })
}

/// A severity word's rank, higher is worse (unknown words: 0).
pub fn severity_rank(word: &str) -> u8 {
    match word {
        "critical" => 5,
        "high" => 4,
        "medium" => 3,
        "low" => 2,
        "info" => 1,
        _ => 0,
    }
}

/// The gate's verdict over every target.
#[derive(Clone, Debug)]
pub struct Gate {
    /// A finding reached the threshold, or a file could not be audited.
    pub failed: bool,
    /// Files that could not be audited (`unauditable-file` findings, by place).
    pub not_audited: usize,
    /// Findings an ignore sets aside (whatever their severity).
    pub ignored: usize,
    /// The findings' gate (`gate.rs`), summed over the targets.
    pub outcome: crate::gate::GateOutcome,
}

/// Whether the audit fails at `threshold` (a severity word): the one `--fail-on` gate over
/// each target's findings, with its triage judgements (recorded findings), the ignores of the
/// configuration and of the repository at the target's root, and `[fail_on] contexts`; fills
/// each target's `assessed`. A file that could not be audited fails the gate whatever the
/// threshold: an audit that could not look has not passed.
pub fn gate(
    ctx: &Context<'_>,
    targets: &mut [AuditTarget],
    threshold: &str,
) -> Result<Gate, EngineError> {
    let mut outcome = crate::gate::GateOutcome {
        threshold: threshold.to_owned(),
        ..Default::default()
    };
    let mut ignored = 0;
    for target in targets.iter_mut() {
        let repo = devspm_git::open(&target.root).ok();
        let rules = crate::gate::rules(ctx, repo.as_ref())?;
        target.assessed = target
            .report
            .findings
            .iter()
            .map(|f| {
                let subject = devspm_findings::ignore::Subject {
                    tool: TOOL,
                    kind: "config",
                    rule: &f.rule_id,
                    path: Some(&f.path),
                    line: Some(f.line),
                    ..Default::default()
                };
                (
                    rules.contexts.classify(Some(&f.path)),
                    rules.ignored(&subject),
                )
            })
            .collect();
        ignored += target.assessed.iter().filter(|(_, i)| i.is_some()).count();
        let inputs =
            target
                .report
                .findings
                .iter()
                .zip(&target.assessed)
                .map(|(f, (context, ignored))| crate::gate::GateInput {
                    severity: f.severity.as_str(),
                    open: true,
                    triaged: target
                        .triaged
                        .contains(&(f.rule_id.clone(), f.path.clone(), f.line)),
                    ignored: ignored.is_some(),
                    context: *context,
                });
        let o = crate::gate::gate(inputs, threshold, &rules.fail_on);
        outcome.failing += o.failing;
        outcome.triaged += o.triaged;
        outcome.ignored += o.ignored;
        outcome.context_not_counted += o.context_not_counted;
    }
    let not_audited = targets
        .iter()
        .flat_map(|t| t.report.findings.iter())
        .filter(|f| f.rule_id == UNAUDITABLE)
        .map(|f| (&f.path, f.line))
        .collect::<BTreeSet<_>>()
        .len();
    outcome.failed = outcome.failing > 0;
    Ok(Gate {
        failed: outcome.failed || not_audited > 0,
        not_audited,
        ignored,
        outcome,
    })
}

/// One finding of `ci audit --format json`: the finding, where, who introduced it, its path
/// context and the ignore that sets it aside.
#[derive(Serialize)]
pub struct AuditedFinding<'a> {
    #[serde(flatten)]
    pub finding: &'a CiFinding,
    pub repository: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub introduced: Option<Introduced>,
    /// The file differs from HEAD: the finding is on an uncommitted line and not recorded.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub uncommitted: bool,
    pub context: devspm_core::gating::PathContext,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored: Option<&'a crate::gate::Ignored>,
}

/// `ci audit --format json`: every target's findings listed (the ignored ones only with
/// `show_ignored`), their warnings, and the verdict at `threshold`.
#[derive(Serialize)]
pub struct Listing<'a> {
    pub files_audited: usize,
    pub files_not_audited: usize,
    pub suppressed: usize,
    pub ignored: usize,
    pub findings: Vec<AuditedFinding<'a>>,
    pub warnings: Vec<&'a ci::Warning>,
    pub threshold: &'a str,
    pub failed: bool,
}

/// The targets after [`gate`] as one listing.
pub fn listing<'a>(
    targets: &'a [AuditTarget],
    gate: &Gate,
    threshold: &'a str,
    show_ignored: bool,
) -> Listing<'a> {
    let mut findings = Vec::new();
    for t in targets {
        for (f, (context, ignored)) in t.listed(show_ignored) {
            let (introduced, uncommitted) = t.introduced_for(f);
            findings.push(AuditedFinding {
                finding: f,
                repository: &t.name,
                introduced,
                uncommitted,
                context: *context,
                ignored: ignored.as_ref(),
            });
        }
    }
    Listing {
        files_audited: targets.iter().map(|t| t.report.files_audited).sum(),
        files_not_audited: gate.not_audited,
        suppressed: targets.iter().map(|t| t.report.suppressed).sum(),
        ignored: gate.ignored,
        findings,
        warnings: targets.iter().flat_map(|t| &t.report.warnings).collect(),
        threshold,
        failed: gate.failed,
    }
}
