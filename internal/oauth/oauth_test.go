package oauth

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/keys"
	"github.com/sigil-oidc/sigil/internal/oautherr"
)

func TestMatchRedirectURI(t *testing.T) {
	registered := []string{"https://rp.example/cb", "http://127.0.0.1:8080/cb", "http://[::1]/cb?x=1", "com.example.app:/oauth"}
	cases := []struct {
		uri  string
		want bool
	}{
		{"https://rp.example/cb", true},
		{"https://rp.example/cb/", false},
		{"https://rp.example/CB", false},
		{"https://RP.example/cb", false},
		{"https://rp.example/cb?x=1", false},
		{"https://rp.example:443/cb", false},
		{"http://rp.example/cb", false},
		{"http://127.0.0.1:8080/cb", true},
		{"http://127.0.0.1:51234/cb", true}, // RFC 8252 section 7.3: any port
		{"http://127.0.0.1/cb", true},
		{"http://127.0.0.1:51234/cb2", false},
		{"http://127.0.0.1:51234/cb?y=2", false},
		{"http://127.0.0.2:8080/cb", false},
		{"http://localhost:8080/cb", false}, // a different host than registered
		{"http://user@127.0.0.1:8080/cb", false},
		{"https://127.0.0.1:8080/cb", false},
		{"http://[::1]:9000/cb?x=1", true},
		{"http://[::1]:9000/cb", false},
		{"com.example.app:/oauth", true},
		{"com.example.app:/other", false},
		// A loopback port must be one a listener can have, written as
		// registration requires: no bare ':', 0, leading zero or overflow.
		{"http://127.0.0.1:/cb", false},
		{"http://127.0.0.1:0/cb", false},
		{"http://127.0.0.1:08080/cb", false},
		{"http://127.0.0.1:99999/cb", false},
		{"http://127.0.0.1:65535/cb", true},
		{"http://127.0.0.1:1/cb", true},
	}
	for _, tc := range cases {
		if got := matchRedirectURI(registered, tc.uri); got != tc.want {
			t.Errorf("matchRedirectURI(%q) = %v, want %v", tc.uri, got, tc.want)
		}
	}
}

// TestWithQuery: parameters are added after the registered query, which is
// kept byte for byte (RFC 6749 section 3.1.2), ';' separators and escapes
// included.
func TestWithQuery(t *testing.T) {
	add := url.Values{"state": {"a b"}, "code": {"c"}}
	for _, tc := range []struct{ uri, want string }{
		{"https://rp.example/cb", "https://rp.example/cb?code=c&state=a+b"},
		{"https://rp.example/cb?b=2&a=hello%20world&flag", "https://rp.example/cb?b=2&a=hello%20world&flag&code=c&state=a+b"},
		{"https://rp.example/cb?a=1;b=2", "https://rp.example/cb?a=1;b=2&code=c&state=a+b"},
		{"https://rp.example/cb?", "https://rp.example/cb?code=c&state=a+b"},
		{"com.example.app:/oauth?x=%7e", "com.example.app:/oauth?x=%7e&code=c&state=a+b"},
	} {
		if got := withQuery(tc.uri, add); got != tc.want {
			t.Errorf("withQuery(%q) = %q, want %q", tc.uri, got, tc.want)
		}
	}
	if got := withQuery("https://rp.example/cb?x=1", nil); got != "https://rp.example/cb?x=1" {
		t.Errorf("withQuery with nothing to add = %q", got)
	}
}

func TestResponseURLModes(t *testing.T) {
	p := &Provider{Issuer: &url.URL{Scheme: "https", Host: "id.example"}}
	u, err := p.responseURL("https://rp.example/cb?keep=1", ModeQuery, "st-12345678", url.Values{"code": {"c"}})
	if err != nil {
		t.Fatal(err)
	}
	parsed, _ := url.Parse(u)
	q := parsed.Query()
	if q.Get("keep") != "1" || q.Get("code") != "c" || q.Get("state") != "st-12345678" || q.Get("iss") != "https://id.example" {
		t.Fatalf("query response %s", u)
	}
	u, _ = p.responseURL("https://rp.example/cb", ModeFragment, "", url.Values{"code": {"c"}})
	if !strings.HasPrefix(u, "https://rp.example/cb#") || strings.Contains(u, "state=") || !strings.Contains(u, "iss=https%3A%2F%2Fid.example") {
		t.Fatalf("fragment response %s", u)
	}
}

func TestFormPostNeedsAWebRedirectURI(t *testing.T) {
	p := &Provider{Issuer: &url.URL{Scheme: "https", Host: "id.example"}}
	client := &sigil.Client{ID: "app", ResponseTypes: []string{"code"}, Scope: sigil.Scopes{"openid"}, RedirectURIs: []string{"com.example.app:/cb"}}
	params := url.Values{"response_type": {"code"}, "response_mode": {"form_post"}, "scope": {"openid"},
		"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
	_, err := p.validateAuthorizationRequest(params, client, "com.example.app:/cb")
	if err == nil || !strings.Contains(err.Error(), "unsupported_response_mode") {
		t.Fatalf("form_post to a private-use scheme: %v", err)
	}
	params.Set("response_mode", "query")
	if _, err := p.validateAuthorizationRequest(params, client, "com.example.app:/cb"); err != nil {
		t.Fatalf("query to a private-use scheme: %v", err)
	}
}

// TestHintErrorSaysWhenTheKeyIsGone: an id_token_hint signed with a key the
// set does not have is refused, saying it may be an old ID token of
// Sigil's whose key was deleted after a rotation; any other failure keeps
// the plain message.
func TestHintErrorSaysWhenTheKeyIsGone(t *testing.T) {
	gone := oautherr.From(hintError(fmt.Errorf("verify: %w", keys.ErrUnknownKey)))
	if gone.Code != "invalid_request" || !strings.Contains(gone.Hint, "signed before a key rotation") {
		t.Errorf("unknown key: %+v", gone)
	}
	other := oautherr.From(hintError(errors.New("bad signature")))
	if other.Code != "invalid_request" || strings.Contains(other.Hint, "rotation") {
		t.Errorf("bad signature: %+v", other)
	}
}
