//! `opaque-file`: a binary or compressed file added to or updated in a source or test folder by
//! a commit that changes no code that would explain it.
//!
//! **Why.** This is the xz-utils backdoor's carrier (CVE-2024-3094): "Tests: Add a few test
//! files" added `tests/files/bad-3-corrupt_lzma2.xz` and `good-large_compressed.lzma`, and
//! "Tests: Update two test files" replaced them, with no test code using the change — the
//! payload was extracted from them by the build. Nobody reviews a binary diff; a test file
//! that no test reads is a hiding place.
//!
//! **What counts.** A file marked binary by ingest (a NUL byte in its first 8,000 bytes) or
//! with a compressed/archive extension, added or modified, under a folder named like source or
//! tests (`src`, `lib`, `test`, `tests`, `t`, `testdata`, `fixtures`, `files` …), in a commit
//! that changes no file with a code extension (`.c`, `.rs`, `.py`, `.sh` …).
//!
//! **Severity.** High for an update of an existing opaque file (the payload swap); medium for
//! an addition; low for images, fonts and other media.
//!
//! **Noise.** Fixture refreshes and icon updates committed on their own. The rule cannot tell
//! whether a test *reads* the file — only whether code changed beside it.

use super::{Observed, Raised, RuleMeta, paths};
use devspm_core::event::ChangeKind;

pub const RULE: RuleMeta = RuleMeta {
    id: "opaque-file",
    severity: "high",
    description: "a binary or compressed file added or updated in a source or test folder with no code change to explain it",
    noise: "fixture refreshes and icon updates committed on their own (media are low)",
};

pub fn check(seen: &Observed<'_>, out: &mut Vec<Raised>) {
    if seen.commit.parent_count > 1 || !seen.author.is_developer() {
        return;
    }
    let files = &seen.detail.files;
    let explained = files.iter().any(|f| {
        let p = f.path.to_lossy();
        !f.binary && paths::is_code(&p) && f.added.unwrap_or(0) + f.removed.unwrap_or(0) > 0
    });
    if explained {
        return;
    }
    let mut opaque: Vec<(String, bool, bool)> = Vec::new();
    for f in files {
        if !matches!(f.change, ChangeKind::Added | ChangeKind::Modified) {
            continue;
        }
        let p = f.path.to_lossy();
        if !(f.binary || paths::is_archive(&p)) || !paths::in_source_or_tests(&p) {
            continue;
        }
        let media = paths::is_media(&p);
        opaque.push((p, f.change == ChangeKind::Modified, media));
    }
    if opaque.is_empty() {
        return;
    }
    let severity = if opaque.iter().any(|(_, updated, media)| *updated && !media) {
        "high"
    } else if opaque.iter().any(|(_, _, media)| !media) {
        "medium"
    } else {
        "low"
    };
    let updated = opaque.iter().filter(|o| o.1).count();
    let mut raised = seen.raise(
        &RULE,
        severity,
        format!("{} files changed, none of them code", files.len()),
        format!(
            "{} opaque file{} changed in source or test folders ({} updated, {} added) with no code change in the commit to explain {}.",
            opaque.len(),
            if opaque.len() == 1 { "" } else { "s" },
            updated,
            opaque.len() - updated,
            if opaque.len() == 1 { "it" } else { "them" }
        ),
    );
    raised.signal.paths = opaque.into_iter().map(|(p, _, _)| p).collect();
    out.push(raised);
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use devspm_core::event::ChangeKind;

    #[test]
    fn xz_pattern_update_is_high_addition_medium() {
        let mut w = World::new(people());
        w.commit(ALICE, T0);
        w.examine(detail(vec![
            binary("tests/files/bad-3-corrupt_lzma2.xz", ChangeKind::Added),
            file("tests/files/README", ChangeKind::Modified, 4, 0),
        ]));
        w.commit(ALICE, T0 + DAY);
        w.examine(detail(vec![binary(
            "tests/files/bad-3-corrupt_lzma2.xz",
            ChangeKind::Modified,
        )]));
        let r = w.run();
        let s = of(&r, "opaque-file");
        assert_eq!(s.len(), 2);
        let sev: Vec<&str> = s.iter().map(|x| x.signal.severity.as_str()).collect();
        assert!(sev.contains(&"medium") && sev.contains(&"high"), "{sev:?}");
    }

    #[test]
    fn explained_by_code_or_outside_source_is_quiet() {
        let mut w = World::new(people());
        w.commit(ALICE, T0);
        w.examine(detail(vec![
            binary("tests/files/good-1.xz", ChangeKind::Added),
            file("tests/test_files.c", ChangeKind::Modified, 12, 0),
        ]));
        w.commit(ALICE, T0 + DAY);
        w.examine(detail(vec![binary("docs/diagram.pdf", ChangeKind::Added)]));
        assert!(of(&w.run(), "opaque-file").is_empty());
    }
}
