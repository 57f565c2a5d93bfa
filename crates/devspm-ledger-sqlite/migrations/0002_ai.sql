-- devspm schema version 2: AI involvement in commits and AI tooling in repositories (issue 3).
CREATE TABLE ai_involvements (
    repo_id     TEXT NOT NULL,
    sha         TEXT NOT NULL,
    agent       TEXT NOT NULL,
    role        TEXT NOT NULL,
    confidence  TEXT NOT NULL,
    accountable TEXT,
    seq         INTEGER NOT NULL
);
CREATE UNIQUE INDEX ai_involvements_commit ON ai_involvements (repo_id, sha, agent, role);

-- Tools configured in repositories, latest sighting per (repository, path, name).
CREATE TABLE tools_seen (
    repo_id       TEXT NOT NULL,
    path          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    revision      TEXT NOT NULL,
    pinned        INTEGER,
    risks         TEXT NOT NULL,
    introduced_in TEXT,
    introduced_by TEXT,
    seq           INTEGER NOT NULL
);
CREATE UNIQUE INDEX tools_seen_key ON tools_seen (repo_id, path, name);

-- Line-level AI authorship records (git-ai notes), per commit, file and agent.
CREATE TABLE ai_line_ranges (
    repo_id  TEXT NOT NULL,
    sha      TEXT NOT NULL,
    path     TEXT NOT NULL,
    agent    TEXT NOT NULL,
    model    TEXT,
    ranges   TEXT NOT NULL,
    lines    INTEGER NOT NULL,
    source   TEXT NOT NULL,
    orphaned INTEGER NOT NULL,
    seq      INTEGER NOT NULL
);
CREATE UNIQUE INDEX ai_line_ranges_key ON ai_line_ranges (repo_id, sha, path, agent, source);
