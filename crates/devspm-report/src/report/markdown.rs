//! The report as a short Markdown summary for a pull-request comment or a CI job summary
//! (`$GITHUB_STEP_SUMMARY`): the organisation's figures, the lowest-scoring developers and
//! repositories, the most severe open findings with who introduced them, shadow IT, and the
//! signals. The whole picture, with the evidence, is the HTML report; this says where to look.
//! Outside text goes through [`crate::markdown::text`] / [`crate::markdown::code`]: no link,
//! image, HTML or table break can come from a name, message or path.

use std::fmt::Write;

use devspm_posture::SubjectKind;

use super::{Report, opt, opt_percent};
use crate::markdown::{code, text};
use crate::number::{count, percent};

/// Rows per table: a comment stays short.
const ROWS: usize = 10;

/// The summary.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let w = &r.posture.window;
    let o = &r.posture.organisation;
    let m = &o.metrics;
    let _ = writeln!(out, "## devspm: developer security posture\n");
    let _ = writeln!(
        out,
        "{} to {} ({} days), {}; ledger up to event {}{}.\n",
        text(&w.first_day),
        text(&w.last_day),
        w.days,
        match &r.posture.scope {
            Some((_, name)) => format!("repository {}", text(name)),
            None => "every recorded repository".to_owned(),
        },
        r.ledger_head,
        if r.pseudonymized {
            "; people are shown by pseudonyms"
        } else {
            ""
        }
    );
    let shadow: Vec<_> = r
        .tools
        .violations
        .iter()
        .filter(|v| matches!(v.verdict.as_str(), "denied" | "unapproved"))
        .collect();
    let _ = writeln!(out, "| figure | value |\n|---|---:|");
    for (k, v) in [
        ("commits", count(m.commits)),
        ("changed lines", count(m.changed_lines)),
        ("findings introduced", count(m.findings_introduced)),
        (
            "weighted findings per 1,000 scanned lines",
            opt(o.finding_rate, 3),
        ),
        ("secrets introduced, still open", count(m.secrets_open)),
        (
            "of them still in the file at HEAD",
            count(m.secrets_live_at_head),
        ),
        ("signed commits", opt_percent(o.signed_share)),
        ("AI-involved commits", opt_percent(m.ai_share)),
        (
            "changed lines in AI-involved commits",
            if r.ai.changed_lines == 0 {
                "–".to_owned()
            } else {
                percent(r.ai.ai_changed_lines as f64 / r.ai.changed_lines as f64)
            },
        ),
        (
            "changed lines written by an agent (line-level records)",
            opt_percent(m.ai_recorded_line_share),
        ),
        ("self-merged", opt_percent(o.self_merged_share)),
        (
            "median days to remediate",
            opt(o.median_days_to_remediate, 1),
        ),
        (
            "shadow IT (denied or unapproved tools)",
            count(shadow.len() as u64),
        ),
    ] {
        let _ = writeln!(out, "| {k} | {v} |");
    }
    out.push('\n');

    for kind in [SubjectKind::Developer, SubjectKind::Repository] {
        let rows: Vec<_> = r
            .posture
            .subjects
            .iter()
            .filter(|s| s.kind == kind)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "### Lowest scores: {}\n\n| score | {} | commits | changed lines | findings | open secrets |\n|---:|---|---:|---:|---:|---:|",
            if kind == SubjectKind::Developer {
                "developers"
            } else {
                "repositories"
            },
            kind.as_str()
        );
        for s in rows.iter().take(ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                s.score
                    .map_or_else(|| "n/a".to_owned(), |x| format!("{x:.1}")),
                text(&s.name),
                count(s.metrics.commits),
                count(s.metrics.changed_lines),
                count(s.metrics.findings_introduced),
                count(s.metrics.secrets_open)
            );
        }
        if rows.len() > ROWS {
            let _ = writeln!(out, "\n{} more in the HTML report.", rows.len() - ROWS);
        }
        out.push('\n');
    }

    let open: Vec<_> = r.findings.iter().filter(|f| f.status == "open").collect();
    if !open.is_empty() {
        let _ = writeln!(
            out,
            "### Open findings ({})\n\n| severity | rule | where | introduced by | commit |\n|---|---|---|---|---|",
            count(open.len() as u64)
        );
        for f in open.iter().take(ROWS) {
            let mut by = f.developer_name.as_deref().map(text).unwrap_or_default();
            if !f.agents.is_empty() {
                let _ = write!(by, " with {}", text(&f.agents.join(", ")));
            }
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                text(&f.severity),
                code(&f.rule),
                code(&f.location),
                if by.is_empty() { "–".to_owned() } else { by },
                f.introduced_in
                    .as_deref()
                    .map_or_else(|| "–".to_owned(), |c| code(c.get(..10).unwrap_or(c)))
            );
        }
        out.push('\n');
    }

    if !shadow.is_empty() {
        let _ = writeln!(
            out,
            "### Shadow IT\n\n| verdict | tool | where |\n|---|---|---|"
        );
        for v in shadow.iter().take(ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                text(&v.verdict),
                code(&v.item),
                text(&v.place)
            );
        }
        out.push('\n');
    }

    let _ = writeln!(out, "### Signals\n");
    if r.signals.is_empty() {
        let _ = writeln!(
            out,
            "no signals of medium severity or above (`devspm signals --all` lists every one)\n"
        );
    } else {
        for s in r.signals.iter().take(ROWS) {
            let _ = writeln!(
                out,
                "- {} {}: {} ({})",
                text(&s.severity),
                code(&s.rule),
                text(&s.summary),
                text(&s.name)
            );
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "Teams: {}. The HTML report (`devspm report --format html`) links every number to its evidence.",
        match r.teams.source.as_str() {
            "config" => "from devspm.toml",
            "codeowners" => "from CODEOWNERS (the owner of the files each developer changes most)",
            _ => "none",
        }
    );
    out
}
