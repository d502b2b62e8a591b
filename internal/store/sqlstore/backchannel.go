package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sigil-oidc/sigil"
)

// maxNoticeBatch bounds the rows of one enqueue statement; a person's
// "sign out everywhere" rarely needs more, and more only means another
// statement.
const maxNoticeBatch = 100

// enqueueLogoutNotices builds the INSERT of n notices. It joins the rows
// with clients, so that the one statement keeps only the clients that
// registered a backchannel_logout_uri (and still exist), and ON CONFLICT DO
// NOTHING skips a session and client already queued. The rows come as a
// VALUES table, whose columns SQLite and PostgreSQL both name column1,
// column2, ...; the casts type PostgreSQL's parameters, which it would
// otherwise leave unknown inside VALUES. The SELECT keeps a WHERE clause,
// which SQLite needs to parse an upsert on INSERT ... SELECT.
func enqueueLogoutNotices(d Dialect, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO backchannel_logout_notices (id, client_id, session_id, subject, created_at, due_at)" +
		" SELECT v.column1, c.id, v.column3, v.column4, CAST(? AS BIGINT), CAST(? AS BIGINT) FROM (VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT))")
	}
	b.WriteString(") AS v JOIN clients c ON c.id = v.column2 WHERE c.backchannel_logout_uri <> ''" +
		" ON CONFLICT DO NOTHING")
	return d.rebind(b.String())
}

// EnqueueLogoutNotices stores the notices whose client registered a
// backchannel_logout_uri; see sigil.Store. It sends one statement per
// maxNoticeBatch notices, unprepared: its text depends on the count, and
// it runs only when sessions end.
func (s *Store) EnqueueLogoutNotices(ctx context.Context, notices []sigil.LogoutNotice, now time.Time) (int64, error) {
	for _, n := range notices {
		if n.ID == "" || n.ClientID == "" || n.Subject == "" {
			return 0, fmt.Errorf("%s: enqueue logout notice %q: ID, ClientID and Subject are required", s.dialect.Name, n.ID)
		}
	}
	var stored int64
	for len(notices) > 0 {
		batch := notices[:min(len(notices), maxNoticeBatch)]
		notices = notices[len(batch):]
		args := make([]any, 0, 2+4*len(batch))
		args = append(args, now.UnixMilli(), now.UnixMilli())
		for _, n := range batch {
			args = append(args, n.ID, n.ClientID, n.SessionID, n.Subject)
		}
		res, err := s.exec(ctx, enqueueLogoutNotices(s.dialect, len(batch)), args...)
		if err != nil {
			return stored, s.writeErr("enqueue logout notices", err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return stored, fmt.Errorf("%s: enqueue logout notices: %w", s.dialect.Name, err)
		}
		stored += k
	}
	return stored, nil
}

// ClaimLogoutNotices leases due notices with one UPDATE ... RETURNING; see
// sigil.Store.
func (s *Store) ClaimLogoutNotices(ctx context.Context, lease string, now, until time.Time, limit int) ([]sigil.LogoutNotice, error) {
	if lease == "" || limit < 1 || !until.After(now) {
		return nil, fmt.Errorf("%s: claim logout notices: a lease, a limit of 1 or more and a lease end after now are required", s.dialect.Name)
	}
	ms := now.UnixMilli()
	rows, err := s.query(ctx, s.q.claimLogoutNotices, until.UnixMilli(), lease, ms, ms, limit)
	if err != nil {
		return nil, fmt.Errorf("%s: claim logout notices: %w", s.dialect.Name, err)
	}
	defer rows.Close()
	var out []sigil.LogoutNotice
	for rows.Next() {
		var (
			n       sigil.LogoutNotice
			created int64
		)
		if err := rows.Scan(&n.ID, &n.ClientID, &n.SessionID, &n.Subject, &created, &n.Attempts, &n.LastError); err != nil {
			return nil, fmt.Errorf("%s: claim logout notices: %w", s.dialect.Name, err)
		}
		n.CreatedAt = time.UnixMilli(created).UTC()
		n.Lease = lease
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: claim logout notices: %w", s.dialect.Name, err)
	}
	return out, nil
}

// RescheduleLogoutNotice releases a claimed notice until due; see
// sigil.Store.
func (s *Store) RescheduleLogoutNotice(ctx context.Context, id, lease string, due time.Time, lastError string) error {
	res, err := s.exec(ctx, s.q.rescheduleLogoutNotice, due.UnixMilli(), lastError, id, lease)
	if err != nil {
		return fmt.Errorf("%s: reschedule logout notice %q: %w", s.dialect.Name, id, err)
	}
	return s.oneRow(res, "logout notice held under that lease", id)
}

// DeleteLogoutNotice removes a notice; see sigil.Store.
func (s *Store) DeleteLogoutNotice(ctx context.Context, id string) error {
	res, err := s.exec(ctx, s.q.deleteLogoutNotice, id)
	if err != nil {
		return fmt.Errorf("%s: delete logout notice %q: %w", s.dialect.Name, id, err)
	}
	return s.oneRow(res, "logout notice", id)
}
