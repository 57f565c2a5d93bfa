//! `hook-overrides`: one identity overrides the secret-blocking pre-commit check again and
//! again.
//!
//! **Why.** An override (`DEVSPM_ALLOW=1`) is a person deciding a blocked secret may be
//! committed. Once is a false positive; [`super::Thresholds::overrides`] (3) times within
//! [`super::Thresholds::override_days`] (30) days is a habit of pushing credentials past the
//! guard — or someone exfiltrating them through the repository.
//!
//! **Severity.** Medium from the third override in the window; high from twice that.
//!
//! **Noise.** A test-fixture folder full of fake keys that the secret rules do not allowlist
//! (fix the allowlist and the overrides stop).

use std::collections::HashMap;

use super::{Raised, RuleMeta, Thresholds, VERSION};
use devspm_core::posture::HookOverrideFact;
use devspm_core::signal::Signal;

pub const RULE: RuleMeta = RuleMeta {
    id: "hook-overrides",
    severity: "medium",
    description: "one identity overrides the secret-blocking pre-commit check repeatedly",
    noise: "fake keys in test fixtures that the secret rules do not allowlist",
};

/// Every override after `cursor` that is at least the threshold-th of its identity within the
/// window. `overrides` holds every override on record (the window looks back past the cursor).
pub fn check(overrides: &[HookOverrideFact], cursor: u64, t: &Thresholds) -> Vec<Raised> {
    let mut by_who: HashMap<&str, Vec<&HookOverrideFact>> = HashMap::new();
    let mut sorted: Vec<&HookOverrideFact> = overrides.iter().collect();
    sorted.sort_by_key(|o| o.seq);
    let mut out = Vec::new();
    let window = (t.override_days as i64) * 86_400;
    for o in sorted {
        let Some(who) = o.identity.as_deref().or(o.alias.as_deref()) else {
            continue;
        };
        let earlier = by_who.entry(who).or_default();
        earlier.retain(|e| o.at - e.at < window);
        earlier.push(o);
        let n = earlier.len() as u64;
        if n < t.overrides || o.seq <= cursor {
            continue;
        }
        out.push(Raised {
            key: format!("signal/{}/{}/{}", RULE.id, o.repo, o.seq),
            signal: Signal {
                rule: RULE.id.to_owned(),
                version: VERSION,
                severity: if n >= 2 * t.overrides { "high" } else { "medium" }.to_owned(),
                subject: who.to_owned(),
                alias: o.alias.clone(),
                repo: o.repo.clone(),
                at: o.at,
                commits: Vec::new(),
                seqs: earlier.iter().map(|e| e.seq).collect(),
                paths: Vec::new(),
                baseline: format!(
                    "{} or more overrides within {} days make a habit",
                    t.overrides, t.override_days
                ),
                explanation: format!(
                    "Override number {n} of the secret-blocking pre-commit check within {} days ({} secret{} blocked this time).",
                    t.override_days,
                    o.blocked,
                    if o.blocked == 1 { "" } else { "s" }
                ),
                probability: None,
            },
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::Thresholds;
    use super::super::testing::*;
    use super::*;

    fn ov(seq: u64, at: i64) -> HookOverrideFact {
        HookOverrideFact {
            seq,
            at,
            repo: "r1".to_owned(),
            alias: Some(ALICE.to_owned()),
            identity: Some("dev_alice".to_owned()),
            blocked: 1,
        }
    }

    #[test]
    fn third_override_in_a_month() {
        let list = vec![ov(1, T0), ov(2, T0 + DAY), ov(3, T0 + 2 * DAY)];
        let s = check(&list, 0, &Thresholds::default());
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].signal.seqs, vec![1, 2, 3]);
        // Already judged: nothing after the cursor.
        assert!(check(&list, 3, &Thresholds::default()).is_empty());
    }

    #[test]
    fn spread_out_overrides_are_quiet() {
        let list = vec![ov(1, T0), ov(2, T0 + 40 * DAY), ov(3, T0 + 80 * DAY)];
        assert!(check(&list, 0, &Thresholds::default()).is_empty());
    }
}
