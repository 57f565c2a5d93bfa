//! Repository inventory: every third-party tool a repository's automation pulls in — GitHub
//! actions, reusable workflows, container images, GitLab includes, pre-commit hooks,
//! Dockerfile base images — with the reference it uses and how firmly that is pinned.
//!
//! This answers "who uses action X at which ref?" across an organisation on the first day
//! of an incident, and feeds the pinning policy. It reads the same files as the CI audit
//! ([`crate::ci::discover`]) plus `.pre-commit-config.yaml` and Dockerfiles.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ci::model::{ImageRef, Uses, is_full_sha, looks_like_branch, parse_uses, steps_of};
use crate::ci::yaml::{self, Node};
use crate::ci::{FileKind, Limits, Warning, classify, gitlab, to_slash, walk};

/// What kind of tool a use is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolKind {
    /// A GitHub action (`uses:` in a step).
    Action,
    /// A reusable workflow (`uses:` of a job).
    ReusableWorkflow,
    /// A container image (job/service containers, `docker://`, GitLab `image:`, `FROM`).
    ContainerImage,
    /// A pre-commit hook repository.
    PrecommitHook,
    /// A GitLab CI `include:` of another project, URL or component.
    CiInclude,
}

/// How firmly a reference is pinned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pin {
    /// A full commit SHA.
    Sha,
    /// A content digest (`sha256:…`).
    Digest,
    /// A tag (movable, but usually only on purpose).
    Tag,
    /// A branch (moves with every commit).
    Branch,
    /// No reference at all (default branch or `latest`).
    None,
}

/// One use of a tool.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RepoToolUse {
    /// Kind of tool.
    pub kind: ToolKind,
    /// `owner/repo[/path]` for actions and workflows, the image name for images, the
    /// repository URL (shortened to `owner/repo` for GitHub) for pre-commit hooks.
    pub name: String,
    /// The ref, tag or digest as written; empty when there is none.
    pub reference: String,
    /// How firmly `reference` pins the tool.
    pub pin: Pin,
    /// Repository-relative path with forward slashes.
    pub path: String,
    /// 1-based line.
    pub line: u32,
}

/// The inventory of a set of files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryReport {
    /// Tool uses, sorted by path, line, name.
    pub uses: Vec<RepoToolUse>,
    /// Files that could not be read or parsed.
    pub warnings: Vec<Warning>,
}

/// `true` for `.pre-commit-config.yaml`.
fn is_precommit(rel: &str) -> bool {
    rel == ".pre-commit-config.yaml" || rel == ".pre-commit-config.yml"
}

/// `true` for Dockerfile names: `Dockerfile`, `Dockerfile.x`, `x.Dockerfile`, `Containerfile`.
fn is_dockerfile(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let lower = name.to_ascii_lowercase();
    lower == "dockerfile"
        || lower == "containerfile"
        || lower.starts_with("dockerfile.")
        || lower.ends_with(".dockerfile")
}

/// Every file the inventory reads under `root`, sorted.
pub fn discover(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(root, root, 0, &mut |rel| {
        let slash = to_slash(rel);
        if classify(&slash).is_some() || is_precommit(&slash) || is_dockerfile(&slash) {
            out.push(rel.to_path_buf());
        }
    });
    out.sort();
    out
}

/// Inventory `files` (repository-relative, or absolute under `root`).
pub fn collect(root: &Path, files: &[PathBuf]) -> InventoryReport {
    let mut report = InventoryReport::default();
    let limit = Limits::default().max_file_bytes;
    for file in files {
        let rel = to_slash(file.strip_prefix(root).unwrap_or(file));
        let full = root.join(&rel);
        match std::fs::metadata(&full) {
            Ok(meta) if meta.len() > limit => {
                report.warnings.push(Warning {
                    path: rel,
                    line: 0,
                    message: format!(
                        "file is {} bytes, over the {limit}-byte limit; not read",
                        meta.len()
                    ),
                });
                continue;
            }
            Err(err) => {
                report.warnings.push(Warning {
                    path: rel,
                    line: 0,
                    message: format!("cannot read file: {err}"),
                });
                continue;
            }
            Ok(_) => {}
        }
        match std::fs::read(&full) {
            Ok(bytes) => {
                let part = collect_bytes(&rel, &bytes);
                report.uses.extend(part.uses);
                report.warnings.extend(part.warnings);
            }
            Err(err) => report.warnings.push(Warning {
                path: rel,
                line: 0,
                message: format!("cannot read file: {err}"),
            }),
        }
    }
    report
        .uses
        .sort_by(|a, b| (&a.path, a.line, &a.name).cmp(&(&b.path, b.line, &b.name)));
    report.uses.dedup();
    report
}

/// Inventory one file given as bytes, recognised by its repository-relative path.
pub fn collect_bytes(rel_path: &str, bytes: &[u8]) -> InventoryReport {
    let path = rel_path
        .replace('\\', "/")
        .trim_start_matches("./")
        .to_owned();
    let mut report = InventoryReport::default();
    let Ok(text) = std::str::from_utf8(bytes) else {
        report.warnings.push(Warning {
            path,
            line: 0,
            message: "file is not valid UTF-8; not read".to_owned(),
        });
        return report;
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if is_dockerfile(&path) {
        report.uses = dockerfile_uses(&path, text);
        return report;
    }
    let kind = classify(&path);
    if kind.is_none() && !is_precommit(&path) {
        return report;
    }
    let parsed = match yaml::parse(text, Limits::default().max_yaml_nodes) {
        Ok(parsed) => parsed,
        Err(err) => {
            report.warnings.push(Warning {
                path,
                line: err.line(),
                message: format!("{err}; not read"),
            });
            return report;
        }
    };
    let root = match kind {
        Some(FileKind::GitlabCi)
            if parsed.documents.len() > 1 && parsed.documents[0].get("spec").is_some() =>
        {
            parsed.documents.get(1)
        }
        _ => parsed.documents.first(),
    };
    let Some(root) = root else {
        return report;
    };
    let mut out = Out {
        path: &path,
        uses: Vec::new(),
    };
    match kind {
        Some(FileKind::Workflow) => workflow_uses(root, &mut out),
        Some(FileKind::Action) => action_uses(root, &mut out),
        Some(FileKind::GitlabCi) => gitlab_uses(root, &mut out),
        Some(FileKind::Dependabot) => {}
        None => precommit_uses(root, &mut out),
    }
    report.uses = out.uses;
    report
        .uses
        .sort_by(|a, b| (&a.path, a.line, &a.name).cmp(&(&b.path, b.line, &b.name)));
    report
}

struct Out<'p> {
    path: &'p str,
    uses: Vec<RepoToolUse>,
}

impl Out<'_> {
    fn push(&mut self, kind: ToolKind, name: String, reference: &str, pin: Pin, node: &Node) {
        self.uses.push(RepoToolUse {
            kind,
            name,
            reference: reference.to_owned(),
            pin,
            path: self.path.to_owned(),
            line: node.span.start.line,
        });
    }

    fn uses_value(&mut self, node: &Node, kind: ToolKind) {
        let Some(text) = node.as_str() else { return };
        match parse_uses(text) {
            Uses::Repo(repo) => {
                let reference = repo.git_ref.unwrap_or_default();
                self.push(kind, repo.name(), reference, ref_pin(repo.git_ref), node);
            }
            Uses::Docker(image) => self.image(&image, node),
            Uses::Local(_) | Uses::Opaque(_) => {}
        }
    }

    fn image(&mut self, image: &ImageRef<'_>, node: &Node) {
        let (reference, pin) = match (image.tag, image.digest) {
            (_, Some(digest)) => (digest, Pin::Digest),
            (Some("latest"), None) => ("latest", Pin::None),
            (Some(tag), None) => (tag, Pin::Tag),
            (None, None) => ("", Pin::None),
        };
        self.push(
            ToolKind::ContainerImage,
            image.name.to_owned(),
            reference,
            pin,
            node,
        );
    }

    fn image_text(&mut self, node: &Node) {
        if let Some(text) = node
            .as_str()
            .filter(|t| !t.contains("${{") && !t.trim().is_empty())
        {
            self.image(&ImageRef::parse(text), node);
        }
    }
}

/// How firmly a git ref pins.
fn ref_pin(git_ref: Option<&str>) -> Pin {
    match git_ref {
        None | Some("") => Pin::None,
        Some(r) if is_full_sha(r) => Pin::Sha,
        Some(r) if looks_like_branch(r) => Pin::Branch,
        Some(_) => Pin::Tag,
    }
}

fn steps_uses(steps: Option<&Node>, out: &mut Out<'_>) {
    for step in steps_of(steps, None) {
        if let Some(uses) = step.node.get("uses") {
            out.uses_value(uses, ToolKind::Action);
        }
    }
}

fn workflow_uses(root: &Node, out: &mut Out<'_>) {
    for (_, job) in root.get("jobs").map(Node::entries).unwrap_or_default() {
        if let Some(uses) = job.get("uses") {
            out.uses_value(uses, ToolKind::ReusableWorkflow);
        }
        if let Some(container) = job.get("container") {
            out.image_text(if container.as_str().is_some() {
                container
            } else {
                container.get("image").unwrap_or(Node::null())
            });
        }
        for (_, service) in job.get("services").map(Node::entries).unwrap_or_default() {
            out.image_text(if service.as_str().is_some() {
                service
            } else {
                service.get("image").unwrap_or(Node::null())
            });
        }
        steps_uses(job.get("steps"), out);
    }
}

fn action_uses(root: &Node, out: &mut Out<'_>) {
    let Some(runs) = root.get("runs") else { return };
    steps_uses(runs.get("steps"), out);
    if let Some(image) = runs.get("image")
        && let Some(text) = image.as_str().and_then(|t| t.strip_prefix("docker://"))
    {
        out.image(&ImageRef::parse(text), image);
    }
}

fn gitlab_uses(root: &Node, out: &mut Out<'_>) {
    for image in gitlab::images(root) {
        out.image_text(image);
    }
    for include in gitlab::includes(root) {
        match include {
            gitlab::Include::Project { project, git_ref } => {
                let r = git_ref.and_then(Node::as_str);
                out.push(
                    ToolKind::CiInclude,
                    project.as_str().unwrap_or_default().to_owned(),
                    r.unwrap_or_default(),
                    ref_pin(r),
                    project,
                );
            }
            gitlab::Include::Remote { url, has_integrity } => {
                let pin = if has_integrity {
                    Pin::Digest
                } else {
                    Pin::None
                };
                out.push(
                    ToolKind::CiInclude,
                    url.as_str().unwrap_or_default().to_owned(),
                    "",
                    pin,
                    url,
                );
            }
            gitlab::Include::Component(node) => {
                let text = node.as_str().unwrap_or_default();
                let (name, version) = text
                    .rsplit_once('@')
                    .map_or((text, None), |(n, v)| (n, Some(v)));
                out.push(
                    ToolKind::CiInclude,
                    name.to_owned(),
                    version.unwrap_or_default(),
                    ref_pin(version),
                    node,
                );
            }
            gitlab::Include::Local(_) | gitlab::Include::Template(_) => {}
        }
    }
}

fn precommit_uses(root: &Node, out: &mut Out<'_>) {
    for repo in root.get("repos").map(Node::items).unwrap_or_default() {
        let Some(url_node) = repo.get("repo") else {
            continue;
        };
        let Some(url) = url_node.as_str() else {
            continue;
        };
        if matches!(url, "local" | "meta") {
            continue;
        }
        let name = url
            .trim_end_matches('/')
            .trim_end_matches(".git")
            .strip_prefix("https://github.com/")
            .unwrap_or(url)
            .to_owned();
        let rev = repo.get("rev").and_then(Node::as_str);
        out.push(
            ToolKind::PrecommitHook,
            name,
            rev.unwrap_or_default(),
            ref_pin(rev),
            url_node,
        );
    }
}

/// `FROM` lines of a Dockerfile (stage aliases and `scratch` excluded).
fn dockerfile_uses(path: &str, text: &str) -> Vec<RepoToolUse> {
    let mut stages: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if !words
            .first()
            .is_some_and(|w| w.eq_ignore_ascii_case("FROM"))
        {
            continue;
        }
        let args: Vec<&str> = words[1..]
            .iter()
            .copied()
            .filter(|w| !w.starts_with("--"))
            .collect();
        let Some(image) = args.first() else { continue };
        let lower = image.to_ascii_lowercase();
        // `FROM <earlier stage>` reuses a stage; `scratch` is empty; `$ARG` is unknown here.
        let skip = lower == "scratch" || stages.contains(&lower) || image.contains('$');
        if let (Some(as_kw), Some(alias)) = (args.get(1), args.get(2))
            && as_kw.eq_ignore_ascii_case("AS")
        {
            stages.push(alias.to_ascii_lowercase());
        }
        if skip {
            continue;
        }
        let parsed = ImageRef::parse(image);
        let (reference, pin) = match (parsed.tag, parsed.digest) {
            (_, Some(d)) => (d, Pin::Digest),
            (Some("latest"), None) => ("latest", Pin::None),
            (Some(t), None) => (t, Pin::Tag),
            (None, None) => ("", Pin::None),
        };
        out.push(RepoToolUse {
            kind: ToolKind::ContainerImage,
            name: parsed.name.to_owned(),
            reference: reference.to_owned(),
            pin,
            path: path.to_owned(),
            line: u32::try_from(index + 1).unwrap_or(u32::MAX),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(report: &InventoryReport) -> Vec<(ToolKind, &str, &str, Pin, u32)> {
        report
            .uses
            .iter()
            .map(|u| (u.kind, u.name.as_str(), u.reference.as_str(), u.pin, u.line))
            .collect()
    }

    #[test]
    fn workflow_inventory() {
        let report = collect_bytes(
            ".github/workflows/ci.yml",
            b"on: push\njobs:\n  a:\n    runs-on: x\n    container: node:22\n    services:\n      db:\n        image: postgres@sha256:00\n    steps:\n      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n      - uses: docker://alpine\n      - uses: ./local\n      - uses: o/r/sub@main\n  b:\n    uses: o/r/.github/workflows/x.yml@v1\n",
        );
        assert_eq!(
            summary(&report),
            [
                (ToolKind::ContainerImage, "node", "22", Pin::Tag, 5),
                (
                    ToolKind::ContainerImage,
                    "postgres",
                    "sha256:00",
                    Pin::Digest,
                    8
                ),
                (
                    ToolKind::Action,
                    "actions/checkout",
                    "11bd71901bbe5b1630ceea73d27597364c9af683",
                    Pin::Sha,
                    10
                ),
                (ToolKind::ContainerImage, "alpine", "", Pin::None, 11),
                (ToolKind::Action, "o/r/sub", "main", Pin::Branch, 13),
                (
                    ToolKind::ReusableWorkflow,
                    "o/r/.github/workflows/x.yml",
                    "v1",
                    Pin::Tag,
                    15
                ),
            ]
        );
    }

    #[test]
    fn precommit_and_dockerfile() {
        let report = collect_bytes(
            ".pre-commit-config.yaml",
            b"repos:\n  - repo: https://github.com/pre-commit/pre-commit-hooks\n    rev: v4.6.0\n    hooks: [{id: trailing-whitespace}]\n  - repo: local\n    hooks: []\n",
        );
        assert_eq!(
            summary(&report),
            [(
                ToolKind::PrecommitHook,
                "pre-commit/pre-commit-hooks",
                "v4.6.0",
                Pin::Tag,
                2
            )]
        );
        let report = collect_bytes(
            "docker/Dockerfile",
            b"FROM --platform=$BUILDPLATFORM rust:1.80 AS build\nRUN make\nFROM build AS test\nFROM gcr.io/distroless/cc@sha256:ab\nFROM scratch\n",
        );
        assert_eq!(
            summary(&report),
            [
                (ToolKind::ContainerImage, "rust", "1.80", Pin::Tag, 1),
                (
                    ToolKind::ContainerImage,
                    "gcr.io/distroless/cc",
                    "sha256:ab",
                    Pin::Digest,
                    4
                ),
            ]
        );
    }

    #[test]
    fn gitlab_inventory_and_bad_yaml() {
        let report = collect_bytes(
            ".gitlab-ci.yml",
            b"include:\n  - project: g/ci\n    ref: v1\n  - component: gitlab.com/g/c/x@1.0\nbuild:\n  image: rust:latest\n  script: [make]\n",
        );
        assert_eq!(report.uses.len(), 3);
        let report = collect_bytes(".github/workflows/x.yml", b"on: [push\n");
        assert!(report.uses.is_empty());
        assert_eq!(report.warnings.len(), 1);
    }
}
