//! The report as one self-contained HTML file: inline CSS, inline SVG charts, no script, no
//! font, image, stylesheet or URL from anywhere — the page loads nothing when opened, and its
//! Content-Security-Policy (`default-src 'none'`) says so to the browser as well.
//!
//! Every number links to what it counts: a subject's commits, findings, fixes, open secrets,
//! self-merged commits and hook overrides each link to a list in the subject's detail, whose
//! entries link to the commit's or finding's own row (with its ledger event). Outside text goes
//! through [`crate::html::text`] and nowhere else; links only ever point to anchors made by
//! [`super::commit_anchor`], [`super::finding_anchor`] and [`super::subject_anchor`].
//!
//! The page stays readable and small over any window: at most [`SUBJECTS_SHOWN`] subjects of a
//! kind have a row and a detail (those with the most commits; the page says how many more there
//! are and which command lists them), an evidence list shows at most [`EVIDENCE_SHOWN`] entries
//! (and says how many more, and where they are), and a factor that is unknown for the same reason
//! for every listed subject is explained once rather than in every subject's table. The JSON
//! report (`--format json`) keeps every subject and every entry.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

use devspm_posture::report::Evidenced;
use devspm_posture::{SubjectKind, SubjectPosture};

use super::svg::{self, Group, Series};
use super::{Report, commit_anchor, finding_anchor, opt, opt_percent, subject_anchor};
use crate::html::text;
use crate::number::{count, percent};

const CSS: &str = "
:root{--fg:#1d2330;--muted:#5b6475;--line:#d9dde5;--bg:#fff;--soft:#f4f6f9;--accent:#2456a6;
--good:#2f8a4c;--fair:#c48a12;--poor:#c2412d}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#1d2330;color:#fff;padding:20px 32px}
header h1{margin:0 0 4px;font-size:22px}
header p{margin:2px 0;color:#c9d1e0}
nav{position:sticky;top:0;background:var(--soft);border-bottom:1px solid var(--line);padding:8px 32px;z-index:1}
nav a{margin-right:14px;color:var(--accent);text-decoration:none;font-weight:600}
main{padding:8px 32px 48px;max-width:1500px}
section{margin-top:28px}
h2{font-size:18px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}
a{color:var(--accent)}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 14px;min-width:150px;background:var(--soft)}
.card .v{font-size:20px;font-weight:700}
.card .k{color:var(--muted);font-size:12px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600;white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.t{min-width:120px;max-width:420px;overflow-wrap:anywhere}
.wrap{overflow-x:auto;max-width:100%}
td.s{white-space:nowrap}
code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.muted{color:var(--muted)}
.sev-critical,.sev-high{color:var(--poor);font-weight:700}
.sev-medium{color:var(--fair);font-weight:700}
.note{background:#fff8e6;border:1px solid #f0d48a;border-radius:6px;padding:8px 12px}
details{border:1px solid var(--line);border-radius:6px;margin:6px 0;padding:4px 10px}
details>summary{cursor:pointer;font-weight:600}
details:target{outline:2px solid var(--accent)}
tr:target{background:#e8f0ff}
ul.ev{margin:2px 0 8px;padding-left:18px;columns:4 220px}
svg.chart{display:block;margin:8px 0;max-width:100%;height:auto}
svg .axis{stroke:#99a}
svg text{font-size:10px;fill:var(--muted)}
svg .tick{text-anchor:end}
svg .s1{fill:#7f9fd3}
svg .s2{fill:#d39b3a}
svg .s3{fill:#c2412d}
svg.score{vertical-align:middle;margin-right:6px}
svg.score .track{fill:#e6e9ef}
svg.score .good{fill:var(--good)}
svg.score .fair{fill:var(--fair)}
svg.score .poor{fill:var(--poor)}
";

/// The whole page.
pub fn render(r: &Report) -> String {
    let mut p = Page {
        out: String::with_capacity(256 * 1024),
        developers: HashSet::new(),
        shown: HashSet::new(),
        omitted: HashMap::new(),
        listed: r
            .commits
            .iter()
            .map(|c| (c.repo.as_str(), c.sha.as_str()))
            .collect(),
        repos: r
            .posture
            .organisation
            .repositories
            .iter()
            .map(|x| (x.repo.clone(), x.name.clone()))
            .collect(),
    };
    p.choose_subjects(r);
    p.head(r);
    p.overview(r);
    for kind in [
        SubjectKind::Team,
        SubjectKind::Developer,
        SubjectKind::Agent,
        SubjectKind::Repository,
    ] {
        p.subjects(r, kind);
    }
    p.findings(r);
    p.ai(r);
    p.tools(r);
    p.ci(r);
    p.signals(r);
    p.evidence(r);
    p.commits(r);
    p.notes(r);
    p.out.push_str("</main></body></html>\n");
    p.out
}

/// Entries shown per evidence list: a page over years of history stays small; the JSON report
/// and `devspm posture explain` have every one.
const EVIDENCE_SHOWN: usize = 100;

/// Subjects of one kind with a row and a detail. Over git/git's whole history 2,801 developers
/// had one each, and their factor tables alone made a page of 11.7 MB; the 300 with the most
/// commits cover most of the work (the page says how much is left out), and the rest are one
/// command away.
const SUBJECTS_SHOWN: usize = 300;

struct Page<'r> {
    out: String,
    /// The commits with a row of their own.
    listed: std::collections::HashSet<(&'r str, &'r str)>,
    /// The developers with a detail of their own (listed subjects of the window).
    developers: HashSet<&'r str>,
    /// The subjects with a row and a detail; per kind, the subjects left out and their commits.
    shown: HashSet<(SubjectKind, &'r str)>,
    omitted: HashMap<SubjectKind, (usize, u64)>,
    /// Repository id → name.
    repos: HashMap<String, String>,
}

fn status_word(s: devspm_posture::factors::Status) -> &'static str {
    use devspm_posture::factors::Status;
    match s {
        Status::Known => "known",
        Status::Unknown => "unknown",
        Status::NotApplicable => "not applicable",
    }
}

fn short(sha: &str) -> &str {
    sha.get(..10).unwrap_or(sha)
}

fn heading(kind: SubjectKind) -> (&'static str, &'static str) {
    match kind {
        SubjectKind::Developer => ("developers", "Developers"),
        SubjectKind::Team => ("teams", "Teams"),
        SubjectKind::Agent => ("agents", "AI agents"),
        SubjectKind::Repository => ("repositories", "Repositories"),
    }
}

impl<'r> Page<'r> {
    fn w(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// At most [`SUBJECTS_SHOWN`] subjects of each kind: those with the most commits (ties by
    /// id), listed in the report's order.
    fn choose_subjects(&mut self, r: &'r Report) {
        for kind in [
            SubjectKind::Team,
            SubjectKind::Developer,
            SubjectKind::Agent,
            SubjectKind::Repository,
        ] {
            let mut of_kind: Vec<&'r SubjectPosture> = r
                .posture
                .subjects
                .iter()
                .filter(|s| s.kind == kind)
                .collect();
            if of_kind.len() > SUBJECTS_SHOWN {
                of_kind.sort_by(|a, b| {
                    b.metrics
                        .commits
                        .cmp(&a.metrics.commits)
                        .then(a.id.cmp(&b.id))
                });
                let rest = &of_kind[SUBJECTS_SHOWN..];
                self.omitted.insert(
                    kind,
                    (rest.len(), rest.iter().map(|s| s.metrics.commits).sum()),
                );
                of_kind.truncate(SUBJECTS_SHOWN);
            }
            for s in of_kind {
                self.shown.insert((kind, s.id.as_str()));
                if kind == SubjectKind::Developer {
                    self.developers.insert(s.id.as_str());
                }
            }
        }
    }

    fn is_shown(&self, kind: SubjectKind, id: &str) -> bool {
        self.shown.contains(&(kind, id))
    }

    /// The sentence under a kind's table when subjects were left out.
    fn omitted_note(&mut self, r: &Report, kind: SubjectKind) {
        let Some(&(n, commits)) = self.omitted.get(&kind) else {
            return;
        };
        let (_, title) = heading(kind);
        let w = &r.posture.window;
        let mut command = format!(
            "devspm posture --since {} --until {}",
            w.first_day, w.last_day
        );
        if let Some((_, name)) = &r.posture.scope {
            command.push_str(&format!(" --repo {name}"));
        }
        let _ = write!(
            self.out,
            "<p class=\"note\">The {} {} with the most commits in the window are listed; {} more, with {} commits between them, are not (nor their details): <code>{} --format csv</code> lists every one, <code>devspm posture explain ID</code> any one's evidence, and <code>--format json</code> of this report has them all.</p>",
            count(SUBJECTS_SHOWN as u64),
            text(&title.to_lowercase()),
            count(n as u64),
            count(commits),
            text(&command),
        );
    }

    /// A number linking to the list of what it counts (when there is anything to list).
    fn counted(&mut self, n: u64, anchor: &str) {
        if n == 0 {
            self.w("<td class=\"n\">0</td>");
        } else {
            let _ = write!(
                self.out,
                "<td class=\"n\"><a href=\"#{anchor}\">{}</a></td>",
                count(n)
            );
        }
    }

    /// A commit's short id, linked to its row when it has one (commits older than the window,
    /// or past the listed ones, have none).
    fn commit_link(&self, repo: &str, sha: &str) -> String {
        if self.listed.contains(&(repo, sha)) {
            format!(
                "<a href=\"#{}\"><code>{}</code></a>",
                commit_anchor(repo, sha),
                text(short(sha))
            )
        } else {
            format!("<code>{}</code>", text(short(sha)))
        }
    }

    /// A developer's name, linked to their detail when they are a subject of the window.
    fn developer_link(&self, id: &str, name: &str) -> String {
        if self.developers.contains(id) {
            format!(
                "<a href=\"#{}\">{}</a>",
                subject_anchor("developer", id),
                text(name)
            )
        } else {
            text(name)
        }
    }

    fn repo_name(&self, repo: &str) -> String {
        self.repos
            .get(repo)
            .cloned()
            .unwrap_or_else(|| repo.to_owned())
    }

    fn head(&mut self, r: &Report) {
        let w = &r.posture.window;
        let scope = match &r.posture.scope {
            Some((_, name)) => format!("repository {name}"),
            None => "every recorded repository".to_owned(),
        };
        let _ = write!(
            self.out,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"generator\" content=\"devspm {v}\">\
<title>devspm report {f} to {l}</title><style>{CSS}</style></head><body>\
<header><h1>Developer security posture</h1>\
<p>{f} to {l} ({d} days, UTC), {scope}</p>\
<p>Generated {g} by devspm {v} from the ledger up to event {h}{pseudo}</p></header>\
<nav><a href=\"#overview\">Overview</a><a href=\"#teams\">Teams</a><a href=\"#developers\">Developers</a>\
<a href=\"#agents\">AI agents</a><a href=\"#repositories\">Repositories</a><a href=\"#findings\">Findings</a>\
<a href=\"#ai\">AI usage</a><a href=\"#tools\">Tools</a><a href=\"#ci\">CI audit</a><a href=\"#signals\">Signals</a>\
<a href=\"#evidence\">Evidence</a><a href=\"#commits\">Commits</a><a href=\"#notes\">Notes</a></nav><main>",
            v = text(&r.devspm_version),
            f = text(&w.first_day),
            l = text(&w.last_day),
            d = w.days,
            scope = text(&scope),
            g = text(&r.generated_at),
            h = r.ledger_head,
            pseudo = if r.pseudonymized {
                "; every person is shown by a pseudonym"
            } else {
                ""
            },
        );
    }

    fn overview(&mut self, r: &Report) {
        let o = &r.posture.organisation;
        let m = &o.metrics;
        self.w("<section id=\"overview\"><h2>Overview</h2><div class=\"cards\">");
        let cards: [(String, &str, &str); 10] = [
            (count(m.commits), "commits", "#commits"),
            (count(m.changed_lines), "changed lines", "#commits"),
            (
                count(m.findings_introduced),
                "findings introduced",
                "#findings",
            ),
            (
                opt(o.finding_rate, 3),
                "weighted findings / 1,000 scanned lines",
                "#findings",
            ),
            (
                count(m.secrets_open),
                "secrets introduced, still open",
                "#findings",
            ),
            (
                count(m.secrets_live_at_head),
                "of them still in the file at HEAD",
                "#findings",
            ),
            (opt_percent(o.signed_share), "signed commits", "#commits"),
            (opt_percent(m.ai_share), "AI-involved commits", "#ai"),
            (opt_percent(o.self_merged_share), "self-merged", "#commits"),
            (
                opt(o.median_days_to_remediate, 1),
                "median days to remediate",
                "#findings",
            ),
        ];
        for (value, label, anchor) in cards {
            let _ = write!(
                self.out,
                "<div class=\"card\"><div class=\"v\"><a href=\"{anchor}\">{value}</a></div><div class=\"k\">{label}</div></div>"
            );
        }
        self.w("</div><h3>Monthly trend</h3>");
        let groups: Vec<Group> = m
            .trend
            .iter()
            .map(|t| Group {
                label: t.month.clone(),
                values: vec![t.commits, t.ai_commits, t.findings_introduced],
            })
            .collect();
        self.w(&svg::bars(
            "Commits, AI-involved commits and findings introduced per month",
            &[
                Series {
                    name: "commits",
                    class: "s1",
                },
                Series {
                    name: "AI-involved",
                    class: "s2",
                },
                Series {
                    name: "findings",
                    class: "s3",
                },
            ],
            &groups,
        ));
        self.w("<table><tr><th>month</th><th class=\"n\">commits</th><th class=\"n\">AI-involved</th><th class=\"n\">findings introduced</th></tr>");
        for t in &m.trend {
            let _ = write!(
                self.out,
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                text(&t.month),
                count(t.commits),
                count(t.ai_commits),
                count(t.findings_introduced)
            );
        }
        self.w("</table>");
        if o.unattributed_findings > 0 {
            let _ = write!(
                self.out,
                "<p class=\"note\">{} findings have no attribution (no introducing commit) and count for nobody.</p>",
                count(o.unattributed_findings)
            );
        }
        self.w("</section>");
    }

    fn subjects(&mut self, r: &Report, kind: SubjectKind) {
        let (id, title) = heading(kind);
        let _ = write!(self.out, "<section id=\"{id}\"><h2>{title}</h2>");
        if kind == SubjectKind::Team {
            let sentence = match r.teams.source.as_str() {
                "config" => "Teams come from devspm.toml (team = … of [[identity]]).".to_owned(),
                "codeowners" => format!(
                    "devspm.toml names no teams: each developer's team is the owner, in CODEOWNERS at HEAD, of most of the files they changed in the window ({} file{} read; the choices are listed below).",
                    r.teams.files.len(),
                    if r.teams.files.len() == 1 { "" } else { "s" }
                ),
                _ => "No teams: devspm.toml names none and no CODEOWNERS file could be read."
                    .to_owned(),
            };
            let _ = write!(self.out, "<p class=\"note\">{}</p>", text(&sentence));
            for f in &r.teams.files {
                let _ = write!(
                    self.out,
                    "<p class=\"muted\">{} <code>{}</code> at <code>{}</code>: {} rules</p>",
                    text(&f.repository),
                    text(&f.path),
                    text(short(&f.revision)),
                    f.rules
                );
            }
            for (repo, why) in &r.teams.unread {
                let _ = write!(
                    self.out,
                    "<p class=\"muted\">{}: CODEOWNERS not read ({})</p>",
                    text(repo),
                    text(why)
                );
            }
        }
        let rows: Vec<&SubjectPosture> = r
            .posture
            .subjects
            .iter()
            .filter(|s| s.kind == kind && self.is_shown(kind, &s.id))
            .collect();
        if rows.is_empty() {
            self.w("<p class=\"muted\">none in the window</p></section>");
            return;
        }
        self.w("<div class=\"wrap\"><table><tr><th>score</th><th>known</th><th>name</th>");
        if kind == SubjectKind::Developer {
            self.w("<th>team</th>");
        }
        self.w("<th class=\"n\">commits</th><th class=\"n\">changed lines</th><th class=\"n\">findings</th><th class=\"n\">per 1k lines</th><th class=\"n\">human /1k</th><th class=\"n\">AI /1k</th><th class=\"n\">open secrets</th><th class=\"n\">live at HEAD</th><th class=\"n\">fixed</th><th class=\"n\">fixes made</th><th class=\"n\">median days to fix</th><th class=\"n\">signed</th><th class=\"n\">AI share</th><th class=\"n\">self-merged</th><th class=\"n\">hook overrides</th></tr>");
        for s in rows {
            let anchor = subject_anchor(kind.as_str(), &s.id);
            let m = &s.metrics;
            let _ = write!(
                self.out,
                "<tr><td class=\"s\">{}{}</td><td class=\"n\">{}/{}</td><td class=\"t\"><a href=\"#{anchor}\">{}</a>",
                svg::score_bar(s.score),
                s.score
                    .map_or_else(|| "n/a".to_owned(), |x| format!("{x:.1}")),
                s.factors_known,
                s.factors.len(),
                text(&s.name),
            );
            if kind == SubjectKind::Developer || kind == SubjectKind::Repository {
                let _ = write!(self.out, "<br><code class=\"muted\">{}</code>", text(&s.id));
            }
            self.w("</td>");
            if kind == SubjectKind::Developer {
                match &s.team {
                    Some(team) if self.is_shown(SubjectKind::Team, team) => {
                        let _ = write!(
                            self.out,
                            "<td class=\"t\"><a href=\"#{}\">{}</a></td>",
                            subject_anchor("team", team),
                            text(team)
                        );
                    }
                    Some(team) => {
                        let _ = write!(self.out, "<td class=\"t\">{}</td>", text(team));
                    }
                    None => self.w("<td class=\"muted\">–</td>"),
                }
            }
            self.counted(m.commits, &format!("{anchor}-commits"));
            let _ = write!(self.out, "<td class=\"n\">{}</td>", count(m.changed_lines));
            self.counted(m.findings_introduced, &format!("{anchor}-findings"));
            let _ = write!(
                self.out,
                "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
                opt(m.findings_per_1000_lines, 2),
                opt(m.human_findings_per_1000_lines, 2),
                opt(m.ai_findings_per_1000_lines, 2)
            );
            self.counted(m.secrets_open, &format!("{anchor}-open-secrets"));
            self.counted(m.secrets_live_at_head, &format!("{anchor}-live-secrets"));
            self.counted(m.findings_fixed, &format!("{anchor}-fixed"));
            self.counted(m.fixes_made, &format!("{anchor}-fixes-made"));
            let _ = write!(
                self.out,
                "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">",
                opt(m.median_days_to_remediate, 1),
                opt_percent(m.signed_share),
                opt_percent(m.ai_share)
            );
            if m.self_merged > 0 {
                let _ = write!(
                    self.out,
                    "<a href=\"#{anchor}-self-merged\">{}</a>",
                    opt_percent(m.self_merged_share)
                );
            } else {
                self.w(&opt_percent(m.self_merged_share));
            }
            self.w("</td>");
            self.counted(m.hook_overrides, &format!("{anchor}-overrides"));
            self.w("</tr>");
        }
        self.w("</table></div>");
        self.omitted_note(r, kind);
        if kind == SubjectKind::Team && !r.teams.members.is_empty() {
            self.w("<h3>Team choices from CODEOWNERS</h3><table><tr><th>developer</th><th>team</th><th class=\"n\">owned changes</th><th class=\"n\">changes</th></tr>");
            for m in &r.teams.members {
                let who = self.developer_link(&m.identity, &m.name);
                let _ = write!(
                    self.out,
                    "<tr><td class=\"t\">{who}</td><td class=\"t\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                    text(&m.team),
                    count(m.owned_changes),
                    count(m.changes)
                );
            }
            self.w("</table>");
        }
        if kind == SubjectKind::Repository {
            self.w("<h3>What is known per repository</h3><table><tr><th>repository</th><th>default branch</th><th>scanner results</th><th>secrets looked for</th><th>hook in use</th></tr>");
            for c in &r.posture.organisation.repositories {
                let yes = |b: bool| if b { "yes" } else { "no" };
                let _ = write!(
                    self.out,
                    "<tr><td class=\"t\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    text(&c.name),
                    c.default_branch
                        .as_deref()
                        .map_or_else(|| "not found".to_owned(), text),
                    yes(c.scanned),
                    yes(c.secrets_scanned),
                    yes(c.hook_seen)
                );
            }
            self.w("</table>");
        }
        self.w("</section>");
    }

    fn findings(&mut self, r: &Report) {
        self.w("<section id=\"findings\"><h2>Findings and who introduced them</h2>");
        if r.findings.is_empty() {
            self.w("<p class=\"muted\">no finding introduced or fixed in the window, and none open</p></section>");
            return;
        }
        self.w("<div class=\"wrap\"><table><tr><th>severity</th><th>status</th><th>tool / rule</th><th>where</th><th>message</th><th>introduced in</th><th>by</th><th>agents</th><th>attribution</th><th>events</th></tr>");
        for f in &r.findings {
            let _ = write!(
                self.out,
                "<tr id=\"{}\"><td class=\"sev-{}\">{}</td><td>{}{}</td><td class=\"t\">{} / {}</td><td class=\"t\"><code>{}</code><br><span class=\"muted\">{}</span></td><td class=\"t\">{}</td><td>",
                finding_anchor(&f.id),
                text(&f.severity),
                text(&f.severity),
                text(&f.status),
                f.triage
                    .as_deref()
                    .map_or_else(String::new, |t| format!(" ({})", text(t))),
                text(&f.tool),
                text(&f.rule),
                text(&f.location),
                text(&f.repository),
                text(&f.message),
            );
            match &f.introduced_in {
                Some(sha) => {
                    let link = self.commit_link(&f.repo, sha);
                    let _ = write!(
                        self.out,
                        "{link} {}",
                        f.introduced_at.as_deref().map_or_else(String::new, text)
                    );
                }
                None => self.w("<span class=\"muted\">not attributed</span>"),
            }
            self.w("</td><td class=\"t\">");
            match (&f.developer, &f.developer_name) {
                (Some(id), name) => {
                    let link = self.developer_link(id, name.as_deref().unwrap_or(id));
                    self.w(&link);
                }
                (None, Some(name)) => self.w(&text(name)),
                (None, None) => self.w("–"),
            }
            let _ = write!(
                self.out,
                "</td><td class=\"t\">{}</td><td>{}</td><td>{}{}{}",
                text(&f.agents.join(", ")),
                text(
                    &[f.method.as_deref(), f.confidence.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                f.recorded_seq
                    .map_or_else(String::new, |s| format!("recorded #{s}")),
                f.attribution_seq
                    .map_or_else(String::new, |s| format!(" · attribution #{s}")),
                f.fixed_revision
                    .as_deref()
                    .map_or_else(String::new, |rev| format!(
                        " · found fixed at {}",
                        text(short(rev))
                    )),
            );
            if let Some(sha) = &f.fixed_in {
                let link = self.commit_link(&f.repo, sha);
                let _ = write!(self.out, " · fixed in {link}");
                if let Some(id) = &f.fixed_by {
                    let link = self.developer_link(id, f.fixed_by_name.as_deref().unwrap_or(id));
                    let _ = write!(self.out, " by {link}");
                }
            }
            self.w("</td></tr>");
        }
        self.w("</table></div><p class=\"muted\">Event numbers are sequence numbers of the ledger: <code>devspm audit log</code> prints each event, <code>devspm audit prove SEQ</code> proves it is in the ledger.</p></section>");
    }

    fn ai(&mut self, r: &Report) {
        let a = &r.ai;
        let share = |part: u64, whole: u64| {
            if whole == 0 {
                "–".to_owned()
            } else {
                percent(part as f64 / whole as f64)
            }
        };
        let _ = write!(
            self.out,
            "<section id=\"ai\"><h2>AI usage</h2><div class=\"cards\">\
<div class=\"card\"><div class=\"v\">{}</div><div class=\"k\">of commits AI-involved ({} of {})</div></div>\
<div class=\"card\"><div class=\"v\">{}</div><div class=\"k\">of changed lines in AI-involved commits ({} of {})</div></div>\
<div class=\"card\"><div class=\"v\">{}</div><div class=\"k\">of changed lines written by an agent per line-level records ({} lines in {} commits with git-ai notes or Agent Trace records; listed per repository)</div></div></div>",
            share(a.ai_commits, a.commits),
            count(a.ai_commits),
            count(a.commits),
            share(a.ai_changed_lines, a.changed_lines),
            count(a.ai_changed_lines),
            count(a.changed_lines),
            if a.recorded_ai_line_commits == 0 {
                "–".to_owned()
            } else {
                share(a.recorded_ai_lines, a.changed_lines)
            },
            count(a.recorded_ai_lines),
            count(a.recorded_ai_line_commits),
        );
        let agents: Vec<&SubjectPosture> = r
            .posture
            .subjects
            .iter()
            .filter(|s| s.kind == SubjectKind::Agent)
            .collect();
        if agents.is_empty() {
            self.w("<p class=\"muted\">no AI-involved commit in the window</p>");
        } else {
            self.w("<table><tr><th>agent</th><th class=\"n\">commits</th><th class=\"n\">changed lines</th><th class=\"n\">findings introduced</th><th class=\"n\">per 1k lines</th></tr>");
            for s in agents {
                let anchor = subject_anchor("agent", &s.id);
                let shown = self.is_shown(SubjectKind::Agent, &s.id);
                if shown {
                    let _ = write!(
                        self.out,
                        "<tr><td><a href=\"#{anchor}\">{}</a></td>",
                        text(&s.name)
                    );
                    self.counted(s.metrics.commits, &format!("{anchor}-commits"));
                } else {
                    let _ = write!(
                        self.out,
                        "<tr><td>{}</td><td class=\"n\">{}</td>",
                        text(&s.name),
                        count(s.metrics.commits)
                    );
                }
                let _ = write!(
                    self.out,
                    "<td class=\"n\">{}</td>",
                    count(s.metrics.changed_lines)
                );
                if shown {
                    self.counted(s.metrics.findings_introduced, &format!("{anchor}-findings"));
                } else {
                    let _ = write!(
                        self.out,
                        "<td class=\"n\">{}</td>",
                        count(s.metrics.findings_introduced)
                    );
                }
                let _ = write!(
                    self.out,
                    "<td class=\"n\">{}</td></tr>",
                    opt(s.metrics.findings_per_1000_lines, 2)
                );
            }
            self.w("</table>");
        }
        let m = &r.posture.organisation.metrics;
        let _ = write!(
            self.out,
            "<p>Findings per 1,000 changed lines: human-written commits {}, AI-involved commits {}. Each developer's AI share is in the developers' table.</p></section>",
            opt(m.human_findings_per_1000_lines, 2),
            opt(m.ai_findings_per_1000_lines, 2)
        );
    }

    fn tools(&mut self, r: &Report) {
        let t = &r.tools;
        self.w("<section id=\"tools\"><h2>Tool inventory, shadow IT and policy violations</h2>");
        if t.violations.is_empty() {
            self.w("<p>The policy check finds nothing: no tool is denied or unapproved, no unsigned commits or CI findings over its thresholds.</p>");
        } else {
            let _ = write!(
                self.out,
                "<h3>Per developer and repository</h3><div class=\"wrap\"><table><tr><th>kind</th><th>name</th><th class=\"n\">shadow tools</th><th class=\"n\">policy violations</th></tr>"
            );
            for c in &t.by_subject {
                let name = if c.kind == "developer" {
                    self.developer_link(&c.id, &c.name)
                } else {
                    text(&c.name)
                };
                let _ = write!(
                    self.out,
                    "<tr><td>{}</td><td class=\"t\">{name}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                    text(&c.kind),
                    count(c.shadow_tools),
                    count(c.violations)
                );
            }
            let _ = write!(
                self.out,
                "</table></div><h3>Violations ({})</h3><div class=\"wrap\"><table><tr><th>what</th><th>item</th><th>where</th><th>who</th><th>why</th></tr>",
                count(t.violations.len() as u64)
            );
            for v in &t.violations {
                let _ = write!(
                    self.out,
                    "<tr><td class=\"sev-{}\">{}</td><td class=\"t\"><code>{}</code></td><td class=\"t\">{}</td><td class=\"t\">{}</td><td class=\"t\">{}</td></tr>",
                    if v.verdict == "denied" {
                        "high"
                    } else {
                        "medium"
                    },
                    text(&v.verdict),
                    text(&v.item),
                    text(&v.place),
                    v.who.as_deref().map_or_else(|| "–".to_owned(), text),
                    text(&v.reason)
                );
            }
            self.w("</table></div>");
        }
        if t.tools.is_empty() {
            self.w("<p class=\"muted\">no tool use recorded</p></section>");
            return;
        }
        let _ = write!(
            self.out,
            "<h3>Inventory ({} uses)</h3><table><tr><th>kind</th><th>tool</th><th>version</th><th>where</th><th>pinned</th><th>risks</th><th>introduced by</th><th>first seen</th></tr>",
            count(t.tools.len() as u64)
        );
        for u in &t.tools {
            let _ = write!(
                self.out,
                "<tr><td>{}</td><td class=\"t\"><code>{}</code></td><td class=\"t\">{}</td><td class=\"t\">{}: <code>{}</code></td><td>{}</td><td class=\"t\">{}</td><td class=\"t\">{}{}</td><td>{}</td></tr>",
                text(&u.kind),
                text(&u.name),
                u.version.as_deref().map_or_else(String::new, text),
                text(&u.place),
                text(&u.path),
                match u.pinned {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "–",
                },
                text(&u.risks.join(", ")),
                u.who.as_deref().map_or_else(String::new, text),
                u.introduced_in
                    .as_deref()
                    .map_or_else(String::new, |c| format!(
                        " in <code>{}</code>",
                        text(short(c))
                    )),
                text(&u.first_seen),
            );
        }
        self.w("</table></section>");
    }

    fn ci(&mut self, r: &Report) {
        self.w("<section id=\"ci\"><h2>CI audit</h2>");
        if r.ci.findings.is_empty() {
            self.w("<p>No CI audit finding is introduced, fixed or open in the window (<code>devspm ci audit</code> audits workflows on disk; <code>devspm scan</code> audits them at HEAD).</p></section>");
            return;
        }
        let by_id: HashMap<&str, &super::FindingEntry> =
            r.findings.iter().map(|f| (f.id.as_str(), f)).collect();
        self.w("<table><tr><th>severity</th><th>rule</th><th>where</th><th>status</th><th>introduced by</th></tr>");
        for id in &r.ci.findings {
            let Some(f) = by_id.get(id.as_str()) else {
                continue;
            };
            let _ = write!(
                self.out,
                "<tr><td class=\"sev-{}\">{}</td><td><a href=\"#{}\">{}</a></td><td class=\"t\"><code>{}</code></td><td>{}</td><td class=\"t\">{}</td></tr>",
                text(&f.severity),
                text(&f.severity),
                finding_anchor(&f.id),
                text(&f.rule),
                text(&f.location),
                text(&f.status),
                f.developer_name
                    .as_deref()
                    .map_or_else(|| "–".to_owned(), text)
            );
        }
        self.w("</table></section>");
    }

    fn signals(&mut self, r: &Report) {
        self.w("<section id=\"signals\"><h2>Insider-threat signals</h2>");
        if r.signals.is_empty() {
            self.w("<p class=\"muted\">no signals of medium severity or above (<code>devspm signals --all</code> lists every one)</p></section>");
            return;
        }
        self.w("<table><tr><th>severity</th><th>rule</th><th>who</th><th>what</th><th>evidence</th></tr>");
        for s in &r.signals {
            let _ = write!(
                self.out,
                "<tr><td class=\"sev-{}\">{}</td><td>{}</td><td class=\"t\">{}</td><td class=\"t\">{}</td><td class=\"t\">",
                text(&s.severity),
                text(&s.severity),
                text(&s.rule),
                text(&s.name),
                text(&s.summary)
            );
            if let Some(seq) = s.seq {
                let _ = write!(self.out, "event #{seq} ");
            }
            for c in &s.commits {
                let _ = write!(self.out, "<code>{}</code> ", text(short(c)));
            }
            for e in &s.events {
                let _ = write!(self.out, "#{e} ");
            }
            self.w("</td></tr>");
        }
        self.w("</table></section>");
    }

    fn evidence_list(
        &mut self,
        subject: &str,
        anchor: &str,
        title: &str,
        items: &[Evidenced],
        commits: bool,
    ) {
        if items.is_empty() {
            return;
        }
        let _ = write!(
            self.out,
            "<h3 id=\"{anchor}\">{title} ({})</h3><ul class=\"ev\">",
            count(items.len() as u64)
        );
        for e in items.iter().take(EVIDENCE_SHOWN) {
            // A commit without a row of its own (older than the listed ones) is named, not
            // linked.
            let linked = !commits || self.listed.contains(&(e.repo.as_str(), e.id.as_str()));
            let shown = text(if commits { short(&e.id) } else { &e.id });
            if linked {
                let target = if commits {
                    commit_anchor(&e.repo, &e.id)
                } else {
                    finding_anchor(&e.id)
                };
                let _ = write!(
                    self.out,
                    "<li><a href=\"#{target}\"><code>{shown}</code></a></li>"
                );
            } else {
                let _ = write!(self.out, "<li><code>{shown}</code></li>");
            }
        }
        self.w("</ul>");
        if items.len() > EVIDENCE_SHOWN {
            let _ = write!(
                self.out,
                "<p class=\"muted\">and {} more: <code>devspm posture explain {}</code> (with this window) and the JSON report (<code>--format json</code>) list every one.</p>",
                count((items.len() - EVIDENCE_SHOWN) as u64),
                text(subject)
            );
        }
    }

    fn evidence(&mut self, r: &Report) {
        self.w("<section id=\"evidence\"><h2>Evidence per subject</h2><p>Each subject's score factor by factor (the contributions add up to the score; <code>devspm posture explain</code> shows the same with every formula), and the commits, findings and events each of its numbers counts.</p>");
        let listed: Vec<&SubjectPosture> = r
            .posture
            .subjects
            .iter()
            .filter(|s| self.is_shown(s.kind, &s.id))
            .collect();
        // A factor that no listed subject has a value for, unknown for one same reason (and not
        // applicable, for one reason, to the kinds it does not apply to) is said once here, not
        // in every table.
        let mut common: Vec<&str> = Vec::new();
        let ids: Vec<(&'static str, &'static str, f64)> = listed
            .first()
            .map(|s| {
                s.factors
                    .iter()
                    .map(|f| (f.id, f.title, f.weight))
                    .collect()
            })
            .unwrap_or_default();
        for (id, title, weight) in ids {
            let mut why: Vec<(devspm_posture::factors::Status, Option<&str>)> = Vec::new();
            let mut known = false;
            for s in &listed {
                for g in s.factors.iter().filter(|g| g.id == id) {
                    let e = &g.evaluation;
                    if e.status == devspm_posture::factors::Status::Known {
                        known = true;
                    } else if !why.contains(&(e.status, e.reason.as_deref())) {
                        why.push((e.status, e.reason.as_deref()));
                    }
                }
            }
            let distinct_statuses = why
                .iter()
                .map(|(status, _)| status_word(*status))
                .collect::<HashSet<_>>()
                .len();
            if known || why.is_empty() || distinct_statuses != why.len() {
                continue;
            }
            if common.is_empty() {
                self.w("<div class=\"note\">Left out of every score below, for the same reason for every subject listed:<ul>");
            }
            common.push(id);
            let reasons: Vec<String> = why
                .iter()
                .map(|(status, reason)| {
                    format!("{}: {}", status_word(*status), text(reason.unwrap_or("")))
                })
                .collect();
            let _ = write!(
                self.out,
                "<li>{} (<code>{}</code>, weight {:.2}) — {}</li>",
                text(title),
                text(id),
                weight,
                reasons.join("; ")
            );
        }
        if !common.is_empty() {
            self.w("</ul></div>");
        }
        for s in listed {
            let anchor = subject_anchor(s.kind.as_str(), &s.id);
            let _ = write!(
                self.out,
                "<details id=\"{anchor}\"><summary>{} {} — score {}</summary>",
                s.kind.as_str(),
                text(&s.name),
                s.score
                    .map_or_else(|| "n/a".to_owned(), |x| format!("{x:.1}")),
            );
            self.w("<table><tr><th>factor</th><th>status</th><th>value</th><th class=\"n\">normalised</th><th class=\"n\">weight</th><th class=\"n\">contribution</th><th>formula</th></tr>");
            for f in s.factors.iter().filter(|f| !common.contains(&f.id)) {
                let e = &f.evaluation;
                let _ = write!(
                    self.out,
                    "<tr><td>{}</td><td>{}</td><td class=\"t\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"t\"><code>{}</code></td></tr>",
                    text(f.title),
                    text(&match &e.reason {
                        Some(why) => format!("{}: {why}", status_word(e.status)),
                        None => status_word(e.status).to_owned(),
                    }),
                    text(&e.raw_text),
                    opt(e.normalised, 3),
                    format_args!("{:.2}", f.weight),
                    opt(f.contribution, 1),
                    text(&e.formula),
                );
            }
            self.w("</table>");
            if let Some(ev) = &s.evidence {
                self.evidence_list(
                    &s.id,
                    &format!("{anchor}-commits"),
                    "Commits",
                    &ev.commits,
                    true,
                );
                self.evidence_list(
                    &s.id,
                    &format!("{anchor}-findings"),
                    "Findings introduced",
                    &ev.findings,
                    false,
                );
                self.evidence_list(
                    &s.id,
                    &format!("{anchor}-fixed"),
                    "Findings fixed",
                    &ev.fixed,
                    false,
                );
                self.evidence_list(
                    &s.id,
                    &format!("{anchor}-fixes-made"),
                    "Findings its commits fixed",
                    &ev.fixes_made,
                    false,
                );
                self.evidence_list(
                    &s.id,
                    &format!("{anchor}-open-secrets"),
                    "Open secrets",
                    &ev.open_secrets,
                    false,
                );
                self.evidence_list(
                    &s.id,
                    &format!("{anchor}-live-secrets"),
                    "Open secrets still in the file at HEAD",
                    &ev.live_secrets,
                    false,
                );
                self.evidence_list(
                    &s.id,
                    &format!("{anchor}-self-merged"),
                    "Self-merged commits",
                    &ev.self_merged,
                    true,
                );
                self.evidence_list(
                    &s.id,
                    &format!("{anchor}-ai-lines"),
                    "Commits with line-level AI records",
                    &ev.ai_line_commits,
                    true,
                );
                if !ev.hook_overrides.is_empty() {
                    let _ = write!(
                        self.out,
                        "<h3 id=\"{anchor}-overrides\">Hook overrides</h3><p>events {}</p>",
                        ev.hook_overrides
                            .iter()
                            .map(|s| format!("#{s}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
            }
            self.w("</details>");
        }
        for kind in [
            SubjectKind::Team,
            SubjectKind::Developer,
            SubjectKind::Agent,
            SubjectKind::Repository,
        ] {
            self.omitted_note(r, kind);
        }
        self.w("</section>");
    }

    fn commits(&mut self, r: &Report) {
        let _ = write!(
            self.out,
            "<section id=\"commits\"><h2>Commits of the window ({})</h2>",
            count(r.commits.len() as u64 + r.commits_omitted)
        );
        if r.commits_omitted > 0 {
            let _ = write!(
                self.out,
                "<p class=\"note\">The newest {} are listed; {} older ones are not (a narrower --since, or <code>devspm posture explain</code>, lists them).</p>",
                count(r.commits.len() as u64),
                count(r.commits_omitted)
            );
        }
        self.w("<div class=\"wrap\"><table><tr><th>commit</th><th>repository</th><th>author time</th><th>author</th><th class=\"n\">changed lines</th><th>signed</th><th>default branch</th><th>AI agents</th><th class=\"n\">event</th></tr>");
        for c in &r.commits {
            let repository = self.repo_name(&c.repo);
            let _ = write!(
                self.out,
                "<tr id=\"{}\"><td><code>{}</code>{}</td><td class=\"t\">{}</td><td>{}</td><td class=\"t\">",
                commit_anchor(&c.repo, &c.sha),
                text(short(&c.sha)),
                if c.merge { " merge" } else { "" },
                text(&repository),
                text(&c.time),
            );
            let author = match &c.author {
                Some(id) => self.developer_link(id, &c.author_name),
                None => text(&c.author_name),
            };
            self.w(&author);
            let _ = write!(
                self.out,
                "</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"t\">{}</td><td class=\"n\">#{}</td></tr>",
                count(c.lines),
                if c.signed { "yes" } else { "no" },
                match c.on_default_branch {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "–",
                },
                text(&c.agents.join(", ")),
                c.seq
            );
        }
        self.w("</table></div></section>");
    }

    fn notes(&mut self, r: &Report) {
        self.w("<section id=\"notes\"><h2>Notes and settings</h2><ul>");
        for n in &r.posture.notes {
            let _ = write!(self.out, "<li>{}</li>", text(n));
        }
        let s = &r.posture.settings;
        let _ = write!(
            self.out,
            "</ul><p>Score: 0–100, higher is better, the weighted mean of the known factors (unknown ones are left out, never counted as zero risk). Weights: {}. Small samples are shrunk toward the organisation: {} changed lines, {} commits, {} fixes of prior (docs/posture.md).</p></section>",
            text(
                &s.weights
                    .iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            s.prior_lines,
            s.prior_commits,
            s.prior_fixes
        );
    }
}
