-- devspm schema version 3: scanner findings, imports and attributions (issue 4).

-- One row per finding: what it is and where its lifecycle stands.
CREATE TABLE findings (
    finding_id     TEXT NOT NULL PRIMARY KEY,
    repo_id        TEXT NOT NULL,
    tool           TEXT NOT NULL,
    rule           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    severity       TEXT NOT NULL,
    message        TEXT NOT NULL,
    identifiers    TEXT NOT NULL,
    path           TEXT,
    start_line     INTEGER,
    end_line       INTEGER,
    ecosystem      TEXT,
    package        TEXT,
    version        TEXT,
    secret_preview TEXT,
    fingerprint    TEXT NOT NULL,
    status         TEXT NOT NULL,
    first_revision TEXT,
    last_revision  TEXT,
    fixed_revision TEXT,
    reopened       INTEGER NOT NULL DEFAULT 0,
    first_seq      INTEGER NOT NULL,
    last_seq       INTEGER NOT NULL,
    status_seq     INTEGER NOT NULL
);
CREATE INDEX findings_repo_tool ON findings (repo_id, tool);

-- One row per import.
CREATE TABLE finding_imports (
    import_id     TEXT NOT NULL PRIMARY KEY,
    repo_id       TEXT NOT NULL,
    tool          TEXT NOT NULL,
    format        TEXT NOT NULL,
    source        TEXT NOT NULL,
    revision      TEXT,
    results       INTEGER NOT NULL,
    seen          INTEGER NOT NULL,
    new           INTEGER NOT NULL,
    fixed         INTEGER NOT NULL,
    reopened      INTEGER NOT NULL,
    seq           INTEGER NOT NULL
);

-- The latest attribution of each finding.
CREATE TABLE attributions (
    finding_id     TEXT NOT NULL PRIMARY KEY,
    repo_id        TEXT NOT NULL,
    method         TEXT NOT NULL,
    status         TEXT NOT NULL,
    reason         TEXT,
    revision       TEXT,
    primary_commit TEXT,
    author_alias   TEXT,
    author_time    INTEGER,
    commits        TEXT NOT NULL,
    agents         TEXT NOT NULL,
    confidence     TEXT NOT NULL,
    engine         INTEGER NOT NULL,
    seq            INTEGER NOT NULL
);

-- Blame results per file version: derived data (not a projection; safe to delete), so that a
-- second attribution run over unchanged files does no git work.
CREATE TABLE blame_cache (
    repo_id TEXT NOT NULL,
    path    TEXT NOT NULL,
    blob    TEXT NOT NULL,
    lines   TEXT NOT NULL,
    PRIMARY KEY (repo_id, path, blob)
);
