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

/// How each commit reached the default branch: the first-parent chain from `tip` (commits made
/// or pushed on the branch itself), and for every other commit reachable from `tip`, the merge
/// commit on that chain that brought it in (the oldest such merge: a commit merged twice was
/// merged by the first).
pub struct MergePaths<'a> {
    pub first_parent: HashSet<&'a str>,
    pub merged_by: HashMap<&'a str, &'a str>,
}

/// The [`MergePaths`] of the default branch whose tip is `tip`.
pub fn merge_paths<'a>(tip: &'a str, parents: &'a HashMap<String, Vec<String>>) -> MergePaths<'a> {
    let mut chain: Vec<&str> = Vec::new();
    let mut first_parent: HashSet<&str> = HashSet::new();
    let mut at = Some(tip);
    while let Some(c) = at {
        if !first_parent.insert(c) {
            break;
        }
        chain.push(c);
        at = parents.get(c).and_then(|p| p.first()).map(|p| p.as_str());
    }
    let mut merged_by: HashMap<&str, &str> = HashMap::new();
    for &merge in chain.iter().rev() {
        let Some(ps) = parents.get(merge) else {
            continue;
        };
        let mut stack: Vec<&str> = ps.iter().skip(1).map(|p| p.as_str()).collect();
        while let Some(c) = stack.pop() {
            if first_parent.contains(c) || merged_by.contains_key(c) {
                continue;
            }
            merged_by.insert(c, merge);
            if let Some(ps) = parents.get(c) {
                stack.extend(ps.iter().map(|p| p.as_str()));
            }
        }
    }
    MergePaths {
        first_parent,
        merged_by,
    }
}

#[cfg(test)]
mod merge_path_tests {
    use super::*;

    #[test]
    fn topic_commits_belong_to_their_merge() {
        // a - b ----- m1 - c - m2      (main, first parents)
        //      \     /        /
        //       t1 - t2      /
        //         \         /
        //          u1 -----
        let p = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let parents: HashMap<String, Vec<String>> = [
            ("a", p(&[])),
            ("b", p(&["a"])),
            ("t1", p(&["b"])),
            ("t2", p(&["t1"])),
            ("m1", p(&["b", "t2"])),
            ("c", p(&["m1"])),
            ("u1", p(&["t1"])),
            ("m2", p(&["c", "u1"])),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let m = merge_paths("m2", &parents);
        let mut fp: Vec<&str> = m.first_parent.iter().copied().collect();
        fp.sort();
        assert_eq!(fp, vec!["a", "b", "c", "m1", "m2"]);
        assert_eq!(m.merged_by.get("t1"), Some(&"m1"));
        assert_eq!(m.merged_by.get("t2"), Some(&"m1"));
        assert_eq!(m.merged_by.get("u1"), Some(&"m2"));
        assert_eq!(m.merged_by.len(), 3);
    }
}
