//! `artipacked`: `actions/checkout` that leaves the job's token in `.git/config`.
//!
//! Why: by default `actions/checkout` persists the `GITHUB_TOKEN` (or the PAT it was given)
//! in the checkout so later `git push` works. Every later step can read it, and an
//! `actions/upload-artifact` of the workspace publishes it to anyone who can download the
//! artifact — the "ArtiPACKED" research (Palo Alto Unit 42, 2024) found this in major
//! projects. Severity is high when a later step in the same job uploads the workspace,
//! medium otherwise, and low for checkout v6+, which keeps the credential outside `.git/`.

use crate::ci::Ctx;
use crate::ci::expr::extract_fenced;
use crate::ci::finding::{Confidence, Severity};
use crate::ci::model::{Step, major_version};
use crate::ci::rules::{Rule, rule};

rule! {
    /// See the module documentation.
    Artipacked {
        id: "artipacked",
        severity: Medium,
        platform: GithubActions,
        description: "checkout persists credentials that later steps or artifacts can leak",
        help: "Add `with: { persist-credentials: false }` to `actions/checkout`; jobs that must push can pass the token explicitly to the push step. Never upload the whole workspace as an artifact.",
    }
}

/// `true` when an upload-artifact path includes the workspace root (and so `.git/config`).
fn uploads_workspace(step: &Step<'_>) -> bool {
    if !step.uses_action("actions/upload-artifact") {
        return false;
    }
    let Some(path) = step.with("path").and_then(|n| n.as_str()) else {
        return false;
    };
    path.lines().map(str::trim).any(|p| {
        matches!(p, "." | "./" | ".." | "../" | "*" | "**")
            || extract_fenced(p)
                .0
                .iter()
                .any(|e| e.inner.contains("github.workspace") && p.trim_end_matches('/') == e.raw)
    })
}

fn check_steps(steps: &[Step<'_>], cx: &mut Ctx<'_>) {
    for (i, step) in steps.iter().enumerate() {
        let Some((uses_node, repo)) = step.repo_uses() else {
            continue;
        };
        if !repo.is("actions/checkout") {
            continue;
        }
        let persist = step.with("persist-credentials");
        let explicit_true = match persist {
            Some(node) => match node.as_bool() {
                Some(false) => continue,
                Some(true) => true,
                None if node.as_str().is_some_and(|t| t.contains("${{")) => continue,
                None => false,
            },
            None => false,
        };
        let leaked_by_upload = steps[i + 1..].iter().any(uploads_workspace);
        // The version: a tag ref, or the `# v6.0.0` comment next to a SHA pin.
        let version = repo
            .git_ref
            .and_then(major_version)
            .or_else(|| cx.trailing_comment(uses_node).and_then(major_version));
        let v6_or_later = version.is_some_and(|v| v >= 6);
        let (severity, confidence, detail) = if leaked_by_upload {
            (
                Severity::High,
                Confidence::High,
                "and a later step uploads the workspace as an artifact",
            )
        } else if explicit_true {
            (
                Severity::Low,
                Confidence::Low,
                "(`persist-credentials: true` is set explicitly)",
            )
        } else if v6_or_later {
            (
                Severity::Low,
                Confidence::Low,
                "where any later step can read it",
            )
        } else {
            (
                Severity::Medium,
                Confidence::Low,
                "where any later step can read it",
            )
        };
        cx.report(
            &Artipacked::INFO,
            severity,
            confidence,
            step.node.span,
            format!("checkout does not set `persist-credentials: false`, so the token stays in the workspace {detail}"),
            uses_node.as_str().unwrap_or_default(),
        );
    }
}

impl Rule for Artipacked {
    fn info(&self) -> &'static crate::ci::RuleInfo {
        &Self::INFO
    }

    fn job(&self, job: &crate::ci::model::Job<'_>, cx: &mut Ctx<'_>) {
        check_steps(&job.steps(), cx);
    }

    fn action(&self, action: &crate::ci::model::Action<'_>, cx: &mut Ctx<'_>) {
        check_steps(&action.steps(), cx);
    }
}

#[cfg(test)]
mod tests {
    use crate::ci::Severity;
    use crate::ci::rules::testing::workflow;

    #[test]
    fn checkout_then_upload_is_high() {
        let found = workflow(
            "artipacked",
            "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/upload-artifact@v4\n        with:\n          path: .\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::High);
        assert_eq!(found[0].line, 6);
    }

    #[test]
    fn plain_checkout_is_medium_and_v6_low() {
        let found = workflow(
            "artipacked",
            "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/checkout@v6\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n      - uses: actions/upload-artifact@v4\n        with:\n          path: dist/\n",
        );
        assert_eq!(
            found.iter().map(|f| f.severity).collect::<Vec<_>>(),
            [Severity::Medium, Severity::Low, Severity::Medium]
        );
    }

    #[test]
    fn persist_false_is_clean() {
        let found = workflow(
            "artipacked",
            "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: ${{ inputs.push }}\n",
        );
        assert!(found.is_empty());
    }
}
