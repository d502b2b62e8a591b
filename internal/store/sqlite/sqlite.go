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
	"log/slog"
	"net/url"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sigil-oidc/sigil/internal/store/sqlstore"
)

// migrations is the SQLite schema, applied by Migrate.
//
//go:embed migrations/*.sql
var migrations embed.FS

// schema is how the migrations are applied and checked.
var schema = sqlstore.Schema{
	Name:               "sqlite",
	Dialect:            goose.DialectSQLite3,
	Migrations:         sqlstore.MigrationsDir(migrations, "migrations"),
	VersionTableExists: "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'",
}

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
	// Every write goes through the writer pool's one connection.
	OneWriter: true,
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
//     commit;
//   - wal_autocheckpoint 0 leaves checkpoints to the store's checkpointer
//     (checkpoint.go) instead of the commit that fills the log.
var pragmas = []pragma{
	{"busy_timeout", "5000"},
	{"journal_mode", "WAL"},
	{"foreign_keys", "1"},
	{"synchronous", "NORMAL"},
	{"wal_autocheckpoint", "0"},
}

// pragma is a PRAGMA name and the value Sigil sets it to.
type pragma struct{ name, value string }

// readerCache is the page cache of each connection of the read pool:
// 512 KiB instead of SQLite's 2 MiB. In WAL mode a connection drops its
// whole cache when it begins a read and finds that another connection
// wrote since its last one, and under load the writer commits between
// almost any two reads, so a reader's cache seldom outlives one statement;
// the writer's, which no other connection invalidates, keeps the default.
// The smaller cache caps what the readers may hold (at most about 6 MiB
// less than SQLite's default with four of them); the benchmark's peak RSS
// did not move measurably, because under load their caches seldom fill.
var readerCache = pragma{"cache_size", "-512"}

// shorthands are the driver's own DSN keys for the same pragmas; a DSN that
// uses one of them also keeps its own value.
var shorthands = map[string][]string{
	"busy_timeout": {"_busy_timeout", "_timeout"},
	"journal_mode": {"_journal_mode", "_journal"},
	"foreign_keys": {"_foreign_keys", "_fk"},
	"synchronous":  {"_synchronous", "_sync"},
}

// Store is a sqlstore.Store on SQLite that can also migrate its schema and
// report readiness.
type Store struct {
	*sqlstore.Store
	// db is the pool of the reads (and of migrations and checks), writer
	// the one connection every write goes through; the same handle for an
	// in-memory database.
	db, writer *sql.DB
	// probe is the readiness probe's own pool of one connection, opened
	// afresh for every probe (see Ready); db itself for an in-memory
	// database, which exists only in db's connection.
	probe *sql.DB
	// lockPath is the file Migrate locks, "" for an in-memory database.
	lockPath string
	// dir is the directory of the database file, whose free space Ready
	// checks; "" for an in-memory database.
	dir string
	// checkpoints copies the write-ahead log into the file in the
	// background; nil for an in-memory database, which has no log.
	checkpoints *checkpointer
}

// Options are the choices of OpenWith.
type Options struct {
	// SkipIntegrityCheck skips PRAGMA quick_check at open, which reads the
	// whole file: for a database so large that the check would hold up
	// every start.
	SkipIntegrityCheck bool
}

// Open is OpenWith with the default options: the integrity check runs.
func Open(dsn string) (*Store, error) { return OpenWith(dsn, Options{}) }

// OpenWith opens the SQLite database named by dsn: a file path ("sigil.db")
// or a URI ("file:sigil.db?mode=rwc"), with or without the driver's query
// parameters. It adds the pragmas Sigil relies on (WAL, busy_timeout 5000ms,
// foreign_keys, synchronous NORMAL, wal_autocheckpoint 0) as _pragma
// parameters, leaving any the DSN already sets, checks that the database
// opens and, unless opts.SkipIntegrityCheck, that it passes PRAGMA
// quick_check: a file a crash, a bad disk or a copy made while it was
// written has corrupted is refused at start, naming the file, rather than
// served until a request reaches the broken page. It then starts
// checkpointing the write-ahead log in the background (checkpoint.go;
// Close stops it). The schema is not touched: call Migrate.
func OpenWith(dsn string, opts Options) (*Store, error) {
	full, err := withPragmas(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: dsn: %w", err)
	}
	// The read pool's connections keep a smaller page cache (readerCache);
	// an in-memory database's one connection also writes.
	readers := full
	if !inMemory(dsn) {
		readers, _ = withPragmas(dsn, readerCache) // parsed once above
	}
	name := filePath(dsn)
	db, err := sql.Open("sqlite", readers)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", name, err)
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
	if err := ping(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", name, err)
	}
	if !opts.SkipIntegrityCheck && !inMemory(dsn) {
		if err := quickCheck(db); err != nil {
			db.Close()
			return nil, fmt.Errorf("sqlite: %s: %w; restore it from a backup (or, to serve it as it is, start with --sqlite-skip-integrity-check)", name, err)
		}
	}
	// The writes get a pool of their own, of one connection (see
	// sqlstore.NewSplit): SQLite writes one at a time anyway, and this way
	// they wait in line in Go instead of sleeping in SQLite's busy handler.
	// An in-memory database has one connection for everything.
	writer := db
	if !inMemory(dsn) {
		if writer, err = sql.Open("sqlite", full); err != nil {
			db.Close()
			return nil, fmt.Errorf("sqlite: open %s: %w", name, err)
		}
		writer.SetMaxOpenConns(1)
		writer.SetMaxIdleConns(1)
	}
	st := &Store{Store: sqlstore.NewSplit(db, writer, Dialect), db: db, writer: writer, probe: db, lockPath: lockPath(dsn)}
	if !inMemory(dsn) {
		st.dir = filepath.Dir(name)
		if st.probe, err = sql.Open("sqlite", readers); err != nil {
			db.Close()
			return nil, fmt.Errorf("sqlite: open %s: %w", name, err)
		}
		st.probe.SetMaxOpenConns(1)
		st.probe.SetMaxIdleConns(0)
		st.checkpoints = startCheckpointer(db, writer, checkpointInterval, slog.Default())
	}
	return st, nil
}

// openBusyWait is how long ping waits out SQLITE_BUSY: busy_timeout's
// 5 seconds, which SQLite does not apply to that case.
const openBusyWait = 5 * time.Second

// ping opens db's first connection, which runs the pragmas. On a new file
// PRAGMA journal_mode=WAL needs the file to itself, and while another
// connection is switching the same file to WAL SQLite answers SQLITE_BUSY
// at once instead of waiting out busy_timeout: three nodes started at the
// same instant on a new file (issue 6) saw one of them exit with "database
// is locked" about once in fifty starts. So ping tries again, every 10 ms,
// for up to openBusyWait. Once the file is in WAL mode the pragma changes
// nothing and takes no such lock, so the pools' later connections need no
// retry.
func ping(db *sql.DB) error {
	deadline := time.Now().Add(openBusyWait)
	for {
		err := db.PingContext(context.Background())
		if err == nil || code(err)&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// quickCheck runs PRAGMA quick_check (the B-tree structure, without the
// slower index-content checks of integrity_check) and returns its first
// findings as an error.
func quickCheck(db *sql.DB) error {
	rows, err := db.QueryContext(context.Background(), "PRAGMA quick_check(5)")
	if err != nil {
		return fmt.Errorf("the database file is corrupt or unreadable (PRAGMA quick_check: %w)", err)
	}
	defer rows.Close()
	var found []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return fmt.Errorf("the database file is corrupt or unreadable (PRAGMA quick_check: %w)", err)
		}
		if line != "ok" {
			found = append(found, line)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("the database file is corrupt or unreadable (PRAGMA quick_check: %w)", err)
	}
	if len(found) > 0 {
		return fmt.Errorf("the database file is corrupt (PRAGMA quick_check: %s)", strings.Join(found, "; "))
	}
	return nil
}

// Close stops the checkpoints and closes the store and the readiness
// probe's pool.
func (s *Store) Close() error {
	if s.checkpoints != nil {
		s.checkpoints.close()
	}
	if s.probe != s.db {
		s.probe.Close()
	}
	return s.Store.Close()
}

// PoolSize is the most connections the store opens at once.
func (s *Store) PoolSize() int {
	n := s.db.Stats().MaxOpenConnections
	if s.writer != s.db {
		n += s.writer.Stats().MaxOpenConnections
	}
	return n
}

// Migrate brings the schema up to date with the embedded migrations and
// returns the versions it applied (none when another process got there
// first).
//
// Several processes may migrate one file at once (a fleet of `sigil serve`
// started together); goose alone would then run the same migration twice.
// So Migrate first takes an exclusive lock (flock) on a lock file beside
// the database, named after it with ".migrate-lock" appended
// (sigil.db.migrate-lock), and holds it while it reads the schema's
// version and applies what is missing: one process applies, the others wait
// for it and then find nothing to do. The lock file stays in place (deleting
// it would let a late process lock a file nobody else sees). An in-memory
// database belongs to one process and needs no lock.
func (s *Store) Migrate(ctx context.Context) ([]int64, error) {
	if s.lockPath != "" {
		lock := flock.New(s.lockPath, flock.SetPermissions(0o600))
		if _, err := lock.TryLockContext(ctx, 50*time.Millisecond); err != nil {
			return nil, fmt.Errorf("sqlite: migrate: lock %s: %w", s.lockPath, err)
		}
		defer lock.Close() // unlocks
	}
	return schema.Up(ctx, s.db)
}

// Ready reports whether the database answers within two seconds, holds at
// least the schema this binary needs, and takes a write within
// probeTimeout.
//
// Reads alone would pass on a database that cannot serve a sign-in: in WAL
// mode readers go on while another process holds the write lock, and a
// full disk or a read-only file fails only writes. So the probe writes one
// row (health, migration 9) on a connection of its own, opened for the
// probe and closed after it: it waits for the write lock at most
// probeTimeout (its own busy_timeout, not the pool's 5 s), it never
// queues behind the pool's busy connections, and it reads the file's
// header and schema afresh, so a file damaged under a running node is
// seen. The caller bounds how often it runs (server.Health, once a second).
func (s *Store) Ready(ctx context.Context) error {
	if err := schema.Ready(ctx, s.db); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*probeTimeout)
	defer cancel()
	conn, err := s.probe.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: not ready: %w", err)
	}
	defer conn.Close()
	if s.probe != s.db { // a connection of the probe's own
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA busy_timeout = %d", probeTimeout.Milliseconds())); err != nil {
			return fmt.Errorf("sqlite: not ready: %w", err)
		}
	}
	if _, err := conn.ExecContext(ctx, healthUpsert, time.Now().Unix()); err != nil {
		return fmt.Errorf("sqlite: not ready: the database takes no write: %w", err)
	}
	// A write can succeed on a full disk: the WAL reuses the space of
	// frames already checkpointed. So the free space is read too (one
	// statfs), against what a checkpoint of a full WAL needs and then some.
	if free, ok := freeBytes(s.dir); ok && s.dir != "" && free < MinFreeBytes {
		return fmt.Errorf("sqlite: not ready: the file system holding %s has %d bytes free, less than %d", s.dir, free, MinFreeBytes)
	}
	return nil
}

// MinFreeBytes is the free space below which a SQLite node is not ready:
// 64 MiB, four times what checkpointing a full WAL (walRestartFrames pages
// of 4 KiB, see checkpoint.go) may need, so a node leaves the load
// balancer before its writes start failing.
const MinFreeBytes = 4 * walRestartFrames * 4096

// probeTimeout bounds how long Ready's write waits for SQLite's write
// lock: a node whose database stays locked longer than this by another
// process (a backup, a long migration, a stuck job) is not ready. Sigil's
// own writes hold the lock for milliseconds.
const probeTimeout = time.Second

// healthUpsert is Ready's write: one row, updated in place, so the table
// never grows.
const healthUpsert = "INSERT INTO health (id, checked_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at"

// Version reads the schema's version: the newest migration applied, 0
// before the first.
func (s *Store) Version(ctx context.Context) (int64, error) { return schema.Version(ctx, s.db) }

// lockPath is the file Migrate locks for the database dsn names, "" for an
// in-memory database.
func lockPath(dsn string) string {
	if inMemory(dsn) {
		return ""
	}
	return filePath(dsn) + ".migrate-lock"
}

// filePath is the file dsn names, for messages and the lock file.
func filePath(dsn string) string {
	path, _, _ := strings.Cut(dsn, "?")
	if rest, ok := strings.CutPrefix(path, "file:"); ok {
		path = rest
		// file:///abs/path is the URI spelling of /abs/path.
		if strings.HasPrefix(path, "///") {
			path = strings.TrimPrefix(path, "//")
		}
	}
	return path
}

// withPragmas puts the _pragma parameters the DSN lacks in front of its own
// query, so the DSN's keys stay as written.
func withPragmas(dsn string, extra ...pragma) (string, error) {
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
	for _, p := range slices.Concat(pragmas, extra) {
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
