package e2e

// The claims request parameter (OpenID Connect Core section 5.5) as the
// certification plans test it, and what Sigil does with it beyond them:
//
//   - Basic OP and Form Post OP, oidcc-claims-essential
//     (OIDCCClaimsEssential): name requested as an essential userinfo
//     claim with scope openid alone; userinfo must return it (the module
//     warns when the OP has no value for it).
//   - Config OP, oidcc-discovery-endpoint-verification: the parameter is
//     advertised (claims_parameter_supported true, a boolean).
//
// Sigil's consent is per scope, so a requested claim is asked of the
// person as its scope (profile:name for name); the tests go through the
// consent page as a person would and grant what it shows.

import (
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// consentScopeInput finds the scopes the consent page asks for.
var consentScopeInput = regexp.MustCompile(`name="scope" value="([^"]+)"`)

// consentShown reads the consent page at loc and accepts every scope it
// shows; it returns those scopes and the authorization response's
// location.
func (op *opTest) consentShown(loc string) ([]string, string) {
	op.t.Helper()
	if !op.isConsentPage(loc) {
		op.t.Fatalf("went to %s, want the consent page", loc)
	}
	resp, page := op.b.get(loc)
	if resp.StatusCode != 200 {
		op.t.Fatalf("consent page: %d %s", resp.StatusCode, page)
	}
	var shown []string
	for _, m := range consentScopeInput.FindAllStringSubmatch(page, -1) {
		shown = append(shown, htmlUnescape(m[1]))
	}
	u, _ := url.Parse(loc)
	st, acc := op.b.api("/consent/accept", map[string]any{"flow": u.Query().Get("flow"), "grant_scope": shown, "remember": false})
	if st != 200 {
		op.t.Fatalf("consent to %q: %d %v", shown, st, acc)
	}
	to, _ := acc["redirect_to"].(string)
	return shown, to
}

// claimsFlow runs a fresh sign-in with the claims parameter and the given
// scope, consenting to all the consent page shows, and returns the scopes
// shown and the result of the flow.
func (op *opTest) claimsFlow(scope, claims string) ([]string, flowResult) {
	op.t.Helper()
	q := op.request(url.Values{"scope": {scope}, "claims": {claims}, "prompt": {"login"}})
	loc := op.start(q)
	if !op.isLoginPage(loc) {
		op.t.Fatalf("went to %s, want the login page", loc)
	}
	u, _ := url.Parse(loc)
	if _, st, v := op.b.signIn(u.Query().Get("flow"), "alice.crypto", op.in.Alice); st != 200 {
		op.t.Fatalf("verify: %d %v", st, v)
	} else {
		loc, _ = v["redirect_to"].(string)
	}
	shown, loc := op.consentShown(loc)
	return shown, op.finish(q, loc)
}

// TestConformance_oidcc_claims_essential is oidcc-claims-essential (Basic
// OP and Form Post OP): claims={"userinfo":{"name":{"essential":true}}}
// with scope openid; userinfo returns name. The person was asked for it
// as the scope profile:name, required since the claim is essential.
func TestConformance_oidcc_claims_essential(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		shown, res := op.claimsFlow("openid", `{"userinfo":{"name":{"essential":true}}}`)
		if !slices.Contains(shown, "profile:name") {
			t.Errorf("the consent page shows %q, want the essential claim's scope profile:name", shown)
		}
		if got := res.tokens.str("scope"); got != "openid profile:name" {
			t.Errorf("granted scope %q", got)
		}
		ui := op.userinfoClaims(res.tokens.str("access_token"), "get")
		if ui["name"] != "Alice Liddell" {
			t.Errorf("userinfo %v lacks the essential claim name", ui)
		}
	})
}

// TestClaimsParameterIDToken: claims asked for the ID token are in it as
// far as the records hold them: an essential one (name), a voluntary one
// (email, offered as optional), and an essential one the domain has no
// record for (location: left out, no error, Core 5.5.1); a claim of a scope
// the client is not registered for (twitter) is neither asked nor
// returned; acr with the value Sigil meets is returned.
func TestClaimsParameterIDToken(t *testing.T) {
	in := startSigil(t)
	op := newOPTest(t, in, "default", nil)
	shown, res := op.claimsFlow("openid", `{"id_token":{"name":{"essential":true},"email":null,"location":{"essential":true},`+
		`"twitter":null,"acr":{"essential":true,"values":["sig"]}}}`)
	slices.Sort(shown)
	if want := []string{"email:optional", "openid", "profile:location", "profile:name"}; !slices.Equal(shown, want) {
		t.Errorf("the consent page shows %q, want %q", shown, want)
	}
	c := res.idToken.claims
	if c["name"] != "Alice Liddell" || c["email"] != "alice@example.com" || c["acr"] != "sig" {
		t.Errorf("ID token claims %v: want name, email and acr", c)
	}
	for _, k := range []string{"location", "twitter"} {
		if _, ok := c[k]; ok {
			t.Errorf("ID token has %s: %v", k, c[k])
		}
	}
}

// TestClaimsParameterRefused: a claims parameter that is not valid JSON
// for section 5.5, or an essential acr Sigil cannot meet (section
// 5.5.1.1), is answered at the redirect URI with a hint, before anyone
// signs in.
func TestClaimsParameterRefused(t *testing.T) {
	in := startSigil(t)
	op := newOPTest(t, in, "default", nil)
	for _, tc := range []struct{ claims, want string }{
		{`{"userinfo":`, "invalid_request"},
		{`["name"]`, "invalid_request"},
		{`{"userinfo":{"name":{"essential":"yes"}}}`, "invalid_request"},
		{`{"id_token":{"acr":{"values":"sig"}}}`, "invalid_request"},
		{`{"id_token":{"sub":{"value":42}}}`, "invalid_request"},
		{`{"id_token":{"acr":{"essential":true,"value":"urn:gold"}}}`, "access_denied"},
	} {
		q := op.request(url.Values{"claims": {tc.claims}})
		params := op.response(op.start(q))
		if code := op.checkError(params, q); code != tc.want || !strings.Contains(params.Get("error_description"), "claims") {
			t.Errorf("claims %s: %v, want %s with a hint about the claims parameter", tc.claims, params, tc.want)
		}
	}
}

// TestClaimsParameterSubValue: a sub value names the only person the
// answer may be for (Core 5.5.1): alice's session is not used for a
// request naming bob, and alice's sign-in is refused at its challenge,
// before anything is signed; bob's goes through; naming alice works.
func TestClaimsParameterSubValue(t *testing.T) {
	in := startSigil(t)
	op := newOPTest(t, in, "default", nil)
	op.fullFlow(nil, true) // a session and a remembered consent for alice

	forBob := op.request(url.Values{"claims": {`{"id_token":{"sub":{"value":"bob.crypto"}}}`}})
	loc := op.start(forBob)
	if !op.isLoginPage(loc) {
		t.Fatalf("a request for bob.crypto with alice's session went to %s, want the login page", loc)
	}
	u, _ := url.Parse(loc)
	flow := u.Query().Get("flow")
	st, out := op.b.api("/login/challenge", map[string]any{"flow": flow, "domain": "alice.crypto"})
	if st != 400 || out["error"] != "login_required" || out["message"] != nil {
		t.Fatalf("alice's challenge for a request naming bob: %d %v, want 400 login_required and no message", st, out)
	}
	checkErrorDescription(t, out["error_description"].(string))

	forAlice := op.request(url.Values{"claims": {`{"id_token":{"sub":{"value":"alice.crypto"}}}`}})
	res := op.finish(forAlice, op.start(forAlice)) // her session and consent answer at once
	if res.idToken.claims["sub"] != "alice.crypto" {
		t.Errorf("sub %v", res.idToken.claims["sub"])
	}
	// The request naming bob still takes bob's sign-in.
	if _, st, v := op.b.signIn(flow, "bob.crypto", op.in.Bob); st != 200 {
		t.Fatalf("bob's sign-in for a request naming bob: %d %v", st, v)
	}
}

// TestClaimsParameterSupported: discovery advertises the parameter
// (CheckDiscEndpointClaimsParameterSupported of the Config OP plan).
func TestClaimsParameterSupported(t *testing.T) {
	in := startSigil(t)
	st, d, _ := getJSON(t, in.Issuer+"/.well-known/openid-configuration")
	if st != 200 || d["claims_parameter_supported"] != true {
		raw, _ := json.Marshal(d)
		t.Fatalf("discovery %d: claims_parameter_supported %v in %s", st, d["claims_parameter_supported"], raw)
	}
}
