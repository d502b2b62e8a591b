package keys

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sigil-oidc/sigil"
)

// Policy is how a Set rotates its keys and how long it keeps publishing
// retired ones. The zero Policy rotates only by hand and keeps retired keys
// for DefaultRetention.
type Policy struct {
	// RotationInterval is how long each key signs before the next one of
	// its algorithm takes over; 0 turns scheduled rotation off (Rotate
	// still works).
	RotationInterval time.Duration
	// PublishAhead is how long before it starts signing a scheduled key is
	// published. At least ActivationDelay, so every node publishes it
	// first; DefaultPublishAhead when 0.
	PublishAhead time.Duration
	// Retention is how long a retired key stays published after its
	// successor activated: the longest lifetime of a token this node signs
	// (ID token, JWT access token), plus ActivationDelay for nodes that had
	// not yet seen the successor. DefaultRetention when 0. The node records
	// it with every key it may sign with, and a key stays published for
	// the longest retention recorded (or this node's, if longer), so that
	// a fleet whose nodes are configured differently, or a node restarted
	// with shorter lifetimes, keeps the key as long as any token it signed.
	Retention time.Duration
}

// DefaultPublishAhead is how long before it signs a scheduled key is
// published when Policy.PublishAhead is 0: an hour, well beyond the
// refresh bound (ActivationDelay) and the JWKS document's HTTP cache
// lifetime (5 minutes), so relying parties that cache the key set, even
// for longer than they are told, know the key before they meet it.
const DefaultPublishAhead = time.Hour

// DefaultRetention is Policy.Retention when 0: a day, longer than any token
// lifetime Sigil allows for tokens signed with these keys.
const DefaultRetention = 24 * time.Hour

// The states of a key (KeyInfo.State), per algorithm.
const (
	// StateNext is a key published but not yet signing.
	StateNext = "next"
	// StateActive is the one key of its algorithm that signs.
	StateActive = "active"
	// StateRetired is a key that no longer signs but is still published
	// because tokens it signed may still be valid.
	StateRetired = "retired"
	// StateExpired is a retired key past its retention: no longer
	// published, kept in the store only.
	StateExpired = "expired"
)

// validate checks p's durations.
func (p Policy) validate() error {
	switch {
	case p.RotationInterval < 0 || p.PublishAhead < 0 || p.Retention < 0:
		return errors.New("keys: rotation durations must not be negative")
	case p.PublishAhead != 0 && p.PublishAhead < ActivationDelay:
		return fmt.Errorf("keys: keys must be published at least %s before they sign (every node re-reads keys every %s), not %s", ActivationDelay, RefreshInterval, p.PublishAhead)
	case p.RotationInterval != 0 && p.RotationInterval <= p.withDefaults().PublishAhead:
		return fmt.Errorf("keys: the rotation interval (%s) must be longer than the publish-ahead time (%s)", p.RotationInterval, p.withDefaults().PublishAhead)
	}
	return nil
}

// withDefaults fills the zero durations that have defaults.
func (p Policy) withDefaults() Policy {
	if p.PublishAhead == 0 {
		p.PublishAhead = DefaultPublishAhead
	}
	if p.Retention == 0 {
		p.Retention = DefaultRetention
	}
	return p
}

// KeyInfo describes one stored key, without its private half.
type KeyInfo struct {
	ID         string
	Algorithm  string
	Generation int64
	// State is StateNext, StateActive, StateRetired or StateExpired.
	State       string
	CreatedAt   time.Time
	ActivatesAt time.Time
	// RetiresAt is when the next key of the algorithm takes over (zero
	// while none is stored), and ExpiresAt when the key leaves the JWKS:
	// RetiresAt plus Retention (zero with RetiresAt).
	RetiresAt time.Time
	ExpiresAt time.Time
	// Retention is the longer of the retention stored with the key (the
	// longest of the nodes that may have signed with it) and this node's
	// policy's.
	Retention time.Duration
}

// info computes k's state and dates at now, for a node whose own retention
// is retention.
func (snap *snapshot) info(k *key, now time.Time, retention time.Duration) KeyInfo {
	ki := KeyInfo{ID: k.stored.ID, Algorithm: k.stored.Algorithm, Generation: k.stored.Generation,
		CreatedAt: k.stored.CreatedAt, ActivatesAt: k.stored.ActivatesAt, Retention: max(k.stored.Retention, retention)}
	ks := snap.byAlg[k.stored.Algorithm]
	i := slices.Index(ks, k)
	if i+1 < len(ks) {
		ki.RetiresAt = ks[i+1].stored.ActivatesAt
		ki.ExpiresAt = ki.RetiresAt.Add(ki.Retention)
	}
	switch signing := snap.signing(k.stored.Algorithm, now); {
	case k == signing:
		ki.State = StateActive
	case k.stored.ActivatesAt.After(now):
		ki.State = StateNext
	case now.Before(ki.ExpiresAt):
		ki.State = StateRetired
	default:
		ki.State = StateExpired
	}
	return ki
}

// Keys describes every stored key in generation order, oldest first, with
// its state now.
func (s *Set) Keys() []KeyInfo {
	snap, now := s.current.Load(), s.now()
	out := make([]KeyInfo, len(snap.keys))
	for i, k := range snap.keys {
		out[i] = snap.info(k, now, s.policy.Retention)
	}
	return out
}

// Policy returns the set's policy, defaults filled in.
func (s *Set) Policy() Policy { return s.policy }

// Activation says when the keys Rotate adds start signing.
type Activation int

const (
	// AfterPublishing activates the new keys ActivationDelay after they
	// are stored, by when every node has re-read the store and publishes
	// them: no node signs with a key another node does not yet publish.
	// Until then the keys they replace keep signing.
	AfterPublishing Activation = iota
	// Immediately activates the new keys at once on this node, which
	// publishes them from Rotate's return; other nodes publish and sign
	// with them after their next refresh, within RefreshInterval, so a
	// token this node signs meanwhile may meet another node's key set
	// without its key. Keys of the algorithm stored to activate later
	// (an earlier rotation's, the schedule's) are withdrawn, so that the
	// new key goes on signing. It is for a key that must stop signing now
	// (a suspected compromise), and for tests.
	Immediately
)

// Rotate adds a new key for each of algs (every supported algorithm when
// algs is empty), which activates as when says, and re-reads the store,
// so from its return this node publishes the new keys. Scheduled rotation
// (Policy) publishes keys far further ahead, for relying parties that
// cache the key set. The keys replaced stay published for the policy's
// retention once the new ones activate. Rotate returns the new keys.
func (s *Set) Rotate(ctx context.Context, when Activation, algs ...string) ([]KeyInfo, error) {
	if len(algs) == 0 {
		algs = supported
	}
	for _, alg := range algs {
		if !slices.Contains(supported, alg) {
			return nil, fmt.Errorf("%w: %q (supported: %v)", ErrUnsupportedAlgorithm, alg, supported)
		}
	}
	var added []string
	for _, alg := range algs {
		k, err := s.add(ctx, alg, func(_ []sigil.SigningKey, now time.Time) (time.Time, bool) {
			if when == Immediately {
				return now, true
			}
			return now.Add(ActivationDelay), true
		})
		if err != nil {
			return nil, err
		}
		added = append(added, k.ID)
		if when == Immediately {
			if err := s.withdrawPending(ctx, k); err != nil {
				return nil, err
			}
		}
	}
	if err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	var out []KeyInfo
	for _, ki := range s.Keys() {
		if slices.Contains(added, ki.ID) {
			out = append(out, ki)
		}
	}
	return out, nil
}

// withdrawPending deletes the keys of k's algorithm that activate after
// k, which Immediately made active: a rotation by hand or a scheduled key
// stored before it would otherwise activate later and retire the key an
// operator rotated in at once, which is the key that must sign then.
// Those keys have signed nothing, so deleting them loses no token; other
// nodes stop publishing them at their next refresh. Scheduled rotation
// plans its next key from k.
func (s *Set) withdrawPending(ctx context.Context, k sigil.SigningKey) error {
	stored, err := s.store.ListSigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("keys: listing signing keys: %w", err)
	}
	for _, sk := range stored {
		if sk.Algorithm == k.Algorithm && sk.ID != k.ID && sk.ActivatesAt.After(k.ActivatesAt) {
			if err := s.store.DeleteSigningKey(ctx, sk.ID); err != nil {
				return fmt.Errorf("keys: withdrawing pending %s key %q: %w", sk.Algorithm, sk.ID, err)
			}
		}
	}
	return nil
}

// add stores a key of alg of the next generation to activate at the time
// plan returns, reading the store first and giving plan the keys read and
// the time the key is created at (one clock reading for both dates); plan
// says false when no key is needed after all (the store changed). When
// another node stored a key of the same generation meanwhile the store is
// read again and plan asked again, so racing nodes decide on the same keys
// and store one between them. It returns the stored key, or the zero key
// when plan said none is needed.
func (s *Set) add(ctx context.Context, alg string, plan func([]sigil.SigningKey, time.Time) (time.Time, bool)) (sigil.SigningKey, error) {
	const attempts = 5
	for attempt := 1; ; attempt++ {
		stored, err := s.store.ListSigningKeys(ctx)
		if err != nil {
			return sigil.SigningKey{}, fmt.Errorf("keys: listing signing keys: %w", err)
		}
		// Milliseconds are what the store keeps, so the key built is the
		// key stored.
		now := s.now().UTC().Truncate(time.Millisecond)
		activates, need := plan(stored, now)
		if !need {
			return sigil.SigningKey{}, nil
		}
		k, err := generate(s.systemSecret, alg, nextGeneration(stored), now, activates.UTC().Truncate(time.Millisecond))
		if err != nil {
			return sigil.SigningKey{}, err
		}
		k.Retention = s.retention()
		err = s.store.CreateSigningKey(ctx, k)
		switch {
		case err == nil:
			return k, nil
		case errors.Is(err, sigil.ErrConflict) && attempt < attempts:
			continue
		default:
			return sigil.SigningKey{}, fmt.Errorf("keys: storing %s signing key %q (generation %d): %w", alg, k.ID, k.Generation, err)
		}
	}
}

// rotateDue stores the next key of every algorithm whose active key has
// signed for RotationInterval minus PublishAhead, to activate
// RotationInterval after the active key did (or PublishAhead from now, if
// later). It decides from memory first, so a refresh with nothing due
// costs no statement, then again from a fresh read of the store under the
// unique generation (see add), so of the nodes that find a key due at the
// same moment one stores it and the others see it: one new key per
// algorithm per period. It returns the keys it stored.
func (s *Set) rotateDue(ctx context.Context) ([]sigil.SigningKey, error) {
	p := s.policy
	if p.RotationInterval <= 0 {
		return nil, nil
	}
	due := func(latest time.Time, now time.Time) bool {
		return !latest.After(now) && !now.Before(latest.Add(p.RotationInterval-p.PublishAhead))
	}
	snap := s.current.Load()
	var added []sigil.SigningKey
	for _, alg := range supported {
		ks := snap.byAlg[alg]
		if len(ks) == 0 || !due(ks[len(ks)-1].stored.ActivatesAt, s.now()) {
			continue
		}
		k, err := s.add(ctx, alg, func(stored []sigil.SigningKey, now time.Time) (time.Time, bool) {
			var latest time.Time
			for _, sk := range stored {
				if sk.Algorithm == alg && sk.ActivatesAt.After(latest) {
					latest = sk.ActivatesAt
				}
			}
			if latest.IsZero() || !due(latest, now) {
				return time.Time{}, false
			}
			return later(latest.Add(p.RotationInterval), now.Add(p.PublishAhead)), true
		})
		if err != nil {
			return added, err
		}
		if k.ID != "" {
			added = append(added, k)
		}
	}
	return added, nil
}

// retention is the policy's retention as the store keeps it: rounded up to
// the millisecond, so that a key whose stored retention is this node's
// reads as such and is not raised again at every refresh.
func (s *Set) retention() time.Duration {
	r := s.policy.Retention
	if rem := r % time.Millisecond; rem != 0 {
		r += time.Millisecond - rem
	}
	return r
}

// claimRetention raises, in the store and in stored, the retention of every
// key of stored that this node may sign with (see retiredBy) to this node's,
// where it is shorter: one UPDATE per such key, so none once every node
// has claimed the key. It runs before the keys enter a snapshot, so no
// token is signed with a key whose stored retention is shorter than the
// signer's lifetimes: a node configured with shorter ones keeps publishing
// the key, and does not delete it, until that token has expired.
func (s *Set) claimRetention(ctx context.Context, stored []sigil.SigningKey) error {
	r, now := s.retention(), s.now()
	for i, sk := range stored {
		if sk.Retention >= r || retiredBy(stored, sk, now) {
			continue
		}
		if err := s.store.ExtendSigningKeyRetention(ctx, sk.ID, r); err != nil {
			return fmt.Errorf("keys: recording the retention of signing key %q: %w", sk.ID, err)
		}
		stored[i].Retention = r
	}
	return nil
}

// retiredBy reports whether k is retired at now among stored: a key of its
// algorithm that comes after it (activationOrder, which snapshot.signing
// follows) has activated. A node signs only with keys not retired.
func retiredBy(stored []sigil.SigningKey, k sigil.SigningKey, now time.Time) bool {
	for _, o := range stored {
		if o.Algorithm == k.Algorithm && !o.ActivatesAt.After(now) && activationOrder(o, k) > 0 {
			return true
		}
	}
	return false
}

// deleteExpired deletes from the store every key that expired (a retired
// key past its retention) at least ActivationDelay ago, and returns them.
// Such a key signs and verifies nothing and no node publishes it, so
// keeping it would only keep a private key (sealed, but usable with the
// system secret) for no use. ActivationDelay is the margin for a node
// whose clock is behind, which may still publish the key for that long.
// Every node does it; a key another node deleted first is no error.
func (s *Set) deleteExpired(ctx context.Context) ([]KeyInfo, error) {
	now := s.now()
	var deleted []KeyInfo
	for _, ki := range s.Keys() {
		if ki.State != StateExpired || ki.ExpiresAt.IsZero() || now.Before(ki.ExpiresAt.Add(ActivationDelay)) {
			continue
		}
		if err := s.store.DeleteSigningKey(ctx, ki.ID); err != nil {
			return deleted, fmt.Errorf("keys: deleting expired key %q: %w", ki.ID, err)
		}
		deleted = append(deleted, ki)
	}
	return deleted, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
