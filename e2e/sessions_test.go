package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// person is a browser signed in as alice.crypto to a confidential client
// (remembered consent, offline_access), with the tokens that sign-in gave.
type person struct {
	in     *instance
	party  *rp
	id     string
	secret string
	b      *browser
	tok    *oauth2.Token
	// idToken is the ID token of the sign-in, the id_token_hint of logout.
	idToken string
	// bye is the client's registered post_logout_redirect_uri; byeQuery
	// another, registered with a query.
	bye, byeQuery string
}

// signInPerson registers a client on in and signs alice in with a new
// browser.
func signInPerson(t *testing.T, in *instance) *person {
	t.Helper()
	p := &person{in: in, bye: "https://rp.example/bye", byeQuery: "https://rp.example/bye?from=sigil"}
	p.id, p.secret = in.createClient(t, map[string]any{
		"redirect_uris": []string{testRedirect}, "post_logout_redirect_uris": []string{p.bye, p.byeQuery},
		"scope": "openid wallet offline_access", "grant_types": []string{"authorization_code", "refresh_token"},
	})
	p.party = newRP(t, in, p.id, p.secret, testRedirect, "openid", "wallet", "offline_access")
	p.b = newBrowser(t, in.Issuer)
	p.tok = p.signIn(t, p.b, "alice.crypto")
	p.idToken, _ = p.tok.Extra("id_token").(string)
	return p
}

// signIn signs domain in with browser b (a new flow, remembered consent)
// and exchanges the code.
func (p *person) signIn(t *testing.T, b *browser, domain string) *oauth2.Token {
	t.Helper()
	return p.signInWith(t, b, domain, true)
}

// signInWith is signIn; remember says whether the consent, when asked, is
// remembered.
func (p *person) signInWith(t *testing.T, b *browser, domain string, remember bool) *oauth2.Token {
	t.Helper()
	key := p.in.Alice
	if domain == "bob.crypto" {
		key = p.in.Bob
	}
	verifier := oauth2.GenerateVerifier()
	flow := b.authorize(p.party.conf.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier)))
	_, st, v := b.signIn(flow, domain, key)
	if st != 200 {
		t.Fatalf("verify: %d %v", st, v)
	}
	to, _ := v["redirect_to"].(string)
	if !strings.HasPrefix(to, testRedirect) { // consent not remembered yet
		st, acc := b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet", "offline_access"}, "remember": remember})
		if st != 200 {
			t.Fatalf("accept: %d %v", st, acc)
		}
		to = acc["redirect_to"].(string)
	}
	tok, err := p.party.conf.Exchange(ctx(t), b.redirectParams(to, "query").Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// promptNone sends an authorization request with prompt=none from b and
// returns the parameters of the redirect back to the client.
func (p *person) promptNone(t *testing.T, b *browser, extra ...oauth2.AuthCodeOption) url.Values {
	t.Helper()
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("prompt", "none")}, extra...)
	resp, body := b.get(p.party.conf.AuthCodeURL("state-none-0123", opts...))
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil || !strings.HasPrefix(loc.String(), testRedirect) {
		t.Fatalf("prompt=none: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	return loc.Query()
}

// wantSignedIn checks that b's session answers prompt=none with a code.
func (p *person) wantSignedIn(t *testing.T, b *browser, what string) {
	t.Helper()
	if q := p.promptNone(t, b); q.Get("code") == "" {
		t.Fatalf("%s: prompt=none answered %v, want a code (the session should be live)", what, q)
	}
}

// wantSignedOut checks that b's session no longer answers prompt=none.
func (p *person) wantSignedOut(t *testing.T, b *browser, what string) {
	t.Helper()
	if q := p.promptNone(t, b); q.Get("error") != "login_required" {
		t.Fatalf("%s: prompt=none answered %v, want login_required", what, q)
	}
}

// copyBrowser is a second browser holding a copy of b's cookies, as a
// stolen or synced cookie store would.
func copyBrowser(t *testing.T, b *browser) *browser {
	t.Helper()
	u, _ := url.Parse(b.issuer)
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(u, b.client.Jar.Cookies(u))
	c := newBrowser(t, b.issuer)
	c.client.Jar = jar
	return c
}

// sessionsOf lists subject's live sessions through the admin API of in.
func sessionsOf(t *testing.T, in *instance, subject string) []map[string]any {
	t.Helper()
	st, body := in.adminDo(t, "GET", "/admin/subjects/"+url.PathEscape(subject)+"/sessions", nil)
	var out struct {
		Sessions []map[string]any `json:"sessions"`
	}
	if st != 200 || json.Unmarshal(body, &out) != nil || out.Sessions == nil {
		t.Fatalf("list sessions: %d %s", st, body)
	}
	return out.Sessions
}

// TestSessionCopiedCookieStopsAfterLogout: RP-initiated logout ends the
// session record, so a copy of the session cookie in another browser stops
// working at once, where before it stayed valid until it expired.
func TestSessionCopiedCookieStopsAfterLogout(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	thief := copyBrowser(t, p.b)
	p.wantSignedIn(t, thief, "the copied cookie before logout")

	resp, _ := p.b.get(in.Issuer + "/oauth2/sessions/logout?" + url.Values{"id_token_hint": {p.idToken}, "post_logout_redirect_uri": {p.bye}, "state": {"bye-0123456789"}}.Encode())
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != p.bye+"?state=bye-0123456789" {
		t.Fatalf("logout: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	p.wantSignedOut(t, thief, "the copied cookie after logout")
	p.wantSignedOut(t, p.b, "the browser that signed out")
	if s := sessionsOf(t, in, "alice.crypto"); len(s) != 0 {
		t.Fatalf("sessions after logout: %v", s)
	}
}

// TestSessionAdminRevocationOnSecondNode: an operator ends a session
// through node B's admin API; the browser's cookie stops working on node A
// at once (the record, not the node, decides), and the applications the
// session signed in to are listed in it first.
func TestSessionAdminRevocationOnSecondNode(t *testing.T) {
	a, b := twoNodes(t)
	p := signInPerson(t, a)
	p.wantSignedIn(t, p.b, "before revocation")

	list := sessionsOf(t, b, "Alice.Crypto") // normalised like a sign-in
	if len(list) != 1 {
		t.Fatalf("node B lists %d sessions, want 1: %v", len(list), list)
	}
	s := list[0]
	clients, _ := s["clients"].([]any)
	if s["subject"] != "alice.crypto" || len(clients) != 1 || clients[0] != p.id || s["sid"] == "" {
		t.Fatalf("session %v: want alice.crypto signed in to %s", s, p.id)
	}
	sid := s["sid"].(string)
	var claims struct {
		SID string `json:"sid"`
	}
	idt, err := p.party.verifier.Verify(ctx(t), p.idToken)
	if err != nil || idt.Claims(&claims) != nil || claims.SID != sid {
		t.Fatalf("the ID token's sid %q is not the session's %q (%v)", claims.SID, sid, err)
	}

	if st, body := b.adminDo(t, "DELETE", "/admin/sessions/"+url.PathEscape(sid), nil); st != http.StatusNoContent {
		t.Fatalf("DELETE session on node B: %d %s", st, body)
	}
	p.wantSignedOut(t, p.b, "node A after node B ended the session")
	if st, body := b.adminDo(t, "DELETE", "/admin/sessions/"+url.PathEscape(sid), nil); st != http.StatusNotFound || !strings.Contains(string(body), `"not_found"`) {
		t.Fatalf("DELETE the ended session again: %d %s, want 404 not_found", st, body)
	}
	if st, body := a.adminDo(t, "DELETE", "/admin/subjects/alice.crypto/sessions", nil); st != http.StatusNotFound {
		t.Fatalf("DELETE every session when none is live: %d %s, want 404", st, body)
	}

	// Sign out everywhere: two browsers, both end.
	p.tok = p.signIn(t, p.b, "alice.crypto")
	other := newBrowser(t, a.Issuer)
	p.signIn(t, other, "alice.crypto")
	bob := newBrowser(t, a.Issuer)
	p.signIn(t, bob, "bob.crypto")
	if n := len(sessionsOf(t, a, "alice.crypto")); n != 2 {
		t.Fatalf("%d live sessions of alice, want 2", n)
	}
	if st, body := b.adminDo(t, "DELETE", "/admin/subjects/alice.crypto/sessions", nil); st != http.StatusNoContent {
		t.Fatalf("DELETE every session: %d %s", st, body)
	}
	p.wantSignedOut(t, p.b, "first browser after sign-out everywhere")
	p.wantSignedOut(t, other, "second browser after sign-out everywhere")
	p.wantSignedIn(t, bob, "bob, whose session is his own")

	for _, bad := range []string{"/admin/subjects/not%20a%20domain/sessions", "/admin/subjects/..%2F/sessions"} {
		if st, body := a.adminDo(t, "GET", bad, nil); st != http.StatusBadRequest && st != http.StatusNotFound {
			t.Errorf("GET %s: %d %s, want a catalogue 400 or 404", bad, st, body)
		}
	}
}

// TestSessionConsentRevocationRevokesTokens: revoking the consent (admin
// API) also revokes what was issued under it: the access token fails at
// userinfo and introspection, the refresh token at the token endpoint, and
// the next prompt=none must ask again.
func TestSessionConsentRevocationRevokesTokens(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	if st := userinfoStatus(t, in, "Bearer "+p.tok.AccessToken); st != 200 {
		t.Fatalf("userinfo before: %d", st)
	}
	if p.tok.RefreshToken == "" {
		t.Fatal("no refresh token")
	}
	st, body := in.adminDo(t, "GET", "/admin/subjects/alice.crypto/consents", nil)
	if st != 200 || !strings.Contains(string(body), `"client_id":"`+p.id+`"`) || !strings.Contains(string(body), "offline_access") {
		t.Fatalf("consents: %d %s", st, body)
	}

	path := "/admin/subjects/alice.crypto/consents/" + url.PathEscape(p.id)
	if st, body := in.adminDo(t, "DELETE", path, nil); st != http.StatusNoContent {
		t.Fatalf("revoke consent: %d %s", st, body)
	}
	if st := userinfoStatus(t, in, "Bearer "+p.tok.AccessToken); st != http.StatusUnauthorized {
		t.Errorf("userinfo after revocation: %d, want 401", st)
	}
	intro, ibody, _ := postIntrospect(t, in, p.id, p.secret, p.tok.AccessToken)
	if intro != 200 || ibody["active"] != false {
		t.Errorf("introspection after revocation: %d %v, want active false", intro, ibody)
	}
	st, tb, _ := postToken(t, in, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {p.tok.RefreshToken}}, p.id, p.secret)
	if st != 400 || tb["error"] != "invalid_grant" {
		t.Errorf("refresh after revocation: %d %v, want invalid_grant", st, tb)
	}
	if st, body := in.adminDo(t, "DELETE", path, nil); st != http.StatusNotFound || !strings.Contains(string(body), `"not_found"`) {
		t.Errorf("revoke again: %d %s, want 404 not_found", st, body)
	}
	if st, body := in.adminDo(t, "GET", "/admin/subjects/alice.crypto/consents", nil); st != 200 || string(body) != "{\"consents\":[]}\n" {
		t.Errorf("consents after revocation: %d %s", st, body)
	}
	// The session itself lives on; the consent must be asked again.
	if q := p.promptNone(t, p.b); q.Get("error") != "consent_required" {
		t.Errorf("prompt=none after revocation: %v, want consent_required", q)
	}
}

// postIntrospect introspects token at the public endpoint as the client.
func postIntrospect(t *testing.T, in *instance, id, secret, token string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("POST", in.Issuer+"/oauth2/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, resp.Header
}

// statementsNow reads sigil_store_statements_total from in's admin
// listener.
func statementsNow(t *testing.T, in *instance) int {
	t.Helper()
	resp, err := http.Get(in.Admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "sigil_store_statements_total "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatal(err)
			}
			return int(f)
		}
	}
	t.Fatal("sigil_store_statements_total is missing")
	return 0
}

// TestSessionStatementBudget: the session row costs the first sign-in one
// INSERT (at most 8 statements through the API with the client cache warm,
// docs/benchmarks.md), and single sign-on none: ResumeSession checks the
// session, records the client and reads the consent in the one statement
// that GetConsent was.
func TestSessionStatementBudget(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in) // also warms the client cache
	// bob has not consented yet: authorize, challenge, verify (with the
	// session's INSERT), accept, token: the bench's "first" flow.
	b := newBrowser(t, in.Issuer)
	before := statementsNow(t, in)
	p.signInWith(t, b, "bob.crypto", false)
	if n := statementsNow(t, in) - before; n > 8 {
		t.Errorf("a first sign-in sent %d statements, want at most 8", n)
	}
	// The costliest first sign-in: consent remembered (SaveConsent), in
	// another browser. The challenge costs no read: the flow id proves its
	// browser (secret.NewFlowID).
	before = statementsNow(t, in)
	p.signInWith(t, newBrowser(t, in.Issuer), "bob.crypto", true)
	if n := statementsNow(t, in) - before; n > 8 {
		t.Errorf("a first sign-in that remembers consent sent %d statements, want at most 8", n)
	}
	verifier := oauth2.GenerateVerifier()
	before = statementsNow(t, in)
	resp, _ := p.b.get(p.party.conf.AuthCodeURL("state-sso-01234", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none")))
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if _, err := p.party.conf.Exchange(ctx(t), loc.Query().Get("code"), oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("SSO exchange: %v", err)
	}
	if n := statementsNow(t, in) - before; n > 4 {
		t.Errorf("single sign-on and its exchange sent %d statements, want at most 4", n)
	}
}

// TestAccountPage: /account signs the person in through the ordinary
// wallet login (no consent asked: the page is first-party), lists the
// connected applications and live sessions, disconnects an application
// (its tokens stop working) and signs out everywhere; forged forms do
// nothing.
func TestAccountPage(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)

	// A new browser: /account starts a sign-in for the account client.
	b := newBrowser(t, in.Issuer)
	resp, _ := b.get(in.Issuer + "/account")
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc.Path != "/oauth2/auth" || loc.Query().Get("client_id") != "sigil-account" {
		t.Fatalf("/account without a session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	flow := b.authorize(loc.String())
	_, st, v := b.signIn(flow, "alice.crypto", in.Alice)
	to, _ := v["redirect_to"].(string)
	if st != 200 || !strings.HasPrefix(to, in.Issuer+"/account/callback?code=") {
		t.Fatalf("verify: %d %v, want the account callback at once (no consent)", st, v)
	}
	resp, _ = b.get(to)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != in.Issuer+"/account" {
		t.Fatalf("callback: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := b.get(in.Issuer + "/account")
	if resp.StatusCode != 200 || !strings.Contains(body, "alice.crypto") || !strings.Contains(body, p.id) ||
		strings.Count(body, "this browser") != 1 || !strings.Contains(body, "Sign out everywhere") {
		t.Fatalf("account page: %d %.2000s", resp.StatusCode, body)
	}
	if strings.Contains(body, `name="client_id" value="sigil-account"`) {
		t.Error("the account page lists its own client")
	}
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(body)
	if csrf == nil {
		t.Fatal("no csrf field")
	}
	post := func(b *browser, path string, form url.Values) (*http.Response, string) {
		req, _ := http.NewRequest("POST", in.Issuer+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp, string(raw)
	}
	// Forgeries: no token, a wrong one, and the right one from a browser
	// without the session (a cross-site POST carries no Lax cookie).
	for name, f := range map[string]struct {
		b    *browser
		form url.Values
	}{
		"no token":        {b, url.Values{"client_id": {p.id}}},
		"wrong token":     {b, url.Values{"client_id": {p.id}, "csrf": {forgedToken(csrf[1])}}},
		"no session":      {newBrowser(t, in.Issuer), url.Values{"client_id": {p.id}, "csrf": {csrf[1]}}},
		"another session": {p.b, url.Values{"client_id": {p.id}, "csrf": {csrf[1]}}},
	} {
		resp, _ := post(f.b, "/account/apps/disconnect", f.form)
		if resp.StatusCode < 400 {
			t.Errorf("%s: disconnect answered %d", name, resp.StatusCode)
		}
	}
	if st := userinfoStatus(t, in, "Bearer "+p.tok.AccessToken); st != 200 {
		t.Fatalf("a forged disconnect revoked the token: %d", st)
	}

	resp, _ = post(b, "/account/apps/disconnect", url.Values{"client_id": {p.id}, "csrf": {csrf[1]}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "/account?done=disconnected") {
		t.Fatalf("disconnect: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if st := userinfoStatus(t, in, "Bearer "+p.tok.AccessToken); st != http.StatusUnauthorized {
		t.Errorf("userinfo after disconnect: %d, want 401", st)
	}

	// Sign out everywhere: this browser and the person's other one.
	resp, body = post(b, "/account/sessions/end", url.Values{"csrf": {csrf[1]}})
	if resp.StatusCode != 200 || !strings.Contains(body, "You are signed out.") {
		t.Fatalf("sign out everywhere: %d", resp.StatusCode)
	}
	p.wantSignedOut(t, p.b, "the other browser after sign out everywhere")
	if resp, _ := b.get(in.Issuer + "/account"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("/account after sign out everywhere: %d, want a new sign-in", resp.StatusCode)
	}
}

// forgedToken changes the first character of token to another one, so the
// forgery differs from the real token whatever the token starts with.
func forgedToken(token string) string {
	if strings.HasPrefix(token, "x") {
		return "y" + token[1:]
	}
	return "x" + token[1:]
}

// TestConsentAfterSessionEndedIssuesNoCode: a flow parked at the consent
// step (single sign-on with prompt=consent needs no wallet signature) does
// not outlive its session: after the operator ends the person's sessions,
// accepting it is login_required and issues no code; after the operator
// revokes the person's consent to the client, the parked flow is revoked
// with it. Otherwise whoever held the browser's cookies would get fresh
// tokens, and the relying party an ID token naming a session that ended,
// for which no back-channel logout would ever come.
func TestConsentAfterSessionEndedIssuesNoCode(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	park := func(b *browser) string {
		t.Helper()
		resp, body := b.get(p.party.conf.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()),
			oauth2.SetAuthURLParam("prompt", "consent")))
		loc, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || err != nil || loc.Path != "/consent" || loc.Query().Get("flow") == "" {
			t.Fatalf("prompt=consent with a session: %d %q %s, want the consent page", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		return loc.Query().Get("flow")
	}
	accept := func(b *browser, flow string) (int, map[string]any) {
		return b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet", "offline_access"}, "remember": true})
	}

	flow := park(p.b)
	if st, body := in.adminDo(t, "DELETE", "/admin/subjects/alice.crypto/sessions", nil); st != http.StatusNoContent {
		t.Fatalf("end every session: %d %s", st, body)
	}
	st, body := accept(p.b, flow)
	if st != http.StatusBadRequest || body["error"] != "login_required" || body["redirect_to"] != nil {
		t.Fatalf("consent after the session ended: %d %v, want 400 login_required and no code", st, body)
	}

	p.tok = p.signIn(t, p.b, "alice.crypto")
	flow = park(p.b)
	if st, body := in.adminDo(t, "DELETE", "/admin/subjects/alice.crypto/consents/"+url.PathEscape(p.id), nil); st != http.StatusNoContent {
		t.Fatalf("revoke the consent: %d %s", st, body)
	}
	if st, body := accept(p.b, flow); st != http.StatusBadRequest || body["redirect_to"] != nil {
		t.Fatalf("consent after the consent was revoked: %d %v, want 400 and no code", st, body)
	}
	// A flow parked after all that, in the same live session, still works.
	if st, body := accept(p.b, park(p.b)); st != 200 || body["redirect_to"] == nil {
		t.Fatalf("consent with a live session: %d %v", st, body)
	}
}
