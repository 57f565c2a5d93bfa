//! The workspace's floors, checked from `cargo metadata`: front ends → engine → ledger traits
//! and capability crates → core, with storage backends (`devspm-ledger-sqlite`,
//! `devspm-ledger-postgres`) beside the ledger's traits, each the only crate that uses its
//! database driver. A crate that
//! reaches past its floor (a front end opening a database driver or a backend crate itself, a
//! library depending on the binary, a capability crate reading the ledger) fails here, with
//! the edge named, before it becomes a habit.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// The crate that is a front end: it selects nothing, the engine opens the ledger for it.
const FRONT_ENDS: &[&str] = &["devspm"];

/// A front end's own libraries (the command line's vocabulary, `devspm-cli`): used by front
/// ends only, and themselves above nothing of devspm's but the vocabulary (`devspm-core`) —
/// no engine, ledger, report or backend.
const FRONT_END_LIBRARIES: &[&str] = &["devspm-cli"];

/// Crates that speak to a database themselves, with the backend each belongs to: only that
/// backend may use it (`None`: any backend). The ledger's traits crate uses none.
const DRIVERS: &[(&str, Option<&str>)] = &[
    ("rusqlite", Some("devspm-ledger-sqlite")),
    ("libsqlite3-sys", Some("devspm-ledger-sqlite")),
    ("postgres", Some("devspm-ledger-postgres")),
    ("tokio-postgres", Some("devspm-ledger-postgres")),
    ("sqlx", None),
];

/// Capability crates: pure logic over the vocabulary, below the ledger and the engine.
const CAPABILITIES: &[&str] = &[
    "devspm-git",
    "devspm-ai",
    "devspm-findings",
    "devspm-governance",
    "devspm-inventory",
    "devspm-secrets",
    "devspm-advisories",
    "devspm-posture",
    "devspm-report",
];

/// Each workspace crate's dependencies, as (name, kind) with kind "normal", "dev" or "build".
fn workspace_dependencies() -> BTreeMap<String, BTreeSet<(String, String)>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let out = std::process::Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata is JSON");
    let mut crates = BTreeMap::new();
    for package in metadata["packages"].as_array().expect("packages") {
        let name = package["name"].as_str().expect("name").to_owned();
        let dependencies = package["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .map(|d| {
                (
                    d["name"].as_str().expect("dependency name").to_owned(),
                    d["kind"].as_str().unwrap_or("normal").to_owned(),
                )
            })
            .collect();
        crates.insert(name, dependencies);
    }
    crates
}

fn is_backend(name: &str) -> bool {
    name.starts_with("devspm-ledger-")
}

/// Whether `name` may depend on `dependency` at run time as far as database drivers go: a
/// driver only in the backend it belongs to.
fn may_use_driver(name: &str, dependency: &str) -> bool {
    match DRIVERS.iter().find(|(driver, _)| *driver == dependency) {
        None => true,
        Some((_, Some(backend))) => name == *backend,
        Some((_, None)) => is_backend(name),
    }
}

/// Every edge that breaks a floor, as "crate → dependency (kind): why".
fn violations(crates: &BTreeMap<String, BTreeSet<(String, String)>>) -> Vec<String> {
    let mut wrong = Vec::new();
    for (name, dependencies) in crates {
        for (dependency, kind) in dependencies {
            let normal = kind == "normal";
            let edge = format!("{name} → {dependency} ({kind})");
            if FRONT_ENDS.contains(&dependency.as_str()) {
                wrong.push(format!("{edge}: nothing depends on a front end"));
            }
            if FRONT_END_LIBRARIES.contains(&dependency.as_str())
                && !FRONT_ENDS.contains(&name.as_str())
            {
                wrong.push(format!(
                    "{edge}: a front end's library is used by front ends only"
                ));
            }
            if FRONT_END_LIBRARIES.contains(&name.as_str())
                && normal
                && dependency.starts_with("devspm")
                && dependency != "devspm-core"
            {
                wrong.push(format!(
                    "{edge}: a front end's library is vocabulary: clap and devspm-core at most"
                ));
            }
            if normal && !may_use_driver(name, dependency) {
                wrong.push(format!(
                    "{edge}: only the ledger's backends speak to a database, each to its own"
                ));
            }
            if normal && is_backend(dependency) && name != "devspm-engine" {
                wrong.push(format!(
                    "{edge}: a backend is chosen by the engine (`devspm_engine::store`), not used directly"
                ));
            }
            if normal && dependency == "devspm-engine" && !FRONT_ENDS.contains(&name.as_str()) {
                wrong.push(format!("{edge}: only front ends sit above the engine"));
            }
            if CAPABILITIES.contains(&name.as_str())
                && normal
                && (dependency == "devspm-ledger" || is_backend(dependency))
            {
                wrong.push(format!(
                    "{edge}: capability crates get facts from the engine, not from the ledger"
                ));
            }
            if name == "devspm-core" && dependency.starts_with("devspm") {
                wrong.push(format!("{edge}: the vocabulary is the lowest floor"));
            }
        }
    }
    wrong
}

#[test]
fn every_crate_stays_on_its_floor() {
    let crates = workspace_dependencies();
    for expected in [
        "devspm",
        "devspm-cli",
        "devspm-core",
        "devspm-engine",
        "devspm-ledger",
        "devspm-ledger-sqlite",
        "devspm-ledger-postgres",
    ] {
        assert!(
            crates.contains_key(expected),
            "cargo metadata lists {expected}"
        );
    }
    let wrong = violations(&crates);
    assert!(
        wrong.is_empty(),
        "dependencies that break the floors (docs/architecture.md):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_rules_catch_what_they_are_for() {
    let edges = |list: &[(&str, &str, &str)]| {
        let mut crates: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
        for (name, dependency, kind) in list {
            crates
                .entry((*name).to_owned())
                .or_default()
                .insert(((*dependency).to_owned(), (*kind).to_owned()));
        }
        crates
    };
    let bad = edges(&[
        ("devspm", "rusqlite", "normal"),
        ("devspm", "devspm-ledger-postgres", "normal"),
        ("devspm-posture", "devspm-ledger", "normal"),
        ("devspm-report", "devspm", "dev"),
        ("devspm-git", "devspm-engine", "normal"),
        ("devspm-core", "devspm-ledger", "normal"),
        ("devspm-ledger", "rusqlite", "normal"),
        ("devspm-ledger-postgres", "rusqlite", "normal"),
        ("devspm", "devspm-ledger-sqlite", "normal"),
        ("devspm-cli", "devspm-engine", "normal"),
        ("devspm-cli", "devspm-report", "normal"),
        ("devspm-cli", "rusqlite", "normal"),
        ("devspm-engine", "devspm-cli", "normal"),
    ]);
    assert_eq!(violations(&bad).len(), 14, "{:#?}", violations(&bad));
    let good = edges(&[
        ("devspm", "devspm-engine", "normal"),
        ("devspm", "rusqlite", "dev"),
        ("devspm-engine", "devspm-ledger-postgres", "normal"),
        ("devspm-ledger-postgres", "postgres", "normal"),
        ("devspm-engine", "devspm-ledger-sqlite", "normal"),
        ("devspm-ledger-sqlite", "rusqlite", "normal"),
        ("devspm", "devspm-ledger-sqlite", "dev"),
        ("devspm", "devspm-cli", "normal"),
        ("devspm-cli", "clap", "normal"),
        ("devspm-cli", "devspm-core", "normal"),
    ]);
    assert_eq!(violations(&good), Vec::<String>::new());
}
