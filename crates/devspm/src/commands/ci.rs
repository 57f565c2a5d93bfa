//! `devspm ci audit`: the engine's reading of the paths given (a file, a repository, its
//! `.github/workflows`, a folder of repositories), audit, attribution and gate of each
//! (`devspm_engine::ci_audit`), and the findings as a table, JSON or SARIF with an exit status
//! a CI job can gate on.

use std::collections::BTreeMap;

use devspm_engine::ci::audit_config;
use devspm_engine::ci_audit::{self, Gate, Introduced};
use devspm_governance::ci::CiFinding;
use serde::Serialize;

use crate::cli::{CiAuditArgs, Format, GlobalArgs};
use crate::output::{self, Table, escape};
use crate::settings::Settings;

#[derive(Serialize)]
struct AuditedFinding<'a> {
    #[serde(flatten)]
    finding: &'a CiFinding,
    repository: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    introduced: Option<Introduced>,
    /// The file differs from HEAD: the finding is on an uncommitted line and not recorded.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    uncommitted: bool,
    context: devspm_core::gating::PathContext,
    #[serde(skip_serializing_if = "Option::is_none")]
    ignored: Option<&'a devspm_engine::gate::Ignored>,
}

pub fn audit(settings: &Settings, global: &GlobalArgs, args: &CiAuditArgs) -> anyhow::Result<i32> {
    let config = audit_config(&settings.policy);
    // Each PATH becomes what it names: a file, a repository (or any folder with CI files), the
    // `.github/workflows` folder of a repository, or a folder of several repositories.
    let paths = ci_audit::resolve_paths(&args.paths)?;
    let mut targets = Vec::new();
    let mut store = None;
    for (path, only) in &paths {
        let mut target = ci_audit::audit_path(path, *only, &config)?;
        // A repository's findings are recorded and attributed (unless --no-record).
        if !args.no_record
            && path.is_dir()
            && let Ok(repo) = devspm_git::open(path)
        {
            if store.is_none() {
                store = Some(settings.open_store()?);
            }
            let Some(store) = store.as_mut() else {
                unreachable!("opened above")
            };
            ci_audit::attribute(&settings.context(), store, &repo, &config, &mut target)?;
        }
        targets.push(target);
    }
    let threshold = args
        .fail_on
        .map(|s| s.as_str().to_owned())
        .unwrap_or_else(|| settings.policy.thresholds.ci_severity.clone());
    let gate = ci_audit::gate(&settings.context(), &mut targets, &threshold)?;
    let Gate {
        failed,
        not_audited,
        ignored,
        ..
    } = gate.clone();

    match global.format {
        Format::Json => {
            let mut findings = Vec::new();
            let mut warnings = Vec::new();
            let mut files = 0;
            for t in &targets {
                files += t.report.files_audited;
                warnings.extend(t.report.warnings.iter());
                for (f, (context, ignored)) in t.listed(args.show_ignored) {
                    let (introduced, uncommitted) = t.introduced_for(f);
                    findings.push(AuditedFinding {
                        finding: f,
                        repository: &t.name,
                        introduced,
                        uncommitted,
                        context: *context,
                        ignored: ignored.as_ref(),
                    });
                }
            }
            let suppressed: usize = targets.iter().map(|t| t.report.suppressed).sum();
            output::emit_json(&serde_json::json!({
                "files_audited": files,
                "files_not_audited": not_audited,
                "suppressed": suppressed,
                "ignored": ignored,
                "findings": findings,
                "warnings": warnings,
                "threshold": threshold,
                "failed": failed,
            }))?;
        }
        format @ (Format::Csv | Format::Markdown | Format::Sarif) => {
            let (findings, rules) = devspm_engine::views::ci_audit(&targets);
            output::emit_findings(format, "devspm ci audit", &findings, 0, &rules)?;
        }
        Format::Table | Format::Html => {
            let mut text = String::new();
            let mut total = 0;
            let mut by_severity: BTreeMap<u8, (String, usize)> = BTreeMap::new();
            for t in &targets {
                let mut table = Table::new(&[
                    ("severity", false),
                    ("rule", false),
                    ("where", false),
                    ("context", false),
                    ("evidence", false),
                    ("introduced by", false),
                ]);
                // On a narrow terminal: paths and names shortened (never the line), then the
                // evidence dropped, then the context.
                table
                    .paint(0, devspm_report::style::severity)
                    .shrink(1)
                    .shrink(2)
                    .shrink_end(4, 20)
                    .drop_rank(4, 1)
                    .drop_rank(3, 2)
                    .shrink(5);
                let mut reasons = String::new();
                for (f, (context, ignored)) in t.listed(args.show_ignored) {
                    if let Some(i) = ignored {
                        reasons.push_str(&format!(
                            "  {}:{} {}: ignored by {}: {}\n",
                            escape(&f.path),
                            f.line,
                            f.rule_id,
                            escape(&i.by),
                            escape(&i.reason)
                        ));
                    }
                    total += 1;
                    by_severity
                        .entry(ci_audit::severity_rank(f.severity.as_str()))
                        .or_insert_with(|| (f.severity.as_str().to_owned(), 0))
                        .1 += 1;
                    let (introduced, uncommitted) = t.introduced_for(f);
                    let who = match (introduced, uncommitted) {
                        (_, true) => "uncommitted change".to_owned(),
                        (Some(i), _) => {
                            let mut who = i.developer.clone().unwrap_or_else(|| "?".into());
                            if let Some(c) = &i.commit {
                                who.push_str(&format!(" in {}", &c[..c.len().min(10)]));
                            }
                            if !i.agents.is_empty() {
                                who.push_str(&format!(" with {}", i.agents.join(", ")));
                            }
                            if i.commit.is_none()
                                && let Some(r) = &i.reason
                            {
                                who = format!("unattributable: {r}");
                            }
                            who
                        }
                        (None, _) => "-".to_owned(),
                    };
                    let mut evidence = f.evidence.clone();
                    if evidence.chars().count() > 60 {
                        evidence = evidence.chars().take(57).collect::<String>() + "...";
                    }
                    table.row(vec![
                        f.severity.as_str().to_owned(),
                        f.rule_id.clone(),
                        format!("{}:{}:{}", f.path, f.line, f.column),
                        context.to_string(),
                        evidence,
                        who,
                    ]);
                }
                text.push_str(&format!(
                    "{} — {} files audited, {} findings{}\n",
                    escape(&t.name),
                    t.report.files_audited,
                    t.report.findings.len(),
                    if t.report.suppressed > 0 {
                        format!(" ({} suppressed by ignore comments)", t.report.suppressed)
                    } else {
                        String::new()
                    }
                ));
                if !t.report.findings.is_empty() {
                    text.push_str(&table.render_fit("  ", output::terminal_width()));
                }
                text.push_str(&reasons);
                for f in &t.report.findings {
                    if global.verbose > 0 {
                        text.push_str(&format!(
                            "  {}:{} {}: {}\n",
                            escape(&f.path),
                            f.line,
                            f.rule_id,
                            escape(&f.message)
                        ));
                    }
                }
                for w in &t.report.warnings {
                    text.push_str(&format!(
                        "warning: {}:{}: {}\n",
                        escape(&t.root.join(&w.path).display().to_string()),
                        w.line,
                        escape(&w.message)
                    ));
                }
                text.push('\n');
            }
            let summary: Vec<String> = by_severity
                .values()
                .rev()
                .map(|(s, n)| format!("{n} {s}"))
                .collect();
            text.push_str(&format!(
                "{total} findings{}{}. Threshold: {threshold}{}.\n",
                if summary.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", summary.join(", "))
                },
                match (ignored, args.show_ignored) {
                    (0, _) => String::new(),
                    (n, true) => format!(", {n} ignored (listed)"),
                    (n, false) => format!(", {n} ignored (--show-ignored lists them)"),
                },
                if not_audited > 0 {
                    format!(
                        " — failed: {not_audited} file{} could not be audited (unauditable-file)",
                        if not_audited == 1 { "" } else { "s" }
                    )
                } else if failed {
                    " — failed".to_owned()
                } else {
                    " — passed".to_owned()
                }
            ));
            output::emit(&text)?;
        }
    }
    if args.fail_on.is_some() && !global.quiet && global.format == Format::Table {
        eprintln!("devspm: {}", gate.outcome.sentence());
    }
    Ok(if failed { crate::EXIT_FINDINGS } else { 0 })
}
