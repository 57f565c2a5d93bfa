//! Reachability over recorded commits, for detecting history rewrites.
//!
//! The ledger keeps every commit with its parents, even after a force-push removed it from the
//! repository, so rewrites are judged on the recorded graph: if a ref's old tip is no longer an
//! ancestor of its new tip, the commits reachable from the old tip and not from the new one
//! became unreachable through that ref.

use std::collections::{HashMap, HashSet};

/// Commit ids (hex) and their parents.
#[derive(Default, Debug)]
pub struct ParentGraph {
    parents: HashMap<String, Vec<String>>,
}

impl ParentGraph {
    pub fn new(parents: HashMap<String, Vec<String>>) -> ParentGraph {
        ParentGraph { parents }
    }

    pub fn insert(&mut self, id: String, parents: Vec<String>) {
        self.parents.insert(id, parents);
    }

    pub fn contains(&self, id: &str) -> bool {
        self.parents.contains_key(id)
    }

    pub fn len(&self) -> usize {
        self.parents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.parents.is_empty()
    }

    /// Whether `ancestor` is reachable from `tip` (a commit is its own ancestor).
    pub fn is_ancestor(&self, ancestor: &str, tip: &str) -> bool {
        let mut seen = HashSet::new();
        let mut stack = vec![tip];
        while let Some(id) = stack.pop() {
            if id == ancestor {
                return true;
            }
            if !seen.insert(id) {
                continue;
            }
            if let Some(parents) = self.parents.get(id) {
                stack.extend(parents.iter().map(String::as_str));
            }
        }
        false
    }

    /// Every recorded commit reachable from `tips`.
    pub fn reachable<'a>(&'a self, tips: impl IntoIterator<Item = &'a str>) -> HashSet<&'a str> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut stack: Vec<&str> = tips.into_iter().collect();
        while let Some(id) = stack.pop() {
            let Some((key, parents)) = self.parents.get_key_value(id) else {
                continue;
            };
            if !seen.insert(key.as_str()) {
                continue;
            }
            stack.extend(parents.iter().map(String::as_str));
        }
        seen
    }

    /// Commits reachable from `old` but not from any of `keep` (sorted).
    pub fn unreachable_after(&self, old: &str, keep: &HashSet<&str>) -> Vec<String> {
        let mut out: Vec<String> = self
            .reachable([old])
            .into_iter()
            .filter(|id| !keep.contains(id))
            .map(str::to_owned)
            .collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> ParentGraph {
        ParentGraph::new(
            edges
                .iter()
                .map(|(id, ps)| (id.to_string(), ps.iter().map(|p| p.to_string()).collect()))
                .collect(),
        )
    }

    #[test]
    fn force_push_leaves_the_old_branch_unreachable() {
        // a <- b <- c (old tip); a <- d (new tip)
        let g = graph(&[("a", &[]), ("b", &["a"]), ("c", &["b"]), ("d", &["a"])]);
        assert!(g.is_ancestor("a", "d"));
        assert!(!g.is_ancestor("c", "d"));
        let keep = g.reachable(["d"]);
        assert_eq!(g.unreachable_after("c", &keep), vec!["b", "c"]);
    }

    #[test]
    fn merges_and_unknown_parents() {
        let g = graph(&[("m", &["x", "y"]), ("x", &["gone"]), ("y", &[])]);
        assert!(g.is_ancestor("y", "m"));
        assert_eq!(g.reachable(["m"]).len(), 3);
    }
}
