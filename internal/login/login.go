// Package login is the sign-in and consent step of the authorization code
// flow: the pages a person sees and the JSON login API under them, which
// native apps and tests can drive too (docs/login-api.md).
//
// The person names a domain; Sigil looks up its owner and issues an EIP-4361
// message naming the owner, the scopes, the flow and an expiry; the wallet
// signs it (EIP-191); Sigil accepts the signature once, for that exact
// message, before it expires, and only from the owner.
package login

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/audit"
	"github.com/sigil-oidc/sigil/internal/cache"
	"github.com/sigil-oidc/sigil/internal/domains"
	"github.com/sigil-oidc/sigil/internal/oauth"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/oidc"
	"github.com/sigil-oidc/sigil/internal/scope"
	"github.com/sigil-oidc/sigil/internal/siwe"
)

// Handler serves the login and consent pages and the login API.
type Handler struct {
	Provider *oauth.Provider
	Domains  sigil.DomainResolver
	// DevWalletKey, set only under --dev, is the private key of the
	// development wallet that the login page offers.
	DevWalletKey string

	// spent holds, until they expire, the challenges this node has seen
	// signed in with (see spentChallenge).
	spentOnce sync.Once
	spent     *cache.LRU[string, struct{}]
}

// spentChallenges bounds the challenges a node remembers as used.
const spentChallenges = 10_000

// spentChallenge reports whether the challenge nonce was signed in with
// already on this node. Verify refuses a replayed signature without
// looking the owner up: the fresh ownership read goes past the resolver's
// cache to the chain, and a used signature replayed from the challenge
// cookie, which stays valid for the challenge's life, would otherwise
// spend the RPC provider's quota at the login rate limit. The conditional
// write refuses a replay that reaches it (another node, or one forgotten
// here) all the same.
func (h *Handler) spentChallenge(nonce string, now time.Time) bool {
	_, ok := h.spentSet().Get(nonce, now)
	return ok
}

// spend records the challenge nonce as used until expires.
func (h *Handler) spend(nonce string, now, expires time.Time) {
	h.spentSet().Add(nonce, struct{}{}, now, expires.Sub(now))
}

// spentSet is h.spent, made on first use (Handler is built as a literal).
func (h *Handler) spentSet() *cache.LRU[string, struct{}] {
	h.spentOnce.Do(func() { h.spent = cache.New[string, struct{}](spentChallenges) })
	return h.spent
}

// signatureFormat is a signature in hex: 65 bytes from an ordinary account
// (EIP-191 personal_sign), or whatever a contract wallet's EIP-1271 check
// accepts (a Safe concatenates its owners' signatures), up to 4 KiB.
var signatureFormat = regexp.MustCompile(`^0x[0-9a-fA-F]+$`)

func wellFormedSignature(s string) bool {
	n := len(s) - 2
	return signatureFormat.MatchString(s) && n%2 == 0 && n >= 130 && n <= 8192
}

// Wallet type hints of Login with Unstoppable (the wallet_type_hint claim).
var walletTypeHints = map[string]bool{"web3": true, "walletconnect": true, "coinbase-wallet": true}

// ChallengeRequest is the body of POST /login/challenge.
type ChallengeRequest struct {
	Flow   string `json:"flow"`
	Domain string `json:"domain"`
}

// ChallengeResponse is the answer of POST /login/challenge: the message the
// domain's owner must sign.
type ChallengeResponse struct {
	Message   string    `json:"message"`
	Address   string    `json:"address"`
	ExpiresAt time.Time `json:"expires_at"`
}

// VerifyRequest is the body of POST /login/verify.
type VerifyRequest struct {
	Flow           string `json:"flow"`
	Signature      string `json:"signature"`
	WalletTypeHint string `json:"wallet_type_hint"`
}

// ConsentRequest is the body of POST /consent/accept and /consent/reject.
type ConsentRequest struct {
	Flow       string   `json:"flow"`
	GrantScope []string `json:"grant_scope"`
	Remember   bool     `json:"remember"`
}

// Redirect is the answer of the steps that move the browser on.
type Redirect struct {
	RedirectTo string `json:"redirect_to"`
}

// Challenge serves POST /login/challenge.
func (h *Handler) Challenge(w http.ResponseWriter, r *http.Request) {
	var req ChallengeRequest
	if !h.readJSON(w, r, &req) {
		return
	}
	name, err := domains.NormalizeName(req.Domain)
	if err != nil {
		h.fail(w, oautherr.ErrInvalidRequest.WithHint("The domain is not valid: %v.", err))
		return
	}
	ctx := r.Context()
	// The flow must be live and belong to this browser before the domain
	// is looked up: a look-up costs the RPC provider calls. The flow id
	// proves both (secret.NewFlowID), so a live flow of this browser costs
	// no read here; anything else (made up, foreign, expired, or an id from
	// before ids carried that proof) is read, to explain the refusal or to
	// admit the older id. The write below checks all of it again,
	// atomically.
	if !h.Provider.Secrets.CheckFlowID(req.Flow, h.Provider.Cookies.BrowserHash(r), h.Provider.Now()) {
		if _, err := h.flow(ctx, r, req.Flow, sigil.StateRequested); err != nil {
			h.fail(w, err)
			return
		}
	}
	d, err := h.Domains.Resolve(ctx, name)
	if err != nil {
		h.fail(w, resolveError(name, err))
		return
	}
	now := h.Provider.Now()
	ch := sigil.Challenge{
		Subject:   d.Name,
		Address:   d.Owner,
		Nonce:     newNonce(),
		IssuedAt:  now.Truncate(time.Second),
		ExpiresAt: now.Add(h.Provider.Lifetimes.Challenge).Truncate(time.Second),
	}
	a, err := h.Provider.Store.ChallengeAuthorization(ctx, req.Flow, h.Provider.Cookies.BrowserHash(r), ch, now)
	if err != nil {
		h.fail(w, h.flowError(ctx, req.Flow, r, err))
		return
	}
	if err := h.checkAskedPerson(ctx, a); err != nil {
		// No message to sign: the flow waits for a challenge of the
		// person asked for (a new challenge replaces this one).
		h.fail(w, err)
		return
	}
	if a.ClientID == oauth.AccountClientID {
		// Sigil's own account page is first-party: signing in to it asks
		// for no consent.
		a.RememberedScope = a.Scope
	}
	chainID := chainOf(d)
	if err := h.sealChallenge(w, a, chainID, now); err != nil {
		h.fail(w, fmt.Errorf("seal challenge: %w", err))
		return
	}
	writeJSON(w, ChallengeResponse{Message: h.message(a, chainID).String(), Address: a.Address, ExpiresAt: a.ChallengeExpiresAt.UTC()})
}

// checkAskedPerson refuses a challenge for another person than the one the
// application asked for, by an id_token_hint or a claims sub value, both
// kept with the flow as its claims request (OpenID Connect Core sections
// 3.1.2.1 and 5.5.1), before anything is signed. The token endpoint checks
// it again. A flow that asked for nobody costs nothing here.
func (h *Handler) checkAskedPerson(ctx context.Context, a *sigil.Authorization) error {
	want := oidc.RequestedSubject(a.ClaimsRequest)
	if want == "" {
		return nil
	}
	client, err := h.Provider.Store.GetClient(ctx, a.ClientID)
	if err != nil {
		return fmt.Errorf("read client %q: %w", a.ClientID, err)
	}
	if oidc.Subject(h.Provider.Secrets, client, a.Subject, a.Address) == want {
		return nil
	}
	return oautherr.ErrLoginRequired.WithHint("The application asked for another person to sign in than %s; sign in with that person's domain, or go back to the application.", a.Subject)
}

// sealedChallenge is what the verify step needs of a challenge, kept in a
// sealed cookie so that verifying costs no read: the one conditional write
// that records the sign-in also checks, in its WHERE clause, that the flow
// is bound to this browser, unexpired, and still at this challenge (nonce).
type sealedChallenge struct {
	Flow       string       `json:"f"`
	Subject    string       `json:"s"`
	Address    string       `json:"a"`
	Nonce      string       `json:"n"`
	IssuedAt   time.Time    `json:"i"`
	ExpiresAt  time.Time    `json:"e"`
	Scope      sigil.Scopes `json:"sc"`
	Prompt     string       `json:"p,omitempty"`
	Remembered sigil.Scopes `json:"r,omitempty"`
	// ChainID is the chain the message names; 0 in a cookie sealed before
	// messages named any other chain than 1.
	ChainID int64 `json:"c,omitempty"`
	// Client is the flow's client, for the audit events of the verify
	// step; empty in a cookie sealed before it was kept.
	Client string `json:"cl,omitempty"`
}

const challengePurpose = "challenge"

// challengeCookie is the name and path of the challenge cookie of flow,
// sent to the verify endpoint (see flowCookie).
func (h *Handler) challengeCookie(flow string) (name, path string) {
	return h.flowCookie("sigil_ch_", flow, "/login/verify")
}

// flowCookie is the name and path of a cookie that carries a sealed step of
// flow to the endpoints under httpPath. Under https it is a __Host- cookie
// (session.HostPrefix), which must have Path=/; under http it is sent under
// httpPath only.
func (h *Handler) flowCookie(prefix, flow, httpPath string) (name, path string) {
	name = h.Provider.Cookies.Name(prefix + flow)
	if h.Provider.Cookies.Secure {
		return name, "/"
	}
	return name, httpPath
}

// setFlowCookie seals v for purpose into the cookie name at path until ttl
// passes: HttpOnly, SameSite=Strict, Secure under https.
func (h *Handler) setFlowCookie(w http.ResponseWriter, name, path, purpose string, v any, ttl time.Duration, now time.Time) error {
	sealed, err := h.Provider.Secrets.Seal(purpose, v, ttl, now)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: name, Value: sealed, Path: path, MaxAge: int(ttl / time.Second),
		HttpOnly: true, Secure: h.Provider.Cookies.Secure, SameSite: http.SameSiteStrictMode})
	return nil
}

// dropFlowCookie deletes the cookie name at path.
func (h *Handler) dropFlowCookie(w http.ResponseWriter, name, path string) {
	http.SetCookie(w, &http.Cookie{Name: name, Path: path, MaxAge: -1, Secure: h.Provider.Cookies.Secure})
}

// sealedConsent is what the consent step needs of a signed-in flow, kept
// in a sealed cookie by the verify step so that neither the consent page
// nor accepting costs a read: who signed in, for which client, and the
// requested scope, which the granted scope is checked against. The one
// conditional write that issues the code checks, in its WHERE clause, that
// the flow is bound to this browser, unexpired and still signed in and
// waiting for consent, so the cookie alone grants nothing.
type sealedConsent struct {
	Flow string `json:"f"`
	// Browser is the hash of the browser cookie the flow is bound to: the
	// consent page shows who is signing in to which client, which only
	// that browser may see (the page's read checks the same).
	Browser  []byte       `json:"b"`
	ClientID string       `json:"c"`
	Subject  string       `json:"s"`
	Address  string       `json:"a"`
	Scope    sigil.Scopes `json:"sc"`
}

const consentPurpose = "consent"

// consentCookie is the name and path of the consent cookie of flow, sent
// to the consent page and its calls (see flowCookie).
func (h *Handler) consentCookie(flow string) (name, path string) {
	return h.flowCookie("sigil_cs_", flow, "/consent")
}

// sealConsent sets the consent cookie of a's flow, which waits for
// consent, until the flow expires.
func (h *Handler) sealConsent(w http.ResponseWriter, a *sigil.Authorization, now time.Time) error {
	ttl := a.ExpiresAt.Sub(now)
	if ttl < time.Second {
		return nil // about to expire: the accept step reads the flow and says so
	}
	name, path := h.consentCookie(a.ID)
	return h.setFlowCookie(w, name, path, consentPurpose, sealedConsent{
		Flow: a.ID, Browser: a.BrowserHash, ClientID: a.ClientID, Subject: a.Subject, Address: a.Address, Scope: a.Scope,
	}, ttl, now)
}

// dropConsentCookie deletes the consent cookie of a flow that no longer
// waits for consent.
func (h *Handler) dropConsentCookie(w http.ResponseWriter, flow string) {
	name, path := h.consentCookie(flow)
	h.dropFlowCookie(w, name, path)
}

// consentFlow returns the flow waiting for consent: from the sealed
// consent cookie when the browser has a valid one for this flow, sealed for
// this browser (no read; the write that issues the code checks the state
// and expiry again), else from the store, which explains any refusal.
// The first result says which. From the cookie, the flow has no more than
// its id, browser, state, client, subject, address and requested scope.
func (h *Handler) consentFlow(ctx context.Context, r *http.Request, id string) (*sigil.Authorization, bool, error) {
	name, _ := h.consentCookie(id)
	if ck, err := r.Cookie(name); err == nil && id != "" {
		var c sealedConsent
		browser := h.Provider.Cookies.BrowserHash(r)
		if h.Provider.Secrets.Open(consentPurpose, ck.Value, &c, h.Provider.Now()) == nil && c.Flow == id &&
			len(browser) > 0 && bytes.Equal(c.Browser, browser) {
			return &sigil.Authorization{ID: c.Flow, BrowserHash: browser,
				State: sigil.StateAuthenticated, ClientID: c.ClientID, Subject: c.Subject, Address: c.Address,
				Scope: c.Scope}, true, nil
		}
	}
	a, err := h.flow(ctx, r, id, sigil.StateAuthenticated)
	return a, false, err
}

// chainOf is the chain id the sign-in message names for d: the chain its
// owner lives on, and Ethereum mainnet for a resolver that does not say.
func chainOf(d sigil.Domain) int64 {
	if d.ChainID > 0 {
		return d.ChainID
	}
	return 1
}

// sealChallenge sets the challenge cookie of a's flow, for the verify
// endpoint, until the challenge expires.
func (h *Handler) sealChallenge(w http.ResponseWriter, a *sigil.Authorization, chainID int64, now time.Time) error {
	name, path := h.challengeCookie(a.ID)
	return h.setFlowCookie(w, name, path, challengePurpose, sealedChallenge{
		Flow: a.ID, Subject: a.Subject, Address: a.Address, Nonce: a.ChallengeNonce,
		IssuedAt: a.ChallengeIssuedAt, ExpiresAt: a.ChallengeExpiresAt, Scope: a.Scope, Prompt: a.Prompt,
		Remembered: a.RememberedScope, ChainID: chainID, Client: a.ClientID,
	}, a.ChallengeExpiresAt.Sub(now), now)
}

// challengedFlow returns the challenged flow to verify and the chain id its
// message named: from the sealed challenge cookie when the browser has a
// valid one for this flow (no read; the write checks the rest), else from
// the store, with the chain id of the domain as the resolver (its cache)
// knows it, which is the one the challenge read unless the domain moved to
// another network since.
func (h *Handler) challengedFlow(ctx context.Context, r *http.Request, id string) (*sigil.Authorization, int64, error) {
	name, _ := h.challengeCookie(id)
	if ck, err := r.Cookie(name); err == nil {
		var c sealedChallenge
		if h.Provider.Secrets.Open(challengePurpose, ck.Value, &c, h.Provider.Now()) == nil && c.Flow == id {
			return &sigil.Authorization{
				ID: c.Flow, ClientID: c.Client, BrowserHash: h.Provider.Cookies.BrowserHash(r), State: sigil.StateChallenged,
				Subject: c.Subject, Address: c.Address, ChallengeNonce: c.Nonce,
				ChallengeIssuedAt: c.IssuedAt, ChallengeExpiresAt: c.ExpiresAt,
				Scope: c.Scope, Prompt: c.Prompt, RememberedScope: c.Remembered,
			}, max(c.ChainID, 1), nil
		}
	}
	a, err := h.flow(ctx, r, id, sigil.StateChallenged)
	if err != nil {
		return nil, 0, err
	}
	d, err := h.Domains.Resolve(ctx, a.Subject)
	if err != nil {
		return nil, 0, resolveError(a.Subject, err)
	}
	return a, chainOf(d), nil
}

// message rebuilds the sign-in message of a's challenge. It is a pure
// function of stored fields and the chain id, so the text Sigil verifies is
// exactly the text it issued. The chain id is the chain where the owner
// account lives (EIP-4361), the network the domain resolved on: a contract
// owner's EIP-1271 check is made there too.
func (h *Handler) message(a *sigil.Authorization, chainID int64) siwe.Message {
	return siwe.Message{
		Domain:         h.Provider.Issuer.Host,
		Address:        a.Address,
		Statement:      "I consent to giving access to: " + scope.Statement(a.Scope),
		URI:            "uns:" + a.Subject,
		Version:        "1",
		ChainID:        chainID,
		Nonce:          a.ChallengeNonce,
		IssuedAt:       a.ChallengeIssuedAt.UTC(),
		ExpirationTime: a.ChallengeExpiresAt.UTC(),
		RequestID:      a.ID,
	}
}

// Verify serves POST /login/verify.
func (h *Handler) Verify(w http.ResponseWriter, r *http.Request) {
	var req VerifyRequest
	if !h.readJSON(w, r, &req) {
		return
	}
	if req.WalletTypeHint == "" {
		req.WalletTypeHint = "web3"
	}
	if !walletTypeHints[req.WalletTypeHint] {
		h.fail(w, oautherr.ErrInvalidRequest.WithHint("wallet_type_hint '%s' is not one of web3, walletconnect, coinbase-wallet.", oautherr.Shown(req.WalletTypeHint)))
		return
	}
	if !wellFormedSignature(req.Signature) {
		h.fail(w, oautherr.ErrInvalidRequest.WithHint("The signature must be 0x followed by an even number of hex digits: at least 130 (65 bytes, as personal_sign returns) and at most 8192 (4 KiB, for a contract wallet's EIP-1271 signature)."))
		return
	}
	ctx := r.Context()
	now := h.Provider.Now()
	a, chainID, err := h.challengedFlow(ctx, r, req.Flow)
	if err != nil {
		h.fail(w, err)
		return
	}
	if !now.Before(a.ChallengeExpiresAt) {
		h.fail(w, oautherr.ErrInvalidRequest.WithHint("The sign-in message expired at %s; request a new one with POST /login/challenge.", a.ChallengeExpiresAt.UTC().Format(time.RFC3339)))
		return
	}
	if h.spentChallenge(a.ChallengeNonce, now) {
		h.fail(w, h.flowError(ctx, a.ID, r, sigil.ErrConflict))
		return
	}
	msg := h.message(a, chainID).String()
	if err := h.verifySignature(ctx, a.Subject, msg, req.Signature, a.Address); err != nil {
		if errors.Is(err, siwe.ErrInvalidSignature) {
			audit.Event(ctx, h.Provider.Log, audit.SignatureInvalid, slog.String("flow", a.ID), slog.String("client_id", a.ClientID),
				slog.String("domain", a.Subject), slog.String("address", a.Address))
			h.fail(w, signatureError(err, a))
			return
		}
		h.fail(w, resolveError(a.Subject, err))
		return
	}
	// Ownership may have moved since the challenge; the signer must still own
	// the domain now. This read goes past the resolver's cache (which the
	// challenge may have filled up to its TTL ago), so a domain transferred
	// a moment ago stops its previous owner here at once. It runs only for
	// a valid signature, which only the wallet named by the challenge can
	// make, of a challenge not signed in with already (spentChallenge), so
	// replaying one cannot spend the RPC provider's quota.
	d, err := domains.ResolveFresh(ctx, h.Domains, a.Subject)
	if err != nil {
		h.fail(w, resolveError(a.Subject, err))
		return
	}
	if d.Owner != a.Address {
		audit.Event(ctx, h.Provider.Log, audit.OwnerChanged, slog.String("where", "verify"), slog.String("domain", a.Subject),
			slog.String("client_id", a.ClientID), slog.String("old_owner", a.Address), slog.String("new_owner", d.Owner))
		h.fail(w, oautherr.ErrRequestUnauthorized.WithHint("%s is no longer owned by %s; sign in again.", a.Subject, a.Address))
		return
	}
	auth := sigil.Authentication{
		ChallengeNonce: a.ChallengeNonce,
		Message:        msg,
		Signature:      req.Signature,
		WalletTypeHint: req.WalletTypeHint,
		AuthTime:       now.Truncate(time.Second),
		SessionID:      newSessionID(),
		Records:        oidc.ClaimRecords(d.Records),
	}
	auth.Session = h.Provider.NewSession(auth.SessionID, auth.AuthTime, now)
	if sid, ok := h.renewableSession(ctx, r, a, now); ok {
		auth.SessionID, auth.Session.ID, auth.RenewSession = sid, sid, true
	}
	var code string
	if granted, ok := scope.Remembered(a.Scope, a.RememberedScope); ok && !hasWord(a.Prompt, "consent") {
		auth.GrantedScope = granted
		code, auth.CodeHash, auth.CodeExpiresAt = h.Provider.NewCode()
	}
	updated, err := h.Provider.Store.AuthenticateAuthorization(ctx, a.ID, a.BrowserHash, auth, now)
	if err != nil && auth.RenewSession {
		// The session ended since renewableSession read it (a sign-out in
		// another tab): the write changed nothing, and the sign-in opens a
		// session of its own instead. A failure of the flow itself fails
		// this second write the same way, and is answered below.
		auth.SessionID = newSessionID()
		auth.Session = h.Provider.NewSession(auth.SessionID, auth.AuthTime, now)
		auth.RenewSession = false
		updated, err = h.Provider.Store.AuthenticateAuthorization(ctx, a.ID, a.BrowserHash, auth, now)
	}
	if err != nil {
		h.fail(w, h.flowError(ctx, a.ID, r, err))
		return
	}
	h.spend(a.ChallengeNonce, now, a.ChallengeExpiresAt)
	chName, chPath := h.challengeCookie(a.ID)
	h.dropFlowCookie(w, chName, chPath)
	// The session row was stored by the same write (docs/benchmarks.md).
	if err := h.Provider.Cookies.Write(w, sessionOf(updated, auth), now); err != nil {
		h.fail(w, fmt.Errorf("start session: %w", err))
		return
	}
	to := h.Provider.Endpoint("/consent") + "?flow=" + a.ID
	if code != "" {
		if to, err = h.Provider.CodeURL(updated, code); err != nil {
			h.fail(w, err)
			return
		}
	} else if err := h.sealConsent(w, updated, now); err != nil {
		h.fail(w, fmt.Errorf("seal consent: %w", err))
		return
	}
	writeJSON(w, Redirect{RedirectTo: to})
}

// renewableSession returns the sid of the browser's own session when the
// person signing in is the one it is for (same domain and wallet) and it is
// live: a sign-in again in the same browser (prompt=login, max_age, which
// @uauth/js sends) then renews that session rather than opening another,
// so that the browser keeps one session and every relying party of it one
// sid. Otherwise the old session was left live beside the new one: a
// relying party that logged out with its ID token named a session the
// browser no longer held, and the relying parties of the older session
// were never told of a sign-out in this browser. The read costs a
// statement only when the browser has a session for this person (a first
// sign-in has none); the write checks again that the session is live and
// the person's, and changes nothing otherwise (see Verify).
func (h *Handler) renewableSession(ctx context.Context, r *http.Request, a *sigil.Authorization, now time.Time) (string, bool) {
	prev, err := h.Provider.Cookies.Read(r, now)
	if err != nil || prev.Subject != a.Subject || prev.Address != a.Address {
		return "", false
	}
	stored, err := h.Provider.Store.GetSession(ctx, prev.ID)
	if err != nil || !stored.EndedAt.IsZero() || !now.Before(stored.ExpiresAt) ||
		stored.Subject != a.Subject || stored.Address != a.Address {
		return "", false
	}
	return prev.ID, true
}

// signatureError answers a signature that does not verify. One no account
// could have made (siwe.ErrMalformedSignature: a length, recovery id or s
// value a wallet library got wrong) is a bad request that says what is
// wrong; a contract owner's EIP-1271 check has refused it too by then. One
// that recovers another address is someone else's signature, or the owner's
// of another message, such as one a newer challenge replaced.
func signatureError(err error, a *sigil.Authorization) error {
	if m, ok := errors.AsType[*siwe.MalformedSignatureError](err); ok {
		return oautherr.ErrInvalidRequest.WithHint("The signature is malformed: %s.", oautherr.Shown(m.Reason))
	}
	return oautherr.ErrRequestUnauthorized.WithHint("The signature is not of the current sign-in message by %s, the owner of %s; sign the latest message POST /login/challenge returned, with that wallet.", a.Address, a.Subject)
}

// verifySignature checks that owner signed msg: EIP-191 recovery for an
// ordinary account, and when that fails and the owner is a contract wallet,
// EIP-1271 isValidSignature on the EIP-191 hash of the message (how Safe and
// similar wallets answer personal_sign).
func (h *Handler) verifySignature(ctx context.Context, domain, msg, signature, owner string) error {
	err := siwe.VerifySignature(msg, signature, owner)
	if err == nil || !errors.Is(err, siwe.ErrInvalidSignature) {
		return err
	}
	wallets, ok := h.Domains.(sigil.ContractWallets)
	if !ok {
		return err
	}
	sig, derr := hex.DecodeString(signature[2:])
	if derr != nil {
		return err
	}
	valid, cerr := wallets.IsValidSignature(ctx, domain, owner, siwe.Hash(msg), sig)
	if cerr != nil {
		return cerr
	}
	if !valid {
		return err
	}
	return nil
}

// ReverseRequest is the body of POST /login/reverse.
type ReverseRequest struct {
	Flow    string `json:"flow"`
	Address string `json:"address"`
}

// ReverseResponse lists the domains an address points back to.
type ReverseResponse struct {
	Domains []string `json:"domains"`
}

// Reverse serves POST /login/reverse: after a person connects a wallet, the
// login page offers the domains whose reverse record names it, so typing the
// domain is optional. It needs a live flow of this browser, so it is no
// open lookup service.
func (h *Handler) Reverse(w http.ResponseWriter, r *http.Request) {
	var req ReverseRequest
	if !h.readJSON(w, r, &req) {
		return
	}
	address, err := domains.NormalizeAddress(req.Address)
	if err != nil {
		h.fail(w, oautherr.ErrInvalidRequest.WithHint("The address is not valid: %v.", err))
		return
	}
	if _, err := h.flow(r.Context(), r, req.Flow, sigil.StateRequested); err != nil {
		h.fail(w, err)
		return
	}
	out := ReverseResponse{Domains: []string{}}
	if rr, ok := h.Domains.(sigil.ReverseResolver); ok {
		names, err := rr.Reverse(r.Context(), address)
		if err != nil {
			h.fail(w, resolveError(address, err))
			return
		}
		if names != nil {
			out.Domains = names
		}
	}
	writeJSON(w, out)
}

// Accept serves POST /consent/accept.
func (h *Handler) Accept(w http.ResponseWriter, r *http.Request) {
	var req ConsentRequest
	if !h.readJSON(w, r, &req) {
		return
	}
	ctx := r.Context()
	a, _, err := h.consentFlow(ctx, r, req.Flow)
	if err != nil {
		h.fail(w, err)
		return
	}
	granted, missing, unknown := scope.Grant(a.Scope, sigil.Scopes(req.GrantScope))
	switch {
	case unknown != "":
		h.fail(w, oautherr.ErrInvalidScope.WithHint("grant_scope contains '%s', which was not requested (requested: '%s').", oautherr.Shown(unknown), a.Scope.String()))
		return
	case missing != "":
		h.fail(w, oautherr.ErrInvalidRequest.WithHint("grant_scope must include the required scope '%s'; only scopes ending in :optional may be declined (to decline everything, use /consent/reject).", missing))
		return
	}
	now := h.Provider.Now()
	code, codeHash, codeExp := h.Provider.NewCode()
	updated, err := h.Provider.Store.GrantAuthorization(ctx, a.ID, a.BrowserHash, granted, codeHash, codeExp, now)
	if err != nil {
		h.fail(w, h.flowError(ctx, a.ID, r, err))
		return
	}
	h.dropConsentCookie(w, a.ID)
	if req.Remember {
		// Who consented to which client comes from the row the write
		// returned (a may come from the consent cookie, which has no more
		// than the requested scope).
		if err := h.Provider.Store.SaveConsent(ctx, sigil.Consent{Subject: updated.Subject, Address: updated.Address, ClientID: updated.ClientID, Scope: granted, GrantedAt: now}); err != nil {
			// The code is issued already; failing to remember only means the
			// person is asked again next time.
			h.Provider.Log.Error("save consent", "err", err)
		}
	}
	to, err := h.Provider.CodeURL(updated, code)
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, Redirect{RedirectTo: to})
}

// Reject serves POST /consent/reject: the person declines, and the client
// gets access_denied.
func (h *Handler) Reject(w http.ResponseWriter, r *http.Request) {
	var req ConsentRequest
	if !h.readJSON(w, r, &req) {
		return
	}
	ctx := r.Context()
	a, err := h.Provider.Store.RejectAuthorization(ctx, req.Flow, h.Provider.Cookies.BrowserHash(r), h.Provider.Now())
	if err != nil {
		h.fail(w, h.flowError(ctx, req.Flow, r, err))
		return
	}
	h.dropConsentCookie(w, a.ID)
	to, err := h.Provider.ErrorURL(a, oautherr.ErrAccessDenied.WithHint("The person declined the request."))
	if err != nil {
		h.fail(w, err)
		return
	}
	writeJSON(w, Redirect{RedirectTo: to})
}

// flow reads the flow id and checks that it belongs to this browser, has not
// expired, and is in state want.
func (h *Handler) flow(ctx context.Context, r *http.Request, id string, want sigil.AuthorizationState) (*sigil.Authorization, error) {
	if id == "" {
		return nil, oautherr.ErrInvalidRequest.WithHint("The flow is missing; pass the flow id from the login page URL.")
	}
	a, err := h.Provider.Store.GetAuthorization(ctx, id)
	if errors.Is(err, sigil.ErrNotFound) {
		return nil, oautherr.ErrNotFound.WithHint("There is no sign-in flow '%s'; start again from the application.", oautherr.Shown(id))
	}
	if err != nil {
		return nil, fmt.Errorf("read flow: %w", err)
	}
	if err := h.checkFlow(r, a, want); err != nil {
		return nil, err
	}
	return a, nil
}

// checkFlow explains why a flow cannot take the next step, or returns nil.
func (h *Handler) checkFlow(r *http.Request, a *sigil.Authorization, want sigil.AuthorizationState) error {
	if !bytes.Equal(h.Provider.Cookies.BrowserHash(r), a.BrowserHash) {
		return oautherr.ErrRequestForbidden.WithHint("This sign-in flow belongs to another browser (or cookies are blocked); start again from the application.")
	}
	if !h.Provider.Now().Before(a.ExpiresAt) {
		return oautherr.ErrInvalidRequest.WithHint("This sign-in flow expired; start again from the application.")
	}
	if a.State == want || (want == sigil.StateRequested && a.State == sigil.StateChallenged) {
		return nil
	}
	switch a.State {
	case sigil.StateRequested:
		return oautherr.ErrInvalidRequest.WithHint("No sign-in message was issued for this flow yet; call POST /login/challenge first.")
	case sigil.StateChallenged:
		return oautherr.ErrInvalidRequest.WithHint("This flow is waiting for a signature; call POST /login/verify first.")
	case sigil.StateAuthenticated:
		return oautherr.ErrInvalidRequest.WithHint("This flow is already signed in and waiting for consent.")
	default:
		return oautherr.ErrInvalidRequest.WithHint("This sign-in flow is already finished (%s); start again from the application.", a.State)
	}
}

// flowError turns a failed conditional write into an error that says why,
// reading the flow again (only on this failure path).
func (h *Handler) flowError(ctx context.Context, id string, r *http.Request, err error) error {
	switch {
	case errors.Is(err, sigil.ErrNotFound):
		return oautherr.ErrNotFound.WithHint("There is no sign-in flow '%s'; start again from the application.", oautherr.Shown(id))
	case errors.Is(err, sigil.ErrSessionEnded):
		// Signed out (here or elsewhere), or the operator ended the
		// session, after this flow's sign-in: no code for a session that
		// is over (Back-Channel Logout 1.0 section 2.3).
		return oautherr.ErrLoginRequired.WithHint("You signed out, or your session was ended, after signing in to this request; start again from the application and sign in again.")
	case errors.Is(err, sigil.ErrConflict):
		a, gerr := h.Provider.Store.GetAuthorization(ctx, id)
		if gerr != nil {
			return oautherr.ErrInvalidRequest.WithHint("This sign-in flow can no longer take this step; start again from the application.")
		}
		if a.State == sigil.StateChallenged && bytes.Equal(h.Provider.Cookies.BrowserHash(r), a.BrowserHash) && h.Provider.Now().Before(a.ExpiresAt) {
			// A sign-in that matched nothing while the flow still waits
			// for a signature: another challenge replaced the one signed
			// (a second click, a corrected domain).
			return oautherr.ErrInvalidRequest.WithHint("A newer sign-in message replaced the one that was signed; sign the latest message POST /login/challenge returned.")
		}
		if cerr := h.checkFlow(r, a, "-"); cerr != nil {
			return cerr
		}
		return oautherr.ErrInvalidRequest.WithHint("This sign-in flow changed while the request was processed; try again.")
	default:
		return err
	}
}

// resolveError maps a resolver failure to the catalogue.
func resolveError(name string, err error) error {
	switch {
	case errors.Is(err, sigil.ErrDomainNotFound):
		return oautherr.ErrNotFound.WithHint("The domain %s is not registered; check the spelling.", name)
	case errors.Is(err, sigil.ErrResolverUnavailable):
		return fmt.Errorf("%w (%w)", oautherr.ErrTemporarilyUnavailable.WithHint("The owner of %s could not be looked up right now; try again in a moment.", name), err)
	default:
		return fmt.Errorf("resolve %s: %w", name, err)
	}
}

// maxJSONBody bounds a login API body: its requests are a few hundred
// bytes, a contract wallet's signature at most 8 KiB of hex.
const maxJSONBody = 16 << 10

// readJSON decodes a JSON body. Requiring application/json is part of the
// CSRF defence: a cross-site form cannot send it, and a cross-site script
// would need a CORS preflight that Sigil never grants on these endpoints.
func (h *Handler) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json" {
		h.fail(w, oautherr.ErrInvalidRequest.WithHint("Send a JSON body with Content-Type: application/json."))
		return false
	}
	if origin := r.Header.Get("Origin"); origin != "" && origin != h.origin() {
		h.fail(w, oautherr.ErrRequestForbidden.WithHint("Requests from origin '%s' are not allowed; the login API only answers Sigil's own pages.", oautherr.Shown(origin)))
		return false
	}
	if charset := params["charset"]; charset != "" && !strings.EqualFold(charset, "utf-8") {
		h.fail(w, oautherr.ErrInvalidRequest.WithHint("The body must be UTF-8 JSON (RFC 8259 section 8.1), not charset '%s'.", oautherr.Shown(charset)))
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxJSONBody))
	if err != nil {
		if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
			h.fail(w, oautherr.ErrInvalidRequest.WithHint("The body is larger than %d KiB.", maxJSONBody>>10))
		} else {
			h.fail(w, oautherr.ErrInvalidRequest.WithHint("The body could not be read."))
		}
		return false
	}
	if err := json.Unmarshal(body, v); err != nil {
		h.fail(w, oautherr.ErrInvalidRequest.WithHint("The body is not valid JSON for this endpoint: %s.", oautherr.JSONProblem(err)))
		return false
	}
	return true
}

func (h *Handler) origin() string {
	return h.Provider.Issuer.Scheme + "://" + h.Provider.Issuer.Host
}

// fail answers err as JSON; server errors are logged, never shown.
func (h *Handler) fail(w http.ResponseWriter, err error) {
	switch e := oautherr.From(err); {
	case e.Status == http.StatusServiceUnavailable:
		// An outage of the chain node: the person can retry, operators
		// need to know.
		h.Provider.Log.Warn("login API: domain source unavailable", "err", err)
	case e.Status >= 500:
		h.Provider.Log.Error("login API failed", "err", err)
	}
	oautherr.WriteJSON(w, err)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}

// newNonce is the message nonce in Login with Unstoppable's form: 0x and 64
// hex digits (256 bits).
func newNonce() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "0x" + hex.EncodeToString(b)
}

func newSessionID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func hasWord(s, word string) bool {
	for _, f := range bytes.Fields([]byte(s)) {
		if string(f) == word {
			return true
		}
	}
	return false
}
