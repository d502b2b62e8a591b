package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
)

// tokens checks the reads and writes behind the client credentials grant
// (RFC 6749 section 4.4) and introspection (RFC 7662): CreateClientToken
// and GetAuthorizationByRefreshToken, and how the existing token methods
// treat a client credentials token.
func (s suite) tokens(t *testing.T) {
	t.Run("ClientTokenRoundTrip", s.clientTokenRoundTrip)
	t.Run("ClientTokenExpiry", s.clientTokenExpiry)
	t.Run("ClientTokenRejected", s.clientTokenRejected)
	t.Run("ClientTokenRevoke", s.clientTokenRevoke)
	t.Run("ClientTokenDeleteExpired", s.clientTokenDeleteExpired)
	t.Run("ClientTokenDeleteClient", s.clientTokenDeleteClient)
	t.Run("ClientTokenConcurrent", s.clientTokenConcurrent)
	t.Run("ClientTokenConcurrentRejected", s.clientTokenConcurrentRejected)
	t.Run("ByRefreshToken", s.byRefreshToken)
	t.Run("ByRefreshTokenRevoked", s.byRefreshTokenRevoked)
	t.Run("Statements", s.tokenStatements)
}

// clientTokenFor is a client credentials token of client issued at t0+1h.
func clientTokenFor(client, id string) sigil.ClientToken {
	issued := t0.Add(time.Hour)
	return sigil.ClientToken{
		ID:              id,
		ClientID:        client,
		Scope:           sigil.Scopes{"orders:read", "orders:write"},
		AccessTokenHash: hash("client token " + id),
		IssuedAt:        issued,
		ExpiresAt:       issued.Add(tokenTTL),
	}
}

// clientTokenRoundTrip checks that a client credentials token reads back
// through GetAuthorizationByAccessToken as an exchanged authorization of
// its client with no person, browser, code or refresh token.
func (s suite) clientTokenRoundTrip(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	mustClient(t, st, "m2m")
	tok := clientTokenFor("m2m", "cc1")
	if err := st.CreateClientToken(ctx, tok); err != nil {
		t.Fatalf("CreateClientToken: %v", err)
	}
	got, err := st.GetAuthorizationByAccessToken(ctx, tok.AccessTokenHash, tok.IssuedAt)
	if err != nil {
		t.Fatalf("GetAuthorizationByAccessToken: %v", err)
	}
	want := &sigil.Authorization{
		ID:                   tok.ID,
		ClientID:             tok.ClientID,
		State:                sigil.StateExchanged,
		Scope:                tok.Scope,
		GrantedScope:         tok.Scope,
		MaxAge:               -1,
		RequestedAt:          tok.IssuedAt,
		ExpiresAt:            tok.ExpiresAt,
		AccessTokenHash:      tok.AccessTokenHash,
		AccessTokenExpiresAt: tok.ExpiresAt,
		TokensIssuedAt:       tok.IssuedAt,
	}
	equalFields(t, "client token", got, want)
	if !got.ForClient() {
		t.Errorf("ForClient() = false for a client credentials token")
	}

	// A token with no scope is valid: it stands for the client alone.
	bare := clientTokenFor("m2m", "cc2")
	bare.Scope = nil
	if err := st.CreateClientToken(ctx, bare); err != nil {
		t.Fatalf("CreateClientToken(no scope): %v", err)
	}
	got, err = st.GetAuthorizationByAccessToken(ctx, bare.AccessTokenHash, bare.IssuedAt)
	if err != nil || len(got.GrantedScope) != 0 || got.ID != bare.ID {
		t.Fatalf("GetAuthorizationByAccessToken(no scope) = %+v, %v", got, err)
	}
	// Neither token is a refresh token.
	for _, h := range [][]byte{tok.AccessTokenHash, bare.AccessTokenHash} {
		_, err := st.GetAuthorizationByRefreshToken(ctx, h, tok.IssuedAt)
		wantErr(t, "GetAuthorizationByRefreshToken(client token)", err, sigil.ErrNotFound)
	}
}

// clientTokenExpiry checks that the token reads until, and not at, its
// expiry.
func (s suite) clientTokenExpiry(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	mustClient(t, st, "m2m")
	tok := clientTokenFor("m2m", "cc1")
	if err := st.CreateClientToken(ctx, tok); err != nil {
		t.Fatalf("CreateClientToken: %v", err)
	}
	if _, err := st.GetAuthorizationByAccessToken(ctx, tok.AccessTokenHash, tok.ExpiresAt.Add(-time.Second)); err != nil {
		t.Errorf("GetAuthorizationByAccessToken just before expiry: %v", err)
	}
	for _, now := range []time.Time{tok.ExpiresAt, tok.ExpiresAt.Add(time.Hour)} {
		_, err := st.GetAuthorizationByAccessToken(ctx, tok.AccessTokenHash, now)
		wantErr(t, "GetAuthorizationByAccessToken(expired client token)", err, sigil.ErrNotFound)
	}
}

// clientTokenRejected checks the errors of CreateClientToken: an unknown
// client, an id or a token hash already stored, and missing fields; none
// stores anything.
func (s suite) clientTokenRejected(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	c := mustClient(t, st, "m2m")
	tok := clientTokenFor("m2m", "cc1")
	if err := st.CreateClientToken(ctx, tok); err != nil {
		t.Fatalf("CreateClientToken: %v", err)
	}

	unknown := clientTokenFor("nobody", "cc2")
	wantErr(t, "CreateClientToken(unknown client)", st.CreateClientToken(ctx, unknown), sigil.ErrNotFound)
	sameID := clientTokenFor("m2m", "cc1")
	sameID.AccessTokenHash = hash("another token")
	wantErr(t, "CreateClientToken(existing id)", st.CreateClientToken(ctx, sameID), sigil.ErrConflict)
	sameHash := clientTokenFor("m2m", "cc3")
	sameHash.AccessTokenHash = tok.AccessTokenHash
	wantErr(t, "CreateClientToken(existing token hash)", st.CreateClientToken(ctx, sameHash), sigil.ErrConflict)
	// A token hash of the code flow is taken too.
	a := newRequest("flow1", c)
	mustCreate(t, st, a)
	ex, _ := refreshable(t, st, a)
	flowHash := clientTokenFor("m2m", "cc4")
	flowHash.AccessTokenHash = ex.AccessTokenHash
	wantErr(t, "CreateClientToken(a code flow's token hash)", st.CreateClientToken(ctx, flowHash), sigil.ErrConflict)

	for name, mutate := range map[string]func(*sigil.ClientToken){
		"no id":         func(k *sigil.ClientToken) { k.ID = "" },
		"no client":     func(k *sigil.ClientToken) { k.ClientID = "" },
		"no token hash": func(k *sigil.ClientToken) { k.AccessTokenHash = nil },
		"no issue time": func(k *sigil.ClientToken) { k.IssuedAt = time.Time{} },
		"no expiry":     func(k *sigil.ClientToken) { k.ExpiresAt = time.Time{} },
	} {
		k := clientTokenFor("m2m", "cc-"+name)
		mutate(&k)
		if err := st.CreateClientToken(ctx, k); err == nil {
			t.Errorf("CreateClientToken(%s) succeeded", name)
		}
		if _, err := st.GetAuthorization(ctx, k.ID); err == nil && k.ID != "" {
			t.Errorf("CreateClientToken(%s) stored the token", name)
		}
	}
	for _, id := range []string{unknown.ID, "cc3", "cc4"} {
		_, err := st.GetAuthorization(ctx, id)
		wantErr(t, "GetAuthorization(rejected "+id+")", err, sigil.ErrNotFound)
	}
	got, err := st.GetAuthorizationByAccessToken(ctx, tok.AccessTokenHash, tok.IssuedAt)
	if err != nil || got.ID != tok.ID {
		t.Errorf("the first token after rejected ones: %+v, %v", got, err)
	}
}

// concurrentTokens is how many CreateClientToken calls the concurrency
// cases start at once: more than any pool has connections, so that a
// backend that joins concurrent writes (group commit) joins many.
const concurrentTokens = 200

// clientTokenConcurrent checks that concurrent CreateClientToken calls all
// succeed and are all stored, each readable by its own token hash, and
// that joining them costs no more statements than writing them one by one.
func (s suite) clientTokenConcurrent(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	mustClient(t, st, "m2m")
	counter, counts := st.(StatementCounter)
	var before uint64
	if counts {
		before = counter.Statements()
	}
	toks := make([]sigil.ClientToken, concurrentTokens)
	for i := range toks {
		toks[i] = clientTokenFor("m2m", fmt.Sprintf("cc%d", i))
	}
	errs := race(len(toks), func(i int) error { return st.CreateClientToken(ctx, toks[i]) })
	if counts {
		if n := counter.Statements() - before; n > concurrentTokens {
			t.Errorf("%d concurrent CreateClientToken sent %d statements, want at most %d", concurrentTokens, n, concurrentTokens)
		} else {
			t.Logf("%d concurrent CreateClientToken sent %d statements", concurrentTokens, n)
		}
	}
	for i, tok := range toks {
		if errs[i] != nil {
			t.Errorf("CreateClientToken(%s): %v", tok.ID, errs[i])
			continue
		}
		got, err := st.GetAuthorizationByAccessToken(ctx, tok.AccessTokenHash, tok.IssuedAt)
		if err != nil || got.ID != tok.ID || got.ClientID != "m2m" {
			t.Errorf("token %s after concurrent creation: %+v, %v", tok.ID, got, err)
		}
	}
}

// clientTokenConcurrentRejected checks error isolation under concurrency:
// among concurrent CreateClientToken calls, a duplicate id, a duplicate
// token hash or an unknown client fails only the caller at fault (with
// ErrConflict or ErrNotFound), even when a backend writes their tokens
// together with the others'; every other token is stored.
func (s suite) clientTokenConcurrentRejected(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	mustClient(t, st, "m2m")
	toks := make([]sigil.ClientToken, concurrentTokens)
	for i := range toks {
		toks[i] = clientTokenFor("m2m", fmt.Sprintf("cc%d", i))
	}
	// Pairs that cannot both be stored: tokens 0-9 share their id with
	// tokens 100-109, tokens 10-19 their hash with tokens 110-119. Tokens
	// 50-54 name a client that does not exist.
	for i := range 10 {
		toks[100+i].ID = toks[i].ID
		toks[110+i].AccessTokenHash = toks[10+i].AccessTokenHash
	}
	for i := 50; i < 55; i++ {
		toks[i].ClientID = "nobody"
	}
	errs := race(len(toks), func(i int) error { return st.CreateClientToken(ctx, toks[i]) })

	for i := range 20 {
		a, b := errs[i], errs[100+i]
		if (a == nil) == (b == nil) {
			t.Errorf("tokens %d and %d share an id or hash: errors %v and %v, want exactly one nil", i, 100+i, a, b)
			continue
		}
		loser := a
		if a == nil {
			loser = b
		}
		wantErr(t, fmt.Sprintf("CreateClientToken(duplicate of token %d)", i), loser, sigil.ErrConflict)
	}
	for i := 50; i < 55; i++ {
		wantErr(t, fmt.Sprintf("CreateClientToken(token %d of an unknown client)", i), errs[i], sigil.ErrNotFound)
	}
	for i, tok := range toks {
		paired := i < 20 || (i >= 100 && i < 120)
		if paired || tok.ClientID == "nobody" {
			continue
		}
		if errs[i] != nil {
			t.Errorf("CreateClientToken(%s), which conflicts with nothing: %v", tok.ID, errs[i])
			continue
		}
		got, err := st.GetAuthorizationByAccessToken(ctx, tok.AccessTokenHash, tok.IssuedAt)
		if err != nil || got.ID != tok.ID {
			t.Errorf("token %s: %+v, %v", tok.ID, got, err)
		}
	}
	// The winner of each pair is the one stored.
	for i := range 20 {
		w := toks[i]
		if errs[i] != nil {
			w = toks[100+i]
		}
		got, err := st.GetAuthorizationByAccessToken(ctx, w.AccessTokenHash, w.IssuedAt)
		if err != nil || got.ID != w.ID {
			t.Errorf("winner %s of a pair: %+v, %v", w.ID, got, err)
		}
	}
}

// clientTokenRevoke checks RFC 7009 revocation of a client credentials
// token: only its own client revokes it.
func (s suite) clientTokenRevoke(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	mustClient(t, st, "m2m")
	mustClient(t, st, "other")
	tok := clientTokenFor("m2m", "cc1")
	if err := st.CreateClientToken(ctx, tok); err != nil {
		t.Fatalf("CreateClientToken: %v", err)
	}
	if err := st.RevokeToken(ctx, tok.AccessTokenHash, "other"); err != nil {
		t.Fatalf("RevokeToken(other client): %v", err)
	}
	if _, err := st.GetAuthorizationByAccessToken(ctx, tok.AccessTokenHash, tok.IssuedAt); err != nil {
		t.Errorf("GetAuthorizationByAccessToken after another client's revocation: %v", err)
	}
	if err := st.RevokeToken(ctx, tok.AccessTokenHash, "m2m"); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	_, err := st.GetAuthorizationByAccessToken(ctx, tok.AccessTokenHash, tok.IssuedAt)
	wantErr(t, "GetAuthorizationByAccessToken(revoked client token)", err, sigil.ErrNotFound)
	wantState(t, st, tok.ID, sigil.StateRevoked)
}

// clientTokenDeleteExpired checks that the janitor removes a client
// credentials token once it has expired, and not before.
func (s suite) clientTokenDeleteExpired(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	mustClient(t, st, "m2m")
	tok := clientTokenFor("m2m", "cc1")
	if err := st.CreateClientToken(ctx, tok); err != nil {
		t.Fatalf("CreateClientToken: %v", err)
	}
	for _, cutoff := range []time.Time{tok.IssuedAt, tok.ExpiresAt.Add(-time.Second), tok.ExpiresAt} {
		if n, err := st.DeleteExpired(ctx, cutoff); err != nil || n != 0 {
			t.Errorf("DeleteExpired(%v) = %d, %v; want 0 while the token lives", cutoff, n, err)
		}
	}
	if n, err := st.DeleteExpired(ctx, tok.ExpiresAt.Add(time.Second)); err != nil || n != 1 {
		t.Errorf("DeleteExpired(after expiry) = %d, %v; want 1", n, err)
	}
	_, err := st.GetAuthorization(ctx, tok.ID)
	wantErr(t, "GetAuthorization(deleted client token)", err, sigil.ErrNotFound)
}

// clientTokenDeleteClient checks that deleting the client deletes its
// client credentials tokens.
func (s suite) clientTokenDeleteClient(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	mustClient(t, st, "m2m")
	tok := clientTokenFor("m2m", "cc1")
	if err := st.CreateClientToken(ctx, tok); err != nil {
		t.Fatalf("CreateClientToken: %v", err)
	}
	if err := st.DeleteClient(ctx, "m2m"); err != nil {
		t.Fatalf("DeleteClient: %v", err)
	}
	_, err := st.GetAuthorizationByAccessToken(ctx, tok.AccessTokenHash, tok.IssuedAt)
	wantErr(t, "GetAuthorizationByAccessToken(token of a deleted client)", err, sigil.ErrNotFound)
}

// byRefreshToken checks GetAuthorizationByRefreshToken: the current,
// unexpired refresh token reads; a rotated-out one does not and, being a
// read, revokes nothing; neither do an access token or an unknown hash.
func (s suite) byRefreshToken(t *testing.T) {
	st, a := s.setup(t)
	ctx := context.Background()
	ex, exchanged := refreshable(t, st, a)
	now := exchangeNow.Add(time.Minute)
	got, err := st.GetAuthorizationByRefreshToken(ctx, ex.RefreshTokenHash, now)
	if err != nil {
		t.Fatalf("GetAuthorizationByRefreshToken: %v", err)
	}
	equalFields(t, "by refresh token", got, exchanged)
	if got.ForClient() {
		t.Errorf("ForClient() = true for a person's authorization")
	}

	for name, h := range map[string][]byte{"unknown": hash("unknown"), "empty": nil, "access token": ex.AccessTokenHash, "code": ex.CodeHash} {
		_, err := st.GetAuthorizationByRefreshToken(ctx, h, now)
		wantErr(t, "GetAuthorizationByRefreshToken("+name+")", err, sigil.ErrNotFound)
	}
	// Expiry: readable just before, not at or after.
	if _, err := st.GetAuthorizationByRefreshToken(ctx, ex.RefreshTokenHash, ex.RefreshTokenExpiresAt.Add(-time.Second)); err != nil {
		t.Errorf("GetAuthorizationByRefreshToken just before expiry: %v", err)
	}
	_, err = st.GetAuthorizationByRefreshToken(ctx, ex.RefreshTokenHash, ex.RefreshTokenExpiresAt)
	wantErr(t, "GetAuthorizationByRefreshToken(expired)", err, sigil.ErrNotFound)

	// After a rotation only the new token reads, and reading the old one
	// is not reuse: the authorization stays exchanged.
	r := refreshFor(ex.RefreshFamily, a.ClientID, 0, now)
	if _, err := st.RefreshAuthorization(ctx, r, now); err != nil {
		t.Fatalf("RefreshAuthorization: %v", err)
	}
	_, err = st.GetAuthorizationByRefreshToken(ctx, ex.RefreshTokenHash, now)
	wantErr(t, "GetAuthorizationByRefreshToken(rotated-out token)", err, sigil.ErrNotFound)
	wantState(t, st, a.ID, sigil.StateExchanged)
	got, err = st.GetAuthorizationByRefreshToken(ctx, r.NewRefreshTokenHash, now)
	if err != nil || got.ID != a.ID || string(got.RefreshTokenHash) != string(r.NewRefreshTokenHash) {
		t.Errorf("GetAuthorizationByRefreshToken(new token) = %+v, %v", got, err)
	}
}

// byRefreshTokenRevoked checks that the refresh token of a revoked
// authorization no longer reads, whether revoked through the access token
// (RFC 7009: one authorization, both tokens) or by reuse.
func (s suite) byRefreshTokenRevoked(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	c := mustClient(t, st, "rp")
	now := exchangeNow.Add(time.Minute)

	a := newRequest("revoked", c)
	mustCreate(t, st, a)
	ex, _ := refreshable(t, st, a)
	if err := st.RevokeToken(ctx, ex.AccessTokenHash, c.ID); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	_, err := st.GetAuthorizationByRefreshToken(ctx, ex.RefreshTokenHash, now)
	wantErr(t, "GetAuthorizationByRefreshToken(revoked by its access token)", err, sigil.ErrNotFound)

	b := newRequest("reused", c)
	mustCreate(t, st, b)
	ex, _ = refreshable(t, st, b)
	r := refreshFor(ex.RefreshFamily, c.ID, 0, now)
	if _, err := st.RefreshAuthorization(ctx, r, now); err != nil {
		t.Fatalf("RefreshAuthorization: %v", err)
	}
	if _, err := st.RefreshAuthorization(ctx, refreshFor(ex.RefreshFamily, c.ID, 0, now), now); err == nil {
		t.Fatalf("reused refresh token refreshed")
	}
	_, err = st.GetAuthorizationByRefreshToken(ctx, r.NewRefreshTokenHash, now)
	wantErr(t, "GetAuthorizationByRefreshToken(current token of a family revoked by reuse)", err, sigil.ErrNotFound)
}

// tokenStatements checks the statement budget: issuing a client
// credentials token and each introspection read are one statement, hit or
// miss.
func (s suite) tokenStatements(t *testing.T) {
	st := s.open(t)
	counter, ok := st.(StatementCounter)
	if !ok {
		t.Skip("store does not count statements")
	}
	ctx := context.Background()
	mustClient(t, st, "m2m")
	tok := clientTokenFor("m2m", "cc1")
	steps := []struct {
		name string
		call func() error
	}{
		{"CreateClientToken", func() error { return st.CreateClientToken(ctx, tok) }},
		{"GetAuthorizationByAccessToken", func() error {
			_, err := st.GetAuthorizationByAccessToken(ctx, tok.AccessTokenHash, tok.IssuedAt)
			return err
		}},
		{"GetAuthorizationByRefreshToken(unknown)", func() error {
			if _, err := st.GetAuthorizationByRefreshToken(ctx, hash("unknown"), tok.IssuedAt); err == nil {
				t.Errorf("an unknown refresh token read")
			}
			return nil
		}},
	}
	for _, step := range steps {
		before := counter.Statements()
		if err := step.call(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if n := counter.Statements() - before; n != 1 {
			t.Errorf("%s sent %d statements, want 1", step.name, n)
		}
	}
}
