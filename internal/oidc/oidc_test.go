package oidc

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/oautherr"
)

// TestAtHash: the left half of the access token's hash by the hash of the
// ID token's alg, SHA-512 for EdDSA (Ed25519).
func TestAtHash(t *testing.T) {
	sum := sha256.Sum256([]byte("sigil_at_x"))
	for _, alg := range []string{"RS256", "ES256"} {
		if got, want := AtHash(alg, "sigil_at_x"), base64.RawURLEncoding.EncodeToString(sum[:16]); got != want {
			t.Fatalf("%s at_hash %s, want %s", alg, got, want)
		}
	}
	sum512 := sha512.Sum512([]byte("sigil_at_x"))
	if got, want := AtHash("EdDSA", "sigil_at_x"), base64.RawURLEncoding.EncodeToString(sum512[:32]); got != want {
		t.Fatalf("EdDSA at_hash %s, want %s", got, want)
	}
}

func TestClaimsFollowGrantedScope(t *testing.T) {
	a := &sigil.Authorization{ClientID: "c", Subject: "alice.crypto", Address: "0xAb", GrantedScope: sigil.Scopes{"openid"},
		Message: "m", Signature: "s", WalletTypeHint: "web3", AuthTime: time.Unix(100, 0), SessionID: "sid"}
	c := IDTokenClaims("https://id.example", a, a.Subject, "sigil_at_x", "RS256", time.Unix(200, 0), time.Hour)
	if c["sub"] != "alice.crypto" || c["aud"] != "c" || c["exp"] != int64(3800) || c["auth_time"] != int64(100) || c["sid"] != "sid" {
		t.Fatalf("claims %v", c)
	}
	if _, ok := c["nonce"]; ok {
		t.Fatal("nonce claim without a nonce in the request")
	}
	if _, ok := c["wallet_address"]; ok {
		t.Fatal("wallet claims without the wallet scope")
	}
	a.GrantedScope = sigil.Scopes{"openid", "wallet"}
	a.Nonce = "n-12345678"
	c = IDTokenClaims("https://id.example", a, a.Subject, "", "RS256", time.Unix(200, 0), time.Hour)
	if c["wallet_address"] != "0xAb" || c["eip4361_message"] != "m" || c["nonce"] != "n-12345678" {
		t.Fatalf("claims %v", c)
	}
	if _, ok := c["at_hash"]; ok {
		t.Fatal("at_hash without an access token")
	}
	if amr := c["amr"].([]string); amr[1] != "v1.sig.ethereum.0xAb" {
		t.Fatalf("amr %v", amr)
	}
}

func TestAccessTokenOf(t *testing.T) {
	cases := []struct {
		method, auth, body, want, code string
		hint                           string
	}{
		{"GET", "Bearer sigil_at_a", "", "sigil_at_a", "", ""},
		{"GET", "bearer sigil_at_a", "", "sigil_at_a", "", ""},
		{"GET", "Basic sigil_at_a", "", "sigil_at_a", "", ""}, // @uauth/js
		{"GET", "Basic dXNlcjpwYXNz", "", "", "request_unauthorized", ""},
		{"GET", "", "", "", "request_unauthorized", "No access token was sent"},
		{"POST", "", "access_token=sigil_at_b", "sigil_at_b", "", ""},
		{"POST", "Bearer sigil_at_a", "access_token=sigil_at_b", "", "invalid_request", ""},
		{"GET", "Bearer other", "", "", "invalid_token", "not one Sigil issued"},
		// The query (RFC 6750 section 2.3) is not taken, and the answer
		// says so; a refresh token is named as one.
		{"GET?access_token=sigil_at_q", "", "", "", "request_unauthorized", "URL query is not accepted"},
		{"GET", "Bearer sigil_rt_f.n.t", "", "", "invalid_token", "This is a refresh token"},
	}
	for _, tc := range cases {
		method, query, _ := strings.Cut(tc.method, "?")
		r := httptest.NewRequest(method, "/userinfo?"+query, strings.NewReader(tc.body))
		if tc.body != "" {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if tc.auth != "" {
			r.Header.Set("Authorization", tc.auth)
		}
		got, err := accessTokenOf(r)
		code := ""
		if err != nil {
			code = strings.SplitN(err.Error(), ":", 2)[0]
		}
		if got != tc.want || code != tc.code || (tc.hint != "" && !strings.Contains(oautherr.From(err).Hint, tc.hint)) {
			t.Errorf("%s %q %q: got %q %v, want %q %q with %q", tc.method, tc.auth, tc.body, got, err, tc.want, tc.code, tc.hint)
		}
	}
}
