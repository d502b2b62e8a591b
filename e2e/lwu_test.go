package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"github.com/sigil-oidc/sigil/internal/siwe"
	"golang.org/x/oauth2"
)

// TestClaimsFromRecordsAndOptionalScopes: per-scope claims come from the
// domain's records; a declined optional scope leaves its claims out; the
// more specific entry wins; proof and verified_addresses let a relying
// party check the wallet signature itself.
func TestClaimsFromRecordsAndOptionalScopes(t *testing.T) {
	in := startSigil(t)
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "scope": "openid wallet email profile social humanity_check"})
	party := newRP(t, in, id, secret, testRedirect)
	verifier := oauth2.GenerateVerifier()
	party.conf.Scopes = []string{"openid", "wallet", "email:optional", "profile:name", "social", "social:twitter:optional", "humanity_check:optional"}
	b := newBrowser(t, in.Issuer)
	flow := b.authorize(party.conf.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier)))
	ch, st, v := b.signIn(flow, "alice.crypto", in.Alice)
	if st != 200 {
		t.Fatalf("verify %d %v", st, v)
	}
	if !strings.Contains(ch["message"].(string), "I consent to giving access to: email humanity_check openid profile:name social social:twitter wallet") {
		t.Fatalf("statement lists the requested scopes: %s", ch["message"])
	}
	// Keep email, decline Twitter and the humanity check.
	st, acc := b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet", "email:optional", "profile:name", "social"}})
	if st != 200 {
		t.Fatalf("accept %d %v", st, acc)
	}
	tok, err := party.conf.Exchange(ctx(t), b.redirectParams(acc["redirect_to"].(string), "query").Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	want := "email openid profile:name social:discord social:reddit social:telegram social:youtube wallet"
	if tok.Extra("scope") != want {
		t.Fatalf("granted scope %q, want %q", tok.Extra("scope"), want)
	}
	idt, err := party.verifier.Verify(ctx(t), tok.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	idt.Claims(&c)
	for k, v := range map[string]any{"email": "alice@example.com", "email_verified": false, "name": "Alice Liddell", "discord": "alice#1865"} {
		if c[k] != v {
			t.Errorf("claim %s = %v, want %v", k, c[k], v)
		}
	}
	for _, k := range []string{"twitter", "humanity_check_id", "picture", "badges"} {
		if _, ok := c[k]; ok {
			t.Errorf("claim %s present: declined or no record", k)
		}
	}
	// proof and verified_addresses, as @uauth/js getAuthorizationAccount reads them.
	amr := c["amr"].([]any)[1].(string)
	address := strings.Split(amr, ".")[3]
	va := c["verified_addresses"].([]any)[0].(map[string]any)
	if va["address"] != address || va["symbol"] != "ETH" {
		t.Fatalf("verified_addresses %v does not match amr %s", va, amr)
	}
	proof := c["proof"].(map[string]any)[amr].(map[string]any)
	params := proof["template"].(map[string]any)["params"].(map[string]any)
	if proof["type"] != "onchain" || params["address"] != address || params["uri"] != "uns:alice.crypto" || params["nonce"] == "" {
		t.Fatalf("proof %v", proof)
	}
	if err := siwe.VerifySignature(proof["message"].(string), proof["signature"].(string), address); err != nil {
		t.Fatalf("proof signature: %v", err)
	}
	// Userinfo answers the same person claims.
	ui, err := party.provider.UserInfo(ctx(t), oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatal(err)
	}
	var uc map[string]any
	ui.Claims(&uc)
	if uc["email"] != "alice@example.com" || uc["twitter"] != nil || uc["verified_addresses"] == nil {
		t.Fatalf("userinfo %v", uc)
	}
}

// TestScopeGrammarErrors: what the authorization endpoint refuses.
func TestScopeGrammarErrors(t *testing.T) {
	in := startSigil(t)
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "scope": "openid wallet email offline_access"})
	for _, sc := range []string{"openid email email:optional", "openid wallet:optional", "openid offline_access:optional", "telepathy", "openid profile"} {
		v := authParams(id)
		v.Set("scope", sc)
		resp, _ := newBrowser(t, in.Issuer).get(in.Issuer + "/oauth2/auth?" + v.Encode())
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if loc.Query().Get("error") != "invalid_scope" {
			t.Errorf("scope %q: %s, want invalid_scope", sc, loc)
		}
	}
}

// TestRefreshRotationAndReuse: offline_access grants a refresh token; each
// refresh rotates it; presenting an old one revokes everything.
func TestRefreshRotationAndReuse(t *testing.T) {
	in := startSigil(t)
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "scope": "openid wallet offline_access",
		"grant_types": []string{"authorization_code", "refresh_token"}})
	party := newRP(t, in, id, secret, testRedirect, "openid", "wallet", "offline_access")
	verifier := oauth2.GenerateVerifier()
	b := newBrowser(t, in.Issuer)
	flow := b.authorize(party.conf.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier)))
	b.signIn(flow, "alice.crypto", in.Alice)
	_, acc := b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet", "offline_access"}})
	tok, err := party.conf.Exchange(ctx(t), b.redirectParams(acc["redirect_to"].(string), "query").Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.RefreshToken, "sigil_rt_") {
		t.Fatalf("no refresh token: %+v", tok)
	}
	first := tok.RefreshToken
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first}}
	st, r1, _ := postToken(t, in, form, id, secret)
	if st != 200 || r1["refresh_token"] == first || r1["refresh_token"] == nil || r1["id_token"] == nil {
		t.Fatalf("refresh: %d %v", st, r1)
	}
	idt, err := party.verifier.Verify(ctx(t), r1["id_token"].(string))
	if err != nil || idt.Subject != "alice.crypto" {
		t.Fatalf("refreshed ID token: %v", err)
	}
	if code := userinfoStatus(t, in, "Bearer "+tok.AccessToken); code != 401 {
		t.Fatalf("old access token after refresh: %d, want 401", code)
	}
	newAccess := r1["access_token"].(string)
	if code := userinfoStatus(t, in, "Bearer "+newAccess); code != 200 {
		t.Fatalf("new access token: %d", code)
	}
	// The scope may be repeated, not changed: invalid_scope, and the
	// refresh token is not spent (the reuse below is of the first one).
	st, bad, _ := postToken(t, in, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r1["refresh_token"].(string)}, "scope": {"openid"}}, id, secret)
	if st != 400 || bad["error"] != "invalid_scope" {
		t.Fatalf("narrowing refresh: %d %v", st, bad)
	}
	// Reuse of the first token: invalid_grant, and the family is revoked.
	st, reuse, _ := postToken(t, in, form, id, secret)
	if st != 400 || reuse["error"] != "invalid_grant" || !strings.Contains(reuse["error_description"].(string), "revoked") {
		t.Fatalf("reuse: %d %v", st, reuse)
	}
	if code := userinfoStatus(t, in, "Bearer "+newAccess); code != 401 {
		t.Fatalf("access token after reuse: %d, want 401 (family revoked)", code)
	}
	st, after, _ := postToken(t, in, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r1["refresh_token"].(string)}}, id, secret)
	if st != 400 || after["error"] != "invalid_grant" {
		t.Fatalf("latest token after reuse: %d %v", st, after)
	}
}

// TestRevocation (RFC 7009): revoking a token ends its authorization;
// unknown tokens are answered 200 too; another client's live token is
// refused.
func TestRevocation(t *testing.T) {
	in := startSigil(t)
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	otherID, otherSecret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	code, verifier, _ := codeFor(t, in, id, []string{"openid"})
	_, tok, _ := postToken(t, in, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "code_verifier": {verifier}}, id, secret)
	access := tok["access_token"].(string)
	revoke := func(token, user, pass string) int {
		req, _ := http.NewRequest("POST", in.Issuer+"/oauth2/revoke", strings.NewReader(url.Values{"token": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(user, pass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Another client's revocation is refused (RFC 7009 section 2.1:
	// unauthorized_client) and changes nothing.
	if st := revoke(access, otherID, otherSecret); st != 400 || userinfoStatus(t, in, "Bearer "+access) != 200 {
		t.Fatalf("another client's revocation: %d, want 400, and the token must still work", st)
	}
	if st := revoke("sigil_at_unknown", id, secret); st != 200 {
		t.Fatalf("unknown token: %d", st)
	}
	if st := revoke(access, id, "wrong"); st != 401 {
		t.Fatalf("bad client auth: %d", st)
	}
	if st := revoke(access, id, secret); st != 200 || userinfoStatus(t, in, "Bearer "+access) != 401 {
		t.Fatal("revoked token still works")
	}
}

// TestCORS: metadata for any origin; token, userinfo and revocation for
// registered origins only; never the authorization endpoint.
func TestCORS(t *testing.T) {
	in := startSigil(t)
	app := "http://127.0.0.1:7777"
	in.createClient(t, map[string]any{"redirect_uris": []string{app + "/cb"}, "token_endpoint_auth_method": "none", "allowed_cors_origins": []string{app}})
	do := func(method, path, origin string, headers map[string]string) http.Header {
		req, _ := http.NewRequest(method, in.Issuer+path, nil)
		req.Header.Set("Origin", origin)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header
	}
	if h := do("GET", "/.well-known/openid-configuration", "https://any.example", nil); h.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("discovery without CORS for any origin")
	}
	if h := do("GET", "/.well-known/jwks.json", "https://any.example", nil); h.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("JWKS without CORS for any origin")
	}
	pre := map[string]string{"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
	for _, path := range []string{"/oauth2/token", "/userinfo", "/oauth2/revoke"} {
		h := do("OPTIONS", path, app, pre)
		if h.Get("Access-Control-Allow-Origin") != app || !strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "authorization") {
			t.Errorf("preflight %s from a registered origin: %v", path, h)
		}
		if h := do("OPTIONS", path, "https://evil.example", pre); h.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight %s from an unknown origin allowed", path)
		}
	}
	if h := do("GET", "/oauth2/auth", app, nil); h.Get("Access-Control-Allow-Origin") != "" {
		t.Error("CORS on the authorization endpoint")
	}
}

// TestRPInitiatedLogout: with a valid id_token_hint the session ends and the
// browser goes to the registered post-logout URI with state; prompt=none
// fails afterwards. Nothing happens on a GET that does not carry a valid
// hint for this person: bad hints and unregistered URIs get an error page
// and no redirect, a GET without a hint gets the confirmation page, and
// after each the person is still signed in (prompt=none answers a code).
func TestRPInitiatedLogout(t *testing.T) {
	in := startSigil(t)
	bye := "https://rp.example/bye"
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "post_logout_redirect_uris": []string{bye}})
	party := newRP(t, in, id, secret, testRedirect, "openid", "wallet")
	verifier := oauth2.GenerateVerifier()
	b := newBrowser(t, in.Issuer)
	flow := b.authorize(party.conf.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier)))
	b.signIn(flow, "alice.crypto", in.Alice)
	_, acc := b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet"}, "remember": true})
	tok, err := party.conf.Exchange(ctx(t), b.redirectParams(acc["redirect_to"].(string), "query").Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	hint := tok.Extra("id_token").(string)

	var d struct {
		EndSession string `json:"end_session_endpoint"`
	}
	resp, _ := http.Get(in.Issuer + "/.well-known/openid-configuration")
	json.NewDecoder(resp.Body).Decode(&d)
	resp.Body.Close()
	if d.EndSession != in.Issuer+"/oauth2/sessions/logout" {
		t.Fatalf("end_session_endpoint %q", d.EndSession)
	}
	stillSignedIn := func(after string) {
		t.Helper()
		resp, _ := b.get(party.conf.AuthCodeURL("state-1234567890", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none")))
		if loc, _ := url.Parse(resp.Header.Get("Location")); loc == nil || loc.Query().Get("code") == "" {
			t.Fatalf("after %s, prompt=none: %d %s, want a code (the session must live on)", after, resp.StatusCode, resp.Header.Get("Location"))
		}
		for _, c := range resp.Cookies() {
			if c.MaxAge < 0 {
				t.Fatalf("after %s, prompt=none cleared cookie %s", after, c.Name)
			}
		}
	}
	for name, q := range map[string]url.Values{
		"unregistered uri":  {"id_token_hint": {hint}, "post_logout_redirect_uri": {"https://evil.example/bye"}},
		"uri with query":    {"id_token_hint": {hint}, "post_logout_redirect_uri": {bye + "?x=1"}},
		"alg none hint":     {"id_token_hint": {"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}, "post_logout_redirect_uri": {bye}},
		"tampered hint":     {"id_token_hint": {hint[:len(hint)-4] + "AAAA"}, "post_logout_redirect_uri": {bye}},
		"client_id differs": {"id_token_hint": {hint}, "client_id": {"other"}, "post_logout_redirect_uri": {bye}},
	} {
		resp, body := b.get(d.EndSession + "?" + q.Encode())
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" || !strings.Contains(body, "invalid_request") {
			t.Errorf("%s: %d %q", name, resp.StatusCode, resp.Header.Get("Location"))
		}
		for _, c := range resp.Cookies() {
			if c.Name == "sigil_session" || strings.HasSuffix(c.Name, "sigil_session") {
				t.Errorf("%s: the answer sets the session cookie %s (MaxAge %d)", name, c.Name, c.MaxAge)
			}
		}
		stillSignedIn(name)
	}
	// A GET without a hint (any site can send the browser here) only
	// asks: the confirmation page, no redirect, and the session lives on.
	for name, q := range map[string]url.Values{
		"no parameters":           nil,
		"client_id and state":     {"client_id": {id}, "state": {"s-0123456789"}},
		"registered uri, no hint": {"client_id": {id}, "post_logout_redirect_uri": {bye}},
	} {
		resp, body := b.get(d.EndSession + "?" + q.Encode())
		if resp.StatusCode != 200 || resp.Header.Get("Location") != "" || !strings.Contains(body, "Sign out of Sigil?") {
			t.Fatalf("GET with %s: %d %q, want the confirmation page", name, resp.StatusCode, resp.Header.Get("Location"))
		}
		stillSignedIn("a GET with " + name)
	}
	resp, _ = b.get(d.EndSession + "?" + url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {bye}, "state": {"bye-state-1"}}.Encode())
	if resp.StatusCode != 303 || resp.Header.Get("Location") != bye+"?state=bye-state-1" {
		t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = b.get(party.conf.AuthCodeURL("state-2234567890", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none")))
	if loc, _ := url.Parse(resp.Header.Get("Location")); loc.Query().Get("error") != "login_required" {
		t.Fatalf("after logout prompt=none: %s", loc)
	}
	// Without a hint and with no session left to end: the signed-out page
	// (the confirmation page, when a session is live, is checked in
	// conformance_logout_test.go).
	resp, body := b.get(d.EndSession)
	if resp.StatusCode != 200 || !strings.Contains(body, "You are signed out.") {
		t.Fatalf("logout without hint: %d", resp.StatusCode)
	}
}

// TestWebFinger names Sigil as the issuer of the domains it serves, and the
// CLI prints the record a domain owner sets.
func TestWebFinger(t *testing.T) {
	in := startSigil(t)
	const issuerRel = "http://openid.net/specs/connect/1.0/issuer"
	st, jrd, h := getJSON(t, in.Issuer+"/.well-known/webfinger?"+url.Values{"resource": {"alice.crypto"}, "rel": {issuerRel}}.Encode())
	links, _ := jrd["links"].([]any)
	if st != 200 || jrd["subject"] != "alice.crypto" || len(links) != 1 || h.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("webfinger: %d %v", st, jrd)
	}
	if l := links[0].(map[string]any); l["rel"] != issuerRel || l["href"] != in.Issuer {
		t.Fatalf("link %v", l)
	}
	if st, jrd, _ := getJSON(t, in.Issuer+"/.well-known/webfinger?"+url.Values{"resource": {"acct:me@Alice.Crypto"}}.Encode()); st != 200 || jrd["subject"] != "acct:me@Alice.Crypto" {
		t.Fatalf("acct resource: %d %v", st, jrd)
	}
	if st, body, _ := getJSON(t, in.Issuer+"/.well-known/webfinger?resource=nobody.crypto"); st != 404 || body["error"] != "not_found" {
		t.Fatalf("unknown domain: %d %v", st, body)
	}
	if st, body, _ := getJSON(t, in.Issuer+"/.well-known/webfinger"); st != 400 || body["error"] != "invalid_request" {
		t.Fatalf("no resource: %d %v", st, body)
	}
	out, err := exec.Command(sigilBin, "webfinger-record", "Alice.Crypto", "--issuer", in.Issuer, "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]string
	json.Unmarshal(out, &rec)
	var value struct {
		URI string `json:"uri"`
	}
	json.Unmarshal([]byte(rec["value"]), &value)
	if rec["key"] != "webfinger.."+issuerRel || !strings.HasPrefix(value.URI, in.Issuer+"/.well-known/webfinger?") {
		t.Fatalf("record %v", rec)
	}
	// The value leads to the JRD that names this issuer.
	st, jrd, _ = getJSON(t, value.URI)
	if st != 200 || jrd["subject"] != "alice.crypto" {
		t.Fatalf("following the record: %d %v", st, jrd)
	}
}

// TestNoRefreshTokenWithoutOffline: a client registered for refresh tokens
// gets none unless the offline scopes were granted.
func TestNoRefreshTokenWithoutOffline(t *testing.T) {
	in := startSigil(t)
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "scope": "openid wallet offline_access",
		"grant_types": []string{"authorization_code", "refresh_token"}})
	code, verifier, _ := codeFor(t, in, id, []string{"openid", "wallet"})
	st, tok, _ := postToken(t, in, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "code_verifier": {verifier}}, id, secret)
	if st != 200 || tok["refresh_token"] != nil {
		t.Fatalf("online grant: %d %v", st, tok)
	}
}
