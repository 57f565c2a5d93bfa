//! `policy_violations`: how many distinct tools the subject uses that the policy denies.
//!
//! Why: a denied tool is one the organisation decided against — a known-compromised action, a
//! banned extension, a data-exfiltrating assistant; using it anyway is a breach of policy, not
//! an oversight like an unapproved one. A count of distinct tools (by name and version: a
//! policy may deny one version only), normalised `1 / (1 + n)`.
//!
//! Only tool verdicts count here: the policy's other checks are factors of their own (unsigned
//! commits: `signed_commits`; CI findings: `finding_rate`), so nothing is counted twice. Unknown
//! and not applicable exactly as `shadow_tools`.

use super::{Evaluation, Factor, Inputs};

pub const FACTOR: Factor = Factor {
    id: "policy_violations",
    title: "distinct tools in use that the policy denies",
    default_weight: 0.05,
    evaluate,
};

fn evaluate(i: &Inputs<'_>) -> Evaluation {
    super::tools_with_verdict(i, &i.subject.denied_tools, "denied")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::factors::Status;
    use crate::factors::tests::inputs;
    use crate::metrics::Tally;

    #[test]
    fn denied_tools_count_and_nothing_judged_is_unknown() {
        let org = Tally {
            tools_judged: 2,
            ..Tally::default()
        };
        let one = Tally {
            tools_judged: 2,
            denied_tools: ["evil/action@v1".to_owned()].into(),
            ..Tally::default()
        };
        assert!((evaluate(&inputs(&one, &org)).normalised.unwrap() - 0.5).abs() < 1e-12);
        let clean = Tally {
            tools_judged: 2,
            ..Tally::default()
        };
        assert_eq!(evaluate(&inputs(&clean, &org)).normalised, Some(1.0));
        assert_eq!(
            evaluate(&inputs(&Tally::default(), &org)).status,
            Status::Unknown
        );
    }
}
