//! `large-deletion`: one commit removes a large part of a repository.
//!
//! **Why.** Sabotage by a departing insider, a "protestware" wipe, or a compromised account
//! deleting history's content looks like one huge deletion: at least
//! [`super::Thresholds::large_deletion_lines`] (5,000) lines removed with at most a quarter as
//! many added, or at least [`super::Thresholds::large_deletion_files`] (200) files deleted.
//!
//! **Severity.** Medium; low when the author has made a deletion at least half as large
//! before (a maintainer who prunes vendored code now and then).
//!
//! **Noise.** Removing vendored dependencies or generated files, dropping a platform.

use super::{Observed, Raised, RuleMeta};
use devspm_core::event::ChangeKind;

pub const RULE: RuleMeta = RuleMeta {
    id: "large-deletion",
    severity: "medium",
    description: "one commit removes thousands of lines or hundreds of files",
    noise: "removal of vendored or generated code, dropped platforms",
};

pub fn check(seen: &Observed<'_>, out: &mut Vec<Raised>) {
    let c = seen.commit;
    if c.parent_count > 1 {
        return;
    }
    let t = seen.thresholds;
    let deleted = seen
        .detail
        .files
        .iter()
        .filter(|f| f.change == ChangeKind::Deleted)
        .count() as u64;
    let lines = c.lines_removed >= t.large_deletion_lines && c.lines_added * 4 <= c.lines_removed;
    if !lines && deleted < t.large_deletion_files {
        return;
    }
    let before = seen.author_history().map_or(0, |p| p.max_removed);
    let habit = before * 2 >= c.lines_removed && before > 0;
    out.push(seen.raise(
        &RULE,
        if habit { "low" } else { "medium" },
        format!("the largest deletion of their earlier commits: {before} lines"),
        format!(
            "One commit removes {} lines and deletes {deleted} files (adds {} lines).",
            c.lines_removed, c.lines_added
        ),
    ));
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn wipe_is_medium_and_habit_low() {
        let mut w = World::new(people());
        let c = w.commit(ALICE, T0);
        c.lines_removed = 12_000;
        w.examine(detail(vec![]));
        let c = w.commit(ALICE, T0 + DAY);
        c.lines_removed = 9_000;
        w.examine(detail(vec![]));
        let r = w.run();
        let s = of(&r, "large-deletion");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].signal.severity, "medium");
        assert_eq!(s[1].signal.severity, "low");
    }

    #[test]
    fn rewrites_and_small_deletions_are_quiet() {
        let mut w = World::new(people());
        let c = w.commit(ALICE, T0);
        c.lines_removed = 8_000;
        c.lines_added = 7_000;
        w.examine(detail(vec![]));
        let c = w.commit(ALICE, T0 + DAY);
        c.lines_removed = 400;
        w.examine(detail(vec![]));
        assert!(of(&w.run(), "large-deletion").is_empty());
    }
}
