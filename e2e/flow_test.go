package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/sigil-oidc/sigil/internal/siwe"
	"golang.org/x/oauth2"
)

// rp is a relying party built from the standard libraries.
type rp struct {
	conf     *oauth2.Config
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
}

func newRP(t *testing.T, in *instance, clientID, secret, redirectURI string, scopes ...string) *rp {
	t.Helper()
	provider, err := oidc.NewProvider(ctx(t), in.Issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return &rp{
		conf: &oauth2.Config{ClientID: clientID, ClientSecret: secret, Endpoint: provider.Endpoint(),
			RedirectURL: redirectURI, Scopes: scopes},
		provider: provider,
		verifier: provider.Verifier(&oidc.Config{ClientID: clientID}),
	}
}

// TestWholeFlow signs alice.crypto in to a confidential client in each
// response mode and checks everything the relying party receives.
func TestWholeFlow(t *testing.T) {
	in := startSigil(t)
	for _, mode := range []string{"query", "fragment", "form_post"} {
		t.Run(mode, func(t *testing.T) {
			redirect := "https://rp.example/callback"
			id, secret := in.createClient(t, map[string]any{
				"client_name": "Example RP", "redirect_uris": []string{redirect},
				"scope": "openid wallet", "token_endpoint_auth_method": "client_secret_basic",
			})
			party := newRP(t, in, id, secret, redirect, "openid", "wallet")
			verifier := oauth2.GenerateVerifier()
			state, nonce := "state-"+mode+"-0123456789", "nonce-"+mode+"-0123456789"
			authURL := party.conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce),
				oauth2.SetAuthURLParam("response_mode", mode), oauth2.SetAuthURLParam("login_hint", "alice.crypto"))

			b := newBrowser(t, in.Issuer)
			flow := b.authorize(authURL)
			resp, page := b.get(in.Issuer + "/login?flow=" + flow)
			if resp.StatusCode != 200 || !strings.Contains(page, "Example RP") || !strings.Contains(page, `value="alice.crypto"`) {
				t.Fatalf("login page %d does not show the client and the login_hint:\n%s", resp.StatusCode, page)
			}
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Fatalf("login page CSP %q lacks frame-ancestors", csp)
			}

			ch, st, v := b.signIn(flow, "Alice.Crypto", in.Alice)
			if st != 200 {
				t.Fatalf("verify: %d %v", st, v)
			}
			msg := ch["message"].(string)
			checkMessage(t, in, msg, flow, ch)
			if ch["address"] != addr(in.Alice) {
				t.Fatalf("challenge address %v, want %s", ch["address"], addr(in.Alice))
			}
			consentURL := v["redirect_to"].(string)
			if !strings.HasPrefix(consentURL, in.Issuer+"/consent?flow=") {
				t.Fatalf("verify redirect_to %s, want the consent page", consentURL)
			}
			if resp, page := b.get(consentURL); resp.StatusCode != 200 || !strings.Contains(page, "Example RP") {
				t.Fatalf("consent page %d: %s", resp.StatusCode, page)
			}
			st, acc := b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet"}, "remember": false})
			if st != 200 {
				t.Fatalf("accept: %d %v", st, acc)
			}
			if mode == "form_post" {
				// The sealed link opens only in the browser that signed
				// in: a copy (a proxy's log, a synced history) shows no
				// code to anyone else.
				resp, page := newBrowser(t, in.Issuer).get(acc["redirect_to"].(string))
				if resp.StatusCode != http.StatusForbidden || strings.Contains(page, "sigil_ac_") || resp.Header.Get("Cache-Control") != "no-store" {
					t.Fatalf("the form_post link in another browser: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
				}
			}
			params := b.redirectParams(acc["redirect_to"].(string), mode)
			if mode != "form_post" && !strings.HasPrefix(acc["redirect_to"].(string), redirect) {
				t.Fatalf("redirect_to %s is not the client's redirect URI", acc["redirect_to"])
			}
			if params.Get("state") != state || params.Get("iss") != in.Issuer || !strings.HasPrefix(params.Get("code"), "sigil_ac_") {
				t.Fatalf("authorization response %v: want state, iss (RFC 9207) and a code", params)
			}

			tok, err := party.conf.Exchange(ctx(t), params.Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if !strings.HasPrefix(tok.AccessToken, "sigil_at_") || tok.TokenType != "Bearer" || tok.Expiry.Before(time.Now().Add(50*time.Minute)) {
				t.Fatalf("token %+v", tok)
			}
			if tok.Extra("scope") != "openid wallet" {
				t.Fatalf("scope %v", tok.Extra("scope"))
			}
			raw, _ := tok.Extra("id_token").(string)
			idt, err := party.verifier.Verify(ctx(t), raw)
			if err != nil {
				t.Fatalf("verify ID token: %v", err)
			}
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				t.Fatalf("at_hash: %v", err)
			}
			var claims map[string]any
			if err := idt.Claims(&claims); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"sub": "alice.crypto", "nonce": nonce, "acr": "sig", "wallet_address": addr(in.Alice),
				"wallet_type_hint": "web3", "eip4361_message": msg, "iss": in.Issuer, "aud": id}
			for k, v := range want {
				if claims[k] != v {
					t.Errorf("claim %s = %v, want %v", k, claims[k], v)
				}
			}
			amr, _ := claims["amr"].([]any)
			if len(amr) != 2 || amr[0] != "swk" || amr[1] != "v1.sig.ethereum."+addr(in.Alice) {
				t.Errorf("amr %v", claims["amr"])
			}
			for _, k := range []string{"auth_time", "sid", "at_hash", "iat", "exp", "jti", "eip4361_signature"} {
				if claims[k] == nil {
					t.Errorf("claim %s missing", k)
				}
			}
			if err := siweCheck(msg, claims["eip4361_signature"].(string), addr(in.Alice)); err != nil {
				t.Errorf("the ID token's signature does not verify: %v", err)
			}

			// Userinfo with go-oidc (Bearer) and as @uauth/js sends it (Basic).
			ui, err := party.provider.UserInfo(ctx(t), oauth2.StaticTokenSource(tok))
			if err != nil || ui.Subject != "alice.crypto" {
				t.Fatalf("userinfo: %v %+v", err, ui)
			}
			req, _ := http.NewRequest("GET", in.Issuer+"/userinfo", nil)
			req.Header.Set("Authorization", "Basic "+tok.AccessToken)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			var info map[string]any
			json.Unmarshal(body, &info)
			if res.StatusCode != 200 || info["sub"] != "alice.crypto" || info["wallet_address"] != addr(in.Alice) {
				t.Fatalf("userinfo with Basic: %d %s", res.StatusCode, body)
			}
		})
	}
}

// checkMessage checks the issued message is the Login with Unstoppable
// layout plus Expiration Time and Request ID.
func checkMessage(t *testing.T, in *instance, msg, flow string, ch map[string]any) {
	t.Helper()
	m, err := siwe.Parse(msg)
	if err != nil {
		t.Fatalf("issued message does not parse as EIP-4361: %v\n%s", err, msg)
	}
	host := strings.TrimPrefix(in.Issuer, "http://")
	if m.Domain != host || m.Address != addr(in.Alice) || m.URI != "uns:alice.crypto" || m.Version != "1" || m.ChainID != 1 ||
		m.Statement != "I consent to giving access to: openid wallet" || m.RequestID != flow || len(m.Nonce) != 66 ||
		m.ExpirationTime.IsZero() || !m.ExpirationTime.After(m.IssuedAt) {
		t.Fatalf("message fields wrong: %+v", m)
	}
	lines := strings.Split(msg, "\n")
	if lines[0] != host+" wants you to sign in with your Ethereum account:" || lines[3] != "I consent to giving access to: openid wallet" {
		t.Fatalf("layout wrong:\n%s", msg)
	}
	exp, _ := time.Parse(time.RFC3339, ch["expires_at"].(string))
	if !exp.Equal(m.ExpirationTime) {
		t.Fatalf("expires_at %v differs from the message's Expiration Time %v", exp, m.ExpirationTime)
	}
}

func siweCheck(msg, sig, address string) error { return siwe.VerifySignature(msg, sig, address) }

// TestPublicClientAndSingleSignOn: a public client (no secret) completes a
// flow; a second request from the same browser is answered from the session
// and, with the consent remembered, without any page.
func TestPublicClientAndSingleSignOn(t *testing.T) {
	in := startSigil(t)
	redirect := "http://127.0.0.1:8765/cb"
	id, _ := in.createClient(t, map[string]any{"redirect_uris": []string{redirect}, "token_endpoint_auth_method": "none"})
	party := newRP(t, in, id, "", redirect, "openid", "wallet")
	b := newBrowser(t, in.Issuer)

	verifier := oauth2.GenerateVerifier()
	flow := b.authorize(party.conf.AuthCodeURL("state-0123456789", oauth2.S256ChallengeOption(verifier)))
	_, st, v := b.signIn(flow, "alice.crypto", in.Alice)
	if st != 200 {
		t.Fatalf("verify %d %v", st, v)
	}
	st, acc := b.api("/consent/accept", map[string]any{"flow": flow, "grant_scope": []string{"openid", "wallet"}, "remember": true})
	if st != 200 {
		t.Fatalf("accept %d %v", st, acc)
	}
	code := b.redirectParams(acc["redirect_to"].(string), "query").Get("code")
	tok, err := party.conf.Exchange(ctx(t), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("public client exchange: %v", err)
	}
	first, _ := party.verifier.Verify(ctx(t), tok.Extra("id_token").(string))

	// Second authorization on another loopback port (RFC 8252 section 7.3):
	// session and remembered consent answer at once.
	verifier2 := oauth2.GenerateVerifier()
	other := "http://127.0.0.1:9999/cb"
	resp, body := b.get(party.conf.AuthCodeURL("state-second-01", oauth2.S256ChallengeOption(verifier2),
		oauth2.SetAuthURLParam("redirect_uri", other), oauth2.SetAuthURLParam("prompt", "none")))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("SSO: %d %s", resp.StatusCode, body)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if !strings.HasPrefix(loc.String(), other) || loc.Query().Get("code") == "" {
		t.Fatalf("SSO redirected to %s, want a code at %s", loc, other)
	}
	conf2 := *party.conf
	conf2.RedirectURL = other
	tok2, err := conf2.Exchange(ctx(t), loc.Query().Get("code"), oauth2.VerifierOption(verifier2))
	if err != nil {
		t.Fatalf("SSO exchange: %v", err)
	}
	second, err := party.verifier.Verify(ctx(t), tok2.Extra("id_token").(string))
	if err != nil {
		t.Fatal(err)
	}
	var c1, c2 struct {
		AuthTime int64  `json:"auth_time"`
		SID      string `json:"sid"`
	}
	first.Claims(&c1)
	second.Claims(&c2)
	if second.Subject != "alice.crypto" || c1.AuthTime != c2.AuthTime || c1.SID != c2.SID {
		t.Fatalf("SSO token: sub %s auth_time %d/%d sid %s/%s", second.Subject, c1.AuthTime, c2.AuthTime, c1.SID, c2.SID)
	}

	// prompt=login forces the wallet step again.
	resp, _ = b.get(party.conf.AuthCodeURL("state-third-012", oauth2.S256ChallengeOption(verifier2), oauth2.SetAuthURLParam("prompt", "login")))
	if loc := resp.Header.Get("Location"); !strings.Contains(loc, "/login?flow=") {
		t.Fatalf("prompt=login went to %s, want the login page", loc)
	}
	// max_age=0 too.
	resp, _ = b.get(party.conf.AuthCodeURL("state-fourth-01", oauth2.S256ChallengeOption(verifier2), oauth2.SetAuthURLParam("max_age", "0")))
	if loc := resp.Header.Get("Location"); !strings.Contains(loc, "/login?flow=") {
		t.Fatalf("max_age=0 went to %s, want the login page", loc)
	}
}
