package oauth

import (
	"fmt"
	"net/http"

	"github.com/sigil-oidc/sigil/internal/oautherr"
)

// Revoke serves POST /oauth2/revoke (RFC 7009). The client authenticates as
// at the token endpoint; revoking either token of an authorization revokes
// both. An unknown or foreign token is answered 200 too (section 2.2), so
// the endpoint reveals nothing about tokens.
func (p *Provider) Revoke(w http.ResponseWriter, r *http.Request) {
	if err := p.revoke(r); err != nil {
		if e := oautherr.From(err); e.Status >= 500 {
			p.Log.Error("revocation failed", "err", err)
		}
		oautherr.WriteJSON(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}

func (p *Provider) revoke(r *http.Request) error {
	form, err := parseForm(r, "The revocation request (RFC 7009 section 2.1)")
	if err != nil {
		return err
	}
	client, err := p.authenticateClient(r.Context(), r, form)
	if err != nil {
		return err
	}
	token := form.Get("token")
	if token == "" {
		return oautherr.ErrInvalidRequest.WithHint("The token parameter is missing.")
	}
	if err := p.Store.RevokeToken(r.Context(), p.Secrets.HashToken(token), client.ID); err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}
