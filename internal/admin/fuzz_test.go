package admin

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/sigil-oidc/sigil/internal/oautherr"
)

// metadataSeeds are registration bodies: the documented examples and the
// tricky ones.
var metadataSeeds = []string{
	`{"client_name":"My app","redirect_uris":["https://app.example.com/cb"],"scope":"openid wallet"}`,
	`{"client_id":"my-spa","token_endpoint_auth_method":"none","redirect_uris":["http://127.0.0.1:8080/cb","http://[::1]/cb","com.example.app:/oauth"],"post_logout_redirect_uris":["https://spa.example/bye"],"allowed_cors_origins":["https://spa.example","http://localhost:3000"],"scope":"openid wallet email:optional profile"}`,
	`{"grant_types":["client_credentials"],"scope":"orders:read orders:write","token_endpoint_auth_method":"client_secret_post"}`,
	`{"grant_types":["authorization_code","refresh_token"],"redirect_uris":["https://rp.example/cb"],"scope":"openid offline_access","require_pkce":false,"id_token_signed_response_alg":"ES256","userinfo_signed_response_alg":"EdDSA","backchannel_logout_uri":"https://rp.example/bc?x=1","backchannel_logout_session_required":true,"access_token_strategy":"jwt","resources":["https://api.example/","urn:example:api"]}`,
	`{"redirect_uris":["https://rp.example/cb#frag"]}`,
	`{"redirect_uris":["javascript:alert(1)//.x"]}`,
	`{"redirect_uris":["JAVASCRIPT://x.y/cb", "HTTPS://RP.EXAMPLE/cb"]}`,
	`{"redirect_uris":["http://localhost.evil.example/cb"]}`,
	`{"redirect_uris":["http://127.0.0.1\\@evil.example/cb"]}`,
	`{"redirect_uris":["https://user:pass@rp.example/cb"]}`,
	`{"redirect_uris":["https://rp.example/cb","https://rp.example/cb"]}`,
	`{"redirect_uris":["https:/rp.example/cb","https:rp.example","https://:443/cb","//rp.example/cb"]}`,
	`{"redirect_uris":["https://rp.example/\u0000cb"]}`,
	"{\"redirect_uris\":[\"https://rp.example/\xff\"],\"client_name\":\"\xff\xfe\"}",
	`{"redirect_uris":["https://rp.example/cb"],"client_name":"A\u202eppa"}`,
	`{"redirect_uris":["https://rp.example/cb"],"client_name":"` + strings.Repeat("n", 201) + `"}`,
	`{"redirect_uris":["https://rp.example/cb"],"allowed_cors_origins":["https://RP.example","https://rp.example:443","https://rp.example/","https://rp.example:0"]}`,
	`{"redirect_uris":["https://rp.example/cb"],"scope":"openid \"quoted\" back\\slash"}`,
	`{"redirect_uris":["https://rp.example/cb"],"id_token_signed_response_alg":"none"}`,
	`{"redirect_uris":["https://rp.example/cb"],"client_secret":"s"}`,
	`{"redirect_uris":["https://rp.example/cb"],"unknown":1}`,
	`{"redirect_uris":["https://rp.example/cb"]} {}`,
	`{"redirect_uris":["https://rp.example/cb"],"redirect_uris":["https://other.example/cb"]}`,
	`{"client_id":"ab"}`, `{"client_id":"a b c"}`,
	`null`, `[]`, `""`, ``, `{`,
	`{"redirect_uris":["https://rp.example/` + strings.Repeat("a", 5000) + `"]}`,
}

// FuzzClientMetadata registers arbitrary JSON bodies through the admin API
// (POST /admin/clients), the one place clients, their redirect URIs and
// their CORS origins come from. It must never answer 5xx or panic; an
// error is a catalogue error whose description stays within RFC 6749
// section 5.2's characters; a registered client's redirect URIs pass
// checkAcceptedRedirectURI; and the metadata it answers, sent back with
// PUT, is accepted and answered unchanged (what an operator reads back is
// what is in force).
func FuzzClientMetadata(f *testing.F) {
	for _, s := range metadataSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		h := NewHandler(newFakeStore(), HashToken(testToken), slog.New(slog.DiscardHandler), nil)
		rec := serveJSON(h, "POST", "/admin/clients", body)
		if rec.Code != http.StatusCreated {
			checkErrorAnswer(t, rec)
			return
		}
		var m Metadata
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("201 body is not metadata: %v", err)
		}
		if !validClientID(m.ClientID) && len(m.ClientID) != 36 {
			t.Fatalf("registered client_id %q", m.ClientID)
		}
		if (m.ClientSecret == "") != (m.TokenEndpointAuthMethod == "none") {
			t.Fatalf("secret %q for auth method %q", m.ClientSecret, m.TokenEndpointAuthMethod)
		}
		for _, u := range append(append([]string(nil), m.RedirectURIs...), m.PostLogoutRedirectURIs...) {
			checkAcceptedRedirectURI(t, u)
		}
		for _, o := range m.AllowedCORSOrigins {
			if u, err := url.Parse(o); err != nil || u.Scheme+"://"+u.Host != o || o != strings.ToLower(o) {
				t.Fatalf("registered CORS origin %q is not a serialized origin", o)
			}
		}

		m.ClientSecret, m.ClientSecretExpiresAt, m.ClientIDIssuedAt = "", nil, 0
		again, _ := json.Marshal(&m)
		rec = serveJSON(h, "PUT", "/admin/clients/"+url.PathEscape(m.ClientID), string(again))
		if rec.Code != http.StatusOK {
			t.Fatalf("PUT of the registered metadata: %d %s\nmetadata: %s", rec.Code, rec.Body, again)
		}
		var m2 Metadata
		if err := json.Unmarshal(rec.Body.Bytes(), &m2); err != nil {
			t.Fatal(err)
		}
		m2.ClientIDIssuedAt = 0
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("metadata changed when sent back:\n%+v\n%+v", m, m2)
		}
	})
}

// FuzzRedirectURI checks the redirect URI rule on its own, with no JSON
// around it: checkRedirectURI never panics, and what it accepts passes
// checkAcceptedRedirectURI.
func FuzzRedirectURI(f *testing.F) {
	for _, s := range []string{
		"https://rp.example/cb", "https://rp.example/cb?x=1&y", "http://127.0.0.1:8080/cb", "http://[::1]/cb",
		"http://localhost/cb", "http://LOCALHOST/cb", "com.example.app:/oauth", "com.example.app://host/p",
		"https://rp.example/cb#", "https://rp.example/cb#x", "javascript:alert(1)", "java.script:alert(1)",
		"data.x:text/html,<script>", "http://127.0.0.1.evil.example/cb", "http://127.0.0.1@evil.example/",
		"http://evil.example\\@127.0.0.1/", "http://[::1%25eth0]/cb", "http://0x7f.0.0.1/cb", "http://127.1/cb",
		"https://rp.example:99999/cb", "https:///cb", "https://rp.example/c b", "https://rp.example/\u00a0",
		"\xff://x", "https://rp.example/%zz", "HTTP://127.0.0.1/cb", "//rp.example/cb", "", ":",
		"https://" + strings.Repeat("a", 5000) + ".example/cb",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if err := checkRedirectURI("redirect_uris", raw); err != nil {
			if d := oautherr.From(err).FullDescription(); !allowedDescription(d) {
				t.Fatalf("error_description %q has characters RFC 6749 section 5.2 forbids", d)
			}
			return
		}
		checkAcceptedRedirectURI(t, raw)
	})
}

// checkAcceptedRedirectURI fails unless raw is a safe redirection
// endpoint: absolute, no fragment, no userinfo, no whitespace, control
// character, backslash or other character RFC 3986 does not allow, and https with a host, http with a loopback host, or a
// private-use scheme in reverse domain notation (RFC 6749 section 3.1.2,
// RFC 8252 sections 7.1 and 7.3, RFC 9700 section 2.1).
func checkAcceptedRedirectURI(t *testing.T, raw string) {
	t.Helper()
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		t.Fatalf("accepted redirect URI %q does not parse: %v", raw, err)
	case strings.Contains(raw, "#") || u.Fragment != "":
		t.Fatalf("accepted redirect URI %q has a fragment", raw)
	case u.User != nil:
		t.Fatalf("accepted redirect URI %q has userinfo", raw)
	case strings.ContainsFunc(raw, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r > 0x7e || strings.ContainsRune("\\\"<>^`{|}", r)
	}):
		t.Fatalf("accepted redirect URI %q has whitespace, a control character, a backslash or another character RFC 3986 does not allow", raw)
	}
	switch s := u.Scheme; {
	case s == "https":
		if u.Hostname() == "" || u.Opaque != "" {
			t.Fatalf("accepted https redirect URI %q has no host", raw)
		}
	case s == "http":
		if h := strings.ToLower(u.Hostname()); u.Opaque != "" || (h != "localhost" && h != "127.0.0.1" && h != "::1") {
			t.Fatalf("accepted http redirect URI %q is not on a loopback host", raw)
		}
	case strings.Contains(s, "."):
		if dangerousSchemes[s] {
			t.Fatalf("accepted redirect URI %q has a dangerous scheme", raw)
		}
	default:
		t.Fatalf("accepted redirect URI %q has scheme %q", raw, s)
	}
}

// serveJSON sends an authenticated admin request with a JSON body.
func serveJSON(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/", strings.NewReader(body))
	req.URL.Path = path
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+testToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// checkErrorAnswer fails unless rec is a 4xx catalogue error whose
// description is inside RFC 6749 section 5.2's character set.
func checkErrorAnswer(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code < 400 || rec.Code >= 500 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var b oautherr.Body
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil || b.Error == "" {
		t.Fatalf("error answer is not a catalogue error: %s", rec.Body)
	}
	if !allowedDescription(b.ErrorDescription) || !allowedDescription(b.ErrorHint) {
		t.Fatalf("error_description %q has characters RFC 6749 section 5.2 forbids", b.ErrorDescription)
	}
}

func allowedDescription(s string) bool {
	for i := 0; i < len(s); i++ {
		if !oautherr.Allowed(s[i]) {
			return false
		}
	}
	return true
}
