package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil/internal/store/cached"
)

// withinBound polls check until it returns true, failing the test when
// that takes longer than bound (plus a second of slack for the requests
// themselves); it returns how long it took.
func withinBound(t *testing.T, what string, bound time.Duration, check func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(bound + time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not so after %v; the documented bound is %v", what, time.Since(start).Round(time.Millisecond), bound)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

// tokenAnswers is what node in says of a token: whether userinfo serves
// it (only for access tokens) and whether introspection, asked by the
// resource server asRS, finds it active.
type tokenAnswers struct {
	userinfo, active bool
}

func answersFor(t *testing.T, in *instance, token, asRS string, access bool) tokenAnswers {
	t.Helper()
	var ans tokenAnswers
	if access {
		ans.userinfo = userinfoStatus(t, in, "Bearer "+token) == http.StatusOK
	}
	st, body, _ := introspect(t, in.Issuer, "/oauth2/introspect", url.Values{"token": {token}}, asRS)
	if st != http.StatusOK {
		t.Fatalf("introspection on %s: %d %v", in.Issuer, st, body)
	}
	ans.active = body["active"] == true
	if !ans.active {
		wantInactive(t, "introspection of a refused token", st, body)
	}
	return ans
}

// TestTokenCacheBoundAcrossNodes checks the token cache's contract on a
// fleet: tokens minted on node A work on node B at once; a token revoked
// on node A (refresh rotation, RFC 7009 revocation) is refused by userinfo
// and introspection on node A at once, and on node B, which cached it,
// within cached.DefaultTokenTTL.
func TestTokenCacheBoundAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	id, secret := a.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "scope": "openid wallet offline_access",
		"grant_types": []string{"authorization_code", "refresh_token"}})
	rsID, rsSecret := a.createClient(t, map[string]any{"grant_types": []string{"client_credentials"}, "redirect_uris": []string{},
		"response_types": []string{}, "scope": "api"})
	asRS := basic(rsID, rsSecret)
	live := tokenAnswers{userinfo: true, active: true}
	bound := cached.DefaultTokenTTL

	// Tokens of a sign-in on A, used on both nodes: B has never seen them,
	// and serves them at once; both nodes now hold them in their caches.
	code, verifier, _ := codeFor(t, a, id, []string{"openid", "wallet", "offline_access"})
	st, tok, _ := postToken(t, a, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect},
		"code_verifier": {verifier}}, id, secret)
	access, _ := tok["access_token"].(string)
	refresh, _ := tok["refresh_token"].(string)
	if st != http.StatusOK || access == "" || refresh == "" {
		t.Fatalf("code exchange on A: %d %v", st, tok)
	}
	for _, in := range []*instance{b, a, b} {
		if got := answersFor(t, in, access, asRS, true); got != live {
			t.Fatalf("access token on %s: %+v, want served", in.Issuer, got)
		}
		if got := answersFor(t, in, refresh, asRS, false); !got.active {
			t.Fatalf("refresh token on %s: inactive, want active", in.Issuer)
		}
	}

	// A refresh on A rotates both tokens: the old ones are refused on A at
	// once and on B within the bound; the new ones work on B at once.
	st, tok, _ = postToken(t, a, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, id, secret)
	access2, _ := tok["access_token"].(string)
	refresh2, _ := tok["refresh_token"].(string)
	if st != http.StatusOK || access2 == "" || refresh2 == "" {
		t.Fatalf("refresh on A: %d %v", st, tok)
	}
	if got := answersFor(t, a, access, asRS, true); got != (tokenAnswers{}) {
		t.Errorf("rotated-out access token on A right after the refresh: %+v, want refused", got)
	}
	if got := answersFor(t, a, refresh, asRS, false); got.active {
		t.Errorf("rotated-out refresh token on A right after the refresh: active, want inactive")
	}
	took := withinBound(t, "the rotated-out tokens still work on node B", bound, func() bool {
		return answersFor(t, b, access, asRS, true) == tokenAnswers{} && !answersFor(t, b, refresh, asRS, false).active
	})
	t.Logf("node B refused the rotated-out tokens after %v (bound %v)", took.Round(time.Millisecond), bound)
	for _, in := range []*instance{b, a} {
		if got := answersFor(t, in, access2, asRS, true); got != live {
			t.Fatalf("new access token on %s: %+v, want served", in.Issuer, got)
		}
	}

	// Revoked on A (RFC 7009, by its refresh token, which revokes the
	// grant): both nodes have the access token cached from the lines above.
	req, _ := http.NewRequest("POST", a.Issuer+"/oauth2/revoke", strings.NewReader(url.Values{"token": {refresh2}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revocation on A: %d", resp.StatusCode)
	}
	if got := answersFor(t, a, access2, asRS, true); got != (tokenAnswers{}) {
		t.Errorf("revoked access token on A right after the revocation: %+v, want refused", got)
	}
	took = withinBound(t, "the revoked access token still works on node B", bound, func() bool {
		return answersFor(t, b, access2, asRS, true) == tokenAnswers{}
	})
	t.Logf("node B refused the revoked access token after %v (bound %v)", took.Round(time.Millisecond), bound)
}
