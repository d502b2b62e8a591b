package sigil

import (
	"context"
	"time"
)

// Store is everything Sigil keeps. Every backend (SQLite, PostgreSQL) passes
// the same conformance suite in internal/store/storetest; callers rely only on
// what that suite checks.
//
// Transitions of an Authorization are conditional single writes: each names
// the state it expects and returns ErrConflict when the record is not in it
// (already used, expired, or bound to another browser), and ErrNotFound when
// it does not exist.
type Store interface {
	// Clients.
	CreateClient(ctx context.Context, c *Client) error
	GetClient(ctx context.Context, id string) (*Client, error)
	ListClients(ctx context.Context) ([]*Client, error)
	UpdateClient(ctx context.Context, c *Client) error
	// DeleteClient also deletes the client's authorizations (so their
	// tokens stop working) and consents.
	DeleteClient(ctx context.Context, id string) error

	// CreateAuthorization stores a validated authorization request (state
	// requested). An existing id is ErrConflict, an unknown client
	// ErrNotFound.
	CreateAuthorization(ctx context.Context, a *Authorization) error
	// GetAuthorization reads an authorization by flow id, with
	// RememberedScope (for its client and subject) and the client's name,
	// logo and links filled in. An authorization past ExpiresAt still reads; callers
	// decide.
	GetAuthorization(ctx context.Context, id string) (*Authorization, error)
	// GetAuthorizationByAccessToken reads the authorization whose current
	// access token hashes to hash, if that token has not expired at now and
	// the authorization is not revoked.
	GetAuthorizationByAccessToken(ctx context.Context, hash []byte, now time.Time) (*Authorization, error)

	// ChallengeAuthorization records a sign-in challenge on an authorization
	// that is requested or challenged (a new challenge replaces an old one),
	// bound to browserHash and not expired at now. It returns the updated
	// authorization with RememberedScope (for the new subject) filled in,
	// but not the client's name and logo.
	ChallengeAuthorization(ctx context.Context, id string, browserHash []byte, ch Challenge, now time.Time) (*Authorization, error)
	// AuthenticateAuthorization records a verified signature on an
	// authorization that is challenged with auth.ChallengeNonce, bound to
	// browserHash, and whose challenge has not expired at now. With
	// auth.GrantedScope set it also issues the code (state code_issued);
	// otherwise the state becomes authenticated. With auth.Session set it
	// also stores that session, for the authorization's subject, address
	// and client, and stores nothing when the authorization does not match.
	AuthenticateAuthorization(ctx context.Context, id string, browserHash []byte, auth Authentication, now time.Time) (*Authorization, error)
	// GrantAuthorization records consent on an authenticated authorization
	// and issues its code (state code_issued).
	GrantAuthorization(ctx context.Context, id string, browserHash []byte, granted Scopes, codeHash []byte, codeExpiresAt, now time.Time) (*Authorization, error)
	// RejectAuthorization records that the person declined (state rejected);
	// allowed from requested, challenged or authenticated.
	RejectAuthorization(ctx context.Context, id string, browserHash []byte, now time.Time) (*Authorization, error)
	// ResumeAuthorization signs a requested authorization in with an existing
	// browser session (single sign-on): it records auth, whose Subject and
	// Address come from the session, and becomes authenticated, or
	// code_issued when auth.GrantedScope is set.
	ResumeAuthorization(ctx context.Context, id string, browserHash []byte, auth Authentication, now time.Time) (*Authorization, error)

	// ExchangeCode redeems a code: the authorization must be code_issued,
	// its code unexpired at now, and client, redirect URI and PKCE challenge
	// must all match. It then becomes exchanged with the given access token,
	// and with the given refresh token only when the granted scope includes
	// offline or offline_access (the returned RefreshFamily says whether);
	// both are issued at now (TokensIssuedAt).
	// On a mismatch it returns ErrNotFound and changes nothing, except that a
	// code that was already exchanged revokes its authorization (RFC 6749
	// section 4.1.2, RFC 9700 section 4.5) and returns ErrConflict when the
	// replay comes from the code's own client, proven: ex.ClientID is that
	// client and either it is confidential (the token endpoint
	// authenticated it) or the PKCE verifier matches. A used code presented
	// by anyone else is ErrNotFound and changes nothing.
	ExchangeCode(ctx context.Context, ex CodeExchange, now time.Time) (*Authorization, error)

	// RefreshAuthorization redeems a refresh token: the authorization with
	// ex.Family must be exchanged, belong to ex.ClientID, hold ex.TokenHash
	// as its current refresh token, unexpired at now. It rotates the refresh
	// token and the access token, issued at now (TokensIssuedAt), in the
	// same write; a non-empty ex.Scope must equal the granted scope. A
	// token of the family that is not the current one is reuse: the
	// authorization is revoked and ErrConflict returned. Anything else is
	// ErrNotFound.
	RefreshAuthorization(ctx context.Context, ex RefreshExchange, now time.Time) (*Authorization, error)
	// RevokeToken revokes the authorization whose access or refresh token
	// hashes to hash, if it belongs to clientID (RFC 7009 section 2.1: a
	// refresh token revokes the whole grant, and so does an access token
	// here, since one authorization holds both). Unknown tokens are not an
	// error (section 2.2).
	RevokeToken(ctx context.Context, hash []byte, clientID string) error

	// CreateClientToken stores, in one write, an access token of the client
	// credentials grant as an authorization that is exchanged from the
	// start (see ClientToken): tok.ID, tok.ClientID, tok.AccessTokenHash,
	// tok.IssuedAt and tok.ExpiresAt are required. From then on the token
	// reads with GetAuthorizationByAccessToken (Subject empty, GrantedScope
	// tok.Scope, Audience tok.Audience, RequestedAt and TokensIssuedAt tok.IssuedAt,
	// AccessTokenExpiresAt and ExpiresAt tok.ExpiresAt) until tok.ExpiresAt, RevokeToken revokes it
	// for tok.ClientID, and DeleteExpired removes it after tok.ExpiresAt. An
	// unknown client is ErrNotFound; an id or token hash already stored is
	// ErrConflict.
	CreateClientToken(ctx context.Context, tok ClientToken) error
	// GetAuthorizationByRefreshToken reads the authorization whose current
	// refresh token hashes to hash, if that token has not expired at now and
	// the authorization is exchanged (not revoked). A rotated-out token
	// reads as ErrNotFound and, unlike RefreshAuthorization, revokes
	// nothing: this is a read (for introspection, RFC 7662).
	GetAuthorizationByRefreshToken(ctx context.Context, hash []byte, now time.Time) (*Authorization, error)

	// Consents remembered by people.
	SaveConsent(ctx context.Context, c Consent) error
	// GetConsent returns the scopes subject granted clientID and asked to
	// remember, or ErrNotFound.
	GetConsent(ctx context.Context, subject, clientID string) (Scopes, error)

	// ListSigningKeys returns every signing key in Generation order, oldest
	// first, and an empty slice when there is none. Every node polls it to
	// pick up keys other nodes added, so it must stay one cheap statement.
	ListSigningKeys(ctx context.Context) ([]SigningKey, error)
	// CreateSigningKey stores k. ID, Generation (1 or more), Sealed,
	// CreatedAt and ActivatesAt are required. An existing ID or an existing
	// Generation is ErrConflict: of two nodes storing generation 1 on an
	// empty database at once, exactly one succeeds, and the other reads
	// the winner's key back.
	CreateSigningKey(ctx context.Context, k SigningKey) error
	// ExtendSigningKeyRetention raises the Retention of the key id to
	// retention when it is shorter, in one conditional write, so that of
	// nodes raising it at once the longest wins. A key not stored, or
	// already kept that long, is no error.
	ExtendSigningKeyRetention(ctx context.Context, id string, retention time.Duration) error
	// DeleteSigningKey deletes the key id, if it is stored: nil either way,
	// since every node of a fleet may delete the same expired key.
	DeleteSigningKey(ctx context.Context, id string) error

	// Sessions: a person's sign-in in one browser, keyed by its sid (see
	// Session), so that it can be ended for every copy of its cookie.

	// CreateSession stores a live session. ID, Subject, AuthTime and
	// ExpiresAt are required; Clients holds the client it first signed in
	// to. An existing ID is ErrConflict.
	CreateSession(ctx context.Context, s Session) error
	// GetSession reads a session by id, live or ended, or ErrNotFound once
	// DeleteExpired removed it.
	GetSession(ctx context.Context, id string) (*Session, error)
	// ResumeSession records, in one write, that the session id signs in to
	// clientID (single sign-on): clientID is added to Clients unless it is
	// there. The session must be live at now (not ended, not expired);
	// otherwise ErrNotFound and nothing changes. It returns the session and
	// the scopes its subject granted clientID and asked to remember (nil
	// when none), so that single sign-on needs no read of its own.
	ResumeSession(ctx context.Context, id, clientID string, now time.Time) (*Session, Scopes, error)
	// ListSessions returns the sessions of subject that are live at now,
	// newest sign-in first, and an empty slice when there is none.
	ListSessions(ctx context.Context, subject string, now time.Time) ([]Session, error)
	// EndSession ends the live session id at now and returns it as ended
	// (with its Clients, for back-channel logout). A session that is
	// absent, expired or already ended is ErrNotFound.
	EndSession(ctx context.Context, id string, now time.Time) (*Session, error)
	// EndSessions ends every session of subject that is live at now and
	// returns them as ended; an empty slice when there was none.
	EndSessions(ctx context.Context, subject string, now time.Time) ([]Session, error)
	// ListConsents returns the consents subject asked Sigil to remember,
	// ordered by client id, and an empty slice when there is none.
	ListConsents(ctx context.Context, subject string) ([]Consent, error)
	// RevokeConsent forgets subject's consent to clientID and revokes the
	// authorizations of subject at clientID that hold a code or tokens
	// (state revoked), so that their codes, access and refresh tokens stop
	// working. ErrNotFound when there was neither a consent nor such an
	// authorization.
	RevokeConsent(ctx context.Context, subject, clientID string) error

	// DeleteExpired removes authorizations whose last token or step expired
	// before cutoff, so tables stay bounded without an external janitor:
	// those with max(ExpiresAt, CodeExpiresAt, AccessTokenExpiresAt,
	// RefreshTokenExpiresAt) < cutoff, unset times not counting. It returns how many it removed.
	// It also removes sessions that expired or were ended before cutoff
	// (counted too): back-channel logout takes what it needs when a session
	// ends, so an ended session's row has no further use.
	DeleteExpired(ctx context.Context, cutoff time.Time) (int64, error)

	// Back-channel logout outbox (OpenID Connect Back-Channel Logout 1.0,
	// package internal/backchannel): notices are written durably when a
	// session ends and delivered by workers on any node.
	//
	// EnqueueLogoutNotices stores, in one write, each notice whose client
	// exists and has a backchannel_logout_uri, created and due at now with
	// no attempt made; ID, ClientID and Subject are required. Notices of a
	// client without that URI, and a second notice for the same non-empty
	// SessionID and ClientID, are skipped, not errors. It returns how many
	// were stored.
	EnqueueLogoutNotices(ctx context.Context, notices []LogoutNotice, now time.Time) (int64, error)
	// ClaimLogoutNotices leases up to limit notices due at now, oldest due
	// first, in one write: each gets Lease lease, one more Attempts, and is
	// not due again before until, so no other caller claims it meanwhile
	// (of two racing callers, each notice goes to one). A notice whose
	// holder never finishes is due again at until. Notices of the clients
	// in except are skipped, and at most perClient notices of any one
	// client are taken (its oldest due), so that a caller can cap the
	// requests it has open to each relying party (the worker passes the
	// clients it is already sending to). limit and perClient must be 1 or
	// more; except may be empty.
	ClaimLogoutNotices(ctx context.Context, lease string, now, until time.Time, limit, perClient int, except []string) ([]LogoutNotice, error)
	// RescheduleLogoutNotice releases a claimed notice after a failed
	// attempt: due again at due, with lastError kept for operators. It is
	// ErrNotFound when the notice is gone or no longer held under lease.
	RescheduleLogoutNotice(ctx context.Context, id, lease string, due time.Time, lastError string) error
	// DeleteLogoutNotice removes a notice (delivered, or given up); a
	// missing one is ErrNotFound.
	DeleteLogoutNotice(ctx context.Context, id string) error

	// Close releases the backend's resources.
	Close() error
}

// LogoutNotice is one logout token still to deliver: session SessionID of
// Subject ended, and ClientID, which that session signed in to, is to be
// told at its backchannel_logout_uri (OpenID Connect Back-Channel Logout
// 1.0 section 2.5). The token itself is signed at each attempt, so that
// its short expiry holds however late the attempt is.
type LogoutNotice struct {
	ID        string
	ClientID  string
	SessionID string
	Subject   string
	CreatedAt time.Time
	// Attempts counts the attempts begun, the current one included once
	// the notice is claimed.
	Attempts int
	// Lease names the claim that holds the notice (see
	// Store.ClaimLogoutNotices); empty when nobody holds it.
	Lease string
	// LastError says why the previous attempt failed.
	LastError string
}
