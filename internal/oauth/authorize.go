package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/oidc"
	"github.com/sigil-oidc/sigil/internal/scope"
	"github.com/sigil-oidc/sigil/internal/secret"
	"github.com/sigil-oidc/sigil/internal/session"
)

// Entropy floors for client-chosen values, as fosite enforces them: a
// shorter state or nonce is guessable.
const (
	minStateLen = 8
	minNonceLen = 8
)

// pkceValue is the syntax of code_challenge and code_verifier (RFC 7636
// section 4.1): 43 to 128 unreserved characters.
var pkceValue = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// AuthorizationRequest is a validated authorization request (OpenID Connect
// Core section 3.1.2.1).
type AuthorizationRequest struct {
	Client              *sigil.Client
	RedirectURI         string
	ResponseMode        string
	Scope               sigil.Scopes
	State               string
	Nonce               string
	CodeChallenge       string
	CodeChallengeMethod string
	Prompt              []string
	MaxAge              int64
	LoginHint           string
	IDTokenHintSubject  string
}

// hasPrompt reports whether the prompt parameter contains v.
func (r *AuthorizationRequest) hasPrompt(v string) bool { return slices.Contains(r.Prompt, v) }

// Authorize serves GET and POST /oauth2/auth (OpenID Connect Core section
// 3.1.2.1 requires both). It validates the request, then either sends the
// browser to the login page, answers at once from an existing session, or
// returns an error: to the client's redirect URI once that URI is trusted,
// otherwise on an error page.
func (p *Provider) Authorize(w http.ResponseWriter, r *http.Request) {
	params, err := authorizeParams(r)
	if err != nil {
		p.ErrorPage(w, r, err)
		return
	}
	client, redirectURI, err := p.clientAndRedirectURI(r.Context(), params)
	if err != nil {
		p.ErrorPage(w, r, err)
		return
	}
	// From here the redirect URI is trusted: errors go back to it.
	// Errors are answered in the requested response mode when it is usable,
	// else in the default (query).
	mode := params.Get("response_mode")
	webRedirect := strings.HasPrefix(redirectURI, "https://") || strings.HasPrefix(redirectURI, "http://")
	if mode != ModeFragment && (mode != ModeFormPost || !webRedirect) {
		mode = ModeQuery
	}
	state := params.Get("state")
	fail := func(err error) {
		params := url.Values{}
		oautherr.AddTo(params, err)
		to, uerr := p.responseURL(redirectURI, mode, state, params)
		if uerr != nil {
			p.ErrorPage(w, r, err)
			return
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	}
	req, err := p.validateAuthorizationRequest(params, client, redirectURI)
	if err != nil {
		fail(err)
		return
	}

	now := p.Now()
	sess, sessErr := p.Cookies.Read(r, now)
	usable := sessErr == nil && p.sessionUsable(req, sess, now)
	if req.hasPrompt("none") && !usable {
		fail(oautherr.ErrLoginRequired.WithHint("prompt=none was requested but the person has no usable session at Sigil; send the request without prompt=none."))
		return
	}

	browser := p.Cookies.Browser(w, r)
	a := &sigil.Authorization{
		ID:                  secret.RandomString(24),
		BrowserHash:         p.Secrets.HashBrowser(browser),
		ClientID:            client.ID,
		State:               sigil.StateRequested,
		RedirectURI:         req.RedirectURI,
		ResponseMode:        req.ResponseMode,
		Scope:               req.Scope,
		OAuthState:          req.State,
		Nonce:               req.Nonce,
		CodeChallenge:       req.CodeChallenge,
		CodeChallengeMethod: req.CodeChallengeMethod,
		Prompt:              strings.Join(req.Prompt, " "),
		MaxAge:              req.MaxAge,
		LoginHint:           req.LoginHint,
		RequestedAt:         now,
		ExpiresAt:           now.Add(p.Lifetimes.Flow),
	}
	if err := p.Store.CreateAuthorization(r.Context(), a); err != nil {
		p.Log.Error("create authorization", "err", err)
		fail(oautherr.ErrServerError.WithHint("The authorization could not be stored; try again."))
		return
	}
	var records map[string]string
	if usable {
		// The session is only as good as the ownership behind it: a domain
		// that moved to another wallet since sign-in needs a new signature.
		d, err := p.Domains.Resolve(r.Context(), sess.Subject)
		switch {
		case errors.Is(err, sigil.ErrResolverUnavailable):
			p.Log.Warn("authorize: domain source unavailable", "domain", sess.Subject, "err", err)
			fail(oautherr.ErrTemporarilyUnavailable.WithHint("The owner of %s could not be looked up right now; try again in a moment.", sess.Subject))
			return
		case err != nil || d.Owner != sess.Address:
			usable = false
		default:
			records = d.Records
		}
	}
	if !usable {
		if req.hasPrompt("none") {
			fail(oautherr.ErrLoginRequired.WithHint("prompt=none was requested but the person's session at Sigil is no longer valid; send the request without prompt=none."))
			return
		}
		http.Redirect(w, r, p.Endpoint("/login")+"?flow="+url.QueryEscape(a.ID), http.StatusSeeOther)
		return
	}
	to, err := p.resumeSession(r.Context(), a, sess, req, records)
	if err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// resumeSession signs a in with the browser's session (single sign-on) and
// returns where the browser goes next: straight back to the client when the
// person's consent is remembered, else the consent page.
func (p *Provider) resumeSession(ctx context.Context, a *sigil.Authorization, s session.Session, req *AuthorizationRequest, records map[string]string) (string, error) {
	remembered, err := p.Store.GetConsent(ctx, s.Subject, a.ClientID)
	if err != nil && !errors.Is(err, sigil.ErrNotFound) {
		return "", fmt.Errorf("read consent: %w", err)
	}
	auth := sigil.Authentication{
		Subject: s.Subject, Address: s.Address, Message: s.Message, Signature: s.Signature,
		WalletTypeHint: s.WalletTypeHint, AuthTime: s.AuthTime, SessionID: s.ID,
		Records: oidc.ClaimRecords(records),
	}
	var code string
	if granted, ok := scope.Remembered(a.Scope, remembered); ok && !req.hasPrompt("consent") {
		auth.GrantedScope = granted
		code, auth.CodeHash, auth.CodeExpiresAt = p.NewCode()
	} else if req.hasPrompt("none") {
		return "", oautherr.ErrConsentRequired.WithHint("prompt=none was requested but the person has not yet consented to scopes %q for this client.", a.Scope.String())
	}
	updated, err := p.Store.ResumeAuthorization(ctx, a.ID, a.BrowserHash, auth, p.Now())
	if err != nil {
		return "", fmt.Errorf("resume authorization: %w", err)
	}
	if code == "" {
		return p.Endpoint("/consent") + "?flow=" + url.QueryEscape(a.ID), nil
	}
	return p.CodeURL(updated, code)
}

// sessionUsable decides whether an existing session may answer req without
// a new signature: not with prompt=login (or select_account), not when older
// than max_age (OpenID Connect Core section 3.1.2.1), and not for another
// person than login_hint or id_token_hint names.
func (p *Provider) sessionUsable(req *AuthorizationRequest, s session.Session, now time.Time) bool {
	if req.hasPrompt("login") || req.hasPrompt("select_account") {
		return false
	}
	// max_age=0 asks for a fresh sign-in every time, like prompt=login.
	if req.MaxAge == 0 || (req.MaxAge > 0 && now.Unix()-s.AuthTime.Unix() > req.MaxAge) {
		return false
	}
	if req.LoginHint != "" && !strings.EqualFold(req.LoginHint, s.Subject) {
		return false
	}
	if req.IDTokenHintSubject != "" && req.IDTokenHintSubject != s.Subject {
		return false
	}
	return true
}

// authorizeParams reads the request parameters from the query (GET) or the
// form body (POST), rejecting repeated parameters (RFC 6749 section 3.1).
func authorizeParams(r *http.Request) (url.Values, error) {
	var params url.Values
	switch r.Method {
	case http.MethodGet:
		params = r.URL.Query()
	case http.MethodPost:
		return parseForm(r, "A POST to the authorization endpoint")
	default:
		return nil, oautherr.ErrInvalidRequest.WithHint("Use GET or POST.")
	}
	return params, single(params)
}

// parseForm reads a form body (application/x-www-form-urlencoded, at most
// 64 KiB) whose parameters each appear once (RFC 6749 section 3.1). what
// names the request in the error.
func parseForm(r *http.Request, what string) (url.Values, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		return nil, oautherr.ErrInvalidRequest.WithHint("%s must be a form (application/x-www-form-urlencoded).", what)
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return nil, oautherr.ErrInvalidRequest.WithHint("The form body could not be parsed.")
	}
	return r.PostForm, single(r.PostForm)
}

// single rejects a parameter given more than once (RFC 6749 section 3.1).
func single(params url.Values) error {
	for k, v := range params {
		if len(v) > 1 {
			return oautherr.ErrInvalidRequest.WithHint("Parameter %q is included more than once.", k)
		}
	}
	return nil
}

// clientAndRedirectURI identifies the client and the redirect URI. Errors
// here are shown on a page, never redirected: an unknown client or an
// unregistered redirect URI would make Sigil an open redirector.
func (p *Provider) clientAndRedirectURI(ctx context.Context, params url.Values) (*sigil.Client, string, error) {
	id := params.Get("client_id")
	if id == "" {
		return nil, "", oautherr.ErrInvalidRequest.WithHint("The client_id parameter is missing.")
	}
	client, err := p.Store.GetClient(ctx, id)
	if errors.Is(err, sigil.ErrNotFound) {
		return nil, "", oautherr.ErrInvalidClient.WithHint("No client is registered with client_id %q.", id)
	}
	if err != nil {
		return nil, "", fmt.Errorf("load client %q: %w", id, err)
	}
	redirectURI := params.Get("redirect_uri")
	if redirectURI == "" {
		// RFC 6749 section 3.1.2.3: optional only when exactly one is registered.
		if len(client.RedirectURIs) != 1 {
			return nil, "", oautherr.ErrInvalidRequest.WithHint("The redirect_uri parameter is missing and client %q has %d redirect URIs registered; send one of them.", id, len(client.RedirectURIs))
		}
		redirectURI = client.RedirectURIs[0]
	}
	if !matchRedirectURI(client.RedirectURIs, redirectURI) {
		return nil, "", oautherr.ErrInvalidRequest.WithHint("The redirect_uri %q is not registered for client %q; register it exactly (only the port of a loopback URI may vary).", redirectURI, id)
	}
	return client, redirectURI, nil
}

// validateAuthorizationRequest checks everything after the redirect URI.
func (p *Provider) validateAuthorizationRequest(params url.Values, client *sigil.Client, redirectURI string) (*AuthorizationRequest, error) {
	req := &AuthorizationRequest{Client: client, RedirectURI: redirectURI, MaxAge: -1,
		State: params.Get("state"), Nonce: params.Get("nonce"), LoginHint: strings.TrimSpace(params.Get("login_hint"))}

	if params.Has("request") {
		return nil, oautherr.ErrRequestNotSupported.WithHint("Send the authorization request as plain parameters instead of a request object.")
	}
	if params.Has("request_uri") {
		return nil, oautherr.ErrRequestURINotSupported.WithHint("Send the authorization request as plain parameters instead of a request_uri.")
	}
	switch rt := params.Get("response_type"); rt {
	case "code":
		if !slices.Contains(client.ResponseTypes, "code") {
			return nil, oautherr.ErrUnauthorizedClient.WithHint("Client %q is not registered for response_type=code.", client.ID)
		}
	case "":
		return nil, oautherr.ErrInvalidRequest.WithHint("The response_type parameter is missing; use response_type=code.")
	default:
		return nil, oautherr.ErrUnsupportedResponseType.WithHint("response_type %q is not supported; use response_type=code.", rt)
	}
	switch mode := params.Get("response_mode"); mode {
	case "":
		req.ResponseMode = ModeQuery
	case ModeFormPost:
		// A form can only post to a web address: an app's private-use scheme
		// (RFC 8252 section 7.1) needs query or fragment.
		if !strings.HasPrefix(redirectURI, "https://") && !strings.HasPrefix(redirectURI, "http://") {
			return nil, oautherr.ErrUnsupportedResponseMode.WithHint("response_mode form_post needs an http(s) redirect_uri; use query or fragment for %q.", redirectURI)
		}
		req.ResponseMode = mode
	case ModeQuery, ModeFragment:
		req.ResponseMode = mode
	default:
		return nil, oautherr.ErrUnsupportedResponseMode.WithHint("response_mode %q is not supported; use query, fragment or form_post.", mode)
	}
	if req.State != "" && len(req.State) < minStateLen {
		return nil, oautherr.ErrInvalidState.WithHint("The state is %d characters long; send at least %d random characters.", len(req.State), minStateLen)
	}
	if req.Nonce != "" && len(req.Nonce) < minNonceLen {
		return nil, oautherr.ErrInsufficientEntropy.WithHint("The nonce is %d characters long; send at least %d random characters.", len(req.Nonce), minNonceLen)
	}

	req.Scope = sigil.ParseScopes(params.Get("scope"))
	if hint := scope.Validate(req.Scope, client.Scope); hint != "" {
		return nil, oautherr.ErrInvalidScope.WithHint("%s", hint)
	}

	// PKCE is mandatory (RFC 9700 section 2.1.1): every code is bound to a
	// verifier, which also defeats the downgrade of section 4.8.2.
	req.CodeChallenge = params.Get("code_challenge")
	req.CodeChallengeMethod = params.Get("code_challenge_method")
	if req.CodeChallenge == "" {
		return nil, oautherr.ErrInvalidRequest.WithHint("PKCE is required: send code_challenge and code_challenge_method=S256 (RFC 7636).")
	}
	if req.CodeChallengeMethod == "" {
		req.CodeChallengeMethod = "plain" // RFC 7636 section 4.3 default.
	}
	switch req.CodeChallengeMethod {
	case "S256":
	case "plain":
		if !client.AllowPlainPKCE {
			return nil, oautherr.ErrInvalidRequest.WithHint("code_challenge_method plain is not allowed for client %q; use S256.", client.ID)
		}
	default:
		return nil, oautherr.ErrInvalidRequest.WithHint("code_challenge_method %q is not supported; use S256.", req.CodeChallengeMethod)
	}
	if !pkceValue.MatchString(req.CodeChallenge) {
		return nil, oautherr.ErrInvalidRequest.WithHint("The code_challenge must be 43 to 128 characters of [A-Za-z0-9._~-] (RFC 7636 section 4.2).")
	}

	if v := params.Get("prompt"); v != "" {
		req.Prompt = strings.Fields(v)
		for _, pr := range req.Prompt {
			switch pr {
			case "none", "login", "consent", "select_account":
			default:
				return nil, oautherr.ErrInvalidRequest.WithHint("prompt value %q is not supported; use none, login, consent or select_account.", pr)
			}
		}
		if req.hasPrompt("none") && len(req.Prompt) > 1 {
			return nil, oautherr.ErrInvalidRequest.WithHint("prompt=none cannot be combined with other prompt values (OpenID Connect Core section 3.1.2.1).")
		}
	}
	if v := params.Get("max_age"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return nil, oautherr.ErrInvalidRequest.WithHint("max_age %q must be a non-negative number of seconds.", v)
		}
		req.MaxAge = n
	}
	if hint := params.Get("id_token_hint"); hint != "" {
		sub, err := p.idTokenHintSubject(hint)
		if err != nil {
			return nil, oautherr.ErrInvalidRequest.WithHint("The id_token_hint is not an ID token issued by this provider.")
		}
		req.IDTokenHintSubject = sub
	}
	return req, nil
}

// idTokenHintSubject verifies an id_token_hint (signed by us; its expiry does
// not matter, OpenID Connect Core section 3.1.2.1) and returns its subject.
func (p *Provider) idTokenHintSubject(token string) (string, error) {
	payload, err := p.Signer.Verify(token)
	if err != nil {
		return "", err
	}
	var claims struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.Iss != p.IssuerString() || claims.Sub == "" {
		return "", errors.New("not our ID token")
	}
	return claims.Sub, nil
}
