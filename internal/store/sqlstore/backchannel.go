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

// claimLogoutNotices builds the claim of due notices, skipping the notices
// of except clients (a NOT IN list of as many parameters, left out when
// there are none). Its parameters: the new due_at (the lease's end), the
// lease, now twice, the except clients, perClient and the limit.
//
// The subquery picks the notices to take: it numbers each client's due
// notices, oldest due first (ROW_NUMBER over the client's partition, which
// SQLite and PostgreSQL both have), keeps the first perClient of each and,
// of those, the limit oldest due. SQLite finds the due rows on the due_at
// index and sorts them; the number of due rows, not the size of the table,
// bounds the work. The outer due_at check is what keeps two nodes from
// claiming one row on PostgreSQL: a writer that waited for another's row
// lock re-checks its own WHERE on the new row (READ COMMITTED), which is
// no longer due, while the IN subquery's result is not re-evaluated.
// SQLite runs one writer at a time.
//
// The text depends on the number of except clients (at most a worker's
// in-flight limit), so a Store prepares a handful of variants.
func claimLogoutNotices(d Dialect, except int) string {
	skip := ""
	if except > 0 {
		skip = " AND client_id NOT IN (" + params(except) + ")"
	}
	return d.rebind("UPDATE backchannel_logout_notices SET due_at = ?, lease = ?, attempts = attempts + 1" +
		" WHERE due_at <= ? AND id IN (SELECT id FROM (" +
		"SELECT id, due_at, ROW_NUMBER() OVER (PARTITION BY client_id ORDER BY due_at, id) AS nth" +
		" FROM backchannel_logout_notices WHERE due_at <= ?" + skip +
		") AS due WHERE nth <= ? ORDER BY due_at, id LIMIT ?)" +
		" RETURNING id, client_id, session_id, subject, created_at, attempts, last_error")
}

// ClaimLogoutNotices leases due notices with one UPDATE ... RETURNING
// (claimLogoutNotices); see sigil.Store.
func (s *Store) ClaimLogoutNotices(ctx context.Context, lease string, now, until time.Time, limit, perClient int, except []string) ([]sigil.LogoutNotice, error) {
	if lease == "" || limit < 1 || perClient < 1 || !until.After(now) {
		return nil, fmt.Errorf("%s: claim logout notices: a lease, a limit and a per-client limit of 1 or more and a lease end after now are required", s.dialect.Name)
	}
	ms := now.UnixMilli()
	args := make([]any, 0, 6+len(except))
	args = append(args, until.UnixMilli(), lease, ms, ms)
	for _, c := range except {
		args = append(args, c)
	}
	args = append(args, perClient, limit)
	rows, err := s.query(ctx, claimLogoutNotices(s.dialect, len(except)), args...)
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
