// Package storetest is the conformance suite of sigil.Store. Every backend
// runs it from its own tests, so callers can rely on exactly what it checks
// whichever database sits underneath: single use of every step, browser
// binding, expiry, code replay revocation, and the statement budget.
package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
)

// StatementCounter is implemented by stores that count the SQL statements
// they send. Run then checks the statement budget of a login flow; it is
// optional so that sigil.Store stays free of it.
type StatementCounter interface {
	Statements() uint64
}

// Run runs the suite. open must return a new, empty, migrated store for each
// call, and close it when its test ends (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) sigil.Store) {
	s := suite{open: open}
	t.Run("Clients", func(t *testing.T) {
		t.Run("RoundTrip", s.clientRoundTrip)
		t.Run("MinimalRoundTrip", s.clientMinimalRoundTrip)
		t.Run("GetMissing", s.clientGetMissing)
		t.Run("CreateDuplicate", s.clientCreateDuplicate)
		t.Run("List", s.clientList)
		t.Run("Update", s.clientUpdate)
		t.Run("Delete", s.clientDelete)
	})
	t.Run("Authorizations", func(t *testing.T) {
		t.Run("RoundTrip", s.authRoundTrip)
		t.Run("MinimalRoundTrip", s.authMinimalRoundTrip)
		t.Run("CreateDuplicate", s.authCreateDuplicate)
		t.Run("CreateUnknownClient", s.authCreateUnknownClient)
		t.Run("GetMissing", s.authGetMissing)
		t.Run("FilledOnRead", s.authFilledOnRead)
		t.Run("HappyPath", s.authHappyPath)
		t.Run("Rechallenge", s.authRechallenge)
		t.Run("WrongBrowser", s.authWrongBrowser)
		t.Run("ExpiredFlow", s.authExpiredFlow)
		t.Run("AuthenticateWrongNonce", s.authWrongNonce)
		t.Run("AuthenticateChallengeExpired", s.authChallengeExpired)
		t.Run("AuthenticateTwice", s.authTwice)
		t.Run("AuthenticateWithGrantedScope", s.authWithGrantedScope)
		t.Run("GrantOnlyFromAuthenticated", s.grantOnlyFromAuthenticated)
		t.Run("Reject", s.reject)
		t.Run("Resume", s.resume)
		t.Run("TransitionsOnMissing", s.transitionsOnMissing)
	})
	t.Run("ExchangeCode", func(t *testing.T) {
		t.Run("Mismatch", s.exchangeMismatch)
		t.Run("Replay", s.exchangeReplay)
		t.Run("PlainPKCE", s.exchangePlain)
		t.Run("NoPKCE", s.exchangeNoPKCE)
		t.Run("AccessTokenExpiry", s.accessTokenExpiry)
		t.Run("Concurrent", s.exchangeConcurrent)
	})
	t.Run("Consents", func(t *testing.T) {
		t.Run("SaveAndGet", s.consentSaveAndGet)
		t.Run("UnknownClient", s.consentUnknownClient)
	})
	t.Run("SigningKeys", s.signingKeys)
	t.Run("DeleteExpired", s.deleteExpired)
	t.Run("Statements", s.statements)
}

type suite struct {
	open func(t *testing.T) sigil.Store
}

// t0 is the suite's clock: stores take the time as an argument, so tests
// never sleep. Times are whole seconds, the precision every backend keeps.
var t0 = time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)

const (
	flowTTL      = 30 * time.Minute
	challengeTTL = 5 * time.Minute
	codeTTL      = time.Minute
	tokenTTL     = time.Hour
)

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func s256(verifier string) string {
	h := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

func newClient(id string) *sigil.Client {
	site := "https://" + id + ".example"
	return &sigil.Client{
		ID:                      id,
		SecretHash:              hash("secret-" + id),
		Name:                    "Client " + id,
		RedirectURIs:            []string{site + "/callback", site + "/other?x=1 y"},
		PostLogoutRedirectURIs:  []string{site + "/bye"},
		GrantTypes:              []string{"authorization_code"},
		ResponseTypes:           []string{"code"},
		Scope:                   sigil.Scopes{"openid", "profile", "email"},
		TokenEndpointAuthMethod: sigil.AuthMethodClientSecretBasic,
		LogoURI:                 site + "/logo.png",
		ClientURI:               site,
		PolicyURI:               site + "/policy",
		TosURI:                  site + "/tos",
		AllowedCORSOrigins:      []string{site, "https://app." + id + ".example"},
		AllowPlainPKCE:          true,
		CreatedAt:               t0,
		UpdatedAt:               t0.Add(time.Hour),
	}
}

func mustClient(t *testing.T, st sigil.Store, id string) *sigil.Client {
	t.Helper()
	c := newClient(id)
	if err := st.CreateClient(context.Background(), c); err != nil {
		t.Fatalf("CreateClient(%s): %v", id, err)
	}
	return c
}

// newRequest is a validated authorization request for client, as the
// authorization endpoint would create it.
func newRequest(id string, client *sigil.Client) *sigil.Authorization {
	return &sigil.Authorization{
		ID:                  id,
		BrowserHash:         hash("browser-" + id),
		ClientID:            client.ID,
		State:               sigil.StateRequested,
		RedirectURI:         client.RedirectURIs[0],
		ResponseMode:        "query",
		Scope:               sigil.Scopes{"openid", "profile"},
		OAuthState:          "state-" + id,
		Nonce:               "nonce-" + id,
		CodeChallenge:       s256(verifier(id)),
		CodeChallengeMethod: "S256",
		MaxAge:              -1,
		RequestedAt:         t0,
		ExpiresAt:           t0.Add(flowTTL),
	}
}

func verifier(id string) string { return "verifier-" + id + "-0123456789abcdefghijklmnopqrstuvwxyz" }

func mustCreate(t *testing.T, st sigil.Store, a *sigil.Authorization) {
	t.Helper()
	if err := st.CreateAuthorization(context.Background(), a); err != nil {
		t.Fatalf("CreateAuthorization(%s): %v", a.ID, err)
	}
}

// setup creates a client and a requested authorization for it.
func (s suite) setup(t *testing.T) (sigil.Store, *sigil.Authorization) {
	t.Helper()
	st := s.open(t)
	c := mustClient(t, st, "rp")
	a := newRequest("flow1", c)
	mustCreate(t, st, a)
	return st, a
}

func challengeFor(a *sigil.Authorization, n int, now time.Time) sigil.Challenge {
	return sigil.Challenge{
		Subject:   "alice.crypto",
		Address:   "0x00000000000000000000000000000000000A11CE",
		Nonce:     "challenge-" + a.ID + "-" + string(rune('a'+n)),
		IssuedAt:  now,
		ExpiresAt: now.Add(challengeTTL),
	}
}

func authenticationFor(a *sigil.Authorization, ch sigil.Challenge, now time.Time) sigil.Authentication {
	return sigil.Authentication{
		ChallengeNonce: ch.Nonce,
		Message:        "example.com wants you to sign in with " + ch.Subject + "\nNonce: " + ch.Nonce,
		Signature:      "0x5151",
		WalletTypeHint: "metamask",
		AuthTime:       now,
		SessionID:      "session-" + a.ID,
	}
}

func exchangeFor(a *sigil.Authorization, code []byte, now time.Time) sigil.CodeExchange {
	return sigil.CodeExchange{
		CodeHash:             code,
		ClientID:             a.ClientID,
		RedirectURI:          a.RedirectURI,
		S256Challenge:        s256(verifier(a.ID)),
		PlainChallenge:       verifier(a.ID),
		AccessTokenHash:      hash("token-" + a.ID + now.String()),
		AccessTokenExpiresAt: now.Add(tokenTTL),
	}
}

// challenged moves a to challenged at t0+1m and returns the challenge.
func challenged(t *testing.T, st sigil.Store, a *sigil.Authorization) sigil.Challenge {
	t.Helper()
	now := t0.Add(time.Minute)
	ch := challengeFor(a, 0, now)
	if _, err := st.ChallengeAuthorization(context.Background(), a.ID, a.BrowserHash, ch, now); err != nil {
		t.Fatalf("ChallengeAuthorization: %v", err)
	}
	return ch
}

// authenticated moves a to authenticated at t0+2m.
func authenticated(t *testing.T, st sigil.Store, a *sigil.Authorization) {
	t.Helper()
	ch := challenged(t, st, a)
	now := t0.Add(2 * time.Minute)
	if _, err := st.AuthenticateAuthorization(context.Background(), a.ID, a.BrowserHash, authenticationFor(a, ch, now), now); err != nil {
		t.Fatalf("AuthenticateAuthorization: %v", err)
	}
}

// codeIssued moves a to code_issued at t0+3m and returns the code hash.
func codeIssued(t *testing.T, st sigil.Store, a *sigil.Authorization) []byte {
	t.Helper()
	authenticated(t, st, a)
	now := t0.Add(3 * time.Minute)
	code := hash("code-" + a.ID)
	if _, err := st.GrantAuthorization(context.Background(), a.ID, a.BrowserHash, a.Scope, code, now.Add(codeTTL), now); err != nil {
		t.Fatalf("GrantAuthorization: %v", err)
	}
	return code
}

// exchangeNow is a time at which a code from codeIssued is still valid.
var exchangeNow = t0.Add(3*time.Minute + 10*time.Second)

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

func wantState(t *testing.T, st sigil.Store, id string, want sigil.AuthorizationState) {
	t.Helper()
	a, err := st.GetAuthorization(context.Background(), id)
	if err != nil {
		t.Fatalf("GetAuthorization(%s): %v", id, err)
	}
	if a.State != want {
		t.Errorf("authorization %s is %s, want %s", id, a.State, want)
	}
}

// equalFields compares two structs (or pointers to them) field by field,
// reporting each difference. Times compare with Equal, and an empty slice
// equals a nil one.
func equalFields(t *testing.T, what string, got, want any) {
	t.Helper()
	gv, wv := reflect.Indirect(reflect.ValueOf(got)), reflect.Indirect(reflect.ValueOf(want))
	for i := range gv.NumField() {
		name := gv.Type().Field(i).Name
		g, w := gv.Field(i), wv.Field(i)
		switch {
		case g.Type() == reflect.TypeOf(time.Time{}):
			gt, wt := g.Interface().(time.Time), w.Interface().(time.Time)
			if !gt.Equal(wt) {
				t.Errorf("%s.%s = %v, want %v", what, name, gt, wt)
			}
		case g.Kind() == reflect.Slice && g.Len() == 0 && w.Len() == 0:
		default:
			if !reflect.DeepEqual(g.Interface(), w.Interface()) {
				t.Errorf("%s.%s = %#v, want %#v", what, name, g.Interface(), w.Interface())
			}
		}
	}
}

// Clients.

func (s suite) clientRoundTrip(t *testing.T) {
	st := s.open(t)
	want := mustClient(t, st, "rp")
	got, err := st.GetClient(context.Background(), "rp")
	if err != nil {
		t.Fatalf("GetClient: %v", err)
	}
	equalFields(t, "client", got, want)
}

func (s suite) clientMinimalRoundTrip(t *testing.T) {
	st := s.open(t)
	want := &sigil.Client{ID: "spa", TokenEndpointAuthMethod: sigil.AuthMethodNone}
	if err := st.CreateClient(context.Background(), want); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	got, err := st.GetClient(context.Background(), "spa")
	if err != nil {
		t.Fatalf("GetClient: %v", err)
	}
	equalFields(t, "client", got, want)
	if !got.CreatedAt.IsZero() || !got.UpdatedAt.IsZero() {
		t.Errorf("zero times read as %v, %v", got.CreatedAt, got.UpdatedAt)
	}
}

func (s suite) clientGetMissing(t *testing.T) {
	st := s.open(t)
	_, err := st.GetClient(context.Background(), "nobody")
	wantErr(t, "GetClient(missing)", err, sigil.ErrNotFound)
}

func (s suite) clientCreateDuplicate(t *testing.T) {
	st := s.open(t)
	mustClient(t, st, "rp")
	dup := newClient("rp")
	dup.Name = "Impostor"
	wantErr(t, "CreateClient(duplicate)", st.CreateClient(context.Background(), dup), sigil.ErrConflict)
	got, err := st.GetClient(context.Background(), "rp")
	if err != nil {
		t.Fatalf("GetClient: %v", err)
	}
	if got.Name != "Client rp" {
		t.Errorf("duplicate create overwrote the client: name %q", got.Name)
	}
}

func (s suite) clientList(t *testing.T) {
	st := s.open(t)
	got, err := st.ListClients(context.Background())
	if err != nil || len(got) != 0 {
		t.Fatalf("ListClients(empty) = %v, %v; want none", got, err)
	}
	want := map[string]*sigil.Client{}
	for _, id := range []string{"charlie", "alpha", "bravo"} {
		want[id] = mustClient(t, st, id)
	}
	got, err = st.ListClients(context.Background())
	if err != nil {
		t.Fatalf("ListClients: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("ListClients returned %d clients, want %d", len(got), len(want))
	}
	for _, c := range got {
		w, ok := want[c.ID]
		if !ok {
			t.Fatalf("ListClients returned unknown client %q", c.ID)
		}
		delete(want, c.ID)
		equalFields(t, "client "+c.ID, c, w)
	}
}

func (s suite) clientUpdate(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	mustClient(t, st, "rp")
	mustClient(t, st, "other")
	want := &sigil.Client{
		ID:                      "rp",
		SecretHash:              hash("rotated"),
		Name:                    "Renamed",
		RedirectURIs:            []string{"https://new.example/cb"},
		GrantTypes:              []string{"authorization_code", "refresh_token"},
		ResponseTypes:           []string{"code"},
		Scope:                   sigil.Scopes{"openid"},
		TokenEndpointAuthMethod: sigil.AuthMethodClientSecretPost,
		LogoURI:                 "https://new.example/logo.svg",
		CreatedAt:               t0,
		UpdatedAt:               t0.Add(48 * time.Hour),
	}
	if err := st.UpdateClient(ctx, want); err != nil {
		t.Fatalf("UpdateClient: %v", err)
	}
	got, err := st.GetClient(ctx, "rp")
	if err != nil {
		t.Fatalf("GetClient: %v", err)
	}
	equalFields(t, "updated client", got, want)
	other, err := st.GetClient(ctx, "other")
	if err != nil {
		t.Fatalf("GetClient(other): %v", err)
	}
	equalFields(t, "untouched client", other, newClient("other"))

	wantErr(t, "UpdateClient(missing)", st.UpdateClient(ctx, newClient("nobody")), sigil.ErrNotFound)
}

func (s suite) clientDelete(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	c := mustClient(t, st, "rp")
	mustClient(t, st, "other")
	a := newRequest("flow1", c)
	mustCreate(t, st, a)
	if err := st.SaveConsent(ctx, sigil.Consent{Subject: "alice.crypto", ClientID: "rp", Scope: sigil.Scopes{"openid"}, GrantedAt: t0}); err != nil {
		t.Fatalf("SaveConsent: %v", err)
	}

	if err := st.DeleteClient(ctx, "rp"); err != nil {
		t.Fatalf("DeleteClient: %v", err)
	}
	_, err := st.GetClient(ctx, "rp")
	wantErr(t, "GetClient(deleted)", err, sigil.ErrNotFound)
	wantErr(t, "DeleteClient(deleted)", st.DeleteClient(ctx, "rp"), sigil.ErrNotFound)
	// A client's authorizations go with it, so their tokens stop working.
	_, err = st.GetAuthorization(ctx, a.ID)
	wantErr(t, "GetAuthorization(of deleted client)", err, sigil.ErrNotFound)
	if _, err := st.GetClient(ctx, "other"); err != nil {
		t.Errorf("GetClient(other) after deleting rp: %v", err)
	}
	// The id can be registered again, without the old consent.
	c = mustClient(t, st, "rp")
	a = newRequest("flow2", c)
	mustCreate(t, st, a)
	challenged(t, st, a)
	got, err := st.GetAuthorization(ctx, a.ID)
	if err != nil {
		t.Fatalf("GetAuthorization: %v", err)
	}
	if got.RememberedScope != nil {
		t.Errorf("consent survived its client: %v", got.RememberedScope)
	}
}

// Authorizations.

// fullAuthorization sets every stored field, to prove each one round-trips.
func fullAuthorization(client *sigil.Client) *sigil.Authorization {
	return &sigil.Authorization{
		ID:                   "full",
		BrowserHash:          hash("browser"),
		ClientID:             client.ID,
		State:                sigil.StateRequested,
		RedirectURI:          client.RedirectURIs[1],
		ResponseMode:         "form_post",
		Scope:                sigil.Scopes{"openid", "email", "profile"},
		OAuthState:           "xyz state with spaces & symbols",
		Nonce:                "n-0S6_WzA2Mj",
		CodeChallenge:        s256("v"),
		CodeChallengeMethod:  "S256",
		Prompt:               "login consent",
		MaxAge:               600,
		LoginHint:            "alice.crypto",
		RequestedAt:          t0,
		ExpiresAt:            t0.Add(flowTTL),
		Subject:              "alice.crypto",
		Address:              "0x00000000000000000000000000000000000A11CE",
		ChallengeNonce:       "cn",
		ChallengeIssuedAt:    t0.Add(time.Second),
		ChallengeExpiresAt:   t0.Add(challengeTTL),
		Message:              "line one\nline two",
		Signature:            "0xabcdef",
		WalletTypeHint:       "walletconnect",
		AuthTime:             t0.Add(2 * time.Second),
		SessionID:            "sid",
		GrantedScope:         sigil.Scopes{"openid", "email"},
		CodeHash:             hash("code"),
		CodeExpiresAt:        t0.Add(codeTTL),
		AccessTokenHash:      hash("token"),
		AccessTokenExpiresAt: t0.Add(tokenTTL),
	}
}

func (s suite) authRoundTrip(t *testing.T) {
	st := s.open(t)
	c := mustClient(t, st, "rp")
	want := fullAuthorization(c)
	mustCreate(t, st, want)
	got, err := st.GetAuthorization(context.Background(), want.ID)
	if err != nil {
		t.Fatalf("GetAuthorization: %v", err)
	}
	w := *want
	w.ClientName, w.ClientLogoURI = c.Name, c.LogoURI
	equalFields(t, "authorization", got, &w)
}

func (s suite) authMinimalRoundTrip(t *testing.T) {
	st := s.open(t)
	c := mustClient(t, st, "rp")
	want := newRequest("flow1", c)
	mustCreate(t, st, want)
	got, err := st.GetAuthorization(context.Background(), want.ID)
	if err != nil {
		t.Fatalf("GetAuthorization: %v", err)
	}
	w := *want
	w.ClientName, w.ClientLogoURI = c.Name, c.LogoURI
	equalFields(t, "authorization", got, &w)
	if got.MaxAge != -1 {
		t.Errorf("MaxAge = %d, want -1", got.MaxAge)
	}
	for name, tm := range map[string]time.Time{
		"ChallengeIssuedAt": got.ChallengeIssuedAt, "ChallengeExpiresAt": got.ChallengeExpiresAt,
		"AuthTime": got.AuthTime, "CodeExpiresAt": got.CodeExpiresAt, "AccessTokenExpiresAt": got.AccessTokenExpiresAt,
	} {
		if !tm.IsZero() {
			t.Errorf("%s = %v, want the zero time", name, tm)
		}
	}
	if got.CodeHash != nil || got.AccessTokenHash != nil || got.RememberedScope != nil {
		t.Errorf("unset fields read as CodeHash %x, AccessTokenHash %x, RememberedScope %v", got.CodeHash, got.AccessTokenHash, got.RememberedScope)
	}
}

func (s suite) authCreateDuplicate(t *testing.T) {
	st, a := s.setup(t)
	dup := *a
	dup.OAuthState = "other"
	wantErr(t, "CreateAuthorization(duplicate)", st.CreateAuthorization(context.Background(), &dup), sigil.ErrConflict)
}

func (s suite) authCreateUnknownClient(t *testing.T) {
	st := s.open(t)
	a := newRequest("flow1", newClient("nobody"))
	wantErr(t, "CreateAuthorization(unknown client)", st.CreateAuthorization(context.Background(), a), sigil.ErrNotFound)
}

func (s suite) authGetMissing(t *testing.T) {
	st := s.open(t)
	_, err := st.GetAuthorization(context.Background(), "nope")
	wantErr(t, "GetAuthorization(missing)", err, sigil.ErrNotFound)
}

func (s suite) authFilledOnRead(t *testing.T) {
	st, a := s.setup(t)
	ctx := context.Background()
	mustClient(t, st, "other")
	get := func() *sigil.Authorization {
		t.Helper()
		got, err := st.GetAuthorization(ctx, a.ID)
		if err != nil {
			t.Fatalf("GetAuthorization: %v", err)
		}
		return got
	}
	got := get()
	if got.ClientName != "Client rp" || got.ClientLogoURI != "https://rp.example/logo.png" {
		t.Errorf("client fields = %q, %q", got.ClientName, got.ClientLogoURI)
	}
	ch := challenged(t, st, a)
	if got := get(); got.RememberedScope != nil {
		t.Errorf("RememberedScope before any consent = %v", got.RememberedScope)
	}
	save := func(c sigil.Consent) {
		t.Helper()
		if err := st.SaveConsent(ctx, c); err != nil {
			t.Fatalf("SaveConsent: %v", err)
		}
	}
	// Other subjects' and other clients' consents do not count.
	save(sigil.Consent{Subject: "bob.crypto", ClientID: "rp", Scope: sigil.Scopes{"openid", "email"}, GrantedAt: t0})
	save(sigil.Consent{Subject: ch.Subject, ClientID: "other", Scope: sigil.Scopes{"openid", "email"}, GrantedAt: t0})
	if got := get(); got.RememberedScope != nil {
		t.Errorf("RememberedScope from another subject or client = %v", got.RememberedScope)
	}
	save(sigil.Consent{Subject: ch.Subject, ClientID: "rp", Scope: sigil.Scopes{"openid"}, GrantedAt: t0})
	if got := get(); !slices.Equal(got.RememberedScope, sigil.Scopes{"openid"}) {
		t.Errorf("RememberedScope = %v, want [openid]", got.RememberedScope)
	}
	save(sigil.Consent{Subject: ch.Subject, ClientID: "rp", Scope: sigil.Scopes{"openid", "profile", "email"}, GrantedAt: t0.Add(time.Hour)})
	if got := get(); !slices.Equal(got.RememberedScope, sigil.Scopes{"openid", "profile", "email"}) {
		t.Errorf("RememberedScope after a second SaveConsent = %v, want it replaced", got.RememberedScope)
	}
	if got := get(); got.ClientName != "Client rp" || got.State != sigil.StateChallenged || got.Subject != ch.Subject {
		t.Errorf("read with consent: client %q state %s subject %q", got.ClientName, got.State, got.Subject)
	}
}

func (s suite) authHappyPath(t *testing.T) {
	st, a := s.setup(t)
	ctx := context.Background()
	wantState(t, st, a.ID, sigil.StateRequested)

	now := t0.Add(time.Minute)
	ch := challengeFor(a, 0, now)
	got, err := st.ChallengeAuthorization(ctx, a.ID, a.BrowserHash, ch, now)
	if err != nil {
		t.Fatalf("ChallengeAuthorization: %v", err)
	}
	want := *a
	want.State = sigil.StateChallenged
	want.Subject, want.Address, want.ChallengeNonce = ch.Subject, ch.Address, ch.Nonce
	want.ChallengeIssuedAt, want.ChallengeExpiresAt = ch.IssuedAt, ch.ExpiresAt
	equalFields(t, "challenged", got, &want)
	wantState(t, st, a.ID, sigil.StateChallenged)

	now = t0.Add(2 * time.Minute)
	auth := authenticationFor(a, ch, now)
	auth.Subject, auth.Address = "ignored.crypto", "0xignored"
	got, err = st.AuthenticateAuthorization(ctx, a.ID, a.BrowserHash, auth, now)
	if err != nil {
		t.Fatalf("AuthenticateAuthorization: %v", err)
	}
	want.State = sigil.StateAuthenticated
	want.Message, want.Signature, want.WalletTypeHint = auth.Message, auth.Signature, auth.WalletTypeHint
	want.AuthTime, want.SessionID = auth.AuthTime, auth.SessionID
	equalFields(t, "authenticated", got, &want)
	wantState(t, st, a.ID, sigil.StateAuthenticated)

	now = t0.Add(3 * time.Minute)
	code := hash("code")
	got, err = st.GrantAuthorization(ctx, a.ID, a.BrowserHash, sigil.Scopes{"openid"}, code, now.Add(codeTTL), now)
	if err != nil {
		t.Fatalf("GrantAuthorization: %v", err)
	}
	want.State = sigil.StateCodeIssued
	want.GrantedScope, want.CodeHash, want.CodeExpiresAt = sigil.Scopes{"openid"}, code, now.Add(codeTTL)
	equalFields(t, "code issued", got, &want)
	wantState(t, st, a.ID, sigil.StateCodeIssued)

	now = exchangeNow
	ex := exchangeFor(a, code, now)
	got, err = st.ExchangeCode(ctx, ex, now)
	if err != nil {
		t.Fatalf("ExchangeCode: %v", err)
	}
	want.State = sigil.StateExchanged
	want.AccessTokenHash, want.AccessTokenExpiresAt = ex.AccessTokenHash, ex.AccessTokenExpiresAt
	equalFields(t, "exchanged", got, &want)
	wantState(t, st, a.ID, sigil.StateExchanged)

	got, err = st.GetAuthorizationByAccessToken(ctx, ex.AccessTokenHash, now.Add(time.Minute))
	if err != nil {
		t.Fatalf("GetAuthorizationByAccessToken: %v", err)
	}
	equalFields(t, "by access token", got, &want)
}

func (s suite) authRechallenge(t *testing.T) {
	st, a := s.setup(t)
	ctx := context.Background()
	first := challenged(t, st, a)
	now := t0.Add(90 * time.Second)
	second := challengeFor(a, 1, now)
	second.Subject, second.Address = "bob.crypto", "0x0000000000000000000000000000000000000B0B"
	got, err := st.ChallengeAuthorization(ctx, a.ID, a.BrowserHash, second, now)
	if err != nil {
		t.Fatalf("second ChallengeAuthorization: %v", err)
	}
	if got.State != sigil.StateChallenged || got.Subject != second.Subject || got.Address != second.Address ||
		got.ChallengeNonce != second.Nonce || !got.ChallengeExpiresAt.Equal(second.ExpiresAt) {
		t.Errorf("rechallenged: %s %q %q %q %v", got.State, got.Subject, got.Address, got.ChallengeNonce, got.ChallengeExpiresAt)
	}
	now = now.Add(time.Second)
	_, err = st.AuthenticateAuthorization(ctx, a.ID, a.BrowserHash, authenticationFor(a, first, now), now)
	wantErr(t, "AuthenticateAuthorization(replaced nonce)", err, sigil.ErrConflict)
	if _, err := st.AuthenticateAuthorization(ctx, a.ID, a.BrowserHash, authenticationFor(a, second, now), now); err != nil {
		t.Fatalf("AuthenticateAuthorization(new nonce): %v", err)
	}
	_, err = st.ChallengeAuthorization(ctx, a.ID, a.BrowserHash, challengeFor(a, 2, now), now)
	wantErr(t, "ChallengeAuthorization(authenticated)", err, sigil.ErrConflict)
}

func (s suite) authWrongBrowser(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	c := mustClient(t, st, "rp")
	for i, browser := range [][]byte{hash("another browser"), nil} {
		id := func(state string) string { return state + string(rune('0'+i)) }
		now := t0.Add(time.Minute)

		req := newRequest(id("requested"), c)
		mustCreate(t, st, req)
		_, err := st.ChallengeAuthorization(ctx, req.ID, browser, challengeFor(req, 0, now), now)
		wantErr(t, "ChallengeAuthorization(wrong browser)", err, sigil.ErrConflict)
		_, err = st.ResumeAuthorization(ctx, req.ID, browser, sigil.Authentication{Subject: "alice.crypto", AuthTime: now}, now)
		wantErr(t, "ResumeAuthorization(wrong browser)", err, sigil.ErrConflict)
		_, err = st.RejectAuthorization(ctx, req.ID, browser, now)
		wantErr(t, "RejectAuthorization(wrong browser)", err, sigil.ErrConflict)
		wantState(t, st, req.ID, sigil.StateRequested)

		ch := newRequest(id("challenged"), c)
		mustCreate(t, st, ch)
		challenge := challenged(t, st, ch)
		now = t0.Add(2 * time.Minute)
		_, err = st.AuthenticateAuthorization(ctx, ch.ID, browser, authenticationFor(ch, challenge, now), now)
		wantErr(t, "AuthenticateAuthorization(wrong browser)", err, sigil.ErrConflict)
		wantState(t, st, ch.ID, sigil.StateChallenged)

		au := newRequest(id("authenticated"), c)
		mustCreate(t, st, au)
		authenticated(t, st, au)
		now = t0.Add(3 * time.Minute)
		_, err = st.GrantAuthorization(ctx, au.ID, browser, au.Scope, hash("code"), now.Add(codeTTL), now)
		wantErr(t, "GrantAuthorization(wrong browser)", err, sigil.ErrConflict)
		wantState(t, st, au.ID, sigil.StateAuthenticated)
	}
}

func (s suite) authExpiredFlow(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	c := mustClient(t, st, "rp")
	a := newRequest("flow1", c)
	mustCreate(t, st, a)
	for _, now := range []time.Time{a.ExpiresAt, a.ExpiresAt.Add(time.Second)} {
		_, err := st.ChallengeAuthorization(ctx, a.ID, a.BrowserHash, challengeFor(a, 0, now), now)
		wantErr(t, "ChallengeAuthorization(expired flow)", err, sigil.ErrConflict)
		_, err = st.ResumeAuthorization(ctx, a.ID, a.BrowserHash, sigil.Authentication{Subject: "alice.crypto", AuthTime: now}, now)
		wantErr(t, "ResumeAuthorization(expired flow)", err, sigil.ErrConflict)
		_, err = st.RejectAuthorization(ctx, a.ID, a.BrowserHash, now)
		wantErr(t, "RejectAuthorization(expired flow)", err, sigil.ErrConflict)
	}
	wantState(t, st, a.ID, sigil.StateRequested)

	// A challenge that outlives its flow does not extend it.
	b := newRequest("flow2", c)
	mustCreate(t, st, b)
	now := b.ExpiresAt.Add(-time.Minute)
	ch := challengeFor(b, 0, now)
	if _, err := st.ChallengeAuthorization(ctx, b.ID, b.BrowserHash, ch, now); err != nil {
		t.Fatalf("ChallengeAuthorization: %v", err)
	}
	now = b.ExpiresAt
	_, err := st.AuthenticateAuthorization(ctx, b.ID, b.BrowserHash, authenticationFor(b, ch, now), now)
	wantErr(t, "AuthenticateAuthorization(expired flow)", err, sigil.ErrConflict)

	d := newRequest("flow3", c)
	mustCreate(t, st, d)
	authenticated(t, st, d)
	now = d.ExpiresAt
	_, err = st.GrantAuthorization(ctx, d.ID, d.BrowserHash, d.Scope, hash("code"), now.Add(codeTTL), now)
	wantErr(t, "GrantAuthorization(expired flow)", err, sigil.ErrConflict)
	wantState(t, st, d.ID, sigil.StateAuthenticated)

	// An expired authorization still reads.
	if _, err := st.GetAuthorization(ctx, a.ID); err != nil {
		t.Errorf("GetAuthorization(expired): %v", err)
	}
}

func (s suite) authWrongNonce(t *testing.T) {
	st, a := s.setup(t)
	ch := challenged(t, st, a)
	now := t0.Add(2 * time.Minute)
	for _, nonce := range []string{"wrong", ""} {
		auth := authenticationFor(a, ch, now)
		auth.ChallengeNonce = nonce
		_, err := st.AuthenticateAuthorization(context.Background(), a.ID, a.BrowserHash, auth, now)
		wantErr(t, "AuthenticateAuthorization(nonce "+nonce+")", err, sigil.ErrConflict)
	}
	wantState(t, st, a.ID, sigil.StateChallenged)
}

func (s suite) authChallengeExpired(t *testing.T) {
	st, a := s.setup(t)
	ch := challenged(t, st, a)
	for _, now := range []time.Time{ch.ExpiresAt, ch.ExpiresAt.Add(time.Second)} {
		_, err := st.AuthenticateAuthorization(context.Background(), a.ID, a.BrowserHash, authenticationFor(a, ch, now), now)
		wantErr(t, "AuthenticateAuthorization(challenge expired)", err, sigil.ErrConflict)
	}
	wantState(t, st, a.ID, sigil.StateChallenged)
	// Just before expiry it works.
	now := ch.ExpiresAt.Add(-time.Second)
	if _, err := st.AuthenticateAuthorization(context.Background(), a.ID, a.BrowserHash, authenticationFor(a, ch, now), now); err != nil {
		t.Errorf("AuthenticateAuthorization before challenge expiry: %v", err)
	}
}

func (s suite) authTwice(t *testing.T) {
	st, a := s.setup(t)
	ch := challenged(t, st, a)
	now := t0.Add(2 * time.Minute)
	auth := authenticationFor(a, ch, now)
	if _, err := st.AuthenticateAuthorization(context.Background(), a.ID, a.BrowserHash, auth, now); err != nil {
		t.Fatalf("AuthenticateAuthorization: %v", err)
	}
	auth.Signature = "0xsecond"
	_, err := st.AuthenticateAuthorization(context.Background(), a.ID, a.BrowserHash, auth, now)
	wantErr(t, "second AuthenticateAuthorization", err, sigil.ErrConflict)
	got, err := st.GetAuthorization(context.Background(), a.ID)
	if err != nil {
		t.Fatalf("GetAuthorization: %v", err)
	}
	if got.Signature != "0x5151" {
		t.Errorf("second authentication overwrote the signature: %q", got.Signature)
	}
}

func (s suite) authWithGrantedScope(t *testing.T) {
	st, a := s.setup(t)
	ctx := context.Background()
	ch := challenged(t, st, a)
	now := t0.Add(2 * time.Minute)
	auth := authenticationFor(a, ch, now)
	auth.GrantedScope = sigil.Scopes{"openid", "profile"}
	auth.CodeHash = hash("remembered code")
	auth.CodeExpiresAt = now.Add(codeTTL)
	got, err := st.AuthenticateAuthorization(ctx, a.ID, a.BrowserHash, auth, now)
	if err != nil {
		t.Fatalf("AuthenticateAuthorization: %v", err)
	}
	if got.State != sigil.StateCodeIssued || !slices.Equal(got.GrantedScope, auth.GrantedScope) ||
		string(got.CodeHash) != string(auth.CodeHash) || !got.CodeExpiresAt.Equal(auth.CodeExpiresAt) ||
		got.Signature != auth.Signature {
		t.Errorf("authenticated with consent: %s %v %x %v %q", got.State, got.GrantedScope, got.CodeHash, got.CodeExpiresAt, got.Signature)
	}
	_, err = st.GrantAuthorization(ctx, a.ID, a.BrowserHash, a.Scope, hash("code"), now.Add(codeTTL), now)
	wantErr(t, "GrantAuthorization(code_issued)", err, sigil.ErrConflict)
	now = now.Add(10 * time.Second)
	if _, err := st.ExchangeCode(ctx, exchangeFor(a, auth.CodeHash, now), now); err != nil {
		t.Errorf("ExchangeCode: %v", err)
	}
}

func (s suite) grantOnlyFromAuthenticated(t *testing.T) {
	st, a := s.setup(t)
	ctx := context.Background()
	grant := func(a *sigil.Authorization, code string) error {
		t.Helper()
		now := t0.Add(3 * time.Minute)
		_, err := st.GrantAuthorization(ctx, a.ID, a.BrowserHash, a.Scope, hash(code), now.Add(codeTTL), now)
		return err
	}
	wantErr(t, "GrantAuthorization(requested)", grant(a, "c1"), sigil.ErrConflict)
	challenged(t, st, a)
	wantErr(t, "GrantAuthorization(challenged)", grant(a, "c2"), sigil.ErrConflict)
	wantState(t, st, a.ID, sigil.StateChallenged)

	c, err := st.GetClient(ctx, a.ClientID)
	if err != nil {
		t.Fatalf("GetClient: %v", err)
	}
	b := newRequest("flow2", c)
	mustCreate(t, st, b)
	authenticated(t, st, b)
	if err := grant(b, "c3"); err != nil {
		t.Fatalf("GrantAuthorization(authenticated): %v", err)
	}
	wantErr(t, "second GrantAuthorization", grant(b, "c4"), sigil.ErrConflict)
	got, err := st.GetAuthorization(ctx, b.ID)
	if err != nil {
		t.Fatalf("GetAuthorization: %v", err)
	}
	if string(got.CodeHash) != string(hash("c3")) {
		t.Errorf("second grant replaced the code")
	}
}

func (s suite) reject(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	c := mustClient(t, st, "rp")
	now := t0.Add(4 * time.Minute)
	for i, prepare := range []func(*testing.T, sigil.Store, *sigil.Authorization){
		func(*testing.T, sigil.Store, *sigil.Authorization) {},
		func(t *testing.T, st sigil.Store, a *sigil.Authorization) { challenged(t, st, a) },
		authenticated,
	} {
		a := newRequest("flow"+string(rune('0'+i)), c)
		mustCreate(t, st, a)
		prepare(t, st, a)
		got, err := st.RejectAuthorization(ctx, a.ID, a.BrowserHash, now)
		if err != nil {
			t.Fatalf("RejectAuthorization(#%d): %v", i, err)
		}
		if got.State != sigil.StateRejected {
			t.Errorf("rejected authorization is %s", got.State)
		}
		wantState(t, st, a.ID, sigil.StateRejected)
		_, err = st.RejectAuthorization(ctx, a.ID, a.BrowserHash, now)
		wantErr(t, "second RejectAuthorization", err, sigil.ErrConflict)
		_, err = st.ChallengeAuthorization(ctx, a.ID, a.BrowserHash, challengeFor(a, 5, now), now)
		wantErr(t, "ChallengeAuthorization(rejected)", err, sigil.ErrConflict)
	}

	a := newRequest("issued", c)
	mustCreate(t, st, a)
	codeIssued(t, st, a)
	_, err := st.RejectAuthorization(ctx, a.ID, a.BrowserHash, now)
	wantErr(t, "RejectAuthorization(code_issued)", err, sigil.ErrConflict)
	wantState(t, st, a.ID, sigil.StateCodeIssued)
}

func (s suite) resume(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	c := mustClient(t, st, "rp")
	now := t0.Add(time.Minute)
	auth := sigil.Authentication{
		Subject:        "alice.crypto",
		Address:        "0x00000000000000000000000000000000000A11CE",
		WalletTypeHint: "metamask",
		AuthTime:       t0.Add(-time.Hour),
		SessionID:      "session",
	}

	a := newRequest("flow1", c)
	mustCreate(t, st, a)
	got, err := st.ResumeAuthorization(ctx, a.ID, a.BrowserHash, auth, now)
	if err != nil {
		t.Fatalf("ResumeAuthorization: %v", err)
	}
	if got.State != sigil.StateAuthenticated || got.Subject != auth.Subject || got.Address != auth.Address ||
		!got.AuthTime.Equal(auth.AuthTime) || got.SessionID != auth.SessionID || got.CodeHash != nil {
		t.Errorf("resumed: %s %q %q %v %q %x", got.State, got.Subject, got.Address, got.AuthTime, got.SessionID, got.CodeHash)
	}
	wantState(t, st, a.ID, sigil.StateAuthenticated)
	_, err = st.ResumeAuthorization(ctx, a.ID, a.BrowserHash, auth, now)
	wantErr(t, "second ResumeAuthorization", err, sigil.ErrConflict)

	b := newRequest("flow2", c)
	mustCreate(t, st, b)
	withConsent := auth
	withConsent.GrantedScope = sigil.Scopes{"openid"}
	withConsent.CodeHash = hash("resumed code")
	withConsent.CodeExpiresAt = now.Add(codeTTL)
	got, err = st.ResumeAuthorization(ctx, b.ID, b.BrowserHash, withConsent, now)
	if err != nil {
		t.Fatalf("ResumeAuthorization(with consent): %v", err)
	}
	if got.State != sigil.StateCodeIssued || string(got.CodeHash) != string(withConsent.CodeHash) ||
		!slices.Equal(got.GrantedScope, withConsent.GrantedScope) || got.Subject != auth.Subject {
		t.Errorf("resumed with consent: %s %x %v %q", got.State, got.CodeHash, got.GrantedScope, got.Subject)
	}
	exNow := now.Add(time.Second)
	if _, err := st.ExchangeCode(ctx, exchangeFor(b, withConsent.CodeHash, exNow), exNow); err != nil {
		t.Errorf("ExchangeCode(resumed): %v", err)
	}

	d := newRequest("flow3", c)
	mustCreate(t, st, d)
	challenged(t, st, d)
	_, err = st.ResumeAuthorization(ctx, d.ID, d.BrowserHash, auth, t0.Add(2*time.Minute))
	wantErr(t, "ResumeAuthorization(challenged)", err, sigil.ErrConflict)
	wantState(t, st, d.ID, sigil.StateChallenged)
}

func (s suite) transitionsOnMissing(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	mustClient(t, st, "rp")
	b, now := hash("browser"), t0
	ch := sigil.Challenge{Subject: "a.crypto", Nonce: "n", IssuedAt: now, ExpiresAt: now.Add(time.Minute)}
	_, err := st.ChallengeAuthorization(ctx, "missing", b, ch, now)
	wantErr(t, "ChallengeAuthorization(missing)", err, sigil.ErrNotFound)
	_, err = st.AuthenticateAuthorization(ctx, "missing", b, sigil.Authentication{ChallengeNonce: "n", AuthTime: now}, now)
	wantErr(t, "AuthenticateAuthorization(missing)", err, sigil.ErrNotFound)
	_, err = st.GrantAuthorization(ctx, "missing", b, sigil.Scopes{"openid"}, hash("c"), now.Add(time.Minute), now)
	wantErr(t, "GrantAuthorization(missing)", err, sigil.ErrNotFound)
	_, err = st.RejectAuthorization(ctx, "missing", b, now)
	wantErr(t, "RejectAuthorization(missing)", err, sigil.ErrNotFound)
	_, err = st.ResumeAuthorization(ctx, "missing", b, sigil.Authentication{Subject: "a.crypto", AuthTime: now}, now)
	wantErr(t, "ResumeAuthorization(missing)", err, sigil.ErrNotFound)
}

// ExchangeCode.

func (s suite) exchangeMismatch(t *testing.T) {
	st, a := s.setup(t)
	ctx := context.Background()
	mustClient(t, st, "other")
	code := codeIssued(t, st, a)
	now := exchangeNow
	for name, mutate := range map[string]func(*sigil.CodeExchange){
		"wrong client":       func(ex *sigil.CodeExchange) { ex.ClientID = "other" },
		"wrong redirect URI": func(ex *sigil.CodeExchange) { ex.RedirectURI = "https://rp.example/other?x=1 y" },
		"wrong verifier":     func(ex *sigil.CodeExchange) { ex.S256Challenge = s256("guess") },
		// The stored S256 challenge presented as a plain verifier must not
		// match: the method stored with the code decides.
		"challenge as plain verifier": func(ex *sigil.CodeExchange) {
			ex.S256Challenge = s256(a.CodeChallenge)
			ex.PlainChallenge = a.CodeChallenge
		},
		"no verifier":  func(ex *sigil.CodeExchange) { ex.S256Challenge, ex.PlainChallenge = "", "" },
		"unknown code": func(ex *sigil.CodeExchange) { ex.CodeHash = hash("guessed code") },
	} {
		ex := exchangeFor(a, code, now)
		mutate(&ex)
		_, err := st.ExchangeCode(ctx, ex, now)
		wantErr(t, "ExchangeCode("+name+")", err, sigil.ErrNotFound)
	}
	for _, at := range []time.Time{t0.Add(3*time.Minute + codeTTL), t0.Add(time.Hour)} {
		_, err := st.ExchangeCode(ctx, exchangeFor(a, code, at), at)
		wantErr(t, "ExchangeCode(expired code)", err, sigil.ErrNotFound)
	}
	wantState(t, st, a.ID, sigil.StateCodeIssued)
	got, err := st.ExchangeCode(ctx, exchangeFor(a, code, now), now)
	if err != nil {
		t.Fatalf("ExchangeCode after mismatches: %v", err)
	}
	if got.ID != a.ID || got.State != sigil.StateExchanged {
		t.Errorf("exchanged %q is %s", got.ID, got.State)
	}
}

func (s suite) exchangeReplay(t *testing.T) {
	for _, replayClient := range []string{"rp", "other"} {
		t.Run("by "+replayClient, func(t *testing.T) {
			st, a := s.setup(t)
			ctx := context.Background()
			mustClient(t, st, "other")
			code := codeIssued(t, st, a)
			now := exchangeNow
			first := exchangeFor(a, code, now)
			if _, err := st.ExchangeCode(ctx, first, now); err != nil {
				t.Fatalf("ExchangeCode: %v", err)
			}
			if _, err := st.GetAuthorizationByAccessToken(ctx, first.AccessTokenHash, now); err != nil {
				t.Fatalf("GetAuthorizationByAccessToken: %v", err)
			}

			later := now.Add(5 * time.Second)
			second := exchangeFor(a, code, later)
			second.ClientID = replayClient
			_, err := st.ExchangeCode(ctx, second, later)
			wantErr(t, "replayed ExchangeCode", err, sigil.ErrConflict)
			_, err = st.GetAuthorizationByAccessToken(ctx, first.AccessTokenHash, later)
			wantErr(t, "GetAuthorizationByAccessToken(revoked)", err, sigil.ErrNotFound)
			_, err = st.GetAuthorizationByAccessToken(ctx, second.AccessTokenHash, later)
			wantErr(t, "GetAuthorizationByAccessToken(replayed token)", err, sigil.ErrNotFound)
			wantState(t, st, a.ID, sigil.StateRevoked)

			_, err = st.ExchangeCode(ctx, exchangeFor(a, code, later), later)
			wantErr(t, "third ExchangeCode", err, sigil.ErrConflict)
			wantState(t, st, a.ID, sigil.StateRevoked)
		})
	}
}

func (s suite) exchangePlain(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	c := mustClient(t, st, "rp")
	a := newRequest("flow1", c)
	a.CodeChallenge, a.CodeChallengeMethod = verifier(a.ID), "plain"
	mustCreate(t, st, a)
	code := codeIssued(t, st, a)
	now := exchangeNow

	ex := exchangeFor(a, code, now)
	ex.S256Challenge = a.CodeChallenge // would match if S256 were compared
	ex.PlainChallenge = "wrong"
	_, err := st.ExchangeCode(ctx, ex, now)
	wantErr(t, "ExchangeCode(plain, wrong verifier)", err, sigil.ErrNotFound)

	ex = exchangeFor(a, code, now)
	ex.S256Challenge = "unrelated"
	if _, err := st.ExchangeCode(ctx, ex, now); err != nil {
		t.Errorf("ExchangeCode(plain): %v", err)
	}
}

func (s suite) exchangeNoPKCE(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	c := mustClient(t, st, "rp")
	a := newRequest("flow1", c)
	a.CodeChallenge, a.CodeChallengeMethod = "", ""
	mustCreate(t, st, a)
	code := codeIssued(t, st, a)
	now := exchangeNow

	ex := exchangeFor(a, code, now)
	ex.S256Challenge, ex.PlainChallenge = s256("unexpected"), "unexpected"
	_, err := st.ExchangeCode(ctx, ex, now)
	wantErr(t, "ExchangeCode(verifier without challenge)", err, sigil.ErrNotFound)

	ex.S256Challenge, ex.PlainChallenge = s256(""), ""
	if _, err := st.ExchangeCode(ctx, ex, now); err != nil {
		t.Errorf("ExchangeCode(no PKCE): %v", err)
	}
}

func (s suite) accessTokenExpiry(t *testing.T) {
	st, a := s.setup(t)
	ctx := context.Background()
	code := codeIssued(t, st, a)
	now := exchangeNow
	ex := exchangeFor(a, code, now)
	_, err := st.GetAuthorizationByAccessToken(ctx, ex.AccessTokenHash, now)
	wantErr(t, "GetAuthorizationByAccessToken(before exchange)", err, sigil.ErrNotFound)
	if _, err := st.ExchangeCode(ctx, ex, now); err != nil {
		t.Fatalf("ExchangeCode: %v", err)
	}
	got, err := st.GetAuthorizationByAccessToken(ctx, ex.AccessTokenHash, ex.AccessTokenExpiresAt.Add(-time.Second))
	if err != nil {
		t.Fatalf("GetAuthorizationByAccessToken(just before expiry): %v", err)
	}
	if got.ID != a.ID || got.Subject != "alice.crypto" || !slices.Equal(got.GrantedScope, a.Scope) {
		t.Errorf("by access token: %q %q %v", got.ID, got.Subject, got.GrantedScope)
	}
	for _, at := range []time.Time{ex.AccessTokenExpiresAt, ex.AccessTokenExpiresAt.Add(time.Hour)} {
		_, err = st.GetAuthorizationByAccessToken(ctx, ex.AccessTokenHash, at)
		wantErr(t, "GetAuthorizationByAccessToken(expired)", err, sigil.ErrNotFound)
	}
	_, err = st.GetAuthorizationByAccessToken(ctx, hash("unknown"), now)
	wantErr(t, "GetAuthorizationByAccessToken(unknown)", err, sigil.ErrNotFound)
	_, err = st.GetAuthorizationByAccessToken(ctx, code, now)
	wantErr(t, "GetAuthorizationByAccessToken(code hash)", err, sigil.ErrNotFound)
}

func (s suite) exchangeConcurrent(t *testing.T) {
	st, a := s.setup(t)
	code := codeIssued(t, st, a)
	const n = 16
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ex := exchangeFor(a, code, exchangeNow)
			ex.AccessTokenHash = hash("token " + string(rune('A'+i)))
			<-start
			_, errs[i] = st.ExchangeCode(context.Background(), ex, exchangeNow)
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case errors.Is(err, sigil.ErrConflict):
		default:
			t.Errorf("ExchangeCode #%d: %v, want success or ErrConflict", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d racing ExchangeCode calls succeeded, want exactly 1", won, n)
	}
}

func (s suite) consentSaveAndGet(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	mustClient(t, st, "rp")
	mustClient(t, st, "other")
	_, err := st.GetConsent(ctx, "alice.crypto", "rp")
	wantErr(t, "GetConsent(none)", err, sigil.ErrNotFound)
	for _, scope := range []sigil.Scopes{{"openid", "email"}, {"openid", "profile"}} {
		if err := st.SaveConsent(ctx, sigil.Consent{Subject: "alice.crypto", ClientID: "rp", Scope: scope, GrantedAt: t0}); err != nil {
			t.Fatalf("SaveConsent: %v", err)
		}
		got, err := st.GetConsent(ctx, "alice.crypto", "rp")
		if err != nil {
			t.Fatalf("GetConsent: %v", err)
		}
		if !slices.Equal(got, scope) {
			t.Errorf("GetConsent = %v, want %v (the latest SaveConsent)", got, scope)
		}
	}
	_, err = st.GetConsent(ctx, "bob.crypto", "rp")
	wantErr(t, "GetConsent(other subject)", err, sigil.ErrNotFound)
	_, err = st.GetConsent(ctx, "alice.crypto", "other")
	wantErr(t, "GetConsent(other client)", err, sigil.ErrNotFound)
}

func (s suite) consentUnknownClient(t *testing.T) {
	st := s.open(t)
	err := st.SaveConsent(context.Background(), sigil.Consent{Subject: "alice.crypto", ClientID: "nobody", Scope: sigil.Scopes{"openid"}, GrantedAt: t0})
	wantErr(t, "SaveConsent(unknown client)", err, sigil.ErrNotFound)
}

func (s suite) signingKeys(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	keys, err := st.ListSigningKeys(ctx)
	if err != nil || len(keys) != 0 {
		t.Fatalf("ListSigningKeys(empty) = %v, %v; want none", keys, err)
	}
	newer := sigil.SigningKey{ID: "k2", Algorithm: "EdDSA", Sealed: []byte("sealed two\x00\xff"), CreatedAt: t0.Add(24 * time.Hour)}
	older := sigil.SigningKey{ID: "k9", Algorithm: "ES256", Sealed: []byte("sealed one"), CreatedAt: t0}
	for _, k := range []sigil.SigningKey{newer, older} {
		if err := st.CreateSigningKey(ctx, k); err != nil {
			t.Fatalf("CreateSigningKey(%s): %v", k.ID, err)
		}
	}
	dup := older
	dup.Sealed = []byte("other")
	wantErr(t, "CreateSigningKey(duplicate)", st.CreateSigningKey(ctx, dup), sigil.ErrConflict)
	keys, err = st.ListSigningKeys(ctx)
	if err != nil {
		t.Fatalf("ListSigningKeys: %v", err)
	}
	if len(keys) != 2 {
		t.Fatalf("ListSigningKeys returned %d keys, want 2", len(keys))
	}
	equalFields(t, "oldest key", keys[0], older)
	equalFields(t, "newest key", keys[1], newer)
}

func (s suite) deleteExpired(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	c := mustClient(t, st, "rp")
	cutoff := t0.Add(24 * time.Hour)
	before, after := cutoff.Add(-time.Second), cutoff.Add(time.Second)
	type times struct{ flow, code, token time.Time }
	cases := map[string]struct {
		times
		deleted bool
	}{
		"flow over, nothing issued":        {times{flow: before}, true},
		"all over":                         {times{before, before, before}, true},
		"code over, never exchanged":       {times{flow: before, code: before}, true},
		"flow ends at cutoff":              {times{flow: cutoff}, false},
		"flow running":                     {times{flow: after}, false},
		"code still valid":                 {times{flow: before, code: after}, false},
		"token still valid":                {times{before, before, after}, false},
		"token expires at cutoff":          {times{before, before, cutoff}, false},
		"token valid, odd code expiry":     {times{flow: before, code: after, token: before}, false},
		"flow over long ago, token active": {times{t0, t0, after}, false},
	}
	want := int64(0)
	for name, tc := range cases {
		a := newRequest("flow-"+name, c)
		a.ExpiresAt = tc.flow
		if !tc.code.IsZero() {
			a.CodeHash, a.CodeExpiresAt = hash("code "+name), tc.code
		}
		if !tc.token.IsZero() {
			a.AccessTokenHash, a.AccessTokenExpiresAt = hash("token "+name), tc.token
		}
		mustCreate(t, st, a)
		if tc.deleted {
			want++
		}
	}
	n, err := st.DeleteExpired(ctx, cutoff)
	if err != nil {
		t.Fatalf("DeleteExpired: %v", err)
	}
	if n != want {
		t.Errorf("DeleteExpired = %d, want %d", n, want)
	}
	for name, tc := range cases {
		_, err := st.GetAuthorization(ctx, "flow-"+name)
		switch {
		case tc.deleted && !errors.Is(err, sigil.ErrNotFound):
			t.Errorf("%s: not deleted (%v)", name, err)
		case !tc.deleted && err != nil:
			t.Errorf("%s: deleted (%v)", name, err)
		}
	}
	if n, err := st.DeleteExpired(ctx, cutoff); err != nil || n != 0 {
		t.Errorf("second DeleteExpired = %d, %v; want 0", n, err)
	}
	if _, err := st.GetClient(ctx, c.ID); err != nil {
		t.Errorf("DeleteExpired removed the client: %v", err)
	}
}

// statements checks the performance budget: a whole login flow, from the
// authorization request to the token response, is 8 statements, one per
// Store call.
func (s suite) statements(t *testing.T) {
	st := s.open(t)
	counter, ok := st.(StatementCounter)
	if !ok {
		t.Skip("store does not count statements")
	}
	ctx := context.Background()
	c := newClient("rp")
	if err := st.CreateClient(ctx, c); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	a := newRequest("flow1", c)
	ch := challengeFor(a, 0, t0.Add(time.Minute))
	auth := authenticationFor(a, ch, t0.Add(2*time.Minute))
	code := hash("code")
	ex := exchangeFor(a, code, exchangeNow)

	total := counter.Statements()
	step := func(name string, call func() error) {
		t.Helper()
		before := counter.Statements()
		if err := call(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := counter.Statements() - before; n != 1 {
			t.Errorf("%s sent %d statements, want 1", name, n)
		}
	}
	step("GetClient", func() error { _, err := st.GetClient(ctx, c.ID); return err })
	step("CreateAuthorization", func() error { return st.CreateAuthorization(ctx, a) })
	step("ChallengeAuthorization", func() error {
		_, err := st.ChallengeAuthorization(ctx, a.ID, a.BrowserHash, ch, t0.Add(time.Minute))
		return err
	})
	step("GetAuthorization", func() error { _, err := st.GetAuthorization(ctx, a.ID); return err })
	step("AuthenticateAuthorization", func() error {
		_, err := st.AuthenticateAuthorization(ctx, a.ID, a.BrowserHash, auth, t0.Add(2*time.Minute))
		return err
	})
	step("GrantAuthorization", func() error {
		now := t0.Add(3 * time.Minute)
		_, err := st.GrantAuthorization(ctx, a.ID, a.BrowserHash, a.Scope, code, now.Add(codeTTL), now)
		return err
	})
	step("GetClient", func() error { _, err := st.GetClient(ctx, c.ID); return err })
	step("ExchangeCode", func() error { _, err := st.ExchangeCode(ctx, ex, exchangeNow); return err })
	if n := counter.Statements() - total; n != 8 {
		t.Errorf("login flow sent %d statements, want 8", n)
	}
}
