package e2e

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/sigil-oidc/sigil/internal/backchannel/backchanneltest"
)

// A relying party's back-channel logout side for the end-to-end tests: a
// backchannel_logout_uri on 127.0.0.1 (backchanneltest.Receiver) whose
// tokens are validated as Back-Channel Logout 1.0 section 2.6 says, against
// the key set Sigil publishes.

// publishedJWKS fetches the key set at in's jwks_uri.
func publishedJWKS(t *testing.T, in *instance) jose.JSONWebKeySet {
	t.Helper()
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(fetch(t, in.Issuer+"/.well-known/jwks.json"), &set); err != nil {
		t.Fatalf("jwks: %v", err)
	}
	return set
}

// signInWithBackchannel registers a client whose backchannel_logout_uri is
// rcv (with backchannel_logout_session_required) and signs alice in to it
// with a new browser.
func signInWithBackchannel(t *testing.T, in *instance, rcv *backchanneltest.Receiver) *person {
	t.Helper()
	p := &person{in: in, bye: "https://rp.example/bye", byeQuery: "https://rp.example/bye?from=sigil"}
	p.id, p.secret = in.createClient(t, map[string]any{
		"redirect_uris": []string{testRedirect}, "post_logout_redirect_uris": []string{p.bye, p.byeQuery},
		"scope": "openid wallet offline_access", "grant_types": []string{"authorization_code", "refresh_token"},
		"backchannel_logout_uri": rcv.URL, "backchannel_logout_session_required": true,
	})
	p.party = newRP(t, in, p.id, p.secret, testRedirect, "openid", "wallet", "offline_access")
	p.b = newBrowser(t, in.Issuer)
	p.tok = p.signIn(t, p.b, "alice.crypto")
	p.idToken, _ = p.tok.Extra("id_token").(string)
	return p
}

// idTokenClaims decodes the payload of an ID token Sigil issued (its
// signature was checked by go-oidc when the code was exchanged).
func idTokenClaims(t *testing.T, tok *oauth2.Token) map[string]any {
	t.Helper()
	raw, _ := tok.Extra("id_token").(string)
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("no ID token in %v", tok)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c map[string]any
	if err != nil || json.Unmarshal(payload, &c) != nil {
		t.Fatalf("ID token payload: %v", err)
	}
	return c
}
