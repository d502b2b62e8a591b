-- The readiness probe's write (issue 8): /health/ready writes this one row
-- at most once a second per node, so that a database that answers reads
-- but takes no write (locked by another process, read-only, full disk) is
-- not ready. One row, updated in place (UPSERT on id 1), shared by every
-- node: it never grows, and checked_at is only the last probe's Unix time.
-- Portable: the same statements on SQLite and PostgreSQL.

-- +goose Up
CREATE TABLE health (
    id         INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    checked_at BIGINT  NOT NULL
);

-- +goose Down
DROP TABLE health;
