package sqlstore

import (
	"strconv"
	"strings"
)

// clientColumns are the columns of the clients table in the order
// clientArgs writes them and scanClient reads them.
var clientColumns = []string{
	"id", "secret_hash", "name", "redirect_uris", "post_logout_redirect_uris",
	"grant_types", "response_types", "scope", "token_endpoint_auth_method",
	"logo_uri", "client_uri", "policy_uri", "tos_uri", "allowed_cors_origins",
	"allow_plain_pkce", "created_at", "updated_at",
	"require_pkce", "id_token_signed_response_alg", "userinfo_signed_response_alg",
	"backchannel_logout_uri", "backchannel_logout_session_required",
	"access_token_strategy", "resources",
	"subject_type", // migration 8
}

// authorizationColumns are the columns of the authorizations table in the
// order authorizationArgs writes them and authorizationRow reads them.
var authorizationColumns = []string{
	"id", "browser_hash", "client_id", "state",
	"redirect_uri", "response_mode", "scope", "oauth_state", "nonce",
	"code_challenge", "code_challenge_method", "prompt", "max_age",
	"login_hint", "requested_at", "expires_at",
	"subject", "address", "challenge_nonce", "challenge_issued_at",
	"challenge_expires_at", "message", "signature", "wallet_type_hint",
	"auth_time", "session_id", "records",
	"granted_scope", "code_hash", "code_expires_at",
	"access_token_hash", "access_token_expires_at",
	"refresh_family", "refresh_token_hash", "refresh_token_expires_at",
	// RFC 8707 resources and the claims request parameter (migration 7).
	"resources", "audience", "claims",
	// When the current tokens were issued (migration 12).
	"tokens_issued_at",
}

// queries holds every statement the Store sends, already rebound to the
// dialect's placeholders. Each Store method sends exactly one of them on its
// success path.
type queries struct {
	createClient, getClient, listClients, updateClient, deleteClient string

	createAuthorization, getAuthorization, getByAccessToken  string
	challenge, authenticate, grant, reject, resume, exchange string
	// authenticateOpening is authenticate and the INSERT of the session
	// the sign-in opens, in one statement: only for a Dialect with
	// WritesInWith (TestLookupsUseIndexes skips it on SQLite).
	authenticateOpening string
	// authenticateRenew is authenticate only while the session the
	// sign-in renews is live and the person's (renewable);
	// authenticateRenewing is authenticateOpening that renews that
	// session instead of inserting one (sigil.Authentication.RenewSession).
	authenticateRenew, authenticateRenewing string
	// grantRecording is grant that also records the client in the
	// flow's session (PostgreSQL; SQLite runs sessions.record after grant
	// in one transaction).
	grantRecording       string
	refresh, revokeToken string
	// createClientToken and getByRefreshToken serve the client
	// credentials grant and introspection (RFC 6749 section 4.4, RFC 7662).
	createClientToken, getByRefreshToken string
	// explain, revokeReplayed and revokeReused run only on failure paths,
	// to tell ErrNotFound from ErrConflict and to revoke a replayed code or
	// a reused refresh token's authorization.
	explain, revokeReplayed, revokeReused string

	saveConsent, getConsent           string
	createSigningKey, listSigningKeys string
	extendSigningKeyRetention         string
	deleteSigningKey                  string
	deleteExpired                     string
	// sessions are the statements of the login sessions (sessions.go).
	sessions sessionQueries
	// The back-channel logout outbox (backchannel.go); the enqueue and
	// the claim are built per call (enqueueLogoutNotices,
	// claimLogoutNotices).
	rescheduleLogoutNotice, deleteLogoutNotice string
}

// clientTokenInsert and clientTokenRow make the INSERT of client
// credentials tokens: one row per token, several rows when concurrent
// requests are written together (see group).
const (
	clientTokenInsert = "INSERT INTO authorizations (id, client_id, state, scope, granted_scope, requested_at, expires_at," +
		" access_token_hash, access_token_expires_at, audience, tokens_issued_at) VALUES "
	clientTokenRow = "(?, ?, 'exchanged', ?, ?, ?, ?, ?, ?, ?, ?)"
)

// purgeAt is when the last thing an authorization holds expires: its flow,
// its code, its access token or its refresh token, whichever is last. The
// row may be deleted after that and not before. It is the expression of the
// index authorizations_purge_at, which migration 11 creates with the same
// text on each store (the planners match an index's expression, not its
// meaning): SQLite's max() is NULL if any argument is, hence the
// COALESCEs, which PostgreSQL's GREATEST does not need but accepts.
func purgeAt(d Dialect) string {
	return d.greatest() + "(expires_at, COALESCE(code_expires_at, 0)," +
		" COALESCE(access_token_expires_at, 0), COALESCE(refresh_token_expires_at, 0))"
}

// offline is true when granted_scope (space-separated) holds offline or
// offline_access, the scopes that grant a refresh token.
const offline = "(' ' || granted_scope || ' ' LIKE '% offline %' OR ' ' || granted_scope || ' ' LIKE '% offline\\_access %' ESCAPE '\\')"

// issuedClient is the client a sign-in's session lists, from the row the
// sign-in's UPDATE returned: its client when the sign-in issued a code
// (remembered consent), else none.
const issuedClient = "CASE WHEN state = 'code_issued' THEN client_id ELSE '' END"

func buildQueries(d Dialect) queries {
	clientCols := strings.Join(clientColumns, ", ")
	authCols := strings.Join(authorizationColumns, ", ")
	qualified := make([]string, len(authorizationColumns))
	for i, c := range authorizationColumns {
		qualified[i] = "a." + c
	}
	authColsA := strings.Join(qualified, ", ")

	var clientSet []string
	for _, c := range clientColumns[1:] {
		clientSet = append(clientSet, c+" = ?")
	}

	// transition builds a conditional write: one UPDATE that names the
	// states it expects, the browser it is bound to and the flow's expiry,
	// and returns the updated row.
	transition := func(set, from, extra string) string {
		return "UPDATE authorizations SET " + set +
			" WHERE id = ? AND state IN (" + from + ") AND browser_hash = ? AND expires_at > ?" + extra +
			" RETURNING " + authCols
	}
	// ofClient is the client condition of the statements that name a row
	// by the hash of a credential. The concatenation keeps the client's
	// index (authorizations_client_subject, authorizations_client_id
	// before migration 11) out of their plans: PostgreSQL plans a
	// prepared statement once per connection, and from the statistics of a
	// new database it planned the code exchange on that index, reading
	// every row of the client to find one (1,688 rows per exchange after a
	// few seconds of load, more with every sign-in, until autovacuum's
	// first ANALYZE). The hash's unique index finds the row; this condition
	// only checks it (TestPostgresPlansFindRowsByTheirKey).
	ofClient := "client_id || '' = ?"
	signIn := "message = ?, signature = ?, wallet_type_hint = ?, auth_time = ?, session_id = ?, records = ?, " +
		"granted_scope = ?, code_hash = ?, code_expires_at = ?"

	q := queries{
		createClient: "INSERT INTO clients (" + clientCols + ") VALUES (" + params(len(clientColumns)) + ")",
		getClient:    "SELECT " + clientCols + " FROM clients WHERE id = ?",
		listClients:  "SELECT " + clientCols + " FROM clients ORDER BY id",
		updateClient: "UPDATE clients SET " + strings.Join(clientSet, ", ") + " WHERE id = ?",
		deleteClient: "DELETE FROM clients WHERE id = ?",

		createAuthorization: "INSERT INTO authorizations (" + authCols + ") VALUES (" + params(len(authorizationColumns)) + ")",
		getAuthorization: "SELECT " + authColsA + ", c.name, c.logo_uri, c.client_uri, c.policy_uri, c.tos_uri, cs.scope" +
			" FROM authorizations a" +
			" LEFT JOIN clients c ON c.id = a.client_id" +
			" LEFT JOIN consents cs ON cs.client_id = a.client_id AND cs.subject = a.subject AND cs.address = a.address" +
			" WHERE a.id = ?",
		getByAccessToken: "SELECT " + authCols + " FROM authorizations" +
			" WHERE access_token_hash = ? AND state = 'exchanged' AND access_token_expires_at > ?",

		// challenge also returns the consent the new subject gave the
		// client (a correlated subquery, which SQLite and PostgreSQL both
		// allow in RETURNING), so the verify step needs no read of its own.
		challenge: transition(
			"state = 'challenged', subject = ?, address = ?, challenge_nonce = ?, challenge_issued_at = ?, challenge_expires_at = ?",
			"'requested', 'challenged'", "") +
			", (SELECT cs.scope FROM consents cs WHERE cs.client_id = authorizations.client_id" +
			" AND cs.subject = authorizations.subject AND cs.address = authorizations.address)",
		authenticate: transition("state = ?, "+signIn, "'challenged'",
			" AND challenge_nonce = ? AND challenge_expires_at > ?"),
		authenticateRenew: transition("state = ?, "+signIn, "'challenged'",
			" AND challenge_nonce = ? AND challenge_expires_at > ?"+renewable),
		grant: transition("state = 'code_issued', granted_scope = ?, code_hash = ?, code_expires_at = ?",
			"'authenticated'", grantable),
		reject: transition("state = 'rejected'", "'requested', 'challenged', 'authenticated'", ""),
		resume: transition("state = ?, subject = ?, address = ?, "+signIn, "'requested'", ""),
		// exchange keeps the refresh token only when the offline scopes
		// were granted (sigil.Store.ExchangeCode): the token endpoint cannot
		// know the grant before this one write, and a row holding an unusable
		// refresh token would outlive its access token by weeks. The typed
		// NULLs give each CASE its column's type: PostgreSQL would otherwise
		// type a parameter inside CASE as text, which a BYTEA or BIGINT
		// column refuses (SQLite reads CAST(NULL AS ...) as NULL).
		exchange: "UPDATE authorizations SET state = 'exchanged', access_token_hash = ?, access_token_expires_at = ?, audience = ?, tokens_issued_at = ?," +
			" refresh_family = CASE WHEN " + offline + " THEN ? ELSE CAST(NULL AS TEXT) END," +
			" refresh_token_hash = CASE WHEN " + offline + " THEN ? ELSE CAST(NULL AS BYTEA) END," +
			" refresh_token_expires_at = CASE WHEN " + offline + " THEN ? ELSE CAST(NULL AS BIGINT) END" +
			" WHERE code_hash = ? AND " + ofClient + " AND redirect_uri = ? AND state = 'code_issued' AND code_expires_at > ?" +
			" AND code_challenge = CASE code_challenge_method WHEN 'S256' THEN ? ELSE ? END" +
			" RETURNING " + authCols,
		// refresh rotates both tokens of an exchanged authorization whose
		// current, unexpired refresh token is the one presented. A NULL
		// scope matches any granted scope; COALESCE, rather than "? = ''",
		// lets PostgreSQL type the parameter from the column.
		refresh: "UPDATE authorizations SET refresh_token_hash = ?, refresh_token_expires_at = ?," +
			" access_token_hash = ?, access_token_expires_at = ?, audience = ?, tokens_issued_at = ?" +
			" WHERE refresh_family = ? AND refresh_token_hash = ? AND " + ofClient + " AND state = 'exchanged'" +
			" AND refresh_token_expires_at > ? AND granted_scope = COALESCE(?, granted_scope)" +
			" RETURNING " + authCols,
		// revokeToken looks the token up in each hash's index, then the
		// row by its id: with an OR of the two hashes, a plan made while
		// the table was small scans it. A token is one or the other.
		revokeToken: "UPDATE authorizations SET state = 'revoked'" +
			" WHERE id = COALESCE((SELECT id FROM authorizations WHERE access_token_hash = ?)," +
			" (SELECT id FROM authorizations WHERE refresh_token_hash = ?))" +
			" AND " + ofClient + " AND state = 'exchanged'",
		// createClientToken writes a client credentials token as a row that
		// is exchanged from the start; its flow expiry is the token's, so
		// deleteExpired removes it with the token.
		createClientToken: clientTokenInsert + clientTokenRow,
		getByRefreshToken: "SELECT " + authCols + " FROM authorizations" +
			" WHERE refresh_token_hash = ? AND state = 'exchanged' AND refresh_token_expires_at > ?",

		explain: "SELECT state, browser_hash, expires_at, challenge_nonce, challenge_expires_at FROM authorizations WHERE id = ?",
		// revokeReplayed revokes only for the client the code was issued
		// to, and only when that client proved it is the one that asked:
		// a confidential client authenticated at the token endpoint; a
		// public one, which anybody can name, by the code's PKCE verifier
		// (RFC 9700 section 4.5, RFC 6749 section 10.5). Anybody else who
		// presents a used code changes nothing.
		revokeReplayed: "UPDATE authorizations SET state = 'revoked'" +
			" WHERE code_hash = ? AND " + ofClient + " AND state IN ('exchanged', 'revoked')" +
			" AND (code_challenge = CASE code_challenge_method WHEN 'S256' THEN ? ELSE ? END" +
			" OR EXISTS (SELECT 1 FROM clients c WHERE c.id = authorizations.client_id AND c.token_endpoint_auth_method <> 'none'))" +
			" RETURNING id",
		// revokeReused matches only when the presented token is not the
		// current one, so an expired current token revokes nothing.
		revokeReused: "UPDATE authorizations SET state = 'revoked'" +
			" WHERE refresh_family = ? AND " + ofClient + " AND state = 'exchanged' AND refresh_token_hash <> ?" +
			" RETURNING id",

		saveConsent: "INSERT INTO consents (client_id, subject, address, scope, granted_at) VALUES (?, ?, ?, ?, ?)" +
			" ON CONFLICT (client_id, subject) DO UPDATE SET address = excluded.address, scope = excluded.scope, granted_at = excluded.granted_at",
		getConsent: "SELECT scope FROM consents WHERE client_id = ? AND subject = ?",
		// A second key of the same generation breaks the unique constraint:
		// that is how nodes bootstrapping at once agree on one first key.
		createSigningKey: "INSERT INTO signing_keys (id, algorithm, generation, sealed, created_at, activates_at, retention_ms)" +
			" VALUES (?, ?, ?, ?, ?, ?, ?)",
		listSigningKeys: "SELECT id, algorithm, generation, sealed, created_at, activates_at, retention_ms FROM signing_keys ORDER BY generation",
		// Only ever raised: of two nodes writing at once the longer stays.
		extendSigningKeyRetention: "UPDATE signing_keys SET retention_ms = ? WHERE id = ? AND (retention_ms IS NULL OR retention_ms < ?)",
		deleteSigningKey:          "DELETE FROM signing_keys WHERE id = ?",
		// deleteExpired deletes at most cleanupBatch rows at a time (the
		// subquery's LIMIT; DELETE ... LIMIT is not portable), so that no
		// cleanup holds the write lock long: on SQLite every writer, the
		// sign-ins of the moment included, waits while a DELETE runs. It
		// finds them on the index of purgeAt (migration 11), oldest first,
		// so a batch reads the rows it deletes and no live one; ORDER BY
		// keeps PostgreSQL's generic plan on that index.
		deleteExpired: "DELETE FROM authorizations WHERE id IN (SELECT id FROM authorizations WHERE " + purgeAt(d) + " < ?" +
			" ORDER BY " + purgeAt(d) + " LIMIT " + strconv.Itoa(d.cleanupBatch()) + ")",
		rescheduleLogoutNotice: "UPDATE backchannel_logout_notices SET due_at = ?, lease = NULL, last_error = ?" +
			" WHERE id = ? AND lease = ?",
		deleteLogoutNotice: "DELETE FROM backchannel_logout_notices WHERE id = ?",
	}
	// The session takes the authorization's subject, address and client,
	// and is inserted only when the UPDATE matched: the INSERT reads the
	// rows the UPDATE returned, none when the flow was not in the expected
	// state. It lists the client only when the sign-in issued it a code
	// (issuedClient): a client the person has not consented to is
	// recorded when the consent issues the code (grantRecording).
	q.authenticateOpening = "WITH a AS (" + q.authenticate + ")," +
		" s AS (INSERT INTO sessions (id, subject, address, auth_time, expires_at, clients)" +
		" SELECT ?, subject, address, ?, ?, " + issuedClient + " FROM a)" +
		" SELECT * FROM a"
	// authenticateRenewing is authenticateOpening for RenewSession. The
	// SELECT's WHERE true keeps ON CONFLICT from being read as a join's ON.
	q.authenticateRenewing = "WITH a AS (" + q.authenticateRenew + ")," +
		" s AS (INSERT INTO sessions (id, subject, address, auth_time, expires_at, clients)" +
		" SELECT ?, subject, address, ?, ?, " + issuedClient + " FROM a WHERE true" + renewOnConflict + ")" +
		" SELECT * FROM a"
	// grantRecording is grant and the recording of its client in the
	// session the flow signed in with (sessions.record), in one statement:
	// only for a Dialect with WritesInWith.
	q.grantRecording = "WITH a AS (" + q.grant + ")," +
		" s AS (UPDATE sessions SET clients = " + withClient("sessions.clients", "a.client_id") +
		" FROM a WHERE sessions.id = a.session_id AND sessions.ended_at IS NULL)" +
		" SELECT * FROM a"
	for _, p := range []*string{
		&q.createClient, &q.getClient, &q.listClients, &q.updateClient, &q.deleteClient, &q.authenticateOpening, &q.authenticateRenew, &q.authenticateRenewing, &q.grantRecording,
		&q.createAuthorization, &q.getAuthorization, &q.getByAccessToken,
		&q.challenge, &q.authenticate, &q.grant, &q.reject, &q.resume, &q.exchange,
		&q.refresh, &q.revokeToken, &q.createClientToken, &q.getByRefreshToken,
		&q.explain, &q.revokeReplayed, &q.revokeReused,
		&q.saveConsent, &q.getConsent, &q.createSigningKey, &q.listSigningKeys, &q.extendSigningKeyRetention, &q.deleteSigningKey, &q.deleteExpired,
		&q.rescheduleLogoutNotice, &q.deleteLogoutNotice,
	} {
		*p = d.rebind(*p)
	}
	q.sessions = buildSessionQueries(d)
	return q
}

// params returns n comma-separated "?" parameters.
func params(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
