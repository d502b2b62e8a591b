// Package cached serves the hottest reads from memory, as two decorators of
// sigil.Store: New caches client lookups (GetClient) and Tokens the two
// token lookups of userinfo and introspection, each in a bounded cache
// (internal/cache) for a short time, with the writes that change what they
// cache dropping the entries at once on the node that makes them. Every
// other method goes straight to the decorated store.
//
// The token endpoint reads the client on every request to check its
// secret; the client changes rarely (an operator's edit through the admin
// API). So a node may answer from a copy that is at most TTL old: a client
// deleted, re-registered or given a new secret on another node of the
// fleet is seen here within TTL (docs/operations.md, "Caches"), and on this
// node at once. "Not found" is never cached, so a client created on
// another node works on the next request, and made-up client ids cannot
// push real clients out of the cache.
package cached

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/cache"
)

// Defaults for New.
const (
	// DefaultTTL bounds how long a client changed on another node may
	// still be used here in its old form: a deleted client, an old secret
	// or old redirect URIs keep working on this node for at most this long.
	DefaultTTL = 5 * time.Second
	// DefaultSize is how many clients a node keeps; beyond it the least
	// recently used is read again from the database.
	DefaultSize = 10000
)

// Store is a sigil.Store whose client reads are cached. It is safe for
// concurrent use.
type Store struct {
	sigil.Store
	ttl     time.Duration
	now     func() time.Time
	clients *cache.LRU[string, *sigil.Client]
	// writes counts client writes through this Store. A lookup that read
	// the database while a write happened does not keep what it read,
	// which may predate the write (see GetClient).
	writes atomic.Uint64
}

// New returns st with client lookups cached for ttl (DefaultTTL when 0),
// at most size clients (DefaultSize when 0).
func New(st sigil.Store, ttl time.Duration, size int) *Store {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	if size <= 0 {
		size = DefaultSize
	}
	return &Store{Store: st, ttl: ttl, now: time.Now, clients: cache.New[string, *sigil.Client](size)}
}

// TTL is the bound after which a change made on another node is seen.
func (s *Store) TTL() time.Duration { return s.ttl }

// GetClient returns the client from the cache when it was read less than
// TTL ago, and reads the database otherwise. Each caller gets its own copy
// of the Client struct; its slices are shared and must not be modified.
// Errors, sigil.ErrNotFound included, are never cached.
func (s *Store) GetClient(ctx context.Context, id string) (*sigil.Client, error) {
	if c, ok := s.clients.Get(id, s.now()); ok {
		cp := *c
		return &cp, nil
	}
	writes := s.writes.Load()
	c, err := s.Store.GetClient(ctx, id)
	if err != nil {
		return nil, err
	}
	cp := *c
	s.clients.Add(id, &cp, s.now(), s.ttl)
	// A write that finished while we read may have removed the entry
	// before our Add; drop what we added, which may be older than it.
	if s.writes.Load() != writes {
		s.clients.Remove(id)
	}
	return c, nil
}

// CreateClient creates c and drops any cached copy of c.ID.
func (s *Store) CreateClient(ctx context.Context, c *sigil.Client) error {
	defer s.forget(c.ID)
	return s.Store.CreateClient(ctx, c)
}

// UpdateClient updates c and drops its cached copy, so this node sees the
// change at once (a rotated secret, new redirect URIs).
func (s *Store) UpdateClient(ctx context.Context, c *sigil.Client) error {
	defer s.forget(c.ID)
	return s.Store.UpdateClient(ctx, c)
}

// DeleteClient deletes the client and drops its cached copy.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	defer s.forget(id)
	return s.Store.DeleteClient(ctx, id)
}

// forget drops id after a write; writes is bumped first so that a lookup
// in flight does not put back what it read before the write.
func (s *Store) forget(id string) {
	s.writes.Add(1)
	s.clients.Remove(id)
}

// Uncached returns a view of s whose GetClient always reads the database
// and whose writes still drop the cached copy. The admin API uses it: it
// reads a client to change it, and must not write back a copy up to TTL
// old over a change another node made.
func (s *Store) Uncached() sigil.Store { return uncached{s} }

// uncached is Store.Uncached.
type uncached struct{ *Store }

// GetClient reads the database.
func (u uncached) GetClient(ctx context.Context, id string) (*sigil.Client, error) {
	return u.Store.Store.GetClient(ctx, id)
}
