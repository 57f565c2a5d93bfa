//! `timezone-shift`: a commit in a time-zone offset far from every offset the author used,
//! with its probability.
//!
//! **Why.** The offset is written by the committing machine's clock settings. A developer's
//! offsets move by an hour twice a year (daylight saving) and when they travel; a jump of
//! several hours from an otherwise constant offset is a different machine — perhaps a
//! different person. The xz-utils attacker committed at +0800 for two years, and a few times
//! at +0200/+0300 (the commits analysts later used to question who "Jia Tan" was).
//!
//! **How unusual.** p = (n₀ + α) / (n + α·(k + 1)), where n₀ = 0 earlier commits in this
//! offset, n earlier commits, k distinct offsets used and α the smoothing pseudo-count. It
//! fires when the offset is at least [`super::Thresholds::timezone_hours`] (2) hours from
//! every offset used before (so daylight saving never fires) and the author has at least
//! [`super::Thresholds::min_history`] commits.
//!
//! **Severity.** Medium.
//!
//! **Noise.** Travel and relocation (once per trip: the next commit in the new offset has it
//! in its baseline only after this one, so a week abroad is one signal per week-start, grouped
//! in the default view).

use super::{Observed, Raised, RuleMeta, offset_name, probability};

pub const RULE: RuleMeta = RuleMeta {
    id: "timezone-shift",
    severity: "medium",
    description: "a commit in a time-zone offset hours away from every offset the author used (with its probability)",
    noise: "travel and relocation: one signal per new offset",
};

pub fn check(seen: &Observed<'_>, out: &mut Vec<Raised>) {
    let a = &seen.author;
    if !a.is_developer() {
        return;
    }
    let t = seen.thresholds;
    let Some(p) = seen.author_history() else {
        return;
    };
    if p.authored < t.min_history || p.offsets.is_empty() {
        return;
    }
    let offset = seen.commit.author_offset;
    let nearest = p
        .offsets
        .keys()
        .map(|o| (o - offset).unsigned_abs())
        .min()
        .unwrap_or(0);
    if (nearest as f64) < t.timezone_hours * 3600.0 {
        return;
    }
    let n = p.authored as f64;
    let k = p.offsets.len() as f64;
    let prob = t.smoothing / (n + t.smoothing * (k + 1.0));
    let used: Vec<String> = p
        .offsets
        .iter()
        .map(|(o, c)| format!("{} ({c})", offset_name(*o)))
        .collect();
    let mut raised = seen.raise(
        &RULE,
        "medium",
        format!("{} earlier commits in offsets {}", p.authored, used.join(", ")),
        format!(
            "Authored in offset {}, {:.1} hours from every offset this developer used: probability {:.5} (add-{} smoothing).",
            offset_name(offset),
            nearest as f64 / 3600.0,
            prob,
            t.smoothing
        ),
    );
    raised.signal.probability = probability(prob);
    out.push(raised);
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn a_jump_of_six_hours() {
        let mut w = World::new(people());
        let mut at = T0;
        for _ in 0..30 {
            w.commit(ALICE, at).author_offset = 8 * 3600;
            at += DAY;
        }
        w.commit(ALICE, at).author_offset = 2 * 3600;
        w.examine(detail(vec![]));
        let r = w.run();
        let s = of(&r, "timezone-shift");
        assert_eq!(s.len(), 1);
        assert!(s[0].signal.explanation.contains("+0200, 6.0 hours"));
        let p = s[0].signal.probability.as_ref().unwrap().as_f64().unwrap();
        assert!((p - 0.1 / 30.2).abs() < 1e-6);
    }

    #[test]
    fn daylight_saving_is_quiet() {
        let mut w = World::new(people());
        let mut at = T0;
        for _ in 0..30 {
            w.commit(ALICE, at).author_offset = 3600;
            at += DAY;
        }
        w.commit(ALICE, at).author_offset = 7200;
        w.examine(detail(vec![]));
        assert!(of(&w.run(), "timezone-shift").is_empty());
    }
}
