package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/sigil-oidc/sigil"
)

// SaveConsent remembers that c.Subject, owned by c.Address, granted c.Scope
// to c.ClientID, replacing an earlier decision (also one by a previous
// owner), in one INSERT ... ON CONFLICT DO UPDATE. An
// unknown client is sigil.ErrNotFound.
func (s *Store) SaveConsent(ctx context.Context, c sigil.Consent) error {
	if c.Subject == "" {
		return fmt.Errorf("%s: save consent: Subject is required", s.dialect.Name)
	}
	_, err := s.exec(ctx, s.q.saveConsent, c.ClientID, c.Subject, c.Address, c.Scope.String(), millis(c.GrantedAt))
	if err != nil {
		return s.writeErr("save consent", err)
	}
	return nil
}

// GetConsent reads the scopes subject granted clientID and asked to remember,
// or sigil.ErrNotFound. The scopes read back as stored, possibly empty.
func (s *Store) GetConsent(ctx context.Context, subject, clientID string) (sigil.Scopes, error) {
	var scope string
	err := s.queryRow(ctx, s.q.getConsent, clientID, subject).Scan(&scope)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: consent of %q for client %q: %w", s.dialect.Name, subject, clientID, sigil.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: get consent: %w", s.dialect.Name, err)
	}
	return sigil.ParseScopes(scope), nil
}

// ListSigningKeys returns every signing key in generation order, and an
// empty slice when there is none, in one SELECT: every node runs it every
// few seconds (see package keys).
func (s *Store) ListSigningKeys(ctx context.Context) ([]sigil.SigningKey, error) {
	rows, err := s.query(ctx, s.q.listSigningKeys)
	if err != nil {
		return nil, fmt.Errorf("%s: list signing keys: %w", s.dialect.Name, err)
	}
	defer rows.Close()
	out := []sigil.SigningKey{}
	for rows.Next() {
		var (
			k                             sigil.SigningKey
			created, activates, retention sql.NullInt64
		)
		if err := rows.Scan(&k.ID, &k.Algorithm, &k.Generation, &k.Sealed, &created, &activates, &retention); err != nil {
			return nil, fmt.Errorf("%s: list signing keys: %w", s.dialect.Name, err)
		}
		k.CreatedAt, k.ActivatesAt = fromMillis(created), fromMillis(activates)
		k.Retention = time.Duration(retention.Int64) * time.Millisecond // NULL: none recorded
		out = append(out, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: list signing keys: %w", s.dialect.Name, err)
	}
	return out, nil
}

// CreateSigningKey stores k in one INSERT. An existing id or generation
// breaks a unique constraint and is sigil.ErrConflict. ID, Generation,
// Sealed, CreatedAt and ActivatesAt are required; a zero Retention is
// stored as none recorded.
func (s *Store) CreateSigningKey(ctx context.Context, k sigil.SigningKey) error {
	if k.ID == "" || k.Generation < 1 || len(k.Sealed) == 0 || k.CreatedAt.IsZero() || k.ActivatesAt.IsZero() || k.Retention < 0 {
		return fmt.Errorf("%s: create signing key %q: ID, Generation (1 or more), Sealed, CreatedAt and ActivatesAt are required, and Retention may not be negative", s.dialect.Name, k.ID)
	}
	retention := sql.NullInt64{Int64: k.Retention.Milliseconds(), Valid: k.Retention > 0}
	_, err := s.exec(ctx, s.q.createSigningKey, k.ID, k.Algorithm, k.Generation, k.Sealed, k.CreatedAt.UnixMilli(), k.ActivatesAt.UnixMilli(), retention)
	if err != nil {
		return s.writeErr(fmt.Sprintf("create signing key %q (generation %d)", k.ID, k.Generation), err)
	}
	return nil
}

// ExtendSigningKeyRetention raises the key's retention to retention in one
// conditional UPDATE that matches nothing when it is already as long (or
// the key is gone), which is no error: a node runs it only when its own
// retention is longer than the one it read.
func (s *Store) ExtendSigningKeyRetention(ctx context.Context, id string, retention time.Duration) error {
	if retention <= 0 {
		return fmt.Errorf("%s: extend signing key %q: the retention must be positive, not %s", s.dialect.Name, id, retention)
	}
	ms := retention.Milliseconds()
	if _, err := s.exec(ctx, s.q.extendSigningKeyRetention, ms, id, ms); err != nil {
		return fmt.Errorf("%s: extend signing key %q's retention: %w", s.dialect.Name, id, err)
	}
	return nil
}

// DeleteSigningKey deletes the key id in one DELETE; a key already gone is
// no error.
func (s *Store) DeleteSigningKey(ctx context.Context, id string) error {
	if _, err := s.exec(ctx, s.q.deleteSigningKey, id); err != nil {
		return fmt.Errorf("%s: delete signing key %q: %w", s.dialect.Name, id, err)
	}
	return nil
}

// The cleanup deletes in batches: a DELETE removes at most
// cleanupBatchOneWriter rows on a store with one writing connection
// (SQLite) and cleanupBatchPooled on one with a pool (PostgreSQL), and
// waits at least cleanupPause between two. On SQLite a batch holds the only
// writer, and every sign-in of the moment waits behind it: one DELETE of a
// whole backlog held it for hundreds of milliseconds, long enough for
// admission control (a 50 ms queue) to refuse sign-ins. Batches of 500
// still held it too long on a large file under load: in a 10-minute soak
// by hand (whole flows, the soak's 15-second cleanup, on the 131 MB file a
// run of the benchmark's scenarios leaves), writes waited up to 81 ms
// behind the cleanup and the checkpoints it feeds, 750 of them over 25 ms;
// with batches of 100 the longest wait was 38 ms and 257 waited over
// 25 ms, and the soak ran 664 flows/s at a p99 of 25.7 ms against 630/s
// and 30.0 ms. (A 2 ms pause with batches of 100 gave back most of it: 731
// writes over 25 ms, the longest 78 ms, the checkpoints' step on the
// writer up to 69 ms.) On PostgreSQL a DELETE locks only its own rows, so
// batches stay larger there.
//
// The pause is also at least cleanupYield times as long as the batch took,
// so that a backlog (a burst of tokens expiring together, or a node that
// was down) takes at most a third of the writer's time while the sign-ins
// of the moment take the rest. An idle SQLite store clears 48,000 expired
// client credentials tokens in about 3 s in batches of 100 (15,500 rows a
// second; 41,000 in batches of 500), far above the rate at which sign-ins
// add rows (about 1,300 a second, flows and sessions, at 660 sign-ins a
// second).
const (
	cleanupBatchOneWriter = 100
	cleanupBatchPooled    = 500
	cleanupPause          = 5 * time.Millisecond
	cleanupYield          = 2
)

// cleanupBatch is how many rows one cleanup DELETE of d removes.
func (d Dialect) cleanupBatch() int {
	if d.OneWriter {
		return cleanupBatchOneWriter
	}
	return cleanupBatchPooled
}

// cleanupPauseAfter is the pause after a batch that took took.
func cleanupPauseAfter(took time.Duration) time.Duration {
	return max(cleanupPause, cleanupYield*took)
}

// DeleteExpired deletes, in DELETEs of at most cleanupBatch rows each, every
// authorization that is over by cutoff: ExpiresAt, and CodeExpiresAt,
// AccessTokenExpiresAt and RefreshTokenExpiresAt where set, are all before
// cutoff (purgeAt), so a live refresh token keeps its authorization. It
// returns how many rows went.
func (s *Store) DeleteExpired(ctx context.Context, cutoff time.Time) (int64, error) {
	ms := cutoff.UnixMilli()
	n, err := s.deleteInBatches(ctx, s.q.deleteExpired, ms)
	if err != nil {
		return n, fmt.Errorf("%s: delete expired: %w", s.dialect.Name, err)
	}
	// Sessions that expired or ended go too (sessions.go).
	sessions, err := s.deleteOverSessions(ctx, cutoff)
	if err != nil {
		return n, err
	}
	return n + sessions, nil
}

// deleteInBatches runs query, a DELETE of at most cleanupBatch rows, until
// it deletes fewer, pausing between two for cleanupPauseAfter the batch's
// time so that the writes queued behind a batch go first. It returns how
// many rows went.
func (s *Store) deleteInBatches(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	for {
		began := time.Now()
		res, err := s.exec(ctx, query, args...)
		if err != nil {
			return n, err
		}
		batch, err := res.RowsAffected()
		if err != nil {
			return n, err
		}
		n += batch
		if batch < int64(s.dialect.cleanupBatch()) {
			return n, nil
		}
		select {
		case <-ctx.Done():
			return n, ctx.Err()
		case <-time.After(cleanupPauseAfter(time.Since(began))):
		}
	}
}
