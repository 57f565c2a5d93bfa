//! `committer-change`: a developer who commits their own work has a commit of theirs committed
//! by someone who never committed for them before.
//!
//! **Why.** Author and committer are both free text in git. A commit that names a trusted
//! developer as author but was committed by somebody else is how work is passed off under a
//! trusted name — and, on a forge, how a compromised account pushes a "rebased" version of
//! someone else's change. For a developer whose history is one of committing their own work
//! (at least [`super::Thresholds::self_commit_share`] of at least
//! [`super::Thresholds::min_history`] commits), a new committer is a change of pattern.
//!
//! **Severity.** Medium; low when the commit touches no sensitive path.
//!
//! **Noise.** A maintainer applying a long-time contributor's patch for the first time (git's
//! patch-by-mail workflow), or a forge's merge button used by a new person. Forge and bot
//! committers (kind `bot`) and AI agents are not counted as a new committer.

use super::{Observed, Raised, RuleMeta, pct};

pub const RULE: RuleMeta = RuleMeta {
    id: "committer-change",
    severity: "medium",
    description: "a developer who commits their own work has a commit committed by someone new",
    noise: "a maintainer applying an established contributor's patch for the first time",
};

pub fn check(seen: &Observed<'_>, out: &mut Vec<Raised>) {
    let (a, c) = (&seen.author, &seen.committer);
    if !a.is_developer() || !c.is_developer() || a.id == c.id {
        return;
    }
    let t = seen.thresholds;
    let Some(p) = seen.author_history() else {
        return;
    };
    if p.authored < t.min_history || p.committers.contains_key(c.id) {
        return;
    }
    let share = p.self_committed as f64 / p.authored as f64;
    if share < t.self_commit_share {
        return;
    }
    let sensitive = seen.sensitive_paths();
    let severity = if sensitive.is_empty() {
        "low"
    } else {
        "medium"
    };
    let mut raised = seen.raise(
        &RULE,
        severity,
        format!(
            "{} of their {} earlier commits ({}) were committed by themselves; {} other committer{}",
            p.self_committed,
            p.authored,
            pct(share),
            p.committers.len(),
            if p.committers.len() == 1 { "" } else { "s" }
        ),
        format!(
            "Commit authored by {} and committed by {} ({}), who never committed their work before.",
            a.id, c.id, c.alias
        ),
    );
    raised.signal.paths = sensitive.into_iter().map(|(_, p)| p).collect();
    out.push(raised);
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use devspm_core::event::ChangeKind;

    #[test]
    fn someone_new_commits_her_work() {
        let mut w = World::new(people());
        let end = w.routine(ALICE, T0, 25);
        w.commit(ALICE, end).committer_alias = BOB.to_owned();
        w.examine(detail(vec![file("Makefile", ChangeKind::Modified, 2, 2)]));
        let r = w.run();
        let s = of(&r, "committer-change");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].signal.severity, "medium");
        assert!(
            s[0].signal
                .baseline
                .starts_with("25 of their 25 earlier commits (100.0%)")
        );
    }

    #[test]
    fn usual_committer_or_mixed_history_is_quiet() {
        let mut w = World::new(people());
        let mut at = T0;
        // Bob commits a third of Alice's work: no self-commit practice.
        for i in 0..30 {
            let c = w.commit(ALICE, at);
            if i % 3 == 0 {
                c.committer_alias = BOB.to_owned();
            }
            at += DAY;
        }
        w.commit(ALICE, at).committer_alias = BOB.to_owned();
        w.examine(detail(vec![]));
        assert!(of(&w.run(), "committer-change").is_empty());
    }
}
