//! `devspm ai` as a table, CSV or Markdown (JSON is the report itself, through
//! [`crate::json`]): AI involvement in recorded commits by agent, accountable developer, team,
//! repository and month, and the AI tooling configured at HEAD. The input is devspm-core's
//! [`AiReport`]; every function returns the text to write.
//!
//! Names, keys, paths and tool names are outside text: tables escape every cell and the lines
//! around them go through [`crate::terminal::escape`], CSV goes through [`crate::csv`],
//! Markdown through [`crate::markdown`].

use devspm_core::ai::{AiReport, AiRow};

use crate::number::{count, percent};
use crate::table::Table;
use crate::terminal::escape;

/// The report as text; the developers' breakdown shows the first `top` rows.
pub fn table(report: &AiReport, top: usize) -> String {
    let share = |part: u64, whole: u64| {
        if whole == 0 {
            "-".to_owned()
        } else {
            percent(part as f64 / whole as f64)
        }
    };
    // One repository: its name (and id); otherwise all of them.
    let scope = match (&report.repo, report.by_repository.first()) {
        (Some(id), Some(row)) if !row.name.is_empty() => {
            format!("{} ({})", escape(&row.name), escape(id))
        }
        (Some(id), _) => escape(id).into_owned(),
        (None, _) => "every recorded repository".to_owned(),
    };
    let mut out = format!(
        "AI involvement in {}: {} of {} commits ({}), {} of {} changed lines ({}); {} commits on heuristic evidence only\n",
        scope,
        count(report.ai_commits),
        count(report.commits),
        share(report.ai_commits, report.commits),
        count(report.ai_lines),
        count(report.lines),
        share(report.ai_lines, report.lines),
        count(report.heuristic_only),
    );
    if report.ai_commits == 0 {
        out.push_str("no AI involvement recorded\n");
        out.push_str(&tools_table(report));
        return out;
    }
    out.push_str("\nBy agent\n");
    let mut t = Table::new(&[
        ("agent", false),
        ("commits", true),
        ("heuristic only", true),
        ("changed lines", true),
    ]);
    for row in &report.by_agent {
        t.row(vec![
            row.key.clone(),
            count(row.ai_commits),
            count(row.heuristic_only),
            count(row.ai_lines),
        ]);
    }
    out.push_str(&t.render("  "));
    out.push_str("\nBy accountable developer (committer, else human co-author, else author)\n");
    let mut t = Table::new(&[
        ("developer", false),
        ("identity", false),
        ("AI commits", true),
        ("of their commits", true),
        ("changed lines", true),
    ]);
    for row in report.by_developer.iter().take(top) {
        t.row(vec![
            row.name.clone(),
            row.key.clone(),
            count(row.ai_commits),
            share(row.ai_commits, row.commits),
            count(row.ai_lines),
        ]);
    }
    out.push_str(&t.render("  "));
    if !report.by_team.is_empty() {
        out.push_str("\nBy team (of the accountable developer, from devspm.toml)\n");
        let mut t = Table::new(&[
            ("team", false),
            ("AI commits", true),
            ("of their commits", true),
        ]);
        for row in &report.by_team {
            t.row(vec![
                row.key.clone(),
                count(row.ai_commits),
                share(row.ai_commits, row.commits),
            ]);
        }
        out.push_str(&t.render("  "));
    }
    if report.by_repository.len() > 1 {
        out.push_str("\nBy repository\n");
        let mut t = Table::new(&[
            ("repository", false),
            ("commits", true),
            ("AI commits", true),
            ("share", true),
        ]);
        for row in &report.by_repository {
            t.row(vec![
                row.name.clone(),
                count(row.commits),
                count(row.ai_commits),
                share(row.ai_commits, row.commits),
            ]);
        }
        out.push_str(&t.render("  "));
    }
    out.push_str("\nBy month (months with AI involvement)\n");
    let mut t = Table::new(&[
        ("month", false),
        ("commits", true),
        ("AI commits", true),
        ("share", true),
    ]);
    let months: Vec<&AiRow> = report
        .by_month
        .iter()
        .filter(|m| m.ai_commits > 0)
        .collect();
    for row in months {
        t.row(vec![
            row.key.clone(),
            count(row.commits),
            count(row.ai_commits),
            share(row.ai_commits, row.commits),
        ]);
    }
    out.push_str(&t.render("  "));
    out.push_str(&tools_table(report));
    out
}

/// AI tooling configured at HEAD, with risky settings.
fn tools_table(report: &AiReport) -> String {
    if report.tools.is_empty() {
        return String::new();
    }
    let mut t = Table::new(&[
        ("kind", false),
        ("name", false),
        ("file", false),
        ("pinned", false),
        ("risky settings", false),
    ]);
    for tool in &report.tools {
        t.row(vec![
            tool.kind.clone(),
            tool.name.clone(),
            tool.path.clone(),
            tool.pinned.map_or(
                "-".to_owned(),
                |p| if p { "yes".into() } else { "no".into() },
            ),
            tool.risks.join(", "),
        ]);
    }
    format!("\nAI tooling configured at HEAD\n{}", t.render("  "))
}

/// The breakdowns of a report as (section, rows).
fn sections(report: &AiReport) -> [(&'static str, &[AiRow]); 5] {
    [
        ("repository", &report.by_repository),
        ("agent", &report.by_agent),
        ("developer", &report.by_developer),
        ("team", &report.by_team),
        ("month", &report.by_month),
    ]
}

/// One CSV table: `breakdown,key,name,commits,ai_commits,heuristic_only,ai_lines`, with a
/// `total` row first.
pub fn csv(report: &AiReport) -> std::io::Result<String> {
    type Writer = crate::csv::Writer<Vec<u8>>;
    /// One row: the breakdown, key and name, then the four counts (blank where `None`).
    fn row(out: &mut Writer, text: [&str; 3], counts: [Option<u64>; 4]) -> std::io::Result<()> {
        let counts = counts.map(|n| n.map(|n| n.to_string()).unwrap_or_default());
        let cells: Vec<&str> = text
            .into_iter()
            .chain(counts.iter().map(String::as_str))
            .collect();
        out.record(&cells)
    }
    let counts = |r: &AiRow| [r.commits, r.ai_commits, r.heuristic_only, r.ai_lines].map(Some);
    let mut out = Writer::report(Vec::new());
    out.record(&[
        "breakdown",
        "key",
        "name",
        "commits",
        "ai_commits",
        "heuristic_only",
        "ai_lines",
    ])?;
    row(
        &mut out,
        ["total", report.repo.as_deref().unwrap_or("all"), ""],
        [
            report.commits,
            report.ai_commits,
            report.heuristic_only,
            report.ai_lines,
        ]
        .map(Some),
    )?;
    // `tool` rows: key `repo:path`, name `kind name`, heuristic_only holds the number of risky
    // settings.
    for tool in &report.tools {
        let key = format!("{}:{}", tool.repo, tool.path);
        let name = format!("{} {}", tool.kind, tool.name);
        let risks = u64::try_from(tool.risks.len()).unwrap_or(u64::MAX);
        row(
            &mut out,
            ["tool", &key, &name],
            [None, None, Some(risks), None],
        )?;
    }
    for (section, rows) in sections(report) {
        for r in rows {
            row(&mut out, [section, &r.key, &r.name], counts(r))?;
        }
    }
    Ok(out.into_string())
}

/// The report as Markdown tables (for a pull-request comment or a wiki page).
pub fn markdown(report: &AiReport) -> String {
    let cell = crate::markdown::text;
    // A repository by its name (the `r_…` id means nothing to a reader).
    let scope = match &report.repo {
        Some(id) => report
            .by_repository
            .iter()
            .find(|r| &r.key == id && !r.name.is_empty())
            .map_or_else(|| id.clone(), |r| r.name.clone()),
        None => "every recorded repository".to_owned(),
    };
    let mut out = format!(
        "## AI involvement: {}\n\n{} of {} commits, {} of {} changed lines; {} commits on heuristic evidence only.\n",
        cell(&scope),
        count(report.ai_commits),
        count(report.commits),
        count(report.ai_lines),
        count(report.lines),
        count(report.heuristic_only)
    );
    if !report.tools.is_empty() {
        out.push_str("\n### AI tooling configured at HEAD\n\n| kind | name | file | pinned | risky settings |\n|---|---|---|---|---|\n");
        for tool in &report.tools {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                cell(&tool.kind),
                cell(&tool.name),
                cell(&tool.path),
                tool.pinned.map_or("-", |p| if p { "yes" } else { "no" }),
                cell(&tool.risks.join(", "))
            ));
        }
    }
    for (section, rows) in sections(report) {
        // A table with no AI-involved row says nothing: left out.
        if !rows.iter().any(|r| r.ai_commits > 0) {
            continue;
        }
        out.push_str(&format!(
            "\n### By {section}\n\n| {section} | name | commits | AI commits | heuristic only | AI changed lines |\n|---|---|---:|---:|---:|---:|\n"
        ));
        for row in rows.iter().filter(|r| r.ai_commits > 0) {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                cell(&row.key),
                cell(&row.name),
                row.commits,
                row.ai_commits,
                row.heuristic_only,
                row.ai_lines
            ));
        }
    }
    out
}
