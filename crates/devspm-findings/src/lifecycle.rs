//! Where an imported scan leaves each recorded finding of its producer: fixed, reopened, seen
//! only behind, or as it was.
//!
//! A scan of revision R speaks for R's line of history only: the lifecycle follows the commit
//! graph, not the order of imports. What R's scan misses is fixed only where it was last seen
//! at R or an ancestor of R; what it sees again reopens only what was fixed at R or an
//! ancestor; a finding it sees that was recorded at a later revision, or on another branch,
//! keeps its place (`Behind`). A scan of a 2023 revision imported after today's one changes
//! nothing at HEAD; a scan of a feature branch fixes nothing on the main line.

/// What one import does to one recorded finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Not reported by a scan that speaks for where it stands: fixed at the scan's revision.
    Fixed,
    /// Reported again by a scan that speaks for where it was fixed.
    Reopened,
    /// Reported by a scan of a revision it stands beyond (older, or unrelated): its place is
    /// left as it is.
    Behind,
    /// Nothing to record beyond "seen" (or nothing at all).
    Unchanged,
}

/// The change an import makes to a finding with `status` (`open` or `fixed`), last seen at
/// `last_revision` and fixed at `fixed_revision`, which the import did (`seen`) or did not
/// report. `on_the_line(rev)` says whether `rev` is the import's revision or one of its
/// ancestors (true when either is unknown); a `partial` scan fixes nothing.
pub fn change(
    status: &str,
    last_revision: Option<&str>,
    fixed_revision: Option<&str>,
    seen: bool,
    partial: bool,
    on_the_line: &dyn Fn(Option<&str>) -> bool,
) -> Change {
    let current = on_the_line(last_revision);
    match (status, seen) {
        ("open", false) if !partial && current => Change::Fixed,
        ("fixed", true) if on_the_line(fixed_revision) => Change::Reopened,
        (_, true) if !current => Change::Behind,
        _ => Change::Unchanged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_scan_of_the_same_line_of_history_fixes_or_reopens() {
        // The import's revision is C, descending from B, descending from A; X is elsewhere.
        let line = |rev: Option<&str>| rev.is_none_or(|r| ["A", "B", "C"].contains(&r));
        let of =
            |status, last, fixed, seen, partial| change(status, last, fixed, seen, partial, &line);
        assert_eq!(of("open", Some("B"), None, false, false), Change::Fixed);
        assert_eq!(of("open", Some("B"), None, false, true), Change::Unchanged);
        assert_eq!(of("open", Some("X"), None, false, false), Change::Unchanged);
        assert_eq!(of("open", None, None, false, false), Change::Fixed);
        assert_eq!(of("open", Some("B"), None, true, false), Change::Unchanged);
        assert_eq!(of("open", Some("X"), None, true, false), Change::Behind);
        assert_eq!(
            of("fixed", Some("A"), Some("B"), true, false),
            Change::Reopened
        );
        assert_eq!(
            of("fixed", Some("X"), Some("X"), true, false),
            Change::Behind
        );
        assert_eq!(
            of("fixed", Some("A"), Some("B"), false, false),
            Change::Unchanged
        );
    }
}
