package oauth

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/secret"
	"github.com/sigil-oidc/sigil/web"
)

// Response modes (OAuth 2.0 Multiple Response Type Encoding Practices and
// Form Post Response Mode). fragment is the default of @uauth/js.
const (
	ModeQuery    = "query"
	ModeFragment = "fragment"
	ModeFormPost = "form_post"
)

const formPostPurpose = "form_post"

// formPostTTL bounds how long a sealed form_post response stays usable: it
// only has to survive one redirect hop.
const formPostTTL = 2 * time.Minute

type sealedFormPost struct {
	Action string     `json:"a"`
	Params url.Values `json:"p"`
	// Browser is the keyed hash of the browser cookie of the flow the
	// response ends (none for an error answered before a flow existed):
	// the link then opens only in that browser. A code in a URL is what
	// form_post exists to avoid (RFC 9700 section 4.3.2); this one is
	// sealed, and with the binding a copy of the link (a proxy's log,
	// history synced elsewhere) shows nothing to anyone else.
	Browser []byte `json:"b,omitempty"`
}

// ResponseURL is where the browser goes to deliver an authorization response
// (code or error) for a: the client's redirect URI with the parameters in its
// query or fragment, or for form_post a one-hop page of Sigil's that posts
// them. Every response carries iss (RFC 9207) and the client's state.
func (p *Provider) ResponseURL(a *sigil.Authorization, params url.Values) (string, error) {
	return p.boundResponseURL(a.RedirectURI, a.ResponseMode, a.OAuthState, params, a.BrowserHash)
}

// responseURL is ResponseURL for an error answered before a flow exists.
func (p *Provider) responseURL(redirectURI, mode, state string, params url.Values) (string, error) {
	return p.boundResponseURL(redirectURI, mode, state, params, nil)
}

// boundResponseURL is ResponseURL; a form_post link opens only in the
// browser whose cookie hashes to browser, when that is not empty.
func (p *Provider) boundResponseURL(redirectURI, mode, state string, params url.Values, browser []byte) (string, error) {
	if state != "" {
		params.Set("state", state)
	}
	params.Set("iss", p.IssuerString())
	switch mode {
	case ModeFragment:
		base, _, _ := strings.Cut(redirectURI, "#")
		return base + "#" + params.Encode(), nil
	case ModeFormPost:
		sealed, err := p.Secrets.Seal(formPostPurpose, sealedFormPost{Action: redirectURI, Params: params, Browser: browser}, formPostTTL, p.Now())
		if err != nil {
			return "", err
		}
		return p.Endpoint("/oauth2/form_post") + "?response=" + url.QueryEscape(sealed), nil
	default:
		// Registered redirect URIs have no fragment (registration refuses
		// one), so the query is the URI's end.
		return withQuery(redirectURI, params), nil
	}
}

// ErrorURL is the response URL carrying err.
func (p *Provider) ErrorURL(a *sigil.Authorization, err error) (string, error) {
	params := url.Values{}
	oautherr.AddTo(params, err)
	return p.ResponseURL(a, params)
}

// CodeURL is the response URL carrying code.
func (p *Provider) CodeURL(a *sigil.Authorization, code string) (string, error) {
	return p.ResponseURL(a, url.Values{"code": {code}})
}

// NewCode returns a fresh authorization code, its keyed hash and expiry.
func (p *Provider) NewCode() (code string, hash []byte, expiresAt time.Time) {
	code = secret.NewToken(CodePrefix)
	return code, p.Secrets.HashToken(code), p.Now().Add(p.Lifetimes.Code)
}

// FormPost serves GET /oauth2/form_post: it unseals a response made by
// ResponseURL and renders the auto-submitting form of the Form Post Response
// Mode, whose form-action the CSP limits to the client's redirect URI.
func (p *Provider) FormPost(w http.ResponseWriter, r *http.Request) {
	var fp sealedFormPost
	if err := p.Secrets.Open(formPostPurpose, r.URL.Query().Get("response"), &fp, p.Now()); err != nil {
		p.ErrorPage(w, r, oautherr.ErrInvalidRequest.WithHint("This response link is invalid or has expired; start the sign-in again from the application."))
		return
	}
	if len(fp.Browser) > 0 && !bytes.Equal(fp.Browser, p.Cookies.BrowserHash(r)) {
		p.ErrorPage(w, r, oautherr.ErrRequestForbidden.WithHint("This response link belongs to the browser that signed in; start the sign-in again from the application."))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	page := web.FormPostPage{Action: fp.Action}
	for k, vs := range fp.Params {
		for _, v := range vs {
			page.Params = append(page.Params, web.Param{Name: k, Value: v})
		}
	}
	if u, err := url.Parse(fp.Action); err == nil {
		SetPageHeaders(w, u.Scheme+"://"+u.Host)
	} else {
		SetPageHeaders(w, "")
	}
	if err := p.Pages.Render(w, http.StatusOK, web.PageFormPost, page); err != nil {
		p.Log.Error("render form_post", "err", err)
	}
}

// ErrorPage renders err as an HTML page. It is used when the client or its
// redirect URI cannot be trusted, so the error must not be sent there (RFC
// 6749 section 4.1.2.1; RFC 9700 section 4.11: no open redirector).
func (p *Provider) ErrorPage(w http.ResponseWriter, r *http.Request, err error) {
	p.renderError(w, r, err, web.ErrorPage{})
}

// errorPage is ErrorPage; signingOut words the page for a sign-out.
func (p *Provider) errorPage(w http.ResponseWriter, r *http.Request, err error, signingOut bool) {
	p.renderError(w, r, err, web.ErrorPage{SigningOut: signingOut})
}

// AccountErrorPage is ErrorPage worded for a form of the person's account
// page.
func (p *Provider) AccountErrorPage(w http.ResponseWriter, r *http.Request, err error) {
	p.renderError(w, r, err, web.ErrorPage{Account: true})
}

// renderError renders err on the error page, in the words of kind.
func (p *Provider) renderError(w http.ResponseWriter, r *http.Request, err error, kind web.ErrorPage) {
	e := oautherr.From(err)
	if e.Status >= 500 {
		p.Log.Error("request failed", "path", r.URL.Path, "err", err)
	}
	SetPageHeaders(w, "")
	w.Header().Set("Cache-Control", "no-store")
	oautherr.SetRetryAfter(w.Header(), e.Status)
	// The page leads with the hint (what happened, what to do); the code,
	// the catalogue's text and the request id are small print for support.
	// The request id is the one the server's middleware has already set.
	if rerr := p.Pages.Render(w, e.Status, web.PageError, web.ErrorPage{
		Status: e.Status, Error: e.Code, Description: e.Description, Hint: e.Hint, Spec: e.Spec,
		RequestID: w.Header().Get("X-Request-Id"), SigningOut: kind.SigningOut, Account: kind.Account,
	}); rerr != nil {
		p.Log.Error("render error page", "err", rerr)
	}
}

// SetPageHeaders sets the security headers of an HTML page: a strict CSP with
// no third-party content, clickjacking defence through frame-ancestors (RFC
// 9700 section 4.16), and a referrer policy under which another origin
// learns at most Sigil's origin, never a path or query (a flow id, a code).
// The policy is strict-origin-when-cross-origin, which the pages' own meta
// tag says too (a browser applies the meta tag over the header, so the two
// must agree). It is not no-referrer, under which a browser sends
// "Origin: null" with a page's form POSTs (Fetch, "append a request Origin
// header"), which an origin check cannot tell from a forgery.
// formAction adds an origin that forms may post to (form_post responses).
func SetPageHeaders(w http.ResponseWriter, formAction string) {
	h := w.Header()
	fa := "'self'"
	if formAction != "" {
		fa += " " + formAction
	}
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; form-action "+fa+"; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	// The @uauth/js popup flow polls the popup's location; any other
	// opener policy on a page the popup passes through would sever it.
	h.Set("Cross-Origin-Opener-Policy", "unsafe-none")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("X-Content-Type-Options", "nosniff")
}
