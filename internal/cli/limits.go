package cli

import (
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sigil-oidc/sigil/internal/config"
	"github.com/sigil-oidc/sigil/internal/oauth"
	"github.com/sigil-oidc/sigil/internal/ratelimit"
)

// rateLimited counts the requests the rate limits refused, by class.
var rateLimited = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "sigil_rate_limited_total",
	Help: "Requests refused with 429 by a rate limit or the bound on flows per address, by class (authorize, login, token, webfinger, flows).",
}, []string{"class"})

// newLimits builds the rate limits of the public listener from cfg:
// refusals at the authorization endpoint are shown as the error page, and
// each is counted in sigil_rate_limited_total.
func newLimits(cfg *config.Config, provider *oauth.Provider, log *slog.Logger) *ratelimit.Limits {
	l := ratelimit.New(cfg.Limits)
	l.Page = provider.ErrorPage
	l.Log = log
	// A second serve in one process (tests) registers the counter again;
	// the first registration keeps counting.
	if err := prometheus.Register(rateLimited); err != nil {
		if _, dup := err.(prometheus.AlreadyRegisteredError); !dup {
			log.Warn("register sigil_rate_limited_total", "err", err)
		}
	}
	// Every class's series exists at 0 from the start, so that rate()
	// and increase() alerts work before the first refusal.
	for _, c := range []ratelimit.Class{ratelimit.ClassAuthorize, ratelimit.ClassLogin, ratelimit.ClassToken, ratelimit.ClassWebFinger, ratelimit.ClassFlows} {
		rateLimited.WithLabelValues(string(c))
	}
	l.OnRefuse = func(c ratelimit.Class) { rateLimited.WithLabelValues(string(c)).Inc() }
	return l
}
