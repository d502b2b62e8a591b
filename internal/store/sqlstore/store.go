// Package sqlstore implements sigil.Store over database/sql, once, for every
// SQL database Sigil supports: the sqlite package opens it on SQLite and the
// postgres package on PostgreSQL, each with its own Dialect and migrations.
//
// Every method sends one SQL statement on its success path, so a whole login
// flow costs a handful of statements (see Statements). Transitions of an
// Authorization are single conditional writes, UPDATE ... WHERE <expected
// state> ... RETURNING, which is also what makes each step single use without
// transactions or locks: of two racing writers the database lets exactly one
// match. Only when such a write matches nothing does the Store spend a second
// statement to tell sigil.ErrNotFound from sigil.ErrConflict.
//
// Storage conventions, shared by every dialect's schema: times are BIGINT
// Unix milliseconds (UTC), with NULL for the zero time.Time; scopes are
// space-separated TEXT (scope tokens cannot contain spaces, RFC 6749 section
// 3.3); other string lists are JSON arrays in TEXT, and string maps JSON
// objects in TEXT (NULL when empty); hashes are BLOB/BYTEA, with NULL for an
// empty hash so that unique indexes skip them, and so are other lookup keys
// such as a refresh token family.
package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sigil-oidc/sigil"
)

// Store is a sigil.Store over a database/sql handle. It is safe for
// concurrent use.
type Store struct {
	// db sends the reads (SELECT), flow the flow writes (flowWrites) and
	// writer everything else; they are one handle unless the Store was
	// built with NewSplit or NewWith.
	db, writer, flow *sql.DB
	// flowWrites holds the query texts that go to flow.
	flowWrites map[string]bool
	dialect    Dialect
	q          queries
	// statements counts every statement sent, for Statements.
	statements atomic.Uint64
	// prepared holds a prepared *sql.Stmt for each query text sent so far
	// (a fixed set: the queries and one multi-row INSERT per batch size).
	// database/sql prepares it once per connection and reuses it; without
	// it the SQLite driver parses and plans every statement on every call,
	// which was a fifth of the token endpoint's CPU.
	prepared sync.Map // string -> *sql.Stmt
	// clientTokens joins concurrent CreateClientToken calls into one
	// multi-row INSERT (group commit; see batch.go).
	clientTokens *group[sigil.ClientToken]
	// insertClientTokens[n] is the INSERT of n client credentials tokens,
	// for n from 1 to maxTokenBatch.
	insertClientTokens []string
	// yield is runtime.Gosched; tests replace it (see yieldAfter).
	yield func()
	// deadline bounds every statement on the client's side (SetDeadline);
	// 0 leaves it to the caller's context.
	deadline time.Duration
}

// SetDeadline bounds each statement's round trip, from the wait for a
// connection to the last row read, to d (0: no bound but the caller's
// context). PostgreSQL's statement_timeout is enforced by the server, so
// it cannot end a statement whose server has stopped answering (a primary
// that hangs, or vanishes from the network without a reset, during a
// failover); the client-side deadline does, and the request fails with
// server_error instead of waiting for the kernel's TCP timeouts. Call it
// before the Store is used.
func (s *Store) SetDeadline(d time.Duration) { s.deadline = d }

// WritesInWith reports whether the Store writes a step and its session in
// one statement (WITH holding INSERT and UPDATE: PostgreSQL), rather than
// in two of one transaction (SQLite). The storage suite counts statements
// by it.
func (s *Store) WritesInWith() bool { return s.dialect.WritesInWith }

// bounded is ctx with the statement deadline, if the Store has one.
func (s *Store) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.deadline <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.deadline)
}

var _ sigil.Store = (*Store)(nil)

// New returns a Store over db, which must already hold the schema (see the
// migrations of the sqlite and postgres packages). The Store owns db from
// then on: Close closes it.
func New(db *sql.DB, d Dialect) *Store { return NewSplit(db, db, d) }

// NewSplit is New with the writes sent through their own handle: every
// statement that is not a SELECT goes to writer, the reads to db. SQLite
// lets one connection write at a time, and a connection that finds the
// write lock taken sleeps in its busy handler (1 ms, then 2, 5, 10 ms and
// more) rather than waiting its turn, so four pooled connections writing
// at once left the cores idle and the latency long. A writer pool of one
// connection makes the writes queue in database/sql instead, first come
// first served and woken the moment the connection is free, while the
// reads still run alongside (WAL). The Store owns both handles.
func NewSplit(db, writer *sql.DB, d Dialect) *Store {
	return NewWith(Handles{Read: db, Write: writer}, d)
}

// Handles are the database handles of a Store. Read and Write are
// required and may be one handle; Flow is optional, and nil sends the flow
// writes to Write.
type Handles struct {
	// Read takes the SELECTs.
	Read *sql.DB
	// Write takes every other statement but the flow writes.
	Write *sql.DB
	// Flow takes the flow writes (see flowWriteQueries): on PostgreSQL a
	// pool whose commits do not wait for the write-ahead log to reach the
	// disk (synchronous_commit=off).
	Flow *sql.DB
}

// NewWith is New with each kind of statement sent through its own handle
// (see Handles). The Store owns the handles: Close closes each once.
func NewWith(h Handles, d Dialect) *Store {
	if h.Flow == nil {
		h.Flow = h.Write
	}
	q := buildQueries(d)
	s := &Store{db: h.Read, writer: h.Write, flow: h.Flow, dialect: d, q: q, flowWrites: map[string]bool{}, yield: runtime.Gosched}
	for _, query := range flowWriteQueries(q) {
		s.flowWrites[query] = true
	}
	s.clientTokens = &group[sigil.ClientToken]{maxBatch: maxTokenBatch, write: s.writeClientTokens}
	s.insertClientTokens = make([]string, maxTokenBatch+1)
	s.insertClientTokens[1] = s.q.createClientToken
	for n := 2; n <= maxTokenBatch; n++ {
		s.insertClientTokens[n] = multiRowInsert(d, clientTokenInsert, clientTokenRow, n)
	}
	return s
}

// Statements reports how many SQL statements the Store has sent since it was
// built, failure paths included. It is the unit of Sigil's performance
// budget (a whole login flow in at most eight statements), which benchmarks
// and the conformance suite check through the optional interface
// interface{ Statements() uint64 }, so that it stays out of sigil.Store.
//
// It counts statements actually sent: the one multi-row INSERT that stores
// the client credentials tokens of several concurrent requests (group
// commit) counts once, so under concurrency that grant costs less than one
// statement per request on average, and exactly one when alone. Preparing
// a statement, once per connection and query, is not counted.
func (s *Store) Statements() uint64 { return s.statements.Load() }

// Close closes the prepared statements and the database handle.
func (s *Store) Close() error {
	s.prepared.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	err := s.db.Close()
	if s.writer != s.db {
		err = errors.Join(err, s.writer.Close())
	}
	if s.flow != s.db && s.flow != s.writer {
		err = errors.Join(err, s.flow.Close())
	}
	return err
}

// handle returns the database handle query goes through: db for a read,
// flow for a flow write, writer for anything else (INSERT, UPDATE, DELETE,
// and a WITH that may hold one). Sending a read to the writer would only be
// slower; sending a write to db would be the contention NewSplit removes.
func (s *Store) handle(query string) *sql.DB {
	switch {
	case isRead(query):
		return s.db
	case s.flowWrites[query]:
		return s.flow
	default:
		return s.writer
	}
}

// flowWriteQueries are the flow writes: the statements that record how far
// a sign-in has come, before any credential is issued, and the session it
// opens. Losing the last of them, in a database crash before they reached
// the disk, can only make sign-ins under way fail and start again: a flow
// found in an earlier state, or not at all, refuses the step that expected
// the later one, and a session that is gone is not honoured. It can never
// grant more: each of these writes moves a flow forward or records that a
// person signed in, and none records a refusal, a revocation or a use.
//
// Everything else waits for the disk: the code exchange and the refresh
// (their single use is what the write records), every token stored, every
// refusal (reject), revocation and ended session, remembered consents
// (a later, narrower one must not be lost), clients and signing keys. The code issued
// by grant is a credential, but it is worth nothing without the exchange,
// which reads the row: a lost grant makes the exchange fail with
// invalid_grant. A commit that waits also makes every earlier commit
// durable (the log is written in order), so the exchange's commit secures
// the flow writes before it.
func flowWriteQueries(q queries) []string {
	return []string{
		q.createAuthorization,
		q.challenge,
		q.authenticate,
		q.authenticateOpening,
		q.authenticateRenewing,
		q.resume,
		q.grant,
		q.grantRecording,
		q.sessions.create,
		q.sessions.renew,
		q.sessions.record,
	}
}

// isRead reports whether query starts with SELECT (case-insensitively,
// after leading white space).
func isRead(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n")
	return len(q) >= 6 && strings.EqualFold(q[:6], "SELECT")
}

// stmt returns the prepared statement for query, preparing it on first use.
// A failed preparation returns nil, and the caller sends query unprepared,
// which reports the error the usual way.
func (s *Store) stmt(ctx context.Context, query string) *sql.Stmt {
	if v, ok := s.prepared.Load(query); ok {
		return v.(*sql.Stmt)
	}
	st, err := s.handle(query).PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if v, loaded := s.prepared.LoadOrStore(query, st); loaded {
		st.Close() // another caller prepared it first
		return v.(*sql.Stmt)
	}
	return st
}

// yieldAfter yields the processor (runtime.Gosched) after query has run and
// given its connection back, when query is a write and every write goes
// through one connection (Dialect.OneWriter, SQLite).
//
// database/sql hands a released connection straight to a goroutine that
// waits for it and makes that goroutine runnable, but it runs only when a
// processor is free. Under load both are busy, and the goroutine that
// wrote went on with its request (for the token endpoint, an RSA signature
// of about 1 ms) while the next writer sat runnable with the only
// connection in hand and nobody wrote. Measured with database/sql's
// DBStats on the writer during flows-api (8 flows at once): about three
// goroutines waited for it at any moment (wait time over wall time), 0.45
// with the yield; whole flows ran 5-13% faster and client_credentials
// 11-20% (its batches grew). The goroutine that yields resumes after the
// ones runnable before it.
//
// Multi-row writes read through Rows (EndSessions, ClaimLogoutNotices) do
// not yield: they are not on a sign-in's path.
func (s *Store) yieldAfter(query string) {
	if !isRead(query) {
		s.yieldAfterWrite()
	}
}

// yieldAfterWrite is yieldAfter for a write known to be one (a transaction's
// commit).
func (s *Store) yieldAfterWrite() {
	if s.dialect.OneWriter {
		s.yield()
	}
}

// exec runs a statement that returns no rows. One whose text parameters
// no TEXT column can hold is not sent (see text.go): an INSERT fails with
// errUnstorableText, and any other statement affects no row, as it would
// if sent.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if !storableArgs(args) {
		if isInsert(query) {
			return nil, errUnstorableText
		}
		return driver.RowsAffected(0), nil
	}
	s.statements.Add(1)
	ctx, cancel := s.bounded(ctx)
	defer cancel()
	var (
		res sql.Result
		err error
	)
	if st := s.stmt(ctx, query); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = s.handle(query).ExecContext(ctx, query, args...)
	}
	s.yieldAfter(query)
	return res, err
}

// query runs a statement that returns rows. One whose text parameters no
// TEXT column can hold is not sent (see text.go): an INSERT fails with
// errUnstorableText, and any other statement returns no rows, as it would
// if sent.
func (s *Store) query(ctx context.Context, query string, args ...any) (*boundedRows, error) {
	if !storableArgs(args) {
		if isInsert(query) {
			return nil, errUnstorableText
		}
		return &boundedRows{cancel: func() {}}, nil
	}
	s.statements.Add(1)
	ctx, cancel := s.bounded(ctx)
	var (
		r   *sql.Rows
		err error
	)
	if st := s.stmt(ctx, query); st != nil {
		r, err = st.QueryContext(ctx, args...)
	} else {
		r, err = s.handle(query).QueryContext(ctx, query, args...)
	}
	if err != nil {
		cancel()
		return nil, err
	}
	return &boundedRows{Rows: r, cancel: cancel}, nil
}

// boundedRows is the *sql.Rows of query, whose Close also ends the statement's
// deadline. Its Rows is nil for a statement that was not sent because it
// could match nothing (see text.go): it then has no rows.
type boundedRows struct {
	*sql.Rows
	cancel context.CancelFunc
}

// Next is sql.Rows' Next; false at once when there are no rows.
func (r *boundedRows) Next() bool { return r.Rows != nil && r.Rows.Next() }

// Scan is sql.Rows' Scan.
func (r *boundedRows) Scan(dest ...any) error {
	if r.Rows == nil {
		return sql.ErrNoRows
	}
	return r.Rows.Scan(dest...)
}

// Err is sql.Rows' Err.
func (r *boundedRows) Err() error {
	if r.Rows == nil {
		return nil
	}
	return r.Rows.Err()
}

// Close closes the rows and releases the deadline's timer.
func (r *boundedRows) Close() error {
	var err error
	if r.Rows != nil {
		err = r.Rows.Close()
	}
	r.cancel()
	return err
}

// queryRow runs a statement that returns at most one row: a SELECT, or a
// write with RETURNING, whose Scan yields (see yieldAfter) once the row is
// read and the connection given back. One whose text parameters no TEXT
// column can hold is not sent (see text.go): its Scan returns
// sql.ErrNoRows, as it would if sent, or errUnstorableText for an INSERT.
func (s *Store) queryRow(ctx context.Context, query string, args ...any) row {
	if !storableArgs(args) {
		if isInsert(query) {
			return row{err: errUnstorableText}
		}
		return row{err: sql.ErrNoRows}
	}
	s.statements.Add(1)
	ctx, cancel := s.bounded(ctx)
	r := row{store: s, query: query, cancel: cancel}
	if st := s.stmt(ctx, query); st != nil {
		r.Row = st.QueryRowContext(ctx, args...)
	} else {
		r.Row = s.handle(query).QueryRowContext(ctx, query, args...)
	}
	return r
}

// row is the *sql.Row of queryRow, or, with Row nil, the error of a
// statement that was not sent.
type row struct {
	*sql.Row
	store  *Store
	query  string
	cancel context.CancelFunc // the statement's deadline, ended by Scan
	err    error              // Scan's error when Row is nil
}

// Scan is sql.Row's Scan, then yieldAfter.
func (r row) Scan(dest ...any) error {
	if r.Row == nil {
		return r.err
	}
	err := r.Row.Scan(dest...)
	r.cancel()
	r.store.yieldAfter(r.query)
	return err
}

// writeErr maps a failed write to the sigil errors: a broken unique
// constraint is ErrConflict and a missing referenced client is ErrNotFound.
// The driver error stays wrapped too, for logs.
func (s *Store) writeErr(what string, err error) error {
	switch {
	case s.dialect.uniqueViolation(err):
		return fmt.Errorf("%s: %s: %w (%w)", s.dialect.Name, what, sigil.ErrConflict, err)
	case s.dialect.foreignKeyViolation(err):
		return fmt.Errorf("%s: %s: client %w (%w)", s.dialect.Name, what, sigil.ErrNotFound, err)
	default:
		return fmt.Errorf("%s: %s: %w", s.dialect.Name, what, err)
	}
}

// millis encodes a time as Unix milliseconds, and the zero time as NULL.
func millis(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// fromMillis decodes what millis encoded, in UTC.
func fromMillis(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMilli(n.Int64).UTC()
}

// blob encodes a hash, with NULL for an empty one: unique indexes then skip
// authorizations that have no code or token yet.
func blob(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// text encodes a lookup key, with NULL for an empty one, for the same reason
// as blob.
func text(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// jsonMap encodes a string map as a JSON object, and an empty one as NULL.
func jsonMap(m map[string]string) any {
	if len(m) == 0 {
		return nil
	}
	b, _ := json.Marshal(m) // a map[string]string always marshals
	return string(b)
}

// parseMap decodes what jsonMap encoded; NULL and an empty object read as
// nil.
func parseMap(s sql.NullString) (map[string]string, error) {
	if !s.Valid || s.String == "" {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s.String), &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// jsonList encodes a string list as a JSON array ("[]" when empty).
func jsonList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l) // a []string always marshals
	return string(b)
}

// parseList decodes what jsonList encoded; an empty list reads as nil.
func parseList(s string) ([]string, error) {
	var l []string
	if s == "" {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, err
	}
	if len(l) == 0 {
		return nil, nil
	}
	return l, nil
}
