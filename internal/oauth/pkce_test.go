package oauth

import (
	"errors"
	"net/url"
	"testing"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/oautherr"
)

// TestCheckPKCE: PKCE is required by default and always of a public
// client; a confidential client with require_pkce false may send none, but
// what it sends must still be well formed (RFC 7636 section 4.3, RFC 9700
// section 2.1.1).
func TestCheckPKCE(t *testing.T) {
	const challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	strict := &sigil.Client{ID: "strict", RequirePKCE: true, TokenEndpointAuthMethod: sigil.AuthMethodClientSecretBasic}
	optOut := &sigil.Client{ID: "opt-out", RequirePKCE: false, TokenEndpointAuthMethod: sigil.AuthMethodClientSecretBasic}
	public := &sigil.Client{ID: "public", RequirePKCE: false, TokenEndpointAuthMethod: sigil.AuthMethodNone}
	plain := &sigil.Client{ID: "plain", RequirePKCE: true, AllowPlainPKCE: true, TokenEndpointAuthMethod: sigil.AuthMethodClientSecretBasic}
	cases := []struct {
		name       string
		client     *sigil.Client
		challenge  string
		method     string
		ok         bool
		wantMethod string
	}{
		{"required, missing", strict, "", "", false, ""},
		{"required, S256", strict, challenge, "S256", true, "S256"},
		{"public, missing even with require_pkce false", public, "", "", false, ""},
		{"opted out, missing", optOut, "", "", true, ""},
		{"opted out, method alone", optOut, "", "S256", false, ""},
		{"opted out, S256 sent", optOut, challenge, "S256", true, "S256"},
		{"opted out, short challenge", optOut, "short", "S256", false, ""},
		{"plain defaulted, not allowed", strict, challenge, "", false, ""},
		{"plain allowed", plain, challenge, "", true, "plain"},
		{"unknown method", strict, challenge, "S512", false, ""},
	}
	for _, tc := range cases {
		params := url.Values{}
		if tc.challenge != "" {
			params.Set("code_challenge", tc.challenge)
		}
		if tc.method != "" {
			params.Set("code_challenge_method", tc.method)
		}
		req := &AuthorizationRequest{}
		err := checkPKCE(req, params, tc.client)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok %v", tc.name, err, tc.ok)
			continue
		}
		if err != nil && !errors.Is(err, oautherr.ErrInvalidRequest) {
			t.Errorf("%s: %v, want invalid_request", tc.name, err)
		}
		if tc.ok && req.CodeChallengeMethod != tc.wantMethod {
			t.Errorf("%s: method %q, want %q", tc.name, req.CodeChallengeMethod, tc.wantMethod)
		}
	}
}
