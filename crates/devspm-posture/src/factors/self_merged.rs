//! `self_merged`: the share of the subject's changes that reached the default branch without a
//! second person.
//!
//! Why: a change its author committed to the default branch with no review, approval or
//! co-author from another person had no second pair of eyes in the record — the path an
//! insider or a stolen account takes. A commit is self-merged when its author and committer are
//! the same identity and no `Reviewed-by`, `Acked-by`, `Approved-by`, `Tested-by` or
//! `Co-authored-by` trailer names another person (an AI agent is not a person) and no
//! `Reviewed-on` trailer names a review. Merge commits are left out (what they merge is
//! counted commit by commit). A pull request merged on a forge has the forge as committer and
//! is not self-merged; the review itself lives on the forge, not in git.
//!
//! "On the default branch": reachable from the repository's default branch, approximated
//! (`crate::graph`); where no default branch is known, every reachable commit counts.
//!
//! Small samples: shrunk toward the organisation's share with a prior of `prior_commits`
//! commits; normalised = 1 − adjusted share.

use super::{Evaluation, EvidenceItem, Factor, Inputs, Status, num, shrink_share};

pub const FACTOR: Factor = Factor {
    id: "self_merged",
    title: "share of its non-merge commits on the default branch committed by their author with no other person's review trailer",
    default_weight: 0.10,
    evaluate,
};

fn evaluate(i: &Inputs<'_>) -> Evaluation {
    const UNIT: &str = "commits on the default branch";
    let t = i.subject;
    let org = i.organisation;
    if t.self_merge_population == 0 {
        return Evaluation::unknown(
            "no non-merge commits on the default branch in the window",
            UNIT,
        );
    }
    let org_share = if org.self_merge_population > 0 {
        org.self_merged as f64 / org.self_merge_population as f64
    } else {
        0.0
    };
    let m = i.settings.prior_commits;
    let raw = t.self_merged as f64 / t.self_merge_population as f64;
    let adjusted = shrink_share(t.self_merged, t.self_merge_population, m, org_share);
    let normalised = 1.0 - adjusted;
    let evidence = t.evidence.as_ref().map_or_else(Vec::new, |e| {
        e.self_merged
            .iter()
            .map(|(sha, repo)| EvidenceItem::one("commit", sha, repo, "self-merged"))
            .collect()
    });
    Evaluation {
        status: Status::Known,
        reason: None,
        raw: Some(raw),
        raw_text: format!(
            "{} of {} commits self-merged",
            t.self_merged, t.self_merge_population
        ),
        adjusted: Some(adjusted),
        normalised: Some(normalised),
        sample: t.self_merge_population,
        sample_unit: UNIT,
        formula: format!(
            "adjusted = (self_merged + m × org_share) / (commits + m) = ({} + {} × {}) / ({} + {}) = {}; normalised = 1 − adjusted = {}",
            t.self_merged,
            num(m),
            num(org_share),
            t.self_merge_population,
            num(m),
            num(adjusted),
            num(normalised)
        ),
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::factors::tests::inputs;
    use crate::metrics::Tally;

    #[test]
    fn all_self_merged_scores_low_and_none_is_unknown() {
        let org = Tally {
            self_merge_population: 100,
            self_merged: 20,
            ..Tally::default()
        };
        let subject = Tally {
            self_merge_population: 80,
            self_merged: 80,
            ..Tally::default()
        };
        let e = evaluate(&inputs(&subject, &org));
        // (80 + 20 × 0.2) / 100 = 0.84
        assert!((e.normalised.unwrap() - 0.16).abs() < 1e-12);
        assert_eq!(
            evaluate(&inputs(&Tally::default(), &org)).status,
            Status::Unknown
        );
    }
}
