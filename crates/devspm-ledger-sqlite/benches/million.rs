//! The ledger at a million events: append (2,000 per batch, Merkle tree maintained), full
//! verification, random inclusion proofs and a consistency proof, and the file's size.
//!
//! `cargo bench -p devspm-ledger-sqlite --bench million` (a plain program, not a test: it prints
//! times and asserts only correctness). `DEVSPM_BENCH_EVENTS` sets the number of events
//! (default 1,000,000), `DEVSPM_BENCH_DIR` the folder of the temporary database (default the
//! system's temporary folder).

use devspm_core::event::IngestGap;
use devspm_ledger::{AuditStore, EventLog, Integrity, Projections};
use devspm_ledger_sqlite::SqliteStore;

fn gap(i: u64) -> devspm_core::NewEvent {
    IngestGap {
        repo: "r_1".into(),
        what: "missing_object".into(),
        object: format!("{i:040x}"),
        detail: "bench".into(),
    }
    .into_event("devspm:bench")
}

fn main() {
    let n: u64 = std::env::var("DEVSPM_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = match std::env::var_os("DEVSPM_BENCH_DIR") {
        Some(d) => tempfile::tempdir_in(d),
        None => tempfile::tempdir(),
    }
    .expect("a temporary folder");
    let path = dir.path().join("million.db");
    let mut store = SqliteStore::open(&path).expect("open");
    let started = std::time::Instant::now();
    let mut i = 0;
    while i < n {
        let end = (i + 2000).min(n);
        store.append((i..end).map(gap).collect()).expect("append");
        i = end;
    }
    println!(
        "append {n} events (2,000 per batch, tree maintained): {:.2?}",
        started.elapsed()
    );
    drop(store);
    let store = SqliteStore::open(&path).expect("reopen");
    let started = std::time::Instant::now();
    let report = store.verify(&mut |_| {}).expect("verify");
    assert!(report.problem.is_none(), "{report:?}");
    assert_eq!(report.events, n);
    println!(
        "verify {n} events + {} tree nodes: {:.2?}",
        report.tree_nodes_checked,
        started.elapsed()
    );
    let started = std::time::Instant::now();
    let checked = store.check_projections(&mut |_| {}).expect("check");
    assert!(checked.problem.is_none(), "{checked:?}");
    println!(
        "projections replayed from {n} events and compared ({} rows): {:.2?}",
        checked.rows_checked,
        started.elapsed()
    );
    let (mut worst, mut total) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    let probes = 1000u64;
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..probes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let t = std::time::Instant::now();
        let proof = store.inclusion_proof(x % n + 1, n).expect("proof");
        let took = t.elapsed();
        assert_eq!(proof.tree_size, n);
        total += took;
        worst = worst.max(took);
    }
    println!(
        "inclusion proof in a tree of {n}: mean {:.2?}, worst {worst:.2?} over {probes} random events",
        total / probes as u32
    );
    let t = std::time::Instant::now();
    store.consistency_proof(n / 3, n).expect("consistency");
    println!("consistency proof {} -> {n}: {:.2?}", n / 3, t.elapsed());
    let size = std::fs::metadata(&path).expect("size").len();
    println!("database {} MB", size / 1_000_000);
}
