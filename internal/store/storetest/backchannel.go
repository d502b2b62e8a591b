package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
)

// logoutNotices checks the back-channel logout outbox: what is queued, the
// lease that keeps two workers from sending one notice, its expiry that
// lets another worker finish a crashed one's work, rescheduling, deletion,
// the claim's limits (in all, per client, clients skipped), and that
// racing claims never hand one notice out twice.
func (s suite) logoutNotices(t *testing.T) {
	t.Run("Enqueue", s.noticesEnqueue)
	t.Run("Lease", s.noticesLease)
	t.Run("Reschedule", s.noticesReschedule)
	t.Run("DeleteAndCascade", s.noticesDelete)
	t.Run("LimitAndOrder", s.noticesLimit)
	t.Run("PerClientAndExcept", s.noticesPerClient)
	t.Run("ConcurrentClaims", s.noticesConcurrent)
}

// noticeStore is a store with client "bc" (registered for back-channel
// logout) and client "plain" (not registered).
func (s suite) noticeStore(t *testing.T) sigil.Store {
	t.Helper()
	st := s.open(t)
	mustClient(t, st, "bc")
	plain := newClient("plain")
	plain.BackchannelLogoutURI, plain.BackchannelLogoutSessionRequired = "", false
	if err := st.CreateClient(context.Background(), plain); err != nil {
		t.Fatalf("CreateClient(plain): %v", err)
	}
	return st
}

func notice(id, client, sid string) sigil.LogoutNotice {
	return sigil.LogoutNotice{ID: id, ClientID: client, SessionID: sid, Subject: "alice.crypto"}
}

// claimAll claims up to 100 notices at now, of any client.
func claimAll(t *testing.T, st sigil.Store, lease string, now time.Time) []sigil.LogoutNotice {
	t.Helper()
	got, err := st.ClaimLogoutNotices(context.Background(), lease, now, now.Add(time.Minute), 100, 100, nil)
	if err != nil {
		t.Fatalf("ClaimLogoutNotices(%s): %v", lease, err)
	}
	return got
}

func (s suite) noticesEnqueue(t *testing.T) {
	st := s.noticeStore(t)
	ctx := context.Background()
	n, err := st.EnqueueLogoutNotices(ctx, []sigil.LogoutNotice{
		notice("n1", "bc", "sid1"),
		notice("n2", "plain", "sid1"),   // no backchannel_logout_uri: skipped
		notice("n3", "missing", "sid1"), // no such client: skipped
		notice("n5", "bc", ""),          // no sid: never a duplicate
		notice("n6", "bc", ""),
	}, t0)
	if err != nil || n != 3 {
		t.Fatalf("EnqueueLogoutNotices = %d, %v; want 3 stored", n, err)
	}
	// The same session reported ended again queues nothing new, and one
	// session and client twice in one call are queued once.
	if n, err := st.EnqueueLogoutNotices(ctx, []sigil.LogoutNotice{notice("n7", "bc", "sid1")}, t0); err != nil || n != 0 {
		t.Fatalf("EnqueueLogoutNotices(again) = %d, %v; want 0", n, err)
	}
	if n, err := st.EnqueueLogoutNotices(ctx, []sigil.LogoutNotice{notice("n8", "bc", "sid8"), notice("n9", "bc", "sid8")}, t0); err != nil || n != 1 {
		t.Fatalf("EnqueueLogoutNotices(twice in one call) = %d, %v; want 1", n, err)
	}
	if n, err := st.EnqueueLogoutNotices(ctx, nil, t0); err != nil || n != 0 {
		t.Fatalf("EnqueueLogoutNotices(nil) = %d, %v; want 0", n, err)
	}
	if _, err := st.EnqueueLogoutNotices(ctx, []sigil.LogoutNotice{{ID: "x", ClientID: "bc"}}, t0); err == nil {
		t.Fatal("EnqueueLogoutNotices without Subject succeeded")
	}
	// Not due before now.
	if got := claimAll(t, st, "early", t0.Add(-time.Second)); len(got) != 0 {
		t.Fatalf("claimed %d notices before they were due", len(got))
	}
	got := claimAll(t, st, "lease1", t0)
	byID := map[string]sigil.LogoutNotice{}
	for _, n := range got {
		byID[n.ID] = n
	}
	if len(got) != 4 || byID["n1"].ID == "" || byID["n5"].ID == "" || byID["n6"].ID == "" || byID["n8"].ID+byID["n9"].ID == "" {
		t.Fatalf("claimed %+v; want n1, n5, n6 and one of n8 and n9", got)
	}
	want := sigil.LogoutNotice{ID: "n1", ClientID: "bc", SessionID: "sid1", Subject: "alice.crypto", CreatedAt: t0, Attempts: 1, Lease: "lease1"}
	equalFields(t, "claimed notice", byID["n1"], want)
}

func (s suite) noticesLease(t *testing.T) {
	st := s.noticeStore(t)
	ctx := context.Background()
	if _, err := st.EnqueueLogoutNotices(ctx, []sigil.LogoutNotice{notice("n1", "bc", "sid1")}, t0); err != nil {
		t.Fatal(err)
	}
	until := t0.Add(time.Minute)
	if got, err := st.ClaimLogoutNotices(ctx, "a", t0, until, 10, 10, nil); err != nil || len(got) != 1 {
		t.Fatalf("first claim = %v, %v; want the notice", got, err)
	}
	// Held: nobody else gets it before the lease ends.
	if got := claimAll(t, st, "b", until.Add(-time.Second)); len(got) != 0 {
		t.Fatalf("claimed a leased notice: %+v", got)
	}
	// The holder never finished (a crash): at the lease's end another
	// worker takes it over, one attempt later, and the old holder can no
	// longer reschedule it.
	got := claimAll(t, st, "b", until)
	if len(got) != 1 || got[0].Attempts != 2 || got[0].Lease != "b" {
		t.Fatalf("claim after the lease ended = %+v; want the notice at attempt 2 under lease b", got)
	}
	if err := st.RescheduleLogoutNotice(ctx, "n1", "a", until, "late"); !errors.Is(err, sigil.ErrNotFound) {
		t.Fatalf("RescheduleLogoutNotice under a lost lease = %v; want ErrNotFound", err)
	}
	for _, bad := range []struct {
		lease            string
		limit, perClient int
		now, until       time.Time
	}{{"", 1, 1, t0, until}, {"c", 0, 1, t0, until}, {"c", 1, 0, t0, until}, {"c", 1, 1, t0, t0}} {
		if _, err := st.ClaimLogoutNotices(ctx, bad.lease, bad.now, bad.until, bad.limit, bad.perClient, nil); err == nil {
			t.Errorf("ClaimLogoutNotices(%q, limit %d, per client %d, until-now %v) succeeded", bad.lease, bad.limit, bad.perClient, bad.until.Sub(bad.now))
		}
	}
}

func (s suite) noticesReschedule(t *testing.T) {
	st := s.noticeStore(t)
	ctx := context.Background()
	if _, err := st.EnqueueLogoutNotices(ctx, []sigil.LogoutNotice{notice("n1", "bc", "sid1")}, t0); err != nil {
		t.Fatal(err)
	}
	claimAll(t, st, "a", t0)
	due := t0.Add(10 * time.Second)
	if err := st.RescheduleLogoutNotice(ctx, "n1", "a", due, "HTTP 503"); err != nil {
		t.Fatalf("RescheduleLogoutNotice: %v", err)
	}
	// Released: the lease is gone, so a second reschedule under it fails.
	if err := st.RescheduleLogoutNotice(ctx, "n1", "a", due, "again"); !errors.Is(err, sigil.ErrNotFound) {
		t.Fatalf("second RescheduleLogoutNotice = %v; want ErrNotFound", err)
	}
	if got := claimAll(t, st, "b", due.Add(-time.Second)); len(got) != 0 {
		t.Fatalf("claimed before the new due time: %+v", got)
	}
	got := claimAll(t, st, "b", due)
	if len(got) != 1 || got[0].Attempts != 2 || got[0].LastError != "HTTP 503" || !got[0].CreatedAt.Equal(t0) {
		t.Fatalf("claim at the new due time = %+v; want attempt 2 with the last error and the first creation time", got)
	}
	if err := st.RescheduleLogoutNotice(ctx, "missing", "b", due, ""); !errors.Is(err, sigil.ErrNotFound) {
		t.Fatalf("RescheduleLogoutNotice(missing) = %v; want ErrNotFound", err)
	}
}

func (s suite) noticesDelete(t *testing.T) {
	st := s.noticeStore(t)
	ctx := context.Background()
	if _, err := st.EnqueueLogoutNotices(ctx, []sigil.LogoutNotice{notice("n1", "bc", "sid1"), notice("n2", "bc", "sid2")}, t0); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteLogoutNotice(ctx, "n1"); err != nil {
		t.Fatalf("DeleteLogoutNotice: %v", err)
	}
	if err := st.DeleteLogoutNotice(ctx, "n1"); !errors.Is(err, sigil.ErrNotFound) {
		t.Fatalf("DeleteLogoutNotice(again) = %v; want ErrNotFound", err)
	}
	// Deleting the client deletes its notices: nobody is left to tell.
	if err := st.DeleteClient(ctx, "bc"); err != nil {
		t.Fatal(err)
	}
	if got := claimAll(t, st, "a", t0.Add(time.Hour)); len(got) != 0 {
		t.Fatalf("notices of a deleted client are still claimed: %+v", got)
	}
}

func (s suite) noticesLimit(t *testing.T) {
	st := s.noticeStore(t)
	ctx := context.Background()
	// Queued at three times; the oldest due come first.
	for i, at := range []time.Time{t0.Add(2 * time.Second), t0, t0.Add(time.Second)} {
		if _, err := st.EnqueueLogoutNotices(ctx, []sigil.LogoutNotice{notice(fmt.Sprintf("n%d", i), "bc", fmt.Sprintf("sid%d", i))}, at); err != nil {
			t.Fatal(err)
		}
	}
	now := t0.Add(time.Minute)
	got, err := st.ClaimLogoutNotices(ctx, "a", now, now.Add(time.Minute), 2, 2, nil)
	if err != nil || len(got) != 2 {
		t.Fatalf("ClaimLogoutNotices(limit 2) = %+v, %v", got, err)
	}
	ids := map[string]bool{got[0].ID: true, got[1].ID: true}
	if !ids["n1"] || !ids["n2"] {
		t.Fatalf("claimed %v; want the two oldest due, n1 and n2", ids)
	}
	if rest := claimAll(t, st, "b", now); len(rest) != 1 || rest[0].ID != "n0" {
		t.Fatalf("second claim = %+v; want n0", rest)
	}
}

// noticesPerClient checks the claim's rules for a worker that caps the
// requests it has open to each client: the clients in except are skipped,
// at most perClient notices of one client are taken (its oldest due), the
// limit takes the oldest due of those, and notices another claim holds are
// never taken.
func (s suite) noticesPerClient(t *testing.T) {
	st := s.noticeStore(t)
	mustClient(t, st, "bc2")
	mustClient(t, st, "bc3")
	ctx := context.Background()
	// Due one second apart: bc's four first, then bc2's two, then bc3's.
	queue := []sigil.LogoutNotice{
		notice("a0", "bc", "s0"), notice("a1", "bc", "s1"), notice("a2", "bc", "s2"), notice("a3", "bc", "s3"),
		notice("b0", "bc2", "s4"), notice("b1", "bc2", "s5"),
		notice("c0", "bc3", "s6"),
	}
	for i, n := range queue {
		if _, err := st.EnqueueLogoutNotices(ctx, []sigil.LogoutNotice{n}, t0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	now := t0.Add(time.Minute)
	claim := func(lease string, limit, perClient int, except []string, want ...string) {
		t.Helper()
		got, err := st.ClaimLogoutNotices(ctx, lease, now, now.Add(time.Minute), limit, perClient, except)
		if err != nil {
			t.Fatalf("%s: ClaimLogoutNotices: %v", lease, err)
		}
		ids := make([]string, 0, len(got))
		for _, n := range got {
			if n.Lease != lease || n.Attempts != 1 {
				t.Errorf("%s: claimed %+v; want it under lease %s at attempt 1", lease, n, lease)
			}
			ids = append(ids, n.ID)
		}
		slices.Sort(ids)
		if !slices.Equal(ids, want) {
			t.Fatalf("%s: claimed %v; want %v", lease, ids, want)
		}
	}
	// Two of bc at most, although its third is due before b0; c0 is
	// skipped; the limit keeps the three oldest due of the rest (b1 is
	// left).
	claim("first", 3, 2, []string{"bc3"}, "a0", "a1", "b0")
	// Another claim, one per client: the first claim's notices are held,
	// so bc's next is a2 and bc2's b1.
	claim("second", 10, 1, nil, "a2", "b1", "c0")
	// Only a3 is left, of a skipped client; clients with nothing due may
	// be named too.
	claim("third", 10, 10, []string{"bc", "bc2", "unknown"})
	claim("fourth", 10, 10, []string{"bc2", "unknown"}, "a3")
}

// noticesConcurrent races workers claiming small batches until nothing is
// left: every notice is claimed exactly once.
func (s suite) noticesConcurrent(t *testing.T) {
	st := s.noticeStore(t)
	ctx := context.Background()
	const total, workers = 60, 8
	var all []sigil.LogoutNotice
	for i := range total {
		all = append(all, notice(fmt.Sprintf("n%02d", i), "bc", fmt.Sprintf("sid%02d", i)))
	}
	if n, err := st.EnqueueLogoutNotices(ctx, all, t0); err != nil || n != total {
		t.Fatalf("EnqueueLogoutNotices = %d, %v", n, err)
	}
	var (
		mu      sync.Mutex
		claimed = map[string]string{}
		wg      sync.WaitGroup
	)
	for w := range workers {
		wg.Go(func() {
			lease := fmt.Sprintf("w%d", w)
			for {
				got, err := st.ClaimLogoutNotices(ctx, lease, t0, t0.Add(time.Minute), 3, 3, nil)
				if err != nil {
					t.Errorf("%s: ClaimLogoutNotices: %v", lease, err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, n := range got {
					if other, dup := claimed[n.ID]; dup {
						t.Errorf("notice %s claimed by %s and %s", n.ID, other, lease)
					}
					claimed[n.ID] = lease
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(claimed) != total {
		t.Fatalf("%d notices claimed, want %d", len(claimed), total)
	}
}
