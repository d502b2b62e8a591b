// Command load measures a server over HTTP, as relying parties and browsers
// use it. Against a Sigil it measures the SQL statements each step of a
// sign-in costs, and the throughput, latency, server CPU and statements per
// request of discovery, JWKS, userinfo, client_credentials, introspection,
// the authorization code exchange, refresh token rotation and whole code
// flows. Against a foreign server (-target: the net/http ceiling, node
// oidc-provider, Ory Hydra) it measures client_credentials and introspection
// with the same code, so that the figures compare, and against Ory Hydra
// (-hydra-admin) whole code flows too, whose login and consent it accepts
// through Hydra's admin API as a login-and-consent app does (see hydraFlow).
// It needs nothing but the Go toolchain; bench/run.sh starts the servers and
// runs it.
//
// Usage:
//
//	go run ./bench/load -genkey   # prints a private key and its address
//	go run ./bench/load -issuer http://127.0.0.1:4444 -admin http://127.0.0.1:4445 \
//	    -admin-token TOKEN -key HEX -domain bench.crypto
//	go run ./bench/load -target http://127.0.0.1:3000/token \
//	    -introspect http://127.0.0.1:3000/token/introspection -client-id ID -client-secret SECRET
//	go run ./bench/load -target http://127.0.0.1:4444/oauth2/token \
//	    -introspect http://127.0.0.1:4445/admin/oauth2/introspect -client-id ID -client-secret SECRET \
//	    -hydra-admin http://127.0.0.1:4445 -redirect-uri https://rp.example/bench/callback
//
// The domain must be owned by the key's address in the server's registry.
// Scenarios (-scenarios, comma-separated, all by default):
//
//   - statements: one flow at a time, reading sigil_store_statements_total
//     from the admin listener's /metrics before and after each step;
//   - discovery, jwks: GET of the two well-known documents;
//   - userinfo: GET /userinfo with one Bearer token, again and again;
//   - client_credentials: POST /oauth2/token with grant_type
//     client_credentials (client_secret_basic) by a client registered for
//     it, by -cc-c workers: more than the other scenarios, since a server
//     that group-commits its tokens (Sigil) batches the requests it has at
//     once, and the ceiling and the peer are measured at the same
//     concurrency;
//   - introspect: POST /oauth2/introspect of one live access token;
//   - exchange: codes are pre-minted by running flows concurrently (not
//     timed), then each is redeemed once at the token endpoint
//     (client_secret_basic) by -c workers;
//   - refresh: each worker rotates its own chain of refresh tokens;
//   - flows, flows-api: whole code flows, authorize to token, each in a new
//     cookie jar, by -flows-c workers; flows also GETs the login and consent
//     pages as a browser does, flows-api calls only the API. With -half-load
//     each is followed by an open-loop run at half the rate it reached;
//   - overload: whole API flows on 16 times -flows-c workers, against the
//     server's admission control: completed flows per second (compared
//     with flows-api's peak), p99 of the admitted requests, refusals (503
//     with Retry-After), other errors and connection resets.
//
// Every load scenario warms up for -warmup (except exchange, whose minting
// warms the server) and then runs for -d, opening its window only once no
// warm-up request is in flight; it reports requests per second, the 50th,
// 90th and 99th latency percentiles, the errors, and the growth of
// sigil_store_statements_total per request. With -server-pid (Linux) it
// also reports how many cores the server, its database (-db-pid), the load
// generator and everything else on the machine kept busy while measuring,
// and the server's CPU time per request: the load generator shares the
// machine with the server, and anything else running disturbs the figures.
// A scenario that cannot run is reported and the next one runs. The command
// exits 1 when any scenario could not run or any request failed.
package main

import (
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	benchreport "github.com/sigil-oidc/sigil/bench/internal/report"
)

// config is the command line.
type config struct {
	issuer, admin, adminToken, key, domain, scenarios string
	foreign, introspectURL, clientID, clientSecret    string
	hydraAdmin, redirectURI                           string
	ccScope                                           string
	c, ccC, flowsC, codes                             int
	d, warmup, mintTime                               time.Duration
	json, genkey, halfLoad                            bool
	cpuProfile                                        string
}

// report is the whole output, as -json prints it.
type report = benchreport.Load

// The default scenarios against Sigil and against a foreign server.
const (
	sigilScenarios   = "statements,discovery,jwks,userinfo,client_credentials,introspect,exchange,refresh,flows,flows-api,flows-api-es256,overload"
	foreignScenarios = "client_credentials,introspect"
)

func main() {
	var cfg config
	flag.StringVar(&cfg.issuer, "issuer", "", "issuer URL of the Sigil under test (its public listener)")
	flag.StringVar(&cfg.admin, "admin", "", "URL of its admin listener")
	flag.StringVar(&cfg.adminToken, "admin-token", "", "admin token")
	flag.StringVar(&cfg.key, "key", "", "hex private key of the wallet that owns -domain")
	flag.StringVar(&cfg.domain, "domain", "", "domain to sign in with")
	flag.StringVar(&cfg.foreign, "target", "", "token endpoint URL of a foreign server (the ceiling, a peer): run only client_credentials and, with -introspect, introspect, as -client-id")
	flag.StringVar(&cfg.introspectURL, "introspect", "", "with -target: its introspection endpoint URL")
	flag.StringVar(&cfg.clientID, "client-id", "", "with -target: a confidential client allowed the client_credentials grant")
	flag.StringVar(&cfg.clientSecret, "client-secret", "", "with -target: that client's secret (sent with client_secret_basic)")
	flag.StringVar(&cfg.hydraAdmin, "hydra-admin", "", "with -target (Ory Hydra's /oauth2/token): Hydra's admin URL, which also runs flows-api and flows, whole code flows whose login and consent are accepted through it (flows reads each request first, as an app that shows pages does); needs -redirect-uri")
	flag.StringVar(&cfg.redirectURI, "redirect-uri", "", "with -hydra-admin: a redirect URI registered for -client-id, which may also use the authorization_code grant and the scope openid")
	flag.StringVar(&cfg.ccScope, "cc-scope", "api", "scope of the client_credentials requests (and of the client registered for them at Sigil)")
	flag.StringVar(&cfg.scenarios, "scenarios", "", "scenarios to run, comma-separated (default "+sigilScenarios+"; with -target "+foreignScenarios+")")
	flag.IntVar(&cfg.c, "c", 16, "concurrency of every scenario but client_credentials and the whole flows, and of the code minting")
	flag.IntVar(&cfg.ccC, "cc-c", 64, "concurrency of the client_credentials scenario")
	flag.IntVar(&cfg.flowsC, "flows-c", 8, "concurrency of the whole-flow scenarios")
	flag.DurationVar(&cfg.d, "d", 10*time.Second, "measured duration of each load scenario")
	flag.DurationVar(&cfg.warmup, "warmup", 2*time.Second, "warm-up before each load scenario, not counted")
	flag.IntVar(&cfg.codes, "codes", 20000, "codes to pre-mint for the exchange scenario")
	flag.DurationVar(&cfg.mintTime, "mint-time", 40*time.Second, "at most this long pre-minting codes")
	flag.BoolVar(&cfg.halfLoad, "half-load", false, "after each whole-flow scenario, offer flows at half the rate it reached and report the latency (p99)")
	flag.IntVar(&meter.serverPID, "server-pid", 0, "process id of the server, to report its CPU use per scenario (Linux)")
	flag.IntVar(&meter.dbPID, "db-pid", 0, "process id of PostgreSQL's postmaster, to report the database's CPU use (its children included)")
	flag.BoolVar(&cfg.json, "json", false, "print JSON instead of tables")
	flag.BoolVar(&cfg.genkey, "genkey", false, "print a new private key (hex) and its address, then exit")
	flag.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write the load generator's own CPU profile to this file (its cost shares the machine with the server)")
	flag.Parse()
	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fatal(err)
		}
		defer pprof.StopCPUProfile()
	}

	if cfg.genkey {
		k, err := crypto.GenerateKey()
		if err != nil {
			fatal(err)
		}
		fmt.Println(hex.EncodeToString(crypto.FromECDSA(k)), crypto.PubkeyToAddress(k.PublicKey).Hex())
		return
	}
	var rep *report
	var err error
	if cfg.foreign != "" {
		if cfg.clientID == "" || cfg.clientSecret == "" {
			fatal(fmt.Errorf("-target needs -client-id and -client-secret"))
		}
		if cfg.hydraAdmin != "" && cfg.redirectURI == "" {
			fatal(fmt.Errorf("-hydra-admin needs -redirect-uri"))
		}
		rep = runForeign(cfg)
	} else {
		if cfg.issuer == "" || cfg.admin == "" || cfg.adminToken == "" || cfg.key == "" || cfg.domain == "" {
			fatal(fmt.Errorf("-issuer, -admin, -admin-token, -key and -domain are required, or -target (see -h)"))
		}
		key, kerr := crypto.HexToECDSA(strings.TrimPrefix(cfg.key, "0x"))
		if kerr != nil {
			fatal(fmt.Errorf("-key: %w", kerr))
		}
		rep, err = run(cfg, key)
	}
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
	if failed := failures(rep); len(failed) > 0 {
		fatal(errors.New(strings.Join(failed, "; ")))
	}
}

// failures lists what went wrong in a run: scenarios that could not run,
// and failed requests.
func failures(rep *report) []string {
	out := slices.Clone(rep.Errors)
	for _, r := range rep.Scenarios {
		if r.Errors > 0 {
			out = append(out, fmt.Sprintf("%s: %d requests failed, first: %s", r.Name, r.Errors, r.FirstError))
		}
	}
	return out
}

// scenarioList splits -scenarios, or returns the default.
func scenarioList(flagValue, def string) []string {
	if flagValue == "" {
		flagValue = def
	}
	var out []string
	for _, s := range strings.Split(flagValue, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// runForeign measures a foreign server's token endpoint (and introspection
// endpoint) with the client it was given. A scenario that cannot run is
// recorded in the report's errors, and the next one runs.
func runForeign(cfg config) *report {
	t := newTarget("", "", "", nil, "", max(cfg.c, cfg.ccC))
	t.tokenURL, t.introspectURL = cfg.foreign, cfg.introspectURL
	rp := relyingParty{id: cfg.clientID, secret: cfg.clientSecret, redirect: cfg.redirectURI}
	rep := &report{Scenarios: []result{}}
	scenarios := foreignScenarios
	if cfg.hydraAdmin != "" {
		scenarios += ",flows-api,flows"
	}
	for _, name := range scenarioList(cfg.scenarios, scenarios) {
		if !cfg.json {
			fmt.Fprintf(os.Stderr, "running %s...\n", name)
		}
		var r result
		var err error
		switch name {
		case "client_credentials":
			r = clientCredentialsScenario(t, rp, cfg)
		case "introspect":
			if t.introspectURL == "" {
				continue // the server has none, or it was not given
			}
			r, err = introspectScenario(t, rp, cfg)
		case "flows-api", "flows":
			if cfg.hydraAdmin == "" {
				err = fmt.Errorf("%s against a foreign server needs -hydra-admin", name)
				break
			}
			r, err = hydraFlowsScenario(t, rp, cfg, name)
		default:
			err = fmt.Errorf("scenario %q needs a Sigil; with -target only client_credentials, introspect and (with -hydra-admin) flows-api and flows run", name)
		}
		if err != nil {
			rep.Errors = append(rep.Errors, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		rep.Scenarios = append(rep.Scenarios, r)
	}
	return rep
}

// clientCredentialsScenario is the token endpoint's cheapest grant, the
// work every measured system shares: one client authentication and one
// access token (RFC 6749 section 4.4).
func clientCredentialsScenario(t *target, rp relyingParty, cfg config) result {
	r := load("client_credentials", cfg.ccC, cfg.warmup, cfg.d, 0, func(int) error {
		_, err := t.clientCredentials(rp, cfg.ccScope)
		return err
	})
	r.Note = "POST token endpoint, grant_type=client_credentials, client_secret_basic"
	return r
}

// introspectScenario asks about one live access token (from the
// client_credentials grant) again and again (RFC 7662).
func introspectScenario(t *target, rp relyingParty, cfg config) (result, error) {
	token, err := t.clientCredentials(rp, cfg.ccScope)
	if err != nil {
		return result{}, fmt.Errorf("getting a token to introspect: %w", err)
	}
	if err := t.introspect(rp, token); err != nil {
		return result{}, err
	}
	r := load("introspect", cfg.c, cfg.warmup, cfg.d, 0, func(int) error { return t.introspect(rp, token) })
	r.Note = "one client_credentials access token, introspected again and again by its client"
	return r, nil
}

// run runs the selected scenarios against Sigil in order. A scenario that
// cannot run (its set-up failed, the server lacks the endpoint) is recorded
// in the report's errors and the next one runs; the error returned is for a
// failure that leaves nothing to measure.
func run(cfg config, key *ecdsa.PrivateKey) (*report, error) {
	t := newTarget(cfg.issuer, cfg.admin, cfg.adminToken, key, cfg.domain, max(8*max(cfg.c, cfg.flowsC), cfg.ccC))
	meter.statements = t.statements
	rep := &report{Scenarios: []result{}}
	// Separate clients: the statements scenario remembers consent for its
	// own, which would let the load scenarios skip the consent step; the
	// refresh scenario's client may ask for offline_access; the
	// client_credentials client has no redirect URI.
	rpStatements, err := t.register("bench-statements", false)
	if err != nil {
		return rep, err
	}
	rpLoad, err := t.register("bench-load", false)
	if err != nil {
		return rep, err
	}
	var rpService *relyingParty // registered when first needed
	service := func() (relyingParty, error) {
		if rpService == nil {
			rp, err := t.registerService("bench-service", cfg.ccScope)
			if err != nil {
				return rp, err
			}
			rpService = &rp
		}
		return *rpService, nil
	}
	for _, name := range scenarioList(cfg.scenarios, sigilScenarios) {
		if !cfg.json {
			fmt.Fprintf(os.Stderr, "running %s...\n", name)
		}
		if err := runScenario(name, t, cfg, rep, rpStatements, rpLoad, service); err != nil {
			rep.Errors = append(rep.Errors, fmt.Sprintf("%s: %v", name, err))
		}
	}
	return rep, nil
}

// runScenario runs one scenario against Sigil and appends what it measured
// to rep.
func runScenario(name string, t *target, cfg config, rep *report, rpStatements, rpLoad relyingParty, service func() (relyingParty, error)) error {
	add := func(r result) { rep.Scenarios = append(rep.Scenarios, r) }
	switch name {
	case "statements":
		s, err := statementsScenario(t, rpStatements)
		if err != nil {
			return err
		}
		rep.Statements = s
	case "discovery":
		add(load(name, cfg.c, cfg.warmup, cfg.d, 0, func(int) error { return t.get("/.well-known/openid-configuration") }))
	case "jwks":
		add(load(name, cfg.c, cfg.warmup, cfg.d, 0, func(int) error { return t.get("/.well-known/jwks.json") }))
	case "userinfo":
		g, err := t.newBrowser().flow(flowOptions{rp: rpLoad})
		if err != nil {
			return err
		}
		tok, err := t.exchange(g)
		if err != nil {
			return err
		}
		r := load(name, cfg.c, cfg.warmup, cfg.d, 0, func(int) error { return t.userinfo(tok.AccessToken) })
		r.Note = "one access token, read again and again (one indexed SELECT per request)"
		add(r)
	case "client_credentials", "introspect":
		rp, err := service()
		if err != nil {
			return fmt.Errorf("register a client_credentials client: %w", err)
		}
		if name == "client_credentials" {
			add(clientCredentialsScenario(t, rp, cfg))
			return nil
		}
		r, err := introspectScenario(t, rp, cfg)
		if err != nil {
			return err
		}
		add(r)
	case "exchange":
		r, err := exchangeScenario(t, rpLoad, cfg)
		if err != nil {
			return err
		}
		add(r)
	case "refresh":
		rp, err := t.register("bench-refresh", true)
		if err != nil {
			return err
		}
		r, err := refreshScenario(t, rp, cfg)
		if err != nil {
			return err
		}
		add(r)
	case "flows", "flows-api":
		pages := name == "flows"
		r := flowsScenario(name, t, rpLoad, pages, cfg)
		add(r)
		if cfg.halfLoad && r.PerSecond > 0 {
			add(halfLoadScenario(r, t, rpLoad, pages, cfg))
		}
	case "overload":
		peak := 0.0
		if p := rep.Find("flows-api"); p != nil {
			peak = p.PerSecond
		}
		add(overloadScenario(t, rpLoad, cfg, peak))
	case "flows-api-es256":
		// The same flows for a client that registered ES256 ID tokens
		// (id_token_signed_response_alg): what the RSA-2048 signature
		// costs the RS256 default.
		rp, err := t.registerWithAlg("bench-es256", "ES256")
		if err != nil {
			return err
		}
		r := flowsScenario(name, t, rp, false, cfg)
		r.Note = flowsNote(false) + "; the client registered ES256 ID tokens"
		add(r)
		if cfg.halfLoad && r.PerSecond > 0 {
			add(halfLoadScenario(r, t, rp, false, cfg))
		}
	default:
		return fmt.Errorf("unknown scenario %q", name)
	}
	return nil
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
		fmt.Fprintf(w, "%-10s\tconc\trequests\terrors\tseconds\treq/s\tp50 ms\tp90 ms\tp99 ms\tcores: server\tdb\tload\tother\tserver CPU ms/req\tdb CPU ms/req\tSQL/req\t\n", "scenario")
		for _, r := range rep.Scenarios {
			sql := "-"
			if r.StatementsPerRequest != nil {
				sql = fmt.Sprintf("%.2f", *r.StatementsPerRequest)
			}
			fmt.Fprintf(w, "%-10s\t%d\t%d\t%d\t%.1f\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.3f\t%.3f\t%s\t\n",
				r.Name, r.Concurrency, r.Requests, r.Errors, r.Seconds, r.PerSecond, r.P50ms, r.P90ms, r.P99ms,
				r.CPU.Server, r.CPU.DB, r.CPU.Load, r.CPU.Other, r.CPU.ServerMsPerRequest, r.CPU.DBMsPerRequest, sql)
		}
		w.Flush()
		fmt.Fprintf(out, "  cores: CPU time over wall time while measuring, of the server, of its database (PostgreSQL,\n"+
			"  with -db-pid), of this load generator, and of everything else on the machine (%d cores);\n"+
			"  a high 'other' means the figures are disturbed.\n"+
			"  server CPU ms/req: the server's CPU time per request (per whole flow for flows), which\n"+
			"  other processes disturb less than the rate. SQL/req: sigil_store_statements_total's growth\n"+
			"  over the measured window per successful request.\n", runtime.NumCPU())
		for _, r := range rep.Scenarios {
			if r.Note != "" {
				fmt.Fprintf(out, "  %-10s %s\n", r.Name+":", r.Note)
			}
			if r.FirstError != "" {
				fmt.Fprintf(out, "  %-10s first error: %s\n", r.Name+":", r.FirstError)
			}
		}
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(out, "  not run: %s\n", e)
	}
}

func fatal(err error) {
	pprof.StopCPUProfile() // a no-op without -cpuprofile
	fmt.Fprintln(os.Stderr, "load:", err)
	os.Exit(1)
}
