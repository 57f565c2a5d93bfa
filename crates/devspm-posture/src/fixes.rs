//! Who fixed a finding: the commit that made it disappear, attributed like an introduction
//! (its author, that developer's team, the agents involved in it).
//!
//! An import records the revision at which a finding was last seen and the one at which it
//! was found gone. The fix happened on the way from the one to the other: among the commits
//! reachable from the fix revision and not from the last-seen revision, those that changed the
//! finding's file. devspm takes the **oldest** of them (the first change to the file after
//! the finding was last seen) and says how many candidates there were: with one scan per
//! commit or per pull request there is exactly one.
//!
//! A commit that **deleted** the file is a change to it like any other (ingest lists a
//! deleted path among the commit's files): when the finding went away because its file did,
//! the deleting commit is the fix, and its author made it. A file **renamed** away is listed
//! under its new path, so the rename does not match the old one: the first later change to
//! the old path (none, usually) is taken, or nobody. When no commit on the way changed the
//! path, the revisions are not recorded, or the finding has no file, who fixed it is unknown,
//! and it counts for nobody.

use std::collections::HashMap;

use crate::graph::reachable;

/// The commit taken to have fixed a finding, and how many commits could have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub commit: String,
    pub candidates: usize,
}

/// The commits a fix can be in: reachable from the revision the finding was found gone at
/// (`fixed_at`) and not from the one it was last seen at. `None` when `fixed_at` is not a
/// recorded commit.
pub fn between<'a>(
    parents: &'a HashMap<String, Vec<String>>,
    last_seen: &'a str,
    fixed_at: &'a str,
) -> Option<Vec<&'a str>> {
    if !parents.contains_key(fixed_at) {
        return None;
    }
    let before = if parents.contains_key(last_seen) {
        reachable(last_seen, parents)
    } else {
        Default::default()
    };
    let mut out: Vec<&str> = reachable(fixed_at, parents)
        .into_iter()
        .filter(|c| !before.contains(c))
        .collect();
    out.sort_unstable();
    Some(out)
}

/// Of `candidates` (commit, author time, the paths it changed), the oldest that changed
/// `path`, and how many did.
pub fn fixing_commit(candidates: &[(&str, i64, &[String])], path: &str) -> Option<Fix> {
    let touching: Vec<&(&str, i64, &[String])> = candidates
        .iter()
        .filter(|(_, _, paths)| paths.iter().any(|p| p == path))
        .collect();
    touching
        .iter()
        .min_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(b.0)))
        .map(|(commit, _, _)| Fix {
            commit: (*commit).to_owned(),
            candidates: touching.len(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> HashMap<String, Vec<String>> {
        edges
            .iter()
            .map(|(c, ps)| {
                (
                    (*c).to_owned(),
                    ps.iter().map(|p| (*p).to_owned()).collect(),
                )
            })
            .collect()
    }

    /// Runs both steps: `files` maps a commit to (time, paths).
    fn fix(
        g: &HashMap<String, Vec<String>>,
        files: &[(&str, i64, &[&str])],
        seen: &str,
        gone: &str,
    ) -> Option<Fix> {
        let owned: Vec<(&str, i64, Vec<String>)> = files
            .iter()
            .map(|(c, t, ps)| (*c, *t, ps.iter().map(|p| (*p).to_owned()).collect()))
            .collect();
        let between = between(g, seen, gone)?;
        let candidates: Vec<(&str, i64, &[String])> = owned
            .iter()
            .filter(|(c, _, _)| between.contains(c))
            .map(|(c, t, ps)| (*c, *t, ps.as_slice()))
            .collect();
        fixing_commit(&candidates, "app.py")
    }

    #[test]
    fn the_first_change_to_the_file_after_it_was_last_seen() {
        // a ← b ← c ← d; seen at b, gone at d; app.py changed in a, c and d.
        let g = graph(&[("a", &[]), ("b", &["a"]), ("c", &["b"]), ("d", &["c"])]);
        let files: &[(&str, i64, &[&str])] = &[
            ("a", 1, &["app.py"]),
            ("b", 2, &["other.py"]),
            ("c", 3, &["app.py", "x"]),
            ("d", 4, &["app.py"]),
        ];
        assert_eq!(
            fix(&g, files, "b", "d"),
            Some(Fix {
                commit: "c".into(),
                candidates: 2
            })
        );
        // Scanned at every commit: one candidate.
        assert_eq!(fix(&g, files, "c", "d").unwrap().candidates, 1);
        // Nothing changed the file on the way: unknown.
        assert_eq!(fix(&g, files, "d", "d"), None);
        // A fix revision that is not recorded: unknown.
        assert_eq!(fix(&g, files, "b", "zz"), None);
    }

    #[test]
    fn a_side_branch_merged_in_counts() {
        // a ← b (seen) ← m; a ← x (changes the file) ← m (merge, gone at m).
        let g = graph(&[("a", &[]), ("b", &["a"]), ("x", &["a"]), ("m", &["b", "x"])]);
        let files: &[(&str, i64, &[&str])] = &[("a", 1, &["app.py"]), ("x", 2, &["app.py"])];
        assert_eq!(fix(&g, files, "b", "m").unwrap().commit, "x");
    }

    #[test]
    fn the_commit_that_deleted_the_file_fixed_it() {
        // a ← b (seen) ← c (deletes app.py) ← d (gone at d, changes other.py).
        let g = graph(&[("a", &[]), ("b", &["a"]), ("c", &["b"]), ("d", &["c"])]);
        let files: &[(&str, i64, &[&str])] = &[
            ("a", 1, &["app.py"]),
            ("c", 3, &["app.py"]),
            ("d", 4, &["other.py"]),
        ];
        assert_eq!(
            fix(&g, files, "b", "d"),
            Some(Fix {
                commit: "c".into(),
                candidates: 1
            })
        );
    }
}
