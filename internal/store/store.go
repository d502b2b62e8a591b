// Package store is where the CLI opens a backend: PostgreSQL for a
// postgres:// or postgresql:// DSN, SQLite for anything else. Both are the
// one sqlstore implementation of sigil.Store with their own driver and
// migrations, and pass the same conformance suite (storetest).
package store

import (
	"context"
	"strings"
	"time"

	"github.com/sigil-oidc/sigil"
	"github.com/sigil-oidc/sigil/internal/store/postgres"
	"github.com/sigil-oidc/sigil/internal/store/sqlite"
)

// Backend is a sigil.Store that can also migrate and report readiness.
type Backend interface {
	sigil.Store
	// Migrate applies the embedded migrations that are missing and returns
	// their versions; it is safe to run from several processes at once.
	Migrate(ctx context.Context) ([]int64, error)
	// Ready reports whether the database answers, holds the schema this
	// binary needs and takes a write (a one-row UPSERT into the health
	// table, bounded to about a second): a locked, read-only, corrupt or
	// full database is not ready. Callers run it at most about once a
	// second (server.Health caches its result).
	Ready(ctx context.Context) error
	// Statements counts the SQL statements sent (see sqlstore).
	Statements() uint64
	// PoolSize is the most connections the store opens at once, for
	// sizing admission control (package admission).
	PoolSize() int
}

// Options tunes a PostgreSQL connection pool (a zero field takes the
// default documented on postgres.Options; SQLite ignores them), and the
// SQLite integrity check at open.
type Options struct {
	MaxConns         int
	StatementTimeout time.Duration
	ConnMaxLifetime  time.Duration
	// SQLiteSkipIntegrityCheck skips PRAGMA quick_check when a SQLite
	// database opens (sqlite.Options).
	SQLiteSkipIntegrityCheck bool
	// DurableFlowWrites turns off PostgreSQL's asynchronous commit of the
	// flow writes (postgres.Options).
	DurableFlowWrites bool
}

// IsPostgres reports whether dsn names PostgreSQL (postgres:// or
// postgresql://).
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database dsn names, PostgreSQL for postgres(ql):// URLs,
// else a SQLite file path or file: URI. The schema is not touched: call
// Migrate.
func Open(ctx context.Context, dsn string, opts Options) (Backend, error) {
	// Each branch returns a nil Backend on error, never a typed nil.
	if IsPostgres(dsn) {
		st, err := postgres.Open(ctx, dsn, postgres.Options{MaxConns: opts.MaxConns, StatementTimeout: opts.StatementTimeout,
			ConnMaxLifetime: opts.ConnMaxLifetime, DurableFlowWrites: opts.DurableFlowWrites})
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	st, err := sqlite.OpenWith(dsn, sqlite.Options{SkipIntegrityCheck: opts.SQLiteSkipIntegrityCheck})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// The backends implement Backend.
var (
	_ Backend = (*postgres.Store)(nil)
	_ Backend = (*sqlite.Store)(nil)
)
