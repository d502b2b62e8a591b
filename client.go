package sigil

import "time"

// Token endpoint authentication methods (RFC 7591 section 2) that Sigil supports.
const (
	AuthMethodNone              = "none"
	AuthMethodClientSecretBasic = "client_secret_basic"
	AuthMethodClientSecretPost  = "client_secret_post"
)

// Client is a registered relying party with its RFC 7591 metadata.
//
// The secret itself is never stored: SecretHash holds SHA-256 of a secret with
// 256 bits of entropy, which is as safe as a slow password hash for a value
// that cannot be guessed, and keeps the token endpoint fast.
type Client struct {
	ID                      string   `json:"client_id"`
	SecretHash              []byte   `json:"-"`
	Name                    string   `json:"client_name,omitempty"`
	RedirectURIs            []string `json:"redirect_uris"`
	PostLogoutRedirectURIs  []string `json:"post_logout_redirect_uris,omitempty"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	Scope                   Scopes   `json:"-"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	LogoURI                 string   `json:"logo_uri,omitempty"`
	ClientURI               string   `json:"client_uri,omitempty"`
	PolicyURI               string   `json:"policy_uri,omitempty"`
	TosURI                  string   `json:"tos_uri,omitempty"`
	AllowedCORSOrigins      []string `json:"allowed_cors_origins,omitempty"`
	// AllowPlainPKCE lets this client use code_challenge_method=plain. Off by
	// default: RFC 9700 section 2.1.1 recommends S256.
	AllowPlainPKCE bool `json:"allow_plain_pkce,omitempty"`
	// RequirePKCE makes PKCE (RFC 7636) mandatory for this client. It is
	// true unless a confidential client registered require_pkce: false;
	// a public client always needs PKCE whatever this says (RFC 9700
	// section 2.1.1).
	RequirePKCE bool `json:"require_pkce"`
	// IDTokenSignedResponseAlg is the JWS algorithm of this client's ID
	// tokens (OpenID Connect Dynamic Client Registration section 2):
	// RS256 (the default, also when empty), ES256 or EdDSA.
	IDTokenSignedResponseAlg string `json:"id_token_signed_response_alg,omitempty"`
	// UserinfoSignedResponseAlg, when set (RS256, ES256 or EdDSA), makes
	// the userinfo endpoint answer with a signed JWT instead of JSON.
	UserinfoSignedResponseAlg string `json:"userinfo_signed_response_alg,omitempty"`
	// BackchannelLogoutURI is where Sigil POSTs logout tokens when a
	// session this client was signed in to ends (OpenID Connect
	// Back-Channel Logout 1.0 section 2.2); empty for none.
	BackchannelLogoutURI string `json:"backchannel_logout_uri,omitempty"`
	// BackchannelLogoutSessionRequired asks for the sid claim in every
	// logout token (Back-Channel Logout 1.0 section 2.2).
	BackchannelLogoutSessionRequired bool `json:"backchannel_logout_session_required,omitempty"`
	// AccessTokenStrategy is AccessTokenOpaque (the default, also when
	// empty) or AccessTokenJWT for RFC 9068 JWT access tokens.
	AccessTokenStrategy string `json:"access_token_strategy,omitempty"`
	// Resources are the absolute URIs this client may name as RFC 8707
	// resource indicators (the audiences of its access tokens).
	Resources []string `json:"resources,omitempty"`
	// SubjectType is SubjectPublic (the default, also when empty) or
	// SubjectPairwise (OpenID Connect Core section 8): which sub this
	// client sees for a person (see the constants).
	SubjectType string    `json:"subject_type,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Access token strategies a client registers (access_token_strategy).
const (
	// AccessTokenOpaque: random tokens only Sigil can resolve (userinfo,
	// introspection). The default.
	AccessTokenOpaque = "opaque"
	// AccessTokenJWT: RFC 9068 JWT access tokens a resource server can
	// verify with the JWKS alone.
	AccessTokenJWT = "jwt"
)

// Subject identifier types a client registers (subject_type, OpenID Connect
// Core section 8, Registration 1.0 section 2).
const (
	// SubjectPublic: sub is the domain name, the same for every client, as
	// Login with Unstoppable and @uauth/js expect. A domain that changes
	// hands keeps its sub: relying parties tell owners apart by
	// wallet_address (docs/integrate.md).
	SubjectPublic = "public"
	// SubjectPairwise: sub is an opaque value for this client, this domain
	// and the wallet that owns it (section 8.1), so it never passes to the
	// domain's next owner and two clients cannot correlate a person by it.
	SubjectPairwise = "pairwise"
)

// Pairwise reports whether the client registered pairwise subjects.
func (c *Client) Pairwise() bool { return c.SubjectType == SubjectPairwise }

// JWS algorithms Sigil signs with (RFC 7518 section 3.1, RFC 8037 section
// 3.1). RS256 is the default OpenID Connect Core section 15.1 requires.
const (
	AlgRS256 = "RS256"
	AlgES256 = "ES256"
	AlgEdDSA = "EdDSA"
)

// IDTokenAlg is the algorithm this client's ID tokens are signed with.
func (c *Client) IDTokenAlg() string {
	if c.IDTokenSignedResponseAlg == "" {
		return AlgRS256
	}
	return c.IDTokenSignedResponseAlg
}

// PKCERequired reports whether an authorization request of this client
// must carry a code_challenge.
func (c *Client) PKCERequired() bool { return c.RequirePKCE || c.Public() }

// JWTAccessTokens reports whether this client's access tokens are RFC 9068
// JWTs.
func (c *Client) JWTAccessTokens() bool { return c.AccessTokenStrategy == AccessTokenJWT }

// Public reports whether the client has no secret (a browser or native app).
func (c *Client) Public() bool { return c.TokenEndpointAuthMethod == AuthMethodNone }
