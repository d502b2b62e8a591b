package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/oidc"
	"github.com/sigil-oidc/sigil/internal/secret"
)

// TokenResponse is the successful token response (RFC 6749 section 5.1,
// OpenID Connect Core section 3.1.3.3).
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
	IDToken     string `json:"id_token,omitempty"`
}

// Token serves POST /oauth2/token.
func (p *Provider) Token(w http.ResponseWriter, r *http.Request) {
	resp, err := p.token(r)
	if err != nil {
		e := oautherr.From(err)
		if e.Status >= 500 {
			p.Log.Error("token request failed", "err", err)
		}
		// RFC 6749 section 5.2: a client that tried HTTP authentication
		// gets the scheme it can use.
		if e.Code == oautherr.ErrInvalidClient.Code && r.Header.Get("Authorization") != "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="sigil", charset="UTF-8"`)
		}
		oautherr.WriteJSON(w, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	_ = json.NewEncoder(w).Encode(resp)
}

func (p *Provider) token(r *http.Request) (*TokenResponse, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		return nil, oautherr.ErrInvalidRequest.WithHint("The token request must be a form (application/x-www-form-urlencoded), RFC 6749 section 4.1.3.")
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return nil, oautherr.ErrInvalidRequest.WithHint("The form body could not be parsed.")
	}
	form := r.PostForm
	for k, v := range form {
		if len(v) > 1 {
			return nil, oautherr.ErrInvalidRequest.WithHint("Parameter %q is included more than once.", k)
		}
	}
	client, err := p.authenticateClient(r.Context(), r, form)
	if err != nil {
		return nil, err
	}
	switch gt := form.Get("grant_type"); gt {
	case "authorization_code":
		return p.exchangeCode(r.Context(), client, form)
	case "":
		return nil, oautherr.ErrInvalidRequest.WithHint("The grant_type parameter is missing.")
	default:
		return nil, oautherr.ErrUnsupportedGrantType.WithHint("grant_type %q is not supported; use authorization_code.", gt)
	}
}

// exchangeCode redeems an authorization code (RFC 6749 section 4.1.3). The
// store matches code, client, redirect URI and PKCE verifier in one
// conditional write, so a code works once and only for its client.
func (p *Provider) exchangeCode(ctx context.Context, client *sigil.Client, form url.Values) (*TokenResponse, error) {
	if !contains(client.GrantTypes, "authorization_code") {
		return nil, oautherr.ErrUnauthorizedClient.WithHint("Client %q is not registered for the authorization_code grant.", client.ID)
	}
	code := form.Get("code")
	if code == "" {
		return nil, oautherr.ErrInvalidRequest.WithHint("The code parameter is missing.")
	}
	redirectURI := form.Get("redirect_uri")
	if redirectURI == "" {
		return nil, oautherr.ErrInvalidRequest.WithHint("The redirect_uri parameter is missing; send the one used in the authorization request.")
	}
	verifier := form.Get("code_verifier")
	if verifier == "" {
		return nil, oautherr.ErrInvalidRequest.WithHint("The code_verifier parameter is missing; PKCE is required (RFC 7636 section 4.5).")
	}
	if !pkceValue.MatchString(verifier) {
		return nil, oautherr.ErrInvalidRequest.WithHint("The code_verifier must be 43 to 128 characters of [A-Za-z0-9._~-] (RFC 7636 section 4.1).")
	}
	if !strings.HasPrefix(code, CodePrefix) {
		return nil, oautherr.ErrInvalidGrant.WithHint("The code is not an authorization code issued by Sigil.")
	}
	sum := sha256.Sum256([]byte(verifier))
	now := p.Now()
	accessToken := secret.NewToken(AccessTokenPrefix)
	a, err := p.Store.ExchangeCode(ctx, sigil.CodeExchange{
		CodeHash:             p.Secrets.HashToken(code),
		ClientID:             client.ID,
		RedirectURI:          redirectURI,
		S256Challenge:        base64.RawURLEncoding.EncodeToString(sum[:]),
		PlainChallenge:       verifier,
		AccessTokenHash:      p.Secrets.HashToken(accessToken),
		AccessTokenExpiresAt: now.Add(p.Lifetimes.AccessToken),
	}, now)
	switch {
	case errors.Is(err, sigil.ErrConflict):
		p.Log.Warn("authorization code replayed; its tokens are revoked", "client_id", client.ID)
		return nil, oautherr.ErrInvalidGrant.WithHint("The authorization code has already been used; every token issued from it is now revoked (RFC 6749 section 4.1.2).")
	case errors.Is(err, sigil.ErrNotFound):
		return nil, oautherr.ErrInvalidGrant.WithHint("The authorization code is invalid or expired, or the client, redirect_uri or code_verifier does not match the authorization request.")
	case err != nil:
		return nil, fmt.Errorf("exchange code: %w", err)
	}
	idToken, err := p.Signer.Sign(oidc.IDTokenClaims(p.IssuerString(), a, accessToken, now, p.Lifetimes.IDToken))
	if err != nil {
		return nil, fmt.Errorf("sign id token: %w", err)
	}
	return &TokenResponse{
		AccessToken: accessToken,
		TokenType:   "Bearer",
		ExpiresIn:   int64(p.Lifetimes.AccessToken.Seconds()),
		Scope:       a.GrantedScope.String(),
		IDToken:     idToken,
	}, nil
}

// authenticateClient authenticates the client with the method it registered
// (RFC 6749 section 2.3, OpenID Connect Core section 9). Using another
// method, or two at once, fails.
func (p *Provider) authenticateClient(ctx context.Context, r *http.Request, form url.Values) (*sigil.Client, error) {
	basicID, basicSecret, hasBasic := r.BasicAuth()
	if hasBasic {
		// RFC 6749 section 2.3.1: both parts are form-urlencoded first.
		var err1, err2 error
		basicID, err1 = url.QueryUnescape(basicID)
		basicSecret, err2 = url.QueryUnescape(basicSecret)
		if err1 != nil || err2 != nil {
			return nil, oautherr.ErrInvalidRequest.WithHint("The client credentials in the Authorization header are not form-urlencoded correctly.")
		}
	}
	postSecret := form.Get("client_secret")
	if hasBasic && postSecret != "" {
		return nil, oautherr.ErrInvalidRequest.WithHint("The client authenticated with both client_secret_basic and client_secret_post; use one method.")
	}
	id := form.Get("client_id")
	if hasBasic {
		if id != "" && id != basicID {
			return nil, oautherr.ErrInvalidRequest.WithHint("The client_id in the body differs from the one in the Authorization header.")
		}
		id = basicID
	}
	if id == "" {
		return nil, oautherr.ErrInvalidClient.WithHint("No client authentication was included: send client_id (and the secret with the client's registered method).")
	}
	client, err := p.Store.GetClient(ctx, id)
	if errors.Is(err, sigil.ErrNotFound) {
		return nil, oautherr.ErrInvalidClient.WithHint("No client is registered with client_id %q.", id)
	}
	if err != nil {
		return nil, fmt.Errorf("load client %q: %w", id, err)
	}
	var presented string
	switch method := client.TokenEndpointAuthMethod; method {
	case sigil.AuthMethodNone:
		if hasBasic || postSecret != "" {
			return nil, oautherr.ErrInvalidClient.WithHint("Client %q is public (token_endpoint_auth_method none) and must not send a secret.", id)
		}
		return client, nil
	case sigil.AuthMethodClientSecretBasic:
		if !hasBasic {
			return nil, oautherr.ErrInvalidClient.WithHint("Client %q must authenticate with HTTP Basic (client_secret_basic).", id)
		}
		presented = basicSecret
	case sigil.AuthMethodClientSecretPost:
		if postSecret == "" {
			return nil, oautherr.ErrInvalidClient.WithHint("Client %q must send client_secret in the form body (client_secret_post).", id)
		}
		presented = postSecret
	default:
		return nil, oautherr.ErrMisconfiguration.WithHint("Client %q has an unsupported token_endpoint_auth_method.", id)
	}
	sum := sha256.Sum256([]byte(presented))
	if len(client.SecretHash) != len(sum) || subtle.ConstantTimeCompare(sum[:], client.SecretHash) != 1 {
		return nil, oautherr.ErrInvalidClient.WithHint("The client secret of client %q is wrong.", id)
	}
	return client, nil
}
