package backchannel_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/backchannel"
	"github.com/sigil-oidc/sigil/internal/backchannel/backchanneltest"
	"github.com/sigil-oidc/sigil/internal/keys"
	"github.com/sigil-oidc/sigil/internal/pgtest"
	"github.com/sigil-oidc/sigil/internal/store/postgres"
	"github.com/sigil-oidc/sigil/internal/store/sqlite"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const (
	issuer       = "https://login.example.com"
	systemSecret = "a system secret of at least thirty-two characters"
)

// openSQLite opens (and migrates) the SQLite file at path, as a node does.
func openSQLite(t *testing.T, path string) sigil.Store {
	t.Helper()
	st, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// openPostgres opens (and migrates) the PostgreSQL database dsn.
func openPostgres(t *testing.T, dsn string) sigil.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), dsn, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

// clock is a test clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

// newClock starts at the next whole second (the precision of iat), never
// before the real time at which a test queued its notices.
func newClock() *clock { return &clock{t: time.Now().Truncate(time.Second).Add(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// node is one Sigil node's notifier on st, with the node's signing keys.
type node struct {
	st   sigil.Store
	keys *keys.Set
	n    *backchannel.Notifier
}

func newNode(t *testing.T, st sigil.Store, cfg backchannel.Config) *node {
	t.Helper()
	ks, err := keys.Load(context.Background(), st, []byte(systemSecret))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Issuer, cfg.Store, cfg.Signer = issuer, st, ks
	cfg.Log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return &node{st: st, keys: ks, n: backchannel.New(cfg)}
}

// testWriter sends logs to t.Log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// addClient registers a code-flow client whose back-channel logout URI is
// uri ("" for none).
func addClient(t *testing.T, st sigil.Store, id, uri, alg string) *sigil.Client {
	t.Helper()
	c := &sigil.Client{
		ID: id, Name: id, RedirectURIs: []string{"https://" + id + ".example/cb"},
		GrantTypes: []string{"authorization_code"}, ResponseTypes: []string{"code"},
		Scope: sigil.Scopes{"openid"}, TokenEndpointAuthMethod: sigil.AuthMethodClientSecretBasic,
		RequirePKCE: true, IDTokenSignedResponseAlg: alg,
		BackchannelLogoutURI: uri, BackchannelLogoutSessionRequired: uri != "",
	}
	if err := st.CreateClient(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

func session(sid string, clients ...string) sigil.Session {
	return sigil.Session{ID: sid, Subject: "alice.crypto", Clients: clients}
}

// expect is what the receiver of client id validates against.
func expect(id, alg string, now time.Time) backchanneltest.Expect {
	return backchanneltest.Expect{Issuer: issuer, ClientID: id, Alg: alg, Now: now, RequireSID: true}
}

// pending reports whether any notice is still queued, due or not.
func pending(t *testing.T, st sigil.Store) int {
	t.Helper()
	far := time.Now().Add(1000 * time.Hour)
	got, err := st.ClaimLogoutNotices(context.Background(), "probe", far, far.Add(time.Second), 1000, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	return len(got)
}

// count reads the deliveries counter of one outcome.
func count(n *backchannel.Notifier, o string) int {
	var m dto.Metric
	if err := n.Collector().(*prometheus.CounterVec).WithLabelValues(o).Write(&m); err != nil {
		panic(err)
	}
	return int(m.GetCounter().GetValue())
}

// TestLogoutTokenAsSection26 ends a session signed in to three clients, two
// registered for back-channel logout (one with RS256 ID tokens, one with
// ES256), and validates each token the receivers get exactly as section
// 2.6 says a relying party must, against the published key set.
func TestLogoutTokenAsSection26(t *testing.T) {
	st := openSQLite(t, filepath.Join(t.TempDir(), "sigil.db"))
	rs := backchanneltest.NewReceiver(t, nil)
	es := backchanneltest.NewReceiver(t, nil)
	addClient(t, st, "rs", rs.URL, "")
	addClient(t, st, "es", es.URL, sigil.AlgES256)
	addClient(t, st, "quiet", "", "")
	clk := newClock()
	nd := newNode(t, st, backchannel.Config{Now: clk.Now})
	ctx := context.Background()
	if err := nd.n.SessionsEnded(ctx, []sigil.Session{session("sid-1", "rs", "es", "quiet", "rs")}); err != nil {
		t.Fatal(err)
	}
	if claimed, err := nd.n.DeliverDue(ctx); err != nil || claimed != 2 {
		t.Fatalf("DeliverDue = %d, %v; want 2 notices (none for the client without a backchannel_logout_uri, one per client)", claimed, err)
	}
	jwks := nd.keys.PublicJWKS()
	for _, c := range []struct {
		rcv     *backchanneltest.Receiver
		id, alg string
	}{{rs, "rs", "RS256"}, {es, "es", "ES256"}} {
		got := backchanneltest.Delivered(t, c.rcv.Requests(), jwks, expect(c.id, c.alg, clk.Now()))
		if len(got) != 1 {
			t.Fatalf("%s received %d valid logout tokens, want 1", c.id, len(got))
		}
		claims := got[0]
		if claims.Subject != "alice.crypto" || claims.SessionID != "sid-1" || claims.Alg != c.alg {
			t.Errorf("%s: sub %q sid %q alg %s; want alice.crypto, sid-1, %s", c.id, claims.Subject, claims.SessionID, claims.Alg, c.alg)
		}
		if life := claims.Expiry.Sub(claims.IssuedAt); life != backchannel.TokenLifetime {
			t.Errorf("%s: exp - iat = %v, want %v", c.id, life, backchannel.TokenLifetime)
		}
		if !claims.IssuedAt.Equal(clk.Now()) {
			t.Errorf("%s: iat %v, want the time of the attempt %v", c.id, claims.IssuedAt, clk.Now())
		}
	}
	// The same validation fails for the wrong audience and once the token
	// expired: the checks above could fail.
	tok := rs.Requests()[0].Token
	if _, err := backchanneltest.Validate(tok, jwks, expect("es", "RS256", clk.Now())); err == nil {
		t.Error("a token for client rs validated for client es")
	}
	if _, err := backchanneltest.Validate(tok, jwks, expect("rs", "RS256", clk.Now().Add(3*time.Minute))); err == nil {
		t.Error("a token validated three minutes after it was issued")
	}
	if _, err := backchanneltest.Validate(tok, jwks, expect("rs", "ES256", clk.Now())); err == nil {
		t.Error("an RS256 token validated for a client of ES256 ID tokens")
	}
	if n := pending(t, st); n != 0 {
		t.Errorf("%d notices left after delivery, want 0", n)
	}
	if count(nd.n, backchannel.OutcomeDelivered) != 2 {
		t.Errorf("delivered counter = %d, want 2", count(nd.n, backchannel.OutcomeDelivered))
	}
}

// TestRetryWithBackoff answers 503, then 500, then 200: the notice is sent
// three times, each retry after the exponential backoff (with jitter taking
// at most half off) and never before, then delivered and deleted.
func TestRetryWithBackoff(t *testing.T) {
	st := openSQLite(t, filepath.Join(t.TempDir(), "sigil.db"))
	answers := []int{http.StatusServiceUnavailable, http.StatusInternalServerError, http.StatusOK}
	rcv := backchanneltest.NewReceiver(t, func(n int) int { return answers[min(n, len(answers))-1] })
	addClient(t, st, "rp", rcv.URL, "")
	clk := newClock()
	base := 10 * time.Second
	nd := newNode(t, st, backchannel.Config{Now: clk.Now, RetryBase: base, MaxAttempts: 5})
	ctx := context.Background()
	if err := nd.n.SessionsEnded(ctx, []sigil.Session{session("sid-1", "rp")}); err != nil {
		t.Fatal(err)
	}
	round := func(want int) {
		t.Helper()
		if claimed, err := nd.n.DeliverDue(ctx); err != nil || claimed != want {
			t.Fatalf("DeliverDue at %v = %d, %v; want %d", clk.Now(), claimed, err, want)
		}
	}
	round(1) // attempt 1: 503
	// The retry is due between base/2 and base later: not before.
	clk.Add(base/2 - time.Second)
	round(0)
	clk.Add(base/2 + time.Second)
	round(1) // attempt 2: 500
	// The next delay doubles: between base and 2*base.
	clk.Add(base - time.Second)
	round(0)
	clk.Add(base + time.Second)
	round(1) // attempt 3: 200
	clk.Add(time.Hour)
	round(0)
	reqs := rcv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(reqs))
	}
	// Every attempt carries a freshly signed token with its own jti
	// (Delivered fails on a repeated jti).
	if got := backchanneltest.Delivered(t, reqs, nd.keys.PublicJWKS(), expect("rp", "", clk.Now().Add(-time.Hour))); len(got) != 1 {
		t.Fatalf("%d tokens answered 200, want 1", len(got))
	}
	if f, d := count(nd.n, backchannel.OutcomeFailed), count(nd.n, backchannel.OutcomeDelivered); f != 2 || d != 1 {
		t.Errorf("counters failed %d delivered %d; want 2 and 1", f, d)
	}
	if n := pending(t, st); n != 0 {
		t.Errorf("%d notices left after delivery, want 0", n)
	}
}

// TestGiveUpBounds shows both bounds: a relying party that always fails is
// tried MaxAttempts times, and one whose next retry would start more than
// MaxAge after the session ended is given up at once; either way the notice
// is deleted and counted as given up.
func TestGiveUpBounds(t *testing.T) {
	for _, c := range []struct {
		name     string
		cfg      backchannel.Config
		attempts int
	}{
		{"MaxAttempts", backchannel.Config{MaxAttempts: 3, RetryBase: time.Second, MaxAge: time.Hour}, 3},
		// The first retry is due at most RetryBase later (MaxAge: still in
		// bounds), the second at least RetryBase after that (past it).
		{"MaxAge", backchannel.Config{MaxAttempts: 100, RetryBase: time.Minute, MaxAge: time.Minute}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := openSQLite(t, filepath.Join(t.TempDir(), "sigil.db"))
			rcv := backchanneltest.NewReceiver(t, func(int) int { return http.StatusInternalServerError })
			addClient(t, st, "rp", rcv.URL, "")
			clk := newClock()
			c.cfg.Now = clk.Now
			nd := newNode(t, st, c.cfg)
			ctx := context.Background()
			if err := nd.n.SessionsEnded(ctx, []sigil.Session{session("sid-1", "rp")}); err != nil {
				t.Fatal(err)
			}
			for range 10 {
				if _, err := nd.n.DeliverDue(ctx); err != nil {
					t.Fatal(err)
				}
				clk.Add(c.cfg.RetryBase * 4)
			}
			if got := len(rcv.Requests()); got != c.attempts {
				t.Errorf("receiver got %d requests, want %d", got, c.attempts)
			}
			if n := pending(t, st); n != 0 {
				t.Errorf("%d notices left after giving up, want 0", n)
			}
			if g, f := count(nd.n, backchannel.OutcomeGaveUp), count(nd.n, backchannel.OutcomeFailed); g != 1 || f != c.attempts-1 {
				t.Errorf("counters gave_up %d failed %d; want 1 and %d", g, f, c.attempts-1)
			}
		})
	}
}

// TestRedirectNotFollowed: a backchannel_logout_uri that redirects to
// another server gets the one request; the token never reaches the
// redirect's target, and the attempt counts as failed (a registered URI is
// the only place a logout token may go).
func TestRedirectNotFollowed(t *testing.T) {
	st := openSQLite(t, filepath.Join(t.TempDir(), "sigil.db"))
	target := backchanneltest.NewReceiver(t, nil)
	var redirected sync.WaitGroup
	redirected.Add(1)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer redirected.Done()
		http.Redirect(w, r, target.URL, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)
	addClient(t, st, "rp", redirector.URL+"/backchannel", "")
	nd := newNode(t, st, backchannel.Config{})
	ctx := context.Background()
	if err := nd.n.SessionsEnded(ctx, []sigil.Session{session("sid-1", "rp")}); err != nil {
		t.Fatal(err)
	}
	if claimed, err := nd.n.DeliverDue(ctx); err != nil || claimed != 1 {
		t.Fatalf("DeliverDue = %d, %v; want 1", claimed, err)
	}
	redirected.Wait()
	if got := len(target.Requests()); got != 0 {
		t.Fatalf("the redirect's target got %d requests, want 0", got)
	}
	if count(nd.n, backchannel.OutcomeFailed) != 1 || count(nd.n, backchannel.OutcomeDelivered) != 0 {
		t.Errorf("counters failed %d delivered %d; want 1 and 0", count(nd.n, backchannel.OutcomeFailed), count(nd.n, backchannel.OutcomeDelivered))
	}
	if n := pending(t, st); n != 1 {
		t.Errorf("%d notices pending, want 1 (kept for a retry)", n)
	}
}

// TestTwoNodesNeverDoubleSend runs two nodes' workers on one database (each
// with its own connection pool, as two processes) against a slow receiver:
// every notice arrives exactly once, on SQLite and on PostgreSQL.
func TestTwoNodesNeverDoubleSend(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "sigil.db")
		testTwoNodes(t, openSQLite(t, path), openSQLite(t, path))
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		dsn := pgtest.NewDatabase(t)
		testTwoNodes(t, openPostgres(t, dsn), openPostgres(t, dsn))
	})
}

func testTwoNodes(t *testing.T, st1, st2 sigil.Store) {
	const sessions = 30
	rcv := backchanneltest.NewReceiver(t, func(int) int { time.Sleep(20 * time.Millisecond); return http.StatusOK })
	addClient(t, st1, "rp", rcv.URL, "")
	cfg := backchannel.Config{PollInterval: 20 * time.Millisecond, Batch: 4}
	a, b := newNode(t, st1, cfg), newNode(t, st2, cfg)
	var ended []sigil.Session
	for i := range sessions {
		ended = append(ended, session(fmt.Sprintf("sid-%02d", i), "rp"))
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { a.n.Run(ctx) })
	wg.Go(func() { b.n.Run(ctx) })
	// Half the sessions end on each node, while both workers run.
	if err := a.n.SessionsEnded(ctx, ended[:sessions/2]); err != nil {
		t.Fatal(err)
	}
	if err := b.n.SessionsEnded(ctx, ended[sessions/2:]); err != nil {
		t.Fatal(err)
	}
	rcv.WaitFor(t, sessions, 20*time.Second)
	time.Sleep(200 * time.Millisecond) // room for a double send to show
	cancel()
	wg.Wait()
	got := backchanneltest.Delivered(t, rcv.Requests(), a.keys.PublicJWKS(), expect("rp", "", time.Now()))
	seen := map[string]int{}
	for _, c := range got {
		seen[c.SessionID]++
	}
	for _, s := range ended {
		if seen[s.ID] != 1 {
			t.Errorf("session %s notified %d times, want 1", s.ID, seen[s.ID])
		}
	}
	da, db := count(a.n, backchannel.OutcomeDelivered), count(b.n, backchannel.OutcomeDelivered)
	if da+db != sessions {
		t.Errorf("nodes delivered %d + %d, want %d in all", da, db, sessions)
	}
	t.Logf("node a delivered %d, node b %d", da, db)
}

// TestRestartFinishesPendingNotice queues a notice on a node that stops
// before sending it, and another whose node claimed it and died mid-way;
// a new node on the same database delivers both, the second once the dead
// node's lease ran out.
func TestRestartFinishesPendingNotice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sigil.db")
	rcv := backchanneltest.NewReceiver(t, nil)
	ctx := context.Background()
	{
		st, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		addClient(t, st, "rp", rcv.URL, "")
		old := newNode(t, st, backchannel.Config{})
		// One notice is claimed, as the old node's worker would, and
		// never finished; the other is only queued.
		if err := old.n.SessionsEnded(ctx, []sigil.Session{session("sid-crashed", "rp")}); err != nil {
			t.Fatal(err)
		}
		if got, err := st.ClaimLogoutNotices(ctx, "dead node", time.Now(), time.Now().Add(time.Hour), 1, 1, nil); err != nil || len(got) != 1 {
			t.Fatalf("claim = %v, %v", got, err)
		}
		if err := old.n.SessionsEnded(ctx, []sigil.Session{session("sid-stopped", "rp")}); err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	st := openSQLite(t, path)
	clk := newClock()
	nd := newNode(t, st, backchannel.Config{Now: clk.Now})
	if claimed, err := nd.n.DeliverDue(ctx); err != nil || claimed != 1 {
		t.Fatalf("DeliverDue after restart = %d, %v; want the one notice nobody holds", claimed, err)
	}
	first := backchanneltest.Delivered(t, rcv.Requests(), nd.keys.PublicJWKS(), expect("rp", "", clk.Now()))
	if len(first) != 1 || first[0].SessionID != "sid-stopped" {
		t.Fatalf("delivered %+v; want sid-stopped", first)
	}
	clk.Add(time.Hour)
	if claimed, err := nd.n.DeliverDue(ctx); err != nil || claimed != 1 {
		t.Fatalf("DeliverDue after the dead node's lease = %d, %v; want its notice", claimed, err)
	}
	second := backchanneltest.Delivered(t, rcv.Requests()[1:], nd.keys.PublicJWKS(), expect("rp", "", clk.Now()))
	if len(second) != 1 || second[0].SessionID != "sid-crashed" {
		t.Fatalf("delivered %+v; want sid-crashed", second)
	}
	if n := pending(t, st); n != 0 {
		t.Errorf("%d notices left, want 0", n)
	}
}

// TestSessionsEndedDoesNotWait ends a session for a relying party that
// never answers: SessionsEnded returns at once although the worker is
// sending, and stopping the worker waits only for the attempt's timeout.
func TestSessionsEndedDoesNotWait(t *testing.T) {
	st := openSQLite(t, filepath.Join(t.TempDir(), "sigil.db"))
	release := make(chan struct{})
	rcv := backchanneltest.NewReceiver(t, func(int) int { <-release; return http.StatusOK })
	t.Cleanup(func() { close(release) })
	addClient(t, st, "rp", rcv.URL, "")
	nd := newNode(t, st, backchannel.Config{Timeout: 500 * time.Millisecond, PollInterval: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { nd.n.Run(ctx); close(done) }()
	start := time.Now()
	if err := nd.n.SessionsEnded(context.Background(), []sigil.Session{session("sid-1", "rp")}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 200*time.Millisecond {
		t.Errorf("SessionsEnded took %v with the relying party hanging", took)
	}
	// The worker starts at once (not after the hour-long poll interval).
	rcv.WaitFor(t, 1, 5*time.Second)
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop within the attempt's timeout")
	}
	if count(nd.n, backchannel.OutcomeFailed) != 1 {
		t.Errorf("failed counter = %d, want 1 (the attempt timed out)", count(nd.n, backchannel.OutcomeFailed))
	}
}

// TestDroppedWhenClientUnregisters: a client that removes its
// backchannel_logout_uri after the session ended is not sent anything, and
// the notice is deleted.
func TestDroppedWhenClientUnregisters(t *testing.T) {
	st := openSQLite(t, filepath.Join(t.TempDir(), "sigil.db"))
	rcv := backchanneltest.NewReceiver(t, nil)
	c := addClient(t, st, "rp", rcv.URL, "")
	nd := newNode(t, st, backchannel.Config{})
	ctx := context.Background()
	if err := nd.n.SessionsEnded(ctx, []sigil.Session{session("sid-1", "rp")}); err != nil {
		t.Fatal(err)
	}
	c.BackchannelLogoutURI, c.BackchannelLogoutSessionRequired = "", false
	if err := st.UpdateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	if claimed, err := nd.n.DeliverDue(ctx); err != nil || claimed != 1 {
		t.Fatalf("DeliverDue = %d, %v", claimed, err)
	}
	if len(rcv.Requests()) != 0 || count(nd.n, backchannel.OutcomeDropped) != 1 || pending(t, st) != 0 {
		t.Errorf("requests %d, dropped %d, pending %d; want 0, 1, 0", len(rcv.Requests()), count(nd.n, backchannel.OutcomeDropped), pending(t, st))
	}
}
