package e2e

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"golang.org/x/oauth2"
)

// TestLoginAPIErrors covers each way the login API refuses a step, and that
// a refused step loses nothing: the flow still completes afterwards.
func TestLoginAPIErrors(t *testing.T) {
	in := startSigil(t)
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "scope": "openid wallet email"})
	v := authParams(id)
	v.Set("scope", "openid wallet email:optional")
	b := newBrowser(t, in.Issuer)
	flow := b.authorize(in.Issuer + "/oauth2/auth?" + v.Encode())

	expect := func(t *testing.T, path string, body any, status int, code string) {
		t.Helper()
		st, out := b.api(path, body)
		if st != status || out["error"] != code || out["error_description"] == "" {
			t.Fatalf("%s %v: got %d %v, want %d %s", path, body, st, out, status, code)
		}
	}
	t.Run("unknown domain", func(t *testing.T) {
		expect(t, "/login/challenge", map[string]any{"flow": flow, "domain": "nobody.crypto"}, 404, "not_found")
	})
	t.Run("invalid domain", func(t *testing.T) {
		expect(t, "/login/challenge", map[string]any{"flow": flow, "domain": "not a domain"}, 400, "invalid_request")
	})
	t.Run("unknown flow", func(t *testing.T) {
		expect(t, "/login/challenge", map[string]any{"flow": "nope", "domain": "alice.crypto"}, 404, "not_found")
	})
	t.Run("verify before challenge", func(t *testing.T) {
		expect(t, "/login/verify", map[string]any{"flow": flow, "signature": "0x" + strings.Repeat("ab", 65)}, 400, "invalid_request")
	})
	t.Run("another browser", func(t *testing.T) {
		other := newBrowser(t, in.Issuer)
		st, out := other.api("/login/challenge", map[string]any{"flow": flow, "domain": "alice.crypto"})
		if st != 403 || out["error"] != "request_forbidden" {
			t.Fatalf("got %d %v, want 403 request_forbidden", st, out)
		}
		if resp, page := other.get(in.Issuer + "/login?flow=" + flow); resp.StatusCode != 403 || !strings.Contains(page, "request_forbidden") {
			t.Fatalf("login page in another browser: %d", resp.StatusCode)
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		resp, err := b.client.Post(in.Issuer+"/login/challenge", "application/x-www-form-urlencoded", strings.NewReader("flow="+flow+"&domain=alice.crypto"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Fatalf("form body accepted: %d", resp.StatusCode)
		}
	})
	t.Run("cross-origin", func(t *testing.T) {
		raw, _ := json.Marshal(map[string]any{"flow": flow, "domain": "alice.crypto"})
		req, _ := http.NewRequest("POST", in.Issuer+"/login/challenge", bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "https://evil.example")
		resp, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Fatalf("cross-origin request: %d, want 403", resp.StatusCode)
		}
	})

	st, ch := b.api("/login/challenge", map[string]any{"flow": flow, "domain": "alice.crypto"})
	if st != 200 {
		t.Fatalf("challenge %d %v", st, ch)
	}
	msg := ch["message"].(string)
	t.Run("wrong wallet", func(t *testing.T) {
		expect(t, "/login/verify", map[string]any{"flow": flow, "signature": sign(t, in.Bob, msg)}, 401, "request_unauthorized")
	})
	t.Run("signature of another message", func(t *testing.T) {
		expect(t, "/login/verify", map[string]any{"flow": flow, "signature": sign(t, in.Alice, msg+" ")}, 401, "request_unauthorized")
	})
	t.Run("malformed signature", func(t *testing.T) {
		expect(t, "/login/verify", map[string]any{"flow": flow, "signature": "0x1234"}, 400, "invalid_request")
	})
	// A signature no account could have made, though the owner's wallet
	// signed: a bad request that says what is wrong, not "sign with the
	// owner's wallet".
	t.Run("signature a wallet library got wrong", func(t *testing.T) {
		good := sign(t, in.Alice, msg)
		raw, _ := hex.DecodeString(good[2:])
		mutate := func(f func([]byte)) string {
			b := append([]byte(nil), raw...)
			f(b)
			return fmt.Sprintf("0x%x", b)
		}
		n := crypto.S256().Params().N
		for name, tc := range map[string]struct{ sig, says string }{
			"high s (EIP-2)": {mutate(func(b []byte) {
				new(big.Int).Sub(n, new(big.Int).SetBytes(b[32:64])).FillBytes(b[32:64])
				b[64] = 55 - b[64] // 27 <-> 28
			}), "N/2"},
			"EIP-155 v": {mutate(func(b []byte) { b[64] = 37 }), "recovery id v is 37"},
			"66 bytes":  {good + "00", "66 bytes, want 65"},
		} {
			st, out := b.api("/login/verify", map[string]any{"flow": flow, "signature": tc.sig})
			desc, _ := out["error_description"].(string)
			if st != 400 || out["error"] != "invalid_request" || !strings.Contains(desc, "malformed") || !strings.Contains(desc, tc.says) {
				t.Errorf("%s: %d %v, want 400 invalid_request saying %q", name, st, out, tc.says)
			}
		}
	})
	t.Run("unknown wallet type", func(t *testing.T) {
		expect(t, "/login/verify", map[string]any{"flow": flow, "signature": sign(t, in.Alice, msg), "wallet_type_hint": "paper"}, 400, "invalid_request")
	})
	t.Run("consent before sign-in", func(t *testing.T) {
		expect(t, "/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet"}}, 400, "invalid_request")
	})

	// After all that, the right signature still works, once.
	sig := sign(t, in.Alice, msg)
	st, out := b.api("/login/verify", map[string]any{"flow": flow, "signature": sig})
	if st != 200 {
		t.Fatalf("verify after refusals: %d %v", st, out)
	}
	t.Run("signature replayed", func(t *testing.T) {
		expect(t, "/login/verify", map[string]any{"flow": flow, "signature": sig}, 400, "invalid_request")
	})
	t.Run("consent missing a required scope", func(t *testing.T) {
		expect(t, "/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid"}}, 400, "invalid_request")
	})
	t.Run("consent with a scope never requested", func(t *testing.T) {
		expect(t, "/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet", "profile"}}, 400, "invalid_scope")
	})
	// Declining the optional scope: the token says what was granted.
	st, acc := b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet"}})
	if st != 200 {
		t.Fatalf("accept: %d %v", st, acc)
	}
	if p := b.redirectParams(acc["redirect_to"].(string), "query"); p.Get("code") == "" {
		t.Fatalf("no code in %v", acc["redirect_to"])
	}
	t.Run("consent twice", func(t *testing.T) {
		expect(t, "/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet"}}, 400, "invalid_request")
	})
}

// TestConsentRejectAndPromptNoneConsent: declining sends access_denied to
// the client; prompt=none with a session but no remembered consent answers
// consent_required.
func TestConsentRejectAndPromptNoneConsent(t *testing.T) {
	in := startSigil(t)
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	b := newBrowser(t, in.Issuer)
	flow := b.authorize(in.Issuer + "/oauth2/auth?" + authParams(id).Encode())
	if _, st, v := b.signIn(flow, "alice.crypto", in.Alice); st != 200 {
		t.Fatalf("verify %d %v", st, v)
	}
	st, rej := b.api("/consent/reject", map[string]any{"flow": flow})
	if st != 200 {
		t.Fatalf("reject %d %v", st, rej)
	}
	p := b.redirectParams(rej["redirect_to"].(string), "query")
	if p.Get("error") != "access_denied" || p.Get("state") != "state-0123456789" || p.Get("iss") != in.Issuer {
		t.Fatalf("reject response %v", p)
	}
	v := authParams(id)
	v.Set("prompt", "none")
	resp, _ := b.get(in.Issuer + "/oauth2/auth?" + v.Encode())
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if loc.Query().Get("error") != "consent_required" {
		t.Fatalf("prompt=none with session, no consent: %s", loc)
	}
}

// TestAdminAPIThroughHTTP: the admin listener needs its token, and invalid
// metadata is refused with the RFC 7591 codes.
func TestAdminAPIThroughHTTP(t *testing.T) {
	in := startSigil(t)
	req, _ := http.NewRequest("GET", in.Admin+"/admin/clients", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if resp.StatusCode != 401 || body["error"] != "request_unauthorized" {
		t.Fatalf("admin without token: %d %v", resp.StatusCode, body)
	}
	for _, tc := range []struct {
		meta map[string]any
		code string
	}{
		{map[string]any{"redirect_uris": []string{"https://rp.example/cb#frag"}}, "invalid_redirect_uri"},
		{map[string]any{"redirect_uris": []string{"http://rp.example/cb"}}, "invalid_redirect_uri"},
		{map[string]any{"redirect_uris": []string{testRedirect}, "token_endpoint_auth_method": "private_key_jwt"}, "invalid_client_metadata"},
	} {
		st, raw := in.adminDo(t, "POST", "/admin/clients", tc.meta)
		var out map[string]any
		json.Unmarshal(raw, &out)
		if st != 400 || out["error"] != tc.code {
			t.Fatalf("%v: %d %s, want 400 %s", tc.meta, st, raw, tc.code)
		}
	}
	// The public listener does not serve the admin API.
	resp, err = http.Get(in.Issuer + "/admin/clients")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("admin API on the public listener: %d", resp.StatusCode)
	}
}

// TestChallengeCookieGrantsNothingAlone: the sealed challenge cookie spares
// the verify step a read, but the write still checks the browser binding;
// and without the cookie, verifying reads the flow instead.
func TestChallengeCookieGrantsNothingAlone(t *testing.T) {
	in := startSigil(t)
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	b := newBrowser(t, in.Issuer)
	flow := b.authorize(in.Issuer + "/oauth2/auth?" + authParams(id).Encode())
	_, ch := b.api("/login/challenge", map[string]any{"flow": flow, "domain": "alice.crypto"})
	sig := sign(t, in.Alice, ch["message"].(string))

	// Another browser holding a copy of the challenge cookie only.
	verifyURL, _ := url.Parse(in.Issuer + "/login/verify")
	thief := newBrowser(t, in.Issuer)
	for _, c := range b.client.Jar.Cookies(verifyURL) {
		if strings.HasPrefix(c.Name, "sigil_ch_") {
			thief.client.Jar.SetCookies(verifyURL, []*http.Cookie{c})
		}
	}
	if st, out := thief.api("/login/verify", map[string]any{"flow": flow, "signature": sig}); st != 403 || out["error"] != "request_forbidden" {
		t.Fatalf("verify with a copied challenge cookie in another browser: %d %v", st, out)
	}
	// The owner's browser without the challenge cookie: verified from the store.
	keep := []*http.Cookie{}
	for _, c := range b.client.Jar.Cookies(verifyURL) {
		if !strings.HasPrefix(c.Name, "sigil_ch_") {
			keep = append(keep, c)
		}
	}
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(verifyURL, keep)
	b.client.Jar = jar
	if st, out := b.api("/login/verify", map[string]any{"flow": flow, "signature": sig}); st != 200 {
		t.Fatalf("verify without the challenge cookie: %d %v", st, out)
	}
}

// TestConsentCookieGrantsNothingAlone: the sealed consent cookie the verify
// step sets spares the consent page its read (no statement) and the accept
// step its read (one statement: the write that issues the code), but
// another browser holding a copy sees no page and accepts nothing; a cookie
// sealed for another flow is not taken for this one's requested scope; and
// without the cookie, the page and the accept read the flow instead.
func TestConsentCookieGrantsNothingAlone(t *testing.T) {
	in := startSigil(t)
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	acceptURL, _ := url.Parse(in.Issuer + "/consent/accept")
	consentCookie := func(b *browser, flow string) *http.Cookie {
		t.Helper()
		for _, c := range b.client.Jar.Cookies(acceptURL) {
			if c.Name == "sigil_cs_"+flow {
				return c
			}
		}
		return nil
	}
	signIn := func(b *browser, scope string) string {
		t.Helper()
		q := authParams(id)
		q.Set("scope", scope)
		flow := b.authorize(in.Issuer + "/oauth2/auth?" + q.Encode())
		_, ch := b.api("/login/challenge", map[string]any{"flow": flow, "domain": "alice.crypto"})
		if st, out := b.api("/login/verify", map[string]any{"flow": flow, "signature": sign(t, in.Alice, ch["message"].(string))}); st != 200 {
			t.Fatalf("verify: %d %v", st, out)
		}
		if consentCookie(b, flow) == nil {
			t.Fatalf("verify set no consent cookie for flow %s", flow)
		}
		return flow
	}
	b, b2 := newBrowser(t, in.Issuer), newBrowser(t, in.Issuer)
	wide := signIn(b, "openid wallet")
	narrow := signIn(b2, "openid")

	// The consent page from the cookie: no statement (the client is
	// cached since the authorization request).
	before := statementsNow(t, in)
	if resp, page := b.get(in.Issuer + "/consent?flow=" + wide); resp.StatusCode != 200 || !strings.Contains(page, "alice.crypto") || !strings.Contains(page, id) {
		t.Fatalf("consent page: %d, want 200 naming alice.crypto and the client:\n%.300s", resp.StatusCode, page)
	}
	if n := statementsNow(t, in) - before; n != 0 {
		t.Errorf("the consent page with the consent cookie sent %d statements, want 0", n)
	}
	// Another browser holding a copy of the consent cookie only: no page
	// (who signs in where is this browser's to see), no code.
	thief := newBrowser(t, in.Issuer)
	thief.client.Jar.SetCookies(acceptURL, []*http.Cookie{consentCookie(b, wide)})
	if resp, page := thief.get(in.Issuer + "/consent?flow=" + wide); resp.StatusCode != 403 || strings.Contains(page, "alice.crypto") {
		t.Fatalf("consent page with a copied consent cookie in another browser: %d\n%.300s", resp.StatusCode, page)
	}
	if st, out := thief.api("/consent/accept", map[string]any{"flow": wide, "grant_scope": []string{"openid", "wallet"}}); st != 403 || out["error"] != "request_forbidden" {
		t.Fatalf("accept with a copied consent cookie in another browser: %d %v", st, out)
	}
	// The wide flow's cookie under the narrow flow's name: its scope is not
	// the narrow flow's, which the store says.
	swapped := *consentCookie(b, wide)
	swapped.Name = "sigil_cs_" + narrow
	b2.client.Jar.SetCookies(acceptURL, []*http.Cookie{&swapped})
	if st, out := b2.api("/consent/accept", map[string]any{"flow": narrow, "grant_scope": []string{"openid", "wallet"}}); st != 400 || out["error"] != "invalid_scope" {
		t.Fatalf("accept of a flow with another flow's consent cookie, granting that flow's scope: %d %v", st, out)
	}
	// The owner's browser with its cookie: one statement, and the cookie
	// is gone after.
	before = statementsNow(t, in)
	if st, out := b.api("/consent/accept", map[string]any{"flow": wide, "grant_scope": []string{"openid", "wallet"}}); st != 200 || !strings.Contains(out["redirect_to"].(string), "code=") {
		t.Fatalf("accept with the consent cookie: %d %v", st, out)
	}
	if n, want := statementsNow(t, in)-before, grantStatements(in); n != want {
		t.Errorf("accept with the consent cookie sent %d statements, want %d (the write that issues the code and records the client in the session)", n, want)
	}
	if consentCookie(b, wide) != nil {
		t.Error("the consent cookie outlived the accepted flow")
	}
	// Without a cookie for it (the swapped one was not this flow's):
	// accepted from the store, a read and the write.
	jar, _ := cookiejar.New(nil)
	for _, c := range b2.client.Jar.Cookies(acceptURL) {
		if !strings.HasPrefix(c.Name, "sigil_cs_") {
			jar.SetCookies(acceptURL, []*http.Cookie{c})
		}
	}
	b2.client.Jar = jar
	before = statementsNow(t, in)
	if resp, _ := b2.get(in.Issuer + "/consent?flow=" + narrow); resp.StatusCode != 200 {
		t.Fatalf("consent page without the consent cookie: %d", resp.StatusCode)
	}
	if n := statementsNow(t, in) - before; n != 1 {
		t.Errorf("the consent page without the consent cookie sent %d statements, want 1 (the read)", n)
	}
	before = statementsNow(t, in)
	if st, out := b2.api("/consent/accept", map[string]any{"flow": narrow, "grant_scope": []string{"openid"}}); st != 200 {
		t.Fatalf("accept without the consent cookie: %d %v", st, out)
	}
	if n, want := statementsNow(t, in)-before, 1+grantStatements(in); n != want {
		t.Errorf("accept without the consent cookie sent %d statements, want %d (read, write)", n, want)
	}
}

// grantStatements is what the write of a consent costs on in's store: one
// statement on PostgreSQL, which issues the code and records the client in
// the session together; two in one transaction on SQLite, whose WITH
// cannot hold an UPDATE.
func grantStatements(in *instance) int {
	if in.DSN != "" && strings.HasPrefix(in.DSN, "postgres") {
		return 1
	}
	return 2
}

// TestReplacedChallengeSaysSo: a signature of a sign-in message that a newer
// challenge replaced (a second click, a corrected domain, while the wallet
// was still signing) is refused saying to sign the latest message: with
// the browser's current cookies (401, not "sign with the owner's wallet" as
// if another wallet had signed), and with the replaced challenge's cookie
// still in hand (400, not "call POST /login/verify first").
func TestReplacedChallengeSaysSo(t *testing.T) {
	in := startSigil(t)
	b := newBrowser(t, in.Issuer)
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "scope": "openid wallet"})
	flow := b.authorize(in.Issuer + "/oauth2/auth?" + authParams(id).Encode())
	st, first := b.api("/login/challenge", map[string]any{"flow": flow, "domain": "alice.crypto"})
	if st != 200 {
		t.Fatalf("first challenge: %d %v", st, first)
	}
	// A second browser tab's view: the first challenge's cookie (scoped
	// to the login API's path) and the browser's own.
	stale := copyBrowser(t, b)
	verifyURL, _ := url.Parse(in.Issuer + "/login/verify")
	stale.client.Jar.SetCookies(verifyURL, b.client.Jar.Cookies(verifyURL))
	oldSig := sign(t, in.Alice, first["message"].(string))
	if st, second := b.api("/login/challenge", map[string]any{"flow": flow, "domain": "alice.crypto"}); st != 200 || second["message"] == first["message"] {
		t.Fatalf("second challenge: %d %v", st, second)
	}

	st, out := b.api("/login/verify", map[string]any{"flow": flow, "signature": oldSig})
	if desc, _ := out["error_description"].(string); st != 401 || out["error"] != "request_unauthorized" || !strings.Contains(desc, "latest message") {
		t.Errorf("the replaced message's signature: %d %v, want 401 saying to sign the latest message", st, out)
	}
	st, out = stale.api("/login/verify", map[string]any{"flow": flow, "signature": oldSig})
	if desc, _ := out["error_description"].(string); st != 400 || !strings.Contains(desc, "newer sign-in message replaced") {
		t.Errorf("the replaced message's signature with its cookie: %d %v, want 400 saying a newer message replaced it", st, out)
	}
}

// TestLoginAPIBodyErrors: a body the login API cannot read is refused
// saying what is wrong in the caller's terms (a field's JSON type, not the
// server's Go types; the size limit; the charset), and loses nothing.
func TestLoginAPIBodyErrors(t *testing.T) {
	in := startSigil(t)
	b := newBrowser(t, in.Issuer)
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "scope": "openid wallet"})
	flow := b.authorize(in.Issuer + "/oauth2/auth?" + authParams(id).Encode())
	post := func(path, contentType, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", in.Issuer+path, strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		resp, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out["error"] != "invalid_request" {
			t.Fatalf("%s %s: %d %v %v, want a JSON invalid_request", path, body, resp.StatusCode, out, err)
		}
		return resp.StatusCode, out["error_description"].(string)
	}
	for _, tc := range []struct{ name, path, ctype, body, says string }{
		{"flow as a number", "/login/challenge", "application/json", `{"flow":1,"domain":"alice.crypto"}`, "field 'flow' must be a string, not a JSON number"},
		{"an array for the object", "/consent/reject", "application/json", `[]`, "the body must be an object, not a JSON array"},
		{"UTF-16", "/login/challenge", "application/json; charset=utf-16", `{"flow":"x"}`, "UTF-8"},
		{"too large", "/login/challenge", "application/json", `{"flow":"` + strings.Repeat("a", 17<<10) + `"}`, "larger than 16 KiB"},
	} {
		st, desc := post(tc.path, tc.ctype, tc.body)
		if st != 400 || !strings.Contains(desc, tc.says) || strings.Contains(desc, "Go ") || strings.Contains(desc, "login.") {
			t.Errorf("%s: %d %q, want 400 saying %q and no Go type", tc.name, st, desc, tc.says)
		}
	}
	// A long value is quoted shortened, never echoed whole.
	if st, out := b.api("/login/challenge", map[string]any{"flow": strings.Repeat("f", 12000), "domain": "alice.crypto"}); st != 404 || len(out["error_description"].(string)) > 1000 {
		t.Errorf("an unknown 12,000-character flow: %d, a description of %d bytes", st, len(out["error_description"].(string)))
	}
	if st, ch := b.api("/login/challenge", map[string]any{"flow": flow, "domain": "alice.crypto"}); st != 200 || ch["message"] == nil {
		t.Fatalf("the flow after the refused bodies: %d %v", st, ch)
	}
}

// TestIDTokenHintHoldsTheSignInToItsPerson: an authorization request whose
// id_token_hint names bob.crypto, answered in a browser with no session,
// refuses a challenge for alice.crypto before anything is signed
// (login_required: OpenID Connect Core section 3.1.2.1 asks for an error
// when another person signs in), and takes bob's.
func TestIDTokenHintHoldsTheSignInToItsPerson(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	bobsIDToken, _ := p.signIn(t, newBrowser(t, in.Issuer), "bob.crypto").Extra("id_token").(string)
	if bobsIDToken == "" {
		t.Fatal("no ID token for bob")
	}
	b := newBrowser(t, in.Issuer)
	flow := b.authorize(p.party.conf.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
		oauth2.SetAuthURLParam("id_token_hint", bobsIDToken)))
	st, out := b.api("/login/challenge", map[string]any{"flow": flow, "domain": "alice.crypto"})
	if st != 400 || out["error"] != "login_required" || out["message"] != nil {
		t.Fatalf("a challenge for alice when the hint names bob: %d %v, want 400 login_required and no message", st, out)
	}
	if st, out := b.api("/login/challenge", map[string]any{"flow": flow, "domain": "bob.crypto"}); st != 200 || out["message"] == nil {
		t.Fatalf("a challenge for bob, whom the hint names: %d %v", st, out)
	}
}
