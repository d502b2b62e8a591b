package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func getJSON(t *testing.T, url string) (int, map[string]any, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("%s: not JSON: %v", url, err)
	}
	return resp.StatusCode, out, resp.Header
}

// TestDiscoveryAndJWKS checks the metadata a certification run reads first.
func TestDiscoveryAndJWKS(t *testing.T) {
	in := startSigil(t)
	st, d, _ := getJSON(t, in.Issuer+"/.well-known/openid-configuration")
	if st != 200 || d["issuer"] != in.Issuer || d["authorization_endpoint"] != in.Issuer+"/oauth2/auth" ||
		d["token_endpoint"] != in.Issuer+"/oauth2/token" || d["userinfo_endpoint"] != in.Issuer+"/userinfo" ||
		d["jwks_uri"] != in.Issuer+"/.well-known/jwks.json" || d["authorization_response_iss_parameter_supported"] != true {
		t.Fatalf("discovery %v", d)
	}
	has := func(field, v string) bool {
		list, _ := d[field].([]any)
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	for field, v := range map[string]string{"scopes_supported": "openid", "response_types_supported": "code", "subject_types_supported": "public",
		"id_token_signing_alg_values_supported": "RS256", "code_challenge_methods_supported": "S256", "response_modes_supported": "form_post",
		"token_endpoint_auth_methods_supported": "none"} {
		if !has(field, v) {
			t.Errorf("%s lacks %s", field, v)
		}
	}
	if has("response_types_supported", "token") || has("grant_types_supported", "password") {
		t.Error("discovery advertises what Sigil does not support")
	}
	st, jwks, _ := getJSON(t, in.Issuer+"/.well-known/jwks.json")
	keys, _ := jwks["keys"].([]any)
	if st != 200 || len(keys) == 0 {
		t.Fatalf("jwks %v", jwks)
	}
	k := keys[0].(map[string]any)
	if k["kid"] == nil || k["kid"] == "" || k["alg"] != "RS256" || k["use"] != "sig" || k["d"] != nil || k["p"] != nil {
		t.Fatalf("jwk %v", k)
	}
}

// TestWrongMethodAndUnknownPath answer the catalogue's JSON, not bare text.
func TestWrongMethodAndUnknownPath(t *testing.T) {
	in := startSigil(t)
	st, body, _ := getJSON(t, in.Issuer+"/oauth2/token")
	if st != 400 || body["error"] != "invalid_request" || !strings.Contains(body["error_description"].(string), "POST") {
		t.Fatalf("GET /oauth2/token: %d %v", st, body)
	}
	st, body, _ = getJSON(t, in.Issuer+"/nothing/here")
	if st != 404 || body["error"] != "not_found" {
		t.Fatalf("unknown path: %d %v", st, body)
	}
}

// TestKeysSurviveRestart: the signing key is stored (sealed) and reused, so
// ID tokens issued before a restart still verify after it.
func TestKeysSurviveRestart(t *testing.T) {
	in := startSigil(t)
	_, before, _ := getJSON(t, in.Issuer+"/.well-known/jwks.json")
	if in.DSN == "" { // SQLite, in the data dir
		files, err := filepathGlob(in.DataDir, "sigil.db")
		if err != nil || len(files) != 1 {
			t.Fatalf("database file not in the data dir: %v %v", files, err)
		}
	}
	// A second instance on the same data dir publishes the same key.
	again := restartOn(t, in)
	_, after, _ := getJSON(t, again.Issuer+"/.well-known/jwks.json")
	kid := func(j map[string]any) any { return j["keys"].([]any)[0].(map[string]any)["kid"] }
	if kid(before) != kid(after) {
		t.Fatalf("kid changed across restart: %v -> %v", kid(before), kid(after))
	}
}

// TestPageSecurityHeaders: every page Sigil shows keeps the @uauth/js popup
// working (Cross-Origin-Opener-Policy unsafe-none) while refusing to be
// framed (frame-ancestors, X-Frame-Options), loads nothing third-party, and
// leaks nothing through the referrer.
func TestPageSecurityHeaders(t *testing.T) {
	in := startSigil(t)
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	b := newBrowser(t, in.Issuer)
	flow := b.authorize(in.Issuer + "/oauth2/auth?" + authParams(id).Encode())
	pages := map[string]string{
		"login":      in.Issuer + "/login?flow=" + flow,
		"error page": in.Issuer + "/oauth2/auth?client_id=nope",
		"logout":     in.Issuer + "/oauth2/sessions/logout",
	}
	for name, u := range pages {
		resp, _ := b.get(u)
		h := resp.Header
		csp := h.Get("Content-Security-Policy")
		if h.Get("Cross-Origin-Opener-Policy") != "unsafe-none" || h.Get("X-Frame-Options") != "DENY" ||
			!strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "default-src 'none'") ||
			!strings.Contains(csp, "script-src 'self'") || h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: headers %v", name, h)
		}
	}
	// The authorization endpoint's redirects must be 303 (RFC 9700 section 4.12).
	resp, _ := b.get(in.Issuer + "/oauth2/auth?" + authParams(id).Encode())
	if resp.StatusCode != 303 {
		t.Fatalf("authorization redirect %d, want 303", resp.StatusCode)
	}
}
