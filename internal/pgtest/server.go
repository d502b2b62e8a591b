package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	// The database/sql driver "pgx", for the admin connection.
	_ "github.com/jackc/pgx/v5/stdlib"
)

// Server is a throwaway PostgreSQL server: initdb'd into a temporary
// directory, listening on a free loopback port, trusting every local
// connection, and tuned for speed over durability (fsync off), which is
// only right for tests.
type Server struct {
	// Dir holds the cluster (Dir/data), its unix socket and its log.
	Dir string
	// PID is the postmaster's process id.
	PID int
	// port is the loopback TCP port it listens on.
	port int
	// exited is closed when the postmaster, a child of this process, has
	// exited and been reaped; nil for a server found by its directory.
	exited chan struct{}
}

// Port is the loopback TCP port the server listens on.
func (s *Server) Port() int { return s.port }

// Version is the server's major version ("15"), read from its cluster.
func (s *Server) Version() string {
	b, _ := os.ReadFile(filepath.Join(s.Dir, "data", "PG_VERSION"))
	return strings.TrimSpace(string(b))
}

// DSN is the URL of database name on s, as the superuser postgres.
func (s *Server) DSN(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, name)
}

// StartOptions tunes StartServer.
type StartOptions struct {
	// Detach lets the server outlive the process that starts it (the
	// throwaway-postgres command); otherwise it gets SIGINT when that
	// process dies, so a test binary killed by a timeout leaves no server
	// behind (Linux only).
	Detach bool
	// Durable keeps PostgreSQL's durable defaults (fsync,
	// synchronous_commit and full_page_writes on) instead of the test
	// settings that trade them for speed: benchmarks measure what an
	// operator runs.
	Durable bool
	// Settings are more name=value server settings (postgres -c), applied
	// after the others, so they win.
	Settings []string
}

// StartServer initdb's a new cluster in a temporary directory and starts
// postgres on it, as the postgres OS user when running as root (initdb and
// postgres refuse to run as root), and waits until it accepts connections.
func StartServer(opts StartOptions) (*Server, error) {
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "sigil-pg-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	cred, err := credential(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = dir // the postgres user may not read the current directory
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: initdb: %v\n%s", err, out)
	}
	// A free port can be taken between the probe and postgres binding it;
	// a few attempts make that harmless.
	var lastErr error
	for range 3 {
		s, err := start(bin, dir, cred, opts)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

// start runs postgres on the cluster in dir and waits for it.
func start(bin, dir string, cred *syscall.Credential, opts StartOptions) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", filepath.Join(dir, "data"),
		"-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1",
		// Room for suites that open many pools at once.
		"-c", "max_connections=300",
	)
	if !opts.Durable {
		// Tests need speed, not durability.
		cmd.Args = append(cmd.Args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	for _, setting := range opts.Settings {
		cmd.Args = append(cmd.Args, "-c", setting)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Dir = dir
	cmd.SysProcAttr = procAttr(cred, opts.Detach)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("pgtest: start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s := &Server{Dir: dir, PID: cmd.Process.Pid, port: port, exited: exited}
	db, err := sql.Open("pgx", s.DSN("postgres"))
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	defer db.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err == nil {
			return s, nil
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("pgtest: postgres exited at start:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			s.stop()
			log, _ := os.ReadFile(logPath)
			return nil, fmt.Errorf("pgtest: postgres did not accept connections within 30s: %v\n%s", err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop shuts the server down by its PID (SIGINT, PostgreSQL's fast
// shutdown, then SIGKILL after 30 seconds), waits until it is gone and
// removes its directory.
func (s *Server) Stop() error {
	s.stop()
	if err := os.RemoveAll(s.Dir); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	return nil
}

// stop ends the process and waits for it.
func (s *Server) stop() {
	_ = syscall.Kill(s.PID, syscall.SIGINT)
	gone := func() bool {
		if s.exited != nil {
			select {
			case <-s.exited:
				return true
			default:
				return false
			}
		}
		// Not our child: it is gone once kill(pid, 0) finds nothing.
		return errors.Is(syscall.Kill(s.PID, 0), syscall.ESRCH)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !gone() {
		if time.Now().After(deadline) {
			_ = syscall.Kill(s.PID, syscall.SIGKILL)
			deadline = time.Now().Add(30 * time.Second)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// StopDir stops the server a StartServer left running in dir (the
// throwaway-postgres command's stop), reading its PID from the
// postmaster.pid file PostgreSQL keeps there, and removes dir.
func StopDir(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		return fmt.Errorf("pgtest: no server in %s: %w", dir, err)
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return fmt.Errorf("pgtest: %s/data/postmaster.pid: bad PID %q", dir, first)
	}
	s := &Server{Dir: dir, PID: pid}
	return s.Stop()
}

// findBinaries returns the directory of initdb and postgres: the newest
// /usr/lib/postgresql/*/bin (Debian's layout), else the PATH.
func findBinaries() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if isExecutable(filepath.Join(d, "initdb")) && isExecutable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		d := filepath.Dir(p)
		if isExecutable(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", errors.New("pgtest: PostgreSQL server binaries (initdb, postgres) not found under /usr/lib/postgresql/*/bin " +
		"or on the PATH; install them with: apt-get install postgresql (or run ./scripts/setup)")
}

// version is the major version in /usr/lib/postgresql/<version>/bin.
func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// credential is who runs initdb and postgres: nobody else when this
// process is not root; as root, the postgres OS user, who then gets dir.
func credential(dir string) (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root, and PostgreSQL refuses to: %w (the postgres user comes with apt-get install postgresql)", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// databaseDSN is base with its database replaced by name.
func databaseDSN(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("pgtest: %q is not a postgres:// URL", base)
	}
	u.Path = "/" + name
	return u.String(), nil
}
