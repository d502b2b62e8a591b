package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/keys"
)

// newJWTM2M is newM2M with a real key set and two more clients registered
// for RFC 9068 access tokens and RFC 8707 resources: "svc-jwt" (JWT
// access tokens) and "svc-res" (opaque, with resources).
func newJWTM2M(t *testing.T) *m2m {
	t.Helper()
	m := newM2M(t)
	set, err := keys.Load(context.Background(), m.p.Store, []byte("system-secret-for-the-oauth-unit-tests"))
	if err != nil {
		t.Fatal(err)
	}
	m.p.Signer = set
	for _, c := range []sigil.Client{
		{ID: "svc-jwt", GrantTypes: []string{"client_credentials"}, Scope: sigil.Scopes{"orders:read", "orders:write"},
			TokenEndpointAuthMethod: sigil.AuthMethodClientSecretBasic, AccessTokenStrategy: sigil.AccessTokenJWT,
			Resources: []string{"https://api.example/orders", "urn:example:billing"}},
		{ID: "svc-res", GrantTypes: []string{"client_credentials"}, Scope: sigil.Scopes{"orders:read"},
			TokenEndpointAuthMethod: sigil.AuthMethodClientSecretBasic, Resources: []string{"https://api.example/orders"}},
	} {
		sum := sha256.Sum256([]byte("secret-" + c.ID))
		c.SecretHash = sum[:]
		if err := m.p.Store.CreateClient(context.Background(), &c); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// verifyAccessToken checks token as a resource server would with the JWKS
// alone, and returns its header typ and claims.
func verifyAccessToken(t *testing.T, m *m2m, token string) (string, map[string]any) {
	t.Helper()
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("access token %q is not an RS256 JWS: %v", token, err)
	}
	h := jws.Signatures[0].Header
	jwks := m.p.Signer.PublicJWKS()
	found := jwks.Key(h.KeyID)
	if len(found) != 1 {
		t.Fatalf("kid %q is not in the JWKS", h.KeyID)
	}
	payload, err := jws.Verify(found[0].Key)
	if err != nil {
		t.Fatalf("signature: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	typ, _ := h.ExtraHeaders[jose.HeaderType].(string)
	return typ, claims
}

// TestJWTAccessTokenClientCredentials: a client registered for JWT access
// tokens gets an RFC 9068 token whose claims say what it is for; it
// introspects active with its audience until revoked, and then inactive,
// though its signature still verifies.
func TestJWTAccessTokenClientCredentials(t *testing.T) {
	m := newJWTM2M(t)
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}, "resource": {"https://api.example/orders"}}
	st, body, _ := m.post(t, m.p.Token, form, "svc-jwt", "basic")
	if st != 200 {
		t.Fatalf("token: %d %v", st, body)
	}
	access := body["access_token"].(string)
	typ, claims := verifyAccessToken(t, m, access)
	if typ != keys.TypeAccessToken {
		t.Errorf("typ %q, want at+jwt", typ)
	}
	want := map[string]any{"iss": "https://id.example", "sub": "svc-jwt", "client_id": "svc-jwt", "aud": "https://api.example/orders",
		"scope": "orders:read", "iat": float64(m.now.Unix()), "exp": float64(m.now.Add(DefaultLifetimes.AccessToken).Unix())}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v", k, claims[k], v)
		}
	}
	if jti, _ := claims["jti"].(string); len(jti) < 32 {
		t.Errorf("jti %q", claims["jti"])
	}
	if _, ok := claims["auth_time"]; ok {
		t.Errorf("a client credentials token has auth_time: %v", claims)
	}

	_, in, _ := m.post(t, m.p.Introspect, url.Values{"token": {access}}, "rp", "basic")
	if in["active"] != true || !reflect.DeepEqual(in["aud"], []any{"https://api.example/orders"}) || in["client_id"] != "svc-jwt" || in["token_use"] != "access_token" {
		t.Fatalf("introspection: %v", in)
	}

	// Tampered: the payload of another token under this signature.
	parts := strings.Split(access, ".")
	forged := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"https://id.example","jti":"x"}`)) + "." + parts[2]
	if _, in, _ := m.post(t, m.p.Introspect, url.Values{"token": {forged}}, "rp", "basic"); !equalJSON(in, map[string]any{"active": false}) {
		t.Errorf("forged token: %v", in)
	}
	// The same claims signed as an ID token (typ JWT) are not an access token.
	idTyped, err := m.p.Signer.Sign(sigil.AlgRS256, claims, keys.TypeJWT)
	if err != nil {
		t.Fatal(err)
	}
	if _, in, _ := m.post(t, m.p.Introspect, url.Values{"token": {idTyped}}, "rp", "basic"); !equalJSON(in, map[string]any{"active": false}) {
		t.Errorf("typ JWT with an access token's claims: %v", in)
	}

	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/", strings.NewReader(url.Values{"token": {access}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("svc-jwt", "secret-svc-jwt")
	m.p.Revoke(rec, req)
	if rec.Code != 200 {
		t.Fatalf("revoke: %d %s", rec.Code, rec.Body)
	}
	if _, in, _ := m.post(t, m.p.Introspect, url.Values{"token": {access}}, "rp", "basic"); !equalJSON(in, map[string]any{"active": false}) {
		t.Errorf("after revocation: %v", in)
	}
}

// TestResourceAtTokenEndpoint checks RFC 8707 resource at the client
// credentials grant: each must be an absolute URI without fragment
// registered for the client (else invalid_target); several are allowed;
// the token's audience is what was named, else the client itself;
// introspection answers it as an array, even of one.
func TestResourceAtTokenEndpoint(t *testing.T) {
	m := newJWTM2M(t)
	cases := []struct {
		name, client string
		resources    []string
		wantErr      string
		wantAud      any
	}{
		{"none", "svc-res", nil, "", []any{"svc-res"}},
		{"registered", "svc-res", []string{"https://api.example/orders"}, "", []any{"https://api.example/orders"}},
		{"twice the same", "svc-res", []string{"https://api.example/orders", "https://api.example/orders"}, "", []any{"https://api.example/orders"}},
		{"two", "svc-jwt", []string{"urn:example:billing", "https://api.example/orders"}, "", []any{"urn:example:billing", "https://api.example/orders"}},
		{"not registered", "svc-res", []string{"https://api.example/other"}, "invalid_target", nil},
		{"one of two not registered", "svc-res", []string{"https://api.example/orders", "https://evil.example/"}, "invalid_target", nil},
		{"relative", "svc-res", []string{"/orders"}, "invalid_target", nil},
		{"fragment", "svc-res", []string{"https://api.example/orders#x"}, "invalid_target", nil},
		{"empty fragment", "svc-res", []string{"https://api.example/orders#"}, "invalid_target", nil},
		{"client without resources", "svc", []string{"https://api.example/orders"}, "invalid_target", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"grant_type": {"client_credentials"}, "resource": tc.resources}
			st, body, _ := m.post(t, m.p.Token, form, tc.client, "basic")
			if tc.wantErr != "" {
				desc, _ := body["error_description"].(string)
				if st != 400 || body["error"] != tc.wantErr || !strings.Contains(desc, "resource") {
					t.Fatalf("%d %v, want 400 %s with a hint about the resource", st, body, tc.wantErr)
				}
				return
			}
			if st != 200 {
				t.Fatalf("%d %v", st, body)
			}
			_, in, _ := m.post(t, m.p.Introspect, url.Values{"token": {body["access_token"].(string)}}, "rp", "basic")
			if got, _ := json.Marshal(in["aud"]); string(got) != mustJSON(tc.wantAud) {
				t.Errorf("introspected aud %s, want %s", got, mustJSON(tc.wantAud))
			}
		})
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestResourceAtAuthorizationEndpoint checks the resource parameters of
// an authorization request (RFC 8707 section 2.1).
func TestResourceAtAuthorizationEndpoint(t *testing.T) {
	p := &Provider{Issuer: &url.URL{Scheme: "https", Host: "id.example"}}
	client := &sigil.Client{ID: "app", ResponseTypes: []string{"code"}, Scope: sigil.Scopes{"openid"}, RequirePKCE: true,
		RedirectURIs: []string{"https://rp.example/cb"}, Resources: []string{"https://api.example/", "urn:example:api"}}
	base := url.Values{"response_type": {"code"}, "scope": {"openid"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
	for _, tc := range []struct {
		resources []string
		want      []string
		wantErr   bool
	}{
		{nil, nil, false},
		{[]string{"urn:example:api"}, []string{"urn:example:api"}, false},
		{[]string{"urn:example:api", "https://api.example/"}, []string{"urn:example:api", "https://api.example/"}, false},
		{[]string{"https://api.example/other"}, nil, true},
		{[]string{"api.example"}, nil, true},
		{[]string{"https://api.example/#f"}, nil, true},
	} {
		params := cloneValues(base)
		params["resource"] = tc.resources
		req, err := p.validateAuthorizationRequest(params, client, "https://rp.example/cb")
		switch {
		case tc.wantErr && (err == nil || !strings.Contains(err.Error(), "invalid_target")):
			t.Errorf("resource %q: %v, want invalid_target", tc.resources, err)
		case !tc.wantErr && err != nil:
			t.Errorf("resource %q: %v", tc.resources, err)
		case !tc.wantErr && !slices.Equal(req.Resources, tc.want):
			t.Errorf("resource %q: kept %q", tc.resources, req.Resources)
		}
	}
	// Several resource parameters are allowed (RFC 8707 section 2), other
	// repeated parameters are not (RFC 6749 section 3.1).
	if err := single(url.Values{"resource": {"a", "b"}}); err != nil {
		t.Errorf("two resource parameters: %v", err)
	}
	if err := single(url.Values{"scope": {"a", "b"}}); err == nil {
		t.Error("two scope parameters accepted")
	}
}
