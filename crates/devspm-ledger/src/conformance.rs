//! The conformance suite of the ledger: the tests every backend passes, written once over the
//! ledger's traits. A backend's own tests run them with the macros below:
//! `devspm-ledger-sqlite/tests/conformance.rs` and `devspm-ledger-postgres/tests/conformance.rs`.
//!
//! - [`conformance_tests!`](crate::conformance_tests): the event log ([`EventLog`],
//!   [`Integrity`], [`AuditStore`]), given a way to make an empty ledger and a way to run SQL
//!   behind the ledger's back (the tamper tests use SQL that SQLite and PostgreSQL both accept).
//! - [`cursor_conformance_tests!`](crate::cursor_conformance_tests): for a store that keeps
//!   analyzer cursors ([`AnalyzerState`]: SQLite, and an SQLite replica of PostgreSQL), the rules
//!   by which an append moves a cursor.
//! - [`store_conformance_tests!`](crate::store_conformance_tests): for a store that keeps the
//!   projections (SQLite, and an SQLite replica of PostgreSQL, through which every area but the
//!   event log runs on PostgreSQL), the projection areas, each read back through its trait after
//!   appending the events that fill it: [`IngestState`], [`Identities`], [`Views`],
//!   [`AnalyzerState`]'s completion markers, [`FindingStore`], [`GovernanceStore`]'s tool
//!   inventory, [`Privacy`], [`Projections`], [`EvidenceStore`], [`PostureStore`] and
//!   [`SignalStore`]. Their events are built from `devspm_core`'s typed payloads, as collectors
//!   and analyzers build them ([`history`], [`resolutions`], [`findings`], [`attributions`],
//!   [`tools`]).
//!
//! Behind the `conformance` feature (and compiled in this crate's own tests, so that a change to
//! the traits that breaks it is seen here).
//!
//! Every function panics with a message on the first difference, as a test does.

use std::collections::{BTreeMap, HashMap, HashSet};

use devspm_core::bytes::GitBytes;
use devspm_core::commit::SignatureKind;
use devspm_core::event::{
    AliasLinked, AliasResolved, ChangeKind, CommitRecorded, ContentRef, FileChange, FileMode,
    GENESIS_HASH, IdentityKind, IdentityRegistered, IngestGap, LinkLine, PersonTime, RefUpdated,
    RepositoryRegistered, ToolRisk, ToolSeen, TrailerRecord, WorkstationToolSeen,
};
use devspm_core::finding::{
    Attribution, FindingRecorded, FindingsImported, IntroducingCommit, SecretRef, finding_id,
};
use devspm_core::signal::Signal;
use devspm_core::{Attachment, NewEvent};
use serde_json::json;

use crate::audit::{AuditStore, event_leaf};
use crate::checkpoint::{Checkpoint, NoteSigner};
use crate::merkle::{self, Frontier, Hash};
use crate::{
    AnalyzerState, CursorMove, EventLog, EvidenceStore, FindingFilter, FindingStore,
    GovernanceStore, Identities, IngestState, Integrity, LedgerError, PostureStore, Privacy,
    Projections, SignalStore, ToolFilter, VerifyReport, Views,
};

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

// The stores with projections: every area, read back through its trait.

/// The repository of [`history`].
pub const REPO: &str = "r_1";
/// Its commits: `C1` adds `README.md`; `C2` (signed) adds `src/lib.rs` and edits `README.md`;
/// `C3` merges `C2` and `C1`, by another alias of the same person, and names her in a trailer.
pub const C1: &str = "c111111111111111111111111111111111111111";
pub const C2: &str = "c222222222222222222222222222222222222222";
pub const C3: &str = "c333333333333333333333333333333333333333";
/// The author time of `C1` (Unix seconds); `C2` and `C3` follow 100 and 200 seconds later.
pub const T1: i64 = 1_700_000_000;
/// The object of the recorded ingest gap.
pub const MISSING: &str = "abababababababababababababababababababab";
/// The message of `C3`, which names the person (a commit message `forget` redacts).
pub const C3_MESSAGE: &[u8] = b"Merge the library\n\nCo-authored-by: Ann Lee <ann@example.org>\n";

fn file(path: &str, change: ChangeKind, added: u64, removed: u64) -> FileChange {
    FileChange {
        path: GitBytes::from(path),
        old_path: None,
        change,
        mode: FileMode::File,
        blob: Some(format!("{:040x}", added * 1000 + removed)),
        added: Some(added),
        removed: Some(removed),
        binary: false,
        unreadable: false,
    }
}

/// A `commit_recorded` event as ingest builds it: the message stored beside the chain, the
/// author's personal data attached when `pii` gives it.
#[allow(clippy::too_many_arguments)]
fn commit(
    sha: &str,
    parents: &[&str],
    alias: &str,
    time: i64,
    message: &[u8],
    signature: SignatureKind,
    files: Vec<FileChange>,
    trailers: Vec<TrailerRecord>,
    pii: Option<(&str, &str)>,
) -> NewEvent {
    let person = PersonTime {
        alias: alias.into(),
        time,
        offset: 3600,
    };
    let payload = CommitRecorded {
        repo: REPO.into(),
        id: sha.into(),
        tree: format!("{:040x}", time),
        parents: parents.iter().map(|p| p.to_string()).collect(),
        author: person.clone(),
        committer: person,
        message: ContentRef::of(message),
        encoding: None,
        trailers,
        signature,
        signing_key: None,
        diff_base: parents.first().map(|p| p.to_string()),
        shallow_boundary: false,
        files,
        gaps: vec![],
    };
    let mut attachments = vec![Attachment::Content {
        sha256: devspm_core::ids::content_hash(message),
        bytes: message.to_vec(),
    }];
    if let Some((name, email)) = pii {
        attachments.push(Attachment::AliasPii {
            alias: alias.into(),
            name: name.as_bytes().to_vec(),
            email: email.as_bytes().to_vec(),
        });
    }
    NewEvent::new(
        format!("commit/{REPO}/{sha}"),
        alias,
        format!("commit:{REPO}/{sha}"),
        payload,
    )
    .with_attachments(attachments)
}

/// What ingest records of a small repository: `REPO` (`demo`) registered, three commits by
/// alias `a_1` (Ann Lee <ann@example.org>) and `a_2` (A. Lee, the same address), its branch
/// `refs/heads/main` at `C3`, and a missing object.
pub fn history() -> Vec<NewEvent> {
    vec![
        NewEvent::new(
            format!("repo/{REPO}"),
            "devspm:git-ingest",
            format!("repo:{REPO}"),
            RepositoryRegistered {
                repo: REPO.into(),
                name: "demo".into(),
                locator: "https://example.org/demo.git".into(),
            },
        ),
        commit(
            C1,
            &[],
            "a_1",
            T1,
            b"Start\n",
            SignatureKind::None,
            vec![file("README.md", ChangeKind::Added, 3, 0)],
            vec![],
            Some(("Ann Lee", "ann@example.org")),
        ),
        commit(
            C2,
            &[C1],
            "a_1",
            T1 + 100,
            b"Add the library\n",
            SignatureKind::Gpg,
            vec![
                file("README.md", ChangeKind::Modified, 1, 1),
                file("src/lib.rs", ChangeKind::Added, 10, 0),
            ],
            vec![],
            None,
        ),
        commit(
            C3,
            &[C2, C1],
            "a_2",
            T1 + 200,
            C3_MESSAGE,
            SignatureKind::None,
            vec![file("src/lib.rs", ChangeKind::Modified, 2, 0)],
            vec![TrailerRecord {
                key: "Co-authored-by".into(),
                value: None,
                alias: Some("a_1".into()),
            }],
            Some(("A. Lee", "ann@example.org")),
        ),
        NewEvent::new(
            format!("ref/{REPO}/refs/heads/main@{C3}/1"),
            "devspm:git-ingest",
            format!("ref:{REPO}/refs/heads/main"),
            RefUpdated {
                repo: REPO.into(),
                name: GitBytes::from("refs/heads/main"),
                target: C3.into(),
                previous: None,
                restored: vec![],
            },
        ),
        IngestGap {
            repo: REPO.into(),
            what: "missing_object".into(),
            object: MISSING.into(),
            detail: "conformance".into(),
        }
        .into_event("devspm:git-ingest"),
    ]
}

/// What identity resolution records for [`history`]: developer `dev_1` (team `core`), `a_1` its
/// first alias, `a_2` joined to it by the same e-mail address.
pub fn resolutions() -> Vec<NewEvent> {
    let resolved = |alias: &str, rule: &str, via: Option<&str>| {
        NewEvent::new(
            format!("alias/{alias}/r1"),
            "devspm:identity-resolver",
            "dev_1",
            AliasResolved {
                alias: alias.into(),
                identity: "dev_1".into(),
                rule: rule.into(),
                via: via.map(str::to_owned),
                detail: None,
                resolver: 1,
            },
        )
    };
    vec![
        NewEvent::new(
            "identity/dev_1/r1",
            "devspm:identity-resolver",
            "dev_1",
            IdentityRegistered {
                identity: "dev_1".into(),
                kind: IdentityKind::Developer,
                slug: None,
                team: Some("core".into()),
            },
        ),
        resolved("a_1", "first-alias", None),
        resolved("a_2", "same-email", Some("a_1")),
    ]
}

/// The id of a finding of [`findings`].
pub fn finding(tool: &str, fingerprint: &str) -> String {
    finding_id(REPO, tool, &format!("content:v1:{fingerprint}"))
}

#[allow(clippy::too_many_arguments)]
fn recorded(
    tool: &str,
    fingerprint: &str,
    kind: &str,
    severity: &str,
    path: &str,
    line: u32,
    revision: &str,
    import: &str,
    secret: Option<SecretRef>,
) -> NewEvent {
    let id = finding(tool, fingerprint);
    NewEvent::new(
        format!("finding/{REPO}/{id}"),
        "devspm:import",
        format!("repo:{REPO}"),
        FindingRecorded {
            finding: id.clone(),
            repo: REPO.into(),
            tool: tool.into(),
            tool_version: None,
            rule: format!("{tool}.{fingerprint}"),
            kind: kind.into(),
            severity: severity.into(),
            message: format!("{fingerprint} in {path}"),
            identifiers: vec![],
            path: Some(path.into()),
            start_line: Some(line),
            end_line: Some(line + 1),
            foreign_path: None,
            package: None,
            secret,
            inline_marker: None,
            scanner_suppression: None,
            fingerprint: format!("content:v1:{fingerprint}"),
            revision: Some(revision.into()),
            import: import.into(),
        },
    )
}

fn imported(
    import: &str,
    tool: &str,
    revision: &str,
    seen: Vec<String>,
    new: u64,
    fixed: Vec<String>,
) -> NewEvent {
    NewEvent::new(
        format!("import/{import}"),
        "devspm:import",
        format!("repo:{REPO}"),
        FindingsImported {
            import: import.into(),
            repo: REPO.into(),
            tool: tool.into(),
            format: "sarif".into(),
            source: format!("{tool}.sarif"),
            source_sha256: format!("{:064x}", new),
            revision: Some(revision.into()),
            results: seen.len() as u64,
            seen,
            new,
            fixed,
            reopened: vec![],
            duplicates: 0,
            partial: false,
            behind: vec![],
        },
    )
}

/// What two imports of `semgrep` and one of `gitleaks` record: `unsafe` (high) and `todo` (low)
/// seen at `C2` by import `i_1`; at `C3` import `i_2` sees `unsafe` again and fixes `todo`;
/// `gitleaks`'s import `i_3` at `C3` records the secret `token` (high).
pub fn findings() -> Vec<NewEvent> {
    let unsafe_ = finding("semgrep", "unsafe");
    let todo = finding("semgrep", "todo");
    let token = finding("gitleaks", "token");
    vec![
        recorded(
            "semgrep",
            "unsafe",
            "code",
            "high",
            "src/lib.rs",
            3,
            C2,
            "i_1",
            None,
        ),
        recorded(
            "semgrep",
            "todo",
            "code",
            "low",
            "README.md",
            1,
            C2,
            "i_1",
            None,
        ),
        imported(
            "i_1",
            "semgrep",
            C2,
            vec![unsafe_.clone(), todo.clone()],
            2,
            vec![],
        ),
        imported("i_2", "semgrep", C3, vec![unsafe_], 0, vec![todo]),
        recorded(
            "gitleaks",
            "token",
            "secret",
            "high",
            "README.md",
            2,
            C3,
            "i_3",
            Some(SecretRef {
                hash: "0f".repeat(32),
                preview: "ghp_…Xy".into(),
            }),
        ),
        imported("i_3", "gitleaks", C3, vec![token], 1, vec![]),
    ]
}

/// What the tool inventory records: an unpinned MCP server in `REPO`'s `.mcp.json` (added by
/// `a_1` in `C2`), and an editor extension on the workstation of `a_2`.
pub fn tools() -> Vec<NewEvent> {
    let seen = ToolSeen {
        repo: REPO.into(),
        revision: C3.into(),
        path: ".mcp.json".into(),
        blob: "b".repeat(40),
        kind: "mcp_server".into(),
        name: "github".into(),
        details: BTreeMap::new(),
        pinned: Some(false),
        secret_keys: vec![],
        risks: vec![ToolRisk {
            rule: "mcp-unpinned-package".into(),
            severity: "medium".into(),
            message: "the server's package is not pinned".into(),
        }],
        introduced_in: Some(C2.into()),
        introduced_by: Some("a_1".into()),
        version: None,
        line: Some(4),
    };
    let workstation = WorkstationToolSeen {
        host: "laptop-7".into(),
        identity: Some("a_2".into()),
        kind: "vscode_extension".into(),
        id: "ms-python.python".into(),
        name: "Python".into(),
        version: Some("2024.1.0".into()),
        source: "vscode".into(),
        path: ".vscode/extensions/ms-python.python-2024.1.0".into(),
        risks: vec![],
        verdict: Some("approved".into()),
        verdict_reason: None,
    };
    vec![
        NewEvent::new(
            format!("tool/{REPO}/.mcp.json/github/{}", "b".repeat(40)),
            "a_1",
            format!("tool:{REPO}/.mcp.json"),
            seen,
        ),
        NewEvent::new(
            "workstation/laptop-7/a_2/vscode_extension/ms-python.python/2024.1.0",
            "a_2",
            "host:laptop-7",
            workstation,
        ),
    ]
}

/// The sequence number of the only event with `key`.
fn seq_of<S: EventLog>(store: &S, key: &str) -> u64 {
    let found: Vec<u64> = store
        .events(None, 0, 10_000)
        .unwrap()
        .into_iter()
        .filter(|e| e.key == key)
        .map(|e| e.seq)
        .collect();
    assert_eq!(found.len(), 1, "events with key {key}");
    found[0]
}

/// The time the ledger recorded the only event with `key`.
fn at_of<S: EventLog>(store: &S, key: &str) -> String {
    let seq = seq_of(store, key);
    store.events(None, seq - 1, 1).unwrap().remove(0).at
}

/// Ingest reads back what it recorded: the repository, found by locator, name or id; its refs
/// and gaps; its commits with their parents; the commit that first added a path; the aliases
/// with their personal data; the `.mailmap` links recorded with their line.
pub fn ingest_state_reads_back_what_was_recorded<S: EventLog + IngestState>(store: &mut S) {
    assert!(!store.repository_state(REPO).unwrap().registered);
    assert_eq!(store.find_repository("demo").unwrap(), None);
    store.append(history()).unwrap();

    let state = store.repository_state(REPO).unwrap();
    assert!(state.registered);
    assert_eq!(
        state.refs,
        vec![(GitBytes::from("refs/heads/main"), C3.to_owned())]
    );
    assert_eq!(
        state.gaps,
        HashSet::from([format!("missing_object/{MISSING}")])
    );
    assert!(!store.repository_state("r_2").unwrap().registered);

    let commits = store.recorded_commits(REPO).unwrap();
    let parents = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        commits.commits,
        HashMap::from([
            (C1.to_owned(), parents(&[])),
            (C2.to_owned(), parents(&[C1])),
            (C3.to_owned(), parents(&[C2, C1])),
        ])
    );
    assert!(commits.lost.is_empty());
    assert!(store.recorded_commits("r_2").unwrap().commits.is_empty());

    for query in ["https://example.org/demo.git", "demo", REPO] {
        assert_eq!(
            store.find_repository(query).unwrap().as_deref(),
            Some(REPO),
            "{query}"
        );
    }
    assert_eq!(store.find_repository("other").unwrap(), None);

    let first = |path| store.first_commit_adding(REPO, path).unwrap();
    assert_eq!(first("README.md"), Some((C1.to_owned(), "a_1".to_owned())));
    assert_eq!(first("src/lib.rs"), Some((C2.to_owned(), "a_1".to_owned())));
    assert_eq!(first("absent.txt"), None);

    let mut book = store.alias_book().unwrap().entries();
    book.sort();
    assert_eq!(
        book,
        vec![
            (
                "a_1".into(),
                b"Ann Lee".to_vec(),
                b"ann@example.org".to_vec()
            ),
            (
                "a_2".into(),
                b"A. Lee".to_vec(),
                b"ann@example.org".to_vec()
            ),
        ]
    );

    // A `.mailmap` link with its line: ingest will not blame that line again.
    assert!(store.mailmap_links_with_lines(REPO).unwrap().is_empty());
    store
        .append(vec![NewEvent::new(
            format!("link/{REPO}/a_2/a_1"),
            "devspm:git-ingest",
            "a_2",
            AliasLinked {
                alias: "a_2".into(),
                canonical: "a_1".into(),
                source: "mailmap".into(),
                repo: REPO.into(),
                line: Some(LinkLine {
                    revision: C3.into(),
                    path: ".mailmap".into(),
                    line: 1,
                    added_in: Some(C2.into()),
                    added_by: Some("a_1".into()),
                }),
            },
        )])
        .unwrap();
    assert_eq!(
        store.mailmap_links_with_lines(REPO).unwrap(),
        HashSet::from([("a_2".to_owned(), "a_1".to_owned())])
    );
    assert!(store.mailmap_links_with_lines("r_2").unwrap().is_empty());
}

/// Resolved aliases read back: what the resolver reads (aliases with their personal data,
/// current assignments, identities), the identity list, and one identity's detail found by id,
/// alias id, e-mail or name, with the evidence for each alias.
pub fn identities_are_resolved_and_read_back<S: EventLog + Identities>(store: &mut S) {
    store.append(history()).unwrap();
    let before = store.resolver_state().unwrap();
    assert!(before.current.is_empty() && before.identities.is_empty());
    assert_eq!(
        before.authored,
        HashSet::from(["a_1".to_owned(), "a_2".to_owned()])
    );
    store.append(resolutions()).unwrap();

    let state = store.resolver_state().unwrap();
    let aliases: Vec<(&str, &str, &str)> = state
        .aliases
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str(), a.email.as_str()))
        .collect();
    assert_eq!(
        aliases,
        vec![
            ("a_1", "Ann Lee", "ann@example.org"),
            ("a_2", "A. Lee", "ann@example.org"),
        ]
    );
    let a_2 = &state.current["a_2"];
    assert_eq!(
        (a_2.identity.as_str(), a_2.rule.as_str(), a_2.via.as_deref()),
        ("dev_1", "same-email", Some("a_1"))
    );
    assert_eq!(a_2.revision, 1);
    assert_eq!(state.current["a_1"].rule, "first-alias");
    assert_eq!(state.current.len(), 2);
    let dev = &state.identities["dev_1"];
    assert_eq!(
        (dev.kind, dev.team.as_deref(), dev.revision),
        (IdentityKind::Developer, Some("core"), 1)
    );

    let rows = store.identities().unwrap();
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(
        (
            row.identity.as_str(),
            row.kind.as_str(),
            row.team.as_deref()
        ),
        ("dev_1", "developer", Some("core"))
    );
    assert_eq!(
        (row.name.as_str(), row.email.as_str()),
        ("Ann Lee", "ann@example.org")
    );
    assert_eq!(
        row.alias_list,
        vec!["Ann Lee <ann@example.org>", "A. Lee <ann@example.org>"]
    );
    assert_eq!((row.aliases, row.commits, row.repositories), (2, 3, 1));
    assert_eq!((row.first_seen, row.last_seen), (Some(T1), Some(T1 + 200)));
    assert!(!row.forgotten);

    for query in ["dev_1", "a_2", "ANN@example.org", "a. lee"] {
        let found = store.identity_detail(query).unwrap();
        assert_eq!(found.len(), 1, "{query}");
        assert_eq!(found[0].row.identity, "dev_1", "{query}");
    }
    assert!(
        store
            .identity_detail("nobody@example.org")
            .unwrap()
            .is_empty()
    );
    let detail = store.identity_detail("dev_1").unwrap().remove(0);
    let evidence: Vec<_> = detail
        .alias_evidence
        .iter()
        .map(|e| {
            (
                e.alias.as_str(),
                e.name.as_str(),
                e.email.as_str(),
                e.commits,
                e.rule.as_str(),
                e.via.as_deref(),
                e.explanation.as_str(),
                e.decided_by_event,
            )
        })
        .collect();
    assert_eq!(
        evidence,
        vec![
            (
                "a_1",
                "Ann Lee",
                "ann@example.org",
                2,
                "first-alias",
                None,
                "first alias of this developer",
                seq_of(store, "alias/a_1/r1"),
            ),
            (
                "a_2",
                "A. Lee",
                "ann@example.org",
                1,
                "same-email",
                Some("Ann Lee <ann@example.org>"),
                "same e-mail address as Ann Lee <ann@example.org>",
                seq_of(store, "alias/a_2/r1"),
            ),
        ]
    );
    assert!(detail.mailmap_links.is_empty());
}

/// The `scan` summary of a repository counts its commits, merges, signatures, lines, gaps and
/// contributors (by identity, named after the alias with the most commits).
pub fn repository_summary_counts_what_was_recorded<S: EventLog + Views>(store: &mut S) {
    store.append(history()).unwrap();
    store.append(resolutions()).unwrap();
    let summary = store.repository_summary(REPO, 5).unwrap();
    assert_eq!(
        (
            summary.repo.as_str(),
            summary.name.as_str(),
            summary.locator.as_str()
        ),
        (REPO, "demo", "https://example.org/demo.git")
    );
    assert_eq!(
        (summary.commits, summary.merges, summary.unreachable_commits),
        (3, 1, 0)
    );
    assert_eq!((summary.developers, summary.bots), (1, 0));
    assert!(summary.agents.is_empty() && summary.bot_accounts.is_empty());
    assert_eq!(summary.signed_commits, 1);
    assert_eq!(summary.signed_ratio, 1.0 / 3.0);
    assert_eq!(
        summary.signatures,
        BTreeMap::from([("gpg".to_owned(), 1), ("none".to_owned(), 2)])
    );
    assert_eq!(
        (summary.first_commit_time, summary.last_commit_time),
        (Some(T1), Some(T1 + 200))
    );
    assert_eq!((summary.lines_added, summary.lines_removed), (16, 1));
    assert_eq!(
        summary.ingest_gaps,
        BTreeMap::from([("missing_object".to_owned(), 1)])
    );
    assert!(summary.history_rewrites.is_empty());
    assert_eq!(summary.ai.commits, 0);
    let top: Vec<_> = summary
        .top_contributors
        .iter()
        .map(|c| {
            (
                c.identity.as_str(),
                c.kind.as_str(),
                c.name.as_str(),
                c.email.as_str(),
                c.commits,
            )
        })
        .collect();
    assert_eq!(
        top,
        vec![("dev_1", "developer", "Ann Lee", "ann@example.org", 3)]
    );
}

/// An analyzer's cursor moves with its batch and its completion markers are kept per
/// repository and analyzer, the last one recorded holding.
pub fn analyzer_state_keeps_cursors_and_completions<S: EventLog + AnalyzerState>(store: &mut S) {
    const A: &str = "conformance-secrets";
    assert_eq!(store.cursor(A).unwrap(), 0);
    assert_eq!(store.analyzed(A, REPO).unwrap(), None);
    let events = history();
    let n = events.len() as u64;
    store
        .append_stream(
            &mut events.into_iter().map(Ok),
            CursorMove::To {
                analyzer: A,
                seq: 3,
            },
        )
        .unwrap();
    assert_eq!(store.cursor(A).unwrap(), 3);
    store.append(resolutions()).unwrap();
    assert_eq!(store.cursor(A).unwrap(), 3);
    assert_eq!(store.head().unwrap().unwrap().seq, n + 3);

    store.mark_analyzed(A, REPO, "refs:1").unwrap();
    assert_eq!(store.analyzed(A, REPO).unwrap().as_deref(), Some("refs:1"));
    store.mark_analyzed(A, REPO, "refs:2").unwrap();
    store.mark_analyzed(A, "r_2", "refs:9").unwrap();
    assert_eq!(store.analyzed(A, REPO).unwrap().as_deref(), Some("refs:2"));
    assert_eq!(store.analyzed(A, "r_2").unwrap().as_deref(), Some("refs:9"));
    assert_eq!(store.analyzed("conformance-other", REPO).unwrap(), None);
    assert_eq!(store.cursor("conformance-other").unwrap(), 0);
}

/// The findings of imports are listed with a filter (tool, status, repository), with where
/// each stands (open, fixed at a revision), and the imports with their counts.
pub fn findings_of_imports_are_listed_with_a_filter<S: EventLog + FindingStore>(store: &mut S) {
    store.append(history()).unwrap();
    assert!(!store.has_findings(REPO, "semgrep").unwrap());
    store.append(findings()).unwrap();
    let (unsafe_, todo, token) = (
        finding("semgrep", "unsafe"),
        finding("semgrep", "todo"),
        finding("gitleaks", "token"),
    );
    assert!(store.has_findings(REPO, "semgrep").unwrap());
    assert!(store.has_findings(REPO, "gitleaks").unwrap());
    assert!(!store.has_findings(REPO, "trivy").unwrap());
    assert!(!store.has_findings("r_2", "semgrep").unwrap());

    let semgrep = store
        .findings(&FindingFilter {
            tool: Some("semgrep".into()),
            ..FindingFilter::default()
        })
        .unwrap();
    let rows: Vec<_> = semgrep
        .iter()
        .map(|r| {
            (
                r.finding.as_str(),
                r.repository.as_str(),
                r.repo_id.as_str(),
                r.status.as_str(),
                r.severity.as_str(),
                r.path.as_deref(),
                r.start_line,
                r.first_revision.as_deref(),
                r.last_revision.as_deref(),
                r.fixed_revision.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                unsafe_.as_str(),
                "demo",
                REPO,
                "open",
                "high",
                Some("src/lib.rs"),
                Some(3),
                Some(C2),
                Some(C3),
                None,
            ),
            (
                todo.as_str(),
                "demo",
                REPO,
                "fixed",
                "low",
                Some("README.md"),
                Some(1),
                Some(C2),
                Some(C2),
                Some(C3),
            ),
        ]
    );
    let first = &semgrep[0];
    assert_eq!(
        (
            first.tool.as_str(),
            first.rule.as_str(),
            first.kind.as_str(),
            first.message.as_str()
        ),
        ("semgrep", "semgrep.unsafe", "code", "unsafe in src/lib.rs")
    );
    assert_eq!((first.end_line, first.reopened), (Some(4), 0));
    assert_eq!(first.attribution, None);
    assert!(first.is_actionable() && !semgrep[1].is_actionable());

    let open: Vec<(String, Option<String>)> = store
        .findings(&FindingFilter {
            repo: Some(REPO.into()),
            status: Some("open".into()),
            ..FindingFilter::default()
        })
        .unwrap()
        .into_iter()
        .map(|r| (r.finding, r.secret_preview))
        .collect();
    assert_eq!(
        open,
        vec![(token, Some("ghp_…Xy".to_owned())), (unsafe_.clone(), None)]
    );
    assert!(
        store
            .findings(&FindingFilter {
                repo: Some("r_2".into()),
                ..FindingFilter::default()
            })
            .unwrap()
            .is_empty()
    );

    // By fingerprint: what an import computes for each result.
    let known: BTreeMap<String, (String, String)> = store
        .known_findings(REPO, "semgrep")
        .unwrap()
        .into_iter()
        .map(|(fingerprint, k)| (fingerprint, (k.finding, k.status)))
        .collect();
    assert_eq!(
        known,
        BTreeMap::from([
            ("content:v1:todo".to_owned(), (todo, "fixed".to_owned())),
            ("content:v1:unsafe".to_owned(), (unsafe_, "open".to_owned())),
        ])
    );
    let imports: Vec<_> = store
        .imports(Some(REPO))
        .unwrap()
        .into_iter()
        .map(|i| {
            (
                i.import,
                i.tool,
                i.revision,
                (i.results, i.new, i.fixed, i.reopened),
                i.withdrawn_seq,
            )
        })
        .collect();
    assert_eq!(
        imports,
        vec![
            (
                "i_1".into(),
                "semgrep".into(),
                Some(C2.into()),
                (2, 2, 0, 0),
                None
            ),
            (
                "i_2".into(),
                "semgrep".into(),
                Some(C3.into()),
                (1, 0, 1, 0),
                None
            ),
            (
                "i_3".into(),
                "gitleaks".into(),
                Some(C3.into()),
                (1, 1, 0, 0),
                None
            ),
        ]
    );
    assert!(store.imports(Some("r_2")).unwrap().is_empty());
}

/// The tool inventory lists a tool seen in a repository file and one seen on a workstation,
/// each with who introduced it (by identity, with the alias's name) and when, filtered by
/// origin and name.
pub fn tool_uses_are_recorded_and_listed<S: EventLog + GovernanceStore>(store: &mut S) {
    store.append(history()).unwrap();
    store.append(resolutions()).unwrap();
    assert!(store.tool_uses(&ToolFilter::default()).unwrap().is_empty());
    store.append(tools()).unwrap();
    let repo_key = format!("tool/{REPO}/.mcp.json/github/{}", "b".repeat(40));
    let host_key = "workstation/laptop-7/a_2/vscode_extension/ms-python.python/2024.1.0";

    let all = store.tool_uses(&ToolFilter::default()).unwrap();
    assert_eq!(all.len(), 2);
    let repo = &all[0];
    assert_eq!(
        (
            repo.origin,
            repo.repository.as_deref(),
            repo.host.as_deref()
        ),
        ("repository", Some("demo"), None)
    );
    assert_eq!(
        (
            repo.kind.as_str(),
            repo.name.as_str(),
            repo.version.as_deref()
        ),
        ("mcp_server", "github", None)
    );
    assert_eq!(
        (repo.path.as_str(), repo.line, repo.pinned),
        (".mcp.json", Some(4), Some(false))
    );
    assert_eq!(repo.risks, vec!["mcp-unpinned-package"]);
    assert_eq!(
        (repo.introduced_in.as_deref(), repo.introduced_at),
        (Some(C2), Some(T1 + 100))
    );
    assert_eq!(
        (repo.identity.as_deref(), repo.identity_name.as_deref()),
        (Some("dev_1"), Some("Ann Lee <ann@example.org>"))
    );
    assert_eq!(repo.verdict, None);
    let at = at_of(store, &repo_key);
    assert_eq!((&repo.first_seen, &repo.last_seen), (&at, &at));

    let host = &all[1];
    assert_eq!(
        (
            host.origin,
            host.repository.as_deref(),
            host.host.as_deref()
        ),
        ("workstation", None, Some("laptop-7"))
    );
    assert_eq!(
        (
            host.kind.as_str(),
            host.name.as_str(),
            host.version.as_deref()
        ),
        ("vscode_extension", "ms-python.python", Some("2024.1.0"))
    );
    assert_eq!(
        (host.identity.as_deref(), host.identity_name.as_deref()),
        (Some("dev_1"), Some("A. Lee <ann@example.org>"))
    );
    assert_eq!(host.verdict.as_deref(), Some("approved"));
    assert!(host.risks.is_empty());
    assert_eq!(host.first_seen, at_of(store, host_key));

    let names = |filter: ToolFilter| -> Vec<String> {
        store
            .tool_uses(&filter)
            .unwrap()
            .into_iter()
            .map(|t| t.name)
            .collect()
    };
    assert_eq!(
        names(ToolFilter {
            origin: Some("workstation".into()),
            ..ToolFilter::default()
        }),
        vec!["ms-python.python"]
    );
    assert_eq!(
        names(ToolFilter {
            name: Some("GIT".into()),
            ..ToolFilter::default()
        }),
        vec!["github"]
    );
    assert_eq!(
        names(ToolFilter {
            repo_id: Some(REPO.into()),
            ..ToolFilter::default()
        }),
        vec!["github"]
    );
    assert!(
        names(ToolFilter {
            kind: Some("ai_cli".into()),
            ..ToolFilter::default()
        })
        .is_empty()
    );
}

/// `forget` erases an identity's personal data: its aliases' names and e-mails are gone from
/// every view (the aliases show as their ids), the stored message naming the person is
/// redacted, an `identity_forgotten` event records it with ids and addresses only, and the
/// chain still verifies, counting the redacted message as such.
pub fn forget_erases_personal_data_and_the_chain_verifies<
    S: EventLog + Integrity + IngestState + Identities + Privacy,
>(
    store: &mut S,
) {
    store.append(history()).unwrap();
    store.append(resolutions()).unwrap();
    let before = verified(store);
    assert_eq!((before.contents_checked, before.contents_redacted), (3, 0));
    let c3_message = devspm_core::ids::content_hash(C3_MESSAGE);
    assert_eq!(
        store.content(&c3_message).unwrap().as_deref(),
        Some(C3_MESSAGE)
    );

    let report = store.forget("dev_1").unwrap();
    assert_eq!(report.identity, "dev_1");
    assert_eq!(report.aliases, vec!["a_1", "a_2"]);
    assert_eq!(
        (
            report.keys_deleted,
            report.contents_redacted,
            report.too_short_to_search
        ),
        (2, 1, 0)
    );
    let head = store.head().unwrap().unwrap();
    assert_eq!(report.event, head.seq);
    // `scrub_complete` is the backend's to say (whether its files could be rewritten at once).

    let detail = store.identity_detail("dev_1").unwrap().remove(0);
    assert_eq!(
        (
            detail.row.name.as_str(),
            detail.row.email.as_str(),
            detail.row.forgotten
        ),
        ("dev_1", "", true)
    );
    assert_eq!(detail.row.alias_list, vec!["a_1", "a_2"]);
    assert_eq!((detail.row.aliases, detail.row.commits), (2, 3));
    let evidence: Vec<_> = detail
        .alias_evidence
        .iter()
        .map(|e| {
            (
                e.alias.as_str(),
                e.name.as_str(),
                e.email.as_str(),
                e.via.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        evidence,
        vec![("a_1", "a_1", "", None), ("a_2", "a_2", "", Some("a_1"))]
    );
    for query in ["ann@example.org", "Ann Lee", "A. Lee"] {
        assert!(store.identity_detail(query).unwrap().is_empty(), "{query}");
    }
    assert!(store.resolver_state().unwrap().aliases.is_empty());
    assert!(store.alias_book().unwrap().is_empty());
    assert_eq!(store.content(&c3_message).unwrap(), None);
    assert_eq!(
        store
            .content(&devspm_core::ids::content_hash(b"Start\n"))
            .unwrap(),
        Some(b"Start\n".to_vec())
    );

    let forgotten = store.events(Some("identity_forgotten"), 0, 10).unwrap();
    assert_eq!(forgotten.len(), 1);
    assert_eq!(forgotten[0].seq, head.seq);
    assert!(forgotten[0].payload.contains(&c3_message));
    for e in store.events(None, 0, 10_000).unwrap() {
        let text = format!("{} {} {} {}", e.key, e.actor, e.subject, e.payload);
        assert!(
            !text.contains("ann@example.org") && !text.contains("Lee"),
            "event {}: {text}",
            e.seq
        );
    }
    let after = verified(store);
    assert_eq!(after.events, head.seq);
    assert_eq!((after.contents_checked, after.contents_redacted), (2, 1));
}

/// What finding attribution records for [`findings`]: `unsafe` introduced by `C2` (line blame,
/// three lines), `todo` by `C1` with `C2` as another introducing commit.
pub fn attributions() -> Vec<NewEvent> {
    let attributed = |fingerprint: &str, commits: &[(&str, i64, u32)]| {
        Attribution {
            finding: finding("semgrep", fingerprint),
            repo: REPO.into(),
            method: "line-blame".into(),
            status: "attributed".into(),
            reason: None,
            revision: Some(C2.into()),
            commits: commits
                .iter()
                .map(|&(commit, time, lines)| IntroducingCommit {
                    commit: commit.into(),
                    author: Some("a_1".into()),
                    time: Some(time),
                    lines,
                    path: None,
                })
                .collect(),
            agents: vec![],
            confidence: "high".into(),
            evidence: vec![],
            package_added: None,
            present_at_head: None,
            engine: 1,
        }
        .into_event()
    };
    vec![
        attributed("unsafe", &[(C2, T1 + 100, 3)]),
        attributed("todo", &[(C1, T1, 1), (C2, T1 + 100, 1)]),
    ]
}

/// The evidence of the recorded changes: the repositories, the period's changes, everything
/// recorded about `C2` and `C3` (people, signature, files, trailers), how an alias resolved,
/// the findings a change introduced and the scanner runs.
pub fn evidence_of_a_change_is_read_back<S: EventLog + EvidenceStore>(store: &mut S) {
    assert!(store.repositories().unwrap().is_empty());
    assert_eq!(store.commit_time_range(None).unwrap(), None);
    for batch in [history(), resolutions(), findings(), attributions()] {
        store.append(batch).unwrap();
    }

    assert_eq!(
        as_json(&store.repositories().unwrap()),
        json!([{"repo": REPO, "name": "demo", "locator": "https://example.org/demo.git"}])
    );
    assert_eq!(
        store.commit_time_range(Some(REPO)).unwrap(),
        Some((T1, T1 + 200))
    );
    assert_eq!(store.commit_time_range(Some("r_2")).unwrap(), None);
    assert_eq!(
        as_json(&store.changes_between(None, T1 + 100, T1 + 200).unwrap()),
        json!([{
            "repo": REPO, "sha": C2, "committer_time": T1 + 100, "seq": 3,
            "author_alias": "a_1", "committer_alias": "a_1", "signature": "gpg",
            "parent_count": 1, "review_trailer": false, "ai": false, "unreachable": false,
        }])
    );
    let shas: Vec<String> = store
        .changes_between(Some(REPO), T1, T1 + 201)
        .unwrap()
        .into_iter()
        .map(|c| c.sha)
        .collect();
    assert_eq!(shas, vec![C1, C2, C3]);

    assert_eq!(
        as_json(&store.change_facts(REPO, C2).unwrap()),
        json!({
            "repo": REPO, "repo_name": "demo", "repo_locator": "https://example.org/demo.git",
            "sha": C2, "parents": [C1],
            "author_alias": "a_1", "author_time": T1 + 100, "author_offset": 3600,
            "committer_alias": "a_1", "committer_time": T1 + 100, "committer_offset": 3600,
            "message_sha256": devspm_core::ids::content_hash(b"Add the library\n"),
            "signature": "gpg", "files_changed": 2, "lines_added": 11, "lines_removed": 1,
            "files_by_change": [["added", 1], ["modified", 1]], "binary_files": 0, "gaps": 0,
            "shallow_boundary": false, "unreachable_seq": null, "seq": 3, "trailers": [],
        })
    );
    let c3 = store.change_facts(REPO, C3).unwrap().unwrap();
    assert_eq!(
        (c3.parents.clone(), c3.author_alias.as_str(), c3.seq),
        (vec![C2.to_owned(), C1.to_owned()], "a_2", 4)
    );
    assert_eq!(
        as_json(&c3.trailers),
        json!([{"key": "Co-authored-by", "value": null, "alias": "a_1"}])
    );
    assert!(store.change_facts(REPO, MISSING).unwrap().is_none());
    assert_eq!(
        as_json(&store.alias_identity("a_2").unwrap()),
        json!({
            "identity": "dev_1", "kind": "developer", "slug": null, "team": "core",
            "rule": "same-email", "via": "a_1", "detail": null, "seq": 9,
        })
    );
    assert!(store.alias_identity("a_9").unwrap().is_none());
    assert!(store.ai_records(REPO, C2).unwrap().is_empty());

    let unsafe_ = finding("semgrep", "unsafe");
    let todo = finding("semgrep", "todo");
    let introduced = |f: &str, rule: &str, status: &str, severity: &str, path: &str| {
        (
            f.to_owned(),
            rule.to_owned(),
            status.to_owned(),
            severity.to_owned(),
            path.to_owned(),
        )
    };
    let by_c2: Vec<_> = store
        .findings_introduced_by(REPO, C2)
        .unwrap()
        .into_iter()
        .map(|f| {
            (
                (f.finding, f.rule, f.status, f.severity, f.path.unwrap()),
                (f.start_line, f.fixed_revision, f.primary),
                (f.method, f.confidence, f.finding_seq, f.attribution_seq),
            )
        })
        .collect();
    assert_eq!(
        by_c2,
        vec![
            (
                introduced(&unsafe_, "semgrep.unsafe", "open", "high", "src/lib.rs"),
                (Some(3), None, true),
                ("line-blame".into(), "high".into(), 10, 16)
            ),
            (
                introduced(&todo, "semgrep.todo", "fixed", "low", "README.md"),
                (Some(1), Some(C3.to_owned()), false),
                ("line-blame".into(), "high".into(), 11, 17)
            ),
        ]
    );
    let by_c1: Vec<(String, bool)> = store
        .findings_introduced_by(REPO, C1)
        .unwrap()
        .into_iter()
        .map(|f| (f.finding, f.primary))
        .collect();
    assert_eq!(by_c1, vec![(todo, true)]);
    assert!(store.findings_introduced_by(REPO, C3).unwrap().is_empty());

    let runs: Vec<_> = store
        .scanner_runs(Some(REPO))
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                (r.tool, r.format, r.revision.unwrap()),
                (r.results, r.new, r.fixed, r.reopened),
                (r.seq, r.withdrawn_seq),
            )
        })
        .collect();
    let run =
        |tool: &str, revision: &str| (tool.to_owned(), "sarif".to_owned(), revision.to_owned());
    assert_eq!(
        runs,
        vec![
            (run("semgrep", C2), (2, 2, 0, 0), (12, None)),
            (run("semgrep", C3), (1, 0, 1, 0), (13, None)),
            (run("gitleaks", C3), (1, 1, 0, 0), (15, None)),
        ]
    );
    assert!(store.scanner_runs(Some("r_2")).unwrap().is_empty());
    assert!(store.rewrites(None).unwrap().is_empty());
    assert_eq!(store.committer_time(REPO, C3).unwrap(), Some(T1 + 200));
    assert_eq!(store.committer_time(REPO, MISSING).unwrap(), None);
}

/// The posture facts of the recorded history: the commit span, the window's commits (with the
/// co-author trailer resolved to its identity), the attributed and fixed findings of the
/// window, the identities, the repositories with their default branch, the commit graph.
pub fn posture_facts_follow_what_was_recorded<S: EventLog + PostureStore>(store: &mut S) {
    assert_eq!(store.commit_time_span().unwrap(), None);
    for batch in [history(), resolutions(), findings(), attributions()] {
        store.append(batch).unwrap();
    }
    assert_eq!(store.commit_time_span().unwrap(), Some((T1, T1 + 200)));

    let commits = store.posture_commits(T1, T1 + 201).unwrap();
    let summary: Vec<_> = commits
        .iter()
        .map(|c| {
            (
                (c.sha.as_str(), c.seq, c.author_alias.as_str()),
                (c.author_identity.as_deref(), c.author_time, c.parent_count),
                (c.lines, c.signature.as_str(), c.review_trailers.len()),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ((C1, 2, "a_1"), (Some("dev_1"), T1, 0), (3, "none", 0)),
            ((C2, 3, "a_1"), (Some("dev_1"), T1 + 100, 1), (12, "gpg", 0)),
            ((C3, 4, "a_2"), (Some("dev_1"), T1 + 200, 2), (2, "none", 1)),
        ]
    );
    assert_eq!(
        as_json(&commits[2]),
        json!({
            "repo": REPO, "sha": C3, "seq": 4,
            "author_alias": "a_2", "author_identity": "dev_1",
            "committer_alias": "a_2", "committer_identity": "dev_1",
            "author_time": T1 + 200, "committer_time": T1 + 200, "parent_count": 2, "lines": 2,
            "signature": "none", "signing_key": null,
            "review_trailers": [
                {"key": "Co-authored-by", "value": null, "alias": "a_1", "identity": "dev_1"}
            ],
            "agents": [], "accountable_identity": null, "ai_recorded_lines": 0,
            "on_default_branch": null,
        })
    );
    let window: Vec<String> = store
        .posture_commits(T1 + 100, T1 + 200)
        .unwrap()
        .into_iter()
        .map(|c| c.sha)
        .collect();
    assert_eq!(window, vec![C2]);

    // `unsafe` introduced in the window (by C2), `todo` found fixed at C3; the secret is
    // unattributed.
    let facts: Vec<_> = store
        .posture_findings(T1, T1 + 201)
        .unwrap()
        .into_iter()
        .map(|f| {
            (
                (f.finding, f.severity, f.status, f.first_seq, f.status_seq),
                (f.introduced_in, f.introduced_identity, f.introduced_at),
                (f.attribution_seq, f.fixed_revision, f.fixed_at),
            )
        })
        .collect();
    let mut expected = vec![
        (
            (
                finding("semgrep", "unsafe"),
                "high".into(),
                "open".into(),
                10,
                10,
            ),
            (
                Some(C2.to_owned()),
                Some("dev_1".to_owned()),
                Some(T1 + 100),
            ),
            (Some(16), None, None),
        ),
        (
            (
                finding("semgrep", "todo"),
                "low".into(),
                "fixed".into(),
                11,
                13,
            ),
            (Some(C1.to_owned()), Some("dev_1".to_owned()), Some(T1)),
            (Some(17), Some(C3.to_owned()), Some(T1 + 200)),
        ),
    ];
    expected.sort();
    assert_eq!(facts, expected);
    assert_eq!(store.unattributed_findings().unwrap(), 1);

    // `known_as` in no promised order.
    let mut identities = store.posture_identities().unwrap();
    for identity in &mut identities {
        identity.known_as.sort();
    }
    assert_eq!(
        as_json(&identities),
        json!([{
            "identity": "dev_1", "kind": "developer", "slug": null, "team": "core",
            "name": "Ann Lee", "email": "ann@example.org",
            "known_as": ["a. lee", "ann lee", "ann@example.org"],
        }])
    );
    assert!(store.hook_overrides().unwrap().is_empty());
    let parents = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        store.commit_parents(REPO).unwrap(),
        HashMap::from([
            (C1.to_owned(), parents(&[])),
            (C2.to_owned(), parents(&[C1])),
            (C3.to_owned(), parents(&[C2, C1])),
        ])
    );
    assert_eq!(
        store.commit_paths(REPO, &[C2]).unwrap(),
        HashMap::from([(
            C2.to_owned(),
            (T1 + 100, parents(&["README.md", "src/lib.rs"]))
        )])
    );
}

/// What the signals read: every recorded commit with its people, times and size, every alias
/// with its identity and personal data, and a recorded signal read back as it was appended.
pub fn signal_inputs_and_recorded_signals_are_read_back<S: EventLog + SignalStore>(store: &mut S) {
    store.append(history()).unwrap();
    store.append(resolutions()).unwrap();

    let mut history = store.signal_history().unwrap();
    history.sort_by_key(|c| c.seq);
    assert_eq!(
        as_json(&history[1]),
        json!({
            "repo": REPO, "sha": C2, "seq": 3, "author_alias": "a_1", "committer_alias": "a_1",
            "author_time": T1 + 100, "author_offset": 3600,
            "committer_time": T1 + 100, "committer_offset": 3600,
            "parent_count": 1, "lines_added": 11, "lines_removed": 1,
            "signature": "gpg", "signing_key": null,
        })
    );
    let rest: Vec<_> = history
        .iter()
        .map(|c| {
            (
                c.sha.as_str(),
                c.seq,
                c.author_alias.as_str(),
                c.parent_count,
            )
        })
        .collect();
    assert_eq!(
        rest,
        vec![(C1, 2, "a_1", 0), (C2, 3, "a_1", 1), (C3, 4, "a_2", 2)]
    );

    let mut aliases = store.signal_aliases().unwrap();
    aliases.sort_by(|a, b| a.alias.cmp(&b.alias));
    assert_eq!(
        as_json(&aliases),
        json!([
            {"alias": "a_1", "identity": "dev_1", "kind": "developer",
             "name": "Ann Lee", "email": "ann@example.org"},
            {"alias": "a_2", "identity": "dev_1", "kind": "developer",
             "name": "A. Lee", "email": "ann@example.org"},
        ])
    );

    assert!(store.recorded_signals().unwrap().is_empty());
    let signal = Signal {
        rule: "off-hours".into(),
        version: 1,
        severity: "low".into(),
        subject: "dev_1".into(),
        alias: Some("a_2".into()),
        repo: REPO.into(),
        at: T1 + 200,
        commits: vec![C3.into()],
        seqs: vec![4],
        paths: vec!["src/lib.rs".into()],
        baseline: "commits between 9:00 and 18:00".into(),
        explanation: "a commit at night".into(),
        probability: Some(serde_json::Number::from_f64(0.25).unwrap()),
    };
    store
        .append(vec![NewEvent::new(
            format!("signal/off-hours/{REPO}/{C3}"),
            "devspm:signals",
            "dev_1",
            signal.clone(),
        )])
        .unwrap();
    let recorded = store.recorded_signals().unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].0, 10);
    assert_eq!(as_json(&recorded[0].1), as_json(&signal));
}

/// A value as JSON, to compare whole rows (the row types have no `PartialEq`).
fn as_json<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).expect("a row serialises")
}

/// The views read back from the projections as they stand.
fn views_as_json<S: Views + Identities + FindingStore + GovernanceStore>(store: &S) -> String {
    serde_json::to_string_pretty(&(
        store.repository_summary(REPO, 10).unwrap(),
        store.identities().unwrap(),
        store.identity_detail("dev_1").unwrap(),
        store.findings(&FindingFilter::default()).unwrap(),
        store.imports(None).unwrap(),
        store.tool_uses(&ToolFilter::default()).unwrap(),
    ))
    .unwrap()
}

/// The projections of every area match a replay of the events, and a rebuild from the events
/// alone gives the same views.
pub fn projections_match_a_replay_and_rebuild_the_same_views<
    S: EventLog + Integrity + Projections + Views + Identities + FindingStore + GovernanceStore,
>(
    store: &mut S,
) {
    for batch in [history(), resolutions(), findings(), tools()] {
        store.append(batch).unwrap();
    }
    let head = store.head().unwrap().unwrap().seq;
    assert_eq!(head, 17);
    let report = store.check_projections(&mut |_| {}).unwrap();
    assert!(report.problem.is_none(), "{report:?}");
    assert_eq!(report.events_replayed, head);
    assert!(
        report.tables_checked > 0 && report.rows_checked > 0,
        "{report:?}"
    );
    assert_eq!(
        store.check_projections_kept(&mut |_| {}).unwrap(),
        Some(report.clone())
    );

    let views = views_as_json(store);
    assert!(views.contains("\"Ann Lee\"") && views.contains("\"github\""));
    assert_eq!(store.rebuild(&mut |_| {}).unwrap(), head);
    assert_eq!(views_as_json(store), views);
    assert_eq!(store.check_projections(&mut |_| {}).unwrap(), report);
    assert_eq!(verified(store).events, head);
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

/// The `#[test]`s of a store that keeps the projections (every area trait): `$with` is a
/// function called with each test, `fn(impl FnOnce(&mut Store))`, that makes an empty store,
/// runs the test on it and keeps alive what the store needs until it returns (a replica's
/// folder and upstream database).
#[macro_export]
macro_rules! store_conformance_tests {
    ($with:expr) => {
        #[test]
        fn conformance_ingest_state_reads_back_what_was_recorded() {
            ($with)(|store| $crate::conformance::ingest_state_reads_back_what_was_recorded(store));
        }

        #[test]
        fn conformance_identities_are_resolved_and_read_back() {
            ($with)(|store| $crate::conformance::identities_are_resolved_and_read_back(store));
        }

        #[test]
        fn conformance_repository_summary_counts_what_was_recorded() {
            ($with)(|store| {
                $crate::conformance::repository_summary_counts_what_was_recorded(store)
            });
        }

        #[test]
        fn conformance_analyzer_state_keeps_cursors_and_completions() {
            ($with)(|store| {
                $crate::conformance::analyzer_state_keeps_cursors_and_completions(store)
            });
        }

        #[test]
        fn conformance_findings_of_imports_are_listed_with_a_filter() {
            ($with)(|store| {
                $crate::conformance::findings_of_imports_are_listed_with_a_filter(store)
            });
        }

        #[test]
        fn conformance_tool_uses_are_recorded_and_listed() {
            ($with)(|store| $crate::conformance::tool_uses_are_recorded_and_listed(store));
        }

        #[test]
        fn conformance_forget_erases_personal_data_and_the_chain_verifies() {
            ($with)(|store| {
                $crate::conformance::forget_erases_personal_data_and_the_chain_verifies(store)
            });
        }

        #[test]
        fn conformance_evidence_of_a_change_is_read_back() {
            ($with)(|store| $crate::conformance::evidence_of_a_change_is_read_back(store));
        }

        #[test]
        fn conformance_posture_facts_follow_what_was_recorded() {
            ($with)(|store| $crate::conformance::posture_facts_follow_what_was_recorded(store));
        }

        #[test]
        fn conformance_signal_inputs_and_recorded_signals_are_read_back() {
            ($with)(|store| {
                $crate::conformance::signal_inputs_and_recorded_signals_are_read_back(store)
            });
        }

        #[test]
        fn conformance_projections_match_a_replay_and_rebuild_the_same_views() {
            ($with)(|store| {
                $crate::conformance::projections_match_a_replay_and_rebuild_the_same_views(store)
            });
        }
    };
}
