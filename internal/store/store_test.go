package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/sigil-oidc/sigil/internal/pgtest"
	"github.com/sigil-oidc/sigil/internal/store/postgres"
	"github.com/sigil-oidc/sigil/internal/store/sqlite"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestIsPostgres(t *testing.T) {
	for dsn, want := range map[string]bool{
		"postgres://db/sigil":       true,
		"postgresql://u:p@db/sigil": true,
		"sigil.db":                  false,
		"file:sigil.db?mode=rwc":    false,
		"host=db dbname=sigil":      false, // key=value needs a URL here
		"/data/postgres://weird.db": false,
		"":                          false,
	} {
		if got := IsPostgres(dsn); got != want {
			t.Errorf("IsPostgres(%q) = %v, want %v", dsn, got, want)
		}
	}
}

// TestOpen: a postgres:// DSN opens PostgreSQL and anything else SQLite;
// each migrates and becomes ready.
func TestOpen(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, dsn string
		check     func(Backend) bool
	}{
		{"sqlite", filepath.Join(t.TempDir(), "sigil.db"), func(b Backend) bool { _, ok := b.(*sqlite.Store); return ok }},
		{"postgres", pgtest.NewDatabase(t), func(b Backend) bool { _, ok := b.(*postgres.Store); return ok }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := Open(ctx, tc.dsn, Options{MaxConns: 3})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if !tc.check(st) {
				t.Fatalf("Open(%s) = %T", tc.dsn, st)
			}
			if _, err := st.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := st.Ready(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestOpenFails: a failed Open returns a nil Backend, not a typed nil that
// a caller's "st != nil" would take for a store.
func TestOpenFails(t *testing.T) {
	for _, dsn := range []string{"postgres://127.0.0.1:1/none?connect_timeout=2", filepath.Join(t.TempDir(), "no", "such", "dir", "x.db")} {
		st, err := Open(context.Background(), dsn, Options{})
		if err == nil || st != nil {
			t.Errorf("Open(%s) = %v, %v; want a nil Backend and an error", dsn, st, err)
		}
	}
}
