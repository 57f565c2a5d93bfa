//! `signed_commits`: the share of the subject's commits that carry a signature.
//!
//! Why: a signature ties a commit to a key rather than to a name anyone can type into
//! `git config`; an organisation that signs can tell an impersonated commit from a real one.
//! Any signature counts (gpg, ssh, x509); whether it verifies needs the keys, which the ledger
//! does not hold yet.
//!
//! Small samples: the share is shrunk toward the organisation's with a prior of
//! `prior_commits` commits, `adjusted = (signed + m × org_share) / (commits + m)`, which is
//! also the normalised value.
//!
//! Unknown when signing is not the organisation's practice: fewer than `signing_practice` (5%)
//! of its commits in the window are signed, or none is. There an unsigned commit says nothing
//! about the person, and every subject would lose the same points for nothing.

use super::{Evaluation, EvidenceItem, Factor, Inputs, Status, num, shrink_share};

pub const FACTOR: Factor = Factor {
    id: "signed_commits",
    title: "share of its commits that are signed, shrunk toward the organisation's share",
    default_weight: 0.05,
    evaluate,
};

fn evaluate(i: &Inputs<'_>) -> Evaluation {
    const UNIT: &str = "commits";
    let t = i.subject;
    let org = i.organisation;
    let practice = i.settings.signing_practice;
    if org.signed == 0 || (org.signed as f64) < practice * org.commits as f64 {
        return Evaluation::unknown(
            format!(
                "signing is not the practice: {} of the organisation's {} commits in the window are signed (under {}%)",
                org.signed,
                org.commits,
                num(practice * 100.0)
            ),
            UNIT,
        );
    }
    if t.commits == 0 {
        return Evaluation::unknown("no commits of its own in the window", UNIT);
    }
    let org_share = org.signed as f64 / org.commits as f64;
    let m = i.settings.prior_commits;
    let raw = t.signed as f64 / t.commits as f64;
    let adjusted = shrink_share(t.signed, t.commits, m, org_share);
    let evidence = t.evidence.as_ref().map_or_else(Vec::new, |e| {
        e.commits
            .iter()
            .map(|c| EvidenceItem {
                kind: "commit",
                id: c.sha.clone(),
                repo: Some(c.repo.clone()),
                detail: match (c.signed, &c.signing_key) {
                    (false, _) => "unsigned".to_owned(),
                    (true, Some(key)) => format!("signed ({}, key {key}, unverified)", c.signature),
                    (true, None) => format!("signed ({})", c.signature),
                },
                value: Some(if c.signed { 1.0 } else { 0.0 }),
            })
            .collect()
    });
    Evaluation {
        status: Status::Known,
        reason: None,
        raw: Some(raw),
        raw_text: format!("{} of {} commits signed", t.signed, t.commits),
        adjusted: Some(adjusted),
        normalised: Some(adjusted),
        sample: t.commits,
        sample_unit: UNIT,
        formula: format!(
            "normalised = (signed + m × org_share) / (commits + m) = ({} + {} × {}) / ({} + {}) = {}",
            t.signed,
            num(m),
            num(org_share),
            t.commits,
            num(m),
            num(adjusted)
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
    fn shrunk_toward_the_organisation_and_unknown_where_nobody_signs() {
        let org = Tally {
            commits: 100,
            signed: 50,
            ..Tally::default()
        };
        let subject = Tally {
            commits: 5,
            signed: 5,
            ..Tally::default()
        };
        let e = evaluate(&inputs(&subject, &org));
        assert_eq!(e.raw, Some(1.0));
        // (5 + 20 × 0.5) / 25 = 0.6
        assert!((e.normalised.unwrap() - 0.6).abs() < 1e-12);
        let nobody = Tally {
            commits: 100,
            ..Tally::default()
        };
        assert_eq!(evaluate(&inputs(&subject, &nobody)).status, Status::Unknown);
        // 4 in 1,600 is not a practice either.
        let few = Tally {
            commits: 1600,
            signed: 4,
            ..Tally::default()
        };
        let e = evaluate(&inputs(&subject, &few));
        assert_eq!(e.status, Status::Unknown);
        assert!(e.reason.unwrap().contains("4 of the organisation's 1600"));
    }
}
