package oidc

import (
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/audit"
	"github.com/sigil-oidc/sigil/internal/cache"
	"github.com/sigil-oidc/sigil/internal/keys"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/secret"
)

// Endpoints serves discovery, JWKS and userinfo.
type Endpoints struct {
	Issuer  string
	Store   sigil.Store
	Secrets *secret.Keys
	Signer  *keys.Set
	Log     *slog.Logger
	Now     func() time.Time
	// Scopes are the scopes Sigil supports, published as scopes_supported.
	Scopes []string
	// Domains answers which domains Sigil serves (WebFinger).
	Domains sigil.DomainResolver

	// userinfo keeps recent userinfo answers as JSON, by authorization id
	// (see userinfoBody).
	userinfoOnce sync.Once
	userinfo     *cache.LRU[string, userinfoAnswer]
}

// Bounds of the userinfo answers kept in memory: how many, and for how long
// after each was built.
const (
	userinfoCacheSize = 4096
	userinfoCacheTTL  = time.Minute
)

// AccessTokenPrefix is the prefix of Sigil's access tokens; other strings
// are rejected without a database read.
const AccessTokenPrefix = "sigil_at_"

// RefreshTokenPrefix starts a refresh token (see oauth.RefreshTokenPrefix
// for its form); userinfo names one sent to it by mistake.
const RefreshTokenPrefix = "sigil_rt_"

// Discovery is the OpenID Provider Metadata (OpenID Connect Discovery 1.0
// section 3, RFC 8414 section 2). It lists only what Sigil really supports.
type Discovery struct {
	Issuer                                     string   `json:"issuer"`
	AuthorizationEndpoint                      string   `json:"authorization_endpoint"`
	TokenEndpoint                              string   `json:"token_endpoint"`
	UserinfoEndpoint                           string   `json:"userinfo_endpoint"`
	JWKSURI                                    string   `json:"jwks_uri"`
	EndSessionEndpoint                         string   `json:"end_session_endpoint"`
	RevocationEndpoint                         string   `json:"revocation_endpoint"`
	IntrospectionEndpoint                      string   `json:"introspection_endpoint"`
	ScopesSupported                            []string `json:"scopes_supported"`
	ResponseTypesSupported                     []string `json:"response_types_supported"`
	ResponseModesSupported                     []string `json:"response_modes_supported"`
	GrantTypesSupported                        []string `json:"grant_types_supported"`
	SubjectTypesSupported                      []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported           []string `json:"id_token_signing_alg_values_supported"`
	UserinfoSigningAlgValuesSupported          []string `json:"userinfo_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported          []string `json:"token_endpoint_auth_methods_supported"`
	IntrospectionEndpointAuthMethodsSupported  []string `json:"introspection_endpoint_auth_methods_supported"`
	RevocationEndpointAuthMethodsSupported     []string `json:"revocation_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported              []string `json:"code_challenge_methods_supported"`
	ClaimsSupported                            []string `json:"claims_supported"`
	ACRValuesSupported                         []string `json:"acr_values_supported"`
	PromptValuesSupported                      []string `json:"prompt_values_supported"`
	ClaimsParameterSupported                   bool     `json:"claims_parameter_supported"`
	RequestParameterSupported                  bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported               bool     `json:"request_uri_parameter_supported"`
	AuthorizationResponseISSParameterSupported bool     `json:"authorization_response_iss_parameter_supported"`
	// Back-Channel Logout 1.0 section 2.1: logout tokens are sent, and
	// always carry sid (the ID tokens of a session carry it too).
	BackchannelLogoutSupported        bool `json:"backchannel_logout_supported"`
	BackchannelLogoutSessionSupported bool `json:"backchannel_logout_session_supported"`
}

// DiscoveryDocument builds the metadata for the issuer. Introspection
// needs a confidential client (RFC 7662 section 2.1), so its auth methods
// (RFC 8414 section 2) leave out none; revocation takes the token
// endpoint's, none included (a public client revokes its own tokens, RFC
// 7009 section 5), which RFC 8414 would otherwise read as
// client_secret_basic alone. PKCE's plain method is a per-client
// opt-in (allow_plain_pkce), not something every client may use, so only
// S256 is advertised.
func (e *Endpoints) DiscoveryDocument() Discovery {
	base := strings.TrimSuffix(e.Issuer, "/")
	return Discovery{
		Issuer:                                     e.Issuer,
		AuthorizationEndpoint:                      base + "/oauth2/auth",
		TokenEndpoint:                              base + "/oauth2/token",
		UserinfoEndpoint:                           base + "/userinfo",
		JWKSURI:                                    base + "/.well-known/jwks.json",
		EndSessionEndpoint:                         base + "/oauth2/sessions/logout",
		RevocationEndpoint:                         base + "/oauth2/revoke",
		IntrospectionEndpoint:                      base + "/oauth2/introspect",
		ScopesSupported:                            e.Scopes,
		ResponseTypesSupported:                     []string{"code"},
		ResponseModesSupported:                     []string{"query", "fragment", "form_post"},
		GrantTypesSupported:                        []string{"authorization_code", "refresh_token", "client_credentials"},
		SubjectTypesSupported:                      []string{sigil.SubjectPublic, sigil.SubjectPairwise},
		IDTokenSigningAlgValuesSupported:           e.Signer.Algorithms(),
		UserinfoSigningAlgValuesSupported:          e.Signer.Algorithms(),
		TokenEndpointAuthMethodsSupported:          []string{sigil.AuthMethodClientSecretBasic, sigil.AuthMethodClientSecretPost, sigil.AuthMethodNone},
		IntrospectionEndpointAuthMethodsSupported:  []string{sigil.AuthMethodClientSecretBasic, sigil.AuthMethodClientSecretPost},
		RevocationEndpointAuthMethodsSupported:     []string{sigil.AuthMethodClientSecretBasic, sigil.AuthMethodClientSecretPost, sigil.AuthMethodNone},
		CodeChallengeMethodsSupported:              []string{"S256"},
		ClaimsSupported:                            claimsSupported(),
		ACRValuesSupported:                         []string{ACR},
		PromptValuesSupported:                      []string{"none", "login", "consent", "select_account"},
		AuthorizationResponseISSParameterSupported: true,
		BackchannelLogoutSupported:                 true,
		BackchannelLogoutSessionSupported:          true,
		// OpenID Connect Core section 5.5 (see oauth.applyClaimsRequest).
		ClaimsParameterSupported: true,
	}
}

func claimsSupported() []string {
	c := []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid", "jti", "acr", "amr",
		"proof", "verified_addresses", "wallet_address", "wallet_type_hint", "eip4361_message", "eip4361_signature", "email_verified",
		"phone_number_verified"}
	for _, m := range RecordClaims {
		if !slices.Contains(c, m.Claim) { // phone and profile:phone share phone_number
			c = append(c, m.Claim)
		}
	}
	return c
}

// ServeDiscovery serves GET /.well-known/openid-configuration. The document
// only changes with the configuration, so caches may keep it for a while.
func (e *Endpoints) ServeDiscovery(w http.ResponseWriter, r *http.Request) {
	writeCachedJSON(w, e.DiscoveryDocument(), "public, max-age=3600")
}

// ServeJWKS serves GET /.well-known/jwks.json. A short cache lets relying
// parties pick up a new key soon after rotation.
func (e *Endpoints) ServeJWKS(w http.ResponseWriter, r *http.Request) {
	writeCachedJSON(w, e.Signer.PublicJWKS(), "public, max-age=300")
}

func writeCachedJSON(w http.ResponseWriter, v any, cacheControl string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", cacheControl)
	_ = json.NewEncoder(w).Encode(v)
}

// ServeUserinfo serves GET and POST /userinfo (OpenID Connect Core section
// 5.3). The access token comes as a Bearer token (RFC 6750 section 2.1), as
// the access_token form parameter of a POST (section 2.2), or, for
// @uauth/js, as "Authorization: Basic <access token>": that client sends the
// bare token under the Basic scheme.
func (e *Endpoints) ServeUserinfo(w http.ResponseWriter, r *http.Request) {
	token, err := accessTokenOf(r)
	if err != nil {
		// RFC 6750 section 3.1: no error code when no token was sent.
		var challenge error
		if !errors.Is(err, oautherr.ErrRequestUnauthorized) {
			challenge = err
		}
		w.Header().Set("WWW-Authenticate", oautherr.WWWAuthenticate("Bearer", "sigil", challenge))
		oautherr.WriteJSON(w, err)
		return
	}
	// An RFC 9068 JWT access token is accepted too, and looked up by its
	// jti, so a revoked one is refused like an opaque one.
	key, ok := AccessTokenKey(e.Signer, e.Issuer, token)
	if !ok {
		err := oautherr.ErrTokenExpired.WithHint("The access token is not one Sigil issued.")
		w.Header().Set("WWW-Authenticate", oautherr.WWWAuthenticate("Bearer", "sigil", err))
		oautherr.WriteJSON(w, err)
		return
	}
	a, err := e.Store.GetAuthorizationByAccessToken(r.Context(), e.Secrets.HashToken(key), e.Now())
	if err != nil {
		if !errors.Is(err, sigil.ErrNotFound) {
			e.Log.Error("userinfo lookup", "err", err)
			oautherr.WriteJSON(w, oautherr.ErrServerError.WithHint("The access token could not be checked; try again."))
			return
		}
		err := oautherr.ErrTokenExpired.WithHint("The access token is unknown, expired or revoked; get a new one.")
		w.Header().Set("WWW-Authenticate", oautherr.WWWAuthenticate("Bearer", "sigil", err))
		oautherr.WriteJSON(w, err)
		return
	}
	if a.ForClient() {
		// A client credentials token names no person, so there are no
		// claims to answer. RFC 6750 section 3.1's invalid_token ("invalid
		// for other reasons"), as for any token this endpoint cannot
		// serve: a relying party reacts to it by signing the person in.
		err := oautherr.ErrTokenExpired.WithHint("This access token was issued with the client_credentials grant and names no person; userinfo needs a token from a person's sign-in.")
		w.Header().Set("WWW-Authenticate", oautherr.WWWAuthenticate("Bearer", "sigil", err))
		oautherr.WriteJSON(w, err)
		return
	}
	// Ownership follows the chain: once the domain is held by another
	// wallet (or by none), the grant of the wallet that signed in ends, at
	// the resolver cache's bound (docs/operations.md).
	if !e.ownerStillHolds(r, a, key) {
		err := oautherr.ErrTokenExpired.WithHint("The domain %s is no longer held by the wallet that signed in; this grant is revoked. Sign in again.", a.Subject)
		w.Header().Set("WWW-Authenticate", oautherr.WWWAuthenticate("Bearer", "sigil", err))
		oautherr.WriteJSON(w, err)
		return
	}
	// The client comes from the client cache in front of the store, so
	// reading it costs no statement; it says which sub to answer and
	// whether to sign.
	client, err := e.Store.GetClient(r.Context(), a.ClientID)
	if err != nil {
		e.Log.Error("userinfo: read client", "client_id", a.ClientID, "err", err)
		oautherr.WriteJSON(w, oautherr.ErrServerError.WithHint("The access token could not be checked; try again."))
		return
	}
	// CORS, as at the token endpoint: the origin passed the check for
	// some client (server.CORS); the claims are read only by an origin of
	// the client the token was issued to.
	if origin := r.Header.Get("Origin"); origin != "" && !slices.Contains(client.AllowedCORSOrigins, origin) {
		w.Header().Del("Access-Control-Allow-Origin")
	}
	body, err := e.userinfoBody(a, client)
	if err != nil {
		e.Log.Error("userinfo claims", "err", err)
		oautherr.WriteJSON(w, oautherr.ErrServerError.WithHint("The claims could not be encoded; try again."))
		return
	}
	signed, err := e.writeSignedUserinfo(w, client, body)
	if err != nil {
		e.Log.Error("signed userinfo", "err", err)
		oautherr.WriteJSON(w, oautherr.ErrServerError.WithHint("The signed userinfo response could not be made; try again."))
		return
	}
	if signed {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// userinfoAnswer is a cached userinfo answer: the JSON, and whether its sub
// is pairwise, so that a client whose subject_type an operator changed is
// answered in its new subject space at once.
type userinfoAnswer struct {
	body     []byte
	pairwise bool
}

// userinfoCache returns the cache of userinfo answers, made on first use.
func (e *Endpoints) userinfoCache() *cache.LRU[string, userinfoAnswer] {
	e.userinfoOnce.Do(func() { e.userinfo = cache.New[string, userinfoAnswer](userinfoCacheSize) })
	return e.userinfo
}

// userinfoBody returns the JSON of a's claims as client sees them.
// Building and encoding them (the signed message parsed again for the
// proof, maps encoded with sorted keys) costs more than the rest of a
// userinfo request, so the answer is kept by authorization id. It depends
// only on the subject, address, signed message, records and granted scope,
// none of which change once the code is exchanged (a refresh keeps the
// scope), and on the client's subject_type, which the entry records.
// Whether the token is still good, and whether the wallet that signed in
// still holds the domain, is checked on every request before this is
// called, and an authorization revoked for a changed owner drops its
// entry (ownerStillHolds), so a kept answer never outlives its owner. The
// bounds only limit memory.
func (e *Endpoints) userinfoBody(a *sigil.Authorization, client *sigil.Client) ([]byte, error) {
	c := e.userinfoCache()
	now := e.Now()
	if v, ok := c.Get(a.ID, now); ok && v.pairwise == client.Pairwise() {
		return v.body, nil
	}
	body, err := json.Marshal(PersonClaims(a, Subject(e.Secrets, client, a.Subject, a.Address)))
	if err != nil {
		return nil, err
	}
	body = append(body, '\n')
	c.Add(a.ID, userinfoAnswer{body: body, pairwise: client.Pairwise()}, now, userinfoCacheTTL)
	return body, nil
}

// ownerStillHolds checks a's domain against its current owner (CheckOwner)
// and reports whether the grant may be served. A changed owner revokes the
// authorization (through the token whose store key is key, the one
// conditional write of revocation) and drops its cached answer. A resolver
// that cannot be read revokes nothing and serves: the token was issued to
// the owner of the time, and revoking on an outage would sign everybody
// out (docs/operations.md, "Ownership").
func (e *Endpoints) ownerStillHolds(r *http.Request, a *sigil.Authorization, key string) bool {
	newOwner, err := CheckOwner(r.Context(), e.Domains, a)
	switch {
	case err == nil:
		return true
	case !errors.Is(err, ErrOwnerChanged):
		e.Log.Warn("userinfo: the domain's owner could not be checked; served", "domain", a.Subject, "client_id", a.ClientID, "err", err)
		return true
	}
	audit.Event(r.Context(), e.Log, audit.OwnerChanged, slog.String("where", "userinfo"), slog.String("domain", a.Subject),
		slog.String("client_id", a.ClientID), slog.String("old_owner", a.Address), slog.String("new_owner", newOwner))
	if err := e.Store.RevokeToken(r.Context(), e.Secrets.HashToken(key), a.ClientID); err != nil {
		// The answer is refused all the same; the next call tries again.
		e.Log.Error("userinfo: revoke the grant of a changed owner", "client_id", a.ClientID, "err", err)
	}
	e.userinfoCache().Remove(a.ID)
	return false
}

// accessTokenOf finds the access token of a userinfo request.
func accessTokenOf(r *http.Request) (string, error) {
	// Two headers are refused rather than one of them chosen, as at the
	// token endpoint, so that Sigil and a proxy in front of it cannot
	// disagree on whose token this is.
	if n := len(r.Header.Values("Authorization")); n > 1 {
		return "", oautherr.ErrInvalidRequest.WithHint("The request has %d Authorization headers; send one (RFC 9110 section 5.3).", n)
	}
	var token string
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, value, _ := strings.Cut(h, " ")
		switch {
		case strings.EqualFold(scheme, "Bearer"), strings.EqualFold(scheme, "Basic") && strings.HasPrefix(strings.TrimSpace(value), AccessTokenPrefix):
			token = strings.TrimSpace(value)
		default:
			return "", oautherr.ErrRequestUnauthorized.WithHint("Send the access token as 'Authorization: Bearer <token>'.")
		}
	}
	if r.Method == http.MethodPost {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct == "application/x-www-form-urlencoded" {
			r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
			if err := r.ParseForm(); err == nil && r.PostForm.Get("access_token") != "" {
				if token != "" {
					// RFC 6750 section 2: one method per request.
					return "", oautherr.ErrInvalidRequest.WithHint("The access token was sent both in the header and in the body; send it once.")
				}
				token = r.PostForm.Get("access_token")
			}
		}
	}
	if token == "" {
		// RFC 6750 section 2.3 (the URI query) is optional, and Sigil
		// does not take it: the token would land in logs and histories.
		if r.URL.Query().Has("access_token") {
			return "", oautherr.ErrRequestUnauthorized.WithHint("The access token in the URL query is not accepted (RFC 6750 section 2.3: it ends up in logs); send it as 'Authorization: Bearer <token>'.")
		}
		return "", oautherr.ErrRequestUnauthorized.WithHint("No access token was sent; send it as 'Authorization: Bearer <token>'.")
	}
	if strings.HasPrefix(token, RefreshTokenPrefix) {
		return "", oautherr.ErrTokenExpired.WithHint("This is a refresh token; userinfo takes the access token of the same token response.")
	}
	if !strings.HasPrefix(token, AccessTokenPrefix) && !LooksLikeJWT(token) {
		return "", oautherr.ErrTokenExpired.WithHint("The access token is not one Sigil issued.")
	}
	return token, nil
}
