// Package postgres opens Sigil's store on PostgreSQL, through pgx's
// database/sql driver, and carries the PostgreSQL schema as embedded goose
// migrations, applied under an advisory lock so that a fleet of nodes can
// start at once on one empty database. The statements themselves live in
// package sqlstore, shared with SQLite.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/sigil-oidc/sigil/internal/store/sqlstore"
)

// migrations is the PostgreSQL schema, applied by Migrate.
//
//go:embed migrations/*.sql
var migrations embed.FS

// schema is how the migrations are applied and checked; to_regclass is NULL
// before the first migration created goose's table.
var schema = sqlstore.Schema{
	Name:               "postgres",
	Dialect:            goose.DialectPostgres,
	Migrations:         sqlstore.MigrationsDir(migrations, "migrations"),
	VersionTableExists: "SELECT to_regclass('goose_db_version') IS NOT NULL",
}

// Dialect is how PostgreSQL differs for sqlstore: $n parameters and the
// SQLSTATEs of broken constraints (PostgreSQL Appendix A, class 23).
var Dialect = sqlstore.Dialect{
	Name:                  "postgres",
	Placeholder:           sqlstore.Numbered,
	IsUniqueViolation:     func(err error) bool { return sqlState(err) == "23505" }, // unique_violation
	IsForeignKeyViolation: func(err error) bool { return sqlState(err) == "23503" }, // foreign_key_violation
	// Two batches (of two nodes) that insert the same keys in opposite
	// orders wait on each other's uncommitted index entries, and
	// PostgreSQL ends one of them.
	IsDeadlock:   func(err error) bool { return sqlState(err) == "40P01" }, // deadlock_detected
	WritesInWith: true,
	Greatest:     "GREATEST",
}

func sqlState(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Options tunes the connection pool; a zero field takes its default.
type Options struct {
	// MaxConns caps the open connections of this node (default 10). A
	// login flow is about eight short statements, so a few connections
	// serve many sign-ins; keep MaxConns times the number of nodes below the
	// server's max_connections (100 by default).
	MaxConns int
	// StatementTimeout bounds every statement, as PostgreSQL's
	// statement_timeout set on each connection (default 5s; a statement of
	// Sigil takes milliseconds, so this only cuts off a stuck one), and on
	// the client's side DeadlineMargin later, for a server that no longer
	// answers. A statement_timeout in the DSN (in milliseconds) is kept
	// when this is zero. Migrations run without it.
	StatementTimeout time.Duration
	// ConnMaxLifetime closes connections after this long (default 30m), so
	// that the pool follows a failover or a load balancer's changes.
	ConnMaxLifetime time.Duration
	// DurableFlowWrites makes the flow writes (the steps of a sign-in
	// before the code exchange, and the session it opens) wait for the
	// write-ahead log to reach the disk, as every other write does. By
	// default they commit asynchronously (synchronous_commit=off, through
	// half of MaxConns): see flowPool.
	DurableFlowWrites bool
}

// The defaults of Options.
const (
	DefaultMaxConns         = 10
	DefaultStatementTimeout = 5 * time.Second
	DefaultConnMaxLifetime  = 30 * time.Minute
)

// DefaultConnectTimeout bounds opening a connection when the DSN sets no
// connect_timeout.
const DefaultConnectTimeout = 5 * time.Second

// DeadlineMargin is how much longer than the statement_timeout a statement
// may take on the client's side (waiting for a connection, the round
// trip) before it is abandoned: a statement the server ends on time
// answers first, with its own error.
const DeadlineMargin = time.Second

// Store is a sqlstore.Store on PostgreSQL that can also migrate its schema
// and report readiness.
type Store struct {
	*sqlstore.Store
	db *sql.DB
	// flow is the pool of the flow writes, nil with DurableFlowWrites.
	flow *sql.DB
	// config is the pool's connection configuration, for Migrate's own
	// connections.
	config *pgx.ConnConfig
}

// Open connects to the PostgreSQL database named by dsn, a URL
// (postgres://user:password@host:5432/sigil?sslmode=verify-full) or a
// key=value string, with the pool opts describes, and checks that it
// answers. The schema is not touched: call Migrate.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message can quote the DSN, password included.
		return nil, errors.New("postgres: the DSN does not parse; see the libpq connection string formats (postgres://user:password@host:5432/dbname)")
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = DefaultMaxConns
	}
	if opts.ConnMaxLifetime <= 0 {
		opts.ConnMaxLifetime = DefaultConnMaxLifetime
	}
	// Runtime parameters are sent when each connection starts, so every
	// connection of the pool has them; statement_timeout counts
	// milliseconds.
	if _, set := cfg.RuntimeParams["statement_timeout"]; opts.StatementTimeout > 0 || !set {
		if opts.StatementTimeout <= 0 {
			opts.StatementTimeout = DefaultStatementTimeout
		}
		cfg.RuntimeParams["statement_timeout"] = strconv.FormatInt(opts.StatementTimeout.Milliseconds(), 10)
	}
	// A server that stops answering is no reason to wait for the kernel:
	// connecting is bounded (libpq's connect_timeout, when the DSN sets
	// none), and so is every statement, on the client's side, a little
	// past the server's own statement_timeout (see
	// sqlstore.Store.SetDeadline).
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	deadline := DefaultStatementTimeout + DeadlineMargin
	if d, ok := parseTimeout(cfg.RuntimeParams["statement_timeout"]); ok {
		deadline = d + DeadlineMargin
		if d == 0 { // statement_timeout=0: the DSN turned the bound off
			deadline = 0
		}
	}
	if _, set := cfg.RuntimeParams["application_name"]; !set {
		cfg.RuntimeParams["application_name"] = defaultApplicationName
	}
	conns, flowConns := opts.MaxConns, 0
	if !opts.DurableFlowWrites && opts.MaxConns >= 2 {
		flowConns = opts.MaxConns / 2
		conns -= flowConns
	}
	db := openPool(cfg, conns, opts.ConnMaxLifetime)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: %w", err) // pgconn names host, user and database, never the password
	}
	handles := sqlstore.Handles{Read: db, Write: db}
	if flowConns > 0 {
		handles.Flow = openPool(flowPool(cfg), flowConns, opts.ConnMaxLifetime)
	}
	st := sqlstore.NewWith(handles, Dialect)
	st.SetDeadline(deadline)
	return &Store{Store: st, db: db, flow: handles.Flow, config: cfg}, nil
}

// openPool opens a pool of at most conns connections configured by cfg.
// Connections are made on first use.
func openPool(cfg *pgx.ConnConfig, conns int, lifetime time.Duration) *sql.DB {
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(conns)
	db.SetMaxIdleConns(conns)
	db.SetConnMaxLifetime(lifetime)
	return db
}

// flowPool is the configuration of the connections that carry the flow
// writes (sqlstore.Handles.Flow): cfg with asynchronous commit. A commit
// on them returns once it is in the write-ahead log's memory, and the WAL
// writer makes it durable within three times wal_writer_delay (200 ms by
// default; the PostgreSQL manual, "Asynchronous Commit"). It stays atomic and is
// visible to every other connection at once, so nodes see each other's
// steps as before; only a crash of PostgreSQL itself (not of a Sigil node)
// in that window can lose it, and what a flow write records may be lost:
// the sign-in under way fails and starts again (see sqlstore's
// flowWriteQueries). Measured on two cores, the commits that no longer
// wait for a flush of their own kept the p99 of whole flows at half load
// at 10-14 ms where it had ranged from 12 to 62 ms (docs/benchmarks.md).
//
// Its connections are named sigil-flow in pg_stat_activity when the DSN
// names no application_name of its own.
func flowPool(cfg *pgx.ConnConfig) *pgx.ConnConfig {
	flow := cfg.Copy()
	flow.RuntimeParams["synchronous_commit"] = "off"
	if flow.RuntimeParams["application_name"] == defaultApplicationName {
		flow.RuntimeParams["application_name"] = defaultApplicationName + "-flow"
	}
	return flow
}

// defaultApplicationName names Sigil's connections in pg_stat_activity
// when the DSN does not.
const defaultApplicationName = "sigil"

// migrationLockID is the advisory lock Migrate holds: any fixed number,
// the same on every node; "sigil" in ASCII, so that pg_locks shows whose it
// is.
const migrationLockID int64 = 0x736967696c

// Migrate brings the schema up to date with the embedded migrations and
// returns the versions it applied (none when another node got there first).
//
// Nodes starting at once on one empty database must all succeed, so
// Migrate takes a session-level advisory lock (pg_advisory_lock, which
// waits in the server for the holder to finish, as long as ctx allows) and
// holds it around all of goose's work: goose's own session locker covers
// the applying but not its first look at the version table, which then
// races. Migrate uses connections of its own without statement_timeout,
// since a migration may rewrite a large table.
func (s *Store) Migrate(ctx context.Context) ([]int64, error) {
	cfg := s.config.Copy()
	cfg.RuntimeParams["statement_timeout"] = "0"
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	// One connection holds the lock, the other runs the migrations.
	db.SetMaxOpenConns(2)
	lock, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	defer lock.Close() // ends the session, which releases the lock anyway
	if _, err := lock.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockID); err != nil {
		return nil, fmt.Errorf("postgres: migrate: take the migration lock: %w", err)
	}
	defer func() {
		_, _ = lock.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockID)
	}()

	return schema.Up(ctx, db)
}

// Ready reports whether the database answers within two seconds, holds at
// least the schema this binary needs, and takes a write within a second: a
// node that is not Ready must not take traffic. The write (one row of the
// health table, migration 9, updated in place) fails on a read-only
// standby after a failover, a full disk or a lock held too long; ctx's
// deadline makes pgx cancel it on the server. The caller bounds how often
// it runs (server.Health, once a second).
func (s *Store) Ready(ctx context.Context) error {
	if err := schema.Ready(ctx, s.db); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if _, err := s.db.ExecContext(ctx, healthUpsert, time.Now().Unix()); err != nil {
		if sqlState(err) == "25006" { // read_only_sql_transaction
			return fmt.Errorf("postgres: not ready: %w (%w)", ErrReadOnly, err)
		}
		return fmt.Errorf("postgres: not ready: the database takes no write: %w", err)
	}
	return nil
}

// ErrReadOnly reports a database that refuses every write: a standby (a
// read replica), or a session made read-only (default_transaction_read_only).
// Sigil writes at every sign-in, so --dsn must name the primary.
var ErrReadOnly = errors.New("the database takes no writes: it is read-only (a standby?)")

// healthUpsert is Ready's write: one row, updated in place.
const healthUpsert = "INSERT INTO health (id, checked_at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at"

// PoolSize is the most connections the store opens at once.
func (s *Store) PoolSize() int {
	n := s.db.Stats().MaxOpenConnections
	if s.flow != nil {
		n += s.flow.Stats().MaxOpenConnections
	}
	return n
}

// Version reads the schema's version: the newest migration applied, 0
// before the first.
func (s *Store) Version(ctx context.Context) (int64, error) { return schema.Version(ctx, s.db) }

// parseTimeout reads a statement_timeout as PostgreSQL does: a number of
// milliseconds, or a number with one of its time units (us, ms, s, min,
// h, d). ok is false for anything else, for which the caller keeps its
// default.
func parseTimeout(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	i := strings.IndexFunc(v, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := v, "ms"
	if i >= 0 {
		num, unit = v[:i], strings.TrimSpace(v[i:])
	}
	n, err := strconv.ParseFloat(num, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	units := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second,
		"min": time.Minute, "h": time.Hour, "d": 24 * time.Hour}
	u, ok := units[unit]
	if !ok {
		return 0, false
	}
	return time.Duration(n * float64(u)), true
}
