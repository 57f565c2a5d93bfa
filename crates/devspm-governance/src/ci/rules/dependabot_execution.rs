//! `dependabot-execution`: Dependabot allowed to run code from dependencies while updating.
//!
//! Why: `insecure-external-code-execution: allow` lets package-manager hooks of the
//! dependencies being updated run during Dependabot's update job, with access to the
//! private registries configured for it. A malicious new version then runs before anyone
//! has reviewed the pull request.

use crate::ci::Ctx;
use crate::ci::finding::{Confidence, Severity};
use crate::ci::rules::{Rule, rule};
use crate::ci::yaml::Node;

rule! {
    /// See the module documentation.
    DependabotExecution {
        id: "dependabot-execution",
        severity: High,
        platform: Dependabot,
        description: "Dependabot may execute dependency code during updates",
        help: "Remove `insecure-external-code-execution: allow` (the default is `deny`).",
    }
}

impl Rule for DependabotExecution {
    fn info(&self) -> &'static crate::ci::RuleInfo {
        &Self::INFO
    }

    fn dependabot(&self, root: &Node, cx: &mut Ctx<'_>) {
        for update in root.get("updates").map(Node::items).unwrap_or_default() {
            let Some(setting) = update.get("insecure-external-code-execution") else {
                continue;
            };
            if setting.as_str() == Some("allow") {
                let ecosystem = update
                    .get("package-ecosystem")
                    .and_then(Node::as_str)
                    .unwrap_or("?");
                cx.report(
                    &Self::INFO,
                    Severity::High,
                    Confidence::High,
                    setting.span,
                    format!("Dependabot updates for `{ecosystem}` may run code from the dependencies they update"),
                    "insecure-external-code-execution: allow",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ci::AuditConfig;
    use crate::ci::rules::testing::with_config;

    #[test]
    fn allow_is_flagged() {
        let yaml = "version: 2\nupdates:\n  - package-ecosystem: bundler\n    directory: /\n    insecure-external-code-execution: allow\n  - package-ecosystem: npm\n    directory: /\n    insecure-external-code-execution: deny\n";
        let found = with_config(
            "dependabot-execution",
            ".github/dependabot.yml",
            yaml,
            &AuditConfig::default(),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, 5);
    }
}
