package backchannel_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/backchannel"
	"github.com/sigil-oidc/sigil/internal/backchannel/backchanneltest"
)

// hangingReceiver is a backchannel_logout_uri that answers nothing until
// the test releases it (then 503 to every request), and is released when
// the test ends at the latest.
func hangingReceiver(t *testing.T) (rcv *backchanneltest.Receiver, release func()) {
	t.Helper()
	ch := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(ch) }) }
	rcv = backchanneltest.NewReceiver(t, func(int) int { <-ch; return http.StatusServiceUnavailable })
	// Registered after NewReceiver's, so it runs before the server closes
	// (a close waits for the requests in flight).
	t.Cleanup(release)
	return rcv, release
}

// endSessions queues one notice for each of n sessions signed in to
// client alone.
func endSessions(t *testing.T, nd *node, client string, n int) {
	t.Helper()
	var ended []sigil.Session
	for i := range n {
		ended = append(ended, session(fmt.Sprintf("sid-%s-%03d", client, i), client))
	}
	if err := nd.n.SessionsEnded(context.Background(), ended); err != nil {
		t.Fatal(err)
	}
}

// runWorker starts nd's worker; stop cancels it and waits until Run
// returned.
func runWorker(t *testing.T, nd *node) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); nd.n.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Error("Run did not return after its context ended")
			}
		})
	}
	return stop
}

// TestHangingClientDoesNotDelayOthers queues three batches' worth of
// notices for a relying party whose endpoint never answers, then one for
// a healthy relying party: the healthy one receives its logout token while
// the hanging one's first attempts are still in flight (they would run
// for an hour), and the hanging one never has more than PerClient requests
// open at once. Before the worker kept its slots busy and capped each
// client, the healthy notice waited behind every attempt of each batch,
// one Timeout per batch.
func TestHangingClientDoesNotDelayOthers(t *testing.T) {
	st := openSQLite(t, filepath.Join(t.TempDir(), "sigil.db"))
	hanging, release := hangingReceiver(t)
	healthy := backchanneltest.NewReceiver(t, nil)
	addClient(t, st, "hanging", hanging.URL, "")
	addClient(t, st, "healthy", healthy.URL, "")
	clk := newClock()
	nd := newNode(t, st, backchannel.Config{Now: clk.Now, Timeout: time.Hour, PollInterval: time.Hour})
	endSessions(t, nd, "hanging", 3*backchannel.DefaultBatch)
	// The healthy client's notice is due after all of the hanging one's,
	// so the store's claims, soonest due first, reach it last.
	clk.Add(time.Second)
	endSessions(t, nd, "healthy", 1)

	stop := runWorker(t, nd)
	// Cleanups run last first: the hanging requests are answered before
	// the worker is stopped, which waits for them.
	t.Cleanup(stop)
	t.Cleanup(release)

	got := healthy.WaitAnswered(t, 1, 30*time.Second)
	open := hanging.Requests()
	for _, r := range open {
		if r.Status != 0 {
			t.Errorf("hanging request %d was answered %d before the healthy client was served", r.N, r.Status)
		}
	}
	if len(open) > backchannel.DefaultPerClient {
		t.Errorf("the hanging client has %d requests open, want at most %d", len(open), backchannel.DefaultPerClient)
	}
	if claims := backchanneltest.Delivered(t, got, nd.keys.PublicJWKS(), expect("healthy", "", clk.Now())); len(claims) != 1 || claims[0].SessionID != "sid-healthy-000" {
		t.Fatalf("healthy client got %+v, want the logout of sid-healthy-000", claims)
	}
	// Both of the hanging client's slots are taken, and only those.
	hanging.WaitFor(t, backchannel.DefaultPerClient, 10*time.Second)
	time.Sleep(50 * time.Millisecond)
	if n := len(hanging.Requests()); n != backchannel.DefaultPerClient {
		t.Errorf("the hanging client got %d requests while its first ones hang, want %d", n, backchannel.DefaultPerClient)
	}
	if f := count(nd.n, backchannel.OutcomeFailed); f != 0 {
		t.Errorf("failed counter = %d while every hanging attempt is still open, want 0", f)
	}
}

// TestPerClientCap runs a worker on a backlog of one slow relying party:
// all its notices are delivered, never more than PerClient at once, and a
// second client's notice, due after all of them, is sent while the slow
// one's are still going, not after them.
func TestPerClientCap(t *testing.T) {
	st := openSQLite(t, filepath.Join(t.TempDir(), "sigil.db"))
	var open, most atomic.Int32
	slow := backchanneltest.NewReceiver(t, func(int) int {
		n := open.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(20 * time.Millisecond)
		open.Add(-1)
		return http.StatusOK
	})
	other := backchanneltest.NewReceiver(t, nil)
	addClient(t, st, "slow", slow.URL, "")
	addClient(t, st, "other", other.URL, "")
	clk := newClock()
	nd := newNode(t, st, backchannel.Config{Now: clk.Now, PollInterval: time.Hour})
	const queued = 10
	endSessions(t, nd, "slow", queued)
	clk.Add(time.Second)
	endSessions(t, nd, "other", 1)

	stop := runWorker(t, nd)
	t.Cleanup(stop)
	got := slow.WaitAnswered(t, queued, 30*time.Second)
	other.WaitAnswered(t, 1, 10*time.Second)
	stop()
	if claims := backchanneltest.Delivered(t, got, nd.keys.PublicJWKS(), expect("slow", "", clk.Now())); len(claims) != queued {
		t.Errorf("slow client got %d logout tokens, want %d", len(claims), queued)
	}
	if m := most.Load(); m > backchannel.DefaultPerClient {
		t.Errorf("slow client had %d requests open at once, want at most %d", m, backchannel.DefaultPerClient)
	}
	// The other client's request arrived before the slow one's last: it
	// did not wait for the slow client's backlog.
	if o := other.Requests(); len(o) != 1 || !o[0].At.Before(got[len(got)-1].At) {
		t.Errorf("other client's request not sent while the slow client's backlog was delivered")
	}
	if d := count(nd.n, backchannel.OutcomeDelivered); d != queued+1 {
		t.Errorf("delivered counter = %d, want %d", d, queued+1)
	}
	if n := pending(t, st); n != 0 {
		t.Errorf("%d notices left, want 0", n)
	}
}

// TestDeliverDueClaimsPerClient: one round of DeliverDue takes at most
// PerClient notices of a client, whatever its backlog, and the notices of
// the other clients with them.
func TestDeliverDueClaimsPerClient(t *testing.T) {
	st := openSQLite(t, filepath.Join(t.TempDir(), "sigil.db"))
	busy := backchanneltest.NewReceiver(t, nil)
	other := backchanneltest.NewReceiver(t, nil)
	addClient(t, st, "busy", busy.URL, "")
	addClient(t, st, "other", other.URL, "")
	nd := newNode(t, st, backchannel.Config{})
	endSessions(t, nd, "busy", 5)
	endSessions(t, nd, "other", 1)
	for _, want := range []int{backchannel.DefaultPerClient + 1, backchannel.DefaultPerClient, 1, 0} {
		if claimed, err := nd.n.DeliverDue(context.Background()); err != nil || claimed != want {
			t.Fatalf("DeliverDue = %d, %v; want %d", claimed, err, want)
		}
	}
	if b, o := len(busy.Requests()), len(other.Requests()); b != 5 || o != 1 {
		t.Errorf("receivers got %d and %d requests, want 5 and 1", b, o)
	}
}

// TestStopFinishesAttemptsInFlight stops a worker while a hanging client
// has PerClient attempts in flight and more notices queued: those were
// never claimed, so another node can take them at once (no lease of this
// node delays them), and Run returns only once the attempts in flight
// ended, which are rescheduled as failures.
func TestStopFinishesAttemptsInFlight(t *testing.T) {
	st := openSQLite(t, filepath.Join(t.TempDir(), "sigil.db"))
	hanging, release := hangingReceiver(t)
	addClient(t, st, "rp", hanging.URL, "")
	clk := newClock()
	nd := newNode(t, st, backchannel.Config{Now: clk.Now, Timeout: time.Hour, PollInterval: time.Hour})
	const queued = 10
	endSessions(t, nd, "rp", queued)
	stop := runWorker(t, nd)
	t.Cleanup(stop)
	hanging.WaitFor(t, backchannel.DefaultPerClient, 10*time.Second)
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()

	want := queued - backchannel.DefaultPerClient
	taken, err := st.ClaimLogoutNotices(context.Background(), "other node", clk.Now(), clk.Now().Add(time.Minute), 100, 100, nil)
	if err != nil || len(taken) != want {
		t.Fatalf("another node claimed %d notices, %v; want the %d this node never claimed", len(taken), err, want)
	}
	select {
	case <-stopped:
		t.Fatal("Run returned before its attempts in flight ended")
	case <-time.After(50 * time.Millisecond):
	}
	release()
	<-stopped
	if n := len(hanging.Requests()); n != backchannel.DefaultPerClient {
		t.Errorf("the receiver got %d requests, want %d (no attempt begins after the stop)", n, backchannel.DefaultPerClient)
	}
	if f := count(nd.n, backchannel.OutcomeFailed); f != backchannel.DefaultPerClient {
		t.Errorf("failed counter = %d, want %d", f, backchannel.DefaultPerClient)
	}
	// The attempts in flight were rescheduled after their backoff: nothing
	// else is due now.
	if got, err := st.ClaimLogoutNotices(context.Background(), "other node", clk.Now(), clk.Now().Add(time.Minute), 100, 100, nil); err != nil || len(got) != 0 {
		t.Errorf("claim after the stop = %d notices, %v; want none due", len(got), err)
	}
}
