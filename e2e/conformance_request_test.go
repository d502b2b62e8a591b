package e2e

// Modules of the Basic OP plan (oidcc-basic-certification-test-plan, static
// client, client_secret_basic, response_type=code) about what an
// authorization request may hold: redirect_uri, scopes (address, phone,
// all), request objects and request_uri, and PKCE as the plans use it. Each
// test does what its module (net.openid.conformance.openid.*) does, over
// real HTTP against `sigil serve`, signing in with a real wallet key, and
// asserts what the module asserts. The tests that are not modules of a plan
// check the rules behind them (unknown scopes, registration, PKCE opt-out).

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"golang.org/x/oauth2"
)

// crPhone is alice.crypto's phone record in crStart's registry.
const crPhone = "+1 555 0100"

// crStart starts sigil with alice.crypto holding email, name and phone
// records (the harness's registry has no phone), and bob.crypto.
func crStart(t *testing.T) *instance {
	t.Helper()
	in := &instance{AdminToken: "e2e-admin-token-0123456789", DataDir: t.TempDir()}
	var err error
	if in.Alice, err = crypto.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	if in.Bob, err = crypto.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	registry := filepath.Join(in.DataDir, "domains.yaml")
	yaml := fmt.Sprintf("domains:\n  alice.crypto:\n    owner: %q\n    records:\n      whois.email.value: alice@example.com\n"+
		"      profile.name: Alice Liddell\n      profile.phone: %q\n  bob.crypto:\n    owner: %q\n",
		strings.ToLower(addr(in.Alice)), crPhone, addr(in.Bob))
	if err := os.WriteFile(registry, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return runWith(t, in, []string{"--domains", registry})
}

// crClient registers the plans' static client: confidential
// (client_secret_basic), one redirect URI, the standard scopes, and
// require_pkce false because the modules send no code_challenge.
func crClient(t *testing.T, in *instance, extra map[string]any) (id, secret string) {
	t.Helper()
	m := map[string]any{"redirect_uris": []string{testRedirect}, "token_endpoint_auth_method": "client_secret_basic",
		"scope": "openid wallet email profile phone address", "require_pkce": false}
	for k, v := range extra {
		m[k] = v
	}
	return in.createClient(t, m)
}

// crRequest is a module's authorization request: no PKCE, a state and a
// nonce, the given scope.
func crRequest(id, scope string) url.Values {
	return url.Values{"client_id": {id}, "redirect_uri": {testRedirect}, "response_type": {"code"},
		"scope": {scope}, "state": {"state-" + crRandom()}, "nonce": {"nonce-" + crRandom()}}
}

// crRandom is a fresh random value for state and nonce.
func crRandom() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// crAuthorize sends q from a fresh browser and returns the response.
func crAuthorize(t *testing.T, in *instance, q url.Values) (*browser, *http.Response, string) {
	t.Helper()
	b := newBrowser(t, in.Issuer)
	resp, body := b.get(in.Issuer + "/oauth2/auth?" + q.Encode())
	return b, resp, body
}

// crRedirectError asserts that resp sends the error back to the client's
// redirect URI with state and iss (ValidateErrorResponseFromAuthorizationEndpoint)
// and a description in RFC 6749's character set, and returns the code.
func crRedirectError(t *testing.T, in *instance, resp *http.Response, q url.Values) string {
	t.Helper()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, testRedirect+"?") {
		t.Fatalf("answered %d to %q, want a redirect to %s", resp.StatusCode, loc, testRedirect)
	}
	u, _ := url.Parse(loc)
	p := u.Query()
	if p.Get("code") != "" || p.Get("error") == "" || p.Get("iss") != in.Issuer || p.Get("state") != q.Get("state") {
		t.Fatalf("error response %v: want error, iss %s, state %q and no code", p, in.Issuer, q.Get("state"))
	}
	if !rfc6749Charset.MatchString(p.Get("error_description")) || p.Get("error_description") == "" {
		t.Fatalf("error_description %q", p.Get("error_description"))
	}
	return p.Get("error")
}

// crErrorPage asserts that resp is Sigil's error page for code, and no
// redirect anywhere (RFC 9700 section 4.11).
func crErrorPage(t *testing.T, resp *http.Response, body, code string) {
	t.Helper()
	if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "<code>"+code+"</code>") {
		t.Fatalf("answered %d (Location %q): want the %s error page:\n%s", resp.StatusCode, resp.Header.Get("Location"), code, body)
	}
}

// crFlow signs alice.crypto in for q, grants what was requested, and
// redeems the code (with verifier when not empty); it returns the token
// response.
func crFlow(t *testing.T, in *instance, id, secret string, q url.Values, verifier string) map[string]any {
	t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {crCode(t, in, q)}, "redirect_uri": {testRedirect}}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	st, tok, _ := postToken(t, in, form, id, secret)
	if st != 200 {
		t.Fatalf("token %d %v", st, tok)
	}
	return tok
}

// crUserinfo calls userinfo with the access token (CallUserInfoEndpointWithBearerToken).
func crUserinfo(t *testing.T, in *instance, tok map[string]any) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", in.Issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok["access_token"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info map[string]any
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&info) != nil {
		t.Fatalf("userinfo %d", resp.StatusCode)
	}
	if info["sub"] != "alice.crypto" { // EnsureUserInfoContainsSub
		t.Fatalf("userinfo sub %v", info["sub"])
	}
	return info
}

// crIDTokenClaims decodes the ID token's payload; its signature is checked
// by the other conformance tests.
func crIDTokenClaims(t *testing.T, tok map[string]any) map[string]any {
	t.Helper()
	parts := strings.Split(tok["id_token"].(string), ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// crDiscovery reads the discovery document.
func crDiscovery(t *testing.T, in *instance) map[string]any {
	t.Helper()
	st, d, _ := getJSON(t, in.Issuer+"/.well-known/openid-configuration")
	if st != 200 {
		t.Fatalf("discovery %d", st)
	}
	return d
}

func crHas(list any, v string) bool {
	l, _ := list.([]any)
	return slices.Contains(l, any(v))
}

// crScopeModule runs an AbstractOIDCCScopesServerTest: the scopes must be in
// scopes_supported (OIDCCCheckScopesSupportedContainScopeTest, else the
// module is skipped), the flow succeeds, and userinfo has sub and the
// standard claims with their standard types (ValidateUserInfoStandardClaims).
func crScopeModule(t *testing.T, scope string) (userinfo, idToken map[string]any, granted string) {
	t.Helper()
	in := crStart(t)
	d := crDiscovery(t, in)
	for _, s := range strings.Fields(scope) {
		if !crHas(d["scopes_supported"], s) {
			t.Fatalf("scopes_supported %v lacks %s: the module would be skipped", d["scopes_supported"], s)
		}
	}
	id, secret := crClient(t, in, nil)
	tok := crFlow(t, in, id, secret, crRequest(id, scope), "")
	info := crUserinfo(t, in, tok)
	for claim, kind := range map[string]string{"phone_number_verified": "bool", "email_verified": "bool", "phone_number": "string",
		"email": "string", "name": "string", "address": "object"} {
		v, ok := info[claim]
		if !ok {
			continue
		}
		var good bool
		switch kind {
		case "bool":
			_, good = v.(bool)
		case "string":
			_, good = v.(string)
		case "object":
			_, good = v.(map[string]any)
		}
		if !good {
			t.Errorf("userinfo %s = %#v, want a %s (OpenID Connect Core section 5.1)", claim, v, kind)
		}
	}
	return info, crIDTokenClaims(t, tok), tok["scope"].(string)
}

// TestConformance_oidcc_scope_phone is oidcc-scope-phone (OIDCCScopePhone,
// Basic OP): scope openid phone. Sigil releases the domain's phone record
// as phone_number, unverified.
func TestConformance_oidcc_scope_phone(t *testing.T) {
	info, idt, granted := crScopeModule(t, "openid phone")
	if info["phone_number"] != crPhone || info["phone_number_verified"] != false {
		t.Fatalf("userinfo %v: want phone_number %q, phone_number_verified false", info, crPhone)
	}
	if idt["phone_number"] != crPhone {
		t.Fatalf("ID token %v lacks phone_number", idt)
	}
	if info["email"] != nil || info["name"] != nil {
		t.Fatalf("userinfo %v releases claims of scopes not granted", info)
	}
	if granted != "openid phone" {
		t.Fatalf("granted scope %q", granted)
	}
}

// TestConformance_oidcc_scope_address is oidcc-scope-address
// (OIDCCScopeAddress, Basic OP): scope openid address. The scope is
// supported and granted; no domain record holds a postal address (UNS
// defines no key for one), so no address claim is released, never an
// invented one (the module's VerifyScopesReturnedInUserInfoClaims is a
// warning).
func TestConformance_oidcc_scope_address(t *testing.T) {
	info, idt, granted := crScopeModule(t, "openid address")
	if granted != "address openid" && granted != "openid address" {
		t.Fatalf("granted scope %q", granted)
	}
	if _, ok := info["address"]; ok {
		t.Fatalf("userinfo %v has an address no record holds", info)
	}
	if _, ok := idt["address"]; ok {
		t.Fatalf("ID token %v has an address no record holds", idt)
	}
}

// TestConformance_oidcc_scope_all is oidcc-scope-all (OIDCCScopeAll, Basic
// OP): scopes address, email, phone and profile together.
func TestConformance_oidcc_scope_all(t *testing.T) {
	info, _, granted := crScopeModule(t, "openid address email phone profile")
	if info["email"] != "alice@example.com" || info["email_verified"] != false || info["name"] != "Alice Liddell" ||
		info["phone_number"] != crPhone || info["phone_number_verified"] != false {
		t.Fatalf("userinfo %v", info)
	}
	for _, s := range []string{"address", "email", "openid", "phone", "profile"} {
		if !slices.Contains(strings.Fields(granted), s) {
			t.Fatalf("granted scope %q lacks %s", granted, s)
		}
	}
}

// TestConformance_oidcc_ensure_redirect_uri_in_authorization_request is
// oidcc-ensure-redirect-uri-in-authorization-request
// (OIDCCEnsureRedirectUriInAuthorizationRequest, ExpectRedirectUriMissingErrorPage):
// a request without redirect_uri, from a client with exactly one
// registered, gets Sigil's error page (OpenID Connect Core section 3.1.2.1
// makes redirect_uri REQUIRED), never a redirect, also for a client whose
// one URI RFC 6749 alone would let it leave out.
func TestConformance_oidcc_ensure_redirect_uri_in_authorization_request(t *testing.T) {
	in := crStart(t)
	id, _ := crClient(t, in, nil)
	q := crRequest(id, "openid")
	q.Del("redirect_uri")
	_, resp, body := crAuthorize(t, in, q)
	crErrorPage(t, resp, body, "invalid_request")
	if !strings.Contains(body, "redirect_uri") {
		t.Fatalf("the page does not say redirect_uri is missing:\n%s", body)
	}
	// POST too (oidcc-ensure-post-request-succeeds sends requests as forms).
	b := newBrowser(t, in.Issuer)
	presp, err := b.client.PostForm(in.Issuer+"/oauth2/auth", q)
	if err != nil {
		t.Fatal(err)
	}
	presp.Body.Close()
	if presp.StatusCode != http.StatusBadRequest || presp.Header.Get("Location") != "" {
		t.Fatalf("POST without redirect_uri: %d %q", presp.StatusCode, presp.Header.Get("Location"))
	}
}

// crRequestObject is an unsigned request object (alg none) of q, as
// ConvertAuthorizationEndpointRequestToRequestObject and
// SerializeRequestObjectWithNullAlgorithm build it.
func crRequestObject(t *testing.T, in *instance, q url.Values) string {
	t.Helper()
	claims := map[string]any{"iss": q.Get("client_id"), "aud": in.Issuer}
	for k := range q {
		claims[k] = q.Get(k)
	}
	payload, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + enc.EncodeToString(payload) + "."
}

// TestConformance_oidcc_unsigned_request_object_supported_correctly_or_rejected_as_unsupported
// is oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported
// (Basic OP): an unsigned request object by value, with response_type,
// client_id, scope and redirect_uri repeated in the query
// (BuildRequestObjectRedirectToAuthorizationEndpoint) and state only inside
// the object. Sigil does not process request objects, so it must answer
// request_not_supported (OpenID Connect Core section 3.1.2.6), never ignore
// the object; discovery says request_parameter_supported false.
func TestConformance_oidcc_unsigned_request_object_supported_correctly_or_rejected_as_unsupported(t *testing.T) {
	in := crStart(t)
	id, _ := crClient(t, in, nil)
	inner := crRequest(id, "openid")
	q := url.Values{"request": {crRequestObject(t, in, inner)}, "response_type": {"code"}, "client_id": {id},
		"scope": {"openid"}, "redirect_uri": {testRedirect}}
	_, resp, _ := crAuthorize(t, in, q)
	if code := crRedirectError(t, in, resp, q); code != "request_not_supported" {
		t.Fatalf("error %s, want request_not_supported", code)
	}
	if d := crDiscovery(t, in); d["request_parameter_supported"] != false {
		t.Fatalf("request_parameter_supported %v, want false", d["request_parameter_supported"])
	}
}

// TestConformance_oidcc_request_uri_unsigned_supported_correctly_or_rejected_as_unsupported
// is oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported
// (Basic OP): the request object by reference. Sigil fetches nothing (no
// request to an address a client names) and answers
// request_uri_not_supported; discovery says request_uri_parameter_supported
// false (its default would be true, Discovery section 3).
func TestConformance_oidcc_request_uri_unsigned_supported_correctly_or_rejected_as_unsupported(t *testing.T) {
	in := crStart(t)
	// A request_uri that answers, to see whether Sigil fetches it.
	fetched := make(chan struct{}, 1)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case fetched <- struct{}{}:
		default:
		}
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	addr := l.Addr().String()

	id, _ := crClient(t, in, nil)
	q := crRequest(id, "openid")
	q.Set("request_uri", "http://"+addr+"/request.jwt")
	_, resp, _ := crAuthorize(t, in, q)
	if code := crRedirectError(t, in, resp, q); code != "request_uri_not_supported" {
		t.Fatalf("error %s, want request_uri_not_supported", code)
	}
	select {
	case <-fetched:
		t.Fatal("Sigil fetched the request_uri")
	default:
	}
	if d := crDiscovery(t, in); d["request_uri_parameter_supported"] != false {
		t.Fatalf("request_uri_parameter_supported %v, want false", d["request_uri_parameter_supported"])
	}
}

// TestConformance_oidcc_ensure_request_object_with_redirect_uri is
// oidcc-ensure-request-object-with-redirect-uri (Basic OP): the request
// object holds the registered redirect_uri and the query another one
// (AddInvalidRedirectUriToAuthorizationRequest). A provider that processes
// request objects uses the object's; Sigil does not, so the query's
// unregistered URI is all it has: it shows its error page and sends the
// browser nowhere, least of all to the unregistered URI. The suite skips the
// module for a provider without request objects; this test pins the safe
// refusal.
func TestConformance_oidcc_ensure_request_object_with_redirect_uri(t *testing.T) {
	in := crStart(t)
	id, _ := crClient(t, in, nil)
	inner := crRequest(id, "openid")
	q := url.Values{"request": {crRequestObject(t, in, inner)}, "response_type": {"code"}, "client_id": {id},
		"scope": {"openid"}, "redirect_uri": {"https://attacker.example/cb"}}
	_, resp, body := crAuthorize(t, in, q)
	crErrorPage(t, resp, body, "invalid_request")
	if strings.Contains(resp.Header.Get("Location"), "attacker.example") {
		t.Fatal("redirected to the unregistered redirect_uri")
	}
}

// TestRegistrationParameterNotSupported: the registration parameter (OpenID
// Connect Core section 7.2.1) is answered registration_not_supported
// (section 3.1.2.6) at the client's redirect URI, not ignored.
func TestRegistrationParameterNotSupported(t *testing.T) {
	in := crStart(t)
	id, _ := crClient(t, in, nil)
	q := crRequest(id, "openid")
	q.Set("registration", `{"client_name":"Other App","redirect_uris":["https://attacker.example/cb"]}`)
	_, resp, _ := crAuthorize(t, in, q)
	if code := crRedirectError(t, in, resp, q); code != "registration_not_supported" {
		t.Fatalf("error %s, want registration_not_supported", code)
	}
}

// TestUnknownScopesIgnored: scopes Sigil does not know are left out of the
// request, the consent and the grant (OpenID Connect Core section 3.1.2.1),
// in both forms; a known scope outside the client's registration is still
// invalid_scope, as with Login with Unstoppable.
func TestUnknownScopesIgnored(t *testing.T) {
	in := crStart(t)
	id, secret := crClient(t, in, map[string]any{"scope": "openid wallet email"})
	q := crRequest(id, "openid telepathy wallet x-custom:optional profile:shoe")
	b := newBrowser(t, in.Issuer)
	flow := b.authorize(in.Issuer + "/oauth2/auth?" + q.Encode())
	ch, st, v := b.signIn(flow, "alice.crypto", in.Alice)
	if st != 200 {
		t.Fatalf("verify %d %v", st, v)
	}
	if msg, _ := ch["message"].(string); !strings.Contains(msg, "I consent to giving access to: openid wallet") || strings.Contains(msg, "telepathy") {
		t.Fatalf("the signed message lists scopes Sigil dropped:\n%s", msg)
	}
	// Granting a dropped scope is granting something not requested.
	if st, body := b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet", "telepathy"}}); st != 400 {
		t.Fatalf("accept with a dropped scope: %d %v", st, body)
	}
	st, acc := b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet"}})
	if st != 200 {
		t.Fatalf("accept %d %v", st, acc)
	}
	p := b.redirectParams(acc["redirect_to"].(string), "query")
	st, tok, _ := postToken(t, in, url.Values{"grant_type": {"authorization_code"}, "code": {p.Get("code")}, "redirect_uri": {testRedirect}}, id, secret)
	if st != 200 || tok["scope"] != "openid wallet" {
		t.Fatalf("token %d %v: want the scope openid wallet", st, tok)
	}

	for _, sc := range []string{"openid badges", "openid phone telepathy", "openid profile:name"} {
		q := crRequest(id, sc)
		_, resp, _ := crAuthorize(t, in, q)
		if code := crRedirectError(t, in, resp, q); code != "invalid_scope" {
			t.Errorf("scope %q: %s, want invalid_scope (known, not registered)", sc, code)
		}
	}
	q = crRequest(id, "telepathy")
	_, resp, _ := crAuthorize(t, in, q)
	if code := crRedirectError(t, in, resp, q); code != "invalid_scope" {
		t.Errorf("only unknown scopes: %s, want invalid_scope (openid is missing)", code)
	}
}

// TestPKCEPerClient: PKCE stays required by default and always for a public
// client; a confidential client registered with require_pkce false may
// leave it out, and then a code_verifier at the token endpoint is refused
// (RFC 9700 section 2.1.1); a challenge it does send is enforced, so the
// PKCE downgrade of RFC 9700 section 4.8.2 fails. Discovery advertises only
// S256: plain is a per-client opt-in.
func TestPKCEPerClient(t *testing.T) {
	in := crStart(t)
	d := crDiscovery(t, in)
	if l, _ := d["code_challenge_methods_supported"].([]any); len(l) != 1 || l[0] != "S256" {
		t.Fatalf("code_challenge_methods_supported %v, want [S256]", d["code_challenge_methods_supported"])
	}

	// Required by default.
	strict, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	q := crRequest(strict, "openid")
	_, resp, _ := crAuthorize(t, in, q)
	if code := crRedirectError(t, in, resp, q); code != "invalid_request" {
		t.Fatalf("default client without PKCE: %s", code)
	}
	// Always for a public client: it cannot opt out, and without PKCE it
	// is refused.
	if st, body := in.adminDo(t, "POST", "/admin/clients", map[string]any{"redirect_uris": []string{testRedirect},
		"token_endpoint_auth_method": "none", "require_pkce": false}); st != 400 {
		t.Fatalf("public client with require_pkce false: %d %s", st, body)
	}
	public, _ := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "token_endpoint_auth_method": "none"})
	q = crRequest(public, "openid")
	_, resp, _ = crAuthorize(t, in, q)
	if code := crRedirectError(t, in, resp, q); code != "invalid_request" {
		t.Fatalf("public client without PKCE: %s", code)
	}

	// A confidential client that opted out.
	id, secret := crClient(t, in, nil)
	tok := crFlow(t, in, id, secret, crRequest(id, "openid"), "")
	if tok["access_token"] == nil || tok["id_token"] == nil {
		t.Fatalf("token response %v", tok)
	}
	// code_challenge_method alone is malformed.
	q = crRequest(id, "openid")
	q.Set("code_challenge_method", "S256")
	_, resp, _ = crAuthorize(t, in, q)
	if code := crRedirectError(t, in, resp, q); code != "invalid_request" {
		t.Fatalf("code_challenge_method without code_challenge: %s", code)
	}

	// No challenge sent, a verifier presented: refused.
	code := crCode(t, in, crRequest(id, "openid"))
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "code_verifier": {oauth2.GenerateVerifier()}}
	if st, body, _ := postToken(t, in, form, id, secret); st != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("verifier for a code without challenge: %d %v", st, body)
	}

	// A challenge sent: the verifier is enforced, also for this client.
	verifier := oauth2.GenerateVerifier()
	q = crRequest(id, "openid")
	q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(verifier))
	q.Set("code_challenge_method", "S256")
	code = crCode(t, in, q)
	form = url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}}
	if st, body, _ := postToken(t, in, form, id, secret); st != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("downgrade (verifier left out): %d %v", st, body)
	}
	form.Set("code_verifier", oauth2.GenerateVerifier())
	if st, body, _ := postToken(t, in, form, id, secret); st != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("wrong verifier: %d %v", st, body)
	}
	form.Set("code_verifier", verifier)
	if st, body, _ := postToken(t, in, form, id, secret); st != 200 {
		t.Fatalf("right verifier: %d %v", st, body)
	}
}

// crCode signs alice.crypto in for q, grants what was requested, and
// returns the code of the authorization response (checking its state and
// iss).
func crCode(t *testing.T, in *instance, q url.Values) string {
	t.Helper()
	b := newBrowser(t, in.Issuer)
	flow := b.authorize(in.Issuer + "/oauth2/auth?" + q.Encode())
	if _, st, v := b.signIn(flow, "alice.crypto", in.Alice); st != 200 {
		t.Fatalf("verify %d %v", st, v)
	}
	st, acc := b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": strings.Fields(q.Get("scope"))})
	if st != 200 {
		t.Fatalf("consent %d %v", st, acc)
	}
	p := b.redirectParams(acc["redirect_to"].(string), "query")
	if p.Get("code") == "" || p.Get("state") != q.Get("state") || p.Get("iss") != in.Issuer {
		t.Fatalf("authorization response %v", p)
	}
	return p.Get("code")
}
