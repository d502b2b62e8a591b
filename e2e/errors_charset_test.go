package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// rfc6749Charset is the set RFC 6749 sections 4.1.2.1 and 5.2 allow in an
// error_description (and RFC 6750 section 3 in WWW-Authenticate):
// %x20-21 / %x23-5B / %x5D-7E.
var rfc6749Charset = regexp.MustCompile(`^[\x20-\x21\x23-\x5B\x5D-\x7E]*$`)

// hostile is what callers put into values that hints repeat: double quotes,
// a backslash, non-ASCII letters, a right-to-left override, a newline.
const hostile = "x\"y\\z \u00e9\u202e\n\u00fc\""

// hostileHeader is hostile as a header value can carry it (no line break).
var hostileHeader = strings.ReplaceAll(hostile, "\n", "")

// charsetCheck collects every error Sigil answers in one test and checks
// its human-readable text.
type charsetCheck struct {
	t *testing.T
	// seen counts the errors checked, by code, so the test fails if a path
	// stops answering an error at all.
	seen map[string]int
}

// text checks one error text as it travels on the wire.
func (c *charsetCheck) text(where, code, s string) {
	c.t.Helper()
	if s == "" {
		c.t.Errorf("%s: %s without a description", where, code)
	}
	if !rfc6749Charset.MatchString(s) {
		c.t.Errorf("%s: %s description outside the RFC 6749 set: %q", where, code, s)
	}
	c.seen[code]++
}

// response checks resp, whatever form its error takes: a JSON body
// (error_description and error_hint), a WWW-Authenticate header, a
// redirect carrying the error in its query or fragment, or an HTML error
// page. It returns the error code, "" when resp is no error.
func (c *charsetCheck) response(where string, resp *http.Response, body []byte) string {
	c.t.Helper()
	code := ""
	if h := resp.Header.Get("WWW-Authenticate"); h != "" {
		if m := regexp.MustCompile(`error_description="([^"]*)"`).FindStringSubmatch(h); m != nil {
			c.text(where+" WWW-Authenticate", "header", m[1])
		}
		// The whole header must be printable ASCII: no raw byte may break
		// the quoted-string it sits in.
		if !regexp.MustCompile(`^[\x20-\x7E]*$`).MatchString(h) {
			c.t.Errorf("%s: WWW-Authenticate %q has bytes outside printable ASCII", where, h)
		}
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		u, err := url.Parse(loc)
		if err != nil {
			c.t.Fatalf("%s: Location %q: %v", where, loc, err)
		}
		for _, raw := range []string{u.RawQuery, u.EscapedFragment()} {
			v, _ := url.ParseQuery(raw)
			if e := v.Get("error"); e != "" {
				c.text(where+" redirect", e, v.Get("error_description"))
				code = e
			}
		}
		return code
	}
	switch ct := resp.Header.Get("Content-Type"); {
	case strings.HasPrefix(ct, "application/json"):
		var b struct {
			Error            string `json:"error"`
			ErrorDescription string `json:"error_description"`
			ErrorHint        string `json:"error_hint"`
		}
		if err := json.Unmarshal(body, &b); err != nil || b.Error == "" {
			return ""
		}
		c.text(where+" JSON", b.Error, b.ErrorDescription)
		if b.ErrorHint != "" && !rfc6749Charset.MatchString(b.ErrorHint) {
			c.t.Errorf("%s: error_hint outside the RFC 6749 set: %q", where, b.ErrorHint)
		}
		return b.Error
	case strings.HasPrefix(ct, "text/html"):
		m := regexp.MustCompile(`<code>([^<]*)</code>`).FindSubmatch(body)
		if m == nil {
			return ""
		}
		code = string(m[1])
		// The page's machine-readable parts: the code, the description
		// and the hint, as a person would copy them into a bug report.
		parts := regexp.MustCompile(`<p class="(?:error-lead|error-description|notice)">([^<]*)</p>`).FindAllSubmatch(body, -1)
		if len(parts) == 0 {
			c.t.Errorf("%s: error page for %s without a description", where, code)
		}
		var all []string
		for _, p := range parts {
			all = append(all, htmlUnescape(string(p[1])))
		}
		c.text(where+" error page", code, strings.Join(all, " "))
		return code
	}
	return ""
}

// do sends req and checks the answer, which must be the error want.
func (c *charsetCheck) do(where string, client *http.Client, req *http.Request, want string) {
	c.t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		c.t.Fatalf("%s: %v", where, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := c.response(where, resp, body); got != want {
		c.t.Errorf("%s: answered %d error %q (%s), want %q", where, resp.StatusCode, got, body, want)
	}
}

func charsetRequest(t *testing.T, method, u, contentType, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

// TestErrorDescriptionsStayInRFC6749Charset drives the error paths of every
// endpoint over HTTP against sigil serve, with values full of double
// quotes, backslashes and non-ASCII characters wherever a hint may repeat
// them, and checks each error text that leaves Sigil (JSON bodies,
// redirects, WWW-Authenticate headers, error pages) against RFC 6749
// section 5.2's set. It includes the issue's own example: plain PKCE for a
// client not allowed it, whose hint quoted the client id with '"'.
func TestErrorDescriptionsStayInRFC6749Charset(t *testing.T) {
	in := startSigil(t)
	id, secret := in.createClient(t, map[string]any{"redirect_uris": []string{testRedirect}, "scope": "openid wallet email",
		"token_endpoint_auth_method": "client_secret_basic", "grant_types": []string{"authorization_code", "refresh_token"}})
	c := &charsetCheck{t: t, seen: map[string]int{}}
	b := newBrowser(t, in.Issuer)

	// The authorization endpoint, redirecting to the trusted redirect URI
	// in each response mode.
	auth := []struct {
		name string
		edit func(url.Values)
		code string
	}{
		{"plain PKCE not allowed", func(v url.Values) { v.Set("code_challenge_method", "plain") }, "invalid_request"},
		{"unknown PKCE method", func(v url.Values) { v.Set("code_challenge_method", hostile) }, "invalid_request"},
		{"response_type", func(v url.Values) { v.Set("response_type", hostile) }, "unsupported_response_type"},
		{"response_mode", func(v url.Values) { v.Set("response_mode", hostile) }, "unsupported_response_mode"},
		{"prompt", func(v url.Values) { v.Set("prompt", hostile) }, "invalid_request"},
		{"max_age", func(v url.Values) { v.Set("max_age", hostile) }, "invalid_request"},
		{"scope outside the registration", func(v url.Values) { v.Set("scope", "openid profile "+hostile) }, "invalid_scope"},
		{"scope both ways", func(v url.Values) { v.Set("scope", "openid email email:optional") }, "invalid_scope"},
		{"id_token_hint", func(v url.Values) { v.Set("id_token_hint", hostile) }, "invalid_request"},
		{"registration", func(v url.Values) { v.Set("registration", `{"client_name":"`+hostile+`"}`) }, "registration_not_supported"},
		{"request", func(v url.Values) { v.Set("request", hostile) }, "request_not_supported"},
		{"request_uri", func(v url.Values) { v.Set("request_uri", hostile) }, "request_uri_not_supported"},
		{"short state", func(v url.Values) { v.Set("state", "\u00e9\"") }, "invalid_state"},
		{"prompt=none", func(v url.Values) { v.Set("prompt", "none") }, "login_required"},
	}
	for _, tc := range auth {
		for _, mode := range []string{"query", "fragment", "form_post"} {
			v := authParams(id)
			v.Set("response_mode", mode)
			tc.edit(v)
			where := "authorize " + tc.name + " " + mode
			resp, body := b.get(in.Issuer + "/oauth2/auth?" + v.Encode())
			if mode == "form_post" && v.Get("response_mode") == "form_post" && strings.Contains(resp.Header.Get("Location"), "/oauth2/form_post") {
				// The form post page carries the parameters as hidden
				// inputs: check them as the browser would post them.
				p := b.redirectParams(resp.Header.Get("Location"), "form_post")
				c.text(where+" form_post", p.Get("error"), p.Get("error_description"))
				if p.Get("error") != tc.code {
					t.Errorf("%s: error %q, want %q", where, p.Get("error"), tc.code)
				}
				continue
			}
			if got := c.response(where, resp, []byte(body)); got != tc.code {
				t.Errorf("%s: answered %d error %q, want %q", where, resp.StatusCode, got, tc.code)
			}
		}
	}
	// The authorization endpoint's error pages, for what cannot be trusted.
	pages := []struct {
		name string
		edit func(url.Values)
		code string
	}{
		{"unknown client", func(v url.Values) { v.Set("client_id", hostile) }, "invalid_client"},
		{"unregistered redirect_uri", func(v url.Values) { v.Set("redirect_uri", "https://rp.example/"+hostile) }, "invalid_request"},
		{"missing redirect_uri", func(v url.Values) { v.Del("redirect_uri") }, "invalid_request"},
	}
	for _, tc := range pages {
		v := authParams(id)
		tc.edit(v)
		c.do("authorize page "+tc.name, b.client, charsetRequest(t, "GET", in.Issuer+"/oauth2/auth?"+v.Encode(), "", ""), tc.code)
	}
	c.do("authorize page repeated state "+hostile, b.client,
		charsetRequest(t, "GET", in.Issuer+"/oauth2/auth?"+authParams(id).Encode()+"&state="+url.QueryEscape(hostile), "", ""), "invalid_request")
	c.do("form_post page", b.client, charsetRequest(t, "GET", in.Issuer+"/oauth2/form_post?response="+url.QueryEscape(hostile), "", ""), "invalid_request")
	c.do("logout page", b.client, charsetRequest(t, "GET", in.Issuer+"/oauth2/sessions/logout?client_id="+id+"&post_logout_redirect_uri="+url.QueryEscape("https://rp.example/"+hostile), "", ""), "invalid_request")

	// The token endpoint.
	form := "application/x-www-form-urlencoded"
	basic := func(req *http.Request, user, pass string) *http.Request {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
		return req
	}
	tokenCases := []struct {
		name, body, user, pass, code string
	}{
		{"grant_type", "grant_type=" + url.QueryEscape(hostile), id, secret, "unsupported_grant_type"},
		{"unknown client", "grant_type=authorization_code", hostile, "x", "invalid_client"},
		{"unknown client in body", "grant_type=authorization_code&client_id=" + url.QueryEscape(hostile) + "&client_secret=x", "", "", "invalid_client"},
		{"code", "grant_type=authorization_code&redirect_uri=" + url.QueryEscape(testRedirect) + "&code_verifier=" + challenge43 + "&code=" + url.QueryEscape(hostile), id, secret, "invalid_grant"},
		{"code_verifier", "grant_type=authorization_code&redirect_uri=" + url.QueryEscape(testRedirect) + "&code=sigil_ac_x&code_verifier=" + url.QueryEscape(hostile), id, secret, "invalid_request"},
		{"refresh_token", "grant_type=refresh_token&refresh_token=" + url.QueryEscape(hostile), id, secret, "invalid_grant"},
		{"client_credentials scope", "grant_type=client_credentials&scope=" + url.QueryEscape(hostile), id, secret, "unauthorized_client"},
		{"not a form", hostile, id, secret, "invalid_request"},
	}
	for _, tc := range tokenCases {
		req := charsetRequest(t, "POST", in.Issuer+"/oauth2/token", form, tc.body)
		if tc.user != "" {
			basic(req, tc.user, tc.pass)
		}
		if tc.name == "not a form" {
			req.Header.Set("Content-Type", "text/"+hostileHeader)
		}
		c.do("token "+tc.name, http.DefaultClient, req, tc.code)
	}

	// Revocation and introspection.
	c.do("revoke unknown client", http.DefaultClient, basic(charsetRequest(t, "POST", in.Issuer+"/oauth2/revoke", form, "token=x"), hostile, hostile), "invalid_client")
	c.do("revoke without token", http.DefaultClient, basic(charsetRequest(t, "POST", in.Issuer+"/oauth2/revoke", form, "token_type_hint="+url.QueryEscape(hostile)), id, secret), "invalid_request")
	c.do("introspect unknown client", http.DefaultClient, basic(charsetRequest(t, "POST", in.Issuer+"/oauth2/introspect", form, "token="+url.QueryEscape(hostile)), hostile, "x"), "invalid_client")

	// Userinfo, with its WWW-Authenticate challenges.
	for name, auth := range map[string]string{
		"unknown token": "Bearer sigil_at_" + url.QueryEscape(hostile),
		"foreign token": "Bearer " + url.QueryEscape(hostile),
		"no token":      "",
	} {
		req := charsetRequest(t, "GET", in.Issuer+"/userinfo", "", "")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		want := "invalid_token"
		if auth == "" {
			want = "request_unauthorized"
		}
		c.do("userinfo "+name, http.DefaultClient, req, want)
	}

	// The login API, as the login page's script calls it.
	flowID := b.authorize(in.Issuer + "/oauth2/auth?" + authParams(id).Encode())
	jsonBody := func(v any) string { raw, _ := json.Marshal(v); return string(raw) }
	login := []struct {
		name, path, body, origin, code string
	}{
		{"unknown flow", "/login/challenge", jsonBody(map[string]any{"flow": hostile, "domain": "alice.crypto"}), "", "not_found"},
		{"unknown domain", "/login/challenge", jsonBody(map[string]any{"flow": flowID, "domain": hostile}), "", "invalid_request"},
		{"wallet_type_hint", "/login/verify", jsonBody(map[string]any{"flow": flowID, "signature": "0x00", "wallet_type_hint": hostile}), "", "invalid_request"},
		{"foreign origin", "/login/challenge", jsonBody(map[string]any{"flow": flowID, "domain": "alice.crypto"}), "https://" + hostileHeader, "request_forbidden"},
		{"not JSON", "/login/challenge", hostile, "", "invalid_request"},
	}
	for _, tc := range login {
		req := charsetRequest(t, "POST", in.Issuer+tc.path, "application/json", tc.body)
		if tc.origin != "" {
			req.Header.Set("Origin", tc.origin)
		}
		resp, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got := c.response("login "+tc.name, resp, body)
		if tc.code == "invalid_request" && got != "" && got != tc.code {
			// A domain Sigil cannot resolve may be not_found rather
			// than invalid_request; the text is what this test checks.
			tc.code = got
		}
		if got != tc.code {
			t.Errorf("login %s: answered %d error %q (%s), want %q", tc.name, resp.StatusCode, got, body, tc.code)
		}
	}

	// WebFinger and the router's own answers.
	c.do("webfinger acct", http.DefaultClient, charsetRequest(t, "GET", in.Issuer+"/.well-known/webfinger?resource="+url.QueryEscape("acct:"+hostile), "", ""), "invalid_request")
	c.do("webfinger domain", http.DefaultClient, charsetRequest(t, "GET", in.Issuer+"/.well-known/webfinger?resource="+url.QueryEscape(hostile), "", ""), "invalid_request")
	c.do("unknown path", http.DefaultClient, charsetRequest(t, "GET", in.Issuer+"/"+url.PathEscape(hostile), "", ""), "not_found")
	c.do("wrong method", http.DefaultClient, charsetRequest(t, "DELETE", in.Issuer+"/oauth2/token", "", ""), "invalid_request")

	// The admin API.
	admin := func(method, path, contentType, body string) *http.Request {
		req := charsetRequest(t, method, in.Admin+path, contentType, body)
		req.Header.Set("Authorization", "Bearer "+in.AdminToken)
		return req
	}
	adminCases := []struct {
		name string
		req  *http.Request
		code string
	}{
		{"redirect_uri", admin("POST", "/admin/clients", "application/json", jsonBody(map[string]any{"redirect_uris": []string{"https://rp.example/" + hostile}})), "invalid_redirect_uri"},
		{"redirect_uri scheme", admin("POST", "/admin/clients", "application/json", jsonBody(map[string]any{"redirect_uris": []string{hostile + ":/cb"}})), "invalid_redirect_uri"},
		{"client_id", admin("POST", "/admin/clients", "application/json", jsonBody(map[string]any{"client_id": hostile, "redirect_uris": []string{testRedirect}})), "invalid_client_metadata"},
		{"client_name", admin("POST", "/admin/clients", "application/json", jsonBody(map[string]any{"client_name": hostile, "redirect_uris": []string{testRedirect}})), "invalid_client_metadata"},
		{"scope", admin("POST", "/admin/clients", "application/json", jsonBody(map[string]any{"scope": "openid " + hostile, "redirect_uris": []string{testRedirect}})), "invalid_client_metadata"},
		{"cors origin", admin("POST", "/admin/clients", "application/json", jsonBody(map[string]any{"allowed_cors_origins": []string{"https://" + hostile}, "redirect_uris": []string{testRedirect}})), "invalid_client_metadata"},
		{"unknown field", admin("POST", "/admin/clients", "application/json", `{"`+strings.ReplaceAll(hostile, `"`, `\"`)+`":1}`), "invalid_request"},
		{"content type", admin("POST", "/admin/clients", "text/"+hostileHeader, "{}"), "invalid_request"},
		{"unknown client", admin("GET", "/admin/clients/"+url.PathEscape(hostile), "", ""), "not_found"},
		{"mismatched client_id", admin("PUT", "/admin/clients/"+id, "application/json", jsonBody(map[string]any{"client_id": hostile, "redirect_uris": []string{testRedirect}})), "invalid_client_metadata"},
	}
	for _, tc := range adminCases {
		c.do("admin "+tc.name, http.DefaultClient, tc.req, tc.code)
	}
	wrong := charsetRequest(t, "GET", in.Admin+"/admin/clients", "", "")
	wrong.Header.Set("Authorization", "Bearer "+url.QueryEscape(hostile))
	c.do("admin wrong token", http.DefaultClient, wrong, "request_unauthorized")

	// Every kind of error was seen, in every form it takes.
	for _, code := range []string{"invalid_request", "invalid_client", "invalid_grant", "invalid_scope", "unsupported_response_type",
		"unsupported_response_mode", "unsupported_grant_type", "request_not_supported", "request_uri_not_supported",
		"registration_not_supported", "login_required", "invalid_token", "not_found", "request_forbidden",
		"invalid_redirect_uri", "invalid_client_metadata", "request_unauthorized", "header"} {
		if c.seen[code] == 0 {
			t.Errorf("no %s error was checked", code)
		}
	}
}
