-- The back-channel logout outbox (OpenID Connect Back-Channel Logout 1.0):
-- one row per logout token still to deliver, that is per ended session and
-- client that the session signed in to and that registered a
-- backchannel_logout_uri. A row is written in the request that ends the
-- session and deleted once the client answered 200 or 204, or when
-- delivery gives up; so a restart, or another node, finishes what a node
-- began. Portable: the same statements on SQLite and PostgreSQL.

-- +goose Up
CREATE TABLE backchannel_logout_notices (
    id          TEXT   NOT NULL PRIMARY KEY,
    client_id   TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    -- The ended session's sid and subject, the logout token's sid and sub.
    session_id  TEXT   NOT NULL DEFAULT '',
    subject     TEXT   NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    -- due_at is when the next attempt may start. A node claiming the row
    -- moves it past the end of its lease and writes its own lease id, so
    -- no other node sends it meanwhile, and a crashed node's claim runs
    -- out by itself.
    due_at      BIGINT NOT NULL,
    lease       TEXT,
    attempts    BIGINT NOT NULL DEFAULT 0,
    last_error  TEXT   NOT NULL DEFAULT ''
);
-- One notice per session and client, however many times the session is
-- reported ended; rows without a sid are never duplicates of each other.
CREATE UNIQUE INDEX backchannel_logout_notices_session_client
    ON backchannel_logout_notices (session_id, client_id) WHERE session_id <> '';
-- The workers' claim looks for due rows; DeleteClient cascades by client_id.
CREATE INDEX backchannel_logout_notices_due_at ON backchannel_logout_notices (due_at);
CREATE INDEX backchannel_logout_notices_client_id ON backchannel_logout_notices (client_id);

-- +goose Down
DROP TABLE backchannel_logout_notices;
