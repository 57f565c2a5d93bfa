//! `secrets-inherit`: a reusable-workflow call with `secrets: inherit`.
//!
//! Why: `inherit` passes *every* secret of the caller — including ones added later for
//! unrelated jobs — to the called workflow, which may live in another repository and change
//! under you. Passing the few secrets it needs by name keeps the blast radius small. Calls of
//! a workflow in the same repository (`./…`, `$/…`) are reported low: same code review, but
//! still more secrets than the callee needs.

use crate::ci::Ctx;
use crate::ci::finding::{Confidence, Severity};
use crate::ci::model::{Job, Uses, parse_uses};
use crate::ci::rules::{Rule, rule};

rule! {
    /// See the module documentation.
    SecretsInherit {
        id: "secrets-inherit",
        severity: Medium,
        platform: GithubActions,
        description: "reusable workflow called with all of the caller's secrets",
        help: "Replace `secrets: inherit` with the secrets the called workflow needs, passed by name (`secrets: { token: ${{ secrets.DEPLOY_TOKEN }} }`).",
    }
}

impl Rule for SecretsInherit {
    fn info(&self) -> &'static crate::ci::RuleInfo {
        &Self::INFO
    }

    fn job(&self, job: &Job<'_>, cx: &mut Ctx<'_>) {
        let (Some(uses), Some(secrets)) = (job.uses(), job.node.get("secrets")) else {
            return;
        };
        if secrets.as_str() == Some("inherit") {
            let target = uses.as_str().unwrap_or_default();
            // A workflow of the same repository is reviewed with the caller: lower risk.
            let local = matches!(parse_uses(target), Uses::Local(_));
            cx.report(
                &Self::INFO,
                if local {
                    Severity::Low
                } else {
                    Severity::Medium
                },
                Confidence::High,
                uses.span,
                format!("job `{}` passes every secret to `{target}`", job.id),
                target,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ci::rules::testing::workflow;

    #[test]
    fn inherit_is_flagged_named_secrets_are_not() {
        let found = workflow(
            "secrets-inherit",
            "on: push\njobs:\n  a:\n    uses: o/r/.github/workflows/x.yml@v1\n    secrets: inherit\n  b:\n    uses: o/r/.github/workflows/x.yml@v1\n    secrets:\n      token: ${{ secrets.T }}\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, 4);
    }
}
