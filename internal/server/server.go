// Package server assembles Sigil's HTTP handlers: the routes of the public
// listener (OpenID Connect, login pages and API) and the admin listener, and
// the middleware every request passes through (panic recovery, request ids,
// access logs, security headers).
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/sigil-oidc/sigil/internal/account"
	"github.com/sigil-oidc/sigil/internal/admission"
	"github.com/sigil-oidc/sigil/internal/login"
	"github.com/sigil-oidc/sigil/internal/oauth"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/oidc"
	"github.com/sigil-oidc/sigil/internal/ratelimit"
	"github.com/sigil-oidc/sigil/web"
)

// Public holds what the public listener serves.
type Public struct {
	Provider *oauth.Provider
	OIDC     *oidc.Endpoints
	Login    *login.Handler
	// Demo, when set (only under --dev), serves the demo relying party.
	Demo *web.DemoPage
	// CORS decides which browser origins may call which endpoints.
	CORS *CORS
	// Health answers /health/alive and /health/ready; nil means no
	// readiness checks.
	Health *Health
	// Account serves the person's page at /account; nil serves none.
	Account *account.Handler
	// Limits are the rate limits in front of the authorization, login,
	// token and WebFinger endpoints; nil limits nothing.
	Limits *ratelimit.Limits
	// Admission bounds the requests served at once by each class of
	// expensive endpoint, behind the rate limits (so one source cannot
	// take every place); nil admits everything.
	Admission *admission.Controller
}

// wrongMethod answers a request to path with a method it does not serve:
// invalid_request, as fosite answers, naming the methods to use (OPTIONS,
// a browser's CORS preflight, is served but not one to use), and the Allow
// header a 405 would carry (RFC 9110 section 10.2.1) listing all of them.
func wrongMethod(path string, methods []string) http.HandlerFunc {
	use := slices.DeleteFunc(slices.Clone(methods), func(m string) bool { return m == http.MethodOptions })
	allow := strings.Join(methods, ", ")
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		oautherr.WriteJSON(w, oautherr.ErrInvalidRequest.WithHint("Method %s is not allowed on %s; use %s.", r.Method, path, strings.Join(use, " or ")))
	}
}

// route serves path on mux with a handler per method, and every other
// method with wrongMethod.
func route(mux *http.ServeMux, path string, methods map[string]http.HandlerFunc) {
	for m, h := range methods {
		mux.HandleFunc(m+" "+path, h)
	}
	mux.HandleFunc(path, wrongMethod(path, slices.Sorted(maps.Keys(methods))))
}

// AdminHandler returns the admin listener's handler: the admin API under
// /admin/ (which authenticates every request and answers its own errors),
// the Prometheus metrics and the health checks. As on the public listener,
// another method or an unknown path gets the catalogue's JSON, not the
// mux's plain text.
func AdminHandler(api, metrics http.Handler, health *Health, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/admin/", api)
	route(mux, "/metrics", map[string]http.HandlerFunc{"GET": metrics.ServeHTTP})
	route(mux, "/health/alive", map[string]http.HandlerFunc{"GET": health.Alive})
	route(mux, "/health/ready", map[string]http.HandlerFunc{"GET": health.Ready})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		oautherr.WriteJSON(w, oautherr.ErrNotFound.WithHint("There is nothing at %s on the admin listener: the admin API is under /admin/, the metrics at /metrics, the health checks at /health/alive and /health/ready.", oautherr.Shown(r.URL.Path)))
	})
	return Middleware(mux, log)
}

// Handler returns the public listener's handler. The routes read as a table
// of the endpoints; each path that exists answers other methods with
// invalid_request rather than a bare 405, so clients always get the
// catalogue's JSON.
func (s *Public) Handler() http.Handler {
	mux := http.NewServeMux()
	route := func(path string, methods map[string]http.HandlerFunc) { route(mux, path, methods) }
	p, o, l := s.Provider, s.OIDC, s.Login

	cors := s.CORS
	route("/.well-known/openid-configuration", map[string]http.HandlerFunc{"GET": cors.Public(o.ServeDiscovery), "OPTIONS": cors.Public(o.ServeDiscovery)})
	route("/.well-known/jwks.json", map[string]http.HandlerFunc{"GET": cors.Public(o.ServeJWKS), "OPTIONS": cors.Public(o.ServeJWKS)})
	route("/.well-known/webfinger", map[string]http.HandlerFunc{"GET": cors.Public(o.ServeWebFinger), "OPTIONS": cors.Public(o.ServeWebFinger)})
	// Never CORS on the authorization endpoint: it is a navigation.
	route("/oauth2/auth", map[string]http.HandlerFunc{"GET": p.Authorize, "POST": p.Authorize})
	route("/oauth2/token", map[string]http.HandlerFunc{"POST": cors.Clients(p.Token), "OPTIONS": cors.Clients(p.Token)})
	route("/oauth2/revoke", map[string]http.HandlerFunc{"POST": cors.Clients(p.Revoke), "OPTIONS": cors.Clients(p.Revoke)})
	// Never CORS on introspection: only confidential clients (servers) call it.
	route("/oauth2/introspect", map[string]http.HandlerFunc{"POST": p.Introspect})
	route("/oauth2/form_post", map[string]http.HandlerFunc{"GET": p.FormPost})
	route("/oauth2/sessions/logout", map[string]http.HandlerFunc{"GET": p.Logout, "POST": p.Logout})
	userinfo := cors.Clients(o.ServeUserinfo)
	route("/userinfo", map[string]http.HandlerFunc{"GET": userinfo, "POST": userinfo, "OPTIONS": userinfo})

	route("/login", map[string]http.HandlerFunc{"GET": l.LoginPage})
	route("/login/challenge", map[string]http.HandlerFunc{"POST": l.Challenge})
	route("/login/verify", map[string]http.HandlerFunc{"POST": l.Verify})
	route("/login/reverse", map[string]http.HandlerFunc{"POST": l.Reverse})
	route("/consent", map[string]http.HandlerFunc{"GET": l.ConsentPage})
	route("/consent/accept", map[string]http.HandlerFunc{"POST": l.Accept})
	route("/consent/reject", map[string]http.HandlerFunc{"POST": l.Reject})

	if a := s.Account; a != nil {
		route("/account", map[string]http.HandlerFunc{"GET": a.Page})
		route("/account/callback", map[string]http.HandlerFunc{"GET": a.Callback})
		route("/account/apps/disconnect", map[string]http.HandlerFunc{"POST": a.Disconnect})
		route("/account/sessions/end", map[string]http.HandlerFunc{"POST": a.EndSessions})
	}

	mux.Handle("GET /static/", http.StripPrefix("/static/", web.Static()))
	health := s.Health
	if health == nil {
		health = &Health{}
	}
	route("/health/alive", map[string]http.HandlerFunc{"GET": health.Alive})
	route("/health/ready", map[string]http.HandlerFunc{"GET": health.Ready})

	if s.Demo != nil {
		demo := *s.Demo
		mux.HandleFunc("GET /demo", func(w http.ResponseWriter, r *http.Request) { s.page(w, web.PageDemo, demo) })
		mux.HandleFunc("GET /demo/callback", func(w http.ResponseWriter, r *http.Request) { s.page(w, web.PageDemoCallback, demo) })
	}
	// The issuer's root URL is a small page that says what this server is
	// (people open it, from the banner or a token's iss); every other
	// unknown path stays a JSON 404 for API clients.
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s.page(w, web.PageHome, web.HomePage{Issuer: p.Endpoint(""), Demo: s.Demo != nil})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// The admin API is on the other listener: an operator (or the
		// CLI's --admin-url) pointed here is told so, not sent to discovery.
		if r.URL.Path == "/admin" || strings.HasPrefix(r.URL.Path, "/admin/") {
			oautherr.WriteJSON(w, oautherr.ErrNotFound.WithHint("This is the public listener; the admin API at %s is served only on the admin listener (sigil serve --admin-addr, the start-up banner's admin API line).", oautherr.Shown(r.URL.Path)))
			return
		}
		oautherr.WriteJSON(w, oautherr.ErrNotFound.WithHint("There is nothing at %s; see /.well-known/openid-configuration for the endpoints.", oautherr.Shown(r.URL.Path)))
	})
	h := Middleware(s.Limits.Handler(s.Admission.Handler(mux)), p.Log)
	if p.Issuer != nil && p.Issuer.Scheme == "https" {
		h = strictTransportSecurity(h)
	}
	return h
}

// hstsValue is the Strict-Transport-Security of an https issuer (RFC 6797
// section 6.1): two years, the host and its subdomains. An identity
// provider is never meant to be reached over plain http, and a first
// request that was would be the one an attacker on the path rewrites.
const hstsValue = "max-age=63072000; includeSubDomains"

// strictTransportSecurity sends hstsValue on every response of h, errors,
// refusals and pages alike. It is only used under an https issuer: a
// browser ignores the header on plain http (RFC 6797 section 8.1), and a
// development issuer on http://127.0.0.1 must not pin the loopback host.
func strictTransportSecurity(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", hstsValue)
		h.ServeHTTP(w, r)
	})
}

func (s *Public) page(w http.ResponseWriter, name string, data any) {
	oauth.SetPageHeaders(w, "")
	if err := s.Provider.Pages.Render(w, http.StatusOK, name, data); err != nil {
		s.Provider.Log.Error("render page", "page", name, "err", err)
	}
}

type ctxKey struct{}

// RequestID returns the id Middleware gave the request, for logs.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// LogHandler wraps h so that every line logged with a request's context
// (the audit events, errors met while serving) carries request_id, the id
// the answer's X-Request-Id header gave the client: an operator handed that
// header by a relying party finds the server's lines about the request.
// Lines logged without a request's context are unchanged.
func LogHandler(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(attrs)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// Middleware wraps h with what every request needs: a request id (echoed as
// X-Request-Id), an access log line, nosniff, and recovery from panics as a
// server_error answer instead of a dropped connection.
func Middleware(h http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			if v := recover(); v != nil {
				log.Error("panic", "request_id", id, "path", r.URL.Path, "panic", v)
				if !rec.wrote {
					oautherr.WriteJSON(rec, oautherr.ErrServerError.WithHint("Request id %s.", id))
				}
			}
			// The access log is at debug level, off by default: its
			// attributes (six values boxed into interfaces) are only built
			// when it is written.
			if log.Enabled(r.Context(), slog.LevelDebug) {
				log.Debug("request", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start))
			}
		}()
		h.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), ctxKey{}, id)))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}
