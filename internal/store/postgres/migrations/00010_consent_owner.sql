-- A remembered consent belongs to the owner who gave it, not only to the
-- domain: when the domain changes hands, its new owner is asked again
-- before an application gets their records (issue 8, "ownership follows
-- the chain"). Consents stored before this migration have no owner and so
-- are asked again once. Portable: the same statement on both stores.

-- +goose Up
ALTER TABLE consents ADD COLUMN address TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE consents DROP COLUMN address;
