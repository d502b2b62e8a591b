package web

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

var sampleScopes = []Scope{
	{Name: "openid", Description: ScopeDescription("openid")},
	{Name: "wallet", Description: ScopeDescription("wallet")},
	{Name: "email:optional", Description: ScopeDescription("email:optional"), Optional: true},
}

// samplePages is one data value per page, as the handlers pass them.
func samplePages() map[string]any {
	return map[string]any{
		PageLogin: LoginPage{
			FlowID:        "flow-123",
			ClientName:    "Example App",
			ClientLogoURI: "https://app.example/logo.png",
			ClientURI:     "https://app.example/",
			LoginHint:     "alice.crypto",
			Scopes:        sampleScopes,
		},
		PageConsent: ConsentPage{
			FlowID:        "flow-123",
			ClientName:    "Example App",
			ClientLogoURI: "https://app.example/logo.png",
			ClientURI:     "https://app.example/",
			PolicyURI:     "https://app.example/privacy",
			TosURI:        "https://app.example/terms",
			Subject:       "alice.crypto",
			Address:       "0x8ba1f109551bD432803012645Ac136ddd64DBA72",
			Scopes:        sampleScopes,
			AccountURL:    "http://localhost:8080/account",
		},
		PageError: ErrorPage{
			Status:      400,
			Error:       "invalid_request",
			Description: "The redirect_uri is not registered for this client.",
			Hint:        "Ask the application's developer to register it.",
			Spec:        "RFC 6749 §4.1.2.1",
			RequestID:   "0123456789abcdef",
		},
		PageFormPost: FormPostPage{
			Action: "https://app.example/callback",
			Params: []Param{{Name: "code", Value: "abc"}, {Name: "state", Value: "xyz"}},
		},
		PageDemo: DemoPage{
			Issuer:      "http://localhost:8080",
			ClientID:    "sigil-demo",
			RedirectURI: "http://localhost:8080/demo/callback",
			Scope:       "openid wallet email:optional",
			Domain:      "alice.crypto",
		},
		PageDemoCallback: DemoPage{
			Issuer:      "http://localhost:8080",
			ClientID:    "sigil-demo",
			RedirectURI: "http://localhost:8080/demo/callback",
			Scope:       "openid wallet",
		},
		PageLoggedOut: LoggedOutPage{},
		PageAccount:   AccountPage{Subject: "alice.crypto", Address: "0x8ba1f109551bD432803012645Ac136ddd64DBA72", CSRF: "c"},
		PageFlowEnded: FlowEndedPage{
			Ended: FlowFinished, ClientID: "notes", ClientName: "Example App", Subject: "alice.crypto",
			BackURL: "https://app.example/", AccountURL: "http://localhost:8080/account",
		},
		PageHome: HomePage{Issuer: "http://localhost:8080", Demo: true},
	}
}

// render renders a page through Render and returns the recorded response.
func render(t *testing.T, p *Pages, status int, name string, data any) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := p.Render(rec, status, name, data); err != nil {
		t.Fatalf("Render(%s): %v", name, err)
	}
	return rec
}

func newPages(t *testing.T) *Pages {
	t.Helper()
	p, err := NewPages()
	if err != nil {
		t.Fatalf("NewPages: %v", err)
	}
	return p
}

func TestPagesRender(t *testing.T) {
	p := newPages(t)
	want := map[string][]string{
		PageLogin: {
			"<title>Sign in to Example App · Sigil</title>", "Your domain", `value="alice.crypto"`,
			"Continue", `data-flow="flow-123"`, "Example App", `href="https://app.example/"`,
			`src="https://app.example/logo.png"`, ScopeDescription("wallet"), "optional",
			"Choose your wallet", "Sign the message", "JavaScript is required",
			`role="alert"`, `aria-live="polite"`, "/static/js/login.js?v=",
		},
		PageConsent: {
			"Allow", "Deny", "Remember this decision", "alice.crypto",
			"0x8ba1f109551bD4328030<wbr>12645Ac136ddd64DBA72", `href="https://app.example/privacy"`,
			`href="http://localhost:8080/account"`, "You can undo this at any time",
			`href="https://app.example/terms"`, `value="email:optional"`, `value="openid"`,
			ScopeDescription("email"), `data-flow="flow-123"`, "/static/js/consent.js?v=",
		},
		PageError: {
			"400", "Bad Request", "invalid_request", "The redirect_uri is not registered for this client.",
			"Ask the application&#39;s developer to register it.", "RFC 6749 §4.1.2.1", "0123456789abcdef",
		},
		PageFormPost: {
			`action="https://app.example/callback"`, `method="post"`, `name="code" value="abc"`,
			`name="state" value="xyz"`, "<noscript>", "/static/js/form_post.js?v=",
		},
		PageDemo: {
			"Sign in with alice.crypto", "Domain to sign in with", `data-issuer="http://localhost:8080"`,
			`data-client-id="sigil-demo"`, `data-redirect="http://localhost:8080/demo/callback"`,
			`data-scope="openid wallet email:optional"`, "/static/js/demo.js?v=",
		},
		PageDemoCallback: {
			"ID token claims", "Decoded, not verified", "UserInfo response", `data-issuer="http://localhost:8080"`,
			`href="http://localhost:8080/demo"`, "/static/js/demo_callback.js?v=",
		},
		PageLoggedOut: {"You are signed out."},
		PageAccount:   {"alice.crypto", "Sign out everywhere"},
		PageFlowEnded: {
			"This sign-in is already finished", "You signed in to Example App as <strong>alice.crypto</strong>",
			`href="https://app.example/"`, "Back to Example App", `href="http://localhost:8080/account"`,
		},
		PageHome: {
			`href="http://localhost:8080/.well-known/openid-configuration"`, `href="http://localhost:8080/demo"`,
			`href="http://localhost:8080/account"`, "OpenID Connect provider",
		},
	}
	for name, data := range samplePages() {
		t.Run(name, func(t *testing.T) {
			rec := render(t, p, http.StatusOK, name, data)
			if rec.Code != http.StatusOK {
				t.Errorf("status = %d", rec.Code)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			body := rec.Body.String()
			if !strings.HasPrefix(body, "<!doctype html>") {
				t.Errorf("page does not start with the doctype: %.60q", body)
			}
			for _, s := range []string{"<no value>", "ZgotmplZ", "%!"} {
				if strings.Contains(body, s) {
					t.Errorf("page contains %q", s)
				}
			}
			for _, s := range want[name] {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			if !strings.Contains(body, ">Sigil<") {
				t.Error("page lacks the Sigil wordmark")
			}
			if strings.Contains(body, "data-devwallet-key") || strings.Contains(body, "devwallet.js") {
				t.Error("dev wallet rendered without DevWallet")
			}
			checkCSP(t, body)
			checkLabels(t, body)
			checkAssets(t, body)
		})
	}
}

var (
	scriptTagRE  = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`)
	eventAttrRE  = regexp.MustCompile(`(?i)<[^>]*\son[a-z]+\s*=`)
	styleAttrRE  = regexp.MustCompile(`(?i)<[^>]*\sstyle\s*=`)
	inputTagRE   = regexp.MustCompile(`(?i)<input\b[^>]*>`)
	attrRE       = regexp.MustCompile(`(?i)\s([a-z-]+)="([^"]*)"`)
	labelForRE   = regexp.MustCompile(`(?i)<label\b[^>]*\sfor="([^"]+)"`)
	assetRE      = regexp.MustCompile(`(?:src|href)="/static/([^"?]+)(?:\?v=[0-9a-f]+)?"`)
	externalRefs = regexp.MustCompile(`(?i)<(?:script|link)\b[^>]*(?:src|href)="(?:https?:)?//`)
)

// checkCSP fails on anything the page's Content-Security-Policy blocks:
// inline scripts, style elements or attributes, event-handler attributes,
// and third-party scripts or stylesheets.
func checkCSP(t *testing.T, body string) {
	t.Helper()
	for _, m := range scriptTagRE.FindAllStringSubmatch(body, -1) {
		if !strings.Contains(m[1], `src="/static/`) || strings.TrimSpace(m[2]) != "" {
			t.Errorf("inline or foreign script: %s", m[0])
		}
	}
	if strings.Contains(strings.ToLower(body), "<style") {
		t.Error("page has a <style> element")
	}
	if m := styleAttrRE.FindString(body); m != "" {
		t.Errorf("style attribute: %s", m)
	}
	if m := eventAttrRE.FindString(body); m != "" {
		t.Errorf("event-handler attribute: %s", m)
	}
	if m := externalRefs.FindString(body); m != "" {
		t.Errorf("third-party script or stylesheet: %s", m)
	}
}

// checkLabels fails when a visible input has no <label for=...>.
func checkLabels(t *testing.T, body string) {
	t.Helper()
	labelled := map[string]bool{}
	for _, m := range labelForRE.FindAllStringSubmatch(body, -1) {
		labelled[m[1]] = true
	}
	for _, tag := range inputTagRE.FindAllString(body, -1) {
		attrs := map[string]string{}
		for _, a := range attrRE.FindAllStringSubmatch(tag, -1) {
			attrs[strings.ToLower(a[1])] = a[2]
		}
		if attrs["type"] == "hidden" {
			continue
		}
		if id := attrs["id"]; id == "" || !labelled[id] {
			t.Errorf("input without a label: %s", tag)
		}
	}
}

// checkAssets fails when the page links a static file that is not embedded.
func checkAssets(t *testing.T, body string) {
	t.Helper()
	for _, m := range assetRE.FindAllStringSubmatch(body, -1) {
		if _, ok := staticFiles[m[1]]; !ok {
			t.Errorf("page links missing static file %q", m[1])
		}
	}
}

func TestLoginDevWallet(t *testing.T) {
	p := newPages(t)
	key := "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
	data := LoginPage{FlowID: "f", ClientName: "App", DevWallet: true, DevWalletKey: key}
	body := render(t, p, http.StatusOK, PageLogin, data).Body.String()
	for _, s := range []string{
		"Development wallet — for local testing only, never use with real funds",
		`data-devwallet-key="` + key + `"`,
		"/static/js/devwallet.js?v=",
	} {
		if !strings.Contains(body, s) {
			t.Errorf("dev wallet page lacks %q", s)
		}
	}
	// devwallet.js must load before login.js.
	if strings.Index(body, "devwallet.js") > strings.Index(body, "login.js") {
		t.Error("devwallet.js is loaded after login.js")
	}
	checkCSP(t, body)
	checkLabels(t, body)

	// The key stays out of the page unless DevWallet is set.
	data.DevWallet = false
	body = render(t, p, http.StatusOK, PageLogin, data).Body.String()
	if strings.Contains(body, key) || strings.Contains(body, "Development wallet") {
		t.Error("dev wallet or its key rendered with DevWallet false")
	}
}

func TestLoginMinimalData(t *testing.T) {
	p := newPages(t)
	// No name, logo, link or scopes: the page still makes sense.
	body := render(t, p, http.StatusOK, PageLogin, LoginPage{FlowID: "f"}).Body.String()
	for _, s := range []string{"Sign in to the application", "Your domain", `value=""`} {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	for _, s := range []string{"<img class=\"client-logo\"", "client-link", "<no value>"} {
		if strings.Contains(body, s) {
			t.Errorf("page has %q", s)
		}
	}
}

func TestConsentRequiredAndOptional(t *testing.T) {
	p := newPages(t)
	body := render(t, p, http.StatusOK, PageConsent, samplePages()[PageConsent]).Body.String()
	inputs := inputTagRE.FindAllString(body, -1)
	seen := 0
	for _, tag := range inputs {
		switch {
		case strings.Contains(tag, `value="openid"`), strings.Contains(tag, `value="wallet"`):
			seen++
			if !strings.Contains(tag, " checked") || !strings.Contains(tag, " disabled") || !strings.Contains(tag, `data-required="true"`) {
				t.Errorf("required scope not checked and disabled: %s", tag)
			}
		case strings.Contains(tag, `value="email:optional"`):
			seen++
			if !strings.Contains(tag, " checked") || strings.Contains(tag, " disabled") {
				t.Errorf("optional scope not checked or disabled: %s", tag)
			}
		case strings.Contains(tag, `id="remember"`):
			seen++
			if strings.Contains(tag, " checked") {
				t.Errorf("remember is checked by default: %s", tag)
			}
		}
	}
	if seen != 4 {
		t.Errorf("found %d of 4 checkboxes in %d inputs", seen, len(inputs))
	}
	// The scope name is shown without the suffix.
	if !strings.Contains(body, "<code>email</code>") {
		t.Error("optional scope name not shown without its suffix")
	}
}

func TestFormPostEscapes(t *testing.T) {
	p := newPages(t)
	data := FormPostPage{
		Action: `https://app.example/cb?x=1&y="2"`,
		Params: []Param{
			{Name: "state", Value: `"><script>alert(1)</script>`},
			{Name: `na"me`, Value: `a&b<c>'d`},
			{Name: "submit", Value: "x"},
		},
	}
	body := render(t, p, http.StatusOK, PageFormPost, data).Body.String()
	for _, bad := range []string{"<script>alert", `"><script`, `name="na"me"`, `a&b<c>`} {
		if strings.Contains(body, bad) {
			t.Errorf("unescaped %q in form post page", bad)
		}
	}
	for _, good := range []string{
		`value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`,
		`name="na&#34;me"`,
		`value="a&amp;b&lt;c&gt;&#39;d"`,
		`action="https://app.example/cb?x=1&amp;y=%222%22"`,
	} {
		if !strings.Contains(body, good) {
			t.Errorf("form post page lacks %q", good)
		}
	}
	checkCSP(t, body)

	// A javascript: action is neutralised by html/template.
	body = render(t, p, http.StatusOK, PageFormPost, FormPostPage{Action: "javascript:alert(1)"}).Body.String()
	if strings.Contains(body, "javascript:") {
		t.Error("javascript: action rendered")
	}
}

func TestRenderStatusAndHeaders(t *testing.T) {
	p := newPages(t)
	rec := render(t, p, http.StatusBadRequest, PageError, ErrorPage{Status: 400, Error: "invalid_request"})
	if rec.Code != http.StatusBadRequest {
		t.Errorf("status = %d", rec.Code)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q", got)
	}
	if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", got)
	}

	// A caller's Cache-Control is kept; status 0 means 200.
	rec = httptest.NewRecorder()
	rec.Header().Set("Cache-Control", "private, max-age=0")
	if err := p.Render(rec, 0, PageLoggedOut, nil); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "private, max-age=0" {
		t.Errorf("got %d %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
}

func TestRenderErrorWritesNothing(t *testing.T) {
	p := newPages(t)
	for _, tc := range []struct {
		name string
		data any
	}{
		{"nope.html", nil},
		{PageLogin, ErrorPage{}}, // wrong data type: the template fails mid-page
	} {
		rec := httptest.NewRecorder()
		if err := p.Render(rec, http.StatusOK, tc.name, tc.data); err == nil {
			t.Errorf("Render(%s, %T) succeeded", tc.name, tc.data)
		}
		if rec.Body.Len() != 0 || len(rec.Header()) != 0 || rec.Code != http.StatusOK || rec.Flushed {
			t.Errorf("Render(%s) wrote on failure: %d %v %q", tc.name, rec.Code, rec.Header(), rec.Body.String())
		}
	}
}

func TestScopeDescription(t *testing.T) {
	for _, s := range []string{"openid", "wallet", "email", "profile", "social", "humanity_check", "badges", "offline_access"} {
		d := ScopeDescription(s)
		if d == "" || d == s {
			t.Errorf("ScopeDescription(%q) = %q", s, d)
		}
		if got := ScopeDescription(s + ":optional"); got != d {
			t.Errorf("ScopeDescription(%q) = %q, want %q", s+":optional", got, d)
		}
	}
	if got := ScopeDescription("acme:read"); got != "acme:read" {
		t.Errorf("unknown scope: %q", got)
	}
	if got := ScopeDescription("acme:optional"); got != "acme" {
		t.Errorf("unknown optional scope: %q", got)
	}
	got := ScopesOf([]string{"openid", "email:optional"})
	want := []Scope{
		{Name: "openid", Description: ScopeDescription("openid")},
		{Name: "email:optional", Description: ScopeDescription("email"), Optional: true},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("ScopesOf = %+v", got)
	}
}

func TestStatic(t *testing.T) {
	srv := httptest.NewServer(http.StripPrefix("/static/", Static()))
	defer srv.Close()

	get := func(path string, header map[string]string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}

	for path, ct := range map[string]string{
		"/static/js/login.js":      "text/javascript; charset=utf-8",
		"/static/js/secp256k1.js":  "text/javascript; charset=utf-8",
		"/static/css/sigil.css":    "text/css; charset=utf-8",
		"/static/img/sigil.svg":    "image/svg+xml",
		"/static/js/login.js?v=ab": "text/javascript; charset=utf-8",
	} {
		res := get(path, nil)
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, res.StatusCode)
			continue
		}
		if got := res.Header.Get("Content-Type"); got != ct {
			t.Errorf("GET %s: Content-Type %q, want %q", path, got, ct)
		}
		if got := res.Header.Get("Cache-Control"); got != "public, max-age=3600" {
			t.Errorf("GET %s: Cache-Control %q", path, got)
		}
		if res.Header.Get("ETag") == "" || res.ContentLength <= 0 {
			t.Errorf("GET %s: no ETag or length", path)
		}
	}

	res := get("/static/js/login.js", nil)
	if res2 := get("/static/js/login.js", map[string]string{"If-None-Match": res.Header.Get("ETag")}); res2.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET: %d", res2.StatusCode)
	}
	for _, path := range []string{"/static/", "/static/js/", "/static/js", "/static/nope.js", "/static/../web.go", "/static/js/../../templates/login.html"} {
		if res := get(path, nil); res.StatusCode != http.StatusNotFound || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Errorf("GET %s: %d %s, want the catalogue's JSON 404", path, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
	post, err := http.Post(srv.URL+"/static/js/login.js", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", post.StatusCode)
	}
}

// TestStaticFilesNoThirdParty keeps the static files free of third-party
// URLs (CDNs, web fonts) and of constructs the CSP blocks.
func TestStaticFilesNoThirdParty(t *testing.T) {
	err := fs.WalkDir(files, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, _ := files.ReadFile(name)
		s := string(data)
		for _, bad := range []string{"@import", "url(http", "fonts.googleapis", "cdn.", "unpkg", "jsdelivr", "eval(", "new Function", "innerHTML", ".style."} {
			if strings.Contains(s, bad) {
				t.Errorf("%s contains %q", name, bad)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestErrorPageLeadsWithHint: the error page opens with what happened (the
// hint, or a plain sentence for the code) and keeps the code, the
// catalogue's text and the request id below it, as small print.
func TestErrorPageLeadsWithHint(t *testing.T) {
	p := newPages(t)
	body := render(t, p, http.StatusBadRequest, PageError, samplePages()[PageError]).Body.String()
	lead := strings.Index(body, `class="error-lead">Ask the application&#39;s developer`)
	support := strings.Index(body, `class="support"`)
	spec := strings.Index(body, "The redirect_uri is not registered for this client.")
	if lead < 0 || support < 0 || spec < 0 || !(lead < support && support < spec) {
		t.Errorf("hint at %d, support box at %d, catalogue text at %d: want the hint first, then the box holding the text", lead, support, spec)
	}

	// Without a hint, a plain sentence for the code leads, never the
	// specification's text.
	body = render(t, p, http.StatusInternalServerError, PageError, ErrorPage{Status: 500, Error: "server_error",
		Description: "The authorization server encountered an unexpected condition."}).Body.String()
	if !strings.Contains(body, `class="error-lead">Something went wrong on Sigil&#39;s side.`) {
		t.Errorf("no plain lead for server_error:\n%s", body)
	}
	if !strings.Contains(body, "Try again in a moment") {
		t.Error("a server error does not say to try again")
	}
}

// TestFlowEndedPages: each way a flow ends has its own words, and the page
// leads back to the application only where there is a URL to lead to.
func TestFlowEndedPages(t *testing.T) {
	p := newPages(t)
	for _, tc := range []struct {
		page FlowEndedPage
		want []string
		not  []string
	}{
		{FlowEndedPage{Ended: FlowDeclined, ClientID: "c", ClientName: "Notes", BackURL: "https://notes.example/"},
			[]string{"You declined this sign-in", "Notes was told that you declined", "Back to Notes"}, []string{"already finished"}},
		{FlowEndedPage{Ended: FlowExpired, ClientID: "c", ClientName: "Notes", BackURL: "https://notes.example/"},
			[]string{"This sign-in expired", "Start again from Notes", `href="https://notes.example/"`}, nil},
		{FlowEndedPage{Ended: FlowFinished, ClientID: "native-app"},
			[]string{"This sign-in is already finished", "Return to the application to continue"}, []string{`id="back"`}},
	} {
		body := render(t, p, http.StatusOK, PageFlowEnded, tc.page).Body.String()
		for _, s := range tc.want {
			if !strings.Contains(body, s) {
				t.Errorf("%s page lacks %q", tc.page.Ended, s)
			}
		}
		for _, s := range tc.not {
			if strings.Contains(body, s) {
				t.Errorf("%s page has %q", tc.page.Ended, s)
			}
		}
		checkCSP(t, body)
	}
}

// TestGeneratedMark: a client without a logo gets its initial on a colour
// that depends on its id only, from the fixed palette the CSS defines.
func TestGeneratedMark(t *testing.T) {
	seen := map[string]bool{}
	for _, id := range []string{"a", "b", "c", "notes", "sigil-demo", "0f3c", "client-1", "client-2", "x", "y", "z", ""} {
		c := markClass(id)
		if c != markClass(id) {
			t.Fatalf("markClass(%q) is not stable", id)
		}
		if !regexp.MustCompile(`^mark-[0-7]$`).MatchString(c) {
			t.Fatalf("markClass(%q) = %q", id, c)
		}
		if !strings.Contains(string(staticFiles["css/sigil.css"].data), "."+c+" ") {
			t.Errorf("sigil.css has no rule for .%s", c)
		}
		seen[c] = true
	}
	if len(seen) < 4 {
		t.Errorf("12 ids got only %d colours", len(seen))
	}
	p := newPages(t)
	body := render(t, p, http.StatusOK, PageConsent, ConsentPage{FlowID: "f", ClientID: "notes", ClientName: "notes app"}).Body.String()
	if !strings.Contains(body, `client-logo-blank `+markClass("notes")+`" aria-hidden="true">N</span>`) {
		t.Errorf("consent page lacks the generated mark:\n%s", body)
	}
}

// TestAddressWraps: an address may break only between its two halves.
func TestAddressWraps(t *testing.T) {
	a := "0x8ba1f109551bD432803012645Ac136ddd64DBA72"
	got := string(addressHTML(a))
	if got != "0x8ba1f109551bD4328030<wbr>12645Ac136ddd64DBA72" {
		t.Errorf("addressHTML = %q", got)
	}
	if got := string(addressHTML("<b>")); got != "&lt;b&gt;" {
		t.Errorf("addressHTML escapes nothing: %q", got)
	}
}
