-- The domain's records at sign-in, and refresh token families: the same
-- statements as the SQLite migration but for BLOB -> BYTEA.
-- Every new column is nullable with no default, so adding it rewrites no row.

-- +goose Up
-- Records is a JSON object of strings in TEXT, NULL when empty.
ALTER TABLE authorizations ADD COLUMN records TEXT;
-- The refresh token family and its current token, NULL without the offline
-- scopes; the expiry is BIGINT Unix milliseconds like every other time.
ALTER TABLE authorizations ADD COLUMN refresh_family TEXT;
ALTER TABLE authorizations ADD COLUMN refresh_token_hash BYTEA;
ALTER TABLE authorizations ADD COLUMN refresh_token_expires_at BIGINT;

-- RefreshAuthorization finds the family (a family names one authorization)
-- and RevokeToken the current refresh token; both indexes are unique and
-- partial like those of the code and the access token.
CREATE UNIQUE INDEX authorizations_refresh_family ON authorizations (refresh_family)
    WHERE refresh_family IS NOT NULL;
CREATE UNIQUE INDEX authorizations_refresh_token_hash ON authorizations (refresh_token_hash)
    WHERE refresh_token_hash IS NOT NULL;

-- +goose Down
-- The indexes go first, in the same order as the SQLite migration, which
-- cannot drop an indexed column.
DROP INDEX authorizations_refresh_token_hash;
DROP INDEX authorizations_refresh_family;
ALTER TABLE authorizations DROP COLUMN refresh_token_expires_at;
ALTER TABLE authorizations DROP COLUMN refresh_token_hash;
ALTER TABLE authorizations DROP COLUMN refresh_family;
ALTER TABLE authorizations DROP COLUMN records;
