package login

import (
	"errors"
	"net/http"
	"net/url"

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
		if a2, ok := h.alreadyAuthenticated(r, err); ok {
			// A reload after signing: continue with consent.
			http.Redirect(w, r, h.Provider.Endpoint("/consent")+"?flow="+url.QueryEscape(a2.ID), http.StatusSeeOther)
			return
		}
		h.Provider.ErrorPage(w, r, err)
		return
	}
	page := web.LoginPage{
		FlowID:        a.ID,
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

// ConsentPage serves GET /consent?flow=<id>.
func (h *Handler) ConsentPage(w http.ResponseWriter, r *http.Request) {
	a, err := h.flow(r.Context(), r, r.URL.Query().Get("flow"), sigil.StateAuthenticated)
	if err != nil {
		h.Provider.ErrorPage(w, r, err)
		return
	}
	h.render(w, r, web.PageConsent, web.ConsentPage{
		FlowID:        a.ID,
		ClientName:    displayName(a),
		ClientLogoURI: a.ClientLogoURI,
		ClientURI:     a.ClientURI,
		PolicyURI:     a.ClientPolicyURI,
		TosURI:        a.ClientTosURI,
		Subject:       a.Subject,
		Address:       a.Address,
		Scopes:        web.ScopesOf(a.Scope),
	})
}

func (h *Handler) alreadyAuthenticated(r *http.Request, err error) (*sigil.Authorization, bool) {
	if !errors.Is(err, oautherr.ErrInvalidRequest) {
		return nil, false
	}
	a, gerr := h.Provider.Store.GetAuthorization(r.Context(), r.URL.Query().Get("flow"))
	if gerr != nil || h.checkFlow(r, a, sigil.StateAuthenticated) != nil {
		return nil, false
	}
	return a, true
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
