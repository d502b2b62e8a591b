// Package audit records what an operator or an incident responder must be
// able to find later: admin actions and security events, each as one
// structured log line (log/slog) and one increment of a Prometheus counter.
//
// Every line carries the attribute event=<name>, stable across releases, so
// a log query or an alert can select it; the message is "audit" for every
// line. Security events are logged at level WARN and counted in
// sigil_security_events_total{event}; admin actions at INFO and counted in
// sigil_admin_actions_total{action}. Both counters are registered with the
// default Prometheus registry (served on the admin listener at /metrics)
// with every name below at zero, so an alert rule sees the series before the
// first event.
//
// No secret is ever an attribute: never a token, code, client secret,
// signature or signed message; only ids (client_id, flow, sid, kid), domains,
// wallet addresses, client addresses and, where a value must be matched
// later, a short hash of it (Fingerprint).
//
// Security events (Event) and their attributes:
//
//	code_replay           client_id: an authorization code was presented again (or by a client
//	                      that lost the race); its authorization is revoked (RFC 9700 section 4.5)
//	refresh_reuse         client_id, family_hash (Fingerprint of the token's family): a
//	                      rotated-out refresh token was presented again;
//	                      the authorization is revoked (RFC 9700 section 4.14.2)
//	signature_invalid     flow, client_id, domain, address: a signature at /login/verify
//	                      was not made by the domain's owner (EIP-191 nor EIP-1271)
//	owner_changed         where (verify, refresh, userinfo, introspect), domain, client_id,
//	                      old_owner, new_owner (when known): the domain's owner is no longer
//	                      the one who signed in; the sign-in or the grant is refused
//	admin_auth_failed     reason (missing or wrong), method, path, key (the client address),
//	                      suppressed: a request to the admin API without the admin token
//	                      (throttled as rate_limited)
//	rate_limited          class, limit (address, client or flows), key (the address, IPv6 by
//	                      /64, or the client_id), suppressed: a request refused with 429 (at
//	                      most one line per key per minute, see Throttle; the counter counts
//	                      every refusal)
//	shed                  class, key, suppressed: a request refused with 503 by admission
//	                      control (throttled as rate_limited)
//
// Admin actions (Admin) and their attributes:
//
//	client_created         client_id, auth_method
//	client_updated         client_id, auth_method, secret_issued
//	client_deleted         client_id
//	client_secret_rotated  client_id
//	key_rotated            kid, alg, generation
//	sessions_ended         subject, count (every session of a person, DELETE .../sessions)
//	session_ended          sid, subject (one session)
//	consent_revoked        subject, client_id
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The security events (see the package comment for their attributes).
const (
	CodeReplay       = "code_replay"
	RefreshReuse     = "refresh_reuse"
	SignatureInvalid = "signature_invalid"
	OwnerChanged     = "owner_changed"
	AdminAuthFailed  = "admin_auth_failed"
	RateLimited      = "rate_limited"
	Shed             = "shed"
)

// The admin actions (see the package comment for their attributes).
const (
	ClientCreated       = "client_created"
	ClientUpdated       = "client_updated"
	ClientDeleted       = "client_deleted"
	ClientSecretRotated = "client_secret_rotated"
	KeyRotated          = "key_rotated"
	SessionsEnded       = "sessions_ended"
	SessionEnded        = "session_ended"
	ConsentRevoked      = "consent_revoked"
)

// SecurityEvents and AdminActions are every name this package knows, in
// the order of the package comment; the counters start at zero for each.
var (
	SecurityEvents = []string{CodeReplay, RefreshReuse, SignatureInvalid, OwnerChanged, AdminAuthFailed, RateLimited, Shed}
	AdminActions   = []string{ClientCreated, ClientUpdated, ClientDeleted, ClientSecretRotated, KeyRotated, SessionsEnded, SessionEnded, ConsentRevoked}
)

var (
	securityEvents = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sigil_security_events_total",
		Help: "Security events seen, by event (code_replay, refresh_reuse, signature_invalid, owner_changed, admin_auth_failed, rate_limited, shed).",
	}, []string{"event"})
	adminActions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "sigil_admin_actions_total",
		Help: "Admin actions done through the admin API, by action.",
	}, []string{"action"})
)

func init() {
	// The package's counters live as long as the process, as does the
	// default registry; registering them here (not in serve) means a
	// second server in one process (tests) shares them instead of failing.
	prometheus.MustRegister(securityEvents, adminActions)
	for _, e := range SecurityEvents {
		securityEvents.WithLabelValues(e)
	}
	for _, a := range AdminActions {
		adminActions.WithLabelValues(a)
	}
}

// Event records the security event name: one WARN line on log (which may be
// nil: only counted) and one increment of sigil_security_events_total.
func Event(ctx context.Context, log *slog.Logger, name string, attrs ...slog.Attr) {
	securityEvents.WithLabelValues(name).Inc()
	write(ctx, log, slog.LevelWarn, name, attrs)
}

// Admin records the admin action name: one INFO line on log (which may be
// nil) and one increment of sigil_admin_actions_total.
func Admin(ctx context.Context, log *slog.Logger, action string, attrs ...slog.Attr) {
	adminActions.WithLabelValues(action).Inc()
	write(ctx, log, slog.LevelInfo, action, attrs)
}

// Limited records the security event name caused by key (a client address,
// a client id) like Event, except that the line is written only when t
// allows it for key; the counter counts every call. The line then carries
// suppressed=n, the lines t held back for key since the last one.
func Limited(ctx context.Context, log *slog.Logger, t *Throttle, name, key string, attrs ...slog.Attr) {
	securityEvents.WithLabelValues(name).Inc()
	if log == nil {
		return
	}
	ok, suppressed := t.allow(name+"\x00"+key, time.Now())
	if !ok {
		return
	}
	attrs = append(attrs, slog.String("key", key), slog.Int("suppressed", suppressed))
	write(ctx, log, slog.LevelWarn, name, attrs)
}

func write(ctx context.Context, log *slog.Logger, level slog.Level, name string, attrs []slog.Attr) {
	if log == nil || !log.Enabled(ctx, level) {
		return
	}
	log.LogAttrs(ctx, level, "audit", append([]slog.Attr{slog.String("event", name)}, attrs...)...)
}

// Fingerprint is a short, stable hash of a value that must not be logged
// (a token's family, a signature) but that a responder may want to match
// across lines: the first 8 bytes of its SHA-256, in hex. It is for
// correlation only, never a stand-in for the value.
func Fingerprint(value string) string {
	sum := sha256.Sum256([]byte(value))
	return hex.EncodeToString(sum[:8])
}

// Throttle bounds how often Limited writes a line for one key, so a flood
// of refusals (the very thing a rate limit answers) does not flood the log:
// at most one line per key per Every. It remembers at most MaxKeys keys;
// when full it forgets them all, which at worst writes one extra line per
// key. The zero value is one line per key per minute, for 10000 keys.
type Throttle struct {
	// Every is the least time between two lines for one key (default a
	// minute).
	Every time.Duration
	// MaxKeys is how many keys are remembered (default 10000).
	MaxKeys int

	mu   sync.Mutex
	keys map[string]*throttled
}

type throttled struct {
	last       time.Time
	suppressed int
}

func (t *Throttle) allow(key string, now time.Time) (bool, int) {
	every, maxKeys := t.Every, t.MaxKeys
	if every <= 0 {
		every = time.Minute
	}
	if maxKeys <= 0 {
		maxKeys = 10000
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if k := t.keys[key]; k != nil {
		if now.Sub(k.last) < every {
			k.suppressed++
			return false, 0
		}
		n := k.suppressed
		k.last, k.suppressed = now, 0
		return true, n
	}
	if t.keys == nil || len(t.keys) >= maxKeys {
		t.keys = make(map[string]*throttled)
	}
	t.keys[key] = &throttled{last: now}
	return true, 0
}
