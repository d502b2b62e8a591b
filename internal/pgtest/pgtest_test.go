package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"syscall"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestNewDatabase: each call is a new, empty database that a test can
// write to, and it is gone after the test's cleanup.
func TestNewDatabase(t *testing.T) {
	var first string
	t.Run("use", func(t *testing.T) {
		first = NewDatabase(t)
		second := NewDatabase(t)
		if first == second {
			t.Fatalf("two calls gave one database: %s", first)
		}
		db, err := sql.Open("pgx", first)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRow("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&n); err != nil || n != 0 {
			t.Fatalf("new database has %d tables, %v", n, err)
		}
		if _, err := db.Exec("CREATE TABLE t (x int)"); err != nil {
			t.Fatal(err)
		}
	})
	db, err := sql.Open("pgx", first)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.PingContext(context.Background()); err == nil {
		t.Fatalf("database %s still exists after its test", first)
	}
}

// TestStartAndStopDir is the throwaway-postgres command's life: a detached
// server accepts connections, and StopDir ends it by the PID in its
// directory and removes the directory.
func TestStartAndStopDir(t *testing.T) {
	s, err := StartServer(StartOptions{Detach: true})
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", s.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	err = db.Ping()
	db.Close()
	if err != nil {
		s.Stop()
		t.Fatalf("ping: %v", err)
	}
	if err := StopDir(s.Dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(s.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("directory %s left behind: %v", s.Dir, err)
	}
	if err := syscall.Kill(s.PID, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("postgres %d still running: %v", s.PID, err)
	}
}
