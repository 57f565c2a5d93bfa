//! SZZ: the commits that introduced the bug a fixing commit fixed (`devspm attribute --fix`,
//! `--fixes-from`), recorded as `attribution` events.
//!
//! Two variants, so results can be compared:
//!
//! - `basic` (B-SZZ, Śliwerski, Zimmermann and Zeller 2005): blame, in the fix's parent, every
//!   line the fix deleted or changed; every commit found is a candidate.
//! - `devspm`: what later research found to matter, kept where it helped on our ground truth
//!   (`docs/attribution.md`). Blank and comment-only lines are not evidence (AG-SZZ, Kim et
//!   al. 2006); blame follows lines past whitespace-only, moved-line and
//!   `.git-blame-ignore-revs` commits (AG-SZZ/RA-SZZ's "cosmetic and refactoring changes");
//!   candidates committed after the disclosure date are dropped (Fan et al. 2019); a fix that
//!   only adds lines is traced through the lines around the addition. Candidates are ranked by
//!   the lines they own, so the first is the best single answer.
//!
//! Two traces of each line: `change` blames the commit that last changed it ("which change
//! broke it", what `Fixes:` trailers name); `earliest` (V-SZZ, Bao et al. 2022) follows a line
//! that the blamed commit only modified back through its earlier versions to the commit that
//! first wrote it ("since when was the vulnerable code there", a CVE's affected versions). By
//! default a fix of a vulnerability (an advisory id given with it, or an imported finding with
//! one that it fixed) is traced to the earliest version, with the change-trace answer shown
//! beside it when it differs, and any other fix by the change trace.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::Path;

use devspm_core::finding::{Attribution, IntroducingCommit};
use devspm_findings::attribute::ENGINE;
use devspm_git::{BlameCache, BlameOptions, Blamer, FixChanges, Repo};
use devspm_ledger::FindingStore;

use crate::EngineError;

/// The SZZ variant (`docs/attribution.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SzzVariant {
    Devspm,
    Basic,
}

/// Which commit a traced line is blamed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SzzTrace {
    /// `Earliest` for a vulnerability fix, `Change` otherwise.
    Auto,
    Change,
    Earliest,
}

/// The fixes to analyse, as a front end received them.
pub struct FixRequest<'a> {
    /// One fix (`--fix`), with its advisory and disclosure day.
    pub fix: Option<&'a str>,
    pub advisory: Option<&'a str>,
    pub disclosed: Option<&'a str>,
    /// A file of fixes: `COMMIT [ADVISORY-ID] [YYYY-MM-DD]` per line, `#` comments.
    pub fixes_from: Option<&'a Path>,
}

/// One fixing commit to analyse.
#[derive(Clone, Debug)]
pub struct FixInput {
    pub commit: String,
    /// The advisory (CVE, GHSA, OSV, RUSTSEC …) the fix is for: a vulnerability fix.
    pub cve: Option<String>,
    /// Unix seconds of the end of the disclosure day.
    pub disclosed: Option<i64>,
}

pub use devspm_report::szz::{Inducing, SzzResult, trace_note};

/// The advisory ids (CVE, GHSA, OSV, RUSTSEC, PYSEC, GO …) of fixed findings, by the full sha
/// of the revision at which each was found fixed.
fn fixed_advisories(
    store: &impl FindingStore,
    repo: &Repo,
) -> Result<HashMap<String, String>, EngineError> {
    let mut out: HashMap<String, String> = HashMap::new();
    for row in store.findings(&devspm_ledger::FindingFilter {
        repo: Some(repo.id.clone()),
        status: Some("fixed".to_owned()),
        ..Default::default()
    })? {
        let (Some(fixed), Some(id)) = (
            row.fixed_revision,
            row.identifiers.iter().find(|i| is_advisory_id(i)),
        ) else {
            continue;
        };
        // The lowest id, so that the choice does not depend on row order.
        let entry = out.entry(fixed).or_insert_with(|| id.clone());
        if id < entry {
            *entry = id.clone();
        }
    }
    Ok(out)
}

/// Whether a word is an advisory id: CVE-…, GHSA-…, OSV-…, RUSTSEC-…, PYSEC-…, GO-… (what
/// links a fix to a vulnerability).
pub fn is_advisory_id(word: &str) -> bool {
    let upper = word.to_ascii_uppercase();
    ["CVE-", "GHSA-", "OSV-", "RUSTSEC-", "PYSEC-", "GO-", "GSD-"]
        .iter()
        .any(|p| upper.starts_with(p) && upper.len() > p.len())
}

/// The fixes of a request, parsed and checked.
pub fn fix_inputs(args: &FixRequest<'_>) -> Result<Vec<FixInput>, EngineError> {
    let mut out = Vec::new();
    if let Some(fix) = args.fix {
        if let Some(id) = args.advisory
            && !is_advisory_id(id)
        {
            return Err(EngineError::Invalid(format!(
                "--advisory {id}: not an advisory id (CVE-…, GHSA-…, OSV-…, RUSTSEC-…, PYSEC-…, GO-…)"
            )));
        }
        out.push(FixInput {
            commit: fix.to_owned(),
            cve: args.advisory.map(str::to_owned),
            disclosed: args
                .disclosed
                .map(|d| {
                    parse_day(d).map_err(|e| EngineError::Invalid(format!("--disclosed {d}: {e}")))
                })
                .transpose()?,
        });
    }
    if let Some(path) = args.fixes_from {
        let cannot = |e| EngineError::io(format!("cannot read {}", path.display()), e);
        let file = std::fs::File::open(path).map_err(cannot)?;
        for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.map_err(cannot)?;
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let commit = parts.next().unwrap_or_default().to_owned();
            let mut input = FixInput {
                commit,
                cve: None,
                disclosed: None,
            };
            for part in parts {
                if is_advisory_id(part) {
                    input.cve = Some(part.to_owned());
                } else {
                    input.disclosed = Some(parse_day(part).map_err(|e| {
                        EngineError::Invalid(format!(
                            "{}:{}: `{part}` is neither an advisory id (CVE-…, GHSA-…, OSV-…, RUSTSEC-…) nor a date (YYYY-MM-DD): {e}",
                            path.display(),
                            n + 1
                        ))
                    })?);
                }
            }
            out.push(input);
        }
    }
    Ok(out)
}

/// The end of a UTC day, as Unix seconds.
fn parse_day(text: &str) -> Result<i64, String> {
    let date: jiff::civil::Date = text
        .parse()
        .map_err(|_| format!("`{text}` is not a date (YYYY-MM-DD)"))?;
    let end: jiff::Timestamp = format!("{date}T23:59:59Z")
        .parse()
        .map_err(|_| "date out of range".to_owned())?;
    Ok(end.as_second())
}

/// Whether a line (whitespace removed) carries no code: blank, or a comment in the file's
/// language family.
fn is_noise(path: &str, stripped: &[u8]) -> bool {
    if stripped.is_empty() {
        return true;
    }
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    let hash_comments = matches!(
        ext.as_str(),
        "py" | "rb"
            | "sh"
            | "bash"
            | "pl"
            | "pm"
            | "r"
            | "yml"
            | "yaml"
            | "toml"
            | "cmake"
            | "mk"
            | "conf"
            | "tcl"
            | "ps1"
            | "nix"
    ) || path.ends_with("Makefile")
        || path.ends_with("Dockerfile");
    let starts = |p: &[u8]| stripped.starts_with(p);
    if starts(b"//") || starts(b"/*") || starts(b"*/") || starts(b"<!--") {
        return true;
    }
    // A C block comment continuation line: `* text`, but not a dereference like `*p = 1;`.
    if starts(b"*") && !stripped.ends_with(b";") && !stripped.contains(&b'=') {
        return true;
    }
    if hash_comments && starts(b"#") {
        return true;
    }
    if matches!(ext.as_str(), "sql" | "lua" | "hs" | "ada" | "adb") && starts(b"--") {
        return true;
    }
    // Braces alone carry no behaviour of their own.
    matches!(stripped, b"{" | b"}" | b"};" | b"(" | b")" | b");")
}

fn szz(
    repo: &Repo,
    fixes: &[FixInput],
    variant: SzzVariant,
    trace: SzzTrace,
    advisories: &HashMap<String, String>,
    phase: &crate::Phase<'_>,
) -> Result<Vec<SzzResult>, EngineError> {
    let traced = std::sync::atomic::AtomicU64::new(0);
    let options = match variant {
        SzzVariant::Basic => BlameOptions {
            skip_cosmetic: false,
            ignore_revs_file: false,
            ignore_revs: Vec::new(),
            max_skips: 0,
            follow_ref_changes: false,
        },
        SzzVariant::Devspm => BlameOptions::default(),
    };
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(BTreeMap::new());
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 4)
        .min(fixes.len());
    // One cache for all threads: fixes of the same files walk the same history.
    let cache = BlameCache::new(repo);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut blamer = Blamer::with_cache(repo, options.clone(), &cache);
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(fix) = fixes.get(i) else {
                        break;
                    };
                    let result = one_fix(&mut blamer, fix, variant, trace, advisories)
                        .unwrap_or_else(|e| {
                            let earliest = trace == SzzTrace::Earliest
                                || (trace == SzzTrace::Auto && fix.cve.is_some());
                            failed(fix, variant_name(variant, earliest), e.to_string())
                        });
                    if let Ok(mut r) = results.lock() {
                        r.insert(i, result);
                    }
                    phase.at(traced.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
                }
            });
        }
    });
    Ok(results
        .into_inner()
        .unwrap_or_default()
        .into_values()
        .collect())
}

fn variant_name(variant: SzzVariant, earliest: bool) -> &'static str {
    match (variant, earliest) {
        (SzzVariant::Basic, false) => "basic",
        (SzzVariant::Basic, true) => "basic+earliest",
        (SzzVariant::Devspm, false) => "devspm",
        (SzzVariant::Devspm, true) => "devspm+earliest",
    }
}

fn failed(fix: &FixInput, variant: &'static str, reason: String) -> SzzResult {
    SzzResult {
        fix: fix.commit.clone(),
        cve: fix.cve.clone(),
        advisory_from: fix.cve.as_ref().map(|_| "input"),
        variant,
        trace: if variant.ends_with("+earliest") {
            "earliest"
        } else {
            "change"
        },
        status: "unattributable",
        reason: Some(reason),
        inducing: Vec::new(),
        lines_considered: 0,
        lines_filtered: 0,
        after_disclosure: 0,
        other_trace: Vec::new(),
    }
}

/// Traced lines per candidate commit: commit → (lines, files).
type Found = BTreeMap<String, (u32, Vec<String>)>;

fn one_fix(
    blamer: &mut Blamer,
    fix: &FixInput,
    variant: SzzVariant,
    trace: SzzTrace,
    advisories: &HashMap<String, String>,
) -> Result<SzzResult, EngineError> {
    let changes: FixChanges = match blamer.fix_changes(&fix.commit)? {
        Ok(c) => c,
        Err(miss) => {
            let earliest = trace == SzzTrace::Earliest;
            return Ok(failed(
                fix,
                variant_name(variant, earliest),
                miss.to_string(),
            ));
        }
    };
    // The advisory: given with the fix, else that of an imported finding it fixed.
    let (advisory, advisory_from) = match (&fix.cve, advisories.get(&changes.fix)) {
        (Some(id), _) => (Some(id.clone()), Some("input")),
        (None, Some(id)) => (Some(id.clone()), Some("finding")),
        (None, None) => (None, None),
    };
    let earliest = match trace {
        SzzTrace::Earliest => true,
        SzzTrace::Change => false,
        SzzTrace::Auto => advisory.is_some(),
    };
    // Both traces, to show the change-trace answer beside a vulnerability's earliest one.
    let both = trace == SzzTrace::Auto && earliest;
    let variant_name = variant_name(variant, earliest);
    let devspm = variant == SzzVariant::Devspm;
    let mut considered = 0u32;
    let mut filtered = 0u32;
    let mut found: Found = BTreeMap::new();
    let mut found_change: Found = BTreeMap::new();
    // The lines to blame, per file: those the fix deleted or changed, less (devspm variant)
    // blank and comment lines.
    let mut selected: Vec<(&devspm_git::FixedFile, Vec<u32>)> = Vec::new();
    for file in &changes.files {
        let mut lines: Vec<u32> = Vec::new();
        for (line, text) in file.removed.iter().zip(&file.removed_text) {
            considered += 1;
            if devspm && is_noise(&file.path, text) {
                filtered += 1;
                continue;
            }
            lines.push(*line);
        }
        selected.push((file, lines));
    }
    // A fix that only adds code (a missing check): the lines around each addition (devspm
    // variant only; B-SZZ has nothing to blame).
    // When every changed line was a comment or blank, those lines are all there is.
    if devspm && selected.iter().all(|(_, lines)| lines.is_empty()) {
        let changed_something = selected.iter().any(|(file, _)| !file.removed.is_empty());
        for (file, lines) in &mut selected {
            if changed_something {
                lines.extend(file.removed.iter().copied());
            } else {
                lines.extend(file.context.iter().copied());
            }
        }
    }
    let count = |found: &mut Found, commit: &str, path: &str| {
        let entry = found.entry(commit.to_owned()).or_default();
        entry.0 += 1;
        // The file's name in the inducing commit (before any later rename).
        if !entry.1.iter().any(|p| p == path) {
            entry.1.push(path.to_owned());
        }
    };
    // V-SZZ: the lines to follow back to the commit that first wrote them, in blame order.
    let mut traced: Vec<Trace> = Vec::new();
    for (file, lines) in selected {
        if lines.is_empty() {
            continue;
        }
        let blame = match blamer.blame(&changes.parent, &file.path, &lines)? {
            Ok(b) => b,
            Err(_) => continue,
        };
        for origin in blame.lines {
            if origin.boundary {
                continue;
            }
            if !earliest {
                count(&mut found, &origin.commit, &origin.path);
                continue;
            }
            if both {
                count(&mut found_change, &origin.commit, &origin.path);
            }
            traced.push(Trace {
                commit: origin.commit,
                path: origin.path,
                line: origin.source_line,
                done: false,
            });
        }
    }
    follow_to_earliest(blamer, &mut traced)?;
    for t in &traced {
        count(&mut found, &t.commit, &t.path);
    }
    let (inducing, after_disclosure) = rank(blamer, found, devspm, fix.disclosed);
    let other_trace = if both {
        let (change, _) = rank(blamer, found_change, devspm, fix.disclosed);
        let mut a: Vec<&str> = change.iter().map(|i| i.commit.as_str()).collect();
        let mut b: Vec<&str> = inducing.iter().map(|i| i.commit.as_str()).collect();
        a.sort_unstable();
        b.sort_unstable();
        if a == b { Vec::new() } else { change }
    } else {
        Vec::new()
    };
    let status = if inducing.is_empty() {
        "unattributable"
    } else {
        "attributed"
    };
    let reason = inducing.is_empty().then(|| {
        if changes.files.is_empty() {
            "the fix changes no existing text file".to_owned()
        } else if after_disclosure > 0 {
            "every candidate was committed after the disclosure date".to_owned()
        } else {
            "no deleted or changed line of the fix carries code".to_owned()
        }
    });
    Ok(SzzResult {
        fix: changes.fix,
        cve: advisory,
        advisory_from,
        variant: variant_name,
        trace: if earliest { "earliest" } else { "change" },
        status,
        reason,
        inducing,
        lines_considered: considered,
        lines_filtered: filtered,
        after_disclosure,
        other_trace,
    })
}

/// A line being followed back through its earlier versions: where it is now.
struct Trace {
    commit: String,
    path: String,
    line: u32,
    /// No earlier version (the line was new there, or could not be followed).
    done: bool,
}

/// Follows each line back, at most 16 versions, to the commit that first wrote it: while the
/// commit that last wrote it only modified an earlier version of it, the commit that wrote
/// that version. All lines go a step at a time, so that the lines of one file at one commit
/// are mapped through one diff and blamed together in the parent.
fn follow_to_earliest(blamer: &mut Blamer, traced: &mut [Trace]) -> Result<(), EngineError> {
    for _ in 0..16 {
        // Lines still going, by (commit, path).
        let mut at: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
        for (i, t) in traced.iter().enumerate().filter(|(_, t)| !t.done) {
            at.entry((t.commit.clone(), t.path.clone()))
                .or_default()
                .push(i);
        }
        if at.is_empty() {
            break;
        }
        // Each line's earlier version, by (parent, path).
        let mut earlier: BTreeMap<(String, String), Vec<(usize, u32)>> = BTreeMap::new();
        for ((commit, path), lines) in at {
            let numbers: Vec<u32> = lines.iter().map(|&i| traced[i].line).collect();
            let versions = blamer.earlier_versions(&commit, &path, &numbers)?;
            for (&i, version) in lines.iter().zip(versions) {
                match version {
                    Some((parent, old_line)) => earlier
                        .entry((parent, path.clone()))
                        .or_default()
                        .push((i, old_line)),
                    None => traced[i].done = true,
                }
            }
        }
        for ((parent, path), lines) in earlier {
            let numbers: Vec<u32> = lines.iter().map(|&(_, l)| l).collect();
            // Not blamable there (no such file, binary): the lines stop where they are.
            let blame = blamer.blame(&parent, &path, &numbers)?.ok();
            for (i, old_line) in lines {
                let older = blame
                    .as_ref()
                    .and_then(|b| b.lines.iter().find(|o| o.line == old_line));
                match older {
                    Some(o) if !o.boundary => {
                        traced[i].commit = o.commit.clone();
                        traced[i].path = o.path.clone();
                        traced[i].line = o.source_line;
                    }
                    _ => traced[i].done = true,
                }
            }
        }
    }
    Ok(())
}

/// Candidates ranked by traced lines (the oldest first on a tie), the first marked primary;
/// with the devspm variant, those committed after the disclosure date are dropped (and
/// counted).
fn rank(
    blamer: &Blamer,
    found: Found,
    devspm: bool,
    disclosed: Option<i64>,
) -> (Vec<Inducing>, u32) {
    let mut inducing = Vec::new();
    let mut after_disclosure = 0;
    for (commit, (lines, files)) in found {
        let time = blamer.author_time(&commit);
        if devspm
            && let (Some(limit), Some(t)) = (disclosed, time)
            && t > limit
        {
            after_disclosure += 1;
            continue;
        }
        inducing.push(Inducing {
            primary: false,
            commit,
            lines,
            files,
            author_time: time,
            date: day(time),
        });
    }
    inducing.sort_by(|a, b| {
        b.lines
            .cmp(&a.lines)
            .then(a.author_time.cmp(&b.author_time))
    });
    if let Some(first) = inducing.first_mut() {
        first.primary = true;
    }
    (inducing, after_disclosure)
}

/// Records each result as an `attribution` event (finding `fix:<sha>`, method `szz`).
fn record(
    store: &mut (impl devspm_ledger::EventLog + FindingStore),
    repo: &Repo,
    results: &[SzzResult],
) -> Result<(), EngineError> {
    let shas: Vec<String> = results
        .iter()
        .flat_map(|r| r.inducing.iter().map(|i| i.commit.clone()))
        .collect();
    let facts = store.commit_facts(&repo.id, &shas)?;
    let agents = store.commit_agents(&repo.id, &shas)?;
    let events = results
        .iter()
        .map(|r| {
            let total: u32 = r.inducing.iter().map(|i| i.lines).sum();
            Attribution {
                finding: format!("fix:{}", r.fix),
                repo: repo.id.clone(),
                method: format!("szz-{}", r.variant),
                status: r.status.to_owned(),
                reason: r.reason.clone(),
                revision: Some(r.fix.clone()),
                commits: r
                    .inducing
                    .iter()
                    .map(|i| IntroducingCommit {
                        commit: i.commit.clone(),
                        author: facts.get(&i.commit).map(|f| f.author.clone()),
                        time: i.author_time,
                        lines: i.lines,
                        path: None,
                    })
                    .collect(),
                agents: r
                    .inducing
                    .iter()
                    .flat_map(|i| {
                        agents.get(&i.commit).into_iter().flatten().map(|(a, c)| {
                            devspm_core::finding::AgentPart {
                                agent: a.clone(),
                                commit: i.commit.clone(),
                                level: "commit".to_owned(),
                                confidence: c.clone(),
                            }
                        })
                    })
                    .collect(),
                confidence: match r.inducing.len() {
                    0 => "low",
                    1 => "medium",
                    _ => "low",
                }
                .to_owned(),
                evidence: {
                    let mut evidence = vec![format!(
                        "{} of {} deleted/changed lines considered ({} filtered as not evidence), traced to {} commit(s) with {total} line(s){}",
                        r.lines_considered - r.lines_filtered,
                        r.lines_considered,
                        r.lines_filtered,
                        r.inducing.len(),
                        r.cve.as_deref().map(|c| format!("; fixes {c}")).unwrap_or_default()
                    )];
                    evidence.push(trace_note(r));
                    evidence
                },
                package_added: None,
                present_at_head: None,
                engine: ENGINE,
            }
            .into_event()
        })
        .collect();
    store.append(events)?;
    Ok(())
}

/// Unix seconds → "2026-11-28" (UTC), "-" when unknown.
fn day(seconds: Option<i64>) -> String {
    seconds
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map_or_else(|| "-".to_owned(), |t| t.strftime("%Y-%m-%d").to_string())
}

/// What `devspm attribute` did.
pub enum AttributeRun {
    /// No fix was given: the repository's pending findings were attributed (again).
    Pending(crate::attribution::AttributionReport),
    /// SZZ over the fixes given.
    Fixes(Vec<SzzResult>),
}

/// `devspm attribute`: brings the repository's record up to date, then runs SZZ over the fixes
/// `request` names or — when it names none — attributes the pending findings (all of them
/// again when `again`).
pub fn attribute<S: crate::Ledger + Send>(
    ctx: &crate::Context<'_>,
    store: &mut S,
    repo: &Repo,
    request: &FixRequest<'_>,
    again: bool,
    method: (SzzVariant, SzzTrace),
    no_record: bool,
) -> Result<AttributeRun, EngineError> {
    crate::scan::bring_up_to_date(ctx, store, repo)?;
    let fixes = fix_inputs(request)?;
    if fixes.is_empty() {
        return Ok(AttributeRun::Pending(
            crate::attribution::attribute_pending(
                store,
                repo,
                &HashMap::new(),
                again,
                ctx.progress,
            )?,
        ));
    }
    Ok(AttributeRun::Fixes(attribute_fixes(
        store,
        repo,
        &fixes,
        method,
        no_record,
        ctx.progress,
    )?))
}

/// Runs SZZ on `fixes` and, unless `no_record`, records each result as an `attribution` event.
/// A fix is a vulnerability fix when an advisory id came with it, or when an imported finding
/// with one was found fixed at that commit. Progress: the phase [`crate::phase::SZZ`], one
/// step per fix traced.
pub fn attribute_fixes(
    store: &mut (impl devspm_ledger::EventLog + FindingStore),
    repo: &Repo,
    fixes: &[FixInput],
    (variant, trace): (SzzVariant, SzzTrace),
    no_record: bool,
    progress: &dyn crate::Progress,
) -> Result<Vec<SzzResult>, EngineError> {
    let advisories = fixed_advisories(store, repo)?;
    let phase = crate::Phase::start(
        progress,
        crate::phase::SZZ,
        &repo.name,
        Some(fixes.len() as u64),
    );
    let results = szz(repo, fixes, variant, trace, &advisories, &phase)?;
    drop(phase);
    if !no_record {
        record(store, repo, &results)?;
    }
    Ok(results)
}
