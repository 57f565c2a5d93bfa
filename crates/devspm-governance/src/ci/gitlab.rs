//! Views over a GitLab CI file (`.gitlab-ci.yml` and its local includes): jobs, scripts,
//! images, services and includes.

use crate::ci::yaml::{Node, Value};

/// Top-level keys that are not jobs.
const RESERVED: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
    "spec",
];

/// A GitLab CI job (including hidden `.template` jobs, whose content other jobs extend).
#[derive(Debug, Clone, Copy)]
pub struct GitlabJob<'a> {
    /// The job name.
    pub name: &'a str,
    /// The job body.
    pub node: &'a Node,
}

/// Every job of the file, in source order.
pub fn jobs(root: &Node) -> Vec<GitlabJob<'_>> {
    root.entries()
        .iter()
        .filter_map(|(k, v)| {
            let name = k.as_str()?;
            (!RESERVED.contains(&name) && v.is_map()).then_some(GitlabJob { name, node: v })
        })
        .collect()
}

/// Every script line node (`script`, `before_script`, `after_script`) in jobs, `default:`
/// and at the top level. Nested lists are flattened.
pub fn script_lines(root: &Node) -> Vec<&Node> {
    let mut holders: Vec<&Node> = vec![root];
    if let Some(default) = root.get("default") {
        holders.push(default);
    }
    holders.extend(jobs(root).into_iter().map(|j| j.node));
    let mut out = Vec::new();
    for holder in holders {
        for key in ["before_script", "script", "after_script"] {
            if std::ptr::eq(holder, root) && key == "script" {
                continue;
            }
            if let Some(node) = holder.get(key) {
                flatten_strings(node, &mut out);
            }
        }
    }
    out
}

fn flatten_strings<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    match &node.value {
        Value::Scalar { .. } => out.push(node),
        Value::Seq(items) => items.iter().for_each(|i| flatten_strings(i, out)),
        _ => {}
    }
}

/// Every image reference node: `image:` (string or `name:`) and `services:` entries, in jobs,
/// `default:` and at the top level.
pub fn images(root: &Node) -> Vec<&Node> {
    let mut holders: Vec<&Node> = vec![root];
    if let Some(default) = root.get("default") {
        holders.push(default);
    }
    holders.extend(jobs(root).into_iter().map(|j| j.node));
    let mut out = Vec::new();
    for holder in holders {
        if let Some(image) = holder.get("image") {
            out.extend(image_name(image));
        }
        if let Some(services) = holder.get("services") {
            for service in services.items() {
                out.extend(image_name(service));
            }
        }
    }
    out
}

fn image_name(node: &Node) -> Option<&Node> {
    if node.as_str().is_some() {
        Some(node)
    } else {
        node.get("name").filter(|n| n.as_str().is_some())
    }
}

/// One `include:` entry.
#[derive(Debug, Clone, Copy)]
pub enum Include<'a> {
    /// `local: path` or a bare `/path` string.
    Local(&'a Node),
    /// `project:` with optional `ref:`.
    Project {
        /// The `project:` node.
        project: &'a Node,
        /// The `ref:` node, if any.
        git_ref: Option<&'a Node>,
    },
    /// `remote: https://…` with optional `integrity:`.
    Remote {
        /// The URL node.
        url: &'a Node,
        /// `true` when `integrity:` pins the content hash.
        has_integrity: bool,
    },
    /// `component: host/group/project/name@version`.
    Component(&'a Node),
    /// `template:` (shipped with GitLab).
    Template(&'a Node),
}

/// Every `include:` entry, in source order.
pub fn includes(root: &Node) -> Vec<Include<'_>> {
    let Some(include) = root.get("include") else {
        return Vec::new();
    };
    let entries: Vec<&Node> = match &include.value {
        Value::Seq(items) => items.iter().collect(),
        _ => vec![include],
    };
    let mut out = Vec::new();
    for entry in entries {
        if let Some(text) = entry.as_str() {
            if text.starts_with("http://") || text.starts_with("https://") {
                out.push(Include::Remote {
                    url: entry,
                    has_integrity: false,
                });
            } else {
                out.push(Include::Local(entry));
            }
            continue;
        }
        if let Some(local) = entry.get("local") {
            out.push(Include::Local(local));
        } else if let Some(project) = entry.get("project") {
            out.push(Include::Project {
                project,
                git_ref: entry.get("ref"),
            });
        } else if let Some(url) = entry.get("remote") {
            out.push(Include::Remote {
                url,
                has_integrity: entry.get("integrity").is_some_and(|n| n.as_str().is_some()),
            });
        } else if let Some(component) = entry.get("component") {
            out.push(Include::Component(component));
        } else if let Some(template) = entry.get("template") {
            out.push(Include::Template(template));
        }
    }
    out
}

/// The paths of local includes.
pub fn local_includes(root: &Node) -> Vec<String> {
    includes(root)
        .into_iter()
        .filter_map(|i| match i {
            Include::Local(node) => node.as_str().map(str::to_owned),
            _ => None,
        })
        .filter(|p| !p.contains('$'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::yaml::parse;

    #[test]
    fn reads_jobs_scripts_images_includes() {
        let text = "include:\n  - local: ci/a.yml\n  - '/ci/b.yml'\n  - project: g/p\n    ref: main\n    file: x.yml\n  - remote: https://x/y.yml\n  - component: gitlab.com/g/c/name@1.0\nimage: alpine\ndefault:\n  before_script: [echo hi]\nbuild:\n  image:\n    name: rust:latest\n  services: [postgres, {name: redis:7}]\n  script:\n    - make\n    - [nested]\n.tmpl:\n  script: echo tmpl\nstages: [a]\n";
        let parsed = parse(text, 1000).unwrap();
        let root = &parsed.documents[0];
        assert_eq!(jobs(root).len(), 2);
        let lines: Vec<_> = script_lines(root)
            .iter()
            .filter_map(|n| n.as_str())
            .collect();
        assert_eq!(lines, ["echo hi", "make", "nested", "echo tmpl"]);
        let imgs: Vec<_> = images(root).iter().filter_map(|n| n.as_str()).collect();
        assert_eq!(imgs, ["alpine", "rust:latest", "postgres", "redis:7"]);
        assert_eq!(local_includes(root), ["ci/a.yml", "/ci/b.yml"]);
        assert_eq!(includes(root).len(), 5);
    }
}
