//! The score: 0–100 per subject, the weighted mean of its known factors' normalised values.
//!
//! `score = 100 × Σ (wᵢ / Σ w_known) × sᵢ` over the factors whose value is known, where wᵢ is a
//! factor's weight and sᵢ ∈ [0, 1] its normalised value (1 is the good end). Unknown and
//! not-applicable factors are left out and the weights of the others renormalised, so missing
//! data neither lowers nor raises a score; a subject with no known factor has no score. Each
//! factor's contribution `100 × wᵢ / Σ w_known × sᵢ` is reported, and the contributions add up
//! to the score.

use serde::Serialize;

use crate::factors::{Evaluation, FACTORS, Inputs, Status};

/// One factor of one subject's score.
#[derive(Clone, Debug, Serialize)]
pub struct FactorResult {
    pub id: &'static str,
    pub title: &'static str,
    /// The configured weight.
    pub weight: f64,
    /// The weight renormalised over the known factors (`None` when not counted).
    pub effective_weight: Option<f64>,
    /// Points it adds to the score: `100 × effective_weight × normalised`.
    pub contribution: Option<f64>,
    #[serde(flatten)]
    pub evaluation: Evaluation,
}

/// A subject's score and its factors.
#[derive(Clone, Debug, Serialize)]
pub struct Score {
    /// 0–100, higher is better; `None` when no factor is known.
    pub score: Option<f64>,
    /// The sum of the weights of the known factors (what the weights were renormalised by).
    pub known_weight: f64,
    pub factors: Vec<FactorResult>,
}

impl Score {
    /// How many factors have a value.
    pub fn known(&self) -> usize {
        self.factors
            .iter()
            .filter(|f| f.evaluation.status == Status::Known)
            .count()
    }
}

/// Evaluates every factor and combines them.
pub fn score(inputs: &Inputs<'_>) -> Score {
    let evaluated: Vec<(&crate::factors::Factor, Evaluation, f64)> = FACTORS
        .iter()
        .map(|f| ((*f), (f.evaluate)(inputs), inputs.settings.weight(f.id)))
        .collect();
    let known_weight: f64 = evaluated
        .iter()
        .filter(|(_, e, _)| e.status == Status::Known)
        .map(|(_, _, w)| w)
        .sum();
    let mut total = 0.0;
    let factors = evaluated
        .into_iter()
        .map(|(factor, evaluation, weight)| {
            let counted = evaluation.status == Status::Known && known_weight > 0.0;
            let effective_weight = counted.then(|| weight / known_weight);
            let contribution = effective_weight
                .zip(evaluation.normalised)
                .map(|(w, s)| 100.0 * w * s);
            total += contribution.unwrap_or(0.0);
            FactorResult {
                id: factor.id,
                title: factor.title,
                weight,
                effective_weight,
                contribution,
                evaluation,
            }
        })
        .collect();
    Score {
        score: (known_weight > 0.0).then_some(total),
        known_weight,
        factors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::factors::tests::inputs;
    use crate::metrics::Tally;

    #[test]
    fn unknown_factors_are_left_out_and_the_rest_renormalised() {
        // Only open_secrets (0.20) and signed_commits (0.05) are known.
        let org = Tally {
            commits: 10,
            signed: 10,
            ..Tally::default()
        };
        let subject = Tally {
            commits: 10,
            signed: 10,
            secrets_covered: true,
            secrets_open: 1,
            ..Tally::default()
        };
        let s = score(&inputs(&subject, &org));
        assert_eq!(s.known(), 2);
        assert!((s.known_weight - 0.25).abs() < 1e-12);
        // 100 × (0.2/0.25 × 0.5 + 0.05/0.25 × 1.0) = 60
        let expected = 100.0 * (0.2 / 0.25 * 0.5 + 0.05 / 0.25 * 1.0);
        assert!((s.score.unwrap() - expected).abs() < 1e-9, "{s:?}");
        let sum: f64 = s.factors.iter().filter_map(|f| f.contribution).sum();
        assert!((sum - s.score.unwrap()).abs() < 1e-9);
        let unknown = s.factors.iter().find(|f| f.id == "finding_rate").unwrap();
        assert_eq!(unknown.contribution, None);
        assert_eq!(unknown.effective_weight, None);
    }

    #[test]
    fn nothing_known_is_no_score_not_a_good_one() {
        let s = score(&inputs(&Tally::default(), &Tally::default()));
        assert_eq!(s.score, None);
        assert_eq!(s.known(), 0);
    }
}
