package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// hydraFlow runs one whole authorization code flow against Ory Hydra, up to
// the code, in b's cookie jar. Hydra has no login or consent of its own: it
// sends the browser to a login-and-consent app, which accepts each request
// through Hydra's admin API and sends the browser back. The load generator
// plays that app:
//
//  1. GET /oauth2/auth: a redirect to the login app with a login_challenge;
//  2. (read) GET /admin/oauth2/auth/requests/login: the login request;
//  3. PUT /admin/oauth2/auth/requests/login/accept: the subject is signed in;
//  4. GET the redirect_to it answers: a redirect to the consent app;
//  5. (read) GET /admin/oauth2/auth/requests/consent: the consent request;
//  6. PUT /admin/oauth2/auth/requests/consent/accept: the scope is granted;
//  7. GET the redirect_to it answers: the redirect to rp with the code.
//
// With read false the app does the least it can (steps 2 and 5 left out,
// no page), so the figure is Hydra's best case. With read true it does
// what Hydra's documentation asks of a login-and-consent app and what
// every app that shows a page must: it reads each request before accepting
// it (whether Hydra says to skip the prompt, which client asks, and, for
// consent, the scope requested, which is the scope it grants). That is
// the work of Sigil's flows with pages, whose login and consent pages
// Sigil renders from the same state; rendering the app's own pages is left
// out, in Hydra's favour.
//
// The flow asks for the same things as Sigil's (PKCE S256, a nonce and an
// ID token), and t.exchange redeems the code.
func (b *browser) hydraFlow(rp relyingParty, authorizeURL, adminURL string, scope []string, read bool) (grant, error) {
	g := grant{rp: rp, verifier: randomString(32)}
	sum := sha256.Sum256([]byte(g.verifier))
	q := url.Values{
		"response_type": {"code"}, "client_id": {rp.id}, "redirect_uri": {rp.redirect},
		"scope": {strings.Join(scope, " ")}, "state": {randomString(12)}, "nonce": {randomString(12)},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	next := authorizeURL + "?" + q.Encode()
	// Two accepts, each between two hops through Hydra's public listener.
	for range 3 {
		location, err := b.redirect(next)
		if err != nil {
			return g, err
		}
		if code, ok := codeOf(location, rp); ok {
			g.code = code
			return g, nil
		}
		u, err := url.Parse(location)
		if err != nil {
			return g, fmt.Errorf("hydra redirected to %q: %w", location, err)
		}
		var accept string
		var body any
		switch {
		case u.Query().Has("login_challenge"):
			challenge := "login_challenge=" + url.QueryEscape(u.Query().Get("login_challenge"))
			if read {
				if _, err := b.readRequest(adminURL+"/admin/oauth2/auth/requests/login?"+challenge, rp.id); err != nil {
					return g, err
				}
			}
			accept = "/admin/oauth2/auth/requests/login/accept?" + challenge
			body = map[string]any{"subject": "bench.crypto"}
		case u.Query().Has("consent_challenge"):
			challenge := "consent_challenge=" + url.QueryEscape(u.Query().Get("consent_challenge"))
			granted := scope
			if read {
				if granted, err = b.readRequest(adminURL+"/admin/oauth2/auth/requests/consent?"+challenge, rp.id); err != nil {
					return g, err
				}
			}
			accept = "/admin/oauth2/auth/requests/consent/accept?" + challenge
			body = map[string]any{"grant_scope": granted}
		default:
			return g, fmt.Errorf("hydra redirected to %q, want the login app, the consent app or %s", location, rp.redirect)
		}
		if next, err = b.accept(adminURL+accept, body); err != nil {
			return g, err
		}
	}
	return g, fmt.Errorf("hydra did not redirect to %s with a code after login and consent", rp.redirect)
}

// readRequest GETs a login or consent request from Hydra's admin API, as
// the login-and-consent app does before it shows its page, checks that it
// is clientID's and that Hydra does not ask to skip the prompt (every flow
// is a new browser), and returns the scope requested.
func (b *browser) readRequest(u, clientID string) ([]string, error) {
	req, _ := http.NewRequest("GET", u, nil)
	var out struct {
		Skip           bool     `json:"skip"`
		RequestedScope []string `json:"requested_scope"`
		Client         struct {
			ClientID string `json:"client_id"`
		} `json:"client"`
	}
	if err := send(b.t.hc, req, http.StatusOK, &out); err != nil {
		return nil, err
	}
	if out.Client.ClientID != clientID || out.Skip || len(out.RequestedScope) == 0 {
		return nil, fmt.Errorf("GET %s: client %q, skip %v, scope %v; want %q's new request with a scope", req.URL.Path, out.Client.ClientID, out.Skip, out.RequestedScope, clientID)
	}
	return out.RequestedScope, nil
}

// redirect GETs u in the browser and returns where it is sent (Hydra
// answers 303 See Other, and 302 Found for the authorization response).
func (b *browser) redirect(u string) (string, error) {
	req, _ := http.NewRequest("GET", u, nil)
	resp, _, err := do(b.hc, req, http.StatusSeeOther)
	var se *statusError
	if errors.As(err, &se) && se.status == http.StatusFound {
		err = nil
	}
	if err != nil {
		return "", err
	}
	return resp.Header.Get("Location"), nil
}

// accept sends one of Hydra's admin accepts (a PUT with a JSON body) and
// returns the redirect_to it answers. It is the login-and-consent app's
// call, over the shared transport and without the browser's cookies.
func (b *browser) accept(u string, body any) (string, error) {
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("PUT", u, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	var out struct {
		RedirectTo string `json:"redirect_to"`
	}
	if err := send(b.t.hc, req, http.StatusOK, &out); err != nil {
		return "", err
	}
	if out.RedirectTo == "" {
		return "", fmt.Errorf("PUT %s: no redirect_to", req.URL.Path)
	}
	return out.RedirectTo, nil
}

// hydraFlowsScenario runs whole code flows against Ory Hydra (see
// hydraFlow) on -flows-c workers as fast as they go, each in a new cookie
// jar, redeeming each code for tokens with an ID token. name is "flows-api"
// (the app does the least it can: the work of Sigil's flows-api without
// the wallet's signature, which Hydra knows nothing of) or "flows" (the app
// reads each request before accepting it, as for the pages of Sigil's
// flows).
func hydraFlowsScenario(t *target, rp relyingParty, cfg config, name string) (result, error) {
	authorize := strings.TrimSuffix(t.tokenURL, "/token") + "/auth"
	admin := strings.TrimSuffix(cfg.hydraAdmin, "/")
	scope := []string{"openid"}
	read := name == "flows"
	op := func(int) error {
		g, err := t.newBrowser().hydraFlow(rp, authorize, admin, scope, read)
		if err != nil {
			return err
		}
		_, err = t.exchange(g)
		return err
	}
	if err := op(0); err != nil { // a set-up error says more once than as every request's
		return result{}, err
	}
	r := load(name, cfg.flowsC, cfg.warmup, cfg.d, 0, op)
	r.Note = "one request = one whole flow: 6 HTTP requests (3 GETs of the public listener, 2 admin accepts, the token request)"
	if read {
		r.Note = "one request = one whole flow: 8 HTTP requests (3 GETs of the public listener, 2 admin reads of the login and consent requests and 2 admin accepts, as a login-and-consent app that shows pages does, the token request)"
	}
	return r, nil
}
