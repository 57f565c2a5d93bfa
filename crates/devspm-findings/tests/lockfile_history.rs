//! Lockfile readers against the versions of real lockfiles along git history: nushell's
//! Cargo.lock and netbox's requirements.txt, read from bare mirrors of those repositories
//! (`$DEVSPM_TEST_MIRRORS`, default `.mirror` beside the checkout, as `owner+name/repo`). Each test is skipped,
//! saying so, where its mirror or pinned commit is absent.
//!
//! The speed check is run by hand:
//! `cargo test -p devspm-findings --release --test lockfile_history -- --ignored --nocapture`.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use devspm_findings::lockfile::{LockedPackage, LockfileKind, parse};

const NUSHELL: &str = "nushell+nushell";
/// nushell's HEAD when these tests were written (Cargo.lock v4).
const NUSHELL_HEAD: &str = "3e1172d43cabb34afb798dfc9d8724839e18fe85";
/// The commit that added nushell's Cargo.lock (2019, v1 with a `[metadata]` table).
const NUSHELL_FIRST: &str = "8f3b273337b53bd86d5594d5edc9d4ad7242bd4c";
const NETBOX: &str = "netbox-community+netbox";
/// The commit that added netbox's requirements.txt.
const NETBOX_HEAD: &str = "43fe81f9e833228c9869f7ddadb67e6c5f145060";

fn mirror(name: &str) -> Option<PathBuf> {
    // Default: `.mirror` beside the checkout, where the `fetch` tool puts repositories.
    let root = std::env::var_os("DEVSPM_TEST_MIRRORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../.mirror"));
    let repo = root.join(name).join("repo");
    if repo.join("HEAD").is_file() {
        Some(repo)
    } else {
        eprintln!("skipped: no mirror at {}", repo.display());
        None
    }
}

fn git(repo: &PathBuf, args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("git")
        .arg("--git-dir")
        .arg(repo)
        .args(args)
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

/// `path` at `commit`, or `None` (said) where the mirror lacks the commit.
fn show(repo: &PathBuf, commit: &str, path: &str) -> Option<Vec<u8>> {
    let blob = git(repo, &["show", &format!("{commit}:{path}")]);
    if blob.is_none() {
        eprintln!("skipped: {} has no {commit}:{path}", repo.display());
    }
    blob
}

/// Every version of `path` along history, newest first, read in one `git cat-file --batch`.
fn versions(repo: &PathBuf, path: &str) -> Vec<(String, Vec<u8>)> {
    let log = git(repo, &["log", "--format=%H", "--", path]).expect("git log");
    let commits: Vec<String> = String::from_utf8(log)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let mut child = Command::new("git")
        .arg("--git-dir")
        .arg(repo)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("git cat-file");
    let mut stdin = child.stdin.take().unwrap();
    let requests: String = commits.iter().map(|c| format!("{c}:{path}\n")).collect();
    let writer = std::thread::spawn(move || stdin.write_all(requests.as_bytes()));
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut blobs = Vec::new();
    for commit in &commits {
        let mut header = String::new();
        out.read_line(&mut header).unwrap();
        // `<sha> blob <size>`, or `<rev> missing` where the commit deleted the file.
        let Some(size) = header
            .split_whitespace()
            .nth(2)
            .and_then(|s| s.parse::<usize>().ok())
        else {
            continue;
        };
        let mut blob = vec![0; size + 1];
        out.read_exact(&mut blob).unwrap();
        blob.pop();
        blobs.push((commit.clone(), blob));
    }
    writer.join().unwrap().unwrap();
    child.wait().unwrap();
    blobs
}

/// A naive reading of a Cargo.lock to check the scanner against: each quoted `version` line
/// after a `name` line of a `[[package]]` table.
fn naive_cargo(text: &str) -> BTreeSet<LockedPackage> {
    let mut out = BTreeSet::new();
    let mut in_package = false;
    let mut name = None;
    for line in text.lines() {
        if line.starts_with('[') {
            in_package = line == "[[package]]";
            name = None;
        } else if let Some(n) = line.strip_prefix("name = \"") {
            name = Some(n.trim_end_matches('"').to_string());
        } else if let (true, Some(v), Some(n)) =
            (in_package, line.strip_prefix("version = \""), name.take())
        {
            out.insert(LockedPackage::new(n, v.trim_end_matches('"')));
        }
    }
    out
}

fn has(packages: &[LockedPackage], name: &str, version: &str) -> bool {
    packages
        .iter()
        .any(|p| p.name == name && p.version == version)
}

/// In a module named `lockfile`, so that `cargo test -p devspm-findings lockfile` selects them.
mod lockfile {
    use super::*;

    #[test]
    fn nushell_head_cargo_lock() {
        let Some(repo) = mirror(NUSHELL) else { return };
        let Some(blob) = show(&repo, NUSHELL_HEAD, "Cargo.lock") else {
            return;
        };
        let text = String::from_utf8(blob).unwrap();
        assert!(text.contains("\nversion = 4\n"));
        let packages = parse(LockfileKind::CargoLock, text.as_bytes()).unwrap();
        // `grep -c '^name = '`: no name@version is there twice.
        let names = text.lines().filter(|l| l.starts_with("name = ")).count();
        assert_eq!(names, 1035);
        assert_eq!(packages.len(), names);
        assert!(has(&packages, "serde", "1.0.229"));
        assert!(has(&packages, "tokio", "1.53.1"));
        assert!(
            has(&packages, "nu-cli", "0.114.2"),
            "workspace members are listed"
        );
        assert!(has(&packages, "windows-sys", "0.45.0"));
        assert!(has(&packages, "windows-sys", "0.59.0"));
    }

    #[test]
    fn nushell_first_cargo_lock() {
        let Some(repo) = mirror(NUSHELL) else { return };
        let Some(blob) = show(&repo, NUSHELL_FIRST, "Cargo.lock") else {
            return;
        };
        let text = String::from_utf8(blob).unwrap();
        assert!(text.contains("\n[metadata]\n"));
        let packages = parse(LockfileKind::CargoLock, text.as_bytes()).unwrap();
        let names = text.lines().filter(|l| l.starts_with("name = ")).count();
        assert_eq!(packages.len(), names);
        assert!(has(&packages, "aho-corasick", "0.7.3"));
        assert!(has(&packages, "argon2rs", "0.2.5"));
    }

    #[test]
    fn nushell_cargo_lock_history_sample() {
        let Some(repo) = mirror(NUSHELL) else { return };
        let all = versions(&repo, "Cargo.lock");
        assert!(all.len() > 2000, "{}", all.len());
        for (commit, blob) in all.iter().step_by(50) {
            let text = String::from_utf8_lossy(blob);
            let packages = parse(LockfileKind::CargoLock, blob).unwrap();
            assert!(!packages.is_empty(), "{commit}");
            if text.contains("\n<<<<<<< ") {
                // A committed merge conflict: both sides are read, which the naive reading does not.
                continue;
            }
            let naive: Vec<_> = naive_cargo(&text).into_iter().collect();
            assert_eq!(packages, naive, "{commit}");
        }
    }

    #[test]
    fn netbox_requirements_history() {
        let Some(repo) = mirror(NETBOX) else { return };
        let Some(head) = show(&repo, NETBOX_HEAD, "requirements.txt") else {
            return;
        };
        let packages = parse(LockfileKind::Requirements, &head).unwrap();
        assert!(has(&packages, "Django", "6.0.8"));
        let all = versions(&repo, "requirements.txt");
        assert!(all.len() > 400, "{}", all.len());
        for (commit, blob) in &all {
            let packages = parse(LockfileKind::Requirements, blob).unwrap();
            // Every distinct `name==version` line (some versions hold merge-conflict markers:
            // `=======` is no pin, and both sides are read).
            let text = String::from_utf8_lossy(blob);
            let pins: BTreeSet<&str> = text
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with(|c: char| c.is_ascii_alphanumeric()) && l.contains("=="))
                .collect();
            assert_eq!(packages.len(), pins.len(), "{commit}");
        }
        let (_, first) = all.last().unwrap();
        let first = parse(LockfileKind::Requirements, first).unwrap();
        assert_eq!(first.len(), 25);
        assert!(has(&first, "Django", "1.9.1"));
        assert!(has(&first, "PyYAML", "3.11"));
    }

    /// Hand-run: how long parsing every version of nushell's Cargo.lock takes (blobs are read
    /// from git first; only parsing is timed).
    #[test]
    #[ignore]
    fn nushell_cargo_lock_history_speed() {
        let Some(repo) = mirror(NUSHELL) else { return };
        let all = versions(&repo, "Cargo.lock");
        let bytes: usize = all.iter().map(|(_, b)| b.len()).sum();
        let start = Instant::now();
        let mut packages = 0usize;
        for (_, blob) in &all {
            packages += parse(LockfileKind::CargoLock, blob).unwrap().len();
        }
        let elapsed = start.elapsed();
        eprintln!(
            "parsed {} versions of nushell's Cargo.lock ({:.1} MB, {packages} packages) in {:.0} ms: \
             {:.0} µs a version, {:.0} MB/s",
            all.len(),
            bytes as f64 / 1e6,
            elapsed.as_secs_f64() * 1e3,
            elapsed.as_secs_f64() * 1e6 / all.len() as f64,
            bytes as f64 / 1e6 / elapsed.as_secs_f64(),
        );
    }
}
