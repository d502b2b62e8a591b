package e2e

import (
	"database/sql"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"golang.org/x/oauth2/clientcredentials"
	_ "modernc.org/sqlite" // database/sql driver "sqlite"
)

// openDB opens the database of in (its PostgreSQL DSN, or the SQLite file
// in its data dir) beside the running server, to look at its rows.
func (in *instance) openDB(t *testing.T) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite", filepath.Join(in.DataDir, "sigil.db")+"?_pragma=busy_timeout(5000)"
	if in.DSN != "" {
		driver, dsn = "pgx", in.DSN
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestConfiguredLifetimeAndCleanup: --access-token-lifetime sets what a token
// says and how long it lives, and the janitor, every --cleanup-interval,
// deletes the row of a token that expired, so tables stay bounded under
// sustained load without an outside job.
func TestConfiguredLifetimeAndCleanup(t *testing.T) {
	in := startSigil(t, "--access-token-lifetime", "10s", "--cleanup-interval", "1s")
	id, secret := in.createClient(t, map[string]any{"grant_types": []string{"client_credentials"}, "scope": "api"})
	conf := &clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: in.Issuer + "/oauth2/token"}
	tok, err := conf.Token(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if left := time.Until(tok.Expiry); left > 11*time.Second || left < 5*time.Second {
		t.Fatalf("token expires in %v, want about 10s", left)
	}
	auth := basic(id, secret)
	form := url.Values{"token": {tok.AccessToken}}
	st, body, _ := introspect(t, in.Issuer, "/oauth2/introspect", form, auth)
	exp, _ := body["exp"].(float64)
	iat, _ := body["iat"].(float64)
	if st != 200 || body["active"] != true || exp-iat != 10 {
		t.Fatalf("introspection of the live token: %d %v", st, body)
	}

	db := in.openDB(t)
	count := func() int {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM authorizations WHERE client_id = "+placeholder(in)+"", id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(); n != 1 {
		t.Fatalf("%d rows for the client's token, want 1", n)
	}
	time.Sleep(time.Until(tok.Expiry) + 500*time.Millisecond)
	st, body, _ = introspect(t, in.Issuer, "/oauth2/introspect", form, auth)
	wantInactive(t, "the expired token", st, body)
	deadline := time.Now().Add(10 * time.Second)
	for count() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the expired token's row is still there 10s after it expired, with --cleanup-interval 1s")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestIntrospectionIatAcrossNodesWithOtherLifetimes: a token issued by a
// node with a one-hour --access-token-lifetime and introspected at a node
// of the same database configured with five minutes (a fleet halfway
// through a configuration change) says when it was issued, and expires an
// hour after that. iat used to be derived from the expiry and the asking
// node's lifetime: 55 minutes in the future here, where a resource server
// that checks iat refuses the token.
func TestIntrospectionIatAcrossNodesWithOtherLifetimes(t *testing.T) {
	a := startSigil(t, "--access-token-lifetime", "1h")
	id, secret := a.createClient(t, map[string]any{"grant_types": []string{"client_credentials"}, "scope": "api"})
	conf := &clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: a.Issuer + "/oauth2/token"}
	before := time.Now().Truncate(time.Second)
	tok, err := conf.Token(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now()

	b := *a
	run(t, &b, "--access-token-lifetime", "5m")
	st, body, _ := introspect(t, b.Issuer, "/oauth2/introspect", url.Values{"token": {tok.AccessToken}}, basic(id, secret))
	iat, _ := body["iat"].(float64)
	exp, _ := body["exp"].(float64)
	if st != 200 || body["active"] != true {
		t.Fatalf("introspection at the second node: %d %v", st, body)
	}
	if issued := time.Unix(int64(iat), 0); issued.Before(before) || issued.After(after) || exp-iat != 3600 {
		t.Fatalf("iat %v, exp %v: want iat between %v and %v (when the first node issued it) and exp an hour later",
			issued, time.Unix(int64(exp), 0), before, after)
	}
}

// placeholder is the first bind parameter in in's database's spelling.
func placeholder(in *instance) string {
	if in.DSN != "" {
		return "$1"
	}
	return "?"
}
