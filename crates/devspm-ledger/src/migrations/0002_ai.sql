-- devspm schema version 2: AI involvement in commits (issue 3, commit-level detection).
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
