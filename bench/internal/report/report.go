// Package report holds what bench/ measures and how it is written down: the
// results bench/load prints with -json, the run bench/driver assembles from
// several systems (the net/http ceiling, node oidc-provider, Ory Hydra, Sigil
// on each store), and the Markdown section it writes into docs/benchmarks.md,
// where every result is also given as a ratio to the ceiling, to the peer and,
// for the work Hydra does too, to Hydra.
// Keeping both ends in one package means the generator's output and the
// driver's input cannot drift apart.
package report

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// CPU is how many cores, on average over a measured window, the server, its
// database (PostgreSQL's processes; zero for SQLite, which runs inside the
// server), the load generator and everything else on the machine kept busy.
type CPU struct {
	Server float64 `json:"server_cores"`
	DB     float64 `json:"db_cores,omitempty"`
	Load   float64 `json:"load_generator_cores"`
	Other  float64 `json:"other_cores"`
	// ServerMsPerRequest is the server's CPU time per successful request.
	ServerMsPerRequest float64 `json:"server_cpu_ms_per_request"`
	// DBMsPerRequest is the database's CPU time per successful request.
	DBMsPerRequest float64 `json:"db_cpu_ms_per_request,omitempty"`
}

// Result is what one load scenario measured.
type Result struct {
	Name        string  `json:"name"`
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	Seconds     float64 `json:"seconds"`
	PerSecond   float64 `json:"per_second"`
	P50ms       float64 `json:"p50_ms"`
	P90ms       float64 `json:"p90_ms"`
	P99ms       float64 `json:"p99_ms"`
	CPU         CPU     `json:"cpu"`
	// StatementsPerRequest is sigil_store_statements_total's growth over
	// the measured window divided by the successful requests; nil when the
	// server has no such counter (the ceiling, the peer).
	StatementsPerRequest *float64 `json:"statements_per_request,omitempty"`
	// TargetPerSecond is the offered rate of a rate-limited run (-half-load);
	// zero for a closed-loop run, where each worker sends its next request
	// when the previous one is answered.
	TargetPerSecond float64 `json:"target_per_second,omitempty"`
	FirstError      string  `json:"first_error,omitempty"`
	Note            string  `json:"note,omitempty"`
	// Overload is what the overload scenario counts besides; nil for the
	// others.
	Overload *Overload `json:"overload,omitempty"`
}

// Overload is the outcome of the overload scenario: whole flows at many
// times the concurrency of the peak, against admission control. The
// Result's Requests and PerSecond count completed flows, its percentiles
// the admitted requests (every answer but a refusal), and its Errors the
// other errors and connection resets.
type Overload struct {
	// PeakPerSecond is flows-api's rate in the same run (the peak the
	// completed flows are compared with); 0 when it was not run.
	PeakPerSecond float64 `json:"peak_per_second,omitempty"`
	// AdmittedRequests are the requests answered as a flow expects.
	AdmittedRequests int `json:"admitted_requests"`
	// RefusedFlows are the flows one of whose requests was refused.
	RefusedFlows int `json:"refused_flows"`
	// Refusals counts the refused requests by status ("503"): a 503 with
	// Retry-After and temporarily_unavailable.
	Refusals map[string]int `json:"refusals"`
	// OtherErrors are answers neither expected nor a proper refusal (any
	// other 5xx among them); Resets the connections reset or cut short.
	OtherErrors int `json:"other_errors"`
	Resets      int `json:"connection_resets"`
}

// StepCount is how many SQL statements one step of a flow sent.
type StepCount struct {
	Step       string `json:"step"`
	Statements uint64 `json:"statements"`
}

// FlowCount is the statements of one whole flow, step by step, with the
// totals of the API-only path (no page GETs) and of the browser path.
type FlowCount struct {
	Name    string      `json:"name"`
	Steps   []StepCount `json:"steps"`
	API     uint64      `json:"api_only"`
	Browser uint64      `json:"browser"`
}

// Statements is the outcome of bench/load's statements scenario.
type Statements struct {
	Flows    []FlowCount `json:"flows"`
	Userinfo uint64      `json:"userinfo"`
}

// Load is the whole output of one bench/load run, as -json prints it.
type Load struct {
	Statements *Statements `json:"statements,omitempty"`
	Scenarios  []Result    `json:"scenarios"`
	// Errors are the scenarios that could not run at all (a failed set-up,
	// an endpoint the server lacks), one line each.
	Errors []string `json:"errors,omitempty"`
}

// Find returns the result of the named scenario, or nil.
func (l *Load) Find(name string) *Result {
	for i := range l.Scenarios {
		if l.Scenarios[i].Name == name {
			return &l.Scenarios[i]
		}
	}
	return nil
}

// Sample is one reading of a server during a soak run.
type Sample struct {
	Seconds    float64 `json:"seconds"`
	RSSMiB     float64 `json:"rss_mib"`
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	Goroutines int     `json:"goroutines"`
	OpenFDs    int     `json:"open_fds"`
	DBConns    int     `json:"db_conns"`
	// Authorizations and Sessions are the tables' row counts (-1 unknown).
	Authorizations int64 `json:"authorizations"`
	Sessions       int64 `json:"sessions"`
}

// Soak is a long run of one scenario with the server sampled every few
// seconds, and the row count of every table before and after.
type Soak struct {
	Scenario   string           `json:"scenario"`
	Result     Result           `json:"result"`
	Samples    []Sample         `json:"samples"`
	RowsBefore map[string]int64 `json:"rows_before"`
	RowsAfter  map[string]int64 `json:"rows_after"`
}

// System is one server measured in a run.
type System struct {
	// Name is ceiling, oidc-provider, sqlite or postgres.
	Name string `json:"name"`
	// Title says what it is, for the headings.
	Title      string  `json:"title"`
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	Load       Load    `json:"load"`
	Soak       *Soak   `json:"soak,omitempty"`
	// Failure says why the system could not be measured (in full).
	Failure string `json:"failure,omitempty"`
}

// The names of the reference systems: the ceiling and the peer, which every
// result is divided by, and Ory Hydra, which the flow target is
// written against (10x Hydra on PostgreSQL).
const (
	Ceiling = "ceiling"
	Peer    = "oidc-provider"
	Hydra   = "hydra"
)

// hydraReference returns Hydra's result that Sigil's scenario name is
// compared with: the same work only, or nil. client_credentials and
// introspect are Hydra's own; Sigil's flows-api and flows-api-es256 are
// compared with Hydra's flows-api (its login-and-consent app doing the
// least it can), and Sigil's flows, whose login and consent pages are
// rendered from the flow's state, with Hydra's flows (the app reading each
// request before accepting it, as one that shows pages does), or with its
// flows-api in a run without them.
func hydraReference(hydra *System, name string) *Result {
	if hydra == nil {
		return nil
	}
	find := func(name string) *Result {
		if r := hydra.Load.Find(name); r != nil && r.Requests > 0 {
			return r
		}
		return nil
	}
	switch name {
	case "flows":
		if r := find("flows"); r != nil {
			return r
		}
		return find("flows-api")
	case "flows-api", "flows-api-es256":
		return find("flows-api")
	case ClientCredentials, "introspect":
		return find(name)
	}
	return nil
}

// ClientCredentials is the scenario every system runs: the common work the
// ratios are taken against.
const ClientCredentials = "client_credentials"

// Run is one whole run of bench/driver.
type Run struct {
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration"`
	Command  string        `json:"command"`
	Commit   string        `json:"commit"`
	Machine  string        `json:"machine"`
	Systems  []System      `json:"systems"`
}

// System returns the named system, or nil.
func (r *Run) System(name string) *System {
	for i := range r.Systems {
		if r.Systems[i].Name == name {
			return &r.Systems[i]
		}
	}
	return nil
}

// reference returns the result of ref that scenario name is compared with:
// ref's own run of the same scenario when it has one (client_credentials,
// introspect), else its client_credentials, the work every system shares.
func reference(ref *System, name string) *Result {
	if ref == nil {
		return nil
	}
	if r := ref.Load.Find(name); r != nil && r.Requests > 0 {
		return r
	}
	if r := ref.Load.Find(ClientCredentials); r != nil && r.Requests > 0 {
		return r
	}
	return nil
}

// Ratio formats a/b with two significant digits ("0.013", "1.2", "37"),
// or "-" when either is unknown.
func Ratio(a, b float64) string {
	if a <= 0 || b <= 0 || math.IsNaN(a) || math.IsNaN(b) || math.IsInf(a/b, 0) {
		return "-"
	}
	q := a / b
	switch {
	case q >= 10:
		return fmt.Sprintf("%.0f", q)
	case q >= 1:
		return fmt.Sprintf("%.1f", q)
	default:
		// Two significant digits below 1.
		digits := max(2, 1-int(math.Floor(math.Log10(q))))
		return fmt.Sprintf("%.*f", digits, q)
	}
}

// thousands formats n with a comma every three digits.
func thousands(n float64) string {
	s := fmt.Sprintf("%.0f", n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Markdown renders the run as the generated section of docs/benchmarks.md.
func Markdown(run *Run) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	ceiling, peer, hydra := run.System(Ceiling), run.System(Peer), run.System(Hydra)

	p("Generated by `%s` on %s UTC (%s in all), commit `%s`.\n", run.Command, run.Started.UTC().Format("2006-01-02 15:04"), run.Duration.Round(time.Second), run.Commit)
	p("Machine: %s.\n\n", run.Machine)

	p("### Ceiling and peers\n\n")
	p("The same `client_credentials` work (and introspection of the token it issues) on the bare\n")
	p("`net/http` handler, on node oidc-provider and on Ory Hydra, and Hydra's whole code flows\n")
	p("(login and consent accepted through its admin API). The ratios below divide by these rows.\n\n")
	p("| system | scenario | conc | requests | errors | req/s | p50 ms | p99 ms | server CPU ms/req | cores: server | load | other |\n")
	p("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range []*System{ceiling, peer, hydra} {
		if s == nil {
			continue
		}
		for _, r := range s.Load.Scenarios {
			p("| %s | %s | %d | %s | %d | %s | %.2f | %.2f | %.3f | %.2f | %.2f | %.2f |\n",
				s.Name, r.Name, r.Concurrency, thousands(float64(r.Requests)), r.Errors, thousands(r.PerSecond),
				r.P50ms, r.P99ms, r.CPU.ServerMsPerRequest, r.CPU.Server, r.CPU.Load, r.CPU.Other)
		}
	}
	p("\n")

	for i := range run.Systems {
		s := &run.Systems[i]
		if s.Name == Ceiling || s.Name == Peer || s.Name == Hydra {
			continue
		}
		p("### %s\n\n", s.Title)
		if len(s.Load.Scenarios) > 0 {
			p("| scenario | conc | requests | errors | req/s | ÷ ceiling | ÷ peer | ÷ Hydra | p50 ms | p99 ms | p99 ÷ ceiling | p99 ÷ peer | CPU ms/req: sigil | db | ÷ ceiling | ÷ peer | SQL/req | other cores |\n")
			p("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
			for _, r := range s.Load.Scenarios {
				cr, pr, hr := reference(ceiling, r.Name), reference(peer, r.Name), hydraReference(hydra, r.Name)
				name := r.Name
				if r.TargetPerSecond > 0 {
					name = fmt.Sprintf("%s at %s/s", r.Name, thousands(r.TargetPerSecond))
				}
				cpu := r.CPU.ServerMsPerRequest + r.CPU.DBMsPerRequest
				db := "-"
				if r.CPU.DBMsPerRequest > 0 {
					db = fmt.Sprintf("%.3f", r.CPU.DBMsPerRequest)
				}
				sql := "-"
				if r.StatementsPerRequest != nil {
					sql = fmt.Sprintf("%.2f", *r.StatementsPerRequest)
				}
				p("| %s | %d | %s | %d | %s | %s | %s | %s | %.2f | %.2f | %s | %s | %.3f | %s | %s | %s | %s | %.2f |\n",
					name, r.Concurrency, thousands(float64(r.Requests)), r.Errors, thousands(r.PerSecond),
					ratioOf(r.PerSecond, cr, func(x *Result) float64 { return x.PerSecond }),
					ratioOf(r.PerSecond, pr, func(x *Result) float64 { return x.PerSecond }),
					ratioOf(r.PerSecond, hr, func(x *Result) float64 { return x.PerSecond }),
					r.P50ms, r.P99ms,
					ratioOf(r.P99ms, cr, func(x *Result) float64 { return x.P99ms }),
					ratioOf(r.P99ms, pr, func(x *Result) float64 { return x.P99ms }),
					r.CPU.ServerMsPerRequest, db,
					ratioOf(cpu, cr, func(x *Result) float64 { return x.CPU.ServerMsPerRequest }),
					ratioOf(cpu, pr, func(x *Result) float64 { return x.CPU.ServerMsPerRequest }),
					sql, r.CPU.Other)
			}
			p("\n")
		}
		for _, r := range s.Load.Scenarios {
			if r.Overload != nil {
				writeOverload(&b, r)
			}
		}
		for _, r := range s.Load.Scenarios {
			if r.FirstError != "" {
				p("- %s: first error: `%s`\n", r.Name, oneLine(r.FirstError))
			}
		}
		for _, e := range s.Load.Errors {
			p("- not measured: `%s`\n", oneLine(e))
		}
		if s.Failure != "" {
			p("- failed: `%s`\n", oneLine(s.Failure))
		}
		if st := s.Load.Statements; st != nil {
			p("\nSQL statements per step of one flow (the statements scenario):\n\n")
			writeStatements(&b, st)
		}
		if s.Soak != nil {
			writeSoak(&b, s.Soak)
		}
		p("\n")
	}

	p("### Peak RSS\n\n")
	p("| system | peak RSS MiB | ÷ ceiling | ÷ peer |\n|---|---|---|---|\n")
	for _, s := range run.Systems {
		var c, pe float64
		if ceiling != nil {
			c = ceiling.PeakRSSMiB
		}
		if peer != nil {
			pe = peer.PeakRSSMiB
		}
		if s.PeakRSSMiB <= 0 {
			p("| %s | - | - | - |\n", s.Title)
			continue
		}
		p("| %s | %.1f | %s | %s |\n", s.Title, s.PeakRSSMiB, Ratio(s.PeakRSSMiB, c), Ratio(s.PeakRSSMiB, pe))
	}
	p("\n")
	for _, s := range []*System{ceiling, peer, hydra} {
		if s == nil {
			continue
		}
		for _, e := range s.Load.Errors {
			p("- %s not measured: `%s`\n", s.Name, oneLine(e))
		}
		if s.Failure != "" {
			p("- %s failed: `%s`\n", s.Name, oneLine(s.Failure))
		}
	}
	return b.String()
}

// ratioOf is Ratio(x, metric(ref)), "-" without a reference.
func ratioOf(x float64, ref *Result, metric func(*Result) float64) string {
	if ref == nil {
		return "-"
	}
	return Ratio(x, metric(ref))
}

// stepOrder is the order of the steps of a flow, for the statements table.
var stepOrder = []string{"GET /oauth2/auth", "GET /login", "POST /login/challenge", "POST /login/verify", "GET /consent", "POST /consent/accept", "POST /oauth2/token"}

func writeStatements(b *strings.Builder, st *Statements) {
	fmt.Fprintf(b, "| step |")
	for _, f := range st.Flows {
		fmt.Fprintf(b, " %s |", f.Name)
	}
	fmt.Fprintf(b, "\n|---|%s\n", strings.Repeat("---|", len(st.Flows)))
	for _, step := range stepOrder {
		fmt.Fprintf(b, "| `%s` |", step)
		for _, f := range st.Flows {
			cell := "-"
			for _, sc := range f.Steps {
				if sc.Step == step {
					cell = fmt.Sprint(sc.Statements)
				}
			}
			fmt.Fprintf(b, " %s |", cell)
		}
		b.WriteString("\n")
	}
	for _, total := range []string{"API-only flow", "browser flow"} {
		fmt.Fprintf(b, "| **%s** |", total)
		for _, f := range st.Flows {
			n := f.API
			if total == "browser flow" {
				n = f.Browser
			}
			fmt.Fprintf(b, " **%d** |", n)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "\n`GET /userinfo` alone: %d statement(s).\n", st.Userinfo)
}

// writeOverload says in one paragraph what the overload scenario r
// measured against the bar: completed flows at least 80% of the
// peak, p99 of admitted requests under 100 ms, every refusal a proper 503,
// no other error and no reset.
func writeOverload(b *strings.Builder, r Result) {
	o := r.Overload
	share := "no flows-api peak in this run"
	if o.PeakPerSecond > 0 {
		share = fmt.Sprintf("%.0f%% of the flows-api peak of %s/s", 100*r.PerSecond/o.PeakPerSecond, thousands(o.PeakPerSecond))
	}
	refusals := make([]string, 0, len(o.Refusals))
	for status, n := range o.Refusals {
		refusals = append(refusals, fmt.Sprintf("%s × %s", thousands(float64(n)), status))
	}
	sort.Strings(refusals)
	if len(refusals) == 0 {
		refusals = append(refusals, "none")
	}
	fmt.Fprintf(b, "- %s: %d workers: %s completed flows/s (%s); p99 of the %s admitted requests %.2f ms; "+
		"%s flows refused (requests refused: %s); %d other errors, %d connection resets.\n",
		r.Name, r.Concurrency, thousands(r.PerSecond), share, thousands(float64(o.AdmittedRequests)), r.P99ms,
		thousands(float64(o.RefusedFlows)), strings.Join(refusals, ", "), o.OtherErrors, o.Resets)
}

func writeSoak(b *strings.Builder, s *Soak) {
	r := s.Result
	fmt.Fprintf(b, "\nSoak: `%s` for %s, %s requests (%s/s), %d errors, p99 %.2f ms. The server every %s:\n\n",
		s.Scenario, time.Duration(r.Seconds*float64(time.Second)).Round(time.Second), thousands(float64(r.Requests)),
		thousands(r.PerSecond), r.Errors, r.P99ms, sampleInterval(s.Samples))
	b.WriteString("| s | RSS MiB | peak RSS MiB | goroutines | open fds | DB connections | `authorizations` rows | `sessions` rows |\n|---|---|---|---|---|---|---|---|\n")
	for _, x := range s.Samples {
		fmt.Fprintf(b, "| %.0f | %.1f | %.1f | %d | %d | %d | %s | %s |\n", x.Seconds, x.RSSMiB, x.PeakRSSMiB, x.Goroutines, x.OpenFDs, x.DBConns,
			count(x.Authorizations), count(x.Sessions))
	}
	tables := make([]string, 0, len(s.RowsAfter))
	for t := range s.RowsAfter {
		tables = append(tables, t)
	}
	for t := range s.RowsBefore {
		if _, ok := s.RowsAfter[t]; !ok {
			tables = append(tables, t)
		}
	}
	sort.Strings(tables)
	b.WriteString("\n| table | rows before | rows after |\n|---|---|---|\n")
	for _, t := range tables {
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", t, thousands(float64(s.RowsBefore[t])), thousands(float64(s.RowsAfter[t])))
	}
}

// sampleInterval is the spacing of the samples, for the soak's legend.
func sampleInterval(samples []Sample) string {
	if len(samples) < 2 {
		return "few seconds"
	}
	// The last sample is taken when the run ends, off the beat.
	d := samples[1].Seconds - samples[0].Seconds
	return time.Duration(d * float64(time.Second)).Round(time.Second).String()
}

// oneLine keeps an error message on one Markdown line and out of the way of
// the backticks around it.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, "`", "'")
	// Keep the start (what failed) and the end (the last words of a log).
	if len(s) > 400 {
		s = s[:200] + " ... " + s[len(s)-195:]
	}
	return s
}

// The markers around the generated section of docs/benchmarks.md. What is
// between them is replaced on every run; the text around them is written by
// hand.
const (
	BeginMarker = "<!-- bench:begin: generated by bench/run.sh; everything up to bench:end is overwritten -->"
	EndMarker   = "<!-- bench:end -->"
)

// ErrNoMarkers is returned by Splice for a document without the markers.
var ErrNoMarkers = errors.New("the document has no bench:begin and bench:end markers")

// Splice replaces what lies between the markers of doc with generated.
func Splice(doc, generated string) (string, error) {
	i := strings.Index(doc, BeginMarker)
	j := strings.Index(doc, EndMarker)
	if i < 0 || j < 0 {
		return "", ErrNoMarkers
	}
	if j < i {
		return "", errors.New("the bench:end marker comes before bench:begin")
	}
	if strings.Count(doc, BeginMarker) != 1 || strings.Count(doc, EndMarker) != 1 {
		return "", errors.New("the bench markers appear more than once")
	}
	return doc[:i+len(BeginMarker)] + "\n" + strings.TrimRight(generated, "\n") + "\n" + doc[j:], nil
}

// count writes a row count with thousands separators, "-" when unknown.
func count(n int64) string {
	if n < 0 {
		return "-"
	}
	return thousands(float64(n))
}
