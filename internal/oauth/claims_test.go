package oauth

import (
	"net/url"
	"strings"
	"testing"

	"github.com/sigil-oidc/sigil"
)

// TestClaimsParameter checks how the authorization endpoint takes the
// claims parameter (OpenID Connect Core section 5.5): invalid JSON is
// invalid_request with a hint, each requested claim is asked for as its
// scope when the client is registered for it (essential: required;
// voluntary: optional), an unmet essential acr is access_denied, and a sub
// value is kept to pin the person.
func TestClaimsParameter(t *testing.T) {
	p := &Provider{Issuer: &url.URL{Scheme: "https", Host: "id.example"}}
	client := &sigil.Client{ID: "app", ResponseTypes: []string{"code"}, Scope: sigil.Scopes{"openid", "profile", "email", "wallet"},
		RequirePKCE: true, RedirectURIs: []string{"https://rp.example/cb"}}
	cases := []struct {
		name, scope, claims string
		wantScope, wantErr  string
		wantSub             string
	}{
		{"essential name", "openid", `{"userinfo":{"name":{"essential":true}}}`, "openid profile:name", "", ""},
		{"voluntary name and email", "openid", `{"id_token":{"name":null},"userinfo":{"email":null}}`, "openid profile:name:optional email:optional", "", ""},
		{"already requested", "openid profile email:optional", `{"userinfo":{"name":{"essential":true},"email":{"essential":true}}}`, "openid profile email:optional", "", ""},
		{"not registered", "openid", `{"userinfo":{"twitter":{"essential":true}}}`, "openid", "", ""},
		{"voluntary wallet stays out", "openid", `{"userinfo":{"wallet_address":null}}`, "openid", "", ""},
		{"essential wallet", "openid", `{"userinfo":{"wallet_address":{"essential":true}}}`, "openid wallet", "", ""},
		{"acr met", "openid", `{"id_token":{"acr":{"essential":true,"values":["sig"]}}}`, "openid", "", ""},
		{"acr voluntary unmet", "openid", `{"id_token":{"acr":{"values":["gold"]}}}`, "openid", "", ""},
		{"acr essential unmet", "openid", `{"id_token":{"acr":{"essential":true,"value":"gold"}}}`, "", "access_denied", ""},
		{"sub value", "openid", `{"id_token":{"sub":{"value":"alice.crypto"}}}`, "openid", "", "alice.crypto"},
		{"invalid JSON", "openid", `{"userinfo":`, "", "invalid_request", ""},
		{"essential not boolean", "openid", `{"userinfo":{"name":{"essential":"yes"}}}`, "", "invalid_request", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			params := url.Values{"response_type": {"code"}, "scope": {tc.scope}, "claims": {tc.claims},
				"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
			req, err := p.validateAuthorizationRequest(params, client, "https://rp.example/cb")
			if tc.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr+":") || !strings.Contains(err.Error(), "claims") {
					t.Fatalf("error %v, want %s with a hint about the claims parameter", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if req.Scope.String() != tc.wantScope || req.ClaimsSubject != tc.wantSub || req.ClaimsRequest == "" {
				t.Errorf("scope %q, sub %q, kept %q; want %q, %q", req.Scope.String(), req.ClaimsSubject, req.ClaimsRequest, tc.wantScope, tc.wantSub)
			}
		})
	}
}
