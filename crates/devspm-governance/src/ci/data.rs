//! Embedded data: the known-compromised actions list (`data/compromised-actions.toml`).

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::ci::model::RepoUses;

/// One known-compromised action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CompromisedAction {
    /// `owner/repo` or `owner/repo/path`.
    pub name: String,
    /// Advisory id (GHSA-…).
    pub advisory: String,
    /// Other ids (CVE-…).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// What happened, one or two sentences.
    pub summary: String,
    /// Full commit SHAs that served malicious code.
    #[serde(default)]
    pub bad_shas: Vec<String>,
    /// Exact refs (tags, branches) that pointed at malicious code.
    #[serde(default)]
    pub bad_refs: Vec<String>,
    /// Version prefixes: `v45` matches `v45` and `v45.0.7` but not `v450`.
    #[serde(default)]
    pub bad_ref_prefixes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CompromisedFile {
    action: Vec<CompromisedAction>,
}

impl CompromisedAction {
    /// `true` when `uses` names this action at a bad ref or SHA.
    pub fn matches(&self, uses: &RepoUses<'_>) -> bool {
        let name = self.name.to_ascii_lowercase();
        let full = uses.name().to_ascii_lowercase();
        let same_action =
            full == name || uses.slug_lower() == name || full.starts_with(&format!("{name}/"));
        if !same_action {
            return false;
        }
        let Some(git_ref) = uses.git_ref else {
            return false;
        };
        let lower = git_ref.to_ascii_lowercase();
        self.bad_shas
            .iter()
            .any(|s| s.eq_ignore_ascii_case(git_ref))
            || self
                .bad_refs
                .iter()
                .any(|r| r.eq_ignore_ascii_case(git_ref))
            || self.bad_ref_prefixes.iter().any(|p| {
                let p = p.to_ascii_lowercase();
                lower == p
                    || lower
                        .strip_prefix(&p)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
    }
}

/// The embedded list. Parsing is checked by a unit test, so a broken data file fails CI,
/// and at run time an unparsable list degrades to empty rather than panicking.
pub fn embedded_compromised_actions() -> &'static [CompromisedAction] {
    static LIST: OnceLock<Vec<CompromisedAction>> = OnceLock::new();
    LIST.get_or_init(|| {
        toml::from_str::<CompromisedFile>(include_str!("../../data/compromised-actions.toml"))
            .map(|f| f.action)
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::model::{Uses, parse_uses};

    #[test]
    fn embedded_list_parses() {
        let parsed: CompromisedFile =
            toml::from_str(include_str!("../../data/compromised-actions.toml"))
                .expect("valid data file");
        assert!(parsed.action.len() >= 2);
        assert_eq!(embedded_compromised_actions().len(), parsed.action.len());
    }

    #[test]
    fn matching_refs_and_prefixes() {
        let list = embedded_compromised_actions();
        let hit = |text: &str| {
            let Uses::Repo(r) = parse_uses(text) else {
                return false;
            };
            list.iter().any(|a| a.matches(&r))
        };
        assert!(hit("tj-actions/changed-files@v45"));
        assert!(hit("tj-actions/changed-files@v45.0.7"));
        assert!(hit("TJ-Actions/Changed-Files@v1"));
        assert!(hit(
            "tj-actions/changed-files@0e58ed8671d6b60d0890c21b07f8835ace038e67"
        ));
        assert!(!hit("tj-actions/changed-files@v46.0.1"));
        assert!(!hit("tj-actions/changed-files@v450"));
        assert!(hit("reviewdog/action-setup@v1"));
        assert!(!hit("reviewdog/action-setup@v1.3.2"));
        assert!(!hit("reviewdog/action-setupx@v1"));
    }
}
