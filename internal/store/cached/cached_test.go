package cached

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/store/sqlite"
)

// fixture is a cached Store over a real SQLite store, whose clock the test
// moves. db is the store beneath, standing for another node's writes.
type fixture struct {
	*Store
	db    *sqlite.Store
	clock time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "sigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, clock: time.Unix(1_800_000_000, 0)}
	f.Store = New(db, 0, 0)
	f.now = func() time.Time { return f.clock }
	return f
}

func client(id, secret string) *sigil.Client {
	return &sigil.Client{ID: id, Name: "Client " + id, SecretHash: []byte(secret),
		GrantTypes: []string{"client_credentials"}, Scope: sigil.Scopes{"api"},
		TokenEndpointAuthMethod: sigil.AuthMethodClientSecretBasic}
}

// get reads id through the cache and reports how many statements it sent.
func (f *fixture) get(t *testing.T, id string) (*sigil.Client, uint64, error) {
	t.Helper()
	before := f.db.Statements()
	c, err := f.GetClient(context.Background(), id)
	return c, f.db.Statements() - before, err
}

// TestCacheServesRepeatedLookups checks that a second lookup within the TTL
// sends no statement and returns the same client.
func TestCacheServesRepeatedLookups(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.db.CreateClient(ctx, client("m2m", "s1")); err != nil {
		t.Fatal(err)
	}
	c1, n, err := f.get(t, "m2m")
	if err != nil || n != 1 {
		t.Fatalf("first lookup: %v, %d statements; want the client, 1 statement", err, n)
	}
	f.clock = f.clock.Add(DefaultTTL - time.Millisecond)
	c2, n, err := f.get(t, "m2m")
	if err != nil || n != 0 {
		t.Fatalf("lookup within the TTL: %v, %d statements; want 0", err, n)
	}
	if string(c2.SecretHash) != "s1" || c2.Name != c1.Name {
		t.Errorf("cached client %+v differs from %+v", c2, c1)
	}
	// Each caller has its own struct: changing one does not change the cache.
	c2.Name = "changed by a caller"
	c3, _, _ := f.get(t, "m2m")
	if c3.Name != "Client m2m" {
		t.Errorf("a caller's change reached the cache: %q", c3.Name)
	}
}

// TestCacheBoundForOtherNodes checks the documented bound: a change made
// beneath the cache (as another node does) is used here until the entry's
// TTL ends, and not after; a rotated secret and a deletion alike.
func TestCacheBoundForOtherNodes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.db.CreateClient(ctx, client("m2m", "old secret")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.get(t, "m2m"); err != nil {
		t.Fatal(err)
	}
	// Another node rotates the secret.
	if err := f.db.UpdateClient(ctx, client("m2m", "new secret")); err != nil {
		t.Fatal(err)
	}
	f.clock = f.clock.Add(DefaultTTL - time.Millisecond)
	if c, _, _ := f.get(t, "m2m"); string(c.SecretHash) != "old secret" {
		t.Fatalf("within the TTL: secret %q, want the cached old one", c.SecretHash)
	}
	f.clock = f.clock.Add(time.Millisecond)
	c, n, err := f.get(t, "m2m")
	if err != nil || string(c.SecretHash) != "new secret" || n != 1 {
		t.Fatalf("at the TTL: %+v, %v, %d statements; want the new secret, read again", c, err, n)
	}
	// Another node deletes the client.
	if err := f.db.DeleteClient(ctx, "m2m"); err != nil {
		t.Fatal(err)
	}
	f.clock = f.clock.Add(DefaultTTL)
	if _, _, err := f.get(t, "m2m"); !errors.Is(err, sigil.ErrNotFound) {
		t.Fatalf("a client deleted beneath, after the TTL: %v, want ErrNotFound", err)
	}
}

// TestCacheWritesInvalidate checks that this node's own writes are seen at
// once, with no wait for the TTL: update, delete, create, and the admin
// view's writes.
func TestCacheWritesInvalidate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.CreateClient(ctx, client("m2m", "s1")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.get(t, "m2m"); err != nil {
		t.Fatal(err)
	}
	if err := f.UpdateClient(ctx, client("m2m", "s2")); err != nil {
		t.Fatal(err)
	}
	if c, _, _ := f.get(t, "m2m"); string(c.SecretHash) != "s2" {
		t.Errorf("after UpdateClient: secret %q, want s2", c.SecretHash)
	}
	admin := f.Uncached()
	if err := admin.UpdateClient(ctx, client("m2m", "s3")); err != nil {
		t.Fatal(err)
	}
	if c, _, _ := f.get(t, "m2m"); string(c.SecretHash) != "s3" {
		t.Errorf("after the admin view's UpdateClient: secret %q, want s3", c.SecretHash)
	}
	if err := f.DeleteClient(ctx, "m2m"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.get(t, "m2m"); !errors.Is(err, sigil.ErrNotFound) {
		t.Errorf("after DeleteClient: %v, want ErrNotFound", err)
	}
	if err := f.CreateClient(ctx, client("m2m", "s4")); err != nil {
		t.Fatal(err)
	}
	if c, _, err := f.get(t, "m2m"); err != nil || string(c.SecretHash) != "s4" {
		t.Errorf("after CreateClient: %+v, %v; want secret s4", c, err)
	}
}

// TestCacheNeverCachesNotFound checks that a miss is not remembered: a
// client created beneath (on another node) right after a lookup failed is
// found by the next lookup, with no clock change.
func TestCacheNeverCachesNotFound(t *testing.T) {
	f := newFixture(t)
	if _, _, err := f.get(t, "late"); !errors.Is(err, sigil.ErrNotFound) {
		t.Fatalf("unknown client: %v, want ErrNotFound", err)
	}
	if err := f.db.CreateClient(context.Background(), client("late", "s")); err != nil {
		t.Fatal(err)
	}
	if c, n, err := f.get(t, "late"); err != nil || c.ID != "late" || n != 1 {
		t.Errorf("after another node created it: %+v, %v, %d statements; want it, read from the database", c, err, n)
	}
	if f.clients.Len() != 1 {
		t.Errorf("%d cache entries, want only the found client", f.clients.Len())
	}
}

// TestUncachedReadsTheDatabase checks the admin view: its lookups always
// read the database, so a read-modify-write never starts from a stale copy.
func TestUncachedReadsTheDatabase(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.db.CreateClient(ctx, client("m2m", "s1")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.get(t, "m2m"); err != nil {
		t.Fatal(err)
	}
	if err := f.db.UpdateClient(ctx, client("m2m", "changed elsewhere")); err != nil {
		t.Fatal(err)
	}
	before := f.db.Statements()
	c, err := f.Uncached().GetClient(ctx, "m2m")
	if err != nil || string(c.SecretHash) != "changed elsewhere" || f.db.Statements()-before != 1 {
		t.Errorf("admin view: %+v, %v; want the database's copy", c, err)
	}
}

// gated holds GetClient until released, to put a write in the middle of a
// lookup.
type gated struct {
	sigil.Store
	read    chan struct{} // closed by GetClient once it has read
	release chan struct{}
}

func (g *gated) GetClient(ctx context.Context, id string) (*sigil.Client, error) {
	c, err := g.Store.GetClient(ctx, id)
	close(g.read)
	<-g.release
	return c, err
}

// TestCacheLookupRacingAWrite checks that a lookup that read the database
// before a write on this node, and finishes after it, does not leave its
// old copy in the cache.
func TestCacheLookupRacingAWrite(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.db.CreateClient(ctx, client("m2m", "old")); err != nil {
		t.Fatal(err)
	}
	g := &gated{Store: f.db, read: make(chan struct{}), release: make(chan struct{})}
	s := New(g, time.Hour, 0)
	done := make(chan *sigil.Client)
	go func() {
		c, _ := s.GetClient(ctx, "m2m")
		done <- c
	}()
	<-g.read // the lookup holds the old client
	if err := s.UpdateClient(ctx, client("m2m", "new")); err != nil {
		t.Fatal(err)
	}
	close(g.release)
	if c := <-done; string(c.SecretHash) != "old" {
		t.Fatalf("the racing lookup returned %q, want what it read", c.SecretHash)
	}
	s.Store = f.db // no more gate
	if c, err := s.GetClient(ctx, "m2m"); err != nil || string(c.SecretHash) != "new" {
		t.Errorf("after the write: %+v, %v; want the new secret, not the racing lookup's copy", c, err)
	}
}

// TestCacheIsBounded checks the size cap: made-up or many ids cannot grow
// the cache past its size.
func TestCacheIsBounded(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.Store = New(f.db, 0, 3)
	f.now = func() time.Time { return f.clock }
	var ids []string
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		if err := f.db.CreateClient(ctx, client(id, "s")); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.get(t, id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if n := f.clients.Len(); n != 3 {
		t.Errorf("%d entries after %v, want 3", n, ids)
	}
	if _, n, _ := f.get(t, "e"); n != 0 {
		t.Errorf("the most recent client was read again (%d statements)", n)
	}
}
