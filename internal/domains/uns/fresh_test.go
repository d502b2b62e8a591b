package uns

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/cache"
	"github.com/sigil-oidc/sigil/internal/domains"
)

// TestResolveFreshSeesTransfer: after a transfer, Resolve still answers the
// cached owner (within the TTL), ResolveFresh reads the new one from the
// chain, and the cache then holds the new owner, so the next Resolve and
// Owner answer it without a call.
func TestResolveFreshSeesTransfer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	key, first := f.chain.NewAccount(t)
	_, second := f.chain.NewAccount(t)
	f.l1.Mint(t, "sold.crypto", first, nil)
	r := f.resolver(t, func(c *Config) { c.CacheTTL = time.Hour })
	fakeClock(r)
	ctx := context.Background()

	if d, err := r.Resolve(ctx, "sold.crypto"); err != nil || d.Owner != first.Hex() {
		t.Fatalf("Resolve before the transfer = %s, %v; want %s", d.Owner, err, first.Hex())
	}
	f.l1.Transfer(t, key, "sold.crypto", second)
	if d, err := r.Resolve(ctx, "sold.crypto"); err != nil || d.Owner != first.Hex() {
		t.Fatalf("Resolve within the TTL = %s, %v; want the cached %s", d.Owner, err, first.Hex())
	}
	before := r.Calls()
	d, err := r.ResolveFresh(ctx, "Sold.Crypto")
	if err != nil || d.Owner != second.Hex() || d.Name != "sold.crypto" {
		t.Fatalf("ResolveFresh = %+v, %v; want %s", d, err, second.Hex())
	}
	if got := r.Calls() - before; got != 2 {
		t.Errorf("ResolveFresh cost %d calls, want 2 (both networks, past the cache)", got)
	}
	before = r.Calls()
	if d, err := r.Resolve(ctx, "sold.crypto"); err != nil || d.Owner != second.Hex() {
		t.Errorf("Resolve after ResolveFresh = %s, %v; want the refreshed %s", d.Owner, err, second.Hex())
	}
	if o, err := r.Owner(ctx, "sold.crypto"); err != nil || o != second.Hex() {
		t.Errorf("Owner after ResolveFresh = %s, %v; want %s", o, err, second.Hex())
	}
	if got := r.Calls() - before; got != 0 {
		t.Errorf("Resolve and Owner after ResolveFresh cost %d calls, want 0 (cache refreshed)", got)
	}
}

// TestResolveFreshSeesBurn: a domain burnt after its answer was cached is
// not found by ResolveFresh, and the stale found answer leaves the cache.
func TestResolveFreshSeesBurn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	key, owner := f.chain.NewAccount(t)
	f.l1.Mint(t, "gone.crypto", owner, nil)
	r := f.resolver(t, func(c *Config) { c.CacheTTL = time.Hour })
	fakeClock(r)
	ctx := context.Background()
	if _, err := r.Resolve(ctx, "gone.crypto"); err != nil {
		t.Fatal(err)
	}
	f.l1.Burn(t, key, "gone.crypto")
	if _, err := r.ResolveFresh(ctx, "gone.crypto"); !errors.Is(err, sigil.ErrDomainNotFound) {
		t.Fatalf("ResolveFresh of a burnt domain: %v, want not found", err)
	}
	if _, err := r.Owner(ctx, "gone.crypto"); !errors.Is(err, sigil.ErrDomainNotFound) {
		t.Errorf("Owner after ResolveFresh found it burnt: %v, want not found", err)
	}
}

// TestResolveFreshCoalesces: concurrent ResolveFresh calls for one name
// share one pair of eth_calls, so the sign-in check cannot be turned into
// a flood of RPC calls by many verifies at once.
func TestResolveFreshCoalesces(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, owner := f.chain.NewAccount(t)
	f.l1.Mint(t, "busy.crypto", owner, nil)
	p := newProxy(t, f.chain.RPCURL, true)
	r := f.resolver(t, func(c *Config) {
		c.L1.RPCURL = p.URL
		c.L2.RPCURL = p.URL
	})
	const n = 30
	var wg, started sync.WaitGroup
	errs := make([]error, n)
	owners := make([]string, n)
	started.Add(n)
	for i := range n {
		wg.Go(func() {
			started.Done()
			d, err := r.ResolveFresh(context.Background(), "busy.crypto")
			errs[i], owners[i] = err, d.Owner
		})
	}
	started.Wait()
	waitFor(t, "the first fresh look-up to reach both networks", func() bool { return p.requests.Load() == 2 })
	// Give the other callers time to join the flight before it lands;
	// a caller that arrives after it would start a second one, which the
	// count below would show.
	time.Sleep(50 * time.Millisecond)
	p.release()
	wg.Wait()
	for i := range n {
		if errs[i] != nil || owners[i] != owner.Hex() {
			t.Fatalf("ResolveFresh #%d = %s, %v; want %s", i, owners[i], errs[i], owner.Hex())
		}
	}
	if got := r.Calls(); got != 2 {
		t.Errorf("%d concurrent ResolveFresh cost %d calls, want 2", n, got)
	}
}

// TestResolveFreshUnavailable: with the node down ResolveFresh fails as
// Resolve does (ErrResolverUnavailable), even when a cached answer exists:
// it never falls back to the cache.
func TestResolveFreshUnavailable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, owner := f.chain.NewAccount(t)
	f.l1.Mint(t, "cut.crypto", owner, nil)
	p := newProxy(t, f.chain.RPCURL, false)
	r := f.resolver(t, func(c *Config) {
		c.L1.RPCURL = p.URL
		c.L2.RPCURL = p.URL
		c.CacheTTL = time.Hour
	})
	ctx := context.Background()
	if _, err := r.Resolve(ctx, "cut.crypto"); err != nil {
		t.Fatal(err)
	}
	p.fail.Store(true)
	if _, err := r.ResolveFresh(ctx, "cut.crypto"); !errors.Is(err, sigil.ErrResolverUnavailable) {
		t.Fatalf("ResolveFresh with the node down: %v, want ErrResolverUnavailable", err)
	}
	// The failure is not cached, and the cached answer stays.
	if o, err := r.Owner(ctx, "cut.crypto"); err != nil || o != owner.Hex() {
		t.Errorf("Owner after a failed ResolveFresh = %s, %v; want the cached %s", o, err, owner.Hex())
	}
}

// TestDomainsHelpersUseTheResolver: domains.ResolveFresh and domains.Owner
// pick the resolver's own methods.
func TestDomainsHelpersUseTheResolver(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	key, first := f.chain.NewAccount(t)
	_, second := f.chain.NewAccount(t)
	f.l2.Mint(t, "helper.crypto", first, nil)
	r := f.resolver(t, func(c *Config) { c.CacheTTL = time.Hour })
	ctx := context.Background()
	if o, err := domains.Owner(ctx, r, "helper.crypto"); err != nil || o != first.Hex() {
		t.Fatalf("domains.Owner = %s, %v", o, err)
	}
	f.l2.Transfer(t, key, "helper.crypto", second)
	if o, _ := domains.Owner(ctx, r, "helper.crypto"); o != first.Hex() {
		t.Fatalf("domains.Owner within the TTL = %s, want the cached %s", o, first.Hex())
	}
	if d, err := domains.ResolveFresh(ctx, r, "helper.crypto"); err != nil || d.Owner != second.Hex() {
		t.Fatalf("domains.ResolveFresh = %s, %v; want %s", d.Owner, err, second.Hex())
	}
}

// BenchmarkOwnerCached is the cost of the ownership check of a userinfo or
// introspection call when the answer is cached: one map look-up.
func BenchmarkOwnerCached(b *testing.B) {
	r := &Resolver{foundTTL: time.Hour, now: time.Now}
	r.answers = cache.New[string, answer](16)
	r.answers.Add("alice.crypto", answer{found: true, domain: sigil.Domain{Name: "alice.crypto", Owner: "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
		Records: map[string]string{"profile.name": "Alice", "crypto.ETH.address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}}}, time.Now(), time.Hour)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Owner(ctx, "alice.crypto"); err != nil {
			b.Fatal(err)
		}
	}
}
