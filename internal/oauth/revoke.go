package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/oidc"
)

// Revoke serves POST /oauth2/revoke (RFC 7009). The client authenticates as
// at the token endpoint; revoking either token of an authorization revokes
// both. An unknown, expired or already revoked token is answered 200 too
// (section 2.2). A live token issued to another client is refused with
// unauthorized_client, as section 2.1 asks ("the request is refused and
// the client is informed of the error") and as Hydra answers: a client
// told 200 would believe a token revoked that still works. That tells a
// confidential caller no more than introspection, which it may call,
// already does. A public client proves nothing by its client_id, which
// anyone may send, so it is answered 200 for another client's token too,
// which stays live: the endpoint is no oracle of which tokens are live.
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
	hash := p.Secrets.HashToken(token)
	if !client.Public() {
		if err := p.checkTokenClient(r.Context(), token, hash, client.ID); err != nil {
			return err
		}
	}
	if err := p.Store.RevokeToken(r.Context(), hash, client.ID); err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

// checkTokenClient refuses the revocation of a live token that another
// client than clientID holds. token is the token as sent, or an RFC 9068
// access token's key. The read costs revocation one statement; the write
// after it still matches the client, so a race changes nothing.
func (p *Provider) checkTokenClient(ctx context.Context, token string, hash []byte, clientID string) error {
	var (
		a   *sigil.Authorization
		err error
	)
	if strings.HasPrefix(token, RefreshTokenPrefix) {
		a, err = p.Store.GetAuthorizationByRefreshToken(ctx, hash, p.Now())
	} else {
		a, err = p.Store.GetAuthorizationByAccessToken(ctx, hash, p.Now())
	}
	switch {
	case errors.Is(err, sigil.ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("revoke token: read its client: %w", err)
	case a.ClientID != clientID:
		return oautherr.ErrUnauthorizedClient.WithHint("The token was issued to another client; a client may revoke only its own tokens (RFC 7009 section 2.1).")
	}
	return nil
}
