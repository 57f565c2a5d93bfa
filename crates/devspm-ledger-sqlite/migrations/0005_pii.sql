-- devspm schema version 5: personal data encrypted at rest, one key per alias, so that erasing
-- a person is deleting keys (crypto-shredding; issue 7, docs/privacy.md).

-- The keys: one 256-bit ChaCha20-Poly1305 key per alias (key_id = the alias id). Deleting a
-- row makes the alias's sealed record unreadable for good.
CREATE TABLE pii_keys (
    key_id TEXT PRIMARY KEY,
    key    BLOB NOT NULL
) WITHOUT ROWID;

-- The personal data behind alias ids, sealed: ChaCha20-Poly1305 of
-- u32be(len(name)) || name || email, with a random 96-bit nonce, the associated data
-- "devspm-alias-pii-v1\0" || alias_id. The plaintext rows of schema 4 are sealed into it by the
-- migration (in Rust, in the same transaction), then the old table is dropped and the file
-- vacuumed.
ALTER TABLE alias_pii RENAME TO alias_pii_v4;
CREATE TABLE alias_pii (
    alias_id TEXT PRIMARY KEY,
    key_id   TEXT NOT NULL,
    nonce    BLOB NOT NULL,
    sealed   BLOB NOT NULL
) WITHOUT ROWID;
