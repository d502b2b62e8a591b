package login

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/oauth"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/session"
	"github.com/sigil-oidc/sigil/web"
)

// LoginPage serves GET /login?flow=<id>: the domain and wallet step.
func (h *Handler) LoginPage(w http.ResponseWriter, r *http.Request) {
	a, err := h.flow(r.Context(), r, r.URL.Query().Get("flow"), sigil.StateRequested)
	if err != nil {
		h.flowPageError(w, r, err)
		return
	}
	page := web.LoginPage{
		FlowID:        a.ID,
		ClientID:      a.ClientID,
		ClientName:    displayName(a),
		ClientLogoURI: a.ClientLogoURI,
		ClientURI:     a.ClientURI,
		LoginHint:     a.LoginHint,
		Scopes:        web.ScopesOf(a.Scope),
	}
	if h.DevWalletKey != "" {
		page.DevWallet, page.DevWalletKey = true, h.DevWalletKey
	}
	h.render(w, r, web.PageLogin, page)
}

// ConsentPage serves GET /consent?flow=<id>. After a sign-in in this
// browser it is rendered from the sealed consent cookie and the client (its
// cache), without a read of the flow; see consentFlow.
func (h *Handler) ConsentPage(w http.ResponseWriter, r *http.Request) {
	a, sealed, err := h.consentFlow(r.Context(), r, r.URL.Query().Get("flow"))
	if err != nil {
		h.flowPageError(w, r, err)
		return
	}
	if sealed {
		// The client's name and links, which a read of the flow joins,
		// come from the client (its cache).
		c, err := h.Provider.Store.GetClient(r.Context(), a.ClientID)
		if err != nil {
			// Deleted since the sign-in, most likely: the store says so.
			a, err = h.flow(r.Context(), r, a.ID, sigil.StateAuthenticated)
			if err != nil {
				h.flowPageError(w, r, err)
				return
			}
		} else {
			a.ClientName, a.ClientLogoURI, a.ClientURI, a.ClientPolicyURI, a.ClientTosURI = c.Name, c.LogoURI, c.ClientURI, c.PolicyURI, c.TosURI
		}
	}
	h.render(w, r, web.PageConsent, web.ConsentPage{
		FlowID:        a.ID,
		ClientID:      a.ClientID,
		ClientName:    displayName(a),
		ClientLogoURI: a.ClientLogoURI,
		ClientURI:     a.ClientURI,
		PolicyURI:     a.ClientPolicyURI,
		TosURI:        a.ClientTosURI,
		Subject:       a.Subject,
		Address:       a.Address,
		Scopes:        web.ScopesOf(a.Scope),
		AccountURL:    h.Provider.Endpoint("/account"),
	})
}

// flowPageError answers a login or consent page whose flow cannot show
// that page. The person usually got there with the Back button, a reload
// or an old tab, so a flow of this browser that is at another live step is
// sent to that step, and one that has ended (finished, declined, expired)
// gets a page that says so in plain words and leads back to the
// application. Anything else (no such flow, another browser's flow) is the
// error page, which never links to the application. The flow is read again
// only on this path.
func (h *Handler) flowPageError(w http.ResponseWriter, r *http.Request, err error) {
	if !errors.Is(err, oautherr.ErrInvalidRequest) {
		h.Provider.ErrorPage(w, r, err)
		return
	}
	id := r.URL.Query().Get("flow")
	a, gerr := h.Provider.Store.GetAuthorization(r.Context(), id)
	if gerr != nil || !bytes.Equal(h.Provider.Cookies.BrowserHash(r), a.BrowserHash) {
		h.Provider.ErrorPage(w, r, err)
		return
	}
	now := h.Provider.Now()
	if ended := flowEnded(a, now); ended != "" {
		h.render(w, r, web.PageFlowEnded, web.FlowEndedPage{
			Ended:         ended,
			ClientID:      a.ClientID,
			ClientName:    displayName(a),
			ClientLogoURI: a.ClientLogoURI,
			ClientURI:     a.ClientURI,
			Subject:       a.Subject,
			BackURL:       backURL(a),
			AccountURL:    h.Provider.Endpoint("/account"),
		})
		return
	}
	switch a.State {
	case sigil.StateAuthenticated:
		// A reload of the login page after signing: continue with consent.
		http.Redirect(w, r, h.Provider.Endpoint("/consent")+"?flow="+url.QueryEscape(a.ID), http.StatusSeeOther)
	case sigil.StateRequested, sigil.StateChallenged:
		// The consent page before signing (Back, then Forward to a
		// consent page of an earlier try): sign in first.
		http.Redirect(w, r, h.Provider.Endpoint("/login")+"?flow="+url.QueryEscape(a.ID), http.StatusSeeOther)
	default:
		h.Provider.ErrorPage(w, r, err)
	}
}

// flowEnded says how a's flow ended, or "" while it can still go on. A
// finished flow stays finished after its time is up: the person did sign in.
func flowEnded(a *sigil.Authorization, now time.Time) web.FlowEnded {
	switch a.State {
	case sigil.StateCodeIssued, sigil.StateExchanged, sigil.StateRevoked:
		return web.FlowFinished
	case sigil.StateRejected:
		return web.FlowDeclined
	}
	if !now.Before(a.ExpiresAt) {
		return web.FlowExpired
	}
	return ""
}

// backURL is where the ended-flow page leads the person: the client's
// registered client_uri, or else the origin of the redirect URI its request
// used, which was checked against its registration (so this is no open
// redirector; it is a link, not a redirect). A redirect URI that is not a
// web address (a native app's scheme) gives none.
func backURL(a *sigil.Authorization) string {
	if a.ClientURI != "" {
		return a.ClientURI
	}
	u, err := url.Parse(a.RedirectURI)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host + "/"
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, name string, data any) {
	oauth.SetPageHeaders(w, "")
	w.Header().Set("Cache-Control", "no-store")
	if err := h.Provider.Pages.Render(w, http.StatusOK, name, data); err != nil {
		h.Provider.Log.Error("render page", "page", name, "err", err)
	}
}

func displayName(a *sigil.Authorization) string {
	if a.ClientName != "" {
		return a.ClientName
	}
	return a.ClientID
}

// sessionOf is the browser session a verified sign-in starts.
func sessionOf(a *sigil.Authorization, auth sigil.Authentication) session.Session {
	return session.Session{
		ID: auth.SessionID, Subject: a.Subject, Address: a.Address, AuthTime: auth.AuthTime,
		WalletTypeHint: auth.WalletTypeHint, Message: auth.Message, Signature: auth.Signature,
	}
}
