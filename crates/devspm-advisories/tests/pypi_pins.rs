//! Real PyPI pins against PyPA's advisories, expectations worked out by hand from each
//! advisory's ranges (see `tests/fixtures/README.md`): the fixture copy of PyPA's files for
//! jinja2, requests, urllib3 and one Django advisory, and the whole PyPA database from the
//! shared data where it is present (the same answers: no other advisory names these packages).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use devspm_advisories::{AdvisoryIndex, Layout, load, match_lockfile, match_packages};

/// (package as a requirements file might spell it, version, expected advisory ids).
const PINS: &[(&str, &str, &[&str])] = &[
    // Sandbox escape CVE-2019-10906 (fixed 2.10.1) and ReDoS CVE-2020-28493 (fixed 2.11.3).
    ("Jinja2", "2.10", &["PYSEC-2019-217", "PYSEC-2021-66"]),
    ("jinja2", "2.10.1", &["PYSEC-2021-66"]),
    ("jinja2", "2.11.3", &[]),
    // CVE-2018-18074 (fixed 2.20.0), CVE-2023-32681 (2.3.0 to 2.31.0); not CVE-2015-2296
    // (2.1.0 to 2.6.0).
    ("requests", "2.19.1", &["PYSEC-2018-28", "PYSEC-2023-74"]),
    (
        "requests",
        "2.5.3",
        &["PYSEC-2015-17", "PYSEC-2018-28", "PYSEC-2023-74"],
    ),
    ("requests", "2.31.0", &[]),
    (
        "urllib3",
        "1.24.1",
        &[
            "PYSEC-2019-132",
            "PYSEC-2019-133",
            "PYSEC-2020-148",
            "PYSEC-2021-108",
            "PYSEC-2023-192",
            "PYSEC-2023-207",
            "PYSEC-2023-212",
        ],
    ),
    // 1.26.5 is past CVE-2021-28363's 1.26.4 fix; 2.0.6 fixes CVE-2023-43804 but not -45803.
    ("urllib3", "1.26.5", &["PYSEC-2023-192", "PYSEC-2023-212"]),
    ("urllib3", "2.0.6", &["PYSEC-2023-212"]),
    ("urllib3", "2.0.7", &[]),
    // PYSEC-2024-70: 5.0 to 5.0.8 and 4.2 to 4.2.15 (events written out of order); `5.0.0`
    // is PEP 440's `5.0`, a pre-release of the fix is still affected.
    ("Django", "4.2.14", &["PYSEC-2024-70"]),
    ("django", "5.0.0", &["PYSEC-2024-70"]),
    ("django", "5.0.8rc1", &["PYSEC-2024-70"]),
    ("django", "4.2.15", &[]),
    ("django", "4.1.13", &[]),
];

fn check(index: &AdvisoryIndex, only_ids: Option<&BTreeSet<&str>>) {
    for (name, version, want) in PINS {
        let got: BTreeSet<String> = match_packages(index, &[("PyPI", *name, *version)])
            .into_iter()
            .map(|m| m.advisory_id)
            .filter(|id| only_ids.is_none_or(|ids| ids.contains(id.as_str())))
            .collect();
        let want: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
        assert_eq!(got, want, "{name}=={version}");
    }
}

#[test]
fn fixture_pins() {
    let loaded = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pypa"))
        .expect("load fixture");
    assert_eq!(loaded.stats.layout, Layout::OsvFolder);
    assert_eq!(loaded.stats.files_read, 22);
    assert!(
        loaded.stats.warnings.is_empty(),
        "{:?}",
        loaded.stats.warnings
    );
    let index = AdvisoryIndex::new(loaded.advisories);
    check(&index, None);

    let requirements =
        b"Jinja2==2.10\nrequests==2.19.1 \\\n    --hash=sha256:abc\nurllib3==2.0.6\n";
    let matches = match_lockfile(&index, "requirements.txt", requirements).expect("match");
    let got: Vec<(&str, &str)> = matches
        .iter()
        .map(|m| (m.package.as_str(), m.advisory_id.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("Jinja2", "PYSEC-2019-217"),
            ("Jinja2", "PYSEC-2021-66"),
            ("requests", "PYSEC-2018-28"),
            ("requests", "PYSEC-2023-74"),
            ("urllib3", "PYSEC-2023-212"),
        ]
    );
    let urllib3 = &matches[4];
    assert_eq!(
        urllib3.aliases,
        vec!["CVE-2023-45803", "GHSA-g4mx-q9vg-27p4"]
    );
    assert_eq!(urllib3.fixed, vec!["2.0.7", "1.26.18"]);
}

#[test]
fn shared_database_pins() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = [
        std::env::var_os("DEVSPM_SHARED_DATA").map(PathBuf::from),
        Some(workspace.join("../shared/data")),
    ]
    .into_iter()
    .flatten()
    .map(|root| root.join("advisories/pypa-osv"))
    .find(|p| p.is_dir());
    let Some(root) = root else {
        eprintln!("skipped: shared data not found (set DEVSPM_SHARED_DATA)");
        return;
    };
    let loaded = load(&root).expect("load PyPA");
    assert_eq!(loaded.stats.files_read, 2661);
    assert_eq!(loaded.stats.skipped, 0, "{:?}", loaded.stats.warnings);
    let index = AdvisoryIndex::new(loaded.advisories);
    // The fixture has one of Django's advisories; the others are checked below.
    let fixture = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pypa"))
        .expect("load fixture");
    let fixture_ids: BTreeSet<&str> = fixture.advisories.iter().map(|a| a.id.as_str()).collect();
    check(&index, Some(&fixture_ids));
    // Django 4.2.14 also has the three other advisories of the 2024-08-06 release
    // (CVE-2024-41989/41990/41991, fixed in 4.2.15) and CVE-2024-45230 (fixed in 4.2.16).
    let django: BTreeSet<String> = match_packages(&index, &[("PyPI", "Django", "4.2.14")])
        .into_iter()
        .map(|m| m.advisory_id)
        .filter(|id| id.starts_with("PYSEC-2024"))
        .collect();
    let want: BTreeSet<String> = [
        "PYSEC-2024-102",
        "PYSEC-2024-67",
        "PYSEC-2024-68",
        "PYSEC-2024-69",
        "PYSEC-2024-70",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(django, want);
    let django_4_2_16 = match_packages(&index, &[("PyPI", "django", "4.2.16")]);
    assert!(
        django_4_2_16
            .iter()
            .all(|m| !m.advisory_id.starts_with("PYSEC-2024")),
        "{django_4_2_16:?}"
    );
}
