package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sigil-oidc/sigil/internal/pgtest"
	"github.com/sigil-oidc/sigil/internal/store/cached"
)

// twoNodes starts two `sigil serve` on one database (a SQLite file, or
// PostgreSQL with SIGIL_TEST_STORE=postgres) with one system secret.
func twoNodes(t *testing.T) (a, b *instance) {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "fleet.db")
	if os.Getenv("SIGIL_TEST_STORE") == "postgres" {
		dsn = pgtest.NewDatabase(t)
	}
	const systemSecret = "cache-system-secret-0123456789abcdef"
	a = newNode(t)
	a.DSN = dsn
	nb := *a
	nb.DataDir = t.TempDir()
	b = &nb
	for _, n := range []*instance{a, b} {
		runWith(t, n, []string{"--domains", writeRegistry(t, n), "--system-secret", systemSecret, "--shutdown-delay", "0"})
	}
	return a, b
}

// ccStatus is the status of a client_credentials request to node in, with
// the error code when it failed.
func ccStatus(t *testing.T, in *instance, id, secret string) (int, string) {
	t.Helper()
	st, body, _ := postToken(t, in, url.Values{"grant_type": {"client_credentials"}}, id, secret)
	code, _ := body["error"].(string)
	return st, code
}

// TestClientCacheBoundAcrossNodes checks the client cache's contract on a
// fleet: a secret rotated and a client deleted on node A stop working on
// node A at once (its own write drops its cache entry), and on node B,
// which cached the client, within cached.DefaultTTL; a client created on A
// works on B at once (no negative caching).
func TestClientCacheBoundAcrossNodes(t *testing.T) {
	a, b := twoNodes(t)
	metadata := map[string]any{"grant_types": []string{"client_credentials"}, "redirect_uris": []string{},
		"response_types": []string{}, "scope": "api"}

	// Created on A: usable on B at once, even right after B failed to find
	// an id (a miss is not remembered).
	if st, code := ccStatus(t, b, "not-yet-registered", "x"); st != http.StatusUnauthorized || code != "invalid_client" {
		t.Fatalf("unknown client on B: %d %s, want 401 invalid_client", st, code)
	}
	id, oldSecret := a.createClient(t, metadata)
	if st, code := ccStatus(t, b, id, oldSecret); st != http.StatusOK {
		t.Fatalf("a client just created on A, on B: %d %s, want 200", st, code)
	}

	// Rotated on A: B has the client cached with the old secret.
	status, body := a.adminDo(t, "POST", "/admin/clients/"+id+"/secret", nil)
	if status != http.StatusOK {
		t.Fatalf("rotate on A: %d %s", status, body)
	}
	newSecret := jsonField(t, body, "client_secret")
	if st, code := ccStatus(t, a, id, oldSecret); st != http.StatusUnauthorized || code != "invalid_client" {
		t.Errorf("old secret on A right after A rotated it: %d %s, want 401 invalid_client", st, code)
	}
	if st, code := ccStatus(t, a, id, newSecret); st != http.StatusOK {
		t.Errorf("new secret on A right after the rotation: %d %s, want 200", st, code)
	}
	took := withinBound(t, "the old secret still works on node B", cached.DefaultTTL, func() bool {
		st, _ := ccStatus(t, b, id, oldSecret)
		return st == http.StatusUnauthorized
	})
	t.Logf("node B refused the rotated-out secret after %v (bound %v)", took.Round(time.Millisecond), cached.DefaultTTL)
	if st, code := ccStatus(t, b, id, newSecret); st != http.StatusOK {
		t.Errorf("new secret on B: %d %s, want 200", st, code)
	}

	// Deleted on A: B has it cached again (the new secret just worked).
	// B may refuse it even before its entry expires: the token's row names
	// the client, so the database refuses to store it, and the token
	// endpoint answers invalid_client rather than an error of its own.
	if status, body := a.adminDo(t, "DELETE", "/admin/clients/"+id, nil); status != http.StatusNoContent {
		t.Fatalf("delete on A: %d %s", status, body)
	}
	if st, code := ccStatus(t, a, id, newSecret); st != http.StatusUnauthorized || code != "invalid_client" {
		t.Errorf("deleted client on A: %d %s, want 401 invalid_client", st, code)
	}
	took = withinBound(t, "the deleted client still gets tokens on node B", cached.DefaultTTL, func() bool {
		st, _ := ccStatus(t, b, id, newSecret)
		return st == http.StatusUnauthorized
	})
	t.Logf("node B refused the deleted client after %v (bound %v)", took.Round(time.Millisecond), cached.DefaultTTL)
}

// jsonField reads a string field of a JSON object.
func jsonField(t *testing.T, body []byte, field string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	v, ok := m[field].(string)
	if !ok {
		t.Fatalf("no %s in %s", field, body)
	}
	return v
}
