//! Where an imported scan leaves each recorded finding of its producer: fixed, reopened, seen
//! only behind, or as it was.
//!
//! A scan of revision R speaks for R's line of history only: the lifecycle follows the commit
//! graph, not the order of imports. What R's scan misses is fixed only where it was last seen
//! at R or an ancestor of R; what it sees again reopens only what was fixed at R or an
//! ancestor; a finding it sees that was recorded at a later revision, or on another branch,
//! keeps its place (`Behind`). A scan of a 2023 revision imported after today's one changes
//! nothing at HEAD; a scan of a feature branch fixes nothing on the main line.

use std::collections::{HashMap, HashSet};

use devspm_core::finding::{FindingSnapshot, FindingsImported, ImportWithdrawn, RestoredFinding};

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

/// What withdrawing an import (`devspm import --undo`) changes: `target` is the import,
/// `earlier` the producer's imports of the same repository recorded before it and not
/// withdrawn (sequence number and payload, oldest first), `recorded` what the ledger holds of
/// the findings `target` touched.
///
/// A finding that no earlier import saw is withdrawn (only the mistaken import knew it). Every
/// other finding it touched is set back to where it stood before it: open if it fixed it,
/// fixed (at the revision an earlier import fixed it) if it reopened it, and last seen where an
/// earlier import last saw it. Only the producer's latest import can be withdrawn — later ones
/// were decided on the state it left — so replaying the earlier imports gives that state.
pub fn withdraw(
    target: &FindingsImported,
    earlier: &[(u64, &FindingsImported)],
    recorded: &HashMap<String, FindingSnapshot>,
) -> ImportWithdrawn {
    let behind: HashSet<&str> = target.behind.iter().map(String::as_str).collect();
    let fixed: HashSet<&str> = target.fixed.iter().map(String::as_str).collect();
    let reopened: HashSet<&str> = target.reopened.iter().map(String::as_str).collect();
    let mut touched: Vec<&str> = target
        .seen
        .iter()
        .map(String::as_str)
        .filter(|f| !behind.contains(f))
        .chain(fixed.iter().copied())
        .chain(reopened.iter().copied())
        .collect();
    touched.sort_unstable();
    touched.dedup();
    let mut withdrawn = Vec::new();
    let mut restored = Vec::new();
    for finding in touched {
        let Some(snapshot) = recorded.get(finding) else {
            continue;
        };
        let mut last_revision = snapshot.first_revision.clone();
        let mut last_seq = snapshot.first_seq;
        let mut fixed_revision = None;
        let mut seen_before = false;
        for (seq, import) in earlier {
            if import.seen.iter().any(|f| f == finding)
                && !import.behind.iter().any(|f| f == finding)
            {
                seen_before = true;
                last_seq = *seq;
                if import.revision.is_some() {
                    last_revision = import.revision.clone();
                }
            }
            if import.fixed.iter().any(|f| f == finding) {
                fixed_revision = import.revision.clone();
            }
            if import.reopened.iter().any(|f| f == finding) {
                fixed_revision = None;
            }
        }
        let status = if fixed.contains(finding) {
            "open"
        } else if reopened.contains(finding) {
            "fixed"
        } else if !seen_before {
            withdrawn.push(finding.to_owned());
            continue;
        } else {
            snapshot.status.as_str()
        };
        restored.push(RestoredFinding {
            finding: finding.to_owned(),
            status: status.to_owned(),
            last_revision,
            fixed_revision: if status == "fixed" {
                fixed_revision
            } else {
                None
            },
            last_seq,
            reopened: snapshot
                .reopened
                .saturating_sub(u32::from(reopened.contains(finding))),
        });
    }
    ImportWithdrawn {
        import: target.import.clone(),
        repo: target.repo.clone(),
        tool: target.tool.clone(),
        withdrawn,
        restored,
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

    fn import(
        id: &str,
        revision: &str,
        seen: &[&str],
        fixed: &[&str],
        reopened: &[&str],
    ) -> FindingsImported {
        let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        FindingsImported {
            import: id.into(),
            repo: "r".into(),
            tool: "t".into(),
            format: "sarif".into(),
            source: "x.sarif".into(),
            source_sha256: String::new(),
            revision: Some(revision.into()),
            results: seen.len() as u64,
            seen: v(seen),
            new: 0,
            fixed: v(fixed),
            reopened: v(reopened),
            duplicates: 0,
            partial: false,
            behind: Vec::new(),
        }
    }

    #[test]
    fn withdrawing_an_import_sets_back_what_it_changed() {
        // i1 at A saw a and b; i2 at B saw b and fixed a; the mistaken i3 at C saw only c (a
        // report of another repository): it fixed b and recorded c.
        let i1 = import("i1", "A", &["a", "b"], &[], &[]);
        let i2 = import("i2", "B", &["b"], &["a"], &[]);
        let i3 = import("i3", "C", &["c", "a"], &["b"], &["a"]);
        let snap = |status: &str, first: &str, seq, reopened| FindingSnapshot {
            status: status.into(),
            first_revision: Some(first.into()),
            first_seq: seq,
            reopened,
        };
        let recorded: HashMap<String, FindingSnapshot> = [
            ("a".to_string(), snap("open", "A", 1, 1)),
            ("b".to_string(), snap("fixed", "A", 2, 0)),
            ("c".to_string(), snap("open", "C", 9, 0)),
        ]
        .into();
        let out = withdraw(&i3, &[(3, &i1), (5, &i2)], &recorded);
        assert_eq!(out.withdrawn, vec!["c".to_string()]);
        let a = out.restored.iter().find(|r| r.finding == "a").unwrap();
        assert_eq!(
            (a.status.as_str(), a.fixed_revision.as_deref(), a.reopened),
            ("fixed", Some("B"), 0)
        );
        assert_eq!((a.last_revision.as_deref(), a.last_seq), (Some("A"), 3));
        let b = out.restored.iter().find(|r| r.finding == "b").unwrap();
        assert_eq!(
            (b.status.as_str(), b.fixed_revision.as_deref()),
            ("open", None)
        );
        assert_eq!((b.last_revision.as_deref(), b.last_seq), (Some("B"), 5));
    }
}
