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

// target is the Sigil instance under test.
type target struct {
	issuer, admin, adminToken string
	key                       *ecdsa.PrivateKey
	domain                    string
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
	return &target{
		issuer: strings.TrimSuffix(issuer, "/"), admin: strings.TrimSuffix(admin, "/"), adminToken: adminToken,
		key: key, domain: domain, tr: tr,
		hc: &http.Client{Transport: tr, Timeout: 30 * time.Second},
	}
}

// relyingParty is a confidential client registered for the benchmark.
type relyingParty struct{ id, secret, redirect string }

// register creates a client_secret_basic client through the admin API.
func (t *target) register(name string) (relyingParty, error) {
	rp := relyingParty{redirect: "https://rp.example/" + name + "/callback"}
	body, _ := json.Marshal(map[string]any{
		"client_name": name, "redirect_uris": []string{rp.redirect},
		"scope": "openid wallet", "token_endpoint_auth_method": "client_secret_basic",
	})
	req, _ := http.NewRequest("POST", t.admin+"/admin/clients", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+t.adminToken)
	req.Header.Set("Content-Type", "application/json")
	var out struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := send(t.hc, req, http.StatusCreated, &out); err != nil {
		return rp, fmt.Errorf("create client: %w", err)
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
		return resp, body, fmt.Errorf("%s %s: status %d, want %d: %.200s", req.Method, req.URL.Path, resp.StatusCode, want, body)
	}
	return resp, body, nil
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
	q := url.Values{
		"response_type": {"code"}, "client_id": {o.rp.id}, "redirect_uri": {o.rp.redirect},
		"scope": {"openid wallet"}, "state": {randomString(12)}, "nonce": {randomString(12)},
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
		return b.postJSON("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet"}, "remember": o.remember}, &r)
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

// exchange redeems g at the token endpoint with client_secret_basic and
// returns the access token.
func (t *target) exchange(g grant) (string, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {g.code}, "redirect_uri": {g.rp.redirect}, "code_verifier": {g.verifier}}
	req, _ := http.NewRequest("POST", t.issuer+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(g.rp.id), url.QueryEscape(g.rp.secret))
	var tok struct {
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
	}
	if err := send(t.hc, req, http.StatusOK, &tok); err != nil {
		return "", err
	}
	if tok.AccessToken == "" || tok.IDToken == "" {
		return "", errors.New("token response lacks access_token or id_token")
	}
	return tok.AccessToken, nil
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
