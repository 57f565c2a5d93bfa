//! `history-rewrite`: a protected branch or a tag was rewritten — its old tip is no longer an
//! ancestor of its new tip (a `history_rewritten` event of ingest).
//!
//! **Why.** A force-push to `main` or a moved tag can remove a commit that was reviewed and
//! replace it with one that was not, or change what a release tag points to after people
//! verified it. devspm keeps the commits that were rewritten away; this rule says it happened.
//!
//! **What counts.** Refs matching [`super::Thresholds::protected_refs`] (main, master, trunk,
//! develop, release and stable branches, their `origin/` copies, every tag). Topic branches
//! are rewritten all the time and never count.
//!
//! **Subject.** Git does not record who pushed. The signal is about the repository, and names
//! the committer of the new tip as the likely actor (in the explanation, by identity id).
//!
//! **Severity.** High.
//!
//! **Noise.** Deliberate clean-ups of a leaked secret (which should be rare and announced).

use super::{Raised, RewriteFact, RuleMeta, Thresholds, VERSION, Who};
use devspm_core::signal::Signal;

pub const RULE: RuleMeta = RuleMeta {
    id: "history-rewrite",
    severity: "high",
    description: "a protected branch or a tag was rewritten: its old tip is no longer in its history",
    noise: "announced clean-ups (a leaked secret removed from history)",
};

pub fn check(
    r: &RewriteFact,
    new_tip_committer: Option<&Who<'_>>,
    t: &Thresholds,
) -> Option<Raised> {
    if !t.protected(&r.ref_name) {
        return None;
    }
    let actor = new_tip_committer
        .map(|w| format!("; the new tip was committed by {}", w.id))
        .unwrap_or_default();
    Some(Raised {
        key: format!("signal/{}/{}/{}", RULE.id, r.repo, r.seq),
        signal: Signal {
            rule: RULE.id.to_owned(),
            version: VERSION,
            severity: "high".to_owned(),
            subject: format!("repo:{}", r.repo),
            alias: new_tip_committer.map(|w| w.alias.to_owned()),
            repo: r.repo.clone(),
            at: r.at,
            commits: std::iter::once(r.new_tip.clone())
                .chain(std::iter::once(r.old_tip.clone()))
                .chain(r.unreachable.iter().take(20).cloned())
                .collect(),
            seqs: vec![r.seq],
            paths: Vec::new(),
            baseline: format!("{} is protected: its history only grows", r.ref_name),
            explanation: format!(
                "{} was rewritten from {} to {}: {} commit{} no longer in its history{actor}.",
                r.ref_name,
                &r.old_tip[..r.old_tip.len().min(12)],
                &r.new_tip[..r.new_tip.len().min(12)],
                r.unreachable.len(),
                if r.unreachable.len() == 1 {
                    " is"
                } else {
                    "s are"
                },
            ),
            probability: None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::super::RewriteFact;
    use super::super::testing::*;

    fn rewrite(name: &str) -> RewriteFact {
        RewriteFact {
            seq: 7,
            at: T0,
            repo: "r1".to_owned(),
            ref_name: name.to_owned(),
            old_tip: "a".repeat(40),
            new_tip: "b".repeat(40),
            unreachable: vec!["a".repeat(40)],
        }
    }

    #[test]
    fn force_push_to_main_and_moved_tag() {
        let mut w = World::new(people());
        w.input.rewrites = vec![rewrite("refs/heads/main"), rewrite("refs/tags/v1.0")];
        w.input.rewrites[1].seq = 8;
        let r = w.run();
        let s = of(&r, "history-rewrite");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].signal.subject, "repo:r1");
        assert!(s[0].signal.explanation.contains("1 commit is no longer"));
    }

    #[test]
    fn topic_branch_is_quiet() {
        let mut w = World::new(people());
        w.input.rewrites = vec![rewrite("refs/heads/topic/x")];
        assert!(of(&w.run(), "history-rewrite").is_empty());
    }
}
