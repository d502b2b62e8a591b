package server

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
)

// blockingClients is a store whose ListClients waits while a gate is set,
// like a SQLite database locked by a long write, and counts its calls.
type blockingClients struct {
	sigil.Store
	mu      sync.Mutex
	clients []*sigil.Client
	gate    chan struct{}
	fail    bool
	calls   atomic.Int32
}

func (s *blockingClients) ListClients(ctx context.Context) ([]*sigil.Client, error) {
	s.calls.Add(1)
	s.mu.Lock()
	gate, clients, fail := s.gate, s.clients, s.fail
	s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if fail {
		return nil, errors.New("database is locked")
	}
	return clients, nil
}

func (s *blockingClients) set(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

func corsClient(id, origin string) *sigil.Client {
	return &sigil.Client{ID: id, AllowedCORSOrigins: []string{origin}}
}

// TestCORSReloadDoesNotBlockRequests: once the origins are loaded, a
// reload that hangs on the database never holds up a cross-origin request;
// they keep the previous origins, one reload runs however many requests
// come, and its result is used once it arrives.
func TestCORSReloadDoesNotBlockRequests(t *testing.T) {
	st := &blockingClients{clients: []*sigil.Client{corsClient("app", "https://app.example")}}
	c := &CORS{Store: st, TTL: 20 * time.Millisecond}
	ctx := context.Background()
	if got := c.ClientsFor(ctx, "https://app.example"); !got["app"] {
		t.Fatalf("first load: %v", got)
	}

	gate := make(chan struct{})
	st.set(func() {
		st.gate = gate
		st.clients = append(st.clients, corsClient("new", "https://new.example"))
	})
	time.Sleep(50 * time.Millisecond) // the set is now stale
	served := make(chan time.Duration, 50)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			start := time.Now()
			if got := c.ClientsFor(ctx, "https://app.example"); !got["app"] {
				t.Errorf("during the reload: %v, want the previous origins", got)
			}
			served <- time.Since(start)
		})
	}
	wg.Wait()
	close(served)
	for d := range served {
		if d > 100*time.Millisecond {
			t.Errorf("a request waited %v for the blocked reload", d)
		}
	}
	handler := c.Clients(func(w http.ResponseWriter, r *http.Request) {})
	r := httptest.NewRequest("OPTIONS", "/oauth2/token", nil)
	r.Header.Set("Origin", "https://app.example")
	w := httptest.NewRecorder()
	handler(w, r)
	if w.Header().Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("preflight during the reload: %v", w.Header())
	}
	if got := c.ClientsFor(ctx, "https://new.example"); got != nil {
		t.Errorf("the new origin before the reload finished: %v", got)
	}
	// The reload runs in its own goroutine, which may not have reached the
	// store yet (it had not once in CI): wait for its call, then check that
	// no request started a second one.
	for wait := time.Now().Add(3 * time.Second); st.calls.Load() < 2 && time.Now().Before(wait); {
		time.Sleep(time.Millisecond)
	}
	c.ClientsFor(ctx, "https://app.example")
	if n := st.calls.Load(); n != 2 {
		t.Errorf("%d ListClients calls, want 2 (the first load and one reload)", n)
	}

	close(gate)
	deadline := time.Now().Add(3 * time.Second)
	for !c.ClientsFor(ctx, "https://new.example")["new"] {
		if time.Now().After(deadline) {
			t.Fatal("the reloaded origins were never used")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCORSFailedLoads: a first load that fails allows nothing and is tried
// again by the next request; a failed reload keeps the previous origins.
func TestCORSFailedLoads(t *testing.T) {
	st := &blockingClients{clients: []*sigil.Client{corsClient("app", "https://app.example")}, fail: true}
	c := &CORS{Store: st, TTL: 10 * time.Millisecond}
	ctx := context.Background()
	if got := c.ClientsFor(ctx, "https://app.example"); got != nil {
		t.Fatalf("with the store failing: %v", got)
	}
	st.set(func() { st.fail = false })
	if got := c.ClientsFor(ctx, "https://app.example"); !got["app"] {
		t.Fatalf("after the store recovered: %v", got)
	}
	st.set(func() { st.fail = true })
	time.Sleep(20 * time.Millisecond)
	for range 3 {
		if got := c.ClientsFor(ctx, "https://app.example"); !got["app"] {
			t.Fatalf("with reloads failing: %v, want the previous origins", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
