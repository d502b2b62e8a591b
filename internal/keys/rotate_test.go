package keys

import (
	"context"
	"sync"
	"testing"
	"time"
)

// clock is a settable clock shared by the sets of one test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func loadPolicy(t *testing.T, ks KeyStore, p Policy, c *clock) *Set {
	t.Helper()
	s, err := LoadWith(context.Background(), ks, secret, p)
	if err != nil {
		t.Fatalf("LoadWith: %v", err)
	}
	s.now = c.now
	return s
}

func stateOf(s *Set, kid string) KeyInfo {
	for _, ki := range s.Keys() {
		if ki.ID == kid {
			return ki
		}
	}
	return KeyInfo{}
}

func publishes(s *Set, kid string) bool { jwks := s.PublicJWKS(); return len(jwks.Key(kid)) == 1 }

func TestRotateImmediatelySignsAtOnceAndRetiresTheOldKeyAfterRetention(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Now()}
	st := &memStore{}
	s := loadPolicy(t, st, Policy{Retention: time.Hour}, c)
	oldRS, oldES := s.SigningKeyID(RS256), s.SigningKeyID(ES256)
	oldTok, err := s.Sign(RS256, map[string]string{"sub": "alice.crypto"}, "")
	if err != nil {
		t.Fatal(err)
	}

	c.set(c.now().Add(time.Minute))
	rotated, err := s.Rotate(ctx, Immediately, RS256)
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if len(rotated) != 1 || rotated[0].Algorithm != RS256 || rotated[0].State != StateActive {
		t.Fatalf("Rotate(RS256) = %+v, want one active RS256 key", rotated)
	}
	newRS := rotated[0].ID
	if s.SigningKeyID(RS256) != newRS {
		t.Fatalf("after Rotate RS256 signs with %q, want the new %q", s.SigningKeyID(RS256), newRS)
	}
	if s.SigningKeyID(ES256) != oldES {
		t.Errorf("Rotate(RS256) changed the ES256 key")
	}
	tok, err := s.Sign(RS256, map[string]string{"sub": "alice.crypto"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if header(t, tok)["kid"] != newRS || !publishes(s, newRS) {
		t.Fatal("the next token is not signed by the new, published key")
	}
	old := stateOf(s, oldRS)
	if old.State != StateRetired || !old.RetiresAt.Equal(rotated[0].ActivatesAt) || !old.ExpiresAt.Equal(old.RetiresAt.Add(time.Hour)) {
		t.Fatalf("old key after Rotate = %+v, want retired at the new key's activation, expiring an hour later", old)
	}
	if _, err := s.Verify(oldTok); err != nil || !publishes(s, oldRS) {
		t.Fatalf("the retired key no longer verifies its token (%v) or is not published", err)
	}

	// Just before the retention ends the old key is still there; after it,
	// it is gone from the JWKS and no longer verifies.
	c.set(old.ExpiresAt.Add(-time.Second))
	if !publishes(s, oldRS) {
		t.Fatal("the retired key left the JWKS before its tokens expired")
	}
	c.set(old.ExpiresAt)
	if publishes(s, oldRS) || stateOf(s, oldRS).State != StateExpired {
		t.Fatalf("the retired key is still published after its retention: %+v", stateOf(s, oldRS))
	}
	if _, err := s.Verify(oldTok); err == nil {
		t.Fatal("a token of an expired key still verifies")
	}
	if n := len(s.PublicJWKS().Keys); n != 3 {
		t.Errorf("JWKS has %d keys, want the 3 active ones", n)
	}

	// Rotating every algorithm at once.
	all, err := s.Rotate(ctx, Immediately)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[0].Algorithm != RS256 || all[1].Algorithm != ES256 || all[2].Algorithm != EdDSA {
		t.Fatalf("Rotate() = %+v, want one key per algorithm", all)
	}
	for _, ki := range all {
		if s.SigningKeyID(ki.Algorithm) != ki.ID {
			t.Errorf("%s does not sign with its new key", ki.Algorithm)
		}
	}
	if _, err := s.Rotate(ctx, Immediately, "none"); err == nil {
		t.Error(`Rotate("none") succeeded`)
	}
}

// TestRotateAfterPublishingWaitsForEveryNode: by default a rotated key is
// published at once by the node that rotated and by every other node at
// its next refresh, and signs only ActivationDelay after it was stored, so
// no node signs with it while another does not publish it; the key it
// replaces signs until then.
func TestRotateAfterPublishingWaitsForEveryNode(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Now()}
	st := &memStore{}
	p := Policy{Retention: time.Hour}
	a, b := loadPolicy(t, st, p, c), loadPolicy(t, st, p, c)
	old := a.SigningKeyID(RS256)

	c.set(c.now().Add(time.Minute))
	rotated, err := a.Rotate(ctx, AfterPublishing, RS256)
	if err != nil {
		t.Fatal(err)
	}
	if len(rotated) != 1 || rotated[0].State != StateNext || !rotated[0].ActivatesAt.Equal(c.now().Add(ActivationDelay).Truncate(time.Millisecond)) {
		t.Fatalf("Rotate(AfterPublishing) = %+v, want one key, next, activating in %s", rotated, ActivationDelay)
	}
	fresh := rotated[0].ID
	if !publishes(a, fresh) || a.SigningKeyID(RS256) != old {
		t.Fatalf("the rotating node: publishes the new key %v, signs with %s, want the old %s", publishes(a, fresh), a.SigningKeyID(RS256), old)
	}
	// Another node, before and after its refresh: it never signs with a
	// key it does not publish, and neither node signs with the new key
	// before it activates.
	if b.SigningKeyID(RS256) != old || publishes(b, fresh) {
		t.Fatalf("another node before its refresh: signs with %s, publishes the new key %v", b.SigningKeyID(RS256), publishes(b, fresh))
	}
	if err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if !publishes(b, fresh) || b.SigningKeyID(RS256) != old {
		t.Fatalf("another node after its refresh: publishes %v, signs with %s", publishes(b, fresh), b.SigningKeyID(RS256))
	}
	c.set(rotated[0].ActivatesAt)
	for name, n := range map[string]*Set{"the rotating node": a, "another node": b} {
		if n.SigningKeyID(RS256) != fresh {
			t.Errorf("%s signs with %s once the new key activates, want %s", name, n.SigningKeyID(RS256), fresh)
		}
		if stateOf(n, old).State != StateRetired {
			t.Errorf("%s: the old key is %s, want retired", name, stateOf(n, old).State)
		}
	}
}

func TestScheduledRotationPublishesAheadOnceAcrossNodes(t *testing.T) {
	ctx := context.Background()
	start := time.Now().UTC().Truncate(time.Millisecond)
	c := &clock{t: start}
	p := Policy{RotationInterval: 10 * time.Hour, PublishAhead: time.Hour, Retention: 2 * time.Hour}
	st := &memStore{}
	nodes := []*Set{loadPolicy(t, st, p, c), loadPolicy(t, st, p, c), loadPolicy(t, st, p, c)}
	// The first keys activated when Load stored them, a few milliseconds
	// apart; the schedule counts from the last.
	activated := stateOf(nodes[0], nodes[0].SigningKeyID(EdDSA)).ActivatesAt

	// Not yet due: nothing is stored.
	c.set(activated.Add(9*time.Hour - time.Second))
	for _, n := range nodes {
		if added, err := n.rotateDue(ctx); err != nil || len(added) != 0 {
			t.Fatalf("rotateDue before it is due = %v, %v", added, err)
		}
	}

	// Due on every node at once: of the racing nodes one stores each
	// algorithm's next key; the others read it back.
	c.set(activated.Add(9 * time.Hour))
	var wg sync.WaitGroup
	errs := make([]error, len(nodes))
	for i, n := range nodes {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = n.rotateDue(ctx) }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d rotateDue: %v", i, err)
		}
	}
	if len(st.keys) != 6 {
		t.Fatalf("store holds %d keys after racing scheduled rotations, want 6 (one next key per algorithm)", len(st.keys))
	}
	for _, n := range nodes {
		if err := n.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if added, err := n.rotateDue(ctx); err != nil || len(added) != 0 {
			t.Fatalf("rotateDue with the next keys stored = %v, %v", added, err)
		}
	}
	next := st.keys[5]
	if next.Algorithm != EdDSA || !next.ActivatesAt.Equal(activated.Add(10*time.Hour)) {
		t.Fatalf("next key %s activates at %v, want the EdDSA key an interval after the first (%v)", next.Algorithm, next.ActivatesAt, activated.Add(10*time.Hour))
	}
	if ki := stateOf(nodes[1], next.ID); ki.State != StateNext || !publishes(nodes[1], next.ID) || nodes[1].SigningKeyID(next.Algorithm) == next.ID {
		t.Fatalf("next key before activation = %+v; want published and not signing", ki)
	}

	// At its activation it signs on every node, the first key retires.
	c.set(next.ActivatesAt)
	for i, n := range nodes {
		if n.SigningKeyID(next.Algorithm) != next.ID {
			t.Errorf("node %d does not sign with the scheduled key at its activation", i)
		}
	}
	if ki := stateOf(nodes[0], nodes[0].Keys()[2].ID); ki.State != StateRetired || !ki.ExpiresAt.Equal(next.ActivatesAt.Add(2*time.Hour)) {
		t.Errorf("first key = %+v, want retired until two hours after its successor", ki)
	}
}

func TestScheduleCatchesUpAfterDowntime(t *testing.T) {
	// A fleet that was down past a whole interval publishes the next key
	// PublishAhead from now, never a key that signs at once.
	ctx := context.Background()
	c := &clock{t: time.Now().UTC()}
	p := Policy{RotationInterval: time.Hour, PublishAhead: time.Minute}
	st := &memStore{}
	s := loadPolicy(t, st, p, c)
	c.set(c.now().Add(5 * time.Hour))
	added, err := s.rotateDue(ctx)
	if err != nil || len(added) != 3 {
		t.Fatalf("rotateDue after downtime = %d keys, %v", len(added), err)
	}
	for _, k := range added {
		if want := c.now().Add(time.Minute).Truncate(time.Millisecond); !k.ActivatesAt.Equal(want) {
			t.Errorf("%s key activates at %v, want publish-ahead from now %v", k.Algorithm, k.ActivatesAt, want)
		}
	}
}

func TestPolicyValidation(t *testing.T) {
	for _, p := range []Policy{
		{RotationInterval: -time.Second},
		{PublishAhead: time.Second},                                    // below ActivationDelay
		{RotationInterval: time.Hour},                                  // not longer than the default publish-ahead
		{RotationInterval: time.Minute, PublishAhead: 2 * time.Minute}, // next key would be due at once
	} {
		if _, err := LoadWith(context.Background(), &memStore{}, secret, p); err == nil {
			t.Errorf("LoadWith(%+v) succeeded", p)
		}
	}
	s, err := LoadWith(context.Background(), &memStore{}, secret, Policy{RotationInterval: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Policy(); got.PublishAhead != DefaultPublishAhead || got.Retention != DefaultRetention {
		t.Errorf("Policy() = %+v, want the defaults filled in", got)
	}
}

// TestExpiredKeysAreDeleted: a retired key past its retention (and the
// clock margin ActivationDelay) is deleted from the store by whichever
// node gets there first, the others' deletes of it are no error, and the
// keys still in use (active, retired within their retention) stay.
func TestExpiredKeysAreDeleted(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Now()}
	st := &memStore{}
	p := Policy{Retention: time.Hour}
	a, b := loadPolicy(t, st, p, c), loadPolicy(t, st, p, c)
	first := a.SigningKeyID(RS256)

	c.set(c.now().Add(time.Minute))
	if _, err := a.Rotate(ctx, Immediately, RS256); err != nil {
		t.Fatal(err)
	}
	second := a.SigningKeyID(RS256)
	expires := stateOf(a, first).ExpiresAt
	// A third key 30 minutes before the first expires: the second is then
	// retired, and within its retention when the first goes.
	c.set(expires.Add(-30 * time.Minute))
	if _, err := a.Rotate(ctx, Immediately, RS256); err != nil {
		t.Fatal(err)
	}
	third := a.SigningKeyID(RS256)
	if err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}

	stored := func() []string {
		keys, _ := st.ListSigningKeys(ctx)
		var ids []string
		for _, k := range keys {
			if k.Algorithm == RS256 {
				ids = append(ids, k.ID)
			}
		}
		return ids
	}

	// Expired, but within the margin for a node whose clock is behind.
	c.set(expires.Add(ActivationDelay - time.Second))
	if stateOf(a, first).State != StateExpired {
		t.Fatalf("the first key is %s at its retention's end, want expired", stateOf(a, first).State)
	}
	if deleted, err := a.deleteExpired(ctx); err != nil || len(deleted) != 0 {
		t.Fatalf("deleteExpired within the margin = %v, %v; want nothing deleted", deleted, err)
	}

	c.set(expires.Add(ActivationDelay))
	deleted, err := a.deleteExpired(ctx)
	if err != nil || len(deleted) != 1 || deleted[0].ID != first {
		t.Fatalf("deleteExpired = %+v, %v; want the first key", deleted, err)
	}
	if got := stored(); len(got) != 2 || got[0] != second || got[1] != third {
		t.Fatalf("RS256 keys stored after the delete: %v, want [%s %s]", got, second, third)
	}
	// b has not re-read the store: it deletes the same key again, which is
	// no error.
	if deleted, err := b.deleteExpired(ctx); err != nil || len(deleted) != 1 {
		t.Fatalf("the second node's deleteExpired = %+v, %v; want the same key, no error", deleted, err)
	}
	for _, n := range []*Set{a, b} {
		if err := n.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if stateOf(n, first).ID != "" {
			t.Error("a node still lists the deleted key after a refresh")
		}
		if n.SigningKeyID(RS256) != third || !publishes(n, second) {
			t.Error("the active key or the retired one within its retention is gone")
		}
	}
}

// TestRetiredKeyKeptForTheLongestLifetimeOfAnyNode: two nodes of one store,
// one configured with tokens that live an hour and one with five minutes
// (a fleet halfway through a configuration change, or a node restarted with
// shorter lifetimes). A key the long-lived node signed with stays published
// on the short-lived node, verifies its tokens there and is not deleted by
// it until the hour is over: each node records its retention with the keys
// it signs with before it signs. Before, the short-lived node dropped the
// key from its JWKS after five minutes and deleted it from the store for
// every node, and the hour-long tokens stopped verifying everywhere.
func TestRetiredKeyKeptForTheLongestLifetimeOfAnyNode(t *testing.T) {
	for name, ks := range map[string]func() KeyStore{
		"memory": func() KeyStore { return &memStore{} },
		"sqlite": func() KeyStore { return openSQLite(t) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st := ks()
			c := &clock{}
			const shortR, longR = 5 * time.Minute, time.Hour
			// The short-lived node starts first and stores the first keys.
			short := loadPolicy(t, st, Policy{Retention: shortR}, c)
			long := loadPolicy(t, st, Policy{Retention: longR}, c)
			// LoadWith stored the first keys by the real clock, so the test's
			// clock starts after it did: started before, it could sit in an
			// earlier millisecond than the keys' activation, and the key
			// Rotate makes below would then activate before the first one.
			c.set(time.Now())
			retentionOf := func(kid string) time.Duration {
				t.Helper()
				stored, err := st.ListSigningKeys(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range stored {
					if k.ID == kid {
						return k.Retention
					}
				}
				t.Fatalf("key %q is not stored", kid)
				return 0
			}
			first := long.SigningKeyID(RS256)
			if first != short.SigningKeyID(RS256) {
				t.Fatal("the two nodes sign with different keys")
			}
			if got := retentionOf(first); got != longR {
				t.Fatalf("the first key's stored retention after the long-lived node loaded: %s, want %s", got, longR)
			}
			tok, err := long.Sign(RS256, map[string]string{"sub": "alice.crypto"}, "")
			if err != nil {
				t.Fatal(err)
			}

			// The short-lived node rotates; the long-lived one picks the new
			// key up and claims it before signing with it. (The clock stays
			// at the real time here: LoadWith below reads the real one.)
			rotated, err := short.Rotate(ctx, Immediately, RS256)
			if err != nil {
				t.Fatal(err)
			}
			second := rotated[0].ID
			if got := retentionOf(second); got != shortR {
				t.Fatalf("the rotated key's stored retention: %s, want the rotating node's %s", got, shortR)
			}
			if err := long.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			if long.SigningKeyID(RS256) != second || retentionOf(second) != longR {
				t.Fatalf("after a refresh the long-lived node signs with %q, whose stored retention is %s; want %q with %s",
					long.SigningKeyID(RS256), retentionOf(second), second, longR)
			}
			if err := short.Refresh(ctx); err != nil {
				t.Fatal(err)
			}

			// Past the short-lived node's own retention, within the hour.
			retired := stateOf(short, first)
			if want := retired.RetiresAt.Add(longR); retired.State != StateRetired || !retired.ExpiresAt.Equal(want) {
				t.Fatalf("on the short-lived node the first key is %+v, want retired until %s", retired, want)
			}
			c.set(retired.RetiresAt.Add(shortR + ActivationDelay + time.Minute))
			if !publishes(short, first) {
				t.Fatal("the short-lived node stopped publishing a key whose tokens from the other node are valid")
			}
			if _, err := short.Verify(tok); err != nil {
				t.Fatalf("the short-lived node no longer verifies the other node's token: %v", err)
			}
			if deleted, err := short.deleteExpired(ctx); err != nil || len(deleted) != 0 {
				t.Fatalf("the short-lived node deleted %+v (%v) within the other node's retention", deleted, err)
			}

			// A node that starts after the first key retired never signs
			// with it and leaves its retention alone.
			loadPolicy(t, st, Policy{Retention: 3 * time.Hour}, c)
			if got := retentionOf(first); got != longR {
				t.Errorf("a node that never signs with the retired key raised its retention to %s", got)
			}
			if got := retentionOf(second); got != 3*time.Hour {
				t.Errorf("the active key's retention after a longer-lived node started: %s, want 3h", got)
			}

			// After the hour the key expires, and is deleted, on every node.
			c.set(retired.ExpiresAt.Add(ActivationDelay))
			if publishes(short, first) || publishes(long, first) {
				t.Error("the first key is still published after the longest retention")
			}
			if deleted, err := short.deleteExpired(ctx); err != nil || len(deleted) != 1 || deleted[0].ID != first {
				t.Fatalf("deleteExpired after the longest retention = %+v, %v; want the first key", deleted, err)
			}
		})
	}
}

// TestRetentionClaimedOncePerKey: once every node has recorded its
// retention with the keys it signs with, a refresh writes nothing.
func TestRetentionClaimedOncePerKey(t *testing.T) {
	ctx := context.Background()
	st := &memStore{}
	c := &clock{t: time.Now()}
	a := loadPolicy(t, st, Policy{Retention: 5 * time.Minute}, c)
	b := loadPolicy(t, st, Policy{Retention: time.Hour + time.Nanosecond}, c)
	claims := st.extends
	if claims != len(supported) {
		t.Fatalf("the second node made %d retention claims at load, want one per algorithm (%d)", claims, len(supported))
	}
	for range 3 {
		for _, n := range []*Set{a, b} {
			if err := n.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if st.extends != claims {
		t.Errorf("refreshes with nothing new made %d more retention claims, want none", st.extends-claims)
	}
	if got := stateOf(a, a.SigningKeyID(RS256)).Retention; got != time.Hour+time.Millisecond {
		t.Errorf("the node with the shorter retention sees %s, want the other node's, rounded up to the store's millisecond", got)
	}
}

// TestImmediateRotationWithdrawsPendingKeys: a rotation with Immediately
// made while an earlier rotation's key is still pending withdraws that
// key, so the key rotated in at once goes on signing past the pending
// key's activation; other algorithms' pending keys stay.
func TestImmediateRotationWithdrawsPendingKeys(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Now()}
	st := &memStore{}
	s := loadPolicy(t, st, Policy{Retention: time.Hour}, c)
	c.set(c.now().Add(time.Minute))
	pending, err := s.Rotate(ctx, AfterPublishing, RS256, ES256)
	if err != nil {
		t.Fatal(err)
	}
	c.set(c.now().Add(5 * time.Second))
	now, err := s.Rotate(ctx, Immediately, RS256)
	if err != nil {
		t.Fatal(err)
	}
	c.set(pending[0].ActivatesAt.Add(time.Second))
	if got := s.SigningKeyID(RS256); got != now[0].ID {
		t.Fatalf("after the pending key's activation RS256 signs with %s, want the key rotated in at once %s", got, now[0].ID)
	}
	if publishes(s, pending[0].ID) {
		t.Error("the withdrawn RS256 key is still published")
	}
	if got := s.SigningKeyID(ES256); got != pending[1].ID {
		t.Errorf("ES256 signs with %s, want its pending key %s, which the RS256 rotation leaves alone", got, pending[1].ID)
	}
}
