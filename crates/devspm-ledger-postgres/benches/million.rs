//! The PostgreSQL ledger at a million events: append (10,000 per transaction, Merkle tree
//! maintained, COPY BINARY), full verification, random inclusion proofs and a consistency
//! proof, in a scratch database dropped afterwards.
//!
//! `cargo bench -p devspm-ledger-postgres --bench million` (a plain program, not a test: it
//! prints times and asserts only correctness). `DEVSPM_BENCH_EVENTS` sets the number of events
//! (default 1,000,000), `DEVSPM_TEST_POSTGRES_URL` the server (default the local one).

use devspm_ledger::conformance::gap;
use devspm_ledger::{AuditStore, EventLog, Integrity};
use devspm_ledger_postgres::PgStore;

fn main() {
    let n: u64 = std::env::var("DEVSPM_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let server = std::env::var("DEVSPM_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut store = PgStore::scratch(&server).expect("a scratch database");
    let started = std::time::Instant::now();
    let mut i = 0;
    while i < n {
        let end = (i + 10_000).min(n);
        store.append((i..end).map(gap).collect()).expect("append");
        i = end;
    }
    println!(
        "append {n} events (10,000 per transaction, tree maintained): {:.2?}",
        started.elapsed()
    );
    store
        .execute_for_tests("VACUUM ANALYZE events")
        .expect("vacuum");
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
    let root = store.tree_root(n).expect("root");
    for k in 0..100u64 {
        let seq = 1 + (k * 7919 * 104_729) % n;
        let p = store.inclusion_proof(seq, n).expect("proof");
        assert_eq!(p.root_hash, devspm_ledger::merkle::to_hex(&root));
    }
    println!("100 inclusion proofs: {:.2?}", started.elapsed());
    let started = std::time::Instant::now();
    store.consistency_proof(n / 3, n).expect("consistency");
    println!("a consistency proof: {:.2?}", started.elapsed());
}
