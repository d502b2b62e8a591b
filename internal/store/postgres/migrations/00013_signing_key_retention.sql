-- How long each signing key stays published after its successor activates
-- (milliseconds): the longest any node that signs with it needs, raised by
-- each node before it signs with the key. Before it every node kept a
-- retired key for its own configured lifetimes, so a node configured
-- shorter stopped publishing, and deleted, a key whose tokens from other
-- nodes were still valid. NULL for keys stored before this migration: each
-- node then keeps them for its own lifetimes, as before, and raises the
-- value of the keys it still signs with. Portable: the same statement on
-- SQLite and PostgreSQL; a nullable column without a default rewrites no
-- row.

-- +goose Up
ALTER TABLE signing_keys ADD COLUMN retention_ms BIGINT;

-- +goose Down
ALTER TABLE signing_keys DROP COLUMN retention_ms;
