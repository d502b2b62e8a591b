package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/oidc"
	"github.com/sigil-oidc/sigil/internal/session"
	"github.com/sigil-oidc/sigil/internal/urlform"
	"github.com/sigil-oidc/sigil/web"
)

// csrfLogout is the purpose of the confirmation form's anti-forgery token.
const csrfLogout = "logout"

// logoutRequest is a validated request to the end_session_endpoint.
type logoutRequest struct {
	// hint holds the claims of a valid id_token_hint; nil without one.
	hint *hintClaims
	// client is the client that asked, named by the hint's audience or
	// client_id; nil when neither was sent.
	client *sigil.Client
	// redirectURI is post_logout_redirect_uri, registered for client.
	redirectURI string
	state       string
}

// hintClaims are the claims of an id_token_hint that logout and the
// authorization endpoint read. Exp and Iat are read only to tell an ID
// token, which must carry them (OpenID Connect Core section 2), from
// another JWT Sigil signs with typ JWT: the signed userinfo response
// (userinfo_signed_response_alg) has neither.
type hintClaims struct {
	Iss string          `json:"iss"`
	Sub string          `json:"sub"`
	Sid string          `json:"sid"`
	Aud json.RawMessage `json:"aud"`
	Exp *float64        `json:"exp"`
	Iat *float64        `json:"iat"`
}

// Logout serves GET and POST /oauth2/sessions/logout, the end_session_endpoint
// of OpenID Connect RP-Initiated Logout 1.0.
//
// The session ends at once only with a valid id_token_hint (an ID token
// signed by Sigil, any age: section 2) naming the person signed in to this
// browser and this very session: its sub, and its sid, which every ID
// token Sigil issues within a session carries. Otherwise, a hint for
// another person or another session, a hint without sid, or no hint at
// all, any site could have sent the browser here, so the person is asked
// to confirm (section 2: the OP MUST ask when the hint does not belong to
// the current session) on a page whose form carries a token bound to the
// session; nothing happens before that POST. Ending a session ends its
// record, so every copy of the cookie stops working, and tells the
// LogoutNotifier.
//
// post_logout_redirect_uri must be registered exactly for the client that
// the hint's audience or client_id names (section 3); state goes back with
// it. A hint Sigil did not sign (or alg none), a client_id other than the
// hint's audience, and an unregistered URI get an error page and no
// redirect.
func (p *Provider) Logout(w http.ResponseWriter, r *http.Request) {
	params, err := logoutParams(r)
	if err != nil {
		p.errorPage(w, r, err, true)
		return
	}
	req, err := p.validateLogout(r.Context(), params)
	if err != nil {
		p.errorPage(w, r, err, true)
		return
	}
	now := p.Now()
	sess, sessErr := p.Cookies.Read(r, now)
	hasSession := sessErr == nil

	switch {
	case !hasSession:
		// Nothing to end in this browser (already signed out, or never
		// signed in): no confirmation is needed to leave.
	case params.Has("csrf"):
		if r.Method != http.MethodPost || !p.Cookies.CheckCSRF(csrfLogout, sess.ID, params.Get("csrf")) {
			p.errorPage(w, r, oautherr.ErrRequestForbidden.WithHint("The sign-out form expired or was not sent by Sigil's own page; open the sign-out page again."), true)
			return
		}
	case req.hint != nil && req.hint.Sid != "" && req.hint.Sid == sess.ID &&
		req.hint.Sub == oidc.Subject(p.Secrets, req.client, sess.Subject, sess.Address):
		// The relying party names this very session, by its sid, and
		// person, by the sub it was given: the domain, or its pairwise
		// sub (the hint's audience is req.client). A hint without sid
		// names no session, so it cannot stand for this one: the person
		// is asked.
	default:
		p.confirmLogout(w, req, sess)
		return
	}
	if hasSession {
		ended, err := p.Store.EndSession(r.Context(), sess.ID, now)
		switch {
		case err == nil:
			p.SessionsEnded(r.Context(), []sigil.Session{*ended})
		case !errors.Is(err, sigil.ErrNotFound): // ErrNotFound: ended or expired already
			p.errorPage(w, r, err, true)
			return
		}
		p.Cookies.Clear(w)
	}
	if req.redirectURI == "" {
		p.renderLoggedOut(w, "", web.LoggedOutPage{})
		return
	}
	to := req.redirectURI
	if req.state != "" {
		to = withQuery(to, url.Values{"state": {req.state}})
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// logoutParams reads the parameters from the query (GET) or a form body
// (POST; section 2 allows both), each at most once.
func logoutParams(r *http.Request) (url.Values, error) {
	if r.Method == http.MethodPost {
		return parseForm(r, "A POST to the end_session_endpoint")
	}
	params, err := urlform.Query(r, "The request to the end_session_endpoint")
	if err != nil {
		return nil, err
	}
	return params, single(params)
}

// validateLogout checks the hint, the client and the redirect URI.
func (p *Provider) validateLogout(ctx context.Context, params url.Values) (*logoutRequest, error) {
	req := &logoutRequest{state: params.Get("state"), redirectURI: params.Get("post_logout_redirect_uri")}
	clientID := params.Get("client_id")
	if raw := params.Get("id_token_hint"); raw != "" {
		hint, err := p.verifyIDTokenHint(raw)
		if err != nil {
			return nil, hintError(err)
		}
		aud := audience(hint.Aud)
		if clientID != "" && clientID != aud {
			return nil, oautherr.ErrInvalidRequest.WithHint("The client_id does not match the audience of the id_token_hint.")
		}
		req.hint, clientID = hint, aud
	}
	if clientID != "" {
		c, err := p.Store.GetClient(ctx, clientID)
		switch {
		case errors.Is(err, sigil.ErrNotFound):
			return nil, oautherr.ErrInvalidRequest.WithHint("No client is registered with client_id '%s'.", clientID)
		case err != nil:
			return nil, err
		}
		req.client = c
	}
	if req.redirectURI != "" {
		if req.client == nil {
			// Section 3: no redirection unless the client is identified.
			return nil, oautherr.ErrInvalidRequest.WithHint("A post_logout_redirect_uri needs an id_token_hint (or client_id) naming the client it is registered for.")
		}
		if !slices.Contains(req.client.PostLogoutRedirectURIs, req.redirectURI) {
			return nil, oautherr.ErrInvalidRequest.WithHint("The post_logout_redirect_uri '%s' is not registered for the client; register it exactly.", req.redirectURI)
		}
	}
	return req, nil
}

// verifyIDTokenHint checks an id_token_hint, of logout or of an
// authorization request: Sigil's signature (any age: RP-Initiated Logout
// section 2 allows an expired one, and OpenID Connect Core section 3.1.2.1
// does not look at it; never alg none, which Verify refuses), Sigil as
// issuer, the header of an ID token, so that another JWT Sigil signs (a
// JWT access token, typ at+jwt; a logout token, typ logout+jwt) cannot
// stand in for one, and the claims every ID token carries (OpenID Connect
// Core section 2: iss, sub, aud, exp and iat), so that the signed userinfo
// response, typ JWT too but without exp and iat, cannot either: whoever
// holds an access token can have Sigil sign one.
func (p *Provider) verifyIDTokenHint(token string) (*hintClaims, error) {
	header, _, ok := strings.Cut(token, ".")
	if !ok {
		return nil, errors.New("not a JWS")
	}
	raw, err := base64.RawURLEncoding.DecodeString(header)
	if err != nil {
		return nil, err
	}
	var h struct {
		Typ string `json:"typ"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return nil, err
	}
	if h.Typ != "" && !strings.EqualFold(h.Typ, "JWT") {
		return nil, errors.New("not an ID token: typ " + h.Typ)
	}
	payload, err := p.Signer.Verify(token)
	if err != nil {
		return nil, err
	}
	var c hintClaims
	if err := json.Unmarshal(payload, &c); err != nil || c.Iss != p.IssuerString() || c.Sub == "" {
		return nil, errors.New("not an ID token of this issuer")
	}
	if audience(c.Aud) == "" || c.Exp == nil || c.Iat == nil {
		return nil, errors.New("not an ID token: aud, exp or iat missing")
	}
	return &c, nil
}

// confirmLogout asks the person before ending the session: the form posts
// back the validated client, redirect URI and state, with a token bound to
// this session.
func (p *Provider) confirmLogout(w http.ResponseWriter, req *logoutRequest, sess session.Session) {
	page := web.LoggedOutPage{Confirm: true, CSRF: p.Cookies.CSRF(csrfLogout, sess.ID), Subject: sess.Subject,
		PostLogoutRedirectURI: req.redirectURI, State: req.state}
	formAction := ""
	if req.client != nil {
		page.ClientID, page.ClientName = req.client.ID, req.client.Name
		// The confirming POST is answered with a redirect to the
		// client; the page's form-action must allow it, as browsers apply
		// it to the redirects a form submission follows.
		if u, err := url.Parse(req.redirectURI); err == nil && req.redirectURI != "" {
			formAction = u.Scheme + ":" // an app's private-use scheme (RFC 8252 section 7.1)
			if u.Host != "" {
				formAction = u.Scheme + "://" + u.Host
			}
		}
	}
	p.renderLoggedOut(w, formAction, page)
}

func (p *Provider) renderLoggedOut(w http.ResponseWriter, formAction string, page web.LoggedOutPage) {
	SetPageHeaders(w, formAction)
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
