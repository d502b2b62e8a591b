// Package admission keeps a node working at its best when more requests
// arrive than it can serve: each class of expensive endpoint (the
// authorization endpoint, the login API's challenge and verify, the token
// endpoint, userinfo and introspection) admits a bounded number of requests
// at once, lets a few more wait briefly in a bounded queue, and refuses the
// rest at once with 503 temporarily_unavailable and Retry-After (RFC 6749
// section 4.1.2.1, RFC 9110 section 10.2.3).
//
// Without it, a flood makes every request slow: the database pool and the
// CPU are shared by ever more requests in flight, latency grows without
// bound, clients time out and retry, and the node completes fewer sign-ins
// than before the flood. Refusing early costs a few microseconds and keeps
// the requests it admits as fast as at peak.
//
// The limits are per node and in memory; the rate limits of package
// ratelimit, which run first, stop one source from taking the capacity
// that this package shares out.
package admission

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sigil-oidc/sigil/internal/audit"
	"github.com/sigil-oidc/sigil/internal/oautherr"
)

// Class names a group of endpoints that share one limit.
type Class string

// The classes of the public listener's expensive endpoints.
const (
	// ClassAuthorize is /oauth2/auth, where every sign-in starts (a stored
	// row each).
	ClassAuthorize Class = "authorize"
	// ClassLogin is the login API's /login/challenge, /login/verify and
	// /login/reverse: domain look-ups, signature recovery and writes.
	ClassLogin Class = "login"
	// ClassToken is /oauth2/token and /oauth2/revoke: client
	// authentication, a conditional write and, for codes and refresh
	// tokens, an ID token signature.
	ClassToken Class = "token"
	// ClassUserinfo is /userinfo and /oauth2/introspect: a token look-up.
	ClassUserinfo Class = "userinfo"
)

// Classes lists every class, in the order of a sign-in.
var Classes = []Class{ClassAuthorize, ClassLogin, ClassToken, ClassUserinfo}

// ClassOf is the class of a path, or "" for endpoints admitted without a
// limit: discovery, keys, WebFinger, the pages, the consent API, health and
// static files are cheap (no signature, at most one write), and refusing
// the consent step would waste a sign-in that has already cost its
// signature check.
func ClassOf(path string) Class {
	switch path {
	case "/oauth2/auth":
		return ClassAuthorize
	case "/login/challenge", "/login/verify", "/login/reverse":
		return ClassLogin
	case "/oauth2/token", "/oauth2/revoke":
		return ClassToken
	case "/userinfo", "/oauth2/introspect":
		return ClassUserinfo
	}
	return ""
}

// Limit is one class's bound: Concurrency requests served at once, and up
// to Queue more waiting for a place. The zero Limit admits everything.
type Limit struct {
	Concurrency int
	Queue       int
	// Auto marks a limit to be sized from the machine and the database
	// pool (Defaults) when the node starts.
	Auto bool
}

// Off reports whether l admits everything.
func (l Limit) Off() bool { return !l.Auto && l.Concurrency <= 0 }

// String is the limit as written in the configuration: "auto", "off",
// "N" or "N:QUEUE".
func (l Limit) String() string {
	switch {
	case l.Auto:
		return "auto"
	case l.Off():
		return "off"
	}
	return fmt.Sprintf("%d:%d", l.Concurrency, l.Queue)
}

// ParseLimit reads a limit: "auto" (sized at start-up, see Defaults),
// "off", "N" (N at once and a queue of N) or "N:QUEUE" (QUEUE may be 0:
// refuse as soon as N are in flight).
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "auto", "":
		return Limit{Auto: true}, nil
	case "off", "0":
		return Limit{}, nil
	}
	nText, qText, hasQueue := strings.Cut(s, ":")
	n, err := strconv.Atoi(nText)
	if err != nil || n < 1 || n > 100_000 {
		return Limit{}, fmt.Errorf("%q is not an admission limit: write auto, off, N or N:QUEUE with N from 1 to 100000", s)
	}
	q := n
	if hasQueue {
		if q, err = strconv.Atoi(qText); err != nil || q < 0 || q > 100_000 {
			return Limit{}, fmt.Errorf("%q: the queue after ':' must be a whole number from 0 to 100000", s)
		}
	}
	return Limit{Concurrency: n, Queue: q}, nil
}

// Defaults are the limits of "auto", for a node with procs usable cores
// (GOMAXPROCS) and a database pool of dbConns connections.
//
// The narrowest door is the first step of a sign-in: when the node is
// saturated, the authorization endpoint fills its places and starts
// refusing before the later steps do, so that the flows already under way
// (which have cost a stored row, a domain look-up and a signature check)
// finish rather than being refused at the token endpoint, where a refusal
// wastes the most work. The login API gets twice its places (signature
// recovery is CPU). The token readers (userinfo, introspection) may keep
// every connection of the pool busy, and at least eight requests per core,
// so that the CPU has work while some wait on the database.
//
// The token endpoint gets 32 places per core (or the pool, if larger):
// most of a client_credentials grant's time is the wait for its commit,
// and group commit stores the tokens of the grants waiting together in one
// write, so more of them at once make larger batches and cheaper grants
// rather than more work in flight. Measured on two cores with PostgreSQL
// on the same machine: 16 at once (the old 8 per core) made about 8,500
// grants/s at 0.12 ms of CPU a grant (server and database); 64 at once
// about 11,500/s at 0.09 ms; 128 at once 12,600/s for twice the latency
// (docs/benchmarks.md). The grants that sign (a code exchange, a refresh)
// are CPU: 64 of them at once on two cores wait about 32 signatures, some
// 30 ms, well inside a client's patience.
//
// Each queue holds queueFactor times its class's places. What bounds a
// queued request's wait is DefaultMaxWait, so that an overloaded node
// refuses on latency; the queue's length only bounds how many wait at once.
// A queue as long as the places refused bursts that the node had time
// for: 16 sign-ins at once on two cores, with the cores 1.9 of 2 busy and
// every admitted request served in under 50 ms, had 0.5-1% of their
// authorization requests refused because more than 8 arrived together;
// with a queue of 16 none were (docs/benchmarks.md). At these sizes a node
// at its peak throughput (64 clients at once at the token endpoint, 16
// sign-ins at once on two cores) refuses nothing; the limits bite only
// beyond it.
func Defaults(procs, dbConns int) map[Class]Limit {
	procs = max(procs, 1)
	token := max(32*procs, dbConns)
	readers := max(8*procs, dbConns)
	limit := func(places int) Limit { return Limit{Concurrency: places, Queue: queueFactor * places} }
	return map[Class]Limit{
		ClassAuthorize: limit(2 * procs),
		ClassLogin:     limit(4 * procs),
		ClassToken:     limit(token),
		ClassUserinfo:  limit(readers),
	}
}

// queueFactor is how many times its places a class's default queue holds
// (see Defaults).
const queueFactor = 4

// DefaultMaxWait is how long a queued request waits for a place before it
// is refused: short, so that what a client waits for is bounded and an
// admitted request stays fast (the queue holds a burst, not a backlog).
const DefaultMaxWait = 50 * time.Millisecond

// RetryAfter is the Retry-After of a refusal, in seconds: the smallest the
// header can say. An overload is over, or a node has been added, sooner
// than a rate limit refills.
const RetryAfter = 1

// Gate admits up to a limit of holders at once and queues a bounded number
// more for at most maxWait. It is safe for concurrent use.
type Gate struct {
	// slots holds one token per request being served.
	slots   chan struct{}
	queue   int64
	waiting atomic.Int64
	maxWait time.Duration
}

// NewGate returns the gate of l (which must not be Auto), or nil when l is
// off: a nil Gate admits everything.
func NewGate(l Limit, maxWait time.Duration) *Gate {
	if l.Off() || l.Auto {
		return nil
	}
	return &Gate{slots: make(chan struct{}, l.Concurrency), queue: int64(l.Queue), maxWait: maxWait}
}

// Enter takes a place, waiting in the queue for up to the gate's wait when
// every place is taken and the queue has room. It reports whether the
// caller got a place; one that did must call Leave. It refuses at once when
// the queue is full, and when ctx ends (the client went away) while
// waiting.
func (g *Gate) Enter(ctx context.Context) bool {
	if g == nil {
		return true
	}
	select {
	case g.slots <- struct{}{}:
		return true
	default:
	}
	if g.waiting.Add(1) > g.queue {
		g.waiting.Add(-1)
		return false
	}
	defer g.waiting.Add(-1)
	t := time.NewTimer(g.maxWait)
	defer t.Stop()
	select {
	case g.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

// Leave gives back a place Enter gave.
func (g *Gate) Leave() {
	if g != nil {
		<-g.slots
	}
}

// InFlight is the number of places taken.
func (g *Gate) InFlight() int {
	if g == nil {
		return 0
	}
	return len(g.slots)
}

// Config is the admission of the public listener: a Limit per class (a
// missing class admits everything; none may be Auto, see Resolve) and the
// longest wait in a queue.
type Config struct {
	Limits  map[Class]Limit
	MaxWait time.Duration
}

// Resolve replaces every Auto limit of c with its default for procs cores
// and a pool of dbConns connections (Defaults).
func (c Config) Resolve(procs, dbConns int) Config {
	defaults := Defaults(procs, dbConns)
	out := Config{Limits: map[Class]Limit{}, MaxWait: c.MaxWait}
	for class, l := range c.Limits {
		if l.Auto {
			l = defaults[class]
		}
		out.Limits[class] = l
	}
	return out
}

// Controller applies a Config in front of a handler. Build it with New.
type Controller struct {
	gates map[Class]*Gate
	// Page answers a refusal at the authorization endpoint, which a
	// browser navigates to, as a page; nil answers JSON everywhere.
	Page func(w http.ResponseWriter, r *http.Request, err error)
	// OnRefuse, if set, is told of every refusal (for metrics).
	OnRefuse func(Class)
	// Log receives the security event shed of each refusal, at most one
	// line per client address per minute (audit.Throttle); nil only
	// counts it.
	Log *slog.Logger
	// Key is the client address a refusal is logged under (the rate
	// limits' ClientIP, which knows the trusted proxies); nil takes the
	// connection's peer.
	Key func(r *http.Request) string

	auditLines audit.Throttle
}

// New builds the controller of cfg; Auto limits must have been resolved.
func New(cfg Config) *Controller {
	wait := cfg.MaxWait
	if wait <= 0 {
		wait = DefaultMaxWait
	}
	c := &Controller{gates: map[Class]*Gate{}}
	for class, l := range cfg.Limits {
		if g := NewGate(l, wait); g != nil {
			c.gates[class] = g
		}
	}
	return c
}

// Gate returns the gate of class, nil when it admits everything.
func (c *Controller) Gate(class Class) *Gate { return c.gates[class] }

// Handler returns next behind the gates; a nil Controller admits
// everything. Preflight requests (OPTIONS) pass: they do no work.
func (c *Controller) Handler(next http.Handler) http.Handler {
	if c == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		class := ClassOf(r.URL.Path)
		g := c.gates[class]
		if g == nil || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		if !g.Enter(r.Context()) {
			c.refuse(w, r, class)
			return
		}
		defer g.Leave()
		next.ServeHTTP(w, r)
	})
}

// refuse answers 503 temporarily_unavailable with Retry-After.
func (c *Controller) refuse(w http.ResponseWriter, r *http.Request, class Class) {
	if c.OnRefuse != nil {
		c.OnRefuse(class)
	}
	key := ""
	if c.Key != nil {
		key = c.Key(r)
	} else if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		key = host
	}
	audit.Limited(r.Context(), c.Log, &c.auditLines, audit.Shed, key, slog.String("class", string(class)))
	w.Header().Set("Retry-After", strconv.Itoa(RetryAfter))
	err := oautherr.ErrTemporarilyUnavailable.WithHint("This node is serving as many %s requests as it can; retry in %d second.", class, RetryAfter)
	if class == ClassAuthorize && c.Page != nil {
		c.Page(w, r, err)
		return
	}
	oautherr.WriteJSON(w, err)
}
