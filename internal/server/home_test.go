package server

import (
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sigil-oidc/sigil/internal/oauth"
	"github.com/sigil-oidc/sigil/web"
)

// TestRootPage: the issuer's root URL is a small HTML page that says what
// the server is and links discovery (and the demo only under --dev); every
// other unknown path is still the JSON 404 API clients expect.
func TestRootPage(t *testing.T) {
	pages, err := web.NewPages()
	if err != nil {
		t.Fatal(err)
	}
	issuer, _ := url.Parse("https://id.example")
	for _, dev := range []bool{false, true} {
		p := &Public{Provider: &oauth.Provider{Issuer: issuer, Pages: pages, Log: slog.New(slog.DiscardHandler)}}
		if dev {
			p.Demo = &web.DemoPage{Issuer: "https://id.example"}
		}
		h := p.Handler()

		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		body := rec.Body.String()
		if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("dev=%v: GET / answered %d %s", dev, rec.Code, rec.Header().Get("Content-Type"))
		}
		if !strings.Contains(body, `href="https://id.example/.well-known/openid-configuration"`) || !strings.Contains(body, "OpenID Connect provider") {
			t.Errorf("dev=%v: the root page does not say what the server is or link discovery:\n%s", dev, body)
		}
		if got := strings.Contains(body, `href="https://id.example/demo"`); got != dev {
			t.Errorf("dev=%v: the root page links the demo: %v", dev, got)
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("dev=%v: the root page has no CSP: %q", dev, csp)
		}

		for _, tc := range []struct{ method, path string }{{"GET", "/nothing-here"}, {"POST", "/"}, {"GET", "/login/nope"}} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			if !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") || !strings.Contains(rec.Body.String(), `"error"`) {
				t.Errorf("%s %s answered %d %s %q, want the JSON error", tc.method, tc.path, rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}
		}
	}
}
