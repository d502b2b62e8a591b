// Package uns reads domain ownership from Unstoppable Domains' registry
// (UNS) on chain, over Ethereum JSON-RPC: the sigil.DomainResolver,
// sigil.ReverseResolver and sigil.ContractWallets that let people sign in
// with a domain they hold in a wallet rather than one an operator typed into
// a file.
//
// UNS lives on two networks: Ethereum mainnet (L1) and Polygon (L2). Each
// has a ProxyReader contract, a read-only facade over the registries there;
// a domain's token id is the EIP-137 namehash of its name (see Namehash),
// and ProxyReader.getData returns its owner and records in one eth_call.
// The rules for combining the two answers are those of the official
// resolution library (@unstoppabledomains/resolution 9.3.3, Uns.get): ask
// both at once; a non-zero owner on L2 wins (a domain moved from Ethereum to
// Polygon stays behind on L1, held by the bridge); otherwise L1 decides; a
// zero owner on both means the domain is not registered (an expired domain
// also reports the zero owner, so the owner alone decides, not the resolver
// address). Owners are returned in their EIP-55 checksummed form.
//
// Failures are never mistaken for answers. Any transport error, JSON-RPC
// error, timeout or malformed reply wraps sigil.ErrResolverUnavailable. If
// L1 fails but L2 names an owner, that owner is the answer (L1 could not have
// overridden it). If L2 fails, nothing is answered even when L1 has an owner:
// L2 might hold a newer owner, and a sign-in decided by the stale L1 token
// would let the domain's previous holder in. The library makes the same
// choice.
//
// Answers are cached (found ones for Config.CacheTTL, not-found ones for at
// most five seconds, so a newly minted domain works soon after minting) and
// concurrent look-ups of one name share one pair of eth_calls
// (golang.org/x/sync/singleflight). Not-found answers live in a cache of
// their own, smaller than that of found ones: names anyone can make up
// cannot push real domains out of memory and make every sign-in pay for
// its look-up again. Whether an owner holds contract code (eth_getCode)
// and the reverse records of an address are cached too, for CacheTTL, each
// in its own bounded cache, so a stream of bad signatures or of reverse
// look-ups costs the RPC provider one call per owner or address and TTL,
// not one per request. Errors are not cached. ResolveFresh reads past the
// cache (and refreshes it), for the one check that must see a transfer at
// once: the sign-in's last ownership check. The package logs nothing;
// callers log the errors it returns.
package uns

// The bindings are generated with go-ethereum's abigen (its v2 output, whose
// runtime package accounts/abi/bind/v2 is the one go-ethereum maintains;
// the v1 runtime is deprecated). The ProxyReader ABI is copied verbatim from
// the npm package @unstoppabledomains/uns 1.0.17 (testdata/npm: run
// `npm ci --ignore-scripts` there first); the IERC1271 ABI is written from
// EIP-1271. abigen runs at the go-ethereum version of go.mod, but outside
// this module, because building cmd/abigen inside it would pull the
// command's own dependencies into go.mod.
//
//go:generate node -e "require('fs').writeFileSync('proxyreader.abi.json', JSON.stringify(require('../../../testdata/npm/node_modules/@unstoppabledomains/uns/artifacts/ProxyReader.json').abi, null, 2) + '\\n')"
//go:generate go run github.com/ethereum/go-ethereum/cmd/abigen@v1.17.10 --v2 --abi proxyreader.abi.json --pkg uns --type ProxyReader --out proxyreader.go
//go:generate go run github.com/ethereum/go-ethereum/cmd/abigen@v1.17.10 --v2 --abi ierc1271.abi.json --pkg uns --type IERC1271 --out ierc1271.go

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"
	"golang.org/x/sync/singleflight"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/cache"
	"github.com/sigil-oidc/sigil/internal/domains"
)

// Defaults for the zero values of Config.
const (
	// DefaultTimeout bounds each JSON-RPC call. Public RPC providers answer
	// an eth_call in well under a second; five seconds tolerates a slow
	// one without holding a sign-in page for long.
	DefaultTimeout = 5 * time.Second
	// DefaultCacheTTL is how long a found domain is served from memory.
	// Ownership changes take a block (seconds) to happen anyway, and a
	// sign-in resolves a domain a few times within a minute.
	DefaultCacheTTL = 30 * time.Second
	// DefaultCacheSize caps the cached found domains.
	DefaultCacheSize = 10000
	// DefaultNotFoundCacheSize caps the cached not-found answers, kept
	// apart from found ones (see the package documentation). Its entries
	// live five seconds, so it only needs to hold a burst of made-up names.
	DefaultNotFoundCacheSize = 1000
	// DefaultCodeCacheSize caps the cached eth_getCode answers. Only
	// owners of registered domains are ever asked about, so it fills only
	// as fast as people sign in with different domains.
	DefaultCodeCacheSize = 1000
	// DefaultReverseCacheSize caps the cached reverse records. Anyone
	// with a live flow can ask about any address, so the cache is bounded
	// and kept apart from the domains.
	DefaultReverseCacheSize = 1000
	// maxNotFoundTTL caps how long "not registered" is cached, so that a
	// person who has just minted a domain can use it almost at once.
	maxNotFoundTTL = 5 * time.Second
)

// erc1271MagicValue is what isValidSignature returns for a valid signature:
// bytes4(keccak256("isValidSignature(bytes32,bytes)")) (EIP-1271).
var erc1271MagicValue = [4]byte{0x16, 0x26, 0xba, 0x7e}

// Network is one chain UNS lives on: where to send JSON-RPC and the
// ProxyReader contract to ask there.
type Network struct {
	// Name names the network in errors ("mainnet", "polygon").
	Name string
	// RPCURL is the JSON-RPC endpoint (http, https, ws or wss), usually a
	// provider URL with an API key, which is why it comes from
	// configuration rather than from this package.
	RPCURL string
	// ProxyReader is the address of the ProxyReader contract.
	ProxyReader string
}

// Mainnet is UNS on Ethereum mainnet (chain id 1), the L1. The ProxyReader
// address is the one in uns-config.json of @unstoppabledomains/uns 1.0.17.
// RPCURL must be set by the caller.
var Mainnet = Network{Name: "mainnet", ProxyReader: "0x578853aa776Eef10CeE6c4dd2B5862bdcE767A8B"}

// Polygon is UNS on Polygon PoS (chain id 137), the L2, where most domains
// are minted today. RPCURL must be set by the caller.
var Polygon = Network{Name: "polygon", ProxyReader: "0x91EDd8708062bd4233f4Dd0FCE15A7cb4d500091"}

// Config configures a Resolver. Zero durations and sizes take the defaults.
type Config struct {
	// L1 is the network whose answer counts when L2 has no owner
	// (Mainnet, with an RPC URL).
	L1 Network
	// L2 is the network whose non-zero owner wins (Polygon), or nil to
	// read L1 only (a private deployment, a test chain).
	L2 *Network
	// Timeout bounds each JSON-RPC call (DefaultTimeout).
	Timeout time.Duration
	// CacheTTL is how long a found domain is cached (DefaultCacheTTL).
	// Not-found answers are cached for at most five seconds.
	CacheTTL time.Duration
	// CacheSize caps the number of cached found domains
	// (DefaultCacheSize).
	CacheSize int
	// NotFoundCacheSize caps the cached not-found answers
	// (DefaultNotFoundCacheSize); CodeCacheSize the cached eth_getCode
	// answers (DefaultCodeCacheSize); ReverseCacheSize the cached reverse
	// records of addresses (DefaultReverseCacheSize). The last two live
	// for CacheTTL.
	NotFoundCacheSize int
	CodeCacheSize     int
	ReverseCacheSize  int
	// RecordKeys are the record keys fetched with every look-up (with
	// getData, in the same eth_call as the owner), for example
	// "crypto.ETH.address" or the WebFinger issuer key; see
	// resolver-keys.json in @unstoppabledomains/uns for standard keys.
	RecordKeys []string
}

// Resolver answers who owns a UNS domain, which domains an address points
// back to, and whether a contract wallet accepts a signature. It is safe for
// concurrent use; Close releases its connections.
type Resolver struct {
	l1, l2     *network // l2 is nil without an L2
	timeout    time.Duration
	foundTTL   time.Duration
	missingTTL time.Duration
	keys       []string

	reader *ProxyReader
	wallet *IERC1271

	answers  *cache.LRU[string, answer]   // found domains
	missing  *cache.LRU[string, struct{}] // names without an owner
	codes    *cache.LRU[codeKey, bool]    // whether an address holds code, per network
	reverses *cache.LRU[string, []string] // reverse records of an address, one per network
	flights  singleflight.Group
	calls    atomic.Uint64

	// now is the clock of the cache; tests replace it.
	now func() time.Time
}

var (
	_ sigil.DomainResolver  = (*Resolver)(nil)
	_ sigil.ReverseResolver = (*Resolver)(nil)
	_ sigil.ContractWallets = (*Resolver)(nil)
	_ domains.FreshResolver = (*Resolver)(nil)
	_ domains.OwnerResolver = (*Resolver)(nil)
)

// network is a dialled Network.
type network struct {
	name   string // Network.Name, or the layer when that is empty
	layer  string // "L1" or "L2"
	client *ethclient.Client
	reader common.Address
	// chainID is the network's EIP-155 chain id once eth_chainId answered
	// (see Resolver.chainID); 0 until then.
	chainID atomic.Int64
}

// codeKey names an address on one network, for the eth_getCode cache.
type codeKey struct {
	layer string
	addr  common.Address
}

// answer is the outcome of one look-up, as cached: either a domain and the
// network its owner was read from, or not found.
type answer struct {
	found  bool
	domain sigil.Domain
	on     *network
}

// New checks cfg and dials the networks with ethclient.DialContext. Dialling
// an http(s) URL opens no connection, and New makes no call: a resolver can
// be created while a provider is down, and its calls then report
// sigil.ErrResolverUnavailable until the provider is back.
func New(ctx context.Context, cfg Config) (*Resolver, error) {
	switch {
	case cfg.Timeout < 0:
		return nil, fmt.Errorf("uns: timeout %v is negative", cfg.Timeout)
	case cfg.CacheTTL < 0:
		return nil, fmt.Errorf("uns: cache TTL %v is negative", cfg.CacheTTL)
	case cfg.CacheSize < 0 || cfg.NotFoundCacheSize < 0 || cfg.CodeCacheSize < 0 || cfg.ReverseCacheSize < 0:
		return nil, fmt.Errorf("uns: cache sizes %d, %d, %d, %d: none may be negative",
			cfg.CacheSize, cfg.NotFoundCacheSize, cfg.CodeCacheSize, cfg.ReverseCacheSize)
	}
	if i := slices.Index(cfg.RecordKeys, ""); i >= 0 {
		return nil, fmt.Errorf("uns: record key %d is empty", i)
	}
	r := &Resolver{
		timeout:  orDefault(cfg.Timeout, DefaultTimeout),
		foundTTL: orDefault(cfg.CacheTTL, DefaultCacheTTL),
		keys:     append([]string{}, cfg.RecordKeys...),
		reader:   NewProxyReader(),
		wallet:   NewIERC1271(),
		answers:  cache.New[string, answer](orDefault(cfg.CacheSize, DefaultCacheSize)),
		missing:  cache.New[string, struct{}](orDefault(cfg.NotFoundCacheSize, DefaultNotFoundCacheSize)),
		codes:    cache.New[codeKey, bool](orDefault(cfg.CodeCacheSize, DefaultCodeCacheSize)),
		reverses: cache.New[string, []string](orDefault(cfg.ReverseCacheSize, DefaultReverseCacheSize)),
		now:      time.Now,
	}
	r.missingTTL = min(r.foundTTL, maxNotFoundTTL)

	var err error
	if r.l1, err = dial(ctx, "L1", cfg.L1); err != nil {
		return nil, err
	}
	if cfg.L2 != nil {
		if r.l2, err = dial(ctx, "L2", *cfg.L2); err != nil {
			r.l1.client.Close()
			return nil, err
		}
	}
	return r, nil
}

// orDefault returns v, or def when v is zero.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// dial validates n and dials its RPC URL.
func dial(ctx context.Context, layer string, n Network) (*network, error) {
	name := n.Name
	if name == "" {
		name = layer
	}
	if strings.TrimSpace(n.RPCURL) == "" {
		return nil, fmt.Errorf("uns: %s network %s: the RPC URL is empty", layer, name)
	}
	reader, err := domains.NormalizeAddress(n.ProxyReader)
	if err != nil {
		return nil, fmt.Errorf("uns: %s network %s: ProxyReader: %w", layer, name, err)
	}
	client, err := ethclient.DialContext(ctx, n.RPCURL)
	if err != nil {
		// The URL is not echoed: provider URLs carry API keys.
		return nil, fmt.Errorf("uns: %s network %s: dial the RPC URL: %w", layer, name, redactURL(err))
	}
	return &network{name: name, layer: layer, client: client, reader: common.HexToAddress(reader)}, nil
}

// Close closes the RPC connections. The resolver must not be used after.
func (r *Resolver) Close() {
	r.l1.client.Close()
	if r.l2 != nil {
		r.l2.client.Close()
	}
}

// Calls returns how many JSON-RPC calls the resolver has sent (eth_call and
// eth_getCode, failed ones included), so tests and operators can see the
// cache and request coalescing at work.
func (r *Resolver) Calls() uint64 { return r.calls.Load() }

// networks returns the configured networks in order of precedence, L2 first.
func (r *Resolver) networks() []*network {
	if r.l2 != nil {
		return []*network{r.l2, r.l1}
	}
	return []*network{r.l1}
}

// Resolve returns the owner (EIP-55) and the configured records (empty
// values left out) of name, which is normalized with domains.NormalizeName
// first, so "Alice.Crypto" and "alice.crypto" are one domain. A name that
// is not valid, or has no owner on any network, is an error wrapping
// sigil.ErrDomainNotFound; see the package documentation for how the
// networks' answers combine and when sigil.ErrResolverUnavailable is
// returned.
func (r *Resolver) Resolve(ctx context.Context, name string) (sigil.Domain, error) {
	a, err := r.resolve(ctx, name)
	if err != nil {
		return sigil.Domain{}, err
	}
	d := a.domain
	d.Records = maps.Clone(d.Records)
	return d, nil
}

// ResolveFresh is Resolve past the cache (domains.FreshResolver): it
// always reads the chain, and the answer replaces what the cache held for
// name, found or not, so the look-ups after it see it too. Concurrent
// ResolveFresh calls for one name share one pair of eth_calls, as Resolve's
// do; they never share a Resolve look-up, which may have started before
// what the caller needs to see (a transfer) was mined. The sign-in's last
// ownership check uses it: with Resolve, a domain transferred after its
// answer was cached would still let its previous owner sign in for up to
// Config.CacheTTL.
func (r *Resolver) ResolveFresh(ctx context.Context, name string) (sigil.Domain, error) {
	a, err := r.resolveWith(ctx, name, true)
	if err != nil {
		return sigil.Domain{}, err
	}
	d := a.domain
	d.Records = maps.Clone(d.Records)
	return d, nil
}

// Owner returns the owner of name as Resolve would (domains.OwnerResolver),
// without copying the records. A name already in canonical form (as a
// stored subject is) is looked up in the cache before it is normalized
// again, so a cached answer costs one map look-up: userinfo and
// introspection ask this on every call.
func (r *Resolver) Owner(ctx context.Context, name string) (string, error) {
	if a, ok := r.answers.Get(name, r.now()); ok {
		return a.domain.Owner, nil
	}
	a, err := r.resolve(ctx, name)
	if err != nil {
		return "", err
	}
	return a.domain.Owner, nil
}

// resolve is Resolve, also reporting which network the owner was read from.
func (r *Resolver) resolve(ctx context.Context, name string) (answer, error) {
	return r.resolveWith(ctx, name, false)
}

// freshFlight prefixes the singleflight key of a ResolveFresh look-up, so
// that fresh and cached look-ups of one name never share a flight. No
// normalized name contains a space.
const freshFlight = "fresh "

// resolveWith is resolve; fresh skips the cache (ResolveFresh).
func (r *Resolver) resolveWith(ctx context.Context, name string, fresh bool) (answer, error) {
	n, err := domains.NormalizeName(name)
	if err != nil {
		return answer{}, fmt.Errorf("uns: %w: %w", sigil.ErrDomainNotFound, err)
	}
	key := n
	if fresh {
		key = freshFlight + n
	} else if a, ok := r.cached(n); ok {
		return a, a.err(n)
	}
	// The look-up runs without the caller's cancellation: other callers
	// may be waiting for it, and each of its calls has its own timeout. A
	// caller that gives up stops waiting; the look-up still fills the cache.
	ch := r.flights.DoChan(key, func() (any, error) {
		// A look-up that finished between this caller's cache miss and
		// its joining the flight has filled the cache: use that (never
		// for a fresh look-up, which is asked not to).
		if !fresh {
			if a, ok := r.cached(n); ok {
				return a, nil
			}
		}
		a, err := r.lookup(context.WithoutCancel(ctx), n)
		if err != nil {
			return nil, err
		}
		// Each answer replaces the other kind, so that a fresh look-up
		// that finds a domain gone (or newly minted) is what the cache
		// answers next.
		if a.found {
			r.missing.Remove(n)
			r.answers.Add(n, a, r.now(), r.foundTTL)
		} else {
			r.answers.Remove(n)
			r.missing.Add(n, struct{}{}, r.now(), r.missingTTL)
		}
		return a, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return answer{}, res.Err
		}
		a := res.Val.(answer)
		return a, a.err(n)
	case <-ctx.Done():
		return answer{}, fmt.Errorf("uns: resolve %s: %w: %w", n, sigil.ErrResolverUnavailable, ctx.Err())
	}
}

// cached returns the cached answer for the normalized name n, found or not.
func (r *Resolver) cached(n string) (answer, bool) {
	now := r.now()
	if a, ok := r.answers.Get(n, now); ok {
		return a, true
	}
	if _, ok := r.missing.Get(n, now); ok {
		return answer{}, true
	}
	return answer{}, false
}

// err is the error of a not-found answer for name, nil for a found one.
func (a answer) err(name string) error {
	if a.found {
		return nil
	}
	return fmt.Errorf("uns: %w: %s has no owner", sigil.ErrDomainNotFound, name)
}

// getDataResult is one network's getData reply.
type getDataResult struct {
	data GetDataOutput
	err  error
}

// lookup asks L1 and L2 for name at once and combines their answers.
func (r *Resolver) lookup(ctx context.Context, name string) (answer, error) {
	hash := Namehash(name)
	tokenID := new(big.Int).SetBytes(hash[:])
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // an L1 call still running is not needed once L2 decides

	l1 := make(chan getDataResult, 1)
	go func() {
		d, err := r.getData(ctx, r.l1, tokenID)
		l1 <- getDataResult{d, err}
	}()
	if r.l2 != nil {
		l2 := make(chan getDataResult, 1)
		go func() {
			d, err := r.getData(ctx, r.l2, tokenID)
			l2 <- getDataResult{d, err}
		}()
		res := <-l2
		if res.err != nil {
			// L1's answer cannot be trusted without L2's: see the
			// package documentation.
			return answer{}, res.err
		}
		if res.data.Owner != (common.Address{}) {
			return r.found(ctx, name, r.l2, res.data)
		}
	}
	res := <-l1
	if res.err != nil {
		return answer{}, res.err
	}
	if res.data.Owner == (common.Address{}) {
		return answer{}, nil
	}
	return r.found(ctx, name, r.l1, res.data)
}

// found builds the answer for a domain whose owner was read from on,
// including on's chain id: the owner account lives there.
func (r *Resolver) found(ctx context.Context, name string, on *network, d GetDataOutput) (answer, error) {
	chainID, err := r.chainID(ctx, on)
	if err != nil {
		return answer{}, err
	}
	records := make(map[string]string, len(r.keys))
	for i, k := range r.keys {
		// ProxyReader returns no values at all for a token it does not
		// know, so the lengths need not match.
		if i < len(d.Values) && d.Values[i] != "" {
			records[k] = d.Values[i]
		}
	}
	return answer{
		found:  true,
		domain: sigil.Domain{Name: name, Owner: d.Owner.Hex(), Records: records, ChainID: chainID},
		on:     on,
	}, nil
}

// chainID returns the EIP-155 chain id of n: asked once with eth_chainId,
// then kept, since an RPC URL serves one chain for the life of the process.
// It is read from the node rather than configured, so that it names the
// chain whose state Sigil actually read (EIP-4361: the chain where the
// account lives). Like New, it is lazy: the first look-up on n pays for
// it. That call is not counted by Calls, which counts the per-look-up
// calls the caches are there to save.
func (r *Resolver) chainID(ctx context.Context, n *network) (int64, error) {
	if id := n.chainID.Load(); id != 0 {
		return id, nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	id, err := n.client.ChainID(ctx)
	if err != nil {
		return 0, n.unavailable("eth_chainId", err)
	}
	if !id.IsInt64() || id.Sign() <= 0 {
		return 0, n.unavailable("eth_chainId", fmt.Errorf("chain id %s is not a positive 64-bit integer", id))
	}
	n.chainID.Store(id.Int64())
	return id.Int64(), nil
}

// errNoContract reports an empty eth_call reply: no contract at the address
// called, which for the ProxyReader means a misconfigured address or chain.
var errNoContract = errors.New("empty reply: no contract at the ProxyReader address on this chain")

// getData calls ProxyReader.getData(keys, tokenID) on n.
func (r *Resolver) getData(ctx context.Context, n *network, tokenID *big.Int) (GetDataOutput, error) {
	input, err := r.reader.TryPackGetData(r.keys, tokenID)
	if err != nil {
		return GetDataOutput{}, fmt.Errorf("uns: pack getData: %w", err)
	}
	out, err := r.call(ctx, n, n.reader, input)
	if err != nil {
		return GetDataOutput{}, n.unavailable("getData", err)
	}
	if len(out) == 0 {
		return GetDataOutput{}, n.unavailable("getData", errNoContract)
	}
	d, err := r.reader.UnpackGetData(out)
	if err != nil {
		return GetDataOutput{}, n.unavailable("getData", err)
	}
	return d, nil
}

// call sends one eth_call at the latest block, bounded by the timeout.
func (r *Resolver) call(ctx context.Context, n *network, to common.Address, input []byte) ([]byte, error) {
	r.calls.Add(1)
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	return n.client.CallContract(ctx, ethereum.CallMsg{To: &to, Data: input}, nil)
}

// unavailable wraps a failed call on n as sigil.ErrResolverUnavailable.
func (n *network) unavailable(method string, err error) error {
	return fmt.Errorf("uns: %s (%s) %s: %w: %w", n.name, n.layer, method, sigil.ErrResolverUnavailable, redactURL(err))
}

// redactURL removes the path, query and user information from the URL in
// an HTTP transport error (net/http's *url.Error, which the JSON-RPC client
// returns as is), keeping its cause. RPC providers put API keys there
// (https://polygon-mainnet.example/v3/<key>), and callers log these errors.
func redactURL(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	shown := "(the RPC URL)"
	if u, perr := url.Parse(ue.URL); perr == nil && u.Host != "" {
		shown = u.Scheme + "://" + u.Host + "/…"
	}
	return &url.Error{Op: ue.Op, URL: shown, Err: ue.Err}
}

// Reverse returns the domains whose UNS reverse record names address,
// L2's first, each at most once, keeping only those that Resolve confirms
// address owns: a reverse record on one network says nothing about the
// other, whose owner may override it, so it is a hint, never proof. Both
// networks are asked at once; if either fails, the answer is
// sigil.ErrResolverUnavailable rather than a partial list. (The resolution
// library's reverseOf prefers L1's record; L2 first matches the rule that
// L2's owner wins.)
func (r *Resolver) Reverse(ctx context.Context, address string) ([]string, error) {
	norm, err := domains.NormalizeAddress(address)
	if err != nil {
		return nil, fmt.Errorf("uns: reverse: %w", err)
	}
	names, err := r.reverseNames(ctx, common.HexToAddress(norm))
	if err != nil {
		return nil, err
	}

	var out []string
	for _, name := range names {
		n, err := domains.NormalizeName(name)
		if err != nil || slices.Contains(out, n) {
			continue // no reverse record (""), or one Sigil cannot use
		}
		d, err := r.Resolve(ctx, n)
		switch {
		case errors.Is(err, sigil.ErrDomainNotFound):
			continue
		case err != nil:
			return nil, err
		case d.Owner != norm:
			continue
		}
		out = append(out, n)
	}
	return out, nil
}

// reverseNames returns the reverse record of addr on each network, L2's
// first, from the cache when fresh: the records are cached for the TTL of
// found domains (a changed reverse record is seen within it), the domains
// they name are confirmed through Resolve and its own cache.
func (r *Resolver) reverseNames(ctx context.Context, addr common.Address) ([]string, error) {
	key := addr.Hex()
	if names, ok := r.reverses.Get(key, r.now()); ok {
		return names, nil
	}
	nets := r.networks()
	names := make([]string, len(nets))
	errs := make([]error, len(nets))
	var wg sync.WaitGroup
	for i, n := range nets {
		wg.Go(func() { names[i], errs[i] = r.reverseNameOf(ctx, n, addr) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	r.reverses.Add(key, names, r.now(), r.foundTTL)
	return names, nil
}

// reverseNameOf calls ProxyReader.reverseNameOf(addr) on n.
func (r *Resolver) reverseNameOf(ctx context.Context, n *network, addr common.Address) (string, error) {
	input, err := r.reader.TryPackReverseNameOf(addr)
	if err != nil {
		return "", fmt.Errorf("uns: pack reverseNameOf: %w", err)
	}
	out, err := r.call(ctx, n, n.reader, input)
	if err != nil {
		return "", n.unavailable("reverseNameOf", err)
	}
	if len(out) == 0 {
		return "", n.unavailable("reverseNameOf", errNoContract)
	}
	name, err := r.reader.UnpackReverseNameOf(out)
	if err != nil {
		return "", n.unavailable("reverseNameOf", err)
	}
	return name, nil
}

// IsValidSignature implements sigil.ContractWallets for a sign-in as the
// domain name. A wallet lives on one network and the address alone does not
// say which: the same address on the other network may hold someone else's
// contract (addresses of CREATE-deployed wallets can be taken on another
// chain by whoever controls the deployer there), one that approves
// anything. So it resolves name (from the cache when fresh), requires
// address to be its owner, and asks the owner contract on the network the
// owner was read from, and only there. A revert is a refusal (false, nil);
// a failed call wraps sigil.ErrResolverUnavailable.
func (r *Resolver) IsValidSignature(ctx context.Context, name, address string, hash [32]byte, signature []byte) (bool, error) {
	norm, err := domains.NormalizeAddress(address)
	if err != nil {
		return false, fmt.Errorf("uns: isValidSignature: %w", err)
	}
	a, err := r.resolve(ctx, name)
	if err != nil {
		return false, err
	}
	if a.domain.Owner != norm {
		return false, nil
	}
	addr := common.HexToAddress(norm)
	ok, err := r.hasCode(ctx, a.on, addr)
	if err != nil || !ok {
		return false, err
	}
	return r.isValidSignatureOn(ctx, a.on, addr, hash, signature)
}

// hasCode reports whether addr holds contract code on n (eth_getCode),
// from the cache when fresh. Every rejected EIP-191 signature asks this of
// the domain's owner, so without the cache each bad signature would cost
// the RPC provider a call. The answer is cached for the TTL of found
// domains: a wallet deployed at an address that had no code (a
// counterfactual wallet, EIP-1014) is seen within it.
func (r *Resolver) hasCode(ctx context.Context, n *network, addr common.Address) (bool, error) {
	key := codeKey{layer: n.layer, addr: addr}
	if ok, hit := r.codes.Get(key, r.now()); hit {
		return ok, nil
	}
	r.calls.Add(1)
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	code, err := n.client.CodeAt(ctx, addr, nil)
	if err != nil {
		return false, n.unavailable("getCode", err)
	}
	r.codes.Add(key, len(code) > 0, r.now(), r.foundTTL)
	return len(code) > 0, nil
}

// isValidSignatureOn calls isValidSignature(hash, signature) on the contract
// at addr on n. A contract that reverts, or answers anything but the magic
// value, refuses the signature.
func (r *Resolver) isValidSignatureOn(ctx context.Context, n *network, addr common.Address, hash [32]byte, signature []byte) (bool, error) {
	input, err := r.wallet.TryPackIsValidSignature(hash, signature)
	if err != nil {
		return false, fmt.Errorf("uns: pack isValidSignature: %w", err)
	}
	out, err := r.call(ctx, n, addr, input)
	if err != nil {
		if isExecutionFailure(err) {
			return false, nil
		}
		return false, n.unavailable("isValidSignature", err)
	}
	magic, err := r.wallet.UnpackIsValidSignature(out)
	if err != nil {
		return false, nil // not an EIP-1271 reply (no such function, a fallback)
	}
	return magic == erc1271MagicValue, nil
}

// executionFailures are the messages with which go-ethereum (and clients
// that copy its wording) report that an eth_call ran and the EVM stopped
// with an error, as opposed to the node failing to run it.
var executionFailures = []string{
	"execution reverted",
	"invalid opcode",
	"out of gas",
	"stack underflow",
	"stack limit reached",
	"invalid jump destination",
	"write protection",
	"return data out of bounds",
	"max call depth exceeded",
}

// isExecutionFailure reports whether err is a JSON-RPC error saying the
// called contract failed: error code 3 (go-ethereum's code for a revert,
// with the revert data) or an EVM error message. Any other error (a
// transport failure, a timeout, "header not found", a rate limit) says
// nothing about the contract.
func isExecutionFailure(err error) bool {
	var rpcErr rpc.Error
	if !errors.As(err, &rpcErr) {
		return false
	}
	if rpcErr.ErrorCode() == 3 {
		return true
	}
	msg := strings.ToLower(rpcErr.Error())
	for _, m := range executionFailures {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}
