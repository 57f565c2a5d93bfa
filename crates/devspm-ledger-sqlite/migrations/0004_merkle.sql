-- devspm schema version 4: the RFC 6962 Merkle tree over the events and signed checkpoints
-- (issue 7). Neither is a projection: `devspm rebuild` leaves them alone, `audit verify`
-- recomputes the tree from the events and compares.

-- Every perfect subtree of level >= 1: the node covering leaves idx * 2^level ..
-- (idx + 1) * 2^level - 1 (leaf i = event seq i + 1). Level 0 (the leaf hash
-- SHA-256(0x00 || event hash)) is computed from events.hash. Written in the append
-- transaction when the subtree's last leaf is appended; the tree is built for existing events
-- by the migration to this version.
CREATE TABLE merkle_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- Checkpoints signed with `devspm audit checkpoint`: the whole note as signed, and the
-- verifier key that signed it (the public half, for exports).
CREATE TABLE checkpoints (
    id         INTEGER PRIMARY KEY,
    origin     TEXT NOT NULL,
    tree_size  INTEGER NOT NULL,
    root_hash  TEXT NOT NULL,
    key_name   TEXT NOT NULL,
    verifier   TEXT NOT NULL,
    note       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
