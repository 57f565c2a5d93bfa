//! What each finding-producing pipeline returns, as the one finding view every renderer takes
//! ([`devspm_report::findings::Finding`]): recorded findings (`findings`, `scan`, `import`),
//! a CI audit's results, a workstation scan's tool verdicts and risks, and a policy check's
//! violations. The front end picks the format; the view and the SARIF builder are the same for
//! every command (`devspm_report::findings`, `devspm_report::sarif`).

use std::collections::HashSet;

use devspm_ledger::FindingStore;
use devspm_ledger::findings::FindingRow;
use devspm_report::findings::{Attribution, Finding, Triage};
use devspm_report::sarif::{Producer, Rule};

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
        triage: r.triage.as_ref().map(|t| Triage {
            state: t.state.clone(),
            reason: t.reason.clone(),
            expires: t.expires.clone(),
            active: t.active,
            by: t.by.clone(),
            by_name: t.by_name.clone(),
        }),
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

/// A stable id from parts (SHA-256 of the parts joined by NUL, 32 hex digits).
fn fingerprint(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(parts.join("\0").as_bytes());
    format!("content:v1:{}", &devspm_core::hex::encode(&digest)[..32])
}
