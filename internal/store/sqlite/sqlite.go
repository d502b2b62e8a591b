// Package sqlite opens Sigil's store on SQLite, through the pure-Go driver
// modernc.org/sqlite so that Sigil builds without cgo, and carries the
// SQLite schema as embedded goose migrations. The statements themselves live
// in package sqlstore, shared with PostgreSQL.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"strings"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sigil-oidc/sigil/internal/store/sqlstore"
)

// migrations is the SQLite schema, applied by Migrate.
//
//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is how SQLite differs for sqlstore: "?" parameters and the
// extended result codes of broken constraints (the driver turns extended
// codes on for every connection).
var Dialect = sqlstore.Dialect{
	Name: "sqlite",
	IsUniqueViolation: func(err error) bool {
		c := code(err)
		return c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || c == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	},
	IsForeignKeyViolation: func(err error) bool {
		return code(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	},
}

func code(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// pragmas are set on every connection the pool opens, unless the DSN sets
// them itself:
//   - busy_timeout makes a writer wait for the write lock (SQLite has one
//     writer at a time) instead of failing with SQLITE_BUSY;
//   - journal_mode WAL lets readers run alongside that writer;
//   - foreign_keys enforces the schema's references and ON DELETE CASCADE,
//     which SQLite otherwise ignores;
//   - synchronous NORMAL is durable enough in WAL mode (a power loss can
//     only drop the last commits, never corrupt) and saves an fsync per
//     commit.
var pragmas = []struct{ name, value string }{
	{"busy_timeout", "5000"},
	{"journal_mode", "WAL"},
	{"foreign_keys", "1"},
	{"synchronous", "NORMAL"},
}

// shorthands are the driver's own DSN keys for the same pragmas; a DSN that
// uses one of them also keeps its own value.
var shorthands = map[string][]string{
	"busy_timeout": {"_busy_timeout", "_timeout"},
	"journal_mode": {"_journal_mode", "_journal"},
	"foreign_keys": {"_foreign_keys", "_fk"},
	"synchronous":  {"_synchronous", "_sync"},
}

// Store is a sqlstore.Store on SQLite that can also migrate its schema.
type Store struct {
	*sqlstore.Store
	db *sql.DB
}

// Open opens the SQLite database named by dsn: a file path ("sigil.db") or
// a URI ("file:sigil.db?mode=rwc"), with or without the driver's query
// parameters. It adds the pragmas Sigil relies on (WAL, busy_timeout 5000ms,
// foreign_keys, synchronous NORMAL) as _pragma parameters, leaving any the
// DSN already sets, and checks that the database opens. The schema is not
// touched: call Migrate.
func Open(dsn string) (*Store, error) {
	full, err := withPragmas(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: dsn: %w", err)
	}
	db, err := sql.Open("sqlite", full)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	// Writers queue in database/sql rather than busy-wait in SQLite, and
	// connections, which run the pragmas when opened, are kept. An
	// in-memory database exists once per connection, so it gets just one.
	n := max(4, runtime.GOMAXPROCS(0))
	if inMemory(dsn) {
		n = 1
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	if err := db.PingContext(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	return &Store{Store: sqlstore.New(db, Dialect), db: db}, nil
}

// Migrate brings the schema up to date with the embedded migrations.
func (s *Store) Migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, s.db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

// withPragmas puts the _pragma parameters the DSN lacks in front of its own
// query, so the DSN's keys stay as written.
func withPragmas(dsn string) (string, error) {
	path, query, _ := strings.Cut(dsn, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", err
	}
	set := map[string]bool{}
	for _, p := range q["_pragma"] {
		name, _, _ := strings.Cut(p, "(")
		name, _, _ = strings.Cut(name, "=")
		set[strings.ToLower(strings.TrimSpace(name))] = true
	}
	add := url.Values{}
	for _, p := range pragmas {
		if set[p.name] || anyKey(q, shorthands[p.name]) {
			continue
		}
		add.Add("_pragma", p.name+"("+p.value+")")
	}
	parts := []string{}
	if len(add) > 0 {
		parts = append(parts, add.Encode())
	}
	if query != "" {
		parts = append(parts, query)
	}
	if len(parts) == 0 {
		return path, nil
	}
	return path + "?" + strings.Join(parts, "&"), nil
}

func anyKey(q url.Values, keys []string) bool {
	for _, k := range keys {
		if q.Has(k) {
			return true
		}
	}
	return false
}

// inMemory reports whether dsn names an in-memory database.
func inMemory(dsn string) bool {
	path, query, _ := strings.Cut(dsn, "?")
	if path == ":memory:" || path == "file::memory:" || path == "" {
		return true
	}
	q, _ := url.ParseQuery(query)
	return q.Get("mode") == "memory"
}
