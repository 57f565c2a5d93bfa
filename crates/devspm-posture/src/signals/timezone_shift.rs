//! `timezone-shift`: a commit in a time-zone offset far from every offset the author used,
//! with its probability.
//!
//! **Why.** The offset is written by the committing machine's clock settings. A developer's
//! offsets move by an hour twice a year (daylight saving) and when they travel; a jump of
//! several hours from an otherwise constant offset is a different machine — perhaps a
//! different person. The xz-utils attacker committed at +0800 for two years, and a few times
//! at +0200/+0300 (the commits analysts later used to question who "Jia Tan" was).
//!
//! **How unusual.** p = (nₒ + α) / (n + α·(k + 1)), where nₒ is the author's earlier commits in
//! this offset, n all their earlier commits, k the distinct offsets they used and α the
//! smoothing pseudo-count. It fires when p is below
//! [`super::Thresholds::timezone_probability`] (0.01) and the offset is at least
//! [`super::Thresholds::timezone_hours`] (2) hours from every offset the author usually works
//! in (a tenth of their commits or more: daylight saving never fires), the author has used it
//! fewer than [`KNOWN`] (3) times (the places a developer keeps travelling to never fire), and
//! the author has [`super::Thresholds::min_history`] commits. An odd offset seen once or twice
//! before the baseline existed still fires later ("Jia Tan"'s +0200 of 2024).
//!
//! **Severity.** Medium.
//!
//! **Noise.** Travel and relocation: one signal per trip (a commit in the same offset within
//! the previous fortnight ([`TRIP`]) is not judged again), until the offset is a tenth of the
//! developer's commits.

use super::{Observed, Raised, RuleMeta, offset_name, probability};

pub const RULE: RuleMeta = RuleMeta {
    id: "timezone-shift",
    severity: "medium",
    description: "a commit in a time-zone offset hours away from every offset the author used (with its probability)",
    noise: "travel and relocation: one signal per new offset",
};

/// Commits in an offset from which it is one the developer knows.
pub const KNOWN: u64 = 3;

/// Commits in the same unusual offset within this many seconds are one trip: only the first
/// is a signal.
pub const TRIP: i64 = 14 * 86_400;

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
    // A place they keep coming back to (three commits or more) is theirs.
    if p.offsets.get(&offset).copied().unwrap_or(0) >= KNOWN {
        return;
    }
    // The offsets this developer usually works in: at least a tenth of their commits.
    let usual: Vec<i32> = p
        .offsets
        .iter()
        .filter(|(_, n)| **n * 10 >= p.authored)
        .map(|(o, _)| *o)
        .collect();
    let nearest = usual
        .iter()
        .map(|o| (o - offset).unsigned_abs())
        .min()
        .unwrap_or(0);
    if (nearest as f64) < t.timezone_hours * 3600.0 {
        return;
    }
    // One signal per trip: a commit in the same offset within the last fortnight was judged.
    if p.offset_last_at
        .get(&offset)
        .is_some_and(|last| (seen.commit.author_time - last).abs() < TRIP)
    {
        return;
    }
    let n = p.authored as f64;
    let k = p.offsets.len() as f64;
    let here = p.offsets.get(&offset).copied().unwrap_or(0) as f64;
    let prob = (here + t.smoothing) / (n + t.smoothing * (k + 1.0));
    if prob >= t.timezone_probability {
        return;
    }
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
            "Authored in offset {}, {:.1} hours from every offset this developer usually works in: probability {:.5} ({} earlier commits in it; add-{} smoothing).",
            offset_name(offset),
            nearest as f64 / 3600.0,
            prob,
            here,
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
        assert!(
            s[0].signal.explanation.contains("+0200, 6.0 hours"),
            "{}",
            s[0].signal.explanation
        );
        let p = s[0].signal.probability.as_ref().unwrap().as_f64().unwrap();
        assert!((p - 0.1 / 30.2).abs() < 1e-6);
    }

    #[test]
    fn rare_offset_seen_before_the_baseline_still_fires() {
        // Like "Jia Tan": two commits at +0200 early on, then hundreds at +0800.
        let mut w = World::new(people());
        let mut at = T0;
        for i in 0..300 {
            w.commit(ALICE, at).author_offset = if i < 2 { 2 * 3600 } else { 8 * 3600 };
            at += DAY;
        }
        w.commit(ALICE, at).author_offset = 2 * 3600;
        w.examine(detail(vec![]));
        let r = w.run();
        let s = of(&r, "timezone-shift");
        assert_eq!(s.len(), 1);
        let p = s[0].signal.probability.as_ref().unwrap().as_f64().unwrap();
        assert!((p - 2.1 / 300.3).abs() < 1e-6, "{p}");
    }

    #[test]
    fn one_signal_per_trip() {
        let mut w = World::new(people());
        let mut at = T0;
        for _ in 0..100 {
            w.commit(ALICE, at).author_offset = 3600;
            at += DAY;
        }
        for _ in 0..5 {
            w.commit(ALICE, at).author_offset = -5 * 3600;
            w.examine(detail(vec![]));
            at += DAY;
        }
        assert_eq!(of(&w.run(), "timezone-shift").len(), 1);
    }

    #[test]
    fn a_place_visited_three_times_is_known() {
        let mut w = World::new(people());
        let mut at = T0;
        for i in 0..200 {
            let o = if i % 50 == 7 { -4 * 3600 } else { -8 * 3600 };
            w.commit(ALICE, at).author_offset = o;
            at += DAY;
        }
        w.commit(ALICE, at + 30 * DAY).author_offset = -4 * 3600;
        w.examine(detail(vec![]));
        assert!(of(&w.run(), "timezone-shift").is_empty());
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
