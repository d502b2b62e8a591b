package e2e

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// introspect posts form to path (/oauth2/introspect on the public listener,
// or /admin/oauth2/introspect on the admin one) with the given
// Authorization header, and returns the status, the JSON body and the
// headers.
func introspect(t *testing.T, base, path string, form url.Values, authorization string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s answered non-JSON %d: %s", path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out, resp.Header
}

// onlyAudience is the one audience of an introspection answer's aud,
// which is always an array (as Hydra answers), or "" when it is not an
// array of one.
func onlyAudience(aud any) string {
	list, ok := aud.([]any)
	if !ok || len(list) != 1 {
		return ""
	}
	s, _ := list[0].(string)
	return s
}

// basic is the HTTP Basic credentials of a client (RFC 6749 section 2.3.1).
func basic(id, secret string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	return req.Header.Get("Authorization")
}

// wantInactive checks an introspection answer is exactly {"active":false}
// (RFC 7662 section 2.2: nothing more about a token that is not live).
func wantInactive(t *testing.T, what string, status int, body map[string]any) {
	t.Helper()
	if status != 200 || len(body) != 1 || body["active"] != false {
		t.Errorf("%s: %d %v, want exactly {\"active\":false}", what, status, body)
	}
}

// retrieveError returns the OAuth error code and HTTP status of a failed
// token request made by golang.org/x/oauth2.
func retrieveError(t *testing.T, err error) (string, int) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		t.Fatalf("error %v is not a token endpoint error", err)
	}
	return re.ErrorCode, re.Response.StatusCode
}

// TestClientCredentials runs the machine-to-machine grant (RFC 6749
// section 4.4) with golang.org/x/oauth2/clientcredentials as the client,
// and introspects what it gets (RFC 7662) as a resource server would.
func TestClientCredentials(t *testing.T) {
	in := startSigil(t)
	st, d, _ := getJSON(t, in.Issuer+"/.well-known/openid-configuration")
	methods, _ := d["introspection_endpoint_auth_methods_supported"].([]any)
	grants, _ := d["grant_types_supported"].([]any)
	if st != 200 || d["introspection_endpoint"] != in.Issuer+"/oauth2/introspect" || len(methods) != 2 ||
		!strings.Contains(strings.TrimSpace(strings.Join(toStrings(grants), " ")), "client_credentials") {
		t.Fatalf("discovery: introspection_endpoint %v, auth methods %v, grant types %v", d["introspection_endpoint"], methods, grants)
	}
	for _, m := range methods {
		if m == "none" {
			t.Errorf("introspection_endpoint_auth_methods_supported offers none")
		}
	}
	// RFC 8414 section 2 reads a missing list as client_secret_basic
	// alone; the revocation endpoint takes the token endpoint's methods.
	revocation, _ := d["revocation_endpoint_auth_methods_supported"].([]any)
	if got := strings.Join(toStrings(revocation), " "); got != "client_secret_basic client_secret_post none" {
		t.Errorf("revocation_endpoint_auth_methods_supported %q", got)
	}

	// The service and a resource server, both client_credentials-only:
	// no redirect URI, empty response types.
	svc, svcSecret := in.createClient(t, map[string]any{"client_name": "Billing job", "grant_types": []string{"client_credentials"},
		"redirect_uris": []string{}, "response_types": []string{}, "scope": "invoices:read invoices:write"})
	rs, rsSecret := in.createClient(t, map[string]any{"grant_types": []string{"client_credentials"}})
	asRS := basic(rs, rsSecret)
	conf := &clientcredentials.Config{ClientID: svc, ClientSecret: svcSecret, TokenURL: in.Issuer + "/oauth2/token"}

	before := time.Now().Add(-time.Second)
	tok, err := conf.Token(ctx(t))
	if err != nil {
		t.Fatalf("client credentials: %v", err)
	}
	if !strings.HasPrefix(tok.AccessToken, "sigil_at_") || tok.TokenType != "Bearer" || tok.RefreshToken != "" ||
		tok.Extra("scope") != "invoices:read invoices:write" || tok.Extra("id_token") != nil || tok.Expiry.Before(time.Now().Add(50*time.Minute)) {
		t.Fatalf("token %+v, scope %v, id_token %v", tok, tok.Extra("scope"), tok.Extra("id_token"))
	}
	st, body, h := introspect(t, in.Issuer, "/oauth2/introspect", url.Values{"token": {tok.AccessToken}}, asRS)
	exp, _ := body["exp"].(float64)
	iat, _ := body["iat"].(float64)
	if st != 200 || body["active"] != true || body["client_id"] != svc || body["scope"] != "invoices:read invoices:write" ||
		body["iss"] != in.Issuer || body["token_type"] != "Bearer" || body["token_use"] != "access_token" ||
		exp-iat != 3600 || int64(iat) < before.Unix() || int64(iat) > time.Now().Unix()+1 {
		t.Fatalf("introspection: %d %v", st, body)
	}
	if _, ok := body["sub"]; ok {
		t.Errorf("a client credentials token introspects with a sub: %v", body)
	}
	if h.Get("Cache-Control") != "no-store" {
		t.Errorf("introspection Cache-Control %q", h.Get("Cache-Control"))
	}

	// The raw token response: no refresh token, no ID token.
	st, raw, _ := postToken(t, in, url.Values{"grant_type": {"client_credentials"}, "scope": {"invoices:read"}}, svc, svcSecret)
	if st != 200 || raw["scope"] != "invoices:read" || raw["refresh_token"] != nil || raw["id_token"] != nil {
		t.Fatalf("scope subset: %d %v", st, raw)
	}
	if st, body, _ := introspect(t, in.Issuer, "/oauth2/introspect", url.Values{"token": {raw["access_token"].(string)}}, asRS); st != 200 || body["scope"] != "invoices:read" {
		t.Fatalf("introspection of the subset token: %d %v", st, body)
	}

	// A person's endpoint refuses a token that names no person.
	req, _ := http.NewRequest("GET", in.Issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ui map[string]any
	json.NewDecoder(resp.Body).Decode(&ui)
	resp.Body.Close()
	if resp.StatusCode != 401 || ui["error"] != "invalid_token" || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Fatalf("userinfo with a client credentials token: %d %v", resp.StatusCode, ui)
	}

	// Refusals, each with golang.org/x/oauth2's view of the error.
	codeClient, codeSecret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	public, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "token_endpoint_auth_method": "none"})
	cases := []struct {
		name   string
		conf   clientcredentials.Config
		code   string
		status int
	}{
		{"openid", clientcredentials.Config{ClientID: svc, ClientSecret: svcSecret, Scopes: []string{"openid"}}, "invalid_scope", 400},
		{"openid and a registered scope", clientcredentials.Config{ClientID: svc, ClientSecret: svcSecret, Scopes: []string{"invoices:read", "openid"}}, "invalid_scope", 400},
		{"a scope outside the registration", clientcredentials.Config{ClientID: svc, ClientSecret: svcSecret, Scopes: []string{"invoices:delete"}}, "invalid_scope", 400},
		{"public client", clientcredentials.Config{ClientID: public, AuthStyle: oauth2.AuthStyleInParams}, "unauthorized_client", 400},
		{"client not registered for the grant", clientcredentials.Config{ClientID: codeClient, ClientSecret: codeSecret}, "unauthorized_client", 400},
		{"wrong secret", clientcredentials.Config{ClientID: svc, ClientSecret: "wrong", AuthStyle: oauth2.AuthStyleInHeader}, "invalid_client", 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.conf.TokenURL = in.Issuer + "/oauth2/token"
			// Auto-detection would retry a refused request with the
			// secret in the body, which a client_secret_basic client may
			// not use, and report that second error.
			if c.conf.AuthStyle == oauth2.AuthStyleAutoDetect {
				c.conf.AuthStyle = oauth2.AuthStyleInHeader
			}
			_, err := c.conf.Token(ctx(t))
			if err == nil {
				t.Fatal("a token was issued")
			}
			if code, status := retrieveError(t, err); code != c.code || status != c.status {
				t.Fatalf("got %s %d, want %s %d", code, status, c.code, c.status)
			}
		})
	}

	// Who may introspect: confidential clients only, authenticated.
	for name, auth := range map[string]string{"no authentication": "", "wrong secret": basic(rs, "wrong"),
		"unknown client": basic("nobody", "x"), "the admin token": "Bearer " + in.AdminToken} {
		st, body, _ := introspect(t, in.Issuer, "/oauth2/introspect", url.Values{"token": {tok.AccessToken}}, auth)
		if st != 401 || body["error"] != "invalid_client" || body["active"] != nil {
			t.Errorf("introspection with %s: %d %v, want 401 invalid_client", name, st, body)
		}
	}
	st, body, _ = introspect(t, in.Issuer, "/oauth2/introspect", url.Values{"token": {tok.AccessToken}, "client_id": {public}}, "")
	if st != 401 || body["error"] != "invalid_client" {
		t.Errorf("introspection by a public client: %d %v, want 401 invalid_client", st, body)
	}
	if resp, err := http.Get(in.Issuer + "/oauth2/introspect?token=" + url.QueryEscape(tok.AccessToken)); err != nil || resp.StatusCode != 400 {
		t.Errorf("GET introspection: %v %v, want 400", resp, err)
	}
	st, body, _ = introspect(t, in.Issuer, "/oauth2/introspect", url.Values{"token": {"sigil_at_unknown"}}, asRS)
	wantInactive(t, "unknown token", st, body)
	st, body, _ = introspect(t, in.Issuer, "/oauth2/introspect", url.Values{"token": {"not-a-sigil-token"}, "token_type_hint": {"access_token"}}, asRS)
	wantInactive(t, "foreign token", st, body)

	// The admin listener's Hydra path, with the admin token only.
	st, body, _ = introspect(t, in.Admin, "/admin/oauth2/introspect", url.Values{"token": {tok.AccessToken}}, "Bearer "+in.AdminToken)
	if st != 200 || body["active"] != true || body["client_id"] != svc {
		t.Fatalf("admin introspection: %d %v", st, body)
	}
	for name, auth := range map[string]string{"no token": "", "a wrong token": "Bearer wrong-admin-token-0123", "client credentials": asRS} {
		st, body, _ := introspect(t, in.Admin, "/admin/oauth2/introspect", url.Values{"token": {tok.AccessToken}}, auth)
		if st != 401 || body["active"] != nil {
			t.Errorf("admin introspection with %s: %d %v, want 401", name, st, body)
		}
	}

	// aud is an array even of one, as Hydra answers: its SDK decodes the
	// answer into a list and fails on a string.
	var hydraShaped struct {
		Active bool     `json:"active"`
		Aud    []string `json:"aud"`
	}
	_, body, _ = introspect(t, in.Admin, "/admin/oauth2/introspect", url.Values{"token": {tok.AccessToken}}, "Bearer "+in.AdminToken)
	encoded, _ := json.Marshal(body)
	if err := json.Unmarshal(encoded, &hydraShaped); err != nil || !hydraShaped.Active || len(hydraShaped.Aud) != 1 || hydraShaped.Aud[0] != svc {
		t.Fatalf("admin introspection as Hydra's SDK reads it: %s: %v", encoded, err)
	}

	// Revoked at /oauth2/revoke by another client: refused (RFC 7009
	// section 2.1), and the token still works.
	revoke := func(auth string) (*http.Response, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", in.Issuer+"/oauth2/revoke", strings.NewReader(url.Values{"token": {tok.AccessToken}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", auth)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp, body
	}
	if resp, body := revoke(asRS); resp.StatusCode != 400 || body["error"] != "unauthorized_client" {
		t.Fatalf("revocation by another client: %d %v, want 400 unauthorized_client", resp.StatusCode, body)
	}
	if st, body, _ := introspect(t, in.Issuer, "/oauth2/introspect", url.Values{"token": {tok.AccessToken}}, asRS); st != 200 || body["active"] != true {
		t.Fatalf("after another client's revocation: %d %v", st, body)
	}

	// Revoked at /oauth2/revoke by its client: inactive everywhere.
	if resp, body := revoke(basic(svc, svcSecret)); resp.StatusCode != 200 {
		t.Fatalf("revoke: %d %v", resp.StatusCode, body)
	}
	st, body, _ = introspect(t, in.Issuer, "/oauth2/introspect", url.Values{"token": {tok.AccessToken}}, asRS)
	wantInactive(t, "revoked client credentials token", st, body)
	st, body, _ = introspect(t, in.Admin, "/admin/oauth2/introspect", url.Values{"token": {tok.AccessToken}}, "Bearer "+in.AdminToken)
	wantInactive(t, "revoked client credentials token, admin", st, body)
}

// TestIntrospectPersonTokens introspects the access and refresh tokens of
// a person's sign-in (sub present), then revokes the grant: both tokens
// are then exactly {"active":false}.
func TestIntrospectPersonTokens(t *testing.T) {
	in := startSigil(t)
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect},
		"grant_types": []string{"authorization_code", "refresh_token"}, "scope": "openid wallet offline_access"})
	rs, rsSecret := in.createClient(t, map[string]any{"grant_types": []string{"client_credentials"}})
	asRS := basic(rs, rsSecret)
	code, verifier, _ := codeFor(t, in, id, []string{"openid", "wallet", "offline_access"})
	st, tok, _ := postToken(t, in, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "code_verifier": {verifier}}, id, secret)
	if st != 200 || tok["refresh_token"] == nil {
		t.Fatalf("exchange: %d %v", st, tok)
	}
	access, refresh := tok["access_token"].(string), tok["refresh_token"].(string)

	for _, c := range []struct {
		token, use string
		ttl        float64
	}{{access, "access_token", 3600}, {refresh, "refresh_token", 720 * 3600}} {
		for _, where := range []struct{ base, path, auth string }{
			{in.Issuer, "/oauth2/introspect", asRS}, {in.Issuer, "/oauth2/introspect", basic(id, secret)},
			{in.Admin, "/admin/oauth2/introspect", "Bearer " + in.AdminToken},
		} {
			st, body, _ := introspect(t, where.base, where.path, url.Values{"token": {c.token}, "token_type_hint": {"access_token"}}, where.auth)
			exp, _ := body["exp"].(float64)
			iat, _ := body["iat"].(float64)
			if st != 200 || body["active"] != true || body["sub"] != "alice.crypto" || body["client_id"] != id ||
				body["scope"] != tok["scope"] || body["token_use"] != c.use || body["iss"] != in.Issuer || exp-iat != c.ttl {
				t.Errorf("%s at %s: %d %v", c.use, where.path, st, body)
			}
		}
	}

	// Revoking the refresh token revokes the grant (RFC 7009 section 2.1).
	form := url.Values{"token": {refresh}, "token_type_hint": {"refresh_token"}}
	req, _ := http.NewRequest("POST", in.Issuer+"/oauth2/revoke", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", basic(id, secret))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("revoke: %v %v", resp, err)
	}
	for name, token := range map[string]string{"access token": access, "refresh token": refresh} {
		st, body, _ := introspect(t, in.Issuer, "/oauth2/introspect", url.Values{"token": {token}}, asRS)
		wantInactive(t, "revoked "+name, st, body)
		st, body, _ = introspect(t, in.Admin, "/admin/oauth2/introspect", url.Values{"token": {token}}, "Bearer "+in.AdminToken)
		wantInactive(t, "revoked "+name+", admin", st, body)
	}
}

func toStrings(l []any) []string {
	out := make([]string, 0, len(l))
	for _, v := range l {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}
