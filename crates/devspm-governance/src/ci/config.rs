//! Audit configuration: per-rule settings, limits, and user additions to the embedded data.
//!
//! Every struct denies unknown fields: a typo in a security policy must be an error, not a
//! silently ignored setting.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ci::data::CompromisedAction;

/// Everything an audit can be told.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct AuditConfig {
    /// Rule ids to skip.
    pub disable: Vec<String>,
    /// Settings of `unpinned-uses`.
    pub unpinned_uses: UnpinnedUsesConfig,
    /// Resource limits for hostile or huge inputs.
    pub limits: Limits,
    /// Extra known-compromised actions, added to the embedded list.
    pub compromised_actions: Vec<CompromisedAction>,
}

/// How strictly `uses:` must be pinned, per owner, repository or path.
///
/// Keys are patterns: `*` (everything), `owner/*`, `owner/repo`, `owner/repo/*`, or
/// `owner/repo/path`. The most specific matching pattern wins (exact path, then repository,
/// then `owner/repo/*`, then owner, then `*`). The default, an empty map, means every
/// repository action must be pinned to a full commit SHA: tags and branches can be moved by
/// whoever controls the repository, which is exactly how tj-actions/changed-files and
/// reviewdog were turned against their users in 2025. A common relaxation is
/// `"actions/*" = "ref-pin"` for GitHub's own actions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct UnpinnedUsesConfig {
    /// Pattern → policy.
    pub policies: BTreeMap<String, UsesPolicy>,
}

/// A pinning requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UsesPolicy {
    /// Anything goes, even no ref.
    Any,
    /// Some ref (tag, branch or SHA) is required.
    RefPin,
    /// A full 40-hex commit SHA is required.
    HashPin,
}

impl UnpinnedUsesConfig {
    /// The policy for `owner/repo[/path]`, and the pattern that chose it (`None` = default).
    pub fn policy_for(
        &self,
        owner: &str,
        repo: &str,
        path: Option<&str>,
    ) -> (UsesPolicy, Option<&str>) {
        let owner = owner.to_ascii_lowercase();
        let repo = repo.to_ascii_lowercase();
        let mut candidates: Vec<String> = Vec::with_capacity(5);
        if let Some(path) = path {
            candidates.push(format!("{owner}/{repo}/{}", path.to_ascii_lowercase()));
        }
        candidates.push(format!("{owner}/{repo}"));
        candidates.push(format!("{owner}/{repo}/*"));
        candidates.push(format!("{owner}/*"));
        candidates.push("*".to_owned());
        for candidate in &candidates {
            if let Some((pattern, policy)) = self
                .policies
                .iter()
                .find(|(pattern, _)| pattern.to_ascii_lowercase() == *candidate)
            {
                return (*policy, Some(pattern.as_str()));
            }
        }
        (UsesPolicy::HashPin, None)
    }
}

/// Resource limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
pub struct Limits {
    /// Files larger than this are skipped with a warning. Default 4 MiB: the largest real
    /// workflows are a few hundred KiB, and GitHub itself refuses much smaller files.
    pub max_file_bytes: u64,
    /// Maximum YAML nodes per file after alias expansion. Default 200,000: real workflows
    /// have a few thousand; an alias bomb has billions.
    pub max_yaml_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 4 * 1024 * 1024,
            max_yaml_nodes: 200_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_specific_policy_wins() {
        let config: UnpinnedUsesConfig = serde_json::from_str(
            r#"{"policies": {"*": "hash-pin", "actions/*": "ref-pin", "actions/cache": "hash-pin", "github/codeql-action/*": "any"}}"#,
        )
        .unwrap();
        assert_eq!(
            config.policy_for("actions", "checkout", None).0,
            UsesPolicy::RefPin
        );
        assert_eq!(
            config.policy_for("Actions", "cache", None).0,
            UsesPolicy::HashPin
        );
        assert_eq!(
            config.policy_for("github", "codeql-action", Some("init")).0,
            UsesPolicy::Any
        );
        assert_eq!(
            config.policy_for("other", "x", None),
            (UsesPolicy::HashPin, Some("*"))
        );
        assert_eq!(
            UnpinnedUsesConfig::default().policy_for("a", "b", None),
            (UsesPolicy::HashPin, None)
        );
    }

    #[test]
    fn unknown_fields_are_rejected() {
        assert!(serde_json::from_str::<AuditConfig>(r#"{"unpinned-usses": {}}"#).is_err());
        assert!(serde_json::from_str::<UnpinnedUsesConfig>(r#"{"policy": {}}"#).is_err());
        assert!(
            serde_json::from_str::<AuditConfig>(r#"{"limits": {"max-file-bytes": 10}}"#).is_ok()
        );
    }
}
