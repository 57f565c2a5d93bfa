//! `insecure-commands`: `ACTIONS_ALLOW_UNSECURE_COMMANDS` re-enables the deprecated
//! `::set-env` and `::add-path` workflow commands.
//!
//! Why: with them enabled, anything a step prints — including attacker-controlled text
//! such as an issue title echoed into the log — can set environment variables (e.g.
//! `LD_PRELOAD`, `NODE_OPTIONS`) or prepend to `PATH` for every later step. GitHub disabled
//! them in 2020 for this reason (CVE-2020-15228).

use crate::ci::Ctx;
use crate::ci::finding::{Confidence, Severity};
use crate::ci::model::{Action, Job, Step, Workflow};
use crate::ci::rules::{Rule, rule};
use crate::ci::yaml::Node;

rule! {
    /// See the module documentation.
    InsecureCommands {
        id: "insecure-commands",
        severity: High,
        platform: GithubActions,
        description: "deprecated, injectable workflow commands are re-enabled",
        help: "Remove `ACTIONS_ALLOW_UNSECURE_COMMANDS`; write to the `$GITHUB_ENV` and `$GITHUB_PATH` files instead of `::set-env` / `::add-path`.",
    }
}

fn check_env(env: Option<&Node>, level: &str, cx: &mut Ctx<'_>) {
    let Some((key, value)) = env.and_then(|e| e.get_entry("ACTIONS_ALLOW_UNSECURE_COMMANDS"))
    else {
        return;
    };
    // The runner parses the value as a .NET boolean: only `true` (any case) enables it.
    let enabled = value
        .as_str()
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if enabled {
        cx.report(
            &InsecureCommands::INFO,
            Severity::High,
            Confidence::High,
            key.span,
            format!(
                "{level} enables `::set-env` and `::add-path` (ACTIONS_ALLOW_UNSECURE_COMMANDS)"
            ),
            &format!(
                "ACTIONS_ALLOW_UNSECURE_COMMANDS: {}",
                value.as_str().unwrap_or_default()
            ),
        );
    }
}

impl Rule for InsecureCommands {
    fn info(&self) -> &'static crate::ci::RuleInfo {
        &Self::INFO
    }

    fn workflow(&self, workflow: &Workflow<'_>, cx: &mut Ctx<'_>) {
        check_env(workflow.env(), "workflow", cx);
        for job in workflow.jobs() {
            self.job(&job, cx);
        }
    }

    fn job(&self, job: &Job<'_>, cx: &mut Ctx<'_>) {
        check_env(job.node.get("env"), &format!("job `{}`", job.id), cx);
        for step in job.steps() {
            self.step(&step, cx);
        }
    }

    fn step(&self, step: &Step<'_>, cx: &mut Ctx<'_>) {
        check_env(step.env(), &format!("step `{}`", step.label()), cx);
    }

    fn action(&self, action: &Action<'_>, cx: &mut Ctx<'_>) {
        for step in action.steps() {
            self.step(&step, cx);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ci::rules::testing::workflow;

    #[test]
    fn flags_enabled_at_any_level() {
        let found = workflow(
            "insecure-commands",
            "on: push\nenv:\n  ACTIONS_ALLOW_UNSECURE_COMMANDS: true\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: x\n        env:\n          ACTIONS_ALLOW_UNSECURE_COMMANDS: 'TRUE'\n      - run: y\n        env:\n          ACTIONS_ALLOW_UNSECURE_COMMANDS: false\n      - run: z\n        env:\n          ACTIONS_ALLOW_UNSECURE_COMMANDS: yes\n",
        );
        assert_eq!(found.iter().map(|f| f.line).collect::<Vec<_>>(), [3, 10]);
    }
}
