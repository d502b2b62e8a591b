package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	benchreport "github.com/sigil-oidc/sigil/bench/internal/report"
)

func TestPercentile(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		out := make([]time.Duration, len(n))
		for i, v := range n {
			out[i] = time.Duration(v) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	cases := []struct {
		sorted []time.Duration
		q      float64
		want   float64
	}{
		{nil, 0.5, 0},
		{ms(7), 0.99, 7},
		{ms(1, 2, 3, 4), 0.5, 2},
		{ms(hundred...), 0.50, 50},
		{ms(hundred...), 0.99, 99},
		{ms(hundred...), 1, 100},
	}
	for _, c := range cases {
		if got := percentile(c.sorted, c.q); got != c.want {
			t.Errorf("percentile(%d values, %v) = %v, want %v", len(c.sorted), c.q, got, c.want)
		}
	}
}

func TestParseStat(t *testing.T) {
	// A command with spaces and a parenthesis, as /proc allows.
	line := "1234 (my (odd) cmd) S 77 1234 1234 0 -1 4194560 100 0 0 0 250 50 30 20 20 0 8 0 100 0 0"
	st, ok := parseStat(line)
	if !ok || st.ppid != 77 || st.utime != 2.5 || st.stime != 0.5 || st.cutime != 0.3 || st.cstime != 0.2 {
		t.Fatalf("parseStat = %+v, %v", st, ok)
	}
	if _, ok := parseStat("garbage"); ok {
		t.Error("parseStat accepted garbage")
	}
}

// TestSummarizeStatementsAndCPU: statements per request and CPU per request
// come from the meters at the two ends of the window, over the successful
// requests.
func TestSummarizeStatementsAndCPU(t *testing.T) {
	at := time.Unix(1000, 0)
	from := window{cpu: cpuSample{at: at, machine: 10, server: 1, db: 2, self: 0.5}, statements: 100, ok: true}
	to := window{cpu: cpuSample{at: at.Add(2 * time.Second), machine: 13, server: 2, db: 2.5, self: 1}, statements: 400, ok: true}
	lat := []time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond}
	r := summarize("x", 4, append(lat, lat...), 1, nil, 2*time.Second, from, to, 0)
	if r.Requests != 6 || r.Errors != 1 || r.PerSecond != 3 || r.P50ms != 2 || r.P99ms != 3 {
		t.Errorf("counts and latency: %+v", r)
	}
	if r.StatementsPerRequest == nil || *r.StatementsPerRequest != 50 {
		t.Errorf("statements per request: %v, want 50", r.StatementsPerRequest)
	}
	// 1 s of server CPU over 2 s: 0.5 cores; 1000 ms / 6 requests.
	if r.CPU.Server != 0.5 || r.CPU.DB != 0.25 || r.CPU.Load != 0.25 || r.CPU.Other != 0.5 {
		t.Errorf("cores: %+v", r.CPU)
	}
	if d := r.CPU.ServerMsPerRequest - 1000.0/6; d > 1e-9 || d < -1e-9 {
		t.Errorf("server ms/req = %v", r.CPU.ServerMsPerRequest)
	}
	// Without the counter (a foreign server) there is no statement figure.
	from.ok = false
	if r := summarize("x", 1, lat, 0, nil, time.Second, from, to, 0); r.StatementsPerRequest != nil {
		t.Error("statements per request without a counter")
	}
}

// TestScheduleOpenLoop: at a rate, operation i is due at start + i/rate,
// whichever worker takes it; without one, now.
func TestScheduleOpenLoop(t *testing.T) {
	start := time.Unix(0, 0)
	s := &schedule{rate: 4}
	for i := range 5 {
		if got, want := s.due(start), start.Add(time.Duration(i)*250*time.Millisecond); !got.Equal(want) {
			t.Errorf("slot %d due %v, want %v", i, got, want)
		}
	}
	closed := &schedule{}
	if d := time.Since(closed.due(start)); d > time.Second {
		t.Errorf("closed loop due %v ago", d)
	}
}

// fakeTokenServer answers client_credentials and introspection for one
// client, as a foreign server would, and counts the requests.
func fakeTokenServer(t *testing.T, n *atomic.Int64) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		id, sec, ok := r.BasicAuth()
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case !ok || id != "c1" || sec != "s1":
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
		case r.URL.Path == "/token" && r.PostForm.Get("grant_type") == "client_credentials" && r.PostForm.Get("scope") == "api":
			_, _ = w.Write([]byte(`{"access_token":"at1","token_type":"Bearer"}`))
		case r.URL.Path == "/introspect" && r.PostForm.Get("token") == "at1":
			_, _ = w.Write([]byte(`{"active":true}`))
		case r.URL.Path == "/introspect":
			_, _ = w.Write([]byte(`{"active":false}`))
		default:
			w.WriteHeader(400)
			_, _ = w.Write([]byte(`{"error":"invalid_request"}`))
		}
	}))
}

// TestForeignTarget: -target runs client_credentials and introspect against
// a foreign server, each on its own concurrency, and the output reads back
// as the driver reads it.
func TestForeignTarget(t *testing.T) {
	var n atomic.Int64
	srv := fakeTokenServer(t, &n)
	defer srv.Close()
	cfg := config{foreign: srv.URL + "/token", introspectURL: srv.URL + "/introspect", clientID: "c1", clientSecret: "s1",
		ccScope: "api", c: 2, ccC: 3, d: 200 * time.Millisecond, warmup: 50 * time.Millisecond}
	rep := runForeign(cfg)
	if len(rep.Errors) != 0 || len(rep.Scenarios) != 2 {
		t.Fatalf("report: %+v", rep)
	}
	for _, r := range rep.Scenarios {
		if r.Requests == 0 || r.Errors != 0 || r.P99ms <= 0 || r.StatementsPerRequest != nil {
			t.Errorf("%s: %+v", r.Name, r)
		}
	}
	// client_credentials runs on -cc-c workers, the rest on -c.
	if cc, in := rep.Find("client_credentials"), rep.Find("introspect"); cc.Concurrency != 3 || in.Concurrency != 2 {
		t.Errorf("concurrency: client_credentials %d, introspect %d; want 3 (-cc-c) and 2 (-c)", cc.Concurrency, in.Concurrency)
	}
	if n.Load() < int64(rep.Scenarios[0].Requests+rep.Scenarios[1].Requests) {
		t.Errorf("the server saw %d requests, fewer than counted", n.Load())
	}
	b, _ := json.Marshal(rep)
	var back benchreport.Load
	if err := json.Unmarshal(b, &back); err != nil || back.Find("introspect") == nil {
		t.Errorf("round trip: %v %+v", err, back)
	}
}

// TestForeignTargetCountsFailures: a wrong secret makes every request
// fail, and the failures are counted, not timed; introspection that cannot
// get a token is reported as not run.
func TestForeignTargetCountsFailures(t *testing.T) {
	var n atomic.Int64
	srv := fakeTokenServer(t, &n)
	defer srv.Close()
	cfg := config{foreign: srv.URL + "/token", introspectURL: srv.URL + "/introspect", clientID: "c1", clientSecret: "wrong",
		ccScope: "api", c: 2, ccC: 3, d: 100 * time.Millisecond, warmup: 0}
	rep := runForeign(cfg)
	cc := rep.Find("client_credentials")
	if cc == nil || cc.Requests != 0 || cc.Errors == 0 || !strings.Contains(cc.FirstError, "status 401") {
		t.Errorf("client_credentials: %+v", cc)
	}
	if len(rep.Errors) != 1 || !strings.HasPrefix(rep.Errors[0], "introspect: ") {
		t.Errorf("errors: %v", rep.Errors)
	}
	if got := failures(rep); len(got) != 2 {
		t.Errorf("failures: %v", got)
	}
}

// TestLoadWindowHasNothingInFlight: the meters are read at the start of the
// measured window only when no warm-up operation is still running, so a
// server-side counter that grows once per operation gives exactly one per
// counted operation, though every operation takes a while.
func TestLoadWindowHasNothingInFlight(t *testing.T) {
	var statements atomic.Uint64
	saved := meter
	defer func() { meter = saved }()
	meter = meters{statements: func() (uint64, error) { return statements.Load(), nil }}
	for _, rate := range []float64{0, 200} {
		r := load("x", 16, 50*time.Millisecond, 200*time.Millisecond, rate, func(int) error {
			time.Sleep(7 * time.Millisecond)
			statements.Add(1) // the "server" finishes its work
			return nil
		})
		if r.Requests == 0 || r.StatementsPerRequest == nil || *r.StatementsPerRequest != 1 {
			t.Errorf("rate %v: %d requests, statements per request %v, want exactly 1", rate, r.Requests, r.StatementsPerRequest)
		}
		// An open loop delivers the rate it offers, though it has far
		// more workers than it needs (they must not bunch up at the
		// window's start).
		if rate > 0 && (r.PerSecond < 0.75*rate || r.PerSecond > 1.25*rate) {
			t.Errorf("offered %v/s, measured %.0f/s over %.3fs", rate, r.PerSecond, r.Seconds)
		}
	}
}
