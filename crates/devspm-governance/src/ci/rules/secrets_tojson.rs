//! `secrets-tojson`: `toJSON(secrets)` or `secrets[<computed name>]` anywhere in a workflow or
//! action.
//!
//! Why: GitHub only provides a job with the secrets it names. `toJSON(secrets)` names them
//! all, and a computed index (`secrets[format('TOKEN_{0}', matrix.env)]`) makes every secret
//! reachable, so one leak exposes everything. Masking also fails for values embedded in
//! JSON.

use crate::ci::Ctx;
use crate::ci::expr::{Expr, extract_fenced};
use crate::ci::finding::{Confidence, Severity};
use crate::ci::model::{Action, Workflow};
use crate::ci::rules::{Rule, rule};
use crate::ci::yaml::Node;

rule! {
    /// See the module documentation.
    SecretsToJson {
        id: "secrets-tojson",
        severity: Medium,
        platform: GithubActions,
        description: "the whole secrets context is exposed to the job",
        help: "Reference each secret by name (`${{ secrets.NPM_TOKEN }}`); replace computed lookups with explicit per-environment secrets or environments.",
    }
}

impl SecretsToJson {
    fn scan(&self, root: &Node, cx: &mut Ctx<'_>) {
        let mut hits = Vec::new();
        root.walk_scalars(&mut |node| {
            let Some(text) = node.as_str() else { return };
            if !text.contains("${{") {
                return;
            }
            for fenced in extract_fenced(text).0 {
                if Expr::parse(fenced.inner).is_ok_and(|e| e.exposes_all_secrets()) {
                    hits.push((node, fenced.offset, fenced.raw));
                }
            }
        });
        for (node, offset, raw) in hits {
            let span = cx.span_within(node, offset, raw);
            cx.report(
                &Self::INFO,
                Severity::Medium,
                Confidence::High,
                span,
                "expression gives the job access to every secret of the repository",
                raw,
            );
        }
    }
}

impl Rule for SecretsToJson {
    fn info(&self) -> &'static crate::ci::RuleInfo {
        &Self::INFO
    }

    fn workflow(&self, workflow: &Workflow<'_>, cx: &mut Ctx<'_>) {
        self.scan(workflow.root, cx);
    }

    fn action(&self, action: &Action<'_>, cx: &mut Ctx<'_>) {
        self.scan(action.root, cx);
    }
}

#[cfg(test)]
mod tests {
    use crate::ci::rules::testing::workflow;

    #[test]
    fn tojson_and_dynamic_index() {
        let found = workflow(
            "secrets-tojson",
            "on: push\njobs:\n  a:\n    runs-on: x\n    env:\n      ALL: ${{ toJSON(secrets) }}\n      ONE: ${{ secrets[format('T_{0}', matrix.e)] }}\n      OK: ${{ secrets.TOKEN }}\n      OK2: ${{ toJSON(github) }}\n    steps: [{run: x}]\n",
        );
        assert_eq!(found.iter().map(|f| f.line).collect::<Vec<_>>(), [6, 7]);
    }
}
