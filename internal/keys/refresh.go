package keys

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/sigil-oidc/sigil"
)

// RefreshInterval is how often Run re-reads the store: the bound on how long
// a node takes to publish a key another node added. Each read is one
// statement (ListSigningKeys) over a handful of rows.
const RefreshInterval = 5 * time.Second

// ActivationDelay is the least time between adding a key and its signing.
// Three refresh intervals: one for every node to read the key, one more for
// a read that failed or ran slow, and one for clocks that disagree a little.
// After it every running node publishes the key, so a token it signs
// verifies against the key set of any node.
const ActivationDelay = 3 * RefreshInterval

// Refresh reads the store once and swaps in a new snapshot when the keys
// changed. Before a key this node may sign with enters the snapshot, its
// stored retention is raised to this node's (see claimRetention). On error
// the set keeps its current keys. Signing and verifying carry on meanwhile
// with the previous snapshot.
func (s *Set) Refresh(ctx context.Context) error {
	s.refreshing.Lock()
	defer s.refreshing.Unlock()
	stored, err := s.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("keys: listing signing keys: %w", err)
	}
	if err := s.claimRetention(ctx, stored); err != nil {
		return err
	}
	prev := s.current.Load()
	if !prev.same(stored) {
		snap, err := s.build(stored, prev)
		if err != nil {
			return err
		}
		s.current.Store(snap)
	}
	s.refreshed.Store(time.Now().UnixNano())
	return nil
}

// same reports whether stored are exactly snap's keys.
func (snap *snapshot) same(stored []sigil.SigningKey) bool {
	if len(stored) != len(snap.keys) {
		return false
	}
	for i, sk := range stored {
		if snap.keys[i] != snap.reuse(sk) {
			return false
		}
	}
	return true
}

// Run calls Refresh every RefreshInterval until ctx ends, then stores the
// next keys when the policy's schedule says they are due (see rotateDue)
// and deletes the keys that expired (see deleteExpired), logging errors
// and every change of the key set.
func (s *Set) Run(ctx context.Context, log *slog.Logger) {
	t := time.NewTicker(RefreshInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		before := s.current.Load()
		rctx, cancel := context.WithTimeout(ctx, RefreshInterval)
		err := s.Refresh(rctx)
		if err == nil {
			var added []sigil.SigningKey
			added, err = s.rotateDue(rctx)
			for _, k := range added {
				log.Info("scheduled signing key rotation: next key published", "kid", k.ID, "alg", k.Algorithm, "activates", k.ActivatesAt)
			}
			var deleted []KeyInfo
			if err == nil {
				deleted, err = s.deleteExpired(rctx)
			}
			for _, k := range deleted {
				log.Info("expired signing key deleted", "kid", k.ID, "alg", k.Algorithm, "expired", k.ExpiresAt)
			}
			if len(added)+len(deleted) > 0 && err == nil {
				err = s.Refresh(rctx)
			}
		}
		cancel()
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("refresh signing keys", "err", err)
		case s.current.Load() != before:
			ids := []string{}
			for _, k := range s.Keys() {
				ids = append(ids, k.ID)
			}
			log.Info("signing keys changed", "stored", ids, "signing", []string{s.SigningKeyID(RS256), s.SigningKeyID(ES256), s.SigningKeyID(EdDSA)})
		}
	}
}

// Ready reports whether the set is in step with the store: an error when
// the last successful read is older than ActivationDelay, since other nodes
// may by then sign with a key this node does not publish. It reads only
// memory; ctx is there to fit health checks.
func (s *Set) Ready(context.Context) error {
	age := time.Since(time.Unix(0, s.refreshed.Load()))
	if age > ActivationDelay {
		return fmt.Errorf("keys: signing keys last read from the store %s ago", age.Round(time.Second))
	}
	return nil
}

// AddKey generates a key of alg of the next generation, seals it and stores
// it, to sign from activatesAt on; it returns the stored key. activatesAt
// must be at least ActivationDelay ahead, so that every node publishes the
// key before any signs with it (relying parties that cache the key set for
// longer fetch it again when they meet an unknown kid). Of two AddKey calls
// racing, one fails with sigil.ErrConflict. Set.Rotate and the scheduled
// rotation of Set.Run build on the same steps.
func AddKey(ctx context.Context, ks KeyStore, systemSecret []byte, alg string, activatesAt time.Time) (sigil.SigningKey, error) {
	// Milliseconds are what the store keeps, so the key returned is the
	// key stored.
	now := time.Now().UTC().Truncate(time.Millisecond)
	activatesAt = activatesAt.UTC().Truncate(time.Millisecond)
	if activatesAt.Before(now.Add(ActivationDelay)) {
		return sigil.SigningKey{}, fmt.Errorf("keys: a new key may activate %s after it is added at the earliest, so that every node publishes it first", ActivationDelay)
	}
	stored, err := ks.ListSigningKeys(ctx)
	if err != nil {
		return sigil.SigningKey{}, fmt.Errorf("keys: listing signing keys: %w", err)
	}
	next := nextGeneration(stored)
	k, err := generate(systemSecret, alg, next, now, activatesAt)
	if err != nil {
		return sigil.SigningKey{}, err
	}
	if err := ks.CreateSigningKey(ctx, k); err != nil {
		return sigil.SigningKey{}, fmt.Errorf("keys: storing signing key %q (generation %d): %w", k.ID, next, err)
	}
	return k, nil
}
