package oauth

import (
	"fmt"
	"mime"
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
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		return oautherr.ErrInvalidRequest.WithHint("The revocation request must be a form (application/x-www-form-urlencoded), RFC 7009 section 2.1.")
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return oautherr.ErrInvalidRequest.WithHint("The form body could not be parsed.")
	}
	client, err := p.authenticateClient(r.Context(), r, r.PostForm)
	if err != nil {
		return err
	}
	token := r.PostForm.Get("token")
	if token == "" {
		return oautherr.ErrInvalidRequest.WithHint("The token parameter is missing.")
	}
	if err := p.Store.RevokeToken(r.Context(), p.Secrets.HashToken(token), client.ID); err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}
