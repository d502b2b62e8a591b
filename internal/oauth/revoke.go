package oauth

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/oidc"
)

// Revoke serves POST /oauth2/revoke (RFC 7009). The client authenticates as
// at the token endpoint; revoking either token of an authorization revokes
// both. An unknown or foreign token is answered 200 too (section 2.2), so
// the endpoint reveals nothing about tokens.
func (p *Provider) Revoke(w http.ResponseWriter, r *http.Request) {
	if err := p.revoke(r); err != nil {
		// As at the token endpoint: a 401 to a client that tried HTTP
		// authentication names the scheme (RFC 6749 section 5.2).
		p.writeClientError(w, r, err, "revocation failed")
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
	// An RFC 9068 access token is stored by its jti (oidc.AccessTokenKey).
	// Every other token Sigil issues carries its prefix, so anything else,
	// and a JWT that does not verify, is unknown, which is not an error
	// (section 2.2).
	if !strings.HasPrefix(token, AccessTokenPrefix) && !strings.HasPrefix(token, RefreshTokenPrefix) {
		key, ok := oidc.AccessTokenKey(p.Signer, p.IssuerString(), token)
		if !ok {
			return nil
		}
		token = key
	}
	if err := p.Store.RevokeToken(r.Context(), p.Secrets.HashToken(token), client.ID); err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}
