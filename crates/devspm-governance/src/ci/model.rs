//! Read-only views over parsed CI files: workflows, jobs, steps, actions, and `uses:` values.
//!
//! The views borrow the [`Node`] tree and answer the questions rules ask ("which triggers?",
//! "what does this step run?") without committing to a full typed schema: unknown or
//! malformed fields simply read as absent, so a half-valid file is still audited.

use crate::ci::yaml::{Node, Value};

/// A parsed `uses:` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Uses<'a> {
    /// `./path/to/action` — code from the same repository.
    Local(&'a str),
    /// `docker://image[:tag][@sha256:digest]`.
    Docker(ImageRef<'a>),
    /// `owner/repo[/path]@ref`.
    Repo(RepoUses<'a>),
    /// A value with an expression or an unknown shape.
    Opaque(&'a str),
}

/// `owner/repo[/path][@ref]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoUses<'a> {
    /// Repository owner.
    pub owner: &'a str,
    /// Repository name.
    pub repo: &'a str,
    /// Path inside the repository (actions in sub-directories, reusable workflows).
    pub path: Option<&'a str>,
    /// The ref after `@`; `None` when there is no `@`.
    pub git_ref: Option<&'a str>,
}

impl RepoUses<'_> {
    /// `owner/repo[/path]`.
    pub fn name(&self) -> String {
        match self.path {
            Some(path) => format!("{}/{}/{}", self.owner, self.repo, path),
            None => format!("{}/{}", self.owner, self.repo),
        }
    }

    /// `owner/repo`, lower-cased, for matching (GitHub names are case-insensitive).
    pub fn slug_lower(&self) -> String {
        format!("{}/{}", self.owner, self.repo).to_ascii_lowercase()
    }

    /// `true` when this is `owner/repo` or `owner/repo/<anything>` for the given `slug`.
    pub fn is(&self, slug: &str) -> bool {
        let slug = slug.to_ascii_lowercase();
        let full = self.name().to_ascii_lowercase();
        full == slug || self.slug_lower() == slug
    }

    /// `true` when the ref is a full 40-hex commit SHA.
    pub fn is_sha_pinned(&self) -> bool {
        self.git_ref.is_some_and(is_full_sha)
    }
}

/// A container image reference: `[registry/]name[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// The image name including registry, without tag or digest.
    pub name: &'a str,
    /// The tag, if any.
    pub tag: Option<&'a str>,
    /// The digest (`sha256:…`), if any.
    pub digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    /// Parse an image reference. Registry ports (`host:5000/img`) are not mistaken for tags.
    pub fn parse(text: &'a str) -> ImageRef<'a> {
        let text = text.trim();
        let (rest, digest) = match text.split_once('@') {
            Some((rest, digest)) => (rest, Some(digest)),
            None => (text, None),
        };
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
            None => (rest, None),
        };
        ImageRef { name, tag, digest }
    }
}

/// `true` for exactly 40 hexadecimal characters.
pub fn is_full_sha(text: &str) -> bool {
    text.len() == 40 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Refs that are almost certainly branches: well-known branch names, anything with a `/`,
/// and anything without a version shape (`v1`, `1.2.3`).
pub fn looks_like_branch(r: &str) -> bool {
    let lower = r.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "main" | "master" | "develop" | "dev" | "trunk" | "stable" | "nightly"
    ) || lower.contains('/')
        || !lower
            .trim_start_matches('v')
            .starts_with(|c: char| c.is_ascii_digit())
}

/// The major version of a version-shaped ref or comment (`v4`, `4.1.0`, `v10.0.1`); `None`
/// for commit SHAs and anything else.
pub fn major_version(text: &str) -> Option<u32> {
    let text = text.trim();
    if is_full_sha(text) {
        return None;
    }
    let digits: String = text
        .trim_start_matches(['v', 'V'])
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    if digits.is_empty() || digits.len() > 6 {
        return None;
    }
    digits.parse().ok()
}

/// Parse a `uses:` string.
pub fn parse_uses(text: &str) -> Uses<'_> {
    let trimmed = text.trim();
    if trimmed.contains("${{") {
        return Uses::Opaque(trimmed);
    }
    // `$/path` names a file of the calling repository at the calling ref, like `./path`.
    if trimmed.starts_with("./") || trimmed.starts_with("../") || trimmed.starts_with("$/") {
        return Uses::Local(trimmed);
    }
    if let Some(image) = trimmed.strip_prefix("docker://") {
        return Uses::Docker(ImageRef::parse(image));
    }
    let (path, git_ref) = match trimmed.split_once('@') {
        Some((path, r)) => (path, Some(r)),
        None => (trimmed, None),
    };
    let mut pieces = path.splitn(3, '/');
    let (Some(owner), Some(repo)) = (pieces.next(), pieces.next()) else {
        return Uses::Opaque(trimmed);
    };
    if owner.is_empty() || repo.is_empty() {
        return Uses::Opaque(trimmed);
    }
    Uses::Repo(RepoUses {
        owner,
        repo,
        path: pieces.next().filter(|p| !p.is_empty()),
        git_ref,
    })
}

/// A GitHub Actions workflow file.
#[derive(Debug, Clone, Copy)]
pub struct Workflow<'a> {
    /// The document root.
    pub root: &'a Node,
}

/// One trigger of a workflow: its event name and (possibly null) configuration.
#[derive(Debug, Clone, Copy)]
pub struct Trigger<'a> {
    /// Event name, e.g. `pull_request_target`.
    pub event: &'a str,
    /// The node naming the event (for locations).
    pub name_node: &'a Node,
    /// The event's configuration (`branches:`, `tags:` …), null when absent.
    pub config: &'a Node,
}

impl<'a> Workflow<'a> {
    /// The `on:` node. YAML 1.1 readers turn `on` into `true`; we keep the text.
    pub fn on(&self) -> Option<(&'a Node, &'a Node)> {
        self.root
            .get_entry("on")
            .or_else(|| self.root.get_entry("true"))
    }

    /// Every trigger, in source order.
    pub fn triggers(&self) -> Vec<Trigger<'a>> {
        let Some((_, on)) = self.on() else {
            return Vec::new();
        };
        match &on.value {
            Value::Scalar { text, .. } => vec![Trigger {
                event: text,
                name_node: on,
                config: Node::null(),
            }],
            Value::Seq(items) => items
                .iter()
                .filter_map(|n| {
                    n.as_str().map(|event| Trigger {
                        event,
                        name_node: n,
                        config: Node::null(),
                    })
                })
                .collect(),
            Value::Map(entries) => entries
                .iter()
                .filter_map(|(k, v)| {
                    k.as_str().map(|event| Trigger {
                        event,
                        name_node: k,
                        config: v,
                    })
                })
                .collect(),
            Value::Null => Vec::new(),
        }
    }

    /// The trigger for `event`, if present.
    pub fn trigger(&self, event: &str) -> Option<Trigger<'a>> {
        self.triggers().into_iter().find(|t| t.event == event)
    }

    /// `true` when any trigger lets code from a pull request or fork start the workflow.
    pub fn pr_triggered(&self) -> bool {
        self.triggers().iter().any(|t| {
            matches!(
                t.event,
                "pull_request"
                    | "pull_request_target"
                    | "pull_request_review"
                    | "pull_request_review_comment"
                    | "issue_comment"
                    | "workflow_run"
            )
        })
    }

    /// Workflow-level `permissions:`.
    pub fn permissions(&self) -> Option<&'a Node> {
        self.root.get("permissions")
    }

    /// Workflow-level `env:`.
    pub fn env(&self) -> Option<&'a Node> {
        self.root.get("env")
    }

    /// Every job, in source order.
    pub fn jobs(&self) -> Vec<Job<'a>> {
        self.root
            .get("jobs")
            .map(|jobs| {
                jobs.entries()
                    .iter()
                    .filter_map(|(k, v)| {
                        Some(Job {
                            id: k.as_str()?,
                            id_node: k,
                            node: v,
                            workflow: *self,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `true` when the only trigger is `workflow_call` (a reusable workflow).
    pub fn is_reusable_only(&self) -> bool {
        let triggers = self.triggers();
        triggers.len() == 1 && triggers[0].event == "workflow_call"
    }

    /// The declared type of `inputs.<name>` in `workflow_call` / `workflow_dispatch`.
    pub fn input_type(&self, name: &str) -> Option<String> {
        let mut found: Option<String> = None;
        for event in ["workflow_call", "workflow_dispatch"] {
            if let Some(input) = self
                .trigger(event)
                .and_then(|t| t.config.get("inputs"))
                .and_then(|inputs| inputs.get(name))
            {
                let ty = input.get("type").and_then(Node::as_str).unwrap_or("string");
                // Two declarations: the weaker (string) wins.
                if found.as_deref() != Some("string") {
                    found = Some(ty.to_ascii_lowercase());
                }
            }
        }
        found
    }
}

/// One job of a workflow.
#[derive(Debug, Clone, Copy)]
pub struct Job<'a> {
    /// The job id.
    pub id: &'a str,
    /// The key node (for locations).
    pub id_node: &'a Node,
    /// The job body.
    pub node: &'a Node,
    /// The workflow it belongs to.
    pub workflow: Workflow<'a>,
}

impl<'a> Job<'a> {
    /// The job's steps (empty for reusable-workflow calls).
    pub fn steps(&self) -> Vec<Step<'a>> {
        steps_of(self.node.get("steps"), Some(*self))
    }

    /// `uses:` of a reusable-workflow call job.
    pub fn uses(&self) -> Option<&'a Node> {
        self.node.get("uses")
    }

    /// Job-level `permissions:`.
    pub fn permissions(&self) -> Option<&'a Node> {
        self.node.get("permissions")
    }

    /// `strategy.matrix`.
    pub fn matrix(&self) -> Option<&'a Node> {
        self.node.get("strategy").and_then(|s| s.get("matrix"))
    }

    /// Literal values of `matrix.<key>`, including `include:` entries; `None` when the job has
    /// no matrix, or the matrix (or one of these values) is computed at run time.
    pub fn matrix_values(&self, key: &str) -> Option<Vec<&'a Node>> {
        let matrix = self.matrix()?;
        if !matrix.is_map() {
            return None;
        }
        let mut out: Vec<&Node> = Vec::new();
        for (k, values) in matrix.entries() {
            if k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(key)) {
                out.extend(values.str_or_seq());
            }
        }
        for include in matrix.get("include").map(Node::items).unwrap_or_default() {
            for (k, value) in include.entries() {
                if k.as_str().is_some_and(|k| k.eq_ignore_ascii_case(key)) {
                    out.push(value);
                }
            }
        }
        let mut dynamic = false;
        for value in &out {
            value.walk_scalars(&mut |n| dynamic |= n.as_str().is_some_and(|t| t.contains("${{")));
        }
        (!dynamic).then_some(out)
    }

    /// `true` when the job (or the workflow) grants `id-token: write` (OIDC).
    pub fn has_id_token(&self) -> bool {
        let grants = |perms: Option<&Node>| {
            perms.is_some_and(|p| {
                p.as_str() == Some("write-all")
                    || p.get("id-token").and_then(Node::as_str) == Some("write")
            })
        };
        grants(self.permissions()) || grants(self.workflow.permissions())
    }
}

/// Where a step lives.
#[derive(Debug, Clone, Copy)]
pub enum StepParent<'a> {
    /// A workflow job.
    Job(Job<'a>),
    /// A composite action.
    Action(&'a Node),
}

/// One step of a job or composite action.
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    /// 0-based position in its list.
    pub index: usize,
    /// The step body.
    pub node: &'a Node,
    /// The job, for workflow steps; `None` in composite actions.
    pub job: Option<Job<'a>>,
}

/// The steps of a `steps:` list, in order. Entries of a `parallel:` group are flattened into
/// the list at the group's position.
pub(crate) fn steps_of<'a>(steps: Option<&'a Node>, job: Option<Job<'a>>) -> Vec<Step<'a>> {
    let mut out = Vec::new();
    for node in steps.map(Node::items).unwrap_or_default() {
        if let Some(group) = node.get("parallel") {
            for inner in group.items().iter().filter(|n| n.is_map()) {
                out.push(Step {
                    index: out.len(),
                    node: inner,
                    job,
                });
            }
        } else if node.is_map() {
            out.push(Step {
                index: out.len(),
                node,
                job,
            });
        }
    }
    out
}

impl<'a> Step<'a> {
    /// The `uses:` node and its parsed value.
    pub fn uses(&self) -> Option<(&'a Node, Uses<'a>)> {
        let node = self.node.get("uses")?;
        Some((node, parse_uses(node.as_str()?)))
    }

    /// The repository action this step uses, if any.
    pub fn repo_uses(&self) -> Option<(&'a Node, RepoUses<'a>)> {
        match self.uses()? {
            (node, Uses::Repo(r)) => Some((node, r)),
            _ => None,
        }
    }

    /// `true` when the step uses `slug` (`owner/repo` or `owner/repo/path`).
    pub fn uses_action(&self, slug: &str) -> bool {
        self.repo_uses().is_some_and(|(_, r)| r.is(slug))
    }

    /// The `run:` node.
    pub fn run(&self) -> Option<&'a Node> {
        self.node.get("run")
    }

    /// A `with:` input.
    pub fn with(&self, input: &str) -> Option<&'a Node> {
        self.node.get("with").and_then(|w| w.get(input))
    }

    /// The step's `with:` node.
    pub fn with_node(&self) -> Option<&'a Node> {
        self.node.get("with")
    }

    /// Step-level `env:`.
    pub fn env(&self) -> Option<&'a Node> {
        self.node.get("env")
    }

    /// `name:`, or the uses/run text, for messages.
    pub fn label(&self) -> String {
        if let Some(name) = self.node.get("name").and_then(Node::as_str) {
            return name.to_owned();
        }
        if let Some((n, _)) = self.uses() {
            return n.as_str().unwrap_or_default().to_owned();
        }
        format!("step {}", self.index + 1)
    }
}

/// An action definition (`action.yml`).
#[derive(Debug, Clone, Copy)]
pub struct Action<'a> {
    /// The document root.
    pub root: &'a Node,
}

impl<'a> Action<'a> {
    /// `runs.using`, lower-cased.
    pub fn using(&self) -> Option<String> {
        self.root
            .get("runs")
            .and_then(|r| r.get("using"))
            .and_then(Node::as_str)
            .map(str::to_ascii_lowercase)
    }

    /// Steps of a composite action.
    pub fn steps(&self) -> Vec<Step<'a>> {
        steps_of(self.root.get("runs").and_then(|r| r.get("steps")), None)
    }

    /// `runs.image` of a Docker action.
    pub fn image(&self) -> Option<&'a Node> {
        self.root.get("runs").and_then(|r| r.get("image"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_uses_forms() {
        assert_eq!(parse_uses("./local"), Uses::Local("./local"));
        assert_eq!(
            parse_uses("$/.github/workflows/x.yml"),
            Uses::Local("$/.github/workflows/x.yml")
        );
        assert!(matches!(parse_uses("${{ matrix.a }}"), Uses::Opaque(_)));
        let Uses::Repo(r) = parse_uses("actions/checkout@v4") else {
            panic!("repo");
        };
        assert_eq!(
            (r.owner, r.repo, r.path, r.git_ref),
            ("actions", "checkout", None, Some("v4"))
        );
        let Uses::Repo(r) = parse_uses("org/repo/.github/workflows/x.yml@main") else {
            panic!("repo");
        };
        assert_eq!(r.path, Some(".github/workflows/x.yml"));
        assert!(!r.is_sha_pinned());
        let Uses::Docker(img) = parse_uses("docker://alpine:3.20@sha256:abc") else {
            panic!("docker");
        };
        assert_eq!(
            (img.name, img.tag, img.digest),
            ("alpine", Some("3.20"), Some("sha256:abc"))
        );
    }

    #[test]
    fn image_refs_with_registry_ports() {
        let img = ImageRef::parse("localhost:5000/team/app");
        assert_eq!((img.name, img.tag), ("localhost:5000/team/app", None));
        let img = ImageRef::parse("ghcr.io/a/b:1.2");
        assert_eq!((img.name, img.tag), ("ghcr.io/a/b", Some("1.2")));
    }
}
