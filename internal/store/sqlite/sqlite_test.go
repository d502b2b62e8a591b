package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gofrs/flock"

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
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return st
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) sigil.Store { return open(t) })
}

// allVersions are the versions of the embedded migrations, in order.
func allVersions(t *testing.T) []int64 {
	t.Helper()
	vs, err := schema.Versions()
	if err != nil || len(vs) < 2 {
		t.Fatalf("embedded migrations: %v, %v", vs, err)
	}
	return vs
}

// TestMigrate applies every migration once; a second Migrate applies
// nothing. Ready fails before, naming both versions, and passes after.
func TestMigrate(t *testing.T) {
	ctx := context.Background()
	st, err := Open(filepath.Join(t.TempDir(), "sigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	want := allVersions(t)
	err = st.Ready(ctx)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("schema at version 0, this binary needs %d; run sigil migrate", want[len(want)-1])) {
		t.Fatalf("Ready before Migrate: %v", err)
	}
	got, err := st.Migrate(ctx)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("first Migrate: %v, %v; want %v", got, err, want)
	}
	if err := st.Ready(ctx); err != nil {
		t.Fatalf("Ready after Migrate: %v", err)
	}
	got, err = st.Migrate(ctx)
	if err != nil || len(got) != 0 {
		t.Fatalf("second Migrate: %v, %v; want nothing applied", got, err)
	}
}

// TestConcurrentMigrate is the bug of three `sigil serve` started at once
// on one file ("duplicate column name", "failed to initialize"): five
// separate Opens of one new file migrate together, every one succeeds, the
// migrations are applied exactly once between them, and the schema is
// complete.
func TestConcurrentMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sigil.db")
	const n = 5
	stores := make([]storetest.Migrator, n)
	for i := range stores {
		st, err := Open(path)
		if err != nil {
			t.Fatalf("Open #%d: %v", i, err)
		}
		defer st.Close()
		stores[i] = st
	}
	storetest.MigrateAtOnce(t, stores, allVersions(t))
}

// TestConcurrentOpenOfANewFile is the other half of a fleet starting at
// once on a new file: before any migration, three Opens of the same new
// file at the same instant, 200 times over, must all succeed. Without
// ping's retry about one round in fifty had one fail with SQLITE_BUSY from
// PRAGMA journal_mode=WAL (busy_timeout does not cover it), and so did the
// three-node end-to-end test now and then.
func TestConcurrentOpenOfANewFile(t *testing.T) {
	for round := range 200 {
		path := filepath.Join(t.TempDir(), "fleet.db")
		start := make(chan struct{})
		errs := make(chan error, 3)
		for range 3 {
			go func() {
				<-start
				st, err := Open(path)
				if err == nil {
					err = st.Close()
				}
				errs <- err
			}()
		}
		close(start)
		for range 3 {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}

// TestMigrateWaitsForTheLock: while another process holds the lock file,
// Migrate waits, and gives up with the caller's context.
func TestMigrateWaitsForTheLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sigil.db")
	st, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	other := flock.New(path + ".migrate-lock")
	if ok, err := other.TryLock(); !ok || err != nil {
		t.Fatalf("lock: %v %v", ok, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := st.Migrate(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Migrate while locked: %v, want the context's deadline", err)
	}
	other.Close()
	if got, err := st.Migrate(context.Background()); err != nil || len(got) == 0 {
		t.Fatalf("Migrate after unlock: %v %v", got, err)
	}
}

func TestLockPath(t *testing.T) {
	for dsn, want := range map[string]string{
		"sigil.db":                    "sigil.db.migrate-lock",
		"/data/sigil.db?_pragma=x(1)": "/data/sigil.db.migrate-lock",
		"file:data/sigil.db?mode=rwc": "data/sigil.db.migrate-lock",
		"file:///data/sigil.db":       "/data/sigil.db.migrate-lock",
		":memory:":                    "",
		"file::memory:":               "",
		"file:x.db?mode=memory":       "",
	} {
		if got := lockPath(dsn); got != want {
			t.Errorf("lockPath(%q) = %q, want %q", dsn, got, want)
		}
	}
}

// TestMigrationsGoDown runs the migrations down and up again, so that each
// Down stays in step with its Up: the second migration's Down keeps the rows
// and drops only its columns, and the first's leaves an empty database.
func TestMigrationsGoDown(t *testing.T) {
	ctx := context.Background()
	st := open(t)
	p, err := schema.Provider(st.db)
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
	if _, err := st.Migrate(ctx); err != nil {
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
		if _, err := st.Migrate(context.Background()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		return st
	})
}

// TestMigrateWithRows upgrades a SQLite file that holds rows from every
// older schema version to the newest (storetest.MigrateWithRows).
func TestMigrateWithRows(t *testing.T) {
	storetest.MigrateWithRows(t, allVersions(t), func(t *testing.T) storetest.OldDatabase {
		st, err := Open(filepath.Join(t.TempDir(), "sigil.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return storetest.OldDatabase{
			Store: st,
			UpTo: func(ctx context.Context, version int64) error {
				p, err := schema.Provider(st.db)
				if err != nil {
					return err
				}
				_, err = p.UpTo(ctx, version)
				return err
			},
			Exec: func(ctx context.Context, query string) error {
				_, err := st.db.ExecContext(ctx, query)
				return err
			},
			Blob: func(b []byte) string { return fmt.Sprintf("X'%x'", b) },
		}
	})
}

// TestWritesWaitInGo checks that concurrent writes queue for the store's one
// writer connection instead of meeting on SQLite's write lock: with
// busy_timeout 0 a connection that finds the lock taken fails at once with
// SQLITE_BUSY ("database is locked"), so any two of the pool's connections
// writing together would show. Before the writes had a connection of their
// own, this failed within a few dozen writes; with a busy timeout the same
// contention cost sleeps of 1 ms and more in SQLite's busy handler.
func TestWritesWaitInGo(t *testing.T) {
	ctx := context.Background()
	st, err := Open("file:" + filepath.Join(t.TempDir(), "sigil.db") + "?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if err := st.CreateClient(ctx, &sigil.Client{ID: "rp"}); err != nil {
		t.Fatal(err)
	}
	const writers, each = 16, 25
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			for i := range each {
				c := sigil.Consent{Subject: fmt.Sprintf("p%d-%d.crypto", w, i), Address: "0xabc", ClientID: "rp",
					Scope: sigil.Scopes{"openid"}, GrantedAt: time.Now()}
				if err := st.SaveConsent(ctx, c); err != nil {
					errs <- err
					return
				}
				// A read between the writes, as a flow's steps do.
				if _, err := st.GetConsent(ctx, c.Subject, c.ClientID); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatalf("a concurrent write failed: %v", err)
		}
	}
}
