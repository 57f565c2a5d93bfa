//! What each finding-producing pipeline returns, as the one finding view every renderer takes
//! ([`devspm_report::findings::Finding`]): recorded findings (`findings`, `scan`, `import`),
//! a CI audit's results, a workstation scan's tool verdicts and risks, and a policy check's
//! violations. The front end picks the format; the view and the SARIF builder are the same for
//! every command (`devspm_report::findings`, `devspm_report::sarif`).

use std::collections::HashSet;

use devspm_ledger::FindingStore;
use devspm_ledger::findings::FindingRow;
use devspm_report::findings::{Attribution, Finding};
use devspm_report::sarif::{Producer, Rule};
use serde::Serialize;

use crate::EngineError;
use crate::ci_audit::AuditTarget;
use crate::policy::PolicyCheck;
use crate::tools::WorkstationScan;

/// The producer of the workstation scan's findings (tool verdicts and risks).
pub const TOOLS_PRODUCER: &str = "devspm-tools";
/// The producer of the policy check's findings (violations).
pub const POLICY_PRODUCER: &str = "devspm-policy";

/// devspm as the SARIF documents' writer.
pub fn producer() -> Producer<'static> {
    Producer {
        version: env!("CARGO_PKG_VERSION"),
        information_uri: "https://github.com/devspm/devspm",
    }
}

/// A recorded finding as the view.
pub fn recorded(r: &FindingRow) -> Finding {
    Finding {
        id: r.finding.clone(),
        repository: r.repository.clone(),
        tool: r.tool.clone(),
        rule: r.rule.clone(),
        kind: r.kind.clone(),
        severity: r.severity.clone(),
        status: r.status.clone(),
        message: r.message.clone(),
        identifiers: r.identifiers.clone(),
        path: r.path.clone(),
        line: r.start_line,
        end_line: r.end_line,
        column: None,
        package: r.package.clone(),
        version: r.version.clone(),
        // A secret found in a commit message lives in that commit, not in a file.
        in_message_of: (r.method.as_deref() == Some("commit-message"))
            .then(|| r.first_revision.clone().unwrap_or_default()),
        attribution: Attribution {
            state: r.attribution.clone(),
            method: r.method.clone(),
            confidence: r.confidence.clone(),
            reason: r.reason.clone(),
            introduced_in: r.introduced_in.clone(),
            introduced_at: r.introduced_at,
            other_commits: r.other_commits.clone(),
            developer: r.developer.clone(),
            developer_name: r.developer_name.clone(),
            team: r.team.clone(),
            agents: r.agents.clone(),
        },
        triage: r.triage.clone(),
        properties: serde_json::Map::new(),
        context: None,
        context_not_gated: false,
        ignored: None,
    }
}

/// A recorded finding with its path context and ignore (`crate::gate`) as the view.
pub fn assessed(a: &crate::gate::Assessed) -> Finding {
    Finding {
        context: Some(a.context.to_string()),
        context_not_gated: !a.context_counts,
        ignored: a.ignored.as_ref().map(|i| devspm_report::findings::Ignore {
            by: i.by.clone(),
            reason: i.reason.clone(),
            expires: i.expires.clone(),
            inline: i.inline,
        }),
        ..recorded(&a.row)
    }
}

/// An assessment's findings as a listing shows them (with `show_ignored`, the ignored ones
/// too), and how many ignored findings it hides.
pub fn listing(assessment: &crate::gate::Assessment, show_ignored: bool) -> (Vec<Finding>, usize) {
    let listed = assessment.listed(show_ignored);
    let hidden = assessment.findings.len() - listed.len();
    (listed.into_iter().map(assessed).collect(), hidden)
}

/// The findings recorded for repository `repo` (the one at hand), of the producers in `tools`
/// when given (an import's tools), as views with their path contexts and ignores; with
/// `show_ignored` the ignored ones too (as SARIF suppressions, CSV columns), else they are
/// only counted (the second value).
pub fn recorded_in(
    ctx: &crate::Context<'_>,
    store: &impl FindingStore,
    repo: &devspm_git::Repo,
    tools: Option<&HashSet<String>>,
    show_ignored: bool,
) -> Result<(Vec<Finding>, usize), EngineError> {
    let tools: Vec<String> = tools
        .map(|t| t.iter().cloned().collect())
        .unwrap_or_default();
    let (_, assessment) = crate::gate::repository_findings(ctx, store, repo, &tools)?;
    Ok(listing(&assessment, show_ignored))
}

/// Every recorded finding of repository `repo` (named by id, locator or name; every repository
/// when `None`), ignored ones included with their ignore: what `devspm export csv` writes.
pub fn every_finding(
    ctx: &crate::Context<'_>,
    store: &(impl devspm_ledger::IngestState + FindingStore + devspm_ledger::EvidenceStore),
    repo: Option<&str>,
) -> Result<Vec<Finding>, EngineError> {
    let query = crate::gate::FindingQuery {
        repo: repo.map(str::to_owned),
        all_repos: true,
        ..Default::default()
    };
    let (_, assessment) = crate::gate::query(ctx, store, &query)?;
    Ok(listing(&assessment, true).0)
}

/// What `devspm findings` asks for: the findings, whether to list the ignored ones too, and
/// the `--fail-on` threshold when one is given.
#[derive(Clone, Debug, Default)]
pub struct FindingsRequest {
    pub query: crate::gate::FindingQuery,
    pub show_ignored: bool,
    pub fail_on: Option<String>,
}

/// `devspm findings`: as JSON, the listed findings as recorded with their contexts and
/// ignores; for every other format, [`FindingList::views`].
#[derive(Clone, Debug, Serialize)]
#[serde(transparent)]
pub struct FindingList {
    listed: Vec<crate::gate::Assessed>,
    /// The listed findings as the one view the renderers take.
    #[serde(skip)]
    pub views: Vec<Finding>,
    /// Findings an ignore sets aside that the listing leaves out.
    #[serde(skip)]
    pub hidden: usize,
    /// How many findings the query found, listed or not (none: nothing is recorded).
    #[serde(skip)]
    pub found: usize,
    /// The `--fail-on` gate over every finding found, when a threshold was given.
    #[serde(skip)]
    pub gate: Option<crate::gate::GateOutcome>,
}

/// The findings `request` asks for, assessed, listed and gated.
pub fn findings(
    ctx: &crate::Context<'_>,
    store: &(impl devspm_ledger::IngestState + FindingStore + devspm_ledger::EvidenceStore),
    request: &FindingsRequest,
) -> Result<FindingList, EngineError> {
    let (rules, assessment) = crate::gate::query(ctx, store, &request.query)?;
    let gate = request
        .fail_on
        .as_deref()
        .map(|level| assessment.gate(level, &rules.fail_on));
    let (views, hidden) = listing(&assessment, request.show_ignored);
    let found = assessment.findings.len();
    let listed = assessment
        .findings
        .into_iter()
        .filter(|f| request.show_ignored || f.ignored.is_none())
        .collect();
    Ok(FindingList {
        listed,
        views,
        hidden,
        found,
        gate,
    })
}

/// A CI audit's results, with who introduced each line, and the CI rules as a SARIF
/// catalogue.
pub fn ci_audit(targets: &[AuditTarget]) -> (Vec<Finding>, Vec<Rule>) {
    let mut findings = Vec::new();
    for t in targets {
        for (i, (f, internal)) in t
            .report
            .findings
            .iter()
            .zip(crate::ci::internal_findings(&t.report.findings))
            .enumerate()
        {
            let (context, ignored) = match t.assessed.get(i) {
                Some((context, ignored)) => (Some(context.to_string()), ignored.as_ref()),
                None => (None, None),
            };
            let (introduced, uncommitted) = t.introduced_for(f);
            let mut properties = serde_json::Map::new();
            properties.insert("confidence".into(), f.confidence.as_str().into());
            properties.insert("evidence".into(), f.evidence.clone().into());
            if uncommitted {
                properties.insert("uncommitted".into(), true.into());
            }
            let attribution = match introduced {
                Some(i) => Attribution {
                    state: Some(if i.commit.is_some() {
                        "attributed".to_owned()
                    } else {
                        "unattributable".to_owned()
                    }),
                    method: i.method,
                    confidence: i.confidence,
                    reason: i.reason,
                    introduced_in: i.commit,
                    developer: i.developer,
                    agents: i.agents,
                    ..Attribution::default()
                },
                None => Attribution::default(),
            };
            findings.push(Finding {
                id: crate::findings::internal_fingerprint(crate::ci::TOOL, &internal),
                repository: t.name.clone(),
                tool: crate::ci::TOOL.to_owned(),
                rule: f.rule_id.clone(),
                kind: "config".to_owned(),
                severity: f.severity.as_str().to_owned(),
                status: "open".to_owned(),
                message: f.message.clone(),
                path: Some(f.path.clone()),
                line: Some(f.line),
                end_line: Some(f.end_line),
                column: Some(f.column),
                attribution,
                properties,
                context,
                ignored: ignored.map(|i| devspm_report::findings::Ignore {
                    by: i.by.clone(),
                    reason: i.reason.clone(),
                    expires: i.expires.clone(),
                    inline: i.inline,
                }),
                ..Finding::default()
            });
        }
    }
    let rules = devspm_governance::ci::rules()
        .iter()
        .map(|r| Rule {
            tool: crate::ci::TOOL.to_owned(),
            id: r.id.to_owned(),
            description: r.description.to_owned(),
            help: Some(r.help.to_owned()),
            severity: r.default_severity.as_str().to_owned(),
        })
        .collect();
    (findings, rules)
}

/// A workstation scan's findings: each denied (high) or unapproved (medium, shadow IT) tool,
/// and each risk of an item (a plaintext credential file, an unpinned MCP server …) at its
/// own severity. Paths are relative to the scanned home folder; nothing here is attributed to
/// a commit, the developer is the scan's.
pub fn workstation(scan: &WorkstationScan) -> Vec<Finding> {
    let mut findings = Vec::new();
    let base = |rule: String, severity: String, message: String, path: &str| Finding {
        id: fingerprint(&[TOOLS_PRODUCER, &scan.host, &rule, path, &message]),
        repository: scan.host.clone(),
        tool: TOOLS_PRODUCER.to_owned(),
        rule,
        kind: "tool".to_owned(),
        severity,
        status: "open".to_owned(),
        message,
        path: Some(path.to_owned()),
        attribution: Attribution {
            developer: scan.identity.clone(),
            ..Attribution::default()
        },
        ..Finding::default()
    };
    for judged in &scan.items {
        let item = &judged.item;
        if let Some(v) = &judged.verdict {
            let (rule, severity) = match v.status {
                devspm_governance::policy::Status::Denied => ("denied-tool", "high"),
                devspm_governance::policy::Status::Unapproved => ("unapproved-tool", "medium"),
                devspm_governance::policy::Status::Approved => continue,
            };
            let mut f = base(
                rule.to_owned(),
                severity.to_owned(),
                format!(
                    "{} {} ({}): {}",
                    item.kind.as_str(),
                    item.id,
                    item.source,
                    v.reason
                ),
                &item.path,
            );
            f.package = Some(item.id.clone());
            f.version = item.version.clone();
            if let Some(entry) = &v.rule {
                f.properties
                    .insert("policyEntry".into(), entry.clone().into());
            }
            findings.push(f);
        }
        for risk in &item.risks {
            let mut f = base(
                risk.rule.clone(),
                crate::tools::severity_word(risk.severity),
                format!("{} {}: {}", item.kind.as_str(), item.id, risk.message),
                &item.path,
            );
            f.line = risk.line;
            findings.push(f);
        }
    }
    findings
}

/// A policy check's violations: those that fail the check are `high`, those only reported
/// (unapproved tools, unless the policy fails on them) `medium`; the rule is the violation's
/// kind (`denied`, `unapproved`, `unsigned-commits`, `ci-finding`).
pub fn policy(check: &PolicyCheck) -> Vec<Finding> {
    check
        .violations
        .iter()
        .map(|v| {
            let mut properties = serde_json::Map::new();
            properties.insert("fails".into(), v.fails.into());
            if let Some(rule) = &v.rule {
                properties.insert("policyEntry".into(), rule.clone().into());
            }
            Finding {
                id: fingerprint(&[POLICY_PRODUCER, v.kind, &v.item, &v.place]),
                tool: POLICY_PRODUCER.to_owned(),
                rule: v.kind.to_owned(),
                kind: "policy".to_owned(),
                severity: if v.fails { "high" } else { "medium" }.to_owned(),
                status: "open".to_owned(),
                message: format!("{}: {}", v.item, v.reason),
                path: Some(v.place.clone()),
                package: Some(v.item.clone()),
                attribution: Attribution {
                    developer: v.who.clone(),
                    ..Attribution::default()
                },
                properties,
                ..Finding::default()
            }
        })
        .collect()
}

/// Likely duplicate developers as `identities suggest` shows them.
pub fn suggestions(found: &crate::identities::Suggestions) -> Vec<devspm_report::identities::Pair> {
    use devspm_report::identities::{Pair, Person};
    let person = |id: &String| Person {
        identity: id.clone(),
        known: found
            .people
            .get(id)
            .map(|r| (r.name.clone(), r.email.clone(), r.commits)),
    };
    found
        .pairs
        .iter()
        .map(|s| Pair {
            people: [person(&s.identities[0]), person(&s.identities[1])],
            evidence: s.evidence.clone(),
            config: s.config.clone(),
        })
        .collect()
}

/// What erasing a person did, as `identities forget` says it.
pub fn forgotten(r: &devspm_ledger::ForgetReport) -> devspm_report::identities::Forgotten {
    devspm_report::identities::Forgotten {
        identity: r.identity.clone(),
        event: r.event,
        aliases: r.aliases.len(),
        contents_redacted: r.contents_redacted,
        too_short_to_search: r.too_short_to_search,
        scrub_complete: r.scrub_complete,
    }
}

/// A CI audit after its gate, as `devspm_report::ci::audit` shows it.
pub fn ci_audit_text(
    targets: &[AuditTarget],
    gate: &crate::ci_audit::Gate,
    threshold: &str,
    show_ignored: bool,
) -> devspm_report::ci::Audit {
    use devspm_report::ci as view;
    view::Audit {
        targets: targets
            .iter()
            .map(|t| view::Target {
                name: t.name.clone(),
                files_audited: t.report.files_audited,
                findings: t
                    .report
                    .findings
                    .iter()
                    .map(|f| view::Message {
                        path: f.path.clone(),
                        line: f.line,
                        rule: f.rule_id.clone(),
                        message: f.message.clone(),
                    })
                    .collect(),
                suppressed: t.report.suppressed,
                rows: t
                    .listed(show_ignored)
                    .map(|(f, (context, ignored))| {
                        let (introduced, uncommitted) = t.introduced_for(f);
                        view::Row {
                            severity: f.severity.as_str().to_owned(),
                            rank: crate::ci_audit::severity_rank(f.severity.as_str()),
                            rule: f.rule_id.clone(),
                            path: f.path.clone(),
                            line: f.line,
                            column: f.column,
                            context: context.to_string(),
                            evidence: f.evidence.clone(),
                            introduced,
                            uncommitted,
                            ignored: ignored.as_ref().map(|i| (i.by.clone(), i.reason.clone())),
                        }
                    })
                    .collect(),
                warnings: t
                    .report
                    .warnings
                    .iter()
                    .map(|w| view::Warning {
                        path: t.root.join(&w.path).display().to_string(),
                        line: w.line,
                        message: w.message.clone(),
                    })
                    .collect(),
            })
            .collect(),
        threshold: threshold.to_owned(),
        ignored: gate.ignored,
        show_ignored,
        not_audited: gate.not_audited,
        failed: gate.failed,
    }
}

/// A workstation scan as `devspm_report::tools::workstation` shows it.
pub fn workstation_view(scan: &WorkstationScan) -> devspm_report::tools::Workstation {
    devspm_report::tools::Workstation {
        host: scan.host.clone(),
        home: scan.home.clone(),
        identity: scan.identity.clone(),
        items: scan
            .items
            .iter()
            .map(|judged| devspm_report::tools::Item {
                kind: judged.item.kind.as_str().to_owned(),
                id: judged.item.id.clone(),
                version: judged.item.version.clone(),
                source: judged.item.source.clone(),
                verdict: judged
                    .verdict
                    .as_ref()
                    .map(|v| (v.status.as_str().to_owned(), v.reason.clone())),
                risks: judged
                    .item
                    .risks
                    .iter()
                    .map(|r| (r.rule.clone(), crate::tools::severity_word(r.severity)))
                    .collect(),
            })
            .collect(),
        warnings: scan
            .warnings
            .iter()
            .map(|w| devspm_report::tools::Warning {
                path: w.path.clone(),
                line: w.line,
                message: w.message.clone(),
            })
            .collect(),
        total: scan.summary.items,
        approved: scan.summary.approved,
        unapproved: scan.summary.unapproved,
        denied: scan.summary.denied,
        risks: scan.summary.risks,
    }
}

/// An import on record as `devspm_report::import` shows it.
pub fn import_record(r: &devspm_ledger::ImportRecord) -> devspm_report::import::Recorded {
    devspm_report::import::Recorded {
        import: r.import.clone(),
        tool: r.tool.clone(),
        source: r.source.clone(),
        revision: r.revision.clone(),
        results: r.results,
        new: r.new,
        fixed: r.fixed,
        at: r.at.clone(),
        withdrawn_seq: r.withdrawn_seq,
    }
}

/// A withdrawal as `devspm_report::import::withdrawn` shows it.
pub fn withdrawal(w: &crate::import::withdraw::Withdrawal) -> devspm_report::import::Withdrawn {
    devspm_report::import::Withdrawn {
        import: import_record(&w.import),
        seq: w.seq,
        withdrawn: w.withdrawn,
        open_again: w.open_again,
        fixed_again: w.fixed_again,
        set_back: w.set_back,
    }
}

/// A scan's report as the summary `devspm_report::scan` renders.
pub fn scan_summary(report: &crate::scan::ScanReport) -> devspm_report::scan::Summary {
    use devspm_report::scan as view;
    let r = &report.ingest.report;
    view::Summary {
        repository: report.summary.clone(),
        run: view::Run {
            new_commits: r.new_commits,
            refs_updated: r.refs_updated,
            events_appended: report.ingest.events_appended,
            seconds: r.elapsed_seconds,
        },
        signals: signals_run(&report.signals),
        detectors: report.detectors.as_ref().map(|d| {
            d.runs
                .iter()
                .map(|(name, run)| view::Detector {
                    name: (*name).to_owned(),
                    line: run.line.clone(),
                    warnings: run.warnings.clone(),
                })
                .collect()
        }),
        findings: report.findings.as_ref().map(|f| view::Findings {
            open: f.open,
            ignored: f.ignored,
            fixed: f.fixed,
            attributed: f.attributed,
            unattributable: f.unattributable,
            open_with_ai: f.open_with_ai,
            open_by_severity: f.open_by_severity.clone(),
            open_by_context: f
                .open_by_context
                .iter()
                .map(|(c, n)| (c.to_string(), *n))
                .collect(),
            introduced_by: f.introduced_by.clone(),
            expired_ignores: f
                .expired_ignores
                .iter()
                .map(|e| view::ExpiredIgnore {
                    source: e.source.clone(),
                    selects: e.selects.clone(),
                    expired: e.expired.clone(),
                })
                .collect(),
        }),
        database: report.database.clone(),
    }
}

/// What the signals analyzer did, as the scan and ingest summaries show it.
pub fn signals_run(run: &crate::signals::SignalsRun) -> devspm_report::scan::Signals {
    devspm_report::scan::Signals {
        appended: run.signals_appended,
        commits_examined: run.commits_examined,
        seconds: run.seconds,
    }
}

/// One repository's ingest, as `devspm ingest git` shows it.
pub fn ingest_run(ingest: &crate::scan::RepositoryIngest) -> devspm_report::scan::Run {
    devspm_report::scan::Run {
        new_commits: ingest.report.new_commits,
        refs_updated: ingest.report.refs_updated,
        events_appended: ingest.events_appended,
        seconds: ingest.report.elapsed_seconds,
    }
}

/// A stable id from parts (SHA-256 of the parts joined by NUL, 32 hex digits).
fn fingerprint(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(parts.join("\0").as_bytes());
    format!("content:v1:{}", &devspm_core::hex::encode(&digest)[..32])
}
