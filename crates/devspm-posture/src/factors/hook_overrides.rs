//! `hook_overrides`: how often the subject committed past the secret-blocking pre-commit hook.
//!
//! Why: `DEVSPM_ALLOW=1` exists for false positives, and each use is recorded; a developer who
//! overrides repeatedly is committing what the hook was installed to stop. A count:
//! normalised `1 / (1 + n)`.
//!
//! Unknown when no override was ever recorded in any of the subject's repositories: the
//! ledger records overrides, not hook installations, so a repository without any override may
//! simply have no hook — and no hook is not zero risk. Does not apply to AI agents (the
//! override is recorded under the person whose `git config` made the commit).

use super::{Evaluation, EvidenceItem, Factor, Inputs, counted};
use crate::metrics::SubjectKind;

pub const FACTOR: Factor = Factor {
    id: "hook_overrides",
    title: "times it committed past the secret-blocking pre-commit hook in the window",
    default_weight: 0.05,
    evaluate,
};

fn evaluate(i: &Inputs<'_>) -> Evaluation {
    const UNIT: &str = "overrides";
    let t = i.subject;
    if i.kind == SubjectKind::Agent {
        return Evaluation::not_applicable(
            "overrides are recorded under the person whose git configuration committed",
            UNIT,
        );
    }
    if !t.hooks_seen {
        return Evaluation::unknown(
            "no hook override was ever recorded in its repositories: the ledger cannot tell whether the hook is installed there",
            UNIT,
        );
    }
    let evidence = t.evidence.as_ref().map_or_else(Vec::new, |e| {
        e.overrides
            .iter()
            .map(|(seq, repo)| EvidenceItem::one("event", &seq.to_string(), repo, "hook_override"))
            .collect()
    });
    let n = t.hook_overrides;
    counted(
        n,
        "overrides",
        format!("{n} overrides"),
        (n, UNIT),
        evidence,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::factors::Status;
    use crate::factors::tests::inputs;
    use crate::metrics::Tally;

    #[test]
    fn overrides_count_where_a_hook_is_in_use() {
        let org = Tally::default();
        let two = Tally {
            hooks_seen: true,
            hook_overrides: 2,
            ..Tally::default()
        };
        assert!((evaluate(&inputs(&two, &org)).normalised.unwrap() - 1.0 / 3.0).abs() < 1e-12);
        let never = Tally::default();
        assert_eq!(evaluate(&inputs(&never, &org)).status, Status::Unknown);
    }
}
