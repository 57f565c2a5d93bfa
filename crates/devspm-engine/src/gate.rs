//! What counts: every finding's path context, the ignore that sets it aside (if any), and the
//! one `--fail-on` gate every finding-producing command exits by.
//!
//! Ignores and contexts are evaluated when a finding is viewed or gated, from the operator's
//! configuration, the repository's own ignore files at HEAD and the inline markers of the
//! scanners that define them (`ignores_inline.rs`); nothing is recorded for them. The one
//! exceptions are the marker devspm's own secret detector sees on a secret's line, which is
//! part of what it saw (the blob may be gone from HEAD), and a scanner's own suppression of
//! a result (SARIF `suppressions`, `nosemgrep`), which is part of what it reported: both are
//! recorded with the finding.
//! The ledger stays a record of what the detectors and scanners saw: an ignore that expires,
//! is removed from `devspm.toml` or is deleted from the repository stops applying at once,
//! without an event to undo, and no ignore can remove a finding from the record. Triage
//! judgements, by contrast, are decisions of a person and are recorded as events
//! (`triage.rs`).
//!
//! The gate ([`gate`]) counts an open finding at or above the threshold unless a standing
//! triage judgement or an ignore in force sets it aside, or its context does not count under
//! `[fail_on] contexts`. Every finding set aside is counted in the outcome, so a summary can
//! say how many were not counted and why.

use std::collections::HashMap;

use devspm_core::gating::{FailOnConfig, PathContext};
use devspm_findings::context::ContextRules;
use devspm_findings::ignore::{IgnoreSet, REPOSITORY_FILES, Subject};
use devspm_ledger::findings::{FindingRow, severity_rank};
use serde::Serialize;

use crate::{Context, EngineError};

/// Largest repository ignore file read (larger ones are reported and skipped).
const MAX_IGNORE_FILE_BYTES: u64 = 1 << 20;

/// The rules findings are assessed by: ignores, contexts and which contexts count.
pub struct Rules {
    /// The configuration's ignores, with the ignore files of the repository at hand.
    pub ignores: IgnoreSet,
    /// For findings of other repositories whose files were read (`findings --all-repos`):
    /// the configuration's ignores with that repository's files, by repository id.
    pub by_repository: HashMap<String, IgnoreSet>,
    /// Findings an inline marker of their own scanner sets aside at HEAD, by finding id
    /// (`crate::ignores_inline`).
    pub inline: HashMap<String, crate::ignores_inline::InlineIgnore>,
    pub contexts: ContextRules,
    pub fail_on: FailOnConfig,
    /// Today (UTC, YYYY-MM-DD): ignores whose last day is before it no longer apply.
    pub today: String,
    /// Whether the repository's own ignore files were read.
    pub repository_ignores: bool,
    /// `[triage] honour_repository_ignores`: whether what a repository writes (ignore files,
    /// inline markers) is honoured at all.
    pub honour_repository: bool,
}

/// An ignore past its last day: reported, no longer applied.
#[derive(Clone, Debug, Serialize)]
pub struct ExpiredIgnore {
    /// `FILE:LINE`.
    pub source: String,
    pub selects: String,
    pub reason: String,
    pub expired: String,
}

/// Today's date, UTC.
pub fn today() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%d").to_string()
}

/// The rules for `repo` (or for no repository in particular): the configuration's ignores,
/// contexts and `[fail_on]`, and — unless `[triage] honour_repository_ignores = false` — the
/// repository's ignore files at HEAD. Problems with a repository file and expired ignores are
/// warnings to the diagnostics.
pub fn rules(ctx: &Context<'_>, repo: Option<&devspm_git::Repo>) -> Result<Rules, EngineError> {
    let config = ctx.config;
    let mut ignores = config_ignores(ctx);
    let honour = config.triage.honour_repository_ignores;
    if honour && let Some(repo) = repo {
        add_repository_files(ctx, &mut ignores, repo);
    }
    let today = today();
    for e in ignores.expired(&today) {
        ctx.diagnostics.warn(format!(
            "the ignore at {} ({}) expired on {}: it no longer applies",
            e.source,
            e.selects,
            e.expires.as_deref().unwrap_or("")
        ));
    }
    Ok(Rules {
        ignores,
        by_repository: HashMap::new(),
        inline: HashMap::new(),
        contexts: ContextRules::new(&config.contexts),
        fail_on: config.fail_on.clone(),
        today,
        repository_ignores: honour && repo.is_some(),
        honour_repository: honour,
    })
}

/// The configuration's `[[ignore]]` entries.
fn config_ignores(ctx: &Context<'_>) -> IgnoreSet {
    let config = ctx.config;
    let origin = config.origin.as_deref().unwrap_or("devspm.toml");
    let rules: Vec<_> = config.ignore.iter().map(|r| r.get_ref().clone()).collect();
    IgnoreSet::from_config(&rules, origin)
}

/// Adds the ignore files of `repo` at HEAD to `ignores`; returns whether they could be read.
fn add_repository_files(
    ctx: &Context<'_>,
    ignores: &mut IgnoreSet,
    repo: &devspm_git::Repo,
) -> bool {
    // The repository is evidence: a damaged tree (recorded as a gap by the analyzers)
    // leaves its ignore files unread, with a warning, and never stops the command.
    let files = devspm_git::head_commit(repo).and_then(|head| match head {
        Some(head) => devspm_git::files_at(
            repo,
            &head,
            &|p| REPOSITORY_FILES.contains(&p),
            MAX_IGNORE_FILE_BYTES,
        ),
        None => Ok(Vec::new()),
    });
    let files = match files {
        Ok(files) => files,
        Err(e) => {
            ctx.diagnostics.warn(format!(
                "{}: the repository's ignore files could not be read ({e}); only the configuration's ignores apply",
                repo.name
            ));
            return false;
        }
    };
    for file in files {
        match file.content {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                for w in ignores.add_repository_file(&file.path, &text) {
                    ctx.diagnostics.warn(format!(
                        "{}: {}:{}: {}",
                        repo.name, w.file, w.line, w.message
                    ));
                }
            }
            Err(reason) => ctx
                .diagnostics
                .warn(format!("{}: {} not read: {reason}", repo.name, file.path)),
        }
    }
    true
}

impl Rules {
    /// Ignores past their last day.
    pub fn expired(&self) -> Vec<ExpiredIgnore> {
        self.ignores
            .expired(&self.today)
            .map(|i| ExpiredIgnore {
                source: i.source.to_string(),
                selects: i.selects.clone(),
                reason: i.reason.clone(),
                expired: i.expires.clone().unwrap_or_default(),
            })
            .collect()
    }

    /// The ignore in force that sets `subject` aside, as shown.
    pub fn ignored(&self, subject: &Subject<'_>) -> Option<Ignored> {
        self.ignored_in(&self.ignores, subject)
    }

    fn ignored_in(&self, ignores: &IgnoreSet, subject: &Subject<'_>) -> Option<Ignored> {
        ignores.matching(subject, &self.today).map(|i| Ignored {
            by: i.source.to_string(),
            reason: i.reason.clone(),
            expires: i.expires.clone(),
            repository: i.source.repository,
            inline: false,
        })
    }

    /// Context, ignore and whether the context counts, for one recorded finding.
    pub fn assess(&self, row: FindingRow) -> Assessed {
        let context = self.contexts.classify(row.path.as_deref());
        let commits: Vec<&str> = [
            row.first_revision.as_deref(),
            row.introduced_in.as_deref(),
            row.last_revision.as_deref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        let ignores = self
            .by_repository
            .get(&row.repo_id)
            .unwrap_or(&self.ignores);
        // The operator's ignores first, then the repository's files, then inline markers.
        let ignored = self
            .ignored_in(
                ignores,
                &Subject {
                    finding: Some(&row.finding),
                    tool: &row.tool,
                    kind: &row.kind,
                    rule: &row.rule,
                    path: row.path.as_deref(),
                    line: row.start_line,
                    identifiers: &row.identifiers,
                    ecosystem: row.ecosystem.as_deref(),
                    commits,
                },
            )
            .or_else(|| {
                if !self.honour_repository {
                    return None;
                }
                // What the detector or scanner recorded first, then markers read at HEAD.
                crate::ignores_inline::recorded_secret_marker(&row)
                    .map(|i| (i, true))
                    .or_else(|| crate::ignores_inline::scanner_suppression(&row))
                    .or_else(|| self.inline.get(&row.finding).cloned().map(|i| (i, true)))
                    .map(|(i, inline)| Ignored {
                        by: i.by,
                        reason: i.reason,
                        expires: None,
                        repository: true,
                        inline,
                    })
            });
        Assessed {
            context,
            context_counts: self.fail_on.counts(context),
            ignored,
            row,
        }
    }

    /// [`Rules::assess`] over rows, with the counts a summary shows.
    pub fn assess_all(&self, rows: Vec<FindingRow>) -> Assessment {
        let findings: Vec<Assessed> = rows.into_iter().map(|r| self.assess(r)).collect();
        let ignored = findings
            .iter()
            .filter(|f| f.ignored.is_some() && f.row.status == "open")
            .count();
        Assessment {
            ignored,
            expired_ignores: self.expired(),
            repository_ignores: self.repository_ignores,
            findings,
        }
    }
}

/// The ignore that sets a finding aside.
#[derive(Clone, Debug, Serialize)]
pub struct Ignored {
    /// `FILE:LINE` of the ignore.
    pub by: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// The ignore is a file of the scanned repository (evidence), not the configuration.
    pub repository: bool,
    /// The ignore is an inline marker on the finding's line (`# nosec`, `gitleaks:allow` …),
    /// or a scanner's own suppression of kind `inSource`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub inline: bool,
}

/// A recorded finding with its context and ignore.
#[derive(Clone, Debug, Serialize)]
pub struct Assessed {
    #[serde(flatten)]
    pub row: FindingRow,
    pub context: PathContext,
    /// Whether findings of this context count toward `--fail-on` (`[fail_on] contexts`).
    pub context_counts: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored: Option<Ignored>,
}

impl Assessed {
    pub fn gate_input(&self) -> GateInput<'_> {
        GateInput {
            severity: &self.row.severity,
            open: self.row.status == "open",
            triaged: self.row.triage.as_ref().is_some_and(|t| t.active),
            ignored: self.ignored.is_some(),
            context: self.context,
        }
    }
}

/// Findings with their contexts and ignores, and what a summary counts.
#[derive(Clone, Debug, Serialize)]
pub struct Assessment {
    pub findings: Vec<Assessed>,
    /// Open findings an ignore sets aside.
    pub ignored: usize,
    pub expired_ignores: Vec<ExpiredIgnore>,
    /// Whether the repository's own ignore files were read.
    pub repository_ignores: bool,
}

impl Assessment {
    /// The findings a default listing shows: every one an ignore does not set aside (with
    /// `show_ignored`, every one).
    pub fn listed(&self, show_ignored: bool) -> Vec<&Assessed> {
        self.findings
            .iter()
            .filter(|f| show_ignored || f.ignored.is_none())
            .collect()
    }

    /// The gate over these findings.
    pub fn gate(&self, threshold: &str, fail_on: &FailOnConfig) -> GateOutcome {
        gate(
            self.findings.iter().map(Assessed::gate_input),
            threshold,
            fail_on,
        )
    }
}

/// What the gate knows of one finding.
#[derive(Clone, Copy, Debug)]
pub struct GateInput<'a> {
    pub severity: &'a str,
    /// Open (not fixed, not withdrawn).
    pub open: bool,
    /// A standing triage judgement (false positive, accepted risk, won't fix) sets it aside.
    pub triaged: bool,
    /// An ignore in force sets it aside.
    pub ignored: bool,
    pub context: PathContext,
}

/// The outcome of `--fail-on`.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct GateOutcome {
    /// The severity word the gate ran at.
    pub threshold: String,
    /// Open findings at or above the threshold that count.
    pub failing: usize,
    /// Open findings at or above the threshold set aside by triage.
    pub triaged: usize,
    /// … by an ignore.
    pub ignored: usize,
    /// … because their path context does not count (`[fail_on] contexts`).
    pub context_not_counted: usize,
    pub failed: bool,
}

impl GateOutcome {
    /// One sentence for standard error.
    pub fn sentence(&self) -> String {
        let mut aside = Vec::new();
        if self.triaged > 0 {
            aside.push(format!("{} triaged", self.triaged));
        }
        if self.ignored > 0 {
            aside.push(format!("{} ignored", self.ignored));
        }
        if self.context_not_counted > 0 {
            aside.push(format!(
                "{} in contexts [fail_on] does not count",
                self.context_not_counted
            ));
        }
        format!(
            "{} open finding(s) at or above {} (--fail-on){}{}",
            self.failing,
            self.threshold,
            if aside.is_empty() {
                String::new()
            } else {
                format!("; not counted: {}", aside.join(", "))
            },
            if self.failed {
                " — failed"
            } else {
                " — passed"
            }
        )
    }
}

/// The one `--fail-on` gate: an open finding at or above `threshold` fails it unless triage,
/// an ignore or its context (`fail_on`) sets it aside. An unknown threshold word is the
/// lowest severity.
pub fn gate<'a>(
    inputs: impl IntoIterator<Item = GateInput<'a>>,
    threshold: &str,
    fail_on: &FailOnConfig,
) -> GateOutcome {
    let min = severity_rank(threshold).max(1);
    let mut outcome = GateOutcome {
        threshold: threshold.to_owned(),
        ..Default::default()
    };
    for i in inputs {
        if !i.open || severity_rank(i.severity) < min {
            continue;
        }
        if i.triaged {
            outcome.triaged += 1;
        } else if i.ignored {
            outcome.ignored += 1;
        } else if !fail_on.counts(i.context) {
            outcome.context_not_counted += 1;
        } else {
            outcome.failing += 1;
        }
    }
    outcome.failed = outcome.failing > 0;
    outcome
}

/// The recorded findings of one repository (open and fixed; of these `tools` only, unless
/// empty), assessed, with the rules they were assessed by: what `scan`, `import` and
/// `policy check` gate on after they ran.
pub fn repository_findings(
    ctx: &Context<'_>,
    store: &impl devspm_ledger::FindingStore,
    repo: &devspm_git::Repo,
    tools: &[String],
) -> Result<(Rules, Assessment), EngineError> {
    let filter = devspm_ledger::findings::FindingFilter {
        repo: Some(repo.id.clone()),
        ..Default::default()
    };
    let rows = selected(store, &filter, tools)?;
    let mut rules = rules(ctx, Some(repo))?;
    read_inline_markers(ctx, &mut rules, repo, &rows);
    let assessment = rules.assess_all(rows);
    Ok((rules, assessment))
}

/// The rows `filter` selects, of these `tools` only (unless empty).
fn selected(
    store: &impl devspm_ledger::FindingStore,
    filter: &devspm_ledger::findings::FindingFilter,
    tools: &[String],
) -> Result<Vec<FindingRow>, EngineError> {
    let mut rows = store.findings(filter)?;
    if !tools.is_empty() {
        rows.retain(|r| tools.contains(&r.tool));
    }
    Ok(rows)
}

/// Reads the inline markers of `repo` at HEAD for `rows` into `rules` (when repository
/// ignores are honoured).
fn read_inline_markers(
    ctx: &Context<'_>,
    rules: &mut Rules,
    repo: &devspm_git::Repo,
    rows: &[FindingRow],
) {
    if !rules.honour_repository {
        return;
    }
    let found = crate::ignores_inline::markers_at_head(repo, rows, &rules.today, &mut |w| {
        ctx.diagnostics.warn(w)
    });
    rules.inline.extend(found);
}

/// The recorded findings `filter` selects (of these `tools` only, unless empty), assessed with
/// the configuration's rules and each repository's own ignore files and inline markers: the
/// repository at hand's, and — for findings of other repositories (`findings --all-repos`,
/// `--repo NAME`) — those of every repository whose path the ledger knows (a `file://`
/// locator) and that can be opened here. One warning names the repositories whose files
/// could not be read: only the configuration's ignores applied to their findings.
pub fn recorded_findings(
    ctx: &Context<'_>,
    store: &(impl devspm_ledger::FindingStore + devspm_ledger::EvidenceStore),
    filter: &devspm_ledger::findings::FindingFilter,
    at_hand: Option<&devspm_git::Repo>,
    tools: &[String],
) -> Result<(Rules, Assessment), EngineError> {
    let rows = selected(store, filter, tools)?;
    let mut rules = rules(ctx, at_hand)?;
    if let Some(repo) = at_hand {
        read_inline_markers(ctx, &mut rules, repo, &rows);
    }
    if rules.honour_repository {
        let others: std::collections::BTreeSet<&str> = rows
            .iter()
            .map(|r| r.repo_id.as_str())
            .filter(|id| at_hand.is_none_or(|h| h.id != *id))
            .collect();
        if !others.is_empty() {
            let recorded = store.repositories()?;
            let mut unread = Vec::new();
            for id in others {
                let row = recorded.iter().find(|r| r.repo == id);
                let name = row.map_or(id, |r| r.name.as_str());
                let Some(path) = row.and_then(|r| r.locator.strip_prefix("file://")) else {
                    unread.push(format!("{name} (recorded from a remote: no local path)"));
                    continue;
                };
                let opened = devspm_git::open(std::path::Path::new(path))
                    .ok()
                    .filter(|repo| repo.id == id);
                let Some(repo) = opened else {
                    unread.push(format!("{name} ({path} is not that repository any more)"));
                    continue;
                };
                let mut ignores = config_ignores(ctx);
                if !add_repository_files(ctx, &mut ignores, &repo) {
                    unread.push(format!("{name} (unreadable)"));
                    continue;
                }
                rules.by_repository.insert(id.to_owned(), ignores);
                read_inline_markers(ctx, &mut rules, &repo, &rows);
            }
            if !unread.is_empty() {
                ctx.diagnostics.warn(format!(
                    "the ignore files and inline markers of {} repositor{} could not be read, so only the configuration's [[ignore]] applied to their findings: {}",
                    unread.len(),
                    if unread.len() == 1 { "y" } else { "ies" },
                    unread.join(", ")
                ));
            }
            rules.repository_ignores |= !rules.by_repository.is_empty();
        }
    }
    let assessment = rules.assess_all(rows);
    Ok((rules, assessment))
}

/// Which recorded findings a front end asks for (`devspm findings`, `export csv`, the gate of
/// `policy check`; a server's findings endpoint): a repository by name, every repository, or
/// the one `cwd` is in; and the filters, as the ledger's [`FindingFilter`] takes them.
///
/// [`FindingFilter`]: devspm_ledger::findings::FindingFilter
#[derive(Clone, Debug, Default)]
pub struct FindingQuery {
    /// A recorded repository (a path, name or locator).
    pub repo: Option<String>,
    /// Every repository, even when `cwd` is in one.
    pub all_repos: bool,
    /// The folder the front end runs in: without `repo` (and unless `all_repos`), the
    /// repository it is in is the one asked about, and its own ignore files apply.
    pub cwd: Option<std::path::PathBuf>,
    pub tool: Option<String>,
    /// `open`, `fixed` or `withdrawn` (default: open and fixed).
    pub status: Option<String>,
    /// The lowest severity (`high` includes `critical`).
    pub min_severity: Option<String>,
    pub agent: Option<String>,
    pub developer: Option<String>,
    pub team: Option<String>,
}

/// The recorded findings `query` asks for, assessed ([`recorded_findings`]), with the rules
/// they were assessed by.
pub fn query(
    ctx: &Context<'_>,
    store: &(
         impl devspm_ledger::IngestState + devspm_ledger::FindingStore + devspm_ledger::EvidenceStore
     ),
    query: &FindingQuery,
) -> Result<(Rules, Assessment), EngineError> {
    let (repo, at_hand) = crate::repository::scope(
        ctx,
        store,
        query.repo.as_deref(),
        query.cwd.as_deref(),
        query.all_repos,
    )?;
    let filter = devspm_ledger::findings::FindingFilter {
        repo,
        tool: query.tool.clone(),
        status: query.status.clone(),
        min_severity: query.min_severity.clone(),
        agent: query.agent.clone(),
        developer: query.developer.clone(),
        team: query.team.clone(),
    };
    recorded_findings(ctx, store, &filter, at_hand.as_ref(), &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(severity: &str) -> GateInput<'_> {
        GateInput {
            severity,
            open: true,
            triaged: false,
            ignored: false,
            context: PathContext::Production,
        }
    }

    #[test]
    fn the_gate_counts_what_is_not_set_aside() {
        let all = FailOnConfig::default();
        let production = FailOnConfig {
            contexts: Some(vec![PathContext::Production]),
        };
        let inputs = [
            input("critical"),
            GateInput {
                triaged: true,
                ..input("critical")
            },
            GateInput {
                ignored: true,
                ..input("high")
            },
            GateInput {
                context: PathContext::Fixture,
                ..input("high")
            },
            GateInput {
                open: false,
                ..input("critical")
            },
            input("low"),
        ];
        let o = gate(inputs, "high", &all);
        assert_eq!(
            (o.failing, o.triaged, o.ignored, o.context_not_counted),
            (2, 1, 1, 0)
        );
        assert!(o.failed);
        let o = gate(inputs, "high", &production);
        assert_eq!((o.failing, o.context_not_counted), (1, 1));
        let o = gate(inputs[1..].iter().copied(), "high", &production);
        assert!(!o.failed);
        assert!(o.sentence().contains("1 triaged, 1 ignored, 1 in contexts"));
        let o = gate(inputs, "low", &all);
        assert_eq!(o.failing, 3);
    }
}
