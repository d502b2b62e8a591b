package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
)

// signingKeys checks the signing key contract every node of a fleet relies
// on: keys list in generation order with every field intact, and an
// existing id or generation is sigil.ErrConflict, so that nodes
// bootstrapping an empty database at once store exactly one first key.
func (s suite) signingKeys(t *testing.T) {
	t.Run("RoundTripInGenerationOrder", s.signingKeysRoundTrip)
	t.Run("DuplicateID", s.signingKeysDuplicateID)
	t.Run("DuplicateGeneration", s.signingKeysDuplicateGeneration)
	t.Run("ConcurrentFirstKey", s.signingKeysConcurrentFirst)
	t.Run("RequiredFields", s.signingKeysRequired)
	t.Run("Delete", s.signingKeysDelete)
	t.Run("RetentionOnlyGrows", s.signingKeysRetention)
}

// signingKeysRetention: a key's retention is stored as created (none when
// zero), and ExtendSigningKeyRetention only ever raises it, so that of
// nodes claiming a key at once the longest retention stays; a key not
// stored is no error.
func (s suite) signingKeysRetention(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	claimed, unclaimed := signingKey("claimed", 1, t0), signingKey("unclaimed", 2, t0)
	claimed.Retention = time.Hour + 15*time.Second
	for _, k := range []sigil.SigningKey{claimed, unclaimed} {
		if err := st.CreateSigningKey(ctx, k); err != nil {
			t.Fatalf("CreateSigningKey(%s): %v", k.ID, err)
		}
	}
	retention := func() (got [2]time.Duration) {
		t.Helper()
		keys, err := st.ListSigningKeys(ctx)
		if err != nil || len(keys) != 2 {
			t.Fatalf("ListSigningKeys = %v, %v", keys, err)
		}
		return [2]time.Duration{keys[0].Retention, keys[1].Retention}
	}
	if got := retention(); got != [2]time.Duration{claimed.Retention, 0} {
		t.Fatalf("retention as created: %v, want [%s 0s]", got, claimed.Retention)
	}
	// Shorter: nothing changes. Longer: raised.
	if err := st.ExtendSigningKeyRetention(ctx, "claimed", 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := st.ExtendSigningKeyRetention(ctx, "unclaimed", 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := retention(); got != [2]time.Duration{claimed.Retention, 5 * time.Minute} {
		t.Fatalf("after claims of 5m: %v, want [%s 5m0s]", got, claimed.Retention)
	}
	// Nodes claiming at once: the longest stays, whatever the order.
	var wg sync.WaitGroup
	for i := 1; i <= 12; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := st.ExtendSigningKeyRetention(ctx, "unclaimed", time.Duration(i)*time.Hour); err != nil {
				t.Errorf("ExtendSigningKeyRetention(%dh): %v", i, err)
			}
		}()
	}
	wg.Wait()
	if got := retention(); got != [2]time.Duration{claimed.Retention, 12 * time.Hour} {
		t.Fatalf("after concurrent claims of 1h to 12h: %v, want [%s 12h0m0s]", got, claimed.Retention)
	}
	if err := st.ExtendSigningKeyRetention(ctx, "never-stored", time.Hour); err != nil {
		t.Errorf("ExtendSigningKeyRetention of a key not stored: %v, want no error", err)
	}
	if err := st.ExtendSigningKeyRetention(ctx, "claimed", 0); err == nil {
		t.Error("ExtendSigningKeyRetention(0) succeeded")
	}
}

// signingKeysDelete: a deleted key no longer lists, the others keep every
// field, and deleting it again, or a key never stored, is no error.
func (s suite) signingKeysDelete(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	old, kept := signingKey("old", 1, t0), signingKey("kept", 2, t0.Add(time.Hour))
	for _, k := range []sigil.SigningKey{old, kept} {
		if err := st.CreateSigningKey(ctx, k); err != nil {
			t.Fatalf("CreateSigningKey(%s): %v", k.ID, err)
		}
	}
	for _, id := range []string{"old", "old", "never-stored"} {
		if err := st.DeleteSigningKey(ctx, id); err != nil {
			t.Fatalf("DeleteSigningKey(%s): %v", id, err)
		}
	}
	keys, err := st.ListSigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 {
		t.Fatalf("ListSigningKeys after deleting one of two keys returned %d keys, want 1", len(keys))
	}
	equalFields(t, "the key kept", keys[0], kept)
	// The next key takes the generation after the newest, as before.
	if err := st.CreateSigningKey(ctx, signingKey("next", 3, t0)); err != nil {
		t.Fatalf("CreateSigningKey after a delete: %v", err)
	}
}

func signingKey(id string, generation int64, created time.Time) sigil.SigningKey {
	return sigil.SigningKey{ID: id, Algorithm: "RS256", Generation: generation,
		Sealed: []byte("sealed " + id + "\x00\xff"), CreatedAt: created, ActivatesAt: created}
}

func (s suite) signingKeysRoundTrip(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	keys, err := st.ListSigningKeys(ctx)
	if err != nil || keys == nil || len(keys) != 0 {
		t.Fatalf("ListSigningKeys(empty) = %#v, %v; want an empty slice", keys, err)
	}
	// Generation orders the list, not created_at or id: a key written with
	// a clock behind the others still lists after them.
	first := signingKey("k9", 1, t0.Add(time.Hour))
	second := signingKey("k1", 2, t0)
	second.Algorithm = "ES256"
	second.ActivatesAt = t0.Add(15 * time.Second)
	second.Retention = 24*time.Hour + 15*time.Second
	for _, k := range []sigil.SigningKey{second, first} {
		if err := st.CreateSigningKey(ctx, k); err != nil {
			t.Fatalf("CreateSigningKey(%s): %v", k.ID, err)
		}
	}
	keys, err = st.ListSigningKeys(ctx)
	if err != nil {
		t.Fatalf("ListSigningKeys: %v", err)
	}
	if len(keys) != 2 {
		t.Fatalf("ListSigningKeys returned %d keys, want 2", len(keys))
	}
	equalFields(t, "generation 1", keys[0], first)
	equalFields(t, "generation 2", keys[1], second)
}

func (s suite) signingKeysDuplicateID(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	if err := st.CreateSigningKey(ctx, signingKey("k1", 1, t0)); err != nil {
		t.Fatal(err)
	}
	dup := signingKey("k1", 2, t0)
	dup.Sealed = []byte("other")
	wantErr(t, "CreateSigningKey(existing id)", st.CreateSigningKey(ctx, dup), sigil.ErrConflict)
	wantKeys(t, st, "k1")
}

func (s suite) signingKeysDuplicateGeneration(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	if err := st.CreateSigningKey(ctx, signingKey("first", 1, t0)); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "CreateSigningKey(existing generation)", st.CreateSigningKey(ctx, signingKey("second", 1, t0.Add(time.Second))), sigil.ErrConflict)
	if err := st.CreateSigningKey(ctx, signingKey("third", 2, t0.Add(time.Second))); err != nil {
		t.Fatalf("CreateSigningKey(next generation): %v", err)
	}
	wantErr(t, "CreateSigningKey(existing generation 2)", st.CreateSigningKey(ctx, signingKey("fourth", 2, t0)), sigil.ErrConflict)
	wantKeys(t, st, "first", "third")
}

// signingKeysConcurrentFirst is several nodes starting at once on an empty
// database: each stores its own generation 1, and exactly one succeeds.
func (s suite) signingKeysConcurrentFirst(t *testing.T) {
	st := s.open(t)
	const n = 6
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = st.CreateSigningKey(context.Background(), signingKey(fmt.Sprintf("node-%d", i), 1, t0))
		}()
	}
	close(start)
	wg.Wait()
	winner := ""
	for i, err := range errs {
		switch {
		case err == nil && winner == "":
			winner = fmt.Sprintf("node-%d", i)
		case err == nil:
			t.Errorf("node-%d and %s both stored generation 1", i, winner)
		case !errors.Is(err, sigil.ErrConflict):
			t.Errorf("node-%d: error %v, want ErrConflict or success", i, err)
		}
	}
	if winner == "" {
		t.Fatal("no node stored generation 1")
	}
	wantKeys(t, st, winner)
}

func (s suite) signingKeysRequired(t *testing.T) {
	st := s.open(t)
	ctx := context.Background()
	for name, edit := range map[string]func(*sigil.SigningKey){
		"no id":              func(k *sigil.SigningKey) { k.ID = "" },
		"generation 0":       func(k *sigil.SigningKey) { k.Generation = 0 },
		"generation -1":      func(k *sigil.SigningKey) { k.Generation = -1 },
		"no sealed key":      func(k *sigil.SigningKey) { k.Sealed = nil },
		"no created time":    func(k *sigil.SigningKey) { k.CreatedAt = time.Time{} },
		"no activation":      func(k *sigil.SigningKey) { k.ActivatesAt = time.Time{} },
		"negative retention": func(k *sigil.SigningKey) { k.Retention = -time.Second },
	} {
		k := signingKey("k1", 1, t0)
		edit(&k)
		if err := st.CreateSigningKey(ctx, k); err == nil {
			t.Errorf("CreateSigningKey(%s) succeeded", name)
		}
	}
	wantKeys(t, st)
}

// wantKeys checks the store lists exactly the keys ids, in that order.
func wantKeys(t *testing.T, st sigil.Store, ids ...string) {
	t.Helper()
	keys, err := st.ListSigningKeys(context.Background())
	if err != nil {
		t.Fatalf("ListSigningKeys: %v", err)
	}
	got := make([]string, len(keys))
	for i, k := range keys {
		got[i] = k.ID
	}
	if fmt.Sprint(got) != fmt.Sprint(ids) {
		t.Errorf("ListSigningKeys = %v, want %v", got, ids)
	}
}
