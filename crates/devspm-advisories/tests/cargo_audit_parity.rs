//! nushell's `Cargo.lock` at two commits against RustSec, compared with what cargo-audit
//! 0.22.2 reported on the same lockfiles and the same database.
//!
//! The lockfiles are fixtures (`tests/fixtures/`, see the README there); the RustSec data
//! and cargo-audit's JSON come from the project's shared data (`$DEVSPM_SHARED_DATA`, else
//! `shared/data` beside the workspace). Where that folder is absent the tests say so and pass.
//!
//! cargo-audit was run with `--no-yanked` (no registry here) and splits its results:
//! `vulnerabilities` are advisories without an `informational` kind; unmaintained and unsound
//! advisories are `warnings`. We compare both halves, as sets of (advisory, package, version).
//! cargo-audit also honoured the repository's `.cargo/audit.toml` (at 3e1172d4 it ignores
//! RUSTSEC-2026-0194 and -0195 for quick-xml 0.39.4; its JSON lists them under
//! `settings.ignore`): a library has no such policy, so we find those two and the comparison
//! takes them out, checking that they are exactly what was ignored.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use devspm_advisories::{AdvisoryIndex, Informational, Match, load, match_lockfile};

fn shared_data() -> Option<PathBuf> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let roots = [
        std::env::var_os("DEVSPM_SHARED_DATA").map(PathBuf::from),
        Some(workspace.join("../shared/data")),
    ];
    let found = roots
        .into_iter()
        .flatten()
        .find(|root| root.join("advisories").is_dir() && root.join("scanner-output").is_dir());
    if found.is_none() {
        eprintln!("skipped: shared data not found (set DEVSPM_SHARED_DATA)");
    }
    found
}

type Triple = (String, String, String);

/// cargo-audit's vulnerabilities, its unmaintained + unsound warnings, and the advisory ids
/// its settings ignored.
fn cargo_audit(path: &Path) -> (BTreeSet<Triple>, BTreeSet<Triple>, BTreeSet<String>) {
    let text = std::fs::read_to_string(path).expect("cargo-audit output");
    let json: serde_json::Value = serde_json::from_str(&text).expect("cargo-audit JSON");
    let triple = |v: &serde_json::Value| -> Option<Triple> {
        Some((
            v.pointer("/advisory/id")?.as_str()?.to_string(),
            v.pointer("/package/name")?.as_str()?.to_string(),
            v.pointer("/package/version")?.as_str()?.to_string(),
        ))
    };
    let vulnerabilities = json
        .pointer("/vulnerabilities/list")
        .and_then(|l| l.as_array())
        .expect("vulnerabilities.list")
        .iter()
        .filter_map(triple)
        .collect();
    let mut warnings = BTreeSet::new();
    for kind in ["unmaintained", "unsound"] {
        if let Some(list) = json
            .pointer(&format!("/warnings/{kind}"))
            .and_then(|l| l.as_array())
        {
            warnings.extend(list.iter().filter_map(triple));
        }
    }
    let ignored = json
        .pointer("/settings/ignore")
        .and_then(|l| l.as_array())
        .map(|l| {
            l.iter()
                .filter_map(|id| id.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    (vulnerabilities, warnings, ignored)
}

fn split(matches: &[Match]) -> (BTreeSet<Triple>, BTreeSet<Triple>) {
    let mut vulnerabilities = BTreeSet::new();
    let mut warnings = BTreeSet::new();
    for m in matches {
        let t = (m.advisory_id.clone(), m.package.clone(), m.version.clone());
        match &m.informational {
            None => vulnerabilities.insert(t),
            Some(Informational::Unmaintained | Informational::Unsound) => warnings.insert(t),
            Some(_) => false, // notices: cargo-audit reports them only when asked
        };
    }
    (vulnerabilities, warnings)
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .expect("fixture")
}

fn compare(database: &str) {
    let Some(shared) = shared_data() else { return };
    let loaded = load(&shared.join("advisories").join(database)).expect("load RustSec");
    assert_eq!(
        loaded.stats.skipped,
        loaded.stats.warnings.iter().filter(|w| w.skipped).count()
    );
    let index = AdvisoryIndex::new(loaded.advisories);
    for (commit, want_vulnerabilities) in [("3e1172d4", 1), ("ad4450f9", 23)] {
        let lock = fixture(&format!("nushell-{commit}.Cargo.lock"));
        let matches = match_lockfile(&index, "Cargo.lock", &lock).expect("match");
        let (mut vulnerabilities, warnings) = split(&matches);
        let (want_v, want_w, ignored) = cargo_audit(
            &shared
                .join("scanner-output")
                .join(format!("cargo-audit-0.22.2-nushell-{commit}.json")),
        );
        assert_eq!(want_v.len(), want_vulnerabilities);
        let ignored_found: BTreeSet<String> = vulnerabilities
            .iter()
            .filter(|(id, ..)| ignored.contains(id))
            .map(|(id, ..)| id.clone())
            .collect();
        assert_eq!(
            ignored_found, ignored,
            "{commit}: cargo-audit's ignore list"
        );
        vulnerabilities.retain(|(id, ..)| !ignored.contains(id));
        assert_eq!(
            vulnerabilities, want_v,
            "{database} @ {commit}: vulnerabilities differ from cargo-audit's"
        );
        assert_eq!(
            warnings, want_w,
            "{database} @ {commit}: unmaintained/unsound differ from cargo-audit's"
        );
    }
}

#[test]
fn rustsec_native_layout_agrees_with_cargo_audit() {
    compare("rustsec-advisory-db");
}

#[test]
fn rustsec_osv_export_agrees_with_cargo_audit() {
    compare("rustsec-osv");
}
