package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
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
	// The admin API asked of the public listener: the answer says where it is.
	st, body, _ = getJSON(t, in.Issuer+"/admin/clients")
	if st != 404 || body["error"] != "not_found" || !strings.Contains(body["error_description"].(string), "--admin-addr") {
		t.Fatalf("admin path on the public listener: %d %v", st, body)
	}
}

// TestKeysSurviveRestart: the signing keys are stored (sealed) and reused:
// the same instance, stopped and started again on the same data dir (or
// database) and address, publishes the same public keys, key material and
// all; an ID token it signed before the restart verifies after it against
// the JWKS it serves then; and it signs with the same key as before.
func TestKeysSurviveRestart(t *testing.T) {
	in := startSigil(t)
	if in.DSN == "" { // SQLite, in the data dir
		files, err := filepathGlob(in.DataDir, "sigil.db")
		if err != nil || len(files) != 1 {
			t.Fatalf("database file not in the data dir: %v %v", files, err)
		}
	}
	op := newOPTest(t, in, "default", nil)
	signed := op.fullFlow(nil, false).idToken
	before := publishedJWKS(t, in)
	if len(before.Keys) == 0 {
		t.Fatal("no published keys")
	}

	again := restartSame(t, in)
	if again.Issuer != in.Issuer {
		t.Fatalf("restarted on %s, want %s", again.Issuer, in.Issuer)
	}
	after := publishedJWKS(t, again)
	if len(after.Keys) != len(before.Keys) {
		t.Fatalf("%d published keys after the restart, %d before", len(after.Keys), len(before.Keys))
	}
	for _, k := range before.Keys {
		if !k.IsPublic() {
			t.Fatalf("kid %s: the JWKS publishes a private key", k.KeyID)
		}
		found := after.Key(k.KeyID)
		if len(found) != 1 {
			t.Fatalf("kid %s is not published after the restart", k.KeyID)
		}
		// The whole public JWK: kty, alg, use, and the key itself (n and e,
		// or crv, x and y).
		was, _ := k.MarshalJSON()
		now, _ := found[0].MarshalJSON()
		if string(was) != string(now) {
			t.Errorf("kid %s changed across the restart:\n before %s\n after  %s", k.KeyID, was, now)
		}
	}

	// A verifier that knows only what the restarted instance publishes.
	provider, err := oidc.NewProvider(ctx(t), again.Issuer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.Verifier(&oidc.Config{ClientID: op.clientID}).Verify(ctx(t), signed.raw); err != nil {
		t.Fatalf("an ID token signed before the restart does not verify after it: %v", err)
	}
	op.in, op.b = again, newBrowser(t, again.Issuer)
	resigned := op.fullFlow(nil, false).idToken
	if resigned.header["kid"] != signed.header["kid"] {
		t.Errorf("signing kid %v after the restart, %v before: a new key was made", resigned.header["kid"], signed.header["kid"])
	}
}

// restartSame stops in (SIGINT, then waits for it to exit) and starts the
// same command again: same data dir or database, same addresses, so the
// same issuer. It returns the restarted instance.
func restartSame(t *testing.T, in *instance) *instance {
	t.Helper()
	if err := in.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := in.cmd.Wait(); err != nil {
		t.Fatalf("sigil did not stop cleanly: %v\n%s", err, in.logs.String())
	}
	again := *in
	cmd := exec.Command(in.cmd.Path, in.cmd.Args[1:]...)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("restarted sigil output:\n%s", logs.String())
		}
	})
	again.cmd, again.logs = cmd, logs
	again.waitFor(t, "/health/alive")
	return &again
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
			!strings.Contains(csp, "script-src 'self'") || h.Get("Referrer-Policy") != "strict-origin-when-cross-origin" {
			t.Errorf("%s: headers %v", name, h)
		}
	}
	// The authorization endpoint's redirects must be 303 (RFC 9700 section 4.12).
	resp, _ := b.get(in.Issuer + "/oauth2/auth?" + authParams(id).Encode())
	if resp.StatusCode != 303 {
		t.Fatalf("authorization redirect %d, want 303", resp.StatusCode)
	}
}
