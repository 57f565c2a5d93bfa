//! `excessive-permissions`: the `GITHUB_TOKEN` a workflow hands its jobs is broader than it
//! needs to be.
//!
//! Why: every step of a job — including third-party actions and anything they download —
//! can use the job's token. With `write-all`, or with write scopes granted at the workflow
//! level (so every job inherits them), one compromised dependency can push code, publish
//! releases or rewrite issues. Without any `permissions:` block the token gets the
//! repository's default, which is read/write on older repositories and organisations: we
//! cannot see that setting from the file, hence medium confidence.
//!
//! Reported: `write-all` (high) at any level; `read-all` (low) on jobs, and on the workflow
//! when its grant reaches several jobs; each `write` scope at the workflow level when the
//! workflow has several jobs that do not all declare their own; and a missing block, once per job that has none when the workflow has
//! none either, plus once for the workflow when it has several jobs that do not all declare
//! their own (the same shape as zizmor, so the two tools' counts compare).

use crate::ci::Ctx;
use crate::ci::finding::{Confidence, Severity};
use crate::ci::model::Workflow;
use crate::ci::rules::{Rule, rule};
use crate::ci::yaml::Node;

rule! {
    /// See the module documentation.
    ExcessivePermissions {
        id: "excessive-permissions",
        severity: Medium,
        platform: GithubActions,
        description: "workflow or job token permissions broader than needed",
        help: "Add `permissions: {}` (or `contents: read`) at the top of the workflow and grant write scopes only on the jobs that need them.",
    }
}

/// Severity of a `write` grant per scope: scopes that let the token change code, releases,
/// packages, deployments or identity are high.
fn scope_severity(scope: &str) -> Severity {
    match scope {
        "actions" | "attestations" | "contents" | "deployments" | "id-token" | "issues"
        | "packages" | "pages" | "pull-requests" => Severity::High,
        "models" | "statuses" => Severity::Low,
        _ => Severity::Medium,
    }
}

impl ExcessivePermissions {
    fn check_base(&self, perms: &Node, level: &str, cx: &mut Ctx<'_>) {
        match perms.as_str() {
            Some("write-all") => cx.report(
                &Self::INFO,
                Severity::High,
                Confidence::High,
                perms.span,
                format!("{level} uses `write-all` permissions"),
                "permissions: write-all",
            ),
            Some("read-all") => cx.report(
                &Self::INFO,
                Severity::Low,
                Confidence::High,
                perms.span,
                format!("{level} uses `read-all` permissions"),
                "permissions: read-all",
            ),
            _ => {}
        }
    }
}

impl Rule for ExcessivePermissions {
    fn info(&self) -> &'static crate::ci::RuleInfo {
        &Self::INFO
    }

    fn workflow(&self, workflow: &Workflow<'_>, cx: &mut Ctx<'_>) {
        let jobs = workflow.jobs();
        let reusable_only = workflow.is_reusable_only();
        let all_jobs_declare = jobs.iter().all(|j| j.permissions().is_some());
        // Workflow-level grants matter when they reach jobs: with one job, or when every job
        // declares its own block, the workflow level is equivalent to (or overridden by) the
        // job level, so only `write-all` is reported there (as zizmor's default persona does).
        let workflow_level_reaches_jobs = jobs.len() > 1 && !all_jobs_declare && !reusable_only;
        match workflow.permissions() {
            Some(perms) => {
                if workflow_level_reaches_jobs || perms.as_str() == Some("write-all") {
                    self.check_base(perms, "workflow", cx);
                }
                for (scope, grant) in perms.entries() {
                    if !workflow_level_reaches_jobs {
                        break;
                    }
                    let (Some(scope), Some("write")) = (scope.as_str(), grant.as_str()) else {
                        continue;
                    };
                    cx.report(
                        &Self::INFO,
                        scope_severity(scope),
                        Confidence::High,
                        grant.span,
                        format!("`{scope}: write` at the workflow level applies to every job"),
                        &format!("{scope}: write"),
                    );
                }
            }
            None => {
                if workflow_level_reaches_jobs {
                    let at = workflow.on().map_or(workflow.root.span, |(k, _)| k.span);
                    cx.report(
                        &Self::INFO,
                        Severity::Medium,
                        Confidence::Medium,
                        at,
                        "workflow has no `permissions:` block; jobs without their own get the repository's default token",
                        "permissions: (none)",
                    );
                }
            }
        }
        for job in &jobs {
            match job.permissions() {
                Some(perms) => self.check_base(perms, &format!("job `{}`", job.id), cx),
                // A reusable-only workflow's normal jobs get their token from the caller; its
                // calls of *other* reusable workflows still need their own block.
                None if workflow.permissions().is_none() && (!reusable_only || job.uses().is_some()) => cx.report(
                    &Self::INFO,
                    Severity::Medium,
                    Confidence::Medium,
                    job.id_node.span,
                    format!("job `{}` runs with the default token permissions (no `permissions:` here or at the workflow level)", job.id),
                    "permissions: (none)",
                ),
                None => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ci::Severity;
    use crate::ci::rules::testing::workflow;

    #[test]
    fn write_all_and_workflow_write_scopes() {
        let found = workflow(
            "excessive-permissions",
            "on: push\npermissions:\n  contents: write\n  statuses: write\n  issues: read\njobs:\n  a:\n    runs-on: x\n    permissions: write-all\n    steps: [{run: x}]\n  b:\n    runs-on: x\n    steps: [{run: x}]\n",
        );
        let lines: Vec<_> = found.iter().map(|f| (f.line, f.severity)).collect();
        assert_eq!(
            lines,
            [(3, Severity::High), (4, Severity::Low), (9, Severity::High)]
        );
    }

    #[test]
    fn missing_permissions() {
        let two_jobs = "on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: x}]\n  b:\n    runs-on: x\n    permissions: {}\n    steps: [{run: x}]\n";
        let found = workflow("excessive-permissions", two_jobs);
        assert_eq!(found.iter().map(|f| f.line).collect::<Vec<_>>(), [1, 3]);
        let one_job = "on: push\njobs:\n  a:\n    runs-on: x\n    steps: [{run: x}]\n";
        assert_eq!(workflow("excessive-permissions", one_job).len(), 1);
    }

    #[test]
    fn single_job_workflow_level_grants_are_job_grants() {
        let one = "on: push\npermissions:\n  contents: write\njobs:\n  a:\n    runs-on: x\n    steps: [{run: x}]\n";
        assert!(workflow("excessive-permissions", one).is_empty());
        let all = "on: push\npermissions: write-all\njobs:\n  a:\n    runs-on: x\n    steps: [{run: x}]\n";
        assert_eq!(workflow("excessive-permissions", all).len(), 1);
    }

    #[test]
    fn minimal_permissions_and_reusable_workflows() {
        let ok = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    permissions:\n      contents: write\n    steps: [{run: x}]\n";
        assert!(workflow("excessive-permissions", ok).is_empty());
        let reusable = "on: workflow_call\njobs:\n  a:\n    runs-on: x\n    steps: [{run: x}]\n  b:\n    uses: o/r/.github/workflows/x.yml@v1\n";
        let found = workflow("excessive-permissions", reusable);
        assert_eq!(found.iter().map(|f| f.line).collect::<Vec<_>>(), [6]);
    }
}
