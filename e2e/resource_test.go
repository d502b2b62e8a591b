package e2e

// RFC 8707 resource indicators at the authorization endpoint and at the
// token endpoint (code exchange, refresh, client credentials): what may be
// named, what the token's audience becomes, and the attacks that fail.

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestResourceAtAuthorizationEndpoint: a resource that is not an absolute
// URI, has a fragment, or is not registered for the client is answered
// invalid_target at the redirect URI (with state and iss), before anyone
// signs in; several registered ones are accepted.
func TestResourceAtAuthorizationEndpoint(t *testing.T) {
	in := startSigil(t)
	op := newJWTClient(t, in, "default", "opaque")
	for name, resources := range map[string][]string{
		"not registered":            {"https://evil.example/api"},
		"one of two not registered": {ordersAPI, "https://evil.example/api"},
		"relative":                  {"/orders"},
		"fragment":                  {ordersAPI + "#x"},
	} {
		t.Run(name, func(t *testing.T) {
			q := op.request(url.Values{"resource": resources})
			loc := op.start(q)
			params := op.response(loc)
			if code := op.checkError(params, q); code != "invalid_target" || !strings.Contains(params.Get("error_description"), "resource") {
				t.Fatalf("%s: %v, want invalid_target with a hint about the resource", name, params)
			}
		})
	}
	q := op.request(url.Values{"resource": {ordersAPI, billingAPI}})
	if loc := op.start(q); !op.isLoginPage(loc) {
		t.Fatalf("two registered resources: went to %s, want the login page", loc)
	}
}

// TestResourceAtTokenEndpoint: the token request may name only resources
// the authorization request named (RFC 8707 section 2.2), so a client
// cannot widen a grant at the token endpoint; what it names becomes the
// access token's audience, and a refresh may name another resource of the
// grant, never one outside it.
func TestResourceAtTokenEndpoint(t *testing.T) {
	in := startSigil(t)
	op := newJWTClient(t, in, "default", "opaque")

	// Granted orders and billing; the exchange narrows to orders.
	q := op.request(url.Values{"scope": {"openid offline_access"}, "resource": {ordersAPI, billingAPI}})
	code := op.checkSuccess(op.response(op.signIn(op.start(q), q, false)), q)
	tk := op.exchange(code, url.Values{"resource": {ordersAPI}})
	access, refresh := tk.str("access_token"), tk.str("refresh_token")
	if got := op.introspectToken(access); got["active"] != true || onlyAudience(got["aud"]) != ordersAPI {
		t.Fatalf("exchange naming orders: introspection %v", got)
	}

	// A refresh naming a registered resource outside the grant fails and
	// rotates nothing: the same refresh token still works.
	rt := op.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "resource": {reportsAPI}})
	if rt.status != 400 || rt.body["error"] != "invalid_target" {
		t.Fatalf("refresh naming a resource outside the grant: %d %v", rt.status, rt.body)
	}
	checkErrorDescription(t, rt.str("error_description"))
	// An unregistered one fails the same way.
	rt = op.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "resource": {"https://evil.example/"}})
	if rt.status != 400 || rt.body["error"] != "invalid_target" {
		t.Fatalf("refresh naming an unregistered resource: %d %v", rt.status, rt.body)
	}
	rt = op.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "resource": {billingAPI}})
	if rt.status != 200 {
		t.Fatalf("refresh naming billing, in the grant: %d %v", rt.status, rt.body)
	}
	if got := op.introspectToken(rt.str("access_token")); onlyAudience(got["aud"]) != billingAPI {
		t.Errorf("refresh naming billing: aud %v", got["aud"])
	}
	// Without resource, the audience is the whole grant again.
	rt = op.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt.str("refresh_token")}})
	if rt.status != 200 {
		t.Fatalf("refresh without resource: %d %v", rt.status, rt.body)
	}
	if got := op.introspectToken(rt.str("access_token")); !slices.Equal(toStrings(asList(got["aud"])), []string{ordersAPI, billingAPI}) {
		t.Errorf("refresh without resource: aud %v, want both resources of the grant", got["aud"])
	}

	// A grant without resources cannot be widened at the token endpoint:
	// invalid_target, and the code is spent.
	q = op.request(url.Values{"scope": {"openid"}})
	code = op.checkSuccess(op.response(op.through(q)), q)
	bad := op.tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {op.redirect}, "resource": {ordersAPI}})
	if bad.status != 400 || bad.body["error"] != "invalid_target" || !strings.Contains(bad.str("error_description"), "authorization request") {
		t.Fatalf("exchange naming a resource outside the grant: %d %v", bad.status, bad.body)
	}
	again := op.tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {op.redirect}})
	if again.status != 400 || again.body["error"] != "invalid_grant" {
		t.Fatalf("the code after a refused exchange: %d %v", again.status, again.body)
	}

	// An unregistered resource at the exchange is refused before the code
	// is touched, so the code still works.
	q = op.request(url.Values{"scope": {"openid"}, "resource": {reportsAPI}})
	code = op.checkSuccess(op.response(op.through(q)), q)
	bad = op.tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {op.redirect}, "resource": {"https://evil.example/"}})
	if bad.status != 400 || bad.body["error"] != "invalid_target" {
		t.Fatalf("exchange naming an unregistered resource: %d %v", bad.status, bad.body)
	}
	tk = op.exchange(code, nil)
	if got := op.introspectToken(tk.str("access_token")); onlyAudience(got["aud"]) != reportsAPI {
		t.Errorf("exchange without resource of a grant for reports: aud %v", got["aud"])
	}
}

// TestResourceClientCredentials: a client credentials token may name any
// of the client's registered resources, and only those.
func TestResourceClientCredentials(t *testing.T) {
	in := startSigil(t)
	op := newJWTClient(t, in, "default", "opaque")
	tk := op.tokenRequest(url.Values{"grant_type": {"client_credentials"}, "scope": {"email"}, "resource": {reportsAPI}})
	if tk.status != 200 {
		t.Fatalf("client credentials naming reports: %d %v", tk.status, tk.body)
	}
	if got := op.introspectToken(tk.str("access_token")); onlyAudience(got["aud"]) != reportsAPI || got["active"] != true {
		t.Errorf("introspection: %v", got)
	}
	for _, r := range []string{"https://evil.example/", "reports", reportsAPI + "#"} {
		tk = op.tokenRequest(url.Values{"grant_type": {"client_credentials"}, "scope": {"email"}, "resource": {r}})
		if tk.status != 400 || tk.body["error"] != "invalid_target" {
			t.Errorf("client credentials naming %q: %d %v", r, tk.status, tk.body)
		}
	}
}

// through sends q and goes through the login and consent pages as they
// come (a session may skip the login), returning the authorization
// response's location.
func (op *opTest) through(q url.Values) string {
	op.t.Helper()
	loc := op.start(q)
	if op.isLoginPage(loc) {
		return op.signIn(loc, q, false)
	}
	if op.isConsentPage(loc) {
		return op.consent(loc, q, false)
	}
	return loc
}
