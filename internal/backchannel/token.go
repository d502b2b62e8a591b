package backchannel

import (
	"crypto/rand"
	"encoding/base64"
	"time"

	"github.com/sigil-oidc/sigil"
)

// EventBackchannelLogout is the member of the events claim that declares a
// JWT to be a logout token (Back-Channel Logout 1.0 section 2.4).
const EventBackchannelLogout = "http://schemas.openid.net/event/backchannel-logout"

// TokenType is the typ header of every logout token. Section 2.4 recommends
// explicit typing and section 4.1 explains why: a logout token can then
// never pass for an ID token or an access token, nor they for it.
const TokenType = "logout+jwt"

// TokenLifetime is how long a logout token is valid. Section 2.4 recommends
// a short lifetime, two minutes for example: the token is signed just
// before each attempt, so it never needs to outlive one delivery.
const TokenLifetime = 2 * time.Minute

// Claims are the claims of a logout token (Back-Channel Logout 1.0 section
// 2.4). There is deliberately no nonce field: section 2.4 prohibits it, so
// that a logout token can never be replayed as an ID token.
type Claims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub,omitempty"`
	Audience string `json:"aud"`
	IssuedAt int64  `json:"iat"`
	Expiry   int64  `json:"exp"`
	ID       string `json:"jti"`
	// Events holds the one member EventBackchannelLogout, whose value is
	// the empty object (section 2.4: it SHOULD be {}).
	Events map[string]struct{} `json:"events"`
	// SessionID is the sid of the ended session, the same value as the
	// sid claim of the ID tokens that session issued.
	SessionID string `json:"sid,omitempty"`
}

// NewClaims returns the claims of a logout token for clientID telling it
// that the session sid of subject ended, issued at now. Sigil puts sub in
// every token of a public client (a pairwise client's has none, see
// logoutSubject) and sid whenever the session has one (every session does),
// which satisfies backchannel_logout_session_required and lets a relying
// party match on either (section 2.4: a token must hold sub, sid or both).
// The jti is 128 random bits, fresh for every token.
func NewClaims(issuer, clientID, subject, sid string, now time.Time) Claims {
	return Claims{
		Issuer:    issuer,
		Subject:   subject,
		Audience:  clientID,
		IssuedAt:  now.Unix(),
		Expiry:    now.Add(TokenLifetime).Unix(),
		ID:        randomID(),
		Events:    map[string]struct{}{EventBackchannelLogout: {}},
		SessionID: sid,
	}
}

// logoutSubject is the sub of a logout token for client: the domain for a
// public client, and none for a pairwise client, whose sub names the
// owning wallet, which a notice does not record. The token then names the
// session by sid alone, which section 2.4 allows (sub, sid or both) and
// which every notice of a session carries: the sid of the ID tokens that
// session issued to the client.
func logoutSubject(client *sigil.Client, notice sigil.LogoutNotice) string {
	if client.Pairwise() {
		return ""
	}
	return notice.Subject
}

// randomID returns 128 random bits, base64url-encoded.
func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}
