//! Inline markers: the comments with which a scanner lets a developer set one of its own
//! findings aside where the code is (`# nosec`, `nosemgrep`, `checkov:skip=`, `tfsec:ignore:`,
//! `gitleaks:allow` …), and whether a given line holds one that sets aside a given finding.
//!
//! Many scanners drop such findings themselves; devspm reads the markers for runs where they
//! did not (semgrep with `--disable-nosem`, SARIF merged from elsewhere, an older scanner).
//! A marker is honoured only for the scanner that defines it — a `# nosec` does not silence
//! semgrep — and only with the reach that scanner gives it: the finding's line, the line
//! above for the scanners that accept a comment there, the finding's whole range for checkov
//! (whose skip comments live anywhere in the resource). A marker that names rules sets aside
//! those rules only. The caller reads the lines from the repository at HEAD; what is kept is
//! the marker's own text (at most [`MAX_MARKER_CHARS`] characters), never the source line.

/// Longest marker text kept (the rest of a long comment is cut).
pub const MAX_MARKER_CHARS: usize = 120;

/// Most lines of a finding's range searched (checkov): a marker further down is not read.
pub const MAX_RANGE_LINES: u32 = 200;

/// Which lines a scanner's marker may be on, relative to the finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// The finding's first line only (bandit, gitleaks).
    Line,
    /// The finding's first line or the line above it (semgrep, gosec, tfsec, trivy).
    LineOrAbove,
    /// Any line of the finding's range, or the line above it (checkov: a skip comment inside
    /// the resource or job it reports).
    Range,
}

/// The scanners whose markers devspm reads, by the tool name findings are recorded under.
pub const TOOLS: [&str; 8] = [
    "bandit", "gosec", "semgrep", "checkov", "tfsec", "defsec", "trivy", "gitleaks",
];

/// How far the markers of `tool` reach, or `None` if devspm reads none for it.
pub fn reach(tool: &str) -> Option<Reach> {
    Some(match tool {
        "bandit" | "gitleaks" => Reach::Line,
        // tfsec writes its SARIF as `defsec`, its checks library.
        "semgrep" | "gosec" | "tfsec" | "defsec" | "trivy" => Reach::LineOrAbove,
        "checkov" => Reach::Range,
        _ => return None,
    })
}

/// The lines (1-based) to look at for a finding of `tool` at `start..=end`, in order.
pub fn lines_to_read(tool: &str, start: u32, end: Option<u32>) -> Vec<u32> {
    let Some(reach) = reach(tool) else {
        return Vec::new();
    };
    let above = start.checked_sub(1).filter(|l| *l > 0);
    match reach {
        Reach::Line => vec![start],
        Reach::LineOrAbove => std::iter::once(start).chain(above).collect(),
        Reach::Range => {
            let end = end
                .unwrap_or(start)
                .max(start)
                .min(start.saturating_add(MAX_RANGE_LINES));
            (start..=end).chain(above).collect()
        }
    }
}

/// The marker of `tool` in `line` that sets aside its finding of rule `rule` on `today`
/// (YYYY-MM-DD, for markers with an expiry date), as written (cut to [`MAX_MARKER_CHARS`]).
pub fn marker(tool: &str, rule: &str, line: &str, today: &str) -> Option<String> {
    let found = match tool {
        "bandit" => nosec(line, rule, Style::Bandit),
        "gosec" => nosec(line, rule, Style::Gosec),
        "semgrep" => nosemgrep(line, rule),
        "checkov" => prefixed(line, rule, "checkov:skip=", today),
        "tfsec" | "defsec" => prefixed(line, rule, "tfsec:ignore:", today),
        // Trivy reads tfsec's markers too (it took over tfsec's checks).
        "trivy" => prefixed(line, rule, "trivy:ignore:", today)
            .or_else(|| prefixed(line, rule, "tfsec:ignore:", today)),
        "gitleaks" => find_ci(line, "gitleaks:allow").map(|at| &line[at..at + 14]),
        _ => None,
    }?;
    Some(clean(found))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    /// `# nosec`, `# nosec B602, B607`, `# nosec: B602` (bandit: a `#` comment).
    Bandit,
    /// `#nosec`, `// #nosec G401 G501 -- reason` (gosec).
    Gosec,
}

/// bandit's and gosec's `nosec`, with its optional list of rule ids.
fn nosec<'a>(line: &'a str, rule: &str, style: Style) -> Option<&'a str> {
    let mut from = 0;
    while let Some(rel) = find_ci(&line[from..], "nosec") {
        let at = from + rel;
        from = at + 5;
        // The word must be the start of a `#` comment: `# nosec`, `#nosec`.
        let before = line[..at].trim_end();
        if !before.ends_with('#') {
            continue;
        }
        let start = before.len() - 1;
        let after = &line[at + 5..];
        if after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        // The ids run to the end of the comment: a second `#` (bandit) or ` -- ` (gosec).
        let mut rest = after.trim_start_matches(':');
        if style == Style::Bandit
            && let Some(end) = rest.find('#')
        {
            rest = &rest[..end];
        }
        if let Some(end) = rest.find(" --") {
            rest = &rest[..end];
        }
        let ids: Vec<&str> = rest
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .collect();
        // Words that are not rule ids (a free-text reason) make the marker a plain `nosec`,
        // as bandit reads it: it then sets aside every rule.
        let is_id = |s: &&str| match style {
            Style::Bandit => {
                (s.len() >= 2
                    && s.starts_with(['B', 'b'])
                    && s[1..].bytes().all(|b| b.is_ascii_digit()))
                    || s.contains('_')
            }
            Style::Gosec => {
                s.len() >= 2
                    && s.starts_with(['G', 'g'])
                    && s[1..].bytes().all(|b| b.is_ascii_digit())
            }
        };
        let named: Vec<&str> = ids.iter().copied().filter(is_id).collect();
        if named.is_empty() || named.iter().any(|id| id.eq_ignore_ascii_case(rule)) {
            // `rest` is a part of `line`: the marker ends where its ids do.
            let end = (rest.as_ptr() as usize - line.as_ptr() as usize) + rest.trim_end().len();
            return Some(&line[start..end]);
        }
    }
    None
}

/// semgrep's `nosemgrep`, `nosemgrep: id, id`: an id names the rule or the last parts of its
/// dotted id (`subprocess-shell-true` for `python.lang.security.subprocess-shell-true`).
fn nosemgrep<'a>(line: &'a str, rule: &str) -> Option<&'a str> {
    let at = find_ci(line, "nosemgrep")?;
    let after = &line[at + 9..];
    if after.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return None;
    }
    let Some(list) = after.trim_start().strip_prefix(':') else {
        return Some(&line[at..at + 9]);
    };
    let list = list.trim_start();
    let ids_len = list
        .find(|c: char| !(c.is_ascii_alphanumeric() || "._-/, ".contains(c)))
        .unwrap_or(list.len());
    let ids = &list[..ids_len];
    let matches = ids
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .any(|id| rule == id || rule.ends_with(&format!(".{id}")));
    let end = line.len() - list.len() + ids.trim_end().len();
    matches.then(|| &line[at..end])
}

/// `checkov:skip=ID[:reason]`, `tfsec:ignore:ID[:exp:YYYY-MM-DD]`, `trivy:ignore:ID[…]`:
/// markers that must name the rule (a `*` id sets aside every rule, as tfsec reads it).
fn prefixed<'a>(line: &'a str, rule: &str, prefix: &str, today: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(rel) = find_ci(&line[from..], prefix) {
        let at = from + rel;
        from = at + prefix.len();
        let rest = &line[from..];
        let id_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || "_-.*".contains(c)))
            .unwrap_or(rest.len());
        let id = &rest[..id_len];
        if id.is_empty() {
            continue;
        }
        let mut end = from + id_len;
        // tfsec and trivy: `:exp:2025-01-31` ends the ignore after that day.
        if let Some(exp) = line[end..].strip_prefix(":exp:") {
            let date: String = exp.chars().take(10).collect();
            end += 5 + date.len();
            if date.len() == 10 && date.as_str() < today {
                continue;
            }
        }
        let named = id == "*"
            || id.eq_ignore_ascii_case(rule)
            || rule
                .to_ascii_lowercase()
                .ends_with(&format!(".{}", id.to_ascii_lowercase()));
        if named {
            return Some(&line[at..end]);
        }
    }
    None
}

/// Byte offset of `needle` (ASCII) in `hay`, ignoring ASCII case.
fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.len();
    hay.as_bytes()
        .windows(n)
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The marker as kept: whitespace collapsed, control characters dropped, cut.
fn clean(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_MARKER_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: &str = "2026-12-07";

    #[test]
    fn bandit_nosec_with_and_without_ids() {
        let m = |line: &str, rule: &str| marker("bandit", rule, line, TODAY);
        assert_eq!(
            m("subprocess.call(cmd, shell=True)  # nosec", "B602").as_deref(),
            Some("# nosec")
        );
        assert_eq!(
            m(
                "subprocess.call(cmd, shell=True)  # nosec B602, B607",
                "B602"
            )
            .as_deref(),
            Some("# nosec B602, B607")
        );
        assert_eq!(
            m("x = 1  # nosec: B101", "B101").as_deref(),
            Some("# nosec: B101")
        );
        assert!(m("subprocess.call(cmd)  # nosec B607", "B602").is_none());
        // Not a comment, or another word.
        assert!(m("nosec = True", "B602").is_none());
        assert!(m("x = 1  # nosecurity", "B602").is_none());
        // A free-text reason is a plain nosec.
        assert_eq!(
            m("x = 1  # nosec this is fine", "B105").as_deref(),
            Some("# nosec this is fine")
        );
        // Bandit's marker is not semgrep's, nor gosec's rule ids.
        assert!(marker("semgrep", "B602", "x  # nosec", TODAY).is_none());
    }

    #[test]
    fn gosec_nosec_with_rule_ids_and_justification() {
        let m = |line: &str, rule: &str| marker("gosec", rule, line, TODAY);
        assert_eq!(
            m("h := md5.New() // #nosec", "G401").as_deref(),
            Some("#nosec")
        );
        assert_eq!(
            m(
                "h := md5.New() //#nosec G401 G501 -- legacy checksum",
                "G501"
            )
            .as_deref(),
            Some("#nosec G401 G501")
        );
        assert!(m("h := md5.New() // #nosec G401 -- legacy", "G505").is_none());
    }

    #[test]
    fn nosemgrep_names_rules_by_their_last_parts() {
        let rule = "rules.generic-hardcoded-aws-key";
        let m = |line: &str| marker("semgrep", rule, line, TODAY);
        assert_eq!(m("let k = 1; // nosemgrep").as_deref(), Some("nosemgrep"));
        assert_eq!(
            m("// nosemgrep: generic-hardcoded-aws-key, other").as_deref(),
            Some("nosemgrep: generic-hardcoded-aws-key, other")
        );
        assert_eq!(
            m("# NOSEMGREP:rules.generic-hardcoded-aws-key").as_deref(),
            Some("NOSEMGREP:rules.generic-hardcoded-aws-key")
        );
        assert!(m("// nosemgrep: another-rule").is_none());
        assert!(m("// nosemgrepx").is_none());
    }

    #[test]
    fn checkov_tfsec_and_trivy_name_their_rule() {
        assert_eq!(
            marker(
                "checkov",
                "CKV_DOCKER_2",
                "#checkov:skip=CKV_DOCKER_2:no healthcheck in CI images",
                TODAY
            )
            .as_deref(),
            Some("checkov:skip=CKV_DOCKER_2")
        );
        assert!(
            marker(
                "checkov",
                "CKV_DOCKER_3",
                "#checkov:skip=CKV_DOCKER_2",
                TODAY
            )
            .is_none()
        );
        assert_eq!(
            marker(
                "tfsec",
                "aws-s3-enable-bucket-encryption",
                "  #tfsec:ignore:aws-s3-enable-bucket-encryption",
                TODAY
            )
            .as_deref(),
            Some("tfsec:ignore:aws-s3-enable-bucket-encryption")
        );
        // An ignore with an expiry date holds through that day.
        let line = "# trivy:ignore:AVD-AWS-0086:exp:2026-12-07";
        assert_eq!(
            marker("trivy", "AVD-AWS-0086", line, TODAY).as_deref(),
            Some("trivy:ignore:AVD-AWS-0086:exp:2026-12-07")
        );
        assert!(marker("trivy", "AVD-AWS-0086", line, "2026-12-08").is_none());
        assert!(marker("tfsec", "AVD-AWS-0086", line, TODAY).is_none());
        assert_eq!(
            marker("trivy", "AVD-AWS-0086", "#tfsec:ignore:AVD-AWS-0086", TODAY).as_deref(),
            Some("tfsec:ignore:AVD-AWS-0086")
        );
        assert!(marker("defsec", "aws-s3-x", "#tfsec:ignore:aws-s3-x", TODAY).is_some());
    }

    #[test]
    fn gitleaks_allow_and_reach() {
        assert_eq!(
            marker(
                "gitleaks",
                "generic-api-key",
                "key = \"x\" # gitleaks:allow",
                TODAY
            )
            .as_deref(),
            Some("gitleaks:allow")
        );
        assert!(marker("bandit", "B105", "key = \"x\" # gitleaks:allow", TODAY).is_none());
        assert_eq!(lines_to_read("bandit", 10, Some(12)), vec![10]);
        assert_eq!(lines_to_read("semgrep", 10, None), vec![10, 9]);
        assert_eq!(lines_to_read("semgrep", 1, None), vec![1]);
        assert_eq!(lines_to_read("checkov", 3, Some(5)), vec![3, 4, 5, 2]);
        assert!(lines_to_read("codeql", 3, None).is_empty());
        assert!(TOOLS.iter().all(|t| reach(t).is_some()));
        // Control characters never reach the kept text.
        assert_eq!(
            marker("semgrep", "r", "# nosemgrep\u{1b}[31m", TODAY).as_deref(),
            Some("nosemgrep")
        );
    }
}
