package uns

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/chaintest"
)

// TestNotFoundDoesNotEvictFound: a flood of made-up names (each a
// not-found answer) leaves the cached found domains in place, so real
// sign-ins do not pay for their look-ups again.
func TestNotFoundDoesNotEvictFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, owner := f.chain.NewAccount(t)
	f.l1.Mint(t, "real.crypto", owner, nil)
	r := f.resolver(t, func(c *Config) { c.CacheSize = 4; c.NotFoundCacheSize = 2 })
	ctx := context.Background()

	if _, err := r.Resolve(ctx, "real.crypto"); err != nil {
		t.Fatal(err)
	}
	before := r.Calls()
	for i := range 20 {
		if _, err := r.Resolve(ctx, fmt.Sprintf("nosuch-x%d.crypto", i)); !errors.Is(err, sigil.ErrDomainNotFound) {
			t.Fatalf("made-up name %d: %v, want not found", i, err)
		}
	}
	if got := r.Calls() - before; got != 40 {
		t.Fatalf("20 made-up names cost %d calls, want 40 (two networks each)", got)
	}
	before = r.Calls()
	if _, err := r.Resolve(ctx, "real.crypto"); err != nil {
		t.Fatal(err)
	}
	if got := r.Calls() - before; got != 0 {
		t.Errorf("the found domain cost %d calls after the flood, want 0 (still cached)", got)
	}
	if n := r.missing.Len(); n > 2 {
		t.Errorf("%d not-found answers cached, want at most the bound 2", n)
	}
}

// TestNotFoundCached: a repeated not-found answer costs one look-up until
// its short TTL passes.
func TestNotFoundCached(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.resolver(t)
	clk := fakeClock(r)
	ctx := context.Background()
	for range 5 {
		if _, err := r.Resolve(ctx, "nobody.crypto"); !errors.Is(err, sigil.ErrDomainNotFound) {
			t.Fatalf("Resolve = %v, want not found", err)
		}
	}
	if got := r.Calls(); got != 2 {
		t.Fatalf("five look-ups of a missing name cost %d calls, want 2", got)
	}
	clk.Advance(maxNotFoundTTL)
	if _, err := r.Resolve(ctx, "nobody.crypto"); !errors.Is(err, sigil.ErrDomainNotFound) {
		t.Fatal(err)
	}
	if got := r.Calls(); got != 4 {
		t.Errorf("after %v the look-up cost %d calls in all, want 4", maxNotFoundTTL, got)
	}
}

// TestRejectedSignaturesCostOneGetCode: each signature an ordinary account
// did not make sends the verifier to EIP-1271, which asks whether the owner
// holds code; that answer is cached, so a stream of bad signatures costs
// one eth_getCode, not one each.
func TestRejectedSignaturesCostOneGetCode(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, owner := f.chain.NewAccount(t)
	signerKey, signer := f.chain.NewAccount(t)
	wallet := f.chain.DeployERC1271Wallet(t, signer)
	f.l2.Mint(t, "eoa.crypto", owner, nil)
	f.l2.Mint(t, "safe.crypto", wallet, nil)
	r := f.resolver(t)
	clk := fakeClock(r)
	ctx := context.Background()
	attacker, _ := crypto.GenerateKey()

	if _, err := r.Resolve(ctx, "eoa.crypto"); err != nil {
		t.Fatal(err)
	}
	before := r.Calls()
	for i := range 10 {
		hash := crypto.Keccak256Hash(fmt.Appendf(nil, "attempt %d", i))
		ok, err := r.IsValidSignature(ctx, "eoa.crypto", owner.Hex(), hash, chaintest.SignHash(t, attacker, hash))
		if ok || err != nil {
			t.Fatalf("bad signature %d: %v, %v; want false, nil", i, ok, err)
		}
	}
	if got := r.Calls() - before; got != 1 {
		t.Errorf("10 bad signatures for an ordinary account cost %d calls, want 1 (one eth_getCode)", got)
	}
	clk.Advance(DefaultCacheTTL)
	before = r.Calls()
	hash := crypto.Keccak256Hash([]byte("after the TTL"))
	if _, err := r.IsValidSignature(ctx, "eoa.crypto", owner.Hex(), hash, chaintest.SignHash(t, attacker, hash)); err != nil {
		t.Fatal(err)
	}
	if got := r.Calls() - before; got != 3 {
		t.Errorf("after the TTL a bad signature cost %d calls, want 3 (getData on both networks, getCode)", got)
	}

	// A contract wallet: the code is asked once; each signature still goes
	// to the wallet, since only it can judge one.
	if _, err := r.Resolve(ctx, "safe.crypto"); err != nil {
		t.Fatal(err)
	}
	before = r.Calls()
	for i := range 3 {
		hash := crypto.Keccak256Hash(fmt.Appendf(nil, "wallet attempt %d", i))
		ok, err := r.IsValidSignature(ctx, "safe.crypto", wallet.Hex(), hash, chaintest.SignHash(t, attacker, hash))
		if ok || err != nil {
			t.Fatalf("bad wallet signature %d: %v, %v", i, ok, err)
		}
	}
	hash = crypto.Keccak256Hash([]byte("good"))
	if ok, err := r.IsValidSignature(ctx, "safe.crypto", wallet.Hex(), hash, chaintest.SignHash(t, signerKey, hash)); !ok || err != nil {
		t.Fatalf("the wallet's signer: %v, %v; want true", ok, err)
	}
	if got := r.Calls() - before; got != 5 {
		t.Errorf("four wallet signatures cost %d calls, want 5 (one getCode, four isValidSignature)", got)
	}
}

// TestReverseCached: the reverse records of an address are read once per
// TTL; the domains they name are confirmed from the domain cache.
func TestReverseCached(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	key, owner := f.chain.NewAccount(t)
	f.l2.Mint(t, "mine.wallet", owner, nil)
	f.l2.SetReverse(t, key, "mine.wallet")
	r := f.resolver(t)
	clk := fakeClock(r)
	ctx := context.Background()

	for range 5 {
		got, err := r.Reverse(ctx, owner.Hex())
		if err != nil || !slices.Equal(got, []string{"mine.wallet"}) {
			t.Fatalf("Reverse = %q, %v", got, err)
		}
	}
	// Two reverseNameOf and two getData, once.
	if got := r.Calls(); got != 4 {
		t.Errorf("five reverse look-ups cost %d calls, want 4", got)
	}
	// Made-up addresses fill only the bounded reverse cache.
	for i := range DefaultReverseCacheSize + 10 {
		addr := fmt.Sprintf("0x%040x", i+1)
		if _, err := r.Reverse(ctx, addr); err != nil {
			t.Fatal(err)
		}
	}
	if n := r.reverses.Len(); n > DefaultReverseCacheSize {
		t.Errorf("%d reverse records cached, want at most %d", n, DefaultReverseCacheSize)
	}
	if _, ok := r.answers.Get("mine.wallet", clk.Now()); !ok {
		t.Error("reverse look-ups of made-up addresses evicted a found domain")
	}
	clk.Advance(DefaultCacheTTL + time.Second)
	before := r.Calls()
	if _, err := r.Reverse(ctx, owner.Hex()); err != nil {
		t.Fatal(err)
	}
	if got := r.Calls() - before; got != 4 {
		t.Errorf("after the TTL a reverse look-up cost %d calls, want 4", got)
	}
}
