package oauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/keys"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/oidc"
	"github.com/sigil-oidc/sigil/internal/ratelimit"
	"github.com/sigil-oidc/sigil/internal/scope"
	"github.com/sigil-oidc/sigil/internal/session"
	"github.com/sigil-oidc/sigil/internal/urlform"
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
	// Resources are the RFC 8707 resource parameters, each registered for
	// the client.
	Resources []string
	// ClaimsRequest is the claims parameter (OpenID Connect Core section
	// 5.5), validated and normalised; ClaimsSubject the sub value it
	// demands, if any (section 5.5.1).
	ClaimsRequest string
	ClaimsSubject string
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
	if err == nil {
		err = checkParamLengths(params, p.MaxParamLength)
	}
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
	usable := sessErr == nil && p.sessionUsable(req, client, sess, now)
	if req.hasPrompt("none") && !usable {
		fail(oautherr.ErrLoginRequired.WithHint("prompt=none was requested but the person has no usable session at Sigil; send the request without prompt=none."))
		return
	}

	browser := p.Cookies.Browser(w, r)
	browserHash := p.Secrets.HashBrowser(browser)
	expires := now.Add(p.Lifetimes.Flow)
	a := &sigil.Authorization{
		// The id proves its browser and expiry (secret.NewFlowID), so the
		// login API refuses a foreign flow before any look-up or read.
		ID:                  p.Secrets.NewFlowID(browserHash, expires),
		BrowserHash:         browserHash,
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
		Resources:           req.Resources,
		ClaimsRequest:       req.ClaimsRequest,
		RequestedAt:         now,
		ExpiresAt:           expires,
	}
	// Each flow is a stored row: the flows one address may create are
	// bounded (docs/operations.md, "Abuse limits").
	if err := ratelimit.AdmitFlow(w, r); err != nil {
		p.ErrorPage(w, r, err)
		return
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
	var remembered sigil.Scopes
	if usable {
		// The cookie is honoured only while its session is live in the
		// database (ended by a logout on any node, or expired). The same
		// write records this client in the session, for back-channel
		// logout, and reads the remembered consent.
		_, remembered, err = p.Store.ResumeSession(r.Context(), sess.ID, client.ID, now)
		switch {
		case errors.Is(err, sigil.ErrNotFound):
			usable = false
			p.Cookies.Clear(w)
		case err != nil:
			p.Log.Error("resume session", "err", err)
			fail(oautherr.ErrServerError.WithHint("The session could not be read; try again."))
			return
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
	to, err := p.resumeSession(r.Context(), a, sess, req, records, remembered)
	if err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// resumeSession signs a in with the browser's session (single sign-on) and
// returns where the browser goes next: straight back to the client when the
// person's consent is remembered (read by Store.ResumeSession), else the
// consent page.
func (p *Provider) resumeSession(ctx context.Context, a *sigil.Authorization, s session.Session, req *AuthorizationRequest, records map[string]string, remembered sigil.Scopes) (string, error) {
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
		return "", oautherr.ErrConsentRequired.WithHint("prompt=none was requested but the person has not yet consented to scopes '%s' for this client.", a.Scope.String())
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
// person than login_hint or id_token_hint names. The sub of an
// id_token_hint or a claims request is in client's subject space (a
// pairwise client's hint names its pairwise sub, which also names the
// owning wallet), so it is compared with the session's sub as client sees
// it.
func (p *Provider) sessionUsable(req *AuthorizationRequest, client *sigil.Client, s session.Session, now time.Time) bool {
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
	if req.IDTokenHintSubject == "" && req.ClaimsSubject == "" {
		return true
	}
	sub := oidc.Subject(p.Secrets, client, s.Subject, s.Address)
	if req.IDTokenHintSubject != "" && req.IDTokenHintSubject != sub {
		return false
	}
	if req.ClaimsSubject != "" && req.ClaimsSubject != sub {
		return false
	}
	return true
}

// Length caps of authorization request parameters. Every flow is stored
// until it expires, so without caps each request could write up to the
// 64 KiB header limit to the database.
const (
	// DefaultMaxParamLength caps the client's free text that is stored
	// with the flow and echoed back: state, nonce and login_hint. Real
	// values are random strings of tens of characters, or a few hundred
	// when a client packs a return path into state.
	DefaultMaxParamLength = 512
	// maxRedirectURILength caps redirect_uri; registered URIs are held to
	// the same bound in practice (browsers cope with 2 KiB URLs anywhere).
	maxRedirectURILength = 2048
	// maxOtherParamLength caps every other parameter (scope, claims,
	// id_token_hint, resource, ...), far above any legitimate value.
	maxOtherParamLength = 8192
)

// checkParamLengths refuses a parameter longer than its cap, naming both.
// It runs before anything is looked up or stored, and its error is shown
// on a page rather than redirected: an over-long state cannot be echoed.
// freeText is the cap of state, nonce and login_hint (0: the default).
// code_challenge is held to RFC 7636's 128 characters by checkPKCE.
func checkParamLengths(params url.Values, freeText int) error {
	if freeText <= 0 {
		freeText = DefaultMaxParamLength
	}
	for name, values := range params {
		limit := maxOtherParamLength
		switch name {
		case "state", "nonce", "login_hint":
			limit = freeText
		case "redirect_uri":
			limit = maxRedirectURILength
		}
		for _, v := range values {
			if len(v) > limit {
				return oautherr.ErrInvalidRequest.WithHint("The %s parameter is %d bytes long; at most %d are allowed.", oautherr.Shown(name), len(v), limit)
			}
		}
	}
	return nil
}

// freeTextParameters are the parameters of an authorization request that
// hold the client's own text, stored with the flow and sent back: state in
// the response, nonce in the ID token, login_hint on the login page.
var freeTextParameters = []string{"state", "nonce", "login_hint"}

// checkFreeText refuses a free-text parameter that is not valid UTF-8 or
// holds a control character (a NUL byte, a line break, C1 controls).
// Such a value cannot be stored as text (PostgreSQL refuses a NUL byte and
// invalid UTF-8) nor sent back unchanged (the ID token, being JSON, would
// carry U+FFFD instead of invalid bytes), so it is refused rather than
// altered: invalid_request, at the redirect URI (RFC 6749 section
// 4.1.2.1). Printable non-ASCII text is allowed, and sent back byte for
// byte, as some clients send it.
func checkFreeText(params url.Values) error {
	for _, name := range freeTextParameters {
		v := params.Get(name)
		if !utf8.ValidString(v) || strings.ContainsFunc(v, unicode.IsControl) {
			return oautherr.ErrInvalidRequest.WithHint("The %s parameter must be valid UTF-8 without control characters.", name)
		}
	}
	return nil
}

// authorizeParams reads the request parameters from the query (GET) or the
// form body (POST), rejecting a repeated parameter of OAuth 2.0 or OpenID
// Connect (RFC 6749 section 3.1). Any other parameter is ignored, repeated
// or not (OpenID Connect Core section 3.1.2.1), as the extras of
// @uauth/js and other libraries are.
func authorizeParams(r *http.Request) (url.Values, error) {
	var params url.Values
	switch r.Method {
	case http.MethodGet:
		var err error
		if params, err = urlform.Query(r, "The authorization request"); err != nil {
			return nil, err
		}
	case http.MethodPost:
		var err error
		if params, err = readForm(r, "A POST to the authorization endpoint"); err != nil {
			return nil, err
		}
	default:
		return nil, oautherr.ErrInvalidRequest.WithHint("Use GET or POST.")
	}
	for _, name := range authorizationParameters {
		if len(params[name]) > 1 {
			return nil, oautherr.ErrInvalidRequest.WithHint("Parameter '%s' is included more than once.", name)
		}
	}
	return params, nil
}

// authorizationParameters are the parameters of an authorization request
// that OAuth 2.0 and OpenID Connect define, each allowed once: those Sigil
// reads, and those it refuses or ignores by name. resource (RFC 8707) may
// be repeated.
var authorizationParameters = []string{"response_type", "client_id", "redirect_uri", "scope", "state",
	"response_mode", "nonce", "display", "prompt", "max_age", "ui_locales", "id_token_hint", "login_hint",
	"acr_values", "claims", "claims_locales", "request", "request_uri", "registration",
	"code_challenge", "code_challenge_method"}

// maxFormBytes bounds a form body: the largest legitimate one, a token
// request with a long resource list or a logout with an ID token hint, is
// a few KiB.
const maxFormBytes = 64 << 10

// parseForm reads a form body (application/x-www-form-urlencoded, at most
// maxFormBytes) whose parameters each appear once (RFC 6749 section 3.1).
// what names the request in the error.
func parseForm(r *http.Request, what string) (url.Values, error) {
	form, err := readForm(r, what)
	if err != nil {
		return nil, err
	}
	return form, single(form)
}

// readForm is parseForm without the check of repeated parameters.
func readForm(r *http.Request, what string) (url.Values, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		return nil, oautherr.ErrInvalidRequest.WithHint("%s must be a form (application/x-www-form-urlencoded).", what)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxFormBytes))
	if err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			return nil, oautherr.ErrInvalidRequest.WithHint("%s is larger than %d KiB, the most Sigil reads.", what, maxFormBytes>>10)
		}
		return nil, oautherr.ErrInvalidRequest.WithHint("%s could not be read.", what)
	}
	return urlform.Parse(string(body), what, "form")
}

// single rejects a parameter given more than once (RFC 6749 section 3.1).
func single(params url.Values) error {
	for k, v := range params {
		// RFC 8707 section 2: resource may be given several times.
		if len(v) > 1 && k != "resource" {
			return oautherr.ErrInvalidRequest.WithHint("Parameter '%s' is included more than once.", oautherr.Shown(k))
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
		return nil, "", oautherr.ErrInvalidClient.WithHint("No client is registered with client_id '%s'.", oautherr.Shown(id))
	}
	if err != nil {
		return nil, "", fmt.Errorf("load client %q: %w", id, err)
	}
	redirectURI := params.Get("redirect_uri")
	if redirectURI == "" {
		// RFC 6749 section 3.1.2.3 would let a client with one registered
		// URI omit it, but OpenID Connect Core section 3.1.2.1 makes it
		// REQUIRED, and Sigil answers only OpenID requests
		// (oidcc-ensure-redirect-uri-in-authorization-request).
		return nil, "", oautherr.ErrInvalidRequest.WithHint("The redirect_uri parameter is missing; OpenID Connect requires it (Core section 3.1.2.1) even when the client has only one registered.")
	}
	if !matchRedirectURI(client.RedirectURIs, redirectURI) {
		return nil, "", oautherr.ErrInvalidRequest.WithHint("The redirect_uri '%s' is not registered for client '%s'; register it exactly (only the port of a loopback URI may vary).", oautherr.Shown(redirectURI), id)
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
	// OpenID Connect Core section 7.2.1: client metadata passed in the
	// request. Sigil's clients are registered by an operator, so the
	// parameter is answered as section 3.1.2.6 says rather than ignored.
	if params.Has("registration") {
		return nil, oautherr.ErrRegistrationNotSupported.WithHint("Sigil does not take client metadata in the authorization request; register the client through the admin API or the sigil clients command.")
	}
	switch rt := params.Get("response_type"); rt {
	case "code":
		if !slices.Contains(client.ResponseTypes, "code") {
			return nil, oautherr.ErrUnauthorizedClient.WithHint("Client '%s' is not registered for response_type=code.", client.ID)
		}
	case "":
		return nil, oautherr.ErrInvalidRequest.WithHint("The response_type parameter is missing; use response_type=code.")
	default:
		return nil, oautherr.ErrUnsupportedResponseType.WithHint("response_type '%s' is not supported; use response_type=code.", oautherr.Shown(rt))
	}
	switch mode := params.Get("response_mode"); mode {
	case "":
		req.ResponseMode = ModeQuery
	case ModeFormPost:
		// A form can only post to a web address: an app's private-use scheme
		// (RFC 8252 section 7.1) needs query or fragment.
		if !strings.HasPrefix(redirectURI, "https://") && !strings.HasPrefix(redirectURI, "http://") {
			return nil, oautherr.ErrUnsupportedResponseMode.WithHint("response_mode form_post needs an http(s) redirect_uri; use query or fragment for '%s'.", oautherr.Shown(redirectURI))
		}
		req.ResponseMode = mode
	case ModeQuery, ModeFragment:
		req.ResponseMode = mode
	default:
		return nil, oautherr.ErrUnsupportedResponseMode.WithHint("response_mode '%s' is not supported; use query, fragment or form_post.", oautherr.Shown(mode))
	}
	if err := checkFreeText(params); err != nil {
		return nil, err
	}
	if req.State != "" && len(req.State) < minStateLen {
		return nil, oautherr.ErrInvalidState.WithHint("The state is %d characters long; send at least %d random characters.", len(req.State), minStateLen)
	}
	if req.Nonce != "" && len(req.Nonce) < minNonceLen {
		return nil, oautherr.ErrInsufficientEntropy.WithHint("The nonce is %d characters long; send at least %d random characters.", len(req.Nonce), minNonceLen)
	}

	// Scope tokens are separated by spaces alone (RFC 6749 section 3.3), as
	// the token endpoint reads them: a tab or a non-breaking space is not a
	// separator, so a token holding one is invalid_scope, not two scopes.
	if err := checkScopeSyntax(params.Get("scope")); err != nil {
		return nil, err
	}
	// Unknown scopes are ignored (OpenID Connect Core section 3.1.2.1);
	// known ones outside the client's registration are refused below.
	req.Scope = scope.DropUnknown(sigil.ParseScopes(params.Get("scope")))
	// offline_access asks for a refresh token, which only a client
	// registered for the refresh_token grant gets; for any other it is
	// ignored (section 11), so that it is neither consented to nor shown
	// in the token response's scope as if granted.
	if !slices.Contains(client.GrantTypes, "refresh_token") {
		req.Scope = slices.DeleteFunc(req.Scope, func(s string) bool { return s == scope.Offline || s == scope.OfflineAccess })
	}
	if hint := scope.Validate(req.Scope, client.Scope); hint != "" {
		return nil, oautherr.ErrInvalidScope.WithHint("%s", hint)
	}

	if err := checkPKCE(req, params, client); err != nil {
		return nil, err
	}
	// A client that registered no resources has resource ignored here:
	// Login with Unstoppable apps may configure @uauth/js with a resource,
	// which the hosted service ignored, and must keep working unchanged.
	// Their tokens' audience stays the client itself, so ignoring the
	// parameter grants nothing; registering resources turns RFC 8707's
	// checks on (and the token endpoint always applies them).
	if len(client.Resources) > 0 {
		resources, err := resourceParams(client, params["resource"])
		if err != nil {
			return nil, err
		}
		req.Resources = resources
	}
	if err := applyClaimsRequest(req, params.Get("claims")); err != nil {
		return nil, err
	}

	if v := params.Get("prompt"); v != "" {
		req.Prompt = strings.Fields(v)
		for _, pr := range req.Prompt {
			switch pr {
			case "none", "login", "consent", "select_account":
			default:
				return nil, oautherr.ErrInvalidRequest.WithHint("prompt value '%s' is not supported; use none, login, consent or select_account.", oautherr.Shown(pr))
			}
		}
		if req.hasPrompt("none") && len(req.Prompt) > 1 {
			return nil, oautherr.ErrInvalidRequest.WithHint("prompt=none cannot be combined with other prompt values (OpenID Connect Core section 3.1.2.1).")
		}
	}
	if v := params.Get("max_age"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(v, "-") {
			return nil, oautherr.ErrInvalidRequest.WithHint("max_age '%s' is too large; send at most %d seconds.", oautherr.Shown(v), int64(math.MaxInt64))
		}
		if err != nil || n < 0 {
			return nil, oautherr.ErrInvalidRequest.WithHint("max_age '%s' must be a non-negative number of seconds.", oautherr.Shown(v))
		}
		req.MaxAge = n
	}
	if hint := params.Get("id_token_hint"); hint != "" {
		sub, err := p.idTokenHintSubject(hint)
		if err != nil {
			return nil, hintError(err)
		}
		req.IDTokenHintSubject = sub
		// The hint names the person the answer is for (OpenID Connect
		// Core section 3.1.2.1): a session of anyone else is not used
		// (sessionUsable), and a sign-in by anyone else is refused at
		// its challenge, kept with the flow as a claims sub value.
		if req.ClaimsSubject == "" {
			if req.ClaimsRequest, err = oidc.RequireSubject(req.ClaimsRequest, sub); err != nil {
				return nil, oautherr.ErrInvalidRequest.WithHint("The claims parameter is not valid: %s.", err.Error())
			}
			req.ClaimsSubject = sub
		}
	}
	return req, nil
}

// checkPKCE reads code_challenge and code_challenge_method into req (RFC
// 7636 section 4.3). PKCE is required by default and always of a public
// client (RFC 9700 section 2.1.1): the code is then bound to a verifier,
// which also defeats the downgrade of section 4.8.2. A confidential client
// registered with require_pkce false may send no challenge; its code is
// then redeemed without a verifier, and a verifier sent anyway fails at the
// token endpoint (RFC 9700 section 2.1.1), because the stored challenge is
// empty.
func checkPKCE(req *AuthorizationRequest, params url.Values, client *sigil.Client) error {
	req.CodeChallenge = params.Get("code_challenge")
	req.CodeChallengeMethod = params.Get("code_challenge_method")
	if req.CodeChallenge == "" {
		if client.PKCERequired() {
			return oautherr.ErrInvalidRequest.WithHint("PKCE is required: send code_challenge and code_challenge_method=S256 (RFC 7636).")
		}
		if req.CodeChallengeMethod != "" {
			return oautherr.ErrInvalidRequest.WithHint("code_challenge_method was sent without code_challenge; send both or neither (RFC 7636 section 4.3).")
		}
		return nil
	}
	if req.CodeChallengeMethod == "" {
		req.CodeChallengeMethod = "plain" // RFC 7636 section 4.3 default.
	}
	switch req.CodeChallengeMethod {
	case "S256":
	case "plain":
		if !client.AllowPlainPKCE {
			return oautherr.ErrInvalidRequest.WithHint("code_challenge_method plain is not allowed for client '%s'; use S256.", client.ID)
		}
	default:
		return oautherr.ErrInvalidRequest.WithHint("code_challenge_method '%s' is not supported; use S256.", oautherr.Shown(req.CodeChallengeMethod))
	}
	if !pkceValue.MatchString(req.CodeChallenge) {
		return oautherr.ErrInvalidRequest.WithHint("The code_challenge must be 43 to 128 characters of [A-Za-z0-9._~-] (RFC 7636 section 4.2).")
	}
	return nil
}

// hintError is the error for an id_token_hint that does not verify. One
// signed with a key Sigil no longer has may be an ID token Sigil issued
// before a rotation whose key has since expired and been deleted (kept
// for the longest token lifetime and 15 s after it retires): nothing in it
// can be checked any more, so it is refused like a foreign one, and the
// hint says both.
func hintError(err error) error {
	if errors.Is(err, keys.ErrUnknownKey) {
		return oautherr.ErrInvalidRequest.WithHint("The id_token_hint is signed with a key Sigil does not have: not an ID token of this provider, or one signed before a key rotation with a key since deleted. Send the request without it.")
	}
	return oautherr.ErrInvalidRequest.WithHint("The id_token_hint is not an ID token issued by this provider; send one Sigil signed, or none.")
}

// idTokenHintSubject verifies an id_token_hint (an ID token Sigil issued;
// its expiry does not matter, OpenID Connect Core section 3.1.2.1) as
// logout does (verifyIDTokenHint: another JWT Sigil signs, such as signed
// userinfo, is refused) and returns its subject.
func (p *Provider) idTokenHintSubject(token string) (string, error) {
	claims, err := p.verifyIDTokenHint(token)
	if err != nil {
		return "", err
	}
	return claims.Sub, nil
}
