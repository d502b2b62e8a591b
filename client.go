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
	AllowPlainPKCE bool      `json:"allow_plain_pkce,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Public reports whether the client has no secret (a browser or native app).
func (c *Client) Public() bool { return c.TokenEndpointAuthMethod == AuthMethodNone }
