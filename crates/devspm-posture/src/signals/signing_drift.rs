//! `signing-drift`: an unsigned commit from a committer who signs, a signature of a kind
//! they never used, or a signature by a key they never signed with.
//!
//! **Why.** A signature ties a commit to a key; an attacker who has a developer's password or
//! token but not their key pushes unsigned commits, or signs with a key of their own. A
//! committer who signed at least [`super::Thresholds::signing_share`] of at least
//! [`super::Thresholds::min_history`] commits and now does not is the clearest sign of it
//! devspm can see; a commit signed by a key the committer never used before is the other.
//!
//! **Severity.** Medium for an unsigned commit; low for a new key (any committer who signed
//! before, whatever their share: one earlier signed commit names a key to compare with) and
//! for a new signature kind (gpg → ssh).
//!
//! **What a key is.** Ingest records the key a signature *names* (`CommitRecorded::
//! signing_key`): an OpenPGP issuer fingerprint or key id, an SSH key's `SHA256:` fingerprint.
//! Nothing is verified — devspm has no public keys — so this is who *claims* to have signed,
//! which is what an impostor's key changes. An OpenPGP key id matches the fingerprint it is the
//! low 64 bits of (older `gpg` wrote only the id). X.509 signatures name no key here.
//!
//! **Noise.** A developer on a new machine before setting up signing; a rebase that dropped
//! signatures (each rebased commit is listed — the default view groups them); a key rotation
//! or a second machine with its own SSH key (each new key fires once: after it, the key is
//! part of the baseline).

use super::{Observed, Raised, RuleMeta, pct};

pub const RULE: RuleMeta = RuleMeta {
    id: "signing-drift",
    severity: "medium",
    description: "an unsigned commit from a committer who signs, or a signature kind or key they never used",
    noise: "a new machine before signing is set up; rebases that drop signatures; key rotation",
};

/// Whether two recorded keys are the same key: equal, or an OpenPGP key id (16 hex digits)
/// that is the low 64 bits of a v4 fingerprint (40 hex digits).
pub fn same_key(a: &str, b: &str) -> bool {
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
    short.len() == 16
        && long.len() == 40
        && long.is_char_boundary(24)
        && long[24..].eq_ignore_ascii_case(short)
}

pub fn check(seen: &Observed<'_>, out: &mut Vec<Raised>) {
    let c = &seen.committer;
    if !c.is_developer() {
        return;
    }
    let t = seen.thresholds;
    let Some(p) = seen.state.people.get(c.id) else {
        return;
    };
    let signature = seen.commit.signature.as_str();
    if let Some(key) = seen.commit.signing_key.as_deref()
        && !p.signing_keys.is_empty()
        && !p.signing_keys.keys().any(|k| same_key(k, key))
    {
        let old: Vec<String> = p
            .signing_keys
            .iter()
            .map(|(k, n)| format!("{k} ({n} commits)"))
            .collect();
        let baseline = format!(
            "{} of their {} earlier commits as committer were signed, naming {} key{}: {}",
            p.signed,
            p.committed,
            p.signing_keys.len(),
            if p.signing_keys.len() == 1 { "" } else { "s" },
            old.join(", ")
        );
        let explanation = format!(
            "New signing key: commit {} is signed ({signature}) with key {key}, which none of {}'s earlier signed commits named. The key is what the signature claims, not verified.",
            seen.commit.sha, c.id
        );
        let mut raised = seen.raise(&RULE, "low", baseline, explanation);
        raised.signal.subject = c.id.to_owned();
        raised.signal.alias = Some(c.alias.to_owned());
        out.push(raised);
        return;
    }
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
                "Commit signed with a {signature} signature, a kind {} never used before.",
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

    #[test]
    fn a_new_key_is_low_and_names_old_and_new() {
        let mut w = World::new(people());
        let mut at = T0;
        for _ in 0..3 {
            let c = w.commit(ALICE, at);
            c.signature = "ssh".to_owned();
            c.signing_key = Some("SHA256:old".to_owned());
            at += DAY;
        }
        let c = w.commit(ALICE, at);
        c.signature = "ssh".to_owned();
        c.signing_key = Some("SHA256:new".to_owned());
        w.examine(detail(vec![]));
        let r = w.run();
        let s = of(&r, "signing-drift");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].signal.severity, "low");
        assert!(s[0].signal.baseline.contains("SHA256:old (3 commits)"));
        assert!(s[0].signal.explanation.contains("with key SHA256:new"));
    }

    #[test]
    fn the_same_key_or_its_key_id_is_quiet() {
        let fp = "0102030405060708090A0B0C0D0E0F1011121314";
        let mut w = World::new(people());
        let c = w.commit(ALICE, T0);
        c.signature = "gpg".to_owned();
        c.signing_key = Some(fp.to_owned());
        let c = w.commit(ALICE, T0 + DAY);
        c.signature = "gpg".to_owned();
        c.signing_key = Some("0D0E0F1011121314".to_owned());
        w.examine(detail(vec![]));
        assert!(of(&w.run(), "signing-drift").is_empty());
        assert!(super::same_key(fp, "0d0e0f1011121314"));
        assert!(!super::same_key(fp, "0D0E0F1011121315"));
    }
}
