package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/crypto"
)

// target is the server under test: a Sigil instance, or (-target) a foreign
// server of which only the token and introspection endpoints are known.
type target struct {
	issuer, admin, adminToken string
	// tokenURL and introspectURL are the endpoints client_credentials and
	// introspect use: Sigil's, or the foreign server's.
	tokenURL, introspectURL string
	key                     *ecdsa.PrivateKey
	domain                  string
	// tr is shared by every client of the load generator, with as many idle
	// connections per host as there are workers, so that no request waits
	// for a new TCP connection.
	tr *http.Transport
	// hc sends the requests that need no cookies (token, userinfo,
	// discovery, metrics).
	hc *http.Client
}

func newTarget(issuer, admin, adminToken string, key *ecdsa.PrivateKey, domain string, conns int) *target {
	tr := &http.Transport{
		MaxIdleConns:        2 * conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	issuer = strings.TrimSuffix(issuer, "/")
	return &target{
		issuer: issuer, admin: strings.TrimSuffix(admin, "/"), adminToken: adminToken,
		tokenURL: issuer + "/oauth2/token", introspectURL: issuer + "/oauth2/introspect",
		key: key, domain: domain, tr: tr,
		hc: &http.Client{Transport: tr, Timeout: 30 * time.Second},
	}
}

// relyingParty is a confidential client registered for the benchmark. alg
// is the algorithm its ID tokens must carry; empty means the server's
// default (RS256).
type relyingParty struct{ id, secret, redirect, alg string }

// register creates a client_secret_basic client for the code flow through
// the admin API; with refresh it may also use the refresh_token grant and
// ask for offline_access.
func (t *target) register(name string, refresh bool) (relyingParty, error) {
	rp := relyingParty{redirect: "https://rp.example/" + name + "/callback"}
	meta := map[string]any{
		"client_name": name, "redirect_uris": []string{rp.redirect},
		"scope": "openid wallet", "token_endpoint_auth_method": "client_secret_basic",
	}
	if refresh {
		meta["scope"] = "openid wallet offline_access"
		meta["grant_types"] = []string{"authorization_code", "refresh_token"}
	}
	return t.createClient(rp, meta)
}

// registerWithAlg is register for a client whose ID tokens are signed with
// alg (id_token_signed_response_alg, e.g. ES256).
func (t *target) registerWithAlg(name, alg string) (relyingParty, error) {
	rp := relyingParty{redirect: "https://rp.example/" + name + "/callback", alg: alg}
	return t.createClient(rp, map[string]any{
		"client_name": name, "redirect_uris": []string{rp.redirect},
		"scope": "openid wallet", "token_endpoint_auth_method": "client_secret_basic",
		"id_token_signed_response_alg": alg,
	})
}

// registerService creates a confidential client for the client_credentials
// grant alone: no redirect URIs, no response types, one scope.
func (t *target) registerService(name, scope string) (relyingParty, error) {
	return t.createClient(relyingParty{}, map[string]any{
		"client_name": name, "grant_types": []string{"client_credentials"},
		"redirect_uris": []string{}, "response_types": []string{},
		"scope": scope, "token_endpoint_auth_method": "client_secret_basic",
	})
}

// createClient posts the client metadata to the admin API and fills in the
// id and secret it answers with.
func (t *target) createClient(rp relyingParty, meta map[string]any) (relyingParty, error) {
	body, _ := json.Marshal(meta)
	req, _ := http.NewRequest("POST", t.admin+"/admin/clients", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+t.adminToken)
	req.Header.Set("Content-Type", "application/json")
	var out struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := send(t.hc, req, http.StatusCreated, &out); err != nil {
		return rp, fmt.Errorf("create client %v: %w", meta["client_name"], err)
	}
	rp.id, rp.secret = out.ClientID, out.ClientSecret
	return rp, nil
}

// statements reads sigil_store_statements_total from the admin listener.
func (t *target) statements() (uint64, error) {
	req, _ := http.NewRequest("GET", t.admin+"/metrics", nil)
	_, body, err := do(t.hc, req, http.StatusOK)
	if err != nil {
		return 0, fmt.Errorf("metrics: %w", err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, "sigil_store_statements_total "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return uint64(f), err
		}
	}
	return 0, errors.New("metrics: sigil_store_statements_total is missing")
}

// do sends req, reads the whole body and checks the status.
func do(hc *http.Client, req *http.Request, want int) (*http.Response, []byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != want {
		return resp, body, &statusError{method: req.Method, path: req.URL.Path, status: resp.StatusCode, want: want,
			retryAfter: resp.Header.Get("Retry-After"), body: body}
	}
	return resp, body, nil
}

// statusError is an answer with another status than the one expected; the
// overload scenario tells refusals (503 with Retry-After) from failures by
// it.
type statusError struct {
	method, path string
	status, want int
	retryAfter   string
	body         []byte
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: status %d, want %d: %.200s", e.method, e.path, e.status, e.want, e.body)
}

// send is do for JSON answers, decoded into out.
func send(hc *http.Client, req *http.Request, want int, out any) error {
	_, body, err := do(hc, req, want)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// browser is one person's browser: its own cookie jar over the shared
// transport, and redirects left unfollowed so each hop is one step.
type browser struct {
	t  *target
	hc *http.Client
}

func (t *target) newBrowser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, hc: &http.Client{
		Transport: t.tr, Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// postJSON posts in to the login API, as the login page's script does.
func (b *browser) postJSON(path string, in, out any) error {
	body, _ := json.Marshal(in)
	req, _ := http.NewRequest("POST", b.t.issuer+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return send(b.hc, req, http.StatusOK, out)
}

// flowOptions say how a flow is driven.
type flowOptions struct {
	rp relyingParty
	// pages makes the browser GET the login and consent pages, as a person's
	// browser does; without it only the API calls are made.
	pages    bool
	remember bool
	// scope is requested and granted; nil means openid and wallet.
	scope []string
	// step runs each step; the statements scenario wraps it with metric
	// reads. Nil runs the step as is.
	step func(name string, fn func() error) error
}

func (o flowOptions) run(name string, fn func() error) error {
	if o.step == nil {
		return fn()
	}
	return o.step(name, fn)
}

// grant is an issued authorization code and what redeeming it needs.
type grant struct {
	rp             relyingParty
	code, verifier string
}

// The step names, in the order a flow takes them.
const (
	stepAuthorize = "GET /oauth2/auth"
	stepLoginPage = "GET /login"
	stepChallenge = "POST /login/challenge"
	stepVerify    = "POST /login/verify"
	stepConsent   = "GET /consent"
	stepAccept    = "POST /consent/accept"
	stepToken     = "POST /oauth2/token"
	stepUserinfo  = "GET /userinfo"
)

// isPage reports whether a step is a page GET, left out of the API-only
// path.
func isPage(step string) bool { return step == stepLoginPage || step == stepConsent }

// flow runs the authorization code flow up to the code: it signs in with the
// wallet and consents when Sigil asks, and goes straight back to the client
// when a session or remembered consent lets it.
func (b *browser) flow(o flowOptions) (grant, error) {
	g := grant{rp: o.rp, verifier: randomString(32)}
	sum := sha256.Sum256([]byte(g.verifier))
	scope := o.scope
	if scope == nil {
		scope = []string{"openid", "wallet"}
	}
	q := url.Values{
		"response_type": {"code"}, "client_id": {o.rp.id}, "redirect_uri": {o.rp.redirect},
		"scope": {strings.Join(scope, " ")}, "state": {randomString(12)}, "nonce": {randomString(12)},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	var next string // where the browser goes after each step
	err := o.run(stepAuthorize, func() error {
		req, _ := http.NewRequest("GET", b.t.issuer+"/oauth2/auth?"+q.Encode(), nil)
		resp, _, err := do(b.hc, req, http.StatusSeeOther)
		if err == nil {
			next = resp.Header.Get("Location")
		}
		return err
	})
	if err != nil {
		return g, err
	}
	if code, ok := codeOf(next, o.rp); ok { // single sign-on
		g.code = code
		return g, nil
	}
	u, err := url.Parse(next)
	if err != nil || u.Path != "/login" || u.Query().Get("flow") == "" {
		return g, fmt.Errorf("authorize redirected to %q, want the login page", next)
	}
	flow := u.Query().Get("flow")
	if o.pages {
		if err := o.run(stepLoginPage, func() error { return b.page(b.t.issuer + "/login?flow=" + url.QueryEscape(flow)) }); err != nil {
			return g, err
		}
	}
	var ch struct{ Message string }
	err = o.run(stepChallenge, func() error {
		return b.postJSON("/login/challenge", map[string]string{"flow": flow, "domain": b.t.domain}, &ch)
	})
	if err != nil {
		return g, err
	}
	// The wallet signs outside any step: it is the person's device.
	sig, err := sign(b.t.key, ch.Message)
	if err != nil {
		return g, err
	}
	var r struct {
		RedirectTo string `json:"redirect_to"`
	}
	err = o.run(stepVerify, func() error {
		return b.postJSON("/login/verify", map[string]string{"flow": flow, "signature": sig}, &r)
	})
	if err != nil {
		return g, err
	}
	if code, ok := codeOf(r.RedirectTo, o.rp); ok { // consent remembered
		g.code = code
		return g, nil
	}
	if o.pages {
		if err := o.run(stepConsent, func() error { return b.page(r.RedirectTo) }); err != nil {
			return g, err
		}
	}
	err = o.run(stepAccept, func() error {
		return b.postJSON("/consent/accept", map[string]any{"flow": flow, "grant_scope": scope, "remember": o.remember}, &r)
	})
	if err != nil {
		return g, err
	}
	code, ok := codeOf(r.RedirectTo, o.rp)
	if !ok {
		return g, fmt.Errorf("accept redirected to %q, want a code at %s", r.RedirectTo, o.rp.redirect)
	}
	g.code = code
	return g, nil
}

// page GETs a login or consent page and expects it rendered.
func (b *browser) page(u string) error {
	req, _ := http.NewRequest("GET", u, nil)
	_, _, err := do(b.hc, req, http.StatusOK)
	return err
}

// codeOf returns the code of an authorization response sent to rp.
func codeOf(location string, rp relyingParty) (string, bool) {
	if !strings.HasPrefix(location, rp.redirect+"?") {
		return "", false
	}
	u, err := url.Parse(location)
	if err != nil {
		return "", false
	}
	code := u.Query().Get("code")
	return code, code != ""
}

// tokens is a successful token response (RFC 6749 section 5.1).
type tokens struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token"`
}

// postToken sends a token request authenticated with client_secret_basic
// (RFC 6749 section 2.3.1: id and secret form-urlencoded first).
func (t *target) postToken(rp relyingParty, form url.Values) (tokens, error) {
	req, _ := http.NewRequest("POST", t.tokenURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(rp.id), url.QueryEscape(rp.secret))
	var tok tokens
	if err := send(t.hc, req, http.StatusOK, &tok); err != nil {
		return tok, err
	}
	if tok.AccessToken == "" {
		return tok, errors.New("token response lacks access_token")
	}
	return tok, nil
}

// exchange redeems g at the token endpoint and returns the tokens, which
// must include an ID token.
func (t *target) exchange(g grant) (tokens, error) {
	tok, err := t.postToken(g.rp, url.Values{"grant_type": {"authorization_code"}, "code": {g.code}, "redirect_uri": {g.rp.redirect}, "code_verifier": {g.verifier}})
	if err == nil && tok.IDToken == "" {
		err = errors.New("token response lacks id_token")
	}
	if err == nil && g.rp.alg != "" {
		err = checkAlg(tok.IDToken, g.rp.alg)
	}
	return tok, err
}

// checkAlg makes sure an ID token's JWS header names alg, so that a
// scenario that asks for ES256 measures ES256 signatures.
func checkAlg(jws, alg string) error {
	head, _, _ := strings.Cut(jws, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return fmt.Errorf("id_token header: %w", err)
	}
	var h struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(raw, &h); err != nil || h.Alg != alg {
		return fmt.Errorf("id_token is signed with %q, want %s", h.Alg, alg)
	}
	return nil
}

// refresh redeems a refresh token; the answer must carry the next one.
func (t *target) refresh(rp relyingParty, refreshToken string) (tokens, error) {
	tok, err := t.postToken(rp, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
	if err == nil && (tok.RefreshToken == "" || tok.RefreshToken == refreshToken) {
		err = errors.New("refresh response lacks a new refresh_token")
	}
	return tok, err
}

// clientCredentials gets an access token for the client itself (RFC 6749
// section 4.4); scope may be empty.
func (t *target) clientCredentials(rp relyingParty, scope string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	tok, err := t.postToken(rp, form)
	return tok.AccessToken, err
}

// introspect asks about token at the introspection endpoint (RFC 7662
// section 2.1), authenticated with client_secret_basic, and expects it
// active.
func (t *target) introspect(rp relyingParty, token string) error {
	form := url.Values{"token": {token}}
	req, _ := http.NewRequest("POST", t.introspectURL, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(rp.id), url.QueryEscape(rp.secret))
	var out struct {
		Active bool `json:"active"`
	}
	if err := send(t.hc, req, http.StatusOK, &out); err != nil {
		return err
	}
	if !out.Active {
		return errors.New("introspection answered active=false for a live token")
	}
	return nil
}

// userinfo reads the userinfo endpoint with a Bearer token.
func (t *target) userinfo(accessToken string) error {
	req, _ := http.NewRequest("GET", t.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	_, _, err := do(t.hc, req, http.StatusOK)
	return err
}

// get fetches a public URL and expects 200.
func (t *target) get(path string) error {
	req, _ := http.NewRequest("GET", t.issuer+path, nil)
	_, _, err := do(t.hc, req, http.StatusOK)
	return err
}

// sign makes an EIP-191 personal_sign signature, as a wallet does.
func sign(k *ecdsa.PrivateKey, message string) (string, error) {
	sig, err := crypto.Sign(accounts.TextHash([]byte(message)), k)
	if err != nil {
		return "", err
	}
	sig[64] += 27
	return "0x" + hex.EncodeToString(sig), nil
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
