package sigil

import "time"

// AuthorizationState is where an Authorization stands in its life. Each
// transition is a conditional write in the store (the row must be in the state
// the transition expects), which is what makes every step single use.
type AuthorizationState string

// The states of an Authorization, in order.
const (
	// StateRequested: the authorization request was validated; nobody has
	// signed in yet.
	StateRequested AuthorizationState = "requested"
	// StateChallenged: a domain was named and a sign-in message issued.
	StateChallenged AuthorizationState = "challenged"
	// StateAuthenticated: the domain's owner signed the message; consent is
	// pending.
	StateAuthenticated AuthorizationState = "authenticated"
	// StateCodeIssued: consent was given and an authorization code issued.
	StateCodeIssued AuthorizationState = "code_issued"
	// StateExchanged: the code was exchanged for tokens.
	StateExchanged AuthorizationState = "exchanged"
	// StateRejected: the person declined.
	StateRejected AuthorizationState = "rejected"
	// StateRevoked: every token of the authorization is revoked, for example
	// because its code was replayed (RFC 9700 section 4.5).
	StateRevoked AuthorizationState = "revoked"
)

// Authorization is one run of the authorization code flow, from the
// authorization request to the tokens it produced. Keeping the whole life in
// one record means each protocol step is one conditional write, which keeps a
// whole flow to a handful of SQL statements.
type Authorization struct {
	// ID is the login flow id, shown to the browser as ?flow= and used as the
	// Request ID of the signed message.
	ID string
	// BrowserHash is a keyed hash of the browser cookie this flow is bound to.
	BrowserHash []byte
	ClientID    string
	State       AuthorizationState

	// The authorization request (OpenID Connect Core 3.1.2.1).
	RedirectURI         string
	ResponseMode        string
	Scope               Scopes
	OAuthState          string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	Prompt              string
	// MaxAge is the max_age parameter in seconds; -1 when absent.
	MaxAge    int64
	LoginHint string
	// Resources are the RFC 8707 resource indicators the authorization
	// request named (section 2.1): the audiences its access tokens may
	// have. Empty when none was named.
	Resources []string
	// ClaimsRequest is the claims request parameter (OpenID Connect Core
	// section 5.5) as validated JSON; empty when none was sent.
	ClaimsRequest string
	RequestedAt   time.Time
	// ExpiresAt ends the login and consent steps (30 minutes after the request).
	ExpiresAt time.Time

	// The sign-in: the domain, its owner, and the message the owner signs.
	Subject            string
	Address            string
	ChallengeNonce     string
	ChallengeIssuedAt  time.Time
	ChallengeExpiresAt time.Time
	Message            string
	Signature          string
	WalletTypeHint     string
	AuthTime           time.Time
	SessionID          string
	// Records is the domain's records at sign-in, the source of the
	// per-scope claims (email, profile, social, ...). Only the keys Sigil
	// maps to claims are kept.
	Records map[string]string

	// Consent and the code.
	GrantedScope  Scopes
	CodeHash      []byte
	CodeExpiresAt time.Time

	// Tokens issued from the code.
	AccessTokenHash      []byte
	AccessTokenExpiresAt time.Time
	// TokensIssuedAt is when the current access token, and the refresh
	// token issued with it, were issued: at the code exchange, at the
	// latest refresh, or at the client credentials grant. It is
	// introspection's iat (RFC 7662 section 2.2). Zero for tokens issued
	// before the store recorded it (migration 12).
	TokensIssuedAt time.Time
	// Audience is what the current access token's token request named as
	// resource (RFC 8707 section 2.2), within Resources; empty when it
	// named none (see TokenAudience).
	Audience []string
	// RefreshFamily names the chain of refresh tokens of this
	// authorization (only with the offline scopes). Each refresh rotates
	// RefreshTokenHash; presenting an older token of the family is reuse
	// and revokes the whole authorization (RFC 9700 section 4.14.2).
	RefreshFamily         string
	RefreshTokenHash      []byte
	RefreshTokenExpiresAt time.Time

	// RememberedScope is filled on read: the scopes the subject has already
	// granted this client and asked Sigil to remember (nil when none).
	RememberedScope Scopes
	// ClientName, ClientLogoURI and the client's links are filled on read
	// for the pages, so a page costs one read.
	ClientName      string
	ClientLogoURI   string
	ClientURI       string
	ClientPolicyURI string
	ClientTosURI    string
}

// Challenge is what a sign-in challenge writes onto an Authorization.
type Challenge struct {
	Subject   string
	Address   string
	Nonce     string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Authentication is what a verified signature writes onto an Authorization.
// When GrantedScope is set (consent already remembered), the same write also
// issues the code: CodeHash and CodeExpiresAt are then set too.
type Authentication struct {
	// Subject and Address are read only by ResumeAuthorization; a challenge
	// already fixed them otherwise.
	Subject        string
	Address        string
	ChallengeNonce string
	Message        string
	Signature      string
	WalletTypeHint string
	AuthTime       time.Time
	SessionID      string
	Records        map[string]string
	GrantedScope   Scopes
	CodeHash       []byte
	CodeExpiresAt  time.Time
	// Session, when set, is the login session the sign-in opens, which
	// AuthenticateAuthorization stores with the same write (one statement
	// on PostgreSQL, one transaction on SQLite) and only when the
	// authorization matches. Its ID should be SessionID; its Subject,
	// Address and Clients are ignored: the session takes the
	// authorization's subject, address and client.
	Session *Session
	// RenewSession says that Session is the browser's own live session,
	// signed in to again by the same person (prompt=login, max_age): its
	// row is renewed rather than inserted, with the new AuthTime and
	// ExpiresAt and the authorization's client added to its clients, so
	// that the browser keeps one session, and one sid, across
	// re-authentications. The store renews only a live session of the
	// authorization's subject and address; otherwise the whole write
	// changes nothing and fails as a sign-in that does not match
	// (ErrConflict), and the caller signs in with a new session.
	RenewSession bool
}

// CodeExchange is what the token endpoint presents to redeem a code. The store
// matches all of it in one conditional write, so a wrong client, redirect URI
// or PKCE verifier leaves the code unused.
type CodeExchange struct {
	CodeHash    []byte
	ClientID    string
	RedirectURI string
	// S256Challenge and PlainChallenge are what the verifier maps to under
	// each method: S256(verifier), and the verifier itself. The stored
	// method picks the one that must equal the stored challenge; without
	// PKCE (no method, no challenge) PlainChallenge must be empty.
	S256Challenge  string
	PlainChallenge string

	AccessTokenHash      []byte
	AccessTokenExpiresAt time.Time
	// Audience is the token request's resource parameters (RFC 8707
	// section 2.2), stored as the access token's Audience.
	Audience []string
	// The first refresh token, when the offline scopes were granted
	// (all three empty otherwise).
	RefreshFamily         string
	RefreshTokenHash      []byte
	RefreshTokenExpiresAt time.Time
}

// RefreshExchange is what the token endpoint presents to redeem a refresh
// token: the family and hash of the presented token, the authenticated
// client, and the rotated tokens to store in the same write.
type RefreshExchange struct {
	Family    string
	TokenHash []byte
	ClientID  string
	// Scope, when not empty, must equal the granted scope (both as stored:
	// sorted, space-separated); a refresh never changes the scope.
	Scope string

	NewRefreshTokenHash      []byte
	NewRefreshTokenExpiresAt time.Time
	AccessTokenHash          []byte
	AccessTokenExpiresAt     time.Time
	// Audience is the token request's resource parameters (RFC 8707
	// section 2.2), stored as the new access token's Audience.
	Audience []string
	// Unproven marks a token whose origin cannot be checked (one issued
	// before refresh tokens carried a tag): it may still rotate, but a
	// mismatch is never taken for reuse, so it revokes nothing.
	Unproven bool
}

// ClientToken is an access token a client obtained for itself with the
// client credentials grant (RFC 6749 section 4.4). It is stored as an
// Authorization that is exchanged from the start, with no subject, browser,
// code or refresh token, so every place that reads, revokes or expires
// access tokens handles it without a second path.
type ClientToken struct {
	// ID is the authorization's id, random like a flow id.
	ID       string
	ClientID string
	// Scope is the granted scope (the GrantedScope of the authorization).
	Scope           Scopes
	AccessTokenHash []byte
	// Audience is the token request's resource parameters (RFC 8707
	// section 2.2), within the client's registered resources.
	Audience []string
	IssuedAt time.Time
	// ExpiresAt ends the access token, and with it the authorization.
	ExpiresAt time.Time
}

// ForClient reports whether the authorization is a client credentials
// grant: its token acts for the client itself and names no person, so it
// has no claims (no userinfo, no "sub" in introspection). Every
// authorization of the code flow has a subject once it has tokens.
func (a *Authorization) ForClient() bool { return a.Subject == "" }

// TokenAudience is the audience of the authorization's current access
// token (RFC 8707, RFC 9068 section 3): the resources its token request
// named, else those its authorization request named, else the client
// itself, which is the audience Sigil gives a token when no resource
// indicator names another.
func (a *Authorization) TokenAudience() []string {
	switch {
	case len(a.Audience) > 0:
		return a.Audience
	case len(a.Resources) > 0:
		return a.Resources
	default:
		return []string{a.ClientID}
	}
}

// Consent is a decision a person asked Sigil to remember: subject granted
// scope to client.
type Consent struct {
	Subject string
	// Address is the owner who gave the consent; only a sign-in by the
	// same owner finds it remembered, so a domain's new owner is asked
	// again.
	Address   string
	ClientID  string
	Scope     Scopes
	GrantedAt time.Time
}
