package ratelimit

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil/internal/audit"
	"github.com/sigil-oidc/sigil/internal/audit/audittest"
)

// TestRefusalsAreAudited: each kind of refusal (address, client, flows)
// is the security event rate_limited, counted every time and logged once
// per key however many refusals follow.
func TestRefusalsAreAudited(t *testing.T) {
	log, rec := audittest.NewLogger()
	l := New(Config{TokenIP: MustParseLimit("1/h"), TokenClient: MustParseLimit("1/h"), FlowsPerIP: 1, FlowWindow: time.Hour})
	l.Log = log
	h := l.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := AdmitFlow(w, r); err != nil {
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	count := func() float64 {
		return audittest.Counter(t, "sigil_security_events_total", "event", audit.RateLimited)
	}
	before := count()

	for range 5 {
		do(h, "POST", "/oauth2/token", "192.0.2.1:1", url.Values{"client_id": {"c"}})
	}
	rec.One(t, audit.RateLimited, map[string]any{"class": "token", "limit": "address", "key": "192.0.2.1", "suppressed": 0})

	// The client's limit, spent from another address.
	do(h, "POST", "/oauth2/token", "192.0.2.2:1", url.Values{"client_id": {"c"}})
	lines := rec.Events(audit.RateLimited)
	if len(lines) != 2 || lines[1].Attrs["limit"] != "client" || lines[1].Attrs["key"] != "c" {
		t.Fatalf("client limit: %v", lines)
	}

	for range 3 {
		do(h, "GET", "/oauth2/auth?client_id=app", "192.0.2.3:1", nil)
	}
	lines = rec.Events(audit.RateLimited)
	if len(lines) != 3 || lines[2].Attrs["class"] != "flows" || lines[2].Attrs["key"] != "192.0.2.3" {
		t.Fatalf("flow bound: %v", lines)
	}
	// 4 refusals by address, 1 by client, 2 by the flow bound.
	if got := count(); got != before+7 {
		t.Errorf("sigil_security_events_total{event=rate_limited} rose by %v, want 7", got-before)
	}
}
