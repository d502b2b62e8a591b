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
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/secret"
	"github.com/sigil-oidc/sigil/internal/store/sqlite"
)

// m2m is a Provider on a real SQLite store with a clock the test moves,
// and the clients the machine-to-machine tests use; each client's secret
// is "secret-" + its id.
type m2m struct {
	p   *Provider
	now time.Time
}

func newM2M(t *testing.T) *m2m {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "m2m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	keys, err := secret.Derive([]byte("system-secret-for-the-oauth-unit-tests"))
	if err != nil {
		t.Fatal(err)
	}
	m := &m2m{now: time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)}
	m.p = &Provider{Issuer: &url.URL{Scheme: "https", Host: "id.example"}, Store: st, Secrets: keys,
		Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return m.now }, Lifetimes: DefaultLifetimes}
	for _, c := range []sigil.Client{
		{ID: "svc", GrantTypes: []string{"client_credentials"}, Scope: sigil.Scopes{"orders:read", "orders:write"}, TokenEndpointAuthMethod: sigil.AuthMethodClientSecretBasic},
		{ID: "svc-post", GrantTypes: []string{"client_credentials"}, TokenEndpointAuthMethod: sigil.AuthMethodClientSecretPost},
		{ID: "mixed", GrantTypes: []string{"authorization_code", "client_credentials"}, ResponseTypes: []string{"code"},
			RedirectURIs: []string{"https://rp.example/cb"}, Scope: sigil.Scopes{"openid", "wallet", "reports"}, TokenEndpointAuthMethod: sigil.AuthMethodClientSecretBasic},
		{ID: "rp", GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"},
			RedirectURIs: []string{"https://rp.example/cb"}, Scope: sigil.Scopes{"openid", "wallet"}, TokenEndpointAuthMethod: sigil.AuthMethodClientSecretBasic},
		// A public client stored with the grant, which registration
		// refuses: the token endpoint must refuse it too.
		{ID: "spa", GrantTypes: []string{"authorization_code", "client_credentials"}, ResponseTypes: []string{"code"},
			RedirectURIs: []string{"https://spa.example/cb"}, Scope: sigil.Scopes{"openid", "orders:read"}, TokenEndpointAuthMethod: sigil.AuthMethodNone},
	} {
		if !c.Public() {
			sum := sha256.Sum256([]byte("secret-" + c.ID))
			c.SecretHash = sum[:]
		}
		if err := st.CreateClient(context.Background(), &c); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// post sends a form to handler as client id with its secret by HTTP Basic
// (auth "basic"), in the body ("post"), as client_id alone ("id") or with
// no client authentication (""), and returns the status, the JSON body and
// the headers.
func (m *m2m) post(t *testing.T, handler http.HandlerFunc, form url.Values, id, auth string) (int, map[string]any, http.Header) {
	t.Helper()
	form = cloneValues(form)
	switch auth {
	case "post":
		form.Set("client_id", id)
		form.Set("client_secret", "secret-"+id)
	case "id":
		form.Set("client_id", id)
	}
	req := httptest.NewRequest("POST", "/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth == "basic" {
		req.SetBasicAuth(id, "secret-"+id)
	}
	if auth == "wrong" {
		req.SetBasicAuth(id, "wrong-secret")
	}
	if auth == "wrong-post" {
		form.Set("client_id", id)
		form.Set("client_secret", "wrong-secret")
		req = httptest.NewRequest("POST", "/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	rec := httptest.NewRecorder()
	handler(rec, req)
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("answer is not JSON: %d %s", rec.Code, rec.Body)
	}
	return rec.Code, body, rec.Header()
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// token gets a client credentials token for id (HTTP Basic) with scope.
func (m *m2m) token(t *testing.T, id, scope string) map[string]any {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	st, body, _ := m.post(t, m.p.Token, form, id, "basic")
	if st != 200 {
		t.Fatalf("client credentials for %s: %d %v", id, st, body)
	}
	return body
}

func TestClientCredentialsGrant(t *testing.T) {
	m := newM2M(t)
	cases := []struct {
		name, client, auth, scope string
		status                    int
		err, wantScope            string
	}{
		{"no scope: the registered one", "svc", "basic", "", 200, "", "orders:read orders:write"},
		{"a subset", "svc", "basic", "orders:read", 200, "", "orders:read"},
		{"all, reordered and repeated", "svc", "basic", "orders:write orders:read orders:write", 200, "", "orders:write orders:read"},
		{"client_secret_post, no scope registered", "svc-post", "post", "", 200, "", ""},
		{"code client too: openid left out", "mixed", "basic", "", 200, "", "wallet reports"},
		{"openid", "svc", "basic", "openid", 400, "invalid_scope", ""},
		{"openid with a registered scope", "mixed", "basic", "openid reports", 400, "invalid_scope", ""},
		{"a scope outside the registration", "svc", "basic", "orders:read admin", 400, "invalid_scope", ""},
		{"a scope with a quote", "svc", "basic", `orders:read a"b`, 400, "invalid_scope", ""},
		// RFC 6749 section 3.3: tokens are separated by spaces alone.
		{"scopes separated by a tab", "svc", "basic", "orders:read\torders:write", 400, "invalid_scope", ""},
		{"scopes separated by a line feed", "svc", "basic", "orders:read\norders:write", 400, "invalid_scope", ""},
		{"a tab alone", "svc", "basic", "\t", 400, "invalid_scope", ""},
		{"spaces around and between", "svc", "basic", " orders:read  orders:write ", 200, "", "orders:read orders:write"},
		{"public client", "spa", "id", "orders:read", 400, "unauthorized_client", ""},
		{"not registered for the grant", "rp", "basic", "", 400, "unauthorized_client", ""},
		{"wrong secret", "svc", "wrong", "", 401, "invalid_client", ""},
		{"no client authentication", "svc", "", "", 401, "invalid_client", ""},
		{"a basic client's secret in the body", "svc", "post", "", 401, "invalid_client", ""},
		{"wrong secret in the body", "svc-post", "wrong-post", "", 401, "invalid_client", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			form := url.Values{"grant_type": {"client_credentials"}}
			if c.scope != "" {
				form.Set("scope", c.scope)
			}
			st, body, h := m.post(t, m.p.Token, form, c.client, c.auth)
			if h.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", h.Get("Cache-Control"))
			}
			if c.err != "" {
				desc, _ := body["error_description"].(string)
				if st != c.status || body["error"] != c.err || desc == "" || strings.Contains(desc, `"`) {
					t.Fatalf("got %d %v, want %d %s with a description free of double quotes", st, body, c.status, c.err)
				}
				// RFC 9110 section 15.5.2: every 401 names a scheme,
				// whatever method the client tried, if any.
				if st == 401 && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic") {
					t.Errorf("401 without WWW-Authenticate: Basic")
				}
				return
			}
			access, _ := body["access_token"].(string)
			if st != 200 || !strings.HasPrefix(access, AccessTokenPrefix) || body["token_type"] != "Bearer" || body["expires_in"] != float64(3600) {
				t.Fatalf("token response %d %v", st, body)
			}
			if got, _ := body["scope"].(string); got != c.wantScope {
				t.Errorf("scope %q, want %q", got, c.wantScope)
			}
			for _, k := range []string{"refresh_token", "id_token"} {
				if _, ok := body[k]; ok {
					t.Errorf("the response has %s", k)
				}
			}
			// Durable before it is answered: the store reads it now.
			a, err := m.p.Store.GetAuthorizationByAccessToken(context.Background(), m.p.Secrets.HashToken(access), m.now)
			if err != nil || a.ClientID != c.client || !a.ForClient() || a.GrantedScope.String() != c.wantScope {
				t.Fatalf("stored token %+v, %v", a, err)
			}
		})
	}
}

func TestIntrospection(t *testing.T) {
	m := newM2M(t)
	access := m.token(t, "svc", "orders:read")["access_token"].(string)
	issued := m.now
	inactive := map[string]any{"active": false}
	active := map[string]any{"active": true, "scope": "orders:read", "client_id": "svc", "token_type": "Bearer", "token_use": "access_token",
		"iss": "https://id.example", "iat": float64(issued.Unix()), "exp": float64(issued.Add(time.Hour).Unix()),
		// No resource was named (RFC 8707), so the audience is the client:
		// an array of one, as Hydra answers and its SDK requires.
		"aud": []any{"svc"}}
	cases := []struct {
		name, caller, auth string
		form               url.Values
		status             int
		err                string
		want               map[string]any
	}{
		{"the token's client", "svc", "basic", url.Values{"token": {access}}, 200, "", active},
		{"another confidential client", "rp", "basic", url.Values{"token": {access}}, 200, "", active},
		{"client_secret_post", "svc-post", "post", url.Values{"token": {access}}, 200, "", active},
		{"a wrong hint is only a hint", "rp", "basic", url.Values{"token": {access}, "token_type_hint": {"refresh_token"}}, 200, "", active},
		{"an unknown hint", "rp", "basic", url.Values{"token": {access}, "token_type_hint": {"id_token"}}, 200, "", active},
		{"a granted scope required", "rp", "basic", url.Values{"token": {access}, "scope": {"orders:read"}}, 200, "", active},
		{"a scope not granted required", "rp", "basic", url.Values{"token": {access}, "scope": {"orders:read orders:write"}}, 200, "", inactive},
		{"unknown access token", "rp", "basic", url.Values{"token": {AccessTokenPrefix + "unknown"}}, 200, "", inactive},
		{"unknown refresh token", "rp", "basic", url.Values{"token": {RefreshTokenPrefix + "family.secret"}}, 200, "", inactive},
		{"not a Sigil token", "rp", "basic", url.Values{"token": {"eyJhbGciOi"}}, 200, "", inactive},
		{"a code is no token", "rp", "basic", url.Values{"token": {CodePrefix + "x"}}, 200, "", inactive},
		{"no token", "rp", "basic", url.Values{}, 400, "invalid_request", nil},
		{"public client", "spa", "id", url.Values{"token": {access}}, 401, "invalid_client", nil},
		{"no client authentication", "", "", url.Values{"token": {access}}, 401, "invalid_client", nil},
		{"wrong secret", "svc", "wrong", url.Values{"token": {access}}, 401, "invalid_client", nil},
		{"unknown client", "nobody", "basic", url.Values{"token": {access}}, 401, "invalid_client", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, body, h := m.post(t, m.p.Introspect, c.form, c.caller, c.auth)
			if h.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", h.Get("Cache-Control"))
			}
			if c.err != "" {
				if st != c.status || body["error"] != c.err {
					t.Fatalf("got %d %v, want %d %s", st, body, c.status, c.err)
				}
				if _, leaked := body["active"]; leaked {
					t.Errorf("an error answer says whether the token is active: %v", body)
				}
				return
			}
			if st != 200 || !equalJSON(body, c.want) {
				t.Fatalf("got %d %v, want %v", st, body, c.want)
			}
		})
	}

	// The admin listener's handler answers the same without client
	// credentials (the admin API checked the admin token).
	st, body, _ := m.post(t, m.p.AdminIntrospect, url.Values{"token": {access}}, "", "")
	if st != 200 || !equalJSON(body, active) {
		t.Fatalf("admin introspection: %d %v", st, body)
	}
	if st, body, _ := m.post(t, m.p.AdminIntrospect, url.Values{}, "", ""); st != 400 || body["error"] != "invalid_request" {
		t.Fatalf("admin introspection without a token: %d %v", st, body)
	}

	// Expired: inactive from the expiry on.
	m.now = issued.Add(time.Hour - time.Second)
	if _, body, _ := m.post(t, m.p.Introspect, url.Values{"token": {access}}, "rp", "basic"); body["active"] != true {
		t.Fatalf("just before expiry: %v", body)
	}
	m.now = issued.Add(time.Hour)
	if _, body, _ := m.post(t, m.p.Introspect, url.Values{"token": {access}}, "rp", "basic"); !equalJSON(body, inactive) {
		t.Fatalf("expired: %v", body)
	}
}

// TestIntrospectionIssuedAtSurvivesALifetimeChange: iat is when the token
// was issued (RFC 7662 section 2.2), for a client credentials token, a
// code flow's tokens and the tokens of a refresh, whatever lifetimes are
// configured when it is asked: a node restarted with another
// --access-token-lifetime, or configured otherwise than the node that
// issued the token. Derived from the expiry and the lifetime configured
// now, iat moved with the setting, and into the future when a lifetime was
// shortened, where a resource server that checks iat refuses the token.
func TestIntrospectionIssuedAtSurvivesALifetimeChange(t *testing.T) {
	m := replayWorld(t)
	issued := m.now
	cc := m.token(t, "svc", "orders:read")["access_token"].(string)
	verifier := strings.Repeat("v", 43)
	st, flow := m.redeem(t, "app", m.codeFor(t, "app", verifier), verifier)
	if st != 200 {
		t.Fatalf("code exchange: %d %v", st, flow)
	}
	type want struct {
		what, token string
		iat, exp    time.Time
	}
	check := func(cases ...want) {
		t.Helper()
		for _, c := range cases {
			_, body, _ := m.post(t, m.p.Introspect, url.Values{"token": {c.token}}, "svc", "basic")
			if body["active"] != true || body["iat"] != float64(c.iat.Unix()) || body["exp"] != float64(c.exp.Unix()) {
				t.Errorf("%s: %v, want iat %d exp %d", c.what, body, c.iat.Unix(), c.exp.Unix())
			}
		}
	}

	// Five minutes on, the tokens' lifetimes are shortened.
	m.p.Lifetimes.AccessToken, m.p.Lifetimes.RefreshToken = 15*time.Minute, 20*time.Minute
	m.now = issued.Add(5 * time.Minute)
	check(
		want{"client credentials token", cc, issued, issued.Add(time.Hour)},
		want{"access token of the code exchange", flow["access_token"].(string), issued, issued.Add(time.Hour)},
		want{"refresh token of the code exchange", flow["refresh_token"].(string), issued, issued.Add(720 * time.Hour)},
	)

	// A refresh under the short lifetimes, then they are lengthened.
	m.now = issued.Add(10 * time.Minute)
	refreshed := m.now
	st, rot := m.refreshWith(t, "app", flow["refresh_token"].(string))
	if st != 200 {
		t.Fatalf("refresh: %d %v", st, rot)
	}
	m.p.Lifetimes.AccessToken, m.p.Lifetimes.RefreshToken = 2*time.Hour, 1000*time.Hour
	m.now = issued.Add(12 * time.Minute)
	check(
		want{"access token of the refresh", rot["access_token"].(string), refreshed, refreshed.Add(15 * time.Minute)},
		want{"refresh token of the refresh", rot["refresh_token"].(string), refreshed, refreshed.Add(20 * time.Minute)},
	)
}

// TestIssuedAtOfATokenFromBeforeItWasStored: a token issued before the
// store recorded issue times (migration 12) gets the estimate iat had
// before, its expiry less the configured lifetime, but never a time after
// now.
func TestIssuedAtOfATokenFromBeforeItWasStored(t *testing.T) {
	now := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	stored := now.Add(-time.Minute)
	for _, c := range []struct {
		name     string
		issuedAt time.Time
		exp      time.Time
		lifetime time.Duration
		want     time.Time
	}{
		{"recorded", stored, now.Add(time.Hour), 5 * time.Minute, stored},
		{"not recorded: expiry less the lifetime", time.Time{}, now.Add(50 * time.Minute), time.Hour, now.Add(-10 * time.Minute)},
		{"not recorded, lifetime shortened since: now", time.Time{}, now.Add(50 * time.Minute), 15 * time.Minute, now},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := &sigil.Authorization{TokensIssuedAt: c.issuedAt}
			if got := issuedAt(a, c.exp, c.lifetime, now); !got.Equal(c.want) {
				t.Errorf("issuedAt = %v, want %v", got, c.want)
			}
		})
	}
}

// TestIntrospectRevokedClientToken: a client credentials token revoked at
// the revocation endpoint (RFC 7009) by its client introspects inactive;
// another confidential client's attempt to revoke it is refused with
// unauthorized_client (section 2.1, as Hydra answers) and a public
// client's answered 200; neither changes anything.
func TestIntrospectRevokedClientToken(t *testing.T) {
	m := newM2M(t)
	access := m.token(t, "svc", "")["access_token"].(string)
	introspect := func() map[string]any {
		_, body, _ := m.post(t, m.p.Introspect, url.Values{"token": {access}}, "rp", "basic")
		return body
	}
	revoke := func(id string) (int, map[string]any) {
		form := url.Values{"token": {access}}
		req := httptest.NewRequest("POST", "/", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(id, "secret-"+id)
		rec := httptest.NewRecorder()
		m.p.Revoke(rec, req)
		var body map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		return rec.Code, body
	}
	if st, body := revoke("rp"); st != 400 || body["error"] != "unauthorized_client" || body["error_description"] == "" {
		t.Fatalf("another client's revocation: %d %v, want 400 unauthorized_client", st, body)
	}
	if body := introspect(); body["active"] != true {
		t.Fatalf("after another client's revocation: %v", body)
	}
	// A public client, which anyone can name, learns nothing: 200, and
	// the token stays live.
	form := url.Values{"token": {access}, "client_id": {"spa"}}
	req := httptest.NewRequest("POST", "/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	m.p.Revoke(rec, req)
	if rec.Code != 200 || introspect()["active"] != true {
		t.Fatalf("a public client's revocation of another client's token: %d %s, active %v", rec.Code, rec.Body, introspect()["active"])
	}
	if st, body := revoke("svc"); st != 200 {
		t.Fatalf("revocation by the token's client: %d %v", st, body)
	}
	if body := introspect(); !equalJSON(body, map[string]any{"active": false}) {
		t.Fatalf("after revocation: %v", body)
	}
	// Revoked, the token is nobody's: revoking it again, as its client or
	// as another, is the 200 of section 2.2 for an invalid token.
	for _, id := range []string{"svc", "rp"} {
		if st, body := revoke(id); st != 200 {
			t.Fatalf("revoking the revoked token as %s: %d %v", id, st, body)
		}
	}
}

// TestClientAuthenticationHeader: the Authorization header of a client at
// the token endpoint. One that is there but holds no readable HTTP Basic
// credentials is 401 invalid_client with WWW-Authenticate (RFC 6749
// section 5.2: the client tried HTTP authentication), never taken for no
// authentication; several spaces after the scheme are allowed (RFC 9110
// section 11.4); two headers are refused, not one of them chosen.
func TestClientAuthenticationHeader(t *testing.T) {
	m := newM2M(t)
	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	good := base64.StdEncoding.EncodeToString([]byte("svc:secret-svc"))
	for _, c := range []struct {
		name    string
		headers []string
		status  int
		err     string
	}{
		{"one space", []string{"Basic " + good}, 200, ""},
		{"lower-case scheme", []string{"basic " + good}, 200, ""},
		{"three spaces", []string{"Basic   " + good}, 200, ""},
		{"form-urlencoded parts", []string{basic("svc:secret%2Dsvc")}, 200, ""},
		{"not base64", []string{"Basic !!!"}, 401, "invalid_client"},
		{"no colon", []string{basic("svc")}, 401, "invalid_client"},
		{"a malformed percent-encoding", []string{basic("svc%ZZ:secret-svc")}, 401, "invalid_client"},
		{"another scheme", []string{"Bearer " + good}, 401, "invalid_client"},
		{"the scheme alone", []string{"Basic"}, 401, "invalid_client"},
		{"two headers", []string{"Basic " + good, basic("rp:secret-rp")}, 400, "invalid_request"},
	} {
		t.Run(c.name, func(t *testing.T) {
			form := url.Values{"grant_type": {"client_credentials"}}
			req := httptest.NewRequest("POST", "/", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for _, h := range c.headers {
				req.Header.Add("Authorization", h)
			}
			rec := httptest.NewRecorder()
			m.p.Token(rec, req)
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("answer is not JSON: %d %s", rec.Code, rec.Body)
			}
			if rec.Code != c.status || (c.err != "" && body["error"] != c.err) {
				t.Fatalf("got %d %v, want %d %s", rec.Code, body, c.status, c.err)
			}
			hint, _ := body["error_hint"].(string)
			if c.err != "" && (hint == "" || strings.HasPrefix(hint, "No client authentication")) {
				t.Errorf("hint %q does not say what is wrong with the header", hint)
			}
			if c.status == 401 && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Basic") {
				t.Errorf("401 without WWW-Authenticate: Basic")
			}
		})
	}
}

// TestClientAssertionRefused: Sigil supports no JWT client authentication,
// so a client_assertion is invalid_client (RFC 7521 section 4.2.1), with a
// secret (two methods at once, RFC 6749 section 2.3) or from a public
// client, and never dropped as if the client had sent nothing; revocation
// and introspection authenticate the same way.
func TestClientAssertionRefused(t *testing.T) {
	m := newM2M(t)
	assertion := url.Values{"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion": {"eyJhbGciOiJub25lIn0.eyJzdWIiOiJzdmMifQ."}}
	with := func(extra url.Values) url.Values {
		f := url.Values{"grant_type": {"client_credentials"}, "token": {"x"}}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}
	for _, c := range []struct {
		name    string
		handler http.HandlerFunc
		form    url.Values
		id      string
		auth    string
	}{
		{"with client_secret_basic", m.p.Token, with(assertion), "svc", "basic"},
		{"with client_secret_post", m.p.Token, with(assertion), "svc-post", "post"},
		{"a public client", m.p.Token, with(assertion), "spa", "id"},
		{"the type alone", m.p.Token, with(url.Values{"client_assertion_type": assertion["client_assertion_type"]}), "svc", "basic"},
		{"at revocation", m.p.Revoke, with(assertion), "svc", "basic"},
		{"at introspection", m.p.Introspect, with(assertion), "svc", "basic"},
	} {
		st, body, hdr := m.post(t, c.handler, c.form, c.id, c.auth)
		hint, _ := body["error_hint"].(string)
		if st != 401 || body["error"] != "invalid_client" || !strings.Contains(hint, "client assertions") || hdr.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d %v, want 401 invalid_client saying assertions are not accepted", c.name, st, body)
		}
	}
}

func equalJSON(got, want map[string]any) bool {
	return reflect.DeepEqual(got, want)
}

// TestFormTooLarge: a form over the bound says so, and names the request.
func TestFormTooLarge(t *testing.T) {
	m := newM2M(t)
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {strings.Repeat("orders:read ", 6000)}}
	st, body, _ := m.post(t, m.p.Token, form, "svc", "basic")
	desc, _ := body["error_description"].(string)
	if st != 400 || body["error"] != "invalid_request" || !strings.Contains(desc, "The token request (RFC 6749 section 3.2) is larger than 64 KiB") {
		t.Fatalf("got %d %v", st, body)
	}
	// Within the size, more parameters than Go reads: said so, not blamed
	// on the percent-encoding.
	req := httptest.NewRequest("POST", "/", strings.NewReader("grant_type=client_credentials"+strings.Repeat("&a", 10001)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("svc", "secret-svc")
	rec := httptest.NewRecorder()
	m.p.Token(rec, req)
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "too many parameters (at most 10000)") {
		t.Errorf("10,002 parameters: %d %s", rec.Code, rec.Body)
	}
}
