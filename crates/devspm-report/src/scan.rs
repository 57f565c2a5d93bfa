//! `devspm scan` and `devspm ingest git` as text: the repository's summary (this run, history,
//! identities, signing, rewrites, gaps, AI involvement and tooling, bots, top contributors),
//! what the built-in detectors did, the findings' part, and ingest's one line per repository.
//! The engine fills the view ([`Summary`]) from its scan report; the repository part is the
//! ledger's summary as it is (`devspm_core::scan`).

use devspm_core::scan::RepositorySummary;

use crate::findings::date;
use crate::number::{count, percent};
use crate::table::Table;
use crate::terminal::escape;

/// What `devspm scan` shows about a repository.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// The repository as the ledger summarises it.
    pub repository: RepositorySummary,
    /// What this run did.
    pub run: Run,
    pub signals: Signals,
    /// The built-in detectors, in the order they ran (absent when they did not run).
    pub detectors: Option<Vec<Detector>>,
    pub findings: Option<Findings>,
    /// Where the ledger is.
    pub database: String,
}

/// What one ingest run did.
#[derive(Clone, Debug, Default)]
pub struct Run {
    pub new_commits: u64,
    pub refs_updated: u64,
    pub events_appended: u64,
    pub seconds: f64,
}

/// What the insider-threat signals analyzer did.
#[derive(Clone, Debug, Default)]
pub struct Signals {
    pub appended: u64,
    pub commits_examined: u64,
    pub seconds: f64,
}

/// What one built-in detector did.
#[derive(Clone, Debug, Default)]
pub struct Detector {
    /// Its name, the line's label (`secrets`, `dependencies`).
    pub name: String,
    /// What it did, in one line (or how to give it data to work with).
    pub line: String,
    /// What it could not read or use.
    pub warnings: Vec<String>,
}

/// The repository's findings after the scan.
#[derive(Clone, Debug, Default)]
pub struct Findings {
    pub open: u64,
    pub ignored: u64,
    pub fixed: u64,
    pub attributed: u64,
    pub unattributable: u64,
    pub open_with_ai: u64,
    pub open_by_severity: Vec<(String, u64)>,
    pub open_by_context: Vec<(String, u64)>,
    /// (developer, open findings), most first.
    pub introduced_by: Vec<(String, u64)>,
    pub expired_ignores: Vec<ExpiredIgnore>,
}

/// An ignore past its last day.
#[derive(Clone, Debug, Default)]
pub struct ExpiredIgnore {
    /// `FILE:LINE`.
    pub source: String,
    pub selects: String,
    pub expired: String,
}

/// The human summary of a scan: the repository, then the detectors' and findings' parts, then
/// the ledger line.
pub fn summary(s: &Summary) -> String {
    let mut out = repository(s);
    if let Some(d) = &s.detectors {
        out.push_str(&detectors(d));
    }
    if let Some(f) = &s.findings {
        out.push_str(&findings(f, &s.repository.name));
    }
    out.push_str(&format!(
        "\nledger: {}  (devspm identities · devspm audit verify)\n",
        escape(&s.database)
    ));
    out
}

/// `devspm ingest git`'s line for one repository.
pub fn ingest_line(name: &str, run: &Run, history_rewrites: u64, new_gaps: u64) -> String {
    format!(
        "{}  {} new commits, {} refs updated, {} history rewrites, {} gaps, {} events ({:.1} s)\n",
        escape(name),
        count(run.new_commits),
        count(run.refs_updated),
        count(history_rewrites),
        count(new_gaps),
        count(run.events_appended),
        run.seconds
    )
}

/// `devspm ingest git`'s closing line: identity resolution, signals and the ledger.
pub fn ingest_end(identity_events: u64, signals: &Signals, database: &str) -> String {
    format!(
        "identities: {} resolution events; signals: {} new ({:.1} s); ledger: {}\n",
        count(identity_events),
        count(signals.appended),
        signals.seconds,
        escape(database)
    )
}

fn detectors(detectors: &[Detector]) -> String {
    let mut out = String::from("\nDetectors:\n");
    for d in detectors {
        out.push_str(&format!("  {:<14}{}\n", escape(&d.name), escape(&d.line)));
        for w in &d.warnings {
            out.push_str(&format!("  warning: {}\n", escape(w)));
        }
    }
    out
}

fn findings(f: &Findings, repo_name: &str) -> String {
    let severities: Vec<String> = f
        .open_by_severity
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let contexts: Vec<String> = f
        .open_by_context
        .iter()
        .map(|(c, n)| format!("{n} {c}"))
        .collect();
    let mut out = format!(
        "\nFindings: {} open ({}; by path context: {}), {} ignored, {} fixed; {} attributed, {} unattributable; {} open with AI involvement\n",
        count(f.open),
        if severities.is_empty() {
            "none".to_owned()
        } else {
            severities.join(", ")
        },
        if contexts.is_empty() {
            "none".to_owned()
        } else {
            contexts.join(", ")
        },
        count(f.ignored),
        count(f.fixed),
        count(f.attributed),
        count(f.unattributable),
        count(f.open_with_ai)
    );
    if !f.introduced_by.is_empty() {
        let mut t = Table::new(&[("open findings", true), ("introduced by", false)]);
        for (who, n) in &f.introduced_by {
            t.row(vec![count(*n), who.clone()]);
        }
        out.push_str(&t.render("  "));
    }
    for e in &f.expired_ignores {
        out.push_str(&format!(
            "  expired ignore at {} ({}) on {}: no longer applied\n",
            escape(&e.source),
            escape(&e.selects),
            e.expired
        ));
    }
    out.push_str(&format!(
        "  (devspm findings --repo {} lists them; --show-ignored the ignored ones)\n",
        escape(&shell_word(repo_name))
    ));
    out
}

/// A word a shell reads back as itself: as it is when it is plain, else single-quoted.
pub fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@+".contains(c));
    if plain {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// The repository part of the summary (everything before the detectors).
fn repository(summary: &Summary) -> String {
    let r = &summary.run;
    let s = &summary.repository;
    let mut out = String::new();
    out.push_str(&format!(
        "devspm scan: {} ({})\n",
        escape(&s.name),
        escape(&s.repo)
    ));
    out.push_str(&format!("  location      {}\n", escape(&s.locator)));
    out.push_str(&format!(
        "  this run      {} new commits, {} refs updated, {} events appended in {:.1} s\n",
        count(r.new_commits),
        count(r.refs_updated),
        count(r.events_appended),
        r.seconds
    ));
    out.push_str(&format!(
        "  signals       {} new from {} commits judged in {:.1} s (`devspm signals`)\n",
        count(summary.signals.appended),
        count(summary.signals.commits_examined),
        summary.signals.seconds
    ));
    out.push_str(&format!(
        "  commits       {} ({} merges) from {} to {}\n",
        count(s.commits),
        count(s.merges),
        date(s.first_commit_time),
        date(s.last_commit_time)
    ));
    out.push_str(&format!(
        "  lines         +{} -{}\n",
        count(s.lines_added),
        count(s.lines_removed)
    ));
    out.push_str(&format!(
        "  identities    {} developers, {} bots, {} AI agents\n",
        count(s.developers),
        count(s.bots),
        count(s.agents.len() as u64)
    ));
    let kinds: Vec<String> = s
        .signatures
        .iter()
        .filter(|(k, _)| k.as_str() != "none")
        .map(|(k, v)| format!("{k} {}", count(*v)))
        .collect();
    out.push_str(&format!(
        "  signed        {} of {} commits ({}){}\n",
        count(s.signed_commits),
        count(s.commits),
        percent(s.signed_ratio),
        if kinds.is_empty() {
            String::new()
        } else {
            format!(": {}", kinds.join(", "))
        }
    ));
    if s.history_rewrites.is_empty() {
        out.push_str("  rewrites      none seen\n");
    } else {
        out.push_str(&format!(
            "  rewrites      {} history rewrites; {} recorded commits no longer reachable (kept on record)\n",
            s.history_rewrites.len(),
            count(s.unreachable_commits)
        ));
        for w in &s.history_rewrites {
            out.push_str(&format!(
                "                {} {}..{}: {} commits unreachable (event {})\n",
                escape(&w.ref_name),
                &w.old_tip[..w.old_tip.len().min(10)],
                &w.new_tip[..w.new_tip.len().min(10)],
                count(w.unreachable),
                w.event
            ));
        }
    }
    if s.ingest_gaps.is_empty() {
        out.push_str("  gaps          none\n");
    } else {
        let gaps: Vec<String> = s
            .ingest_gaps
            .iter()
            .map(|(k, v)| format!("{} {}", k.replace('_', " "), count(*v)))
            .collect();
        out.push_str(&format!(
            "  gaps          {} (recorded; ingest went on)\n",
            gaps.join(", ")
        ));
    }
    ai(&mut out, s);
    if !s.bot_accounts.is_empty() {
        out.push_str("\nBots\n");
        let mut t = Table::new(&[("bot", false), ("commits", true)]);
        for bot in &s.bot_accounts {
            t.row(vec![bot.identity.clone(), count(bot.commits)]);
        }
        out.push_str(&t.render("  "));
    }
    if !s.top_contributors.is_empty() {
        out.push_str("\nTop contributors (commits authored)\n");
        let mut t = Table::new(&[
            ("commits", true),
            ("name", false),
            ("e-mail", false),
            ("identity", false),
        ]);
        for c in &s.top_contributors {
            t.row(vec![
                count(c.commits),
                c.name.clone(),
                c.email.clone(),
                c.identity.clone(),
            ]);
        }
        out.push_str(&t.render("  "));
    }
    out
}

/// AI involvement by agent, line-level records, and AI tooling at HEAD with its risky settings.
fn ai(out: &mut String, s: &RepositorySummary) {
    let ai = &s.ai;
    if !ai.by_agent.is_empty() {
        out.push_str(&format!(
            "\nAI involvement: {} of {} commits ({}), {} on heuristic evidence only\n",
            count(ai.commits),
            count(s.commits),
            percent(ai.share),
            count(ai.heuristic_only_commits)
        ));
        let mut t = Table::new(&[("agent", false), ("commits", true), ("exact", true)]);
        for a in &ai.by_agent {
            t.row(vec![
                a.agent.clone(),
                count(a.commits),
                count(a.exact_commits),
            ]);
        }
        out.push_str(&t.render("  "));
    }
    if ai.line_level_commits + ai.orphaned_records > 0 {
        out.push_str(&format!(
            "  line-level records (git-ai notes) for {} of {} AI-involved commits; {} orphaned (commit lost to a rebase or squash)\n",
            count(ai.line_level_commits),
            count(ai.commits),
            count(ai.orphaned_records)
        ));
    }
    if ai.tools.is_empty() {
        return;
    }
    let count_kind = |kind: &str| ai.tools.iter().filter(|t| t.kind == kind).count() as u64;
    let unpinned = ai
        .tools
        .iter()
        .filter(|t| t.kind == "mcp_server" && t.pinned == Some(false))
        .count() as u64;
    out.push_str(&format!(
        "\nAI tooling at HEAD: {} instruction files, {} agent settings files, {} MCP servers ({} unpinned)\n",
        count(count_kind("ai_instructions")),
        count(count_kind("agent_settings")),
        count(count_kind("mcp_server")),
        count(unpinned)
    ));
    let risky: Vec<_> = ai.tools.iter().filter(|t| !t.risks.is_empty()).collect();
    if risky.is_empty() {
        return;
    }
    let mut t = Table::new(&[
        ("risky setting", false),
        ("file", false),
        ("item", false),
        ("added in", false),
    ]);
    for tool in risky {
        for rule in &tool.risks {
            t.row(vec![
                rule.clone(),
                tool.path.clone(),
                tool.name.clone(),
                tool.introduced_in
                    .as_deref()
                    .map_or("-".to_owned(), |c| c[..c.len().min(10)].to_owned()),
            ]);
        }
    }
    out.push_str(&t.render("  "));
}

#[cfg(test)]
mod tests {
    use devspm_core::scan::{Contributor, RewriteRow};

    use super::*;

    #[test]
    fn shell_words_read_back_as_themselves() {
        assert_eq!(shell_word("devspm"), "devspm");
        assert_eq!(shell_word("my repo"), "'my repo'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn outside_text_is_escaped_and_the_ledger_line_comes_last() {
        let hostile = "evil\x1b]0;title\x07\u{202e}\n";
        let shown = Summary {
            repository: RepositorySummary {
                name: hostile.into(),
                repo: hostile.into(),
                locator: hostile.into(),
                history_rewrites: vec![RewriteRow {
                    ref_name: hostile.into(),
                    old_tip: "0123456789abcdef".into(),
                    new_tip: "fedcba9876543210".into(),
                    ..RewriteRow::default()
                }],
                top_contributors: vec![Contributor {
                    identity: "dev:1".into(),
                    name: hostile.into(),
                    email: hostile.into(),
                    commits: 3,
                    ..Contributor::default()
                }],
                ..RepositorySummary::default()
            },
            detectors: Some(vec![Detector {
                name: hostile.into(),
                line: hostile.into(),
                warnings: vec![hostile.into()],
            }]),
            findings: Some(Findings {
                introduced_by: vec![(hostile.into(), 2)],
                ..Findings::default()
            }),
            database: hostile.into(),
            ..Summary::default()
        };
        let text = summary(&shown);
        assert!(!text.contains(['\x1b', '\x07', '\u{202e}']), "{text}");
        assert!(text.ends_with("  (devspm identities · devspm audit verify)\n"));
        let detectors = text.find("\nDetectors:").unwrap();
        let findings = text.find("\nFindings:").unwrap();
        assert!(detectors < findings && findings < text.rfind("\nledger: ").unwrap());
        assert!(text.contains("0123456789..fedcba9876"));
    }
}
