//! `unusual-hours`: a commit at an hour of the week far outside the author's own distribution,
//! with its probability.
//!
//! **Why.** A stolen credential is used when its owner is asleep; an impostor keeps the hours
//! of another continent. "Off-hours" means nothing across a global team — the author's own
//! weekly rhythm does.
//!
//! **How unusual.** From the author's earlier commits (in their local time: author time plus
//! its offset), two distributions with a pseudo-count [`super::Thresholds::smoothing`] α (0.1:
//! a Dirichlet prior, so what was never seen is unlikely, not impossible): the hour of the day
//! (24 bins) and the kind of day (weekday or weekend). The commit's probability is that of its
//! three-hour band of the day times that of its kind of day,
//! p = Σ(nₕ + α) / (n + 24α) over h−1, h, h+1  ×  (n_d + α) / (n + 2α),
//! treating the two as independent (168 hour-of-week bins would need hundreds of commits before
//! a Thursday 11:00 stops looking new). Below [`super::Thresholds::hour_probability`] (0.005)
//! it is a signal. With the defaults, a weekday band never used needs about 60 earlier
//! commits before it can fire, a weekend commit from someone who never committed on a weekend
//! about 20.
//!
//! **Severity.** Low: alone, an odd hour is weak evidence; it matters beside other signals of
//! the same person (the default view shows it only with `--severity low`).
//!
//! **Noise.** Release nights, deadlines, travel. Rebased commits keep their author time, so
//! they do not move.

use super::{Observed, Raised, RuleMeta, hour_name, hour_of_week, probability};

pub const RULE: RuleMeta = RuleMeta {
    id: "unusual-hours",
    severity: "low",
    description: "a commit at an hour of the week far outside the author's own distribution (with its probability)",
    noise: "release nights, deadlines and travel; needs about 45 earlier commits before it can fire",
};

/// The probability of `hour` (of the week) under `hours` (168 bins) with pseudo-count
/// `alpha`: its three-hour band of the day times its kind of day (weekday or weekend).
pub fn band_probability(hours: &[u32], hour: usize, alpha: f64) -> f64 {
    let n: f64 = hours.iter().map(|&h| h as f64).sum();
    let of_day = |hd: usize| -> f64 { (0..7).map(|d| hours[d * 24 + hd] as f64).sum() };
    let hd = hour % 24;
    let band: f64 = [23, 0, 1]
        .iter()
        .map(|d| of_day((hd + d) % 24) + alpha)
        .sum();
    let p_hour = band / (n + 24.0 * alpha);
    let weekend = |h: usize| h / 24 >= 5;
    let same_kind: f64 = (0..168)
        .filter(|&h| weekend(h) == weekend(hour))
        .map(|h| hours[h] as f64)
        .sum();
    let p_day = (same_kind + alpha) / (n + 2.0 * alpha);
    p_hour * p_day
}

pub fn check(seen: &Observed<'_>, out: &mut Vec<Raised>) {
    let a = &seen.author;
    if !a.is_developer() {
        return;
    }
    let t = seen.thresholds;
    let Some(p) = seen.author_history() else {
        return;
    };
    if p.authored < t.min_history {
        return;
    }
    let c = seen.commit;
    let hour = hour_of_week(c.author_time, c.author_offset);
    let prob = band_probability(&p.hours, hour, t.smoothing);
    if prob >= t.hour_probability {
        return;
    }
    let in_band: u32 = (0..7)
        .flat_map(|d| [23, 0, 1].map(|k| d * 24 + (hour % 24 + k) % 24))
        .map(|h| p.hours[h])
        .sum();
    let weekend = hour / 24 >= 5;
    let same_kind: u32 = (0..168)
        .filter(|h| (h / 24 >= 5) == weekend)
        .map(|h| p.hours[h])
        .sum();
    let busiest = (0..168)
        .max_by_key(|&h| (p.hours[h], std::cmp::Reverse(h)))
        .unwrap_or(0);
    let mut raised = seen.raise(
        &RULE,
        "low",
        format!(
            "{} earlier commits; {} within an hour of {:02}:00 local time, {} on a {}; their busiest hour of the week is {} ({} commits)",
            p.authored,
            in_band,
            hour % 24,
            same_kind,
            if weekend { "weekend" } else { "weekday" },
            hour_name(busiest),
            p.hours[busiest]
        ),
        format!(
            "Authored at {} local time: probability {:.6} under this developer's own hours (three-hour band of the day × weekday or weekend, add-{} smoothing).",
            hour_name(hour),
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
    use super::*;

    #[test]
    fn sunday_night_for_a_weekday_developer() {
        let mut w = World::new(people());
        let end = w.routine(ALICE, T0, 60);
        // The Sunday after `end`, 03:00 UTC.
        let mut at = end - (end % DAY) + 3 * 3600;
        while hour_of_week(at, 0) / 24 != 6 {
            at += DAY;
        }
        w.commit(ALICE, at);
        w.examine(detail(vec![]));
        let r = w.run();
        let s = of(&r, "unusual-hours");
        assert_eq!(s.len(), 1, "{r:?}");
        let p = s[0].signal.probability.as_ref().unwrap().as_f64().unwrap();
        // Band 02:00–04:00 never used, no weekend commit: 0.3 / 62.4 × 0.1 / 60.2.
        let expected = 0.3 / 62.4 * (0.1 / 60.2);
        assert!((p - expected).abs() < expected * 1e-3, "{p}");
        assert!(s[0].signal.explanation.contains("Sun 03:00"));
    }

    #[test]
    fn usual_hour_or_short_history_is_quiet() {
        let mut w = World::new(people());
        let end = w.routine(ALICE, T0, 60);
        // A weekday at 11:00: inside her band, whatever the day.
        w.routine(ALICE, end + 3600, 1);
        w.examine(detail(vec![]));
        assert!(of(&w.run(), "unusual-hours").is_empty());
        // Ten commits are no baseline (min_history 20), even for a Sunday night.
        let mut w = World::new(people());
        let end = w.routine(ALICE, T0, 10);
        let mut at = end - (end % DAY) + 3 * 3600;
        while hour_of_week(at, 0) / 24 != 6 {
            at += DAY;
        }
        w.commit(ALICE, at);
        w.examine(detail(vec![]));
        assert!(of(&w.run(), "unusual-hours").is_empty());
    }
}
