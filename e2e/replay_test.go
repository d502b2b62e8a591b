package e2e

import (
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// replayClients registers two public clients with the same redirect URI
// and the refresh_token grant: app, which signs alice in, and intruder,
// which tries to use what it sees of app's grant.
func replayClients(t *testing.T, in *instance) (app, intruder string) {
	t.Helper()
	meta := map[string]any{"redirect_uris": []string{testRedirect}, "token_endpoint_auth_method": "none",
		"grant_types": []string{"authorization_code", "refresh_token"}, "scope": "openid wallet offline_access"}
	app, _ = in.createClient(t, meta)
	intruder, _ = in.createClient(t, meta)
	return app, intruder
}

// redeemAs presents code as the public client id with verifier.
func redeemAs(t *testing.T, in *instance, id, code, verifier string) (int, map[string]any) {
	t.Helper()
	st, body, _ := postToken(t, in, url.Values{"grant_type": {"authorization_code"}, "client_id": {id}, "code": {code},
		"redirect_uri": {testRedirect}, "code_verifier": {verifier}}, "", "")
	return st, body
}

// refreshAs presents a refresh token as the public client id.
func refreshAs(t *testing.T, in *instance, id, token string) (int, map[string]any) {
	t.Helper()
	st, body, _ := postToken(t, in, url.Values{"grant_type": {"refresh_token"}, "client_id": {id}, "refresh_token": {token}}, "", "")
	return st, body
}

// TestCodeReplayByAnotherClientRevokesNothing (RFC 9700 section 4.5, RFC
// 6749 section 10.5): a used code presented by another public client, with
// its own verifier or with the right one, or by the code's own client with
// a wrong verifier, is invalid_grant and leaves the grant alone; only the
// code's own client, proving itself with the verifier, revokes it by
// presenting the code again.
func TestCodeReplayByAnotherClientRevokesNothing(t *testing.T) {
	in := startSigil(t)
	app, intruder := replayClients(t, in)
	code, verifier, _ := codeFor(t, in, app, []string{"openid", "wallet", "offline_access"})
	st, tok := redeemAs(t, in, app, code, verifier)
	if st != 200 {
		t.Fatalf("redemption: %d %v", st, tok)
	}
	access := tok["access_token"].(string)

	for _, tc := range []struct{ name, id, verifier string }{
		{"another client, its own verifier", intruder, oauth2.GenerateVerifier()},
		{"another client, the right verifier", intruder, verifier},
		{"its client, a wrong verifier", app, oauth2.GenerateVerifier()},
	} {
		st, body := redeemAs(t, in, tc.id, code, tc.verifier)
		if st != 400 || body["error"] != "invalid_grant" || strings.Contains(body["error_hint"].(string), "revoked") {
			t.Errorf("%s: %d %v, want invalid_grant that revokes nothing", tc.name, st, body)
		}
		if got := userinfoStatus(t, in, "Bearer "+access); got != 200 {
			t.Fatalf("%s: userinfo with app's token answered %d: the grant was revoked", tc.name, got)
		}
	}
	if st, body := refreshAs(t, in, app, tok["refresh_token"].(string)); st != 200 {
		t.Fatalf("app's refresh token after the attempts: %d %v", st, body)
	}

	st, body := redeemAs(t, in, app, code, verifier)
	if st != 400 || body["error"] != "invalid_grant" || !strings.Contains(body["error_hint"].(string), "revoked") {
		t.Fatalf("replay by its own client: %d %v, want invalid_grant revoking the grant", st, body)
	}
	if got := userinfoStatus(t, in, "Bearer "+access); got != 401 {
		t.Errorf("userinfo after the real replay: %d, want 401", got)
	}
}

// TestForgedRefreshTokenIsNotReuse (RFC 9700 section 4.14.2): a made-up
// refresh token naming a real family is invalid_grant and revokes nothing,
// whether it claims to be the family's current token or an old one; a
// real, rotated-out token of the family is still caught as reuse and
// revokes the grant.
func TestForgedRefreshTokenIsNotReuse(t *testing.T) {
	in := startSigil(t)
	app, intruder := replayClients(t, in)
	code, verifier, _ := codeFor(t, in, app, []string{"openid", "wallet", "offline_access"})
	st, tok := redeemAs(t, in, app, code, verifier)
	if st != 200 {
		t.Fatalf("redemption: %d %v", st, tok)
	}
	r0 := tok["refresh_token"].(string)
	family, rest, _ := strings.Cut(strings.TrimPrefix(r0, "sigil_rt_"), ".")
	nonce, _, _ := strings.Cut(rest, ".")
	for _, forged := range []string{
		"sigil_rt_" + family + ".forged",
		"sigil_rt_" + family + "." + nonce + ".AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"sigil_rt_" + family + ".bm9uY2Vub25jZW5vbmNl." + strings.Repeat("A", 43),
	} {
		for _, id := range []string{app, intruder} {
			st, body := refreshAs(t, in, id, forged)
			if st != 400 || body["error"] != "invalid_grant" || !strings.Contains(body["error_hint"].(string), "not one Sigil issued") {
				t.Errorf("forged %q by %s: %d %v, want invalid_grant (not issued by Sigil)", forged, id, st, body)
			}
		}
		if got := userinfoStatus(t, in, "Bearer "+tok["access_token"].(string)); got != 200 {
			t.Fatalf("userinfo after the forgery %q: %d, the grant was revoked", forged, got)
		}
	}

	st, next := refreshAs(t, in, app, r0)
	if st != 200 {
		t.Fatalf("the real token after the forgeries: %d %v", st, next)
	}
	st, body := refreshAs(t, in, app, r0)
	if st != 400 || body["error"] != "invalid_grant" || !strings.Contains(body["error_hint"].(string), "already used") {
		t.Fatalf("reuse of the rotated-out token: %d %v, want invalid_grant (reuse)", st, body)
	}
	if got := userinfoStatus(t, in, "Bearer "+next["access_token"].(string)); got != 401 {
		t.Errorf("userinfo with the newest access token after reuse: %d, want 401", got)
	}
	if st, body := refreshAs(t, in, app, next["refresh_token"].(string)); st != 400 {
		t.Errorf("the newest refresh token after reuse: %d %v, want refused", st, body)
	}
}
