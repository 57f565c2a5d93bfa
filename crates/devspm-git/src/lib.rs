//! Reading git repositories with gitoxide and turning their history into devspm events.
//!
//! [`open`] finds a repository (work tree, bare repository, or linked worktree) and gives it a
//! stable id; [`ingest`] walks every commit reachable from its refs that the ledger does not have
//! yet, reads each commit's people, trailers, signature and changed files (diffed against the
//! first parent, in parallel), and hands batches of events to a sink. It also compares the refs
//! with those recorded at the previous ingest, so that a force-push becomes a
//! `history_rewritten` event instead of silently erased evidence.
//!
//! This crate never touches a database: it receives what is already known ([`KnownHistory`])
//! and returns events.

mod blame;
mod blame_walk;
mod facts;
mod files;
mod graph;
mod ingest;
mod linecount;
mod linemap;
mod mailmap;
pub mod mapped;
mod message;
mod packread;
mod repo;
mod signing_key;
mod szz;

pub use blame::{
    BlameCache, BlameMiss, BlameOptions, Blamer, FileBlame, LineOrigin, SkippedCommit,
};
pub use files::{
    Note, RevisionFile, TextReader, ancestors, blob_id, branch_heads, files_at, head_commit,
    legacy_authorship, notes,
};
pub use graph::ParentGraph;
pub use ingest::{
    IngestOptions, IngestReport, KnownHistory, NoProgress, Progress, RecordedCommits, ingest,
};
pub use linemap::similarity;
pub use message::MessageFilter;
pub use packread::{Lookup, PackObjects, Scratch, Shared, TooLarge};
pub use repo::{
    Repo, SharedPackCache, discover, discover_repositories, hooks_dir, open, shallow_commits,
};
pub use signing_key::signing_key;
pub use szz::{FixChanges, FixMiss, FixedFile};

/// Why a repository could not be read at all. (Partial damage — a missing blob, a shallow
/// boundary — is not an error: it becomes an `ingest_gap` event and ingest goes on.)
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error(
        "{path} is not a git repository (looked for a .git directory or a bare repository there): {reason}"
    )]
    NotARepository { path: String, reason: String },
    #[error("cannot read repository {path}: {reason}")]
    Read { path: String, reason: String },
    /// The tree of a revision (or a folder in it) is missing or corrupt: the repository is
    /// damaged there, not unreadable as a whole.
    #[error("cannot read the files of commit {commit} in {path}: {reason}")]
    UnreadableTree {
        path: String,
        commit: String,
        reason: String,
    },
    #[error("ingest of {path} stopped: {reason}")]
    Sink { path: String, reason: String },
}
