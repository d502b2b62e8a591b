package e2e

// Attack tests over real HTTP for the threats docs/threats.md maps, and
// the audit trail those attacks leave (docs/operations.md, "Audit events
// and metrics").

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
)

// metricValue reads the counter series line (for example
// `sigil_security_events_total{event="code_replay"}`) from in's admin
// listener; a missing series fails the test.
func metricValue(t *testing.T, in *instance, series string) float64 {
	t.Helper()
	resp, err := http.Get(in.Admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("%s is missing from /metrics", series)
	return 0
}

// auditLines are the lines of in's log with event=name.
func auditLines(in *instance, name string) []string {
	var out []string
	for _, line := range strings.Split(in.logs.String(), "\n") {
		if strings.Contains(line, "msg=audit") && strings.Contains(line, " event="+name+" ") || strings.HasSuffix(line, " event="+name) {
			out = append(out, line)
		}
	}
	return out
}

// TestAuditTrailOfAttacks: a replayed code, a reused refresh token, a
// signature by someone else's wallet and an admin action each leave one
// audit line and one increment of their counter on the admin listener's
// /metrics, and no line shows a code, token or signature.
func TestAuditTrailOfAttacks(t *testing.T) {
	in := startSigil(t)
	security := func(event string) float64 {
		return metricValue(t, in, `sigil_security_events_total{event="`+event+`"}`)
	}
	for _, e := range []string{"code_replay", "refresh_reuse", "signature_invalid"} {
		if v := security(e); v != 0 {
			t.Fatalf("%s starts at %v, want 0", e, v)
		}
	}
	if v := metricValue(t, in, `sigil_admin_actions_total{action="client_created"}`); v != 0 {
		t.Fatalf("client_created starts at %v", v)
	}
	// So do the rate limits' and the back-channel deliveries' series, for
	// rate() alerts that work before the first event.
	for _, series := range []string{`sigil_rate_limited_total{class="flows"}`, `sigil_rate_limited_total{class="token"}`,
		`sigil_backchannel_logout_deliveries_total{outcome="gave_up"}`, `sigil_backchannel_logout_deliveries_total{outcome="delivered"}`} {
		if v := metricValue(t, in, series); v != 0 {
			t.Fatalf("%s starts at %v", series, v)
		}
	}

	op := newOPTest(t, in, "default", nil)
	if v := metricValue(t, in, `sigil_admin_actions_total{action="client_created"}`); v != 1 {
		t.Errorf("client_created after registering a client: %v, want 1", v)
	}
	if lines := auditLines(in, "client_created"); len(lines) != 1 || !strings.Contains(lines[0], "client_id="+op.clientID) {
		t.Errorf("client_created lines: %q", lines)
	}

	// Code replay (RFC 9700 section 4.5).
	codeReuse(t, op, 0)
	if v := security("code_replay"); v != 1 {
		t.Errorf("code_replay = %v, want 1", v)
	}
	if lines := auditLines(in, "code_replay"); len(lines) != 1 || !strings.Contains(lines[0], "client_id="+op.clientID) || !strings.Contains(lines[0], "level=WARN") {
		t.Errorf("code_replay lines: %q", lines)
	}

	// Refresh token reuse (RFC 9700 section 4.14.2).
	offline := url.Values{"scope": {"openid offline_access"}, "prompt": {"consent"}}
	op.b = newBrowser(t, in.Issuer) // a fresh sign-in, not single sign-on
	first := op.fullFlow(offline, false)
	refresh := first.tokens.str("refresh_token")
	if tk := op.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}); tk.status != 200 {
		t.Fatalf("refresh: %d %v", tk.status, tk.body)
	}
	if tk := op.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}); tk.status != 400 || tk.str("error") != "invalid_grant" {
		t.Fatalf("reused refresh token: %d %v", tk.status, tk.body)
	}
	if v := security("refresh_reuse"); v != 1 {
		t.Errorf("refresh_reuse = %v, want 1", v)
	}
	if lines := auditLines(in, "refresh_reuse"); len(lines) != 1 || !strings.Contains(lines[0], "family_hash=") {
		t.Errorf("refresh_reuse lines: %q", lines)
	}

	// Bob's wallet signs Alice's challenge.
	b := newBrowser(t, in.Issuer)
	flow := b.authorize(op.authURL(op.request(nil)))
	st, ch := b.api("/login/challenge", map[string]any{"flow": flow, "domain": "alice.crypto"})
	if st != 200 {
		t.Fatalf("challenge: %d %v", st, ch)
	}
	msg, _ := ch["message"].(string)
	badSig := sign(t, in.Bob, msg)
	if st, v := b.api("/login/verify", map[string]any{"flow": flow, "signature": badSig}); st != 401 {
		t.Fatalf("verify with Bob's signature: %d %v, want 401", st, v)
	}
	if v := security("signature_invalid"); v != 1 {
		t.Errorf("signature_invalid = %v, want 1", v)
	}
	lines := auditLines(in, "signature_invalid")
	if len(lines) != 1 || !strings.Contains(lines[0], "flow="+flow) || !strings.Contains(lines[0], "domain=alice.crypto") ||
		!strings.Contains(lines[0], "client_id="+op.clientID) {
		t.Errorf("signature_invalid lines: %q", lines)
	}

	logs := in.logs.String()
	for _, secret := range []string{refresh, first.tokens.str("access_token"), first.tokens.str("id_token"), badSig[2:], op.secret, in.AdminToken} {
		if secret != "" && strings.Contains(logs, secret) {
			t.Errorf("the log shows a secret (%.12s...)", secret)
		}
	}
	for _, prefix := range []string{"sigil_ac_", "sigil_at_", "sigil_rt_"} {
		if strings.Contains(logs, prefix) {
			t.Errorf("the log shows a value starting %s", prefix)
		}
	}
}

// TestTokenEndpointCORSPerClient: the token endpoint's CORS answer names
// an origin only for the client that registered it. The preflight cannot
// know the client, so it allows an origin some client lists; the answer
// itself must then refuse client B's tokens to client A's origin, so a
// script on A's site cannot read tokens issued to B (RFC 9700 section
// 4.16; internal/server/cors.go). Over real HTTP, for a public client's
// code exchange and a confidential client's client credentials grant.
func TestTokenEndpointCORSPerClient(t *testing.T) {
	in := startSigil(t)
	originA, originB := "https://app-a.example", "https://app-b.example"
	in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "token_endpoint_auth_method": "none",
		"allowed_cors_origins": []string{originA}})
	publicB, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "token_endpoint_auth_method": "none",
		"allowed_cors_origins": []string{originB}})
	confidentialB, secretB := in.createClient(t, map[string]any{"grant_types": []string{"client_credentials"},
		"response_types": []string{}, "redirect_uris": []string{}, "scope": "", "allowed_cors_origins": []string{originB}})

	token := func(origin string, form url.Values, basic ...string) (int, http.Header, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", in.Issuer+"/oauth2/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
		if len(basic) == 2 {
			req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(body)
	}
	// The preflight from A's origin passes: some client lists it.
	pre, _ := http.NewRequest("OPTIONS", in.Issuer+"/oauth2/token", nil)
	pre.Header.Set("Origin", originA)
	pre.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(pre)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != originA {
		t.Fatalf("preflight from a registered origin: %q", resp.Header.Get("Access-Control-Allow-Origin"))
	}

	codeFor := func(client string) string {
		t.Helper()
		b := newBrowser(t, in.Issuer)
		flow := b.authorize(in.Issuer + "/oauth2/auth?" + authParams(client).Encode())
		if _, st, v := b.signIn(flow, "alice.crypto", in.Alice); st != 200 {
			t.Fatalf("verify: %d %v", st, v)
		}
		_, acc := b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet"}})
		to, _ := acc["redirect_to"].(string)
		return b.redirectParams(to, "query").Get("code")
	}
	// challenge43's verifier (RFC 7636 appendix B).
	const verifier43 = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	exchange := func(code string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect},
			"client_id": {publicB}, "code_verifier": {verifier43}}
	}

	// B's code, exchanged from A's origin: Sigil answers, but without
	// Access-Control-Allow-Origin, so the browser hides the tokens.
	st, h, body := token(originA, exchange(codeFor(publicB)))
	if st != 200 || !strings.Contains(body, "access_token") {
		t.Fatalf("exchange from A's origin: %d %s", st, body)
	}
	if got := h.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("B's tokens answered to A's origin with Access-Control-Allow-Origin %q", got)
	}
	// The same from B's own origin is allowed.
	st, h, body = token(originB, exchange(codeFor(publicB)))
	if st != 200 || h.Get("Access-Control-Allow-Origin") != originB {
		t.Errorf("exchange from B's origin: %d, Access-Control-Allow-Origin %q: %s", st, h.Get("Access-Control-Allow-Origin"), body)
	}
	// Userinfo the same way: B's person's claims are readable by B's
	// origin, not by A's.
	var tokB struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(body), &tokB); err != nil || tokB.AccessToken == "" {
		t.Fatalf("B's token response: %v %s", err, body)
	}
	for origin, want := range map[string]string{originA: "", originB: originB} {
		req, _ := http.NewRequest("GET", in.Issuer+"/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+tokB.AccessToken)
		req.Header.Set("Origin", origin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != want {
			t.Errorf("userinfo with B's token from %s: %d, Access-Control-Allow-Origin %q, want %q", origin, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), want)
		}
	}

	// A confidential client's grant from another client's origin.
	cc := url.Values{"grant_type": {"client_credentials"}}
	st, h, body = token(originA, cc, confidentialB, secretB)
	if st != 200 || h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("client credentials of B from A's origin: %d, Access-Control-Allow-Origin %q: %s", st, h.Get("Access-Control-Allow-Origin"), body)
	}
	st, h, _ = token(originB, cc, confidentialB, secretB)
	if st != 200 || h.Get("Access-Control-Allow-Origin") != originB {
		t.Errorf("client credentials of B from B's origin: %d, Access-Control-Allow-Origin %q", st, h.Get("Access-Control-Allow-Origin"))
	}
	// An origin no client lists gets nothing, whoever asks.
	if _, h, _ = token("https://evil.example", cc, confidentialB, secretB); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("an unknown origin: Access-Control-Allow-Origin %q", h.Get("Access-Control-Allow-Origin"))
	}
}

// TestConsentPageCannotBeFramed: the page where a person grants access is
// the one a clickjacking site would frame under a decoy (RFC 6819 section
// 4.4.1.9, RFC 9700 section 4.16): it forbids framing in both the CSP and
// X-Frame-Options, and is not cached.
func TestConsentPageCannotBeFramed(t *testing.T) {
	in := startSigil(t)
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	b := newBrowser(t, in.Issuer)
	flow := b.authorize(in.Issuer + "/oauth2/auth?" + authParams(id).Encode())
	_, st, v := b.signIn(flow, "alice.crypto", in.Alice)
	consent, _ := v["redirect_to"].(string)
	if st != 200 || !strings.HasPrefix(consent, in.Issuer+"/consent?flow=") {
		t.Fatalf("sign-in: %d %v, want the consent page next", st, v)
	}
	resp, body := b.get(consent)
	h := resp.Header
	if resp.StatusCode != 200 || !strings.Contains(body, "alice.crypto") {
		t.Fatalf("consent page: %d", resp.StatusCode)
	}
	if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY" {
		t.Errorf("the consent page may be framed: CSP %q, X-Frame-Options %q", h.Get("Content-Security-Policy"), h.Get("X-Frame-Options"))
	}
	if !strings.Contains(h.Get("Cache-Control"), "no-store") {
		t.Errorf("the consent page may be cached: Cache-Control %q", h.Get("Cache-Control"))
	}
}

// TestUserinfoRefusesTokenInQuery: an access token in the URL leaks into
// logs, history and Referer (RFC 6750 section 2.3, RFC 6819 section
// 4.6.7, RFC 9700 section 4.3), so userinfo does not read one there: the
// request is answered as one without a token.
func TestUserinfoRefusesTokenInQuery(t *testing.T) {
	in := startSigil(t)
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	code, verifier, _ := codeFor(t, in, id, []string{"openid", "wallet"})
	st, tok, _ := postToken(t, in, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect},
		"code_verifier": {verifier}}, id, secret)
	access, _ := tok["access_token"].(string)
	if st != 200 || access == "" {
		t.Fatalf("token: %d %v", st, tok)
	}
	resp, err := http.Get(in.Issuer + "/userinfo?access_token=" + url.QueryEscape(access))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("token in the query: %d %q, want 401 with a Bearer challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	// The same token in the header works, so the refusal is the query's.
	req, _ := http.NewRequest("GET", in.Issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("token in the header: %d", resp.StatusCode)
	}
}

// TestDatabaseCopyHoldsNoUsableSecret: whoever copies the SQLite file (a
// backup, a stolen disk) finds no code, access token, refresh token,
// client secret or signing key in it (RFC 6819 sections 4.3.2, 4.3.4,
// 4.4.1.2, 4.5.2 and 5.1.4.1.3): codes and tokens are stored as keyed
// hashes, client secrets as SHA-256, keys sealed. The tokens still work,
// so they were stored in some form.
func TestDatabaseCopyHoldsNoUsableSecret(t *testing.T) {
	in := startSigil(t)
	if in.DSN != "" {
		t.Skip("reads the SQLite file")
	}
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect},
		"grant_types": []string{"authorization_code", "refresh_token"}, "scope": "openid wallet offline_access"})
	code, verifier, _ := codeFor(t, in, id, []string{"openid", "wallet", "offline_access"})
	st, tok, _ := postToken(t, in, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect},
		"code_verifier": {verifier}}, id, secret)
	access, _ := tok["access_token"].(string)
	refresh, _ := tok["refresh_token"].(string)
	if st != 200 || access == "" || refresh == "" {
		t.Fatalf("token: %d %v", st, tok)
	}
	var raw []byte
	files, _ := filepathGlob(in.DataDir, "sigil.db*")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, b...)
	}
	if len(raw) == 0 || !bytes.Contains(raw, []byte(id)) {
		t.Fatalf("read %d bytes of %v without the client id: not the database", len(raw), files)
	}
	for name, s := range map[string]string{"code": code, "access token": access, "refresh token": refresh, "client secret": secret} {
		// After a sigil_xx_ prefix is the secret; the refresh token's
		// family (before the dot) is an id and may be stored; a client
		// secret has no prefix.
		value := s
		for _, p := range []string{"sigil_ac_", "sigil_at_"} {
			value = strings.TrimPrefix(value, p)
		}
		if name == "refresh token" {
			_, value, _ = strings.Cut(s, ".")
		}
		if len(value) < 16 || bytes.Contains(raw, []byte(value)) {
			t.Errorf("the database file holds the %s in the clear", name)
		}
	}
	if bytes.Contains(raw, []byte("PRIVATE KEY")) || bytes.Contains(raw, []byte(`"d":"`)) {
		t.Error("the database file holds a private key in the clear")
	}
}
