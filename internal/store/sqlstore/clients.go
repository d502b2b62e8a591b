package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/sigil-oidc/sigil"
)

// CreateClient inserts c; an existing id is sigil.ErrConflict. Times are
// stored as given: the Store reads no clock.
func (s *Store) CreateClient(ctx context.Context, c *sigil.Client) error {
	if _, err := s.exec(ctx, s.q.createClient, clientArgs(c)...); err != nil {
		return s.writeErr("create client "+c.ID, err)
	}
	return nil
}

// GetClient reads the client with the given id, or sigil.ErrNotFound.
func (s *Store) GetClient(ctx context.Context, id string) (*sigil.Client, error) {
	c, err := scanClient(s.queryRow(ctx, s.q.getClient, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: client %q: %w", s.dialect.Name, id, sigil.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: get client %q: %w", s.dialect.Name, id, err)
	}
	return c, nil
}

// ListClients returns every client, ordered by id (an empty slice when none).
func (s *Store) ListClients(ctx context.Context) ([]*sigil.Client, error) {
	rows, err := s.query(ctx, s.q.listClients)
	if err != nil {
		return nil, fmt.Errorf("%s: list clients: %w", s.dialect.Name, err)
	}
	defer rows.Close()
	out := []*sigil.Client{}
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: list clients: %w", s.dialect.Name, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: list clients: %w", s.dialect.Name, err)
	}
	return out, nil
}

// UpdateClient replaces every field of the stored client c.ID with c's, or
// returns sigil.ErrNotFound.
func (s *Store) UpdateClient(ctx context.Context, c *sigil.Client) error {
	args := append(clientArgs(c)[1:], c.ID)
	res, err := s.exec(ctx, s.q.updateClient, args...)
	if err != nil {
		return s.writeErr("update client "+c.ID, err)
	}
	return s.oneRow(res, "client", c.ID)
}

// DeleteClient removes a client and, through ON DELETE CASCADE, its
// authorizations (so their tokens stop working) and consents; a missing
// client is sigil.ErrNotFound.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	res, err := s.exec(ctx, s.q.deleteClient, id)
	if err != nil {
		return fmt.Errorf("%s: delete client %q: %w", s.dialect.Name, id, err)
	}
	return s.oneRow(res, "client", id)
}

// oneRow turns "no row affected" into sigil.ErrNotFound.
func (s *Store) oneRow(res sql.Result, what, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %s %q: %w", s.dialect.Name, what, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %s %q: %w", s.dialect.Name, what, id, sigil.ErrNotFound)
	}
	return nil
}

func clientArgs(c *sigil.Client) []any {
	return []any{
		c.ID, blob(c.SecretHash), c.Name, jsonList(c.RedirectURIs), jsonList(c.PostLogoutRedirectURIs),
		jsonList(c.GrantTypes), jsonList(c.ResponseTypes), c.Scope.String(), c.TokenEndpointAuthMethod,
		c.LogoURI, c.ClientURI, c.PolicyURI, c.TosURI, jsonList(c.AllowedCORSOrigins),
		c.AllowPlainPKCE, millis(c.CreatedAt), millis(c.UpdatedAt),
		c.RequirePKCE, c.IDTokenSignedResponseAlg, c.UserinfoSignedResponseAlg,
		c.BackchannelLogoutURI, c.BackchannelLogoutSessionRequired,
		c.AccessTokenStrategy, jsonList(c.Resources),
		c.SubjectType,
	}
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(dest ...any) error }

func scanClient(row scanner) (*sigil.Client, error) {
	var (
		c                                 sigil.Client
		redirect, postLogout, grant, resp string
		cors, scope, resources            string
		created, updated                  sql.NullInt64
	)
	err := row.Scan(&c.ID, &c.SecretHash, &c.Name, &redirect, &postLogout,
		&grant, &resp, &scope, &c.TokenEndpointAuthMethod,
		&c.LogoURI, &c.ClientURI, &c.PolicyURI, &c.TosURI, &cors,
		&c.AllowPlainPKCE, &created, &updated,
		&c.RequirePKCE, &c.IDTokenSignedResponseAlg, &c.UserinfoSignedResponseAlg,
		&c.BackchannelLogoutURI, &c.BackchannelLogoutSessionRequired,
		&c.AccessTokenStrategy, &resources,
		&c.SubjectType)
	if err != nil {
		return nil, err
	}
	for _, l := range []struct {
		dst *[]string
		src string
	}{{&c.RedirectURIs, redirect}, {&c.PostLogoutRedirectURIs, postLogout}, {&c.GrantTypes, grant},
		{&c.ResponseTypes, resp}, {&c.AllowedCORSOrigins, cors}, {&c.Resources, resources}} {
		if *l.dst, err = parseList(l.src); err != nil {
			return nil, fmt.Errorf("client %q: %w", c.ID, err)
		}
	}
	c.Scope = sigil.ParseScopes(scope)
	c.CreatedAt = fromMillis(created)
	c.UpdatedAt = fromMillis(updated)
	return &c, nil
}
