package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	// The database/sql driver "pgx", to wait for the server and count rows.
	_ "github.com/jackc/pgx/v5/stdlib"
)

// postgres is a throwaway PostgreSQL server for one run: a new cluster in
// a temporary directory, on a free loopback port, trusting local
// connections. Unlike internal/pgtest's test server it keeps PostgreSQL's
// durable defaults (fsync, synchronous_commit, full_page_writes on): the
// benchmark measures what an operator would run. -pg-setting changes that.
type postgres struct {
	dir  string
	port int
	proc *proc
}

// dsn is the URL sigil serve --dsn gets.
func (pg *postgres) dsn() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pg.port)
}

// version is the server's major version, for the machine line.
func (pg *postgres) version() string {
	b, _ := os.ReadFile(filepath.Join(pg.dir, "data", "PG_VERSION"))
	return string(trimNL(b))
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// startPostgres initdb's a cluster under work and starts postgres on it, as
// the postgres OS user when the driver runs as root (PostgreSQL refuses to
// run as root), with the extra settings (name=value) given.
func startPostgres(work string, settings []string) (*postgres, error) {
	bin, err := postgresBinaries()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(work, "postgres")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, PostgreSQL needs the postgres OS user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		// The directories above dir are open to traversal (drive).
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := []string{"-D", data, "-p", strconv.Itoa(port), "-k", dir, "-c", "listen_addresses=127.0.0.1"}
	for _, s := range settings {
		args = append(args, "-c", s)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	p, _, err := startProc("postgres", cmd, filepath.Join(work, "postgres.log"), "", 0)
	if err != nil {
		return nil, err
	}
	p.stopSignal = syscall.SIGINT
	pg := &postgres{dir: dir, port: port, proc: p}
	db, err := sql.Open("pgx", pg.dsn())
	if err != nil {
		return nil, err
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return pg, nil
		}
		if !p.alive() || time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("postgres did not start: %v\n%s", err, tail(filepath.Join(work, "postgres.log"), 20))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// postgresBinaries finds initdb and postgres: the newest
// /usr/lib/postgresql/*/bin (Debian's layout), else the PATH.
func postgresBinaries() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		a, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		b, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return a > b
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("PostgreSQL server binaries (initdb, postgres) not found under /usr/lib/postgresql/*/bin or on the PATH; install them (apt-get install postgresql) or run with -stores sqlite")
}

// rowCounts counts the rows of every table of the database.
func rowCounts(driver, dsn string) (map[string]int64, error) {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list := "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	if driver == "pgx" {
		list = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	}
	rows, err := db.QueryContext(ctx, list)
	if err != nil {
		return nil, err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, t := range tables {
		var n int64
		// The names come from the catalogue, quoted as identifiers.
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM "`+t+`"`).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}
