// Package store is where the CLI opens a backend: PostgreSQL for a
// postgres:// or postgresql:// URL or a libpq key/value DSN, SQLite for a
// file path. Both are the
// one sqlstore implementation of sigil.Store with their own driver and
// migrations, and pass the same conformance suite (storetest).
package store

import (
	"context"
	"fmt"
	"regexp"
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

// IsPostgres reports whether dsn names PostgreSQL: a postgres:// or
// postgresql:// URL (the scheme in any case), or a libpq key/value
// connection string such as "host=db dbname=sigil" (both forms of libpq's
// section 34.1.1). Anything else is a SQLite file.
func IsPostgres(dsn string) bool {
	if scheme, ok := URLScheme(dsn); ok {
		return strings.EqualFold(scheme, "postgres") || strings.EqualFold(scheme, "postgresql")
	}
	return libpqKeyValue.MatchString(dsn)
}

// libpqKeyValue finds a libpq keyword followed by "=" at the start of the
// DSN or after white space, with white space allowed around the "=" as
// libpq allows it ("host = db dbname = sigil").
var libpqKeyValue = regexp.MustCompile(`(^|\s)(` + strings.Join(libpqKeywords, "|") + `)\s*=`)

// URLScheme is the scheme of dsn when dsn is a URL, scheme://...: the
// scheme is a letter and then letters, digits, "+", "-" or "." (RFC 3986
// section 3.1), so a file path that merely contains "://" is no URL.
func URLScheme(dsn string) (string, bool) {
	scheme, _, ok := strings.Cut(dsn, "://")
	if !ok || scheme == "" {
		return "", false
	}
	for i, c := range scheme {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || !(c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return "", false
		}
	}
	return scheme, true
}

// libpqKeywords are the libpq connection parameters a key/value DSN is
// recognised by: one of them, followed by "=", makes a DSN PostgreSQL's
// rather than a SQLite file name.
var libpqKeywords = []string{"host", "hostaddr", "port", "dbname", "user", "password", "sslmode",
	"connect_timeout", "target_session_attrs", "service", "application_name", "options"}

// Open opens the database dsn names: PostgreSQL for what IsPostgres
// recognises, else a SQLite file path or file: URI; a URL of any other
// scheme is an error rather than a file name. The schema is not touched:
// call Migrate.
func Open(ctx context.Context, dsn string, opts Options) (Backend, error) {
	// Each branch returns a nil Backend on error, never a typed nil.
	if IsPostgres(dsn) {
		// pgx recognises the URL form by its lower-case scheme only.
		if scheme, ok := URLScheme(dsn); ok {
			dsn = strings.ToLower(scheme) + dsn[len(scheme):]
		}
		st, err := postgres.Open(ctx, dsn, postgres.Options{MaxConns: opts.MaxConns, StatementTimeout: opts.StatementTimeout,
			ConnMaxLifetime: opts.ConnMaxLifetime, DurableFlowWrites: opts.DurableFlowWrites})
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	if scheme, ok := URLScheme(dsn); ok && !strings.EqualFold(scheme, "file") {
		return nil, fmt.Errorf("the DSN's scheme %q is not a database Sigil supports: give a postgres:// URL, a libpq key/value string (host=... dbname=...) or a SQLite file path", scheme)
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
