package uns

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/params"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/chaintest"
)

func TestNamehash(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, want string }{
		// EIP-137: the root is the zero node.
		{"", "0x0000000000000000000000000000000000000000000000000000000000000000"},
		// Vectors of the Login with Unstoppable reference (and of UNS's
		// own tests).
		{"crypto", "0x0f4a10a4f46c288cea365fcf45cccf0e9d901b945b9829ccdb54c10dc3cb7a6f"},
		{"brad.crypto", "0x756e4e998dbffd803c21d23b06cd855cdc7a4b57706c95964a37e24b47c10fc9"},
		// EIP-137's own examples (ENS).
		{"eth", "0x93cdeb708b7545dc668eb9280176169d1c33cfd8ed6f04690a0bcc88a93fc4ae"},
		{"foo.eth", "0xde9b09fd7c5f901e23a3f19fecc54828e9c848539801e86591bd9801b019f84f"},
	} {
		h := Namehash(tc.name)
		if got := common.Hash(h).Hex(); got != tc.want {
			t.Errorf("Namehash(%q) = %s, want %s", tc.name, got, tc.want)
		}
	}
	// The fixture's independent implementation agrees on deeper names.
	for _, name := range []string{"a.b.c.wallet", "xn--80ak6aa92e.crypto", "0-9.x"} {
		h := Namehash(name)
		if got, want := common.Hash(h).Big(), chaintest.TokenID(name); got.Cmp(want) != 0 {
			t.Errorf("Namehash(%q) = %x, chaintest.TokenID = %x", name, got, want)
		}
	}
}

func TestResolveOwnerAndRecords(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, owner := f.chain.NewAccount(t)
	f.l1.Mint(t, "alice.crypto", owner, map[string]string{
		"crypto.ETH.address": owner.Hex(),
		"profile.name":       "Alice",
		// An empty value is as good as no record.
		"social.twitter.username": "",
		// A record nobody asked for is not returned.
		"crypto.BTC.address": "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh",
	})
	r := f.resolver(t)

	got, err := r.Resolve(context.Background(), "alice.crypto")
	if err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	want := sigil.Domain{
		Name:  "alice.crypto",
		Owner: owner.Hex(),
		Records: map[string]string{
			"crypto.ETH.address": owner.Hex(),
			"profile.name":       "Alice",
		},
	}
	if got.Name != want.Name || got.Owner != want.Owner || !maps.Equal(got.Records, want.Records) {
		t.Errorf("Resolve = %+v, want %+v", got, want)
	}

	// The returned records are the caller's: changing them does not
	// change the cached answer.
	got.Records["profile.name"] = "Mallory"
	again, err := r.Resolve(context.Background(), "alice.crypto")
	if err != nil {
		t.Fatal(err)
	}
	if again.Records["profile.name"] != "Alice" {
		t.Errorf("cached records were changed through a returned map: %v", again.Records)
	}
}

func TestResolveMixedCase(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, owner := f.chain.NewAccount(t)
	f.l2.Mint(t, "mixed.wallet", owner, nil)
	r := f.resolver(t)
	for _, in := range []string{"Mixed.Wallet", "  MIXED.WALLET ", "mixed.wallet"} {
		d, err := r.Resolve(context.Background(), in)
		if err != nil {
			t.Errorf("Resolve(%q): %v", in, err)
			continue
		}
		if d.Name != "mixed.wallet" || d.Owner != owner.Hex() {
			t.Errorf("Resolve(%q) = %s owned by %s, want mixed.wallet owned by %s", in, d.Name, d.Owner, owner.Hex())
		}
	}
	// One name, one cache entry: only the first look-up asked the chain.
	if got := r.Calls(); got != 2 {
		t.Errorf("Calls = %d after three spellings of one name, want 2 (one per network)", got)
	}
}

func TestResolveNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, owner := f.chain.NewAccount(t)
	key, other := f.chain.NewAccount(t)
	f.l1.Mint(t, "burnt.crypto", other, nil)
	f.l1.Burn(t, key, "burnt.crypto")
	f.l2.Mint(t, "expired.crypto", owner, nil)
	f.l2.Expire(t, "expired.crypto")
	r := f.resolver(t)

	for _, name := range []string{
		"nobody.crypto",  // zero owner on both networks
		"burnt.crypto",   // burnt on L1, never on L2
		"expired.crypto", // token still there, owner reported as zero
		"crypto..x",      // not a name at all: no RPC needed
		"alice.crypto/x",
	} {
		_, err := r.Resolve(context.Background(), name)
		if !errors.Is(err, sigil.ErrDomainNotFound) {
			t.Errorf("Resolve(%q) error = %v, want ErrDomainNotFound", name, err)
		}
		if errors.Is(err, sigil.ErrResolverUnavailable) {
			t.Errorf("Resolve(%q) error %v is also ErrResolverUnavailable", name, err)
		}
	}
}

func TestResolveL2Wins(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, onL1 := f.chain.NewAccount(t)
	_, onL2 := f.chain.NewAccount(t)
	// The same name on both networks: L2's owner wins.
	f.l1.Mint(t, "both.crypto", onL1, map[string]string{"profile.name": "stale"})
	f.l2.Mint(t, "both.crypto", onL2, map[string]string{"profile.name": "current"})
	f.l2.Mint(t, "l2only.wallet", onL2, nil)
	r := f.resolver(t)

	d, err := r.Resolve(context.Background(), "both.crypto")
	if err != nil {
		t.Fatal(err)
	}
	if d.Owner != onL2.Hex() || d.Records["profile.name"] != "current" {
		t.Errorf("Resolve(both.crypto) = owner %s, records %v; want L2's owner %s and records", d.Owner, d.Records, onL2.Hex())
	}
	d, err = r.Resolve(context.Background(), "l2only.wallet")
	if err != nil {
		t.Fatal(err)
	}
	if d.Owner != onL2.Hex() {
		t.Errorf("Resolve(l2only.wallet) owner = %s, want %s", d.Owner, onL2.Hex())
	}

	// Without an L2, L1 is all there is.
	l1only := f.resolver(t, func(c *Config) { c.L2 = nil })
	d, err = l1only.Resolve(context.Background(), "both.crypto")
	if err != nil {
		t.Fatal(err)
	}
	if d.Owner != onL1.Hex() {
		t.Errorf("L1-only Resolve(both.crypto) owner = %s, want %s", d.Owner, onL1.Hex())
	}
	if _, err := l1only.Resolve(context.Background(), "l2only.wallet"); !errors.Is(err, sigil.ErrDomainNotFound) {
		t.Errorf("L1-only Resolve(l2only.wallet) error = %v, want ErrDomainNotFound", err)
	}
}

func TestResolveTransferred(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	key, first := f.chain.NewAccount(t)
	_, second := f.chain.NewAccount(t)
	f.l2.Mint(t, "moving.crypto", first, nil)
	f.l2.Transfer(t, key, "moving.crypto", second)
	r := f.resolver(t)
	d, err := r.Resolve(context.Background(), "moving.crypto")
	if err != nil {
		t.Fatal(err)
	}
	if d.Owner != second.Hex() {
		t.Errorf("owner after transfer = %s, want %s", d.Owner, second.Hex())
	}
}

func TestReverse(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	key, owner := f.chain.NewAccount(t)
	_, someoneElse := f.chain.NewAccount(t)
	f.l1.Mint(t, "old.crypto", owner, nil)
	f.l1.SetReverse(t, key, "old.crypto")
	f.l2.Mint(t, "new.wallet", owner, nil)
	f.l2.SetReverse(t, key, "new.wallet")
	r := f.resolver(t)

	got, err := r.Reverse(context.Background(), owner.Hex())
	if err != nil {
		t.Fatalf("Reverse: %v", err)
	}
	if want := []string{"new.wallet", "old.crypto"}; !slices.Equal(got, want) {
		t.Errorf("Reverse = %q, want %q (L2 first)", got, want)
	}

	// Lowercase input is accepted; an address with no reverse record has
	// no domains.
	if got, err := r.Reverse(context.Background(), "0x"+common.Bytes2Hex(someoneElse.Bytes())); err != nil || len(got) != 0 {
		t.Errorf("Reverse(no record) = %q, %v; want none", got, err)
	}
	if _, err := r.Reverse(context.Background(), "0x1234"); err == nil {
		t.Error("Reverse(0x1234) accepted a malformed address")
	}
}

func TestReverseConfirmsOwnership(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	key, owner := f.chain.NewAccount(t)
	_, newOwner := f.chain.NewAccount(t)
	// A reverse record on L1 for a name whose owner on L2, which wins, is
	// someone else: the record proves nothing.
	f.l1.Mint(t, "bridged.crypto", owner, nil)
	f.l1.SetReverse(t, key, "bridged.crypto")
	f.l2.Mint(t, "bridged.crypto", newOwner, nil)
	// The same name reversed on both networks is listed once.
	f.l1.Mint(t, "twice.x", owner, nil)
	f.l2.Mint(t, "twice.x", owner, nil)
	f.l2.SetReverse(t, key, "twice.x")
	r := f.resolver(t)

	got, err := r.Reverse(context.Background(), owner.Hex())
	if err != nil {
		t.Fatalf("Reverse: %v", err)
	}
	if want := []string{"twice.x"}; !slices.Equal(got, want) {
		t.Errorf("Reverse = %q, want %q", got, want)
	}

	f.l1.SetReverse(t, key, "twice.x")
	got, err = r.Reverse(context.Background(), owner.Hex())
	if err != nil {
		t.Fatalf("Reverse: %v", err)
	}
	if want := []string{"twice.x"}; !slices.Equal(got, want) {
		t.Errorf("Reverse with the same name on both networks = %q, want %q", got, want)
	}
}

func TestIsValidSignature(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	signerKey, signer := f.chain.NewAccount(t)
	otherKey, other := f.chain.NewAccount(t)
	wallet := f.chain.DeployERC1271Wallet(t, signer)
	f.l2.Mint(t, "safe.crypto", wallet, nil)
	f.l2.Mint(t, "eoa.crypto", other, nil)
	f.l2.Mint(t, "registry.crypto", f.l2.Registry, nil)
	r := f.resolver(t)
	ctx := context.Background()
	hash := crypto.Keccak256Hash([]byte("Sign in to Sigil"))

	good := chaintest.SignHash(t, signerKey, hash)
	wrongSigner := chaintest.SignHash(t, otherKey, hash)
	otherHash := crypto.Keccak256Hash([]byte("something else"))
	for _, tc := range []struct {
		what, name, address string
		hash                [32]byte
		sig                 []byte
		want                bool
	}{
		{"the wallet's signer", "Safe.Crypto", wallet.Hex(), hash, good, true},
		{"lowercase address", "safe.crypto", "0x" + common.Bytes2Hex(wallet.Bytes()), hash, good, true},
		{"another signer", "safe.crypto", wallet.Hex(), hash, wrongSigner, false},
		{"another hash", "safe.crypto", wallet.Hex(), otherHash, good, false},
		// OpenZeppelin's ECDSA reverts on a malformed signature: a
		// refusal, not an outage.
		{"malformed signature", "safe.crypto", wallet.Hex(), hash, good[:64], false},
		{"empty signature", "safe.crypto", wallet.Hex(), hash, nil, false},
		{"wallet that is not the owner", "eoa.crypto", wallet.Hex(), hash, good, false},
		// An ordinary account has no code and signs through EIP-191.
		{"owner without code", "eoa.crypto", other.Hex(), hash, wrongSigner, false},
		// A contract that is no EIP-1271 wallet (the registry has no
		// isValidSignature) refuses too.
		{"owner that is not a wallet", "registry.crypto", f.l2.Registry.Hex(), hash, good, false},
	} {
		got, err := r.IsValidSignature(ctx, tc.name, tc.address, tc.hash, tc.sig)
		if err != nil || got != tc.want {
			t.Errorf("IsValidSignature(%s) = %v, %v; want %v, nil", tc.what, got, err, tc.want)
		}
	}
	if _, err := r.IsValidSignature(ctx, "safe.crypto", "not an address", hash, good); err == nil || errors.Is(err, sigil.ErrResolverUnavailable) {
		t.Errorf("IsValidSignature(not an address) error = %v, want a plain error", err)
	}
	if _, err := r.IsValidSignature(ctx, "nobody.crypto", wallet.Hex(), hash, good); !errors.Is(err, sigil.ErrDomainNotFound) {
		t.Errorf("IsValidSignature(unregistered) error = %v, want ErrDomainNotFound", err)
	}
}

// TestIsValidSignatureOtherChain shows why IsValidSignature asks only the
// network the domain lives on: the address of a contract wallet on one chain
// can be taken on the other by a different contract that accepts anything
// its own signer signs (asking L2 first would accept the attacker).
func TestIsValidSignatureOtherChain(t *testing.T) {
	t.Parallel()
	l1, l2 := chaintest.Start(t), chaintest.Start(t)
	l1UNS, l2UNS := l1.DeployUNS(t), l2.DeployUNS(t)
	ownerKey, owner := l1.NewAccount(t)
	attackerKey, attacker := l2.NewAccount(t)
	// One deployer key, nonce 0 on both chains: one address, two wallets.
	deployerKey, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	deployer := crypto.PubkeyToAddress(deployerKey.PublicKey)
	l1.Fund(t, deployer, big.NewInt(params.Ether))
	l2.Fund(t, deployer, big.NewInt(params.Ether))
	wallet := l1.DeployERC1271WalletFrom(t, deployerKey, owner)
	if w := l2.DeployERC1271WalletFrom(t, deployerKey, attacker); w != wallet {
		t.Fatalf("wallets at %s and %s: the set-up needs one address", wallet, w)
	}
	l1UNS.Mint(t, "victim.crypto", wallet, nil)
	r := newResolver(t, Config{
		L1: Network{Name: "chain-1", RPCURL: l1.RPCURL, ProxyReader: l1UNS.ProxyReader.Hex()},
		L2: &Network{Name: "chain-2", RPCURL: l2.RPCURL, ProxyReader: l2UNS.ProxyReader.Hex()},
	})
	ctx := context.Background()
	hash := crypto.Keccak256Hash([]byte("Sign in as victim.crypto"))
	ownerSig := chaintest.SignHash(t, ownerKey, hash)
	attackerSig := chaintest.SignHash(t, attackerKey, hash)

	// Knowing the domain, the resolver asks only L1, where it lives.
	if ok, err := r.IsValidSignature(ctx, "victim.crypto", wallet.Hex(), hash, ownerSig); !ok || err != nil {
		t.Errorf("IsValidSignature(owner) = %v, %v; want true", ok, err)
	}
	if ok, err := r.IsValidSignature(ctx, "victim.crypto", wallet.Hex(), hash, attackerSig); ok || err != nil {
		t.Errorf("IsValidSignature(attacker) = %v, %v; want false", ok, err)
	}
}

func TestResolveCache(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, owner := f.chain.NewAccount(t)
	f.l1.Mint(t, "cached.crypto", owner, nil)
	r := f.resolver(t, func(c *Config) { c.CacheTTL = time.Minute })
	clk := fakeClock(r)
	ctx := context.Background()

	for range 2 {
		if _, err := r.Resolve(ctx, "cached.crypto"); err != nil {
			t.Fatal(err)
		}
	}
	if got := r.Calls(); got != 2 {
		t.Fatalf("Calls = %d after two Resolve, want 2 (one per network, once)", got)
	}
	clk.Advance(time.Minute)
	if _, err := r.Resolve(ctx, "cached.crypto"); err != nil {
		t.Fatal(err)
	}
	if got := r.Calls(); got != 4 {
		t.Errorf("Calls = %d after the TTL, want 4", got)
	}

	// Not found is cached too, for at most five seconds.
	for range 2 {
		if _, err := r.Resolve(ctx, "later.crypto"); !errors.Is(err, sigil.ErrDomainNotFound) {
			t.Fatalf("Resolve(later.crypto) error = %v, want not found", err)
		}
	}
	if got := r.Calls(); got != 6 {
		t.Fatalf("Calls = %d after two not-found look-ups, want 6", got)
	}
	f.l1.Mint(t, "later.crypto", owner, nil)
	clk.Advance(maxNotFoundTTL)
	d, err := r.Resolve(ctx, "later.crypto")
	if err != nil {
		t.Fatalf("Resolve(later.crypto) after minting and %v: %v", maxNotFoundTTL, err)
	}
	if d.Owner != owner.Hex() {
		t.Errorf("owner = %s, want %s", d.Owner, owner.Hex())
	}
}

func TestResolveCoalesces(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, owner := f.chain.NewAccount(t)
	f.l2.Mint(t, "popular.crypto", owner, nil)
	// Both networks go through a proxy that holds requests until
	// released, so the look-ups pile up behind the first one.
	p := newProxy(t, f.chain.RPCURL, true)
	r := f.resolver(t, func(c *Config) {
		c.L1.RPCURL = p.URL
		c.L2.RPCURL = p.URL
	})

	const n = 50
	var (
		wg      sync.WaitGroup
		started sync.WaitGroup
		errs    = make([]error, n)
		owners  = make([]string, n)
	)
	started.Add(n)
	for i := range n {
		wg.Go(func() {
			started.Done()
			d, err := r.Resolve(context.Background(), "popular.crypto")
			errs[i], owners[i] = err, d.Owner
		})
	}
	started.Wait()
	waitFor(t, "the first look-up to reach both networks", func() bool { return p.requests.Load() == 2 })
	p.release()
	wg.Wait()

	for i := range n {
		if errs[i] != nil || owners[i] != owner.Hex() {
			t.Fatalf("Resolve #%d = %s, %v; want %s", i, owners[i], errs[i], owner.Hex())
		}
	}
	if got := r.Calls(); got != 2 {
		t.Errorf("Calls = %d for %d concurrent Resolve, want 2 (one per network)", got, n)
	}
	// One getData per network, and the eth_chainId asked once of the
	// network that answered (Resolver.chainID).
	if got := p.requests.Load(); got != 3 {
		t.Errorf("the RPC server saw %d requests, want 3", got)
	}
}

func TestResolveUnavailable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, onL1 := f.chain.NewAccount(t)
	_, onL2 := f.chain.NewAccount(t)
	f.l1.Mint(t, "l1.crypto", onL1, nil)
	f.l2.Mint(t, "l2.crypto", onL2, nil)
	down := closedURL(t)
	hung := hangingURL(t)
	noContract := common.HexToAddress("0x000000000000000000000000000000000000dEaD").Hex()

	for _, tc := range []struct {
		what  string
		edit  func(*Config)
		name  string
		owner string // "" = want ErrResolverUnavailable
	}{
		{"L1 down, no L2", func(c *Config) { c.L1.RPCURL = down; c.L2 = nil }, "l1.crypto", ""},
		// L1 has the domain, but L2 could have overridden it.
		{"L2 down, L1 owns", func(c *Config) { c.L2.RPCURL = down }, "l1.crypto", ""},
		// L2's non-zero owner decides whatever L1 says.
		{"L1 down, L2 owns", func(c *Config) { c.L1.RPCURL = down }, "l2.crypto", onL2.Hex()},
		{"L1 down, L2 zero", func(c *Config) { c.L1.RPCURL = down }, "l1.crypto", ""},
		{"both down", func(c *Config) { c.L1.RPCURL = down; c.L2.RPCURL = down }, "l2.crypto", ""},
		{"L2 hangs", func(c *Config) { c.L2.RPCURL = hung }, "l1.crypto", ""},
		{"L1 hangs, L2 owns", func(c *Config) { c.L1.RPCURL = hung }, "l2.crypto", onL2.Hex()},
		// A wrong ProxyReader address is a misconfiguration, never "not
		// registered".
		{"no ProxyReader contract", func(c *Config) { c.L2.ProxyReader = noContract }, "l1.crypto", ""},
	} {
		t.Run(tc.what, func(t *testing.T) {
			t.Parallel()
			r := f.resolver(t, func(c *Config) {
				c.Timeout = 200 * time.Millisecond
				tc.edit(c)
			})
			d, err := resolveBounded(t, r, tc.name)
			if tc.owner != "" {
				if err != nil || d.Owner != tc.owner {
					t.Errorf("Resolve = %s, %v; want owner %s", d.Owner, err, tc.owner)
				}
				return
			}
			if !errors.Is(err, sigil.ErrResolverUnavailable) || errors.Is(err, sigil.ErrDomainNotFound) {
				t.Errorf("Resolve error = %v, want ErrResolverUnavailable only", err)
			}
		})
	}
}

// resolveBounded runs Resolve, failing the test if it does not return at
// all (a missing timeout would otherwise hang the test binary).
func resolveBounded(t *testing.T, r *Resolver, name string) (sigil.Domain, error) {
	t.Helper()
	type result struct {
		d   sigil.Domain
		err error
	}
	ch := make(chan result, 1)
	go func() {
		d, err := r.Resolve(context.Background(), name)
		ch <- result{d, err}
	}()
	select {
	case res := <-ch:
		return res.d, res.err
	case <-time.After(30 * time.Second):
		t.Fatalf("Resolve(%s) did not return: the per-call timeout is not applied", name)
		return sigil.Domain{}, nil
	}
}

func TestErrorsHideRPCURLSecrets(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.resolver(t, func(c *Config) {
		c.L2.RPCURL = closedURL(t) + "/v3/secret-api-key?token=secret-token"
		c.L2.RPCURL = strings.Replace(c.L2.RPCURL, "http://", "http://user:secret-password@", 1)
	})
	_, err := r.Resolve(context.Background(), "any.crypto")
	if !errors.Is(err, sigil.ErrResolverUnavailable) {
		t.Fatalf("error = %v, want unavailable", err)
	}
	var netErr *net.OpError
	if !errors.As(err, &netErr) {
		t.Errorf("error %v lost its cause", err)
	}
	if msg := err.Error(); strings.Contains(msg, "secret") {
		t.Errorf("error %q shows a secret of the RPC URL", msg)
	}
}

func TestResolveTimeoutCause(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.resolver(t, func(c *Config) {
		c.Timeout = 100 * time.Millisecond
		c.L2.RPCURL = hangingURL(t)
	})
	_, err := resolveBounded(t, r, "any.crypto")
	if !errors.Is(err, sigil.ErrResolverUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want ErrResolverUnavailable caused by context.DeadlineExceeded", err)
	}

	// The caller's own deadline counts too, even with a long timeout.
	r = f.resolver(t, func(c *Config) {
		c.Timeout = time.Hour
		c.L2.RPCURL = hangingURL(t)
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Resolve(ctx, "any.crypto"); !errors.Is(err, sigil.ErrResolverUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("error with a cancelled context = %v, want ErrResolverUnavailable caused by context.Canceled", err)
	}
}

func TestErrorsAreNotCached(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, owner := f.chain.NewAccount(t)
	f.l1.Mint(t, "flaky.crypto", owner, nil)
	p := newProxy(t, f.chain.RPCURL, false)
	r := f.resolver(t, func(c *Config) { c.L2.RPCURL = p.URL })

	p.fail.Store(true)
	if _, err := r.Resolve(context.Background(), "flaky.crypto"); !errors.Is(err, sigil.ErrResolverUnavailable) {
		t.Fatalf("Resolve through a failing L2 = %v, want unavailable", err)
	}
	p.fail.Store(false)
	d, err := r.Resolve(context.Background(), "flaky.crypto")
	if err != nil || d.Owner != owner.Hex() {
		t.Errorf("Resolve after recovery = %s, %v; want %s", d.Owner, err, owner.Hex())
	}
}

func TestReverseAndSignatureUnavailable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	signerKey, signer := f.chain.NewAccount(t)
	wallet := f.chain.DeployERC1271Wallet(t, signer)
	hash := crypto.Keccak256Hash([]byte("x"))
	sig := chaintest.SignHash(t, signerKey, hash)
	r := f.resolver(t, func(c *Config) { c.L2.RPCURL = closedURL(t) })

	if _, err := r.Reverse(context.Background(), signer.Hex()); !errors.Is(err, sigil.ErrResolverUnavailable) {
		t.Errorf("Reverse with L2 down = %v, want unavailable", err)
	}
	if _, err := r.IsValidSignature(context.Background(), "safe.crypto", wallet.Hex(), hash, sig); !errors.Is(err, sigil.ErrResolverUnavailable) {
		t.Errorf("IsValidSignature with L2 down = %v, want unavailable", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	good := Network{Name: "l1", RPCURL: "http://127.0.0.1:1", ProxyReader: Mainnet.ProxyReader}
	for _, tc := range []struct {
		what string
		cfg  Config
	}{
		{"no RPC URL", Config{L1: Mainnet}},
		{"no ProxyReader", Config{L1: Network{RPCURL: good.RPCURL}}},
		{"zero ProxyReader", Config{L1: Network{RPCURL: good.RPCURL, ProxyReader: "0x0000000000000000000000000000000000000000"}}},
		{"bad checksum", Config{L1: Network{RPCURL: good.RPCURL, ProxyReader: "0x578853aa776Eef10CeE6c4dd2B5862bdcE767A8b"}}},
		{"bad L2", Config{L1: good, L2: &Network{Name: "polygon", ProxyReader: Polygon.ProxyReader}}},
		{"bad scheme", Config{L1: Network{RPCURL: "ftp://127.0.0.1", ProxyReader: good.ProxyReader}}},
		{"negative timeout", Config{L1: good, Timeout: -time.Second}},
		{"negative TTL", Config{L1: good, CacheTTL: -time.Second}},
		{"negative size", Config{L1: good, CacheSize: -1}},
		{"empty record key", Config{L1: good, RecordKeys: []string{"profile.name", ""}}},
	} {
		if r, err := New(context.Background(), tc.cfg); err == nil {
			r.Close()
			t.Errorf("New(%s) succeeded", tc.what)
		}
	}
	r, err := New(context.Background(), Config{L1: good})
	if err != nil {
		t.Fatalf("New(minimal) = %v", err)
	}
	defer r.Close()
	if r.timeout != DefaultTimeout || r.foundTTL != DefaultCacheTTL || r.missingTTL != maxNotFoundTTL || r.answers.Size() != DefaultCacheSize {
		t.Errorf("defaults = %v, %v, %v, %d", r.timeout, r.foundTTL, r.missingTTL, r.answers.Size())
	}
}

func ExampleNamehash() {
	fmt.Printf("%x\n", Namehash("brad.crypto"))
	// Output: 756e4e998dbffd803c21d23b06cd855cdc7a4b57706c95964a37e24b47c10fc9
}
