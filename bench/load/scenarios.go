package main

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// result is what one load scenario measured.
type result struct {
	Name        string  `json:"name"`
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	Seconds     float64 `json:"seconds"`
	PerSecond   float64 `json:"per_second"`
	P50ms       float64 `json:"p50_ms"`
	P90ms       float64 `json:"p90_ms"`
	P99ms       float64 `json:"p99_ms"`
	// CPU is how the cores were shared while measuring.
	CPU        cpuShare `json:"cpu"`
	FirstError string   `json:"first_error,omitempty"`
	Note       string   `json:"note,omitempty"`
}

// errDone tells a worker that there is nothing left to do (the pre-minted
// codes ran out).
var errDone = errors.New("done")

// serverPID is the server's process id (-server-pid), whose CPU use each
// scenario reports; 0 when unknown.
var serverPID int

// load runs op on c workers for warmup plus d. Operations started during the
// warm-up are not counted; the rate is the successful operations over the
// time from the end of the warm-up to the last one's completion.
func load(name string, c int, warmup, d time.Duration, op func() error) result {
	start := time.Now()
	measureFrom, end := start.Add(warmup), start.Add(warmup+d)
	fromc := make(chan cpuSample, 1)
	time.AfterFunc(warmup, func() { fromc <- sampleCPU(serverPID) })
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      int
		firstErr  error
		wg        sync.WaitGroup
	)
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			var myErrs int
			var myFirst error
			for {
				t0 := time.Now()
				if t0.After(end) {
					break
				}
				err := op()
				if errors.Is(err, errDone) {
					break
				}
				if t0.Before(measureFrom) {
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
	cpu := share(<-fromc, sampleCPU(serverPID))
	elapsed := time.Since(measureFrom).Seconds()
	slices.Sort(latencies)
	r := result{Name: name, Concurrency: c, Requests: len(latencies), Errors: errs, Seconds: elapsed,
		PerSecond: float64(len(latencies)) / elapsed,
		P50ms:     percentile(latencies, 0.50), P90ms: percentile(latencies, 0.90), P99ms: percentile(latencies, 0.99), CPU: cpu}
	if r.Requests > 0 {
		r.CPU.ServerMsPerRequest = 1000 * r.CPU.Server * elapsed / float64(r.Requests)
	}
	if firstErr != nil {
		r.FirstError = firstErr.Error()
	}
	return r
}

// percentile reads quantile q of sorted latencies, in milliseconds.
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
func mint(t *target, rp relyingParty, n, c int, limit time.Duration) ([]grant, int, error) {
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
				g, err := t.newBrowser().flow(flowOptions{rp: rp})
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
	grants, failed, err := mint(t, rp, cfg.codes, cfg.c, cfg.mintTime)
	if failed > 0 {
		return result{}, fmt.Errorf("minting codes: %d flows failed, first: %w", failed, err)
	}
	minted := time.Since(began)
	var next atomic.Int64
	r := load("exchange", cfg.c, 0, cfg.d, func() error {
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

// flowsScenario runs whole code flows, authorize to token, each in a new
// browser (its own cookie jar), so that every one signs in with the wallet.
func flowsScenario(name string, t *target, rp relyingParty, pages bool, cfg config) result {
	r := load(name, cfg.flowsC, cfg.warmup, cfg.d, func() error {
		g, err := t.newBrowser().flow(flowOptions{rp: rp, pages: pages})
		if err != nil {
			return err
		}
		_, err = t.exchange(g)
		return err
	})
	n := 5
	if pages {
		n = 7
	}
	r.Note = fmt.Sprintf("one request = one whole flow: %d HTTP requests and one secp256k1 signature (made in the load generator)", n)
	return r
}
