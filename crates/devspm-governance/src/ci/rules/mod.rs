//! The rules, one per file, and the single list that registers them.
//!
//! Each rule implements [`Rule`]. Its methods go from coarse to fine — workflow → job →
//! step, plus action, GitLab and Dependabot entry points — and the defaults walk down the
//! levels, so a rule overrides only the level it needs (a step rule writes `step` and is
//! called for workflow steps and composite-action steps alike).

use crate::ci::expr::extract_fenced;
use crate::ci::finding::{Platform, RuleInfo};
use crate::ci::model::{Action, Job, Step, Workflow};
use crate::ci::yaml::Node;
use crate::ci::{Ctx, FileKind};

mod artipacked;
mod cache_poisoning;
mod curl_pipe_shell;
mod dangerous_triggers;
mod dependabot_execution;
mod excessive_permissions;
mod gitlab_echoed_variables;
mod gitlab_unpinned_include;
mod insecure_commands;
mod known_compromised_action;
mod secrets_inherit;
mod secrets_tojson;
mod self_hosted_runner;
mod template_injection;
pub(crate) mod unauditable_file;
mod unpinned_images;
mod unpinned_uses;
mod use_trusted_publishing;

/// A rule. See the module docs for how the levels fit together.
pub(crate) trait Rule: Sync {
    /// Id, description, severity, help.
    fn info(&self) -> &'static RuleInfo;

    /// Audit a whole workflow. Default: each job.
    fn workflow(&self, workflow: &Workflow<'_>, cx: &mut Ctx<'_>) {
        for job in workflow.jobs() {
            self.job(&job, cx);
        }
    }

    /// Audit one job. Default: the job's `uses:` (a reusable workflow), then each step.
    fn job(&self, job: &Job<'_>, cx: &mut Ctx<'_>) {
        if let Some(node) = job.uses() {
            self.uses(node, cx);
        }
        for step in job.steps() {
            self.step(&step, cx);
        }
    }

    /// Audit one step of a job or of a composite action. Default: its `uses:`.
    fn step(&self, step: &Step<'_>, cx: &mut Ctx<'_>) {
        if let Some((node, _)) = step.uses() {
            self.uses(node, cx);
        }
    }

    /// Audit one `uses:` value, of a step (an action) or of a job (a reusable workflow).
    fn uses(&self, _node: &Node, _cx: &mut Ctx<'_>) {}

    /// Audit an action definition. Default: each composite step.
    fn action(&self, action: &Action<'_>, cx: &mut Ctx<'_>) {
        for step in action.steps() {
            self.step(&step, cx);
        }
    }

    /// Audit a GitLab CI file.
    fn gitlab(&self, _root: &Node, _cx: &mut Ctx<'_>) {}

    /// Audit a Dependabot configuration.
    fn dependabot(&self, _root: &Node, _cx: &mut Ctx<'_>) {}
}

/// Declares a rule type and its [`RuleInfo`].
macro_rules! rule {
    (
        $(#[$doc:meta])*
        $ty:ident {
            id: $id:literal,
            severity: $sev:ident,
            platform: $plat:ident,
            description: $desc:literal,
            help: $help:literal $(,)?
        }
    ) => {
        $(#[$doc])*
        pub(crate) struct $ty;

        impl $ty {
            pub(crate) const INFO: $crate::ci::finding::RuleInfo = $crate::ci::finding::RuleInfo {
                id: $id,
                description: $desc,
                default_severity: $crate::ci::finding::Severity::$sev,
                help: $help,
                platform: $crate::ci::finding::Platform::$plat,
            };
        }
    };
}
pub(crate) use rule;

/// Every rule, in the order they are documented.
static RULES: &[&dyn Rule] = &[
    &unpinned_uses::UnpinnedUses,
    &known_compromised_action::KnownCompromisedAction,
    &dangerous_triggers::DangerousTriggers,
    &template_injection::TemplateInjection,
    &excessive_permissions::ExcessivePermissions,
    &secrets_inherit::SecretsInherit,
    &secrets_tojson::SecretsToJson,
    &artipacked::Artipacked,
    &cache_poisoning::CachePoisoning,
    &unpinned_images::UnpinnedImages,
    &curl_pipe_shell::CurlPipeShell,
    &self_hosted_runner::SelfHostedRunner,
    &use_trusted_publishing::UseTrustedPublishing,
    &insecure_commands::InsecureCommands,
    &gitlab_unpinned_include::GitlabUnpinnedInclude,
    &gitlab_echoed_variables::GitlabEchoedVariables,
    &dependabot_execution::DependabotExecution,
    &unauditable_file::UnauditableFile,
];

/// The registered rules.
pub(crate) fn all() -> &'static [&'static dyn Rule] {
    RULES
}

/// Run every enabled rule that applies to `kind` over `root`.
pub(crate) fn run(kind: FileKind, root: &Node, cx: &mut Ctx<'_>) {
    if matches!(
        kind,
        FileKind::Workflow | FileKind::Action | FileKind::GitlabCi
    ) {
        warn_unterminated_expressions(root, cx);
    }
    let disabled = cx.config().disable.clone();
    for rule in RULES {
        let info = rule.info();
        if disabled.iter().any(|d| d == info.id) {
            continue;
        }
        let applies = matches!(
            (kind, info.platform),
            (
                FileKind::Workflow | FileKind::Action,
                Platform::GithubActions | Platform::Both
            ) | (FileKind::GitlabCi, Platform::GitlabCi | Platform::Both)
                | (FileKind::Dependabot, Platform::Dependabot)
        );
        if !applies {
            continue;
        }
        match kind {
            FileKind::Workflow => rule.workflow(&Workflow { root }, cx),
            FileKind::Action => rule.action(&Action { root }, cx),
            FileKind::GitlabCi => rule.gitlab(root, cx),
            FileKind::Dependabot => rule.dependabot(root, cx),
        }
    }
}

fn warn_unterminated_expressions(root: &Node, cx: &mut Ctx<'_>) {
    let mut problems = Vec::new();
    root.walk_scalars(&mut |node| {
        if let Some(text) = node.as_str()
            && let (_, Some(offset)) = extract_fenced(text)
        {
            let span = cx.span_within(node, offset, "${{");
            problems.push(span.start.line);
        }
    });
    for line in problems {
        cx.warn(
            line,
            "`${{` without a closing `}}`; the rest of this value is not checked for expressions",
        );
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for rule unit tests: audit a snippet and list what one rule found.

    use crate::ci::{AuditConfig, CiFinding, audit_bytes};

    /// Findings of `rule` in a workflow.
    pub(crate) fn workflow(rule: &str, yaml: &str) -> Vec<CiFinding> {
        with_config(
            rule,
            ".github/workflows/test.yml",
            yaml,
            &AuditConfig::default(),
        )
    }

    /// Findings of `rule` in an action.
    pub(crate) fn action(rule: &str, yaml: &str) -> Vec<CiFinding> {
        with_config(rule, "action.yml", yaml, &AuditConfig::default())
    }

    /// Findings of `rule` in a GitLab CI file.
    pub(crate) fn gitlab(rule: &str, yaml: &str) -> Vec<CiFinding> {
        with_config(rule, ".gitlab-ci.yml", yaml, &AuditConfig::default())
    }

    /// Findings of `rule` for a file at `path` with `config`.
    pub(crate) fn with_config(
        rule: &str,
        path: &str,
        yaml: &str,
        config: &AuditConfig,
    ) -> Vec<CiFinding> {
        let report = audit_bytes(path, yaml.as_bytes(), config);
        assert!(
            report
                .warnings
                .iter()
                .all(|w| !w.message.contains("not audited")),
            "test input did not parse: {:?}",
            report.warnings
        );
        report
            .findings
            .into_iter()
            .filter(|f| f.rule_id == rule)
            .collect()
    }
}
