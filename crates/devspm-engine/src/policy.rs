//! The policy check: the recorded inventory, commits and CI findings against the `[policy]` of
//! the configuration, for CI gating. Every violation names the item, where it is, who
//! introduced it or whose machine it is on, and the policy entry that decided.

use devspm_governance::policy::{Category, Item, PinLevel, Status};
use devspm_ledger::{FindingFilter, FindingStore, GovernanceStore, ToolFilter};
use serde::Serialize;

use crate::{Context, EngineError};

/// The policy category of a tool kind recorded from repositories.
pub fn repository_category(kind: &str) -> Option<Category> {
    Some(match kind {
        "action" => Category::Action,
        "reusable_workflow" => Category::ReusableWorkflow,
        "container_image" => Category::ContainerImage,
        "precommit_hook" => Category::PrecommitHook,
        "mcp_server" => Category::McpServer,
        "ai_instructions" | "agent_settings" => Category::AiTool,
        _ => return None,
    })
}

/// How firmly a recorded ref pins: a full commit SHA or an image digest is immutable; no ref or
/// a branch-like name pins nothing; anything else is a tag.
pub fn pin_level(version: Option<&str>) -> PinLevel {
    let Some(v) = version.map(str::trim).filter(|v| !v.is_empty()) else {
        return PinLevel::None;
    };
    let is_sha = v.len() == 40 && v.bytes().all(|b| b.is_ascii_hexdigit());
    if is_sha || v.starts_with("sha256:") || v.contains("@sha256:") {
        return PinLevel::Sha;
    }
    match v {
        "main" | "master" | "develop" | "dev" | "trunk" | "latest" | "HEAD" | "head" | "stable"
        | "nightly" => PinLevel::None,
        _ => PinLevel::Tag,
    }
}

pub use devspm_report::policy::{Checked, PolicyCheck, Violation};

/// Checks the record (of repository `repo_id`, or of everything, workstations included)
/// against `ctx.policy`; commit signing counts commits since `since` (Unix seconds) and the
/// policy's own baseline, whichever is later.
pub fn check(
    ctx: &Context<'_>,
    store: &(impl FindingStore + GovernanceStore),
    repo_id: Option<String>,
    since: Option<i64>,
) -> Result<PolicyCheck, EngineError> {
    let policy = ctx.policy;
    let mut checked = Checked::default();
    let mut violations = Vec::new();
    let mut signing: Vec<String> = Vec::new();

    // Tools in repositories, judged now, with the current policy.
    let tools = store.tool_uses(&ToolFilter {
        repo_id: repo_id.clone(),
        origin: Some("repository".into()),
        ..Default::default()
    })?;
    for t in &tools {
        let Some(category) = repository_category(&t.kind) else {
            continue;
        };
        checked.repository_tools += 1;
        let pin = matches!(
            category,
            Category::Action
                | Category::ReusableWorkflow
                | Category::ContainerImage
                | Category::PrecommitHook
        )
        .then(|| pin_level(t.version.as_deref()));
        let verdict = policy.verdict(&Item {
            category,
            name: &t.name,
            version: t.version.as_deref(),
            pin,
        });
        if verdict.status == Status::Approved {
            continue;
        }
        let place = match t.line {
            Some(line) => format!(
                "{}:{}:{line}",
                t.repository.as_deref().unwrap_or("?"),
                t.path
            ),
            None => format!("{}:{}", t.repository.as_deref().unwrap_or("?"), t.path),
        };
        let who = t.identity_name.clone().or_else(|| t.identity.clone());
        let who = match (&who, &t.introduced_in) {
            (Some(w), Some(c)) => Some(format!("{w} in {}", &c[..c.len().min(10)])),
            _ => who,
        };
        violations.push(Violation {
            kind: verdict.status.as_str(),
            fails: verdict.status == Status::Denied || policy.thresholds.fail_on_unapproved,
            item: match &t.version {
                Some(v) => format!("{}@{v}", t.name),
                None => t.name.clone(),
            },
            place,
            who,
            identity: t.identity.clone(),
            repository: t.repository.clone(),
            reason: verdict.reason,
            rule: verdict.rule,
        });
    }

    // Workstations: the verdict recorded by the scan (the policy that machine ran with).
    if repo_id.is_none() {
        let tools = store.tool_uses(&ToolFilter {
            origin: Some("workstation".into()),
            ..Default::default()
        })?;
        for t in &tools {
            let Some(status) = t.verdict.as_deref() else {
                continue;
            };
            checked.workstation_tools += 1;
            let kind = match status {
                "denied" => "denied",
                "unapproved" => "unapproved",
                _ => continue,
            };
            violations.push(Violation {
                kind,
                fails: kind == "denied" || policy.thresholds.fail_on_unapproved,
                item: match &t.version {
                    Some(v) => format!("{}@{v}", t.name),
                    None => t.name.clone(),
                },
                place: format!("{}:~/{}", t.host.as_deref().unwrap_or("?"), t.path),
                who: t.identity_name.clone().or_else(|| t.identity.clone()),
                identity: t.identity.clone(),
                repository: None,
                reason: format!("{} on a workstation ({})", status, t.kind),
                rule: None,
            });
        }
    }

    // Commit signing: per developer identity, since the baseline and the asked time.
    let since = match (since, policy.signed_commits_since) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let since_text = since.map(|s| format!(" since {}", crate::date(Some(s))));
    if policy.require_signed_commits {
        let rows = store.signing(repo_id.as_deref(), since)?;
        checked.developers = rows.len();
        let mut per_repo: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
        for r in &rows {
            let e = per_repo.entry(&r.repository).or_default();
            e.0 += r.commits;
            e.1 += r.unsigned;
        }
        for (repository, (commits, unsigned)) in per_repo {
            let ratio = if commits == 0 {
                0.0
            } else {
                unsigned as f64 / commits as f64
            };
            if unsigned == 0 || ratio <= policy.thresholds.max_unsigned_ratio {
                continue;
            }
            // One row per developer (most unsigned first), the repository's share once.
            signing.push(format!(
                "{repository}: {unsigned} of {commits} commits{} unsigned ({:.1}%; tolerated {:.1}%)",
                since_text.as_deref().unwrap_or(""),
                ratio * 100.0,
                policy.thresholds.max_unsigned_ratio * 100.0
            ));
            let mut offenders: Vec<_> = rows
                .iter()
                .filter(|r| r.repository == repository && r.unsigned > 0)
                .collect();
            offenders.sort_by(|a, b| {
                b.unsigned
                    .cmp(&a.unsigned)
                    .then(a.identity.cmp(&b.identity))
            });
            for r in offenders {
                violations.push(Violation {
                    kind: "unsigned-commits",
                    fails: true,
                    item: format!(
                        "{} of {} commits{} unsigned",
                        r.unsigned,
                        r.commits,
                        since_text.as_deref().unwrap_or("")
                    ),
                    place: repository.to_owned(),
                    who: r.identity_name.clone().or_else(|| Some(r.identity.clone())),
                    identity: Some(r.identity.clone()),
                    repository: Some(repository.to_owned()),
                    reason: "signed commits are required".to_owned(),
                    rule: Some("require_signed_commits".into()),
                });
            }
        }
    }

    // CI audit findings at or above the threshold.
    let findings = store.findings(&FindingFilter {
        repo: repo_id.clone(),
        tool: Some(crate::ci::TOOL.to_owned()),
        status: Some("open".into()),
        min_severity: Some(policy.thresholds.ci_severity.clone()),
        ..Default::default()
    })?;
    checked.ci_findings = findings.len();
    for f in findings {
        violations.push(Violation {
            kind: "ci-finding",
            fails: true,
            item: format!("{} ({})", f.rule, f.severity),
            place: format!(
                "{}:{}:{}",
                f.repository,
                f.path.as_deref().unwrap_or("?"),
                f.start_line.map_or("?".into(), |l| l.to_string())
            ),
            who: f
                .developer_name
                .clone()
                .or(f.developer.clone())
                .map(|w| match &f.introduced_in {
                    Some(c) => format!("{w} in {}", &c[..c.len().min(10)]),
                    None => w,
                }),
            identity: f.developer.clone(),
            repository: Some(f.repository.clone()),
            reason: f.message.clone(),
            rule: Some(format!(
                "thresholds.ci_severity = \"{}\"",
                policy.thresholds.ci_severity
            )),
        });
    }

    let failed = violations.iter().any(|v| v.fails);
    Ok(PolicyCheck {
        checked,
        violations,
        signing,
        failed,
    })
}

/// A `--since` of the signing check (a day, or a span back from now: see
/// [`crate::tools::parse_since`]) as Unix seconds.
pub fn signing_since(text: &str) -> Result<Option<i64>, EngineError> {
    let t = crate::tools::parse_since(text)?;
    // A day, or a UTC time without its offset.
    let t = if t.len() == 10 {
        format!("{t}T00:00:00Z")
    } else {
        format!("{t}Z")
    };
    Ok(t.parse::<jiff::Timestamp>().ok().map(|t| t.as_second()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_levels_from_refs() {
        assert_eq!(
            pin_level(Some("0e58ed8671d6b60d0890c21b07f8835ace038e67")),
            PinLevel::Sha
        );
        assert_eq!(pin_level(Some("sha256:abcd")), PinLevel::Sha);
        assert_eq!(pin_level(Some("v4")), PinLevel::Tag);
        assert_eq!(pin_level(Some("main")), PinLevel::None);
        assert_eq!(pin_level(Some("latest")), PinLevel::None);
        assert_eq!(pin_level(None), PinLevel::None);
    }
}

/// What `policy check` asks for: a recorded repository (a path, name or id; else everything,
/// workstations included), commit signing since when (`YYYY-MM-DD` or `90d`), and the
/// `--fail-on` threshold over the recorded findings of the repository checked (`repo`, else
/// the one `cwd` is in).
#[derive(Clone, Debug, Default)]
pub struct CheckRequest {
    pub repo: Option<String>,
    pub since: Option<String>,
    pub fail_on: Option<String>,
    pub cwd: Option<std::path::PathBuf>,
}

/// The policy check and, when a threshold was given, the findings gate.
pub struct CheckRun {
    pub report: PolicyCheck,
    pub gate: Option<crate::gate::GateOutcome>,
}

impl CheckRun {
    /// As `--format json` writes it, naming the configuration file the policy came from.
    pub fn output(&self, policy: Option<String>) -> Output<'_> {
        Output {
            policy,
            checked: &self.report.checked,
            violations: &self.report.violations,
            failed: self.report.failed,
            gate: self.gate.as_ref(),
        }
    }
}

/// `policy check`: [`check`] of what `request` names, then its findings gate.
pub fn run(
    ctx: &Context<'_>,
    store: &(
         impl devspm_ledger::IngestState + FindingStore + GovernanceStore + devspm_ledger::EvidenceStore
     ),
    request: &CheckRequest,
) -> Result<CheckRun, EngineError> {
    let repo_id = request
        .repo
        .as_deref()
        .map(|r| crate::repository::recorded(store, r))
        .transpose()?;
    let since = match request.since.as_deref() {
        Some(text) => signing_since(text)?,
        None => None,
    };
    let report = check(ctx, store, repo_id, since)?;
    let gate = request
        .fail_on
        .as_deref()
        .map(|level| {
            findings_gate(
                ctx,
                store,
                request.repo.as_deref(),
                request.cwd.as_deref(),
                level,
            )
        })
        .transpose()?;
    Ok(CheckRun { report, gate })
}

/// `policy check --format json`: the configuration file, what was checked, the violations,
/// and the `--fail-on` gate over recorded findings when one was asked for.
#[derive(Serialize)]
pub struct Output<'a> {
    pub policy: Option<String>,
    pub checked: &'a Checked,
    pub violations: &'a [Violation],
    pub failed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<&'a crate::gate::GateOutcome>,
}

/// `policy check --fail-on LEVEL`: the one gate over the recorded findings of the repository
/// checked (`named`, else the one `dir` is in).
pub fn findings_gate(
    ctx: &Context<'_>,
    store: &(impl devspm_ledger::IngestState + FindingStore + devspm_ledger::EvidenceStore),
    named: Option<&str>,
    dir: Option<&std::path::Path>,
    level: &str,
) -> Result<crate::gate::GateOutcome, EngineError> {
    let (rules, assessment) = crate::gate::query(
        ctx,
        store,
        &crate::gate::FindingQuery {
            repo: named.map(str::to_owned),
            cwd: dir.map(std::path::Path::to_path_buf),
            ..Default::default()
        },
    )?;
    Ok(assessment.gate(level, &rules.fail_on))
}
