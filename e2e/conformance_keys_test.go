package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
)

// The OpenID conformance modules about keys and algorithms, over real HTTP
// against `sigil serve`, verified with go-oidc as a relying party would.

// TestConformance_oidcc_server_rotate_keys is module
// oidcc-server-rotate-keys of the Config OP plan: the test fetches the
// JWKS, has the operator rotate the keys, and expects a key set with a new
// key, and ID tokens that verify against it. Here: POST /admin/keys/rotate
// answers the new kid; it is in the JWKS at once, and signs from its
// activation (keys.ActivationDelay, 15 s, when every node of a fleet
// publishes it); the ID tokens before and after verify with go-oidc
// against the new key set, the later one carrying the new kid; the old
// key is still published and the ID token it signed before the rotation
// still verifies.
func TestConformance_oidcc_server_rotate_keys(t *testing.T) {
	in := startSigil(t)
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	before := jwksKids(t, in)
	oldToken, _ := idTokenFrom(t, in, id, secret)
	oldKid, _ := jwtHeader(t, oldToken)["kid"].(string)
	if !slices.Contains(before, oldKid) {
		t.Fatalf("the ID token's kid %s is not in the JWKS %v", oldKid, before)
	}

	newKid := in.rotateKeys(t, "")
	after := jwksKids(t, in)
	if newKid == oldKid || slices.Contains(before, newKid) || !slices.Contains(after, newKid) {
		t.Fatalf("rotation answered kid %s; JWKS before %v, after %v: want a new key published at once", newKid, before, after)
	}
	if !slices.Contains(after, oldKid) {
		t.Fatalf("the old key %s left the JWKS at the rotation; tokens it signed must keep verifying", oldKid)
	}

	// Until the new key activates, the old one signs.
	pending, _ := idTokenFrom(t, in, id, secret)
	if kid := jwtHeader(t, pending)["kid"]; kid != oldKid {
		t.Fatalf("the ID token right after the rotation is signed by %v, want the old key %s until the new one activates", kid, oldKid)
	}
	for _, k := range in.adminKeys(t) {
		if k.KID == newKid {
			time.Sleep(time.Until(k.ActivatesAt.Add(500 * time.Millisecond)))
		}
	}
	newToken, _ := idTokenFrom(t, in, id, secret)
	if kid := jwtHeader(t, newToken)["kid"]; kid != newKid {
		t.Fatalf("the ID token after the activation is signed by %v, want the new key %s", kid, newKid)
	}
	// A relying party that cached the old key set meets an unknown kid and
	// fetches the key set again; go-oidc does so.
	party := newRP(t, in, id, secret, testRedirect, "openid")
	if _, err := party.verifier.Verify(ctx(t), newToken); err != nil {
		t.Fatalf("go-oidc rejects the ID token of the new key: %v", err)
	}
	if _, err := party.verifier.Verify(ctx(t), oldToken); err != nil {
		t.Fatalf("go-oidc rejects the ID token signed before the rotation: %v", err)
	}
	if _, err := party.verifier.Verify(ctx(t), pending); err != nil {
		t.Fatalf("go-oidc rejects the ID token signed between the rotation and the activation: %v", err)
	}
}

// TestIDTokenSignedWithES256AndEdDSA: clients registered with
// id_token_signed_response_alg ES256 or EdDSA get ID tokens signed so, with
// a key of that algorithm from the JWKS, which go-oidc verifies, at_hash
// included (RS256, the default, is oidcc-idtoken-rs256 in
// conformance_basic_test.go).
func TestIDTokenSignedWithES256AndEdDSA(t *testing.T) {
	for _, alg := range []string{"ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) { testIDTokenAlg(t, alg) })
	}
}

func testIDTokenAlg(t *testing.T, alg string) {
	in := startSigil(t)
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "id_token_signed_response_alg": alg})
	code, verifier, _ := codeFor(t, in, id, []string{"openid"})
	party := newRP(t, in, id, secret, testRedirect, "openid")
	tok, err := party.conf.Exchange(ctx(t), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	h := jwtHeader(t, raw)
	if h["alg"] != alg || h["typ"] != "JWT" {
		t.Fatalf("ID token header %v, want alg %s", h, alg)
	}
	v := party.provider.Verifier(&oidc.Config{ClientID: id, SupportedSigningAlgs: []string{alg}})
	idt, err := v.Verify(ctx(t), raw)
	if err != nil {
		t.Fatalf("go-oidc rejects the %s ID token: %v", alg, err)
	}
	if idt.Subject != "alice.crypto" {
		t.Errorf("sub %q", idt.Subject)
	}
	// at_hash by the hash of the algorithm: SHA-256 for ES256, SHA-512
	// for EdDSA (Ed25519), as go-oidc checks it.
	if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
		t.Errorf("go-oidc refuses the %s ID token's at_hash: %v", alg, err)
	}
	// The key that signed it is published with that algorithm.
	set := jose.JSONWebKeySet{}
	if err := json.Unmarshal(fetch(t, in.Issuer+"/.well-known/jwks.json"), &set); err != nil {
		t.Fatal(err)
	}
	if ks := set.Key(h["kid"].(string)); len(ks) != 1 || ks[0].Algorithm != alg || ks[0].Use != "sig" {
		t.Fatalf("JWKS entry of kid %v = %+v", h["kid"], ks)
	}
	// A verifier that accepts only RS256 refuses it: the algorithm really
	// is the client's.
	if alg != "RS256" {
		if _, err := party.provider.Verifier(&oidc.Config{ClientID: id, SupportedSigningAlgs: []string{"RS256"}}).Verify(ctx(t), raw); err == nil {
			t.Error("an RS256-only verifier accepted the token")
		}
	}
}

// TestConformance_oidcc_userinfo_rs256 is module oidcc-userinfo-rs256: a
// client registered with userinfo_signed_response_alg RS256 gets userinfo
// as application/jwt, signed RS256, with iss and aud (OpenID Connect Core
// 1.0 section 5.3.2), which go-oidc verifies against the JWKS.
func TestConformance_oidcc_userinfo_rs256(t *testing.T) {
	testSignedUserinfo(t, "RS256")
}

// TestSignedUserinfoES256AndEdDSA: the same with ES256 and EdDSA.
func TestSignedUserinfoES256AndEdDSA(t *testing.T) {
	for _, alg := range []string{"ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) { testSignedUserinfo(t, alg) })
	}
}

func testSignedUserinfo(t *testing.T, alg string) {
	in := startSigil(t)
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "userinfo_signed_response_alg": alg,
		"scope": "openid email"})
	code, verifier, _ := codeFor(t, in, id, []string{"openid", "email"})
	party := newRP(t, in, id, secret, testRedirect, "openid", "email")
	tok, err := party.conf.Exchange(ctx(t), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}

	req, _ := http.NewRequest("GET", in.Issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/jwt" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("userinfo: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	jwt := strings.TrimSpace(string(body))
	if h := jwtHeader(t, jwt); h["alg"] != alg {
		t.Fatalf("userinfo JWT header %v, want alg %s", h, alg)
	}
	// go-oidc verifies an application/jwt answer against the JWKS.
	info, err := party.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("go-oidc rejects the signed userinfo: %v", err)
	}
	var claims map[string]any
	if err := info.Claims(&claims); err != nil {
		t.Fatal(err)
	}
	if info.Subject != "alice.crypto" || claims["iss"] != in.Issuer || claims["aud"] != id || info.Email != "alice@example.com" {
		t.Fatalf("signed userinfo claims %v", claims)
	}
	// The signature is the server's: a byte changed in the payload fails.
	parts := strings.Split(jwt, ".")
	forged := parts[0] + "." + parts[1][:len(parts[1])-2] + "AA." + parts[2]
	keySet := oidc.NewRemoteKeySet(ctx(t), in.Issuer+"/.well-known/jwks.json")
	if _, err := keySet.VerifySignature(ctx(t), jwt); err != nil {
		t.Fatalf("the key set does not verify the userinfo JWT: %v", err)
	}
	if _, err := keySet.VerifySignature(ctx(t), forged); err == nil {
		t.Fatal("a forged userinfo JWT verified")
	}

	// A client without userinfo_signed_response_alg still gets JSON.
	plainID, plainSecret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}})
	code, verifier, _ = codeFor(t, in, plainID, []string{"openid"})
	plain := newRP(t, in, plainID, plainSecret, testRedirect, "openid")
	ptok, err := plain.conf.Exchange(ctx(t), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	req, _ = http.NewRequest("GET", in.Issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+ptok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("plain userinfo: %d %q", resp.StatusCode, ct)
	}
}

// TestDiscoveryListsSigningAlgorithms: discovery lists RS256, ES256 and
// EdDSA for ID tokens and userinfo, never none, and the JWKS has one key of
// each.
func TestDiscoveryListsSigningAlgorithms(t *testing.T) {
	in := startSigil(t)
	_, d, _ := getJSON(t, in.Issuer+"/.well-known/openid-configuration")
	for _, field := range []string{"id_token_signing_alg_values_supported", "userinfo_signing_alg_values_supported"} {
		list, _ := d[field].([]any)
		if !slices.Equal(list, []any{"RS256", "ES256", "EdDSA"}) {
			t.Errorf("%s = %v, want [RS256 ES256 EdDSA]", field, d[field])
		}
	}
	set := jose.JSONWebKeySet{}
	if err := json.Unmarshal(fetch(t, in.Issuer+"/.well-known/jwks.json"), &set); err != nil {
		t.Fatal(err)
	}
	var algs []string
	for _, k := range set.Keys {
		if !k.IsPublic() || k.Use != "sig" {
			t.Errorf("JWKS key %s is not a public signing key", k.KeyID)
		}
		algs = append(algs, k.Algorithm)
	}
	if !slices.Equal(algs, []string{"RS256", "ES256", "EdDSA"}) {
		t.Errorf("JWKS algorithms %v", algs)
	}
}

// TestConformance_oidcc_idtoken_rs256 is module oidcc-idtoken-rs256 (a
// Dynamic OP module, run here with a static client): a client registered
// with id_token_signed_response_alg RS256 gets ID tokens signed RS256 with
// a key the JWKS publishes for RS256, which go-oidc verifies (its verifier
// accepts RS256 only by default).
func TestConformance_oidcc_idtoken_rs256(t *testing.T) {
	in := startSigil(t)
	op := newOPTest(t, in, "default", map[string]any{"id_token_signed_response_alg": "RS256"})
	r := op.fullFlow(nil, false)
	if r.idToken.header["alg"] != "RS256" {
		t.Fatalf("ID token alg %v, want RS256", r.idToken.header["alg"])
	}
	if key := op.jwk(r.idToken.header["kid"].(string)); key == nil || key.Algorithm != "RS256" || key.Use != "sig" {
		t.Fatalf("the signing key in the JWKS: %+v", key)
	}
}
