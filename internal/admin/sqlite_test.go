package admin

import (
	"bytes"
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigil-oidc/sigil/internal/oautherr"
	"github.com/sigil-oidc/sigil/internal/store/sqlite"
)

// TestWithSQLiteStore runs create, get, rotate, replace and delete against
// the real SQLite store, so the handler's use of the store (the secret hash,
// scopes, lists, timestamps and error mapping) is checked end to end.
func TestWithSQLiteStore(t *testing.T) {
	ctx := context.Background()
	st := migratedSQLite(t)
	f := &fixture{h: NewHandler(st, HashToken(testToken), nil, nil)}

	rec := f.do(t, "POST", "/admin/clients", `{"client_id":"sql-client","client_name":"SQL","redirect_uris":["https://a.example/cb","com.example.app:/cb"],"scope":"openid wallet email","allowed_cors_origins":["https://a.example"],"allow_plain_pkce":true}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	created := decodeMetadata(t, rec)
	stored, err := st.GetClient(ctx, "sql-client")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored.SecretHash, sha(created.ClientSecret)) {
		t.Fatal("stored hash != sha256(secret)")
	}

	rec = f.do(t, "GET", "/admin/clients/sql-client", "")
	got := decodeMetadata(t, rec)
	created.ClientSecret, created.ClientSecretExpiresAt = "", nil
	if mustJSON(t, got) != mustJSON(t, created) {
		t.Fatalf("GET after a round trip through SQLite\n got %s\nwant %s", mustJSON(t, got), mustJSON(t, created))
	}
	if strings.Contains(rec.Body.String(), `"client_secret"`) {
		t.Fatal("GET shows the secret")
	}

	rec = f.do(t, "POST", "/admin/clients/sql-client/secret", "")
	rotated := decodeMetadata(t, rec)
	if rec.Code != http.StatusOK || rotated.ClientSecret == "" {
		t.Fatalf("rotate: %d %s", rec.Code, rec.Body)
	}
	after, err := st.GetClient(ctx, "sql-client")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(after.SecretHash, stored.SecretHash) || !bytes.Equal(after.SecretHash, sha(rotated.ClientSecret)) {
		t.Fatal("rotation did not store sha256(new secret)")
	}

	// Duplicate id, replace, list, delete and the 404s, on the real store.
	wantError(t, f.do(t, "POST", "/admin/clients", `{"client_id":"sql-client","redirect_uris":["https://a.example/cb"]}`),
		oautherr.ErrInvalidClientMetadata, "already exists")
	rec = f.do(t, "PUT", "/admin/clients/sql-client", `{"redirect_uris":["https://b.example/cb"],"token_endpoint_auth_method":"none"}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("put: %d %s", rec.Code, rec.Body)
	}
	if c, _ := st.GetClient(ctx, "sql-client"); len(c.SecretHash) != 0 || !c.Public() || c.RedirectURIs[0] != "https://b.example/cb" {
		t.Fatalf("after PUT: %+v", c)
	}
	if body := f.do(t, "GET", "/admin/clients", "").Body.String(); !strings.Contains(body, `"client_id":"sql-client"`) {
		t.Fatalf("list: %s", body)
	}
	if rec := f.do(t, "DELETE", "/admin/clients/sql-client", ""); rec.Code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	wantError(t, f.do(t, "DELETE", "/admin/clients/sql-client", ""), oautherr.ErrNotFound)
	wantError(t, f.do(t, "GET", "/admin/clients/sql-client", ""), oautherr.ErrNotFound)
	wantError(t, f.do(t, "POST", "/admin/clients/sql-client/secret", ""), oautherr.ErrNotFound)
	wantError(t, f.do(t, "PUT", "/admin/clients/sql-client", minimalBody), oautherr.ErrNotFound)
}

// migratedSQLite is a real SQLite store in a temporary directory, migrated,
// closed when t ends.
func migratedSQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "sigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}
