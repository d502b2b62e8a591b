// Package oauth is Sigil's OAuth 2.0 authorization server: the authorization
// endpoint (RFC 6749 section 4.1, OpenID Connect Core section 3.1.2), the
// authorization response in its three response modes, and the token endpoint
// with client authentication and PKCE (RFC 7636).
//
// Handlers parse and validate, then make one conditional write in the store;
// everything that must be single use is enforced there, not here.
package oauth

import (
	"log/slog"
	"net/url"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/keys"
	"github.com/sigil-oidc/sigil/internal/oidc"
	"github.com/sigil-oidc/sigil/internal/secret"
	"github.com/sigil-oidc/sigil/internal/session"
	"github.com/sigil-oidc/sigil/web"
)

// Token prefixes. A prefix tells a reader (and a secret scanner) what a
// leaked string is without revealing anything about it.
const (
	CodePrefix        = "sigil_ac_"
	AccessTokenPrefix = oidc.AccessTokenPrefix
)

// Lifetimes are how long each artefact lives. The defaults are those of the
// hosted Login with Unstoppable service (Hydra's defaults).
type Lifetimes struct {
	Flow        time.Duration // login and consent steps
	Challenge   time.Duration // a sign-in message awaiting its signature
	Code        time.Duration
	AccessToken time.Duration
	IDToken     time.Duration
	// RefreshToken is the lifetime of each refresh token; every refresh
	// issues a new one.
	RefreshToken time.Duration
	Session      time.Duration
}

// DefaultLifetimes are used when the configuration sets none.
var DefaultLifetimes = Lifetimes{
	Flow:         30 * time.Minute,
	Challenge:    10 * time.Minute,
	Code:         10 * time.Minute,
	AccessToken:  time.Hour,
	IDToken:      time.Hour,
	RefreshToken: 720 * time.Hour,
	Session:      24 * time.Hour,
}

// Provider is the authorization server: what every endpoint shares.
type Provider struct {
	// Issuer is the issuer identifier (OpenID Connect Discovery section 3).
	Issuer    *url.URL
	Store     sigil.Store
	Secrets   *secret.Keys
	Signer    *keys.Set
	Cookies   *session.Cookies
	Pages     *web.Pages
	Log       *slog.Logger
	Now       func() time.Time
	Lifetimes Lifetimes
	// Domains answers who owns a domain; single sign-on reads the records
	// again through it.
	Domains sigil.DomainResolver
	// Notifier learns of every session that ends (back-channel logout);
	// nil notifies nobody.
	Notifier LogoutNotifier
	// MaxParamLength caps state, nonce and login_hint in authorization
	// requests (0: DefaultMaxParamLength).
	MaxParamLength int
}

// IssuerString is the issuer as it appears in tokens and responses.
func (p *Provider) IssuerString() string { return p.Issuer.String() }

// Endpoint returns the absolute URL of a path under the issuer.
func (p *Provider) Endpoint(path string) string {
	u := *p.Issuer
	u.Path = joinPath(u.Path, path)
	return u.String()
}

func joinPath(base, path string) string {
	for len(base) > 0 && base[len(base)-1] == '/' {
		base = base[:len(base)-1]
	}
	return base + path
}
