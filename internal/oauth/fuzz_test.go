package oauth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/domains/static"
	"github.com/sigil-oidc/sigil/internal/keys"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/secret"
	"github.com/sigil-oidc/sigil/internal/session"
	"github.com/sigil-oidc/sigil/internal/store/sqlite"
	"github.com/sigil-oidc/sigil/web"
)

// The fuzz targets here drive the real handlers over a real SQLite store.
// Fuzzing runs each target in several processes, and a seed made in one
// (an ID token hint, a session cookie, an access token) must be valid in
// the others, so the system secret, the signing keys (committed in
// internal/keys/testdata/fuzz) and the clock are fixed.

const fuzzSystemSecret = "sigil-fuzz-system-secret-0123456789"

// fuzzOwner owns alice.crypto in the fuzzing registry.
const fuzzOwner = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"

// fuzzBrowser is the browser cookie every fuzzed request carries.
var fuzzBrowser = strings.Repeat("b", 43)

var fuzzNow = time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)

// fuzzClients are registered for fuzzing; each confidential client's
// secret is "secret-" + its id.
var fuzzClients = []sigil.Client{
	{ID: "rp", GrantTypes: []string{"authorization_code", "refresh_token"}, ResponseTypes: []string{"code"},
		RedirectURIs:           []string{"https://rp.example/cb", "https://rp.example/cb?keep=1", "http://127.0.0.1:8080/cb", "com.example.app:/cb"},
		PostLogoutRedirectURIs: []string{"https://rp.example/bye"}, Scope: sigil.Scopes{"openid", "wallet", "email", "profile", "offline_access"},
		TokenEndpointAuthMethod: sigil.AuthMethodClientSecretBasic, RequirePKCE: true, Resources: []string{"https://api.example/"}},
	{ID: "spa", GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"}, RedirectURIs: []string{"https://spa.example/cb"},
		Scope: sigil.Scopes{"openid", "wallet"}, TokenEndpointAuthMethod: sigil.AuthMethodNone, AllowPlainPKCE: true},
	{ID: "svc", GrantTypes: []string{"client_credentials"}, Scope: sigil.Scopes{"orders:read", "orders:write"},
		TokenEndpointAuthMethod: sigil.AuthMethodClientSecretPost, AccessTokenStrategy: sigil.AccessTokenJWT},
	{ID: "legacy", GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"}, RedirectURIs: []string{"https://legacy.example/cb"},
		Scope: sigil.Scopes{"openid"}, TokenEndpointAuthMethod: sigil.AuthMethodClientSecretPost},
}

// fuzzFixture is a Provider for fuzzing and the seeds that depend on it.
type fuzzFixture struct {
	p *Provider
	// idToken is an ID token of rp for alice.crypto; accessToken a JWT
	// access token of svc; session a session cookie of alice.crypto.
	idToken, accessToken, session string
}

func newFuzzFixture(tb testing.TB) *fuzzFixture {
	tb.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(tb.TempDir(), "fuzz.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	raw, err := os.ReadFile("../keys/testdata/fuzz/signing-keys.json")
	if err != nil {
		tb.Fatal(err)
	}
	var stored []sigil.SigningKey
	if err := json.Unmarshal(raw, &stored); err != nil {
		tb.Fatal(err)
	}
	for _, k := range stored {
		if err := st.CreateSigningKey(ctx, k); err != nil {
			tb.Fatal(err)
		}
	}
	signer, err := keys.Load(ctx, st, []byte(fuzzSystemSecret))
	if err != nil {
		tb.Fatal(err)
	}
	secrets, err := secret.Derive([]byte(fuzzSystemSecret))
	if err != nil {
		tb.Fatal(err)
	}
	pages, err := web.NewPages()
	if err != nil {
		tb.Fatal(err)
	}
	registry, err := static.New(map[string]sigil.Domain{"alice.crypto": {Owner: fuzzOwner}})
	if err != nil {
		tb.Fatal(err)
	}
	for _, c := range fuzzClients {
		if !c.Public() {
			sum := sha256.Sum256([]byte("secret-" + c.ID))
			c.SecretHash = sum[:]
		}
		if err := st.CreateClient(ctx, &c); err != nil {
			tb.Fatal(err)
		}
	}
	p := &Provider{Issuer: &url.URL{Scheme: "https", Host: "id.example"}, Store: st, Secrets: secrets, Signer: signer,
		Cookies: &session.Cookies{Keys: secrets, Secure: true, Lifetime: time.Hour}, Pages: pages,
		Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return fuzzNow }, Lifetimes: DefaultLifetimes, Domains: registry}
	fx := &fuzzFixture{p: p}
	fx.idToken, err = signer.Sign(sigil.AlgRS256, map[string]any{"iss": p.IssuerString(), "sub": "alice.crypto", "aud": "rp",
		"iat": fuzzNow.Unix(), "exp": fuzzNow.Add(time.Hour).Unix()}, keys.TypeJWT)
	if err != nil {
		tb.Fatal(err)
	}
	fx.accessToken, err = signer.Sign(sigil.AlgRS256, map[string]any{"iss": p.IssuerString(), "sub": "svc", "client_id": "svc",
		"jti": "fuzz-jti", "exp": fuzzNow.Add(time.Hour).Unix()}, keys.TypeAccessToken)
	if err != nil {
		tb.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if err := p.Cookies.Write(rec, session.Session{ID: "sid-1", Subject: "alice.crypto", Address: fuzzOwner,
		AuthTime: fuzzNow.Add(-time.Minute), WalletTypeHint: "web3", Message: "m", Signature: "0x00"}, fuzzNow); err != nil {
		tb.Fatal(err)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == p.Cookies.Name(session.SessionCookie) {
			fx.session = c.Value
		}
	}
	return fx
}

// serve runs handler on a request carrying the browser cookie and, when
// withSession, the session cookie.
func (fx *fuzzFixture) serve(handler http.HandlerFunc, r *http.Request, withSession bool) *httptest.ResponseRecorder {
	r.AddCookie(&http.Cookie{Name: fx.p.Cookies.Name(session.BrowserCookie), Value: fuzzBrowser})
	if withSession {
		r.AddCookie(&http.Cookie{Name: fx.p.Cookies.Name(session.SessionCookie), Value: fx.session})
	}
	rec := httptest.NewRecorder()
	handler(rec, r)
	return rec
}

const pkceChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

// authorizeSeeds are authorization requests, as query strings.
func (fx *fuzzFixture) authorizeSeeds() []string {
	base := "client_id=rp&redirect_uri=https%3A%2F%2Frp.example%2Fcb&response_type=code&scope=openid+wallet&code_challenge=" + pkceChallenge + "&code_challenge_method=S256"
	return []string{
		base,
		base + "&state=st-12345678&nonce=n-12345678&response_mode=fragment&prompt=consent&max_age=0&login_hint=alice.crypto",
		base + "&response_mode=form_post&claims=" + url.QueryEscape(`{"id_token":{"email":{"essential":true},"sub":{"value":"alice.crypto"}}}`),
		base + "&prompt=none",
		base + "&id_token_hint=" + fx.idToken,
		base + "&id_token_hint=" + b64(`{"alg":"none","typ":"JWT"}`) + "." + strings.Split(fx.idToken, ".")[1] + ".",
		base + "&resource=https%3A%2F%2Fapi.example%2F&resource=https%3A%2F%2Fother.example%2F",
		base + "&state=a&state=b",
		base + "&state=" + strings.Repeat("s", 4000),
		base + "&login_hint=%FF%FE%00&nonce=%22%5C%0A",
		base + "&request=eyJhbGciOiJub25lIn0.e30.&request_uri=urn:x",
		"client_id=rp&redirect_uri=https%3A%2F%2Frp.example%2Fcb%23frag&response_type=code",
		"client_id=rp&redirect_uri=http%3A%2F%2F127.0.0.1%3A51234%2Fcb&response_type=code&scope=openid&code_challenge=" + pkceChallenge,
		"client_id=rp&redirect_uri=com.example.app%3A%2Fcb&response_type=code&response_mode=form_post&scope=openid",
		"client_id=rp&redirect_uri=https%3A%2F%2Fevil.example%2Fcb&response_type=code",
		"client_id=spa&redirect_uri=https%3A%2F%2Fspa.example%2Fcb&response_type=code&scope=openid&code_challenge=" + strings.Repeat("a", 43) + "&code_challenge_method=plain",
		"client_id=legacy&redirect_uri=https%3A%2F%2Flegacy.example%2Fcb&response_type=code&scope=openid&max_age=-1",
		"client_id=legacy&redirect_uri=https%3A%2F%2Flegacy.example%2Fcb&response_type=token+id_token&scope=openid&registration=%7B%7D",
		"client_id=%FF&redirect_uri=%", "client_id=nobody", "", "%%%;;&&==",
	}
}

// FuzzAuthorize sends arbitrary authorization requests (GET query or POST
// form, with or without a session) to the authorization endpoint. It must
// never panic or answer 5xx; it either renders a page or redirects, and a
// redirect goes only to Sigil's login, consent or form_post page or to a
// redirect URI registered for the client named in the request (RFC 9700
// section 4.11: no open redirector), carrying iss and the request's state,
// with any error_description inside RFC 6749 section 5.2's characters; and
// a flow it stores keeps state, nonce and login_hint within their caps.
func FuzzAuthorize(f *testing.F) {
	fx := newFuzzFixture(f)
	for i, q := range fx.authorizeSeeds() {
		f.Add(q, i%3 == 1, i%2 == 0)
	}
	clients := map[string]sigil.Client{}
	for _, c := range fuzzClients {
		clients[c.ID] = c
	}
	f.Fuzz(func(t *testing.T, query string, post, withSession bool) {
		var r *http.Request
		if post {
			r = httptest.NewRequest("POST", "/oauth2/auth", strings.NewReader(query))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			r = httptest.NewRequest("GET", "/oauth2/auth", nil)
			r.URL.RawQuery = query
		}
		rec := fx.serve(fx.p.Authorize, r, withSession)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, query, rec.Body)
		}
		if rec.Code != http.StatusSeeOther {
			return
		}
		loc := rec.Header().Get("Location")
		to, err := url.Parse(loc)
		if err != nil {
			t.Fatalf("redirect to %q, which does not parse", loc)
		}
		if to.Scheme+"://"+to.Host == fx.p.IssuerString() {
			switch to.Path {
			case "/login", "/consent":
				checkStoredFlow(t, fx.p, to.Query().Get("flow"))
				return
			case "/oauth2/form_post":
				return
			}
			t.Fatalf("redirect to Sigil's %s", to.Path)
		}
		params, _ := url.ParseQuery(query)
		c, ok := clients[params.Get("client_id")]
		if !ok {
			t.Fatalf("redirect to %q for unknown client %q", loc, params.Get("client_id"))
		}
		requested := params.Get("redirect_uri")
		if !matchRedirectURI(c.RedirectURIs, requested) || !strings.HasPrefix(loc, strings.SplitN(requested, "?", 2)[0]) {
			t.Fatalf("redirect to %q; the client %s registered %q and the request named %q", loc, c.ID, c.RedirectURIs, requested)
		}
		answer := to.Query()
		if to.Fragment != "" {
			answer, _ = url.ParseQuery(to.Fragment)
		}
		if answer.Get("iss") != fx.p.IssuerString() {
			t.Fatalf("response %q lacks iss", loc)
		}
		if st := params.Get("state"); st != "" && answer.Get("state") != st && answer.Get("error") == "" {
			t.Fatalf("response %q lost the state", loc)
		}
		if answer.Get("code") == "" && answer.Get("error") == "" {
			t.Fatalf("response %q has neither code nor error", loc)
		}
		checkDescription(t, answer.Get("error_description"))
	})
}

// checkStoredFlow fails unless the flow the authorization endpoint stored
// keeps the client's free text within the length caps (a flow is a row
// kept until it expires, so the caps bound what a request can store).
func checkStoredFlow(t *testing.T, p *Provider, id string) {
	t.Helper()
	a, err := p.Store.GetAuthorization(context.Background(), id)
	if err != nil {
		t.Fatalf("redirect to flow %q, which is not stored: %v", id, err)
	}
	for _, v := range []string{a.OAuthState, a.Nonce, a.LoginHint} {
		if len(v) > DefaultMaxParamLength {
			t.Fatalf("flow %s stores a %d-byte value; the cap is %d", id, len(v), DefaultMaxParamLength)
		}
	}
	if len(a.RedirectURI) > maxRedirectURILength || len(a.ClaimsRequest) > maxOtherParamLength {
		t.Fatalf("flow %s stores a redirect URI of %d or claims of %d bytes", id, len(a.RedirectURI), len(a.ClaimsRequest))
	}
}

// FuzzToken posts arbitrary forms, with an arbitrary Authorization header
// and Content-Type, to the token endpoint: see fuzzClientEndpoint and
// checkTokenResponse.
func FuzzToken(f *testing.F) {
	fuzzClientEndpoint(f, func(p *Provider) http.HandlerFunc { return p.Token }, checkTokenResponse, []string{
		"grant_type=client_credentials&scope=orders%3Aread",
		"grant_type=client_credentials&client_id=svc&client_secret=secret-svc&scope=orders%3Aread+orders%3Awrite&resource=https%3A%2F%2Fapi.example%2F",
		"grant_type=client_credentials&client_id=svc&client_secret=secret-svc&scope=openid",
		"grant_type=client_credentials&client_id=svc&client_secret=secret-svc&scope=%22%5C%FF",
		"grant_type=authorization_code&code=sigil_ac_x&redirect_uri=https%3A%2F%2Frp.example%2Fcb&code_verifier=" + strings.Repeat("v", 43),
		"grant_type=authorization_code&code=x&redirect_uri=https%3A%2F%2Frp.example%2Fcb",
		"grant_type=refresh_token&refresh_token=sigil_rt_family.forged",
		"grant_type=refresh_token&refresh_token=sigil_rt_.x&scope=openid",
		"grant_type=password&username=a&password=b",
		"grant_type=client_credentials&grant_type=refresh_token",
		"grant_type=client_credentials&client_id=spa",
		"grant_type=client_credentials&client_id=svc&client_secret=secret-svc&scope=" + strings.Repeat("orders%3Aread+", 3000),
	})
}

// FuzzRevoke posts arbitrary forms to the revocation endpoint (RFC 7009):
// see fuzzClientEndpoint; a 200 has an empty body.
func FuzzRevoke(f *testing.F) {
	fuzzClientEndpoint(f, func(p *Provider) http.HandlerFunc { return p.Revoke }, func(t *testing.T, body []byte) {
		if len(body) != 0 {
			t.Fatalf("revocation answered 200 with a body: %s", body)
		}
	}, []string{
		"token=sigil_at_x&token_type_hint=access_token",
		"token=sigil_rt_family.secret&client_id=svc&client_secret=secret-svc",
		"token=$AT&client_id=svc&client_secret=secret-svc",
		"token=" + b64(`{"alg":"none","typ":"at+jwt"}`) + "." + b64(`{"jti":"fuzz-jti"}`) + ".&client_id=svc&client_secret=secret-svc",
		"token=a&token=b",
		"token=",
	})
}

// FuzzIntrospect posts arbitrary forms to the introspection endpoint (RFC
// 7662): see fuzzClientEndpoint and checkIntrospection.
func FuzzIntrospect(f *testing.F) {
	fuzzClientEndpoint(f, func(p *Provider) http.HandlerFunc { return p.Introspect }, checkIntrospection, []string{
		"token=sigil_at_x&client_id=svc&client_secret=secret-svc",
		"token=$AT&client_id=svc&client_secret=secret-svc&scope=orders%3Aread",
		"token=$AT&token_type_hint=refresh_token&client_id=svc&client_secret=secret-svc",
		"token=sigil_rt_family.secret&client_id=spa",
		"token=x.y.z&client_id=svc&client_secret=secret-svc",
	})
}

// fuzzClientEndpoint fuzzes an endpoint where clients authenticate (token,
// revocation, introspection) with a form body, an Authorization header and
// a Content-Type. In bodies, $AT stands for a validly signed JWT access
// token. The endpoint must never panic or answer 5xx; it answers a 200 that
// passes check200 or a JSON catalogue error (400 or 401, with WWW-Authenticate when a 401 answers
// HTTP authentication) whose description is inside RFC 6749 section 5.2's
// characters; every answer is no-store.
func fuzzClientEndpoint(f *testing.F, handler func(*Provider) http.HandlerFunc, check200 func(*testing.T, []byte), bodies []string) {
	fx := newFuzzFixture(f)
	h := handler(fx.p)
	basic := func(id, secret string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
	}
	headers := []string{"", basic("rp", "secret-rp"), basic("svc", "secret-svc"), basic("svc", "wrong"), basic("rp%zz", "x"),
		basic("r%70", "secret-rp"), "Basic !!!", "Basic " + base64.StdEncoding.EncodeToString([]byte("no-colon")), "Bearer x", basic("\xff", "\x00")}
	for i, b := range bodies {
		f.Add(b, headers[i%len(headers)], "application/x-www-form-urlencoded")
		f.Add(b, headers[(i+1)%len(headers)], "application/x-www-form-urlencoded; charset=UTF-8")
	}
	f.Add("token=x", basic("svc", "secret-svc"), "application/json")
	f.Add("grant_type=client_credentials", basic("svc", "secret-svc"), "")
	f.Add(strings.Repeat("a=b&", 20000), "", "application/x-www-form-urlencoded")
	f.Add("%zz=%%", "", "multipart/form-data; boundary=x")
	f.Fuzz(func(t *testing.T, body, authorization, contentType string) {
		body = strings.ReplaceAll(body, "$AT", fx.accessToken)
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		rec := fx.serve(h, r, false)
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("status %d without Cache-Control: no-store", rec.Code)
		}
		switch rec.Code {
		case http.StatusOK:
			check200(t, rec.Body.Bytes())
			return
		case http.StatusBadRequest, http.StatusUnauthorized:
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		var e oautherr.Body
		if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == "" {
			t.Fatalf("error answer is not a catalogue error: %s", rec.Body)
		}
		checkDescription(t, e.ErrorDescription)
		// RFC 9110 section 15.5.2: every 401 names a scheme.
		if rec.Code == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "" {
			t.Fatalf("401 without WWW-Authenticate: %s", rec.Body)
		}
	})
}

// checkTokenResponse fails unless body is a token response (RFC 6749
// section 5.1) whose scope the client registered: only svc gets tokens
// here (no code or refresh token is valid), by client_credentials.
func checkTokenResponse(t *testing.T, body []byte) {
	t.Helper()
	var tr TokenResponse
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" || tr.TokenType != "Bearer" || tr.ExpiresIn <= 0 || tr.IDToken != "" || tr.RefreshToken != "" {
		t.Fatalf("200 is not a client credentials token response: %s", body)
	}
	for _, s := range sigil.ParseScopes(tr.Scope) {
		if s != "orders:read" && s != "orders:write" {
			t.Fatalf("token with scope %q, which svc did not register", s)
		}
	}
}

// checkIntrospection fails unless body is an introspection response (RFC
// 7662 section 2.2); the only active token is the fixture's JWT access
// token, which no store row backs, so every answer is inactive.
func checkIntrospection(t *testing.T, body []byte) {
	t.Helper()
	var in map[string]any
	if err := json.Unmarshal(body, &in); err != nil {
		t.Fatalf("200 is not JSON: %s", body)
	}
	if active, ok := in["active"].(bool); !ok || active || len(in) != 1 {
		t.Fatalf("introspection answered %s", body)
	}
}

// FuzzLogout sends arbitrary RP-initiated logout requests. It must never
// panic or answer 5xx; it redirects only to a post_logout_redirect_uri
// registered, exactly, for the audience of an id_token_hint that Sigil
// signed, keeping the state; and it never ends the session for a hint
// that does not verify.
func FuzzLogout(f *testing.F) {
	fx := newFuzzFixture(f)
	parts := strings.Split(fx.idToken, ".")
	for _, q := range []string{
		"id_token_hint=" + fx.idToken + "&post_logout_redirect_uri=https%3A%2F%2Frp.example%2Fbye&state=s1",
		"id_token_hint=" + fx.idToken + "&post_logout_redirect_uri=https%3A%2F%2Frp.example%2Fbye%3Fx%3D1",
		"id_token_hint=" + fx.idToken + "&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F&client_id=rp",
		"id_token_hint=" + fx.idToken + "&client_id=spa",
		"id_token_hint=" + b64(`{"alg":"none","typ":"JWT"}`) + "." + parts[1] + ".&post_logout_redirect_uri=https%3A%2F%2Frp.example%2Fbye",
		"id_token_hint=" + parts[0] + "." + b64(`{"iss":"https://id.example","sub":"x","aud":"rp"}`) + "." + parts[2] + "&post_logout_redirect_uri=https%3A%2F%2Frp.example%2Fbye",
		"id_token_hint=" + fx.accessToken + "&post_logout_redirect_uri=https%3A%2F%2Frp.example%2Fbye",
		"post_logout_redirect_uri=https%3A%2F%2Frp.example%2Fbye",
		"id_token_hint=a&id_token_hint=b", "csrf=x", "",
	} {
		f.Add(q, false)
		f.Add(q, true)
	}
	f.Fuzz(func(t *testing.T, query string, post bool) {
		var r *http.Request
		if post {
			r = httptest.NewRequest("POST", "/oauth2/sessions/logout", strings.NewReader(query))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			r = httptest.NewRequest("GET", "/oauth2/sessions/logout", nil)
			r.URL.RawQuery = query
		}
		rec := fx.serve(fx.p.Logout, r, true)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q: %s", rec.Code, query, rec.Body)
		}
		params, _ := url.ParseQuery(query)
		hintOK := false
		if payload, err := fx.p.Signer.Verify(params.Get("id_token_hint")); err == nil {
			var c struct {
				Iss string `json:"iss"`
			}
			hintOK = json.Unmarshal(payload, &c) == nil && c.Iss == fx.p.IssuerString()
		}
		if rec.Code == http.StatusSeeOther {
			to, err := url.Parse(rec.Header().Get("Location"))
			if err != nil || !hintOK {
				t.Fatalf("redirect to %q without a valid hint", rec.Header().Get("Location"))
			}
			q := to.Query()
			state := q.Get("state")
			q.Del("state")
			to.RawQuery = q.Encode()
			if to.String() != "https://rp.example/bye" || state != params.Get("state") {
				t.Fatalf("redirect to %q for %q", rec.Header().Get("Location"), query)
			}
		}
		for _, c := range rec.Result().Cookies() {
			if c.Name == fx.p.Cookies.Name(session.SessionCookie) && c.MaxAge < 0 && !hintOK && params.Get("csrf") == "" {
				t.Fatalf("session ended without a valid hint or confirmation: %q", query)
			}
		}
	})
}

// FuzzMatchRedirectURI checks the authorization endpoint's redirect URI
// match on arbitrary pairs: a requested URI matches a registered one only
// when it is the same string, or both are http on the same loopback host
// with the same path and query and only the port differs (RFC 8252 section
// 7.3); never with a fragment or userinfo.
func FuzzMatchRedirectURI(f *testing.F) {
	for _, s := range [][2]string{
		{"https://rp.example/cb", "https://rp.example/cb"},
		{"http://127.0.0.1:8080/cb", "http://127.0.0.1:51234/cb"},
		{"http://127.0.0.1/cb", "http://127.0.0.1:1/cb#x"},
		{"http://[::1]/cb?x=1", "http://[::1]:9/cb?x=1"},
		{"http://localhost/cb", "http://localhost:80@evil.example/cb"},
		{"http://127.0.0.1/cb", "http://127.0.0.1:8080/cb?"},
		{"http://127.0.0.1/cb", "http://u@127.0.0.1:8080/cb"},
		{"http://127.0.0.1/cb", "http://127.0.0.1:8080/%63b"},
		{"http://127.0.0.1/cb", "http://127.0.0.1:8080/cb/../cb"},
		{"http://127.0.0.1/cb", "HTTP://127.0.0.1:8080/cb"},
		{"http://127.0.0.1:8080/cb", "http://127.0.0.1:notaport/cb"},
		{"com.example.app:/cb", "com.example.app:/cb"},
		{"\xff", "\xff"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, registered, requested string) {
		if !matchRedirectURI([]string{registered}, requested) || registered == requested {
			return
		}
		reg, err1 := url.Parse(registered)
		req, err2 := url.Parse(requested)
		switch {
		case err1 != nil || err2 != nil:
			t.Fatalf("%q matched %q, and one does not parse", requested, registered)
		case reg.Scheme != "http" || req.Scheme != "http" || !IsLoopbackHost(req.Hostname()):
			t.Fatalf("%q matched %q, and they are not http loopback URIs", requested, registered)
		case strings.Contains(requested, "#") || req.User != nil:
			t.Fatalf("%q matched %q with a fragment or userinfo", requested, registered)
		case reg.Hostname() != req.Hostname() || reg.EscapedPath() != req.EscapedPath() || reg.RawQuery != req.RawQuery || req.ForceQuery:
			t.Fatalf("%q matched %q with another host, path or query", requested, registered)
		}
	})
}

// checkDescription fails unless s is inside RFC 6749 section 5.2's
// error_description characters.
func checkDescription(t *testing.T, s string) {
	t.Helper()
	for i := 0; i < len(s); i++ {
		if !oautherr.Allowed(s[i]) {
			t.Fatalf("error_description %q has characters RFC 6749 section 5.2 forbids", s)
		}
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
