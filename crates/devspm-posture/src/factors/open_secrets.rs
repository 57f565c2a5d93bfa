//! `open_secrets`: secrets the subject introduced in the window that are still open.
//!
//! Why: a committed secret is usable by anyone who can read the repository's history until it
//! is revoked; no other finding is exploitable as directly. A count, not a rate: one live
//! credential is a problem however much else the subject wrote. Normalised: `1 / (1 + n)` —
//! one open secret halves the factor, three leave a quarter. A secret triaged as an accepted
//! risk is still open; one judged a false positive is not a secret.
//!
//! Unknown when nothing looked for secrets in the subject's repositories: no import there
//! came from a producer that reports secrets (the built-in detector of `devspm scan`, or any
//! producer that has recorded a secret somewhere).

use super::{Evaluation, EvidenceItem, Factor, Inputs, counted};

pub const FACTOR: Factor = Factor {
    id: "open_secrets",
    title: "secrets it introduced in the window that are still open",
    default_weight: 0.20,
    evaluate,
};

fn evaluate(i: &Inputs<'_>) -> Evaluation {
    const UNIT: &str = "secrets introduced";
    let t = i.subject;
    if !t.secrets_covered {
        return Evaluation::unknown(
            "nothing looked for secrets in the repositories it changed (no secret detector or secret-reporting scanner results)",
            UNIT,
        );
    }
    let evidence = t.evidence.as_ref().map_or_else(Vec::new, |e| {
        e.open_secrets
            .iter()
            .map(|(finding, repo)| EvidenceItem::one("finding", finding, repo, "secret, open"))
            .collect()
    });
    counted(
        t.secrets_open,
        "open",
        format!(
            "{} open of {} secrets introduced",
            t.secrets_open, t.secrets_introduced
        ),
        (t.secrets_introduced, UNIT),
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
    fn each_open_secret_weighs_and_unscanned_is_unknown() {
        let org = Tally::default();
        let none = Tally {
            secrets_covered: true,
            ..Tally::default()
        };
        assert_eq!(evaluate(&inputs(&none, &org)).normalised, Some(1.0));
        let one = Tally {
            secrets_covered: true,
            secrets_introduced: 2,
            secrets_open: 1,
            ..Tally::default()
        };
        assert_eq!(evaluate(&inputs(&one, &org)).normalised, Some(0.5));
        let unscanned = Tally::default();
        assert_eq!(evaluate(&inputs(&unscanned, &org)).status, Status::Unknown);
    }
}
