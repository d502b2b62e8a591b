package admin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/oautherr"
)

const testToken = "admin-token-for-tests-0123456789"

type fixture struct {
	h     http.Handler
	store *fakeStore
	logs  *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	store := newFakeStore()
	var logs bytes.Buffer
	h := NewHandler(store, HashToken(testToken), slog.New(slog.NewTextHandler(&logs, nil)), nil)
	return &fixture{h: h, store: store, logs: &logs}
}

// do sends an authenticated request; a non-empty body is sent as JSON.
func (f *fixture) do(t *testing.T, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	return f.doWith(t, method, path, body, map[string]string{"Authorization": "Bearer " + testToken})
}

func (f *fixture) doWith(t *testing.T, method, path, body string, headers map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return rec
}

func decodeMetadata(t *testing.T, rec *httptest.ResponseRecorder) *Metadata {
	t.Helper()
	var m Metadata
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("response is not metadata JSON: %v: %s", err, rec.Body)
	}
	return &m
}

// wantError checks a catalogue error answer: status, code, no-store, and
// that the description contains every one of wants.
func wantError(t *testing.T, rec *httptest.ResponseRecorder, e *oautherr.Error, wants ...string) oautherr.Body {
	t.Helper()
	if rec.Code != e.Status {
		t.Errorf("status %d, want %d; body %s", rec.Code, e.Status, rec.Body)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	var b oautherr.Body
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, rec.Body)
	}
	if b.Error != e.Code {
		t.Errorf("error %q, want %q (%s)", b.Error, e.Code, b.ErrorDescription)
	}
	for _, w := range wants {
		if !strings.Contains(b.ErrorDescription, w) {
			t.Errorf("error_description %q does not contain %q", b.ErrorDescription, w)
		}
	}
	return b
}

func sha(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

const minimalBody = `{"redirect_uris":["https://app.example.com/callback"]}`

func TestHashTokenIsSHA256(t *testing.T) {
	got := HashToken("abc")
	if !bytes.Equal(got[:], sha("abc")) {
		t.Fatalf("HashToken(abc) = %x", got)
	}
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name    string
		headers map[string]string
	}{
		{"no header", nil},
		{"wrong token", map[string]string{"Authorization": "Bearer not-the-token"}},
		{"empty bearer", map[string]string{"Authorization": "Bearer "}},
		{"basic scheme", map[string]string{"Authorization": "Basic " + testToken}},
		{"token without scheme", map[string]string{"Authorization": testToken}},
		{"token prefix", map[string]string{"Authorization": "Bearer " + testToken[:len(testToken)-1]}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, route := range [][2]string{
				{"GET", "/admin/clients"},
				{"POST", "/admin/clients"},
				{"DELETE", "/admin/clients/x"},
				{"GET", "/no/such/route"},
			} {
				body := ""
				if route[0] == "POST" {
					body = minimalBody
				}
				rec := f.doWith(t, route[0], route[1], body, tc.headers)
				wantError(t, rec, oautherr.ErrRequestUnauthorized)
				if got := rec.Header().Get("WWW-Authenticate"); got != `Bearer realm="sigil-admin"` {
					t.Errorf("%v: WWW-Authenticate %q", route, got)
				}
			}
		})
	}
	if n := len(f.store.clients); n != 0 {
		t.Fatalf("unauthenticated POST created %d clients", n)
	}

	// The right token and another in a second header: refused, not one of
	// them chosen.
	req := httptest.NewRequest("GET", "/admin/clients", nil)
	req.Header.Add("Authorization", "Bearer "+testToken)
	req.Header.Add("Authorization", "Bearer not-the-token")
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	wantError(t, rec, oautherr.ErrInvalidRequest)

	// The right token passes, with the scheme in any case (RFC 9110 section 11.1).
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		rec := f.doWith(t, "GET", "/admin/clients", "", map[string]string{"Authorization": scheme + " " + testToken})
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d %s", scheme, rec.Code, rec.Body)
		}
		if rec.Header().Get("WWW-Authenticate") != "" {
			t.Fatalf("WWW-Authenticate on a success")
		}
	}
}

func TestCreateConfidentialClient(t *testing.T) {
	f := newFixture(t)
	before := time.Now().Unix()
	rec := f.do(t, "POST", "/admin/clients", minimalBody)
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d %s", rec.Code, rec.Body)
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("Cache-Control %q", rec.Header().Get("Cache-Control"))
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q", ct)
	}
	m := decodeMetadata(t, rec)
	id, err := uuid.Parse(m.ClientID)
	if err != nil || id.Version() != 4 || id.String() != m.ClientID {
		t.Fatalf("client_id %q is not a canonical UUID v4 (%v)", m.ClientID, err)
	}
	if loc := rec.Header().Get("Location"); loc != "/admin/clients/"+m.ClientID {
		t.Fatalf("Location %q", loc)
	}
	if m.ClientIDIssuedAt < before || m.ClientIDIssuedAt > time.Now().Unix() {
		t.Fatalf("client_id_issued_at %d", m.ClientIDIssuedAt)
	}
	// Defaults of RFC 7591 section 2 and Sigil's default scope.
	if fmt.Sprint(m.GrantTypes) != "[authorization_code]" || fmt.Sprint(m.ResponseTypes) != "[code]" ||
		m.TokenEndpointAuthMethod != "client_secret_basic" || m.Scope != "openid wallet" || m.AllowPlainPKCE {
		t.Fatalf("defaults not applied: %+v", m)
	}
	// 256-bit secret, base64url without padding: 43 characters.
	if len(m.ClientSecret) != 43 || strings.ContainsAny(m.ClientSecret, "+/=") {
		t.Fatalf("client_secret %q", m.ClientSecret)
	}
	if m.ClientSecretExpiresAt == nil || *m.ClientSecretExpiresAt != 0 {
		t.Fatalf("client_secret_expires_at %v, want 0", m.ClientSecretExpiresAt)
	}
	if !strings.Contains(rec.Body.String(), `"client_secret_expires_at":0`) {
		t.Fatalf("client_secret_expires_at not on the wire: %s", rec.Body)
	}

	stored := f.store.clients[m.ClientID]
	if stored == nil {
		t.Fatal("client not stored")
	}
	if !bytes.Equal(stored.SecretHash, sha(m.ClientSecret)) {
		t.Fatalf("stored hash %x != sha256(secret)", stored.SecretHash)
	}
	if stored.Scope.String() != "openid wallet" || stored.CreatedAt.IsZero() || stored.UpdatedAt.IsZero() {
		t.Fatalf("stored client %+v", stored)
	}
	if strings.Contains(f.logs.String(), m.ClientSecret) {
		t.Fatal("the secret was logged")
	}

	// Shown only once: GET and list never carry it.
	for _, path := range []string{"/admin/clients/" + m.ClientID, "/admin/clients"} {
		rec := f.do(t, "GET", path, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		body := rec.Body.String()
		if strings.Contains(body, "client_secret\"") || strings.Contains(body, m.ClientSecret) ||
			strings.Contains(body, "client_secret_expires_at") {
			t.Fatalf("GET %s shows the secret: %s", path, body)
		}
	}

	// A second client gets a different id and secret.
	m2 := decodeMetadata(t, f.do(t, "POST", "/admin/clients", minimalBody))
	if m2.ClientID == m.ClientID || m2.ClientSecret == m.ClientSecret {
		t.Fatal("ids or secrets repeat")
	}
}

func TestCreatePublicClientWithAllMetadata(t *testing.T) {
	f := newFixture(t)
	body := `{
		"client_id": "my-spa.v1_~x",
		"client_name": "My SPA",
		"redirect_uris": ["https://app.example.com/cb", "http://127.0.0.1:8080/cb", "http://[::1]:9000/cb", "http://localhost/cb", "com.example.app:/oauth2redirect"],
		"post_logout_redirect_uris": ["https://app.example.com/bye"],
		"grant_types": ["authorization_code"],
		"response_types": ["code"],
		"scope": "openid wallet email openid",
		"token_endpoint_auth_method": "none",
		"logo_uri": "https://cdn.example.com/logo.png",
		"client_uri": "https://example.com",
		"policy_uri": "https://example.com/privacy",
		"tos_uri": "http://localhost:3000/tos",
		"allowed_cors_origins": ["https://app.example.com", "http://localhost:3000", "https://app.example.com:8443"],
		"allow_plain_pkce": true,
		"client_id_issued_at": 12345,
		"client_secret_expires_at": 0
	}`
	rec := f.do(t, "POST", "/admin/clients", body)
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d %s", rec.Code, rec.Body)
	}
	m := decodeMetadata(t, rec)
	if m.ClientSecret != "" || m.ClientSecretExpiresAt != nil || strings.Contains(rec.Body.String(), `"client_secret"`) {
		t.Fatalf("public client got a secret: %s", rec.Body)
	}
	want := Metadata{
		ClientID:                "my-spa.v1_~x",
		ClientIDIssuedAt:        m.ClientIDIssuedAt,
		ClientName:              "My SPA",
		RedirectURIs:            []string{"https://app.example.com/cb", "http://127.0.0.1:8080/cb", "http://[::1]:9000/cb", "http://localhost/cb", "com.example.app:/oauth2redirect"},
		PostLogoutRedirectURIs:  []string{"https://app.example.com/bye"},
		GrantTypes:              []string{"authorization_code"},
		ResponseTypes:           []string{"code"},
		Scope:                   "openid wallet email",
		TokenEndpointAuthMethod: "none",
		LogoURI:                 "https://cdn.example.com/logo.png",
		ClientURI:               "https://example.com",
		PolicyURI:               "https://example.com/privacy",
		TosURI:                  "http://localhost:3000/tos",
		AllowedCORSOrigins:      []string{"https://app.example.com", "http://localhost:3000", "https://app.example.com:8443"},
		AllowPlainPKCE:          true,
		RequirePKCE:             ptr(true),
		AccessTokenStrategy:     "opaque",
		SubjectType:             "public",
	}
	if got, exp := mustJSON(t, m), mustJSON(t, want); got != exp {
		t.Fatalf("response\n got %s\nwant %s", got, exp)
	}
	if m.ClientIDIssuedAt == 12345 {
		t.Fatal("client_id_issued_at was taken from the request")
	}
	stored := f.store.clients["my-spa.v1_~x"]
	if stored == nil || len(stored.SecretHash) != 0 || !stored.Public() || !stored.AllowPlainPKCE {
		t.Fatalf("stored %+v", stored)
	}
	// GET answers the same metadata.
	got := decodeMetadata(t, f.do(t, "GET", "/admin/clients/my-spa.v1_~x", ""))
	if mustJSON(t, got) != mustJSON(t, want) {
		t.Fatalf("GET answers %s", mustJSON(t, got))
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCreateDuplicateClientID(t *testing.T) {
	f := newFixture(t)
	body := `{"client_id":"dup-client","redirect_uris":["https://a.example/cb"]}`
	if rec := f.do(t, "POST", "/admin/clients", body); rec.Code != http.StatusCreated {
		t.Fatalf("first create: %d %s", rec.Code, rec.Body)
	}
	rec := f.do(t, "POST", "/admin/clients", body)
	wantError(t, rec, oautherr.ErrInvalidClientMetadata, "client_id", `'dup-client'`, "already exists")
}

// TestValidation sends each kind of bad metadata through the handler and
// checks the code and that the hint names the field and the bad value.
func TestValidation(t *testing.T) {
	const okRedirect = `"redirect_uris":["https://app.example.com/cb"]`
	type tc struct {
		name  string
		body  string
		err   *oautherr.Error
		wants []string
	}
	redirect := func(name, uri string, wants ...string) tc {
		return tc{name, fmt.Sprintf(`{"redirect_uris":[%q]}`, uri), oautherr.ErrInvalidRedirectURI, append([]string{"redirect_uris"}, wants...)}
	}
	meta := func(name, fields string, wants ...string) tc {
		return tc{name, "{" + okRedirect + "," + fields + "}", oautherr.ErrInvalidClientMetadata, wants}
	}
	cases := []tc{
		{"missing redirect_uris", `{}`, oautherr.ErrInvalidRedirectURI, []string{"redirect_uris", "required"}},
		{"empty redirect_uris", `{"redirect_uris":[]}`, oautherr.ErrInvalidRedirectURI, []string{"redirect_uris", "required"}},
		redirect("fragment", "https://app.example.com/cb#frag", `'https://app.example.com/cb#frag'`, "fragment"),
		redirect("empty fragment", "https://app.example.com/cb#", `'https://app.example.com/cb#'`, "fragment"),
		redirect("relative", "/callback", `'/callback'`, "absolute"),
		// Compared exactly, these could never match a request.
		redirect("wildcard host", "https://*.example.com/cb", "wildcard", "register each one"),
		redirect("wildcard path", "https://app.example.com/*", "wildcard"),
		redirect("port out of range", "https://app.example.com:99999/cb", "invalid port"),
		redirect("empty port", "http://127.0.0.1:/cb", "invalid port"),
		redirect("port with a leading zero", "http://127.0.0.1:05555/cb", "invalid port"),
		redirect("port 0", "http://127.0.0.1:0/cb", "invalid port"),
		redirect("scheme in capitals", "HTTPS://app.example.com/cb", "lowercase", "https://app.example.com/cb"),
		redirect("no scheme", "app.example.com/cb", `'app.example.com/cb'`),
		redirect("http non-loopback", "http://app.example.com/cb", `'http://app.example.com/cb'`, "https"),
		redirect("http loopback lookalike", "http://localhost.evil.com/cb", `'http://localhost.evil.com/cb'`),
		redirect("http 127 lookalike", "http://127.0.0.1.nip.io/cb", `'http://127.0.0.1.nip.io/cb'`),
		redirect("javascript", "javascript:alert(1)", `'javascript:alert(1)'`, `'javascript'`),
		redirect("javascript uppercase", "JavaScript:alert(1)", `'JavaScript:alert(1)'`, `'javascript'`),
		redirect("data", "data:text/html,hi", `'data:text/html,hi'`, `'data'`),
		redirect("file", "file:///etc/passwd", `'file:///etc/passwd'`, `'file'`),
		redirect("vbscript", "vbscript:msgbox", `'vbscript:msgbox'`),
		redirect("private scheme without dot", "myapp:/cb", `'myapp:/cb'`, "com.example.app"),
		redirect("ftp", "ftp://files.example.com/cb", `'ftp://files.example.com/cb'`),
		redirect("userinfo", "https://user:pw@app.example.com/cb", `'https://user:pw@app.example.com/cb'`, "userinfo"),
		redirect("https without host", "https:///cb", `'https:///cb'`, "host"),
		redirect("https opaque", "https:app.example.com", `'https:app.example.com'`, "host"),
		redirect("space", "https://app.example.com/a b", "whitespace"),
		redirect("empty string", "", "empty"),
		{"duplicate redirect", `{"redirect_uris":["https://a.example/cb","https://a.example/cb"]}`, oautherr.ErrInvalidRedirectURI, []string{"redirect_uris", `'https://a.example/cb'`, "twice"}},
		{"post logout http", `{` + okRedirect + `,"post_logout_redirect_uris":["http://app.example.com/bye"]}`, oautherr.ErrInvalidRedirectURI, []string{"post_logout_redirect_uris", `'http://app.example.com/bye'`}},
		{"post logout fragment", `{` + okRedirect + `,"post_logout_redirect_uris":["https://app.example.com/bye#x"]}`, oautherr.ErrInvalidRedirectURI, []string{"post_logout_redirect_uris", "fragment"}},
		{"post logout javascript", `{` + okRedirect + `,"post_logout_redirect_uris":["javascript:alert(1)"]}`, oautherr.ErrInvalidRedirectURI, []string{"post_logout_redirect_uris", `'javascript'`}},

		meta("grant implicit", `"grant_types":["implicit"]`, "grant_types", `grant type 'implicit' is not supported; supported: authorization_code, refresh_token, client_credentials`),
		meta("grant with a quote", `"grant_types":["a\"b"]`, "grant_types", "cannot be shown"),
		meta("grant refresh_token alone", `"grant_types":["refresh_token"]`, "grant_types", "needs authorization_code"),
		{"grant client_credentials and refresh_token", `{"grant_types":["client_credentials","refresh_token"]}`, oautherr.ErrInvalidClientMetadata, []string{"needs authorization_code"}},
		{"client_credentials with redirect_uris", `{"grant_types":["client_credentials"],` + okRedirect + `}`, oautherr.ErrInvalidRedirectURI, []string{"redirect_uris", "must be empty", "client_credentials"}},
		{"client_credentials with post-logout URIs", `{"grant_types":["client_credentials"],"post_logout_redirect_uris":["https://a.example/bye"]}`, oautherr.ErrInvalidRedirectURI, []string{"post_logout_redirect_uris", "must be empty"}},
		{"client_credentials with response_types", `{"grant_types":["client_credentials"],"redirect_uris":[],"response_types":["code"]}`, oautherr.ErrInvalidClientMetadata, []string{"response_types", "must be empty"}},
		{"client_credentials for a public client", `{"grant_types":["client_credentials"],"redirect_uris":[],"response_types":[],"token_endpoint_auth_method":"none"}`, oautherr.ErrInvalidClientMetadata, []string{"client_credentials", "confidential", "public"}},
		meta("client_credentials for a public code client", `"grant_types":["authorization_code","client_credentials"],"token_endpoint_auth_method":"none"`, "client_credentials", "confidential"),
		{"client_credentials with openid", `{"grant_types":["client_credentials"],"scope":"openid orders:read"}`, oautherr.ErrInvalidClientMetadata, []string{"scope", "openid"}},
		{"client_credentials with a bad scope", `{"grant_types":["client_credentials"],"scope":"orders:read a\"b"}`, oautherr.ErrInvalidClientMetadata, []string{"scope", "cannot be shown"}},
		// As for any client: the token would carry email:optional verbatim,
		// and a request for plain email would be outside the registration.
		{"client_credentials with an :optional scope", `{"grant_types":["client_credentials"],"scope":"orders:read email:optional"}`, oautherr.ErrInvalidClientMetadata, []string{"email:optional", "Register scope 'orders:read email'"}},
		{"client_credentials with a tab in the scope", `{"grant_types":["client_credentials"],"scope":"orders:read\torders:write"}`, oautherr.ErrInvalidClientMetadata, []string{"scope", "single spaces"}},
		{"grant_types empty", `{"grant_types":[]}`, oautherr.ErrInvalidRedirectURI, []string{"redirect_uris is required", "omitted or empty", "client_credentials alone"}},
		meta("response token", `"response_types":["token"]`, "response_types", `response type 'token' is not supported; supported: code`),
		meta("response code id_token", `"response_types":["code id_token"]`, `'code id_token'`),
		meta("auth method jwt", `"token_endpoint_auth_method":"private_key_jwt"`, "token_endpoint_auth_method", `'private_key_jwt'`, "client_secret_basic"),
		meta("auth method typo", `"token_endpoint_auth_method":"client_secret"`, "token_endpoint_auth_method", `'client_secret'`),
		meta("scope without openid", `"scope":"wallet email"`, "scope", `'wallet email'`, "openid"),
		meta("scope with quote", `"scope":"openid \"bad\""`, "scope", "cannot be shown", "RFC 6749 section 3.3"),
		meta("scope with backslash", `"scope":"openid a\\b"`, "scope", "cannot be shown"),
		meta("client_name with a bidirectional override", `"client_name":"Acme\u202eevil"`, "client_name", "invisible formatting"),
		meta("client_name with a zero-width space", `"client_name":"Acme\u200bNotes"`, "client_name", "invisible formatting"),
		meta("client_name of spaces", `"client_name":"   "`, "client_name", "white space"),
		meta("client_name of a Hangul filler", `"client_name":"\u3164"`, "client_name", "blank characters"),
		meta("client_name of blank Braille", `"client_name":"\u2800 \u2800"`, "client_name", "blank characters"),
		meta("client_name stacking combining marks", `"client_name":"A`+strings.Repeat(`\u0301`, 30)+`"`, "client_name", "combining marks"),
		meta("client_uri with a port out of range", `"client_uri":"https://a.example.com:99999/"`, "client_uri", "invalid port"),
		meta("CORS origin with a wildcard", `"allowed_cors_origins":["https://*.example.com"]`, "allowed_cors_origins", "wildcard"),
		meta("CORS origin not in ASCII", `"allowed_cors_origins":["https://bücher.example"]`, "allowed_cors_origins", "punycode"),
		meta("scope with tab", `"scope":"openid\twallet"`, "scope", "cannot be shown"),
		meta("scope non-ascii", `"scope":"openid wället"`, "scope", "cannot be shown"),
		meta("logo http", `"logo_uri":"http://cdn.example.com/logo.png"`, "logo_uri", `'http://cdn.example.com/logo.png'`, "https"),
		meta("logo javascript", `"logo_uri":"javascript:alert(1)"`, "logo_uri", `'javascript:alert(1)'`),
		meta("client_uri relative", `"client_uri":"/about"`, "client_uri", `'/about'`),
		meta("client_uri ftp", `"client_uri":"ftp://example.com"`, "client_uri", `'ftp://example.com'`),
		meta("policy_uri data", `"policy_uri":"data:text/html,x"`, "policy_uri", `'data:text/html,x'`),
		meta("tos_uri userinfo", `"tos_uri":"https://u:p@example.com/tos"`, "tos_uri", `'https://u:p@example.com/tos'`),
		meta("tos_uri no host", `"tos_uri":"https:///tos"`, "tos_uri", `'https:///tos'`),
		meta("cors path", `"allowed_cors_origins":["https://app.example.com/"]`, "allowed_cors_origins", `'https://app.example.com/'`),
		meta("cors long path", `"allowed_cors_origins":["https://app.example.com/app"]`, "allowed_cors_origins", `'https://app.example.com/app'`),
		meta("cors query", `"allowed_cors_origins":["https://app.example.com?x=1"]`, "allowed_cors_origins", `'https://app.example.com?x=1'`),
		meta("cors fragment", `"allowed_cors_origins":["https://app.example.com#x"]`, "allowed_cors_origins", `'https://app.example.com#x'`),
		meta("cors http", `"allowed_cors_origins":["http://app.example.com"]`, "allowed_cors_origins", `'http://app.example.com'`, "https"),
		meta("cors no scheme", `"allowed_cors_origins":["app.example.com"]`, "allowed_cors_origins", `'app.example.com'`),
		meta("cors wildcard", `"allowed_cors_origins":["*"]`, "allowed_cors_origins", `'*'`),
		meta("cors uppercase", `"allowed_cors_origins":["https://App.Example.com"]`, "allowed_cors_origins", `'https://App.Example.com'`, "https://app.example.com"),
		meta("cors default port", `"allowed_cors_origins":["https://app.example.com:443"]`, "allowed_cors_origins", `'https://app.example.com:443'`, "default port"),
		meta("cors bad port", `"allowed_cors_origins":["https://app.example.com:99999"]`, "allowed_cors_origins", `'https://app.example.com:99999'`),
		meta("cors userinfo", `"allowed_cors_origins":["https://u@app.example.com"]`, "allowed_cors_origins", `'https://u@app.example.com'`),
		meta("cors duplicate", `"allowed_cors_origins":["https://a.example","https://a.example"]`, "allowed_cors_origins", `'https://a.example'`, "twice"),
		meta("client_id short", `"client_id":"ab"`, "client_id", `'ab'`),
		meta("client_id long", `"client_id":"`+strings.Repeat("a", 65)+`"`, "client_id", strings.Repeat("a", 65)),
		meta("client_id slash", `"client_id":"a/b/c"`, "client_id", `'a/b/c'`),
		meta("client_id space", `"client_id":"a b c"`, "client_id", `'a b c'`),
		meta("client_id unicode", `"client_id":"clïent"`, "client_id", "cannot be shown"),
		meta("client_secret given", `"client_secret":"chosen-by-me"`, "client_secret", "the server issues secrets"),
		meta("client_name control", `"client_name":"Bank\u0000Evil"`, "client_name", "control"),
		meta("client_name too long", `"client_name":"`+strings.Repeat("n", 201)+`"`, "client_name", "201"),
		meta("client_id that is a domain", `"client_id":"alice.crypto"`, "client_id", "'alice.crypto'", "domain name", "RFC 9700 section 4.15"),
		meta("client_id that is a DNS name", `"client_id":"App.Example.com"`, "client_id", "domain name"),
		meta("require_pkce false for a public client", `"token_endpoint_auth_method":"none","require_pkce":false`, "require_pkce", "public client"),
		meta("id token alg none", `"id_token_signed_response_alg":"none"`, "id_token_signed_response_alg", "never accepted"),
		meta("id token alg HS256", `"id_token_signed_response_alg":"HS256"`, "id_token_signed_response_alg", "'HS256'", "RS256, ES256, EdDSA"),
		meta("userinfo alg none", `"userinfo_signed_response_alg":"none"`, "userinfo_signed_response_alg", "never accepted"),
		meta("backchannel logout uri http", `"backchannel_logout_uri":"http://rp.example.com/bc"`, "backchannel_logout_uri", "https"),
		meta("backchannel logout uri fragment", `"backchannel_logout_uri":"https://rp.example.com/bc#x"`, "backchannel_logout_uri", "fragment"),
		meta("backchannel session without uri", `"backchannel_logout_session_required":true`, "backchannel_logout_session_required", "backchannel_logout_uri"),
		meta("access token strategy", `"access_token_strategy":"paseto"`, "access_token_strategy", "'paseto'", "jwt"),
		meta("resource relative", `"resources":["/api"]`, "resources", "'/api'", "absolute"),
		meta("resource fragment", `"resources":["https://api.example.com/#a"]`, "resources", "fragment"),
		meta("subject type", `"subject_type":"pairwise-ish"`, "subject_type", "'pairwise-ish'", "pairwise"),
		meta("resource twice", `"resources":["https://api.example.com/","https://api.example.com/"]`, "resources", "twice"),
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			rec := f.do(t, "POST", "/admin/clients", c.body)
			wantError(t, rec, c.err, c.wants...)
			if len(f.store.clients) != 0 {
				t.Fatal("an invalid client was stored")
			}
		})
	}
}

// TestOpenIDMetadataRoundTrip registers every OpenID Connect, RFC 9068 and
// RFC 8707 field and reads each back as registered.
func TestOpenIDMetadataRoundTrip(t *testing.T) {
	f := newFixture(t)
	rec := f.do(t, "POST", "/admin/clients", `{"client_id":"rp-1","redirect_uris":["https://rp.example.com/cb"],
		"require_pkce":false,"id_token_signed_response_alg":"ES256","userinfo_signed_response_alg":"EdDSA",
		"backchannel_logout_uri":"https://rp.example.com/bc?x=1","backchannel_logout_session_required":true,
		"access_token_strategy":"jwt","resources":["https://api.example.com/","urn:example:api"],"subject_type":"pairwise"}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("status %d %s", rec.Code, rec.Body)
	}
	m := decodeMetadata(t, rec)
	if m.RequirePKCE == nil || *m.RequirePKCE || m.IDTokenSignedResponseAlg != "ES256" || m.UserinfoSignedResponseAlg != "EdDSA" ||
		m.BackchannelLogoutURI != "https://rp.example.com/bc?x=1" || !m.BackchannelLogoutSessionRequired ||
		m.AccessTokenStrategy != "jwt" || strings.Join(m.Resources, " ") != "https://api.example.com/ urn:example:api" || m.SubjectType != "pairwise" {
		t.Fatalf("metadata read back as %s", rec.Body)
	}
	c := f.store.clients["rp-1"]
	if c.PKCERequired() || c.IDTokenAlg() != "ES256" || !c.JWTAccessTokens() || !c.Pairwise() {
		t.Fatalf("stored client %+v", c)
	}

	// Omitted, each takes its default: PKCE required, RS256, opaque.
	rec = f.do(t, "POST", "/admin/clients", `{"client_id":"rp-2","redirect_uris":["https://rp.example.com/cb"]}`)
	m = decodeMetadata(t, rec)
	c = f.store.clients["rp-2"]
	if m.RequirePKCE == nil || !*m.RequirePKCE || m.AccessTokenStrategy != "opaque" || !c.PKCERequired() || c.IDTokenAlg() != "RS256" || c.JWTAccessTokens() ||
		m.SubjectType != "public" || c.Pairwise() {
		t.Fatalf("defaults: %s / %+v", rec.Body, c)
	}
}

func TestRequestFormat(t *testing.T) {
	f := newFixture(t)
	auth := "Bearer " + testToken
	cases := []struct {
		name        string
		contentType string
		body        string
		wants       []string
	}{
		{"malformed JSON", "application/json", `{"redirect_uris": [`, []string{"not valid"}},
		{"not an object", "application/json", `["https://a.example/cb"]`, []string{"not valid"}},
		{"wrong type", "application/json", `{"redirect_uris":"https://a.example/cb"}`, []string{"field 'redirect_uris' must be an array of strings, not a JSON string"}},
		{"wrong type of a string field", "application/json", `{"client_name":7}`, []string{"field 'client_name' must be a string, not a JSON number"}},
		{"wrong type of a flag", "application/json", `{"require_pkce":"yes"}`, []string{"field 'require_pkce' must be true or false, not a JSON string"}},
		{"a fraction for an integer", "application/json", `{"client_id_issued_at":1.5}`, []string{"field 'client_id_issued_at' must be an integer, not a JSON number 1.5"}},
		{"an array for the object", "application/json", `[]`, []string{"the body must be an object, not a JSON array"}},
		{"unknown field", "application/json", `{"redirect_uri":["https://a.example/cb"]}`, []string{`unknown field 'redirect_uri'`}},
		{"unknown field jwks", "application/json", `{"redirect_uris":["https://a.example/cb"],"jwks_uri":"https://a.example/jwks"}`, []string{`'jwks_uri'`}},
		{"trailing data", "application/json", minimalBody + `{}`, []string{"after the JSON object"}},
		{"empty body", "application/json", ``, []string{"empty"}},
		{"text/plain", "text/plain", minimalBody, []string{"Content-Type", `'text/plain'`}},
		{"form", "application/x-www-form-urlencoded", "redirect_uris=https://a.example/cb", []string{"Content-Type"}},
		{"no content type", "", minimalBody, []string{"Content-Type"}},
		{"too large", "application/json", `{"client_name":"` + strings.Repeat("x", maxBodyBytes) + `"}`, []string{"larger than 1048576 bytes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, route := range [][2]string{{"POST", "/admin/clients"}, {"PUT", "/admin/clients/any-client"}} {
				req := httptest.NewRequest(route[0], route[1], strings.NewReader(c.body))
				req.Header.Set("Authorization", auth)
				if c.contentType != "" {
					req.Header.Set("Content-Type", c.contentType)
				}
				rec := httptest.NewRecorder()
				f.h.ServeHTTP(rec, req)
				wantError(t, rec, oautherr.ErrInvalidRequest, c.wants...)
			}
		})
	}
	// A charset parameter is fine.
	req := httptest.NewRequest("POST", "/admin/clients", strings.NewReader(minimalBody))
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("charset: %d %s", rec.Code, rec.Body)
	}
}

func TestListAndGet(t *testing.T) {
	f := newFixture(t)
	rec := f.do(t, "GET", "/admin/clients", "")
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != `{"clients":[]}` {
		t.Fatalf("empty list: %d %s", rec.Code, rec.Body)
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatal("list is cacheable")
	}
	a := decodeMetadata(t, f.do(t, "POST", "/admin/clients", `{"client_id":"client-a","client_name":"A","redirect_uris":["https://a.example/cb"]}`))
	f.do(t, "POST", "/admin/clients", `{"client_id":"client-b","client_name":"B","redirect_uris":["https://b.example/cb"],"token_endpoint_auth_method":"none"}`)

	rec = f.do(t, "GET", "/admin/clients", "")
	var list struct {
		Clients []Metadata `json:"clients"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Clients) != 2 || list.Clients[0].ClientID != "client-a" || list.Clients[1].ClientID != "client-b" ||
		list.Clients[0].ClientName != "A" || list.Clients[1].TokenEndpointAuthMethod != "none" {
		t.Fatalf("list %+v", list)
	}
	if strings.Contains(rec.Body.String(), `"client_secret"`) || strings.Contains(rec.Body.String(), a.ClientSecret) {
		t.Fatalf("list shows a secret: %s", rec.Body)
	}

	rec = f.do(t, "GET", "/admin/clients/client-a", "")
	if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("get: %d %v", rec.Code, rec.Header())
	}
	if m := decodeMetadata(t, rec); m.ClientID != "client-a" || m.RedirectURIs[0] != "https://a.example/cb" {
		t.Fatalf("get %+v", m)
	}

	wantError(t, f.do(t, "GET", "/admin/clients/nope", ""), oautherr.ErrNotFound, `'nope'`)
}

// TestUnknownRoute: an unknown path is not_found listing every endpoint
// (those of the options included); another method on a path that exists
// is invalid_request with Allow, as on the public listener.
func TestUnknownRoute(t *testing.T) {
	f := &fixture{h: NewHandler(newFakeStore(), HashToken(testToken), nil, http.NotFoundHandler(), WithSessions(nil))}
	wantError(t, f.do(t, "GET", "/admin/nothing", ""), oautherr.ErrNotFound, "/admin/nothing",
		"POST /admin/clients", "DELETE /admin/clients/{id}", "POST /admin/oauth2/introspect", "DELETE /admin/sessions/{sid}")
	rec := f.do(t, "PATCH", "/admin/clients/x", `{}`)
	wantError(t, rec, oautherr.ErrInvalidRequest, "Method PATCH is not allowed on /admin/clients/x; use GET or PUT or DELETE.")
	if allow := rec.Header().Get("Allow"); allow != "GET, PUT, DELETE" {
		t.Errorf("Allow %q", allow)
	}
}

func TestReplace(t *testing.T) {
	f := newFixture(t)
	created := decodeMetadata(t, f.do(t, "POST", "/admin/clients",
		`{"client_id":"conf-1","client_name":"Old","redirect_uris":["https://a.example/cb"],"scope":"openid wallet email","logo_uri":"https://a.example/logo.png"}`))
	oldHash := f.store.clients["conf-1"].SecretHash
	createdAt := f.store.clients["conf-1"].CreatedAt

	// Replace: omitted fields take their defaults; the secret is kept.
	rec := f.do(t, "PUT", "/admin/clients/conf-1", `{"client_name":"New","redirect_uris":["https://b.example/cb"],"token_endpoint_auth_method":"client_secret_post"}`)
	if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("put: %d %s", rec.Code, rec.Body)
	}
	m := decodeMetadata(t, rec)
	if m.ClientID != "conf-1" || m.ClientName != "New" || m.RedirectURIs[0] != "https://b.example/cb" ||
		m.Scope != "openid wallet" || m.LogoURI != "" || m.TokenEndpointAuthMethod != "client_secret_post" ||
		m.ClientSecret != "" || m.ClientIDIssuedAt != created.ClientIDIssuedAt {
		t.Fatalf("put answered %+v", m)
	}
	stored := f.store.clients["conf-1"]
	if !bytes.Equal(stored.SecretHash, oldHash) || !bytes.Equal(stored.SecretHash, sha(created.ClientSecret)) {
		t.Fatal("PUT changed the secret hash")
	}
	if !stored.CreatedAt.Equal(createdAt) || stored.UpdatedAt.Before(createdAt) {
		t.Fatalf("timestamps %v %v", stored.CreatedAt, stored.UpdatedAt)
	}

	// client_id in the body: equal is fine, different is refused.
	if rec := f.do(t, "PUT", "/admin/clients/conf-1", `{"client_id":"conf-1","redirect_uris":["https://b.example/cb"]}`); rec.Code != http.StatusOK {
		t.Fatalf("matching client_id: %d %s", rec.Code, rec.Body)
	}
	wantError(t, f.do(t, "PUT", "/admin/clients/conf-1", `{"client_id":"other","redirect_uris":["https://b.example/cb"]}`),
		oautherr.ErrInvalidClientMetadata, "client_id", `'other'`, `'conf-1'`)

	// Same validation as create.
	wantError(t, f.do(t, "PUT", "/admin/clients/conf-1", `{"redirect_uris":["http://b.example/cb"]}`), oautherr.ErrInvalidRedirectURI, "redirect_uris", `'http://b.example/cb'`)
	wantError(t, f.do(t, "PUT", "/admin/clients/conf-1", `{"redirect_uris":["https://b.example/cb"],"token_endpoint_auth_method":"tls_client_auth"}`), oautherr.ErrInvalidClientMetadata, `'tls_client_auth'`)
	if !bytes.Equal(f.store.clients["conf-1"].SecretHash, oldHash) {
		t.Fatal("a refused PUT changed the client")
	}

	// Confidential -> public drops the hash.
	rec = f.do(t, "PUT", "/admin/clients/conf-1", `{"redirect_uris":["https://b.example/cb"],"token_endpoint_auth_method":"none"}`)
	if rec.Code != http.StatusOK || decodeMetadata(t, rec).ClientSecret != "" {
		t.Fatalf("to public: %d %s", rec.Code, rec.Body)
	}
	if h := f.store.clients["conf-1"].SecretHash; len(h) != 0 {
		t.Fatalf("public client kept hash %x", h)
	}

	// Public -> confidential issues a new secret, shown in this response only.
	rec = f.do(t, "PUT", "/admin/clients/conf-1", `{"redirect_uris":["https://b.example/cb"],"token_endpoint_auth_method":"client_secret_basic"}`)
	m = decodeMetadata(t, rec)
	if rec.Code != http.StatusOK || len(m.ClientSecret) != 43 || m.ClientSecretExpiresAt == nil || *m.ClientSecretExpiresAt != 0 {
		t.Fatalf("to confidential: %d %s", rec.Code, rec.Body)
	}
	if h := f.store.clients["conf-1"].SecretHash; !bytes.Equal(h, sha(m.ClientSecret)) || bytes.Equal(h, oldHash) {
		t.Fatal("new secret not stored as its hash")
	}
	if body := f.do(t, "GET", "/admin/clients/conf-1", "").Body.String(); strings.Contains(body, m.ClientSecret) {
		t.Fatal("GET shows the new secret")
	}

	wantError(t, f.do(t, "PUT", "/admin/clients/missing", minimalBody), oautherr.ErrNotFound, `'missing'`)
	if _, ok := f.store.clients["missing"]; ok {
		t.Fatal("PUT created a client")
	}
}

func TestDelete(t *testing.T) {
	f := newFixture(t)
	f.do(t, "POST", "/admin/clients", `{"client_id":"to-delete","redirect_uris":["https://a.example/cb"]}`)
	rec := f.do(t, "DELETE", "/admin/clients/to-delete", "")
	if rec.Code != http.StatusNoContent || rec.Body.Len() != 0 {
		t.Fatalf("delete: %d %q", rec.Code, rec.Body)
	}
	wantError(t, f.do(t, "GET", "/admin/clients/to-delete", ""), oautherr.ErrNotFound)
	wantError(t, f.do(t, "DELETE", "/admin/clients/to-delete", ""), oautherr.ErrNotFound, `'to-delete'`)
}

func TestRotateSecret(t *testing.T) {
	f := newFixture(t)
	created := decodeMetadata(t, f.do(t, "POST", "/admin/clients", `{"client_id":"rot-1","redirect_uris":["https://a.example/cb"]}`))
	oldHash := f.store.clients["rot-1"].SecretHash

	rec := f.do(t, "POST", "/admin/clients/rot-1/secret", "")
	if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("rotate: %d %s", rec.Code, rec.Body)
	}
	m := decodeMetadata(t, rec)
	if m.ClientID != "rot-1" || len(m.ClientSecret) != 43 || m.ClientSecret == created.ClientSecret ||
		m.ClientSecretExpiresAt == nil || *m.ClientSecretExpiresAt != 0 {
		t.Fatalf("rotate answered %s", rec.Body)
	}
	newHash := f.store.clients["rot-1"].SecretHash
	if bytes.Equal(newHash, oldHash) || !bytes.Equal(newHash, sha(m.ClientSecret)) {
		t.Fatal("rotation did not replace the stored hash with sha256(new secret)")
	}
	if strings.Contains(f.logs.String(), m.ClientSecret) {
		t.Fatal("the rotated secret was logged")
	}
	if body := f.do(t, "GET", "/admin/clients/rot-1", "").Body.String(); strings.Contains(body, m.ClientSecret) {
		t.Fatal("GET shows the rotated secret")
	}

	f.do(t, "POST", "/admin/clients", `{"client_id":"pub-1","redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"none"}`)
	wantError(t, f.do(t, "POST", "/admin/clients/pub-1/secret", ""), oautherr.ErrInvalidRequest,
		`'pub-1'`, "public clients have no secret; set token_endpoint_auth_method first")
	if h := f.store.clients["pub-1"].SecretHash; len(h) != 0 {
		t.Fatal("public client got a hash")
	}
	wantError(t, f.do(t, "POST", "/admin/clients/nope/secret", ""), oautherr.ErrNotFound, `'nope'`)
}

func TestStoreFailuresAreNotLeaked(t *testing.T) {
	f := newFixture(t)
	f.do(t, "POST", "/admin/clients", `{"client_id":"exists","redirect_uris":["https://a.example/cb"]}`)
	f.store.setFail(errDiskOnFire)
	for _, r := range [][3]string{
		{"POST", "/admin/clients", minimalBody},
		{"GET", "/admin/clients", ""},
		{"GET", "/admin/clients/exists", ""},
		{"PUT", "/admin/clients/exists", minimalBody},
		{"DELETE", "/admin/clients/exists", ""},
		{"POST", "/admin/clients/exists/secret", ""},
	} {
		rec := f.do(t, r[0], r[1], r[2])
		wantError(t, rec, oautherr.ErrServerError)
		if strings.Contains(rec.Body.String(), "fire") || strings.Contains(rec.Body.String(), "/var/lib") {
			t.Fatalf("%v leaked the Go error: %s", r, rec.Body)
		}
	}
	if !strings.Contains(f.logs.String(), "disk on fire") {
		t.Fatalf("store error not logged: %s", f.logs)
	}
}

func TestValidateMetadataDefaultsAndNoMutation(t *testing.T) {
	m := &Metadata{RedirectURIs: []string{"https://a.example/cb"}}
	c, err := ValidateMetadata(m)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "" || c.SecretHash != nil || !c.CreatedAt.IsZero() {
		t.Fatalf("ValidateMetadata issued things: %+v", c)
	}
	if c.TokenEndpointAuthMethod != sigil.AuthMethodClientSecretBasic || c.Scope.String() != "openid wallet" ||
		fmt.Sprint(c.GrantTypes) != "[authorization_code]" || fmt.Sprint(c.ResponseTypes) != "[code]" {
		t.Fatalf("defaults %+v", c)
	}
	if m.GrantTypes != nil || m.Scope != "" || m.TokenEndpointAuthMethod != "" {
		t.Fatalf("ValidateMetadata modified its input: %+v", m)
	}
	if _, err := ValidateMetadata(nil); err == nil {
		t.Fatal("nil metadata accepted")
	}
	// Errors are catalogue errors usable with errors.Is.
	_, err = ValidateMetadata(&Metadata{RedirectURIs: []string{"https://a.example/cb#x"}})
	if oautherr.From(err).Code != "invalid_redirect_uri" {
		t.Fatalf("got %v", err)
	}
}

// TestProfilerBehindAdminToken: Go's profiler answers on the admin API with
// the admin token and reveals nothing without it.
func TestProfilerBehindAdminToken(t *testing.T) {
	f := newFixture(t)
	rec := f.doWith(t, "GET", "/admin/debug/pprof/heap?debug=1", "", map[string]string{"Authorization": ""})
	if rec.Code != http.StatusUnauthorized || strings.Contains(rec.Body.String(), "heap profile") {
		t.Fatalf("without the token: %d %q; want 401 and no profile", rec.Code, rec.Body.String())
	}
	rec = f.do(t, "GET", "/admin/debug/pprof/heap?debug=1", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "heap profile") {
		t.Fatalf("with the token: %d %.200q; want 200 and a heap profile", rec.Code, rec.Body.String())
	}
	rec = f.do(t, "GET", "/admin/debug/pprof/", "")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "goroutine") {
		t.Fatalf("index: %d %.200q; want 200 listing the profiles", rec.Code, rec.Body.String())
	}
}

func ptr[T any](v T) *T { return &v }

// TestReservedClients: the ids of Sigil's own clients cannot be registered
// by another client, and those clients cannot be changed, rotated or
// deleted through the admin API; they can be read.
func TestReservedClients(t *testing.T) {
	st := newFakeStore()
	own := &sigil.Client{ID: "sigil-account", RedirectURIs: []string{"https://id.example/account/callback"}, GrantTypes: []string{"authorization_code"},
		ResponseTypes: []string{"code"}, Scope: sigil.Scopes{"openid"}, TokenEndpointAuthMethod: sigil.AuthMethodNone}
	if err := st.CreateClient(context.Background(), own); err != nil {
		t.Fatal(err)
	}
	f := &fixture{h: NewHandler(st, HashToken(testToken), nil, nil, WithReservedClients(map[string]string{"sigil-account": "the /account page", "sigil-demo": "the --dev demo"})), store: st}
	for _, id := range []string{"sigil-account", "sigil-demo"} {
		wantError(t, f.do(t, "POST", "/admin/clients", `{"client_id":"`+id+`","redirect_uris":["https://evil.example/cb"]}`), oautherr.ErrInvalidClientMetadata, "reserved")
	}
	wantError(t, f.do(t, "PUT", "/admin/clients/sigil-account", `{"redirect_uris":["https://evil.example/cb"],"token_endpoint_auth_method":"none"}`), oautherr.ErrRequestForbidden, "Sigil's own")
	wantError(t, f.do(t, "DELETE", "/admin/clients/sigil-account", ""), oautherr.ErrRequestForbidden, "the /account page")
	wantError(t, f.do(t, "POST", "/admin/clients/sigil-account/secret", ""), oautherr.ErrRequestForbidden)
	if c := st.clients["sigil-account"]; c == nil || c.RedirectURIs[0] != "https://id.example/account/callback" {
		t.Fatalf("the account page's client changed: %+v", c)
	}
	if rec := f.do(t, "GET", "/admin/clients/sigil-account", ""); rec.Code != http.StatusOK {
		t.Fatalf("GET of a reserved client: %d", rec.Code)
	}
}
