-- Client metadata for the complete OpenID provider (issue 7): PKCE that a
-- confidential client may turn off, per-client JWS algorithms (OpenID
-- Connect Dynamic Client Registration section 2), back-channel logout
-- (Back-Channel Logout 1.0 section 2.2), RFC 9068 JWT access tokens and RFC
-- 8707 resources. Portable: the same statements on SQLite and PostgreSQL.
-- Each column has a constant default, so adding it rewrites no row; every
-- existing client keeps requiring PKCE.

-- +goose Up
ALTER TABLE clients ADD COLUMN require_pkce BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE clients ADD COLUMN id_token_signed_response_alg TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN userinfo_signed_response_alg TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN backchannel_logout_uri TEXT NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN backchannel_logout_session_required BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE clients ADD COLUMN access_token_strategy TEXT NOT NULL DEFAULT '';
-- A JSON array of absolute URIs, like redirect_uris.
ALTER TABLE clients ADD COLUMN resources TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE clients DROP COLUMN resources;
ALTER TABLE clients DROP COLUMN access_token_strategy;
ALTER TABLE clients DROP COLUMN backchannel_logout_session_required;
ALTER TABLE clients DROP COLUMN backchannel_logout_uri;
ALTER TABLE clients DROP COLUMN userinfo_signed_response_alg;
ALTER TABLE clients DROP COLUMN id_token_signed_response_alg;
ALTER TABLE clients DROP COLUMN require_pkce;
