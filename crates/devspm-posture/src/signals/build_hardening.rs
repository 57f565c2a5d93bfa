//! `build-hardening`: a change to build configuration whose changed lines name a sandboxing,
//! hardening, fuzzing or security feature check — compiler flags (`_FORTIFY_SOURCE`,
//! `-fstack-protector`, RELRO, PIE, CET), sanitizers and fuzzers, feature probes for
//! seccomp, Landlock, pledge/unveil, Capsicum.
//!
//! **Why.** Turning a protection off rarely looks like it: xz-utils' Landlock check in
//! `CMakeLists.txt` was disabled by one stray `.` inside a `check_c_source_compiles` probe
//! (2024-02-26), so that the probe never compiled and the sandbox was silently left out. The
//! rule cannot judge the C inside a probe; it makes sure a person looks at every change of the
//! lines around one.
//!
//! **What counts.** Build configuration (`paths::is_build_config`: Makefiles, CMake, autoconf
//! and m4, meson, Bazel, Gradle, `build.rs` …) whose removed or added lines contain one of
//! [`KEYWORDS`]. The engine reads the two versions of each such file from the repository (the
//! ledger keeps no file contents); without the repository the rule is silent.
//!
//! **Severity.** High when a removed line names a protection (a check or flag was changed or
//! taken out); low when protections only appear in added lines (one added), and for lines
//! naming testing tools ([`TESTING`]: sanitizers, fuzzers), which protect nothing in the
//! shipped build. `ifunc` counts as a protection-sized risk: the xz-utils backdoor hooked in
//! through an IFUNC resolver.
//!
//! **Noise.** Every edit of a sanitizer or fuzzing target in a Makefile; refactorings of the
//! build that move a probe.

use super::{Observed, Raised, RuleMeta, paths};

pub const RULE: RuleMeta = RuleMeta {
    id: "build-hardening",
    severity: "high",
    description: "a build-configuration change touching sandboxing, hardening, fuzzing or security feature checks",
    noise: "every edit of sanitizer, fuzzing or hardening lines of the build, including fixes",
};

/// Substrings (lower case) of build lines that name a protection or a security feature check
/// (high when a removed line names one), and then testing tools (always low).
pub const KEYWORDS: [&str; 20] = [
    "landlock",
    "seccomp",
    "pledge",
    "unveil",
    "capsicum",
    "sandbox",
    "fortify_source",
    "stack-protector",
    "stack_protector",
    "stack-clash",
    "relro",
    "-z now",
    "-z,now",
    "noexecstack",
    "-fpie",
    "-pie",
    "cf-protection",
    "no_new_privs",
    "hardening",
    "ifunc",
];

/// Testing tools named in build lines: their changes are listed low.
pub const TESTING: [&str; 2] = ["sanitize", "fuzz"];

fn keywords_in(lines: &[String]) -> Vec<&'static str> {
    let mut found = Vec::new();
    for line in lines {
        let l = line.to_ascii_lowercase();
        for k in KEYWORDS.iter().chain(TESTING.iter()).copied() {
            if l.contains(k) && !found.contains(&k) {
                found.push(k);
            }
        }
    }
    found
}

pub fn check(seen: &Observed<'_>, out: &mut Vec<Raised>) {
    if seen.commit.parent_count > 1 {
        return;
    }
    let mut removed: Vec<&'static str> = Vec::new();
    let mut added: Vec<&'static str> = Vec::new();
    let mut hit_paths = Vec::new();
    for d in &seen.detail.text_diffs {
        if !paths::is_build_config(&d.path) {
            continue;
        }
        let r = keywords_in(&d.removed);
        let a = keywords_in(&d.added);
        if r.is_empty() && a.is_empty() {
            continue;
        }
        hit_paths.push(d.path.clone());
        for k in r {
            if !removed.contains(&k) {
                removed.push(k);
            }
        }
        for k in a {
            if !added.contains(&k) {
                added.push(k);
            }
        }
    }
    if hit_paths.is_empty() {
        return;
    }
    let protection = removed.iter().any(|k| !TESTING.contains(k));
    let severity = if protection { "high" } else { "low" };
    let mut raised = seen.raise(
        &RULE,
        severity,
        "build configuration is reviewed less than code; security feature checks change rarely".to_owned(),
        if !protection {
            let mut named = removed.clone();
            named.extend(added.iter().filter(|k| !removed.contains(k)));
            format!("Build configuration adds or changes lines naming {}.", named.join(", "))
        } else {
            format!(
                "Build configuration changes or removes lines naming {} (a feature check or flag altered; read the diff).",
                removed.join(", ")
            )
        },
    );
    raised.signal.paths = hit_paths;
    out.push(raised);
}

#[cfg(test)]
mod tests {
    use super::super::TextDiff;
    use super::super::testing::*;
    use devspm_core::event::ChangeKind;

    fn build_change(path: &str, added: &[&str], removed: &[&str]) -> World {
        let mut w = World::new(people());
        w.commit(ALICE, T0);
        let mut d = detail(vec![file(path, ChangeKind::Modified, 1, 1)]);
        d.text_diffs.push(TextDiff {
            path: path.to_owned(),
            added: added.iter().map(|s| s.to_string()).collect(),
            removed: removed.iter().map(|s| s.to_string()).collect(),
        });
        w.examine(d);
        w
    }

    #[test]
    fn landlock_probe_changed() {
        let w = build_change(
            "CMakeLists.txt",
            &["    check_c_source_compiles(\"", "."],
            &["    check_include_file(linux/landlock.h HAVE_LINUX_LANDLOCK_H)"],
        );
        let r = w.run();
        let s = of(&r, "build-hardening");
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].signal.severity, "high");
        assert!(s[0].signal.explanation.contains("landlock"));
    }

    #[test]
    fn fuzzing_targets_are_low() {
        let w = build_change(
            "tests/ossfuzz/Makefile",
            &["FUZZ_TARGETS = a b"],
            &["FUZZ_TARGETS = a"],
        );
        assert_eq!(of(&w.run(), "build-hardening")[0].signal.severity, "low");
    }

    #[test]
    fn protection_added_is_low_other_edits_quiet() {
        let w = build_change("Makefile", &["CFLAGS += -D_FORTIFY_SOURCE=2"], &[]);
        assert_eq!(of(&w.run(), "build-hardening")[0].signal.severity, "low");
        let w = build_change("Makefile", &["OBJS += foo.o"], &["OBJS += bar.o"]);
        assert!(of(&w.run(), "build-hardening").is_empty());
        // Not build configuration.
        let w = build_change("src/sandbox.c", &["landlock_restrict_self();"], &["x"]);
        assert!(of(&w.run(), "build-hardening").is_empty());
    }
}
