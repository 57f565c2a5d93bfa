//! `devspm signals` as text and CSV (JSON is the report itself, through [`crate::json`]).
//!
//! The text view is grouped: one heading per rule, subject and repository, then its signals
//! with their evidence — the commits and events, the paths, the baseline and the explanation.
//! The default view shows the newest [`SHOWN_PER_GROUP`] signals of each group; `--all` every
//! one. Every name, e-mail, repository name, path and explanation is outside text (a ref name
//! or a path reaches an explanation) and goes through [`crate::terminal::escape`]; very long
//! values are shortened in the middle. CSV has one record per signal, every cell through
//! [`crate::csv::cell`].

use devspm_core::signal::{SignalGroup, SignalRow, SignalsReport};

use crate::number::count;
use crate::style::{paint, severity};
use crate::terminal::escape;

/// Signals shown per group in the default text view.
pub const SHOWN_PER_GROUP: usize = 3;

/// Characters of one value shown in the text view before it is shortened.
const MAX_SHOWN: usize = 400;

/// Unix seconds as `2026-11-28` (UTC).
pub fn day(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map_or_else(|_| "-".to_owned(), |t| t.strftime("%Y-%m-%d").to_string())
}

/// Outside text for the terminal, one line, at most [`MAX_SHOWN`] characters (the middle cut).
fn shown(text: &str) -> String {
    let escaped = escape(text);
    let n = escaped.chars().count();
    if n <= MAX_SHOWN {
        return escaped.into_owned();
    }
    let head: String = escaped.chars().take(MAX_SHOWN / 2).collect();
    let tail: String = escaped.chars().skip(n - MAX_SHOWN / 2).collect();
    format!("{head}…{tail}")
}

fn sev(name: &str, text: &str) -> String {
    match severity(name) {
        Some(style) => paint(text, style),
        None => escape(text).into_owned(),
    }
}

fn who(name: &Option<String>, email: &Option<String>, subject: &str) -> String {
    match (name, email) {
        (Some(n), Some(e)) if !e.is_empty() => format!("{} <{}> ({subject})", shown(n), shown(e)),
        (Some(n), _) => format!("{} ({subject})", shown(n)),
        _ => subject.to_owned(),
    }
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

fn signal_lines(r: &SignalRow, out: &mut String) {
    let s = &r.signal;
    let mut evidence: Vec<String> = s
        .commits
        .iter()
        .take(5)
        .map(|c| format!("commit {}", short(c)))
        .collect();
    if s.commits.len() > 5 {
        evidence.push(format!("{} more commits", s.commits.len() - 5));
    }
    evidence.push(format!(
        "event{} {}",
        if s.seqs.len() == 1 { "" } else { "s" },
        s.seqs
            .iter()
            .map(|q| q.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    out.push_str(&format!(
        "    {}  {}  {}\n      {}\n",
        day(s.at),
        sev(&s.severity, &s.severity),
        evidence.join(", "),
        shown(&s.explanation)
    ));
    out.push_str(&format!("      baseline: {}\n", shown(&s.baseline)));
    if !s.paths.is_empty() {
        let paths: Vec<String> = s.paths.iter().take(5).map(|p| shown(p)).collect();
        let more = if s.paths.len() > 5 {
            format!(" and {} more", s.paths.len() - 5)
        } else {
            String::new()
        };
        out.push_str(&format!("      paths: {}{more}\n", paths.join(", ")));
    }
}

fn group_heading(g: &SignalGroup) -> String {
    format!(
        "{}  {}  {}  in {}  — {} signal{}, {} to {}\n",
        sev(&g.severity, &g.severity.to_uppercase()),
        g.rule,
        who(&g.name, &g.email, &g.subject),
        shown(&g.repo_name),
        count(g.count),
        if g.count == 1 { "" } else { "s" },
        day(g.first_at),
        day(g.last_at)
    )
}

/// The text view.
pub fn text(r: &SignalsReport) -> String {
    let mut out = format!(
        "Signals: {} shown of {} on record ({}{})\n",
        count(r.shown),
        count(r.total),
        if r.min_severity == "info" {
            "every severity".to_owned()
        } else {
            format!("{} and above", r.min_severity)
        },
        if r.all {
            ""
        } else {
            "; --all lists every severity and every signal"
        }
    );
    if !r.by_severity.is_empty() {
        let parts: Vec<String> = r
            .by_severity
            .iter()
            .map(|(s, n)| format!("{} {s}", count(*n)))
            .collect();
        out.push_str(&format!("  {}\n", parts.join(", ")));
    }
    for g in &r.groups {
        out.push('\n');
        out.push_str(&group_heading(g));
        let limit = if r.all { usize::MAX } else { SHOWN_PER_GROUP };
        for row in g.signals.iter().take(limit) {
            signal_lines(row, &mut out);
        }
        if g.signals.len() > limit {
            out.push_str(&format!(
                "    … {} more (--all)\n",
                count((g.signals.len() - limit) as u64)
            ));
        }
    }
    out
}

/// One CSV record per signal, groups in order.
pub fn csv(r: &SignalsReport) -> String {
    let mut w = crate::csv::Writer::report(Vec::new());
    let header = [
        "seq",
        "severity",
        "rule",
        "subject",
        "name",
        "email",
        "repo",
        "repo_name",
        "date",
        "commits",
        "events",
        "paths",
        "probability",
        "baseline",
        "explanation",
    ];
    w.record(&header).expect("writing to memory");
    for g in &r.groups {
        for row in &g.signals {
            let s = &row.signal;
            w.record(&[
                row.seq.to_string(),
                s.severity.clone(),
                s.rule.clone(),
                s.subject.clone(),
                row.name.clone().unwrap_or_default(),
                row.email.clone().unwrap_or_default(),
                s.repo.clone(),
                row.repo_name.clone(),
                day(s.at),
                s.commits.join(" "),
                s.seqs
                    .iter()
                    .map(|q| q.to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                s.paths.join(";"),
                s.probability
                    .as_ref()
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                s.baseline.clone(),
                s.explanation.clone(),
            ])
            .expect("writing to memory");
        }
    }
    w.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use devspm_core::signal::Signal;

    fn report(name: &str, path: &str) -> SignalsReport {
        let signal = Signal {
            rule: "opaque-file".to_owned(),
            version: 1,
            severity: "high".to_owned(),
            subject: "dev_x".to_owned(),
            alias: Some("a_x".to_owned()),
            repo: "r_1".to_owned(),
            at: 1_709_950_709,
            commits: vec!["6e636819e4f0".to_owned()],
            seqs: vec![42],
            paths: vec![path.to_owned()],
            baseline: "2 files changed, none of them code".to_owned(),
            explanation: "1 opaque file changed".to_owned(),
            probability: None,
        };
        let row = SignalRow {
            seq: 99,
            signal,
            name: Some(name.to_owned()),
            email: Some("=cmd|' /C calc'!A0".to_owned()),
            repo_name: "xz".to_owned(),
        };
        SignalsReport {
            min_severity: "medium".to_owned(),
            all: false,
            total: 1,
            shown: 1,
            by_severity: vec![("high".to_owned(), 1)],
            groups: vec![SignalGroup {
                rule: "opaque-file".to_owned(),
                severity: "high".to_owned(),
                subject: "dev_x".to_owned(),
                name: Some(name.to_owned()),
                email: Some("=cmd|' /C calc'!A0".to_owned()),
                repo: "r_1".to_owned(),
                repo_name: "xz".to_owned(),
                count: 1,
                first_at: 1_709_950_709,
                last_at: 1_709_950_709,
                signals: vec![row],
            }],
        }
    }

    #[test]
    fn hostile_names_and_paths_are_inert() {
        let text = include_str!("../tests/fixtures/hostile-strings.json");
        let value: serde_json::Value = serde_json::from_str(text).expect("catalogue");
        for case in value["cases"].as_array().expect("cases") {
            let hostile = case["text"].as_str().expect("text");
            let r = report(hostile, hostile);
            for shown in [super::text(&r), super::csv(&r)] {
                for c in shown.chars() {
                    assert!(
                        c == '\n' || !crate::terminal::needs_escape(c),
                        "{}: {c:?} raw in {shown:?}",
                        case["id"]
                    );
                }
            }
            // No CSV cell starts a formula.
            for line in super::csv(&r).lines().skip(1) {
                for cell in line.split(',') {
                    let cell = cell.trim_start_matches('"');
                    assert!(!cell.starts_with(['=', '+', '@']), "{line}");
                }
            }
        }
    }

    #[test]
    fn text_shows_evidence() {
        let t = text(&report("Jia Tan", "tests/files/bad-3-corrupt_lzma2.xz"));
        assert!(
            t.contains("HIGH  opaque-file  Jia Tan <=cmd|' /C calc'!A0> (dev_x)  in xz"),
            "{t}"
        );
        assert!(t.contains("commit 6e636819e4f0, event 42"));
        assert!(t.contains("paths: tests/files/bad-3-corrupt_lzma2.xz"));
        assert!(t.contains("baseline: 2 files changed, none of them code"));
    }
}
