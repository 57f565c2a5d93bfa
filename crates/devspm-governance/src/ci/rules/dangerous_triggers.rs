//! `dangerous-triggers`: `pull_request_target`, `workflow_run` and `issue_comment` workflows.
//!
//! Why: all three run in the context of the base repository — with a write-capable token and
//! access to secrets — while being started by someone else's pull request (or, for `issue_comment`, by anyone who can comment). As long as they
//! only look at metadata that is fine; the moment a job checks out or builds the PR's code
//! (or downloads artifacts produced by it), the PR author runs code with the repository's
//! privileges ("pwn request"). Almost every real-world use needs scrutiny, so each such
//! trigger is reported; the finding is raised to critical when a job visibly checks out or
//! fetches the pull request's head, or downloads the triggering run's artifacts.
//!
//! Exception (as in zizmor): a workflow whose only job is a single `actions/labeler` step.

use crate::ci::Ctx;
use crate::ci::finding::{Confidence, Severity};
use crate::ci::model::{Step, Workflow};
use crate::ci::rules::{Rule, rule};

rule! {
    /// See the module documentation.
    DangerousTriggers {
        id: "dangerous-triggers",
        severity: High,
        platform: GithubActions,
        description: "workflow triggered by pull_request_target, workflow_run or issue_comment",
        help: "Prefer `pull_request` (no secrets, read-only token). If the privileged trigger is needed, never check out, build or run the pull request's code in it, set `permissions:` to the minimum, and treat artifacts from the triggering run as untrusted input.",
    }
}

/// Expressions that name the untrusted head of a pull request or triggering run.
const UNTRUSTED_HEAD: &[&str] = &[
    "github.event.pull_request.head.sha",
    "github.event.pull_request.head.ref",
    "github.event.pull_request.head.repo.full_name",
    "github.head_ref",
    "github.event.workflow_run.head_sha",
    "github.event.workflow_run.head_branch",
    "github.event.workflow_run.head_repository.full_name",
    "refs/pull/",
    "pull/${{",
];

/// What an untrusted-code step does, if anything.
fn untrusted_code_step(step: &Step<'_>) -> Option<&'static str> {
    let mentions_head = |text: &str| {
        let lower = text.to_ascii_lowercase();
        UNTRUSTED_HEAD.iter().any(|m| lower.contains(m))
    };
    if step.uses_action("actions/checkout") {
        let with_ref = ["ref", "repository"]
            .iter()
            .filter_map(|k| step.with(k).and_then(|n| n.as_str()))
            .any(mentions_head);
        if with_ref {
            return Some("checks out the untrusted head");
        }
    }
    if step.uses_action("actions/download-artifact")
        || step.uses_action("dawidd6/action-download-artifact")
    {
        let from_run = step
            .with_node()
            .map(|w| {
                w.entries()
                    .iter()
                    .any(|(_, v)| v.as_str().is_some_and(|t| t.contains("workflow_run")))
            })
            .unwrap_or(false);
        if from_run || step.uses_action("dawidd6/action-download-artifact") {
            return Some("downloads artifacts of the triggering run");
        }
    }
    if let Some(run) = step.run().and_then(|n| n.as_str()) {
        let lower = run.to_ascii_lowercase();
        if lower.contains("gh pr checkout")
            || ((lower.contains("git fetch") || lower.contains("git checkout"))
                && mentions_head(run))
        {
            return Some("fetches the untrusted head");
        }
    }
    None
}

fn is_labeler_only(workflow: &Workflow<'_>) -> bool {
    let jobs = workflow.jobs();
    if jobs.len() != 1 {
        return false;
    }
    let steps = jobs[0].steps();
    steps.len() == 1 && steps[0].uses_action("actions/labeler")
}

impl Rule for DangerousTriggers {
    fn info(&self) -> &'static crate::ci::RuleInfo {
        &Self::INFO
    }

    fn workflow(&self, workflow: &Workflow<'_>, cx: &mut Ctx<'_>) {
        for trigger in workflow.triggers() {
            if !matches!(
                trigger.event,
                "pull_request_target" | "workflow_run" | "issue_comment"
            ) {
                continue;
            }
            if trigger.event == "pull_request_target" && is_labeler_only(workflow) {
                continue;
            }
            let evidence = workflow
                .jobs()
                .iter()
                .flat_map(|j| j.steps())
                .find_map(|s| untrusted_code_step(&s).map(|what| (what, s.label())));
            match evidence {
                Some((what, label)) => cx.report(
                    &Self::INFO,
                    Severity::Critical,
                    Confidence::High,
                    trigger.name_node.span,
                    format!("`{}` workflow {what} in step `{label}`", trigger.event),
                    trigger.event,
                ),
                None => cx.report(
                    &Self::INFO,
                    Severity::High,
                    Confidence::Medium,
                    trigger.name_node.span,
                    format!(
                        "`{}` runs with secrets and a write token for events from forks; it is almost always used insecurely",
                        trigger.event
                    ),
                    trigger.event,
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ci::Severity;
    use crate::ci::rules::testing::workflow;

    #[test]
    fn pwn_request_is_critical() {
        let found = workflow(
            "dangerous-triggers",
            "on:\n  pull_request_target:\n    types: [opened]\njobs:\n  t:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n      - run: make test\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Critical);
        assert_eq!(found[0].line, 2);
    }

    #[test]
    fn bare_privileged_triggers_are_high() {
        let found = workflow(
            "dangerous-triggers",
            "on: [workflow_run, push]\njobs:\n  t:\n    runs-on: x\n    steps:\n      - run: echo\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::High);
        let found = workflow(
            "dangerous-triggers",
            "on:\n  workflow_run:\n    workflows: [ci]\njobs:\n  t:\n    runs-on: x\n    steps:\n      - uses: actions/download-artifact@v4\n        with:\n          run-id: ${{ github.event.workflow_run.id }}\n",
        );
        assert_eq!(found[0].severity, Severity::Critical);
    }

    #[test]
    fn safe_triggers_and_labeler_are_clean() {
        assert!(workflow("dangerous-triggers", "on: pull_request\njobs:\n  t:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n").is_empty());
        assert!(workflow(
            "dangerous-triggers",
            "on: pull_request_target\njobs:\n  t:\n    runs-on: x\n    steps:\n      - uses: actions/labeler@v5\n"
        )
        .is_empty());
    }
}
