package admin

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/domains"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	scopepkg "github.com/sigil-oidc/sigil/internal/scope"
)

// Defaults applied to omitted metadata, as RFC 7591 section 2 specifies for
// grant_types, response_types and token_endpoint_auth_method. The default
// scope is Sigil's: a client that says nothing asks for sign-in and the
// wallet address, which is what Login with Unstoppable clients ask for.
const (
	DefaultGrantType    = "authorization_code"
	DefaultResponseType = "code"
	DefaultAuthMethod   = sigil.AuthMethodClientSecretBasic
	DefaultScope        = "openid wallet"
)

// maxClientNameRunes bounds client_name, which is shown on the consent page.
const maxClientNameRunes = 200

// Metadata is the JSON of the admin API, both ways: the client metadata of
// RFC 7591 section 2 in a registration request, and the client information
// response of section 3.2.1 (the metadata plus client_id, client_id_issued_at
// and, only when a secret was just issued, client_secret and
// client_secret_expires_at).
//
// Sigil adds allow_plain_pkce. On input, client_id is optional (a random UUID
// is issued when it is absent, as the hosted service did); client_id_issued_at
// and client_secret_expires_at are read-only and ignored, so that a response
// can be edited and sent back; client_secret is rejected, because the server
// issues secrets.
type Metadata struct {
	ClientID         string `json:"client_id,omitempty"`
	ClientIDIssuedAt int64  `json:"client_id_issued_at,omitempty"`
	// ClientSecret appears only in the response that issued it.
	ClientSecret string `json:"client_secret,omitempty"`
	// ClientSecretExpiresAt is 0 (never expires, RFC 7591 section 3.2.1)
	// whenever ClientSecret is set, and absent otherwise.
	ClientSecretExpiresAt *int64 `json:"client_secret_expires_at,omitempty"`

	ClientName              string   `json:"client_name,omitempty"`
	RedirectURIs            []string `json:"redirect_uris"`
	PostLogoutRedirectURIs  []string `json:"post_logout_redirect_uris,omitempty"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	Scope                   string   `json:"scope,omitempty"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method,omitempty"`
	LogoURI                 string   `json:"logo_uri,omitempty"`
	ClientURI               string   `json:"client_uri,omitempty"`
	PolicyURI               string   `json:"policy_uri,omitempty"`
	TosURI                  string   `json:"tos_uri,omitempty"`
	AllowedCORSOrigins      []string `json:"allowed_cors_origins,omitempty"`
	// AllowPlainPKCE lets the client use code_challenge_method=plain; off by
	// default because RFC 9700 section 2.1.1 recommends S256.
	AllowPlainPKCE bool `json:"allow_plain_pkce"`
	// RequirePKCE is true when absent; only a confidential client may set
	// it to false (RFC 9700 section 2.1.1 asks PKCE of every public one).
	RequirePKCE *bool `json:"require_pkce,omitempty"`
	// IDTokenSignedResponseAlg and UserinfoSignedResponseAlg are OpenID
	// Connect Dynamic Client Registration section 2's: RS256 (the ID token
	// default), ES256 or EdDSA; none is never accepted.
	IDTokenSignedResponseAlg  string `json:"id_token_signed_response_alg,omitempty"`
	UserinfoSignedResponseAlg string `json:"userinfo_signed_response_alg,omitempty"`
	// BackchannelLogoutURI and BackchannelLogoutSessionRequired are OpenID
	// Connect Back-Channel Logout 1.0 section 2.2's.
	BackchannelLogoutURI             string `json:"backchannel_logout_uri,omitempty"`
	BackchannelLogoutSessionRequired bool   `json:"backchannel_logout_session_required,omitempty"`
	// AccessTokenStrategy is opaque (the default) or jwt (RFC 9068), the
	// name Ory Hydra gives this setting.
	AccessTokenStrategy string `json:"access_token_strategy,omitempty"`
	// Resources are the RFC 8707 resource indicators the client may ask
	// for: absolute URIs without a fragment.
	Resources []string `json:"resources,omitempty"`
	// SubjectType is public (the default: sub is the domain) or pairwise
	// (OpenID Connect Core section 8.1: an opaque sub per client, domain
	// and owning wallet). The client_id is the sector: no
	// sector_identifier_uri is read.
	SubjectType string `json:"subject_type,omitempty"`
}

// ValidateMetadata checks registration metadata against RFC 7591 and Sigil's
// rules and returns the client it describes, with the section 2 defaults
// filled in. It does not modify m. The returned client has no ID when m has
// none (the caller issues one), no secret hash and no timestamps.
//
// Errors are catalogue errors: invalid_redirect_uri for redirect_uris and
// post_logout_redirect_uris, invalid_client_metadata for everything else
// (RFC 7591 section 3.2.2). Each hint names the field and the bad value.
func ValidateMetadata(m *Metadata) (*sigil.Client, error) {
	if m == nil {
		return nil, oautherr.ErrInvalidRequest.WithHint("The request body must be a JSON object of client metadata.")
	}
	c := &sigil.Client{
		ID:             m.ClientID,
		Name:           m.ClientName,
		AllowPlainPKCE: m.AllowPlainPKCE,
	}
	if m.ClientID != "" && !validClientID(m.ClientID) {
		return nil, metadataErr("client_id '%s' is invalid: use 3 to 64 characters of A-Z, a-z, 0-9, '.', '_', '~' or '-', or omit it to get a random UUID.", printable(m.ClientID))
	}
	// RFC 9700 section 4.15: a client's own tokens (client credentials)
	// carry its client_id as sub, and a person's carry their domain; a
	// client_id that is a domain name could pass for a person at a
	// resource server.
	if _, err := domains.NormalizeName(m.ClientID); m.ClientID != "" && err == nil {
		return nil, metadataErr("client_id '%s' is a domain name; a client's tokens name it as sub, where a resource server could take it for the person who owns that domain (RFC 9700 section 4.15). Choose an id that is not a domain name (for example with '_' instead of '.'), or omit it to get a random UUID.", printable(m.ClientID))
	}
	if m.ClientSecret != "" {
		return nil, metadataErr("client_secret cannot be set: the server issues secrets. Remove it from the request (rotate a secret with POST /admin/clients/{id}/secret).")
	}
	if err := checkClientName(m.ClientName); err != nil {
		return nil, err
	}

	// grant_types and response_types (RFC 7591 section 2.1). Sigil
	// implements the authorization code flow, refresh tokens (which only
	// come from it) and the client credentials grant. A client with only
	// client_credentials never uses the authorization endpoint, so its
	// response_types must be empty (section 2.1 ties each response type to
	// a grant type), and so are its redirect URIs, checked below.
	var err error
	if c.GrantTypes, err = grantTypes(m.GrantTypes); err != nil {
		return nil, err
	}
	codeFlow := slices.Contains(c.GrantTypes, DefaultGrantType)
	if codeFlow {
		if c.ResponseTypes, err = onlyAllowed("response_types", "response type", m.ResponseTypes, DefaultResponseType); err != nil {
			return nil, err
		}
	} else if len(m.ResponseTypes) > 0 {
		return nil, metadataErr("response_types must be empty for a client with only the client_credentials grant: it never uses the authorization endpoint.")
	}

	switch m.TokenEndpointAuthMethod {
	case "":
		c.TokenEndpointAuthMethod = DefaultAuthMethod
	case sigil.AuthMethodNone, sigil.AuthMethodClientSecretBasic, sigil.AuthMethodClientSecretPost:
		c.TokenEndpointAuthMethod = m.TokenEndpointAuthMethod
	default:
		return nil, metadataErr("token_endpoint_auth_method '%s' is not supported; supported: none, client_secret_basic, client_secret_post.", m.TokenEndpointAuthMethod)
	}

	// RFC 6749 section 4.4: only a confidential client can use the client
	// credentials grant, since its credentials are all it proves.
	if c.Public() && slices.Contains(c.GrantTypes, GrantClientCredentials) {
		return nil, metadataErr("grant_types: client_credentials is only for confidential clients (RFC 6749 section 4.4); a public client (token_endpoint_auth_method none) cannot register it.")
	}

	if codeFlow {
		c.Scope, err = parseScope(m.Scope, slices.Contains(c.GrantTypes, GrantClientCredentials))
	} else {
		c.Scope, err = parseMachineScope(m.Scope)
	}
	if err != nil {
		return nil, err
	}

	// The authorization code grant redirects, so it needs at least one
	// registered redirect URI (RFC 6749 section 3.1.2.2, RFC 7591 section
	// 2); a client without it never redirects, so it may register none.
	switch {
	case codeFlow && len(m.RedirectURIs) == 0:
		return nil, oautherr.ErrInvalidRedirectURI.WithHint("redirect_uris is required for the authorization_code grant (also the grant when grant_types is omitted or empty, RFC 7591 section 2): register at least one redirect URI, or grant_types with client_credentials alone for a client that never redirects.")
	case !codeFlow && (len(m.RedirectURIs) > 0 || len(m.PostLogoutRedirectURIs) > 0):
		return nil, oautherr.ErrInvalidRedirectURI.WithHint("redirect_uris and post_logout_redirect_uris must be empty for a client with only the client_credentials grant: it never redirects.")
	}
	if c.RedirectURIs, err = checkRedirectURIs("redirect_uris", m.RedirectURIs); err != nil {
		return nil, err
	}
	if c.PostLogoutRedirectURIs, err = checkRedirectURIs("post_logout_redirect_uris", m.PostLogoutRedirectURIs); err != nil {
		return nil, err
	}

	for _, f := range []struct {
		name string
		in   string
		out  *string
	}{
		{"logo_uri", m.LogoURI, &c.LogoURI},
		{"client_uri", m.ClientURI, &c.ClientURI},
		{"policy_uri", m.PolicyURI, &c.PolicyURI},
		{"tos_uri", m.TosURI, &c.TosURI},
	} {
		if f.in == "" {
			continue
		}
		if err := checkWebURL(f.name, f.in); err != nil {
			return nil, err
		}
		*f.out = f.in
	}

	if c.AllowedCORSOrigins, err = checkOrigins(m.AllowedCORSOrigins); err != nil {
		return nil, err
	}
	if err := checkOIDCMetadata(m, c, codeFlow); err != nil {
		return nil, err
	}
	return c, nil
}

// checkOIDCMetadata checks and copies into c the metadata of OpenID Connect
// (PKCE, algorithms, back-channel logout) and of RFC 9068 and RFC 8707.
func checkOIDCMetadata(m *Metadata, c *sigil.Client, codeFlow bool) error {
	// PKCE stays required unless a confidential client opts out (the
	// OpenID Foundation's Basic OP plan sends no code_challenge).
	c.RequirePKCE = m.RequirePKCE == nil || *m.RequirePKCE
	if !c.RequirePKCE && c.Public() {
		return metadataErr("require_pkce cannot be false for a public client (token_endpoint_auth_method none): without a secret, PKCE is what binds the code to the app (RFC 9700 section 2.1.1).")
	}
	var err error
	if c.IDTokenSignedResponseAlg, err = checkAlg("id_token_signed_response_alg", m.IDTokenSignedResponseAlg); err != nil {
		return err
	}
	if c.UserinfoSignedResponseAlg, err = checkAlg("userinfo_signed_response_alg", m.UserinfoSignedResponseAlg); err != nil {
		return err
	}
	if m.BackchannelLogoutURI != "" {
		if !codeFlow {
			return metadataErr("backchannel_logout_uri is only for clients of the authorization_code grant: a client_credentials client has no sessions to end.")
		}
		// Back-Channel Logout 1.0 section 2.2: an absolute URI, with a
		// port, path and query if needed, never a fragment.
		if err := checkWebURL("backchannel_logout_uri", m.BackchannelLogoutURI); err != nil {
			return err
		}
		if strings.Contains(m.BackchannelLogoutURI, "#") {
			return metadataErr("backchannel_logout_uri '%s' has a fragment; remove it (Back-Channel Logout 1.0 section 2.2).", printable(m.BackchannelLogoutURI))
		}
		c.BackchannelLogoutURI = m.BackchannelLogoutURI
	}
	if m.BackchannelLogoutSessionRequired && c.BackchannelLogoutURI == "" {
		return metadataErr("backchannel_logout_session_required needs a backchannel_logout_uri.")
	}
	c.BackchannelLogoutSessionRequired = m.BackchannelLogoutSessionRequired
	switch m.AccessTokenStrategy {
	case "", sigil.AccessTokenOpaque:
		c.AccessTokenStrategy = sigil.AccessTokenOpaque
	case sigil.AccessTokenJWT:
		c.AccessTokenStrategy = sigil.AccessTokenJWT
	default:
		return metadataErr("access_token_strategy '%s' is not supported; use opaque (the default) or jwt (RFC 9068).", printable(m.AccessTokenStrategy))
	}
	if c.Resources, err = checkResources(m.Resources); err != nil {
		return err
	}
	switch m.SubjectType {
	case "", sigil.SubjectPublic:
		c.SubjectType = sigil.SubjectPublic
	case sigil.SubjectPairwise:
		c.SubjectType = sigil.SubjectPairwise
	default:
		return metadataErr("subject_type '%s' is not supported; use public (the default: sub is the domain) or pairwise (OpenID Connect Core section 8.1).", printable(m.SubjectType))
	}
	return nil
}

// checkAlg accepts the JWS algorithms Sigil signs with. An empty value
// stays empty (the field's default applies).
func checkAlg(field, alg string) (string, error) {
	switch alg {
	case "", sigil.AlgRS256, sigil.AlgES256, sigil.AlgEdDSA:
		return alg, nil
	case "none":
		return "", metadataErr("%s none is never accepted: Sigil signs every token. Use RS256, ES256 or EdDSA.", field)
	default:
		return "", metadataErr("%s '%s' is not supported; supported: RS256, ES256, EdDSA.", field, printable(alg))
	}
}

// checkResources validates RFC 8707 resource indicators: absolute URIs
// without a fragment (section 2), no duplicates.
func checkResources(resources []string) ([]string, error) {
	if len(resources) == 0 {
		return nil, nil
	}
	seen := make(map[string]bool, len(resources))
	out := make([]string, 0, len(resources))
	for _, raw := range resources {
		u, err := url.Parse(raw)
		switch {
		case raw == "" || err != nil || !u.IsAbs():
			return nil, metadataErr("resources: '%s' is not an absolute URI (RFC 8707 section 2).", printable(raw))
		case strings.Contains(raw, "#"):
			return nil, metadataErr("resources: '%s' has a fragment, which RFC 8707 section 2 forbids.", printable(raw))
		case strings.ContainsFunc(raw, func(r rune) bool { return !isURIChar(r) }):
			return nil, metadataErr("resources: '%s' contains a character a URI may not hold unencoded (RFC 3986 section 2).", printable(raw))
		case seen[raw]:
			return nil, metadataErr("resources lists '%s' twice.", printable(raw))
		}
		seen[raw] = true
		out = append(out, raw)
	}
	return out, nil
}

// metadataFromClient renders a stored client as the response metadata,
// without any secret.
func metadataFromClient(c *sigil.Client) *Metadata {
	requirePKCE := c.PKCERequired() // what the authorization endpoint applies
	m := &Metadata{
		ClientID:                c.ID,
		ClientName:              c.Name,
		RedirectURIs:            nonNil(c.RedirectURIs),
		PostLogoutRedirectURIs:  c.PostLogoutRedirectURIs,
		GrantTypes:              nonNil(c.GrantTypes),
		ResponseTypes:           nonNil(c.ResponseTypes),
		Scope:                   c.Scope.String(),
		TokenEndpointAuthMethod: c.TokenEndpointAuthMethod,
		LogoURI:                 c.LogoURI,
		ClientURI:               c.ClientURI,
		PolicyURI:               c.PolicyURI,
		TosURI:                  c.TosURI,
		AllowedCORSOrigins:      c.AllowedCORSOrigins,
		AllowPlainPKCE:          c.AllowPlainPKCE,
		RequirePKCE:             &requirePKCE,

		IDTokenSignedResponseAlg:         c.IDTokenSignedResponseAlg,
		UserinfoSignedResponseAlg:        c.UserinfoSignedResponseAlg,
		BackchannelLogoutURI:             c.BackchannelLogoutURI,
		BackchannelLogoutSessionRequired: c.BackchannelLogoutSessionRequired,
		AccessTokenStrategy:              c.AccessTokenStrategy,
		Resources:                        c.Resources,
		SubjectType:                      c.SubjectType,
	}
	if m.AccessTokenStrategy == "" {
		m.AccessTokenStrategy = sigil.AccessTokenOpaque
	}
	if m.SubjectType == "" { // a client stored before subject_type existed
		m.SubjectType = sigil.SubjectPublic
	}
	if !c.CreatedAt.IsZero() {
		m.ClientIDIssuedAt = c.CreatedAt.Unix()
	}
	return m
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func metadataErr(format string, args ...any) error {
	return oautherr.ErrInvalidClientMetadata.WithHint(format, args...)
}

func redirectErr(format string, args ...any) error {
	return oautherr.ErrInvalidRedirectURI.WithHint(format, args...)
}

// validClientID: 3 to 64 RFC 3986 unreserved characters, so an id needs no
// escaping in a URL path, a query or HTTP Basic credentials.
func validClientID(id string) bool {
	if len(id) < 3 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		b := id[i]
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9',
			b == '.', b == '_', b == '~', b == '-':
		default:
			return false
		}
	}
	return true
}

// checkClientName keeps the name printable: it is shown to people on the
// consent page, where control characters could disguise it.
func checkClientName(name string) error {
	if !utf8.ValidString(name) {
		return metadataErr("client_name must be valid UTF-8.")
	}
	if n := utf8.RuneCountInString(name); n > maxClientNameRunes {
		return metadataErr("client_name is %d characters long; the limit is %d.", n, maxClientNameRunes)
	}
	if strings.ContainsFunc(name, unicode.IsControl) {
		return metadataErr("client_name '%s' contains control characters.", printable(name))
	}
	// Format characters (bidirectional overrides, zero-width spaces and
	// joiners) would let a name shown on the consent page read as another.
	if strings.ContainsFunc(name, func(r rune) bool { return unicode.Is(unicode.Cf, r) }) {
		return metadataErr("client_name '%s' contains invisible formatting characters (bidirectional overrides, zero-width characters); remove them.", printable(name))
	}
	if name != "" && strings.TrimFunc(name, blank) == "" {
		return metadataErr("client_name is only white space or blank characters; give a name people recognise, or omit it.")
	}
	if n := longestMarkRun(name); n > maxCombiningMarks {
		return metadataErr("client_name '%s' stacks %d combining marks on one character (at most %d); such text spills over the names around it.", printable(name), n, maxCombiningMarks)
	}
	return nil
}

// blank reports whether r renders as nothing: white space, and the letters
// and symbols that are drawn empty (the Hangul fillers, the blank Braille
// pattern), which unicode.IsSpace does not count, so that a name made only
// of them would show an empty name on the consent page.
func blank(r rune) bool {
	switch r {
	case '\u115F', '\u1160', '\u3164', '\uFFA0', '\u2800':
		return true
	}
	return unicode.IsSpace(r)
}

// maxCombiningMarks bounds the combining marks on one base character: a few
// are real writing (Vietnamese stacks two), dozens are "Zalgo" text drawn
// over the lines around it.
const maxCombiningMarks = 4

// longestMarkRun is the longest run of combining marks (Mn, Me) in s.
func longestMarkRun(s string) int {
	longest, run := 0, 0
	for _, r := range s {
		if unicode.In(r, unicode.Mn, unicode.Me) {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return longest
}

// GrantClientCredentials is the client credentials grant (RFC 6749
// section 4.4), for a confidential client that acts for itself.
const GrantClientCredentials = "client_credentials"

// grantTypes checks grant_types (RFC 7591 section 2.1): authorization_code
// (the default), optionally with refresh_token, and client_credentials,
// alone or with them. The result is in that order, without duplicates.
func grantTypes(values []string) ([]string, error) {
	if len(values) == 0 {
		return []string{DefaultGrantType}, nil
	}
	for _, v := range values {
		switch v {
		case DefaultGrantType, "refresh_token", GrantClientCredentials:
		default:
			return nil, metadataErr("grant_types: grant type '%s' is not supported; supported: authorization_code, refresh_token, client_credentials.", printable(v))
		}
	}
	if slices.Contains(values, "refresh_token") && !slices.Contains(values, DefaultGrantType) {
		return nil, metadataErr("grant_types: refresh_token needs authorization_code too; register both.")
	}
	var out []string
	for _, g := range []string{DefaultGrantType, "refresh_token", GrantClientCredentials} {
		if slices.Contains(values, g) {
			out = append(out, g)
		}
	}
	return out, nil
}

// printable is v when it can appear in an error_description (RFC 6749
// section 5.2: printable ASCII except '"' and '\\'), and a placeholder
// otherwise, so a hint never echoes characters the wire forbids.
func printable(v string) string {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 || b > 0x7e || b == '"' || b == '\\' {
			return "(a value with characters that cannot be shown)"
		}
	}
	return v
}

// onlyAllowed checks a list whose only supported value is allowed, returning
// [allowed] for an empty list (the RFC 7591 section 2 default) and dropping
// duplicates.
func onlyAllowed(field, what string, values []string, allowed string) ([]string, error) {
	for _, v := range values {
		if v != allowed {
			return nil, metadataErr("%s: %s '%s' is not supported; supported: %s.", field, what, v, allowed)
		}
	}
	return []string{allowed}, nil
}

// parseScope checks the space-delimited scope (RFC 7591 section 2): every
// token must be a scope-token of RFC 6749 section 3.3, and openid must be
// among them because Sigil is an OpenID Connect provider (OpenID Connect Core
// section 3.1.2.1).
//
// Every scope must be one Sigil knows (package scope), so that a typo fails
// here and not at every sign-in; a client that also has the
// client_credentials grant (apiScopes) may add API scopes of its own, as a
// client with only that grant may. The ":optional" form is refused rather
// than silently stripped: it is chosen in each authorization request, so
// registering "email:optional" would suggest that consent treats email as
// optional when the request says plain "email"; the hint gives the scope
// to register instead.
func parseScope(scope string, apiScopes bool) (sigil.Scopes, error) {
	if strings.Trim(scope, " ") == "" {
		return sigil.ParseScopes(DefaultScope), nil
	}
	scopes, err := scopeTokens(scope)
	if err != nil {
		return nil, err
	}
	for _, s := range scopes {
		switch {
		case scopepkg.Known(s) && scopepkg.IsOptional(s):
			return nil, optionalErr(s, scopes)
		case !scopepkg.Known(s) && !apiScopes:
			return nil, metadataErr("scope '%s' is unknown. Known scopes: %s (API scopes of your own need the client_credentials grant).",
				s, strings.Join(scopepkg.Supported(), " "))
		}
	}
	if !scopes.Has("openid") {
		return nil, metadataErr("scope '%s' must include openid.", scope)
	}
	return scopes, nil
}

// withoutOptional is scopes with every known ":optional" scope replaced by
// its base, once.
func withoutOptional(scopes sigil.Scopes) sigil.Scopes {
	var out sigil.Scopes
	for _, s := range scopes {
		if scopepkg.Known(s) {
			s = scopepkg.Base(s)
		}
		if !out.Has(s) {
			out = append(out, s)
		}
	}
	return out
}

// parseMachineScope checks the scope of a client with only the
// client_credentials grant: the API scopes it may ask for, possibly none
// (its tokens then stand for the client alone). openid is refused: it asks
// for a person's identity, and such a client never has a person.
//
// As for any client, the ":optional" form of a known scope is refused (see
// parseScope): it would also be granted verbatim, so that a request for the
// plain scope would then be outside the registration.
func parseMachineScope(scope string) (sigil.Scopes, error) {
	scopes, err := scopeTokens(scope)
	if err != nil {
		return nil, err
	}
	if scopes.Has("openid") {
		return nil, metadataErr("scope must not include openid for a client with only the client_credentials grant: its tokens name no person.")
	}
	for _, s := range scopes {
		if scopepkg.Known(s) && scopepkg.IsOptional(s) {
			return nil, optionalErr(s, scopes)
		}
	}
	return scopes, nil
}

// scopeTokens splits a registered scope on spaces after checking that every
// token is a scope-token of RFC 6749 section 3.3.
func scopeTokens(scope string) (sigil.Scopes, error) {
	for _, tok := range strings.Split(scope, " ") {
		if tok != "" && !sigil.ValidScopeToken(tok) {
			return nil, metadataErr("scope: '%s' is not a valid scope token (RFC 6749 section 3.3: printable ASCII except space, double quote and backslash; separate tokens with single spaces).", printable(tok))
		}
	}
	return sigil.ParseScopes(scope), nil
}

// optionalErr refuses the registered scope s, the ":optional" form of a
// known scope, naming the registration to make instead.
func optionalErr(s string, scopes sigil.Scopes) error {
	return metadataErr("scope '%s': ':optional' is chosen in each authorization request, not at registration. Register scope '%s'; the client may then request '%s' to let the person decline it.",
		s, withoutOptional(scopes).String(), s)
}

// dangerousSchemes are named in the error so an operator sees why a URI that
// parses is still refused: they run code or read local data in the browser.
var dangerousSchemes = map[string]bool{
	"javascript": true, "data": true, "file": true, "vbscript": true,
	"blob": true, "about": true, "filesystem": true,
}

// checkRedirectURIs validates redirection endpoints (used for redirect_uris
// and post_logout_redirect_uris) and rejects duplicates. Each must be:
//   - an absolute URI without a fragment (RFC 6749 section 3.1.2), without
//     userinfo, holding only the characters RFC 3986 section 2 allows
//     unencoded (no whitespace, control characters, backslash or non-ASCII);
//   - https; or http to a loopback host only (RFC 8252 section 7.3, RFC 9700
//     section 2.1: plain http elsewhere exposes the code); or a private-use
//     scheme in reverse domain notation, containing a '.', for native apps
//     (RFC 8252 section 7.1, e.g. com.example.app:/cb). This rule also keeps
//     out javascript:, data:, file: and other schemes without a '.'.
func checkRedirectURIs(field string, uris []string) ([]string, error) {
	if len(uris) == 0 {
		return nil, nil
	}
	seen := make(map[string]bool, len(uris))
	out := make([]string, 0, len(uris))
	for _, raw := range uris {
		if err := checkRedirectURI(field, raw); err != nil {
			return nil, err
		}
		if seen[raw] {
			return nil, redirectErr("%s lists '%s' twice.", field, raw)
		}
		seen[raw] = true
		out = append(out, raw)
	}
	return out, nil
}

func checkRedirectURI(field, raw string) error {
	if raw == "" {
		return redirectErr("%s contains an empty string.", field)
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return !isURIChar(r) }) {
		return redirectErr("%s: '%s' contains a character a URI may not hold unencoded (RFC 3986 section 2: whitespace, control characters, backslash, quotes, <>^`{|} and non-ASCII must be percent-encoded).", field, printable(raw))
	}
	if strings.Contains(raw, "#") {
		return redirectErr("%s: '%s' has a fragment; redirection URIs must not include one (RFC 6749 section 3.1.2).", field, raw)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return redirectErr("%s: '%s' is not an absolute URI (RFC 6749 section 3.1.2).", field, raw)
	}
	if u.User != nil {
		return redirectErr("%s: '%s' contains userinfo (user:password@); remove it.", field, raw)
	}
	scheme := u.Scheme // url.Parse lowercases it.
	switch {
	case dangerousSchemes[scheme]:
		return redirectErr("%s: '%s' uses the scheme '%s', which is never allowed.", field, raw, scheme)
	case scheme == "https":
		if u.Opaque != "" || u.Hostname() == "" {
			return redirectErr("%s: '%s' has no host.", field, raw)
		}
	case scheme == "http":
		if u.Opaque != "" || u.Hostname() == "" {
			return redirectErr("%s: '%s' has no host.", field, raw)
		}
		if !isLoopback(u.Hostname()) {
			return redirectErr("%s: '%s' uses http with a host that is not loopback; use https (http is allowed only for localhost, 127.0.0.1 and [::1]).", field, raw)
		}
	case strings.Contains(scheme, "."):
		// Private-use URI scheme of a native app (RFC 8252 section 7.1).
	default:
		return redirectErr("%s: '%s' uses the scheme '%s'; use https, http on a loopback host, or a private-use scheme in reverse domain notation such as com.example.app:/callback (RFC 8252 section 7.1).", field, raw, scheme)
	}
	return checkURIForm(field, raw, u, redirectErr)
}

// checkURIForm refuses what a registered URI is compared exactly against
// and so could never match, for want of a clearer error at registration: a
// scheme not in lowercase (libraries send it lowercase), a wildcard (there
// are none: RFC 9700 section 4.1.1), a port out of range. errf makes the
// error of the field's kind.
func checkURIForm(field, raw string, u *url.URL, errf func(string, ...any) error) error {
	if i := strings.Index(raw, ":"); i > 0 && raw[:i] != strings.ToLower(raw[:i]) {
		return errf("%s: '%s' must write its scheme in lowercase: %s.", field, raw, strings.ToLower(raw[:i])+raw[i:])
	}
	if strings.Contains(u.Host, "*") || strings.HasSuffix(u.Path, "*") {
		return errf("%s: '%s' holds a wildcard; URIs are compared exactly (RFC 9700 section 4.1.1), so register each one.", field, raw)
	}
	if badPort(u) {
		return errf("%s: '%s' has an invalid port; write one from 1 to 65535 without leading zeros, or none.", field, raw)
	}
	return nil
}

// badPort reports whether u's authority ends in a port no listener has: an
// empty one (a bare ':'), 0, above 65535 or written with leading zeros
// (which browsers and Go normalise away, so the URI would be used in
// another spelling than the one registered).
func badPort(u *url.URL) bool {
	port := u.Port()
	if port == "" {
		return strings.HasSuffix(u.Host, ":")
	}
	n, err := strconv.Atoi(port)
	return err != nil || port[0] == '0' || n < 1 || n > 65535
}

// isURIChar reports whether r may appear unencoded in a URI: RFC 3986
// section 2's unreserved and reserved characters and '%' of a
// percent-encoding. Browsers treat a backslash as a slash in http(s) URLs
// (WHATWG URL), so a registered URI holding one could point somewhere other
// than it reads; refusing every other character rules that out for all
// schemes, the private-use ones of native apps included.
func isURIChar(r rune) bool {
	switch {
	case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		return true
	}
	return strings.ContainsRune("-._~:/?#[]@!$&'()*+,;=%", r)
}

// isLoopback reports whether host (without brackets) names the local
// machine, the only place plain http is acceptable (RFC 8252 section 7.3).
func isLoopback(host string) bool {
	return strings.EqualFold(host, "localhost") || host == "127.0.0.1" || host == "::1"
}

// checkWebURL validates logo_uri, client_uri, policy_uri and tos_uri (RFC
// 7591 section 2): pages and images shown to people, so https (or http on a
// loopback host, for development) with a host and no userinfo.
func checkWebURL(field, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Opaque != "" || u.Hostname() == "" {
		return metadataErr("%s '%s' is not an absolute URL with a host.", field, raw)
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return !isURIChar(r) }) {
		return metadataErr("%s '%s' contains a character a URI may not hold unencoded (RFC 3986 section 2).", field, printable(raw))
	}
	if u.User != nil {
		return metadataErr("%s '%s' contains userinfo (user:password@); remove it.", field, raw)
	}
	if badPort(u) {
		return metadataErr("%s '%s' has an invalid port; write one from 1 to 65535 without leading zeros, or none.", field, raw)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return metadataErr("%s '%s' must use https (http only for localhost, 127.0.0.1 and [::1]).", field, raw)
	}
	return nil
}

// checkOrigins validates allowed_cors_origins: each must be a serialized
// origin (RFC 6454 section 6.2), scheme://host[:port] in lowercase with no
// default port, path, query or fragment, exactly as browsers send it in the
// Origin header, so that the CORS check can compare strings. https, or http
// on a loopback host.
func checkOrigins(origins []string) ([]string, error) {
	if len(origins) == 0 {
		return nil, nil
	}
	seen := make(map[string]bool, len(origins))
	out := make([]string, 0, len(origins))
	for _, raw := range origins {
		if err := checkOrigin(raw); err != nil {
			return nil, err
		}
		if seen[raw] {
			return nil, metadataErr("allowed_cors_origins lists '%s' twice.", raw)
		}
		seen[raw] = true
		out = append(out, raw)
	}
	return out, nil
}

func checkOrigin(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Opaque != "" || u.Hostname() == "" {
		return metadataErr("allowed_cors_origins: '%s' is not an origin; write scheme://host[:port], e.g. https://app.example.com.", raw)
	}
	if u.User != nil || u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(raw, "#") {
		return metadataErr("allowed_cors_origins: '%s' must be scheme://host[:port] with no userinfo, path (not even '/'), query or fragment.", raw)
	}
	if strings.Contains(u.Host, "*") {
		return metadataErr("allowed_cors_origins: '%s' holds a wildcard; origins are compared exactly, so list each one.", printable(raw))
	}
	if strings.ContainsFunc(u.Host, func(r rune) bool { return r > unicode.MaxASCII }) {
		return metadataErr("allowed_cors_origins: '%s' must write its host in ASCII (punycode, xn--…), as browsers send it in the Origin header.", printable(raw))
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return metadataErr("allowed_cors_origins: '%s' must use https (http only for localhost, 127.0.0.1 and [::1]).", raw)
	}
	if port := u.Port(); port != "" || strings.HasSuffix(u.Host, ":") {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return metadataErr("allowed_cors_origins: '%s' has an invalid port.", raw)
		}
		if (u.Scheme == "https" && n == 443) || (u.Scheme == "http" && n == 80) {
			return metadataErr("allowed_cors_origins: '%s' names the default port; browsers omit it, write %s://%s.", raw, u.Scheme, hostForURL(u.Hostname()))
		}
	}
	if want := strings.ToLower(raw); raw != want {
		return metadataErr("allowed_cors_origins: '%s' must be lowercase as browsers send it: %s.", raw, want)
	}
	return nil
}

func hostForURL(host string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}
