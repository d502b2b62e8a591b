-- The subject identifier type of each client (issue 8; OpenID Connect Core
-- section 8, Registration 1.0 section 2): 'public' (sub is the domain) or
-- 'pairwise' (an opaque sub per client, domain and owning wallet, which
-- never passes to the domain's next owner). '' is a client registered
-- before this migration, which is public. Portable: the same statement on
-- SQLite and PostgreSQL; the constant default rewrites no row.

-- +goose Up
ALTER TABLE clients ADD COLUMN subject_type TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE clients DROP COLUMN subject_type;
