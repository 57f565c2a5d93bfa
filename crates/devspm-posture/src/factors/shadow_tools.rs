//! `shadow_tools`: how many distinct tools the subject uses that the policy has not approved —
//! shadow IT.
//!
//! Why: an unapproved AI assistant, IDE extension, MCP server or CI action is code and data
//! access nobody reviewed; each one the subject brings in (a repository file they introduced)
//! or runs (their workstation) widens what an attacker can reach through them. A count of
//! distinct tools (by name: another version of the same tool is the same tool), normalised
//! `1 / (1 + n)`.
//!
//! Unknown when no tool of the subject has a verdict: no `[policy]` judges repository tools and
//! no workstation scan recorded one, or nothing of theirs is in the inventory — no inventory is
//! not zero risk. Does not apply to AI agents (a tool is counted for the person who introduced
//! or runs it). The inventory is as it stands now, not the window's.

use super::{Evaluation, Factor, Inputs};

pub const FACTOR: Factor = Factor {
    id: "shadow_tools",
    title: "distinct tools in use that the policy has not approved (shadow IT)",
    default_weight: 0.05,
    evaluate,
};

fn evaluate(i: &Inputs<'_>) -> Evaluation {
    super::tools_with_verdict(i, &i.subject.shadow_tools, "unapproved")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::factors::Status;
    use crate::factors::tests::inputs;
    use crate::metrics::Tally;

    #[test]
    fn distinct_unapproved_tools_count_where_an_inventory_exists() {
        let org = Tally {
            tools_judged: 5,
            ..Tally::default()
        };
        let two = Tally {
            tools_judged: 3,
            shadow_tools: ["cursor".to_owned(), "some-mcp".to_owned()].into(),
            ..Tally::default()
        };
        let e = evaluate(&inputs(&two, &org));
        assert!((e.normalised.unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(e.sample, 3);
        let none = Tally::default();
        let e = evaluate(&inputs(&none, &org));
        assert_eq!(e.status, Status::Unknown);
        assert!(e.reason.unwrap().contains("no tool of theirs"));
        let e = evaluate(&inputs(&none, &Tally::default()));
        assert!(e.reason.unwrap().contains("[policy]"));
    }
}
