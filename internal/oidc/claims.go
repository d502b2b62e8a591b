// Package oidc is the OpenID Connect layer on top of the OAuth 2.0 server:
// the claims of ID tokens and userinfo, the discovery document, the JWKS and
// the userinfo endpoint.
package oidc

import (
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/secret"
)

// ACR is the Authentication Context Class Reference of a wallet signature,
// as Login with Unstoppable named it.
const ACR = "sig"

// AMR returns the authentication methods of a signature by address, as
// Login with Unstoppable writes them (@uauth/js reads element 3 of the
// second entry, split on ".", as the signing address).
func AMR(address string) []string {
	return []string{"swk", "v1.sig.ethereum." + address}
}

// IDTokenClaims returns the claims of the ID token issued with accessToken
// for a (OpenID Connect Core sections 2 and 3.1.3.6).
func IDTokenClaims(issuer string, a *sigil.Authorization, accessToken string, now time.Time, ttl time.Duration) map[string]any {
	c := PersonClaims(a)
	c["iss"] = issuer
	c["aud"] = a.ClientID
	c["iat"] = now.Unix()
	c["exp"] = now.Add(ttl).Unix()
	c["auth_time"] = a.AuthTime.Unix()
	c["jti"] = secret.RandomString(16)
	if a.Nonce != "" {
		c["nonce"] = a.Nonce
	}
	if a.SessionID != "" {
		c["sid"] = a.SessionID
	}
	if accessToken != "" {
		c["at_hash"] = AtHash(accessToken)
	}
	return c
}

// PersonClaims returns the claims about the person that both the ID token
// and userinfo carry, limited to the granted scopes.
func PersonClaims(a *sigil.Authorization) map[string]any {
	c := map[string]any{
		"sub": a.Subject,
		"acr": ACR,
		"amr": AMR(a.Address),
	}
	if a.GrantedScope.Has("wallet") {
		c["wallet_address"] = a.Address
		c["wallet_type_hint"] = a.WalletTypeHint
		c["eip4361_message"] = a.Message
		c["eip4361_signature"] = a.Signature
	}
	return c
}

// AtHash is the at_hash of an RS256 ID token: the left half of SHA-256 of
// the access token, base64url (OpenID Connect Core section 3.1.3.6).
func AtHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}
