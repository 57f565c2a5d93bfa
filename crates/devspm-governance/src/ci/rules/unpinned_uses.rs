//! `unpinned-uses`: an action or reusable workflow referenced by a tag, a branch, or nothing,
//! instead of a full commit SHA.
//!
//! Why: a tag or branch is a pointer its owner (or whoever steals the owner's token) can move.
//! In March 2025 the tags of tj-actions/changed-files and reviewdog/action-setup were moved
//! to malicious commits and every workflow that used them by tag ran the payload on its next
//! run. A 40-hex SHA cannot be moved. Local actions (`./…`) come from the audited repository
//! itself and are fine. `docker://` images are covered here too: without an `@sha256:` digest
//! the image is as mutable as a tag.
//!
//! The per-owner policy ([`crate::ci::UnpinnedUsesConfig`]) lets an organisation accept tags
//! for publishers it trusts (e.g. `actions/*`), since hash-pinning everything has a cost.

use crate::ci::Ctx;
use crate::ci::config::UsesPolicy;
use crate::ci::finding::{Confidence, Severity};
use crate::ci::model::{Uses, parse_uses};
use crate::ci::rules::{Rule, rule};
use crate::ci::yaml::Node;

rule! {
    /// See the module documentation.
    UnpinnedUses {
        id: "unpinned-uses",
        severity: High,
        platform: GithubActions,
        description: "action or reusable workflow not pinned to a full commit SHA",
        help: "Pin `uses:` to a full 40-character commit SHA and keep the tag in a comment (`uses: owner/repo@<sha> # v1.2.3`); Dependabot and Renovate update such pins. For `docker://` images, add an `@sha256:` digest.",
    }
}

impl UnpinnedUses {
    fn check(&self, node: &Node, cx: &mut Ctx<'_>) {
        let Some(text) = node.as_str() else {
            return;
        };
        match parse_uses(text) {
            Uses::Local(_) | Uses::Opaque(_) => {}
            Uses::Docker(image) => {
                if image.digest.is_none() {
                    cx.report(
                        &Self::INFO,
                        Severity::High,
                        Confidence::High,
                        node.span,
                        "docker:// action image is not pinned to a digest",
                        text,
                    );
                }
            }
            Uses::Repo(repo) => {
                let (policy, pattern) = cx
                    .config()
                    .unpinned_uses
                    .policy_for(repo.owner, repo.repo, repo.path);
                let why = pattern
                    .map_or_else(String::new, |p| format!(" (required by the `{p}` policy)"));
                let (violation, severity) = match (policy, repo.git_ref) {
                    (UsesPolicy::Any, _) => return,
                    (_, None) => ("has no ref at all", Severity::High),
                    (UsesPolicy::RefPin, Some(_)) => return,
                    (UsesPolicy::HashPin, Some(r)) if crate::ci::model::is_full_sha(r) => return,
                    (UsesPolicy::HashPin, Some(r)) if crate::ci::model::looks_like_branch(r) => {
                        ("is pinned to a branch, not a commit SHA", Severity::High)
                    }
                    (UsesPolicy::HashPin, Some(_)) => {
                        ("is pinned to a tag, not a commit SHA", Severity::Medium)
                    }
                };
                cx.report(
                    &Self::INFO,
                    severity,
                    Confidence::High,
                    node.span,
                    format!("`{}` {violation}{why}", repo.name()),
                    text,
                );
            }
        }
    }
}

impl Rule for UnpinnedUses {
    fn info(&self) -> &'static crate::ci::RuleInfo {
        &Self::INFO
    }

    fn uses(&self, node: &Node, cx: &mut Ctx<'_>) {
        self.check(node, cx);
    }
}

#[cfg(test)]
mod tests {
    use crate::ci::AuditConfig;
    use crate::ci::config::{UnpinnedUsesConfig, UsesPolicy};
    use crate::ci::rules::testing::{action, with_config, workflow};

    const WF: &str = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/cache@0400d5f644dc74513175e3cd8d07132dd4860809\n      - uses: ./local/action\n      - uses: some/action@main\n      - uses: docker://alpine:3.20\n      - uses: docker://alpine@sha256:1234\n      - uses: ${{ matrix.action }}\n  call:\n    uses: org/repo/.github/workflows/r.yml@v1\n  nothing:\n    runs-on: x\n    steps:\n      - uses: other/thing\n";

    #[test]
    fn flags_tags_branches_docker_and_reusable() {
        let found = workflow("unpinned-uses", WF);
        let evidence: Vec<_> = found.iter().map(|f| f.evidence.as_str()).collect();
        assert_eq!(
            evidence,
            [
                "actions/checkout@v4",
                "some/action@main",
                "docker://alpine:3.20",
                "org/repo/.github/workflows/r.yml@v1",
                "other/thing"
            ]
        );
        assert_eq!((found[0].line, found[0].column), (6, 15));
        assert_eq!(found[0].severity, crate::ci::Severity::Medium);
        assert_eq!(found[1].severity, crate::ci::Severity::High);
    }

    #[test]
    fn owner_policy_allows_tags() {
        let config = AuditConfig {
            unpinned_uses: UnpinnedUsesConfig {
                policies: [
                    ("actions/*".to_owned(), UsesPolicy::RefPin),
                    ("other/*".to_owned(), UsesPolicy::Any),
                ]
                .into(),
            },
            ..AuditConfig::default()
        };
        let found = with_config("unpinned-uses", ".github/workflows/x.yml", WF, &config);
        let evidence: Vec<_> = found.iter().map(|f| f.evidence.as_str()).collect();
        assert_eq!(
            evidence,
            [
                "some/action@main",
                "docker://alpine:3.20",
                "org/repo/.github/workflows/r.yml@v1"
            ]
        );
    }

    #[test]
    fn composite_actions_are_checked() {
        let found = action(
            "unpinned-uses",
            "name: x\nruns:\n  using: composite\n  steps:\n    - uses: a/b@v1\n    - uses: a/b@0400d5f644dc74513175e3cd8d07132dd4860809\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, 5);
    }

    #[test]
    fn sha_pinned_workflow_is_clean() {
        let found = workflow(
            "unpinned-uses",
            "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4\n      - run: echo\n",
        );
        assert!(found.is_empty());
    }
}
