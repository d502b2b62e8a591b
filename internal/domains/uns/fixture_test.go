package uns

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil/internal/chaintest"
)

// testKeys are the record keys the test resolvers fetch.
var testKeys = []string{"crypto.ETH.address", "profile.name", "social.twitter.username"}

// fixture is one simulated chain holding two UNS deployments, standing in
// for L1 (Ethereum) and L2 (Polygon).
type fixture struct {
	chain  *chaintest.Chain
	l1, l2 *chaintest.UNS
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	c := chaintest.Start(t)
	return &fixture{chain: c, l1: c.DeployUNS(t), l2: c.DeployUNS(t)}
}

// l1Net and l2Net are the fixture's networks as a Resolver is configured.
func (f *fixture) l1Net() Network {
	return Network{Name: "test-l1", RPCURL: f.chain.RPCURL, ProxyReader: f.l1.ProxyReader.Hex()}
}

func (f *fixture) l2Net() *Network {
	return &Network{Name: "test-l2", RPCURL: f.chain.RPCURL, ProxyReader: f.l2.ProxyReader.Hex()}
}

// resolver returns a resolver over both deployments; edit may change the
// configuration first.
func (f *fixture) resolver(t *testing.T, edit ...func(*Config)) *Resolver {
	t.Helper()
	cfg := Config{L1: f.l1Net(), L2: f.l2Net(), RecordKeys: testKeys}
	for _, e := range edit {
		e(&cfg)
	}
	return newResolver(t, cfg)
}

func newResolver(t *testing.T, cfg Config) *Resolver {
	t.Helper()
	r, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(r.Close)
	return r
}

// clock is a settable time source for the cache.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeClock gives r a clock that only moves when told to.
func fakeClock(r *Resolver) *clock {
	c := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	r.now = c.Now
	return c
}

// closedURL returns an http URL on 127.0.0.1 where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close()
	return url
}

// hangingURL returns the URL of a server on 127.0.0.1 that accepts requests
// and never answers them (until the test ends).
func hangingURL(t *testing.T) string {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv.URL
}

// proxy is a JSON-RPC proxy on 127.0.0.1 in front of a chain: it counts
// requests, can hold them until released, and can fail them.
type proxy struct {
	target   string
	requests atomic.Int64
	fail     atomic.Bool   // answer 503 instead of forwarding
	gate     chan struct{} // when non-nil, requests wait until it is closed
	URL      string
}

func newProxy(t *testing.T, target string, gated bool) *proxy {
	t.Helper()
	p := &proxy{target: target}
	if gated {
		p.gate = make(chan struct{})
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// release lets held requests through (once).
func (p *proxy) release() { close(p.gate) }

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.requests.Add(1)
	if p.gate != nil {
		select {
		case <-p.gate:
		case <-r.Context().Done():
			return
		}
	}
	if p.fail.Load() {
		http.Error(w, "upstream unavailable", http.StatusServiceUnavailable)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	resp, err := http.Post(p.target, "application/json", strings.NewReader(string(body)))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// waitFor polls cond until it holds, failing the test after a generous
// bound; it waits on events, it does not measure time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
