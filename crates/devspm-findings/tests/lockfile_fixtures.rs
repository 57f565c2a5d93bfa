//! Lockfile readers against real lockfiles (tests/fixtures/lockfiles, see its README).

use std::collections::BTreeSet;
use std::path::PathBuf;

use devspm_findings::lockfile::{LockedPackage, LockfileKind, normalize_name, parse, same_version};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/lockfiles")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(kind: LockfileKind, name: &str) -> Vec<LockedPackage> {
    let packages = parse(kind, &fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut sorted = packages.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(packages, sorted, "{name}: sorted and deduplicated");
    packages
}

fn pairs(list: &[(&str, &str)]) -> Vec<LockedPackage> {
    let mut out: Vec<_> = list
        .iter()
        .map(|(n, v)| LockedPackage::new(*n, *v))
        .collect();
    out.sort();
    out
}

fn has(packages: &[LockedPackage], name: &str, version: &str) -> bool {
    packages
        .iter()
        .any(|p| p.name == name && p.version == version)
}

/// package.fixture.json resolved: the scoped `@types/node`, the alias `my-lodash` →
/// `lodash`, `is-number` at two versions (one nested under `is-odd`), `react-dom` with its
/// peer `react`.
fn npm_expected() -> Vec<LockedPackage> {
    pairs(&[
        ("@types/node", "20.11.0"),
        ("is-number", "6.0.0"),
        ("is-number", "7.0.0"),
        ("is-odd", "3.0.1"),
        ("js-tokens", "4.0.0"),
        ("lodash", "4.17.21"),
        ("loose-envify", "1.4.0"),
        ("react", "18.2.0"),
        ("react-dom", "18.2.0"),
        ("scheduler", "0.23.2"),
        ("undici-types", "5.26.5"),
    ])
}

/// In a module named `lockfile`, so that `cargo test -p devspm-findings lockfile` selects them.
mod lockfile {
    use super::*;

    #[test]
    fn every_npm_lockfile_of_one_project_reads_the_same() {
        let cases = [
            (LockfileKind::PackageLock, "package-lock.v1.json"),
            (LockfileKind::PackageLock, "package-lock.v2.json"),
            (LockfileKind::NpmShrinkwrap, "package-lock.v3.json"),
            (LockfileKind::YarnLock, "yarn.v1.lock"),
            (LockfileKind::YarnLock, "yarn.berry.lock"),
            (LockfileKind::PnpmLock, "pnpm-lock.v5.yaml"),
            (LockfileKind::PnpmLock, "pnpm-lock.v6.yaml"),
            (LockfileKind::PnpmLock, "pnpm-lock.v9.yaml"),
        ];
        for (kind, name) in cases {
            assert_eq!(read(kind, name), npm_expected(), "{name}");
        }
    }

    #[test]
    fn every_python_lockfile_of_one_project_reads_the_same() {
        let expected = pairs(&[
            ("certifi", "2026.10.19.post1"),
            ("charset-normalizer", "3.5.3"),
            ("idna", "3.20"),
            ("iniconfig", "2.0.0"),
            ("pysocks", "1.7.1"),
            ("pyyaml", "6.0.1"),
            ("requests", "2.31.0"),
            ("typing-extensions", "4.9.0"),
            ("urllib3", "2.8.0"),
        ]);
        // uv.lock also lists the project (`source = { editable = "." }`): skipped.
        assert_eq!(read(LockfileKind::UvLock, "uv.fixture.lock"), expected);
        assert_eq!(
            read(LockfileKind::PoetryLock, "poetry.fixture.lock"),
            expected
        );
        assert_eq!(
            read(LockfileKind::PipfileLock, "Pipfile.fixture.lock"),
            expected
        );
    }

    #[test]
    fn netbox_requirements() {
        let packages = read(LockfileKind::Requirements, "netbox.reqs.txt");
        let lines = String::from_utf8(fixture("netbox.reqs.txt")).unwrap();
        assert_eq!(
            packages.len(),
            lines.lines().filter(|l| l.contains("==")).count()
        );
        assert!(has(&packages, "Django", "6.0.8"));
        assert!(
            has(&packages, "psycopg", "3.3.4"),
            "extras dropped: psycopg[c,pool]==3.3.4"
        );
        assert!(has(&packages, "PyYAML", "6.0.3"));
        // The inputs pin two; ranges (`Django==6.0.*`, `redis<8.0`, `django-prometheus>=2.4.0,
        // <2.5.0,!=2.4.1`) and bare names are not pins; nor is `Django>=6.0` in a comment.
        assert_eq!(
            read(LockfileKind::Requirements, "netbox-base.reqs.txt"),
            pairs(&[
                ("django-pglocks", "1.0.4"),
                ("djangorestframework", "3.17.1")
            ])
        );
    }

    #[test]
    fn cargo_lock_formats() {
        for (name, version_header) in [
            ("Cargo.nushell-v1.lock", false),
            ("Cargo.nushell-v2.lock", false),
            ("Cargo.nushell-v3.lock", true),
        ] {
            let text = String::from_utf8(fixture(name)).unwrap();
            assert_eq!(
                text.starts_with("# This") && text.contains("\nversion = 3\n"),
                version_header
            );
            let packages = read(LockfileKind::CargoLock, name);
            assert_eq!(packages.len(), 25, "{name}");
        }
        let v1 = read(LockfileKind::CargoLock, "Cargo.nushell-v1.lock");
        assert!(has(&v1, "aho-corasick", "0.7.3"));
        assert!(has(&v1, "argon2rs", "0.2.5"));
        // `[metadata]` "checksum …" keys are not packages.
        assert!(v1.iter().all(|p| !p.name.starts_with("checksum")));
    }

    #[test]
    fn gemfile_lock_rails() {
        // 2022: a GIT section, two PATH sections (rails' own gems) and GEM.
        let old = read(LockfileKind::GemfileLock, "Gemfile.rails-2022.lock");
        assert_eq!(old.len(), 201);
        assert!(
            has(&old, "websocket-client-simple", "0.3.0"),
            "GIT specs count"
        );
        assert!(has(&old, "nokogiri", "1.13.3"));
        assert!(
            !old.iter().any(|p| p.name == "actioncable"),
            "PATH specs do not"
        );
        // Today: platform variants (`nokogiri (1.19.1-x86_64-linux-gnu)`) and CHECKSUMS.
        let head = read(LockfileKind::GemfileLock, "Gemfile.rails-head.lock");
        assert_eq!(head.len(), 64);
        assert_eq!(head.iter().filter(|p| p.name == "nokogiri").count(), 1);
        assert!(has(&head, "nokogiri", "1.19.1"));
        assert!(has(&head, "google-protobuf", "4.29.3"));
    }

    #[test]
    fn composer_lock_symfony_demo() {
        let packages = read(LockfileKind::ComposerLock, "composer.symfony-demo.lock");
        assert_eq!(packages.len(), 10);
        assert!(
            has(&packages, "dflydev/dot-access-data", "3.0.3"),
            "leading v dropped"
        );
        assert!(has(&packages, "composer/semver", "3.4.4"));
        assert!(
            has(&packages, "dama/doctrine-test-bundle", "8.6.0"),
            "packages-dev read"
        );
    }

    #[test]
    fn go_mod_and_sum_okteto() {
        let module = read(LockfileKind::GoMod, "go.okteto.mod");
        assert_eq!(module.len(), 232);
        assert!(has(
            &module,
            "github.com/docker/cli",
            "v24.0.7+incompatible"
        ));
        assert!(
            has(&module, "github.com/hashicorp/errwrap", "v1.1.0"),
            "single-line require"
        );
        // replace ( github.com/moby/buildkit => github.com/okteto/buildkit v0.12.5-okteto1 … )
        assert!(has(
            &module,
            "github.com/okteto/buildkit",
            "v0.12.5-okteto1"
        ));
        assert!(!module.iter().any(|p| p.name == "github.com/moby/buildkit"));
        assert!(has(&module, "go.opentelemetry.io/otel/sdk", "v1.20.0"));
        assert!(!has(&module, "go.opentelemetry.io/otel/sdk", "v1.19.0"));

        let sum = read(LockfileKind::GoSum, "go.okteto.sum");
        let text = String::from_utf8(fixture("go.okteto.sum")).unwrap();
        let distinct: BTreeSet<(&str, &str)> = text
            .lines()
            .filter_map(|l| {
                let mut w = l.split_whitespace();
                let (m, v) = (w.next()?, w.next()?);
                Some((m, v.trim_end_matches("/go.mod")))
            })
            .collect();
        assert_eq!(sum.len(), distinct.len());
        assert!(
            sum.iter()
                .all(|p| p.version.starts_with('v') && !p.version.ends_with("/go.mod"))
        );
    }

    #[test]
    fn kinds_of_fixture_names_are_not_lockfile_names() {
        // Fixtures are named so that no scanner of this repository takes them for its lockfiles.
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lockfiles");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            assert_eq!(LockfileKind::of_path(&name), None, "{name}");
        }
    }

    #[test]
    fn names_and_versions_compare_across_sources() {
        // requirements write `PyYAML`, the lockfiles `pyyaml`.
        let reqs = read(LockfileKind::Requirements, "netbox.reqs.txt");
        let yaml = reqs.iter().find(|p| p.name == "PyYAML").unwrap();
        assert_eq!(normalize_name("PyPI", &yaml.name), "pyyaml");
        assert!(same_version("PyPI", "==6.0.3", &yaml.version));
        assert!(same_version(
            "Go",
            "24.0.7+incompatible",
            "v24.0.7+incompatible"
        ));
    }
}
