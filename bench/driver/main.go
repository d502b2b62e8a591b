// Command driver is bench/run.sh: in one command it builds sigil, the
// net/http ceiling (bench/ceiling) and the load generator (bench/load);
// measures the ceiling and node oidc-provider (bench/peers/oidc-provider)
// on the client_credentials work and introspection, and Ory Hydra
// (bench/peers/hydra, on PostgreSQL) on the same and on whole code flows;
// starts a fresh Sigil on
// SQLite and on PostgreSQL (a throwaway server started for the run) and
// runs every scenario of bench/load against each; records every server's
// peak RSS; and writes the results, each also as a ratio to the ceiling and
// to the peer (and to Hydra), between the markers of docs/benchmarks.md. Everything
// listens on loopback only and is stopped, by PID, before it exits. It
// exits non-zero if anything failed.
//
// Usage (from the repository root):
//
//	bench/run.sh [-d 8s] [-stores sqlite,postgres] [-soak 10m] [-no-doc] ...
//
// See -h for every flag. The long runs (-soak) are opt-in.
package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	// The database/sql driver "sqlite", to count rows around a soak run.
	_ "modernc.org/sqlite"

	"github.com/sigil-oidc/sigil/bench/internal/report"
	"github.com/sigil-oidc/sigil/internal/pgtest"
)

// settings is the command line.
type settings struct {
	d, warmup, mintTime, soak, soakEvery   time.Duration
	c, ccC, flowsC, codes                  int
	stores, soakScenario, doc, jsonOut     string
	sigilBin                               string
	noDoc, noPeer, noHydra, halfLoad, keep bool
	pgSettings, serveArgs, soakServeArgs   stringList
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// benchLimits lift Sigil's abuse limits above what the load can reach:
// bench/load sends thousands of requests a second from one address and
// one client, which the defaults rightly refuse. The limits still run, so
// their cost is measured; -serve-arg can set them back.
var benchLimits = []string{
	"--rate-limit-authorize-ip=1000000/s", "--rate-limit-authorize-client=1000000/s",
	"--rate-limit-login-ip=1000000/s", "--rate-limit-token-ip=1000000/s",
	"--rate-limit-token-client=1000000/s", "--rate-limit-webfinger-ip=1000000/s",
	"--max-flows-per-ip=1000000000",
}

// The ceiling's and the peer's one client.
const (
	refClientID     = "bench-ref"
	refClientSecret = "bench-ref-secret-0123456789abcdef"
	adminToken      = "bench-admin-token-0123456789abcdef"
	domain          = "bench.crypto"
)

func main() {
	var s settings
	flag.DurationVar(&s.d, "d", 8*time.Second, "measured duration of each load scenario")
	flag.DurationVar(&s.warmup, "warmup", 2*time.Second, "warm-up before each load scenario, not counted")
	flag.DurationVar(&s.mintTime, "mint-time", 20*time.Second, "at most this long pre-minting codes for the exchange scenario")
	flag.IntVar(&s.codes, "codes", 12000, "codes to pre-mint for the exchange scenario")
	flag.IntVar(&s.c, "c", 16, "concurrency of every scenario but client_credentials and the whole flows")
	flag.IntVar(&s.ccC, "cc-c", 64, "concurrency of client_credentials, on every server measured")
	flag.IntVar(&s.flowsC, "flows-c", 8, "concurrency of the whole-flow scenarios")
	flag.StringVar(&s.stores, "stores", "sqlite,postgres", "stores to run Sigil on, comma-separated")
	flag.BoolVar(&s.halfLoad, "half-load", true, "after each whole-flow scenario, offer flows at half the rate it reached and report p99")
	flag.DurationVar(&s.soak, "soak", 0, "after the scenarios, run -soak-scenario this long on each store, sampling the server (e.g. 10m); 0 = no soak")
	flag.StringVar(&s.soakScenario, "soak-scenario", "flows-api", "the scenario of the soak run")
	flag.DurationVar(&s.soakEvery, "soak-every", 10*time.Second, "how often the soak run samples RSS, goroutines, open fds and DB connections")
	flag.BoolVar(&s.noPeer, "no-peer", false, "skip node oidc-provider (for a machine without node)")
	flag.BoolVar(&s.noHydra, "no-hydra", false, "skip Ory Hydra (built from the Go module proxy on first use, about a minute)")
	flag.Var(&s.serveArgs, "serve-arg", "an extra argument of every `sigil serve`, repeatable (e.g. -serve-arg=--access-token-lifetime=1m for a soak whose tables must plateau)")
	flag.Var(&s.soakServeArgs, "soak-serve-arg", "an extra argument of `sigil serve` for the soak alone, repeatable: Sigil is restarted on the same database with it before the soak (e.g. -soak-serve-arg=--access-token-lifetime=1m, so that the tables plateau within the soak while the scenarios run with the default lifetimes)")
	flag.Var(&s.pgSettings, "pg-setting", "a PostgreSQL setting name=value for the throwaway server, repeatable (default: PostgreSQL's durable defaults)")
	flag.StringVar(&s.doc, "doc", "docs/benchmarks.md", "the document whose generated section is rewritten")
	flag.BoolVar(&s.noDoc, "no-doc", false, "do not rewrite the document; print the section on stdout")
	flag.StringVar(&s.jsonOut, "json", "", "also write the whole run as JSON to this file")
	flag.StringVar(&s.sigilBin, "sigil", "", "measure this sigil binary instead of building ./cmd/sigil")
	flag.BoolVar(&s.keep, "keep", false, "keep the work directory (binaries, logs, data) for inspection")
	flag.Parse()

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := drive(ctx, s)
	cancel()
	stopAll()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// drive does the whole run.
func drive(ctx context.Context, s settings) error {
	started := time.Now()
	work, err := os.MkdirTemp("", "sigil-bench-")
	if err != nil {
		return err
	}
	// Traversal only, for PostgreSQL's server, which runs as its own user
	// below it; what is inside keeps its own permissions.
	if err := os.Chmod(work, 0o711); err != nil {
		return err
	}
	if s.keep {
		fmt.Fprintln(os.Stderr, "work directory:", work)
	} else {
		defer func() { stopAll(); os.RemoveAll(work) }()
	}
	logf("building sigil, bench/ceiling and bench/load into %s...", work)
	builds := [][2]string{{"ceiling", "./bench/ceiling"}, {"load", "./bench/load"}}
	if s.sigilBin == "" {
		builds = append(builds, [2]string{"sigil", "./cmd/sigil"})
	} else if err := copyFile(s.sigilBin, filepath.Join(work, "sigil")); err != nil {
		return fmt.Errorf("-sigil: %w", err)
	}
	for _, b := range builds {
		built := filepath.Join(work, b[0]+".built")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", built, b[1])
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build %s: %w", b[1], err)
		}
		if err := install(built, filepath.Join(work, b[0])); err != nil {
			return err
		}
	}
	run := &report.Run{Started: started, Command: "bench/run.sh " + strings.Join(os.Args[1:], " "), Commit: commit()}
	run.Command = strings.TrimSpace(run.Command)
	rsaBefore := rsaSignMs()
	failed := false
	note := func(sys *report.System, err error) {
		if err != nil {
			failed = true
			sys.Failure = err.Error()
			fmt.Fprintf(os.Stderr, "bench: %s: %v\n", sys.Name, err)
		}
	}
	var pgVersion string

	sys := report.System{Name: report.Ceiling, Title: "bare net/http (the ceiling)"}
	note(&sys, measureCeiling(ctx, s, work, &sys))
	run.Systems = append(run.Systems, sys)

	if !s.noPeer {
		sys := report.System{Name: report.Peer, Title: "node oidc-provider 9.13, in memory (the peer)"}
		note(&sys, measurePeer(ctx, s, work, &sys))
		run.Systems = append(run.Systems, sys)
	}
	if !s.noHydra {
		sys := report.System{Name: report.Hydra, Title: "Ory Hydra v2.3.0 on PostgreSQL"}
		note(&sys, measureHydra(ctx, s, work, &sys))
		run.Systems = append(run.Systems, sys)
	}
	for _, store := range strings.Split(s.stores, ",") {
		store = strings.TrimSpace(store)
		sys := report.System{Name: store, Title: "Sigil on " + map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[store]}
		if sys.Title == "Sigil on " {
			return fmt.Errorf("-stores: unknown store %q (sqlite, postgres)", store)
		}
		v, err := measureSigil(ctx, s, work, store, &sys)
		if v != "" {
			pgVersion = v
		}
		note(&sys, err)
		run.Systems = append(run.Systems, sys)
		if ctx.Err() != nil {
			break
		}
	}
	for _, sys := range run.Systems {
		if len(sys.Load.Errors) > 0 {
			failed = true
		}
		for _, r := range sys.Load.Scenarios {
			if r.Errors > 0 {
				failed = true
			}
		}
		if sys.Soak != nil && sys.Soak.Result.Errors > 0 {
			failed = true
		}
	}
	run.Duration = time.Since(started)
	run.Machine = machine(pgVersion) + fmt.Sprintf("; one RSA-2048 signature (Go crypto/rsa, the RS256 ID token's) took %.2f ms at the start of the run and %.2f ms at its end", rsaBefore, rsaSignMs())
	section := report.Markdown(run)
	if s.jsonOut != "" {
		b, _ := json.MarshalIndent(run, "", "  ")
		if err := os.WriteFile(s.jsonOut, b, 0o644); err != nil {
			return err
		}
	}
	if s.noDoc {
		fmt.Print(section)
	} else if err := writeDoc(s.doc, section); err != nil {
		return err
	} else {
		logf("wrote the results into %s (%s in all)", s.doc, run.Duration.Round(time.Second))
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if failed {
		return errors.New("some measurements failed; see above and the document")
	}
	return nil
}

// writeDoc puts section between the markers of the document at path, or
// appends the markers and section when it has none yet.
func writeDoc(path, section string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := report.Splice(string(b), section)
	if errors.Is(err, report.ErrNoMarkers) {
		out = strings.TrimRight(string(b), "\n") + "\n\n## Latest run\n\n" + report.BeginMarker + "\n" + section + report.EndMarker + "\n"
	} else if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path, []byte(out), 0o644)
}

// measureCeiling starts bench/ceiling and runs client_credentials and
// introspect against it.
func measureCeiling(ctx context.Context, s settings, work string, sys *report.System) error {
	logf("measuring the bare net/http ceiling...")
	cmd := exec.Command(filepath.Join(work, "ceiling"), "-addr", "127.0.0.1:0", "-client-id", refClientID, "-client-secret", refClientSecret)
	p, base, err := startProc("ceiling", cmd, filepath.Join(work, "ceiling.log"), "ready ", 10*time.Second)
	if err != nil {
		return err
	}
	defer p.stop()
	err = runLoad(ctx, s, work, sys, p, 0, 2, "-target", base+"/token", "-introspect", base+"/introspect",
		"-client-id", refClientID, "-client-secret", refClientSecret)
	sys.PeakRSSMiB, _ = statusMiB(p.pid(), "VmHWM")
	return err
}

// measurePeer starts node oidc-provider and runs client_credentials and
// introspect against it. Its dependencies are installed from the lock file
// (npm ci) when missing.
func measurePeer(ctx context.Context, s settings, work string, sys *report.System) error {
	logf("measuring node oidc-provider...")
	dir := filepath.Join("bench", "peers", "oidc-provider")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "oidc-provider")); err != nil {
		logf("installing its dependencies (npm ci in %s)...", dir)
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir, cmd.Stdout, cmd.Stderr = dir, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("npm ci in %s: %w", dir, err)
		}
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	cmd := exec.Command("node", "server.mjs", strconv.Itoa(port), refClientID, refClientSecret)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_ENV=production")
	p, issuer, err := startProc("oidc-provider", cmd, filepath.Join(work, "oidc-provider.log"), "ready ", 30*time.Second)
	if err != nil {
		return err
	}
	defer p.stop()
	err = runLoad(ctx, s, work, sys, p, 0, 2, "-target", issuer+"/token", "-introspect", issuer+"/token/introspection",
		"-client-id", refClientID, "-client-secret", refClientSecret)
	sys.PeakRSSMiB, _ = statusMiB(p.pid(), "VmHWM")
	return err
}

// measureSigil starts a fresh Sigil on store (with a throwaway PostgreSQL
// for postgres), runs every scenario and, with -soak, the soak run. It
// returns PostgreSQL's version when it started one.
func measureSigil(ctx context.Context, s settings, work, store string, sys *report.System) (string, error) {
	logf("measuring Sigil on %s...", store)
	dir := filepath.Join(work, store)
	if err := os.Mkdir(dir, 0o711); err != nil {
		return "", err
	}
	// PostgreSQL is a throwaway server for this run with PostgreSQL's
	// durable defaults (unlike the test server's), since the benchmark
	// measures what an operator would run; -pg-setting changes that.
	var pg *pgtest.Server
	var pgVersion string
	dbPID := 0
	countDriver, countDSN := "sqlite", "file:"+filepath.Join(dir, "data", "sigil.db")+"?mode=ro"
	if store == "postgres" {
		var err error
		if pg, err = pgtest.StartServer(pgtest.StartOptions{Durable: true, Settings: s.pgSettings}); err != nil {
			return "", err
		}
		defer pg.Stop()
		pgVersion, dbPID = pg.Version(), pg.PID
		countDriver, countDSN = "pgx", pg.DSN("postgres")
	}
	key, address, err := genkey(ctx, work)
	if err != nil {
		return pgVersion, err
	}
	registry := filepath.Join(dir, "domains.yaml")
	if err := os.WriteFile(registry, []byte(fmt.Sprintf("domains:\n  %s:\n    owner: %q\n", domain, address)), 0o600); err != nil {
		return pgVersion, err
	}
	pub, err1 := freePort()
	adm, err2 := freePort()
	if err := errors.Join(err1, err2); err != nil {
		return pgVersion, err
	}
	public, admin := fmt.Sprintf("127.0.0.1:%d", pub), fmt.Sprintf("127.0.0.1:%d", adm)
	args := []string{"serve", "--issuer", "http://" + public, "--public-addr", public, "--admin-addr", admin,
		"--data-dir", filepath.Join(dir, "data"), "--admin-token", adminToken, "--domains", registry}
	if pg != nil {
		args = append(args, "--dsn", pg.DSN("postgres"))
	}
	args = append(args, benchLimits...)
	args = append(args, s.serveArgs...)
	p, _, err := startProc("sigil ("+store+")", exec.Command(filepath.Join(work, "sigil"), args...), filepath.Join(dir, "sigil.log"), "", 0)
	if err != nil {
		return pgVersion, err
	}
	defer p.stop()
	if err := waitHTTP(ctx, p, "http://"+public+"/health/alive", 60*time.Second); err != nil {
		return pgVersion, err
	}
	common := []string{"-issuer", "http://" + public, "-admin", "http://" + admin, "-admin-token", adminToken,
		"-key", key, "-domain", domain, "-codes", strconv.Itoa(s.codes), "-mint-time", s.mintTime.String()}
	if s.halfLoad {
		common = append(common, "-half-load")
	}
	// 11 scenarios (overload last), the exchange's minting and the two
	// half-load runs.
	err = runLoad(ctx, s, work, sys, p, dbPID, 14, common...)
	if !p.alive() {
		return pgVersion, fmt.Errorf("sigil exited during the run:\n%s", tail(filepath.Join(dir, "sigil.log"), 30))
	}
	sys.PeakRSSMiB, _ = statusMiB(p.pid(), "VmHWM")
	if err == nil && s.soak > 0 && len(s.soakServeArgs) > 0 {
		// The soak's own settings: the same database, a new process.
		logf("soak: restarting Sigil with %s...", strings.Join(s.soakServeArgs, " "))
		p.stop()
		p, _, err = startProc("sigil ("+store+", soak)", exec.Command(filepath.Join(work, "sigil"), append(args, s.soakServeArgs...)...),
			filepath.Join(dir, "sigil-soak.log"), "", 0)
		if err != nil {
			return pgVersion, err
		}
		defer p.stop()
		err = waitHTTP(ctx, p, "http://"+public+"/health/alive", 60*time.Second)
	}
	if err == nil && s.soak > 0 {
		sys.Soak, err = soak(ctx, s, work, p, dbPID, pg, "http://"+admin, countDriver, countDSN, common)
	}
	if peak, perr := statusMiB(p.pid(), "VmHWM"); perr == nil {
		sys.PeakRSSMiB = max(sys.PeakRSSMiB, peak)
	}
	if err != nil {
		return pgVersion, err
	}
	if !p.alive() {
		return pgVersion, fmt.Errorf("sigil exited during the run:\n%s", tail(filepath.Join(dir, "sigil.log"), 30))
	}
	return pgVersion, nil
}

// install puts the binary the Go linker wrote at built in its place at to
// by copying it, as an installer, a package or a container image does, and
// deletes built. What is measured is then the binary as deployed: the
// linker writes its output through a shared memory map, and on this
// machine (Linux 6.18, ext4) the page cache that leaves is mapped in far
// larger pieces when the program runs, so more of the executable counts as
// resident. The same Sigil binary had 27.8 MB of its own pages resident at
// idle as `go build` left it, and 21.5-21.9 MB as a streamed copy or after
// the page cache was dropped; after the load, 55.7 against 50.6-51.4 MiB of
// peak RSS (measured by hand, twice each). Every Go binary the driver runs
// (the ceiling, Hydra, Sigil) is installed this way.
func install(built, to string) error {
	if err := copyFile(built, to); err != nil {
		return fmt.Errorf("installing %s: %w", filepath.Base(to), err)
	}
	return os.Remove(built)
}

// copyFile copies the executable from to to, streamed in pieces as cp
// does: a copy written in one piece is cached like the linker's output
// (install says why that matters).
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// genkey makes the wallet key the benchmark signs in with.
func genkey(ctx context.Context, work string) (key, address string, err error) {
	out, err := exec.CommandContext(ctx, filepath.Join(work, "load"), "-genkey").Output()
	if err != nil {
		return "", "", fmt.Errorf("load -genkey: %w", err)
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		return "", "", fmt.Errorf("load -genkey printed %q", out)
	}
	return f[0], f[1], nil
}

// runLoad runs bench/load with -json against the server p and stores what
// it printed in sys. scenarios bounds its time: each may take the warm-up
// and -d, and set-ups (minting) take some more.
func runLoad(ctx context.Context, s settings, work string, sys *report.System, p *proc, dbPID, scenarios int, extra ...string) error {
	args := []string{"-json", "-server-pid", strconv.Itoa(p.pid()), "-d", s.d.String(), "-warmup", s.warmup.String(),
		"-c", strconv.Itoa(s.c), "-cc-c", strconv.Itoa(s.ccC), "-flows-c", strconv.Itoa(s.flowsC)}
	if dbPID > 0 {
		args = append(args, "-db-pid", strconv.Itoa(dbPID))
	}
	args = append(args, extra...)
	limit := time.Duration(scenarios)*(s.d+s.warmup)*2 + s.mintTime + 3*time.Minute
	lctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var stdout bytes.Buffer
	cmd := exec.CommandContext(lctx, filepath.Join(work, "load"), args...)
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	runErr := cmd.Run()
	if err := json.Unmarshal(stdout.Bytes(), &sys.Load); err != nil {
		return fmt.Errorf("bench/load printed no result (%v): %v", runErr, err)
	}
	if lctx.Err() != nil {
		return fmt.Errorf("bench/load did not finish within %s", limit)
	}
	// A non-zero exit with a result means failed requests or scenarios,
	// which the result records and drive counts.
	return nil
}

// soak runs the soak scenario for -soak against a running Sigil, samples
// the server every -soak-every, and counts the rows of every table before
// and after.
func soak(ctx context.Context, s settings, work string, p *proc, dbPID int, pg *pgtest.Server, admin, countDriver, countDSN string, common []string) (*report.Soak, error) {
	logf("soak: %s for %s...", s.soakScenario, s.soak)
	out := &report.Soak{Scenario: s.soakScenario}
	var err error
	if out.RowsBefore, err = rowCounts(countDriver, countDSN); err != nil {
		return out, fmt.Errorf("soak: count rows: %w", err)
	}
	args := []string{"-json", "-server-pid", strconv.Itoa(p.pid()), "-d", s.soak.String(), "-warmup", "0s",
		"-c", strconv.Itoa(s.c), "-flows-c", strconv.Itoa(s.flowsC), "-scenarios", s.soakScenario}
	if dbPID > 0 {
		args = append(args, "-db-pid", strconv.Itoa(dbPID))
	}
	for i := 0; i < len(common); i++ { // the soak runs one plain scenario
		if common[i] == "-half-load" {
			continue
		}
		args = append(args, common[i])
	}
	lctx, cancel := context.WithTimeout(ctx, s.soak+5*time.Minute)
	defer cancel()
	var stdout bytes.Buffer
	cmd := exec.CommandContext(lctx, filepath.Join(work, "load"), args...)
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return out, err
	}
	began := time.Now()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(s.soakEvery)
		defer tick.Stop()
		for {
			out.Samples = append(out.Samples, sample(p.pid(), began, admin, pg, countDriver, countDSN))
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	runErr := cmd.Wait()
	close(done)
	wg.Wait()
	out.Samples = append(out.Samples, sample(p.pid(), began, admin, pg, countDriver, countDSN))
	var l report.Load
	if err := json.Unmarshal(stdout.Bytes(), &l); err != nil || len(l.Scenarios) == 0 {
		return out, fmt.Errorf("soak: bench/load printed no result (%v)", runErr)
	}
	out.Result = l.Scenarios[0]
	if out.RowsAfter, err = rowCounts(countDriver, countDSN); err != nil {
		return out, fmt.Errorf("soak: count rows: %w", err)
	}
	return out, nil
}

// sample reads the server's memory, goroutines, open fds, database
// connections and the rows of the growing tables: for SQLite the descriptors open on the database file, for
// PostgreSQL its established TCP connections to the server's port.
func sample(pid int, began time.Time, admin string, pg *pgtest.Server, countDriver, countDSN string) report.Sample {
	x := report.Sample{Seconds: time.Since(began).Seconds()}
	x.Authorizations, x.Sessions = tokenRows(countDriver, countDSN)
	x.RSSMiB, _ = statusMiB(pid, "VmRSS")
	x.PeakRSSMiB, _ = statusMiB(pid, "VmHWM")
	x.Goroutines = goroutines(admin)
	fds, _ := openFDs(pid)
	x.OpenFDs = len(fds)
	if pg != nil {
		x.DBConns = tcpConnsTo(socketInodes(fds), pg.Port())
	} else {
		for _, f := range fds {
			if filepath.Base(f) == "sigil.db" {
				x.DBConns++
			}
		}
	}
	return x
}

// goroutines reads go_goroutines from the admin listener's /metrics; -1
// when it cannot.
func goroutines(admin string) int {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(admin + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return metricInt(string(b), "go_goroutines")
}

// metricInt finds an unlabelled metric in Prometheus text; -1 when absent.
func metricInt(text, name string) int {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return int(f)
			}
		}
	}
	return -1
}

// commit names the code measured: the short commit, with "+changes" when
// the tree differs from it. Read-only git commands.
func commit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		c += " +changes"
	}
	return c
}

// machine describes the machine and the software versions in one line.
func machine(pgVersion string) string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if n, err := parseStatusKiB(string(b), "MemTotal"); err == nil {
			mem = fmt.Sprintf(", %.0f GiB", n/1024)
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	nodeV, _ := exec.Command("node", "--version").Output()
	parts := []string{fmt.Sprintf("%d cores (%s)%s", runtime.NumCPU(), model, mem), "Linux " + strings.TrimSpace(string(kernel)), runtime.Version()}
	if len(nodeV) > 0 {
		parts = append(parts, "node "+strings.TrimSpace(string(nodeV)))
	}
	if pgVersion != "" {
		parts = append(parts, "PostgreSQL "+pgVersion)
	}
	return strings.Join(parts, ", ")
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

// rsaSignMs measures, for about half a second, how long one RSA-2048
// PKCS #1 v1.5 signature takes on this machine in milliseconds: the largest
// single cost of a whole flow with an RS256 ID token, and one that varies
// between runs on a shared virtual machine more than the rest does.
func rsaSignMs() float64 {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return 0
	}
	digest := sha256.Sum256([]byte("bench"))
	n, began := 0, time.Now()
	for time.Since(began) < 500*time.Millisecond {
		if _, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:]); err != nil {
			return 0
		}
		n++
	}
	return float64(time.Since(began).Microseconds()) / 1000 / float64(n)
}
