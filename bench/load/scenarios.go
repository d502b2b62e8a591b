package main

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	benchreport "github.com/sigil-oidc/sigil/bench/internal/report"
)

// result is what one load scenario measured; the type is shared with
// bench/driver, which reads -json.
type result = benchreport.Result

// errDone tells a worker that there is nothing left to do (the pre-minted
// codes ran out).
var errDone = errors.New("done")

// meters are what every scenario reads at the start and end of its
// measured window besides the clock.
type meters struct {
	// serverPID is the server's process id (-server-pid), dbPID
	// PostgreSQL's postmaster (-db-pid); 0 when unknown.
	serverPID, dbPID int
	// statements reads sigil_store_statements_total; nil against a server
	// without it (-target).
	statements func() (uint64, error)
}

// meter is set once by main before any scenario runs.
var meter meters

// window is the reading of the meters at one end of a measured window.
type window struct {
	cpu        cpuSample
	statements uint64
	ok         bool // statements was read
}

func readMeters() window {
	w := window{cpu: sampleCPU(meter.serverPID, meter.dbPID)}
	if meter.statements != nil {
		n, err := meter.statements()
		w.statements, w.ok = n, err == nil
	}
	return w
}

// schedule says when each operation of a load run may start. The zero
// schedule is a closed loop: each worker starts its next operation as soon
// as its previous one ends. A rate makes it an open loop: operation i is
// due at start + i/rate whichever worker takes it, and its latency counts
// from that moment, so a server that falls behind is charged the wait
// (no coordinated omission).
type schedule struct {
	rate float64
	next atomic.Int64
}

// due returns when the worker's next operation is due: now for a closed
// loop, else the next free slot (which may already be past).
func (s *schedule) due(start time.Time) time.Time {
	if s.rate <= 0 {
		return time.Now()
	}
	i := s.next.Add(1) - 1
	return start.Add(time.Duration(float64(i) / s.rate * float64(time.Second)))
}

// load runs op on c workers for warmup plus d; op gets the worker's index.
// Operations due during the warm-up are not counted. When the warm-up ends
// no new warm-up operation starts, those in flight finish, and the meters
// are read with nothing in flight, so the statements and CPU time of the
// window belong to the counted operations alone; then the window opens and
// the operations due meanwhile start. The rate is the successful operations
// over the time from then to the last one's completion. With rate > 0
// operations are offered at that rate (see schedule) and c bounds how many
// are in flight.
func load(name string, c int, warmup, d time.Duration, rate float64, op func(worker int) error) result {
	start := time.Now()
	measureFrom, end := start.Add(warmup), start.Add(warmup+d)
	sched := &schedule{rate: rate}
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      int
		firstErr  error
		wg        sync.WaitGroup
	)
	// The gate between warm-up and window: warming counts the warm-up
	// operations in flight; closing is set once the warm-up is over, after
	// which none starts; open is closed when the meters have been read, at
	// opened.
	var (
		gateMu  sync.Mutex
		drained = sync.NewCond(&gateMu)
		warming int
		closing bool
		open    = make(chan struct{})
		opened  time.Time
		from    window
	)
	go func() {
		time.Sleep(time.Until(measureFrom))
		gateMu.Lock()
		closing = true
		for warming > 0 {
			drained.Wait()
		}
		gateMu.Unlock()
		from = readMeters()
		opened = time.Now()
		close(open)
	}()
	for w := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			var myErrs int
			var myFirst error
			for {
				t0 := sched.due(start)
				if t0.After(end) {
					break
				}
				if wait := time.Until(t0); wait > 0 {
					time.Sleep(wait)
				}
				counted := !t0.Before(measureFrom)
				if counted {
					<-open
					if t0.Before(opened) { // due while the meters were read
						t0 = opened
					}
				} else {
					gateMu.Lock()
					late := closing // a warm-up slot taken too late: skip it
					if !late {
						warming++
					}
					gateMu.Unlock()
					if late {
						continue
					}
				}
				err := op(w)
				if !counted {
					gateMu.Lock()
					if warming--; warming == 0 {
						drained.Broadcast()
					}
					gateMu.Unlock()
				}
				if errors.Is(err, errDone) {
					break
				}
				if !counted {
					continue
				}
				if err != nil {
					myErrs++
					if myFirst == nil {
						myFirst = err
					}
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			errs += myErrs
			if firstErr == nil {
				firstErr = myFirst
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	<-open
	to := readMeters()
	return summarize(name, c, latencies, errs, firstErr, to.cpu.at.Sub(opened), from, to, rate)
}

// summarize turns what a load run collected into its result.
func summarize(name string, c int, latencies []time.Duration, errs int, firstErr error, elapsed time.Duration, from, to window, rate float64) result {
	slices.Sort(latencies)
	secs := elapsed.Seconds()
	r := result{Name: name, Concurrency: c, Requests: len(latencies), Errors: errs, Seconds: secs,
		P50ms: percentile(latencies, 0.50), P90ms: percentile(latencies, 0.90), P99ms: percentile(latencies, 0.99),
		CPU: share(from.cpu, to.cpu), TargetPerSecond: rate}
	if secs > 0 {
		r.PerSecond = float64(r.Requests) / secs
	}
	if r.Requests > 0 {
		wall := to.cpu.at.Sub(from.cpu.at).Seconds()
		r.CPU.ServerMsPerRequest = 1000 * r.CPU.Server * wall / float64(r.Requests)
		r.CPU.DBMsPerRequest = 1000 * r.CPU.DB * wall / float64(r.Requests)
		if from.ok && to.ok && to.statements >= from.statements {
			n := float64(to.statements-from.statements) / float64(r.Requests)
			r.StatementsPerRequest = &n
		}
	}
	if firstErr != nil {
		r.FirstError = firstErr.Error()
	}
	return r
}

// percentile reads quantile q of sorted latencies, in milliseconds: the
// smallest latency that at least q of all requests did not exceed (the
// nearest-rank method; every latency is kept, so it is exact).
func percentile(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return float64(sorted[i].Microseconds()) / 1000
}

// mint pre-issues up to n codes by running flows (up to the code) on c
// workers, stopping after limit. It is not timed.
func mint(t *target, o flowOptions, n, c int, limit time.Duration) ([]grant, int, error) {
	var (
		mu      sync.Mutex
		grants  = make([]grant, 0, n)
		claimed atomic.Int64
		failed  atomic.Int64
		first   error
		wg      sync.WaitGroup
	)
	deadline := time.Now().Add(limit)
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for claimed.Add(1) <= int64(n) && time.Now().Before(deadline) {
				g, err := t.newBrowser().flow(o)
				if wait, refused := refusal(err); refused {
					// Admission control refused a step: not a failure
					// (minting is not measured); wait as told and retry.
					claimed.Add(-1)
					time.Sleep(wait)
					continue
				}
				mu.Lock()
				if err != nil {
					failed.Add(1)
					if first == nil {
						first = err
					}
				} else {
					grants = append(grants, g)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return grants, int(failed.Load()), first
}

// exchangeScenario pre-mints codes, then redeems each once with c workers.
// The minting is the warm-up: it leaves c idle connections open and the
// server's code paths hot, and a separate warm-up would spend codes.
func exchangeScenario(t *target, rp relyingParty, cfg config) (result, error) {
	began := time.Now()
	grants, failed, err := mint(t, flowOptions{rp: rp}, cfg.codes, cfg.c, cfg.mintTime)
	if failed > 0 {
		return result{}, fmt.Errorf("minting codes: %d flows failed, first: %w", failed, err)
	}
	minted := time.Since(began)
	var next atomic.Int64
	r := load("exchange", cfg.c, 0, cfg.d, 0, func(int) error {
		i := next.Add(1) - 1
		if i >= int64(len(grants)) {
			return errDone
		}
		_, err := t.exchange(grants[i])
		return err
	})
	r.Note = fmt.Sprintf("%d codes pre-minted in %.1fs (%.0f flows/s to the code)", len(grants), minted.Seconds(), float64(len(grants))/minted.Seconds())
	if int(next.Load()) >= len(grants) {
		r.Note += "; the codes ran out before -d"
	}
	return r, nil
}

// refreshScenario rotates refresh tokens: each worker first gets its own
// chain (one whole flow with offline_access, and its code exchange), then
// redeems the chain's newest refresh token again and again, each answer
// giving the next one (RFC 9700 section 4.14.2 rotation). A failed refresh
// breaks the chain, so the worker starts a new one inside the failed
// operation, which is counted as an error and not timed.
func refreshScenario(t *target, rp relyingParty, cfg config) (result, error) {
	o := flowOptions{rp: rp, scope: []string{"openid", "offline_access"}}
	chains := make([]string, cfg.c)
	newChain := func() (string, error) {
		g, err := t.newBrowser().flow(o)
		if err != nil {
			return "", err
		}
		tok, err := t.exchange(g)
		if err != nil {
			return "", err
		}
		if tok.RefreshToken == "" {
			return "", errors.New("the code exchange issued no refresh token for scope 'openid offline_access'")
		}
		return tok.RefreshToken, nil
	}
	for i := range chains {
		var err error
		if chains[i], err = newChain(); err != nil {
			return result{}, fmt.Errorf("starting refresh chains: %w", err)
		}
	}
	r := load("refresh", cfg.c, cfg.warmup, cfg.d, 0, func(w int) error {
		tok, err := t.refresh(rp, chains[w])
		if err != nil {
			if fresh, err2 := newChain(); err2 == nil {
				chains[w] = fresh
			}
			return err
		}
		chains[w] = tok.RefreshToken
		return nil
	})
	r.Note = fmt.Sprintf("one rotating refresh token per worker (%d chains), each answer carries the next", cfg.c)
	return r, nil
}

// flowsOp is one whole code flow, authorize to token, in a new browser (its
// own cookie jar), so that every one signs in with the wallet.
func flowsOp(t *target, rp relyingParty, pages bool) func(int) error {
	return func(int) error {
		g, err := t.newBrowser().flow(flowOptions{rp: rp, pages: pages})
		if err != nil {
			return err
		}
		_, err = t.exchange(g)
		return err
	}
}

// flowsNote says what one request of a flows scenario is.
func flowsNote(pages bool) string {
	n := 5
	if pages {
		n = 7
	}
	return fmt.Sprintf("one request = one whole flow: %d HTTP requests and one secp256k1 signature (made in the load generator)", n)
}

// flowsScenario runs whole code flows on -flows-c workers as fast as they
// go.
func flowsScenario(name string, t *target, rp relyingParty, pages bool, cfg config) result {
	r := load(name, cfg.flowsC, cfg.warmup, cfg.d, 0, flowsOp(t, rp, pages))
	r.Note = flowsNote(pages)
	return r
}

// halfLoadScenario offers whole flows at half the rate a flows scenario
// reached (peak), in an open loop, to read the latency a server sees when
// it is not saturated. Up to 8 times -flows-c flows may be in flight, so
// that a slow response does not hold the next one back.
func halfLoadScenario(peak result, t *target, rp relyingParty, pages bool, cfg config) result {
	rate := peak.PerSecond / 2
	r := load(peak.Name+"@50%", 8*cfg.flowsC, cfg.warmup, cfg.d, rate, flowsOp(t, rp, pages))
	r.Note = fmt.Sprintf("open loop at half of the %.0f flows/s %s reached; latency counts from when each flow was due", peak.PerSecond, peak.Name)
	return r
}
