-- Signing keys shared by a fleet of nodes (see package keys): a unique
-- generation, so that nodes bootstrapping an empty database at once store
-- one first key (the second insert of generation 1 breaks the constraint),
-- and an activation time, so that a new key is published by every node
-- before any node signs with it.
--
-- The resulting table is the SQLite one with BYTEA for BLOB. SQLite has to
-- rebuild the table to add NOT NULL and UNIQUE columns; PostgreSQL alters
-- it in place. Existing keys get generations in created_at order (ties by
-- id, the order ListSigningKeys used) and activate when they were created,
-- since they already sign.

-- +goose Up
ALTER TABLE signing_keys ADD COLUMN generation BIGINT;
ALTER TABLE signing_keys ADD COLUMN activates_at BIGINT;
UPDATE signing_keys SET generation = n.generation, activates_at = signing_keys.created_at
    FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY created_at, id) AS generation FROM signing_keys) AS n
    WHERE n.id = signing_keys.id;
ALTER TABLE signing_keys
    ALTER COLUMN generation SET NOT NULL,
    ALTER COLUMN activates_at SET NOT NULL,
    ADD CONSTRAINT signing_keys_generation_key UNIQUE (generation),
    ADD CONSTRAINT signing_keys_generation_check CHECK (generation > 0);
-- Keys are listed by generation now, which the unique index serves.
DROP INDEX IF EXISTS signing_keys_created_at;

-- +goose Down
ALTER TABLE signing_keys DROP COLUMN activates_at;
ALTER TABLE signing_keys DROP COLUMN generation;
CREATE INDEX signing_keys_created_at ON signing_keys (created_at, id);
