//! What the unit tests of the SQLite store share: a repository and its commits as events (with
//! their message and personal data attached), a store seeded with them, and the bytes of a
//! database's files on disk.

use std::path::Path;

use devspm_core::event::{CommitRecorded, ContentRef, PersonTime, RepositoryRegistered};
use devspm_core::{Attachment, NewEvent, commit::SignatureKind};
use devspm_ledger::{ChainProblem, EventLog, Integrity};

use crate::SqliteStore;

pub(crate) fn repo_event() -> NewEvent {
    NewEvent::new(
        "repo/r_1",
        "devspm:test",
        "repo:r_1",
        RepositoryRegistered {
            repo: "r_1".into(),
            name: "demo".into(),
            locator: "file:///demo".into(),
        },
    )
}

pub(crate) fn commit_event(sha: &str, parents: &[&str]) -> NewEvent {
    let message = format!("commit {sha}\n");
    let payload = CommitRecorded {
        repo: "r_1".into(),
        id: sha.into(),
        tree: "t".into(),
        parents: parents.iter().map(|p| p.to_string()).collect(),
        author: PersonTime {
            alias: "a_1".into(),
            time: 1_700_000_000,
            offset: 3600,
        },
        committer: PersonTime {
            alias: "a_1".into(),
            time: 1_700_000_000,
            offset: 3600,
        },
        message: ContentRef::of(message.as_bytes()),
        encoding: None,
        trailers: vec![],
        signature: SignatureKind::None,
        signing_key: None,
        diff_base: parents.first().map(|p| p.to_string()),
        shallow_boundary: false,
        files: vec![],
        gaps: vec![],
    };
    NewEvent::new(
        format!("commit/r_1/{sha}"),
        "a_1",
        format!("commit:r_1/{sha}"),
        payload,
    )
    .with_attachments(vec![
        Attachment::Content {
            sha256: devspm_core::ids::content_hash(message.as_bytes()),
            bytes: message.into_bytes(),
        },
        Attachment::AliasPii {
            alias: "a_1".into(),
            name: b"Ann Lee".to_vec(),
            email: b"ann@example.org".to_vec(),
        },
    ])
}

pub(crate) fn seeded() -> SqliteStore {
    let mut store = SqliteStore::open_in_memory().unwrap();
    store
        .append(vec![
            repo_event(),
            commit_event("c1", &[]),
            commit_event("c2", &["c1"]),
            commit_event("c3", &["c2"]),
        ])
        .unwrap();
    store
}

pub(crate) fn problem(store: &SqliteStore) -> Option<ChainProblem> {
    store.verify(&mut |_| {}).unwrap().problem
}

/// Every byte of the database and its `-wal` / `-shm` files.
pub(crate) fn file_bytes(path: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        if let Ok(bytes) = std::fs::read(&name) {
            all.extend(bytes);
        }
    }
    all.to_ascii_lowercase()
}

pub(crate) fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len())
        .any(|w| w == needle.to_ascii_lowercase().as_bytes())
}
