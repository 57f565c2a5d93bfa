-- devspm schema version 6: tool governance (issue 5) and built-in detectors (issue 6).

-- Tools seen in repositories now also carry the ref used (CI actions, workflows, images, hooks)
-- and the line naming them; one row per (repository, path, name, ref). `first_seq` is the
-- first sighting ("since when"), `seq` the latest.
ALTER TABLE tools_seen ADD COLUMN version TEXT NOT NULL DEFAULT '';
ALTER TABLE tools_seen ADD COLUMN line INTEGER;
ALTER TABLE tools_seen ADD COLUMN first_seq INTEGER;
UPDATE tools_seen SET first_seq = seq;
DROP INDEX tools_seen_key;
CREATE UNIQUE INDEX tools_seen_key ON tools_seen (repo_id, path, name, version);
CREATE INDEX tools_seen_name ON tools_seen (name);

-- Tools on developer workstations (`devspm tools scan`): latest sighting per host, identity,
-- item and path; `first_seq` is the first sighting.
CREATE TABLE workstation_tools (
    host          TEXT NOT NULL,
    identity      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    item_id       TEXT NOT NULL,
    name          TEXT NOT NULL,
    version       TEXT,
    source        TEXT NOT NULL,
    path          TEXT NOT NULL,
    risks         TEXT NOT NULL,
    verdict       TEXT,
    first_seq     INTEGER NOT NULL,
    seq           INTEGER NOT NULL
);
CREATE UNIQUE INDEX workstation_tools_key ON workstation_tools (host, identity, kind, item_id, path);
CREATE INDEX workstation_tools_item ON workstation_tools (item_id);

-- Advisory data loads, from `advisories_imported` events.
CREATE TABLE advisory_sources (
    source     TEXT NOT NULL,
    layout     TEXT NOT NULL,
    digest     TEXT NOT NULL,
    data_date  TEXT,
    advisories INTEGER NOT NULL,
    seq        INTEGER NOT NULL
);
CREATE UNIQUE INDEX advisory_sources_key ON advisory_sources (source);

-- The advisories themselves: reference data, not evidence. Kept beside the chain (the load is
-- recorded by its event and digest) and not cleared by `devspm rebuild`. One row per advisory
-- id; `body` is the advisory as JSON.
CREATE TABLE advisories (
    advisory_id TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    modified    TEXT,
    body        TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE advisory_packages (
    ecosystem   TEXT NOT NULL,
    name        TEXT NOT NULL,
    advisory_id TEXT NOT NULL,
    PRIMARY KEY (ecosystem, name, advisory_id)
) WITHOUT ROWID;

-- Blobs already scanned by the built-in secret detector, per repository and rule-set version,
-- so that a re-scan reads only new blobs. Derived cache, not evidence.
CREATE TABLE secret_scanned_blobs (
    repo_id TEXT NOT NULL,
    rules   TEXT NOT NULL,
    blob    TEXT NOT NULL,
    PRIMARY KEY (repo_id, rules, blob)
) WITHOUT ROWID;
