package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

const (
	testRedirect = "https://rp.example/cb"
	challenge43  = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

// authParams is a valid authorization request for client id.
func authParams(id string) url.Values {
	return url.Values{"client_id": {id}, "redirect_uri": {testRedirect}, "response_type": {"code"},
		"scope": {"openid wallet"}, "state": {"state-0123456789"}, "nonce": {"nonce-0123456789"},
		"code_challenge": {challenge43}, "code_challenge_method": {"S256"}}
}

// TestAuthorizationErrorsShownOnAPage: when the client or redirect URI
// cannot be trusted, the error is a page and never a redirect (RFC 9700
// section 4.11).
func TestAuthorizationErrorsShownOnAPage(t *testing.T) {
	in := startSigil(t)
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect, "https://rp.example/other"}})
	cases := []struct {
		name   string
		edit   func(url.Values)
		raw    string
		status int
		code   string
	}{
		{"missing client_id", func(v url.Values) { v.Del("client_id") }, "", 400, "invalid_request"},
		{"unknown client", func(v url.Values) { v.Set("client_id", "nope") }, "", 401, "invalid_client"},
		{"unregistered redirect_uri", func(v url.Values) { v.Set("redirect_uri", "https://evil.example/cb") }, "", 400, "invalid_request"},
		{"redirect_uri with added query", func(v url.Values) { v.Set("redirect_uri", testRedirect+"?x=1") }, "", 400, "invalid_request"},
		{"redirect_uri differing in case of path", func(v url.Values) { v.Set("redirect_uri", "https://rp.example/CB") }, "", 400, "invalid_request"},
		{"missing redirect_uri with two registered", func(v url.Values) { v.Del("redirect_uri") }, "", 400, "invalid_request"},
		{"repeated parameter", nil, "&state=again-0123456789", 400, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := authParams(id)
			if tc.edit != nil {
				tc.edit(v)
			}
			b := newBrowser(t, in.Issuer)
			resp, body := b.get(in.Issuer + "/oauth2/auth?" + v.Encode() + tc.raw)
			if resp.StatusCode != tc.status || resp.Header.Get("Location") != "" {
				t.Fatalf("status %d location %q, want %d and no redirect", resp.StatusCode, resp.Header.Get("Location"), tc.status)
			}
			if !strings.Contains(body, tc.code) || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("page does not name %s:\n%s", tc.code, body)
			}
		})
	}
}

// TestUnknownParametersIgnoredEvenRepeated: a parameter the authorization
// request does not define is ignored (OpenID Connect Core section
// 3.1.2.1), repeated or not; only the parameters OAuth 2.0 and OpenID
// Connect define must appear once (RFC 6749 section 3.1).
func TestUnknownParametersIgnoredEvenRepeated(t *testing.T) {
	in := startSigil(t)
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	b := newBrowser(t, in.Issuer)
	resp, body := b.get(in.Issuer + "/oauth2/auth?" + authParams(id).Encode() + "&extra=1&extra=2&utm_source=a&utm_source=b")
	if loc, _ := url.Parse(resp.Header.Get("Location")); resp.StatusCode != http.StatusSeeOther || loc == nil || loc.Path != "/login" {
		t.Fatalf("with repeated unknown parameters: %d %q %.200s, want the login page", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	for _, name := range []string{"nonce", "prompt", "code_challenge"} {
		v := authParams(id)
		v.Add(name, v.Get(name)+"x")
		if name == "prompt" {
			v["prompt"] = []string{"login", "consent"}
		}
		resp, _ := b.get(in.Issuer + "/oauth2/auth?" + v.Encode())
		if resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), in.Issuer+"/login") {
			t.Errorf("%s repeated was accepted", name)
		}
	}
}

// TestAuthorizationErrorsRedirected: once the redirect URI is trusted, each
// error goes back to it with error, error_description, state and iss.
func TestAuthorizationErrorsRedirected(t *testing.T) {
	in := startSigil(t)
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "scope": "openid wallet email"})
	cases := []struct {
		name string
		edit func(url.Values)
		code string
	}{
		{"missing response_type", func(v url.Values) { v.Del("response_type") }, "invalid_request"},
		{"implicit response_type", func(v url.Values) { v.Set("response_type", "token") }, "unsupported_response_type"},
		{"unknown response_mode", func(v url.Values) { v.Set("response_mode", "web_message") }, "unsupported_response_mode"},
		{"short state", func(v url.Values) { v.Set("state", "abc") }, "invalid_state"},
		{"short nonce", func(v url.Values) { v.Set("nonce", "abc") }, "insufficient_entropy"},
		{"scope without openid", func(v url.Values) { v.Set("scope", "wallet") }, "invalid_scope"},
		{"scope not registered", func(v url.Values) { v.Set("scope", "openid profile") }, "invalid_scope"},
		{"scope both required and optional", func(v url.Values) { v.Set("scope", "openid email email:optional") }, "invalid_scope"},
		{"scope separated by a tab", func(v url.Values) { v.Set("scope", "openid\twallet") }, "invalid_scope"},
		{"scope separated by a no-break space", func(v url.Values) { v.Set("scope", "openid wallet\u00a0email") }, "invalid_scope"},
		{"no PKCE", func(v url.Values) { v.Del("code_challenge"); v.Del("code_challenge_method") }, "invalid_request"},
		{"plain PKCE not allowed", func(v url.Values) { v.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"short code_challenge", func(v url.Values) { v.Set("code_challenge", "short") }, "invalid_request"},
		{"request object", func(v url.Values) { v.Set("request", "eyJhbGciOiJub25lIn0.e30.") }, "request_not_supported"},
		{"request_uri", func(v url.Values) { v.Set("request_uri", "https://rp.example/r") }, "request_uri_not_supported"},
		{"bad prompt", func(v url.Values) { v.Set("prompt", "none login") }, "invalid_request"},
		{"bad max_age", func(v url.Values) { v.Set("max_age", "-1") }, "invalid_request"},
		{"prompt=none without session", func(v url.Values) { v.Set("prompt", "none") }, "login_required"},
		{"foreign id_token_hint", func(v url.Values) { v.Set("id_token_hint", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.") }, "invalid_request"},
	}
	for _, tc := range cases {
		for _, mode := range []string{"query", "fragment"} {
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				v := authParams(id)
				v.Set("response_mode", mode)
				tc.edit(v)
				b := newBrowser(t, in.Issuer)
				resp, body := b.get(in.Issuer + "/oauth2/auth?" + v.Encode())
				if resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("status %d, want 303: %s", resp.StatusCode, body)
				}
				loc := resp.Header.Get("Location")
				if !strings.HasPrefix(loc, testRedirect) {
					t.Fatalf("redirected to %s", loc)
				}
				m := mode
				if v.Get("response_mode") != "query" && v.Get("response_mode") != "fragment" {
					m = "query" // an unusable response_mode is answered in the default mode
				}
				p := b.redirectParams(loc, m)
				if p.Get("error") != tc.code || p.Get("error_description") == "" || p.Get("iss") != in.Issuer || p.Get("state") != v.Get("state") {
					t.Fatalf("response %v, want error=%s with description, iss and state", p, tc.code)
				}
			})
		}
	}
}

// TestUnknownParametersIgnoredAndPOSTAccepted: what @uauth/js adds must not
// break a request (OpenID Connect Core section 3.1.2.1), and POST works.
func TestUnknownParametersIgnoredAndPOSTAccepted(t *testing.T) {
	in := startSigil(t)
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	v := authParams(id)
	for k, val := range map[string]string{"flow_id": "login", "package_name": "@uauth/js", "package_version": "3.0.1",
		"signup_suggestion": "x", "client_secret": "x", "client_auth_method": "client_secret_post", "resource": "https://api.example",
		"max_age": "300000", "prompt": "login", "login_hint": "alice.crypto", "display": "popup", "ui_locales": "en", "acr_values": "sig"} {
		v.Set(k, val)
	}
	b := newBrowser(t, in.Issuer)
	b.authorize(in.Issuer + "/oauth2/auth?" + v.Encode())

	resp, err := b.client.PostForm(in.Issuer+"/oauth2/auth", authParams(id))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "/login?flow=") {
		t.Fatalf("POST authorization: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// codeFor runs a whole login for a client and returns the code, the PKCE
// verifier and the browser.
func codeFor(t *testing.T, in *instance, id string, scope []string) (string, string, *browser) {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	conf := &oauth2.Config{ClientID: id, RedirectURL: testRedirect, Scopes: scope,
		Endpoint: oauth2.Endpoint{AuthURL: in.Issuer + "/oauth2/auth", TokenURL: in.Issuer + "/oauth2/token"}}
	b := newBrowser(t, in.Issuer)
	flow := b.authorize(conf.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier)))
	if _, st, v := b.signIn(flow, "alice.crypto", in.Alice); st != 200 {
		t.Fatalf("verify %d %v", st, v)
	}
	st, acc := b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": scope})
	if st != 200 {
		t.Fatalf("accept %d %v", st, acc)
	}
	return b.redirectParams(acc["redirect_to"].(string), "query").Get("code"), verifier, b
}

func postToken(t *testing.T, in *instance, form url.Values, basicID, basicSecret string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("POST", in.Issuer+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicID != "" {
		req.SetBasicAuth(url.QueryEscape(basicID), url.QueryEscape(basicSecret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	body, _ := io.ReadAll(resp.Body)
	json.Unmarshal(body, &out)
	return resp.StatusCode, out, resp.Header
}

// TestTokenEndpointErrors covers client authentication, the grant checks,
// and code replay, which must revoke what the first exchange issued.
func TestTokenEndpointErrors(t *testing.T) {
	in := startSigil(t)
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "token_endpoint_auth_method": "client_secret_basic"})
	otherID, otherSecret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "token_endpoint_auth_method": "client_secret_post"})
	code, verifier, _ := codeFor(t, in, id, []string{"openid", "wallet"})
	good := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "code_verifier": {verifier}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for key, val := range good {
			f[key] = val
		}
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f
	}
	cases := []struct {
		name         string
		form         url.Values
		user, secret string
		status       int
		code         string
	}{
		{"wrong secret", good, id, "wrong", 401, "invalid_client"},
		{"unknown client", good, "nope", "x", 401, "invalid_client"},
		{"no client authentication", good, "", "", 401, "invalid_client"},
		{"secret in body for a basic client", with("client_secret", secret), "", "", 401, "invalid_client"},
		{"two methods at once", with("client_secret", secret), id, secret, 400, "invalid_request"},
		{"password grant", with("grant_type", "password"), id, secret, 400, "unsupported_grant_type"},
		{"missing grant_type", with("grant_type", ""), id, secret, 400, "invalid_request"},
		{"missing code", with("code", ""), id, secret, 400, "invalid_request"},
		{"missing verifier", with("code_verifier", ""), id, secret, 400, "invalid_request"},
		{"wrong verifier", with("code_verifier", oauth2.GenerateVerifier()), id, secret, 400, "invalid_grant"},
		{"wrong redirect_uri", with("redirect_uri", "https://rp.example/other"), id, secret, 400, "invalid_grant"},
		{"code of another client", good, otherID, otherSecret, 400, "invalid_grant"},
		{"not a code", with("code", "garbage"), id, secret, 400, "invalid_grant"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := tc.form
			if tc.name == "code of another client" {
				form = with("client_id", otherID)
				form.Set("client_secret", otherSecret)
				tc.user = ""
			}
			st, body, h := postToken(t, in, form, tc.user, tc.secret)
			if st != tc.status || body["error"] != tc.code || body["error_description"] == "" {
				t.Fatalf("got %d %v, want %d %s", st, body, tc.status, tc.code)
			}
			if tc.status == 401 && tc.user != "" && !strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic") {
				t.Fatalf("401 after Basic without WWW-Authenticate: Basic")
			}
		})
	}

	// None of the failures above used the code up.
	st, tok, _ := postToken(t, in, good, id, secret)
	if st != 200 {
		t.Fatalf("exchange after failures: %d %v", st, tok)
	}
	access := tok["access_token"].(string)
	if code := userinfoStatus(t, in, "Bearer "+access); code != 200 {
		t.Fatalf("userinfo before replay: %d", code)
	}
	// Replay: invalid_grant, and the first access token stops working.
	st, body, _ := postToken(t, in, good, id, secret)
	if st != 400 || body["error"] != "invalid_grant" || !strings.Contains(body["error_description"].(string), "revoked") {
		t.Fatalf("replay: %d %v", st, body)
	}
	if code := userinfoStatus(t, in, "Bearer "+access); code != 401 {
		t.Fatalf("userinfo after replay: %d, want 401 (revoked)", code)
	}
}

func userinfoStatus(t *testing.T, in *instance, authorization string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", in.Issuer+"/userinfo", nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestUserinfoErrors: missing and bad tokens, and POST forms.
func TestUserinfoErrors(t *testing.T) {
	in := startSigil(t)
	cases := []struct {
		name, method, auth, body string
		status                   int
		code                     string
	}{
		{"no token", "GET", "", "", 401, "request_unauthorized"},
		{"unknown token", "GET", "Bearer sigil_at_unknown", "", 401, "invalid_token"},
		{"foreign token", "GET", "Bearer abc", "", 401, "invalid_token"},
		{"unknown scheme", "GET", "Digest x", "", 401, "request_unauthorized"},
		{"token twice", "POST", "Bearer sigil_at_x", "access_token=sigil_at_x", 400, "invalid_request"},
		{"unknown token in body", "POST", "", "access_token=sigil_at_nope", 401, "invalid_token"},
		// Two headers are refused, not one of them chosen (as at the
		// token endpoint).
		{"two Authorization headers", "GET", "Bearer sigil_at_x\nBearer sigil_at_y", "", 400, "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, in.Issuer+"/userinfo", strings.NewReader(tc.body))
			for _, auth := range strings.Split(tc.auth, "\n") {
				if auth != "" {
					req.Header.Add("Authorization", auth)
				}
			}
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tc.status || body["error"] != tc.code {
				t.Fatalf("got %d %v, want %d %s", resp.StatusCode, body, tc.status, tc.code)
			}
			if tc.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("401 without WWW-Authenticate: Bearer")
			}
		})
	}
}

// TestUserinfoPOSTBody: RFC 6750 section 2.2 form parameter.
func TestUserinfoPOSTBody(t *testing.T) {
	in := startSigil(t)
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	code, verifier, _ := codeFor(t, in, id, []string{"openid"})
	st, tok, _ := postToken(t, in, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "code_verifier": {verifier}}, id, secret)
	if st != 200 {
		t.Fatalf("%d %v", st, tok)
	}
	if tok["scope"] != "openid" {
		t.Fatalf("scope %v", tok["scope"])
	}
	resp, err := http.PostForm(in.Issuer+"/userinfo", url.Values{"access_token": {tok["access_token"].(string)}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info map[string]any
	json.NewDecoder(resp.Body).Decode(&info)
	if resp.StatusCode != 200 || info["sub"] != "alice.crypto" || info["wallet_address"] != nil {
		t.Fatalf("userinfo POST: %d %v (wallet claims need the wallet scope)", resp.StatusCode, info)
	}
}

// TestOfflineAccessWithoutTheRefreshGrant: a client registered with
// offline_access in its scope but not for the refresh_token grant gets no
// refresh token, so offline_access is ignored in its requests (OpenID
// Connect Core section 11): not asked on the consent page, not in the
// token response's scope as if it had been granted.
func TestOfflineAccessWithoutTheRefreshGrant(t *testing.T) {
	in := startSigil(t)
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "scope": "openid wallet offline_access"})
	verifier := oauth2.GenerateVerifier()
	conf := &oauth2.Config{ClientID: id, RedirectURL: testRedirect, Scopes: []string{"openid", "wallet", "offline_access"},
		Endpoint: oauth2.Endpoint{AuthURL: in.Issuer + "/oauth2/auth", TokenURL: in.Issuer + "/oauth2/token"}}
	b := newBrowser(t, in.Issuer)
	flow := b.authorize(conf.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier)))
	if _, st, v := b.signIn(flow, "alice.crypto", in.Alice); st != 200 {
		t.Fatalf("verify %d %v", st, v)
	}
	if st, acc := b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet", "offline_access"}}); st != 400 {
		t.Fatalf("granting offline_access, which was not asked: %d %v, want 400", st, acc)
	}
	st, acc := b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet"}})
	if st != 200 {
		t.Fatalf("accept %d %v", st, acc)
	}
	code := b.redirectParams(acc["redirect_to"].(string), "query").Get("code")
	st, tok, _ := postToken(t, in, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "code_verifier": {verifier}}, id, secret)
	if st != 200 || tok["scope"] != "openid wallet" || tok["refresh_token"] != nil {
		t.Fatalf("token response %d %v, want scope 'openid wallet' and no refresh token", st, tok)
	}
}
