-- devspm schema version 8: the standing triage judgement of each finding (`devspm findings
-- triage`, `finding_triaged` events). A finding without a row is untriaged.
CREATE TABLE IF NOT EXISTS finding_triage (
    finding_id TEXT NOT NULL PRIMARY KEY,
    repo_id    TEXT NOT NULL,
    state      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    expires    TEXT,
    by_alias   TEXT,
    seq        INTEGER NOT NULL
);
