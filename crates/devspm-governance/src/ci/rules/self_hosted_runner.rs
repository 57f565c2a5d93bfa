//! `self-hosted-runner`: a job of a pull-request-triggered workflow runs on a self-hosted
//! runner.
//!
//! Why: on a public repository anyone can open a pull request, and a workflow started by it
//! runs the PR's code on the runner. GitHub-hosted runners are thrown away after each job;
//! self-hosted ones usually are not, so the code can persist on the machine, read other
//! jobs' secrets and reach the internal network. GitHub's own guidance is to never use
//! self-hosted runners with public repositories. Runner groups (`runs-on: { group: … }`)
//! are usually self-hosted, hence lower confidence.

use crate::ci::Ctx;
use crate::ci::finding::{Confidence, Severity};
use crate::ci::model::{Job, Workflow};
use crate::ci::rules::{Rule, rule};

rule! {
    /// See the module documentation.
    SelfHostedRunner {
        id: "self-hosted-runner",
        severity: High,
        platform: GithubActions,
        description: "pull-request-triggered job runs on a self-hosted runner",
        help: "Run pull-request workflows on GitHub-hosted or ephemeral, isolated runners; if self-hosted runners are required, require approval for all outside contributors and use just-in-time runners.",
    }
}

fn self_hosted_labels(job: &Job<'_>) -> Option<(Confidence, String)> {
    let runs_on = job.node.get("runs-on")?;
    if runs_on.get("group").is_some() {
        let group = runs_on
            .get("group")
            .and_then(|g| g.as_str())
            .unwrap_or_default();
        return Some((Confidence::Low, format!("runner group `{group}`")));
    }
    let labels = runs_on.get("labels").unwrap_or(runs_on);
    let texts: Vec<&str> = labels
        .str_or_seq()
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    if texts.iter().any(|t| t.eq_ignore_ascii_case("self-hosted")) {
        return Some((Confidence::High, texts.join(", ")));
    }
    // `runs-on: ${{ matrix.os }}` with a literal matrix that lists a self-hosted label.
    let matrix_key = texts.iter().find_map(|t| {
        t.trim()
            .strip_prefix("${{")?
            .strip_suffix("}}")?
            .trim()
            .strip_prefix("matrix.")
            .map(str::to_owned)
    })?;
    let matrix = job.matrix()?;
    let mut found = false;
    let check = |n: &crate::ci::yaml::Node| {
        n.str_or_seq().iter().any(|v| {
            v.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("self-hosted"))
        })
    };
    if let Some(values) = matrix.get(&matrix_key) {
        found |= values.items().iter().any(check);
    }
    for include in matrix.get("include").map(|i| i.items()).unwrap_or_default() {
        found |= include.get(&matrix_key).is_some_and(check);
    }
    found.then(|| {
        (
            Confidence::High,
            format!("matrix.{matrix_key} includes self-hosted"),
        )
    })
}

impl Rule for SelfHostedRunner {
    fn info(&self) -> &'static crate::ci::RuleInfo {
        &Self::INFO
    }

    fn workflow(&self, workflow: &Workflow<'_>, cx: &mut Ctx<'_>) {
        if !workflow.pr_triggered() {
            return;
        }
        for job in workflow.jobs() {
            if let Some((confidence, labels)) = self_hosted_labels(&job) {
                let at = job
                    .node
                    .get_entry("runs-on")
                    .map_or(job.id_node.span, |(k, _)| k.span);
                cx.report(
                    &Self::INFO,
                    Severity::High,
                    confidence,
                    at,
                    format!("job `{}` of a pull-request-triggered workflow runs on a self-hosted runner ({labels})", job.id),
                    &labels,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ci::rules::testing::workflow;

    #[test]
    fn pr_workflows_on_self_hosted() {
        let found = workflow(
            "self-hosted-runner",
            "on: pull_request\njobs:\n  a:\n    runs-on: [self-hosted, linux]\n    steps: [{run: x}]\n  b:\n    runs-on: ubuntu-latest\n    steps: [{run: x}]\n  c:\n    runs-on:\n      group: big\n    steps: [{run: x}]\n  d:\n    strategy:\n      matrix:\n        os: [ubuntu-latest, self-hosted]\n    runs-on: ${{ matrix.os }}\n    steps: [{run: x}]\n",
        );
        assert_eq!(
            found.iter().map(|f| f.line).collect::<Vec<_>>(),
            [4, 10, 17]
        );
    }

    #[test]
    fn push_only_workflows_are_clean() {
        assert!(
            workflow(
                "self-hosted-runner",
                "on: push\njobs:\n  a:\n    runs-on: self-hosted\n    steps: [{run: x}]\n"
            )
            .is_empty()
        );
    }
}
