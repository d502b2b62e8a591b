// Package web is Sigil's browser front end: the HTML pages a person sees while
// signing in (login, consent, errors, the form post response, sign-out) and
// the static files those pages load (CSS, plain ES modules, images).
//
// Everything is embedded in the binary. The pages are html/template files
// that share one layout; NewPages parses them once, and Pages.Render writes
// one with its data. Static serves the files under static/, which every page
// links as /static/..., so the caller mounts it there:
//
//	mux.Handle("GET /static/", http.StripPrefix("/static/", web.Static()))
//
// The pages hold no inline script, inline style or event-handler attribute,
// so they work under Sigil's strict Content-Security-Policy
// (script-src 'self'; style-src 'self'). Data reaches the scripts through
// data-* attributes. The scripts drive Sigil's JSON login API (POST
// /login/challenge, /login/verify, /consent/accept, /consent/reject) and the
// person's browser wallet (EIP-1193, found through EIP-6963).
//
// Under --dev the login page can also carry a development wallet
// (static/js/devwallet.js, with the secp256k1 code in static/js/secp256k1.js)
// and Sigil can serve a demo relying party (PageDemo, PageDemoCallback).
//
// What the handlers must provide for the pages to work:
//
//   - The JSON API on the same origin, under these exact paths, reading
//     Content-Type: application/json bodies and answering JSON; errors as
//     non-2xx {"error": code, "error_description": text}:
//     POST /login/challenge {flow, domain} -> {message, address, expires_at};
//     POST /login/verify {flow, signature, wallet_type_hint} -> {redirect_to};
//     POST /consent/accept {flow, grant_scope, remember} -> {redirect_to};
//     POST /consent/reject {flow} -> {redirect_to}.
//     /login/challenge may be called again in the same flow (another domain,
//     an expired message, or a retry after a failed verify): the new
//     challenge replaces the old one.
//   - The static files at /static/ (see Static).
//   - The Content-Security-Policy, with the relying party's origin in
//     form-action on the form post page.
//   - For the demo: a public client (token_endpoint_auth_method none) whose
//     redirect URI is DemoPage.RedirectURI, and Issuer + "/oauth2/auth",
//     "/oauth2/token" and "/userinfo" on the same origin as the demo page
//     (connect-src 'self').
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/sigil-oidc/sigil/internal/oautherr"
)

//go:embed templates static
var files embed.FS

// Page names for Pages.Render, each with the type of data it takes.
const (
	// PageLogin takes a LoginPage.
	PageLogin = "login.html"
	// PageConsent takes a ConsentPage.
	PageConsent = "consent.html"
	// PageError takes an ErrorPage.
	PageError = "error.html"
	// PageFormPost takes a FormPostPage.
	PageFormPost = "form_post.html"
	// PageDemo takes a DemoPage.
	PageDemo = "demo.html"
	// PageDemoCallback takes a DemoPage too (Domain is the login_hint of
	// its "Sign in again").
	PageDemoCallback = "demo_callback.html"
	// PageLoggedOut takes a LoggedOutPage (or nil).
	PageLoggedOut = "logged_out.html"
	// PageAccount takes an AccountPage.
	PageAccount = "account.html"
	// PageFlowEnded takes a FlowEndedPage.
	PageFlowEnded = "ended.html"
	// PageHome takes a HomePage.
	PageHome = "home.html"
)

// pageNames lists every page NewPages parses.
var pageNames = []string{
	PageLogin, PageConsent, PageError, PageFormPost, PageDemo, PageDemoCallback, PageLoggedOut,
	PageAccount, PageFlowEnded, PageHome,
}

// Scope is one requested scope as the login and consent pages show it.
type Scope struct {
	// Name is the scope exactly as the client requested it, including an
	// ":optional" suffix. The consent page sends it back as is in grant_scope.
	Name string
	// Description is the human text (see ScopeDescription).
	Description string
	// Optional marks a scope the person may leave out (requested with the
	// ":optional" suffix). Required scopes cannot be unchecked.
	Optional bool
}

// LoginPage is the data of PageLogin: step one of signing in, where the
// person names a domain and signs a message with the wallet that owns it.
type LoginPage struct {
	// FlowID is the login flow id that the page sends as "flow" in every API call.
	FlowID string
	// ClientID picks the colour of the generated mark shown when the
	// relying party registered no logo.
	ClientID string
	// ClientName, ClientLogoURI and ClientURI describe the relying party.
	// The logo and link are left out when empty.
	ClientName    string
	ClientLogoURI string
	ClientURI     string
	// LoginHint pre-fills the domain field.
	LoginHint string
	// Scopes are the requested scopes, listed read-only.
	Scopes []Scope
	// DevWallet adds the development wallet (only under --dev).
	DevWallet bool
	// DevWalletKey is the development wallet's private key as 0x hex. It is
	// written into the page, so it must only ever be a throwaway test key, and
	// it is rendered only when DevWallet is true.
	DevWalletKey string
}

// ConsentPage is the data of PageConsent: the person has signed in and
// decides which scopes the relying party gets.
type ConsentPage struct {
	FlowID        string
	ClientID      string
	ClientName    string
	ClientLogoURI string
	ClientURI     string
	PolicyURI     string
	TosURI        string
	// Subject is the domain signing in ("alice.crypto").
	Subject string
	// Address is the domain owner's address (EIP-55).
	Address string
	Scopes  []Scope
	// AccountURL is the person's account page, where a remembered
	// decision is undone.
	AccountURL string
}

// FlowEnded is why a sign-in flow can take no more steps.
type FlowEnded string

// The ways a flow ends, as PageFlowEnded explains them.
const (
	// FlowFinished: the person signed in and the application got its
	// answer (a code, or tokens already).
	FlowFinished FlowEnded = "finished"
	// FlowDeclined: the person declined, and the application was told.
	FlowDeclined FlowEnded = "declined"
	// FlowExpired: the flow ran out of time before it finished.
	FlowExpired FlowEnded = "expired"
)

// FlowEndedPage is the data of PageFlowEnded, shown instead of an error
// when the person comes back (the Back button, a reload, an old tab) to a
// sign-in of this browser that can go no further: it says so in plain words
// and leads back to the application.
type FlowEndedPage struct {
	Ended         FlowEnded
	ClientID      string
	ClientName    string
	ClientLogoURI string
	ClientURI     string
	// Subject is the domain that signed in, when one did.
	Subject string
	// BackURL is where "Back to the application" leads: the client's
	// registered client_uri, or else the origin of its registered redirect
	// URI. Empty when there is neither (a native app): the page then asks
	// the person to return to the application.
	BackURL string
	// AccountURL is the person's account page.
	AccountURL string
}

// HomePage is the data of PageHome, the issuer's root URL: what this server
// is, for a person or developer who opens it.
type HomePage struct {
	// Issuer is the issuer identifier, without a trailing slash.
	Issuer string
	// Demo links the demo relying party (under --dev).
	Demo bool
}

// ErrorPage is the data of PageError, shown when Sigil cannot send the person
// back to the relying party (for example an unknown client or a redirect URI
// that is not registered). It never links back to the relying party.
type ErrorPage struct {
	// Status is the HTTP status (also written as the response status by the caller).
	Status int
	// Error is the OAuth 2.0 error code ("invalid_request").
	Error string
	// Description is the human explanation.
	Description string
	// Hint is what went wrong with this request and what to do; the page
	// leads with it.
	Hint string
	// Spec names where the code is defined, shown small for support.
	Spec string
	// RequestID is the request's id (the X-Request-Id header), shown small
	// so that a person can quote it to support.
	RequestID string
	// SigningOut says that the request was a sign-out (the
	// end_session_endpoint), which the page's words follow.
	SigningOut bool
	// Account says that the request was a form of the person's account
	// page (disconnect an application, sign out everywhere).
	Account bool
}

// FormPostPage is the data of PageFormPost, the OAuth 2.0 Form Post Response
// Mode: a form that posts Params to Action and submits itself.
type FormPostPage struct {
	// Action is the redirect URI. It must be an http or https URL:
	// html/template replaces any other scheme with "#ZgotmplZ".
	Action string
	Params []Param
}

// Param is one hidden form field of a FormPostPage.
type Param struct {
	Name, Value string
}

// DemoPage is the data of PageDemo and PageDemoCallback, the demo relying
// party that Sigil serves under --dev.
type DemoPage struct {
	// Issuer is Sigil's issuer URL; the demo calls Issuer + "/oauth2/auth",
	// Issuer + "/oauth2/token" and Issuer + "/userinfo".
	Issuer string
	// ClientID is the demo's public client (token_endpoint_auth_method none).
	ClientID string
	// RedirectURI is Issuer + "/demo/callback".
	RedirectURI string
	// Scope is the space-separated scope the demo requests.
	Scope string
	// Domain pre-fills the domain to sign in with (sent as login_hint).
	Domain string
}

// LoggedOutPage is the data of PageLoggedOut. With Confirm set it asks the
// person to confirm signing out (a logout request without a valid
// id_token_hint for this person could come from any site), posting CSRF
// and the validated ClientID, PostLogoutRedirectURI and State back to
// /oauth2/sessions/logout.
type LoggedOutPage struct {
	Confirm bool
	CSRF    string
	// Subject is the domain whose session ends ("alice.crypto").
	Subject string
	// ClientName names the application that asked, when it is known.
	ClientName            string
	ClientID              string
	PostLogoutRedirectURI string
	State                 string
}

// AccountPage is the data of PageAccount, the person's own page at
// /account: the applications they connected and their live sessions. Its
// forms post CSRF back to /account/apps/disconnect (with client_id) and
// /account/sessions/end.
type AccountPage struct {
	// Subject is the domain signed in ("alice.crypto"); Address its owner.
	Subject string
	Address string
	CSRF    string
	Apps    []AccountApp
	// Sessions are the live sessions, newest sign-in first.
	Sessions []AccountSession
	// Notice is a short confirmation of what the last action did.
	Notice string
}

// AccountApp is an application the person connected: one they gave a
// remembered consent to, or one a live session signed in to.
type AccountApp struct {
	ClientID      string
	ClientName    string
	ClientLogoURI string
	ClientURI     string
	// Scopes are the remembered consent's scopes (empty without one).
	Scopes []Scope
	// Remembered reports a remembered consent.
	Remembered bool
	// SignedIn reports that a live session signed in to the application.
	SignedIn bool
}

// AccountSession is one live session.
type AccountSession struct {
	AuthTime  time.Time
	ExpiresAt time.Time
	// Current marks the session of the browser showing the page.
	Current bool
	// Apps names the applications the session signed in to.
	Apps []string
}

// scopeDescriptions are the human texts of the scopes Sigil knows.
var scopeDescriptions = map[string]string{
	"openid":         "Confirm that you own your domain and sign you in with it",
	"wallet":         "See the wallet address that owns your domain",
	"email":          "See the email address recorded on your domain",
	"profile":        "See the profile recorded on your domain (name, avatar, website)",
	"social":         "See the social accounts linked to your domain",
	"phone":          "See the phone number recorded on your domain",
	"address":        "See the postal address recorded on your domain",
	"humanity_check": "See whether your domain has passed a proof-of-personhood check",
	"badges":         "See the badges your domain holds",
	"offline_access": "Stay connected while you are away (keep access until you revoke it)",
}

// OptionalSuffix marks a scope the person may decline ("email:optional").
const OptionalSuffix = ":optional"

// ScopeDescription returns the human text for a scope: for openid, wallet,
// email, profile, social, humanity_check, badges and offline_access a
// sentence, for any other scope its name. An ":optional" suffix is stripped
// before the lookup.
func ScopeDescription(scope string) string {
	name := strings.TrimSuffix(scope, OptionalSuffix)
	if d, ok := scopeDescriptions[name]; ok {
		return d
	}
	return name
}

// ScopesOf turns requested scope names into Scopes for the pages: Optional is
// set for names with the ":optional" suffix (which Name keeps), Description
// comes from ScopeDescription.
func ScopesOf(names []string) []Scope {
	out := make([]Scope, 0, len(names))
	for _, n := range names {
		out = append(out, Scope{
			Name:        n,
			Description: ScopeDescription(n),
			Optional:    strings.HasSuffix(n, OptionalSuffix),
		})
	}
	return out
}

// Pages holds the parsed page templates. It is safe for concurrent use.
type Pages struct {
	pages map[string]*template.Template
}

// NewPages parses every page template (each with the shared layout) once.
// It fails only if the embedded templates are broken.
func NewPages() (*Pages, error) {
	funcs := template.FuncMap{
		"asset":        assetURL,
		"scopeName":    func(s string) string { return strings.TrimSuffix(s, OptionalSuffix) },
		"hostOf":       hostOf,
		"statusText":   http.StatusText,
		"shortAddress": shortAddress,
		"initial":      initial,
		"markClass":    markClass,
		"address":      addressHTML,
		"errorLead":    errorLead,
	}
	p := &Pages{pages: make(map[string]*template.Template, len(pageNames))}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/"+name)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", name, err)
		}
		p.pages[name] = t
	}
	return p, nil
}

// Render writes the page name with data as the response, with the given HTTP
// status (0 means 200). It renders into a buffer first, so when the template
// fails nothing has been written and the caller can still send an error.
//
// It sets Content-Type: text/html; charset=utf-8 and
// X-Content-Type-Options: nosniff, and Cache-Control: no-store unless the
// caller already set a Cache-Control (pages carry flow ids and codes). It does
// not set the Content-Security-Policy: the caller does.
func (p *Pages) Render(w http.ResponseWriter, status int, name string, data any) error {
	t, ok := p.pages[name]
	if !ok {
		return fmt.Errorf("web: unknown page %q", name)
	}
	var buf bytes.Buffer
	// 8 KiB holds any of Sigil's pages (the login page, the largest, is
	// about 6.5 KiB), so the buffer is allocated once rather than doubled
	// up to that size.
	buf.Grow(8 << 10)
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("web: render %s: %w", name, err)
	}
	if status == 0 {
		status = http.StatusOK
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// staticFile is one embedded static file, ready to serve.
type staticFile struct {
	data        []byte
	contentType string
	etag        string
	version     string
}

// staticFiles maps a path under static/ ("js/login.js") to its file. It is
// built once at init from the embedded files.
var staticFiles = loadStatic()

// contentTypes fixes the types of the files Sigil ships, so that they do not
// depend on the machine's MIME tables.
var contentTypes = map[string]string{
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".json": "application/json",
	".txt":  "text/plain; charset=utf-8",
}

func loadStatic() map[string]staticFile {
	out := map[string]staticFile{}
	err := fs.WalkDir(files, "static", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		ext := path.Ext(name)
		ct, ok := contentTypes[ext]
		if !ok {
			if ct = mime.TypeByExtension(ext); ct == "" {
				ct = "application/octet-stream"
			}
		}
		sum := sha256.Sum256(data)
		version := hex.EncodeToString(sum[:6])
		out[strings.TrimPrefix(name, "static/")] = staticFile{
			data:        data,
			contentType: ct,
			etag:        `"` + version + `"`,
			version:     version,
		}
		return nil
	})
	if err != nil {
		panic("web: reading embedded static files: " + err.Error())
	}
	return out
}

// Static serves the embedded static files. Mount it at /static/ with
// http.StripPrefix("/static/", web.Static()). It answers GET and HEAD with
// Cache-Control: public, max-age=3600, a fixed Content-Type per extension
// (.js is text/javascript), an ETag (conditional requests get 304), and 404
// for anything that is not a file (directories are not listed).
func Static() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
		f, ok := staticFiles[name]
		if !ok {
			// The catalogue's JSON, like every other unknown path.
			oautherr.WriteJSON(w, oautherr.ErrNotFound.WithHint("There is no static file '%s'.", oautherr.Shown(name)))
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.contentType)
		h.Set("Cache-Control", "public, max-age=3600")
		h.Set("ETag", f.etag)
		h.Set("X-Content-Type-Options", "nosniff")
		http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.data))
	})
}

// assetURL is the template function "asset": the URL of a static file with a
// content version, so a new release is not hidden by browser caches. It
// fails (and so fails the render) for a file that does not exist.
func assetURL(name string) (string, error) {
	f, ok := staticFiles[name]
	if !ok {
		return "", fmt.Errorf("web: no static file %q", name)
	}
	return "/static/" + name + "?v=" + f.version, nil
}

// hostOf is the template function "hostOf": the host of a URL for link
// text, or the URL itself when it has none.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Host
}

// shortAddress is the template function "shortAddress": 0x1234…abcd.
func shortAddress(a string) string {
	if len(a) <= 12 {
		return a
	}
	return a[:6] + "…" + a[len(a)-4:]
}

// initial is the template function "initial": the first letter of a name,
// upper-cased, for the placeholder of a missing logo ("?" for none).
func initial(name string) string {
	for _, r := range strings.TrimSpace(name) {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// markColours is how many colours the generated marks use (classes
// mark-0 ... mark-7 in sigil.css: the CSP allows no inline style).
const markColours = 8

// markClass is the template function "markClass": the colour class of the
// generated mark of a client without a logo, derived from its id, so one
// application keeps its colour on every page and in every browser.
func markClass(clientID string) string {
	var h uint32 = 2166136261 // FNV-1a: small, stable, no import needed
	for i := 0; i < len(clientID); i++ {
		h ^= uint32(clientID[i])
		h *= 16777619
	}
	return fmt.Sprintf("mark-%d", h%markColours)
}

// addressHTML is the template function "address": an address that may wrap
// only between its two halves (a <wbr>), so that on a narrow screen it
// reads as two whole pieces rather than breaking at an arbitrary
// character. Copying it still gives the address without spaces.
func addressHTML(a string) template.HTML {
	if len(a) < 24 {
		return template.HTML(template.HTMLEscapeString(a))
	}
	mid := 2 + (len(a)-2)/2
	return template.HTML(template.HTMLEscapeString(a[:mid]) + "<wbr>" + template.HTMLEscapeString(a[mid:]))
}

// errorLeads say in plain words what an error code means for the person
// in front of the page, for errors without a hint of their own.
var errorLeads = map[string]string{
	"invalid_request":         "The link that brought you here is incomplete or no longer valid.",
	"invalid_client":          "The application that sent you here is not registered with Sigil.",
	"unauthorized_client":     "The application that sent you here is not allowed to sign you in this way.",
	"invalid_scope":           "The application asked for access that Sigil cannot give.",
	"not_found":               "Sigil could not find what this link points to.",
	"request_forbidden":       "This request is not allowed from here.",
	"access_denied":           "The sign-in was declined.",
	"temporarily_unavailable": "Sigil is busy or a service it needs is down right now.",
	"server_error":            "Something went wrong on Sigil's side.",
}

// errorLead is the template function "errorLead": the first sentence of
// the error page when the error has no hint.
func errorLead(code string) string {
	if s, ok := errorLeads[code]; ok {
		return s
	}
	return "Sigil could not complete this request."
}
