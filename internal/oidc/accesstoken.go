package oidc

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/keys"
)

// JWTAccessTokenAlg signs RFC 9068 access tokens: RS256, the one algorithm
// section 2.1 requires every resource server and authorization server to
// support, so any resource server library verifies them. (A client's
// id_token_signed_response_alg says nothing about its resource servers.)
const JWTAccessTokenAlg = sigil.AlgRS256

// jwtKeyPrefix starts the string whose keyed hash the store holds for a
// JWT access token: the prefix and the token's jti. Only a token whose
// signature verifies yields its jti, and an opaque token always starts
// with AccessTokenPrefix, so neither kind of token can be made to read as
// the other.
const jwtKeyPrefix = "jwt:"

// JWTAccessTokenKey is what a JWT access token with jti is stored as: the
// store keeps the keyed hash of this string in the place of an opaque
// token's hash, so revocation, introspection, refresh rotation and expiry
// treat both kinds alike.
func JWTAccessTokenKey(jti string) string { return jwtKeyPrefix + jti }

// AccessTokenClaims are the claims of an RFC 9068 JWT access token for a's
// current access token (section 2.2): iss, exp, aud, sub, client_id, iat,
// jti, scope and, when a person signed in, auth_time (section 2.2.1). sub
// is the person's subject as the client sees it (Subject); a client
// credentials token acts for the client, so its sub is the client_id
// (section 2.2). aud is a.TokenAudience(): a single audience is a string,
// several an array (RFC 7519 section 4.1.3).
func AccessTokenClaims(issuer string, a *sigil.Authorization, sub, jti string, now time.Time) map[string]any {
	if a.ForClient() {
		sub = a.ClientID
	}
	c := map[string]any{
		"iss":       issuer,
		"sub":       sub,
		"aud":       audienceClaim(a.TokenAudience()),
		"client_id": a.ClientID,
		"exp":       a.AccessTokenExpiresAt.Unix(),
		"iat":       now.Unix(),
		"jti":       jti,
	}
	if len(a.GrantedScope) > 0 {
		c["scope"] = a.GrantedScope.String()
	}
	if !a.ForClient() && !a.AuthTime.IsZero() {
		c["auth_time"] = a.AuthTime.Unix()
	}
	return c
}

// audienceClaim is aud as RFC 7519 section 4.1.3 writes it: one audience
// as a string, several as an array.
func audienceClaim(aud []string) any {
	if len(aud) == 1 {
		return aud[0]
	}
	return aud
}

// AudienceClaim is the aud of an introspection answer (RFC 7662 section
// 2.2), written like the JWT claim.
func AudienceClaim(aud []string) any { return audienceClaim(aud) }

// LooksLikeJWT reports whether token has the shape of a JWS in compact
// serialization (three dot-separated parts), so that other strings are
// refused without any cryptography.
func LooksLikeJWT(token string) bool { return strings.Count(token, ".") == 2 }

// AccessTokenKey returns the string whose keyed hash the store holds for
// the presented access token: an opaque token (AccessTokenPrefix) is its
// own key; a JWT access token is JWTAccessTokenKey(jti) when its signature
// verifies with one of signer's published keys, its header says typ
// at+jwt (RFC 9068 section 4: so an ID token or a logout token never
// passes as an access token), and its iss is issuer. ok is false for
// anything else. Expiry and revocation are the store's to decide, for both
// kinds alike.
func AccessTokenKey(signer *keys.Set, issuer, token string) (key string, ok bool) {
	if strings.HasPrefix(token, AccessTokenPrefix) {
		return token, true
	}
	if !LooksLikeJWT(token) {
		return "", false
	}
	payload, err := signer.VerifyType(token, keys.TypeAccessToken)
	if err != nil {
		return "", false
	}
	var claims struct {
		Iss string `json:"iss"`
		JTI string `json:"jti"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.Iss != issuer || claims.JTI == "" {
		return "", false
	}
	return JWTAccessTokenKey(claims.JTI), true
}
