package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sigil-oidc/sigil"
)

// sessionColumns are the columns of the sessions table in the order
// sessionRow reads them.
const sessionColumns = "id, subject, address, auth_time, expires_at, clients, ended_at"

// sessionQueries are the statements of the login sessions and of the
// consents as the person and the operator manage them.
type sessionQueries struct {
	create, renew, record, get, resume, list, end, endAll string
	listConsents, deleteConsent, revokeGrants             string
	deleteOver                                            string
	// flowLive reads whether the session a flow signed in with is live
	// (only after a grant matched nothing, to say why).
	flowLive string
}

// withClient is the SQL expression of the space-separated client list
// list with the client client (an SQL expression of no parameters) added,
// unless it is listed already or empty. The client is found in the list
// between spaces, its LIKE wildcards escaped in SQL.
func withClient(list, client string) string {
	return "CASE WHEN " + client + " = '' OR ' ' || " + list + " || ' ' LIKE" +
		" '% ' || REPLACE(REPLACE(REPLACE(" + client + ", '\\', '\\\\'), '%', '\\%'), '_', '\\_') || ' %' ESCAPE '\\'" +
		" THEN " + list + " ELSE TRIM(" + list + " || ' ' || " + client + ") END"
}

// renewOnConflict makes an INSERT of a session (its values named
// excluded.*) renew the live session of that id and person instead: the
// new sign-in time and expiry, and the client (excluded.clients, empty
// when the sign-in issued it no code) added unless listed. Its one
// parameter is the time the session must be live at.
var renewOnConflict = " ON CONFLICT (id) DO UPDATE SET auth_time = excluded.auth_time, expires_at = excluded.expires_at," +
	" clients = " + withClient("sessions.clients", "excluded.clients") +
	" WHERE sessions.subject = excluded.subject AND sessions.address = excluded.address" +
	" AND sessions.ended_at IS NULL AND sessions.expires_at > ?"

// renewable is the condition, added to a sign-in's UPDATE of its
// authorization, that the session it renews (the first parameter) is live
// at the second and is the person's: otherwise the sign-in changes
// nothing, and the caller signs in with a new session instead.
const renewable = " AND EXISTS (SELECT 1 FROM sessions rs WHERE rs.id = ? AND rs.subject = authorizations.subject" +
	" AND rs.address = authorizations.address AND rs.ended_at IS NULL AND rs.expires_at > ?)"

// sessionLive is the condition of a session that has neither ended nor expired at
// the parameter's time.
const sessionLive = "ended_at IS NULL AND expires_at > ?"

// grantable is the condition, added to the consent's grant, that the
// session the flow signed in with is still live (one more parameter, the
// time). A flow waiting at the consent step must not outlive its session:
// after a sign-out, "sign out everywhere" or an operator's revocation its
// code would carry the sid of a session that has ended, for which no
// back-channel logout would ever be sent (Back-Channel Logout 1.0 section
// 2.3 has the OP know every RP a live session signed in to), and whoever
// held the browser's cookies could still take it.
const grantable = " AND EXISTS (SELECT 1 FROM sessions gs WHERE gs.id = authorizations.session_id AND gs.ended_at IS NULL AND gs.expires_at > ?)"

func buildSessionQueries(d Dialect) sessionQueries {
	q := sessionQueries{
		create: "INSERT INTO sessions (id, subject, address, auth_time, expires_at, clients) VALUES (?, ?, ?, ?, ?, ?)",
		// renew is create for a session that exists (RenewSession): the
		// conflict on its id updates the sign-in time and expiry and adds
		// the client, only on a live session of the same person; any other
		// conflict changes nothing.
		renew: "INSERT INTO sessions (id, subject, address, auth_time, expires_at, clients) VALUES (?, ?, ?, ?, ?, ?)" +
			renewOnConflict,
		// record adds a client a code was issued to (the LIKE pattern of
		// resume, the client, the session) to a live session's list.
		record: "UPDATE sessions SET clients = CASE WHEN ' ' || clients || ' ' LIKE ? ESCAPE '\\' THEN clients" +
			" ELSE TRIM(clients || ' ' || ?) END WHERE id = ? AND ended_at IS NULL",
		get: "SELECT " + sessionColumns + " FROM sessions WHERE id = ?",
		// resume appends the client to the space-separated list unless it
		// is there (the LIKE pattern is the client id between spaces, its
		// wildcards escaped) or the person never consented to it, only on
		// a live session, and returns the consent the subject gave the
		// client: one statement checks the session, records the client
		// and reads what single sign-on needs. A client the person never
		// consented to learns nothing of them, not even through the
		// back-channel logout of this session (it carries sub), until a
		// code is issued to it (GrantAuthorization records it then).
		resume: "UPDATE sessions SET clients = CASE WHEN ' ' || clients || ' ' LIKE ? ESCAPE '\\'" +
			" OR NOT EXISTS (SELECT 1 FROM consents rc WHERE rc.client_id = ? AND rc.subject = sessions.subject AND rc.address = sessions.address)" +
			" THEN clients ELSE TRIM(clients || ' ' || ?) END" +
			" WHERE id = ? AND " + sessionLive +
			" RETURNING " + sessionColumns +
			", (SELECT cs.scope FROM consents cs WHERE cs.client_id = ? AND cs.subject = sessions.subject AND cs.address = sessions.address)",
		list:   "SELECT " + sessionColumns + " FROM sessions WHERE subject = ? AND " + sessionLive + " ORDER BY auth_time DESC, id",
		end:    "UPDATE sessions SET ended_at = ? WHERE id = ? AND " + sessionLive + " RETURNING " + sessionColumns,
		endAll: "UPDATE sessions SET ended_at = ? WHERE subject = ? AND " + sessionLive + " RETURNING " + sessionColumns,

		listConsents:  "SELECT client_id, subject, address, scope, granted_at FROM consents WHERE subject = ? ORDER BY client_id",
		deleteConsent: "DELETE FROM consents WHERE subject = ? AND client_id = ?",
		// revokeGrants revokes what was issued under the consent (unused
		// codes and tokens) and the person's flows to the client that wait
		// for a signature or at the consent step: those need no wallet any
		// more, so whoever holds the browser's cookies could otherwise
		// consent again after the revocation and get fresh tokens.
		revokeGrants: "UPDATE authorizations SET state = 'revoked'" +
			" WHERE client_id = ? AND subject = ? AND state IN ('challenged', 'authenticated', 'code_issued', 'exchanged')",
		// deleteOver deletes at most cleanupBatch sessions at a time, as
		// deleteExpired does authorizations (queries.go): one DELETE of a
		// whole wave of expired sessions held SQLite's writer long enough
		// for admission control to refuse sign-ins waiting behind it. It
		// finds them, oldest first, on the index of purgeSessionAt.
		flowLive: "SELECT 1 FROM authorizations a JOIN sessions s ON s.id = a.session_id" +
			" WHERE a.id = ? AND s.ended_at IS NULL AND s.expires_at > ?",
		deleteOver: "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE " + purgeSessionAt + " < ?" +
			" ORDER BY " + purgeSessionAt + " LIMIT " + strconv.Itoa(d.cleanupBatch()) + ")",
	}
	for _, p := range []*string{&q.create, &q.renew, &q.record, &q.get, &q.resume, &q.list, &q.end, &q.endAll,
		&q.listConsents, &q.deleteConsent, &q.revokeGrants, &q.deleteOver, &q.flowLive} {
		*p = d.rebind(*p)
	}
	return q
}

// CreateSession stores a live session in one INSERT; see sigil.Store.
func (s *Store) CreateSession(ctx context.Context, sess sigil.Session) error {
	if sess.ID == "" || sess.Subject == "" || sess.AuthTime.IsZero() || sess.ExpiresAt.IsZero() {
		return fmt.Errorf("%s: create session %q: ID, Subject, AuthTime and ExpiresAt are required", s.dialect.Name, sess.ID)
	}
	_, err := s.exec(ctx, s.q.sessions.create, sess.ID, sess.Subject, sess.Address,
		sess.AuthTime.UnixMilli(), sess.ExpiresAt.UnixMilli(), strings.Join(sess.Clients, " "))
	if err != nil {
		return s.writeErr("create session "+sess.ID, err)
	}
	return nil
}

// GetSession reads a session, live or ended, in one SELECT.
func (s *Store) GetSession(ctx context.Context, id string) (*sigil.Session, error) {
	var r sessionRow
	err := s.queryRow(ctx, s.q.sessions.get, id).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: session %q: %w", s.dialect.Name, id, sigil.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: get session %q: %w", s.dialect.Name, id, err)
	}
	return r.session(), nil
}

// ResumeSession checks that the session is live, records clientID in it and
// reads the remembered consent, all in one UPDATE ... RETURNING; see
// sigil.Store.
func (s *Store) ResumeSession(ctx context.Context, id, clientID string, now time.Time) (*sigil.Session, sigil.Scopes, error) {
	if clientID == "" || strings.ContainsAny(clientID, " ") {
		return nil, nil, fmt.Errorf("%s: resume session %q: client id %q is empty or has a space", s.dialect.Name, id, clientID)
	}
	var (
		r          sessionRow
		remembered sql.NullString
	)
	err := s.queryRow(ctx, s.q.sessions.resume, "% "+likeEscaper.Replace(clientID)+" %", clientID, clientID,
		id, now.UnixMilli(), clientID).Scan(append(r.dest(), &remembered)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, fmt.Errorf("%s: live session %q: %w", s.dialect.Name, id, sigil.ErrNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: resume session %q: %w", s.dialect.Name, id, err)
	}
	var scopes sigil.Scopes
	if remembered.Valid {
		scopes = sigil.ParseScopes(remembered.String)
	}
	return r.session(), scopes, nil
}

// likeEscaper escapes LIKE's wildcards and its escape character ('\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ListSessions reads subject's live sessions in one SELECT.
func (s *Store) ListSessions(ctx context.Context, subject string, now time.Time) ([]sigil.Session, error) {
	rows, err := s.query(ctx, s.q.sessions.list, subject, now.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("%s: list sessions: %w", s.dialect.Name, err)
	}
	return scanSessions(s.dialect.Name, "list sessions", rows)
}

// EndSession ends one live session with one UPDATE ... RETURNING.
func (s *Store) EndSession(ctx context.Context, id string, now time.Time) (*sigil.Session, error) {
	ms := now.UnixMilli()
	var r sessionRow
	err := s.queryRow(ctx, s.q.sessions.end, ms, id, ms).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: live session %q: %w", s.dialect.Name, id, sigil.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: end session %q: %w", s.dialect.Name, id, err)
	}
	return r.session(), nil
}

// EndSessions ends every live session of subject with one UPDATE ...
// RETURNING.
func (s *Store) EndSessions(ctx context.Context, subject string, now time.Time) ([]sigil.Session, error) {
	ms := now.UnixMilli()
	rows, err := s.query(ctx, s.q.sessions.endAll, ms, subject, ms)
	if err != nil {
		return nil, fmt.Errorf("%s: end sessions: %w", s.dialect.Name, err)
	}
	return scanSessions(s.dialect.Name, "end sessions", rows)
}

// ListConsents reads subject's consents in one SELECT.
func (s *Store) ListConsents(ctx context.Context, subject string) ([]sigil.Consent, error) {
	rows, err := s.query(ctx, s.q.sessions.listConsents, subject)
	if err != nil {
		return nil, fmt.Errorf("%s: list consents: %w", s.dialect.Name, err)
	}
	defer rows.Close()
	out := []sigil.Consent{}
	for rows.Next() {
		var (
			c       sigil.Consent
			scope   string
			granted sql.NullInt64
		)
		if err := rows.Scan(&c.ClientID, &c.Subject, &c.Address, &scope, &granted); err != nil {
			return nil, fmt.Errorf("%s: list consents: %w", s.dialect.Name, err)
		}
		c.Scope, c.GrantedAt = sigil.ParseScopes(scope), fromMillis(granted)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: list consents: %w", s.dialect.Name, err)
	}
	return out, nil
}

// RevokeConsent revokes the grants first, then forgets the consent: two
// statements, each idempotent, so a failure between them is repaired by
// calling again. See sigil.Store.
func (s *Store) RevokeConsent(ctx context.Context, subject, clientID string) error {
	if subject == "" {
		return fmt.Errorf("%s: revoke consent: %w", s.dialect.Name, sigil.ErrNotFound)
	}
	res, err := s.exec(ctx, s.q.sessions.revokeGrants, clientID, subject)
	if err != nil {
		return fmt.Errorf("%s: revoke consent: %w", s.dialect.Name, err)
	}
	revoked, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: revoke consent: %w", s.dialect.Name, err)
	}
	res, err = s.exec(ctx, s.q.sessions.deleteConsent, subject, clientID)
	if err != nil {
		return fmt.Errorf("%s: revoke consent: %w", s.dialect.Name, err)
	}
	deleted, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: revoke consent: %w", s.dialect.Name, err)
	}
	if revoked == 0 && deleted == 0 {
		return fmt.Errorf("%s: consent of %q for client %q: %w", s.dialect.Name, subject, clientID, sigil.ErrNotFound)
	}
	return nil
}

// purgeSessionAt is when a session is over: when it ended, or else when it
// expires, whichever is first (an ended_at of NULL compares as unknown, so
// CASE takes expires_at). It is the expression of the index
// sessions_purge_at, which migration 11 creates with the same text on each
// store.
const purgeSessionAt = "CASE WHEN ended_at < expires_at THEN ended_at ELSE expires_at END"

// deleteOverSessions deletes, in DELETEs of at most cleanupBatch rows,
// the sessions that expired or ended before cutoff, and returns how many.
func (s *Store) deleteOverSessions(ctx context.Context, cutoff time.Time) (int64, error) {
	ms := cutoff.UnixMilli()
	n, err := s.deleteInBatches(ctx, s.q.sessions.deleteOver, ms)
	if err != nil {
		return n, fmt.Errorf("%s: delete expired sessions: %w", s.dialect.Name, err)
	}
	return n, nil
}

// scanSessions reads every row of rows as a session and closes rows.
func scanSessions(db, what string, rows *boundedRows) ([]sigil.Session, error) {
	defer rows.Close()
	out := []sigil.Session{}
	for rows.Next() {
		var r sessionRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, fmt.Errorf("%s: %s: %w", db, what, err)
		}
		out = append(out, *r.session())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %s: %w", db, what, err)
	}
	return out, nil
}

// sessionRow receives the sessionColumns of one row.
type sessionRow struct {
	s                 sigil.Session
	authTime, expires int64
	clients           string
	ended             sql.NullInt64
}

func (r *sessionRow) dest() []any {
	return []any{&r.s.ID, &r.s.Subject, &r.s.Address, &r.authTime, &r.expires, &r.clients, &r.ended}
}

func (r *sessionRow) session() *sigil.Session {
	s := r.s
	s.AuthTime = time.UnixMilli(r.authTime).UTC()
	s.ExpiresAt = time.UnixMilli(r.expires).UTC()
	s.Clients = strings.Fields(r.clients)
	s.EndedAt = fromMillis(r.ended)
	return &s
}
