package oauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/keys"
	"github.com/sigil-oidc/sigil/internal/session"
)

// authorizeQuery is a valid authorization request of the fuzz fixture's
// client rp, as url.Values.
func authorizeQuery() url.Values {
	return url.Values{"client_id": {"rp"}, "redirect_uri": {"https://rp.example/cb"}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"st-12345678"}, "nonce": {"n-12345678"},
		"code_challenge": {pkceChallenge}, "code_challenge_method": {"S256"}}
}

// getAuthorize sends a GET authorization request with the raw query, without
// a session.
func (fx *fuzzFixture) getAuthorize(rawQuery string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", "/oauth2/auth", nil)
	r.URL.RawQuery = rawQuery
	return fx.serve(fx.p.Authorize, r, false)
}

// redirectAnswer reads the parameters of a redirect to the client; it fails
// unless rec redirects to https://rp.example/cb.
func redirectAnswer(t *testing.T, rec *httptest.ResponseRecorder) url.Values {
	t.Helper()
	loc, err := url.Parse(rec.Header().Get("Location"))
	if rec.Code != http.StatusSeeOther || err != nil || loc.Scheme+"://"+loc.Host+loc.Path != "https://rp.example/cb" {
		t.Fatalf("answered %d %q, want a redirect to the client: %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	return loc.Query()
}

// TestAuthorizeRefusesFreeTextThatIsNotText: state, nonce and login_hint
// holding a NUL byte, bytes that are not UTF-8 or another control
// character are refused with invalid_request at the (trusted) redirect
// URI, saying what is wrong; none is stored (on PostgreSQL the INSERT
// failed, and the client got server_error; on SQLite it was stored and the
// nonce came back as U+FFFD in the ID token). Printable non-ASCII text is
// stored and kept byte for byte.
func TestAuthorizeRefusesFreeTextThatIsNotText(t *testing.T) {
	fx := newFuzzFixture(t)
	for _, name := range freeTextParameters {
		for what, bad := range map[string]string{
			"NUL": "abcdefgh\x00", "0xFF": "abcdefgh\xff", "truncated UTF-8": "abcdefgh\xc3", "surrogate": "abcdefgh\xed\xa0\x80",
			"line feed": "abcdefgh\n", "tab": "abcd\tefgh", "DEL": "abcdefgh\x7f", "C1 control": "abcdefgh\u0085",
		} {
			q := authorizeQuery()
			q.Set(name, bad)
			answer := redirectAnswer(t, fx.getAuthorize(q.Encode()))
			if answer.Get("error") != "invalid_request" || !strings.Contains(answer.Get("error_description"), "The "+name+" parameter must be valid UTF-8 without control characters") {
				t.Errorf("%s with %s: answered %v, want invalid_request naming the parameter", name, what, answer)
			}
			if answer.Get("iss") != fx.p.IssuerString() {
				t.Errorf("%s with %s: the error lacks iss: %v", name, what, answer)
			}
		}
	}

	// Printable non-ASCII text is allowed and stored byte for byte.
	q := authorizeQuery()
	q.Set("state", "\u00e9tat-\u2713-\u65e5\u672c")
	q.Set("nonce", "n\u00f6nce-\U0001F600-0123")
	q.Set("login_hint", "al\u00efce.crypto")
	rec := fx.getAuthorize(q.Encode())
	loc, _ := url.Parse(rec.Header().Get("Location"))
	if rec.Code != http.StatusSeeOther || loc == nil || loc.Path != "/login" {
		t.Fatalf("printable non-ASCII: answered %d %q, want the login page", rec.Code, rec.Header().Get("Location"))
	}
	a, err := fx.p.Store.GetAuthorization(context.Background(), loc.Query().Get("flow"))
	if err != nil {
		t.Fatal(err)
	}
	if a.OAuthState != q.Get("state") || a.Nonce != q.Get("nonce") || a.LoginHint != q.Get("login_hint") {
		t.Errorf("stored state %q, nonce %q, login_hint %q; want them as sent", a.OAuthState, a.Nonce, a.LoginHint)
	}
}

// manyParams is a query of n parameters: the authorization request's
// parameters, then padding.
func manyParams(q url.Values, n int) string {
	var b strings.Builder
	b.WriteString(q.Encode())
	for i := len(strings.Split(b.String(), "&")); i < n; i++ {
		b.WriteString("&p=")
	}
	return b.String()
}

// TestTooManyQueryParameters: a GET whose query holds more parameters than
// url.ParseQuery reads (10,000; r.URL.Query() then reads none) is refused
// with invalid_request saying so, at the authorization endpoint (which
// answered "client_id missing") and the end_session_endpoint (which ended
// the session and ignored an unregistered post_logout_redirect_uri); so is
// a query that does not parse whole. At the limit the request is served.
func TestTooManyQueryParameters(t *testing.T) {
	fx := newFuzzFixture(t)
	const tooMany = "too many parameters (at most 10000)"

	rec := fx.getAuthorize(manyParams(authorizeQuery(), 10001))
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "invalid_request") || !strings.Contains(rec.Body.String(), tooMany) {
		t.Errorf("authorize with 10,001 parameters: %d, want 400 invalid_request saying %q: %.400s", rec.Code, tooMany, rec.Body)
	}
	rec = fx.getAuthorize(manyParams(authorizeQuery(), 10000))
	if loc, _ := url.Parse(rec.Header().Get("Location")); rec.Code != http.StatusSeeOther || loc == nil || loc.Path != "/login" {
		t.Errorf("authorize with 10,000 parameters: %d %q, want the login page", rec.Code, rec.Header().Get("Location"))
	}
	rec = fx.getAuthorize(authorizeQuery().Encode() + "&x=%zz")
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "could not be parsed as a query") {
		t.Errorf("authorize with a bad escape: %d, want 400 invalid_request: %.400s", rec.Code, rec.Body)
	}

	// Logout with an unregistered post_logout_redirect_uri, behind 10,000
	// parameters of padding: refused, and the session lives on.
	logout := url.Values{"id_token_hint": {fx.idToken}, "post_logout_redirect_uri": {"https://evil.example/"}}
	for what, query := range map[string]string{
		"10,001 parameters": manyParams(logout, 10001),
		"a bad escape":      logout.Encode() + "&x=%zz",
		"a ';' separator":   logout.Encode() + ";x=1",
	} {
		r := httptest.NewRequest("GET", "/oauth2/sessions/logout", nil)
		r.URL.RawQuery = query
		rec := fx.serve(fx.p.Logout, r, true)
		if rec.Code != http.StatusBadRequest || rec.Header().Get("Location") != "" || !strings.Contains(rec.Body.String(), "invalid_request") {
			t.Errorf("logout with %s: %d %q, want an invalid_request page: %.400s", what, rec.Code, rec.Header().Get("Location"), rec.Body)
		}
		if sessionCleared(fx, rec) {
			t.Errorf("logout with %s ended the session", what)
		}
	}
}

// sessionCleared reports whether rec clears the session cookie.
func sessionCleared(fx *fuzzFixture, rec *httptest.ResponseRecorder) bool {
	for _, c := range rec.Result().Cookies() {
		if c.Name == fx.p.Cookies.Name(session.SessionCookie) && c.MaxAge < 0 {
			return true
		}
	}
	return false
}

// TestIDTokenHintMustBeAnIDToken: an id_token_hint must be an ID token,
// with every claim one carries (OpenID Connect Core section 2: iss, sub,
// aud, exp, iat). The signed userinfo response is a JWT Sigil signs with
// typ JWT, iss, sub and aud, but no exp, iat or sid, and anyone holding an
// access token can have one signed: as a logout hint it ended, without
// asking, every session of the person (a hint without sid passed for any
// session). It is now refused at the end_session_endpoint and at the
// authorization endpoint. A hint without sid, even a genuine ID token,
// leads to the confirmation page (RP-Initiated Logout 1.0 section 2: the
// OP must ask when the hint does not belong to the current session), and
// so does one of another session; only the current session's own ID token
// ends it at once.
func TestIDTokenHintMustBeAnIDToken(t *testing.T) {
	fx := newFuzzFixture(t)
	sign := func(claims map[string]any) string {
		t.Helper()
		c := map[string]any{"iss": fx.p.IssuerString(), "sub": "alice.crypto", "aud": "rp"}
		for k, v := range claims {
			if v == nil {
				delete(c, k)
				continue
			}
			c[k] = v
		}
		jwt, err := fx.p.Signer.Sign(sigil.AlgRS256, c, keys.TypeJWT)
		if err != nil {
			t.Fatal(err)
		}
		return jwt
	}
	iat, exp := fuzzNow.Add(-time.Minute).Unix(), fuzzNow.Add(time.Hour).Unix()
	// What writeSignedUserinfo signs: the userinfo claims, iss and aud.
	userinfo := sign(map[string]any{"acr": "sig", "wallet_address": fuzzOwner})
	notIDTokens := map[string]string{
		"signed userinfo": userinfo,
		"without exp":     sign(map[string]any{"iat": iat, "sid": "sid-1"}),
		"without iat":     sign(map[string]any{"exp": exp, "sid": "sid-1"}),
		"without aud":     sign(map[string]any{"aud": nil, "iat": iat, "exp": exp, "sid": "sid-1"}),
		"exp a string":    sign(map[string]any{"iat": iat, "exp": "tomorrow", "sid": "sid-1"}),
		// sid and iat in the userinfo claims would not make it one.
		"userinfo with sid and iat": sign(map[string]any{"acr": "sig", "sid": "sid-1", "iat": iat}),
	}
	logout := func(hint string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/oauth2/sessions/logout", nil)
		r.URL.RawQuery = url.Values{"id_token_hint": {hint}, "post_logout_redirect_uri": {"https://rp.example/bye"}, "state": {"s1"}}.Encode()
		return fx.serve(fx.p.Logout, r, true)
	}
	for what, hint := range notIDTokens {
		rec := logout(hint)
		if rec.Code != http.StatusBadRequest || rec.Header().Get("Location") != "" || !strings.Contains(rec.Body.String(), "invalid_request") {
			t.Errorf("logout with %s as the hint: %d %q, want an invalid_request page", what, rec.Code, rec.Header().Get("Location"))
		}
		if sessionCleared(fx, rec) {
			t.Errorf("logout with %s as the hint ended the session", what)
		}

		q := authorizeQuery()
		q.Set("id_token_hint", hint)
		answer := redirectAnswer(t, fx.getAuthorize(q.Encode()))
		if answer.Get("error") != "invalid_request" || !strings.Contains(answer.Get("error_description"), "id_token_hint") {
			t.Errorf("authorize with %s as id_token_hint: %v, want invalid_request", what, answer)
		}
	}

	// ID tokens: of another session, or without sid, ask; the current
	// session's ends it at once.
	for what, hint := range map[string]string{
		"an ID token without sid":        sign(map[string]any{"iat": iat, "exp": exp}),
		"an ID token of another session": sign(map[string]any{"iat": iat, "exp": exp, "sid": "sid-2"}),
		"an ID token of another person":  sign(map[string]any{"sub": "bob.crypto", "iat": iat, "exp": exp, "sid": "sid-1"}),
		"an ID token with an empty sid":  sign(map[string]any{"iat": iat, "exp": exp, "sid": ""}),
	} {
		rec := logout(hint)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "Sign out of Sigil?") || sessionCleared(fx, rec) {
			t.Errorf("logout with %s: %d %q, want the confirmation page and the session kept", what, rec.Code, rec.Header().Get("Location"))
		}
	}
	current := sign(map[string]any{"iat": iat, "exp": exp, "sid": "sid-1"})
	rec := logout(current)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "https://rp.example/bye?state=s1" || !sessionCleared(fx, rec) {
		t.Errorf("logout with the current session's ID token: %d %q, want the session ended and a redirect", rec.Code, rec.Header().Get("Location"))
	}
	// An expired one still counts (RP-Initiated Logout section 2).
	expired := sign(map[string]any{"iat": fuzzNow.Add(-48 * time.Hour).Unix(), "exp": fuzzNow.Add(-47 * time.Hour).Unix(), "sid": "sid-1"})
	if rec := logout(expired); rec.Code != http.StatusSeeOther || !sessionCleared(fx, rec) {
		t.Errorf("logout with the current session's expired ID token: %d, want the session ended", rec.Code)
	}
	// At the authorization endpoint, an ID token (its sid does not matter)
	// is a valid hint.
	q := authorizeQuery()
	q.Set("id_token_hint", sign(map[string]any{"iat": iat, "exp": exp}))
	if rec := fx.getAuthorize(q.Encode()); rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "/login?flow=") {
		t.Errorf("authorize with an ID token as the hint: %d %q, want the login page", rec.Code, rec.Header().Get("Location"))
	}
}
