package e2e

import (
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"golang.org/x/oauth2"

	"github.com/sigil-oidc/sigil/internal/chaintest"
	"github.com/sigil-oidc/sigil/internal/siwe"
)

// chainWorld is a local chain with UNS on "L1" and "L2" (two deployments)
// and sigil serve reading it with --domains uns.
type chainWorld struct {
	*instance
	chain       *chaintest.Chain
	l1, l2      *chaintest.UNS
	dave        *ecdsa.PrivateKey // signer of the contract wallet
	walletOwner common.Address    // the EIP-1271 wallet that owns safe.crypto
}

func startChainWorld(t *testing.T) *chainWorld {
	t.Helper()
	w := &chainWorld{chain: chaintest.Start(t)}
	w.l1, w.l2 = w.chain.DeployUNS(t), w.chain.DeployUNS(t)
	alice, _ := crypto.GenerateKey()
	bob, _ := crypto.GenerateKey()
	w.dave, _ = crypto.GenerateKey()
	// alice.crypto: on L1, with records and a reverse record.
	w.l1.Mint(t, "alice.crypto", crypto.PubkeyToAddress(alice.PublicKey), map[string]string{
		"whois.email.value": "alice@chain.example", "profile.name": "Alice on chain"})
	w.chain.Fund(t, crypto.PubkeyToAddress(alice.PublicKey), oneEther())
	w.l1.SetReverse(t, alice, "alice.crypto")
	// carol.crypto: Alice on L1, Bob on L2: L2 wins.
	w.l1.Mint(t, "carol.crypto", crypto.PubkeyToAddress(alice.PublicKey), nil)
	w.l2.Mint(t, "carol.crypto", crypto.PubkeyToAddress(bob.PublicKey), nil)
	// safe.crypto: owned by a contract wallet whose signer is Dave.
	w.walletOwner = w.chain.DeployERC1271Wallet(t, crypto.PubkeyToAddress(w.dave.PublicKey))
	w.l1.Mint(t, "safe.crypto", w.walletOwner, nil)

	in := &instance{AdminToken: "e2e-admin-token-0123456789", DataDir: t.TempDir(), Alice: alice, Bob: bob}
	w.instance = runWith(t, in, []string{"--domains", "uns",
		"--uns-l1-rpc", w.chain.RPCURL, "--uns-l1-proxy-reader", w.l1.ProxyReader.Hex(),
		"--uns-l2-rpc", w.chain.RPCURL, "--uns-l2-proxy-reader", w.l2.ProxyReader.Hex()})
	return w
}

// TestOnChainLogin: ownership and records come from UNS on a real chain.
func TestOnChainLogin(t *testing.T) {
	w := startChainWorld(t)
	id, secret := w.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "scope": "openid wallet email profile"})
	party := newRP(t, w.instance, id, secret, testRedirect, "openid", "wallet", "email", "profile:name")

	t.Run("EOA owner, records as claims", func(t *testing.T) {
		verifier := oauth2.GenerateVerifier()
		b := newBrowser(t, w.Issuer)
		flow := b.authorize(party.conf.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier)))
		if _, st, v := b.signIn(flow, "alice.crypto", w.Alice); st != 200 {
			t.Fatalf("verify %d %v", st, v)
		}
		_, acc := b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet", "email", "profile:name"}})
		tok, err := party.conf.Exchange(ctx(t), b.redirectParams(acc["redirect_to"].(string), "query").Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		idt, err := party.verifier.Verify(ctx(t), tok.Extra("id_token").(string))
		if err != nil {
			t.Fatal(err)
		}
		var c map[string]any
		idt.Claims(&c)
		if c["sub"] != "alice.crypto" || c["email"] != "alice@chain.example" || c["name"] != "Alice on chain" || c["wallet_address"] != addr(w.Alice) {
			t.Fatalf("claims %v", c)
		}
	})
	t.Run("L2 owner wins", func(t *testing.T) {
		b := newBrowser(t, w.Issuer)
		flow := b.authorize(in2auth(w.instance, id))
		st, ch := b.api("/login/challenge", map[string]any{"flow": flow, "domain": "carol.crypto"})
		if st != 200 || ch["address"] != addr(w.Bob) {
			t.Fatalf("challenge %d %v, want the L2 owner %s", st, ch, addr(w.Bob))
		}
		msg := ch["message"].(string)
		if st, v := b.api("/login/verify", map[string]any{"flow": flow, "signature": sign(t, w.Alice, msg)}); st != 401 || v["error"] != "request_unauthorized" {
			t.Fatalf("the L1 owner signed: %d %v", st, v)
		}
		if st, v := b.api("/login/verify", map[string]any{"flow": flow, "signature": sign(t, w.Bob, msg)}); st != 200 {
			t.Fatalf("the L2 owner signed: %d %v", st, v)
		}
	})
	t.Run("contract wallet (EIP-1271)", func(t *testing.T) {
		b := newBrowser(t, w.Issuer)
		flow := b.authorize(in2auth(w.instance, id))
		st, ch := b.api("/login/challenge", map[string]any{"flow": flow, "domain": "safe.crypto"})
		if st != 200 || ch["address"] != w.walletOwner.Hex() {
			t.Fatalf("challenge %d %v", st, ch)
		}
		msg := ch["message"].(string)
		other, _ := crypto.GenerateKey()
		bad := fmt.Sprintf("0x%x", chaintest.SignHash(t, other, siwe.Hash(msg)))
		if st, v := b.api("/login/verify", map[string]any{"flow": flow, "signature": bad}); st != 401 {
			t.Fatalf("a non-signer of the wallet: %d %v", st, v)
		}
		good := fmt.Sprintf("0x%x", chaintest.SignHash(t, w.dave, siwe.Hash(msg)))
		if st, v := b.api("/login/verify", map[string]any{"flow": flow, "signature": good}); st != 200 {
			t.Fatalf("the wallet's signer: %d %v", st, v)
		}
	})
	t.Run("reverse resolution", func(t *testing.T) {
		b := newBrowser(t, w.Issuer)
		flow := b.authorize(in2auth(w.instance, id))
		st, out := b.api("/login/reverse", map[string]any{"flow": flow, "address": strings.ToLower(addr(w.Alice))})
		domains, _ := out["domains"].([]any)
		if st != 200 || len(domains) != 1 || domains[0] != "alice.crypto" {
			t.Fatalf("reverse %d %v", st, out)
		}
		st, out = b.api("/login/reverse", map[string]any{"flow": flow, "address": addr(w.Bob)})
		if domains, _ := out["domains"].([]any); st != 200 || len(domains) != 0 {
			t.Fatalf("reverse of an address without reverse record: %d %v", st, out)
		}
		if st, out := b.api("/login/reverse", map[string]any{"flow": flow, "address": "0x12"}); st != 400 || out["error"] != "invalid_request" {
			t.Fatalf("reverse of a bad address: %d %v", st, out)
		}
	})
	// Last: expiring a domain moves the chain's clock for every deployment.
	t.Run("unregistered and expired domains", func(t *testing.T) {
		b := newBrowser(t, w.Issuer)
		flow := b.authorize(in2auth(w.instance, id))
		if st, out := b.api("/login/challenge", map[string]any{"flow": flow, "domain": "nobody.crypto"}); st != 404 || out["error"] != "not_found" {
			t.Fatalf("unregistered: %d %v", st, out)
		}
		// Two domains minted alike for Alice, never looked up by Sigil
		// before (so nothing of them is cached); one of them expires on
		// chain (UNSRegistry setExpiry, then the chain's clock moves past
		// it).
		alice := crypto.PubkeyToAddress(w.Alice.PublicKey)
		w.l1.Mint(t, "kept.crypto", alice, nil)
		w.l1.Mint(t, "lapsed.crypto", alice, nil)
		w.l1.Expire(t, "lapsed.crypto")
		if got := w.l1.OwnerOf(t, "lapsed.crypto"); got != (common.Address{}) {
			t.Fatalf("the registry still reports owner %s for the expired domain", got.Hex())
		}
		if got := w.l1.OwnerOf(t, "kept.crypto"); got != alice {
			t.Fatalf("the registry reports owner %s for the domain that did not expire", got.Hex())
		}
		// The domain that did not expire signs in; the expired one is
		// unknown to Sigil, even for the wallet that held it.
		if st, ch := b.api("/login/challenge", map[string]any{"flow": flow, "domain": "kept.crypto"}); st != 200 || ch["address"] != alice.Hex() {
			t.Fatalf("the domain that did not expire: %d %v", st, ch)
		}
		b = newBrowser(t, w.Issuer)
		flow = b.authorize(in2auth(w.instance, id))
		if st, out := b.api("/login/challenge", map[string]any{"flow": flow, "domain": "lapsed.crypto"}); st != 404 || out["error"] != "not_found" {
			t.Fatalf("expired: %d %v, want 404 not_found", st, out)
		}
	})
}

// TestChainOutageIsTemporarilyUnavailable: with the node unreachable, the
// person gets a 503 they can retry, not a 500.
func TestChainOutageIsTemporarilyUnavailable(t *testing.T) {
	dead := "http://" + freeAddr(t) // nothing listens there
	in := &instance{AdminToken: "e2e-admin-token-0123456789", DataDir: t.TempDir()}
	in.Alice, _ = crypto.GenerateKey()
	in.Bob, _ = crypto.GenerateKey()
	in = runWith(t, in, []string{"--domains", "uns", "--uns-l1-rpc", dead})
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	b := newBrowser(t, in.Issuer)
	flow := b.authorize(in2auth(in, id))
	st, out := b.api("/login/challenge", map[string]any{"flow": flow, "domain": "alice.crypto"})
	if st != 503 || out["error"] != "temporarily_unavailable" {
		t.Fatalf("challenge during an outage: %d %v", st, out)
	}
}

func in2auth(in *instance, id string) string {
	return in.Issuer + "/oauth2/auth?" + authParams(id).Encode()
}

func oneEther() *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil) }
