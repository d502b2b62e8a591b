package oauth

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"slices"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/session"
	"github.com/sigil-oidc/sigil/web"
)

// Logout serves GET and POST /oauth2/sessions/logout, the end_session_endpoint
// of OpenID Connect RP-Initiated Logout 1.0.
//
// With a valid id_token_hint (signed by Sigil, any age) the session ends at
// once, and the browser goes to post_logout_redirect_uri when that URI is
// registered for the hint's client, exactly (section 3), with state. Without
// a hint the person is asked to confirm, because any site could send the
// browser here. A hint Sigil did not sign, or an unregistered URI, gets an
// error page and no redirect.
func (p *Provider) Logout(w http.ResponseWriter, r *http.Request) {
	params := r.URL.Query()
	if r.Method == http.MethodPost {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct == "application/x-www-form-urlencoded" {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if err := r.ParseForm(); err == nil {
				params = r.PostForm
			}
		}
	}
	hint := params.Get("id_token_hint")
	if hint == "" {
		p.confirmLogout(w, r, params)
		return
	}
	payload, err := p.Signer.Verify(hint)
	var claims struct {
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Aud json.RawMessage `json:"aud"`
	}
	if err != nil || json.Unmarshal(payload, &claims) != nil || claims.Iss != p.IssuerString() {
		p.ErrorPage(w, r, oautherr.ErrInvalidRequest.WithHint("The id_token_hint is not an ID token issued by this provider."))
		return
	}
	clientID := audience(claims.Aud)
	if id := params.Get("client_id"); id != "" && id != clientID {
		p.ErrorPage(w, r, oautherr.ErrInvalidRequest.WithHint("The client_id does not match the audience of the id_token_hint."))
		return
	}
	redirect := params.Get("post_logout_redirect_uri")
	if redirect != "" {
		client, err := p.Store.GetClient(r.Context(), clientID)
		if errors.Is(err, sigil.ErrNotFound) || (err == nil && !slices.Contains(client.PostLogoutRedirectURIs, redirect)) {
			p.ErrorPage(w, r, oautherr.ErrInvalidRequest.WithHint("The post_logout_redirect_uri %q is not registered for the client; register it exactly.", redirect))
			return
		}
		if err != nil {
			p.ErrorPage(w, r, err)
			return
		}
	}
	p.Cookies.Clear(w)
	if redirect == "" {
		p.renderLoggedOut(w, web.LoggedOutPage{})
		return
	}
	u, err := url.Parse(redirect)
	if err != nil {
		p.ErrorPage(w, r, err)
		return
	}
	if state := params.Get("state"); state != "" {
		q := u.Query()
		q.Set("state", state)
		u.RawQuery = q.Encode()
	}
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

// confirmLogout asks before ending a session without id_token_hint, and
// ends it on the confirming POST, whose csrf value is bound to the browser.
func (p *Provider) confirmLogout(w http.ResponseWriter, r *http.Request, params url.Values) {
	want := p.logoutCSRF(r)
	if r.Method == http.MethodPost && want != "" && hmac.Equal([]byte(params.Get("csrf")), []byte(want)) {
		p.Cookies.Clear(w)
		p.renderLoggedOut(w, web.LoggedOutPage{})
		return
	}
	browser := p.Cookies.Browser(w, r)
	p.renderLoggedOut(w, web.LoggedOutPage{Confirm: true, CSRF: base64.RawURLEncoding.EncodeToString(p.Secrets.HashBrowser("logout:" + browser))})
}

func (p *Provider) logoutCSRF(r *http.Request) string {
	ck, err := r.Cookie(session.BrowserCookie)
	if err != nil || ck.Value == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString(p.Secrets.HashBrowser("logout:" + ck.Value))
}

func (p *Provider) renderLoggedOut(w http.ResponseWriter, page web.LoggedOutPage) {
	SetPageHeaders(w, "")
	w.Header().Set("Cache-Control", "no-store")
	if err := p.Pages.Render(w, http.StatusOK, web.PageLoggedOut, page); err != nil {
		p.Log.Error("render logged out page", "err", err)
	}
}

// audience reads an aud claim, which is a string or an array (RFC 7519
// section 4.1.3); Sigil's ID tokens have one audience.
func audience(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil && len(list) == 1 {
		return list[0]
	}
	return ""
}
