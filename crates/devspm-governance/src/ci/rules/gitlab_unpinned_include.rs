//! `gitlab-unpinned-include`: a GitLab CI `include:` of another project, a remote URL or a
//! CI/CD component that is not pinned to immutable content.
//!
//! Why: included configuration runs with the including project's variables and runners.
//! `project:` without `ref:` follows the other project's default branch; a tag or branch
//! `ref:` can be moved; a `remote:` URL can serve anything unless `integrity:` pins its
//! SHA-256; a component `@~latest` or `@<tag>` follows its publisher. Local includes and
//! GitLab's own `template:` files are part of the trusted base.

use crate::ci::Ctx;
use crate::ci::finding::{Confidence, Severity};
use crate::ci::gitlab::{Include, includes};
use crate::ci::model::is_full_sha;
use crate::ci::rules::{Rule, rule};
use crate::ci::yaml::Node;

rule! {
    /// See the module documentation.
    GitlabUnpinnedInclude {
        id: "gitlab-unpinned-include",
        severity: Medium,
        platform: GitlabCi,
        description: "GitLab CI include not pinned to immutable content",
        help: "Pin `project:` includes with `ref: <full commit SHA>`, add `integrity: sha256-…` to `remote:` includes, and reference components by commit SHA.",
    }
}

impl Rule for GitlabUnpinnedInclude {
    fn info(&self) -> &'static crate::ci::RuleInfo {
        &Self::INFO
    }

    fn gitlab(&self, root: &Node, cx: &mut Ctx<'_>) {
        for include in includes(root) {
            match include {
                Include::Project { project, git_ref } => {
                    let name = project.as_str().unwrap_or_default();
                    match git_ref.and_then(|r| r.as_str()) {
                        Some(r) if is_full_sha(r) => {}
                        Some(r) => cx.report(
                            &Self::INFO,
                            Severity::Medium,
                            Confidence::High,
                            git_ref.map_or(project.span, |n| n.span),
                            format!("include of project `{name}` is pinned to `{r}`, not a commit SHA"),
                            &format!("{name}@{r}"),
                        ),
                        None => cx.report(
                            &Self::INFO,
                            Severity::High,
                            Confidence::High,
                            project.span,
                            format!("include of project `{name}` has no `ref:` and follows its default branch"),
                            name,
                        ),
                    }
                }
                Include::Remote {
                    url,
                    has_integrity: false,
                } => {
                    let text = url.as_str().unwrap_or_default();
                    cx.report(
                        &Self::INFO,
                        Severity::High,
                        Confidence::High,
                        url.span,
                        format!("remote include `{text}` has no `integrity:` hash"),
                        text,
                    );
                }
                Include::Component(node) => {
                    let text = node.as_str().unwrap_or_default();
                    let version = text.rsplit_once('@').map(|(_, v)| v);
                    match version {
                        Some(v) if is_full_sha(v) => {}
                        Some(v) => cx.report(
                            &Self::INFO,
                            if v.starts_with('~') {
                                Severity::High
                            } else {
                                Severity::Medium
                            },
                            Confidence::High,
                            node.span,
                            format!("component `{text}` is referenced by `{v}`, not a commit SHA"),
                            text,
                        ),
                        None => cx.report(
                            &Self::INFO,
                            Severity::High,
                            Confidence::High,
                            node.span,
                            format!("component `{text}` has no version"),
                            text,
                        ),
                    }
                }
                Include::Remote { .. } | Include::Local(_) | Include::Template(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ci::rules::testing::gitlab;

    #[test]
    fn unpinned_includes() {
        let found = gitlab(
            "gitlab-unpinned-include",
            "include:\n  - project: g/ci\n    file: a.yml\n  - project: g/ci\n    ref: v1.2\n    file: a.yml\n  - project: g/ci\n    ref: 0123456789abcdef0123456789abcdef01234567\n    file: a.yml\n  - remote: https://example.com/ci.yml\n  - remote: https://example.com/ci.yml\n    integrity: sha256-abc\n  - component: gitlab.com/g/c/build@~latest\n  - local: ci/x.yml\n  - template: Auto-DevOps.gitlab-ci.yml\n",
        );
        assert_eq!(
            found.iter().map(|f| f.line).collect::<Vec<_>>(),
            [2, 5, 10, 13]
        );
    }
}
