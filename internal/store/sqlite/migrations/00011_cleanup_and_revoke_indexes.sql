-- The cleanup finds the rows it may delete by when the last thing in them
-- expires: the flow, its code, its access token and its refresh token.
-- It used the flow's expiry (authorizations_expires_at) and checked the
-- others row by row, so every pass walked every row whose flow had
-- expired while a token lived on: an hour of access tokens, 30 days of
-- refresh tokens, read again in each batch of 500, on SQLite while holding
-- the only writer. This index is on that last expiry itself, so a pass
-- reads only the rows it deletes. The expression must stay the one
-- sqlstore builds (purgeAt in queries.go), with SQLite's multi-argument
-- max() (NULL if any argument is, hence the COALESCEs); PostgreSQL's
-- migration 11 spells it with GREATEST. The flow's own index served only
-- the cleanup.
--
-- Sessions go when they expire or end, whichever comes first; the cleanup
-- asked for either with an OR over two indexes, which PostgreSQL's generic
-- plan answered by scanning the table. One index on the earlier of the two
-- serves it (purgeSessionAt in sessions.go, the same text on both stores).
--
-- Disconnecting an application (RevokeConsent) revokes the person's grants
-- at that client, and found them on the client's index: it read every row
-- of the client, however few were the person's, and any signed-in person
-- could ask for it again and again (300,000 rows: 180 ms on SQLite, with
-- the only writer held). The client's index now carries the subject too;
-- its prefix still serves the cascade of a deleted client.

-- +goose Up
CREATE INDEX authorizations_purge_at ON authorizations (max(expires_at, COALESCE(code_expires_at, 0),
    COALESCE(access_token_expires_at, 0), COALESCE(refresh_token_expires_at, 0)));
DROP INDEX authorizations_expires_at;
CREATE INDEX sessions_purge_at ON sessions ((CASE WHEN ended_at < expires_at THEN ended_at ELSE expires_at END));
DROP INDEX sessions_expires_at;
DROP INDEX sessions_ended_at;
CREATE INDEX authorizations_client_subject ON authorizations (client_id, subject);
DROP INDEX authorizations_client_id;

-- +goose Down
CREATE INDEX authorizations_expires_at ON authorizations (expires_at);
DROP INDEX authorizations_purge_at;
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_ended_at ON sessions (ended_at) WHERE ended_at IS NOT NULL;
DROP INDEX sessions_purge_at;
CREATE INDEX authorizations_client_id ON authorizations (client_id);
DROP INDEX authorizations_client_subject;
