package cached

import (
	"context"
	"crypto/sha256"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/store/sqlite"
	"github.com/sigil-oidc/sigil/internal/store/storetest"
)

// tokenFixture is a Tokens over a real SQLite store. db is the store
// beneath, standing for another node's writes; t0 is the test's clock.
type tokenFixture struct {
	*Tokens
	db *sqlite.Store
}

var t0 = time.Unix(1_800_000_000, 0)

func openSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "sigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

func newTokenFixture(t *testing.T) *tokenFixture {
	t.Helper()
	db := openSQLite(t)
	f := &tokenFixture{Tokens: NewTokens(db, 0, 0), db: db}
	for _, c := range []*sigil.Client{client("m2m", "s1"), client("rp", "s2")} {
		if err := db.CreateClient(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func tokenHash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// clientToken stores a client credentials token of m2m, issued at t0 and
// valid for ttl, and returns its hash.
func (f *tokenFixture) clientToken(t *testing.T, name string, ttl time.Duration) []byte {
	t.Helper()
	h := tokenHash(name)
	err := f.db.CreateClientToken(context.Background(), sigil.ClientToken{ID: "id-" + name, ClientID: "m2m",
		Scope: sigil.Scopes{"api"}, AccessTokenHash: h, IssuedAt: t0, ExpiresAt: t0.Add(ttl)})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// signedIn runs a sign-in of rp to the end through st and returns the code
// hash and the exchange: access token hash(access-<id>), refresh token
// hash(refresh-<id>) of family "family-<id>", both valid for an hour.
func signedIn(t *testing.T, st sigil.Store, id string) sigil.CodeExchange {
	t.Helper()
	ctx := context.Background()
	browser := tokenHash("browser-" + id)
	a := &sigil.Authorization{ID: id, BrowserHash: browser, ClientID: "rp", RedirectURI: "https://rp.example/cb",
		Scope: sigil.Scopes{"openid", "offline_access"}, MaxAge: -1, RequestedAt: t0, ExpiresAt: t0.Add(30 * time.Minute)}
	if err := st.CreateAuthorization(ctx, a); err != nil {
		t.Fatal(err)
	}
	ch := sigil.Challenge{Subject: "alice.crypto", Address: "0x00000000000000000000000000000000000A11CE",
		Nonce: "nonce-" + id, IssuedAt: t0, ExpiresAt: t0.Add(5 * time.Minute)}
	if _, err := st.ChallengeAuthorization(ctx, id, browser, ch, t0); err != nil {
		t.Fatal(err)
	}
	code := tokenHash("code-" + id)
	auth := sigil.Authentication{ChallengeNonce: ch.Nonce, Message: "m", Signature: "0x51", AuthTime: t0,
		GrantedScope: a.Scope, CodeHash: code, CodeExpiresAt: t0.Add(time.Minute)}
	if _, err := st.AuthenticateAuthorization(ctx, id, browser, auth, t0); err != nil {
		t.Fatal(err)
	}
	ex := sigil.CodeExchange{CodeHash: code, ClientID: "rp", RedirectURI: a.RedirectURI,
		AccessTokenHash: tokenHash("access-" + id), AccessTokenExpiresAt: t0.Add(time.Hour),
		RefreshFamily: "family-" + id, RefreshTokenHash: tokenHash("refresh-" + id), RefreshTokenExpiresAt: t0.Add(time.Hour)}
	if _, err := st.ExchangeCode(ctx, ex, t0); err != nil {
		t.Fatal(err)
	}
	return ex
}

// read looks hash up at now (an access token, or a refresh token when
// refresh is set) and reports how many statements it sent.
func (f *tokenFixture) read(t *testing.T, refresh bool, hash []byte, now time.Time) (*sigil.Authorization, uint64, error) {
	t.Helper()
	before := f.db.Statements()
	get := f.GetAuthorizationByAccessToken
	if refresh {
		get = f.GetAuthorizationByRefreshToken
	}
	a, err := get(context.Background(), hash, now)
	return a, f.db.Statements() - before, err
}

// wantServed fails unless hash reads as an authorization, with statements
// statements sent.
func (f *tokenFixture) wantServed(t *testing.T, what string, refresh bool, hash []byte, now time.Time, statements uint64) *sigil.Authorization {
	t.Helper()
	a, n, err := f.read(t, refresh, hash, now)
	if err != nil || n != statements {
		t.Fatalf("%s: %v, %d statements; want the authorization, %d statements", what, err, n, statements)
	}
	return a
}

// wantRefused fails unless hash reads as sigil.ErrNotFound.
func (f *tokenFixture) wantRefused(t *testing.T, what string, refresh bool, hash []byte, now time.Time) {
	t.Helper()
	if _, _, err := f.read(t, refresh, hash, now); !errors.Is(err, sigil.ErrNotFound) {
		t.Fatalf("%s: %v, want sigil.ErrNotFound", what, err)
	}
}

// TestTokensServeRepeatedLookups checks that both look-ups are answered
// from memory within the TTL, each caller with its own copy.
func TestTokensServeRepeatedLookups(t *testing.T) {
	f := newTokenFixture(t)
	ex := signedIn(t, f.db, "flow1")
	for _, refresh := range []bool{false, true} {
		h := ex.AccessTokenHash
		if refresh {
			h = ex.RefreshTokenHash
		}
		a := f.wantServed(t, "first look-up", refresh, h, t0, 1)
		b := f.wantServed(t, "look-up within the TTL", refresh, h, t0.Add(DefaultTokenTTL-time.Millisecond), 0)
		if b.ID != a.ID || b.Subject != "alice.crypto" || b.RefreshFamily != "family-flow1" {
			t.Errorf("cached authorization %+v differs from %+v", b, a)
		}
		b.Subject = "changed by a caller"
		if c := f.wantServed(t, "look-up after a caller's change", refresh, h, t0, 0); c.Subject != "alice.crypto" {
			t.Errorf("a caller's change reached the cache: %q", c.Subject)
		}
	}
	// An access token and a refresh token with the same hash are two keys.
	if _, _, err := f.read(t, true, ex.AccessTokenHash, t0); !errors.Is(err, sigil.ErrNotFound) {
		t.Errorf("access token read as a refresh token: %v", err)
	}
}

// TestTokensBoundForOtherNodes checks the documented bound: a token revoked
// on another node (here: straight in the database) may still be served for
// up to TTL after it was read, and not at TTL.
func TestTokensBoundForOtherNodes(t *testing.T) {
	f := newTokenFixture(t)
	h := f.clientToken(t, "cc1", time.Hour)
	f.wantServed(t, "first look-up", false, h, t0, 1)
	if err := f.db.RevokeToken(context.Background(), h, "m2m"); err != nil {
		t.Fatal(err)
	}
	f.wantServed(t, "within the TTL of a revocation elsewhere", false, h, t0.Add(DefaultTokenTTL-time.Millisecond), 0)
	f.wantRefused(t, "at the TTL", false, h, t0.Add(DefaultTokenTTL))
}

// TestTokensNeverPastExpiry checks that an entry ends with its token when
// the token expires before the TTL is over.
func TestTokensNeverPastExpiry(t *testing.T) {
	f := newTokenFixture(t)
	now := t0.Add(time.Hour - 300*time.Millisecond) // the token has 300 ms left
	h := f.clientToken(t, "cc1", time.Hour)
	f.wantServed(t, "first look-up", false, h, now, 1)
	f.wantServed(t, "just before expiry", false, h, t0.Add(time.Hour-time.Millisecond), 0)
	f.wantRefused(t, "at expiry", false, h, t0.Add(time.Hour))
}

// TestTokensLocalWritesInvalidate checks that every write through Tokens
// that revokes tokens makes them refused at once, by whichever token or key
// the write names, while tokens it does not touch stay cached.
func TestTokensLocalWritesInvalidate(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		// revoke revokes flow1's tokens through tok; ex is flow1's exchange.
		revoke func(t *testing.T, tok *Tokens, ex sigil.CodeExchange)
	}{
		{"RevokeByAccessToken", func(t *testing.T, tok *Tokens, ex sigil.CodeExchange) {
			if err := tok.RevokeToken(ctx, ex.AccessTokenHash, "rp"); err != nil {
				t.Fatal(err)
			}
		}},
		{"RevokeByRefreshToken", func(t *testing.T, tok *Tokens, ex sigil.CodeExchange) {
			if err := tok.RevokeToken(ctx, ex.RefreshTokenHash, "rp"); err != nil {
				t.Fatal(err)
			}
		}},
		{"RefreshRotation", func(t *testing.T, tok *Tokens, ex sigil.CodeExchange) {
			_, err := tok.RefreshAuthorization(ctx, sigil.RefreshExchange{Family: ex.RefreshFamily, TokenHash: ex.RefreshTokenHash,
				ClientID: "rp", NewRefreshTokenHash: tokenHash("refresh-2"), NewRefreshTokenExpiresAt: t0.Add(time.Hour),
				AccessTokenHash: tokenHash("access-2"), AccessTokenExpiresAt: t0.Add(time.Hour)}, t0)
			if err != nil {
				t.Fatal(err)
			}
		}},
		{"CodeReplay", func(t *testing.T, tok *Tokens, ex sigil.CodeExchange) {
			ex.AccessTokenHash, ex.RefreshTokenHash = tokenHash("access-replay"), tokenHash("refresh-replay")
			if _, err := tok.ExchangeCode(ctx, ex, t0); !errors.Is(err, sigil.ErrConflict) {
				t.Fatalf("replayed code: %v, want sigil.ErrConflict", err)
			}
		}},
		{"DeleteClient", func(t *testing.T, tok *Tokens, ex sigil.CodeExchange) {
			if err := tok.DeleteClient(ctx, "rp"); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newTokenFixture(t)
			ex := signedIn(t, f.db, "flow1")
			other := f.clientToken(t, "other", time.Hour)
			for _, h := range [][]byte{ex.AccessTokenHash, other} {
				f.wantServed(t, "first look-up", false, h, t0, 1)
			}
			f.wantServed(t, "first look-up of the refresh token", true, ex.RefreshTokenHash, t0, 1)
			c.revoke(t, f.Tokens, ex)
			f.wantRefused(t, "access token at once", false, ex.AccessTokenHash, t0)
			f.wantRefused(t, "refresh token at once", true, ex.RefreshTokenHash, t0)
			// Keys share stripes, so an unrelated token could be dropped
			// too; not this one: its handles are all in other stripes.
			if f.sharesStripe(other, ex) {
				t.Skip("the unrelated token shares a stripe with flow1")
			}
			f.wantServed(t, "an unrelated token", false, other, t0, 0)
		})
	}
}

// sharesStripe reports whether any handle of the client token h shares a
// stripe with a key of ex.
func (f *tokenFixture) sharesStripe(h []byte, ex sigil.CodeExchange) bool {
	mine := map[uint16]bool{stripe(h): true, stripe(nil): true, stripe([]byte("m2m")): true}
	for _, k := range [][]byte{ex.AccessTokenHash, ex.RefreshTokenHash, []byte(ex.RefreshFamily), ex.CodeHash, []byte(ex.ClientID)} {
		if mine[stripe(k)] {
			return true
		}
	}
	return false
}

// TestTokensNeverCacheNotFound checks that an unknown token is asked of the
// database every time, so a token minted on another node works at once.
func TestTokensNeverCacheNotFound(t *testing.T) {
	f := newTokenFixture(t)
	h := tokenHash("cc1")
	for i := range 2 {
		if _, n, err := f.read(t, false, h, t0); !errors.Is(err, sigil.ErrNotFound) || n != 1 {
			t.Fatalf("unknown token, look-up %d: %v, %d statements; want sigil.ErrNotFound, 1 statement", i, err, n)
		}
	}
	f.clientToken(t, "cc1", time.Hour) // minted on another node
	f.wantServed(t, "token minted elsewhere", false, h, t0, 1)
}

// racingStore runs during, once, after its read of the database and
// before returning: a revocation that ends while a look-up is in flight.
type racingStore struct {
	sigil.Store
	once   sync.Once
	during func()
}

func (r *racingStore) GetAuthorizationByAccessToken(ctx context.Context, hash []byte, now time.Time) (*sigil.Authorization, error) {
	a, err := r.Store.GetAuthorizationByAccessToken(ctx, hash, now)
	r.once.Do(r.during)
	return a, err
}

// TestTokensLookupRacingARevocation checks that a look-up that read the
// database before a revocation through Tokens and returned after it does
// not keep what it read.
func TestTokensLookupRacingARevocation(t *testing.T) {
	db := openSQLite(t)
	if err := db.CreateClient(context.Background(), client("m2m", "s1")); err != nil {
		t.Fatal(err)
	}
	h := tokenHash("cc1")
	if err := db.CreateClientToken(context.Background(), sigil.ClientToken{ID: "cc1", ClientID: "m2m",
		AccessTokenHash: h, IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	race := &racingStore{Store: db}
	tok := NewTokens(race, 0, 0)
	race.during = func() {
		if err := tok.RevokeToken(context.Background(), h, "m2m"); err != nil {
			t.Error(err)
		}
	}
	if _, err := tok.GetAuthorizationByAccessToken(context.Background(), h, t0); err != nil {
		t.Fatalf("look-up that began before the revocation: %v", err)
	}
	if _, err := tok.GetAuthorizationByAccessToken(context.Background(), h, t0); !errors.Is(err, sigil.ErrNotFound) {
		t.Fatalf("look-up after the revocation: %v, want sigil.ErrNotFound", err)
	}
}

// TestTokensAreBounded checks that the cache keeps at most size look-ups:
// the least recently used is read again.
func TestTokensAreBounded(t *testing.T) {
	f := newTokenFixture(t)
	f.Tokens = NewTokens(f.db, 0, 2)
	hs := [][]byte{f.clientToken(t, "a", time.Hour), f.clientToken(t, "b", time.Hour), f.clientToken(t, "c", time.Hour)}
	for _, h := range hs {
		f.wantServed(t, "first look-up", false, h, t0, 1)
	}
	f.wantServed(t, "the least recently used, evicted", false, hs[0], t0, 1)
	f.wantServed(t, "the most recently used", false, hs[2], t0, 0)
}

// countingTokens is Tokens over SQLite that still counts statements, so
// the suite's statement budgets run too.
type countingTokens struct {
	*Tokens
	db *sqlite.Store
}

func (c countingTokens) Statements() uint64 { return c.db.Statements() }

// TestTokensPassStoreSuite runs the store conformance suite through
// Tokens: everything it writes goes through the decorator, so every read
// after a revocation must see it at once, as the database does.
func TestTokensPassStoreSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) sigil.Store {
		db := openSQLite(t)
		return countingTokens{Tokens: NewTokens(db, 0, 0), db: db}
	})
}

// BenchmarkTokensHit is the cost of a cached access token look-up (what
// userinfo and introspection pay instead of a SELECT).
func BenchmarkTokensHit(b *testing.B) {
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "sigil.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if err := db.CreateClient(ctx, client("m2m", "s1")); err != nil {
		b.Fatal(err)
	}
	h := tokenHash("cc1")
	if err := db.CreateClientToken(ctx, sigil.ClientToken{ID: "cc1", ClientID: "m2m", AccessTokenHash: h,
		IssuedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	tok := NewTokens(db, time.Hour, 0)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := tok.GetAuthorizationByAccessToken(ctx, h, t0); err != nil {
				b.Fatal(err)
			}
		}
	})
	if n := db.Statements(); n > 10 {
		b.Errorf("%d statements: the look-ups were not cached", n)
	}
}
