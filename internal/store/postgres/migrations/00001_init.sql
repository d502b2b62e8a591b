-- The initial schema, the same statements as the SQLite migration but for
-- BLOB -> BYTEA. Times are BIGINT Unix
-- milliseconds, NULL for "not set"; scopes are space-separated TEXT and other
-- string lists JSON arrays in TEXT (see package sqlstore).

-- +goose Up
CREATE TABLE clients (
    id                         TEXT    NOT NULL PRIMARY KEY,
    secret_hash                BYTEA,
    name                       TEXT    NOT NULL DEFAULT '',
    redirect_uris              TEXT    NOT NULL DEFAULT '[]',
    post_logout_redirect_uris  TEXT    NOT NULL DEFAULT '[]',
    grant_types                TEXT    NOT NULL DEFAULT '[]',
    response_types             TEXT    NOT NULL DEFAULT '[]',
    scope                      TEXT    NOT NULL DEFAULT '',
    token_endpoint_auth_method TEXT    NOT NULL DEFAULT '',
    logo_uri                   TEXT    NOT NULL DEFAULT '',
    client_uri                 TEXT    NOT NULL DEFAULT '',
    policy_uri                 TEXT    NOT NULL DEFAULT '',
    tos_uri                    TEXT    NOT NULL DEFAULT '',
    allowed_cors_origins       TEXT    NOT NULL DEFAULT '[]',
    allow_plain_pkce           BOOLEAN NOT NULL DEFAULT FALSE,
    created_at                 BIGINT,
    updated_at                 BIGINT
);

-- One row per login flow, for its whole life (see sigil.Authorization).
CREATE TABLE authorizations (
    id                      TEXT   NOT NULL PRIMARY KEY,
    browser_hash            BYTEA,
    client_id               TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    state                   TEXT   NOT NULL CHECK (state IN ('requested', 'challenged', 'authenticated',
                                       'code_issued', 'exchanged', 'rejected', 'revoked')),
    redirect_uri            TEXT   NOT NULL DEFAULT '',
    response_mode           TEXT   NOT NULL DEFAULT '',
    scope                   TEXT   NOT NULL DEFAULT '',
    oauth_state             TEXT   NOT NULL DEFAULT '',
    nonce                   TEXT   NOT NULL DEFAULT '',
    code_challenge          TEXT   NOT NULL DEFAULT '',
    code_challenge_method   TEXT   NOT NULL DEFAULT '',
    prompt                  TEXT   NOT NULL DEFAULT '',
    max_age                 BIGINT NOT NULL DEFAULT -1,
    login_hint              TEXT   NOT NULL DEFAULT '',
    requested_at            BIGINT,
    expires_at              BIGINT NOT NULL,
    subject                 TEXT   NOT NULL DEFAULT '',
    address                 TEXT   NOT NULL DEFAULT '',
    challenge_nonce         TEXT   NOT NULL DEFAULT '',
    challenge_issued_at     BIGINT,
    challenge_expires_at    BIGINT,
    message                 TEXT   NOT NULL DEFAULT '',
    signature               TEXT   NOT NULL DEFAULT '',
    wallet_type_hint        TEXT   NOT NULL DEFAULT '',
    auth_time               BIGINT,
    session_id              TEXT   NOT NULL DEFAULT '',
    granted_scope           TEXT   NOT NULL DEFAULT '',
    code_hash               BYTEA,
    code_expires_at         BIGINT,
    access_token_hash       BYTEA,
    access_token_expires_at BIGINT
);

-- ExchangeCode and GetAuthorizationByAccessToken look rows up by hash; the
-- indexes are unique so a hash names one authorization, and partial so rows
-- without a code or token cost nothing.
CREATE UNIQUE INDEX authorizations_code_hash ON authorizations (code_hash)
    WHERE code_hash IS NOT NULL;
CREATE UNIQUE INDEX authorizations_access_token_hash ON authorizations (access_token_hash)
    WHERE access_token_hash IS NOT NULL;
-- DeleteClient cascades through client_id; DeleteExpired scans expires_at.
CREATE INDEX authorizations_client_id ON authorizations (client_id);
CREATE INDEX authorizations_expires_at ON authorizations (expires_at);

-- Consent a subject asked Sigil to remember, one decision per client.
-- The primary key serves GetAuthorization's join and the client cascade.
CREATE TABLE consents (
    client_id  TEXT   NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    subject    TEXT   NOT NULL,
    scope      TEXT   NOT NULL DEFAULT '',
    granted_at BIGINT,
    PRIMARY KEY (client_id, subject)
);

CREATE TABLE signing_keys (
    id         TEXT   NOT NULL PRIMARY KEY,
    algorithm  TEXT   NOT NULL,
    sealed     BYTEA  NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX signing_keys_created_at ON signing_keys (created_at, id);

-- +goose Down
DROP TABLE signing_keys;
DROP TABLE consents;
DROP TABLE authorizations;
DROP TABLE clients;
