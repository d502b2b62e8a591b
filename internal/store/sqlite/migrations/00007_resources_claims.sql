-- RFC 8707 resource indicators and the OpenID Connect claims request
-- parameter (issue 7), kept with the authorization they belong to.
-- Portable: the same statements on SQLite and PostgreSQL. Each column has a
-- constant default, so adding it rewrites no row.
--
-- resources: the resource parameters of the authorization request,
-- space-separated (an absolute URI holds no space, RFC 3986 section 2);
-- audience: those of the current access token's token request, within
-- resources (or, for a client credentials token, within the client's
-- registered resources); claims: the claims parameter as validated JSON
-- (OpenID Connect Core section 5.5). '' is "none" for each.

-- +goose Up
ALTER TABLE authorizations ADD COLUMN resources TEXT NOT NULL DEFAULT '';
ALTER TABLE authorizations ADD COLUMN audience TEXT NOT NULL DEFAULT '';
ALTER TABLE authorizations ADD COLUMN claims TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE authorizations DROP COLUMN claims;
ALTER TABLE authorizations DROP COLUMN audience;
ALTER TABLE authorizations DROP COLUMN resources;
