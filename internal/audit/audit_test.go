package audit_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil/internal/audit"
	"github.com/sigil-oidc/sigil/internal/audit/audittest"
)

// TestEventLogsAndCounts: a security event is one WARN line with
// msg=audit, event=<name> and the given attributes, and one increment of
// sigil_security_events_total{event}.
func TestEventLogsAndCounts(t *testing.T) {
	log, rec := audittest.NewLogger()
	before := audittest.Counter(t, "sigil_security_events_total", "event", audit.CodeReplay)
	audit.Event(context.Background(), log, audit.CodeReplay, slog.String("client_id", "c1"))
	line := rec.One(t, audit.CodeReplay, map[string]any{"client_id": "c1"})
	if line.Level != slog.LevelWarn {
		t.Errorf("level %v, want WARN", line.Level)
	}
	if got := audittest.Counter(t, "sigil_security_events_total", "event", audit.CodeReplay); got != before+1 {
		t.Errorf("counter %v, want %v", got, before+1)
	}
	// A nil logger still counts.
	audit.Event(context.Background(), nil, audit.CodeReplay)
	if got := audittest.Counter(t, "sigil_security_events_total", "event", audit.CodeReplay); got != before+2 {
		t.Errorf("counter after a nil logger %v, want %v", got, before+2)
	}
}

// TestAdminLogsAndCounts: an admin action is one INFO line and one
// increment of sigil_admin_actions_total{action}.
func TestAdminLogsAndCounts(t *testing.T) {
	log, rec := audittest.NewLogger()
	before := audittest.Counter(t, "sigil_admin_actions_total", "action", audit.ClientDeleted)
	audit.Admin(context.Background(), log, audit.ClientDeleted, slog.String("client_id", "gone"))
	line := rec.One(t, audit.ClientDeleted, map[string]any{"client_id": "gone"})
	if line.Level != slog.LevelInfo {
		t.Errorf("level %v, want INFO", line.Level)
	}
	if got := audittest.Counter(t, "sigil_admin_actions_total", "action", audit.ClientDeleted); got != before+1 {
		t.Errorf("counter %v, want %v", got, before+1)
	}
}

// TestCountersStartAtZero: every documented name has its series before
// its first event, so an alert on rate() sees it from the start.
func TestCountersStartAtZero(t *testing.T) {
	for _, e := range audit.SecurityEvents {
		if !audittest.HasSeries(t, "sigil_security_events_total", "event", e) {
			t.Errorf("no series for event %s", e)
		}
	}
	for _, a := range audit.AdminActions {
		if !audittest.HasSeries(t, "sigil_admin_actions_total", "action", a) {
			t.Errorf("no series for action %s", a)
		}
	}
}

// TestLimitedThrottlesLines: a flood of events for one key writes one line
// a minute, the next line says how many were held back, every event is
// counted, and another key has its own allowance.
func TestLimitedThrottlesLines(t *testing.T) {
	log, rec := audittest.NewLogger()
	th := &audit.Throttle{Every: 200 * time.Millisecond}
	before := audittest.Counter(t, "sigil_security_events_total", "event", audit.RateLimited)
	for range 50 {
		audit.Limited(context.Background(), log, th, audit.RateLimited, "192.0.2.1", slog.String("class", "token"))
	}
	rec.One(t, audit.RateLimited, map[string]any{"key": "192.0.2.1", "class": "token", "suppressed": 0})
	audit.Limited(context.Background(), log, th, audit.RateLimited, "192.0.2.2")
	if n := len(rec.Events(audit.RateLimited)); n != 2 {
		t.Fatalf("another key: %d lines, want 2", n)
	}
	time.Sleep(250 * time.Millisecond)
	audit.Limited(context.Background(), log, th, audit.RateLimited, "192.0.2.1")
	lines := rec.Events(audit.RateLimited)
	if len(lines) != 3 || lines[2].Attrs["suppressed"] != int64(49) {
		t.Fatalf("after the interval: %d lines, last %v; want 3 with suppressed=49", len(lines), lines[len(lines)-1].Attrs)
	}
	if got := audittest.Counter(t, "sigil_security_events_total", "event", audit.RateLimited); got != before+52 {
		t.Errorf("counter %v, want %v (every event counted)", got, before+52)
	}
}

// TestThrottleBounded: the throttle forgets its keys rather than grow past
// MaxKeys.
func TestThrottleBounded(t *testing.T) {
	log, rec := audittest.NewLogger()
	th := &audit.Throttle{MaxKeys: 10}
	for i := range 100 {
		audit.Limited(context.Background(), log, th, audit.Shed, strings.Repeat("k", i+1))
	}
	if n := len(rec.Events(audit.Shed)); n != 100 {
		t.Fatalf("%d lines for 100 distinct keys, want 100", n)
	}
	if n := audit.ThrottleKeys(th); n > 10 {
		t.Fatalf("throttle holds %d keys, more than MaxKeys 10", n)
	}
}

// TestFingerprint is stable, short and not the value.
func TestFingerprint(t *testing.T) {
	f := audit.Fingerprint("family-secret")
	if f != audit.Fingerprint("family-secret") || len(f) != 16 || strings.Contains(f, "family") {
		t.Fatalf("Fingerprint = %q", f)
	}
	if f == audit.Fingerprint("family-secreT") {
		t.Fatal("two values, one fingerprint")
	}
}
