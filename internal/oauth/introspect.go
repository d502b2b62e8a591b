package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/oidc"
)

// Introspection is the introspection response of RFC 7662 section 2.2. An
// inactive token is answered {"active":false} and nothing else (every other
// field is omitted when empty), so the answer reveals nothing about a token
// that is unknown, expired or revoked.
type Introspection struct {
	Active   bool   `json:"active"`
	Scope    string `json:"scope,omitempty"`
	ClientID string `json:"client_id,omitempty"`
	// Subject is the person the token acts for, as the token's client sees
	// them (the domain, or its pairwise sub); a client credentials token
	// has none, and no sub.
	Subject string `json:"sub,omitempty"`
	// Audience is an access token's audience (RFC 8707, RFC 9068 section
	// 3): the resources its requests named, else the client itself. It is
	// always an array, even of one: RFC 7662 section 2.2 allows a string
	// or an array, and Hydra, whose resource servers call the admin path,
	// always answers an array, which its SDK's type requires.
	Audience  []string `json:"aud,omitempty"`
	ExpiresAt int64    `json:"exp,omitempty"`
	IssuedAt  int64    `json:"iat,omitempty"`
	Issuer    string   `json:"iss,omitempty"`
	// TokenType is "Bearer", the token_type of the token response (RFC
	// 7662 section 2.2 refers to RFC 6749 section 5.1), for both tokens,
	// as Hydra answers.
	TokenType string `json:"token_type,omitempty"`
	// TokenUse is access_token or refresh_token, Hydra's extension: a
	// resource server must accept only access tokens, and resource servers
	// written against Hydra check this field.
	TokenUse string `json:"token_use,omitempty"`
}

// Introspect serves POST /oauth2/introspect (RFC 7662). The caller
// authenticates as at the token endpoint (section 2.1 requires
// authentication), and any confidential client may introspect any token:
// a resource server is registered as a confidential client (for example
// one with only the client_credentials grant). Hydra serves introspection
// on its admin listener alone; AdminIntrospect is that path. A public
// client proves nothing by sending its client_id, so it is refused like an
// unauthenticated caller: 401 invalid_client (section 2.3).
func (p *Provider) Introspect(w http.ResponseWriter, r *http.Request) {
	resp, err := p.introspectAsClient(r)
	if err != nil {
		p.writeClientError(w, r, err, "introspection failed")
		return
	}
	writeIntrospection(w, resp)
}

// AdminIntrospect serves POST /admin/oauth2/introspect on the admin
// listener, the path Hydra's resource servers call: the same form and
// answer as Introspect, for a caller that the admin API has already
// authenticated with the admin token, so it takes no client credentials.
func (p *Provider) AdminIntrospect(w http.ResponseWriter, r *http.Request) {
	resp, err := p.adminIntrospect(r)
	if err != nil {
		if e := oautherr.From(err); e.Status >= 500 {
			p.Log.Error("admin introspection failed", "err", err)
		}
		oautherr.WriteJSON(w, err)
		return
	}
	writeIntrospection(w, resp)
}

const introspectionRequest = "The introspection request (RFC 7662 section 2.1)"

func (p *Provider) introspectAsClient(r *http.Request) (*Introspection, error) {
	form, err := parseForm(r, introspectionRequest)
	if err != nil {
		return nil, err
	}
	client, err := p.authenticateClient(r.Context(), r, form)
	if err != nil {
		return nil, err
	}
	if client.Public() {
		return nil, oautherr.ErrInvalidClient.WithHint("Client '%s' is public (token_endpoint_auth_method none) and cannot authenticate; introspection needs the credentials of a confidential client (RFC 7662 section 2.1).", client.ID)
	}
	return p.introspect(r.Context(), form)
}

func (p *Provider) adminIntrospect(r *http.Request) (*Introspection, error) {
	form, err := parseForm(r, introspectionRequest)
	if err != nil {
		return nil, err
	}
	return p.introspect(r.Context(), form)
}

// introspect answers for the token in form. Its prefix tells which token
// it is, so token_type_hint (section 2.1) is accepted, whatever its value,
// and never needed; a string without a known prefix is inactive without a
// database read. Hydra's optional scope parameter is honoured too: a token
// not granted every scope it lists is inactive.
//
// iat is when the token was issued, as the store recorded it (see
// issuedAt).
func (p *Provider) introspect(ctx context.Context, form url.Values) (*Introspection, error) {
	token := form.Get("token")
	if token == "" {
		return nil, oautherr.ErrInvalidRequest.WithHint("The token parameter is missing.")
	}
	now := p.Now()
	var (
		a        *sigil.Authorization
		err      error
		use      string
		hash     []byte // the token's keyed hash, for revocation
		exp      time.Time
		lifetime time.Duration
	)
	switch {
	case strings.HasPrefix(token, AccessTokenPrefix):
		use, lifetime = "access_token", p.Lifetimes.AccessToken
		hash = p.Secrets.HashToken(token)
		a, err = p.Store.GetAuthorizationByAccessToken(ctx, hash, now)
		if err == nil {
			exp = a.AccessTokenExpiresAt
		}
	case strings.HasPrefix(token, RefreshTokenPrefix):
		use, lifetime = "refresh_token", p.Lifetimes.RefreshToken
		hash = p.Secrets.HashToken(token)
		a, err = p.Store.GetAuthorizationByRefreshToken(ctx, hash, now)
		if err == nil {
			exp = a.RefreshTokenExpiresAt
		}
	case oidc.LooksLikeJWT(token):
		// An RFC 9068 access token: its jti names its row (see
		// oidc.AccessTokenKey); one that does not verify is inactive.
		key, ok := oidc.AccessTokenKey(p.Signer, p.IssuerString(), token)
		if !ok {
			return &Introspection{}, nil
		}
		use, lifetime = "access_token", p.Lifetimes.AccessToken
		hash = p.Secrets.HashToken(key)
		a, err = p.Store.GetAuthorizationByAccessToken(ctx, hash, now)
		if err == nil {
			exp = a.AccessTokenExpiresAt
		}
	default:
		return &Introspection{}, nil
	}
	switch {
	case errors.Is(err, sigil.ErrNotFound):
		return &Introspection{}, nil
	case err != nil:
		return nil, fmt.Errorf("introspect %s: %w", use, err)
	}
	for _, s := range sigil.ParseScopes(form.Get("scope")) {
		if !a.GrantedScope.Has(s) {
			return &Introspection{}, nil
		}
	}
	// A grant whose domain changed hands is inactive, and revoked
	// (ownerChanged): a resource server must stop serving the previous
	// owner within the resolver cache's bound. A client credentials token
	// has no domain and is not checked.
	var sub string
	if !a.ForClient() {
		if p.ownerChanged(ctx, a, hash, "introspect") {
			return &Introspection{}, nil
		}
		// sub as the token's client sees it; the client comes from the
		// client cache, so this costs no statement.
		client, err := p.Store.GetClient(ctx, a.ClientID)
		switch {
		case errors.Is(err, sigil.ErrNotFound):
			return &Introspection{}, nil // the client was just deleted
		case err != nil:
			return nil, fmt.Errorf("introspect: read client %q: %w", a.ClientID, err)
		}
		sub = p.subject(client, a)
	}
	out := &Introspection{
		Active:    true,
		Scope:     a.GrantedScope.String(),
		ClientID:  a.ClientID,
		ExpiresAt: exp.Unix(),
		IssuedAt:  issuedAt(a, exp, lifetime, now).Unix(),
		Issuer:    p.IssuerString(),
		TokenType: "Bearer",
		TokenUse:  use,
	}
	out.Subject = sub // empty, so left out, for a client credentials token
	if use == "access_token" {
		out.Audience = a.TokenAudience()
	}
	return out, nil
}

// issuedAt is when a's current tokens were issued: the time the store
// recorded with them (migration 12). A token issued before that has none,
// and gets the estimate iat had before: its expiry less the lifetime
// configured now, which is exact unless the lifetime was changed since;
// capped at now, so that a lifetime shortened since then never puts iat in
// the future, where a resource server that checks it would refuse the
// token.
func issuedAt(a *sigil.Authorization, exp time.Time, lifetime time.Duration, now time.Time) time.Time {
	if !a.TokensIssuedAt.IsZero() {
		return a.TokensIssuedAt
	}
	if iat := exp.Add(-lifetime); iat.Before(now) {
		return iat
	}
	return now
}

// writeIntrospection answers resp; like token responses, introspection
// responses are never cached (RFC 7662 section 4).
func writeIntrospection(w http.ResponseWriter, resp *Introspection) {
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	_ = json.NewEncoder(w).Encode(resp)
}
