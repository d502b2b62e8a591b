package keys

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/store/sqlite"
)

// openSQLite is a migrated SQLite store in a file, the real database.
func openSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "sigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// gatedStore holds the first n ListSigningKeys calls until all n have
// arrived, so that n Loads all see the store empty and race to store a
// first key. The writes go to the real store underneath.
type gatedStore struct {
	KeyStore
	n       int32
	calls   atomic.Int32
	arrived sync.WaitGroup
}

func newGatedStore(ks KeyStore, n int) *gatedStore {
	g := &gatedStore{KeyStore: ks, n: int32(n)}
	g.arrived.Add(n)
	return g
}

func (g *gatedStore) ListSigningKeys(ctx context.Context) ([]sigil.SigningKey, error) {
	keys, err := g.KeyStore.ListSigningKeys(ctx)
	if g.calls.Add(1) <= g.n {
		g.arrived.Done()
		g.arrived.Wait()
	}
	return keys, err
}

func jwksJSON(t *testing.T, s *Set) string {
	t.Helper()
	b, err := json.Marshal(s.PublicJWKS())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestLoadsRacingOnEmptyStoreStoreOneKeyPerAlgorithm(t *testing.T) {
	for name, ks := range map[string]KeyStore{"memory": &memStore{}, "sqlite": openSQLite(t)} {
		t.Run(name, func(t *testing.T) {
			const nodes = 3
			gated := newGatedStore(ks, nodes)
			sets := make([]*Set, nodes)
			errs := make([]error, nodes)
			var wg sync.WaitGroup
			for i := range nodes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					sets[i], errs[i] = Load(context.Background(), gated, secret)
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("Load %d: %v", i, err)
				}
			}
			stored, err := ks.ListSigningKeys(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(stored) != 3 || stored[2].Generation != 3 {
				t.Fatalf("store holds %d keys after %d racing Loads, want one per algorithm, generations 1 to 3", len(stored), nodes)
			}
			for i, s := range sets {
				for _, sk := range stored {
					if got := s.SigningKeyID(sk.Algorithm); got != sk.ID {
						t.Errorf("node %d signs %s with %q, want the stored key %q", i, sk.Algorithm, got, sk.ID)
					}
				}
				if jwksJSON(t, s) != jwksJSON(t, sets[0]) {
					t.Errorf("node %d publishes another key set than node 0", i)
				}
			}
			tok, err := sets[1].Sign("", map[string]string{"sub": "alice.crypto"}, "")
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range sets {
				if _, err := s.Verify(tok); err != nil {
					t.Errorf("node %d does not verify node 1's token: %v", i, err)
				}
			}
		})
	}
}

func TestAddedKeyIsPublishedThenSignsAfterActivation(t *testing.T) {
	st := openSQLite(t)
	ctx := context.Background()
	a := mustLoad(t, st, secret)
	b := mustLoad(t, st, secret)
	first := a.SigningKeyID("")

	activates := time.Now().Add(ActivationDelay + time.Minute)
	added, err := AddKey(ctx, st, secret, RS256, activates)
	if err != nil {
		t.Fatalf("AddKey: %v", err)
	}
	if added.Generation != 4 {
		t.Fatalf("added key has generation %d, want 4", added.Generation)
	}
	if n := len(a.PublicJWKS().Keys); n != 3 {
		t.Fatalf("before a refresh node a publishes %d keys, want 3", n)
	}
	for name, s := range map[string]*Set{"a": a, "b": b} {
		if err := s.Refresh(ctx); err != nil {
			t.Fatalf("Refresh %s: %v", name, err)
		}
	}
	if jwksJSON(t, a) != jwksJSON(t, b) {
		t.Fatal("after a refresh the nodes publish different key sets")
	}
	jwks := a.PublicJWKS()
	if len(jwks.Keys) != 4 || jwks.Keys[0].KeyID != first || jwks.Keys[3].KeyID != added.ID {
		t.Fatalf("published kids %v, want %s first and %s last", kids(a), first, added.ID)
	}

	// Published, but not yet active: the old key still signs.
	tok, err := a.Sign("", map[string]int{"n": 1}, "")
	if err != nil {
		t.Fatal(err)
	}
	if kid := header(t, tok)["kid"]; kid != first || a.SigningKeyID("") != first {
		t.Fatalf("before activation signed with %v (SigningKeyID %q), want %q", kid, a.SigningKeyID(""), first)
	}
	if info := a.Keys(); info[0].State != StateActive || info[3].State != StateNext || !info[3].ActivatesAt.Equal(added.ActivatesAt) || !info[0].RetiresAt.Equal(added.ActivatesAt) {
		t.Fatalf("Keys() = %+v, want the first key signing and the added one waiting", info)
	}

	// Once active, the added key signs, and the other node verifies it.
	later := func() time.Time { return activates.Add(time.Second) }
	a.now, b.now = later, later
	tok, err = a.Sign("", map[string]int{"n": 2}, "")
	if err != nil {
		t.Fatal(err)
	}
	if kid := header(t, tok)["kid"]; kid != added.ID || b.SigningKeyID("") != added.ID {
		t.Fatalf("after activation signed with %v (node b: %q), want %q", kid, b.SigningKeyID(""), added.ID)
	}
	if _, err := b.Verify(tok); err != nil {
		t.Errorf("node b does not verify node a's token from the new key: %v", err)
	}
	if info := a.Keys(); info[0].State != StateRetired || info[3].State != StateActive {
		t.Errorf("Keys() after activation = %+v, want the added key signing", info)
	}
}

// TestUnrefreshedNodeCannotVerifyNewKey is why a key must not sign at once:
// a node that has not read it yet does not know it.
func TestUnrefreshedNodeCannotVerifyNewKey(t *testing.T) {
	st := &memStore{}
	a := mustLoad(t, st, secret)
	b := mustLoad(t, st, secret)
	added, err := AddKey(context.Background(), st, secret, RS256, time.Now().Add(ActivationDelay+time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.now = func() time.Time { return added.ActivatesAt }
	tok, err := a.Sign("", map[string]int{"n": 1}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Verify(tok); err == nil || !strings.Contains(err.Error(), added.ID) {
		t.Fatalf("a node without the new key verified its token: err %v", err)
	}
	if err := b.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Verify(tok); err != nil {
		t.Fatalf("after its refresh node b does not verify: %v", err)
	}
}

func TestAddKeyRefusesEarlyActivation(t *testing.T) {
	st := &memStore{}
	mustLoad(t, st, secret)
	if _, err := AddKey(context.Background(), st, secret, RS256, time.Now().Add(ActivationDelay/2)); err == nil {
		t.Fatal("AddKey accepted a key that signs before every node can publish it")
	}
	if len(st.keys) != 3 {
		t.Fatalf("refused AddKey stored a key: %d keys", len(st.keys))
	}
}

func TestAddKeyRaceIsConflict(t *testing.T) {
	st := &memStore{}
	mustLoad(t, st, secret)
	gated := newGatedStore(st, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = AddKey(context.Background(), gated, secret, RS256, time.Now().Add(time.Hour))
		}()
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) || !errors.Is(errors.Join(errs...), sigil.ErrConflict) {
		t.Fatalf("racing AddKeys: %v; want one success and one ErrConflict", errs)
	}
	if len(st.keys) != 4 {
		t.Fatalf("store holds %d keys, want 4", len(st.keys))
	}
}

func TestRefreshWithoutChangeKeepsSnapshot(t *testing.T) {
	st := &memStore{}
	s := mustLoad(t, st, secret)
	before, lists := s.current.Load(), st.lists
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.current.Load() != before {
		t.Error("a refresh that found no change built a new snapshot")
	}
	if n := st.lists - lists; n != 1 {
		t.Errorf("one Refresh sent %d list calls, want 1", n)
	}
}

func TestRefreshFailureKeepsKeysAndTurnsUnreadyWhenStale(t *testing.T) {
	st := &memStore{}
	s := mustLoad(t, st, secret)
	if err := s.Ready(context.Background()); err != nil {
		t.Fatalf("Ready after Load: %v", err)
	}
	st.failList = errors.New("database is down")
	if err := s.Refresh(context.Background()); err == nil {
		t.Fatal("Refresh succeeded on a failing store")
	}
	if _, err := s.Sign("", map[string]int{"n": 1}, ""); err != nil {
		t.Fatalf("Sign after a failed refresh: %v", err)
	}
	if err := s.Ready(context.Background()); err != nil {
		t.Fatalf("Ready right after one failed refresh: %v", err)
	}
	s.refreshed.Store(time.Now().Add(-ActivationDelay - time.Second).UnixNano())
	if err := s.Ready(context.Background()); err == nil {
		t.Fatal("Ready with keys not read for longer than ActivationDelay")
	}
	st.failList = nil
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Ready(context.Background()); err != nil {
		t.Fatalf("Ready after a good refresh: %v", err)
	}
}

func TestRefreshRejectsKeyThatDoesNotUnseal(t *testing.T) {
	st := &memStore{}
	s := mustLoad(t, st, secret)
	before := s.SigningKeyID("")
	if _, err := AddKey(context.Background(), st, []byte("another secret entirely........."), RS256, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Refresh(context.Background()); err == nil || !strings.Contains(err.Error(), "system secret") {
		t.Fatalf("Refresh with a foreign key: err %v", err)
	}
	if s.SigningKeyID("") != before || len(s.PublicJWKS().Keys) != 3 {
		t.Fatal("a failed refresh changed the key set")
	}
}

func kids(s *Set) []string {
	var out []string
	for _, k := range s.Keys() {
		out = append(out, k.ID)
	}
	return out
}
