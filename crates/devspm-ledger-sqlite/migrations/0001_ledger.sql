-- devspm schema version 1: the event ledger, data kept outside the chain, and the projections
-- of the foundation (repositories, refs, commits, files, trailers, identities, aliases).

-- The record. Append-only; `hash` chains every event to its predecessor (see docs/ledger.md).
CREATE TABLE events (
    seq       INTEGER PRIMARY KEY,
    key       TEXT NOT NULL UNIQUE,
    kind      TEXT NOT NULL,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    subject   TEXT NOT NULL,
    payload   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX events_kind ON events (kind, seq);

-- The head as of the last append: catches removal of the newest events.
CREATE TABLE ledger_meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Outside the chain: content addressed by SHA-256 (commit messages). Can be redacted.
-- Wide rows live in rowid order (appends are sequential); the random-order key is a narrow
-- index. The same layout is used for every projection keyed by commit id below: it keeps bulk
-- ingest from rewriting random pages of wide B-trees.
CREATE TABLE contents (
    sha256 TEXT NOT NULL,
    bytes  BLOB
);
CREATE UNIQUE INDEX contents_sha256 ON contents (sha256);

-- Outside the chain: the personal data behind alias ids. Erasable.
CREATE TABLE alias_pii (
    alias_id TEXT PRIMARY KEY,
    name     BLOB NOT NULL,
    email    BLOB NOT NULL
) WITHOUT ROWID;

-- Projections: derived from events only; `devspm rebuild` recreates them.
CREATE TABLE repositories (
    repo_id TEXT PRIMARY KEY,
    name    TEXT NOT NULL,
    locator TEXT NOT NULL,
    seq     INTEGER NOT NULL
);

CREATE TABLE refs (
    repo_id   TEXT NOT NULL,
    name      BLOB NOT NULL,
    name_text TEXT NOT NULL,
    target    TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    PRIMARY KEY (repo_id, name)
) WITHOUT ROWID;

CREATE TABLE commits (
    repo_id          TEXT NOT NULL,
    sha              TEXT NOT NULL,
    tree             TEXT NOT NULL,
    parents          TEXT NOT NULL,
    parent_count     INTEGER NOT NULL,
    author_alias     TEXT NOT NULL,
    author_time      INTEGER NOT NULL,
    author_offset    INTEGER NOT NULL,
    committer_alias  TEXT NOT NULL,
    committer_time   INTEGER NOT NULL,
    committer_offset INTEGER NOT NULL,
    message_sha256   TEXT NOT NULL,
    signature        TEXT NOT NULL,
    diff_base        TEXT,
    shallow_boundary INTEGER NOT NULL,
    files_changed    INTEGER NOT NULL,
    lines_added      INTEGER NOT NULL,
    lines_removed    INTEGER NOT NULL,
    gaps             INTEGER NOT NULL,
    unreachable_seq  INTEGER,
    seq              INTEGER NOT NULL
);
CREATE UNIQUE INDEX commits_repo_sha ON commits (repo_id, sha);
CREATE INDEX commits_author ON commits (author_alias);

CREATE TABLE commit_trailers (
    repo_id  TEXT NOT NULL,
    sha      TEXT NOT NULL,
    idx      INTEGER NOT NULL,
    key      TEXT NOT NULL,
    value    TEXT,
    alias_id TEXT
);
CREATE UNIQUE INDEX commit_trailers_commit ON commit_trailers (repo_id, sha, idx);

CREATE TABLE commit_files (
    repo_id    TEXT NOT NULL,
    sha        TEXT NOT NULL,
    idx        INTEGER NOT NULL,
    path       TEXT NOT NULL,
    path_raw   BLOB,
    old_path   TEXT,
    change     TEXT NOT NULL,
    mode       TEXT NOT NULL,
    blob       TEXT,
    added      INTEGER,
    removed    INTEGER,
    binary     INTEGER NOT NULL,
    unreadable INTEGER NOT NULL
);
CREATE UNIQUE INDEX commit_files_commit ON commit_files (repo_id, sha, idx);

CREATE TABLE history_rewrites (
    seq                      INTEGER PRIMARY KEY,
    repo_id                  TEXT NOT NULL,
    ref_name                 TEXT NOT NULL,
    old_tip                  TEXT NOT NULL,
    new_tip                  TEXT NOT NULL,
    unreachable              INTEGER NOT NULL,
    unreachable_from_all_refs INTEGER NOT NULL
);

CREATE TABLE ingest_gaps (
    seq     INTEGER PRIMARY KEY,
    repo_id TEXT NOT NULL,
    what    TEXT NOT NULL,
    object  TEXT NOT NULL,
    detail  TEXT NOT NULL
);

CREATE TABLE identities (
    identity_id TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    slug        TEXT,
    team        TEXT,
    revision    INTEGER NOT NULL,
    seq         INTEGER NOT NULL
);

CREATE TABLE aliases (
    alias_id    TEXT PRIMARY KEY,
    identity_id TEXT NOT NULL,
    rule        TEXT NOT NULL,
    via         TEXT,
    detail      TEXT,
    revision    INTEGER NOT NULL,
    seq         INTEGER NOT NULL
);
CREATE INDEX aliases_identity ON aliases (identity_id);

CREATE TABLE alias_links (
    alias_id  TEXT NOT NULL,
    canonical TEXT NOT NULL,
    source    TEXT NOT NULL,
    repo_id   TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    PRIMARY KEY (alias_id, canonical, source, repo_id)
) WITHOUT ROWID;
