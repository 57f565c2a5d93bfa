//! `devspm findings triage` as text: the judgement recorded (or already standing) in one line.
//! The engine records it; the shape of what it returns lives here with its renderer.

use serde::Serialize;

use crate::terminal::escape;

/// What was recorded.
#[derive(Debug, Serialize)]
pub struct TriageOutcome {
    pub finding: String,
    pub repo: String,
    pub status: String,
    pub state: String,
    pub expires: Option<String>,
    /// False when the same judgement already stood (nothing was recorded).
    pub recorded: bool,
}

/// `ID triaged: STATE[ until DATE]`, or `already stands as` when nothing was recorded.
pub fn outcome(outcome: &TriageOutcome) -> String {
    format!(
        "{} {}: {}{}\n",
        escape(&outcome.finding),
        if outcome.recorded {
            "triaged"
        } else {
            "already stands as"
        },
        outcome.state,
        outcome
            .expires
            .as_deref()
            .map(|e| format!(" until {}", escape(e)))
            .unwrap_or_default()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_either_way() {
        let mut o = TriageOutcome {
            finding: "abc123".into(),
            repo: "r".into(),
            status: "open".into(),
            state: "false_positive".into(),
            expires: Some("2027-01-01".into()),
            recorded: true,
        };
        assert_eq!(
            outcome(&o),
            "abc123 triaged: false_positive until 2027-01-01\n"
        );
        o.recorded = false;
        o.expires = None;
        assert_eq!(outcome(&o), "abc123 already stands as: false_positive\n");
    }
}
