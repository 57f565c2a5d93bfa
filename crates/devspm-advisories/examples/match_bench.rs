//! Load and match timings against the project's shared advisory databases.
//!
//! ```text
//! cargo run --release -p devspm-advisories --example match_bench [-- <shared-data-dir>]
//! ```
//!
//! Loads RustSec (native layout and OSV export) and PyPA's OSV YAML, indexes them, and matches
//! 2,000 packages: nushell's `Cargo.lock` at 3e1172d4 (1,035 crates, a test fixture), every
//! PyPI package the PyPA data names (664, each once as in a lockfile, at a version listed as
//! affected or a made-up one), and made-up npm names no advisory mentions, shuffled with a
//! fixed seed. That is a worst case for a lockfile: every Python package in it has advisories
//! (tensorflow alone has 242, and its -cpu and -gpu builds 297 each). It prints
//! the load, index and match times, and the match time of a reference measured in the same
//! run: the same question answered without the index (every advisory's packages scanned for
//! every package, ranges parsed when a name matches), as a ratio.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use devspm_advisories::{Advisory, AdvisoryIndex, is_affected, load, match_packages};
use devspm_findings::lockfile::{LockfileKind, normalize_name, parse};

/// A small deterministic generator (xorshift64*), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The reference: no index; every advisory's packages compared with every package.
fn naive(advisories: &[Advisory], packages: &[(String, String, String)]) -> usize {
    let mut found = 0;
    for (ecosystem, name, version) in packages {
        let name = normalize_name(ecosystem, name);
        for advisory in advisories.iter().filter(|a| !a.is_withdrawn()) {
            if advisory.affected.iter().any(|a| {
                a.ecosystem.eq_ignore_ascii_case(ecosystem)
                    && a.name == name
                    && is_affected(a, version)
            }) {
                found += 1;
            }
        }
    }
    found
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("DEVSPM_SHARED_DATA").map(PathBuf::from))
        .unwrap_or_else(|| manifest.join("../../../shared/data"));
    let databases = ["rustsec-advisory-db", "rustsec-osv", "pypa-osv"];

    let mut advisories = Vec::new();
    let load_start = Instant::now();
    for db in databases {
        let start = Instant::now();
        let loaded = load(&shared.join("advisories").join(db))?;
        let s = &loaded.stats;
        println!(
            "load {db:<20} {:>9}  layout {:?}, {} files, {} advisories ({} withdrawn), {} skipped, {} warnings",
            ms(start.elapsed()),
            s.layout,
            s.files_read,
            s.advisories_loaded,
            s.withdrawn,
            s.skipped,
            s.warnings.len()
        );
        for w in s.warnings.iter().take(3) {
            println!("    {w}");
        }
        advisories.extend(loaded.advisories);
    }
    let load_time = load_start.elapsed();
    let start = Instant::now();
    // The same RustSec advisories come twice (native and OSV): the index keeps the first.
    let index = AdvisoryIndex::new(advisories.clone());
    let index_time = start.elapsed();
    println!("index {:>28}  {:?}", ms(index_time), index.stats());

    // 2,000 packages.
    let lock = std::fs::read(manifest.join("tests/fixtures/nushell-3e1172d4.Cargo.lock"))?;
    let mut packages: Vec<(String, String, String)> = parse(LockfileKind::CargoLock, &lock)?
        .into_iter()
        .map(|p| ("crates.io".to_string(), p.name, p.version))
        .collect();
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    // Every PyPI package the PyPA data names, once (as in a lockfile), at a version its first
    // advisory lists as affected or at a made-up one.
    let mut pypi: Vec<(&str, &[String])> = advisories
        .iter()
        .flat_map(|a| &a.affected)
        .filter(|x| x.ecosystem == "PyPI")
        .map(|x| (x.name.as_str(), x.versions.as_slice()))
        .collect();
    pypi.sort_by_key(|(name, _)| *name);
    pypi.dedup_by_key(|(name, _)| *name);
    for (name, versions) in pypi {
        if packages.len() == 1_900 {
            break;
        }
        let version = if !versions.is_empty() && rng.below(2) == 0 {
            versions[rng.below(versions.len())].clone()
        } else {
            format!("{}.{}.{}", rng.below(10), rng.below(30), rng.below(20))
        };
        packages.push(("PyPI".into(), name.to_string(), version));
    }
    while packages.len() < 2_000 {
        let name = format!("unknown-package-{}", rng.next() % 1_000_000);
        packages.push(("npm".into(), name, "1.0.0".into()));
    }
    for i in (1..packages.len()).rev() {
        packages.swap(i, rng.below(i + 1));
    }

    let mut times = Vec::new();
    let mut count = 0;
    for _ in 0..21 {
        let start = Instant::now();
        count = match_packages(&index, &packages).len();
        times.push(start.elapsed());
    }
    let indexed = median(times);

    let unique: Vec<Advisory> = index.advisories().to_vec();
    let start = Instant::now();
    let naive_count = naive(&unique, &packages);
    let reference = start.elapsed();

    println!(
        "match {} packages: {} matches, median of 21 runs {}",
        packages.len(),
        count,
        ms(indexed)
    );
    println!(
        "reference (no index, same question): {} matches in {} — index {:.0}x faster",
        naive_count,
        ms(reference),
        reference.as_secs_f64() / indexed.as_secs_f64().max(1e-9)
    );
    println!(
        "total: load {} + index {} + match {}",
        ms(load_time),
        ms(index_time),
        ms(indexed)
    );
    Ok(())
}
