package chaintest

import (
	"context"
	"crypto/ecdsa"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// DefaultTLDs are the top-level domains DeployUNS mints: a few of those UNS
// serves on mainnet and Polygon, enough for tests to use more than one.
var DefaultTLDs = []string{"crypto", "wallet", "x", "nft", "dao"}

// UNS is one deployment of the Unstoppable Domains registry and its
// ProxyReader, laid out as on mainnet and Polygon: UNSRegistry and
// ProxyReader each behind an OpenZeppelin TransparentUpgradeableProxy owned
// by a ProxyAdmin. Two deployments on one chain stand in for UNS on L1
// (Ethereum) and L2 (Polygon): resolvers only ever see a ProxyReader address
// and an RPC URL, so two registries are as good as two chains for them.
type UNS struct {
	// Chain is the chain the contracts live on.
	Chain *Chain
	// Registry is the address of the UNSRegistry proxy.
	Registry common.Address
	// ProxyReader is the address of the ProxyReader proxy, the one address
	// a resolver is configured with.
	ProxyReader common.Address
	// ProxyAdmin is the address of the ProxyAdmin that owns both proxies.
	ProxyAdmin common.Address

	registry *bind.BoundContract
	reader   *bind.BoundContract
}

// DeployUNS deploys UNSRegistry and ProxyReader behind proxies, with the
// chain's deployer as the registry's minting manager (so tests can mint
// without MintingManager and its pricing), no CNS registry, no Polygon
// bridge managers, and mints DefaultTLDs.
//
// The sequence: ProxyAdmin; the UNSRegistry implementation;
// TransparentUpgradeableProxy(implementation, admin, initialize(...)), so the
// proxy is initialized in its own constructor and nobody can front-run
// initialize; the same for ProxyReader with initialize(registry, no CNS);
// then registry.addProxyReader(reader), which on mainnet lets the registry
// hide names moved to another chain from the reader. The admin is a
// ProxyAdmin contract, not the deployer, because a transparent proxy never
// forwards its admin's calls to the implementation (OpenZeppelin 4.x), and
// the deployer must call the registry as its minting manager.
func (c *Chain) DeployUNS(t testing.TB) *UNS {
	t.Helper()
	adminArt := LoadArtifact(t, "ProxyAdmin")
	proxyArt := LoadArtifact(t, "TransparentUpgradeableProxy")
	regArt := LoadArtifact(t, "UNSRegistry")
	readerArt := LoadArtifact(t, "ProxyReader")

	admin := c.deploy(t, "ProxyAdmin", adminArt.Bytecode, nil)

	regImpl := c.deploy(t, "UNSRegistry implementation", regArt.Bytecode, nil)
	regInit, err := regArt.ABI.Pack("initialize", c.Deployer, common.Address{}, common.Address{}, common.Address{})
	if err != nil {
		t.Fatalf("chaintest: pack UNSRegistry.initialize: %v", err)
	}
	regProxyInput, err := proxyArt.ABI.Pack("", regImpl, admin, regInit)
	if err != nil {
		t.Fatalf("chaintest: pack proxy constructor: %v", err)
	}
	registry := c.deploy(t, "UNSRegistry proxy", proxyArt.Bytecode, regProxyInput)

	readerImpl := c.deploy(t, "ProxyReader implementation", readerArt.Bytecode, nil)
	readerInit, err := readerArt.ABI.Pack("initialize", registry, common.Address{})
	if err != nil {
		t.Fatalf("chaintest: pack ProxyReader.initialize: %v", err)
	}
	readerProxyInput, err := proxyArt.ABI.Pack("", readerImpl, admin, readerInit)
	if err != nil {
		t.Fatalf("chaintest: pack proxy constructor: %v", err)
	}
	reader := c.deploy(t, "ProxyReader proxy", proxyArt.Bytecode, readerProxyInput)

	u := &UNS{
		Chain:       c,
		Registry:    registry,
		ProxyReader: reader,
		ProxyAdmin:  admin,
		registry:    bind.NewBoundContract(registry, regArt.ABI, c.client, c.client, c.client),
		reader:      bind.NewBoundContract(reader, readerArt.ABI, c.client, c.client, c.client),
	}
	c.transact(t, c.DeployerKey, u.registry, "addProxyReader", reader)
	for _, tld := range DefaultTLDs {
		u.MintTLD(t, tld)
	}
	return u
}

// MintTLD mints the top-level domain tld to the minting manager.
func (u *UNS) MintTLD(t testing.TB, tld string) {
	t.Helper()
	u.Chain.transact(t, u.Chain.DeployerKey, u.registry, "mintTLD", TokenID(tld), tld)
}

// Mint mints name (lowercase, "alice.crypto") to owner with the given
// records, without a reverse record (see SetReverse).
func (u *UNS) Mint(t testing.TB, name string, owner common.Address, records map[string]string) {
	t.Helper()
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range records {
			if !yield(k) {
				return
			}
		}
	})
	values := make([]string, len(keys))
	for i, k := range keys {
		values[i] = records[k]
	}
	u.Chain.transact(t, u.Chain.DeployerKey, u.registry, "mintWithRecords", owner, splitName(name), keys, values, false)
}

// SetRecords sets records of name, signed by ownerKey (the owner or an
// approved operator).
func (u *UNS) SetRecords(t testing.TB, ownerKey *ecdsa.PrivateKey, name string, records map[string]string) {
	t.Helper()
	var keys, values []string
	for k, v := range records {
		keys = append(keys, k)
		values = append(values, v)
	}
	u.Chain.transact(t, ownerKey, u.registry, "setMany", keys, values, TokenID(name))
}

// SetReverse points the reverse record of ownerKey's address at name, which
// that address must own (UNSRegistry.setReverse(string[] labels)).
func (u *UNS) SetReverse(t testing.TB, ownerKey *ecdsa.PrivateKey, name string) {
	t.Helper()
	u.Chain.transact(t, ownerKey, u.registry, "setReverse", splitName(name))
}

// Transfer moves name from the owner holding ownerKey to to. Like any ERC-721
// transfer it clears the records and the old owner's reverse record.
func (u *UNS) Transfer(t testing.TB, ownerKey *ecdsa.PrivateKey, name string, to common.Address) {
	t.Helper()
	from := crypto.PubkeyToAddress(ownerKey.PublicKey)
	u.Chain.transact(t, ownerKey, u.registry, "transferFrom", from, to, TokenID(name))
}

// Burn destroys name, signed by its owner: afterwards nobody owns it.
func (u *UNS) Burn(t testing.TB, ownerKey *ecdsa.PrivateKey, name string) {
	t.Helper()
	u.Chain.transact(t, ownerKey, u.registry, "burn", TokenID(name))
}

// Expire makes name expired: it sets the domain's expiry (UNSRegistry
// setExpiry, a minting-manager call) a little ahead of the chain's clock and
// then moves the clock a minute forward. An expired domain keeps its token
// but the registry reports the zero owner for it. The clock is the chain's,
// so every deployment on the chain sees the jump.
func (u *UNS) Expire(t testing.TB, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	head, err := u.Chain.client.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatalf("chaintest: head: %v", err)
	}
	u.Chain.transact(t, u.Chain.DeployerKey, u.registry, "setExpiry", head.Time+30, TokenID(name))
	u.Chain.mu.Lock()
	defer u.Chain.mu.Unlock()
	// AdjustTime refuses while the transaction pool still lists a
	// transaction as pending, and the pool forgets mined transactions
	// asynchronously after each block.
	for attempt := 0; ; attempt++ {
		err := u.Chain.backend.AdjustTime(time.Minute)
		if err == nil {
			return
		}
		if attempt == 1000 {
			t.Fatalf("chaintest: move the clock: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// OwnerOf reads the owner of name from the ProxyReader (the zero address
// when nobody owns it), for tests that check set-up.
func (u *UNS) OwnerOf(t testing.TB, name string) common.Address {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []any
	if err := u.reader.Call(&bind.CallOpts{Context: ctx}, &out, "ownerOf", TokenID(name)); err != nil {
		t.Fatalf("chaintest: ownerOf(%s): %v", name, err)
	}
	return out[0].(common.Address)
}

// DeployERC1271Wallet deploys the package's ERC1271SimpleWallet owned by
// signer, a contract account that can own domains but has no key of its own.
// Its isValidSignature(hash, signature) (EIP-1271) returns the magic value
// 0x1626ba7e when ecrecover(hash, signature) is signer: the hash is signed as
// is, without the EIP-191 "\x19Ethereum Signed Message" prefix, and the
// signature is 65 bytes r || s || v with v = 27 or 28 (OpenZeppelin ECDSA,
// which also reverts on a malformed signature). It returns 0 for any other
// recovered address.
func (c *Chain) DeployERC1271Wallet(t testing.TB, signer common.Address) common.Address {
	t.Helper()
	return c.DeployERC1271WalletFrom(t, c.DeployerKey, signer)
}

// DeployERC1271WalletFrom is DeployERC1271Wallet sent from the (funded)
// account of deployerKey. A contract's address depends only on its deployer
// and the deployer's nonce (CREATE), so one key deploying at the same nonce
// on two chains gets the same address on both, with whatever signer each
// deployment names: the situation cross-chain tests of contract wallets
// need.
func (c *Chain) DeployERC1271WalletFrom(t testing.TB, deployerKey *ecdsa.PrivateKey, signer common.Address) common.Address {
	t.Helper()
	art := LoadArtifact(t, "ERC1271SimpleWallet")
	input, err := art.ABI.Pack("", signer)
	if err != nil {
		t.Fatalf("chaintest: pack ERC1271SimpleWallet constructor: %v", err)
	}
	return c.deployFrom(t, deployerKey, "ERC1271SimpleWallet", art.Bytecode, input)
}

// SignHash signs hash the way ERC1271SimpleWallet verifies it: a plain
// secp256k1 signature of the 32 bytes, v in {27, 28}.
func SignHash(t testing.TB, key *ecdsa.PrivateKey, hash [32]byte) []byte {
	t.Helper()
	sig, err := crypto.Sign(hash[:], key)
	if err != nil {
		t.Fatalf("chaintest: sign: %v", err)
	}
	sig[64] += 27
	return sig
}

// TokenID is the UNS token id of name: its EIP-137 namehash as a uint256.
// Sigil's resolver has its own Namehash; this independent copy keeps the
// fixture from trusting the code under test.
func TokenID(name string) *big.Int {
	node := make([]byte, 32)
	labels := splitName(name)
	for i := len(labels) - 1; i >= 0; i-- {
		node = crypto.Keccak256(node, crypto.Keccak256([]byte(labels[i])))
	}
	return new(big.Int).SetBytes(node)
}
