//! `devspm attribute --fix` as text: for each fixing commit, the commits SZZ found to have
//! introduced what it fixed (or why none was found), with how the lines were traced. The
//! engine runs SZZ and records it; the shapes of its results live here with the renderer.

use serde::Serialize;

use crate::table::Table;
use crate::terminal::escape;

/// A candidate bug-inducing commit.
#[derive(Clone, Debug, Serialize)]
pub struct Inducing {
    pub commit: String,
    /// The best single answer: the candidate owning the most traced lines (the oldest on a
    /// tie). Measured precision is much higher for it than for the full candidate set.
    pub primary: bool,
    /// Flagged lines traced to it.
    pub lines: u32,
    pub files: Vec<String>,
    pub author_time: Option<i64>,
    pub date: String,
}

/// The SZZ result for one fix.
#[derive(Clone, Debug, Serialize)]
pub struct SzzResult {
    pub fix: String,
    /// The advisory the fix is for (a CVE, GHSA, OSV, RUSTSEC … id), when it is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cve: Option<String>,
    /// Where the advisory id came from: `input` (given with the fix) or `finding` (an imported
    /// finding with it was fixed by this commit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advisory_from: Option<&'static str>,
    pub variant: &'static str,
    /// `earliest` (lines followed back to the commit that first wrote them) or `change` (the
    /// commit that last changed them).
    pub trace: &'static str,
    /// `attributed` or `unattributable`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub inducing: Vec<Inducing>,
    /// Lines the fix removed or changed, and how many were left out as not evidence.
    pub lines_considered: u32,
    pub lines_filtered: u32,
    /// Candidates dropped for being committed after the disclosure date.
    pub after_disclosure: u32,
    /// The other trace's answer, when both were traced and they differ (a vulnerability fix:
    /// the commits that last changed the lines, beside the ones that first wrote them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_trace: Vec<Inducing>,
}

/// Why the result names the commits it names: the trace used, and the other trace's answer
/// when it differs.
pub fn trace_note(r: &SzzResult) -> String {
    let mut note = match (r.trace, r.advisory_from) {
        ("earliest", Some("input")) => {
            "each line followed back to the commit that first wrote it (V-SZZ), as for every fix of an advisory".to_owned()
        }
        ("earliest", Some(_)) => {
            "each line followed back to the commit that first wrote it (V-SZZ): the commit fixed a finding with this advisory id".to_owned()
        }
        ("earliest", None) => {
            "each line followed back to the commit that first wrote it (V-SZZ, --trace earliest)".to_owned()
        }
        _ => "each line blamed on the commit that last changed it".to_owned(),
    };
    if !r.other_trace.is_empty() {
        note.push_str(&format!(
            "; the commits that last changed those lines differ: {}",
            r.other_trace
                .iter()
                .map(|i| format!(
                    "{} ({} line(s))",
                    &i.commit[..i.commit.len().min(12)],
                    i.lines
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    note
}

/// Each fix: its candidates as a table with how they were traced, or why there is none.
pub fn results(results: &[SzzResult]) -> String {
    let mut out = String::new();
    for r in results {
        out.push_str(&format!(
            "fix {} ({} variant){}: {}\n",
            &r.fix[..r.fix.len().min(12)],
            r.variant,
            r.cve
                .as_deref()
                .map(|c| format!(", {}", escape(c)))
                .unwrap_or_default(),
            match &r.reason {
                Some(reason) => format!("no inducing commit found — {}", escape(reason)),
                None => format!(
                    "{} candidate(s) from {} line(s) ({} filtered)",
                    r.inducing.len(),
                    r.lines_considered - r.lines_filtered,
                    r.lines_filtered
                ),
            }
        ));
        if !r.inducing.is_empty() {
            let mut t = Table::new(&[
                ("commit", false),
                ("date", false),
                ("lines", true),
                ("files", false),
            ]);
            for i in &r.inducing {
                t.row(vec![
                    i.commit[..i.commit.len().min(12)].to_owned(),
                    i.date.clone(),
                    i.lines.to_string(),
                    i.files.join(", "),
                ]);
            }
            out.push_str(&t.render("  "));
            out.push_str(&format!("  ({})\n", escape(&trace_note(r))));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result() -> SzzResult {
        SzzResult {
            fix: "0123456789abcdef".into(),
            cve: Some("CVE-1\x1b[2J".into()),
            advisory_from: Some("input"),
            variant: "devspm",
            trace: "earliest",
            status: "attributed",
            reason: None,
            inducing: vec![Inducing {
                commit: "fedcba9876543210".into(),
                primary: true,
                lines: 3,
                files: vec!["src/\u{202e}evil.rs".into()],
                author_time: None,
                date: "2026-01-02".into(),
            }],
            lines_considered: 4,
            lines_filtered: 1,
            after_disclosure: 0,
            other_trace: Vec::new(),
        }
    }

    #[test]
    fn candidates_are_a_table_and_outside_text_is_escaped() {
        let text = results(&[result()]);
        assert!(text.starts_with("fix 0123456789ab (devspm variant), CVE-1"));
        assert!(text.contains("1 candidate(s) from 3 line(s) (1 filtered)"));
        assert!(text.contains("fedcba987654"));
        assert!(!text.contains(['\x1b', '\u{202e}']), "{text}");
        assert!(text.contains("V-SZZ), as for every fix of an advisory)"));
    }

    #[test]
    fn no_candidate_says_why() {
        let mut r = result();
        r.inducing.clear();
        r.reason = Some("the fix only adds lines\r".into());
        let text = results(&[r]);
        assert!(text.ends_with("no inducing commit found — the fix only adds lines\\r\n"));
    }
}
