package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// badTextRequest is one request of TestBadTextAnswersTheCatalogue.
type badTextRequest struct {
	name, method, url, contentType, body string
	// basicUser and basicPass, when basicUser is set, go in an
	// Authorization: Basic header, form-encoded (RFC 6749 section 2.3.1).
	basicUser, basicPass string
	admin                bool
	// status and code are the answer wanted; code is looked for in the
	// body (a JSON error or an error page).
	status int
	code   string
}

// TestBadTextAnswersTheCatalogue: a NUL byte or bytes that are not UTF-8
// in a value that reaches the store as text (PostgreSQL refuses them with
// SQLSTATE 22021, and the handler answered 500 server_error) get the
// catalogue's 4xx on every store, as an unknown value does: the store
// answers that nothing matches. Run with SIGIL_TEST_STORE=postgres for
// PostgreSQL. Nothing is lost: the code used with a bad redirect_uri still
// redeems with the right one.
func TestBadTextAnswersTheCatalogue(t *testing.T) {
	in := startSigil(t)
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "scope": "openid",
		"token_endpoint_auth_method": "client_secret_basic", "post_logout_redirect_uris": []string{"https://rp.example/bye"}})
	code, verifier, _ := codeFor(t, in, id, []string{"openid"})
	const form = "application/x-www-form-urlencoded"
	auth := url.Values{"client_id": {"\x00"}, "redirect_uri": {testRedirect}, "response_type": {"code"}, "scope": {"openid"},
		"code_challenge": {challenge43}, "code_challenge_method": {"S256"}}
	var requests []badTextRequest
	for _, bad := range []string{"\x00", "a\x00b", "\xff", "\xc3"} {
		esc := url.QueryEscape(bad)
		auth.Set("client_id", bad)
		requests = append(requests,
			badTextRequest{name: "token client_id in the form", method: "POST", url: "/oauth2/token", contentType: form,
				body: "grant_type=client_credentials&client_id=" + esc + "&client_secret=x", status: 401, code: "invalid_client"},
			badTextRequest{name: "token client_id in Basic", method: "POST", url: "/oauth2/token", contentType: form,
				body: "grant_type=client_credentials", basicUser: bad, basicPass: "x", status: 401, code: "invalid_client"},
			badTextRequest{name: "token redirect_uri", method: "POST", url: "/oauth2/token", contentType: form,
				body:      "grant_type=authorization_code&code=" + url.QueryEscape(code) + "&code_verifier=" + verifier + "&redirect_uri=" + esc,
				basicUser: id, basicPass: secret, status: 400, code: "invalid_grant"},
			badTextRequest{name: "revoke client_id", method: "POST", url: "/oauth2/revoke", contentType: form,
				body: "token=x", basicUser: bad, basicPass: "x", status: 401, code: "invalid_client"},
			badTextRequest{name: "introspect client_id", method: "POST", url: "/oauth2/introspect", contentType: form,
				body: "token=x&client_id=" + esc + "&client_secret=x", status: 401, code: "invalid_client"},
			badTextRequest{name: "authorize client_id", method: "GET", url: "/oauth2/auth?" + auth.Encode(), status: 401, code: "invalid_client"},
			badTextRequest{name: "logout client_id", method: "GET", url: "/oauth2/sessions/logout?client_id=" + esc, status: 400, code: "invalid_request"},
			badTextRequest{name: "login page flow", method: "GET", url: "/login?flow=" + esc},
			badTextRequest{name: "consent page flow", method: "GET", url: "/consent?flow=" + esc},
			badTextRequest{name: "login challenge flow", method: "POST", url: "/login/challenge", contentType: "application/json",
				body: `{"flow":"` + jsonEscape(bad) + `","domain":"alice.crypto"}`},
			badTextRequest{name: "login verify flow", method: "POST", url: "/login/verify", contentType: "application/json",
				body: `{"flow":"` + jsonEscape(bad) + `","signature":"0x00","wallet_type_hint":"web3"}`},
			badTextRequest{name: "login reverse flow", method: "POST", url: "/login/reverse", contentType: "application/json",
				body: `{"flow":"` + jsonEscape(bad) + `","address":"` + addr(in.Alice) + `"}`},
			badTextRequest{name: "consent accept flow", method: "POST", url: "/consent/accept", contentType: "application/json",
				body: `{"flow":"` + jsonEscape(bad) + `","grant_scope":["openid"]}`},
			badTextRequest{name: "consent reject flow", method: "POST", url: "/consent/reject", contentType: "application/json",
				body: `{"flow":"` + jsonEscape(bad) + `"}`},
			badTextRequest{name: "admin get client", method: "GET", url: "/admin/clients/" + esc, admin: true, status: 404, code: "not_found"},
			badTextRequest{name: "admin replace client", method: "PUT", url: "/admin/clients/" + esc, admin: true, contentType: "application/json",
				body: `{"redirect_uris":["https://rp.example/cb"]}`, status: 404, code: "not_found"},
			badTextRequest{name: "admin delete client", method: "DELETE", url: "/admin/clients/" + esc, admin: true, status: 404, code: "not_found"},
			badTextRequest{name: "admin rotate secret", method: "POST", url: "/admin/clients/" + esc + "/secret", admin: true, status: 404, code: "not_found"},
			badTextRequest{name: "admin end session", method: "DELETE", url: "/admin/sessions/" + esc, admin: true, status: 404, code: "not_found"},
			badTextRequest{name: "admin revoke consent", method: "DELETE", url: "/admin/subjects/alice.crypto/consents/" + esc, admin: true, status: 404, code: "not_found"},
		)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range requests {
		base := in.Issuer
		if tc.admin {
			base = in.Admin
		}
		var body io.Reader
		if tc.body != "" {
			body = strings.NewReader(tc.body)
		}
		req, err := http.NewRequest(tc.method, base+tc.url, body)
		if err != nil {
			t.Fatal(err)
		}
		if tc.contentType != "" {
			req.Header.Set("Content-Type", tc.contentType)
		}
		if tc.basicUser != "" {
			req.SetBasicAuth(url.QueryEscape(tc.basicUser), url.QueryEscape(tc.basicPass))
		}
		if tc.admin {
			req.Header.Set("Authorization", "Bearer "+in.AdminToken)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		where := fmt.Sprintf("%s (%q %q %q)", tc.name, tc.url, tc.body, tc.basicUser)
		switch {
		case resp.StatusCode >= 500 || bytes.Contains(answer, []byte("server_error")):
			t.Errorf("%s: %d %.300s, want the catalogue's 4xx", where, resp.StatusCode, answer)
		case resp.StatusCode < 400:
			t.Errorf("%s: %d %.300s, want an error", where, resp.StatusCode, answer)
		case tc.status != 0 && (resp.StatusCode != tc.status || !bytes.Contains(answer, []byte(tc.code))):
			t.Errorf("%s: %d %.300s, want %d %s", where, resp.StatusCode, answer, tc.status, tc.code)
		}
	}

	// The code is not spent by the requests with a bad redirect_uri.
	party := newRP(t, in, id, secret, testRedirect, "openid")
	if _, err := party.conf.Exchange(ctx(t), code, oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("the code no longer redeems after the refused requests: %v", err)
	}
	if logs := in.logs.String(); strings.Contains(logs, "SQLSTATE") || strings.Contains(logs, "invalid byte sequence") {
		t.Errorf("the store was sent text it cannot hold:\n%s", logs)
	}
}

// jsonEscape is s as the inside of a JSON string, its NUL escaped and its
// other bytes as they are (invalid UTF-8 included, as a client may send).
func jsonEscape(s string) string { return strings.ReplaceAll(s, "\x00", `\u0000`) }

// TestAuthorizeRefusesStateAndNonceThatAreNotText: a state or nonce
// holding a NUL byte or bytes that are not UTF-8 is refused with
// invalid_request at the redirect URI (it was a server_error on
// PostgreSQL, and on SQLite the nonce came back altered, U+FFFD, in the ID
// token). A printable non-ASCII nonce and state still go through and come
// back byte for byte.
func TestAuthorizeRefusesStateAndNonceThatAreNotText(t *testing.T) {
	in := startSigil(t)
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "scope": "openid"})
	b := newBrowser(t, in.Issuer)
	for _, name := range []string{"state", "nonce", "login_hint"} {
		for _, bad := range []string{"abcdefgh\x00", "abcdefgh\xff", "abcdefgh\r\n"} {
			v := authParams(id)
			v.Set(name, bad)
			resp, body := b.get(in.Issuer + "/oauth2/auth?" + v.Encode())
			loc, err := url.Parse(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusSeeOther || err != nil || !strings.HasPrefix(loc.String(), testRedirect+"?") {
				t.Errorf("%s %q: %d %q %.300s, want a redirect to the client", name, bad, resp.StatusCode, resp.Header.Get("Location"), body)
				continue
			}
			if q := loc.Query(); q.Get("error") != "invalid_request" || !strings.Contains(q.Get("error_description"), "must be valid UTF-8 without control characters") {
				t.Errorf("%s %q: answered %v, want invalid_request", name, bad, q)
			}
		}
	}

	// Printable non-ASCII state and nonce: the ID token carries the nonce
	// as sent, and the response the state.
	party := newRP(t, in, id, secret, testRedirect, "openid")
	state, nonce := "\u00e9tat-\u2713-0123456789", "n\u00f6nce-\u65e5\u672c-0123456789"
	verifier := oauth2.GenerateVerifier()
	flow := b.authorize(party.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)))
	if _, st, v := b.signIn(flow, "alice.crypto", in.Alice); st != 200 {
		t.Fatalf("verify %d %v", st, v)
	}
	st, acc := b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid"}})
	if st != 200 {
		t.Fatalf("accept %d %v", st, acc)
	}
	answer := b.redirectParams(acc["redirect_to"].(string), "query")
	if answer.Get("state") != state {
		t.Errorf("state came back as %q, want %q", answer.Get("state"), state)
	}
	tok, err := party.conf.Exchange(ctx(t), answer.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	idToken, err := party.verifier.Verify(ctx(t), tok.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	if idToken.Nonce != nonce {
		t.Errorf("the ID token's nonce is %q, want %q", idToken.Nonce, nonce)
	}
}

// TestSignedUserinfoIsNotALogoutHint: the signed userinfo response of a
// client registered with userinfo_signed_response_alg is a JWT Sigil signs
// with typ JWT, iss, sub and aud, which anyone holding an access token can
// get. As an id_token_hint it ended every session of the person without
// asking (it has no sid, and a hint without sid passed for any session).
// It is not an ID token (no exp, no iat): the end_session_endpoint refuses
// it with invalid_request and ends nothing, and so does the authorization
// endpoint. The current session's own ID token still ends it at once.
func TestSignedUserinfoIsNotALogoutHint(t *testing.T) {
	in := startSigil(t)
	p := &person{in: in, bye: "https://rp.example/bye"}
	p.id, p.secret = in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "post_logout_redirect_uris": []string{p.bye},
		"scope": "openid wallet offline_access", "grant_types": []string{"authorization_code", "refresh_token"},
		"userinfo_signed_response_alg": "RS256"})
	p.party = newRP(t, in, p.id, p.secret, testRedirect, "openid", "wallet", "offline_access")
	p.b = newBrowser(t, in.Issuer)
	p.tok = p.signIn(t, p.b, "alice.crypto")
	p.idToken = p.tok.Extra("id_token").(string)

	// The signed userinfo, from another sign-in of alice in another
	// browser (any access token of hers will do).
	other := newBrowser(t, in.Issuer)
	tok := p.signIn(t, other, "alice.crypto")
	req, _ := http.NewRequest("GET", in.Issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	userinfo := strings.TrimSpace(string(raw))
	if resp.Header.Get("Content-Type") != "application/jwt" || jwtHeader(t, userinfo)["typ"] != "JWT" {
		t.Fatalf("userinfo: %d %q, want a JWT of typ JWT", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var claims map[string]any
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(userinfo, ".")[1])
	if json.Unmarshal(payload, &claims) != nil || claims["sub"] != "alice.crypto" || claims["sid"] != nil || claims["exp"] != nil {
		t.Fatalf("userinfo claims %v", claims)
	}

	resp2, body := p.endSession(t, p.b, url.Values{"id_token_hint": {userinfo}, "post_logout_redirect_uri": {p.bye}, "state": {"st-ui-0123"}})
	wantErrorPage(t, "signed userinfo as the hint", resp2, body, "invalid_request")
	p.wantSignedIn(t, p.b, "after a logout with the signed userinfo as the hint")
	p.wantSignedIn(t, other, "the other browser")

	v := authParams(p.id)
	v.Set("id_token_hint", userinfo)
	resp2, body = p.b.get(in.Issuer + "/oauth2/auth?" + v.Encode())
	if loc, err := url.Parse(resp2.Header.Get("Location")); err != nil || !strings.HasPrefix(loc.String(), testRedirect+"?") || loc.Query().Get("error") != "invalid_request" {
		t.Errorf("authorize with the signed userinfo as id_token_hint: %d %q %.300s, want invalid_request at the redirect URI", resp2.StatusCode, resp2.Header.Get("Location"), body)
	}

	// The session's own ID token ends it at once.
	resp2, _ = p.endSession(t, p.b, url.Values{"id_token_hint": {p.idToken}, "post_logout_redirect_uri": {p.bye}, "state": {"st-id-0123"}})
	if resp2.StatusCode != http.StatusSeeOther || resp2.Header.Get("Location") != p.bye+"?state=st-id-0123" {
		t.Fatalf("logout with the session's ID token: %d %q", resp2.StatusCode, resp2.Header.Get("Location"))
	}
	p.wantSignedOut(t, p.b, "after the logout")
	p.wantSignedIn(t, other, "the other browser, a session of its own")
}

// TestTooManyParametersAtTheEndSessionEndpoint: behind 10,000 parameters,
// which Go's query parser refuses whole, an unregistered
// post_logout_redirect_uri was ignored and the session ended with a
// success page; the request is now refused, invalid_request, and the
// session lives on. The authorization endpoint and WebFinger refuse such a
// query the same way instead of answering for no parameters at all.
func TestTooManyParametersAtTheEndSessionEndpoint(t *testing.T) {
	in := startSigil(t)
	p := signInPerson(t, in)
	padding := strings.Repeat("&p=", 10000)
	resp, body := p.b.get(in.Issuer + "/oauth2/sessions/logout?" + url.Values{"id_token_hint": {p.idToken},
		"post_logout_redirect_uri": {"https://evil.example/"}}.Encode() + padding)
	wantErrorPage(t, "logout with 10,002 parameters", resp, body, "invalid_request")
	if !strings.Contains(body, "too many parameters (at most 10000)") {
		t.Errorf("the logout error page does not say why: %.600s", body)
	}
	p.wantSignedIn(t, p.b, "after the refused logout")

	resp, body = p.b.get(in.Issuer + "/oauth2/auth?" + authParams(p.id).Encode() + padding)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "too many parameters (at most 10000)") {
		t.Errorf("authorize with too many parameters: %d %.300s", resp.StatusCode, body)
	}
	resp, body = p.b.get(in.Issuer + "/.well-known/webfinger?resource=alice.crypto" + padding)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "too many parameters (at most 10000)") {
		t.Errorf("webfinger with too many parameters: %d %.300s", resp.StatusCode, body)
	}
}
