package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Check is one condition of readiness.
type Check struct {
	// Name keys the condition in the answer ("database", "keys").
	Name string
	// Problem is what the answer says when the check fails. It is fixed
	// text, never the error, which may name hosts, users or paths; the
	// error goes to the log.
	Problem string
	// Check fails when the condition is not met.
	Check func(ctx context.Context) error
}

// Health answers load balancers and orchestrators on both listeners:
// GET /health/alive (the process serves HTTP) and GET /health/ready (this
// node should get traffic: every Check passes and it is not shutting down).
type Health struct {
	Checks []Check
	// Timeout bounds one round of checks, so a hung database makes the
	// node unready rather than the probe time out.
	Timeout time.Duration
	// CacheFor is how long a round's result answers further probes, so
	// that probes, however many, cost the database at most one round
	// each CacheFor.
	CacheFor time.Duration
	Log      *slog.Logger

	draining atomic.Bool

	// mu serialises rounds: probes arriving during a round wait for it
	// and share its result.
	mu       sync.Mutex
	cached   map[string]string
	cachedAt time.Time
}

// Drain makes /health/ready answer 503 from now on, without running the
// checks: the first step of a graceful shutdown, so that load balancers
// stop sending traffic while the node still serves what they send.
func (h *Health) Drain() { h.draining.Store(true) }

// healthStatus is the body of both endpoints.
type healthStatus struct {
	// Status is "ok" or "unavailable".
	Status string `json:"status"`
	// NotReady names each failing condition with its Problem.
	NotReady map[string]string `json:"not_ready,omitempty"`
}

// Alive serves GET /health/alive: 200 whenever the process serves HTTP,
// during a shutdown's drain too, so an orchestrator does not kill a node
// that is only unready.
func (h *Health) Alive(w http.ResponseWriter, r *http.Request) {
	writeHealth(w, http.StatusOK, healthStatus{Status: "ok"})
}

// Ready serves GET /health/ready: 200 {"status":"ok"} when every check
// passes, else 503 with the failing conditions under "not_ready".
func (h *Health) Ready(w http.ResponseWriter, r *http.Request) {
	if h.draining.Load() {
		writeHealth(w, http.StatusServiceUnavailable, healthStatus{Status: "unavailable",
			NotReady: map[string]string{"shutdown": "the node is shutting down"}})
		return
	}
	failing := h.run(r.Context())
	if len(failing) > 0 {
		writeHealth(w, http.StatusServiceUnavailable, healthStatus{Status: "unavailable", NotReady: failing})
		return
	}
	writeHealth(w, http.StatusOK, healthStatus{Status: "ok"})
}

// run returns the failing checks, from the cache when it is fresh.
func (h *Health) run(ctx context.Context) map[string]string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cached != nil && time.Since(h.cachedAt) < h.CacheFor {
		return h.cached
	}
	// The probe that runs the round may hang up; the result serves the
	// others, so the round does not end with its request.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.Timeout)
	defer cancel()
	failing := map[string]string{}
	for _, c := range h.Checks {
		if err := c.Check(ctx); err != nil {
			failing[c.Name] = c.Problem
			if h.Log != nil {
				h.Log.Warn("not ready", "check", c.Name, "err", err)
			}
		}
	}
	h.cached, h.cachedAt = failing, time.Now()
	return failing
}

func writeHealth(w http.ResponseWriter, status int, body healthStatus) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
