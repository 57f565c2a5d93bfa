//! `sensitive-unreviewed`: a self-merged change to sensitive paths — CI workflows, CODEOWNERS
//! and `.mailmap`, build scripts and build-system macros, release and packaging configuration,
//! or `.gitignore` entries that hide build inputs.
//!
//! **Why.** These files decide what is built, released and trusted, and a reviewer reading
//! source code does not read them. A change to them that nobody else saw — the author also
//! committed it, and no `Reviewed-by`/`Acked-by`/`Approved-by`/`Tested-by` or person
//! co-author trailer names someone else, and it carries no `Reviewed-on` — is where a
//! backdoor's build step goes (xz-utils' `build-to-host.m4`, 2024). A `.gitignore` change
//! counts only when a line it adds hides a build input (m4 macros, `build-aux`, configure
//! scripts, CMake and make files, shell scripts): that is what let xz-utils' release tarball
//! carry an m4 file that git never showed.
//!
//! **Severity.** Medium; low when the author's own practice is to commit their work unreviewed
//! (at least [`super::Thresholds::practice_commits`] earlier self-committed commits: the
//! maintainer of a patch-by-mail project) — the baseline says so — unless a `.gitignore` line
//! hides a build input: that stays medium whoever commits it (xz-utils' "Update
//! m4/.gitignore", which hid `build-to-host.m4`, came from its co-maintainer).
//!
//! **What counts as review.** A review trailer as above; or the commit reached the default
//! branch through a merge commit (on the branch's first-parent chain) committed by someone
//! else — a forge's merge button, a maintainer merging a topic. A commit not reachable from
//! the default branch when it is judged is not judged (a topic branch is where unreviewed work
//! belongs); with no default branch known, every commit is judged.
//!
//! **Approximation.** A pull request squashed or rebased on a forge has the forge as committer
//! and is not self-merged; review that happened outside git (a mailing list) is invisible.
//!
//! **Noise.** Maintainers who commit directly (reported low); projects whose review lives on a
//! mailing list.

use super::{Observed, Raised, RuleMeta};

pub const RULE: RuleMeta = RuleMeta {
    id: "sensitive-unreviewed",
    severity: "medium",
    description: "a self-merged, unreviewed change to CI, ownership, build, release or .gitignore paths",
    noise: "maintainers who commit directly (low: their practice); review held outside git",
};

/// Whether a line added to `.gitignore` hides a build input rather than a build output.
pub fn hides_build_input(line: &str) -> bool {
    let l = line.trim();
    if l.is_empty() || l.starts_with('#') || l.starts_with('!') {
        return false;
    }
    let l = l.to_ascii_lowercase();
    l.ends_with(".m4")
        || l.contains("m4/")
        || l.contains("build-aux")
        || l.contains("configure")
        || l.ends_with(".am")
        || l.ends_with(".ac")
        || l.contains("cmake")
        || l.ends_with(".mk")
        || l.ends_with(".sh")
        || l.contains("makefile")
}

pub fn check(seen: &Observed<'_>, out: &mut Vec<Raised>) {
    let (a, c) = (&seen.author, &seen.committer);
    if !a.is_developer() || a.id != c.id || seen.reviewed || seen.commit.parent_count > 1 {
        return;
    }
    // Not on the default branch (yet): a topic branch is where unreviewed work belongs.
    if seen.detail.on_default_branch == Some(false) {
        return;
    }
    let mut paths: Vec<(&'static str, String)> = Vec::new();
    for (category, path) in seen.sensitive_paths() {
        if category == "ignore" {
            let hides = seen
                .detail
                .text_diffs
                .iter()
                .any(|d| d.path == path && d.added.iter().any(|l| hides_build_input(l)));
            if !hides {
                continue;
            }
        }
        paths.push((category, path));
    }
    if paths.is_empty() {
        return;
    }
    let t = seen.thresholds;
    let own = seen.author_history().map_or(0, |p| p.self_committed);
    // Hiding a build input is never routine: a maintainer's practice does not lower it.
    let hides = paths.iter().any(|(c, _)| *c == "ignore");
    let practice = own >= t.practice_commits && !hides;
    let mut categories: Vec<&str> = paths.iter().map(|(c, _)| *c).collect();
    categories.sort_unstable();
    categories.dedup();
    let mut raised = seen.raise(
        &RULE,
        if practice { "low" } else { "medium" },
        if practice {
            format!(
                "{own} earlier commits committed by their author without review: their practice"
            )
        } else {
            format!("{own} earlier self-committed commits")
        },
        format!(
            "Change to {} paths, committed by its author with no review or co-author trailer naming another person.",
            categories.join(", ")
        ),
    );
    raised.signal.paths = paths.into_iter().map(|(_, p)| p).collect();
    out.push(raised);
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::super::{CommitDetail, TextDiff};
    use devspm_core::event::{ChangeKind, TrailerRecord};

    #[test]
    fn self_merged_workflow_change() {
        let mut w = World::new(people());
        let end = w.routine(ALICE, T0, 5);
        w.commit(ALICE, end);
        w.examine(detail(vec![file(
            ".github/workflows/ci.yml",
            ChangeKind::Modified,
            1,
            1,
        )]));
        let r = w.run();
        let s = of(&r, "sensitive-unreviewed");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].signal.severity, "medium");
        assert_eq!(s[0].signal.paths, vec![".github/workflows/ci.yml"]);
    }

    #[test]
    fn maintainer_practice_is_low() {
        let mut w = World::new(people());
        let end = w.routine(ALICE, T0, 60);
        w.commit(ALICE, end);
        w.examine(detail(vec![file(
            "m4/build-to-host.m4",
            ChangeKind::Added,
            90,
            0,
        )]));
        let r = w.run();
        assert_eq!(of(&r, "sensitive-unreviewed")[0].signal.severity, "low");
    }

    #[test]
    fn gitignore_hiding_a_macro() {
        let mut w = World::new(people());
        // Even from a maintainer who always commits directly.
        w.routine(ALICE, T0 - 100 * DAY, 60);
        w.commit(ALICE, T0);
        let mut d = detail(vec![file(".gitignore", ChangeKind::Modified, 1, 0)]);
        d.text_diffs.push(TextDiff {
            path: ".gitignore".to_owned(),
            added: vec!["/m4/build-to-host.m4".to_owned()],
            removed: vec![],
        });
        w.examine(d);
        let r = w.run();
        let s = of(&r, "sensitive-unreviewed");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].signal.severity, "medium");
    }

    /// A one-line change to a CI workflow, on the default branch or not, merged by someone.
    fn workflow_change(on_default_branch: bool, merged_by: Option<&str>) -> CommitDetail {
        let mut d = detail(vec![file(
            ".github/workflows/ci.yml",
            ChangeKind::Modified,
            1,
            1,
        )]);
        d.on_default_branch = Some(on_default_branch);
        d.merged_by = merged_by.map(str::to_owned);
        d
    }

    #[test]
    fn merged_by_someone_else_or_off_the_branch_is_quiet() {
        let mut w = World::new(people());
        w.commit(ALICE, T0);
        w.examine(workflow_change(true, Some(BOB)));
        w.commit(ALICE, T0 + DAY);
        w.examine(workflow_change(false, None));
        assert!(of(&w.run(), "sensitive-unreviewed").is_empty());
        // Merged by herself: still self-merged.
        let mut w = World::new(people());
        w.commit(ALICE, T0);
        w.examine(workflow_change(true, Some(ALICE)));
        assert_eq!(of(&w.run(), "sensitive-unreviewed").len(), 1);
    }

    #[test]
    fn reviewed_other_committer_or_harmless_ignore_is_quiet() {
        let mut w = World::new(people());
        w.commit(ALICE, T0);
        let mut d = detail(vec![file("CMakeLists.txt", ChangeKind::Modified, 1, 1)]);
        d.trailers.push(TrailerRecord {
            key: "Reviewed-by".to_owned(),
            value: None,
            alias: Some(BOB.to_owned()),
        });
        w.examine(d);
        w.commit(ALICE, T0 + DAY).committer_alias = BOB.to_owned();
        w.examine(detail(vec![file("Makefile", ChangeKind::Modified, 1, 1)]));
        w.commit(ALICE, T0 + 2 * DAY);
        let mut d = detail(vec![file(".gitignore", ChangeKind::Modified, 1, 0)]);
        d.text_diffs.push(TextDiff {
            path: ".gitignore".to_owned(),
            added: vec!["/target".to_owned(), "*.o".to_owned()],
            removed: vec![],
        });
        w.examine(d);
        // Reviewed by herself does not count as review.
        w.commit(ALICE, T0 + 3 * DAY);
        let mut d = detail(vec![file("Makefile", ChangeKind::Modified, 1, 1)]);
        d.trailers.push(TrailerRecord {
            key: "Reviewed-by".to_owned(),
            value: None,
            alias: Some(ALICE.to_owned()),
        });
        w.examine(d);
        let r = w.run();
        let s = of(&r, "sensitive-unreviewed");
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(s[0].signal.paths, vec!["Makefile"]);
    }
}
