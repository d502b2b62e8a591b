package e2e

// The modules of the OpenID Foundation's certification plans that are not
// about request objects, keys, logout, back-channel logout or the claims
// parameter (those have their own conformance_*_test.go files):
//
//   - Basic OP, oidcc-basic-certification-test-plan: a static confidential
//     client (client_secret_basic; client_secret_post for
//     oidcc-server-client-secret-post), response_type=code, no response_mode.
//   - Form Post OP, oidcc-formpost-basic-certification-test-plan: the same
//     modules with response_mode=form_post. Every test whose module sends an
//     authorization request runs once per plan, as the subtests "default"
//     and "form_post".
//   - Config OP, oidcc-config-certification-test-plan:
//     oidcc-discovery-endpoint-verification.
//
// Each test does what its module does (the module's Java class in the
// conformance suite, net.openid.conformance.openid.*) over real HTTP
// against `sigil serve`, signing in with a real wallet key through the
// login API, and asserts what the module asserts. docs/conformance.md
// lists every module of the plans and the test that covers it.
//
// Like the plans, the modules send no code_challenge (only
// oidcc-ensure-request-with-valid-pkce-succeeds does), so the client is
// registered with require_pkce false, as RFC 9700 allows for a
// confidential client.

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
)

// conformanceModes are the response mode variants: "default" (Basic OP:
// no response_mode, so the code comes in the query) and "form_post" (Form
// Post OP).
var conformanceModes = []string{"default", "form_post"}

// conformanceScope is what the test client may request: the plans need
// openid, profile and email; offline_access is the refresh token's.
const conformanceScope = "openid wallet email profile offline_access"

// opTest is one run of a module: a sigil, a static client registered for
// it, and a person's browser that signs in as alice.crypto.
type opTest struct {
	t          *testing.T
	in         *instance
	mode       string
	clientID   string
	secret     string
	redirect   string
	authMethod string
	b          *browser
	verifier   *oidc.IDTokenVerifier
}

// forEachMode runs fn once per response mode variant, each with its own
// client and browser on one sigil.
func forEachMode(t *testing.T, fn func(t *testing.T, op *opTest)) {
	t.Helper()
	in := startSigil(t)
	for _, mode := range conformanceModes {
		t.Run(mode, func(t *testing.T) { fn(t, newOPTest(t, in, mode, nil)) })
	}
}

// newOPTest registers the plans' static client (client_secret_basic,
// authorization_code and refresh_token, no PKCE required) with metadata
// merged in, and opens a fresh browser.
func newOPTest(t *testing.T, in *instance, mode string, metadata map[string]any) *opTest {
	t.Helper()
	md := map[string]any{
		"client_name":                "Conformance RP",
		"redirect_uris":              []string{"https://rp.example/conformance/callback"},
		"scope":                      conformanceScope,
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"token_endpoint_auth_method": "client_secret_basic",
		"require_pkce":               false,
	}
	for k, v := range metadata {
		md[k] = v
	}
	id, secret := in.createClient(t, md)
	provider, err := oidc.NewProvider(ctx(t), in.Issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return &opTest{
		t: t, in: in, mode: mode, clientID: id, secret: secret,
		redirect:   md["redirect_uris"].([]string)[0],
		authMethod: md["token_endpoint_auth_method"].(string),
		b:          newBrowser(t, in.Issuer),
		verifier:   provider.Verifier(&oidc.Config{ClientID: id}),
	}
}

// randomValue is a random URL-safe string of n bytes of entropy, like the
// suite's state and nonce.
func randomValue(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// request is an authorization request as the suite's
// CreateAuthorizationRequestSteps builds it: client_id, redirect_uri,
// response_type=code, scope=openid, a random state and nonce, and
// response_mode=form_post in the Form Post plan. extra adds parameters or,
// with an empty value, removes one.
func (op *opTest) request(extra url.Values) url.Values {
	q := url.Values{
		"client_id":     {op.clientID},
		"redirect_uri":  {op.redirect},
		"response_type": {"code"},
		"scope":         {"openid"},
		"state":         {randomValue(16)},
		"nonce":         {randomValue(16)},
	}
	if op.mode == "form_post" {
		q.Set("response_mode", "form_post")
	}
	for k, v := range extra {
		if len(v) == 1 && v[0] == "" {
			q.Del(k)
			continue
		}
		q[k] = v
	}
	return q
}

func (op *opTest) authURL(q url.Values) string {
	return op.in.Issuer + "/oauth2/auth?" + q.Encode()
}

// start sends the authorization request from the browser and returns
// where Sigil sends it: the login page, the consent page, or the
// authorization response.
func (op *opTest) start(q url.Values) string {
	op.t.Helper()
	resp, body := op.b.get(op.authURL(q))
	if resp.StatusCode != http.StatusSeeOther {
		op.t.Fatalf("authorization request %v: status %d, want 303: %s", q, resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

func (op *opTest) isLoginPage(loc string) bool {
	return strings.HasPrefix(loc, op.in.Issuer+"/login?flow=")
}

func (op *opTest) isConsentPage(loc string) bool {
	return strings.HasPrefix(loc, op.in.Issuer+"/consent?flow=")
}

// signIn completes a flow that went to the login page: alice.crypto signs
// with her key, then consents to the requested scopes (remembering the
// consent when remember is set). It returns the authorization response's
// location.
func (op *opTest) signIn(loginPage string, q url.Values, remember bool) string {
	op.t.Helper()
	if !op.isLoginPage(loginPage) {
		op.t.Fatalf("went to %s, want the login page", loginPage)
	}
	u, _ := url.Parse(loginPage)
	flow := u.Query().Get("flow")
	_, st, v := op.b.signIn(flow, "alice.crypto", op.in.Alice)
	if st != 200 {
		op.t.Fatalf("verify: %d %v", st, v)
	}
	next, _ := v["redirect_to"].(string)
	if !op.isConsentPage(next) {
		return next
	}
	return op.consent(next, q, remember)
}

// consent accepts every scope the request asked for.
func (op *opTest) consent(consentPage string, q url.Values, remember bool) string {
	op.t.Helper()
	u, _ := url.Parse(consentPage)
	st, acc := op.b.api("/consent/accept", map[string]any{"flow": u.Query().Get("flow"),
		"grant_scope": strings.Fields(q.Get("scope")), "remember": remember})
	if st != 200 {
		op.t.Fatalf("consent: %d %v", st, acc)
	}
	to, _ := acc["redirect_to"].(string)
	return to
}

// formPostAction finds where Sigil's form_post page posts its form.
var formPostAction = regexp.MustCompile(`<form[^>]* method="post" action="([^"]+)"`)

// response reads the authorization response at loc in the plan's response
// mode: the query of the redirect URI (Basic OP; never the fragment), or
// the hidden fields of the page that posts them to the redirect URI (Form
// Post OP).
func (op *opTest) response(loc string) url.Values {
	op.t.Helper()
	if op.mode == "form_post" && !strings.HasPrefix(loc, op.redirect) {
		resp, body := op.b.get(loc)
		if resp.StatusCode != 200 {
			op.t.Fatalf("form_post page %s: %d %s", loc, resp.StatusCode, body)
		}
		m := formPostAction.FindStringSubmatch(body)
		if m == nil || htmlUnescape(m[1]) != op.redirect {
			op.t.Fatalf("form_post page does not post to %s:\n%s", op.redirect, body)
		}
		return op.b.redirectParams(loc, "form_post")
	}
	if op.mode == "form_post" {
		op.t.Fatalf("response_mode=form_post answered by a redirect to %s", loc)
	}
	u, err := url.Parse(loc)
	if err != nil || !strings.HasPrefix(loc, op.redirect) || u.Fragment != "" {
		op.t.Fatalf("authorization response at %s, want the query of %s", loc, op.redirect)
	}
	return u.Query()
}

// checkSuccess asserts a successful authorization response for q
// (CheckMatchingStateParameter, ExtractAuthorizationCodeFromAuthorizationResponse,
// RFC 9207's iss) and returns its code.
func (op *opTest) checkSuccess(params url.Values, q url.Values) string {
	op.t.Helper()
	if params.Get("error") != "" {
		op.t.Fatalf("authorization failed: %v", params)
	}
	if params.Get("state") != q.Get("state") || params.Get("iss") != op.in.Issuer || params.Get("code") == "" {
		op.t.Fatalf("authorization response %v: want a code, state %q and iss %q", params, q.Get("state"), op.in.Issuer)
	}
	return params.Get("code")
}

// checkError asserts an error authorization response with state and iss
// intact and an error_description in the RFC 6749 section 4.1.2.1
// character set; it returns the error code.
func (op *opTest) checkError(params url.Values, q url.Values) string {
	op.t.Helper()
	if params.Get("code") != "" || params.Get("error") == "" {
		op.t.Fatalf("authorization response %v: want an error", params)
	}
	if params.Get("state") != q.Get("state") {
		op.t.Fatalf("error response state %q, want %q", params.Get("state"), q.Get("state"))
	}
	if params.Get("iss") != op.in.Issuer {
		op.t.Fatalf("error response iss %q, want %q", params.Get("iss"), op.in.Issuer)
	}
	checkErrorDescription(op.t, params.Get("error_description"))
	return params.Get("error")
}

// errorDescriptionChars is RFC 6749 section 5.2's set for error_description.
var errorDescriptionChars = regexp.MustCompile(`^[\x20-\x21\x23-\x5B\x5D-\x7E]*$`)

func checkErrorDescription(t *testing.T, d string) {
	t.Helper()
	if !errorDescriptionChars.MatchString(d) {
		t.Errorf("error_description %q has characters outside RFC 6749 section 5.2's set", d)
	}
}

// tokens is a token endpoint answer.
type tokens struct {
	status int
	header http.Header
	body   map[string]any
}

func (tk tokens) str(k string) string { s, _ := tk.body[k].(string); return s }

// tokenRequest posts form to the token endpoint with the client's
// registered authentication (AddBasicAuthClientSecretAuthenticationParameters
// or AddFormBasedClientSecretAuthenticationParameters).
func (op *opTest) tokenRequest(form url.Values) tokens {
	op.t.Helper()
	form = cloneValues(form)
	if op.authMethod == "client_secret_post" {
		form.Set("client_id", op.clientID)
		form.Set("client_secret", op.secret)
	}
	req, _ := http.NewRequest("POST", op.in.Issuer+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if op.authMethod == "client_secret_basic" {
		req.SetBasicAuth(url.QueryEscape(op.clientID), url.QueryEscape(op.secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		op.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := tokens{status: resp.StatusCode, header: resp.Header, body: map[string]any{}}
	if err := json.Unmarshal(raw, &out.body); err != nil {
		op.t.Fatalf("token endpoint answered non-JSON %d: %s", resp.StatusCode, raw)
	}
	if resp.StatusCode >= 500 {
		op.t.Logf("sigil output:\n%s", op.in.logs.String())
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// exchange redeems code (CreateTokenEndpointRequestForAuthorizationCodeGrant)
// and checks the answer as requestAuthorizationCode does: 200, JSON, not
// cached, a Bearer access token, a valid expires_in, an ID token.
func (op *opTest) exchange(code string, extra url.Values) tokens {
	op.t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {op.redirect}}
	for k, v := range extra {
		form[k] = v
	}
	tk := op.tokenRequest(form)
	op.checkTokenResponse(tk)
	return tk
}

// checkTokenResponse is RFC 6749 section 5.1 for a successful answer.
func (op *opTest) checkTokenResponse(tk tokens) {
	op.t.Helper()
	if tk.status != 200 {
		op.t.Fatalf("token endpoint: %d %v", tk.status, tk.body)
	}
	if ct := tk.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		op.t.Errorf("token endpoint Content-Type %q, want application/json", ct)
	}
	if cc := tk.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		op.t.Errorf("token endpoint Cache-Control %q, want no-store", cc)
	}
	if tk.str("access_token") == "" || !strings.EqualFold(tk.str("token_type"), "Bearer") {
		op.t.Fatalf("token response %v: want a Bearer access token", tk.body)
	}
	// ValidateExpiresIn: a positive number when present.
	if e, ok := tk.body["expires_in"]; ok {
		if n, ok := e.(float64); !ok || n <= 0 || n != float64(int64(n)) {
			op.t.Errorf("expires_in %v is not a positive integer", e)
		}
	}
	if tk.str("id_token") == "" {
		op.t.Fatalf("token response %v has no id_token", tk.body)
	}
}

// idToken is a verified ID token: its header and claims.
type idToken struct {
	raw    string
	header map[string]any
	claims map[string]any
}

func (tok idToken) num(k string) int64 {
	n, _ := tok.claims[k].(float64)
	return int64(n)
}

// checkIDToken is performIdTokenValidation: the signature against the
// JWKS key named by kid (ValidateIdTokenSignature,
// ValidateIdTokenSignatureUsingKid), ValidateIdToken (iss, aud, azp with
// several audiences, exp, iat), ValidateIdTokenNonce (the request's nonce,
// or none when none was sent) and CheckForSubjectInIdToken.
func (op *opTest) checkIDToken(raw, nonce string) idToken {
	op.t.Helper()
	verified, err := op.verifier.Verify(ctx(op.t), raw)
	if err != nil {
		op.t.Fatalf("ID token does not verify against the JWKS: %v", err)
	}
	tok := idToken{raw: raw, header: jwtPart(op.t, raw, 0), claims: map[string]any{}}
	if err := verified.Claims(&tok.claims); err != nil {
		op.t.Fatal(err)
	}
	kid, _ := tok.header["kid"].(string)
	if kid == "" {
		op.t.Errorf("ID token header %v has no kid (OpenID Connect Core 10.1)", tok.header)
	} else if key := op.jwk(kid); key == nil {
		op.t.Errorf("the ID token's kid %q is not in the JWKS", kid)
	} else if _, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(key.Algorithm)}); err != nil {
		op.t.Errorf("the ID token's alg does not match its key's: %v", err)
	}
	if tok.claims["iss"] != op.in.Issuer {
		op.t.Errorf("iss %v, want %s", tok.claims["iss"], op.in.Issuer)
	}
	switch aud := tok.claims["aud"].(type) {
	case string:
		if aud != op.clientID {
			op.t.Errorf("aud %q, want %q", aud, op.clientID)
		}
	case []any:
		if !slices.Contains(aud, any(op.clientID)) || (len(aud) > 1 && tok.claims["azp"] != op.clientID) {
			op.t.Errorf("aud %v / azp %v", aud, tok.claims["azp"])
		}
	default:
		op.t.Errorf("aud %v", tok.claims["aud"])
	}
	now := time.Now().Unix()
	iat, exp := tok.num("iat"), tok.num("exp")
	if iat == 0 || iat > now+5 || iat < now-300 || exp <= now || exp <= iat {
		op.t.Errorf("iat %d / exp %d do not fit now %d", iat, exp, now)
	}
	if nbf := tok.num("nbf"); nbf > now+5 {
		op.t.Errorf("nbf %d is in the future", nbf)
	}
	if nonce != "" && nonce != anyNonce && tok.claims["nonce"] != nonce {
		op.t.Errorf("nonce %v, want %q", tok.claims["nonce"], nonce)
	}
	if nonce == "" && tok.claims["nonce"] != nil {
		op.t.Errorf("nonce %v in the ID token of a request without one", tok.claims["nonce"])
	}
	if s, _ := tok.claims["sub"].(string); s != "alice.crypto" {
		op.t.Errorf("sub %v, want alice.crypto", tok.claims["sub"])
	}
	return tok
}

// anyNonce tells checkIDToken not to look at the nonce: a refreshed ID
// token may repeat the original's (OpenID Connect Core 12.2 is silent, and
// CompareIdTokenClaims does not check it).
const anyNonce = "\x00any"

// jwk returns the JWKS key with kid, or nil.
func (op *opTest) jwk(kid string) *jose.JSONWebKey {
	op.t.Helper()
	resp, err := http.Get(op.in.Issuer + "/.well-known/jwks.json")
	if err != nil {
		op.t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		op.t.Fatalf("JWKS: %v", err)
	}
	keys := set.Key(kid)
	if len(keys) == 0 {
		return nil
	}
	return &keys[0]
}

// jwtPart decodes part i (0 header, 1 payload) of a compact JWT.
func jwtPart(t *testing.T, raw string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("not a compact JWS: %q", raw)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatalf("JWT part %d: %v", i, err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("JWT part %d: %v", i, err)
	}
	return out
}

// userinfo calls the userinfo endpoint with the access token as how says:
// "get" (CallUserInfoEndpointWithBearerToken), "post-header" or
// "post-body" (RFC 6750 section 2.2).
func (op *opTest) userinfo(accessToken, how string) (int, http.Header, []byte) {
	op.t.Helper()
	var req *http.Request
	switch how {
	case "get":
		req, _ = http.NewRequest("GET", op.in.Issuer+"/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+accessToken)
	case "post-header":
		req, _ = http.NewRequest("POST", op.in.Issuer+"/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+accessToken)
	case "post-body":
		req, _ = http.NewRequest("POST", op.in.Issuer+"/userinfo", strings.NewReader(url.Values{"access_token": {accessToken}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		op.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

// userinfoClaims calls userinfo and checks EnsureUserInfoContainsSub (the
// ID token's sub, OpenID Connect Core 5.3.2) and ValidateUserInfoStandardClaims
// (standard claims have their standard types, 5.1).
func (op *opTest) userinfoClaims(accessToken, how string) map[string]any {
	op.t.Helper()
	st, h, body := op.userinfo(accessToken, how)
	if st != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		op.t.Fatalf("userinfo (%s): %d %s %s", how, st, h.Get("Content-Type"), body)
	}
	claims := map[string]any{}
	if err := json.Unmarshal(body, &claims); err != nil {
		op.t.Fatalf("userinfo: %v: %s", err, body)
	}
	if claims["sub"] != "alice.crypto" {
		op.t.Errorf("userinfo sub %v, want the ID token's alice.crypto", claims["sub"])
	}
	for _, k := range []string{"name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
		"profile", "picture", "website", "email", "gender", "birthdate", "zoneinfo", "locale", "phone_number"} {
		if v, ok := claims[k]; ok {
			if _, isString := v.(string); !isString {
				op.t.Errorf("userinfo %s = %v is not a string (OpenID Connect Core 5.1)", k, v)
			}
		}
	}
	for _, k := range []string{"email_verified", "phone_number_verified"} {
		if v, ok := claims[k]; ok {
			if _, isBool := v.(bool); !isBool {
				op.t.Errorf("userinfo %s = %v is not a boolean (OpenID Connect Core 5.1)", k, v)
			}
		}
	}
	if v, ok := claims["updated_at"]; ok {
		if _, isNumber := v.(float64); !isNumber {
			op.t.Errorf("userinfo updated_at = %v is not a number", v)
		}
	}
	return claims
}

// flowResult is what a completed code flow gave the relying party.
type flowResult struct {
	q       url.Values
	params  url.Values
	tokens  tokens
	idToken idToken
}

// fullFlow runs a whole module flow from a fresh sign-in: request with
// extra, login and consent, the authorization response, the token
// exchange and the ID token checks.
func (op *opTest) fullFlow(extra url.Values, remember bool) flowResult {
	op.t.Helper()
	q := op.request(extra)
	loc := op.start(q)
	if op.isLoginPage(loc) {
		loc = op.signIn(loc, q, remember)
	}
	return op.finish(q, loc)
}

// finish reads the authorization response at loc and redeems its code.
func (op *opTest) finish(q url.Values, loc string) flowResult {
	op.t.Helper()
	params := op.response(loc)
	code := op.checkSuccess(params, q)
	tk := op.exchange(code, nil)
	return flowResult{q: q, params: params, tokens: tk, idToken: op.checkIDToken(tk.str("id_token"), q.Get("nonce"))}
}

// TestConformance_oidcc_server is oidcc-server (OIDCCServerTest, Basic OP
// and Form Post OP): the code flow with client_secret_basic, the ID token
// checks, and the access token at the userinfo endpoint
// (CallProtectedResourceWithBearerToken).
func TestConformance_oidcc_server(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		r := op.fullFlow(nil, false)
		op.userinfoClaims(r.tokens.str("access_token"), "get")
	})
}

// TestConformance_oidcc_server_client_secret_post is
// oidcc-server-client-secret-post (OIDCCServerTestClientSecretPost): the
// same with the client's credentials in the form body.
func TestConformance_oidcc_server_client_secret_post(t *testing.T) {
	in := startSigil(t)
	for _, mode := range conformanceModes {
		t.Run(mode, func(t *testing.T) {
			op := newOPTest(t, in, mode, map[string]any{"token_endpoint_auth_method": "client_secret_post"})
			r := op.fullFlow(nil, false)
			op.userinfoClaims(r.tokens.str("access_token"), "get")
		})
	}
}

// TestConformance_oidcc_response_type_missing is oidcc-response-type-missing
// (OIDCCResponseTypeMissing): a request without response_type gets an
// error page, or an error in the redirect URI's query
// (CheckErrorFromAuthorizationEndpointErrorInvalidRequestOrUnsupportedResponseType).
// The module sends no response_mode in either plan.
func TestConformance_oidcc_response_type_missing(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		q := op.request(url.Values{"response_type": {""}, "response_mode": {""}})
		resp, body := op.b.get(op.authURL(q))
		if resp.StatusCode != http.StatusSeeOther {
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "response_type") {
				t.Fatalf("no response_type: %d %s, want an error page naming response_type or a redirect", resp.StatusCode, body)
			}
			return
		}
		u, _ := url.Parse(resp.Header.Get("Location"))
		if !strings.HasPrefix(u.String(), op.redirect) {
			t.Fatalf("redirected to %s", u)
		}
		if e := op.checkError(u.Query(), q); e != "invalid_request" && e != "unsupported_response_type" {
			t.Fatalf("error %q, want invalid_request or unsupported_response_type", e)
		}
	})
}

// TestConformance_oidcc_idtoken_signature is oidcc-idtoken-signature
// (OIDCCIdTokenSignature; the plan runs it with dynamic registration, here
// with a client registered without id_token_signed_response_alg): the ID
// token names its key (EnsureIdTokenContainsKid) and is signed with RS256
// by default (EnsureIdTokenSignatureIsRS256).
func TestConformance_oidcc_idtoken_signature(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		r := op.fullFlow(nil, false)
		if r.idToken.header["alg"] != "RS256" {
			t.Fatalf("default ID token alg %v, want RS256", r.idToken.header["alg"])
		}
		if key := op.jwk(r.idToken.header["kid"].(string)); key == nil || key.Algorithm != "RS256" || key.Use != "sig" {
			t.Fatalf("the signing key in the JWKS: %+v", key)
		}
	})
}

// TestConformance_oidcc_idtoken_unsigned is oidcc-idtoken-unsigned
// (OIDCCIdTokenUnsigned): the module is skipped when discovery does not
// list "none", which Sigil never accepts: discovery leaves it out and a
// client cannot register it.
func TestConformance_oidcc_idtoken_unsigned(t *testing.T) {
	in := startSigil(t)
	_, d, _ := getJSON(t, in.Issuer+"/.well-known/openid-configuration")
	algs, _ := d["id_token_signing_alg_values_supported"].([]any)
	if len(algs) == 0 || slices.Contains(algs, any("none")) {
		t.Fatalf("id_token_signing_alg_values_supported %v: want algorithms, never none", algs)
	}
	st, body := in.adminDo(t, "POST", "/admin/clients", map[string]any{
		"redirect_uris": []string{"https://rp.example/cb"}, "id_token_signed_response_alg": "none"})
	if st != http.StatusBadRequest {
		t.Fatalf("registering id_token_signed_response_alg none: %d %s, want 400", st, body)
	}
}

// TestConformance_oidcc_userinfo_get is oidcc-userinfo-get
// (OIDCCUserInfoGet): GET with the Bearer header answers claims with the
// ID token's sub.
func TestConformance_oidcc_userinfo_get(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		r := op.fullFlow(nil, false)
		op.userinfoClaims(r.tokens.str("access_token"), "get")
	})
}

// TestConformance_oidcc_userinfo_post_header is oidcc-userinfo-post-header
// (OIDCCUserInfoPostHeader): POST with the Bearer header.
func TestConformance_oidcc_userinfo_post_header(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		r := op.fullFlow(nil, false)
		op.userinfoClaims(r.tokens.str("access_token"), "post-header")
	})
}

// TestConformance_oidcc_userinfo_post_body is oidcc-userinfo-post-body
// (OIDCCUserInfoPostBody): POST with access_token in the form body (RFC
// 6750 section 2.2). The module only warns when this is unsupported;
// Sigil supports it, so it must work.
func TestConformance_oidcc_userinfo_post_body(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		r := op.fullFlow(nil, false)
		op.userinfoClaims(r.tokens.str("access_token"), "post-body")
	})
}

func asList(v any) []any { l, _ := v.([]any); return l }

// TestConformance_oidcc_ensure_request_without_nonce_succeeds_for_code_flow
// is oidcc-ensure-request-without-nonce-succeeds-for-code-flow
// (OIDCCEnsureRequestWithoutNonceSucceedsForCodeFlow): without nonce the
// code flow still issues a code; its ID token then has no nonce.
func TestConformance_oidcc_ensure_request_without_nonce_succeeds_for_code_flow(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		r := op.fullFlow(url.Values{"nonce": {""}}, false)
		if r.q.Has("nonce") {
			t.Fatal("the request carried a nonce")
		}
	})
}

// scopeFlow is AbstractOIDCCScopesServerTest: the scope is in
// scopes_supported (else the module is skipped, which for profile and
// email would fail the plan), the flow succeeds, and userinfo answers sub
// and standard claims of the right types; VerifyScopesReturnedInUserInfoClaims
// (a warning in the suite) is asserted here for the claims alice.crypto's
// records hold.
func scopeFlow(t *testing.T, op *opTest, scopes string, want map[string]any) {
	t.Helper()
	_, d, _ := getJSON(t, op.in.Issuer+"/.well-known/openid-configuration")
	supported, _ := d["scopes_supported"].([]any)
	for _, s := range strings.Fields(scopes) {
		if !slices.Contains(supported, any(s)) {
			t.Fatalf("scopes_supported %v lacks %s", supported, s)
		}
	}
	r := op.fullFlow(url.Values{"scope": {scopes}}, false)
	claims := op.userinfoClaims(r.tokens.str("access_token"), "get")
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("userinfo %s = %v, want %v (all claims: %v)", k, claims[k], v, claims)
		}
	}
}

// TestConformance_oidcc_scope_profile is oidcc-scope-profile
// (OIDCCScopeProfile): scope openid profile; alice.crypto's profile.name
// record comes back as name.
func TestConformance_oidcc_scope_profile(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		scopeFlow(t, op, "openid profile", map[string]any{"name": "Alice Liddell"})
	})
}

// TestConformance_oidcc_scope_email is oidcc-scope-email (OIDCCScopeEmail):
// scope openid email; the email record comes back with email_verified.
func TestConformance_oidcc_scope_email(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		scopeFlow(t, op, "openid email", map[string]any{"email": "alice@example.com", "email_verified": false})
	})
}

// TestConformance_oidcc_ensure_other_scope_order_succeeds is
// oidcc-ensure-other-scope-order-succeeds (OIDCEnsureOtherScopeOrderSucceeds):
// oidcc-scope-email with the scope order reversed (RFC 6749 section 3.3:
// order does not matter).
func TestConformance_oidcc_ensure_other_scope_order_succeeds(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		scopeFlow(t, op, "email openid", map[string]any{"email": "alice@example.com"})
	})
}

// TestConformance_oidcc_display_page is oidcc-display-page
// (OIDCCDisplayPage): display=page must not fail.
func TestConformance_oidcc_display_page(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) { op.fullFlow(url.Values{"display": {"page"}}, false) })
}

// TestConformance_oidcc_display_popup is oidcc-display-popup
// (OIDCCDisplayPopup): display=popup must not fail.
func TestConformance_oidcc_display_popup(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) { op.fullFlow(url.Values{"display": {"popup"}}, false) })
}

// TestConformance_oidcc_ensure_request_with_unknown_parameter_succeeds is
// oidcc-ensure-request-with-unknown-parameter-succeeds
// (OIDCCEnsureRequestWithUnknownParameterSucceeds): extra=foobar is
// ignored (RFC 6749 section 3.1).
func TestConformance_oidcc_ensure_request_with_unknown_parameter_succeeds(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) { op.fullFlow(url.Values{"extra": {"foobar"}}, false) })
}

// TestConformance_oidcc_login_hint is oidcc-login-hint (OIDCCLoginHint):
// login_hint must not cause an error; Sigil fills the domain in.
func TestConformance_oidcc_login_hint(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		q := op.request(url.Values{"login_hint": {"alice.crypto"}})
		loc := op.start(q)
		if resp, page := op.b.get(loc); resp.StatusCode != 200 || !strings.Contains(page, `value="alice.crypto"`) {
			t.Fatalf("login page %d does not show the login_hint", resp.StatusCode)
		}
		op.finish(q, op.signIn(loc, q, false))
	})
}

// TestConformance_oidcc_ui_locales is oidcc-ui-locales (OIDCCUiLocales):
// ui_locales=se must not fail.
func TestConformance_oidcc_ui_locales(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) { op.fullFlow(url.Values{"ui_locales": {"se"}}, false) })
}

// TestConformance_oidcc_claims_locales is oidcc-claims-locales
// (OIDCCClaimsLocales): claims_locales=se must not fail; userinfo still
// answers.
func TestConformance_oidcc_claims_locales(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		r := op.fullFlow(url.Values{"claims_locales": {"se"}}, false)
		op.userinfoClaims(r.tokens.str("access_token"), "get")
	})
}

// TestConformance_oidcc_ensure_request_with_acr_values_succeeds is
// oidcc-ensure-request-with-acr-values-succeeds
// (OIDCCEnsureRequestWithAcrValuesSucceeds): acr_values with the
// advertised acr_values_supported succeeds, and the ID token's acr is one
// of them (ValidateIdTokenACRClaimAgainstAcrValuesRequest, a warning in
// the suite, asserted here).
func TestConformance_oidcc_ensure_request_with_acr_values_succeeds(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		_, d, _ := getJSON(t, op.in.Issuer+"/.well-known/openid-configuration")
		var values []string
		for _, v := range asList(d["acr_values_supported"]) {
			values = append(values, v.(string))
		}
		if len(values) == 0 {
			values = []string{"1", "2"}
		}
		r := op.fullFlow(url.Values{"acr_values": {strings.Join(values, " ")}}, false)
		if acr, _ := r.idToken.claims["acr"].(string); !slices.Contains(values, acr) {
			t.Fatalf("acr %q is not one of the requested %v", acr, values)
		}
	})
}

// TestConformance_oidcc_ensure_request_with_valid_pkce_succeeds is
// oidcc-ensure-request-with-valid-pkce-succeeds
// (OIDCCEnsureRequestWithValidPkceSucceeds): S256 PKCE from a confidential
// client succeeds, with the verifier at the token endpoint.
func TestConformance_oidcc_ensure_request_with_valid_pkce_succeeds(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		verifier := oauth2.GenerateVerifier()
		q := op.request(url.Values{"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}})
		loc := op.signIn(op.start(q), q, false)
		code := op.checkSuccess(op.response(loc), q)
		tk := op.exchange(code, url.Values{"code_verifier": {verifier}})
		op.checkIDToken(tk.str("id_token"), q.Get("nonce"))
	})
}

// TestConformance_oidcc_ensure_post_request_succeeds is
// oidcc-ensure-post-request-succeeds (OIDCCEnsurePostRequestSucceeds): the
// authorization request as a form POST (OpenID Connect Core 3.1.2.1).
func TestConformance_oidcc_ensure_post_request_succeeds(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		q := op.request(nil)
		req, _ := http.NewRequest("POST", op.in.Issuer+"/oauth2/auth", strings.NewReader(q.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := op.b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST authorization request: %d %s", resp.StatusCode, body)
		}
		op.finish(q, op.signIn(resp.Header.Get("Location"), q, false))
	})
}

// TestConformance_oidcc_ensure_registered_redirect_uri is
// oidcc-ensure-registered-redirect-uri (OIDCCEnsureRegisteredRedirectUri):
// an unregistered redirect_uri gets an error page, never a redirect
// (ExpectRedirectUriErrorPage).
func TestConformance_oidcc_ensure_registered_redirect_uri(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		bad := "https://rp.example/conformance/callback/" + hex.EncodeToString([]byte(randomValue(6)))
		resp, body := op.b.get(op.authURL(op.request(url.Values{"redirect_uri": {bad}})))
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
			t.Fatalf("unregistered redirect_uri: %d Location %q, want a 400 page", resp.StatusCode, resp.Header.Get("Location"))
		}
		if !strings.Contains(body, "redirect_uri") || strings.Contains(body, bad+"?") {
			t.Fatalf("the error page does not say the redirect_uri is the problem:\n%s", body)
		}
	})
}

// TestConformance_oidcc_prompt_login is oidcc-prompt-login
// (OIDCCPromptLogin): after a sign-in, prompt=login shows the login page
// again (ExpectSecondLoginPage) and the new ID token's auth_time differs
// (CheckIdTokenAuthTimeClaimsDifferIfPresent).
func TestConformance_oidcc_prompt_login(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		first := op.fullFlow(nil, true)
		time.Sleep(1100 * time.Millisecond) // auth_time counts seconds
		q := op.request(url.Values{"prompt": {"login"}})
		loc := op.start(q)
		if !op.isLoginPage(loc) {
			t.Fatalf("prompt=login went to %s, want the login page", loc)
		}
		second := op.finish(q, op.signIn(loc, q, false))
		if a, b := first.idToken.num("auth_time"), second.idToken.num("auth_time"); a == 0 || b == 0 || a == b {
			t.Fatalf("auth_time %d then %d: want both present and different", a, b)
		}
	})
}

// TestConformance_oidcc_prompt_none_not_logged_in is
// oidcc-prompt-none-not-logged-in (OIDCCPromptNoneNotLoggedIn): without a
// session, prompt=none answers an error that needs a user interface
// (OpenID Connect Core 3.1.2.6) with the 128-character state intact.
func TestConformance_oidcc_prompt_none_not_logged_in(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		state := randomValue(96) // 128 characters
		q := op.request(url.Values{"prompt": {"none"}, "state": {state}})
		params := op.response(op.start(q))
		switch e := op.checkError(params, q); e {
		case "login_required", "interaction_required", "consent_required", "account_selection_required":
		default:
			t.Fatalf("prompt=none without a session: error %q", e)
		}
	})
}

// sameAuthTwice is AbstractOIDCCSameAuthTwiceServerTest: a sign-in
// (remembering consent, as a person testing would, so that a silent
// request can succeed), then a second request with extra that must come
// back at once, without Sigil's pages, with the same sub and auth_time.
func sameAuthTwice(t *testing.T, op *opTest, firstExtra url.Values, second func(first flowResult) url.Values) (flowResult, flowResult) {
	t.Helper()
	first := op.fullFlow(firstExtra, true)
	q := op.request(second(first))
	loc := op.start(q)
	if op.isLoginPage(loc) || op.isConsentPage(loc) {
		t.Fatalf("the second request went to %s, want the authorization response at once", loc)
	}
	r := op.finish(q, loc)
	if r.idToken.claims["sub"] != first.idToken.claims["sub"] {
		t.Errorf("sub %v then %v", first.idToken.claims["sub"], r.idToken.claims["sub"])
	}
	if a, b := first.idToken.num("auth_time"), r.idToken.num("auth_time"); a != b {
		t.Errorf("auth_time %d then %d, want the same sign-in", a, b)
	}
	return first, r
}

// TestConformance_oidcc_prompt_none_logged_in is oidcc-prompt-none-logged-in
// (OIDCCPromptNoneLoggedIn).
func TestConformance_oidcc_prompt_none_logged_in(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		sameAuthTwice(t, op, nil, func(flowResult) url.Values { return url.Values{"prompt": {"none"}} })
	})
}

// TestConformance_oidcc_id_token_hint is oidcc-id-token-hint
// (OIDCCIdTokenHint): prompt=none with the first ID token as
// id_token_hint.
func TestConformance_oidcc_id_token_hint(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		sameAuthTwice(t, op, nil, func(first flowResult) url.Values {
			return url.Values{"prompt": {"none"}, "id_token_hint": {first.idToken.raw}}
		})
	})
}

// TestConformance_oidcc_max_age_10000 is oidcc-max-age-10000
// (OIDCCMaxAge10000): max_age=15000 then max_age=10000; both ID tokens
// carry auth_time (CheckIdTokenAuthTimeClaimPresentDueToMaxAge), the
// second without a new sign-in.
func TestConformance_oidcc_max_age_10000(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		first, second := sameAuthTwice(t, op, url.Values{"max_age": {"15000"}},
			func(flowResult) url.Values { return url.Values{"max_age": {"10000"}} })
		if first.idToken.num("auth_time") == 0 || second.idToken.num("auth_time") == 0 {
			t.Fatal("auth_time missing although max_age was sent")
		}
	})
}

// TestConformance_oidcc_max_age_1 is oidcc-max-age-1 (OIDCCMaxAge1): after
// a sign-in and a 2-second wait, max_age=1 needs a new sign-in
// (ExpectSecondLoginPage), and the new auth_time is present, later than
// the first and recent.
func TestConformance_oidcc_max_age_1(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) {
		first := op.fullFlow(nil, true)
		time.Sleep(2 * time.Second)
		q := op.request(url.Values{"max_age": {"1"}})
		loc := op.start(q)
		if !op.isLoginPage(loc) {
			t.Fatalf("max_age=1 after 2 s went to %s, want the login page", loc)
		}
		second := op.finish(q, op.signIn(loc, q, false))
		at := second.idToken.num("auth_time")
		if at == 0 || at <= first.idToken.num("auth_time") || time.Now().Unix()-at > 60 {
			t.Fatalf("auth_time %d after %d: want present, later and recent", at, first.idToken.num("auth_time"))
		}
	})
}

// codeReuse is AbstractOIDCCAuthCodeReuse: the code's second use fails
// with 400 invalid_grant in JSON, with a valid error_description
// (RFC 6749 section 5.2). It returns the first access token.
func codeReuse(t *testing.T, op *opTest, wait time.Duration) string {
	t.Helper()
	q := op.request(nil)
	code := op.checkSuccess(op.response(op.signIn(op.start(q), q, false)), q)
	first := op.exchange(code, nil)
	op.checkIDToken(first.str("id_token"), q.Get("nonce"))
	time.Sleep(wait)
	again := op.tokenRequest(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {op.redirect}})
	if again.status != 400 || again.str("error") != "invalid_grant" || !strings.HasPrefix(again.header.Get("Content-Type"), "application/json") {
		t.Fatalf("reused code: %d %s %v, want 400 invalid_grant JSON", again.status, again.header.Get("Content-Type"), again.body)
	}
	checkErrorDescription(t, again.str("error_description"))
	if u := again.str("error_uri"); u != "" {
		if _, err := url.ParseRequestURI(u); err != nil {
			t.Errorf("error_uri %q is not a URI", u)
		}
	}
	return first.str("access_token")
}

// TestConformance_oidcc_codereuse is oidcc-codereuse (OIDCCAuthCodeReuse).
func TestConformance_oidcc_codereuse(t *testing.T) {
	forEachMode(t, func(t *testing.T, op *opTest) { codeReuse(t, op, 0) })
}

// TestConformance_oidcc_codereuse_30seconds is oidcc-codereuse-30seconds
// (OIDCCAuthCodeReuseAfter30Seconds): the reuse 30 seconds later fails
// too, and the access token of the first use is revoked (RFC 6749 section
// 4.1.2; CallProtectedResourceWithBearerTokenExpectingError, a warning in
// the suite, asserted here). The two variants wait side by side, and the
// test runs beside the others.
func TestConformance_oidcc_codereuse_30seconds(t *testing.T) {
	t.Parallel()
	in := startSigil(t)
	for _, mode := range conformanceModes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			op := newOPTest(t, in, mode, nil)
			access := codeReuse(t, op, 30*time.Second)
			if st, _, body := op.userinfo(access, "get"); st != http.StatusUnauthorized {
				t.Fatalf("the first access token after the code's reuse: userinfo %d %s, want 401", st, body)
			}
		})
	}
}

// TestConformance_oidcc_refresh_token is oidcc-refresh-token
// (OIDCCRefreshToken, RefreshTokenRequestSteps): after a sign-in granting
// offline_access, a refresh with the
// original scope (AddScopeToTokenEndpointRequest) a second later answers
// 200 JSON, not cached, a new Bearer access token and an ID token whose
// iss, sub, aud and auth_time are the original's and whose iat is new
// (OpenID Connect Core 12.2); the new access token works; a second
// client's refresh token is refused to the first (400 invalid_grant).
func TestConformance_oidcc_refresh_token(t *testing.T) {
	in := startSigil(t)
	// The tester's client.scope asks for offline_access, and the module
	// adds prompt=consent (AddPromptConsentToAuthorizationEndpointRequestIfScopeContainsOfflineAccess,
	// OpenID Connect Core 11).
	offline := url.Values{"scope": {"openid offline_access"}, "prompt": {"consent"}}
	for _, mode := range conformanceModes {
		t.Run(mode, func(t *testing.T) {
			op := newOPTest(t, in, mode, nil)
			_, d, _ := getJSON(t, in.Issuer+"/.well-known/openid-configuration")
			if !slices.Contains(asList(d["grant_types_supported"]), any("refresh_token")) {
				t.Error("grant_types_supported lacks refresh_token (EnsureServerConfigurationSupportsRefreshToken)")
			}
			first := op.fullFlow(offline, false)
			refresh := first.tokens.str("refresh_token")
			if refresh == "" || !regexp.MustCompile(`^[\x20-\x7E]+$`).MatchString(refresh) {
				t.Fatalf("refresh token %q: want one of RFC 6749 A.17's characters", refresh)
			}
			time.Sleep(1100 * time.Millisecond)
			tk := op.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "scope": {first.q.Get("scope")}})
			op.checkTokenResponse(tk)
			if tk.str("access_token") == first.tokens.str("access_token") {
				t.Error("the refreshed access token equals the first")
			}
			second := op.checkIDToken(tk.str("id_token"), anyNonce)
			for _, k := range []string{"iss", "sub", "aud", "auth_time", "azp"} {
				if !reflect.DeepEqual(second.claims[k], first.idToken.claims[k]) {
					t.Errorf("refreshed ID token %s = %v, original %v", k, second.claims[k], first.idToken.claims[k])
				}
			}
			if second.num("iat") <= first.idToken.num("iat") {
				t.Errorf("refreshed iat %d is not after %d", second.num("iat"), first.idToken.num("iat"))
			}
			op.userinfoClaims(tk.str("access_token"), "get")

			// The second client's refresh token, presented by the first.
			other := newOPTest(t, in, mode, nil)
			theirs := other.fullFlow(offline, false).tokens.str("refresh_token")
			wrong := op.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {theirs}})
			if wrong.status != 400 || wrong.str("error") != "invalid_grant" {
				t.Fatalf("another client's refresh token: %d %v, want 400 invalid_grant", wrong.status, wrong.body)
			}
			checkErrorDescription(t, wrong.str("error_description"))
			if again := other.tokenRequest(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {theirs}}); again.status != 200 {
				t.Fatalf("the refresh token no longer works for its own client after the failed attempt: %d %v", again.status, again.body)
			}
		})
	}
}

// TestConformance_oidcc_discovery_endpoint_verification is
// oidcc-discovery-endpoint-verification (OIDCCDiscoveryEndpointVerification,
// Config OP plan, static client).
func TestConformance_oidcc_discovery_endpoint_verification(t *testing.T) {
	in := startSigil(t)
	discoveryURL := in.Issuer + "/.well-known/openid-configuration"
	st, d, h := getJSON(t, discoveryURL)
	// EnsureDiscoveryEndpointResponseStatusCodeIs200, CheckDiscoveryEndpointReturnedJsonContentType.
	if st != 200 || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Fatalf("discovery: %d %s", st, h.Get("Content-Type"))
	}
	strs := func(field string) []string {
		v, ok := d[field]
		if !ok {
			return nil
		}
		list, isList := v.([]any)
		if !isList {
			t.Errorf("%s = %v is not an array", field, v)
		}
		var out []string
		for _, x := range list {
			s, isString := x.(string)
			if !isString {
				t.Errorf("%s holds a non-string %v", field, x)
			}
			out = append(out, s)
		}
		return out
	}
	// CheckDiscEndpointIssuer, CheckDiscEndpointIssuerIsValidUrl (RFC 8414
	// section 2: no query or fragment), CheckDiscEndpointDiscoveryUrl.
	iss, _ := d["issuer"].(string)
	u, err := url.Parse(iss)
	if iss != in.Issuer || err != nil || u.RawQuery != "" || u.Fragment != "" || u.Host == "" {
		t.Errorf("issuer %q, want %q without query or fragment", iss, in.Issuer)
	}
	if strings.TrimSuffix(iss, "/")+"/.well-known/openid-configuration" != discoveryURL {
		t.Errorf("the discovery URL is not the issuer's")
	}
	// OIDCCCheckDiscEndpointResponseTypesSupported: at least one OpenID
	// Connect response type.
	if rt := strs("response_types_supported"); !slices.Contains(rt, "code") {
		t.Errorf("response_types_supported %v lacks code", rt)
	}
	// CheckDiscEndpointSubjectTypesSupported.
	sts := strs("subject_types_supported")
	if len(sts) == 0 {
		t.Error("subject_types_supported is missing")
	}
	for _, s := range sts {
		if s != "public" && s != "pairwise" {
			t.Errorf("subject type %q", s)
		}
	}
	// OIDCCCheckDiscEndpointIdTokenSigningAlgValuesSupported and the
	// userinfo algorithms when present: RS256 must be there.
	if algs := strs("id_token_signing_alg_values_supported"); !slices.Contains(algs, "RS256") {
		t.Errorf("id_token_signing_alg_values_supported %v lacks RS256", algs)
	}
	if algs := strs("userinfo_signing_alg_values_supported"); d["userinfo_signing_alg_values_supported"] != nil && slices.Contains(algs, "none") {
		t.Errorf("userinfo_signing_alg_values_supported %v lists none", algs)
	}
	// CheckDiscEndpointAuthorizationEndpoint, ...TokenEndpoint,
	// ...UserinfoEndpoint, ...RegistrationEndpoint (absent), CheckJwksUri,
	// and CheckDiscEndpointAllEndpointsAreHttps: here every endpoint is an
	// absolute URL on the issuer's own origin, so it is https exactly when
	// the issuer is (an https issuer is the operator's part, docs/deploy.md;
	// the tests run on loopback http).
	for k, v := range d {
		if !strings.HasSuffix(k, "_endpoint") && k != "jwks_uri" {
			continue
		}
		s, _ := v.(string)
		if !strings.HasPrefix(s, strings.TrimSuffix(in.Issuer, "/")+"/") {
			t.Errorf("%s = %v is not on the issuer's origin", k, v)
		}
	}
	for _, k := range []string{"authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"} {
		if d[k] == nil {
			t.Errorf("%s is missing", k)
		}
	}
	// FetchServerKeys, ValidateServerJWKs,
	// EnsureServerJwksDoesNotContainPrivateOrSymmetricKeys.
	_, jwks, _ := getJSON(t, d["jwks_uri"].(string))
	keys := asList(jwks["keys"])
	if len(keys) == 0 {
		t.Fatalf("JWKS %v has no keys", jwks)
	}
	for _, k := range keys {
		key, _ := k.(map[string]any)
		if key["kty"] == "oct" || key["kid"] == nil {
			t.Errorf("JWKS key %v: symmetric or without kid", key)
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k", "oth"} {
			if _, ok := key[private]; ok {
				t.Errorf("JWKS key %v publishes private member %s", key["kid"], private)
			}
		}
	}
	var set jose.JSONWebKeySet
	raw, _ := json.Marshal(jwks)
	if err := json.Unmarshal(raw, &set); err != nil || len(set.Keys) != len(keys) {
		t.Errorf("the JWKS does not parse as RFC 7517 keys: %v", err)
	}
	for _, key := range set.Keys {
		if !key.Valid() || !key.IsPublic() {
			t.Errorf("JWKS key %s is not a valid public key", key.KeyID)
		}
	}
	// CheckDiscEndpointRequestParameterSupported,
	// CheckDiscEndpointRequestUriParameterSupported,
	// CheckDiscEndpointClaimsParameterSupported: booleans when present.
	for _, k := range []string{"request_parameter_supported", "request_uri_parameter_supported", "claims_parameter_supported"} {
		if v, ok := d[k]; ok {
			if _, isBool := v.(bool); !isBool {
				t.Errorf("%s = %v is not a boolean", k, v)
			}
		}
	}
	// OIDCCCheckDiscEndpointClaimsSupported (recommended; Sigil lists them).
	if c := strs("claims_supported"); !slices.Contains(c, "sub") {
		t.Errorf("claims_supported %v lacks sub", c)
	}
	// OIDCCCheckDiscEndpointGrantTypesSupported: a non-empty array when present.
	if d["grant_types_supported"] != nil && len(strs("grant_types_supported")) == 0 {
		t.Error("grant_types_supported is empty")
	}
	// CheckDiscEndpointScopesSupportedContainsOpenId,
	// CheckDiscEndpointScopesSupportedSyntax (RFC 6749 section 3.3).
	scopes := strs("scopes_supported")
	if !slices.Contains(scopes, "openid") {
		t.Errorf("scopes_supported %v lacks openid", scopes)
	}
	for _, s := range scopes {
		if !regexp.MustCompile(`^[\x21\x23-\x5B\x5D-\x7E]+$`).MatchString(s) {
			t.Errorf("scope %q breaks RFC 6749 section 3.3's syntax", s)
		}
	}
	// CheckDiscEndpointLocalesSyntax (BCP 47) when present.
	for _, k := range []string{"ui_locales_supported", "claims_locales_supported"} {
		for _, l := range strs(k) {
			if !regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`).MatchString(l) {
				t.Errorf("%s: %q is not a BCP 47 tag", k, l)
			}
		}
	}
	// EnsureServerConfigurationCodeChallengeMethodsSupportedIsAnArray.
	if v, ok := d["code_challenge_methods_supported"]; ok {
		if _, isList := v.([]any); !isList {
			t.Errorf("code_challenge_methods_supported = %v is not an array", v)
		}
	}
}
