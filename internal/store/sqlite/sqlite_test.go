package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

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
