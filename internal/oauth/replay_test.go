package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/keys"
	"github.com/sigil-oidc/sigil/internal/secret"
)

// replayWorld is newM2M's provider with a signer and two public clients
// that share a redirect URI and hold the refresh_token grant: "app", to
// which codes are issued, and "intruder", which tries to use them.
func replayWorld(t *testing.T) *m2m {
	t.Helper()
	m := newM2M(t)
	ctx := context.Background()
	signer, err := keys.Load(ctx, m.p.Store.(keys.KeyStore), []byte("system-secret-for-the-oauth-unit-tests"))
	if err != nil {
		t.Fatal(err)
	}
	m.p.Signer = signer
	for _, id := range []string{"app", "intruder"} {
		c := &sigil.Client{ID: id, GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"},
			RedirectURIs: []string{"https://app.example/cb"}, Scope: sigil.Scopes{"openid", "offline_access"},
			TokenEndpointAuthMethod: sigil.AuthMethodNone, RequirePKCE: true}
		if err := m.p.Store.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// codeFor signs alice.crypto in to client through the store's own steps
// and returns a code bound to the PKCE verifier.
func (m *m2m) codeFor(t *testing.T, client, verifier string) string {
	t.Helper()
	ctx, now := context.Background(), m.now
	sum := sha256.Sum256([]byte(verifier))
	a := &sigil.Authorization{ID: secret.RandomString(12), BrowserHash: []byte("browser"), ClientID: client,
		RedirectURI: "https://app.example/cb", ResponseMode: "query", Scope: sigil.Scopes{"openid", "offline_access"},
		CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:]), CodeChallengeMethod: "S256", MaxAge: -1,
		RequestedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := m.p.Store.CreateAuthorization(ctx, a); err != nil {
		t.Fatal(err)
	}
	ch := sigil.Challenge{Subject: "alice.crypto", Address: "0x00000000000000000000000000000000000A11CE", Nonce: "nonce-" + a.ID,
		IssuedAt: now, ExpiresAt: now.Add(5 * time.Minute)}
	if _, err := m.p.Store.ChallengeAuthorization(ctx, a.ID, a.BrowserHash, ch, now); err != nil {
		t.Fatal(err)
	}
	code, hash, exp := m.p.NewCode()
	if _, err := m.p.Store.AuthenticateAuthorization(ctx, a.ID, a.BrowserHash, sigil.Authentication{
		ChallengeNonce: ch.Nonce, Message: "m", Signature: "0x51", WalletTypeHint: "web3", AuthTime: now, SessionID: "s-" + a.ID,
		// Sorted, as scope.Grant stores every granted scope.
		GrantedScope: sigil.Scopes{"offline_access", "openid"}, CodeHash: hash, CodeExpiresAt: exp}, now); err != nil {
		t.Fatal(err)
	}
	return code
}

// redeem presents code as client (a public client: client_id alone).
func (m *m2m) redeem(t *testing.T, client, code, verifier string) (int, map[string]any) {
	t.Helper()
	st, body, _ := m.post(t, m.p.Token, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {"https://app.example/cb"}, "code_verifier": {verifier}}, client, "id")
	return st, body
}

// refreshWith presents a refresh token as client.
func (m *m2m) refreshWith(t *testing.T, client, token string) (int, map[string]any) {
	t.Helper()
	st, body, _ := m.post(t, m.p.Token, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}}, client, "id")
	return st, body
}

// live reports whether the access token still reads from the store.
func (m *m2m) live(t *testing.T, accessToken string) bool {
	t.Helper()
	_, err := m.p.Store.GetAuthorizationByAccessToken(context.Background(), m.p.Secrets.HashToken(accessToken), m.now)
	return err == nil
}

// TestCodeReplayRevokesOnlyForItsClient: a used code presented by another
// public client (with its own verifier), or by the code's client without
// the right verifier, is invalid_grant and revokes nothing; presented by
// its own client with the verifier it is a replay, and the grant is
// revoked (RFC 9700 section 4.5).
func TestCodeReplayRevokesOnlyForItsClient(t *testing.T) {
	m := replayWorld(t)
	verifier := strings.Repeat("v", 43)
	code := m.codeFor(t, "app", verifier)
	st, tok := m.redeem(t, "app", code, verifier)
	if st != 200 {
		t.Fatalf("first redemption: %d %v", st, tok)
	}
	access := tok["access_token"].(string)

	for _, tc := range []struct{ name, client, verifier string }{
		{"another public client with its own verifier", "intruder", strings.Repeat("i", 43)},
		{"another public client with the right verifier", "intruder", verifier},
		{"its client with a wrong verifier", "app", strings.Repeat("w", 43)},
	} {
		st, body := m.redeem(t, tc.client, code, tc.verifier)
		if st != 400 || body["error"] != "invalid_grant" || strings.Contains(body["error_hint"].(string), "revoked") {
			t.Errorf("%s: %d %v, want invalid_grant that revokes nothing", tc.name, st, body)
		}
		if !m.live(t, access) {
			t.Fatalf("%s revoked the grant", tc.name)
		}
	}

	st, body := m.redeem(t, "app", code, verifier)
	if st != 400 || body["error"] != "invalid_grant" || !strings.Contains(body["error_hint"].(string), "revoked") {
		t.Errorf("replay by its client: %d %v, want invalid_grant saying the tokens are revoked", st, body)
	}
	if m.live(t, access) {
		t.Error("the replay by the code's own client left its access token live")
	}
}

// TestRefreshTokenForgeryIsNotReuse: a made-up token naming a real family
// (the old sigil_rt_<family>.<anything> shape, or the current shape with a
// wrong tag) is invalid_grant and changes nothing; a real, rotated-out
// token of the family is reuse and revokes the grant (RFC 9700 section
// 4.14.2).
func TestRefreshTokenForgeryIsNotReuse(t *testing.T) {
	m := replayWorld(t)
	verifier := strings.Repeat("v", 43)
	st, tok := m.redeem(t, "app", m.codeFor(t, "app", verifier), verifier)
	if st != 200 {
		t.Fatalf("redemption: %d %v", st, tok)
	}
	r0 := tok["refresh_token"].(string)
	family, ok := m.p.refreshFamily(r0)
	if !ok {
		t.Fatalf("the issued refresh token %q does not verify", r0)
	}
	other, err := secret.Derive([]byte("another-system-secret-0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	body := family + ".bm9uY2Vub25jZW5vbmNl"
	forgeries := map[string]string{
		"family and anything":         RefreshTokenPrefix + family + ".forged",
		"family, nonce and a bad tag": RefreshTokenPrefix + body + ".AAAA",
		"tag of another secret":       RefreshTokenPrefix + body + "." + other.RefreshTokenTag(body),
		"real token, tag cut short":   r0[:len(r0)-1],
		"real token with a suffix":    r0 + ".x",
	}
	for name, forged := range forgeries {
		st, out := m.refreshWith(t, "app", forged)
		if st != 400 || out["error"] != "invalid_grant" || !strings.Contains(out["error_hint"].(string), "not one Sigil issued") {
			t.Errorf("%s: %d %v, want invalid_grant (not issued by Sigil)", name, st, out)
		}
		if !m.live(t, tok["access_token"].(string)) {
			t.Fatalf("the forgery %q revoked the grant", name)
		}
	}

	// A made-up token in the format from before tags is unproven: refused,
	// and it revokes nothing either.
	legacy := RefreshTokenPrefix + family + "." + strings.Repeat("A", 43)
	if st, out := m.refreshWith(t, "app", legacy); st != 400 || out["error"] != "invalid_grant" {
		t.Errorf("legacy-format forgery: %d %v, want invalid_grant", st, out)
	}
	if !m.live(t, tok["access_token"].(string)) {
		t.Fatal("a legacy-format forgery revoked the grant")
	}

	st, next := m.refreshWith(t, "app", r0)
	if st != 200 {
		t.Fatalf("the real refresh token after the forgeries: %d %v", st, next)
	}
	if f, ok := m.p.refreshFamily(next["refresh_token"].(string)); !ok || f != family {
		t.Fatalf("rotated token %q: family %q %v, want %q", next["refresh_token"], f, ok, family)
	}
	st, out := m.refreshWith(t, "app", r0)
	if st != 400 || out["error"] != "invalid_grant" || !strings.Contains(out["error_hint"].(string), "already used") {
		t.Errorf("reuse of the rotated-out token: %d %v, want invalid_grant (reuse)", st, out)
	}
	if m.live(t, next["access_token"].(string)) {
		t.Error("real reuse left the family's newest access token live")
	}
	if st, out := m.refreshWith(t, "app", next["refresh_token"].(string)); st != 400 {
		t.Errorf("the newest refresh token after reuse: %d %v, want refused", st, out)
	}
}

// TestLegacyRefreshTokenRotatesUnproven: a refresh token in the format
// from before tags (sigil_rt_<family>.<random>) that is its family's
// current token still rotates, so an upgrade signs nobody out, and what it
// gets back is a tagged token.
func TestLegacyRefreshTokenRotatesUnproven(t *testing.T) {
	m := replayWorld(t)
	verifier := strings.Repeat("w", 43)
	st, tok := m.redeem(t, "app", m.codeFor(t, "app", verifier), verifier)
	if st != 200 {
		t.Fatalf("redemption: %d %v", st, tok)
	}
	r0 := tok["refresh_token"].(string)
	family, _ := m.p.refreshFamily(r0)
	// Make a legacy token the family's current one, as a database from
	// before the upgrade holds it.
	legacy := RefreshTokenPrefix + family + "." + secret.RandomString(32)
	if _, err := m.p.Store.RefreshAuthorization(context.Background(), sigil.RefreshExchange{
		Family: family, TokenHash: m.p.Secrets.HashToken(r0), ClientID: "app",
		NewRefreshTokenHash: m.p.Secrets.HashToken(legacy), NewRefreshTokenExpiresAt: m.now.Add(time.Hour),
		AccessTokenHash: m.p.Secrets.HashToken("legacy-access"), AccessTokenExpiresAt: m.now.Add(time.Hour),
	}, m.now); err != nil {
		t.Fatal(err)
	}
	st, next := m.refreshWith(t, "app", legacy)
	if st != 200 {
		t.Fatalf("the legacy refresh token: %d %v, want 200", st, next)
	}
	if f, ok := m.p.refreshFamily(next["refresh_token"].(string)); !ok || f != family {
		t.Fatalf("its successor %q is not a tagged token of family %q", next["refresh_token"], family)
	}
}

// TestRefreshWithAnotherScope: a refresh that sends the granted scope
// rotates; one that widens it is invalid_scope (RFC 6749 section 5.2), as
// is one that narrows it, which Sigil does not do (section 6 allows it);
// neither rotates the refresh token, which still works after. A token
// that is not live, or another client's, is invalid_grant as before.
func TestRefreshWithAnotherScope(t *testing.T) {
	m := replayWorld(t)
	verifier := strings.Repeat("v", 43)
	st, tok := m.redeem(t, "app", m.codeFor(t, "app", verifier), verifier)
	if st != 200 {
		t.Fatalf("code exchange: %d %v", st, tok)
	}
	refresh := func(client, token, scope string) (int, map[string]any) {
		t.Helper()
		st, body, _ := m.post(t, m.p.Token, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}, "scope": {scope}}, client, "id")
		return st, body
	}
	rt := tok["refresh_token"].(string)
	for _, c := range []struct{ name, client, scope, err, hint string }{
		{"wider", "app", "openid offline_access email", "invalid_scope", "'email' is not part of the granted scope"},
		{"unknown", "app", "openid offline_access orders:read", "invalid_scope", "cannot widen"},
		{"narrower", "app", "openid", "invalid_scope", "does not narrow"},
		{"separated by a tab", "app", "openid\toffline_access", "invalid_scope", "RFC 6749 section 3.3"},
		{"another client's token", "intruder", "openid", "invalid_grant", "issued to another client"},
		{"not a live token", "app", "openid", "invalid_grant", "invalid, expired, revoked"},
	} {
		token := rt
		if c.name == "not a live token" {
			// Well formed, its tag valid: it reaches the scope's check,
			// and no authorization holds it.
			token, _ = m.p.newRefreshToken("")
		}
		st, body := refresh(c.client, token, c.scope)
		hint, _ := body["error_hint"].(string)
		if st != 400 || body["error"] != c.err || !strings.Contains(hint, c.hint) {
			t.Errorf("%s: %d %v, want 400 %s with %q", c.name, st, body, c.err, c.hint)
		}
	}
	// Nothing rotated: the token refreshes with the granted scope, in any
	// order.
	if st, body := refresh("app", rt, "openid offline_access"); st != 200 || body["refresh_token"] == nil {
		t.Fatalf("refresh with the granted scope: %d %v", st, body)
	}
}

// TestChallengeOfTheEmptyVerifierIsEnforced: a client that may skip PKCE
// (confidential, require_pkce false) but sent a code_challenge must redeem
// with its verifier, even when the challenge it sent is S256 of the empty
// string (RFC 7636 section 4.5, RFC 9700 section 2.1.1): no verifier
// answers no challenge.
func TestChallengeOfTheEmptyVerifierIsEnforced(t *testing.T) {
	m := replayWorld(t)
	ctx := context.Background()
	sum := sha256.Sum256([]byte("secret-optout"))
	if err := m.p.Store.CreateClient(ctx, &sigil.Client{ID: "optout", GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"},
		RedirectURIs: []string{"https://app.example/cb"}, Scope: sigil.Scopes{"openid", "offline_access"},
		TokenEndpointAuthMethod: sigil.AuthMethodClientSecretBasic, SecretHash: sum[:]}); err != nil {
		t.Fatal(err)
	}
	code := m.codeFor(t, "optout", "") // code_challenge = S256("")
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://app.example/cb"}}
	st, body, _ := m.post(t, m.p.Token, form, "optout", "basic")
	if st != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("no verifier for a code issued with a challenge: %d %v, want invalid_grant", st, body)
	}
	if got := s256Challenge(""); got != "" {
		t.Errorf("s256Challenge(\"\") = %q, want empty", got)
	}
	// RFC 7636 appendix B.
	if got := s256Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Errorf("s256Challenge of RFC 7636's example = %q", got)
	}
}
