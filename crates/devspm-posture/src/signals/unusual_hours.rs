//! `unusual-hours`: a commit at an hour of the week far outside the author's own distribution,
//! with its probability.
//!
//! **Why.** A stolen credential is used when its owner is asleep; an impostor keeps the hours
//! of another continent. "Off-hours" means nothing across a global team — the author's own
//! weekly rhythm does.
//!
//! **How unusual.** Each of the 168 hours of the week (in the author's local time: author time
//! plus its offset) gets the author's earlier commits in it plus a pseudo-count
//! [`super::Thresholds::smoothing`] α (0.1: a Dirichlet prior, so an hour never seen is
//! unlikely, not impossible). The probability of the commit's hour is that of the three-hour
//! band around it: p = Σ(nₕ + α) / (n + 168α) over h−1, h, h+1. Below
//! [`super::Thresholds::hour_probability`] (0.005) it is a signal. With the defaults a band
//! never used has p = 0.3 / (n + 16.8), so the rule needs about 45 earlier commits before it
//! can fire at all: small histories cannot make anything look unusual.
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

/// The probability of the three-hour band around `hour` under `hours` with pseudo-count `alpha`.
pub fn band_probability(hours: &[u32], hour: usize, alpha: f64) -> f64 {
    let n: f64 = hours.iter().map(|&h| h as f64).sum();
    let band: f64 = [167, 0, 1]
        .iter()
        .map(|d| hours[(hour + d) % 168] as f64 + alpha)
        .sum();
    band / (n + 168.0 * alpha)
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
    let in_band: u32 = [167, 0, 1].iter().map(|d| p.hours[(hour + d) % 168]).sum();
    let busiest = (0..168)
        .max_by_key(|&h| (p.hours[h], std::cmp::Reverse(h)))
        .unwrap_or(0);
    let mut raised = seen.raise(
        &RULE,
        "low",
        format!(
            "{} earlier commits; {} of them within an hour of {} local time; their busiest hour is {} ({} commits)",
            p.authored,
            in_band,
            hour_name(hour),
            hour_name(busiest),
            p.hours[busiest]
        ),
        format!(
            "Authored at {} local time: probability {:.4} under this developer's own hours of the week (add-{} smoothing over 168 hours, three-hour band).",
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
        // 0.3 / (60 + 16.8)
        assert!((p - 0.3 / 76.8).abs() < 1e-6, "{p}");
        assert!(s[0].signal.explanation.contains("Sun 03:00"));
    }

    #[test]
    fn usual_hour_or_short_history_is_quiet() {
        let mut w = World::new(people());
        let end = w.routine(ALICE, T0, 60);
        w.routine(ALICE, end, 1);
        w.examine(detail(vec![]));
        assert!(of(&w.run(), "unusual-hours").is_empty());
        // 30 commits cannot make any hour unusual: 0.3 / 46.8 > 0.005.
        let mut w = World::new(people());
        let end = w.routine(ALICE, T0, 30);
        w.commit(ALICE, end + 6 * DAY + 17 * 3600);
        w.examine(detail(vec![]));
        assert!(of(&w.run(), "unusual-hours").is_empty());
    }
}
