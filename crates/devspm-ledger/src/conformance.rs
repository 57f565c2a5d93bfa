//! The conformance suite of the event log: the tests every backend passes, written once over
//! [`EventLog`], [`Integrity`] and [`AuditStore`]. A backend's own tests run them all with
//! [`conformance_tests!`](crate::conformance_tests), giving a way to make an empty ledger and a
//! way to run SQL behind the ledger's back (the tamper tests use SQL that SQLite and PostgreSQL
//! both accept): `devspm-ledger-sqlite/tests/conformance.rs` and
//! `devspm-ledger-postgres/tests/conformance.rs`. A store that keeps analyzer cursors
//! ([`AnalyzerState`]: SQLite, and an SQLite replica of PostgreSQL) also runs
//! [`cursor_conformance_tests!`](crate::cursor_conformance_tests), the rules by which an append
//! moves a cursor. Behind the `conformance` feature (and compiled in this crate's own tests, so
//! that a change to the traits that breaks it is seen here).
//!
//! Every function panics with a message on the first difference, as a test does.

use devspm_core::NewEvent;
use devspm_core::event::{GENESIS_HASH, IngestGap, RepositoryRegistered};

use crate::audit::{AuditStore, event_leaf};
use crate::checkpoint::{Checkpoint, NoteSigner};
use crate::merkle::{self, Frontier, Hash};
use crate::{AnalyzerState, CursorMove, EventLog, Integrity, LedgerError, VerifyReport};

/// A test event: an ingest gap, distinct per `i`.
pub fn gap(i: u64) -> NewEvent {
    IngestGap {
        repo: "r_1".into(),
        what: "missing_object".into(),
        object: format!("{i:040x}"),
        detail: "conformance".into(),
    }
    .into_event("devspm:test")
}

/// A test event of another kind.
pub fn repository(i: u64) -> NewEvent {
    NewEvent::new(
        format!("repo/r_{i}"),
        "devspm:test",
        format!("repo:r_{i}"),
        RepositoryRegistered {
            repo: format!("r_{i}"),
            name: format!("demo-{i}"),
            locator: format!("file:///demo/{i}"),
        },
    )
}

fn verified<S: Integrity>(store: &S) -> VerifyReport {
    let report = store.verify(&mut |_| {}).expect("verify runs");
    assert!(report.problem.is_none(), "{report:?}");
    report
}

fn append_all<S: EventLog>(store: &mut S, n: u64, batch: u64) {
    let mut i = 0;
    while i < n {
        let end = (i + batch).min(n);
        store.append((i..end).map(gap).collect()).expect("append");
        i = end;
    }
}

/// The tree rebuilt from the listed events, as a reference.
fn reference_root<S: EventLog>(store: &S, size: u64) -> Hash {
    let mut frontier = Frontier::default();
    let mut sink = Vec::new();
    for e in store.events(None, 0, size as usize).expect("events") {
        frontier.push(event_leaf(&e.hash), &mut sink);
    }
    frontier.root()
}

/// Appends chain, re-appends are skipped (also within one batch), the head follows.
pub fn append_is_idempotent_and_chained<S: EventLog + Integrity>(mut store: S) {
    assert_eq!(store.head().unwrap(), None);
    let first = store.append(vec![gap(1), gap(2), repository(1)]).unwrap();
    assert_eq!((first.appended, first.skipped), (3, 0));
    let again = store
        .append(vec![gap(2), gap(3), gap(3), repository(1), gap(1)])
        .unwrap();
    assert_eq!((again.appended, again.skipped), (1, 4));
    let events = store.events(None, 0, 100).unwrap();
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    assert_eq!(events[0].prev_hash, GENESIS_HASH);
    for pair in events.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash);
    }
    for e in &events {
        assert_eq!(e.computed_hash(), e.hash, "event {}", e.seq);
    }
    let head = store.head().unwrap().unwrap();
    assert_eq!((head.seq, &head.hash), (4, &events[3].hash));
    let report = verified(&store);
    assert_eq!(report.events, 4);
    assert_eq!(report.head, Some(head));
    assert_eq!(store.append(vec![]).unwrap().appended, 0);
}

/// `events` filters by kind, starts after a sequence number and stops at a limit.
pub fn events_are_listed_by_kind_and_position<S: EventLog>(mut store: S) {
    store
        .append(vec![gap(1), repository(1), gap(2), repository(2), gap(3)])
        .unwrap();
    let repos = store.events(Some("repository_registered"), 0, 10).unwrap();
    assert_eq!(repos.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2, 4]);
    assert_eq!(repos[0].key, "repo/r_1");
    assert_eq!(repos[0].subject, "repo:r_1");
    assert_eq!(repos[0].actor, "devspm:test");
    assert!(
        repos[0].payload.contains("\"demo-1\""),
        "{}",
        repos[0].payload
    );
    let after = store.events(None, 2, 2).unwrap();
    assert_eq!(after.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 4]);
    assert!(store.events(Some("ingest_gap"), 5, 10).unwrap().is_empty());
    assert_eq!(store.events(Some("ingest_gap"), 0, 10).unwrap().len(), 3);
}

/// Whatever the batch sizes, every root of every size is the reference tree's, proofs verify,
/// and `verify` reports the same root.
pub fn tree_roots_and_proofs_match_a_reference<S: EventLog + Integrity + AuditStore>(mut store: S) {
    append_all(&mut store, 100, 13);
    assert_eq!(store.tree_size().unwrap(), 100);
    for size in 0..=100 {
        assert_eq!(
            store.tree_root(size).unwrap(),
            reference_root(&store, size),
            "root of size {size}"
        );
    }
    let report = verified(&store);
    // Level-4 and level-5 nodes over 100 events: 6 + 3 (+ 1 at level 6).
    assert_eq!(report.tree_nodes_checked, 10);
    assert_eq!(
        report.tree_root.unwrap(),
        merkle::to_hex(&reference_root(&store, 100))
    );
    for size in [1u64, 2, 17, 64, 99, 100] {
        let root = store.tree_root(size).unwrap();
        for seq in [1, size / 2 + 1, size] {
            let p = store.inclusion_proof(seq, size).unwrap();
            let path: Vec<Hash> = p
                .audit_path
                .iter()
                .map(|h| merkle::from_hex(h).unwrap())
                .collect();
            merkle::verify_inclusion(
                &merkle::from_hex(&p.leaf_hash).unwrap(),
                p.leaf_index,
                size,
                &path,
                &root,
            )
            .unwrap();
        }
        for old in [0, 1, size / 3, size] {
            let c = store.consistency_proof(old, size).unwrap();
            let path: Vec<Hash> = c
                .proof
                .iter()
                .map(|h| merkle::from_hex(h).unwrap())
                .collect();
            merkle::verify_consistency(
                old,
                size,
                &merkle::from_hex(&c.old_root).unwrap(),
                &root,
                &path,
            )
            .unwrap();
        }
    }
    assert!(store.inclusion_proof(101, 100).is_err());
    assert!(store.inclusion_proof(1, 101).is_err());
    assert!(store.consistency_proof(5, 101).is_err());
}

/// Rows changed behind the ledger's back are named: an edited payload (by its sequence
/// number), a deleted event, a deleted newest event, a deleted tree node. `sql` runs one
/// statement on the backend's database.
pub fn tampering_is_named<S: EventLog + Integrity>(
    fresh: &mut dyn FnMut() -> S,
    sql: &dyn Fn(&S, &str),
) {
    let mut store = fresh();
    append_all(&mut store, 40, 40);
    verified(&store);
    sql(
        &store,
        "UPDATE events SET payload = '{\"forged\":true}' WHERE seq = 5",
    );
    let problem = store
        .verify(&mut |_| {})
        .unwrap()
        .problem
        .expect("a problem");
    assert_eq!(problem.seq, 5, "{problem:?}");
    assert!(
        problem.problem.contains("event 5 was altered"),
        "{problem:?}"
    );
    let report = store.verify(&mut |_| {}).unwrap();
    assert_eq!(report.events, 4);
    assert_eq!(report.tree_root, None);

    let mut store = fresh();
    append_all(&mut store, 40, 7);
    sql(&store, "DELETE FROM events WHERE seq = 7");
    let problem = store
        .verify(&mut |_| {})
        .unwrap()
        .problem
        .expect("a problem");
    assert_eq!(problem.seq, 7, "{problem:?}");
    assert!(
        problem.problem.contains("event 7 is missing"),
        "{problem:?}"
    );

    let mut store = fresh();
    append_all(&mut store, 40, 40);
    sql(&store, "DELETE FROM events WHERE seq = 40");
    let problem = store
        .verify(&mut |_| {})
        .unwrap()
        .problem
        .expect("a problem");
    assert_eq!(problem.seq, 40, "{problem:?}");
    assert!(
        problem.problem.contains("events 40..=40 are missing"),
        "{problem:?}"
    );

    let mut store = fresh();
    append_all(&mut store, 40, 40);
    sql(
        &store,
        "DELETE FROM merkle_nodes WHERE level = 4 AND idx = 1",
    );
    let problem = store
        .verify(&mut |_| {})
        .unwrap()
        .problem
        .expect("a problem");
    assert_eq!(problem.key.as_deref(), Some("merkle/4/1"), "{problem:?}");
    assert!(
        problem.problem.contains("over events 17..=32"),
        "{problem:?}"
    );
}

/// A signed checkpoint is recorded, listed and checked by `verify`; a tampered one is named.
pub fn checkpoints_are_recorded_and_checked<S: EventLog + Integrity + AuditStore>(
    mut store: S,
    sql: &dyn Fn(&S, &str),
) {
    append_all(&mut store, 9, 4);
    let signer = NoteSigner::generate("devspm/test").unwrap();
    let root = store.tree_root(9).unwrap();
    let note = signer.sign_checkpoint("devspm/test", 9, &root).unwrap();
    let cp = Checkpoint::parse(&note).unwrap();
    let verifier = signer.verifier().to_key_string();
    let first = store
        .record_checkpoint(&cp, &note, "devspm/test", &verifier)
        .unwrap();
    let second = store
        .record_checkpoint(&cp, &note, "devspm/test", &verifier)
        .unwrap();
    assert_eq!((first, second), (1, 2));
    let listed = store.checkpoints().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].tree_size, 9);
    assert_eq!(listed[0].root_hash, merkle::to_hex(&root));
    assert_eq!(listed[0].note, note);
    verified(&store);
    sql(
        &store,
        "UPDATE checkpoints SET root_hash = '0101010101010101010101010101010101010101010101010101010101010101' WHERE id = 2",
    );
    let problem = store
        .verify(&mut |_| {})
        .unwrap()
        .problem
        .expect("a problem");
    assert_eq!(problem.key.as_deref(), Some("checkpoint/2"), "{problem:?}");
    assert!(problem.problem.contains("another root"), "{problem:?}");
}

/// An empty ledger verifies, with the empty tree's root.
pub fn an_empty_ledger_verifies<S: EventLog + Integrity + AuditStore>(store: S) {
    let report = verified(&store);
    assert_eq!(report.events, 0);
    assert_eq!(report.head, None);
    assert_eq!(
        report.tree_root.unwrap(),
        merkle::to_hex(&merkle::empty_root())
    );
    assert_eq!(store.tree_size().unwrap(), 0);
    assert_eq!(store.tree_root(0).unwrap(), merkle::empty_root());
}

/// Content attached to an appended event is kept outside the chain and read back by its
/// address; an address never stored is `None`; the ledger still verifies.
pub fn contents_are_kept_by_address<S: EventLog + Integrity>(mut store: S) {
    let bytes = b"conformance: a commit message\n".to_vec();
    let address = devspm_core::ids::content_hash(&bytes);
    let mut event = gap(1);
    event.attachments.push(devspm_core::Attachment::Content {
        sha256: address.clone(),
        bytes: bytes.clone(),
    });
    store.append(vec![event]).unwrap();
    assert_eq!(store.content(&address).unwrap(), Some(bytes));
    let absent = devspm_core::ids::content_hash(b"never stored");
    assert_eq!(store.content(&absent).unwrap(), None);
    verified(&store);
}

/// A source that yields `events`, then fails (an unreadable spool, say).
fn failing_after(
    events: impl IntoIterator<Item = NewEvent>,
) -> impl Iterator<Item = Result<NewEvent, LedgerError>> {
    events
        .into_iter()
        .map(Ok)
        .chain(std::iter::once(Err(LedgerError::Refused {
            path: "the source".into(),
            reason: "conformance: the source broke".into(),
        })))
        .chain((900_000..900_010).map(|i| Ok(gap(i))))
}

/// The first `Err` from the source rolls the whole batch back, the events before it too (more
/// than a backend writes at once), and nothing of it is half-recorded: the head, the events and
/// the tree are as before, and the next append goes on from there.
pub fn a_source_error_rolls_the_batch_back<S: EventLog + Integrity + AuditStore>(mut store: S) {
    store.append(vec![gap(1), gap(2)]).unwrap();
    let head = store.head().unwrap();
    let root = store.tree_root(2).unwrap();
    for before_the_error in [0u64, 3, 25_000] {
        let mut source = failing_after((10..10 + before_the_error).map(gap));
        let error = store
            .append_stream(&mut source, CursorMove::None)
            .expect_err("the source's error");
        assert!(
            error.to_string().contains("conformance: the source broke"),
            "{error}"
        );
        assert_eq!(
            store.head().unwrap(),
            head,
            "after {before_the_error} events"
        );
        assert_eq!(store.events(None, 0, 100).unwrap().len(), 2);
        assert_eq!(store.tree_size().unwrap(), 2);
        assert_eq!(store.tree_root(2).unwrap(), root);
        assert_eq!(verified(&store).events, 2);
    }
    // None of the rolled-back events is recorded: appending them again appends them.
    let summary = store.append(vec![gap(3), gap(10), gap(11)]).unwrap();
    assert_eq!((summary.appended, summary.skipped), (3, 0));
    let report = verified(&store);
    assert_eq!(report.events, 5);
    assert_eq!(
        report.tree_root.unwrap(),
        merkle::to_hex(&reference_root(&store, 5))
    );
}

/// Appends move an analyzer's cursor in their transaction, by the rules of [`CursorMove`]:
/// `None` moves nothing; `To` moves it to the named position, with or without events;
/// `ToHead` moves it to the new head only when it stood at the head before the batch (not when
/// `other_writer` appended events in between, which the analyzer has not seen); a source error
/// moves nothing. `other_writer` appends events as another process would (to a replica's
/// upstream directly, behind the replica's back).
pub fn cursors_move_with_their_batch<S: EventLog + AnalyzerState>(
    mut store: S,
    other_writer: &mut dyn FnMut(&mut S, Vec<NewEvent>),
) {
    const A: &str = "conformance-a";
    const B: &str = "conformance-b";
    let batch = |events: Vec<NewEvent>| events.into_iter().map(Ok);
    let head = |store: &S| store.head().unwrap().map_or(0, |h| h.seq);
    assert_eq!((store.cursor(A).unwrap(), store.cursor(B).unwrap()), (0, 0));

    // On an empty ledger an unused cursor stands at the head: `ToHead` takes it along; other
    // analyzers' cursors stay.
    let summary = store
        .append_stream(
            &mut batch(vec![gap(1), gap(2)]),
            CursorMove::ToHead { analyzer: B },
        )
        .unwrap();
    assert_eq!(summary.appended, 2);
    assert_eq!((store.cursor(A).unwrap(), store.cursor(B).unwrap()), (0, 2));
    store
        .append_stream(&mut batch(vec![gap(3)]), CursorMove::None)
        .unwrap();
    assert_eq!((store.cursor(A).unwrap(), store.cursor(B).unwrap()), (0, 2));

    // `To`: the position named, with events and without.
    let to = |seq| CursorMove::To { analyzer: A, seq };
    store
        .append_stream(&mut batch(vec![gap(4)]), to(2))
        .unwrap();
    assert_eq!((store.cursor(A).unwrap(), head(&store)), (2, 4));
    store.append_stream(&mut std::iter::empty(), to(4)).unwrap();
    assert_eq!(store.cursor(A).unwrap(), 4);

    // `ToHead` from the head: to the new head; a batch that appends nothing (re-appended keys,
    // or no events) leaves it at the head.
    let to_head = CursorMove::ToHead { analyzer: A };
    store
        .append_stream(&mut batch(vec![gap(5), gap(6)]), to_head)
        .unwrap();
    assert_eq!((store.cursor(A).unwrap(), head(&store)), (6, 6));
    let summary = store
        .append_stream(&mut batch(vec![gap(6)]), to_head)
        .unwrap();
    assert_eq!((summary.appended, summary.skipped), (0, 1));
    store
        .append_stream(&mut std::iter::empty(), to_head)
        .unwrap();
    assert_eq!((store.cursor(A).unwrap(), head(&store)), (6, 6));

    // Another writer's events in between: the analyzer has not seen them, the cursor stays
    // (with the batch appended all the same) until the analyzer names its position.
    other_writer(&mut store, vec![gap(7)]);
    store
        .append_stream(&mut batch(vec![gap(8)]), to_head)
        .unwrap();
    assert_eq!((store.cursor(A).unwrap(), head(&store)), (6, 8));
    store
        .append_stream(&mut batch(vec![gap(9)]), to_head)
        .unwrap();
    assert_eq!((store.cursor(A).unwrap(), head(&store)), (6, 9));
    store.append_stream(&mut std::iter::empty(), to(9)).unwrap();
    store
        .append_stream(&mut batch(vec![gap(10)]), to_head)
        .unwrap();
    assert_eq!((store.cursor(A).unwrap(), head(&store)), (10, 10));

    // A source error rolls the cursor move back with the events.
    for cursor in [to(99), to_head, CursorMove::ToHead { analyzer: B }] {
        let mut source = failing_after([gap(11), gap(12)]);
        assert!(store.append_stream(&mut source, cursor).is_err());
        assert_eq!(
            (store.cursor(A).unwrap(), store.cursor(B).unwrap()),
            (10, 2)
        );
        assert_eq!(head(&store), 10);
    }
}

/// One `#[test]` per conformance test, for one backend: `$fresh` is an expression that makes an
/// empty ledger (evaluated once per ledger), `$sql` a `fn(&Store, &str)` that runs one SQL
/// statement on its database behind the ledger's back.
#[macro_export]
macro_rules! conformance_tests {
    ($fresh:expr, $sql:expr) => {
        #[test]
        fn conformance_append_is_idempotent_and_chained() {
            $crate::conformance::append_is_idempotent_and_chained($fresh);
        }

        #[test]
        fn conformance_events_are_listed_by_kind_and_position() {
            $crate::conformance::events_are_listed_by_kind_and_position($fresh);
        }

        #[test]
        fn conformance_tree_roots_and_proofs_match_a_reference() {
            $crate::conformance::tree_roots_and_proofs_match_a_reference($fresh);
        }

        #[test]
        fn conformance_tampering_is_named() {
            $crate::conformance::tampering_is_named(&mut || $fresh, &$sql);
        }

        #[test]
        fn conformance_checkpoints_are_recorded_and_checked() {
            $crate::conformance::checkpoints_are_recorded_and_checked($fresh, &$sql);
        }

        #[test]
        fn conformance_an_empty_ledger_verifies() {
            $crate::conformance::an_empty_ledger_verifies($fresh);
        }

        #[test]
        fn conformance_contents_are_kept_by_address() {
            $crate::conformance::contents_are_kept_by_address($fresh);
        }

        #[test]
        fn conformance_a_source_error_rolls_the_batch_back() {
            $crate::conformance::a_source_error_rolls_the_batch_back($fresh);
        }
    };
}

/// The `#[test]`s of a store that keeps analyzer cursors: `$fresh` makes an empty one,
/// `$other_writer` an expression of type `&mut dyn FnMut(&mut Store, Vec<NewEvent>)` that
/// appends as another process would.
#[macro_export]
macro_rules! cursor_conformance_tests {
    ($fresh:expr, $other_writer:expr) => {
        #[test]
        fn conformance_cursors_move_with_their_batch() {
            $crate::conformance::cursors_move_with_their_batch($fresh, $other_writer);
        }
    };
}
