//! Findings in every format a finding-producing command writes — the table, CSV, Markdown and
//! SARIF (JSON is the command's own report) — from one view, [`Finding`], which the engine
//! builds from whatever produced the findings: recorded findings (`devspm findings`, `scan`,
//! `import`), CI audit results, workstation tool risks and policy violations.
//!
//! One view means one CSV schema, one Markdown layout and one SARIF builder ([`crate::sarif`])
//! for every command, so a script or a dashboard reads `devspm scan --format csv` the same way
//! it reads `devspm findings --format csv`. Every outside value (tool and rule names, messages,
//! paths, names) goes through the escaping function of its format.
//!
//! Order: open findings first, most severe first, oldest first ([`by_urgency`]).

use serde::Serialize;

use crate::table::Table;

/// One finding as every renderer sees it. Outside text throughout.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Finding {
    /// devspm's stable finding id (the SARIF result's fingerprint).
    pub id: String,
    /// The repository's name, or the workstation for a tool risk.
    pub repository: String,
    /// The producer: a scanner, `devspm-secrets`, `devspm-ci`, `devspm-inventory` …
    pub tool: String,
    pub rule: String,
    /// `code`, `secret`, `dependency`, `config`, `tool`, `policy`.
    pub kind: String,
    /// `critical`, `high`, `medium`, `low`, `info` (anything else ranks as `info`).
    pub severity: String,
    /// `open`, `fixed`, `withdrawn`.
    pub status: String,
    pub message: String,
    /// CVE, GHSA, CWE … ids.
    pub identifiers: Vec<String>,
    pub path: Option<String>,
    pub line: Option<u32>,
    pub end_line: Option<u32>,
    pub column: Option<u32>,
    pub package: Option<String>,
    pub version: Option<String>,
    /// A secret found in a commit message: the commit whose message holds it (shown instead
    /// of a path).
    pub in_message_of: Option<String>,
    pub attribution: Attribution,
    pub triage: Option<Triage>,
    /// The path context (`production`, `test`, `fixture`, `example`, `docs`, `vendored`,
    /// `generated`), for findings the gate judges by path.
    pub context: Option<String>,
    /// `[fail_on] contexts` leaves this finding's context out of `--fail-on` (still listed).
    pub context_not_gated: bool,
    /// An ignore (`[[ignore]]`, `.cargo/audit.toml`, `.gitleaksignore` …) that sets it aside.
    pub ignored: Option<Ignore>,
    /// Producer-specific properties carried into SARIF's `properties` (CI evidence, the
    /// policy entry that decided …).
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    pub properties: serde_json::Map<String, serde_json::Value>,
}

/// Who or what introduced a finding.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Attribution {
    /// `attributed`, `unattributable`, or `None` when not attributed yet (or not attributable
    /// by nature, e.g. a workstation risk).
    pub state: Option<String>,
    pub method: Option<String>,
    pub confidence: Option<String>,
    /// Why a finding is unattributable.
    pub reason: Option<String>,
    pub introduced_in: Option<String>,
    /// Author time of the introducing commit (seconds since the epoch).
    pub introduced_at: Option<i64>,
    pub other_commits: Vec<String>,
    /// The developer's identity id (or e-mail), and name.
    pub developer: Option<String>,
    pub developer_name: Option<String>,
    pub team: Option<String>,
    pub agents: Vec<String>,
}

/// The ignore that sets a finding aside: where it is written and why.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Ignore {
    /// `FILE:LINE` of the ignore.
    pub by: String,
    pub reason: String,
    pub expires: Option<String>,
    /// An inline marker on the finding's line (`# nosec`, `gitleaks:allow` …), not a list.
    pub inline: bool,
}

/// A standing (or expired) triage judgement: the ledger's row (`devspm-core`), rendered as it is.
pub use devspm_core::finding::Triage;

impl Finding {
    /// Open and set aside neither by a standing triage judgement nor by an ignore.
    pub fn is_actionable(&self) -> bool {
        self.status == "open"
            && !self.triage.as_ref().is_some_and(|t| t.active)
            && self.ignored.is_none()
    }

    /// The path context as shown: `fixture`, `fixture (not gated)` when `[fail_on] contexts`
    /// leaves it out, or `-`.
    pub fn context_label(&self) -> String {
        match &self.context {
            None => "-".to_owned(),
            Some(c) if self.context_not_gated => format!("{c} (not gated)"),
            Some(c) => c.clone(),
        }
    }

    /// Where: `message of abc1234567`, `name 1.2.3`, `path:line`, `path`, or `-`.
    pub fn location(&self) -> String {
        if let Some(commit) = &self.in_message_of {
            return format!("message of {}", short(commit));
        }
        match (&self.package, &self.version, &self.path, self.line) {
            (Some(p), Some(v), _, _) => format!("{p} {v}"),
            (_, _, Some(path), Some(line)) => format!("{path}:{line}"),
            (_, _, Some(path), None) => path.clone(),
            _ => "-".to_owned(),
        }
    }

    /// The status as shown: `open`, `fixed`, `open (accepted-risk until 2027-06-30)`, or
    /// `open (ignored by .cargo/audit.toml:5)`.
    pub fn status_label(&self) -> String {
        if let Some(i) = &self.ignored
            && self.status == "open"
        {
            return format!("{} (ignored by {})", self.status, i.by);
        }
        match &self.triage {
            Some(t) if t.active => format!(
                "{} ({}{})",
                self.status,
                t.state,
                t.expires
                    .as_deref()
                    .map(|e| format!(" until {e}"))
                    .unwrap_or_default()
            ),
            Some(t) => format!(
                "{} ({} expired {})",
                self.status,
                t.state,
                t.expires.as_deref().unwrap_or("")
            ),
            None => self.status.clone(),
        }
    }

    /// `Alice 1a2b3c4d5e 2026-01-02 (+2 commits)`, `unattributable: …`, or not attributed.
    pub fn introduced_by(&self) -> String {
        let a = &self.attribution;
        match a.state.as_deref() {
            None => "(not attributed yet)".to_owned(),
            Some("unattributable") => format!(
                "unattributable: {}",
                a.reason.as_deref().unwrap_or("no reason recorded")
            ),
            Some(_) => {
                let who = a
                    .developer_name
                    .clone()
                    .or_else(|| a.developer.clone())
                    .unwrap_or_else(|| "unknown author".to_owned());
                let mut text = format!(
                    "{} {} {}",
                    who,
                    short(a.introduced_in.as_deref().unwrap_or("")),
                    date(a.introduced_at)
                );
                if !a.other_commits.is_empty() {
                    text.push_str(&format!(" (+{} commits)", a.other_commits.len()));
                }
                text
            }
        }
    }

    /// Days since the introducing commit, at `now` (seconds since the epoch).
    pub fn age_days(&self, now: i64) -> Option<i64> {
        let at = self.attribution.introduced_at?;
        Some(((now - at) / 86_400).max(0))
    }
}

/// `devspm findings` as a table when nothing at all is recorded.
pub const NONE_RECORDED: &str =
    "No findings recorded (import scanner results with `devspm import FILE`).\n";

/// Severity as a rank: `critical` 4 … `info` (and anything unknown) 0.
pub fn severity_rank(severity: &str) -> u8 {
    match severity.to_ascii_lowercase().as_str() {
        "critical" => 4,
        "high" => 3,
        "medium" | "moderate" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// Open findings first (those set aside by triage after them), most severe first, oldest
/// first; ties keep their order.
pub fn by_urgency(rows: &[Finding], now: i64) -> Vec<&Finding> {
    let mut sorted: Vec<&Finding> = rows.iter().collect();
    sorted.sort_by_key(|r| {
        (
            !r.is_actionable(),
            r.status != "open",
            std::cmp::Reverse(severity_rank(&r.severity)),
            std::cmp::Reverse(r.age_days(now)),
        )
    });
    sorted
}

/// Open findings, attributed findings, and findings with AI involvement.
pub fn counts(rows: &[Finding]) -> (usize, usize, usize) {
    let open = rows.iter().filter(|r| r.status == "open").count();
    let attributed = rows
        .iter()
        .filter(|r| r.attribution.state.as_deref() == Some("attributed"))
        .count();
    let ai = rows
        .iter()
        .filter(|r| !r.attribution.agents.is_empty())
        .count();
    (open, attributed, ai)
}

/// The table's columns, in order, with what happens to each when the terminal is too narrow.
/// Columns marked `shrinks` are shortened in the middle first (a trailing `:LINE` is never
/// cut); then columns are dropped by their drop rank, 1 first. Severity, where, introduced by
/// and age are never dropped.
///
/// | column | shrinks to (cells) | drop rank |
/// |---|---|---|
/// | severity | — | never |
/// | status | — | 5 |
/// | tool | — | 4 |
/// | rule | 16, in the middle | 6 |
/// | where | 20, in the middle, never the `:LINE` | never |
/// | introduced by | 18, in the middle | never |
/// | context | — | 3 |
/// | agents | — | 2 |
/// | age | — | never |
/// | message | 24, at its end | 1 |
///
/// Droppable columns shrink before the others, the lowest rank first. So a 160-column
/// terminal shows every column with the message cut, 100 columns lose the message and the
/// agents, and 60 columns keep severity, where, introduced by and age.
pub const TABLE_COLUMNS: &[(&str, Option<usize>, Option<u8>)] = &[
    ("severity", None, None),
    ("status", None, Some(5)),
    ("tool", None, Some(4)),
    ("rule", Some(16), Some(6)),
    ("where", Some(20), None),
    ("introduced by", Some(18), None),
    ("context", None, Some(3)),
    ("agents", None, Some(2)),
    ("age", None, None),
    ("message", Some(24), Some(1)),
];

/// "; 3 ignored (--show-ignored lists them)", "; 3 ignored (listed)", or nothing: the
/// ignored findings a listing hides (`hidden`) or shows.
pub fn ignored_note(rows: &[Finding], hidden: usize) -> String {
    let shown = rows.iter().filter(|r| r.ignored.is_some()).count();
    match (hidden, shown) {
        (0, 0) => String::new(),
        (0, n) => format!("; {n} ignored (listed)"),
        (n, _) => format!("; {n} ignored (--show-ignored lists them)"),
    }
}

/// The findings as a table fitted to `width` terminal cells when given (none in a pipe: every
/// column, nothing cut), after a one-line count (with the `hidden` ignored findings counted),
/// and the reason of each ignored finding shown. `now` dates the age column.
pub fn table(rows: &[Finding], hidden: usize, width: Option<usize>, now: i64) -> String {
    if rows.is_empty() {
        return format!("No findings{}.\n", ignored_note(rows, hidden));
    }
    let columns: Vec<(&'static str, bool)> = TABLE_COLUMNS
        .iter()
        .map(|(name, _, _)| (*name, *name == "age"))
        .collect();
    let mut t = Table::new(&columns);
    t.paint(0, crate::style::severity)
        .paint(1, crate::style::status);
    for (i, (name, shrinks, drop)) in TABLE_COLUMNS.iter().enumerate() {
        match (shrinks, *name == "message") {
            (Some(min), true) => {
                t.shrink_end(i, *min);
            }
            (Some(min), false) => {
                t.shrink_to(i, *min);
            }
            (None, _) => {}
        }
        if let Some(rank) = drop {
            t.drop_rank(i, *rank);
        }
    }
    let mut reasons = String::new();
    for r in by_urgency(rows, now) {
        if let Some(i) = &r.ignored {
            reasons.push_str(&format!(
                "  {} {}: ignored by {}: {}\n",
                crate::terminal::escape(&r.rule),
                crate::terminal::escape(&r.location()),
                crate::terminal::escape(&i.by),
                crate::terminal::escape(&i.reason)
            ));
        }
        t.row(vec![
            r.severity.clone(),
            r.status_label(),
            r.tool.clone(),
            truncate(&r.rule, 40),
            r.location(),
            r.introduced_by(),
            r.context_label(),
            if r.attribution.agents.is_empty() {
                "-".to_owned()
            } else {
                r.attribution.agents.join(",")
            },
            r.age_days(now)
                .map_or_else(|| "-".to_owned(), |d| format!("{d}d")),
            truncate(&r.message, 200),
        ]);
    }
    let (open, attributed, ai) = counts(rows);
    format!(
        "{} findings ({open} open), {attributed} attributed, {ai} with AI involvement{}\n\n{}{}",
        rows.len(),
        ignored_note(rows, hidden),
        t.render_fit("", width),
        if reasons.is_empty() {
            String::new()
        } else {
            format!("\nIgnored:\n{reasons}")
        }
    )
}

/// Rows a Markdown report lists before it counts the rest (a pull-request comment or a job
/// summary must stay readable, and GitHub caps a step summary at 1 MiB).
pub const MARKDOWN_ROWS: usize = 300;

/// Markdown for a CI job summary or a pull-request comment, under the heading `title`: counts
/// by severity, then the findings, open first and most severe first.
pub fn markdown(title: &str, rows: &[Finding], hidden: usize, now: i64) -> String {
    use crate::markdown::{code, text};
    let mut out = format!("## {}\n\n", text(title));
    if rows.is_empty() {
        out.push_str(&format!(
            "No findings{}.\n",
            text(&ignored_note(rows, hidden))
        ));
        return out;
    }
    let (open, attributed, ai) = counts(rows);
    out.push_str(&format!(
        "**{} findings** ({open} open), {attributed} attributed to the commit that introduced them, {ai} with AI involvement{}.\n\n",
        rows.len(),
        text(&ignored_note(rows, hidden))
    ));
    let mut by_severity: std::collections::BTreeMap<u8, (String, usize, usize)> =
        std::collections::BTreeMap::new();
    for r in rows {
        let e = by_severity
            .entry(severity_rank(&r.severity))
            .or_insert_with(|| (r.severity.clone(), 0, 0));
        if r.status == "open" {
            e.1 += 1;
        } else {
            e.2 += 1;
        }
    }
    out.push_str("| Severity | Open | Fixed |\n|---|---:|---:|\n");
    for (name, open, fixed) in by_severity.values().rev() {
        out.push_str(&format!("| {} | {open} | {fixed} |\n", text(name)));
    }
    out.push_str(
        "\n| Severity | Status | Tool | Rule | Where | Context | Introduced by | Agents | Age | Message |\n|---|---|---|---|---|---|---|---|---:|---|\n",
    );
    for r in by_urgency(rows, now).iter().take(MARKDOWN_ROWS) {
        let mut status = text(&r.status_label());
        if let Some(i) = &r.ignored {
            status.push_str(&format!(": {}", text(&i.reason)));
        }
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            text(&r.severity),
            status,
            text(&r.tool),
            text(&truncate(&r.rule, 60)),
            code(&r.location()),
            text(&r.context_label()),
            text(&r.introduced_by()),
            if r.attribution.agents.is_empty() {
                "-".to_owned()
            } else {
                text(&r.attribution.agents.join(", "))
            },
            r.age_days(now)
                .map_or_else(|| "-".to_owned(), |d| format!("{d}d")),
            text(&truncate(&r.message, 120)),
        ));
    }
    if rows.len() > MARKDOWN_ROWS {
        out.push_str(&format!(
            "\n… and {} more (`--format json` or `--format csv` lists them all).\n",
            rows.len() - MARKDOWN_ROWS
        ));
    }
    out
}

/// The CSV columns, the same for every command.
pub const CSV_COLUMNS: &[&str] = &[
    "finding",
    "repository",
    "tool",
    "rule",
    "kind",
    "severity",
    "status",
    "path",
    "line",
    "package",
    "version",
    "identifiers",
    "attribution",
    "method",
    "confidence",
    "introduced_in",
    "introduced_at",
    "developer",
    "developer_name",
    "team",
    "agents",
    "reason",
    "triage",
    "triage_reason",
    "triage_expires",
    "triage_by",
    "message",
    "context",
    "context_counts",
    "ignored_by",
    "ignored_reason",
];

/// CSV: a header of [`CSV_COLUMNS`] and one record per finding, every cell through
/// [`crate::csv::cell`].
pub fn csv(rows: &[Finding]) -> std::io::Result<String> {
    let mut out = crate::csv::Writer::report(Vec::new());
    out.record(CSV_COLUMNS)?;
    for r in rows {
        let a = &r.attribution;
        let t = r.triage.as_ref();
        let cells = [
            r.id.clone(),
            r.repository.clone(),
            r.tool.clone(),
            r.rule.clone(),
            r.kind.clone(),
            r.severity.clone(),
            r.status.clone(),
            r.path.clone().unwrap_or_default(),
            r.line.map(|l| l.to_string()).unwrap_or_default(),
            r.package.clone().unwrap_or_default(),
            r.version.clone().unwrap_or_default(),
            r.identifiers.join(" "),
            a.state.clone().unwrap_or_default(),
            a.method.clone().unwrap_or_default(),
            a.confidence.clone().unwrap_or_default(),
            a.introduced_in.clone().unwrap_or_default(),
            a.introduced_at.map(|t| date(Some(t))).unwrap_or_default(),
            a.developer.clone().unwrap_or_default(),
            a.developer_name.clone().unwrap_or_default(),
            a.team.clone().unwrap_or_default(),
            a.agents.join(" "),
            a.reason.clone().unwrap_or_default(),
            t.map(|t| {
                if t.active {
                    t.state.clone()
                } else {
                    format!("{} (expired)", t.state)
                }
            })
            .unwrap_or_default(),
            t.map(|t| t.reason.clone()).unwrap_or_default(),
            t.and_then(|t| t.expires.clone()).unwrap_or_default(),
            t.and_then(|t| t.by_name.clone().or_else(|| t.by.clone()))
                .unwrap_or_default(),
            r.message.clone(),
            r.context.clone().unwrap_or_default(),
            if r.context.is_some() {
                (!r.context_not_gated).to_string()
            } else {
                String::new()
            },
            r.ignored.as_ref().map(|i| i.by.clone()).unwrap_or_default(),
            r.ignored
                .as_ref()
                .map(|i| i.reason.clone())
                .unwrap_or_default(),
        ];
        out.record(&cells)?;
    }
    Ok(out.into_string())
}

fn short(sha: &str) -> String {
    sha.chars().take(10).collect()
}

/// `s` cut to `max` characters, the cut marked with `…`.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Unix seconds → `2026-11-28` (UTC); `-` when unknown.
pub fn date(seconds: Option<i64>) -> String {
    seconds
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
        .map_or_else(|| "-".to_owned(), |t| t.strftime("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use unicode_width::UnicodeWidthStr;

    use super::*;

    const NOW: i64 = 1_796_000_000;

    fn finding(severity: &str, path: &str, line: u32, days: i64, message: &str) -> Finding {
        Finding {
            id: format!("f-{severity}-{line}"),
            repository: "app".into(),
            tool: "semgrep".into(),
            rule: "python.lang.security.audit.dangerous-subprocess-use".into(),
            kind: "code".into(),
            severity: severity.into(),
            status: "open".into(),
            message: message.into(),
            path: Some(path.into()),
            line: Some(line),
            attribution: Attribution {
                state: Some("attributed".into()),
                introduced_in: Some("0123456789abcdef".into()),
                introduced_at: Some(NOW - days * 86_400),
                developer_name: Some("Alice Example".into()),
                agents: vec!["claude-code".into()],
                ..Attribution::default()
            },
            ..Finding::default()
        }
    }

    fn rows() -> Vec<Finding> {
        vec![
            finding(
                "low",
                "src/app/handlers/payments/refunds.py",
                7,
                400,
                "Use of a weak hash function for a refund token",
            ),
            finding(
                "critical",
                "services/billing/internal/very/deeply/nested/module/subprocess_wrapper.py",
                12345,
                3,
                "subprocess call with shell=True and user input: command injection",
            ),
            finding(
                "high",
                "src/app/views.py",
                88,
                30,
                "SQL built from a request parameter",
            ),
            finding(
                "high",
                "src/app/old.py",
                9,
                300,
                "SQL built from a request parameter",
            ),
        ]
    }

    /// Header cells of the rendered table.
    fn header(out: &str) -> Vec<String> {
        out.lines()
            .nth(2)
            .unwrap()
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn sorted_by_severity_then_age() {
        let rows = rows();
        let order: Vec<u32> = by_urgency(&rows, NOW)
            .iter()
            .map(|r| r.line.unwrap())
            .collect();
        // critical; high, oldest first; low.
        assert_eq!(order, vec![12345, 9, 88, 7]);
    }

    #[test]
    fn tables_fit_60_100_and_160_columns() {
        let rows = rows();
        for width in [60usize, 100, 160] {
            let out = table(&rows, 0, Some(width), NOW);
            for line in out.lines().skip(2) {
                assert!(line.width() <= width, "{width}: {line:?} is wider\n{out}");
            }
            // Line numbers are never cut, however narrow.
            for line in [":12345", ":88", ":9", ":7"] {
                assert!(out.contains(line), "{width}: {line} cut\n{out}");
            }
            let cells = header(&out);
            for kept in ["severity", "where", "introduced by", "age"] {
                assert!(cells.iter().any(|c| c == kept), "{width}: {cells:?}");
            }
            // Rows in urgency order.
            let body: Vec<&str> = out.lines().skip(3).collect();
            assert!(body[0].starts_with("critical"), "{out}");
            assert!(body[3].starts_with("low"), "{out}");
        }
        // The lowest-value columns go first: at 160 every column shows (the message cut at its
        // end), at 100 the message and the agents are dropped, at 60 the tool, status and
        // rule as well.
        let wide = header(&table(&rows, 0, Some(160), NOW));
        assert_eq!(
            wide,
            vec![
                "severity",
                "status",
                "tool",
                "rule",
                "where",
                "introduced by",
                "context",
                "agents",
                "age",
                "message"
            ]
        );
        let medium = header(&table(&rows, 0, Some(100), NOW));
        assert_eq!(
            medium,
            vec![
                "severity",
                "status",
                "tool",
                "rule",
                "where",
                "introduced by",
                "context",
                "age"
            ]
        );
        let narrow = header(&table(&rows, 0, Some(60), NOW));
        assert_eq!(narrow, vec!["severity", "where", "introduced by", "age"]);
        // A pipe gets everything, uncut.
        let piped = table(&rows, 0, None, NOW);
        assert!(piped.contains(
            "services/billing/internal/very/deeply/nested/module/subprocess_wrapper.py:12345"
        ));
        assert!(piped.contains("command injection"));
    }

    #[test]
    fn csv_and_markdown_escape_outside_text() {
        let mut f = finding("high", "a.py", 1, 1, "=HYPERLINK(\"http://x\")");
        f.rule = "R|<img src=x>".into();
        let csv = csv(std::slice::from_ref(&f)).unwrap();
        assert!(csv.starts_with("finding,repository,tool,rule"), "{csv}");
        assert!(csv.contains("'=HYPERLINK"), "{csv}");
        let md = markdown("devspm findings", &[f], 0, NOW);
        assert!(md.contains("R\\|\\<img src=x\\>"), "{md}");
        assert!(!md.replace("\\<", "").contains('<'), "{md}");
    }

    #[test]
    fn dates() {
        assert_eq!(date(Some(0)), "1970-01-01");
        assert_eq!(date(Some(1_764_288_000)), "2025-11-28");
        assert_eq!(date(Some(-86_400)), "1969-12-31");
        assert_eq!(date(None), "-");
    }
}
