package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	benchreport "github.com/sigil-oidc/sigil/bench/internal/report"
)

// overloadFactor is how many times the whole-flow concurrency (-flows-c)
// the overload scenario runs: the bar is that at 16 times the
// concurrency of peak throughput, completed flows stay at least 80% of the
// peak and the admitted requests' p99 under 100 ms.
const overloadFactor = 16

// overloadScenario runs whole API flows (as flows-api) on overloadFactor
// times -flows-c workers, far more than the server serves at once, so
// that its admission control refuses some. A worker whose flow is refused
// (a 503 at any step) counts the flow as refused, not as an error, and
// waits what Retry-After says before its next flow, as a well-behaved
// client does; any other failure starts the next flow at once. It counts
// the flows completed within the window, the latency of every admitted
// request (every answer but a refusal), the refusals by status, and the
// other errors and connection resets, of which there must be none.
// peak is flows-api's rate in the same run, 0 if unknown.
func overloadScenario(t *target, rp relyingParty, cfg config, peak float64) result {
	workers := overloadFactor * cfg.flowsC
	start := time.Now()
	measureFrom, end := start.Add(cfg.warmup), start.Add(cfg.warmup+cfg.d)
	var (
		mu        sync.Mutex
		latencies []time.Duration
		completed int
		firstErr  error
		o         = &benchreport.Overload{PeakPerSecond: peak, Refusals: map[string]int{}}
		wg        sync.WaitGroup
		from      window
		opened    = make(chan struct{})
	)
	go func() {
		time.Sleep(time.Until(measureFrom))
		from = readMeters()
		close(opened)
	}()
	// note classifies one request's outcome; it returns how long to wait
	// before the next flow when the request was refused, else -1.
	note := func(counted bool, took time.Duration, err error) time.Duration {
		mu.Lock()
		defer mu.Unlock()
		var se *statusError
		switch {
		case err == nil:
			if counted {
				latencies = append(latencies, took)
				o.AdmittedRequests++
			}
			return -1
		case errors.As(err, &se) && se.status == 503 && se.retryAfter != "" && bytes.Contains(se.body, []byte(`"temporarily_unavailable"`)):
			if counted {
				o.Refusals[strconv.Itoa(se.status)]++
			}
			secs, perr := strconv.Atoi(se.retryAfter)
			if perr != nil || secs < 0 {
				secs = 1
			}
			return time.Duration(secs) * time.Second
		case errors.As(err, &se) && se.status == 503 && bytes.Contains(se.body, []byte("<html")) && se.retryAfter != "":
			// The authorization endpoint's refusal is its error page.
			if counted {
				o.Refusals[strconv.Itoa(se.status)]++
			}
			return time.Second
		case isReset(err):
			if counted {
				o.Resets++
			}
		default:
			if counted {
				o.OtherErrors++
			}
		}
		if counted && firstErr == nil {
			firstErr = err
		}
		return -1
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				began := time.Now()
				if began.After(end) {
					return
				}
				counted := !began.Before(measureFrom)
				wait := time.Duration(-1)
				step := func(_ string, fn func() error) error {
					t0 := time.Now()
					err := fn()
					if w := note(counted, time.Since(t0), err); w >= 0 {
						wait = w
					}
					return err
				}
				g, err := t.newBrowser().flow(flowOptions{rp: rp, step: step})
				if err == nil {
					err = step(stepToken, func() error { _, err := t.exchange(g); return err })
				}
				switch {
				case err == nil:
					if counted && !time.Now().After(end) {
						mu.Lock()
						completed++
						mu.Unlock()
					}
				case wait >= 0:
					if counted {
						mu.Lock()
						o.RefusedFlows++
						mu.Unlock()
					}
					time.Sleep(min(wait, time.Until(end)))
				}
			}
		}()
	}
	wg.Wait()
	<-opened
	to := readMeters()
	slices.Sort(latencies)
	r := result{Name: "overload", Concurrency: workers, Requests: completed, Errors: o.OtherErrors + o.Resets,
		Seconds: cfg.d.Seconds(), PerSecond: float64(completed) / cfg.d.Seconds(),
		P50ms: percentile(latencies, 0.50), P90ms: percentile(latencies, 0.90), P99ms: percentile(latencies, 0.99),
		CPU: share(from.cpu, to.cpu), Overload: o}
	if completed > 0 {
		wall := to.cpu.at.Sub(from.cpu.at).Seconds()
		r.CPU.ServerMsPerRequest = 1000 * r.CPU.Server * wall / float64(completed)
		r.CPU.DBMsPerRequest = 1000 * r.CPU.DB * wall / float64(completed)
	}
	if firstErr != nil {
		r.FirstError = firstErr.Error()
	}
	r.Note = fmt.Sprintf("whole API flows on %d workers (%d x -flows-c): req/s = completed flows/s, p50-p99 = admitted requests, errors = other errors and resets; a refused flow waits Retry-After", workers, overloadFactor)
	if peak > 0 {
		r.Note += fmt.Sprintf("; completed %.0f%% of the flows-api peak (%.0f/s)", 100*r.PerSecond/peak, peak)
	}
	return r
}

// refusal reports whether err is admission control's refusal (503 with
// Retry-After) and how long it asks to wait.
func refusal(err error) (time.Duration, bool) {
	var se *statusError
	if !errors.As(err, &se) || se.status != 503 || se.retryAfter == "" {
		return 0, false
	}
	secs, perr := strconv.Atoi(se.retryAfter)
	if perr != nil || secs < 0 {
		secs = 1
	}
	return time.Duration(secs) * time.Second, true
}

// isReset reports whether err is a connection reset or cut short by the
// server.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
