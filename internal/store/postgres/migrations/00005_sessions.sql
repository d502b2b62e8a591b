-- Server-side login sessions (issue 7): a person's sign-in in one browser,
-- keyed by its sid, so that RP-initiated logout, an operator or the person
-- can end it for every copy of its cookie on every node (see sigil.Session).
-- Portable: the same statements on SQLite and PostgreSQL.
--
-- clients lists, space-separated like scopes (client ids are RFC 3986
-- unreserved characters, so never contain a space), the clients the session
-- signed in to, in the order of their first sign-in. It lives here rather
-- than in the authorizations, which DeleteExpired removes once their tokens
-- expire: back-channel logout must still reach every one of them when the
-- session ends.

-- +goose Up
CREATE TABLE sessions (
    id         TEXT   NOT NULL PRIMARY KEY,
    subject    TEXT   NOT NULL,
    address    TEXT   NOT NULL DEFAULT '',
    auth_time  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    clients    TEXT   NOT NULL DEFAULT '',
    ended_at   BIGINT
);
-- ListSessions and EndSessions look sessions up by subject; DeleteExpired
-- scans expires_at.
CREATE INDEX sessions_subject ON sessions (subject);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
-- DeleteExpired also removes ended sessions; partial, so live ones cost
-- nothing.
CREATE INDEX sessions_ended_at ON sessions (ended_at) WHERE ended_at IS NOT NULL;
-- ListConsents reads a subject's consents; the primary key starts with
-- client_id, so it cannot serve that.
CREATE INDEX consents_subject ON consents (subject);
-- RevokeConsent finds a subject's authorizations at one client through
-- authorizations_client_id: it is rare, and another index on authorizations
-- would cost every sign-in and client credentials grant a write.

-- +goose Down
DROP INDEX consents_subject;
DROP TABLE sessions;
