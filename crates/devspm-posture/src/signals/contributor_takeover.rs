//! `contributor-takeover`: a contributor new to a repository quickly makes a large share of its
//! commits.
//!
//! **Why.** The xz-utils attacker built trust for two years, then made most of the commits
//! while the original maintainer stepped back; the same path — a helpful newcomer who becomes
//! the main committer within months — is how a project is taken over without an account
//! being stolen. The rule measures each repository's non-merge commits over a trailing window
//! of [`super::Thresholds::share_window_days`] (90) days and fires once per contributor and
//! repository when someone whose first commit there is less than
//! [`super::Thresholds::new_contributor_days`] (365) days old reaches
//! [`super::Thresholds::contributor_share`] (25%) of them, with at least
//! [`super::Thresholds::min_history`] commits in the window (so that small repositories and
//! quiet months do not make a share out of three commits).
//!
//! **Approximation.** The issue asks for the share of commits *or of sensitive-path changes*;
//! the history the rules replay carries no file lists (that would mean reading every commit's
//! files on every run), so only the share of commits is measured.
//!
//! A contributor whose first commit came less than the window's length after the repository's
//! first commit is one of its founders, not a newcomer.
//!
//! **Severity.** Medium.
//!
//! **Noise.** Every genuinely energetic new maintainer, once — which is exactly the moment a
//! project should know who they are.

use super::{Person, Raised, RuleMeta, Thresholds, VERSION, Who, WindowView, pct};
use devspm_core::posture::HistoryCommit;
use devspm_core::signal::Signal;

pub const RULE: RuleMeta = RuleMeta {
    id: "contributor-takeover",
    severity: "medium",
    description: "a contributor new to a repository quickly makes a large share of its commits",
    noise: "every energetic new maintainer, once per repository",
};

/// Judges commit `c` (not yet counted in `window`) by `author`, whose baseline is `person`.
pub fn step(
    window: WindowView<'_>,
    c: &HistoryCommit,
    author: &Who<'_>,
    person: Option<&Person>,
    t: &Thresholds,
) -> Option<Raised> {
    if c.parent_count > 1 || !author.is_developer() || window.flagged.contains(author.id) {
        return None;
    }
    let first = person
        .and_then(|p| p.first_in_repo.get(&c.repo).copied())
        .unwrap_or(c.committer_time);
    let age_days = (c.committer_time - first) / 86_400;
    if age_days as u64 > t.new_contributor_days {
        return None;
    }
    // Founders are not newcomers: the repository must have had a life before them.
    let repo_first = window.first_at.unwrap_or(c.committer_time);
    if first - repo_first < (t.share_window_days as i64) * 86_400 {
        return None;
    }
    let mine = window.counts.get(author.id).copied().unwrap_or(0) + 1;
    let total = window.total + 1;
    if mine < t.min_history || total < 2 * t.min_history {
        return None;
    }
    let share = mine as f64 / total as f64;
    if share < t.contributor_share {
        return None;
    }
    Some(Raised {
        key: format!("signal/{}/{}/{}", RULE.id, c.repo, author.id),
        signal: Signal {
            rule: RULE.id.to_owned(),
            version: VERSION,
            severity: "medium".to_owned(),
            subject: author.id.to_owned(),
            alias: Some(author.alias.to_owned()),
            repo: c.repo.clone(),
            at: c.committer_time,
            commits: vec![c.sha.clone()],
            seqs: vec![c.seq],
            paths: Vec::new(),
            baseline: format!(
                "first commit in this repository {age_days} days earlier; {total} non-merge commits in the last {} days",
                t.share_window_days
            ),
            explanation: format!(
                "A contributor new to the repository made {mine} of its last {total} commits ({}) within {age_days} days of their first.",
                pct(share)
            ),
            probability: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn newcomer_takes_over() {
        let mut w = World::new(people());
        // Alice maintains alone for a year, then Bob arrives and commits daily.
        let end = w.routine(ALICE, T0, 250);
        let mut at = end;
        for _ in 0..40 {
            w.commit(BOB, at);
            w.commit(ALICE, at + 3600);
            at += 2 * DAY;
        }
        w.examine_all();
        let r = w.run();
        let s = of(&r, "contributor-takeover");
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!(s[0].signal.subject, "dev_bob");
    }

    #[test]
    fn founder_and_occasional_contributors_are_quiet() {
        let mut w = World::new(people());
        let end = w.routine(ALICE, T0, 250);
        // Bob contributes one commit in ten.
        let mut at = end;
        for i in 0..100 {
            w.commit(if i % 10 == 0 { BOB } else { ALICE }, at);
            at += DAY;
        }
        w.examine_all();
        assert!(of(&w.run(), "contributor-takeover").is_empty());
    }
}
