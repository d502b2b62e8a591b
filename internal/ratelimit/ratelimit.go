// Package ratelimit bounds how fast one client address, and one OAuth
// client, can make Sigil work: token buckets (golang.org/x/time/rate) per
// client IP and per client_id in front of the authorization endpoint, the
// login pages and API, the token, revocation and introspection endpoints
// and WebFinger, and a bound on the sign-in flows one address may create
// (each is a stored row). A refused request gets 429 Too Many Requests
// (RFC 6585 section 4) with Retry-After and the catalogue's body.
//
// The buckets live in the memory of each node and are not shared: behind
// a load balancer spreading requests over N nodes, an address gets up to N
// times each limit. That is the price of adding no shared state (and no
// round trip) to every request; the limits are there to stop one source
// from flooding a node, the RPC provider or the disk, not to meter. The
// tables of buckets are bounded LRUs (internal/cache), so made-up keys
// cannot grow memory; a bucket idle long enough to be full again is
// dropped, since a new one is the same.
package ratelimit

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/sigil-oidc/sigil/internal/cache"
)

// Limit is one token bucket: Rate requests per second on average and
// Burst at once. The zero Limit is no limit.
type Limit struct {
	Rate  rate.Limit
	Burst int
	// text is the limit as configured, for messages.
	text string
}

// Off reports whether l limits nothing.
func (l Limit) Off() bool { return l.Rate <= 0 }

// String is the limit as written in the configuration ("20/s:200"), or
// "off".
func (l Limit) String() string {
	if l.Off() {
		return "off"
	}
	if l.text != "" {
		return l.text
	}
	return fmt.Sprintf("%g/s:%d", float64(l.Rate), l.Burst)
}

// units are the periods a limit may be written per.
var units = map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}

// MaxCount is the largest N and BURST that ParseLimit accepts: a
// billion requests, far above what a node serves, well inside an int.
const MaxCount = 1_000_000_000

// ParseLimit reads a limit written N/UNIT or N/UNIT:BURST, where UNIT is
// s, m or h: "20/s:200" allows 20 requests a second on average and 200 at
// once. Without a burst, the burst is N (one unit's worth, at least 1).
// "off" and "0" are no limit. N and BURST are at most MaxCount.
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return Limit{}, nil
	}
	spec, burstText, hasBurst := strings.Cut(s, ":")
	countText, unit, ok := strings.Cut(spec, "/")
	per, known := units[unit]
	count, err := strconv.ParseFloat(countText, 64)
	if !ok || !known || err != nil || count <= 0 || math.IsInf(count, 0) || math.IsNaN(count) {
		return Limit{}, fmt.Errorf("%q is not a limit: write N/s, N/m or N/h with N > 0, optionally :BURST (20/s:200), or off", s)
	}
	// ParseFloat takes any size, so a count past every integer
	// (99999999999999999999/s) would be a limit in name only; a burst
	// past an int is refused by Atoi. Both are bounded alike instead.
	if count > MaxCount {
		return Limit{}, fmt.Errorf("%q: N must be at most %d (for no limit, write off)", s, MaxCount)
	}
	burst := int(math.Max(1, count))
	if hasBurst {
		b, err := strconv.Atoi(burstText)
		if err != nil || b < 1 || b > MaxCount {
			return Limit{}, fmt.Errorf("%q: the burst after ':' must be a whole number from 1 to %d", s, MaxCount)
		}
		burst = b
	}
	return Limit{Rate: rate.Limit(count / per.Seconds()), Burst: burst, text: s}, nil
}

// MustParseLimit is ParseLimit for limits written in the code.
func MustParseLimit(s string) Limit {
	l, err := ParseLimit(s)
	if err != nil {
		panic(err)
	}
	return l
}

// Table is a bounded set of token buckets of one Limit, one per key (a
// client address or a client_id). It is safe for concurrent use.
type Table struct {
	limit Limit
	// idle is how long a bucket takes to fill up from empty: a bucket not
	// touched for that long is as good as a new one, so it may be dropped.
	idle time.Duration

	mu      sync.Mutex // makes a look-up and the insert of a new bucket one step
	buckets *cache.LRU[string, *rate.Limiter]
}

// NewTable returns a table of buckets of l holding at most size keys; when
// full, the least recently used bucket is dropped (its key starts over
// with a full bucket). It returns nil when l is off; a nil Table allows
// everything.
func NewTable(l Limit, size int) *Table {
	if l.Off() {
		return nil
	}
	idle := time.Duration(float64(l.Burst) / float64(l.Rate) * float64(time.Second))
	return &Table{limit: l, idle: max(idle, time.Second), buckets: cache.New[string, *rate.Limiter](max(size, 1))}
}

// Limit is the table's limit.
func (t *Table) Limit() Limit {
	if t == nil {
		return Limit{}
	}
	return t.limit
}

// bucket returns key's bucket, creating it when create is set (else nil
// when there is none), and keeps it for another idle period.
func (t *Table) bucket(key string, now time.Time, create bool) *rate.Limiter {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.buckets.Get(key, now)
	if !ok {
		if !create {
			return nil
		}
		b = rate.NewLimiter(t.limit.Rate, t.limit.Burst)
	}
	t.buckets.Add(key, b, now, t.idle)
	return b
}

// Allow takes one token from key's bucket. When the bucket is empty it
// takes nothing and returns false and how long until a token is there.
func (t *Table) Allow(key string, now time.Time) (bool, time.Duration) {
	if t == nil {
		return true, 0
	}
	b := t.bucket(key, now, true)
	if b.AllowN(now, 1) {
		return true, 0
	}
	return false, t.wait(b, now)
}

// Ready reports whether key's bucket holds a token, without taking it or
// creating a bucket: for limits that count a request only once it turned
// out to deserve it (Spend).
func (t *Table) Ready(key string, now time.Time) (bool, time.Duration) {
	if t == nil {
		return true, 0
	}
	b := t.bucket(key, now, false)
	if b == nil || b.TokensAt(now) >= 1 {
		return true, 0
	}
	return false, t.wait(b, now)
}

// Spend takes one token from key's bucket even when that leaves it in
// debt: requests that passed Ready together are all counted, and the debt
// delays the next ones.
func (t *Table) Spend(key string, now time.Time) {
	if t == nil {
		return
	}
	t.bucket(key, now, true).ReserveN(now, 1)
}

// wait is how long until b holds one token.
func (t *Table) wait(b *rate.Limiter, now time.Time) time.Duration {
	missing := 1 - b.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(missing / float64(t.limit.Rate) * float64(time.Second))
}

// Len is the number of buckets held.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return t.buckets.Len()
}
