package store

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
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
		"POSTGRES://db/sigil":       true,
		"host=db dbname=sigil":      true, // libpq's key/value form
		"dbname=sigil":              true,
		"host = db dbname = sigil":  true, // libpq allows spaces around =
		"hostess=x.db":              false,
		"user=sigil password='a b'": true,
		"my host=x.db":              true, // a libpq keyword and "=": never a SQLite file name Sigil would guess
		"hostname.db":               false,
		"/data/postgres://weird.db": false,
		"":                          false,
	} {
		if got := IsPostgres(dsn); got != want {
			t.Errorf("IsPostgres(%q) = %v, want %v", dsn, got, want)
		}
	}
}

// TestOpenRefusesOtherSchemes: a URL of a database Sigil does not support
// is an error naming the forms it takes, not a SQLite file named after
// the URL.
func TestOpenRefusesOtherSchemes(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, dsn := range []string{"mysql://u:p@db/sigil", "sqlite://sigil.db"} {
		if st, err := Open(context.Background(), dsn, Options{}); err == nil {
			st.Close()
			t.Errorf("Open(%q) succeeded", dsn)
		} else if !strings.Contains(err.Error(), "postgres://") {
			t.Errorf("Open(%q): %v, want the forms Sigil takes", dsn, err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused DSN left files: %v", entries)
	}
}

// TestOpen: a postgres:// DSN, in either form and with the scheme in any
// case, opens PostgreSQL and anything else SQLite; each migrates and
// becomes ready.
func TestOpen(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, dsn string
		check     func(Backend) bool
	}{
		{"sqlite", filepath.Join(t.TempDir(), "sigil.db"), func(b Backend) bool { _, ok := b.(*sqlite.Store); return ok }},
		{"postgres", pgtest.NewDatabase(t), func(b Backend) bool { _, ok := b.(*postgres.Store); return ok }},
		{"postgres, scheme in capitals", "POSTGRES" + strings.TrimPrefix(pgtest.NewDatabase(t), "postgres"), func(b Backend) bool { _, ok := b.(*postgres.Store); return ok }},
		{"postgres, key/value", keyValue(t, pgtest.NewDatabase(t)), func(b Backend) bool { _, ok := b.(*postgres.Store); return ok }},
		{"postgres, key/value with spaces around =", strings.ReplaceAll(keyValue(t, pgtest.NewDatabase(t)), "=", " = "), func(b Backend) bool { _, ok := b.(*postgres.Store); return ok }},
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

// keyValue is the libpq key/value form of the postgres:// URL dsn.
func keyValue(t *testing.T, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	kv := []string{"host=" + u.Hostname(), "port=" + u.Port(), "dbname=" + strings.TrimPrefix(u.Path, "/"), "user=" + u.User.Username()}
	if p, ok := u.User.Password(); ok {
		kv = append(kv, "password="+p)
	}
	for k, v := range u.Query() {
		kv = append(kv, k+"="+v[0])
	}
	return strings.Join(kv, " ")
}
