package cli

import (
	"log/slog"
	"net/http"
	"runtime"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sigil-oidc/sigil/internal/admission"
	"github.com/sigil-oidc/sigil/internal/config"
	"github.com/sigil-oidc/sigil/internal/oauth"
	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/ratelimit"
	"github.com/sigil-oidc/sigil/web"
)

// admissionRefused counts the requests admission control refused, by
// class.
var admissionRefused = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "sigil_admission_refused_total",
	Help: "Requests refused with 503 by admission control because their class of endpoint was serving as many as it may, by class (authorize, login, token, userinfo).",
}, []string{"class"})

// newAdmission builds the admission control of the public listener from
// cfg, its "auto" limits sized for GOMAXPROCS and a database pool of
// poolSize connections. Refusals at the authorization endpoint are the
// error page; each is counted in sigil_admission_refused_total and
// recorded as the audit event shed under the client address.
func newAdmission(cfg *config.Config, poolSize int, provider *oauth.Provider, log *slog.Logger) *admission.Controller {
	resolved := cfg.Admission.Resolve(runtime.GOMAXPROCS(0), poolSize)
	c := admission.New(resolved)
	c.Page = shedPage(provider)
	c.Log = log
	c.Key = func(r *http.Request) string {
		if addr, ok := ratelimit.ClientIP(r, cfg.Limits.TrustedProxies); ok {
			return ratelimit.AddressKey(addr)
		}
		return r.RemoteAddr
	}
	// A second serve in one process (tests) registers the counter again;
	// the first registration keeps counting.
	if err := prometheus.Register(admissionRefused); err != nil {
		if _, dup := err.(prometheus.AlreadyRegisteredError); !dup {
			log.Warn("register sigil_admission_refused_total", "err", err)
		}
	}
	for _, class := range admission.Classes {
		admissionRefused.WithLabelValues(string(class)) // every series from 0
	}
	c.OnRefuse = func(class admission.Class) { admissionRefused.WithLabelValues(string(class)).Inc() }
	attrs := []any{}
	for _, class := range admission.Classes {
		attrs = append(attrs, string(class), resolved.Limits[class].String())
	}
	log.Info("admission control", append(attrs, "max_wait", resolved.MaxWait)...)
	return c
}

// shedPage renders a refusal at the authorization endpoint as the error
// page, like provider.ErrorPage but without its error log line: a refusal
// is expected under overload and already counted and audited, and a log
// line per refused request would add work to an overloaded node.
func shedPage(provider *oauth.Provider) func(w http.ResponseWriter, r *http.Request, err error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		e := oautherr.From(err)
		oauth.SetPageHeaders(w, "")
		w.Header().Set("Cache-Control", "no-store")
		if rerr := provider.Pages.Render(w, e.Status, web.PageError, web.ErrorPage{
			Status: e.Status, Error: e.Code, Description: e.Description, Hint: e.Hint,
		}); rerr != nil {
			provider.Log.Error("render error page", "err", rerr)
		}
	}
}
