//! Insider-threat signals: rules that read each identity's own history and say when a commit,
//! a ref update or a hook override deviates from it the way a compromised account or a
//! malicious insider would — a new alias that goes straight for the build scripts, an unsigned
//! commit from someone who always signs, a binary test file that no code change explains.
//!
//! One rule per file (the CI rules' pattern): each has an id, a severity, a one-line
//! description, its rationale and its noise cost in doc comments, its thresholds in
//! [`Thresholds`] (`[signals]` of `devspm.toml`), and positive and negative tests beside it.
//! [`RULES`] lists them.
//!
//! Pure logic: the engine reads the history and the commits to examine through
//! `devspm_ledger::SignalStore` and hands them here as [`Input`]; [`evaluate`] returns the
//! signals with their idempotent keys.
//!
//! **Baselines and order.** Commits are replayed in committer-time order (then author time,
//! repository and id — never the ledger's sequence, which depends on how ingest batched), and
//! each examined commit is judged against the baselines of the commits before it. A run
//! examines the commits recorded after its cursor; the others only feed baselines. The result
//! therefore does not depend on the batch size or on how many runs it took, as long as new
//! history arrives newer than old (the usual push); a branch of old commits recorded later is
//! judged against everything on record when it arrives.

pub mod paths;

pub mod build_hardening;
pub mod committer_change;
pub mod contributor_takeover;
pub mod history_rewrite;
pub mod hook_overrides;
pub mod identity_drift;
pub mod large_deletion;
pub mod opaque_file;
pub mod sensitive_unreviewed;
pub mod signing_drift;
pub mod timezone_shift;
pub mod unusual_hours;
pub mod workflow_spread;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use devspm_core::commit::REVIEW_TRAILERS;
use devspm_core::config::SignalsConfig;
use devspm_core::event::{FileChange, TrailerRecord};
use devspm_core::posture::{AliasFact, CO_AUTHOR_TRAILERS, HistoryCommit, HookOverrideFact};
use devspm_core::signal::Signal;
use serde::Serialize;

/// What a rule is: its id, default severity, one-line description and what it costs in noise.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct RuleMeta {
    pub id: &'static str,
    /// The severity it reports at (some rules lower or raise it case by case; the rule's doc
    /// says when).
    pub severity: &'static str,
    pub description: &'static str,
    /// What it catches that matters, and what it raises that does not.
    pub noise: &'static str,
}

/// Every rule, in the order `docs/posture.md` lists them.
pub const RULES: [RuleMeta; 13] = [
    identity_drift::RULE,
    committer_change::RULE,
    signing_drift::RULE,
    unusual_hours::RULE,
    timezone_shift::RULE,
    sensitive_unreviewed::RULE,
    opaque_file::RULE,
    build_hardening::RULE,
    large_deletion::RULE,
    history_rewrite::RULE,
    contributor_takeover::RULE,
    hook_overrides::RULE,
    workflow_spread::RULE,
];

/// The version of the rules' logic, recorded in every signal.
pub const VERSION: u32 = 1;

/// The thresholds the rules run with; the defaults are documented on each constant and the
/// operator's `[signals]` table overrides any of them.
#[derive(Clone, Debug, Serialize)]
pub struct Thresholds {
    /// Earlier commits an identity needs before its own history is a baseline (20).
    pub min_history: u64,
    /// Share of a committer's earlier commits that were signed for an unsigned one to count (0.9).
    pub signing_share: f64,
    /// Share of a developer's earlier commits they committed themselves for a new committer
    /// to count (0.9).
    pub self_commit_share: f64,
    /// Probability of a commit's hour of the week under the developer's own distribution below
    /// which it counts (0.005).
    pub hour_probability: f64,
    /// Pseudo-count added to every hour of the week and every offset (0.1).
    pub smoothing: f64,
    /// Hours between a commit's time-zone offset and every offset the developer usually works
    /// in for it to count (2), and the probability of the offset below which it does (0.01).
    pub timezone_hours: f64,
    pub timezone_probability: f64,
    /// Lines removed (5,000) or files deleted (200) by one commit from which it is large.
    pub large_deletion_lines: u64,
    pub large_deletion_files: u64,
    /// Earlier self-committed commits that make a self-merged sensitive change the
    /// developer's practice, reported low (50).
    pub practice_commits: u64,
    /// A contributor is new for this many days after their first commit in a repository (365).
    pub new_contributor_days: u64,
    /// Share of a repository's commits over the trailing window from which a new
    /// contributor's share counts (0.25), over `share_window_days` (90).
    pub contributor_share: f64,
    pub share_window_days: u64,
    /// Hook overrides by one identity within `override_days` (30) from which they count (3).
    pub overrides: u64,
    pub override_days: u64,
    /// Refs whose rewrite counts (full names, or prefixes ending in `*`).
    pub protected_refs: Vec<String>,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            min_history: 20,
            signing_share: 0.9,
            self_commit_share: 0.9,
            hour_probability: 0.005,
            smoothing: 0.1,
            timezone_hours: 2.0,
            timezone_probability: 0.01,
            large_deletion_lines: 5000,
            large_deletion_files: 200,
            practice_commits: 50,
            new_contributor_days: 365,
            contributor_share: 0.25,
            share_window_days: 90,
            overrides: 3,
            override_days: 30,
            protected_refs: [
                "refs/heads/main",
                "refs/heads/master",
                "refs/heads/trunk",
                "refs/heads/develop",
                "refs/heads/release*",
                "refs/heads/stable*",
                "refs/remotes/origin/main",
                "refs/remotes/origin/master",
                "refs/tags/*",
            ]
            .map(str::to_owned)
            .to_vec(),
        }
    }
}

impl Thresholds {
    /// The defaults with the operator's overrides; an error names the key and what is wrong.
    pub fn from_config(c: &SignalsConfig) -> Result<Thresholds, String> {
        let mut t = Thresholds::default();
        let share = |key: &str, v: Option<f64>, slot: &mut f64| -> Result<(), String> {
            if let Some(v) = v {
                if !(0.0..=1.0).contains(&v) {
                    return Err(format!("[signals] {key} = {v}: must be between 0 and 1"));
                }
                *slot = v;
            }
            Ok(())
        };
        share("signing_share", c.signing_share, &mut t.signing_share)?;
        share(
            "self_commit_share",
            c.self_commit_share,
            &mut t.self_commit_share,
        )?;
        share(
            "hour_probability",
            c.hour_probability,
            &mut t.hour_probability,
        )?;
        share(
            "contributor_share",
            c.contributor_share,
            &mut t.contributor_share,
        )?;
        if let Some(v) = c.smoothing {
            if !(v > 0.0 && v.is_finite()) {
                return Err(format!("[signals] smoothing = {v}: must be above 0"));
            }
            t.smoothing = v;
        }
        if let Some(v) = c.timezone_hours {
            if !(0.0..=26.0).contains(&v) {
                return Err(format!("[signals] timezone_hours = {v}: must be 0 to 26"));
            }
            t.timezone_hours = v;
        }
        let set = |v: Option<u64>, slot: &mut u64| {
            if let Some(v) = v {
                *slot = v;
            }
        };
        set(c.min_history, &mut t.min_history);
        set(c.large_deletion_lines, &mut t.large_deletion_lines);
        set(c.large_deletion_files, &mut t.large_deletion_files);
        set(c.practice_commits, &mut t.practice_commits);
        set(c.new_contributor_days, &mut t.new_contributor_days);
        set(c.share_window_days, &mut t.share_window_days);
        set(c.overrides, &mut t.overrides);
        set(c.override_days, &mut t.override_days);
        if c.overrides == Some(0) {
            return Err("[signals] overrides = 0: must be at least 1".to_owned());
        }
        if let Some(refs) = &c.protected_refs {
            t.protected_refs = refs.clone();
        }
        Ok(t)
    }

    /// Whether a ref is protected.
    pub fn protected(&self, name: &str) -> bool {
        self.protected_refs
            .iter()
            .any(|p| match p.strip_suffix('*') {
                Some(prefix) => name.starts_with(prefix),
                None => name == p,
            })
    }
}

/// The part of a text file's change a rule reads: its changed lines (the lines only in the
/// new version, and only in the old one). The engine reads them from the repository for
/// build configuration and `.gitignore` files; the ledger does not store file contents.
#[derive(Clone, Debug, Default)]
pub struct TextDiff {
    pub path: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

/// What a rule reads of a commit it examines, beyond its history row.
#[derive(Clone, Debug, Default)]
pub struct CommitDetail {
    pub files: Vec<FileChange>,
    pub trailers: Vec<TrailerRecord>,
    /// Changed lines of its build configuration and `.gitignore` files, where the repository
    /// could be read (empty otherwise: the rules that need them then stay silent).
    pub text_diffs: Vec<TextDiff>,
    /// Whether it is reachable from the default branch (`None`: no default branch known), and
    /// the committer alias of the merge commit on the branch's first-parent chain that brought
    /// it in (`None` for a commit made on the branch itself).
    pub on_default_branch: Option<bool>,
    pub merged_by: Option<String>,
}

/// A `history_rewritten` event.
#[derive(Clone, Debug)]
pub struct RewriteFact {
    pub seq: u64,
    /// When it was recorded (seconds since the epoch).
    pub at: i64,
    pub repo: String,
    pub ref_name: String,
    pub old_tip: String,
    pub new_tip: String,
    pub unreachable: Vec<String>,
}

/// Everything a run reads.
#[derive(Clone, Debug, Default)]
pub struct Input {
    /// Every recorded commit.
    pub history: Vec<HistoryCommit>,
    pub aliases: Vec<AliasFact>,
    /// The commits to examine (recorded after the cursor), by (repository, id).
    pub examine: HashMap<(String, String), CommitDetail>,
    /// History rewrites recorded after the cursor.
    pub rewrites: Vec<RewriteFact>,
    /// Every hook override on record; those after `cursor` are examined.
    pub overrides: Vec<HookOverrideFact>,
    pub cursor: u64,
}

/// A signal and the key that makes recording it idempotent.
#[derive(Clone, Debug)]
pub struct Raised {
    pub key: String,
    pub signal: Signal,
}

/// Who made a commit, as the rules see them.
#[derive(Clone, Debug)]
pub struct Who<'a> {
    pub alias: &'a str,
    /// The identity id (the alias id when the alias is not resolved).
    pub id: &'a str,
    /// `developer`, `agent` or `bot` (an unresolved alias counts as a developer).
    pub kind: &'a str,
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
}

impl Who<'_> {
    pub fn is_developer(&self) -> bool {
        self.kind == "developer"
    }

    /// The e-mail's domain, lower case.
    pub fn domain(&self) -> Option<String> {
        self.email
            .and_then(|e| e.trim().rsplit_once('@'))
            .map(|(_, d)| d.trim_end_matches('>').to_ascii_lowercase())
            .filter(|d| !d.is_empty())
    }

    /// The name, trimmed and lower case.
    pub fn name_key(&self) -> Option<String> {
        self.name
            .map(|n| n.trim().to_lowercase())
            .filter(|n| !n.is_empty())
    }
}

/// What one identity did before the commit being judged.
#[derive(Clone, Debug)]
pub struct Person {
    /// Commits authored, and the first one's time.
    pub authored: u64,
    pub first_at: i64,
    /// Aliases used as author, with commits each; lower-case names; e-mail domains.
    pub aliases: BTreeMap<String, u64>,
    pub names: BTreeSet<String>,
    pub domains: BTreeMap<String, u64>,
    /// Authored commits per hour of the week (author's local time; 0 = Monday 00:00).
    pub hours: Vec<u32>,
    /// Authored commits per time-zone offset (seconds), and the last time each was used.
    pub offsets: BTreeMap<i32, u64>,
    pub offset_last_at: BTreeMap<i32, i64>,
    /// Authored commits they also committed; other identities that committed their work.
    pub self_committed: u64,
    pub committers: BTreeMap<String, u64>,
    /// Commits committed, of them signed, and the signature kinds used.
    pub committed: u64,
    pub signed: u64,
    pub signature_kinds: BTreeMap<String, u64>,
    /// The keys their signatures named (unverified), with commits each.
    pub signing_keys: BTreeMap<String, u64>,
    /// The most lines one of their non-merge commits removed.
    pub max_removed: u64,
    /// Their first commit in each repository.
    pub first_in_repo: BTreeMap<String, i64>,
}

impl Person {
    fn new(at: i64) -> Person {
        Person {
            authored: 0,
            first_at: at,
            aliases: BTreeMap::new(),
            names: BTreeSet::new(),
            domains: BTreeMap::new(),
            hours: vec![0; 168],
            offsets: BTreeMap::new(),
            offset_last_at: BTreeMap::new(),
            self_committed: 0,
            committers: BTreeMap::new(),
            committed: 0,
            signed: 0,
            signature_kinds: BTreeMap::new(),
            signing_keys: BTreeMap::new(),
            max_removed: 0,
            first_in_repo: BTreeMap::new(),
        }
    }
}

/// Hour of the week (0 = Monday 00:00–00:59) of a time in its own offset.
pub fn hour_of_week(time: i64, offset: i32) -> usize {
    let local = time + offset as i64;
    let days = local.div_euclid(86_400);
    // 1970-01-01 was a Thursday (day 3 counting from Monday = 0).
    let weekday = (days + 3).rem_euclid(7);
    (weekday * 24 + local.rem_euclid(86_400) / 3600) as usize
}

/// The names of the hours of the week, for explanations: `Sun 03:00`.
pub fn hour_name(hour: usize) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    format!("{} {:02}:00", DAYS[(hour / 24) % 7], hour % 24)
}

/// An offset as `+0800`.
pub fn offset_name(offset: i32) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let m = offset.unsigned_abs() / 60;
    format!("{sign}{:02}{:02}", m / 60, m % 60)
}

/// What every identity and the organisation did before the commit being judged.
#[derive(Clone, Debug, Default)]
pub struct State {
    pub people: HashMap<String, Person>,
    /// Developer names (lower case) → the identities that used them, and e-mail domains →
    /// developer commits under them.
    pub names: HashMap<String, BTreeSet<String>>,
    pub domains: HashMap<String, u64>,
}

/// The commit being judged, with everything the commit rules read.
pub struct Observed<'a> {
    pub commit: &'a HistoryCommit,
    pub author: Who<'a>,
    pub committer: Who<'a>,
    pub detail: &'a CommitDetail,
    /// Whether a review, approval or co-author trailer names another person.
    pub reviewed: bool,
    pub state: &'a State,
    pub thresholds: &'a Thresholds,
}

impl Observed<'_> {
    /// The author's baseline, if they have history.
    pub fn author_history(&self) -> Option<&Person> {
        self.state.people.get(self.author.id)
    }

    /// The paths of the commit with a sensitive category.
    pub fn sensitive_paths(&self) -> Vec<(&'static str, String)> {
        self.detail
            .files
            .iter()
            .filter_map(|f| {
                let path = f.path.to_lossy();
                paths::sensitive(&path).map(|c| (c, path))
            })
            .collect()
    }

    /// A signal about the author of this commit.
    pub fn raise(
        &self,
        rule: &RuleMeta,
        severity: &str,
        baseline: String,
        explanation: String,
    ) -> Raised {
        let c = self.commit;
        Raised {
            key: format!("signal/{}/{}/{}", rule.id, c.repo, c.sha),
            signal: Signal {
                rule: rule.id.to_owned(),
                version: VERSION,
                severity: severity.to_owned(),
                subject: self.author.id.to_owned(),
                alias: Some(self.author.alias.to_owned()),
                repo: c.repo.clone(),
                at: c.committer_time,
                commits: vec![c.sha.clone()],
                seqs: vec![c.seq],
                paths: Vec::new(),
                baseline,
                explanation,
                probability: None,
            },
        }
    }
}

/// A probability as JSON, rounded to four significant digits.
pub fn probability(p: f64) -> Option<serde_json::Number> {
    let rounded = format!("{p:.4e}").parse::<f64>().ok()?;
    serde_json::Number::from_f64(rounded)
}

/// `12.3%`, for explanations.
pub fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// Identities and personal data by alias.
struct AliasBook<'a> {
    by_alias: HashMap<&'a str, &'a AliasFact>,
}

impl<'a> AliasBook<'a> {
    fn who(&self, alias: &'a str) -> Who<'a> {
        match self.by_alias.get(alias) {
            Some(a) => Who {
                alias,
                id: a.identity.as_deref().unwrap_or(alias),
                kind: a.kind.as_deref().unwrap_or("developer"),
                name: a.name.as_deref(),
                email: a.email.as_deref(),
            },
            None => Who {
                alias,
                id: alias,
                kind: "developer",
                name: None,
                email: None,
            },
        }
    }

    fn identity(&self, alias: &str) -> Option<&'a str> {
        self.by_alias.get(alias).and_then(|a| a.identity.as_deref())
    }

    fn is_person(&self, alias: &str) -> bool {
        self.by_alias
            .get(alias)
            .is_none_or(|a| a.kind.as_deref().is_none_or(|k| k == "developer"))
    }
}

/// A repository's recent commits, for the contributor-share rule.
#[derive(Default)]
struct RepoWindow {
    first_at: Option<i64>,
    recent: VecDeque<(i64, String)>,
    counts: HashMap<String, u64>,
    flagged: BTreeSet<String>,
}

/// Runs every rule over what `input` holds; returns the signals, sorted by key.
pub fn evaluate(input: &Input, thresholds: &Thresholds) -> Vec<Raised> {
    let book = AliasBook {
        by_alias: input
            .aliases
            .iter()
            .map(|a| (a.alias.as_str(), a))
            .collect(),
    };
    let mut order: Vec<&HistoryCommit> = input.history.iter().collect();
    order.sort_by(|a, b| {
        (a.committer_time, a.author_time, &a.repo, &a.sha).cmp(&(
            b.committer_time,
            b.author_time,
            &b.repo,
            &b.sha,
        ))
    });
    let mut state = State::default();
    let mut windows: HashMap<String, RepoWindow> = HashMap::new();
    let mut out = Vec::new();
    let empty = CommitDetail::default();
    for c in order {
        let author = book.who(&c.author_alias);
        let committer = book.who(&c.committer_alias);
        let detail = input.examine.get(&(c.repo.clone(), c.sha.clone()));
        if let Some(detail) = detail {
            // Merged into the default branch by someone else (a forge's merge button, a
            // maintainer's merge): reviewed the way that project reviews.
            let merged = detail
                .merged_by
                .as_deref()
                .is_some_and(|m| book.identity(m).unwrap_or(m) != author.id);
            let reviewed = merged
                || detail.trailers.iter().any(|t| {
                    let key = t.key.to_ascii_lowercase();
                    let review = REVIEW_TRAILERS.contains(&key.as_str());
                    let coauthor = CO_AUTHOR_TRAILERS.contains(&key.as_str());
                    if key == "reviewed-on" {
                        return true;
                    }
                    (review || coauthor)
                        && t.alias.as_deref().is_some_and(|a| {
                            book.is_person(a) && book.identity(a).unwrap_or(a) != author.id
                        })
                });
            let seen = Observed {
                commit: c,
                author: author.clone(),
                committer: committer.clone(),
                detail,
                reviewed,
                state: &state,
                thresholds,
            };
            identity_drift::check(&seen, &mut out);
            committer_change::check(&seen, &mut out);
            signing_drift::check(&seen, &mut out);
            unusual_hours::check(&seen, &mut out);
            timezone_shift::check(&seen, &mut out);
            sensitive_unreviewed::check(&seen, &mut out);
            opaque_file::check(&seen, &mut out);
            build_hardening::check(&seen, &mut out);
            large_deletion::check(&seen, &mut out);
        }
        // The contributor-share rule reads the repository's window, whether or not the commit
        // is examined: the point where a share crosses the threshold must not depend on which
        // run saw which commit.
        let window = windows.entry(c.repo.clone()).or_default();
        if let Some(raised) = contributor_takeover::step(
            window_view(window),
            c,
            &author,
            state.people.get(author.id),
            thresholds,
        ) {
            window.flagged.insert(author.id.to_owned());
            if detail.is_some() {
                out.push(raised);
            }
        }
        learn(&mut state, c, &author, &committer, detail.unwrap_or(&empty));
        push_window(window, c, &author, thresholds);
    }
    for r in &input.rewrites {
        let committer = input
            .history
            .iter()
            .find(|c| c.repo == r.repo && c.sha == r.new_tip)
            .map(|c| book.who(&c.committer_alias));
        if let Some(raised) = history_rewrite::check(r, committer.as_ref(), thresholds) {
            out.push(raised);
        }
    }
    out.extend(hook_overrides::check(
        &input.overrides,
        input.cursor,
        thresholds,
    ));
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out.dedup_by(|a, b| a.key == b.key);
    out
}

/// What the contributor-share rule sees of a repository's window.
pub struct WindowView<'a> {
    pub total: u64,
    pub counts: &'a HashMap<String, u64>,
    pub flagged: &'a BTreeSet<String>,
    /// The repository's first commit (committer time), before the one being judged.
    pub first_at: Option<i64>,
}

fn window_view(w: &RepoWindow) -> WindowView<'_> {
    WindowView {
        total: w.recent.len() as u64,
        counts: &w.counts,
        flagged: &w.flagged,
        first_at: w.first_at,
    }
}

fn push_window(w: &mut RepoWindow, c: &HistoryCommit, author: &Who<'_>, t: &Thresholds) {
    w.first_at.get_or_insert(c.committer_time);
    if c.parent_count > 1 {
        return;
    }
    let horizon = c.committer_time - (t.share_window_days as i64) * 86_400;
    while let Some((at, who)) = w.recent.front() {
        if *at >= horizon {
            break;
        }
        if let Some(n) = w.counts.get_mut(who) {
            *n -= 1;
        }
        w.recent.pop_front();
    }
    w.recent.push_back((c.committer_time, author.id.to_owned()));
    *w.counts.entry(author.id.to_owned()).or_default() += 1;
}

/// Adds a commit to the baselines.
fn learn(
    state: &mut State,
    c: &HistoryCommit,
    author: &Who<'_>,
    committer: &Who<'_>,
    _detail: &CommitDetail,
) {
    let developer = author.is_developer();
    {
        let p = state
            .people
            .entry(author.id.to_owned())
            .or_insert_with(|| Person::new(c.committer_time));
        p.authored += 1;
        *p.aliases.entry(author.alias.to_owned()).or_default() += 1;
        if let Some(name) = author.name_key() {
            p.names.insert(name.clone());
            if developer {
                state
                    .names
                    .entry(name)
                    .or_default()
                    .insert(author.id.to_owned());
            }
        }
        if let Some(domain) = author.domain() {
            *p.domains.entry(domain.clone()).or_default() += 1;
            if developer {
                *state.domains.entry(domain).or_default() += 1;
            }
        }
        p.hours[hour_of_week(c.author_time, c.author_offset)] += 1;
        *p.offsets.entry(c.author_offset).or_default() += 1;
        p.offset_last_at.insert(c.author_offset, c.author_time);
        if committer.id == author.id {
            p.self_committed += 1;
        } else {
            *p.committers.entry(committer.id.to_owned()).or_default() += 1;
        }
        if c.parent_count <= 1 {
            p.max_removed = p.max_removed.max(c.lines_removed);
        }
        p.first_in_repo
            .entry(c.repo.clone())
            .or_insert(c.committer_time);
    }
    let q = state
        .people
        .entry(committer.id.to_owned())
        .or_insert_with(|| Person::new(c.committer_time));
    q.committed += 1;
    if c.signature != "none" {
        q.signed += 1;
    }
    *q.signature_kinds.entry(c.signature.clone()).or_default() += 1;
    if let Some(key) = &c.signing_key {
        *q.signing_keys.entry(key.clone()).or_default() += 1;
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A small world for the rules' tests: commits by a few people, built like the ledger
    //! would return them.

    use super::*;
    use devspm_core::bytes::GitBytes;
    use devspm_core::event::{ChangeKind, FileMode};

    pub const DAY: i64 = 86_400;
    /// Monday 2024-01-01 10:00 UTC.
    pub const T0: i64 = 1_704_103_200;

    pub fn alias(alias: &str, identity: &str, kind: &str, name: &str, email: &str) -> AliasFact {
        AliasFact {
            alias: alias.to_owned(),
            identity: Some(identity.to_owned()),
            kind: Some(kind.to_owned()),
            name: Some(name.to_owned()),
            email: Some(email.to_owned()),
        }
    }

    pub fn file(path: &str, change: ChangeKind, added: u64, removed: u64) -> FileChange {
        FileChange {
            path: GitBytes::from(path),
            old_path: None,
            change,
            mode: FileMode::File,
            blob: None,
            added: Some(added),
            removed: Some(removed),
            binary: false,
            unreadable: false,
        }
    }

    pub fn binary(path: &str, change: ChangeKind) -> FileChange {
        FileChange {
            added: None,
            removed: None,
            binary: true,
            ..file(path, change, 0, 0)
        }
    }

    /// Builds histories commit by commit; every commit added with [`World::examine`] is
    /// examined.
    #[derive(Default)]
    pub struct World {
        pub input: Input,
        n: u64,
    }

    impl World {
        pub fn new(aliases: Vec<AliasFact>) -> World {
            World {
                input: Input {
                    aliases,
                    ..Input::default()
                },
                n: 0,
            }
        }

        /// A plain commit by `author` (also committer), unsigned, at `at` (+0000).
        pub fn commit(&mut self, author: &str, at: i64) -> &mut HistoryCommit {
            self.n += 1;
            self.input.history.push(HistoryCommit {
                repo: "r1".to_owned(),
                sha: format!("{:040x}", self.n),
                seq: self.n,
                author_alias: author.to_owned(),
                committer_alias: author.to_owned(),
                author_time: at,
                author_offset: 0,
                committer_time: at,
                committer_offset: 0,
                parent_count: 1,
                lines_added: 1,
                lines_removed: 0,
                signature: "none".to_owned(),
                signing_key: None,
            });
            self.input.history.last_mut().expect("just pushed")
        }

        /// `n` daily commits by `author` from `start`, on weekdays at 10:00 UTC.
        pub fn routine(&mut self, author: &str, start: i64, n: usize) -> i64 {
            let mut at = start;
            for _ in 0..n {
                while hour_of_week(at, 0) / 24 >= 5 {
                    at += DAY;
                }
                self.commit(author, at);
                at += DAY;
            }
            at
        }

        /// Marks the last commit as examined with `detail`.
        pub fn examine(&mut self, detail: CommitDetail) -> String {
            let c = self.input.history.last().expect("a commit");
            self.input.cursor = self.input.cursor.min(c.seq - 1);
            let key = (c.repo.clone(), c.sha.clone());
            self.input.examine.insert(key.clone(), detail);
            key.1
        }

        /// Marks every commit as examined, with no detail.
        pub fn examine_all(&mut self) {
            for c in &self.input.history {
                let key = (c.repo.clone(), c.sha.clone());
                self.input.examine.entry(key).or_default();
            }
        }

        pub fn run(&self) -> Vec<Raised> {
            self.run_with(&Thresholds::default())
        }

        pub fn run_with(&self, t: &Thresholds) -> Vec<Raised> {
            evaluate(&self.input, t)
        }
    }

    /// The signals of one rule.
    pub fn of<'a>(raised: &'a [Raised], rule: &str) -> Vec<&'a Raised> {
        raised.iter().filter(|r| r.signal.rule == rule).collect()
    }

    pub fn detail(files: Vec<FileChange>) -> CommitDetail {
        CommitDetail {
            files,
            ..CommitDetail::default()
        }
    }

    pub const ALICE: &str = "a_alice";
    pub const BOB: &str = "a_bob";

    pub fn people() -> Vec<AliasFact> {
        vec![
            alias(
                ALICE,
                "dev_alice",
                "developer",
                "Alice Martin",
                "alice@example.com",
            ),
            alias(BOB, "dev_bob", "developer", "Bob Stone", "bob@example.com"),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn hours_of_the_week() {
        // 2024-01-01 was a Monday.
        assert_eq!(hour_of_week(T0, 0), 10);
        assert_eq!(
            hour_name(hour_of_week(T0 + 6 * DAY - 7 * 3600, 0)),
            "Sun 03:00"
        );
        // +0800: 10:00 UTC is 18:00 local.
        assert_eq!(hour_of_week(T0, 8 * 3600), 18);
        assert_eq!(offset_name(-5 * 3600 - 1800), "-0530");
    }

    #[test]
    fn order_not_sequence_decides_the_baseline() {
        // The same history, recorded in two orders (seq reversed), gives the same signals.
        let mut w = World::new(people());
        w.routine(ALICE, T0, 30);
        w.commit(ALICE, T0 + 60 * DAY).author_offset = 8 * 3600;
        w.examine_all();
        let first = w.run();
        let n = w.input.history.len() as u64;
        for c in &mut w.input.history {
            c.seq = n + 1 - c.seq;
        }
        let second = w.run();
        let keys = |r: &[Raised]| r.iter().map(|x| x.key.clone()).collect::<Vec<_>>();
        assert!(!first.is_empty());
        assert_eq!(keys(&first), keys(&second));
    }

    #[test]
    fn thresholds_from_config() {
        let c = SignalsConfig {
            min_history: Some(5),
            signing_share: Some(0.5),
            protected_refs: Some(vec!["refs/heads/prod".to_owned()]),
            ..SignalsConfig::default()
        };
        let t = Thresholds::from_config(&c).unwrap();
        assert_eq!(t.min_history, 5);
        assert!(t.protected("refs/heads/prod"));
        assert!(!t.protected("refs/heads/main"));
        let bad = SignalsConfig {
            signing_share: Some(1.5),
            ..SignalsConfig::default()
        };
        assert!(
            Thresholds::from_config(&bad)
                .unwrap_err()
                .contains("signing_share")
        );
        assert!(Thresholds::default().protected("refs/tags/v1.0"));
        assert!(!Thresholds::default().protected("refs/heads/topic"));
    }
}
