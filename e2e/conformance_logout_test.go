package e2e

// The modules of the OpenID Foundation's RP-Initiated Logout OP plan
// (oidcc-rp-initiated-logout-certification-test-plan), one test each, with
// what each module checks: a normal sign-in, then the browser sent to the
// end_session_endpoint with the module's parameters, then, where the module
// logs the person out, an authorization request with prompt=none that must
// answer login_required. Every module sends a 128-character state to check
// that Sigil returns it unchanged. The plan's discovery module
// (oidcc-rp-initiated-logout-discovery-endpoint-verification) is covered by
// TestRPInitiatedLogout's end_session_endpoint check.

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
)

// logoutState is a 128-character state, as the plan's modules send
// (requested_state_length 128).
var logoutState = strings.Repeat("s0-_~", 25) + "end"

// endSession sends b to the end_session_endpoint with q and returns the
// response and its body.
func (p *person) endSession(t *testing.T, b *browser, q url.Values) (*http.Response, string) {
	t.Helper()
	return b.get(p.in.Issuer + "/oauth2/sessions/logout?" + q.Encode())
}

// wantErrorPage checks an error page without a redirect to the client,
// worded for a sign-out.
func wantErrorPage(t *testing.T, what string, resp *http.Response, body, code string) {
	t.Helper()
	if resp.StatusCode < 400 || resp.Header.Get("Location") != "" || !strings.Contains(body, code) {
		t.Fatalf("%s: %d %q, want an error page with %s and no redirect", what, resp.StatusCode, resp.Header.Get("Location"), code)
	}
	if !strings.Contains(body, "Sign-out could not continue") || strings.Contains(body, "Sign-in could not continue") {
		t.Errorf("%s: the error page is not worded for a sign-out", what)
	}
}

// confirmForm reads the hidden fields of the logout confirmation page.
func confirmForm(t *testing.T, resp *http.Response, body string) url.Values {
	t.Helper()
	if resp.StatusCode != 200 || !strings.Contains(body, "Sign out of Sigil?") {
		t.Fatalf("want the confirmation page, got %d: %.300s", resp.StatusCode, body)
	}
	form := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		form.Set(m[1], htmlUnescape(m[2]))
	}
	if form.Get("csrf") == "" {
		t.Fatalf("the confirmation page has no csrf field: %.300s", body)
	}
	return form
}

// postForm posts form to the end_session_endpoint from b, as the
// confirmation page's button does.
func (p *person) postForm(t *testing.T, b *browser, form url.Values) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", p.in.Issuer+"/oauth2/sessions/logout", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestConformance_oidcc_rp_initiated_logout is oidcc-rp-initiated-logout
// (OIDCCRpInitiatedLogout, RP-Initiated Logout OP plan): id_token_hint,
// post_logout_redirect_uri and state; the browser goes to the URI with the
// state unchanged and nothing else, and prompt=none then answers
// login_required.
func TestConformance_oidcc_rp_initiated_logout(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	resp, _ := p.endSession(t, p.b, url.Values{"id_token_hint": {p.idToken}, "post_logout_redirect_uri": {p.bye}, "state": {logoutState}})
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || err != nil || loc.Scheme+"://"+loc.Host+loc.Path != p.bye {
		t.Fatalf("logout: %d %q, want a redirect to %s", resp.StatusCode, resp.Header.Get("Location"), p.bye)
	}
	if q := loc.Query(); q.Get("state") != logoutState || len(q) != 1 {
		t.Fatalf("post-logout redirect parameters %v: want exactly the state (CheckPostLogoutState, CheckForUnexpectedParametersInPostLogoutRedirect)", q)
	}
	p.wantSignedOut(t, p.b, "after logout")
}

// TestConformance_oidcc_rp_initiated_logout_bad_post_logout_redirect_uri is
// oidcc-rp-initiated-logout-bad-post-logout-redirect-uri
// (OIDCCRpInitiatedLogoutBadLogoutRedirectUri): an unregistered URI gets an
// error page, never a redirect, and the session is not ended.
func TestConformance_oidcc_rp_initiated_logout_bad_post_logout_redirect_uri(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	resp, body := p.endSession(t, p.b, url.Values{"id_token_hint": {p.idToken}, "post_logout_redirect_uri": {"https://rp.example/not-registered"}, "state": {logoutState}})
	wantErrorPage(t, "unregistered post_logout_redirect_uri", resp, body, "invalid_request")
	p.wantSignedIn(t, p.b, "after a refused logout")
}

// TestConformance_oidcc_rp_initiated_logout_query_added_to_post_logout_redirect_uri
// is oidcc-rp-initiated-logout-query-added-to-post-logout-redirect-uri
// (OIDCCRpInitiatedLogoutQueryAddedToLogoutRedirectUri): the registered URI
// with "?foo=bar" added is another URI (exact match, section 3): an error
// page. A URI registered with a query keeps it, with state added.
func TestConformance_oidcc_rp_initiated_logout_query_added_to_post_logout_redirect_uri(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	resp, body := p.endSession(t, p.b, url.Values{"id_token_hint": {p.idToken}, "post_logout_redirect_uri": {p.bye + "?foo=bar"}, "state": {logoutState}})
	wantErrorPage(t, "query added", resp, body, "invalid_request")
	p.wantSignedIn(t, p.b, "after a refused logout")

	resp, _ = p.endSession(t, p.b, url.Values{"id_token_hint": {p.idToken}, "post_logout_redirect_uri": {p.byeQuery}, "state": {"st-01234567"}})
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("from") != "sigil" || loc.Query().Get("state") != "st-01234567" {
		t.Fatalf("a URI registered with a query: %d %q, want its query kept and state added", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestConformance_oidcc_rp_initiated_logout_modified_id_token_hint is
// oidcc-rp-initiated-logout-modified-id-token-hint
// (OIDCCRpInitiatedLogoutModifiedIdTokenHint): the ID token changed to alg
// none (signature dropped) is refused with an error page, and nothing ends.
func TestConformance_oidcc_rp_initiated_logout_modified_id_token_hint(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	parts := strings.Split(p.idToken, ".")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	resp, body := p.endSession(t, p.b, url.Values{"id_token_hint": {none}, "post_logout_redirect_uri": {p.bye}, "state": {logoutState}})
	wantErrorPage(t, "alg none hint", resp, body, "invalid_request")
	p.wantSignedIn(t, p.b, "after an alg none hint")
}

// TestConformance_oidcc_rp_initiated_logout_bad_id_token_hint is
// oidcc-rp-initiated-logout-bad-id-token-hint
// (OIDCCRpInitiatedLogoutBadIdTokenHint): an ID token with Sigil's claims
// but signed by the tester's own key is refused with an error page.
func TestConformance_oidcc_rp_initiated_logout_bad_id_token_hint(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "tester"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	payload := strings.Split(p.idToken, ".")[1]
	claims, _ := base64.RawURLEncoding.DecodeString(payload)
	var c map[string]any
	_ = json.Unmarshal(claims, &c)
	c["exp"] = time.Now().Add(time.Hour).Unix()
	raw, _ := json.Marshal(c)
	jws, err := signer.Sign(raw)
	if err != nil {
		t.Fatal(err)
	}
	fake, _ := jws.CompactSerialize()
	resp, body := p.endSession(t, p.b, url.Values{"id_token_hint": {fake}, "post_logout_redirect_uri": {p.bye}, "state": {logoutState}})
	wantErrorPage(t, "hint signed by another key", resp, body, "invalid_request")
	p.wantSignedIn(t, p.b, "after a foreign hint")
}

// TestConformance_oidcc_rp_initiated_logout_no_id_token_hint is
// oidcc-rp-initiated-logout-no-id-token-hint
// (OIDCCRpInitiatedLogoutNoIdTokenHint): post_logout_redirect_uri and state
// without id_token_hint name no client, so Sigil must not redirect: it
// shows an error page, and the session lives on.
func TestConformance_oidcc_rp_initiated_logout_no_id_token_hint(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	resp, body := p.endSession(t, p.b, url.Values{"post_logout_redirect_uri": {p.bye}, "state": {logoutState}})
	wantErrorPage(t, "no hint", resp, body, "invalid_request")
	p.wantSignedIn(t, p.b, "after a logout request without hint")
}

// TestConformance_oidcc_rp_initiated_logout_no_params is
// oidcc-rp-initiated-logout-no-params (OIDCCRpInitiatedLogoutNoParams): no
// parameters at all. Any site could send the browser here, so the GET only
// asks; the confirming POST, with its token, logs the person out.
func TestConformance_oidcc_rp_initiated_logout_no_params(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	resp, body := p.endSession(t, p.b, nil)
	form := confirmForm(t, resp, body)
	if !strings.Contains(body, "alice.crypto") {
		t.Error("the confirmation page does not name the person")
	}
	p.wantSignedIn(t, p.b, "after the GET (nothing happens before the person confirms)")
	resp, body = p.postForm(t, p.b, form)
	if resp.StatusCode != 200 || resp.Header.Get("Location") != "" || !strings.Contains(body, "You are signed out.") {
		t.Fatalf("confirming: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	p.wantSignedOut(t, p.b, "after confirming")
}

// TestConformance_oidcc_rp_initiated_logout_no_post_logout_redirect_uri is
// oidcc-rp-initiated-logout-no-post-logout-redirect-uri
// (OIDCCRpInitiatedLogoutNoPostLogoutRedirectUri): a valid hint without a
// URI logs out at once and shows the signed-out page.
func TestConformance_oidcc_rp_initiated_logout_no_post_logout_redirect_uri(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	resp, body := p.endSession(t, p.b, url.Values{"id_token_hint": {p.idToken}, "state": {logoutState}})
	if resp.StatusCode != 200 || resp.Header.Get("Location") != "" || !strings.Contains(body, "You are signed out.") {
		t.Fatalf("logout without a URI: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	p.wantSignedOut(t, p.b, "after logout")
}

// TestConformance_oidcc_rp_initiated_logout_no_state is
// oidcc-rp-initiated-logout-no-state (OIDCCRpInitiatedLogoutNoState):
// without state, the redirect carries no state.
func TestConformance_oidcc_rp_initiated_logout_no_state(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	resp, _ := p.endSession(t, p.b, url.Values{"id_token_hint": {p.idToken}, "post_logout_redirect_uri": {p.bye}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != p.bye {
		t.Fatalf("logout without state: %d %q, want exactly %s", resp.StatusCode, resp.Header.Get("Location"), p.bye)
	}
	p.wantSignedOut(t, p.b, "after logout")
}

// TestConformance_oidcc_rp_initiated_logout_only_state is
// oidcc-rp-initiated-logout-only-state (OIDCCRpInitiatedLogoutOnlyState):
// only state: the person confirms, is logged out, and is not redirected
// (there is no URI to send the state to).
func TestConformance_oidcc_rp_initiated_logout_only_state(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	resp, body := p.endSession(t, p.b, url.Values{"state": {logoutState}})
	form := confirmForm(t, resp, body)
	p.wantSignedIn(t, p.b, "before confirming")
	resp, body = p.postForm(t, p.b, form)
	if resp.StatusCode != 200 || resp.Header.Get("Location") != "" || !strings.Contains(body, "You are signed out.") {
		t.Fatalf("confirming: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	p.wantSignedOut(t, p.b, "after confirming")
}

// TestLogoutHintOfAnotherPersonAsks: an ID token Sigil signed for another
// person (or another session) does not end this browser's session: the
// person is asked, and only their confirmation ends it (then the browser
// goes to the registered URI with state, the client being identified).
func TestLogoutHintOfAnotherPersonAsks(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	bobs := p.signIn(t, newBrowser(t, in.Issuer), "bob.crypto").Extra("id_token").(string)
	resp, body := p.endSession(t, p.b, url.Values{"id_token_hint": {bobs}, "post_logout_redirect_uri": {p.bye}, "state": {"st-bob-0123"}})
	form := confirmForm(t, resp, body)
	p.wantSignedIn(t, p.b, "after another person's hint")
	// An older ID token of alice from another session (another sid) asks
	// too.
	other := newBrowser(t, in.Issuer)
	oldHint := p.signIn(t, other, "alice.crypto").Extra("id_token").(string)
	resp, body = p.endSession(t, p.b, url.Values{"id_token_hint": {oldHint}})
	confirmForm(t, resp, body)
	p.wantSignedIn(t, p.b, "after a hint of another session")
	p.wantSignedIn(t, other, "the hint's own session, which this browser does not hold")

	if form.Get("post_logout_redirect_uri") != p.bye || form.Get("state") != "st-bob-0123" || form.Get("client_id") != p.id {
		t.Fatalf("the confirmation form carries %v", form)
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self'") {
		t.Errorf("CSP %q", csp)
	}
	resp, _ = p.postForm(t, p.b, form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != p.bye+"?state=st-bob-0123" {
		t.Fatalf("confirming: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	p.wantSignedOut(t, p.b, "after confirming")
	p.wantSignedIn(t, other, "alice's other browser, a session of its own")
}

// TestLogoutConfirmationCSRF: the confirming POST needs the token of this
// very session. A forged form (no token, a wrong one, one from another
// session) and a GET carrying the token end nothing; a cross-site POST,
// which SameSite=Lax sends without the cookies, has nothing to end.
func TestLogoutConfirmationCSRF(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	other := newBrowser(t, in.Issuer)
	p.signIn(t, other, "alice.crypto")
	resp, body := p.endSession(t, other, nil)
	othersToken := confirmForm(t, resp, body).Get("csrf")
	resp, body = p.endSession(t, p.b, nil)
	mine := confirmForm(t, resp, body).Get("csrf")
	if mine == othersToken {
		t.Fatal("two sessions got the same token")
	}
	for name, form := range map[string]url.Values{
		"wrong token":             {"csrf": {"AAAA" + mine[4:]}},
		"another session's token": {"csrf": {othersToken}},
		"empty token":             {"csrf": {""}},
	} {
		resp, body := p.postForm(t, p.b, form)
		wantErrorPage(t, name, resp, body, "request_forbidden")
		p.wantSignedIn(t, p.b, "after a POST with "+name)
	}
	// Without a token the POST is an ordinary logout request: it asks.
	resp, body = p.postForm(t, p.b, url.Values{})
	confirmForm(t, resp, body)
	// The token on a GET does not count.
	resp, body = p.endSession(t, p.b, url.Values{"csrf": {mine}})
	wantErrorPage(t, "token on a GET", resp, body, "request_forbidden")
	p.wantSignedIn(t, p.b, "after the forgeries")
	// A cross-site form post arrives without the session cookie
	// (SameSite=Lax): there is no session to end.
	stranger := newBrowser(t, in.Issuer)
	resp, body = p.postForm(t, stranger, url.Values{"csrf": {mine}})
	if resp.StatusCode != 200 || !strings.Contains(body, "You are signed out.") {
		t.Fatalf("cookieless POST: %d", resp.StatusCode)
	}
	p.wantSignedIn(t, p.b, "after a cookieless POST with the token")
}

// TestLogoutWithClientIDOnly: client_id names the client without a hint,
// so after the person confirms, the browser may go to the registered URI
// with state (RP-Initiated Logout section 3).
func TestLogoutWithClientIDOnly(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	resp, body := p.endSession(t, p.b, url.Values{"client_id": {p.id}, "post_logout_redirect_uri": {p.bye}, "state": {"st-cid-0123"}})
	form := confirmForm(t, resp, body)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://rp.example") {
		t.Errorf("CSP %q: the form's redirect must be allowed", csp)
	}
	p.wantSignedIn(t, p.b, "before confirming")
	resp, _ = p.postForm(t, p.b, form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != p.bye+"?state=st-cid-0123" {
		t.Fatalf("confirming: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	p.wantSignedOut(t, p.b, "after confirming")
}

// TestLogoutWithExpiredHint: an expired ID token is still a valid
// id_token_hint (RP-Initiated Logout section 2: the OP should accept it
// even when its exp has passed), since a relying party's copy of the ID
// token is usually old by the time the person signs out.
func TestLogoutWithExpiredHint(t *testing.T) {
	in := startSigil(t, "--id-token-lifetime", "10s")
	p := signInPerson(t, in)
	time.Sleep(11 * time.Second)
	if _, err := p.party.verifier.Verify(ctx(t), p.idToken); err == nil {
		t.Fatal("the ID token has not expired yet")
	}
	resp, _ := p.endSession(t, p.b, url.Values{"id_token_hint": {p.idToken}, "post_logout_redirect_uri": {p.bye}, "state": {"st-old-0123"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != p.bye+"?state=st-old-0123" {
		t.Fatalf("logout with an expired hint: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	p.wantSignedOut(t, p.b, "after logout")
}

// TestSignInAgainKeepsTheBrowsersSession: signing in again in the same
// browser as the same person (prompt=login, which @uauth/js sends by
// default) renews the browser's session: the new ID tokens, for the same
// relying party and for another, carry the same sid, the browser keeps
// one live session listing both, and a logout with the first sign-in's ID
// token as the hint ends it at once. Before, each sign-in opened a session
// of its own and left the older one live: the older relying party's hint
// named a session the browser no longer held, and the end_session_endpoint
// redirected without ending it. Another browser's session, and another
// person signing in on this browser, keep sessions of their own.
func TestSignInAgainKeepsTheBrowsersSession(t *testing.T) {
	in := startSigil(t)
	first := signInPerson(t, in)
	other := signInPerson(t, in) // another client, in another browser
	sids := func() []string {
		var out []string
		for _, s := range sessionsOf(t, in, "alice.crypto") {
			out = append(out, s["sid"].(string))
		}
		slices.Sort(out)
		return out
	}
	before := sids()
	if len(before) != 2 {
		t.Fatalf("live sessions %v, want one per browser", before)
	}

	again := first.signInAgain(t, first.b)
	inFirstBrowser := *other
	inFirstBrowser.b = first.b
	otherClient := inFirstBrowser.signInAgain(t, first.b)
	for name, tok := range map[string]string{"the same client": again, "another client": otherClient} {
		if sidOf(t, tok) != sidOf(t, first.idToken) {
			t.Errorf("signed in again for %s: sid %s, want the browser's %s", name, sidOf(t, tok), sidOf(t, first.idToken))
		}
	}
	if got := sids(); !slices.Equal(got, before) {
		t.Fatalf("live sessions %v after signing in again, want %v", got, before)
	}
	for _, s := range sessionsOf(t, in, "alice.crypto") {
		if s["sid"] == sidOf(t, first.idToken) && fmt.Sprint(s["clients"]) != fmt.Sprint([]any{first.id, other.id}) {
			t.Errorf("the browser's session lists clients %v, want %s and %s", s["clients"], first.id, other.id)
		}
	}

	// The first sign-in's hint names the browser's session: it ends at
	// once, without a confirmation.
	resp, _ := first.endSession(t, first.b, url.Values{"id_token_hint": {first.idToken}, "post_logout_redirect_uri": {first.bye}, "state": {"st-first-0123"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != first.bye+"?state=st-first-0123" {
		t.Fatalf("logout with the first sign-in's hint: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := sids(); len(got) != 1 || slices.Contains(got, sidOf(t, first.idToken)) {
		t.Fatalf("after the logout: live sessions %v, want only the other browser's", got)
	}
	first.wantSignedOut(t, first.b, "after the logout")
	other.wantSignedIn(t, other.b, "the other browser")

	// Bob signing in on this browser opens a session of his own.
	first.signIn(t, first.b, "bob.crypto")
	if bobs := sessionsOf(t, in, "bob.crypto"); len(bobs) != 1 {
		t.Fatalf("bob's sessions %v", bobs)
	}
}

// signInAgain signs alice in again with b (prompt=login) and returns the
// new ID token.
func (p *person) signInAgain(t *testing.T, b *browser) string {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	flow := b.authorize(p.party.conf.AuthCodeURL("state-again-0123", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "login")))
	_, st, v := b.signIn(flow, "alice.crypto", p.in.Alice)
	if st != 200 {
		t.Fatalf("sign-in again: %d %v", st, v)
	}
	to, _ := v["redirect_to"].(string)
	tok, err := p.party.conf.Exchange(ctx(t), b.redirectParams(to, "query").Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	return tok.Extra("id_token").(string)
}

// sidOf reads the sid of an ID token, unverified.
func sidOf(t *testing.T, idToken string) string {
	t.Helper()
	var c struct {
		Sid string `json:"sid"`
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(idToken, ".")[1])
	if err != nil || json.Unmarshal(payload, &c) != nil || c.Sid == "" {
		t.Fatalf("no sid in the ID token: %v", err)
	}
	return c.Sid
}
