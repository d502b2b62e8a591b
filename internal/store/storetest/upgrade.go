package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil"
)

// OldDatabase is a new, empty database of one backend, for
// MigrateWithRows to fill at an older schema version before it migrates.
type OldDatabase struct {
	// Store is the backend on the database; it is used only after the
	// schema is at the newest version.
	Store Migrator
	// UpTo applies the backend's migrations up to version and no further.
	UpTo func(ctx context.Context, version int64) error
	// Exec runs one statement, without parameters, on the database.
	Exec func(ctx context.Context, query string) error
	// Blob is the SQL literal of b in the backend's dialect.
	Blob func(b []byte) string
}

// MigrateWithRows upgrades a database that holds rows: for every version
// but the newest (versions, in order, as embedded), a new database is
// brought to that version, filled with a row of every table that version
// has (a client, a flow that holds an access and a refresh token, a
// consent, a signing key, a session, a back-channel notice), written with
// the columns of that version only, as a binary of that version would
// have; then Migrate brings it to the newest version and the rows must read
// back through the Store with their values intact and, for the columns
// later migrations added, the defaults those migrations declare. A
// migration that adds columns adds their defaults to the checks below.
func MigrateWithRows(t *testing.T, versions []int64, fresh func(t *testing.T) OldDatabase) {
	newest := versions[len(versions)-1]
	for _, v := range versions[:len(versions)-1] {
		t.Run(fmt.Sprintf("from version %d", v), func(t *testing.T) {
			ctx := context.Background()
			db := fresh(t)
			if err := db.UpTo(ctx, v); err != nil {
				t.Fatalf("migrate up to %d: %v", v, err)
			}
			fillAt(t, ctx, db, v)
			applied, err := db.Store.Migrate(ctx)
			want := slices.DeleteFunc(slices.Clone(versions), func(x int64) bool { return x <= v })
			if err != nil || !slices.Equal(applied, want) {
				t.Fatalf("Migrate from %d: applied %v, %v; want %v", v, applied, err, want)
			}
			if err := db.Store.Ready(ctx); err != nil {
				t.Fatalf("Ready at %d: %v", newest, err)
			}
			checkUpgraded(t, ctx, db.Store, v)
		})
	}
}

// The rows' values. Times are whole milliseconds, as stored.
var (
	oldT0         = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	oldFarFuture  = time.Date(2099, 1, 2, 3, 4, 5, 0, time.UTC)
	oldSecretHash = sha256.Sum256([]byte("old client secret"))
	oldAccessHash = sha256.Sum256([]byte("old access token"))
	oldRefresh    = sha256.Sum256([]byte("old refresh token"))
	oldSealed     = []byte("sealed key bytes of an old version")
)

func ms(t time.Time) int64 { return t.UnixMilli() }

// fillAt writes the rows as a binary at schema version v would.
func fillAt(t *testing.T, ctx context.Context, db OldDatabase, v int64) {
	t.Helper()
	exec := func(q string) {
		t.Helper()
		if err := db.Exec(ctx, q); err != nil {
			t.Fatalf("at version %d: %v\n%s", v, err, q)
		}
	}
	exec(fmt.Sprintf(`INSERT INTO clients (id, secret_hash, name, redirect_uris, post_logout_redirect_uris, grant_types,
		response_types, scope, token_endpoint_auth_method, logo_uri, allowed_cors_origins, allow_plain_pkce, created_at, updated_at)
		VALUES ('old-rp', %s, 'Old RP', '["https://rp.example/cb"]', '["https://rp.example/bye"]',
		'["authorization_code","refresh_token"]', '["code"]', 'openid wallet email offline_access', 'client_secret_basic',
		'https://rp.example/logo.png', '["https://rp.example"]', TRUE, %d, %d)`,
		db.Blob(oldSecretHash[:]), ms(oldT0), ms(oldT0)))
	refreshCols, refreshVals := "", ""
	if v >= 2 {
		refreshCols = ", records, refresh_family, refresh_token_hash, refresh_token_expires_at"
		refreshVals = fmt.Sprintf(`, '{"email":"alice@example.com"}', 'old-family', %s, %d`, db.Blob(oldRefresh[:]), ms(oldFarFuture))
	}
	exec(fmt.Sprintf(`INSERT INTO authorizations (id, client_id, state, redirect_uri, scope, nonce, requested_at, expires_at,
		subject, address, auth_time, session_id, granted_scope, access_token_hash, access_token_expires_at%s)
		VALUES ('old-flow', 'old-rp', 'exchanged', 'https://rp.example/cb', 'openid email offline_access', 'n-0123',
		%d, %d, 'alice.crypto', '0x00000000000000000000000000000000000000a1', %d, 'old-sid', 'openid email offline_access', %s, %d%s)`,
		refreshCols, ms(oldT0), ms(oldFarFuture), ms(oldT0), db.Blob(oldAccessHash[:]), ms(oldFarFuture), refreshVals))
	exec(fmt.Sprintf(`INSERT INTO consents (client_id, subject, scope, granted_at) VALUES ('old-rp', 'alice.crypto', 'openid email', %d)`, ms(oldT0)))
	if v >= 3 {
		exec(fmt.Sprintf(`INSERT INTO signing_keys (id, algorithm, generation, sealed, created_at, activates_at)
			VALUES ('old-kid', 'RS256', 1, %s, %d, %d)`, db.Blob(oldSealed), ms(oldT0), ms(oldT0)))
	} else {
		exec(fmt.Sprintf(`INSERT INTO signing_keys (id, algorithm, sealed, created_at) VALUES ('old-kid', 'RS256', %s, %d)`,
			db.Blob(oldSealed), ms(oldT0)))
	}
	if v >= 4 {
		exec(`UPDATE clients SET require_pkce = FALSE, id_token_signed_response_alg = 'ES256',
			backchannel_logout_uri = 'https://rp.example/bc', backchannel_logout_session_required = TRUE,
			access_token_strategy = 'jwt', resources = '["https://api.example"]' WHERE id = 'old-rp'`)
	}
	if v >= 5 {
		exec(fmt.Sprintf(`INSERT INTO sessions (id, subject, address, auth_time, expires_at, clients)
			VALUES ('old-sid', 'alice.crypto', '0x00000000000000000000000000000000000000a1', %d, %d, 'old-rp')`,
			ms(oldT0), ms(oldFarFuture)))
	}
	if v >= 6 {
		exec(fmt.Sprintf(`INSERT INTO backchannel_logout_notices (id, client_id, session_id, subject, created_at, due_at)
			VALUES ('old-notice', 'old-rp', 'old-sid-ended', 'alice.crypto', %d, %d)`, ms(oldT0), ms(oldT0)))
	}
	if v >= 7 {
		exec(`UPDATE authorizations SET resources = 'https://api.example', audience = 'https://api.example' WHERE id = 'old-flow'`)
	}
	if v >= 8 {
		exec(`UPDATE clients SET subject_type = 'pairwise' WHERE id = 'old-rp'`)
	}
}

// checkUpgraded reads the rows written at version v through the Store.
func checkUpgraded(t *testing.T, ctx context.Context, st sigil.Store, v int64) {
	t.Helper()
	c, err := st.GetClient(ctx, "old-rp")
	if err != nil {
		t.Fatalf("GetClient after the upgrade: %v", err)
	}
	if string(c.SecretHash) != string(oldSecretHash[:]) || c.Name != "Old RP" || !slices.Equal(c.RedirectURIs, []string{"https://rp.example/cb"}) ||
		!slices.Equal(c.PostLogoutRedirectURIs, []string{"https://rp.example/bye"}) ||
		!slices.Equal(c.GrantTypes, []string{"authorization_code", "refresh_token"}) || !slices.Equal(c.ResponseTypes, []string{"code"}) ||
		c.Scope.String() != "openid wallet email offline_access" || c.TokenEndpointAuthMethod != "client_secret_basic" ||
		c.LogoURI != "https://rp.example/logo.png" || !slices.Equal(c.AllowedCORSOrigins, []string{"https://rp.example"}) ||
		!c.AllowPlainPKCE || !c.CreatedAt.Equal(oldT0) || !c.UpdatedAt.Equal(oldT0) {
		t.Errorf("client after the upgrade from %d: %+v", v, c)
	}
	if v < 4 {
		// Migration 4's defaults: PKCE required, RS256 ID tokens, opaque
		// access tokens, no back-channel logout, no resources.
		if !c.RequirePKCE || c.IDTokenSignedResponseAlg != "" || c.IDTokenAlg() != "RS256" || c.UserinfoSignedResponseAlg != "" ||
			c.BackchannelLogoutURI != "" || c.BackchannelLogoutSessionRequired || c.AccessTokenStrategy != "" || c.JWTAccessTokens() ||
			len(c.Resources) != 0 {
			t.Errorf("client from %d lacks migration 4's defaults: %+v", v, c)
		}
	} else if c.RequirePKCE || c.IDTokenSignedResponseAlg != "ES256" || c.BackchannelLogoutURI != "https://rp.example/bc" ||
		!c.BackchannelLogoutSessionRequired || !c.JWTAccessTokens() || !slices.Equal(c.Resources, []string{"https://api.example"}) {
		t.Errorf("client from %d lost metadata of migration 4: %+v", v, c)
	}
	if wantSub := map[bool]string{true: "pairwise", false: ""}[v >= 8]; c.SubjectType != wantSub {
		t.Errorf("client from %d: subject_type %q, want %q", v, c.SubjectType, wantSub)
	}

	now := oldT0.Add(time.Hour)
	a, err := st.GetAuthorizationByAccessToken(ctx, oldAccessHash[:], now)
	if err != nil {
		t.Fatalf("the access token stored at version %d: %v", v, err)
	}
	if a.ID != "old-flow" || a.ClientID != "old-rp" || a.State != sigil.StateExchanged || a.Subject != "alice.crypto" ||
		a.GrantedScope.String() != "openid email offline_access" || a.SessionID != "old-sid" || !a.AuthTime.Equal(oldT0) ||
		a.Nonce != "n-0123" || !a.AccessTokenExpiresAt.Equal(oldFarFuture) {
		t.Errorf("authorization from %d: %+v", v, a)
	}
	if v < 2 {
		if len(a.Records) != 0 || a.RefreshFamily != "" || len(a.RefreshTokenHash) != 0 {
			t.Errorf("authorization from %d has records or a refresh token: %+v", v, a)
		}
		if _, err := st.GetAuthorizationByRefreshToken(ctx, oldRefresh[:], now); !errors.Is(err, sigil.ErrNotFound) {
			t.Errorf("a refresh token that was never stored: %v, want ErrNotFound", err)
		}
	} else {
		if a.Records["email"] != "alice@example.com" || a.RefreshFamily != "old-family" {
			t.Errorf("authorization from %d lost its records or refresh family: %+v", v, a)
		}
		if r, err := st.GetAuthorizationByRefreshToken(ctx, oldRefresh[:], now); err != nil || r.ID != "old-flow" {
			t.Errorf("the refresh token stored at version %d: %v", v, err)
		}
	}
	if wantAud := v >= 7; wantAud != slices.Equal(a.Audience, []string{"https://api.example"}) || (!wantAud && len(a.Audience) != 0) {
		t.Errorf("authorization from %d: audience %v", v, a.Audience)
	}
	if v < 7 && (len(a.Resources) != 0 || a.ClaimsRequest != "") {
		t.Errorf("authorization from %d lacks migration 7's defaults: resources %v, claims %q", v, a.Resources, a.ClaimsRequest)
	}
	// Migration 12: tokens stored before it have no recorded issue time
	// (introspection then estimates it).
	if !a.TokensIssuedAt.IsZero() {
		t.Errorf("authorization from %d: tokens issued at %v, want none recorded", v, a.TokensIssuedAt)
	}

	if scope, err := st.GetConsent(ctx, "alice.crypto", "old-rp"); err != nil || scope.String() != "openid email" {
		t.Errorf("consent from %d: %v, %v", v, scope, err)
	}
	// Migration 10: a consent from before it names no owner, so the next
	// sign-in asks again.
	if cs, err := st.ListConsents(ctx, "alice.crypto"); err != nil || len(cs) != 1 || cs[0].Address != "" {
		t.Errorf("consents from %d: %+v, %v; want one without an owner", v, cs, err)
	}

	keys, err := st.ListSigningKeys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("signing keys from %d: %v, %v", v, keys, err)
	}
	// Migration 3 numbers old keys by age and makes them active since
	// their creation.
	if k := keys[0]; k.ID != "old-kid" || k.Algorithm != "RS256" || k.Generation != 1 || string(k.Sealed) != string(oldSealed) ||
		!k.CreatedAt.Equal(oldT0) || !k.ActivatesAt.Equal(oldT0) {
		t.Errorf("signing key from %d: %+v", v, k)
	}
	// Migration 13: a key stored before it has no recorded retention (each
	// node keeps it for its own).
	if k := keys[0]; k.Retention != 0 {
		t.Errorf("signing key from %d: retention %s, want none recorded", v, k.Retention)
	}

	s, err := st.GetSession(ctx, "old-sid")
	if v < 5 {
		if !errors.Is(err, sigil.ErrNotFound) {
			t.Errorf("a session before sessions existed: %v, want ErrNotFound", err)
		}
	} else if err != nil || s.Subject != "alice.crypto" || !slices.Equal(s.Clients, []string{"old-rp"}) || !s.ExpiresAt.Equal(oldFarFuture) {
		t.Errorf("session from %d: %+v, %v", v, s, err)
	}

	notices, err := st.ClaimLogoutNotices(ctx, "upgrade-test", now, now.Add(time.Minute), 10, 10, nil)
	if err != nil {
		t.Fatalf("ClaimLogoutNotices: %v", err)
	}
	if wantN := map[bool]int{true: 1, false: 0}[v >= 6]; len(notices) != wantN || (wantN == 1 && (notices[0].ID != "old-notice" || notices[0].ClientID != "old-rp")) {
		t.Errorf("back-channel notices from %d: %+v", v, notices)
	}

	// The upgraded rows still take writes: the client can be changed and
	// the refresh token revoked.
	c.Name = "Old RP, upgraded"
	if err := st.UpdateClient(ctx, c); err != nil {
		t.Errorf("UpdateClient on an upgraded row: %v", err)
	}
	if err := st.RevokeToken(ctx, oldAccessHash[:], "old-rp"); err != nil {
		t.Errorf("RevokeToken on an upgraded row: %v", err)
	}
	if _, err := st.GetAuthorizationByAccessToken(ctx, oldAccessHash[:], now); !errors.Is(err, sigil.ErrNotFound) {
		t.Errorf("the revoked token of an upgraded row: %v, want ErrNotFound", err)
	}
}
