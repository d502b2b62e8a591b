package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sigil-oidc/sigil"
)

// CreateAuthorization inserts a (state requested). Every other field is
// stored as given, so a record round-trips whole; a.State must be empty or
// requested. ExpiresAt is required: it bounds the login steps and lets
// DeleteExpired reclaim the row. An existing id is sigil.ErrConflict and an
// unknown client sigil.ErrNotFound.
func (s *Store) CreateAuthorization(ctx context.Context, a *sigil.Authorization) error {
	if a.State != "" && a.State != sigil.StateRequested {
		return fmt.Errorf("%s: create authorization %q: state %s, want %s", s.dialect.Name, a.ID, a.State, sigil.StateRequested)
	}
	if a.ExpiresAt.IsZero() {
		return fmt.Errorf("%s: create authorization %q: ExpiresAt is required", s.dialect.Name, a.ID)
	}
	args := authorizationArgs(a)
	if _, err := s.exec(ctx, s.q.createAuthorization, args...); err != nil {
		return s.writeErr("create authorization "+a.ID, err)
	}
	return nil
}

// GetAuthorization reads an authorization with one SELECT that also joins
// its client (name, logo and links, for the pages) and the consent its
// subject gave that client.
func (s *Store) GetAuthorization(ctx context.Context, id string) (*sigil.Authorization, error) {
	var (
		r                                 authorizationRow
		name, logo, uri, policy, tos, rem sql.NullString
	)
	err := s.queryRow(ctx, s.q.getAuthorization, id).Scan(append(r.dest(), &name, &logo, &uri, &policy, &tos, &rem)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: authorization %q: %w", s.dialect.Name, id, sigil.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: get authorization %q: %w", s.dialect.Name, id, err)
	}
	a, err := s.decode(&r)
	if err != nil {
		return nil, err
	}
	a.ClientName, a.ClientLogoURI = name.String, logo.String
	a.ClientURI, a.ClientPolicyURI, a.ClientTosURI = uri.String, policy.String, tos.String
	a.RememberedScope = sigil.ParseScopes(rem.String)
	return a, nil
}

// GetAuthorizationByAccessToken reads the exchanged authorization whose
// access token hashes to hash and is unexpired at now. Revoked, expired and
// unknown tokens are all sigil.ErrNotFound. The fields filled on read by
// GetAuthorization are left empty.
func (s *Store) GetAuthorizationByAccessToken(ctx context.Context, hash []byte, now time.Time) (*sigil.Authorization, error) {
	if len(hash) == 0 {
		return nil, fmt.Errorf("%s: access token: %w", s.dialect.Name, sigil.ErrNotFound)
	}
	var r authorizationRow
	err := s.queryRow(ctx, s.q.getByAccessToken, hash, now.UnixMilli()).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: access token: %w", s.dialect.Name, sigil.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: access token: %w", s.dialect.Name, err)
	}
	return s.decode(&r)
}

// ChallengeAuthorization records a sign-in challenge; see sigil.Store.
func (s *Store) ChallengeAuthorization(ctx context.Context, id string, browserHash []byte, ch sigil.Challenge, now time.Time) (*sigil.Authorization, error) {
	if ch.Nonce == "" || ch.ExpiresAt.IsZero() {
		return nil, fmt.Errorf("%s: challenge authorization %q: Nonce and ExpiresAt are required", s.dialect.Name, id)
	}
	var (
		r          authorizationRow
		remembered sql.NullString
	)
	err := s.queryRow(ctx, s.q.challenge, ch.Subject, ch.Address, ch.Nonce, millis(ch.IssuedAt), millis(ch.ExpiresAt),
		id, blob(browserHash), now.UnixMilli()).Scan(append(r.dest(), &remembered)...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.explain(ctx, id, browserHash, now, challengeFrom, nil)
	}
	if err != nil {
		return nil, s.writeErr("authorization "+id, err)
	}
	a, err := s.decode(&r)
	if err != nil {
		return nil, err
	}
	a.RememberedScope = sigil.ParseScopes(remembered.String)
	return a, nil
}

// AuthenticateAuthorization records a verified signature and, with
// auth.GrantedScope set, the code too, and with auth.Session the session
// the sign-in opens; see sigil.Store.
func (s *Store) AuthenticateAuthorization(ctx context.Context, id string, browserHash []byte, auth sigil.Authentication, now time.Time) (*sigil.Authorization, error) {
	state, err := s.signInState(id, auth)
	if err != nil {
		return nil, err
	}
	set := append([]any{string(state)}, signInArgs(auth)...)
	extra := []any{auth.ChallengeNonce, now.UnixMilli()}
	sess := auth.Session
	switch {
	case sess == nil:
		return s.transition(ctx, id, browserHash, now, s.q.authenticate, authenticateFrom, &auth.ChallengeNonce, set, extra...)
	case sess.ID == "" || sess.AuthTime.IsZero() || sess.ExpiresAt.IsZero():
		return nil, fmt.Errorf("%s: authenticate authorization %q: the session's ID, AuthTime and ExpiresAt are required", s.dialect.Name, id)
	}
	if auth.RenewSession {
		// The UPDATE matches only while the session is live and the
		// person's (renewable: two more parameters).
		extra = append(extra, sess.ID, now.UnixMilli())
	}
	if !s.dialect.WritesInWith {
		return s.authenticateOpeningInTx(ctx, id, browserHash, now, auth.ChallengeNonce,
			transitionArgs(id, browserHash, now, set, extra), sess, auth.RenewSession)
	}
	// One statement: the session's parameters follow the UPDATE's.
	query, sessArgs := s.q.authenticateOpening, []any{sess.ID, sess.AuthTime.UnixMilli(), sess.ExpiresAt.UnixMilli()}
	if auth.RenewSession {
		query, sessArgs = s.q.authenticateRenewing, append(sessArgs, now.UnixMilli())
	}
	return s.transition(ctx, id, browserHash, now, query, authenticateFrom, &auth.ChallengeNonce, set,
		append(extra, sessArgs...)...)
}

// authenticateOpeningInTx is AuthenticateAuthorization with a session
// where WITH cannot hold an INSERT (SQLite): the UPDATE and the session's
// INSERT (or its renewal) in one transaction (transitionInTx). args are
// the UPDATE's.
func (s *Store) authenticateOpeningInTx(ctx context.Context, id string, browserHash []byte, now time.Time, nonce string,
	args []any, sess *sigil.Session, renew bool) (*sigil.Authorization, error) {
	updateQuery, insertQuery := s.q.authenticate, s.q.sessions.create
	if renew {
		updateQuery, insertQuery = s.q.authenticateRenew, s.q.sessions.renew
	}
	return s.transitionInTx(ctx, id, browserHash, now, updateQuery, authenticateFrom, &nonce, args, insertQuery,
		func(a *sigil.Authorization) []any {
			client := "" // listed only when the sign-in issued it a code (issuedClient)
			if a.State == sigil.StateCodeIssued {
				client = a.ClientID
			}
			insertArgs := []any{sess.ID, a.Subject, a.Address, sess.AuthTime.UnixMilli(), sess.ExpiresAt.UnixMilli(), client}
			if renew {
				insertArgs = append(insertArgs, now.UnixMilli())
			}
			return insertArgs
		})
}

// transitionInTx is transition followed by a write to the sessions table,
// for a Dialect without WritesInWith (SQLite): the authorization's UPDATE
// (query, with args), then the statement then with the arguments thenArgs
// gives for the row it returned (none: no second statement), in one
// transaction on the flow writer, so that both are stored or neither.
func (s *Store) transitionInTx(ctx context.Context, id string, browserHash []byte, now time.Time,
	query string, from []sigil.AuthorizationState, nonce *string, args []any,
	then string, thenArgs func(*sigil.Authorization) []any) (*sigil.Authorization, error) {
	// Prepare both statements before the transaction takes the writer's
	// only connection, which preparing them needs.
	updateStmt, thenStmt := s.stmt(ctx, query), s.stmt(ctx, then)
	tx, err := s.flow.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.writeErr("authorization "+id, err)
	}
	defer tx.Rollback() // a no-op after Commit
	update, err := txStmt(ctx, tx, updateStmt, query)
	if err != nil {
		return nil, s.writeErr("authorization "+id, err)
	}
	var r authorizationRow
	s.statements.Add(1)
	err = update.QueryRowContext(ctx, args...).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		tx.Rollback() // before explain, which reads on another connection
		return nil, s.explain(ctx, id, browserHash, now, from, nonce)
	}
	if err != nil {
		return nil, s.writeErr("authorization "+id, err)
	}
	a, err := s.decode(&r)
	if err != nil {
		return nil, err
	}
	if targs := thenArgs(a); targs != nil {
		stmt, err := txStmt(ctx, tx, thenStmt, then)
		if err != nil {
			return nil, s.writeErr("session of authorization "+id, err)
		}
		s.statements.Add(1)
		if _, err := stmt.ExecContext(ctx, targs...); err != nil {
			return nil, s.writeErr("session of authorization "+id, err)
		}
	}
	err = tx.Commit()
	s.yieldAfterWrite()
	if err != nil {
		return nil, s.writeErr("authorization "+id, err)
	}
	return a, nil
}

// txStmt is the prepared statement st (see Store.stmt) bound to tx, or
// query prepared within tx when st is nil (its preparation failed, and
// this one's error is then the caller's).
func txStmt(ctx context.Context, tx *sql.Tx, st *sql.Stmt, query string) (*sql.Stmt, error) {
	if st != nil {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, query)
}

// GrantAuthorization records consent and issues the code; see sigil.Store.
func (s *Store) GrantAuthorization(ctx context.Context, id string, browserHash []byte, granted sigil.Scopes, codeHash []byte, codeExpiresAt, now time.Time) (*sigil.Authorization, error) {
	if len(codeHash) == 0 || codeExpiresAt.IsZero() {
		return nil, fmt.Errorf("%s: grant authorization %q: code hash and expiry are required", s.dialect.Name, id)
	}
	set := []any{granted.String(), codeHash, codeExpiresAt.UnixMilli()}
	var (
		a   *sigil.Authorization
		err error
	)
	if s.dialect.WritesInWith {
		a, err = s.transition(ctx, id, browserHash, now, s.q.grantRecording, grantFrom, nil, set, now.UnixMilli())
	} else {
		// SQLite: the grant, then the recording of its client in the
		// flow's session (sessions.record), in one transaction.
		a, err = s.transitionInTx(ctx, id, browserHash, now, s.q.grant, grantFrom, nil, transitionArgs(id, browserHash, now, set, []any{now.UnixMilli()}),
			s.q.sessions.record, func(a *sigil.Authorization) []any {
				return []any{"% " + likeEscaper.Replace(a.ClientID) + " %", a.ClientID, a.SessionID}
			})
	}
	if errors.Is(err, sigil.ErrConflict) && !s.flowSessionLive(ctx, id, now) {
		return nil, fmt.Errorf("%s: authorization %q: %w (%w)", s.dialect.Name, id, sigil.ErrSessionEnded, err)
	}
	return a, err
}

// flowSessionLive reports whether the session flow id signed in with is
// live: read only when a grant matched nothing, to say why. A read error
// counts as live, leaving the grant's own error to speak.
func (s *Store) flowSessionLive(ctx context.Context, id string, now time.Time) bool {
	var one int
	err := s.queryRow(ctx, s.q.sessions.flowLive, id, now.UnixMilli()).Scan(&one)
	return !errors.Is(err, sql.ErrNoRows)
}

// RejectAuthorization records that the person declined; see sigil.Store.
func (s *Store) RejectAuthorization(ctx context.Context, id string, browserHash []byte, now time.Time) (*sigil.Authorization, error) {
	return s.transition(ctx, id, browserHash, now, s.q.reject, rejectFrom, nil, nil)
}

// ResumeAuthorization signs a requested authorization in from an existing
// session; see sigil.Store.
func (s *Store) ResumeAuthorization(ctx context.Context, id string, browserHash []byte, auth sigil.Authentication, now time.Time) (*sigil.Authorization, error) {
	if auth.Subject == "" {
		return nil, fmt.Errorf("%s: resume authorization %q: Subject is required", s.dialect.Name, id)
	}
	state, err := s.signInState(id, auth)
	if err != nil {
		return nil, err
	}
	return s.transition(ctx, id, browserHash, now, s.q.resume, resumeFrom, nil,
		append([]any{string(state), auth.Subject, auth.Address}, signInArgs(auth)...))
}

// ExchangeCode redeems a code with one conditional UPDATE; see sigil.Store.
// The same UPDATE stores the first refresh token when ex carries one: its
// family, hash and expiry are all set or all empty. When it matches nothing,
// a second UPDATE revokes the authorization if its code was already
// exchanged (a replay, RFC 9700 section 4.5) and the replay comes from the
// code's own client, proven (revokeReplayed): from then on its access token
// no longer reads and its refresh token no longer refreshes. A used code
// presented by anyone else is ErrNotFound and changes nothing, so that
// nobody can revoke another client's grant with a code they saw.
func (s *Store) ExchangeCode(ctx context.Context, ex sigil.CodeExchange, now time.Time) (*sigil.Authorization, error) {
	if len(ex.AccessTokenHash) == 0 || ex.AccessTokenExpiresAt.IsZero() {
		return nil, fmt.Errorf("%s: exchange code: access token hash and expiry are required", s.dialect.Name)
	}
	if refresh := ex.RefreshFamily != ""; refresh != (len(ex.RefreshTokenHash) > 0) || refresh != !ex.RefreshTokenExpiresAt.IsZero() {
		return nil, fmt.Errorf("%s: exchange code: refresh family, hash and expiry must be set together", s.dialect.Name)
	}
	if len(ex.CodeHash) == 0 {
		return nil, fmt.Errorf("%s: code: %w", s.dialect.Name, sigil.ErrNotFound)
	}
	var r authorizationRow
	err := s.queryRow(ctx, s.q.exchange,
		ex.AccessTokenHash, ex.AccessTokenExpiresAt.UnixMilli(), joinList(ex.Audience), now.UnixMilli(),
		text(ex.RefreshFamily), blob(ex.RefreshTokenHash), millis(ex.RefreshTokenExpiresAt),
		ex.CodeHash, ex.ClientID, ex.RedirectURI, now.UnixMilli(),
		ex.S256Challenge, ex.PlainChallenge,
	).Scan(r.dest()...)
	if err == nil {
		return s.decode(&r)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, s.writeErr("exchange code", err)
	}

	var id string
	err = s.queryRow(ctx, s.q.revokeReplayed, ex.CodeHash, ex.ClientID, ex.S256Challenge, ex.PlainChallenge).Scan(&id)
	switch {
	case err == nil:
		return nil, fmt.Errorf("%s: code of authorization %q replayed, authorization revoked: %w", s.dialect.Name, id, sigil.ErrConflict)
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("%s: code: %w", s.dialect.Name, sigil.ErrNotFound)
	default:
		return nil, fmt.Errorf("%s: exchange code: %w", s.dialect.Name, err)
	}
}

// RefreshAuthorization rotates the refresh and access tokens with one
// conditional UPDATE; see sigil.Store. A non-empty ex.Scope must equal the
// stored granted scope as a string, in the same UPDATE. When it matches
// nothing, a second UPDATE revokes the authorization if ex.Family is live,
// belongs to ex.ClientID and holds another refresh token than the one
// presented: the presented token is then an older one of the family, reused
// (RFC 9700 section 4.14.2), and the result is sigil.ErrConflict. An expired
// current token, a current token with another scope, a token of a revoked
// family, another client's family and an unknown family are all
// sigil.ErrNotFound and change nothing.
func (s *Store) RefreshAuthorization(ctx context.Context, ex sigil.RefreshExchange, now time.Time) (*sigil.Authorization, error) {
	if len(ex.NewRefreshTokenHash) == 0 || ex.NewRefreshTokenExpiresAt.IsZero() ||
		len(ex.AccessTokenHash) == 0 || ex.AccessTokenExpiresAt.IsZero() {
		return nil, fmt.Errorf("%s: refresh: new refresh and access token hashes and expiries are required", s.dialect.Name)
	}
	if ex.Family == "" || len(ex.TokenHash) == 0 {
		return nil, fmt.Errorf("%s: refresh token: %w", s.dialect.Name, sigil.ErrNotFound)
	}
	var r authorizationRow
	err := s.queryRow(ctx, s.q.refresh,
		ex.NewRefreshTokenHash, ex.NewRefreshTokenExpiresAt.UnixMilli(),
		ex.AccessTokenHash, ex.AccessTokenExpiresAt.UnixMilli(), joinList(ex.Audience), now.UnixMilli(),
		ex.Family, ex.TokenHash, ex.ClientID, now.UnixMilli(), text(ex.Scope),
	).Scan(r.dest()...)
	if err == nil {
		return s.decode(&r)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, s.writeErr("refresh", err)
	}
	if ex.Unproven {
		return nil, fmt.Errorf("%s: refresh token: %w", s.dialect.Name, sigil.ErrNotFound)
	}

	var id string
	err = s.queryRow(ctx, s.q.revokeReused, ex.Family, ex.ClientID, ex.TokenHash).Scan(&id)
	switch {
	case err == nil:
		return nil, fmt.Errorf("%s: refresh token of authorization %q reused, authorization revoked: %w", s.dialect.Name, id, sigil.ErrConflict)
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("%s: refresh token: %w", s.dialect.Name, sigil.ErrNotFound)
	default:
		return nil, fmt.Errorf("%s: refresh: %w", s.dialect.Name, err)
	}
}

// RevokeToken revokes, with one UPDATE, the exchanged authorization of
// clientID whose current access or refresh token hashes to hash; see
// sigil.Store. A token that matches nothing (unknown, another client's,
// already revoked, or a rotated-out one) is not an error (RFC 7009 section
// 2.2).
func (s *Store) RevokeToken(ctx context.Context, hash []byte, clientID string) error {
	if len(hash) == 0 {
		return nil
	}
	if _, err := s.exec(ctx, s.q.revokeToken, hash, hash, clientID); err != nil {
		return fmt.Errorf("%s: revoke token: %w", s.dialect.Name, err)
	}
	return nil
}

// CreateClientToken stores a client credentials token; see sigil.Store.
// The row's scope and granted scope are both tok.Scope, and its expires_at
// is the token's, so that DeleteExpired, which reads expires_at and the
// token expiries, removes it once the token is over.
//
// Concurrent calls are group-committed: the tokens of the requests that
// arrive while a write is under way are stored together by the next one
// multi-row INSERT, a single statement and a single commit (see group). A
// call returns only once its own row is committed, and a lone call is
// written at once. When a batch breaks a constraint (a duplicate id or
// hash, an unknown client), which fails the whole statement, its rows are
// written again one by one, so that only the caller at fault gets
// ErrConflict or ErrNotFound. So are the rows of a batch that PostgreSQL
// ended to break a deadlock: two batches written at once (one node writes
// one batch at a time, but a fleet's nodes write theirs together) that
// hold the same keys in opposite orders wait on each other (only
// duplicates can do that, and one row alone cannot wait in a cycle).
func (s *Store) CreateClientToken(ctx context.Context, tok sigil.ClientToken) error {
	if tok.ID == "" || tok.ClientID == "" || len(tok.AccessTokenHash) == 0 || tok.IssuedAt.IsZero() || tok.ExpiresAt.IsZero() {
		return fmt.Errorf("%s: create client token: ID, ClientID, AccessTokenHash, IssuedAt and ExpiresAt are required", s.dialect.Name)
	}
	return s.clientTokens.do(ctx, tok)
}

// writeClientTokens is the group's write: one INSERT of every token, and on
// a broken constraint one INSERT per token.
func (s *Store) writeClientTokens(ctx context.Context, toks []sigil.ClientToken) []error {
	errs := make([]error, len(toks))
	err := s.insertTokens(ctx, toks)
	switch {
	case err == nil:
	case len(toks) == 1 && !s.dialect.deadlock(err):
		errs[0] = s.writeErr("create client token "+toks[0].ID, err)
	case s.dialect.uniqueViolation(err) || s.dialect.foreignKeyViolation(err) || s.dialect.deadlock(err):
		for i := range toks {
			if err := s.insertTokens(ctx, toks[i:i+1]); err != nil {
				errs[i] = s.writeErr("create client token "+toks[i].ID, err)
			}
		}
	default:
		for i := range toks {
			errs[i] = s.writeErr("create client token "+toks[i].ID, err)
		}
	}
	return errs
}

// insertTokens stores toks (1 to maxTokenBatch of them) with one INSERT.
func (s *Store) insertTokens(ctx context.Context, toks []sigil.ClientToken) error {
	args := make([]any, 0, 10*len(toks))
	for _, tok := range toks {
		scope := tok.Scope.String()
		iat, exp := tok.IssuedAt.UnixMilli(), tok.ExpiresAt.UnixMilli()
		args = append(args, tok.ID, tok.ClientID, scope, scope, iat, exp, tok.AccessTokenHash, exp, joinList(tok.Audience), iat)
	}
	_, err := s.exec(ctx, s.insertClientTokens[len(toks)], args...)
	return err
}

// GetAuthorizationByRefreshToken reads the exchanged authorization whose
// current refresh token hashes to hash and is unexpired at now, with one
// SELECT; see sigil.Store. Like GetAuthorizationByAccessToken it leaves the
// fields filled on read by GetAuthorization empty.
func (s *Store) GetAuthorizationByRefreshToken(ctx context.Context, hash []byte, now time.Time) (*sigil.Authorization, error) {
	if len(hash) == 0 {
		return nil, fmt.Errorf("%s: refresh token: %w", s.dialect.Name, sigil.ErrNotFound)
	}
	var r authorizationRow
	err := s.queryRow(ctx, s.q.getByRefreshToken, hash, now.UnixMilli()).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s: refresh token: %w", s.dialect.Name, sigil.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: refresh token: %w", s.dialect.Name, err)
	}
	return s.decode(&r)
}

// The states each transition accepts, as its UPDATE names them; explain uses
// them to word the conflict.
var (
	challengeFrom    = []sigil.AuthorizationState{sigil.StateRequested, sigil.StateChallenged}
	authenticateFrom = []sigil.AuthorizationState{sigil.StateChallenged}
	grantFrom        = []sigil.AuthorizationState{sigil.StateAuthenticated}
	rejectFrom       = []sigil.AuthorizationState{sigil.StateRequested, sigil.StateChallenged, sigil.StateAuthenticated}
	resumeFrom       = []sigil.AuthorizationState{sigil.StateRequested}
)

// transition runs one conditional UPDATE ... RETURNING: its parameters are
// set (the SET clause), then id, browserHash and now (the WHERE clause every
// transition shares), then extra (authenticate's nonce and challenge
// expiry). When it matches nothing, explain tells why.
func (s *Store) transition(ctx context.Context, id string, browserHash []byte, now time.Time,
	query string, from []sigil.AuthorizationState, nonce *string, set []any, extra ...any) (*sigil.Authorization, error) {
	args := transitionArgs(id, browserHash, now, set, extra)
	var r authorizationRow
	err := s.queryRow(ctx, query, args...).Scan(r.dest()...)
	if err == nil {
		return s.decode(&r)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, s.writeErr("authorization "+id, err)
	}
	return nil, s.explain(ctx, id, browserHash, now, from, nonce)
}

// transitionArgs are a transition's parameters in the order its UPDATE
// takes them: set, then the id, browser hash and time of the WHERE clause
// every transition shares, then extra.
func transitionArgs(id string, browserHash []byte, now time.Time, set, extra []any) []any {
	return append(append(set, id, blob(browserHash), now.UnixMilli()), extra...)
}

// explain reads why a conditional write matched nothing: no such
// authorization (ErrNotFound), or one not in the state, browser, time or
// challenge the write required (ErrConflict).
func (s *Store) explain(ctx context.Context, id string, browserHash []byte, now time.Time,
	from []sigil.AuthorizationState, nonce *string) error {
	var (
		state     string
		bound     []byte
		expires   int64
		chNonce   string
		chExpires sql.NullInt64
	)
	err := s.queryRow(ctx, s.q.explain, id).Scan(&state, &bound, &expires, &chNonce, &chExpires)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: authorization %q: %w", s.dialect.Name, id, sigil.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("%s: authorization %q: %w", s.dialect.Name, id, err)
	}
	var why string
	ms := now.UnixMilli()
	switch {
	case !slices.Contains(from, sigil.AuthorizationState(state)):
		why = fmt.Sprintf("is %s, want one of %v", state, from)
	case len(bound) == 0 || !bytes.Equal(bound, browserHash):
		why = "is bound to another browser"
	case expires <= ms:
		why = "has expired"
	case nonce != nil && chNonce != *nonce:
		why = "has another challenge nonce"
	case nonce != nil && (!chExpires.Valid || chExpires.Int64 <= ms):
		why = "has an expired challenge"
	default:
		why = "changed concurrently"
	}
	return fmt.Errorf("%s: authorization %q %s: %w", s.dialect.Name, id, why, sigil.ErrConflict)
}

// signInState is the state a sign-in moves to: code_issued when it carries
// remembered consent, authenticated otherwise.
func (s *Store) signInState(id string, auth sigil.Authentication) (sigil.AuthorizationState, error) {
	if len(auth.GrantedScope) == 0 {
		return sigil.StateAuthenticated, nil
	}
	if len(auth.CodeHash) == 0 || auth.CodeExpiresAt.IsZero() {
		return "", fmt.Errorf("%s: authorization %q: GrantedScope needs CodeHash and CodeExpiresAt", s.dialect.Name, id)
	}
	return sigil.StateCodeIssued, nil
}

// signInArgs are the SET parameters a sign-in shares between authenticate
// and resume, in the order of the signIn fragment of buildQueries.
func signInArgs(auth sigil.Authentication) []any {
	return []any{
		auth.Message, auth.Signature, auth.WalletTypeHint, millis(auth.AuthTime), auth.SessionID, jsonMap(auth.Records),
		auth.GrantedScope.String(), blob(auth.CodeHash), millis(auth.CodeExpiresAt),
	}
}

func authorizationArgs(a *sigil.Authorization) []any {
	return []any{
		a.ID, blob(a.BrowserHash), a.ClientID, string(sigil.StateRequested),
		a.RedirectURI, a.ResponseMode, a.Scope.String(), a.OAuthState, a.Nonce,
		a.CodeChallenge, a.CodeChallengeMethod, a.Prompt, a.MaxAge,
		a.LoginHint, millis(a.RequestedAt), millis(a.ExpiresAt),
		a.Subject, a.Address, a.ChallengeNonce, millis(a.ChallengeIssuedAt),
		millis(a.ChallengeExpiresAt), a.Message, a.Signature, a.WalletTypeHint,
		millis(a.AuthTime), a.SessionID, jsonMap(a.Records),
		a.GrantedScope.String(), blob(a.CodeHash), millis(a.CodeExpiresAt),
		blob(a.AccessTokenHash), millis(a.AccessTokenExpiresAt),
		text(a.RefreshFamily), blob(a.RefreshTokenHash), millis(a.RefreshTokenExpiresAt),
		joinList(a.Resources), joinList(a.Audience), a.ClaimsRequest,
		millis(a.TokensIssuedAt),
	}
}

// decode decodes a scanned row, naming the database in an error.
func (s *Store) decode(r *authorizationRow) (*sigil.Authorization, error) {
	a, err := r.authorization()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.dialect.Name, err)
	}
	return a, nil
}

// authorizationRow receives the authorizationColumns of one row.
type authorizationRow struct {
	a                                                 sigil.Authorization
	state, scope, granted                             string
	requested, expires, chIssued, chExpires, authTime sql.NullInt64
	codeExpires, tokenExpires, refreshExpires, issued sql.NullInt64
	records, family                                   sql.NullString
	resources, audience                               string
}

func (r *authorizationRow) dest() []any {
	a := &r.a
	return []any{
		&a.ID, &a.BrowserHash, &a.ClientID, &r.state,
		&a.RedirectURI, &a.ResponseMode, &r.scope, &a.OAuthState, &a.Nonce,
		&a.CodeChallenge, &a.CodeChallengeMethod, &a.Prompt, &a.MaxAge,
		&a.LoginHint, &r.requested, &r.expires,
		&a.Subject, &a.Address, &a.ChallengeNonce, &r.chIssued,
		&r.chExpires, &a.Message, &a.Signature, &a.WalletTypeHint,
		&r.authTime, &a.SessionID, &r.records,
		&r.granted, &a.CodeHash, &r.codeExpires,
		&a.AccessTokenHash, &r.tokenExpires,
		&r.family, &a.RefreshTokenHash, &r.refreshExpires,
		&r.resources, &r.audience, &a.ClaimsRequest,
		&r.issued,
	}
}

// authorization decodes the row; only stored records that are not a JSON
// object of strings fail.
func (r *authorizationRow) authorization() (*sigil.Authorization, error) {
	a := r.a
	records, err := parseMap(r.records)
	if err != nil {
		return nil, fmt.Errorf("authorization %q: records: %w", a.ID, err)
	}
	a.Records = records
	a.RefreshFamily = r.family.String
	a.State = sigil.AuthorizationState(r.state)
	a.Scope = sigil.ParseScopes(r.scope)
	a.GrantedScope = sigil.ParseScopes(r.granted)
	a.RequestedAt = fromMillis(r.requested)
	a.ExpiresAt = fromMillis(r.expires)
	a.ChallengeIssuedAt = fromMillis(r.chIssued)
	a.ChallengeExpiresAt = fromMillis(r.chExpires)
	a.AuthTime = fromMillis(r.authTime)
	a.CodeExpiresAt = fromMillis(r.codeExpires)
	a.AccessTokenExpiresAt = fromMillis(r.tokenExpires)
	a.RefreshTokenExpiresAt = fromMillis(r.refreshExpires)
	a.TokensIssuedAt = fromMillis(r.issued)
	a.Resources = splitList(r.resources)
	a.Audience = splitList(r.audience)
	return &a, nil
}

// joinList stores a list of absolute URIs (resource indicators) as one
// space-separated TEXT: such a URI holds no space (RFC 3986 section 2), and
// an empty list is the empty string, with no allocation, which keeps the rows of clients
// that use no resource indicator as cheap to write and read as before.
func joinList(l []string) string {
	switch len(l) {
	case 0:
		return ""
	case 1:
		return l[0]
	}
	return strings.Join(l, " ")
}

// splitList reverses joinList; the empty string is nil.
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Fields(s)
}
