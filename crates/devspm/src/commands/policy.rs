//! `devspm policy check`: the recorded inventory, commits and CI findings against the
//! `[policy]` of `devspm.toml`, for CI gating. Every violation names the item, where it is,
//! who introduced it or whose machine it is on, and the policy entry that decided.

use devspm_governance::policy::{Category, Item, PinLevel, Status};
use devspm_ledger::{FindingFilter, FindingStore, GovernanceStore, ToolFilter};
use serde::Serialize;

use crate::cli::{Format, GlobalArgs, PolicyCheckArgs};
use crate::output::{self, Table, escape};
use crate::settings::Settings;

/// Exit status when the policy is violated (the same as findings at or above --fail-on).
pub const EXIT_VIOLATIONS: i32 = 4;

/// The policy category of a tool kind recorded from repositories.
fn repository_category(kind: &str) -> Option<Category> {
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

#[derive(Serialize)]
struct Violation {
    /// `denied`, `unapproved`, `unsigned-commits` or `ci-finding`.
    kind: &'static str,
    /// Whether this violation fails the check.
    fails: bool,
    item: String,
    place: String,
    who: Option<String>,
    reason: String,
    rule: Option<String>,
}

#[derive(Serialize)]
struct CheckOutput {
    policy: Option<String>,
    checked: Checked,
    violations: Vec<Violation>,
    failed: bool,
}

#[derive(Serialize, Default)]
struct Checked {
    repository_tools: usize,
    workstation_tools: usize,
    developers: usize,
    ci_findings: usize,
}

pub fn check(
    settings: &Settings,
    global: &GlobalArgs,
    args: &PolicyCheckArgs,
) -> anyhow::Result<i32> {
    let policy = &settings.policy;
    let Some(config) = settings.config_path.as_ref().filter(|_| policy.declared) else {
        anyhow::bail!(
            "no [policy] table in {}: nothing to check. Add one to devspm.toml (a complete example is in docs/governance.md) or pass --config FILE",
            settings
                .config_path
                .as_ref()
                .map_or("the configuration (no file given with --config or $DEVSPM_CONFIG, none in the user configuration folder)".to_owned(), |p| p
                    .display()
                    .to_string())
        );
    };
    let store = settings.open_store_read_only()?;
    let repo_id = args
        .repo
        .as_deref()
        .map(|r| super::findings::repo_filter(&store, r))
        .transpose()?;
    let mut checked = Checked::default();
    let mut violations = Vec::new();
    let mut signing_summary: Vec<String> = Vec::new();

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
                reason: format!("{} on a workstation ({})", status, t.kind),
                rule: None,
            });
        }
    }

    // Commit signing: per developer identity, since the baseline and --since.
    let asked = args
        .since
        .as_deref()
        .map(super::tools::parse_since)
        .transpose()?
        .and_then(|t| {
            // A day, or a UTC time without its offset.
            let t = if t.len() == 10 {
                format!("{t}T00:00:00Z")
            } else {
                format!("{t}Z")
            };
            t.parse::<jiff::Timestamp>().ok()
        })
        .map(|t| t.as_second());
    let since = match (asked, policy.signed_commits_since) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let since_text = since.map(|s| format!(" since {}", output::date(Some(s))));
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
            signing_summary.push(format!(
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
                    reason: "signed commits are required".to_owned(),
                    rule: Some("require_signed_commits".into()),
                });
            }
        }
    }

    // CI audit findings at or above the threshold.
    let findings = store.findings(&FindingFilter {
        repo: repo_id.clone(),
        tool: Some(devspm_engine::ci::TOOL.to_owned()),
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
            reason: f.message.clone(),
            rule: Some(format!(
                "thresholds.ci_severity = \"{}\"",
                policy.thresholds.ci_severity
            )),
        });
    }

    let failed = violations.iter().any(|v| v.fails);
    match global.format {
        Format::Json => output::emit_json(&CheckOutput {
            policy: Some(config.display().to_string()),
            checked,
            violations,
            failed,
        })?,
        _ => {
            let mut text = format!(
                "Policy {}: checked {} repository tools, {} workstation tools, {} developers' signing, {} open CI findings at or above {}.\n",
                escape(&config.display().to_string()),
                checked.repository_tools,
                checked.workstation_tools,
                checked.developers,
                checked.ci_findings,
                policy.thresholds.ci_severity
            );
            if violations.is_empty() {
                text.push_str("No violations.\n");
            } else {
                for line in &signing_summary {
                    text.push_str(&format!("signing: {}\n", escape(line)));
                }
                let mut table = Table::new(&[
                    ("violation", false),
                    ("item", false),
                    ("where", false),
                    ("who", false),
                    ("why", false),
                ]);
                // The ten developers with the most unsigned commits per repository; JSON has
                // every one.
                let mut shown_per_place: std::collections::HashMap<&str, usize> =
                    Default::default();
                let mut hidden = 0usize;
                for v in &violations {
                    if v.kind == "unsigned-commits" {
                        let shown = shown_per_place.entry(v.place.as_str()).or_default();
                        if *shown >= 10 {
                            hidden += 1;
                            continue;
                        }
                        *shown += 1;
                    }
                    table.row(vec![
                        if v.fails {
                            v.kind.to_owned()
                        } else {
                            format!("{} (reported)", v.kind)
                        },
                        v.item.clone(),
                        v.place.clone(),
                        v.who.clone().unwrap_or_else(|| "-".into()),
                        v.reason.clone(),
                    ]);
                }
                text.push('\n');
                text.push_str(&table.render(""));
                if hidden > 0 {
                    text.push_str(&format!(
                        "… and {hidden} more developers with unsigned commits (--format json lists every one)\n"
                    ));
                }
                let failing = violations.iter().filter(|v| v.fails).count();
                text.push_str(&format!(
                    "\n{} violations, {failing} failing the check{}.\n",
                    violations.len(),
                    if failing == 0 {
                        " (unapproved tools are reported; set thresholds.fail_on_unapproved = true to fail on them)"
                    } else {
                        ""
                    }
                ));
            }
            output::emit(&text)?;
        }
    }
    Ok(if failed { EXIT_VIOLATIONS } else { 0 })
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
