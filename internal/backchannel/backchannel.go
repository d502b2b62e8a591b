// Package backchannel tells relying parties that a person's session ended,
// by OpenID Connect Back-Channel Logout 1.0: for every client the session
// signed in to that registered a backchannel_logout_uri, Sigil POSTs a
// signed logout token to that URI, server to server.
//
// Delivery goes through an outbox in the database. SessionsEnded, called
// in the request that ends a session, only writes one row per session and
// client (one statement) and returns: the person never waits for a relying
// party. Workers, one per node (Run), claim due rows with a lease, so two
// nodes never send one notice at once and a crashed node's claims run out
// and are taken over; a restart finishes what was queued before it. A
// failed delivery is retried with exponential backoff and jitter, up to
// MaxAttempts attempts or MaxAge after the session ended, then given up
// (logged and counted). A worker keeps up to Batch attempts in flight, at
// most PerClient of them to one client, so that a relying party that does
// not answer delays no other (dispatch.go).
//
// The URIs were registered by an operator through the admin API (https, or
// http on a loopback host), but the requests still go server to server, so
// delivery is defensive: redirects are never followed (a 3xx is a failed
// attempt), each request has a short timeout, and at most maxResponseBody
// bytes of an answer are read.
package backchannel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sigil-oidc/sigil"
)

// Store is the part of sigil.Store the notifier uses.
type Store interface {
	GetClient(ctx context.Context, id string) (*sigil.Client, error)
	EnqueueLogoutNotices(ctx context.Context, notices []sigil.LogoutNotice, now time.Time) (int64, error)
	ClaimLogoutNotices(ctx context.Context, lease string, now, until time.Time, limit, perClient int, except []string) ([]sigil.LogoutNotice, error)
	RescheduleLogoutNotice(ctx context.Context, id, lease string, due time.Time, lastError string) error
	DeleteLogoutNotice(ctx context.Context, id string) error
}

// Signer signs claims as a JWS with alg and the typ header, as keys.Set
// does with the provider's signing keys.
type Signer interface {
	Sign(alg string, claims any, typ string) (string, error)
}

// Defaults of Config.
const (
	DefaultPollInterval = 5 * time.Second
	DefaultTimeout      = 5 * time.Second
	DefaultMaxAttempts  = 10
	DefaultMaxAge       = 24 * time.Hour
	DefaultRetryBase    = 10 * time.Second
	DefaultMaxBackoff   = time.Hour
	DefaultBatch        = 16
	DefaultPerClient    = 2
)

// maxResponseBody is how much of a relying party's answer is read (and
// discarded) before the connection is reused or closed: section 2.8 gives
// the body no meaning.
const maxResponseBody = 64 << 10

// maxErrorText bounds the last error kept with a notice.
const maxErrorText = 200

// Config configures a Notifier. Issuer, Store and Signer are required; zero
// values of the rest take the defaults above.
type Config struct {
	// Issuer is the iss claim of every logout token.
	Issuer string
	Store  Store
	Signer Signer
	Log    *slog.Logger
	// PollInterval is how often Run looks for due notices, which bounds
	// how late a retry, or a notice queued on another node, starts.
	// Notices queued on this node start at once.
	PollInterval time.Duration
	// Timeout bounds one delivery attempt, connection included.
	Timeout time.Duration
	// MaxAttempts and MaxAge bound retries: a notice is given up after
	// MaxAttempts failed attempts, or when its next attempt would start
	// more than MaxAge after the session ended.
	MaxAttempts int
	MaxAge      time.Duration
	// RetryBase is the delay before the second attempt; each later one
	// doubles it, up to MaxBackoff, and jitter takes off up to half.
	RetryBase  time.Duration
	MaxBackoff time.Duration
	// Batch is how many attempts a node has in flight at once (and the
	// most notices one claim takes); a slot is refilled as soon as its
	// attempt ends.
	Batch int
	// PerClient is how many of those attempts may go to one client at
	// once, so that one relying party that hangs cannot take every slot
	// (dispatch.go).
	PerClient int
	// Client sends the requests; nil builds one that follows no redirect
	// and times out after Timeout.
	Client *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Notifier queues and delivers back-channel logout notices. It is safe for
// concurrent use; one Run per process delivers.
type Notifier struct {
	cfg    Config
	client *http.Client
	// wake starts Run's next round at once after SessionsEnded queued
	// something on this node.
	wake chan struct{}
	// outcomes counts finished attempts by outcome (Collector).
	outcomes *prometheus.CounterVec
}

// Outcomes of an attempt, the label values of the deliveries counter.
const (
	OutcomeDelivered = "delivered"
	OutcomeFailed    = "failed"
	OutcomeGaveUp    = "gave_up"
	OutcomeDropped   = "dropped"
)

// New returns a Notifier; Run must be started for anything to be sent.
func New(cfg Config) *Notifier {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = DefaultRetryBase
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.Batch <= 0 {
		cfg.Batch = DefaultBatch
	}
	if cfg.PerClient <= 0 {
		cfg.PerClient = DefaultPerClient
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	client := cfg.Client
	if client == nil {
		transport := http.DefaultTransport.(*http.Transport).Clone()
		transport.MaxResponseHeaderBytes = 16 << 10
		client = &http.Client{
			Transport: transport,
			Timeout:   cfg.Timeout,
			// A redirect is answered as a failure, never followed: the
			// registered URI is the only place a token may go.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	n := &Notifier{
		cfg:    cfg,
		client: client,
		wake:   make(chan struct{}, 1),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sigil_backchannel_logout_deliveries_total",
			Help: "Back-channel logout delivery attempts by outcome: delivered, failed (retried later), gave_up (retries exhausted), dropped (client deleted or no longer registered for back-channel logout).",
		}, []string{"outcome"}),
	}
	// Every outcome's series exists at 0 from the start, for alerts.
	for _, o := range []string{OutcomeDelivered, OutcomeFailed, OutcomeGaveUp, OutcomeDropped} {
		n.outcomes.WithLabelValues(o)
	}
	return n
}

// Collector is the deliveries counter, for the metrics registry.
func (n *Notifier) Collector() prometheus.Collector { return n.outcomes }

// enqueueTimeout bounds SessionsEnded's one write.
const enqueueTimeout = 5 * time.Second

// SessionsEnded queues one notice per ended session and client it signed
// in to that registered a backchannel_logout_uri (which the store checks
// in the same write), and returns without waiting for any delivery. The
// write outlives a cancelled ctx (a person closing the tab must not lose
// the notices of a session that already ended), bounded by its own
// timeout. An error means nothing was queued for that call.
func (n *Notifier) SessionsEnded(ctx context.Context, ended []sigil.Session) error {
	var notices []sigil.LogoutNotice
	seen := map[[2]string]bool{}
	for _, s := range ended {
		if s.Subject == "" {
			n.cfg.Log.Warn("back-channel logout: ended session has no subject; no relying party is told", "sid", s.ID)
			continue
		}
		for _, clientID := range s.Clients {
			key := [2]string{s.ID, clientID}
			if clientID == "" || (s.ID != "" && seen[key]) {
				continue
			}
			seen[key] = true
			notices = append(notices, sigil.LogoutNotice{ID: randomID(), ClientID: clientID, SessionID: s.ID, Subject: s.Subject})
		}
	}
	if len(notices) == 0 {
		return nil
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), enqueueTimeout)
	defer cancel()
	stored, err := n.cfg.Store.EnqueueLogoutNotices(wctx, notices, n.cfg.Now())
	if err != nil {
		return fmt.Errorf("backchannel: queue logout notices: %w", err)
	}
	if stored > 0 {
		select {
		case n.wake <- struct{}{}:
		default: // a round is already due
		}
	}
	return nil
}

// Run delivers due notices until ctx ends: at once after SessionsEnded
// queued some on this node, and every PollInterval otherwise (retries, and
// notices queued by other nodes or before a restart). It keeps up to Batch
// attempts in flight, at most PerClient to one client, and claims more as
// soon as one ends (see dispatch.go). When ctx ends it claims nothing more,
// lets the attempts in flight finish, each bounded by Timeout, and
// returns.
func (n *Notifier) Run(ctx context.Context) {
	d := n.newDispatcher(ctx)
	t := time.NewTicker(n.cfg.PollInterval)
	defer t.Stop()
	for ctx.Err() == nil {
		if free := n.cfg.Batch - d.inFlight; free > 0 {
			if _, err := d.claim(ctx, free); err != nil && ctx.Err() == nil {
				n.cfg.Log.Error("back-channel logout: claim notices", "err", err)
			}
		}
		select {
		case <-ctx.Done():
		case client := <-d.done:
			d.finished(client)
			d.collect()
		case <-t.C:
		case <-n.wake:
		}
	}
	d.wait()
}

// DeliverDue claims up to Batch due notices, at most PerClient of any one
// client, attempts them all at once and waits for every attempt to finish;
// it returns how many it claimed. Tests call it for one round; Run does
// not (it never waits for a whole round). Attempts already begun finish
// even when ctx ends, each bounded by Timeout.
func (n *Notifier) DeliverDue(ctx context.Context) (int, error) {
	d := n.newDispatcher(ctx)
	claimed, err := d.claim(ctx, n.cfg.Batch)
	if err != nil {
		return 0, err
	}
	d.wait()
	return claimed, nil
}

// attempt delivers one claimed notice and records the outcome.
func (n *Notifier) attempt(ctx context.Context, notice sigil.LogoutNotice) {
	log := n.cfg.Log.With("client_id", notice.ClientID, "sid", notice.SessionID, "attempt", notice.Attempts)
	// Bounded like every step of an attempt, which the lease counts on
	// (leaseFor).
	gctx, cancel := context.WithTimeout(ctx, n.cfg.Timeout)
	client, err := n.cfg.Store.GetClient(gctx, notice.ClientID)
	cancel()
	switch {
	case errors.Is(err, sigil.ErrNotFound) || (err == nil && client.BackchannelLogoutURI == ""):
		// The client was deleted or no longer asks to be told: nobody
		// to deliver to.
		n.finish(ctx, log, notice, OutcomeDropped)
		return
	case err != nil:
		n.failed(ctx, log, notice, fmt.Errorf("read client: %w", err))
		return
	}
	if err := n.send(ctx, client, notice); err != nil {
		n.failed(ctx, log, notice, err)
		return
	}
	n.finish(ctx, log, notice, OutcomeDelivered)
}

// send signs a fresh logout token and POSTs it (section 2.5). Only 200
// and 204 are success (section 2.8: an RP answers 200, and some web
// frameworks turn that into 204).
func (n *Notifier) send(ctx context.Context, client *sigil.Client, notice sigil.LogoutNotice) error {
	claims := NewClaims(n.cfg.Issuer, client.ID, logoutSubject(client, notice), notice.SessionID, n.cfg.Now())
	// Section 2.4: logout tokens are signed with the same keys and
	// algorithm as the client's ID tokens.
	token, err := n.cfg.Signer.Sign(client.IDTokenAlg(), claims, TokenType)
	if err != nil {
		return fmt.Errorf("sign logout token: %w", err)
	}
	rctx, cancel := context.WithTimeout(ctx, n.cfg.Timeout)
	defer cancel()
	body := url.Values{"logout_token": {token}}.Encode()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, client.BackchannelLogoutURI, strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("backchannel_logout_uri: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "sigil back-channel logout")
	resp, err := n.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
	switch {
	case resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusNoContent:
		return nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return fmt.Errorf("HTTP %d: redirects are not followed; register the final URI", resp.StatusCode)
	default:
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
}

// finish deletes a notice that needs no further attempt.
func (n *Notifier) finish(ctx context.Context, log *slog.Logger, notice sigil.LogoutNotice, outcome string) {
	n.outcomes.WithLabelValues(outcome).Inc()
	switch outcome {
	case OutcomeDelivered:
		log.Debug("back-channel logout delivered")
	case OutcomeDropped:
		log.Info("back-channel logout dropped: the client is gone or no longer registers a backchannel_logout_uri")
	}
	wctx, cancel := context.WithTimeout(ctx, n.cfg.Timeout)
	defer cancel()
	if err := n.cfg.Store.DeleteLogoutNotice(wctx, notice.ID); err != nil && !errors.Is(err, sigil.ErrNotFound) {
		// The lease runs out and the notice is sent again: a relying
		// party must accept a repeated logout anyway.
		log.Error("back-channel logout: delete notice", "err", err)
	}
}

// failed schedules the next attempt after a failure, or gives the notice
// up once the bounds are reached.
func (n *Notifier) failed(ctx context.Context, log *slog.Logger, notice sigil.LogoutNotice, cause error) {
	now := n.cfg.Now()
	next := now.Add(n.backoff(notice.Attempts))
	if notice.Attempts >= n.cfg.MaxAttempts || next.After(notice.CreatedAt.Add(n.cfg.MaxAge)) {
		log.Warn("back-channel logout given up", "err", cause, "since", notice.CreatedAt)
		n.finish(ctx, log, notice, OutcomeGaveUp)
		return
	}
	n.outcomes.WithLabelValues(OutcomeFailed).Inc()
	log.Warn("back-channel logout failed; will retry", "err", cause, "next_attempt", next)
	text := cause.Error()
	if len(text) > maxErrorText {
		text = text[:maxErrorText]
	}
	wctx, cancel := context.WithTimeout(ctx, n.cfg.Timeout)
	defer cancel()
	if err := n.cfg.Store.RescheduleLogoutNotice(wctx, notice.ID, notice.Lease, next, text); err != nil && !errors.Is(err, sigil.ErrNotFound) {
		// The notice stays due when its lease ends.
		log.Error("back-channel logout: reschedule notice", "err", err)
	}
}

// backoff is the delay after the attempt-th failed attempt: RetryBase
// doubled for each earlier failure, at most MaxBackoff, less a random part
// of up to half, so that notices that failed together (a relying party
// down) do not all come back at the same moment.
func (n *Notifier) backoff(attempt int) time.Duration {
	d := n.cfg.RetryBase
	for i := 1; i < attempt && d < n.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, n.cfg.MaxBackoff)
	return d - rand.N(d/2+1)
}
