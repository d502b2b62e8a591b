package report

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestRatio(t *testing.T) {
	cases := []struct {
		a, b float64
		want string
	}{
		{100, 4, "25"},
		{3, 2, "1.5"},
		{1, 1, "1.0"},
		{1, 3, "0.33"},
		{1, 80, "0.013"},
		{1, 8000, "0.00013"},
		{0, 5, "-"},
		{5, 0, "-"},
	}
	for _, c := range cases {
		if got := Ratio(c.a, c.b); got != c.want {
			t.Errorf("Ratio(%v, %v) = %q, want %q", c.a, c.b, got, c.want)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", 15057.4: "15,057"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%v) = %q, want %q", n, got, want)
		}
	}
}

// fixedRun is a run with round numbers, so the ratios can be checked by
// hand.
func fixedRun() *Run {
	two, ten := 2.0, 10.0
	return &Run{
		Started: time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC), Duration: 300 * time.Second,
		Command: "bench/run.sh -d 2s", Commit: "abc1234", Machine: "2 cores",
		Systems: []System{
			{Name: Ceiling, Title: "ceiling", PeakRSSMiB: 10, Load: Load{Scenarios: []Result{
				{Name: ClientCredentials, Concurrency: 16, Requests: 40000, PerSecond: 40000, P99ms: 2, CPU: CPU{ServerMsPerRequest: 0.025}},
				{Name: "introspect", Concurrency: 16, Requests: 50000, PerSecond: 50000, P99ms: 1, CPU: CPU{ServerMsPerRequest: 0.02}},
			}}},
			{Name: Peer, Title: "peer", PeakRSSMiB: 150, Load: Load{Scenarios: []Result{
				{Name: ClientCredentials, Concurrency: 16, Requests: 4000, PerSecond: 4000, P99ms: 20, CPU: CPU{ServerMsPerRequest: 0.25}},
			}}},
			{Name: "sqlite", Title: "Sigil on SQLite", PeakRSSMiB: 30, Load: Load{
				Scenarios: []Result{
					{Name: ClientCredentials, Concurrency: 16, Requests: 8000, PerSecond: 8000, P50ms: 1, P99ms: 10, CPU: CPU{ServerMsPerRequest: 0.125}, StatementsPerRequest: &two},
					{Name: "introspect", Concurrency: 16, Requests: 5000, PerSecond: 5000, P99ms: 4, CPU: CPU{ServerMsPerRequest: 0.1}},
					{Name: "flows-api", Concurrency: 8, Requests: 400, PerSecond: 400, P99ms: 50, CPU: CPU{ServerMsPerRequest: 5, DBMsPerRequest: 1}, StatementsPerRequest: &ten},
					{Name: "flows-api@50%", Concurrency: 64, Requests: 200, PerSecond: 200, P99ms: 12, TargetPerSecond: 200},
				},
				Statements: &Statements{Flows: []FlowCount{{Name: "first", Steps: []StepCount{{Step: "GET /oauth2/auth", Statements: 2}, {Step: "GET /login", Statements: 1}}, API: 2, Browser: 3}}, Userinfo: 1},
				Errors:     []string{"refresh: the code exchange issued no refresh token"},
			}},
			{Name: "postgres", Title: "Sigil on PostgreSQL", Failure: "postgres did not start:\nFATAL: boom"},
			{Name: Hydra, Title: "Ory Hydra", PeakRSSMiB: 60, Load: Load{Scenarios: []Result{
				{Name: ClientCredentials, Concurrency: 16, Requests: 2400, PerSecond: 300, P99ms: 100, CPU: CPU{ServerMsPerRequest: 6}},
				{Name: "flows-api", Concurrency: 8, Requests: 400, PerSecond: 50, P99ms: 200, CPU: CPU{ServerMsPerRequest: 33}},
			}}},
		},
	}
}

// TestMarkdownRatios: every Sigil result is divided by the reference's run
// of the same scenario when it has one, else by its client_credentials; and
// by Hydra's run of the same work only.
func TestMarkdownRatios(t *testing.T) {
	md := Markdown(fixedRun())
	for _, want := range []string{
		"commit `abc1234`",
		// client_credentials: 8000/40000, 8000/4000, 8000/300; p99 10/2,
		// 10/20; CPU 0.125/0.025, 0.125/0.25; 2 statements.
		"| client_credentials | 16 | 8,000 | 0 | 8,000 | 0.20 | 2.0 | 27 | 1.00 | 10.00 | 5.0 | 0.50 | 0.125 | - | 5.0 | 0.50 | 2.00 |",
		// introspect: the ceiling's own introspect (50000), the peer's
		// client_credentials (it has no introspect), no Hydra ratio (not
		// the same work).
		"| introspect | 16 | 5,000 | 0 | 5,000 | 0.10 | 1.2 | - | 0.00 | 4.00 | 4.0 | 0.20 | 0.100 | - | 5.0 | 0.40 | - |",
		// flows-api: 400/50 against Hydra's flows; CPU ratio on sigil +
		// db (6 ms).
		"| flows-api | 8 | 400 | 0 | 400 | 0.010 | 0.10 | 8.0 | 0.00 | 50.00 | 25 | 2.5 | 5.000 | 1.000 | 240 | 24 | 10.00 |",
		"| flows-api@50% at 200/s | 64 | 200 | 0 | 200 | 0.0050 | 0.050 | - |",
		"| hydra | flows-api | 8 | 400 | 0 | 50 |",
		"| `GET /oauth2/auth` | 2 |",
		"| `GET /login` | 1 |",
		"| **browser flow** | **3** |",
		"- not measured: `refresh: the code exchange issued no refresh token`",
		"- failed: `postgres did not start: FATAL: boom`",
		"| Sigil on SQLite | 30.0 | 3.0 | 0.20 |",
		"| Sigil on PostgreSQL | - | - | - |",
		"| ceiling | introspect | 16 | 50,000 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q\n%s", want, md)
		}
	}
}

// TestMarkdownWithoutReferences: a run without the ceiling and the peer
// (both failed to start) still renders, with "-" for the ratios.
func TestMarkdownWithoutReferences(t *testing.T) {
	run := fixedRun()
	run.Systems = run.Systems[2:]
	md := Markdown(run)
	if !strings.Contains(md, "| client_credentials | 16 | 8,000 | 0 | 8,000 | - | - |") {
		t.Errorf("want '-' ratios without references:\n%s", md)
	}
}

func TestMarkdownSoak(t *testing.T) {
	run := fixedRun()
	run.Systems[2].Soak = &Soak{
		Scenario: "flows-api", Result: Result{Requests: 1000, PerSecond: 100, Seconds: 600, P99ms: 30},
		Samples:    []Sample{{Seconds: 0, RSSMiB: 30, PeakRSSMiB: 31, Goroutines: 20, OpenFDs: 12, DBConns: 4}, {Seconds: 10, RSSMiB: 32, PeakRSSMiB: 33, Goroutines: 22, OpenFDs: 13, DBConns: 4, Authorizations: 1200, Sessions: -1}},
		RowsBefore: map[string]int64{"authorizations": 100, "clients": 3},
		RowsAfter:  map[string]int64{"authorizations": 1200, "clients": 3},
	}
	md := Markdown(run)
	for _, want := range []string{"Soak: `flows-api` for 10m0s, 1,000 requests (100/s), 0 errors, p99 30.00 ms. The server every 10s:",
		"| 10 | 32.0 | 33.0 | 22 | 13 | 4 | 1,200 | - |", "| `authorizations` | 100 | 1,200 |", "| `clients` | 3 | 3 |"} {
		if !strings.Contains(md, want) {
			t.Errorf("soak section lacks %q\n%s", want, md)
		}
	}
}

func TestSplice(t *testing.T) {
	doc := "# Title\n\nMethod text.\n\n" + BeginMarker + "\nold results\n" + EndMarker + "\n\nAfter.\n"
	got, err := Splice(doc, "new results\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "# Title\n\nMethod text.\n\n" + BeginMarker + "\nnew results\n" + EndMarker + "\n\nAfter.\n"
	if got != want {
		t.Errorf("Splice:\n%s\nwant:\n%s", got, want)
	}
	// Splicing again gives the same document: runs do not pile up.
	again, _ := Splice(got, "new results\n")
	if again != got {
		t.Errorf("a second splice changed the document:\n%s", again)
	}
	if _, err := Splice("# no markers\n", "x"); err != ErrNoMarkers {
		t.Errorf("no markers: %v, want ErrNoMarkers", err)
	}
	if _, err := Splice(EndMarker+"\n"+BeginMarker+"\n", "x"); err == nil {
		t.Error("markers in the wrong order: no error")
	}
	if _, err := Splice(doc+doc, "x"); err == nil {
		t.Error("markers twice: no error")
	}
}

// TestLoadJSON: the JSON bench/load prints (field names fixed here) reads
// back into a Load, so the driver sees what the generator measured.
func TestLoadJSON(t *testing.T) {
	in := `{"scenarios":[{"name":"client_credentials","concurrency":16,"requests":100,"errors":1,"seconds":2,
		"per_second":50,"p50_ms":1.5,"p90_ms":2,"p99_ms":3,"cpu":{"server_cores":0.5,"db_cores":0.25,
		"load_generator_cores":0.1,"other_cores":0,"server_cpu_ms_per_request":10,"db_cpu_ms_per_request":5},
		"statements_per_request":2,"first_error":"x"}],"errors":["introspect: no"]}`
	var l Load
	if err := json.Unmarshal([]byte(in), &l); err != nil {
		t.Fatal(err)
	}
	r := l.Find(ClientCredentials)
	if r == nil || r.Requests != 100 || r.P99ms != 3 || r.CPU.DB != 0.25 || r.CPU.DBMsPerRequest != 5 ||
		r.StatementsPerRequest == nil || *r.StatementsPerRequest != 2 || r.FirstError != "x" || len(l.Errors) != 1 {
		t.Errorf("decoded %+v", l)
	}
	if l.Find("nope") != nil {
		t.Error("Find of a missing scenario is not nil")
	}
}

// TestHydraReferenceByWork: Sigil's page flows are divided by Hydra's flows
// whose app reads each request (the same work: a page from the request's
// state), its API flows by Hydra's least-work flows, and a run without
// Hydra's reading flows falls back to its least-work ones.
func TestHydraReferenceByWork(t *testing.T) {
	hydra := &System{Name: Hydra, Load: Load{Scenarios: []Result{
		{Name: ClientCredentials, Requests: 10, PerSecond: 300},
		{Name: "flows-api", Requests: 10, PerSecond: 50},
		{Name: "flows", Requests: 10, PerSecond: 40},
	}}}
	for name, want := range map[string]float64{"flows": 40, "flows-api": 50, "flows-api-es256": 50, ClientCredentials: 300} {
		if r := hydraReference(hydra, name); r == nil || r.PerSecond != want {
			t.Errorf("Hydra's reference for %s = %+v, want %v/s", name, r, want)
		}
	}
	for _, name := range []string{"introspect", "exchange", "flows@50%"} {
		if r := hydraReference(hydra, name); r != nil {
			t.Errorf("Hydra's reference for %s = %+v, want none (not the same work, or not run)", name, r)
		}
	}
	hydra.Load.Scenarios = hydra.Load.Scenarios[:2]
	if r := hydraReference(hydra, "flows"); r == nil || r.PerSecond != 50 {
		t.Errorf("without Hydra's reading flows, the page flows' reference = %+v, want its flows-api", r)
	}
}
