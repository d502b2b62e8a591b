package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/audit"
	"github.com/sigil-oidc/sigil/internal/basicauth"
	"github.com/sigil-oidc/sigil/internal/keys"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/oidc"
	"github.com/sigil-oidc/sigil/internal/secret"
)

// TokenResponse is the successful token response (RFC 6749 section 5.1,
// OpenID Connect Core section 3.1.3.3).
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	// Scope is omitted only for a client credentials token with no scope.
	Scope   string `json:"scope,omitempty"`
	IDToken string `json:"id_token,omitempty"`
	// RefreshToken is issued when the offline scopes were granted to a
	// client registered for the refresh_token grant.
	RefreshToken string `json:"refresh_token,omitempty"`
}

// RefreshTokenPrefix starts a refresh token:
// sigil_rt_<family>.<nonce>.<tag>. The family names the authorization's
// chain of refresh tokens, so that an old token presented again is
// recognised as reuse (RFC 9700 section 4.14.2); the tag, a keyed MAC of
// family and nonce (secret.Keys.RefreshTokenTag), shows that Sigil issued
// it, so that a made-up token naming a known family is refused as a forgery
// and never taken for reuse (which would let anyone who saw a family revoke
// the grant).
const RefreshTokenPrefix = oidc.RefreshTokenPrefix

// Token serves POST /oauth2/token.
func (p *Provider) Token(w http.ResponseWriter, r *http.Request) {
	resp, client, err := p.token(r)
	// CORS: the origin passed the check for some client; the token
	// endpoint also requires that it is this client's.
	if origin := r.Header.Get("Origin"); origin != "" && client != nil && !slices.Contains(client.AllowedCORSOrigins, origin) {
		w.Header().Del("Access-Control-Allow-Origin")
	}
	if err != nil {
		p.writeClientError(w, r, err, "token request failed")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=UTF-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	_ = json.NewEncoder(w).Encode(resp)
}

// writeClientError answers err on an endpoint where the client
// authenticates (token, introspection), logging server errors as what.
func (p *Provider) writeClientError(w http.ResponseWriter, r *http.Request, err error, what string) {
	e := oautherr.From(err)
	if e.Status >= 500 {
		p.Log.Error(what, "err", err)
	}
	// A 401 names the scheme the client can use: RFC 6749 section 5.2
	// requires it when the client tried HTTP authentication, and RFC 9110
	// section 15.5.2 of every 401.
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="sigil", charset="UTF-8"`)
	}
	oautherr.WriteJSON(w, err)
}

func (p *Provider) token(r *http.Request) (*TokenResponse, *sigil.Client, error) {
	form, err := parseForm(r, "The token request (RFC 6749 section 3.2)")
	if err != nil {
		return nil, nil, err
	}
	client, err := p.authenticateClient(r.Context(), r, form)
	if err != nil {
		return nil, nil, err
	}
	var resp *TokenResponse
	switch gt := form.Get("grant_type"); gt {
	case "authorization_code":
		resp, err = p.exchangeCode(r.Context(), client, form)
	case "refresh_token":
		resp, err = p.refresh(r.Context(), client, form)
	case "client_credentials":
		resp, err = p.clientCredentials(r.Context(), client, form)
	case "":
		err = oautherr.ErrInvalidRequest.WithHint("The grant_type parameter is missing.")
	default:
		err = oautherr.ErrUnsupportedGrantType.WithHint("grant_type '%s' is not supported; use authorization_code, refresh_token or client_credentials.", oautherr.Shown(gt))
	}
	return resp, client, err
}

// exchangeCode redeems an authorization code (RFC 6749 section 4.1.3). The
// store matches code, client, redirect URI and PKCE verifier in one
// conditional write, so a code works once and only for its client.
func (p *Provider) exchangeCode(ctx context.Context, client *sigil.Client, form url.Values) (*TokenResponse, error) {
	if !slices.Contains(client.GrantTypes, "authorization_code") {
		return nil, oautherr.ErrUnauthorizedClient.WithHint("Client '%s' is not registered for the authorization_code grant.", client.ID)
	}
	code := form.Get("code")
	if code == "" {
		return nil, oautherr.ErrInvalidRequest.WithHint("The code parameter is missing.")
	}
	redirectURI := form.Get("redirect_uri")
	if redirectURI == "" {
		return nil, oautherr.ErrInvalidRequest.WithHint("The redirect_uri parameter is missing; send the one used in the authorization request.")
	}
	// A client that may skip PKCE (require_pkce false) redeems a code
	// issued without a challenge with no verifier. Whether this code had a
	// challenge is in the store's one write: a verifier for a code without
	// one, or none for a code with one, matches nothing (invalid_grant;
	// RFC 9700 section 2.1.1).
	verifier := form.Get("code_verifier")
	if verifier == "" && client.PKCERequired() {
		return nil, oautherr.ErrInvalidRequest.WithHint("The code_verifier parameter is missing; PKCE is required (RFC 7636 section 4.5).")
	}
	if verifier != "" && !pkceValue.MatchString(verifier) {
		return nil, oautherr.ErrInvalidRequest.WithHint("The code_verifier must be 43 to 128 characters of [A-Za-z0-9._~-] (RFC 7636 section 4.1).")
	}
	if !strings.HasPrefix(code, CodePrefix) {
		return nil, oautherr.ErrInvalidGrant.WithHint("The code is not an authorization code issued by Sigil.")
	}
	resources, err := resourceParams(client, form["resource"])
	if err != nil {
		return nil, err
	}
	now := p.Now()
	accessToken, accessHash := p.newAccessToken(client)
	ex := sigil.CodeExchange{
		CodeHash:             p.Secrets.HashToken(code),
		ClientID:             client.ID,
		RedirectURI:          redirectURI,
		S256Challenge:        s256Challenge(verifier),
		PlainChallenge:       verifier,
		AccessTokenHash:      accessHash,
		AccessTokenExpiresAt: now.Add(p.Lifetimes.AccessToken),
		Audience:             resources,
	}
	// Whether the offline scopes were granted is only known from the
	// stored authorization, which this single write returns; so a refresh
	// token is prepared for every client that may have one, and the store
	// keeps it only for an offline grant.
	var refreshToken string
	if slices.Contains(client.GrantTypes, "refresh_token") {
		refreshToken, ex.RefreshFamily = p.newRefreshToken("")
		ex.RefreshTokenHash = p.Secrets.HashToken(refreshToken)
		ex.RefreshTokenExpiresAt = now.Add(p.Lifetimes.RefreshToken)
	}
	a, err := p.Store.ExchangeCode(ctx, ex, now)
	switch {
	case errors.Is(err, sigil.ErrConflict):
		audit.Event(ctx, p.Log, audit.CodeReplay, slog.String("client_id", client.ID))
		return nil, oautherr.ErrInvalidGrant.WithHint("The authorization code has already been used; every token issued from it is now revoked (RFC 6749 section 4.1.2).")
	case errors.Is(err, sigil.ErrNotFound):
		return nil, oautherr.ErrInvalidGrant.WithHint("The authorization code is invalid or expired, or the client, redirect_uri or code_verifier does not match the authorization request.")
	case err != nil:
		return nil, fmt.Errorf("exchange code: %w", err)
	}
	if err := p.checkGrantedTarget(ctx, client, a, resources, accessHash); err != nil {
		return nil, err
	}
	// A code lives minutes; the domain may have changed hands meanwhile.
	if p.ownerChanged(ctx, a, accessHash, "exchange") {
		return nil, errOwnerChanged(a)
	}
	if a.RefreshFamily == "" { // the offline scopes were not granted
		refreshToken = ""
	}
	return p.tokenResponse(client, a, accessToken, refreshToken, now)
}

// clientCredentials issues an access token to a confidential client for
// itself (RFC 6749 section 4.4). There is no person, so no ID token and no
// refresh token (section 4.4.3); openid, which asks for a person's
// identity, is invalid_scope. The scope is the requested one, each token of
// which the client must have registered, or without a scope parameter the
// registered scope less openid (section 3.3 lets the server apply a
// default). The token is stored, as its keyed hash, before it is answered.
// s256Challenge is the S256 code_challenge a verifier answers (RFC 7636
// section 4.6). No verifier answers no challenge: were the hash of the empty
// string sent, a code issued with that challenge would otherwise be redeemed
// with no verifier at all, and RFC 9700 section 2.1.1 requires that a
// challenge once sent is enforced. A stored S256 challenge is never empty.
func s256Challenge(verifier string) string {
	if verifier == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (p *Provider) clientCredentials(ctx context.Context, client *sigil.Client, form url.Values) (*TokenResponse, error) {
	if client.Public() {
		return nil, oautherr.ErrUnauthorizedClient.WithHint("Client '%s' is public (token_endpoint_auth_method none); the client_credentials grant is only for confidential clients (RFC 6749 section 4.4).", client.ID)
	}
	if !slices.Contains(client.GrantTypes, "client_credentials") {
		return nil, oautherr.ErrUnauthorizedClient.WithHint("Client '%s' is not registered for the client_credentials grant.", client.ID)
	}
	granted, err := clientCredentialsScope(client, form.Get("scope"))
	if err != nil {
		return nil, err
	}
	// RFC 8707 section 2: a client credentials token may name any of the
	// client's registered resources; there is no grant to stay within.
	resources, err := resourceParams(client, form["resource"])
	if err != nil {
		return nil, err
	}
	now := p.Now()
	accessToken, accessHash := p.newAccessToken(client)
	tok := sigil.ClientToken{
		ID:              secret.NewSortableID(now),
		ClientID:        client.ID,
		Scope:           granted,
		AccessTokenHash: accessHash,
		Audience:        resources,
		IssuedAt:        now,
		ExpiresAt:       now.Add(p.Lifetimes.AccessToken),
	}
	err = p.Store.CreateClientToken(ctx, tok)
	if errors.Is(err, sigil.ErrNotFound) {
		// The client was deleted (on another node) after it was read,
		// possibly from the client cache: no token is stored.
		return nil, oautherr.ErrInvalidClient.WithHint("No client is registered with client_id '%s'.", client.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("store client credentials token: %w", err)
	}
	if client.JWTAccessTokens() {
		// The claims of the token just stored, as the store would read
		// them back (sigil.Store.CreateClientToken).
		a := &sigil.Authorization{ID: tok.ID, ClientID: client.ID, GrantedScope: granted,
			Audience: resources, AccessTokenExpiresAt: tok.ExpiresAt}
		if accessToken, err = p.finishAccessToken(client, a, accessToken, now); err != nil {
			return nil, err
		}
	}
	return &TokenResponse{
		AccessToken: accessToken,
		TokenType:   "Bearer",
		ExpiresIn:   int64(p.Lifetimes.AccessToken.Seconds()),
		Scope:       granted.String(),
	}, nil
}

// clientCredentialsScope is the scope a client credentials token gets; see
// clientCredentials.
func clientCredentialsScope(client *sigil.Client, requested string) (sigil.Scopes, error) {
	if strings.Trim(requested, " ") == "" {
		var out sigil.Scopes
		for _, s := range client.Scope {
			if s != "openid" {
				out = append(out, s)
			}
		}
		return out, nil
	}
	if err := checkScopeSyntax(requested); err != nil {
		return nil, err
	}
	scopes := sigil.ParseScopes(requested)
	for _, s := range scopes {
		if s == "openid" {
			return nil, oautherr.ErrInvalidScope.WithHint("The scope openid asks for a person's identity, and a client_credentials token has no person (no ID token); leave openid out.")
		}
		if !client.Scope.Has(s) {
			return nil, oautherr.ErrInvalidScope.WithHint("Client '%s' is not registered for the scope '%s'; request only scopes of its registration.", client.ID, oautherr.Shown(s))
		}
	}
	return scopes, nil
}

// checkScopeSyntax refuses a scope parameter (of the authorization or the
// token endpoint) with a character no scope token may hold. Tokens are
// separated by spaces alone (RFC 6749 section 3.3), as at registration: a
// tab or a line break is such a character, not a separator.
func checkScopeSyntax(scope string) error {
	for _, s := range strings.Split(scope, " ") {
		if s != "" && !sigil.ValidScopeToken(s) {
			return oautherr.ErrInvalidScope.WithHint("The scope parameter holds a character that a scope token cannot have (RFC 6749 section 3.3: printable ASCII but for double quote and backslash, tokens separated by spaces).")
		}
	}
	return nil
}

// tokenResponse signs the ID token with the algorithm the client registered
// (id_token_signed_response_alg, OpenID Connect Registration 1.0 section 2;
// RS256 by default) and assembles the answer.
//
// accessToken is what newAccessToken returned; a JWT access token is signed
// here, once the write returned the authorization its claims describe.
func (p *Provider) tokenResponse(client *sigil.Client, a *sigil.Authorization, accessToken, refreshToken string, now time.Time) (*TokenResponse, error) {
	accessToken, err := p.finishAccessToken(client, a, accessToken, now)
	if err != nil {
		return nil, err
	}
	alg := client.IDTokenAlg()
	idToken, err := p.Signer.Sign(alg, oidc.IDTokenClaims(p.IssuerString(), a, p.subject(client, a), accessToken, alg, now, p.Lifetimes.IDToken), keys.TypeJWT)
	if err != nil {
		return nil, fmt.Errorf("sign id token: %w", err)
	}
	return &TokenResponse{
		AccessToken:  accessToken,
		TokenType:    "Bearer",
		ExpiresIn:    int64(p.Lifetimes.AccessToken.Seconds()),
		Scope:        a.GrantedScope.String(),
		IDToken:      idToken,
		RefreshToken: refreshToken,
	}, nil
}

// newRefreshToken returns a new refresh token of family, or of a new
// family when family is empty: sigil_rt_<family>.<nonce>.<tag> (see
// RefreshTokenPrefix). The nonce and the tag carry 128 and 256 bits.
func (p *Provider) newRefreshToken(family string) (token, fam string) {
	if family == "" {
		family = secret.RandomString(16)
	}
	body := family + "." + secret.RandomString(16)
	return RefreshTokenPrefix + body + "." + p.Secrets.RefreshTokenTag(body), family
}

// refreshFamily returns the family of a refresh token that Sigil issued,
// and false for anything else: another format, or a tag that does not
// check (a forgery, or a token of another system secret).
func (p *Provider) refreshFamily(token string) (string, bool) {
	rest, ok := strings.CutPrefix(token, RefreshTokenPrefix)
	i := strings.LastIndexByte(rest, '.')
	if !ok || i < 0 {
		return "", false
	}
	body, tag := rest[:i], rest[i+1:]
	family, nonce, ok := strings.Cut(body, ".")
	if !ok || family == "" || nonce == "" || !p.Secrets.CheckRefreshTokenTag(body, tag) {
		return "", false
	}
	return family, true
}

// legacyRefreshFamily returns the family of a refresh token in the format
// Sigil issued before tokens carried a tag: sigil_rt_<family>.<random>,
// 16 and 32 random bytes in base64url (22 and 43 characters).
func legacyRefreshFamily(token string) (string, bool) {
	rest, ok := strings.CutPrefix(token, RefreshTokenPrefix)
	family, random, cut := strings.Cut(rest, ".")
	if !ok || !cut || len(family) != 22 || len(random) != 43 || strings.Contains(random, ".") {
		return "", false
	}
	return family, true
}

// refresh redeems a refresh token (RFC 6749 section 6). Each use rotates it
// (RFC 9700 section 4.14.2): the old one dies, and presenting it again
// revokes the whole authorization, which defeats a stolen token whichever
// of thief and owner uses it second. The new ID token keeps the original
// auth_time (OpenID Connect Core section 12.2).
func (p *Provider) refresh(ctx context.Context, client *sigil.Client, form url.Values) (*TokenResponse, error) {
	if !slices.Contains(client.GrantTypes, "refresh_token") {
		return nil, oautherr.ErrUnauthorizedClient.WithHint("Client '%s' is not registered for the refresh_token grant.", client.ID)
	}
	token := form.Get("refresh_token")
	if token == "" {
		return nil, oautherr.ErrInvalidRequest.WithHint("The refresh_token parameter is missing.")
	}
	// Only a token Sigil issued reaches the store, whose answer to a
	// token of the family that is not the current one is to revoke the
	// grant as reuse: a forged token naming a known family stops here and
	// changes nothing.
	family, proven := p.refreshFamily(token)
	if !proven {
		// A token of the format before tags (sigil_rt_<family>.<random>)
		// still rotates, so that an upgrade signs nobody out, but as
		// unproven: a mismatch revokes nothing. Its successor is tagged.
		var ok bool
		if family, ok = legacyRefreshFamily(token); !ok {
			return nil, oautherr.ErrInvalidGrant.WithHint("The refresh token is not one Sigil issued.")
		}
	}
	// A refresh never changes the scope (RFC 6749 section 6 allows
	// narrowing; Sigil keeps one scope per authorization). The store
	// compares it in the same write, so a mismatch costs nothing extra.
	var scopeParam string
	if s := form.Get("scope"); s != "" {
		if err := checkScopeSyntax(s); err != nil {
			return nil, err
		}
		ss := sigil.ParseScopes(s)
		sort.Strings(ss)
		scopeParam = ss.String()
	}
	now := p.Now()
	tokenHash := p.Secrets.HashToken(token)
	resources, err := p.refreshResources(ctx, client, form["resource"], tokenHash, now)
	if err != nil {
		return nil, err
	}
	accessToken, accessHash := p.newAccessToken(client)
	newRefresh, _ := p.newRefreshToken(family)
	a, err := p.Store.RefreshAuthorization(ctx, sigil.RefreshExchange{
		Family:                   family,
		TokenHash:                tokenHash,
		ClientID:                 client.ID,
		NewRefreshTokenHash:      p.Secrets.HashToken(newRefresh),
		NewRefreshTokenExpiresAt: now.Add(p.Lifetimes.RefreshToken),
		AccessTokenHash:          accessHash,
		AccessTokenExpiresAt:     now.Add(p.Lifetimes.AccessToken),
		Scope:                    scopeParam,
		Audience:                 resources,
		Unproven:                 !proven,
	}, now)
	switch {
	case errors.Is(err, sigil.ErrNotFound) && scopeParam != "":
		return nil, p.refreshScopeError(ctx, client, tokenHash, sigil.ParseScopes(scopeParam), now)
	case errors.Is(err, sigil.ErrConflict):
		audit.Event(ctx, p.Log, audit.RefreshReuse, slog.String("client_id", client.ID), slog.String("family_hash", audit.Fingerprint(family)))
		return nil, oautherr.ErrInvalidGrant.WithHint("The refresh token was already used; every token of this authorization is now revoked (RFC 9700 section 4.14.2). Sign in again.")
	case errors.Is(err, sigil.ErrNotFound):
		return nil, oautherr.ErrInvalidGrant.WithHint("The refresh token is invalid, expired, revoked, or was issued to another client.")
	case err != nil:
		return nil, fmt.Errorf("refresh: %w", err)
	}
	// Ownership follows the chain: a grant whose domain changed hands
	// ends here, revoked (through the access token just written), so the
	// previous owner's refresh tokens never work again. The check is
	// made after the rotating write, which returns the authorization, so
	// that a refresh costs no extra statement.
	if p.ownerChanged(ctx, a, accessHash, "refresh") {
		return nil, errOwnerChanged(a)
	}
	return p.tokenResponse(client, a, accessToken, newRefresh, now)
}

// refreshScopeError says why a refresh that sent a scope failed: the
// token may be at fault, or the scope, which must be the granted one
// (Sigil keeps one scope per grant, so it does not narrow it as RFC 6749
// section 6 allows). The write matched nothing and rotated nothing; one
// read, only on this path, tells the two apart.
func (p *Provider) refreshScopeError(ctx context.Context, client *sigil.Client, tokenHash []byte, requested sigil.Scopes, now time.Time) error {
	a, err := p.Store.GetAuthorizationByRefreshToken(ctx, tokenHash, now)
	if err != nil || a.ClientID != client.ID {
		return oautherr.ErrInvalidGrant.WithHint("The refresh token is invalid, expired, revoked, or was issued to another client.")
	}
	for _, s := range requested {
		if !a.GrantedScope.Has(s) {
			// Section 5.2: a scope that exceeds the grant.
			return oautherr.ErrInvalidScope.WithHint("The scope '%s' is not part of the granted scope '%s'; a refresh cannot widen the grant (RFC 6749 section 6). The refresh token is unchanged.",
				oautherr.Shown(s), a.GrantedScope.String())
		}
	}
	return oautherr.ErrInvalidScope.WithHint("A refresh keeps the granted scope '%s' and does not narrow it; omit the scope parameter, or send exactly that scope. The refresh token is unchanged.",
		a.GrantedScope.String())
}

// authenticateClient authenticates the client with the method it registered
// (RFC 6749 section 2.3, OpenID Connect Core section 9). Using another
// method, or two at once, fails.
func (p *Provider) authenticateClient(ctx context.Context, r *http.Request, form url.Values) (*sigil.Client, error) {
	basicID, basicSecret, hasBasic, err := basicCredentials(r)
	if err != nil {
		return nil, err
	}
	// Sigil supports no JWT client authentication (private_key_jwt,
	// client_secret_jwt; discovery lists neither): an assertion is refused,
	// not dropped, so that a client that believes it authenticates with a
	// key is not let in as if it had sent nothing (RFC 7521 section 4.2.1:
	// an assertion that cannot be validated is invalid_client), and one
	// that also sends a secret is not using two methods at once (RFC 6749
	// section 2.3).
	if form.Has("client_assertion") || form.Has("client_assertion_type") {
		return nil, oautherr.ErrInvalidClient.WithHint("Sigil does not accept client assertions (private_key_jwt, client_secret_jwt); authenticate with the client's registered method: client_secret_basic, client_secret_post or, for a public client, client_id alone.")
	}
	postSecret := form.Get("client_secret")
	if hasBasic && postSecret != "" {
		return nil, oautherr.ErrInvalidRequest.WithHint("The client authenticated with both client_secret_basic and client_secret_post; use one method.")
	}
	id := form.Get("client_id")
	if hasBasic {
		if id != "" && id != basicID {
			return nil, oautherr.ErrInvalidRequest.WithHint("The client_id in the body differs from the one in the Authorization header.")
		}
		id = basicID
	}
	if id == "" {
		return nil, oautherr.ErrInvalidClient.WithHint("No client authentication was included: send client_id (and the secret with the client's registered method).")
	}
	client, err := p.Store.GetClient(ctx, id)
	if errors.Is(err, sigil.ErrNotFound) {
		return nil, oautherr.ErrInvalidClient.WithHint("No client is registered with client_id '%s'.", oautherr.Shown(id))
	}
	if err != nil {
		return nil, fmt.Errorf("load client %q: %w", id, err)
	}
	var presented string
	switch method := client.TokenEndpointAuthMethod; method {
	case sigil.AuthMethodNone:
		if hasBasic || postSecret != "" {
			return nil, oautherr.ErrInvalidClient.WithHint("Client '%s' is public (token_endpoint_auth_method none) and must not send a secret.", id)
		}
		return client, nil
	case sigil.AuthMethodClientSecretBasic:
		if !hasBasic {
			return nil, oautherr.ErrInvalidClient.WithHint("Client '%s' must authenticate with HTTP Basic (client_secret_basic).", id)
		}
		presented = basicSecret
	case sigil.AuthMethodClientSecretPost:
		if postSecret == "" {
			return nil, oautherr.ErrInvalidClient.WithHint("Client '%s' must send client_secret in the form body (client_secret_post).", id)
		}
		presented = postSecret
	default:
		return nil, oautherr.ErrMisconfiguration.WithHint("Client '%s' has an unsupported token_endpoint_auth_method.", id)
	}
	sum := sha256.Sum256([]byte(presented))
	if len(client.SecretHash) != len(sum) || subtle.ConstantTimeCompare(sum[:], client.SecretHash) != 1 {
		return nil, oautherr.ErrInvalidClient.WithHint("The client secret of client '%s' is wrong.", id)
	}
	return client, nil
}

// basicCredentials reads the client_secret_basic credentials of r (package
// basicauth): ok is false when r has no Authorization header. A header
// that is there but holds no Basic credentials is invalid_client, a 401,
// as RFC 6749 section 5.2 asks of a client that tried HTTP authentication;
// two headers are refused rather than one of them chosen, so that Sigil
// and a proxy in front of it cannot disagree on who the client is.
func basicCredentials(r *http.Request) (id, secret string, ok bool, err error) {
	id, secret, ok, err = basicauth.FromRequest(r)
	switch {
	case err == nil:
		return id, secret, ok, nil
	case errors.Is(err, basicauth.ErrSeveralHeaders):
		return "", "", false, oautherr.ErrInvalidRequest.WithHint("The request has %d Authorization headers; send one (RFC 9110 section 5.3).", len(r.Header.Values("Authorization")))
	case errors.Is(err, basicauth.ErrScheme):
		scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		return "", "", false, oautherr.ErrInvalidClient.WithHint("The Authorization header uses the scheme '%s'; a client authenticates here with HTTP Basic (client_secret_basic) or with client_secret in the form body (client_secret_post).", oautherr.Shown(scheme))
	case errors.Is(err, basicauth.ErrBase64):
		return "", "", false, oautherr.ErrInvalidClient.WithHint("The HTTP Basic credentials in the Authorization header are not valid base64 (RFC 7617 section 2).")
	case errors.Is(err, basicauth.ErrNoColon):
		return "", "", false, oautherr.ErrInvalidClient.WithHint("The HTTP Basic credentials in the Authorization header have no colon between the client_id and the secret (RFC 7617 section 2).")
	default:
		return "", "", false, oautherr.ErrInvalidClient.WithHint("The client_id and secret in the Authorization header must each be form-urlencoded before they are joined (RFC 6749 section 2.3.1); one has a malformed percent-encoding.")
	}
}
