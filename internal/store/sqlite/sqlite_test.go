package sqlite

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/store/storetest"
)

func open(t *testing.T) *Store {
	t.Helper()
	st, err := Open(filepath.Join(t.TempDir(), "sigil.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return st
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) sigil.Store { return open(t) })
}

func TestMigrateTwice(t *testing.T) {
	st := open(t)
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
}

// TestMigrationsGoDown runs the migrations down and up again, so that each
// Down stays in step with its Up: the second migration's Down keeps the rows
// and drops only its columns, and the first's leaves an empty database.
func TestMigrationsGoDown(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, st.db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	if err := st.CreateClient(ctx, &sigil.Client{ID: "rp"}); err != nil {
		t.Fatal(err)
	}
	a := &sigil.Authorization{
		ID: "flow", ClientID: "rp", ExpiresAt: t0, Records: map[string]string{"email": "a@example.com"},
		RefreshFamily: "family", RefreshTokenHash: []byte("refresh"), RefreshTokenExpiresAt: t0,
	}
	if err := st.CreateAuthorization(ctx, a); err != nil {
		t.Fatal(err)
	}

	if _, err := p.DownTo(ctx, 1); err != nil {
		t.Fatalf("down to 1: %v", err)
	}
	var n int
	if err := st.db.QueryRow("SELECT count(*) FROM authorizations WHERE id = 'flow'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("authorization after down to 1: %d, %v", n, err)
	}
	if err := st.db.QueryRow("SELECT count(*) FROM pragma_table_info('authorizations')" +
		" WHERE name IN ('records', 'refresh_family', 'refresh_token_hash', 'refresh_token_expires_at')").Scan(&n); err != nil || n != 0 {
		t.Fatalf("columns of migration 2 left after down to 1: %d, %v", n, err)
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		t.Fatalf("down to 0: %v", err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("Migrate after down: %v", err)
	}
	if err := st.CreateClient(ctx, &sigil.Client{ID: "rp"}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateAuthorization(ctx, a); err != nil {
		t.Fatalf("CreateAuthorization after down and up: %v", err)
	}
	got, err := st.GetAuthorization(ctx, a.ID)
	if err != nil || got.RefreshFamily != "family" || got.Records["email"] != "a@example.com" {
		t.Fatalf("GetAuthorization after down and up: %+v, %v", got, err)
	}
}

func TestPragmas(t *testing.T) {
	for _, dsn := range []string{"sigil.db", "file:sigil.db", "file:sigil.db?mode=rwc"} {
		t.Run(dsn, func(t *testing.T) {
			full := filepath.Join(t.TempDir(), dsn)
			if strings.HasPrefix(dsn, "file:") {
				full = "file:" + filepath.Join(t.TempDir(), strings.TrimPrefix(dsn, "file:"))
			}
			st, err := Open(full)
			if err != nil {
				t.Fatalf("Open(%s): %v", full, err)
			}
			defer st.Close()
			for pragma, want := range map[string]string{
				"journal_mode": "wal",
				"busy_timeout": "5000",
				"foreign_keys": "1",
				"synchronous":  "1", // NORMAL
			} {
				var got string
				if err := st.db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
					t.Fatalf("PRAGMA %s: %v", pragma, err)
				}
				if !strings.EqualFold(got, want) {
					t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
				}
			}
		})
	}
}

func TestWithPragmasKeepsDSNChoices(t *testing.T) {
	got, err := withPragmas("x.db?_pragma=busy_timeout(100)&_fk=0")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(got, "busy_timeout") != 1 || strings.Contains(got, "foreign_keys") ||
		!strings.Contains(got, "journal_mode") || !strings.HasSuffix(got, "&_pragma=busy_timeout(100)&_fk=0") {
		t.Errorf("withPragmas = %s", got)
	}
}

// TestInMemory runs the suite on ":memory:", which Open pins to a single
// connection because each connection would otherwise see its own database.
func TestInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) sigil.Store {
		st, err := Open(":memory:")
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Migrate(context.Background()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		return st
	})
}
