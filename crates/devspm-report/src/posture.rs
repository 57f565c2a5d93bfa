//! `devspm posture` and `devspm posture explain SUBJECT` rendered as a table, CSV or Markdown
//! (JSON is the report itself, through [`crate::json`]). The input is devspm-posture's
//! [`PostureReport`] and [`Explanation`]; every function returns the text to write.
//!
//! Names, team and repository names are outside text: tables escape every cell and the lines
//! around them go through [`crate::terminal::escape`], CSV goes through [`crate::csv`],
//! Markdown through [`crate::markdown`].

use std::collections::HashMap;

use devspm_posture::factors::{EvidenceItem, Status};
use devspm_posture::report::{Organisation, RepositoryCoverage};
use devspm_posture::score::FactorResult;
use devspm_posture::{Explanation, PostureReport, SubjectKind, SubjectPosture, Window};

use crate::number::{count, percent};
use crate::table::Table;
use crate::terminal::escape;

/// Evidence items shown per factor in a table or Markdown (JSON and CSV list every one).
const EVIDENCE_SHOWN: usize = 20;

// ---- numbers ----

fn score(s: Option<f64>) -> String {
    s.map_or_else(|| "n/a".to_owned(), |s| format!("{s:.1}"))
}

fn opt_percent(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), percent)
}

fn opt_num(x: Option<f64>, decimals: usize) -> String {
    x.map_or_else(|| "-".to_owned(), |x| format!("{x:.decimals$}"))
}

/// Full precision for CSV (a spreadsheet recomputes from it); empty when absent.
fn csv_num(x: Option<f64>) -> String {
    x.map_or_else(String::new, |x| x.to_string())
}

fn window_line(w: &Window, scope: &Option<(String, String)>) -> String {
    format!(
        "{} to {} ({} days), {}",
        w.first_day,
        w.last_day,
        w.days,
        match scope {
            Some((_, name)) => format!("repository {name}"),
            None => "every recorded repository".to_owned(),
        }
    )
}

fn kind_heading(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Developer => "Developers",
        SubjectKind::Team => "Teams",
        SubjectKind::Agent => "AI agents",
        SubjectKind::Repository => "Repositories",
    }
}

/// The cells every listing shows for a subject, after its name (and id).
const METRIC_COLUMNS: [(&str, bool); 13] = [
    ("commits", true),
    ("changed lines", true),
    ("findings", true),
    ("per 1k lines", true),
    ("human /1k", true),
    ("AI /1k", true),
    ("open secrets", true),
    ("fixed", true),
    ("median TTR d", true),
    ("signed", true),
    ("AI share", true),
    ("self-merged", true),
    ("overrides", true),
];

fn metric_cells(s: &SubjectPosture) -> Vec<String> {
    let m = &s.metrics;
    vec![
        count(m.commits),
        count(m.changed_lines),
        count(m.findings_introduced),
        opt_num(m.findings_per_1000_lines, 2),
        opt_num(m.human_findings_per_1000_lines, 2),
        opt_num(m.ai_findings_per_1000_lines, 2),
        count(m.secrets_open),
        count(m.findings_fixed),
        opt_num(m.median_days_to_remediate, 1),
        opt_percent(m.signed_share),
        opt_percent(m.ai_share),
        opt_percent(m.self_merged_share),
        count(m.hook_overrides),
    ]
}

fn organisation_line(o: &Organisation) -> String {
    let m = &o.metrics;
    format!(
        "{} commits, {} changed lines; {} findings introduced ({} weighted per 1,000 scanned lines); {} signed; {} AI-involved; {} self-merged; median time to remediate {} days",
        count(m.commits),
        count(m.changed_lines),
        count(m.findings_introduced),
        opt_num(o.finding_rate, 3),
        opt_percent(o.signed_share),
        opt_percent(m.ai_share),
        opt_percent(o.self_merged_share),
        opt_num(o.median_days_to_remediate, 1),
    )
}

// ---- the listing ----

/// The subjects of each kind that has any, developers first.
fn by_kind(r: &PostureReport) -> Vec<(SubjectKind, Vec<&SubjectPosture>)> {
    [
        SubjectKind::Developer,
        SubjectKind::Team,
        SubjectKind::Agent,
        SubjectKind::Repository,
    ]
    .into_iter()
    .map(|kind| {
        (
            kind,
            r.subjects
                .iter()
                .filter(|s| s.kind == kind)
                .collect::<Vec<_>>(),
        )
    })
    .filter(|(_, rows)| !rows.is_empty())
    .collect()
}

/// The listing as text: tables fitted to `width` terminal cells (`None`: every character).
pub fn table(r: &PostureReport, width: Option<usize>) -> String {
    let mut out = format!(
        "Posture, {}\n  organisation  {}\n  score         0–100, higher is better: the weighted mean of the known factors (n/a: none known); `devspm posture explain SUBJECT` shows how\n",
        escape(&window_line(&r.window, &r.scope)),
        organisation_line(&r.organisation)
    );
    if r.subjects.is_empty() {
        out.push_str("\nno activity in the window\n");
    }
    for (kind, rows) in by_kind(r) {
        let with_id = matches!(kind, SubjectKind::Developer | SubjectKind::Repository);
        let mut columns: Vec<(&'static str, bool)> = vec![("score", true), ("known", true)];
        columns.push((kind.as_str(), false));
        if with_id {
            columns.push(("id", false));
        }
        columns.extend(METRIC_COLUMNS);
        let mut t = Table::new(&columns);
        t.shrink(2);
        for s in rows {
            let mut cells = vec![
                score(s.score),
                format!("{}/{}", s.factors_known, s.factors.len()),
                s.name.clone(),
            ];
            if with_id {
                cells.push(s.id.clone());
            }
            cells.extend(metric_cells(s));
            t.row(cells);
        }
        out.push_str(&format!("\n{}\n", kind_heading(kind)));
        out.push_str(&t.render_fit("  ", width));
    }
    out.push_str("\nTrend (organisation, per month)\n");
    let mut t = Table::new(&[
        ("month", false),
        ("commits", true),
        ("AI commits", true),
        ("findings introduced", true),
    ]);
    for m in &r.organisation.metrics.trend {
        t.row(vec![
            m.month.clone(),
            count(m.commits),
            count(m.ai_commits),
            count(m.findings_introduced),
        ]);
    }
    out.push_str(&t.render("  "));
    out.push_str(&coverage_table(&r.organisation.repositories));
    out.push_str(&notes_text(&r.notes));
    out
}

fn coverage_table(repos: &[RepositoryCoverage]) -> String {
    if repos.is_empty() {
        return String::new();
    }
    let mut t = Table::new(&[
        ("repository", false),
        ("default branch", false),
        ("scanner results", false),
        ("secrets looked for", false),
        ("hook in use", false),
    ]);
    let yes = |b: bool| if b { "yes" } else { "no" }.to_owned();
    for repo in repos {
        t.row(vec![
            repo.name.clone(),
            repo.default_branch
                .clone()
                .unwrap_or_else(|| "unknown".to_owned()),
            yes(repo.scanned),
            yes(repo.secrets_scanned),
            if repo.hook_seen {
                "yes".to_owned()
            } else {
                "unknown".to_owned()
            },
        ]);
    }
    format!(
        "\nWhat is known per repository (a factor without data is left out of scores)\n{}",
        t.render("  ")
    )
}

fn notes_text(notes: &[String]) -> String {
    let mut out = String::from("\nNotes\n");
    for n in notes {
        out.push_str(&format!("  - {}\n", escape(n)));
    }
    out
}

const CSV_HEADER: [&str; 38] = [
    "kind",
    "id",
    "name",
    "team",
    "score",
    "factors_known",
    "commits",
    "changed_lines",
    "scanned_changed_lines",
    "findings_introduced",
    "weighted_findings",
    "findings_per_1000_lines",
    "human_findings_per_1000_lines",
    "ai_findings_per_1000_lines",
    "critical",
    "high",
    "medium",
    "low",
    "info",
    "secrets_introduced",
    "secrets_open",
    "findings_fixed",
    "fixes_made",
    "mean_days_to_remediate",
    "median_days_to_remediate",
    "signed_commits",
    "signed_share",
    "ai_commits",
    "ai_share",
    "self_merge_commits",
    "self_merged",
    "hook_overrides",
    "finding_rate",
    "remediation_time",
    "open_secrets",
    "signed_commits_factor",
    "self_merged_factor",
    "hook_overrides_factor",
];

/// One CSV line: `head` (kind, id, name, team, score, factors known), then the metrics and
/// each factor's normalised value.
fn csv_row(head: [String; 6], m: &devspm_posture::Metrics, factors: &[FactorResult]) -> String {
    let severity = |s: &str| m.by_severity.get(s).copied().unwrap_or(0).to_string();
    let mut cells = head.to_vec();
    cells.extend([
        m.commits.to_string(),
        m.changed_lines.to_string(),
        m.scanned_changed_lines.to_string(),
        m.findings_introduced.to_string(),
        m.weighted_findings.to_string(),
        csv_num(m.findings_per_1000_lines),
        csv_num(m.human_findings_per_1000_lines),
        csv_num(m.ai_findings_per_1000_lines),
        severity("critical"),
        severity("high"),
        severity("medium"),
        severity("low"),
        severity("info"),
        m.secrets_introduced.to_string(),
        m.secrets_open.to_string(),
        m.findings_fixed.to_string(),
        m.fixes_made.to_string(),
        csv_num(m.mean_days_to_remediate),
        csv_num(m.median_days_to_remediate),
        m.signed_commits.to_string(),
        csv_num(m.signed_share),
        m.ai_commits.to_string(),
        csv_num(m.ai_share),
        m.self_merge_commits.to_string(),
        m.self_merged.to_string(),
        m.hook_overrides.to_string(),
    ]);
    // Each factor's normalised value (empty when unknown or not applicable).
    for id in [
        "finding_rate",
        "remediation_time",
        "open_secrets",
        "signed_commits",
        "self_merged",
        "hook_overrides",
    ] {
        cells.push(csv_num(
            factors
                .iter()
                .find(|f| f.id == id)
                .and_then(|f| f.evaluation.normalised),
        ));
    }
    crate::csv::record(&cells)
}

/// One row per subject, the organisation first (its score columns empty).
pub fn csv(r: &PostureReport) -> String {
    let mut out = crate::csv::record(&CSV_HEADER);
    let empty = String::new;
    out.push_str(&csv_row(
        [
            "organisation".to_owned(),
            empty(),
            empty(),
            empty(),
            empty(),
            empty(),
        ],
        &r.organisation.metrics,
        &[],
    ));
    for s in &r.subjects {
        out.push_str(&csv_row(
            [
                s.kind.as_str().to_owned(),
                s.id.clone(),
                s.name.clone(),
                s.team.clone().unwrap_or_default(),
                csv_num(s.score),
                s.factors_known.to_string(),
            ],
            &s.metrics,
            &s.factors,
        ));
    }
    out
}

/// The listing in Markdown.
pub fn markdown(r: &PostureReport) -> String {
    let cell = crate::markdown::text;
    let mut out = format!(
        "## Developer security posture\n\n{}\n\nOrganisation: {}.\n\nScores are 0–100, higher is better: the weighted mean of the factors that are known (n/a: none known). `devspm posture explain SUBJECT` shows each factor with its evidence.\n",
        cell(&window_line(&r.window, &r.scope)),
        cell(&organisation_line(&r.organisation))
    );
    for (kind, rows) in by_kind(r) {
        out.push_str(&format!(
            "\n### {}\n\n| score | known | {} | id |",
            kind_heading(kind),
            kind.as_str()
        ));
        for (header, _) in METRIC_COLUMNS {
            out.push_str(&format!(" {header} |"));
        }
        out.push_str("\n|---:|---:|---|---|");
        out.push_str(&"---:|".repeat(METRIC_COLUMNS.len()));
        out.push('\n');
        for s in rows {
            out.push_str(&format!(
                "| {} | {}/{} | {} | {} |",
                score(s.score),
                s.factors_known,
                s.factors.len(),
                cell(&s.name),
                cell(&s.id)
            ));
            for value in metric_cells(s) {
                out.push_str(&format!(" {} |", cell(&value)));
            }
            out.push('\n');
        }
    }
    out.push_str("\n### Trend (organisation, per month)\n\n| month | commits | AI commits | findings introduced |\n|---|---:|---:|---:|\n");
    for m in &r.organisation.metrics.trend {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(&m.month),
            m.commits,
            m.ai_commits,
            m.findings_introduced
        ));
    }
    out.push_str("\n### Notes\n\n");
    for n in &r.notes {
        out.push_str(&format!("- {}\n", cell(n)));
    }
    out
}

// ---- explain ----

fn subject_title(s: &SubjectPosture) -> String {
    if s.name == s.id {
        format!("{} ({})", s.name, s.kind.as_str())
    } else {
        format!("{} ({} {})", s.name, s.kind.as_str(), s.id)
    }
}

fn status(f: &FactorResult) -> &'static str {
    match f.evaluation.status {
        Status::Known => "known",
        Status::Unknown => "unknown",
        Status::NotApplicable => "n/a",
    }
}

fn score_line(s: &SubjectPosture) -> String {
    match s.score {
        Some(value) => format!(
            "{:.2} of 100: the sum of the contributions below ({} of {} factors known; their weights sum to {} and are divided by it)",
            value,
            s.factors_known,
            s.factors.len(),
            trim(s.known_weight)
        ),
        None => "n/a: no factor is known (missing data is not counted as zero risk)".to_owned(),
    }
}

/// A float without trailing zeros (up to four decimals).
fn trim(x: f64) -> String {
    let text = format!("{x:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn repo_names(o: &Organisation) -> HashMap<&str, &str> {
    o.repositories
        .iter()
        .map(|r| (r.repo.as_str(), r.name.as_str()))
        .collect()
}

fn evidence_line(e: &EvidenceItem, names: &HashMap<&str, &str>) -> Vec<String> {
    vec![
        e.kind.to_owned(),
        e.id.clone(),
        e.repo
            .as_deref()
            .map(|r| names.get(r).copied().unwrap_or(r).to_owned())
            .unwrap_or_default(),
        e.detail.clone(),
    ]
}

fn priors_line(x: &Explanation) -> String {
    let s = &x.settings;
    format!(
        "finding rate {} weighted per 1,000 scanned lines, signed share {}, self-merged share {}, median time to remediate {} days; prior_lines {}, prior_commits {}, prior_fixes {}, reference_rate {}, reference_days {}",
        opt_num(x.organisation.finding_rate, 4),
        opt_num(x.organisation.signed_share, 4),
        opt_num(x.organisation.self_merged_share, 4),
        opt_num(x.organisation.median_days_to_remediate, 2),
        trim(s.prior_lines),
        trim(s.prior_commits),
        trim(s.prior_fixes),
        trim(s.reference_rate),
        trim(s.reference_days)
    )
}

/// `devspm posture explain` as text.
pub fn explain_table(x: &Explanation) -> String {
    let s = &x.subject;
    let m = &s.metrics;
    let mut out = format!(
        "Posture of {}, {}\n  score    {}\n  sample   {} commits, {} changed lines ({} in scanned repositories), {} findings introduced{}\n",
        escape(&subject_title(s)),
        escape(&window_line(&x.window, &x.scope)),
        score_line(s),
        count(m.commits),
        count(m.changed_lines),
        count(m.scanned_changed_lines),
        count(m.findings_introduced),
        s.team
            .as_deref()
            .map(|t| format!("; team {}", escape(t)))
            .unwrap_or_default()
    );
    let mut t = Table::new(&[
        ("factor", false),
        ("status", false),
        ("raw", true),
        ("adjusted", true),
        ("normalised", true),
        ("weight", true),
        ("effective", true),
        ("contribution", true),
        ("sample", false),
    ]);
    for f in &s.factors {
        let e = &f.evaluation;
        t.row(vec![
            f.id.to_owned(),
            status(f).to_owned(),
            opt_num(e.raw, 4),
            opt_num(e.adjusted, 4),
            opt_num(e.normalised, 4),
            trim(f.weight),
            opt_num(f.effective_weight, 4),
            opt_num(f.contribution, 2),
            format!("{} {}", count(e.sample), e.sample_unit),
        ]);
    }
    t.row(vec![
        "score".to_owned(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        opt_num(s.score, 2),
        String::new(),
    ]);
    out.push_str("\nFactors\n");
    out.push_str(&t.render("  "));
    out.push_str("\nHow each value was computed\n");
    for f in &s.factors {
        let e = &f.evaluation;
        match e.status {
            Status::Known => out.push_str(&format!(
                "  {} ({}): {}\n    {}\n",
                f.id, f.title, e.raw_text, e.formula
            )),
            _ => out.push_str(&format!(
                "  {} ({}): {} — {}; left out of the score\n",
                f.id,
                f.title,
                status(f),
                e.reason.as_deref().unwrap_or("")
            )),
        }
    }
    out.push_str(&format!(
        "\nThe organisation (the priors)\n  {}\n  {}\n",
        priors_line(x),
        x.recompute
    ));
    let names = repo_names(&x.organisation);
    out.push_str("\nEvidence\n");
    for f in &s.factors {
        if f.evaluation.evidence.is_empty() {
            continue;
        }
        let mut t = Table::new(&[
            ("kind", false),
            ("id", false),
            ("repository", false),
            ("what it contributed", false),
        ]);
        for e in f.evaluation.evidence.iter().take(EVIDENCE_SHOWN) {
            t.row(evidence_line(e, &names));
        }
        out.push_str(&format!("  {}\n", f.id));
        out.push_str(&t.render("    "));
        let more = f.evaluation.evidence.len().saturating_sub(EVIDENCE_SHOWN);
        if more > 0 {
            out.push_str(&format!(
                "    … and {} more (--format json or csv lists every one)\n",
                count(more as u64)
            ));
        }
    }
    out.push_str(&notes_text(&x.notes));
    out
}

/// `devspm posture explain` as CSV. `record` is `score`, `factor` or `evidence`; a score row
/// carries the score in `contribution`.
pub fn explain_csv(x: &Explanation) -> String {
    use crate::csv::record;
    let s = &x.subject;
    let mut out = record(&[
        "record",
        "kind",
        "subject",
        "name",
        "factor",
        "status",
        "raw",
        "adjusted",
        "normalised",
        "weight",
        "effective_weight",
        "contribution",
        "sample",
        "sample_unit",
        "evidence_kind",
        "evidence_id",
        "evidence_repository",
        "detail",
    ]);
    let base = |record_type: &str| {
        vec![
            record_type.to_owned(),
            s.kind.as_str().to_owned(),
            s.id.clone(),
            s.name.clone(),
        ]
    };
    let mut row = base("score");
    row.extend(std::iter::repeat_n(String::new(), 7));
    row.push(csv_num(s.score));
    row.extend(std::iter::repeat_n(String::new(), 6));
    out.push_str(&record(&row));
    for f in &s.factors {
        let e = &f.evaluation;
        let mut row = base("factor");
        row.extend([
            f.id.to_owned(),
            status(f).to_owned(),
            csv_num(e.raw),
            csv_num(e.adjusted),
            csv_num(e.normalised),
            f.weight.to_string(),
            csv_num(f.effective_weight),
            csv_num(f.contribution),
            e.sample.to_string(),
            e.sample_unit.to_owned(),
            String::new(),
            String::new(),
            String::new(),
            match e.status {
                Status::Known => e.formula.clone(),
                _ => e.reason.clone().unwrap_or_default(),
            },
        ]);
        out.push_str(&record(&row));
        for item in &e.evidence {
            let mut row = base("evidence");
            row.push(f.id.to_owned());
            row.extend(std::iter::repeat_n(String::new(), 9));
            row.extend([
                item.kind.to_owned(),
                item.id.clone(),
                item.repo.clone().unwrap_or_default(),
                item.detail.clone(),
            ]);
            out.push_str(&record(&row));
        }
    }
    out
}

/// `devspm posture explain` in Markdown.
pub fn explain_markdown(x: &Explanation) -> String {
    let cell = crate::markdown::text;
    let s = &x.subject;
    let mut out = format!(
        "## Posture of {}\n\n{}\n\nScore: {}\n\n| factor | status | raw | adjusted | normalised | weight | effective | contribution | sample |\n|---|---|---:|---:|---:|---:|---:|---:|---|\n",
        cell(&subject_title(s)),
        cell(&window_line(&x.window, &x.scope)),
        cell(&score_line(s))
    );
    for f in &s.factors {
        let e = &f.evaluation;
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            cell(f.id),
            status(f),
            opt_num(e.raw, 4),
            opt_num(e.adjusted, 4),
            opt_num(e.normalised, 4),
            trim(f.weight),
            opt_num(f.effective_weight, 4),
            opt_num(f.contribution, 2),
            cell(&format!("{} {}", e.sample, e.sample_unit))
        ));
    }
    out.push_str("\n### How each value was computed\n\n");
    for f in &s.factors {
        let e = &f.evaluation;
        let text = match e.status {
            Status::Known => format!("{}: {}", e.raw_text, e.formula),
            _ => format!(
                "{} — {}; left out of the score",
                status(f),
                e.reason.as_deref().unwrap_or("")
            ),
        };
        out.push_str(&format!("- {}: {}\n", cell(f.id), cell(&text)));
    }
    out.push_str(&format!(
        "\nThe organisation (the priors): {}. {}.\n",
        cell(&priors_line(x)),
        cell(x.recompute)
    ));
    let names = repo_names(&x.organisation);
    for f in &s.factors {
        let evidence = &f.evaluation.evidence;
        if evidence.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n### Evidence: {}\n\n| kind | id | repository | what it contributed |\n|---|---|---|---|\n",
            cell(f.id)
        ));
        for e in evidence.iter().take(EVIDENCE_SHOWN) {
            let cells = evidence_line(e, &names);
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                cell(&cells[0]),
                cell(&cells[1]),
                cell(&cells[2]),
                cell(&cells[3])
            ));
        }
        let more = evidence.len().saturating_sub(EVIDENCE_SHOWN);
        if more > 0 {
            out.push_str(&format!(
                "\n… and {more} more (`--format json` lists every one).\n"
            ));
        }
    }
    out.push_str("\n### Notes\n\n");
    for n in &x.notes {
        out.push_str(&format!("- {}\n", cell(n)));
    }
    out
}
