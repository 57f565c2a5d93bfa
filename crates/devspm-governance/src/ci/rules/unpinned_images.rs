//! `unpinned-images`: container images (job `container:`, `services:`, Docker actions,
//! GitLab `image:`/`services:`) referenced by `latest`, by no tag at all, or by a tag without
//! a digest.
//!
//! Why: an image tag is as mutable as a git tag, and `latest` changes by design. The job
//! runs whatever the registry serves that day, with the job's secrets mounted. A
//! `@sha256:` digest fixes the content. `latest`/untagged are reported high; a version tag
//! without a digest low (it usually changes only on purpose, but it can be re-pushed).

use crate::ci::Ctx;
use crate::ci::expr::{Expr, extract_fenced};
use crate::ci::finding::{Confidence, Severity};
use crate::ci::gitlab;
use crate::ci::model::{Action, ImageRef, Job};
use crate::ci::rules::{Rule, rule};
use crate::ci::yaml::Node;

rule! {
    /// See the module documentation.
    UnpinnedImages {
        id: "unpinned-images",
        severity: High,
        platform: Both,
        description: "container image not pinned to a digest",
        help: "Reference images by digest (`image: node:22@sha256:…`), keeping the tag for readability; let Dependabot or Renovate update the digest.",
    }
}

fn check_image_text(text: &str, node: &Node, context: &str, cx: &mut Ctx<'_>) {
    let text = text.trim();
    if text.is_empty() {
        return;
    }
    let image = ImageRef::parse(text);
    if image.digest.is_some() {
        return;
    }
    let (severity, what) = match image.tag {
        Some("latest") => (Severity::High, "uses the floating `latest` tag"),
        None if text.contains('$') => return,
        None => (Severity::High, "has no tag, so it means `latest`"),
        Some(_) if text.contains('$') => return,
        Some(_) => (Severity::Low, "is pinned to a tag but not to a digest"),
    };
    cx.report(
        &UnpinnedImages::INFO,
        severity,
        Confidence::High,
        node.span,
        format!("{context} image `{text}` {what}"),
        text,
    );
}

fn check_gha_image(node: &Node, job: Option<&Job<'_>>, context: &str, cx: &mut Ctx<'_>) {
    let Some(text) = node.as_str() else {
        return;
    };
    let trimmed = text.trim();
    if !trimmed.contains("${{") {
        check_image_text(trimmed, node, context, cx);
        return;
    }
    // A single expression: check every value it can produce (literals, literal matrix
    // values); anything else is computed at run time and reported once, with low confidence.
    let (fenced, _) = extract_fenced(trimmed);
    let parsed = match fenced.as_slice() {
        [only] if only.raw == trimmed => Expr::parse(only.inner).ok(),
        _ => None,
    };
    let mut opaque = parsed.is_none();
    if let Some(expr) = &parsed {
        for leaf in expr.leaves() {
            match leaf {
                Expr::Literal(Some(value)) => check_image_text(value, node, context, cx),
                Expr::Literal(None) => {}
                Expr::Context(ctx) if ctx.head() == "matrix" && ctx.parts.len() == 2 => {
                    let key = ctx.pattern().unwrap_or_default();
                    let key = key.trim_start_matches("matrix.");
                    match job.and_then(|j| j.matrix_values(key)) {
                        Some(values) => {
                            for value in values {
                                check_image_text(
                                    value.as_str().unwrap_or_default(),
                                    node,
                                    context,
                                    cx,
                                );
                            }
                        }
                        None => opaque = true,
                    }
                }
                _ => opaque = true,
            }
        }
    }
    if opaque {
        cx.report(
            &UnpinnedImages::INFO,
            Severity::Low,
            Confidence::Low,
            node.span,
            format!("{context} image is computed at run time (`{trimmed}`) and may be unpinned"),
            trimmed,
        );
    }
}

impl Rule for UnpinnedImages {
    fn info(&self) -> &'static crate::ci::RuleInfo {
        &Self::INFO
    }

    fn job(&self, job: &Job<'_>, cx: &mut Ctx<'_>) {
        if let Some(container) = job.node.get("container") {
            let image = if container.as_str().is_some() {
                Some(container)
            } else {
                container.get("image")
            };
            if let Some(image) = image {
                check_gha_image(image, Some(job), "job container", cx);
            }
        }
        if let Some(services) = job.node.get("services") {
            for (name, service) in services.entries() {
                let image = if service.as_str().is_some() {
                    Some(service)
                } else {
                    service.get("image")
                };
                if let Some(image) = image {
                    let context = format!("service `{}`", name.as_str().unwrap_or_default());
                    check_gha_image(image, Some(job), &context, cx);
                }
            }
        }
    }

    fn action(&self, action: &Action<'_>, cx: &mut Ctx<'_>) {
        if action.using().as_deref() != Some("docker") {
            return;
        }
        if let Some(image) = action.image()
            && let Some(text) = image.as_str().and_then(|t| t.strip_prefix("docker://"))
        {
            check_image_text(text, image, "Docker action", cx);
        }
    }

    fn gitlab(&self, root: &Node, cx: &mut Ctx<'_>) {
        for image in gitlab::images(root) {
            if let Some(text) = image.as_str() {
                check_image_text(text, image, "GitLab CI", cx);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ci::Severity;
    use crate::ci::rules::testing::{action, gitlab, workflow};

    #[test]
    fn job_containers_and_services() {
        let found = workflow(
            "unpinned-images",
            "on: push\njobs:\n  a:\n    runs-on: x\n    container: node:latest\n    services:\n      db:\n        image: postgres\n      cache:\n        image: redis:7@sha256:abcd\n      q: rabbitmq:3\n    steps: [{run: x}]\n  b:\n    runs-on: x\n    strategy:\n      matrix:\n        img: [alpine:3.20, ubuntu]\n    container:\n      image: ${{ matrix.img }}\n    steps: [{run: x}]\n",
        );
        let got: Vec<_> = found.iter().map(|f| (f.line, f.severity)).collect();
        assert_eq!(
            got,
            [
                (5, Severity::High),
                (8, Severity::High),
                (11, Severity::Low),
                (19, Severity::Low),
                (19, Severity::High)
            ]
        );
    }

    #[test]
    fn expressions_and_matrix_includes() {
        let found = workflow(
            "unpinned-images",
            "on: push\njobs:\n  a:\n    runs-on: x\n    strategy:\n      matrix:\n        include:\n          - c: python\n          - c: python:3.13@sha256:00\n          - other: 1\n    container: ${{ matrix.c }}\n    services:\n      r:\n        image: ${{ inputs.redis && 'redis@sha256:00' || '' }}\n      s:\n        image: ${{ inputs.image || vars.IMAGE }}\n    steps: [{run: x}]\n",
        );
        let got: Vec<_> = found.iter().map(|f| (f.line, f.severity)).collect();
        assert_eq!(got, [(11, Severity::High), (16, Severity::Low)]);
    }

    #[test]
    fn docker_action_and_gitlab() {
        assert_eq!(
            action(
                "unpinned-images",
                "name: x\nruns:\n  using: docker\n  image: docker://alpine\n"
            )
            .len(),
            1
        );
        assert!(
            action(
                "unpinned-images",
                "name: x\nruns:\n  using: docker\n  image: Dockerfile\n"
            )
            .is_empty()
        );
        let found = gitlab(
            "unpinned-images",
            "image: ruby:latest\nservices:\n  - name: postgres@sha256:0123\nbuild:\n  image: $CI_REGISTRY_IMAGE/builder\n  script: [make]\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, 1);
    }
}
