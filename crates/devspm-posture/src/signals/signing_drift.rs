//! `signing-drift`: an unsigned commit from a committer who signs, or a signature of a kind
//! they never used.
//!
//! **Why.** A signature ties a commit to a key; an attacker who has a developer's password or
//! token but not their key pushes unsigned commits, or signs with a key of their own. A
//! committer who signed at least [`super::Thresholds::signing_share`] of at least
//! [`super::Thresholds::min_history`] commits and now does not is the clearest sign of it
//! devspm can see.
//!
//! **Severity.** Medium for an unsigned commit; low for a new signature kind (gpg → ssh).
//!
//! **Approximation.** Ingest records the signature's kind, not its key: a new key of the same
//! kind is not seen (the rule says "new kind", never "new key"). Signatures are not verified.
//!
//! **Noise.** A developer on a new machine before setting up signing; a rebase that dropped
//! signatures (each rebased commit is listed — the default view groups them).

use super::{Observed, Raised, RuleMeta, pct};

pub const RULE: RuleMeta = RuleMeta {
    id: "signing-drift",
    severity: "medium",
    description: "an unsigned commit from a committer who signs, or a signature kind they never used",
    noise: "a new machine before signing is set up; rebases that drop signatures",
};

pub fn check(seen: &Observed<'_>, out: &mut Vec<Raised>) {
    let c = &seen.committer;
    if !c.is_developer() {
        return;
    }
    let t = seen.thresholds;
    let Some(p) = seen.state.people.get(c.id) else {
        return;
    };
    if p.committed < t.min_history {
        return;
    }
    let share = p.signed as f64 / p.committed as f64;
    let kinds: Vec<String> = p
        .signature_kinds
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    let baseline = format!(
        "{} of their {} earlier commits as committer were signed ({}): {}",
        p.signed,
        p.committed,
        pct(share),
        kinds.join(", ")
    );
    let signature = seen.commit.signature.as_str();
    let (severity, explanation) = if signature == "none" {
        if share < t.signing_share {
            return;
        }
        (
            "medium",
            format!(
                "Unsigned commit by {}, who signs {} of their commits.",
                c.id,
                pct(share)
            ),
        )
    } else if share >= t.signing_share && !p.signature_kinds.contains_key(signature) {
        (
            "low",
            format!(
                "Commit signed with a {signature} signature, a kind {} never used before (a new key of the same kind is not visible: ingest records the kind, not the key).",
                c.id
            ),
        )
    } else {
        return;
    };
    let mut raised = seen.raise(&RULE, severity, baseline, explanation);
    raised.signal.subject = c.id.to_owned();
    raised.signal.alias = Some(c.alias.to_owned());
    out.push(raised);
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    fn signer() -> (World, i64) {
        let mut w = World::new(people());
        let mut at = T0;
        for _ in 0..25 {
            w.commit(ALICE, at).signature = "gpg".to_owned();
            at += DAY;
        }
        (w, at)
    }

    #[test]
    fn unsigned_commit_from_a_signer() {
        let (mut w, at) = signer();
        w.commit(ALICE, at);
        w.examine(detail(vec![]));
        let r = w.run();
        let s = of(&r, "signing-drift");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].signal.severity, "medium");
        assert!(s[0].signal.baseline.contains("25 of their 25"));
    }

    #[test]
    fn new_signature_kind_is_low() {
        let (mut w, at) = signer();
        w.commit(ALICE, at).signature = "ssh".to_owned();
        w.examine(detail(vec![]));
        let r = w.run();
        assert_eq!(of(&r, "signing-drift")[0].signal.severity, "low");
    }

    #[test]
    fn signed_as_usual_or_never_signing_is_quiet() {
        let (mut w, at) = signer();
        w.commit(ALICE, at).signature = "gpg".to_owned();
        w.examine(detail(vec![]));
        // Bob never signs: his unsigned commit is his normal.
        let end = w.routine(BOB, T0, 25);
        w.commit(BOB, end);
        w.examine(detail(vec![]));
        assert!(of(&w.run(), "signing-drift").is_empty());
    }
}
