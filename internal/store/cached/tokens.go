package cached

import (
	"context"
	"crypto/sha256"
	"errors"
	"hash/maphash"
	"sync/atomic"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/cache"
)

// Defaults for NewTokens.
const (
	// DefaultTokenTTL bounds how long a token revoked on another node (RFC
	// 7009, a refresh rotation or reuse, a replayed code, a deleted client)
	// may still be answered as valid here by userinfo and introspection.
	DefaultTokenTTL = time.Second
	// DefaultTokenSize is how many token look-ups a node keeps; beyond it
	// the least recently used is read again from the database.
	DefaultTokenSize = 10000
)

// Tokens is a sigil.Store whose two token reads,
// GetAuthorizationByAccessToken (userinfo, introspection) and
// GetAuthorizationByRefreshToken (introspection), answer from memory for up
// to TTL, and never past the token's own expiry. Every other method goes
// straight to the decorated store. It is safe for concurrent use.
//
// A token revoked through this Tokens is refused at once: RevokeToken,
// RefreshAuthorization (rotation, and reuse that revokes the family),
// ExchangeCode (a replayed code revokes its authorization) and
// DeleteClient each mark what they changed, and a cached authorization that
// carries a marked key is read again. A token revoked on another node is
// refused here within TTL. Only found tokens are cached: "not found" is
// always asked of the database, so a token minted on another node works at
// once, and made-up tokens cannot push real ones out of the cache.
type Tokens struct {
	sigil.Store
	ttl     time.Duration
	entries *cache.LRU[tokenKey, tokenEntry]
	// writes counts the revoking writes made through this Tokens. A read
	// that overlapped one does not keep what it read, which may predate it.
	writes atomic.Uint64
	// marks are how many revoking writes touched each stripe of keys (a
	// token hash, a refresh family, a code hash, a client id). An entry
	// remembers the marks of its keys' stripes as it was read and is good
	// only while they have not moved. Keys share stripes, so a write may
	// also drop unrelated entries (a read more), never keep a revoked one.
	marks [markStripes]atomic.Uint64
}

// markStripes is how many counters the keys of all authorizations share:
// a write drops an unrelated entry with odds of about 5 in 4096.
const markStripes = 4096

// markSeed hashes keys to stripes; it only needs to be the same for the
// life of the process.
var markSeed = maphash.MakeSeed()

// tokenKey is a look-up: which token, by its keyed hash (HMAC-SHA256, so
// always sha256.Size bytes; a hash of another length is not cached).
type tokenKey struct {
	refresh bool
	hash    [sha256.Size]byte
}

// handles are the keys of an authorization that a revoking write names:
// its access token hash, refresh token hash, refresh family, code hash and
// client id.
const handles = 5

// tokenEntry is a cached authorization and the marks of its handles'
// stripes when it was read.
type tokenEntry struct {
	a       *sigil.Authorization
	stripes [handles]uint16
	seen    [handles]uint64
}

// NewTokens returns st with token look-ups cached for ttl
// (DefaultTokenTTL when 0), at most size of them (DefaultTokenSize when 0).
func NewTokens(st sigil.Store, ttl time.Duration, size int) *Tokens {
	if ttl <= 0 {
		ttl = DefaultTokenTTL
	}
	if size <= 0 {
		size = DefaultTokenSize
	}
	return &Tokens{Store: st, ttl: ttl, entries: cache.New[tokenKey, tokenEntry](size)}
}

// TTL is the bound after which a token revoked on another node is refused
// here.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// GetAuthorizationByAccessToken answers from the cache when the token was
// found less than TTL ago and has not expired at now, and reads the
// database otherwise. Each caller gets its own copy of the Authorization
// struct; its slices and maps are shared and must not be modified.
func (t *Tokens) GetAuthorizationByAccessToken(ctx context.Context, hash []byte, now time.Time) (*sigil.Authorization, error) {
	return t.lookup(ctx, false, hash, now, t.Store.GetAuthorizationByAccessToken)
}

// GetAuthorizationByRefreshToken is GetAuthorizationByAccessToken for
// refresh tokens (introspection of a refresh token).
func (t *Tokens) GetAuthorizationByRefreshToken(ctx context.Context, hash []byte, now time.Time) (*sigil.Authorization, error) {
	return t.lookup(ctx, true, hash, now, t.Store.GetAuthorizationByRefreshToken)
}

// lookup answers a token look-up from the cache, or with read (the
// decorated store's method) and keeps what read found.
func (t *Tokens) lookup(ctx context.Context, refresh bool, hash []byte, now time.Time,
	read func(context.Context, []byte, time.Time) (*sigil.Authorization, error)) (*sigil.Authorization, error) {
	if len(hash) != sha256.Size {
		return read(ctx, hash, now)
	}
	key := tokenKey{refresh: refresh, hash: [sha256.Size]byte(hash)}
	if e, ok := t.entries.Get(key, now); ok {
		if t.unmarked(&e) {
			cp := *e.a
			return &cp, nil
		}
		t.entries.Remove(key)
	}
	writes := t.writes.Load()
	a, err := read(ctx, hash, now)
	if err != nil {
		return nil, err
	}
	e := tokenEntry{a: a}
	for i, k := range [handles][]byte{a.AccessTokenHash, a.RefreshTokenHash, []byte(a.RefreshFamily), a.CodeHash, []byte(a.ClientID)} {
		e.stripes[i] = stripe(k)
		e.seen[i] = t.marks[e.stripes[i]].Load()
	}
	// A revoking write moves writes, then its mark (see mark). If writes
	// moved since before the database read, what was read may predate a
	// write, so it is not kept. If not, any write still to come moves its
	// mark past what e saw (the marks were read above), so e is never
	// served after it.
	if t.writes.Load() == writes {
		exp := a.AccessTokenExpiresAt
		if refresh {
			exp = a.RefreshTokenExpiresAt
		}
		// now was taken before the read, so the entry ends at most TTL
		// after what it read was true, and never after the token does.
		t.entries.Add(key, e, now, min(t.ttl, exp.Sub(now)))
	}
	cp := *a
	return &cp, nil
}

// unmarked reports whether no revoking write touched e's handles since e
// was read.
func (t *Tokens) unmarked(e *tokenEntry) bool {
	for i, s := range e.stripes {
		if t.marks[s].Load() != e.seen[i] {
			return false
		}
	}
	return true
}

// mark records, after a revoking write, that what it names changed: the
// write count first, so that a read in flight either sees the new count
// (and keeps nothing) or read the marks before they moved.
func (t *Tokens) mark(key []byte) {
	if len(key) == 0 {
		return // names nothing: the store changed nothing either
	}
	t.writes.Add(1)
	t.marks[stripe(key)].Add(1)
}

func stripe(key []byte) uint16 { return uint16(maphash.Bytes(markSeed, key) % markStripes) }

// RevokeToken revokes in the database, then refuses the token's
// authorization here at once (by either of its tokens, as the database
// does).
func (t *Tokens) RevokeToken(ctx context.Context, hash []byte, clientID string) error {
	defer t.mark(hash)
	return t.Store.RevokeToken(ctx, hash, clientID)
}

// RefreshAuthorization rotates (or, on reuse, revokes) in the database,
// then refuses the family's old tokens here at once.
func (t *Tokens) RefreshAuthorization(ctx context.Context, ex sigil.RefreshExchange, now time.Time) (*sigil.Authorization, error) {
	defer t.mark([]byte(ex.Family))
	return t.Store.RefreshAuthorization(ctx, ex, now)
}

// ExchangeCode redeems the code; when that revoked the authorization (a
// replayed code, sigil.ErrConflict), its tokens are refused here at once.
func (t *Tokens) ExchangeCode(ctx context.Context, ex sigil.CodeExchange, now time.Time) (*sigil.Authorization, error) {
	a, err := t.Store.ExchangeCode(ctx, ex, now)
	if errors.Is(err, sigil.ErrConflict) {
		t.mark(ex.CodeHash)
	}
	return a, err
}

// DeleteClient deletes the client with its authorizations, then refuses
// their tokens here at once.
func (t *Tokens) DeleteClient(ctx context.Context, id string) error {
	defer t.mark([]byte(id))
	return t.Store.DeleteClient(ctx, id)
}

// RevokeConsent revokes the subject's grants at the client in the
// database, then refuses the client's cached tokens here at once (every
// one of the client's, a read more for the others).
func (t *Tokens) RevokeConsent(ctx context.Context, subject, clientID string) error {
	defer t.mark([]byte(clientID))
	return t.Store.RevokeConsent(ctx, subject, clientID)
}
