package ratelimit

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"math"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/sigil-oidc/sigil/internal/audit"
	"github.com/sigil-oidc/sigil/internal/basicauth"
	"github.com/sigil-oidc/sigil/internal/oautherr"
)

// Class names a group of endpoints that share limits.
type Class string

// The classes of the public listener's endpoints.
const (
	// ClassAuthorize is /oauth2/auth.
	ClassAuthorize Class = "authorize"
	// ClassLogin is the login and consent pages and the login API
	// (/login, /login/*, /consent, /consent/*).
	ClassLogin Class = "login"
	// ClassToken is /oauth2/token, /oauth2/revoke and /oauth2/introspect.
	ClassToken Class = "token"
	// ClassWebFinger is /.well-known/webfinger.
	ClassWebFinger Class = "webfinger"
	// ClassFlows is the bound on sign-in flows an address creates.
	ClassFlows Class = "flows"
)

// classOf is the class of a path, or "" for endpoints without limits
// (discovery, keys, userinfo, static files, health).
func classOf(path string) Class {
	switch {
	case path == "/oauth2/auth":
		return ClassAuthorize
	case path == "/oauth2/token", path == "/oauth2/revoke", path == "/oauth2/introspect":
		return ClassToken
	case path == "/login", path == "/consent", strings.HasPrefix(path, "/login/"), strings.HasPrefix(path, "/consent/"):
		return ClassLogin
	case path == "/.well-known/webfinger":
		return ClassWebFinger
	}
	return ""
}

// Config is every limit of the public listener. Zero Limits are off.
type Config struct {
	// Per client address (ClientIP, IPv6 by /64).
	AuthorizeIP, LoginIP, TokenIP, WebFingerIP Limit
	// Per client_id, counting only requests of a known client that
	// authenticated where it had to (see Limits.ServeHTTP).
	AuthorizeClient, TokenClient Limit
	// FlowsPerIP bounds the sign-in flows (stored rows) one address may
	// create within FlowWindow (the flow lifetime): FlowsPerIP at once,
	// then FlowsPerIP per FlowWindow. 0 is no bound.
	FlowsPerIP int
	FlowWindow time.Duration
	// TrustedProxies are the peers whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// Keys caps the buckets each limit keeps (DefaultKeys).
	Keys int
}

// DefaultKeys is how many addresses or clients each limit tracks at most.
// A bucket costs about 250 bytes, so the seven tables hold at most about
// 20 MB.
const DefaultKeys = 10000

// Limits enforces a Config in front of a handler. Build it with New.
type Limits struct {
	byIP     map[Class]*Table
	byClient map[Class]*Table
	flows    *Table
	flowsMax int
	trusted  []netip.Prefix

	// Page answers a refusal at the authorization endpoint, which a
	// browser navigates to, as a page; nil answers JSON everywhere.
	Page func(w http.ResponseWriter, r *http.Request, err error)
	// OnRefuse, if set, is told of every refusal (for metrics).
	OnRefuse func(Class)
	// Log receives the one warning about X-Forwarded-For from a peer
	// that is not a trusted proxy; nil logs nothing.
	Log *slog.Logger
	// now is the clock; tests replace it.
	now func() time.Time

	warnedXFF atomic.Bool
	// auditLines throttles the rate_limited lines.
	auditLines audit.Throttle
}

// New builds the limits of cfg.
func New(cfg Config) *Limits {
	keys := cfg.Keys
	if keys <= 0 {
		keys = DefaultKeys
	}
	l := &Limits{
		byIP: map[Class]*Table{
			ClassAuthorize: NewTable(cfg.AuthorizeIP, keys),
			ClassLogin:     NewTable(cfg.LoginIP, keys),
			ClassToken:     NewTable(cfg.TokenIP, keys),
			ClassWebFinger: NewTable(cfg.WebFingerIP, keys),
		},
		byClient: map[Class]*Table{
			ClassAuthorize: NewTable(cfg.AuthorizeClient, keys),
			ClassToken:     NewTable(cfg.TokenClient, keys),
		},
		trusted: cfg.TrustedProxies,
		now:     time.Now,
	}
	if cfg.FlowsPerIP > 0 && cfg.FlowWindow > 0 {
		l.flowsMax = cfg.FlowsPerIP
		l.flows = NewTable(Limit{Rate: perWindow(cfg.FlowsPerIP, cfg.FlowWindow), Burst: cfg.FlowsPerIP}, keys)
	}
	return l
}

// perWindow is n per window as a token rate.
func perWindow(n int, window time.Duration) rate.Limit {
	return rate.Limit(float64(n) / window.Seconds())
}

// Handler returns next behind the limits; a nil Limits limits nothing.
func (l *Limits) Handler(next http.Handler) http.Handler {
	if l == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { l.serve(w, r, next) })
}

// serve applies the limits of r's class, then runs next. The per-address
// limit counts every request. The per-client limit is checked before and
// counted after: only a request that did not fail with 401 (an unknown
// client, or a wrong secret) is counted, so nobody can use up another
// client's limit by sending its client_id.
func (l *Limits) serve(w http.ResponseWriter, r *http.Request, next http.Handler) {
	class := classOf(r.URL.Path)
	if class == "" || r.Method == http.MethodOptions {
		next.ServeHTTP(w, r)
		return
	}
	now := l.now()
	addr, ok := ClientIP(r, l.trusted)
	ipKey := r.RemoteAddr
	if ok {
		ipKey = AddressKey(addr)
		l.warnUntrustedXFF(r)
	}
	if allowed, wait := l.byIP[class].Allow(ipKey, now); !allowed {
		l.audit(r, class, "address", ipKey)
		l.refuse(w, r, class, wait, "from this address")
		return
	}
	clients := l.byClient[class]
	clientID := ""
	if clients != nil {
		clientID = requestClientID(r)
		if clientID != "" {
			if ready, wait := clients.Ready(clientID, now); !ready {
				l.audit(r, class, "client", clientID)
				l.refuse(w, r, class, wait, "for client '"+oautherr.Shown(clientID)+"'")
				return
			}
		}
	}
	if class == ClassAuthorize && l.flows != nil {
		r = r.WithContext(context.WithValue(r.Context(), flowsKey{}, flowAdmission{l: l, key: ipKey}))
	}
	if clientID == "" {
		next.ServeHTTP(w, r)
		return
	}
	rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	next.ServeHTTP(rec, r)
	if rec.status != http.StatusUnauthorized && rec.status != http.StatusTooManyRequests {
		clients.Spend(clientID, l.now())
	}
}

// refuse answers 429 with Retry-After (RFC 6585 section 4) in whole
// seconds, at least one.
func (l *Limits) refuse(w http.ResponseWriter, r *http.Request, class Class, wait time.Duration, whose string) {
	if l.OnRefuse != nil {
		l.OnRefuse(class)
	}
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	err := oautherr.ErrTooManyRequests.WithHint("The %s limit %s was reached; retry in %s.", class, whose, seconds(secs))
	if class == ClassAuthorize && l.Page != nil {
		l.Page(w, r, err)
		return
	}
	oautherr.WriteJSON(w, err)
}

// audit records a refusal as the security event rate_limited: counted
// always, logged at most once a minute per key (audit.Throttle),
// since a flood of refusals is what a limit answers. limit says which limit
// refused (address, client or flows); key is the address key or client id.
func (l *Limits) audit(r *http.Request, class Class, limit, key string) {
	audit.Limited(r.Context(), l.Log, &l.auditLines, audit.RateLimited, key,
		slog.String("class", string(class)), slog.String("limit", limit))
}

// warnUntrustedXFF logs once when a peer that is not a trusted proxy sends
// X-Forwarded-For: Sigil is probably behind a proxy nobody declared, and
// all its clients then share the proxy's limits.
func (l *Limits) warnUntrustedXFF(r *http.Request) {
	if l.Log == nil || l.warnedXFF.Load() || r.Header.Get("X-Forwarded-For") == "" {
		return
	}
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || contains(l.trusted, peer.Addr().Unmap()) {
		return
	}
	if l.warnedXFF.CompareAndSwap(false, true) {
		l.Log.Warn("a request carries X-Forwarded-For from a peer outside --trusted-proxies: rate limits count every client of that peer as one address; list the proxy in --trusted-proxies if it is yours",
			"peer", peer.Addr().String())
	}
}

// seconds is n seconds in words, for a hint.
func seconds(n int) string {
	if n == 1 {
		return "1 second"
	}
	return strconv.Itoa(n) + " seconds"
}

// maxFormPeek is how much of a form body is read to find client_id, the
// same bound the endpoints put on their forms.
const maxFormPeek = 64 << 10

// requestClientID is the client_id a request names: in HTTP Basic
// authentication (RFC 6749 section 2.3.1, form-encoded), in the query, or
// in a form body. The body is read and put back, so the handler reads it
// as sent.
func requestClientID(r *http.Request) string {
	if id, _, ok, _ := basicauth.FromRequest(r); ok {
		return id
	}
	if id := r.URL.Query().Get("client_id"); id != "" || r.Method != http.MethodPost {
		return id
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" || r.Body == nil {
		return ""
	}
	peek, err := io.ReadAll(io.LimitReader(r.Body, maxFormPeek+1))
	r.Body = readCloser{io.MultiReader(bytes.NewReader(peek), r.Body), r.Body}
	if err != nil || len(peek) > maxFormPeek {
		return ""
	}
	form, err := url.ParseQuery(string(peek))
	if err != nil {
		return ""
	}
	return form.Get("client_id")
}

// readCloser reads from a replayed body and closes the original.
type readCloser struct {
	io.Reader
	io.Closer
}

// statusWriter records the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

type flowsKey struct{}

// flowAdmission is the flow bound of one request's address.
type flowAdmission struct {
	l   *Limits
	key string
}

// AdmitFlow is asked by the authorization endpoint right before it stores
// a new flow: it counts the flow against the bound of the request's
// address, or refuses it with the catalogue's 429 error (and sets
// Retry-After on w). Without limits in front of the request it admits
// everything.
func AdmitFlow(w http.ResponseWriter, r *http.Request) error {
	a, ok := r.Context().Value(flowsKey{}).(flowAdmission)
	if !ok {
		return nil
	}
	allowed, wait := a.l.flows.Allow(a.key, a.l.now())
	if allowed {
		return nil
	}
	if a.l.OnRefuse != nil {
		a.l.OnRefuse(ClassFlows)
	}
	a.l.audit(r, ClassFlows, "flows", a.key)
	secs := max(int(math.Ceil(wait.Seconds())), 1)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return oautherr.ErrTooManyRequests.WithHint("This address has started %d sign-ins recently, the most allowed; finish or wait for them, and retry in %s.", a.l.flowsMax, seconds(secs))
}
