package e2e

// RFC 9068 JWT access tokens, as a resource server sees them: verified
// with the provider's JWKS alone, every claim checked, and still revocable
// through introspection (RFC 7662) and usable at userinfo.

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
)

// Resource servers of the tests: registered as the clients' resources.
const (
	ordersAPI  = "https://api.example/orders"
	billingAPI = "https://api.example/billing"
	reportsAPI = "urn:example:reports"
)

// newJWTClient registers the plans' static client for JWT access tokens
// and RFC 8707 resources, with the client_credentials grant too.
func newJWTClient(t *testing.T, in *instance, mode string, strategy string) *opTest {
	t.Helper()
	return newOPTest(t, in, mode, map[string]any{
		"access_token_strategy": strategy,
		"resources":             []string{ordersAPI, billingAPI, reportsAPI},
		"grant_types":           []string{"authorization_code", "refresh_token", "client_credentials"},
	})
}

// accessTokenClaims verifies token as a resource server does with nothing
// but the JWKS (go-oidc's RemoteKeySet: the key by kid, the signature),
// checks the header (RS256, typ at+jwt, RFC 9068 sections 2.1 and 4) and
// returns the claims.
func accessTokenClaims(t *testing.T, in *instance, token string) map[string]any {
	t.Helper()
	keySet := oidc.NewRemoteKeySet(ctx(t), in.Issuer+"/.well-known/jwks.json")
	payload, err := keySet.VerifySignature(ctx(t), token)
	if err != nil {
		t.Fatalf("the access token does not verify against the JWKS: %v", err)
	}
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("the access token is not signed with RS256: %v", err)
	}
	h := jws.Signatures[0].Header
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); typ != "at+jwt" || h.KeyID == "" {
		t.Errorf("header typ %q, kid %q; want at+jwt and a kid", typ, h.KeyID)
	}
	claims := map[string]any{}
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

// checkAccessTokenClaims checks every claim RFC 9068 section 2.2 asks
// for: iss, exp, aud, sub, client_id, iat, jti, scope, and auth_time for a
// person's token; and nothing about the person beyond sub.
func checkAccessTokenClaims(t *testing.T, in *instance, claims map[string]any, clientID, sub string, aud any, scope string, person bool) {
	t.Helper()
	now := time.Now().Unix()
	num := func(k string) int64 { n, _ := claims[k].(float64); return int64(n) }
	if claims["iss"] != in.Issuer || claims["sub"] != sub || claims["client_id"] != clientID || claims["scope"] != scope {
		t.Errorf("iss %v sub %v client_id %v scope %v; want %s %s %s %q", claims["iss"], claims["sub"], claims["client_id"], claims["scope"], in.Issuer, sub, clientID, scope)
	}
	if got, _ := json.Marshal(claims["aud"]); string(got) != mustJSON(aud) {
		t.Errorf("aud %s, want %s", got, mustJSON(aud))
	}
	iat, exp := num("iat"), num("exp")
	if iat < now-60 || iat > now+5 || exp-iat != 3600 {
		t.Errorf("iat %d exp %d (now %d): want iat now and a one-hour lifetime", iat, exp, now)
	}
	if jti, _ := claims["jti"].(string); len(jti) < 32 {
		t.Errorf("jti %v: want a random identifier", claims["jti"])
	}
	at := num("auth_time")
	switch {
	case person && (at == 0 || at > now+5 || at < now-600):
		t.Errorf("auth_time %v for a person's token", claims["auth_time"])
	case !person && claims["auth_time"] != nil:
		t.Errorf("a client credentials token has auth_time %v", claims["auth_time"])
	}
	for _, k := range []string{"email", "name", "wallet_address", "eip4361_message", "nonce", "at_hash"} {
		if _, ok := claims[k]; ok {
			t.Errorf("the access token carries %s", k)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// introspectToken introspects token as the client of op.
func (op *opTest) introspectToken(token string) map[string]any {
	op.t.Helper()
	st, body, _ := introspect(op.t, op.in.Issuer, "/oauth2/introspect", url.Values{"token": {token}}, basic(op.clientID, op.secret))
	if st != 200 {
		op.t.Fatalf("introspection: %d %v", st, body)
	}
	return body
}

// revokeToken revokes token as the client of op (RFC 7009).
func (op *opTest) revokeToken(token string) {
	op.t.Helper()
	req, _ := http.NewRequest("POST", op.in.Issuer+"/oauth2/revoke", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(op.clientID), url.QueryEscape(op.secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		op.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		op.t.Fatalf("revocation: %d", resp.StatusCode)
	}
}

// TestJWTAccessTokenCodeFlow signs alice.crypto in to a client registered
// for JWT access tokens, naming a resource: the access token verifies with
// the JWKS alone and carries every RFC 9068 claim; userinfo accepts it;
// introspection answers for it; a refresh issues a JWT again and retires
// the old one; once revoked it introspects inactive and userinfo refuses
// it, though its signature still verifies.
func TestJWTAccessTokenCodeFlow(t *testing.T) {
	in := startSigil(t)
	op := newJWTClient(t, in, "default", "jwt")
	res := op.fullFlow(url.Values{"scope": {"openid email offline_access"}, "resource": {ordersAPI}}, false)
	access := res.tokens.str("access_token")
	if strings.HasPrefix(access, "sigil_at_") || strings.Count(access, ".") != 2 {
		t.Fatalf("access token %q is not a JWT", access)
	}
	claims := accessTokenClaims(t, in, access)
	checkAccessTokenClaims(t, in, claims, op.clientID, "alice.crypto", ordersAPI, "email offline_access openid", true)
	if claims["auth_time"] != res.idToken.claims["auth_time"] {
		t.Errorf("auth_time %v, the ID token's %v", claims["auth_time"], res.idToken.claims["auth_time"])
	}
	// The ID token's at_hash covers the JWT (OpenID Connect Core 3.1.3.8).
	if res.idToken.claims["at_hash"] == nil {
		t.Error("the ID token has no at_hash")
	}

	ui := op.userinfoClaims(access, "get")
	if ui["email"] != "alice@example.com" {
		t.Errorf("userinfo with the JWT access token: %v", ui)
	}
	in1 := op.introspectToken(access)
	if in1["active"] != true || in1["sub"] != "alice.crypto" || onlyAudience(in1["aud"]) != ordersAPI || in1["client_id"] != op.clientID || in1["token_use"] != "access_token" {
		t.Fatalf("introspection of the JWT: %v", in1)
	}

	// A refresh of a JWT client issues a JWT again; without resource its
	// audience is every resource of the grant, here the one named.
	rt := op.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {res.tokens.str("refresh_token")}})
	if rt.status != 200 {
		t.Fatalf("refresh: %d %v", rt.status, rt.body)
	}
	access2 := rt.str("access_token")
	claims2 := accessTokenClaims(t, in, access2)
	checkAccessTokenClaims(t, in, claims2, op.clientID, "alice.crypto", ordersAPI, "email offline_access openid", true)
	if claims2["jti"] == claims["jti"] {
		t.Error("the refreshed access token has the same jti")
	}
	wantInactive(t, "the JWT replaced by a refresh", 200, op.introspectToken(access))

	op.revokeToken(access2)
	wantInactive(t, "the revoked JWT", 200, op.introspectToken(access2))
	accessTokenClaims(t, in, access2) // still a valid signature: only Sigil knows it is revoked
	if st, h, body := op.userinfo(access2, "get"); st != 401 || !strings.Contains(h.Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("userinfo with the revoked JWT: %d %s %s", st, h.Get("WWW-Authenticate"), body)
	}
}

// TestJWTAccessTokenAttacks shows what a JWT access token cannot be made
// to do: a tampered payload, another kind of Sigil JWT (the ID token, typ
// JWT) and an unsigned token (alg none) are refused at userinfo and
// introspect inactive.
func TestJWTAccessTokenAttacks(t *testing.T) {
	in := startSigil(t)
	op := newJWTClient(t, in, "default", "jwt")
	res := op.fullFlow(url.Values{"scope": {"openid email"}}, false)
	access := res.tokens.str("access_token")
	parts := strings.Split(access, ".")
	claims := jwtPart(t, access, 1)
	claims["sub"] = "bob.crypto"
	payload, _ := json.Marshal(claims)
	tampered := parts[0] + "." + b64(payload) + "." + parts[2]
	unsigned := b64([]byte(`{"alg":"none","typ":"at+jwt"}`)) + "." + parts[1] + "."
	for what, tok := range map[string]string{"tampered": tampered, "the ID token": res.tokens.str("id_token"), "alg none": unsigned} {
		wantInactive(t, what, 200, op.introspectToken(tok))
		if st, _, body := op.userinfo(tok, "get"); st != 401 {
			t.Errorf("userinfo with %s: %d %s", what, st, body)
		}
	}
	// The genuine token still works, and its audience is the client when
	// no resource was named.
	if got := op.introspectToken(access); got["active"] != true || onlyAudience(got["aud"]) != op.clientID {
		t.Errorf("the genuine token: %v", got)
	}
	checkAccessTokenClaims(t, in, accessTokenClaims(t, in, access), op.clientID, "alice.crypto", op.clientID, "email openid", true)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// TestJWTAccessTokenClientCredentials: a client credentials JWT's sub is
// the client itself (RFC 9068 section 2.2), its audience the resources
// named, and it has no auth_time; revoked, it introspects inactive.
func TestJWTAccessTokenClientCredentials(t *testing.T) {
	in := startSigil(t)
	op := newJWTClient(t, in, "default", "jwt")
	tk := op.tokenRequest(url.Values{"grant_type": {"client_credentials"}, "scope": {"email"}, "resource": {billingAPI, reportsAPI}})
	if tk.status != 200 {
		t.Fatalf("client credentials: %d %v", tk.status, tk.body)
	}
	access := tk.str("access_token")
	checkAccessTokenClaims(t, in, accessTokenClaims(t, in, access), op.clientID, op.clientID, []string{billingAPI, reportsAPI}, "email", false)
	got := op.introspectToken(access)
	if got["active"] != true || got["sub"] != nil || !slices.Equal(toStrings(asList(got["aud"])), []string{billingAPI, reportsAPI}) {
		t.Fatalf("introspection: %v", got)
	}
	op.revokeToken(access)
	wantInactive(t, "the revoked client credentials JWT", 200, op.introspectToken(access))

	// The opaque default is unchanged for a client that did not ask.
	plain := newJWTClient(t, in, "default", "opaque")
	tk = plain.tokenRequest(url.Values{"grant_type": {"client_credentials"}, "scope": {"email"}})
	if tk.status != 200 || !strings.HasPrefix(tk.str("access_token"), "sigil_at_") {
		t.Fatalf("opaque client: %d %v", tk.status, tk.body)
	}
}
