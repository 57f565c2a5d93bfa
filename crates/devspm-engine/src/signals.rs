//! Insider-threat signals: the analyzer that runs the rules of `devspm-posture::signals` over
//! what was recorded since it last ran (in `scan`, after identity resolution), and the listing
//! `devspm signals` renders.
//!
//! **The analyzer** keeps a cursor (`signals-v1`) like the other analyzers of recorded events.
//! Each run reads every recorded commit without its files (the baselines: one scan of the
//! `commits` projection), every alias, every hook override, and — in full — the
//! `commit_recorded` and `history_rewritten` events after the cursor (the commits to judge).
//! For the judged commits of the repositories at hand it reads both versions of each changed
//! build file and `.gitignore` from the repository (the ledger keeps no contents), so that the
//! rules can read the changed lines. The signals are appended with keys made of rule,
//! repository and commit (or event), and the cursor moves to the ledger's head as it stood
//! before the run, in the same transaction: a re-run appends nothing, a killed run loses
//! nothing.
//!
//! **The tool-spread analyzer** ([`ToolSpread`], cursor `tool-spread-v1`) runs the rule
//! `workflow-spread` over every recorded use of a tool in a repository file when new uses were
//! recorded, and records its signals the same way; `tools list` shows the same rule's sentence
//! for the uses it lists ([`spread_sentences`]).
//!
//! **The listing** reads the `signal` events, keeps those the filters select, and groups them
//! by rule, subject and repository, highest severity first. The default is what an analyst
//! should read: medium and above.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use devspm_core::NewEvent;
use devspm_core::event::{EventKind, FileChange, HistoryRewritten, TrailerRecord};
use devspm_core::signal::{
    SIGNAL_SEVERITIES, SignalGroup, SignalRow, SignalsReport, severity_rank,
};
use devspm_core::tools::ToolUseRow;
use devspm_ledger::{EventLog, GovernanceStore, IngestState, PostureStore, SignalStore};
use devspm_posture::graph::{DEFAULT_BRANCH_CANDIDATES, default_branch, merge_paths};
use devspm_posture::signals::{
    CommitDetail, Input, RewriteFact, TextDiff, Thresholds, paths, workflow_spread,
};
use serde::{Deserialize, Serialize};

use crate::analyzer::{Analyzed, Analyzer, Batch};
use crate::{Context, EngineError};

/// The cursor name; a new version of the rules starts over on a new cursor.
pub const ANALYZER: &str = "signals-v1";

/// The actor of signal events.
const ACTOR: &str = "devspm:signals";

/// Events read per query.
const BATCH: usize = 5000;

/// Build files larger than this are not read for their changed lines.
const MAX_TEXT_BYTES: u64 = 1 << 20;

/// Changed lines kept per file (the rules look for keywords; a rewrite of a huge file would
/// only cost memory).
const MAX_LINES: usize = 5000;

/// The part of a `commit_recorded` payload the rules read (the message, people and times come
/// from the projection: parsing less of each payload is most of what a run from scratch costs).
#[derive(Deserialize)]
struct Judged {
    repo: String,
    id: String,
    parents: Vec<String>,
    diff_base: Option<String>,
    files: Vec<FileChange>,
    trailers: Vec<TrailerRecord>,
}

/// What one run of the analyzer did.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct SignalsRun {
    /// Commits judged (recorded since the last run) and history replayed for the baselines.
    pub commits_examined: u64,
    pub history_commits: u64,
    /// Build and `.gitignore` files whose two versions were read from the repository.
    pub files_read: u64,
    pub signals_appended: u64,
    pub seconds: f64,
}

/// The thresholds of the configuration's `[signals]`.
pub fn thresholds(ctx: &Context<'_>) -> Result<Thresholds, EngineError> {
    Thresholds::from_config(&ctx.config.signals)
        .map_err(|e| EngineError::Invalid(format!("configuration {e}")))
}

/// The analyzer ([`crate::analyzer`]): the rules over everything recorded since the last run.
/// `repos` are the repositories that can be read for the changed lines of build files; what
/// the run did is in [`Signals::run`] afterwards.
pub struct Signals<'a> {
    pub repos: &'a [&'a devspm_git::Repo],
    pub run: SignalsRun,
}

impl<'a> Signals<'a> {
    pub fn new(repos: &'a [&'a devspm_git::Repo]) -> Signals<'a> {
        Signals {
            repos,
            run: SignalsRun::default(),
        }
    }
}

impl<S: EventLog + PostureStore + SignalStore> Analyzer<S> for Signals<'_> {
    fn name(&self) -> &'static str {
        ANALYZER
    }

    fn input(&self) -> crate::analyzer::Input<'_> {
        crate::analyzer::Input::Span
    }

    fn analyze(
        &mut self,
        ctx: &Context<'_>,
        store: &mut S,
        batch: Batch<'_>,
    ) -> Result<Analyzed, EngineError> {
        let Batch::Span { after, head } = batch else {
            return Ok(Analyzed::default());
        };
        let started = Instant::now();
        let thresholds = thresholds(ctx)?;
        // Only new commits, history rewrites and hook overrides can raise a signal. When the
        // events since the cursor hold none of them (the signals this analyzer appended last
        // time, say), the cursor moves over them without reading every recorded commit's
        // baseline again.
        if !judgeable_since(store, after, head)? {
            return Ok(Analyzed::default());
        }
        let readers: HashMap<&str, devspm_git::TextReader> = self
            .repos
            .iter()
            .map(|r| {
                (
                    r.id.as_str(),
                    devspm_git::TextReader::new(r, MAX_TEXT_BYTES),
                )
            })
            .collect();
        let mut run = SignalsRun::default();
        ctx.progress
            .start(crate::phase::SIGNALS, "recorded commits", None);
        let events = judge(ctx, store, &thresholds, &readers, after, head, &mut run);
        ctx.progress.finish();
        let events = events?;
        run.seconds = started.elapsed().as_secs_f64();
        self.run = run;
        Ok(events.into())
    }
}

/// The tool-spread analyzer ([`crate::analyzer`]): the rule `workflow-spread`
/// (`devspm_posture::signals::workflow_spread`) over every recorded use of a tool in a
/// repository file, whenever new ones were recorded. Its signals are recorded like the other
/// rules' (keyed by the first introduction: a re-run appends nothing).
pub struct ToolSpread;

/// The tool-spread analyzer's cursor name.
pub const TOOL_SPREAD: &str = "tool-spread-v1";

impl<S: EventLog + GovernanceStore> Analyzer<S> for ToolSpread {
    fn name(&self) -> &'static str {
        TOOL_SPREAD
    }

    fn input(&self) -> crate::analyzer::Input<'_> {
        crate::analyzer::Input::Span
    }

    fn analyze(
        &mut self,
        _: &Context<'_>,
        store: &mut S,
        batch: Batch<'_>,
    ) -> Result<Analyzed, EngineError> {
        let Batch::Span { after, head } = batch else {
            return Ok(Analyzed::default());
        };
        let new_uses = store
            .events(Some(EventKind::ToolSeen.as_str()), after, 1)?
            .first()
            .is_some_and(|e| e.seq <= head);
        if !new_uses {
            return Ok(Analyzed::default());
        }
        let rows = store.tool_uses(&devspm_ledger::ToolFilter {
            origin: Some("repository".to_owned()),
            ..Default::default()
        })?;
        Ok(workflow_spread::spreads(&introductions(&rows))
            .iter()
            .filter_map(workflow_spread::Spread::raised)
            .map(|r| NewEvent::new(r.key, ACTOR, r.signal.subject.clone(), r.signal))
            .collect::<Vec<_>>()
            .into())
    }
}

/// The introductions the rule reads: the recorded uses of tools in repository files whose
/// introducing commit's time is known.
fn introductions(rows: &[ToolUseRow]) -> Vec<workflow_spread::Introduction> {
    rows.iter()
        .filter_map(|r| {
            let name = r.repository.clone()?;
            Some(workflow_spread::Introduction {
                repo: r.repo_id.clone().unwrap_or_else(|| name.clone()),
                name,
                path: r.path.clone(),
                at: r.introduced_at?,
                commit: r.introduced_in.clone(),
                identity: r.identity.clone(),
                alias: r.alias.clone(),
            })
        })
        .collect()
}

/// The rule `workflow-spread` over `rows` (the uses `tools list` shows), one sentence per
/// workflow file that spread: what `tools list` says under its table.
pub fn spread_sentences(rows: &[ToolUseRow]) -> Vec<String> {
    workflow_spread::spreads(&introductions(rows))
        .iter()
        .map(workflow_spread::Spread::sentence)
        .collect()
}

/// Whether an event the rules judge (a commit, a history rewrite, a hook override) was
/// recorded after `cursor`, up to `head`.
fn judgeable_since<S: EventLog>(store: &S, cursor: u64, head: u64) -> Result<bool, EngineError> {
    for kind in [
        EventKind::CommitRecorded,
        EventKind::HistoryRewritten,
        EventKind::HookOverride,
    ] {
        if store
            .events(Some(kind.as_str()), cursor, 1)?
            .first()
            .is_some_and(|e| e.seq <= head)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Reads what the rules need and runs them: the signals, to record.
fn judge<S: EventLog + PostureStore + SignalStore>(
    ctx: &Context<'_>,
    store: &mut S,
    thresholds: &Thresholds,
    readers: &HashMap<&str, devspm_git::TextReader>,
    cursor: u64,
    head: u64,
    run: &mut SignalsRun,
) -> Result<Vec<NewEvent>, EngineError> {
    let mut input = Input {
        cursor,
        ..Input::default()
    };
    let mut after = cursor;
    loop {
        let batch = store.events(Some(EventKind::CommitRecorded.as_str()), after, BATCH)?;
        let Some(last) = batch.last().map(|e| e.seq) else {
            break;
        };
        ctx.interrupt.check()?;
        for event in batch.iter().filter(|e| e.seq <= head) {
            let commit: Judged = crate::recorded_payload(store, event)?;
            let mut detail = CommitDetail::default();
            if commit.parents.len() <= 1 {
                if let Some(reader) = readers.get(commit.repo.as_str()) {
                    detail.text_diffs = text_diffs(reader, &commit);
                    run.files_read += detail.text_diffs.len() as u64;
                }
                detail.files = commit.files;
                detail.trailers = commit.trailers;
            }
            input.examine.insert((commit.repo, commit.id), detail);
        }
        ctx.progress.at(input.examine.len() as u64);
        if last >= head {
            break;
        }
        after = last;
    }
    for event in store.events(
        Some(EventKind::HistoryRewritten.as_str()),
        cursor,
        usize::MAX,
    )? {
        if event.seq > head {
            continue;
        }
        let r: HistoryRewritten = crate::recorded_payload(store, &event)?;
        let at = event
            .at
            .parse::<jiff::Timestamp>()
            .map(|t| t.as_second())
            .unwrap_or(0);
        input.rewrites.push(RewriteFact {
            seq: event.seq,
            at,
            repo: r.repo,
            ref_name: r.name.to_lossy(),
            old_tip: r.old_tip,
            new_tip: r.new_tip,
            unreachable: r.unreachable,
        });
    }
    input.history = store.signal_history()?;
    mark_merge_paths(store, &mut input)?;
    input.aliases = store.signal_aliases()?;
    input.overrides = store
        .hook_overrides()?
        .into_iter()
        .filter(|o| o.seq <= head)
        .collect();
    run.commits_examined = input.examine.len() as u64;
    run.history_commits = input.history.len() as u64;
    let raised = devspm_posture::signals::evaluate(&input, thresholds);
    Ok(raised
        .into_iter()
        .map(|r| NewEvent::new(r.key, ACTOR, r.signal.subject.clone(), r.signal))
        .collect())
}

/// Fills `on_default_branch` and `merged_by` of the judged commits of every repository with a
/// default branch (`devspm_posture::graph`: the first-parent chain of its tip and the merges on
/// it).
fn mark_merge_paths<S: PostureStore>(store: &S, input: &mut Input) -> Result<(), EngineError> {
    let mut repos: Vec<&str> = input.examine.keys().map(|(r, _)| r.as_str()).collect();
    repos.sort_unstable();
    repos.dedup();
    let repos: Vec<String> = repos.into_iter().map(str::to_owned).collect();
    let facts = store.posture_repositories(&DEFAULT_BRANCH_CANDIDATES)?;
    for repo in repos {
        let Some(fact) = facts.iter().find(|f| f.repo == repo) else {
            continue;
        };
        let Some((_, tip)) = default_branch(&fact.refs) else {
            continue;
        };
        let parents = store.commit_parents(&repo)?;
        let paths = merge_paths(tip, &parents);
        let committer: HashMap<&str, &str> = input
            .history
            .iter()
            .filter(|c| c.repo == repo)
            .map(|c| (c.sha.as_str(), c.committer_alias.as_str()))
            .collect();
        for ((r, sha), detail) in input.examine.iter_mut() {
            if *r != repo {
                continue;
            }
            let merge = paths.merged_by.get(sha.as_str());
            detail.on_default_branch =
                Some(merge.is_some() || paths.first_parent.contains(sha.as_str()));
            detail.merged_by = merge
                .and_then(|m| committer.get(m))
                .map(|a| (*a).to_owned());
        }
    }
    Ok(())
}

/// The changed lines of a commit's build files and `.gitignore`, read from the repository.
fn text_diffs(reader: &devspm_git::TextReader, commit: &Judged) -> Vec<TextDiff> {
    let mut out = Vec::new();
    for f in &commit.files {
        let path = f.path.to_lossy();
        let name = path.rsplit('/').next().unwrap_or(&path);
        if !(paths::is_build_config(&path) || name == ".gitignore") || f.binary {
            continue;
        }
        let new = match &f.blob {
            Some(blob) => match reader.blob(blob) {
                Some(bytes) => bytes,
                None => continue,
            },
            None => Vec::new(),
        };
        let old_path = f.old_path.as_ref().map(|p| p.to_lossy());
        let old = match &commit.diff_base {
            Some(base) => reader
                .file_at(base, old_path.as_deref().unwrap_or(&path))
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let (added, removed) = changed_lines(&old, &new);
        out.push(TextDiff {
            path,
            added,
            removed,
        });
    }
    out
}

/// Lines only in `new` and lines only in `old` (as multisets, in file order), each list cut
/// at [`MAX_LINES`].
fn changed_lines(old: &[u8], new: &[u8]) -> (Vec<String>, Vec<String>) {
    let old = String::from_utf8_lossy(old);
    let new = String::from_utf8_lossy(new);
    let mut balance: HashMap<&str, i64> = HashMap::new();
    for l in old.lines() {
        *balance.entry(l).or_default() += 1;
    }
    for l in new.lines() {
        *balance.entry(l).or_default() -= 1;
    }
    let mut pick = |text: &str, sign: i64| -> Vec<String> {
        let mut out = Vec::new();
        for l in text.lines() {
            if out.len() >= MAX_LINES {
                break;
            }
            if let Some(n) = balance.get_mut(l)
                && *n * sign > 0
            {
                *n -= sign;
                out.push(l.to_owned());
            }
        }
        out
    };
    let removed = pick(&old, 1);
    let added = pick(&new, -1);
    (added, removed)
}

/// What `devspm signals` is asked for.
#[derive(Clone, Debug, Default)]
pub struct SignalsRequest<'a> {
    /// First day (YYYY-MM-DD, UTC) of the activity shown.
    pub since: Option<&'a str>,
    /// Lowest severity shown (default: medium; with `all`, info).
    pub severity: Option<&'a str>,
    /// An identity id, or an e-mail or name of one of its aliases (case-insensitive).
    pub developer: Option<&'a str>,
    /// A repository: a path to it, its name or id.
    pub repo: Option<&'a str>,
    /// Every signal, every severity (unless `severity` says otherwise), none grouped away.
    pub all: bool,
}

/// The recorded signals the request selects, grouped.
pub fn list<S: IngestState + PostureStore + SignalStore>(
    store: &S,
    request: &SignalsRequest<'_>,
) -> Result<SignalsReport, EngineError> {
    let min = match request.severity {
        Some(s) => {
            let s = s.trim().to_ascii_lowercase();
            if !SIGNAL_SEVERITIES.contains(&s.as_str()) {
                return Err(EngineError::Invalid(format!(
                    "--severity {s:?}: expected one of {}",
                    SIGNAL_SEVERITIES.join(", ")
                )));
            }
            s
        }
        None if request.all => "info".to_owned(),
        None => "medium".to_owned(),
    };
    let since = match request.since {
        Some(text) => {
            let day = crate::audit::parse_date("--since", text)?;
            Some(
                jiff::tz::Offset::UTC
                    .to_timestamp(day.to_datetime(jiff::civil::Time::midnight()))
                    .map_err(|e| EngineError::Invalid(format!("--since {text:?}: {e}")))?
                    .as_second(),
            )
        }
        None => None,
    };
    let repo =
        match request.repo {
            Some(value) => Some(crate::audit::recorded_repository(store, value)?.ok_or_else(
                || EngineError::NotFound(format!("no recorded repository matches {value:?}")),
            )?),
            None => None,
        };
    let aliases = store.signal_aliases()?;
    let developer: Option<Vec<String>> = match request.developer {
        Some(query) => {
            let q = query.trim().to_lowercase();
            let mut ids: Vec<String> = aliases
                .iter()
                .filter(|a| {
                    a.alias == q
                        || a.identity.as_deref() == Some(q.as_str())
                        || a.email
                            .as_deref()
                            .is_some_and(|e| e.trim().to_lowercase() == q)
                        || a.name
                            .as_deref()
                            .is_some_and(|n| n.trim().to_lowercase() == q)
                })
                .map(|a| a.identity.clone().unwrap_or_else(|| a.alias.clone()))
                .collect();
            ids.sort();
            ids.dedup();
            if ids.is_empty() {
                return Err(EngineError::NotFound(format!(
                    "no identity or alias matches {query:?}"
                )));
            }
            Some(ids)
        }
        None => None,
    };
    let names: HashMap<String, (Option<String>, Option<String>)> = store
        .posture_identities()?
        .into_iter()
        .map(|i| (i.identity, (i.name, i.email)))
        .chain(
            aliases
                .iter()
                .map(|a| (a.alias.clone(), (a.name.clone(), a.email.clone()))),
        )
        .collect();
    let repo_names: HashMap<String, String> = store
        .posture_repositories(&[])?
        .into_iter()
        .map(|r| (r.repo, r.name))
        .collect();
    let recorded = store.recorded_signals()?;
    let total = recorded.len() as u64;
    let min_rank = severity_rank(&min);
    let mut seen_commit: std::collections::HashSet<(String, String, Vec<String>)> =
        Default::default();
    let mut groups: BTreeMap<(String, String, String), SignalGroup> = BTreeMap::new();
    let mut shown = 0u64;
    for (seq, signal) in recorded.into_iter().rev() {
        if severity_rank(&signal.severity) > min_rank
            || since.is_some_and(|s| signal.at < s)
            || repo.as_ref().is_some_and(|r| *r != signal.repo)
            || developer
                .as_ref()
                .is_some_and(|d| !d.contains(&signal.subject))
        {
            continue;
        }
        // The same commit recorded in two repositories (a fork beside its upstream) is one
        // observation.
        if !signal.commits.is_empty()
            && !seen_commit.insert((
                signal.rule.clone(),
                signal.subject.clone(),
                signal.commits.clone(),
            ))
        {
            continue;
        }
        shown += 1;
        let (name, email) = names.get(&signal.subject).cloned().unwrap_or_default();
        let repo_name = repo_names
            .get(&signal.repo)
            .cloned()
            .unwrap_or_else(|| signal.repo.clone());
        let group = groups
            .entry((
                signal.rule.clone(),
                signal.subject.clone(),
                signal.repo.clone(),
            ))
            .or_insert_with(|| SignalGroup {
                rule: signal.rule.clone(),
                severity: signal.severity.clone(),
                subject: signal.subject.clone(),
                name: name.clone(),
                email: email.clone(),
                repo: signal.repo.clone(),
                repo_name: repo_name.clone(),
                count: 0,
                first_at: signal.at,
                last_at: signal.at,
                signals: Vec::new(),
            });
        group.count += 1;
        group.first_at = group.first_at.min(signal.at);
        group.last_at = group.last_at.max(signal.at);
        if severity_rank(&signal.severity) < severity_rank(&group.severity) {
            group.severity = signal.severity.clone();
        }
        group.signals.push(SignalRow {
            seq,
            signal,
            name,
            email,
            repo_name,
        });
    }
    let mut groups: Vec<SignalGroup> = groups.into_values().collect();
    for g in &mut groups {
        g.signals.sort_by(|a, b| {
            severity_rank(&a.signal.severity)
                .cmp(&severity_rank(&b.signal.severity))
                .then(b.signal.at.cmp(&a.signal.at))
                .then(b.seq.cmp(&a.seq))
        });
    }
    groups.sort_by(|a, b| {
        severity_rank(&a.severity)
            .cmp(&severity_rank(&b.severity))
            .then(b.last_at.cmp(&a.last_at))
            .then(a.rule.cmp(&b.rule))
            .then(a.subject.cmp(&b.subject))
    });
    let by_severity = SIGNAL_SEVERITIES
        .iter()
        .map(|s| {
            let n = groups
                .iter()
                .flat_map(|g| &g.signals)
                .filter(|r| r.signal.severity == *s)
                .count() as u64;
            (s.to_string(), n)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    Ok(SignalsReport {
        min_severity: min,
        all: request.all,
        total,
        shown,
        by_severity,
        groups,
    })
}

#[cfg(test)]
mod tests {
    use super::changed_lines;

    #[test]
    fn changed_lines_are_a_multiset_difference() {
        let (added, removed) = changed_lines(b"a\nb\nb\nc\n", b"a\nb\nc\n.\nd\n");
        assert_eq!(added, vec![".", "d"]);
        assert_eq!(removed, vec!["b"]);
        let (added, removed) = changed_lines(b"", b"x\n");
        assert_eq!((added, removed), (vec!["x".to_owned()], vec![]));
    }
}
