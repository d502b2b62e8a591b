// Package chaintest runs a real Ethereum chain for tests: go-ethereum's
// simulated backend, served over HTTP JSON-RPC on 127.0.0.1, with the
// Unstoppable Domains contracts deployed from the bytecode that the npm
// package @unstoppabledomains/uns ships (testdata/npm).
//
// Code that reads domain ownership over JSON-RPC is only worth trusting if it
// has talked to the contracts it will meet in production, through the same
// transport. A fake that answers eth_call with canned bytes would test
// Sigil's idea of the ABI against itself; the simulated backend executes the
// real EVM bytecode, and the HTTP server is go-ethereum's own, so request
// encoding, error responses and timeouts are the real ones too.
//
// Every transaction a helper sends is mined into a block of its own before
// the helper returns (the simulated beacon seals on Commit), so tests never
// see pending state and need no waiting. The package is ordinary (non-test)
// Go so that tests in any package can import it; nothing outside tests
// should.
package chaintest

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/params"
)

// ChainID is the chain id of a chain from Start: go-ethereum's simulated
// backend uses 1337 (the conventional id of a local development chain).
// StartWithChainID starts one with another id, so that tests can tell two
// networks (an L1 and an L2) apart by it.
var ChainID = big.NewInt(1337)

// startAttempts bounds the retries when the free port found for the HTTP
// server is taken by someone else before the node binds it.
const startAttempts = 5

// Chain is one running simulated chain. Its methods are safe for concurrent
// use; transactions are sent one at a time and each is mined into its own
// block before the method returns, so a test never sees pending state.
type Chain struct {
	// RPCURL is the HTTP JSON-RPC endpoint, http://127.0.0.1:<port>.
	RPCURL string
	// ChainID is the chain id (ChainID, unless StartWithChainID chose).
	ChainID *big.Int
	// DeployerKey is the key of the account funded at genesis, which
	// deploys contracts and acts as the UNS minting manager.
	DeployerKey *ecdsa.PrivateKey
	// Deployer is the address of DeployerKey.
	Deployer common.Address

	backend *simulated.Backend
	client  simulated.Client
	mu      sync.Mutex // serializes sending and mining
}

// Start starts a chain whose JSON-RPC server listens on 127.0.0.1 on a free
// port, and stops it when the test ends. The deployer account holds a large
// balance from genesis.
func Start(t testing.TB) *Chain {
	t.Helper()
	return start(t, ChainID)
}

// StartWithChainID is Start for a chain whose EIP-155 chain id (what
// eth_chainId answers and transactions are signed for) is id.
func StartWithChainID(t testing.TB, id int64) *Chain {
	t.Helper()
	return start(t, big.NewInt(id))
}

func start(t testing.TB, chainID *big.Int) *Chain {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatalf("chaintest: generate deployer key: %v", err)
	}
	deployer := crypto.PubkeyToAddress(key.PublicKey)
	alloc := types.GenesisAlloc{
		deployer: {Balance: new(big.Int).Mul(big.NewInt(1_000_000), big.NewInt(params.Ether))},
	}

	var (
		backend *simulated.Backend
		url     string
		lastErr error
	)
	for range startAttempts {
		port, err := freePort()
		if err != nil {
			t.Fatalf("chaintest: find a free port: %v", err)
		}
		backend, lastErr = newBackend(alloc, port, chainID)
		if lastErr == nil {
			url = fmt.Sprintf("http://127.0.0.1:%d", port)
			break
		}
	}
	if backend == nil {
		t.Fatalf("chaintest: start simulated chain: %v", lastErr)
	}
	t.Cleanup(func() { _ = backend.Close() })

	return &Chain{
		RPCURL:      url,
		ChainID:     new(big.Int).Set(chainID),
		DeployerKey: key,
		Deployer:    deployer,
		backend:     backend,
		client:      backend.Client(),
	}
}

// newBackend starts a simulated backend whose node serves the eth, net and
// web3 namespaces over HTTP on 127.0.0.1:port. simulated.NewBackend panics
// when the node cannot start (the port was taken meanwhile); that is turned
// into an error so Start can try another port.
func newBackend(alloc types.GenesisAlloc, port int, chainID *big.Int) (b *simulated.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("simulated backend on port %d: %v", port, r)
		}
	}()
	b = simulated.NewBackend(alloc, func(nc *node.Config, ec *ethconfig.Config) {
		// The development chain's rules, under the chain id asked for.
		rules := *ec.Genesis.Config
		rules.ChainID = new(big.Int).Set(chainID)
		ec.Genesis.Config = &rules
		nc.HTTPHost = "127.0.0.1"
		nc.HTTPPort = port
		nc.HTTPModules = []string{"eth", "net", "web3"}
		// Requests addressed to an IP literal pass the virtual-host check
		// anyway; "localhost" keeps the default for clients that use it.
		nc.HTTPVirtualHosts = []string{"localhost"}
		nc.WSHost = ""
		nc.IPCPath = ""
	})
	return b, nil
}

// freePort asks the kernel for a free TCP port on 127.0.0.1. The port is
// released again before the node binds it, so another process could take it
// in between; Start retries in that case.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Client returns an in-process client of the chain, for test set-up that
// need not go through HTTP.
func (c *Chain) Client() simulated.Client { return c.client }

// NewAccount creates a key and funds its address with 10 ether from the
// deployer, so that the account can send transactions (set a reverse record,
// transfer a domain).
func (c *Chain) NewAccount(t testing.TB) (*ecdsa.PrivateKey, common.Address) {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatalf("chaintest: generate key: %v", err)
	}
	addr := crypto.PubkeyToAddress(key.PublicKey)
	c.Fund(t, addr, new(big.Int).Mul(big.NewInt(10), big.NewInt(params.Ether)))
	return key, addr
}

// Fund sends wei from the deployer to addr.
func (c *Chain) Fund(t testing.TB, addr common.Address, wei *big.Int) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	nonce, err := c.client.PendingNonceAt(ctx, c.Deployer)
	if err != nil {
		t.Fatalf("chaintest: nonce: %v", err)
	}
	head, err := c.client.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatalf("chaintest: head: %v", err)
	}
	tip := big.NewInt(params.GWei)
	feeCap := new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), tip)
	tx, err := types.SignNewTx(c.DeployerKey, types.LatestSignerForChainID(c.ChainID), &types.DynamicFeeTx{
		ChainID:   c.ChainID,
		Nonce:     nonce,
		GasTipCap: tip,
		GasFeeCap: feeCap,
		Gas:       params.TxGas,
		To:        &addr,
		Value:     wei,
	})
	if err != nil {
		t.Fatalf("chaintest: sign transfer: %v", err)
	}
	if err := c.client.SendTransaction(ctx, tx); err != nil {
		t.Fatalf("chaintest: send transfer: %v", err)
	}
	c.mineLocked(t, ctx, tx, "fund "+addr.Hex())
}

// transactor returns transaction options signing with key.
func (c *Chain) transactor(key *ecdsa.PrivateKey) *bind.TransactOpts {
	return bind.NewKeyedTransactor(key, c.ChainID)
}

// deploy deploys bytecode with the ABI-encoded constructor input from the
// deployer account and mines it, returning the new contract's address.
func (c *Chain) deploy(t testing.TB, what string, bytecode, input []byte) common.Address {
	t.Helper()
	return c.deployFrom(t, c.DeployerKey, what, bytecode, input)
}

// deployFrom is deploy from the account of key.
func (c *Chain) deployFrom(t testing.TB, key *ecdsa.PrivateKey, what string, bytecode, input []byte) common.Address {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := c.transactor(key)
	opts.Context = ctx
	addr, tx, err := bind.DeployContract(opts, bytecode, c.client, input)
	if err != nil {
		t.Fatalf("chaintest: deploy %s: %v", what, err)
	}
	c.mineLocked(t, ctx, tx, "deploy "+what)
	return addr
}

// transact sends a call of method on contract, signed by key, and mines it.
func (c *Chain) transact(t testing.TB, key *ecdsa.PrivateKey, contract *bind.BoundContract, method string, args ...any) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	opts := c.transactor(key)
	opts.Context = ctx
	tx, err := contract.Transact(opts, method, args...)
	if err != nil {
		t.Fatalf("chaintest: %s: %v", method, err)
	}
	c.mineLocked(t, ctx, tx, method)
}

// mineLocked seals a block holding tx and checks that tx succeeded. The
// caller holds c.mu.
func (c *Chain) mineLocked(t testing.TB, ctx context.Context, tx *types.Transaction, what string) {
	t.Helper()
	var receipt *types.Receipt
	for attempt := 0; ; attempt++ {
		c.backend.Commit()
		var err error
		receipt, err = c.client.TransactionReceipt(ctx, tx.Hash())
		if err == nil {
			break
		}
		// A transaction the pool had not yet made pending when the block
		// was sealed goes into the next one.
		if !errors.Is(err, ethereum.NotFound) || attempt == 10 {
			t.Fatalf("chaintest: %s: receipt of %s: %v", what, tx.Hash(), err)
		}
	}
	if receipt.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("chaintest: %s: transaction %s failed (gas used %d of %d)", what, tx.Hash(), receipt.GasUsed, tx.Gas())
	}
}

// errNoModules is reported when the npm packages have not been installed.
var errNoModules = errors.New("testdata/npm/node_modules is missing: run `npm ci --ignore-scripts` in testdata/npm (at the repository root)")

// splitName returns the labels of a domain name, as UNS contracts take them.
func splitName(name string) []string { return strings.Split(name, ".") }
