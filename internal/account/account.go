// Package account is the person's own page at /account: the applications
// they connected (remembered consents, and the clients their live sessions
// signed in to) and their live sessions, with "disconnect" (revoke a
// consent and the tokens issued under it) and "sign out everywhere".
//
// The page signs people in with the same wallet login as every client:
// without a live session it starts an ordinary authorization request for
// the built-in first-party client oauth.AccountClientID, whose redirect URI
// is /account/callback; the sign-in sets the session cookie, which is all
// the page needs, so the code is never redeemed (it expires after
// --code-lifetime like any unused code).
//
// Every POST carries a token bound to the session (session.Cookies.CSRF),
// and the session cookie is SameSite=Lax, so a cross-site form can neither
// send the cookie nor know the token.
package account

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/oauth"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/secret"
	"github.com/sigil-oidc/sigil/internal/session"
	"github.com/sigil-oidc/sigil/web"
)

// csrfAccount is the purpose of the account page's anti-forgery token.
const csrfAccount = "account"

// Handler serves /account and its forms.
type Handler struct {
	Provider *oauth.Provider
}

// Client is the built-in client the account page signs in through, for
// issuer: public (no secret), PKCE, scope openid, and its one redirect URI
// at /account/callback.
func Client(issuer string, now time.Time) *sigil.Client {
	return &sigil.Client{
		ID:                      oauth.AccountClientID,
		Name:                    "Your Sigil account",
		RedirectURIs:            []string{strings.TrimSuffix(issuer, "/") + "/account/callback"},
		GrantTypes:              []string{"authorization_code"},
		ResponseTypes:           []string{"code"},
		Scope:                   sigil.Scopes{"openid"},
		TokenEndpointAuthMethod: sigil.AuthMethodNone,
		RequirePKCE:             true,
		CreatedAt:               now,
		UpdatedAt:               now,
	}
}

// EnsureClient stores the account page's client for issuer, or updates it
// when the issuer changed. Nodes starting together may race: a client
// another node created first is fine.
func EnsureClient(ctx context.Context, st sigil.Store, issuer string, now time.Time) error {
	want := Client(issuer, now)
	have, err := st.GetClient(ctx, want.ID)
	switch {
	case errors.Is(err, sigil.ErrNotFound):
		if err := st.CreateClient(ctx, want); err != nil && !errors.Is(err, sigil.ErrConflict) {
			return fmt.Errorf("create the account page's client: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("read the account page's client: %w", err)
	case slices.Equal(have.RedirectURIs, want.RedirectURIs) && have.Public() && have.Scope.String() == want.Scope.String():
		return nil
	}
	want.CreatedAt = have.CreatedAt
	if err := st.UpdateClient(ctx, want); err != nil {
		return fmt.Errorf("update the account page's client: %w", err)
	}
	return nil
}

// current returns the browser's session and the person's live sessions,
// or ok false when the browser has no session that is live in the store,
// or one of a wallet that no longer owns the domain.
//
// Sessions and consents are kept by domain and wallet: after a domain
// changed hands, its previous owner's session must not show or act on the
// new owner's applications and sessions (disconnect them, sign them out
// everywhere), as single sign-on refuses it the new owner's applications.
// So the owner is read as at single sign-on (the resolver's cache), and
// only the sessions of the session's wallet are the person's.
func (h *Handler) current(r *http.Request) (session.Session, []sigil.Session, bool, error) {
	p := h.Provider
	now := p.Now()
	sess, err := p.Cookies.Read(r, now)
	if err != nil {
		return session.Session{}, nil, false, nil
	}
	all, err := p.Store.ListSessions(r.Context(), sess.Subject, now)
	if err != nil {
		return session.Session{}, nil, false, err
	}
	var live []sigil.Session
	found := false
	for _, s := range all {
		if s.Address == sess.Address {
			live = append(live, s)
			found = found || s.ID == sess.ID
		}
	}
	if !found {
		return session.Session{}, nil, false, nil
	}
	d, err := p.Domains.Resolve(r.Context(), sess.Subject)
	switch {
	case errors.Is(err, sigil.ErrResolverUnavailable):
		return session.Session{}, nil, false, oautherr.ErrTemporarilyUnavailable.WithHint("The owner of %s could not be looked up right now; try again in a moment.", sess.Subject)
	case err != nil || d.Owner != sess.Address:
		return session.Session{}, nil, false, nil
	}
	return sess, live, true, nil
}

// Page serves GET /account: the page for a live session, else the start of
// a sign-in.
func (h *Handler) Page(w http.ResponseWriter, r *http.Request) {
	sess, live, ok, err := h.current(r)
	if err != nil {
		h.Provider.AccountErrorPage(w, r, err)
		return
	}
	if !ok {
		h.signIn(w, r)
		return
	}
	page, err := h.page(r.Context(), sess, live)
	if err != nil {
		h.Provider.AccountErrorPage(w, r, err)
		return
	}
	page.Notice = notices[r.URL.Query().Get("done")]
	h.render(w, web.PageAccount, page)
}

// notices are the confirmations /account shows after a form (?done=).
var notices = map[string]string{
	"disconnected": "The application was disconnected. Its access has ended; it will ask you again next time.",
}

// page builds the page: the applications from the remembered consents
// and the live sessions' clients (minus the account page's own), with the
// clients' names read through the client cache.
func (h *Handler) page(ctx context.Context, sess session.Session, live []sigil.Session) (*web.AccountPage, error) {
	p := h.Provider
	consents, err := p.Store.ListConsents(ctx, sess.Subject)
	if err != nil {
		return nil, err
	}
	page := &web.AccountPage{Subject: sess.Subject, Address: sess.Address, CSRF: p.Cookies.CSRF(csrfAccount, sess.ID)}
	apps := map[string]*web.AccountApp{}
	var order []string
	app := func(id string) *web.AccountApp {
		if a, ok := apps[id]; ok {
			return a
		}
		a := &web.AccountApp{ClientID: id, ClientName: id}
		apps[id] = a
		order = append(order, id)
		return a
	}
	for _, c := range consents {
		if c.Address != sess.Address {
			continue // a previous owner's, no longer anyone's
		}
		a := app(c.ClientID)
		a.Remembered, a.Scopes = true, web.ScopesOf(c.Scope)
	}
	for _, s := range live {
		for _, id := range s.Clients {
			if id != oauth.AccountClientID {
				app(id).SignedIn = true
			}
		}
	}
	for _, id := range order {
		c, err := p.Store.GetClient(ctx, id)
		if errors.Is(err, sigil.ErrNotFound) {
			continue // deleted since: nothing left to disconnect
		}
		if err != nil {
			return nil, err
		}
		a := apps[id]
		if c.Name != "" {
			a.ClientName = c.Name
		}
		a.ClientLogoURI, a.ClientURI = c.LogoURI, c.ClientURI
		page.Apps = append(page.Apps, *a)
	}
	for _, s := range live {
		as := web.AccountSession{AuthTime: s.AuthTime, ExpiresAt: s.ExpiresAt, Current: s.ID == sess.ID}
		for _, id := range s.Clients {
			if a, ok := apps[id]; ok {
				as.Apps = append(as.Apps, a.ClientName)
			}
		}
		page.Sessions = append(page.Sessions, as)
	}
	return page, nil
}

// signIn starts a sign-in for the account page: an authorization request
// of the account client, answered at /account/callback.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	p := h.Provider
	// PKCE is required of every public client; the code is never redeemed,
	// so the verifier is not kept.
	sum := sha256.Sum256([]byte(secret.RandomString(32)))
	q := url.Values{
		"client_id":             {oauth.AccountClientID},
		"redirect_uri":          {p.Endpoint("/account/callback")},
		"response_type":         {"code"},
		"scope":                 {"openid"},
		"state":                 {secret.RandomString(16)},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	http.Redirect(w, r, p.Endpoint("/oauth2/auth")+"?"+q.Encode(), http.StatusSeeOther)
}

// Callback serves GET /account/callback, where the account client's
// sign-in ends: with a session the browser goes on to /account; an error
// (the person declined) is shown.
func (h *Handler) Callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if code := q.Get("error"); code != "" {
		e := oautherr.ErrAccessDenied
		if code != e.Code {
			e = oautherr.ErrInvalidRequest
		}
		h.Provider.ErrorPage(w, r, e.WithHint("Signing in to your account did not finish; open /account to try again."))
		return
	}
	http.Redirect(w, r, h.Provider.Endpoint("/account"), http.StatusSeeOther)
}

// Disconnect serves POST /account/apps/disconnect: the consent to the
// client_id is revoked with the codes and tokens issued under it.
func (h *Handler) Disconnect(w http.ResponseWriter, r *http.Request) {
	sess, _, form, ok := h.post(w, r)
	if !ok {
		return
	}
	clientID := form.Get("client_id")
	if clientID == "" || clientID == oauth.AccountClientID {
		h.Provider.AccountErrorPage(w, r, oautherr.ErrInvalidRequest.WithHint("Name the application to disconnect (client_id)."))
		return
	}
	// Nothing to revoke (disconnected already, in another tab) is no
	// error for the person.
	if err := h.Provider.Store.RevokeConsent(r.Context(), sess.Subject, clientID); err != nil && !errors.Is(err, sigil.ErrNotFound) {
		h.Provider.AccountErrorPage(w, r, err)
		return
	}
	h.Provider.Log.Info("account: application disconnected", "subject", sess.Subject, "client_id", clientID)
	http.Redirect(w, r, h.Provider.Endpoint("/account")+"?done=disconnected", http.StatusSeeOther)
}

// EndSessions serves POST /account/sessions/end, "sign out everywhere":
// every live session of the person ends, in every browser, and the
// applications they signed in to are told. The person is the domain's
// wallet: a previous owner's sessions of the domain, which the page does
// not list, are not theirs to end (see current), so the sessions are ended
// one by one rather than by subject.
func (h *Handler) EndSessions(w http.ResponseWriter, r *http.Request) {
	sess, mine, _, ok := h.post(w, r)
	if !ok {
		return
	}
	p := h.Provider
	var ended []sigil.Session
	for _, s := range mine {
		e, err := p.Store.EndSession(r.Context(), s.ID, p.Now())
		switch {
		case errors.Is(err, sigil.ErrNotFound):
			// Ended meanwhile, in another tab or by the operator.
		case err != nil:
			p.SessionsEnded(r.Context(), ended)
			p.AccountErrorPage(w, r, err)
			return
		default:
			ended = append(ended, *e)
		}
	}
	p.SessionsEnded(r.Context(), ended)
	p.Cookies.Clear(w)
	p.Log.Info("account: signed out everywhere", "subject", sess.Subject, "sessions", len(ended))
	h.render(w, web.PageLoggedOut, web.LoggedOutPage{})
}

// post checks a form POST of the account page: a live session, a form body
// and its CSRF token. It answers the failures itself.
func (h *Handler) post(w http.ResponseWriter, r *http.Request) (session.Session, []sigil.Session, url.Values, bool) {
	p := h.Provider
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		p.AccountErrorPage(w, r, oautherr.ErrInvalidRequest.WithHint("Send the account page's form."))
		return session.Session{}, nil, nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		p.AccountErrorPage(w, r, oautherr.ErrInvalidRequest.WithHint("The form body could not be parsed."))
		return session.Session{}, nil, nil, false
	}
	sess, mine, live, err := h.current(r)
	if err != nil {
		p.AccountErrorPage(w, r, err)
		return session.Session{}, nil, nil, false
	}
	if !live {
		p.AccountErrorPage(w, r, oautherr.ErrLoginRequired.WithHint("You are signed out; open /account to sign in again."))
		return session.Session{}, nil, nil, false
	}
	if !p.Cookies.CheckCSRF(csrfAccount, sess.ID, r.PostForm.Get("csrf")) {
		p.AccountErrorPage(w, r, oautherr.ErrRequestForbidden.WithHint("The form expired or was not sent by Sigil's account page; open /account again."))
		return session.Session{}, nil, nil, false
	}
	return sess, mine, r.PostForm, true
}

func (h *Handler) render(w http.ResponseWriter, name string, data any) {
	oauth.SetPageHeaders(w, "")
	w.Header().Set("Cache-Control", "no-store")
	if err := h.Provider.Pages.Render(w, http.StatusOK, name, data); err != nil {
		h.Provider.Log.Error("render page", "page", name, "err", err)
	}
}
