-- When the current access token of an authorization, and the refresh token
-- issued with it, were issued (unix milliseconds): set by the code
-- exchange, every refresh and the client credentials grant, and answered
-- as introspection's iat (RFC 7662 section 2.2). Before it, iat was the
-- expiry less the configured lifetime, which was wrong (even in the
-- future) for a token issued before the lifetime was changed, or by a node
-- configured otherwise. NULL for tokens issued before this migration, which
-- keep that estimate, capped at the present. Portable: the same statement
-- on SQLite and PostgreSQL; a nullable column without a default rewrites
-- no row.

-- +goose Up
ALTER TABLE authorizations ADD COLUMN tokens_issued_at BIGINT;

-- +goose Down
ALTER TABLE authorizations DROP COLUMN tokens_issued_at;
