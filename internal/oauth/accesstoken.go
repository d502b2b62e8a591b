package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/keys"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/oidc"
	"github.com/sigil-oidc/sigil/internal/secret"
)

// newAccessToken prepares the access token of a token response for
// client, and the keyed hash the store keeps for it. An opaque token (the
// default) is its own secret. For a client registered for JWT access
// tokens (RFC 9068) token is a fresh jti instead, and the store keeps the
// hash of oidc.JWTAccessTokenKey(jti): the JWT's claims need the
// authorization that the store's one write returns, so it is signed after
// that write (finishAccessToken), and the jti is what ties it to the row,
// so that revocation and introspection answer for it as for an opaque
// token. Either way the token costs no extra statement.
func (p *Provider) newAccessToken(client *sigil.Client) (token string, hash []byte) {
	if client.JWTAccessTokens() {
		jti := secret.RandomString(32)
		return jti, p.Secrets.HashToken(oidc.JWTAccessTokenKey(jti))
	}
	token = secret.NewToken(AccessTokenPrefix)
	return token, p.Secrets.HashToken(token)
}

// finishAccessToken returns the access token to answer: an opaque token as
// it is, or for a JWT client the RFC 9068 token for the jti that
// newAccessToken returned, signed with the provider's current RS256 key
// with typ at+jwt (section 2.1).
func (p *Provider) finishAccessToken(client *sigil.Client, a *sigil.Authorization, token string, now time.Time) (string, error) {
	if !client.JWTAccessTokens() {
		return token, nil
	}
	jwt, err := p.Signer.Sign(oidc.JWTAccessTokenAlg, oidc.AccessTokenClaims(p.IssuerString(), a, p.subject(client, a), token, now), keys.TypeAccessToken)
	if err != nil {
		return "", fmt.Errorf("sign access token: %w", err)
	}
	return jwt, nil
}

// resourceParams validates the resource parameters of a request (RFC 8707
// section 2): each an absolute URI without a fragment, each registered for
// client (its resources metadata), none twice counted. It returns them in
// the order sent, nil when there is none, and otherwise invalid_target
// with a hint.
func resourceParams(client *sigil.Client, values []string) ([]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(values))
	for _, v := range values {
		u, err := url.Parse(v)
		// strings.Contains also catches an empty fragment
		// ("https://api.example/#"), which url.Parse does not report.
		if err != nil || !u.IsAbs() || strings.Contains(v, "#") {
			return nil, oautherr.ErrInvalidTarget.WithHint("The resource '%s' is not an absolute URI without a fragment (RFC 8707 section 2).", oautherr.Shown(v))
		}
		if !slices.Contains(client.Resources, v) {
			return nil, oautherr.ErrInvalidTarget.WithHint("The resource '%s' is not registered for client '%s'; register it in the client's resources, or name one of them.", oautherr.Shown(v), client.ID)
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out, nil
}

// firstOutside returns the first of requested that authorized does not
// hold, "" when all are within it.
func firstOutside(requested, authorized []string) string {
	for _, r := range requested {
		if !slices.Contains(authorized, r) {
			return r
		}
	}
	return ""
}

// checkGrantedTarget checks, after the code exchange's one write, what only
// the stored authorization tells: that the token request's resources are
// within those its authorization request named (RFC 8707 section 2.2), and
// that the person who signed in is the one a sub value in its claims
// request demanded (OpenID Connect Core section 5.5.1). When either fails
// the tokens just written are revoked (the code is spent, as a code is
// single use) and the error says why. A request without resource and an
// authorization without claims request cost nothing here.
func (p *Provider) checkGrantedTarget(ctx context.Context, client *sigil.Client, a *sigil.Authorization, resources []string, accessHash []byte) error {
	if len(resources) == 0 && a.ClaimsRequest == "" {
		return nil
	}
	var fail error
	if r := firstOutside(resources, a.Resources); r != "" {
		fail = oautherr.ErrInvalidTarget.WithHint("The resource '%s' was not named in the authorization request, and a token request may only name resources the authorization request named (RFC 8707 section 2.2). The code is now used up; send a new authorization request that names it.", oautherr.Shown(r))
	} else if sub := oidc.RequestedSubject(a.ClaimsRequest); sub != "" && sub != p.subject(client, a) {
		// The sub the client asked for is in its own subject space
		// (pairwise or the domain).
		fail = oautherr.ErrInvalidGrant.WithHint("The claims parameter asked for the person '%s', and another person signed in; no token is issued for them (OpenID Connect Core section 5.5.1).", oautherr.Shown(sub))
	}
	if fail == nil {
		return nil
	}
	if err := p.Store.RevokeToken(ctx, accessHash, client.ID); err != nil {
		return fmt.Errorf("revoke the tokens of a refused exchange: %w", err)
	}
	return fail
}

// refreshResources validates the resource parameters of a refresh (RFC
// 8707 section 2.2): registered for the client, and within the resources
// of the refresh token's authorization. That needs the authorization
// before the rotating write, so a refresh that names a resource reads it
// first (a refresh without one reads nothing more); an authorization's
// resources never change, so the read cannot go stale before the write. A
// token that does not read here (unknown, rotated out, revoked) is left
// for the write to refuse, which also detects reuse.
func (p *Provider) refreshResources(ctx context.Context, client *sigil.Client, values []string, tokenHash []byte, now time.Time) ([]string, error) {
	resources, err := resourceParams(client, values)
	if err != nil || len(resources) == 0 {
		return resources, err
	}
	a, err := p.Store.GetAuthorizationByRefreshToken(ctx, tokenHash, now)
	switch {
	case errors.Is(err, sigil.ErrNotFound):
		return resources, nil
	case err != nil:
		return nil, fmt.Errorf("read the refresh token's authorization: %w", err)
	}
	if r := firstOutside(resources, a.Resources); r != "" && a.ClientID == client.ID {
		return nil, oautherr.ErrInvalidTarget.WithHint("The resource '%s' was not named in the authorization request, and a refresh may only name resources the authorization request named (RFC 8707 section 2.2); omit it, or send a new authorization request that names it.", oautherr.Shown(r))
	}
	return resources, nil
}
