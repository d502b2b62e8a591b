-- Signing keys shared by a fleet of nodes (see package keys): a unique
-- generation, so that nodes bootstrapping an empty database at once store
-- one first key (the second insert of generation 1 breaks the constraint),
-- and an activation time, so that a new key is published by every node
-- before any node signs with it. Portable like the earlier migrations: the
-- PostgreSQL migration differs only in BLOB -> BYTEA.
--
-- SQLite cannot add a NOT NULL column without a default, nor a UNIQUE one,
-- so the table is rebuilt; it holds a handful of rows. Existing keys get
-- generations in created_at order (ties by id, the order ListSigningKeys
-- used) and activate when they were created, since they already sign.

-- +goose Up
CREATE TABLE signing_keys_v3 (
    id           TEXT   NOT NULL PRIMARY KEY,
    algorithm    TEXT   NOT NULL,
    generation   BIGINT NOT NULL UNIQUE CHECK (generation > 0),
    sealed       BLOB   NOT NULL,
    created_at   BIGINT NOT NULL,
    activates_at BIGINT NOT NULL
);
INSERT INTO signing_keys_v3 (id, algorithm, generation, sealed, created_at, activates_at)
    SELECT id, algorithm, ROW_NUMBER() OVER (ORDER BY created_at, id), sealed, created_at, created_at
    FROM signing_keys;
DROP TABLE signing_keys;
ALTER TABLE signing_keys_v3 RENAME TO signing_keys;

-- +goose Down
CREATE TABLE signing_keys_v2 (
    id         TEXT   NOT NULL PRIMARY KEY,
    algorithm  TEXT   NOT NULL,
    sealed     BLOB   NOT NULL,
    created_at BIGINT NOT NULL
);
INSERT INTO signing_keys_v2 (id, algorithm, sealed, created_at)
    SELECT id, algorithm, sealed, created_at FROM signing_keys;
DROP TABLE signing_keys;
ALTER TABLE signing_keys_v2 RENAME TO signing_keys;
CREATE INDEX signing_keys_created_at ON signing_keys (created_at, id);
