//! `known-compromised-action`: a `uses:` that names an action at a ref or commit known to
//! have served malicious code.
//!
//! Why: when an action is compromised, the first question is "who ran it at the bad
//! version?". Pinning to a SHA protects against future moves, but a SHA taken during the
//! incident *is* the malicious commit. The list is data (`data/compromised-actions.toml`,
//! extendable through [`crate::ci::AuditConfig::compromised_actions`]), so it can be updated
//! on the day of an incident without a code change.

use crate::ci::Ctx;
use crate::ci::data::embedded_compromised_actions;
use crate::ci::finding::{Confidence, Severity};
use crate::ci::model::{Uses, parse_uses};
use crate::ci::rules::{Rule, rule};
use crate::ci::yaml::Node;

rule! {
    /// See the module documentation.
    KnownCompromisedAction {
        id: "known-compromised-action",
        severity: Critical,
        platform: GithubActions,
        description: "action referenced at a version known to be compromised",
        help: "Move to a fixed release pinned by commit SHA, and treat every secret the affected workflows could read as leaked: rotate them and review the workflow logs of the incident window.",
    }
}

impl KnownCompromisedAction {
    fn check(&self, node: &Node, cx: &mut Ctx<'_>) {
        let Some(text) = node.as_str() else {
            return;
        };
        let Uses::Repo(repo) = parse_uses(text) else {
            return;
        };
        let extra = &cx.config().compromised_actions;
        let hit = embedded_compromised_actions()
            .iter()
            .chain(extra.iter())
            .find(|a| a.matches(&repo))
            .cloned();
        if let Some(advisory) = hit {
            let ids = std::iter::once(advisory.advisory.as_str())
                .chain(advisory.aliases.iter().map(String::as_str))
                .collect::<Vec<_>>()
                .join(", ");
            cx.report(
                &Self::INFO,
                Severity::Critical,
                Confidence::High,
                node.span,
                format!(
                    "`{text}` is a known-compromised version ({ids}): {}",
                    advisory.summary
                ),
                text,
            );
        }
    }
}

impl Rule for KnownCompromisedAction {
    fn info(&self) -> &'static crate::ci::RuleInfo {
        &Self::INFO
    }

    fn uses(&self, node: &Node, cx: &mut Ctx<'_>) {
        self.check(node, cx);
    }
}

#[cfg(test)]
mod tests {
    use crate::ci::rules::testing::{with_config, workflow};
    use crate::ci::{AuditConfig, CompromisedAction};

    #[test]
    fn flags_bad_tags_and_shas() {
        let found = workflow(
            "known-compromised-action",
            "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: tj-actions/changed-files@v44.5.1\n      - uses: tj-actions/changed-files@0e58ed8671d6b60d0890c21b07f8835ace038e67\n      - uses: reviewdog/action-setup@v1\n      - uses: tj-actions/changed-files@v46.0.1\n      - uses: actions/checkout@v4\n",
        );
        assert_eq!(found.len(), 3);
        assert!(found[0].message.contains("GHSA-mrrh-fwg8-r2c3"));
        assert!(found[2].message.contains("CVE-2025-30154"));
        assert_eq!(found[0].severity, crate::ci::Severity::Critical);
    }

    #[test]
    fn user_entries_extend_the_list() {
        let config = AuditConfig {
            compromised_actions: vec![CompromisedAction {
                name: "evil/action".into(),
                advisory: "GHSA-test".into(),
                aliases: vec![],
                summary: "test".into(),
                bad_shas: vec![],
                bad_refs: vec!["v2".into()],
                bad_ref_prefixes: vec![],
            }],
            ..AuditConfig::default()
        };
        let yaml = "on: push\njobs:\n  a:\n    uses: evil/action/.github/workflows/x.yml@v2\n  b:\n    uses: evil/action/.github/workflows/x.yml@v3\n";
        assert_eq!(
            with_config(
                "known-compromised-action",
                ".github/workflows/x.yml",
                yaml,
                &config
            )
            .len(),
            1
        );
        assert!(workflow("known-compromised-action", yaml).is_empty());
    }
}
