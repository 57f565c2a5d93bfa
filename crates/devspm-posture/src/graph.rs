//! Which commits are on a repository's default branch.
//!
//! Ingest records every ref and its target but not which branch `HEAD` names (a bare mirror's
//! `HEAD` is rarely checked out, and a clone's is a choice of whoever cloned it). The default
//! branch is approximated by the first of [`DEFAULT_BRANCH_CANDIDATES`] that exists: the
//! remote's own `HEAD` when the repository is a clone, else the conventional names. A commit
//! is on the default branch when it is reachable from that ref's target.

use std::collections::{HashMap, HashSet};

/// The refs tried as the default branch, in order.
pub const DEFAULT_BRANCH_CANDIDATES: [&str; 7] = [
    "refs/remotes/origin/HEAD",
    "refs/heads/main",
    "refs/heads/master",
    "refs/heads/trunk",
    "refs/remotes/origin/main",
    "refs/remotes/origin/master",
    "HEAD",
];

/// The default branch among a repository's candidate refs: (name, target).
pub fn default_branch(refs: &[(String, String)]) -> Option<(&str, &str)> {
    DEFAULT_BRANCH_CANDIDATES.iter().find_map(|candidate| {
        refs.iter()
            .find(|(name, _)| name == candidate)
            .map(|(name, target)| (name.as_str(), target.as_str()))
    })
}

/// The commits reachable from `tip` through `parents` (commit → its parents), the tip
/// included. Parents that are not in the map (beyond a shallow boundary) end the walk there.
pub fn reachable<'a>(tip: &'a str, parents: &'a HashMap<String, Vec<String>>) -> HashSet<&'a str> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut stack = vec![tip];
    while let Some(commit) = stack.pop() {
        if !seen.insert(commit) {
            continue;
        }
        if let Some(ps) = parents.get(commit) {
            stack.extend(ps.iter().map(String::as_str).filter(|p| !seen.contains(p)));
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_first_candidate_that_exists() {
        let refs = vec![
            ("refs/heads/next".to_owned(), "n".to_owned()),
            ("refs/heads/master".to_owned(), "m".to_owned()),
            ("refs/remotes/origin/main".to_owned(), "o".to_owned()),
        ];
        assert_eq!(default_branch(&refs), Some(("refs/heads/master", "m")));
        assert_eq!(default_branch(&[]), None);
    }

    #[test]
    fn reachability_follows_every_parent() {
        // a <- b <- d (merge of b and c), c <- a; e is on another branch.
        let parents: HashMap<String, Vec<String>> = [
            ("a", vec![]),
            ("b", vec!["a"]),
            ("c", vec!["a"]),
            ("d", vec!["b", "c"]),
            ("e", vec!["a"]),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
        .collect();
        let mut on: Vec<&str> = reachable("d", &parents).into_iter().collect();
        on.sort();
        assert_eq!(on, ["a", "b", "c", "d"]);
    }
}
