package oidc

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/secret"
)

// tokenStore answers GetAuthorizationByAccessToken from a map of token
// hashes, and counts the look-ups; every other method is left unset.
type tokenStore struct {
	sigil.Store
	tokens  map[string]*sigil.Authorization
	lookups int
}

func (s *tokenStore) GetAuthorizationByAccessToken(_ context.Context, hash []byte, _ time.Time) (*sigil.Authorization, error) {
	s.lookups++
	if a, ok := s.tokens[string(hash)]; ok {
		cp := *a
		return &cp, nil
	}
	return nil, sigil.ErrNotFound
}

// GetClient answers a client without userinfo_signed_response_alg, so
// userinfo answers JSON (signed userinfo is tested end to end, in
// e2e/conformance_keys_test.go).
func (s *tokenStore) GetClient(_ context.Context, id string) (*sigil.Client, error) {
	return &sigil.Client{ID: id}, nil
}

// TestUserinfoKeepsTheAnswerButChecksTheToken checks that userinfo answers
// exactly the person's claims, the same each time, and that keeping the
// encoded answer never lets a token through: every request checks the
// token, so a revoked one is refused although its answer is kept.
func TestUserinfoKeepsTheAnswerButChecksTheToken(t *testing.T) {
	keys, err := secret.Derive([]byte("userinfo-test-system-secret-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	a := &sigil.Authorization{ID: "flow1", ClientID: "rp", Subject: "alice.crypto", Address: "0x00000000000000000000000000000000000A11CE",
		GrantedScope: sigil.Scopes{"openid", "wallet"}, Message: "m", Signature: "0x51", State: sigil.StateExchanged}
	cc := &sigil.Authorization{ID: "cc1", ClientID: "m2m", GrantedScope: sigil.Scopes{"api"}, State: sigil.StateExchanged}
	st := &tokenStore{tokens: map[string]*sigil.Authorization{
		string(keys.HashToken("sigil_at_alice")): a,
		string(keys.HashToken("sigil_at_m2m")):   cc,
	}}
	e := &Endpoints{Issuer: "https://id.example", Store: st, Secrets: keys, Log: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Unix(1_800_000_000, 0) }}
	get := func(token string) (int, string, http.Header) {
		r := httptest.NewRequest("GET", "/userinfo", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		e.ServeUserinfo(w, r)
		body, _ := io.ReadAll(w.Result().Body)
		return w.Code, string(body), w.Result().Header
	}

	want, err := json.Marshal(PersonClaims(a, a.Subject))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		code, body, h := get("sigil_at_alice")
		if code != http.StatusOK || body != string(want)+"\n" {
			t.Fatalf("request %d: %d %s, want 200 %s", i, code, body, want)
		}
		if h.Get("Content-Length") != strconv.Itoa(len(body)) || h.Get("Cache-Control") != "no-store" || h.Get("Content-Type") != "application/json" {
			t.Errorf("request %d: headers %v", i, h)
		}
	}
	if st.lookups != 2 {
		t.Errorf("%d token look-ups for 2 requests, want one each", st.lookups)
	}

	delete(st.tokens, string(keys.HashToken("sigil_at_alice"))) // revoked
	if code, body, h := get("sigil_at_alice"); code != http.StatusUnauthorized || h.Get("WWW-Authenticate") == "" {
		t.Errorf("revoked token whose answer is kept: %d %s, want 401 with WWW-Authenticate", code, body)
	}
	if code, body, _ := get("sigil_at_m2m"); code != http.StatusUnauthorized {
		t.Errorf("client credentials token: %d %s, want 401", code, body)
	}
}
