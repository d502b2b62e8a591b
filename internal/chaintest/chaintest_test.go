package chaintest

import (
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
)

// TestUNSOverHTTP checks the fixture itself: the contracts deploy, minting
// and reverse records work, and everything is readable through the HTTP
// endpoint, as a resolver will read it.
func TestUNSOverHTTP(t *testing.T) {
	t.Parallel()
	c := Start(t)
	u := c.DeployUNS(t)
	key, owner := c.NewAccount(t)
	u.Mint(t, "alice.crypto", owner, map[string]string{"crypto.ETH.address": owner.Hex()})
	u.SetReverse(t, key, "alice.crypto")

	ec, err := ethclient.DialContext(context.Background(), c.RPCURL)
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	id, err := ec.ChainID(context.Background())
	if err != nil {
		t.Fatalf("chain id over HTTP: %v", err)
	}
	if id.Cmp(ChainID) != 0 {
		t.Errorf("chain id = %v, want %v", id, ChainID)
	}
	reader := bind.NewBoundContract(u.ProxyReader, LoadArtifact(t, "ProxyReader").ABI, ec, ec, ec)
	call := func(method string, args ...any) []any {
		t.Helper()
		var out []any
		if err := reader.Call(nil, &out, method, args...); err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		return out
	}

	out := call("getData", []string{"crypto.ETH.address"}, TokenID("alice.crypto"))
	if out[0] != u.Registry || out[1] != owner || out[2].([]string)[0] != owner.Hex() {
		t.Errorf("getData(alice.crypto) = %v, want resolver %v, owner %v and its address record", out, u.Registry, owner)
	}
	out = call("getData", []string{"crypto.ETH.address"}, TokenID("nobody.crypto"))
	if out[1] != (common.Address{}) {
		t.Errorf("getData(nobody.crypto) owner = %v, want zero", out[1])
	}
	if got := call("reverseNameOf", owner)[0]; got != "alice.crypto" {
		t.Errorf("reverseNameOf = %q, want alice.crypto", got)
	}
	if got := call("exists", TokenID("crypto"))[0]; got != true {
		t.Errorf("TLD crypto does not exist")
	}

	u.Expire(t, "alice.crypto")
	if got := u.OwnerOf(t, "alice.crypto"); got != (common.Address{}) {
		t.Errorf("owner after expiry = %v, want zero", got)
	}
}

// TestTokenID checks TokenID against the registry's own namehash.
func TestTokenID(t *testing.T) {
	t.Parallel()
	c := Start(t)
	u := c.DeployUNS(t)
	for _, name := range []string{"crypto", "brad.crypto", "a.b.wallet"} {
		var out []any
		if err := u.registry.Call(nil, &out, "namehash", splitName(name)); err != nil {
			t.Fatal(err)
		}
		if want := TokenID(name); out[0].(*big.Int).Cmp(want) != 0 {
			t.Errorf("TokenID(%s) = %x, registry says %x", name, want, out[0])
		}
	}
}

// TestERC1271Wallet checks the signing convention documented on
// DeployERC1271Wallet against the contract.
func TestERC1271Wallet(t *testing.T) {
	t.Parallel()
	c := Start(t)
	key, signer := c.NewAccount(t)
	wallet := c.DeployERC1271Wallet(t, signer)
	w := bind.NewBoundContract(wallet, LoadArtifact(t, "ERC1271SimpleWallet").ABI, c.client, c.client, c.client)
	hash := crypto.Keccak256Hash([]byte("hello"))
	var out []any
	if err := w.Call(nil, &out, "isValidSignature", hash, SignHash(t, key, hash)); err != nil {
		t.Fatal(err)
	}
	if got := out[0].([4]byte); got != [4]byte{0x16, 0x26, 0xba, 0x7e} {
		t.Errorf("isValidSignature = %x, want 1626ba7e", got)
	}
}
