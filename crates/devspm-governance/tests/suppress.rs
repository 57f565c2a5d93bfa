//! Inline suppressions: `# devspm: ignore[rule]` (and zizmor's `# zizmor: ignore[rule]`) on a
//! finding's lines leave that finding out — only that rule, only there — and are counted.

use devspm_governance::ci::{AuditConfig, audit_bytes};

const WORKFLOW: &str = "\
on: push
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: some/action@v1 # devspm: ignore[unpinned-uses] reviewed, see ticket 42
      - uses: other/action@v2 # zizmor: ignore[unpinned-uses]
      - uses: third/action@v3 # devspm: ignore[template-injection]
      - uses: fourth/action@v4
      - run: 'echo \"# devspm: ignore[unpinned-uses]\"'
";

fn rules_and_lines(text: &str) -> (Vec<(String, u32)>, usize) {
    let report = audit_bytes(
        ".github/workflows/ci.yml",
        text.as_bytes(),
        &AuditConfig::default(),
    );
    let mut found: Vec<(String, u32)> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "unpinned-uses")
        .map(|f| (f.rule_id.clone(), f.line))
        .collect();
    found.sort();
    (found, report.suppressed)
}

#[test]
fn a_comment_suppresses_its_rule_on_its_line_only() {
    let (found, suppressed) = rules_and_lines(WORKFLOW);
    // Lines 7 and 8 are suppressed; line 9 names another rule; line 10 has no comment.
    assert_eq!(
        found,
        vec![
            ("unpinned-uses".to_owned(), 9),
            ("unpinned-uses".to_owned(), 10)
        ]
    );
    assert_eq!(suppressed, 2);
}

#[test]
fn without_comments_every_finding_is_reported() {
    let plain: String = WORKFLOW
        .lines()
        .map(|l| l.split(" # ").next().unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let (found, suppressed) = rules_and_lines(&plain);
    assert_eq!(found.len(), 4, "{found:?}");
    assert_eq!(suppressed, 0);
}
