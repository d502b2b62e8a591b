// Package pgtest gives tests a real PostgreSQL: each test gets a new, empty
// database on a server that the test binary starts on first use (initdb into
// a temporary directory, a free loopback port) and stops when its tests are
// done. Scripts that run several test binaries can share one server instead:
// start it with `go run ./internal/pgtest/cmd/throwaway-postgres start` and
// export the SIGIL_TEST_POSTGRES it prints.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// EnvServer names the environment variable holding the base DSN
// (postgres://...) of an already running server to use instead of starting
// one; pgtest then neither starts nor stops a server.
const EnvServer = "SIGIL_TEST_POSTGRES"

// shared is the test binary's server, started on first use.
var shared struct {
	once   sync.Once
	err    error
	base   string  // DSN of the maintenance database "postgres"
	server *Server // nil when EnvServer names the server
	admin  *sql.DB // creates and drops the tests' databases
}

// setUp starts the server (or connects to EnvServer's) once.
func setUp() error {
	shared.once.Do(func() {
		shared.base = os.Getenv(EnvServer)
		if shared.base == "" {
			s, err := StartServer(StartOptions{})
			if err != nil {
				shared.err = err
				return
			}
			shared.server = s
			shared.base = s.DSN("postgres")
		}
		db, err := sql.Open("pgx", shared.base)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err = db.PingContext(ctx)
			cancel()
		}
		if err != nil {
			shared.err = fmt.Errorf("pgtest: connect to %s: %w", shared.base, err)
			return
		}
		shared.admin = db
	})
	return shared.err
}

// NewDatabase returns the DSN (postgres://...) of a new, empty database on
// the test binary's throwaway server, dropped at t.Cleanup. It starts the
// server on first use. It fails the test (never skips) when PostgreSQL
// cannot start.
func NewDatabase(t testing.TB) string {
	t.Helper()
	if err := setUp(); err != nil {
		t.Fatal(err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "sigil_test_" + hex.EncodeToString(b[:])
	dsn, err := databaseDSN(shared.base, name)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := shared.admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// FORCE ends the sessions of a pool the test left open.
		if _, err := shared.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return dsn
}

// Main runs the tests and then stops the server Main's package started (by
// its PID), returning m.Run's code:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
func Main(m *testing.M) int {
	code := m.Run()
	if shared.admin != nil {
		shared.admin.Close()
	}
	if shared.server != nil {
		if err := shared.server.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	return code
}
