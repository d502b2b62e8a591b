// Command load measures a running Sigil over HTTP, as relying parties and
// browsers use it: the SQL statements each step of a sign-in costs, and the
// throughput and latency of discovery, JWKS, the authorization code exchange
// and whole code flows. It needs nothing but the Go toolchain; bench/run.sh
// starts a server and runs it.
//
// Usage:
//
//	go run ./bench/load -genkey   # prints a private key and its address
//	go run ./bench/load -issuer http://127.0.0.1:4444 -admin http://127.0.0.1:4445 \
//	    -admin-token TOKEN -key HEX -domain bench.crypto
//
// The domain must be owned by the key's address in the server's registry.
// Scenarios (-scenarios, comma-separated, all by default):
//
//   - statements: one flow at a time, reading sigil_store_statements_total
//     from the admin listener's /metrics before and after each step;
//   - discovery, jwks: GET of the two well-known documents;
//   - userinfo: GET /userinfo with one Bearer token, again and again;
//   - exchange: codes are pre-minted by running flows concurrently (not
//     timed), then each is redeemed once at the token endpoint
//     (client_secret_basic) by -c workers;
//   - flows, flows-api: whole code flows, authorize to token, each in a new
//     cookie jar, by -flows-c workers; flows also GETs the login and consent
//     pages as a browser does, flows-api calls only the API.
//
// Every load scenario warms up for -warmup (except exchange, whose minting
// warms the server) and then runs for -d; it reports requests per second,
// the 50th, 90th and 99th latency percentiles and the errors. With
// -server-pid (Linux) it also reports how many cores the server, the load
// generator and everything else on the machine kept busy while measuring,
// and the server's CPU time per request: the load generator shares the
// machine with the server, and anything else running disturbs the figures.
// The command exits 1 when any request failed.
package main

import (
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
)

// config is the command line.
type config struct {
	issuer, admin, adminToken, key, domain, scenarios string
	c, flowsC, codes                                  int
	d, warmup, mintTime                               time.Duration
	json, genkey                                      bool
}

// report is the whole output, as -json prints it.
type report struct {
	Statements *statementsReport `json:"statements,omitempty"`
	Scenarios  []result          `json:"scenarios"`
}

func main() {
	var cfg config
	flag.StringVar(&cfg.issuer, "issuer", "", "issuer URL of the Sigil under test (its public listener)")
	flag.StringVar(&cfg.admin, "admin", "", "URL of its admin listener")
	flag.StringVar(&cfg.adminToken, "admin-token", "", "admin token")
	flag.StringVar(&cfg.key, "key", "", "hex private key of the wallet that owns -domain")
	flag.StringVar(&cfg.domain, "domain", "", "domain to sign in with")
	flag.StringVar(&cfg.scenarios, "scenarios", "statements,discovery,jwks,userinfo,exchange,flows,flows-api", "scenarios to run, comma-separated")
	flag.IntVar(&cfg.c, "c", 16, "concurrency of discovery, jwks, userinfo and exchange, and of the code minting")
	flag.IntVar(&cfg.flowsC, "flows-c", 8, "concurrency of the whole-flow scenarios")
	flag.DurationVar(&cfg.d, "d", 10*time.Second, "measured duration of each load scenario")
	flag.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "warm-up before each load scenario, not counted")
	flag.IntVar(&cfg.codes, "codes", 20000, "codes to pre-mint for the exchange scenario")
	flag.DurationVar(&cfg.mintTime, "mint-time", 40*time.Second, "at most this long pre-minting codes")
	flag.IntVar(&serverPID, "server-pid", 0, "process id of the server, to report its CPU use per scenario (Linux)")
	flag.BoolVar(&cfg.json, "json", false, "print JSON instead of tables")
	flag.BoolVar(&cfg.genkey, "genkey", false, "print a new private key (hex) and its address, then exit")
	flag.Parse()

	if cfg.genkey {
		k, err := crypto.GenerateKey()
		if err != nil {
			fatal(err)
		}
		fmt.Println(hex.EncodeToString(crypto.FromECDSA(k)), crypto.PubkeyToAddress(k.PublicKey).Hex())
		return
	}
	if cfg.issuer == "" || cfg.admin == "" || cfg.adminToken == "" || cfg.key == "" || cfg.domain == "" {
		fatal(fmt.Errorf("-issuer, -admin, -admin-token, -key and -domain are required (see -h)"))
	}
	key, err := crypto.HexToECDSA(strings.TrimPrefix(cfg.key, "0x"))
	if err != nil {
		fatal(fmt.Errorf("-key: %w", err))
	}
	rep, err := run(cfg, key)
	if cfg.json {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		printReport(os.Stdout, cfg, rep)
	}
	if err != nil {
		fatal(err)
	}
	for _, r := range rep.Scenarios {
		if r.Errors > 0 {
			fatal(fmt.Errorf("%s: %d requests failed, first: %s", r.Name, r.Errors, r.FirstError))
		}
	}
}

// run runs the selected scenarios in order. It returns what was measured up
// to the first failure.
func run(cfg config, key *ecdsa.PrivateKey) (*report, error) {
	t := newTarget(cfg.issuer, cfg.admin, cfg.adminToken, key, cfg.domain, max(cfg.c, cfg.flowsC))
	rep := &report{Scenarios: []result{}}
	// Two clients: the statements scenario remembers consent for its own,
	// which would let the load scenarios skip the consent step.
	rpStatements, err := t.register("bench-statements")
	if err != nil {
		return rep, err
	}
	rpLoad, err := t.register("bench-load")
	if err != nil {
		return rep, err
	}
	for _, name := range strings.Split(cfg.scenarios, ",") {
		if !cfg.json {
			fmt.Fprintf(os.Stderr, "running %s...\n", name)
		}
		switch name = strings.TrimSpace(name); name {
		case "statements":
			if rep.Statements, err = statementsScenario(t, rpStatements); err != nil {
				return rep, fmt.Errorf("statements: %w", err)
			}
		case "discovery":
			rep.Scenarios = append(rep.Scenarios, load(name, cfg.c, cfg.warmup, cfg.d, func() error { return t.get("/.well-known/openid-configuration") }))
		case "jwks":
			rep.Scenarios = append(rep.Scenarios, load(name, cfg.c, cfg.warmup, cfg.d, func() error { return t.get("/.well-known/jwks.json") }))
		case "exchange":
			r, err := exchangeScenario(t, rpLoad, cfg)
			if err != nil {
				return rep, fmt.Errorf("exchange: %w", err)
			}
			rep.Scenarios = append(rep.Scenarios, r)
		case "userinfo":
			g, err := t.newBrowser().flow(flowOptions{rp: rpLoad})
			if err != nil {
				return rep, fmt.Errorf("userinfo: %w", err)
			}
			token, err := t.exchange(g)
			if err != nil {
				return rep, fmt.Errorf("userinfo: %w", err)
			}
			r := load(name, cfg.c, cfg.warmup, cfg.d, func() error { return t.userinfo(token) })
			r.Note = "one access token, read again and again (one indexed SELECT per request)"
			rep.Scenarios = append(rep.Scenarios, r)
		case "flows", "flows-api":
			rep.Scenarios = append(rep.Scenarios, flowsScenario(name, t, rpLoad, name == "flows", cfg))
		default:
			return rep, fmt.Errorf("unknown scenario %q", name)
		}
	}
	return rep, nil
}

// printReport writes the tables.
func printReport(out io.Writer, cfg config, rep *report) {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	if s := rep.Statements; s != nil {
		fmt.Fprintln(out, "SQL statements per step (sigil_store_statements_total before and after each step)")
		fmt.Fprintf(w, "%-26s\t", "step")
		for _, f := range s.Flows {
			fmt.Fprintf(w, "%s\t", f.Name)
		}
		fmt.Fprintln(w)
		for _, step := range []string{stepAuthorize, stepLoginPage, stepChallenge, stepVerify, stepConsent, stepAccept, stepToken} {
			fmt.Fprintf(w, "%-26s\t", step)
			for _, f := range s.Flows {
				cell := "-"
				for _, sc := range f.Steps {
					if sc.Step == step {
						cell = fmt.Sprint(sc.Statements)
					}
				}
				fmt.Fprintf(w, "%s\t", cell)
			}
			fmt.Fprintln(w)
		}
		for _, total := range []string{"API-only flow", "browser flow"} {
			fmt.Fprintf(w, "%-26s\t", total)
			for _, f := range s.Flows {
				n := f.API
				if total == "browser flow" {
					n = f.Browser
				}
				fmt.Fprintf(w, "%d\t", n)
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%-26s\t%d\t\n", stepUserinfo+" (alone)", s.Userinfo)
		w.Flush()
		for _, f := range statementFlows {
			fmt.Fprintf(out, "  %-10s %s\n", f.name+":", f.legend)
		}
		fmt.Fprintln(out, "  API-only leaves out the two page GETs (GET /login, GET /consent).")
		fmt.Fprintln(out)
	}
	if len(rep.Scenarios) > 0 {
		fmt.Fprintf(out, "Load (warm-up %s, then %s per scenario; exchange is warmed by its minting)\n", cfg.warmup, cfg.d)
		fmt.Fprintf(w, "%-10s\tconc\trequests\terrors\tseconds\treq/s\tp50 ms\tp90 ms\tp99 ms\tcores: sigil\tload\tother\tsigil CPU ms/req\t\n", "scenario")
		for _, r := range rep.Scenarios {
			fmt.Fprintf(w, "%-10s\t%d\t%d\t%d\t%.1f\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.3f\t\n",
				r.Name, r.Concurrency, r.Requests, r.Errors, r.Seconds, r.PerSecond, r.P50ms, r.P90ms, r.P99ms,
				r.CPU.Server, r.CPU.Load, r.CPU.Other, r.CPU.ServerMsPerRequest)
		}
		w.Flush()
		fmt.Fprintf(out, "  cores: CPU time over wall time while measuring, of the server, of this load generator, and of\n"+
			"  everything else on the machine (%d cores); a high 'other' means the figures are disturbed.\n"+
			"  sigil CPU ms/req: the server's CPU time per request (per whole flow for flows), which\n"+
			"  other processes disturb less than the rate.\n", runtime.NumCPU())
		for _, r := range rep.Scenarios {
			if r.Note != "" {
				fmt.Fprintf(out, "  %-10s %s\n", r.Name+":", r.Note)
			}
			if r.FirstError != "" {
				fmt.Fprintf(out, "  %-10s first error: %s\n", r.Name+":", r.FirstError)
			}
		}
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "load:", err)
	os.Exit(1)
}
