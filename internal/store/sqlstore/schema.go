package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"github.com/pressly/goose/v3"
)

// Schema is a backend's embedded goose migrations: each backend keeps its
// own files, version for version, and this is how every backend applies
// them and tells whether a database holds what its binary needs.
type Schema struct {
	// Name names the database in errors ("sqlite", "postgres").
	Name    string
	Dialect goose.Dialect
	// Migrations holds the NNNNN_name.sql files at its root.
	Migrations fs.FS
	// VersionTableExists is a query answering one boolean: whether goose's
	// version table exists yet (it does not before the first migration).
	VersionTableExists string
}

// MigrationsDir is the folder dir of an embedded file system, for
// Schema.Migrations. fs.Sub fails only on an invalid path, which go:embed
// has already refused at build time, hence the panic.
func MigrationsDir(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// Provider is goose over the migrations, for Up and for tests that move the
// schema to a given version.
func (s Schema) Provider(db *sql.DB) (*goose.Provider, error) {
	return goose.NewProvider(s.Dialect, db, s.Migrations, goose.WithDisableGlobalRegistry(true))
}

// Up applies the migrations db lacks and returns their versions, none when
// it was up to date. It takes no lock: the caller holds the backend's.
func (s Schema) Up(ctx context.Context, db *sql.DB) ([]int64, error) {
	p, err := s.Provider(db)
	if err != nil {
		return nil, fmt.Errorf("%s: migrate: %w", s.Name, err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: migrate: %w", s.Name, err)
	}
	applied := []int64{}
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}

// Version reads the schema's version: the newest migration applied, 0
// before the first.
func (s Schema) Version(ctx context.Context, db *sql.DB) (int64, error) {
	var exists bool
	if err := db.QueryRowContext(ctx, s.VersionTableExists).Scan(&exists); err != nil || !exists {
		return 0, err
	}
	var v int64
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}

// Versions are the versions of the embedded migrations, in order.
func (s Schema) Versions() ([]int64, error) {
	names, err := fs.Glob(s.Migrations, "*.sql")
	if err != nil {
		return nil, err
	}
	var vs []int64
	for _, name := range names {
		v, err := goose.NumericComponent(name)
		if err != nil {
			return nil, fmt.Errorf("%s: migration %s: %w", s.Name, name, err)
		}
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs, nil
}

// Newest is the version of the newest embedded migration: the schema this
// binary needs.
func (s Schema) Newest() (int64, error) {
	vs, err := s.Versions()
	if err != nil || len(vs) == 0 {
		return 0, err
	}
	return vs[len(vs)-1], nil
}

// Ready reports whether db answers within two seconds and holds at least
// the schema this binary needs (see SchemaReady): a node that is not Ready
// must not take traffic.
func (s Schema) Ready(ctx context.Context, db *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("%s: not ready: %w", s.Name, err)
	}
	have, err := s.Version(ctx, db)
	if err != nil {
		return fmt.Errorf("%s: not ready: %w", s.Name, err)
	}
	want, err := s.Newest()
	if err != nil {
		return err
	}
	return SchemaReady(s.Name, have, want)
}
