package admin

import (
	"context"
	"errors"
	"slices"
	"sort"
	"sync"

	"github.com/sigil-oidc/sigil"
)

// fakeStore keeps clients in memory for handler unit tests. It copies on
// every read and write, as a database would, so aliasing bugs in the handler
// cannot hide. Methods other than the client ones are not used by the admin
// API and panic through the nil embedded interface.
type fakeStore struct {
	sigil.Store
	mu      sync.Mutex
	clients map[string]*sigil.Client
	// fail, when set, is returned by every client method.
	fail error
}

func newFakeStore() *fakeStore { return &fakeStore{clients: map[string]*sigil.Client{}} }

func cloneClient(c *sigil.Client) *sigil.Client {
	d := *c
	d.SecretHash = slices.Clone(c.SecretHash)
	d.RedirectURIs = slices.Clone(c.RedirectURIs)
	d.PostLogoutRedirectURIs = slices.Clone(c.PostLogoutRedirectURIs)
	d.GrantTypes = slices.Clone(c.GrantTypes)
	d.ResponseTypes = slices.Clone(c.ResponseTypes)
	d.Scope = slices.Clone(c.Scope)
	d.AllowedCORSOrigins = slices.Clone(c.AllowedCORSOrigins)
	return &d
}

func (s *fakeStore) CreateClient(_ context.Context, c *sigil.Client) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	if _, ok := s.clients[c.ID]; ok {
		return sigil.ErrConflict
	}
	s.clients[c.ID] = cloneClient(c)
	return nil
}

func (s *fakeStore) GetClient(_ context.Context, id string) (*sigil.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	c, ok := s.clients[id]
	if !ok {
		return nil, sigil.ErrNotFound
	}
	return cloneClient(c), nil
}

func (s *fakeStore) ListClients(context.Context) ([]*sigil.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	out := make([]*sigil.Client, 0, len(s.clients))
	for _, c := range s.clients {
		out = append(out, cloneClient(c))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (s *fakeStore) UpdateClient(_ context.Context, c *sigil.Client) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	if _, ok := s.clients[c.ID]; !ok {
		return sigil.ErrNotFound
	}
	s.clients[c.ID] = cloneClient(c)
	return nil
}

func (s *fakeStore) DeleteClient(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	if _, ok := s.clients[id]; !ok {
		return sigil.ErrNotFound
	}
	delete(s.clients, id)
	return nil
}

func (s *fakeStore) setFail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = err
}

var errDiskOnFire = errors.New("disk on fire at /var/lib/sigil/secret.db")
